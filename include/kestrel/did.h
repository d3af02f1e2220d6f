/* did.h — difference-in-differences with staggered adoption: Callaway & Sant'Anna (2021) group-time
 * average treatment effects, their aggregations and inference, as R's did (att_gt + aggte) computes
 * them.
 *
 * Each ATT(g,t) compares the cohort first treated in period g with a control group (never treated,
 * or not yet treated by the later of t and the base period) between period t and a base period:
 * the period before t ("varying") or the last period before g - anticipation ("universal"). The
 * 2x2 comparison is the doubly robust estimator of Sant'Anna & Zhao (2020) (dr), inverse
 * probability weighting with normalized weights (ipw) or the outcome regression (reg), on
 * covariates taken in the earlier of the two periods. Standard errors come from the influence
 * functions (analytical, optionally clustered by a coarser variable) or from the multiplier
 * bootstrap with Rademacher, Mammen or Webb weights drawn from counter-based streams keyed by
 * (seed, draw, unit or cluster): identical for any thread count.
 *
 * Thread-safe on distinct ctx. */
#ifndef KESTREL_DID_H
#define KESTREL_DID_H

#include <math.h>

#include "kestrel/base.h"
#include "kestrel/regress.h"
#include "kestrel/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { KS_DID_NEVER_TREATED = 0, KS_DID_NOT_YET_TREATED = 1 } ks_did_control;
typedef enum { KS_DID_DR = 0, KS_DID_IPW = 1, KS_DID_REG = 2 } ks_did_method;
typedef enum { KS_DID_BASE_VARYING = 0, KS_DID_BASE_UNIVERSAL = 1 } ks_did_base;
typedef enum {
    KS_DID_BOOT_RADEMACHER = 0,
    KS_DID_BOOT_MAMMEN = 1,
    KS_DID_BOOT_WEBB = 2
} ks_did_boot_weights;

/* The names of these enumerations (base.h): "never_treated" (alias "nevertreated"),
 * "not_yet_treated" ("notyettreated"); "dr", "ipw", "reg"; "varying", "universal";
 * "rademacher", "mammen", "webb". */
KS_API const char *ks_did_control_name(ks_did_control value);
KS_API int ks_did_control_value(ks_ctx *ctx, const char *name, ks_did_control *out) KS_RESULT_USED;
KS_API const char *ks_did_method_name(ks_did_method value);
KS_API int ks_did_method_value(ks_ctx *ctx, const char *name, ks_did_method *out) KS_RESULT_USED;
KS_API const char *ks_did_base_name(ks_did_base value);
KS_API int ks_did_base_value(ks_ctx *ctx, const char *name, ks_did_base *out) KS_RESULT_USED;
KS_API const char *ks_did_boot_weights_name(ks_did_boot_weights value);
KS_API int ks_did_boot_weights_value(ks_ctx *ctx, const char *name,
                                     ks_did_boot_weights *out) KS_RESULT_USED;

typedef struct {
    ks_did_control control_group; /* default never treated */
    ks_did_method method;         /* default dr */
    ks_did_base base_period;      /* default varying */
    int anticipation;             /* periods of anticipation; default 0 */
    const char *const *covariates; /* NULL-terminated column names, or NULL (intercept only) */
    const char *weights;          /* sampling weights column, or NULL */
    const char *cluster;          /* a variable coarser than the unit, constant within unit; NULL */
    double alpha;                 /* default 0.05 */
    int n_bootstrap;              /* multiplier bootstrap draws; 0 = analytical SEs (default) */
    ks_did_boot_weights boot_weights; /* default Rademacher */
    uint64_t seed;                /* bootstrap seed; default 0 */
    int cband;                    /* 1: uniform (sup-t) bands; needs n_bootstrap > 0 */
    int panel;                    /* 1 (default): panel data; 0: repeated cross-sections (each
                                     row its own observation; `id` may be NULL) */
    int allow_unbalanced_panel;   /* 1: keep units missing some periods (R's estimator for
                                     unbalanced panels); default 0: drop them */
    double pscore_trim;           /* NaN (default): R DRDID's rule (scores capped at 1 - 1e-6,
                                     controls with a score >= 0.995 get no weight); in (0, 0.5):
                                     scores clipped to [trim, 1 - trim], no control dropped
                                     (diff-diff's pscore_trim) */
    int pscore_fallback;          /* 0 (default): a cell whose propensity logit cannot be
                                     estimated (singular Hessian: collinear covariates or
                                     separation) is NaN with a warning, as in R; 1: that cell
                                     uses the unconditional score, the (weighted) share treated,
                                     with a warning (diff-diff's pscore_fallback='unconditional';
                                     dr keeps the covariates in its outcome regression) */
} ks_did_cs_options;
#define KS_DID_CS_OPTIONS_INIT                                                                     \
    {                                                                                              \
        KS_DID_NEVER_TREATED, KS_DID_DR, KS_DID_BASE_VARYING, 0, NULL, NULL, NULL, 0.05, 0,        \
            KS_DID_BOOT_RADEMACHER, 0, 0, 1, 0, NAN, 0                                             \
    }

typedef struct ks_did_cs ks_did_cs; /* a fitted set of group-time effects; opaque */

/* Estimate every ATT(g,t) on the panel in `t` (borrowed; not kept after return): outcome `y`,
 * period `time`, unit `id`, first treated period `group` (0, Inf or a period after the last + the
 * anticipation: never treated). The panel must be balanced after rows with NA in a used column
 * are removed (such rows, and units then missing a period, are removed and reported through the
 * log callback). Units treated in the first period are removed and reported, as R's did does.
 * On success *out owns the result: free it with ks_did_cs_free. */
KS_API int ks_did_cs_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *time,
                         const char *id, const char *group, const ks_did_cs_options *opt,
                         ks_did_cs **out) KS_RESULT_USED;
KS_API void ks_did_cs_free(ks_did_cs *r); /* NULL is fine */

/* The group-time effects, arrays of ncell entries owned by the result. */
typedef struct {
    size_t ncell;
    const double *group, *time; /* cohort and period of each cell, ordered by group, then time */
    const double *att, *se;     /* se NaN where the influence function is zero (R's NA) */
    const double *tstat, *pvalue;      /* normal tests; NaN without a positive se */
    const double *ci_lower, *ci_upper; /* att -+ crit se */
    const int *post;            /* 1 for t >= g */
    const size_t *n_treated, *n_control; /* units in the cell's 2x2 comparison */
    size_t nunits;              /* units used */
    size_t nperiods;
    size_t nclusters;           /* clusters of the variance (the units unless `cluster` set) */
    double crit;                /* critical value of the cells' bands: normal, or sup-t */
    int uniform;                /* 1: crit is the bootstrap's sup-t (cband; NaN when the draws
                                   give none), 0: the normal quantile (pointwise bands) */
    const size_t *unit_row; /* for each unit (in the fit's unit order), its first input row */
    size_t nobs;            /* rows used (observations) */
    size_t n_treated_units, n_control_units; /* units of a treated cohort / never treated */
    int used_rc;         /* 1: an unbalanced panel estimated as repeated cross-sections
                            (allow_unbalanced_panel) */
    const double *draws; /* with the bootstrap: the cells' draws, n_bootstrap x ncell
                            column-major; draw_scale * draws is each draw's deviation from
                            the estimate. NULL without the bootstrap */
    double draw_scale;
    int n_bootstrap;
} ks_did_cs_view;
KS_API void ks_did_cs_get(const ks_did_cs *r, ks_did_cs_view *out);
/* R did's Wald pre-test of parallel trends: W = n att' V^-1 att over the pre-treatment cells
 * (group > time) with a standard error, V their influence functions' covariance (cluster sums
 * with a cluster variable); p = P(chi2_df > W). NaN (and a logged reason) when there is no
 * pre-treatment cell, V is singular, or a cluster variable is combined with the bootstrap. R
 * rounds the p-value to 5 digits; this is the unrounded value. */
typedef struct {
    double stat, pvalue;
    size_t df;
} ks_did_cs_pretest_estimate;
KS_API int ks_did_cs_pretest(ks_ctx *ctx, const ks_did_cs *r,
                             ks_did_cs_pretest_estimate *out) KS_RESULT_USED;

/* The influence functions of the cells, nunits x ncell column-major into out (caller's, out_len
 * doubles), rows in the fit's unit order (unit_row maps them to the input); R's inffunc * 1.
 * KS_EINVAL, naming the size needed, when out_len is smaller than nunits x ncell. */
KS_API int ks_did_cs_inffunc(ks_ctx *ctx, const ks_did_cs *r, double *out,
                             size_t out_len) KS_RESULT_USED;

typedef enum {
    KS_DID_AGG_SIMPLE = 0,
    KS_DID_AGG_DYNAMIC = 1, /* event study */
    KS_DID_AGG_GROUP = 2,
    KS_DID_AGG_CALENDAR = 3
} ks_did_agg_type;
/* "simple", "event_study" (alias "dynamic", R's word), "group", "calendar". */
KS_API const char *ks_did_agg_type_name(ks_did_agg_type value);
KS_API int ks_did_agg_type_value(ks_ctx *ctx, const char *name,
                                 ks_did_agg_type *out) KS_RESULT_USED;

typedef struct {
    ks_did_agg_type type;
    double min_e, max_e; /* event-time window; default -Inf, Inf */
    int balance_e;       /* dynamic: keep cohorts observed at least this many periods after
                            treatment; -1 (default): no balancing */
} ks_did_agg_options;
#define KS_DID_AGG_OPTIONS_INIT                                                                    \
    {                                                                                              \
        KS_DID_AGG_SIMPLE, -HUGE_VAL, HUGE_VAL, -1                                                 \
    }

/* An aggregation of the cells (R's aggte). Arrays owned by the result. */
typedef struct {
    ks_did_agg_type type;
    double att, se;          /* the overall summary */
    double tstat, pvalue, ci_lower, ci_upper; /* its normal test and 1 - alpha interval */
    size_t n;                /* elements: event times, groups or periods (0 for simple) */
    const double *e, *att_e, *se_e;
    const double *tstat_e, *pvalue_e;      /* the elements' normal tests */
    const double *ci_lower_e, *ci_upper_e; /* and bands: att_e -+ crit se_e */
    double crit;             /* critical value of the elements' bands */
    int uniform;             /* 1: crit is the bootstrap's sup-t (cband), 0: the normal
                                quantile (pointwise; also when the sup-t is not usable) */
    const size_t *ncell_e;   /* cells averaged in each element (cohorts of an event time or a
                                period, post periods of a cohort) */
    const double *vcov;      /* n x n covariance of the elements: from their influence
                                functions (sum IF_j IF_k / N^2, over cluster sums with a
                                cluster), or with the bootstrap the covariance (n - 1 divisor)
                                of their draws */
    const double *draws;     /* with the bootstrap: n_bootstrap x (n + 1) column-major, each
                                draw's deviation from the estimate, the elements then the
                                overall effect; NULL without the bootstrap */
    int n_bootstrap;
} ks_did_agg_view;
typedef struct ks_did_agg ks_did_agg;

/* Aggregate the cells of `r` (borrowed, must outlive nothing: the aggregation copies what it
 * needs). Uses the result's inference (analytical or its bootstrap draws, its cluster and seed).
 * Free with ks_did_agg_free. */
KS_API int ks_did_cs_aggregate(ks_ctx *ctx, const ks_did_cs *r, const ks_did_agg_options *opt,
                               ks_did_agg **out) KS_RESULT_USED;
KS_API void ks_did_agg_get(const ks_did_agg *a, ks_did_agg_view *out);
KS_API void ks_did_agg_free(ks_did_agg *a); /* NULL is fine */

/* diff-diff's summary of bootstrap draws (its compute_effect_bootstrap_stats), for m effects:
 * the distribution of effect j is dist_bj = (centered ? est[j] : 0) + scale * draws[b + j B];
 * se its standard deviation (B - 1 divisor), the interval its alpha / 2 and 1 - alpha / 2
 * percentiles (linear interpolation, NumPy's default), the p-value 2 P(dist <= 0) for est >= 0
 * (P(dist >= 0) otherwise), at most 1 and at least 1 / (B_valid + 1). Non-finite draws are left
 * out; NaN everything when est is not finite, fewer than half the draws are finite, or the
 * distribution is constant. */
KS_API int ks_did_boot_summary(ks_ctx *ctx, const double *draws, size_t B, size_t m,
                               const double *est, int centered, double scale, double alpha,
                               double *se, double *ci_lower, double *ci_upper,
                               double *pvalue) KS_RESULT_USED;

/* The 2x2 regression y ~ d + p + d:p with d, p in {0, 1} (treatment group, post period), in
 * closed form from the four cell means: the same coefficients and variances as
 * ks_feols_fit(t, "y ~ d + p + d:p") with vcov iid, HC1 or CRV1 (fixest small-sample factors,
 * K = 4; t tests with n - 4 or G - 1 degrees of freedom), in two passes over the rows. Rows with
 * a missing value are left out (counted in n_na); other values of d or p are an error. */
typedef struct {
    ks_vcov_kind vcov;   /* iid, HC1 (default) or CRV1 */
    const char *cluster; /* CRV1's cluster column */
    double alpha;        /* intervals at level 1 - alpha; default 0.05 */
} ks_did_basic_options;
#define KS_DID_BASIC_OPTIONS_INIT                                                                  \
    {                                                                                              \
        KS_VCOV_HC1, NULL, 0.05                                                                    \
    }
typedef struct ks_did_basic ks_did_basic; /* opaque */
typedef struct {
    const double *coef;                                 /* 4: intercept, d, p, d:p (the ATT) */
    const double *vcov;                                 /* 16, row-major, same order */
    const double *se;                                   /* 4: sqrt of vcov's diagonal */
    const double *tstat, *pvalue, *ci_lower, *ci_upper; /* 4 each: t(df_t) tests and the
                                                           1 - alpha intervals; NaN where the
                                                           se is not a positive number */
    double df_t, rss, r2;
    size_t nobs, n_na, nclusters;
    const size_t *ncell; /* 4: rows of cell 2 d + p */
} ks_did_basic_view;
KS_API int ks_did_basic_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                            const char *post, const ks_did_basic_options *opt,
                            ks_did_basic **out) KS_RESULT_USED;
KS_API void ks_did_basic_get(const ks_did_basic *r, ks_did_basic_view *out);
KS_API void ks_did_basic_free(ks_did_basic *r); /* NULL is fine */

/* Two-way fixed effects y ~ d:tm | unit + tm (the regressor is the product of the treatment
 * and time columns), CRV1 by `cluster` (NULL: the unit), on a balanced panel in closed form:
 * the numbers of ks_feols_fit on the same formula (fixest's K, with nested fixed effects left
 * out; t tests with G - 1 degrees of freedom). When the data are not a balanced panel without
 * missing values, or the regressor is collinear with the fixed effects, balanced = 0 (the
 * numbers NaN) and the caller should use ks_feols_fit. */
typedef struct {
    const char *cluster; /* NULL: the unit */
    double alpha;        /* default 0.05 */
} ks_did_twfe_options;
#define KS_DID_TWFE_OPTIONS_INIT                                                                   \
    {                                                                                              \
        NULL, 0.05                                                                                 \
    }
typedef struct ks_did_twfe ks_did_twfe; /* opaque */
typedef struct {
    double att, se, df_t;
    double tstat, pvalue, ci_lower, ci_upper; /* t(df_t); NaN where se is not positive */
    size_t nobs, nunits, nperiods, nclusters, df_k;
    int balanced;
} ks_did_twfe_view;
KS_API int ks_did_twfe_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                           const char *time, const char *unit, const ks_did_twfe_options *opt,
                           ks_did_twfe **out) KS_RESULT_USED;
KS_API void ks_did_twfe_get(const ks_did_twfe *r, ks_did_twfe_view *out);
KS_API void ks_did_twfe_free(ks_did_twfe *r); /* NULL is fine */

/* Synthetic difference-in-differences (Arkhangelsky et al. 2021) exactly as R's synthdid 0.0.9:
 * synthdid_estimate, sc_estimate (synthetic control) or did_estimate, with the placebo,
 * bootstrap or jackknife standard error. The data: a balanced panel, one row per unit and
 * period; `treatment` is D_it (1 for treated units in treated periods, R's panel.matrices) or,
 * with post_periods, the ever-treated indicator. Units are ordered controls first, then by
 * label, as R orders them. Replications run in parallel, each drawing from the counter stream
 * (seed, replication): identical for any thread count (R uses R's RNG, so its placebo SE agrees
 * in distribution, not digit for digit). */
typedef enum { KS_DID_SDID_SYNTHDID = 0, KS_DID_SDID_SC = 1, KS_DID_SDID_DID = 2 } ks_did_sdid_estimator;
typedef enum {
    KS_DID_SDID_PLACEBO = 0,
    KS_DID_SDID_BOOTSTRAP = 1,
    KS_DID_SDID_JACKKNIFE = 2,
    KS_DID_SDID_NONE = 3
} ks_did_sdid_variance;
/* "synthdid", "sc", "did"; "placebo", "bootstrap", "jackknife", "none". */
KS_API const char *ks_did_sdid_estimator_name(ks_did_sdid_estimator value);
KS_API int ks_did_sdid_estimator_value(ks_ctx *ctx, const char *name,
                                       ks_did_sdid_estimator *out) KS_RESULT_USED;
KS_API const char *ks_did_sdid_variance_name(ks_did_sdid_variance value);
KS_API int ks_did_sdid_variance_value(ks_ctx *ctx, const char *name,
                                      ks_did_sdid_variance *out) KS_RESULT_USED;
typedef struct {
    ks_did_sdid_estimator estimator;
    ks_did_sdid_variance variance; /* default placebo */
    int replications;          /* default 200 (not used by the jackknife) */
    uint64_t seed;
    double zeta_omega, zeta_lambda; /* NaN (default): synthdid's automatic regularisation */
    const double *post_periods;     /* NULL: treatment is D_it */
    size_t npost;
    double alpha; /* the interval's level 1 - alpha; default 0.05 */
} ks_did_sdid_options;
#define KS_DID_SDID_OPTIONS_INIT                                                                   \
    {                                                                                              \
        KS_DID_SDID_SYNTHDID, KS_DID_SDID_PLACEBO, 200, 0, NAN, NAN, NULL, 0, 0.05                 \
    }
typedef struct {
    double att, se;             /* se NaN when the variance is not defined or not asked */
    double tstat, pvalue, ci_lower, ci_upper; /* normal test and 1 - alpha interval; NaN
                                                 without a positive se */
    size_t N0, N1, T0, T1;
    double noise_level, zeta_omega, zeta_lambda;
    const double *omega;        /* N0 unit weights, controls in the order of unit_row */
    const double *lambda;       /* T0 time weights of the pre periods */
    const double *times;        /* the T = T0 + T1 periods, increasing */
    const size_t *unit_row;     /* N: each unit's first row in the data, controls first */
    size_t replications;
    const double *estimates;    /* the replications' estimates */
    const double *treated_traj; /* T: the treated units' mean outcome in each period */
    const double *synthetic_traj; /* T: the controls' omega-weighted outcome (no intercept) */
    /* diff-diff's reference for the pre-treatment fit (synthdid with a variance): the shape-only
     * RMSE (of the pre-period residual, its mean removed) of min(replications, 20) placebo fits,
     * each the placebo variance's permutation of the controls with the last N1 as treated and
     * the unit weights refitted on the others; none with one pre period or N0 <= N1 */
    size_t n_pre_fit_placebo;
    const double *pre_fit_placebo_rmse;
    double pre_fit_rmse;           /* the treated units' shape-only RMSE (NaN with T0 < 2) */
    double pre_fit_placebo_pvalue; /* (1 + #{placebo RMSE >= treated's}) / (1 + draws); NaN
                                      without draws */
} ks_did_sdid_view;
typedef struct ks_did_sdid ks_did_sdid;
KS_API int ks_did_sdid_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                       const char *time, const char *treatment, const ks_did_sdid_options *opt,
                       ks_did_sdid **out) KS_RESULT_USED;
KS_API void ks_did_sdid_get(const ks_did_sdid *r, ks_did_sdid_view *out);
KS_API void ks_did_sdid_free(ks_did_sdid *r); /* NULL is fine */

/* The wild cluster restricted bootstrap (Cameron, Gelbach & Miller 2008) of one coefficient of a
 * regression (ks_feols_fit's formula, fixed effects included), as diff-diff's
 * DifferenceInDifferences(inference="wild_bootstrap") and R's boottest: the null b = null_value
 * is imposed on the bootstrap DGP (restricted residuals), each draw gives every cluster one
 * weight, the statistic is the CRV1 t; p-value symmetric (|t*| > |t|) or equal-tailed, the
 * interval by inverting the test. With fixed effects the bootstrap runs on the design with them
 * partialled out (diff-diff's absorb); that equals the bootstrap with dummy variables when the
 * fixed effects are nested in the clusters. Rademacher weights with 2^G <= n_bootstrap
 * enumerate all 2^G sign vectors (enumerated = 1, n_bootstrap = 2^G; deterministic). Draws come
 * from the counter stream (seed, draw, cluster): identical for any thread count. Memory
 * O(n + G k + n_bootstrap). */
typedef struct {
    const char *cluster;          /* the cluster column; required */
    int n_bootstrap;              /* default 999; >= 2 */
    ks_did_boot_weights weights;  /* default Rademacher */
    uint64_t seed;                /* default 0 */
    double alpha;                 /* interval level 1 - alpha; default 0.05 */
    double null_value;            /* default 0 */
    int equal_tailed;             /* 0 (default): two-tailed on |t|; 1: equal-tailed */
} ks_did_wild_options;
#define KS_DID_WILD_OPTIONS_INIT                                                                   \
    {                                                                                              \
        NULL, 999, KS_DID_BOOT_RADEMACHER, 0, 0.05, 0.0, 0                                         \
    }
typedef struct {
    double coef, se;      /* the estimate and its CRV1 standard error (ks_feols_fit's) */
    double tstat;         /* (coef - null_value) / se */
    double pvalue;        /* the bootstrap p-value, floored at 1 / (n_valid + 1) unless that
                             reaches alpha (diff-diff) */
    double ci_lower, ci_upper; /* by test inversion; +/- Inf when the test never rejects */
    size_t nobs, nclusters, n_bootstrap, n_valid; /* n_valid: draws with a defined t */
    int enumerated;
} ks_did_wild_view;
typedef struct ks_did_wild ks_did_wild; /* opaque */
/* Bootstrap the coefficient named `term` (as ks_feols_get's names spell it, e.g. "d:p") in
 * `formula` on `t` (borrowed). Rows as ks_feols_fit uses them (NA rows and fixed-effect
 * singletons removed). NaN p-value, interval, se and t when fewer than 2 draws give a defined
 * statistic. Fails for a missing cluster, fewer than 2 clusters, a term not in the formula or
 * collinear. Thread-safe on distinct ctx. */
KS_API int ks_did_wild_fit(ks_ctx *ctx, const ks_table *t, const char *formula, const char *term,
                           const ks_did_wild_options *opt, ks_did_wild **out) KS_RESULT_USED;
KS_API void ks_did_wild_get(const ks_did_wild *r, ks_did_wild_view *out);
KS_API void ks_did_wild_free(ks_did_wild *r); /* NULL is fine */

/* The loops of diff-diff's placebo diagnostics on a 2x2 design (binary `treat` and `post`
 * columns, `unit` any key column): each re-estimate is the saturated 2x2 ATT (the difference of
 * the four cell means), computed from per-unit cell sums. Rows with a missing value are left
 * out; an empty cell gives NaN. */
typedef struct {
    int n_permutations; /* permutation: default 1000 */
    uint64_t seed;      /* permutation: default 0 */
    double observed;    /* permutation: the estimate its p-value and t compare with; NaN
                           (default): the ATT on all rows */
    double alpha;       /* the intervals' level 1 - alpha; default 0.05 */
} ks_did_placebo_options;
#define KS_DID_PLACEBO_OPTIONS_INIT                                                                \
    {                                                                                              \
        1000, 0, NAN, 0.05                                                                         \
    }
typedef struct ks_did_placebo ks_did_placebo; /* opaque */
typedef struct {
    double att;             /* the ATT on all rows */
    size_t nobs, nunits;    /* rows and units used */
    size_t n_treated_units; /* permutation: units whose first row is treated; leave-one-out:
                               units with a treated row */
    size_t n;               /* the re-estimates */
    const double *effects;  /* n ATTs (NaN where a cell is empty) */
    const size_t *unit_row; /* leave-one-out: each left-out unit's first treated row; else NULL */
    size_t n_valid;         /* effects that are not NaN */
    double mean, se;        /* their mean and standard deviation (n_valid - 1; NaN below 2),
                               summed in NumPy's pairwise order (np.mean, np.std(ddof=1)) */
    /* permutation: p = (1 + #{|effect| >= |observed|}) / (n_valid + 1), t = observed / se, the
     * interval the alpha / 2 and 1 - alpha / 2 percentiles of the effects (np.percentile's
     * linear interpolation); leave-one-out: the t(n_valid - 1) test of the mean and
     * mean -+ q se. NaN where not defined (no positive se). */
    double tstat, pvalue, ci_lower, ci_upper;
} ks_did_placebo_view;
/* Permutation test (diff-diff's permutation_test): n_permutations times, treatment is given to
 * a uniformly drawn set of as many units as are treated (a unit's treatment: that of its first
 * row), all rows of a unit moving together. Draws from the counter stream (seed, permutation):
 * identical for any thread count. */
KS_API int ks_did_permutation_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *treat,
                                  const char *post, const char *unit,
                                  const ks_did_placebo_options *opt,
                                  ks_did_placebo **out) KS_RESULT_USED;
/* Leave-one-out (diff-diff's leave_one_out_test): for each unit with a treated row, in order of
 * its first treated row, the ATT without that unit's rows (units whose removal leaves no treated
 * row are skipped). Of opt only alpha is used (NULL: defaults). */
KS_API int ks_did_leave_one_out_fit(ks_ctx *ctx, const ks_table *t, const char *y,
                                    const char *treat, const char *post, const char *unit,
                                    const ks_did_placebo_options *opt,
                                    ks_did_placebo **out) KS_RESULT_USED;
KS_API void ks_did_placebo_get(const ks_did_placebo *r, ks_did_placebo_view *out);
KS_API void ks_did_placebo_free(ks_did_placebo *r); /* NULL is fine */

/* The Goodman-Bacon (2021) decomposition of two-way fixed effects y ~ D | unit + time, D_it =
 * 1(t >= first_treat_i), on a balanced panel: every 2x2 comparison of timing groups, its
 * estimate and its weight (they sum to 1, and sum(weight x estimate) to the TWFE estimate).
 * first_treat 0, empty or Inf: never treated; at or before the first period (always treated):
 * untreated too (no variation in D within the unit; Goodman-Bacon's footnote 11, as diff-diff). */
typedef enum {
    KS_DID_BACON_TREATED_VS_NEVER = 0, /* a timing group against the untreated */
    KS_DID_BACON_EARLIER_VS_LATER = 1, /* earlier treated, the later (not yet treated) as control */
    KS_DID_BACON_LATER_VS_EARLIER = 2  /* later treated, the earlier (already treated) as control */
} ks_did_bacon_type;
/* "treated_vs_never", "earlier_vs_later", "later_vs_earlier". */
KS_API const char *ks_did_bacon_type_name(ks_did_bacon_type value);
KS_API int ks_did_bacon_type_value(ks_ctx *ctx, const char *name,
                                   ks_did_bacon_type *out) KS_RESULT_USED;
typedef struct {
    size_t n;                           /* comparisons */
    const double *treated, *control;    /* timing groups (first periods); control Inf: untreated */
    const int *type;                    /* ks_did_bacon_type */
    const double *estimate, *weight;
    const double *window_start, *window_end; /* the periods compared */
    const size_t *n_treated, *n_control;     /* observations (units x periods in the window) */
    double twfe, decomposition_error;   /* twfe - sum(weight x estimate) */
    size_t n_groups, n_never, n_always, nunits, nperiods, nobs;
} ks_did_bacon_view;
typedef struct ks_did_bacon ks_did_bacon;
/* No options struct: the decomposition of one regression leaves nothing to choose (R's
 * bacondecomp takes none; diff-diff's weights="exact" | "approximate" agree on a balanced
 * panel, the only data accepted), and the template gives a fit without choices no options
 * argument (docs/design.md). */
KS_API int ks_did_bacon_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                        const char *time, const char *first_treat, ks_did_bacon **out) KS_RESULT_USED;
KS_API void ks_did_bacon_get(const ks_did_bacon *r, ks_did_bacon_view *out);
KS_API void ks_did_bacon_free(ks_did_bacon *r); /* NULL is fine */

/* Sun & Abraham (2021) interaction-weighted event study (diff-diff's SunAbraham): the regression
 * y ~ sum_{g, e != -1 - anticipation} 1(cohort g, t - g = e) (+ covariates) | unit + time with
 * CRV1 standard errors by `cluster` (NULL: the unit; fixest's small-sample factors); each
 * relative period's effect averages its cohort effects weighted by their treated observations,
 * the overall ATT averages the post periods (e >= 0) by theirs; delta-method standard errors.
 * Never-treated units (first_treat 0, empty or Inf) are the controls; there must be some. */
struct ks_did_conley_options; /* kestrel/did_conley.h */
typedef struct {
    const char *cluster;
    int anticipation;
    const char *const *covariates; /* NULL-terminated, or NULL */
    double alpha;                  /* intervals at level 1 - alpha; default 0.05 */
    int n_bootstrap;               /* pairs bootstrap draws (diff-diff's): each draw resamples
                                      the units with replacement (a unit drawn k times counts as
                                      k units) and re-estimates the cells, the period effects and
                                      the overall ATT; 0 (default): none */
    uint64_t seed;                 /* the draws come from the counter stream (seed, draw, unit
                                      draw): identical for any thread count */
    int df_convention;             /* the t tests' degrees of freedom (diff-diff's
                                      df_convention): 0 (default) clusters - 1, as fixest
                                      ("cluster"); 1 the residual df, observations - units -
                                      periods + 1 - coefficients estimated ("residual",
                                      diff-diff 3.13's default); 2 normal tests ("normal") */
    const struct ks_did_conley_options *conley; /* NULL (default): the cluster-robust CR1 above;
        else diff-diff's vcov_type="conley": the Conley spatial-HAC sandwich (did_conley.h) of the
        saturated regression's partialled design, with its lat, lon and kernel settings (its time
        and unit are the fit's; its cluster is ignored: `cluster` above, if given, is the product
        kernel's, and the units are not clustered otherwise). The cell effects' variance then
        feeds the same w'Vw aggregates; df_convention 0 is the residual df (no clusters); no
        bootstrap. */
} ks_did_sunab_options;
#define KS_DID_SUNAB_OPTIONS_INIT                                                                  \
    {                                                                                              \
        NULL, 0, NULL, 0.05, 0, 0, 0, NULL                                                         \
    }
typedef struct {
    size_t ncell;                   /* cohort x relative-period cells, by period then cohort */
    const double *cohort, *rel;     /* g and e of each cell */
    const double *effect, *se;      /* delta_{g,e} (NaN: collinear) and its standard error */
    const double *weight;           /* the cell's weight in its period's effect */
    const double *nobs_cell;        /* treated observations in the cell */
    size_t nrel;                    /* relative periods */
    const double *e, *att_e, *se_e; /* each period's effect and standard error */
    const double *nobs_e, *ncohorts_e;
    const double *tstat_e, *pvalue_e, *ci_lower_e, *ci_upper_e; /* each period's t(df_t) test
                                                                   and 1 - alpha interval */
    double att, att_se;             /* overall ATT (post periods) and its standard error */
    double att_tstat, att_pvalue, att_ci_lower, att_ci_upper; /* and its test and interval */
    double df_t;                    /* t-test degrees of freedom (df_convention; 0: normal) */
    double crit;                    /* the intervals' t(df_t) quantile at 1 - alpha / 2 */
    double ref;                     /* the reference period left out */
    size_t nobs, nclusters, n_treated_units, n_control_units, nperiods; /* nclusters 0: Conley
                                                                       errors, no cluster */
    size_t n_bootstrap;     /* the pairs bootstrap's draws (0: none) */
    const double *boot_e;   /* n_bootstrap x nrel column-major: each draw's period effects */
    const double *boot_att; /* n_bootstrap overall ATTs */
    size_t n_boot_failed;   /* draws that could not be estimated (they repeat the fit's
                               estimates, as diff-diff's; logged) */
    const double *vcov_e;   /* nrel x nrel covariance of the periods' effects (w'Vw) */
    const double *periods;  /* the nperiods periods, increasing */
    int ref_observed;       /* 1: some cohort is observed in the reference period */
} ks_did_sunab_view;
typedef struct ks_did_sunab ks_did_sunab;
KS_API int ks_did_sunab_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                        const char *time, const char *first_treat, const ks_did_sunab_options *opt,
                        ks_did_sunab **out) KS_RESULT_USED;
KS_API void ks_did_sunab_get(const ks_did_sunab *r, ks_did_sunab_view *out);
KS_API void ks_did_sunab_free(ks_did_sunab *r); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
