/* array.c — the array struct's life: buffers (with a cache of large freed ones), empty, wrap,
 * references, copies and casts, scalars, and the small helpers every array file uses.
 *
 * The cache is why a chain of temporaries is cheap: a freed block of 64 KiB or more is kept
 * (up to 256 MiB in all) and handed to the next request of about its size, so its pages are
 * already faulted in. NumPy pays that fault on fresh temporaries (sigmoid at 1M: 5.6 ms with
 * fresh temporaries, 1.7 ms with reused ones, on this project's machine). Only blocks of the
 * system allocator are cached: a user's allocator always gets its memory back. */
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include "array/array_internal.h"

#define ALIGN 64
#define CACHE_MIN ((size_t)64 << 10)
#define CACHE_BYTES ((size_t)256 << 20)
#define CACHE_SLOTS 32

static struct {
    atomic_flag lock;
    ks_array_buffer *slot[CACHE_SLOTS];
    size_t bytes;
} cache = {ATOMIC_FLAG_INIT, {0}, 0};

static void cache_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&cache.lock, memory_order_acquire)) {
    }
}
static void cache_unlock(void) { atomic_flag_clear_explicit(&cache.lock, memory_order_release); }

/* A cached block with room for nbytes and not much more (best fit, at most 1.25x). */
static ks_array_buffer *cache_take(size_t nbytes)
{
    ks_array_buffer *best = NULL;
    int bi = -1;
    cache_lock();
    for (int i = 0; i < CACHE_SLOTS; i++) {
        ks_array_buffer *b = cache.slot[i];
        if (b && b->cap >= nbytes && b->cap - nbytes <= nbytes / 4 + 4096 &&
            (!best || b->cap < best->cap))
            best = b, bi = i;
    }
    if (best) {
        cache.slot[bi] = NULL;
        cache.bytes -= best->cap;
    }
    cache_unlock();
    return best;
}

/* Keep b for reuse; false when the cache is full (the caller frees it). The oldest block is
 * not evicted: a steady chain reuses what it frees, and a burst of odd sizes should not flush it.
 */
static bool cache_put(ks_array_buffer *b)
{
    bool kept = false;
    cache_lock();
    if (cache.bytes + b->cap <= CACHE_BYTES) {
        for (int i = 0; i < CACHE_SLOTS; i++)
            if (!cache.slot[i]) {
                cache.slot[i] = b;
                cache.bytes += b->cap;
                kept = true;
                break;
            }
    }
    cache_unlock();
    return kept;
}

ks_array_buffer *ks__buffer_new(ks_ctx *ctx, size_t nbytes, bool zero)
{
    const bool cacheable = nbytes >= CACHE_MIN && ks__alloc_is_system(&ctx->alloc);
    ks_array_buffer *b = cacheable ? cache_take(nbytes) : NULL;
    if (!b) {
        size_t total;
        if (!ks__size_add(nbytes, sizeof *b + ALIGN, &total)) {
            ks__fail(ctx, KS_EOVERFLOW, "array is too big (%zu bytes)", nbytes);
            return NULL;
        }
        char *raw = ks__malloc(ctx, total);
        if (!raw) return NULL;
        b = (ks_array_buffer *)raw;
        const uintptr_t d = ((uintptr_t)(raw + sizeof *b) + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1);
        b->data = (char *)d;
        b->cap = total - (size_t)(b->data - raw);
        b->alloc = ctx->alloc;
        b->release = NULL;
        b->release_arg = NULL;
        b->owned = true;
        if (nbytes >= ((size_t)4 << 20)) ks__huge_pages(b->data, b->cap);
    }
    atomic_init(&b->refs, 1);
    b->nbytes = nbytes;
    if (zero) memset(b->data, 0, nbytes);
    return b;
}

void ks__buffer_decref(ks_array_buffer *b)
{
    if (!b || atomic_fetch_sub_explicit(&b->refs, 1, memory_order_acq_rel) != 1) return;
    if (!b->owned) {
        if (b->release) b->release(b->release_arg);
    } else if (b->cap >= CACHE_MIN && ks__alloc_is_system(&b->alloc) && cache_put(b)) {
        return;
    }
    const ks_allocator a = b->alloc;
    ks__release(&a, b);
}

void *ks__scratch(ks_ctx *ctx, size_t n, size_t size)
{
    void *p = ks__malloc_array(ctx, n, size);
    if (p && n * size >= ((size_t)4 << 20)) ks__huge_pages(p, n * size);
    return p;
}

/* ---- making and dropping arrays ---- */

static int check_shape(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape,
                       size_t *nbytes)
{
    if ((unsigned)dtype >= KS_NDTYPES)
        return ks__fail(ctx, KS_EINVAL, "dtype %d is not a dtype", (int)dtype);
    if (ndim < 0 || ndim > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL,
                        "maximum supported dimension for an ndarray is %d, found %d",
                        KS_ARRAY_MAXDIMS, ndim);
    size_t n = ks__dtypes[dtype].size;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) return ks__fail(ctx, KS_EINVAL, "negative dimensions are not allowed");
        if (!ks__size_mul(n, (size_t)shape[d], &n) || n > (size_t)PTRDIFF_MAX)
            return ks__fail(ctx, KS_EOVERFLOW,
                            "array is too big; `arr.size * arr.dtype.itemsize` is larger than the "
                            "maximum possible size");
    }
    *nbytes = n;
    return KS_OK;
}

void ks__contiguous_strides(size_t itemsize, int ndim, const ptrdiff_t *shape, ks_order order,
                            ptrdiff_t *strides)
{
    ptrdiff_t s = (ptrdiff_t)itemsize;
    for (int k = 0; k < ndim; k++) {
        const int d = order == KS_ORDER_F ? k : ndim - 1 - k;
        strides[d] = s;
        if (shape[d]) s *= shape[d];
    }
}

static int make(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                bool zero, ks_array *out)
{
    ks__array_clear(out);
    size_t nbytes;
    int rc = check_shape(ctx, dtype, ndim, shape, &nbytes);
    if (rc) return rc;
    ks_array_buffer *b = ks__buffer_new(ctx, nbytes, zero);
    if (!b) return ks_errcode(ctx);
    out->base = b;
    out->data = b->data;
    out->dtype = dtype;
    out->ndim = ndim;
    out->flags = KS_ARRAY_WRITEABLE;
    if (ndim) memcpy(out->shape, shape, (size_t)ndim * sizeof *shape);
    ks__contiguous_strides(ks__dtypes[dtype].size, ndim, shape, order, out->strides);
    return KS_OK;
}

int ks_array_empty(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                   ks_array *out)
{
    return make(ctx, dtype, ndim, shape, order, false, out);
}

int ks__array_zeroed(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                     ks_array *out)
{
    return make(ctx, dtype, ndim, shape, order, true, out);
}

int ks_array_wrap(ks_ctx *ctx, void *data, ks_dtype dtype, int ndim, const ptrdiff_t *shape,
                  const ptrdiff_t *strides, bool writeable, void (*release)(void *),
                  void *release_arg, ks_array *out)
{
    ks__array_clear(out);
    size_t nbytes;
    int rc = check_shape(ctx, dtype, ndim, shape, &nbytes);
    if (rc) return rc;
    ks_array_buffer *b = ks__malloc(ctx, sizeof *b);
    if (!b) return KS_ENOMEM;
    atomic_init(&b->refs, 1);
    b->data = data;
    b->nbytes = nbytes;
    b->cap = 0;
    b->alloc = ctx->alloc;
    b->release = release;
    b->release_arg = release_arg;
    b->owned = false;
    out->base = b;
    out->data = data;
    out->dtype = dtype;
    out->ndim = ndim;
    out->flags = writeable ? KS_ARRAY_WRITEABLE : 0;
    if (ndim) memcpy(out->shape, shape, (size_t)ndim * sizeof *shape);
    if (strides)
        memcpy(out->strides, strides, (size_t)ndim * sizeof *strides);
    else
        ks__contiguous_strides(ks__dtypes[dtype].size, ndim, shape, KS_ORDER_C, out->strides);
    return KS_OK;
}

void ks_array_ref(const ks_array *a, ks_array *out)
{
    if (out != a) *out = *a;
    ks__buffer_incref(out->base);
}

void ks_array_release(ks_array *a)
{
    if (!a) return;
    ks__buffer_decref(a->base);
    ks__array_clear(a);
}

ptrdiff_t ks_array_size(const ks_array *a)
{
    ptrdiff_t n = 1;
    for (int d = 0; d < a->ndim; d++) n *= a->shape[d];
    return n;
}

static bool contiguous(const ks_array *a, bool f)
{
    if (ks_array_size(a) == 0) return true; /* no element: both orders, as NumPy */
    ptrdiff_t s = (ptrdiff_t)ks__dtypes[a->dtype].size;
    for (int k = 0; k < a->ndim; k++) {
        const int d = f ? k : a->ndim - 1 - k;
        if (a->shape[d] != 1 && a->strides[d] != s) return false;
        s *= a->shape[d];
    }
    return true;
}

bool ks_array_is_c_contiguous(const ks_array *a) { return contiguous(a, false); }
bool ks_array_is_f_contiguous(const ks_array *a) { return contiguous(a, true); }

/* The byte range [lo, hi) an array's elements touch. */
static void extent(const ks_array *a, const char **lo, const char **hi)
{
    const char *l = a->data, *h = a->data + ks__dtypes[a->dtype].size;
    for (int d = 0; d < a->ndim; d++) {
        if (a->shape[d] == 0) {
            *lo = *hi = a->data;
            return;
        }
        const ptrdiff_t span = (a->shape[d] - 1) * a->strides[d];
        if (span < 0)
            l += span;
        else
            h += span;
    }
    *lo = l, *hi = h;
}

bool ks_array_may_share_memory(const ks_array *a, const ks_array *b)
{
    const char *al, *ah, *bl, *bh;
    extent(a, &al, &ah);
    extent(b, &bl, &bh);
    return al < bh && bl < ah;
}

/* ---- copies ---- */

int ks_array_assign(ks_ctx *ctx, ks_array *dst, const ks_array *src, ks_casting casting)
{
    if (!(dst->flags & KS_ARRAY_WRITEABLE))
        return ks__fail(ctx, KS_EINVAL, "assignment destination is read-only");
    if (!ks_dtype_can_cast(src->dtype, dst->dtype, casting) && !(src->flags & KS_ARRAY_WEAK))
        return ks__fail(ctx, KS_ETYPE,
                        "Cannot cast array data from dtype('%s') to dtype('%s') "
                        "according to the rule '%s'",
                        ks__dtypes[src->dtype].name, ks__dtypes[dst->dtype].name,
                        ks_casting_name(casting));
    int above, rc = ks__weak_int_fits(ctx, src, dst->dtype, &above); /* a[0] = 300 for int8 */
    if (rc) return rc;
    ptrdiff_t st[KS_ARRAY_MAXDIMS];
    if (!ks__broadcast_strides(src, dst->ndim, dst->shape, st)) {
        char s1[256], s2[256];
        return ks__fail(ctx, KS_EINVAL,
                        "could not broadcast input array from shape %s into shape %s",
                        ks__shape_str(src->ndim, src->shape, s1, sizeof s1),
                        ks__shape_str(dst->ndim, dst->shape, s2, sizeof s2));
    }
    ks_array tmp;
    ks__array_clear(&tmp);
    const ks_array *from = src;
    if (src->data != dst->data && ks_array_may_share_memory(src, dst)) {
        rc = ks_array_copy(ctx, src, KS_ORDER_C, &tmp);
        if (rc) return rc;
        from = &tmp;
    }
    ks__iter_spec spec = {.nin = 1,
                          .nout = 1,
                          .op = {from, dst},
                          .dtypes = {from->dtype, dst->dtype},
                          .fn = ks__cast_loop(from->dtype, dst->dtype),
                          .ns_per_elem = 0.3};
    rc = ks__iter_run(ctx, &spec, dst->ndim, dst->shape);
    ks_array_release(&tmp);
    return rc;
}

int ks_array_copy(ks_ctx *ctx, const ks_array *a, ks_order order, ks_array *out)
{
    return ks__array_copy_order(ctx, a, a->dtype, order, out);
}

int ks__array_copy_order(ks_ctx *ctx, const ks_array *a, ks_dtype dtype, ks_order order,
                         ks_array *out)
{
    int rc = ks_array_empty(ctx, dtype, a->ndim, a->shape, order, out);
    if (rc) return rc;
    rc = ks_array_assign(ctx, out, a, KS_CASTING_UNSAFE);
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_astype(ks_ctx *ctx, const ks_array *a, ks_dtype dtype, ks_casting casting,
                    ks_array *out)
{
    ks__array_clear(out);
    if ((unsigned)dtype >= KS_NDTYPES)
        return ks__fail(ctx, KS_EINVAL, "dtype %d is not a dtype", (int)dtype);
    if (!ks_dtype_can_cast(a->dtype, dtype, casting))
        return ks__fail(ctx, KS_ETYPE,
                        "Cannot cast array data from dtype('%s') to dtype('%s') "
                        "according to the rule '%s'",
                        ks__dtypes[a->dtype].name, ks__dtypes[dtype].name,
                        ks_casting_name(casting));
    /* NumPy's astype keeps a Fortran-ordered array Fortran-ordered (order='K') */
    const ks_order order =
        a->ndim > 1 && ks_array_is_f_contiguous(a) && !ks_array_is_c_contiguous(a) ? KS_ORDER_F
                                                                                   : KS_ORDER_C;
    return ks__array_copy_order(ctx, a, dtype, order, out);
}

/* ---- scalars ---- */

static int scalar_from(ks_ctx *ctx, ks_dtype dtype, ks_dtype from, const void *value, ks_array *out)
{
    int rc = ks_array_empty(ctx, dtype, 0, NULL, KS_ORDER_C, out);
    if (rc) return rc;
    char *args[2] = {(char *)value, out->data};
    const ptrdiff_t steps[2] = {0, 0};
    ks__cast_loop(from, dtype)(args, steps, 1, NULL);
    return KS_OK;
}

int ks_array_scalar(ks_ctx *ctx, ks_dtype dtype, double re, double im, ks_array *out)
{
    const double v[2] = {re, im};
    return scalar_from(ctx, dtype, KS_COMPLEX128, v, out);
}

int ks_array_scalar_i64(ks_ctx *ctx, ks_dtype dtype, int64_t v, ks_array *out)
{
    return scalar_from(ctx, dtype, KS_INT64, &v, out);
}

int ks_array_scalar_u64(ks_ctx *ctx, ks_dtype dtype, uint64_t v, ks_array *out)
{
    return scalar_from(ctx, dtype, KS_UINT64, &v, out);
}

/* ---- helpers ---- */

int ks__axis(ks_ctx *ctx, int axis, int ndim, int *out)
{
    if (axis < -ndim || axis >= ndim)
        return ks__fail(ctx, KS_EINVAL, "axis %d is out of bounds for array of dimension %d", axis,
                        ndim);
    *out = axis < 0 ? axis + ndim : axis;
    return KS_OK;
}

int ks__axes_mask(ks_ctx *ctx, uint64_t axes, int ndim, uint64_t *out)
{
    *out = 0;
    if (axes == KS_AXES_EMPTY) return KS_OK;
    if (axes == 0) {
        *out = ndim >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << ndim) - 1);
        return KS_OK;
    }
    for (int k = ndim; k < 64; k++)
        if ((axes >> k) & 1)
            return ks__fail(ctx, KS_EINVAL, "axis %d is out of bounds for array of dimension %d", k,
                            ndim);
    *out = axes;
    return KS_OK;
}

bool ks__broadcast_strides(const ks_array *a, int ndim, const ptrdiff_t *shape, ptrdiff_t *strides)
{
    if (a->ndim > ndim) return false;
    const int off = ndim - a->ndim;
    for (int d = 0; d < ndim; d++) {
        if (d < off) {
            strides[d] = 0;
            continue;
        }
        const ptrdiff_t n = a->shape[d - off];
        if (n == shape[d])
            strides[d] = n == 1 ? 0 : a->strides[d - off];
        else if (n == 1)
            strides[d] = 0;
        else
            return false;
    }
    return true;
}

const char *ks__shape_str(int ndim, const ptrdiff_t *shape, char *buf, size_t len)
{
    size_t k = 0;
    k += (size_t)snprintf(buf, len, "(");
    for (int d = 0; d < ndim && k < len; d++)
        k += (size_t)snprintf(buf + k, len - k, d ? ",%td" : "%td", shape[d]);
    if (k < len) snprintf(buf + k, len - k, ndim == 1 ? ",)" : ")");
    return buf;
}

int ks_array_broadcast_shape(ks_ctx *ctx, int n, const ks_array *const *arrays, int *ndim,
                             ptrdiff_t *shape)
{
    int nd = 0;
    for (int k = 0; k < n; k++)
        if (arrays[k]->ndim > nd) nd = arrays[k]->ndim;
    for (int d = 0; d < nd; d++) shape[d] = 1;
    for (int k = 0; k < n; k++) {
        const ks_array *a = arrays[k];
        const int off = nd - a->ndim;
        for (int d = 0; d < a->ndim; d++) {
            const ptrdiff_t m = a->shape[d];
            ptrdiff_t *s = &shape[d + off];
            if (m == *s || m == 1) continue;
            if (*s == 1) {
                *s = m;
                continue;
            }
            char msg[KS_ERRMSG_MAX - 64];
            size_t used = 0;
            for (int j = 0; j < n && used < sizeof msg; j++) {
                char one[256];
                used += (size_t)snprintf(
                    msg + used, sizeof msg - used, "%s ",
                    ks__shape_str(arrays[j]->ndim, arrays[j]->shape, one, sizeof one));
            }
            return ks__fail(ctx, KS_EINVAL,
                            "operands could not be broadcast together with shapes %s", msg);
        }
    }
    *ndim = nd;
    return KS_OK;
}

char *ks__elem_ptr(const ks_array *a, ptrdiff_t flat)
{
    char *p = a->data;
    for (int d = a->ndim - 1; d >= 0; d--) {
        const ptrdiff_t n = a->shape[d];
        p += (flat % n) * a->strides[d];
        flat /= n;
    }
    return p;
}
