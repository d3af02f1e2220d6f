/* _core_regress.c — feols for kestrel._core. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

static PyObject *feols_result(ks_feols *m, PyObject *notes)
{
    const size_t k = ks_feols_ncoef(m);
    ks_feols_info in;
    ks_feols_get_info(m, &in);
    PyObject *names = PyList_New((Py_ssize_t)k), *fe = PyDict_New();
    npy_intp dims[2] = {(npy_intp)k, (npy_intp)k};
    PyObject *coef = PyArray_SimpleNew(1, dims, NPY_DOUBLE),
             *se = PyArray_SimpleNew(1, dims, NPY_DOUBLE);
    PyObject *pv = PyArray_SimpleNew(1, dims, NPY_DOUBLE),
             *col = PyArray_SimpleNew(1, dims, NPY_BOOL);
    PyObject *V = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!names || !fe || !coef || !se || !pv || !col || !V) goto fail;
    for (size_t j = 0; j < k; j++) {
        PyList_SET_ITEM(names, (Py_ssize_t)j, PyUnicode_FromString(ks_feols_name(m, j)));
        ((double *)PyArray_DATA((PyArrayObject *)coef))[j] = ks_feols_coef(m, j);
        ((double *)PyArray_DATA((PyArrayObject *)se))[j] = ks_feols_se(m, j);
        ((double *)PyArray_DATA((PyArrayObject *)pv))[j] = ks_feols_pvalue(m, j);
        ((npy_bool *)PyArray_DATA((PyArrayObject *)col))[j] = (npy_bool)ks_feols_is_collinear(m, j);
        for (size_t i = 0; i < k; i++) /* column-major in C -> row-major NumPy, symmetric */
            ((double *)PyArray_DATA((PyArrayObject *)V))[i * k + j] = ks_feols_vcov(m)[i + j * k];
    }
    for (size_t d = 0; d < in.n_fe; d++) {
        PyObject *lv = PyLong_FromSize_t(ks_feols_fe_levels(m, d));
        if (!lv || PyDict_SetItemString(fe, ks_feols_fe_name(m, d), lv)) goto fail;
        Py_DECREF(lv);
    }
    return Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:n,s:n,s:n,s:n,s:n,s:d,s:d,s:d,s:d,s:d,s:d,s:N,"
                         "s:s,s:n,s:(nnn),s:O}",
                         "names", names, "coef", coef, "se", se, "pvalue", pv, "collinear", col,
                         "vcov", V, "nobs", (Py_ssize_t)in.nobs, "n_na", (Py_ssize_t)in.n_na,
                         "n_singletons", (Py_ssize_t)in.n_singletons, "n_zero_weight",
                         (Py_ssize_t)in.n_zero_weight, "df_k", (Py_ssize_t)in.df_k, "df_t", in.df_t,
                         "r2", in.r2, "adj_r2", in.adj_r2, "r2_within", in.r2_within, "rss", in.rss,
                         "sigma", in.sigma, "fixef", fe, "vcov_label", ks_feols_vcov_label(m),
                         "fe_iterations", (Py_ssize_t)in.fe_iterations, "nclusters",
                         (Py_ssize_t)in.nclusters[0], (Py_ssize_t)in.nclusters[1],
                         (Py_ssize_t)in.nclusters[2], "notes", notes);
fail:
    Py_XDECREF(names);
    Py_XDECREF(fe);
    Py_XDECREF(coef);
    Py_XDECREF(se);
    Py_XDECREF(pv);
    Py_XDECREF(col);
    Py_XDECREF(V);
    return NULL;
}

static void feols_capsule_free(PyObject *cap)
{
    ks_feols_free(PyCapsule_GetPointer(cap, "kestrel.feols"));
}

static PyObject *py_feols(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"formula",          "columns",         "vcov",
                             "cluster",          "weights",         "fe_tol",
                             "fe_maxiter",       "drop_singletons", "ssc_adj",
                             "ssc_fixef_nested", "ssc_cluster_adj", "ssc_cluster_min",
                             "collin_tol",       "threads",         NULL};
    const char *formula, *cluster = NULL, *weights = NULL;
    PyObject *cols;
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    int vcov = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(
            args, kw, "sO|izzdiiiiiidi", kwlist, &formula, &cols, &vcov, &cluster, &weights,
            &o.fe_tol, &o.fe_maxiter, &o.drop_singletons, &o.ssc_adj, &o.ssc_fixef_nested,
            &o.ssc_cluster_adj, &o.ssc_cluster_min, &o.collin_tol, &threads))
        return NULL;
    o.vcov = (ks_vcov_kind)vcov;
    o.cluster = cluster;
    o.weights = weights;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *keep = PyList_New(0), *notes = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    ks_feols *m = NULL;
    if (!keep || !notes) goto done;
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        ks_py_raise(ctx, KS_EINVAL);
        goto done;
    }
    ks_ctx_set_log(ctx, ks_py_collect_log, notes);
    if (!(t = ks_py_table_from_dict(ctx, cols, keep))) goto done;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_feols_fit(ctx, t, formula, &o, &m);
    Py_END_ALLOW_THREADS
    if (rc) {
        ks_py_raise(ctx, rc);
        goto done;
    }
    out = feols_result(m, notes);
    if (out) {
        /* The residuals stay in the model's memory: a view kept alive by a capsule. */
        npy_intp n = (npy_intp)ks_table_nrow(t);
        PyObject *owner = PyCapsule_New(m, "kestrel.feols", feols_capsule_free);
        PyObject *r = NULL;
        if (owner) {
            m = NULL;
            ks_feols *mm = PyCapsule_GetPointer(owner, "kestrel.feols");
            r = PyArray_SimpleNewFromData(1, &n, NPY_DOUBLE, (void *)ks_feols_resid(mm));
            if (r && PyArray_SetBaseObject((PyArrayObject *)r, owner) < 0)
                Py_CLEAR(r);
            else if (!r)
                Py_DECREF(owner);
        }
        if (!r || PyDict_SetItemString(out, "resid", r)) Py_CLEAR(out);
        Py_XDECREF(r);
    }
done:
    ks_feols_free(m);
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    return out;
}

PyMethodDef ks_py_regress_methods[] = {
    {"feols", (PyCFunction)(void (*)(void))py_feols, METH_VARARGS | METH_KEYWORDS,
     "feols(formula, columns, vcov=0, cluster=None, weights=None, ...) -> dict"},
    {NULL, NULL, 0, NULL},
};
