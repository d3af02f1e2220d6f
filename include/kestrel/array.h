/* array.h — n-d arrays with NumPy's semantics: dtypes, views over reference-counted buffers,
 * broadcasting, NumPy 2's type promotion (NEP 50), element-wise functions (ufuncs), reductions,
 * statistics, shape manipulation and indexing.
 *
 * A ks_array is a small struct the caller owns (on the stack, or inside a Python object): a
 * pointer to the first element, a dtype, a shape and byte strides (negative allowed), and a
 * reference to the buffer that owns the memory. It is not opaque, unlike the house's fitted
 * handles, so that a front end can embed it and read its fields without a call: NumPy's per-call
 * overhead at 100 elements is a few hundred nanoseconds, and an extra allocation or call per
 * attribute would lose that. Fields are read-only for the caller; arrays are made by the
 * functions below and dropped with ks_array_release.
 *
 * Every function that makes an array writes it to `out` (a struct the caller provides, its old
 * contents ignored) holding a new reference; on failure `out` is left empty (data NULL, base
 * NULL) so releasing it is always safe.
 *
 * Thread safety: thread-safe on distinct ctx. Arrays that share a buffer may be read from many
 * threads; the reference count is atomic. */
#ifndef KESTREL_ARRAY_H
#define KESTREL_ARRAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kestrel/base.h"

#ifdef __cplusplus
extern "C" {
#endif

#define KS_ARRAY_MAXDIMS 32

/* ---- dtypes ------------------------------------------------------------------------------ */

typedef enum {
    KS_BOOL = 0,
    KS_INT8,
    KS_INT16,
    KS_INT32,
    KS_INT64,
    KS_UINT8,
    KS_UINT16,
    KS_UINT32,
    KS_UINT64,
    KS_FLOAT32,
    KS_FLOAT64,
    KS_COMPLEX64,
    KS_COMPLEX128,
    KS_NDTYPES
} ks_dtype;
/* NumPy's names: "bool", "int8" ... "uint64", "float32", "float64", "complex64", "complex128";
 * value() also takes NumPy's aliases ("f8", "i4", "double", "float", "int", "complex", "?"). */
KS_API const char *ks_dtype_name(ks_dtype value);
KS_API int ks_dtype_value(ks_ctx *ctx, const char *name, ks_dtype *out) KS_RESULT_USED;
/* Bytes per element. */
KS_API size_t ks_dtype_size(ks_dtype t);
/* 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex (NumPy's dtype.kind). */
KS_API char ks_dtype_kind(ks_dtype t);
/* NumPy's promote_types(a, b): the smallest dtype both cast to safely (int64 with uint64 is
 * float64, as NumPy). */
KS_API ks_dtype ks_dtype_promote(ks_dtype a, ks_dtype b);

/* NumPy's casting rules (np.can_cast's `casting=`). */
typedef enum {
    KS_CASTING_NO = 0,
    KS_CASTING_EQUIV,
    KS_CASTING_SAFE,
    KS_CASTING_SAME_KIND,
    KS_CASTING_UNSAFE
} ks_casting;
/* "no", "equiv", "safe", "same_kind", "unsafe". */
KS_API const char *ks_casting_name(ks_casting value);
KS_API int ks_casting_value(ks_ctx *ctx, const char *name, ks_casting *out) KS_RESULT_USED;
KS_API bool ks_dtype_can_cast(ks_dtype from, ks_dtype to, ks_casting casting);

/* ---- the array --------------------------------------------------------------------------- */

/* The memory behind one or more arrays: reference-counted, freed (or handed back to its owner
 * through the release function given to ks_array_wrap) when the last array goes. */
typedef struct ks_array_buffer ks_array_buffer;

enum {
    KS_ARRAY_WRITEABLE = 1, /* writes through this array are allowed */
    KS_ARRAY_WEAK = 2       /* a Python scalar: its kind counts in promotion, not its size (NEP 50) */
};

typedef struct ks_array {
    char *data; /* the first element (the element at index 0 on every axis) */
    ks_dtype dtype;
    int ndim;
    int flags; /* KS_ARRAY_* */
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ptrdiff_t strides[KS_ARRAY_MAXDIMS]; /* bytes, negative allowed */
    ks_array_buffer *base; /* the owner of the memory. NULL with data set: memory the caller
                              lends for one call (a scalar on its stack); give such an array only
                              as an input that is read, never to a function returning a view */
} ks_array;

typedef enum { KS_ORDER_C = 0, KS_ORDER_F } ks_order;
/* "C", "F". */
KS_API const char *ks_order_name(ks_order value);
KS_API int ks_order_value(ks_ctx *ctx, const char *name, ks_order *out) KS_RESULT_USED;

/* An uninitialised array of the given shape in C or Fortran order, 64-byte aligned. Large
 * buffers come from a cache of recently freed ones, so a temporary does not page-fault. */
KS_API int ks_array_empty(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape,
                          ks_order order, ks_array *out) KS_RESULT_USED;
/* An array over memory the caller owns (NumPy's, a DLPack tensor's): `release(release_arg)` is
 * called when the last array over it is released (NULL release: the caller keeps the memory
 * alive longer than every array over it). strides NULL = C-contiguous. */
KS_API int ks_array_wrap(ks_ctx *ctx, void *data, ks_dtype dtype, int ndim, const ptrdiff_t *shape,
                         const ptrdiff_t *strides, bool writeable, void (*release)(void *),
                         void *release_arg, ks_array *out) KS_RESULT_USED;
/* A new reference to the same array (a struct copy that keeps the buffer alive). */
KS_API void ks_array_ref(const ks_array *a, ks_array *out);
/* Drop the reference `a` holds and empty it. An empty struct is fine. */
KS_API void ks_array_release(ks_array *a);

/* Number of elements (1 for 0-d). */
KS_API ptrdiff_t ks_array_size(const ks_array *a);
KS_API bool ks_array_is_c_contiguous(const ks_array *a);
KS_API bool ks_array_is_f_contiguous(const ks_array *a);
/* true when the two arrays may share memory (their byte ranges in one buffer overlap). */
KS_API bool ks_array_may_share_memory(const ks_array *a, const ks_array *b);

/* A copy in the given order, and a copy converted to another dtype with the given casting
 * rule (astype). */
KS_API int ks_array_copy(ks_ctx *ctx, const ks_array *a, ks_order order, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_astype(ks_ctx *ctx, const ks_array *a, ks_dtype dtype, ks_casting casting,
                           ks_array *out) KS_RESULT_USED;
/* dst[...] = src, src broadcast to dst's shape and cast with the given rule (np.copyto). */
KS_API int ks_array_assign(ks_ctx *ctx, ks_array *dst, const ks_array *src, ks_casting casting) KS_RESULT_USED;
/* A 0-d array holding one value, given as a double, an int64, a uint64 or a complex pair. */
KS_API int ks_array_scalar(ks_ctx *ctx, ks_dtype dtype, double re, double im, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_scalar_i64(ks_ctx *ctx, ks_dtype dtype, int64_t v, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_scalar_u64(ks_ctx *ctx, ks_dtype dtype, uint64_t v, ks_array *out) KS_RESULT_USED;

/* NumPy's result_type over arrays (weak arrays count by kind, NEP 50). A Python int too large for
 * the dtype is not an error here: it is where a function converts it (ks_ufunc_call's
 * "Python integer 300 out of bounds for int8", as NumPy's OverflowError). */
KS_API int ks_array_result_type(ks_ctx *ctx, int n, const ks_array *const *arrays, ks_dtype *out) KS_RESULT_USED;
/* The broadcast shape of n arrays; an error names every shape when they do not broadcast. */
KS_API int ks_array_broadcast_shape(ks_ctx *ctx, int n, const ks_array *const *arrays, int *ndim,
                                    ptrdiff_t *shape) KS_RESULT_USED;

/* ---- element-wise functions (ufuncs) ----------------------------------------------------- */

typedef enum {
    /* binary */
    KS_UFUNC_ADD = 0,
    KS_UFUNC_SUBTRACT,
    KS_UFUNC_MULTIPLY,
    KS_UFUNC_DIVIDE, /* true_divide */
    KS_UFUNC_FLOOR_DIVIDE,
    KS_UFUNC_REMAINDER, /* mod: the sign of the divisor, as Python */
    KS_UFUNC_FMOD,      /* the sign of the dividend, as C */
    KS_UFUNC_POWER,
    KS_UFUNC_MAXIMUM, /* NaN propagates */
    KS_UFUNC_MINIMUM,
    KS_UFUNC_FMAX, /* NaN ignored */
    KS_UFUNC_FMIN,
    KS_UFUNC_HYPOT,
    KS_UFUNC_ARCTAN2,
    KS_UFUNC_COPYSIGN,
    KS_UFUNC_NEXTAFTER, /* the next float after x1 towards x2 */
    KS_UFUNC_LOGADDEXP,
    KS_UFUNC_LOGADDEXP2,
    KS_UFUNC_EQUAL,
    KS_UFUNC_NOT_EQUAL,
    KS_UFUNC_LESS,
    KS_UFUNC_LESS_EQUAL,
    KS_UFUNC_GREATER,
    KS_UFUNC_GREATER_EQUAL,
    KS_UFUNC_LOGICAL_AND,
    KS_UFUNC_LOGICAL_OR,
    KS_UFUNC_LOGICAL_XOR,
    KS_UFUNC_BITWISE_AND,
    KS_UFUNC_BITWISE_OR,
    KS_UFUNC_BITWISE_XOR,
    KS_UFUNC_LEFT_SHIFT,
    KS_UFUNC_RIGHT_SHIFT,
    /* unary */
    KS_UFUNC_NEGATIVE,
    KS_UFUNC_POSITIVE,
    KS_UFUNC_ABSOLUTE,
    KS_UFUNC_SIGN,
    KS_UFUNC_LOGICAL_NOT,
    KS_UFUNC_INVERT, /* bitwise_not */
    KS_UFUNC_FLOOR,
    KS_UFUNC_CEIL,
    KS_UFUNC_TRUNC,
    KS_UFUNC_RINT, /* half to even, as round(x, 0) */
    KS_UFUNC_SQRT,
    KS_UFUNC_CBRT,
    KS_UFUNC_SQUARE,
    KS_UFUNC_RECIPROCAL,
    KS_UFUNC_EXP,
    KS_UFUNC_EXP2,
    KS_UFUNC_EXPM1,
    KS_UFUNC_LOG,
    KS_UFUNC_LOG2,
    KS_UFUNC_LOG10,
    KS_UFUNC_LOG1P,
    KS_UFUNC_SIN,
    KS_UFUNC_COS,
    KS_UFUNC_TAN,
    KS_UFUNC_ARCSIN,
    KS_UFUNC_ARCCOS,
    KS_UFUNC_ARCTAN,
    KS_UFUNC_SINH,
    KS_UFUNC_COSH,
    KS_UFUNC_TANH,
    KS_UFUNC_ARCSINH,
    KS_UFUNC_ARCCOSH,
    KS_UFUNC_ARCTANH,
    KS_UFUNC_DEG2RAD,
    KS_UFUNC_RAD2DEG,
    KS_UFUNC_ISNAN,
    KS_UFUNC_ISINF,
    KS_UFUNC_ISFINITE,
    KS_UFUNC_SIGNBIT,
    KS_UFUNC_CONJUGATE,
    KS_UFUNC_REAL, /* complex -> its float part; other dtypes: the value */
    KS_UFUNC_IMAG,
    KS_NUFUNCS
} ks_ufunc;
/* NumPy's names ("add", "true_divide" as an alias of "divide", "mod" of "remainder", "abs" of
 * "absolute", "bitwise_not" of "invert", "conj" of "conjugate", ...). */
KS_API const char *ks_ufunc_name(ks_ufunc value);
KS_API int ks_ufunc_value(ks_ctx *ctx, const char *name, ks_ufunc *out) KS_RESULT_USED;
/* 1 or 2. */
KS_API int ks_ufunc_nin(ks_ufunc f);

typedef struct {
    const ks_array *out;   /* write here (out=); NULL: a new array */
    const ks_array *where; /* bool mask broadcast to the result (where=); NULL: everywhere.
                              Where false, out keeps its values (a new out is uninitialised
                              there, as NumPy) */
    int dtype;             /* the loop's dtype (dtype=), -1: from the inputs' promotion */
    ks_casting casting;    /* for the inputs to the loop and the loop to out */
    unsigned reuse;        /* bit k: in[k] is a temporary its caller gives up, so the result may
                              be written over it when it has the result's dtype and shape, is
                              C-contiguous, writeable, and the only array over its own memory
                              (NumPy's temporary elision: no new buffer, and the data stays in
                              cache). Ignored when out is given */
} ks_ufunc_options;
#define KS_UFUNC_OPTIONS_INIT                                                                      \
    {                                                                                              \
        NULL, NULL, -1, KS_CASTING_SAME_KIND, 0u                                                   \
    }

/* out = f(in[0] [, in[1]]): the inputs broadcast, promoted (NEP 50) and cast to the loop's
 * dtype; the result written to opt->out when given (*out is then a new reference to it). opt
 * may be NULL. Integer division by zero gives 0, as NumPy (which also warns). Large calls run
 * on the ctx's threads; the result is the same for any thread count. */
KS_API int ks_ufunc_call(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in,
                         const ks_ufunc_options *opt, ks_array *out) KS_RESULT_USED;
/* np.clip(a, lo, hi) (either bound may be NULL; with neither, a's values), np.where(cond, x, y). */
KS_API int ks_array_clip(ks_ctx *ctx, const ks_array *a, const ks_array *lo, const ks_array *hi,
                         const ks_ufunc_options *opt, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_where(ks_ctx *ctx, const ks_array *cond, const ks_array *x, const ks_array *y,
                          ks_array *out) KS_RESULT_USED;
/* np.round(a, decimals): half to even, as NumPy (x * 10^d rounded, then divided). */
KS_API int ks_array_round(ks_ctx *ctx, const ks_array *a, int decimals, ks_array *out) KS_RESULT_USED;

/* ---- reductions -------------------------------------------------------------------------- */

typedef enum {
    KS_REDUCE_SUM = 0, /* pairwise, as NumPy */
    KS_REDUCE_PROD,
    KS_REDUCE_MEAN,
    KS_REDUCE_VAR,
    KS_REDUCE_STD,
    KS_REDUCE_MIN,
    KS_REDUCE_MAX,
    KS_REDUCE_ARGMIN,
    KS_REDUCE_ARGMAX,
    KS_REDUCE_ALL,
    KS_REDUCE_ANY,
    KS_REDUCE_COUNT_NONZERO,
    KS_REDUCE_PTP,
    KS_REDUCE_NANSUM,
    KS_REDUCE_NANPROD,
    KS_REDUCE_NANMEAN,
    KS_REDUCE_NANVAR,
    KS_REDUCE_NANSTD,
    KS_REDUCE_NANMIN,
    KS_REDUCE_NANMAX,
    KS_REDUCE_NANARGMIN,
    KS_REDUCE_NANARGMAX,
    KS_NREDUCE
} ks_reduce;
/* NumPy's function names ("sum", "nanargmax", "amin" as an alias of "min", ...). */
KS_API const char *ks_reduce_name(ks_reduce value);
KS_API int ks_reduce_value(ks_ctx *ctx, const char *name, ks_reduce *out) KS_RESULT_USED;

typedef struct {
    uint64_t axes; /* bit k set: reduce over axis k; 0: every axis (axis=None);
                      KS_AXES_EMPTY: no axis (axis=(), f of each element alone) */
    bool keepdims;
    int dtype;           /* accumulate and return in this dtype (dtype=), -1: NumPy's default */
    double ddof;         /* var / std */
    const ks_array *out; /* write here; NULL: a new array */
    const ks_array *where; /* bool mask; NULL: every element */
    const ks_array *initial; /* a 0-d start value (initial=) of sum, prod, min, max and their nan
                                variants, cast to the accumulator (a Python int checked against
                                it); min and max then take empty axes and where=. NULL: none */
} ks_reduce_options;
/* An axes mask naming no axis (NumPy's axis=()): 0 already means every axis. */
#define KS_AXES_EMPTY ((uint64_t)1 << 63)
#define KS_REDUCE_OPTIONS_INIT                                                                     \
    {                                                                                              \
        0, false, -1, 0.0, NULL, NULL, NULL                                                        \
    }

/* out = f(a) over the chosen axes, with NumPy's result dtypes (sum of int32 is int64, mean of
 * ints is float64, argmin is int64), errors (argmin of an empty array, min of an empty axis)
 * and NaN behaviour (min/max propagate NaN; the nan* variants skip it, all-NaN gives NaN). */
KS_API int ks_array_reduce(ks_ctx *ctx, ks_reduce f, const ks_array *a, const ks_reduce_options *opt,
                           ks_array *out) KS_RESULT_USED;

/* cumsum / cumprod (and their nan variants) along `axis` (-1 .. ndim-1; a 0-d or axis=None call
 * passes the raveled array with axis 0); dtype -1 = NumPy's default. */
typedef enum { KS_SCAN_CUMSUM = 0, KS_SCAN_CUMPROD, KS_SCAN_NANCUMSUM, KS_SCAN_NANCUMPROD } ks_scan;
KS_API const char *ks_scan_name(ks_scan value);
KS_API int ks_scan_value(ks_ctx *ctx, const char *name, ks_scan *out) KS_RESULT_USED;
KS_API int ks_array_scan(ks_ctx *ctx, ks_scan f, const ks_array *a, int axis, int dtype,
                         ks_array *out) KS_RESULT_USED;

/* ---- statistics -------------------------------------------------------------------------- */

/* NumPy's quantile methods (np.quantile's `method=`). */
typedef enum {
    KS_QUANTILE_LINEAR = 0,
    KS_QUANTILE_LOWER,
    KS_QUANTILE_HIGHER,
    KS_QUANTILE_NEAREST,
    KS_QUANTILE_MIDPOINT,
    KS_QUANTILE_INVERTED_CDF,
    KS_QUANTILE_AVERAGED_INVERTED_CDF,
    KS_QUANTILE_CLOSEST_OBSERVATION,
    KS_QUANTILE_INTERPOLATED_INVERTED_CDF,
    KS_QUANTILE_HAZEN,
    KS_QUANTILE_WEIBULL,
    KS_QUANTILE_MEDIAN_UNBIASED,
    KS_QUANTILE_NORMAL_UNBIASED
} ks_quantile_method;
KS_API const char *ks_quantile_method_name(ks_quantile_method value);
KS_API int ks_quantile_method_value(ks_ctx *ctx, const char *name, ks_quantile_method *out) KS_RESULT_USED;

/* np.quantile(a, q, axis, method, keepdims) by selection (no full sort); q in [0, 1], a 0-d or
 * 1-d array (its axis goes first in the result, as NumPy). `nan_skip`: nanquantile. The median is
 * quantile 0.5 with the linear method. axes as in ks_reduce_options (so is every axes mask:
 * squeeze's and flip's too). */
KS_API int ks_array_quantile(ks_ctx *ctx, const ks_array *a, const ks_array *q, uint64_t axes,
                             ks_quantile_method method, bool keepdims, bool nan_skip,
                             ks_array *out) KS_RESULT_USED;
/* np.average(a, axis, weights) (weights NULL = mean; 1-d weights along one axis as NumPy). */
KS_API int ks_array_average(ks_ctx *ctx, const ks_array *a, const ks_array *weights, uint64_t axes,
                            bool keepdims, ks_array *out) KS_RESULT_USED;
/* np.cov(m, y, rowvar, ddof) (y may be NULL; ddof < 0 = NumPy's default, bias=False) and
 * np.corrcoef(m, y, rowvar). */
KS_API int ks_array_cov(ks_ctx *ctx, const ks_array *m, const ks_array *y, bool rowvar, int ddof,
                        ks_array *out) KS_RESULT_USED;
KS_API int ks_array_corrcoef(ks_ctx *ctx, const ks_array *m, const ks_array *y, bool rowvar,
                             ks_array *out) KS_RESULT_USED;
/* np.diff(a, n, axis) and np.gradient(a, spacing, axis, edge_order) along one axis. */
KS_API int ks_array_diff(ks_ctx *ctx, const ks_array *a, int n, int axis, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_gradient(ks_ctx *ctx, const ks_array *a, double spacing, int axis, int edge_order,
                             ks_array *out) KS_RESULT_USED;
/* np.histogram(a, bins, range, weights, density): `bins` equal bins over [lo, hi] (lo == hi ==
 * 0: the data's range), or explicit edges when `edges` is not NULL. counts and edges out. */
KS_API int ks_array_histogram(ks_ctx *ctx, const ks_array *a, int bins, double lo, double hi,
                              const ks_array *edges, const ks_array *weights, bool density,
                              ks_array *counts, ks_array *edges_out) KS_RESULT_USED;
/* np.bincount(x, weights, minlength), np.digitize(x, bins, right). */
KS_API int ks_array_bincount(ks_ctx *ctx, const ks_array *x, const ks_array *weights, ptrdiff_t minlength,
                             ks_array *out) KS_RESULT_USED;
KS_API int ks_array_digitize(ks_ctx *ctx, const ks_array *x, const ks_array *bins, bool right,
                             ks_array *out) KS_RESULT_USED;

/* ---- creation ---------------------------------------------------------------------------- */

/* np.full(shape, value) (zeros and ones are full with 0 and 1; zeros uses zeroed pages). */
KS_API int ks_array_zeros(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                          ks_array *out) KS_RESULT_USED;
KS_API int ks_array_full(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                         const ks_array *value, ks_array *out) KS_RESULT_USED;
/* np.arange(start, stop, step, dtype): length ceil((stop - start) / step). */
KS_API int ks_array_arange(ks_ctx *ctx, double start, double stop, double step, ks_dtype dtype,
                           ks_array *out) KS_RESULT_USED;
/* np.linspace(start, stop, num, endpoint, dtype); np.logspace(start, stop, num, endpoint, base);
 * np.geomspace(start, stop, num, endpoint). step_out (may be NULL) gets linspace's retstep. */
KS_API int ks_array_linspace(ks_ctx *ctx, double start, double stop, ptrdiff_t num, bool endpoint,
                             ks_dtype dtype, ks_array *out, double *step_out) KS_RESULT_USED;
KS_API int ks_array_logspace(ks_ctx *ctx, double start, double stop, ptrdiff_t num, bool endpoint,
                             double base, ks_dtype dtype, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_geomspace(ks_ctx *ctx, double start, double stop, ptrdiff_t num, bool endpoint,
                              ks_dtype dtype, ks_array *out) KS_RESULT_USED;
/* np.eye(n, m, k, dtype) (identity is eye(n)); np.tri(n, m, k, dtype). m < 0: m = n (NumPy's
 * M=None). */
KS_API int ks_array_eye(ks_ctx *ctx, ptrdiff_t n, ptrdiff_t m, ptrdiff_t k, ks_dtype dtype,
                        ks_array *out) KS_RESULT_USED;
KS_API int ks_array_tri(ks_ctx *ctx, ptrdiff_t n, ptrdiff_t m, ptrdiff_t k, ks_dtype dtype,
                        ks_array *out) KS_RESULT_USED;
/* np.tril / np.triu (k-th diagonal) of the last two axes; np.diag(v, k): 1-d -> 2-d matrix,
 * 2-d -> its k-th diagonal (a copy). */
KS_API int ks_array_tril(ks_ctx *ctx, const ks_array *a, ptrdiff_t k, bool upper, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_diag(ks_ctx *ctx, const ks_array *v, ptrdiff_t k, ks_array *out) KS_RESULT_USED;
/* np.meshgrid(*xs, indexing='xy' or 'ij', copy=True): n outputs. */
KS_API int ks_array_meshgrid(ks_ctx *ctx, int n, const ks_array *const *xs, bool ij, ks_array *outs) KS_RESULT_USED;

/* ---- shape (views where NumPy gives views) ----------------------------------------------- */

/* np.reshape(a, shape, order): a view when the strides allow, else a copy. One -1 is inferred. */
KS_API int ks_array_reshape(ks_ctx *ctx, const ks_array *a, int ndim, const ptrdiff_t *shape,
                            ks_order order, ks_array *out) KS_RESULT_USED;
/* np.transpose(a, axes) (axes NULL = reversed), swapaxes, moveaxis (n axes), squeeze (axes 0:
 * every length-1 axis), expand_dims (the new axes' positions in the result), broadcast_to. */
KS_API int ks_array_transpose(ks_ctx *ctx, const ks_array *a, const int *axes, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_swapaxes(ks_ctx *ctx, const ks_array *a, int axis1, int axis2, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_moveaxis(ks_ctx *ctx, const ks_array *a, int n, const int *source,
                             const int *destination, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_squeeze(ks_ctx *ctx, const ks_array *a, uint64_t axes, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_expand_dims(ks_ctx *ctx, const ks_array *a, int n, const int *axes,
                                ks_array *out) KS_RESULT_USED;
KS_API int ks_array_broadcast_to(ks_ctx *ctx, const ks_array *a, int ndim, const ptrdiff_t *shape,
                                 ks_array *out) KS_RESULT_USED;
/* np.ravel(a, order) (a view when contiguous). */
KS_API int ks_array_ravel(ks_ctx *ctx, const ks_array *a, ks_order order, ks_array *out) KS_RESULT_USED;
/* np.concatenate(arrays, axis) and np.stack(arrays, axis) (dtype: their result_type); axis for
 * concatenate may be KS_AXIS_NONE (ravel first). */
#define KS_AXIS_NONE (-1000)
KS_API int ks_array_concatenate(ks_ctx *ctx, int n, const ks_array *const *arrays, int axis,
                                ks_array *out) KS_RESULT_USED;
KS_API int ks_array_stack(ks_ctx *ctx, int n, const ks_array *const *arrays, int axis, ks_array *out) KS_RESULT_USED;
/* np.split at the given indices (views): nidx indices give nidx + 1 arrays in outs. */
KS_API int ks_array_split(ks_ctx *ctx, const ks_array *a, int nidx, const ptrdiff_t *indices, int axis,
                          ks_array *outs) KS_RESULT_USED;
/* np.tile(a, reps), np.repeat(a, repeats, axis) (repeats: one count, or one per element along
 * the axis; axis KS_AXIS_NONE ravels), np.flip(a, axes) (a view; axes 0: every axis), np.roll(a,
 * shifts, axes) (naxes 0: on the raveled array with shifts[0]). */
KS_API int ks_array_tile(ks_ctx *ctx, const ks_array *a, int nreps, const ptrdiff_t *reps, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_repeat(ks_ctx *ctx, const ks_array *a, const ks_array *repeats, int axis,
                           ks_array *out) KS_RESULT_USED;
KS_API int ks_array_flip(ks_ctx *ctx, const ks_array *a, uint64_t axes, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_roll(ks_ctx *ctx, const ks_array *a, int naxes, const ptrdiff_t *shifts,
                         const int *axes, ks_array *out) KS_RESULT_USED;
/* np.pad(a, pad_width, mode) with mode constant (value) or edge; pad_width holds (before, after)
 * for every axis. */
typedef enum { KS_PAD_CONSTANT = 0, KS_PAD_EDGE } ks_pad_mode;
KS_API const char *ks_pad_mode_name(ks_pad_mode value);
KS_API int ks_pad_mode_value(ks_ctx *ctx, const char *name, ks_pad_mode *out) KS_RESULT_USED;
KS_API int ks_array_pad(ks_ctx *ctx, const ks_array *a, const ptrdiff_t *pad_width, ks_pad_mode mode,
                        const ks_array *value, ks_array *out) KS_RESULT_USED;

/* ---- products ---------------------------------------------------------------------------- */

/* a @ b with NumPy's matmul rules (1-d operands promoted and their axis removed, stacks of
 * matrices broadcast); float and complex through BLAS, integers by a blocked loop. */
KS_API int ks_array_matmul(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out) KS_RESULT_USED;
/* np.dot(a, b): a 0-d operand multiplies; 1-d with 1-d the inner product (0-d); 2-d with 2-d or
 * 1-d the matrix product; N-d the sum over a's last axis and b's second-to-last (b's only when
 * 1-d), the result a.shape[:-1] + b.shape[:-2] + b.shape[-1:]. Float and complex by the BLAS call
 * NumPy makes (dot, gemv, gemm), so the bits are NumPy's. */
KS_API int ks_array_dot(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out) KS_RESULT_USED;
/* np.vdot(a, b): both flattened (C order), a conjugated; sizes must agree; a 0-d result. */
KS_API int ks_array_vdot(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out) KS_RESULT_USED;
/* np.inner(a, b): the sum over both last axes, a.shape[:-1] + b.shape[:-1] (0-d: multiply). */
KS_API int ks_array_inner(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out) KS_RESULT_USED;
/* np.outer(a, b): ravel(a)[:, None] * ravel(b)[None, :]. */
KS_API int ks_array_outer(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out) KS_RESULT_USED;
/* np.tensordot(a, b, axes=(axes_a, axes_b)): the sum over the naxes pairs (a's axes_a[i] with b's
 * axes_b[i], negative counting from the end); the result a's other axes then b's. naxes 0 is the
 * outer product. */
KS_API int ks_array_tensordot(ks_ctx *ctx, const ks_array *a, const ks_array *b, int naxes,
                              const int *axes_a, const int *axes_b, ks_array *out) KS_RESULT_USED;
/* np.vecdot(a, b, axis): sum(conj(a) * b) along `axis` of each (the other axes broadcast). */
KS_API int ks_array_vecdot(ks_ctx *ctx, const ks_array *a, const ks_array *b, int axis,
                           ks_array *out) KS_RESULT_USED;
/* np.kron(a, b): the block product (the shorter shape padded with leading 1s). */
KS_API int ks_array_kron(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out) KS_RESULT_USED;
/* np.diagonal(a, offset, axis1, axis2): a read-only view, the two axes removed and the diagonal
 * appended last; np.trace: its sum (dtype -1: sum's default). */
KS_API int ks_array_diagonal(ks_ctx *ctx, const ks_array *a, ptrdiff_t offset, int axis1, int axis2,
                             ks_array *out) KS_RESULT_USED;
KS_API int ks_array_trace(ks_ctx *ctx, const ks_array *a, ptrdiff_t offset, int axis1, int axis2,
                          int dtype, ks_array *out) KS_RESULT_USED;
/* np.einsum(subscripts, *ops) (optimize=False): letters, one '...' per operand, implicit or
 * explicit ('->') output, a letter repeated in one operand for its diagonal, length-1 axes
 * broadcast. The n operands (at most 64) are contracted pairwise from the left, each pair a
 * broadcast product or a matrix product (BLAS for float and complex); a label is summed as soon
 * as nothing later needs it. The result is a new C-ordered array in the operands' result_type
 * (bool sums with or). */
KS_API int ks_array_einsum(ks_ctx *ctx, const char *subscripts, int n, const ks_array *const *ops,
                           ks_array *out) KS_RESULT_USED;

/* The two-operand products by name ("dot", "vdot", "inner", "matmul"), and one call for each:
 * ks_array_product(ctx, KS_PRODUCT_DOT, a, b, out) is ks_array_dot(ctx, a, b, out). */
typedef enum { KS_PRODUCT_DOT, KS_PRODUCT_VDOT, KS_PRODUCT_INNER, KS_PRODUCT_MATMUL } ks_product;
KS_API const char *ks_product_name(ks_product p);
KS_API int ks_product_value(ks_ctx *ctx, const char *name, ks_product *out) KS_RESULT_USED;
KS_API int ks_array_product(ks_ctx *ctx, ks_product p, const ks_array *a, const ks_array *b,
                            ks_array *out) KS_RESULT_USED;

/* ---- fused expressions ------------------------------------------------------------------ */

/* A program of element-wise functions and reductions over inputs of fixed dtypes and shapes,
 * run block by block: one memory pass per reduction (or result) instead of one pass and one
 * temporary array per operation, on the ctx's threads. Results are those of the plain calls
 * made one after the other, bit for bit (the same loops and casts; sums in the same pairwise
 * order; a NaN made from two NaNs may carry either's payload), for any thread count. Build once,
 * run many times: each builder returns the new node's number in *node, and raises the plain call's
 * type errors. kestrel.nd.fuse traces a Python function into one. */
typedef struct ks_fused ks_fused;
KS_API int ks_fused_new(ks_ctx *ctx, ks_fused **out) KS_RESULT_USED;
KS_API void ks_fused_free(ks_fused *f);
/* The next input: ks_fused_run's inputs[k] for the k-th one. weak: a Python scalar (0-d, NEP 50).
 */
KS_API int ks_fused_input(ks_ctx *ctx, ks_fused *f, ks_dtype dtype, int ndim,
                          const ptrdiff_t *shape, bool weak, int *node) KS_RESULT_USED;
/* A constant: a copy of value (weak when value is). */
KS_API int ks_fused_constant(ks_ctx *ctx, ks_fused *f, const ks_array *value,
                             int *node) KS_RESULT_USED;
/* u(args[0] [, args[1]]), as ks_ufunc_call without options. */
KS_API int ks_fused_ufunc(ks_ctx *ctx, ks_fused *f, ks_ufunc u, const int *args,
                          int *node) KS_RESULT_USED;
/* ks_array_where(cond, x, y); astype with unsafe casting (a copy even to the same dtype). */
KS_API int ks_fused_where(ks_ctx *ctx, ks_fused *f, int cond, int x, int y,
                          int *node) KS_RESULT_USED;
KS_API int ks_fused_astype(ks_ctx *ctx, ks_fused *f, int a, ks_dtype dtype,
                           int *node) KS_RESULT_USED;
/* ks_array_reduce with opt's axes, keepdims, dtype and ddof (out, where, initial: refused). */
KS_API int ks_fused_reduce(ks_ctx *ctx, ks_fused *f, ks_reduce r, int a,
                           const ks_reduce_options *opt, int *node) KS_RESULT_USED;
/* ks_array_product(p, a, b) of two nodes: each operand's chain is evaluated whole by a fused
 * pass and handed to the product, whose BLAS call sums in its own order (so the bits are the
 * plain call's); the result feeds the program's later chains like any array. */
KS_API int ks_fused_product(ks_ctx *ctx, ks_fused *f, ks_product p, int a, int b,
                            int *node) KS_RESULT_USED;
/* A node's dtype, shape (KS_ARRAY_MAXDIMS room) and weakness; KS_EINVAL for no such node. */
KS_API int ks_fused_node(const ks_fused *f, int node, ks_dtype *dtype, int *ndim, ptrdiff_t *shape,
                         bool *weak);
/* Make node the next result. */
KS_API int ks_fused_output(ks_ctx *ctx, ks_fused *f, int node) KS_RESULT_USED;
/* Run on inputs (the declared dtypes and shapes, any strides); outputs[k] gets a new reference
 * to the k-th result. fuse false: each operation by its plain call, one after the other (the
 * reference the fused run equals). */
KS_API int ks_fused_run(ks_ctx *ctx, const ks_fused *f, const ks_array *const *inputs, bool fuse,
                        ks_array *outputs) KS_RESULT_USED;
/* ---- linear algebra: numpy.linalg's decompositions and solvers --------------------------- */

/* Each works on the last two axes of its operands, the leading ones a stack of matrices
 * (broadcast between two operands, as NumPy). As NumPy, every matrix is computed in double
 * precision (complex when an operand is complex) and the results are float32 / complex64 when
 * every operand was single precision (integers and bool give float64). The LAPACK drivers are
 * NumPy's (named below), so the numbers agree with NumPy's to LAPACK's rounding. A singular matrix, one not positive definite or a
 * decomposition that does not converge is KS_ENUMERIC with NumPy's message ("Singular matrix",
 * "Matrix is not positive definite", "SVD did not converge", "Eigenvalues did not converge"); a
 * wrong number of dimensions or a non-square matrix is KS_EINVAL naming the argument. */

/* np.linalg.solve(a, b) (gesv): b is a stack of vectors only when it is 1-d (NumPy 2), else
 * (..., n, k) matrices. np.linalg.inv(a) (gesv against the identity). */
KS_API int ks_array_linalg_solve(ks_ctx *ctx, const ks_array *a, const ks_array *b,
                                 ks_array *out) KS_RESULT_USED;
KS_API int ks_array_linalg_inv(ks_ctx *ctx, const ks_array *a, ks_array *out) KS_RESULT_USED;
/* np.linalg.slogdet(a) (getrf): sign (a's dtype; a unit complex number for complex a, 0 for a
 * singular matrix) and log|det| (the real dtype; -inf when singular). np.linalg.det(a): sign *
 * exp(logabsdet), as NumPy computes it. */
KS_API int ks_array_linalg_slogdet(ks_ctx *ctx, const ks_array *a, ks_array *sign,
                                   ks_array *logabsdet) KS_RESULT_USED;
KS_API int ks_array_linalg_det(ks_ctx *ctx, const ks_array *a, ks_array *out) KS_RESULT_USED;
/* np.linalg.cholesky(a, upper) (potrf): L with a = L L^H, or U with a = U^H U; the other
 * triangle zero. Only the triangle used is read. */
KS_API int ks_array_linalg_cholesky(ks_ctx *ctx, const ks_array *a, bool upper,
                                    ks_array *out) KS_RESULT_USED;

/* np.linalg.qr's mode: "reduced" (Q m x k, R k x n, k = min(m, n)), "complete" (Q m x m, R
 * m x n), "r" (R alone, k x n), "raw" (LAPACK's geqrf output: h (n x m, the factor transposed)
 * and tau (k)). */
typedef enum { KS_QR_REDUCED = 0, KS_QR_COMPLETE, KS_QR_R, KS_QR_RAW } ks_qr_mode;
KS_API const char *ks_qr_mode_name(ks_qr_mode value);
KS_API int ks_qr_mode_value(ks_ctx *ctx, const char *name, ks_qr_mode *out) KS_RESULT_USED;
/* np.linalg.qr(a, mode) (geqrf, then orgqr / ungqr for Q): q and r as the mode says (raw: h in
 * q, tau in r; "r": q left empty). */
KS_API int ks_array_linalg_qr(ks_ctx *ctx, const ks_array *a, ks_qr_mode mode, ks_array *q,
                              ks_array *r) KS_RESULT_USED;
/* np.linalg.svd(a, full_matrices, compute_uv) (gesdd): u, s (descending, the real dtype), vh
 * with a = u diag(s) vh; without compute_uv only s is made (u and vh left empty). */
KS_API int ks_array_linalg_svd(ks_ctx *ctx, const ks_array *a, bool full_matrices, bool compute_uv,
                               ks_array *u, ks_array *s, ks_array *vh) KS_RESULT_USED;
/* np.linalg.eigh(a, UPLO) (syevd / heevd): the eigenvalues ascending (real dtype) and, with
 * compute_v, the eigenvectors as columns of v; only the lower (upper) triangle is read. */
KS_API int ks_array_linalg_eigh(ks_ctx *ctx, const ks_array *a, bool upper, bool compute_v,
                                ks_array *w, ks_array *v) KS_RESULT_USED;
/* np.linalg.eig(a) (geev, right eigenvectors as columns of v, each of unit norm): complex results,
 * made real (the real dtype) when a is real and every eigenvalue of the stack is real, as
 * NumPy. */
KS_API int ks_array_linalg_eig(ks_ctx *ctx, const ks_array *a, bool compute_v, ks_array *w,
                               ks_array *v) KS_RESULT_USED;
/* np.linalg.lstsq(a, b, rcond) (gelsd) for a 2-d a and a 1-d or 2-d b: x, residuals (the squared
 * norm of each column's residual when a has full column rank and more rows than columns, else
 * empty), the rank and a's singular values. rcond < 0: NumPy's default, eps * max(m, n). */
KS_API int ks_array_linalg_lstsq(ks_ctx *ctx, const ks_array *a, const ks_array *b, double rcond,
                                 ks_array *x, ks_array *residuals, int64_t *rank,
                                 ks_array *s) KS_RESULT_USED;
/* sqrt(sum |a_i|^2) over one axis or the whole array (axis KS_AXIS_NONE), in the real dtype:
 * np.linalg.norm's 2-norm of vectors and Frobenius norm, by BLAS's dot as NumPy's, without a
 * temporary of |a|^2. */
KS_API int ks_array_linalg_norm2(ks_ctx *ctx, const ks_array *a, int axis, bool keepdims,
                                 ks_array *out) KS_RESULT_USED;

/* ---- indexing ---------------------------------------------------------------------------- */

typedef enum {
    KS_INDEX_INT = 0,  /* one position (negative counts from the end) */
    KS_INDEX_SLICE,    /* start:stop:step, Python's rules (has_start / has_stop false = omitted) */
    KS_INDEX_NEWAXIS,  /* None */
    KS_INDEX_ELLIPSIS, /* ... */
    KS_INDEX_ARRAY     /* an integer array (fancy) or a bool mask */
} ks_index_kind;

typedef struct {
    ks_index_kind kind;
    ptrdiff_t start, stop, step; /* INT: start is the position */
    bool has_start, has_stop;
    const ks_array *array; /* ARRAY */
} ks_index;

/* a[idx]: basic indexes (ints, slices, newaxis, ellipsis) give a view; integer arrays and bool
 * masks give a copy with NumPy's rules (advanced indexes broadcast together; separated ones put
 * their dimensions first). Out-of-range positions are errors naming the axis and the size. */
KS_API int ks_array_index_get(ks_ctx *ctx, const ks_array *a, int nidx, const ks_index *idx,
                              ks_array *out) KS_RESULT_USED;
/* a[idx] = value (value broadcast, cast same_kind... NumPy casts unsafe here, as it does). */
KS_API int ks_array_index_set(ks_ctx *ctx, ks_array *a, int nidx, const ks_index *idx,
                              const ks_array *value) KS_RESULT_USED;
/* np.take(a, indices, axis) (axis KS_AXIS_NONE: the raveled array) and np.put(a, indices, values)
 * (on the raveled array; values repeated as needed). mode: 0 raise, 1 wrap, 2 clip. */
KS_API int ks_array_take(ks_ctx *ctx, const ks_array *a, const ks_array *indices, int axis, int mode,
                         ks_array *out) KS_RESULT_USED;
KS_API int ks_array_put(ks_ctx *ctx, ks_array *a, const ks_array *indices, const ks_array *values,
                        int mode) KS_RESULT_USED;
/* np.take_along_axis(arr, indices, axis) and np.put_along_axis(arr, indices, values, axis):
 * indices (an integer array with arr's number of dimensions, broadcast against arr on the other
 * axes; negative ones count from the end) pick one element of `axis` per position. axis
 * KS_AXIS_NONE: the raveled array with 1-d indices. put casts values unsafely (as NumPy's
 * setitem) after broadcasting them to the indices' shape, and checks every index before writing. */
KS_API int ks_array_take_along_axis(ks_ctx *ctx, const ks_array *arr, const ks_array *indices,
                                    int axis, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_put_along_axis(ks_ctx *ctx, ks_array *arr, const ks_array *indices,
                                   const ks_array *values, int axis) KS_RESULT_USED;
/* np.nonzero(a): one int64 array per axis in outs (ndim of them; a 0-d array is refused, as
 * NumPy 2). */
KS_API int ks_array_nonzero(ks_ctx *ctx, const ks_array *a, ks_array *outs) KS_RESULT_USED;

/* ---- random numbers: NumPy's default_rng (PCG64) ------------------------------------------- */

/* NumPy's SeedSequence(entropy, spawn_key=..., pool_size=...): the entropy's 32-bit words (an
 * int's words little-endian first; none: the int 0), then, when there is a spawn key, zeros up to
 * pool_size and the spawn key's words (each int's words in turn), hashed into a pool of
 * pool_size words (at least 4; NumPy's default 4). */
typedef struct {
    const uint32_t *entropy;
    size_t n_entropy;
    const uint32_t *spawn_key;
    size_t n_spawn_key;
    size_t pool_size;
} ks_seed_seq;
/* SeedSequence.pool: the seq->pool_size words of the pool. */
KS_API int ks_seed_seq_pool(ks_ctx *ctx, const ks_seed_seq *seq, uint32_t *pool) KS_RESULT_USED;
/* SeedSequence.generate_state(n_words, dtype): n_words words of dtype KS_UINT32 or KS_UINT64 (a
 * 64-bit word is two 32-bit ones, low first), shape (n_words,). */
KS_API int ks_seed_seq_generate_state(ks_ctx *ctx, const ks_seed_seq *seq, size_t n_words,
                                      ks_dtype dtype, ks_array *out) KS_RESULT_USED;

/* A PCG64 generator seeded as NumPy's np.random.default_rng(seed): SeedSequence over the seed's
 * 32-bit words (an int's words little-endian first; n 0: the seed 0), so the same seed gives
 * NumPy's numbers from the functions below. Free with ks_generator_free. */
typedef struct ks_generator ks_generator;
KS_API int ks_generator_new(ks_ctx *ctx, const uint32_t *entropy, size_t n,
                            ks_generator **out) KS_RESULT_USED;
/* PCG64(seq): seeded from the first four 64-bit words of seq's generate_state. */
KS_API int ks_generator_new_seq(ks_ctx *ctx, const ks_seed_seq *seq,
                                ks_generator **out) KS_RESULT_USED;
/* A second generator in the same state (the buffered 32-bit half included). */
KS_API int ks_generator_copy(ks_ctx *ctx, const ks_generator *rng,
                             ks_generator **out) KS_RESULT_USED;
KS_API void ks_generator_free(ks_generator *rng);
/* The 128-bit state and increment, high word first (NumPy's bit_generator.state). */
KS_API void ks_generator_state(const ks_generator *rng, uint64_t state[2], uint64_t inc[2]);
/* Whether the high half of the last 64-bit draw waits for the next 32-bit request, and the last
 * such half kept in *value (still there once used; 0 after an advance): NumPy's
 * state['has_uint32'] and state['uinteger']. */
KS_API bool ks_generator_pending32(const ks_generator *rng, uint32_t *value);
/* Setting NumPy's bit_generator.state: state and increment high word first, and the buffered
 * half. */
KS_API void ks_generator_set_state(ks_generator *rng, const uint64_t state[2],
                                   const uint64_t inc[2], bool has32, uint32_t value);
/* PCG64.advance(delta): the state delta (modulo 2^128, high word first) 64-bit draws on, by the
 * LCG's jump-ahead in log2(delta) steps; a buffered 32-bit half is dropped, as NumPy drops it. */
KS_API void ks_generator_advance(ks_generator *rng, const uint64_t delta[2]);
/* PCG64.jumped(jumps)'s state: advanced by jumps (high word first) times (the golden ratio's
 * 128 bits) 0x9e3779b97f4a7c15f39cc0605cedc835, modulo 2^128. */
KS_API void ks_generator_jump(ks_generator *rng, const uint64_t jumps[2]);
/* Generator.random(shape, dtype): uniform on [0, 1), float64 or float32. random, uniform and
 * integers of a power-of-two range (one draw per number) fill large arrays on the ctx's threads,
 * each block from the state advanced to its first draw: the same numbers and the same state after
 * at any thread count. */
KS_API int ks_generator_random(ks_ctx *ctx, ks_generator *rng, ks_dtype dtype, int ndim,
                               const ptrdiff_t *shape, ks_array *out) KS_RESULT_USED;
/* Generator.integers(low, high, shape, dtype) in [low, high): int64, int32, uint64 (high at most
 * 2^63 - 1 here) or uint32. */
KS_API int ks_generator_integers(ks_ctx *ctx, ks_generator *rng, int64_t low, int64_t high,
                                 ks_dtype dtype, int ndim, const ptrdiff_t *shape,
                                 ks_array *out) KS_RESULT_USED;
/* Generator.uniform(low, high, shape): low + (high - low) * random(), float64. */
KS_API int ks_generator_uniform(ks_ctx *ctx, ks_generator *rng, double low, double high, int ndim,
                                const ptrdiff_t *shape, ks_array *out) KS_RESULT_USED;
/* Generator.shuffle(a): a's rows (along the first axis) in place, in NumPy's order. */
KS_API int ks_generator_shuffle(ks_ctx *ctx, ks_generator *rng, ks_array *a) KS_RESULT_USED;
/* The distributions of NumPy's Generator, each drawn by NumPy's algorithm in NumPy's order so the
 * numbers are NumPy's: normal(loc, scale), exponential(scale), gamma(shape, scale), beta(a, b),
 * poisson(lam), binomial(n, p), laplace(loc, scale), logistic(loc, scale), lognormal(mean,
 * sigma), gumbel(loc, scale), wald(mean, scale), vonmises(mu, kappa), f(dfnum, dfden),
 * chisquare(df), standard_t(df), weibull(a), pareto(a), power(a), rayleigh(scale),
 * geometric(p), negative_binomial(n, p), hypergeometric(ngood, nbad, nsample), triangular(left,
 * mode, right), zipf(a), logseries(p), noncentral_chisquare(df, nonc) and noncentral_f(dfnum,
 * dfden, nonc); standard_cauchy has no parameter (ks_generator_standard). */
typedef enum {
    KS_RNG_NORMAL = 0,
    KS_RNG_EXPONENTIAL,
    KS_RNG_GAMMA,
    KS_RNG_BETA,
    KS_RNG_POISSON,
    KS_RNG_BINOMIAL,
    KS_RNG_LAPLACE,
    KS_RNG_LOGISTIC,
    KS_RNG_LOGNORMAL,
    KS_RNG_GUMBEL,
    KS_RNG_WALD,
    KS_RNG_VONMISES,
    KS_RNG_F,
    KS_RNG_CHISQUARE,
    KS_RNG_STANDARD_T,
    KS_RNG_WEIBULL,
    KS_RNG_PARETO,
    KS_RNG_POWER,
    KS_RNG_RAYLEIGH,
    KS_RNG_GEOMETRIC,
    KS_RNG_STANDARD_CAUCHY,
    KS_RNG_NEGATIVE_BINOMIAL,
    KS_RNG_HYPERGEOMETRIC,
    KS_RNG_TRIANGULAR,
    KS_RNG_ZIPF,
    KS_RNG_LOGSERIES,
    KS_RNG_NONCENTRAL_CHISQUARE,
    KS_RNG_NONCENTRAL_F
} ks_rng_dist;
/* "normal", "exponential", "gamma", "beta", "poisson", "binomial", "laplace", "logistic",
 * "lognormal", "gumbel", "wald", "vonmises", "f", "chisquare", "standard_t", "weibull", "pareto",
 * "power", "rayleigh", "geometric", "standard_cauchy", "negative_binomial", "hypergeometric",
 * "triangular", "zipf", "logseries", "noncentral_chisquare", "noncentral_f". */
KS_API const char *ks_rng_dist_name(ks_rng_dist value);
KS_API int ks_rng_dist_value(ks_ctx *ctx, const char *name, ks_rng_dist *out) KS_RESULT_USED;
/* standard_normal / standard_exponential / standard_cauchy (dist KS_RNG_NORMAL,
 * KS_RNG_EXPONENTIAL or KS_RNG_STANDARD_CAUCHY) of the shape, float64 or float32 (not the
 * Cauchy), by NumPy's 256-layer ziggurats; `inv`: the exponential by inversion, -log1p(-U)
 * (NumPy's method='inv'). */
KS_API int ks_generator_standard(ks_ctx *ctx, ks_generator *rng, ks_rng_dist dist, ks_dtype dtype,
                                 bool inv, int ndim, const ptrdiff_t *shape,
                                 ks_array *out) KS_RESULT_USED;
/* One draw per element of the shape (ndim < 0: the parameters' broadcast shape, NumPy's size
 * None), its parameters p0, p1 and p2 (NULL past the distribution's count) broadcast to it, in C
 * order: float64 (float32 for gamma with f32, NumPy's standard_gamma(dtype=float32)), or int64
 * for poisson, binomial, geometric, negative_binomial, hypergeometric, zipf and logseries
 * (binomial's n and hypergeometric's three counts integer arrays). Parameters are checked whole
 * first, with NumPy's messages ("scale < 0", "a <= 0", "lam < 0 or lam is NaN",
 * "p < 0, p > 1 or p is NaN", "left > mode", "ngood + nbad < nsample", ...). */
KS_API int ks_generator_draw(ks_ctx *ctx, ks_generator *rng, ks_rng_dist dist, const ks_array *p0,
                             const ks_array *p1, const ks_array *p2, bool f32, int ndim,
                             const ptrdiff_t *shape, ks_array *out) KS_RESULT_USED;
/* Generator.dirichlet(alpha, shape): float64 of shape + (len(alpha),), each row normalised
 * gammas (stick-breaking with betas when every alpha is below 0.1), alpha 1-d ("alpha < 0"). */
KS_API int ks_generator_dirichlet(ks_ctx *ctx, ks_generator *rng, const ks_array *alpha, int ndim,
                                  const ptrdiff_t *shape, ks_array *out) KS_RESULT_USED;
/* Generator.multivariate_hypergeometric(colors, nsample, shape, method): int64 of shape +
 * (len(colors),), the counts of each colour in nsample items drawn without replacement from
 * colors[i] items of colour i; `count` NumPy's method 'count' (a shuffle of the whole population,
 * memory of sum(colors) words), else 'marginals' (sum(colors) below 10^9). */
KS_API int ks_generator_multivariate_hypergeometric(ks_ctx *ctx, ks_generator *rng,
                                                    const ks_array *colors, int64_t nsample,
                                                    bool count, int ndim, const ptrdiff_t *shape,
                                                    ks_array *out) KS_RESULT_USED;
/* Generator.permuted(a, axis) in place: each lane along axis shuffled on its own (the lanes in C
 * order), or with KS_AXIS_NONE the whole array as one (in memory order when a is contiguous, else
 * C order), in NumPy's order of draws. */
KS_API int ks_generator_permuted(ks_ctx *ctx, ks_generator *rng, ks_array *a,
                                 int axis) KS_RESULT_USED;
/* k distinct indices of [0, pop) as NumPy's choice(pop, k, replace=False, shuffle=shuffle)
 * without p (Floyd's method, or a partial shuffle for large samples): int64 of shape (k,). */
KS_API int ks_generator_sample(ks_ctx *ctx, ks_generator *rng, int64_t pop, int64_t k, bool shuffle,
                               ks_array *out) KS_RESULT_USED;

/* ---- I/O: NumPy's .npy and .npz files ---------------------------------------------------- */

/* np.load's mmap_mode: "none" reads the file into memory; "r" maps it read-only (nothing is read
 * until used; the array is not writeable), "r+" maps it for writing through to the file, "c"
 * copy-on-write (writes stay in memory). The map is released with the last array over it. */
typedef enum { KS_MMAP_NONE = 0, KS_MMAP_R, KS_MMAP_RPLUS, KS_MMAP_C } ks_mmap_mode;
/* "none", "r", "r+", "c". */
KS_API const char *ks_mmap_mode_name(ks_mmap_mode value);
KS_API int ks_mmap_mode_value(ks_ctx *ctx, const char *name, ks_mmap_mode *out) KS_RESULT_USED;

/* np.save(path, a): a .npy file (format 1.0, byte for byte what NumPy 2 writes), in Fortran order
 * when `a` is Fortran- and not C-contiguous, else in C order (a strided array gathered a chunk at
 * a time, not copied whole). Written to a temporary file renamed over `path` when complete: a
 * failure leaves no partial file. No suffix is added. */
KS_API int ks_array_save_npy(ks_ctx *ctx, const char *path, const ks_array *a) KS_RESULT_USED;
/* np.load(path, mmap_mode) of a .npy file (versions 1.0, 2.0, 3.0; either byte order, swapped to
 * this machine's on load; C or Fortran order). Every field and size is checked against the file;
 * errors name the file and what is wrong (KS_EPARSE: not a .npy file, a malformed or truncated
 * header, a size that disagrees with the shape; KS_ETYPE: a dtype kestrel has no equal of, such
 * as object or structured arrays). A map needs data in this machine's byte order. */
KS_API int ks_array_load_npy(ks_ctx *ctx, const char *path, ks_mmap_mode mmap_mode,
                             ks_array *out) KS_RESULT_USED;

/* np.savez / np.savez_compressed(path, **arrays): a zip archive of n .npy members named
 * "<names[i]>.npy" (deflated when `compress`), ZIP64 where a member or the archive passes 4 GiB;
 * through a temporary file as ks_array_save_npy. Names must be distinct and non-empty. */
KS_API int ks_array_save_npz(ks_ctx *ctx, const char *path, size_t n, const char *const *names,
                             const ks_array *const *arrays, bool compress) KS_RESULT_USED;

/* An open .npz archive (np.load's NpzFile): its member list read, members loaded on demand. It
 * keeps the file open and reads it with pread, so threads may load members at once (distinct
 * ctx). */
typedef struct ks_npz ks_npz;
KS_API int ks_npz_open(ks_ctx *ctx, const char *path, ks_npz **out) KS_RESULT_USED;
KS_API void ks_npz_free(ks_npz *z); /* NULL is fine; no ctx */
typedef struct {
    size_t n;
    const char *const *names; /* NpzFile.files: member names, ".npy" removed where present */
} ks_npz_view;
KS_API void ks_npz_get(const ks_npz *z, ks_npz_view *out); /* pointers owned by z */
/* The array of member `name` (a name of the view, or the member's full name); stored and deflated
 * members, CRC-32 checked. KS_ENOTFOUND naming the archive when there is none. */
KS_API int ks_npz_load(ks_ctx *ctx, const ks_npz *z, const char *name,
                       ks_array *out) KS_RESULT_USED;
/* ---- I/O: delimited text (np.loadtxt / np.savetxt) ----------------------------------------- */

/* np.loadtxt's options. The file is read by the table layer's record splitter (plain or gzip;
 * LF, CRLF or CR line ends; blank lines skipped). */
typedef struct {
    ks_dtype dtype;              /* every column's dtype (float64) */
    const char *delimiter;       /* one character; NULL: runs of spaces and tabs (NumPy's None) */
    const char *const *comments; /* NULL-terminated comment markers; NULL: NumPy's {"#"}; a list
                                    holding only its NULL: no comments. A line's text from the
                                    first marker on is dropped */
    char quotechar;              /* 0: quotes are plain text (NumPy's None) */
    size_t skiprows;             /* physical lines skipped first, comments and blanks included */
    ptrdiff_t max_rows;          /* data rows read at most; -1: all */
    const ptrdiff_t *usecols;    /* the columns kept, in this order (negative from the end), or
                                    NULL: all */
    size_t nusecols;
    int ndmin;                   /* 0, 1 or 2: NumPy's squeeze and minimum dimensions */
    bool unpack;                 /* the transpose (a view) */
} ks_array_loadtxt_options;
#define KS_ARRAY_LOADTXT_OPTIONS_INIT                                                              \
    {                                                                                              \
        KS_FLOAT64, NULL, NULL, 0, 0, -1, NULL, 0, 0, false                                        \
    }
/* np.loadtxt(path): numbers parsed as NumPy parses them (floats correctly rounded, "inf" and
 * "nan" in any case, no hexadecimal; integers decimal and in the dtype's range, never through a
 * float; bool as an integer's truth; complex as "1+2j" or "(1+2j)"), whitespace around a field
 * ignored. Errors are KS_EPARSE with NumPy's text after the file and line ("data.txt:4: could not
 * convert string 'x' to float64 at row 1, column 2.", "... the number of columns changed from 3
 * to 2 at row 5; ..."). An input with no data gives NumPy's empty shape. */
KS_API int ks_array_loadtxt(ks_ctx *ctx, const char *path, const ks_array_loadtxt_options *opt,
                            ks_array *out) KS_RESULT_USED;
/* The same over a buffer (name: for messages). */
KS_API int ks_array_loadtxt_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len,
                                const ks_array_loadtxt_options *opt, ks_array *out) KS_RESULT_USED;

/* np.savetxt's options. fmt: one printf-style format for every value, or as many formats as a
 * row has values (two per complex element), with NumPy's rules; conversions d, i, u, e, E, f, F,
 * g, G with flags, width and precision (values formatted as Python's % does: NaN and infinities
 * as "nan", "inf"; d truncates a float). fmts: one format per column instead (nfmts columns). */
typedef struct {
    const char *fmt;        /* "%.18e" */
    const char *const *fmts;
    size_t nfmts;
    const char *delimiter;  /* " " */
    const char *newline;    /* "\n" */
    const char *header;     /* "": none */
    const char *footer;     /* "": none */
    const char *comments;   /* "# ": before each line of header and footer */
} ks_array_savetxt_options;
#define KS_ARRAY_SAVETXT_OPTIONS_INIT                                                              \
    {                                                                                              \
        "%.18e", NULL, 0, " ", "\n", "", "", "# "                                                   \
    }
/* np.savetxt(path, a) of a 1-d (one value per line) or 2-d array, byte for byte NumPy's file;
 * through a temporary file renamed over path when complete (gzip when path ends in ".gz"), so a
 * failure leaves nothing. The _mem form hands the text out (*out for ks_string_free, *len its
 * bytes). */
KS_API int ks_array_savetxt(ks_ctx *ctx, const char *path, const ks_array *a,
                            const ks_array_savetxt_options *opt) KS_RESULT_USED;
KS_API int ks_array_savetxt_mem(ks_ctx *ctx, const ks_array *a, const ks_array_savetxt_options *opt,
                                char **out, size_t *len) KS_RESULT_USED;

/* ---- sorting, searching and sets --------------------------------------------------------- */

/* np.sort's kind=: "quicksort" (NumPy's default; no order of equal keys promised), "stable";
 * value() also takes NumPy's "mergesort" (stable) and "heapsort" (quicksort). np.sort with
 * "quicksort" of 32- and 64-bit integers and reals is an AVX2 quicksort where the CPU has AVX2
 * (equal keys, such as -0.0 and 0.0 or NaNs of other payloads, in any order; every element's bits
 * kept); every other sort, argsort among them, is stable (a radix sort on long lines). */
typedef enum { KS_SORT_QUICKSORT = 0, KS_SORT_STABLE } ks_sort_kind;
KS_API const char *ks_sort_kind_name(ks_sort_kind value);
KS_API int ks_sort_kind_value(ks_ctx *ctx, const char *name, ks_sort_kind *out) KS_RESULT_USED;

/* np.sort(a, axis, kind) and np.argsort (int64 positions) along `axis` (KS_AXIS_NONE: the
 * raveled array, as NumPy's axis=None). NumPy's order: NaN last; -0.0 equal to 0.0; complex
 * lexicographic by real then imaginary part, R + Rj < R + nanj < nan + Rj < nan + nanj. */
KS_API int ks_array_sort(ks_ctx *ctx, const ks_array *a, int axis, ks_sort_kind kind,
                         ks_array *out) KS_RESULT_USED;
KS_API int ks_array_argsort(ks_ctx *ctx, const ks_array *a, int axis, ks_sort_kind kind,
                            ks_array *out) KS_RESULT_USED;
/* np.partition / np.argpartition(a, kth, axis): every kth element (negative counts from the end)
 * in its sorted place, none larger before it, none smaller after. */
KS_API int ks_array_partition(ks_ctx *ctx, const ks_array *a, int nkth, const ptrdiff_t *kth,
                              int axis, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_argpartition(ks_ctx *ctx, const ks_array *a, int nkth, const ptrdiff_t *kth,
                                 int axis, ks_array *out) KS_RESULT_USED;
/* np.lexsort(keys, axis): the stable order by keys[n - 1], ties broken by keys[n - 2], ... (at
 * most 8 keys, all of one shape). */
KS_API int ks_array_lexsort(ks_ctx *ctx, int n, const ks_array *const *keys, int axis,
                            ks_array *out) KS_RESULT_USED;

/* np.searchsorted(a, v, side, sorter): for each element of v, the position in the 1-d sorted a
 * (a[sorter] when sorter is not NULL) where it would go, before equal elements (left) or after
 * them (right). a and v are compared in their promoted dtype. */
typedef enum { KS_SIDE_LEFT = 0, KS_SIDE_RIGHT } ks_side;
KS_API const char *ks_side_name(ks_side value);
KS_API int ks_side_value(ks_ctx *ctx, const char *name, ks_side *out) KS_RESULT_USED;
KS_API int ks_array_searchsorted(ks_ctx *ctx, const ks_array *a, const ks_array *v, ks_side side,
                                 const ks_array *sorter, ks_array *out) KS_RESULT_USED;

/* np.unique(a) on the raveled array: the sorted distinct values, and with the flags the first
 * position of each (index), the value's number for every element of a, in a's shape (inverse),
 * and how many of each (counts); outputs not asked for may be NULL and are left empty. Every NaN
 * is one value (NumPy 2's equal_nan=True; the first NaN in sorted order stands for them) unless
 * KS_UNIQUE_NAN_DISTINCT makes each its own (equal_nan=False, the Array API's unique_*); -0.0 and
 * 0.0 are one. */
enum {
    KS_UNIQUE_INDEX = 1,
    KS_UNIQUE_INVERSE = 2,
    KS_UNIQUE_COUNTS = 4,
    KS_UNIQUE_NAN_DISTINCT = 8
};
KS_API int ks_array_unique(ks_ctx *ctx, const ks_array *a, unsigned flags, ks_array *values,
                           ks_array *index, ks_array *inverse, ks_array *counts) KS_RESULT_USED;
/* np.unique(a, axis=axis): the distinct sub-arrays along `axis` (each one the array with that
 * axis fixed), in the lexicographic order of their elements in C order (NumPy's order per
 * element: NaN last, -0.0 equal to 0.0); index, inverse (1-d, one entry per sub-array) and counts
 * as ks_array_unique. A sub-array holding a NaN equals no other (NumPy compares the rows as
 * records), whatever the flags. */
KS_API int ks_array_unique_axis(ks_ctx *ctx, const ks_array *a, int axis, unsigned flags,
                                ks_array *values, ks_array *index, ks_array *inverse,
                                ks_array *counts) KS_RESULT_USED;
/* np.isin(element, test_elements, invert): bool in element's shape, compared in the promoted
 * dtype (NaN is in nothing). */
KS_API int ks_array_isin(ks_ctx *ctx, const ks_array *element, const ks_array *test, bool invert,
                         ks_array *out) KS_RESULT_USED;

/* ---- FFT ---------------------------------------------------------------------------------- */

/* numpy.fft's norm=: which direction is scaled. "backward" (the default): the inverse by 1 / n;
 * "ortho": both by 1 / sqrt(n); "forward": the forward by 1 / n. */
typedef enum { KS_FFT_NORM_BACKWARD = 0, KS_FFT_NORM_ORTHO, KS_FFT_NORM_FORWARD } ks_fft_norm;
KS_API const char *ks_fft_norm_name(ks_fft_norm value);
KS_API int ks_fft_norm_value(ks_ctx *ctx, const char *name, ks_fft_norm *out) KS_RESULT_USED;

/* np.fft.fft (inverse false) and np.fft.ifft of `a` along `axis` with n points (-1: the axis'
 * length; a longer axis is truncated, a shorter one zero-padded, as NumPy). The result is
 * complex64 for float32 and complex64 input (computed in float32, as NumPy 2), complex128 for
 * everything else (integers and bool as float64). Any n >= 1: mixed radix (2, 3, 4, 5, 8 and a
 * generic odd pass) or Bluestein; plans are cached across calls and threads. Errors: n < 1
 * ("Invalid number of FFT data points (0) specified."), an axis out of range (NumPy's AxisError
 * text). Lines run on the ctx's threads; the result is the same for any thread count. */
KS_API int ks_array_fft(ks_ctx *ctx, const ks_array *a, ptrdiff_t n, int axis, bool inverse,
                        ks_fft_norm norm, ks_array *out) KS_RESULT_USED;
/* np.fft.rfft: real input (complex is KS_ETYPE), n / 2 + 1 complex outputs along the axis,
 * computed as a real transform (even n: a half-length complex FFT and a post-pass). */
KS_API int ks_array_rfft(ks_ctx *ctx, const ks_array *a, ptrdiff_t n, int axis, ks_fft_norm norm,
                         ks_array *out) KS_RESULT_USED;
/* np.fft.irfft: n real outputs (-1: 2 * (m - 1) for m inputs) from the first n / 2 + 1 inputs
 * (zero-padded when fewer); the imaginary parts of the first (and, for even n, the last) are
 * ignored, as NumPy. float64 (float32 for complex64 input). */
KS_API int ks_array_irfft(ks_ctx *ctx, const ks_array *a, ptrdiff_t n, int axis, ks_fft_norm norm,
                          ks_array *out) KS_RESULT_USED;

/* np.convolve(a, v, mode) and np.correlate(a, v, mode) of 1-d arrays (0-d as one element) by
 * direct sums in their promoted dtype (integers wrap, bool is or-of-and), NumPy's semantics:
 * correlate conjugates v, and when v is the longer swaps the two and reverses the result. */
typedef enum { KS_CONVOLVE_FULL = 0, KS_CONVOLVE_SAME, KS_CONVOLVE_VALID } ks_convolve_mode;
/* "full", "same", "valid". */
KS_API const char *ks_convolve_mode_name(ks_convolve_mode value);
KS_API int ks_convolve_mode_value(ks_ctx *ctx, const char *name,
                                  ks_convolve_mode *out) KS_RESULT_USED;
KS_API int ks_array_convolve(ks_ctx *ctx, const ks_array *a, const ks_array *v,
                             ks_convolve_mode mode, ks_array *out) KS_RESULT_USED;
KS_API int ks_array_correlate(ks_ctx *ctx, const ks_array *a, const ks_array *v,
                              ks_convolve_mode mode, ks_array *out) KS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
