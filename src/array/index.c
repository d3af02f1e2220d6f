/* index.c — a[idx] and a[idx] = v with NumPy's rules, take, put, nonzero.
 *
 * Basic indexes (integers, slices, newaxis, ellipsis) make a view. Advanced ones (integer
 * arrays, bool masks as their nonzero(), and every integer when an array index is present)
 * broadcast together into one block of dimensions; the block replaces the indexed axes in place
 * when they are adjacent and goes first otherwise. A gather reads through a table of byte
 * offsets, one per element of the block, and copies the rest of each element (the subspace) as
 * a strided run; its memory is laid out block-first, as NumPy's, and transposed into place. */
#include <stdio.h>
#include <string.h>

#include "array/shape_internal.h"

#define MAXD KS_ARRAY_MAXDIMS

/* An index array's element as int64 (bool as 0 / 1; a uint64 past INT64_MAX saturates, which
 * is out of bounds anyway). */
static int64_t read_index(const char *p, ks_dtype t)
{
    switch (t) {
    case KS_BOOL: return *(const unsigned char *)p != 0;
    case KS_INT8: return *(const int8_t *)p;
    case KS_INT16: return *(const int16_t *)(const void *)p;
    case KS_INT32: return *(const int32_t *)(const void *)p;
    case KS_INT64: return *(const int64_t *)(const void *)p;
    case KS_UINT8: return *(const uint8_t *)p;
    case KS_UINT16: return *(const uint16_t *)(const void *)p;
    case KS_UINT32: return *(const uint32_t *)(const void *)p;
    case KS_UINT64: {
        const uint64_t u = *(const uint64_t *)(const void *)p;
        return u > INT64_MAX ? INT64_MAX : (int64_t)u;
    }
    default: return 0; /* callers pass integer or bool arrays only */
    }
}

static int out_of_bounds(ks_ctx *ctx, int64_t i, int axis, ptrdiff_t n)
{
    return ks__fail(ctx, KS_EINVAL, "index %lld is out of bounds for axis %d with size %td",
                    (long long)i, axis, n);
}

/* i made a position in [0, n) by mode: 0 raise, 1 wrap, 2 clip; -1 when out of bounds. */
static ptrdiff_t place(int64_t i, ptrdiff_t n, int mode)
{
    if (mode == 1) {
        const int64_t r = i % n;
        return (ptrdiff_t)(r < 0 ? r + n : r);
    }
    if (mode == 2) return i < 0 ? 0 : i >= n ? n - 1 : (ptrdiff_t)i;
    if (i < 0) i += n;
    return i < 0 || i >= n ? -1 : (ptrdiff_t)i;
}

/* Copy one element of sz bytes. */
static inline void copy_elem(char *dst, const char *src, size_t sz)
{
    switch (sz) {
    case 1: *dst = *src; break;
    case 2: memcpy(dst, src, 2); break;
    case 4: memcpy(dst, src, 4); break;
    case 8: memcpy(dst, src, 8); break;
    default: memcpy(dst, src, sz);
    }
}

/* dst = src over an n-d block (strides per side); the innermost axis a memcpy when both sides
 * are contiguous along it. */
static void copy_nd(int nd, const ptrdiff_t *shape, char *dst, const ptrdiff_t *dst_st,
                    const char *src, const ptrdiff_t *src_st, size_t sz)
{
    if (nd == 0) {
        copy_elem(dst, src, sz);
        return;
    }
    ptrdiff_t idx[MAXD] = {0};
    const int in = nd - 1;
    const ptrdiff_t n = shape[in], ds = dst_st[in], ss = src_st[in];
    const bool run = ds == (ptrdiff_t)sz && ss == (ptrdiff_t)sz;
    for (;;) {
        if (run)
            memcpy(dst, src, (size_t)n * sz);
        else if (sz == 8)
            for (ptrdiff_t j = 0; j < n; j++) memcpy(dst + j * ds, src + j * ss, 8);
        else
            for (ptrdiff_t j = 0; j < n; j++) copy_elem(dst + j * ds, src + j * ss, sz);
        int d = in - 1;
        for (; d >= 0; d--) {
            dst += dst_st[d];
            src += src_st[d];
            if (++idx[d] < shape[d]) break;
            dst -= shape[d] * dst_st[d];
            src -= shape[d] * src_st[d];
            idx[d] = 0;
        }
        if (d < 0) return;
    }
}

/* ---- gathering through an offset table ---- */

/* Memory-order dimensions of a gather: pre (outer, strided on both sides), the block of nb
 * elements (a byte offset per element on each side), post (the subspace, strided). `g` is the
 * indexed array's side, `o` the other (the result, or the assigned value). */
typedef struct {
    int npre, npost;
    ptrdiff_t pre[MAXD], pre_g[MAXD], pre_o[MAXD];
    ptrdiff_t post[MAXD], post_g[MAXD], post_o[MAXD];
    ptrdiff_t nb;
    ptrdiff_t *off_g, *off_o; /* nb each, one allocation */
    size_t sz;
} gplan;

/* Drop length-1 axes of the subspace and merge axes contiguous on both sides. */
static void coalesce_post(gplan *p)
{
    int m = 0;
    for (int d = 0; d < p->npost; d++) {
        if (p->post[d] == 1) continue;
        if (m > 0 && p->post_g[m - 1] == p->post[d] * p->post_g[d] &&
            p->post_o[m - 1] == p->post[d] * p->post_o[d]) {
            p->post[m - 1] *= p->post[d];
            p->post_g[m - 1] = p->post_g[d];
            p->post_o[m - 1] = p->post_o[d];
            continue;
        }
        p->post[m] = p->post[d];
        p->post_g[m] = p->post_g[d];
        p->post_o[m++] = p->post_o[d];
    }
    p->npost = m;
}

/* Run the gather: o = g[...] (get) or g[...] = o (set). */
static void gplan_run(const gplan *p, char *g, char *o, bool set)
{
    ptrdiff_t idx[MAXD] = {0};
    for (int d = 0; d < p->npre; d++)
        if (p->pre[d] == 0) return;
    for (int d = 0; d < p->npost; d++)
        if (p->post[d] == 0) return;
    for (;;) {
        if (p->npost == 0 && p->sz == 8 && !set)
            for (ptrdiff_t b = 0; b < p->nb; b++) memcpy(o + p->off_o[b], g + p->off_g[b], 8);
        else
            for (ptrdiff_t b = 0; b < p->nb; b++) {
                char *gp = g + p->off_g[b], *op = o + p->off_o[b];
                if (set)
                    copy_nd(p->npost, p->post, gp, p->post_g, op, p->post_o, p->sz);
                else
                    copy_nd(p->npost, p->post, op, p->post_o, gp, p->post_g, p->sz);
            }
        int d = p->npre - 1;
        for (; d >= 0; d--) {
            g += p->pre_g[d];
            o += p->pre_o[d];
            if (++idx[d] < p->pre[d]) break;
            g -= p->pre[d] * p->pre_g[d];
            o -= p->pre[d] * p->pre_o[d];
            idx[d] = 0;
        }
        if (d < 0) return;
    }
}

/* The block's offsets on the indexed side: the sum over the index arrays of position * stride
 * (each array broadcast to bshape; mode as `place`). Errors name axis[k] of index k. Allocates
 * both tables. */
static int block_offsets(ks_ctx *ctx, gplan *p, int nidx, const ks_array *const *ind,
                         const ptrdiff_t *len, const ptrdiff_t *gst, const int *axis, int mode,
                         int bnd, const ptrdiff_t *bshape)
{
    ptrdiff_t nb = 1;
    for (int d = 0; d < bnd; d++) nb *= bshape[d];
    p->nb = nb;
    p->off_g = ks__malloc_array(ctx, nb ? 2 * (size_t)nb : 1, sizeof *p->off_g);
    if (!p->off_g) return ks_errcode(ctx);
    p->off_o = p->off_g + nb;
    if (nb == 0) return KS_OK;
    ptrdiff_t st[MAXD][MAXD];
    const char *ptr[MAXD];
    for (int k = 0; k < nidx; k++) {
        ks__broadcast_strides(ind[k], bnd, bshape, st[k]);
        ptr[k] = ind[k]->data;
    }
    ptrdiff_t pos[MAXD] = {0};
    for (ptrdiff_t b = 0; b < nb; b++) {
        ptrdiff_t g = 0;
        for (int k = 0; k < nidx; k++) {
            const int64_t i = read_index(ptr[k], ind[k]->dtype);
            const ptrdiff_t at = place(i, len[k], mode);
            if (at < 0) return out_of_bounds(ctx, i, axis[k], len[k]);
            g += at * gst[k];
        }
        p->off_g[b] = g;
        for (int d = bnd - 1; d >= 0; d--) {
            for (int k = 0; k < nidx; k++) ptr[k] += st[k][d];
            if (++pos[d] < bshape[d]) break;
            for (int k = 0; k < nidx; k++) ptr[k] -= bshape[d] * st[k][d];
            pos[d] = 0;
        }
    }
    return KS_OK;
}

/* The block's offsets on the other side: its position times ost (bnd strides). */
static void other_offsets(gplan *p, int bnd, const ptrdiff_t *bshape, const ptrdiff_t *ost)
{
    ptrdiff_t pos[MAXD] = {0}, o = 0;
    for (ptrdiff_t b = 0; b < p->nb; b++) {
        p->off_o[b] = o;
        for (int d = bnd - 1; d >= 0; d--) {
            o += ost[d];
            if (++pos[d] < bshape[d]) break;
            o -= bshape[d] * ost[d];
            pos[d] = 0;
        }
    }
}

/* ---- parsing an index ---- */

typedef struct {
    ks_array v; /* the basic view; each advanced index keeps its axis here, whole */
    int nadv;
    int adv_dim[MAXD];  /* the axis of v each advanced index applies to */
    int adv_axis[MAXD]; /* the axis of the indexed array (for messages) */
    ks_array adv[MAXD]; /* integer index arrays (references) */
    bool adjacent;      /* the advanced axes are next to each other in v */
    bool scalar_array;  /* a 0-d integer array among the indexes */
} parsed;

static void parsed_free(parsed *P)
{
    ks_array_release(&P->v);
    for (int k = 0; k < P->nadv; k++) ks_array_release(&P->adv[k]);
    P->nadv = 0;
}

/* Python's slice on a length-n axis: start and step to use, and the length (0: start 0, step 1,
 * as NumPy keeps an empty slice's pointer at the axis' start). */
static int slice_apply(ks_ctx *ctx, const ks_index *ix, ptrdiff_t n, ptrdiff_t *start,
                       ptrdiff_t *step, ptrdiff_t *len)
{
    ptrdiff_t s = ix->step;
    if (s == 0) return ks__fail(ctx, KS_EINVAL, "slice step cannot be zero");
    if (s < -PTRDIFF_MAX) s = -PTRDIFF_MAX;
    ptrdiff_t a = ix->has_start ? ix->start : s < 0 ? PTRDIFF_MAX : 0;
    ptrdiff_t b = ix->has_stop ? ix->stop : s < 0 ? PTRDIFF_MIN : PTRDIFF_MAX;
    if (a < 0) {
        a += n;
        if (a < 0) a = s < 0 ? -1 : 0;
    } else if (a >= n) {
        a = s < 0 ? n - 1 : n;
    }
    if (b < 0) {
        b += n;
        if (b < 0) b = s < 0 ? -1 : 0;
    } else if (b >= n) {
        b = s < 0 ? n - 1 : n;
    }
    ptrdiff_t m = 0;
    if (s < 0 && b < a) m = (a - b - 1) / -s + 1;
    if (s > 0 && a < b) m = (b - a - 1) / s + 1;
    *len = m;
    *start = m ? a : 0;
    *step = m ? s : 1;
    return KS_OK;
}

static int add_dim(ks_ctx *ctx, ks_array *v, ptrdiff_t n, ptrdiff_t stride)
{
    if (v->ndim >= MAXD)
        return ks__fail(ctx, KS_EINVAL, "number of dimensions must be within [0, %d]", MAXD);
    v->shape[v->ndim] = n;
    v->strides[v->ndim++] = stride;
    return KS_OK;
}

static int add_adv(ks_ctx *ctx, parsed *P, int axis, ptrdiff_t n, ptrdiff_t stride)
{
    const int rc = add_dim(ctx, &P->v, n, stride);
    if (rc) return rc;
    P->adv_dim[P->nadv] = P->v.ndim - 1;
    P->adv_axis[P->nadv] = axis;
    ks__array_clear(&P->adv[P->nadv]);
    P->nadv++;
    return KS_OK;
}

static int parse(ks_ctx *ctx, const ks_array *a, int nidx, const ks_index *idx, parsed *P)
{
    P->nadv = 0;
    P->scalar_array = false;
    int consumed = 0, nell = 0;
    bool fancy = false;
    for (int i = 0; i < nidx; i++) {
        const ks_index *ix = &idx[i];
        switch (ix->kind) {
        case KS_INDEX_INT:
        case KS_INDEX_SLICE: consumed++; break;
        case KS_INDEX_NEWAXIS: break;
        case KS_INDEX_ELLIPSIS:
            if (++nell > 1)
                return ks__fail(ctx, KS_EINVAL, "an index can only have a single ellipsis ('...')");
            break;
        case KS_INDEX_ARRAY: {
            const char k = ks__dtypes[ix->array->dtype].kind;
            if (k == 'b') {
                consumed += ix->array->ndim;
                fancy = true;
            } else if (k == 'i' || k == 'u') {
                consumed++;
                /* a 0-d one is an integer (whose result NumPy copies) */
                if (ix->array->ndim > 0)
                    fancy = true;
                else
                    P->scalar_array = true;
            } else {
                return ks__fail(ctx, KS_EINVAL,
                                "arrays used as indices must be of integer (or boolean) type");
            }
            break;
        }
        default:
            return ks__fail(ctx, KS_EINVAL, "index %d: kind %d is not an index kind", i,
                            (int)ix->kind);
        }
    }
    if (consumed > a->ndim)
        return ks__fail(ctx, KS_EINVAL,
                        "too many indices for array: array is %d-dimensional, but %d were indexed",
                        a->ndim, consumed);
    /* bool masks must match the axes they cover (NumPy checks this before any integer) */
    for (int i = 0, d = 0; i < nidx; i++) {
        const ks_index *ix = &idx[i];
        if (ix->kind == KS_INDEX_ELLIPSIS) d += a->ndim - consumed;
        if (ix->kind == KS_INDEX_INT || ix->kind == KS_INDEX_SLICE) d++;
        if (ix->kind != KS_INDEX_ARRAY) continue;
        const ks_array *m = ix->array;
        if (m->dtype != KS_BOOL) {
            d++;
            continue;
        }
        for (int k = 0; k < m->ndim; k++, d++)
            if (m->shape[k] != a->shape[d])
                return ks__fail(ctx, KS_EINVAL,
                                "boolean index did not match indexed array along axis %d; size of "
                                "axis is %td but size of corresponding boolean axis is %td",
                                d, a->shape[d], m->shape[k]);
    }
    ks__view(a, &P->v);
    P->v.ndim = 0;
    int sd = 0, rc = KS_OK;
    /* NumPy puts the block in place only when no slice, newaxis or ellipsis (even one of no
     * axes) stands between two advanced indexes */
    int run = 0; /* 0: no advanced index yet, 1: in the first run of them, 2: after it */
    P->adjacent = true;
    for (int i = 0; i < nidx && !rc; i++) {
        const ks_index *ix = &idx[i];
        const ks_array *arr = ix->array;
        const bool zero_d_int =
            ix->kind == KS_INDEX_ARRAY && arr->ndim == 0 && arr->dtype != KS_BOOL;
        const bool adv = (ix->kind == KS_INDEX_ARRAY && !zero_d_int) ||
                         (fancy && (ix->kind == KS_INDEX_INT || zero_d_int));
        if (adv && run == 2) P->adjacent = false;
        if (adv)
            run = run == 0 ? 1 : run;
        else if (run == 1)
            run = 2;
        if (ix->kind == KS_INDEX_INT || zero_d_int) {
            const int64_t val = zero_d_int ? read_index(arr->data, arr->dtype) : ix->start;
            const ptrdiff_t n = a->shape[sd];
            const ptrdiff_t at = place(val, n, 0);
            if (at < 0) {
                rc = out_of_bounds(ctx, val, sd, n);
            } else if (fancy) {
                /* an integer beside an array index is a 0-d advanced index */
                rc = add_adv(ctx, P, sd, n, a->strides[sd]);
                if (!rc) rc = ks_array_scalar_i64(ctx, KS_INT64, val, &P->adv[P->nadv - 1]);
            } else {
                P->v.data += at * a->strides[sd];
            }
            sd++;
        } else if (ix->kind == KS_INDEX_SLICE) {
            ptrdiff_t start = 0, step = 1, len = 0;
            rc = slice_apply(ctx, ix, a->shape[sd], &start, &step, &len);
            if (!rc) rc = add_dim(ctx, &P->v, len, a->strides[sd] * step);
            P->v.data += start * a->strides[sd];
            sd++;
        } else if (ix->kind == KS_INDEX_NEWAXIS) {
            rc = add_dim(ctx, &P->v, 1, 0);
        } else if (ix->kind == KS_INDEX_ELLIPSIS) {
            for (int k = consumed; k < a->ndim && !rc; k++, sd++)
                rc = add_dim(ctx, &P->v, a->shape[sd], a->strides[sd]);
        } else if (arr->ndim == 0 && arr->dtype == KS_BOOL) {
            /* a bool scalar: a new axis of length 1, indexed by [0] (true) or [] (false) */
            const ptrdiff_t cnt = *(const unsigned char *)arr->data != 0;
            rc = add_adv(ctx, P, sd, 1, 0);
            if (!rc)
                rc = ks__array_zeroed(ctx, KS_INT64, 1, &cnt, KS_ORDER_C, &P->adv[P->nadv - 1]);
        } else if (ks__dtypes[arr->dtype].kind == 'b') {
            ks_array nz[MAXD];
            rc = ks_array_nonzero(ctx, arr, nz);
            const bool have = rc == KS_OK;
            for (int k = 0; have && k < arr->ndim; k++) {
                if (!rc) rc = add_adv(ctx, P, sd + k, a->shape[sd + k], a->strides[sd + k]);
                if (!rc)
                    P->adv[P->nadv - 1] = nz[k];
                else
                    ks_array_release(&nz[k]);
            }
            sd += arr->ndim;
        } else {
            rc = add_adv(ctx, P, sd, a->shape[sd], a->strides[sd]);
            if (!rc) ks_array_ref(arr, &P->adv[P->nadv - 1]);
            sd++;
        }
    }
    for (; sd < a->ndim && !rc; sd++) rc = add_dim(ctx, &P->v, a->shape[sd], a->strides[sd]);
    if (rc) {
        parsed_free(P);
        return rc;
    }
    return KS_OK;
}

/* The layout of an advanced index's result: the block's shape, the result's shape, and where
 * each result axis sits in memory order (block first, then the other axes of v). */
typedef struct {
    int bnd, nd;
    ptrdiff_t bshape[MAXD];
    ptrdiff_t shape[MAXD]; /* the result, in result order */
    int mem_of[MAXD];      /* result axis -> memory-order axis */
    int ins;               /* where the block sits in the result */
    gplan p;
} adv_layout;

static int layout(ks_ctx *ctx, const parsed *P, adv_layout *L)
{
    L->p.off_g = NULL;
    const ks_array *ptrs[MAXD];
    for (int k = 0; k < P->nadv; k++) ptrs[k] = &P->adv[k];
    if (ks_array_broadcast_shape(ctx, P->nadv, ptrs, &L->bnd, L->bshape)) {
        char msg[KS_ERRMSG_MAX];
        size_t n = (size_t)snprintf(msg, sizeof msg,
                                    "shape mismatch: indexing arrays could not be "
                                    "broadcast together with shapes ");
        for (int k = 0; k < P->nadv && n < sizeof msg - 64; k++) {
            char s[200];
            n += (size_t)snprintf(msg + n, sizeof msg - n, "%s ",
                                  ks__shape_str(P->adv[k].ndim, P->adv[k].shape, s, sizeof s));
        }
        return ks__fail(ctx, KS_EINVAL, "%s", msg);
    }
    const int nkept = P->v.ndim - P->nadv;
    L->nd = L->bnd + nkept;
    if (L->nd > MAXD)
        return ks__fail(ctx, KS_EINVAL, "number of dimensions must be within [0, %d]", MAXD);
    L->ins = P->adjacent ? P->adv_dim[0] : 0;
    /* result order: kept axes before ins, the block, the other kept axes */
    int r = 0, kept = 0;
    bool is_adv[MAXD] = {false}, placed = false;
    for (int k = 0; k < P->nadv; k++) is_adv[P->adv_dim[k]] = true;
    for (int d = 0; d <= P->v.ndim; d++) {
        if (r == L->ins && !placed)
            for (placed = true; r - L->ins < L->bnd; r++) {
                const int b = r - L->ins;
                L->shape[r] = L->bshape[b];
                L->mem_of[r] = b;
            }
        if (d == P->v.ndim || is_adv[d]) continue;
        L->shape[r] = P->v.shape[d];
        L->mem_of[r++] = L->bnd + kept++;
    }
    /* the plan: no pre axes; post = the kept axes of v */
    gplan *p = &L->p;
    p->npre = 0;
    p->npost = 0;
    p->sz = ks__dtypes[P->v.dtype].size;
    for (int d = 0; d < P->v.ndim; d++)
        if (!is_adv[d]) {
            p->post[p->npost] = P->v.shape[d];
            p->post_g[p->npost++] = P->v.strides[d];
        }
    return KS_OK;
}

/* The indexed side's offsets of a parsed advanced index (and its bounds checks). */
static int layout_gather(ks_ctx *ctx, const parsed *P, adv_layout *L)
{
    const ks_array *ind[MAXD];
    ptrdiff_t len[MAXD], gst[MAXD];
    for (int k = 0; k < P->nadv; k++) {
        ind[k] = &P->adv[k];
        len[k] = P->v.shape[P->adv_dim[k]];
        gst[k] = P->v.strides[P->adv_dim[k]];
    }
    return block_offsets(ctx, &L->p, P->nadv, ind, len, gst, P->adv_axis, 0, L->bnd, L->bshape);
}

/* The other side's offsets and subspace strides, from its strides in memory order `ost` (the
 * block's bnd first, then the kept axes'). */
static void layout_other(adv_layout *L, const ptrdiff_t *ost)
{
    for (int d = 0; d < L->p.npost; d++) L->p.post_o[d] = ost[L->bnd + d];
    coalesce_post(&L->p);
    other_offsets(&L->p, L->bnd, L->bshape, ost);
}

/* ---- bool mask over the whole array: a[mask] and a[mask] = scalar directly ---- */

static bool whole_mask(const ks_array *a, int nidx, const ks_index *idx)
{
    if (nidx != 1 || idx[0].kind != KS_INDEX_ARRAY) return false;
    const ks_array *m = idx[0].array;
    if (m->dtype != KS_BOOL || m->ndim != a->ndim || a->ndim == 0) return false;
    for (int d = 0; d < a->ndim; d++)
        if (m->shape[d] != a->shape[d]) return false;
    return true;
}

/* Visit the elements of a where mask is true, in C order: copy them to dst (a packed run) or,
 * when `set`, write the element at src into each. Returns the count. */
static ptrdiff_t mask_walk(const ks_array *a, const ks_array *m, char *dst, const char *src,
                           bool set)
{
    const int nd = a->ndim;
    for (int d = 0; d < nd; d++)
        if (a->shape[d] == 0) return 0;
    const size_t sz = ks__dtypes[a->dtype].size;
    ptrdiff_t idx[MAXD] = {0}, cnt = 0;
    const char *mp = m->data;
    char *ap = a->data;
    const ptrdiff_t n = a->shape[nd - 1], as = a->strides[nd - 1], ms = m->strides[nd - 1];
    for (;;) {
        if (!dst && !set)
            for (ptrdiff_t j = 0; j < n; j++) cnt += mp[j * ms] != 0;
        else
            for (ptrdiff_t j = 0; j < n; j++) {
                if (!mp[j * ms]) continue;
                if (set)
                    copy_elem(ap + j * as, src, sz);
                else
                    copy_elem(dst + (size_t)cnt * sz, ap + j * as, sz);
                cnt++;
            }
        int d = nd - 2;
        for (; d >= 0; d--) {
            ap += a->strides[d];
            mp += m->strides[d];
            if (++idx[d] < a->shape[d]) break;
            ap -= a->shape[d] * a->strides[d];
            mp -= a->shape[d] * m->strides[d];
            idx[d] = 0;
        }
        if (d < 0) return cnt;
    }
}

/* ---- the public functions ---- */

/* a[i] for a 1-d a and one int64 index array: a gather per element size (rng.choice's and
 * every lookup table's), not the general plan's per-element dispatch. */
#define GATHER(T)                                                                                  \
    do {                                                                                           \
        T *o = (T *)(void *)out->data;                                                             \
        for (ptrdiff_t j = 0; j < m; j++) {                                                        \
            int64_t k = *(const int64_t *)(const void *)(ix + j * is);                             \
            if (k < 0) k += n;                                                                     \
            if (k < 0 || k >= n) {                                                                 \
                ks_array_release(out);                                                             \
                return out_of_bounds(ctx, *(const int64_t *)(const void *)(ix + j * is), 0, n);    \
            }                                                                                      \
            memcpy(&o[j], src + k * as, sizeof(T));                                                \
        }                                                                                          \
    } while (0)

static int gather_1d(ks_ctx *ctx, const ks_array *a, const ks_array *index, ks_array *out)
{
    const ptrdiff_t n = a->shape[0], as = a->strides[0], m = ks_array_size(index);
    int rc = ks_array_empty(ctx, a->dtype, index->ndim, index->shape, KS_ORDER_C, out);
    if (rc) return rc;
    const char *src = a->data, *ix = index->data;
    const ptrdiff_t is = index->ndim ? index->strides[index->ndim - 1] : 0;
    switch (ks__dtypes[a->dtype].size) {
    case 1: GATHER(uint8_t); break;
    case 2: GATHER(uint16_t); break;
    case 4: GATHER(uint32_t); break;
    case 8: GATHER(uint64_t); break;
    default: GATHER(ks__parts128); break;
    }
    return KS_OK;
}
#undef GATHER

int ks_array_index_get(ks_ctx *ctx, const ks_array *a, int nidx, const ks_index *idx, ks_array *out)
{
    ks__array_clear(out);
    if (nidx < 0) return ks__fail(ctx, KS_EINVAL, "%d indices", nidx);
    if (nidx == 1 && a->ndim == 1 && idx[0].kind == KS_INDEX_ARRAY &&
        idx[0].array->dtype == KS_INT64 && idx[0].array->ndim <= 1 && a->shape[0] > 0)
        return gather_1d(ctx, a, idx[0].array, out);
    if (whole_mask(a, nidx, idx)) {
        const ptrdiff_t cnt = mask_walk(a, idx[0].array, NULL, NULL, false);
        const int rc = ks_array_empty(ctx, a->dtype, 1, &cnt, KS_ORDER_C, out);
        if (!rc) mask_walk(a, idx[0].array, out->data, NULL, false);
        return rc;
    }
    parsed P;
    int rc = parse(ctx, a, nidx, idx, &P);
    if (rc) return rc;
    if (P.nadv == 0 && P.scalar_array) {
        /* NumPy copies what a 0-d integer array index selects */
        rc = ks_array_copy(ctx, &P.v, KS_ORDER_C, out);
        parsed_free(&P);
        return rc;
    }
    if (P.nadv == 0) {
        *out = P.v;
        return KS_OK;
    }
    adv_layout L;
    rc = layout(ctx, &P, &L);
    ptrdiff_t mshape[MAXD], mst[MAXD];
    ks_array mem;
    ks__array_clear(&mem);
    if (!rc) {
        memcpy(mshape, L.bshape, (size_t)L.bnd * sizeof *mshape);
        for (int d = 0; d < L.p.npost; d++) mshape[L.bnd + d] = L.p.post[d];
        rc = ks_array_empty(ctx, a->dtype, L.nd, mshape, KS_ORDER_C, &mem);
    }
    if (!rc) rc = layout_gather(ctx, &P, &L);
    if (!rc) {
        memcpy(mst, mem.strides, (size_t)L.nd * sizeof *mst);
        layout_other(&L, mst);
    }
    if (!rc && ks_array_size(&mem) > 0) gplan_run(&L.p, P.v.data, mem.data, false);
    if (!rc) {
        *out = mem;
        for (int r = 0; r < L.nd; r++) {
            out->shape[r] = mshape[L.mem_of[r]];
            out->strides[r] = mst[L.mem_of[r]];
        }
    } else {
        ks_array_release(&mem);
    }
    ks__free(ctx, L.p.off_g);
    parsed_free(&P);
    return rc;
}

/* value with leading length-1 axes beyond nd dropped (NumPy allows them in assignment), or
 * false when it does not broadcast to shape. */
static bool fit_value(const ks_array *value, int nd, const ptrdiff_t *shape, ks_array *v)
{
    *v = *value;
    int drop = 0;
    while (v->ndim - drop > nd && v->shape[drop] == 1) drop++;
    v->ndim -= drop;
    memmove(v->shape, v->shape + drop, (size_t)v->ndim * sizeof *v->shape);
    memmove(v->strides, v->strides + drop, (size_t)v->ndim * sizeof *v->strides);
    ptrdiff_t st[MAXD];
    return ks__broadcast_strides(v, nd, shape, st);
}

int ks_array_index_set(ks_ctx *ctx, ks_array *a, int nidx, const ks_index *idx,
                       const ks_array *value)
{
    if (!(a->flags & KS_ARRAY_WRITEABLE))
        return ks__fail(ctx, KS_EINVAL, "assignment destination is read-only");
    if (nidx < 0) return ks__fail(ctx, KS_EINVAL, "%d indices", nidx);
    if (whole_mask(a, nidx, idx) && ks_array_size(value) == 1 && value->ndim <= 1) {
        unsigned char e[16];
        ks__elem_cast(value, a->dtype, e);
        mask_walk(a, idx[0].array, NULL, (const char *)e, true);
        return KS_OK;
    }
    parsed P;
    int rc = parse(ctx, a, nidx, idx, &P);
    if (rc) return rc;
    char s1[200], s2[200];
    ks_array v;
    if (P.nadv == 0) {
        if (!fit_value(value, P.v.ndim, P.v.shape, &v))
            rc = ks__fail(ctx, KS_EINVAL,
                          "could not broadcast input array from shape %s into shape %s",
                          ks__shape_str(value->ndim, value->shape, s1, sizeof s1),
                          ks__shape_str(P.v.ndim, P.v.shape, s2, sizeof s2));
        else
            rc = ks_array_assign(ctx, &P.v, &v, KS_CASTING_UNSAFE);
        parsed_free(&P);
        return rc;
    }
    adv_layout L;
    rc = layout(ctx, &P, &L);
    if (!rc && !fit_value(value, L.nd, L.shape, &v) && whole_mask(a, nidx, idx))
        rc = ks__fail(ctx, KS_EINVAL,
                      "NumPy boolean array indexing assignment cannot assign %td input values to "
                      "the %td output values where the mask is true",
                      ks_array_size(value), L.shape[0]);
    else if (!rc && !fit_value(value, L.nd, L.shape, &v))
        rc = ks__fail(ctx, KS_EINVAL,
                      "shape mismatch: value array of shape %s could not be broadcast to indexing "
                      "result of shape %s",
                      ks__shape_str(value->ndim, value->shape, s1, sizeof s1),
                      ks__shape_str(L.nd, L.shape, s2, sizeof s2));
    /* NumPy checks the index arrays' positions after the value's shape */
    if (!rc) rc = layout_gather(ctx, &P, &L);
    /* the value in a's dtype, and apart from a's memory */
    ks_array val;
    ks__array_clear(&val);
    if (!rc) {
        if (v.dtype != a->dtype || ks_array_may_share_memory(&v, a))
            rc = ks_array_astype(ctx, &v, a->dtype, KS_CASTING_UNSAFE, &val);
        else
            ks_array_ref(&v, &val);
    }
    if (!rc) {
        ptrdiff_t vst[MAXD], ost[MAXD];
        ks__broadcast_strides(&val, L.nd, L.shape, vst);
        for (int r = 0; r < L.nd; r++) ost[L.mem_of[r]] = vst[r];
        layout_other(&L, ost);
        gplan_run(&L.p, P.v.data, val.data, true);
    }
    ks_array_release(&val);
    ks__free(ctx, L.p.off_g);
    parsed_free(&P);
    return rc;
}

int ks_array_take(ks_ctx *ctx, const ks_array *a, const ks_array *indices, int axis, int mode,
                  ks_array *out)
{
    ks__array_clear(out);
    if (axis == KS_AXIS_NONE) {
        ks_array flat;
        const ptrdiff_t m1 = -1;
        int rc = ks_array_reshape(ctx, a, 1, &m1, KS_ORDER_C, &flat);
        if (rc) return rc;
        rc = ks_array_take(ctx, &flat, indices, 0, mode, out);
        ks_array_release(&flat);
        return rc;
    }
    if (mode < 0 || mode > 2)
        return ks__fail(ctx, KS_EINVAL, "take: mode %d (0 raise, 1 wrap, 2 clip)", mode);
    int ax;
    int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc) return rc;
    const char kind = ks__dtypes[indices->dtype].kind;
    if (kind == 'c')
        return ks__fail(
            ctx, KS_ETYPE,
            "Cannot cast array data from dtype('%s') to dtype('int64') according to the "
            "rule 'same_kind'",
            ks__dtypes[indices->dtype].name);
    const ptrdiff_t n = a->shape[ax];
    if (n == 0 && ks_array_size(indices) > 0)
        return ks__fail(ctx, KS_EINVAL, "cannot do a non-empty take from an empty axes.");
    if (mode == 0 && a->ndim == 1 && indices->dtype == KS_INT64 && indices->ndim <= 1 && n > 0)
        return gather_1d(ctx, a, indices, out);
    /* NumPy casts the indices to intp unsafely (floats truncate) */
    ks_array ind;
    if (kind == 'f')
        rc = ks_array_astype(ctx, indices, KS_INT64, KS_CASTING_UNSAFE, &ind);
    else
        ks_array_ref(indices, &ind);
    if (rc) return rc;
    const int nd = a->ndim - 1 + ind.ndim;
    if (nd > MAXD) {
        ks_array_release(&ind);
        return ks__fail(ctx, KS_EINVAL, "number of dimensions must be within [0, %d]", MAXD);
    }
    /* the result in C order: a's axes before ax, the indices' axes, a's axes after */
    ptrdiff_t shape[MAXD];
    gplan p;
    p.npre = ax;
    p.npost = a->ndim - 1 - ax;
    p.sz = ks__dtypes[a->dtype].size;
    for (int d = 0; d < ax; d++) shape[d] = a->shape[d];
    for (int d = 0; d < ind.ndim; d++) shape[ax + d] = ind.shape[d];
    for (int d = ax + 1; d < a->ndim; d++) shape[ind.ndim + d - 1] = a->shape[d];
    rc = ks_array_empty(ctx, a->dtype, nd, shape, KS_ORDER_C, out);
    p.off_g = NULL;
    if (!rc) {
        for (int d = 0; d < ax; d++) {
            p.pre[d] = a->shape[d];
            p.pre_g[d] = a->strides[d];
            p.pre_o[d] = out->strides[d];
        }
        for (int d = 0; d < p.npost; d++) {
            p.post[d] = a->shape[ax + 1 + d];
            p.post_g[d] = a->strides[ax + 1 + d];
            p.post_o[d] = out->strides[ax + ind.ndim + d];
        }
        coalesce_post(&p);
        const ks_array *ip = &ind;
        rc = block_offsets(ctx, &p, 1, &ip, &n, &a->strides[ax], &ax, mode, ind.ndim, ind.shape);
        if (!rc) other_offsets(&p, ind.ndim, ind.shape, &out->strides[ax]);
    }
    if (!rc && ks_array_size(out) > 0) gplan_run(&p, a->data, out->data, false);
    ks__free(ctx, p.off_g);
    ks_array_release(&ind);
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_put(ks_ctx *ctx, ks_array *a, const ks_array *indices, const ks_array *values,
                 int mode)
{
    if (!(a->flags & KS_ARRAY_WRITEABLE))
        return ks__fail(ctx, KS_EINVAL, "assignment destination is read-only");
    if (mode < 0 || mode > 2)
        return ks__fail(ctx, KS_EINVAL, "put: mode %d (0 raise, 1 wrap, 2 clip)", mode);
    const char kind = ks__dtypes[indices->dtype].kind;
    if (kind != 'i' && kind != 'u' && kind != 'b')
        return ks__fail(
            ctx, KS_ETYPE,
            "Cannot cast array data from dtype('%s') to dtype('int64') according to the "
            "rule 'safe'",
            ks__dtypes[indices->dtype].name);
    const ptrdiff_t ni = ks_array_size(indices), nv = ks_array_size(values),
                    size = ks_array_size(a);
    if (ni == 0 || nv == 0) return KS_OK;
    if (size == 0) return ks__fail(ctx, KS_EINVAL, "cannot replace elements of an empty array");
    /* the values raveled, in a's dtype, apart from a's memory */
    ks_array vals, iflat;
    const ptrdiff_t m1 = -1;
    int rc = ks_array_empty(ctx, a->dtype, 1, &nv, KS_ORDER_C, &vals);
    ks__array_clear(&iflat);
    if (!rc) {
        ks_array vflat;
        rc = ks_array_reshape(ctx, values, 1, &m1, KS_ORDER_C, &vflat);
        if (!rc) rc = ks__copy_into(ctx, &vals, &vflat);
        ks_array_release(&vflat);
    }
    if (!rc) rc = ks_array_reshape(ctx, indices, 1, &m1, KS_ORDER_C, &iflat);
    const size_t sz = ks__dtypes[a->dtype].size;
    const bool contig = ks_array_is_c_contiguous(a);
    for (ptrdiff_t i = 0; !rc && i < ni; i++) {
        const int64_t j = read_index(iflat.data + i * iflat.strides[0], iflat.dtype);
        const ptrdiff_t at = place(j, size, mode);
        if (at < 0) {
            rc = out_of_bounds(ctx, j, 0, size);
            break;
        }
        char *dst = contig ? a->data + (size_t)at * sz : ks__elem_ptr(a, at);
        copy_elem(dst, vals.data + (size_t)(i % nv) * sz, sz);
    }
    ks_array_release(&iflat);
    ks_array_release(&vals);
    return rc;
}

/* Whether the element at p is nonzero (NaN counts, -0.0 does not). */
static bool truth(const char *p, ks_dtype t)
{
    switch (t) {
    case KS_FLOAT32: return *(const float *)(const void *)p != 0;
    case KS_FLOAT64: return *(const double *)(const void *)p != 0;
    case KS_COMPLEX64:
        return ((const float *)(const void *)p)[0] != 0 || ((const float *)(const void *)p)[1] != 0;
    case KS_COMPLEX128:
        return ((const double *)(const void *)p)[0] != 0 ||
               ((const double *)(const void *)p)[1] != 0;
    default: {
        /* bool and integers: any set byte */
        const size_t sz = ks__dtypes[t].size;
        for (size_t i = 0; i < sz; i++)
            if (p[i]) return true;
        return false;
    }
    }
}

/* Visit a in C order: count its nonzero elements, or (outs) write their coordinates. */
static ptrdiff_t nonzero_walk(const ks_array *a, int64_t *const *outs)
{
    const int nd = a->ndim;
    for (int d = 0; d < nd; d++)
        if (a->shape[d] == 0) return 0;
    ptrdiff_t idx[MAXD] = {0}, cnt = 0;
    const char *p = a->data;
    const ptrdiff_t n = a->shape[nd - 1], s = a->strides[nd - 1];
    for (;;) {
        for (ptrdiff_t j = 0; j < n; j++) {
            if (!truth(p + j * s, a->dtype)) continue;
            if (outs) {
                for (int d = 0; d < nd - 1; d++) outs[d][cnt] = idx[d];
                outs[nd - 1][cnt] = j;
            }
            cnt++;
        }
        int d = nd - 2;
        for (; d >= 0; d--) {
            p += a->strides[d];
            if (++idx[d] < a->shape[d]) break;
            p -= a->shape[d] * a->strides[d];
            idx[d] = 0;
        }
        if (d < 0) return cnt;
    }
}

int ks_array_nonzero(ks_ctx *ctx, const ks_array *a, ks_array *outs)
{
    if (a->ndim == 0)
        return ks__fail(ctx, KS_EINVAL,
                        "Calling nonzero on 0d arrays is not allowed. Use "
                        "np.atleast_1d(scalar).nonzero() instead.");
    ks_array a1;
    ks__view(a, &a1);
    const int nd = a1.ndim;
    for (int d = 0; d < nd; d++) ks__array_clear(&outs[d]);
    const ptrdiff_t cnt = nonzero_walk(&a1, NULL);
    int64_t *cols[MAXD];
    int rc = KS_OK;
    for (int d = 0; d < nd && !rc; d++) {
        rc = ks_array_empty(ctx, KS_INT64, 1, &cnt, KS_ORDER_C, &outs[d]);
        cols[d] = rc ? NULL : (int64_t *)(void *)outs[d].data;
    }
    if (!rc) nonzero_walk(&a1, cols);
    if (rc)
        for (int d = 0; d < nd; d++) ks_array_release(&outs[d]);
    ks_array_release(&a1);
    return rc;
}
