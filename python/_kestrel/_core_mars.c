/* _core_mars.c — the MARS part of kestrel._core: fit, predict, basis, JSON. A fitted model
 * lives in a capsule owned by the Python estimator; results come back as dicts of arrays.
 * No statistics is computed here. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"


static void mars_capsule_free(PyObject *cap) { ks_mars_free(PyCapsule_GetPointer(cap, "kestrel.mars")); }

/* The model as a dict: terms [(pred, dir, cut), ...] per term, and every statistic. */
static PyObject *mars_dict(const ks_mars *m)
{
    ks_mars_view v;
    ks_mars_get(m, &v);
    PyObject *terms = PyList_New((Py_ssize_t)v.nterms), *parents = PyList_New((Py_ssize_t)v.nterms);
    if (!terms || !parents) {
        Py_XDECREF(terms);
        Py_XDECREF(parents);
        return NULL;
    }
    for (size_t j = 0; j < v.nterms; j++) {
        const size_t a = v.term_start[j], b = v.term_start[j + 1];
        PyObject *t = PyList_New((Py_ssize_t)(b - a));
        if (!t) goto fail;
        for (size_t k = a; k < b; k++)
            PyList_SET_ITEM(t, (Py_ssize_t)(k - a),
                            Py_BuildValue("(iid)", v.factor[k].pred, v.factor[k].dir, v.factor[k].cut));
        PyList_SET_ITEM(terms, (Py_ssize_t)j, t);
        PyList_SET_ITEM(parents, (Py_ssize_t)j, PyLong_FromLong(v.term_parent ? v.term_parent[j] : -1));
    }
    npy_intp dims[2] = {(npy_intp)v.nterms, (npy_intp)v.nterms};
    PyObject *pt = PyArray_SimpleNew(2, dims, NPY_INT64);
    if (!pt) goto fail;
    for (size_t i = 0; i < v.nterms * v.nterms; i++)
        ((int64_t *)PyArray_DATA((PyArrayObject *)pt))[i] = v.prune_terms ? (int64_t)v.prune_terms[i] : 0;
    const npy_intp M = (npy_intp)v.nterms, p = (npy_intp)v.p, ny = (npy_intp)v.ny;
    PyObject *none1 = Py_None;
    PyObject *d = Py_BuildValue(
        "{s:n,s:n,s:n,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:d,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:i,s:n,s:N,"
        "s:d,s:i,s:i,s:N,s:N,s:N,s:i,s:N,s:N,s:N}",
        "n", (Py_ssize_t)v.n, "p", (Py_ssize_t)v.p, "ny", (Py_ssize_t)v.ny, "terms", terms,
        "parents", parents, "selected", ks_py_sizes(v.selected, (npy_intp)v.nselected), "coef",
        ks_py_arr(v.coef, (npy_intp)v.nselected, ny), "rss", v.rss, "rsq", v.rsq, "gcv", v.gcv,
        "grsq", v.grsq, "rss_per_response", ks_py_arr(v.rss_per_response, ny, 0),
        "rsq_per_response", ks_py_arr(v.rsq_per_response, ny, 0), "gcv_per_response",
        ks_py_arr(v.gcv_per_response, ny, 0), "grsq_per_response",
        ks_py_arr(v.grsq_per_response, ny, 0), "rss_per_subset",
        v.rss_per_subset ? ks_py_arr(v.rss_per_subset, M, 0) : (Py_INCREF(none1), none1),
        "gcv_per_subset",
        v.gcv_per_subset ? ks_py_arr(v.gcv_per_subset, M, 0) : (Py_INCREF(none1), none1),
        "prune_terms", pt, "termcond", (int)v.termcond, "forward_slots",
        (Py_ssize_t)v.forward_nk_used, "forward_rsq",
        v.forward_rsq ? ks_py_arr(v.forward_rsq, M, 0) : (Py_INCREF(none1), none1), "penalty",
        v.penalty, "max_degree", v.max_degree, "nk", v.nk, "evimp_nsubsets",
        v.evimp_nsubsets ? ks_py_arr(v.evimp_nsubsets, p, 0) : (Py_INCREF(none1), none1),
        "evimp_gcv", v.evimp_gcv ? ks_py_arr(v.evimp_gcv, p, 0) : (Py_INCREF(none1), none1),
        "evimp_rss", v.evimp_rss ? ks_py_arr(v.evimp_rss, p, 0) : (Py_INCREF(none1), none1),
        "family", (int)v.family, "glm_coef",
        v.glm_coef ? ks_py_arr(v.glm_coef, (npy_intp)v.nselected, ny) : (Py_INCREF(none1), none1),
        "glm_deviance",
        v.glm_deviance ? ks_py_arr(v.glm_deviance, ny, 0) : (Py_INCREF(none1), none1), "cv_rsq",
        v.cv_rsq ? ks_py_arr(v.cv_rsq, M, 0) : (Py_INCREF(none1), none1));
    return d;
fail:
    Py_DECREF(terms);
    Py_DECREF(parents);
    return NULL;
}

/* X as a Fortran-ordered float64 (n x p) array (a new reference). */
static PyArrayObject *as_matrix(PyObject *obj, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, 1, 2,
                                                        NPY_ARRAY_F_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!a) return NULL;
    if (PyArray_NDIM(a) == 1) { /* one column */
        npy_intp dims[2] = {PyArray_DIM(a, 0), 1};
        PyArray_Dims nd = {dims, 2};
        PyArrayObject *b = (PyArrayObject *)PyArray_Newshape(a, &nd, NPY_FORTRANORDER);
        Py_DECREF(a);
        a = b;
    }
    if (a && PyArray_DIM(a, 0) < 1) {
        PyErr_Format(PyExc_ValueError, "%s has no rows", what);
        Py_DECREF(a);
        return NULL;
    }
    return a;
}

PyObject *ks_py_mars_fit(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"X", "Y", "weights", "max_terms", "max_degree", "penalty", "thresh",
                             "minspan", "endspan", "adjust_endspan", "fast_k", "fast_beta",
                             "newvar_penalty", "linpreds", "auto_linpreds", "pmethod", "nprune",
                             "nfold", "seed", "family", "allow_missing", "threads", NULL};
    PyObject *xo, *yo, *wo = Py_None, *lo = Py_None;
    ks_mars_options o = KS_MARS_OPTIONS_INIT;
    int pmethod = 0, family = 0, threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|OiiddiididdOiiiiKiii", kwlist, &xo, &yo, &wo,
                                     &o.max_terms, &o.max_degree, &o.penalty, &o.thresh,
                                     &o.minspan, &o.endspan, &o.adjust_endspan, &o.fast_k,
                                     &o.fast_beta, &o.newvar_penalty, &lo, &o.auto_linpreds,
                                     &pmethod, &o.nprune, &o.nfold, &seed, &family,
                                     &o.allow_missing, &threads))
        return NULL;
    o.pmethod = (ks_mars_pmethod)pmethod;
    o.family = (ks_mars_family)family;
    o.seed = seed;
    PyArrayObject *X = as_matrix(xo, "X"), *Y = X ? as_matrix(yo, "y") : NULL, *W = NULL, *L = NULL;
    PyObject *out = NULL, *notes = NULL;
    ks_ctx *ctx = NULL;
    ks_mars *m = NULL;
    int rc = KS_OK;
    if (!X || !Y) goto done;
    const size_t n = (size_t)PyArray_DIM(X, 0), p = (size_t)PyArray_DIM(X, 1);
    const size_t ny = (size_t)PyArray_DIM(Y, 1);
    if ((size_t)PyArray_DIM(Y, 0) != n) {
        PyErr_Format(PyExc_ValueError, "y has %zd rows but X has %zd", (Py_ssize_t)PyArray_DIM(Y, 0),
                     (Py_ssize_t)n);
        goto done;
    }
    if (wo != Py_None) {
        W = (PyArrayObject *)PyArray_FROMANY(wo, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
        if (!W) goto done;
        if ((size_t)PyArray_DIM(W, 0) != n) {
            PyErr_Format(PyExc_ValueError, "sample_weight has %zd entries but X has %zd rows",
                         (Py_ssize_t)PyArray_DIM(W, 0), (Py_ssize_t)n);
            goto done;
        }
    }
    if (lo != Py_None) {
        L = (PyArrayObject *)PyArray_FROMANY(lo, NPY_UINT8, 1, 1, NPY_ARRAY_IN_ARRAY);
        if (!L) goto done;
        if ((size_t)PyArray_DIM(L, 0) != p) {
            PyErr_Format(PyExc_ValueError, "linpreds has %zd flags but X has %zd columns",
                         (Py_ssize_t)PyArray_DIM(L, 0), (Py_ssize_t)p);
            goto done;
        }
        o.linpreds = PyArray_DATA(L);
    }
    if (ks_py_fit_begin(NULL, threads, &ctx, NULL, NULL, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_mars_fit(ctx, n, p, PyArray_DATA(X), ny, PyArray_DATA(Y),
                         W ? PyArray_DATA(W) : NULL, &o, &m);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    PyObject *d = mars_dict(m);
    PyObject *cap = d ? PyCapsule_New(m, "kestrel.mars", mars_capsule_free) : NULL;
    if (!cap) {
        Py_XDECREF(d);
        goto done;
    }
    m = NULL;
    PyDict_SetItemString(d, "notes", notes);
    out = Py_BuildValue("(NN)", cap, d);
done:
    ks_mars_free(m);
    Py_XDECREF(X);
    Py_XDECREF(Y);
    Py_XDECREF(W);
    Py_XDECREF(L);
    return ks_py_fit_end(out, rc, ctx, NULL, NULL, notes);
}

/* predict (kind 0) or the basis matrix (kind 1) on new X. */
static PyObject *apply(PyObject *args, int kind)
{
    PyObject *cap, *xo;
    if (!PyArg_ParseTuple(args, "OO", &cap, &xo)) return NULL;
    ks_mars *m = PyCapsule_GetPointer(cap, "kestrel.mars");
    if (!m) return NULL;
    ks_mars_view v;
    ks_mars_get(m, &v);
    PyArrayObject *X = as_matrix(xo, "X");
    if (!X) return NULL;
    if ((size_t)PyArray_DIM(X, 1) != v.p) {
        PyErr_Format(PyExc_ValueError, "X has %zd columns; the model was fitted on %zd",
                     (Py_ssize_t)PyArray_DIM(X, 1), (Py_ssize_t)v.p);
        Py_DECREF(X);
        return NULL;
    }
    const size_t n = (size_t)PyArray_DIM(X, 0), cols = kind ? v.nselected : v.ny;
    npy_intp dims[2] = {(npy_intp)cols, (npy_intp)n}; /* C order (cols x n) = column-major */
    PyObject *res = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    ks_ctx *ctx = NULL;
    int rc = KS_OK;
    if (res && ks_py_ctx(&ctx, 0)) Py_CLEAR(res);
    if (res) {
        double *out = PyArray_DATA((PyArrayObject *)res);
        const size_t len = (size_t)PyArray_SIZE((PyArrayObject *)res);
        Py_BEGIN_ALLOW_THREADS
            rc = kind ? ks_mars_basis(ctx, m, n, PyArray_DATA(X), out, len)
                      : ks_mars_predict(ctx, m, n, PyArray_DATA(X), out, len);
        Py_END_ALLOW_THREADS
        if (rc) Py_CLEAR(res);
    }
    Py_DECREF(X);
    if (!(res = ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL))) return NULL;
    PyObject *t = PyArray_Transpose((PyArrayObject *)res, NULL); /* n x cols */
    Py_DECREF(res);
    return t;
}

PyObject *ks_py_mars_predict(PyObject *self, PyObject *args)
{
    (void)self;
    return apply(args, 0);
}

PyObject *ks_py_mars_basis(PyObject *self, PyObject *args)
{
    (void)self;
    return apply(args, 1);
}

PyObject *ks_py_mars_to_json(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    ks_mars *m = PyCapsule_GetPointer(cap, "kestrel.mars");
    if (!m) return NULL;
    ks_ctx *ctx = NULL;
    if (ks_py_ctx(&ctx, 0)) return ks_py_fit_end(NULL, KS_OK, ctx, NULL, NULL, NULL);
    char *json = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_mars_to_json(ctx, m, &json);
    Py_END_ALLOW_THREADS
    PyObject *s = rc ? NULL : PyUnicode_FromString(json);
    ks_string_free(json);
    return ks_py_fit_end(s, rc, ctx, NULL, NULL, NULL);
}

PyObject *ks_py_mars_from_json(PyObject *self, PyObject *args)
{
    (void)self;
    const char *json;
    if (!PyArg_ParseTuple(args, "s", &json)) return NULL;
    ks_ctx *ctx = NULL;
    if (ks_py_ctx(&ctx, 0)) return ks_py_fit_end(NULL, KS_OK, ctx, NULL, NULL, NULL);
    ks_mars *m = NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_mars_from_json(ctx, json, &m);
    Py_END_ALLOW_THREADS
    if (rc) return ks_py_fit_end(NULL, rc, ctx, NULL, NULL, NULL);
    ks_ctx_free(ctx);
    PyObject *d = mars_dict(m);
    PyObject *cap = d ? PyCapsule_New(m, "kestrel.mars", mars_capsule_free) : NULL;
    if (!cap) {
        Py_XDECREF(d);
        ks_mars_free(m);
        return NULL;
    }
    return Py_BuildValue("(NN)", cap, d);
}

PyMethodDef ks_py_mars_methods[] = {
    {"mars_fit", (PyCFunction)(void (*)(void))ks_py_mars_fit, METH_VARARGS | METH_KEYWORDS,
     "mars_fit(X, Y, weights=None, **options) -> (model, dict)"},
    {"mars_predict", ks_py_mars_predict, METH_VARARGS, "mars_predict(model, X) -> n x ny array"},
    {"mars_basis", ks_py_mars_basis, METH_VARARGS, "mars_basis(model, X) -> n x terms array"},
    {"mars_to_json", ks_py_mars_to_json, METH_VARARGS, "mars_to_json(model) -> str"},
    {"mars_from_json", ks_py_mars_from_json, METH_VARARGS, "mars_from_json(str) -> (model, dict)"},
    {NULL, NULL, 0, NULL},
};
