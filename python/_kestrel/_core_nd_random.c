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

/* 32-bit words from a bytes object of little-endian ones, whatever this machine's order
 * (PyMem; *w NULL and 0 words for an empty one). */
static int words_of(PyObject *bytes, uint32_t **w, size_t *n)
{
    char *p;
    Py_ssize_t len;
    *w = NULL, *n = 0;
    if (PyBytes_AsStringAndSize(bytes, &p, &len)) return -1;
    *n = (size_t)len / 4;
    if (!*n) return 0;
    if (!(*w = PyMem_Malloc(*n * 4))) {
        PyErr_NoMemory();
        return -1;
    }
    for (size_t i = 0; i < *n; i++)
        (*w)[i] = (uint32_t)(unsigned char)p[4 * i] | (uint32_t)(unsigned char)p[4 * i + 1] << 8 |
                  (uint32_t)(unsigned char)p[4 * i + 2] << 16 |
                  (uint32_t)(unsigned char)p[4 * i + 3] << 24;
    return 0;
}

/* A SeedSequence from (entropy words, spawn key words, pool size): its words in PyMem. */
static int seq_of(PyObject *const *o, ks_seed_seq *seq, uint32_t **e, uint32_t **k)
{
    const Py_ssize_t pool = PyLong_AsSsize_t(o[2]);
    if (pool == -1 && PyErr_Occurred()) return -1;
    if (pool < 0) {
        PyErr_SetString(PyExc_ValueError, "pool_size must be non-negative");
        return -1;
    }
    *e = *k = NULL;
    if (words_of(o[0], e, &seq->n_entropy) || words_of(o[1], k, &seq->n_spawn_key)) {
        PyMem_Free(*e);
        return -1;
    }
    seq->entropy = *e, seq->spawn_key = *k, seq->pool_size = (size_t)pool;
    return 0;
}

static PyObject *capsule_of(ks_generator *r)
{
    PyObject *cap = PyCapsule_New(r, CAPSULE, rng_free);
    if (!cap) ks_generator_free(r);
    return cap;
}

/* rng_new(entropy, spawn_key, pool_size): PCG64(SeedSequence(...)), the words as bytes. */
static PyObject *f_rng_new(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_new", 3, 3, "entropy", "spawn_key", "pool_size");
    ks_seed_seq seq;
    uint32_t *e, *k;
    if (seq_of(o, &seq, &e, &k)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    ks_generator *r = NULL;
    const int rc = ctx ? ks_generator_new_seq(ctx, &seq, &r) : KS_ENOMEM;
    PyMem_Free(e), PyMem_Free(k);
    if (!ctx) return NULL;
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    return capsule_of(r);
}

/* seedseq_state(entropy, spawn_key, pool_size, n_words, dtype): generate_state; n_words None:
 * the pool. */
static PyObject *f_seedseq_state(FASTCALL_ARGS)
{
    (void)self;
    PARSE("seedseq_state", 5, 5, "entropy", "spawn_key", "pool_size", "n_words", "dtype");
    Py_ssize_t nw = -1;
    int dt = KS_UINT32;
    if (GIVEN(o[3]) && ((nw = PyLong_AsSsize_t(o[3])) == -1 && PyErr_Occurred())) return NULL;
    if (GIVEN(o[3]) && nw < 0) {
        PyErr_SetString(PyExc_ValueError, "n_words must be non-negative");
        return NULL;
    }
    if (ks_py_nd_dtype_arg(o[4], false, &dt)) return NULL;
    ks_seed_seq seq;
    uint32_t *e, *k;
    if (seq_of(o, &seq, &e, &k)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) {
        PyMem_Free(e), PyMem_Free(k);
        return NULL;
    }
    ks_array out;
    int rc;
    if (nw >= 0) {
        rc = ks_seed_seq_generate_state(ctx, &seq, (size_t)nw, (ks_dtype)dt, &out);
    } else {
        const ptrdiff_t np = (ptrdiff_t)seq.pool_size;
        rc = ks_array_empty(ctx, KS_UINT32, 1, &np, KS_ORDER_C, &out);
        if (rc == KS_OK) rc = ks_seed_seq_pool(ctx, &seq, (uint32_t *)(void *)out.data);
        if (rc != KS_OK) ks_array_release(&out);
    }
    PyMem_Free(e), PyMem_Free(k);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* A 128-bit Python int's two 64-bit halves, high first (the int taken modulo 2^128). */
static int u128_of(PyObject *v, uint64_t w[2])
{
    PyObject *mask = PyLong_FromUnsignedLongLong(UINT64_MAX), *sh = PyLong_FromLong(64);
    PyObject *lo = mask ? PyNumber_And(v, mask) : NULL,
             *hi_all = sh ? PyNumber_Rshift(v, sh) : NULL;
    PyObject *hi = hi_all && mask ? PyNumber_And(hi_all, mask) : NULL;
    int rc = -1;
    if (lo && hi) {
        w[0] = PyLong_AsUnsignedLongLong(hi), w[1] = PyLong_AsUnsignedLongLong(lo);
        rc = PyErr_Occurred() ? -1 : 0;
    }
    Py_XDECREF(mask), Py_XDECREF(sh), Py_XDECREF(lo), Py_XDECREF(hi_all), Py_XDECREF(hi);
    return rc;
}

static PyObject *u128_to(const uint64_t w[2])
{
    char buf[40];
    snprintf(buf, sizeof buf, "%016llx%016llx", (unsigned long long)w[0], (unsigned long long)w[1]);
    return PyLong_FromString(buf, NULL, 16);
}

/* rng_state(cap): (state, inc, has_uint32, uinteger). */
static PyObject *f_rng_state(PyObject *self, PyObject *cap)
{
    (void)self;
    ks_generator *r = rng_of(cap);
    if (!r) return NULL;
    uint64_t s[2], i[2];
    uint32_t u;
    ks_generator_state(r, s, i);
    const bool has = ks_generator_pending32(r, &u);
    PyObject *ps = u128_to(s), *pi = ps ? u128_to(i) : NULL;
    PyObject *t = pi ? Py_BuildValue("(OOiI)", ps, pi, (int)has, (unsigned)u) : NULL;
    Py_XDECREF(ps), Py_XDECREF(pi);
    return t;
}

/* rng_set_state(cap, state, inc, has_uint32, uinteger) */
static PyObject *f_rng_set_state(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_set_state", 5, 5, "rng", "state", "inc", "has_uint32", "uinteger");
    ks_generator *r = rng_of(o[0]);
    uint64_t s[2], i[2];
    if (!r || u128_of(o[1], s) || u128_of(o[2], i)) return NULL;
    const int has = PyObject_IsTrue(o[3]);
    const unsigned long u = has < 0 ? 0 : PyLong_AsUnsignedLong(o[4]);
    if (has < 0 || PyErr_Occurred()) return NULL;
    if (u > UINT32_MAX) {
        PyErr_SetString(PyExc_ValueError, "uinteger must be below 2**32");
        return NULL;
    }
    ks_generator_set_state(r, s, i, has, (uint32_t)u);
    Py_RETURN_NONE;
}

/* rng_advance(cap, delta) in place; rng_jumped(cap, jumps): a new generator, jumped. */
static PyObject *f_rng_advance(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_advance", 2, 2, "rng", "delta");
    ks_generator *r = rng_of(o[0]);
    uint64_t d[2];
    if (!r || u128_of(o[1], d)) return NULL;
    ks_generator_advance(r, d);
    Py_RETURN_NONE;
}

static PyObject *f_rng_jumped(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_jumped", 2, 2, "rng", "jumps");
    ks_generator *r = rng_of(o[0]), *c = NULL;
    uint64_t j[2];
    if (!r || u128_of(o[1], j)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    const int rc = ks_generator_copy(ctx, r, &c);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    ks_generator_jump(c, j);
    return capsule_of(c);
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

/* rng_standard(cap, dist, shape, dtype, inv): standard_normal / standard_exponential (inv:
 * method='inv') / standard_cauchy. */
static PyObject *f_rng_standard(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_standard", 5, 5, "rng", "dist", "shape", "dtype", "inv");
    ks_generator *r = rng_of(o[0]);
    int ndim, dt;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    const char *name = r ? PyUnicode_AsUTF8(o[1]) : NULL;
    if (!name || ks_py_nd_shape_arg(o[2], &ndim, shape) || ks_py_nd_dtype_arg(o[3], false, &dt))
        return NULL;
    const int inv = PyObject_IsTrue(o[4]);
    if (inv < 0) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_rng_dist dist;
    if (ks_rng_dist_value(ctx, name, &dist) != KS_OK) return ks_py_nd_raise(ctx, KS_EINVAL);
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_standard(ctx, r, dist, (ks_dtype)dt, inv, ndim, shape, &out);
    Py_END_ALLOW_THREADS
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_draw(cap, dist, p0, p1, p2, shape, f32): a distribution's draws, p1 and p2 None past its
 * parameters, shape None for the parameters' broadcast shape, f32 for gamma's float32 draws. */
static PyObject *f_rng_draw(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_draw", 7, 7, "rng", "dist", "p0", "p1", "p2", "shape", "f32");
    ks_generator *r = rng_of(o[0]);
    int ndim = -1;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    const char *name = r ? PyUnicode_AsUTF8(o[1]) : NULL;
    if (!name || (GIVEN(o[5]) && ks_py_nd_shape_arg(o[5], &ndim, shape))) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_rng_dist dist;
    if (ks_rng_dist_value(ctx, name, &dist) != KS_OK) return ks_py_nd_raise(ctx, KS_EINVAL);
    const int f32 = PyObject_IsTrue(o[6]);
    if (f32 < 0) return NULL;
    ks_py_nd_arg p[3] = {{0}};
    for (int j = 0; j < 3; j++)
        if ((j == 0 || GIVEN(o[2 + j])) && ks_py_nd_arg_get(o[2 + j], 0, &p[j])) {
            for (int i = 0; i < 3; i++) ks_py_nd_arg_release(&p[i]);
            return NULL;
        }
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_draw(ctx, r, dist, p[0].p, p[1].p, p[2].p, f32, ndim,
                               ndim < 0 ? NULL : shape, &out);
    Py_END_ALLOW_THREADS
    for (int j = 0; j < 3; j++) ks_py_nd_arg_release(&p[j]);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_dirichlet(cap, alpha, shape) */
static PyObject *f_rng_dirichlet(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_dirichlet", 3, 3, "rng", "alpha", "shape");
    ks_generator *r = rng_of(o[0]);
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!r || ks_py_nd_shape_arg(o[2], &ndim, shape)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_py_nd_arg a = {0};
    if (ks_py_nd_arg_get(o[1], 0, &a)) return NULL;
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_dirichlet(ctx, r, a.p, ndim, shape, &out);
    Py_END_ALLOW_THREADS
    ks_py_nd_arg_release(&a);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_mvhg(cap, colors, nsample, shape, count): multivariate_hypergeometric */
static PyObject *f_rng_mvhg(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_mvhg", 5, 5, "rng", "colors", "nsample", "shape", "count");
    ks_generator *r = rng_of(o[0]);
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (!r || ks_py_nd_shape_arg(o[3], &ndim, shape)) return NULL;
    const long long nsample = PyLong_AsLongLong(o[2]);
    const int count = nsample == -1 && PyErr_Occurred() ? -1 : PyObject_IsTrue(o[4]);
    if (count < 0) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    ks_py_nd_arg c = {0};
    if (ks_py_nd_arg_get(o[1], 0, &c)) return NULL;
    ks_array out;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_multivariate_hypergeometric(ctx, r, c.p, nsample, count, ndim, shape,
                                                      &out);
    Py_END_ALLOW_THREADS
    ks_py_nd_arg_release(&c);
    return ks_py_nd_result(ctx, rc, &out, NULL);
}

/* rng_permuted(cap, a, axis): a (a kestrel ndarray) permuted in place; axis None: as one. */
static PyObject *f_rng_permuted(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rng_permuted", 3, 3, "rng", "a", "axis");
    ks_generator *r = rng_of(o[0]);
    if (!r) return NULL;
    if (!KS_PY_ND_CHECK(o[1])) {
        PyErr_SetString(PyExc_TypeError, "permuted: a kestrel.nd.ndarray is needed");
        return NULL;
    }
    int axis = KS_AXIS_NONE;
    if (GIVEN(o[2]) && ks_py_nd_axis_arg(o[2], ((ks_py_nd *)o[1])->arr.ndim, &axis)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_generator_permuted(ctx, r, &((ks_py_nd *)o[1])->arr, axis);
    Py_END_ALLOW_THREADS
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    Py_RETURN_NONE;
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
    {"rng_new", FAST(f_rng_new),
     "rng_new(entropy, spawn_key, pool_size): PCG64 seeded by a SeedSequence (words as bytes)"},
    {"seedseq_state", FAST(f_seedseq_state),
     "seedseq_state(entropy, spawn_key, pool_size, n_words, dtype): generate_state (n_words None: "
     "the pool)"},
    {"rng_state", f_rng_state, METH_O, "rng_state(rng): (state, inc, has_uint32, uinteger)"},
    {"rng_set_state", FAST(f_rng_set_state),
     "rng_set_state(rng, state, inc, has_uint32, uinteger): PCG64's state set"},
    {"rng_advance", FAST(f_rng_advance), "rng_advance(rng, delta): delta draws on, in place"},
    {"rng_jumped", FAST(f_rng_jumped), "rng_jumped(rng, jumps): a jumped copy of rng"},
    {"rng_random", FAST(f_rng_random), "rng_random(rng, shape, dtype): uniform [0, 1)"},
    {"rng_integers", FAST(f_rng_integers),
     "rng_integers(rng, low, high, shape, dtype): integers in [low, high)"},
    {"rng_uniform", FAST(f_rng_uniform), "rng_uniform(rng, low, high, shape): uniform [low, high)"},
    {"rng_shuffle", FAST(f_rng_shuffle), "rng_shuffle(rng, a): a's rows shuffled in place"},
    {"rng_standard", FAST(f_rng_standard),
     "rng_standard(rng, dist, shape, dtype, inv): standard_normal, standard_exponential or "
     "standard_cauchy"},
    {"rng_draw", FAST(f_rng_draw),
     "rng_draw(rng, dist, p0, p1, p2, shape, f32): draws of one of ks_rng_dist's distributions"},
    {"rng_dirichlet", FAST(f_rng_dirichlet),
     "rng_dirichlet(rng, alpha, shape): Dirichlet draws of shape + (len(alpha),)"},
    {"rng_mvhg", FAST(f_rng_mvhg),
     "rng_mvhg(rng, colors, nsample, shape, count): multivariate hypergeometric counts"},
    {"rng_permuted", FAST(f_rng_permuted),
     "rng_permuted(rng, a, axis): a's lanes along axis (None: all of a) shuffled in place"},
    {"rng_sample", FAST(f_rng_sample),
     "rng_sample(rng, pop, k, shuffle): k distinct indices of range(pop) (choice, no replace)"},
    {NULL, NULL, 0, NULL},
};
