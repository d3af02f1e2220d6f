/* join.c — arrays from several, and repeated: concatenate, stack, split, tile, repeat, roll,
 * pad. Each result is written region by region through views of it (a copy through the engine
 * for every region), with plain memcpy where every piece is contiguous. */
#include <string.h>

#include "array/shape_internal.h"

/* A view of `a` restricted to [start, start + len) along axis d. */
static void slab(const ks_array *a, int d, ptrdiff_t start, ptrdiff_t len, ks_array *v)
{
    ks__view(a, v);
    v->data += start * a->strides[d];
    v->shape[d] = len;
}

/* Copy src into the slab of dst, releasing the slab view. */
static int copy_slab(ks_ctx *ctx, const ks_array *dst, int d, ptrdiff_t start, const ks_array *src)
{
    ks_array v;
    slab(dst, d, start, src->shape[d], &v);
    const int rc = ks__copy_into(ctx, &v, src);
    ks_array_release(&v);
    return rc;
}

int ks_array_concatenate(ks_ctx *ctx, int n, const ks_array *const *arrays, int axis, ks_array *out)
{
    ks__array_clear(out);
    if (n <= 0) return ks__fail(ctx, KS_EINVAL, "need at least one array to concatenate");
    if (axis == KS_AXIS_NONE) {
        /* ravel each, then join the 1-d pieces */
        ks_array *flat = ks__malloc_array(ctx, (size_t)n, sizeof *flat);
        const ks_array **ptrs = ks__malloc_array(ctx, (size_t)n, sizeof *ptrs);
        int rc = flat && ptrs ? KS_OK : ks_errcode(ctx);
        int made = 0;
        for (; !rc && made < n; made++) {
            const ptrdiff_t m1 = -1;
            rc = ks_array_reshape(ctx, arrays[made], 1, &m1, KS_ORDER_C, &flat[made]);
            ptrs[made] = &flat[made];
            if (rc) break;
        }
        if (!rc) rc = ks_array_concatenate(ctx, n, ptrs, 0, out);
        for (int i = 0; i < made && flat; i++) ks_array_release(&flat[i]);
        ks__free(ctx, flat);
        ks__free(ctx, (void *)ptrs);
        return rc;
    }
    const ks_array *a0 = arrays[0];
    if (a0->ndim == 0)
        return ks__fail(ctx, KS_EINVAL, "zero-dimensional arrays cannot be concatenated");
    int ax;
    int rc = ks__axis(ctx, axis, a0->ndim, &ax);
    if (rc) return rc;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    memcpy(shape, a0->shape, (size_t)a0->ndim * sizeof *shape);
    bool contig = ks_array_is_c_contiguous(a0);
    for (int i = 1; i < n; i++) {
        const ks_array *b = arrays[i];
        if (b->ndim != a0->ndim)
            return ks__fail(
                ctx, KS_EINVAL,
                "all the input arrays must have same number of dimensions, but the array "
                "at index 0 has %d dimension(s) and the array at index %d has %d "
                "dimension(s)",
                a0->ndim, i, b->ndim);
        for (int d = 0; d < a0->ndim; d++)
            if (d != ax && b->shape[d] != a0->shape[d])
                return ks__fail(ctx, KS_EINVAL,
                                "all the input array dimensions except for the concatenation axis "
                                "must match exactly, but along dimension %d, the array at index 0 "
                                "has size %td and the array at index %d has size %td",
                                d, a0->shape[d], i, b->shape[d]);
        shape[ax] += b->shape[ax];
        contig = contig && ks_array_is_c_contiguous(b) && b->dtype == a0->dtype;
    }
    ks_dtype t;
    rc = ks_array_result_type(ctx, n, arrays, &t);
    if (!rc) rc = ks_array_empty(ctx, t, a0->ndim, shape, KS_ORDER_C, out);
    if (rc) return rc;
    if (contig && t == a0->dtype) {
        /* every piece C-contiguous in the result's dtype: rows of bytes */
        ptrdiff_t outer = 1;
        for (int d = 0; d < ax; d++) outer *= shape[d];
        const ptrdiff_t row =
            ks_array_size(out) / (outer ? outer : 1) / (shape[ax] ? shape[ax] : 1);
        const size_t sz = ks__dtypes[t].size;
        char *dst = out->data;
        for (ptrdiff_t o = 0; o < outer; o++)
            for (int i = 0; i < n; i++) {
                const size_t len = (size_t)(arrays[i]->shape[ax] * row) * sz;
                if (len) memcpy(dst, arrays[i]->data + (size_t)o * len, len);
                dst += len;
            }
        return KS_OK;
    }
    ptrdiff_t at = 0;
    for (int i = 0; i < n && !rc; i++) {
        rc = copy_slab(ctx, out, ax, at, arrays[i]);
        at += arrays[i]->shape[ax];
    }
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_stack(ks_ctx *ctx, int n, const ks_array *const *arrays, int axis, ks_array *out)
{
    ks__array_clear(out);
    if (n <= 0) return ks__fail(ctx, KS_EINVAL, "need at least one array to stack");
    const ks_array *a0 = arrays[0];
    for (int i = 1; i < n; i++) {
        bool same = arrays[i]->ndim == a0->ndim;
        for (int d = 0; same && d < a0->ndim; d++) same = arrays[i]->shape[d] == a0->shape[d];
        if (!same) return ks__fail(ctx, KS_EINVAL, "all input arrays must have the same shape");
    }
    int ax;
    int rc = ks__axis(ctx, axis, a0->ndim + 1, &ax);
    if (rc) return rc;
    /* NumPy: expand_dims(a, axis) of each, concatenated along axis */
    ks_array *ex = ks__malloc_array(ctx, (size_t)n, sizeof *ex);
    const ks_array **ptrs = ks__malloc_array(ctx, (size_t)n, sizeof *ptrs);
    rc = ex && ptrs ? KS_OK : ks_errcode(ctx);
    int made = 0;
    for (; !rc && made < n; made++) {
        rc = ks_array_expand_dims(ctx, arrays[made], 1, &ax, &ex[made]);
        ptrs[made] = &ex[made];
        if (rc) break;
    }
    if (!rc) rc = ks_array_concatenate(ctx, n, ptrs, ax, out);
    for (int i = 0; i < made && ex; i++) ks_array_release(&ex[i]);
    ks__free(ctx, ex);
    ks__free(ctx, (void *)ptrs);
    return rc;
}

/* Python's rules for a slice bound: negative counts from the end, then clipped to [0, n]. */
static ptrdiff_t clip_bound(ptrdiff_t i, ptrdiff_t n)
{
    if (i < 0) i += n;
    return i < 0 ? 0 : i > n ? n : i;
}

int ks_array_split(ks_ctx *ctx, const ks_array *a, int nidx, const ptrdiff_t *indices, int axis,
                   ks_array *outs)
{
    for (int i = 0; i <= nidx && nidx >= 0; i++) ks__array_clear(&outs[i]);
    if (nidx < 0) return ks__fail(ctx, KS_EINVAL, "split: %d indices", nidx);
    int ax;
    const int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc) return rc;
    const ptrdiff_t n = a->shape[ax];
    for (int i = 0; i <= nidx; i++) {
        const ptrdiff_t st = i == 0 ? 0 : clip_bound(indices[i - 1], n);
        const ptrdiff_t end = i == nidx ? n : clip_bound(indices[i], n);
        /* an empty piece points at the axis' start, as NumPy's empty slice */
        slab(a, ax, end > st ? st : 0, end > st ? end - st : 0, &outs[i]);
    }
    return KS_OK;
}

int ks_array_tile(ks_ctx *ctx, const ks_array *a, int nreps, const ptrdiff_t *reps, ks_array *out)
{
    ks__array_clear(out);
    const int nd = nreps > a->ndim ? nreps : a->ndim;
    if (nreps < 0 || nd > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "tile: %d repetitions for %d dimensions", nreps, a->ndim);
    /* both padded on the left with 1s to the longer */
    ptrdiff_t in[KS_ARRAY_MAXDIMS], r[KS_ARRAY_MAXDIMS], shape[KS_ARRAY_MAXDIMS];
    ptrdiff_t ist[KS_ARRAY_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        const int da = d - (nd - a->ndim), dr = d - (nd - nreps);
        in[d] = da >= 0 ? a->shape[da] : 1;
        ist[d] = da >= 0 ? a->strides[da] : 0;
        r[d] = dr >= 0 ? reps[dr] : 1;
        if (r[d] < 0) return ks__fail(ctx, KS_EINVAL, "negative dimensions are not allowed");
        size_t p;
        if (!ks__size_mul((size_t)in[d], (size_t)r[d], &p) || p > (size_t)PTRDIFF_MAX)
            return ks__fail(ctx, KS_EOVERFLOW, "tile: the result is too large");
        shape[d] = (ptrdiff_t)p;
    }
    int rc = ks_array_empty(ctx, a->dtype, nd, shape, KS_ORDER_C, out);
    if (rc || ks_array_size(out) == 0) return rc;
    /* the input into the first tile, then each axis (last to first) filled by copies of the
     * block already written */
    ks_array first, src;
    ks__view(a, &src);
    src.ndim = nd;
    memcpy(src.shape, in, (size_t)nd * sizeof *in);
    memcpy(src.strides, ist, (size_t)nd * sizeof *ist);
    ks__view(out, &first);
    memcpy(first.shape, in, (size_t)nd * sizeof *in);
    rc = ks__copy_into(ctx, &first, &src);
    ks_array_release(&src);
    ks_array_release(&first);
    for (int d = nd - 1; d >= 0 && !rc; d--) {
        if (r[d] == 1) continue;
        ks_array block;
        ks__view(out, &block);
        for (int e = 0; e < d; e++) block.shape[e] = in[e];
        block.shape[d] = in[d];
        for (ptrdiff_t k = 1; k < r[d] && !rc; k++) {
            ks_array dst;
            ks__view(&block, &dst);
            dst.data += k * in[d] * out->strides[d];
            rc = ks__copy_into(ctx, &dst, &block);
            ks_array_release(&dst);
        }
        ks_array_release(&block);
    }
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_repeat(ks_ctx *ctx, const ks_array *a, const ks_array *repeats, int axis,
                    ks_array *out)
{
    ks__array_clear(out);
    if (axis == KS_AXIS_NONE) {
        ks_array flat;
        const ptrdiff_t m1 = -1;
        int rc = ks_array_reshape(ctx, a, 1, &m1, KS_ORDER_C, &flat);
        if (rc) return rc;
        rc = ks_array_repeat(ctx, &flat, repeats, 0, out);
        ks_array_release(&flat);
        return rc;
    }
    int ax;
    int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc) return rc;
    const ptrdiff_t n = a->shape[ax];
    const char kind = ks__dtypes[repeats->dtype].kind;
    if (kind != 'i' && kind != 'u' && kind != 'b')
        return ks__fail(
            ctx, KS_ETYPE,
            "Cannot cast array data from dtype('%s') to dtype('int64') according to the "
            "rule 'safe'",
            ks__dtypes[repeats->dtype].name);
    const ptrdiff_t nr = ks_array_size(repeats);
    if (repeats->ndim > 1 || (nr != 1 && nr != n)) {
        char s1[200];
        return ks__fail(ctx, KS_EINVAL,
                        "operands could not be broadcast together with shape (%td,) %s", n,
                        ks__shape_str(repeats->ndim, repeats->shape, s1, sizeof s1));
    }
    /* the counts as int64 */
    int64_t *cnt = ks__malloc_array(ctx, (size_t)(nr ? nr : 1), sizeof *cnt);
    if (!cnt) return ks_errcode(ctx);
    char *args[2] = {repeats->data, (char *)cnt};
    const ptrdiff_t steps[2] = {repeats->ndim ? repeats->strides[0] : 0, sizeof *cnt};
    ks__cast_loop(repeats->dtype, KS_INT64)(args, steps, nr, NULL);
    ptrdiff_t total = 0;
    for (ptrdiff_t i = 0; !rc && i < n; i++) {
        const int64_t c = cnt[nr == 1 ? 0 : i];
        if (c < 0 && repeats->ndim == 0)
            rc = ks__fail(ctx, KS_EINVAL, "negative dimensions are not allowed");
        else if (c < 0)
            rc = ks__fail(ctx, KS_EINVAL, "repeats may not contain negative values.");
        else if (c > PTRDIFF_MAX - total)
            rc = ks__fail(ctx, KS_EOVERFLOW, "repeat: the result is too large");
        else
            total += (ptrdiff_t)c;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    memcpy(shape, a->shape, (size_t)a->ndim * sizeof *shape);
    shape[ax] = total;
    ks_array src;
    ks__array_clear(&src);
    if (!rc) rc = ks_array_empty(ctx, a->dtype, a->ndim, shape, KS_ORDER_C, out);
    if (!rc && ks_array_size(out) > 0) {
        /* C-contiguous input: each slice along the axis is a run of bytes */
        if (ks_array_is_c_contiguous(a))
            ks__view(a, &src);
        else
            rc = ks_array_copy(ctx, a, KS_ORDER_C, &src);
    }
    if (!rc && src.base) {
        ptrdiff_t outer = 1;
        for (int d = 0; d < ax; d++) outer *= a->shape[d];
        const size_t chunk =
            (size_t)(ks_array_size(out) / outer / (total ? total : 1)) * ks__dtypes[a->dtype].size;
        char *dst = out->data;
        const char *s = src.data;
        for (ptrdiff_t o = 0; o < outer; o++)
            for (ptrdiff_t i = 0; i < n; i++, s += chunk)
                for (int64_t c = cnt[nr == 1 ? 0 : i]; c > 0; c--, dst += chunk)
                    memcpy(dst, s, chunk);
    }
    ks_array_release(&src);
    ks__free(ctx, cnt);
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_roll(ks_ctx *ctx, const ks_array *a, int naxes, const ptrdiff_t *shifts,
                  const int *axes, ks_array *out)
{
    ks__array_clear(out);
    if (naxes == 0) {
        /* the raveled array rolled, then given back its shape */
        ks_array flat, r;
        const ptrdiff_t m1 = -1;
        const int zero = 0;
        int rc = ks_array_reshape(ctx, a, 1, &m1, KS_ORDER_C, &flat);
        if (rc) return rc;
        rc = ks_array_roll(ctx, &flat, 1, shifts, &zero, &r);
        ks_array_release(&flat);
        if (rc) return rc;
        rc = ks_array_reshape(ctx, &r, a->ndim, a->shape, KS_ORDER_C, out);
        ks_array_release(&r);
        return rc;
    }
    if (naxes < 0) return ks__fail(ctx, KS_EINVAL, "roll: %d axes", naxes);
    /* shifts on one axis add up (NumPy), taken modulo its length */
    ptrdiff_t sh[KS_ARRAY_MAXDIMS] = {0};
    for (int k = 0; k < naxes; k++) {
        int d;
        const int rc = ks__axis(ctx, axes[k], a->ndim, &d);
        if (rc) return rc;
        if (a->shape[d] == 0) continue;
        sh[d] = ((sh[d] + shifts[k] % a->shape[d]) % a->shape[d] + a->shape[d]) % a->shape[d];
    }
    int rc = ks_array_empty(ctx, a->dtype, a->ndim, a->shape, KS_ORDER_C, out);
    if (rc) return rc;
    int rolled[KS_ARRAY_MAXDIMS], nrolled = 0;
    for (int d = 0; d < a->ndim; d++)
        if (sh[d]) rolled[nrolled++] = d;
    /* each combination of (head, tail) pieces of the rolled axes is one block copy; their
     * number is at most the array's size (every rolled axis has length 2 or more) */
    for (uint64_t combo = 0; combo >> nrolled == 0 && !rc; combo++) {
        ks_array src, dst;
        ks__view(a, &src);
        ks__view(out, &dst);
        for (int k = 0; k < nrolled; k++) {
            const int d = rolled[k];
            const ptrdiff_t n = a->shape[d], s = sh[d];
            /* tail: a[n - s:] -> out[:s]; head: a[:n - s] -> out[s:] */
            const bool tail = combo >> k & 1;
            src.data += (tail ? n - s : 0) * a->strides[d];
            src.shape[d] = tail ? s : n - s;
            dst.data += (tail ? 0 : s) * out->strides[d];
            dst.shape[d] = src.shape[d];
        }
        rc = ks__copy_into(ctx, &dst, &src);
        ks_array_release(&src);
        ks_array_release(&dst);
    }
    if (rc) ks_array_release(out);
    return rc;
}

static const ks__enum_entry pad_modes[] = {{"constant", KS_PAD_CONSTANT}, {"edge", KS_PAD_EDGE}};
KS__ENUM_FUNCS(ks_pad_mode, ks_pad_mode, "pad mode", pad_modes)

int ks_array_pad(ks_ctx *ctx, const ks_array *a, const ptrdiff_t *pad_width, ks_pad_mode mode,
                 const ks_array *value, ks_array *out)
{
    ks__array_clear(out);
    if (mode != KS_PAD_CONSTANT && mode != KS_PAD_EDGE)
        return ks__fail(ctx, KS_EINVAL, "pad: mode %d is not a pad mode", (int)mode);
    ptrdiff_t shape[KS_ARRAY_MAXDIMS] = {0};
    for (int d = 0; d < a->ndim; d++) {
        const ptrdiff_t lo = pad_width[2 * d], hi = pad_width[2 * d + 1];
        if (lo < 0 || hi < 0)
            return ks__fail(ctx, KS_EINVAL, "index can't contain negative values");
        if (mode == KS_PAD_EDGE && a->shape[d] == 0 && (lo || hi))
            return ks__fail(
                ctx, KS_EINVAL,
                "can't extend empty axis %d using modes other than 'constant' or 'empty'", d);
        if (lo > PTRDIFF_MAX - a->shape[d] || hi > PTRDIFF_MAX - a->shape[d] - lo)
            return ks__fail(ctx, KS_EOVERFLOW, "pad: the result is too large");
        shape[d] = a->shape[d] + lo + hi;
    }
    int rc = ks_array_empty(ctx, a->dtype, a->ndim, shape, KS_ORDER_C, out);
    if (rc) return rc;
    if (mode == KS_PAD_CONSTANT) {
        /* the constant (0 when none), cast to the array's dtype as NumPy does, everywhere */
        unsigned char e[16] = {0};
        if (value) {
            if (ks_array_size(value) != 1) {
                ks_array_release(out);
                return ks__fail(ctx, KS_EINVAL, "pad: the constant must be one value");
            }
            ks__elem_cast(value, a->dtype, e);
        }
        ks__fill_elem(out->data, ks_array_size(out), ks__dtypes[a->dtype].size, e);
    }
    /* the input into the middle */
    ks_array mid;
    ks__view(out, &mid);
    for (int d = 0; d < a->ndim; d++) {
        mid.data += pad_width[2 * d] * out->strides[d];
        mid.shape[d] = a->shape[d];
    }
    rc = ks__copy_into(ctx, &mid, a);
    /* edge: axis by axis, each side a broadcast of the edge slice of the region so far */
    for (int d = 0; mode == KS_PAD_EDGE && d < a->ndim && !rc; d++) {
        for (int side = 0; side < 2 && !rc; side++) {
            const ptrdiff_t w = pad_width[2 * d + side];
            if (!w) continue;
            ks_array edge, dst;
            ks__view(&mid, &edge);
            ks__view(&mid, &dst);
            if (side == 1) edge.data += (a->shape[d] - 1) * out->strides[d];
            edge.shape[d] = w;
            edge.strides[d] = 0;
            dst.data += (side == 0 ? -w : a->shape[d]) * out->strides[d];
            dst.shape[d] = w;
            rc = ks__copy_into(ctx, &dst, &edge);
            ks_array_release(&edge);
            ks_array_release(&dst);
        }
        /* the next axes see this axis at its full padded length */
        mid.data -= pad_width[2 * d] * out->strides[d];
        mid.shape[d] = shape[d];
    }
    ks_array_release(&mid);
    if (rc) ks_array_release(out);
    return rc;
}
