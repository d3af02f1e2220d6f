/* did_power.h — power of difference-in-differences designs and of their pre-trends tests.
 *
 * Pre-trends power (Roth 2022, "Pretest with Caution"): the pre-period event-study coefficients
 * b ~ N(delta, Sigma) with delta = M w (w the violation's shape: |t| for a linear trend in
 * relative time t, ones for a constant shift, e_K for the last period, or any vector). The
 * no-individually-significant pretest ("nis") accepts when |b_t| <= z sigma_t for every t; the
 * Wald pretest when b' Sigma^-1 b <= chi2_{1-alpha}(K). Power is the probability of rejection;
 * the minimal detectable violation (MDV) the M at which it reaches a target.
 *
 * The box probability is Genz's separation-of-variables integral (Genz 1992) over a randomised
 * Richtmyer lattice: the shifts come from counter-based streams keyed by a fixed seed and every
 * shift's sum is computed alone, so results are reproducible and identical for any thread count.
 * K = 1 is exact (the normal CDF) and K = 2 a one-dimensional adaptive Gauss-Kronrod integral.
 *
 * Analytical power (Bloom 1995; Burlig, Preonas & Woerman 2020, equation 2 with within-unit
 * equicorrelation rho): Var(ATT) = sigma^2 (1/n_T + 1/n_C)(1/m + 1/r)(1 - rho) deff, with m
 * pre-periods and r post-periods; MDE = (z_{1-alpha(/2)} + z_power) se.
 *
 * Simulation power: the data of diff-diff's generate_did_data / generate_staggered_data designs
 * drawn in C, replication r of effect e seeded by ks_rng_u64(seed, e, r), each replication fitted
 * by kestrel's estimator in C (the 2x2 regression, two-way fixed effects, or Callaway &
 * Sant'Anna's simple aggregation), replications spread over threads: identical for any thread
 * count.
 *
 * Thread-safe on distinct ctx. */
#ifndef KESTREL_DID_POWER_H
#define KESTREL_DID_POWER_H

#include <math.h>
#include <stdint.h>

#include "kestrel/base.h"
#include "kestrel/did.h"
#include "kestrel/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* P(lower <= X <= upper) for X ~ N(0, sigma) (k x k, row-major, positive definite); bounds may
 * be infinite. k <= 3: deterministic quadrature to ~1e-14, *err = 0. k >= 4: abseps is the target
 * absolute error (<= 0: 1e-5), reached by doubling the lattice up to max_points evaluations (0:
 * 2e7); *err (may be NULL) is 3.5 standard errors over the random shifts. */
KS_API int ks_did_mvn_box(ks_ctx *ctx, size_t k, const double *sigma, const double *lower,
                          const double *upper, double abseps, size_t max_points, double *prob,
                          double *err) KS_RESULT_USED;

typedef enum { KS_DID_PRETEST_NIS = 0, KS_DID_PRETEST_WALD = 1 } ks_did_pretest;
/* names "nis", "wald" */
KS_API const char *ks_did_pretest_name(ks_did_pretest value);
KS_API int ks_did_pretest_value(ks_ctx *ctx, const char *name, ks_did_pretest *out) KS_RESULT_USED;

typedef struct {
    ks_did_pretest form; /* default nis */
    double alpha;        /* pretest level; default 0.05 */
    double z;            /* nis threshold; NAN (default): the normal quantile 1 - alpha / 2 (R's
                            pretrends uses 1.96) */
    double abseps;       /* box probability error target; default 1e-5 */
    double tol;          /* the MDV's root tolerance, in units of max sd / max |w|;
                            default 1e-10 */
} ks_did_pretrends_options;
#define KS_DID_PRETRENDS_OPTIONS_INIT                                                              \
    {                                                                                              \
        KS_DID_PRETEST_NIS, 0.05, NAN, 1e-5, 1e-10                                                 \
    }

typedef struct {
    double power;          /* rejection probability at M */
    double accept;         /* nis: the box probability 1 - power; NaN for wald */
    double err;            /* nis: the box probability's error bound */
    double critical_value; /* nis: z; wald: chi2_{1-alpha}(K) */
    double noncentrality;  /* wald: M^2 w' Sigma^-1 w; NaN for nis */
    double test_statistic; /* wald: K + noncentrality (the statistic's mean); NaN for nis */
} ks_did_pretrends_point;

/* Power of the pretest against delta = M w; vcov K x K row-major. */
KS_API int ks_did_pretrends_power(ks_ctx *ctx, size_t k, const double *vcov, const double *w,
                                  double M, const ks_did_pretrends_options *opt,
                                  ks_did_pretrends_point *out) KS_RESULT_USED;
/* The smallest M >= 0 with power(M) = target (0 when the size already reaches it; INFINITY when
 * w is zero or no finite M does). Power rises with M (Anderson's theorem: both acceptance
 * regions are symmetric and convex), so the root is unique. */
KS_API int ks_did_pretrends_mdv(ks_ctx *ctx, size_t k, const double *vcov, const double *w,
                                double target, const ks_did_pretrends_options *opt,
                                double *mdv) KS_RESULT_USED;
/* power[i] at M[i], i < nm. */
KS_API int ks_did_pretrends_curve(ks_ctx *ctx, size_t k, const double *vcov, const double *w,
                                  size_t nm, const double *M, const ks_did_pretrends_options *opt,
                                  double *power) KS_RESULT_USED;

/* ---- analytical power ---- */
typedef enum {
    KS_DID_TWO_SIDED = 0,
    KS_DID_GREATER = 1,
    KS_DID_LESS = 2
} ks_did_alternative; /* names "two-sided", "greater", "less" */
KS_API const char *ks_did_alternative_name(ks_did_alternative value);
KS_API int ks_did_alternative_value(ks_ctx *ctx, const char *name,
                                    ks_did_alternative *out) KS_RESULT_USED;

typedef struct {
    double alpha, power;            /* defaults 0.05, 0.80 */
    ks_did_alternative alternative; /* default two-sided */
} ks_did_power_options;
#define KS_DID_POWER_OPTIONS_INIT                                                                  \
    {                                                                                              \
        0.05, 0.80, KS_DID_TWO_SIDED                                                               \
    }

/* The design: n_pre + n_post <= 2 is the 2x2 ("basic_did"), else "panel". */
typedef struct {
    double n_treated, n_control; /* units */
    int n_pre, n_post;           /* >= 1 each */
    double sigma;                /* residual SD, >= 0 */
    double rho;                  /* within-unit equicorrelation in [-1/(T-1), 1) */
    double deff;                 /* survey design effect > 0; default 1 */
} ks_did_power_design;

/* Var(ATT) of the design; errors name the argument at fault. */
KS_API int ks_did_power_variance(ks_ctx *ctx, const ks_did_power_design *d,
                                 double *var) KS_RESULT_USED;
/* (z_alpha + z_power) se */
KS_API double ks_did_power_mde(const ks_did_power_options *opt, double se);
/* The normal test's rejection probability at `effect` with standard error se. */
KS_API double ks_did_power_at(const ks_did_power_options *opt, double effect, double se);
/* The units needed, n_total (ceil, at least 4; 2^31 - 1 for effect 0), and their split
 * n_treated = max(2, ceil(n_total treat_frac)), n_control = max(2, n_total - n_treated) (whose
 * sum diff-diff's sample_size reports); d's n_treated / n_control are ignored. */
KS_API int ks_did_power_sample_size(ks_ctx *ctx, const ks_did_power_options *opt,
                                    const ks_did_power_design *d, double effect, double treat_frac,
                                    int64_t *n_total, int64_t *n_treated,
                                    int64_t *n_control) KS_RESULT_USED;

/* ---- simulated data (diff-diff's designs, drawn from kestrel's counter-based streams) ---- */
typedef struct {
    size_t n_units, n_periods;
    double treatment_effect, treatment_fraction;
    int treatment_period; /* first post period, 0-based */
    double unit_fe_sd, time_trend, noise_sd;
    uint64_t seed;
} ks_did_dgp_basic;
#define KS_DID_DGP_BASIC_INIT                                                                      \
    {                                                                                              \
        100, 4, 5.0, 0.5, 2, 2.0, 0.5, 1.0, 0                                                      \
    }
/* Columns unit, period, treated, post, outcome, true_effect (unit-major rows); the first
 * floor(n_units treatment_fraction) units treated. */
KS_API int ks_did_generate_did_data(ks_ctx *ctx, const ks_did_dgp_basic *d,
                                    ks_table **out) KS_RESULT_USED;

typedef struct {
    size_t n_units, n_periods;
    const int *cohort_periods; /* ncohort first-treatment periods in 1..n_periods-1 */
    size_t ncohort;
    double never_treated_frac, treatment_effect;
    int dynamic_effects;
    double effect_growth, unit_fe_sd, time_trend, noise_sd;
    uint64_t seed;
    int cross_sections; /* 0: a balanced panel; 1: repeated cross-sections (diff-diff's
                           panel=False) */
} ks_did_dgp_staggered;
/* Columns unit, period, outcome, first_treat (0 never), treated, treat, true_effect. A balanced
 * panel (cross_sections = 0): the first floor(n_units never_treated_frac) units never treated,
 * each other unit's cohort drawn uniformly. Repeated cross-sections (cross_sections = 1): every
 * period draws n_units fresh observations the same way (cohort, unit effect and noise all new),
 * unit ids period * n_units + i unique over the whole table. */
KS_API int ks_did_generate_staggered_data(ks_ctx *ctx, const ks_did_dgp_staggered *d,
                                          ks_table **out) KS_RESULT_USED;

/* ---- simulation power ---- */
typedef enum {
    KS_DID_SIM_BASIC = 0, /* 2x2 regression outcome ~ treated * post, HC1 (or iid) */
    KS_DID_SIM_TWFE = 1,  /* outcome ~ treated:post | unit + period, CRV1 by unit */
    KS_DID_SIM_CS = 2     /* Callaway & Sant'Anna, the simple aggregation, never-treated */
} ks_did_sim_estimator;
typedef struct {
    ks_did_sim_estimator estimator;
    int robust;           /* basic: 1 HC1 (default), 0 iid */
    ks_did_method method; /* cs */
    double alpha;         /* test level; default 0.05 */
    size_t n_simulations;
    uint64_t seed;
} ks_did_sim_options;

/* Per effect size e < neffect and replication r < n_simulations: estimate[e * nsim + r], se,
 * pvalue, ci_lower, ci_upper (NaN where that replication's fit failed; *nfail[e] counts them).
 * The data: `basic` for estimators basic and twfe (its treatment_effect replaced by each effect),
 * `stag` for cs. */
KS_API int ks_did_simulate_power(ks_ctx *ctx, const ks_did_sim_options *opt,
                                 const ks_did_dgp_basic *basic, const ks_did_dgp_staggered *stag,
                                 size_t neffect, const double *effects, double *estimate,
                                 double *se, double *pvalue, double *ci_lower, double *ci_upper,
                                 size_t *nfail) KS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
