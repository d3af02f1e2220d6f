/* along.c — np.take_along_axis and np.put_along_axis: one index per position of the other axes.
 *
 * Both walk the broadcast shape of arr (its `axis` taken as the indices' length) and the indices
 * in C order with one counter; an element's place in arr is the sum of its other coordinates'
 * strides plus the index read at that position times the axis' stride, as NumPy's fancy index
 * of aranges and indices would gather it, without building that index. */
#include <string.h>

#include "array/array_internal.h"

/* The walk both functions share: the broadcast shape, the strides of arr (0 on its axis) and of
 * the indices on it, the indices as int64, and arr's length and stride on the axis. */
typedef struct {
    int nd, axis;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], as[KS_ARRAY_MAXDIMS], is[KS_ARRAY_MAXDIMS];
    ks_array idx; /* int64 */
    ptrdiff_t n, stride;
} along;

static int along_plan(ks_ctx *ctx, const ks_array *arr, const ks_array *indices, int axis, along *p)
{
    p->idx.data = NULL;
    p->idx.base = NULL;
    if (ks__dtypes[indices->dtype].kind != 'i' && ks__dtypes[indices->dtype].kind != 'u')
        return ks__fail(ctx, KS_ETYPE, "`indices` must be an integer array");
    if (arr->ndim != indices->ndim)
        return ks__fail(ctx, KS_EINVAL,
                        "`indices` and `arr` must have the same number of dimensions");
    int rc = ks__axis(ctx, axis, arr->ndim, &p->axis);
    if (rc != KS_OK) return rc;
    p->nd = arr->ndim;
    for (int d = 0; d < p->nd; d++) {
        const ptrdiff_t a = d == p->axis ? 1 : arr->shape[d], b = indices->shape[d];
        if (a != b && a != 1 && b != 1) {
            char sa[96], sb[96];
            return ks__fail(ctx, KS_EINVAL,
                            "shape mismatch: indexing arrays could not be broadcast together "
                            "with shapes %s %s",
                            ks__shape_str(arr->ndim, arr->shape, sa, sizeof sa),
                            ks__shape_str(indices->ndim, indices->shape, sb, sizeof sb));
        }
        p->shape[d] = d == p->axis ? b : a == 1 ? b : a;
        p->as[d] = d == p->axis || a == 1 ? 0 : arr->strides[d];
    }
    p->n = arr->shape[p->axis];
    p->stride = arr->strides[p->axis];
    rc = ks_array_astype(ctx, indices, KS_INT64, KS_CASTING_UNSAFE, &p->idx);
    if (rc != KS_OK) return rc;
    for (int d = 0; d < p->nd; d++) p->is[d] = p->idx.shape[d] == 1 ? 0 : p->idx.strides[d];
    return KS_OK;
}

/* Every position of the broadcast shape: arr's element (checked index) and the position's C-order
 * number, handed to `visit`. */
static int along_walk(ks_ctx *ctx, const along *p, char *base,
                      void (*visit)(char *elem, ptrdiff_t k, void *arg), void *arg)
{
    ptrdiff_t total = 1, at[KS_ARRAY_MAXDIMS] = {0};
    for (int d = 0; d < p->nd; d++) total *= p->shape[d];
    ptrdiff_t aoff = 0, ioff = 0;
    for (ptrdiff_t k = 0; k < total; k++) {
        int64_t i = *(const int64_t *)(const void *)(p->idx.data + ioff);
        if (i < -p->n || i >= p->n)
            return ks__fail(ctx, KS_EINVAL, "index %lld is out of bounds for axis %d with size %td",
                            (long long)i, p->axis, p->n);
        if (i < 0) i += p->n;
        visit(base + aoff + (ptrdiff_t)i * p->stride, k, arg);
        for (int d = p->nd - 1; d >= 0; d--) {
            aoff += p->as[d];
            ioff += p->is[d];
            if (++at[d] < p->shape[d]) break;
            aoff -= p->as[d] * at[d];
            ioff -= p->is[d] * at[d];
            at[d] = 0;
        }
    }
    return KS_OK;
}

typedef struct {
    char *dst;
    size_t es;
} copy_arg;

static void take_one(char *elem, ptrdiff_t k, void *arg)
{
    const copy_arg *c = arg;
    memcpy(c->dst + (size_t)k * c->es, elem, c->es);
}

static void skip_one(char *elem, ptrdiff_t k, void *arg)
{
    (void)elem;
    (void)k;
    (void)arg;
}

static void put_one(char *elem, ptrdiff_t k, void *arg)
{
    const copy_arg *c = arg;
    memcpy(elem, c->dst + (size_t)k * c->es, c->es);
}

/* axis KS_AXIS_NONE: the raveled array with 1-d indices, as NumPy. */
static int flat_pair(ks_ctx *ctx, const ks_array *arr, const ks_array *indices, ks_array *flat)
{
    if (indices->ndim != 1)
        return ks__fail(ctx, KS_EINVAL, "when axis=None, `indices` must have a single dimension.");
    return ks_array_ravel(ctx, arr, KS_ORDER_C, flat);
}

int ks_array_take_along_axis(ks_ctx *ctx, const ks_array *arr, const ks_array *indices, int axis,
                             ks_array *out)
{
    ks__array_clear(out);
    if (axis == KS_AXIS_NONE) {
        ks_array flat;
        int rc = flat_pair(ctx, arr, indices, &flat);
        if (rc != KS_OK) return rc;
        rc = ks_array_take_along_axis(ctx, &flat, indices, 0, out);
        ks_array_release(&flat);
        return rc;
    }
    along p;
    int rc = along_plan(ctx, arr, indices, axis, &p);
    if (rc == KS_OK) rc = ks__array_new(ctx, arr->dtype, p.nd, p.shape, out);
    if (rc == KS_OK) {
        copy_arg c = {out->data, ks__dtypes[arr->dtype].size};
        rc = along_walk(ctx, &p, arr->data, take_one, &c);
    }
    ks_array_release(&p.idx);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}

int ks_array_put_along_axis(ks_ctx *ctx, ks_array *arr, const ks_array *indices,
                            const ks_array *values, int axis)
{
    if (!(arr->flags & KS_ARRAY_WRITEABLE))
        return ks__fail(ctx, KS_EINVAL, "assignment destination is read-only");
    if (axis == KS_AXIS_NONE) {
        ks_array flat;
        int rc = flat_pair(ctx, arr, indices, &flat);
        if (rc != KS_OK) return rc;
        rc = ks_array_put_along_axis(ctx, &flat, indices, values, 0);
        if (rc == KS_OK && !ks_array_may_share_memory(&flat, arr)) { /* a copy: write it back */
            ks_array back;
            rc = ks_array_reshape(ctx, &flat, arr->ndim, arr->shape, KS_ORDER_C, &back);
            if (rc == KS_OK) rc = ks_array_assign(ctx, arr, &back, KS_CASTING_NO);
            ks_array_release(&back);
        }
        ks_array_release(&flat);
        return rc;
    }
    along p;
    ks_array v = {0};
    int rc = along_plan(ctx, arr, indices, axis, &p);
    /* values broadcast to the walked shape and cast as NumPy's setitem casts (unsafe) */
    if (rc == KS_OK) rc = ks__array_new(ctx, arr->dtype, p.nd, p.shape, &v);
    if (rc == KS_OK) rc = ks_array_assign(ctx, &v, values, KS_CASTING_UNSAFE);
    copy_arg c = {v.data, ks__dtypes[arr->dtype].size};
    /* every index checked before the first write, so a bad one leaves arr as it was */
    if (rc == KS_OK) rc = along_walk(ctx, &p, arr->data, skip_one, &c);
    if (rc == KS_OK) {
        rc = along_walk(ctx, &p, arr->data, put_one, &c);
    }
    ks_array_release(&v);
    ks_array_release(&p.idx);
    return rc;
}
