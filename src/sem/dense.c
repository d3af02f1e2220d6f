/* dense.c — the SEM engine's tiny dense algebra (n of a few to a few dozen): Cholesky, its
 * solves, log-determinant and inverse, and the inverse of I - A. They run in the optimizer's
 * inner loop, a million fits per GWAS, on the caller's workspace: no allocation, no ctx, no
 * BLAS call whose overhead would exceed the arithmetic (src/linalg's wrappers and solves take
 * a ctx and allocate or call LAPACK, which costs more than a 6 x 6 factorisation). */
#include <math.h>
#include <string.h>

#include "sem/engine.h"

int ks__sem_chol(size_t n, double *A, double tol)
{
    double dmax = 0.0;
    for (size_t i = 0; i < n; i++) dmax = fmax(dmax, fabs(A[i + i * n]));
    for (size_t j = 0; j < n; j++) {
        double d = A[j + j * n];
        for (size_t k = 0; k < j; k++) d -= A[j + k * n] * A[j + k * n];
        if (!(d > tol * dmax)) return (int)j + 1;
        d = sqrt(d);
        A[j + j * n] = d;
        for (size_t i = j + 1; i < n; i++) {
            double s = A[i + j * n];
            for (size_t k = 0; k < j; k++) s -= A[i + k * n] * A[j + k * n];
            A[i + j * n] = s / d;
        }
    }
    return 0;
}

void ks__sem_chol_solve(size_t n, const double *L, double *b)
{
    for (size_t i = 0; i < n; i++) {
        double s = b[i];
        for (size_t k = 0; k < i; k++) s -= L[i + k * n] * b[k];
        b[i] = s / L[i + i * n];
    }
    for (size_t i = n; i-- > 0;) {
        double s = b[i];
        for (size_t k = i + 1; k < n; k++) s -= L[k + i * n] * b[k];
        b[i] = s / L[i + i * n];
    }
}

double ks__sem_chol_logdet(size_t n, const double *L)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += log(L[i + i * n]);
    return 2.0 * s;
}

void ks__sem_chol_inverse(size_t n, const double *L, double *inv)
{
    for (size_t j = 0; j < n; j++) {
        double *c = inv + j * n;
        memset(c, 0, n * sizeof *c);
        c[j] = 1.0;
        ks__sem_chol_solve(n, L, c);
    }
    for (size_t j = 0; j < n; j++) /* exactly symmetric */
        for (size_t i = j + 1; i < n; i++) inv[j + i * n] = inv[i + j * n];
}

int ks__sem_inverse_ima(size_t m, const double *A, double *lu, size_t *piv, double *B)
{
    for (size_t j = 0; j < m; j++)
        for (size_t i = 0; i < m; i++) lu[i + j * m] = (i == j) - A[i + j * m];
    for (size_t k = 0; k < m; k++) { /* LU with partial pivoting */
        size_t r = k;
        for (size_t i = k + 1; i < m; i++)
            if (fabs(lu[i + k * m]) > fabs(lu[r + k * m])) r = i;
        if (!(fabs(lu[r + k * m]) > 1e-13)) return -1;
        piv[k] = r;
        if (r != k)
            for (size_t j = 0; j < m; j++) {
                const double t = lu[k + j * m];
                lu[k + j * m] = lu[r + j * m];
                lu[r + j * m] = t;
            }
        for (size_t i = k + 1; i < m; i++) {
            const double f = lu[i + k * m] /= lu[k + k * m];
            if (f != 0.0)
                for (size_t j = k + 1; j < m; j++) lu[i + j * m] -= f * lu[k + j * m];
        }
    }
    for (size_t j = 0; j < m; j++) {
        double *c = B + j * m;
        memset(c, 0, m * sizeof *c);
        c[j] = 1.0;
        for (size_t k = 0; k < m; k++)
            if (piv[k] != k) {
                const double t = c[k];
                c[k] = c[piv[k]];
                c[piv[k]] = t;
            }
        for (size_t i = 0; i < m; i++)
            for (size_t k = 0; k < i; k++) c[i] -= lu[i + k * m] * c[k];
        for (size_t i = m; i-- > 0;) {
            for (size_t k = i + 1; k < m; k++) c[i] -= lu[i + k * m] * c[k];
            c[i] /= lu[i + i * m];
        }
    }
    return 0;
}
