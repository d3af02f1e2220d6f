/* _core_nd_dtype.c — kestrel.nd's dtype objects: one singleton per ks_dtype with NumPy's name,
 * kind, itemsize, str and char, equal to the strings and NumPy dtypes that name the same type.
 * A kestrel type rather than numpy.dtype, so that kestrel.nd's answers do not depend on NumPy's
 * objects; numpy.dtype(kestrel.nd.float64) works through the `dtype` attribute NumPy looks for. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

#include <structmember.h>

static ks_py_dtype singletons[KS_NDTYPES];

PyObject *ks_py_dtype_of(ks_dtype t) { return (PyObject *)&singletons[t]; }

#define T(o) (((ks_py_dtype *)(o))->t)

static PyObject *dt_name(PyObject *o, void *c)
{
    (void)c;
    return PyUnicode_FromString(ks_dtype_name(T(o)));
}
static PyObject *dt_kind(PyObject *o, void *c)
{
    (void)c;
    const char k = ks_dtype_kind(T(o));
    return PyUnicode_FromStringAndSize(&k, 1);
}
static PyObject *dt_itemsize(PyObject *o, void *c)
{
    (void)c;
    return PyLong_FromSize_t(ks_dtype_size(T(o)));
}
/* The array interface's type string ('<f8', '|b1'). */
static PyObject *dt_str(PyObject *o, void *c)
{
    (void)c;
    const size_t n = ks_dtype_size(T(o));
    const char k = ks_dtype_kind(T(o));
    const int little = PY_LITTLE_ENDIAN;
    return PyUnicode_FromFormat("%c%c%zu", n == 1 ? '|' : little ? '<' : '>', k, n);
}
/* NumPy's one-character code. */
static PyObject *dt_char(PyObject *o, void *c)
{
    (void)c;
    static const char codes[KS_NDTYPES + 1] = "?bhilBHILfdFD";
    return PyUnicode_FromStringAndSize(&codes[T(o)], 1);
}
static PyObject *dt_numpy(PyObject *o, void *c)
{
    (void)c;
    return (PyObject *)PyArray_DescrFromType(ks_py_nd_to_npy(T(o)));
}

static PyGetSetDef dt_getset[] = {
    {"name", dt_name, NULL, "NumPy's name of the type ('float64')", NULL},
    {"kind", dt_kind, NULL, "'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex", NULL},
    {"itemsize", dt_itemsize, NULL, "bytes per element", NULL},
    {"str", dt_str, NULL, "the array interface's type string ('<f8')", NULL},
    {"char", dt_char, NULL, "NumPy's one-character code", NULL},
    {"dtype", dt_numpy, NULL, "the numpy.dtype of the same type (what numpy.dtype() reads)", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyObject *dt_repr(PyObject *o)
{
    return PyUnicode_FromFormat("dtype('%s')", ks_dtype_name(T(o)));
}
static PyObject *dt_strfn(PyObject *o) { return PyUnicode_FromString(ks_dtype_name(T(o))); }
static Py_hash_t dt_hash(PyObject *o) { return (Py_hash_t)T(o) + 0x5ca1ab1e; }

static PyObject *dt_richcompare(PyObject *a, PyObject *b, int op)
{
    if (op != Py_EQ && op != Py_NE) Py_RETURN_NOTIMPLEMENTED;
    int t;
    if (ks_py_nd_dtype_arg(b, false, &t)) { /* not a type: unequal, as numpy.dtype says */
        PyErr_Clear();
        if (Py_TYPE(b) != &PyUnicode_Type && b != Py_None) Py_RETURN_NOTIMPLEMENTED;
        t = -1;
    }
    return PyBool_FromLong((t == (int)T(a)) == (op == Py_EQ));
}

PyTypeObject ks_py_dtype_type = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "kestrel.nd.dtype",
    .tp_basicsize = sizeof(ks_py_dtype),
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "An element type of kestrel.nd arrays: bool, int8-64, uint8-64, float32/64, "
              "complex64/128. Equal to its name and to the numpy.dtype of the same type.",
    .tp_getset = dt_getset,
    .tp_repr = dt_repr,
    .tp_str = dt_strfn,
    .tp_hash = dt_hash,
    .tp_richcompare = dt_richcompare,
};

int ks_py_dtype_init(PyObject *m)
{
    if (PyType_Ready(&ks_py_dtype_type)) return -1;
    for (int t = 0; t < KS_NDTYPES; t++) {
        PyObject *o = (PyObject *)&singletons[t];
        Py_SET_TYPE(o, &ks_py_dtype_type);
        Py_SET_REFCNT(o, 1); /* immortal: the module holds them for the process's life */
        singletons[t].t = (ks_dtype)t;
        Py_INCREF(o);
        if (PyModule_AddObject(m, ks_dtype_name((ks_dtype)t), o)) return -1;
    }
    Py_INCREF(&ks_py_dtype_type);
    return PyModule_AddObject(m, "dtype", (PyObject *)&ks_py_dtype_type);
}
