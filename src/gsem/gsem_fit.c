/* gsem_fit.c — the pieces of GenomicSEM's fit recipe that do not depend on the model (see
 * gsem_fit.h): Q, the sandwich and the defined parameters' SEs, each as R computes it. */
#include <math.h>
#include <string.h>

#include "gsem/gsem_fit.h"
#include "sem/engine.h"

int ks__gsem_q(ks_ctx *ctx, ks__symeig *e, const double *V, const double *eta, double *values,
               double *vectors, double *q)
{
    const size_t n = ks__symeig_n(e);
    int rc = ks__symeig_run(ctx, e, V, values, vectors);
    if (rc) return rc;
    double s = 0.0;
    for (size_t i = 0; i < n; i++) {
        double pe = 0.0;
        for (size_t a = 0; a < n; a++) pe += vectors[a + i * n] * eta[a];
        s += pe / values[i] * pe;
    }
    *q = s;
    return KS_OK;
}

static double norm1(size_t n, const double *A)
{
    double m = 0.0;
    for (size_t j = 0; j < n; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += fabs(A[i + j * n]);
        m = fmax(m, s);
    }
    return m;
}

int ks__gsem_sandwich(ks_ctx *ctx, size_t pstar, size_t n, const double *D, const double *W,
                      int w_full, const double *V, double toler, const char *const *names,
                      double *omega, double *work)
{
    double *A = work, *B = A + n * n, *L = B + n * n, *Z = L + n * pstar;
    for (size_t j = 0; j < n; j++) /* L = W D */
        for (size_t a = 0; a < pstar; a++) {
            double s = 0.0;
            if (w_full)
                for (size_t q = 0; q < pstar; q++) s += W[a + q * pstar] * D[q + j * pstar];
            else
                s = W[a] * D[a + j * pstar];
            L[a + j * pstar] = s;
        }
    for (size_t j = 0; j < n; j++) /* A = D' W D */
        for (size_t i = 0; i <= j; i++) {
            double s = 0.0;
            for (size_t a = 0; a < pstar; a++) s += D[a + i * pstar] * L[a + j * pstar];
            A[i + j * n] = A[j + i * n] = s;
        }
    const double anorm = norm1(n, A);
    memcpy(B, A, n * n * sizeof *A);
    const int bad = ks__sem_chol(n, B, 1e-13);
    if (bad) {
        if (names)
            return ks__fail(ctx, KS_ENUMERIC,
                            "the sandwich's bread (Delta' W Delta) is singular: the model is not "
                            "identified ('%s' is involved)",
                            names[bad - 1]);
        return ks__fail(ctx, KS_ENUMERIC,
                        "the sandwich's bread (Delta' W Delta) is singular: the model is not "
                        "identified (free parameter %d is involved)",
                        bad);
    }
    ks__sem_chol_inverse(n, B, A); /* A = bread */
    if (toler > 0) {
        const double rcond = 1.0 / (anorm * norm1(n, A));
        if (!(rcond >= toler))
            return ks__fail(ctx, KS_ENUMERIC,
                            "the sandwich's bread is computationally singular: reciprocal "
                            "condition number %.6g below toler %.6g",
                            rcond, toler);
    }
    for (size_t a = 0; a < pstar; a++) /* Z = bread L' (n x pstar) */
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t q = 0; q < n; q++) s += A[i + q * n] * L[a + q * pstar];
            Z[i + a * n] = s;
        }
    for (size_t i = 0; i < n; i++) /* L = V Z' (pstar x n) */
        for (size_t a = 0; a < pstar; a++) {
            double s = 0.0;
            for (size_t q = 0; q < pstar; q++) s += V[a + q * pstar] * Z[i + q * n];
            L[a + i * pstar] = s;
        }
    for (size_t j = 0; j < n; j++) /* Omega = Z (V Z') */
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t a = 0; a < pstar; a++) s += Z[i + a * n] * L[a + j * pstar];
            omega[i + j * n] = s;
        }
    return KS_OK;
}

int ks__gsem_defined_se(ks_ctx *ctx, size_t ndef, size_t n, const double *J, const double *omega,
                        double *se)
{
    if (!ndef) return KS_OK;
    size_t nu = 0;
    size_t *use = ks__malloc_array(ctx, n + 1, sizeof *use);
    if (!use) return KS_ENOMEM;
    for (size_t j = 0; j < n; j++) {
        int any = 0;
        for (size_t i = 0; i < ndef; i++) any |= J[i + j * ndef] != 0.0;
        if (any) use[nu++] = j;
    }
    ks__symeig *e = NULL;
    double *Vs = ks__malloc_array(ctx, 3 * nu * nu + nu + 1, sizeof *Vs);
    int rc = Vs ? KS_OK : KS_ENOMEM;
    if (!rc && nu) rc = ks__symeig_new(ctx, nu, &e);
    if (rc) goto done;
    double *vec = Vs + nu * nu, *tmp = vec + nu * nu, *val = tmp + nu * nu;
    int repair = 0;
    for (size_t b = 0; b < nu; b++) /* (Omega + Omega') / 2 */
        for (size_t a = 0; a < nu; a++) {
            double x = (omega[use[a] + use[b] * n] + omega[use[b] + use[a] * n]) / 2;
            if (!isfinite(x)) {
                x = 0.0;
                repair = 1;
            }
            Vs[a + b * nu] = x;
        }
    if (nu) { /* (the entries are finite now: R's eigen() cannot fail here) */
        if ((rc = ks__symeig_run(ctx, e, Vs, val, vec))) goto done;
        if (repair || val[nu - 1] < -1e-10) {
            for (size_t b = 0; b < nu; b++)
                for (size_t a = 0; a < nu; a++) {
                    double s = 0.0;
                    for (size_t l = 0; l < nu; l++)
                        s += vec[a + l * nu] * fmax(val[l], 0.0) * vec[b + l * nu];
                    tmp[a + b * nu] = s;
                }
            for (size_t b = 0; b < nu; b++)
                for (size_t a = 0; a < nu; a++)
                    Vs[a + b * nu] = (tmp[a + b * nu] + tmp[b + a * nu]) / 2;
        }
    }
    for (size_t i = 0; i < ndef; i++) {
        double v = 0.0;
        for (size_t a = 0; a < nu; a++)
            for (size_t b = 0; b < nu; b++)
                v += J[i + use[a] * ndef] * Vs[a + b * nu] * J[i + use[b] * ndef];
        se[i] = !isfinite(v) ? NAN : v < 0 ? 0.0 : sqrt(v);
    }
done:
    ks__symeig_free(e);
    ks__free(ctx, Vs);
    ks__free(ctx, use);
    return rc;
}
