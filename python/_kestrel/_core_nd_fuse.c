/* _core_nd_fuse.c — kestrel.nd.fuse's C side: a fused program (ks_fused) in a capsule, built node
 * by node by the tracer in python/_kestrel/nd_fuse.py and run on arrays; and the hook through
 * which kestrel.nd's ufuncs, reductions and where hand a traced value to the tracer. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

static const char CAPSULE[] = "kestrel.nd.fused";

static void prog_free(PyObject *cap) { ks_fused_free(PyCapsule_GetPointer(cap, CAPSULE)); }
static ks_fused *prog_of(PyObject *cap) { return PyCapsule_GetPointer(cap, CAPSULE); }

/* ---- the trace hook ---- */

static PyObject *trace_type, *trace_hook; /* the tracer's class, and what it calls */

bool ks_py_nd_is_traced(PyObject *obj)
{
    return trace_type && PyObject_TypeCheck(obj, (PyTypeObject *)trace_type);
}

PyObject *ks_py_nd_traced(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kw)
{
    if (!trace_type) return NULL;
    bool any = false;
    const Py_ssize_t nkw = kw ? PyTuple_GET_SIZE(kw) : 0;
    for (Py_ssize_t i = 0; i < nargs + nkw && !any; i++)
        any = PyObject_TypeCheck(args[i], (PyTypeObject *)trace_type);
    if (!any) return NULL;
    PyErr_Clear();
    PyObject *pos = PyTuple_New(nargs), *kwd = PyDict_New();
    if (!pos || !kwd) goto fail;
    for (Py_ssize_t i = 0; i < nargs; i++) PyTuple_SET_ITEM(pos, i, Py_NewRef(args[i]));
    for (Py_ssize_t i = 0; i < nkw; i++)
        if (PyDict_SetItem(kwd, PyTuple_GET_ITEM(kw, i), args[nargs + i])) goto fail;
    PyObject *r = PyObject_CallFunction(trace_hook, "sOO", fname, pos, kwd);
    Py_DECREF(pos);
    Py_DECREF(kwd);
    return r;
fail:
    Py_XDECREF(pos);
    Py_XDECREF(kwd);
    return NULL;
}

/* set_tracer(cls, hook): values of class cls reaching a ufunc, reduce or where call
 * hook(name, args, kwargs) instead of failing to convert. */
static PyObject *f_set_tracer(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cls, *hook;
    if (!PyArg_ParseTuple(args, "O!O", &PyType_Type, &cls, &hook)) return NULL;
    Py_XSETREF(trace_type, Py_NewRef(cls));
    Py_XSETREF(trace_hook, Py_NewRef(hook));
    Py_RETURN_NONE;
}

/* ---- building ---- */

static PyObject *node_result(ks_ctx *ctx, int rc, int node)
{
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    return PyLong_FromLong(node);
}

static PyObject *f_fused_new(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_fused *f;
    const int rc = ks_fused_new(ctx, &f);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    PyObject *cap = PyCapsule_New(f, CAPSULE, prog_free);
    if (!cap) ks_fused_free(f);
    return cap;
}

/* fused_input(prog, dtype, shape, weak) -> node */
static PyObject *f_fused_input(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_input", 4, 4, "prog", "dtype", "shape", "weak");
    ks_fused *f = prog_of(o[0]);
    int dt, ndim, node = -1;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!f || ks_py_nd_dtype_arg(o[1], false, &dt) || ks_py_nd_shape_arg(o[2], &ndim, shape))
        return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    const int rc = ks_fused_input(ctx, f, (ks_dtype)dt, ndim, shape, PyObject_IsTrue(o[3]), &node);
    return node_result(ctx, rc, node);
}

/* fused_constant(prog, value) -> node (a Python scalar stays weak) */
static PyObject *f_fused_constant(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_constant", 2, 2, "prog", "value");
    ks_fused *f = prog_of(o[0]);
    if (!f) return NULL;
    ks_py_nd_arg v = {0};
    if (ks_py_nd_arg_get(o[1], KS_PY_ND_WEAK, &v)) {
        if (v.p) ks_py_nd_arg_release(&v);
        return NULL;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    int node = -1, rc = ctx ? ks_fused_constant(ctx, f, v.p, &node) : KS_ENOMEM;
    ks_py_nd_arg_release(&v);
    return ctx ? node_result(ctx, rc, node) : NULL;
}

static int node_arg(PyObject *o, int *node)
{
    const long v = PyLong_AsLong(o);
    if (v == -1 && PyErr_Occurred()) return -1;
    *node = (int)v;
    return 0;
}

/* fused_ufunc(prog, name, a[, b]) -> node */
static PyObject *f_fused_ufunc(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_ufunc", 4, 3, "prog", "name", "a", "b");
    ks_fused *f = prog_of(o[0]);
    const char *name = f ? PyUnicode_AsUTF8(o[1]) : NULL;
    int a[2] = {-1, -1};
    if (!name || node_arg(o[2], &a[0]) || (GIVEN(o[3]) && node_arg(o[3], &a[1]))) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_ufunc u;
    int node = -1, rc = ks_ufunc_value(ctx, name, &u);
    if (rc == KS_OK && ks_ufunc_nin(u) != (GIVEN(o[3]) ? 2 : 1)) {
        PyErr_Format(PyExc_TypeError, "%s takes %d operand(s)", name, ks_ufunc_nin(u));
        return NULL;
    }
    if (rc == KS_OK) rc = ks_fused_ufunc(ctx, f, u, a, &node);
    return node_result(ctx, rc, node);
}

/* fused_where(prog, cond, x, y) -> node */
static PyObject *f_fused_where(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_where", 4, 4, "prog", "cond", "x", "y");
    ks_fused *f = prog_of(o[0]);
    int c, x, y;
    if (!f || node_arg(o[1], &c) || node_arg(o[2], &x) || node_arg(o[3], &y)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    int node = -1;
    const int rc = ks_fused_where(ctx, f, c, x, y, &node);
    return node_result(ctx, rc, node);
}

/* fused_astype(prog, a, dtype) -> node */
static PyObject *f_fused_astype(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_astype", 3, 3, "prog", "a", "dtype");
    ks_fused *f = prog_of(o[0]);
    int a, dt;
    if (!f || node_arg(o[1], &a) || ks_py_nd_dtype_arg(o[2], false, &dt)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    int node = -1;
    const int rc = ks_fused_astype(ctx, f, a, (ks_dtype)dt, &node);
    return node_result(ctx, rc, node);
}

/* fused_reduce(prog, name, a, axis, dtype, keepdims, ddof) -> node */
static PyObject *f_fused_reduce(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_reduce", 7, 3, "prog", "name", "a", "axis", "dtype", "keepdims", "ddof");
    ks_fused *f = prog_of(o[0]);
    const char *name = f ? PyUnicode_AsUTF8(o[1]) : NULL;
    int a, ndim, dt = -1;
    if (!name || node_arg(o[2], &a)) return NULL;
    if (ks_fused_node(f, a, NULL, &ndim, NULL, NULL) != KS_OK) {
        PyErr_Format(PyExc_ValueError, "%s: node %d does not exist", name, a);
        return NULL;
    }
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    if (ks_py_nd_axes_arg(o[3], ndim, &opt.axes) || ks_py_nd_dtype_arg(o[4], true, &dt))
        return NULL;
    opt.dtype = dt;
    opt.keepdims = GIVEN(o[5]) && PyObject_IsTrue(o[5]);
    if (GIVEN(o[6]) && (opt.ddof = PyFloat_AsDouble(o[6])) == -1.0 && PyErr_Occurred()) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_reduce r;
    int node = -1, rc = ks_reduce_value(ctx, name, &r);
    if (rc == KS_OK) rc = ks_fused_reduce(ctx, f, r, a, &opt, &node);
    return node_result(ctx, rc, node);
}

/* fused_product(prog, name, a, b) -> node */
static PyObject *f_fused_product(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_product", 4, 4, "prog", "name", "a", "b");
    ks_fused *f = prog_of(o[0]);
    const char *name = f ? PyUnicode_AsUTF8(o[1]) : NULL;
    int a, b;
    if (!name || node_arg(o[2], &a) || node_arg(o[3], &b)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_product p;
    int node = -1, rc = ks_product_value(ctx, name, &p);
    if (rc == KS_OK) rc = ks_fused_product(ctx, f, p, a, b, &node);
    return node_result(ctx, rc, node);
}

/* fused_node(prog, node) -> (dtype, shape, weak) */
static PyObject *f_fused_node(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_node", 2, 2, "prog", "node");
    ks_fused *f = prog_of(o[0]);
    int node, ndim;
    ks_dtype dt;
    bool weak;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!f || node_arg(o[1], &node)) return NULL;
    if (ks_fused_node(f, node, &dt, &ndim, shape, &weak) != KS_OK) {
        PyErr_Format(PyExc_ValueError, "fused_node: node %d does not exist", node);
        return NULL;
    }
    PyObject *s = PyTuple_New(ndim);
    if (!s) return NULL;
    for (int d = 0; d < ndim; d++) PyTuple_SET_ITEM(s, d, PyLong_FromSsize_t(shape[d]));
    return Py_BuildValue("(ONO)", ks_py_dtype_of(dt), s, weak ? Py_True : Py_False);
}

static PyObject *f_fused_output(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_output", 2, 2, "prog", "node");
    ks_fused *f = prog_of(o[0]);
    int node;
    if (!f || node_arg(o[1], &node)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    const int rc = ks_fused_output(ctx, f, node);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    Py_RETURN_NONE;
}

/* fused_run(prog, inputs, nout, fuse) -> tuple of the results */
static PyObject *f_fused_run(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fused_run", 4, 4, "prog", "inputs", "nout", "fuse");
    ks_fused *f = prog_of(o[0]);
    if (!f) return NULL;
    if (!PyTuple_Check(o[1])) {
        PyErr_SetString(PyExc_TypeError, "fused_run: inputs must be a tuple");
        return NULL;
    }
    const Py_ssize_t nin = PyTuple_GET_SIZE(o[1]), nout = PyLong_AsSsize_t(o[2]);
    if (nout < 1 || nout > 1024) {
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "fused_run: nout");
        return NULL;
    }
    ks_py_nd_arg *in = PyMem_Calloc((size_t)(nin ? nin : 1), sizeof *in);
    const ks_array **ip = PyMem_Calloc((size_t)(nin ? nin : 1), sizeof *ip);
    ks_array *out = PyMem_Calloc((size_t)nout, sizeof *out);
    PyObject *res = NULL;
    ptrdiff_t size = 0;
    if (!in || !ip || !out) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < nin; i++) {
        if (ks_py_nd_arg_get(PyTuple_GET_ITEM(o[1], i), KS_PY_ND_WEAK, &in[i])) goto done;
        ip[i] = in[i].p;
        size += ks_array_size(in[i].p);
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    const bool fuse = PyObject_IsTrue(o[3]);
    int rc;
    if (size < KS_PY_ND_NOGIL) {
        rc = ks_fused_run(ctx, f, ip, fuse, out);
    } else {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_fused_run(ctx, f, ip, fuse, out);
        Py_END_ALLOW_THREADS
    }
    if (rc != KS_OK) {
        ks_py_nd_raise(ctx, rc);
        goto done;
    }
    res = PyTuple_New(nout);
    for (Py_ssize_t k = 0; k < nout; k++) {
        PyObject *a = res ? ks_py_nd_wrap(&out[k], NULL) : NULL;
        if (!a) {
            for (Py_ssize_t j = k; j < nout; j++) ks_array_release(&out[j]);
            Py_CLEAR(res);
            break;
        }
        PyTuple_SET_ITEM(res, k, a);
    }
done:
    for (Py_ssize_t i = 0; in && i < nin; i++)
        if (in[i].p) ks_py_nd_arg_release(&in[i]);
    PyMem_Free(in);
    PyMem_Free(ip);
    PyMem_Free(out);
    return res;
}

PyMethodDef ks_py_nd_fuse_funcs[] = {
    {"set_tracer", f_set_tracer, METH_VARARGS,
     "set_tracer(cls, hook): values of cls in ufunc / reduce / where calls go to hook"},
    {"fused_new", f_fused_new, METH_NOARGS, "fused_new(): an empty fused program"},
    {"fused_input", FAST(f_fused_input), "fused_input(prog, dtype, shape, weak) -> node"},
    {"fused_constant", FAST(f_fused_constant), "fused_constant(prog, value) -> node"},
    {"fused_ufunc", FAST(f_fused_ufunc), "fused_ufunc(prog, name, a[, b]) -> node"},
    {"fused_where", FAST(f_fused_where), "fused_where(prog, cond, x, y) -> node"},
    {"fused_astype", FAST(f_fused_astype), "fused_astype(prog, a, dtype) -> node"},
    {"fused_product", FAST(f_fused_product), "fused_product(prog, name, a, b) -> node"},
    {"fused_reduce", FAST(f_fused_reduce),
     "fused_reduce(prog, name, a, axis, dtype, keepdims, ddof) -> node"},
    {"fused_node", FAST(f_fused_node), "fused_node(prog, node) -> (dtype, shape, weak)"},
    {"fused_output", FAST(f_fused_output), "fused_output(prog, node)"},
    {"fused_run", FAST(f_fused_run), "fused_run(prog, inputs, nout, fuse) -> results"},
    {NULL, NULL, 0, NULL},
};
