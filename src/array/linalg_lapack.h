/* linalg_lapack.h — the LAPACK routines numpy.linalg calls, in the four dtypes, declared by hand
 * in the Fortran convention (every argument by pointer, trailing hidden lengths of the
 * character arguments) so that no LAPACKE header is needed; private to linalg_decomp.c. The
 * complex routines take their matrices as void * (float / double _Complex pairs). */
#ifndef KS_ARRAY_LINALG_LAPACK_H
#define KS_ARRAY_LINALG_LAPACK_H

#include <stddef.h>

#define KS__GESV(p, T)                                                                             \
    void p##gesv_(const int *n, const int *nrhs, T *a, const int *lda, int *ipiv, T *b,            \
                  const int *ldb, int *info);                                                      \
    void p##getrf_(const int *m, const int *n, T *a, const int *lda, int *ipiv, int *info);        \
    void p##potrf_(const char *uplo, const int *n, T *a, const int *lda, int *info, size_t);       \
    void p##geqrf_(const int *m, const int *n, T *a, const int *lda, T *tau, T *work,              \
                   const int *lwork, int *info);
KS__GESV(s, float)
KS__GESV(d, double)
KS__GESV(c, void)
KS__GESV(z, void)
#undef KS__GESV

void sorgqr_(const int *m, const int *n, const int *k, float *a, const int *lda, const float *tau,
             float *work, const int *lwork, int *info);
void dorgqr_(const int *m, const int *n, const int *k, double *a, const int *lda, const double *tau,
             double *work, const int *lwork, int *info);
void cungqr_(const int *m, const int *n, const int *k, void *a, const int *lda, const void *tau,
             void *work, const int *lwork, int *info);
void zungqr_(const int *m, const int *n, const int *k, void *a, const int *lda, const void *tau,
             void *work, const int *lwork, int *info);

void sgesdd_(const char *jobz, const int *m, const int *n, float *a, const int *lda, float *s,
             float *u, const int *ldu, float *vt, const int *ldvt, float *work, const int *lwork,
             int *iwork, int *info, size_t);
void dgesdd_(const char *jobz, const int *m, const int *n, double *a, const int *lda, double *s,
             double *u, const int *ldu, double *vt, const int *ldvt, double *work, const int *lwork,
             int *iwork, int *info, size_t);
void cgesdd_(const char *jobz, const int *m, const int *n, void *a, const int *lda, float *s,
             void *u, const int *ldu, void *vt, const int *ldvt, void *work, const int *lwork,
             float *rwork, int *iwork, int *info, size_t);
void zgesdd_(const char *jobz, const int *m, const int *n, void *a, const int *lda, double *s,
             void *u, const int *ldu, void *vt, const int *ldvt, void *work, const int *lwork,
             double *rwork, int *iwork, int *info, size_t);

void ssyevd_(const char *jobz, const char *uplo, const int *n, float *a, const int *lda, float *w,
             float *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
             size_t);
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t,
             size_t);
void cheevd_(const char *jobz, const char *uplo, const int *n, void *a, const int *lda, float *w,
             void *work, const int *lwork, float *rwork, const int *lrwork, int *iwork,
             const int *liwork, int *info, size_t, size_t);
void zheevd_(const char *jobz, const char *uplo, const int *n, void *a, const int *lda, double *w,
             void *work, const int *lwork, double *rwork, const int *lrwork, int *iwork,
             const int *liwork, int *info, size_t, size_t);

void sgeev_(const char *jobvl, const char *jobvr, const int *n, float *a, const int *lda, float *wr,
            float *wi, float *vl, const int *ldvl, float *vr, const int *ldvr, float *work,
            const int *lwork, int *info, size_t, size_t);
void dgeev_(const char *jobvl, const char *jobvr, const int *n, double *a, const int *lda,
            double *wr, double *wi, double *vl, const int *ldvl, double *vr, const int *ldvr,
            double *work, const int *lwork, int *info, size_t, size_t);
void cgeev_(const char *jobvl, const char *jobvr, const int *n, void *a, const int *lda, void *w,
            void *vl, const int *ldvl, void *vr, const int *ldvr, void *work, const int *lwork,
            float *rwork, int *info, size_t, size_t);
void zgeev_(const char *jobvl, const char *jobvr, const int *n, void *a, const int *lda, void *w,
            void *vl, const int *ldvl, void *vr, const int *ldvr, void *work, const int *lwork,
            double *rwork, int *info, size_t, size_t);

void sgelsd_(const int *m, const int *n, const int *nrhs, float *a, const int *lda, float *b,
             const int *ldb, float *s, const float *rcond, int *rank, float *work, const int *lwork,
             int *iwork, int *info);
void dgelsd_(const int *m, const int *n, const int *nrhs, double *a, const int *lda, double *b,
             const int *ldb, double *s, const double *rcond, int *rank, double *work,
             const int *lwork, int *iwork, int *info);
void cgelsd_(const int *m, const int *n, const int *nrhs, void *a, const int *lda, void *b,
             const int *ldb, float *s, const float *rcond, int *rank, void *work, const int *lwork,
             float *rwork, int *iwork, int *info);
void zgelsd_(const int *m, const int *n, const int *nrhs, void *a, const int *lda, void *b,
             const int *ldb, double *s, const double *rcond, int *rank, void *work,
             const int *lwork, double *rwork, int *iwork, int *info);

#endif
