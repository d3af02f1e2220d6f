/* _core_nd.h — what the files of kestrel.nd's extension share (_core_nd_*.c): the ndarray object,
 * which embeds a ks_array (no second allocation), the dtype and ufunc objects, the per-thread ctx,
 * conversion of Python objects to arrays and the mapping of library errors to NumPy's exceptions.
 *
 * A call follows one shape: its operands become `ks_py_nd_arg`s (an ndarray is used in place, no
 * copy of its struct; anything else is converted into the arg's own ks_array), the C function
 * runs on the thread's cached ctx (the GIL released only above KS_PY_ND_NOGIL elements, where the
 * work outweighs the cost of releasing it), and the result's reference moves into a new ndarray. */
#ifndef KS_PY_CORE_ND_H
#define KS_PY_CORE_ND_H

#include "_core.h"

/* Below this many elements the GIL stays held: releasing and taking it back costs about as
 * much as a 100-element add. */
#define KS_PY_ND_NOGIL 4096

typedef struct {
    PyObject_HEAD PyObject *base; /* the object whose memory this views (NumPy's .base), or NULL */
    ks_array arr;
} ks_py_nd;

typedef struct {
    PyObject_HEAD ks_dtype t;
} ks_py_dtype;

extern PyTypeObject ks_py_nd_type, ks_py_dtype_type, ks_py_ufunc_type;
#define KS_PY_ND_CHECK(o) (Py_TYPE(o) == &ks_py_nd_type)

/* kestrel.nd.AxisError (a ValueError and an IndexError, as NumPy's). */
extern PyObject *ks_py_nd_axis_error;

/* The calling thread's ctx, made on first use and freed when the thread ends; NULL with
 * MemoryError set. */
ks_ctx *ks_py_nd_ctx(void);
/* The library's failure on ctx as NumPy's exception: MemoryError, OverflowError, TypeError
 * (dtypes, casting), AxisError, IndexError, else ValueError. Returns NULL. */
PyObject *ks_py_nd_raise(ks_ctx *ctx, int rc);

/* An operand: `p` points at the array to use (an ndarray's own, or `tmp`). */
typedef struct {
    const ks_array *p;
    ks_array tmp;
} ks_py_nd_arg;

enum {
    KS_PY_ND_WEAK = 1,    /* Python scalars become weak 0-d arrays (operands of ufuncs) */
    KS_PY_ND_OPERAND = 2, /* an object that is not numeric data returns 1 (NotImplemented) */
    KS_PY_ND_ELIDE = 4    /* an operator: its operands may be the interpreter's temporaries */
};
/* Look up the opcodes of Python's operators (at module init). */
int ks_py_nd_elide_init(void);
/* obj as an array into *arg. 0, -1 with the error set, or 1 (KS_PY_ND_OPERAND only) when obj is
 * not numeric data. Release with ks_py_nd_arg_release (also after a failure). */
int ks_py_nd_arg_get(PyObject *obj, int mode, ks_py_nd_arg *arg);
static inline void ks_py_nd_arg_release(ks_py_nd_arg *arg)
{
    if (arg->p == &arg->tmp) ks_array_release(&arg->tmp);
    arg->p = NULL;
}

/* An uninitialised ndarray object (from the free list when it has one); NULL with the error set. */
ks_py_nd *ks_py_nd_alloc(void);
/* A new ndarray taking over the reference *a holds (a is emptied). When `src` is an ndarray
 * whose buffer the result shares, the result's base is src's (or src). NULL with the error set
 * (a released). */
PyObject *ks_py_nd_wrap(ks_array *a, PyObject *src);
/* The result of a call: rc KS_OK wraps *a (ks_py_nd_wrap), else raises ctx's error. */
PyObject *ks_py_nd_result(ks_ctx *ctx, int rc, ks_array *a, PyObject *src);

/* NumPy's type number for t. */
int ks_py_nd_to_npy(ks_dtype t);
/* The dtype object of t (a borrowed reference to one of the singletons). */
PyObject *ks_py_dtype_of(ks_dtype t);
/* A dtype argument: None -> -1 (when allow_none), a kestrel dtype, a name the library knows
 * ("float64", "f8", ...), Python's bool/int/float/complex, or anything numpy.dtype() takes
 * and kestrel has. 0, or -1 with TypeError. */
int ks_py_nd_dtype_arg(PyObject *o, bool allow_none, int *out);
/* A casting argument ("same_kind" ...; None -> dflt). */
int ks_py_nd_casting_arg(PyObject *o, ks_casting dflt, ks_casting *out);
/* An order argument ("C", "F"; None, "K" and "A" -> C: see ks_py_nd_order_of). */
int ks_py_nd_order_arg(PyObject *o, ks_order *out);
/* The same for an operation on `a` (copy, ravel, flatten, tobytes, reshape): 'A' is F where a is
 * F-contiguous and not C-contiguous, 'K' also where a's strides grow along its axes (a
 * transposed view): NumPy's "keep the layout". */
int ks_py_nd_order_of(PyObject *o, const ks_array *a, ks_order *out);
/* copy= of reshape: None -> -1, else its truth (0 / 1). */
int ks_py_nd_copy_arg(PyObject *o, int *copy);
/* ks_array_reshape as a Python result (its base `owner` when a view), with NumPy's copy=: -1 a
 * view where it can be, 1 always a copy, 0 a view or ValueError's "Unable to avoid creating a
 * copy while reshaping.". */
PyObject *ks_py_nd_reshape(ks_ctx *ctx, const ks_array *a, PyObject *owner, int ndim,
                           const ptrdiff_t *shape, ks_order order, int copy);
/* A shape: an int or a sequence of ints. 0, or -1 with the error set. */
int ks_py_nd_shape_arg(PyObject *o, int *ndim, ptrdiff_t *shape);
/* axis=None / int / tuple of ints into a bit mask over ndim axes (None -> 0, every axis; () ->
 * KS_AXES_EMPTY);
 * AxisError out of range, ValueError for a repeat. */
int ks_py_nd_axes_arg(PyObject *o, int ndim, uint64_t *mask);
/* One axis in [-ndim, ndim), made non-negative (AxisError otherwise). */
int ks_py_nd_axis_arg(PyObject *o, int ndim, int *axis);

/* Arguments of a METH_FASTCALL | METH_KEYWORDS function by name: names is NULL-terminated, the
 * first npos may be given by position, the first nreq must be given. objs[k] gets a borrowed
 * reference or NULL. 0, or -1 with TypeError. */
int ks_py_nd_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int npos, int nreq, PyObject **objs);

/* The bindings' shared vocabulary: an ndarray's ks_array, the parameters of a
 * METH_FASTCALL | METH_KEYWORDS function and its PyMethodDef flags, its arguments by name into
 * o[] (ks_py_nd_args below), and an argument given and not None. */
#define ARR(o) (&((ks_py_nd *)(o))->arr)
#define FASTCALL_ARGS PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kw
#define FAST(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL | METH_KEYWORDS
#define GIVEN(x) ((x) && (x) != Py_None)
#define PARSE(fname, npos, nreq, ...)                                                              \
    static const char *const names_[] = {__VA_ARGS__, NULL};                                       \
    PyObject *o[sizeof names_ / sizeof *names_];                                                   \
    if (ks_py_nd_args(fname, args, nargs, kw, names_, npos, nreq, o)) return NULL

/* A call whose arguments hold a value traced by kestrel.nd.fuse: the tracer's answer for
 * fname(args) (a new reference, or NULL with its error); NULL with no error set when no argument
 * is traced (the caller's own error then stands). For the failure paths of ufunc, reduce and
 * where: the successful calls never look. args as METH_FASTCALL's (kw: the keyword names). */
PyObject *ks_py_nd_traced(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kw);
/* Whether obj is a value traced by kestrel.nd.fuse. */
bool ks_py_nd_is_traced(PyObject *obj);

/* One element as a Python object (bool, int, float or complex). */
PyObject *ks_py_nd_elem(const char *p, ks_dtype t);

/* f(a [, b]) with out=, where=, dtype=, casting= (each may be NULL / None). With
 * KS_PY_ND_OPERAND in mode, an operand that is not numeric data gives NotImplemented. */
PyObject *ks_py_nd_ufunc(ks_ufunc f, PyObject *a, PyObject *b, PyObject *out, PyObject *where,
                         PyObject *dtype, PyObject *casting, int mode);
/* The reduction f over a (the shared body of the methods and kestrel.nd's functions). */
PyObject *ks_py_nd_reduce(ks_reduce f, PyObject *a, PyObject *axis, PyObject *dtype, PyObject *out,
                          PyObject *keepdims, PyObject *ddof, PyObject *where, PyObject *initial);
/* a @ b, np.take, np.put (into the ndarray a), np.clip (a_min / a_max None or NULL: no bound). */
PyObject *ks_py_nd_matmul(PyObject *a, PyObject *b, int mode);
PyObject *ks_py_nd_take(PyObject *a, PyObject *indices, PyObject *axis, PyObject *mode);
PyObject *ks_py_nd_put(PyObject *a, PyObject *indices, PyObject *values, PyObject *mode);
PyObject *ks_py_nd_clip(PyObject *a, PyObject *lo, PyObject *hi, PyObject *out);
/* Indexing (_core_nd_index.c). */
PyObject *ks_py_nd_getitem(PyObject *self, PyObject *key);
int ks_py_nd_setitem(PyObject *self, PyObject *key, PyObject *value);

/* Module functions of each file, and the set-up of the types (0, or -1 with the error set). */
extern PyMethodDef ks_py_nd_funcs[], ks_py_nd_reduce_funcs[], ks_py_nd_reduce_methods[],
    ks_py_nd_stats_funcs[], ks_py_nd_dlpack_funcs[], ks_py_nd_dlpack_methods[],
    ks_py_nd_random_funcs[], ks_py_nd_io_funcs[], ks_py_nd_sort_funcs[], ks_py_nd_sort_methods[],
    ks_py_nd_fuse_funcs[], ks_py_nd_linalg_funcs[], ks_py_nd_products_funcs[],
    ks_py_nd_products_methods[], ks_py_nd_fft_funcs[];
extern PyMethodDef ks_py_nd_along_funcs[], ks_py_nd_text_funcs[];
int ks_py_dtype_init(PyObject *module);
int ks_py_nd_type_init(void);
int ks_py_ufunc_init(PyObject *module);

#endif
