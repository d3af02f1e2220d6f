/* reduce_arg.c — argmin / argmax and their nan variants over one axis or the whole array (C
 * order): the first occurrence of the extreme wins; a NaN is the extreme (the first one, as
 * NumPy); the nan variants skip NaN and fail on an all-NaN slice, as NumPy's. Complex values
 * compare lexicographically. */
#include <string.h>

#include "array/reduce_internal.h"

typedef ks__parts64 c64; /* (array_internal.h) */
typedef ks__parts128 c128;

/* The best element of one line against the best so far (NULL: none yet). */
typedef const char *(*arg_line)(const char *x, ptrdiff_t n, ptrdiff_t s, const char *best,
                                ptrdiff_t base, ptrdiff_t *bi, bool max, bool nan_skip);

#define NANR(v) ((v) != (v))
#define NANC(v) ((v).re != (v).re || (v).im != (v).im)
#define NEVER(v) ((void)(v), 0)
#define LTR(a, b) ((a) < (b))
#define LTC(a, b) ((a).re < (b).re || ((a).re == (b).re && (a).im < (b).im))

#define ARG(NAME, T, ISNAN, LT)                                                                    \
    static const char *NAME(const char *x, ptrdiff_t n, ptrdiff_t s, const char *best,             \
                            ptrdiff_t base, ptrdiff_t *bi, bool max, bool nan_skip)                \
    {                                                                                              \
        T b;                                                                                       \
        if (best) {                                                                                \
            memcpy(&b, best, sizeof b);                                                            \
            if (!nan_skip && ISNAN(b)) return best;                                                \
        }                                                                                          \
        for (ptrdiff_t i = 0; i < n; i++) {                                                        \
            const char *p = x + i * s;                                                             \
            T v;                                                                                   \
            memcpy(&v, p, sizeof v);                                                               \
            if (ISNAN(v)) {                                                                        \
                if (nan_skip) continue;                                                            \
                *bi = base + i;                                                                    \
                return p;                                                                          \
            }                                                                                      \
            if (!best || (max ? LT(b, v) : LT(v, b))) {                                            \
                best = p, b = v;                                                                   \
                *bi = base + i;                                                                    \
            }                                                                                      \
        }                                                                                          \
        return best;                                                                               \
    }
ARG(arg_b8, uint8_t, NEVER, LTR)
ARG(arg_i8, int8_t, NEVER, LTR)
ARG(arg_i16, int16_t, NEVER, LTR)
ARG(arg_i32, int32_t, NEVER, LTR)
ARG(arg_i64, int64_t, NEVER, LTR)
ARG(arg_u8, uint8_t, NEVER, LTR)
ARG(arg_u16, uint16_t, NEVER, LTR)
ARG(arg_u32, uint32_t, NEVER, LTR)
ARG(arg_u64, uint64_t, NEVER, LTR)
ARG(arg_f32, float, NANR, LTR)
ARG(arg_f64, double, NANR, LTR)
ARG(arg_c64, c64, NANC, LTC)
ARG(arg_c128, c128, NANC, LTC)

static const arg_line arg_fns[KS_NDTYPES] = {arg_b8,  arg_i8,  arg_i16, arg_i32, arg_i64,
                                             arg_u8,  arg_u16, arg_u32, arg_u64, arg_f32,
                                             arg_f64, arg_c64, arg_c128};

/* axes: 0 = the whole array in C order, else one bit. The result has the keepdims shape. */
int ks__arg_reduce(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t axes, ks_array *res)
{
    const char *name = ks_reduce_name(f);
    const bool max = f == KS_REDUCE_ARGMAX || f == KS_REDUCE_NANARGMAX;
    const bool nan_skip = f == KS_REDUCE_NANARGMIN || f == KS_REDUCE_NANARGMAX;
    const int nd = a->ndim;
    int axis = -1;
    if (axes == KS_AXES_EMPTY)
        return ks__fail(ctx, KS_EINVAL, "%s takes one axis or none, not axis=()", name);
    if (axes) {
        if (axes & (axes - 1))
            return ks__fail(ctx, KS_EINVAL, "%s takes one axis or none, not several", name);
        while (!((axes >> (axis + 1)) & 1)) axis++;
        axis++;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred = 1, nout = 1;
    for (int d = 0; d < nd; d++) {
        const bool red = axis < 0 || d == axis;
        shape[d] = red ? 1 : a->shape[d];
        if (red)
            nred *= a->shape[d];
        else
            nout *= a->shape[d];
    }
    if (nred == 0 && nout > 0)
        return ks__fail(ctx, KS_EINVAL, "attempt to get %s of an empty sequence",
                        max ? "argmax" : "argmin");
    int rc = ks__array_new(ctx, KS_INT64, nd, shape, res);
    if (rc != KS_OK) return rc;
    int64_t *r = (int64_t *)res->data;
    const arg_line fn = arg_fns[a->dtype];
    bool all_nan = false;
    if (axis < 0) {
        /* the whole array, line by line along the last axis, in C order */
        const ptrdiff_t len = nd ? a->shape[nd - 1] : 1, s = nd ? a->strides[nd - 1] : 0;
        const ptrdiff_t nlines = len ? nred / len : 0;
        ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0}, bi = -1;
        const char *best = NULL;
        for (ptrdiff_t l = 0; l < nlines; l++) {
            ptrdiff_t off = 0;
            for (int d = 0; d < nd - 1; d++) off += idx[d] * a->strides[d];
            best = fn(a->data + off, len, s, best, l * len, &bi, max, nan_skip);
            for (int d = nd - 2; d >= 0; d--) {
                if (++idx[d] < a->shape[d]) break;
                idx[d] = 0;
            }
        }
        r[0] = bi;
        all_nan = best == NULL;
    } else {
        /* every other index in C order, each line along the axis */
        ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
        for (ptrdiff_t o = 0; o < nout; o++) {
            ptrdiff_t off = 0, bi = -1;
            for (int d = 0; d < nd; d++) off += idx[d] * a->strides[d];
            const char *best =
                fn(a->data + off, a->shape[axis], a->strides[axis], NULL, 0, &bi, max, nan_skip);
            all_nan = all_nan || best == NULL;
            r[o] = bi;
            for (int d = nd - 1; d >= 0; d--) {
                if (d == axis) continue;
                if (++idx[d] < a->shape[d]) break;
                idx[d] = 0;
            }
        }
    }
    if (all_nan && nout > 0) {
        ks_array_release(res);
        return ks__fail(ctx, KS_EINVAL, "All-NaN slice encountered");
    }
    return KS_OK;
}
