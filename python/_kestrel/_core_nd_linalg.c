/* _core_nd_linalg.c — kestrel.nd.linalg's calls into the library's decompositions and solvers
 * (solve, inv, det, slogdet, cholesky, qr, svd, eigh, eig, lstsq, the 2-norm), each one call
 * with the GIL released above a few thousand elements. A numerical failure (KS_ENUMERIC: a
 * singular matrix, no convergence) raises nd_linalg.py's LinAlgError, which the module hands in
 * once (linalg_set_error) so that there is one class. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

static PyObject *linalg_error; /* kestrel.nd.linalg.LinAlgError */

static PyObject *f_set_error(PyObject *self, PyObject *cls)
{
    (void)self;
    Py_XSETREF(linalg_error, Py_NewRef(cls));
    Py_RETURN_NONE;
}

/* ctx's failure as Python's: LinAlgError for a numerical one, and (as NumPy) for a matrix
 * operand that is not square or has fewer than two dimensions (the library's check_matrix
 * messages). */
static PyObject *raise(ks_ctx *ctx, int rc)
{
    const char *m = ks_errmsg(ctx);
    if (linalg_error &&
        (rc == KS_ENUMERIC ||
         (rc == KS_EINVAL && (strstr(m, "must be square") || strstr(m, "two-dimensional"))))) {
        PyErr_SetString(linalg_error, ks_errmsg(ctx));
        return NULL;
    }
    return ks_py_nd_raise(ctx, rc);
}

/* Wrap up to four results into one object (n 1) or a tuple; on failure every one is released. */
static PyObject *results(ks_ctx *ctx, int rc, int n, ks_array *r)
{
    if (rc) {
        for (int i = 0; i < n; i++) ks_array_release(&r[i]);
        return raise(ctx, rc);
    }
    if (n == 1) return ks_py_nd_wrap(&r[0], NULL);
    PyObject *t = PyTuple_New(n);
    for (int i = 0; i < n; i++) {
        PyObject *o = t ? ks_py_nd_wrap(&r[i], NULL) : NULL;
        if (!o) {
            for (int j = i + 1; j < n; j++) ks_array_release(&r[j]);
            Py_XDECREF(t);
            return NULL;
        }
        PyTuple_SET_ITEM(t, i, o);
    }
    return t;
}

/* A bool argument: absent or None gives dflt. */
static int flag(PyObject *o, bool dflt, bool *out)
{
    if (!GIVEN(o)) {
        *out = dflt;
        return 0;
    }
    const int v = PyObject_IsTrue(o);
    *out = v > 0;
    return v < 0 ? -1 : 0;
}

#define NOGIL_BEGIN(x)                                                                             \
    PyThreadState *ts_ = ks_array_size(x) > KS_PY_ND_NOGIL ? PyEval_SaveThread() : NULL
#define NOGIL_END()                                                                                \
    if (ts_) PyEval_RestoreThread(ts_)

enum { SOLVE, INV, DET, SLOGDET, CHOLESKY, SVD, EIGH, EIG };

/* The one- and two-operand calls: op over a (and b), flags f1 / f2 as the call reads them. */
static PyObject *call(int op, PyObject *ao, PyObject *bo, bool f1, bool f2)
{
    ks_py_nd_arg a = {0}, b = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(ao, 0, &a) || (bo && ks_py_nd_arg_get(bo, 0, &b))) goto done;
    ks_array res[3];
    int rc, n = 1;
    NOGIL_BEGIN(a.p);
    switch (op) {
    case SOLVE: rc = ks_array_linalg_solve(ctx, a.p, b.p, &res[0]); break;
    case INV: rc = ks_array_linalg_inv(ctx, a.p, &res[0]); break;
    case DET: rc = ks_array_linalg_det(ctx, a.p, &res[0]); break;
    case SLOGDET: rc = ks_array_linalg_slogdet(ctx, a.p, &res[0], &res[1]), n = 2; break;
    case CHOLESKY: rc = ks_array_linalg_cholesky(ctx, a.p, f1, &res[0]); break;
    case SVD: /* f1 full_matrices, f2 compute_uv: (u, s, vh) or s */
        rc = ks_array_linalg_svd(ctx, a.p, f1, f2, &res[0], &res[1], &res[2]);
        if (f2) {
            n = 3;
        } else {
            ks_array_release(&res[0]);
            res[0] = res[1];
        }
        break;
    case EIGH: /* f1 upper, f2 compute_v */
    case EIG:
        rc = op == EIGH ? ks_array_linalg_eigh(ctx, a.p, f1, f2, &res[0], &res[1])
                        : ks_array_linalg_eig(ctx, a.p, f2, &res[0], &res[1]);
        n = f2 ? 2 : 1;
        break;
    default: rc = KS_EINVAL; break;
    }
    NOGIL_END();
    r = results(ctx, rc, n, res);
done:
    if (a.p) ks_py_nd_arg_release(&a);
    if (b.p) ks_py_nd_arg_release(&b);
    return r;
}

static PyObject *f_solve(FASTCALL_ARGS)
{
    (void)self;
    PARSE("solve", 2, 2, "a", "b");
    return call(SOLVE, o[0], o[1], false, false);
}
static PyObject *f_inv(FASTCALL_ARGS)
{
    (void)self;
    PARSE("inv", 1, 1, "a");
    return call(INV, o[0], NULL, false, false);
}
static PyObject *f_det(FASTCALL_ARGS)
{
    (void)self;
    PARSE("det", 1, 1, "a");
    return call(DET, o[0], NULL, false, false);
}
static PyObject *f_slogdet(FASTCALL_ARGS)
{
    (void)self;
    PARSE("slogdet", 1, 1, "a");
    return call(SLOGDET, o[0], NULL, false, false);
}
static PyObject *f_cholesky(FASTCALL_ARGS)
{
    (void)self;
    PARSE("cholesky", 2, 1, "a", "upper");
    bool upper;
    if (flag(o[1], false, &upper)) return NULL;
    return call(CHOLESKY, o[0], NULL, upper, false);
}
static PyObject *f_svd(FASTCALL_ARGS)
{
    (void)self;
    PARSE("svd", 3, 1, "a", "full_matrices", "compute_uv");
    bool full, uv;
    if (flag(o[1], true, &full) || flag(o[2], true, &uv)) return NULL;
    return call(SVD, o[0], NULL, full, uv);
}
static PyObject *f_eigh(FASTCALL_ARGS)
{
    (void)self;
    PARSE("eigh", 3, 1, "a", "upper", "compute_v");
    bool upper, v;
    if (flag(o[1], false, &upper) || flag(o[2], true, &v)) return NULL;
    return call(EIGH, o[0], NULL, upper, v);
}
static PyObject *f_eig(FASTCALL_ARGS)
{
    (void)self;
    PARSE("eig", 2, 1, "a", "compute_v");
    bool v;
    if (flag(o[1], true, &v)) return NULL;
    return call(EIG, o[0], NULL, false, v);
}

/* qr(a, mode): (q, r), r alone (mode "r") or (h, tau) (mode "raw"). */
static PyObject *f_qr(FASTCALL_ARGS)
{
    (void)self;
    PARSE("qr", 2, 1, "a", "mode");
    ks_py_nd_arg a = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    ks_qr_mode mode = KS_QR_REDUCED;
    if (!ctx) return NULL;
    if (GIVEN(o[1])) {
        const char *s = PyUnicode_AsUTF8(o[1]);
        if (!s) return NULL;
        if (ks_qr_mode_value(ctx, s, &mode) != KS_OK) {
            PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
            return NULL;
        }
    }
    if (ks_py_nd_arg_get(o[0], 0, &a)) goto done;
    ks_array res[2];
    NOGIL_BEGIN(a.p);
    const int rc = ks_array_linalg_qr(ctx, a.p, mode, &res[0], &res[1]);
    NOGIL_END();
    if (mode == KS_QR_R) {
        ks_array_release(&res[0]);
        r = results(ctx, rc, 1, &res[1]);
    } else {
        r = results(ctx, rc, 2, res);
    }
done:
    if (a.p) ks_py_nd_arg_release(&a);
    return r;
}

/* lstsq(a, b, rcond): (x, residuals, rank, s); rcond None or negative: NumPy's default. */
static PyObject *f_lstsq(FASTCALL_ARGS)
{
    (void)self;
    PARSE("lstsq", 3, 2, "a", "b", "rcond");
    double rcond = -1.0;
    if (GIVEN(o[2]) && (rcond = PyFloat_AsDouble(o[2])) == -1.0 && PyErr_Occurred()) return NULL;
    ks_py_nd_arg a = {0}, b = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &a) || ks_py_nd_arg_get(o[1], 0, &b)) goto done;
    ks_array res[3];
    int64_t rank;
    NOGIL_BEGIN(a.p);
    const int rc = ks_array_linalg_lstsq(ctx, a.p, b.p, rcond, &res[0], &res[1], &rank, &res[2]);
    NOGIL_END();
    PyObject *t = results(ctx, rc, 3, res);
    if (t) {
        r = Py_BuildValue("(OOLO)", PyTuple_GET_ITEM(t, 0), PyTuple_GET_ITEM(t, 1), (long long)rank,
                          PyTuple_GET_ITEM(t, 2));
        Py_DECREF(t);
    }
done:
    if (a.p) ks_py_nd_arg_release(&a);
    if (b.p) ks_py_nd_arg_release(&b);
    return r;
}

/* norm2(x, axis=None, keepdims=False): the 2-norm over one axis or all of x. */
static PyObject *f_norm2(FASTCALL_ARGS)
{
    (void)self;
    PARSE("norm2", 3, 1, "x", "axis", "keepdims");
    bool keep;
    if (flag(o[2], false, &keep)) return NULL;
    ks_py_nd_arg a = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    int axis = KS_AXIS_NONE;
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &a)) goto done;
    if (GIVEN(o[1]) && ks_py_nd_axis_arg(o[1], a.p->ndim, &axis)) goto done;
    ks_array res;
    NOGIL_BEGIN(a.p);
    const int rc = ks_array_linalg_norm2(ctx, a.p, axis, keep, &res);
    NOGIL_END();
    r = results(ctx, rc, 1, &res);
done:
    if (a.p) ks_py_nd_arg_release(&a);
    return r;
}

PyMethodDef ks_py_nd_linalg_funcs[] = {
    {"linalg_set_error", f_set_error, METH_O, "the class LinAlgError (kestrel.nd.linalg's)"},
    {"linalg_solve", FAST(f_solve), "solve(a, b)"},
    {"linalg_inv", FAST(f_inv), "inv(a)"},
    {"linalg_det", FAST(f_det), "det(a)"},
    {"linalg_slogdet", FAST(f_slogdet), "slogdet(a) -> (sign, logabsdet)"},
    {"linalg_cholesky", FAST(f_cholesky), "cholesky(a, upper=False)"},
    {"linalg_qr", FAST(f_qr), "qr(a, mode='reduced')"},
    {"linalg_svd", FAST(f_svd), "svd(a, full_matrices=True, compute_uv=True)"},
    {"linalg_eigh", FAST(f_eigh), "eigh(a, upper=False, compute_v=True)"},
    {"linalg_eig", FAST(f_eig), "eig(a, compute_v=True)"},
    {"linalg_lstsq", FAST(f_lstsq), "lstsq(a, b, rcond=None) -> (x, residuals, rank, s)"},
    {"linalg_norm2", FAST(f_norm2), "norm2(x, axis=None, keepdims=False)"},
    {NULL, NULL, 0, NULL},
};
