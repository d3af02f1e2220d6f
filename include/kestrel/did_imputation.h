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
#include "kestrel/did_stacked.h" /* ks_did_df_convention */

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
    int leave_one_out; /* imputation: 1 for BJS's leave-out residuals (Supp. App. A.9; Stata
                          did_imputation's leaveout): each unit's auxiliary cell effect
                          leaves the unit out; default 0 (R didimputation) */
    int pretrends;     /* 1: the event study adds the pre-treatment horizons: the imputation
                          estimator BJS's lead coefficients (ks_did_imputation_pretrend_test,
                          restricted by horizon_max and balance_e), the two-stage estimator the
                          mean residualized outcome of each lead (did2s) */
    ks_did_df_convention df_convention; /* imputation pretrends: the t degrees of freedom of
                                           the leads' tests: residual (default), cluster
                                           (G - 1, fixest) or normal */
    int strict;                         /* 1: fail when a treated observation cannot be imputed (its
                                           unit or period has no untreated observation); 0 (default):
                                           leave it out (tau NaN) and log a warning */
    int n_bootstrap;                  /* multiplier bootstrap draws over clusters; 0: analytical */
    ks_did_boot_weights boot_weights; /* default Rademacher */
    uint64_t seed;
} ks_did_imputation_options;
#define KS_DID_IMPUTATION_OPTIONS_INIT                                                             \
    {                                                                                              \
        0, NULL, NULL, 0.05, -1, -1, KS_DID_AUX_COHORT_HORIZON, 0, 0, KS_DF_RESIDUAL, 0, 0,        \
            KS_DID_BOOT_RADEMACHER, 0                                                              \
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
    size_t n_leads; /* imputation with pretrends: the first n_leads event-study entries are
                       BJS's lead coefficients (t(lead_df) inference, analytical even with
                       the bootstrap) */
    double lead_df; /* their t degrees of freedom (0: normal) */
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
    /* two-stage with analytical inference: the GMM covariance of the event-study coefficients
       (event_study.n squared, row-major; its diagonal the squared SEs); else NULL */
    const double *event_study_vcov;
} ks_did_imputation_view;
KS_API void ks_did_imputation_get(const ks_did_imputation *r, ks_did_imputation_view *out);

/* BJS's pre-trend test (Test 1, eq. 9; R didimputation's pretrends): the first stage on the
 * untreated observations with lead indicators 1[t - g = h] for h < -anticipation other than
 * the reference -1 - anticipation (the n_leads nearest the treatment; -1: all), their
 * coefficients with fixest's cluster-robust CR1 variance (fixed effects nested in the clusters
 * not counted; opt->cluster, default the unit) and the joint Wald test F = g'V^-1 g / q
 * against F(q, G - 1), G the clusters with untreated observations. Per-lead t, p and interval
 * use t(df) by opt->df_convention. A lead collinear with the fixed effects (or earlier leads)
 * is dropped (NaN; logged, or an error with opt->strict). No leads: n 0, F NaN. */
typedef struct ks_did_imputation_leads ks_did_imputation_leads; /* opaque */
typedef struct {
    size_t n;          /* leads, h increasing */
    const double *key; /* h */
    const double *coef, *se, *tstat, *pvalue, *ci_lower, *ci_upper;
    const double *nobs; /* observations of each lead */
    const double *vcov; /* n x n (NaN rows and columns for dropped leads) */
    size_t n_dropped;
    double df;               /* t degrees of freedom of the per-lead tests (0: normal) */
    double df_resid;         /* untreated rows - leads kept - covariates - absorbed rank */
    double f_stat, f_pvalue; /* the Wald test of the kept leads (NaN: none) */
    double f_df1, f_df2;     /* q and G - 1 */
    size_t nclusters;        /* clusters with untreated observations */
} ks_did_imputation_leads_view;
KS_API int ks_did_imputation_pretrend_test(ks_ctx *ctx, const ks_table *t, const char *outcome,
                                           const char *unit, const char *time,
                                           const char *first_treat,
                                           const ks_did_imputation_options *opt, int n_leads,
                                           ks_did_imputation_leads **out) KS_RESULT_USED;
KS_API void ks_did_imputation_leads_free(ks_did_imputation_leads *r); /* NULL is fine */
KS_API void ks_did_imputation_leads_get(const ks_did_imputation_leads *r,
                                        ks_did_imputation_leads_view *out);

#ifdef __cplusplus
}
#endif

#endif
