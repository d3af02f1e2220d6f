/* blas.c — the library's only calls into BLAS and LAPACK: each wrapper checks that its sizes fit
 * BLAS's int and makes the Fortran call unchanged (the calling convention with trailing hidden
 * string lengths, so no LAPACKE/CBLAS header is needed). */
#include <limits.h>

#include "linalg/linalg_internal.h"

void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
void dpotrs_(const char *uplo, const int *n, const int *nrhs, const double *a, const int *lda,
             double *b, const int *ldb, int *info, size_t);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
             size_t);
void dsyevr_(const char *jobz, const char *range, const char *uplo, const int *n, double *a,
             const int *lda, const double *vl, const double *vu, const int *il, const int *iu,
             const double *abstol, int *m, double *w, double *z, const int *ldz, int *isuppz,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
             size_t, size_t);
void dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha,
            const double *a, const int *lda, const double *beta, double *c, const int *ldc, size_t,
            size_t);
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k,
            const double *alpha, const double *a, const int *lda, const double *b, const int *ldb,
            const double *beta, double *c, const int *ldc, size_t, size_t);
void dgeqp3_(const int *m, const int *n, double *a, const int *lda, int *jpvt, double *tau,
             double *work, const int *lwork, int *info);
void dgeqrf_(const int *m, const int *n, double *a, const int *lda, double *tau, double *work,
             const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);

/* v as BLAS's int, or KS_EOVERFLOW naming the routine, the argument and the size. */
static int blas_int(ks_ctx *ctx, const char *routine, const char *arg, size_t v, int *out)
{
    if (v > (size_t)INT_MAX)
        return ks__fail(ctx, KS_EOVERFLOW, "%s: %s = %zu does not fit BLAS's int (at most %d)",
                        routine, arg, v, INT_MAX);
    *out = (int)v;
    return KS_OK;
}

/* A workspace length: KS__LWORK_QUERY is LAPACK's -1. */
static int lwork_int(ks_ctx *ctx, const char *routine, const char *arg, size_t v, int *out)
{
    if (v == KS__LWORK_QUERY) {
        *out = -1;
        return KS_OK;
    }
    return blas_int(ctx, routine, arg, v, out);
}

/* LAPACK's info handed to the caller, or (info NULL) a nonzero one as a failure. */
static int info_status(ks_ctx *ctx, const char *routine, int got, int *info)
{
    if (info) {
        *info = got;
        return KS_OK;
    }
    return got ? ks__fail(ctx, KS_ENUMERIC, "%s failed (info %d)", routine, got) : KS_OK;
}

int ks__dgemm(ks_ctx *ctx, char transa, char transb, size_t m, size_t n, size_t k, double alpha,
              const double *A, size_t lda, const double *B, size_t ldb, double beta, double *C,
              size_t ldc)
{
    int im, in, ik, ia, ib, ic, rc;
    if ((rc = blas_int(ctx, "dgemm", "m", m, &im)) || (rc = blas_int(ctx, "dgemm", "n", n, &in)) ||
        (rc = blas_int(ctx, "dgemm", "k", k, &ik)) ||
        (rc = blas_int(ctx, "dgemm", "lda", lda, &ia)) ||
        (rc = blas_int(ctx, "dgemm", "ldb", ldb, &ib)) ||
        (rc = blas_int(ctx, "dgemm", "ldc", ldc, &ic)))
        return rc;
    dgemm_(&transa, &transb, &im, &in, &ik, &alpha, A, &ia, B, &ib, &beta, C, &ic, 1, 1);
    return KS_OK;
}

int ks__dsyrk(ks_ctx *ctx, char uplo, char trans, size_t n, size_t k, double alpha, const double *A,
              size_t lda, double beta, double *C, size_t ldc)
{
    int in, ik, ia, ic, rc;
    if ((rc = blas_int(ctx, "dsyrk", "n", n, &in)) || (rc = blas_int(ctx, "dsyrk", "k", k, &ik)) ||
        (rc = blas_int(ctx, "dsyrk", "lda", lda, &ia)) ||
        (rc = blas_int(ctx, "dsyrk", "ldc", ldc, &ic)))
        return rc;
    dsyrk_(&uplo, &trans, &in, &ik, &alpha, A, &ia, &beta, C, &ic, 1, 1);
    return KS_OK;
}

int ks__dpotrf(ks_ctx *ctx, char uplo, size_t n, double *A, size_t lda, int *info)
{
    int in, ia, got = 0, rc;
    if ((rc = blas_int(ctx, "dpotrf", "n", n, &in)) ||
        (rc = blas_int(ctx, "dpotrf", "lda", lda, &ia)))
        return rc;
    dpotrf_(&uplo, &in, A, &ia, &got, 1);
    return info_status(ctx, "dpotrf", got, info);
}

int ks__dpotrs(ks_ctx *ctx, char uplo, size_t n, size_t nrhs, const double *A, size_t lda,
               double *B, size_t ldb, int *info)
{
    int in, inr, ia, ib, got = 0, rc;
    if ((rc = blas_int(ctx, "dpotrs", "n", n, &in)) ||
        (rc = blas_int(ctx, "dpotrs", "nrhs", nrhs, &inr)) ||
        (rc = blas_int(ctx, "dpotrs", "lda", lda, &ia)) ||
        (rc = blas_int(ctx, "dpotrs", "ldb", ldb, &ib)))
        return rc;
    dpotrs_(&uplo, &in, &inr, A, &ia, B, &ib, &got, 1);
    return info_status(ctx, "dpotrs", got, info);
}

int ks__dpotri(ks_ctx *ctx, char uplo, size_t n, double *A, size_t lda, int *info)
{
    int in, ia, got = 0, rc;
    if ((rc = blas_int(ctx, "dpotri", "n", n, &in)) ||
        (rc = blas_int(ctx, "dpotri", "lda", lda, &ia)))
        return rc;
    dpotri_(&uplo, &in, A, &ia, &got, 1);
    return info_status(ctx, "dpotri", got, info);
}

int ks__dsyevd(ks_ctx *ctx, char jobz, char uplo, size_t n, double *A, size_t lda, double *w,
               double *work, size_t lwork, int *iwork, size_t liwork, int *info)
{
    int in, ia, ilw, iliw, got = 0, rc;
    if ((rc = blas_int(ctx, "dsyevd", "n", n, &in)) ||
        (rc = blas_int(ctx, "dsyevd", "lda", lda, &ia)) ||
        (rc = lwork_int(ctx, "dsyevd", "lwork", lwork, &ilw)) ||
        (rc = lwork_int(ctx, "dsyevd", "liwork", liwork, &iliw)))
        return rc;
    dsyevd_(&jobz, &uplo, &in, A, &ia, w, work, &ilw, iwork, &iliw, &got, 1, 1);
    return info_status(ctx, "dsyevd", got, info);
}

int ks__dsyevr(ks_ctx *ctx, char jobz, char uplo, size_t n, double *A, size_t lda, double *w,
               double *Z, size_t ldz, int *isuppz, double *work, size_t lwork, int *iwork,
               size_t liwork, int *info)
{
    int in, ia, iz, ilw, iliw, m = 0, got = 0, rc, il = 0, iu = 0;
    const double vl = 0.0, vu = 0.0, abstol = 0.0;
    if ((rc = blas_int(ctx, "dsyevr", "n", n, &in)) ||
        (rc = blas_int(ctx, "dsyevr", "lda", lda, &ia)) ||
        (rc = blas_int(ctx, "dsyevr", "ldz", ldz, &iz)) ||
        (rc = lwork_int(ctx, "dsyevr", "lwork", lwork, &ilw)) ||
        (rc = lwork_int(ctx, "dsyevr", "liwork", liwork, &iliw)))
        return rc;
    dsyevr_(&jobz, "A", &uplo, &in, A, &ia, &vl, &vu, &il, &iu, &abstol, &m, w, Z, &iz, isuppz,
            work, &ilw, iwork, &iliw, &got, 1, 1, 1);
    return info_status(ctx, "dsyevr", got, info);
}

int ks__dgeqrf(ks_ctx *ctx, size_t m, size_t n, double *A, size_t lda, double *tau, double *work,
               size_t lwork, int *info)
{
    int im, in, ia, ilw, got = 0, rc;
    if ((rc = blas_int(ctx, "dgeqrf", "m", m, &im)) ||
        (rc = blas_int(ctx, "dgeqrf", "n", n, &in)) ||
        (rc = blas_int(ctx, "dgeqrf", "lda", lda, &ia)) ||
        (rc = lwork_int(ctx, "dgeqrf", "lwork", lwork, &ilw)))
        return rc;
    dgeqrf_(&im, &in, A, &ia, tau, work, &ilw, &got);
    return info_status(ctx, "dgeqrf", got, info);
}

int ks__dgeqp3(ks_ctx *ctx, size_t m, size_t n, double *A, size_t lda, int *jpvt, double *tau,
               double *work, size_t lwork, int *info)
{
    int im, in, ia, ilw, got = 0, rc;
    if ((rc = blas_int(ctx, "dgeqp3", "m", m, &im)) ||
        (rc = blas_int(ctx, "dgeqp3", "n", n, &in)) ||
        (rc = blas_int(ctx, "dgeqp3", "lda", lda, &ia)) ||
        (rc = lwork_int(ctx, "dgeqp3", "lwork", lwork, &ilw)))
        return rc;
    dgeqp3_(&im, &in, A, &ia, jpvt, tau, work, &ilw, &got);
    return info_status(ctx, "dgeqp3", got, info);
}

int ks__dorgqr(ks_ctx *ctx, size_t m, size_t n, size_t k, double *A, size_t lda, const double *tau,
               double *work, size_t lwork, int *info)
{
    int im, in, ik, ia, ilw, got = 0, rc;
    if ((rc = blas_int(ctx, "dorgqr", "m", m, &im)) ||
        (rc = blas_int(ctx, "dorgqr", "n", n, &in)) ||
        (rc = blas_int(ctx, "dorgqr", "k", k, &ik)) ||
        (rc = blas_int(ctx, "dorgqr", "lda", lda, &ia)) ||
        (rc = lwork_int(ctx, "dorgqr", "lwork", lwork, &ilw)))
        return rc;
    dorgqr_(&im, &in, &ik, A, &ia, tau, work, &ilw, &got);
    return info_status(ctx, "dorgqr", got, info);
}
