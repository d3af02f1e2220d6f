/* iter.c — the engine that runs a 1-D inner loop over n-d operands (NumPy's iterator, reduced
 * to what element-wise work needs).
 *
 * Once per call: broadcast strides, drop length-1 dimensions, order the dimensions so that the
 * first output is walked in memory order (a transposed or Fortran-ordered operand is then read
 * as it lies), and coalesce dimensions that are contiguous in every operand, so a contiguous
 * operation of any shape is one inner loop call. Operands whose dtype differs from the loop's
 * are cast in chunks of KS__CHUNK elements into per-thread scratch that stays in L1/L2 (NumPy's
 * buffering, without its copy of the whole array). Large calls are split into row blocks, or
 * into pieces of the inner dimension when there are few rows, over OpenMP threads: every element
 * is computed by the same loop whatever the split, so the result never depends on the thread
 * count. */
#include <string.h>

#include "array/array_internal.h"

#ifdef _OPENMP
#include <omp.h>
#endif

typedef struct {
    const ks__iter_spec *spec;
    int nop; /* inputs, outputs, then the where mask */
    int nd;  /* dimensions after coalescing (>= 1); the last is the inner one */
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ptrdiff_t str[KS__MAXOP + 1][KS_ARRAY_MAXDIMS];
    char *base[KS__MAXOP + 1];
    ks_dtype have[KS__MAXOP + 1], want[KS__MAXOP + 1];
    bool cast[KS__MAXOP + 1]; /* operand converted through scratch */
    bool buffered;            /* any operand cast, or a mask */
} plan;

/* Copy the elements of a chunk whose mask is true, run by run. */
static void masked_store(ks__loop cast, char *src, ptrdiff_t ss, char *dst, ptrdiff_t ds,
                         const char *mask, ptrdiff_t ms, ptrdiff_t m)
{
    ptrdiff_t i = 0;
    while (i < m) {
        while (i < m && !mask[i * ms]) i++;
        ptrdiff_t j = i;
        while (j < m && mask[j * ms]) j++;
        if (j > i) {
            char *args[2] = {src + i * ss, dst + i * ds};
            const ptrdiff_t steps[2] = {ss, ds};
            cast(args, steps, j - i, NULL);
        }
        i = j;
    }
}

/* One stretch of n elements along the inner dimension, starting at p[k] with strides s[k]. */
static void run_segment(const plan *pl, char **p, const ptrdiff_t *s, ptrdiff_t n, char *scratch)
{
    const ks__iter_spec *sp = pl->spec;
    if (!pl->buffered) {
        sp->fn(p, s, n, sp->aux);
        return;
    }
    const int nin = sp->nin, nout = sp->nout, w = sp->where ? nin + nout : -1;
    char *args[KS__MAXOP + 1];
    ptrdiff_t steps[KS__MAXOP + 1];
    for (ptrdiff_t off = 0; off < n; off += KS__CHUNK) {
        const ptrdiff_t m = n - off < KS__CHUNK ? n - off : KS__CHUNK;
        for (int k = 0; k < pl->nop; k++) {
            char *at = p[k] + off * s[k];
            char *buf = scratch + (size_t)k * KS__CHUNK * 16;
            const bool in = k < nin || k == w;
            if (pl->cast[k] && in) {
                const ptrdiff_t wsz = (ptrdiff_t)ks__dtypes[pl->want[k]].size;
                char *ca[2] = {at, buf};
                const ptrdiff_t cs[2] = {s[k], s[k] ? wsz : 0};
                ks__cast_loop(pl->have[k], pl->want[k])(ca, cs, s[k] ? m : 1, NULL);
                args[k] = buf;
                steps[k] = cs[1];
            } else if (!in && (pl->cast[k] || w >= 0)) {
                args[k] = buf;
                steps[k] = (ptrdiff_t)ks__dtypes[pl->want[k]].size;
            } else {
                args[k] = at;
                steps[k] = s[k];
            }
        }
        if (w >= 0 && sp->where_runs_only) {
            for (ptrdiff_t i = 0, j; i < m; i = j) { /* each run of true mask values */
                while (i < m && !args[w][i * steps[w]]) i++;
                j = i;
                while (j < m && args[w][j * steps[w]]) j++;
                if (j == i) break;
                char *run[KS__MAXOP + 1];
                for (int k = 0; k < nin + nout; k++) run[k] = args[k] + i * steps[k];
                sp->fn(run, steps, j - i, sp->aux);
            }
        } else {
            sp->fn(args, steps, m, sp->aux);
        }
        for (int k = nin; k < nin + nout; k++) {
            if (!pl->cast[k] && w < 0) continue;
            ks__loop cast = ks__cast_loop(pl->want[k], pl->have[k]);
            char *at = p[k] + off * s[k];
            if (w >= 0) {
                masked_store(cast, args[k], steps[k], at, s[k], args[w], steps[w], m);
            } else {
                char *ca[2] = {args[k], at};
                const ptrdiff_t cs[2] = {steps[k], s[k]};
                cast(ca, cs, m, NULL);
            }
        }
    }
}

/* Rows [r0, r1) of the outer dimensions, elements [e0, e0 + len) of each. */
static void run_rows(const plan *pl, ptrdiff_t r0, ptrdiff_t r1, ptrdiff_t e0, ptrdiff_t len,
                     char *scratch)
{
    const int no = pl->nd - 1, nop = pl->nop;
    ptrdiff_t idx[KS_ARRAY_MAXDIMS];
    char *p[KS__MAXOP + 1];
    ptrdiff_t s[KS__MAXOP + 1];
    ptrdiff_t r = r0;
    for (int d = no - 1; d >= 0; d--) {
        idx[d] = r % pl->shape[d];
        r /= pl->shape[d];
    }
    for (int k = 0; k < nop; k++) {
        s[k] = pl->str[k][no];
        p[k] = pl->base[k] + e0 * s[k];
        for (int d = 0; d < no; d++) p[k] += idx[d] * pl->str[k][d];
    }
    for (r = r0; r < r1; r++) {
        run_segment(pl, p, s, len, scratch);
        for (int d = no - 1; d >= 0; d--) { /* next row: carry through the outer counters */
            for (int k = 0; k < nop; k++) p[k] += pl->str[k][d];
            if (++idx[d] < pl->shape[d]) break;
            for (int k = 0; k < nop; k++) p[k] -= pl->str[k][d] * pl->shape[d];
            idx[d] = 0;
        }
    }
}

/* Broadcast, squeeze, order and coalesce the dimensions. */
static int make_plan(ks_ctx *ctx, const ks__iter_spec *sp, int ndim, const ptrdiff_t *shape,
                     plan *pl)
{
    pl->spec = sp;
    pl->nop = sp->nin + sp->nout + (sp->where ? 1 : 0);
    ptrdiff_t str[KS__MAXOP + 1][KS_ARRAY_MAXDIMS];
    pl->buffered = sp->where != NULL;
    for (int k = 0; k < pl->nop; k++) {
        const ks_array *a = k < sp->nin + sp->nout ? sp->op[k] : sp->where;
        if (!ks__broadcast_strides(a, ndim, shape, str[k]))
            return ks__fail(ctx, KS_EINVAL, "internal: operand %d does not broadcast", k);
        pl->base[k] = a->data;
        pl->have[k] = a->dtype;
        pl->want[k] = k < sp->nin + sp->nout ? sp->dtypes[k] : KS_BOOL;
        /* the loops read whole elements: an unaligned operand (a NumPy view at an odd byte
           offset) is copied through scratch like a cast one */
        const size_t sz = ks__dtypes[a->dtype].size;
        const uintptr_t al = ks__dtypes[a->dtype].kind == 'c' ? sz / 2 : sz;
        bool aligned = (uintptr_t)a->data % al == 0;
        for (int d = 0; d < ndim && aligned; d++) aligned = (uintptr_t)str[k][d] % al == 0;
        pl->cast[k] = pl->have[k] != pl->want[k] || !aligned;
        pl->buffered |= pl->cast[k];
    }
    /* the kept dimensions, ordered by the first output's |stride|, largest first (stable) */
    int dims[KS_ARRAY_MAXDIMS], nd = 0;
    const int lead = sp->nout ? sp->nin : 0;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] == 1) continue;
        const ptrdiff_t key = str[lead][d] < 0 ? -str[lead][d] : str[lead][d];
        int j = nd++;
        while (j > 0) {
            const ptrdiff_t kj =
                str[lead][dims[j - 1]] < 0 ? -str[lead][dims[j - 1]] : str[lead][dims[j - 1]];
            if (kj >= key) break;
            dims[j] = dims[j - 1];
            j--;
        }
        dims[j] = d;
    }
    /* coalesce: dimension d absorbs the next when every operand steps through both as one */
    int out_nd = 0;
    for (int i = 0; i < nd; i++) {
        const int d = dims[i];
        if (out_nd > 0) {
            const int q = out_nd - 1;
            bool merge = true;
            for (int k = 0; k < pl->nop && merge; k++)
                merge = pl->str[k][q] == str[k][d] * shape[d];
            if (merge) {
                pl->shape[q] *= shape[d];
                for (int k = 0; k < pl->nop; k++) pl->str[k][q] = str[k][d];
                continue;
            }
        }
        pl->shape[out_nd] = shape[d];
        for (int k = 0; k < pl->nop; k++) pl->str[k][out_nd] = str[k][d];
        out_nd++;
    }
    if (out_nd == 0) { /* a single element */
        pl->shape[0] = 1;
        for (int k = 0; k < pl->nop; k++) pl->str[k][0] = 0;
        out_nd = 1;
    }
    /* a short inner dimension that stays apart (the 3 of an (n, n, 3) broadcast) would cost a
       loop call per few elements: the next dimension out, when long, goes inside instead
       (strided, its steps the smallest of the outer ones) */
    const int in = out_nd - 1;
    if (in > 0 && pl->shape[in] < 8) {
        const int j = in - 1;
        if (pl->shape[j] >= 64) {
            const ptrdiff_t n = pl->shape[j];
            ptrdiff_t st[KS__MAXOP + 1];
            for (int k = 0; k < pl->nop; k++) st[k] = pl->str[k][j];
            for (int d = j; d < in; d++) {
                pl->shape[d] = pl->shape[d + 1];
                for (int k = 0; k < pl->nop; k++) pl->str[k][d] = pl->str[k][d + 1];
            }
            pl->shape[in] = n;
            for (int k = 0; k < pl->nop; k++) pl->str[k][in] = st[k];
        }
    }
    pl->nd = out_nd;
    return KS_OK;
}

int ks__iter_run(ks_ctx *ctx, const ks__iter_spec *sp, int ndim, const ptrdiff_t *shape)
{
    ptrdiff_t total = 1;
    for (int d = 0; d < ndim; d++) total *= shape[d];
    if (total == 0) return KS_OK;
    plan pl;
    int rc = make_plan(ctx, sp, ndim, shape, &pl);
    if (rc) return rc;
    const ptrdiff_t len = pl.shape[pl.nd - 1], rows = total / len;
    const double ns =
        (double)total * (sp->ns_per_elem > 0 ? sp->ns_per_elem : 1.0) * (pl.buffered ? 2.0 : 1.0);
    const int nt = total >= 16384 ? ks__array_threads(ctx, ns) : 1;
    const size_t per_thread = (size_t)pl.nop * KS__CHUNK * 16;
    char *scratch = NULL;
    if (pl.buffered) {
        scratch = ks__malloc_array(ctx, (size_t)nt, per_thread);
        if (!scratch) return ks_errcode(ctx);
    }
    if (nt <= 1) {
        run_rows(&pl, 0, rows, 0, len, scratch);
    } else if (rows >= 8 * (ptrdiff_t)nt) {
        /* blocks of whole rows, a fixed number of them whatever the thread count */
        const ptrdiff_t nblk = rows < 64 ? rows : 64, per = (rows + nblk - 1) / nblk;
#pragma omp parallel for schedule(static) num_threads(nt)
        for (ptrdiff_t b = 0; b < nblk; b++) {
            int t = 0;
#ifdef _OPENMP
            t = omp_get_thread_num();
#endif
            const ptrdiff_t r0 = b * per, r1 = r0 + per < rows ? r0 + per : rows;
            if (r0 < r1)
                run_rows(&pl, r0, r1, 0, len, scratch ? scratch + (size_t)t * per_thread : NULL);
        }
    } else {
        /* few long rows: pieces of the inner dimension, whole chunks each */
        ptrdiff_t pieces = (16 * (ptrdiff_t)nt + rows - 1) / rows;
        ptrdiff_t plen = (len + pieces - 1) / pieces;
        plen = (plen + KS__CHUNK - 1) / KS__CHUNK * KS__CHUNK;
        pieces = (len + plen - 1) / plen;
        const ptrdiff_t ntask = rows * pieces;
#pragma omp parallel for schedule(static) num_threads(nt)
        for (ptrdiff_t t = 0; t < ntask; t++) {
            int th = 0;
#ifdef _OPENMP
            th = omp_get_thread_num();
#endif
            const ptrdiff_t r = t / pieces, e0 = (t % pieces) * plen;
            const ptrdiff_t n = len - e0 < plen ? len - e0 : plen;
            run_rows(&pl, r, r + 1, e0, n, scratch ? scratch + (size_t)th * per_thread : NULL);
        }
    }
    ks__free(ctx, scratch);
    return KS_OK;
}
