/* _core_gsem.c — the genomic SEM part of kestrel._core: munge and ldsc. Arguments are shaped
 * into the C options, results come back as dicts; no statistics is computed here. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#define PY_ARRAY_UNIQUE_SYMBOL kestrel_ARRAY_API
#include <Python.h>
#include <numpy/arrayobject.h>
#include <string.h>

#include "kestrel/kestrel.h"

PyObject *ks_py_raise(ks_ctx *ctx, int rc);
PyObject *ks_py_sizes(const size_t *v, npy_intp n);

/* A sequence of str as a NULL-terminated C array (PyMem; the strings borrowed from `keep`). */
static const char **str_list(PyObject *seq, PyObject **keep, Py_ssize_t *n)
{
    *keep = PySequence_Fast(seq, "expected a sequence of str");
    if (!*keep) return NULL;
    *n = PySequence_Fast_GET_SIZE(*keep);
    const char **v = PyMem_Calloc((size_t)*n + 1, sizeof *v);
    if (!v) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < *n; i++) {
        v[i] = PyUnicode_AsUTF8(PySequence_Fast_GET_ITEM(*keep, i));
        if (!v[i]) {
            PyMem_Free(v);
            return NULL;
        }
    }
    return v;
}

static PyObject *report_dict(const ks_munge_report *r)
{
    static const char *const used[8] = {"SNP", "A1", "A2", "effect", "INFO", "P", "N", "MAF"};
    PyObject *cols = PyDict_New();
    if (!cols) return NULL;
    for (int k = 0; k < 8; k++)
        if (r->used[k]) {
            PyObject *s = PyUnicode_FromString(r->used[k]);
            if (!s || PyDict_SetItemString(cols, used[k], s)) {
                Py_XDECREF(s);
                Py_DECREF(cols);
                return NULL;
            }
            Py_DECREF(s);
        }
    return Py_BuildValue(
        "{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:O,s:N}", "rows", (Py_ssize_t)r->rows,
        "short_rows", (Py_ssize_t)r->short_rows, "not_in_ref", (Py_ssize_t)r->not_in_ref,
        "p_missing", (Py_ssize_t)r->p_missing, "effect_missing", (Py_ssize_t)r->effect_missing,
        "p_out_of_range", (Py_ssize_t)r->p_out_of_range, "or_negative",
        (Py_ssize_t)r->or_negative, "a1_mismatch", (Py_ssize_t)r->a1_mismatch, "a2_mismatch",
        (Py_ssize_t)r->a2_mismatch, "info_low", (Py_ssize_t)r->info_low, "info_missing",
        (Py_ssize_t)r->info_missing, "maf_low", (Py_ssize_t)r->maf_low, "written",
        (Py_ssize_t)r->written, "effect_is_or", r->effect_is_or ? Py_True : Py_False, "columns",
        cols);
}

PyObject *ks_py_gsem_munge(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"paths", "out_paths", "ref", "N", "info_filter", "maf_filter",
                             "columns", "threads", NULL};
    PyObject *paths, *outs, *columns = Py_None;
    const char *ref;
    ks_munge_options o = KS_MUNGE_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOs|dddOi", kwlist, &paths, &outs, &ref, &o.N,
                                     &o.info_filter, &o.maf_filter, &columns, &threads))
        return NULL;
    PyObject *kp = NULL, *ko = NULL, *kc = NULL, *res = NULL;
    Py_ssize_t n = 0, no = 0, nc = 0;
    const char **p = str_list(paths, &kp, &n), **q = p ? str_list(outs, &ko, &no) : NULL;
    const char **c = q && columns != Py_None ? str_list(columns, &kc, &nc) : NULL;
    ks_munge_report *rep = NULL;
    ks_ctx *ctx = NULL;
    if (!q || (columns != Py_None && !c)) goto done;
    if (n != no) {
        PyErr_SetString(PyExc_ValueError, "paths and out_paths differ in length");
        goto done;
    }
    o.columns = c;
    rep = PyMem_Calloc((size_t)n + 1, sizeof *rep);
    if (!rep || ks_ctx_new(&ctx) != KS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    if (threads > 0 && ks_ctx_set_threads(ctx, threads) != KS_OK) {
        ks_py_raise(ctx, KS_EINVAL);
        goto done;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = ks_gsem_munge(ctx, (size_t)n, p, q, ref, &o, rep);
    Py_END_ALLOW_THREADS if (rc) {
        ks_py_raise(ctx, rc);
        goto done;
    }
    res = PyList_New(n);
    for (Py_ssize_t i = 0; res && i < n; i++) {
        PyObject *d = report_dict(&rep[i]);
        if (!d) {
            Py_CLEAR(res);
            break;
        }
        PyList_SET_ITEM(res, i, d);
    }
done:
    if (rep)
        for (Py_ssize_t i = 0; i < n; i++) ks_munge_report_free(ctx, &rep[i]);
    PyMem_Free(rep);
    PyMem_Free(p);
    PyMem_Free(q);
    PyMem_Free(c);
    Py_XDECREF(kp);
    Py_XDECREF(ko);
    Py_XDECREF(kc);
    ks_ctx_free(ctx);
    return res;
}

static PyObject *arr(const double *v, npy_intp rows, npy_intp cols)
{
    npy_intp dims[2] = {rows, cols};
    PyObject *a = PyArray_SimpleNew(cols ? 2 : 1, dims, NPY_DOUBLE);
    if (!a) return NULL;
    double *d = PyArray_DATA((PyArrayObject *)a);
    if (!cols)
        memcpy(d, v, (size_t)rows * sizeof *d);
    else
        for (npy_intp i = 0; i < rows; i++)
            for (npy_intp j = 0; j < cols; j++) d[i * cols + j] = v[j * rows + i];
    return a;
}

/* arr for _core_bulik.c: a vector (cols 0) or a column-major block as a C-ordered array. */
PyObject *ks_py_arr(const double *v, npy_intp rows, npy_intp cols) { return arr(v, rows, cols); }

/* A sequence of numbers (None: NaN) as k doubles, or NULL for None. */
static int doubles(PyObject *o, Py_ssize_t k, double *out, const char *what)
{
    if (o == Py_None) {
        for (Py_ssize_t i = 0; i < k; i++) out[i] = NAN;
        return 0;
    }
    PyObject *f = PySequence_Fast(o, "expected a sequence of numbers");
    if (!f) return -1;
    if (PySequence_Fast_GET_SIZE(f) != k) {
        PyErr_Format(PyExc_ValueError, "%s: %zd values for %zd traits", what,
                     PySequence_Fast_GET_SIZE(f), k);
        Py_DECREF(f);
        return -1;
    }
    for (Py_ssize_t i = 0; i < k; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(f, i);
        out[i] = x == Py_None ? NAN : PyFloat_AsDouble(x);
        if (out[i] == -1.0 && PyErr_Occurred()) {
            Py_DECREF(f);
            return -1;
        }
    }
    Py_DECREF(f);
    return 0;
}

PyObject *ks_py_gsem_ldsc(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"traits", "sample_prev", "population_prev", "ld", "wld",
                             "sep_weights", "chr", "n_blocks", "select", "chisq_max", NULL};
    PyObject *traits, *sp, *pp, *select = Py_None;
    const char *ld, *wld;
    ks_ldsc_options o = KS_LDSC_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOss|piiOd", kwlist, &traits, &sp, &pp, &ld, &wld,
                                     &o.sep_weights, &o.chr, &o.n_blocks, &select, &o.chisq_max))
        return NULL;
    PyObject *kt = NULL, *res = NULL;
    Py_ssize_t k = 0;
    const char **t = str_list(traits, &kt, &k);
    double *prev = t ? PyMem_Calloc(2 * (size_t)k + 1, sizeof *prev) : NULL;
    int *sel = NULL;
    ks_ctx *ctx = NULL;
    ks_ldsc_result *r = NULL;
    if (!prev || doubles(sp, k, prev, "sample_prev") || doubles(pp, k, prev + k, "population_prev"))
        goto done;
    o.sample_prev = prev;
    o.population_prev = prev + k;
    if (select != Py_None) {
        PyObject *f = PySequence_Fast(select, "select: a sequence of chromosome numbers");
        if (!f) goto done;
        const Py_ssize_t ns = PySequence_Fast_GET_SIZE(f);
        sel = PyMem_Calloc((size_t)ns + 1, sizeof *sel);
        for (Py_ssize_t i = 0; sel && i < ns; i++)
            sel[i] = (int)PyLong_AsLong(PySequence_Fast_GET_ITEM(f, i));
        Py_DECREF(f);
        if (!sel || PyErr_Occurred()) goto done;
        o.select = sel;
        o.nselect = (size_t)ns;
    }
    if (ks_ctx_new(&ctx) != KS_OK) {
        PyErr_NoMemory();
        goto done;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS rc = ks_gsem_ldsc(ctx, (size_t)k, t, ld, wld, &o, &r);
    Py_END_ALLOW_THREADS if (rc) {
        ks_py_raise(ctx, rc);
        goto done;
    }
    const npy_intp K = (npy_intp)k, KS = (npy_intp)r->kstar;
    res = Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:d,s:N,s:N,s:N,s:n,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,"
        "s:N,s:N}",
        "S", arr(r->S, K, K), "V", arr(r->V, KS, KS), "I", arr(r->intercept, K, K), "N", arr(r->N, KS, 0),
        "m", r->m, "S_stand", r->S_stand ? arr(r->S_stand, K, K) : Py_NewRef(Py_None), "V_stand",
        r->V_stand ? arr(r->V_stand, KS, KS) : Py_NewRef(Py_None), "liability_factor",
        arr(r->liab, K, 0), "n_blocks", (Py_ssize_t)r->n_blocks, "snps_read",
        ks_py_sizes(r->snps_read, K), "snps_merged", ks_py_sizes(r->snps_merged, K), "snps_removed",
        ks_py_sizes(r->snps_removed, K), "chisq_max", arr(r->chisq_max, K, 0), "mean_chisq",
        arr(r->mean_chisq, K, 0), "lambda_gc", arr(r->lambda_gc, K, 0), "h2_se",
        arr(r->h2_se, K, 0), "intercept_se", arr(r->intercept_se, K, 0), "ratio",
        arr(r->ratio, K, 0), "ratio_se", arr(r->ratio_se, K, 0), "pair_snps",
        ks_py_sizes(r->pair_snps, KS), "estimate", arr(r->est, KS, 0), "estimate_se",
        arr(r->est_se, KS, 0), "pair_intercept", arr(r->pair_intercept, KS, 0),
        "pair_intercept_se", arr(r->pair_intercept_se, KS, 0));
done:
    ks_ldsc_result_free(ctx, r);
    ks_ctx_free(ctx);
    PyMem_Free(prev);
    PyMem_Free(sel);
    PyMem_Free(t);
    Py_XDECREF(kt);
    return res;
}
