/* _core_did_stacked.c — stacked DiD and the triple difference for kestrel._core. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"
#include "kestrel/did_stacked.h"

/* A view array of n values as a NumPy array (a copy). */
static PyObject *sized_arr(const double *v, size_t n) { return ks_py_arr(v, (npy_intp)n, 0); }

static PyObject *py_did_stacked(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns",     "outcome",       "unit",       "time",
                             "first_treat", "kappa_pre",     "kappa_post", "anticipation",
                             "weighting",   "control_group", "cluster",    "df_convention",
                             "population",  "alpha",         "threads",    NULL};
    PyObject *cols;
    const char *y, *u, *tm, *g, *wname = "aggregate", *cname = "not_yet_treated", *clname = "unit",
                                *dfname = "residual";
    ks_did_stacked_options o = KS_DID_STACKED_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|iiisssszdi", kwlist, &cols, &y, &u, &tm, &g,
                                     &o.kappa_pre, &o.kappa_post, &o.anticipation, &wname, &cname,
                                     &clname, &dfname, &o.population, &o.alpha, &threads))
        return NULL;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_stacked *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    if ((rc = ks_did_stacked_weighting_value(ctx, wname, &o.weighting)) ||
        (rc = ks_did_stacked_control_value(ctx, cname, &o.control_group)) ||
        (rc = ks_did_stacked_cluster_value(ctx, clname, &o.cluster)) ||
        (rc = ks_did_df_convention_value(ctx, dfname, &o.df_convention)))
        goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_stacked_fit(ctx, t, y, u, tm, g, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_stacked_view v;
    ks_did_stacked_get(r, &v);
    const npy_intp m = (npy_intp)v.nstack;
    PyObject *rows = PyArray_SimpleNew(1, &m, NPY_INT64);
    if (rows)
        for (npy_intp i = 0; i < m; i++)
            ((int64_t *)PyArray_DATA((PyArrayObject *)rows))[i] = (int64_t)v.stack_row[i];
    out = rows ? Py_BuildValue(
                     "{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:d,s:d,s:d,s:d,"
                     "s:d,s:N,s:N,s:N,s:n,s:n,s:n,s:n,s:n,s:n,s:N,s:N,s:N,s:O}",
                     "event_time", sized_arr(v.event_time, v.nevent), "effect",
                     sized_arr(v.effect, v.nevent), "se", sized_arr(v.se, v.nevent), "t_stat",
                     sized_arr(v.tstat, v.nevent), "p_value", sized_arr(v.pvalue, v.nevent),
                     "ci_lower", sized_arr(v.ci_lower, v.nevent), "ci_upper",
                     sized_arr(v.ci_upper, v.nevent), "n_obs_e", sized_arr(v.n_obs, v.nevent),
                     "vcov", ks_py_arr(v.vcov, (npy_intp)v.nevent, (npy_intp)v.nevent), "groups",
                     sized_arr(v.groups, v.ngroups), "trimmed", sized_arr(v.trimmed, v.ntrimmed),
                     "ref", v.ref, "att", v.att, "att_se", v.att_se, "att_t", v.att_tstat, "att_p",
                     v.att_pvalue, "att_lo", v.att_ci_lower, "att_hi", v.att_ci_upper, "df", v.df,
                     "periods", sized_arr(v.periods, v.nperiods), "stack_sub_exp",
                     sized_arr(v.stack_sub_exp, v.nstack), "stack_event_time",
                     sized_arr(v.stack_event_time, v.nstack), "nobs", (Py_ssize_t)v.nobs, "nstack",
                     (Py_ssize_t)v.nstack, "n_sub_experiments", (Py_ssize_t)v.n_sub_experiments,
                     "n_treated_units", (Py_ssize_t)v.n_treated_units, "n_control_units",
                     (Py_ssize_t)v.n_control_units, "nclusters", (Py_ssize_t)v.nclusters,
                     "stack_treated", sized_arr(v.stack_treated, v.nstack), "stack_weight",
                     sized_arr(v.stack_weight, v.nstack), "stack_row", rows, "notes", notes)
               : NULL;
done:
    ks_did_stacked_free(r);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

static PyObject *py_did_ddd(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"columns", "outcome", "group",           "partition",
                             "post",    "method",  "covariates",      "cluster",
                             "alpha",   "threads", "pscore_fallback", NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *g, *p, *post, *mname = "dr";
    ks_did_ddd_options o = KS_DID_DDD_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|sOzdip", kwlist, &cols, &y, &g, &p, &post,
                                     &mname, &covs, &o.cluster, &o.alpha, &threads,
                                     &o.pscore_fallback))
        return NULL;
    PyObject *kcov = NULL;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = ks_py_str_list(covs, "covariates", &kcov, NULL))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_ddd *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    if ((rc = ks_did_method_value(ctx, mname, &o.method))) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_ddd_fit(ctx, t, y, g, p, post, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_ddd_view v;
    ks_did_ddd_get(r, &v);
    out = Py_BuildValue("{s:d,s:d,s:d,s:d,s:d,s:d,s:N,s:N,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:N,s:O}",
                        "att", v.att, "se", v.se, "t_stat", v.tstat, "p_value", v.pvalue,
                        "ci_lower", v.ci_lower, "ci_upper", v.ci_upper, "did", sized_arr(v.did, 3),
                        "means", sized_arr(v.means, 8), "nobs", (Py_ssize_t)v.nobs, "n_te",
                        (Py_ssize_t)v.n_cell[0], "n_ti", (Py_ssize_t)v.n_cell[1], "n_ce",
                        (Py_ssize_t)v.n_cell[2], "n_ci", (Py_ssize_t)v.n_cell[3], "nclusters",
                        (Py_ssize_t)v.nclusters, "n_near_one", (Py_ssize_t)v.n_near_one, "ncov",
                        (Py_ssize_t)v.ncov, "inf", sized_arr(v.inf, v.nobs), "notes", notes);
done:
    ks_did_ddd_free(r);
    PyMem_Free(cov);
    Py_XDECREF(kcov);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

PyMethodDef ks_py_did_stacked_methods[] = {
    {"did_stacked", (PyCFunction)(void (*)(void))py_did_stacked, METH_VARARGS | METH_KEYWORDS,
     "did_stacked(columns, outcome, unit, time, first_treat, kappa_pre=1, kappa_post=1, "
     "anticipation=0, weighting='aggregate', control_group='not_yet_treated', cluster='unit', "
     "df_convention='residual', population=None, alpha=0.05, threads=0) -> dict"},
    {"did_ddd", (PyCFunction)(void (*)(void))py_did_ddd, METH_VARARGS | METH_KEYWORDS,
     "did_ddd(columns, outcome, group, partition, post, method='dr', covariates=None, "
     "cluster=None, alpha=0.05, threads=0) -> dict"},
    {NULL, NULL, 0, NULL},
};
