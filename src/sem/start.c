/* start.c — lavaan 0.6-14's starting values (lav_start with start = "default", mimic "lavaan",
 * single group, continuous data, no meanstructure), step for step, so that a fit starts where
 * lavaan's does. R's solve() is LAPACK's dgesv: ks__lu_solve does the same elimination. */
#include <math.h>
#include <string.h>

#include "linalg/linalg_internal.h"
#include "sem/engine.h"

/* Solve A x = b (n x n copied into a, b into x); 0, or -1 when singular (R's solve() fails). */
static int solve(size_t n, const double *A, const double *b, double *a, double *bb, double *x)
{
    memcpy(a, A, n * n * sizeof *a);
    memcpy(bb, b, n * sizeof *bb);
    return ks__lu_solve(n, a, bb, x);
}

/* lav_cfa_1fac_3ind: one factor on at most 3 indicators (1 or 2 padded to 3 as lavaan does). */
static void fac_3ind(size_t n, const double *S, int std_lv, double *lambda, int *neg)
{
    double s[9];
    if (n == 1)
        for (int i = 0; i < 9; i++) s[i] = 1.0;
    else if (n == 2) {
        const double mean2 = 0.5 * (S[0] + S[3]), maxv = fmax(S[0], S[3]);
        const double c[9] = {S[0], S[1], mean2, S[2], S[3], S[1], mean2, S[1], maxv};
        memcpy(s, c, sizeof s);
    } else
        memcpy(s, S, sizeof s);
    const double s11 = s[0], s22 = s[4], s33 = s[8], s21 = s[1], s31 = s[2], s32 = s[5];
    *neg = s21 * s31 * s32 < 0;
    double psi = s21 * s31 / s32, l2 = s32 / s31, l3 = s32 / s21;
    const double lower_psi = s11 - (1.0 - 0.1) * s11;
    psi = fmin(fmax(psi, lower_psi), s11);
    const double b2 = sqrt(s22 / lower_psi), b3 = sqrt(s33 / lower_psi);
    l2 = fmin(fmax(-b2, l2), b2);
    l3 = fmin(fmax(-b3, l3), b3);
    double l[3] = {1.0, l2, l3};
    if (std_lv)
        for (int i = 0; i < 3; i++)
            l[i] *= (psi > 0 ? 1.0 : psi < 0 ? -1.0 : 0.0) * sqrt(fabs(psi));
    for (size_t i = 0; i < n; i++) lambda[i] = l[i];
}

/* lav_cfa_1fac_fabin with method fabin3 (lambda.only unless std.lv); buf: 3 n^2 + 3 n. */
static void fabin3(size_t n, const double *S, int std_lv, double *lambda, double *buf, int *neg)
{
    *neg = 0;
    if (n < 4) {
        fac_3ind(n, S, std_lv, lambda, neg);
        return;
    }
    double *S33 = buf, *a = buf + n * n, *t = a + n * n, *b = t + n * n, *x = b + n, *rhs = x + n;
    lambda[0] = 1.0;
    for (size_t i = 1; i < n; i++) {
        size_t k = 0; /* the indicators other than 1 and i */
        for (size_t q = 1; q < n; q++) {
            if (q == i) continue;
            size_t l = 0;
            for (size_t r = 1; r < n; r++)
                if (r != i) S33[l++ + k * (n - 2)] = S[r + q * n];
            rhs[k++] = S[q]; /* S31 */
        }
        const size_t m = n - 2;
        double num = 0.0, den = 0.0;
        if (!solve(m, S33, rhs, a, b, x)) {
            for (size_t q = 1, l = 0; q < n; q++)
                if (q != i) {
                    num += S[i + q * n] * x[l];
                    den += S[q] * x[l++];
                }
        } else
            for (size_t q = 1; q < n; q++)
                if (q != i) num += S[i + q * n] * S[q], den += S[q] * S[q];
        lambda[i] = num / den;
    }
    const double lower_psi = S[0] - (1.0 - 0.1) * S[0];
    for (size_t i = 1; i < n; i++) {
        const double bd = sqrt(S[i + i * n] / lower_psi);
        lambda[i] = fmin(fmax(-bd, lambda[i]), bd);
    }
    if (!std_lv) return;
    /* psi from theta = solve(I - D*D, diag(S - D S D)), D = lambda lambda' / sum lambda^2 */
    double l2 = 0.0;
    for (size_t i = 0; i < n; i++) l2 += lambda[i] * lambda[i];
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            const double d = lambda[i] * lambda[j] / l2;
            S33[i + j * n] = (i == j) - d * d;
        }
    for (size_t i = 0; i < n; i++) { /* diag(D S D) = (l_i / l2)^2 lambda' S lambda */
        double q = 0.0;
        for (size_t r = 0; r < n; r++)
            for (size_t c = 0; c < n; c++) q += lambda[r] * S[r + c * n] * lambda[c];
        t[i] = S[i + i * n] - lambda[i] * lambda[i] / (l2 * l2) * q;
    }
    double psi = NAN;
    if (!ks__lu_solve(n, S33, t, x)) {
        double s = 0.0;
        for (size_t j = 0; j < n; j++) {
            double cs = 0.0;
            for (size_t i = 0; i < n; i++) cs += lambda[i] * (S[i + j * n] - (i == j ? x[i] : 0.0));
            s += cs * lambda[j];
        }
        psi = s / (l2 * l2);
    }
    for (size_t i = 0; i < n; i++)
        lambda[i] *= (psi > 0 ? 1.0 : psi < 0 ? -1.0 : psi) * sqrt(fabs(psi));
}

static int is_rhs_of(const ks__sem_model *m, ks__sem_row_kind kind, size_t v)
{
    for (size_t i = 0; i < m->nrow; i++)
        if (m->row[i].kind == kind && m->row[i].rhs == v) return 1;
    return 0;
}

static int is_lhs_of(const ks__sem_model *m, ks__sem_row_kind kind, size_t v)
{
    for (size_t i = 0; i < m->nrow; i++)
        if (m->row[i].kind == kind && m->row[i].lhs == v) return 1;
    return 0;
}

/* An observed exogenous covariate (lavaan's ov.x): a regression's predictor that is no
 * regression's outcome and no indicator. */
static int is_ov_x(const ks__sem_model *m, size_t v)
{
    return v < m->p && is_rhs_of(m, KS__SEM_ROW_REG, v) && !is_lhs_of(m, KS__SEM_ROW_REG, v) &&
           !is_rhs_of(m, KS__SEM_ROW_LOAD, v);
}

static void loadings(const ks__sem_model *m, const double *S, double *est, size_t *ix, double *sub,
                     double *lam, double *buf)
{
    const size_t p = m->p;
    for (size_t f = p; f < m->m; f++) {
        size_t n = 0;
        int skip = 0, std_lv = 0, nvar = 0;
        for (size_t i = 0; i < m->nrow; i++) {
            const ks__sem_row *r = &m->row[i];
            if (r->kind == KS__SEM_ROW_LOAD && r->lhs == f) {
                skip |= r->rhs >= p;
                ix[n++] = i;
            }
            if (r->kind == KS__SEM_ROW_COV && r->lhs == f && r->rhs == f) {
                nvar++;
                std_lv = (nvar == 1 || std_lv) && r->theta < 0 && r->ustart == 1.0;
            }
        }
        if (skip || !n) continue;
        for (size_t b = 0; b < n; b++)
            for (size_t a = 0; a < n; a++)
                sub[a + b * n] = S[m->row[ix[a]].rhs + m->row[ix[b]].rhs * p];
        int neg;
        fabin3(n, sub, std_lv, lam, buf, &neg);
        for (size_t a = 0; a < n; a++)
            est[ix[a]] = neg ? (std_lv ? 0.7 : 1.0) : isfinite(lam[a]) ? lam[a] : 1.0;
    }
}

/* An exogenous latent with one indicator: its variance from the indicator's. */
static void single_indicator(const ks__sem_model *m, const double *S, double *est)
{
    const size_t p = m->p;
    for (size_t f = p; f < m->m; f++) {
        if (is_lhs_of(m, KS__SEM_ROW_REG, f) || is_rhs_of(m, KS__SEM_ROW_LOAD, f)) continue;
        size_t n = 0, ind = 0;
        for (size_t i = 0; i < m->nrow; i++)
            if (m->row[i].kind == KS__SEM_ROW_LOAD && m->row[i].lhs == f) n++, ind = m->row[i].rhs;
        if (n != 1 || ind >= p) continue;
        double sv = NAN;
        for (size_t i = 0; i < m->nrow && isnan(sv); i++)
            if (m->row[i].kind == KS__SEM_ROW_COV && m->row[i].lhs == ind && m->row[i].rhs == ind)
                sv = m->row[i].ustart;
        if (isnan(sv)) sv = 1.0;
        const double ov = S[ind + ind * p];
        double v = (1.0 - sv / ov) * ov;
        if (isnan(v) || v < 0.05) v = 0.05;
        for (size_t i = 0; i < m->nrow; i++)
            if (m->row[i].kind == KS__SEM_ROW_COV && m->row[i].lhs == f && m->row[i].rhs == f)
                est[i] = v;
    }
}

/* Without latent variables: each outcome's regression by OLS on the sample covariances. */
static void regressions(const ks__sem_model *m, const double *S, double *est, size_t *ix,
                        double *sxx, double *buf)
{
    const size_t p = m->p;
    for (size_t i = 0; i < m->nrow; i++) {
        const ks__sem_row *r = &m->row[i];
        if (r->kind != KS__SEM_ROW_REG) continue;
        int seen = 0;
        for (size_t q = 0; q < i && !seen; q++)
            seen = m->row[q].kind == KS__SEM_ROW_REG && m->row[q].lhs == r->lhs;
        if (seen) continue;
        const size_t y = r->lhs;
        size_t n = 0;
        for (size_t q = i; q < m->nrow; q++)
            if (m->row[q].kind == KS__SEM_ROW_REG && m->row[q].lhs == y) ix[n++] = q;
        double *sxy = buf, *a = sxy + n, *b = a + n * n, *beta = b + n;
        for (size_t c = 0; c < n; c++) {
            sxy[c] = S[m->row[ix[c]].rhs + y * p];
            for (size_t q = 0; q < n; q++)
                sxx[q + c * n] = S[m->row[ix[q]].rhs + m->row[ix[c]].rhs * p];
        }
        if (solve(n, sxx, sxy, a, b, beta))
            for (size_t c = 0; c < n; c++) beta[c] = 0.0;
        double res = S[y + y * p];
        for (size_t c = 0; c < n; c++) {
            est[ix[c]] = beta[c];
            res -= beta[c] * sxy[c];
        }
        if (res > 0.01 * S[y + y * p] && res < 0.99 * S[y + y * p])
            for (size_t q = 0; q < m->nrow; q++)
                if (m->row[q].kind == KS__SEM_ROW_COV && m->row[q].lhs == y && m->row[q].rhs == y)
                    est[q] = res;
    }
}

int ks__sem_start(ks_ctx *ctx, const ks__sem_model *m, const double *S, double *est)
{
    const size_t p = m->p, n = m->nrow;
    for (size_t i = 0; i < p * p; i++)
        if (!isfinite(S[i]))
            return ks__fail(ctx, KS_ENUMERIC,
                            "the sample covariance matrix has a value that is "
                            "not finite");
    /* scratch for the largest factor or regression (at most nrow terms) */
    size_t k = n + 1, sz = 0;
    if (!ks__size_mul(k, k, &sz) || !ks__size_mul(sz, 5, &sz) || !ks__size_add(sz, 8 * k, &sz))
        return ks__fail(ctx, KS_EOVERFLOW, "the parameter table is too large");
    double *buf = ks__malloc_array(ctx, sz, sizeof *buf);
    size_t *ix = buf ? ks__malloc_array(ctx, k, sizeof *ix) : NULL;
    if (!ix) {
        ks__free(ctx, buf);
        return ks_errcode(ctx);
    }
    for (size_t i = 0; i < n; i++) {
        const ks__sem_row *r = &m->row[i];
        est[i] = 0.0;
        if (r->kind == KS__SEM_ROW_LOAD) est[i] = 1.0;
        if (r->kind == KS__SEM_ROW_COV && r->lhs == r->rhs)
            est[i] = r->lhs >= p ? 0.05 : 0.5 * S[r->lhs + r->lhs * p];
    }
    double *sub = buf, *lam = sub + k * k, *rest = lam + k;
    loadings(m, S, est, ix, sub, lam, rest);
    for (size_t i = 0; i < n; i++) { /* fixed.x covariances: the sample's */
        const ks__sem_row *r = &m->row[i];
        if (r->kind == KS__SEM_ROW_COV && is_ov_x(m, r->lhs) && is_ov_x(m, r->rhs))
            est[i] = S[r->lhs + r->rhs * p];
    }
    single_indicator(m, S, est);
    if (m->nlv == 0) regressions(m, S, est, ix, sub, rest);
    for (size_t i = 0; i < n; i++) {
        const ks__sem_row *r = &m->row[i];
        if (est[i] < r->tlower) est[i] = r->tlower;
        if (est[i] > r->tupper) est[i] = r->tupper;
    }
    for (int pass = 0; pass < 2; pass++) /* the user's values: free rows, then fixed rows */
        for (size_t i = 0; i < n; i++)
            if (!isnan(m->row[i].ustart) && (m->row[i].theta >= 0) == !pass)
                est[i] = m->row[i].ustart;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(est[i])) est[i] = 0.5;
    ks__free(ctx, ix);
    ks__free(ctx, buf);
    return KS_OK;
}
