/* placebo.c — the loops of diff-diff's placebo diagnostics (Bertrand, Duflo & Mullainathan
 * 2004): the permutation test (treatment reassigned to random sets of units) and leave-one-out
 * (each treated unit dropped). Each re-estimate is the saturated 2x2 ATT, which is the
 * difference of the four cell means, so one pass builds per-unit cell sums and every re-estimate
 * costs O(units) (permutation) or O(1) (leave-one-out) instead of a refit.
 *
 * Permutation s draws its treated set by a partial Fisher-Yates shuffle with uniforms from the
 * counter stream (seed, s, step): identical for any thread count. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"

/* Per unit: sums and counts of y by cell 2 d + p (d, p of each row). */
typedef struct {
    size_t nrow, nobs, U;
    double *s, *n;    /* U x 4 */
    double *d0;       /* U: treatment of the unit's first used row */
    size_t *first;    /* U: its first used row */
    size_t *treated;  /* units with a treated row, in order of that row (diff-diff's unique()) */
    size_t *treated_row; /* ... and the row */
    size_t ntreated;
} unit_cells;

struct ks_did_placebo {
    ks_allocator alloc;
    ks_did_placebo_view v;
    double *effects;
    size_t *unit_row;
};

void ks_did_placebo_free(ks_did_placebo *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc; /* r itself is freed last */
    ks__release(&a, r->effects);
    ks__release(&a, r->unit_row);
    ks__release(&a, r);
}

void ks_did_placebo_get(const ks_did_placebo *r, ks_did_placebo_view *out)
{
    *out = r->v;
    out->effects = r->effects;
    out->unit_row = r->unit_row;
}

/* The view's summary of the effects: n_valid, mean, se, and for the permutation test its
 * randomization p-value, the percentile interval and t = observed / se; for leave-one-out the
 * t(n_valid - 1) test of the mean and its interval. */
static int summarize(ks_ctx *ctx, ks_did_placebo *r, int perm, double observed, double alpha)
{
    ks_did_placebo_view *v = &r->v;
    double *valid = ks__malloc_array(ctx, v->n ? v->n : 1, 2 * sizeof *valid);
    if (!valid) return KS_ENOMEM;
    double *tmp = valid + (v->n ? v->n : 1);
    size_t m = 0, extreme = 0;
    for (size_t i = 0; i < v->n; i++)
        if (!isnan(r->effects[i])) {
            valid[m++] = r->effects[i];
            extreme += fabs(r->effects[i]) >= fabs(observed);
        }
    v->n_valid = m;
    v->mean = v->se = v->tstat = v->pvalue = v->ci_lower = v->ci_upper = NAN;
    if (m > 0) ks__mean_sd_numpy(valid, m, tmp, &v->mean, &v->se);
    const int ok = isfinite(v->se) && v->se > 0;
    if (perm) {
        v->pvalue = (double)(1 + extreme) / (double)(m + 1);
        v->tstat = ok ? observed / v->se : NAN;
        if (m > 0) {
            qsort(valid, m, sizeof *valid, ks__did_cmp_double);
            v->ci_lower = ks__percentile_sorted(valid, m, alpha / 2 * 100);
            v->ci_upper = ks__percentile_sorted(valid, m, (1 - alpha / 2) * 100);
        }
    } else if (ok) {
        const double df = m > 1 ? (double)(m - 1) : 1.0;
        ks__infer(v->mean, v->se, df, ks_t_quantile(1.0 - alpha / 2.0, df), &v->tstat,
                      &v->pvalue, &v->ci_lower, &v->ci_upper);
    }
    ks__free(ctx, valid);
    return KS_OK;
}

/* A result with room for n effects (and unit rows), or NULL (ENOMEM set). */
static ks_did_placebo *placebo_new(ks_ctx *ctx, size_t n, int rows)
{
    ks_did_placebo *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return NULL;
    r->alloc = ctx->alloc;
    r->effects = ks__malloc_array(ctx, n ? n : 1, sizeof *r->effects);
    if (rows) r->unit_row = ks__malloc_array(ctx, n ? n : 1, sizeof *r->unit_row);
    if (!r->effects || (rows && !r->unit_row)) {
        ks_did_placebo_free(r);
        return NULL;
    }
    return r;
}

static void cells_free(ks_ctx *ctx, unit_cells *c)
{
    ks__free(ctx, c->s);
    ks__free(ctx, c->n);
    ks__free(ctx, c->d0);
    ks__free(ctx, c->first);
    ks__free(ctx, c->treated);
    ks__free(ctx, c->treated_row);
}

static int build_cells(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                       const char *post, const char *unit, unit_cells *c)
{
    memset(c, 0, sizeof *c);
    const size_t nrow = ks_table_nrow(t);
    ks_did_numcol yc, dc, pc;
    int rc;
    size_t j;
    if ((rc = ks__did_numeric(ctx, t, "outcome", y, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "treatment", treat, &dc)) ||
        (rc = ks__did_numeric(ctx, t, "post", post, &pc)))
        return rc;
    if ((rc = ks_table_find(ctx, t, unit, &j)))
        return ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
    int64_t *code = ks__malloc_array(ctx, nrow ? nrow : 1, sizeof *code);
    unsigned char *seen = NULL;
    if (!code) return KS_ENOMEM;
    size_t U = 0;
    if ((rc = ks_table_factorize(ctx, t, &j, 1, code, ks_table_nrow(t), &U))) goto done;
    c->nrow = nrow;
    c->U = U;
    c->s = ks__calloc(ctx, U ? U : 1, 4 * sizeof *c->s);
    c->n = ks__calloc(ctx, U ? U : 1, 4 * sizeof *c->n);
    c->d0 = ks__malloc_array(ctx, U ? U : 1, sizeof *c->d0);
    c->first = ks__malloc_array(ctx, U ? U : 1, sizeof *c->first);
    c->treated = ks__malloc_array(ctx, U ? U : 1, sizeof *c->treated);
    c->treated_row = ks__malloc_array(ctx, U ? U : 1, sizeof *c->treated_row);
    seen = ks__calloc(ctx, U ? U : 1, 1);
    if (!c->s || !c->n || !c->d0 || !c->first || !c->treated || !c->treated_row || !seen) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < U; u++) c->first[u] = SIZE_MAX;
    for (size_t i = 0; i < nrow; i++) {
        const double d = ks__did_num_at(&dc, i), p = ks__did_num_at(&pc, i);
        const double yi = ks__did_num_at(&yc, i);
        if (isnan(d) || isnan(p) || isnan(yi) || code[i] < 0) continue; /* NA rows left out */
        if (!((d == 0 || d == 1) && (p == 0 || p == 1))) {
            rc = ks__fail(ctx, KS_EINVAL,
                         "row %zu: treatment '%s' and post '%s' must be 0 or 1 (got %g, %g)",
                         i + 1, treat, post, d, p);
            goto done;
        }
        if (!isfinite(yi)) {
            rc = ks__fail(ctx, KS_EINVAL, "outcome: column '%s' is infinite at row %zu", y, i + 1);
            goto done;
        }
        const size_t u = (size_t)code[i];
        const int cell = 2 * (d == 1) + (p == 1);
        c->s[4 * u + cell] += yi;
        c->n[4 * u + cell] += 1.0;
        if (c->first[u] == SIZE_MAX) {
            c->first[u] = i;
            c->d0[u] = d;
        }
        if (d == 1 && !seen[u]) {
            seen[u] = 1;
            c->treated_row[c->ntreated] = i;
            c->treated[c->ntreated++] = u;
        }
        c->nobs++;
    }
    if (c->nobs == 0) rc = ks__fail(ctx, KS_EEMPTY, "no rows without missing values");
done:
    ks__free(ctx, seen);
    ks__free(ctx, code);
    return rc;
}

/* The ATT from cell sums and counts (index 2 d + p); NaN when a cell is empty. */
static double att4(const double s[4], const double n[4])
{
    for (int k = 0; k < 4; k++)
        if (!(n[k] > 0)) return NAN;
    return (s[3] / n[3] - s[2] / n[2]) - (s[1] / n[1] - s[0] / n[0]);
}

/* What both fits start with: alpha checked, the cells, a result with room for n effects
 * (per_treated: one per treated unit, with its row), the cell sums over every unit (s, n) and
 * the ATT, observations and units they give. On failure nothing is left to free. */
static int placebo_begin(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                         const char *post, const char *unit, double alpha, size_t n,
                         int per_treated, unit_cells *c, double s[4], double cn[4],
                         ks_did_placebo **r)
{
    if (!(alpha > 0 && alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", alpha);
    int rc = build_cells(ctx, t, y, treat, post, unit, c);
    *r = rc ? NULL : placebo_new(ctx, per_treated ? c->ntreated : n, per_treated);
    if (!rc && !*r) rc = KS_ENOMEM;
    if (rc) {
        cells_free(ctx, c);
        return rc;
    }
    for (int k = 0; k < 4; k++) s[k] = cn[k] = 0.0;
    for (size_t u = 0; u < c->U; u++)
        for (int k = 0; k < 4; k++) {
            s[k] += c->s[4 * u + k];
            cn[k] += c->n[4 * u + k];
        }
    (*r)->v.att = att4(s, cn);
    (*r)->v.nobs = c->nobs;
    (*r)->v.nunits = c->U;
    return KS_OK;
}

/* What both fits end with: the summary of r's n effects, r handed out (freed on failure). */
static int placebo_end(ks_ctx *ctx, ks_did_placebo *r, int perm, double observed, double alpha,
                       ks_did_placebo **out)
{
    const int rc = summarize(ctx, r, perm, observed, alpha);
    if (rc) {
        ks_did_placebo_free(r);
        return rc;
    }
    *out = r;
    return KS_OK;
}

int ks_did_permutation_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                           const char *post, const char *unit, const ks_did_placebo_options *opt,
                           ks_did_placebo **out)
{
    ks_did_placebo_options o = KS_DID_PLACEBO_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "permutation: out is NULL");
    *out = NULL;
    const int n_permutations = o.n_permutations;
    const uint64_t seed = o.seed;
    if (n_permutations < 1)
        return ks__fail(ctx, KS_EINVAL, "n_permutations must be >= 1 (got %d)", n_permutations);
    unit_cells c;
    ks_did_placebo *r;
    double s_all[4], n_all[4];
    const int rc = placebo_begin(ctx, t, y, treat, post, unit, o.alpha, (size_t)n_permutations, 0,
                                 &c, s_all, n_all, &r);
    if (rc) return rc;
    ks_did_placebo_view *info = &r->v;
    double *effects = r->effects;
    const size_t U = c.U;
    size_t nt = 0;
    for (size_t u = 0; u < U; u++) nt += c.d0[u] == 1;
    info->n_treated_units = nt;
    /* a permutation: a shuffle and a pass over the units, about 10 ns per unit */
    size_t nth = (size_t)ks__threads_for(ctx, 10.0 * (double)n_permutations * (double)U);
    if (nth > (size_t)n_permutations) nth = (size_t)n_permutations;
    size_t *work = ks__malloc_array(ctx, nth, (U ? U : 1) * sizeof *work);
    if (!work) {
        cells_free(ctx, &c);
        ks_did_placebo_free(r);
        return KS_ENOMEM;
    }
#pragma omp parallel for num_threads((int)nth) schedule(dynamic, 8)
    for (int s = 0; s < n_permutations; s++) {
#ifdef _OPENMP
        size_t *idx = work + (size_t)omp_get_thread_num() * (U ? U : 1);
#else
        size_t *idx = work;
#endif
        for (size_t u = 0; u < U; u++) idx[u] = u;
        for (size_t i = 0; i < nt; i++) { /* idx[0..nt) becomes a uniform random subset */
            size_t r = i + (size_t)(ks_rng_uniform(seed, (uint64_t)s, i) * (double)(U - i));
            if (r >= U) r = U - 1;
            const size_t tmp = idx[i];
            idx[i] = idx[r];
            idx[r] = tmp;
        }
        /* a unit's rows all move to the drawn group, keeping their post cell */
        double sm[4] = {0}, nm[4] = {0};
        for (size_t i = 0; i < U; i++) {
            const size_t u = idx[i];
            const int g = i < nt ? 2 : 0;
            for (int p = 0; p < 2; p++) {
                sm[g + p] += c.s[4 * u + p] + c.s[4 * u + 2 + p];
                nm[g + p] += c.n[4 * u + p] + c.n[4 * u + 2 + p];
            }
        }
        effects[s] = att4(sm, nm);
    }
    ks__free(ctx, work);
    cells_free(ctx, &c);
    info->n = (size_t)n_permutations;
    return placebo_end(ctx, r, 1, isnan(o.observed) ? info->att : o.observed, o.alpha, out);
}

int ks_did_leave_one_out_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                             const char *post, const char *unit, const ks_did_placebo_options *opt,
                             ks_did_placebo **out)
{
    ks_did_placebo_options o = KS_DID_PLACEBO_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "leave-one-out: out is NULL");
    *out = NULL;
    unit_cells c;
    ks_did_placebo *r;
    double s[4], n[4];
    const int rc = placebo_begin(ctx, t, y, treat, post, unit, o.alpha, 0, 1, &c, s, n, &r);
    if (rc) return rc;
    ks_did_placebo_view *info = &r->v;
    double *effects = r->effects;
    size_t *unit_row = r->unit_row;
    const size_t m = c.ntreated;
    info->n_treated_units = m;
    size_t k = 0;
    for (size_t q = 0; q < m; q++) {
        const size_t u = c.treated[q];
        double sl[4], nl[4];
        for (int e = 0; e < 4; e++) {
            sl[e] = s[e] - c.s[4 * u + e];
            nl[e] = n[e] - c.n[4 * u + e];
        }
        if (nl[2] + nl[3] == 0) continue; /* no treated row left: diff-diff skips the unit */
        unit_row[k] = c.treated_row[q];
        effects[k++] = att4(sl, nl);
    }
    info->n = k;
    cells_free(ctx, &c);
    return placebo_end(ctx, r, 0, NAN, o.alpha, out);
}
