/* linalg.h — accurate dense least squares and SPD solves, summary statistics, distributions,
 * jackknives.
 *
 * Least squares: Householder QR of the column-equilibrated matrix (scaling by powers of two, so
 * exact), with rank detected in column order: a column whose part orthogonal to the columns
 * kept before it has norm below rank_tol times its own norm is dropped (reported, never silent).
 * Then iterative refinement of the augmented system [I A; A' 0][r; x] = [b; c] (Björck 1967)
 * with residuals accumulated in double-double arithmetic (FMA-based, compiled for CPUs with and
 * without FMA), for the coefficients always and, when cond(R) > 1e3, for every column of
 * (A'A)^-1: this reproduces the NIST StRD certified values (Filip, Wampler5 included) at the
 * binary64 ceiling.
 *
 * Matrices are column-major. Thread-safe on distinct ctx. */
#ifndef KESTREL_LINALG_H
#define KESTREL_LINALG_H

#include "kestrel/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KS_REFINE_AUTO = -1, /* coefficients always; (A'A)^-1 when cond(scaled R) > 1e3 */
    KS_REFINE_NEVER = 0,
    KS_REFINE_ALWAYS = 1
} ks_refine_mode;
/* Names: "auto", "never", "always" (see base.h). */
KS_API const char *ks_refine_mode_name(ks_refine_mode value);
KS_API int ks_refine_mode_value(ks_ctx *ctx, const char *name, ks_refine_mode *out) KS_RESULT_USED;

typedef struct {
    double rank_tol;       /* relative residual-norm threshold for dropping a column;
                              default 1e-11 */
    ks_refine_mode refine; /* default KS_REFINE_AUTO */
    int max_refine;        /* refinement iterations at most; default 10 */
    int want_cov;          /* compute (A'WA)^-1; default 1 */
    int want_resid;        /* keep residuals y - Xb; default 1 */
    const double *X_lo;    /* optional low-order parts of X (same layout): the design is X + X_lo,
                              e.g. powers x^p carried in double-double. Refinement then solves the
                              problem of the unrounded design; NULL: X is exact. Borrowed. */
} ks_lstsq_options;
#define KS_LSTSQ_OPTIONS_INIT                                                                      \
    {                                                                                              \
        1e-11, KS_REFINE_AUTO, 10, 1, 1, NULL                                                      \
    }

typedef struct ks_lstsq_result ks_lstsq_result; /* a least-squares fit; opaque */

/* The fit, pointers owned by the result (valid until ks_lstsq_free). */
typedef struct {
    size_t n, k;                  /* rows, columns */
    size_t rank;                  /* columns kept */
    const double *coef;           /* k; NaN for a dropped column */
    const unsigned char *dropped; /* k; 1 for a column dropped as collinear (or all zero) */
    const double *cov_unscaled;   /* k x k (A'WA)^-1 over kept columns, NaN rows/cols for dropped;
                                     NULL unless want_cov */
    const double *resid;          /* n; y - X b (not multiplied by sqrt(w)); NULL unless
                                     want_resid */
    double rss;                   /* sum w_i resid_i^2 */
    double cond;                  /* 1-norm condition estimate of the equilibrated R (kept
                                     columns) */
    int refine_iters;             /* refinement iterations taken for the coefficients */
} ks_lstsq_view;

/* Minimize sum_i w_i (y_i - X_i b)^2. X is n x k column-major with leading dimension ldx >= n;
 * w may be NULL (all ones) and must otherwise be > 0 and finite; y has n entries. X, y, w are
 * borrowed; opt NULL: the defaults. n >= 1; rank may be below k. On success *out owns the
 * result: read it with ks_lstsq_get, free it with ks_lstsq_free. Non-finite input is
 * KS_ENUMERIC naming the column. */
KS_API int ks_lstsq(ks_ctx *ctx, size_t n, size_t k, const double *X, size_t ldx, const double *y,
                    const double *w, const ks_lstsq_options *opt,
                    ks_lstsq_result **out) KS_RESULT_USED;
KS_API void ks_lstsq_get(const ks_lstsq_result *r, ks_lstsq_view *out);
KS_API void ks_lstsq_free(ks_lstsq_result *r); /* NULL is fine; no ctx */

/* Solve A X = B for symmetric positive (semi)definite A (k x k, column-major, borrowed;
 * B is k x nrhs and overwritten by X). Cholesky; if A is not numerically positive definite,
 * falls back to an eigendecomposition, using the pseudo-inverse over eigenvalues above
 * tol * max eigenvalue (tol <= 0: 1e-12) and reports that through the log callback. */
KS_API int ks_spd_solve(ks_ctx *ctx, size_t k, const double *A, double *B, size_t nrhs,
                        double tol) KS_RESULT_USED;
/* Inverse of an SPD matrix in place (k x k), same fallback. */
KS_API int ks_spd_inverse(ks_ctx *ctx, size_t k, double *A, double tol) KS_RESULT_USED;

/* Summary statistics accurate to the last bit of the binary64 data: the sums are accumulated
 * in double-double arithmetic. */
KS_API double ks_mean(const double *x, size_t n);
KS_API double ks_sd(const double *x, size_t n); /* denominator n - 1 */
/* Lag-1 autocorrelation sum_{i>=2}(x_i - m)(x_{i-1} - m) / sum_i (x_i - m)^2. */
KS_API double ks_autocorr1(const double *x, size_t n);
/* The k-th smallest of x[0..n) (0-based, k < n), in O(n) by Hoare's selection; x is reordered
 * so that x[0..k) holds none larger and x[k+1..n) none smaller. */
KS_API double ks_select_kth(double *x, size_t n, size_t k);

/* Distribution functions for inference. Student t through the regularized incomplete beta
 * function (continued fraction, Lentz's method), accurate to about 1e-14; df = INFINITY gives
 * the normal. The normal quantile by Wichura's AS 241 (R's qnorm, to the bit); the t quantile by
 * safeguarded Newton iteration on the CDF. */
KS_API double ks_normal_cdf(double z);
KS_API double ks_normal_quantile(double p);
KS_API double ks_t_cdf(double t, double df);
KS_API double ks_t_quantile(double p, double df);
/* Upper tail P(X > x) of the F distribution with df1 and df2 degrees of freedom (the same
 * incomplete beta function). */
KS_API double ks_f_sf(double x, double df1, double df2);
/* Upper tail P(X > x) of the chi-square with df degrees of freedom (regularized incomplete
 * gamma: series, or continued fraction above x/2 = df/2 + 1). */
KS_API double ks_chi2_sf(double x, double df);
/* Its lower tail P(X <= x), and the x with P(X <= x) = p (Newton's method on the tail that keeps
 * precision, to about 1e-15 relative). */
KS_API double ks_chi2_cdf(double x, double df);
KS_API double ks_chi2_quantile(double p, double df);
/* P(X <= x) of the noncentral chi-square with noncentrality ncp >= 0 (R's pchisq(x, df, ncp)):
 * the Poisson(ncp / 2) mixture of central chi-squares, summed to double precision. */
KS_API double ks_nchi2_cdf(double x, double df, double ncp);

/* Jackknives, as bulik/ldsc's jackknife.py computes them (its h2 and rg standard errors rest on
 * them). Matrices column-major: delete_values and pseudovalues n_blocks x p, jknife_cov p x p;
 * separators n_blocks + 1. A jackknife is freed with ks_jackknife_free (NULL is fine; no ctx)
 * and read through its view, whose pointers live as long as it does. */
typedef struct ks_jackknife ks_jackknife;
typedef struct {
    size_t n_blocks, p;
    const double *est;           /* p: the whole-data estimate (NaN for ks_jackknife_pseudo) */
    const double *delete_values; /* n_blocks x p (NaN for ks_jackknife_pseudo) */
    const double *pseudovalues;  /* n_blocks x p */
    const double *jknife_est, *jknife_var, *jknife_se; /* p each */
    const double *jknife_cov;                          /* p x p */
    const size_t *separators; /* n_blocks + 1; NULL for the ratio and pseudovalue jackknives */
} ks_jackknife_view;
/* The fast block jackknife of the regression of y (n) on X (n x p): block sums of X'X and X'y
 * over the blocks given by separators (n_blocks + 1 increasing, from 0 to n) or, when NULL,
 * floor(linspace(0, n, n_blocks + 1)). */
KS_API int ks_jackknife_lstsq(ks_ctx *ctx, size_t n, size_t p, const double *X, const double *y,
                              size_t n_blocks, const size_t *separators,
                              ks_jackknife **out) KS_RESULT_USED;
/* The ratio jackknife of est (p) with numerator and denominator delete values (n_blocks x p). */
KS_API int ks_jackknife_ratio(ks_ctx *ctx, size_t n_blocks, size_t p, const double *est,
                              const double *numer, const double *denom,
                              ks_jackknife **out) KS_RESULT_USED;
/* The jackknife estimate, variance and covariance from pseudovalues (n_blocks x p). */
KS_API int ks_jackknife_pseudo(ks_ctx *ctx, size_t n_blocks, size_t p, const double *pseudovalues,
                               ks_jackknife **out) KS_RESULT_USED;
KS_API void ks_jackknife_get(const ks_jackknife *j, ks_jackknife_view *out);
KS_API void ks_jackknife_free(ks_jackknife *j); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
