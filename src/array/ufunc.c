/* ufunc.c — calling an element-wise function: NEP 50 promotion, NumPy's loop selection (the
 * first typed loop the promoted inputs cast to safely), out= and where=, and the functions built
 * from ufuncs (clip, where, round).
 *
 * Small inputs of another dtype (a Python scalar, a short row) are converted once up front, so
 * the engine runs unbuffered on `x * 2.0` with float32 x; large ones are cast chunk by chunk in
 * the engine. An input that overlaps the output without being it is copied first, as NumPy. */
#include <string.h>

#include "array/array_internal.h"

static const ks__enum_entry ufunc_aliases[] = {
    {"true_divide", KS_UFUNC_DIVIDE},
    {"mod", KS_UFUNC_REMAINDER},
    {"abs", KS_UFUNC_ABSOLUTE},
    {"bitwise_not", KS_UFUNC_INVERT},
    {"conj", KS_UFUNC_CONJUGATE},
    {"pow", KS_UFUNC_POWER},
    {"acos", KS_UFUNC_ARCCOS},
    {"asin", KS_UFUNC_ARCSIN},
    {"atan", KS_UFUNC_ARCTAN},
    {"atan2", KS_UFUNC_ARCTAN2},
    {"acosh", KS_UFUNC_ARCCOSH},
    {"asinh", KS_UFUNC_ARCSINH},
    {"atanh", KS_UFUNC_ARCTANH},
    {"bitwise_invert", KS_UFUNC_INVERT},
    {"bitwise_left_shift", KS_UFUNC_LEFT_SHIFT},
    {"bitwise_right_shift", KS_UFUNC_RIGHT_SHIFT},
};

const char *ks_ufunc_name(ks_ufunc value)
{
    return (unsigned)value < KS_NUFUNCS ? ks__ufunc_defs[value].name : NULL;
}

int ks_ufunc_value(ks_ctx *ctx, const char *name, ks_ufunc *out)
{
    for (int f = 0; f < KS_NUFUNCS; f++)
        if (name && ks__ufunc_defs[f].name && !strcmp(name, ks__ufunc_defs[f].name)) {
            *out = (ks_ufunc)f;
            return KS_OK;
        }
    for (size_t i = 0; name && i < sizeof ufunc_aliases / sizeof *ufunc_aliases; i++)
        if (!strcmp(name, ufunc_aliases[i].name)) {
            *out = (ks_ufunc)ufunc_aliases[i].value;
            return KS_OK;
        }
    return ks__fail(ctx, KS_EINVAL, "ufunc: no element-wise function named '%s'",
                    name ? name : "(null)");
}

int ks_ufunc_nin(ks_ufunc f) { return (unsigned)f < KS_NUFUNCS ? ks__ufunc_defs[f].nin : 0; }

/* The loop for promoted dtype t (or exactly `forced` when dtype= is given). */
static const ks__ufunc_loop *find_loop(const ks__ufunc_def *def, ks_dtype t, int forced)
{
    for (int i = 0; i < def->nloops; i++) {
        const ks__ufunc_loop *l = &def->loops[i];
        if (forced >= 0 ? l->in == (ks_dtype)forced || l->out == (ks_dtype)forced
                        : ks_dtype_can_cast(t, l->in, KS_CASTING_SAFE))
            return l;
    }
    return NULL;
}

static int no_loop(ks_ctx *ctx, const ks__ufunc_def *def, const ks_array *const *in)
{
    if (def->nin == 1)
        return ks__fail(
            ctx, KS_ETYPE,
            "ufunc '%s' not supported for the input types, and the inputs "
            "could not be safely coerced to any supported types according to the casting "
            "rule ''safe'' (input %s)",
            def->name, ks__dtypes[in[0]->dtype].name);
    return ks__fail(ctx, KS_ETYPE,
                    "ufunc '%s' not supported for the input types, and the inputs could "
                    "not be safely coerced to any supported types according to the casting rule "
                    "''safe'' (inputs %s, %s)",
                    def->name, ks__dtypes[in[0]->dtype].name, ks__dtypes[in[1]->dtype].name);
}

/* NumPy's refusals for bool operands, which its type resolvers make before any loop runs. */
static int bool_refusal(ks_ctx *ctx, ks_ufunc f, ks_dtype t)
{
    if (t != KS_BOOL) return KS_OK;
    switch (f) {
    case KS_UFUNC_NEGATIVE:
        return ks__fail(ctx, KS_ETYPE,
                        "The numpy boolean negative, the `-` operator, is not "
                        "supported, use the `~` operator or the logical_not function instead.");
    case KS_UFUNC_SUBTRACT:
        return ks__fail(
            ctx, KS_ETYPE,
            "numpy boolean subtract, the `-` operator, is not supported, "
            "use the bitwise_xor, the `^` operator, or the logical_xor function instead.");
    case KS_UFUNC_POSITIVE:
    case KS_UFUNC_SIGN:
        return ks__fail(ctx, KS_ETYPE,
                        "ufunc '%s' did not contain a loop with signature matching "
                        "types <class 'numpy.dtypes.BoolDType'> -> None",
                        ks__ufunc_defs[f].name);
    default: return KS_OK;
    }
}

static bool is_comparison(ks_ufunc f) { return f >= KS_UFUNC_EQUAL && f <= KS_UFUNC_GREATER_EQUAL; }

/* A comparison of a signed integer with a uint64, exact (NumPy 2's qQ->? and Qq->? loops; the
 * common dtype would be float64, which cannot tell 2**63 from 2**63 + 1). aux: the ufunc, with
 * 64 added when the unsigned operand is first. */
static void compare_int_uint(char **args, const ptrdiff_t *steps, ptrdiff_t n, const void *aux)
{
    const int code = *(const int *)aux, f = code & 63;
    const bool uf = code & 64;
    const char *x = args[0], *y = args[1];
    char *o = args[2];
    for (ptrdiff_t i = 0; i < n; i++, x += steps[0], y += steps[1], o += steps[2]) {
        int64_t s;
        uint64_t u;
        memcpy(&s, uf ? y : x, 8);
        memcpy(&u, uf ? x : y, 8);
        int c = s < 0 || (uint64_t)s < u ? -1 : (uint64_t)s > u; /* sign of (s - u) */
        if (uf) c = -c;                                          /* sign of (x - y) */
        bool r;
        switch (f) {
        case KS_UFUNC_EQUAL: r = c == 0; break;
        case KS_UFUNC_NOT_EQUAL: r = c != 0; break;
        case KS_UFUNC_LESS: r = c < 0; break;
        case KS_UFUNC_LESS_EQUAL: r = c <= 0; break;
        case KS_UFUNC_GREATER: r = c > 0; break;
        default: r = c >= 0;
        }
        *o = (char)r;
    }
}

/* A weak Python int that the loop's integer dtype cannot hold: NumPy's OverflowError, except in
 * a comparison, where NumPy 2 answers from the value (uint8 < 300 is True everywhere). *konst
 * gets that answer (0 or 1) for a comparison; -1 when every weak int fits. */
static int weak_ints(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in, int nin, ks_dtype loop_in,
                     int *konst)
{
    *konst = -1;
    for (int k = 0; k < nin; k++) {
        int above;
        if (ks__weak_int_fits(NULL, in[k], loop_in, &above) == KS_OK) continue;
        const char ko =
            ks__dtypes[in[1 - k]->dtype].kind; /* NumPy's value rule is for integer arrays */
        if (!is_comparison(f) || nin != 2 || (ko != 'i' && ko != 'u'))
            return ks__weak_int_fits(ctx, in[k], loop_in, &above);
        ks_ufunc g = f; /* as (array op weak) */
        if (k == 0)
            g = f == KS_UFUNC_LESS            ? KS_UFUNC_GREATER
                : f == KS_UFUNC_LESS_EQUAL    ? KS_UFUNC_GREATER_EQUAL
                : f == KS_UFUNC_GREATER       ? KS_UFUNC_LESS
                : f == KS_UFUNC_GREATER_EQUAL ? KS_UFUNC_LESS_EQUAL
                                              : f;
        const bool lt = g == KS_UFUNC_LESS || g == KS_UFUNC_LESS_EQUAL;
        const bool gt = g == KS_UFUNC_GREATER || g == KS_UFUNC_GREATER_EQUAL;
        *konst = g == KS_UFUNC_NOT_EQUAL ? 1 : g == KS_UFUNC_EQUAL ? 0 : above ? lt : gt;
        return KS_OK;
    }
    return KS_OK;
}

static int compare_mixed(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in,
                         const ks_ufunc_options *opt, ks_array *out);

int ks__ufunc_resolve(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in, int dtype,
                      ks_casting casting, const ks__ufunc_loop **loop, int *special)
{
    *loop = NULL;
    *special = KS__UFUNC_PLAIN;
    if ((unsigned)f >= KS_NUFUNCS || !ks__ufunc_defs[f].loops)
        return ks__fail(ctx, KS_EINVAL, "ufunc: %d is not an element-wise function", (int)f);
    const ks__ufunc_def *def = &ks__ufunc_defs[f];
    const int nin = def->nin;
    ks_dtype t;
    int rc = ks_array_result_type(ctx, nin, in, &t);
    if (rc) return rc;
    if ((rc = bool_refusal(ctx, f, t))) return rc;
    if (is_comparison(f) && nin == 2 && dtype < 0 && !(in[0]->flags & KS_ARRAY_WEAK) &&
        !(in[1]->flags & KS_ARRAY_WEAK)) {
        const char k0 = ks__dtypes[in[0]->dtype].kind, k1 = ks__dtypes[in[1]->dtype].kind;
        if ((k0 == 'i' && in[1]->dtype == KS_UINT64) || (k1 == 'i' && in[0]->dtype == KS_UINT64)) {
            *special = KS__UFUNC_MIXED_COMPARE;
            return KS_OK;
        }
    }
    /* true division of integers is in float64 (NumPy's resolver), not the smallest float */
    if (f == KS_UFUNC_DIVIDE && dtype < 0 && ks__dtypes[t].kind != 'f' && ks__dtypes[t].kind != 'c')
        t = KS_FLOAT64;
    const ks__ufunc_loop *l = find_loop(def, t, dtype);
    if (!l) return no_loop(ctx, def, in);
    for (int k = 0; k < nin; k++)
        if (!(in[k]->flags & KS_ARRAY_WEAK) && !ks_dtype_can_cast(in[k]->dtype, l->in, casting))
            return ks__fail(ctx, KS_ETYPE,
                            "Cannot cast ufunc '%s' input from dtype('%s') to dtype('%s') "
                            "with casting rule '%s'",
                            def->name, ks__dtypes[in[k]->dtype].name, ks__dtypes[l->in].name,
                            ks_casting_name(casting));
    *loop = l;
    bool values = true;
    for (int k = 0; k < nin; k++) values = values && in[k]->data;
    int konst = -1;
    if (values && (rc = weak_ints(ctx, f, in, nin, l->in, &konst))) return rc;
    if (konst >= 0) *special = konst ? KS__UFUNC_ALWAYS_TRUE : KS__UFUNC_ALWAYS_FALSE;
    return KS_OK;
}

int ks_ufunc_call(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in, const ks_ufunc_options *opt,
                  ks_array *out)
{
    static const ks_ufunc_options defaults = KS_UFUNC_OPTIONS_INIT;
    if (!opt) opt = &defaults;
    const ks_array *given = opt->out;
    ks_array result;
    ks__array_clear(&result);
    if (given != out) ks__array_clear(out);
    const ks__ufunc_loop *loop;
    int special;
    int rc = ks__ufunc_resolve(ctx, f, in, opt->dtype, opt->casting, &loop, &special);
    if (rc) return rc;
    if (special == KS__UFUNC_MIXED_COMPARE) return compare_mixed(ctx, f, in, opt, out);
    if (special != KS__UFUNC_PLAIN) {
        /* a comparison answered by the value: x == x (true) or x != x (false) on the other operand,
           integers, so no NaN; out= and where= kept */
        const ks_array *x = (in[0]->flags & KS_ARRAY_WEAK) ? in[1] : in[0];
        const ks_array *xx[2] = {x, x};
        return ks_ufunc_call(ctx,
                             special == KS__UFUNC_ALWAYS_TRUE ? KS_UFUNC_EQUAL : KS_UFUNC_NOT_EQUAL,
                             xx, opt, out);
    }
    const ks__ufunc_def *def = &ks__ufunc_defs[f];
    const int nin = def->nin;

    /* the shape: the inputs' broadcast, and out's when given (inputs may broadcast to it) */
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    const ks_array *all[3] = {in[0], nin > 1 ? in[1] : NULL, given};
    const int nall = nin + (given ? 1 : 0);
    if (given && nin == 1) all[1] = given;
    if ((rc = ks_array_broadcast_shape(ctx, nall, all, &ndim, shape))) return rc;
    if (given) {
        if (ndim != given->ndim || memcmp(shape, given->shape, (size_t)ndim * sizeof *shape)) {
            char s1[256], s2[256];
            return ks__fail(ctx, KS_EINVAL,
                            "non-broadcastable output operand with shape %s doesn't "
                            "match the broadcast shape %s",
                            ks__shape_str(given->ndim, given->shape, s1, sizeof s1),
                            ks__shape_str(ndim, shape, s2, sizeof s2));
        }
        if (!(given->flags & KS_ARRAY_WRITEABLE))
            return ks__fail(ctx, KS_EINVAL, "output array is read-only");
        if (!ks_dtype_can_cast(loop->out, given->dtype, opt->casting))
            return ks__fail(ctx, KS_ETYPE,
                            "Cannot cast ufunc '%s' output from dtype('%s') to "
                            "dtype('%s') with casting rule '%s'",
                            def->name, ks__dtypes[loop->out].name, ks__dtypes[given->dtype].name,
                            ks_casting_name(opt->casting));
    }
    const ks_array *where = opt->where;
    if (where) {
        ptrdiff_t ws[KS_ARRAY_MAXDIMS];
        if (!ks__broadcast_strides(where, ndim, shape, ws)) {
            char s1[256], s2[256];
            return ks__fail(ctx, KS_EINVAL, "where: a mask of shape %s does not broadcast to %s",
                            ks__shape_str(where->ndim, where->shape, s1, sizeof s1),
                            ks__shape_str(ndim, shape, s2, sizeof s2));
        }
    }

    int fault = KS__LOOP_FAULT_NONE; /* what a loop reports (ks__loop_fault) */
    /* a temporary the caller gives up holds the result (its dtype, shape, sole owner) */
    for (int k = 0; k < nin && !given; k++) {
        const ks_array *c = in[k];
        if (!(opt->reuse >> k & 1) || c->dtype != loop->out || c->ndim != ndim ||
            memcmp(c->shape, shape, (size_t)ndim * sizeof *shape) ||
            !(c->flags & KS_ARRAY_WRITEABLE) || !c->base || !c->base->owned ||
            atomic_load(&c->base->refs) != 1 || !ks_array_is_c_contiguous(c))
            continue;
        given = c;
    }
    /* inputs: small ones of another dtype converted now; overlap with out copied */
    ks_array conv[2];
    const ks_array *ops[2];
    for (int k = 0; k < nin; k++) {
        ks__array_clear(&conv[k]);
        ops[k] = in[k];
    }
    for (int k = 0; k < nin && !rc; k++) {
        const bool small = in[k]->dtype != loop->in && ks_array_size(in[k]) <= KS__CHUNK;
        const bool overlap =
            given && ks_array_may_share_memory(in[k], given) &&
            !(in[k]->data == given->data && in[k]->ndim == given->ndim &&
              !memcmp(in[k]->strides, given->strides, (size_t)given->ndim * sizeof(ptrdiff_t)));
        if (small || overlap) {
            rc = ks__array_copy_order(ctx, in[k], small ? loop->in : in[k]->dtype, KS_ORDER_C,
                                      &conv[k]);
            ops[k] = &conv[k];
        }
    }
    if (!rc && !given) {
        /* F-ordered inputs give an F-ordered result, as NumPy's order='K' */
        bool f_order = ndim > 1;
        for (int k = 0; k < nin && f_order; k++)
            if (ops[k]->ndim == ndim && ks_array_size(ops[k]) > 1)
                f_order = ks_array_is_f_contiguous(ops[k]) && !ks_array_is_c_contiguous(ops[k]);
        rc = where ? ks__array_zeroed(ctx, loop->out, ndim, shape,
                                      f_order ? KS_ORDER_F : KS_ORDER_C, &result)
                   : ks_array_empty(ctx, loop->out, ndim, shape, f_order ? KS_ORDER_F : KS_ORDER_C,
                                    &result);
    }
    if (!rc) {
        const ks_array *o = given ? given : &result;
        ks__iter_spec spec = {.nin = nin,
                              .nout = 1,
                              .fn = loop->fn,
                              .aux = &fault,
                              .where = where,
                              .where_runs_only = f == KS_UFUNC_POWER && where &&
                                                 ks__dtypes[loop->in].kind != 'f' &&
                                                 ks__dtypes[loop->in].kind != 'c',
                              .ns_per_elem = def->ns_per_elem};
        for (int k = 0; k < nin; k++) {
            spec.op[k] = ops[k];
            spec.dtypes[k] = loop->in;
        }
        spec.op[nin] = o;
        spec.dtypes[nin] = loop->out;
        rc = ks__iter_run(ctx, &spec, ndim, shape);
        if (!rc && fault == KS__LOOP_FAULT_NEG_INT_POWER)
            rc = ks__fail(ctx, KS_EINVAL, "Integers to negative integer powers are not allowed.");
    }
    for (int k = 0; k < nin; k++) ks_array_release(&conv[k]);
    if (rc) {
        ks_array_release(&result);
        return rc;
    }
    if (given) {
        if (given != out) ks_array_ref(given, out);
    } else {
        *out = result;
    }
    return KS_OK;
}

/* The exact signed / uint64 comparison through the engine: operands cast to int64 and uint64. */
static int compare_mixed(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in,
                         const ks_ufunc_options *opt, ks_array *out)
{
    const ks_array *given = opt->out, *all[3] = {in[0], in[1], given};
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    int rc = ks_array_broadcast_shape(ctx, given ? 3 : 2, all, &ndim, shape);
    if (rc) return rc;
    if (given && (ndim != given->ndim || memcmp(shape, given->shape, (size_t)ndim * sizeof *shape)))
        return ks__fail(ctx, KS_EINVAL, "non-broadcastable output operand");
    ks_array result;
    ks__array_clear(&result);
    if (given) {
        if (!(given->flags & KS_ARRAY_WRITEABLE))
            return ks__fail(ctx, KS_EINVAL, "output array is read-only");
    } else if ((rc = (opt->where ? ks__array_zeroed : ks_array_empty)(ctx, KS_BOOL, ndim, shape,
                                                                      KS_ORDER_C, &result))) {
        return rc;
    }
    const int code = (int)f | (in[0]->dtype == KS_UINT64 ? 64 : 0);
    const ks_array *o = given ? given : &result;
    ks__iter_spec spec = {.nin = 2,
                          .nout = 1,
                          .op = {in[0], in[1], o},
                          .fn = compare_int_uint,
                          .aux = &code,
                          .where = opt->where,
                          .ns_per_elem = 1.0};
    spec.dtypes[0] = in[0]->dtype == KS_UINT64 ? KS_UINT64 : KS_INT64;
    spec.dtypes[1] = in[1]->dtype == KS_UINT64 ? KS_UINT64 : KS_INT64;
    spec.dtypes[2] = KS_BOOL;
    if ((rc = ks__iter_run(ctx, &spec, ndim, shape))) {
        ks_array_release(&result);
        return rc;
    }
    if (given) {
        if (given != out) ks_array_ref(given, out);
    } else {
        *out = result;
    }
    return KS_OK;
}

/* ---- built from ufuncs ---- */

int ks_array_clip(ks_ctx *ctx, const ks_array *a, const ks_array *lo, const ks_array *hi,
                  const ks_ufunc_options *opt, ks_array *out)
{
    ks__array_clear(out);
    /* a Python int bound beyond the integer dtype on its harmless side does nothing (NumPy 2:
       clip(uint8, -1, 3)); on the other side it is NumPy's OverflowError */
    const char ka = ks__dtypes[a->dtype].kind;
    int above = 0, rc = KS_OK;
    if (lo && (ka == 'i' || ka == 'u') && ks__weak_int_fits(NULL, lo, a->dtype, &above) != KS_OK) {
        if (above) return ks__weak_int_fits(ctx, lo, a->dtype, &above);
        lo = NULL;
    }
    if (hi && (ka == 'i' || ka == 'u') && ks__weak_int_fits(NULL, hi, a->dtype, &above) != KS_OK) {
        if (!above) return ks__weak_int_fits(ctx, hi, a->dtype, &above);
        hi = NULL;
    }
    ks_ufunc_options o = opt ? *opt : (ks_ufunc_options)KS_UFUNC_OPTIONS_INIT;
    if (!lo && !hi) { /* no bound (NumPy 2.1 on): a's values, in out when given */
        if (o.where) return ks__fail(ctx, KS_EINVAL, "clip: where= needs a bound");
        if (!o.out) return ks_array_copy(ctx, a, KS_ORDER_C, out);
        rc = ks_array_assign(ctx, (ks_array *)o.out, a, o.casting);
        if (rc == KS_OK) ks_array_ref(o.out, out);
        return rc;
    }
    ks_array tmp;
    ks__array_clear(&tmp);
    const ks_array *x = a;
    if (lo) {
        ks_ufunc_options o1 = o;
        if (hi) o1.out = NULL;
        const ks_array *args[2] = {a, lo};
        rc = ks_ufunc_call(ctx, KS_UFUNC_MAXIMUM, args, &o1, hi ? &tmp : out);
        x = &tmp;
    }
    if (!rc && hi) {
        const ks_array *args[2] = {x, hi};
        rc = ks_ufunc_call(ctx, KS_UFUNC_MINIMUM, args, &o, out);
    }
    ks_array_release(&tmp);
    return rc;
}

void ks__where_loop(char **args, const ptrdiff_t *steps, ptrdiff_t n, const void *aux)
{
    const size_t sz = *(const size_t *)aux;
    char *c = args[0], *x = args[1], *y = args[2], *o = args[3];
    for (ptrdiff_t i = 0; i < n; i++, c += steps[0], x += steps[1], y += steps[2], o += steps[3])
        memcpy(o, *c ? x : y, sz);
}

int ks_array_where(ks_ctx *ctx, const ks_array *cond, const ks_array *x, const ks_array *y,
                   ks_array *out)
{
    ks__array_clear(out);
    const ks_array *xy[2] = {x, y}, *all[3] = {cond, x, y};
    ks_dtype t;
    int ndim, rc = ks_array_result_type(ctx, 2, xy, &t);
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (rc || (rc = ks_array_broadcast_shape(ctx, 3, all, &ndim, shape))) return rc;
    if ((rc = ks_array_empty(ctx, t, ndim, shape, KS_ORDER_C, out))) return rc;
    const size_t sz = ks__dtypes[t].size;
    ks__iter_spec spec = {.nin = 3,
                          .nout = 1,
                          .op = {cond, x, y, out},
                          .dtypes = {KS_BOOL, t, t, t},
                          .fn = ks__where_loop,
                          .aux = &sz,
                          .ns_per_elem = 1.0};
    rc = ks__iter_run(ctx, &spec, ndim, shape);
    if (rc) ks_array_release(out);
    return rc;
}

int ks_array_round(ks_ctx *ctx, const ks_array *a, int decimals, ks_array *out)
{
    ks__array_clear(out);
    const char k = ks__dtypes[a->dtype].kind;
    if (k != 'f' && k != 'c') {
        if (decimals >= 0) return ks_array_copy(ctx, a, KS_ORDER_C, out);
        /* integers to a negative number of decimals: through float64 and back, as NumPy's
           y = rint(x / 10^d) * 10^d computed in the integer's dtype */
    }
    if (decimals == 0 && (k == 'f' || k == 'c')) {
        const ks_array *args[1] = {a};
        return ks_ufunc_call(ctx, KS_UFUNC_RINT, args, NULL, out);
    }
    double p = 1.0;
    for (int i = 0; i < (decimals < 0 ? -decimals : decimals); i++) p *= 10.0;
    double pv = p;
    ks_array scale;
    memset(&scale, 0, sizeof scale);
    scale.data = (char *)&pv;
    scale.dtype = KS_FLOAT64;
    scale.flags = KS_ARRAY_WEAK;
    ks_array t1, t2;
    ks__array_clear(&t1);
    ks__array_clear(&t2);
    const ks_array *s1[2] = {a, &scale};
    int rc = ks_ufunc_call(ctx, decimals >= 0 ? KS_UFUNC_MULTIPLY : KS_UFUNC_DIVIDE, s1, NULL, &t1);
    if (!rc) {
        const ks_array *s2[1] = {&t1};
        rc = ks_ufunc_call(ctx, KS_UFUNC_RINT, s2, NULL, &t2);
    }
    if (!rc) {
        const ks_array *s3[2] = {&t2, &scale};
        ks_array t3;
        rc = ks_ufunc_call(ctx, decimals >= 0 ? KS_UFUNC_DIVIDE : KS_UFUNC_MULTIPLY, s3, NULL, &t3);
        if (!rc && t3.dtype != a->dtype) {
            rc = ks_array_astype(ctx, &t3, a->dtype, KS_CASTING_UNSAFE, out);
            ks_array_release(&t3);
        } else if (!rc) {
            *out = t3;
        }
    }
    ks_array_release(&t1);
    ks_array_release(&t2);
    return rc;
}
