/* linalg_lapack.h — the LAPACK routines numpy.linalg calls, in double precision (real and complex:
 * NumPy runs them in double for single-precision input too), declared by hand
 * in the Fortran convention (every argument by pointer, trailing hidden lengths of the
 * character arguments) so that no LAPACKE header is needed; private to linalg_decomp.c. The
 * complex routines take their matrices as void * (double _Complex pairs). */
#ifndef KS_ARRAY_LINALG_LAPACK_H
#define KS_ARRAY_LINALG_LAPACK_H

#include <stddef.h>

#define KS__GESV(p, T)                                                                             \
    void p##gesv_(const int *n, const int *nrhs, T *a, const int *lda, int *ipiv, T *b,            \
                  const int *ldb, int *info);                                                      \
    void p##getrf_(const int *m, const int *n, T *a, const int *lda, int *ipiv, int *info);        \
    void p##potrf_(const char *uplo, const int *n, T *a, const int *lda, int *info, size_t);       \
    void p##trtrs_(const char *uplo, const char *trans, const char *diag, const int *n,            \
                   const int *nrhs, const T *a, const int *lda, T *b, const int *ldb, int *info,   \
                   size_t, size_t, size_t);                                                        \
    void p##geqrf_(const int *m, const int *n, T *a, const int *lda, T *tau, T *work,              \
                   const int *lwork, int *info);
KS__GESV(d, double)
KS__GESV(z, void)
#undef KS__GESV

void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);
void zungqr_(const int *m, const int *n, const int *k, void *a, const int *lda, const void *tau,
             void *work, const int *lwork, int *info);

void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info, size_t);
void zgesdd_(const char *jobz, const int *m, const int *n, void *a, const int *lda, double *s,
             void *u, const int *ldu, void *vt, const int *ldvt, void *work, const int *lwork,
             double *rwork, int *iwork, int *info, size_t);

void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
             size_t);
void zheevd_(const char *jobz, const char *uplo, const int *n, void *a, const int *lda, double *w,
             void *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
             const int *liwork, int *info, size_t, size_t);

void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t, size_t);
void zgeev_(const char *jobvl, const char *jobvr, const int *n, void *a, const int *lda, void *w,
            void *vl, const int *ldvl, void *vr, const int *ldvr, void *work, const int *lwork,
            double *rwork, int *info, size_t, size_t);

void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);
void zgelsd_(const int *m, const int *n, const int *nrhs, void *a, const int *lda, void *b,
             const int *ldb, double *s, const double *rcond, int *rank, void *work,
             const int *lwork, double *rwork, int *iwork, int *info);

#endif
