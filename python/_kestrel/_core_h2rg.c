/* _core_h2rg.c — bulik/ldsc's h2, rg and jackknives in kestrel._core: arguments shaped into
 * ks_gsem_h2rg_options, results returned as dicts of floats and NumPy arrays; no statistics here. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

static PyObject *fit_dict(const ks_gsem_h2rg_regression *f)
{
    const npy_intp p = (npy_intp)f->n_annot;
    return Py_BuildValue(
        "{s:n,s:n,s:n,s:d,s:d,s:d,s:d,s:O,s:d,s:n,s:O,s:d,s:d,s:d,s:d,s:d,s:d,s:d,"
        "s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:d,s:d,s:d,s:N,s:N}",
        "n_snp", (Py_ssize_t)f->n_snp, "n_annot", (Py_ssize_t)f->n_annot, "n_blocks",
        (Py_ssize_t)f->n_blocks, "tot", f->tot, "tot_se", f->tot_se, "intercept", f->intercept,
        "intercept_se", f->intercept_se, "intercept_constrained",
        f->intercept_constrained ? Py_True : Py_False, "two_step", f->two_step, "twostep_filtered",
        (Py_ssize_t)f->twostep_filtered, "old_weights", f->old_weights ? Py_True : Py_False,
        "mean_chisq", f->mean_chisq, "lambda_gc", f->lambda_gc, "ratio", f->ratio, "ratio_se",
        f->ratio_se, "mean_z1z2", f->mean_z1z2, "z", f->z, "p", f->p, "M", ks_py_arr(f->M, p, 0),
        "coef", ks_py_arr(f->coef, p, 0), "coef_se", ks_py_arr(f->coef_se, p, 0), "cat",
        ks_py_arr(f->cat, p, 0), "cat_se", ks_py_arr(f->cat_se, p, 0), "prop",
        ks_py_arr(f->prop, p, 0), "prop_se", ks_py_arr(f->prop_se, p, 0), "enrichment",
        ks_py_arr(f->enrichment, p, 0), "M_prop", ks_py_arr(f->M_prop, p, 0), "coef_cov",
        ks_py_arr(f->coef_cov, p, p), "tot_delete",
        ks_py_arr(f->tot_delete, (npy_intp)f->n_blocks, 0), "liab", f->liab, "tot_liab",
        f->tot_liab, "tot_se_liab", f->tot_se_liab, "cat_liab", ks_py_arr(f->cat_liab, p, 0),
        "cat_se_liab", ks_py_arr(f->cat_se_liab, p, 0));
}

/* None, or a sequence of numbers (None: NaN) of length k, into a PyMem array. */
static int doubles_or_none(PyObject *o, Py_ssize_t k, const char *what, double **out, size_t *n)
{
    *out = NULL;
    if (n) *n = 0;
    if (o == Py_None) return 0;
    PyObject *f = PySequence_Fast(o, "expected a sequence of numbers");
    if (!f) return -1;
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(f);
    if (k >= 0 && m != k) {
        PyErr_Format(PyExc_ValueError, "%s: %zd values for %zd files", what, m, k);
        Py_DECREF(f);
        return -1;
    }
    *out = PyMem_Calloc((size_t)m + 1, sizeof **out);
    if (!*out) {
        Py_DECREF(f);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(f, i);
        (*out)[i] = x == Py_None ? NAN : PyFloat_AsDouble(x);
        if ((*out)[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(f);
            PyMem_Free(*out);
            *out = NULL;
            return -1;
        }
    }
    if (n) *n = (size_t)m;
    Py_DECREF(f);
    return 0;
}

/* The options common to h2 and rg; arrays held in held[0..5) (PyMem). */
typedef struct {
    ks_gsem_h2rg_options o;
    double *held[5];
    int threads;
} opts_t;

static void opts_free(opts_t *t)
{
    for (int i = 0; i < 5; i++) PyMem_Free(t->held[i]);
}

static int opts_parse(PyObject *kw, Py_ssize_t k, opts_t *t)
{
    static char *kwlist[] = {
        "ref_ld",        "ref_ld_chr",       "w_ld",      "w_ld_chr",  "M",
        "not_M_5_50",    "n_blocks",         "two_step",  "chisq_max", "no_intercept",
        "intercept_h2",  "intercept_gencov", "samp_prev", "pop_prev",  "no_check_alleles",
        "invert_anyway", "threads",          NULL};
    memset(t, 0, sizeof *t);
    ks_gsem_h2rg_options o = KS_GSEM_H2RG_OPTIONS_INIT;
    PyObject *M = Py_None, *ih = Py_None, *ig = Py_None, *sp = Py_None, *pp = Py_None;
    PyObject *empty = PyTuple_New(0);
    if (!empty) return -1;
    const int ok = PyArg_ParseTupleAndKeywords(
        empty, kw, "|zzzzOpiddpOOOOppi", kwlist, &o.ref_ld, &o.ref_ld_chr, &o.w_ld, &o.w_ld_chr, &M,
        &o.not_M_5_50, &o.n_blocks, &o.two_step, &o.chisq_max, &o.no_intercept, &ih, &ig, &sp, &pp,
        &o.no_check_alleles, &o.invert_anyway, &t->threads);
    Py_DECREF(empty);
    if (!ok) return -1;
    if (doubles_or_none(M, -1, "M", &t->held[0], &o.nM) ||
        doubles_or_none(ih, k, "intercept_h2", &t->held[1], NULL) ||
        doubles_or_none(ig, k, "intercept_gencov", &t->held[2], NULL) ||
        doubles_or_none(sp, k, "samp_prev", &t->held[3], NULL) ||
        doubles_or_none(pp, k, "pop_prev", &t->held[4], NULL)) {
        opts_free(t);
        return -1;
    }
    o.M = t->held[0];
    o.intercept_h2 = t->held[1];
    o.intercept_gencov = t->held[2];
    o.samp_prev = t->held[3];
    o.pop_prev = t->held[4];
    t->o = o;
    return 0;
}

PyObject *ks_py_h2rg_h2(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    opts_t t;
    if (opts_parse(kw, 1, &t)) return NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_h2 *h = NULL;
    PyObject *res = NULL;
    int rc = KS_OK;
    if (ks_py_ctx(&ctx, t.threads)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_gsem_h2_fit(ctx, path, &t.o, &h);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_gsem_h2_view v;
    ks_gsem_h2_get(h, &v);
    const ks_gsem_h2_view *r = &v;
    res = Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:d,s:N,s:n,s:d,s:N}", "snps_read",
                        (Py_ssize_t)r->snps_read, "snps_dup", (Py_ssize_t)r->snps_dup, "ld_snps",
                        (Py_ssize_t)r->ld_snps, "w_snps", (Py_ssize_t)r->w_snps, "merged_ld",
                        (Py_ssize_t)r->merged_ld, "merged_w", (Py_ssize_t)r->merged_w,
                        "chisq_removed", (Py_ssize_t)r->chisq_removed, "chisq_max", r->chisq_max,
                        "annotations", ks_py_strs(r->annot, r->n_annot), "annot_zero_var",
                        (Py_ssize_t)r->annot_zero_var, "liab", r->liab, "fit", fit_dict(&r->h2));
done:
    ks_gsem_h2_free(h);
    opts_free(&t);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

static PyObject *pair_dict(const ks_gsem_rg_pair *p)
{
    if (p->error)
        return Py_BuildValue("{s:s,s:n,s:n,s:n,s:n}", "error", p->error, "snps_read",
                             (Py_ssize_t)p->snps_read, "snps_dup", (Py_ssize_t)p->snps_dup,
                             "merged", (Py_ssize_t)p->merged, "valid_alleles",
                             (Py_ssize_t)p->valid_alleles);
    return Py_BuildValue(
        "{s:O,s:n,s:n,s:n,s:n,s:n,s:d,s:N,s:N,s:N,s:d,s:d,s:d,s:d,s:d,s:O,s:O,s:d,s:d}", "error",
        Py_None, "snps_read", (Py_ssize_t)p->snps_read, "snps_dup", (Py_ssize_t)p->snps_dup,
        "merged", (Py_ssize_t)p->merged, "valid_alleles", (Py_ssize_t)p->valid_alleles,
        "chisq_removed", (Py_ssize_t)p->chisq_removed, "cond", p->cond, "hsq1", fit_dict(&p->hsq1),
        "hsq2", fit_dict(&p->hsq2), "gencov", fit_dict(&p->gencov), "rg", p->rg, "rg_se", p->rg_se,
        "rg_jknife", p->rg_jknife, "z", p->z, "p", p->p, "negative_hsq",
        p->negative_hsq ? Py_True : Py_False, "out_of_bounds",
        p->out_of_bounds ? Py_True : Py_False, "liab1", p->liab1, "liab2", p->liab2);
}

PyObject *ks_py_h2rg_rg(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    PyObject *files;
    if (!PyArg_ParseTuple(args, "O", &files)) return NULL;
    PyObject *keep = PySequence_Fast(files, "sumstats: a sequence of paths");
    if (!keep) return NULL;
    const Py_ssize_t k = PySequence_Fast_GET_SIZE(keep);
    const char **paths = PyMem_Calloc((size_t)k + 1, sizeof *paths);
    opts_t t;
    memset(&t, 0, sizeof t);
    ks_ctx *ctx = NULL;
    ks_gsem_rg *rg = NULL;
    PyObject *res = NULL;
    int rc = KS_OK;
    if (!paths) {
        PyErr_NoMemory();
        goto done;
    }
    for (Py_ssize_t i = 0; i < k; i++)
        if (!(paths[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(keep, i)))) goto done;
    if (opts_parse(kw, k, &t) || ks_py_ctx(&ctx, t.threads)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_gsem_rg_fit(ctx, (size_t)k, paths, &t.o, &rg);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_gsem_rg_view v;
    ks_gsem_rg_get(rg, &v);
    const ks_gsem_rg_view *r = &v;
    PyObject *pairs = PyList_New(k - 1);
    for (Py_ssize_t j = 0; pairs && j < k - 1; j++) {
        PyObject *d = pair_dict(&r->pair[j]);
        if (!d) {
            Py_CLEAR(pairs);
            break;
        }
        PyList_SET_ITEM(pairs, j, d);
    }
    if (!pairs) goto done;
    res = Py_BuildValue("{s:n,s:n,s:n,s:n,s:n,s:n,s:N,s:n,s:d,s:N}", "snps_read",
                        (Py_ssize_t)r->snps_read, "snps_dup", (Py_ssize_t)r->snps_dup, "ld_snps",
                        (Py_ssize_t)r->ld_snps, "w_snps", (Py_ssize_t)r->w_snps, "merged_ld",
                        (Py_ssize_t)r->merged_ld, "merged_w", (Py_ssize_t)r->merged_w,
                        "annotations", ks_py_strs(r->annot, r->n_annot), "annot_zero_var",
                        (Py_ssize_t)r->annot_zero_var, "two_step", r->two_step, "pairs", pairs);
done:
    ks_gsem_rg_free(rg);
    opts_free(&t);
    PyMem_Free(paths);
    Py_DECREF(keep);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

/* A 2-D float64 array (rows x cols) as a column-major PyMem copy. */
static double *colmajor(PyObject *o, npy_intp *rows, npy_intp *cols, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(o, NPY_DOUBLE, 1, 2, NPY_ARRAY_CARRAY_RO);
    if (!a) return NULL;
    *rows = PyArray_DIM(a, 0);
    *cols = PyArray_NDIM(a) == 2 ? PyArray_DIM(a, 1) : 1;
    double *v = PyMem_Calloc((size_t)(*rows * *cols) + 1, sizeof *v);
    if (!v) {
        Py_DECREF(a);
        PyErr_NoMemory();
        return NULL;
    }
    const double *d = PyArray_DATA(a);
    for (npy_intp i = 0; i < *rows; i++)
        for (npy_intp j = 0; j < *cols; j++) v[j * *rows + i] = d[i * *cols + j];
    Py_DECREF(a);
    (void)what;
    return v;
}

/* jackknife(kind, a, b=None, c=None, n_blocks=0, separators=None):
 *   "lstsq": a = X (n x p), b = y (n); "ratio": a = est (p), b = numer, c = denom (n_blocks x p);
 *   "pseudo": a = pseudovalues (n_blocks x p). */
PyObject *ks_py_h2rg_jackknife(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"kind", "a", "b", "c", "n_blocks", "separators", NULL};
    const char *kind;
    PyObject *A, *B = Py_None, *C = Py_None, *S = Py_None;
    Py_ssize_t nb = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sO|OOnO", kwlist, &kind, &A, &B, &C, &nb, &S))
        return NULL;
    double *a = NULL, *b = NULL, *c = NULL;
    size_t *sep = NULL;
    npy_intp ar = 0, ac = 0, br = 0, bc = 0, cr = 0, cc = 0;
    ks_ctx *ctx = NULL;
    ks_jackknife *j = NULL;
    PyObject *res = NULL;
    int rc = KS_OK;
    if (!(a = colmajor(A, &ar, &ac, "a")) || (B != Py_None && !(b = colmajor(B, &br, &bc, "b"))) ||
        (C != Py_None && !(c = colmajor(C, &cr, &cc, "c"))))
        goto done;
    if (S != Py_None) {
        PyObject *f = PySequence_Fast(S, "separators: a sequence of integers");
        if (!f) goto done;
        const Py_ssize_t ns = PySequence_Fast_GET_SIZE(f);
        sep = PyMem_Calloc((size_t)ns + 1, sizeof *sep);
        for (Py_ssize_t i = 0; sep && i < ns; i++)
            sep[i] = (size_t)PyLong_AsSsize_t(PySequence_Fast_GET_ITEM(f, i));
        Py_DECREF(f);
        if (!sep || PyErr_Occurred()) goto done;
        nb = ns - 1;
    }
    if (ks_py_ctx(&ctx, 0)) goto done;
    if (!strcmp(kind, "lstsq")) {
        if (!b || br != ar) {
            PyErr_SetString(PyExc_ValueError, "lstsq: y must have as many rows as X");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
            rc = ks_jackknife_lstsq(ctx, (size_t)ar, (size_t)ac, a, b, (size_t)nb, sep, &j);
        Py_END_ALLOW_THREADS
    } else if (!strcmp(kind, "ratio")) {
        if (!b || !c || br != cr || bc != cc || bc != ar * ac) {
            PyErr_SetString(PyExc_ValueError, "ratio: numer and denom must be n_blocks x p, est p");
            goto done;
        }
        Py_BEGIN_ALLOW_THREADS
            rc = ks_jackknife_ratio(ctx, (size_t)br, (size_t)bc, a, b, c, &j);
        Py_END_ALLOW_THREADS
    } else if (!strcmp(kind, "pseudo")) {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_jackknife_pseudo(ctx, (size_t)ar, (size_t)ac, a, &j);
        Py_END_ALLOW_THREADS
    } else {
        PyErr_Format(PyExc_ValueError, "kind '%s': lstsq, ratio or pseudo", kind);
        goto done;
    }
    if (rc) goto done;
    ks_jackknife_view v;
    ks_jackknife_get(j, &v);
    const npy_intp n = (npy_intp)v.n_blocks, p = (npy_intp)v.p;
    PyObject *sl = Py_None;
    if (v.separators) {
        sl = PyList_New(n + 1);
        for (npy_intp i = 0; sl && i <= n; i++)
            PyList_SET_ITEM(sl, i, PyLong_FromSize_t(v.separators[i]));
        if (!sl) goto done;
    } else {
        Py_INCREF(sl);
    }
    res = Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}", "est", ks_py_arr(v.est, p, 0),
                        "delete_values", ks_py_arr(v.delete_values, n, p), "pseudovalues",
                        ks_py_arr(v.pseudovalues, n, p), "jknife_est",
                        ks_py_arr(v.jknife_est, p, 0), "jknife_var", ks_py_arr(v.jknife_var, p, 0),
                        "jknife_se", ks_py_arr(v.jknife_se, p, 0), "jknife_cov",
                        ks_py_arr(v.jknife_cov, p, p), "separators", sl);
done:
    ks_jackknife_free(j);
    PyMem_Free(a);
    PyMem_Free(b);
    PyMem_Free(c);
    PyMem_Free(sep);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

PyMethodDef ks_py_h2rg_methods[] = {
    {"ldsc_h2", (PyCFunction)(void (*)(void))ks_py_h2rg_h2, METH_VARARGS | METH_KEYWORDS,
     "ldsc_h2(sumstats, ref_ld=..., w_ld=..., ...) -> dict"},
    {"ldsc_rg", (PyCFunction)(void (*)(void))ks_py_h2rg_rg, METH_VARARGS | METH_KEYWORDS,
     "ldsc_rg(sumstats_list, ref_ld=..., w_ld=..., ...) -> dict"},
    {"jackknife", (PyCFunction)(void (*)(void))ks_py_h2rg_jackknife,
     METH_VARARGS | METH_KEYWORDS, "jackknife(kind, a, b=None, c=None, n_blocks=0, "
     "separators=None) -> dict"},
    {NULL, NULL, 0, NULL},
};
