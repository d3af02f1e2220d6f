/* did_stacked.h — stacked difference-in-differences (Wing, Freedman & Hollingsworth 2024) and
 * the two-period triple difference (Ortiz-Villavicencio & Sant'Anna 2025), with diff-diff's
 * StackedDiD / TripleDifference definitions and R's numbers.
 *
 * Stacked DiD: one sub-experiment per adoption cohort a kept by the inclusion criteria (its
 * event window [a - kappa_pre - anticipation, a + kappa_post] inside the observed periods, and
 * clean controls existing), holding the cohort's units and its clean controls over that
 * window; the controls' corrective weights Q (Table 1 of the paper; 'aggregate' from the
 * (event time, sub-experiment) counts as the authors' R code computes them); then the weighted
 * event-study regression y ~ D + sum_h 1(e = h) + sum_h D 1(e = h) (h != -1 - anticipation)
 * (saturated in the (D, e) cells: cell means in closed form, kestrel's regression when a cell
 * has no weight), with cluster-robust (CR1, Stata's G/(G-1) (n-1)/(n-k)) standard
 * errors by unit or by unit x sub-experiment; the overall ATT averages the post-period
 * (h >= -anticipation) coefficients.
 *
 * Triple difference: rows are observations of a repeated cross-section with group G (1:
 * treated), partition P (1: eligible) and post (1: after); the ATT is DiD(4 vs 3) + DiD(4 vs 2)
 * - DiD(4 vs 1) over the subgroups 4 = (1,1), 3 = (1,0), 2 = (0,1), 1 = (0,0), each a
 * repeated-cross-section DRDID estimator (reg, ipw or dr) on the two subgroups' rows; the
 * standard error from the combined influence function (R triplediff's ddd, panel = FALSE), or
 * clustered (Liang-Zeger on the cluster sums, as diff-diff). */
#ifndef KESTREL_DID_STACKED_H
#define KESTREL_DID_STACKED_H

#include "kestrel/did.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KS_STACKED_AGGREGATE = 0,
    KS_STACKED_POPULATION = 1,
    KS_STACKED_SAMPLE_SHARE = 2
} ks_did_stacked_weighting;
/* "aggregate", "population", "sample_share" */
KS_API const char *ks_did_stacked_weighting_name(ks_did_stacked_weighting value);
KS_API int ks_did_stacked_weighting_value(ks_ctx *ctx, const char *name,
                                          ks_did_stacked_weighting *out) KS_RESULT_USED;

typedef enum {
    KS_STACKED_NOT_YET_TREATED = 0, /* first treated after a + kappa_post (or never) */
    KS_STACKED_STRICT = 1,          /* after a + kappa_post + kappa_pre (or never) */
    KS_STACKED_NEVER_TREATED = 2
} ks_did_stacked_control;
/* "not_yet_treated", "strict", "never_treated" */
KS_API const char *ks_did_stacked_control_name(ks_did_stacked_control value);
KS_API int ks_did_stacked_control_value(ks_ctx *ctx, const char *name,
                                        ks_did_stacked_control *out) KS_RESULT_USED;

typedef enum {
    KS_STACKED_CLUSTER_UNIT = 0,
    KS_STACKED_CLUSTER_UNIT_SUBEXP = 1
} ks_did_stacked_cluster;
/* "unit", "unit_subexp" */
KS_API const char *ks_did_stacked_cluster_name(ks_did_stacked_cluster value);
KS_API int ks_did_stacked_cluster_value(ks_ctx *ctx, const char *name,
                                        ks_did_stacked_cluster *out) KS_RESULT_USED;

typedef enum { KS_DF_RESIDUAL = 0, KS_DF_CLUSTER = 1, KS_DF_NORMAL = 2 } ks_did_df_convention;
/* "residual" (n - k, rows with positive weight), "cluster" (G - 1), "normal" */
KS_API const char *ks_did_df_convention_name(ks_did_df_convention value);
KS_API int ks_did_df_convention_value(ks_ctx *ctx, const char *name,
                                      ks_did_df_convention *out) KS_RESULT_USED;

typedef struct {
    int kappa_pre, kappa_post; /* event window; default 1, 1 */
    int anticipation;          /* default 0 */
    ks_did_stacked_weighting weighting;
    ks_did_stacked_control control_group;
    ks_did_stacked_cluster cluster;
    ks_did_df_convention df_convention;
    const char *population; /* weighting 'population': the column of unit populations */
    double alpha;           /* default 0.05 */
} ks_did_stacked_options;
#define KS_DID_STACKED_OPTIONS_INIT                                                                \
    {                                                                                              \
        1, 1, 0, KS_STACKED_AGGREGATE, KS_STACKED_NOT_YET_TREATED, KS_STACKED_CLUSTER_UNIT,        \
            KS_DF_RESIDUAL, NULL, 0.05                                                             \
    }

typedef struct {
    size_t nevent;             /* estimated event times (the reference left out) */
    const double *event_time;  /* increasing */
    const double *effect, *se; /* delta_h and its standard error */
    const double *tstat, *pvalue, *ci_lower, *ci_upper;
    const double *n_obs; /* treated stacked rows at each event time */
    const double *vcov;  /* nevent x nevent, column-major */
    double ref;          /* the reference event time, -1 - anticipation */
    double att, att_se, att_tstat, att_pvalue, att_ci_lower, att_ci_upper;
    double df; /* t degrees of freedom (0: the normal) */
    size_t ngroups, ntrimmed, nperiods;
    const double *groups, *trimmed; /* cohorts kept / trimmed, increasing */
    const double *periods;          /* the periods of the data, increasing */
    size_t nobs, nstack;            /* rows of the data; stacked rows */
    size_t n_sub_experiments, n_treated_units, n_control_units, nclusters;
    /* the stacked rows: each one's row in the table, sub-experiment (its cohort), event time,
     * treatment indicator and corrective weight Q */
    const size_t *stack_row;
    const double *stack_sub_exp, *stack_event_time, *stack_treated, *stack_weight;
} ks_did_stacked_view;
typedef struct ks_did_stacked ks_did_stacked;
/* first_treat: the period a unit is first treated; 0, empty or Inf: never treated. Rows with a
 * missing outcome are left out (logged). */
KS_API int ks_did_stacked_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                              const char *time, const char *first_treat,
                              const ks_did_stacked_options *opt,
                              ks_did_stacked **out) KS_RESULT_USED;
KS_API void ks_did_stacked_get(const ks_did_stacked *r, ks_did_stacked_view *out);
KS_API void ks_did_stacked_free(ks_did_stacked *r); /* NULL is fine */

typedef struct {
    ks_did_method method;          /* dr (default), ipw, reg */
    const char *const *covariates; /* NULL-terminated, or NULL */
    const char *cluster;           /* column for clustered standard errors, or NULL */
    double alpha;                  /* default 0.05 */
    int pscore_fallback;           /* 1: a pair whose propensity logit cannot be estimated uses
                                      the unconditional score (ks_did_cs_options') */
} ks_did_ddd_options;
#define KS_DID_DDD_OPTIONS_INIT                                                                    \
    {                                                                                              \
        KS_DID_DR, NULL, NULL, 0.05, 0                                                             \
    }
typedef struct {
    double att, se, tstat, pvalue, ci_lower, ci_upper; /* normal-theory test and interval */
    double did[3];   /* the DiDs of subgroup 4 against 3, 2 and 1 */
    double means[8]; /* outcome means of (G, P, post), index 4 G + 2 P + post */
    size_t nobs;
    size_t n_cell[4];  /* rows with (G, P) = (1,1), (1,0), (0,1), (0,0) */
    size_t nclusters;  /* 0 without clustering */
    size_t n_near_one; /* controls with a propensity score >= 0.99 (limited overlap) */
    size_t ncov;       /* covariates used: those given less the ones R triplediff's checks drop
                          as collinear (globally, or within a comparison; logged) */
    const double *inf; /* nobs: the combined influence function */
} ks_did_ddd_view;
typedef struct ks_did_ddd ks_did_ddd;
/* group, partition and post: 0/1 columns. Rows with a missing value are an error naming it. */
KS_API int ks_did_ddd_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *group,
                          const char *partition, const char *post, const ks_did_ddd_options *opt,
                          ks_did_ddd **out) KS_RESULT_USED;
KS_API void ks_did_ddd_get(const ks_did_ddd *r, ks_did_ddd_view *out);
KS_API void ks_did_ddd_free(ks_did_ddd *r); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
