/* fit_measures.h — lavaan 0.6-14's fitMeasures() and standardizedSolution() for a single-group
 * covariance structure (no mean structure), as pure functions of what the SEM engine has once it
 * has its estimates: the sample covariance, the implied covariance, N, the estimator and its
 * weights (fit_measures.c); the parameter table's estimates, the total variances of every
 * variable and their Jacobian (standardize.c). */
#ifndef KS_SEM_FIT_MEASURES_H
#define KS_SEM_FIT_MEASURES_H

#include <stddef.h>

#include "base/base_internal.h"
#include "sem/sem_internal.h"

/* The estimators whose baseline (independence) model has a closed form. */
typedef enum {
    KS__SEM_EST_ML = 0,
    KS__SEM_EST_GLS = 1,
    KS__SEM_EST_ULS = 2,
    KS__SEM_EST_DWLS = 3
} ks__sem_est;

typedef struct {
    ks__sem_est estimator;
    size_t p;            /* observed variables, in lavaan's ov order */
    const double *S;     /* p x p, the sample covariance as lavaan holds it (lavInspect(fit,
                            "sampstat")): ML on raw data divides by N, as lavaan does */
    const double *Sigma; /* p x p, the model-implied covariance at the estimates */
    const double *w;     /* DWLS: the p (p + 1) / 2 weights lavaan uses (WLS.VD, the diagonal of
                            WLS.V) in lavaan's vech order (the lower triangle column by column);
                            ULS: NULL (lavaan's weights are all 1) or as DWLS; else ignored */
    double ntotal;       /* N, the observations */
    size_t npar;         /* lavaan's npar: the free parameters less the rank of the equality
                            constraints' Jacobian */
    const size_t *x_idx; /* the fixed.x covariates (0-based ov indices; their variances and
                            covariances are fixed at the sample values) */
    size_t nx;
} ks__sem_fit_input;

/* One fit measure: lavaan's name (a static string) and its value (NaN where lavaan has NA). */
typedef struct {
    const char *name;
    double value;
} ks__sem_fit_value;

/* The most measures ks__sem_fit_measures writes. */
#define KS__SEM_FIT_MAX 46

/* fitMeasures(fit) ("all"), in lavaan's order and with its names: npar fmin chisq df pvalue
 * baseline.chisq baseline.df baseline.pvalue cfi tli nnfi rfi nfi pnfi ifi rni, for ML logl
 * unrestricted.logl aic bic ntotal bic2, then rmsea rmsea.ci.lower rmsea.ci.upper rmsea.ci.level
 * rmsea.pvalue rmsea.close.h0 rmsea.notclose.pvalue rmsea.notclose.h0 rmr rmr_nomean srmr
 * srmr_bentler srmr_bentler_nomean crmr crmr_nomean srmr_mplus srmr_mplus_nomean cn_05 cn_01 gfi
 * agfi pgfi mfi ecvi. fmin and chisq are computed from S and Sigma (lavaan's fx and 2 N fx); the
 * baseline model is lavaan's independence model, fitted in closed form (its implied covariance
 * is diagonal, less the covariates' block held at S, and linear in its parameters). The RMSEA
 * interval is lavaan's: R's uniroot at its default tolerance on the noncentral chi-square, step
 * for step. Writes *n_out values into out (out_len >= KS__SEM_FIT_MAX is always enough). A
 * non-positive-definite S or Sigma where the estimator needs its inverse is KS_ENUMERIC. */
int ks__sem_fit_measures(ks_ctx *ctx, const ks__sem_fit_input *in, ks__sem_fit_value *out,
                         size_t out_len, size_t *n_out) KS_RESULT_USED;
/* The value named `name` among v[0..n) (NaN when absent). */
double ks__sem_fit_get(const ks__sem_fit_value *v, size_t n, const char *name);

/* ---- Standardized solutions (standardize.c) ---- */

typedef enum {
    KS__SEM_STD_LV = 0,  /* std.lv: latent variables scaled to variance 1 */
    KS__SEM_STD_ALL = 1, /* std.all: observed variables too */
    KS__SEM_STD_NOX = 2  /* std.nox: std.all but the fixed.x covariates keep their scale */
} ks__sem_std_type;

typedef struct {
    const ks__sem_partable *table; /* its rows, free numbers, ov and lv names (one block) */
    const double *est;             /* table->npar: each row's estimate (NaN allowed for :=) */
    const double *var;             /* nov + nlv: the model-implied TOTAL variances of every
                                      observed then latent variable, in the table's ov, lv order
                                      (diag of Sigma-hat, then of VETA) */
    const double *dvar;            /* (nov + nlv) x nfree, column-major: d var / d theta, for
                                      the standard errors; NULL: no Jacobian */
    const size_t *x_idx;           /* std.nox: the ov.x covariates (indices into table->ov) */
    size_t nx;
} ks__sem_std_input;

/* lavaan's lav_standardize_lv / _all / _all_nox with cov.std = TRUE: loadings, regressions and
 * variances scaled by the total standard deviations; a covariance between two different
 * variables divided by the square roots of their own (residual) variance estimates, |est| of
 * their `~~` rows, as lavaan does. Fills est_std[table->npar]; the rows with op := == < > are
 * left NaN: lavaan evaluates the definitions at the standardized free parameters, theta_std
 * (nfree; the first row of each free number), which is written when not NULL: the caller fills
 * the := rows with ks__sem_defined_eval(d, theta_std, value, jac). With in->dvar and jac not NULL,
 * jac (npar x nfree, column-major) receives d est_std / d theta for every row but those (a :=
 * row's is its definition's Jacobian at theta_std times the free rows' rows of jac). */
int ks__sem_standardize(ks_ctx *ctx, const ks__sem_std_input *in, ks__sem_std_type type,
                        double *est_std, double *theta_std, double *jac) KS_RESULT_USED;

/* The delta-method standard errors lavaan's standardizedSolution() reports: se[r] =
 * sqrt((J V J')_rr) for J (nrow x nfree, column-major) and the free parameters' covariance V
 * (nfree x nfree); a negative variance is NaN and an se below eps^(1/4) is 0, as lavaan. */
void ks__sem_std_se(size_t nrow, size_t nfree, const double *J, const double *V, double *se);

/* standardizedSolution()'s z, p-value and `level` interval (lavaan's 0.95) for est_std and se,
 * with lavaan's arithmetic: z NaN when se is 0, p = 2 (1 - Phi(|z|)), the bounds est_std + se
 * qnorm(a) and est_std + se qnorm(1 - a) for a = (1 - level) / 2. */
void ks__sem_std_infer(double est_std, double se, double level, double *z, double *p, double *lo,
                       double *hi);

#endif
