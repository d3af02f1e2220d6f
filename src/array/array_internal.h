/* array_internal.h — what the files of src/array share: the buffer, the dtype table, the 1-D
 * inner loops and the engine that drives them over n-d operands.
 *
 * The model is NumPy's: an operation is a 1-D inner loop `fn(args, steps, n, aux)` over n
 * elements, args[k] pointing at operand k's first element and steps[k] its byte stride (0 for a
 * broadcast operand). The engine (iter.c) broadcasts, coalesces dimensions, casts operands to the
 * loop's dtypes in cache-sized chunks, and runs the outer dimensions, on threads when the work is
 * large. A loop checks its steps once per call and takes its contiguous or scalar fast path. */
#ifndef KS_ARRAY_INTERNAL_H
#define KS_ARRAY_INTERNAL_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/base_internal.h"
#include "kestrel/array.h"

/* The memory of one or more arrays. Either owned (data allocated with `alloc`, maybe from the
 * large-buffer cache) or borrowed (release(release_arg) when the count drops to zero). */
struct ks_array_buffer {
    atomic_long refs;
    char *data;
    size_t nbytes;
    ks_allocator alloc;       /* owned: how to free the struct (and data when not cached) */
    void (*release)(void *);  /* borrowed memory: hand it back */
    void *release_arg;
    bool owned;               /* data belongs to this buffer */
    size_t cap;               /* owned: usable bytes at data (>= nbytes; what the cache matches) */
};

/* A new owned buffer of nbytes (64-byte aligned, uninitialised; zeroed when `zero`). */
ks_array_buffer *ks__buffer_new(ks_ctx *ctx, size_t nbytes, bool zero);
void ks__buffer_decref(ks_array_buffer *b);
static inline void ks__buffer_incref(ks_array_buffer *b)
{
    if (b) atomic_fetch_add_explicit(&b->refs, 1, memory_order_relaxed);
}

/* One dtype's facts. */
typedef struct {
    const char *name;
    size_t size;
    char kind; /* b i u f c */
} ks__dtype_info;
extern const ks__dtype_info ks__dtypes[KS_NDTYPES];

/* ---- loops ---- */

typedef void (*ks__loop)(char **args, const ptrdiff_t *steps, ptrdiff_t n, const void *aux);

/* A complex element as its two parts (the layout of float / double _Complex), for code that
 * works on the parts (ufunc_loops.h has the _Complex types). */
typedef struct {
    float re, im;
} ks__parts64;
typedef struct {
    double re, im;
} ks__parts128;

/* The cast loop from one dtype to another (args[0] in, args[1] out), NumPy's unsafe-cast
 * values (complex to real drops the imaginary part; float to int truncates). Never NULL. */
ks__loop ks__cast_loop(ks_dtype from, ks_dtype to);

/* One typed loop of a ufunc: every input is converted to `in`, the output is `out`. */
typedef struct {
    ks_dtype in;
    ks_dtype out;
    ks__loop fn;
} ks__ufunc_loop;

/* A ufunc's definition: its loops in NumPy's `ufunc.types` order (the first whose input dtype
 * the promoted inputs cast to safely is chosen), and an estimate of its cost for threading. */
typedef struct {
    const char *name;
    int nin; /* 1 or 2; one output */
    int nloops;
    const ks__ufunc_loop *loops;
    double ns_per_elem; /* one thread, contiguous float64: for ks__threads_for */
} ks__ufunc_def;
/* Defined by the loop files (ufunc_loops_*.c), indexed by ks_ufunc. */
extern const ks__ufunc_def ks__ufunc_defs[KS_NUFUNCS];
/* The typed loop ks_ufunc_call runs for these inputs under dtype= (-1: none) and casting=, after
 * NumPy's resolution and its refusals (errors as ks_ufunc_call's). *special says when the call
 * takes another path instead: a signed / uint64 comparison (exact, by its own loop), or a
 * comparison that a weak Python int decides by its value (an input without data is not looked
 * at: a prototype of dtype and shape only). */
enum {
    KS__UFUNC_PLAIN = 0,
    KS__UFUNC_MIXED_COMPARE,
    KS__UFUNC_ALWAYS_TRUE,
    KS__UFUNC_ALWAYS_FALSE
};
int ks__ufunc_resolve(ks_ctx *ctx, ks_ufunc f, const ks_array *const *in, int dtype,
                      ks_casting casting, const ks__ufunc_loop **loop, int *special);
/* np.where's loop: out = cond ? x : y (args: bool cond, x, y, out), elements of *(size_t *)aux
 * bytes. */
void ks__where_loop(char **args, const ptrdiff_t *steps, ptrdiff_t n, const void *aux);

/* What a ufunc loop reports through its aux when it meets an input NumPy raises on (integer
 * power with a negative exponent: "Integers to negative integer powers are not allowed."). aux,
 * when not NULL, points at an int the engine owns for the call (zeroed before); the loop stores
 * a KS__LOOP_FAULT_* code into it (relaxed atomic: loops run on several threads) and writes 0
 * for that element. ks_ufunc_call passes it to the engine as spec.aux and turns a nonzero code
 * into NumPy's error. */
enum { KS__LOOP_FAULT_NONE = 0, KS__LOOP_FAULT_NEG_INT_POWER = 1 };
static inline void ks__loop_fault(const void *aux, int code)
{
    if (aux) __atomic_store_n((int *)(uintptr_t)aux, code, __ATOMIC_RELAXED);
}

/* ---- the engine ---- */

#define KS__MAXOP 8

/* Operands of one element-wise call: nin inputs then nout outputs. Inputs are broadcast to
 * `shape`; outputs must have it. An operand whose dtype differs from dtypes[k] is cast through
 * chunk buffers; `where` (optional bool, broadcast) limits which output elements are written. */
typedef struct {
    int nin, nout;
    const ks_array *op[KS__MAXOP];
    ks_dtype dtypes[KS__MAXOP]; /* what fn reads / writes for each operand */
    ks__loop fn;
    const void *aux;
    const ks_array *where;
    bool where_runs_only; /* fn sees only the elements where is true (a loop that can fault must
                             not fault on a masked-out one, as NumPy's masked loops); else it runs
                             on whole chunks and the mask picks what is stored */
    double ns_per_elem;
} ks__iter_spec;
/* Run spec->fn over every element of the broadcast shape (ndim, shape). */
int ks__iter_run(ks_ctx *ctx, const ks__iter_spec *spec, int ndim, const ptrdiff_t *shape);

/* ---- helpers shared by the files ---- */

/* KS_EOVERFLOW with NumPy's "Python integer 300 out of bounds for int8" when `a` is a weak Python
 * int that integer dtype t cannot hold (*above: it is too large, not too small); KS_OK for
 * anything else. NumPy checks when it converts the scalar to the loop's dtype, not when it
 * promotes: int64 / 2**63 is fine (a float64 loop). ctx NULL: the status only, no message (for a
 * caller that treats the value as a case, not an error). */
int ks__weak_int_fits(ks_ctx *ctx, const ks_array *a, ks_dtype t, int *above);

/* Threads for an array operation of about `ns` nanoseconds on one thread: one per 25 us of
 * work, at most the ctx's count (all of them when the ctx's minimum work is 0, as tests set).
 * Array operations are short and regular, and their threads are woken from OpenMP's spinning
 * pool, so they split far finer than the library's 1 ms default for uneven model work: a 1M
 * element add (about 0.4 ms) gains from the second core. */
static inline int ks__array_threads(const ks_ctx *ctx, double ns)
{
    const int max = ctx->nthreads < 1 ? 1 : ctx->nthreads;
    if (!(ctx->thread_min_ns > 0)) return max;
    const double per = ns / 25000.0;
    return per >= (double)max ? max : per >= 2.0 ? (int)per : 1;
}

/* An axis in [-ndim, ndim) made non-negative, or KS_EINVAL with NumPy's AxisError text
 * ("axis 3 is out of bounds for array of dimension 2"). */
int ks__axis(ks_ctx *ctx, int axis, int ndim, int *out);
/* An axes mask as the functions take it (0: every axis, KS_AXES_EMPTY: none) made explicit: the
 * bits of the chosen axes, checked against ndim. */
int ks__axes_mask(ks_ctx *ctx, uint64_t axes, int ndim, uint64_t *out);
/* The strides of `a` as seen from a broadcast shape of ndim dims (0 where a is broadcast); false
 * when a does not broadcast to it. */
bool ks__broadcast_strides(const ks_array *a, int ndim, const ptrdiff_t *shape, ptrdiff_t *strides);
/* Scratch memory for n items of `size` bytes (ks__malloc_array), 2 MB pages asked for from 4 MB
 * on (as NumPy's allocator does): a fresh 1M-element work area otherwise faults in a 4 KB page at
 * a time (a 1000 x 1000 solve's buffer 1.5 ms of 20, argsort's 32 MB pairs several ms). */
void *ks__scratch(ks_ctx *ctx, size_t n, size_t size);
/* A new C-contiguous (or F) array, as ks_array_empty, for internal use with a shape already
 * checked. */
static inline int ks__array_new(ks_ctx *ctx, ks_dtype t, int ndim, const ptrdiff_t *shape,
                                ks_array *out)
{
    return ks_array_empty(ctx, t, ndim, shape, KS_ORDER_C, out);
}
/* The strides of a contiguous array of this shape in C or F order (NumPy's: a length-0 axis
 * counts as 1, so every stride stays nonzero). */
void ks__contiguous_strides(size_t itemsize, int ndim, const ptrdiff_t *shape, ks_order order,
                            ptrdiff_t *strides);
/* ks_array_empty with zeroed memory (what ks_array_zeros uses). */
int ks__array_zeroed(ks_ctx *ctx, ks_dtype dtype, int ndim, const ptrdiff_t *shape, ks_order order,
                     ks_array *out);
/* The sum over n of x[i] y[i] (conj(x[i]) when cj), x and y in dtype t with byte strides ix, iy,
 * into *out, as NumPy's dot loop: float and complex through BLAS's dot where both strides are
 * positive whole elements, else in order in the dtype (products.c). */
void ks__vec_dot(ks_dtype t, ptrdiff_t n, const char *x, ptrdiff_t ix, const char *y, ptrdiff_t iy,
                 bool cj, char *out);
/* c (n x n, rows of ldc) = a a^T through syrk as NumPy calls it, a (n x k) as stored rows of lda
 * or, with ta, their transpose; float or complex (matmul.c). */
void ks__blas_syrk(ks_dtype t, const char *a, bool ta, int lda, char *c, int ldc, int n, int k);
/* A copy of a converted to dtype (unsafe casting) in the given order. */
int ks__array_copy_order(ks_ctx *ctx, const ks_array *a, ks_dtype dtype, ks_order order,
                         ks_array *out);
/* An empty struct (what a failed call leaves in `out`). */
static inline void ks__array_clear(ks_array *a)
{
    a->data = NULL;
    a->base = NULL;
    a->ndim = 0;
    a->flags = 0;
    a->dtype = KS_FLOAT64;
}
/* Shape as text, as NumPy prints it in messages: "(2,3)", "(5,)", "()". */
const char *ks__shape_str(int ndim, const ptrdiff_t *shape, char *buf, size_t len);
/* The element at a C-order flat position (for small, slow paths only). */
char *ks__elem_ptr(const ks_array *a, ptrdiff_t flat);

/* Scratch for a thread's chunk buffers: elements per chunk of the cast path. */
#define KS__CHUNK 1024

#endif
