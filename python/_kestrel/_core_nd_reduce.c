/* _core_nd_reduce.c — reductions and scans for kestrel.nd: the ndarray methods (a.sum(),
 * a.argmax(axis=1), a.cumsum(), ...) and the module's functions behind nd.sum, nd.nanmean,
 * nd.cumsum ..., each one call into the library. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

PyObject *ks_py_nd_reduce(ks_reduce f, PyObject *a, PyObject *axis, PyObject *dtype, PyObject *out,
                          PyObject *keepdims, PyObject *ddof, PyObject *where, PyObject *initial)
{
    ks_py_nd_arg x = {0}, w = {0}, init = {0};
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    PyObject *r = NULL;
    const bool arg = f == KS_REDUCE_ARGMIN || f == KS_REDUCE_ARGMAX || f == KS_REDUCE_NANARGMIN ||
                     f == KS_REDUCE_NANARGMAX;
    if (arg && axis && (PyTuple_Check(axis) || PyList_Check(axis))) { /* one int, as NumPy */
        PyErr_Format(PyExc_TypeError, "'%s' object cannot be interpreted as an integer",
                     Py_TYPE(axis)->tp_name);
        return NULL;
    }
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
    if (GIVEN(initial)) {
        if (ks_py_nd_arg_get(initial, KS_PY_ND_WEAK, &init)) goto done;
        opt.initial = init.p;
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
    if (init.p) ks_py_nd_arg_release(&init);
    return r;
}

/* ---- the methods: NumPy's argument orders ---- */

#define SUMLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 5, 0, "axis", "dtype", "out", "keepdims", "initial", "where");                \
        return ks_py_nd_reduce(F, self, o[0], o[1], o[2], o[3], NULL, o[5], o[4]);                 \
    }
#define MEANLIKE(name, F)                                                                          \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 4, 0, "axis", "dtype", "out", "keepdims", "where");                           \
        return ks_py_nd_reduce(F, self, o[0], o[1], o[2], o[3], NULL, o[4], NULL);                 \
    }
#define MINLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 4, 0, "axis", "out", "keepdims", "initial", "where");                         \
        return ks_py_nd_reduce(F, self, o[0], NULL, o[1], o[2], NULL, o[4], o[3]);                 \
    }
#define ALLLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 3, 0, "axis", "out", "keepdims", "where");                                    \
        return ks_py_nd_reduce(F, self, o[0], NULL, o[1], o[2], NULL, o[3], NULL);                 \
    }
#define ARGLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 3, 0, "axis", "out", "keepdims");                                             \
        return ks_py_nd_reduce(F, self, o[0], NULL, o[1], o[2], NULL, NULL, NULL);                 \
    }
#define VARLIKE(name, F)                                                                           \
    static PyObject *m_##name(FASTCALL_ARGS)                                                       \
    {                                                                                              \
        PARSE(#name, 5, 0, "axis", "dtype", "out", "ddof", "keepdims", "where");                   \
        return ks_py_nd_reduce(F, self, o[0], o[1], o[2], o[4], o[3], o[5], NULL);                 \
    }

SUMLIKE(sum, KS_REDUCE_SUM)
SUMLIKE(prod, KS_REDUCE_PROD)
MEANLIKE(mean, KS_REDUCE_MEAN)
VARLIKE(var, KS_REDUCE_VAR)
VARLIKE(std, KS_REDUCE_STD)
MINLIKE(min, KS_REDUCE_MIN)
MINLIKE(max, KS_REDUCE_MAX)
ALLLIKE(all, KS_REDUCE_ALL)
ALLLIKE(any, KS_REDUCE_ANY)
ALLLIKE(ptp, KS_REDUCE_PTP)
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

/* reduce(name, a, axis, dtype, out, keepdims, ddof, where, initial): nd.sum and the others. */
static PyObject *f_reduce(FASTCALL_ARGS)
{
    (void)self;
    PARSE("reduce", 9, 2, "name", "a", "axis", "dtype", "out", "keepdims", "ddof", "where",
          "initial");
    const char *s = PyUnicode_AsUTF8(o[0]);
    ks_ctx *ctx = s ? ks_py_nd_ctx() : NULL;
    ks_reduce f;
    if (!ctx) return NULL;
    if (ks_reduce_value(ctx, s, &f) != KS_OK) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
        return NULL;
    }
    PyObject *r = ks_py_nd_reduce(f, o[1], o[2], o[3], o[4], o[5], o[6], o[7], o[8]);
    return r ? r : ks_py_nd_traced("reduce", args, nargs, kw);
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

PyMethodDef ks_py_nd_reduce_funcs[] = {
    {"reduce", FAST(f_reduce),
     "reduce(name, a, axis=None, dtype=None, out=None, keepdims=False, ddof=0, where=None, "
     "initial=None): "
     "the reduction the library calls `name` (sum, nanmean, argmax, ...)"},
    {"scan", FAST(f_scan), "scan(name, a, axis=None, dtype=None): cumsum, cumprod, nancumsum, ..."},
    {NULL, NULL, 0, NULL},
};
