/* _core_gsem.c — the genomic SEM part of kestrel._core: munge and ldsc. Arguments are shaped
 * into the C options, results come back as dicts; no statistics is computed here. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"
#include <string.h>


static PyObject *report_dict(const ks_gsem_munge_report *r)
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
        "{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:O,s:N}", "rows",
        (Py_ssize_t)r->rows, "p_zero", (Py_ssize_t)r->p_zero, "n_missing",
        (Py_ssize_t)r->n_missing, "n_invalid", (Py_ssize_t)r->n_invalid, "duplicated",
        (Py_ssize_t)r->duplicated,
        "short_rows", (Py_ssize_t)r->short_rows, "not_in_ref", (Py_ssize_t)r->not_in_ref,
        "p_missing", (Py_ssize_t)r->p_missing, "effect_missing", (Py_ssize_t)r->effect_missing,
        "p_out_of_range", (Py_ssize_t)r->p_out_of_range, "or_negative",
        (Py_ssize_t)r->or_negative, "a1_mismatch", (Py_ssize_t)r->a1_mismatch, "a2_mismatch",
        (Py_ssize_t)r->a2_mismatch, "info_low", (Py_ssize_t)r->info_low, "info_missing",
        (Py_ssize_t)r->info_missing, "maf_low", (Py_ssize_t)r->maf_low, "written",
        (Py_ssize_t)r->written, "effect_is_or", r->effect_is_or ? Py_True : Py_False, "columns",
        cols);
}

/* ks_gsem_munge on Python sequences of paths, column specs and (ldsc: lo) ignored columns;
 * one dict per file from `dict`. Shared by both modes. */
static PyObject *munge_run(PyObject *paths, PyObject *outs, PyObject *columns, PyObject *ignore,
                           const char *ref, ks_gsem_munge_options *o, ks_gsem_munge_ldsc_options *lo,
                           int threads, PyObject *(*dict)(const ks_gsem_munge_report *))
{
    PyObject *kp = NULL, *ko = NULL, *kc = NULL, *ki = NULL, *res = NULL;
    Py_ssize_t n = 0, no = 0, nc = 0, ni = 0;
    const char **p = ks_py_str_list(paths, "paths", &kp, &n);
    const char **q = p ? ks_py_str_list(outs, "out_paths", &ko, &no) : NULL;
    const char **c = q && columns != Py_None ? ks_py_str_list(columns, "columns", &kc, &nc) : NULL;
    const char **ig = q && ignore != Py_None ? ks_py_str_list(ignore, "ignore", &ki, &ni) : NULL;
    ks_gsem_munge *m = NULL;
    ks_ctx *ctx = NULL;
    int rc = KS_OK;
    if (!q || (columns != Py_None && !c) || (ignore != Py_None && !ig)) goto done;
    if (n != no) {
        PyErr_SetString(PyExc_ValueError, "paths and out_paths differ in length");
        goto done;
    }
    o->columns = c;
    if (lo) lo->ignore = ig;
    if (ks_py_ctx(&ctx, threads)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_gsem_munge_run(ctx, (size_t)n, p, q, ref, o, &m);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_gsem_munge_view v;
    ks_gsem_munge_get(m, &v);
    res = PyList_New(n);
    for (Py_ssize_t i = 0; res && i < n; i++) {
        PyObject *d = dict(&v.reports[i]);
        if (!d) {
            Py_CLEAR(res);
            break;
        }
        PyList_SET_ITEM(res, i, d);
    }
done:
    ks_gsem_munge_free(m);
    PyMem_Free(p);
    PyMem_Free(q);
    PyMem_Free(c);
    PyMem_Free(ig);
    Py_XDECREF(kp);
    Py_XDECREF(ko);
    Py_XDECREF(kc);
    Py_XDECREF(ki);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

PyObject *ks_py_gsem_munge(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"paths", "out_paths", "ref", "N", "info_filter", "maf_filter",
                             "columns", "threads", NULL};
    PyObject *paths, *outs, *columns = Py_None;
    const char *ref;
    ks_gsem_munge_options o = KS_GSEM_MUNGE_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOs|dddOi", kwlist, &paths, &outs, &ref, &o.N,
                                     &o.info_filter, &o.maf_filter, &columns, &threads))
        return NULL;
    return munge_run(paths, outs, columns, Py_None, ref, &o, NULL, threads, report_dict);
}


/* One value per trait from a sequence: numbers into d (None: NaN), or else truth values into b;
 * None for the whole sequence: all NaN, or all false. */
static int per_trait(PyObject *o, Py_ssize_t k, double *d, int *b, const char *what)
{
    for (Py_ssize_t i = 0; i < k; i++) {
        if (d) d[i] = NAN;
        if (b) b[i] = 0;
    }
    if (o == Py_None) return 0;
    PyObject *f = PySequence_Fast(o, d ? "expected a sequence of numbers"
                                       : "expected a sequence of booleans");
    if (!f) return -1;
    int rc = 0;
    if (PySequence_Fast_GET_SIZE(f) != k) {
        PyErr_Format(PyExc_ValueError, "%s: %zd values for %zd traits", what,
                     PySequence_Fast_GET_SIZE(f), k);
        rc = -1;
    }
    for (Py_ssize_t i = 0; !rc && i < k; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(f, i);
        if (d) {
            d[i] = x == Py_None ? NAN : PyFloat_AsDouble(x);
            rc = d[i] == -1.0 && PyErr_Occurred() ? -1 : 0;
        } else {
            b[i] = PyObject_IsTrue(x);
            rc = b[i] < 0 ? -1 : 0;
        }
    }
    Py_DECREF(f);
    return rc;
}

/* A covstruc's view as the dict kestrel.gsem.LdscResult is made from. */
static PyObject *ldsc_dict(const ks_gsem_ldsc_view *r)
{
    const npy_intp K = (npy_intp)r->k, KS = (npy_intp)r->kstar;
    return Py_BuildValue(
        "{s:N,s:N,s:N,s:N,s:d,s:N,s:N,s:N,s:N,s:N,s:n,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,"
        "s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N,s:N}",
        "S", ks_py_arr(r->S, K, K), "V", ks_py_arr(r->V, KS, KS), "I",
        ks_py_arr(r->intercept, K, K), "N", ks_py_arr(r->N, KS, 0), "m", r->m, "S_stand",
        r->S_stand ? ks_py_arr(r->S_stand, K, K) : Py_NewRef(Py_None), "V_stand",
        r->V_stand ? ks_py_arr(r->V_stand, KS, KS) : Py_NewRef(Py_None), "S_se",
        ks_py_arr(r->S_se, K, K), "S_stand_se",
        r->S_stand_se ? ks_py_arr(r->S_stand_se, K, K) : Py_NewRef(Py_None), "liability_factor",
        ks_py_arr(r->liab, K, 0), "n_blocks", (Py_ssize_t)r->n_blocks, "snps_read",
        ks_py_sizes(r->snps_read, K), "snps_merged", ks_py_sizes(r->snps_merged, K), "snps_removed",
        ks_py_sizes(r->snps_removed, K), "snps_bad_n", ks_py_sizes(r->snps_bad_n, K), "snps_dup",
        ks_py_sizes(r->snps_dup, K), "snps_after_n", ks_py_sizes(r->snps_after_n, K), "snps_used",
        ks_py_sizes(r->snps_used, K), "chisq_max", ks_py_arr(r->chisq_max, K, 0), "mean_chisq",
        ks_py_arr(r->mean_chisq, K, 0), "lambda_gc", ks_py_arr(r->lambda_gc, K, 0), "h2_se",
        ks_py_arr(r->h2_se, K, 0), "intercept_se", ks_py_arr(r->intercept_se, K, 0), "ratio",
        ks_py_arr(r->ratio, K, 0), "ratio_se", ks_py_arr(r->ratio_se, K, 0), "pair_snps",
        ks_py_sizes(r->pair_snps, KS), "estimate", ks_py_arr(r->est, KS, 0), "estimate_se",
        ks_py_arr(r->est_se, KS, 0), "estimate_z", ks_py_arr(r->est_z, KS, 0), "estimate_p",
        ks_py_arr(r->est_p, KS, 0), "pair_intercept", ks_py_arr(r->pair_intercept, KS, 0),
        "pair_intercept_se", ks_py_arr(r->pair_intercept_se, KS, 0), "mean_zz",
        ks_py_arr(r->mean_zz, KS, 0), "names", ks_py_strs(r->names, r->k));
}

PyObject *ks_py_gsem_ldsc(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"traits",      "sample_prev", "population_prev", "ld",     "wld",
                             "sep_weights", "chr",         "n_blocks",        "select", "chisq_max",
                             "trait_names", NULL};
    PyObject *traits, *sp, *pp, *select = Py_None, *names = Py_None;
    const char *ld, *wld;
    ks_gsem_ldsc_options o = KS_GSEM_LDSC_OPTIONS_INIT;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOOss|piiOdO", kwlist, &traits, &sp, &pp, &ld, &wld,
                                     &o.sep_weights, &o.chr, &o.n_blocks, &select, &o.chisq_max,
                                     &names))
        return NULL;
    PyObject *kt = NULL, *kn = NULL, *res = NULL;
    Py_ssize_t k = 0, nn = 0;
    const char **t = ks_py_str_list(traits, "traits", &kt, &k);
    const char **tn = t && names != Py_None ? ks_py_str_list(names, "trait_names", &kn, &nn) : NULL;
    double *prev = t ? PyMem_Calloc(2 * (size_t)k + 1, sizeof *prev) : NULL;
    int *sel = NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *fit = NULL;
    int rc = KS_OK;
    if (!prev || (names != Py_None && !tn) || per_trait(sp, k, prev, NULL, "sample_prev") ||
        per_trait(pp, k, prev + k, NULL, "population_prev"))
        goto done;
    if (tn && nn != k) {
        PyErr_Format(PyExc_ValueError, "trait_names: %zd names for %zd traits", nn, k);
        goto done;
    }
    o.sample_prev = prev;
    o.population_prev = prev + k;
    o.trait_names = tn;
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
    if (ks_py_ctx(&ctx, 0)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_gsem_ldsc_fit(ctx, (size_t)k, t, ld, wld, &o, &fit);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_gsem_ldsc_view v;
    ks_gsem_ldsc_get(fit, &v);
    res = ldsc_dict(&v);
done:
    ks_gsem_ldsc_free(fit);
    PyMem_Free(prev);
    PyMem_Free(sel);
    PyMem_Free(t);
    PyMem_Free(tn);
    Py_XDECREF(kt);
    Py_XDECREF(kn);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

/* What a covstruc dict lends a view while ks_gsem_ldsc_make copies it. */
typedef struct {
    PyObject *keep; /* the arrays the view points into */
    const char **names;
    size_t *sizes; /* the counts, as size_t */
} lent;

static void lent_free(lent *l)
{
    Py_XDECREF(l->keep);
    PyMem_Free(l->names);
    PyMem_Free(l->sizes);
}

/* d[key] (missing or None: *out NULL, an error where required) as n float64 values: a vector of
 * n, or (square) an n x n matrix passed column-major. */
static int lend_doubles(PyObject *d, const char *key, size_t n, int square, int required, lent *l,
                        const double **out)
{
    *out = NULL;
    PyObject *o = PyDict_GetItemString(d, key);
    if (!o || o == Py_None) {
        if (required) PyErr_Format(PyExc_ValueError, "covstruc: %s is required", key);
        return required ? -1 : 0;
    }
    PyObject *a = PyArray_FROM_OTF(o, NPY_DOUBLE, NPY_ARRAY_F_CONTIGUOUS | NPY_ARRAY_ALIGNED);
    if (!a) return -1;
    PyArrayObject *arr = (PyArrayObject *)a;
    const int nd = PyArray_NDIM(arr);
    const npy_intp *dim = PyArray_DIMS(arr);
    const int ok = square ? nd == 2 && (size_t)dim[0] == n && (size_t)dim[1] == n
                          : nd == 1 && (size_t)dim[0] == n;
    if (!ok || PyList_Append(l->keep, a)) {
        if (!ok && square)
            PyErr_Format(PyExc_ValueError, "covstruc: %s must be a matrix of %zu x %zu", key, n, n);
        else if (!ok)
            PyErr_Format(PyExc_ValueError, "covstruc: %s must be a vector of %zu values", key, n);
        Py_DECREF(a);
        return -1;
    }
    Py_DECREF(a);
    *out = PyArray_DATA(arr);
    return 0;
}

/* d[key] (missing or None: NULL) as n counts into dst. */
static int lend_sizes(PyObject *d, const char *key, size_t n, size_t *dst, const size_t **out)
{
    *out = NULL;
    PyObject *o = PyDict_GetItemString(d, key);
    if (!o || o == Py_None) return 0;
    PyObject *a = PyArray_FROM_OTF(
        o, NPY_INT64, NPY_ARRAY_C_CONTIGUOUS | NPY_ARRAY_ALIGNED | NPY_ARRAY_FORCECAST);
    if (!a) return -1;
    PyArrayObject *arr = (PyArrayObject *)a;
    int rc = 0;
    if (PyArray_NDIM(arr) != 1 || (size_t)PyArray_DIMS(arr)[0] != n) {
        PyErr_Format(PyExc_ValueError, "covstruc: %s must be a vector of %zu counts", key, n);
        rc = -1;
    }
    const int64_t *v = rc ? NULL : PyArray_DATA(arr);
    for (size_t i = 0; !rc && i < n; i++) {
        if (v[i] < 0) {
            PyErr_Format(PyExc_ValueError, "covstruc: %s[%zu] = %lld is not a count", key, i,
                         (long long)v[i]);
            rc = -1;
        }
        dst[i] = (size_t)(rc ? 0 : v[i]);
    }
    Py_DECREF(a);
    if (!rc) *out = dst;
    return rc;
}

/* A covstruc dict (LdscResult.details' keys; "names", "S", "V" required) as a view lent from
 * it; -1 with the Python error set. */
static int lend_view(PyObject *d, ks_gsem_ldsc_view *v, lent *l)
{
    memset(v, 0, sizeof *v);
    memset(l, 0, sizeof *l);
    if (!PyDict_Check(d)) {
        PyErr_SetString(PyExc_TypeError, "covstruc: a dict");
        return -1;
    }
    PyObject *names = PyDict_GetItemString(d, "names");
    if (!names) {
        PyErr_SetString(PyExc_ValueError, "covstruc: names is required");
        return -1;
    }
    Py_ssize_t k = 0;
    if (!(l->keep = PyList_New(0))) return -1;
    PyObject *kn = NULL;
    const char **nm = ks_py_str_list(names, "names", &kn, &k);
    if (!nm) return -1;
    PyList_Append(l->keep, kn);
    Py_DECREF(kn);
    l->names = nm;
    if (k < 1) {
        PyErr_SetString(PyExc_ValueError, "covstruc: no trait names");
        return -1;
    }
    const size_t K = (size_t)k, KS = K * (K + 1) / 2;
    v->k = K;
    v->kstar = KS;
    v->names = nm;
    PyObject *m = PyDict_GetItemString(d, "m");
    v->m = !m || m == Py_None ? NAN : PyFloat_AsDouble(m);
    if (v->m == -1.0 && PyErr_Occurred()) return -1;
    PyObject *nb = PyDict_GetItemString(d, "n_blocks");
    if (nb && nb != Py_None) {
        const long long b = PyLong_AsLongLong(nb);
        if (b == -1 && PyErr_Occurred()) return -1;
        if (b < 0) {
            PyErr_SetString(PyExc_ValueError, "covstruc: n_blocks is not a count");
            return -1;
        }
        v->n_blocks = (size_t)b;
    }
    if (!(l->sizes = PyMem_Calloc(7 * K + KS, sizeof *l->sizes))) {
        PyErr_NoMemory();
        return -1;
    }
    struct {
        const char *key;
        size_t n;
        int square, required;
        const double **dst;
    } dd[] = {{"S", K, 1, 1, &v->S},
              {"V", KS, 1, 1, &v->V},
              {"I", K, 1, 0, &v->intercept},
              {"N", KS, 0, 0, &v->N},
              {"S_stand", K, 1, 0, &v->S_stand},
              {"V_stand", KS, 1, 0, &v->V_stand},
              {"liability_factor", K, 0, 0, &v->liab},
              {"chisq_max", K, 0, 0, &v->chisq_max},
              {"mean_chisq", K, 0, 0, &v->mean_chisq},
              {"lambda_gc", K, 0, 0, &v->lambda_gc},
              {"h2_se", K, 0, 0, &v->h2_se},
              {"intercept_se", K, 0, 0, &v->intercept_se},
              {"ratio", K, 0, 0, &v->ratio},
              {"ratio_se", K, 0, 0, &v->ratio_se},
              {"estimate", KS, 0, 0, &v->est},
              {"estimate_se", KS, 0, 0, &v->est_se},
              {"pair_intercept", KS, 0, 0, &v->pair_intercept},
              {"pair_intercept_se", KS, 0, 0, &v->pair_intercept_se},
              {"mean_zz", KS, 0, 0, &v->mean_zz}};
    for (size_t i = 0; i < sizeof dd / sizeof *dd; i++)
        if (lend_doubles(d, dd[i].key, dd[i].n, dd[i].square, dd[i].required, l, dd[i].dst))
            return -1;
    struct {
        const char *key;
        const size_t **dst;
    } ss[] = {{"snps_read", &v->snps_read},       {"snps_merged", &v->snps_merged},
              {"snps_removed", &v->snps_removed}, {"snps_bad_n", &v->snps_bad_n},
              {"snps_dup", &v->snps_dup},         {"snps_after_n", &v->snps_after_n},
              {"snps_used", &v->snps_used}};
    for (size_t i = 0; i < sizeof ss / sizeof *ss; i++)
        if (lend_sizes(d, ss[i].key, K, l->sizes + i * K, ss[i].dst)) return -1;
    return lend_sizes(d, "pair_snps", KS, l->sizes + 7 * K, &v->pair_snps);
}

int ks_py_ldsc_handle(ks_ctx *ctx, PyObject *covstruc, ks_gsem_ldsc **out)
{
    *out = NULL;
    PyObject *d =
        PyDict_Check(covstruc) ? Py_NewRef(covstruc) : PyObject_GetAttrString(covstruc, "details");
    if (!d) return -1;
    ks_gsem_ldsc_view v;
    lent l;
    int rc = lend_view(d, &v, &l);
    const int made = rc ? KS_OK : ks_gsem_ldsc_make(ctx, &v, out);
    if (made) {
        ks_py_raise(ctx, made);
        rc = -1;
    }
    lent_free(&l);
    Py_DECREF(d);
    return rc;
}

/* gsem_ldsc_make(d) -> dict: the covstruc checked and completed (S_Stand, SEs) in C. */
static PyObject *ks_py_gsem_ldsc_make(PyObject *self, PyObject *d)
{
    (void)self;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *r = NULL;
    PyObject *res = NULL;
    if (!ks_py_ctx(&ctx, 1) && !ks_py_ldsc_handle(ctx, d, &r)) {
        ks_gsem_ldsc_view v;
        ks_gsem_ldsc_get(r, &v);
        res = ldsc_dict(&v);
    }
    ks_gsem_ldsc_free(r);
    return ks_py_fit_end(res, KS_OK, ctx, NULL, NULL, NULL);
}

/* gsem_ldsc_save(path, d): the covstruc file. */
static PyObject *ks_py_gsem_ldsc_save(PyObject *self, PyObject *args)
{
    (void)self;
    const char *path;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "sO", &path, &d)) return NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *r = NULL;
    int rc = KS_OK;
    PyObject *res = NULL;
    if (!ks_py_ctx(&ctx, 1) && !ks_py_ldsc_handle(ctx, d, &r)) {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_gsem_ldsc_write(ctx, r, path);
        Py_END_ALLOW_THREADS
        if (!rc) res = Py_NewRef(Py_None);
    }
    ks_gsem_ldsc_free(r);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

/* gsem_ldsc_load(path) -> dict. */
static PyObject *ks_py_gsem_ldsc_load(PyObject *self, PyObject *args)
{
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *r = NULL;
    int rc = KS_OK;
    PyObject *res = NULL;
    if (!ks_py_ctx(&ctx, 1)) {
        Py_BEGIN_ALLOW_THREADS
            rc = ks_gsem_ldsc_read(ctx, path, &r);
        Py_END_ALLOW_THREADS
        if (!rc) {
            ks_gsem_ldsc_view v;
            ks_gsem_ldsc_get(r, &v);
            res = ldsc_dict(&v);
        }
    }
    ks_gsem_ldsc_free(r);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

static PyObject *sumstats_report(const ks_gsem_sumstats_report *r)
{
    static const char *const used[10] = {"SNP", "A1", "A2", "effect", "INFO",
                                         "P",   "N",  "MAF", "SE",     "DIRECTION"};
    PyObject *cols = PyDict_New();
    for (int k = 0; cols && k < 10; k++)
        if (r->used[k]) {
            PyObject *s = PyUnicode_FromString(r->used[k]);
            if (!s || PyDict_SetItemString(cols, used[k], s)) Py_CLEAR(cols);
            Py_XDECREF(s);
        }
    if (!cols) return NULL;
    return Py_BuildValue(
        "{s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:n,s:O,s:d,s:N}",
        "rows", (Py_ssize_t)r->rows, "n_invalid", (Py_ssize_t)r->n_invalid, "p_zero",
        (Py_ssize_t)r->p_zero, "short_rows", (Py_ssize_t)r->short_rows, "duplicated",
        (Py_ssize_t)r->duplicated, "direction_low", (Py_ssize_t)r->direction_low, "not_in_ref",
        (Py_ssize_t)r->not_in_ref, "p_missing", (Py_ssize_t)r->p_missing, "effect_missing",
        (Py_ssize_t)r->effect_missing, "maf_invalid", (Py_ssize_t)r->maf_invalid, "or_negative",
        (Py_ssize_t)r->or_negative, "effect_zero", (Py_ssize_t)r->effect_zero, "a1_mismatch",
        (Py_ssize_t)r->a1_mismatch, "a2_mismatch", (Py_ssize_t)r->a2_mismatch, "info_low",
        (Py_ssize_t)r->info_low, "info_missing", (Py_ssize_t)r->info_missing, "not_finite",
        (Py_ssize_t)r->not_finite, "written", (Py_ssize_t)r->written, "effect_is_or",
        r->effect_is_or ? Py_True : Py_False, "mean_abs_z", r->mean_abs_z, "columns", cols);
}

/* One reference column: int64 when every cell is an integer, float64 when every cell is a
 * number ("NA" as NaN), else str objects. */
static PyObject *ref_column(const ks_gsem_sumstats_view *r, size_t c)
{
    const npy_intp n = (npy_intp)r->n;
    int kind = 2; /* 2 integer, 1 number, 0 text */
    for (npy_intp i = 0; i < n && kind; i++) {
        const char *s = r->cell[(size_t)i * r->ncol + c];
        char *e;
        if (kind == 2) {
            (void)strtoll(s, &e, 10);
            if (*s && !*e) continue;
            kind = 1;
        }
        if (!strcmp(s, "NA")) continue;
        (void)strtod(s, &e);
        if (!*s || *e) kind = 0;
    }
    PyObject *a = PyArray_SimpleNew(1, &n, kind == 2 ? NPY_INT64 : kind ? NPY_DOUBLE : NPY_OBJECT);
    if (!a) return NULL;
    for (npy_intp i = 0; i < n; i++) {
        const char *s = r->cell[(size_t)i * r->ncol + c];
        if (kind == 2)
            ((npy_int64 *)PyArray_DATA((PyArrayObject *)a))[i] = strtoll(s, NULL, 10);
        else if (kind == 1)
            ((double *)PyArray_DATA((PyArrayObject *)a))[i] = strcmp(s, "NA") ? strtod(s, NULL)
                                                                               : NAN;
        else {
            PyObject *u = PyUnicode_FromString(s);
            if (!u) {
                Py_DECREF(a);
                return NULL;
            }
            ((PyObject **)PyArray_DATA((PyArrayObject *)a))[i] = u;
        }
    }
    return a;
}

static void sumstats_capsule_free(PyObject *cap)
{
    ks_gsem_sumstats_free(PyCapsule_GetPointer(cap, KS_PY_SUMSTATS_CAPSULE));
}

PyObject *ks_py_gsem_sumstats(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"paths", "ref", "N", "se_logit", "OLS", "linprob", "betas",
                             "info_filter", "maf_filter", "keep_indel", "ambig",
                             "direct_filter", "columns", "out", "names", "threads", NULL};
    PyObject *paths, *N = Py_None, *se_logit = Py_None, *ols = Py_None, *linprob = Py_None;
    PyObject *betas = Py_None, *columns = Py_None, *names = Py_None;
    const char *ref, *out = NULL;
    ks_gsem_sumstats_options o = KS_GSEM_SUMSTATS_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "Os|OOOOOddpppOzOi", kwlist, &paths, &ref, &N,
                                     &se_logit, &ols, &linprob, &betas, &o.info_filter,
                                     &o.maf_filter, &o.keep_indel, &o.ambig, &o.direct_filter,
                                     &columns, &out, &names, &threads))
        return NULL;
    PyObject *kp = NULL, *kc = NULL, *kn = NULL, *res = NULL;
    Py_ssize_t k = 0, nc = 0, nn = 0;
    const char **p = ks_py_str_list(paths, "paths", &kp, &k);
    const char **c = p && columns != Py_None ? ks_py_str_list(columns, "columns", &kc, &nc) : NULL;
    const char **nm = p && names != Py_None ? ks_py_str_list(names, "names", &kn, &nn) : NULL;
    double *Nv = p ? PyMem_Calloc((size_t)k + 1, sizeof *Nv) : NULL;
    int *fl = p ? PyMem_Calloc(4 * (size_t)k + 1, sizeof *fl) : NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_sumstats *ss = NULL;
    int rc = KS_OK;
    if (!Nv || !fl || (columns != Py_None && !c) || (names != Py_None && !nm)) {
        if (!PyErr_Occurred()) PyErr_NoMemory();
        goto done;
    }
    if (per_trait(N, k, Nv, NULL, "N") || per_trait(se_logit, k, NULL, fl, "se_logit") ||
        per_trait(ols, k, NULL, fl + k, "OLS") ||
        per_trait(linprob, k, NULL, fl + 2 * k, "linprob") ||
        per_trait(betas, k, NULL, fl + 3 * k, "betas"))
        goto done;
    if (out && nn != k) {
        PyErr_SetString(PyExc_ValueError, "names: one per file is needed to write `out`");
        goto done;
    }
    o.N = Nv;
    o.se_logit = fl;
    o.ols = fl + k;
    o.linprob = fl + 2 * k;
    o.betas = fl + 3 * k;
    o.columns = c;
    if (ks_py_ctx(&ctx, threads)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_gsem_sumstats_run(ctx, (size_t)k, p, ref, &o, &ss);
        if (!rc && out) rc = ks_gsem_sumstats_write(ctx, ss, nm, (size_t)nn, out);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_gsem_sumstats_view v;
    ks_gsem_sumstats_get(ss, &v);
    const ks_gsem_sumstats_view *r = &v;
    PyObject *cn = PyList_New((Py_ssize_t)r->ncol), *cv = PyList_New((Py_ssize_t)r->ncol);
    PyObject *reps = PyList_New(k);
    for (size_t j = 0; cn && cv && j < r->ncol; j++) {
        PyObject *s = PyUnicode_FromString(r->colnames[j]), *a = s ? ref_column(r, j) : NULL;
        PyList_SET_ITEM(cn, (Py_ssize_t)j, s ? s : Py_NewRef(Py_None));
        PyList_SET_ITEM(cv, (Py_ssize_t)j, a ? a : Py_NewRef(Py_None));
        if (!a) Py_CLEAR(cv);
    }
    for (Py_ssize_t i = 0; reps && i < k; i++) {
        PyObject *d = sumstats_report(&r->reports[i]);
        if (!d) {
            Py_CLEAR(reps);
            break;
        }
        PyList_SET_ITEM(reps, i, d);
    }
    if (cn && cv && reps)
        res = Py_BuildValue("{s:N,s:N,s:N,s:N,s:N,s:n,s:n}", "columns", cn, "ref", cv, "beta",
                            ks_py_arr(r->beta, (npy_intp)r->n, (npy_intp)k), "se",
                            ks_py_arr(r->se, (npy_intp)r->n, (npy_intp)k), "reports", reps, "ref_rows",
                            (Py_ssize_t)r->ref_rows, "ref_kept", (Py_ssize_t)r->ref_kept);
    else {
        Py_XDECREF(cn);
        Py_XDECREF(cv);
        Py_XDECREF(reps);
    }
    if (res) { /* the handle, kept for the GWAS (ks_py_sumstats_handle) */
        PyObject *cap = PyCapsule_New(ss, KS_PY_SUMSTATS_CAPSULE, sumstats_capsule_free);
        if (cap) ss = NULL;
        if (!cap || PyDict_SetItemString(res, "handle", cap)) Py_CLEAR(res);
        Py_XDECREF(cap);
    }
done:
    ks_gsem_sumstats_free(ss);
    PyMem_Free(Nv);
    PyMem_Free(fl);
    PyMem_Free(p);
    PyMem_Free(c);
    PyMem_Free(nm);
    Py_XDECREF(kp);
    Py_XDECREF(kc);
    Py_XDECREF(kn);
    return ks_py_fit_end(res, rc, ctx, NULL, NULL, NULL);
}

/* munge_sumstats's report (mode ldsc) as a dict; NaN numbers stay NaN. */
static int put(PyObject *d, const char *key, PyObject *v)
{
    const int rc = v ? PyDict_SetItemString(d, key, v) : -1;
    Py_XDECREF(v);
    return rc;
}

static PyObject *ldsc_report_dict(const ks_gsem_munge_report *r)
{
    static const char *const role[KS_GSEM_LDSC_NCOL] = {"SNP", "A1", "A2", "P", "N", "N_CAS",
                                                   "N_CON", "SIGNED_SUMSTAT", "INFO", "FRQ",
                                                   "NSTUDY"};
    const ks_gsem_munge_ldsc_report *l = &r->ldsc;
    const struct {
        const char *k;
        size_t v;
    } sizes[] = {{"rows", r->rows},
                 {"short_rows", r->short_rows},
                 {"written", r->written},
                 {"na", l->na},
                 {"not_in_merge", l->not_in_merge},
                 {"info_low", l->info_low},
                 {"frq_low", l->frq_low},
                 {"p_bad", l->p_bad},
                 {"alleles_bad", l->alleles_bad},
                 {"duplicates", l->duplicates},
                 {"n_low", l->n_low},
                 {"nstudy_low", l->nstudy_low},
                 {"n_invalid", l->n_invalid},
                 {"merge_mismatch", l->merge_mismatch},
                 {"merge_missing", l->merge_missing},
                 {"nonmissing", l->nonmissing},
                 {"info_out_of_range", l->info_out_of_range},
                 {"frq_out_of_range", l->frq_out_of_range},
                 {"p_out_of_range", l->p_out_of_range},
                 {"merge_snps", l->merge_snps},
                 {"n_sig", l->n_sig},
                 {"left_filters", l->left_filters},
                 {"left_duplicates", l->left_duplicates},
                 {"left_n_filter", l->left_n_filter},
                 {"left_n_valid", l->left_n_valid},
                 {"left_merge", l->left_merge}};
    const struct {
        const char *k;
        double v;
    } nums[] = {{"N_cas", l->N_cas},           {"N_con", l->N_con},
                {"N_const", l->N_const},       {"n_min", l->n_min},
                {"nstudy_min", l->nstudy_min}, {"median_signed", l->median_signed},
                {"signed_null", l->signed_null}, {"mean_chisq", l->mean_chisq},
                {"lambda_gc", l->lambda_gc},   {"max_chisq", l->max_chisq}};
    PyObject *d = PyDict_New(), *cols = PyDict_New();
    int bad = !d || !cols;
    for (size_t i = 0; !bad && i < sizeof sizes / sizeof *sizes; i++)
        bad = put(d, sizes[i].k, PyLong_FromSize_t(sizes[i].v));
    for (size_t i = 0; !bad && i < sizeof nums / sizeof *nums; i++)
        bad = put(d, nums[i].k, PyFloat_FromDouble(nums[i].v));
    for (int k = 0; !bad && k < KS_GSEM_LDSC_NCOL; k++)
        if (l->used[k]) bad = put(cols, role[k], PyUnicode_FromString(l->used[k]));
    if (!bad)
        bad = put(d, "signed_name", l->signed_name ? PyUnicode_FromString(l->signed_name)
                                                   : Py_NewRef(Py_None));
    if (!bad) bad = put(d, "columns", Py_NewRef(cols));
    Py_XDECREF(cols);
    if (bad) Py_CLEAR(d);
    return d;
}

PyObject *ks_py_gsem_munge_ldsc(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"paths", "out_paths", "merge", "N", "info_min", "maf_min",
                             "columns", "N_cas", "N_con", "n_min", "nstudy_min",
                             "signed_sumstats", "a1_inc", "daner", "daner_n", "keep_maf",
                             "no_alleles", "ignore", "decimals", "threads", NULL};
    PyObject *paths, *outs, *columns = Py_None, *ignore = Py_None;
    const char *merge = NULL;
    ks_gsem_munge_options o = KS_GSEM_MUNGE_OPTIONS_INIT;
    ks_gsem_munge_ldsc_options lo = KS_GSEM_MUNGE_LDSC_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OO|zdddOddddzpppppOii", kwlist, &paths, &outs,
                                     &merge, &o.N, &o.info_filter, &o.maf_filter, &columns,
                                     &lo.N_cas, &lo.N_con, &lo.n_min, &lo.nstudy_min,
                                     &lo.signed_sumstats, &lo.a1_inc, &lo.daner, &lo.daner_n,
                                     &lo.keep_maf, &lo.no_alleles, &ignore, &lo.decimals,
                                     &threads))
        return NULL;
    o.mode = KS_GSEM_MUNGE_LDSC;
    o.ldsc = &lo;
    return munge_run(paths, outs, columns, ignore, merge, &o, &lo, threads, ldsc_report_dict);
}

PyMethodDef ks_py_gsem_methods[] = {
    {"gsem_munge", (PyCFunction)(void (*)(void))ks_py_gsem_munge, METH_VARARGS | METH_KEYWORDS,
     "gsem_munge(paths, out_paths, ref, N=0, info_filter=.9, maf_filter=.01, columns=None, "
     "threads=0) -> [report dict]"},
    {"gsem_munge_ldsc", (PyCFunction)(void (*)(void))ks_py_gsem_munge_ldsc,
     METH_VARARGS | METH_KEYWORDS,
     "gsem_munge_ldsc(paths, out_paths, merge=None, N=0, ..., decimals=3, threads=0) -> "
     "[report dict] (munge_sumstats.py's rules)"},
    {"gsem_ldsc", (PyCFunction)(void (*)(void))ks_py_gsem_ldsc, METH_VARARGS | METH_KEYWORDS,
     "gsem_ldsc(traits, sample_prev, population_prev, ld, wld, ..., trait_names=None) -> dict"},
    {"gsem_ldsc_make", (PyCFunction)ks_py_gsem_ldsc_make, METH_O,
     "gsem_ldsc_make(dict) -> dict: a covstruc from its arrays, checked and completed"},
    {"gsem_ldsc_save", (PyCFunction)ks_py_gsem_ldsc_save, METH_VARARGS,
     "gsem_ldsc_save(path, dict): the covstruc file"},
    {"gsem_ldsc_load", (PyCFunction)ks_py_gsem_ldsc_load, METH_VARARGS,
     "gsem_ldsc_load(path) -> dict"},
    {"gsem_sumstats", (PyCFunction)(void (*)(void))ks_py_gsem_sumstats,
     METH_VARARGS | METH_KEYWORDS,
     "gsem_sumstats(paths, ref, N=None, se_logit=None, OLS=None, ...) -> dict"},
    {NULL, NULL, 0, NULL},
};
