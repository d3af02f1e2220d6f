/* _core_nd_random.c — kestrel.nd.random's C side: a PCG64 generator (ks_generator) in a capsule and
 * the draws of NumPy's Generator (random, integers, the distributions), each one call into the
 * library. The Python
 * class around it (python/kestrel/_nd_random.py) shapes seeds and arguments. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

static const char CAPSULE[] = "kestrel.nd.rng";

static void rng_free(PyObject *cap) { ks_generator_free(PyCapsule_GetPointer(cap, CAPSULE)); }

static ks_generator *rng_of(PyObject *cap) { return PyCapsule_GetPointer(cap, CAPSULE); }

/* rng_new(words): a generator seeded from 32-bit words (a bytes object, little-endian). */
static PyObject *f_rng_new(PyObject *self, PyObject *words)
{
    (void)self;
    char *p;
    Py_ssize_t len;
    if (PyBytes_AsStringAndSize(words, &p, &len)) return NULL;
    const size_t n = (size_t)len / 4;
    uint32_t *w = PyMem_Malloc(n ? n * 4 : 1);
    if (!w) return PyErr_NoMemory();
    for (size_t i = 0; i < n; i++) /* little-endian words, whatever this machine's order */
        w[i] = (uint32_t)(unsigned char)p[4 * i] | (uint32_t)(unsigned char)p[4 * i + 1] << 8 |
               (uint32_t)(unsigned char)p[4 * i + 2] << 16 |
               (uint32_t)(unsigned char)p[4 * i + 3] << 24;
    ks_ctx *ctx = ks_py_nd_ctx();
    ks_generator *r = NULL;
    const int rc = ctx ? ks_generator_new(ctx, w, n, &r) : KS_ENOMEM;
    PyMem_Free(w);
    if (!ctx) return NULL;
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    PyObject *cap = PyCapsule_New(r, CAPSULE, rng_free);
    if (!cap) ks_generator_free(r);
    return cap;
}

/* rng_state(cap): (state, inc) as Python ints. */
static PyObject *f_rng_state(PyObject *self, PyObject *cap)
{
    (void)self;
    ks_generator *r = rng_of(cap);
    if (!r) return NULL;
    uint64_t s[2], i[2];
    ks_generator_state(r, s, i);
    char buf[80];
    snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)s[0], (unsigned long long)s[1]);
    PyObject *ps = PyLong_FromString(buf, NULL, 16);
    snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)i[0], (unsigned long long)i[1]);
    PyObject *pi = ps ? PyLong_FromString(buf, NULL, 16) : NULL;
    PyObject *t = pi ? PyTuple_Pack(2, ps, pi) : NULL;
    Py_XDECREF(ps);
    Py_XDECREF(pi);
    return t;
}

/* rng_random(cap, shape, dtype) and rng_integers(cap, low, high, shape, dtype). */
static PyObject *f_rng_random(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_random", 3, 3, "rng", "shape", "dtype");
    ks_generator *r = rng_of(o[0]);
    int ndim, dt;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!r || ks_py_nd_shape_arg(o[1], &ndim, shape) || ks_py_nd_dtype_arg(o[2], false, &dt))
        return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_random(ctx, r, (ks_dtype)dt, ndim, shape, &out);
    Py_END_ALLOW_THREADS
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

static PyObject *f_rng_integers(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_integers", 5, 5, "rng", "low", "high", "shape", "dtype");
    ks_generator *r = rng_of(o[0]);
    int ndim, dt;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!r || ks_py_nd_shape_arg(o[3], &ndim, shape) || ks_py_nd_dtype_arg(o[4], false, &dt))
        return NULL;
    const long long lo = PyLong_AsLongLong(o[1]);
    const long long hi = lo == -1 && PyErr_Occurred() ? -1 : PyLong_AsLongLong(o[2]);
    if (PyErr_Occurred()) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_integers(ctx, r, lo, hi, (ks_dtype)dt, ndim, shape, &out);
    Py_END_ALLOW_THREADS
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

static PyObject *f_rng_uniform(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_uniform", 4, 4, "rng", "low", "high", "shape");
    ks_generator *r = rng_of(o[0]);
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!r || ks_py_nd_shape_arg(o[3], &ndim, shape)) return NULL;
    const double lo = PyFloat_AsDouble(o[1]);
    const double hi = lo == -1.0 && PyErr_Occurred() ? -1.0 : PyFloat_AsDouble(o[2]);
    if (PyErr_Occurred()) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_uniform(ctx, r, lo, hi, ndim, shape, &out);
    Py_END_ALLOW_THREADS
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_shuffle(cap, a): a (a kestrel ndarray) shuffled in place along its first axis. */
static PyObject *f_rng_shuffle(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_shuffle", 2, 2, "rng", "a");
    ks_generator *r = rng_of(o[0]);
    if (!r) return NULL;
    if (!KS_PY_ND_CHECK(o[1])) {
        PyErr_SetString(PyExc_TypeError, "shuffle: a kestrel.nd.ndarray is needed");
        return NULL;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    const int rc = ks_generator_shuffle(ctx, r, &((ks_py_nd *)o[1])->arr);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    Py_RETURN_NONE;
}

/* rng_standard(cap, dist, shape, dtype): standard_normal / standard_exponential. */
static PyObject *f_rng_standard(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_standard", 4, 4, "rng", "dist", "shape", "dtype");
    ks_generator *r = rng_of(o[0]);
    int ndim, dt;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    const char *name = r ? PyUnicode_AsUTF8(o[1]) : NULL;
    if (!name || ks_py_nd_shape_arg(o[2], &ndim, shape) || ks_py_nd_dtype_arg(o[3], false, &dt))
        return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_rng_dist dist;
    if (ks_rng_dist_value(ctx, name, &dist) != KS_OK) return ks_py_nd_raise(ctx, KS_EINVAL);
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_standard(ctx, r, dist, (ks_dtype)dt, ndim, shape, &out);
    Py_END_ALLOW_THREADS
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_draw(cap, dist, p0, p1, shape): a distribution's draws, p1 None for one parameter, shape
 * None for the parameters' broadcast shape. */
static PyObject *f_rng_draw(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_draw", 5, 5, "rng", "dist", "p0", "p1", "shape");
    ks_generator *r = rng_of(o[0]);
    int ndim = -1;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    const char *name = r ? PyUnicode_AsUTF8(o[1]) : NULL;
    if (!name || (GIVEN(o[4]) && ks_py_nd_shape_arg(o[4], &ndim, shape))) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_rng_dist dist;
    if (ks_rng_dist_value(ctx, name, &dist) != KS_OK) return ks_py_nd_raise(ctx, KS_EINVAL);
    ks_py_nd_arg a = {0}, b = {0};
    if (ks_py_nd_arg_get(o[2], 0, &a) || (GIVEN(o[3]) && ks_py_nd_arg_get(o[3], 0, &b))) {
        ks_py_nd_arg_release(&a), ks_py_nd_arg_release(&b);
        return NULL;
    }
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_draw(ctx, r, dist, a.p, b.p, ndim, ndim < 0 ? NULL : shape, &out);
    Py_END_ALLOW_THREADS
    ks_py_nd_arg_release(&a), ks_py_nd_arg_release(&b);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_sample(cap, pop, k, shuffle): choice(pop, k, replace=False) without p. */
static PyObject *f_rng_sample(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_sample", 4, 4, "rng", "pop", "k", "shuffle");
    ks_generator *r = rng_of(o[0]);
    if (!r) return NULL;
    const long long pop = PyLong_AsLongLong(o[1]);
    const long long k = pop == -1 && PyErr_Occurred() ? -1 : PyLong_AsLongLong(o[2]);
    const int shuffle = PyErr_Occurred() ? -1 : PyObject_IsTrue(o[3]);
    if (shuffle < 0) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_sample(ctx, r, pop, k, shuffle, &out);
    Py_END_ALLOW_THREADS
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

PyMethodDef ks_py_nd_random_funcs[] = {
    {"rng_new", f_rng_new, METH_O, "rng_new(words): PCG64 seeded from little-endian 32-bit words"},
    {"rng_state", f_rng_state, METH_O, "rng_state(rng): (state, inc) of PCG64"},
    {"rng_random", FAST(f_rng_random), "rng_random(rng, shape, dtype): uniform [0, 1)"},
    {"rng_integers", FAST(f_rng_integers),
     "rng_integers(rng, low, high, shape, dtype): integers in [low, high)"},
    {"rng_uniform", FAST(f_rng_uniform), "rng_uniform(rng, low, high, shape): uniform [low, high)"},
    {"rng_shuffle", FAST(f_rng_shuffle), "rng_shuffle(rng, a): a's rows shuffled in place"},
    {"rng_standard", FAST(f_rng_standard),
     "rng_standard(rng, dist, shape, dtype): standard_normal or standard_exponential"},
    {"rng_draw", FAST(f_rng_draw),
     "rng_draw(rng, dist, p0, p1, shape): draws of normal, exponential, gamma, beta, poisson, "
     "binomial"},
    {"rng_sample", FAST(f_rng_sample),
     "rng_sample(rng, pop, k, shuffle): k distinct indices of range(pop) (choice, no replace)"},
    {NULL, NULL, 0, NULL},
};
