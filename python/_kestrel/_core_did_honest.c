/* _core_did_honest.c — the binding of HonestDiD (kestrel/did_honest.h): one call gives, for each
 * restriction size, the robust confidence interval, the identified set, and once the original
 * (parallel-trends) interval. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

#include <math.h>

static PyObject *py_did_honest(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"betahat", "sigma",   "num_pre", "delta",       "method",
                             "m",       "l_vec",   "alpha",   "grid_points", "grid_lb",
                             "grid_ub", "threads", NULL};
    PyObject *ob, *os, *om, *ol = Py_None;
    Py_ssize_t npre, ngrid = 0;
    const char *dname, *mname;
    double alpha = 0.05, glb = NAN, gub = NAN;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOnssO|Odnddi", kwlist, &ob, &os, &npre, &dname,
                                     &mname, &om, &ol, &alpha, &ngrid, &glb, &gub, &threads))
        return NULL;
    PyArrayObject *b = NULL, *s = NULL, *m = NULL, *l = NULL;
    PyObject *out = NULL;
    ks_ctx *ctx = NULL;
    double *res = NULL;
    b = (PyArrayObject *)PyArray_FROMANY(ob, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    /* column-major, as the library takes it */
    s = (PyArrayObject *)PyArray_FROMANY(os, NPY_DOUBLE, 2, 2, NPY_ARRAY_IN_FARRAY);
    m = (PyArrayObject *)PyArray_FROMANY(om, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (!b || !s || !m) goto done;
    if (ol != Py_None &&
        !(l = (PyArrayObject *)PyArray_FROMANY(ol, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY)))
        goto done;
    const npy_intp T = PyArray_DIM(b, 0), nm = PyArray_DIM(m, 0);
    if (PyArray_DIM(s, 0) != T || PyArray_DIM(s, 1) != T) {
        PyErr_Format(PyExc_ValueError, "sigma must be %zd x %zd (betahat's length)", (Py_ssize_t)T,
                     (Py_ssize_t)T);
        goto done;
    }
    if (npre < 1 || npre >= T) {
        PyErr_Format(PyExc_ValueError, "num_pre must be in 1..%zd", (Py_ssize_t)T - 1);
        goto done;
    }
    if (l && PyArray_DIM(l, 0) != T - npre) {
        PyErr_Format(PyExc_ValueError, "l_vec must have %zd entries (the post periods)",
                     (Py_ssize_t)(T - npre));
        goto done;
    }
    if (ngrid < 0) {
        PyErr_SetString(PyExc_ValueError, "grid_points must be >= 0");
        goto done;
    }
    if (ks_py_ctx(&ctx, threads)) goto done;
    ks_did_honest_args a = {.num_pre = (size_t)npre,
                            .num_post = (size_t)(T - npre),
                            .betahat = PyArray_DATA(b),
                            .sigma = PyArray_DATA(s),
                            .l_vec = l ? PyArray_DATA(l) : NULL,
                            .alpha = alpha,
                            .grid_points = (size_t)ngrid,
                            .grid_lb = glb,
                            .grid_ub = gub};
    int rc = ks_honest_delta_value(ctx, dname, &a.delta);
    if (rc == KS_OK) rc = ks_honest_ci_value(ctx, mname, &a.method);
    if (rc != KS_OK) {
        ks_py_raise(ctx, rc);
        goto done;
    }
    res = PyMem_Malloc((size_t)(4 * nm + 2) * sizeof *res);
    if (!res) {
        PyErr_NoMemory();
        goto done;
    }
    const double *mv = PyArray_DATA(m);
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_honest_original(ctx, &a, res + 4 * nm, res + 4 * nm + 1);
        if (rc == KS_OK)
            rc = ks_did_honest_idset(ctx, &a, mv, (size_t)nm, res + 2 * nm, res + 3 * nm);
        if (rc == KS_OK) rc = ks_did_honest(ctx, &a, mv, (size_t)nm, res, res + nm);
    Py_END_ALLOW_THREADS
    if (rc != KS_OK) {
        ks_py_raise(ctx, rc);
        goto done;
    }
    out = Py_BuildValue("{s:N,s:N,s:N,s:N,s:d,s:d}", "ci_lb", ks_py_arr(res, nm, 0), "ci_ub",
                        ks_py_arr(res + nm, nm, 0), "id_lb", ks_py_arr(res + 2 * nm, nm, 0),
                        "id_ub", ks_py_arr(res + 3 * nm, nm, 0), "orig_lb", res[4 * nm], "orig_ub",
                        res[4 * nm + 1]);
done:
    PyMem_Free(res);
    ks_ctx_free(ctx);
    Py_XDECREF(b);
    Py_XDECREF(s);
    Py_XDECREF(m);
    Py_XDECREF(l);
    return out;
}

PyMethodDef ks_py_did_honest_methods[] = {
    {"did_honest", (PyCFunction)(void (*)(void))py_did_honest, METH_VARARGS | METH_KEYWORDS,
     "did_honest(betahat, sigma, num_pre, delta, method, m, l_vec=None, alpha=0.05, "
     "grid_points=0, grid_lb=nan, grid_ub=nan, threads=0) -> dict"},
    {NULL, NULL, 0, NULL}};
