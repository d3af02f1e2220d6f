/* panel.c — a long table to the wide, balanced panel the group-time estimators work on, with the
 * preprocessing of R's did (pre_process_did): rows with a missing or non-finite value in a used
 * column are removed; cohorts first treated after the last period + anticipation count as never
 * treated; with no never-treated units, the latest cohort serves as control and the periods from
 * its treatment on are removed; units treated in the first period are removed; units then not
 * observed in every period are removed. Each removal is counted and logged. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"

/* Index of v in the sorted array a[0..n), or -1. Rows usually run through the periods in
 * order, so the position after the previous row's (*hint) is tried first. */
static ptrdiff_t find_sorted(const double *a, size_t n, double v, size_t *hint)
{
    size_t i = *hint + 1 < n ? *hint + 1 : 0;
    if (a[i] != v) i = ks_did_lower_bound(a, n, v);
    if (i >= n || a[i] != v) return -1;
    *hint = i;
    return (ptrdiff_t)i;
}

/* Sorted distinct values of v[i] over rows with keep[i]; returns the count (into out, room
 * for nrow). Periods are few: each row is looked up in the sorted list found so far (a repeat
 * of the previous row's value costs one comparison); past 256 distinct values, sort them all. */
static size_t distinct_sorted(const double *v, const unsigned char *keep, size_t nrow, double *out)
{
    size_t u = 0, hint = 0;
    double last = NAN;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i] || v[i] == last) continue;
        last = v[i];
        size_t at = hint + 1 < u && out[hint + 1] == v[i] ? hint + 1 : ks_did_lower_bound(out, u, v[i]);
        hint = at;
        if (at < u && out[at] == v[i]) continue;
        if (u == 256) { /* many distinct values: collect and sort */
            u = 0;
            for (size_t r = 0; r < nrow; r++)
                if (keep[r]) out[u++] = v[r];
            return ks_did_sort_unique(out, u);
        }
        memmove(out + at + 1, out + at, (u - at) * sizeof *out);
        out[at] = v[i];
        u++;
    }
    return u;
}

static int column(ks_ctx *ctx, const ks_table *t, const char *what, const char *name, size_t *j)
{
    if (!name || !*name) return ks_fail(ctx, KS_EINVAL, "%s: no column named", what);
    int rc = ks_table_find(ctx, t, name, j);
    if (rc != KS_OK) return ks_fail(ctx, rc, "%s: no column '%s' in the data", what, name);
    return KS_OK;
}

static int numeric(ks_ctx *ctx, const ks_table *t, const char *what, const char *name, double **out)
{
    size_t j;
    int rc = column(ctx, t, what, name, &j);
    if (rc) return rc;
    if (ks_table_col_type(t, j) == KS_COL_STRING)
        return ks_fail(ctx, KS_ETYPE, "%s: column '%s' is text, not a number", what, name);
    *out = ks_malloc_array(ctx, ks_table_nrow(t) ? ks_table_nrow(t) : 1, sizeof **out);
    if (!*out) return KS_ENOMEM;
    return ks_table_get_double(ctx, t, j, *out);
}

static int codes_of(ks_ctx *ctx, const ks_table *t, const char *what, const char *name,
                    int64_t **codes, size_t *nlev)
{
    size_t j;
    int rc = column(ctx, t, what, name, &j);
    if (rc) return rc;
    *codes = ks_malloc_array(ctx, ks_table_nrow(t) ? ks_table_nrow(t) : 1, sizeof **codes);
    if (!*codes) return KS_ENOMEM;
    return ks_table_factorize(ctx, t, &j, 1, *codes, nlev);
}

void ks_did_panel_free(ks_ctx *ctx, ks_did_panel *p)
{
    if (!p) return;
    ks_free(ctx, p->tval);
    ks_free(ctx, p->g);
    ks_free(ctx, p->y);
    ks_free(ctx, p->w);
    ks_free(ctx, p->x);
    ks_free(ctx, p->cluster);
    ks_free(ctx, p->unit_row);
    ks_free(ctx, p->glist);
    memset(p, 0, sizeof *p);
}

int ks_did_panel_build(ks_ctx *ctx, const ks_table *t, const char *yname, const char *tname,
                       const char *idname, const char *gname, const ks_did_cs_options *opt,
                       ks_did_panel *p)
{
    memset(p, 0, sizeof *p);
    const size_t nrow = ks_table_nrow(t);
    size_t ncov = 0;
    if (opt->covariates)
        while (opt->covariates[ncov]) ncov++;
    const double antic = opt->anticipation;
    double *y = NULL, *tv = NULL, *gv = NULL, *wv = NULL, **xv = NULL, *tl = NULL;
    int64_t *id = NULL, *cl = NULL, *cl_unit = NULL;
    unsigned char *keep = NULL;
    size_t *cell = NULL, *unit_first = NULL, *uperiods = NULL;
    int32_t *newunit = NULL;
    size_t nid = 0, ncl = 0;
    int rc = KS_OK;
    if (opt->anticipation < 0) return ks_fail(ctx, KS_EINVAL, "anticipation must be >= 0");
    if (nrow == 0) return ks_fail(ctx, KS_EEMPTY, "the data have no rows");

    xv = ks_calloc(ctx, ncov ? ncov : 1, sizeof *xv);
    keep = ks_malloc(ctx, nrow);
    if (!xv || !keep) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = numeric(ctx, t, "outcome", yname, &y)) || (rc = numeric(ctx, t, "time", tname, &tv)) ||
        (rc = numeric(ctx, t, "first_treat", gname, &gv)) ||
        (rc = codes_of(ctx, t, "unit", idname, &id, &nid)))
        goto done;
    if (opt->weights && (rc = numeric(ctx, t, "weights", opt->weights, &wv))) goto done;
    if (opt->cluster && (rc = codes_of(ctx, t, "cluster", opt->cluster, &cl, &ncl))) goto done;
    for (size_t c = 0; c < ncov; c++)
        if ((rc = numeric(ctx, t, "covariate", opt->covariates[c], &xv[c]))) goto done;

    /* 1. rows with a missing or non-finite value in a used column */
    size_t n_na = 0;
    for (size_t i = 0; i < nrow; i++) {
        int ok = isfinite(y[i]) && isfinite(tv[i]) && !isnan(gv[i]) && id[i] >= 0;
        if (wv) {
            if (wv[i] < 0) {
                rc = ks_fail(ctx, KS_EINVAL, "weights: column '%s' row %zu is negative (%g)",
                             opt->weights, i + 1, wv[i]);
                goto done;
            }
            ok = ok && isfinite(wv[i]);
        }
        if (cl) ok = ok && cl[i] >= 0;
        for (size_t c = 0; c < ncov && ok; c++) ok = isfinite(xv[c][i]);
        keep[i] = (unsigned char)ok;
        n_na += !ok;
    }
    if (n_na)
        ks_log(ctx, KS_LOG_WARN, "dropped %zu rows with missing or non-finite data", n_na);

    /* the cohort of a unit must not change over time; nor its cluster */
    unit_first = ks_malloc_array(ctx, nid, sizeof *unit_first);
    if (!unit_first) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < nid; u++) unit_first[u] = SIZE_MAX;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        size_t *f = &unit_first[id[i]];
        if (*f == SIZE_MAX) {
            *f = i;
        } else if (!(gv[i] == gv[*f])) {
            rc = ks_fail(ctx, KS_EINVAL,
                         "first_treat: column '%s' changes within a unit (row %zu has %g, row %zu "
                         "%g); it must be the unit's first treated period",
                         gname, *f + 1, gv[*f], i + 1, gv[i]);
            goto done;
        } else if (cl && cl[i] != cl[*f]) {
            rc = ks_fail(ctx, KS_EINVAL,
                         "cluster: column '%s' changes within a unit (rows %zu and %zu); the "
                         "cluster must be constant within each unit",
                         opt->cluster, *f + 1, i + 1);
            goto done;
        }
    }

    /* 2. periods, and cohorts after the last period + anticipation are never treated */
    tl = ks_malloc_array(ctx, nrow, sizeof *tl);
    if (!tl) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t T = distinct_sorted(tv, keep, nrow, tl);
    if (T < 2) {
        rc = ks_fail(ctx, KS_EEMPTY, "time: column '%s' needs at least two periods (has %zu)",
                     tname, T);
        goto done;
    }
    for (size_t i = 0; i < nrow; i++) {
        if (gv[i] < 0 && keep[i]) {
            rc = ks_fail(ctx, KS_EINVAL, "first_treat: column '%s' row %zu is negative (%g)",
                         gname, i + 1, gv[i]);
            goto done;
        }
        if (gv[i] > tl[T - 1] + antic) gv[i] = 0.0; /* includes Inf */
    }
    int have_never = 0;
    double latest = 0.0;
    for (size_t i = 0; i < nrow; i++)
        if (keep[i]) {
            have_never |= gv[i] == 0.0;
            latest = gv[i] > latest ? gv[i] : latest;
        }
    if (!have_never) {
        /* No never-treated units: the latest cohort is the control (coerced to never treated
         * with the never-treated control group) and periods from latest - anticipation on go. */
        size_t dropped = 0;
        for (size_t i = 0; i < nrow; i++) {
            if (!keep[i]) continue;
            if (tv[i] >= latest - antic) {
                keep[i] = 0;
                dropped++;
            } else if (opt->control_group == KS_DID_NEVER_TREATED && gv[i] == latest) {
                gv[i] = 0.0;
            }
        }
        ks_log(ctx, KS_LOG_WARN,
               "no never-treated units: the cohort first treated in %g serves as control and "
               "the %zu rows from period %g on are dropped",
               latest, dropped, latest - antic);
        T = distinct_sorted(tv, keep, nrow, tl);
        if (T < 2) {
            rc = ks_fail(ctx, KS_EEMPTY, "fewer than two periods before the latest cohort");
            goto done;
        }
    }

    /* 3. units treated in the first period (+ anticipation) */
    {
        size_t nfirst = 0;
        for (size_t i = 0; i < nrow; i++) {
            if (keep[i] && gv[i] > 0 && gv[i] <= tl[0] + antic) {
                keep[i] = 0;
                if (unit_first[id[i]] == i) nfirst++;
            }
        }
        if (nfirst)
            ks_log(ctx, KS_LOG_WARN, "dropped %zu units that were already treated in the first "
                                     "period",
                   nfirst);
        T = distinct_sorted(tv, keep, nrow, tl);
    }

    /* 4. one row per (unit, period); units missing a period are removed */
    size_t cells;
    if (!ks_size_mul(nid, T, &cells)) {
        rc = ks_fail(ctx, KS_EOVERFLOW, "panel of %zu units x %zu periods is too large", nid, T);
        goto done;
    }
    cell = ks_malloc_array(ctx, cells, sizeof *cell);
    uperiods = ks_calloc(ctx, nid, sizeof *uperiods);
    newunit = ks_malloc_array(ctx, nid, sizeof *newunit);
    if (!cell || !uperiods || !newunit) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t c = 0; c < cells; c++) cell[c] = SIZE_MAX;
    size_t hint = 0;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        ptrdiff_t tp = find_sorted(tl, T, tv[i], &hint);
        size_t *c = &cell[(size_t)id[i] * T + (size_t)tp];
        if (*c != SIZE_MAX) {
            rc = ks_fail(ctx, KS_EINVAL,
                         "unit: rows %zu and %zu are the same unit ('%s') in the same period "
                         "(%g); a panel has one row per unit and period",
                         *c + 1, i + 1, idname, tv[i]);
            goto done;
        }
        *c = i;
        uperiods[id[i]]++;
    }
    size_t n = 0, nunbal = 0;
    for (size_t u = 0; u < nid; u++) {
        newunit[u] = -1;
        if (uperiods[u] == T)
            newunit[u] = (int32_t)n++;
        else if (uperiods[u] > 0)
            nunbal++;
    }
    if (nunbal)
        ks_log(ctx, KS_LOG_WARN,
               "%zu units are missing in some periods; dropped to make the panel balanced", nunbal);
    if (n == 0) {
        rc = ks_fail(ctx, KS_EEMPTY, "no unit is observed in all %zu periods", T);
        goto done;
    }

    /* 5. the wide arrays */
    const size_t k = 1 + ncov;
    p->n = n;
    p->T = T;
    p->k = k;
    p->tval = ks_malloc_array(ctx, T, sizeof *p->tval);
    p->g = ks_malloc_array(ctx, n, sizeof *p->g);
    p->y = ks_malloc_array(ctx, n * T, sizeof *p->y);
    p->unit_row = ks_malloc_array(ctx, n, sizeof *p->unit_row);
    p->glist = ks_malloc_array(ctx, n, sizeof *p->glist);
    if (wv) p->w = ks_malloc_array(ctx, n * T, sizeof *p->w);
    if (ncov) p->x = ks_malloc_array(ctx, n * T, k * sizeof *p->x);
    if (cl) {
        p->cluster = ks_malloc_array(ctx, n, sizeof *p->cluster);
        cl_unit = ks_malloc_array(ctx, ncl, sizeof *cl_unit);
    }
    if (!p->tval || !p->g || !p->y || !p->unit_row || !p->glist || (wv && !p->w) ||
        (ncov && !p->x) || (cl && (!p->cluster || !cl_unit))) {
        rc = KS_ENOMEM;
        goto done;
    }
    memcpy(p->tval, tl, T * sizeof *tl);
    double wsum = 0.0;
    for (size_t u = 0; u < nid; u++) {
        if (newunit[u] < 0) continue;
        const size_t i = (size_t)newunit[u];
        p->unit_row[i] = cell[u * T];
        for (size_t s = 0; s < T; s++) {
            const size_t r = cell[u * T + s];
            if (r < p->unit_row[i]) p->unit_row[i] = r;
            p->y[s * n + i] = y[r];
            if (wv) {
                p->w[s * n + i] = wv[r];
                wsum += wv[r];
            }
            if (ncov) {
                double *xs = p->x + s * n * k;
                xs[i] = 1.0;
                for (size_t c = 0; c < ncov; c++) xs[(c + 1) * n + i] = xv[c][r];
            }
        }
        p->g[i] = gv[cell[u * T]];
    }
    if (wv) {
        if (!(wsum > 0)) {
            rc = ks_fail(ctx, KS_EINVAL, "weights: column '%s' sums to zero", opt->weights);
            goto done;
        }
        const double scale = (double)(n * T) / wsum; /* mean 1, as did normalizes them */
        for (size_t r = 0; r < n * T; r++) p->w[r] *= scale;
    }
    if (cl) {
        for (size_t c = 0; c < ncl; c++) cl_unit[c] = -1;
        size_t nc = 0;
        for (size_t i = 0; i < n; i++) {
            int64_t *code = &cl_unit[cl[p->unit_row[i]]];
            if (*code < 0) *code = (int64_t)nc++;
            p->cluster[i] = (int32_t)*code;
        }
        p->ncluster = nc;
    }

    /* 6. the treated cohorts that get effects */
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        if (p->g[i] > 0) p->glist[ng++] = p->g[i];
    ng = ks_did_sort_unique(p->glist, ng);
    if (!have_never && opt->control_group == KS_DID_NOT_YET_TREATED)
        while (ng > 0 && p->glist[ng - 1] >= latest) ng--;
    p->ng = ng;
    if (ng == 0) rc = ks_fail(ctx, KS_EEMPTY, "no treated cohort with a pre-treatment period");

done:
    if (rc != KS_OK) ks_did_panel_free(ctx, p);
    ks_free(ctx, y);
    ks_free(ctx, tv);
    ks_free(ctx, gv);
    ks_free(ctx, wv);
    if (xv)
        for (size_t c = 0; c < ncov; c++) ks_free(ctx, xv[c]);
    ks_free(ctx, xv);
    ks_free(ctx, tl);
    ks_free(ctx, id);
    ks_free(ctx, cl);
    ks_free(ctx, cl_unit);
    ks_free(ctx, keep);
    ks_free(ctx, cell);
    ks_free(ctx, unit_first);
    ks_free(ctx, uperiods);
    ks_free(ctx, newunit);
    return rc;
}
