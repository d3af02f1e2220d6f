/* reduce.c — ks_array_reduce: NumPy's reductions (sum ... nanargmax) over an axes bitmask with
 * keepdims, dtype=, where= and out=, on the kernels of reduce_kernels.c run by reduce_run.c.
 *
 * The recipes are NumPy's, so that results agree to the last bit where the data are laid out
 * alike: mean is the sum divided by the count (the division in float64, then rounded to the
 * result dtype, as NumPy's true_divide with an intp count); var is two-pass (the mean, then
 * the pairwise sum of squared deviations, divided by max(count - ddof, 0)); the nan variants
 * count NaN as the operation's identity (all-NaN: NaN, or an error for nanargmin). */
#include <math.h>
#include <string.h>

#include "array/reduce_internal.h"

static const ks__enum_entry reduce_names[] = {
    {"sum", KS_REDUCE_SUM},
    {"prod", KS_REDUCE_PROD},
    {"mean", KS_REDUCE_MEAN},
    {"var", KS_REDUCE_VAR},
    {"std", KS_REDUCE_STD},
    {"min", KS_REDUCE_MIN},
    {"max", KS_REDUCE_MAX},
    {"argmin", KS_REDUCE_ARGMIN},
    {"argmax", KS_REDUCE_ARGMAX},
    {"all", KS_REDUCE_ALL},
    {"any", KS_REDUCE_ANY},
    {"count_nonzero", KS_REDUCE_COUNT_NONZERO},
    {"ptp", KS_REDUCE_PTP},
    {"nansum", KS_REDUCE_NANSUM},
    {"nanprod", KS_REDUCE_NANPROD},
    {"nanmean", KS_REDUCE_NANMEAN},
    {"nanvar", KS_REDUCE_NANVAR},
    {"nanstd", KS_REDUCE_NANSTD},
    {"nanmin", KS_REDUCE_NANMIN},
    {"nanmax", KS_REDUCE_NANMAX},
    {"nanargmin", KS_REDUCE_NANARGMIN},
    {"nanargmax", KS_REDUCE_NANARGMAX},
    {"amin", KS_REDUCE_MIN},
    {"amax", KS_REDUCE_MAX},
    {"product", KS_REDUCE_PROD},
    {"alltrue", KS_REDUCE_ALL},
    {"sometrue", KS_REDUCE_ANY},
};
KS__ENUM_FUNCS(ks_reduce, ks_reduce, "reduction", reduce_names)

/* NumPy's name of the ufunc behind a reduction, for its messages (nanmin is fmin.reduce). */
static const char *ufunc_word(ks_reduce f)
{
    switch (f) {
    case KS_REDUCE_MIN: return "minimum";
    case KS_REDUCE_NANMIN: return "fmin";
    case KS_REDUCE_NANMAX: return "fmax";
    default: return "maximum";
    }
}

static bool is_float(ks_dtype t) { return ks__dtypes[t].kind == 'f' || ks__dtypes[t].kind == 'c'; }

/* The reduction's shape with keepdims (reduced axes of length 1). */
static void kept_shape(const ks_array *a, uint64_t rmask, ptrdiff_t *shape, ptrdiff_t *nred,
                       ptrdiff_t *nout)
{
    *nred = 1, *nout = 1;
    for (int d = 0; d < a->ndim; d++) {
        const bool red = (rmask >> d) & 1;
        shape[d] = red ? 1 : a->shape[d];
        if (red)
            *nred *= a->shape[d];
        else
            *nout *= a->shape[d];
    }
}

/* A new array of the keepdims shape, filled with op's start. */
static int new_acc(ks_ctx *ctx, const ks__red_kernel *k, const ks_array *a, uint64_t rmask,
                   ks_dtype t, ks_array *acc)
{
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred, nout;
    kept_shape(a, rmask, shape, &nred, &nout);
    const int rc = ks__array_new(ctx, t, a->ndim, shape, acc);
    if (rc == KS_OK && k) ks__red_init(k->op, k->nan_skip, t, acc->data, nout);
    return rc;
}

/* Run op over a into a new accumulator array (kernel for a's dtype cast to `in`), each
 * accumulator starting from the identity, or from `start` (initial=, a 0-d array) when given. */
static int reduce_from(ks_ctx *ctx, ks__kop op, bool nan_skip, ks_dtype in, const ks_array *a,
                       uint64_t rmask, const ks_array *where, const void *neutral,
                       const ks_array *aux, const ks_array *start, ks_array *acc)
{
    const ks__red_kernel *k = ks__red_kernel_get(op, in, nan_skip);
    if (!k) return ks__fail(ctx, KS_EINVAL, "no reduction kernel for dtype %s", ks_dtype_name(in));
    int rc = new_acc(ctx, k, a, rmask, k->acc, acc);
    if (rc == KS_OK && start) {
        char *args[2] = {start->data, acc->data};
        const ptrdiff_t steps[2] = {0, (ptrdiff_t)ks__dtypes[k->acc].size};
        ks__cast_loop(start->dtype, k->acc)(args, steps, ks_array_size(acc), NULL);
    }
    if (rc == KS_OK) rc = ks__red_run(ctx, k, a, rmask, where, neutral, acc, aux);
    if (rc != KS_OK) ks_array_release(acc);
    return rc;
}

static int reduce_into(ks_ctx *ctx, ks__kop op, bool nan_skip, ks_dtype in, const ks_array *a,
                       uint64_t rmask, const ks_array *where, const void *neutral,
                       const ks_array *aux, ks_array *acc)
{
    return reduce_from(ctx, op, nan_skip, in, a, rmask, where, neutral, aux, NULL, acc);
}

/* The count behind a mean: the reduced size, the mask's true values, or the non-NaN ones. */
static int counts(ks_ctx *ctx, const ks_array *a, uint64_t rmask, const ks_array *where,
                  bool nan_count, ks_array *cnt)
{
    ks__array_clear(cnt);
    if (nan_count) {
        const double nan = NAN;
        const float nanf = NAN;
        const double cnan[2] = {NAN, NAN};
        const float cnanf[2] = {NAN, NAN};
        const void *neutral = a->dtype == KS_FLOAT32      ? (const void *)&nanf
                              : a->dtype == KS_COMPLEX64  ? (const void *)cnanf
                              : a->dtype == KS_COMPLEX128 ? (const void *)cnan
                                                          : (const void *)&nan;
        return reduce_into(ctx, KS__K_NOTNAN, false, a->dtype, a, rmask, where, neutral, NULL, cnt);
    }
    if (!where) return KS_OK;
    ptrdiff_t str[KS_ARRAY_MAXDIMS];
    if (!ks__broadcast_strides(where, a->ndim, a->shape, str))
        return ks__fail(ctx, KS_EINVAL, "where: the mask does not broadcast to the operand");
    ks_array w = *where;
    w.ndim = a->ndim;
    memcpy(w.shape, a->shape, sizeof w.shape);
    memcpy(w.strides, str, sizeof w.strides);
    return reduce_into(ctx, KS__K_COUNT, false, KS_BOOL, &w, rmask, NULL, NULL, NULL, cnt);
}

static double count_at(const ks_array *cnt, ptrdiff_t i, ptrdiff_t nred)
{
    return cnt && cnt->data ? (double)((const int64_t *)cnt->data)[i] : (double)nred;
}

/* NumPy's true_divide of an array by an intp count, cast back unsafely (reduce_internal.h). */
void ks__red_divide(ks_array *acc, const ks_array *cnt, ptrdiff_t nred, double ddof, bool clip0)
{
    const ptrdiff_t n = ks_array_size(acc);
    for (ptrdiff_t i = 0; i < n; i++) {
        double c = count_at(cnt, i, nred) - ddof;
        if (clip0 && c < 0) c = 0;
        switch (acc->dtype) {
        case KS_FLOAT64: ((double *)acc->data)[i] /= c; break;
        case KS_FLOAT32:
            ((float *)acc->data)[i] = (float)((double)((float *)acc->data)[i] / c);
            break;
        case KS_COMPLEX128:
        case KS_COMPLEX64: {
            double re, im;
            if (acc->dtype == KS_COMPLEX128)
                re = ((double *)acc->data)[2 * i], im = ((double *)acc->data)[2 * i + 1];
            else
                re = ((float *)acc->data)[2 * i], im = ((float *)acc->data)[2 * i + 1];
            double qr, qi;
            if (c == 0) {
                qr = re / c, qi = im / c;
            } else {
                const double scl = 1.0 / c;
                qr = (re + im * 0.0) * scl, qi = (im - re * 0.0) * scl;
            }
            if (acc->dtype == KS_COMPLEX128)
                ((double *)acc->data)[2 * i] = qr, ((double *)acc->data)[2 * i + 1] = qi;
            else
                ((float *)acc->data)[2 * i] = (float)qr,
                                         ((float *)acc->data)[2 * i + 1] = (float)qi;
            break;
        }
        default: break;
        }
    }
}

/* Hand the keepdims-shaped result out: reduced axes dropped unless keepdims, written into
 * opt->out when given (cast unsafely, as NumPy's reductions do). res is consumed. */
static int deliver(ks_ctx *ctx, ks_array *res, uint64_t rmask, const ks_reduce_options *o,
                   ks_array *out)
{
    if (!o->keepdims) {
        int m = 0;
        for (int d = 0; d < res->ndim; d++)
            if (!((rmask >> d) & 1)) {
                res->shape[m] = res->shape[d];
                res->strides[m] = res->strides[d];
                m++;
            }
        res->ndim = m;
    }
    if (!o->out) {
        *out = *res;
        return KS_OK;
    }
    const ks_array *dst = o->out;
    bool same = dst->ndim == res->ndim;
    for (int d = 0; same && d < res->ndim; d++) same = dst->shape[d] == res->shape[d];
    int rc = KS_OK;
    if (!same) {
        char b1[256], b2[256];
        rc = ks__fail(ctx, KS_EINVAL, "out: shape %s, the result's is %s",
                      ks__shape_str(dst->ndim, dst->shape, b1, sizeof b1),
                      ks__shape_str(res->ndim, res->shape, b2, sizeof b2));
    }
    if (rc == KS_OK) rc = ks_array_assign(ctx, (ks_array *)dst, res, KS_CASTING_UNSAFE);
    ks_array_release(res);
    if (rc == KS_OK) ks_array_ref(dst, out);
    return rc;
}

/* acc cast to dtype t (in place when it is already t). */
static int retype(ks_ctx *ctx, ks_array *acc, ks_dtype t)
{
    if (acc->dtype == t) return KS_OK;
    ks_array r;
    const int rc = ks_array_astype(ctx, acc, t, KS_CASTING_UNSAFE, &r);
    ks_array_release(acc);
    if (rc != KS_OK) return rc;
    *acc = r;
    return KS_OK;
}

/* a as the copy NumPy makes of it before a pairwise sum of its own (np.array(a, copy=True) in
 * the nan functions, `a - mean` in var): the same logical array over fresh contiguous memory of
 * dtype t, laid out in the order of a's strides (NumPy's order 'K'), so its axes merge and the
 * sum runs over as long lines as NumPy's. A reference to a itself when it already is that. */
static int k_copy(ks_ctx *ctx, const ks_array *a, ks_dtype t, ks_array *out)
{
    int perm[KS_ARRAY_MAXDIMS];
    const int nd = a->ndim;
    for (int d = 0; d < nd; d++) perm[d] = d;
    for (int i = 1; i < nd; i++)
        for (int j = i; j > 0; j--) {
            const ptrdiff_t x = a->strides[perm[j - 1]], y = a->strides[perm[j]];
            if ((y < 0 ? -y : y) <= (x < 0 ? -x : x)) break;
            const int tmp = perm[j];
            perm[j] = perm[j - 1];
            perm[j - 1] = tmp;
        }
    bool dense = a->dtype == t;
    ptrdiff_t want = (ptrdiff_t)ks__dtypes[t].size;
    for (int i = nd - 1; i >= 0 && dense; i--) {
        const int d = perm[i];
        dense = a->shape[d] == 1 || a->strides[d] == want;
        want *= a->shape[d];
    }
    if (dense) {
        ks_array_ref(a, out);
        return KS_OK;
    }
    ks_array src = *a;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    for (int i = 0; i < nd; i++) {
        shape[i] = a->shape[perm[i]];
        src.shape[i] = a->shape[perm[i]];
        src.strides[i] = a->strides[perm[i]];
    }
    ks_array c;
    int rc = ks__array_new(ctx, t, nd, shape, &c);
    if (rc == KS_OK) rc = ks_array_assign(ctx, &c, &src, KS_CASTING_UNSAFE);
    if (rc != KS_OK) {
        ks_array_release(&c);
        return rc;
    }
    *out = c;
    for (int i = 0; i < nd; i++) {
        out->shape[perm[i]] = c.shape[i];
        out->strides[perm[i]] = c.strides[i];
    }
    return KS_OK;
}

/* ---- the families ---- */

static int do_sum(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t rmask,
                  const ks_reduce_options *o, ks_array *res)
{
    const bool prod = f == KS_REDUCE_PROD || f == KS_REDUCE_NANPROD;
    const bool nan = f == KS_REDUCE_NANSUM || f == KS_REDUCE_NANPROD;
    const ks_dtype rt = o->dtype >= 0 ? (ks_dtype)o->dtype : ks__sum_dtype(a->dtype);
    const ks_dtype kd = ks__sum_dtype(rt);
    static const int64_t zero[2], one_i = 1;
    static const double one_c[2] = {1.0, 0.0};
    static const float one_cf[2] = {1.0f, 0.0f};
    static const double one_d = 1.0;
    static const float one_f = 1.0f;
    static const uint64_t one_u = 1;
    const void *neutral = zero;
    if (prod)
        neutral = kd == KS_INT64       ? (const void *)&one_i
                  : kd == KS_UINT64    ? (const void *)&one_u
                  : kd == KS_FLOAT64   ? (const void *)&one_d
                  : kd == KS_FLOAT32   ? (const void *)&one_f
                  : kd == KS_COMPLEX64 ? (const void *)one_cf
                                       : (const void *)one_c;
    ks_array src;
    int rc =
        nan && is_float(a->dtype) ? k_copy(ctx, a, a->dtype, &src) : (ks_array_ref(a, &src), KS_OK);
    if (rc != KS_OK) return rc;
    rc = reduce_from(ctx, prod ? KS__K_PROD : KS__K_SUM, nan, kd, &src, rmask, o->where, neutral,
                     NULL, o->initial, res);
    ks_array_release(&src);
    if (rc == KS_OK) rc = retype(ctx, res, rt);
    return rc;
}

/* The mean (in dtype kd, a float type) as NumPy's _mean / nanmean: sum, then divide. */
static int mean_of(ks_ctx *ctx, const ks_array *a, uint64_t rmask, const ks_array *where, bool nan,
                   ks_dtype kd, ks_array *mean, ks_array *cnt)
{
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred, nout;
    kept_shape(a, rmask, shape, &nred, &nout);
    static const double zero[2];
    int rc = reduce_into(ctx, KS__K_SUM, nan, kd, a, rmask, where, zero, NULL, mean);
    if (rc != KS_OK) return rc;
    rc = counts(ctx, a, rmask, where, nan && is_float(a->dtype), cnt);
    if (rc != KS_OK) {
        ks_array_release(mean);
        return rc;
    }
    ks__red_divide(mean, cnt, nred, 0.0, false);
    return KS_OK;
}

static int do_mean(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t rmask,
                   const ks_reduce_options *o, ks_array *res)
{
    const ks_dtype def = is_float(a->dtype) ? a->dtype : KS_FLOAT64;
    const ks_dtype rt = o->dtype >= 0 ? (ks_dtype)o->dtype : def;
    /* an integer dtype= sums in it and divides in float64, as NumPy */
    const ks_dtype kd = is_float(rt) ? rt : ks__sum_dtype(rt);
    ks_array cnt;
    int rc;
    if (is_float(kd)) {
        const bool nan = f == KS_REDUCE_NANMEAN && is_float(a->dtype);
        ks_array src;
        rc = nan ? k_copy(ctx, a, a->dtype, &src) : (ks_array_ref(a, &src), KS_OK);
        if (rc == KS_OK) rc = mean_of(ctx, &src, rmask, o->where, nan, kd, res, &cnt);
        ks_array_release(&src);
    } else {
        static const int64_t zero = 0;
        rc = reduce_into(ctx, KS__K_SUM, false, kd, a, rmask, o->where, &zero, NULL, res);
        if (rc == KS_OK) rc = retype(ctx, res, rt); /* the sum wraps in rt, as NumPy's */
        if (rc == KS_OK) rc = retype(ctx, res, KS_FLOAT64);
        if (rc == KS_OK) rc = counts(ctx, a, rmask, o->where, false, &cnt);
        if (rc == KS_OK) {
            ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred, nout;
            kept_shape(a, rmask, shape, &nred, &nout);
            ks__red_divide(res, &cnt, nred, 0.0, false);
        }
    }
    if (rc != KS_OK) return rc;
    ks_array_release(&cnt);
    return retype(ctx, res, rt);
}

static int do_var(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t rmask,
                  const ks_reduce_options *o, ks_array *res)
{
    const bool nan = f == KS_REDUCE_NANVAR || f == KS_REDUCE_NANSTD;
    const bool sd = f == KS_REDUCE_STD || f == KS_REDUCE_NANSTD;
    ks_dtype kd = is_float(a->dtype) ? a->dtype : KS_FLOAT64;
    if (o->dtype >= 0) {
        if (!is_float((ks_dtype)o->dtype))
            return ks__fail(ctx, KS_EINVAL, "dtype: %s is not a float type for %s",
                            ks_dtype_name((ks_dtype)o->dtype), ks_reduce_name(f));
        kd = (ks_dtype)o->dtype;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred, nout;
    kept_shape(a, rmask, shape, &nred, &nout);
    /* the deviations are summed over NumPy's K-order copy; the nan functions sum that copy for
     * the mean too */
    ks_array mean, cnt, xk;
    const bool fl = is_float(a->dtype);
    int rc = k_copy(ctx, a, nan && fl ? a->dtype : kd, &xk);
    if (rc != KS_OK) return rc;
    rc = mean_of(ctx, nan && fl ? &xk : a, rmask, o->where, nan, kd, &mean, &cnt);
    if (rc != KS_OK) {
        ks_array_release(&xk);
        return rc;
    }
    /* where the mask is false, a deviation of the mean from itself: 0 */
    rc = reduce_into(ctx, KS__K_SQDEV, nan, kd, &xk, rmask, o->where, NULL, &mean, res);
    ks_array_release(&xk);
    if (rc == KS_OK) {
        ks__red_divide(res, &cnt, nred, o->ddof, true);
        if (sd) {
            const ptrdiff_t n = ks_array_size(res);
            if (res->dtype == KS_FLOAT32)
                for (ptrdiff_t i = 0; i < n; i++)
                    ((float *)res->data)[i] = sqrtf(((float *)res->data)[i]);
            else
                for (ptrdiff_t i = 0; i < n; i++)
                    ((double *)res->data)[i] = sqrt(((double *)res->data)[i]);
        }
    }
    ks_array_release(&mean);
    ks_array_release(&cnt);
    return rc;
}

/* min / max; with a start value (initial=) a masked-out element counts as that value, which
 * leaves the result as it is */
static int do_minmax(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t rmask,
                     const ks_reduce_options *o, ks_array *res)
{
    const bool mn = f == KS_REDUCE_MIN || f == KS_REDUCE_NANMIN;
    const bool nan = f == KS_REDUCE_NANMIN || f == KS_REDUCE_NANMAX;
    const ks_array *start = o ? o->initial : NULL;
    char neutral[16];
    if (start && o->where) {
        char *args[2] = {start->data, neutral};
        const ptrdiff_t steps[2] = {0, 0};
        ks__cast_loop(start->dtype, a->dtype)(args, steps, 1, NULL);
    }
    return reduce_from(ctx, mn ? KS__K_MIN : KS__K_MAX, nan, a->dtype, a, rmask,
                       start ? o->where : NULL, start && o->where ? neutral : NULL, NULL, start,
                       res);
}

/* max - min in the array's dtype (integers wrap, as NumPy's subtract). */
static int do_ptp(ks_ctx *ctx, const ks_array *a, uint64_t rmask, ks_array *res)
{
    if (a->dtype == KS_BOOL)
        return ks__fail(ctx, KS_EINVAL,
                        "numpy boolean subtract, the `-` operator, is not "
                        "supported, use the bitwise_xor, the `^` operator, or "
                        "the logical_xor function instead.");
    ks_array lo;
    int rc = do_minmax(ctx, KS_REDUCE_MIN, a, rmask, NULL, &lo);
    if (rc != KS_OK) return rc;
    rc = do_minmax(ctx, KS_REDUCE_MAX, a, rmask, NULL, res);
    if (rc != KS_OK) {
        ks_array_release(&lo);
        return rc;
    }
    const ptrdiff_t n = ks_array_size(res);
    char *h = res->data;
    const char *l = lo.data;
    switch (a->dtype) {
#define SUBU(T)                                                                                    \
    for (ptrdiff_t i = 0; i < n; i++)                                                              \
        ((T *)h)[i] = (T)((uint64_t)((T *)h)[i] - (uint64_t)((const T *)l)[i]);                    \
    break
    case KS_INT8: SUBU(int8_t);
    case KS_INT16: SUBU(int16_t);
    case KS_INT32: SUBU(int32_t);
    case KS_INT64: SUBU(int64_t);
    case KS_UINT8: SUBU(uint8_t);
    case KS_UINT16: SUBU(uint16_t);
    case KS_UINT32: SUBU(uint32_t);
    case KS_UINT64: SUBU(uint64_t);
#undef SUBU
#define SUBF(T, m)                                                                                 \
    for (ptrdiff_t i = 0; i < n * (m); i++) ((T *)h)[i] -= ((const T *)l)[i];                      \
    break
    case KS_FLOAT32: SUBF(float, 1);
    case KS_FLOAT64: SUBF(double, 1);
    case KS_COMPLEX64: SUBF(float, 2);
    default: SUBF(double, 2);
#undef SUBF
    }
    ks_array_release(&lo);
    return KS_OK;
}

static int do_bool(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t rmask,
                   const ks_reduce_options *o, ks_array *res)
{
    /* masked-out elements count as all's identity (true) or any's (false) */
    static const uint8_t t = 1, z = 0;
    ks_array cnt;
    int rc = reduce_into(ctx, KS__K_COUNT, false, KS_BOOL, a, rmask, o->where,
                         f == KS_REDUCE_ALL ? &t : &z, NULL, &cnt);
    if (rc != KS_OK) return rc;
    if (f == KS_REDUCE_COUNT_NONZERO) {
        *res = cnt;
        return KS_OK;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred, nout;
    kept_shape(a, rmask, shape, &nred, &nout);
    rc = ks__array_new(ctx, KS_BOOL, a->ndim, shape, res);
    if (rc == KS_OK)
        for (ptrdiff_t i = 0; i < nout; i++) {
            const int64_t c = ((const int64_t *)cnt.data)[i];
            ((uint8_t *)res->data)[i] = f == KS_REDUCE_ALL ? c == nred : c > 0;
        }
    ks_array_release(&cnt);
    return rc;
}

int ks_array_reduce(ks_ctx *ctx, ks_reduce f, const ks_array *a, const ks_reduce_options *opt,
                    ks_array *out)
{
    ks__array_clear(out);
    const ks_reduce_options o = opt ? *opt : (ks_reduce_options)KS_REDUCE_OPTIONS_INIT;
    if (!a || !a->data) return ks__fail(ctx, KS_EINVAL, "%s: no array", "reduce");
    if ((unsigned)f >= KS_NREDUCE)
        return ks__fail(ctx, KS_EINVAL, "reduction %d: no such reduction", (int)f);
    const char *name = ks_reduce_name(f);
    const int nd = a->ndim;
    uint64_t rmask;
    int rc = ks__axes_mask(ctx, o.axes, nd, &rmask);
    if (rc != KS_OK) return rc;
    if (o.dtype >= KS_NDTYPES) return ks__fail(ctx, KS_EINVAL, "dtype: %d is no dtype", o.dtype);
    if (o.where && o.where->dtype != KS_BOOL)
        return ks__fail(ctx, KS_EINVAL, "where: a bool mask is needed, not %s",
                        ks_dtype_name(o.where->dtype));
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], nred, nout;
    kept_shape(a, rmask, shape, &nred, &nout);
    const bool no_identity = f == KS_REDUCE_MIN || f == KS_REDUCE_MAX || f == KS_REDUCE_NANMIN ||
                             f == KS_REDUCE_NANMAX || f == KS_REDUCE_PTP;
    const bool arg = f == KS_REDUCE_ARGMIN || f == KS_REDUCE_ARGMAX || f == KS_REDUCE_NANARGMIN ||
                     f == KS_REDUCE_NANARGMAX;
    const bool takes_initial = f == KS_REDUCE_SUM || f == KS_REDUCE_PROD || f == KS_REDUCE_NANSUM ||
                               f == KS_REDUCE_NANPROD || f == KS_REDUCE_MIN || f == KS_REDUCE_MAX ||
                               f == KS_REDUCE_NANMIN || f == KS_REDUCE_NANMAX;
    if (o.initial && !takes_initial) return ks__fail(ctx, KS_EINVAL, "%s takes no initial", name);
    if (o.initial && (o.initial->ndim != 0 || !o.initial->data))
        return ks__fail(ctx, KS_EINVAL, "initial: one value is needed, not an array of shape %s",
                        ks__shape_str(o.initial->ndim, o.initial->shape, (char[256]){0}, 256));
    if (o.initial) { /* a Python int start must fit the result's dtype (NumPy's OverflowError) */
        const bool sumlike = f == KS_REDUCE_SUM || f == KS_REDUCE_PROD || f == KS_REDUCE_NANSUM ||
                             f == KS_REDUCE_NANPROD;
        const ks_dtype rt = !sumlike       ? a->dtype
                            : o.dtype >= 0 ? (ks_dtype)o.dtype
                                           : ks__sum_dtype(a->dtype);
        const char kr = ks__dtypes[rt].kind;
        int above;
        if ((kr == 'i' || kr == 'u') && ks__weak_int_fits(ctx, o.initial, rt, &above) != KS_OK)
            return ks_errcode(ctx);
    }
    if ((no_identity || arg) && o.where && !o.initial)
        return ks__fail(ctx, KS_EINVAL,
                        "%s: reduction operation '%s' does not have an identity, so to use a "
                        "where mask one has to specify 'initial'",
                        name, arg ? name : ufunc_word(f));
    if (f == KS_REDUCE_COUNT_NONZERO && o.where)
        return ks__fail(ctx, KS_EINVAL, "count_nonzero takes no where mask");
    if (no_identity && nred == 0 && nout > 0 && !o.initial)
        return ks__fail(ctx, KS_EINVAL,
                        "zero-size array to reduction operation %s which has no identity",
                        ufunc_word(f));
    if ((no_identity || arg || f == KS_REDUCE_ALL || f == KS_REDUCE_ANY ||
         f == KS_REDUCE_COUNT_NONZERO) &&
        o.dtype >= 0)
        return ks__fail(ctx, KS_EINVAL, "%s takes no dtype", name);
    ks_array res;
    ks__array_clear(&res);
    switch (f) {
    case KS_REDUCE_SUM:
    case KS_REDUCE_PROD:
    case KS_REDUCE_NANSUM:
    case KS_REDUCE_NANPROD: rc = do_sum(ctx, f, a, rmask, &o, &res); break;
    case KS_REDUCE_MEAN:
    case KS_REDUCE_NANMEAN: rc = do_mean(ctx, f, a, rmask, &o, &res); break;
    case KS_REDUCE_VAR:
    case KS_REDUCE_STD:
    case KS_REDUCE_NANVAR:
    case KS_REDUCE_NANSTD: rc = do_var(ctx, f, a, rmask, &o, &res); break;
    case KS_REDUCE_MIN:
    case KS_REDUCE_MAX:
    case KS_REDUCE_NANMIN:
    case KS_REDUCE_NANMAX: rc = do_minmax(ctx, f, a, rmask, &o, &res); break;
    case KS_REDUCE_PTP: rc = do_ptp(ctx, a, rmask, &res); break;
    case KS_REDUCE_ALL:
    case KS_REDUCE_ANY:
    case KS_REDUCE_COUNT_NONZERO: rc = do_bool(ctx, f, a, rmask, &o, &res); break;
    default: rc = ks__arg_reduce(ctx, f, a, o.axes, &res); break;
    }
    if (rc != KS_OK) return rc;
    return deliver(ctx, &res, rmask, &o, out);
}
