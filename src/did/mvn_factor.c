/* mvn_factor.c — a one-factor approximation of a covariance, the control variate of the lattice
 * rule in mvn_box.c: correlations r_ij ~ l_i l_j (event-study coefficients measured against one
 * reference period are close to that), under which the box probability is a one-dimensional
 * integral. Fitted by principal-factor iterations (the leading eigenvector of the correlation
 * matrix with the communalities l_i^2 on its diagonal, by power iteration). Any loadings give an
 * unbiased estimate; good ones a small variance. */
#include <math.h>

#include "did/mvn_internal.h"

#define MAX_LOADING2 0.98 /* keeps the model's conditional variances 1 - l_i^2 away from 0 */

/* the leading eigenpair of the symmetric A (k x k) by power iteration from v */
static double leading_eigen(size_t k, const double *A, double *v)
{
    double lambda = 0.0, t[64];
    for (int it = 0; it < 100; it++) {
        double nn = 0.0;
        for (size_t i = 0; i < k; i++) {
            double s = 0.0;
            for (size_t j = 0; j < k; j++) s += A[i * k + j] * v[j];
            t[i] = s;
            nn += s * s;
        }
        nn = sqrt(nn);
        if (!(nn > 0)) return 0.0;
        double change = 0.0;
        for (size_t i = 0; i < k; i++) {
            change = fmax(change, fabs(t[i] / nn - v[i]));
            v[i] = t[i] / nn;
        }
        lambda = nn;
        if (change < 1e-10) break;
    }
    double q = 0.0; /* the Rayleigh quotient carries the sign */
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++) q += v[i] * A[i * k + j] * v[j];
    return q > 0 ? lambda : -lambda;
}

int ks__mvn_one_factor(size_t k, const double *sigma, double *load)
{
    double R[64 * 64], v[64];
    for (size_t i = 0; i < k; i++) {
        double h = 0.0;
        for (size_t j = 0; j < k; j++) {
            R[i * k + j] = sigma[i * k + j] / sqrt(sigma[i * k + i] * sigma[j * k + j]);
            if (j != i) h = fmax(h, fabs(R[i * k + j]));
        }
        R[i * k + i] = fmin(h, MAX_LOADING2);
        v[i] = 1.0 / sqrt((double)k);
    }
    for (int it = 0; it < 20; it++) {
        const double lambda = leading_eigen(k, R, v);
        if (!(lambda > 0) || !isfinite(lambda)) return -1;
        for (size_t i = 0; i < k; i++) {
            load[i] = sqrt(lambda) * v[i];
            R[i * k + i] = fmin(load[i] * load[i], MAX_LOADING2);
        }
    }
    for (size_t i = 0; i < k; i++) {
        const double m = sqrt(MAX_LOADING2);
        load[i] = fmin(fmax(load[i], -m), m);
    }
    return 0;
}
