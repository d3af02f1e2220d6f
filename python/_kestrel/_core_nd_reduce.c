/* _core_nd_reduce.c — reductions, scans and statistics for kestrel.nd: the ndarray methods
 * (a.sum(), a.argmax(axis=1), a.cumsum(), ...) and the module's functions (nd.sum, nd.nanmean,
 * nd.quantile, nd.histogram, ...), each one call into the library. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

#define ARR(o) (&((ks_py_nd *)(o))->arr)
#define FASTCALL_ARGS PyObject *self, PyObject *const *args, Py_ssize_t nargs, PyObject *kw
#define PARSE(fname, npos, nreq, ...)                                                              \
    static const char *const names_[] = {__VA_ARGS__, NULL};                                       \
    PyObject *o[sizeof names_ / sizeof *names_];                                                   \
    if (ks_py_nd_args(fname, args, nargs, kw, names_, npos, nreq, o)) return NULL
#define FAST(f) (PyCFunction)(void (*)(void))(f), METH_FASTCALL | METH_KEYWORDS
#define GIVEN(x) ((x) && (x) != Py_None)

PyObject *ks_py_nd_reduce(ks_reduce f, PyObject *a, PyObject *axis, PyObject *dtype, PyObject *out,
                          PyObject *keepdims, PyObject *ddof, PyObject *where)
{
    ks_py_nd_arg x = {0}, w = {0};
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    PyObject *r = NULL;
    if (ks_py_nd_arg_get(a, 0, &x) || ks_py_nd_axes_arg(axis, x.p->ndim, &opt.axes) ||
        ks_py_nd_dtype_arg(dtype, true, &opt.dtype))
        goto done;
    if (GIVEN(keepdims)) {
        const int k = PyObject_IsTrue(keepdims);
        if (k < 0) goto done;
        opt.keepdims = k;
    }
    if (GIVEN(ddof) && (opt.ddof = PyFloat_AsDouble(ddof)) == -1.0 && PyErr_Occurred()) goto done;
    PyObject *outobj = GIVEN(out) && PyTuple_Check(out) ? PyTuple_GET_ITEM(out, 0) : out;
    if (GIVEN(outobj)) {
        if (!KS_PY_ND_CHECK(outobj)) {
            PyErr_SetString(PyExc_TypeError, "out must be a kestrel.nd.ndarray");
            goto done;
        }
        opt.out = ARR(outobj);
    }
    if (GIVEN(where) && where != Py_True) {
        if (ks_py_nd_arg_get(where, 0, &w)) goto done;
        opt.where = w.p;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    ks_array res;
    int rc;
    if (ks_array_size(x.p) < KS_PY_ND_NOGIL) {
        rc = ks_array_reduce(ctx, f, x.p, &opt, &res);
    } else {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_array_reduce(ctx, f, x.p, &opt, &res);
        Py_END_ALLOW_THREADS
    }
    if (rc == KS_OK && opt.out) {
        ks_array_release(&res);
        r = Py_NewRef(outobj);
    } else
        r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (w.p) ks_py_nd_arg_release(&w);
    return r;
}

/* ---- the methods: NumPy's argument orders ---- */

#define SUMLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 4, 0, "axis", "dtype", "out", "keepdims", "where");                           \
        return ks_py_nd_reduce(F, self, o[0], o[1], o[2], o[3], NULL, o[4]);                       \
    }
#define MINLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 3, 0, "axis", "out", "keepdims", "where");                                    \
        return ks_py_nd_reduce(F, self, o[0], NULL, o[1], o[2], NULL, o[3]);                       \
    }
#define ARGLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 3, 0, "axis", "out", "keepdims");                                             \
        return ks_py_nd_reduce(F, self, o[0], NULL, o[1], o[2], NULL, NULL);                       \
    }
#define VARLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 5, 0, "axis", "dtype", "out", "ddof", "keepdims", "where");                   \
        return ks_py_nd_reduce(F, self, o[0], o[1], o[2], o[4], o[3], o[5]);                       \
    }

SUMLIKE(sum, KS_REDUCE_SUM)
SUMLIKE(prod, KS_REDUCE_PROD)
SUMLIKE(mean, KS_REDUCE_MEAN)
VARLIKE(var, KS_REDUCE_VAR)
VARLIKE(std, KS_REDUCE_STD)
MINLIKE(min, KS_REDUCE_MIN)
MINLIKE(max, KS_REDUCE_MAX)
MINLIKE(all, KS_REDUCE_ALL)
MINLIKE(any, KS_REDUCE_ANY)
MINLIKE(ptp, KS_REDUCE_PTP)
ARGLIKE(argmin, KS_REDUCE_ARGMIN)
ARGLIKE(argmax, KS_REDUCE_ARGMAX)

/* cumsum / cumprod: axis None scans the raveled array. */
static PyObject *scan(ks_scan f, PyObject *a, PyObject *axis_o, PyObject *dtype)
{
    ks_py_nd_arg x;
    int t, axis = 0;
    PyObject *r = NULL;
    if (ks_py_nd_arg_get(a, 0, &x) || ks_py_nd_dtype_arg(dtype, true, &t) ||
        (GIVEN(axis_o) && ks_py_nd_axis_arg(axis_o, x.p->ndim, &axis)))
        goto done;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    ks_array flat, res;
    const ks_array *in = x.p;
    int rc = KS_OK;
    flat.data = NULL;
    flat.base = NULL;
    if (!GIVEN(axis_o) && x.p->ndim != 1) {
        rc = ks_array_ravel(ctx, x.p, KS_ORDER_C, &flat);
        in = &flat;
    }
    if (rc == KS_OK) {
        if (ks_array_size(in) < KS_PY_ND_NOGIL) {
            rc = ks_array_scan(ctx, f, in, axis, t, &res);
        } else {
            Py_BEGIN_ALLOW_THREADS
                rc = ks_array_scan(ctx, f, in, axis, t, &res);
            Py_END_ALLOW_THREADS
        }
    }
    ks_array_release(&flat);
    r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    ks_py_nd_arg_release(&x);
    return r;
}

static PyObject *m_cumsum(FASTCALL_ARGS)
{
    PARSE("cumsum", 3, 0, "axis", "dtype", "out");
    return scan(KS_SCAN_CUMSUM, self, o[0], o[1]);
}
static PyObject *m_cumprod(FASTCALL_ARGS)
{
    PARSE("cumprod", 3, 0, "axis", "dtype", "out");
    return scan(KS_SCAN_CUMPROD, self, o[0], o[1]);
}

PyMethodDef ks_py_nd_reduce_methods[] = {
    {"sum", FAST(m_sum), "a.sum(axis=None, dtype=None, out=None, keepdims=False, where=True)"},
    {"prod", FAST(m_prod), "a.prod(axis=None, dtype=None, out=None, keepdims=False, where=True)"},
    {"mean", FAST(m_mean), "a.mean(axis=None, dtype=None, out=None, keepdims=False, where=True)"},
    {"var", FAST(m_var), "a.var(axis=None, dtype=None, out=None, ddof=0, keepdims=False)"},
    {"std", FAST(m_std), "a.std(axis=None, dtype=None, out=None, ddof=0, keepdims=False)"},
    {"min", FAST(m_min), "a.min(axis=None, out=None, keepdims=False, where=True)"},
    {"max", FAST(m_max), "a.max(axis=None, out=None, keepdims=False, where=True)"},
    {"all", FAST(m_all), "a.all(axis=None, out=None, keepdims=False, where=True)"},
    {"any", FAST(m_any), "a.any(axis=None, out=None, keepdims=False, where=True)"},
    {"ptp", FAST(m_ptp), "a.ptp(axis=None, out=None, keepdims=False): max - min"},
    {"argmin", FAST(m_argmin), "a.argmin(axis=None, out=None, keepdims=False)"},
    {"argmax", FAST(m_argmax), "a.argmax(axis=None, out=None, keepdims=False)"},
    {"cumsum", FAST(m_cumsum), "a.cumsum(axis=None, dtype=None)"},
    {"cumprod", FAST(m_cumprod), "a.cumprod(axis=None, dtype=None)"},
    {NULL, NULL, 0, NULL},
};

/* ---- module functions ---- */

/* reduce(name, a, axis, dtype, out, keepdims, ddof, where): nd.sum and the others. */
static PyObject *f_reduce(FASTCALL_ARGS)
{
    (void)self;
    PARSE("reduce", 8, 2, "name", "a", "axis", "dtype", "out", "keepdims", "ddof", "where");
    const char *s = PyUnicode_AsUTF8(o[0]);
    ks_ctx *ctx = s ? ks_py_nd_ctx() : NULL;
    ks_reduce f;
    if (!ctx) return NULL;
    if (ks_reduce_value(ctx, s, &f) != KS_OK) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
        return NULL;
    }
    return ks_py_nd_reduce(f, o[1], o[2], o[3], o[4], o[5], o[6], o[7]);
}

static PyObject *f_scan(FASTCALL_ARGS)
{
    (void)self;
    PARSE("scan", 4, 2, "name", "a", "axis", "dtype");
    const char *s = PyUnicode_AsUTF8(o[0]);
    ks_ctx *ctx = s ? ks_py_nd_ctx() : NULL;
    ks_scan f;
    if (!ctx) return NULL;
    if (ks_scan_value(ctx, s, &f) != KS_OK) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
        return NULL;
    }
    return scan(f, o[1], o[2], o[3]);
}

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

PyMethodDef ks_py_nd_reduce_funcs[] = {
    {"reduce", FAST(f_reduce),
     "reduce(name, a, axis=None, dtype=None, out=None, keepdims=False, ddof=0, where=None): "
     "the reduction the library calls `name` (sum, nanmean, argmax, ...)"},
    {"scan", FAST(f_scan), "scan(name, a, axis=None, dtype=None): cumsum, cumprod, nancumsum, ..."},
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
