/* reduce_run.c — one typed kernel run over chosen axes of an n-d operand, in NumPy's order.
 *
 * The operand's axes are ordered as NumPy's iterator orders them (by stride, outermost the
 * largest; a reversed axis walked in its own order, as NumPy's reductions do), length-1 axes
 * dropped and neighbours merged. When the innermost axis is reduced, each line is folded into its
 * accumulator (pairwise for float sums); when it is kept, rows stream into a row of
 * accumulators, which is how NumPy reduces the outer axis of a C-contiguous array and is cache
 * friendly. Operands of another dtype are cast in chunks of 8192 (NumPy's buffer), so a sum of
 * a cast line is the sum of its chunks' pairwise sums, as NumPy's.
 *
 * Threads: a single line is cut into pieces (the nodes of the pairwise tree, or fixed chunks)
 * whose partial results combine in a fixed order; lines or columns that fill distinct
 * accumulators are shared out. Either way no result depends on the thread count. */
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "array/reduce_internal.h"

#define CHUNK 8192 /* NumPy's buffer: elements cast at a time */
#define LEAF 16384 /* a piece of one long line for a thread */
#define COLS 256   /* columns of accumulators per thread task */

typedef struct {
    int nd;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ptrdiff_t sx[KS_ARRAY_MAXDIMS]; /* operand, bytes */
    ptrdiff_t sw[KS_ARRAY_MAXDIMS]; /* where mask, bytes */
    ptrdiff_t sa[KS_ARRAY_MAXDIMS]; /* accumulators, elements (0 on reduced axes) */
    bool red[KS_ARRAY_MAXDIMS];
    int g; /* the axes from g on are reduced and fold into one accumulator (rows: g = nd-1) */
    const char *x, *w;
} plan;

typedef struct {
    const ks__red_kernel *k;
    ks__loop cast;     /* NULL: the operand is the kernel's dtype */
    size_t es, as, xs; /* element sizes: kernel input, accumulator, aux */
    char *acc, *aux;
    const char *neutral;
} run;

static void swap_axes(plan *p, int a, int b)
{
#define SWAP(f, T)                                                                                 \
    do {                                                                                           \
        T t_ = p->f[a];                                                                            \
        p->f[a] = p->f[b];                                                                         \
        p->f[b] = t_;                                                                              \
    } while (0)
    SWAP(shape, ptrdiff_t);
    SWAP(sx, ptrdiff_t);
    SWAP(sw, ptrdiff_t);
    SWAP(sa, ptrdiff_t);
    SWAP(red, bool);
#undef SWAP
}

static void build_plan(plan *p, const ks_array *x, uint64_t rmask, const char *w,
                       const ptrdiff_t *wstr, const ks_array *acc, bool short_rows)
{
    int nd = 0, ai = 0;
    p->x = x->data;
    p->w = w;
    for (int d = 0; d < x->ndim; d++) {
        const bool red = (rmask >> d) & 1;
        ptrdiff_t sa = 0;
        if (!red) {
            sa = acc->ndim == x->ndim ? acc->strides[d] : acc->strides[ai];
            sa /= (ptrdiff_t)ks__dtypes[acc->dtype].size;
            ai++;
        }
        if (x->shape[d] == 1) continue;
        const ptrdiff_t sx = x->strides[d], sw = wstr ? wstr[d] : 0;
        p->shape[nd] = x->shape[d];
        p->sx[nd] = sx;
        p->sw[nd] = sw;
        p->sa[nd] = sa;
        p->red[nd] = red;
        nd++;
    }
    /* outermost = largest stride; a stable insertion sort keeps C order on ties */
    for (int i = 1; i < nd; i++)
        for (int j = i; j > 0; j--) {
            const ptrdiff_t a = p->sx[j - 1] < 0 ? -p->sx[j - 1] : p->sx[j - 1];
            const ptrdiff_t b = p->sx[j] < 0 ? -p->sx[j] : p->sx[j];
            if (b <= a) break;
            swap_axes(p, j - 1, j);
        }
    /* merge an axis into the one outside it when they walk memory as one */
    int m = 0;
    for (int i = 0; i < nd; i++) {
        if (m > 0 && p->red[m - 1] == p->red[i] && p->sx[m - 1] == p->sx[i] * p->shape[i] &&
            p->sw[m - 1] == p->sw[i] * p->shape[i] && p->sa[m - 1] == p->sa[i] * p->shape[i]) {
            p->shape[m - 1] *= p->shape[i];
            p->sx[m - 1] = p->sx[i];
            p->sw[m - 1] = p->sw[i];
            p->sa[m - 1] = p->sa[i];
            continue;
        }
        p->shape[m] = p->shape[i];
        p->sx[m] = p->sx[i];
        p->sw[m] = p->sw[i];
        p->sa[m] = p->sa[i];
        p->red[m] = p->red[i];
        m++;
    }
    nd = m;
    /* at least one reduced axis (a length-1 one, outermost: rows stream once) */
    bool any = false;
    for (int i = 0; i < nd; i++) any = any || p->red[i];
    if (!any) {
        memmove(p->shape + 1, p->shape, (size_t)nd * sizeof *p->shape);
        memmove(p->sx + 1, p->sx, (size_t)nd * sizeof *p->sx);
        memmove(p->sw + 1, p->sw, (size_t)nd * sizeof *p->sw);
        memmove(p->sa + 1, p->sa, (size_t)nd * sizeof *p->sa);
        memmove(p->red + 1, p->red, (size_t)nd * sizeof *p->red);
        p->shape[0] = 1, p->sx[0] = 0, p->sw[0] = 0, p->sa[0] = 0, p->red[0] = true;
        nd++;
    }
    /* a short reduced inner axis below a long kept one (the 3 of sum(axis=2) over (n, n, 3))
       would fold a line per few elements: the kept axis goes inside and rows stream into its
       accumulators instead. Under 8 elements a line is added in order (pairwise sums start
       there), so each accumulator sees the same additions in the same order (not complex
       products: NumPy multiplies rows with FMA and lines without, so the two differ) */
    if (short_rows && nd >= 2 && p->red[nd - 1] && p->shape[nd - 1] < 8 && !p->red[nd - 2] &&
        p->shape[nd - 2] >= 64) {
        swap_axes(p, nd - 2, nd - 1);
    }
    p->nd = nd;
    p->g = nd - 1;
    while (p->red[nd - 1] && p->g > 0 && p->red[p->g - 1]) p->g--;
}

/* Cast n elements at x (stride s) into buf, then put the neutral value where the mask is
 * false (neutral[j * ns] for element j). */
static void load(const run *r, char *buf, const char *x, ptrdiff_t n, ptrdiff_t s, const char *w,
                 ptrdiff_t sw, const char *neutral, ptrdiff_t ns)
{
    if (r->cast) {
        char *args[2] = {(char *)x, buf};
        const ptrdiff_t steps[2] = {s, (ptrdiff_t)r->es};
        r->cast(args, steps, n, NULL);
    } else {
        for (ptrdiff_t j = 0; j < n; j++) memcpy(buf + j * r->es, x + j * s, r->es);
    }
    if (w)
        for (ptrdiff_t j = 0; j < n; j++)
            if (!w[j * sw]) memcpy(buf + j * r->es, neutral + j * ns, r->es);
}

static bool direct(const run *r, const char *w) { return !r->cast && !w; }

/* Fold one line of n elements into acc. */
static void line(const run *r, char *acc, const char *aux, const char *x, ptrdiff_t n, ptrdiff_t s,
                 const char *w, ptrdiff_t sw, char *buf);

/* A pairwise sum under a mask, as NumPy's masked loop: each run of unmasked elements summed
 * on its own. */
static void masked_runs(const run *r, char *acc, const char *aux, const char *x, ptrdiff_t n,
                        ptrdiff_t s, const char *w, ptrdiff_t sw, char *buf)
{
    for (ptrdiff_t j = 0; j < n;) {
        if (!w[j * sw]) {
            j++;
            continue;
        }
        ptrdiff_t e = j + 1;
        while (e < n && w[e * sw]) e++;
        line(r, acc, aux, x + j * s, e - j, s, NULL, 0, buf);
        j = e;
    }
}

static void line(const run *r, char *acc, const char *aux, const char *x, ptrdiff_t n, ptrdiff_t s,
                 const char *w, ptrdiff_t sw, char *buf)
{
    if (direct(r, w)) {
        r->k->inner(acc, aux, x, n, s);
    } else if (w && r->k->pairwise) {
        masked_runs(r, acc, aux, x, n, s, w, sw, buf);
    } else {
        for (ptrdiff_t c = 0; c < n; c += CHUNK) {
            const ptrdiff_t m = n - c < CHUNK ? n - c : CHUNK;
            load(r, buf, x + c * s, m, s, w ? w + c * sw : NULL, sw, r->neutral ? r->neutral : aux,
                 0);
            r->k->inner(acc, aux, buf, m, (ptrdiff_t)r->es);
        }
    }
}

/* Stream one row of n elements into acc[j * ai]. */
static void row(const run *r, char *acc, ptrdiff_t ai, const char *aux, const char *x, ptrdiff_t n,
                ptrdiff_t s, const char *w, ptrdiff_t sw, char *buf)
{
    if (direct(r, w)) {
        r->k->outer(acc, ai, aux, x, n, s);
        return;
    }
    for (ptrdiff_t c = 0; c < n; c += CHUNK) {
        const ptrdiff_t m = n - c < CHUNK ? n - c : CHUNK;
        const char *aux_c = aux ? aux + c * ai * (ptrdiff_t)r->xs : NULL;
        const char *nt = r->neutral ? r->neutral : aux_c;
        load(r, buf, x + c * s, m, s, w ? w + c * sw : NULL, sw, nt,
             r->neutral ? 0 : ai * (ptrdiff_t)r->xs);
        r->k->outer(acc + c * ai * (ptrdiff_t)r->as, ai, aux_c, buf, m, (ptrdiff_t)r->es);
    }
}

/* The reduced elements of one accumulator that lie in axes g .. nd-1 (all reduced). A pairwise
 * sum over more than one such axis is NumPy's buffered one: the elements gathered in order into
 * chunks of CHUNK, each summed pairwise; otherwise line by line. */
static void block(const run *r, const plan *p, char *acc, const char *aux, const char *x,
                  const char *w, char *buf)
{
    const int in = p->nd - 1, g = p->g;
    const ptrdiff_t n = p->shape[in], s = p->sx[in], sw = p->sw[in];
    if (g == in) {
        line(r, acc, aux, x, n, s, w, sw, buf);
        return;
    }
    ptrdiff_t nl = 1, idx[KS_ARRAY_MAXDIMS] = {0}, fill = 0;
    for (int d = g; d < in; d++) nl *= p->shape[d];
    const bool gather = r->k->pairwise;
    const char *nt = r->neutral ? r->neutral : aux;
    for (ptrdiff_t l = 0; l < nl; l++) {
        ptrdiff_t ox = 0, ow = 0;
        for (int d = g; d < in; d++) ox += idx[d] * p->sx[d], ow += idx[d] * p->sw[d];
        const char *xl = x + ox, *wl = w ? w + ow : NULL;
        if (!gather) {
            line(r, acc, aux, xl, n, s, wl, sw, buf);
        } else {
            for (ptrdiff_t c = 0; c < n;) {
                const ptrdiff_t m = n - c < CHUNK - fill ? n - c : CHUNK - fill;
                load(r, buf + fill * (ptrdiff_t)r->es, xl + c * s, m, s, wl ? wl + c * sw : NULL,
                     sw, nt, 0);
                fill += m, c += m;
                if (fill == CHUNK) {
                    r->k->inner(acc, aux, buf, fill, (ptrdiff_t)r->es);
                    fill = 0;
                }
            }
        }
        for (int d = in - 1; d >= g; d--) {
            if (++idx[d] < p->shape[d]) break;
            idx[d] = 0;
        }
    }
    if (fill) r->k->inner(acc, aux, buf, fill, (ptrdiff_t)r->es);
}

/* Visit outer positions [from, to) (a flat index over the axes before the block, C order),
 * restricted to inner columns [c0, c1) when rows stream. */
static void sweep(const run *r, const plan *p, ptrdiff_t from, ptrdiff_t to, ptrdiff_t c0,
                  ptrdiff_t c1, char *buf)
{
    const int in = p->nd - 1, g = p->g;
    ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
    ptrdiff_t rem = from;
    for (int d = g - 1; d >= 0; d--) {
        idx[d] = rem % p->shape[d];
        rem /= p->shape[d];
    }
    for (ptrdiff_t o = from; o < to; o++) {
        ptrdiff_t ox = 0, ow = 0, oa = 0;
        for (int d = 0; d < g; d++) {
            ox += idx[d] * p->sx[d];
            ow += idx[d] * p->sw[d];
            oa += idx[d] * p->sa[d];
        }
        const char *x = p->x + ox, *w = p->w ? p->w + ow : NULL;
        if (p->red[in]) {
            block(r, p, r->acc + oa * (ptrdiff_t)r->as,
                  r->aux ? r->aux + oa * (ptrdiff_t)r->xs : NULL, x, w, buf);
        } else {
            oa += c0 * p->sa[in];
            row(r, r->acc + oa * (ptrdiff_t)r->as, p->sa[in],
                r->aux ? r->aux + oa * (ptrdiff_t)r->xs : NULL, x + c0 * p->sx[in], c1 - c0,
                p->sx[in], w ? w + c0 * p->sw[in] : NULL, p->sw[in], buf);
        }
        for (int d = g - 1; d >= 0; d--) {
            if (++idx[d] < p->shape[d]) break;
            idx[d] = 0;
        }
    }
}

/* ---- one long line on threads ---- */

void ks__tree_leaves(ks__pieces *pc, ptrdiff_t off, ptrdiff_t n, ptrdiff_t leaf)
{
    if (n <= leaf) {
        if (pc->off) pc->off[pc->n] = off, pc->len[pc->n] = n;
        pc->n++;
        return;
    }
    ptrdiff_t h = n / 2;
    h -= h % 8;
    ks__tree_leaves(pc, off, h, leaf);
    ks__tree_leaves(pc, off + h, n - h, leaf);
}

void ks__tree_combine(const ks__red_kernel *k, const char *parts, ptrdiff_t n, ptrdiff_t leaf,
                      ptrdiff_t *next, char *out)
{
    const size_t as = ks__dtypes[k->acc].size;
    if (n <= leaf) {
        memcpy(out, parts + (*next)++ * (ptrdiff_t)as, as);
        return;
    }
    ptrdiff_t h = n / 2;
    h -= h % 8;
    char right[16];
    ks__tree_combine(k, parts, h, leaf, next, out);
    ks__tree_combine(k, parts, n - h, leaf, next, right);
    k->combine(out, right);
}

static int long_line(ks_ctx *ctx, const run *r, const plan *p, int nt, char *bufs, size_t bufsz)
{
    const ptrdiff_t n = p->shape[0], s = p->sx[0];
    /* a pairwise sum read directly splits as NumPy's tree; a cast or other one in fixed
     * chunks (for a cast sum: NumPy's buffers, added one after the other) */
    const bool tree = r->k->pairwise && !r->cast;
    const bool cplx = ks__dtypes[r->k->acc].kind == 'c';
    const ptrdiff_t leaf = r->cast ? CHUNK : LEAF;
    ks__pieces pc = {NULL, NULL, 0};
    if (tree && !cplx)
        ks__tree_leaves(&pc, 0, n, leaf);
    else
        pc.n = (n + leaf - 1) / leaf;
    if (tree && cplx) return KS_EINVAL; /* (caller never asks: complex sums run on one thread) */
    ptrdiff_t *ol = ks__malloc_array(ctx, (size_t)pc.n * 2, sizeof *ol);
    char *parts = ks__malloc_array(ctx, (size_t)pc.n, r->as);
    if (!ol || !parts) {
        ks__free(ctx, ol);
        ks__free(ctx, parts);
        return KS_ENOMEM;
    }
    pc.off = ol, pc.len = ol + pc.n;
    if (tree) {
        pc.n = 0;
        ks__tree_leaves(&pc, 0, n, leaf);
    } else {
        for (ptrdiff_t i = 0; i < pc.n; i++)
            pc.off[i] = i * leaf, pc.len[i] = n - i * leaf < leaf ? n - i * leaf : leaf;
    }
#ifndef _OPENMP
    (void)nt;
#endif
#pragma omp parallel for num_threads(nt) schedule(static)
    for (ptrdiff_t i = 0; i < pc.n; i++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        char *part = parts + i * (ptrdiff_t)r->as;
        ks__red_init(r->k->op, r->k->nan_skip, r->k->acc, part, 1);
        line(r, part, r->aux, p->x + pc.off[i] * s, pc.len[i], s, NULL, 0,
             bufs ? bufs + (size_t)tid * bufsz : NULL);
    }
    if (tree) {
        char total[16];
        ptrdiff_t next = 0;
        ks__tree_combine(r->k, parts, n, leaf, &next, total);
        r->k->combine(r->acc, total);
    } else {
        for (ptrdiff_t i = 0; i < pc.n; i++) r->k->combine(r->acc, parts + i * (ptrdiff_t)r->as);
    }
    ks__free(ctx, ol);
    ks__free(ctx, parts);
    return KS_OK;
}

int ks__red_run(ks_ctx *ctx, const ks__red_kernel *k, const ks_array *x, uint64_t rmask,
                const ks_array *where, const void *neutral, const ks_array *acc,
                const ks_array *aux)
{
    ptrdiff_t wstr[KS_ARRAY_MAXDIMS];
    if (ks_array_size(x) == 0) return KS_OK; /* accumulators keep their start */
    if (where && !ks__broadcast_strides(where, x->ndim, x->shape, wstr))
        return ks__fail(ctx, KS_EINVAL, "where: the mask does not broadcast to the operand");
    plan p;
    build_plan(&p, x, rmask, where ? where->data : NULL, where ? wstr : NULL, acc,
               !(k->op == KS__K_PROD && ks__dtypes[k->acc].kind == 'c'));
    run r = {k,
             x->dtype == k->in ? NULL : ks__cast_loop(x->dtype, k->in),
             ks__dtypes[k->in].size,
             ks__dtypes[k->acc].size,
             ks__dtypes[k->in].size,
             acc->data,
             aux ? aux->data : NULL,
             neutral};
    const bool buffered = r.cast || where;
    const ptrdiff_t total = ks_array_size(x);
    const double ns = (double)total * (buffered ? 2.0 : 0.4);
    int nt = ks__array_threads(ctx, ns);
    const int in = p.nd - 1;
    ptrdiff_t outer = 1;
    for (int d = 0; d < p.g; d++) outer *= p.shape[d];
    /* what may run on threads: one long line; blocks of distinct accumulators; column blocks */
    bool blocks_distinct = p.red[in];
    for (int d = 0; d < p.g; d++) blocks_distinct = blocks_distinct && !p.red[d];
    const bool cplx_tree = k->pairwise && ks__dtypes[k->acc].kind == 'c';
    const bool one_line = p.nd == 1 && !where && k->op != KS__K_PROD && !cplx_tree;
    const ptrdiff_t ncolblk = p.red[in] ? 0 : (p.shape[in] + COLS - 1) / COLS;
    if (!(one_line && p.shape[0] > LEAF) && !(blocks_distinct && outer > 1) && ncolblk < 2) nt = 1;
    const bool gather = p.red[in] && p.g < in && k->pairwise;
    const size_t bufsz = buffered || gather ? (size_t)CHUNK * r.es : 0;
    char *bufs = NULL;
    if (bufsz) {
        bufs = ks__malloc_array(ctx, (size_t)nt, bufsz);
        if (!bufs) return KS_ENOMEM;
    }
    int rc = KS_OK;
    if (nt > 1 && one_line) {
        rc = long_line(ctx, &r, &p, nt, bufs, bufsz);
    } else if (nt > 1 && p.red[in]) {
        /* blocks of lines (each its own accumulator: any split gives the same result) */
        const ptrdiff_t nblk = outer < 256 ? outer : 256, per = (outer + nblk - 1) / nblk;
#pragma omp parallel for num_threads(nt) schedule(static)
        for (ptrdiff_t b = 0; b < nblk; b++) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            const ptrdiff_t o0 = b * per, o1 = o0 + per < outer ? o0 + per : outer;
            if (o0 < o1) sweep(&r, &p, o0, o1, 0, 0, bufs ? bufs + (size_t)tid * bufsz : NULL);
        }
    } else if (nt > 1) {
#pragma omp parallel for num_threads(nt) schedule(static)
        for (ptrdiff_t b = 0; b < ncolblk; b++) {
            int tid = 0;
#ifdef _OPENMP
            tid = omp_get_thread_num();
#endif
            const ptrdiff_t c1 = (b + 1) * COLS < p.shape[in] ? (b + 1) * COLS : p.shape[in];
            sweep(&r, &p, 0, outer, b * COLS, c1, bufs ? bufs + (size_t)tid * bufsz : NULL);
        }
    } else {
        sweep(&r, &p, 0, outer, 0, p.shape[in], bufs);
    }
    ks__free(ctx, bufs);
    return rc;
}
