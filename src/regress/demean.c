/* demean.c — absorb fixed effects: project columns off the fixed-effect dummies by alternating
 * projections (Gauss–Seidel over the dimensions; Gaure 2013) with Irons–Tuck extrapolation
 * every two sweeps (Irons & Tuck 1969, as fixest uses it; Bergé 2018).
 *
 * The iteration runs on the fixed-effect coefficients, never on the n observations of a column:
 * with S_d the weighted group sums of the column and W_d the group weights, one update is
 *     a_d[g] = (S_d[g] - sum_{i in g} w_i sum_{e != d} a_e[g_e(i)]) / W_d[g],
 * so a sweep reads only the codes. Columns are processed in batches (coefficients stored level by
 * level, column inside), so one pass over the codes serves every column of a batch. A column
 * that has converged is frozen, so its result does not depend on which batch or thread ran it:
 * results are identical for any thread count. The sweeps run over the observations sorted by
 * the largest fixed effect, so its coefficients are read and written in order and only the
 * small dimensions are accessed at random. One dimension is exact after one sweep. */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "regress_internal.h"

typedef struct {
    const ks_fe_index *fe;
    const size_t *off; /* first level of each dimension in the stacked coefficient vector */
    size_t L, C;       /* levels over all dimensions, columns in the batch */
    double *S;         /* L x C weighted group sums of the columns */
    double *a, *ga, *gga, *acc; /* L x C each */
    double *tmp;                /* C */
    double *scale;              /* C: max |v| */
    unsigned char *active;
    size_t *iters; /* C */
} batch;

/* out <- one Gauss–Seidel sweep from x (dimension d uses out for e < d, x for e > d). */
static void sweep(const batch *b, const double *x, double *out)
{
    const ks_fe_index *fe = b->fe;
    const size_t C = b->C;
    for (size_t d = 0; d < fe->nfe; d++) {
        const size_t Ld = fe->nlevels[d];
        double *acc = b->acc + b->off[d] * C;
        memset(acc, 0, Ld * C * sizeof *acc);
        if (fe->nfe == 2) { /* the common case, without the general loop's bookkeeping */
            const size_t e = 1 - d;
            const double *src0 = (e < d ? out : x) + b->off[e] * C;
            const int32_t *gd = fe->codes[d], *ge = fe->codes[e];
            for (size_t i = 0; i < fe->n; i++) {
                const double *src = src0 + (size_t)ge[i] * C;
                double *dst = acc + (size_t)gd[i] * C;
                const double wi = fe->w ? fe->w[i] : 1.0;
                for (size_t c = 0; c < C; c++) dst[c] += wi * src[c];
            }
        } else if (fe->nfe > 2) {
            for (size_t i = 0; i < fe->n; i++) {
                double *t = b->tmp;
                memset(t, 0, C * sizeof *t);
                for (size_t e = 0; e < fe->nfe; e++) {
                    if (e == d) continue;
                    const double *src =
                        (e < d ? out : x) + (b->off[e] + (size_t)fe->codes[e][i]) * C;
                    for (size_t c = 0; c < C; c++) t[c] += src[c];
                }
                double *dst = acc + (size_t)fe->codes[d][i] * C;
                if (fe->w) {
                    const double wi = fe->w[i];
                    for (size_t c = 0; c < C; c++) dst[c] += wi * t[c];
                } else {
                    for (size_t c = 0; c < C; c++) dst[c] += t[c];
                }
            }
        }
        const double *S = b->S + b->off[d] * C, *W = fe->wsum[d];
        double *od = out + b->off[d] * C;
        for (size_t l = 0; l < Ld; l++)
            for (size_t c = 0; c < C; c++) od[l * C + c] = (S[l * C + c] - acc[l * C + c]) / W[l];
    }
}

/* Iterate until every column of the batch has converged (or maxiter sweeps). */
static void solve(batch *b, double tol, size_t maxiter)
{
    const size_t L = b->L, C = b->C;
    memset(b->a, 0, L * C * sizeof *b->a);
    sweep(b, b->a, b->ga);
    memcpy(b->a, b->ga, L * C * sizeof *b->a);
    size_t nact = 0;
    for (size_t c = 0; c < C; c++) {
        b->iters[c] = 1;
        b->active[c] = b->fe->nfe > 1 && b->scale[c] > 0.0;
        nact += b->active[c];
    }
    for (size_t it = 1; nact > 0 && it < maxiter; it += 2) {
        sweep(b, b->a, b->ga);
        for (size_t c = 0; c < C; c++) {
            if (!b->active[c]) continue;
            double diff = 0.0;
            for (size_t l = 0; l < L; l++) {
                const double dl = fabs(b->ga[l * C + c] - b->a[l * C + c]);
                diff = dl > diff ? dl : diff;
            }
            b->iters[c]++;
            if (diff <= tol * b->scale[c]) { /* converged: keep F(a) and freeze */
                for (size_t l = 0; l < L; l++) b->a[l * C + c] = b->ga[l * C + c];
                b->active[c] = 0;
                nact--;
            }
        }
        if (!nact) break;
        sweep(b, b->ga, b->gga);
        for (size_t c = 0; c < C; c++) {
            if (!b->active[c]) continue;
            b->iters[c]++;
            double num = 0.0, den = 0.0;
            for (size_t l = 0; l < L; l++) {
                const double dg = b->gga[l * C + c] - b->ga[l * C + c];
                const double d2 = dg - (b->ga[l * C + c] - b->a[l * C + c]);
                num += dg * d2;
                den += d2 * d2;
            }
            const double k = den > 0.0 ? num / den : 0.0;
            for (size_t l = 0; l < L; l++)
                b->a[l * C + c] = b->gga[l * C + c] - k * (b->gga[l * C + c] - b->ga[l * C + c]);
        }
    }
}

/* Demean columns cols[0..C) of V with one batch; work holds 5 L C + 2 C doubles. */
static size_t demean_batch(const ks_fe_index *fe, const ks_fe_index *sorted, const size_t *off,
                           size_t L, double *V, size_t c0, size_t C, double tol, size_t maxiter,
                           double *work, unsigned char *active, size_t *iters)
{
    batch b = {sorted,
               off,
               L,
               C,
               work,
               work + L * C,
               work + 2 * L * C,
               work + 3 * L * C,
               work + 4 * L * C,
               work + 5 * L * C,
               work + 5 * L * C + C,
               active,
               iters};
    const size_t n = fe->n;
    memset(b.S, 0, L * C * sizeof *b.S);
    for (size_t c = 0; c < C; c++) {
        const double *v = V + (c0 + c) * n;
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s = fabs(v[i]) > s ? fabs(v[i]) : s;
        b.scale[c] = s;
    }
    /* Group sums, observation by observation: each S row holds the batch's columns. */
    for (size_t d = 0; d < fe->nfe; d++) {
        const int32_t *g = fe->codes[d];
        for (size_t i = 0; i < n; i++) {
            double *S = b.S + (off[d] + (size_t)g[i]) * C;
            const double wi = fe->w ? fe->w[i] : 1.0;
            for (size_t c = 0; c < C; c++) S[c] += wi * V[i + (c0 + c) * n];
        }
    }
    solve(&b, tol, maxiter);
    size_t maxit = 0;
    for (size_t c = 0; c < C; c++) maxit = iters[c] > maxit ? iters[c] : maxit;
    for (size_t i = 0; i < n; i++) {
        double *t = b.tmp;
        memset(t, 0, C * sizeof *t);
        for (size_t d = 0; d < fe->nfe; d++) {
            const double *ad = b.a + (off[d] + (size_t)fe->codes[d][i]) * C;
            for (size_t c = 0; c < C; c++) t[c] += ad[c];
        }
        for (size_t c = 0; c < C; c++) V[i + (c0 + c) * n] -= t[c];
    }
    return maxit;
}

static int demean_sorted(ks_ctx *ctx, const ks_fe_index *fe, const ks_fe_index *sorted, double *V,
                         size_t ncol, double tol, int maxiter, size_t *iters);

/* The index with observations sorted (counting sort, stable) by the dimension with most
 * levels; codes and weights are copied in that order into `codes` (nfe x n) and `w` (n). */
static void sort_by_largest(const ks_fe_index *fe, size_t *perm, size_t *count, int32_t *codes,
                            double *w, int32_t **cptr, ks_fe_index *out)
{
    size_t big = 0;
    for (size_t d = 1; d < fe->nfe; d++)
        if (fe->nlevels[d] > fe->nlevels[big]) big = d;
    const int32_t *g = fe->codes[big];
    const size_t Lb = fe->nlevels[big];
    memset(count, 0, (Lb + 1) * sizeof *count);
    for (size_t i = 0; i < fe->n; i++) count[(size_t)g[i] + 1]++;
    for (size_t l = 0; l < Lb; l++) count[l + 1] += count[l];
    for (size_t i = 0; i < fe->n; i++) perm[count[g[i]]++] = i;
    for (size_t d = 0; d < fe->nfe; d++) {
        cptr[d] = codes + d * fe->n;
        for (size_t r = 0; r < fe->n; r++) cptr[d][r] = fe->codes[d][perm[r]];
    }
    if (fe->w)
        for (size_t r = 0; r < fe->n; r++) w[r] = fe->w[perm[r]];
    *out = *fe;
    out->codes = cptr;
    out->w = fe->w ? w : NULL;
}

int ks__fe_demean(ks_ctx *ctx, const ks_fe_index *fe, double *V, size_t ncol, double tol,
                 int maxiter, size_t *iters)
{
    *iters = 0;
    if (fe->nfe == 0 || ncol == 0) return KS_OK;
    size_t maxlev = 0, big = 0;
    for (size_t d = 0; d < fe->nfe; d++)
        if (fe->nlevels[d] > maxlev) {
            maxlev = fe->nlevels[d];
            big = d;
        }
    size_t i = 1; /* data often come sorted by the largest effect (a panel by unit) */
    while (i < fe->n && fe->codes[big][i - 1] <= fe->codes[big][i]) i++;
    if (i >= fe->n) return demean_sorted(ctx, fe, fe, V, ncol, tol, maxiter, iters);
    size_t *perm = ks__malloc_array(ctx, fe->n + maxlev + 1, sizeof *perm);
    int32_t *codes = ks__malloc_array(ctx, fe->n, fe->nfe * sizeof *codes);
    int32_t **cptr = ks__malloc_array(ctx, fe->nfe, sizeof *cptr);
    double *w = fe->w ? ks__malloc_array(ctx, fe->n, sizeof *w) : NULL;
    if (!perm || !codes || !cptr || (fe->w && !w)) {
        ks__free(ctx, perm);
        ks__free(ctx, codes);
        ks__free(ctx, cptr);
        ks__free(ctx, w);
        return KS_ENOMEM;
    }
    ks_fe_index sorted;
    sort_by_largest(fe, perm, perm + fe->n, codes, w, cptr, &sorted);
    ks__free(ctx, perm);
    int rc = demean_sorted(ctx, fe, &sorted, V, ncol, tol, maxiter, iters);
    ks__free(ctx, codes);
    ks__free(ctx, cptr);
    ks__free(ctx, w);
    return rc;
}

static int demean_sorted(ks_ctx *ctx, const ks_fe_index *fe, const ks_fe_index *sorted, double *V,
                         size_t ncol, double tol, int maxiter, size_t *iters)
{
    size_t L = 0;
    size_t *off = ks__malloc_array(ctx, fe->nfe, sizeof *off);
    if (!off) return KS_ENOMEM;
    for (size_t d = 0; d < fe->nfe; d++) {
        off[d] = L;
        L += fe->nlevels[d];
    }
    /* One batch per thread, columns split in contiguous groups; by the work's size, an
     * observation-column costing about 0.24 ns per sweep here, so a thread per ~2^22 of them:
     * with less, a second pass over the codes costs more than the thread saves, and far more when
     * another process holds a core (a million rows and three columns ran 20% slower on two
     * threads of a busy 2-core machine; bench/bench_threads.py). */
    size_t nt = (size_t)ks__threads_for(ctx, 0.24 * (double)fe->n * (double)ncol);
    if (nt > ncol) nt = ncol;
    const size_t per = (ncol + nt - 1) / nt;
    size_t words;
    double *work = NULL;
    unsigned char *active = ks__malloc(ctx, ncol);
    size_t *its = ks__malloc_array(ctx, ncol, sizeof *its);
    if (ks__size_mul(L, 5 * per, &words) && ks__size_add(words, 2 * per, &words))
        work = ks__malloc_array(ctx, nt, words * sizeof *work);
    if (!work || !active || !its) {
        ks__free(ctx, work);
        ks__free(ctx, active);
        ks__free(ctx, its);
        ks__free(ctx, off);
        return ks_errcode(ctx) ? ks_errcode(ctx) : KS_ENOMEM;
    }
    size_t maxit = 0;
    ks__blas_set_threads(1);
#pragma omp parallel for num_threads((int)nt) schedule(static, 1) reduction(max : maxit)
    for (size_t t = 0; t < nt; t++) {
        const size_t c0 = t * per, C = c0 >= ncol ? 0 : (ncol - c0 < per ? ncol - c0 : per);
        if (C == 0) continue;
        size_t it = demean_batch(fe, sorted, off, L, V, c0, C, tol, (size_t)maxiter,
                                 work + t * words, active + c0, its + c0);
        if (it > maxit) maxit = it;
    }
    ks__blas_set_threads(ctx->nthreads);
    ks__free(ctx, work);
    ks__free(ctx, active);
    ks__free(ctx, its);
    ks__free(ctx, off);
    *iters = maxit;
    if (maxit >= (size_t)maxiter)
        ks__log(ctx, KS_LOG_WARN,
               "fixed effects: projections stopped at %d iterations before reaching tolerance %g",
               maxiter, tol);
    return KS_OK;
}
