/* conley.c — the Conley (1999) spatial-HAC meat (did_conley.h) and the regression with its
 * variance.
 *
 * The spatial sum over pairs within the cutoff h: each block (a period) is bucketed on a grid
 * of cells at least h wide — haversine points as 3-D unit-sphere vectors, where a great-circle
 * distance d is the chord 2 sin(d / 2R), euclidean points as they are — and sorted by cell, so
 * that every neighbour of a point lies in the 3^dim cells around its own: 3^(dim-1) runs of
 * consecutive cells, each found by binary search. A candidate's exact distance (the haversine
 * formula, as conleyreg and diff-diff compute it) decides its weight. The chord radius carries a
 * relative and an absolute slack so that no pair within h is missed to rounding; the candidates
 * outside h get weight 0 anyway. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/did_conley.h"
#include "kestrel/regress.h"

#define EARTH_RADIUS_KM 6371.01 /* conleyreg's and diff-diff's mean radius */
#define DEG (3.14159265358979323846 / 180.0)

typedef struct {
    int64_t k[3]; /* the cell */
    size_t row;
} cell_point;

static int cell_cmp(const void *a, const void *b)
{
    const int64_t *x = ((const cell_point *)a)->k, *y = ((const cell_point *)b)->k;
    for (int d = 0; d < 3; d++)
        if (x[d] != y[d]) return x[d] < y[d] ? -1 : 1;
    const size_t r = ((const cell_point *)a)->row, s = ((const cell_point *)b)->row;
    return (r > s) - (r < s);
}

/* First index in pts[0..m) whose cell is >= key (key[2] compared last). */
static size_t lower_bound(const cell_point *pts, size_t m, const int64_t *key)
{
    size_t lo = 0, hi = m;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const int64_t *k = pts[mid].k;
        int less = 0;
        for (int d = 0; d < 3; d++)
            if (k[d] != key[d]) {
                less = k[d] < key[d];
                break;
            }
        if (less)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

typedef struct {
    size_t n, p;
    const double *S;
    const double *c1, *c2; /* the input coordinates */
    double *xyz;           /* haversine: n x 3 unit vectors; euclidean: unused */
    double *coslat;        /* haversine: n cos(latitude) */
    const int64_t *cluster;
    int haversine, bartlett;
    double h;      /* the cutoff */
    double cell;   /* grid cell width */
    double org[3]; /* grid origin */
} space;

static double distance(const space *sp, size_t i, size_t j)
{
    if (sp->haversine) {
        const double dlat = (sp->c1[j] - sp->c1[i]) * DEG, dlon = (sp->c2[j] - sp->c2[i]) * DEG;
        const double s1 = sin(dlat / 2.0), s2 = sin(dlon / 2.0);
        double a = s1 * s1 + sp->coslat[i] * sp->coslat[j] * s2 * s2;
        a = a < 0.0 ? 0.0 : (a > 1.0 ? 1.0 : a);
        return EARTH_RADIUS_KM * 2.0 * asin(sqrt(a));
    }
    const double dx = sp->c1[j] - sp->c1[i], dy = sp->c2[j] - sp->c2[i];
    return sqrt(dx * dx + dy * dy);
}

static double kernel(const space *sp, double d)
{
    if (sp->bartlett) return d < sp->h ? 1.0 - d / sp->h : 0.0;
    return d <= sp->h ? 1.0 : 0.0;
}

static void cell_of(const space *sp, size_t i, int64_t *k)
{
    if (sp->haversine) {
        for (int d = 0; d < 3; d++)
            k[d] = (int64_t)floor((sp->xyz[3 * i + d] - sp->org[d]) / sp->cell);
    } else {
        k[0] = (int64_t)floor((sp->c1[i] - sp->org[0]) / sp->cell);
        k[1] = (int64_t)floor((sp->c2[i] - sp->org[1]) / sp->cell);
        k[2] = 0;
    }
}

/* The runs of pts[0..m) (sorted by cell) that hold the cells around cell ki: 3^outer runs of
 * consecutive cells along the last dimension, as [b, e) index ranges. */
static void cell_runs(const cell_point *pts, size_t m, const int64_t *ki, int outer, size_t *b,
                      size_t *e)
{
    const int nrun = outer == 2 ? 9 : 3;
    for (int q = 0; q < nrun; q++) {
        int64_t lo[3], hi[3];
        if (outer == 2) {
            lo[0] = hi[0] = ki[0] + q / 3 - 1;
            lo[1] = hi[1] = ki[1] + q % 3 - 1;
            lo[2] = ki[2] - 1;
            hi[2] = ki[2] + 2;
        } else {
            lo[0] = hi[0] = ki[0] + q - 1;
            lo[1] = ki[1] - 1;
            hi[1] = ki[1] + 2;
            lo[2] = hi[2] = 0;
        }
        b[q] = lower_bound(pts, m, lo);
        e[q] = lower_bound(pts, m, hi);
    }
}

/* meat += sum over the pairs (i, j) of the rows[0..m) block within the cutoff (i == j included)
 * of K(d_ij) s_i s_j'. pts and a (p doubles) are scratch. */
static void spatial_block(const space *sp, const size_t *rows, size_t m, cell_point *pts, double *a,
                          double *meat, size_t *npairs)
{
    const size_t n = sp->n, p = sp->p;
    for (size_t r = 0; r < m; r++) {
        pts[r].row = rows[r];
        cell_of(sp, rows[r], pts[r].k);
    }
    qsort(pts, m, sizeof *pts, cell_cmp);
    const int outer = sp->haversine ? 2 : 1; /* dimensions looped around the run's */
    size_t pairs = 0;
    const int nrun = outer == 2 ? 9 : 3;
    size_t run_b[9], run_e[9]; /* the runs of the current cell, shared by the points in it */
    for (size_t r = 0; r < m; r++) {
        const size_t i = pts[r].row;
        const int64_t *ki = pts[r].k;
        memset(a, 0, p * sizeof *a);
        if (r == 0 || memcmp(ki, pts[r - 1].k, sizeof pts[r].k))
            cell_runs(pts, m, ki, outer, run_b, run_e);
        for (int q = 0; q < nrun; q++) {
            for (size_t c = run_b[q]; c < run_e[q]; c++) {
                const size_t j = pts[c].row;
                if (sp->cluster && sp->cluster[i] != sp->cluster[j]) continue;
                if (sp->haversine && j != i) { /* beyond the slack chord: no need for sines */
                    const double *u = sp->xyz + 3 * i, *v = sp->xyz + 3 * j;
                    const double dx = u[0] - v[0], dy = u[1] - v[1], dz = u[2] - v[2];
                    if (dx * dx + dy * dy + dz * dz > sp->cell * sp->cell) continue;
                }
                const double w = j == i ? 1.0 : kernel(sp, distance(sp, i, j));
                if (w == 0.0) continue;
                if (j > i) pairs++;
                for (size_t l = 0; l < p; l++) a[l] += w * sp->S[j + l * n];
            }
        }
        for (size_t l = 0; l < p; l++)
            for (size_t k = 0; k < p; k++) meat[k + l * p] += sp->S[i + k * n] * a[l];
    }
    *npairs += pairs;
}

/* Rows sorted by (key1, key2, row). */
typedef struct {
    int64_t k1, k2;
    size_t row;
} row_key;

static int row_key_cmp(const void *a, const void *b)
{
    const row_key *x = a, *y = b;
    if (x->k1 != y->k1) return x->k1 < y->k1 ? -1 : 1;
    if (x->k2 != y->k2) return x->k2 < y->k2 ? -1 : 1;
    return (x->row > y->row) - (x->row < y->row);
}

/* meat += the within-unit Bartlett pairs at lags 1..L (both orders). rk: n scratch. */
static void serial_part(size_t n, size_t p, const double *S, const int64_t *period,
                        const int64_t *unit, int L, row_key *rk, double *meat)
{
    for (size_t i = 0; i < n; i++) rk[i] = (row_key){unit[i], period[i], i};
    qsort(rk, n, sizeof *rk, row_key_cmp);
    for (size_t r = 0; r < n; r++)
        for (size_t c = r + 1; c < n && rk[c].k1 == rk[r].k1; c++) {
            const int64_t lag = rk[c].k2 - rk[r].k2;
            if (lag == 0) continue;
            if (lag > L) break;
            const double w = 1.0 - (double)lag / (L + 1.0);
            const size_t i = rk[r].row, j = rk[c].row;
            for (size_t l = 0; l < p; l++)
                for (size_t k = 0; k < p; k++)
                    meat[k + l * p] +=
                        w * (S[i + k * n] * S[j + l * n] + S[j + k * n] * S[i + l * n]);
        }
}

static int check_inputs(ks_ctx *ctx, size_t n, const double *c1, const double *c2,
                        const int64_t *period, const int64_t *unit, const int64_t *cluster,
                        const ks_conley_options *o, int *haversine, int *bartlett)
{
    if (!(o->cutoff > 0) || !isfinite(o->cutoff))
        return ks__fail(ctx, KS_EINVAL, "conley_cutoff_km: %g; expected a positive finite number",
                        o->cutoff);
    const char *metric = o->metric ? o->metric : "haversine";
    const char *kern = o->kernel ? o->kernel : "bartlett";
    if (strcmp(metric, "haversine") && strcmp(metric, "euclidean"))
        return ks__fail(ctx, KS_EINVAL, "conley_metric: '%s'; expected 'haversine' or 'euclidean'",
                        metric);
    if (strcmp(kern, "bartlett") && strcmp(kern, "uniform"))
        return ks__fail(ctx, KS_EINVAL, "conley_kernel: '%s'; expected 'bartlett' or 'uniform'",
                        kern);
    *haversine = !strcmp(metric, "haversine");
    *bartlett = !strcmp(kern, "bartlett");
    if (o->lag_cutoff < 0)
        return ks__fail(ctx, KS_EINVAL, "conley_lag_cutoff: %d; expected an integer >= 0",
                        o->lag_cutoff);
    if (o->lag_cutoff > 0 && (!period || !unit))
        return ks__fail(ctx, KS_EINVAL,
                        "conley_lag_cutoff: %d needs the period and unit of each row (the serial "
                        "part is within units)",
                        o->lag_cutoff);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(c1[i]) || !isfinite(c2[i]))
            return ks__fail(ctx, KS_EINVAL,
                            "conley_coords: row %zu has a coordinate that is not "
                            "finite",
                            i);
        if (*haversine && (fabs(c1[i]) > 90.0 || fabs(c2[i]) > 180.0))
            return ks__fail(ctx, KS_EINVAL,
                            "conley_coords: row %zu (%g, %g) is outside latitude [-90, 90] x "
                            "longitude [-180, 180] (haversine takes degrees)",
                            i, c1[i], c2[i]);
        if ((period && period[i] < 0) || (unit && unit[i] < 0) || (cluster && cluster[i] < 0))
            return ks__fail(ctx, KS_EINVAL,
                            "conley: row %zu has a negative period, unit or "
                            "cluster code",
                            i);
    }
    return KS_OK;
}

/* A cluster constant within each unit (the serial part is within units). rk: n scratch. */
static int check_cluster_in_unit(ks_ctx *ctx, size_t n, const int64_t *unit, const int64_t *cluster,
                                 row_key *rk)
{
    for (size_t i = 0; i < n; i++) rk[i] = (row_key){unit[i], cluster[i], i};
    qsort(rk, n, sizeof *rk, row_key_cmp);
    for (size_t r = 1; r < n; r++)
        if (rk[r].k1 == rk[r - 1].k1 && rk[r].k2 != rk[r - 1].k2)
            return ks__fail(ctx, KS_EINVAL,
                            "cluster: varies within a unit (rows %zu and %zu); with Conley errors "
                            "the cluster must be constant within units",
                            rk[r - 1].row, rk[r].row);
    return KS_OK;
}

int ks_conley_meat(ks_ctx *ctx, size_t n, size_t p, const double *S, const double *c1,
                   const double *c2, const int64_t *period, const int64_t *unit,
                   const int64_t *cluster, const ks_conley_options *opt, double *meat,
                   size_t *npairs)
{
    if (!S || !c1 || !c2 || !opt || !meat) return ks__fail(ctx, KS_EINVAL, "conley: NULL argument");
    space sp = {.n = n, .p = p, .S = S, .c1 = c1, .c2 = c2, .cluster = cluster, .h = opt->cutoff};
    int rc = check_inputs(ctx, n, c1, c2, period, unit, cluster, opt, &sp.haversine, &sp.bartlett);
    if (rc) return rc;
    memset(meat, 0, p * p * sizeof *meat);
    size_t pairs = 0;
    row_key *rk = ks__malloc_array(ctx, n ? n : 1, sizeof *rk);
    size_t *rows = ks__malloc_array(ctx, n ? n : 1, sizeof *rows);
    cell_point *pts = ks__malloc_array(ctx, n ? n : 1, sizeof *pts);
    double *a = ks__malloc_array(ctx, p ? p : 1, sizeof *a);
    if (sp.haversine) {
        sp.xyz = ks__malloc_array(ctx, n ? n : 1, 3 * sizeof *sp.xyz);
        sp.coslat = ks__malloc_array(ctx, n ? n : 1, sizeof *sp.coslat);
    }
    if (!rk || !rows || !pts || !a || (sp.haversine && (!sp.xyz || !sp.coslat))) {
        rc = KS_ENOMEM;
        goto done;
    }
    if (unit && cluster && (rc = check_cluster_in_unit(ctx, n, unit, cluster, rk))) goto done;
    if (sp.haversine) {
        for (size_t i = 0; i < n; i++) {
            const double la = c1[i] * DEG, lo = c2[i] * DEG;
            sp.coslat[i] = cos(la);
            sp.xyz[3 * i] = cos(la) * cos(lo);
            sp.xyz[3 * i + 1] = cos(la) * sin(lo);
            sp.xyz[3 * i + 2] = sin(la);
        }
        /* the chord of the arc h (at most the diameter), with slack for rounding */
        const double arc = fmin(sp.h / EARTH_RADIUS_KM, 3.14159265358979323846);
        sp.cell = 2.0 * sin(arc / 2.0) * (1.0 + 1e-9) + 1e-14;
        sp.org[0] = sp.org[1] = sp.org[2] = -1.0;
    } else {
        double lo1 = INFINITY, lo2 = INFINITY, hi1 = -INFINITY, hi2 = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            lo1 = fmin(lo1, c1[i]), hi1 = fmax(hi1, c1[i]);
            lo2 = fmin(lo2, c2[i]), hi2 = fmax(hi2, c2[i]);
        }
        sp.org[0] = lo1, sp.org[1] = lo2, sp.org[2] = 0.0;
        /* a wider cell only adds candidates; keep the cell indices well inside int64 */
        const double span = n ? fmax(hi1 - lo1, hi2 - lo2) : 0.0;
        sp.cell = fmax(sp.h * (1.0 + 1e-9), span * 1e-15);
    }
    /* the blocks: rows sorted by period (one block without periods) */
    for (size_t i = 0; i < n; i++) rk[i] = (row_key){period ? period[i] : 0, 0, i};
    qsort(rk, n, sizeof *rk, row_key_cmp);
    for (size_t b = 0; b < n;) {
        size_t e = b;
        while (e < n && rk[e].k1 == rk[b].k1) {
            rows[e - b] = rk[e].row;
            e++;
        }
        spatial_block(&sp, rows, e - b, pts, a, meat, &pairs);
        b = e;
    }
    if (opt->lag_cutoff > 0) serial_part(n, p, S, period, unit, opt->lag_cutoff, rk, meat);
    /* the sum is symmetric up to rounding: make it exactly so */
    for (size_t l = 0; l < p; l++)
        for (size_t k = l + 1; k < p; k++) {
            const double v = 0.5 * (meat[k + l * p] + meat[l + k * p]);
            meat[k + l * p] = meat[l + k * p] = v;
        }
    if (npairs) *npairs = pairs;
done:
    ks__free(ctx, rk);
    ks__free(ctx, rows);
    ks__free(ctx, pts);
    ks__free(ctx, a);
    ks__free(ctx, sp.xyz);
    ks__free(ctx, sp.coslat);
    return rc;
}
