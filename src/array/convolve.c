/* convolve.c — np.convolve and np.correlate of 1-d arrays by direct sums, with NumPy's modes and
 * its quirks: correlate conjugates its second operand and, when that one is the longer, swaps
 * them and reverses the result; convolve swaps so the first is the longer and correlates with
 * the second reversed (never conjugated).
 *
 * Output t is sum_j L[t + j - left] * S[j] over the j where L's index is in range, j ascending as
 * NumPy's dot. The sums run tap by tap over blocks of outputs, so a short kernel (rumpy's 3-tap
 * 'same') is a few vectorised passes over data in cache; blocks are split across threads, each
 * output computed the same way for any thread count. */
#include <string.h>

#include "array/array_internal.h"

static const ks__enum_entry mode_names[] = {
    {"full", KS_CONVOLVE_FULL},
    {"same", KS_CONVOLVE_SAME},
    {"valid", KS_CONVOLVE_VALID},
};
KS__ENUM_FUNCS(ks_convolve_mode, ks_convolve_mode, "mode", mode_names)

#define BLOCK 2048

/* Outputs [t0, t1) of one dtype. A: the element type; MAC(acc, s, x): acc += s * x. Outputs
 * with every tap in range and a kernel of at most 8 taps are summed one output at a time over a
 * constant tap count (unrolled, vectorised across outputs, written in place); the others tap by
 * tap over a block of outputs in cache. */
#define CONV_LOOP(NAME, A, MAC)                                                                    \
    static inline __attribute__((always_inline)) void NAME##_short(                                \
        const A *restrict l, const A *restrict s, int ns, ptrdiff_t count, char *restrict op,      \
        ptrdiff_t os)                                                                              \
    {                                                                                              \
        A *restrict o = (A *)(void *)op;                                                           \
        if (os == (ptrdiff_t)sizeof(A)) /* (a contiguous store vectorises) */                      \
            for (ptrdiff_t t = 0; t < count; t++) {                                                \
                A acc;                                                                             \
                memset((void *)&acc, 0, sizeof acc);                                               \
                for (int j = 0; j < ns; j++) MAC(acc, s[j], l[t + j]);                             \
                o[t] = acc;                                                                        \
            }                                                                                      \
        else                                                                                       \
            for (ptrdiff_t t = 0; t < count; t++) {                                                \
                A acc;                                                                             \
                memset((void *)&acc, 0, sizeof acc);                                               \
                for (int j = 0; j < ns; j++) MAC(acc, s[j], l[t + j]);                             \
                *(A *)(void *)(op + t * os) = acc;                                                 \
            }                                                                                      \
    }                                                                                              \
    static void NAME##_block(const char *lp, ptrdiff_t ls, ptrdiff_t nl, const char *sp,           \
                             ptrdiff_t ns, ptrdiff_t left, ptrdiff_t t0, ptrdiff_t t1, char *op,   \
                             ptrdiff_t os)                                                         \
    {                                                                                              \
        A acc[BLOCK];                                                                              \
        for (ptrdiff_t b0 = t0; b0 < t1; b0 += BLOCK) {                                            \
            const ptrdiff_t b1 = b0 + BLOCK < t1 ? b0 + BLOCK : t1;                                \
            memset((void *)acc, 0, (size_t)(b1 - b0) * sizeof(A));                                 \
            for (ptrdiff_t j = 0; j < ns; j++) {                                                   \
                const A s = ((const A *)(const void *)sp)[j];                                      \
                ptrdiff_t lo = left - j > b0 ? left - j : b0;                                      \
                ptrdiff_t hi = nl + left - j < b1 ? nl + left - j : b1;                            \
                const ptrdiff_t off = j - left;                                                    \
                if (ls == (ptrdiff_t)sizeof(A)) {                                                  \
                    const A *l = (const A *)(const void *)lp + off;                                \
                    for (ptrdiff_t t = lo; t < hi; t++) MAC(acc[t - b0], s, l[t]);                 \
                } else {                                                                           \
                    for (ptrdiff_t t = lo; t < hi; t++)                                            \
                        MAC(acc[t - b0], s, *(const A *)(const void *)(lp + (t + off) * ls));      \
                }                                                                                  \
            }                                                                                      \
            for (ptrdiff_t t = b0; t < b1; t++) *(A *)(void *)(op + t * os) = acc[t - b0];         \
        }                                                                                          \
    }                                                                                              \
    static void NAME(const char *lp, ptrdiff_t ls, ptrdiff_t nl, const char *sp, ptrdiff_t ns,     \
                     ptrdiff_t left, ptrdiff_t t0, ptrdiff_t t1, char *op, ptrdiff_t os)           \
    {                                                                                              \
        /* outputs t with 0 <= t - left and t - left + ns <= nl have every tap */                  \
        ptrdiff_t c0 = left > t0 ? left : t0,                                                      \
                  c1 = nl - ns + left + 1 < t1 ? nl - ns + left + 1 : t1;                          \
        if (ns > 8 || ls != (ptrdiff_t)sizeof(A) || c1 <= c0) {                                    \
            NAME##_block(lp, ls, nl, sp, ns, left, t0, t1, op, os);                                \
            return;                                                                                \
        }                                                                                          \
        NAME##_block(lp, ls, nl, sp, ns, left, t0, c0, op, os);                                    \
        const A *l = (const A *)(const void *)lp + (c0 - left), *s = (const A *)(const void *)sp;  \
        char *o = op + c0 * os;                                                                    \
        switch (ns) {                                                                              \
        case 1: NAME##_short(l, s, 1, c1 - c0, o, os); break;                                      \
        case 2: NAME##_short(l, s, 2, c1 - c0, o, os); break;                                      \
        case 3: NAME##_short(l, s, 3, c1 - c0, o, os); break;                                      \
        case 4: NAME##_short(l, s, 4, c1 - c0, o, os); break;                                      \
        case 5: NAME##_short(l, s, 5, c1 - c0, o, os); break;                                      \
        case 6: NAME##_short(l, s, 6, c1 - c0, o, os); break;                                      \
        case 7: NAME##_short(l, s, 7, c1 - c0, o, os); break;                                      \
        default: NAME##_short(l, s, 8, c1 - c0, o, os); break;                                     \
        }                                                                                          \
        NAME##_block(lp, ls, nl, sp, ns, left, c1, t1, op, os);                                    \
    }

#define MAC_ADD(acc, s, x) ((acc) += (s) * (x))
#define MAC_WRAP(acc, s, x)                                                                        \
    ((acc) = (__typeof__(acc))((uint64_t)(acc) + (uint64_t)(s) * (uint64_t)(x)))
#define MAC_OR(acc, s, x) ((acc) = (acc) | ((s) & (x)))
#define MAC_C(acc, s, x)                                                                           \
    ((acc).re += (s).re * (x).re - (s).im * (x).im, (acc).im += (s).re * (x).im + (s).im * (x).re)

CONV_LOOP(conv_bool, uint8_t, MAC_OR)
CONV_LOOP(conv_i8, int8_t, MAC_WRAP)
CONV_LOOP(conv_i16, int16_t, MAC_WRAP)
CONV_LOOP(conv_i32, int32_t, MAC_WRAP)
CONV_LOOP(conv_i64, int64_t, MAC_WRAP)
CONV_LOOP(conv_f32, float, MAC_ADD)
CONV_LOOP(conv_f64, double, MAC_ADD)
CONV_LOOP(conv_c64, ks__parts64, MAC_C)
CONV_LOOP(conv_c128, ks__parts128, MAC_C)

typedef void (*conv_fn)(const char *, ptrdiff_t, ptrdiff_t, const char *, ptrdiff_t, ptrdiff_t,
                        ptrdiff_t, ptrdiff_t, char *, ptrdiff_t);

static conv_fn conv_for(ks_dtype t)
{
    switch (t) {
    case KS_BOOL: return conv_bool;
    case KS_INT8:
    case KS_UINT8: return conv_i8;
    case KS_INT16:
    case KS_UINT16: return conv_i16;
    case KS_INT32:
    case KS_UINT32: return conv_i32;
    case KS_INT64:
    case KS_UINT64: return conv_i64;
    case KS_FLOAT32: return conv_f32;
    case KS_FLOAT64: return conv_f64;
    case KS_COMPLEX64: return conv_c64;
    default: return conv_c128;
    }
}

/* A 1-d view of a (0-d as one element, as NumPy's ndmin=1); KS_EINVAL for more dims. */
static int as_1d(ks_ctx *ctx, const ks_array *a, ks_array *v)
{
    if (a->ndim > 1) return ks__fail(ctx, KS_EINVAL, "object too deep for desired array");
    *v = *a;
    if (a->ndim == 0) {
        v->ndim = 1;
        v->shape[0] = 1;
        v->strides[0] = (ptrdiff_t)ks_dtype_size(a->dtype);
    }
    return KS_OK;
}

/* The correlation of the longer L with S (S already reversed or conjugated as the caller needs,
 * contiguous), reversed when `invert`. */
static int correlate_core(ks_ctx *ctx, const ks_array *l, const ks_array *s, ks_convolve_mode mode,
                          bool invert, ks_array *out)
{
    const ptrdiff_t nl = l->shape[0], ns = s->shape[0];
    ptrdiff_t left, length;
    switch (mode) {
    case KS_CONVOLVE_VALID: left = 0, length = nl - ns + 1; break;
    case KS_CONVOLVE_SAME: left = ns / 2, length = nl; break;
    default: left = ns - 1, length = nl + ns - 1; break;
    }
    int rc = ks__array_new(ctx, l->dtype, 1, &length, out);
    if (rc != KS_OK) return rc;
    const ptrdiff_t os = invert ? -out->strides[0] : out->strides[0];
    char *op = invert ? out->data + (length - 1) * out->strides[0] : out->data;
    const conv_fn fn = conv_for(l->dtype);
    const double ns_work = (double)length * (double)ns * 0.3;
    const int nt = length >= 4 * BLOCK ? ks__array_threads(ctx, ns_work) : 1;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int t = 0; t < nt; t++) {
        ptrdiff_t t0 = length * t / nt, t1 = length * (t + 1) / nt;
        fn(l->data, l->strides[0], nl, s->data, ns, left, t0, t1, op, os);
    }
    return KS_OK;
}

/* An operand in the common dtype, contiguous, maybe reversed (convolve's second) or conjugated
 * (correlate's second). */
static int prepare_short(ks_ctx *ctx, const ks_array *v, ks_dtype t, bool reverse, bool conj,
                         ks_array *out)
{
    int rc = ks__array_copy_order(ctx, v, t, KS_ORDER_C, out);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = out->shape[0];
    const size_t sz = ks_dtype_size(t);
    if (reverse)
        for (ptrdiff_t i = 0; i < n / 2; i++) {
            char tmp[16], *x = out->data + (size_t)i * sz,
                          *y = out->data + (size_t)(n - 1 - i) * sz;
            memcpy(tmp, x, sz);
            memcpy(x, y, sz);
            memcpy(y, tmp, sz);
        }
    if (conj && ks_dtype_kind(t) == 'c')
        for (ptrdiff_t i = 0; i < n; i++) {
            if (t == KS_COMPLEX64)
                ((ks__parts64 *)(void *)out->data)[i].im *= -1;
            else
                ((ks__parts128 *)(void *)out->data)[i].im *= -1;
        }
    return KS_OK;
}

static int conv_run(ks_ctx *ctx, const ks_array *a0, const ks_array *v0, ks_convolve_mode mode,
                    bool convolve, ks_array *out)
{
    ks__array_clear(out);
    if ((unsigned)mode > KS_CONVOLVE_VALID)
        return ks__fail(ctx, KS_EINVAL, "mode must be one of 'valid', 'same', or 'full' (got %d)",
                        (int)mode);
    ks_array a, v;
    int rc = as_1d(ctx, a0, &a);
    if (rc == KS_OK) rc = as_1d(ctx, v0, &v);
    if (rc != KS_OK) return rc;
    const ks_dtype t = ks_dtype_promote(a.dtype, v.dtype);
    bool invert = false;
    if (v.shape[0] > a.shape[0]) {
        const ks_array tmp = a;
        a = v;
        v = tmp;
        invert = !convolve; /* convolve's swap is NumPy's Python-level one: no reversal */
    }
    if (a.shape[0] == 0)
        return ks__fail(ctx, KS_EINVAL,
                        convolve ? "a cannot be empty" : "first array argument cannot be empty");
    if (v.shape[0] == 0)
        return ks__fail(ctx, KS_EINVAL,
                        convolve ? "v cannot be empty" : "second array argument cannot be empty");
    /* correlate conjugates its second operand before any swap: after one, that is L */
    const bool conj_l = !convolve && invert && ks_dtype_kind(t) == 'c';
    ks_array l, s;
    ks__array_clear(&l);
    rc = prepare_short(ctx, &v, t, convolve, !convolve && !invert, &s);
    if (rc != KS_OK) return rc;
    const ks_array *lp = &a;
    if (a.dtype != t || conj_l) {
        rc = prepare_short(ctx, &a, t, false, conj_l, &l);
        lp = &l;
    }
    if (rc == KS_OK) rc = correlate_core(ctx, lp, &s, mode, invert, out);
    ks_array_release(&l);
    ks_array_release(&s);
    return rc;
}

int ks_array_convolve(ks_ctx *ctx, const ks_array *a, const ks_array *v, ks_convolve_mode mode,
                      ks_array *out)
{
    return conv_run(ctx, a, v, mode, true, out);
}

int ks_array_correlate(ks_ctx *ctx, const ks_array *a, const ks_array *v, ks_convolve_mode mode,
                       ks_array *out)
{
    return conv_run(ctx, a, v, mode, false, out);
}
