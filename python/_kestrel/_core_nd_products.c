/* _core_nd_products.c — kestrel.nd's array products (dot, vdot, inner, outer, kron, tensordot,
 * vecdot, einsum) and diagonal / trace, each one call into the library. Python scalars and
 * sequences become arrays as NumPy's asarray makes them (not weak: np.dot(int8, 2) is int64). */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* the products of ks_product, and two more */
enum { DOT = KS_PRODUCT_DOT, VDOT = KS_PRODUCT_VDOT, INNER = KS_PRODUCT_INNER, OUTER = 16, KRON };

/* Run `call` without the GIL when the operands are large. */
#define RUN(big, call)                                                                             \
    do {                                                                                           \
        PyThreadState *ts_ = (big) ? PyEval_SaveThread() : NULL;                                   \
        rc = (call);                                                                               \
        if (ts_) PyEval_RestoreThread(ts_);                                                        \
    } while (0)

static PyObject *binary(int op, PyObject *a, PyObject *b)
{
    ks_py_nd_arg x = {0}, y = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(a, 0, &x) || ks_py_nd_arg_get(b, 0, &y)) goto done;
    ks_array out;
    int rc;
    const bool big = ks_array_size(x.p) + ks_array_size(y.p) >= KS_PY_ND_NOGIL;
    switch (op) {
    case OUTER: RUN(big, ks_array_outer(ctx, x.p, y.p, &out)); break;
    case KRON: RUN(big, ks_array_kron(ctx, x.p, y.p, &out)); break;
    default: RUN(big, ks_array_product(ctx, (ks_product)op, x.p, y.p, &out)); break;
    }
    r = ks_py_nd_result(ctx, rc, &out, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    if (!r && op != OUTER && op != KRON) { /* a value traced by kestrel.nd.fuse */
        PyObject *const ab[2] = {a, b};
        r = ks_py_nd_traced(ks_product_name((ks_product)op), ab, 2, NULL);
    }
    return r;
}

#define BINARY(fname, OP)                                                                          \
    static PyObject *f_##fname(FASTCALL_ARGS)                                                      \
    {                                                                                              \
        (void)self;                                                                                \
        PARSE(#fname, 2, 2, "a", "b");                                                             \
        return binary(OP, o[0], o[1]);                                                             \
    }
BINARY(dot, DOT)
BINARY(vdot, VDOT)
BINARY(inner, INNER)
BINARY(outer, OUTER)
BINARY(kron, KRON)

/* A sequence of ints (at most KS_ARRAY_MAXDIMS). */
static int int_list(PyObject *o, int *n, int *v)
{
    PyObject *seq = PySequence_Fast(o, "tensordot: axes must be sequences of ints");
    if (!seq) return -1;
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    int rc = 0;
    if (m > KS_ARRAY_MAXDIMS) {
        PyErr_SetString(PyExc_ValueError, "tensordot: too many axes");
        rc = -1;
    }
    for (Py_ssize_t i = 0; !rc && i < m; i++) {
        const long x = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (x == -1 && PyErr_Occurred())
            rc = -1;
        else if (x < -KS_ARRAY_MAXDIMS - 1 || x > KS_ARRAY_MAXDIMS)
            v[i] = KS_ARRAY_MAXDIMS + 1;
        else
            v[i] = (int)x;
    }
    *n = (int)m;
    Py_DECREF(seq);
    return rc;
}

static PyObject *f_tensordot(FASTCALL_ARGS)
{
    (void)self;
    PARSE("tensordot", 4, 4, "a", "b", "axes_a", "axes_b");
    int na, nb, aa[KS_ARRAY_MAXDIMS], ab[KS_ARRAY_MAXDIMS];
    if (int_list(o[2], &na, aa) || int_list(o[3], &nb, ab)) return NULL;
    if (na != nb) return PyErr_Format(PyExc_ValueError, "shape-mismatch for sum");
    ks_py_nd_arg x = {0}, y = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &x) || ks_py_nd_arg_get(o[1], 0, &y)) goto done;
    ks_array out;
    int rc;
    RUN(ks_array_size(x.p) + ks_array_size(y.p) >= KS_PY_ND_NOGIL,
        ks_array_tensordot(ctx, x.p, y.p, na, aa, ab, &out));
    r = ks_py_nd_result(ctx, rc, &out, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    return r;
}

static PyObject *f_vecdot(FASTCALL_ARGS)
{
    (void)self;
    PARSE("vecdot", 3, 2, "x1", "x2", "axis");
    int axis = -1;
    if (GIVEN(o[2])) {
        const long v = PyLong_AsLong(o[2]);
        if (v == -1 && PyErr_Occurred()) return NULL;
        axis = v < -KS_ARRAY_MAXDIMS - 1 || v > KS_ARRAY_MAXDIMS ? KS_ARRAY_MAXDIMS + 1 : (int)v;
    }
    ks_py_nd_arg x = {0}, y = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &x) || ks_py_nd_arg_get(o[1], 0, &y)) goto done;
    ks_array out;
    int rc;
    RUN(ks_array_size(x.p) + ks_array_size(y.p) >= KS_PY_ND_NOGIL,
        ks_array_vecdot(ctx, x.p, y.p, axis, &out));
    r = ks_py_nd_result(ctx, rc, &out, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    return r;
}

/* offset, axis1, axis2 of diagonal and trace. */
static int diag_args(PyObject *const *o, ptrdiff_t *offset, int *axis1, int *axis2)
{
    long v[3] = {0, 0, 1};
    for (int i = 0; i < 3; i++)
        if (GIVEN(o[i])) {
            v[i] = PyLong_AsLong(o[i]);
            if (v[i] == -1 && PyErr_Occurred()) return -1;
        }
    *offset = (ptrdiff_t)v[0];
    for (int i = 1; i < 3; i++)
        if (v[i] < -KS_ARRAY_MAXDIMS - 1 || v[i] > KS_ARRAY_MAXDIMS) v[i] = KS_ARRAY_MAXDIMS + 1;
    *axis1 = (int)v[1], *axis2 = (int)v[2];
    return 0;
}

/* diagonal(a, *o) with o = offset, axis1, axis2. */
static PyObject *diagonal(PyObject *a, PyObject *const *o)
{
    ptrdiff_t offset;
    int a1, a2;
    if (diag_args(o, &offset, &a1, &a2)) return NULL;
    ks_py_nd_arg x = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(a, 0, &x)) goto done;
    ks_array out;
    const int rc = ks_array_diagonal(ctx, x.p, offset, a1, a2, &out);
    /* a view: its base is the ndarray given (or the array made from the argument) */
    r = ks_py_nd_result(ctx, rc, &out, KS_PY_ND_CHECK(a) ? a : NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    return r;
}

/* trace(a, *o) with o = offset, axis1, axis2, dtype. */
static PyObject *trace(PyObject *a, PyObject *const *o)
{
    ptrdiff_t offset;
    int a1, a2, dtype;
    if (diag_args(o, &offset, &a1, &a2) || ks_py_nd_dtype_arg(o[3], true, &dtype)) return NULL;
    ks_py_nd_arg x = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(a, 0, &x)) goto done;
    ks_array out;
    const int rc = ks_array_trace(ctx, x.p, offset, a1, a2, dtype, &out);
    r = ks_py_nd_result(ctx, rc, &out, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    return r;
}

static PyObject *f_diagonal(FASTCALL_ARGS)
{
    (void)self;
    PARSE("diagonal", 4, 1, "a", "offset", "axis1", "axis2");
    return diagonal(o[0], o + 1);
}
static PyObject *f_trace(FASTCALL_ARGS)
{
    (void)self;
    PARSE("trace", 5, 1, "a", "offset", "axis1", "axis2", "dtype");
    return trace(o[0], o + 1);
}

/* einsum(subscripts, operands): operands a sequence (at most 64). */
static PyObject *f_einsum(FASTCALL_ARGS)
{
    (void)self;
    PARSE("einsum", 2, 2, "subscripts", "operands");
    const char *sub = PyUnicode_AsUTF8(o[0]);
    if (!sub) return NULL;
    PyObject *seq = PySequence_Fast(o[1], "einsum: operands must be a sequence");
    if (!seq) return NULL;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n < 1 || n > 64) {
        Py_DECREF(seq);
        return PyErr_Format(PyExc_ValueError, "einsum: between 1 and 64 operands, not %zd", n);
    }
    ks_py_nd_arg arg[64] = {{0}};
    const ks_array *ops[64];
    PyObject *r = NULL;
    ptrdiff_t size = 0;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    for (Py_ssize_t k = 0; k < n; k++) {
        if (ks_py_nd_arg_get(PySequence_Fast_GET_ITEM(seq, k), 0, &arg[k])) goto done;
        ops[k] = arg[k].p;
        size += ks_array_size(ops[k]);
    }
    ks_array out;
    int rc;
    RUN(size >= KS_PY_ND_NOGIL, ks_array_einsum(ctx, sub, (int)n, ops, &out));
    r = ks_py_nd_result(ctx, rc, &out, NULL);
done:
    for (Py_ssize_t k = 0; k < n; k++)
        if (arg[k].p) ks_py_nd_arg_release(&arg[k]);
    Py_DECREF(seq);
    return r;
}

PyMethodDef ks_py_nd_products_funcs[] = {
    {"dot", FAST(f_dot), "dot(a, b)"},
    {"vdot", FAST(f_vdot), "vdot(a, b)"},
    {"inner", FAST(f_inner), "inner(a, b)"},
    {"outer", FAST(f_outer), "outer(a, b)"},
    {"kron", FAST(f_kron), "kron(a, b)"},
    {"tensordot", FAST(f_tensordot), "tensordot(a, b, axes_a, axes_b)"},
    {"vecdot", FAST(f_vecdot), "vecdot(x1, x2, axis=-1)"},
    {"diagonal", FAST(f_diagonal), "diagonal(a, offset=0, axis1=0, axis2=1)"},
    {"trace", FAST(f_trace), "trace(a, offset=0, axis1=0, axis2=1, dtype=None)"},
    {"einsum", FAST(f_einsum), "einsum(subscripts, operands) (optimize=False)"},
    {NULL, NULL, 0, NULL},
};

/* ---- methods (out= is kestrel.nd's, in Python) ---- */

static PyObject *m_dot(PyObject *self, PyObject *b) { return binary(DOT, self, b); }
static PyObject *m_diagonal(FASTCALL_ARGS)
{
    PARSE("diagonal", 3, 0, "offset", "axis1", "axis2");
    return diagonal(self, o);
}
static PyObject *m_trace(FASTCALL_ARGS)
{
    PARSE("trace", 4, 0, "offset", "axis1", "axis2", "dtype");
    return trace(self, o);
}

PyMethodDef ks_py_nd_products_methods[] = {
    {"dot", m_dot, METH_O, "a.dot(b): np.dot(a, b)"},
    {"diagonal", FAST(m_diagonal), "a.diagonal(offset=0, axis1=0, axis2=1): a read-only view"},
    {"trace", FAST(m_trace), "a.trace(offset=0, axis1=0, axis2=1, dtype=None)"},
    {NULL, NULL, 0, NULL},
};
