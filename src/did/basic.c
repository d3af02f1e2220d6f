/* basic.c — the 2x2 difference-in-differences regression y ~ d + p + d:p (d, p in {0, 1}) in
 * closed form. The model is saturated in the four (d, p) cells, so the least-squares fit is the
 * cell means, the residuals are deviations from them, and every variance is built from per-cell
 * (and per-cluster-and-cell) sums of the residuals: two passes over the rows instead of a QR
 * factorization. The numbers are those of feols on the same formula (iid, HC1 and CRV1 with
 * fixest's small-sample factors: K = 4). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/linalg.h"
#include "kestrel/regress.h"

/* The design row of cell c = 2 d + p: (1, d, p, d p). */
static void cell_row(int c, double x[4])
{
    const double d = c >> 1, p = c & 1;
    x[0] = 1.0;
    x[1] = d;
    x[2] = p;
    x[3] = d * p;
}

/* out (4x4) = sum_c a_c x_c x_c' + ... : add a * x x' for cell c. */
static void add_outer(double M[16], int c, double a)
{
    double x[4];
    cell_row(c, x);
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) M[i * 4 + j] += a * x[i] * x[j];
}

/* B = (X'X)^-1 in closed form: with cell counts n00, n01, n10, n11 the inverse of the saturated
 * design's Gram matrix is the variance of the cell-mean contrasts. */
static void bread(const double n[4], double B[16])
{
    /* coefficients are L (cell means): b0 = m00, b1 = m10 - m00, b2 = m01 - m00,
     * b3 = m11 - m10 - m01 + m00; (X'X)^-1 = L diag(1/n) L' */
    static const double L[4][4] = {{1, 0, 0, 0}, {-1, 0, 1, 0}, {-1, 1, 0, 0}, {1, -1, -1, 1}};
    /* L's columns index cells 00, 01, 10, 11 (c = 2d + p) */
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int c = 0; c < 4; c++) s += L[i][c] * L[j][c] / n[c];
            B[i * 4 + j] = s;
        }
}

/* V = f B M B. */
static void sandwich(const double B[16], const double M[16], double f, double V[16])
{
    double T[16];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int k = 0; k < 4; k++) s += B[i * 4 + k] * M[k * 4 + j];
            T[i * 4 + j] = s;
        }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            double s = 0.0;
            for (int k = 0; k < 4; k++) s += T[i * 4 + k] * B[k * 4 + j];
            V[i * 4 + j] = f * s;
        }
}

struct ks_did_basic {
    ks_allocator alloc;
    double coef[4], vcov[16], se[4], tstat[4], pvalue[4], lo[4], hi[4];
    double df_t, rss, r2;
    size_t nobs, n_na, nclusters, ncell[4];
};

static int basic_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                     const char *post, const char *cluster, ks_vcov_kind vcov, ks_did_basic *out)
{
    const size_t nrow = ks_table_nrow(t);
    ks_did_numcol yc, dc, pc;
    double *S = NULL;
    int64_t *cl = NULL;
    unsigned char *cell = NULL, *gused = NULL;
    size_t G = 0;
    int rc = KS_OK;
    if ((rc = ks__did_numeric(ctx, t, "outcome", y, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "treatment", treat, &dc)) ||
        (rc = ks__did_numeric(ctx, t, "time", post, &pc)))
        goto done;
    cell = ks__malloc(ctx, nrow ? nrow : 1);
    if (!cell) {
        rc = KS_ENOMEM;
        goto done;
    }
    if (cluster) {
        size_t j;
        if ((rc = ks_table_find(ctx, t, cluster, &j))) {
            rc = ks__fail(ctx, rc, "cluster: no column '%s' in the data", cluster);
            goto done;
        }
        cl = ks__malloc_array(ctx, nrow ? nrow : 1, sizeof *cl);
        if (!cl) {
            rc = KS_ENOMEM;
            goto done;
        }
        if ((rc = ks_table_factorize(ctx, t, &j, 1, cl, ks_table_nrow(t), &G))) goto done;
    }
    /* pass 1: cells (rows with a missing value are left out), their sums */
    double n[4] = {0}, sy[4] = {0};
    size_t nna = 0;
    for (size_t i = 0; i < nrow; i++) {
        const double d = ks__did_num_at(&dc, i), p = ks__did_num_at(&pc, i);
        const double yi = ks__did_num_at(&yc, i);
        if (isnan(d) || isnan(p) || isnan(yi) || (cl && cl[i] < 0)) {
            cell[i] = 255;
            nna++;
            continue;
        }
        if (!((d == 0 || d == 1) && (p == 0 || p == 1))) {
            rc = ks__fail(ctx, KS_EINVAL,
                         "row %zu: treatment and time must be 0 or 1 here (got %g, %g)", i + 1,
                         d, p);
            goto done;
        }
        if (!isfinite(yi)) {
            rc = ks__fail(ctx, KS_EINVAL, "outcome: column '%s' is infinite at row %zu", y, i + 1);
            goto done;
        }
        const int c = 2 * (d == 1) + (p == 1);
        cell[i] = (unsigned char)c;
        n[c] += 1.0;
        sy[c] += yi;
    }
    for (int c = 0; c < 4; c++)
        if (n[c] == 0) {
            rc = ks__fail(ctx, KS_EEMPTY, "no rows with treatment = %d and time = %d", c >> 1,
                         c & 1);
            goto done;
        }
    double m[4];
    for (int c = 0; c < 4; c++) m[c] = sy[c] / n[c];
    const double nobs = n[0] + n[1] + n[2] + n[3];
    /* pass 2: residual sums by cell (and by cluster and cell) */
    double se2[4] = {0}, rss = 0.0, tss = 0.0;
    const double ybar = (sy[0] + sy[1] + sy[2] + sy[3]) / nobs;
    if (cl) {
        S = ks__calloc(ctx, G ? G : 1, 4 * sizeof *S);
        gused = ks__calloc(ctx, G ? G : 1, 1);
        if (!S || !gused) {
            rc = KS_ENOMEM;
            goto done;
        }
    }
    for (size_t i = 0; i < nrow; i++) {
        const int c = cell[i];
        if (c == 255) continue;
        const double yi = ks__did_num_at(&yc, i), e = yi - m[c];
        se2[c] += e * e;
        tss += (yi - ybar) * (yi - ybar);
        if (S) {
            S[(size_t)cl[i] * 4 + c] += e;
            gused[cl[i]] = 1;
        }
    }
    for (int c = 0; c < 4; c++) rss += se2[c];
    const double K = 4.0;
    double B[16], M[16] = {0}, V[16];
    bread(n, B);
    if (vcov != KS_VCOV_IID && vcov != KS_VCOV_HC1 && vcov != KS_VCOV_CRV1) {
        rc = ks__fail(ctx, KS_EINVAL, "vcov: only iid, HC1 and CRV1 here");
        goto done;
    }
    if (vcov == KS_VCOV_IID) {
        const double s2 = rss / (nobs - K);
        for (int i = 0; i < 16; i++) V[i] = s2 * B[i];
        out->df_t = nobs - K;
    } else if (vcov == KS_VCOV_HC1) {
        for (int c = 0; c < 4; c++) add_outer(M, c, se2[c]);
        sandwich(B, M, nobs / (nobs - K), V);
        out->df_t = nobs - K;
    } else { /* CRV1: meat = sum_g s_g s_g', s_g = sum_c (sum of e over g and c) x_c */
        if (!S) {
            rc = ks__fail(ctx, KS_EINVAL, "CRV1 needs a cluster column");
            goto done;
        }
        size_t Gused = 0; /* clusters with a row in the fit */
        for (size_t g = 0; g < G; g++) {
            double sv[4] = {0}, x[4];
            for (int c = 0; c < 4; c++) {
                cell_row(c, x);
                for (int a = 0; a < 4; a++) sv[a] += S[g * 4 + c] * x[a];
            }
            Gused += gused[g];
            for (int a = 0; a < 4; a++)
                for (int b2 = 0; b2 < 4; b2++) M[a * 4 + b2] += sv[a] * sv[b2];
        }
        G = Gused;
        if (G < 2) {
            rc = ks__fail(ctx, KS_EINVAL,
                         "cluster: '%s' has %zu level%s in the rows used; clustered standard "
                         "errors need at least 2 clusters",
                         cluster, G, G == 1 ? "" : "s");
            goto done;
        }
        const double Gd = (double)G;
        sandwich(B, M, (nobs - 1.0) / (nobs - K) * Gd / (Gd - 1.0), V);
        out->df_t = Gd - 1.0;
        out->nclusters = G;
    }
    out->coef[0] = m[0];
    out->coef[1] = m[2] - m[0];
    out->coef[2] = m[1] - m[0];
    out->coef[3] = m[3] - m[2] - m[1] + m[0];
    for (int i = 0; i < 16; i++) out->vcov[i] = V[i];
    for (int c = 0; c < 4; c++) out->ncell[c] = (size_t)n[c];
    out->nobs = (size_t)nobs;
    out->n_na = nna;
    out->rss = rss;
    out->r2 = 1.0 - rss / tss;
done:
    ks__free(ctx, S);
    ks__free(ctx, gused);
    ks__free(ctx, cl);
    ks__free(ctx, cell);
    return rc;
}

int ks_did_basic_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                     const char *post, const ks_did_basic_options *opt, ks_did_basic **out)
{
    ks_did_basic_options o = KS_DID_BASIC_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "did basic: out is NULL");
    *out = NULL;
    if (!(o.alpha > 0 && o.alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", o.alpha);
    ks_did_basic *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    const int rc = basic_fit(ctx, t, y, treat, post, o.cluster, o.vcov, r);
    if (rc) {
        ks_did_basic_free(r);
        return rc;
    }
    const double q = ks_t_quantile(1.0 - o.alpha / 2.0, r->df_t);
    for (int j = 0; j < 4; j++) {
        r->se[j] = sqrt(r->vcov[5 * j]);
        ks__infer(r->coef[j], r->se[j], r->df_t, q, &r->tstat[j], &r->pvalue[j], &r->lo[j],
                      &r->hi[j]);
    }
    *out = r;
    return KS_OK;
}

void ks_did_basic_get(const ks_did_basic *r, ks_did_basic_view *out)
{
    *out =
        (ks_did_basic_view){r->coef, r->vcov, r->se, r->tstat, r->pvalue, r->lo,        r->hi,
                            r->df_t, r->rss,  r->r2, r->nobs,  r->n_na,   r->nclusters, r->ncell};
}

void ks_did_basic_free(ks_did_basic *r)
{
    if (r) ks__release(&r->alloc, r);
}

/* Two-way fixed effects y ~ d:tm | unit + tm with CRV1 on a balanced layout, by the within
 * transformation's closed form x - mean_unit - mean_period + mean: exact when the (unit, period)
 * counts are proportional, n_ut = n_u n_t / n (a balanced panel, or a 2x2 design with the same
 * number of pre and post rows per unit): four passes, no iterations. K follows fixest (nested fixed effects
 * leave K). Anything else (missing values, an unbalanced panel, a collinear regressor) sets
 * balanced = 0 and leaves the fit to feols. */
struct ks_did_twfe {
    ks_allocator alloc;
    ks_did_twfe_view v;
};

static int twfe_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                    const char *time, const char *unit, const char *cluster, ks_did_twfe_view *out)
{
    out->att = out->se = out->tstat = out->pvalue = out->ci_lower = out->ci_upper = NAN;
    const size_t n = ks_table_nrow(t);
    ks_did_numcol yc, dc, tcol;
    double *um = NULL, *S = NULL;
    int64_t *uc = NULL, *tc = NULL, *cc = NULL, *ucl = NULL, *tcl = NULL;
    uint32_t *cnt = NULL;
    size_t N = 0, T = 0, G = 0, j;
    int rc = KS_OK;
    if ((rc = ks__did_numeric(ctx, t, "outcome", y, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "treatment", treat, &dc)) ||
        (rc = ks__did_numeric(ctx, t, "time", time, &tcol)))
        goto done;
    uc = ks__malloc_array(ctx, n ? n : 1, 3 * sizeof *uc);
    if (!uc) {
        rc = KS_ENOMEM;
        goto done;
    }
    tc = uc + n;
    cc = tc + n;
    if ((rc = ks_table_find(ctx, t, unit, &j))) {
        rc = ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
        goto done;
    }
    if ((rc = ks_table_factorize(ctx, t, &j, 1, uc, ks_table_nrow(t), &N))) goto done;
    if ((rc = ks_table_find(ctx, t, time, &j)) ||
        (rc = ks_table_factorize(ctx, t, &j, 1, tc, ks_table_nrow(t), &T)))
        goto done;
    if ((rc = ks_table_find(ctx, t, cluster ? cluster : unit, &j))) {
        rc = ks__fail(ctx, rc, "cluster: no column '%s' in the data", cluster);
        goto done;
    }
    if ((rc = ks_table_factorize(ctx, t, &j, 1, cc, ks_table_nrow(t), &G))) goto done;
    if (G < 2) {
        rc = ks__fail(ctx, KS_EINVAL,
                     "cluster: '%s' has %zu level%s; clustered standard errors need at least 2 "
                     "clusters",
                     cluster ? cluster : unit, G, G == 1 ? "" : "s");
        goto done;
    }
    size_t NT;
    if (N < 2 || T < 2 || !ks__size_mul(N, T, &NT) || NT > n || n > UINT32_MAX)
        goto done; /* some (unit, period) is empty: not proportional */
    cnt = ks__calloc(ctx, NT, sizeof *cnt);
    um = ks__calloc(ctx, 2 * (N + T) + 2, sizeof *um);
    S = ks__calloc(ctx, G ? G : 1, sizeof *S);
    ucl = ks__malloc_array(ctx, N + T, sizeof *ucl);
    if (!cnt || !um || !S || !ucl) {
        rc = KS_ENOMEM;
        goto done;
    }
    tcl = ucl + N;
    double *xu = um, *yu = xu + N, *xt = yu + N, *yt = xt + T;
    double xg = 0.0, yg = 0.0;
    for (size_t i = 0; i < N + T; i++) ucl[i] = -1;
    int unit_nested = 1, time_nested = 1;
    for (size_t i = 0; i < n; i++) {
        const double x = ks__did_num_at(&dc, i) * ks__did_num_at(&tcol, i);
        const double yi = ks__did_num_at(&yc, i);
        if (!isfinite(x) || !isfinite(yi) || uc[i] < 0 || tc[i] < 0 || cc[i] < 0) goto done;
        cnt[(size_t)uc[i] * T + (size_t)tc[i]]++;
        xu[uc[i]] += x;
        yu[uc[i]] += yi;
        xt[tc[i]] += x;
        yt[tc[i]] += yi;
        xg += x;
        yg += yi;
        int64_t *a = &ucl[uc[i]], *b = &tcl[tc[i]];
        if (*a < 0) *a = cc[i];
        unit_nested &= *a == cc[i];
        if (*b < 0) *b = cc[i];
        time_nested &= *b == cc[i];
    }
    { /* proportional counts: n_ut n = n_u n_t (exact in integers) */
        uint64_t *nu = (uint64_t *)ucl, *nt = nu + N; /* ucl is free again: reuse it */
        memset(nu, 0, (N + T) * sizeof *nu);
        for (size_t u = 0; u < N; u++)
            for (size_t s = 0; s < T; s++) {
                nu[u] += cnt[u * T + s];
                nt[s] += cnt[u * T + s];
            }
        for (size_t u = 0; u < N; u++)
            for (size_t s = 0; s < T; s++)
                if ((uint64_t)cnt[u * T + s] * n != nu[u] * nt[s]) goto done;
        for (size_t u = 0; u < N; u++) {
            xu[u] /= (double)nu[u];
            yu[u] /= (double)nu[u];
        }
        for (size_t s = 0; s < T; s++) {
            xt[s] /= (double)nt[s];
            yt[s] /= (double)nt[s];
        }
    }
    xg /= (double)n;
    yg /= (double)n;
    double sxx = 0.0, sxy = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double xr =
            ks__did_num_at(&dc, i) * ks__did_num_at(&tcol, i) - xu[uc[i]] - xt[tc[i]] + xg;
        sxx += xr * xr;
        sxy += xr * (ks__did_num_at(&yc, i) - yu[uc[i]] - yt[tc[i]] + yg);
    }
    if (!(sxx > 1e-12 * (double)n * (fabs(xg) + 1.0) * (fabs(xg) + 1.0))) goto done; /* collinear */
    const double beta = sxy / sxx;
    for (size_t i = 0; i < n; i++) {
        const double xr =
            ks__did_num_at(&dc, i) * ks__did_num_at(&tcol, i) - xu[uc[i]] - xt[tc[i]] + xg;
        const double e = ks__did_num_at(&yc, i) - yu[uc[i]] - yt[tc[i]] + yg - beta * xr;
        S[cc[i]] += xr * e;
    }
    double meat = 0.0;
    for (size_t g = 0; g < G; g++) meat += S[g] * S[g];
    const double K = 1.0 + (double)(N + T) - 1.0 - (unit_nested ? (double)N - 1.0 : 0.0) -
                     (time_nested ? (double)T - 1.0 : 0.0);
    const double dn = (double)n, dG = (double)G;
    out->att = beta;
    out->se = sqrt((dn - 1.0) / (dn - K) * dG / (dG - 1.0) * meat) / sxx;
    out->df_t = dG - 1.0;
    out->df_k = (size_t)K;
    out->nobs = n;
    out->nunits = N;
    out->nperiods = T;
    out->nclusters = G;
    out->balanced = 1;
done:
    ks__free(ctx, uc);
    ks__free(ctx, cnt);
    ks__free(ctx, um);
    ks__free(ctx, S);
    ks__free(ctx, ucl);
    return rc;
}

int ks_did_twfe_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                    const char *time, const char *unit, const ks_did_twfe_options *opt,
                    ks_did_twfe **out)
{
    ks_did_twfe_options o = KS_DID_TWFE_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "did twfe: out is NULL");
    *out = NULL;
    if (!(o.alpha > 0 && o.alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", o.alpha);
    ks_did_twfe *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    ks_did_twfe_view *v = &r->v;
    const int rc = twfe_fit(ctx, t, y, treat, time, unit, o.cluster, v);
    if (rc) {
        ks_did_twfe_free(r);
        return rc;
    }
    if (v->balanced)
        ks__infer(v->att, v->se, v->df_t, ks_t_quantile(1.0 - o.alpha / 2.0, v->df_t),
                      &v->tstat, &v->pvalue, &v->ci_lower, &v->ci_upper);
    *out = r;
    return KS_OK;
}

void ks_did_twfe_get(const ks_did_twfe *r, ks_did_twfe_view *out) { *out = r->v; }

void ks_did_twfe_free(ks_did_twfe *r)
{
    if (r) ks__release(&r->alloc, r);
}
