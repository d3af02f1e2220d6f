/* create.c — arrays made from nothing: zeros, full, arange, linspace / logspace / geomspace,
 * eye, tri, tril / triu, diag, meshgrid; and the allocation and element helpers the shape files
 * share (shape_internal.h). Values follow NumPy's formulas operation by operation, so results
 * are NumPy's to the bit where NumPy computes in float64. */
#include <math.h>
#include <string.h>

#include "array/shape_internal.h"

void ks__view(const ks_array *a, ks_array *out)
{
    ks_array_ref(a, out);
    out->flags &= ~KS_ARRAY_WEAK;
}

int ks__copy_into(ks_ctx *ctx, const ks_array *dst, const ks_array *src)
{
    ks__iter_spec s = {0};
    s.nin = 1;
    s.nout = 1;
    s.op[0] = src;
    s.op[1] = dst;
    s.dtypes[0] = src->dtype;
    s.dtypes[1] = dst->dtype;
    s.fn = ks__cast_loop(src->dtype, dst->dtype);
    s.ns_per_elem = 0.3;
    return ks__iter_run(ctx, &s, dst->ndim, dst->shape);
}

void ks__elem_from_double(ks_dtype t, double v, void *dst)
{
    char *args[2] = {(char *)&v, (char *)dst};
    const ptrdiff_t steps[2] = {0, 0};
    ks__cast_loop(KS_FLOAT64, t)(args, steps, 1, NULL);
}

void ks__elem_cast(const ks_array *v, ks_dtype t, void *dst)
{
    char *args[2] = {v->data, (char *)dst};
    const ptrdiff_t steps[2] = {0, 0};
    ks__cast_loop(v->dtype, t)(args, steps, 1, NULL);
}

void ks__fill_elem(char *dst, ptrdiff_t n, size_t size, const void *elem)
{
    const unsigned char *e = elem;
    bool zero = true;
    for (size_t i = 0; i < size; i++) zero = zero && e[i] == 0;
    if (zero || size == 1) {
        memset(dst, e[0], (size_t)n * size);
        return;
    }
    /* typed stores: the compiler vectorises each */
    switch (size) {
    case 2: {
        uint16_t v, *p = (uint16_t *)(void *)dst;
        memcpy(&v, e, 2);
        for (ptrdiff_t i = 0; i < n; i++) p[i] = v;
        return;
    }
    case 4: {
        uint32_t v, *p = (uint32_t *)(void *)dst;
        memcpy(&v, e, 4);
        for (ptrdiff_t i = 0; i < n; i++) p[i] = v;
        return;
    }
    case 8: {
        uint64_t v, *p = (uint64_t *)(void *)dst;
        memcpy(&v, e, 8);
        for (ptrdiff_t i = 0; i < n; i++) p[i] = v;
        return;
    }
    default:
        for (ptrdiff_t i = 0; i < n; i++) memcpy(dst + (size_t)i * size, e, size);
    }
}

int ks_array_zeros(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                   ks_array *out)
{
    /* zeroed pages from the buffer allocator, as np.zeros gets them from calloc */
    return ks__array_zeroed(ctx, dtype, ndim, shape, order, out);
}

int ks_array_full(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                  const ks_array *value, ks_array *out)
{
    int rc = ks_array_empty(ctx, dtype, ndim, shape, order, out);
    if (rc) return rc;
    if (ks_array_size(value) == 1 && value->ndim <= ndim) {
        /* one value: cast once, then a plain fill of the contiguous memory */
        unsigned char e[16];
        ks__elem_cast(value, dtype, e);
        ks__fill_elem(out->data, ks_array_size(out), ks__dtypes[dtype].size, e);
        return KS_OK;
    }
    /* NumPy's full: copyto(empty, fill_value, casting='unsafe') */
    rc = ks_array_assign(ctx, out, value, KS_CASTING_UNSAFE);
    if (rc) ks_array_release(out);
    return rc;
}

/* A double array of n made by `fill` then cast to dtype into out (floor first for integer
 * dtypes when `floor_ints`, as linspace). */
typedef void (*fill_fn)(double *y, ptrdiff_t n, const double *p);

static int make_1d(ks_ctx *ctx, ptrdiff_t n, ks_dtype dtype, bool floor_ints, fill_fn fill,
                   const double *p, ks_array *out)
{
    int rc = ks_array_empty(ctx, dtype, 1, &n, KS_ORDER_C, out);
    if (rc) return rc;
    if (dtype == KS_FLOAT64) {
        fill((double *)(void *)out->data, n, p);
        return KS_OK;
    }
    double *y = ks__malloc_array(ctx, n ? (size_t)n : 1, sizeof *y);
    if (!y) {
        ks_array_release(out);
        return ks_errcode(ctx);
    }
    fill(y, n, p);
    if (floor_ints && ks__is_int(dtype))
        for (ptrdiff_t i = 0; i < n; i++) y[i] = floor(y[i]);
    char *args[2] = {(char *)y, out->data};
    const ptrdiff_t steps[2] = {sizeof *y, (ptrdiff_t)ks__dtypes[dtype].size};
    ks__cast_loop(KS_FLOAT64, dtype)(args, steps, n, NULL);
    ks__free(ctx, y);
    return KS_OK;
}

int ks_array_arange(ks_ctx *ctx, double start, double stop, double step, ks_dtype dtype,
                    ks_array *out)
{
    ks__array_clear(out);
    if ((unsigned)dtype >= KS_NDTYPES)
        return ks__fail(ctx, KS_EINVAL, "dtype %d is not a dtype", (int)dtype);
    if (step == 0) return ks__fail(ctx, KS_EINVAL, "arange: division by zero (step is 0)");
    const double len = ceil((stop - start) / step);
    if (isnan(len)) return ks__fail(ctx, KS_EINVAL, "arange: cannot compute length");
    if (len > (double)(PTRDIFF_MAX / 16))
        return ks__fail(ctx, KS_EINVAL, "Maximum allowed size exceeded");
    const ptrdiff_t n = len > 0 ? (ptrdiff_t)len : 0;
    if (dtype == KS_BOOL && n > 2)
        return ks__fail(
            ctx, KS_ETYPE,
            "arange() is only supported for booleans when the result has at most length 2.");
    int rc = ks_array_empty(ctx, dtype, 1, &n, KS_ORDER_C, out);
    if (rc || n == 0) return rc;
    /* NumPy sets the first two elements (start, start + step, cast to the dtype) and fills the
     * rest as first + i * (second - first) in the dtype's own arithmetic. */
    const size_t sz = ks__dtypes[dtype].size;
    ks__elem_from_double(dtype, start, out->data);
    if (n == 1) return KS_OK;
    ks__elem_from_double(dtype, start + step, out->data + sz);
    char *const d = out->data;
#define KS_FILL_INT(T, U)                                                                          \
    {                                                                                              \
        T *y = (T *)(void *)d;                                                                     \
        const U a = (U)y[0], delta = (U)y[1] - a;                                                  \
        for (ptrdiff_t i = 2; i < n; i++) y[i] = (T)(a + (U)i * delta);                            \
    }                                                                                              \
    break;
#define KS_FILL_FLOAT(T)                                                                           \
    {                                                                                              \
        T *y = (T *)(void *)d;                                                                     \
        const T a = y[0], delta = y[1] - y[0];                                                     \
        for (ptrdiff_t i = 2; i < n; i++) y[i] = a + (T)i * delta;                                 \
    }                                                                                              \
    break;
#define KS_FILL_COMPLEX(T)                                                                         \
    {                                                                                              \
        T *y = (T *)(void *)d;                                                                     \
        const T ar = y[0], ai = y[1], dr = y[2] - y[0], di = y[3] - y[1];                          \
        for (ptrdiff_t i = 2; i < n; i++) {                                                        \
            y[2 * i] = ar + (T)i * dr;                                                             \
            y[2 * i + 1] = ai + (T)i * di;                                                         \
        }                                                                                          \
    }                                                                                              \
    break;
    switch (dtype) {
    case KS_INT8: KS_FILL_INT(int8_t, uint8_t)
    case KS_INT16: KS_FILL_INT(int16_t, uint16_t)
    case KS_INT32: KS_FILL_INT(int32_t, uint32_t)
    case KS_INT64: KS_FILL_INT(int64_t, uint64_t)
    case KS_UINT8: KS_FILL_INT(uint8_t, uint8_t)
    case KS_UINT16: KS_FILL_INT(uint16_t, uint16_t)
    case KS_UINT32: KS_FILL_INT(uint32_t, uint32_t)
    case KS_UINT64: KS_FILL_INT(uint64_t, uint64_t)
    case KS_FLOAT32: KS_FILL_FLOAT(float)
    case KS_FLOAT64: KS_FILL_FLOAT(double)
    case KS_COMPLEX64: KS_FILL_COMPLEX(float)
    case KS_COMPLEX128: KS_FILL_COMPLEX(double)
    default: break; /* bool: at most two elements, both set */
    }
#undef KS_FILL_INT
#undef KS_FILL_FLOAT
#undef KS_FILL_COMPLEX
    return KS_OK;
}

/* p = {start, stop, div, step}: NumPy's linspace body, operation by operation (y = i * step,
 * then += start; (i / div) * delta when the step underflows to 0). The endpoint is set after. */
static void linspace_fill(double *y, ptrdiff_t n, const double *p)
{
    const double start = p[0], delta = p[1] - p[0], div = p[2], step = p[3];
    if (div > 0 && step != 0)
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (double)i * step + start;
    else if (div > 0)
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (double)i / div * delta + start;
    else
        for (ptrdiff_t i = 0; i < n; i++) y[i] = (double)i * delta + start;
}

/* p = {start, stop, div, step, endpoint}. */
static void linspace_fill_end(double *y, ptrdiff_t n, const double *p)
{
    linspace_fill(y, n, p);
    if (p[4] != 0 && n > 1) y[n - 1] = p[1];
}

int ks_array_linspace(ks_ctx *ctx, double start, double stop, ptrdiff_t num, bool endpoint,
                      ks_dtype dtype, ks_array *out, double *step_out)
{
    ks__array_clear(out);
    if (num < 0)
        return ks__fail(ctx, KS_EINVAL, "Number of samples, %td, must be non-negative.", num);
    const ptrdiff_t div = endpoint ? num - 1 : num;
    const double step = div > 0 ? (stop - start) / (double)div : NAN;
    const double p[5] = {start, stop, (double)div, step, endpoint};
    const int rc = make_1d(ctx, num, dtype, true, linspace_fill_end, p, out);
    if (!rc && step_out) *step_out = step;
    return rc;
}

/* p = {start, stop, div, step, endpoint, base}: base ** linspace. */
static void logspace_fill(double *y, ptrdiff_t n, const double *p)
{
    linspace_fill_end(y, n, p);
    for (ptrdiff_t i = 0; i < n; i++) y[i] = pow(p[5], y[i]);
}

int ks_array_logspace(ks_ctx *ctx, double start, double stop, ptrdiff_t num, bool endpoint,
                      double base, ks_dtype dtype, ks_array *out)
{
    ks__array_clear(out);
    if (num < 0)
        return ks__fail(ctx, KS_EINVAL, "Number of samples, %td, must be non-negative.", num);
    const ptrdiff_t div = endpoint ? num - 1 : num;
    const double step = div > 0 ? (stop - start) / (double)div : NAN;
    const double p[6] = {start, stop, (double)div, step, endpoint, base};
    return make_1d(ctx, num, dtype, false, logspace_fill, p, out);
}

/* p = {log10 start, log10 stop, div, step, endpoint, 10, start, stop, sign}: logspace between the
 * logs of |start| and |stop| (NumPy divides both by start's sign), the ends set exactly, the
 * sign put back. */
static void geomspace_fill(double *y, ptrdiff_t n, const double *p)
{
    logspace_fill(y, n, p);
    if (n > 0) y[0] = p[6];
    if (n > 1 && p[4] != 0) y[n - 1] = p[7];
    for (ptrdiff_t i = 0; i < n; i++) y[i] *= p[8];
}

int ks_array_geomspace(ks_ctx *ctx, double start, double stop, ptrdiff_t num, bool endpoint,
                       ks_dtype dtype, ks_array *out)
{
    ks__array_clear(out);
    if (start == 0 || stop == 0)
        return ks__fail(ctx, KS_EINVAL, "Geometric sequence cannot include zero");
    if (num < 0)
        return ks__fail(ctx, KS_EINVAL, "Number of samples, %td, must be non-negative.", num);
    const double sign = isnan(start) ? start : start > 0 ? 1.0 : -1.0;
    const double s = start / sign, e = stop / sign;
    const double ls = log10(s), le = log10(e);
    const ptrdiff_t div = endpoint ? num - 1 : num;
    const double step = div > 0 ? (le - ls) / (double)div : NAN;
    const double p[9] = {ls, le, (double)div, step, endpoint, 10.0, s, e, sign};
    return make_1d(ctx, num, dtype, false, geomspace_fill, p, out);
}

/* A view of the k-th diagonal of the last two axes of a 2-d array (none when it is empty). */
static ptrdiff_t diag_view(const ks_array *m, ptrdiff_t k, ks_array *v)
{
    const ptrdiff_t r = m->shape[0], c = m->shape[1];
    ptrdiff_t len = k >= 0 ? (c - k < r ? c - k : r) : (r + k < c ? r + k : c);
    if (len < 0) len = 0;
    ks__view(m, v);
    v->ndim = 1;
    v->shape[0] = len;
    v->strides[0] = m->strides[0] + m->strides[1];
    if (len > 0) v->data = m->data + (k >= 0 ? k * m->strides[1] : -k * m->strides[0]);
    return len;
}

int ks_array_eye(ks_ctx *ctx, ptrdiff_t n, ptrdiff_t m, ptrdiff_t k, ks_dtype dtype, ks_array *out)
{
    const ptrdiff_t shape[2] = {n, m < 0 ? n : m};
    int rc = ks__array_zeroed(ctx, dtype, 2, shape, KS_ORDER_C, out);
    if (rc) return rc;
    ks_array d;
    const ptrdiff_t len = diag_view(out, k, &d);
    unsigned char one[16];
    ks__elem_from_double(dtype, 1.0, one);
    const size_t sz = ks__dtypes[dtype].size;
    for (ptrdiff_t i = 0; i < len; i++) memcpy(d.data + i * d.strides[0], one, sz);
    ks_array_release(&d);
    return KS_OK;
}

int ks_array_tri(ks_ctx *ctx, ptrdiff_t n, ptrdiff_t m, ptrdiff_t k, ks_dtype dtype, ks_array *out)
{
    const ptrdiff_t shape[2] = {n, m < 0 ? n : m};
    int rc = ks__array_zeroed(ctx, dtype, 2, shape, KS_ORDER_C, out);
    if (rc) return rc;
    unsigned char one[16];
    ks__elem_from_double(dtype, 1.0, one);
    const size_t sz = ks__dtypes[dtype].size;
    /* row i holds ones at j <= i + k */
    for (ptrdiff_t i = 0; i < shape[0]; i++) {
        const ptrdiff_t lim = i + k + 1;
        const ptrdiff_t ones = lim < 0 ? 0 : lim > shape[1] ? shape[1] : lim;
        ks__fill_elem(out->data + i * out->strides[0], ones, sz, one);
    }
    return KS_OK;
}

int ks_array_tril(ks_ctx *ctx, const ks_array *a, ptrdiff_t k, bool upper, ks_array *out)
{
    ks__array_clear(out);
    if (a->ndim < 1)
        return ks__fail(ctx, KS_EINVAL, "%s: the array must have at least one dimension",
                        upper ? "triu" : "tril");
    /* NumPy masks with tri(*a.shape[-2:]); a 1-d array broadcasts against that (n, n) mask */
    ks_array src;
    ks__view(a, &src);
    if (a->ndim == 1) {
        src.ndim = 2;
        src.shape[1] = src.shape[0];
        src.strides[1] = src.strides[0];
        src.strides[0] = 0;
    }
    int rc = ks_array_empty(ctx, a->dtype, src.ndim, src.shape, KS_ORDER_C, out);
    if (!rc) rc = ks__copy_into(ctx, out, &src);
    ks_array_release(&src);
    if (rc) {
        ks_array_release(out);
        return rc;
    }
    const ptrdiff_t r = out->shape[out->ndim - 2], c = out->shape[out->ndim - 1];
    const ptrdiff_t nmat = r > 0 && c > 0 ? ks_array_size(out) / (r * c) : 0;
    const size_t sz = ks__dtypes[a->dtype].size;
    for (ptrdiff_t mtx = 0; mtx < nmat; mtx++)
        for (ptrdiff_t i = 0; i < r; i++) {
            char *row = out->data + (mtx * r + i) * c * (ptrdiff_t)sz;
            /* tril keeps j <= i + k; triu keeps j >= i + k */
            ptrdiff_t lo = upper ? 0 : i + k + 1, hi = upper ? i + k : c;
            if (lo < 0) lo = 0;
            if (hi > c) hi = c;
            if (hi > lo) memset(row + lo * (ptrdiff_t)sz, 0, (size_t)(hi - lo) * sz);
        }
    return KS_OK;
}

int ks_array_diag(ks_ctx *ctx, const ks_array *v, ptrdiff_t k, ks_array *out)
{
    ks__array_clear(out);
    ks_array d;
    if (v->ndim == 2) {
        diag_view(v, k, &d);
        const int rc = ks_array_copy(ctx, &d, KS_ORDER_C, out);
        ks_array_release(&d);
        return rc;
    }
    if (v->ndim != 1) return ks__fail(ctx, KS_EINVAL, "Input must be 1- or 2-d.");
    const ptrdiff_t n = v->shape[0] + (k < 0 ? -k : k);
    const ptrdiff_t shape[2] = {n, n};
    int rc = ks__array_zeroed(ctx, v->dtype, 2, shape, KS_ORDER_C, out);
    if (rc) return rc;
    diag_view(out, k, &d);
    rc = ks__copy_into(ctx, &d, v);
    ks_array_release(&d);
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_meshgrid(ks_ctx *ctx, int n, const ks_array *const *xs, bool ij, ks_array *outs)
{
    for (int i = 0; i < n; i++) ks__array_clear(&outs[i]);
    if (n < 0 || n > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "meshgrid: %d arrays (at most %d)", n, KS_ARRAY_MAXDIMS);
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    for (int i = 0; i < n; i++) shape[i] = ks_array_size(xs[i]);
    /* 'xy' indexing swaps the first two axes of the grid */
    const bool swap = !ij && n > 1;
    if (swap) {
        const ptrdiff_t t = shape[0];
        shape[0] = shape[1];
        shape[1] = t;
    }
    int rc = KS_OK;
    for (int i = 0; i < n && !rc; i++) {
        ks_array flat, src;
        rc = ks_array_ravel(ctx, xs[i], KS_ORDER_C, &flat);
        if (rc) break;
        ks__view(&flat, &src);
        src.ndim = n;
        memcpy(src.shape, shape, (size_t)n * sizeof *shape);
        for (int d = 0; d < n; d++) src.strides[d] = 0;
        src.strides[swap && i < 2 ? 1 - i : i] = flat.strides[0];
        rc = ks_array_empty(ctx, xs[i]->dtype, n, shape, KS_ORDER_C, &outs[i]);
        if (!rc) rc = ks__copy_into(ctx, &outs[i], &src);
        ks_array_release(&src);
        ks_array_release(&flat);
    }
    if (rc)
        for (int i = 0; i < n; i++) ks_array_release(&outs[i]);
    return rc;
}
