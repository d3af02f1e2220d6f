/* _core_did_conley.c — the regression with Conley spatial-HAC errors (kestrel/did_conley.h) for
 * kestrel._core. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"
#include "kestrel/did_conley.h"

static PyObject *py_did_conley(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"formula",    "columns", "lat",     "lon",    "cutoff",
                             "time",       "unit",    "cluster", "metric", "kernel",
                             "lag_cutoff", "threads", NULL};
    const char *formula;
    PyObject *cols;
    ks_did_conley_options o = KS_DID_CONLEY_OPTIONS_INIT;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "sOssd|zzzssii", kwlist, &formula, &cols, &o.lat,
                                     &o.lon, &o.conley.cutoff, &o.time, &o.unit, &o.cluster,
                                     &o.conley.metric, &o.conley.kernel, &o.conley.lag_cutoff,
                                     &threads))
        return NULL;
    ks_ctx *ctx;
    ks_table *t;
    PyObject *keep, *notes, *out = NULL;
    ks_did_conley *r = NULL;
    int rc = KS_OK;
    if (ks_py_fit_begin(cols, threads, &ctx, &t, &keep, &notes)) goto done;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_conley_fit(ctx, t, formula, &o, &r);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    ks_did_conley_view v;
    ks_did_conley_get(r, &v);
    const npy_intp K = (npy_intp)v.ncoef;
    out = Py_BuildValue("{s:N,s:N,s:N,s:N,s:d,s:n,s:n,s:O}", "names", ks_py_strs(v.names, v.ncoef),
                        "coef", ks_py_arr(v.coef, K, 0), "se", ks_py_arr(v.se, K, 0), "vcov",
                        ks_py_arr(v.vcov, K, K), "df", v.df, "nobs", (Py_ssize_t)v.nobs, "npairs",
                        (Py_ssize_t)v.npairs, "notes", notes);
done:
    ks_did_conley_free(r);
    return ks_py_fit_end(out, rc, ctx, t, keep, notes);
}

PyMethodDef ks_py_did_conley_methods[] = {
    {"did_conley", (PyCFunction)(void (*)(void))py_did_conley, METH_VARARGS | METH_KEYWORDS,
     "did_conley(formula, columns, lat, lon, cutoff, time=None, unit=None, cluster=None, "
     "metric='haversine', kernel='bartlett', lag_cutoff=0, threads=0) -> dict (names, coef, se, "
     "vcov, df, nobs, npairs, notes)"},
    {NULL, NULL, 0, NULL},
};
