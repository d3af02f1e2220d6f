/* _core_regress.c — feols for kestrel._core. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

static PyObject *feols_result(const ks_feols *m, PyObject *notes)
{
    ks_feols_view v;
    ks_feols_get(m, &v);
    const size_t k = v.ncoef;
    PyObject *names = PyList_New((Py_ssize_t)k), *fe = PyDict_New();
    npy_intp dims[2] = {(npy_intp)k, (npy_intp)k};
    PyObject *col = PyArray_SimpleNew(1, dims, NPY_BOOL);
    PyObject *V = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    PyObject *coef = ks_py_arr(v.coef, dims[0], 0), *se = ks_py_arr(v.se, dims[0], 0);
    PyObject *tv = ks_py_arr(v.tstat, dims[0], 0), *pv = ks_py_arr(v.pvalue, dims[0], 0);
    PyObject *lo = ks_py_arr(v.ci_lower, dims[0], 0), *hi = ks_py_arr(v.ci_upper, dims[0], 0);
    PyObject *df = ks_py_arr(v.df, dims[0], 0);
    if (!names || !fe || !coef || !se || !tv || !pv || !lo || !hi || !col || !V || !df) goto fail;
    for (size_t j = 0; j < k; j++) {
        PyList_SET_ITEM(names, (Py_ssize_t)j, PyUnicode_FromString(v.names[j]));
        ((npy_bool *)PyArray_DATA((PyArrayObject *)col))[j] = (npy_bool)v.collinear[j];
        for (size_t i = 0; i < k; i++) /* column-major in C -> row-major NumPy, symmetric */
            ((double *)PyArray_DATA((PyArrayObject *)V))[i * k + j] = v.vcov[i + j * k];
    }
    for (size_t d = 0; d < v.n_fe; d++) {
        PyObject *lv = PyLong_FromSize_t(v.fe_levels[d]);
        if (!lv || PyDict_SetItemString(fe, v.fe_names[d], lv)) goto fail;
        Py_DECREF(lv);
    }
    return Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:n,s:n,s:n,s:n,s:n,s:d,s:d,s:d,"
                         "s:d,s:d,s:d,s:N,s:s,s:n,s:(nnn),s:O,s:N}",
                         "names", names, "coef", coef, "se", se, "tstat", tv, "pvalue", pv,
                         "ci_lower", lo, "ci_upper", hi, "collinear", col, "vcov", V, "nobs",
                         (Py_ssize_t)v.nobs, "n_na", (Py_ssize_t)v.n_na, "n_singletons",
                         (Py_ssize_t)v.n_singletons, "n_zero_weight", (Py_ssize_t)v.n_zero_weight,
                         "df_k", (Py_ssize_t)v.df_k, "df_t", v.df_t, "r2", v.r2, "adj_r2", v.adj_r2,
                         "r2_within", v.r2_within, "rss", v.rss, "sigma", v.sigma, "fixef", fe,
                         "vcov_label", v.vcov_label, "fe_iterations", (Py_ssize_t)v.fe_iterations,
                         "nclusters", (Py_ssize_t)v.nclusters[0], (Py_ssize_t)v.nclusters[1],
                         (Py_ssize_t)v.nclusters[2], "notes", notes, "df", df);
fail:
    Py_XDECREF(names);
    Py_XDECREF(fe);
    Py_XDECREF(coef);
    Py_XDECREF(se);
    Py_XDECREF(tv);
    Py_XDECREF(pv);
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    Py_XDECREF(col);
    Py_XDECREF(V);
    Py_XDECREF(df);
    return NULL;
}

static void feols_capsule_free(PyObject *cap)
{
    ks_feols_free(PyCapsule_GetPointer(cap, "kestrel.feols"));
}

static PyObject *py_feols(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"formula",
                             "columns",
                             "vcov",
                             "cluster",
                             "weights",
                             "fe_tol",
                             "fe_maxiter",
                             "drop_singletons",
                             "ssc_adj",
                             "ssc_fixef_nested",
                             "ssc_cluster_adj",
                             "ssc_cluster_min",
                             "collin_tol",
                             "threads",
                             "alpha",
                             NULL};
    const char *formula, *cluster = NULL, *weights = NULL;
    PyObject *cols;
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    int vcov = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(
            args, kw, "sO|izzdiiiiiidid", kwlist, &formula, &cols, &vcov, &cluster, &weights,
            &o.fe_tol, &o.fe_maxiter, &o.drop_singletons, &o.ssc_adj, &o.ssc_fixef_nested,
            &o.ssc_cluster_adj, &o.ssc_cluster_min, &o.collin_tol, &threads, &o.alpha))
        return NULL;
    o.vcov = (ks_vcov_kind)vcov;
    o.cluster = cluster;
    o.weights = weights;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_feols *m = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_feols_fit(ctx, t, formula, &o, &m);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    out = feols_result(m, notes);
    if (out) {
        /* The residuals stay in the model's memory: a view kept alive by a capsule. */
        npy_intp n = (npy_intp)ks_table_nrow(t);
        PyObject *owner = PyCapsule_New(m, "kestrel.feols", feols_capsule_free);
        PyObject *r = NULL;
        if (owner) {
            m = NULL;
            ks_feols_view v;
            ks_feols_get(PyCapsule_GetPointer(owner, "kestrel.feols"), &v);
            r = PyArray_SimpleNewFromData(1, &n, NPY_DOUBLE, (void *)v.resid);
            if (r && PyArray_SetBaseObject((PyArrayObject *)r, owner) < 0)
                Py_CLEAR(r);
            else if (!r)
                Py_DECREF(owner);
        }
        /* the model too, for intervals at another level (feols_confint) */
        if (!r || PyDict_SetItemString(out, "resid", r) ||
            PyDict_SetItemString(out, "model", owner))
            Py_CLEAR(out);
        Py_XDECREF(r);
    }
done:
    ks_feols_free(m);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

/* The intervals of a fit at level 1 - alpha (ks_feols_confint): (lo, hi) arrays. */
static PyObject *py_feols_confint(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    double alpha;
    if (!PyArg_ParseTuple(args, "Od", &cap, &alpha)) return NULL;
    const ks_feols *m = PyCapsule_GetPointer(cap, "kestrel.feols");
    if (!m) return NULL;
    ks_feols_view v;
    ks_feols_get(m, &v);
    npy_intp n = (npy_intp)v.ncoef;
    PyObject *lo = PyArray_SimpleNew(1, &n, NPY_DOUBLE), *hi = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    ks_ctx *ctx = NULL;
    PyObject *out = NULL;
    if (lo && hi && !ks_py_ctx(&ctx, 0)) {
        const int rc = ks_feols_confint(ctx, m, alpha, PyArray_DATA((PyArrayObject *)lo),
                                        PyArray_DATA((PyArrayObject *)hi), v.ncoef);
        out = rc ? ks_py_raise(ctx, rc) : Py_BuildValue("(OO)", lo, hi);
    }
    ks_ctx_free(ctx);
    Py_XDECREF(lo);
    Py_XDECREF(hi);
    return out;
}

/* A linear combination w'b of a fit's coefficients and its inference (ks_feols_lincom): a dict
 * of estimate, se, tstat, pvalue, ci_lower, ci_upper, df. */
static PyObject *py_feols_lincom(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap, *wobj;
    double alpha;
    if (!PyArg_ParseTuple(args, "OOd", &cap, &wobj, &alpha)) return NULL;
    const ks_feols *m = PyCapsule_GetPointer(cap, "kestrel.feols");
    if (!m) return NULL;
    PyArrayObject *w = (PyArrayObject *)PyArray_FROMANY(wobj, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (!w) return NULL;
    ks_ctx *ctx;
    PyObject *out = NULL;
    if (!ks_py_ctx(&ctx, 0)) {
        ks_feols_estimate e;
        const int rc = ks_feols_lincom(ctx, m, PyArray_DATA(w), (size_t)PyArray_SIZE(w), alpha, &e);
        out = rc ? ks_py_raise(ctx, rc)
                 : Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:d}", "estimate", e.estimate, "se",
                                 e.se, "tstat", e.tstat, "pvalue", e.pvalue, "ci_lower", e.ci_lower,
                                 "ci_upper", e.ci_upper, "df", e.df);
    }
    ks_ctx_free(ctx);
    Py_DECREF(w);
    return out;
}

PyMethodDef ks_py_regress_methods[] = {
    {"feols_lincom", py_feols_lincom, METH_VARARGS,
     "feols_lincom(model, w, alpha) -> dict: w'b, its se, t, p and 1 - alpha interval"},
    {"feols_confint", py_feols_confint, METH_VARARGS,
     "feols_confint(model, alpha) -> (lo, hi): the intervals at level 1 - alpha"},
    {"feols", (PyCFunction)(void (*)(void))py_feols, METH_VARARGS | METH_KEYWORDS,
     "feols(formula, columns, vcov=0, cluster=None, weights=None, ...) -> dict"},
    {NULL, NULL, 0, NULL},
};
