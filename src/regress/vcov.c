/* vcov.c — sandwich variances: heteroskedasticity-robust (HC1/HC2/HC3, MacKinnon & White 1985)
 * and cluster-robust from per-cluster score sums (Liang & Zeger 1986), in one pass over the data:
 * O(n k + G k^2), never O(n G). Small-sample factors are applied by the caller (feols.c). */
#include <math.h>
#include <string.h>

#include "linalg/linalg_internal.h"
#include "regress_internal.h"

/* Indices of the kept columns. */
static size_t kept_index(const ks_vcov_input *in, size_t *idx)
{
    size_t kk = 0;
    for (size_t j = 0; j < in->k; j++)
        if (!in->dropped[j]) idx[kk++] = j;
    return kk;
}

/* V = B M B over kept columns (M kk x kk, lower triangle filled by dsyrk), scattered into the
 * k x k V with NaN for dropped columns. */
static int sandwich(ks_ctx *ctx, const ks_vcov_input *in, const size_t *idx, size_t kk, double *M,
                    double *V)
{
    double *B = ks__malloc_array(ctx, 2 * kk * kk + 1, sizeof *B);
    if (!B) return KS_ENOMEM;
    double *T = B + kk * kk;
    for (size_t a = 0; a < kk; a++)
        for (size_t b = 0; b < kk; b++) B[a + b * kk] = in->bread[idx[a] + idx[b] * in->k];
    for (size_t b = 0; b < kk; b++) /* symmetrize M from its lower triangle */
        for (size_t a = 0; a < b; a++) M[a + b * kk] = M[b + a * kk];
    for (size_t a = 0; a < kk; a++) /* T = B M */
        for (size_t b = 0; b < kk; b++) {
            double s = 0.0;
            for (size_t l = 0; l < kk; l++) s += B[a + l * kk] * M[l + b * kk];
            T[a + b * kk] = s;
        }
    for (size_t i = 0; i < in->k * in->k; i++) V[i] = NAN;
    for (size_t a = 0; a < kk; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0.0;
            for (size_t l = 0; l < kk; l++) s += T[a + l * kk] * B[l + b * kk];
            V[idx[a] + idx[b] * in->k] = V[idx[b] + idx[a] * in->k] = s;
        }
    ks__free(ctx, B);
    return KS_OK;
}

/* M = Z'Z for Z (m x kk, column-major). */
static int gram(ks_ctx *ctx, const double *Z, size_t m, size_t kk, double *M)
{
    if (kk == 0) return KS_OK;
    if (m == 0) {
        memset(M, 0, kk * kk * sizeof *M);
        return KS_OK;
    }
    /* k is small: BLAS threads would only add wake-up costs (and never stack on OpenMP). */
    ks__blas_set_threads(1);
    return ks__dsyrk(ctx, 'L', 'T', kk, m, 1.0, Z, m, 0.0, M, kk);
}

int ks__vcov_hetero(ks_ctx *ctx, const ks_vcov_input *in, ks_vcov_kind kind, double *V)
{
    const size_t n = in->n;
    size_t *idx = ks__malloc_array(ctx, in->k + 1, sizeof *idx);
    if (!idx) return KS_ENOMEM;
    const size_t kk = kept_index(in, idx);
    double *Z = ks__malloc_array(ctx, n * kk + kk * kk + 1, sizeof *Z);
    if (!Z) {
        ks__free(ctx, idx);
        return KS_ENOMEM;
    }
    double *M = Z + n * kk;
    for (size_t i = 0; i < n; i++) {
        const double wi = in->w ? in->w[i] : 1.0;
        double f = wi * in->e[i];
        if (kind == KS_VCOV_HC2 || kind == KS_VCOV_HC3) {
            /* leverage h_i = w_i x_i' B x_i */
            double h = 0.0;
            for (size_t a = 0; a < kk; a++) {
                double s = 0.0;
                for (size_t b = 0; b < kk; b++)
                    s += in->bread[idx[a] + idx[b] * in->k] * in->X[i + idx[b] * n];
                h += in->X[i + idx[a] * n] * s;
            }
            h *= wi;
            if (in->fe) h += wi * in->fe_winv[in->fe[i]];
            f = kind == KS_VCOV_HC2 ? f / sqrt(1.0 - h) : f / (1.0 - h);
        }
        for (size_t a = 0; a < kk; a++) Z[i + a * n] = in->X[i + idx[a] * n] * f;
    }
    int rc = gram(ctx, Z, n, kk, M);
    if (!rc) rc = sandwich(ctx, in, idx, kk, M, V);
    ks__free(ctx, Z);
    ks__free(ctx, idx);
    return rc;
}

int ks__vcov_cluster(ks_ctx *ctx, const ks_vcov_input *in, const int32_t *codes, size_t G, double *V)
{
    const size_t n = in->n;
    size_t *idx = ks__malloc_array(ctx, in->k + 1, sizeof *idx);
    if (!idx) return KS_ENOMEM;
    const size_t kk = kept_index(in, idx);
    double *S = ks__calloc(ctx, G * kk + kk * kk + 1, sizeof *S);
    if (!S) {
        ks__free(ctx, idx);
        return KS_ENOMEM;
    }
    double *M = S + G * kk;
    for (size_t a = 0; a < kk; a++) {
        const double *x = in->X + idx[a] * n;
        double *Sa = S + a * G;
        if (in->w)
            for (size_t i = 0; i < n; i++) Sa[codes[i]] += in->w[i] * in->e[i] * x[i];
        else
            for (size_t i = 0; i < n; i++) Sa[codes[i]] += in->e[i] * x[i];
    }
    int rc = gram(ctx, S, G, kk, M);
    if (!rc) rc = sandwich(ctx, in, idx, kk, M, V);
    ks__free(ctx, S);
    ks__free(ctx, idx);
    return rc;
}
