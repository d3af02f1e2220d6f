/* _core_nd_fft.c — kestrel.nd.fft's one-axis transforms (fft / ifft, rfft, irfft) and
 * kestrel.nd's convolve / correlate, each one call into the library; python/_kestrel/nd_fft.py
 * builds numpy.fft's functions (2-d, n-d, hfft, frequencies, shifts) on these. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* norm: None -> "backward", else a name ks_fft_norm_value knows (ValueError with NumPy's text). */
static int norm_arg(ks_ctx *ctx, PyObject *o, ks_fft_norm *norm)
{
    *norm = KS_FFT_NORM_BACKWARD;
    if (!GIVEN(o)) return 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (!s || ks_fft_norm_value(ctx, s, norm) != KS_OK) {
        PyErr_Clear();
        PyErr_Format(PyExc_ValueError,
                     "Invalid norm value %R; should be \"backward\", \"ortho\" or \"forward\".", o);
        return -1;
    }
    return 0;
}

enum { C2C, R2C, C2R };

/* (a, n, axis, norm[, inverse]): n None -> the default, else an int. */
static PyObject *fft_call(int op, PyObject *const *o, bool inverse)
{
    ks_py_nd_arg x = {NULL, {0}};
    PyObject *r = NULL;
    ks_fft_norm norm;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || norm_arg(ctx, o[3], &norm) || ks_py_nd_arg_get(o[0], 0, &x)) goto done;
    Py_ssize_t n = -1;
    if (GIVEN(o[1])) {
        n = PyNumber_AsSsize_t(o[1], PyExc_OverflowError);
        if (n == -1 && PyErr_Occurred()) goto done;
        if (n < 1) {
            PyErr_Format(PyExc_ValueError, "Invalid number of FFT data points (%zd) specified.", n);
            goto done;
        }
    }
    int axis = -1;
    if (GIVEN(o[2]) && ks_py_nd_axis_arg(o[2], x.p->ndim, &axis)) goto done;
    if (x.p->ndim == 0) {
        PyErr_Format(ks_py_nd_axis_error, "axis %d is out of bounds for array of dimension 0",
                     axis);
        goto done;
    }
    ks_array res;
    int rc;
    const bool nogil = ks_array_size(x.p) > KS_PY_ND_NOGIL;
    PyThreadState *ts = nogil ? PyEval_SaveThread() : NULL;
    switch (op) {
    case C2C: rc = ks_array_fft(ctx, x.p, n, axis, inverse, norm, &res); break;
    case R2C: rc = ks_array_rfft(ctx, x.p, n, axis, norm, &res); break;
    default: rc = ks_array_irfft(ctx, x.p, n, axis, norm, &res); break;
    }
    if (ts) PyEval_RestoreThread(ts);
    if (rc == KS_ETYPE) {
        PyErr_SetString(PyExc_TypeError, ks_errmsg(ctx));
        goto done;
    }
    r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    return r;
}

static PyObject *f_fft(FASTCALL_ARGS)
{
    (void)self;
    PARSE("fft", 5, 1, "a", "n", "axis", "norm", "inverse");
    return fft_call(C2C, o, GIVEN(o[4]) && PyObject_IsTrue(o[4]) == 1);
}
static PyObject *f_rfft(FASTCALL_ARGS)
{
    (void)self;
    PARSE("rfft", 4, 1, "a", "n", "axis", "norm");
    return fft_call(R2C, o, false);
}
static PyObject *f_irfft(FASTCALL_ARGS)
{
    (void)self;
    PARSE("irfft", 4, 1, "a", "n", "axis", "norm");
    return fft_call(C2R, o, true);
}

static PyObject *conv_call(bool convolve, PyObject *const *o)
{
    ks_py_nd_arg a = {NULL, {0}}, v = {NULL, {0}};
    PyObject *r = NULL;
    ks_convolve_mode mode = convolve ? KS_CONVOLVE_FULL : KS_CONVOLVE_VALID;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &a) || ks_py_nd_arg_get(o[1], 0, &v)) goto done;
    if (GIVEN(o[2])) {
        const char *s = PyUnicode_Check(o[2]) ? PyUnicode_AsUTF8(o[2]) : NULL;
        if (!s || ks_convolve_mode_value(ctx, s, &mode) != KS_OK) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "mode must be one of 'valid', 'same', or 'full' (got %R)", o[2]);
            goto done;
        }
    }
    ks_array res;
    const bool nogil = ks_array_size(a.p) + ks_array_size(v.p) > KS_PY_ND_NOGIL;
    PyThreadState *ts = nogil ? PyEval_SaveThread() : NULL;
    const int rc = convolve ? ks_array_convolve(ctx, a.p, v.p, mode, &res)
                            : ks_array_correlate(ctx, a.p, v.p, mode, &res);
    if (ts) PyEval_RestoreThread(ts);
    r = ks_py_nd_result(ctx, rc, &res, NULL);
done:
    if (a.p) ks_py_nd_arg_release(&a);
    if (v.p) ks_py_nd_arg_release(&v);
    return r;
}

static PyObject *f_convolve(FASTCALL_ARGS)
{
    (void)self;
    PARSE("convolve", 3, 2, "a", "v", "mode");
    return conv_call(true, o);
}
static PyObject *f_correlate(FASTCALL_ARGS)
{
    (void)self;
    PARSE("correlate", 3, 2, "a", "v", "mode");
    return conv_call(false, o);
}

PyMethodDef ks_py_nd_fft_funcs[] = {
    {"fft", FAST(f_fft), "fft(a, n=None, axis=-1, norm=None, inverse=False)"},
    {"rfft", FAST(f_rfft), "rfft(a, n=None, axis=-1, norm=None)"},
    {"irfft", FAST(f_irfft), "irfft(a, n=None, axis=-1, norm=None)"},
    {"convolve", FAST(f_convolve), "convolve(a, v, mode='full')\n--\n\n"},
    {"correlate", FAST(f_correlate), "correlate(a, v, mode='valid')\n--\n\n"},
    {NULL, NULL, 0, NULL},
};
