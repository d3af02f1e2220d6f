/* _core_nd_funcs.c — kestrel.nd's element-wise functions (the ufunc objects: add, sin, ... with
 * out=, where=, dtype=, casting=), creation (asarray, zeros, arange, eye, ...), shape and joining,
 * and NumPy's type promotion functions. Each binding shapes its arguments and calls one C
 * function; python/kestrel/nd.py only renames and fills defaults. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

#undef PARSE /* the shared one, for module functions: self is unused here */
#define PARSE(fname, npos, nreq, ...)                                                              \
    (void)self;                                                                                    \
    static const char *const names_[] = {__VA_ARGS__, NULL};                                       \
    PyObject *o[sizeof names_ / sizeof *names_];                                                   \
    if (ks_py_nd_args(fname, args, nargs, kw, names_, npos, nreq, o)) return NULL

/* ---- the element-wise call ---- */

static int out_arg(PyObject *out, const ks_array **p)
{
    *p = NULL;
    if (!GIVEN(out)) return 0;
    if (PyTuple_Check(out) && PyTuple_GET_SIZE(out) == 1) out = PyTuple_GET_ITEM(out, 0);
    if (!KS_PY_ND_CHECK(out)) {
        PyErr_Format(PyExc_TypeError, "out must be a kestrel.nd.ndarray, not %.100s",
                     Py_TYPE(out)->tp_name);
        return -1;
    }
    *p = ARR(out);
    return 0;
}

/* ---- temporary elision ----
 * `1 / (1 + exp(-x))` makes three temporaries; NumPy writes each operator's result over a
 * temporary operand instead of a fresh buffer (fewer cache lines, no allocation). An operand is
 * the interpreter's temporary when it is an ndarray with one reference and the running Python
 * code is at an operator instruction: a C caller (Cython, an extension) holding its only
 * reference calls from a CALL instruction, or from no Python frame, so its array is never
 * overwritten (NumPy checks the C backtrace for the same reason). Only for 256 KiB and more,
 * NumPy's threshold: smaller buffers are cheap and hot anyway. */
static int op_binary = -1, op_neg = -1, op_inv = -1, op_pos = -1;

int ks_py_nd_elide_init(void)
{
    PyObject *m = PyImport_ImportModule("opcode");
    PyObject *map = m ? PyObject_GetAttrString(m, "opmap") : NULL;
    Py_XDECREF(m);
    if (!map) return -1;
    PyObject *v;
    if ((v = PyDict_GetItemString(map, "BINARY_OP"))) op_binary = (int)PyLong_AsLong(v);
    if ((v = PyDict_GetItemString(map, "UNARY_NEGATIVE"))) op_neg = (int)PyLong_AsLong(v);
    if ((v = PyDict_GetItemString(map, "UNARY_INVERT"))) op_inv = (int)PyLong_AsLong(v);
    if ((v = PyDict_GetItemString(map, "UNARY_POSITIVE"))) op_pos = (int)PyLong_AsLong(v);
    Py_DECREF(map);
    return PyErr_Occurred() ? -1 : 0;
}

static bool at_operator(bool binary)
{
    PyFrameObject *frame = PyEval_GetFrame(); /* borrowed */
    if (!frame) return false;
    PyCodeObject *co = PyFrame_GetCode(frame);
    PyObject *code = PyCode_GetCode(co); /* without the interpreter's specialisations */
    Py_DECREF(co);
    if (!code) {
        PyErr_Clear();
        return false;
    }
    const int lasti = PyFrame_GetLasti(frame);
    int op = -1;
    if (lasti >= 0 && lasti < PyBytes_GET_SIZE(code))
        op = (unsigned char)PyBytes_AS_STRING(code)[lasti];
    Py_DECREF(code);
    return binary ? op == op_binary : op >= 0 && (op == op_neg || op == op_inv || op == op_pos);
}

static bool temporary(PyObject *o)
{
    if (!KS_PY_ND_CHECK(o) || Py_REFCNT(o) != 1) return false;
    const ks_array *a = ARR(o);
    return (size_t)ks_array_size(a) * ks_dtype_size(a->dtype) >= ((size_t)256 << 10);
}

PyObject *ks_py_nd_ufunc(ks_ufunc f, PyObject *a, PyObject *b, PyObject *out, PyObject *where,
                         PyObject *dtype, PyObject *casting, int mode)
{
    ks_py_nd_arg x = {0}, y = {0}, w = {0};
    ks_ufunc_options opt = KS_UFUNC_OPTIONS_INIT;
    PyObject *r = NULL;
    int rc = ks_py_nd_arg_get(a, mode | KS_PY_ND_WEAK, &x);
    if (!rc && b) rc = ks_py_nd_arg_get(b, mode | KS_PY_ND_WEAK, &y);
    if (rc > 0) {
        r = Py_NewRef(Py_NotImplemented);
        goto done;
    }
    if (rc || out_arg(out, &opt.out) || ks_py_nd_dtype_arg(dtype, true, &opt.dtype) ||
        ks_py_nd_casting_arg(casting, KS_CASTING_SAME_KIND, &opt.casting))
        goto done;
    if (GIVEN(where) && where != Py_True) {
        if (ks_py_nd_arg_get(where, 0, &w)) goto done;
        opt.where = w.p;
    }
    if ((mode & KS_PY_ND_ELIDE) && !opt.out) {
        const bool ta = temporary(a), tb = b && temporary(b);
        if ((ta || tb) && at_operator(b != NULL)) opt.reuse = (ta ? 1u : 0u) | (tb ? 2u : 0u);
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    const ks_array *in[2] = {x.p, y.p};
    ks_array res;
    int st;
    const ptrdiff_t n = ks_array_size(x.p) + (b ? ks_array_size(y.p) : 0);
    if (n < KS_PY_ND_NOGIL) {
        st = ks_ufunc_call(ctx, f, in, &opt, &res);
    } else {
        Py_BEGIN_ALLOW_THREADS
            st = ks_ufunc_call(ctx, f, in, &opt, &res);
        Py_END_ALLOW_THREADS
    }
    if (st == KS_OK && opt.out) {
        ks_array_release(&res);
        r = Py_NewRef(PyTuple_Check(out) ? PyTuple_GET_ITEM(out, 0) : out);
    } else
        r = ks_py_nd_result(ctx, st, &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    if (w.p) ks_py_nd_arg_release(&w);
    return r;
}

/* ---- ufunc objects ---- */

typedef struct {
    PyObject_HEAD vectorcallfunc vectorcall;
    ks_ufunc f;
} ks_py_ufunc;

static PyObject *uf_call(PyObject *self, PyObject *const *args, size_t nargsf, PyObject *kw)
{
    const ks_ufunc f = ((ks_py_ufunc *)self)->f;
    const Py_ssize_t nargs = PyVectorcall_NARGS(nargsf);
    PyObject *o[8];
    static const char *const n1[] = {"x",     "out",   "where", "casting",
                                     "dtype", "order", "subok", NULL};
    static const char *const n2[] = {"x1",    "x2",    "out",   "where", "casting",
                                     "dtype", "order", "subok", NULL};
    const int nin = ks_ufunc_nin(f);
    if (ks_py_nd_args(ks_ufunc_name(f), args, nargs, kw, nin == 2 ? n2 : n1, nin + 1, nin, o))
        return NULL;
    PyObject *const *k = o + nin;
    PyObject *r = ks_py_nd_ufunc(f, o[0], nin == 2 ? o[1] : NULL, k[0], k[1], k[3], k[2], 0);
    return r ? r : ks_py_nd_traced(ks_ufunc_name(f), args, nargs, kw);
}

static PyObject *uf_name(PyObject *s, void *c)
{
    (void)c;
    return PyUnicode_FromString(ks_ufunc_name(((ks_py_ufunc *)s)->f));
}
static PyObject *uf_nin(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(ks_ufunc_nin(((ks_py_ufunc *)s)->f));
}
static PyObject *uf_one(PyObject *s, void *c)
{
    (void)s, (void)c;
    return PyLong_FromLong(1);
}
static PyObject *uf_nargs(PyObject *s, void *c)
{
    (void)c;
    return PyLong_FromLong(ks_ufunc_nin(((ks_py_ufunc *)s)->f) + 1);
}
/* inspect.signature(ufunc), as NumPy's: the signature of a stand-in builtin whose docstring
 * spells the call (libraries such as scikit-learn look for a dtype= parameter) */
static PyObject *uf_stand_in(PyObject *s, PyObject *a)
{
    (void)s, (void)a;
    Py_RETURN_NONE;
}
static PyObject *uf_signature(PyObject *s, void *c)
{
    (void)c;
    static PyMethodDef stand_in[2] = {
        {"f", uf_stand_in, METH_VARARGS,
         "f(x, /, out=None, *, where=True, casting='same_kind', dtype=None, order='K', "
         "subok=True)\n--\n\n"},
        {"f", uf_stand_in, METH_VARARGS,
         "f(x1, x2, /, out=None, *, where=True, casting='same_kind', dtype=None, order='K', "
         "subok=True)\n--\n\n"},
    };
    PyObject *inspect = PyImport_ImportModule("inspect");
    if (!inspect) return NULL;
    PyObject *f = PyCFunction_New(&stand_in[ks_ufunc_nin(((ks_py_ufunc *)s)->f) == 2], NULL);
    PyObject *r = f ? PyObject_CallMethod(inspect, "signature", "O", f) : NULL;
    Py_XDECREF(f);
    Py_DECREF(inspect);
    return r;
}
static PyObject *uf_repr(PyObject *s)
{
    return PyUnicode_FromFormat("<ufunc '%s'>", ks_ufunc_name(((ks_py_ufunc *)s)->f));
}

static PyGetSetDef uf_getset[] = {
    {"__name__", uf_name, NULL, NULL, NULL},
    {"nin", uf_nin, NULL, NULL, NULL},
    {"nout", uf_one, NULL, NULL, NULL},
    {"nargs", uf_nargs, NULL, NULL, NULL},
    {"__signature__", uf_signature, NULL, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

PyTypeObject ks_py_ufunc_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kestrel.nd.ufunc",
    .tp_basicsize = sizeof(ks_py_ufunc),
    .tp_vectorcall_offset = offsetof(ks_py_ufunc, vectorcall),
    .tp_call = PyVectorcall_Call,
    .tp_repr = uf_repr,
    .tp_flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_VECTORCALL,
    .tp_doc = "An element-wise function: f(x1[, x2], /, out=None, *, where=True, "
              "casting='same_kind', dtype=None). Inputs broadcast and promote as NumPy's (Python "
              "scalars are weak, NEP 50); where= leaves out's elements where it is False.",
    .tp_getset = uf_getset,
};

int ks_py_ufunc_init(PyObject *m)
{
    if (PyType_Ready(&ks_py_ufunc_type)) return -1;
    for (int f = 0; f < KS_NUFUNCS; f++) {
        ks_py_ufunc *u = PyObject_New(ks_py_ufunc, &ks_py_ufunc_type);
        if (!u) return -1;
        u->f = (ks_ufunc)f;
        u->vectorcall = uf_call;
        if (PyModule_AddObject(m, ks_ufunc_name((ks_ufunc)f), (PyObject *)u)) {
            Py_DECREF(u);
            return -1;
        }
    }
    Py_INCREF(&ks_py_ufunc_type);
    return PyModule_AddObject(m, "ufunc", (PyObject *)&ks_py_ufunc_type);
}

/* ---- conversion and creation ---- */

/* The operand `arg` of a call as an ndarray: the object itself when it was one. */
static PyObject *as_object(PyObject *obj, ks_py_nd_arg *arg)
{
    if (arg->p != &arg->tmp) return Py_NewRef(obj);
    const bool shares = PyArray_Check(obj) && arg->tmp.data == PyArray_DATA((PyArrayObject *)obj);
    PyObject *r = ks_py_nd_wrap(&arg->tmp, NULL);
    arg->p = NULL;
    if (r && shares) ((ks_py_nd *)r)->base = Py_NewRef(obj);
    return r;
}

static PyObject *f_asarray(FASTCALL_ARGS)
{
    PARSE("asarray", 3, 1, "obj", "dtype", "copy", "device", "order");
    int t;
    if (ks_py_nd_dtype_arg(o[1], true, &t)) return NULL;
    if (GIVEN(o[3]) && (!PyUnicode_Check(o[3]) || PyUnicode_CompareWithASCIIString(o[3], "cpu"))) {
        PyErr_Format(PyExc_ValueError, "kestrel.nd arrays live on 'cpu', not %R", o[3]);
        return NULL;
    }
    const int copy = GIVEN(o[2]) ? PyObject_IsTrue(o[2]) : -1;
    if (copy == -1 && PyErr_Occurred()) return NULL;
    ks_py_nd_arg a;
    if (ks_py_nd_arg_get(o[0], 0, &a)) {
        ks_py_nd_arg_release(&a);
        return NULL;
    }
    const bool convert = t >= 0 && t != (int)a.p->dtype;
    if (copy == 0 && convert) {
        ks_py_nd_arg_release(&a);
        PyErr_SetString(PyExc_ValueError,
                        "Unable to avoid copy while creating an array as requested.");
        return NULL;
    }
    if (!convert && copy != 1) return as_object(o[0], &a);
    ks_ctx *ctx = ks_py_nd_ctx();
    ks_array out;
    const int rc = !ctx      ? KS_ENOMEM
                   : convert ? ks_array_astype(ctx, a.p, (ks_dtype)t, KS_CASTING_UNSAFE, &out)
                             : ks_array_copy(ctx, a.p, KS_ORDER_C, &out);
    ks_py_nd_arg_release(&a);
    return ctx ? ks_py_nd_result(ctx, rc, &out, NULL) : NULL;
}

/* empty / zeros / ones / full: (shape, [fill_value,] dtype, order). */
static PyObject *creation(PyObject *shape_o, PyObject *fill, PyObject *dtype_o, PyObject *order_o,
                          int which)
{
    int ndim, t;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ks_order order;
    if (ks_py_nd_shape_arg(shape_o, &ndim, shape) || ks_py_nd_dtype_arg(dtype_o, true, &t) ||
        ks_py_nd_order_arg(order_o, &order))
        return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    int rc;
    if (which == 0)
        rc = ks_array_empty(ctx, t < 0 ? KS_FLOAT64 : (ks_dtype)t, ndim, shape, order, &out);
    else if (which == 1)
        rc = ks_array_zeros(ctx, t < 0 ? KS_FLOAT64 : (ks_dtype)t, ndim, shape, order, &out);
    else {
        ks_py_nd_arg v;
        PyObject *one = which == 2 ? PyLong_FromLong(1) : Py_NewRef(fill);
        if (!one) return NULL;
        const int bad = ks_py_nd_arg_get(one, which == 2 ? KS_PY_ND_WEAK : 0, &v);
        Py_DECREF(one);
        if (bad) {
            ks_py_nd_arg_release(&v);
            return NULL;
        }
        const ks_dtype dt = t >= 0 ? (ks_dtype)t : which == 2 ? KS_FLOAT64 : v.p->dtype;
        rc = ks_array_full(ctx, dt, ndim, shape, order, v.p, &out);
        ks_py_nd_arg_release(&v);
    }
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

static PyObject *f_empty(FASTCALL_ARGS)
{
    PARSE("empty", 3, 1, "shape", "dtype", "order", "device");
    return creation(o[0], NULL, o[1], o[2], 0);
}
static PyObject *f_zeros(FASTCALL_ARGS)
{
    PARSE("zeros", 3, 1, "shape", "dtype", "order", "device");
    return creation(o[0], NULL, o[1], o[2], 1);
}
static PyObject *f_ones(FASTCALL_ARGS)
{
    PARSE("ones", 3, 1, "shape", "dtype", "order", "device");
    return creation(o[0], NULL, o[1], o[2], 2);
}
static PyObject *f_full(FASTCALL_ARGS)
{
    PARSE("full", 4, 2, "shape", "fill_value", "dtype", "order", "device");
    return creation(o[0], o[1], o[2], o[3], 3);
}

static int double_arg(PyObject *o, double dflt, double *v)
{
    *v = GIVEN(o) ? PyFloat_AsDouble(o) : dflt;
    return *v == -1.0 && PyErr_Occurred() ? -1 : 0;
}
static int ssize_arg(PyObject *o, Py_ssize_t dflt, Py_ssize_t *v)
{
    *v = GIVEN(o) ? PyNumber_AsSsize_t(o, PyExc_OverflowError) : dflt;
    return *v == -1 && PyErr_Occurred() ? -1 : 0;
}
static int bool_arg(PyObject *o, bool dflt, bool *v)
{
    if (!GIVEN(o)) return *v = dflt, 0;
    const int b = PyObject_IsTrue(o);
    if (b < 0) return -1;
    *v = b;
    return 0;
}

/* arange(start, stop, step, dtype): nd.py fills NumPy's defaults. */
static PyObject *f_arange(FASTCALL_ARGS)
{
    PARSE("arange", 4, 4, "start", "stop", "step", "dtype");
    double a, b, s;
    int t;
    if (double_arg(o[0], 0, &a) || double_arg(o[1], 0, &b) || double_arg(o[2], 1, &s) ||
        ks_py_nd_dtype_arg(o[3], false, &t))
        return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    return ks_py_nd_result(ctx, ks_array_arange(ctx, a, b, s, (ks_dtype)t, &out), &out, NULL);
}

/* linspace / logspace / geomspace (start, stop, num, endpoint, dtype, base): linspace returns
 * (array, step). */
static PyObject *spaced(PyObject *const *o, int which)
{
    double a, b, base;
    Py_ssize_t num;
    bool endpoint;
    int t;
    if (double_arg(o[0], 0, &a) || double_arg(o[1], 0, &b) || ssize_arg(o[2], 50, &num) ||
        bool_arg(o[3], true, &endpoint) || ks_py_nd_dtype_arg(o[4], true, &t) ||
        double_arg(o[5], 10, &base))
        return NULL;
    if (num < 0) {
        PyErr_Format(PyExc_ValueError, "Number of samples, %zd, must be non-negative.", num);
        return NULL;
    }
    const ks_dtype dt = t < 0 ? KS_FLOAT64 : (ks_dtype)t;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    double step = 0;
    int rc = which == 0   ? ks_array_linspace(ctx, a, b, num, endpoint, dt, &out, &step)
             : which == 1 ? ks_array_logspace(ctx, a, b, num, endpoint, base, dt, &out)
                          : ks_array_geomspace(ctx, a, b, num, endpoint, dt, &out);
    PyObject *r = ks_py_nd_result(ctx, rc, &out, NULL);
    if (r && which == 0) return Py_BuildValue("(Nd)", r, step);
    return r;
}
static PyObject *f_linspace(FASTCALL_ARGS)
{
    PARSE("linspace", 6, 2, "start", "stop", "num", "endpoint", "dtype", "base");
    return spaced(o, 0);
}
static PyObject *f_logspace(FASTCALL_ARGS)
{
    PARSE("logspace", 6, 2, "start", "stop", "num", "endpoint", "dtype", "base");
    return spaced(o, 1);
}
static PyObject *f_geomspace(FASTCALL_ARGS)
{
    PARSE("geomspace", 6, 2, "start", "stop", "num", "endpoint", "dtype", "base");
    return spaced(o, 2);
}

/* eye(N, M=None, k=0, dtype) and tri(N, M=None, k=0, dtype). */
static PyObject *eye_tri(PyObject *const *o, bool tri)
{
    Py_ssize_t n, m, k;
    int t;
    if (ssize_arg(o[0], 0, &n) || ssize_arg(o[1], -1, &m) || ssize_arg(o[2], 0, &k) ||
        ks_py_nd_dtype_arg(o[3], true, &t))
        return NULL;
    if (m < 0) m = n;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    const ks_dtype dt = t < 0 ? KS_FLOAT64 : (ks_dtype)t;
    ks_array out;
    const int rc =
        tri ? ks_array_tri(ctx, n, m, k, dt, &out) : ks_array_eye(ctx, n, m, k, dt, &out);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}
static PyObject *f_eye(FASTCALL_ARGS)
{
    PARSE("eye", 4, 1, "N", "M", "k", "dtype", "order", "device");
    return eye_tri(o, false);
}
static PyObject *f_tri(FASTCALL_ARGS)
{
    PARSE("tri", 4, 1, "N", "M", "k", "dtype");
    return eye_tri(o, true);
}

/* ---- one array in, one array out ---- */

/* The shape of most bindings below: `a` as an operand, ctx, call, result (a view keeps a's
 * memory as its base). */
#define ONE_ARRAY(aobj, CALL)                                                                      \
    do {                                                                                           \
        ks_py_nd_arg x_;                                                                           \
        if (ks_py_nd_arg_get(aobj, 0, &x_)) {                                                      \
            ks_py_nd_arg_release(&x_);                                                             \
            return NULL;                                                                           \
        }                                                                                          \
        const ks_array *a = x_.p;                                                                  \
        ks_ctx *ctx = ks_py_nd_ctx();                                                              \
        PyObject *r_ = NULL;                                                                       \
        if (ctx) {                                                                                 \
            ks_array out;                                                                          \
            int rc = KS_OK;                                                                        \
            CALL;                                                                                  \
            r_ = ks_py_nd_result(ctx, rc, &out, KS_PY_ND_CHECK(aobj) ? aobj : NULL);               \
        }                                                                                          \
        ks_py_nd_arg_release(&x_);                                                                 \
        return r_;                                                                                 \
    } while (0)

static PyObject *f_tril(FASTCALL_ARGS)
{
    PARSE("tril", 3, 1, "m", "k", "upper");
    Py_ssize_t k;
    bool upper;
    if (ssize_arg(o[1], 0, &k) || bool_arg(o[2], false, &upper)) return NULL;
    ONE_ARRAY(o[0], rc = ks_array_tril(ctx, a, k, upper, &out));
}

static PyObject *f_diag(FASTCALL_ARGS)
{
    PARSE("diag", 2, 1, "v", "k");
    Py_ssize_t k;
    if (ssize_arg(o[1], 0, &k)) return NULL;
    ONE_ARRAY(o[0], rc = ks_array_diag(ctx, a, k, &out));
}

PyObject *ks_py_nd_reshape(ks_ctx *ctx, const ks_array *a, PyObject *owner, int ndim,
                           const ptrdiff_t *shape, ks_order order, int copy)
{
    ks_array out;
    int rc = ks_array_reshape(ctx, a, ndim, shape, order, &out);
    const bool view = rc == KS_OK && (a->base ? out.base == a->base : out.data == a->data);
    if (view && copy == 1) {
        ks_array c;
        rc = ks_array_copy(ctx, &out, KS_ORDER_C, &c);
        ks_array_release(&out);
        out = c;
    } else if (rc == KS_OK && !view && copy == 0) {
        ks_array_release(&out);
        PyErr_SetString(PyExc_ValueError, "Unable to avoid creating a copy while reshaping.");
        return NULL;
    }
    return ks_py_nd_result(ctx, rc, &out, owner);
}

int ks_py_nd_copy_arg(PyObject *o, int *copy)
{
    *copy = -1;
    if (!o || o == Py_None) return 0;
    const int t = PyObject_IsTrue(o);
    if (t < 0) return -1;
    *copy = t;
    return 0;
}

static PyObject *f_reshape(FASTCALL_ARGS)
{
    PARSE("reshape", 3, 2, "a", "shape", "order", "copy");
    int ndim, copy;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ks_order order;
    if (ks_py_nd_shape_arg(o[1], &ndim, shape) || ks_py_nd_order_arg(o[2], &order) ||
        ks_py_nd_copy_arg(o[3], &copy))
        return NULL;
    ks_py_nd_arg x;
    if (ks_py_nd_arg_get(o[0], 0, &x)) {
        ks_py_nd_arg_release(&x);
        return NULL;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    PyObject *r = ctx ? ks_py_nd_reshape(ctx, x.p, KS_PY_ND_CHECK(o[0]) ? o[0] : NULL, ndim, shape,
                                         order, copy)
                      : NULL;
    ks_py_nd_arg_release(&x);
    return r;
}

static PyObject *f_ravel(FASTCALL_ARGS)
{
    PARSE("ravel", 2, 1, "a", "order");
    ks_order order;
    if (ks_py_nd_order_arg(o[1], &order)) return NULL; /* (checked: order_of cannot fail below) */
    ONE_ARRAY(o[0], (void)ks_py_nd_order_of(o[1], a, &order);
              rc = ks_array_ravel(ctx, a, order, &out));
}

/* A sequence of axes (or one) for an array of ndim axes; n gets their count. */
static int axis_list(PyObject *o, int ndim, int *axes, int *n)
{
    if (!PyTuple_Check(o) && !PyList_Check(o)) {
        *n = 1;
        return ks_py_nd_axis_arg(o, ndim, axes);
    }
    const Py_ssize_t len = PySequence_Size(o);
    if (len > KS_ARRAY_MAXDIMS) {
        PyErr_SetString(PyExc_ValueError, "too many axes");
        return -1;
    }
    for (Py_ssize_t k = 0; k < len; k++) {
        PyObject *x = PySequence_GetItem(o, k);
        const int bad = !x || ks_py_nd_axis_arg(x, ndim, &axes[k]);
        Py_XDECREF(x);
        if (bad) return -1;
    }
    *n = (int)len;
    return 0;
}

static PyObject *f_transpose(FASTCALL_ARGS)
{
    PARSE("transpose", 2, 1, "a", "axes");
    ks_py_nd_arg x;
    if (ks_py_nd_arg_get(o[0], 0, &x)) {
        ks_py_nd_arg_release(&x);
        return NULL;
    }
    const int ndim = x.p->ndim;
    ks_py_nd_arg_release(&x);
    int axes[KS_ARRAY_MAXDIMS], n = 0;
    if (GIVEN(o[1])) {
        if (axis_list(o[1], ndim, axes, &n)) return NULL;
        if (n != ndim) {
            PyErr_SetString(PyExc_ValueError, "axes don't match array");
            return NULL;
        }
    }
    ONE_ARRAY(o[0], rc = ks_array_transpose(ctx, a, n ? axes : NULL, &out));
}

static PyObject *f_moveaxis(FASTCALL_ARGS)
{
    PARSE("moveaxis", 3, 3, "a", "source", "destination");
    ks_py_nd_arg x;
    if (ks_py_nd_arg_get(o[0], 0, &x)) {
        ks_py_nd_arg_release(&x);
        return NULL;
    }
    const int ndim = x.p->ndim;
    ks_py_nd_arg_release(&x);
    int src[KS_ARRAY_MAXDIMS], dst[KS_ARRAY_MAXDIMS], n1, n2;
    if (axis_list(o[1], ndim, src, &n1) || axis_list(o[2], ndim, dst, &n2)) return NULL;
    if (n1 != n2) {
        PyErr_SetString(PyExc_ValueError,
                        "`source` and `destination` arguments must have the same number of "
                        "elements");
        return NULL;
    }
    ONE_ARRAY(o[0], rc = ks_array_moveaxis(ctx, a, n1, src, dst, &out));
}

static PyObject *f_swapaxes(FASTCALL_ARGS)
{
    PARSE("swapaxes", 3, 3, "a", "axis1", "axis2");
    ONE_ARRAY(
        o[0], int a1; int a2;
        if (ks_py_nd_axis_arg(o[1], a->ndim, &a1) || ks_py_nd_axis_arg(o[2], a->ndim, &a2)) {
            ks_py_nd_arg_release(&x_);
            return NULL;
        } rc = ks_array_swapaxes(ctx, a, a1, a2, &out));
}

static PyObject *f_squeeze(FASTCALL_ARGS)
{
    PARSE("squeeze", 2, 1, "a", "axis");
    ONE_ARRAY(
        o[0], uint64_t axes; if (ks_py_nd_axes_arg(o[1], a->ndim, &axes)) {
            ks_py_nd_arg_release(&x_);
            return NULL;
        } rc = ks_array_squeeze(ctx, a, axes, &out));
}

static PyObject *f_flip(FASTCALL_ARGS)
{
    PARSE("flip", 2, 1, "m", "axis");
    ONE_ARRAY(
        o[0], uint64_t axes; if (ks_py_nd_axes_arg(o[1], a->ndim, &axes)) {
            ks_py_nd_arg_release(&x_);
            return NULL;
        } rc = ks_array_flip(ctx, a, axes, &out));
}

static PyObject *f_expand_dims(FASTCALL_ARGS)
{
    PARSE("expand_dims", 2, 1, "a", "axis");
    ks_py_nd_arg x;
    if (ks_py_nd_arg_get(o[0], 0, &x)) {
        ks_py_nd_arg_release(&x);
        return NULL;
    }
    const int ndim = x.p->ndim;
    ks_py_nd_arg_release(&x);
    int axes[KS_ARRAY_MAXDIMS] = {0}, n = 1; /* axis 0 when not given, as the Array API */
    if (o[1]) {
        const int nnew = PyTuple_Check(o[1]) || PyList_Check(o[1]) ? (int)PySequence_Size(o[1]) : 1;
        if (nnew < 0 || axis_list(o[1], ndim + nnew, axes, &n)) return NULL;
    }
    ONE_ARRAY(o[0], rc = ks_array_expand_dims(ctx, a, n, axes, &out));
}

static PyObject *f_broadcast_to(FASTCALL_ARGS)
{
    PARSE("broadcast_to", 2, 2, "array", "shape");
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (ks_py_nd_shape_arg(o[1], &ndim, shape)) return NULL;
    ONE_ARRAY(o[0], rc = ks_array_broadcast_to(ctx, a, ndim, shape, &out));
}

static PyObject *f_tile(FASTCALL_ARGS)
{
    PARSE("tile", 2, 2, "A", "reps");
    int n;
    ptrdiff_t reps[KS_ARRAY_MAXDIMS];
    if (ks_py_nd_shape_arg(o[1], &n, reps)) return NULL;
    ONE_ARRAY(o[0], rc = ks_array_tile(ctx, a, n, reps, &out));
}

static PyObject *f_repeat(FASTCALL_ARGS)
{
    PARSE("repeat", 3, 2, "a", "repeats", "axis");
    ks_py_nd_arg rep;
    if (ks_py_nd_arg_get(o[1], 0, &rep)) {
        ks_py_nd_arg_release(&rep);
        return NULL;
    }
    PyObject *r = NULL;
    ks_py_nd_arg x;
    if (!ks_py_nd_arg_get(o[0], 0, &x)) {
        int axis = KS_AXIS_NONE;
        ks_ctx *ctx = ks_py_nd_ctx();
        if (ctx && (!GIVEN(o[2]) || !ks_py_nd_axis_arg(o[2], x.p->ndim, &axis))) {
            ks_array out;
            r = ks_py_nd_result(ctx, ks_array_repeat(ctx, x.p, rep.p, axis, &out), &out, NULL);
        }
    }
    ks_py_nd_arg_release(&x);
    ks_py_nd_arg_release(&rep);
    return r;
}

static PyObject *f_roll(FASTCALL_ARGS)
{
    PARSE("roll", 3, 2, "a", "shift", "axis");
    ptrdiff_t shifts[KS_ARRAY_MAXDIMS];
    int ns, axes[KS_ARRAY_MAXDIMS], na = 0;
    if (ks_py_nd_shape_arg(o[1], &ns, shifts)) return NULL;
    ONE_ARRAY(
        o[0],
        if (GIVEN(o[2]) && axis_list(o[2], a->ndim, axes, &na)) {
            ks_py_nd_arg_release(&x_);
            return NULL;
        } if (na && ns != na) {
            if (ns != 1) {
                ks_py_nd_arg_release(&x_);
                PyErr_SetString(PyExc_ValueError, "'shift' and 'axis' should be scalars or 1D "
                                                  "sequences of the same length");
                return NULL;
            }
            for (int k = 1; k < na; k++) shifts[k] = shifts[0];
        } rc = ks_array_roll(ctx, a, na, shifts, axes, &out));
}

/* pad(a, pad_width, mode, constant_values): nd.py gives pad_width as 2 * ndim ints. */
static PyObject *f_pad(FASTCALL_ARGS)
{
    PARSE("pad", 4, 4, "array", "pad_width", "mode", "constant_values");
    int n;
    const char *m = PyUnicode_Check(o[2]) ? PyUnicode_AsUTF8(o[2]) : NULL;
    ks_ctx *c0 = m ? ks_py_nd_ctx() : NULL;
    ks_pad_mode mode;
    if (!c0) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "mode must be a str");
        return NULL;
    }
    if (ks_pad_mode_value(c0, m, &mode) != KS_OK) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(c0));
        return NULL;
    }
    PyObject *fast = PySequence_Fast(o[1], "pad_width must be a sequence");
    if (!fast) return NULL;
    n = (int)PySequence_Fast_GET_SIZE(fast);
    ptrdiff_t *all = PyMem_Calloc((size_t)n + 1, sizeof *all);
    for (int k = 0; all && k < n; k++) {
        all[k] = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(fast, k), PyExc_OverflowError);
        if (all[k] == -1 && PyErr_Occurred()) {
            PyMem_Free(all);
            Py_DECREF(fast);
            return NULL;
        }
    }
    Py_DECREF(fast);
    if (!all) return PyErr_NoMemory();
    ks_py_nd_arg v;
    if (ks_py_nd_arg_get(o[3], KS_PY_ND_WEAK, &v)) {
        ks_py_nd_arg_release(&v);
        PyMem_Free(all);
        return NULL;
    }
    PyObject *r = NULL;
    ks_py_nd_arg x;
    if (!ks_py_nd_arg_get(o[0], 0, &x)) {
        if (n != 2 * x.p->ndim)
            PyErr_SetString(PyExc_ValueError, "pad_width: two numbers per axis");
        else {
            ks_array out;
            r = ks_py_nd_result(c0, ks_array_pad(c0, x.p, all, mode, v.p, &out), &out, NULL);
        }
    }
    ks_py_nd_arg_release(&x);
    ks_py_nd_arg_release(&v);
    PyMem_Free(all);
    return r;
}

/* ---- many arrays ---- */

typedef struct {
    int n;
    ks_py_nd_arg *args;
    const ks_array **ptrs;
} arg_list;

static void list_release(arg_list *l)
{
    for (int k = 0; k < l->n; k++) ks_py_nd_arg_release(&l->args[k]);
    PyMem_Free(l->args);
    PyMem_Free(l->ptrs);
    l->n = 0;
    l->args = NULL;
    l->ptrs = NULL;
}

static int list_get(PyObject *seq_o, int mode, arg_list *l)
{
    l->n = 0;
    l->ptrs = NULL;
    l->args = NULL;
    PyObject *seq = PySequence_Fast(seq_o, "expected a sequence of arrays");
    if (!seq) return -1;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > INT_MAX / 2) {
        Py_DECREF(seq);
        PyErr_SetString(PyExc_ValueError, "too many arrays");
        return -1;
    }
    l->args = PyMem_Calloc((size_t)n + 1, sizeof *l->args);
    l->ptrs = PyMem_Calloc((size_t)n + 1, sizeof *l->ptrs);
    if (!l->args || !l->ptrs) {
        Py_DECREF(seq);
        list_release(l);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        const int rc = ks_py_nd_arg_get(PySequence_Fast_GET_ITEM(seq, k), mode, &l->args[k]);
        l->n = (int)k + 1;
        if (rc) {
            Py_DECREF(seq);
            list_release(l);
            return -1;
        }
        l->ptrs[k] = l->args[k].p;
    }
    Py_DECREF(seq);
    return 0;
}

static PyObject *join(PyObject *arrays, PyObject *axis_o, bool stack)
{
    arg_list l;
    if (list_get(arrays, 0, &l)) return NULL;
    PyObject *r = NULL;
    if (l.n == 0) {
        PyErr_SetString(PyExc_ValueError, "need at least one array to concatenate");
        goto done;
    }
    int axis = KS_AXIS_NONE;
    const int nd = l.ptrs[0]->ndim + (stack ? 1 : 0);
    if (!axis_o)
        axis = 0;
    else if (axis_o != Py_None) {
        if (ks_py_nd_axis_arg(axis_o, nd, &axis)) goto done;
    } else if (stack) {
        PyErr_SetString(PyExc_TypeError, "stack: axis must be an int");
        goto done;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (ctx) {
        ks_array out;
        const int rc = stack ? ks_array_stack(ctx, l.n, l.ptrs, axis, &out)
                             : ks_array_concatenate(ctx, l.n, l.ptrs, axis, &out);
        r = ks_py_nd_result(ctx, rc, &out, NULL);
    }
done:
    list_release(&l);
    return r;
}

static PyObject *f_concatenate(FASTCALL_ARGS)
{
    PARSE("concatenate", 2, 1, "arrays", "axis", "out", "dtype", "casting");
    return join(o[0], o[1], false);
}
static PyObject *f_stack(FASTCALL_ARGS)
{
    PARSE("stack", 2, 1, "arrays", "axis", "out", "dtype", "casting");
    return join(o[0], o[1], true);
}

/* split(a, indices, axis): the pieces at the given positions (views), as a list. */
static PyObject *f_split(FASTCALL_ARGS)
{
    PARSE("split", 3, 2, "ary", "indices", "axis");
    PyObject *fast = PySequence_Fast(o[1], "indices must be a sequence of ints");
    if (!fast) return NULL;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    ptrdiff_t *idx = PyMem_Calloc((size_t)n + 1, sizeof *idx);
    ks_array *outs = PyMem_Calloc((size_t)n + 1, sizeof *outs);
    PyObject *r = NULL;
    ks_py_nd_arg x = {0};
    if (!idx || !outs) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        idx[k] = PyNumber_AsSsize_t(PySequence_Fast_GET_ITEM(fast, k), PyExc_OverflowError);
        if (idx[k] == -1 && PyErr_Occurred()) goto done;
    }
    if (ks_py_nd_arg_get(o[0], 0, &x)) goto done;
    int axis = 0;
    if (GIVEN(o[2]) && ks_py_nd_axis_arg(o[2], x.p->ndim, &axis)) goto done;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    const int rc = ks_array_split(ctx, x.p, (int)n, idx, axis, outs);
    if (rc != KS_OK) {
        ks_py_nd_raise(ctx, rc);
        goto done;
    }
    r = PyList_New(n + 1);
    for (Py_ssize_t k = 0; k <= n; k++) {
        PyObject *piece = r ? ks_py_nd_wrap(&outs[k], KS_PY_ND_CHECK(o[0]) ? o[0] : NULL) : NULL;
        if (!piece) {
            for (Py_ssize_t j = k + 1; j <= n; j++) ks_array_release(&outs[j]);
            Py_CLEAR(r);
            break;
        }
        PyList_SET_ITEM(r, k, piece);
    }
done:
    if (x.p) ks_py_nd_arg_release(&x);
    PyMem_Free(idx);
    PyMem_Free(outs);
    Py_DECREF(fast);
    return r;
}

static PyObject *f_meshgrid(FASTCALL_ARGS)
{
    PARSE("meshgrid", 2, 1, "xi", "indexing");
    bool ij = false;
    if (GIVEN(o[1])) {
        if (!PyUnicode_Check(o[1]) || (PyUnicode_CompareWithASCIIString(o[1], "ij") &&
                                       PyUnicode_CompareWithASCIIString(o[1], "xy"))) {
            PyErr_SetString(PyExc_ValueError, "Valid values for `indexing` are 'xy' and 'ij'.");
            return NULL;
        }
        ij = !PyUnicode_CompareWithASCIIString(o[1], "ij");
    }
    arg_list l;
    if (list_get(o[0], 0, &l)) return NULL;
    PyObject *r = NULL;
    ks_array *outs = PyMem_Calloc((size_t)l.n + 1, sizeof *outs);
    ks_ctx *ctx = outs ? ks_py_nd_ctx() : NULL;
    if (ctx) {
        const int rc = ks_array_meshgrid(ctx, l.n, l.ptrs, ij, outs);
        if (rc != KS_OK)
            ks_py_nd_raise(ctx, rc);
        else {
            r = PyTuple_New(l.n);
            for (int k = 0; k < l.n; k++) {
                PyObject *g = r ? ks_py_nd_wrap(&outs[k], NULL) : NULL;
                if (!g) {
                    for (int j = k + 1; j < l.n; j++) ks_array_release(&outs[j]);
                    Py_CLEAR(r);
                    break;
                }
                PyTuple_SET_ITEM(r, k, g);
            }
        }
    } else if (!outs)
        PyErr_NoMemory();
    PyMem_Free(outs);
    list_release(&l);
    return r;
}

/* ---- selection, products ---- */

static PyObject *f_where(FASTCALL_ARGS)
{
    PARSE("where", 3, 3, "condition", "x", "y");
    ks_py_nd_arg c = {0}, x = {0}, y = {0};
    PyObject *r = NULL;
    if (!ks_py_nd_arg_get(o[0], 0, &c) && !ks_py_nd_arg_get(o[1], KS_PY_ND_WEAK, &x) &&
        !ks_py_nd_arg_get(o[2], KS_PY_ND_WEAK, &y)) {
        ks_ctx *ctx = ks_py_nd_ctx();
        if (ctx) {
            ks_array out;
            r = ks_py_nd_result(ctx, ks_array_where(ctx, c.p, x.p, y.p, &out), &out, NULL);
        }
    }
    if (c.p) ks_py_nd_arg_release(&c);
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    if (!r) r = ks_py_nd_traced("where", args, nargs, kw);
    return r;
}

PyObject *ks_py_nd_clip(PyObject *a, PyObject *lo, PyObject *hi, PyObject *out)
{
    ks_py_nd_arg x = {0}, l = {0}, h = {0};
    ks_ufunc_options opt = KS_UFUNC_OPTIONS_INIT;
    PyObject *r = NULL;
    if (out_arg(out, &opt.out) || ks_py_nd_arg_get(a, 0, &x) ||
        (GIVEN(lo) && ks_py_nd_arg_get(lo, KS_PY_ND_WEAK, &l)) ||
        (GIVEN(hi) && ks_py_nd_arg_get(hi, KS_PY_ND_WEAK, &h)))
        goto done;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    ks_array res;
    const int rc = ks_array_clip(ctx, x.p, l.p, h.p, &opt, &res);
    if (rc == KS_OK && opt.out) {
        ks_array_release(&res);
        r = Py_NewRef(PyTuple_Check(out) ? PyTuple_GET_ITEM(out, 0) : out);
    } else
        r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (l.p) ks_py_nd_arg_release(&l);
    if (h.p) ks_py_nd_arg_release(&h);
    return r;
}

static PyObject *f_clip(FASTCALL_ARGS)
{
    PARSE("clip", 4, 1, "a", "a_min", "a_max", "out");
    return ks_py_nd_clip(o[0], o[1], o[2], o[3]);
}

static PyObject *f_round(FASTCALL_ARGS)
{
    PARSE("round", 3, 1, "a", "decimals", "out");
    Py_ssize_t d;
    if (ssize_arg(o[1], 0, &d)) return NULL;
    ONE_ARRAY(o[0], rc = ks_array_round(ctx, a, (int)d, &out));
}

static PyObject *f_matmul(FASTCALL_ARGS)
{
    PARSE("matmul", 2, 2, "x1", "x2");
    return ks_py_nd_matmul(o[0], o[1], 0);
}

static PyObject *f_take(FASTCALL_ARGS)
{
    PARSE("take", 5, 2, "a", "indices", "axis", "out", "mode");
    return ks_py_nd_take(o[0], o[1], o[2], o[4]);
}

static PyObject *f_put(FASTCALL_ARGS)
{
    PARSE("put", 4, 3, "a", "ind", "v", "mode");
    return ks_py_nd_put(o[0], o[1], o[2], o[3]);
}

/* ---- promotion ---- */

/* result_type(*arrays_and_dtypes): dtypes count as strong 0-d arrays of their type. */
static PyObject *f_result_type(PyObject *self, PyObject *args)
{
    (void)self;
    const Py_ssize_t n = PyTuple_GET_SIZE(args);
    if (n == 0) {
        PyErr_SetString(PyExc_ValueError, "at least one array or dtype is required");
        return NULL;
    }
    PyObject *objs = PyList_New(n);
    if (!objs) return NULL;
    for (Py_ssize_t k = 0; k < n; k++) {
        PyObject *x = PyTuple_GET_ITEM(args, k);
        int t;
        const bool is_type = Py_TYPE(x) == &ks_py_dtype_type || PyUnicode_Check(x) ||
                             PyType_Check(x) || PyArray_DescrCheck(x);
        if (is_type) {
            if (ks_py_nd_dtype_arg(x, false, &t)) {
                Py_DECREF(objs);
                return NULL;
            }
            ks_ctx *ctx = ks_py_nd_ctx();
            ks_array s;
            const int rc = ctx ? ks_array_scalar(ctx, (ks_dtype)t, 0, 0, &s) : KS_ENOMEM;
            if (rc != KS_OK) {
                Py_DECREF(objs);
                return ctx ? ks_py_nd_raise(ctx, rc) : NULL;
            }
            x = ks_py_nd_wrap(&s, NULL);
            if (!x) {
                Py_DECREF(objs);
                return NULL;
            }
        } else
            Py_INCREF(x);
        PyList_SET_ITEM(objs, k, x);
    }
    arg_list l;
    PyObject *r = NULL;
    if (!list_get(objs, KS_PY_ND_WEAK, &l)) {
        ks_ctx *ctx = ks_py_nd_ctx();
        ks_dtype t;
        if (ctx) {
            const int rc = ks_array_result_type(ctx, l.n, l.ptrs, &t);
            r = rc == KS_OK ? Py_NewRef(ks_py_dtype_of(t)) : ks_py_nd_raise(ctx, rc);
        }
        list_release(&l);
    }
    Py_DECREF(objs);
    return r;
}

static PyObject *f_promote_types(FASTCALL_ARGS)
{
    PARSE("promote_types", 2, 2, "type1", "type2");
    int a, b;
    if (ks_py_nd_dtype_arg(o[0], false, &a) || ks_py_nd_dtype_arg(o[1], false, &b)) return NULL;
    return Py_NewRef(ks_py_dtype_of(ks_dtype_promote((ks_dtype)a, (ks_dtype)b)));
}

static PyObject *f_can_cast(FASTCALL_ARGS)
{
    PARSE("can_cast", 3, 2, "from_", "to", "casting");
    int a, b;
    ks_casting c;
    PyObject *from = o[0];
    if (KS_PY_ND_CHECK(from)) from = ks_py_dtype_of(ARR(from)->dtype);
    if (ks_py_nd_dtype_arg(from, false, &a) || ks_py_nd_dtype_arg(o[1], false, &b) ||
        ks_py_nd_casting_arg(o[2], KS_CASTING_SAFE, &c))
        return NULL;
    return PyBool_FromLong(ks_dtype_can_cast((ks_dtype)a, (ks_dtype)b, c));
}

PyMethodDef ks_py_nd_funcs[] = {
    /* "name(signature)\n--\n\n" docstrings: inspect.signature reads them (scikit-learn asks
     * whether a namespace's function takes dtype=) */
    {"asarray", FAST(f_asarray),
     "asarray(obj, dtype=None, copy=None, *, device=None, order=None)\n--\n\nan ndarray over "
     "obj's memory where it can be (NumPy arrays, buffers, DLPack), else a new one"},
    {"empty", FAST(f_empty), "empty(shape, dtype=None, order='C', *, device=None)\n--\n\n"},
    {"zeros", FAST(f_zeros), "zeros(shape, dtype=None, order='C', *, device=None)\n--\n\n"},
    {"ones", FAST(f_ones), "ones(shape, dtype=None, order='C', *, device=None)\n--\n\n"},
    {"full", FAST(f_full),
     "full(shape, fill_value, dtype=None, order='C', *, device=None)\n--\n\n"},
    {"arange", FAST(f_arange), "arange(start, stop, step, dtype)\n--\n\n"},
    {"linspace", FAST(f_linspace),
     "linspace(start, stop, num=50, endpoint=True, dtype=None, base=None)\n--\n\n"
     "(array, step)"},
    {"logspace", FAST(f_logspace),
     "logspace(start, stop, num=50, endpoint=True, dtype=None, base=10.0)\n--\n\n"},
    {"geomspace", FAST(f_geomspace),
     "geomspace(start, stop, num=50, endpoint=True, dtype=None, base=None)\n--\n\n"},
    {"eye", FAST(f_eye), "eye(N, M=None, k=0, dtype=None, *, order='C', device=None)\n--\n\n"},
    {"tri", FAST(f_tri), "tri(N, M=None, k=0, dtype=None)\n--\n\n"},
    {"tril", FAST(f_tril), "tril(m, k=0, upper=False)\n--\n\ntriu with upper=True"},
    {"diag", FAST(f_diag), "diag(v, k=0)\n--\n\n"},
    {"meshgrid", FAST(f_meshgrid), "meshgrid(xi, indexing='xy')\n--\n\na tuple of arrays"},
    {"reshape", FAST(f_reshape),
     "reshape(a, /, shape, order='C', *, copy=None)\n--\n\na's values in a new shape: a view when "
     "the strides allow (copy=None), always a copy (True), or ValueError where a view cannot be "
     "(False)."},
    {"ravel", FAST(f_ravel), "ravel(a, order='C')\n--\n\n"},
    {"transpose", FAST(f_transpose), "transpose(a, axes=None)\n--\n\n"},
    {"moveaxis", FAST(f_moveaxis), "moveaxis(a, source, destination)\n--\n\n"},
    {"swapaxes", FAST(f_swapaxes), "swapaxes(a, axis1, axis2)\n--\n\n"},
    {"squeeze", FAST(f_squeeze), "squeeze(a, axis=None)\n--\n\n"},
    {"flip", FAST(f_flip), "flip(m, axis=None)\n--\n\n"},
    {"expand_dims", FAST(f_expand_dims), "expand_dims(a, axis)\n--\n\n"},
    {"broadcast_to", FAST(f_broadcast_to), "broadcast_to(array, shape)\n--\n\n"},
    {"tile", FAST(f_tile), "tile(A, reps)\n--\n\n"},
    {"repeat", FAST(f_repeat), "repeat(a, repeats, axis=None)\n--\n\n"},
    {"roll", FAST(f_roll), "roll(a, shift, axis=None)\n--\n\n"},
    {"pad", FAST(f_pad),
     "pad(array, pad_width, mode, constant_values)\n--\n\npad_width: 2 per axis"},
    {"concatenate", FAST(f_concatenate),
     "concatenate(arrays, axis=0, *, out=None, dtype=None, casting=None)\n--\n\n"},
    {"stack", FAST(f_stack),
     "stack(arrays, axis=0, *, out=None, dtype=None, casting=None)\n--\n\n"},
    {"split", FAST(f_split), "split(ary, indices, axis=0)\n--\n\na list of views"},
    {"where", FAST(f_where), "where(condition, x, y)\n--\n\n"},
    {"clip", FAST(f_clip), "clip(a, a_min=None, a_max=None, out=None)\n--\n\n"},
    {"round", FAST(f_round), "round(a, decimals=0, out=None)\n--\n\n"},
    {"matmul", FAST(f_matmul), "matmul(x1, x2)\n--\n\n"},
    {"take", FAST(f_take), "take(a, indices, axis=None, out=None, mode='raise')\n--\n\n"},
    {"put", FAST(f_put), "put(a, ind, v, mode='raise')\n--\n\n"},
    {"result_type", f_result_type, METH_VARARGS, "result_type(*arrays_and_dtypes)\n--\n\n"},
    {"promote_types", FAST(f_promote_types), "promote_types(type1, type2)\n--\n\n"},
    {"can_cast", FAST(f_can_cast), "can_cast(from_, to, casting='safe')\n--\n\n"},
    {NULL, NULL, 0, NULL},
};
