/* did_conley.h — Conley (1999) spatial-HAC standard errors for the regression DiD estimators, as
 * diff-diff 3.13's vcov_type="conley" and R conleyreg (Düsterhöft 2021) define them.
 *
 * On the regression's design X (fixed effects partialled out) with residuals e and scores
 * s_i = x_i e_i, the variance is (X'X)^-1 M (X'X)^-1 with no small-sample factor, and the meat
 * is the panel block sum of conleyreg (lag_cutoff > 0) that diff-diff uses:
 *   M = sum_t sum_{i,j in period t} K(d_ij / h) 1(c_i = c_j) s_i s_j'                  (spatial)
 *     + sum_u sum_{i != j in unit u, 0 < |t_i - t_j| <= L} (1 - |t_i - t_j| / (L + 1)) s_i s_j'
 * where K is the Bartlett kernel max(0, 1 - u) or the uniform 1(u <= 1), d the great-circle
 * distance in km (haversine, Earth radius 6371.01 km, coordinates in degrees) or the euclidean
 * distance of the two coordinates, h the cutoff, c an optional cluster (the product kernel;
 * constant within units), t the period's rank among the sorted distinct periods (lags count
 * observed periods, as diff-diff; conleyreg differences raw values) and L the lag cutoff (0: no
 * serial part). Without a time column the spatial sum runs over all rows (a cross-section).
 *
 * The spatial sum visits only pairs within the cutoff: rows are bucketed on a grid of cells as
 * wide as the cutoff (3-D unit-sphere coordinates for haversine, so the poles and the date line
 * need no care) and each row scans the 3^d cells around its own, O(n + pairs) time and O(n)
 * memory. Deterministic (one thread); the numbers do not depend on the thread count. */
#ifndef KESTREL_DID_CONLEY_H
#define KESTREL_DID_CONLEY_H

#include "kestrel/did.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double cutoff;      /* h > 0: km for haversine, coordinate units for euclidean; required */
    const char *metric; /* "haversine" (default) or "euclidean" */
    const char *kernel; /* "bartlett" (default) or "uniform" */
    int lag_cutoff;     /* L >= 0; > 0 needs periods and units; default 0 */
} ks_conley_options;
#define KS_CONLEY_OPTIONS_INIT                                                                     \
    {                                                                                              \
        0.0, "haversine", "bartlett", 0                                                            \
    }

/* The meat M (p x p, column-major, into the caller's meat) of the n x p scores S (column-major)
 * at coordinates (c1, c2) (haversine: latitude, longitude in degrees); period: dense codes
 * 0..T-1 in time order, or NULL (one block); unit, cluster: codes >= 0, or NULL. *npairs (if
 * not NULL) gets the pairs of rows i < j that share a period (and cluster) and lie within the
 * cutoff. KS_EINVAL naming the argument for a cutoff that is not > 0, an unknown metric or
 * kernel, a negative lag, L > 0 without period or unit, coordinates not finite or (haversine)
 * outside [-90, 90] x [-180, 180], a negative code, or a cluster that varies within a unit. */
KS_API int ks_conley_meat(ks_ctx *ctx, size_t n, size_t p, const double *S, const double *c1,
                          const double *c2, const int64_t *period, const int64_t *unit,
                          const int64_t *cluster, const ks_conley_options *opt, double *meat,
                          size_t *npairs) KS_RESULT_USED;

/* The regression `formula` (ks_feols_fit's syntax and rows: NA rows and fixed-effect
 * singletons removed) with the Conley variance. */
typedef struct ks_did_conley_options {
    const char *lat, *lon; /* the coordinate columns (euclidean: any two); required */
    const char *time;      /* the period column (numeric or text, sorted), or NULL */
    const char *unit;      /* the unit column (the serial part), or NULL */
    const char *cluster;   /* the cluster column of the product kernel, or NULL */
    ks_conley_options conley;
} ks_did_conley_options;
#define KS_DID_CONLEY_OPTIONS_INIT                                                                 \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL, KS_CONLEY_OPTIONS_INIT                                       \
    }
typedef struct {
    size_t ncoef;             /* the fit's terms, in its order */
    const char *const *names; /* as ks_feols_get names them */
    const double *coef, *se;  /* NaN for a term dropped as collinear */
    const double *vcov;       /* ncoef x ncoef column-major, NaN rows/columns for dropped terms */
    double df;                /* n - K (the fixed-effect levels counted): the t tests' */
    size_t nobs, npairs;      /* rows used; spatial pairs within the cutoff (ks_conley_meat) */
} ks_did_conley_view;
typedef struct ks_did_conley ks_did_conley; /* opaque */
KS_API int ks_did_conley_fit(ks_ctx *ctx, const ks_table *t, const char *formula,
                             const ks_did_conley_options *opt, ks_did_conley **out) KS_RESULT_USED;
KS_API void ks_did_conley_get(const ks_did_conley *r, ks_did_conley_view *out);
KS_API void ks_did_conley_free(ks_did_conley *r); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
