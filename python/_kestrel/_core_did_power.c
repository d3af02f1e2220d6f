/* _core_did_power.c — bindings of did_power.h: the pre-trends test's power and MDV, analytical
 * power, the simulated designs and simulation power. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

/* A C-contiguous double array of `obj` (a new reference) with `nd` dimensions, NULL with a
 * TypeError/ValueError naming `what`. */
static PyArrayObject *dbl(PyObject *obj, int nd, const char *what)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROMANY(obj, NPY_DOUBLE, nd, nd,
                                                        NPY_ARRAY_IN_ARRAY | NPY_ARRAY_FORCECAST);
    if (!a) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError, "%s: expected a %d-dimensional array of numbers", what, nd);
    }
    return a;
}

/* vcov (k x k) and w (k) checked for shape; 0 or -1 with the error set. */
static int vcov_w(PyObject *V, PyObject *W, PyArrayObject **v, PyArrayObject **w, size_t *k)
{
    *v = dbl(V, 2, "vcov");
    *w = *v ? dbl(W, 1, "weights") : NULL;
    if (!*w) return -1;
    *k = (size_t)PyArray_DIM(*w, 0);
    if ((size_t)PyArray_DIM(*v, 0) != *k || (size_t)PyArray_DIM(*v, 1) != *k) {
        PyErr_Format(PyExc_ValueError, "vcov must be %zu x %zu (the weights' length)", *k, *k);
        return -1;
    }
    return 0;
}

static int pretrends_opts(ks_ctx *ctx, const char *form, double alpha, double z, double abseps,
                          double tol, ks_did_pretrends_options *o)
{
    ks_did_pretrends_options d = KS_DID_PRETRENDS_OPTIONS_INIT;
    *o = d;
    o->alpha = alpha;
    o->z = z;
    if (abseps > 0) o->abseps = abseps;
    if (tol > 0) o->tol = tol;
    return ks_did_pretest_value(ctx, form, &o->form);
}

static PyObject *py_mvn_box(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"sigma", "lower", "upper", "abseps", "max_points", "threads", NULL};
    PyObject *S, *L, *U;
    double abseps = 0;
    Py_ssize_t maxp = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|dni", kwlist, &S, &L, &U, &abseps, &maxp,
                                     &threads))
        return NULL;
    PyArrayObject *s = dbl(S, 2, "sigma"), *l = s ? dbl(L, 1, "lower") : NULL,
                  *u = l ? dbl(U, 1, "upper") : NULL;
    PyObject *out = NULL;
    ks_ctx *ctx = NULL;
    if (!u) goto done;
    const size_t k = (size_t)PyArray_DIM(l, 0);
    if ((size_t)PyArray_DIM(u, 0) != k || (size_t)PyArray_DIM(s, 0) != k ||
        (size_t)PyArray_DIM(s, 1) != k) {
        PyErr_SetString(PyExc_ValueError, "sigma must be k x k and lower, upper of length k");
        goto done;
    }
    if (ks_py_ctx(&ctx, threads)) goto done;
    double p = NAN, err = NAN;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_mvn_box(ctx, k, PyArray_DATA(s), PyArray_DATA(l), PyArray_DATA(u), abseps,
                            (size_t)(maxp < 0 ? 0 : maxp), &p, &err);
    Py_END_ALLOW_THREADS
    out = rc ? ks_py_raise(ctx, rc) : Py_BuildValue("(dd)", p, err);
done:
    Py_XDECREF(s);
    Py_XDECREF(l);
    Py_XDECREF(u);
    ks_ctx_free(ctx);
    return out;
}

static PyObject *py_pretrends(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"vcov", "weights", "M",   "target",  "form", "alpha",
                             "z",    "abseps",  "tol", "threads", NULL};
    PyObject *V, *W, *Mobj;
    const char *form = "nis";
    double target = NAN, alpha = 0.05, z = NAN, abseps = 0, tol = 0;
    int threads = 0;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "OOO|dsddddi", kwlist, &V, &W, &Mobj, &target, &form,
                                     &alpha, &z, &abseps, &tol, &threads))
        return NULL;
    PyArrayObject *v = NULL, *w = NULL, *m = NULL;
    PyObject *out = NULL, *pw = NULL;
    ks_ctx *ctx = NULL;
    size_t k;
    ks_did_pretrends_options o;
    int rc = KS_OK;
    if (vcov_w(V, W, &v, &w, &k) || !(m = dbl(Mobj, 1, "M_grid")) || ks_py_ctx(&ctx, threads))
        goto done;
    if ((rc = pretrends_opts(ctx, form, alpha, z, abseps, tol, &o))) goto done;
    const npy_intp nm = PyArray_DIM(m, 0);
    if (!(pw = PyArray_SimpleNew(1, &nm, NPY_DOUBLE))) goto done;
    double mdv = NAN;
    ks_did_pretrends_point pt = {NAN, NAN, NAN, NAN, NAN, NAN};
    Py_BEGIN_ALLOW_THREADS
        if (nm == 1) { /* one point: with its details */
            rc = ks_did_pretrends_power(ctx, k, PyArray_DATA(v), PyArray_DATA(w),
                                        ((double *)PyArray_DATA(m))[0], &o, &pt);
            ((double *)PyArray_DATA((PyArrayObject *)pw))[0] = pt.power;
        } else {
            rc = ks_did_pretrends_curve(ctx, k, PyArray_DATA(v), PyArray_DATA(w), (size_t)nm,
                                        PyArray_DATA(m), &o, PyArray_DATA((PyArrayObject *)pw));
        }
        if (!rc && !isnan(target))
            rc = ks_did_pretrends_mdv(ctx, k, PyArray_DATA(v), PyArray_DATA(w), target, &o, &mdv);
    Py_END_ALLOW_THREADS
    if (rc) goto done;
    out = Py_BuildValue("{s:O,s:d,s:d,s:d,s:d,s:d,s:d}", "power", pw, "mdv", mdv, "accept",
                        pt.accept, "err", pt.err, "critical_value", pt.critical_value,
                        "noncentrality", pt.noncentrality, "test_statistic", pt.test_statistic);
done:
    Py_XDECREF(v);
    Py_XDECREF(w);
    Py_XDECREF(m);
    Py_XDECREF(pw);
    if (rc) out = ks_py_raise(ctx, rc);
    ks_ctx_free(ctx);
    return out;
}

static int power_opts(ks_ctx *ctx, double alpha, double power, const char *alt,
                      ks_did_power_options *o)
{
    o->alpha = alpha;
    o->power = power;
    return ks_did_alternative_value(ctx, alt, &o->alternative);
}

/* did_power(alpha, power, alternative, n_treated, n_control, n_pre, n_post, sigma, rho, deff,
 * effects, treat_frac) -> dict: variance, se, mde, power (per effect), required_n, and the
 * sample_size split for effects[0] (n_total, n_treated, n_control). n_treated <= 0: no variance. */
static PyObject *py_power(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"alpha",   "power",      "alternative", "n_treated", "n_control",
                             "n_pre",   "n_post",     "sigma",       "rho",       "deff",
                             "effects", "treat_frac", NULL};
    double alpha, power, sigma, rho, deff, tfrac;
    double nt, nc;
    int npre, npost;
    const char *alt;
    PyObject *E;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "ddsddiidddOd", kwlist, &alpha, &power, &alt, &nt,
                                     &nc, &npre, &npost, &sigma, &rho, &deff, &E, &tfrac))
        return NULL;
    ks_ctx *ctx = NULL;
    PyArrayObject *e = NULL;
    PyObject *out = NULL, *pw = NULL;
    int rc = KS_OK;
    if (!(e = dbl(E, 1, "effect_sizes")) || ks_py_ctx(&ctx, 1)) goto done;
    ks_did_power_options o;
    if ((rc = power_opts(ctx, alpha, power, alt, &o))) goto done;
    ks_did_power_design d = {nt, nc, npre, npost, sigma, rho, deff};
    double var = NAN, se = NAN, mde = NAN;
    if (nt > 0 || nc > 0) {
        if ((rc = ks_did_power_variance(ctx, &d, &var))) goto done;
        se = sqrt(var);
        mde = ks_did_power_mde(&o, se);
    }
    const npy_intp ne = PyArray_DIM(e, 0);
    if (!(pw = PyArray_SimpleNew(1, &ne, NPY_DOUBLE))) goto done;
    const double *ev = PyArray_DATA(e);
    for (npy_intp i = 0; i < ne; i++)
        ((double *)PyArray_DATA((PyArrayObject *)pw))[i] = ks_did_power_at(&o, ev[i], se);
    int64_t ntot = 0, ntr = 0, nco = 0;
    if (ne > 0 && tfrac > 0 &&
        (rc = ks_did_power_sample_size(ctx, &o, &d, ev[0], tfrac, &ntot, &ntr, &nco)))
        goto done;
    out = Py_BuildValue("{s:d,s:d,s:d,s:O,s:L,s:L,s:L}", "variance", var, "se", se, "mde", mde,
                        "power", pw, "n_total", (long long)ntot, "n_treated", (long long)ntr,
                        "n_control", (long long)nco);
done:
    Py_XDECREF(e);
    Py_XDECREF(pw);
    if (rc) out = ks_py_raise(ctx, rc);
    ks_ctx_free(ctx);
    return out;
}

/* The designs from keyword dicts: basic (generate_did_data's names) and staggered. */
static int basic_design(PyObject *d, ks_did_dgp_basic *b)
{
    unsigned long long seed = 0;
    Py_ssize_t n, T;
    static char *kwlist[] = {"n_units",
                             "n_periods",
                             "treatment_effect",
                             "treatment_fraction",
                             "treatment_period",
                             "unit_fe_sd",
                             "time_trend",
                             "noise_sd",
                             "seed",
                             NULL};
    PyObject *empty = PyTuple_New(0);
    if (!empty) return -1;
    const int ok = PyArg_ParseTupleAndKeywords(
        empty, d, "nnddidddK", kwlist, &n, &T, &b->treatment_effect, &b->treatment_fraction,
        &b->treatment_period, &b->unit_fe_sd, &b->time_trend, &b->noise_sd, &seed);
    Py_DECREF(empty);
    if (!ok) return -1;
    if (n < 0 || T < 0) {
        PyErr_SetString(PyExc_ValueError, "n_units and n_periods must be >= 0");
        return -1;
    }
    b->n_units = (size_t)n;
    b->n_periods = (size_t)T;
    b->seed = (uint64_t)seed;
    return 0;
}

static int staggered_design(PyObject *d, ks_did_dgp_staggered *s, int **cohorts)
{
    unsigned long long seed = 0;
    Py_ssize_t n, T;
    PyObject *C;
    static char *kwlist[] = {"n_units",
                             "n_periods",
                             "cohort_periods",
                             "never_treated_frac",
                             "treatment_effect",
                             "dynamic_effects",
                             "effect_growth",
                             "unit_fe_sd",
                             "time_trend",
                             "noise_sd",
                             "seed",
                             "cross_sections",
                             NULL};
    PyObject *empty = PyTuple_New(0);
    if (!empty) return -1;
    s->cross_sections = 0;
    const int ok = PyArg_ParseTupleAndKeywords(
        empty, d, "nnOddpddddK|p", kwlist, &n, &T, &C, &s->never_treated_frac, &s->treatment_effect,
        &s->dynamic_effects, &s->effect_growth, &s->unit_fe_sd, &s->time_trend, &s->noise_sd, &seed,
        &s->cross_sections);
    Py_DECREF(empty);
    if (!ok) return -1;
    if (n < 0 || T < 0) {
        PyErr_SetString(PyExc_ValueError, "n_units and n_periods must be >= 0");
        return -1;
    }
    PyObject *seq = PySequence_Fast(C, "cohort_periods must be a sequence of int");
    if (!seq) return -1;
    const Py_ssize_t nc = PySequence_Fast_GET_SIZE(seq);
    *cohorts = PyMem_Malloc((size_t)(nc ? nc : 1) * sizeof **cohorts);
    if (!*cohorts) {
        Py_DECREF(seq);
        PyErr_NoMemory();
        return -1;
    }
    for (Py_ssize_t i = 0; i < nc; i++) {
        const long v = PyLong_AsLong(PySequence_Fast_GET_ITEM(seq, i));
        if (v == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
        (*cohorts)[i] = (int)v;
    }
    Py_DECREF(seq);
    s->n_units = (size_t)n;
    s->n_periods = (size_t)T;
    s->cohort_periods = *cohorts;
    s->ncohort = (size_t)nc;
    s->seed = (uint64_t)seed;
    return 0;
}

/* A generated table as a dict of NumPy arrays (copies), in column order. */
static PyObject *table_dict(const ks_table *t)
{
    PyObject *out = PyDict_New();
    const npy_intp n = (npy_intp)ks_table_nrow(t);
    for (size_t j = 0; out && j < ks_table_ncol(t); j++) {
        const int i64 = ks_table_col_type(t, j) == KS_COL_INT64;
        PyObject *a = PyArray_SimpleNew(1, &n, i64 ? NPY_INT64 : NPY_DOUBLE);
        if (a)
            memcpy(PyArray_DATA((PyArrayObject *)a),
                   i64 ? (const void *)ks_table_int64(t, j) : (const void *)ks_table_float64(t, j),
                   (size_t)n * 8);
        if (!a || PyDict_SetItemString(out, ks_table_col_name(t, j), a)) Py_CLEAR(out);
        Py_XDECREF(a);
    }
    return out;
}

static PyObject *py_generate(PyObject *self, PyObject *args)
{
    (void)self;
    const char *kind;
    PyObject *d;
    if (!PyArg_ParseTuple(args, "sO!", &kind, &PyDict_Type, &d)) return NULL;
    ks_ctx *ctx = NULL;
    ks_table *t = NULL;
    int *cohorts = NULL, rc = KS_OK;
    PyObject *out = NULL;
    if (ks_py_ctx(&ctx, 1)) goto done;
    if (!strcmp(kind, "basic")) {
        ks_did_dgp_basic b;
        if (basic_design(d, &b)) goto done;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_did_generate_did_data(ctx, &b, &t);
        Py_END_ALLOW_THREADS
    } else {
        ks_did_dgp_staggered s;
        if (staggered_design(d, &s, &cohorts)) goto done;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_did_generate_staggered_data(ctx, &s, &t);
        Py_END_ALLOW_THREADS
    }
    out = rc ? ks_py_raise(ctx, rc) : table_dict(t);
done:
    PyMem_Free(cohorts);
    ks_table_free(t);
    ks_ctx_free(ctx);
    return out;
}

static PyObject *py_simulate(PyObject *self, PyObject *args, PyObject *kw)
{
    (void)self;
    static char *kwlist[] = {"estimator", "design", "effects", "n_simulations", "seed",
                             "alpha",     "robust", "method",  "threads",       NULL};
    int est, robust = 1, method = 0, threads = 0;
    PyObject *d, *E;
    Py_ssize_t nsim;
    unsigned long long seed = 0;
    double alpha = 0.05;
    if (!PyArg_ParseTupleAndKeywords(args, kw, "iO!On|Kdpii", kwlist, &est, &PyDict_Type, &d, &E,
                                     &nsim, &seed, &alpha, &robust, &method, &threads))
        return NULL;
    ks_ctx *ctx = NULL;
    PyArrayObject *e = NULL;
    PyObject *arr[5] = {NULL}, *out = NULL, *fails = NULL;
    int *cohorts = NULL, rc = KS_OK;
    ks_did_dgp_basic b;
    ks_did_dgp_staggered s;
    if (nsim < 1) {
        PyErr_SetString(PyExc_ValueError, "n_simulations must be >= 1");
        return NULL;
    }
    if (!(e = dbl(E, 1, "effect_sizes"))) goto done;
    if (est == KS_DID_SIM_CS ? staggered_design(d, &s, &cohorts) : basic_design(d, &b)) goto done;
    const npy_intp ne = PyArray_DIM(e, 0), dims[2] = {ne, nsim};
    for (int i = 0; i < 5; i++)
        if (!(arr[i] = PyArray_SimpleNew(2, dims, NPY_DOUBLE))) goto done;
    size_t *nf = PyMem_Malloc((size_t)(ne ? ne : 1) * sizeof *nf);
    if (!nf) {
        PyErr_NoMemory();
        goto done;
    }
    if (ks_py_ctx(&ctx, threads)) {
        PyMem_Free(nf);
        goto done;
    }
    ks_did_sim_options o = {(ks_did_sim_estimator)est,
                            robust,
                            (ks_did_method)method,
                            alpha,
                            (size_t)nsim,
                            (uint64_t)seed};
#define D(i) ((double *)PyArray_DATA((PyArrayObject *)arr[i]))
    Py_BEGIN_ALLOW_THREADS
        rc = ks_did_simulate_power(ctx, &o, &b, &s, (size_t)ne, PyArray_DATA(e), D(0), D(1), D(2),
                                   D(3), D(4), nf);
    Py_END_ALLOW_THREADS
#undef D
    if (!rc) fails = ks_py_sizes(nf, ne);
    PyMem_Free(nf);
    if (rc || !fails) goto done;
    out = Py_BuildValue("{s:O,s:O,s:O,s:O,s:O,s:N}", "estimate", arr[0], "se", arr[1], "p_value",
                        arr[2], "ci_lower", arr[3], "ci_upper", arr[4], "n_failures", fails);
done:
    for (int i = 0; i < 5; i++) Py_XDECREF(arr[i]);
    Py_XDECREF(e);
    PyMem_Free(cohorts);
    if (rc) out = ks_py_raise(ctx, rc);
    ks_ctx_free(ctx);
    return out;
}

/* did_power_seed(seed, e, r): the seed of replication r of effect e (ks_rng_u64). */
static PyObject *py_seed(PyObject *self, PyObject *args)
{
    (void)self;
    unsigned long long seed, e, r;
    if (!PyArg_ParseTuple(args, "KKK", &seed, &e, &r)) return NULL;
    return PyLong_FromUnsignedLongLong(ks_rng_u64(seed, e, r));
}

PyMethodDef ks_py_did_power_methods[] = {
    {"did_power_seed", py_seed, METH_VARARGS, "did_power_seed(seed, e, r) -> int"},
    {"did_mvn_box", (PyCFunction)(void (*)(void))py_mvn_box, METH_VARARGS | METH_KEYWORDS,
     "did_mvn_box(sigma, lower, upper, abseps=0, max_points=0, threads=0) -> (prob, err)"},
    {"did_pretrends", (PyCFunction)(void (*)(void))py_pretrends, METH_VARARGS | METH_KEYWORDS,
     "did_pretrends(vcov, weights, M_grid, target=nan, form='nis', alpha=0.05, z=nan, ...) "
     "-> dict"},
    {"did_power", (PyCFunction)(void (*)(void))py_power, METH_VARARGS | METH_KEYWORDS,
     "did_power(alpha, power, alternative, n_treated, n_control, n_pre, n_post, sigma, rho, "
     "deff, effects, treat_frac) -> dict"},
    {"did_generate", py_generate, METH_VARARGS, "did_generate(kind, design) -> dict of arrays"},
    {"did_simulate_power", (PyCFunction)(void (*)(void))py_simulate, METH_VARARGS | METH_KEYWORDS,
     "did_simulate_power(estimator, design, effects, n_simulations, seed=0, alpha=0.05, "
     "robust=True, method=0, threads=0) -> dict"},
    {NULL, NULL, 0, NULL},
};
