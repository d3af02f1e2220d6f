/* spd.c — solves and inverses of symmetric positive (semi)definite matrices: Cholesky (LAPACK
 * dpotrf), and when that fails an eigendecomposition (dsyevd) with a pseudo-inverse over the
 * eigenvalues that are not negligible. Used for k x k systems (bread and meat of variances). */
#include <limits.h>
#include <math.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

/* Pseudo-inverse of symmetric A (k x k) via eigenvalues above tol * max: Ainv = V L^+ V'. */
static int eig_pinv(ks_ctx *ctx, size_t k, const double *A, double *Ainv, double tol)
{
    int info = 0, iw;
    double wq;
    double *V = ks__malloc_array(ctx, k * k + k, sizeof *V);
    if (!V) return KS_ENOMEM;
    double *ev = V + k * k;
    memcpy(V, A, k * k * sizeof *V);
    double *work = NULL;
    int *iwork = NULL;
    int rc =
        ks__dsyevd(ctx, 'V', 'U', k, V, k, ev, &wq, KS__LWORK_QUERY, &iw, KS__LWORK_QUERY, &info);
    if (rc) goto done;
    const size_t lwork = (size_t)(int)wq, liwork = (size_t)iw;
    work = ks__malloc_array(ctx, lwork, sizeof *work);
    iwork = ks__malloc_array(ctx, liwork, sizeof *iwork);
    if (!work || !iwork) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = ks__dsyevd(ctx, 'V', 'U', k, V, k, ev, work, lwork, iwork, liwork, &info))) goto done;
    if (info != 0) {
        rc = ks__fail(ctx, KS_ENUMERIC, "eigendecomposition failed (info %d)", info);
        goto done;
    }
    const double emax = k ? ev[k - 1] : 0.0;
    size_t dropped = 0;
    memset(Ainv, 0, k * k * sizeof *Ainv);
    for (size_t l = 0; l < k; l++) {
        if (!(ev[l] > tol * emax)) {
            dropped++;
            continue;
        }
        const double inv = 1.0 / ev[l];
        const double *v = V + l * k;
        for (size_t b = 0; b < k; b++)
            for (size_t a = 0; a < k; a++) Ainv[a + b * k] += v[a] * v[b] * inv;
    }
    if (dropped)
        ks__log(ctx, KS_LOG_WARN,
               "matrix not positive definite: pseudo-inverse over %zu of %zu eigenvalues",
               k - dropped, k);
done:
    ks__free(ctx, work);
    ks__free(ctx, iwork);
    ks__free(ctx, V);
    return rc;
}

int ks_spd_inverse(ks_ctx *ctx, size_t k, double *A, double tol)
{
    if (k == 0) return KS_OK;
    if (k > INT_MAX / 2) return ks__fail(ctx, KS_EOVERFLOW, "spd_inverse: k = %zu too large", k);
    if (tol <= 0) tol = 1e-12;
    int info = 0;
    double *L = ks__malloc_array(ctx, k * k, sizeof *L);
    if (!L) return KS_ENOMEM;
    memcpy(L, A, k * k * sizeof *L);
    int rc = ks__dpotrf(ctx, 'L', k, L, k, &info);
    if (!rc && info == 0) rc = ks__dpotri(ctx, 'L', k, L, k, &info);
    if (!rc && info == 0) {
        for (size_t b = 0; b < k; b++)
            for (size_t a = b; a < k; a++) A[a + b * k] = A[b + a * k] = L[a + b * k];
    } else if (!rc) {
        rc = eig_pinv(ctx, k, A, L, tol);
        if (!rc) memcpy(A, L, k * k * sizeof *A);
    }
    ks__free(ctx, L);
    return rc;
}

int ks_spd_solve(ks_ctx *ctx, size_t k, const double *A, double *B, size_t nrhs, double tol)
{
    if (k == 0 || nrhs == 0) return KS_OK;
    if (k > INT_MAX / 2 || nrhs > INT_MAX / 2)
        return ks__fail(ctx, KS_EOVERFLOW, "spd_solve: size too large");
    double *Ai = ks__malloc_array(ctx, k * k, sizeof *Ai);
    double *T = ks__malloc_array(ctx, k * nrhs, sizeof *T);
    int rc = (!Ai || !T) ? KS_ENOMEM : KS_OK;
    if (!rc) {
        memcpy(Ai, A, k * k * sizeof *Ai);
        rc = ks_spd_inverse(ctx, k, Ai, tol);
    }
    if (!rc) {
        for (size_t c = 0; c < nrhs; c++)
            for (size_t a = 0; a < k; a++) {
                double s = 0.0;
                for (size_t b = 0; b < k; b++) s += Ai[a + b * k] * B[b + c * k];
                T[a + c * k] = s;
            }
        memcpy(B, T, k * nrhs * sizeof *B);
    }
    ks__free(ctx, Ai);
    ks__free(ctx, T);
    return rc;
}
