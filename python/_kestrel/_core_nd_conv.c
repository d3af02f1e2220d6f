/* _core_nd_conv.c — between Python objects and ks_arrays: the per-thread ctx, NumPy's exceptions
 * for the library's errors, operands from Python scalars / NumPy arrays / anything numpy.asarray
 * takes (zero-copy where the memory allows), results into ndarrays, and the arguments every
 * binding shares (dtype, casting, order, shape, axis). */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

#include <pthread.h>

/* ---- the per-thread ctx ---- */

static pthread_key_t ctx_key;
static pthread_once_t ctx_once = PTHREAD_ONCE_INIT;
static _Thread_local ks_ctx *tls_ctx;

static void ctx_free(void *p) { ks_ctx_free(p); }
static void ctx_key_make(void) { (void)pthread_key_create(&ctx_key, ctx_free); }

ks_ctx *ks_py_nd_ctx(void)
{
    if (tls_ctx) return tls_ctx;
    ks_ctx *c;
    if (ks_ctx_new(&c) != KS_OK) {
        PyErr_NoMemory();
        return NULL;
    }
    (void)pthread_once(&ctx_once, ctx_key_make);
    (void)pthread_setspecific(ctx_key, c); /* frees it when the thread ends */
    return tls_ctx = c;
}

/* ---- errors ---- */

PyObject *ks_py_nd_axis_error;

PyObject *ks_py_nd_raise(ks_ctx *ctx, int rc)
{
    const char *m = ks_errmsg(ctx);
    PyObject *type = PyExc_ValueError;
    if (rc == KS_ENOMEM)
        type = PyExc_MemoryError;
    else if (strstr(m, "Python integer") || strstr(m, "Range exceeds valid bounds"))
        type = PyExc_OverflowError;
    else if (strstr(m, "for array of dimension"))
        type = ks_py_nd_axis_error;
    else if (strstr(m, "broadcast") || /* before "cast", which it contains */
             strstr(m, "collapsing index") || /* einsum's, before "index" */
             strstr(m, "low is out of bounds") || strstr(m, "high is out of bounds"))
        type = PyExc_ValueError; /* (integers' bounds: NumPy's ValueError) */
    else if (strstr(m, "out of bounds") || strstr(m, "index"))
        type = PyExc_IndexError;
    else if (rc == KS_ETYPE || strstr(m, "cast") || strstr(m, "dtype") ||
             strstr(m, "not supported for"))
        type = PyExc_TypeError;
    PyErr_SetString(type, m);
    return NULL;
}

/* ---- NumPy's dtypes ---- */

static int from_npy(int num)
{
    switch (num) {
    case NPY_BOOL: return KS_BOOL;
    case NPY_INT8: return KS_INT8;
    case NPY_INT16: return KS_INT16;
    case NPY_INT32: return KS_INT32;
    case NPY_INT64: return KS_INT64;
    case NPY_UINT8: return KS_UINT8;
    case NPY_UINT16: return KS_UINT16;
    case NPY_UINT32: return KS_UINT32;
    case NPY_UINT64: return KS_UINT64;
    case NPY_FLOAT32: return KS_FLOAT32;
    case NPY_FLOAT64: return KS_FLOAT64;
    case NPY_COMPLEX64: return KS_COMPLEX64;
    case NPY_COMPLEX128: return KS_COMPLEX128;
    }
    /* int and long (or long and long long) share a size but not a number */
    if (PyTypeNum_ISINTEGER(num) && !PyTypeNum_ISBOOL(num)) {
        PyArray_Descr *d = PyArray_DescrFromType(num);
        const int size = d ? (int)PyDataType_ELSIZE(d) : 0;
        Py_XDECREF(d);
        const bool u = PyTypeNum_ISUNSIGNED(num);
        if (size == 4) return u ? KS_UINT32 : KS_INT32;
        if (size == 8) return u ? KS_UINT64 : KS_INT64;
    }
    return -1;
}

int ks_py_nd_to_npy(ks_dtype t)
{
    static const int nums[KS_NDTYPES] = {
        NPY_BOOL,   NPY_INT8,   NPY_INT16,   NPY_INT32,   NPY_INT64,     NPY_UINT8,     NPY_UINT16,
        NPY_UINT32, NPY_UINT64, NPY_FLOAT32, NPY_FLOAT64, NPY_COMPLEX64, NPY_COMPLEX128};
    return nums[t];
}

/* ---- operands ---- */

static void release_pyobject(void *o)
{
    PyGILState_STATE g = PyGILState_Ensure(); /* the last view may go on a thread without it */
    Py_DECREF((PyObject *)o);
    PyGILState_Release(g);
}

/* A NumPy array as a ks_array over its memory (its reference moves into the buffer). */
static int from_numpy(PyArrayObject *na, int mode, ks_array *out)
{
    const int t = from_npy(PyArray_TYPE(na));
    if (t < 0) {
        if (!(mode & KS_PY_ND_OPERAND)) /* (the message reads na's dtype: before the release) */
            PyErr_Format(PyExc_TypeError,
                         "kestrel.nd has no dtype %S (it has bool, int8-64, uint8-64, float32/64 "
                         "and complex64/128)",
                         (PyObject *)PyArray_DESCR(na));
        Py_DECREF(na);
        return mode & KS_PY_ND_OPERAND ? 1 : -1;
    }
    if (!PyArray_ISALIGNED(na) || PyArray_ISBYTESWAPPED(na)) { /* the loops read native, aligned */
        PyArrayObject *c = (PyArrayObject *)PyArray_FromArray(
            na, PyArray_DescrFromType(ks_py_nd_to_npy((ks_dtype)t)),
            NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED);
        Py_DECREF(na);
        if (!c) return -1;
        na = c;
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) {
        Py_DECREF(na);
        return -1;
    }
    const int rc = ks_array_wrap(
        ctx, PyArray_DATA(na), (ks_dtype)t, PyArray_NDIM(na), (const ptrdiff_t *)PyArray_DIMS(na),
        (const ptrdiff_t *)PyArray_STRIDES(na), PyArray_ISWRITEABLE(na), release_pyobject, na, out);
    if (rc != KS_OK) {
        Py_DECREF(na);
        ks_py_nd_raise(ctx, rc);
        return -1;
    }
    return 0;
}

static int scalar(ks_dtype t, double re, double im, int64_t i, uint64_t u, int how, int weak,
                  ks_array *out)
{
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return -1;
    const int rc = how == 0   ? ks_array_scalar(ctx, t, re, im, out)
                   : how == 1 ? ks_array_scalar_i64(ctx, t, i, out)
                              : ks_array_scalar_u64(ctx, t, u, out);
    if (rc != KS_OK) {
        ks_py_nd_raise(ctx, rc);
        return -1;
    }
    if (weak) out->flags |= KS_ARRAY_WEAK;
    return 0;
}

static int from_pylong(PyObject *obj, int weak, ks_array *out)
{
    int overflow;
    const long long v = PyLong_AsLongLongAndOverflow(obj, &overflow);
    if (v == -1 && PyErr_Occurred()) return -1;
    if (!overflow) return scalar(KS_INT64, 0, 0, v, 0, 1, weak, out);
    if (overflow > 0) {
        const unsigned long long u = PyLong_AsUnsignedLongLong(obj);
        if (!(u == (unsigned long long)-1 && PyErr_Occurred()))
            return scalar(KS_UINT64, 0, 0, 0, u, 2, weak, out);
        PyErr_Clear();
    }
    PyErr_Format(PyExc_OverflowError, "Python integer %S out of bounds for %s", obj,
                 overflow > 0 ? "uint64" : "int64");
    return -1;
}

int ks_py_nd_arg_get(PyObject *obj, int mode, ks_py_nd_arg *arg)
{
    if (KS_PY_ND_CHECK(obj)) {
        arg->p = &((ks_py_nd *)obj)->arr;
        return 0;
    }
    arg->p = &arg->tmp;
    arg->tmp.data = NULL;
    arg->tmp.base = NULL;
    const int weak = mode & KS_PY_ND_WEAK;
    if (PyFloat_CheckExact(obj))
        return scalar(KS_FLOAT64, PyFloat_AS_DOUBLE(obj), 0, 0, 0, 0, weak, &arg->tmp);
    if (PyLong_CheckExact(obj)) return from_pylong(obj, weak, &arg->tmp);
    if (PyBool_Check(obj)) return scalar(KS_BOOL, 0, 0, obj == Py_True, 0, 1, 0, &arg->tmp);
    if (PyArray_Check(obj)) {
        Py_INCREF(obj);
        return from_numpy((PyArrayObject *)obj, mode, &arg->tmp);
    }
    if (PyArray_IsScalar(obj, Generic)) { /* before float: numpy.float64 is a float */
        PyObject *na = PyArray_FromScalar(obj, NULL);
        return na ? from_numpy((PyArrayObject *)na, mode, &arg->tmp) : -1;
    }
    if (PyFloat_Check(obj))
        return scalar(KS_FLOAT64, PyFloat_AsDouble(obj), 0, 0, 0, 0, weak, &arg->tmp);
    if (PyLong_Check(obj)) return from_pylong(obj, weak, &arg->tmp);
    if (PyComplex_Check(obj)) {
        const Py_complex c = PyComplex_AsCComplex(obj);
        return scalar(KS_COMPLEX128, c.real, c.imag, 0, 0, 0, weak, &arg->tmp);
    }
    if ((mode & KS_PY_ND_OPERAND) &&
        (PyUnicode_Check(obj) || PyBytes_Check(obj) || obj == Py_None || PyDict_Check(obj)))
        return 1;
    if (ks_py_nd_is_traced(obj)) {
        if (mode & KS_PY_ND_OPERAND) return 1; /* the traced value's own operator answers */
        PyErr_SetString(PyExc_TypeError, "a value traced by kestrel.nd.fuse is not an array");
        return -1;
    }
    /* lists, buffers, __array_interface__, __array__, __dlpack__ via numpy: zero-copy where the
       object's memory allows */
    PyObject *na = PyArray_FromAny(obj, NULL, 0, 0, 0, NULL);
    if (!na) return -1;
    return from_numpy((PyArrayObject *)na, mode, &arg->tmp);
}

/* ---- results ---- */

PyObject *ks_py_nd_wrap(ks_array *a, PyObject *src)
{
    ks_py_nd *o = ks_py_nd_alloc();
    if (!o) {
        ks_array_release(a);
        return NULL;
    }
    ks_array *d = &o->arr;
    d->data = a->data;
    d->dtype = a->dtype;
    d->ndim = a->ndim;
    d->flags = a->flags & ~KS_ARRAY_WEAK;
    d->base = a->base;
    for (int k = 0; k < a->ndim; k++) {
        d->shape[k] = a->shape[k];
        d->strides[k] = a->strides[k];
    }
    a->data = NULL;
    a->base = NULL;
    o->base = NULL;
    if (src && KS_PY_ND_CHECK(src) && d->base && d->base == ((ks_py_nd *)src)->arr.base) {
        PyObject *b = ((ks_py_nd *)src)->base ? ((ks_py_nd *)src)->base : src;
        Py_INCREF(b);
        o->base = b;
    }
    return (PyObject *)o;
}

PyObject *ks_py_nd_result(ks_ctx *ctx, int rc, ks_array *a, PyObject *src)
{
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    return ks_py_nd_wrap(a, src);
}

PyObject *ks_py_nd_elem(const char *p, ks_dtype t)
{
#define RD(T)                                                                                      \
    T v;                                                                                           \
    memcpy(&v, p, sizeof v)
    switch (t) {
    case KS_BOOL: return PyBool_FromLong(*p != 0);
    case KS_INT8: return PyLong_FromLong(*(const int8_t *)p);
    case KS_UINT8: return PyLong_FromLong(*(const uint8_t *)p);
    case KS_INT16: {
        RD(int16_t);
        return PyLong_FromLong(v);
    }
    case KS_UINT16: {
        RD(uint16_t);
        return PyLong_FromLong(v);
    }
    case KS_INT32: {
        RD(int32_t);
        return PyLong_FromLong(v);
    }
    case KS_UINT32: {
        RD(uint32_t);
        return PyLong_FromUnsignedLong(v);
    }
    case KS_INT64: {
        RD(int64_t);
        return PyLong_FromLongLong(v);
    }
    case KS_UINT64: {
        RD(uint64_t);
        return PyLong_FromUnsignedLongLong(v);
    }
    case KS_FLOAT32: {
        RD(float);
        return PyFloat_FromDouble(v);
    }
    case KS_FLOAT64: {
        RD(double);
        return PyFloat_FromDouble(v);
    }
    case KS_COMPLEX64: {
        float v[2];
        memcpy(v, p, sizeof v);
        return PyComplex_FromDoubles(v[0], v[1]);
    }
    case KS_COMPLEX128: {
        double v[2];
        memcpy(v, p, sizeof v);
        return PyComplex_FromDoubles(v[0], v[1]);
    }
    default: break;
    }
#undef RD
    PyErr_SetString(PyExc_SystemError, "kestrel.nd: unknown dtype");
    return NULL;
}

/* ---- arguments ---- */

int ks_py_nd_dtype_arg(PyObject *o, bool allow_none, int *out)
{
    if (!o || o == Py_None) {
        if (allow_none) {
            *out = -1;
            return 0;
        }
        PyErr_SetString(PyExc_TypeError, "a dtype is required, not None");
        return -1;
    }
    if (Py_TYPE(o) == &ks_py_dtype_type) {
        *out = ((ks_py_dtype *)o)->t;
        return 0;
    }
    if (PyUnicode_Check(o)) {
        const char *s = PyUnicode_AsUTF8(o);
        ks_ctx *ctx = s ? ks_py_nd_ctx() : NULL;
        if (!ctx) return -1;
        ks_dtype t;
        if (ks_dtype_value(ctx, s, &t) != KS_OK) {
            PyErr_Format(PyExc_TypeError, "data type %R not understood (%s)", o, ks_errmsg(ctx));
            return -1;
        }
        *out = t;
        return 0;
    }
    if (o == (PyObject *)&PyFloat_Type) return *out = KS_FLOAT64, 0;
    if (o == (PyObject *)&PyLong_Type) return *out = KS_INT64, 0;
    if (o == (PyObject *)&PyBool_Type) return *out = KS_BOOL, 0;
    if (o == (PyObject *)&PyComplex_Type) return *out = KS_COMPLEX128, 0;
    PyArray_Descr *d = NULL;
    if (!PyArray_DescrConverter(o, &d)) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "data type %R not understood", o);
        return -1;
    }
    const int t = from_npy(d->type_num);
    if (t < 0) PyErr_Format(PyExc_TypeError, "kestrel.nd has no dtype %S", (PyObject *)d);
    Py_DECREF(d);
    if (t < 0) return -1;
    *out = t;
    return 0;
}

int ks_py_nd_casting_arg(PyObject *o, ks_casting dflt, ks_casting *out)
{
    if (!o || o == Py_None) return *out = dflt, 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    ks_ctx *ctx = s ? ks_py_nd_ctx() : NULL;
    if (!ctx) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_TypeError, "casting must be a str, not %R", o);
        return -1;
    }
    if (ks_casting_value(ctx, s, out) != KS_OK) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
        return -1;
    }
    return 0;
}

int ks_py_nd_order_arg(PyObject *o, ks_order *out)
{
    *out = KS_ORDER_C;
    if (!o || o == Py_None) return 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (s && (!strcmp(s, "K") || !strcmp(s, "A"))) return 0;
    ks_ctx *ctx = s ? ks_py_nd_ctx() : NULL;
    if (!ctx) {
        if (!PyErr_Occurred()) PyErr_Format(PyExc_TypeError, "order must be a str, not %R", o);
        return -1;
    }
    if (ks_order_value(ctx, s, out) != KS_OK) {
        PyErr_Format(PyExc_ValueError, "order must be one of 'C', 'F', 'A', or 'K' (got %R)", o);
        return -1;
    }
    return 0;
}

int ks_py_nd_order_of(PyObject *o, const ks_array *a, ks_order *out)
{
    if (ks_py_nd_order_arg(o, out)) return -1;
    const char *s = o && PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (!s || (strcmp(s, "A") && strcmp(s, "K")) || ks_array_is_c_contiguous(a)) return 0;
    bool f = ks_array_is_f_contiguous(a);
    if (!f && s[0] == 'K') { /* |stride| growing along the axes of length > 1 */
        ptrdiff_t last = 0;
        f = true;
        for (int d = 0; d < a->ndim && f; d++) {
            if (a->shape[d] < 2) continue;
            const ptrdiff_t st = a->strides[d] < 0 ? -a->strides[d] : a->strides[d];
            f = st >= last;
            last = st;
        }
    }
    *out = f ? KS_ORDER_F : KS_ORDER_C;
    return 0;
}

static int index_of(PyObject *o, Py_ssize_t *v)
{
    if (!PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "'%.100s' object cannot be interpreted as an integer",
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    *v = PyNumber_AsSsize_t(o, PyExc_ValueError);
    return *v == -1 && PyErr_Occurred() ? -1 : 0;
}

int ks_py_nd_shape_arg(PyObject *o, int *ndim, ptrdiff_t *shape)
{
    Py_ssize_t v;
    if (PyIndex_Check(o)) {
        if (index_of(o, &v)) return -1;
        *ndim = 1;
        shape[0] = v;
    } else {
        PyObject *seq = PySequence_Fast(o, "");
        if (!seq) {
            PyErr_Format(PyExc_TypeError, "'%.100s' object cannot be interpreted as an integer",
                         Py_TYPE(o)->tp_name);
            return -1;
        }
        const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
        if (n > KS_ARRAY_MAXDIMS) {
            Py_DECREF(seq);
            PyErr_Format(PyExc_ValueError,
                         "maximum supported dimension for an ndarray is currently %d, found %zd",
                         KS_ARRAY_MAXDIMS, n);
            return -1;
        }
        for (Py_ssize_t k = 0; k < n; k++)
            if (index_of(PySequence_Fast_GET_ITEM(seq, k), &v)) {
                Py_DECREF(seq);
                return -1;
            } else
                shape[k] = v;
        Py_DECREF(seq);
        *ndim = (int)n;
    }
    return 0;
}

static int one_axis(PyObject *o, int ndim, int *axis)
{
    Py_ssize_t v;
    if (index_of(o, &v)) return -1;
    if (v < -ndim || v >= ndim) {
        PyErr_Format(ks_py_nd_axis_error, "axis %zd is out of bounds for array of dimension %d", v,
                     ndim);
        return -1;
    }
    *axis = (int)(v < 0 ? v + ndim : v);
    return 0;
}

int ks_py_nd_axis_arg(PyObject *o, int ndim, int *axis) { return one_axis(o, ndim, axis); }

int ks_py_nd_axes_arg(PyObject *o, int ndim, uint64_t *mask)
{
    *mask = 0;
    if (!o || o == Py_None) return 0;
    if (!PyTuple_Check(o) && !PyList_Check(o)) {
        int a;
        if (one_axis(o, ndim, &a)) return -1;
        *mask = (uint64_t)1 << a;
        return 0;
    }
    PyObject *seq = PySequence_Fast(o, "");
    if (!seq) return -1;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    for (Py_ssize_t k = 0; k < n; k++) {
        int a;
        if (one_axis(PySequence_Fast_GET_ITEM(seq, k), ndim, &a)) {
            Py_DECREF(seq);
            return -1;
        }
        if (*mask & ((uint64_t)1 << a)) {
            Py_DECREF(seq);
            PyErr_SetString(PyExc_ValueError, "duplicate value in 'axis'");
            return -1;
        }
        *mask |= (uint64_t)1 << a;
    }
    Py_DECREF(seq);
    if (n == 0) *mask = KS_AXES_EMPTY;
    return 0;
}

int ks_py_nd_args(const char *fname, PyObject *const *args, Py_ssize_t nargs, PyObject *kwnames,
                  const char *const *names, int npos, int nreq, PyObject **objs)
{
    int n = 0;
    while (names[n]) objs[n++] = NULL;
    if (nargs > npos) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional arguments (%zd given)",
                     fname, npos, nargs);
        return -1;
    }
    for (Py_ssize_t k = 0; k < nargs; k++) objs[k] = args[k];
    const Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        int j = 0;
        while (j < n && PyUnicode_CompareWithASCIIString(key, names[j])) j++;
        if (j == n) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword argument '%U'", fname,
                         key);
            return -1;
        }
        if (objs[j]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for argument '%s'", fname,
                         names[j]);
            return -1;
        }
        objs[j] = args[nargs + k];
    }
    for (int k = 0; k < nreq; k++)
        if (!objs[k]) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument '%s' (pos %d)", fname,
                         names[k], k + 1);
            return -1;
        }
    return 0;
}
