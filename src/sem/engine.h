/* engine.h — the SEM engine's numerical core: a parameter table (ks__sem_partable) compiled into
 * model matrices, the implied covariance and its derivatives, lavaan's estimators, starting
 * values, a bounded Gauss–Newton optimizer and the standard errors (single group, covariance
 * structure only).
 *
 * Vectors of a fit:
 *   est    one value per parameter-table row (t->npar): fixed rows hold their value, free rows
 *          the start and, after ks__sem_fit, the estimate (lavaan's partable$est);
 *   theta  lavaan's free parameters (ntheta = the table's nfree), theta[k] = est of the row
 *          whose free column is k + 1;
 *   x      what the optimizer moves (nx): theta = t0 + K x solves the linear equality
 *          constraints (shared labels, `==`); for plain equalities x is the first parameter of
 *          each tied set, and without constraints x = theta.
 * vech order: lavaan's, the columns of the lower triangle (s11, s21, ..., sp1, s22, ...).
 *
 * A compiled model is immutable and may be shared by threads; each thread fits with its own
 * workspace (ks__sem_work), which a fit never reallocates: the GWAS compiles once and fits a
 * million times. */
#ifndef KS_SEM_ENGINE_H
#define KS_SEM_ENGINE_H

#include <stddef.h>

#include "sem/sem_internal.h"

typedef enum {
    KS__SEM_ML = 0, /* F = log|Sigma| + tr(S Sigma^-1) - log|S| - p; lavaan's fmin = F / 2 */
    KS__SEM_GLS,    /* WLS with W = 0.5 D'(S^-1 x S^-1)D; fmin = (N-1)/N F / 2 */
    KS__SEM_ULS,    /* W = I */
    KS__SEM_WLS,    /* the caller's full W (pstar x pstar) */
    KS__SEM_DWLS    /* the caller's diagonal W (pstar) */
} ks__sem_estimator;

typedef struct ks__sem_model ks__sem_model;
typedef struct ks__sem_work ks__sem_work;

/* Linear equality constraints C theta = d given by the caller (ncon rows; C column-major,
 * ncon x ntheta): the user's `==` rows as ks__sem_constraint_eval linearises them. Given, they
 * replace the engine's own reading of the user's `==` rows (label == label, label == number);
 * the shared-label rows (user 2) are always read from the table. */
typedef struct {
    size_t ncon;
    const double *C, *d;
} ks__sem_lincon;

/* Compile the table's =~ ~ ~~ rows into RAM matrices (A, S, F: see model.c for why RAM) and
 * its constraint rows into K, t0 and bounds. `:=` rows are left to the caller; `<` and `>` on
 * one parameter against a number become bounds; other inequalities, a nonlinear `==`, means,
 * thresholds, formative factors or several groups are KS_EINVAL naming the row. */
int ks__sem_model_compile(ks_ctx *ctx, const ks__sem_partable *t, const ks__sem_lincon *lincon,
                          ks__sem_model **out) KS_RESULT_USED;
void ks__sem_model_free(ks__sem_model *m); /* NULL is fine; no ctx */

typedef struct {
    size_t p, pstar;             /* observed variables (the table's ov order), p (p + 1) / 2 */
    size_t nrow;                 /* table rows */
    size_t ntheta;               /* lavaan's free parameters */
    size_t nx;                   /* after the equality constraints */
    const double *K;             /* ntheta x nx, column-major */
    const double *t0;            /* ntheta */
    const double *lower, *upper; /* nx: bounds on x (-HUGE_VAL / HUGE_VAL when none) */
    const long *theta_row;       /* ntheta: the table row of each free parameter */
    const long *row_theta;       /* nrow: the free parameter of a row (-1: fixed or not a
                                    model row) */
    const long *x_theta;         /* nx: the free parameter x stands for */
} ks__sem_model_view;
void ks__sem_model_get(const ks__sem_model *m, ks__sem_model_view *out);

/* A workspace for fits of m (holds no pointer into the caller's data between calls). */
int ks__sem_work_new(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work **out) KS_RESULT_USED;
void ks__sem_work_free(ks__sem_work *w); /* NULL is fine; no ctx */

/* What is fitted. */
typedef struct {
    ks__sem_estimator estimator;
    const double *S; /* p x p sample covariance (lavaan's: ML divides by N, the others N-1) */
    double nobs;     /* N */
    const double *W; /* WLS: pstar x pstar; DWLS: pstar (the diagonal); NULL otherwise */
    /* nx flags, or NULL: a nonzero x is held at the value est gives it (the GWAS's fixed
       measurement model), without recompiling */
    const unsigned char *hold;
    double gtol;  /* converged when the largest |d F / d x| (over x free and off its bound) is
                     at most this, or when the next step is below 4 ulps of every x it moves
                     (scale-free); <= 0: 1e-10 */
    int max_iter; /* Gauss-Newton iterations at most (BFGS takes over then, or earlier when
                     Gauss-Newton slows, for up to 20 times as many); <= 0: 200 */
} ks__sem_problem;

typedef enum {
    KS__SEM_CONVERGED = 0,
    KS__SEM_NOT_CONVERGED = 1, /* iteration limit, or no descent left above gtol (the
                                  estimates are the best point found) */
} ks__sem_fit_status;

typedef struct {
    ks__sem_fit_status status;
    int iterations;  /* Gauss-Newton + BFGS */
    int bfgs;        /* 1 when BFGS took over */
    double fx;       /* the estimator's discrepancy F (lavaan's estimator.ML / WLS value) */
    double fmin;     /* lavaan's fmin: F / 2 for ML, (N-1)/N F / 2 for the others */
    double max_grad; /* the largest |d F / d x| at the end (free x, off their bounds) */
} ks__sem_fit_info;

/* lavaan 0.6-14's start values (start = "default", lav_start) for every row from S: 1 for
 * loadings then fabin3 per factor (its 3-indicator rule below 4), half the observed variance
 * for residual variances, 0.05 for latent variances, the sample values for fixed.x covariances,
 * OLS for observed-variable regressions, bounds, the user's values. Writes est (nrow). */
int ks__sem_start(ks_ctx *ctx, const ks__sem_model *m, const double *S, double *est) KS_RESULT_USED;

/* Minimise F from the start in est (nrow: fixed rows' values and start values; see above),
 * writing the estimates back. KS_ENUMERIC (with the message) when S is not positive definite
 * (ML, GLS), the start gives a non-positive-definite Sigma (ML), or a value is not finite; a
 * fit that stops short of gtol returns KS_OK with info->status NOT_CONVERGED. */
int ks__sem_fit(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                double *est, ks__sem_fit_info *info) KS_RESULT_USED;

/* At est: the implied covariance (p x p), F and its gradient in theta (ntheta, or NULL), and
 * Delta = d vech(Sigma) / d theta (pstar x ntheta column-major, or NULL). KS_ENUMERIC when
 * Sigma is not positive definite (ML) or I - A is singular. */
int ks__sem_evaluate(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w,
                     const ks__sem_problem *pb, const double *est, double *sigma, double *fx,
                     double *grad, double *delta) KS_RESULT_USED;

/* lavaan's WLS.V of the fit at est (pstar x pstar): for ML 0.5 D'(Sigma^-1 x Sigma^-1) D at
 * the implied Sigma, for GLS the same at S, for ULS I, WLS / DWLS the caller's. */
int ks__sem_weight(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                   const double *est, double *W) KS_RESULT_USED;

/* The covariance of theta (ntheta x ntheta) at est:
 *  V == NULL: lavaan's se = "standard" with the expected information,
 *     K (K' Delta' W Delta K)^-1 K' / n, n = N for ML and N - 1 for the others;
 *  V (pstar x pstar) given: the sandwich GenomicSEM computes, bread Delta' W V W Delta bread
 *     with bread = K (K' Delta' W Delta K)^-1 K' (W lavaan's WLS.V as above).
 * Held x count as fixed (zero rows and columns). A singular information matrix (a model not
 * identified) is KS_ENUMERIC naming a parameter involved. */
int ks__sem_vcov(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                 const double *est, const double *V, double *vcov) KS_RESULT_USED;

/* ---- Shared by the engine's files (model.c, start.c, fit.c, vcov.c, dense.c) ---- */

typedef enum {
    KS__SEM_ROW_OTHER = 0,
    KS__SEM_ROW_LOAD,
    KS__SEM_ROW_REG,
    KS__SEM_ROW_COV
} ks__sem_row_kind;

/* A parameter-table row as the engine reads it: variables are numbered ov (0..p-1) then lv. */
typedef struct {
    ks__sem_row_kind kind; /* =~ (A[rhs][lhs]), ~ (A[lhs][rhs]), ~~ (S[lhs][rhs]) or other */
    size_t lhs, rhs;
    long theta;            /* -1: fixed */
    double ustart;         /* NaN: none */
    double tlower, tupper; /* the table's bounds (lower() / upper()) */
    double lower, upper;   /* those and the simple inequalities' */
    int exo;
} ks__sem_row;

struct ks__sem_model {
    ks_allocator alloc;
    size_t p, nlv, m, pstar, nrow, ntheta, nx;
    ks__sem_row *row;
    double *K, *t0, *lower, *upper;
    long *theta_row, *row_theta, *x_theta;
    int k_identity; /* x == theta */
    /* the sparsity implied() works with: the directed paths into each variable (a_ptr, a_col:
       A[i][a_col[a_ptr[i] ..]]), the variables in an order where every path goes forward
       (NULL when the paths have a cycle: then I - A is inverted by LU), the nonzero entries of
       S (both triangles), and the rows of H that Delta reads (the sources of free paths) */
    size_t *a_ptr, *a_col, *topo, *s_i, *s_k, nnz_s, *h_rows, nh;
    char **name; /* "lhs op rhs" of each row, for messages */
    char *text;
};

struct ks__sem_work {
    ks_allocator alloc;
    double *A, *Sm, *lu, *B, *H, *T;   /* m x m (H, T: m x p) */
    double *sigma, *L, *sinv, *M;      /* p x p */
    double *sdat, *sdat_inv;           /* p x p: S and (ML, GLS) S^-1 */
    double *svech, *resid, *r, *Wfull; /* pstar; Wfull pstar x pstar */
    double *dth, *dx;                  /* pstar x ntheta, pstar x nx */
    double *theta, *x, *xnew, *g, *gnew, *d, *info, *hinv, *sy, *tmp; /* nx / ntheta sized */
    size_t *piv, *act;
    double logdet_s;
    double *xa, *xb, *xc; /* p x p x nx: the normal-theory information's scratch */
};

/* dense.c: Cholesky of the n x n A in place (lower triangle; 0, or the 1-based column where a
 * pivot is not above tol times the largest diagonal), its solve, log-determinant and full
 * inverse, and B = (I - A)^-1 by LU (-1 when singular). */
int ks__sem_chol(size_t n, double *A, double tol);
void ks__sem_chol_solve(size_t n, const double *L, double *b);
double ks__sem_chol_logdet(size_t n, const double *L);
void ks__sem_chol_inverse(size_t n, const double *L, double *inv);
int ks__sem_inverse_ima(size_t m, const double *A, double *lu, size_t *piv, double *B);

/* model.c: the matrices A and S (w->A, w->Sm) from est (all rows), the free entries from
 * theta; the implied covariance into w->sigma with B and the rows of H Delta needs (-1: I - A
 * singular); Delta's column of one free parameter (pstar). */
void ks__sem_fill(const ks__sem_model *m, ks__sem_work *w, const double *est);
void ks__sem_set_theta(const ks__sem_model *m, ks__sem_work *w, const double *theta);
int ks__sem_implied(const ks__sem_model *m, ks__sem_work *w);
void ks__sem_delta_col(const ks__sem_model *m, const ks__sem_work *w, size_t k, double *out);

#endif
