/* _core_did.c — the difference-in-differences estimators for kestrel._core. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include <math.h>

#include "_core.h"

/* ---- difference-in-differences: Callaway & Sant'Anna ---- */

static void did_cs_capsule_free(PyObject *cap)
{
    ks_did_cs_free(PyCapsule_GetPointer(cap, "kestrel.did_cs"));
}

/* The inference a view carries, added to the result dict `out`: t_stat<sfx>, p_value<sfx>,
 * ci_lower<sfx>, ci_upper<sfx> as arrays of n, or as numbers (n < 0: one value each). Returns
 * out, or NULL (out released) with the exception set. */
static PyObject *with_inference(PyObject *out, const char *sfx, const double *t, const double *p,
                                const double *lo, const double *hi, npy_intp n)
{
    static const char *names[] = {"t_stat", "p_value", "ci_lower", "ci_upper"};
    const double *v[4] = {t, p, lo, hi};
    for (int i = 0; out && i < 4; i++) {
        char key[64];
        snprintf(key, sizeof key, "%s%s", names[i], sfx);
        PyObject *x = n < 0 ? PyFloat_FromDouble(*v[i]) : ks_py_arr(v[i], n, 0);
        if (!x || PyDict_SetItemString(out, key, x)) Py_CLEAR(out);
        Py_XDECREF(x);
    }
    return out;
}

static PyObject *py_did_cs(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",      "outcome",         "time",      "unit",
                             "first_treat",  "control",         "method",    "base",
                             "anticipation", "covariates",      "weights",   "cluster",
                             "alpha",        "n_bootstrap",     "boot_kind", "seed",
                             "cband",        "threads",         "panel",     "allow_unbalanced",
                             "pscore_trim",  "pscore_fallback", NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *tn, *id, *g, *weights = NULL, *cluster = NULL;
    ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
    int control = 0, method = 0, base = 0, kind = 0, threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osszs|iiiiOzzdiiKpippdp", kwlist, &cols, &y, &tn,
                                     &id, &g, &control, &method, &base, &o.anticipation, &covs,
                                     &weights, &cluster, &o.alpha, &o.n_bootstrap, &kind, &seed,
                                     &o.cband, &threads, &o.panel, &o.allow_unbalanced_panel,
                                     &o.pscore_trim, &o.pscore_fallback))
        return NULL;
    o.control_group = (ks_did_control)control;
    o.method = (ks_did_method)method;
    o.base_period = (ks_did_base)base;
    o.boot_weights = (ks_did_boot_weights)kind;
    o.seed = (uint64_t)seed;
    o.weights = weights;
    o.cluster = cluster;
    PyObject *kcov = NULL;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = ks_py_str_list(covs, "covariates", &kcov, NULL))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_cs *fit = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_cs_fit(ctx, t, y, tn, id, g, &o, &fit);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_cs_view c;
    ks_did_cs_get(fit, &c);
    const npy_intp nc = (npy_intp)c.ncell, nu = (npy_intp)c.nunits;
    PyObject *post = PyArray_SimpleNew(1, &nc, NPY_BOOL);
    PyObject *ntr = PyArray_SimpleNew(1, &nc, NPY_INT64),
             *nco = PyArray_SimpleNew(1, &nc, NPY_INT64);
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
        ks_py_arr(c.group, (npy_intp)(nc), 0), "time", ks_py_arr(c.time, (npy_intp)(nc), 0), "att",
        ks_py_arr(c.att, (npy_intp)(nc), 0), "se", ks_py_arr(c.se, (npy_intp)(nc), 0), "post", post,
        "n_treated", ntr, "n_control", nco, "unit_row", rows, "fit", cap, "nunits",
        (Py_ssize_t)c.nunits, "nperiods", (Py_ssize_t)c.nperiods, "nclusters",
        (Py_ssize_t)c.nclusters, "crit", c.crit, "notes", notes);
    out = with_inference(out, "", c.tstat, c.pvalue, c.ci_lower, c.ci_upper, (npy_intp)nc);
done:
    ks_did_cs_free(fit);
    PyMem_Free(cov);
    Py_XDECREF(kcov);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

static PyObject *py_did_cs_inffunc(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    ks_did_cs_view c;
    ks_did_cs_get(fit, &c);
    npy_intp dims[2] = {(npy_intp)c.nunits, (npy_intp)c.ncell};
    PyObject *a =
        PyArray_New(&PyArray_Type, 2, dims, NPY_DOUBLE, NULL, NULL, 0, NPY_ARRAY_FARRAY, NULL);
    if (!a) return NULL;
    ks_ctx *ctx = NULL;
    int rc = KS_OK;
    if (ks_py_ctx(&ctx, 0) ||
        (rc = ks_did_cs_inffunc(ctx, fit, PyArray_DATA((PyArrayObject *)a), c.nunits * c.ncell)))
        Py_CLEAR(a);
    return ks_py_fit_end(a, rc, ctx, NULL, NULL, NULL);
}

static PyObject *py_did_cs_pretest(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    ks_ctx *ctx;
    PyObject *notes, *out = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(NULL, 0, &ctx, NULL, NULL, &notes)) goto done;
    ks_did_cs_pretest_estimate w;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_cs_pretest(ctx, fit, &w);
    Py_END_ALLOW_THREADS
    if (!rc)
        out = Py_BuildValue("{s:d,s:n,s:d,s:O}", "stat", w.stat, "df", (Py_ssize_t)w.df, "pvalue",
                            w.pvalue, "notes", notes);
done:
    return ks_py_fit_end(out, rc, ctx, NULL, NULL, notes);
}

static PyObject *py_did_cs_aggregate(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"fit", "type", "min_e", "max_e", "balance_e", "threads", NULL};
    PyObject *cap;
    ks_did_agg_options o = KS_DID_AGG_OPTIONS_INIT;
    int type = 0, threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Oi|ddii", kwlist, &cap, &type, &o.min_e, &o.max_e,
                                     &o.balance_e, &threads))
        return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    o.type = (ks_did_agg_type)type;
    ks_ctx *ctx;
    PyObject *notes, *out = NULL;
    ks_did_agg *agg = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(NULL, threads, &ctx, NULL, NULL, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_cs_aggregate(ctx, fit, &o, &agg);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_agg_view v;
    ks_did_agg_get(agg, &v);
    const npy_intp n = (npy_intp)v.n;
    out = Py_BuildValue("{s:d,s:d,s:d,s:N,s:N,s:N,s:O}", "att", v.att, "se", v.se, "crit", v.crit,
                        "e", ks_py_arr(v.e, (npy_intp)(n), 0), "att_e",
                        ks_py_arr(v.att_e, (npy_intp)(n), 0), "se_e",
                        ks_py_arr(v.se_e, (npy_intp)(n), 0), "notes", notes);
    out = with_inference(out, "", &v.tstat, &v.pvalue, &v.ci_lower, &v.ci_upper, -1);
    if (n) out = with_inference(out, "_e", v.tstat_e, v.pvalue_e, v.ci_lower_e, v.ci_upper_e, n);
    if (out) { /* cells per element, the elements' covariance, the bootstrap's draws */
        PyObject *cnt = n ? ks_py_sizes(v.ncell_e, n) : PyArray_ZEROS(1, &n, NPY_INT64, 0);
        PyObject *cov = v.vcov ? ks_py_arr(v.vcov, n, n) : (Py_INCREF(Py_None), Py_None);
        PyObject *dr =
            v.draws ? ks_py_arr(v.draws, v.n_bootstrap, n + 1) : (Py_INCREF(Py_None), Py_None);
        if (!cnt || !cov || !dr || PyDict_SetItemString(out, "ncell_e", cnt) ||
            PyDict_SetItemString(out, "vcov", cov) || PyDict_SetItemString(out, "draws", dr))
            Py_CLEAR(out);
        Py_XDECREF(cnt);
        Py_XDECREF(cov);
        Py_XDECREF(dr);
    }
done:
    ks_did_agg_free(agg);
    return ks_py_fit_end(out, rc, ctx, NULL, NULL, notes);
}

static PyObject *py_did_basic(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "treatment", "time",
                             "cluster", "vcov",    "alpha",     NULL};
    PyObject *cols;
    const char *y, *d, *p;
    ks_did_basic_options o = KS_DID_BASIC_OPTIONS_INIT;
    int vcov = (int)o.vcov;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osss|zid", kwlist, &cols, &y, &d, &p, &o.cluster,
                                     &vcov, &o.alpha))
        return NULL;
    o.vcov = (ks_vcov_kind)vcov;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *out = NULL;
    ks_did_basic *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, 0, &ctx, &t, &keep, NULL)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_basic_fit(ctx, t, y, d, p, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_basic_view v;
    ks_did_basic_get(r, &v);
    npy_intp four = 4, dims[2] = {4, 4};
    PyObject *V = PyArray_SimpleNew(2, dims, NPY_DOUBLE);
    if (!V) goto done;
    memcpy(PyArray_DATA((PyArrayObject *)V), v.vcov, 16 * sizeof *v.vcov);
    out = Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:n,s:n,s:n,s:(nnnn)}", "coef",
                        ks_py_arr(v.coef, four, 0), "vcov", V, "se", ks_py_arr(v.se, four, 0),
                        "t_stat", ks_py_arr(v.tstat, four, 0), "p_value",
                        ks_py_arr(v.pvalue, four, 0), "ci_lower", ks_py_arr(v.ci_lower, four, 0),
                        "ci_upper", ks_py_arr(v.ci_upper, four, 0), "df_t", v.df_t, "rss", v.rss,
                        "r2", v.r2, "nobs", (Py_ssize_t)v.nobs, "n_na", (Py_ssize_t)v.n_na,
                        "nclusters", (Py_ssize_t)v.nclusters, "ncell", (Py_ssize_t)v.ncell[0],
                        (Py_ssize_t)v.ncell[1], (Py_ssize_t)v.ncell[2], (Py_ssize_t)v.ncell[3]);
done:
    ks_did_basic_free(r);
    return ks_py_fit_end(out, rc, ctx, t, keep, NULL);
}

static PyObject *py_did_wild(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"formula",     "columns",      "term",    "cluster",
                             "n_bootstrap", "weights",      "seed",    "alpha",
                             "null_value",  "equal_tailed", "threads", NULL};
    const char *formula, *term, *cluster = NULL;
    PyObject *cols;
    ks_did_wild_options o = KS_DID_WILD_OPTIONS_INIT;
    unsigned long long seed = 0;
    int threads = 0, weights = (int)o.weights; /* a ks_did_boot_weights value */
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sOsz|iiKddpi", kwlist, &formula, &cols, &term,
                                     &cluster, &o.n_bootstrap, &weights, &seed, &o.alpha,
                                     &o.null_value, &o.equal_tailed, &threads))
        return NULL;
    o.weights = (ks_did_boot_weights)weights;
    o.cluster = cluster;
    o.seed = (uint64_t)seed;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_wild *w = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_wild_fit(ctx, t, formula, term, &o, &w);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_wild_view r;
    ks_did_wild_get(w, &r);
    out = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:O,s:O}", "coef", r.coef, "se",
                        r.se, "t_stat", r.tstat, "p_value", r.pvalue, "ci_lower", r.ci_lower,
                        "ci_upper", r.ci_upper, "nobs", (Py_ssize_t)r.nobs, "n_clusters",
                        (Py_ssize_t)r.nclusters, "n_bootstrap", (Py_ssize_t)r.n_bootstrap,
                        "n_valid", (Py_ssize_t)r.n_valid, "enumerated",
                        r.enumerated ? Py_True : Py_False, "notes", notes);
done:
    ks_did_wild_free(w);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

static PyObject *py_did_placebo(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",        "outcome", "treatment", "post",    "unit",  "kind",
                             "n_permutations", "seed",    "observed",  "threads", "alpha", NULL};
    PyObject *cols;
    const char *y, *d, *p, *u, *kind;
    ks_did_placebo_options o = KS_DID_PLACEBO_OPTIONS_INIT;
    int threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Osssss|iKdid", kwlist, &cols, &y, &d, &p, &u, &kind,
                                     &o.n_permutations, &seed, &o.observed, &threads, &o.alpha))
        return NULL;
    o.seed = (uint64_t)seed;
    const int perm = !strcmp(kind, "permutation");
    if (!perm && strcmp(kind, "leave_one_out"))
        return PyErr_Format(PyExc_ValueError, "kind='%s'", kind);
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *out = NULL;
    ks_did_placebo *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, NULL)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = perm ? ks_did_permutation_fit(ctx, t, y, d, p, u, &o, &r)
                  : ks_did_leave_one_out_fit(ctx, t, y, d, p, u, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_placebo_view v;
    ks_did_placebo_get(r, &v);
    npy_intp n = (npy_intp)v.n;
    PyObject *rows = PyArray_ZEROS(1, &n, NPY_INTP, 0);
    if (!rows) goto done;
    for (size_t i = 0; v.unit_row && i < v.n; i++)
        ((npy_intp *)PyArray_DATA((PyArrayObject *)rows))[i] = (npy_intp)v.unit_row[i];
    out = Py_BuildValue("{s:d,s:n,s:n,s:n,s:N,s:N,s:n,s:d,s:d}", "att", v.att, "nobs",
                        (Py_ssize_t)v.nobs, "nunits", (Py_ssize_t)v.nunits, "n_treated_units",
                        (Py_ssize_t)v.n_treated_units, "effects", ks_py_arr(v.effects, n, 0),
                        "unit_row", rows, "n_valid", (Py_ssize_t)v.n_valid, "mean", v.mean, "se",
                        v.se);
    out = with_inference(out, "", &v.tstat, &v.pvalue, &v.ci_lower, &v.ci_upper, -1);
done:
    ks_did_placebo_free(r);
    return ks_py_fit_end(out, rc, ctx, t, keep, NULL);
}

static PyObject *py_did_twfe(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "treatment", "time",
                             "unit",    "cluster", "alpha",     NULL};
    PyObject *cols;
    const char *y, *d, *tm, *u;
    ks_did_twfe_options o = KS_DID_TWFE_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|zd", kwlist, &cols, &y, &d, &tm, &u,
                                     &o.cluster, &o.alpha))
        return NULL;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *out = NULL;
    ks_did_twfe *w = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, 0, &ctx, &t, &keep, NULL)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_twfe_fit(ctx, t, y, d, tm, u, &o, &w);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_twfe_view r;
    ks_did_twfe_get(w, &r);
    out = Py_BuildValue("{s:i,s:d,s:d,s:d,s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:n}", "balanced",
                        r.balanced, "att", r.att, "se", r.se, "t_stat", r.tstat, "p_value",
                        r.pvalue, "ci_lower", r.ci_lower, "ci_upper", r.ci_upper, "df_t", r.df_t,
                        "nobs", (Py_ssize_t)r.nobs, "nunits", (Py_ssize_t)r.nunits, "nperiods",
                        (Py_ssize_t)r.nperiods, "nclusters", (Py_ssize_t)r.nclusters, "df_k",
                        (Py_ssize_t)r.df_k);
done:
    ks_did_twfe_free(w);
    return ks_py_fit_end(out, rc, ctx, t, keep, NULL);
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
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_bacon *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, 0, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_bacon_fit(ctx, t, y, u, tm, g, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_bacon_view v;
    ks_did_bacon_get(r, &v);
    double *tmp = PyMem_Malloc((v.n ? v.n : 1) * 3 * sizeof *tmp);
    if (!tmp) {
        PyErr_NoMemory();
        goto done;
    }
    for (size_t c = 0; c < v.n; c++) {
        tmp[c] = v.type[c];
        tmp[v.n + c] = (double)v.n_treated[c];
        tmp[2 * v.n + c] = (double)v.n_control[c];
    }
    out = Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:n,s:n,s:n,s:n,s:n,s:n,s:O}", "treated",
        ks_py_arr(v.treated, (npy_intp)(v.n), 0), "control",
        ks_py_arr(v.control, (npy_intp)(v.n), 0), "type", ks_py_arr(tmp, (npy_intp)(v.n), 0),
        "estimate", ks_py_arr(v.estimate, (npy_intp)(v.n), 0), "weight",
        ks_py_arr(v.weight, (npy_intp)(v.n), 0), "window_start",
        ks_py_arr(v.window_start, (npy_intp)(v.n), 0), "window_end",
        ks_py_arr(v.window_end, (npy_intp)(v.n), 0), "n_treated",
        ks_py_arr(tmp + v.n, (npy_intp)(v.n), 0), "n_control",
        ks_py_arr(tmp + 2 * v.n, (npy_intp)(v.n), 0), "twfe", v.twfe, "decomposition_error",
        v.decomposition_error, "n_groups", (Py_ssize_t)v.n_groups, "n_never", (Py_ssize_t)v.n_never,
        "n_always", (Py_ssize_t)v.n_always, "nunits", (Py_ssize_t)v.nunits, "nperiods",
        (Py_ssize_t)v.nperiods, "nobs", (Py_ssize_t)v.nobs, "notes", notes);
    PyMem_Free(tmp);
done:
    ks_did_bacon_free(r);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

static PyObject *py_sunab(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",       "outcome",       "unit",         "time",
                             "first_treat",   "cluster",       "anticipation", "covariates",
                             "alpha",         "n_bootstrap",   "seed",         "threads",
                             "df_convention", "conley_lat",    "conley_lon",   "conley_cutoff",
                             "conley_metric", "conley_kernel", "conley_lag",   NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *u, *tm, *g;
    ks_did_sunab_options o = KS_DID_SUNAB_OPTIONS_INIT;
    ks_did_conley_options co = KS_DID_CONLEY_OPTIONS_INIT; /* used when conley_lat is given */
    unsigned long long seed = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|ziOdiKiizzdssi", kwlist, &cols, &y, &u, &tm,
                                     &g, &o.cluster, &o.anticipation, &covs, &o.alpha,
                                     &o.n_bootstrap, &seed, &threads, &o.df_convention, &co.lat,
                                     &co.lon, &co.conley.cutoff, &co.conley.metric,
                                     &co.conley.kernel, &co.conley.lag_cutoff))
        return NULL;
    o.seed = (uint64_t)seed;
    if (co.lat) o.conley = &co;
    PyObject *kcov = NULL;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = ks_py_str_list(covs, "covariates", &kcov, NULL))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_sunab *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_sunab_fit(ctx, t, y, u, tm, g, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_sunab_view v;
    ks_did_sunab_get(r, &v);
    const npy_intp nc = (npy_intp)v.ncell, ne = (npy_intp)v.nrel;
    out = Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:d,s:n,s:n,s:n,s:n,s:O}",
        "cohort", ks_py_arr(v.cohort, nc, 0), "rel", ks_py_arr(v.rel, nc, 0), "effect",
        ks_py_arr(v.effect, nc, 0), "se", ks_py_arr(v.se, nc, 0), "weight",
        ks_py_arr(v.weight, nc, 0), "nobs_cell", ks_py_arr(v.nobs_cell, nc, 0), "e",
        ks_py_arr(v.e, ne, 0), "att_e", ks_py_arr(v.att_e, ne, 0), "se_e", ks_py_arr(v.se_e, ne, 0),
        "nobs_e", ks_py_arr(v.nobs_e, ne, 0), "ncohorts_e", ks_py_arr(v.ncohorts_e, ne, 0), "att",
        v.att, "att_se", v.att_se, "df_t", v.df_t, "ref", v.ref, "nobs", (Py_ssize_t)v.nobs,
        "nclusters", (Py_ssize_t)v.nclusters, "n_treated_units", (Py_ssize_t)v.n_treated_units,
        "n_control_units", (Py_ssize_t)v.n_control_units, "notes", notes);
    out = with_inference(out, "_e", v.tstat_e, v.pvalue_e, v.ci_lower_e, v.ci_upper_e, ne);
    out =
        with_inference(out, "", &v.att_tstat, &v.att_pvalue, &v.att_ci_lower, &v.att_ci_upper, -1);
    if (out) { /* the periods' covariance, the periods, whether the reference was observed */
        PyObject *vc = ks_py_arr(v.vcov_e, ne, ne), *per = ks_py_arr(v.periods, v.nperiods, 0);
        if (!vc || !per || PyDict_SetItemString(out, "vcov_e", vc) ||
            PyDict_SetItemString(out, "periods", per) ||
            PyDict_SetItemString(out, "ref_observed", v.ref_observed ? Py_True : Py_False))
            Py_CLEAR(out);
        Py_XDECREF(vc);
        Py_XDECREF(per);
    }
    if (out && v.n_bootstrap) { /* the pairs bootstrap's draws */
        const npy_intp B = (npy_intp)v.n_bootstrap;
        PyObject *be = ks_py_arr(v.boot_e, B, ne), *ba = ks_py_arr(v.boot_att, B, 0);
        PyObject *nf = PyLong_FromSize_t(v.n_boot_failed);
        if (!be || !ba || !nf || PyDict_SetItemString(out, "boot_e", be) ||
            PyDict_SetItemString(out, "boot_att", ba) ||
            PyDict_SetItemString(out, "n_boot_failed", nf))
            Py_CLEAR(out);
        Py_XDECREF(be);
        Py_XDECREF(ba);
        Py_XDECREF(nf);
    }
done:
    ks_did_sunab_free(r);
    PyMem_Free(cov);
    Py_XDECREF(kcov);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

/* out[key] = x (a new reference, stolen); nonzero with the exception set when x is NULL. */
static int dict_put(PyObject *out, const char *key, PyObject *x)
{
    const int rc = !x || PyDict_SetItemString(out, key, x);
    Py_XDECREF(x);
    return rc;
}

static PyObject *py_sdid(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",     "outcome",      "unit",         "time",  "treatment",
                             "estimator",   "variance",     "replications", "seed",  "zeta_omega",
                             "zeta_lambda", "post_periods", "threads",      "alpha", NULL};
    PyObject *cols, *post = Py_None;
    const char *y, *u, *tm, *w;
    ks_did_sdid_options o = KS_DID_SDID_OPTIONS_INIT;
    int est = 0, var = 0, threads = 0;
    unsigned long long seed = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|iiiKddOid", kwlist, &cols, &y, &u, &tm, &w,
                                     &est, &var, &o.replications, &seed, &o.zeta_omega,
                                     &o.zeta_lambda, &post, &threads, &o.alpha))
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
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_sdid *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_sdid_fit(ctx, t, y, u, tm, w, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_sdid_view v;
    ks_did_sdid_get(r, &v);
    const npy_intp n0 = (npy_intp)v.N0, t0 = (npy_intp)v.T0, T = (npy_intp)(v.T0 + v.T1),
                   N = (npy_intp)(v.N0 + v.N1), reps = (npy_intp)v.replications;
    PyObject *rows = PyArray_SimpleNew(1, &N, NPY_INT64);
    if (rows)
        for (npy_intp i = 0; i < N; i++)
            ((int64_t *)PyArray_DATA((PyArrayObject *)rows))[i] = (int64_t)v.unit_row[i];
    out =
        rows ? Py_BuildValue("{s:d,s:d,s:n,s:n,s:n,s:n,s:d,s:d,s:d,s:N,s:N,s:N,s:N,s:N,s:O}", "att",
                             v.att, "se", v.se, "N0", (Py_ssize_t)v.N0, "N1", (Py_ssize_t)v.N1,
                             "T0", (Py_ssize_t)v.T0, "T1", (Py_ssize_t)v.T1, "noise_level",
                             v.noise_level, "zeta_omega", v.zeta_omega, "zeta_lambda",
                             v.zeta_lambda, "omega", ks_py_arr(v.omega, (npy_intp)(n0), 0),
                             "lambda", ks_py_arr(v.lambda, (npy_intp)(t0), 0), "times",
                             ks_py_arr(v.times, (npy_intp)(T), 0), "unit_row", rows, "estimates",
                             ks_py_arr(v.estimates, (npy_intp)(reps), 0), "notes", notes)
             : NULL;
    out = with_inference(out, "", &v.tstat, &v.pvalue, &v.ci_lower, &v.ci_upper, -1);
    if (out &&
        (dict_put(out, "treated_traj", ks_py_arr(v.treated_traj, T, 0)) ||
         dict_put(out, "synthetic_traj", ks_py_arr(v.synthetic_traj, T, 0)) ||
         dict_put(out, "pre_fit_placebo_rmse",
                  ks_py_arr(v.pre_fit_placebo_rmse, (npy_intp)v.n_pre_fit_placebo, 0)) ||
         dict_put(out, "pre_fit_placebo_pvalue", PyFloat_FromDouble(v.pre_fit_placebo_pvalue))))
        Py_CLEAR(out);
done:
    ks_did_sdid_free(r);
    Py_XDECREF(pp);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

/* did_infer(est, se, df, alpha) -> (t, p, lo, hi) arrays: the analytical test and 1 - alpha
 * interval of each estimate (df > 0: Student t; 0 or inf: normal), for a summary printed at an
 * alpha other than the fit's. */
static PyObject *py_did_infer(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *eo, *so;
    double df, alpha;
    if (!PyArg_ParseTuple(args, "OOdd", &eo, &so, &df, &alpha)) return NULL;
    if (!(alpha > 0 && alpha < 1)) {
        PyErr_Format(PyExc_ValueError, "alpha=%g: expected a number in (0, 1)", alpha);
        return NULL;
    }
    PyArrayObject *e = (PyArrayObject *)PyArray_FROMANY(eo, NPY_FLOAT64, 1, 1, NPY_ARRAY_IN_ARRAY);
    PyArrayObject *s =
        e ? (PyArrayObject *)PyArray_FROMANY(so, NPY_FLOAT64, 1, 1, NPY_ARRAY_IN_ARRAY) : NULL;
    PyObject *out = NULL;
    if (s && PyArray_SIZE(s) != PyArray_SIZE(e))
        PyErr_SetString(PyExc_ValueError, "did_infer: est and se differ in length");
    else if (s) {
        const npy_intp n = PyArray_SIZE(e);
        if (isinf(df)) df = 0.0;
        const double q =
            df > 0 ? ks_t_quantile(1.0 - alpha / 2.0, df) : ks_normal_quantile(1.0 - alpha / 2.0);
        PyObject *a[4] = {NULL, NULL, NULL, NULL};
        int ok = 1;
        for (int k = 0; k < 4; k++) ok = ok && (a[k] = PyArray_SimpleNew(1, &n, NPY_FLOAT64));
        if (ok) {
            const double *ev = PyArray_DATA(e), *sv = PyArray_DATA(s);
            double *o[4];
            for (int k = 0; k < 4; k++) o[k] = PyArray_DATA((PyArrayObject *)a[k]);
            for (npy_intp i = 0; i < n; i++) {
                const double est = ev[i], se = sv[i];
                if (!(isfinite(se) && se > 0) || !isfinite(est)) {
                    o[0][i] = o[1][i] = o[2][i] = o[3][i] = NAN;
                    continue;
                }
                o[0][i] = est / se;
                o[1][i] =
                    2.0 * (df > 0 ? ks_t_cdf(-fabs(o[0][i]), df) : ks_normal_cdf(-fabs(o[0][i])));
                o[2][i] = est - q * se;
                o[3][i] = est + q * se;
            }
            out = Py_BuildValue("(NNNN)", a[0], a[1], a[2], a[3]);
        } else
            for (int k = 0; k < 4; k++) Py_XDECREF(a[k]);
    }
    Py_XDECREF(e);
    Py_XDECREF(s);
    return out;
}

/* ---- issue 21: the CS fit's counts and bootstrap draws; diff-diff's bootstrap summary ---- */

static PyObject *py_did_cs_info(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    if (!PyArg_ParseTuple(args, "O", &cap)) return NULL;
    ks_did_cs *fit = PyCapsule_GetPointer(cap, "kestrel.did_cs");
    if (!fit) return NULL;
    ks_did_cs_view c;
    ks_did_cs_get(fit, &c);
    const npy_intp B = (npy_intp)c.n_bootstrap;
    return Py_BuildValue(
        "{s:n,s:n,s:n,s:O,s:N,s:d}", "nobs", (Py_ssize_t)c.nobs, "n_treated_units",
        (Py_ssize_t)c.n_treated_units, "n_control_units", (Py_ssize_t)c.n_control_units, "used_rc",
        c.used_rc ? Py_True : Py_False, "draws",
        c.draws ? ks_py_arr(c.draws, B, (npy_intp)c.ncell) : (Py_INCREF(Py_None), Py_None),
        "draw_scale", c.draw_scale);
}

static PyObject *py_did_boot_summary(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"draws", "est", "centered", "scale", "alpha", NULL};
    PyObject *dobj, *eobj;
    int centered = 1;
    double scale = 1.0, alpha = 0.05;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|pdd", kwlist, &dobj, &eobj, &centered, &scale,
                                     &alpha))
        return NULL;
    /* draws B x m: Fortran order makes each effect's draws contiguous */
    PyArrayObject *D = (PyArrayObject *)PyArray_FROMANY(dobj, NPY_DOUBLE, 2, 2,
                                                        NPY_ARRAY_F_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    PyArrayObject *E = D ? (PyArrayObject *)PyArray_FROMANY(
                               eobj, NPY_DOUBLE, 1, 1, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED)
                         : NULL;
    PyObject *out = NULL;
    if (!E) goto done;
    const npy_intp B = PyArray_DIM(D, 0), m = PyArray_DIM(D, 1);
    if (PyArray_DIM(E, 0) != m) {
        PyErr_Format(PyExc_ValueError, "est has %zd values for %zd columns of draws",
                     (Py_ssize_t)PyArray_DIM(E, 0), (Py_ssize_t)m);
        goto done;
    }
    double *buf = PyMem_Malloc((size_t)(m ? m : 1) * 4 * sizeof *buf);
    if (!buf) {
        PyErr_NoMemory();
        goto done;
    }
    ks_ctx *ctx = NULL;
    int rc = KS_OK;
    if (!ks_py_ctx(&ctx, 0)) {
        rc = ks_did_boot_summary(ctx, PyArray_DATA(D), (size_t)B, (size_t)m, PyArray_DATA(E),
                                 centered, scale, alpha, buf, buf + m, buf + 2 * m, buf + 3 * m);
        if (!rc)
            out = Py_BuildValue("{s:N,s:N,s:N,s:N}", "se", ks_py_arr(buf, m, 0), "ci_lower",
                                ks_py_arr(buf + m, m, 0), "ci_upper", ks_py_arr(buf + 2 * m, m, 0),
                                "p_value", ks_py_arr(buf + 3 * m, m, 0));
        out = ks_py_fit_end(out, rc, ctx, NULL, NULL, NULL);
    }
    PyMem_Free(buf);
done:
    Py_XDECREF(D);
    Py_XDECREF(E);
    return out;
}

PyMethodDef ks_py_did_methods[] = {
    {"did_infer", py_did_infer, METH_VARARGS, "did_infer(est, se, df, alpha) -> (t, p, lo, hi)"},
    {"did_cs", (PyCFunction)(void (*)(void))py_did_cs, METH_VARARGS | METH_KEYWORDS,
     "did_cs(columns, outcome, time, unit, first_treat, ...) -> dict"},
    {"did_cs_aggregate", (PyCFunction)(void (*)(void))py_did_cs_aggregate,
     METH_VARARGS | METH_KEYWORDS, "did_cs_aggregate(fit, type, ...) -> dict"},
    {"did_cs_inffunc", py_did_cs_inffunc, METH_VARARGS,
     "did_cs_inffunc(fit) -> (units x cells) array"},
    {"did_cs_pretest", py_did_cs_pretest, METH_VARARGS, "did_cs_pretest(fit) -> dict"},
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
     "covariates=None, alpha=0.05, n_bootstrap=0, seed=0, threads=0, df_convention=0, "
     "conley_lat=None, conley_lon=None, conley_cutoff=0, conley_metric='haversine', "
     "conley_kernel='bartlett', conley_lag=0) -> dict"},
    {"bacon", (PyCFunction)(void (*)(void))py_bacon, METH_VARARGS | METH_KEYWORDS,
     "bacon(columns, outcome, unit, time, first_treat) -> dict"},
    {"sdid", (PyCFunction)(void (*)(void))py_sdid, METH_VARARGS | METH_KEYWORDS,
     "sdid(columns, outcome, unit, time, treatment, ...) -> dict"},
    /* issue 21 */
    {"did_cs_info", py_did_cs_info, METH_VARARGS,
     "did_cs_info(fit) -> dict (nobs, unit counts, used_rc, bootstrap draws, draw_scale)"},
    {"did_boot_summary", (PyCFunction)(void (*)(void))py_did_boot_summary,
     METH_VARARGS | METH_KEYWORDS,
     "did_boot_summary(draws, est, centered=True, scale=1.0, alpha=0.05) -> dict (diff-diff's "
     "bootstrap se, percentile interval, p-value)"},
    {NULL, NULL, 0, NULL},
};
