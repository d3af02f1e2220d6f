/* mboot.c — the multiplier bootstrap of influence functions (R did's mboot): each draw b gives
 * every unit (or cluster) a weight v with mean 0 and variance 1 and perturbs the estimates by
 * sqrt(N) mean(v * IF). The scale of each column is the interquartile range of its draws over
 * that of the normal; the uniform band's critical value is the 1 - alpha quantile of the largest
 * scaled |draw| over the columns.
 *
 * Weights come from the counter stream (seed, draw, unit / 64) — Rademacher signs are 64 bits
 * of one Philox output, Mammen and Webb weights 32 bits each — so they depend on nothing but the
 * seed, the draw and the unit: not on the thread count, nor on how units are split into blocks.
 * Draws are computed 64 at a time by matrix products over unit blocks of at most CHUNK units,
 * each thread holding one 64 x CHUNK block of weights: memory O(units + draws x columns), never
 * draws x units. A block with many columns that span few directions (the controls' influence
 * functions: every cell's is a combination of their outcome changes) is first reduced to an
 * orthonormal basis of its columns, so that its products run over the basis (compress). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

#define BLOCK 64    /* draws per product */
#define CHUNK 4096  /* units per block of weights */

/* The weights of draws b0 .. b0 + nb - 1 for units lo .. lo + len - 1 into V (BLOCK x len,
 * column-major: one unit's BLOCK draws are contiguous; rows nb .. BLOCK - 1 are 0). */
static void fill_weights(uint64_t seed, uint64_t b0, size_t nb, size_t lo, size_t len,
                         ks_did_boot_weights kind, double *V)
{
    const size_t hi = lo + len;
    if (kind == KS_DID_BOOT_RADEMACHER) {
        /* one 64-bit word per (draw, 64 units): bit u % 64 is unit u's sign */
        uint64_t words[BLOCK];
        for (size_t g = lo / 64; g * 64 < hi; g++) {
            for (size_t r = 0; r < nb; r++) words[r] = ks_rng_u64(seed, b0 + r, g);
            const size_t u0 = g * 64 > lo ? g * 64 : lo, u1 = (g + 1) * 64 < hi ? (g + 1) * 64 : hi;
            for (size_t u = u0; u < u1; u++) {
                double *col = V + (u - lo) * BLOCK;
                const unsigned sh = (unsigned)(u % 64);
                for (size_t r = 0; r < nb; r++)
                    col[r] = (double)(int)(((words[r] >> sh) & 1) * 2) - 1.0;
                for (size_t r = nb; r < BLOCK; r++) col[r] = 0.0;
            }
        }
        return;
    }
    const double s5 = sqrt(5.0);
    const double mammen_lo = (1.0 - s5) / 2.0, mammen_hi = (1.0 + s5) / 2.0;
    const double p_lo = (s5 + 1.0) / (2.0 * s5);
    static const double webb[6] = {-1.224744871391589, -1.0, -0.7071067811865476,
                                   0.7071067811865476, 1.0,  1.224744871391589};
    for (size_t u = lo; u < hi; u++) {
        double *col = V + (u - lo) * BLOCK;
        for (size_t r = 0; r < nb; r++) {
            const uint64_t bits = ks_rng_u64(seed, b0 + r, u / 2);
            const uint32_t x = (uint32_t)(bits >> (32 * (u % 2)));
            col[r] = kind == KS_DID_BOOT_MAMMEN
                         ? (((double)x + 0.5) * 0x1.0p-32 < p_lo ? mammen_lo : mammen_hi)
                         : webb[((uint64_t)x * 6) >> 32];
        }
        for (size_t r = nb; r < BLOCK; r++) col[r] = 0.0;
    }
}

/* A block's columns through an orthonormal basis: M = Q E, Q (len x r) from the column-pivoted QR
 * of M with unit columns, truncated where |R_jj| <= 1e-13 |R_11| (so each column is kept to
 * within 1e-13 of its norm), E (r x ncol) the rest of the factors. Worth it when r is well below
 * ncol: the draws cost B len r + B r ncol instead of B len ncol. */
typedef struct {
    size_t r; /* 0: the block as it is */
    double *Q, *E;
} basis;

static int compress(ks_ctx *ctx, const ks_did_boot_block *q, basis *out)
{
    out->r = 0;
    out->Q = NULL;
    const size_t len = q->hi - q->lo, nc = q->ncol;
    if (nc < 16 || len < 2 * nc || len > (size_t)INT32_MAX) return KS_OK;
    const int ni = (int)nc;
    double *A = ks__malloc_array(ctx, len * nc + nc * nc + 2 * nc, sizeof *A);
    int *jpvt = ks__calloc(ctx, nc, sizeof *jpvt);
    double *E = A ? A + len * nc : NULL, *norm = E ? E + nc * nc : NULL, *tau = norm ? norm + nc : NULL;
    double wq = 0.0;
    int info = 0;
    if (!A || !jpvt) goto nomem;
    for (size_t j = 0; j < nc; j++) {
        const double *src = q->M + j * q->ld;
        double ss = 0.0;
        for (size_t i = 0; i < len; i++) ss += src[i] * src[i];
        norm[j] = ss > 0 ? sqrt(ss) : 1.0;
        for (size_t i = 0; i < len; i++) A[j * len + i] = src[i] / norm[j];
    }
    int rc = ks__dgeqp3(ctx, len, nc, A, len, jpvt, tau, &wq, KS__LWORK_QUERY, &info);
    const size_t lwork = (size_t)((int)wq > 64 * ni ? (int)wq : 64 * ni); /* room for dorgqr too */
    double *work = rc ? NULL : ks__malloc_array(ctx, lwork, sizeof *work);
    if (!work) {
        ks__free(ctx, A);
        ks__free(ctx, jpvt);
        return rc ? rc : KS_ENOMEM;
    }
    rc = ks__dgeqp3(ctx, len, nc, A, len, jpvt, tau, work, lwork, &info);
    size_t r = 0;
    while (!rc && info == 0 && r < nc && fabs(A[r * len + r]) > 1e-13 * fabs(A[0])) r++;
    if (!rc && info == 0 && r > 0 && 3 * r <= 2 * nc) {
        /* M[:, p_j] = norm_{p_j} Q R[:, j] */
        for (size_t j = 0; j < nc; j++) {
            const size_t pj = (size_t)jpvt[j] - 1;
            for (size_t a = 0; a < r; a++)
                E[pj * r + a] = a <= j ? A[j * len + a] * norm[pj] : 0.0;
        }
        rc = ks__dorgqr(ctx, len, r, r, A, len, tau, work, lwork, &info);
        if (!rc && info == 0) { /* Q in A's first r columns, then E just after */
            memmove(A + len * r, E, r * nc * sizeof *A);
            out->r = r;
            out->Q = A;
            out->E = A + len * r;
            A = NULL;
        }
    }
    ks__free(ctx, work);
    ks__free(ctx, A);
    ks__free(ctx, jpvt);
    return rc;
nomem:
    ks__free(ctx, A);
    ks__free(ctx, jpvt);
    return KS_ENOMEM;
}

int ks__did_mboot_draws(ks_ctx *ctx, size_t N, const ks_did_boot_block *blk, size_t nblk,
                       size_t m, int B, ks_did_boot_weights kind, uint64_t seed, double *D)
{
    if (B < 1) return ks__fail(ctx, KS_EINVAL, "n_bootstrap must be >= 1 (got %d)", B);
    size_t maxcol = 1;
    for (size_t k = 0; k < nblk; k++) maxcol = blk[k].ncol > maxcol ? blk[k].ncol : maxcol;
    /* about 0.2 ns per draw, unit and column (blocked products) */
    size_t nt = (size_t)ks__threads_for(ctx, 0.2 * (double)B * (double)N * (double)m);
    const size_t nblock = ((size_t)B + BLOCK - 1) / BLOCK;
    if (nt > nblock) nt = nblock;
    const size_t per_thread = (size_t)BLOCK * (CHUNK + 2 * maxcol);
    double *work = ks__malloc_array(ctx, nt, per_thread * sizeof *work);
    basis *bas = ks__calloc(ctx, nblk ? nblk : 1, sizeof *bas);
    int rc = work && bas ? KS_OK : KS_ENOMEM;
    for (size_t k = 0; k < nblk && rc == KS_OK; k++) rc = compress(ctx, &blk[k], &bas[k]);
    for (size_t k = 0; k < nblk && rc == KS_OK; k++) /* (so that no thread below can fail) */
        if (blk[k].ld > INT32_MAX || blk[k].ncol > INT32_MAX)
            rc = ks__fail(ctx, KS_EOVERFLOW,
                          "bootstrap: a block of %zu columns, stride %zu, is too large for BLAS",
                          blk[k].ncol, blk[k].ld);
    if (rc) goto done;
    memset(D, 0, (size_t)B * m * sizeof *D);
    const double scale = 1.0 / sqrt((double)N); /* sqrt(N) * mean over the N units */
    ks__blas_set_threads(1);
    int st = KS_OK; /* the products' sizes fit (checked above): no thread writes ctx */
#pragma omp parallel for num_threads((int)nt) schedule(dynamic, 1) reduction(min : st)
    for (size_t bl = 0; bl < nblock; bl++) {
#ifdef _OPENMP
        double *V = work + (size_t)omp_get_thread_num() * per_thread;
#else
        double *V = work;
#endif
        double *C = V + (size_t)BLOCK * CHUNK, *Cq = C + (size_t)BLOCK * maxcol;
        const size_t b0 = bl * BLOCK;
        const size_t nb = (size_t)B - b0 < BLOCK ? (size_t)B - b0 : BLOCK;
        int brc;
        for (size_t k = 0; k < nblk; k++) {
            const ks_did_boot_block *q = &blk[k];
            const basis *z = &bas[k];
            if (q->ncol == 0) continue;
            for (size_t c0 = q->lo; c0 < q->hi; c0 += CHUNK) {
                const size_t len = q->hi - c0 < CHUNK ? q->hi - c0 : CHUNK;
                /* V is BLOCK x len: row r holds draw b0 + r; a short last draw block is
                 * padded with zero rows so that every product has the same shape */
                fill_weights(seed, b0, nb, c0, len, kind, V);
                if (z->r) { /* over the basis, summed over the chunks: Cq = V Q */
                    brc = ks__dgemm(ctx, 'N', 'N', BLOCK, z->r, len, scale, V, BLOCK,
                                    z->Q + (c0 - q->lo), q->hi - q->lo, c0 == q->lo ? 0.0 : 1.0, Cq,
                                    BLOCK);
                    st = brc < st ? brc : st;
                    continue;
                }
                brc = ks__dgemm(ctx, 'N', 'N', BLOCK, q->ncol, len, scale, V, BLOCK,
                                q->M + (c0 - q->lo), q->ld, 0.0, C, BLOCK);
                st = brc < st ? brc : st;
                for (size_t j = 0; j < q->ncol; j++) {
                    double *d = D + q->col[j] * (size_t)B + b0;
                    for (size_t r = 0; r < nb; r++) d[r] += C[j * BLOCK + r];
                }
            }
            if (z->r) { /* the block's columns: C = (V Q) E */
                brc = ks__dgemm(ctx, 'N', 'N', BLOCK, q->ncol, z->r, 1.0, Cq, BLOCK, z->E, z->r,
                                0.0, C, BLOCK);
                st = brc < st ? brc : st;
                for (size_t j = 0; j < q->ncol; j++) {
                    double *d = D + q->col[j] * (size_t)B + b0;
                    for (size_t r = 0; r < nb; r++) d[r] += C[j * BLOCK + r];
                }
            }
        }
    }
    rc = st;
    ks__blas_set_threads(ctx->nthreads);
done:
    for (size_t k = 0; k < nblk && bas; k++) ks__free(ctx, bas[k].Q);
    ks__free(ctx, bas);
    ks__free(ctx, work);
    return rc;
}

/* Position (0-based) of R's type-1 quantile p of n values: the ceil(p n)-th smallest. */
static size_t quantile1_index(size_t n, double p)
{
    const double pos = ceil(p * (double)n);
    const size_t j = pos < 1 ? 0 : (size_t)pos - 1;
    return j < n ? j : n - 1;
}

int ks__did_mboot_stats(ks_ctx *ctx, const double *D, int B, size_t m, size_t n, size_t N,
                       double alpha, double *se, double *crit)
{
    double *sorted = ks__malloc_array(ctx, (size_t)B, 2 * sizeof *sorted);
    if (!sorted) return KS_ENOMEM;
    const double iqr_norm = 2.0 * ks_normal_quantile(0.75);
    double *bT = sorted + B;
    for (int b = 0; b < B; b++) bT[b] = -HUGE_VAL;
    size_t nkept = 0;
    for (size_t j = 0; j < m; j++) {
        const double *col = D + j * (size_t)B;
        double ss = 0.0;
        for (int b = 0; b < B; b++) ss += col[b] * col[b];
        if (!(ss > sqrt(2.220446049250313e-16) * 10)) { /* degenerate (or NaN) column */
            se[j] = NAN;
            continue;
        }
        memcpy(sorted, col, (size_t)B * sizeof *sorted);
        const size_t k25 = quantile1_index((size_t)B, 0.25), k75 = quantile1_index((size_t)B, 0.75);
        const double q25 = ks_select_kth(sorted, (size_t)B, k25);
        const double q75 = k75 == k25 ? q25
                                      : ks_select_kth(sorted + k25 + 1, (size_t)B - k25 - 1,
                                                   k75 - k25 - 1);
        const double sigma = (q75 - q25) / iqr_norm;
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
            *crit = ks_select_kth(bT, (size_t)B, quantile1_index((size_t)B, 1.0 - alpha));
        }
    }
    ks__free(ctx, sorted);
    return KS_OK;
}
