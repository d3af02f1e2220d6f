/* small_solve.c — the small dense solves the models share, each with the arithmetic of the
 * reference it reproduces. They stay distinct on purpose, and distinct from ks_spd_solve (which
 * multiplies by the inverse from dpotri, or an eigen pseudo-inverse): on the same system each
 * rounds differently, and each model's parity with its reference rests on its own.
 *  - ks__chol_solve: dpotrf + dpotrs with R's rcond test (the did estimators, as R solves);
 *  - ks__lu_solve: LAPACK dgesv's elimination order for p x p (bulik ldsc's jackknife, as
 *    numpy solves), refusing a zero pivot and skipping zero multipliers;
 *  - ks__solve2: R's solve() of a 2 x 2 (GenomicSEM's ldsc), which tests no pivot and skips no
 *    multiplier: on a singular system it gives Inf/NaN where ks__lu_solve fails, and a zero
 *    multiplier against a negative entry can leave a zero of the other sign, so it is not
 *    ks__lu_solve with p = 2. */
#include <math.h>
#include <string.h>

#include "linalg/linalg_internal.h"

int ks__chol_solve(ks_ctx *ctx, size_t k, double *A, double *B, size_t nrhs, int check_rcond,
                   double *scratch, const char *what)
{
    double anorm = 0.0; /* 1-norm of the symmetric matrix from its lower triangle */
    for (size_t j = 0; j < k; j++) {
        double s = 0.0;
        for (size_t i = 0; i < k; i++) s += fabs(i >= j ? A[j * k + i] : A[i * k + j]);
        anorm = s > anorm ? s : anorm;
    }
    int info = 0, rc;
    if ((rc = ks__dpotrf(ctx, 'L', k, A, k, &info))) return rc;
    if (info != 0) return ks__fail(ctx, KS_ENUMERIC, "%s is singular", what);
    if (check_rcond) { /* 1-norm of the inverse, column by column */
        double invnorm = 0.0;
        for (size_t j = 0; j < k; j++) {
            memset(scratch, 0, k * sizeof *scratch);
            scratch[j] = 1.0;
            if ((rc = ks__dpotrs(ctx, 'L', k, 1, A, k, scratch, k, &info))) return rc;
            double s = 0.0;
            for (size_t i = 0; i < k; i++) s += fabs(scratch[i]);
            invnorm = s > invnorm ? s : invnorm;
        }
        if (!(1.0 / (anorm * invnorm) >= 2.220446049250313e-16))
            return ks__fail(ctx, KS_ENUMERIC, "%s is singular (reciprocal condition number %.3g)",
                            what, 1.0 / (anorm * invnorm));
    }
    if (nrhs && (rc = ks__dpotrs(ctx, 'L', k, nrhs, A, k, B, k, &info))) return rc;
    return KS_OK;
}

int ks__lu_solve(size_t p, double *A, double *b, double *x)
{
    for (size_t k = 0; k < p; k++) {
        size_t piv = k;
        for (size_t i = k + 1; i < p; i++)
            if (fabs(A[i + k * p]) > fabs(A[piv + k * p])) piv = i;
        if (A[piv + k * p] == 0.0 || !isfinite(A[piv + k * p])) return -1;
        if (piv != k) {
            for (size_t j = 0; j < p; j++) {
                const double t = A[k + j * p];
                A[k + j * p] = A[piv + j * p];
                A[piv + j * p] = t;
            }
            const double t = b[k];
            b[k] = b[piv];
            b[piv] = t;
        }
        const double r = 1.0 / A[k + k * p];
        for (size_t i = k + 1; i < p; i++) {
            const double l = A[i + k * p] * r;
            if (l == 0.0) continue;
            for (size_t j = k + 1; j < p; j++) A[i + j * p] -= l * A[k + j * p];
            b[i] -= l * b[k];
        }
    }
    for (size_t k = p; k-- > 0;) {
        double s = b[k];
        for (size_t j = k + 1; j < p; j++) s -= A[k + j * p] * x[j];
        x[k] = s / A[k + k * p];
    }
    return 0;
}

void ks__solve2(const double A[4], const double b[2], double x[2])
{
    double a11 = A[0], a21 = A[1], a12 = A[2], a22 = A[3], b1 = b[0], b2 = b[1];
    if (fabs(a21) > fabs(a11)) { /* the row interchange */
        double t = a11;
        a11 = a21;
        a21 = t;
        t = a12;
        a12 = a22;
        a22 = t;
        t = b1;
        b1 = b2;
        b2 = t;
    }
    const double l = a21 * (1.0 / a11), u22 = a22 - l * a12;
    b2 -= b1 * l;
    b2 /= u22;
    b1 -= b2 * a12;
    b1 /= a11;
    x[0] = b1;
    x[1] = b2;
}
