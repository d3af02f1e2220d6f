/* _core_gwas.c — the multivariate GWAS (userGWAS, commonfactorGWAS) for kestrel.gsem: the
 * covstruc (an LdscResult or its dict), the SNPs (the SNP table's path, or a sumstats result's
 * handle), the options; returns the counts and, with no output file, the rows as columns. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

/* The view's columns as {name: list of str | float64 array}, in R's names. */
static PyObject *columns(const ks_gsem_gwas_view *v)
{
    static const char *const tn[KS_GSEM_GWAS_NTEXT] = {"SNP", "CHR", "BP",  "A1",   "A2",
                                                       "lhs", "op",  "rhs", "label"};
    const int cf = v->commonfactor;
    const struct {
        const char *name;
        const double *x;
    } num[] = {{"MAF", v->maf},
               {"i", v->i},
               {"free", v->free},
               {"est", v->est},
               {cf ? "se_c" : "SE", v->se},
               {"Z_Estimate", v->z},
               {"Pval_Estimate", v->pvalue},
               {cf ? "Q" : "chisq", v->chisq},
               {cf ? "Q_df" : "chisq_df", v->chisq_df},
               {cf ? "Q_pval" : "chisq_pval", v->chisq_pval},
               {"AIC", v->aic},
               {"Q_SNP", v->q_snp_stat},
               {"Q_SNP_df", v->q_snp_df},
               {"Q_SNP_pval", v->q_snp_pval},
               {"Z_smooth", v->z_smooth}};
    PyObject *d = PyDict_New();
    int bad = !d;
    for (int c = 0; !bad && c < KS_GSEM_GWAS_NTEXT; c++) {
        PyObject *l = ks_py_strs(v->text[c], v->nrow);
        bad = !l || PyDict_SetItemString(d, tn[c], l);
        Py_XDECREF(l);
    }
    for (size_t c = 0; !bad && c < sizeof num / sizeof *num; c++) {
        if (!num[c].x) continue;
        PyObject *a = ks_py_arr(num[c].x, (npy_intp)v->nrow, 0);
        bad = !a || PyDict_SetItemString(d, num[c].name, a);
        Py_XDECREF(a);
    }
    const char *msg[2] = {cf ? "fail" : "error", "warning"};
    const char *const *mv[2] = {v->error, v->warning};
    for (int c = 0; !bad && c < 2; c++) {
        PyObject *l = ks_py_strs(mv[c], v->nrow);
        bad = !l || PyDict_SetItemString(d, msg[c], l);
        Py_XDECREF(l);
    }
    if (bad) Py_CLEAR(d);
    return d;
}

/* gsem_gwas(covstruc, snps, model=None, ...) -> dict: snps a path (str) or a sumstats handle
 * (capsule); model None runs commonfactorGWAS. */
static PyObject *ks_py_gsem_gwas(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {
        "covstruc",        "snps",   "model",        "estimation", "gc",    "snpse",   "q_snp",
        "fix_measurement", "std_lv", "smooth_check", "sub",        "toler", "chunk_i", "chunk_n",
        "method",          "out",    "threads",      NULL};
    PyObject *cov, *snps, *sub = Py_None;
    const char *model = NULL, *estimation = "DWLS", *gc = "standard", *method = "sem", *out = NULL;
    ks_gsem_gwas_options o = KS_GSEM_GWAS_OPTIONS_INIT;
    Py_ssize_t ci = 0, cn = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|zssdppppOdnnszi", kwlist, &cov, &snps, &model,
                                     &estimation, &gc, &o.snpse, &o.q_snp, &o.fix_measurement,
                                     &o.std_lv, &o.smooth_check, &sub, &o.toler, &ci, &cn, &method,
                                     &out, &threads))
        return NULL;
    if (ci < 0 || cn < 0) {
        PyErr_SetString(PyExc_ValueError, "chunk: i and n must be >= 0");
        return NULL;
    }
    o.chunk_i = (size_t)ci;
    o.chunk_n = (size_t)cn;
    const char *path = NULL;
    const ks_gsem_sumstats *ss = NULL;
    if (PyCapsule_CheckExact(snps)) {
        ss = PyCapsule_GetPointer(snps, KS_PY_SUMSTATS_CAPSULE);
        if (!ss) return NULL;
    } else if (!(path = PyUnicode_AsUTF8(snps)))
        return NULL;
    PyObject *ks = NULL, *notes = NULL, *res = NULL;
    const char **sv = sub != Py_None ? ks_py_str_list(sub, "sub", &ks, NULL) : NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_gwas *g = NULL;
    int rc = KS_OK;
    if (sub != Py_None && !sv) goto done;
    o.sub = sv;
    if (ks_py_fit_begin(NULL, threads, &ctx, NULL, NULL, &notes)) goto done;
    if ((rc = ks_sem_estimator_value(ctx, estimation, &o.estimation)) ||
        (rc = ks_gsem_gc_value(ctx, gc, &o.gc)) ||
        (rc = ks_gsem_gwas_method_value(ctx, method, &o.method)))
        goto done;
    if (ks_py_ldsc_handle(ctx, cov, &cs)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = model ? ks_gsem_usergwas_run(ctx, cs, path, ss, model, &o, out, &g)
                   : ks_gsem_commonfactorgwas_run(ctx, cs, path, ss, &o, out, &g);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_gsem_gwas_view v;
    ks_gsem_gwas_get(g, &v);
    PyObject *cols = out ? Py_NewRef(Py_None) : columns(&v);
    if (cols)
        res = Py_BuildValue("{s:n,s:n,s:n,s:n,s:N,s:O}", "snps", (Py_ssize_t)v.snps, "first",
                            (Py_ssize_t)v.first, "failed", (Py_ssize_t)v.failed, "smoothed",
                            (Py_ssize_t)v.smoothed, "columns", cols, "notes", notes);
done:
    ks_gsem_gwas_free(g);
    ks_gsem_ldsc_free(cs);
    PyMem_Free(sv);
    Py_XDECREF(ks);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, notes);
}

PyMethodDef ks_py_gwas_methods[] = {
    {"gsem_gwas", (PyCFunction)(void (*)(void))ks_py_gsem_gwas, METH_VARARGS | METH_KEYWORDS,
     "gsem_gwas(covstruc, snps, model=None, ...) -> dict (userGWAS; model None: "
     "commonfactorGWAS)"},
    {NULL, NULL, 0, NULL}};
