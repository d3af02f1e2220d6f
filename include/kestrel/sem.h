/* sem.h — structural equation models as R's lavaan (0.6-14) fits them: its model syntax, its
 * parameter table and defaults (sem(), cfa(), lavaan()), its estimators, starting values,
 * standard errors, standardized solutions and fit measures, converged far tighter than lavaan's
 * default.
 *
 * A model is lavaan's syntax (`=~` loadings, `~` regressions, `~~` variances and covariances,
 * modifiers `NA*`, `1*`, `label*`, start() lower() upper(), equality by shared label, `==` `<` `>`
 * constraints, `:=` defined parameters). It is fitted to raw data (a table whose columns are the
 * observed variables; the sample covariance uses N, as lavaan's ML does) or to a sample
 * covariance matrix with its number of observations. Single group, covariance structure only:
 * intercepts (`~ 1`), thresholds, composites (`<~`) and several groups are a clear error.
 *
 * Thread-safe on distinct ctx; a fit may be read from several threads at once. */
#ifndef KESTREL_SEM_H
#define KESTREL_SEM_H

#include <stddef.h>

#include "kestrel/base.h"
#include "kestrel/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KS_SEM_ML = 0,   /* maximum likelihood (lavaan's default) */
    KS_SEM_GLS = 1,  /* generalized least squares, weights from S^-1 */
    KS_SEM_ULS = 2,  /* unweighted least squares */
    KS_SEM_DWLS = 3, /* diagonally weighted least squares (weights: wls_v, or NACOV's diagonal) */
    KS_SEM_WLS = 4   /* weighted least squares with a full weight matrix (wls_v) */
} ks_sem_estimator;

/* Which function's defaults make the parameter table: sem() and cfa() add lavaan's auto.*
 * parameters (residual variances, latent variances and covariances, first loadings fixed to
 * 1 unless std_lv); lavaan() adds none. */
typedef enum { KS_SEM_CALL_SEM = 0, KS_SEM_CALL_CFA = 1, KS_SEM_CALL_LAVAAN = 2 } ks_sem_call;

/* How standard errors are computed. */
typedef enum {
    KS_SEM_SE_STANDARD = 0, /* lavaan's se="standard": the expected information */
    KS_SEM_SE_SANDWICH = 1, /* bread (D'WD)^-1 D'W Gamma W D (D'WD)^-1 with the caller's
                               Gamma (GenomicSEM's SEs with the full V) */
    KS_SEM_SE_NONE = 2
} ks_sem_se;

/* Names (see base.h): estimator "ML", "GLS", "ULS", "DWLS", "WLS" (any case); call "sem",
 * "cfa", "lavaan"; se "standard", "sandwich", "none". */
KS_API const char *ks_sem_estimator_name(ks_sem_estimator value);
KS_API int ks_sem_estimator_value(ks_ctx *ctx, const char *name,
                                  ks_sem_estimator *out) KS_RESULT_USED;
KS_API const char *ks_sem_call_name(ks_sem_call value);
KS_API int ks_sem_call_value(ks_ctx *ctx, const char *name, ks_sem_call *out) KS_RESULT_USED;
KS_API const char *ks_sem_se_name(ks_sem_se value);
KS_API int ks_sem_se_value(ks_ctx *ctx, const char *name, ks_sem_se *out) KS_RESULT_USED;

typedef struct {
    ks_sem_estimator estimator;
    ks_sem_call call;
    int std_lv;      /* latent variances fixed to 1, every loading free (lavaan's std.lv) */
    ks_sem_se se;
    /* the weight matrix (lavaan's WLS.V) for DWLS / WLS: pstar x pstar, column-major, in the
       order of vech of the sample covariance as given (column-wise lower triangle), or only
       its diagonal (wls_v_len == pstar); NULL: lavaan's own */
    const double *wls_v;
    size_t wls_v_len;
    /* Gamma for se = sandwich: pstar x pstar in the same order */
    const double *gamma;
    size_t gamma_len;
    double level;   /* confidence level of the intervals (default 0.95) */
    double tol;     /* convergence: the largest gradient element (default 1e-10) */
    int max_iter;   /* default 10000 */
} ks_sem_options;
#define KS_SEM_OPTIONS_INIT                                                                        \
    {                                                                                              \
        KS_SEM_ML, KS_SEM_CALL_SEM, 0, KS_SEM_SE_STANDARD, NULL, 0, NULL, 0, 0.95, 1e-10, 10000    \
    }

/* A sample covariance matrix: p x p, column-major, symmetric, of the variables `names`, from
 * nobs observations (lavaan's sample.cov and sample.nobs; with sample.cov.rescale as lavaan:
 * for ML the matrix is taken as divided by N - 1 and rescaled to N, unless rescale is 0). */
typedef struct {
    size_t p;
    const char *const *names;
    const double *cov;
    double nobs;
    int rescale; /* 1 (lavaan's default for ML): S (N - 1) / N; 0: S as given */
} ks_sem_sample;

typedef struct ks_sem ks_sem; /* a fitted model; opaque */

/* Fit `model` to the columns of `data` (numeric; a row with a missing value is an error naming
 * it) or to a sample covariance. Borrowed; not kept. opt NULL: the defaults. */
KS_API int ks_sem_fit(ks_ctx *ctx, const char *model, const ks_table *data,
                      const ks_sem_options *opt, ks_sem **out) KS_RESULT_USED;
KS_API int ks_sem_fit_cov(ks_ctx *ctx, const char *model, const ks_sem_sample *sample,
                          const ks_sem_options *opt, ks_sem **out) KS_RESULT_USED;
KS_API void ks_sem_free(ks_sem *s); /* NULL is fine; no ctx */

/* The fit. The parameter rows are lavaan's parameterEstimates() rows in its order (the
 * parameter table, then `:=` rows; constraint rows are not estimates and are left out). A
 * fixed parameter has se 0, tstat and pvalue NaN and both bounds at its value, as lavaan. */
typedef struct {
    size_t nrow;
    const char *const *lhs, *const *op, *const *rhs, *const *label; /* label "" when none */
    const int *free;   /* lavaan's free number, 0 for a fixed parameter or a := row */
    const double *est, *se, *tstat, *pvalue, *ci_lower, *ci_upper;
    const double *std_lv, *std_all; /* standardizedSolution(type = "std.lv" / "std.all") */
    /* lavaan's fitMeasures(), names as lavaan's */
    size_t nfit;
    const char *const *fit_name;
    const double *fit_value;
    /* the observed variables (lavaan's order) and latent ones; the sample and model-implied
       covariance matrices (p x p, column-major, in that order) */
    size_t p, nlv;
    const char *const *ov, *const *lv;
    const double *sample_cov, *implied_cov;
    /* the user's constraints (== < >, in model order) and their |slack| at the estimates */
    size_t ncon;
    const char *const *con_lhs, *const *con_op, *const *con_rhs;
    const double *con_slack;
    double nobs, fmin;
    size_t nfree; /* free parameters (lavaan's "Number of model parameters") */
    size_t npar;  /* less the equality constraints (lavaan's npar fit measure) */
    int iterations, converged;
    ks_sem_estimator estimator;
    ks_sem_se se_kind;
} ks_sem_view;
KS_API void ks_sem_get(const ks_sem *s, ks_sem_view *out);

/* lavaan's summary(fit, fit.measures = fit_measures, standardized = standardized) as text
 * (free with ks_string_free). */
KS_API int ks_sem_summary(ks_ctx *ctx, const ks_sem *s, int fit_measures, int standardized,
                          char **out) KS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
