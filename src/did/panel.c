/* panel.c — a long table to the wide, balanced panel the group-time estimators work on, with the
 * preprocessing of R's did (pre_process_did): rows with a missing or non-finite value in a used
 * column are removed; cohorts first treated after the last period + anticipation count as never
 * treated; with no never-treated units, the latest cohort serves as control and the periods from
 * its treatment on are removed; units treated in the first period are removed; units then not
 * observed in every period are removed. Each removal is counted and logged.
 *
 * Columns are read in place (int64 or float64), each row once or twice; the only arrays of the
 * table's length are the unit codes, a keep flag and the (unit, period) -> row map. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/linalg.h"

typedef ks_did_numcol numcol;
#define num_at ks__did_num_at

/* Index of v in the sorted array a[0..n), or -1. Rows usually run through the periods in
 * order, so the position after the previous row's (*hint) is tried first. */
static ptrdiff_t find_sorted(const double *a, size_t n, double v, size_t *hint)
{
    size_t i = *hint + 1 < n ? *hint + 1 : 0;
    if (a[i] != v) i = ks__did_lower_bound(a, n, v);
    if (i >= n || a[i] != v) return -1;
    *hint = i;
    return (ptrdiff_t)i;
}

/* Sorted distinct values of column c over rows with keep[i]; returns the count (into out, room
 * for nrow). Periods are few: each row is looked up in the sorted list found so far (a repeat
 * of the previous row's value, or the next value in the list, costs a comparison or two); past
 * 256 distinct values, all are collected and sorted. */
static size_t distinct_sorted(const numcol *c, const unsigned char *keep, size_t nrow, double *out)
{
    size_t u = 0, hint = 0;
    double last = NAN;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        const double v = num_at(c, i);
        if (v == last) continue;
        last = v;
        size_t at = hint + 1 < u && out[hint + 1] == v ? hint + 1 : ks__did_lower_bound(out, u, v);
        hint = at;
        if (at < u && out[at] == v) continue;
        if (u == 256) {
            u = 0;
            for (size_t r = 0; r < nrow; r++)
                if (keep[r]) out[u++] = num_at(c, r);
            return ks__did_sort_unique(out, u);
        }
        memmove(out + at + 1, out + at, (u - at) * sizeof *out);
        out[at] = v;
        u++;
    }
    return u;
}

/* keep[i] = 0 where column c (if any) is not finite; with nonneg, a negative value is an
 * error naming the row. int64 columns have no missing values. */
static int finite_rows(ks_ctx *ctx, const char *what, const char *name, const numcol *c,
                       int nonneg, unsigned char *keep, size_t nrow)
{
    if (!c) return KS_OK;
    if (c->f) {
        for (size_t i = 0; i < nrow; i++) keep[i] &= isfinite(c->f[i]) ? 1 : 0;
        if (nonneg)
            for (size_t i = 0; i < nrow; i++)
                if (c->f[i] < 0)
                    return ks__fail(ctx, KS_EINVAL, "%s: column '%s' row %zu is negative (%g)",
                                   what, name, i + 1, c->f[i]);
    } else if (nonneg) {
        for (size_t i = 0; i < nrow; i++)
            if (c->i[i] < 0)
                return ks__fail(ctx, KS_EINVAL, "%s: column '%s' row %zu is negative (%lld)",
                               what, name, i + 1, (long long)c->i[i]);
    }
    return KS_OK;
}

/* Whether every value of c (if any) in rows 0..n is finite. */
static int all_finite(const numcol *c, size_t n)
{
    if (!c || !c->f) return 1;
    int ok = 1;
    for (size_t i = 0; i < n; i++) ok &= isfinite(c->f[i]) != 0;
    return ok;
}

/* T when the rows are a complete panel in the usual order: runs of T rows per unit with
 * increasing unit values (so no unit has two runs), the same increasing periods in every run,
 * first_treat (and the cluster) constant within a run, every used value finite and no weight
 * negative; else 0. Then row u T + s is unit u in period s: no unit codes, no (unit, period)
 * map, nothing to remove. */
static size_t sorted_panel(const ks_table *t, const char *idname, const numcol *tv,
                           const numcol *gv, const numcol *y, const numcol *wv, const numcol *xv,
                           size_t ncov, const int64_t *cl)
{
    const size_t nrow = ks_table_nrow(t);
    size_t j;
    if (ks_table_find(NULL, t, idname, &j) != KS_OK) return 0;
    const numcol u = {ks_table_float64(t, j), ks_table_int64(t, j)};
    if ((!u.f && !u.i) || !all_finite(&u, nrow) || !all_finite(tv, nrow)) return 0;
    size_t T = 1;
    while (T < nrow && num_at(&u, T) == num_at(&u, 0)) T++;
    if (T < 2 || nrow % T) return 0;
    for (size_t s = 1; s < T; s++)
        if (!(num_at(tv, s) > num_at(tv, s - 1))) return 0;
    for (size_t r0 = 0; r0 < nrow; r0 += T) {
        const double id = num_at(&u, r0), g = num_at(gv, r0);
        if (isnan(g) || (r0 && !(id > num_at(&u, r0 - T))) || (cl && cl[r0] < 0)) return 0;
        for (size_t s = 1; s < T; s++)
            if (num_at(&u, r0 + s) != id || num_at(gv, r0 + s) != g || (cl && cl[r0 + s] != cl[r0]))
                return 0;
        for (size_t s = 0; s < T; s++)
            if (num_at(tv, r0 + s) != num_at(tv, s)) return 0;
    }
    if (!all_finite(y, nrow) || !all_finite(wv, nrow)) return 0;
    if (wv)
        for (size_t i = 0; i < nrow; i++)
            if (num_at(wv, i) < 0) return 0;
    for (size_t c = 0; c < ncov; c++)
        if (!all_finite(&xv[c], nrow)) return 0;
    return T;
}

static int column(ks_ctx *ctx, const ks_table *t, const char *what, const char *name, size_t *j)
{
    if (!name || !*name) return ks__fail(ctx, KS_EINVAL, "%s: no column named", what);
    int rc = ks_table_find(ctx, t, name, j);
    if (rc != KS_OK) return ks__fail(ctx, rc, "%s: no column '%s' in the data", what, name);
    return KS_OK;
}

#define numeric ks__did_numeric

static int codes_of(ks_ctx *ctx, const ks_table *t, const char *what, const char *name,
                    int64_t **codes, size_t *nlev)
{
    size_t j;
    int rc = column(ctx, t, what, name, &j);
    if (rc) return rc;
    *codes = ks__malloc_array(ctx, ks_table_nrow(t) ? ks_table_nrow(t) : 1, sizeof **codes);
    if (!*codes) return KS_ENOMEM;
    return ks_table_factorize(ctx, t, &j, 1, *codes, ks_table_nrow(t), nlev);
}

/* R did counts cohorts first treated after the last period (+ anticipation) as never treated,
 * without a word; the data may mean otherwise, so it is said. */
static void log_late(ks_ctx *ctx, size_t n, const char *what, double last, double antic)
{
    ks__log(ctx, KS_LOG_WARN,
           "%zu %s first treated after the last period (%g%s) count as never treated", n, what,
           last, antic > 0 ? " + anticipation" : "");
}

/* Covariates collinear with the intercept and the covariates before them over all the rows used
 * are collinear in every cell's regressions: they are dropped, with a warning (diff-diff drops
 * them; R's DRDID stops on the NA coefficient). xv and *ncov are compacted. */
static int drop_collinear(ks_ctx *ctx, const char *const *names, numcol *xv, size_t *ncov,
                          const unsigned char *keep, size_t nrow)
{
    size_t m = 0;
    for (size_t i = 0; i < nrow && *ncov; i++) m += keep[i] != 0;
    if (m == 0) return KS_OK;
    const size_t k = 1 + *ncov;
    double *X = ks__malloc_array(ctx, m, k * sizeof *X);
    unsigned char *gone = ks__calloc(ctx, k, 1);
    if (!X || !gone) {
        ks__free(ctx, X);
        ks__free(ctx, gone);
        return KS_ENOMEM;
    }
    for (size_t i = 0, r = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        X[r] = 1.0;
        for (size_t c = 0; c < *ncov; c++) X[(c + 1) * m + r] = num_at(&xv[c], i);
        r++;
    }
    /* the Gram matrix decides unless a column is too near the tolerance (then the QR) */
    int rc = KS_OK;
    const double tol = ((ks_lstsq_options)KS_LSTSQ_OPTIONS_INIT).rank_tol;
    double *G = k <= 64 ? ks__malloc_array(ctx, 2 * k, k * sizeof *G) : NULL;
    const double *col[65] = {NULL};
    if (k <= 64 && !G) {
        rc = KS_ENOMEM;
    } else if (G) {
        for (size_t j = 1; j < k; j++) col[j] = X + j * m;
        ks__did_gram(col, k, 0, m, G);
    }
    if (!rc && (!G || ks__did_screen_gram(G, k, m, tol, gone, G + k * k)))
        rc = ks__lstsq_dropped(ctx, m, k, X, m, tol, gone);
    ks__free(ctx, G);
    ks__free(ctx, X);
    size_t kept = 0;
    for (size_t c = 0; rc == KS_OK && c < *ncov; c++) {
        if (gone[c + 1])
            ks__log(ctx, KS_LOG_WARN,
                   "covariate '%s' is collinear with the intercept and the covariates before it "
                   "(rank deficiency): dropped",
                   names[c]);
        else
            xv[kept++] = xv[c];
    }
    if (rc == KS_OK) *ncov = kept;
    ks__free(ctx, gone);
    return rc;
}

/* The weights, cluster and covariate columns (those the options name). */
static int read_optional(ks_ctx *ctx, const ks_table *t, const ks_did_cs_options *opt, numcol *wv,
                         int64_t **cl, size_t *ncl, numcol *xv, size_t ncov)
{
    int rc = KS_OK;
    if (opt->weights && (rc = numeric(ctx, t, "weights", opt->weights, wv))) return rc;
    if (opt->cluster && (rc = codes_of(ctx, t, "cluster", opt->cluster, cl, ncl))) return rc;
    for (size_t c = 0; c < ncov; c++)
        if ((rc = numeric(ctx, t, "covariate", opt->covariates[c], &xv[c]))) return rc;
    return rc;
}

/* keep[i] = 0 where a used value is not finite (finite_rows; wv NULL: no weights). */
static int finite_used(ks_ctx *ctx, const char *yname, const char *tname,
                       const ks_did_cs_options *opt, const numcol *y, const numcol *tv,
                       const numcol *wv, const numcol *xv, size_t ncov, unsigned char *keep,
                       size_t nrow)
{
    int rc;
    if ((rc = finite_rows(ctx, "weights", opt->weights, wv, 1, keep, nrow)) ||
        (rc = finite_rows(ctx, "outcome", yname, y, 0, keep, nrow)) ||
        (rc = finite_rows(ctx, "time", tname, tv, 0, keep, nrow)))
        return rc;
    for (size_t c = 0; c < ncov; c++)
        if ((rc = finite_rows(ctx, "covariate", opt->covariates[c], &xv[c], 0, keep, nrow)))
            return rc;
    return KS_OK;
}

/* Row i of a unit whose first row is *f (SIZE_MAX: none yet, then i is): first_treat (and the
 * cluster) must be the same in every row of a unit. */
static int same_in_unit(ks_ctx *ctx, const char *gname, const ks_did_cs_options *opt,
                        const numcol *gv, const int64_t *cl, size_t *f, size_t i)
{
    if (*f == SIZE_MAX) {
        *f = i;
        return KS_OK;
    }
    if (!(num_at(gv, i) == num_at(gv, *f)))
        return ks__fail(ctx, KS_EINVAL,
                        "first_treat: column '%s' changes within a unit (row %zu has %g, row %zu "
                        "%g); it must be the unit's first treated period",
                        gname, *f + 1, num_at(gv, *f), i + 1, num_at(gv, i));
    if (cl && cl[i] != cl[*f])
        return ks__fail(ctx, KS_EINVAL,
                        "cluster: column '%s' changes within a unit (rows %zu and %zu); the "
                        "cluster must be constant within each unit",
                        opt->cluster, *f + 1, i + 1);
    return KS_OK;
}

static int two_periods(ks_ctx *ctx, const char *tname, size_t T)
{
    return T < 2 ? ks__fail(ctx, KS_EEMPTY,
                            "time: column '%s' needs at least two periods (has %zu)", tname, T)
                 : KS_OK;
}

/* The cohort of first_treat g given the last period: 0 (never treated) after last +
 * anticipation; counts those (n_late, when finite) and tracks have_never and the latest. */
static double cohort_of(double g, double last, double antic, size_t *n_late, int *have_never,
                        double *latest)
{
    const double c = g > last + antic ? 0.0 : g; /* includes Inf */
    *n_late += isfinite(g) && g > last + antic;
    *have_never |= c == 0.0;
    *latest = c > *latest ? c : *latest;
    return c;
}

/* After the rows from the latest cohort's period on are removed (dropped of them): says so and
 * finds the periods left (*T, into tl). */
static int latest_as_control(ks_ctx *ctx, const numcol *tv, const unsigned char *keep, size_t nrow,
                             double latest, double antic, size_t dropped, double *tl, size_t *T)
{
    ks__log(ctx, KS_LOG_WARN,
            "no never-treated units: the cohort first treated in %g serves as control and "
            "the %zu rows from period %g on are dropped",
            latest, dropped, latest - antic);
    *T = distinct_sorted(tv, keep, nrow, tl);
    return *T < 2 ? ks__fail(ctx, KS_EEMPTY, "fewer than two periods before the latest cohort")
                  : KS_OK;
}

/* Adds v to the cohorts seen (coh, *ncoh): a repeat of the last is skipped, and the list is
 * made distinct when it grows past 4096. */
static void add_cohort(double *coh, size_t *ncoh, double v)
{
    if (*ncoh == 0 || v != coh[*ncoh - 1]) coh[(*ncoh)++] = v;
    if (*ncoh > 4096) *ncoh = ks__did_sort_unique(coh, *ncoh);
}

/* The sizes of p and the per-unit arrays both builders fill (the caller checks them and
 * frees them with the panel; cl_unit: ncl scratch for finish_units, with a cluster). */
static void alloc_units(ks_ctx *ctx, ks_did_panel *p, size_t n, size_t T, size_t k, size_t ncoh,
                        const int64_t *cl, size_t ncl, int64_t **cl_unit)
{
    p->n = n;
    p->T = T;
    p->k = k;
    p->ncoh = ncoh;
    p->tval = ks__malloc_array(ctx, T, sizeof *p->tval);
    p->g = ks__malloc_array(ctx, n, sizeof *p->g);
    p->unit_row = ks__malloc_array(ctx, n, sizeof *p->unit_row);
    p->glist = ks__malloc_array(ctx, ncoh, sizeof *p->glist);
    if (cl) {
        p->cluster = ks__malloc_array(ctx, n, sizeof *p->cluster);
        *cl_unit = ks__malloc_array(ctx, ncl, sizeof **cl_unit);
    }
}

/* What both builders end with: the units' cluster codes (0, 1, ... in order of first unit;
 * cl_unit: ncl scratch) and the treated cohorts that get effects (with not-yet-treated
 * controls and no never-treated units, none from the last period on, which has no control). */
static int finish_units(ks_ctx *ctx, ks_did_panel *p, size_t n, const int64_t *cl, size_t ncl,
                        int64_t *cl_unit, size_t ncoh, int have_never, double latest,
                        const ks_did_cs_options *opt)
{
    if (cl) {
        for (size_t c = 0; c < ncl; c++) cl_unit[c] = -1;
        size_t nc = 0;
        for (size_t u = 0; u < n; u++) {
            int64_t *code = &cl_unit[cl[p->unit_row[u]]];
            if (*code < 0) *code = (int64_t)nc++;
            p->cluster[u] = (int32_t)*code;
        }
        p->ncluster = nc;
        if (nc < 2)
            ks__log(ctx, KS_LOG_WARN,
                    "cluster: '%s' has %zu cluster%s; clustered standard errors need at least 2 "
                    "and are NaN",
                    opt->cluster, nc, nc == 1 ? "" : "s");
    }
    size_t ng = 0;
    for (size_t c = 0; c < ncoh; c++)
        if (p->coh[c] > 0) p->glist[ng++] = p->coh[c];
    if (!have_never && opt->control_group == KS_DID_NOT_YET_TREATED)
        while (ng > 0 && p->glist[ng - 1] >= latest) ng--;
    p->ng = ng;
    return ng ? KS_OK : ks__fail(ctx, KS_EEMPTY, "no treated cohort with a pre-treatment period");
}

void ks__did_panel_free(const ks_allocator *a, ks_did_panel *p)
{
    if (!p) return;
    ks__release(a, p->tval);
    ks__release(a, p->g);
    ks__release(a, p->coh);
    ks__release(a, p->coh_start);
    ks__release(a, p->y);
    ks__release(a, p->w);
    ks__release(a, p->x);
    ks__release(a, p->cluster);
    ks__release(a, p->unit_row);
    ks__release(a, p->glist);
    memset(p, 0, sizeof *p);
}

void ks__did_cohort_range(const ks_did_panel *p, double g, size_t *lo, size_t *hi)
{
    const size_t c = ks__did_lower_bound(p->coh, p->ncoh, g);
    if (c < p->ncoh && p->coh[c] == g) {
        *lo = p->coh_start[c];
        *hi = p->coh_start[c + 1];
    } else {
        *lo = *hi = 0;
    }
}

int ks__did_panel_build(ks_ctx *ctx, const ks_table *t, const char *yname, const char *tname,
                       const char *idname, const char *gname, const ks_did_cs_options *opt,
                       ks_did_panel *p)
{
    memset(p, 0, sizeof *p);
    const size_t nrow = ks_table_nrow(t);
    size_t ncov = 0;
    if (opt->covariates)
        while (opt->covariates[ncov]) ncov++;
    const double antic = opt->anticipation;
    numcol y, tv, gv, wv = {NULL, NULL}, *xv = NULL;
    double *tl = NULL, *ug = NULL;
    int64_t *id = NULL, *cl = NULL, *cl_unit = NULL;
    unsigned char *keep = NULL;
    size_t *cell = NULL, *unit_first = NULL, *uperiods = NULL, *newpos = NULL;
    size_t nid = 0, ncl = 0;
    int rc = KS_OK;
    if (opt->anticipation < 0) return ks__fail(ctx, KS_EINVAL, "anticipation must be >= 0");
    if (nrow == 0) return ks__fail(ctx, KS_EEMPTY, "the data have no rows");

    xv = ks__calloc(ctx, ncov ? ncov : 1, sizeof *xv);
    keep = ks__malloc(ctx, nrow);
    tl = ks__malloc_array(ctx, nrow, sizeof *tl);
    if (!xv || !keep || !tl) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = numeric(ctx, t, "outcome", yname, &y)) ||
        (rc = numeric(ctx, t, "time", tname, &tv)) ||
        (rc = numeric(ctx, t, "first_treat", gname, &gv)) ||
        (rc = column(ctx, t, "unit", idname, &nid)) ||
        (rc = read_optional(ctx, t, opt, &wv, &cl, &ncl, xv, ncov)))
        goto done;
    const int have_w = opt->weights != NULL;
    /* sorted: row u T + s is unit u in period s (sorted_panel) */
    const size_t sorted = sorted_panel(t, idname, &tv, &gv, &y, have_w ? &wv : NULL, xv, ncov, cl);
    if (sorted)
        nid = nrow / sorted;
    else if ((rc = codes_of(ctx, t, "unit", idname, &id, &nid)))
        goto done;

    /* 1. rows with a missing or non-finite value in a used column; each unit's first row, and
     *    its cohort (and cluster) the same in every row */
    unit_first = ks__malloc_array(ctx, nid ? nid : 1, sizeof *unit_first);
    if (!unit_first) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < nid; u++) unit_first[u] = sorted ? u * sorted : SIZE_MAX;
    memset(keep, 1, nrow);
    if (sorted) goto periods;
    if ((rc = finite_used(ctx, yname, tname, opt, &y, &tv, have_w ? &wv : NULL, xv, ncov, keep,
                          nrow)))
        goto done;
    if (gv.f) /* first_treat may be Inf (never treated), not NaN */
        for (size_t i = 0; i < nrow; i++) keep[i] &= !isnan(gv.f[i]);
    size_t n_na = 0;
    for (size_t i = 0; i < nrow; i++) {
        if (keep[i] && (id[i] < 0 || (cl && cl[i] < 0))) keep[i] = 0;
        if (!keep[i]) {
            n_na++;
            continue;
        }
        if ((rc = same_in_unit(ctx, gname, opt, &gv, cl, &unit_first[id[i]], i))) goto done;
    }
    if (n_na)
        ks__log(ctx, KS_LOG_WARN, "dropped %zu rows with missing or non-finite data", n_na);

    /* 2. periods; cohorts after the last period + anticipation are never treated. ug[u] is a
     *    unit's cohort, -1 for a unit without rows or removed. */
periods:
    if ((rc = drop_collinear(ctx, opt->covariates, xv, &ncov, keep, nrow))) goto done;
    size_t T = sorted;
    if (sorted)
        for (size_t s = 0; s < T; s++) tl[s] = num_at(&tv, s);
    else
        T = distinct_sorted(&tv, keep, nrow, tl);
    if ((rc = two_periods(ctx, tname, T))) goto done;
    ug = ks__malloc_array(ctx, 2 * nid + 1, sizeof *ug); /* + scratch for step 5 */
    if (!ug) {
        rc = KS_ENOMEM;
        goto done;
    }
    int have_never = 0;
    double latest = 0.0;
    size_t n_late = 0;
    for (size_t u = 0; u < nid; u++) {
        if (unit_first[u] == SIZE_MAX) {
            ug[u] = -1.0;
            continue;
        }
        const double g = num_at(&gv, unit_first[u]);
        if (g < 0) {
            rc = ks__fail(ctx, KS_EINVAL, "first_treat: column '%s' row %zu is negative (%g)",
                         gname, unit_first[u] + 1, g);
            goto done;
        }
        ug[u] = cohort_of(g, tl[T - 1], antic, &n_late, &have_never, &latest);
    }
    if (n_late) log_late(ctx, n_late, "units", tl[T - 1], antic);
    if (!have_never) {
        /* No never-treated units: the latest cohort is the control (coerced to never treated
         * with the never-treated control group) and periods from latest - anticipation on go. */
        size_t dropped = 0;
        for (size_t i = 0; i < nrow; i++)
            if (keep[i] && num_at(&tv, i) >= latest - antic) {
                keep[i] = 0;
                dropped++;
            }
        if (opt->control_group == KS_DID_NEVER_TREATED)
            for (size_t u = 0; u < nid; u++)
                if (ug[u] == latest) ug[u] = 0.0;
        if ((rc = latest_as_control(ctx, &tv, keep, nrow, latest, antic, dropped, tl, &T)))
            goto done;
    }

    /* 3. units treated in the first period (+ anticipation) */
    {
        size_t nfirst = 0;
        for (size_t u = 0; u < nid; u++)
            if (ug[u] > 0 && ug[u] <= tl[0] + antic) {
                ug[u] = -1.0;
                nfirst++;
            }
        if (nfirst) {
            ks__log(ctx, KS_LOG_WARN,
                   "dropped %zu units that were already treated in the first period", nfirst);
            for (size_t i = 0; i < nrow; i++)
                if (keep[i] && ug[sorted ? i / sorted : (size_t)id[i]] < 0) keep[i] = 0;
            T = distinct_sorted(&tv, keep, nrow, tl);
        }
    }

    /* 4. one row per (unit, period); units missing a period are removed */
    size_t cells;
    if (!ks__size_mul(nid, T, &cells)) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "panel of %zu units x %zu periods is too large", nid, T);
        goto done;
    }
    cell = ks__malloc_array(ctx, cells && !sorted ? cells : 1, sizeof *cell);
    uperiods = ks__calloc(ctx, nid ? nid : 1, sizeof *uperiods);
    if (!cell || !uperiods) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t c = 0; c < cells && !sorted; c++) cell[c] = SIZE_MAX;
    size_t hint = 0;
    for (size_t u = 0; u < nid && sorted; u++) uperiods[u] = T;
    for (size_t i = 0; i < nrow && !sorted; i++) {
        if (!keep[i]) continue;
        const double ti = num_at(&tv, i);
        ptrdiff_t tp = find_sorted(tl, T, ti, &hint);
        size_t *c = &cell[(size_t)id[i] * T + (size_t)tp];
        if (*c != SIZE_MAX) {
            rc = ks__fail(ctx, KS_EINVAL,
                         "unit: rows %zu and %zu are the same unit ('%s') in the same period "
                         "(%g); a panel has one row per unit and period",
                         *c + 1, i + 1, idname, ti);
            goto done;
        }
        *c = i;
        uperiods[id[i]]++;
    }

    /* 5. the balanced units, sorted by cohort (counting sort over the few cohort values) */
    size_t n = 0, nunbal = 0;
    double *coh = ug + nid; /* scratch for the distinct cohorts */
    size_t ncoh = 0;
    for (size_t u = 0; u < nid; u++) {
        if (ug[u] < 0 || uperiods[u] == 0) continue;
        if (uperiods[u] != T) {
            nunbal++;
            ug[u] = -1.0;
            continue;
        }
        n++;
        add_cohort(coh, &ncoh, ug[u]);
    }
    ncoh = ks__did_sort_unique(coh, ncoh);
    if (nunbal)
        ks__log(ctx, KS_LOG_WARN,
               "%zu units are missing in some periods; dropped to make the panel balanced", nunbal);
    if (n == 0) {
        rc = ks__fail(ctx, KS_EEMPTY, "no unit is observed in all %zu periods", T);
        goto done;
    }
    const size_t k = 1 + ncov;
    alloc_units(ctx, p, n, T, k, ncoh, cl, ncl, &cl_unit);
    p->coh = ks__malloc_array(ctx, ncoh, sizeof *p->coh);
    p->coh_start = ks__calloc(ctx, ncoh + 1, sizeof *p->coh_start);
    p->y = ks__malloc_array(ctx, n * T, sizeof *p->y);
    newpos = ks__malloc_array(ctx, nid + ncoh, sizeof *newpos);
    if (have_w) p->w = ks__malloc_array(ctx, n * T, sizeof *p->w);
    if (ncov) p->x = ks__malloc_array(ctx, n * T, k * sizeof *p->x);
    if (!p->tval || !p->coh || !p->coh_start || !p->g || !p->y || !p->unit_row || !p->glist ||
        !newpos || (have_w && !p->w) || (ncov && !p->x) || (cl && (!p->cluster || !cl_unit))) {
        rc = KS_ENOMEM;
        goto done;
    }
    memcpy(p->tval, tl, T * sizeof *tl);
    memcpy(p->coh, coh, ncoh * sizeof *coh);
    for (size_t u = 0; u < nid; u++) {
        newpos[u] = SIZE_MAX;
        if (ug[u] >= 0 && uperiods[u] == T) {
            const size_t c = ks__did_lower_bound(p->coh, ncoh, ug[u]);
            newpos[u] = c; /* the cohort, for the second pass */
            p->coh_start[c + 1]++;
        }
    }
    for (size_t c = 0; c < ncoh; c++) p->coh_start[c + 1] += p->coh_start[c];
    size_t *next = newpos + nid; /* each cohort's next free position */
    for (size_t c = 0; c < ncoh; c++) next[c] = p->coh_start[c];
    for (size_t u = 0; u < nid; u++)
        if (newpos[u] != SIZE_MAX) newpos[u] = next[newpos[u]]++;

    /* 6. the wide arrays, units in cohort order */
    double wsum = 0.0;
    for (size_t u = 0; u < nid; u++) {
        const size_t i = newpos[u];
        if (i == SIZE_MAX) continue;
        const size_t *rows = sorted ? NULL : cell + u * T;
        size_t first = sorted ? u * sorted : rows[0];
        for (size_t s = 0; s < T; s++) {
            const size_t r = sorted ? u * sorted + s : rows[s];
            first = r < first ? r : first;
            p->y[s * n + i] = num_at(&y, r);
            if (have_w) {
                const double w = num_at(&wv, r);
                p->w[s * n + i] = w;
                wsum += w;
            }
            if (ncov) {
                double *xs = p->x + s * n * k;
                xs[i] = 1.0;
                for (size_t c = 0; c < ncov; c++) xs[(c + 1) * n + i] = num_at(&xv[c], r);
            }
        }
        p->unit_row[i] = first;
        p->g[i] = ug[u];
    }
    if (have_w) {
        if (!(wsum > 0)) {
            rc = ks__fail(ctx, KS_EINVAL, "weights: column '%s' sums to zero", opt->weights);
            goto done;
        }
        const double scale = (double)(n * T) / wsum; /* mean 1, as did normalizes them */
        for (size_t r = 0; r < n * T; r++) p->w[r] *= scale;
    }
    /* 7. cluster codes and the treated cohorts that get effects */
    rc = finish_units(ctx, p, n, cl, ncl, cl_unit, ncoh, have_never, latest, opt);

done:
    if (rc != KS_OK) ks__did_panel_free(&ctx->alloc, p);
    ks__free(ctx, xv);
    ks__free(ctx, tl);
    ks__free(ctx, ug);
    ks__free(ctx, id);
    ks__free(ctx, cl);
    ks__free(ctx, cl_unit);
    ks__free(ctx, keep);
    ks__free(ctx, cell);
    ks__free(ctx, unit_first);
    ks__free(ctx, uperiods);
    ks__free(ctx, newpos);
    return rc;
}

/* ---- repeated cross-sections and unbalanced panels ---- */

void ks__did_long_free(const ks_allocator *a, ks_did_long *L)
{
    if (!L) return;
    ks__release(a, L->y);
    ks__release(a, L->w);
    ks__release(a, L->x);
    ks__release(a, L->unit);
    ks__release(a, L->start);
    memset(L, 0, sizeof *L);
}

int ks__did_long_build(ks_ctx *ctx, const ks_table *t, const char *yname, const char *tname,
                      const char *idname, const char *gname, const ks_did_cs_options *opt,
                      ks_did_panel *p, ks_did_long *L, int *balanced)
{
    memset(p, 0, sizeof *p);
    memset(L, 0, sizeof *L);
    *balanced = 0;
    const size_t nrow = ks_table_nrow(t);
    const int cross = !opt->panel; /* each row its own observation */
    size_t ncov = 0;
    if (opt->covariates)
        while (opt->covariates[ncov]) ncov++;
    const double antic = opt->anticipation;
    numcol y, tv, gv, wv = {NULL, NULL}, *xv = NULL;
    double *tl = NULL, *rg = NULL, *coh = NULL;
    int64_t *id = NULL, *cl = NULL, *cl_unit = NULL;
    unsigned char *keep = NULL;
    size_t *ukey = NULL, *unew = NULL, *first = NULL, *cnt = NULL, *tpos = NULL;
    size_t nid = 0, ncl = 0;
    int rc = KS_OK;
    if (opt->anticipation < 0) return ks__fail(ctx, KS_EINVAL, "anticipation must be >= 0");
    if (nrow == 0) return ks__fail(ctx, KS_EEMPTY, "the data have no rows");
    if (!cross && (!idname || !*idname))
        return ks__fail(ctx, KS_EINVAL, "unit: an unbalanced panel needs the unit column");
    xv = ks__calloc(ctx, ncov ? ncov : 1, sizeof *xv);
    keep = ks__malloc(ctx, nrow);
    tl = ks__malloc_array(ctx, nrow, sizeof *tl);
    rg = ks__malloc_array(ctx, nrow, sizeof *rg);
    if (!xv || !keep || !tl || !rg) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = numeric(ctx, t, "outcome", yname, &y)) || (rc = numeric(ctx, t, "time", tname, &tv)) ||
        (rc = numeric(ctx, t, "first_treat", gname, &gv)))
        goto done;
    if (!cross && (rc = codes_of(ctx, t, "unit", idname, &id, &nid))) goto done;
    if ((rc = read_optional(ctx, t, opt, &wv, &cl, &ncl, xv, ncov))) goto done;
    const int have_w = opt->weights != NULL;

    /* 1. rows with missing values; the cohort (and cluster) constant within a unit */
    memset(keep, 1, nrow);
    if ((rc = finite_used(ctx, yname, tname, opt, &y, &tv, have_w ? &wv : NULL, xv, ncov, keep,
                          nrow)))
        goto done;
    size_t n_na = 0;
    if (!cross) {
        first = ks__malloc_array(ctx, nid ? nid : 1, sizeof *first);
        if (!first) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t u = 0; u < nid; u++) first[u] = SIZE_MAX;
    }
    for (size_t i = 0; i < nrow; i++) {
        if (keep[i] && (isnan(num_at(&gv, i)) || (id && id[i] < 0) || (cl && cl[i] < 0)))
            keep[i] = 0;
        if (!keep[i]) {
            n_na++;
            continue;
        }
        const double g = num_at(&gv, i);
        if (g < 0) {
            rc = ks__fail(ctx, KS_EINVAL, "first_treat: column '%s' row %zu is negative (%g)",
                         gname, i + 1, g);
            goto done;
        }
        if (id && (rc = same_in_unit(ctx, gname, opt, &gv, cl, &first[id[i]], i))) goto done;
    }
    if (n_na)
        ks__log(ctx, KS_LOG_WARN, "dropped %zu rows with missing or non-finite data", n_na);

    if ((rc = drop_collinear(ctx, opt->covariates, xv, &ncov, keep, nrow))) goto done;

    /* 2. periods and cohorts, as for a panel (never treated: 0) */
    size_t T = distinct_sorted(&tv, keep, nrow, tl);
    if ((rc = two_periods(ctx, tname, T))) goto done;
    int have_never = 0;
    double latest = 0.0;
    size_t n_late = 0;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        rg[i] = cohort_of(num_at(&gv, i), tl[T - 1], antic, &n_late, &have_never, &latest);
    }
    if (n_late) log_late(ctx, n_late, "rows", tl[T - 1], antic);
    if (!have_never) {
        size_t dropped = 0;
        for (size_t i = 0; i < nrow; i++) {
            if (!keep[i]) continue;
            if (num_at(&tv, i) >= latest - antic) {
                keep[i] = 0;
                dropped++;
            } else if (opt->control_group == KS_DID_NEVER_TREATED && rg[i] == latest) {
                rg[i] = 0.0;
            }
        }
        if ((rc = latest_as_control(ctx, &tv, keep, nrow, latest, antic, dropped, tl, &T)))
            goto done;
    }
    {
        size_t nfirst = 0;
        for (size_t i = 0; i < nrow; i++)
            if (keep[i] && rg[i] > 0 && rg[i] <= tl[0] + antic) {
                keep[i] = 0;
                nfirst++;
            }
        if (nfirst) {
            ks__log(ctx, KS_LOG_WARN,
                   "dropped %zu rows of units already treated in the first period", nfirst);
            T = distinct_sorted(&tv, keep, nrow, tl);
        }
    }

    /* 3. observation units: a row (cross-sections) or a unit code; their cohorts */
    const size_t nkey = cross ? nrow : nid;
    ukey = ks__malloc_array(ctx, nkey ? nkey : 1, sizeof *ukey); /* key -> cohort index */
    cnt = ks__calloc(ctx, nkey ? nkey : 1, sizeof *cnt);         /* rows per key */
    tpos = ks__malloc_array(ctx, nrow, sizeof *tpos);            /* row -> period index */
    coh = ks__malloc_array(ctx, nrow + 1, sizeof *coh);
    if (!ukey || !cnt || !tpos || !coh) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t ncoh = 0, hint = 0, nkept = 0;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        tpos[i] = (size_t)find_sorted(tl, T, num_at(&tv, i), &hint);
        const size_t key = cross ? i : (size_t)id[i];
        cnt[key]++;
        nkept++;
        add_cohort(coh, &ncoh, rg[i]);
    }
    ncoh = ks__did_sort_unique(coh, ncoh);
    if (nkept == 0) {
        rc = ks__fail(ctx, KS_EEMPTY, "no rows left to estimate on");
        goto done;
    }
    if (!cross) { /* balanced after all? (R then uses the panel estimator) */
        int bal = 1;
        for (size_t u = 0; u < nid && bal; u++) bal = cnt[u] == 0 || cnt[u] == T;
        if (bal) {
            /* one row per unit and period is still to be checked: the panel build does */
            *balanced = 1;
            goto done;
        }
    }
    /* units sorted by cohort (counting sort; ties in order of appearance) */
    p->coh_start = ks__calloc(ctx, ncoh + 1, sizeof *p->coh_start);
    p->coh = ks__malloc_array(ctx, ncoh, sizeof *p->coh);
    unew = ks__malloc_array(ctx, nkey ? nkey : 1, sizeof *unew);
    if (!p->coh_start || !p->coh || !unew) {
        rc = KS_ENOMEM;
        goto done;
    }
    memcpy(p->coh, coh, ncoh * sizeof *coh);
    size_t n = 0;
    for (size_t key = 0; key < nkey; key++) ukey[key] = SIZE_MAX;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        const size_t key = cross ? i : (size_t)id[i];
        if (ukey[key] != SIZE_MAX) continue;
        ukey[key] = ks__did_lower_bound(p->coh, ncoh, rg[i]);
        p->coh_start[ukey[key] + 1]++;
        n++;
    }
    for (size_t c = 0; c < ncoh; c++) p->coh_start[c + 1] += p->coh_start[c];
    {
        size_t *next = cnt; /* reused: each cohort's next free unit position */
        for (size_t c = 0; c < ncoh; c++) next[c] = p->coh_start[c];
        for (size_t key = 0; key < nkey; key++) unew[key] = SIZE_MAX;
        for (size_t i = 0; i < nrow; i++) {
            if (!keep[i]) continue;
            const size_t key = cross ? i : (size_t)id[i];
            if (unew[key] == SIZE_MAX) unew[key] = next[ukey[key]]++;
        }
    }

    /* 4. the rows sorted by (cohort, period) */
    const size_t k = 1 + ncov, nb = ncoh * T;
    L->nrow = nkept;
    L->k = k;
    L->y = ks__malloc_array(ctx, nkept, sizeof *L->y);
    L->unit = ks__malloc_array(ctx, nkept, sizeof *L->unit);
    L->start = ks__calloc(ctx, nb + 1, sizeof *L->start);
    if (have_w) L->w = ks__malloc_array(ctx, nkept, sizeof *L->w);
    if (ncov) L->x = ks__malloc_array(ctx, nkept, ncov * sizeof *L->x);
    alloc_units(ctx, p, n, T, k, ncoh, cl, ncl, &cl_unit);
    if (have_w) p->w = ks__calloc(ctx, n, sizeof *p->w);
    if (!L->y || !L->unit || !L->start || (have_w && (!L->w || !p->w)) || (ncov && !L->x) ||
        !p->tval || !p->g || !p->unit_row || !p->glist || (cl && (!p->cluster || !cl_unit))) {
        rc = KS_ENOMEM;
        goto done;
    }
    memcpy(p->tval, tl, T * sizeof *tl);
    for (size_t i = 0; i < nrow; i++)
        if (keep[i]) L->start[ukey[cross ? i : (size_t)id[i]] * T + tpos[i] + 1]++;
    for (size_t b = 0; b < nb; b++) L->start[b + 1] += L->start[b];
    size_t *fill = ks__malloc_array(ctx, nb ? nb : 1, sizeof *fill);
    if (!fill) {
        rc = KS_ENOMEM;
        goto done;
    }
    memcpy(fill, L->start, nb * sizeof *fill);
    for (size_t u = 0; u < n; u++) p->unit_row[u] = SIZE_MAX;
    for (size_t i = 0; i < nrow; i++) {
        if (!keep[i]) continue;
        const size_t c = ukey[cross ? i : (size_t)id[i]]; /* the cohort: one per unit */
        const size_t r = fill[c * T + tpos[i]]++;
        const size_t u = unew[cross ? i : (size_t)id[i]];
        L->y[r] = num_at(&y, i);
        L->unit[r] = u;
        if (have_w) {
            L->w[r] = num_at(&wv, i);
            p->w[u] += L->w[r];
        }
        for (size_t j = 0; j < ncov; j++) L->x[j * nkept + r] = num_at(&xv[j], i);
        if (p->unit_row[u] == SIZE_MAX) {
            p->unit_row[u] = i;
            p->g[u] = rg[i];
        }
    }
    ks__free(ctx, fill);
    if (have_w) { /* a unit's weight for the cohort shares: the mean of its rows' (R's dta) */
        memset(cnt, 0, n * sizeof *cnt);
        for (size_t r = 0; r < nkept; r++) cnt[L->unit[r]]++;
        for (size_t u = 0; u < n; u++) p->w[u] /= (double)cnt[u];
    }
    rc = finish_units(ctx, p, n, cl, ncl, cl_unit, ncoh, have_never, latest, opt);

done:
    if (rc != KS_OK || *balanced) {
        ks__did_panel_free(&ctx->alloc, p);
        ks__did_long_free(&ctx->alloc, L);
    }
    ks__free(ctx, xv);
    ks__free(ctx, tl);
    ks__free(ctx, rg);
    ks__free(ctx, coh);
    ks__free(ctx, id);
    ks__free(ctx, cl);
    ks__free(ctx, cl_unit);
    ks__free(ctx, keep);
    ks__free(ctx, ukey);
    ks__free(ctx, unew);
    ks__free(ctx, first);
    ks__free(ctx, cnt);
    ks__free(ctx, tpos);
    return rc;
}

/* Whether cohort g takes part in the cell of cohort cg as treated (pass 0) or as a control
 * (pass 1: never treated, or not yet treated by threshold with that control group). */
static int in_pass(double g, int pass, double cg, double threshold, const ks_did_cs_options *opt)
{
    const int treated = g == cg;
    const int control =
        g == 0.0 || (opt->control_group == KS_DID_NOT_YET_TREATED && g > threshold && !treated);
    return pass == 0 ? treated : control;
}

int ks__did_long_fit_cell(ks_ctx *ctx, const ks_did_long *L, const ks_did_panel *p,
                          const ks_did_cs_options *opt, const ks_did_cell_plan *cp, double *scratch,
                          double *att, double *col, size_t *ntr, size_t *nco, size_t *n_near_one,
                          int *fell_back)
{
    const size_t T = p->T, k = L->k;
    const size_t late = cp->cur > cp->base ? cp->cur : cp->base;
    const double threshold = p->tval[late] + opt->anticipation;
    /* the cohorts in the comparison, treated first */
    size_t m = 0, nt = 0;
    for (int pass = 0; pass < 2; pass++)
        for (size_t c = 0; c < p->ncoh; c++) {
            if (!in_pass(p->coh[c], pass, cp->g, threshold, opt)) continue;
            for (int q = 0; q < 2; q++) {
                const size_t s = q == 0 ? cp->cur : cp->base;
                m += L->start[c * T + s + 1] - L->start[c * T + s];
            }
            if (pass == 0) nt = m;
        }
    *ntr = nt;
    *nco = m - nt;
    if (nt == 0) return ks__fail(ctx, KS_ENUMERIC, "no units in the cohort");
    if (m == nt) return ks__fail(ctx, KS_ENUMERIC, "no control units");
    double *yv = scratch, *post = yv + m, *D = post + m, *w = D + m, *inf = w + m, *X = inf + m;
    size_t *rows = (size_t *)(X + m * k); /* m row indices (room: one double each) */
    size_t r = 0, tpost[2] = {0, 0}, cpost[2] = {0, 0};
    for (int pass = 0; pass < 2; pass++)
        for (size_t c = 0; c < p->ncoh; c++) {
            if (!in_pass(p->coh[c], pass, cp->g, threshold, opt)) continue;
            for (int q = 0; q < 2; q++) {
                const size_t s = q == 0 ? cp->cur : cp->base;
                for (size_t i = L->start[c * T + s]; i < L->start[c * T + s + 1]; i++, r++) {
                    rows[r] = i;
                    yv[r] = L->y[i];
                    post[r] = q == 0;
                    D[r] = pass == 0;
                    if (L->w) w[r] = L->w[i];
                    X[r] = 1.0;
                    for (size_t j = 1; j < k; j++) X[j * m + r] = L->x[(j - 1) * L->nrow + i];
                    (pass == 0 ? tpost : cpost)[q == 0]++;
                }
            }
        }
    if (!tpost[1] || !tpost[0])
        return ks__fail(ctx, KS_ENUMERIC, "no units of the cohort in period %g",
                       p->tval[tpost[1] ? cp->base : cp->cur]);
    if (!cpost[1] || !cpost[0])
        return ks__fail(ctx, KS_ENUMERIC, "no control units in period %g",
                       p->tval[cpost[1] ? cp->base : cp->cur]);
    ks_did_2x2 in = {m,
                     k,
                     yv,
                     D,
                     k > 1 ? X : NULL,
                     L->w ? w : NULL,
                     SIZE_MAX,
                     post,
                     n_near_one,
                     opt->pscore_trim,
                     opt->pscore_fallback,
                     fell_back,
                     NULL,
                     NULL,
                     0, /* R did's overlap guard on */
                     NULL};
    int rc = ks__did_2x2_rc_fit(ctx, opt->method, &in, att, inf);
    if (rc) return rc;
    if (!isfinite(*att)) return ks__fail(ctx, KS_ENUMERIC, "the estimate is not finite");
    const double scale = (double)p->n / (double)m;
    memset(col, 0, p->n * sizeof *col);
    for (size_t j = 0; j < m; j++) col[L->unit[rows[j]]] += scale * inf[j];
    return KS_OK;
}
