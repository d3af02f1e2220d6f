/* _core_table.c — tables for kestrel._core: Python columns (NumPy arrays, lists of str) to a
 * ks_table without copying contiguous float64 / int64 data, and read_csv. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

/* Add one column from a Python object to the table. Arrays that must live as long as the table
 * are appended to `keep`. */
static int add_column(ks_ctx *ctx, ks_table *t, const char *name, PyObject *obj, PyObject *keep,
                      npy_intp nrow)
{
    PyArrayObject *arr =
        (PyArrayObject *)PyArray_FROMANY(obj, NPY_NOTYPE, 1, 1, NPY_ARRAY_IN_ARRAY);
    if (!arr) return -1;
    if (PyArray_DIM(arr, 0) != nrow) {
        PyErr_Format(PyExc_ValueError, "column '%s' has %zd rows, expected %zd", name,
                     (Py_ssize_t)PyArray_DIM(arr, 0), (Py_ssize_t)nrow);
        Py_DECREF(arr);
        return -1;
    }
    int type = PyArray_TYPE(arr), rc;
    PyArrayObject *use = arr;
    if (type == NPY_OBJECT || type == NPY_UNICODE || type == NPY_STRING) {
        const char **s = PyMem_Calloc((size_t)nrow + 1, sizeof *s);
        uint8_t *valid = PyMem_Calloc((size_t)nrow + 1, 1);
        PyObject *strs = PyList_New(nrow);
        if (!s || !valid || !strs) {
            PyMem_Free(s);
            PyMem_Free(valid);
            Py_XDECREF(strs);
            Py_DECREF(arr);
            PyErr_NoMemory();
            return -1;
        }
        for (npy_intp i = 0; i < nrow; i++) {
            PyObject *it = PyArray_GETITEM(arr, PyArray_GETPTR1(arr, i));
            if (!it) break;
            int na = it == Py_None ||
                     (PyFloat_Check(it) && PyFloat_AS_DOUBLE(it) != PyFloat_AS_DOUBLE(it));
            PyObject *str = na ? (Py_INCREF(Py_None), Py_None) : PyObject_Str(it);
            Py_DECREF(it);
            if (!str) break;
            PyList_SET_ITEM(strs, i, str);
            if (!na) {
                s[i] = PyUnicode_AsUTF8(str);
                valid[i] = s[i] != NULL;
            }
        }
        rc = PyErr_Occurred() ? -1 : ks_table_add_string(ctx, t, name, s, valid);
        PyMem_Free(s);
        PyMem_Free(valid);
        Py_DECREF(strs);
        Py_DECREF(arr);
        if (rc > 0 || (rc < 0 && !PyErr_Occurred())) {
            ks_py_raise(ctx, rc);
            return -1;
        }
        return rc ? -1 : 0;
    }
    if (type == NPY_BOOL || (PyTypeNum_ISINTEGER(type) && type != NPY_INT64)) {
        use =
            (PyArrayObject *)PyArray_FROMANY((PyObject *)arr, NPY_INT64, 1, 1, NPY_ARRAY_IN_ARRAY);
        Py_DECREF(arr);
        if (!use) return -1;
        type = NPY_INT64;
    } else if (type != NPY_INT64 && type != NPY_DOUBLE) {
        use =
            (PyArrayObject *)PyArray_FROMANY((PyObject *)arr, NPY_DOUBLE, 1, 1, NPY_ARRAY_IN_ARRAY);
        Py_DECREF(arr);
        if (!use) {
            PyErr_Format(PyExc_TypeError, "column '%s' is neither numeric nor text", name);
            return -1;
        }
        type = NPY_DOUBLE;
    }
    rc = type == NPY_DOUBLE ? ks_table_add_float64_borrowed(ctx, t, name, PyArray_DATA(use))
                            : ks_table_add_int64_borrowed(ctx, t, name, PyArray_DATA(use));
    if (rc) {
        Py_DECREF(use);
        ks_py_raise(ctx, rc);
        return -1;
    }
    rc = PyList_Append(keep, (PyObject *)use);
    Py_DECREF(use);
    return rc;
}

/* A table borrowing the columns of a dict {name: array}. */
ks_table *ks_py_table_from_dict(ks_ctx *ctx, PyObject *cols, PyObject *keep)
{
    if (!PyDict_Check(cols)) {
        PyErr_SetString(PyExc_TypeError, "columns must be a dict of arrays");
        return NULL;
    }
    npy_intp nrow = -1;
    PyObject *key, *val;
    Py_ssize_t pos = 0;
    while (PyDict_Next(cols, &pos, &key, &val)) {
        Py_ssize_t len = PyObject_Length(val);
        if (len < 0) return NULL;
        if (nrow < 0) nrow = len;
    }
    ks_table *t = NULL;
    int rc = ks_table_new(ctx, nrow < 0 ? 0 : (size_t)nrow, &t);
    if (rc) return (ks_table *)ks_py_raise(ctx, rc);
    pos = 0;
    while (PyDict_Next(cols, &pos, &key, &val)) {
        const char *name = PyUnicode_AsUTF8(key);
        if (!name || add_column(ctx, t, name, val, keep, nrow)) {
            ks_table_free(t);
            return NULL;
        }
    }
    return t;
}

static void table_capsule_free(PyObject *cap)
{
    ks_table_free(PyCapsule_GetPointer(cap, "kestrel.table"));
}

static PyObject *py_read_csv(PyObject *self, PyObject *args)
{
    (void)self;
    const char *path;
    if (!PyArg_ParseTuple(args, "s", &path)) return NULL;
    ks_ctx *ctx;
    if (ks_py_ctx(&ctx, 0)) return NULL;
    ks_table *t = NULL;
    int rc;
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.allow_empty = 1; /* a header alone: a frame of 0 rows, as pandas reads it */
    Py_BEGIN_ALLOW_THREADS
        rc = ks_table_read_csv(ctx, path, &o, &t);
    Py_END_ALLOW_THREADS
    PyObject *out = NULL;
    if (rc) {
        ks_py_raise(ctx, rc);
        goto done;
    }
    npy_intp n = (npy_intp)ks_table_nrow(t);
    /* Numeric columns become views of the table's memory (no copy); the capsule frees the
     * table when the last of them is gone. */
    PyObject *owner = PyCapsule_New(t, "kestrel.table", table_capsule_free);
    if (!owner) goto done;
    t = NULL;
    ks_table *tt = PyCapsule_GetPointer(owner, "kestrel.table");
    if (!(out = PyDict_New())) {
        Py_DECREF(owner);
        goto done;
    }
    for (size_t j = 0; j < ks_table_ncol(tt); j++) {
        PyObject *a = NULL;
        ks_col_type type = ks_table_col_type(tt, j);
        switch (type) {
        case KS_COL_INT64:
        case KS_COL_FLOAT64:
            a = PyArray_SimpleNewFromData(1, &n, type == KS_COL_INT64 ? NPY_INT64 : NPY_DOUBLE,
                                          type == KS_COL_INT64 ? (void *)ks_table_int64(tt, j)
                                                               : (void *)ks_table_float64(tt, j));
            if (a) {
                Py_INCREF(owner);
                if (PyArray_SetBaseObject((PyArrayObject *)a, owner) < 0) Py_CLEAR(a);
            }
            break;
        default:
            a = PyArray_SimpleNew(1, &n, NPY_OBJECT);
            for (npy_intp i = 0; a && i < n; i++) {
                const char *s = ks_table_string(tt, j, (size_t)i);
                PyObject *v = s ? PyUnicode_FromString(s) : (Py_INCREF(Py_None), Py_None);
                if (!v) {
                    Py_CLEAR(a);
                    break;
                }
                PyArray_SETITEM((PyArrayObject *)a, PyArray_GETPTR1((PyArrayObject *)a, i), v);
                Py_DECREF(v);
            }
        }
        if (!a || PyDict_SetItemString(out, ks_table_col_name(tt, j), a)) {
            Py_XDECREF(a);
            Py_CLEAR(out);
            break;
        }
        Py_DECREF(a);
    }
    Py_DECREF(owner);
done:
    ks_table_free(t);
    ks_ctx_free(ctx);
    return out;
}

PyMethodDef ks_py_table_methods[] = {
    {"read_csv", py_read_csv, METH_VARARGS, "read_csv(path) -> dict of arrays"},
    {NULL, NULL, 0, NULL},
};
