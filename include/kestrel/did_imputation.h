/* did_imputation.h — the imputation family of staggered difference-in-differences estimators:
 * Borusyak, Jaravel & Spiess (2024) (R didimputation, diff-diff ImputationDiD) and Gardner's
 * two-stage DiD (2022) (R did2s, diff-diff TwoStageDiD).
 *
 * Both fit y = a_unit + b_period (+ x'd) on the untreated observations (never-treated units and the
 * periods of treated units before first_treat - anticipation), impute Y(0) for every treated
 * observation and average tau_it = y_it - Y(0)_it with target weights w (the overall ATT: all
 * treated observations; an event-study horizon h: those with t - g = h; a cohort: those of the
 * cohort). The two estimates coincide; the variances differ:
 *  - imputation: BJS's conservative variance (Theorem 3): sum over clusters of
 *    (sum_i v_i e_i)^2, v_i = w_i on treated observations and v = -Z0 (Z0'Z0)^-1 Z1' w on the
 *    untreated ones (Z the fixed-effect and covariate design), e_i the first-stage residual on
 *    untreated observations and tau_it - tau~_p on treated ones, tau~_p the v^2-weighted mean of
 *    tau over the auxiliary partition cell p (cohort x horizon by default, as R didimputation);
 *  - two-stage: Gardner's GMM sandwich (did2s's analytical SE, no small-sample factor): the same
 *    sum with e_i = tau_it - estimate on treated observations.
 * The first stage is solved exactly (the unit effects eliminated in closed form, the period
 * effects and covariates by a Cholesky solve of their Schur complement), not by iterated
 * demeaning. Single-threaded apart from the bootstrap, whose draws come from counter-based
 * streams keyed by (seed, draw, cluster): results are identical for any thread count.
 *
 * Thread-safe on distinct ctx. */
#ifndef KESTREL_DID_IMPUTATION_H
#define KESTREL_DID_IMPUTATION_H

#include "kestrel/did.h"

#ifdef __cplusplus
extern "C" {
#endif

/* BJS's auxiliary partition of the treated observations for tau~ (diff-diff's aux_partition):
 * "cohort_horizon" (default; R didimputation), "cohort", "horizon". */
typedef enum {
    KS_DID_AUX_COHORT_HORIZON = 0,
    KS_DID_AUX_COHORT = 1,
    KS_DID_AUX_HORIZON = 2
} ks_did_aux_partition;
KS_API const char *ks_did_aux_partition_name(ks_did_aux_partition value);
KS_API int ks_did_aux_partition_value(ks_ctx *ctx, const char *name,
                                      ks_did_aux_partition *out) KS_RESULT_USED;

typedef struct {
    int anticipation;              /* periods of anticipation; default 0 */
    const char *const *covariates; /* NULL-terminated column names (time-varying), or NULL */
    const char *cluster;           /* cluster column; NULL: the unit */
    double alpha;                  /* default 0.05 */
    int horizon_max;               /* event study: only |h| <= horizon_max; -1 (default): all */
    int balance_e;                 /* event study: only cohorts observed at every horizon in
                                      [-balance_e, max h]; -1 (default): all cohorts */
    ks_did_aux_partition aux_partition; /* imputation only */
    int pretrends;                      /* 1: the event study adds the pre-treatment horizons */
    int strict;                         /* 1: fail when a treated observation cannot be imputed (its
                                           unit or period has no untreated observation); 0 (default):
                                           leave it out (tau NaN) and log a warning */
    int n_bootstrap;                  /* multiplier bootstrap draws over clusters; 0: analytical */
    ks_did_boot_weights boot_weights; /* default Rademacher */
    uint64_t seed;
} ks_did_imputation_options;
#define KS_DID_IMPUTATION_OPTIONS_INIT                                                             \
    {                                                                                              \
        0, NULL, NULL, 0.05, -1, -1, KS_DID_AUX_COHORT_HORIZON, 0, 0, 0, KS_DID_BOOT_RADEMACHER, 0 \
    }

typedef struct ks_did_imputation ks_did_imputation; /* opaque */

/* Fit on the panel in `t` (borrowed): `outcome`, `unit` (any key column), `time`, `first_treat`
 * (0, Inf or empty: never treated; constant within a unit — the first value is used, with a
 * logged warning, where it is not). Rows missing the outcome or a covariate are left out (logged).
 * Fails, naming the column, for a missing column, no treated or no untreated observation, a
 * singular first stage (collinear covariates), fewer than 2 clusters. */
KS_API int ks_did_imputation_fit(ks_ctx *ctx, const ks_table *t, const char *outcome,
                                 const char *unit, const char *time, const char *first_treat,
                                 const ks_did_imputation_options *opt,
                                 ks_did_imputation **out) KS_RESULT_USED;
KS_API int ks_did_two_stage_fit(ks_ctx *ctx, const ks_table *t, const char *outcome,
                                const char *unit, const char *time, const char *first_treat,
                                const ks_did_imputation_options *opt,
                                ks_did_imputation **out) KS_RESULT_USED;
KS_API void ks_did_imputation_free(ks_did_imputation *r); /* NULL is fine */

/* One block of estimates (arrays of n owned by the result). Inference is normal (diff-diff);
 * with the bootstrap, se is the draws' standard deviation, the interval their percentiles and
 * the p-value the percentile p-value (diff-diff's definitions). */
typedef struct {
    size_t n;
    const double *key; /* the horizon (event study) or cohort (groups) */
    const double *att, *se, *tstat, *pvalue, *ci_lower, *ci_upper;
    const double *nobs; /* treated (or, for leads, untreated) observations averaged */
} ks_did_imputation_block;

typedef struct {
    double att, se, tstat, pvalue, ci_lower, ci_upper; /* the overall ATT */
    ks_did_imputation_block event_study;               /* horizons, increasing */
    ks_did_imputation_block groups;                    /* cohorts, increasing */
    /* the treated observations: input row, tau (NaN: not imputable), t - g, overall weight */
    size_t ntreated;
    const size_t *row;
    const double *tau, *rel, *weight;
    size_t nobs, n_treated_obs, n_untreated_obs, n_treated_units, n_control_units;
    size_t nclusters, nperiods, n_unimputable;
    int two_stage;      /* 1: Gardner's variance */
    int n_bootstrap;    /* 0: analytical inference */
    const double *boot; /* n_bootstrap draws of the overall ATT (shifted by it), or NULL */
} ks_did_imputation_view;
KS_API void ks_did_imputation_get(const ks_did_imputation *r, ks_did_imputation_view *out);

#ifdef __cplusplus
}
#endif

#endif
