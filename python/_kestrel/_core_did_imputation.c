/* _core_did_imputation.c — the imputation family (BJS imputation, Gardner two-stage) for
 * kestrel._core. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

/* One block of estimates as a dict of arrays. */
static PyObject *block_dict(const ks_did_imputation_block *b)
{
    const npy_intp n = (npy_intp)b->n;
    return Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}", "key", ks_py_arr(b->key, n, 0), "att",
                         ks_py_arr(b->att, n, 0), "se", ks_py_arr(b->se, n, 0), "t_stat",
                         ks_py_arr(b->tstat, n, 0), "p_value", ks_py_arr(b->pvalue, n, 0),
                         "ci_lower", ks_py_arr(b->ci_lower, n, 0), "ci_upper",
                         ks_py_arr(b->ci_upper, n, 0), "n_obs", ks_py_arr(b->nobs, n, 0));
}

static PyObject *py_did_imputation(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {
        "columns",      "outcome",       "unit",          "time",        "first_treat", "two_stage",
        "anticipation", "covariates",    "cluster",       "alpha",       "horizon_max", "balance_e",
        "aux",          "pretrends",     "strict",        "n_bootstrap", "boot_kind",   "seed",
        "threads",      "leave_one_out", "df_convention", NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *u, *tm, *g;
    int two_stage = 0, aux = 0, kind = 0, threads = 0, dfc = 0;
    unsigned long long seed = 0;
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|piOzdiiippiiKipi", kwlist, &cols, &y, &u, &tm,
                                     &g, &two_stage, &o.anticipation, &covs, &o.cluster, &o.alpha,
                                     &o.horizon_max, &o.balance_e, &aux, &o.pretrends, &o.strict,
                                     &o.n_bootstrap, &kind, &seed, &threads, &o.leave_one_out,
                                     &dfc))
        return NULL;
    o.df_convention = (ks_did_df_convention)dfc;
    o.aux_partition = (ks_did_aux_partition)aux;
    o.boot_weights = (ks_did_boot_weights)kind;
    o.seed = (uint64_t)seed;
    PyObject *kcov = NULL;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = ks_py_str_list(covs, "covariates", &kcov, NULL))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_imputation *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = two_stage ? ks_did_two_stage_fit(ctx, t, y, u, tm, g, &o, &r)
                       : ks_did_imputation_fit(ctx, t, y, u, tm, g, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_imputation_view v;
    ks_did_imputation_get(r, &v);
    const npy_intp n1 = (npy_intp)v.ntreated, nb = (npy_intp)v.n_bootstrap;
    PyObject *rows = PyArray_SimpleNew(1, &n1, NPY_INT64);
    if (rows)
        for (npy_intp i = 0; i < n1; i++)
            ((int64_t *)PyArray_DATA((PyArrayObject *)rows))[i] = (int64_t)v.row[i];
    PyObject *boot = v.boot ? ks_py_arr(v.boot, nb, 0) : (Py_INCREF(Py_None), Py_None);
    const npy_intp ne = (npy_intp)v.event_study.n;
    PyObject *vcov =
        v.event_study_vcov ? ks_py_arr(v.event_study_vcov, ne, ne) : (Py_INCREF(Py_None), Py_None);
    out = rows && boot && vcov
              ? Py_BuildValue(
                    "{s:d,s:d,s:d,s:d,s:d,s:d,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:n,s:n,s:n,"
                    "s:n,s:n,s:n,s:n,s:n,s:n,s:d,s:O,s:N}",
                    "att", v.att, "se", v.se, "t_stat", v.tstat, "p_value", v.pvalue, "ci_lower",
                    v.ci_lower, "ci_upper", v.ci_upper, "event_study", block_dict(&v.event_study),
                    "groups", block_dict(&v.groups), "row", rows, "tau", ks_py_arr(v.tau, n1, 0),
                    "rel", ks_py_arr(v.rel, n1, 0), "weight", ks_py_arr(v.weight, n1, 0), "boot",
                    boot, "nobs", (Py_ssize_t)v.nobs, "n_treated_obs", (Py_ssize_t)v.n_treated_obs,
                    "n_untreated_obs", (Py_ssize_t)v.n_untreated_obs, "n_treated_units",
                    (Py_ssize_t)v.n_treated_units, "n_control_units", (Py_ssize_t)v.n_control_units,
                    "nclusters", (Py_ssize_t)v.nclusters, "nperiods", (Py_ssize_t)v.nperiods,
                    "n_unimputable", (Py_ssize_t)v.n_unimputable, "n_leads", (Py_ssize_t)v.n_leads,
                    "lead_df", v.lead_df, "notes", notes, "event_study_vcov", vcov)
              : NULL;
    if (!out) {
        Py_XDECREF(rows);
        Py_XDECREF(boot);
        Py_XDECREF(vcov);
    }
done:
    ks_did_imputation_free(r);
    PyMem_Free(cov);
    Py_XDECREF(kcov);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

static PyObject *py_did_imputation_pretrend_test(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {
        "columns",    "outcome", "unit",  "time",          "first_treat", "n_leads", "anticipation",
        "covariates", "cluster", "alpha", "df_convention", "strict",      "threads", NULL};
    PyObject *cols, *covs = Py_None;
    const char *y, *u, *tm, *g;
    int n_leads = -1, threads = 0, dfc = 0;
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Ossss|iiOzdipi", kwlist, &cols, &y, &u, &tm, &g,
                                     &n_leads, &o.anticipation, &covs, &o.cluster, &o.alpha, &dfc,
                                     &o.strict, &threads))
        return NULL;
    o.df_convention = (ks_did_df_convention)dfc;
    PyObject *kcov = NULL;
    const char **cov = NULL;
    if (covs != Py_None && !(cov = ks_py_str_list(covs, "covariates", &kcov, NULL))) return NULL;
    o.covariates = cov;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_imputation_leads *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_imputation_pretrend_test(ctx, t, y, u, tm, g, &o, n_leads, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_imputation_leads_view v;
    ks_did_imputation_leads_get(r, &v);
    const npy_intp n = (npy_intp)v.n;
    PyObject *vc = ks_py_arr(v.vcov, n, n); /* symmetric; 1-d and empty for no lead */
    out = vc ? Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:d,s:d,s:d,s:n,"
                             "s:n,s:O}",
                             "key", ks_py_arr(v.key, n, 0), "coef", ks_py_arr(v.coef, n, 0), "se",
                             ks_py_arr(v.se, n, 0), "t_stat", ks_py_arr(v.tstat, n, 0), "p_value",
                             ks_py_arr(v.pvalue, n, 0), "ci_lower", ks_py_arr(v.ci_lower, n, 0),
                             "ci_upper", ks_py_arr(v.ci_upper, n, 0), "n_obs",
                             ks_py_arr(v.nobs, n, 0), "vcov", vc, "df", v.df, "df_resid",
                             v.df_resid, "f_stat", v.f_stat, "f_pvalue", v.f_pvalue, "f_df1",
                             v.f_df1, "f_df2", v.f_df2, "n_dropped", (Py_ssize_t)v.n_dropped,
                             "nclusters", (Py_ssize_t)v.nclusters, "notes", notes)
             : NULL;
done:
    ks_did_imputation_leads_free(r);
    PyMem_Free(cov);
    Py_XDECREF(kcov);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

PyMethodDef ks_py_did_imputation_methods[] = {
    {"did_imputation_pretrend_test", (PyCFunction)(void (*)(void))py_did_imputation_pretrend_test,
     METH_VARARGS | METH_KEYWORDS,
     "did_imputation_pretrend_test(columns, outcome, unit, time, first_treat, n_leads=-1, ...) "
     "-> dict"},
    {"did_imputation", (PyCFunction)(void (*)(void))py_did_imputation, METH_VARARGS | METH_KEYWORDS,
     "did_imputation(columns, outcome, unit, time, first_treat, two_stage=False, ...) -> dict"},
    {NULL, NULL, 0, NULL},
};
