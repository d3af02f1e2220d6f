/* near_pd.c — R's eigen(symmetric = TRUE) and the R Matrix package's nearPD() (Higham's
 * alternating projections with Dykstra's correction), as GenomicSEM calls it: nearPD(x, corr =
 * FALSE) with every other argument at Matrix 1.5's default, followed by as.matrix() of the
 * dpoMatrix it returns. Each step makes the call R makes (dsyevr with RANGE 'A' and ABSTOL 0 as
 * R's La_rs, dgemm as R's tcrossprod and %*%), in the same order, so that the result agrees with
 * R's to rounding (to the bit on the same OpenBLAS). */
#include <math.h>
#include <string.h>

#include "linalg/linalg_internal.h"

struct ks__symeig {
    ks_allocator alloc;
    size_t n, lwork, liwork;
    double *a, *z, *w, *ds, *y, *r, *b, *odiag, *work; /* one block */
    int *iwork, *isuppz;                               /* one block */
};

void ks__symeig_free(ks__symeig *e)
{
    if (!e) return;
    ks__release(&e->alloc, e->a);
    ks__release(&e->alloc, e->iwork);
    ks__release(&e->alloc, e);
}

int ks__symeig_new(ks_ctx *ctx, size_t n, ks__symeig **out)
{
    *out = NULL;
    size_t nn;
    if (n < 1 || !ks__size_mul(n, n, &nn) || nn > ((size_t)-1) / 8 / sizeof(double))
        return ks__fail(ctx, KS_EINVAL, "eigen: a %zu x %zu matrix is not supported", n, n);
    ks__symeig *e = ks__calloc(ctx, 1, sizeof *e);
    if (!e) return KS_ENOMEM;
    e->alloc = ctx->alloc;
    e->n = n;
    /* the workspace LAPACK asks for (R asks the same way, on the same n, with jobz 'V') */
    double wq = 0.0, dummy = 0.0;
    int iq = 0, info = 0, isq[2];
    int rc = ks__dsyevr(ctx, 'V', 'L', n, &dummy, n, &dummy, &dummy, n, isq, &wq, KS__LWORK_QUERY,
                        &iq, KS__LWORK_QUERY, &info);
    if (!rc && info)
        rc = ks__fail(ctx, KS_ENUMERIC, "dsyevr's workspace query failed (info %d)", info);
    if (!rc) {
        e->lwork = (size_t)wq;
        e->liwork = (size_t)iq;
        size_t nd = 6 * nn, ni = 2 * n;
        if (!ks__size_add(nd, 2 * n + e->lwork, &nd) || !ks__size_add(ni, e->liwork, &ni))
            rc = ks__fail(ctx, KS_EOVERFLOW, "eigen: workspace for n = %zu", n);
        if (!rc) {
            e->a = ks__malloc_array(ctx, nd, sizeof(double));
            e->iwork = ks__malloc_array(ctx, ni, sizeof(int));
            if (!e->a || !e->iwork) rc = KS_ENOMEM;
        }
    }
    if (rc) {
        ks__symeig_free(e);
        return rc;
    }
    e->z = e->a + nn;
    e->ds = e->z + nn;
    e->y = e->ds + nn;
    e->r = e->y + nn;
    e->b = e->r + nn;
    e->w = e->b + nn;
    e->odiag = e->w + n;
    e->work = e->odiag + n;
    e->isuppz = e->iwork + e->liwork;
    *out = e;
    return KS_OK;
}

size_t ks__symeig_n(const ks__symeig *e) { return e->n; }

/* eigen(A, symmetric = TRUE) into e->w (descending) and e->z (the columns in that order). */
static int eigen_r(ks_ctx *ctx, ks__symeig *e, const double *A)
{
    const size_t n = e->n;
    for (size_t i = 0; i < n * n; i++)
        if (!isfinite(A[i])) return ks__fail(ctx, KS_EINVAL, "eigen: infinite or missing values");
    memcpy(e->a, A, n * n * sizeof *A);
    int info = 0;
    int rc = ks__dsyevr(ctx, 'V', 'L', n, e->a, n, e->w, e->z, n, e->isuppz, e->work, e->lwork,
                        e->iwork, e->liwork, &info);
    if (rc) return rc;
    if (info) return ks__fail(ctx, KS_ENUMERIC, "eigen: dsyevr failed (info %d)", info);
    for (size_t i = 0, j = n - 1; i < j; i++, j--) { /* (R: values and vectors reversed) */
        const double t = e->w[i];
        e->w[i] = e->w[j];
        e->w[j] = t;
        for (size_t q = 0; q < n; q++) {
            const double u = e->z[q + i * n];
            e->z[q + i * n] = e->z[q + j * n];
            e->z[q + j * n] = u;
        }
    }
    return KS_OK;
}

int ks__symeig_run(ks_ctx *ctx, ks__symeig *e, const double *A, double *values, double *vectors)
{
    const int rc = eigen_r(ctx, e, A);
    if (rc) return rc;
    if (values) memcpy(values, e->w, e->n * sizeof *values);
    if (vectors) memcpy(vectors, e->z, e->n * e->n * sizeof *vectors);
    return KS_OK;
}

/* R's all.equal(target, current, tolerance = tol) on the pairs (x[r, c], x[c, r]) of the rows
 * r in [r0, r1): the mean relative difference over the pairs that differ, long double sums as
 * R's sum(). 1 when equal within tol. */
static int all_equal_t(const double *x, size_t n, size_t r0, size_t r1, double tol)
{
    size_t N = 0;
    for (size_t c = 0; c < n; c++)
        for (size_t r = r0; r < r1; r++) N += x[r + c * n] != x[c + r * n];
    if (!N) return 1;
    long double s = 0.0L;
    for (size_t c = 0; c < n; c++)
        for (size_t r = r0; r < r1; r++)
            if (x[r + c * n] != x[c + r * n]) s += fabs(x[r + c * n]) / (double)N;
    double scale = (double)s;
    if (!(isfinite(scale) && scale > tol)) scale = 1.0;
    long double xy = 0.0L;
    for (size_t c = 0; c < n; c++)
        for (size_t r = r0; r < r1; r++)
            if (x[r + c * n] != x[c + r * n])
                xy += fabs(x[r + c * n] - x[c + r * n]) / ((double)N * scale);
    return !((double)xy > tol);
}

/* R's isSymmetric.matrix(x): rows 1, 2, n-1 and n against the columns at tol1 = 8 tol, then the
 * whole matrix against its transpose at tol = 100 eps. */
static int r_is_symmetric(const double *x, size_t n)
{
    const double tol = 100.0 * 2.220446049250313e-16, tol1 = 8.0 * tol;
    if (n > 1) {
        const size_t rows[4] = {0, 1, n - 2, n - 1};
        for (int q = 0; q < 4; q++) {
            int seen = 0;
            for (int p = 0; p < q; p++) seen |= rows[p] == rows[q];
            if (!seen && !all_equal_t(x, n, rows[q], rows[q] + 1, tol1)) return 0;
        }
    }
    return all_equal_t(x, n, 0, n, tol);
}

/* R's norm(A, "I") (LAPACK dlange): the largest row sum of |a_ij|, each summed over j in order. */
static double norm_inf(const double *A, size_t n, double *rowsum)
{
    for (size_t i = 0; i < n; i++) rowsum[i] = 0.0;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) rowsum[i] += fabs(A[i + j * n]);
    double v = 0.0;
    for (size_t i = 0; i < n; i++)
        if (v < rowsum[i] || isnan(rowsum[i])) v = rowsum[i];
    return v;
}

int ks__near_pd(ks_ctx *ctx, ks__symeig *e, double *x, ks__near_pd_info *info)
{
    const size_t n = e->n, nn = n * n;
    const double eig_tol = 1e-6, conv_tol = 1e-7, posd_tol = 1e-8;
    const int maxit = 100;
    *info = (ks__near_pd_info){0, 0, INFINITY};
    for (size_t i = 0; i < nn; i++)
        if (!isfinite(x[i]))
            return ks__fail(ctx, KS_EINVAL, "nearPD: infinite or missing values in the matrix");
    if (!r_is_symmetric(x, n)) /* ensureSymmetry: symmpart(x) */
        for (size_t c = 0; c < n; c++)
            for (size_t r = 0; r < c; r++)
                x[r + c * n] = x[c + r * n] = (x[r + c * n] + x[c + r * n]) / 2.0;
    double *ds = e->ds, *y = e->y, *R = e->r, *B = e->b, *X = x;
    memset(ds, 0, nn * sizeof *ds);
    int rc = KS_OK;
    while (info->iterations < maxit && !info->converged) {
        memcpy(y, X, nn * sizeof *y);
        for (size_t i = 0; i < nn; i++) R[i] = y[i] - ds[i];
        if ((rc = eigen_r(ctx, e, R))) return rc;
        const double *d = e->w, thresh = eig_tol * d[0];
        size_t np = 0; /* Q[, p] and Q[, p] * d[p], compacted */
        for (size_t j = 0; j < n; j++)
            if (d[j] > thresh) {
                if (np != j) memmove(e->z + np * n, e->z + j * n, n * sizeof *e->z);
                for (size_t i = 0; i < n; i++) B[i + np * n] = e->z[i + np * n] * d[j];
                np++;
            }
        if (!np)
            return ks__fail(ctx, KS_ENUMERIC, "nearPD: the matrix seems negative semi-definite");
        if ((rc = ks__dgemm(ctx, 'N', 'T', n, n, np, 1.0, B, n, e->z, n, 0.0, X, n))) return rc;
        for (size_t i = 0; i < nn; i++) ds[i] = X[i] - R[i];
        for (size_t i = 0; i < nn; i++) R[i] = y[i] - X[i]; /* (R is free again: Y - X) */
        const double num = norm_inf(R, n, e->odiag);
        info->conv = num / norm_inf(y, n, e->odiag);
        info->iterations++;
        info->converged = info->conv <= conv_tol;
    }
    /* do2eigen: eigenvalues below posd_tol |d_1| raised to it, the diagonal kept */
    if ((rc = eigen_r(ctx, e, X))) return rc;
    double *d = e->w;
    const double eps = posd_tol * fabs(d[0]);
    if (d[n - 1] < eps) {
        for (size_t j = 0; j < n; j++)
            if (d[j] < eps) d[j] = eps;
        for (size_t i = 0; i < n; i++) e->odiag[i] = X[i + i * n];
        for (size_t j = 0; j < n; j++) /* d * t(Q) */
            for (size_t i = 0; i < n; i++) B[i + j * n] = d[i] * e->z[j + i * n];
        if ((rc = ks__dgemm(ctx, 'N', 'N', n, n, n, 1.0, e->z, n, B, n, 0.0, X, n))) return rc;
        for (size_t i = 0; i < n; i++) /* D = sqrt(pmax(Eps, o.diag) / diag(X)) */
            y[i] = sqrt(fmax(eps, e->odiag[i]) / X[i + i * n]);
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++) X[i + j * n] = y[i] * X[i + j * n] * y[j];
    }
    for (size_t c = 0; c < n; c++) /* as.matrix of the dpoMatrix: its upper triangle */
        for (size_t r = c + 1; r < n; r++) X[r + c * n] = X[c + r * n];
    return KS_OK;
}
