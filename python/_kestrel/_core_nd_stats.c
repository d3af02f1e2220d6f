/* _core_nd_stats.c — kestrel.nd's statistics: quantile (median, percentile and their nan
 * variants), average, cov, corrcoef, diff, gradient, histogram, bincount, digitize, each one call
 * into the library. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* quantile(a, q, axis, method, keepdims, nan): q already in [0, 1]. */
static PyObject *f_quantile(FASTCALL_ARGS)
{
    (void)self;
    PARSE("quantile", 6, 2, "a", "q", "axis", "method", "keepdims", "nan");
    ks_py_nd_arg x = {0}, q = {0};
    PyObject *r = NULL;
    uint64_t axes;
    ks_quantile_method m = KS_QUANTILE_LINEAR;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &x) || ks_py_nd_arg_get(o[1], 0, &q) ||
        ks_py_nd_axes_arg(o[2], x.p->ndim, &axes))
        goto done;
    if (GIVEN(o[3])) {
        const char *s = PyUnicode_AsUTF8(o[3]);
        if (!s) goto done;
        if (ks_quantile_method_value(ctx, s, &m) != KS_OK) {
            PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
            goto done;
        }
    }
    const bool keep = GIVEN(o[4]) && PyObject_IsTrue(o[4]) > 0;
    const bool nan = GIVEN(o[5]) && PyObject_IsTrue(o[5]) > 0;
    ks_array res;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_array_quantile(ctx, x.p, q.p, axes, m, keep, nan, &res);
    Py_END_ALLOW_THREADS
    r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (q.p) ks_py_nd_arg_release(&q);
    return r;
}

static PyObject *f_average(FASTCALL_ARGS)
{
    (void)self;
    PARSE("average", 4, 1, "a", "axis", "weights", "keepdims");
    ks_py_nd_arg x = {0}, w = {0};
    PyObject *r = NULL;
    uint64_t axes;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &x) || ks_py_nd_axes_arg(o[1], x.p->ndim, &axes) ||
        (GIVEN(o[2]) && ks_py_nd_arg_get(o[2], 0, &w)))
        goto done;
    ks_array res;
    const int rc =
        ks_array_average(ctx, x.p, w.p, axes, GIVEN(o[3]) && PyObject_IsTrue(o[3]) > 0, &res);
    r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (w.p) ks_py_nd_arg_release(&w);
    return r;
}

/* cov(m, y, rowvar, ddof) and corrcoef(m, y, rowvar) (ddof None: NumPy's default). */
static PyObject *cov(PyObject *const *o, bool corr)
{
    ks_py_nd_arg m = {0}, y = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    const bool rowvar = !GIVEN(o[2]) || PyObject_IsTrue(o[2]) > 0;
    long ddof = GIVEN(o[3]) ? PyLong_AsLong(o[3]) : -1;
    if (!ctx || (ddof == -1 && PyErr_Occurred()) || ks_py_nd_arg_get(o[0], 0, &m) ||
        (GIVEN(o[1]) && ks_py_nd_arg_get(o[1], 0, &y)))
        goto done;
    ks_array res;
    const int rc = corr ? ks_array_corrcoef(ctx, m.p, y.p, rowvar, &res)
                        : ks_array_cov(ctx, m.p, y.p, rowvar, (int)ddof, &res);
    r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (m.p) ks_py_nd_arg_release(&m);
    if (y.p) ks_py_nd_arg_release(&y);
    return r;
}
static PyObject *f_cov(FASTCALL_ARGS)
{
    (void)self;
    PARSE("cov", 4, 1, "m", "y", "rowvar", "ddof");
    return cov(o, false);
}
static PyObject *f_corrcoef(FASTCALL_ARGS)
{
    (void)self;
    PARSE("corrcoef", 3, 1, "x", "y", "rowvar", "ddof");
    return cov(o, true);
}

static PyObject *f_diff(FASTCALL_ARGS)
{
    (void)self;
    PARSE("diff", 3, 1, "a", "n", "axis");
    ks_py_nd_arg x;
    PyObject *r = NULL;
    const long n = GIVEN(o[1]) ? PyLong_AsLong(o[1]) : 1;
    int axis = -1;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ks_py_nd_arg_get(o[0], 0, &x) && ctx && !(n == -1 && PyErr_Occurred()) &&
        !(GIVEN(o[2]) && ks_py_nd_axis_arg(o[2], x.p->ndim, &axis))) {
        ks_array res;
        r = ks_py_nd_result(ctx, ks_array_diff(ctx, x.p, (int)n, axis, &res), &res, NULL);
    }
    ks_py_nd_arg_release(&x);
    return r;
}

static PyObject *f_gradient(FASTCALL_ARGS)
{
    (void)self;
    PARSE("gradient", 4, 1, "f", "spacing", "axis", "edge_order");
    ks_py_nd_arg x;
    PyObject *r = NULL;
    const double h = GIVEN(o[1]) ? PyFloat_AsDouble(o[1]) : 1.0;
    const long edge = GIVEN(o[3]) ? PyLong_AsLong(o[3]) : 1;
    int axis = 0;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ks_py_nd_arg_get(o[0], 0, &x) && ctx && !PyErr_Occurred() &&
        !(GIVEN(o[2]) && ks_py_nd_axis_arg(o[2], x.p->ndim, &axis))) {
        ks_array res;
        r = ks_py_nd_result(ctx, ks_array_gradient(ctx, x.p, h, axis, (int)edge, &res), &res, NULL);
    }
    ks_py_nd_arg_release(&x);
    return r;
}

/* histogram(a, bins, lo, hi, edges, weights, density) -> (counts, edges). */
static PyObject *f_histogram(FASTCALL_ARGS)
{
    (void)self;
    PARSE("histogram", 7, 1, "a", "bins", "lo", "hi", "edges", "weights", "density");
    ks_py_nd_arg x = {0}, e = {0}, w = {0};
    PyObject *r = NULL;
    const long bins = GIVEN(o[1]) ? PyLong_AsLong(o[1]) : 10;
    const double lo = GIVEN(o[2]) ? PyFloat_AsDouble(o[2]) : 0;
    const double hi = GIVEN(o[3]) ? PyFloat_AsDouble(o[3]) : 0;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || PyErr_Occurred() || ks_py_nd_arg_get(o[0], 0, &x) ||
        (GIVEN(o[4]) && ks_py_nd_arg_get(o[4], 0, &e)) ||
        (GIVEN(o[5]) && ks_py_nd_arg_get(o[5], 0, &w)))
        goto done;
    ks_array counts, edges;
    const int rc = ks_array_histogram(ctx, x.p, (int)bins, lo, hi, e.p, w.p,
                                      GIVEN(o[6]) && PyObject_IsTrue(o[6]) > 0, &counts, &edges);
    if (rc != KS_OK) {
        ks_py_nd_raise(ctx, rc);
        goto done;
    }
    PyObject *c = ks_py_nd_wrap(&counts, NULL);
    PyObject *ed = ks_py_nd_wrap(&edges, NULL);
    if (c && ed) r = PyTuple_Pack(2, c, ed);
    Py_XDECREF(c);
    Py_XDECREF(ed);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (e.p) ks_py_nd_arg_release(&e);
    if (w.p) ks_py_nd_arg_release(&w);
    return r;
}

static PyObject *f_bincount(FASTCALL_ARGS)
{
    (void)self;
    PARSE("bincount", 3, 1, "x", "weights", "minlength");
    ks_py_nd_arg x = {0}, w = {0};
    PyObject *r = NULL;
    const Py_ssize_t minlength = GIVEN(o[2]) ? PyNumber_AsSsize_t(o[2], PyExc_OverflowError) : 0;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || PyErr_Occurred() || ks_py_nd_arg_get(o[0], 0, &x) ||
        (GIVEN(o[1]) && ks_py_nd_arg_get(o[1], 0, &w)))
        goto done;
    ks_array res;
    r = ks_py_nd_result(ctx, ks_array_bincount(ctx, x.p, w.p, minlength, &res), &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (w.p) ks_py_nd_arg_release(&w);
    return r;
}

static PyObject *f_digitize(FASTCALL_ARGS)
{
    (void)self;
    PARSE("digitize", 3, 2, "x", "bins", "right");
    ks_py_nd_arg x = {0}, b = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &x) || ks_py_nd_arg_get(o[1], 0, &b)) goto done;
    ks_array res;
    const bool right = GIVEN(o[2]) && PyObject_IsTrue(o[2]) > 0;
    r = ks_py_nd_result(ctx, ks_array_digitize(ctx, x.p, b.p, right, &res), &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (b.p) ks_py_nd_arg_release(&b);
    return r;
}

PyMethodDef ks_py_nd_stats_funcs[] = {
    {"quantile", FAST(f_quantile), "quantile(a, q, axis, method, keepdims, nan)"},
    {"average", FAST(f_average), "average(a, axis=None, weights=None, keepdims=False)"},
    {"cov", FAST(f_cov), "cov(m, y=None, rowvar=True, ddof=None)"},
    {"corrcoef", FAST(f_corrcoef), "corrcoef(x, y=None, rowvar=True)"},
    {"diff", FAST(f_diff), "diff(a, n=1, axis=-1)"},
    {"gradient", FAST(f_gradient), "gradient(f, spacing=1.0, axis=0, edge_order=1)"},
    {"histogram", FAST(f_histogram), "histogram(a, bins, lo, hi, edges, weights, density)"},
    {"bincount", FAST(f_bincount), "bincount(x, weights=None, minlength=0)"},
    {"digitize", FAST(f_digitize), "digitize(x, bins, right=False)"},
    {NULL, NULL, 0, NULL},
};
