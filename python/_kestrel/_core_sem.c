/* _core_sem.c — the SEM fit (include/kestrel/sem.h) in kestrel._core: the model, raw data (a dict
 * of columns) or a sample covariance with its names, the options; the fit comes back as a
 * capsule (for summary()) and a dict of its view. No statistics here. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

static void sem_capsule_free(PyObject *cap) { ks_sem_free(PyCapsule_GetPointer(cap, "kestrel.sem")); }

static PyObject *int_arr(const int *v, size_t n)
{
    const npy_intp dim = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &dim, NPY_INT64);
    if (!a) return NULL;
    int64_t *d = PyArray_DATA((PyArrayObject *)a);
    for (size_t i = 0; i < n; i++) d[i] = v[i];
    return a;
}

static PyObject *sem_dict(const ks_sem *s)
{
    ks_sem_view v;
    ks_sem_get(s, &v);
    const npy_intp n = (npy_intp)v.nrow, p = (npy_intp)v.p;
    return Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,"
        "s:N,s:N,s:d,s:d,s:n,s:n,s:i,s:i,s:s,s:s}",
        "lhs", ks_py_strs(v.lhs, v.nrow), "op", ks_py_strs(v.op, v.nrow), "rhs",
        ks_py_strs(v.rhs, v.nrow), "label", ks_py_strs(v.label, v.nrow), "free",
        int_arr(v.free, v.nrow), "est", ks_py_arr(v.est, n, 0), "se", ks_py_arr(v.se, n, 0), "z",
        ks_py_arr(v.tstat, n, 0), "pvalue", ks_py_arr(v.pvalue, n, 0), "ci_lower",
        ks_py_arr(v.ci_lower, n, 0), "ci_upper", ks_py_arr(v.ci_upper, n, 0), "std_lv",
        ks_py_arr(v.std_lv, n, 0), "std_all", ks_py_arr(v.std_all, n, 0), "fit_name",
        ks_py_strs(v.fit_name, v.nfit), "fit_value", ks_py_arr(v.fit_value, (npy_intp)v.nfit, 0),
        "ov", ks_py_strs(v.ov, v.p), "lv", ks_py_strs(v.lv, v.nlv), "sample_cov",
        ks_py_arr(v.sample_cov, p, p), "implied_cov", ks_py_arr(v.implied_cov, p, p), "con_lhs",
        ks_py_strs(v.con_lhs, v.ncon), "con_op", ks_py_strs(v.con_op, v.ncon), "con_rhs",
        ks_py_strs(v.con_rhs, v.ncon), "con_slack", ks_py_arr(v.con_slack, (npy_intp)v.ncon, 0),
        "nobs", v.nobs, "fmin", v.fmin, "nfree", (Py_ssize_t)v.nfree, "npar", (Py_ssize_t)v.npar,
        "iterations", v.iterations, "converged", v.converged, "estimator",
        ks_sem_estimator_name(v.estimator), "se_kind", ks_sem_se_name(v.se_kind));
}

/* A square float64 matrix argument as a column-major copy of its values (NULL: none given). */
static PyArrayObject *fortran_matrix(PyObject *o, const char *what)
{
    if (o == Py_None) return NULL;
    PyArrayObject *a =
        (PyArrayObject *)PyArray_FROMANY(o, NPY_DOUBLE, 1, 2, NPY_ARRAY_F_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!a) PyErr_Format(PyExc_TypeError, "%s: expected a numeric matrix", what);
    return a;
}

static PyObject *py_sem_fit(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"model",  "data",  "cov",   "names", "nobs",  "estimator",
                             "call",   "std_lv", "se",   "wls_v", "gamma", "level",
                             "rescale", "tol",  "max_iter", NULL};
    const char *model;
    PyObject *data = Py_None, *covo = Py_None, *nameso = Py_None, *wo = Py_None, *go = Py_None;
    double nobs = 0;
    int estimator = 0, call = 0, std_lv = 0, se = 0, rescale = 1, max_iter = 10000;
    double level = 0.95, tol = 1e-10;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|OOOdiiiiOOdidi", kwlist, &model, &data, &covo,
                                     &nameso, &nobs, &estimator, &call, &std_lv, &se, &wo, &go,
                                     &level, &rescale, &tol, &max_iter))
        return NULL;
    ks_sem_options o = KS_SEM_OPTIONS_INIT;
    o.estimator = (ks_sem_estimator)estimator;
    o.call = (ks_sem_call)call;
    o.std_lv = std_lv;
    o.se = (ks_sem_se)se;
    o.level = level;
    o.tol = tol;
    o.max_iter = max_iter;
    PyArrayObject *C = NULL, *W = NULL, *G = NULL;
    PyObject *out = NULL, *notes = NULL, *keep = NULL, *namekeep = NULL;
    const char **names = NULL;
    ks_ctx *ctx = NULL;
    ks_table *t = NULL;
    ks_sem *s = NULL;
    int rc = KS_OK;
    if ((W = fortran_matrix(wo, "WLS_V")) == NULL && PyErr_Occurred()) goto done;
    if ((G = fortran_matrix(go, "NACOV")) == NULL && PyErr_Occurred()) goto done;
    if (W) {
        o.wls_v = PyArray_DATA(W);
        o.wls_v_len = (size_t)PyArray_SIZE(W);
    }
    if (G) {
        o.gamma = PyArray_DATA(G);
        o.gamma_len = (size_t)PyArray_SIZE(G);
    }
    if (data != Py_None) {
        if (ks_py_fit_begin(data, 0, &ctx, &t, &keep, &notes)) goto done;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_sem_fit(ctx, model, t, &o, &s);
        Py_END_ALLOW_THREADS
    } else {
        Py_ssize_t nn = 0;
        if (!(C = fortran_matrix(covo, "sample_cov"))) {
            if (!PyErr_Occurred())
                PyErr_SetString(PyExc_ValueError, "give data or sample_cov");
            goto done;
        }
        names = ks_py_str_list(nameso, "sample_cov's names", &namekeep, &nn);
        if (!names) goto done;
        if (PyArray_NDIM(C) != 2 || PyArray_DIM(C, 0) != nn || PyArray_DIM(C, 1) != nn) {
            PyErr_Format(PyExc_ValueError, "sample_cov: expected a %zd x %zd matrix (one row and "
                                           "column per name)",
                         nn, nn);
            goto done;
        }
        if (ks_py_fit_begin(NULL, 0, &ctx, NULL, NULL, &notes)) goto done;
        const ks_sem_sample smp = {(size_t)nn, names, PyArray_DATA(C), nobs, rescale};
        Py_BEGIN_ALLOW_THREADS
            rc = ks_sem_fit_cov(ctx, model, &smp, &o, &s);
        Py_END_ALLOW_THREADS
    }
    if (rc) goto done;
    PyObject *d = sem_dict(s);
    PyObject *cap = d ? PyCapsule_New(s, "kestrel.sem", sem_capsule_free) : NULL;
    if (!cap) {
        Py_XDECREF(d);
        goto done;
    }
    s = NULL;
    PyDict_SetItemString(d, "notes", notes);
    out = Py_BuildValue("(NN)", cap, d);
done:
    ks_sem_free(s);
    PyMem_Free(names);
    Py_XDECREF(namekeep);
    Py_XDECREF(C);
    Py_XDECREF(W);
    Py_XDECREF(G);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

static PyObject *py_sem_summary(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    int fit_measures = 0, standardized = 0;
    if (!PyArg_ParseTuple(args, "Opp", &cap, &fit_measures, &standardized)) return NULL;
    ks_sem *s = PyCapsule_GetPointer(cap, "kestrel.sem");
    if (!s) return NULL;
    ks_ctx *ctx = NULL;
    if (ks_py_ctx(&ctx, 1)) return NULL;
    char *txt = NULL;
    const int rc = ks_sem_summary(ctx, s, fit_measures, standardized, &txt);
    PyObject *out = rc ? ks_py_raise(ctx, rc) : PyUnicode_FromString(txt);
    ks_string_free(txt);
    ks_ctx_free(ctx);
    return out;
}

PyMethodDef ks_py_sem_methods[] = {
    {"sem_fit", (PyCFunction)(void (*)(void))py_sem_fit, METH_VARARGS | METH_KEYWORDS,
     "sem_fit(model, data=None, cov=None, names=None, nobs=0, estimator=0, call=0, std_lv=0, "
     "se=0, wls_v=None, gamma=None, level=0.95, rescale=1, tol=1e-10, max_iter=10000) -> "
     "(capsule, dict)"},
    {"sem_summary", py_sem_summary, METH_VARARGS,
     "sem_summary(capsule, fit_measures, standardized) -> str (lavaan's summary)"},
    {NULL, NULL, 0, NULL}};
