/* _core_nd_type.c — kestrel.nd.ndarray: a Python object that embeds its ks_array. NumPy's
 * attributes, operators (through ks_ufunc_call, Python scalars as weak operands), conversions to
 * Python numbers, the buffer protocol and the array interface (NumPy reads the memory in place),
 * and the methods that are not reductions or indexing. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

_Static_assert(sizeof(Py_ssize_t) == sizeof(ptrdiff_t), "shapes are shared with Python");

/* Freed objects kept for reuse: at about 580 bytes an ndarray is above pymalloc's small-object
 * limit, and malloc / free per temporary cost as much as a 100-element add. The GIL guards it. */
#define FREE_MAX 64
static ks_py_nd *free_list[FREE_MAX];
static int free_n;

ks_py_nd *ks_py_nd_alloc(void)
{
    if (!free_n) return PyObject_New(ks_py_nd, &ks_py_nd_type);
    ks_py_nd *o = free_list[--free_n];
    (void)PyObject_Init((PyObject *)o, &ks_py_nd_type);
    return o;
}

static void nd_dealloc(PyObject *self)
{
    ks_py_nd *o = (ks_py_nd *)self;
    ks_array_release(&o->arr);
    Py_CLEAR(o->base);
    if (free_n < FREE_MAX)
        free_list[free_n++] = o;
    else
        PyObject_Free(o);
}

static PyObject *sizes_tuple(int n, const ptrdiff_t *v)
{
    PyObject *t = PyTuple_New(n);
    for (int k = 0; t && k < n; k++) {
        PyObject *x = PyLong_FromSsize_t(v[k]);
        if (!x) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, k, x);
    }
    return t;
}

/* ---- the Python helper module (repr, str, flags) ---- */

static PyObject *support(const char *name)
{
    static PyObject *mod;
    if (!mod && !(mod = PyImport_ImportModule("_kestrel.nd_support"))) return NULL;
    return PyObject_GetAttrString(mod, name);
}

static PyObject *call_support(const char *name, PyObject *self)
{
    PyObject *f = support(name);
    if (!f) return NULL;
    PyObject *r = PyObject_CallOneArg(f, self);
    Py_DECREF(f);
    return r;
}

static PyObject *nd_repr(PyObject *self) { return call_support("array_repr", self); }
static PyObject *nd_str(PyObject *self) { return call_support("array_str", self); }

/* ---- attributes ---- */

static PyObject *g_shape(PyObject *s, void *c)
{
    (void)c;
    return sizes_tuple(ARR(s)->ndim, ARR(s)->shape);
}
static PyObject *g_strides(PyObject *s, void *c)
{
    (void)c;
    return sizes_tuple(ARR(s)->ndim, ARR(s)->strides);
}
static PyObject *g_ndim(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(ARR(s)->ndim);
}
static PyObject *g_size(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(ks_array_size(ARR(s)));
}
static PyObject *g_itemsize(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSize_t(ks_dtype_size(ARR(s)->dtype));
}
static PyObject *g_nbytes(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromSsize_t(ks_array_size(ARR(s)) * (ptrdiff_t)ks_dtype_size(ARR(s)->dtype));
}
static PyObject *g_dtype(PyObject *s, void *c)
{
    (void)c;
    PyObject *d = ks_py_dtype_of(ARR(s)->dtype);
    Py_INCREF(d);
    return d;
}
static PyObject *g_base(PyObject *s, void *c)
{
    (void)c;
    PyObject *b = ((ks_py_nd *)s)->base ? ((ks_py_nd *)s)->base : Py_None;
    Py_INCREF(b);
    return b;
}
static PyObject *g_device(PyObject *s, void *c)
{
    (void)s, (void)c;
    return PyUnicode_FromString("cpu");
}
static PyObject *g_data(PyObject *s, void *c)
{
    (void)c;
    return PyMemoryView_FromObject(s);
}

static PyObject *g_T(PyObject *s, void *c)
{
    (void)c;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_transpose(ctx, ARR(s), NULL, &out), &out, s);
}

static PyObject *g_mT(PyObject *s, void *c)
{
    (void)c;
    if (ARR(s)->ndim < 2) {
        PyErr_SetString(PyExc_ValueError, "matrix transpose with ndim < 2 is undefined");
        return NULL;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_swapaxes(ctx, ARR(s), -1, -2, &out), &out, s);
}

/* .real and .imag of a complex array are views of its halves, as NumPy's. */
static PyObject *part(PyObject *s, int imag)
{
    const ks_array *a = ARR(s);
    const ks_dtype t = a->dtype;
    if (t == KS_COMPLEX64 || t == KS_COMPLEX128) {
        ks_array v;
        ks_array_ref(a, &v);
        v.dtype = t == KS_COMPLEX64 ? KS_FLOAT32 : KS_FLOAT64;
        if (imag) v.data += ks_dtype_size(v.dtype);
        return ks_py_nd_wrap(&v, s);
    }
    if (!imag) {
        Py_INCREF(s);
        return s;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_zeros(ctx, t, a->ndim, a->shape, KS_ORDER_C, &out), &out,
                           NULL);
}
static PyObject *g_real(PyObject *s, void *c)
{
    (void)c;
    return part(s, 0);
}
static PyObject *g_imag(PyObject *s, void *c)
{
    (void)c;
    return part(s, 1);
}

static PyObject *g_flags(PyObject *s, void *c)
{
    (void)c;
    const ks_array *a = ARR(s);
    PyObject *f = support("Flags");
    if (!f) return NULL;
    PyObject *r = PyObject_CallFunction(f, "OOOO", ks_array_is_c_contiguous(a) ? Py_True : Py_False,
                                        ks_array_is_f_contiguous(a) ? Py_True : Py_False,
                                        a->flags & KS_ARRAY_WRITEABLE ? Py_True : Py_False,
                                        ((ks_py_nd *)s)->base ? Py_False : Py_True);
    Py_DECREF(f);
    return r;
}

static PyObject *g_array_interface(PyObject *s, void *c)
{
    (void)c;
    const ks_array *a = ARR(s);
    PyObject *typestr = PyObject_GetAttrString(ks_py_dtype_of(a->dtype), "str");
    PyObject *shape = sizes_tuple(a->ndim, a->shape);
    PyObject *strides = ks_array_is_c_contiguous(a) ? (Py_INCREF(Py_None), Py_None)
                                                    : sizes_tuple(a->ndim, a->strides);
    PyObject *r = NULL;
    if (typestr && shape && strides)
        r = Py_BuildValue("{s:O,s:O,s:(NO),s:O,s:i}", "shape", shape, "typestr", typestr, "data",
                          PyLong_FromVoidPtr(a->data),
                          a->flags & KS_ARRAY_WRITEABLE ? Py_False : Py_True, "strides", strides,
                          "version", 3);
    Py_XDECREF(typestr);
    Py_XDECREF(shape);
    Py_XDECREF(strides);
    return r;
}

static PyGetSetDef nd_getset[] = {
    {"shape", g_shape, NULL, "the length of each axis", NULL},
    {"strides", g_strides, NULL, "bytes between elements along each axis", NULL},
    {"ndim", g_ndim, NULL, "number of axes", NULL},
    {"size", g_size, NULL, "number of elements", NULL},
    {"itemsize", g_itemsize, NULL, "bytes per element", NULL},
    {"nbytes", g_nbytes, NULL, "bytes of the elements", NULL},
    {"dtype", g_dtype, NULL, "the element type", NULL},
    {"base", g_base, NULL, "the object whose memory this array views, or None", NULL},
    {"device", g_device, NULL, "'cpu'", NULL},
    {"data", g_data, NULL, "a memoryview of the elements", NULL},
    {"T", g_T, NULL, "the transpose (a view)", NULL},
    {"mT", g_mT, NULL, "the transpose of the last two axes (a view)", NULL},
    {"real", g_real, NULL, "the real part (a view for complex arrays)", NULL},
    {"imag", g_imag, NULL, "the imaginary part (a view for complex arrays)", NULL},
    {"flags", g_flags, NULL, "C_CONTIGUOUS, F_CONTIGUOUS, WRITEABLE, OWNDATA", NULL},
    {"__array_interface__", g_array_interface, NULL, "NumPy's array interface (version 3)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* ---- operators ---- */

#define BINARY(name, F)                                                                            \
    static PyObject *name(PyObject *a, PyObject *b)                                                \
    {                                                                                              \
        return ks_py_nd_ufunc(F, a, b, NULL, NULL, NULL, NULL, KS_PY_ND_OPERAND | KS_PY_ND_ELIDE); \
    }                                                                                              \
    static PyObject *name##_inplace(PyObject *a, PyObject *b)                                      \
    {                                                                                              \
        return ks_py_nd_ufunc(F, a, b, a, NULL, NULL, NULL, KS_PY_ND_OPERAND);                     \
    }
#define UNARY(name, F)                                                                             \
    static PyObject *name(PyObject *a)                                                             \
    {                                                                                              \
        return ks_py_nd_ufunc(F, a, NULL, NULL, NULL, NULL, NULL, KS_PY_ND_ELIDE);                 \
    }

BINARY(nb_add, KS_UFUNC_ADD)
BINARY(nb_sub, KS_UFUNC_SUBTRACT)
BINARY(nb_mul, KS_UFUNC_MULTIPLY)
BINARY(nb_truediv, KS_UFUNC_DIVIDE)
BINARY(nb_floordiv, KS_UFUNC_FLOOR_DIVIDE)
BINARY(nb_rem, KS_UFUNC_REMAINDER)
BINARY(nb_and, KS_UFUNC_BITWISE_AND)
BINARY(nb_or, KS_UFUNC_BITWISE_OR)
BINARY(nb_xor, KS_UFUNC_BITWISE_XOR)
BINARY(nb_lshift, KS_UFUNC_LEFT_SHIFT)
BINARY(nb_rshift, KS_UFUNC_RIGHT_SHIFT)
UNARY(nb_neg, KS_UFUNC_NEGATIVE)
UNARY(nb_pos, KS_UFUNC_POSITIVE)
UNARY(nb_abs, KS_UFUNC_ABSOLUTE)
UNARY(nb_invert, KS_UFUNC_INVERT)

static PyObject *nb_pow(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
    return ks_py_nd_ufunc(KS_UFUNC_POWER, a, b, NULL, NULL, NULL, NULL, KS_PY_ND_OPERAND);
}
static PyObject *nb_pow_inplace(PyObject *a, PyObject *b, PyObject *mod)
{
    if (mod != Py_None) Py_RETURN_NOTIMPLEMENTED;
    return ks_py_nd_ufunc(KS_UFUNC_POWER, a, b, a, NULL, NULL, NULL, KS_PY_ND_OPERAND);
}

static PyObject *nb_divmod(PyObject *a, PyObject *b)
{
    PyObject *q = nb_floordiv(a, b);
    if (!q || q == Py_NotImplemented) return q;
    PyObject *r = nb_rem(a, b);
    if (!r) {
        Py_DECREF(q);
        return NULL;
    }
    return Py_BuildValue("(NN)", q, r);
}

PyObject *ks_py_nd_matmul(PyObject *a, PyObject *b, int mode)
{
    ks_py_nd_arg x = {0}, y = {0};
    PyObject *r = NULL;
    int rc = ks_py_nd_arg_get(a, mode, &x);
    if (!rc) rc = ks_py_nd_arg_get(b, mode, &y);
    if (rc > 0) r = Py_NewRef(Py_NotImplemented);
    ks_ctx *ctx = rc ? NULL : ks_py_nd_ctx();
    if (ctx) {
        ks_array out;
        int st;
        if (ks_array_size(x.p) + ks_array_size(y.p) < KS_PY_ND_NOGIL) {
            st = ks_array_matmul(ctx, x.p, y.p, &out);
        } else {
            Py_BEGIN_ALLOW_THREADS
                st = ks_array_matmul(ctx, x.p, y.p, &out);
            Py_END_ALLOW_THREADS
        }
        r = ks_py_nd_result(ctx, st, &out, NULL);
    }
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    if (!r) { /* a value traced by kestrel.nd.fuse (nd.matmul; the operator returned above) */
        PyObject *const ab[2] = {a, b};
        r = ks_py_nd_traced("matmul", ab, 2, NULL);
    }
    return r;
}
static PyObject *nb_matmul(PyObject *a, PyObject *b)
{
    return ks_py_nd_matmul(a, b, KS_PY_ND_OPERAND);
}

/* The one element of a size-1 array as a Python number. */
static PyObject *only_item(PyObject *s, const char *what)
{
    const ks_array *a = ARR(s);
    if (ks_array_size(a) != 1) {
        PyErr_Format(PyExc_TypeError, "only length-1 arrays can be converted to Python %s", what);
        return NULL;
    }
    return ks_py_nd_elem(a->data, a->dtype);
}

static int nb_bool(PyObject *s)
{
    const ptrdiff_t n = ks_array_size(ARR(s));
    if (n != 1) {
        PyErr_SetString(PyExc_ValueError,
                        n ? "The truth value of an array with more than one element is "
                            "ambiguous. Use a.any() or a.all()"
                          : "The truth value of an empty array is ambiguous. Use `array.size > 0` "
                            "to check that an array is not empty.");
        return -1;
    }
    PyObject *v = only_item(s, "scalars");
    if (!v) return -1;
    const int r = PyObject_IsTrue(v);
    Py_DECREF(v);
    return r;
}

static PyObject *nb_float(PyObject *s)
{
    PyObject *v = only_item(s, "scalars");
    if (!v || !PyComplex_Check(v)) {
        PyObject *r = v ? PyNumber_Float(v) : NULL;
        Py_XDECREF(v);
        return r;
    }
    PyObject *r = PyFloat_FromDouble(PyComplex_RealAsDouble(v)); /* as NumPy (which warns) */
    Py_DECREF(v);
    return r;
}

static PyObject *nb_int(PyObject *s)
{
    PyObject *v = only_item(s, "scalars");
    if (v && PyComplex_Check(v)) Py_SETREF(v, PyFloat_FromDouble(PyComplex_RealAsDouble(v)));
    PyObject *r = v ? PyNumber_Long(v) : NULL;
    Py_XDECREF(v);
    return r;
}

static PyObject *nb_index(PyObject *s)
{
    const ks_array *a = ARR(s);
    const char k = ks_dtype_kind(a->dtype);
    if (a->ndim != 0 || (k != 'i' && k != 'u')) {
        PyErr_SetString(PyExc_TypeError,
                        "only integer scalar arrays can be converted to a scalar index");
        return NULL;
    }
    return ks_py_nd_elem(a->data, a->dtype);
}

static PyNumberMethods nd_as_number = {
    .nb_add = nb_add,
    .nb_subtract = nb_sub,
    .nb_multiply = nb_mul,
    .nb_remainder = nb_rem,
    .nb_divmod = nb_divmod,
    .nb_power = nb_pow,
    .nb_negative = nb_neg,
    .nb_positive = nb_pos,
    .nb_absolute = nb_abs,
    .nb_bool = nb_bool,
    .nb_invert = nb_invert,
    .nb_lshift = nb_lshift,
    .nb_rshift = nb_rshift,
    .nb_and = nb_and,
    .nb_xor = nb_xor,
    .nb_or = nb_or,
    .nb_int = nb_int,
    .nb_float = nb_float,
    .nb_inplace_add = nb_add_inplace,
    .nb_inplace_subtract = nb_sub_inplace,
    .nb_inplace_multiply = nb_mul_inplace,
    .nb_inplace_remainder = nb_rem_inplace,
    .nb_inplace_power = nb_pow_inplace,
    .nb_inplace_lshift = nb_lshift_inplace,
    .nb_inplace_rshift = nb_rshift_inplace,
    .nb_inplace_and = nb_and_inplace,
    .nb_inplace_xor = nb_xor_inplace,
    .nb_inplace_or = nb_or_inplace,
    .nb_floor_divide = nb_floordiv,
    .nb_true_divide = nb_truediv,
    .nb_inplace_floor_divide = nb_floordiv_inplace,
    .nb_inplace_true_divide = nb_truediv_inplace,
    .nb_index = nb_index,
    .nb_matrix_multiply = nb_matmul,
};

static PyObject *nd_richcompare(PyObject *a, PyObject *b, int op)
{
    static const ks_ufunc f[] = {KS_UFUNC_LESS,      KS_UFUNC_LESS_EQUAL, KS_UFUNC_EQUAL,
                                 KS_UFUNC_NOT_EQUAL, KS_UFUNC_GREATER,    KS_UFUNC_GREATER_EQUAL};
    PyObject *r = ks_py_nd_ufunc(f[op], a, b, NULL, NULL, NULL, NULL, KS_PY_ND_OPERAND);
    if (r != Py_NotImplemented || (op != Py_EQ && op != Py_NE)) return r;
    /* == and != with what is not an array (None, a str): every element unequal, as NumPy */
    Py_DECREF(r);
    const ks_array *x = KS_PY_ND_CHECK(a) ? ARR(a) : ARR(b);
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array v, out;
    int rc = ks_array_scalar_i64(ctx, KS_BOOL, op == Py_NE, &v);
    if (rc == KS_OK) rc = ks_array_full(ctx, KS_BOOL, x->ndim, x->shape, KS_ORDER_C, &v, &out);
    ks_array_release(&v);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* ---- sequence and mapping ---- */

static Py_ssize_t nd_length(PyObject *s)
{
    if (ARR(s)->ndim == 0) {
        PyErr_SetString(PyExc_TypeError, "len() of unsized object");
        return -1;
    }
    return ARR(s)->shape[0];
}

static PyObject *nd_item(PyObject *s, Py_ssize_t i)
{
    PyObject *k = PyLong_FromSsize_t(i);
    if (!k) return NULL;
    PyObject *r = ks_py_nd_getitem(s, k);
    Py_DECREF(k);
    return r;
}

static PyObject *nd_iter(PyObject *s)
{
    if (ARR(s)->ndim == 0) {
        PyErr_SetString(PyExc_TypeError, "iteration over a 0-d array");
        return NULL;
    }
    return PySeqIter_New(s);
}

static PyMappingMethods nd_as_mapping = {nd_length, ks_py_nd_getitem, ks_py_nd_setitem};
static PySequenceMethods nd_as_sequence = {.sq_length = nd_length, .sq_item = nd_item};

/* ---- the buffer protocol: Python and NumPy read the elements in place ---- */

static const char *const formats[KS_NDTYPES] = {"?", "b", "h", "i", "q",  "B", "H",
                                                "I", "Q", "f", "d", "Zf", "Zd"};

static int nd_getbuffer(PyObject *s, Py_buffer *v, int flags)
{
    const ks_array *a = ARR(s);
    const bool c = ks_array_is_c_contiguous(a), f = ks_array_is_f_contiguous(a);
    const char *why = NULL;
    if ((flags & PyBUF_WRITABLE) == PyBUF_WRITABLE && !(a->flags & KS_ARRAY_WRITEABLE))
        why = "array is read-only";
    else if ((flags & PyBUF_C_CONTIGUOUS) == PyBUF_C_CONTIGUOUS && !c)
        why = "ndarray is not C-contiguous";
    else if ((flags & PyBUF_F_CONTIGUOUS) == PyBUF_F_CONTIGUOUS && !f)
        why = "ndarray is not Fortran contiguous";
    else if ((flags & PyBUF_ANY_CONTIGUOUS) == PyBUF_ANY_CONTIGUOUS && !c && !f)
        why = "ndarray is not contiguous";
    else if ((flags & PyBUF_STRIDES) != PyBUF_STRIDES && !c)
        why = "ndarray is not C-contiguous";
    if (why) {
        PyErr_SetString(PyExc_BufferError, why);
        v->obj = NULL;
        return -1;
    }
    v->buf = a->data;
    v->obj = Py_NewRef(s);
    v->itemsize = (Py_ssize_t)ks_dtype_size(a->dtype);
    v->len = ks_array_size(a) * v->itemsize;
    v->readonly = !(a->flags & KS_ARRAY_WRITEABLE);
    v->ndim = a->ndim;
    v->format = (flags & PyBUF_FORMAT) ? (char *)formats[a->dtype] : NULL;
    v->shape = (flags & PyBUF_ND) == PyBUF_ND ? (Py_ssize_t *)a->shape : NULL;
    v->strides = (flags & PyBUF_STRIDES) == PyBUF_STRIDES ? (Py_ssize_t *)a->strides : NULL;
    v->suboffsets = NULL;
    v->internal = NULL;
    return 0;
}

static PyBufferProcs nd_as_buffer = {nd_getbuffer, NULL};

/* ---- methods ---- */

static PyObject *m_astype(FASTCALL_ARGS)
{
    PARSE("astype", 5, 1, "dtype", "order", "casting", "subok", "copy");
    int t;
    ks_casting casting;
    if (ks_py_nd_dtype_arg(o[0], false, &t) ||
        ks_py_nd_casting_arg(o[2], KS_CASTING_UNSAFE, &casting))
        return NULL;
    const ks_array *a = ARR(self);
    if (o[4] && !PyObject_IsTrue(o[4]) && (int)a->dtype == t) return Py_NewRef(self);
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_astype(ctx, a, (ks_dtype)t, casting, &out), &out, NULL);
}

static PyObject *m_copy(FASTCALL_ARGS)
{
    PARSE("copy", 1, 0, "order");
    ks_order order;
    if (ks_py_nd_order_of(o[0], ARR(self), &order)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_copy(ctx, ARR(self), order, &out), &out, NULL);
}

static PyObject *m_deepcopy(PyObject *self, PyObject *memo)
{
    (void)memo;
    return m_copy(self, NULL, 0, NULL);
}

static PyObject *m_reshape(FASTCALL_ARGS)
{
    PyObject *order = NULL, *copy_obj = NULL;
    const Py_ssize_t npos = nargs;
    for (Py_ssize_t k = 0; kw && k < PyTuple_GET_SIZE(kw); k++) { /* order= and copy= */
        PyObject *name = PyTuple_GET_ITEM(kw, k);
        if (!PyUnicode_CompareWithASCIIString(name, "order"))
            order = args[nargs + k];
        else if (!PyUnicode_CompareWithASCIIString(name, "copy"))
            copy_obj = args[nargs + k];
        else {
            PyErr_Format(PyExc_TypeError, "reshape() got an unexpected keyword argument '%U'",
                         name);
            return NULL;
        }
    }
    int ndim, copy;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ks_order ord;
    if (npos == 0) {
        PyErr_SetString(PyExc_TypeError, "reshape() missing required argument 'shape'");
        return NULL;
    }
    PyObject *t = npos == 1 ? Py_NewRef(args[0]) : PyTuple_New(npos);
    if (!t) return NULL;
    if (npos > 1)
        for (Py_ssize_t k = 0; k < npos; k++) PyTuple_SET_ITEM(t, k, Py_NewRef(args[k]));
    const int bad = ks_py_nd_shape_arg(t, &ndim, shape) || ks_py_nd_order_arg(order, &ord) ||
                    ks_py_nd_copy_arg(copy_obj, &copy);
    Py_DECREF(t);
    if (bad) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    return ks_py_nd_reshape(ctx, ARR(self), self, ndim, shape, ord, copy);
}

static PyObject *m_ravel(FASTCALL_ARGS)
{
    PARSE("ravel", 1, 0, "order");
    ks_order order;
    if (ks_py_nd_order_of(o[0], ARR(self), &order)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_ravel(ctx, ARR(self), order, &out), &out, self);
}

static PyObject *m_flatten(FASTCALL_ARGS)
{
    PARSE("flatten", 1, 0, "order");
    ks_order order;
    if (ks_py_nd_order_of(o[0], ARR(self), &order)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array c, out;
    int rc = ks_array_copy(ctx, ARR(self), order, &c);
    if (rc == KS_OK) rc = ks_array_ravel(ctx, &c, order, &out);
    ks_array_release(&c);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

static PyObject *m_transpose(PyObject *self, PyObject *args)
{
    const ks_array *a = ARR(self);
    Py_ssize_t n = PyTuple_GET_SIZE(args);
    PyObject *seq = args;
    if (n == 1 && PyTuple_GET_ITEM(args, 0) == Py_None)
        n = 0;
    else if (n == 1 && !PyIndex_Check(PyTuple_GET_ITEM(args, 0)))
        seq = PyTuple_GET_ITEM(args, 0);
    int axes[KS_ARRAY_MAXDIMS];
    if (n) {
        PyObject *fast = PySequence_Fast(seq, "transpose: axes must be a sequence of ints");
        if (!fast) return NULL;
        n = PySequence_Fast_GET_SIZE(fast);
        if (n != a->ndim) {
            Py_DECREF(fast);
            PyErr_SetString(PyExc_ValueError, "axes don't match array");
            return NULL;
        }
        for (Py_ssize_t k = 0; k < n; k++)
            if (ks_py_nd_axis_arg(PySequence_Fast_GET_ITEM(fast, k), a->ndim, &axes[k])) {
                Py_DECREF(fast);
                return NULL;
            }
        Py_DECREF(fast);
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_transpose(ctx, a, n ? axes : NULL, &out), &out, self);
}

static PyObject *m_swapaxes(FASTCALL_ARGS)
{
    PARSE("swapaxes", 2, 2, "axis1", "axis2");
    int a1, a2;
    if (ks_py_nd_axis_arg(o[0], ARR(self)->ndim, &a1) ||
        ks_py_nd_axis_arg(o[1], ARR(self)->ndim, &a2))
        return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_swapaxes(ctx, ARR(self), a1, a2, &out), &out, self);
}

static PyObject *m_squeeze(FASTCALL_ARGS)
{
    PARSE("squeeze", 1, 0, "axis");
    uint64_t axes;
    if (ks_py_nd_axes_arg(o[0], ARR(self)->ndim, &axes)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_squeeze(ctx, ARR(self), axes, &out), &out, self);
}

static PyObject *m_fill(PyObject *self, PyObject *value)
{
    ks_py_nd_arg v;
    if (ks_py_nd_arg_get(value, 0, &v)) {
        ks_py_nd_arg_release(&v);
        return NULL;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    const int rc = ctx ? ks_array_assign(ctx, ARR(self), v.p, KS_CASTING_UNSAFE) : KS_ENOMEM;
    ks_py_nd_arg_release(&v);
    if (!ctx) return NULL;
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    Py_RETURN_NONE;
}

static PyObject *tolist_at(const ks_array *a, int dim, const char *p)
{
    if (dim == a->ndim) return ks_py_nd_elem(p, a->dtype);
    PyObject *l = PyList_New(a->shape[dim]);
    for (ptrdiff_t i = 0; l && i < a->shape[dim]; i++) {
        PyObject *x = tolist_at(a, dim + 1, p + i * a->strides[dim]);
        if (!x) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, i, x);
    }
    return l;
}

static PyObject *m_tolist(PyObject *self, PyObject *unused)
{
    (void)unused;
    return tolist_at(ARR(self), 0, ARR(self)->data);
}

static PyObject *m_item(PyObject *self, PyObject *args)
{
    const ks_array *a = ARR(self);
    const Py_ssize_t n = PyTuple_GET_SIZE(args);
    const ptrdiff_t size = ks_array_size(a);
    if (n == 0) {
        if (size != 1) {
            PyErr_SetString(PyExc_ValueError,
                            "can only convert an array of size 1 to a Python scalar");
            return NULL;
        }
        return ks_py_nd_elem(a->data, a->dtype);
    }
    ptrdiff_t idx[KS_ARRAY_MAXDIMS];
    if (n == 1) { /* a flat position in C order */
        Py_ssize_t f = PyNumber_AsSsize_t(PyTuple_GET_ITEM(args, 0), PyExc_IndexError);
        if (f == -1 && PyErr_Occurred()) return NULL;
        if (f < 0) f += size;
        if (f < 0 || f >= size) {
            PyErr_SetString(PyExc_IndexError, "index out of bounds");
            return NULL;
        }
        for (int k = a->ndim - 1; k >= 0; k--) {
            idx[k] = f % a->shape[k];
            f /= a->shape[k];
        }
    } else {
        if (n != a->ndim) {
            PyErr_SetString(PyExc_ValueError, "incorrect number of indices for array");
            return NULL;
        }
        for (int k = 0; k < a->ndim; k++) {
            Py_ssize_t i = PyNumber_AsSsize_t(PyTuple_GET_ITEM(args, k), PyExc_IndexError);
            if (i == -1 && PyErr_Occurred()) return NULL;
            if (i < 0) i += a->shape[k];
            if (i < 0 || i >= a->shape[k]) {
                PyErr_SetString(PyExc_IndexError, "index out of bounds");
                return NULL;
            }
            idx[k] = i;
        }
    }
    const char *p = a->data;
    for (int k = 0; k < a->ndim; k++) p += idx[k] * a->strides[k];
    return ks_py_nd_elem(p, a->dtype);
}

static PyObject *m_tobytes(FASTCALL_ARGS)
{
    PARSE("tobytes", 1, 0, "order");
    ks_order order;
    if (ks_py_nd_order_of(o[0], ARR(self), &order)) return NULL;
    const ks_array *a = ARR(self);
    const ptrdiff_t nbytes = ks_array_size(a) * (ptrdiff_t)ks_dtype_size(a->dtype);
    if (order == KS_ORDER_C ? ks_array_is_c_contiguous(a) : ks_array_is_f_contiguous(a))
        return PyBytes_FromStringAndSize(a->data, nbytes);
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array c;
    const int rc = ks_array_copy(ctx, a, order, &c);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    PyObject *r = PyBytes_FromStringAndSize(c.data, nbytes);
    ks_array_release(&c);
    return r;
}

static PyObject *m_round(FASTCALL_ARGS)
{
    PARSE("round", 2, 0, "decimals", "out");
    const int d = o[0] ? PyLong_AsLong(o[0]) : 0;
    if (d == -1 && PyErr_Occurred()) return NULL;
    if (o[1] && o[1] != Py_None) {
        PyErr_SetString(PyExc_NotImplementedError, "kestrel.nd: round(out=) is not supported");
        return NULL;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_round(ctx, ARR(self), d, &out), &out, NULL);
}

static PyObject *m_clip(FASTCALL_ARGS)
{
    PARSE("clip", 3, 0, "min", "max", "out");
    return ks_py_nd_clip(self, o[0], o[1], o[2]);
}

static PyObject *m_nonzero(PyObject *self, PyObject *unused)
{
    (void)unused;
    const ks_array *a = ARR(self);
    const int n = a->ndim;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array outs[KS_ARRAY_MAXDIMS];
    const int rc = ks_array_nonzero(ctx, a, outs);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    PyObject *t = PyTuple_New(n);
    for (int k = 0; k < n; k++) {
        PyObject *x = t ? ks_py_nd_wrap(&outs[k], NULL) : NULL;
        if (!x) {
            for (int j = k + 1; j < n; j++) ks_array_release(&outs[j]);
            Py_XDECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, k, x);
    }
    return t;
}

static int take_mode(PyObject *o, int *mode)
{
    *mode = 0;
    if (!o || o == Py_None) return 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (s && !strcmp(s, "raise")) return 0;
    if (s && !strcmp(s, "wrap")) return *mode = 1, 0;
    if (s && !strcmp(s, "clip")) return *mode = 2, 0;
    PyErr_Format(PyExc_ValueError, "mode must be 'raise', 'wrap' or 'clip', not %R", o);
    return -1;
}

PyObject *ks_py_nd_take(PyObject *a, PyObject *indices, PyObject *axis, PyObject *mode)
{
    ks_py_nd_arg x = {0}, i = {0};
    PyObject *r = NULL;
    int m, ax = KS_AXIS_NONE;
    if (take_mode(mode, &m) || ks_py_nd_arg_get(a, 0, &x) || ks_py_nd_arg_get(indices, 0, &i) ||
        (axis && axis != Py_None && ks_py_nd_axis_arg(axis, x.p->ndim, &ax)))
        goto done;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (ctx) {
        ks_array out;
        r = ks_py_nd_result(ctx, ks_array_take(ctx, x.p, i.p, ax, m, &out), &out, NULL);
    }
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (i.p) ks_py_nd_arg_release(&i);
    return r;
}

static PyObject *m_take(FASTCALL_ARGS)
{
    PARSE("take", 4, 1, "indices", "axis", "out", "mode");
    return ks_py_nd_take(self, o[0], o[1], o[3]);
}

PyObject *ks_py_nd_put(PyObject *a, PyObject *indices, PyObject *values, PyObject *mode)
{
    if (!KS_PY_ND_CHECK(a)) {
        PyErr_SetString(PyExc_TypeError, "put: the array must be a kestrel.nd.ndarray");
        return NULL;
    }
    ks_py_nd_arg i = {0}, v = {0};
    PyObject *r = NULL;
    int m;
    if (take_mode(mode, &m) || ks_py_nd_arg_get(indices, 0, &i) || ks_py_nd_arg_get(values, 0, &v))
        goto done;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (ctx) {
        const int rc = ks_array_put(ctx, ARR(a), i.p, v.p, m);
        r = rc == KS_OK ? Py_NewRef(Py_None) : ks_py_nd_raise(ctx, rc);
    }
done:
    if (i.p) ks_py_nd_arg_release(&i);
    if (v.p) ks_py_nd_arg_release(&v);
    return r;
}

static PyObject *m_put(FASTCALL_ARGS)
{
    PARSE("put", 3, 2, "indices", "values", "mode");
    return ks_py_nd_put(self, o[0], o[1], o[2]);
}

/* numpy.asarray(a): a NumPy array over this array's memory (its base keeps this one alive). */
static PyObject *m_array(FASTCALL_ARGS)
{
    PARSE("__array__", 2, 0, "dtype", "copy");
    const ks_array *a = ARR(self);
    PyArray_Descr *d = PyArray_DescrFromType(ks_py_nd_to_npy(a->dtype));
    if (!d) return NULL;
    PyObject *na = PyArray_NewFromDescr(
        &PyArray_Type, d, a->ndim, (npy_intp *)a->shape, (npy_intp *)a->strides, a->data,
        a->flags & KS_ARRAY_WRITEABLE ? NPY_ARRAY_WRITEABLE : 0, NULL);
    if (!na) return NULL;
    if (PyArray_SetBaseObject((PyArrayObject *)na, Py_NewRef(self))) {
        Py_DECREF(na);
        return NULL;
    }
    const int copy = o[1] && o[1] != Py_None ? PyObject_IsTrue(o[1]) : -1;
    bool copied = false;
    if (o[0] && o[0] != Py_None) {
        PyArray_Descr *want = NULL;
        if (!PyArray_DescrConverter(o[0], &want)) {
            Py_DECREF(na);
            return NULL;
        }
        if (!PyArray_EquivTypes(want, PyArray_DESCR((PyArrayObject *)na))) {
            if (copy == 0) {
                Py_DECREF(want);
                Py_DECREF(na);
                PyErr_SetString(PyExc_ValueError,
                                "Unable to avoid copy while creating an array as requested.");
                return NULL;
            }
            PyObject *c = PyArray_CastToType((PyArrayObject *)na, want, 0);
            Py_DECREF(na);
            na = c;
            copied = true;
        } else
            Py_DECREF(want);
    }
    if (na && copy == 1 && !copied) {
        PyObject *c = PyArray_NewCopy((PyArrayObject *)na, NPY_KEEPORDER);
        Py_DECREF(na);
        na = c;
    }
    return na;
}

static PyObject *m_array_ufunc(PyObject *self, PyObject *args, PyObject *kwargs)
{
    PyObject *f = support("array_ufunc");
    if (!f) return NULL;
    PyObject *all = PyTuple_New(PyTuple_GET_SIZE(args) + 1);
    PyObject *r = NULL;
    if (all) {
        PyTuple_SET_ITEM(all, 0, Py_NewRef(self));
        for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(args); k++)
            PyTuple_SET_ITEM(all, k + 1, Py_NewRef(PyTuple_GET_ITEM(args, k)));
        r = PyObject_Call(f, all, kwargs);
        Py_DECREF(all);
    }
    Py_DECREF(f);
    return r;
}

static PyObject *m_namespace(FASTCALL_ARGS)
{
    (void)self;
    PARSE("__array_namespace__", 0, 0, "api_version");
    if (o[0] && o[0] != Py_None && PyUnicode_CompareWithASCIIString(o[0], "2024.12") &&
        PyUnicode_CompareWithASCIIString(o[0], "2023.12") &&
        PyUnicode_CompareWithASCIIString(o[0], "2022.12")) {
        PyErr_Format(PyExc_ValueError,
                     "kestrel.nd implements the array API 2024.12 (and 2023.12, 2022.12), not %R",
                     o[0]);
        return NULL;
    }
    return PyImport_ImportModule("kestrel.nd");
}

static PyObject *m_to_device(FASTCALL_ARGS)
{
    PARSE("to_device", 1, 1, "device", "stream");
    if (PyUnicode_Check(o[0]) && !PyUnicode_CompareWithASCIIString(o[0], "cpu"))
        return Py_NewRef(self);
    PyErr_Format(PyExc_ValueError, "kestrel.nd arrays live on 'cpu', not %R", o[0]);
    return NULL;
}

static PyObject *m_format(PyObject *self, PyObject *spec)
{
    PyObject *v = ARR(self)->ndim == 0 ? ks_py_nd_elem(ARR(self)->data, ARR(self)->dtype)
                                       : PyObject_Str(self);
    if (!v) return NULL;
    PyObject *r = PyObject_Format(v, spec);
    Py_DECREF(v);
    return r;
}

/* pickle: (rebuild, (the C-order bytes, the dtype's name, the shape)). */
static PyObject *m_reduce(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *f = support("rebuild");
    PyObject *bytes = f ? m_tobytes(self, NULL, 0, NULL) : NULL;
    PyObject *shape = bytes ? g_shape(self, NULL) : NULL;
    PyObject *r = shape ? Py_BuildValue("(O(OsO))", f, bytes, ks_dtype_name(ARR(self)->dtype),
                                        shape)
                        : NULL;
    Py_XDECREF(bytes);
    Py_XDECREF(shape);
    Py_XDECREF(f);
    return r;
}

static PyObject *m_complex(PyObject *self, PyObject *unused)
{
    (void)unused;
    PyObject *v = only_item(self, "scalars");
    if (!v) return NULL;
    PyObject *r = PyObject_CallOneArg((PyObject *)&PyComplex_Type, v);
    Py_DECREF(v);
    return r;
}

static PyMethodDef nd_methods[] = {
    {"astype", (PyCFunction)(void (*)(void))m_astype, METH_FASTCALL | METH_KEYWORDS,
     "a.astype(dtype, order='K', casting='unsafe', copy=True): a copy with another dtype"},
    {"copy", (PyCFunction)(void (*)(void))m_copy, METH_FASTCALL | METH_KEYWORDS,
     "a.copy(order='C')"},
    {"__copy__", (PyCFunction)(void (*)(void))m_copy, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"__deepcopy__", m_deepcopy, METH_O, NULL},
    {"reshape", (PyCFunction)(void (*)(void))m_reshape, METH_FASTCALL | METH_KEYWORDS,
     "a.reshape(shape, order='C'): a view where the strides allow, else a copy"},
    {"ravel", (PyCFunction)(void (*)(void))m_ravel, METH_FASTCALL | METH_KEYWORDS,
     "a.ravel(order='C'): 1-d (a view when contiguous)"},
    {"flatten", (PyCFunction)(void (*)(void))m_flatten, METH_FASTCALL | METH_KEYWORDS,
     "a.flatten(order='C'): a 1-d copy"},
    {"transpose", m_transpose, METH_VARARGS, "a.transpose(*axes): a view"},
    {"swapaxes", (PyCFunction)(void (*)(void))m_swapaxes, METH_FASTCALL | METH_KEYWORDS,
     "a.swapaxes(axis1, axis2): a view"},
    {"squeeze", (PyCFunction)(void (*)(void))m_squeeze, METH_FASTCALL | METH_KEYWORDS,
     "a.squeeze(axis=None): length-1 axes removed (a view)"},
    {"fill", m_fill, METH_O, "a.fill(value): every element set to value"},
    {"tolist", m_tolist, METH_NOARGS, "nested lists of Python numbers"},
    {"item", m_item, METH_VARARGS, "a.item(*index): one element as a Python number"},
    {"tobytes", (PyCFunction)(void (*)(void))m_tobytes, METH_FASTCALL | METH_KEYWORDS,
     "a.tobytes(order='C'): the elements' bytes"},
    {"round", (PyCFunction)(void (*)(void))m_round, METH_FASTCALL | METH_KEYWORDS,
     "a.round(decimals=0): half to even"},
    {"__round__", (PyCFunction)(void (*)(void))m_round, METH_FASTCALL | METH_KEYWORDS, NULL},
    {"clip", (PyCFunction)(void (*)(void))m_clip, METH_FASTCALL | METH_KEYWORDS,
     "a.clip(min=None, max=None, out=None)"},
    {"nonzero", m_nonzero, METH_NOARGS, "a tuple of int64 arrays, one per axis"},
    {"take", (PyCFunction)(void (*)(void))m_take, METH_FASTCALL | METH_KEYWORDS,
     "a.take(indices, axis=None, mode='raise')"},
    {"put", (PyCFunction)(void (*)(void))m_put, METH_FASTCALL | METH_KEYWORDS,
     "a.put(indices, values, mode='raise'): in place, on the raveled array"},
    {"__array__", (PyCFunction)(void (*)(void))m_array, METH_FASTCALL | METH_KEYWORDS,
     "a NumPy array over the same memory"},
    {"__array_ufunc__", (PyCFunction)(void (*)(void))m_array_ufunc, METH_VARARGS | METH_KEYWORDS,
     "NumPy's ufuncs on kestrel arrays run kestrel's (NEP 13)"},
    {"__array_namespace__", (PyCFunction)(void (*)(void))m_namespace, METH_FASTCALL | METH_KEYWORDS,
     "the module kestrel.nd"},
    {"to_device", (PyCFunction)(void (*)(void))m_to_device, METH_FASTCALL | METH_KEYWORDS,
     "to_device($self, device, /, *, stream=None)\n--\n\na itself for 'cpu'"},
    {"__format__", m_format, METH_O, NULL},
    {"__complex__", m_complex, METH_NOARGS, NULL},
    {"__reduce__", m_reduce, METH_NOARGS, NULL},
    {NULL, NULL, 0, NULL},
};

PyTypeObject ks_py_nd_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kestrel.nd.ndarray",
    .tp_basicsize = sizeof(ks_py_nd),
    .tp_dealloc = nd_dealloc,
    .tp_repr = nd_repr,
    .tp_str = nd_str,
    .tp_as_number = &nd_as_number,
    .tp_as_sequence = &nd_as_sequence,
    .tp_as_mapping = &nd_as_mapping,
    .tp_hash = PyObject_HashNotImplemented,
    .tp_as_buffer = &nd_as_buffer,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An n-d array over kestrel's C core (kestrel.nd.asarray, zeros, ... make them).",
    .tp_richcompare = nd_richcompare,
    .tp_iter = nd_iter,
    .tp_methods = nd_methods,
    .tp_getset = nd_getset,
};

int ks_py_nd_type_init(void)
{
    if (PyType_Ready(&ks_py_nd_type)) return -1;
    /* the reduction and DLPack methods live with their concepts, in their own files */
    PyMethodDef *tables[] = {ks_py_nd_reduce_methods, ks_py_nd_dlpack_methods,
                             ks_py_nd_sort_methods, ks_py_nd_products_methods};
    for (size_t t = 0; t < sizeof tables / sizeof *tables; t++)
        for (PyMethodDef *m = tables[t]; m->ml_name; m++) {
            PyObject *d = PyDescr_NewMethod(&ks_py_nd_type, m);
            if (!d || PyDict_SetItemString(ks_py_nd_type.tp_dict, m->ml_name, d)) {
                Py_XDECREF(d);
                return -1;
            }
            Py_DECREF(d);
        }
    PyType_Modified(&ks_py_nd_type);
    return 0;
}
