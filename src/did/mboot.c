/* mboot.c — the multiplier bootstrap of influence functions (R did's mboot): each draw b gives
 * every unit (or cluster) a weight v with mean 0 and variance 1 and perturbs the estimates by
 * sqrt(N) mean(v * IF). The scale of each column is the interquartile range of its draws over
 * that of the normal; the uniform band's critical value is the 1 - alpha quantile of the largest
 * scaled |draw| over the columns.
 *
 * Weights come from the counter stream (seed, draw, unit / 64) — Rademacher signs are 64 bits
 * of one Philox output, Mammen and Webb weights 32 bits each — so they do not depend on the
 * thread count. Draws are computed in fixed blocks of 64 by one matrix product each (the same
 * shapes whichever thread runs a block, so the same bits); only a 64 x N block of weights per
 * thread is ever stored, never the draws x units matrix. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"
#include "kestrel/linalg.h"
#include "linalg/lapack.h"

#define BLOCK 64

/* The weights of draw b for N units into v[c * stride]. */
static void weights_row(uint64_t seed, uint64_t b, size_t N, ks_did_boot_weights kind, double *v,
                        size_t stride)
{
    if (kind == KS_DID_BOOT_RADEMACHER) {
        for (size_t c0 = 0; c0 < N; c0 += 64) {
            const uint64_t bits = ks_rng_u64(seed, b, c0 / 64);
            const size_t end = N - c0 < 64 ? N - c0 : 64;
            for (size_t c = 0; c < end; c++) v[(c0 + c) * stride] = (bits >> c) & 1 ? 1.0 : -1.0;
        }
        return;
    }
    const double s5 = sqrt(5.0);
    const double mammen_lo = (1.0 - s5) / 2.0, mammen_hi = (1.0 + s5) / 2.0;
    const double p_lo = (s5 + 1.0) / (2.0 * s5);
    static const double webb[6] = {-1.224744871391589, -1.0, -0.7071067811865476,
                                   0.7071067811865476, 1.0,  1.224744871391589};
    for (size_t c0 = 0; c0 < N; c0 += 2) {
        const uint64_t bits = ks_rng_u64(seed, b, c0 / 2);
        for (size_t h = 0; h < 2 && c0 + h < N; h++) {
            const uint32_t u = (uint32_t)(bits >> (32 * h));
            if (kind == KS_DID_BOOT_MAMMEN)
                v[(c0 + h) * stride] =
                    ((double)u + 0.5) * 0x1.0p-32 < p_lo ? mammen_lo : mammen_hi;
            else
                v[(c0 + h) * stride] = webb[((uint64_t)u * 6) >> 32];
        }
    }
}

/* Type-1 quantile (inverse of the empirical distribution) of sorted x[0..n). */
static double quantile1(const double *x, size_t n, double p)
{
    double pos = ceil(p * (double)n);
    size_t j = pos < 1 ? 0 : (size_t)pos - 1;
    return x[j < n ? j : n - 1];
}

int ks_did_mboot(ks_ctx *ctx, const double *IF, size_t n, size_t m, const int32_t *cluster,
                 size_t ncluster, int B, ks_did_boot_weights kind, uint64_t seed, double alpha,
                 double *se, double *crit)
{
    if (B < 1) return ks_fail(ctx, KS_EINVAL, "n_bootstrap must be >= 1 (got %d)", B);
    if (m == 0) {
        if (crit) *crit = NAN;
        return KS_OK;
    }
    const size_t N = cluster ? ncluster : n;
    double *S = NULL, *bres = NULL, *work = NULL, *sorted = NULL;
    int rc = KS_OK;
    size_t nt = ctx->nthreads < 1 ? 1 : (size_t)ctx->nthreads;
    const size_t nblock = ((size_t)B + BLOCK - 1) / BLOCK;
    if (nt > nblock) nt = nblock;
    if (cluster) {
        S = ks_calloc(ctx, N * m, sizeof *S);
        if (!S) return KS_ENOMEM;
        for (size_t j = 0; j < m; j++)
            for (size_t i = 0; i < n; i++) S[j * N + (size_t)cluster[i]] += IF[j * n + i];
    }
    const double *A = cluster ? S : IF;
    bres = ks_malloc_array(ctx, (size_t)B, m * sizeof *bres);
    work = ks_malloc_array(ctx, nt, (size_t)BLOCK * (N + m) * sizeof *work);
    sorted = ks_malloc_array(ctx, (size_t)B, 2 * sizeof *sorted);
    if (!bres || !work || !sorted) {
        rc = KS_ENOMEM;
        goto done;
    }
    /* bres (B x m, column-major) = sqrt(N) / N * V A, V the draws' weights */
    const double scale = 1.0 / sqrt((double)N);
    ks_blas_set_threads(1);
#pragma omp parallel for num_threads((int)nt) schedule(static, 1)
    for (size_t blk = 0; blk < nblock; blk++) {
#ifdef _OPENMP
        double *V = work + (size_t)omp_get_thread_num() * BLOCK * (N + m);
#else
        double *V = work;
#endif
        double *C = V + (size_t)BLOCK * N;
        const size_t b0 = blk * BLOCK;
        const size_t nb = (size_t)B - b0 < BLOCK ? (size_t)B - b0 : BLOCK;
        /* V is BLOCK x N column-major: row r holds draw b0 + r; a short last block is padded
         * with zero rows so that every block is the same product. */
        for (size_t r = 0; r < BLOCK; r++) {
            if (r < nb)
                weights_row(seed, b0 + r, N, kind, V + r, BLOCK);
            else
                for (size_t c = 0; c < N; c++) V[c * BLOCK + r] = 0.0;
        }
        const int mb = BLOCK, nn = (int)m, kk = (int)N;
        const double zero = 0.0;
        dgemm_("N", "N", &mb, &nn, &kk, &scale, V, &mb, A, &kk, &zero, C, &mb, 1, 1);
        for (size_t j = 0; j < m; j++)
            for (size_t r = 0; r < nb; r++) bres[j * (size_t)B + b0 + r] = C[j * BLOCK + r];
    }
    ks_blas_set_threads(ctx->nthreads);

    const double iqr_norm = 2.0 * ks_normal_quantile(0.75);
    double *bT = sorted + B;
    for (int b = 0; b < B; b++) bT[b] = -HUGE_VAL;
    size_t nkept = 0;
    for (size_t j = 0; j < m; j++) {
        const double *col = bres + j * (size_t)B;
        double ss = 0.0;
        for (int b = 0; b < B; b++) ss += col[b] * col[b];
        if (!(ss > sqrt(2.220446049250313e-16) * 10)) {
            se[j] = NAN;
            continue;
        }
        memcpy(sorted, col, (size_t)B * sizeof *sorted);
        qsort(sorted, (size_t)B, sizeof *sorted, ks_did_cmp_double);
        const double sigma =
            (quantile1(sorted, (size_t)B, 0.75) - quantile1(sorted, (size_t)B, 0.25)) / iqr_norm;
        se[j] = sigma * sqrt((double)N) / (double)n;
        if (!(sigma > sqrt(2.220446049250313e-16) * 10)) continue;
        nkept++;
        for (int b = 0; b < B; b++) {
            const double s = fabs(col[b] / sigma);
            bT[b] = s > bT[b] ? s : bT[b];
        }
    }
    if (crit) {
        if (nkept == 0) {
            *crit = NAN;
        } else {
            qsort(bT, (size_t)B, sizeof *bT, ks_did_cmp_double);
            *crit = quantile1(bT, (size_t)B, 1.0 - alpha);
        }
    }
done:
    ks_free(ctx, S);
    ks_free(ctx, bres);
    ks_free(ctx, work);
    ks_free(ctx, sorted);
    return rc;
}
