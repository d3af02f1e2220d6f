/* _core.c — the CPython extension kestrel._core: converts Python/NumPy arguments to kestrel C
 * calls and results back, releasing the GIL around the computation. Contiguous float64 and
 * int64 columns cross without a copy. No statistics is computed here. */
#define PY_SSIZE_T_CLEAN
#define PY_ARRAY_UNIQUE_SYMBOL kestrel_ARRAY_API
#include <Python.h>
#include <numpy/arrayobject.h>
#include <string.h>

#include "kestrel/kestrel.h"

static PyObject *KestrelError;

/* Log lines collected during a call, handed back to Python as a list of (level, message). */
static void collect_log(void *ud, ks_log_level level, const char *msg)
{
    PyObject *list = ud;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *item = Py_BuildValue("(is)", (int)level, msg);
    if (item) {
        PyList_Append(list, item);
        Py_DECREF(item);
    }
    PyGILState_Release(g);
}

static PyObject *raise_ks(ks_ctx *ctx, int rc)
{
    PyErr_SetString(rc == KS_ENOMEM ? PyExc_MemoryError : KestrelError, ks_errmsg(ctx));
    return NULL;
}

/* For the other files of the module (_core_mars.c). */
PyObject *ks_py_raise(ks_ctx *ctx, int rc) { return raise_ks(ctx, rc); }

/* A context with threads threads (0: all cores), or -1 with the Python error set (*ctx is NULL
 * or to be freed). */
int ks_py_ctx(ks_ctx **ctx, int threads)
{
    if (ks_ctx_new(ctx) != KS_OK) {
        PyErr_NoMemory();
        return -1;
    }
    if (threads > 0 && ks_ctx_set_threads(*ctx, threads) != KS_OK) {
        raise_ks(*ctx, KS_EINVAL);
        return -1;
    }
    return 0;
}
void ks_py_collect_log(void *ud, ks_log_level level, const char *msg) { collect_log(ud, level, msg); }
PyObject *ks_py_mars_fit(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_mars_predict(PyObject *self, PyObject *args);
PyObject *ks_py_mars_basis(PyObject *self, PyObject *args);
PyObject *ks_py_mars_to_json(PyObject *self, PyObject *args);
PyObject *ks_py_mars_from_json(PyObject *self, PyObject *args);
PyObject *ks_py_gsem_munge(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_gsem_munge_ldsc(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_gsem_ldsc(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_gsem_sumstats(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_bulik_h2(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_bulik_rg(PyObject *self, PyObject *args, PyObject *kw);
PyObject *ks_py_bulik_jackknife(PyObject *self, PyObject *args, PyObject *kw);

/* Add one column from a Python object to the table. Arrays that must live as long as the table
 * are appended to `keep`. */
static int add_column(ks_ctx *ctx, ks_table *t, const char *name, PyObject *obj, PyObject *keep,
                      npy_intp nrow)
{
    PyArrayObject *arr =
        (PyArrayObject *)PyArray_FROMANY(obj, NPY_NOTYPE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (!arr) return -1;
    if (PyArray_DIM(arr, 0) != nrow) {
        PyErr_Format(PyExc_ValueError, "column '%s' has %zd rows, expected %zd", name,
                     (Py_ssize_t)PyArray_DIM(arr, 0), (Py_ssize_t)nrow);
        Py_DECREF(arr);
        return -1;
    }
    int type = PyArray_TYPE(arr), rc;
    PyArrayObject *use = arr;
    if (type == NPY_OBJECT || type == NPY_UNICODE || type == NPY_STRING) {
        const char **s = PyMem_Calloc((size_t)nrow + 1, sizeof *s);
        uint8_t *valid = PyMem_Calloc((size_t)nrow + 1, 1);
        PyObject *strs = PyList_New(nrow);
        if (!s || !valid || !strs) {
            PyMem_Free(s);
            PyMem_Free(valid);
            Py_XDECREF(strs);
            Py_DECREF(arr);
            PyErr_NoMemory();
            return -1;
        }
        for (npy_intp i = 0; i < nrow; i++) {
            PyObject *it = PyArray_GETITEM(arr, PyArray_GETPTR1(arr, i));
            if (!it) break;
            int na = it == Py_None ||
                     (PyFloat_Check(it) && PyFloat_AS_DOUBLE(it) != PyFloat_AS_DOUBLE(it));
            PyObject *str = na ? (Py_INCREF(Py_None), Py_None) : PyObject_Str(it);
            Py_DECREF(it);
            if (!str) break;
            PyList_SET_ITEM(strs, i, str);
            if (!na) {
                s[i] = PyUnicode_AsUTF8(str);
                valid[i] = s[i] != NULL;
            }
        }
        rc = PyErr_Occurred() ? -1 : ks_table_add_string(ctx, t, name, s, valid);
        PyMem_Free(s);
        PyMem_Free(valid);
        Py_DECREF(strs);
        Py_DECREF(arr);
        if (rc > 0 || (rc < 0 && !PyErr_Occurred())) {
            raise_ks(ctx, rc);
            return -1;
        }
        return rc ? -1 : 0;
    }
    if (type == NPY_BOOL || (PyTypeNum_ISINTEGER(type) && type != NPY_INT64)) {
        use =
            (PyArrayObject *)PyArray_FROMANY((PyObject *)arr, NPY_INT64, 1, 1, NPY_ARRAY_IN_ARRAY);
        Py_DECREF(arr);
        if (!use) return -1;
        type = NPY_INT64;
    } else if (type != NPY_INT64 && type != NPY_DOUBLE) {
        use =
            (PyArrayObject *)PyArray_FROMANY((PyObject *)arr, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
        Py_DECREF(arr);
        if (!use) {
            PyErr_Format(PyExc_TypeError, "column '%s' is neither numeric nor text", name);
            return -1;
        }
        type = NPY_DOUBLE;
    }
    rc = type == NPY_DOUBLE ? ks_table_add_float64_borrowed(ctx, t, name, PyArray_DATA(use))
                            : ks_table_add_int64_borrowed(ctx, t, name, PyArray_DATA(use));
    if (rc) {
        Py_DECREF(use);
        raise_ks(ctx, rc);
        return -1;
    }
    rc = PyList_Append(keep, (PyObject *)use);
    Py_DECREF(use);
    return rc;
}

/* A table borrowing the columns of a dict {name: array}. */
static ks_table *table_from_dict(ks_ctx *ctx, PyObject *cols, PyObject *keep)
{
    if (!PyDict_Check(cols)) {
        PyErr_SetString(PyExc_TypeError, "columns must be a dict of arrays");
        return NULL;
    }
    npy_intp nrow = -1;
    PyObject *key, *val;
    Py_ssize_t pos = 0;
    while (PyDict_Next(cols, &pos, &key, &val)) {
        Py_ssize_t len = PyObject_Length(val);
        if (len < 0) return NULL;
        if (nrow < 0) nrow = len;
    }
    ks_table *t = NULL;
    int rc = ks_table_new(ctx, nrow < 0 ? 0 : (size_t)nrow, &t);
    if (rc) return (ks_table *)raise_ks(ctx, rc);
    pos = 0;
    while (PyDict_Next(cols, &pos, &key, &val)) {
        const char *name = PyUnicode_AsUTF8(key);
        if (!name || add_column(ctx, t, name, val, keep, nrow)) {
            ks_table_free(t);
            return NULL;
        }
    }
    return t;
}

static PyObject *vec(const double *v, npy_intp n)
{
    PyObject *a = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (a && n) memcpy(PyArray_DATA((PyArrayObject *)a), v, (size_t)n * sizeof *v);
    return a;
}

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
        raise_ks(ctx, KS_EINVAL);
        goto done;
    }
    ks_ctx_set_log(ctx, collect_log, notes);
    if (!(t = table_from_dict(ctx, cols, keep))) goto done;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = ks_feols_fit(ctx, t, formula, &o, &m);
    Py_END_ALLOW_THREADS if (rc)
    {
        raise_ks(ctx, rc);
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

static void table_capsule_free(PyObject *cap)
{
    ks_table_free(PyCapsule_GetPointer(cap, "kestrel.table"));
}

static PyObject *py_read_csv(PyObject *self, PyObject *args)
{
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    ks_table *t = NULL;
    int rc;
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.allow_empty = 1; /* a header alone: a frame of 0 rows, as pandas reads it */
    Py_BEGIN_ALLOW_THREADS rc = ks_table_read_csv(ctx, path, &o, &t);
    Py_END_ALLOW_THREADS PyObject *out = NULL;
    if (rc) {
        raise_ks(ctx, rc);
        goto done;
    }
    npy_intp n = (npy_intp)ks_table_nrow(t);
    /* Numeric columns become views of the table's memory (no copy); the capsule frees the
     * table when the last of them is gone. */
    PyObject *owner = PyCapsule_New(t, "kestrel.table", table_capsule_free);
    if (!owner) goto done;
    t = NULL;
    ks_table *tt = PyCapsule_GetPointer(owner, "kestrel.table");
    if (!(out = PyDict_New())) {
        Py_DECREF(owner);
        goto done;
    }
    for (size_t j = 0; j < ks_table_ncol(tt); j++) {
        PyObject *a = NULL;
        ks_col_type type = ks_table_col_type(tt, j);
        switch (type) {
        case KS_COL_INT64:
        case KS_COL_FLOAT64:
            a = PyArray_SimpleNewFromData(1, &n, type == KS_COL_INT64 ? NPY_INT64 : NPY_DOUBLE,
                                          type == KS_COL_INT64 ? (void *)ks_table_int64(tt, j)
                                                               : (void *)ks_table_float64(tt, j));
            if (a) {
                Py_INCREF(owner);
                if (PyArray_SetBaseObject((PyArrayObject *)a, owner) < 0) Py_CLEAR(a);
            }
            break;
        default:
            a = PyArray_SimpleNew(1, &n, NPY_OBJECT);
            for (npy_intp i = 0; a && i < n; i++) {
                const char *s = ks_table_string(tt, j, (size_t)i);
                PyObject *v = s ? PyUnicode_FromString(s) : (Py_INCREF(Py_None), Py_None);
                if (!v) {
                    Py_CLEAR(a);
                    break;
                }
                PyArray_SETITEM((PyArrayObject *)a, PyArray_GETPTR1((PyArrayObject *)a, i), v);
                Py_DECREF(v);
            }
        }
        if (!a || PyDict_SetItemString(out, ks_table_col_name(tt, j), a)) {
            Py_XDECREF(a);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(a);
    }
    Py_DECREF(owner);
done:
    ks_table_free(t);
    ks_ctx_free(ctx);
    return out;
}

/* ---- difference-in-differences: Callaway & Sant'Anna ---- */

static void did_cs_capsule_free(PyObject *cap)
{
    ks_did_cs_free(PyCapsule_GetPointer(cap, "kestrel.did_cs"));
}

/* A NULL-terminated list of C strings borrowed from a Python sequence of str (kept alive by
 * the sequence). */
static const char **str_list(PyObject *seq)
{
    if (seq == Py_None) return NULL;
    Py_ssize_t n = PySequence_Size(seq);
    if (n < 0) return NULL;
    const char **v = PyMem_Calloc((size_t)n + 1, sizeof *v);
    if (!v) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *it = PySequence_GetItem(seq, i);
        if (!it) break;
        v[i] = PyUnicode_Check(it) ? PyUnicode_AsUTF8(it) : NULL;
        Py_DECREF(it); /* the string lives in the (immutable) sequence */
        if (!v[i]) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "covariates must be strings");
            break;
        }
    }
    if (PyErr_Occurred()) {
        PyMem_Free(v);
        return NULL;
    }
    return v;
}

static PyObject *py_did_cs(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",      "outcome",     "time",      "unit",
                             "first_treat",  "control",     "method",    "base",
                             "anticipation", "covariates",  "weights",   "cluster",
                             "alpha",        "n_bootstrap", "boot_kind", "seed",
                             "cband",        "threads",     "panel",
                             "allow_unbalanced", NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *tn, *id, *g, *weights = NULL, *cluster = NULL;
    ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
    int control = 0, method = 0, base = 0, kind = 0, threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osszs|iiiiOzzdiiKpipp", kwlist, &cols, &y, &tn,
                                     &id, &g, &control, &method, &base, &o.anticipation, &covs,
                                     &weights, &cluster, &o.alpha, &o.n_bootstrap, &kind, &seed,
                                     &o.cband, &threads, &o.panel, &o.allow_unbalanced_panel))
        return NULL;
    o.control_group = (ks_did_control)control;
    o.method = (ks_did_method)method;
    o.base_period = (ks_did_base)base;
    o.boot_weights = (ks_did_boot_weights)kind;
    o.seed = (uint64_t)seed;
    o.weights = weights;
    o.cluster = cluster;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = str_list(covs))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) {
        PyMem_Free(cov);
        return PyErr_NoMemory();
    }
    PyObject *keep = PyList_New(0), *notes = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    ks_did_cs *fit = NULL;
    if (!keep || !notes) goto done;
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        raise_ks(ctx, KS_EINVAL);
        goto done;
    }
    ks_ctx_set_log(ctx, collect_log, notes);
    if (!(t = table_from_dict(ctx, cols, keep))) goto done;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = ks_did_cs_fit(ctx, t, y, tn, id, g, &o, &fit);
    Py_END_ALLOW_THREADS if (rc)
    {
        raise_ks(ctx, rc);
        goto done;
    }
    ks_did_cs_cells c;
    ks_did_cs_get_cells(fit, &c);
    const npy_intp nc = (npy_intp)c.ncell, nu = (npy_intp)c.nunits;
    PyObject *post = PyArray_SimpleNew(1, &nc, NPY_BOOL);
    PyObject *ntr = PyArray_SimpleNew(1, &nc, NPY_INT64), *nco = PyArray_SimpleNew(1, &nc, NPY_INT64);
    PyObject *rows = PyArray_SimpleNew(1, &nu, NPY_INT64);
    if (!post || !ntr || !nco || !rows) {
        Py_XDECREF(post);
        Py_XDECREF(ntr);
        Py_XDECREF(nco);
        Py_XDECREF(rows);
        goto done;
    }
    for (npy_intp i = 0; i < nc; i++) {
        ((npy_bool *)PyArray_DATA((PyArrayObject *)post))[i] = (npy_bool)c.post[i];
        ((int64_t *)PyArray_DATA((PyArrayObject *)ntr))[i] = (int64_t)c.n_treated[i];
        ((int64_t *)PyArray_DATA((PyArrayObject *)nco))[i] = (int64_t)c.n_control[i];
    }
    for (npy_intp i = 0; i < nu; i++)
        ((int64_t *)PyArray_DATA((PyArrayObject *)rows))[i] = (int64_t)c.unit_row[i];
    PyObject *cap = PyCapsule_New(fit, "kestrel.did_cs", did_cs_capsule_free);
    if (!cap) {
        Py_DECREF(post);
        Py_DECREF(ntr);
        Py_DECREF(nco);
        Py_DECREF(rows);
        goto done;
    }
    fit = NULL;
    out = Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:n,s:n,s:n,s:d,s:O}", "group",
        vec(c.group, nc), "time", vec(c.time, nc), "att", vec(c.att, nc), "se", vec(c.se, nc),
        "post", post, "n_treated", ntr, "n_control", nco, "unit_row", rows, "fit", cap,
        "nunits", (Py_ssize_t)c.nunits, "nperiods", (Py_ssize_t)c.nperiods, "nclusters",
        (Py_ssize_t)c.nclusters, "crit", c.crit, "notes", notes);
done:
    ks_did_cs_free(fit);
    ks_table_free(t);
    ks_ctx_free(ctx);
    PyMem_Free(cov);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    return out;
}

static PyObject *py_did_cs_inffunc(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    ks_did_cs_cells c;
    ks_did_cs_get_cells(fit, &c);
    npy_intp dims[2] = {(npy_intp)c.nunits, (npy_intp)c.ncell};
    PyObject *a = PyArray_New(&PyArray_Type, 2, dims, NPY_DOUBLE, NULL, NULL, 0, NPY_ARRAY_FARRAY,
                              NULL);
    if (a) ks_did_cs_inffunc(fit, PyArray_DATA((PyArrayObject *)a));
    return a;
}

static PyObject *py_did_cs_pretest(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *notes = PyList_New(0), *out = NULL;
    if (notes) {
        ks_ctx_set_log(ctx, collect_log, notes);
        ks_did_pretest w;
        if (ks_did_cs_pretest(ctx, fit, &w) != KS_OK)
            raise_ks(ctx, KS_ENOMEM);
        else
            out = Py_BuildValue("{s:d,s:n,s:d,s:O}", "stat", w.stat, "df", (Py_ssize_t)w.df,
                                "pvalue", w.pvalue, "notes", notes);
    }
    Py_XDECREF(notes);
    ks_ctx_free(ctx);
    return out;
}

static PyObject *py_did_cs_aggregate(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"fit", "type", "min_e", "max_e", "balance_e", "threads", NULL};
    PyObject *cap;
    ks_did_agg_options o = KS_DID_AGG_OPTIONS_INIT;
    int type = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Oi|ddii", kwlist, &cap, &type, &o.min_e,
                                     &o.max_e, &o.balance_e, &threads))
        return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    o.type = (ks_did_agg_type)type;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *notes = PyList_New(0), *out = NULL;
    ks_did_agg *agg = NULL;
    if (!notes) goto done;
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        raise_ks(ctx, KS_EINVAL);
        goto done;
    }
    ks_ctx_set_log(ctx, collect_log, notes);
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = ks_did_cs_aggregate(ctx, fit, &o, &agg);
    Py_END_ALLOW_THREADS if (rc)
    {
        raise_ks(ctx, rc);
        goto done;
    }
    ks_did_agg_view v;
    ks_did_agg_get(agg, &v);
    const npy_intp n = (npy_intp)v.n;
    out = Py_BuildValue("{s:d,s:d,s:d,s:N,s:N,s:N,s:O}", "att", v.att, "se", v.se, "crit", v.crit,
                        "e", vec(v.e, n), "att_e", vec(v.att_e, n), "se_e", vec(v.se_e, n),
                        "notes", notes);
done:
    ks_did_agg_free(agg);
    ks_ctx_free(ctx);
    Py_XDECREF(notes);
    return out;
}


static PyObject *py_t_quantile(PyObject *self, PyObject *args)
{
    (void)self;
    double p, df;
    if (!PyArg_ParseTuple(args, "dd", &p, &df)) return NULL;
    return PyFloat_FromDouble(ks_t_quantile(p, df));
}

static PyObject *py_normal_quantile(PyObject *self, PyObject *args)
{
    (void)self;
    double p;
    if (!PyArg_ParseTuple(args, "d", &p)) return NULL;
    return PyFloat_FromDouble(ks_normal_quantile(p));
}

static PyObject *py_normal_cdf(PyObject *self, PyObject *args)
{
    (void)self;
    double z;
    if (!PyArg_ParseTuple(args, "d", &z)) return NULL;
    return PyFloat_FromDouble(ks_normal_cdf(z));
}

static PyObject *py_did_basic(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "treatment", "time", "cluster", "vcov", NULL};
    PyObject *cols;
    const char *y, *d, *p, *cluster = NULL;
    int vcov = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osss|zi", kwlist, &cols, &y, &d, &p, &cluster,
                                     &vcov))
        return NULL;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *keep = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    if (keep && (t = table_from_dict(ctx, cols, keep))) {
        ks_did_basic r;
        int rc;
        Py_BEGIN_ALLOW_THREADS rc = ks_did_basic_fit(ctx, t, y, d, p, cluster, (ks_vcov_kind)vcov, &r);
        Py_END_ALLOW_THREADS if (rc) raise_ks(ctx, rc);
        else
        {
            npy_intp four = 4, dims[2] = {4, 4};
            PyObject *V = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
            if (V) memcpy(PyArray_DATA((PyArrayObject *)V), r.vcov, sizeof r.vcov);
            out = V ? Py_BuildValue("{s:N,s:N,s:d,s:d,s:d,s:n,s:n,s:n,s:(nnnn)}", "coef",
                                    vec(r.coef, four), "vcov", V, "df_t", r.df_t, "rss", r.rss,
                                    "r2", r.r2, "nobs", (Py_ssize_t)r.nobs, "n_na",
                                    (Py_ssize_t)r.n_na, "nclusters", (Py_ssize_t)r.nclusters,
                                    "ncell", (Py_ssize_t)r.ncell[0], (Py_ssize_t)r.ncell[1],
                                    (Py_ssize_t)r.ncell[2], (Py_ssize_t)r.ncell[3])
                    : NULL;
        }
    }
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    return out;
}

static PyObject *py_did_wild(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"formula", "columns", "term", "cluster", "n_bootstrap", "weights",
                             "seed", "alpha", "null_value", "equal_tailed", "threads", NULL};
    const char *formula, *term, *cluster = NULL, *weights = "rademacher";
    PyObject *cols;
    ks_did_wild_options o = KS_DID_WILD_OPTIONS_INIT;
    unsigned long long seed = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sOsz|isKddpi", kwlist, &formula, &cols, &term,
                                     &cluster, &o.n_bootstrap, &weights, &seed, &o.alpha,
                                     &o.null_value, &o.equal_tailed, &threads))
        return NULL;
    if (!strcmp(weights, "rademacher"))
        o.weights = KS_DID_BOOT_RADEMACHER;
    else if (!strcmp(weights, "mammen"))
        o.weights = KS_DID_BOOT_MAMMEN;
    else if (!strcmp(weights, "webb"))
        o.weights = KS_DID_BOOT_WEBB;
    else
        return PyErr_Format(PyExc_ValueError,
                            "bootstrap_weights='%s': expected 'rademacher', 'webb' or 'mammen'",
                            weights);
    o.cluster = cluster;
    o.seed = (uint64_t)seed;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *keep = PyList_New(0), *notes = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        raise_ks(ctx, KS_EINVAL);
        goto done;
    }
    if (!keep || !notes) goto done;
    ks_ctx_set_log(ctx, collect_log, notes);
    if ((t = table_from_dict(ctx, cols, keep))) {
        ks_did_wild r;
        int rc;
        Py_BEGIN_ALLOW_THREADS rc = ks_did_wild_fit(ctx, t, formula, term, &o, &r);
        Py_END_ALLOW_THREADS if (rc) raise_ks(ctx, rc);
        else out = Py_BuildValue(
            "{s:d,s:d,s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:O,s:O}", "coef", r.coef, "se", r.se,
            "t_stat", r.t_stat, "p_value", r.p_value, "ci_lower", r.ci_lower, "ci_upper",
            r.ci_upper, "nobs", (Py_ssize_t)r.nobs, "n_clusters", (Py_ssize_t)r.n_clusters,
            "n_bootstrap", (Py_ssize_t)r.n_bootstrap, "n_valid", (Py_ssize_t)r.n_valid,
            "enumerated", r.enumerated ? Py_True : Py_False, "notes", notes);
    }
done:
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    return out;
}

static PyObject *placebo_info(const ks_did_placebo_info *in, PyObject *effects)
{
    return Py_BuildValue("{s:d,s:n,s:n,s:n,s:N}", "att", in->att, "nobs", (Py_ssize_t)in->nobs,
                         "nunits", (Py_ssize_t)in->nunits, "n_treated_units",
                         (Py_ssize_t)in->n_treated_units, "effects", effects);
}

static PyObject *py_did_placebo(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "treatment", "post", "unit", "kind",
                             "n_permutations", "seed", "threads", NULL};
    PyObject *cols;
    const char *y, *d, *p, *u, *kind;
    int nperm = 0, threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osssss|iKi", kwlist, &cols, &y, &d, &p, &u, &kind,
                                     &nperm, &seed, &threads))
        return NULL;
    const int perm = !strcmp(kind, "permutation");
    if (!perm && strcmp(kind, "leave_one_out"))
        return PyErr_Format(PyExc_ValueError, "kind='%s'", kind);
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *keep = PyList_New(0), *out = NULL, *eff = NULL, *rows = NULL;
    ks_table *t = NULL;
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        raise_ks(ctx, KS_EINVAL);
        goto done;
    }
    if (!keep || !(t = table_from_dict(ctx, cols, keep))) goto done;
    npy_intp len = perm ? (nperm > 0 ? nperm : 0) : (npy_intp)ks_table_nrow(t);
    eff = PyArray_SimpleNew(1, &len, NPY_DOUBLE);
    rows = PyArray_SimpleNew(1, &len, NPY_INTP);
    if (!eff || !rows) goto done;
    ks_did_placebo_info in;
    size_t nout = (size_t)len;
    int rc;
    double *e = PyArray_DATA((PyArrayObject *)eff);
    size_t *r = PyArray_DATA((PyArrayObject *)rows);
    Py_BEGIN_ALLOW_THREADS rc = perm ? ks_did_permutation(ctx, t, y, d, p, u, nperm,
                                                          (uint64_t)seed, e, &in)
                                     : ks_did_leave_one_out(ctx, t, y, d, p, u, e, r, &nout, &in);
    Py_END_ALLOW_THREADS if (rc)
    {
        raise_ks(ctx, rc);
        goto done;
    }
    if (!perm) {
        PyArray_Dims dims = {(npy_intp[]){(npy_intp)nout}, 1};
        PyObject *a = PyArray_Resize((PyArrayObject *)eff, &dims, 0, NPY_CORDER);
        PyObject *b = a ? PyArray_Resize((PyArrayObject *)rows, &dims, 0, NPY_CORDER) : NULL;
        Py_XDECREF(a);
        if (!b) goto done;
        Py_DECREF(b);
    }
    out = placebo_info(&in, eff);
    eff = NULL;
    if (out && PyDict_SetItemString(out, "unit_row", rows)) Py_CLEAR(out);
done:
    Py_XDECREF(eff);
    Py_XDECREF(rows);
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    return out;
}

static PyObject *py_did_twfe(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "treatment", "time", "unit", "cluster", NULL};
    PyObject *cols;
    const char *y, *d, *tm, *u, *cluster = NULL;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|z", kwlist, &cols, &y, &d, &tm, &u,
                                     &cluster))
        return NULL;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *keep = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    if (keep && (t = table_from_dict(ctx, cols, keep))) {
        ks_did_twfe r;
        int rc;
        Py_BEGIN_ALLOW_THREADS rc = ks_did_twfe_fit(ctx, t, y, d, tm, u, cluster, &r);
        Py_END_ALLOW_THREADS if (rc) raise_ks(ctx, rc);
        else out = Py_BuildValue("{s:i,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:n}", "balanced", r.balanced,
                                 "att", r.att, "se", r.se, "df_t", r.df_t, "nobs",
                                 (Py_ssize_t)r.nobs, "nunits", (Py_ssize_t)r.nunits, "nperiods",
                                 (Py_ssize_t)r.nperiods, "nclusters", (Py_ssize_t)r.nclusters,
                                 "df_k", (Py_ssize_t)r.df_k);
    }
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    return out;
}

static PyObject *dvec(const double *v, size_t n)
{
    const npy_intp d = (npy_intp)n;
    PyObject *a = PyArray_SimpleNew(1, &d, NPY_DOUBLE);
    if (a && n) memcpy(PyArray_DATA((PyArrayObject *)a), v, n * sizeof *v);
    return a;
}

static PyObject *py_bacon(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "unit", "time", "first_treat", NULL};
    PyObject *cols;
    const char *y, *u, *tm, *g;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss", kwlist, &cols, &y, &u, &tm, &g))
        return NULL;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return PyErr_NoMemory();
    PyObject *keep = PyList_New(0), *notes = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    ks_did_bacon *r = NULL;
    if (notes) ks_ctx_set_log(ctx, collect_log, notes);
    if (keep && notes && (t = table_from_dict(ctx, cols, keep))) {
        int rc;
        Py_BEGIN_ALLOW_THREADS rc = ks_did_bacon_fit(ctx, t, y, u, tm, g, &r);
        Py_END_ALLOW_THREADS if (rc) raise_ks(ctx, rc);
        else {
            ks_did_bacon_view v;
            ks_did_bacon_get(r, &v);
            double *tmp = PyMem_Malloc((v.n ? v.n : 1) * 3 * sizeof *tmp);
            if (!tmp) {
                PyErr_NoMemory();
            } else {
                for (size_t c = 0; c < v.n; c++) {
                    tmp[c] = v.type[c];
                    tmp[v.n + c] = (double)v.n_treated[c];
                    tmp[2 * v.n + c] = (double)v.n_control[c];
                }
                out = Py_BuildValue(
                    "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:n,s:n,s:n,s:n,s:n,s:n,s:O}",
                    "treated", dvec(v.treated, v.n), "control", dvec(v.control, v.n), "type",
                    dvec(tmp, v.n), "estimate", dvec(v.estimate, v.n), "weight",
                    dvec(v.weight, v.n), "window_start", dvec(v.window_start, v.n),
                    "window_end", dvec(v.window_end, v.n), "n_treated", dvec(tmp + v.n, v.n),
                    "n_control", dvec(tmp + 2 * v.n, v.n), "twfe", v.twfe,
                    "decomposition_error", v.decomposition_error, "n_groups",
                    (Py_ssize_t)v.n_groups, "n_never", (Py_ssize_t)v.n_never, "n_always",
                    (Py_ssize_t)v.n_always, "nunits", (Py_ssize_t)v.nunits, "nperiods",
                    (Py_ssize_t)v.nperiods, "nobs", (Py_ssize_t)v.nobs, "notes", notes);
                PyMem_Free(tmp);
            }
        }
    }
    ks_did_bacon_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    return out;
}

static PyObject *py_sunab(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",  "outcome",      "unit",       "time", "first_treat",
                             "cluster",  "anticipation", "covariates", NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *u, *tm, *g;
    ks_did_sunab_options o = KS_DID_SUNAB_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|ziO", kwlist, &cols, &y, &u, &tm, &g,
                                     &o.cluster, &o.anticipation, &covs))
        return NULL;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = str_list(covs))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) {
        PyMem_Free(cov);
        return PyErr_NoMemory();
    }
    PyObject *keep = PyList_New(0), *notes = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    ks_did_sunab *r = NULL;
    if (notes) ks_ctx_set_log(ctx, collect_log, notes);
    if (keep && notes && (t = table_from_dict(ctx, cols, keep))) {
        int rc;
        Py_BEGIN_ALLOW_THREADS rc = ks_did_sunab_fit(ctx, t, y, u, tm, g, &o, &r);
        Py_END_ALLOW_THREADS if (rc) raise_ks(ctx, rc);
        else {
            ks_did_sunab_view v;
            ks_did_sunab_get(r, &v);
            out = Py_BuildValue(
                "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:O}",
                "cohort", dvec(v.cohort, v.ncell), "rel", dvec(v.rel, v.ncell), "effect",
                dvec(v.effect, v.ncell), "se", dvec(v.se, v.ncell), "weight",
                dvec(v.weight, v.ncell), "nobs_cell", dvec(v.nobs_cell, v.ncell), "e",
                dvec(v.e, v.nrel), "att_e", dvec(v.att_e, v.nrel), "se_e", dvec(v.se_e, v.nrel),
                "nobs_e", dvec(v.nobs_e, v.nrel), "ncohorts_e", dvec(v.ncohorts_e, v.nrel), "att",
                v.att, "att_se", v.att_se, "df_t", v.df_t, "ref", v.ref, "nobs",
                (Py_ssize_t)v.nobs, "nclusters", (Py_ssize_t)v.nclusters, "n_treated_units",
                (Py_ssize_t)v.n_treated_units, "n_control_units", (Py_ssize_t)v.n_control_units,
                "notes", notes);
        }
    }
    ks_did_sunab_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    PyMem_Free(cov);
    return out;
}

static PyObject *py_sdid(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",    "outcome",     "unit",       "time",
                             "treatment",  "estimator",   "variance",   "replications",
                             "seed",       "zeta_omega",  "zeta_lambda", "post_periods",
                             "threads",    NULL};
    PyObject *cols, *post = Py_None;
    const char *y, *u, *tm, *w;
    ks_did_sdid_options o = KS_DID_SDID_OPTIONS_INIT;
    int est = 0, var = 0, threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|iiiKddOi", kwlist, &cols, &y, &u, &tm, &w,
                                     &est, &var, &o.replications, &seed, &o.zeta_omega,
                                     &o.zeta_lambda, &post, &threads))
        return NULL;
    o.estimator = (ks_did_sdid_estimator)est;
    o.variance = (ks_did_sdid_variance)var;
    o.seed = (uint64_t)seed;
    PyArrayObject *pp = NULL;
    if (post != Py_None) {
        pp = (PyArrayObject *)PyArray_FROMANY(post, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
        if (!pp) return NULL;
        o.post_periods = PyArray_DATA(pp);
        o.npost = (size_t)PyArray_DIM(pp, 0);
    }
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) {
        Py_XDECREF(pp);
        return PyErr_NoMemory();
    }
    PyObject *keep = PyList_New(0), *notes = PyList_New(0), *out = NULL;
    ks_table *t = NULL;
    ks_did_sdid *r = NULL;
    if (!keep || !notes) goto done;
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        raise_ks(ctx, KS_EINVAL);
        goto done;
    }
    ks_ctx_set_log(ctx, collect_log, notes);
    if (!(t = table_from_dict(ctx, cols, keep))) goto done;
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = ks_did_sdid_fit(ctx, t, y, u, tm, w, &o, &r);
    Py_END_ALLOW_THREADS if (rc)
    {
        raise_ks(ctx, rc);
        goto done;
    }
    ks_did_sdid_view v;
    ks_did_sdid_get(r, &v);
    const npy_intp n0 = (npy_intp)v.N0, t0 = (npy_intp)v.T0, T = (npy_intp)(v.T0 + v.T1),
                   N = (npy_intp)(v.N0 + v.N1), reps = (npy_intp)v.replications;
    PyObject *rows = PyArray_SimpleNew(1, &N, NPY_INT64);
    if (rows)
        for (npy_intp i = 0; i < N; i++)
            ((int64_t *)PyArray_DATA((PyArrayObject *)rows))[i] = (int64_t)v.unit_row[i];
    out = rows ? Py_BuildValue("{s:d,s:d,s:n,s:n,s:n,s:n,s:d,s:d,s:d,s:N,s:N,s:N,s:N,s:N,s:O}",
                               "att", v.att, "se", v.se, "N0", (Py_ssize_t)v.N0, "N1",
                               (Py_ssize_t)v.N1, "T0", (Py_ssize_t)v.T0, "T1",
                               (Py_ssize_t)v.T1, "noise_level", v.noise_level, "zeta_omega",
                               v.zeta_omega, "zeta_lambda", v.zeta_lambda, "omega",
                               vec(v.omega, n0), "lambda", vec(v.lambda, t0), "times",
                               vec(v.times, T), "unit_row", rows, "estimates",
                               vec(v.estimates, reps), "notes", notes)
               : NULL;
done:
    ks_did_sdid_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(pp);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    return out;
}

static PyObject *py_t_cdf(PyObject *self, PyObject *args)
{
    (void)self;
    double t, df;
    if (!PyArg_ParseTuple(args, "dd", &t, &df)) return NULL;
    return PyFloat_FromDouble(ks_t_cdf(t, df));
}

static PyMethodDef methods[] = {
    {"feols", (PyCFunction)(void (*)(void))py_feols, METH_VARARGS | METH_KEYWORDS,
     "feols(formula, columns, vcov=0, cluster=None, weights=None, ...) -> dict"},
    {"read_csv", py_read_csv, METH_VARARGS, "read_csv(path) -> dict of arrays"},
    {"did_cs", (PyCFunction)(void (*)(void))py_did_cs, METH_VARARGS | METH_KEYWORDS,
     "did_cs(columns, outcome, time, unit, first_treat, ...) -> dict"},
    {"did_cs_aggregate", (PyCFunction)(void (*)(void))py_did_cs_aggregate,
     METH_VARARGS | METH_KEYWORDS, "did_cs_aggregate(fit, type, ...) -> dict"},
    {"did_cs_inffunc", py_did_cs_inffunc, METH_VARARGS,
     "did_cs_inffunc(fit) -> (units x cells) array"},
    {"did_cs_pretest", py_did_cs_pretest, METH_VARARGS, "did_cs_pretest(fit) -> dict"},
    {"normal_quantile", py_normal_quantile, METH_VARARGS, "normal_quantile(p) -> float"},
    {"normal_cdf", py_normal_cdf, METH_VARARGS, "normal_cdf(z) -> float"},
    {"did_basic", (PyCFunction)(void (*)(void))py_did_basic, METH_VARARGS | METH_KEYWORDS,
     "did_basic(columns, outcome, treatment, time, cluster=None, vcov=0) -> dict"},
    {"did_wild", (PyCFunction)(void (*)(void))py_did_wild, METH_VARARGS | METH_KEYWORDS,
     "did_wild(formula, columns, term, cluster, n_bootstrap, weights, seed, alpha, null_value, "
     "equal_tailed, threads) -> dict"},
    {"did_placebo", (PyCFunction)(void (*)(void))py_did_placebo, METH_VARARGS | METH_KEYWORDS,
     "did_placebo(columns, outcome, treatment, post, unit, kind, n_permutations, seed, threads) "
     "-> dict (kind 'permutation' or 'leave_one_out')"},
    {"did_twfe", (PyCFunction)(void (*)(void))py_did_twfe, METH_VARARGS | METH_KEYWORDS,
     "did_twfe(columns, outcome, treatment, time, unit, cluster=None) -> dict"},
    {"sunab", (PyCFunction)(void (*)(void))py_sunab, METH_VARARGS | METH_KEYWORDS,
     "sunab(columns, outcome, unit, time, first_treat, cluster=None, anticipation=0, "
     "covariates=None) -> dict"},
    {"bacon", (PyCFunction)(void (*)(void))py_bacon, METH_VARARGS | METH_KEYWORDS,
     "bacon(columns, outcome, unit, time, first_treat) -> dict"},
    {"sdid", (PyCFunction)(void (*)(void))py_sdid, METH_VARARGS | METH_KEYWORDS,
     "sdid(columns, outcome, unit, time, treatment, ...) -> dict"},
    {"t_cdf", py_t_cdf, METH_VARARGS, "t_cdf(t, df) -> float"},
    {"t_quantile", py_t_quantile, METH_VARARGS, "t_quantile(p, df) -> float"},
    {"mars_fit", (PyCFunction)(void (*)(void))ks_py_mars_fit, METH_VARARGS | METH_KEYWORDS,
     "mars_fit(X, Y, weights=None, **options) -> (model, dict)"},
    {"mars_predict", ks_py_mars_predict, METH_VARARGS, "mars_predict(model, X) -> n x ny array"},
    {"mars_basis", ks_py_mars_basis, METH_VARARGS, "mars_basis(model, X) -> n x terms array"},
    {"mars_to_json", ks_py_mars_to_json, METH_VARARGS, "mars_to_json(model) -> str"},
    {"mars_from_json", ks_py_mars_from_json, METH_VARARGS, "mars_from_json(str) -> (model, dict)"},
    {"gsem_munge", (PyCFunction)(void (*)(void))ks_py_gsem_munge, METH_VARARGS | METH_KEYWORDS,
     "gsem_munge(paths, out_paths, ref, N=0, info_filter=.9, maf_filter=.01, columns=None, "
     "threads=0) -> [report dict]"},
    {"gsem_munge_ldsc", (PyCFunction)(void (*)(void))ks_py_gsem_munge_ldsc,
     METH_VARARGS | METH_KEYWORDS,
     "gsem_munge_ldsc(paths, out_paths, merge=None, N=0, ..., decimals=3, threads=0) -> "
     "[report dict] (munge_sumstats.py's rules)"},
    {"gsem_ldsc", (PyCFunction)(void (*)(void))ks_py_gsem_ldsc, METH_VARARGS | METH_KEYWORDS,
     "gsem_ldsc(traits, sample_prev, population_prev, ld, wld, ...) -> dict"},
    {"gsem_sumstats", (PyCFunction)(void (*)(void))ks_py_gsem_sumstats,
     METH_VARARGS | METH_KEYWORDS,
     "gsem_sumstats(paths, ref, N=None, se_logit=None, OLS=None, ...) -> dict"},
    {"bulik_h2", (PyCFunction)(void (*)(void))ks_py_bulik_h2, METH_VARARGS | METH_KEYWORDS,
     "bulik_h2(sumstats, ref_ld=..., w_ld=..., ...) -> dict"},
    {"bulik_rg", (PyCFunction)(void (*)(void))ks_py_bulik_rg, METH_VARARGS | METH_KEYWORDS,
     "bulik_rg(sumstats_list, ref_ld=..., w_ld=..., ...) -> dict"},
    {"bulik_jackknife", (PyCFunction)(void (*)(void))ks_py_bulik_jackknife,
     METH_VARARGS | METH_KEYWORDS, "bulik_jackknife(kind, a, b=None, c=None, n_blocks=0, "
     "separators=None) -> dict"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT,
                                    "_core",
                                    "kestrel's C engine (internal; use the kestrel package)",
                                    -1,
                                    methods,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

PyMODINIT_FUNC PyInit__core(void)
{
    import_array();
    PyObject *m = PyModule_Create(&moddef);
    if (!m) return NULL;
    KestrelError = PyErr_NewException("kestrel.KestrelError", PyExc_ValueError, NULL);
    if (!KestrelError || PyModule_AddObject(m, "KestrelError", KestrelError) ||
        PyModule_AddStringConstant(m, "__version__", ks_version()) ||
        PyModule_AddStringConstant(m, "build_info", ks_build_info())) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}
