/* regress.h — linear models with absorbed fixed effects and robust variance (what R fixest and
 * Python pyfixest / statsmodels do).
 *
 * Algorithms: accurate least squares (linalg.h); fixed effects absorbed by alternating
 * projections (Gaure 2013, "OLS with multiple high dimensional category variables") with
 * Irons–Tuck acceleration as in fixest (Bergé 2018); cluster-robust variance from cluster score
 * sums in one pass, multi-way by Cameron, Gelbach & Miller (2011).
 *
 * Formulas use pyfixest's syntax: "y ~ x1 + x2 | fe1 + fe2". A term may be a column, an
 * interaction "a:b" (the product), or "a*b" (a + b + a:b); "- 1" or "0 +" removes the
 * intercept (it is implicit with fixed effects). A fixed effect may combine columns: "fe1^fe2".
 *
 * Small-sample corrections follow fixest / pyfixest defaults (ssc(adj=TRUE,
 * fixef.K="nested", cluster.adj=TRUE, cluster.df="min")):
 *   iid:    V = s2 (X'WX)^-1, s2 = RSS / (n - K)
 *   HC1:    V = n / (n - K) * bread meat bread
 *   HC2/3:  as statsmodels / sandwich: no extra factor, residuals scaled by 1-h or (1-h)^2
 *   CRV1:   V = (n - 1) / (n - K) * G / (G - 1) * bread meat bread; multi-way
 *           V = c (V_1 + V_2 - V_12) with c using G = min over the dimensions
 *   HC2-BM, CR2: as R clubSandwich vcovCR(type = "CR2") on lm() with the fixed effects as
 *           dummies (HC2-BM: every row its own cluster, so the variance is HC2's), no factor;
 *           each coefficient tested at its own Satterthwaite degrees of freedom (coef_test(
 *           test = "Satterthwaite")). One cluster dimension; no weights; fixed effects nested
 *           in the clusters, or one fixed effect whose levels contain the clusters (HC2-BM:
 *           at most one fixed effect). HC2 and HC3 take at most one fixed effect.
 * where K counts the coefficients plus the fixed-effect levels minus one per extra fixed-effect
 * dimension, less the levels of fixed effects nested in a cluster variable (plus one for each
 * such fully nested dimension). Each is switchable in ks_feols_options.
 *
 * Thread-safe on distinct ctx. */
#ifndef KESTREL_REGRESS_H
#define KESTREL_REGRESS_H

#include "kestrel/base.h"
#include "kestrel/table.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KS_VCOV_IID = 0,
    KS_VCOV_HC1 = 1, /* "hetero" */
    KS_VCOV_HC2 = 2,
    KS_VCOV_HC3 = 3,
    KS_VCOV_CRV1 = 4,
    KS_VCOV_HC2_BM = 5, /* HC2 with Bell-McCaffrey (Imbens-Kolesar) degrees of freedom */
    KS_VCOV_CR2 = 6     /* CR2 (Bell-McCaffrey) clustered, Satterthwaite degrees of freedom */
} ks_vcov_kind;
/* The names (base.h): "iid", "HC1" (alias "hetero"), "HC2", "HC3", "CRV1", "HC2-BM", "CR2". */
KS_API const char *ks_vcov_kind_name(ks_vcov_kind value);
KS_API int ks_vcov_kind_value(ks_ctx *ctx, const char *name, ks_vcov_kind *out) KS_RESULT_USED;

typedef struct {
    ks_vcov_kind vcov;
    const char *cluster;  /* CRV1: cluster columns joined by '+' ("unit" or "unit+time") */
    const char *weights;  /* column of analytic weights, or NULL */
    double fe_tol;        /* convergence of the projections (max change of the fixed-effect
                             coefficients relative to the scale of the variable); 1e-13 */
    int fe_maxiter;       /* default 10000 */
    int drop_singletons;  /* drop observations alone in a fixed-effect level; default 1 */
    int ssc_adj;          /* the (n-1)/(n-K) or n/(n-K) factor; default 1 */
    int ssc_fixef_nested; /* K leaves out FE nested in clusters; default 1 (0: count all) */
    int ssc_cluster_adj;  /* G/(G-1); default 1 */
    int ssc_cluster_min;  /* multi-way: one G = min over dimensions; default 1 (0: each own G) */
    double collin_tol;    /* a regressor is dropped as collinear below this relative norm;
                             default 1e-10 */
    double alpha;         /* the view's intervals at level 1 - alpha; default 0.05 */
} ks_feols_options;
#define KS_FEOLS_OPTIONS_INIT                                                                      \
    {                                                                                              \
        KS_VCOV_IID, NULL, NULL, 1e-13, 10000, 1, 1, 1, 1, 1, 1e-10, 0.05                          \
    }

typedef struct ks_feols ks_feols; /* a fitted model; opaque */

/* Fit `formula` on the columns of `t` (borrowed; not kept after return). Rows with NA (NaN or
 * an NA string) in any variable used are removed and reported through the log callback; an
 * infinite value in a used column is an error naming the column and row; weights must be >= 0
 * (rows with weight 0 are removed). On success *out owns the fit: free it with ks_feols_free. */
KS_API int ks_feols_fit(ks_ctx *ctx, const ks_table *t, const char *formula,
                        const ks_feols_options *opt, ks_feols **out) KS_RESULT_USED;
KS_API void ks_feols_free(ks_feols *m); /* NULL is fine */

/* The syntax of `formula` alone, before any data: KS_OK, or KS_EPARSE with a message naming
 * the column at fault ("formula: nothing after '+' at column 7", the formula and a caret under
 * it). ks_feols_fit checks the same. */
KS_API int ks_formula_check(ks_ctx *ctx, const char *formula) KS_RESULT_USED;

/* A fit, read through its view: arrays owned by the fit, valid until ks_feols_free. */
typedef struct {
    size_t ncoef;                      /* coefficients, in formula order (the intercept first) */
    const char *const *names;          /* "Intercept", "x1", "a:b" */
    const double *coef, *se;           /* collinear terms: NaN */
    const double *tstat;               /* coef / se */
    const double *pvalue;              /* two-sided, t(df) (df: below) */
    const double *ci_lower, *ci_upper; /* at level 1 - alpha (the options'), t(df) quantile */
    const unsigned char *collinear;    /* 1: dropped as collinear */
    const double *vcov;                /* ncoef x ncoef column-major, NaN for collinear terms */
    const double *resid;               /* y - yhat for each row of the input table (NaN: removed) */
    const char *vcov_label;            /* "iid", "HC1", "CRV1: unit" ... */
    ks_vcov_kind vcov_kind;
    double alpha;
    size_t n_fe;                 /* fixed-effect dimensions */
    const char *const *fe_names; /* n_fe: "fe1", "fe1^fe2" */
    const size_t *fe_levels;     /* n_fe: levels used */
    size_t nobs;                 /* observations used */
    size_t nrow;                 /* rows of the input table (resid's length) */
    size_t n_na;                 /* removed for NA */
    size_t n_singletons;         /* removed as fixed-effect singletons */
    size_t n_zero_weight;        /* removed for weight 0 */
    size_t df_k;                 /* K of the small-sample correction */
    double df_t;                 /* degrees of freedom of t tests: n - K, or min G - 1 clustered */
    double r2, adj_r2, r2_within, rss, sigma; /* sigma = sqrt(RSS / (n - K)) */
    size_t nclusters[3];  /* G of each cluster dimension (and their intersection) */
    size_t fe_iterations; /* largest number of projection sweeps over the columns */
    const double *df;     /* ncoef: each coefficient's t-test degrees of freedom (df_t, or
                             Satterthwaite's with HC2-BM / CR2) */
} ks_feols_view;
KS_API void ks_feols_get(const ks_feols *m, ks_feols_view *out);
/* The intervals at another level 1 - alpha (t(df) quantile, each coefficient's df) into lo
 * and hi (out_len >= ncoef each; KS_EINVAL naming the size needed otherwise). */
KS_API int ks_feols_confint(ks_ctx *ctx, const ks_feols *m, double alpha, double *lo, double *hi,
                            size_t out_len) KS_RESULT_USED;

/* One estimate with its inference: a fixed-size set of numbers, filled into the caller's struct
 * (docs/design.md's template: the `_estimate` form). */
typedef struct {
    double estimate, se;
    double tstat, pvalue;      /* t(df) test of estimate = 0, two-sided as the view's */
    double ci_lower, ci_upper; /* at level 1 - alpha, t(df) quantile */
    double df;                 /* df_t, or with HC2-BM / CR2 the combination's Satterthwaite */
} ks_feols_estimate;
/* The linear combination w'b of the coefficients (nw == ncoef weights, finite; e.g. an average
 * of event-study coefficients), its standard error sqrt(w'Vw) and their inference. A collinear
 * (dropped) coefficient with weight 0 is left out; with another weight the combination is not
 * identified and every number is NaN. The test and interval are NaN unless the se is positive.
 * KS_EINVAL for a wrong nw, a weight that is not finite, or alpha outside (0, 1). */
KS_API int ks_feols_lincom(ks_ctx *ctx, const ks_feols *m, const double *w, size_t nw, double alpha,
                           ks_feols_estimate *out) KS_RESULT_USED;

/* The design a fit of `formula` solves, for estimators built on the regression (did's wild
 * bootstrap): the rows ks_feols_fit uses (NA rows, zero weights and fixed-effect singletons
 * removed) with the fixed effects partialled out (Frisch-Waugh-Lovell), so that least squares
 * on it gives ks_feols_fit's coefficients. X is n x k column-major in the order of
 * the view's names (the intercept first when there is one; a regressor the fixed effects absorb
 * is a zero column); with vcov CRV1, the codes 0..ncluster-1 of the first cluster dimension.
 * Free with ks_feols_design_free. */
typedef struct ks_feols_design ks_feols_design; /* opaque */
typedef struct {
    size_t n, k;
    const double *X, *y;
    const double *w;        /* the weights, or NULL */
    const size_t *rows;     /* n: each row's row in the table */
    const int32_t *cluster; /* n codes, or NULL without CRV1 */
    size_t ncluster;
} ks_feols_design_view;
KS_API int ks_feols_design_build(ks_ctx *ctx, const ks_table *t, const char *formula,
                                 const ks_feols_options *opt, ks_feols_design **out) KS_RESULT_USED;
KS_API void ks_feols_design_get(const ks_feols_design *d, ks_feols_design_view *out);
KS_API void ks_feols_design_free(ks_feols_design *d); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
