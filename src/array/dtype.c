/* dtype.c — the dtypes, their names, and NumPy 2's promotion and casting rules.
 *
 * promote_types follows NumPy's table: bool gives way to anything; signed and unsigned integers
 * meet in the next signed size up (int64 with uint64 has none: float64); an integer meets a float
 * in the smallest float that holds it (NumPy's float16 for 8-bit integers is float32 here: there
 * is no float16); complex takes the larger of its component and the other float. result_type adds
 * NEP 50: a weak operand (a Python scalar) counts by its kind only. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "array/array_internal.h"

const ks__dtype_info ks__dtypes[KS_NDTYPES] = {
    [KS_BOOL] = {"bool", 1, 'b'},
    [KS_INT8] = {"int8", 1, 'i'},
    [KS_INT16] = {"int16", 2, 'i'},
    [KS_INT32] = {"int32", 4, 'i'},
    [KS_INT64] = {"int64", 8, 'i'},
    [KS_UINT8] = {"uint8", 1, 'u'},
    [KS_UINT16] = {"uint16", 2, 'u'},
    [KS_UINT32] = {"uint32", 4, 'u'},
    [KS_UINT64] = {"uint64", 8, 'u'},
    [KS_FLOAT32] = {"float32", 4, 'f'},
    [KS_FLOAT64] = {"float64", 8, 'f'},
    [KS_COMPLEX64] = {"complex64", 8, 'c'},
    [KS_COMPLEX128] = {"complex128", 16, 'c'},
};

static const ks__enum_entry dtype_names[] = {
    {"bool", KS_BOOL},
    {"int8", KS_INT8},
    {"int16", KS_INT16},
    {"int32", KS_INT32},
    {"int64", KS_INT64},
    {"uint8", KS_UINT8},
    {"uint16", KS_UINT16},
    {"uint32", KS_UINT32},
    {"uint64", KS_UINT64},
    {"float32", KS_FLOAT32},
    {"float64", KS_FLOAT64},
    {"complex64", KS_COMPLEX64},
    {"complex128", KS_COMPLEX128},
    {"?", KS_BOOL},
    {"bool_", KS_BOOL},
    {"b1", KS_BOOL},
    {"i1", KS_INT8},
    {"i2", KS_INT16},
    {"i4", KS_INT32},
    {"i8", KS_INT64},
    {"u1", KS_UINT8},
    {"u2", KS_UINT16},
    {"u4", KS_UINT32},
    {"u8", KS_UINT64},
    {"f4", KS_FLOAT32},
    {"f8", KS_FLOAT64},
    {"c8", KS_COMPLEX64},
    {"c16", KS_COMPLEX128},
    {"byte", KS_INT8},
    {"short", KS_INT16},
    {"intc", KS_INT32},
    {"int", KS_INT64},
    {"int_", KS_INT64},
    {"intp", KS_INT64},
    {"long", KS_INT64},
    {"longlong", KS_INT64},
    {"ubyte", KS_UINT8},
    {"ushort", KS_UINT16},
    {"uintc", KS_UINT32},
    {"uint", KS_UINT64},
    {"uintp", KS_UINT64},
    {"ulong", KS_UINT64},
    {"ulonglong", KS_UINT64},
    {"single", KS_FLOAT32},
    {"double", KS_FLOAT64},
    {"float", KS_FLOAT64},
    {"float_", KS_FLOAT64},
    {"csingle", KS_COMPLEX64},
    {"cdouble", KS_COMPLEX128},
    {"complex", KS_COMPLEX128},
    {"complex_", KS_COMPLEX128},
    {"<f8", KS_FLOAT64},
    {"<f4", KS_FLOAT32},
    {"<i8", KS_INT64},
    {"<i4", KS_INT32},
    {"<i2", KS_INT16},
    {"<u8", KS_UINT64},
    {"<u4", KS_UINT32},
    {"<u2", KS_UINT16},
    {"<c16", KS_COMPLEX128},
    {"<c8", KS_COMPLEX64},
    {"|b1", KS_BOOL},
    {"|i1", KS_INT8},
    {"|u1", KS_UINT8},
};
KS__ENUM_FUNCS(ks_dtype, ks_dtype, "dtype", dtype_names)

static const ks__enum_entry casting_names[] = {
    {"no", KS_CASTING_NO},         {"equiv", KS_CASTING_EQUIV},
    {"safe", KS_CASTING_SAFE},     {"same_kind", KS_CASTING_SAME_KIND},
    {"unsafe", KS_CASTING_UNSAFE},
};
KS__ENUM_FUNCS(ks_casting, ks_casting, "casting", casting_names)

static const ks__enum_entry order_names[] = {{"C", KS_ORDER_C}, {"F", KS_ORDER_F}};
KS__ENUM_FUNCS(ks_order, ks_order, "order", order_names)

size_t ks_dtype_size(ks_dtype t) { return (unsigned)t < KS_NDTYPES ? ks__dtypes[t].size : 0; }

char ks_dtype_kind(ks_dtype t) { return (unsigned)t < KS_NDTYPES ? ks__dtypes[t].kind : '\0'; }

static ks_dtype int_of_size(char kind, size_t size)
{
    switch (size) {
    case 1: return kind == 'u' ? KS_UINT8 : KS_INT8;
    case 2: return kind == 'u' ? KS_UINT16 : KS_INT16;
    case 4: return kind == 'u' ? KS_UINT32 : KS_INT32;
    default: return kind == 'u' ? KS_UINT64 : KS_INT64;
    }
}

/* The smallest float holding every value of an integer dtype. */
static ks_dtype float_for_int(ks_dtype t)
{
    return ks__dtypes[t].size <= 2 ? KS_FLOAT32 : KS_FLOAT64;
}

/* The float dtype of a float or complex dtype's components. */
static ks_dtype component(ks_dtype t)
{
    return t == KS_COMPLEX64 ? KS_FLOAT32 : t == KS_COMPLEX128 ? KS_FLOAT64 : t;
}

ks_dtype ks_dtype_promote(ks_dtype a, ks_dtype b)
{
    if (a == b) return a;
    const char ka = ks__dtypes[a].kind, kb = ks__dtypes[b].kind;
    if (ka == 'b') return b;
    if (kb == 'b') return a;
    const size_t sa = ks__dtypes[a].size, sb = ks__dtypes[b].size;
    if ((ka == 'i' || ka == 'u') && (kb == 'i' || kb == 'u')) {
        if (ka == kb) return sa >= sb ? a : b;
        const ks_dtype s = ka == 'i' ? a : b, u = ka == 'u' ? a : b;
        const size_t ss = ks__dtypes[s].size, us = ks__dtypes[u].size;
        if (ss > us) return s;
        return us >= 8 ? KS_FLOAT64 : int_of_size('i', 2 * us);
    }
    /* at least one float or complex */
    ks_dtype fa = (ka == 'i' || ka == 'u') ? float_for_int(a) : component(a);
    ks_dtype fb = (kb == 'i' || kb == 'u') ? float_for_int(b) : component(b);
    const ks_dtype f = ks__dtypes[fa].size >= ks__dtypes[fb].size ? fa : fb;
    if (ka == 'c' || kb == 'c') return f == KS_FLOAT32 ? KS_COMPLEX64 : KS_COMPLEX128;
    return f;
}

static int kind_rank(char k)
{
    switch (k) {
    case 'b': return 0;
    case 'u': return 1;
    case 'i': return 2;
    case 'f': return 3;
    default: return 4;
    }
}

bool ks_dtype_can_cast(ks_dtype from, ks_dtype to, ks_casting casting)
{
    if ((unsigned)from >= KS_NDTYPES || (unsigned)to >= KS_NDTYPES) return false;
    if (from == to) return true;
    switch (casting) {
    case KS_CASTING_NO:
    case KS_CASTING_EQUIV: return false;
    case KS_CASTING_SAFE: return ks_dtype_promote(from, to) == to;
    case KS_CASTING_SAME_KIND:
        return ks_dtype_promote(from, to) == to ||
               kind_rank(ks__dtypes[from].kind) <= kind_rank(ks__dtypes[to].kind);
    default: return true;
    }
}

/* A weak Python int's value (held as int64, or uint64 above INT64_MAX) fits in t. */
static bool int_fits(const ks_array *w, ks_dtype t, char *text, size_t len)
{
    int64_t lo = 0;
    uint64_t hi = 0;
    switch (t) {
    case KS_INT8: lo = INT8_MIN, hi = INT8_MAX; break;
    case KS_INT16: lo = INT16_MIN, hi = INT16_MAX; break;
    case KS_INT32: lo = INT32_MIN, hi = INT32_MAX; break;
    case KS_INT64: lo = INT64_MIN, hi = INT64_MAX; break;
    case KS_UINT8: hi = UINT8_MAX; break;
    case KS_UINT16: hi = UINT16_MAX; break;
    case KS_UINT32: hi = UINT32_MAX; break;
    case KS_UINT64: hi = UINT64_MAX; break;
    default: return true;
    }
    if (w->dtype == KS_UINT64) {
        uint64_t v;
        memcpy(&v, w->data, 8);
        snprintf(text, len, "%" PRIu64, v);
        return v <= hi;
    }
    int64_t v;
    memcpy(&v, w->data, 8);
    snprintf(text, len, "%" PRId64, v);
    return v >= lo && (v < 0 || (uint64_t)v <= hi);
}

/* NEP 50's categories: bool, integer (signed or not), float, complex. */
static int category(ks_dtype t)
{
    const int r = kind_rank(ks__dtypes[t].kind);
    return r <= 1 ? r : r - 1;
}

int ks_array_result_type(ks_ctx *ctx, int n, const ks_array *const *arrays, ks_dtype *out)
{
    int strong = -1, weak_rank = -1;
    for (int k = 0; k < n; k++) {
        const ks_array *a = arrays[k];
        if (a->flags & KS_ARRAY_WEAK) {
            const int r = category(a->dtype);
            if (r > weak_rank) weak_rank = r;
        } else {
            strong = strong < 0 ? (int)a->dtype : (int)ks_dtype_promote((ks_dtype)strong, a->dtype);
        }
    }
    if (strong < 0) { /* only Python scalars: their defaults */
        if (weak_rank < 0) return ks__fail(ctx, KS_EINVAL, "result_type: no arrays given");
        *out = weak_rank == 0   ? KS_BOOL
               : weak_rank == 1 ? KS_INT64
               : weak_rank == 2 ? KS_FLOAT64
                                : KS_COMPLEX128;
        return KS_OK;
    }
    ks_dtype t = (ks_dtype)strong;
    const int sr = category(t);
    if (weak_rank > sr) { /* the weak kind wins, at the default size (or the strong float's) */
        if (weak_rank == 1)
            t = KS_INT64;
        else if (weak_rank == 2)
            t = KS_FLOAT64;
        else
            t = sr == 2 && t == KS_FLOAT32 ? KS_COMPLEX64 : KS_COMPLEX128;
    }
    *out = t;
    return KS_OK;
}

int ks__weak_int_fits(ks_ctx *ctx, const ks_array *a, ks_dtype t, int *above)
{
    const char ka = ks__dtypes[a->dtype].kind;
    if (!(a->flags & KS_ARRAY_WEAK) || (ka != 'i' && ka != 'u')) return KS_OK;
    char text[32];
    if (int_fits(a, t, text, sizeof text)) return KS_OK;
    *above = text[0] != '-';
    if (!ctx) return KS_EOVERFLOW;
    return ks__fail(ctx, KS_EOVERFLOW, "Python integer %s out of bounds for %s", text,
                    ks__dtypes[t].name);
}
