/* _core_usermodel.c — GenomicSEM's usermodel() and commonfactor() (include/kestrel/gsem.h) for
 * python/_kestrel/gsem_usermodel.py: the covstruc (an LdscResult, a dict of its arrays, or the
 * path of a covstruc file) to its C handle, the fit, R's two tables back as a dict. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

/* The covstruc: a path (str or os.PathLike) read in C, else ks_py_ldsc_handle's forms. */
static int covstruc_handle(ks_ctx *ctx, PyObject *cov, ks_gsem_ldsc **out)
{
    *out = NULL;
    if (!PyUnicode_Check(cov) && !PyObject_HasAttrString(cov, "__fspath__"))
        return ks_py_ldsc_handle(ctx, cov, out);
    PyObject *b = NULL;
    if (!PyUnicode_FSConverter(cov, &b)) return -1;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_gsem_ldsc_read(ctx, PyBytes_AS_STRING(b), out);
    Py_END_ALLOW_THREADS
    Py_DECREF(b);
    if (rc) {
        ks_py_raise(ctx, rc);
        return -1;
    }
    return 0;
}

/* The estimator's name, as the library names them (the fit refuses all but DWLS and ML). */
static int estimation(const char *name, ks_sem_estimator *out)
{
    if (ks_sem_estimator_value(NULL, name, out) == KS_OK) return 0;
    PyErr_Format(PyExc_ValueError,
                 "estimation: '%s' is not an estimator (GenomicSEM's: 'DWLS' or "
                 "'ML')",
                 name);
    return -1;
}

static int put(PyObject *d, const char *key, PyObject *v)
{
    const int rc = v ? PyDict_SetItemString(d, key, v) : -1;
    Py_XDECREF(v);
    return rc;
}

static PyObject *view_dict(const ks_gsem_usermodel_view *v, PyObject *notes)
{
    PyObject *d = PyDict_New();
    if (!d) return NULL;
    const npy_intp n = (npy_intp)v->nrow, k = (npy_intp)v->k;
    PyObject *fixed = PyList_New(n);
    for (npy_intp i = 0; fixed && i < n; i++)
        PyList_SET_ITEM(fixed, i, PyBool_FromLong(v->fixed[i]));
    const int bad =
        put(d, "chisq", PyFloat_FromDouble(v->chisq)) || put(d, "df", PyFloat_FromDouble(v->df)) ||
        put(d, "p_chisq", PyFloat_FromDouble(v->p_chisq)) ||
        put(d, "AIC", PyFloat_FromDouble(v->aic)) || put(d, "CFI", PyFloat_FromDouble(v->cfi)) ||
        put(d, "SRMR", PyFloat_FromDouble(v->srmr)) || put(d, "npar", PyLong_FromSize_t(v->npar)) ||
        put(d, "lhs", ks_py_strs(v->lhs, v->nrow)) || put(d, "op", ks_py_strs(v->op, v->nrow)) ||
        put(d, "rhs", ks_py_strs(v->rhs, v->nrow)) || put(d, "est", ks_py_arr(v->est, n, 0)) ||
        put(d, "se", ks_py_arr(v->se, n, 0)) ||
        put(d, "std_genotype", ks_py_arr(v->std_genotype, n, 0)) ||
        put(d, "std_genotype_se", ks_py_arr(v->std_genotype_se, n, 0)) ||
        put(d, "std_all", v->std_all ? ks_py_arr(v->std_all, n, 0) : Py_NewRef(Py_None)) ||
        put(d, "tstat", ks_py_arr(v->tstat, n, 0)) ||
        put(d, "pvalue", ks_py_arr(v->pvalue, n, 0)) || put(d, "fixed", fixed) ||
        put(d, "colnames", ks_py_strs(v->colnames, v->ncol)) ||
        put(d, "traits", ks_py_strs(v->traits, v->k)) ||
        put(d, "implied_cov",
            v->implied_cov ? ks_py_arr(v->implied_cov, k, k) : Py_NewRef(Py_None)) ||
        put(d, "resid_cov", v->resid_cov ? ks_py_arr(v->resid_cov, k, k) : Py_NewRef(Py_None)) ||
        put(d, "S_smoothed", PyBool_FromLong(v->S_smoothed)) ||
        put(d, "V_smoothed", PyBool_FromLong(v->V_smoothed)) ||
        put(d, "LD_sdiff", PyFloat_FromDouble(v->S_diff)) ||
        put(d, "LD_sdiff2", PyFloat_FromDouble(v->V_diff)) ||
        put(d, "Z_diff", PyFloat_FromDouble(v->Z_diff)) ||
        put(d, "resid_bounded", PyBool_FromLong(v->resid_bounded)) ||
        put(d, "iterations", PyLong_FromLong(v->iterations)) ||
        put(d, "qf_factor1", ks_py_strs(v->qf_factor1, v->nqfactor)) ||
        put(d, "qf_factor2", ks_py_strs(v->qf_factor2, v->nqfactor)) ||
        put(d, "qf_chisq", ks_py_arr(v->qf_chisq, (npy_intp)v->nqfactor, 0)) ||
        put(d, "qf_df", ks_py_arr(v->qf_df, (npy_intp)v->nqfactor, 0)) ||
        put(d, "qf_p", ks_py_arr(v->qf_pvalue, (npy_intp)v->nqfactor, 0)) ||
        put(d, "notes", Py_NewRef(notes));
    if (bad) Py_CLEAR(d);
    return d;
}

/* gsem_usermodel(covstruc, model, estimation, std_lv, imp_cov, fix_resid, toler, q_factor) ->
 * dict */
static PyObject *ks_py_gsem_usermodel(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cov;
    const char *model, *est;
    int std_lv, imp_cov, fix_resid, q_factor;
    double toler;
    if (!PyArg_ParseTuple(args, "Osspppdp", &cov, &model, &est, &std_lv, &imp_cov, &fix_resid,
                          &toler, &q_factor))
        return NULL;
    ks_gsem_usermodel_options o = KS_GSEM_USERMODEL_OPTIONS_INIT;
    if (estimation(est, &o.estimation)) return NULL;
    o.std_lv = std_lv;
    o.imp_cov = imp_cov;
    o.fix_resid = fix_resid;
    o.toler = toler;
    o.q_factor = q_factor;
    ks_ctx *ctx = NULL;
    PyObject *notes = NULL, *res = NULL;
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_usermodel *u = NULL;
    int rc = KS_OK;
    if (!ks_py_fit_begin(NULL, 1, &ctx, NULL, NULL, &notes) && !covstruc_handle(ctx, cov, &cs)) {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_gsem_usermodel_fit(ctx, cs, model, &o, &u);
        Py_END_ALLOW_THREADS
        if (!rc) {
            ks_gsem_usermodel_view v;
            ks_gsem_usermodel_get(u, &v);
            res = view_dict(&v, notes);
        }
    }
    ks_gsem_usermodel_free(u);
    ks_gsem_ldsc_free(cs);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, notes);
}

/* gsem_commonfactor(covstruc, estimation) -> dict */
static PyObject *ks_py_gsem_commonfactor(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cov;
    const char *est;
    if (!PyArg_ParseTuple(args, "Os", &cov, &est)) return NULL;
    ks_gsem_commonfactor_options o = KS_GSEM_COMMONFACTOR_OPTIONS_INIT;
    if (estimation(est, &o.estimation)) return NULL;
    ks_ctx *ctx = NULL;
    PyObject *notes = NULL, *res = NULL;
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_commonfactor *c = NULL;
    int rc = KS_OK;
    if (!ks_py_fit_begin(NULL, 1, &ctx, NULL, NULL, &notes) && !covstruc_handle(ctx, cov, &cs)) {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_gsem_commonfactor_fit(ctx, cs, &o, &c);
        Py_END_ALLOW_THREADS
        if (!rc) {
            ks_gsem_commonfactor_view v;
            ks_gsem_commonfactor_get(c, &v);
            res = view_dict(&v, notes);
        }
    }
    ks_gsem_commonfactor_free(c);
    ks_gsem_ldsc_free(cs);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, notes);
}

PyMethodDef ks_py_usermodel_methods[] = {{"gsem_usermodel", ks_py_gsem_usermodel, METH_VARARGS,
                                          "gsem_usermodel(covstruc, model, estimation, std_lv, "
                                          "imp_cov, fix_resid, toler, q_factor) -> dict"},
                                         {"gsem_commonfactor", ks_py_gsem_commonfactor,
                                          METH_VARARGS,
                                          "gsem_commonfactor(covstruc, estimation) -> dict"},
                                         {NULL, NULL, 0, NULL}};
