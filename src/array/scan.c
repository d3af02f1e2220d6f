/* scan.c — cumsum / cumprod and their nan variants along one axis, NumPy's sequential order
 * (out[i] = out[i - 1] op x[i]) and default dtypes (small integers and bool to int64, unsigned
 * to uint64). A scan along an outer axis streams whole rows (out[i, :] = out[i - 1, :] op
 * x[i, :]), which vectorises; along the last axis each line is one dependency chain, as in
 * NumPy: splitting it over threads would change the float results. */
#include <string.h>

#include "array/reduce_internal.h"

typedef ks__parts64 c64; /* (array_internal.h) */
typedef ks__parts128 c128;

static const ks__enum_entry scan_names[] = {
    {"cumsum", KS_SCAN_CUMSUM},         {"cumprod", KS_SCAN_CUMPROD},
    {"nancumsum", KS_SCAN_NANCUMSUM},   {"nancumprod", KS_SCAN_NANCUMPROD},
    {"cumulative_sum", KS_SCAN_CUMSUM}, {"cumulative_prod", KS_SCAN_CUMPROD},
    {"cumproduct", KS_SCAN_CUMPROD},
};
KS__ENUM_FUNCS(ks_scan, ks_scan, "scan", scan_names)

#define ADD(a, b) ((a) + (b))
#define MUL(a, b) ((a) * (b))
#define IADD(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define IMUL(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define CADD(a, b) ((__typeof__(a)){(a).re + (b).re, (a).im + (b).im})
#define CMUL(a, b)                                                                                 \
    ((__typeof__(a)){(a).re * (b).re - (a).im * (b).im, (a).re * (b).im + (a).im * (b).re})
#define RNAN(v) ((v) != (v))
#define CNAN(v) ((v).re != (v).re || (v).im != (v).im)
#define NONAN(v) ((void)(v), 0)

/* One kernel per (type, op): rows of `inner` elements, `len` of them, each the running
 * combination of the ones before; NaN replaced by the identity when nan_skip. */
#define SCAN(NAME, T, OP, ISNAN, ID)                                                               \
    static void NAME(char *o, const char *x, ptrdiff_t sx, ptrdiff_t len, ptrdiff_t inner,         \
                     bool nan_skip)                                                                \
    {                                                                                              \
        T *out = (T *)o;                                                                           \
        const T id = ID;                                                                           \
        if (inner == 1 && x) {                                                                     \
            if (!len) return;                                                                      \
            T acc = *(const T *)x;                                                                 \
            if (nan_skip && ISNAN(acc)) acc = id;                                                  \
            out[0] = acc;                                                                          \
            for (ptrdiff_t i = 1; i < len; i++) {                                                  \
                T v = *(const T *)(x + i * sx);                                                    \
                if (nan_skip && ISNAN(v)) v = id;                                                  \
                out[i] = acc = OP(acc, v);                                                         \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        if (nan_skip)                                                                              \
            for (ptrdiff_t j = 0; j < len * inner; j++)                                            \
                if (ISNAN(out[j])) out[j] = id;                                                    \
        for (ptrdiff_t i = 1; i < len; i++) {                                                      \
            const T *prev = out + (i - 1) * inner;                                                 \
            T *cur = out + i * inner;                                                              \
            for (ptrdiff_t j = 0; j < inner; j++) cur[j] = OP(prev[j], cur[j]);                    \
        }                                                                                          \
    }

SCAN(sum_i64, int64_t, IADD, NONAN, 0)
SCAN(sum_u64, uint64_t, ADD, NONAN, 0)
SCAN(sum_f32, float, ADD, RNAN, 0.0f)
SCAN(sum_f64, double, ADD, RNAN, 0.0)
SCAN(sum_c64, c64, CADD, CNAN, ((c64){0.0f, 0.0f}))
SCAN(sum_c128, c128, CADD, CNAN, ((c128){0.0, 0.0}))
SCAN(prod_i64, int64_t, IMUL, NONAN, 1)
SCAN(prod_u64, uint64_t, MUL, NONAN, 1)
SCAN(prod_f32, float, MUL, RNAN, 1.0f)
SCAN(prod_f64, double, MUL, RNAN, 1.0)
SCAN(prod_c64, c64, CMUL, CNAN, ((c64){1.0f, 0.0f}))
SCAN(prod_c128, c128, CMUL, CNAN, ((c128){1.0, 0.0}))

typedef void (*scan_fn)(char *o, const char *x, ptrdiff_t sx, ptrdiff_t len, ptrdiff_t inner,
                        bool nan_skip);

static scan_fn pick(bool prod, ks_dtype t)
{
    switch (t) {
    case KS_INT64: return prod ? prod_i64 : sum_i64;
    case KS_UINT64: return prod ? prod_u64 : sum_u64;
    case KS_FLOAT32: return prod ? prod_f32 : sum_f32;
    case KS_FLOAT64: return prod ? prod_f64 : sum_f64;
    case KS_COMPLEX64: return prod ? prod_c64 : sum_c64;
    default: return prod ? prod_c128 : sum_c128;
    }
}

int ks_array_scan(ks_ctx *ctx, ks_scan f, const ks_array *a, int axis, int dtype, ks_array *out)
{
    ks__array_clear(out);
    if (!a || !a->data) return ks__fail(ctx, KS_EINVAL, "scan: no array");
    if ((unsigned)f > KS_SCAN_NANCUMPROD)
        return ks__fail(ctx, KS_EINVAL, "scan %d: no such scan", (int)f);
    if (dtype >= KS_NDTYPES) return ks__fail(ctx, KS_EINVAL, "dtype: %d is no dtype", dtype);
    ks_array one = *a;
    if (a->ndim == 0) { /* a 0-d operand scans as its one element */
        one.ndim = 1;
        one.shape[0] = 1;
        one.strides[0] = 0;
    }
    int ax;
    int rc = ks__axis(ctx, axis, one.ndim, &ax);
    if (rc != KS_OK) return rc;
    const ks_dtype rt = dtype >= 0 ? (ks_dtype)dtype : ks__sum_dtype(a->dtype);
    const ks_dtype kd = ks__sum_dtype(rt);
    const bool prod = f == KS_SCAN_CUMPROD || f == KS_SCAN_NANCUMPROD;
    const bool nan_skip = f == KS_SCAN_NANCUMSUM || f == KS_SCAN_NANCUMPROD;
    rc = ks__array_new(ctx, kd, one.ndim, one.shape, out);
    if (rc != KS_OK) return rc;
    ptrdiff_t outer = 1, inner = 1;
    for (int d = 0; d < ax; d++) outer *= one.shape[d];
    for (int d = ax + 1; d < one.ndim; d++) inner *= one.shape[d];
    const ptrdiff_t len = one.shape[ax];
    const scan_fn fn = pick(prod, kd);
    if (one.ndim == 1 && a->dtype == kd) {
        fn(out->data, one.data, one.strides[0], len, 1, nan_skip); /* read and scan in one pass */
    } else {
        rc = ks_array_assign(ctx, out, &one, KS_CASTING_UNSAFE);
        if (rc != KS_OK) {
            ks_array_release(out);
            return rc;
        }
        const ptrdiff_t es = (ptrdiff_t)ks__dtypes[kd].size;
        for (ptrdiff_t o = 0; o < outer; o++)
            fn(out->data + o * len * inner * es, NULL, 0, len, inner, nan_skip);
    }
    if (rt != kd) {
        ks_array r;
        rc = ks_array_astype(ctx, out, rt, KS_CASTING_UNSAFE, &r);
        ks_array_release(out);
        if (rc != KS_OK) return rc;
        *out = r;
    }
    return KS_OK;
}
