/* imputation_leads.c — Borusyak, Jaravel & Spiess's pre-trend test (Test 1, eq. 9; R
 * didimputation's `pretrends`, diff-diff's ImputationDiD pretrends / pretrend_test()): the
 * first stage on the untreated observations with lead indicators 1[t - g = h] added, h < -K
 * (K the anticipation) other than the reference -1 - K, their coefficients with the
 * cluster-robust CR1 variance of fixest (absorbed fixed effects nested in the clusters not
 * counted) and their joint Wald F test against F(q, G - 1).
 *
 * By Frisch-Waugh-Lovell the leads are partialled out of the first-stage design Z0 (unit and
 * period effects, covariates) with the exact first-stage solve (imputation.c): L~ = M L, and
 * gamma = (L~'L~)^-1 L~'e, e the first-stage residual; the full regression's residual is
 * e - L~ gamma, and the gamma block of its sandwich is (L~'L~)^-1 (sum_c s_c s_c')
 * (L~'L~)^-1, s_c the cluster sums of L~_i u_i. A lead spanned by the fixed effects (or by
 * earlier leads) is dropped: NaN, logged. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_imputation_internal.h"
#include "linalg/linalg_internal.h"

struct ks_did_imputation_leads {
    ks_allocator alloc;
    ks_did_imputation_leads_view v;
    double *buf;
};

void ks_did_imputation_leads_free(ks_did_imputation_leads *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->buf);
    ks__release(&a, r);
}

void ks_did_imputation_leads_get(const ks_did_imputation_leads *r,
                                 ks_did_imputation_leads_view *out)
{
    *out = r->v;
}

static size_t uf_find(size_t *parent, size_t a)
{
    while (parent[a] != a) a = parent[a] = parent[parent[a]];
    return a;
}

/* The CR1 increment of the absorbed unit and period effects (fixest's nested convention: 1 for
 * the absorbed constant, plus their rank, less the rank of those nested in the clusters) and
 * their rank including the constant (units + periods - connected components), over the
 * untreated rows; the clusters with untreated rows into *G0. */
static int absorbed_ranks(ks_ctx *ctx, const ks_did_imp_data *d, int ant, double *incr,
                          double *rank, size_t *G0)
{
    const size_t n = d->n, N = d->N, T = d->T;
    size_t *parent = ks__malloc_array(ctx, N + T + 1, sizeof *parent);
    int64_t *ucl = ks__malloc_array(ctx, N + T + 1, sizeof *ucl), *tcl = ucl + N;
    unsigned char *seen = ks__calloc(ctx, d->G + 1, 1);
    if (!parent || !ucl || !seen) {
        ks__free(ctx, parent);
        ks__free(ctx, ucl);
        ks__free(ctx, seen);
        return KS_ENOMEM;
    }
    for (size_t a = 0; a < N + T; a++) parent[a] = a, ucl[a] = -1;
    int unit_nested = 1, time_nested = 1;
    size_t g0 = 0;
    for (size_t r = 0; r < n; r++) {
        if (ks__did_imp_treated(d, r, ant)) continue;
        const size_t u = (size_t)d->codes[r], t = (size_t)d->codes[n + r];
        const int64_t c = d->codes[2 * n + r];
        if (!seen[c]) seen[c] = 1, g0++;
        if (ucl[u] >= 0 && ucl[u] != c) unit_nested = 0;
        if (tcl[t] >= 0 && tcl[t] != c) time_nested = 0;
        ucl[u] = tcl[t] = c;
        const size_t a = uf_find(parent, u), b = uf_find(parent, N + t);
        if (a != b) parent[a] = b;
    }
    double nu = 0, nt = 0, comp = 0;
    for (size_t a = 0; a < N + T; a++) {
        if (ucl[a] < 0) continue; /* a unit or period without untreated rows */
        if (a < N)
            nu += 1;
        else
            nt += 1;
        comp += uf_find(parent, a) == a;
    }
    const double full = nu + nt - comp;
    const double nested = unit_nested && time_nested ? full
                          : unit_nested              ? nu
                          : time_nested              ? nt
                                                     : 0.0;
    *incr = 1.0 + full - fmax(nested, 1.0);
    *rank = full;
    *G0 = g0;
    ks__free(ctx, parent);
    ks__free(ctx, ucl);
    ks__free(ctx, seen);
    return KS_OK;
}

/* Is row r a lead row of the test (before the cohort filter and the lead list)? */
static int lead_row(const ks_did_imp_data *d, size_t r, int ant, int hmax)
{
    const double h = d->num[3 * d->n + r];
    return !isnan(d->num[2 * d->n + r]) && !ks__did_imp_treated(d, r, ant) && h < -ant &&
           h != -1.0 - ant && (hmax < 0 || fabs(h) <= hmax);
}

static int cohort_in(const double *cohorts, size_t ncoh, double g)
{
    if (!cohorts) return 1;
    const size_t at = ks__did_lower_bound(cohorts, ncoh, g);
    return at < ncoh && cohorts[at] == g;
}

int ks__did_imp_leads(ks_ctx *ctx, const ks_did_imp_data *d, const double *e,
                      const ks_did_imputation_options *o, const double *cohorts, size_t ncoh,
                      int hmax, int n_leads, ks_did_imputation_leads **out)
{
    *out = NULL;
    const size_t n = d->n, N = d->N, m = d->m, K = d->K;
    const int ant = o->anticipation;
    const double *gg = d->num + 2 * n, *hh = d->num + 3 * n;
    double *hv = ks__malloc_array(ctx, n + 1, sizeof *hv);
    int64_t *li = ks__malloc_array(ctx, n + 1, sizeof *li);
    double *Lt = NULL, *work = NULL, *S = NULL;
    ks_did_imputation_leads *res = NULL;
    int rc = KS_OK;
    if (!hv || !li) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t L = 0;
    for (size_t r = 0; r < n; r++)
        if (lead_row(d, r, ant, hmax) && cohort_in(cohorts, ncoh, gg[r])) hv[L++] = hh[r];
    L = ks__did_sort_unique(hv, L);
    if (n_leads >= 0 && L > (size_t)n_leads) { /* the n_leads nearest the treatment */
        memmove(hv, hv + (L - (size_t)n_leads), (size_t)n_leads * sizeof *hv);
        L = (size_t)n_leads;
    }
    for (size_t r = 0; r < n; r++) {
        li[r] = -1;
        if (!lead_row(d, r, ant, hmax) || !cohort_in(cohorts, ncoh, gg[r])) continue;
        const size_t q = ks__did_lower_bound(hv, L, hh[r]);
        if (q < L && hv[q] == hh[r]) li[r] = (int64_t)q;
    }
    /* result: key, coef, se, t, p, lo, hi, nobs (8 L) and vcov (L^2) */
    if (!(res = ks__calloc(ctx, 1, sizeof *res))) {
        rc = KS_ENOMEM;
        goto done;
    }
    res->alloc = ctx->alloc;
    if (!(res->buf = ks__calloc(ctx, 8 * L + L * L + 1, sizeof *res->buf))) {
        rc = KS_ENOMEM;
        goto done;
    }
    ks_did_imputation_leads_view *v = &res->v;
    double *key = res->buf, *coef = key + L, *se = coef + L, *ts = se + L, *pv = ts + L;
    double *lo = pv + L, *hi = lo + L, *nobs = hi + L, *V = nobs + L;
    memcpy(key, hv, L * sizeof *key);
    v->n = L;
    v->key = key, v->coef = coef, v->se = se, v->tstat = ts, v->pvalue = pv;
    v->ci_lower = lo, v->ci_upper = hi, v->nobs = nobs, v->vcov = V;
    v->f_stat = v->f_pvalue = v->df = v->df_resid = NAN;
    v->f_df1 = v->f_df2 = 0;
    double incr, fe_rank;
    if ((rc = absorbed_ranks(ctx, d, ant, &incr, &fe_rank, &v->nclusters))) goto done;
    for (size_t a = 0; a < L * L; a++) V[a] = NAN;
    for (size_t j = 0; j < L; j++) coef[j] = se[j] = ts[j] = pv[j] = lo[j] = hi[j] = NAN;
    for (size_t r = 0; r < n; r++)
        if (li[r] >= 0) nobs[li[r]] += 1.0;
    if (L == 0) goto done;
    /* the leads partialled out of Z0: Lt (L x n; untreated rows) */
    size_t Ln;
    if (!ks__size_mul(L, n, &Ln)) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "data too large");
        goto done;
    }
    Lt = ks__malloc_array(ctx, Ln, sizeof *Lt);
    /* work: s (N + m), XtX (L^2), its factor (L^2), Xty (L), kept (L), z (L), meat (L^2) */
    work = ks__malloc_array(ctx, N + m + 4 * L * L + 3 * L + 1, sizeof *work);
    if (!Lt || !work) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *s = work, *XtX = s + N + m, *C = XtX + L * L, *Xty = C + L * L, *z = Xty + L;
    double *meat = z + L, *Binv = meat + L * L;
    size_t *kept = (size_t *)(Binv + L * L); /* L entries in the last L doubles */
    for (size_t j = 0; j < L; j++) {
        memset(s, 0, (N + m) * sizeof *s);
        for (size_t r = 0; r < n; r++) {
            if (li[r] != (int64_t)j) continue;
            s[d->codes[r]] += 1.0;
            const int64_t c = d->col[d->codes[n + r]];
            if (c >= 0) s[N + c] += 1.0;
            for (size_t k = 0; k < K; k++) s[N + d->mt + k] += d->num[(4 + k) * n + r];
        }
        if ((rc = ks__did_imp_solve(ctx, d, s))) goto done;
        double *lj = Lt + j * n;
        for (size_t r = 0; r < n; r++)
            lj[r] = ks__did_imp_treated(d, r, ant)
                        ? 0.0
                        : (li[r] == (int64_t)j ? 1.0 : 0.0) - ks__did_imp_zs(d, s, r);
    }
    for (size_t j = 0; j < L; j++) {
        const double *lj = Lt + j * n;
        double acc = 0.0;
        for (size_t r = 0; r < n; r++)
            if (!ks__did_imp_treated(d, r, ant)) acc += lj[r] * e[r];
        Xty[j] = acc;
        for (size_t k = 0; k <= j; k++) {
            const double *lk = Lt + k * n;
            double a = 0.0;
            for (size_t r = 0; r < n; r++) a += lj[r] * lk[r];
            XtX[j * L + k] = XtX[k * L + j] = a;
        }
    }
    /* Cholesky of the kept leads' block, a lead kept when what is left of it after the
     * fixed effects and the kept leads before it is not negligible against its own size */
    size_t p = 0;
    for (size_t j = 0; j < L; j++) {
        double piv = XtX[j * L + j];
        for (size_t a = 0; a < p; a++) {
            double t = XtX[kept[a] * L + j];
            for (size_t b = 0; b < a; b++) t -= C[a * L + b] * z[b];
            z[a] = t / C[a * L + a];
            piv -= z[a] * z[a];
        }
        if (!(piv > 1e-9 * nobs[j])) continue;
        for (size_t a = 0; a < p; a++) C[p * L + a] = z[a];
        C[p * L + p] = sqrt(piv);
        kept[p++] = j;
    }
    v->n_dropped = L - p;
    if (L > p) {
        if (o->strict) {
            rc = ks__fail(ctx, KS_ENUMERIC,
                          "pretrends: %zu lead%s collinear with the unit and period effects "
                          "(or the other leads)",
                          L - p, L - p == 1 ? " is" : "s are");
            goto done;
        }
        ks__log(ctx, KS_LOG_WARN,
                "pretrends: %zu lead%s collinear with the unit and period effects (or the other "
                "leads) and %s dropped (NaN)",
                L - p, L - p == 1 ? " is" : "s are", L - p == 1 ? "is" : "are");
    }
    if (p == 0) goto done;
    /* (X'X)^-1 of the kept leads from the factor: solve C C' Binv = I column by column */
    for (size_t c = 0; c < p; c++) {
        double *col = Binv + c * p;
        for (size_t a = 0; a < p; a++) {
            double t = a == c ? 1.0 : 0.0;
            for (size_t b = 0; b < a; b++) t -= C[a * L + b] * col[b];
            col[a] = t / C[a * L + a];
        }
        for (size_t a = p; a-- > 0;) {
            double t = col[a];
            for (size_t b = a + 1; b < p; b++) t -= C[b * L + a] * col[b];
            col[a] = t / C[a * L + a];
        }
    }
    for (size_t a = 0; a < p; a++) {
        double t = 0.0;
        for (size_t b = 0; b < p; b++) t += Binv[a * p + b] * Xty[kept[b]];
        coef[kept[a]] = t;
    }
    /* cluster scores of L~_i u_i, u = e - L~ gamma */
    const size_t G = d->G;
    size_t Gp;
    if (!ks__size_mul(G, p, &Gp) || !(S = ks__calloc(ctx, Gp, sizeof *S))) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t r = 0; r < n; r++) {
        if (ks__did_imp_treated(d, r, ant)) continue;
        double u = e[r];
        for (size_t a = 0; a < p; a++) u -= Lt[kept[a] * n + r] * coef[kept[a]];
        double *sc = S + (size_t)d->codes[2 * n + r] * p;
        for (size_t a = 0; a < p; a++) sc[a] += Lt[kept[a] * n + r] * u;
    }
    memset(meat, 0, p * p * sizeof *meat);
    for (size_t c = 0; c < G; c++) {
        const double *sc = S + c * p;
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) meat[a * p + b] += sc[a] * sc[b];
    }
    const double G0 = (double)v->nclusters, n0 = (double)d->n0;
    const double kfull = (double)(p + K);
    const double denom = n0 - kfull - incr;
    const double cr1 = G0 > 1 && denom > 0 ? G0 / (G0 - 1.0) * (n0 - 1.0) / denom : NAN;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b < p; b++) {
            double t = 0.0;
            for (size_t x = 0; x < p; x++)
                for (size_t y = 0; y < p; y++)
                    t += Binv[a * p + x] * meat[x * p + y] * Binv[y * p + b];
            V[kept[a] * L + kept[b]] = cr1 * t;
        }
    /* per-lead inference: t(df) per df_convention */
    v->df_resid = n0 - kfull - fe_rank;
    double df = 0.0;
    if (o->df_convention == KS_DF_CLUSTER) df = G0 - 1.0;
    if (o->df_convention == KS_DF_RESIDUAL) {
        df = v->df_resid;
        if (!(df > 0)) {
            ks__log(ctx, KS_LOG_WARN,
                    "pretrends: the residual degrees of freedom (%g) are not positive; the "
                    "leads' tests use the normal distribution",
                    df);
            df = 0.0;
        }
    }
    v->df = df;
    const double q =
        df > 0 ? ks_t_quantile(1.0 - o->alpha / 2.0, df) : ks_normal_quantile(1.0 - o->alpha / 2.0);
    for (size_t a = 0; a < p; a++) {
        const size_t j = kept[a];
        se[j] = sqrt(fmax(V[j * L + j], 0.0));
        ks__infer(coef[j], se[j], df, q, &ts[j], &pv[j], &lo[j], &hi[j]);
    }
    /* the joint Wald test of the kept leads: gamma' V^-1 gamma / p against F(p, G0 - 1) */
    for (size_t a = 0; a < p; a++) {
        z[a] = coef[kept[a]];
        for (size_t b = 0; b < p; b++) meat[a * p + b] = V[kept[a] * L + kept[b]];
    }
    int info = 0;
    memcpy(Binv, z, p * sizeof *z);
    if (isfinite(cr1)) {
        if ((rc = ks__dpotrf(ctx, 'L', p, meat, p, &info))) goto done;
        if (!info && !(rc = ks__dpotrs(ctx, 'L', p, 1, meat, p, Binv, p, &info)) && !info) {
            double w = 0.0;
            for (size_t a = 0; a < p; a++) w += z[a] * Binv[a];
            v->f_stat = w / (double)p;
            v->f_df1 = (double)p;
            v->f_df2 = G0 - 1.0;
            v->f_pvalue = ks_f_sf(v->f_stat, v->f_df1, v->f_df2);
        }
        if (rc) goto done;
    }
done:
    ks__free(ctx, hv);
    ks__free(ctx, li);
    ks__free(ctx, Lt);
    ks__free(ctx, work);
    ks__free(ctx, S);
    if (rc)
        ks_did_imputation_leads_free(res);
    else
        *out = res;
    return rc;
}

int ks_did_imputation_pretrend_test(ks_ctx *ctx, const ks_table *t, const char *outcome,
                                    const char *unit, const char *time, const char *first_treat,
                                    const ks_did_imputation_options *opt, int n_leads,
                                    ks_did_imputation_leads **out)
{
    *out = NULL;
    const ks_did_imputation_options dflt = KS_DID_IMPUTATION_OPTIONS_INIT;
    if (!opt) opt = &dflt;
    if (n_leads < -1)
        return ks__fail(ctx, KS_EINVAL, "n_leads: %d is negative (-1: every lead)", n_leads);
    ks_did_imp_data d;
    int rc = ks__did_imp_prepare(ctx, t, outcome, unit, time, first_treat, opt, &d);
    if (rc) return rc;
    double *e = ks__malloc_array(ctx, d.n + 1, sizeof *e);
    if (!e) rc = KS_ENOMEM;
    for (size_t r = 0; !rc && r < d.n; r++)
        e[r] = ks__did_imp_treated(&d, r, opt->anticipation)
                   ? 0.0
                   : d.num[r] - ks__did_imp_zs(&d, d.coef, r);
    if (!rc) rc = ks__did_imp_leads(ctx, &d, e, opt, NULL, 0, -1, n_leads, out);
    ks__free(ctx, e);
    ks__did_imp_data_free(ctx, &d);
    return rc;
}
