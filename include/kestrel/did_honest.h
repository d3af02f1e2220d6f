/* did_honest.h — HonestDiD (Rambachan & Roth 2023, "A More Credible Approach to Parallel
 * Trends"): confidence sets for theta = l'tau_post that stay valid when parallel trends fails by
 * a bounded amount, as R's HonestDiD package (0.2.8) computes them.
 *
 * Restrictions on the trend difference delta: smoothness Delta^SD(M) (second differences at most
 * M), relative magnitudes Delta^RM(Mbar) (post-period first differences at most Mbar times the
 * largest pre-period one) and Delta^SDRM(Mbar) (the same for second differences). Intervals: the
 * fixed-length CI (FLCI, smoothness; R's createSensitivityResults default) and the conditional,
 * conditional-FLCI ("C-F", smoothness) and conditional-least-favourable ("C-LF") hybrid
 * moment-inequality tests of Andrews, Roth & Pakes inverted on a grid (R's
 * createSensitivityResults(method = ...) and createSensitivityResults_relativeMagnitudes, whose
 * default is C-LF). With one post period the tests have no nuisance parameter (R's
 * .APR_computeCI_NoNuis); l_vec must then be 1.
 *
 * Grids as R's: relative magnitudes -+20 sd(l'betahat_post); smoothness the identified set at
 * beta = 0 -+20 sd (Conditional, C-LF) or the FLCI at size alpha / 10 (C-F).
 *
 * Inputs: betahat (npre + npost, pre-periods first, the reference period left out) and sigma
 * ((npre + npost)^2, column-major). The grid-inverted intervals are grid points: R's grid
 * (grid_points = 1000) gives R's interval exactly. The C-LF
 * hybrid's critical value is R's, from the same 1000 draws of R's generator (set.seed(0)).
 * The FLCI's critical value is the exact folded-normal quantile (R estimates it from 10^6
 * draws). Results are identical for any thread count (the grid is split over threads). */
#ifndef KESTREL_DID_HONEST_H
#define KESTREL_DID_HONEST_H

#include <stddef.h>

#include "kestrel/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KS_HONEST_SD = 0,  /* smoothness, Delta^SD(M) */
    KS_HONEST_RM = 1,  /* relative magnitudes, Delta^RM(Mbar) */
    KS_HONEST_SDRM = 2 /* relative magnitudes of the deviation from a linear trend (R's bound =
                        * "deviation from linear trend"): post second differences at most Mbar
                        * times the largest pre-period one; needs 2+ pre periods */
} ks_honest_delta;
typedef enum {
    KS_HONEST_FLCI = 0,        /* smoothness only */
    KS_HONEST_CONDITIONAL = 1, /* ARP conditional test */
    KS_HONEST_C_LF = 2,        /* conditional-least-favourable hybrid (kappa = alpha / 10) */
    KS_HONEST_C_F = 3          /* conditional-FLCI hybrid (smoothness; kappa = alpha / 10) */
} ks_honest_ci;

/* names: "SD", "RM", "SDRM"; "FLCI", "Conditional", "C-LF", "C-F" (R's spellings) */
KS_API const char *ks_honest_delta_name(ks_honest_delta value);
KS_API int ks_honest_delta_value(ks_ctx *ctx, const char *name,
                                 ks_honest_delta *out) KS_RESULT_USED;
KS_API const char *ks_honest_ci_name(ks_honest_ci value);
KS_API int ks_honest_ci_value(ks_ctx *ctx, const char *name, ks_honest_ci *out) KS_RESULT_USED;

typedef struct {
    ks_honest_delta delta;
    ks_honest_ci method;
    size_t num_pre, num_post;
    const double *betahat;   /* num_pre + num_post */
    const double *sigma;     /* (num_pre + num_post)^2, column-major, symmetric */
    const double *l_vec;     /* num_post; NULL: the first post period (R's default) */
    double alpha;            /* default 0.05 (0 means default) */
    size_t grid_points;      /* grid-inverted sets; 0: 1000 (R's) */
    double grid_lb, grid_ub; /* NaN: R's grid ends (above) */
} ks_did_honest_args;

/* The robust interval [lb[i], ub[i]] for each of the n_m restriction sizes m[i] (M for
 * smoothness, Mbar for relative magnitudes). An empty grid-inverted set gives lb = +Inf,
 * ub = -Inf, as R's min/max of nothing. KS_EINVAL for a bad argument (named). */
KS_API int ks_did_honest(ks_ctx *ctx, const ks_did_honest_args *args, const double *m, size_t n_m,
                         double *lb, double *ub) KS_RESULT_USED;

/* The identified set of theta for each m[i] with delta_pre pinned at betahat_pre (R's
 * .compute_IDset_DeltaSD / .compute_IDset_DeltaRM; args->method is not used). Where the
 * polyhedron is empty (the pre-period trend itself breaks the restriction) R reports the point
 * l'betahat_post, and so does this. */
KS_API int ks_did_honest_idset(ks_ctx *ctx, const ks_did_honest_args *args, const double *m,
                               size_t n_m, double *lb, double *ub) KS_RESULT_USED;

/* R's constructOriginalCS: l'betahat_post -+ z_{1-alpha/2} sd. */
KS_API int ks_did_honest_original(ks_ctx *ctx, const ks_did_honest_args *args, double *lb,
                                  double *ub) KS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
