/* linalg_internal.h — the dense numerics the library's models share, private to src/: the only
 * way a model reaches BLAS/LAPACK (checked wrappers, blas.c), the small dense solves
 * (small_solve.c), and R's and numpy's conventions for medians, quantiles and the normal
 * quantile, kept exactly so that parity with those upstreams holds to the bit. Front ends use
 * include/kestrel/linalg.h.
 *
 * The wrappers make exactly the Fortran call of their name with the same arguments (so the
 * numbers are LAPACK's), after checking that every dimension and leading dimension fits BLAS's
 * int: one that does not is KS_EOVERFLOW naming the routine, the argument and its value.
 * Matrices are column-major; `trans`, `uplo`, `jobz` are LAPACK's one-letter codes. */
#ifndef KS_LINALG_INTERNAL_H
#define KS_LINALG_INTERNAL_H

#include <stddef.h>

#include <math.h>

#include "base/base_internal.h"
#include "kestrel/linalg.h"

/* Pass as lwork (and liwork) to ask a LAPACK routine for its optimal workspace (LAPACK's
 * lwork = -1): the size is written to work[0] (and iwork[0]). */
#define KS__LWORK_QUERY ((size_t)-1)

/* The routines that report through LAPACK's `info` take `int *info`: NULL makes a nonzero info
 * a failure (KS_ENUMERIC naming the routine and info); otherwise it is stored there for the
 * caller to act on, and the call returns KS_OK. */

/* C = alpha op(A) op(B) + beta C (op(A) m x k, op(B) k x n). */
int ks__dgemm(ks_ctx *ctx, char transa, char transb, size_t m, size_t n, size_t k, double alpha,
              const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
              size_t ldc) KS_RESULT_USED;
/* C = alpha A A' + beta C (trans 'N', A n x k) or alpha A' A + beta C ('T', A k x n); the
 * `uplo` triangle of C (n x n) only. */
int ks__dsyrk(ks_ctx *ctx, char uplo, char trans, size_t n, size_t k, double alpha, const double *A,
              size_t lda, double beta, double *C, size_t ldc) KS_RESULT_USED;
/* Cholesky A = L L' (uplo 'L') or U'U ('U') in place; info > 0: not positive definite. */
int ks__dpotrf(ks_ctx *ctx, char uplo, size_t n, double *A, size_t lda, int *info) KS_RESULT_USED;
/* Solve A X = B (B n x nrhs, overwritten) with dpotrf's factor. */
int ks__dpotrs(ks_ctx *ctx, char uplo, size_t n, size_t nrhs, const double *A, size_t lda,
               double *B, size_t ldb, int *info) KS_RESULT_USED;
/* The inverse of A from dpotrf's factor, in the `uplo` triangle. */
int ks__dpotri(ks_ctx *ctx, char uplo, size_t n, double *A, size_t lda, int *info) KS_RESULT_USED;
/* Eigenvalues (ascending, into w) and with jobz 'V' eigenvectors (into A) of symmetric A. */
int ks__dsyevd(ks_ctx *ctx, char jobz, char uplo, size_t n, double *A, size_t lda, double *w,
               double *work, size_t lwork, int *iwork, size_t liwork, int *info) KS_RESULT_USED;
/* All eigenvalues (ascending, into w) and with jobz 'V' eigenvectors (into Z, n x n) of
 * symmetric A by dsyevr (RANGE 'A', ABSTOL 0: R's eigen(symmetric = TRUE) call); A is
 * destroyed; isuppz 2n. */
int ks__dsyevr(ks_ctx *ctx, char jobz, char uplo, size_t n, double *A, size_t lda, double *w,
               double *Z, size_t ldz, int *isuppz, double *work, size_t lwork, int *iwork,
               size_t liwork, int *info) KS_RESULT_USED;
/* Householder QR of A (m x n) in place: R above the diagonal, reflectors below, tau n. */
int ks__dgeqrf(ks_ctx *ctx, size_t m, size_t n, double *A, size_t lda, double *tau, double *work,
               size_t lwork, int *info) KS_RESULT_USED;
/* QR with column pivoting; jpvt (n, 1-based; 0 on entry: free columns) gives the order. */
int ks__dgeqp3(ks_ctx *ctx, size_t m, size_t n, double *A, size_t lda, int *jpvt, double *tau,
               double *work, size_t lwork, int *info) KS_RESULT_USED;
/* The first n columns of Q (m x n) from k of dgeqrf's / dgeqp3's reflectors, in place. */
int ks__dorgqr(ks_ctx *ctx, size_t m, size_t n, size_t k, double *A, size_t lda, const double *tau,
               double *work, size_t lwork, int *info) KS_RESULT_USED;

/* ---- R's eigen(symmetric = TRUE) and Matrix::nearPD (near_pd.c) ----------------------- */

/* The workspace of both for one size n (made once, reused: a GWAS smooths per SNP); freed
 * without a ctx, NULL is fine. */
typedef struct ks__symeig ks__symeig;
int ks__symeig_new(ks_ctx *ctx, size_t n, ks__symeig **out) KS_RESULT_USED;
void ks__symeig_free(ks__symeig *e);
size_t ks__symeig_n(const ks__symeig *e);
/* R's eigen(A, symmetric = TRUE) of the n x n A (its lower triangle; every element must be
 * finite, as R requires): values descending, vectors (n x n, NULL: not wanted) in their
 * order; dsyevr with jobz 'V' either way, as R computes them. */
int ks__symeig_run(ks_ctx *ctx, ks__symeig *e, const double *A, double *values,
                   double *vectors) KS_RESULT_USED;
/* What nearPD() reports besides the matrix. */
typedef struct {
    int iterations, converged; /* not converged in 100 iterations: R warns and goes on */
    double conv;               /* the last ||Y - X||_inf / ||Y||_inf */
} ks__near_pd_info;
/* Matrix::nearPD(x, corr = FALSE)$mat with the Matrix package's defaults (keepDiag = FALSE,
 * do2eigen, doDykstra, ensureSymmetry = !isSymmetric(x), eig.tol 1e-6, conv.tol 1e-7, posd.tol
 * 1e-8, maxit 100, the infinity norm), as as.matrix() hands it to GenomicSEM: x (n x n, n =
 * ks__symeig_n(e)) is replaced by it. KS_EINVAL for a value not finite, KS_ENUMERIC where R
 * stops ("the matrix seems negative semi-definite"). */
int ks__near_pd(ks_ctx *ctx, ks__symeig *e, double *x, ks__near_pd_info *info) KS_RESULT_USED;

/* The residuals of a least-squares fit (want_resid), handed over: the caller frees them with the
 * ctx allocator the fit was made with; the fit has none after. */
double *ks__lstsq_take_resid(ks_lstsq_result *r);

/* ---- small dense solves (small_solve.c) --------------------------------------------------- */

/* Solve A Z = B in place (A k x k SPD, its lower triangle used and overwritten by the Cholesky
 * factor; B k x nrhs) by LAPACK's dpotrf + dpotrs. With check_rcond, fail (KS_ENUMERIC) when
 * the reciprocal 1-norm condition number is below machine epsilon, R's rcond test.
 * scratch: k doubles. A matrix that is not positive definite is KS_ENUMERIC "<what> is
 * singular". */
int ks__chol_solve(ks_ctx *ctx, size_t k, double *A, double *B, size_t nrhs, int check_rcond,
                   double *scratch, const char *what) KS_RESULT_USED;

/* A x = b for p x p A (column-major) by Gaussian elimination with partial pivoting (LAPACK's
 * dgesv order); A and b are overwritten. -1 when a pivot is zero or not finite. */
int ks__lu_solve(size_t p, double *A, double *b, double *x);

/* LAPACK dgesv on a 2 x 2 system (column-major A), as dgetrf2 + dgetrs compute it (R's
 * solve()): no test of the pivots, a singular system gives Inf or NaN. */
void ks__solve2(const double A[4], const double b[2], double x[2]);

/* The inference a view carries for one estimate (did's views, feols' linear combinations),
 * computed once here: t = est / se, the two-sided p-value 2 F(-|t|) (F: t(df) for df > 0, the
 * normal for df == 0) and the interval est -+ q se, q the critical value (t or normal quantile,
 * or a bootstrap sup-t value) the caller computed once; all NaN unless se is a positive finite
 * number and est finite. */
static inline void ks__infer(double est, double se, double df, double q, double *t, double *p,
                             double *lo, double *hi)
{
    if (!(isfinite(se) && se > 0) || !isfinite(est)) {
        *t = *p = *lo = *hi = NAN;
        return;
    }
    *t = est / se;
    *p = 2.0 * (df > 0 ? ks_t_cdf(-fabs(*t), df) : ks_normal_cdf(-fabs(*t)));
    *lo = est - q * se;
    *hi = est + q * se;
}

/* NumPy's conventions, so that numbers the Python front end once computed with NumPy stay the
 * same to the bit (did's placebo summaries): */
/* sum of a[0..n) in NumPy's pairwise order (pairwise_sum: up to 128 values in 8 interleaved
 * accumulators combined as a tree, longer runs split in halves of multiples of 8) */
double ks__sum_pairwise(const double *a, size_t n);
/* np.mean and np.std(ddof=1) (NaN below 2 values) of a[0..n); tmp: n doubles */
void ks__mean_sd_numpy(const double *a, size_t n, double *tmp, double *mean, double *sd);
/* np.percentile(a, pct) (method 'linear', NumPy >= 1.22) of n > 0 sorted values */
double ks__percentile_sorted(const double *sorted, size_t n, double pct);

/* ---- selection, quantiles, sums (stats.c, dist.c) ---------------------------------------- */
/* R's median of v[0..n) (the mean of the middle two for an even n, NaN for none), in O(n) by
 * selection (ks_select_kth); v is reordered. NaNs are not removed. */
double ks__median(double *v, size_t n);
/* pandas' Series.quantile(q) (numpy's linear interpolation, as numpy 1.16 weighs it) of the
 * numbers in v[0..n) that are not NaN (NaN for none); v is reordered. */
double ks__quantile_linear(double *v, size_t n, double q);

/* |z| for a two-sided P: z with P(|Z| > z) = P, from P (0 <= P <= 1) or, for P below the
 * double range, from log P (logp; pass NAN to use P); AS 241 entered by log p in the tails so
 * that no P is too small. */
double ks__z_from_p(double p, double logp);

/* A root of f in [lo, hi] by Brent's method, as R's uniroot(f, c(lo, hi), tol = tol, maxiter =
 * maxit) finds it (R's zeroin, the same steps, so the same root at a loose tol): flo and fhi are
 * f(lo) and f(hi), which must differ in sign (else NaN, as uniroot fails); tol is absolute. */
double ks__zeroin(double (*f)(double, void *), void *ud, double lo, double hi, double flo,
                  double fhi, double tol, int maxit);

/* Which of the k columns of the n x k design X (leading dimension ldx) ks_lstsq's in-order rank
 * test drops at tolerance tol (tol <= 0: its default): dropped[j] 1 or 0. */
int ks__lstsq_dropped(ks_ctx *ctx, size_t n, size_t k, const double *X, size_t ldx, double tol,
                      unsigned char *dropped);

/* The first i with x[i] infinite or NaN, n if none: a pass that vectorizes, then the search
 * only when there is one. */
size_t ks__first_nonfinite(const double *x, size_t n);

/* The sum of x[0..n) accumulated in long double, in order (the jackknives' and ldsc's sums). */
double ks__sum_ld(const double *x, size_t n);

/* A jackknife (jackknife.c); the struct is open to the library so that an estimator can build
 * one from delete values of its own (ldsc's two-step estimator). Arrays as in the view; est
 * owns them all but separators. */
struct ks_jackknife {
    ks_allocator alloc;
    size_t n_blocks, p;
    double *est, *delete_values, *pseudovalues, *jknife_est, *jknife_var, *jknife_se, *jknife_cov;
    size_t *separators;
};
/* A jackknife of n_blocks x p values (with_sep: room for the separators), uninitialised. */
ks_jackknife *ks__jackknife_new(ks_ctx *ctx, size_t n_blocks, size_t p, int with_sep);
/* From est and delete_values: the pseudovalues, then their estimate, variance and covariance. */
void ks__jackknife_finish(ks_jackknife *j);

#endif
