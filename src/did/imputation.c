/* imputation.c — Borusyak, Jaravel & Spiess (2024) imputation DiD and, through the same first stage
 * and target weights, Gardner's two-stage DiD (two_stage.c): see include/kestrel/did_imputation.h.
 *
 * The first stage y = a_u + b_t + x'd on the untreated observations is solved exactly: with the
 * unit effects a eliminated (their block of Z0'Z0 is diagonal), the period effects (the first
 * period with untreated observations the reference) and covariates solve the Schur complement
 * S = Q - sum_u b_u b_u' / n_u, m = (periods - 1 + covariates) square, by one Cholesky factor.
 * The same solve gives every target's weights on the untreated observations,
 * v = -Z0 (Z0'Z0)^-1 Z'w, so that the variance of any target costs O(rows + units x m). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_imputation_internal.h"
#include "linalg/linalg_internal.h"

static const ks__enum_entry aux_names[] = {
    {"cohort_horizon", KS_DID_AUX_COHORT_HORIZON},
    {"cohort", KS_DID_AUX_COHORT},
    {"horizon", KS_DID_AUX_HORIZON},
};
KS__ENUM_FUNCS(ks_did_aux_partition, ks_did_aux_partition, "aux_partition", aux_names)

struct ks_did_imputation {
    ks_allocator alloc;
    ks_did_imputation_view v;
    void *buf; /* every array of the view */
};

void ks_did_imputation_free(ks_did_imputation *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->buf);
    ks__release(&a, r);
}

void ks_did_imputation_get(const ks_did_imputation *r, ks_did_imputation_view *out) { *out = r->v; }

/* ---- the data and the first stage --------------------------------------------------------- */

void ks__did_imp_data_free(ks_ctx *ctx, ks_did_imp_data *d)
{
    ks__free(ctx, d->row);
    ks__free(ctx, d->codes);
    ks__free(ctx, d->num);
    ks__free(ctx, d->tval);
    ks__free(ctx, d->col);
    ks__free(ctx, d->B);
    ks__free(ctx, d->S);
    ks__free(ctx, d->coef);
    ks__free(ctx, d->n0u);
    memset(d, 0, sizeof *d);
}

/* Rows, codes and the untreated/treated split. */
static int read_data(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                     const char *time, const char *first_treat, const ks_did_imputation_options *o,
                     ks_did_imp_data *d)
{
    const size_t nin = ks_table_nrow(t);
    ks_did_numcol yc, tc, gc;
    size_t ju, jt, jc, K = 0;
    int rc;
    while (o->covariates && o->covariates[K]) K++;
    d->K = K;
    if ((rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "time", time, &tc)) ||
        (rc = ks__did_numeric(ctx, t, "first_treat", first_treat, &gc)))
        return rc;
    if ((rc = ks_table_find(ctx, t, unit, &ju)))
        return ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
    if ((rc = ks_table_find(ctx, t, o->cluster ? o->cluster : unit, &jc)))
        return ks__fail(ctx, rc, "cluster: no column '%s' in the data", o->cluster);
    (void)jt;
    const size_t nn = nin ? nin : 1;
    int64_t *code = ks__malloc_array(ctx, nn, 2 * sizeof *code);
    double *x = K ? ks__malloc_array(ctx, nn, K * sizeof *x) : NULL;
    double *ug = NULL;
    size_t Nu = 0, G = 0;
    if (!code || (K && !x)) {
        rc = KS_ENOMEM;
        goto out;
    }
    if ((rc = ks_table_factorize(ctx, t, &ju, 1, code, nin, &Nu)) ||
        (rc = ks_table_factorize(ctx, t, &jc, 1, code + nin, nin, &G)))
        goto out;
    for (size_t k = 0; k < K; k++) {
        size_t j;
        if ((rc = ks_table_find(ctx, t, o->covariates[k], &j))) {
            rc = ks__fail(ctx, rc, "covariates: no column '%s' in the data", o->covariates[k]);
            goto out;
        }
        if ((rc = ks_table_get_double(ctx, t, j, x + k * nin, nin))) goto out;
    }
    /* rows kept: outcome and covariates present; unit, time, cluster must be */
    size_t n = 0, ndrop = 0;
    for (size_t i = 0; i < nin; i++) {
        const double tv = ks__did_num_at(&tc, i);
        if (code[i] < 0 || !isfinite(tv) || code[nin + i] < 0) {
            rc = ks__fail(ctx, KS_EINVAL, "%s: row %zu is missing",
                          code[i] < 0     ? unit
                          : !isfinite(tv) ? time
                                          : o->cluster,
                          i + 1);
            goto out;
        }
        int ok = isfinite(ks__did_num_at(&yc, i));
        for (size_t k = 0; k < K && ok; k++) ok = isfinite(x[k * nin + i]);
        n += ok;
        ndrop += !ok;
    }
    if (ndrop)
        ks__log(ctx, KS_LOG_WARN, "%zu row%s with a missing outcome or covariate left out", ndrop,
                ndrop == 1 ? "" : "s");
    d->n = n;
    const size_t n1 = n ? n : 1;
    d->row = ks__malloc_array(ctx, n1, sizeof *d->row);
    d->codes = ks__malloc_array(ctx, n1, 3 * sizeof *d->codes);
    d->num = ks__malloc_array(ctx, n1, (4 + K) * sizeof *d->num);
    d->tval = ks__malloc_array(ctx, n1, sizeof *d->tval);
    ug = ks__malloc_array(ctx, Nu ? Nu : 1, sizeof *ug);
    if (!d->row || !d->codes || !d->num || !d->tval || !ug) {
        rc = KS_ENOMEM;
        goto out;
    }
    for (size_t u = 0; u < Nu; u++) ug[u] = -HUGE_VAL; /* not seen */
    size_t nchange = 0;
    for (size_t i = 0, r = 0; i < nin; i++) {
        int ok = isfinite(ks__did_num_at(&yc, i));
        for (size_t k = 0; k < K && ok; k++) ok = isfinite(x[k * nin + i]);
        double g = ks__did_num_at(&gc, i);
        g = isnan(g) || g == 0.0 || isinf(g) ? NAN : g; /* never treated */
        const size_t u = (size_t)code[i];
        if (ug[u] == -HUGE_VAL)
            ug[u] = g;
        else if (!(ug[u] == g || (isnan(ug[u]) && isnan(g))))
            nchange++;
        if (!ok) continue;
        d->row[r] = i;
        d->num[r] = ks__did_num_at(&yc, i);
        d->num[n + r] = ks__did_num_at(&tc, i);
        d->codes[r] = code[i];
        d->codes[2 * n + r] = code[nin + i];
        for (size_t k = 0; k < K; k++) d->num[(4 + k) * n + r] = x[k * nin + i];
        r++;
    }
    if (nchange)
        ks__log(ctx, KS_LOG_WARN,
                "first_treat: '%s' changes within a unit in %zu row%s; each unit's first value "
                "is used (treatment is taken as absorbing)",
                first_treat, nchange, nchange == 1 ? "" : "s");
    /* periods: sorted distinct values, each row's index */
    memcpy(d->tval, d->num + n, n * sizeof *d->tval);
    d->T = ks__did_sort_unique(d->tval, n);
    d->N = Nu;
    d->G = G;
    d->n1 = d->n0 = 0;
    for (size_t r = 0; r < n; r++) {
        const double tv = d->num[n + r], g = ug[d->codes[r]];
        d->codes[n + r] = (int64_t)ks__did_lower_bound(d->tval, d->T, tv);
        d->num[2 * n + r] = g;      /* cohort, NaN never treated */
        d->num[3 * n + r] = tv - g; /* relative period, NaN never treated */
        const int tr = !isnan(g) && tv >= g - o->anticipation;
        d->n1 += tr;
        d->n0 += !tr;
    }
out:
    ks__free(ctx, code);
    ks__free(ctx, x);
    ks__free(ctx, ug);
    return rc;
}

/* The first-stage design: which columns identify (units and periods with untreated rows), the
 * per-unit sums b_u and the Cholesky factor of S; then the coefficients for y and, per row, the
 * residual (untreated) or tau (treated; NaN when not imputable). */
static int stage1(ks_ctx *ctx, ks_did_imp_data *d, int anticipation)
{
    const size_t n = d->n, N = d->N, T = d->T, K = d->K;
    const int64_t *uc = d->codes, *tc = d->codes + n;
    int rc = KS_OK;
    d->col = ks__malloc_array(ctx, T ? T : 1, sizeof *d->col);
    d->n0u = ks__calloc(ctx, N ? N : 1, sizeof *d->n0u);
    size_t *n0t = ks__calloc(ctx, T ? T : 1, sizeof *n0t);
    if (!d->col || !d->n0u || !n0t) {
        ks__free(ctx, n0t);
        return KS_ENOMEM;
    }
    for (size_t r = 0; r < n; r++)
        if (!ks__did_imp_treated(d, r, anticipation)) {
            d->n0u[uc[r]] += 1.0;
            n0t[tc[r]]++;
        }
    size_t m = 0, ref = SIZE_MAX;
    for (size_t s = 0; s < T; s++) {
        d->col[s] = -1;
        if (!n0t[s]) continue;
        if (ref == SIZE_MAX)
            ref = s, d->col[s] = -2; /* the reference period: effect 0 */
        else
            d->col[s] = (int64_t)m++;
    }
    ks__free(ctx, n0t);
    d->mt = m;
    m += K;
    d->m = m;
    const size_t mm = m ? m : 1;
    size_t Nm;
    if (!ks__size_mul(N ? N : 1, mm, &Nm)) return ks__fail(ctx, KS_EOVERFLOW, "data too large");
    d->B = ks__calloc(ctx, Nm, sizeof *d->B);
    d->S = ks__calloc(ctx, mm * mm, sizeof *d->S);
    d->coef = ks__malloc_array(ctx, N + mm, sizeof *d->coef);
    if (!d->B || !d->S || !d->coef) return KS_ENOMEM;
    const double *X = d->num + 4 * n;
    /* Q (lower triangle) and b_u */
    for (size_t r = 0; r < n; r++) {
        if (ks__did_imp_treated(d, r, anticipation)) continue;
        double *b = d->B + (size_t)uc[r] * m;
        const int64_t j = d->col[tc[r]];
        if (j >= 0) {
            b[j] += 1.0;
            d->S[j * m + j] += 1.0;
            for (size_t k = 0; k < K; k++) d->S[j * m + d->mt + k] += X[k * n + r];
        }
        for (size_t k = 0; k < K; k++) {
            const double xk = X[k * n + r];
            b[d->mt + k] += xk;
            for (size_t l = k; l < K; l++) d->S[(d->mt + k) * m + d->mt + l] += xk * X[l * n + r];
        }
    }
    for (size_t u = 0; u < N; u++) {
        if (d->n0u[u] == 0) continue;
        const double *b = d->B + u * m, inv = 1.0 / d->n0u[u];
        for (size_t a = 0; a < m; a++) {
            if (b[a] == 0.0) continue;
            const double ba = b[a] * inv;
            for (size_t c = a; c < m; c++) d->S[a * m + c] -= ba * b[c];
        }
    }
    if (m) {
        int info = 0;
        if ((rc = ks__dpotrf(ctx, 'L', m, d->S, m, &info))) return rc;
        if (info)
            return ks__fail(ctx, KS_ENUMERIC,
                            K ? "covariates: the first stage on the untreated observations is "
                                "singular (a covariate is collinear with the unit and period "
                                "effects)"
                              : "the first stage on the untreated observations is singular");
    }
    /* coefficients for y */
    double *ru = d->coef, *rq = d->coef + N;
    memset(d->coef, 0, (N + mm) * sizeof *d->coef);
    for (size_t r = 0; r < n; r++) {
        if (ks__did_imp_treated(d, r, anticipation)) continue;
        const double y = d->num[r];
        ru[uc[r]] += y;
        const int64_t j = d->col[tc[r]];
        if (j >= 0) rq[j] += y;
        for (size_t k = 0; k < K; k++) rq[d->mt + k] += y * X[k * n + r];
    }
    if ((rc = ks__did_imp_solve(ctx, d, d->coef))) return rc;
    /* residuals and effects into num[3n..) is the relative period; keep them in e */
    return KS_OK;
}

/* Solve Z0'Z0 s = (ru; rq) in place (coef layout: N unit entries, then m). */
int ks__did_imp_solve(ks_ctx *ctx, const ks_did_imp_data *d, double *s)
{
    const size_t N = d->N, m = d->m;
    double *ru = s, *rq = s + N;
    for (size_t u = 0; u < N; u++) {
        if (d->n0u[u] == 0 || ru[u] == 0.0) continue;
        const double *b = d->B + u * m, f = ru[u] / d->n0u[u];
        for (size_t a = 0; a < m; a++) rq[a] -= f * b[a];
    }
    if (m) {
        int info = 0;
        const int rc = ks__dpotrs(ctx, 'L', m, 1, d->S, m, rq, m, &info);
        if (rc) return rc;
    }
    for (size_t u = 0; u < N; u++) {
        if (d->n0u[u] == 0) {
            ru[u] = NAN;
            continue;
        }
        const double *b = d->B + u * m;
        double acc = ru[u];
        for (size_t a = 0; a < m; a++) acc -= b[a] * rq[a];
        ru[u] = acc / d->n0u[u];
    }
    return KS_OK;
}

/* The fitted z_r's: a_u + b_t + x'd for row r from coefficients s (NaN: not identified). */
double ks__did_imp_zs(const ks_did_imp_data *d, const double *s, size_t r)
{
    const size_t n = d->n;
    const int64_t j = d->col[d->codes[n + r]];
    if (j == -1) return NAN;
    double f = s[d->codes[r]] + (j >= 0 ? s[d->N + j] : 0.0);
    for (size_t k = 0; k < d->K; k++) f += d->num[(4 + k) * n + r] * s[d->N + d->mt + k];
    return f;
}

int ks__did_imp_prepare(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                        const char *time, const char *first_treat,
                        const ks_did_imputation_options *o, ks_did_imp_data *d)
{
    memset(d, 0, sizeof *d);
    if (o->anticipation < 0)
        return ks__fail(ctx, KS_EINVAL, "anticipation: %d is negative", o->anticipation);
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", o->alpha);
    if (o->n_bootstrap < 0)
        return ks__fail(ctx, KS_EINVAL, "n_bootstrap: %d is negative", o->n_bootstrap);
    if (!ks_did_aux_partition_name(o->aux_partition))
        return ks__fail(ctx, KS_EINVAL, "aux_partition: %d is not a partition",
                        (int)o->aux_partition);
    int rc = read_data(ctx, t, outcome, unit, time, first_treat, o, d);
    if (!rc && d->n0 == 0)
        rc = ks__fail(ctx, KS_EINVAL,
                      "first_treat: no untreated observations in '%s' (nothing to impute Y(0) "
                      "from)",
                      first_treat);
    if (!rc && d->n1 == 0)
        rc = ks__fail(ctx, KS_EINVAL, "first_treat: no treated observations in '%s'", first_treat);
    if (!rc && d->G < 2)
        rc = ks__fail(ctx, KS_EINVAL,
                      "cluster: '%s' has %zu level%s; clustered standard errors need at least 2",
                      o->cluster ? o->cluster : unit, d->G, d->G == 1 ? "" : "s");
    if (!rc) rc = stage1(ctx, d, o->anticipation);
    if (rc) ks__did_imp_data_free(ctx, d);
    return rc;
}

/* ---- targets and their variance ----------------------------------------------------------- */

/* A block of targets: each row's target in the block (-1: none); every target weighs its rows
 * equally. */
typedef struct {
    size_t n;      /* targets */
    int64_t *tid;  /* per row */
    double *key;   /* n */
    double *count; /* n: rows of each target */
    double *coh;   /* event study with balance_e: the balanced cohorts (ncoh), else NULL */
    size_t ncoh;
} block;

/* One target: its estimate and, into A (G values), the cluster sums of its influence function.
 * e: tau on treated rows, the first-stage residual on untreated rows. aux: BJS's auxiliary
 * model (NULL: the two-stage estimator, treated rows centred on the estimate); scratch: N + m
 * doubles. *single: the auxiliary cells where the leave-out is undefined. */
static int one_target(ks_ctx *ctx, const ks_did_imp_data *d, const double *e, const block *bk,
                      size_t k, int anticipation, ks_did_imp_aux *aux, double *scratch, double *est,
                      double *A, size_t *single)
{
    const size_t n = d->n, N = d->N, m = d->m, K = d->K;
    const double w = 1.0 / bk->count[k];
    double *s = scratch;
    memset(scratch, 0, (N + m) * sizeof *scratch);
    if (aux) ks__did_imp_aux_reset(aux);
    double acc = 0.0;
    for (size_t r = 0; r < n; r++) {
        if (bk->tid[r] != (int64_t)k) continue;
        acc += w * e[r];
        s[d->codes[r]] += w;
        const int64_t j = d->col[d->codes[n + r]];
        if (j >= 0) s[N + j] += w;
        for (size_t c = 0; c < K; c++) s[N + d->mt + c] += w * d->num[(4 + c) * n + r];
        if (aux) ks__did_imp_aux_add(aux, r, w, e[r]);
    }
    *est = acc;
    *single = aux ? ks__did_imp_aux_finish(aux) : 0;
    const int rc = ks__did_imp_solve(ctx, d, s);
    if (rc) return rc;
    memset(A, 0, d->G * sizeof *A);
    for (size_t r = 0; r < n; r++) {
        const int in = bk->tid[r] == (int64_t)k, tr = ks__did_imp_treated(d, r, anticipation);
        double psi = 0.0;
        if (!tr) psi = -ks__did_imp_zs(d, s, r) * e[r];
        if (in) psi += w * (aux && tr ? ks__did_imp_aux_resid(aux, r, e[r]) : e[r] - acc);
        A[d->codes[2 * n + r]] += psi;
    }
    return KS_OK;
}

/* diff-diff's bootstrap statistics of one target from its draws T (shifted by est; reordered). */
static void boot_stats(double *T, size_t B, double est, double alpha, double *se, double *lo,
                       double *hi, double *p)
{
    double mean = 0.0, ss = 0.0, le = 0.0, ge = 0.0;
    for (size_t b = 0; b < B; b++) mean += T[b];
    mean /= (double)B;
    for (size_t b = 0; b < B; b++) {
        ss += (T[b] - mean) * (T[b] - mean);
        le += T[b] <= 0.0;
        ge += T[b] >= 0.0;
    }
    *se = B > 1 ? sqrt(ss / (double)(B - 1)) : NAN;
    const double one = (est >= 0 ? le : ge) / (double)B;
    *p = fmax(fmin(2.0 * one, 1.0), 1.0 / (double)(B + 1));
    *lo = ks__quantile_linear(T, B, alpha / 2.0);
    *hi = ks__quantile_linear(T, B, 1.0 - alpha / 2.0);
}

static int cmp_dbl(const void *a, const void *b) { return ks__did_cmp_double(a, b); }

/* The event-study block: horizons of imputable treated rows (|h| <= horizon_max; cohorts
 * balanced over [-balance_e, max h] with balance_e) and, for the two-stage estimator with
 * pretrends, the leads (untreated rows of treated cohorts, h < -anticipation, not the reference
 * -1 - anticipation). */
static int make_es(ks_ctx *ctx, const ks_did_imp_data *d, const double *e,
                   const ks_did_imputation_options *o, int leads, block *bk)
{
    const size_t n = d->n;
    const double *g = d->num + 2 * n, *h = d->num + 3 * n;
    const double ref = -1.0 - o->anticipation;
    double *hv = ks__malloc_array(ctx, n, sizeof *hv), *cg = NULL;
    int rc = KS_OK;
    if (!hv) return KS_ENOMEM;
    size_t nh = 0, nc = 0;
    for (size_t r = 0; r < n; r++) {
        const int tr = ks__did_imp_treated(d, r, o->anticipation);
        if (isnan(g[r]) || (tr && isnan(e[r]))) continue;
        if (o->horizon_max >= 0 && fabs(h[r]) > o->horizon_max) continue;
        if (tr || (leads && h[r] < -o->anticipation && h[r] != ref)) hv[nh++] = h[r];
    }
    nh = ks__did_sort_unique(hv, nh);
    if (o->balance_e >= 0 && nh) {
        /* cohorts with every relative period in [-balance_e, max h] */
        double hmax = -HUGE_VAL;
        for (size_t q = 0; q < nh; q++)
            if (hv[q] >= -o->anticipation) hmax = fmax(hmax, hv[q]);
        const size_t span = hmax >= -o->balance_e ? (size_t)(hmax + o->balance_e) + 1 : 0;
        double *pair = ks__malloc_array(ctx, 2 * n + 1, sizeof *pair);
        cg = ks__malloc_array(ctx, n + 1, sizeof *cg);
        if (!pair || !cg) {
            ks__free(ctx, pair);
            rc = KS_ENOMEM;
            goto out;
        }
        size_t np = 0;
        for (size_t r = 0; r < n; r++)
            if (!isnan(g[r]) && h[r] >= -o->balance_e && h[r] <= hmax && h[r] == floor(h[r])) {
                pair[2 * np] = g[r];
                pair[2 * np + 1] = h[r];
                np++;
            }
        qsort(pair, np, 2 * sizeof *pair, cmp_dbl); /* by cohort; ties unordered */
        for (size_t a = 0, b; a < np; a = b) {
            for (b = a; b < np && pair[2 * b] == pair[2 * a]; b++) cg[b - a] = pair[2 * b + 1];
            if (ks__did_sort_unique(cg, b - a) == span) pair[2 * nc++] = pair[2 * a];
        }
        for (size_t c = 0; c < nc; c++) cg[c] = pair[2 * c];
        ks__free(ctx, pair);
        if (nc == 0) ks__log(ctx, KS_LOG_WARN, "balance_e: no cohort is balanced over the window");
    }
    bk->n = nh;
    bk->tid = ks__malloc_array(ctx, n, sizeof *bk->tid);
    bk->key = ks__malloc_array(ctx, nh + 1, sizeof *bk->key);
    bk->count = ks__calloc(ctx, nh + 1, sizeof *bk->count);
    if (!bk->tid || !bk->key || !bk->count) {
        rc = KS_ENOMEM;
        goto out;
    }
    memcpy(bk->key, hv, nh * sizeof *hv);
    for (size_t r = 0; r < n; r++) {
        bk->tid[r] = -1;
        const int tr = ks__did_imp_treated(d, r, o->anticipation);
        if (isnan(g[r]) || (tr && isnan(e[r]))) continue;
        if (!tr && !(leads && h[r] < -o->anticipation && h[r] != ref)) continue;
        if (o->horizon_max >= 0 && fabs(h[r]) > o->horizon_max) continue;
        if (o->balance_e >= 0) {
            const size_t at = ks__did_lower_bound(cg, nc, g[r]);
            if (at == nc || cg[at] != g[r]) continue;
        }
        const size_t q = ks__did_lower_bound(hv, nh, h[r]);
        bk->tid[r] = (int64_t)q;
        bk->count[q] += 1.0;
    }
    /* horizons left empty by balance_e go; but the two-stage estimator's leads stay, with no
     * rows (NaN estimates), as diff-diff's TwoStageDiD reports them, unless no cohort is
     * balanced (then diff-diff's event study is the reference alone) */
    size_t kk = 0;
    int64_t *remap = (int64_t *)hv; /* reuse: nh entries */
    for (size_t q = 0; q < nh; q++) {
        const double key = bk->key[q], cnt = bk->count[q];
        const int keep = cnt > 0 || (leads && nc > 0 && key < -o->anticipation);
        remap[q] = keep ? (int64_t)kk : -1;
        if (keep) {
            bk->key[kk] = key;
            bk->count[kk] = cnt;
            kk++;
        }
    }
    for (size_t r = 0; r < n; r++)
        if (bk->tid[r] >= 0) bk->tid[r] = remap[bk->tid[r]];
    bk->n = kk;
    bk->coh = cg, bk->ncoh = nc;
    cg = NULL;
out:
    ks__free(ctx, hv);
    ks__free(ctx, cg);
    return rc;
}

/* Cohort block: imputable treated rows by cohort. */
static int make_groups(ks_ctx *ctx, const ks_did_imp_data *d, const double *e, int anticipation,
                       block *bk)
{
    const size_t n = d->n;
    const double *g = d->num + 2 * n;
    bk->tid = ks__malloc_array(ctx, n, sizeof *bk->tid);
    bk->key = ks__malloc_array(ctx, n, sizeof *bk->key);
    if (!bk->tid || !bk->key) return KS_ENOMEM;
    size_t ng = 0;
    for (size_t r = 0; r < n; r++)
        if (ks__did_imp_treated(d, r, anticipation) && !isnan(e[r])) bk->key[ng++] = g[r];
    ng = ks__did_sort_unique(bk->key, ng);
    bk->n = ng;
    if (!(bk->count = ks__calloc(ctx, ng + 1, sizeof *bk->count))) return KS_ENOMEM;
    for (size_t r = 0; r < n; r++) {
        bk->tid[r] = -1;
        if (!ks__did_imp_treated(d, r, anticipation) || isnan(e[r])) continue;
        const size_t q = ks__did_lower_bound(bk->key, ng, g[r]);
        bk->tid[r] = (int64_t)q;
        bk->count[q] += 1.0;
    }
    return KS_OK;
}

static void block_free(ks_ctx *ctx, block *b)
{
    ks__free(ctx, b->tid);
    ks__free(ctx, b->key);
    ks__free(ctx, b->count);
    ks__free(ctx, b->coh);
}

int ks__did_imp_run(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                    const char *time, const char *first_treat, const ks_did_imputation_options *o,
                    int two_stage, ks_did_imputation **out)
{
    *out = NULL;
    const ks_did_imputation_options dflt = KS_DID_IMPUTATION_OPTIONS_INIT;
    if (!o) o = &dflt;
    ks_did_imp_data d;
    int rc = ks__did_imp_prepare(ctx, t, outcome, unit, time, first_treat, o, &d);
    if (rc) return rc;
    const size_t n = d.n, G = d.G;
    const int ant = o->anticipation;
    double *e = ks__malloc_array(ctx, n, sizeof *e), *A = NULL, *scratch = NULL, *D = NULL;
    block bo = {0}, be = {0}, bg = {0};
    ks_did_imputation *r = NULL;
    ks_did_imputation_leads *leads = NULL;
    ks_did_imp_aux aux = {0};
    if (!e) {
        rc = KS_ENOMEM;
        goto done;
    }
    /* tau on treated rows, residuals on untreated ones */
    size_t nbad = 0, bad_unit = 0;
    for (size_t i = 0; i < n; i++) {
        e[i] = d.num[i] - ks__did_imp_zs(&d, d.coef, i);
        if (isnan(e[i])) {
            nbad++;
            bad_unit += isnan(d.coef[d.codes[i]]);
        }
    }
    if (nbad && o->strict) {
        rc = ks__fail(ctx, KS_EINVAL,
                      "%s: %zu treated observation%s cannot be imputed (%s without untreated "
                      "observations)",
                      bad_unit ? unit : time, nbad, nbad == 1 ? "" : "s",
                      bad_unit ? "a unit" : "a period");
        goto done;
    }
    if (nbad)
        ks__log(ctx, KS_LOG_WARN,
                "%zu treated observation%s cannot be imputed (%s without untreated observations) "
                "and %s left out",
                nbad, nbad == 1 ? "" : "s", bad_unit ? "a unit" : "a period",
                nbad == 1 ? "is" : "are");
    if (!two_stage &&
        (rc = ks__did_imp_aux_init(ctx, &d, o->aux_partition, ant, o->leave_one_out, &aux)))
        goto done;
    /* the blocks: overall, event study, cohorts */
    bo.n = 1;
    bo.tid = ks__malloc_array(ctx, n, sizeof *bo.tid);
    bo.key = ks__calloc(ctx, 1, sizeof *bo.key);
    bo.count = ks__calloc(ctx, 1, sizeof *bo.count);
    if (!bo.tid || !bo.key || !bo.count) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        bo.tid[i] = ks__did_imp_treated(&d, i, ant) && !isnan(e[i]) ? 0 : -1;
        bo.count[0] += bo.tid[i] == 0;
    }
    if (bo.count[0] == 0) {
        rc = ks__fail(ctx, KS_EINVAL, "%s: no treated observation can be imputed", first_treat);
        goto done;
    }
    if ((rc = make_es(ctx, &d, e, o, two_stage && o->pretrends, &be)) ||
        (rc = make_groups(ctx, &d, e, ant, &bg)))
        goto done;
    if (!two_stage && o->pretrends &&
        (rc = ks__did_imp_leads(ctx, &d, e, o, be.coh, be.ncoh, o->horizon_max, -1, &leads)))
        goto done;
    ks_did_imputation_leads_view lv = {0};
    if (leads) ks_did_imputation_leads_get(leads, &lv);
    const size_t nl = lv.n, ne = be.n, ng = bg.n, mt = 1 + nl + ne + ng;
    const block *blocks[3] = {&bo, &be, &bg};
    A = ks__malloc_array(ctx, G, mt * sizeof *A);
    scratch = ks__malloc_array(ctx, d.N + d.m + 1, sizeof *scratch);
    /* result: per target key, att, se, t, p, lo, hi, count (8 mt); rows: tau, rel, weight (3
     * n1) and row (n1 size_t); the overall draws */
    const size_t B = (size_t)o->n_bootstrap;
    const size_t nvc = two_stage && !B ? ne * ne : 0; /* the event study's covariance */
    size_t nbuf = 8 * mt + 4 * d.n1 + B + 1 + nvc;
    if ((r = ks__calloc(ctx, 1, sizeof *r))) r->alloc = ctx->alloc; /* before any free */
    if (!r || !A || !scratch) {
        rc = KS_ENOMEM;
        goto done;
    }
    if (!(r->buf = ks__malloc_array(ctx, nbuf, sizeof(double)))) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *key = r->buf, *att = key + mt, *se = att + mt, *ts = se + mt, *pv = ts + mt;
    double *lo = pv + mt, *hi = lo + mt, *cnt = hi + mt;
    double *tau = cnt + mt, *rel = tau + d.n1, *wt = rel + d.n1;
    size_t *rows = (size_t *)(wt + d.n1);
    double *boot = (double *)(rows + d.n1);
    /* the leads (their own regression) come first in the event study */
    for (size_t j = 0; j < nl; j++) {
        key[1 + j] = lv.key[j], att[1 + j] = lv.coef[j], se[1 + j] = lv.se[j];
        ts[1 + j] = lv.tstat[j], pv[1 + j] = lv.pvalue[j], cnt[1 + j] = lv.nobs[j];
        lo[1 + j] = lv.ci_lower[j], hi[1 + j] = lv.ci_upper[j];
    }
    memset(A + G, 0, nl * G * sizeof *A); /* nothing of theirs is bootstrapped */
    size_t k = 0, nsingle = 0;
    for (size_t b = 0; b < 3; b++) {
        if (b == 1) k += nl; /* past the leads */
        for (size_t q = 0; q < blocks[b]->n; q++, k++) {
            key[k] = blocks[b]->key[q];
            cnt[k] = blocks[b]->count[q];
            if (cnt[k] == 0) { /* a lead emptied by balance_e: NaN, nothing to bootstrap */
                att[k] = se[k] = NAN;
                memset(A + k * G, 0, G * sizeof *A);
                continue;
            }
            size_t single;
            if ((rc = one_target(ctx, &d, e, blocks[b], q, ant, two_stage ? NULL : &aux, scratch,
                                 &att[k], A + k * G, &single)))
                goto done;
            if (single > nsingle) nsingle = single;
            double v = 0.0;
            for (size_t c = 0; c < G; c++) v += A[k * G + c] * A[k * G + c];
            se[k] = sqrt(v);
        }
    }
    if (nsingle)
        ks__log(ctx, KS_LOG_WARN,
                "leave_one_out: %zu auxiliary cell%s of a target %s a single unit with nonzero "
                "weight, where the leave-out variance is undefined (BJS 2024, Supp. App. A.9); "
                "%s the residuals as they are (a coarser aux_partition has fewer)",
                nsingle, nsingle == 1 ? "" : "s", nsingle == 1 ? "has" : "have",
                nsingle == 1 ? "it keeps" : "they keep");
    /* Gardner's GMM covariance of the horizons: the cross-products of their cluster sums of
     * influence functions (the diagonal is the squared SEs above, summed in the same order) */
    double *vcov = boot + B + 1;
    for (size_t a = 0; a < (nvc ? ne : 0); a++)
        for (size_t b = 0; b <= a; b++) {
            const double *Aa = A + (1 + nl + a) * G, *Ab = A + (1 + nl + b) * G;
            double v = 0.0;
            for (size_t c = 0; c < G; c++) v += Aa[c] * Ab[c];
            vcov[a * ne + b] = vcov[b * ne + a] = isnan(se[1 + nl + a] + se[1 + nl + b]) ? NAN : v;
        }
    const double zq = ks_normal_quantile(1.0 - o->alpha / 2.0);
    for (k = 0; k < mt; k++)
        if (k == 0 || k > nl) ks__infer(att[k], se[k], 0.0, zq, &ts[k], &pv[k], &lo[k], &hi[k]);
    if (B > 0) {
        size_t BM;
        if (!ks__size_mul(B, mt, &BM)) {
            rc = ks__fail(ctx, KS_EOVERFLOW, "n_bootstrap: %d draws too many", o->n_bootstrap);
            goto done;
        }
        if (!(D = ks__malloc_array(ctx, BM, sizeof *D))) {
            rc = KS_ENOMEM;
            goto done;
        }
        size_t *cols = (size_t *)scratch; /* reuse if large enough, else allocate */
        size_t *own = NULL;
        if (d.N + d.m + 1 < mt) {
            if (!(own = ks__malloc_array(ctx, mt, sizeof *own))) {
                rc = KS_ENOMEM;
                goto done;
            }
            cols = own;
        }
        for (k = 0; k < mt; k++) cols[k] = k;
        const ks_did_boot_block blk = {0, G, mt, G, cols, A};
        rc = ks__did_mboot_draws(ctx, G, &blk, 1, mt, o->n_bootstrap, o->boot_weights, o->seed, D);
        ks__free(ctx, own);
        if (rc) goto done;
        const double sc = sqrt((double)G);
        for (k = 0; k < mt; k++) {
            if ((k > 0 && k <= nl) || cnt[k] == 0)
                continue; /* the leads keep their
                             analytical inference */
            double *Tk = D + k * B;
            for (size_t b = 0; b < B; b++) Tk[b] = Tk[b] * sc + att[k];
            if (k == 0) memcpy(boot, Tk, B * sizeof *boot);
            boot_stats(Tk, B, att[k], o->alpha, &se[k], &lo[k], &hi[k], &pv[k]);
            ts[k] = isfinite(se[k]) && se[k] > 0 ? att[k] / se[k] : NAN;
        }
    }
    /* the treated rows */
    size_t q = 0;
    for (size_t i = 0; i < n; i++) {
        if (!ks__did_imp_treated(&d, i, ant)) continue;
        rows[q] = d.row[i];
        tau[q] = e[i];
        rel[q] = d.num[3 * n + i];
        wt[q] = isnan(e[i]) ? 0.0 : 1.0 / bo.count[0];
        q++;
    }
    ks_did_imputation_view *v = &r->v;
    v->att = att[0];
    v->se = se[0];
    v->tstat = ts[0];
    v->pvalue = pv[0];
    v->ci_lower = lo[0];
    v->ci_upper = hi[0];
    const size_t off[2] = {1, 1 + nl + ne}, len[2] = {nl + ne, ng};
    v->n_leads = nl;
    v->lead_df = lv.df;
    ks_did_imputation_block *vb[2] = {&v->event_study, &v->groups};
    for (size_t b = 0; b < 2; b++) {
        vb[b]->n = len[b];
        vb[b]->key = key + off[b];
        vb[b]->att = att + off[b];
        vb[b]->se = se + off[b];
        vb[b]->tstat = ts + off[b];
        vb[b]->pvalue = pv + off[b];
        vb[b]->ci_lower = lo + off[b];
        vb[b]->ci_upper = hi + off[b];
        vb[b]->nobs = cnt + off[b];
    }
    v->ntreated = d.n1;
    v->row = rows;
    v->tau = tau;
    v->rel = rel;
    v->weight = wt;
    v->nobs = n;
    v->n_treated_obs = d.n1;
    v->n_untreated_obs = d.n0;
    {
        size_t nt = 0, nc = 0;
        unsigned char *seen = ks__calloc(ctx, d.N + 1, 1);
        if (!seen) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            const size_t u = (size_t)d.codes[i];
            if (!(seen[u] & 1) && !isnan(d.num[2 * n + i])) seen[u] |= 1, nt++;
            if (!(seen[u] & 2) && !ks__did_imp_treated(&d, i, ant)) seen[u] |= 2, nc++;
        }
        ks__free(ctx, seen);
        v->n_treated_units = nt;
        v->n_control_units = nc;
    }
    v->nclusters = G;
    v->nperiods = d.T;
    v->n_unimputable = nbad;
    v->two_stage = two_stage;
    v->n_bootstrap = o->n_bootstrap;
    v->boot = B ? boot : NULL;
    v->event_study_vcov = nvc ? vcov : NULL;
    *out = r;
    r = NULL;
done:
    ks_did_imputation_free(r);
    block_free(ctx, &bo);
    block_free(ctx, &be);
    block_free(ctx, &bg);
    ks__free(ctx, e);
    ks__did_imp_aux_free(ctx, &aux);
    ks_did_imputation_leads_free(leads);
    ks__free(ctx, A);
    ks__free(ctx, scratch);
    ks__free(ctx, D);
    ks__did_imp_data_free(ctx, &d);
    return rc;
}

int ks_did_imputation_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                          const char *time, const char *first_treat,
                          const ks_did_imputation_options *opt, ks_did_imputation **out)
{
    return ks__did_imp_run(ctx, t, outcome, unit, time, first_treat, opt, 0, out);
}
