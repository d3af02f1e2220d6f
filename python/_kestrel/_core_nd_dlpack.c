/* _core_nd_dlpack.c — DLPack both ways: ndarray.__dlpack__ / __dlpack_device__ hand a capsule
 * over the array's memory (versioned 1.x when the consumer asks for it, else the legacy struct),
 * and from_dlpack wraps another library's tensor without a copy. The structs are DLPack's ABI
 * (dlpack.h, v1.0), declared here because no header of theirs is installed. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

enum { DL_CPU = 1 };
enum { DL_INT = 0, DL_UINT = 1, DL_FLOAT = 2, DL_COMPLEX = 5, DL_BOOL = 6 };
#define DL_READ_ONLY ((uint64_t)1)

typedef struct {
    int32_t device_type, device_id;
} dl_device;
typedef struct {
    uint8_t code, bits;
    uint16_t lanes;
} dl_dtype;
typedef struct {
    void *data;
    dl_device device;
    int32_t ndim;
    dl_dtype dtype;
    int64_t *shape, *strides; /* strides in elements; NULL: C-contiguous */
    uint64_t byte_offset;
} dl_tensor;
typedef struct dl_managed {
    dl_tensor t;
    void *manager_ctx;
    void (*deleter)(struct dl_managed *);
} dl_managed;
typedef struct dl_managed_v {
    uint32_t major, minor;
    void *manager_ctx;
    void (*deleter)(struct dl_managed_v *);
    uint64_t flags;
    dl_tensor t;
} dl_managed_v;

/* ---- export ---- */

/* What a capsule owns: the managed struct (one of the two), the shape and strides it points to,
 * and a reference to the array's buffer (released without the GIL). */
typedef struct {
    dl_managed legacy;
    dl_managed_v versioned;
    ks_array ref;
    int64_t dims[2 * KS_ARRAY_MAXDIMS];
} export_block;

static void export_free(export_block *b)
{
    ks_array_release(&b->ref);
    PyMem_RawFree(b);
}
static void legacy_deleter(dl_managed *m) { export_free(m->manager_ctx); }
static void versioned_deleter(dl_managed_v *m) { export_free(m->manager_ctx); }

static void capsule_legacy(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, "dltensor")) return; /* consumed: the consumer deletes it */
    dl_managed *m = PyCapsule_GetPointer(cap, "dltensor");
    if (m && m->deleter) m->deleter(m);
}
static void capsule_versioned(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, "dltensor_versioned")) return;
    dl_managed_v *m = PyCapsule_GetPointer(cap, "dltensor_versioned");
    if (m && m->deleter) m->deleter(m);
}

static dl_dtype to_dl(ks_dtype t)
{
    const char k = ks_dtype_kind(t);
    dl_dtype d = {k == 'b'   ? DL_BOOL
                  : k == 'i' ? DL_INT
                  : k == 'u' ? DL_UINT
                  : k == 'f' ? DL_FLOAT
                             : DL_COMPLEX,
                  (uint8_t)(8 * ks_dtype_size(t)), 1};
    return d;
}

static PyObject *m_dlpack(FASTCALL_ARGS)
{
    static const char *const names[] = {"stream", "max_version", "dl_device", "copy", NULL};
    PyObject *o[5];
    if (ks_py_nd_args("__dlpack__", args, nargs, kw, names, 0, 0, o)) return NULL;
    bool versioned = false;
    if (GIVEN(o[1])) {
        long major = -1;
        if (PyTuple_Check(o[1]) && PyTuple_GET_SIZE(o[1]) >= 1)
            major = PyLong_AsLong(PyTuple_GET_ITEM(o[1], 0));
        if (major == -1 && PyErr_Occurred()) return NULL;
        versioned = major >= 1;
    }
    if (GIVEN(o[2])) {
        PyObject *want = Py_BuildValue("(ii)", DL_CPU, 0);
        const int same = want ? PyObject_RichCompareBool(o[2], want, Py_EQ) : -1;
        Py_XDECREF(want);
        if (same < 0) return NULL;
        if (!same) {
            PyErr_SetString(PyExc_BufferError, "kestrel.nd arrays are on the CPU (1, 0) only");
            return NULL;
        }
    }
    const int copy = GIVEN(o[3]) ? PyObject_IsTrue(o[3]) : 0;
    if (copy < 0) return NULL;
    const ks_array *a = ARR(self);
    if (!versioned && !(a->flags & KS_ARRAY_WRITEABLE) && !copy) {
        PyErr_SetString(PyExc_BufferError,
                        "Cannot export readonly array since signalling readonly is unsupported by "
                        "DLPack (supported by newer DLPack version).");
        return NULL;
    }
    export_block *b = PyMem_RawCalloc(1, sizeof *b);
    if (!b) return PyErr_NoMemory();
    if (copy) {
        ks_ctx *ctx = ks_py_nd_ctx();
        const int rc = ctx ? ks_array_copy(ctx, a, KS_ORDER_C, &b->ref) : KS_ENOMEM;
        if (rc != KS_OK) {
            PyMem_RawFree(b);
            return ctx ? ks_py_nd_raise(ctx, rc) : NULL;
        }
    } else
        ks_array_ref(a, &b->ref);
    const ks_array *r = &b->ref;
    const ptrdiff_t item = (ptrdiff_t)ks_dtype_size(r->dtype);
    for (int k = 0; k < r->ndim; k++) {
        if (r->strides[k] % item) {
            export_free(b);
            PyErr_SetString(PyExc_BufferError, "strides not a multiple of the item size");
            return NULL;
        }
        b->dims[k] = r->shape[k];
        b->dims[KS_ARRAY_MAXDIMS + k] = r->strides[k] / item;
    }
    dl_tensor t = {
        r->data, {DL_CPU, 0}, r->ndim, to_dl(r->dtype), b->dims, b->dims + KS_ARRAY_MAXDIMS, 0};
    PyObject *cap;
    if (versioned) {
        b->versioned.major = 1;
        b->versioned.minor = 0;
        b->versioned.manager_ctx = b;
        b->versioned.deleter = versioned_deleter;
        b->versioned.flags = r->flags & KS_ARRAY_WRITEABLE ? 0 : DL_READ_ONLY;
        b->versioned.t = t;
        cap = PyCapsule_New(&b->versioned, "dltensor_versioned", capsule_versioned);
    } else {
        b->legacy.t = t;
        b->legacy.manager_ctx = b;
        b->legacy.deleter = legacy_deleter;
        cap = PyCapsule_New(&b->legacy, "dltensor", capsule_legacy);
    }
    if (!cap) export_free(b);
    return cap;
}

static PyObject *m_dlpack_device(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    return Py_BuildValue("(ii)", DL_CPU, 0);
}

PyMethodDef ks_py_nd_dlpack_methods[] = {
    {"__dlpack__", (PyCFunction)(void (*)(void))m_dlpack, METH_FASTCALL | METH_KEYWORDS,
     "__dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None): a DLPack "
     "capsule over this array's memory"},
    {"__dlpack_device__", m_dlpack_device, METH_NOARGS, "(1, 0): the CPU"},
    {NULL, NULL, 0, NULL},
};

/* ---- import ---- */

static void release_legacy(void *m) { ((dl_managed *)m)->deleter((dl_managed *)m); }
static void release_versioned(void *m) { ((dl_managed_v *)m)->deleter((dl_managed_v *)m); }

static int from_dl(dl_dtype d, ks_dtype *t)
{
    static const struct {
        uint8_t code, bits;
        ks_dtype t;
    } map[] = {
        {DL_BOOL, 8, KS_BOOL},           {DL_INT, 8, KS_INT8},       {DL_INT, 16, KS_INT16},
        {DL_INT, 32, KS_INT32},          {DL_INT, 64, KS_INT64},     {DL_UINT, 8, KS_UINT8},
        {DL_UINT, 16, KS_UINT16},        {DL_UINT, 32, KS_UINT32},   {DL_UINT, 64, KS_UINT64},
        {DL_FLOAT, 32, KS_FLOAT32},      {DL_FLOAT, 64, KS_FLOAT64}, {DL_COMPLEX, 64, KS_COMPLEX64},
        {DL_COMPLEX, 128, KS_COMPLEX128}};
    for (size_t k = 0; k < sizeof map / sizeof *map; k++)
        if (map[k].code == d.code && map[k].bits == d.bits && d.lanes == 1) {
            *t = map[k].t;
            return 0;
        }
    PyErr_Format(PyExc_TypeError, "kestrel.nd has no dtype for DLPack type code %d, %d bits",
                 d.code, d.bits);
    return -1;
}

static PyObject *f_from_dlpack(PyObject *self, PyObject *const *args, Py_ssize_t nargs,
                               PyObject *kw)
{
    (void)self;
    static const char *const names[] = {"x", "device", "copy", NULL};
    PyObject *o[4];
    if (ks_py_nd_args("from_dlpack", args, nargs, kw, names, 1, 1, o)) return NULL;
    PyObject *meth = PyObject_GetAttrString(o[0], "__dlpack__");
    if (!meth) return NULL;
    PyObject *kwargs = Py_BuildValue("{s:(ii)}", "max_version", 1, 0);
    PyObject *noargs = PyTuple_New(0);
    PyObject *cap = kwargs && noargs ? PyObject_Call(meth, noargs, kwargs) : NULL;
    if (!cap && PyErr_ExceptionMatches(PyExc_TypeError)) { /* a producer older than 2023.12 */
        PyErr_Clear();
        cap = PyObject_CallNoArgs(meth);
    }
    Py_XDECREF(kwargs);
    Py_XDECREF(noargs);
    Py_DECREF(meth);
    if (!cap) return NULL;
    const bool versioned = PyCapsule_IsValid(cap, "dltensor_versioned");
    if (!versioned && !PyCapsule_IsValid(cap, "dltensor")) {
        Py_DECREF(cap);
        PyErr_SetString(PyExc_TypeError, "__dlpack__ did not return a DLPack capsule");
        return NULL;
    }
    void *m = PyCapsule_GetPointer(cap, versioned ? "dltensor_versioned" : "dltensor");
    const dl_tensor *t = versioned ? &((dl_managed_v *)m)->t : &((dl_managed *)m)->t;
    const bool writeable = !versioned || !(((dl_managed_v *)m)->flags & DL_READ_ONLY);
    ks_dtype dt;
    if (t->device.device_type != DL_CPU || t->ndim > KS_ARRAY_MAXDIMS || t->ndim < 0) {
        Py_DECREF(cap);
        PyErr_SetString(PyExc_BufferError, "from_dlpack: only CPU tensors of at most 32 axes");
        return NULL;
    }
    if (from_dl(t->dtype, &dt)) {
        Py_DECREF(cap);
        return NULL;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], strides[KS_ARRAY_MAXDIMS];
    const ptrdiff_t item = (ptrdiff_t)ks_dtype_size(dt);
    ptrdiff_t step = item;
    for (int k = t->ndim - 1; k >= 0; k--) {
        shape[k] = (ptrdiff_t)t->shape[k];
        strides[k] = t->strides ? (ptrdiff_t)t->strides[k] * item : step;
        step *= shape[k];
    }
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) {
        Py_DECREF(cap);
        return NULL;
    }
    ks_array a;
    const int rc = ks_array_wrap(ctx, (char *)t->data + t->byte_offset, dt, t->ndim, shape, strides,
                                 writeable, versioned ? release_versioned : release_legacy, m, &a);
    if (rc != KS_OK) {
        Py_DECREF(cap);
        return ks_py_nd_raise(ctx, rc);
    }
    /* ours now: the capsule must not delete it */
    (void)PyCapsule_SetName(cap, versioned ? "used_dltensor_versioned" : "used_dltensor");
    Py_DECREF(cap);
    PyObject *r = ks_py_nd_wrap(&a, NULL);
    if (r && GIVEN(o[2]) && PyObject_IsTrue(o[2]) > 0) {
        ks_array c;
        const int st = ks_array_copy(ctx, ARR(r), KS_ORDER_C, &c);
        Py_DECREF(r);
        r = ks_py_nd_result(ctx, st, &c, NULL);
    }
    return r;
}

PyMethodDef ks_py_nd_dlpack_funcs[] = {
    {"from_dlpack", (PyCFunction)(void (*)(void))f_from_dlpack, METH_FASTCALL | METH_KEYWORDS,
     "from_dlpack(x, *, device=None, copy=None)\n--\n\nan ndarray over x's memory (x has "
     "__dlpack__)"},
    {NULL, NULL, 0, NULL},
};
