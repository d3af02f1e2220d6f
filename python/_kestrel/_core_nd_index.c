/* _core_nd_index.c — a[key] and a[key] = value: Python's index objects (ints, slices, None,
 * Ellipsis, bool and integer arrays, lists, tuples of these) as ks_index entries for
 * ks_array_index_get / _set. Basic indexes give views, as NumPy's. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

#define MAXIDX (2 * KS_ARRAY_MAXDIMS)

typedef struct {
    int n, narr;
    ks_index idx[MAXIDX];
    ks_py_nd_arg arr[KS_ARRAY_MAXDIMS];
} parsed;

static void parsed_release(parsed *p)
{
    for (int k = 0; k < p->narr; k++) ks_py_nd_arg_release(&p->arr[k]);
    p->narr = 0;
}

static int bad_index(void)
{
    PyErr_SetString(PyExc_IndexError,
                    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and "
                    "integer or boolean arrays are valid indices");
    return -1;
}

static int add_array(parsed *p, PyObject *o, ks_index *e)
{
    if (p->narr == KS_ARRAY_MAXDIMS) {
        PyErr_SetString(PyExc_IndexError, "too many indices for array");
        return -1;
    }
    ks_py_nd_arg *a = &p->arr[p->narr];
    const int rc = ks_py_nd_arg_get(o, 0, a);
    if (rc) {
        if (a->p) ks_py_nd_arg_release(a);
        return -1;
    }
    p->narr++;
    const char k = ks_dtype_kind(a->p->dtype);
    if (k != 'b' && k != 'i' && k != 'u') {
        PyErr_SetString(PyExc_IndexError,
                        "arrays used as indices must be of integer (or boolean) type");
        return -1;
    }
    e->kind = KS_INDEX_ARRAY;
    e->array = a->p;
    return 0;
}

static int one(parsed *p, PyObject *o)
{
    if (p->n == MAXIDX) {
        PyErr_SetString(PyExc_IndexError, "too many indices for array");
        return -1;
    }
    ks_index *e = &p->idx[p->n++];
    e->array = NULL;
    e->has_start = e->has_stop = false;
    e->start = e->stop = 0;
    e->step = 1;
    if (PyLong_CheckExact(o)) {
        e->kind = KS_INDEX_INT;
        e->start = PyLong_AsSsize_t(o);
        if (e->start == -1 && PyErr_Occurred()) {
            PyErr_Clear();
            PyErr_Format(PyExc_IndexError, "index %S is out of bounds", o);
            return -1;
        }
        return 0;
    }
    if (PySlice_Check(o)) {
        PySliceObject *s = (PySliceObject *)o;
        Py_ssize_t start, stop, step;
        if (PySlice_Unpack(o, &start, &stop, &step)) return -1;
        e->kind = KS_INDEX_SLICE;
        e->has_start = s->start != Py_None;
        e->has_stop = s->stop != Py_None;
        e->start = start;
        e->stop = stop;
        e->step = step;
        return 0;
    }
    if (o == Py_None) return e->kind = KS_INDEX_NEWAXIS, 0;
    if (o == Py_Ellipsis) return e->kind = KS_INDEX_ELLIPSIS, 0;
    if (KS_PY_ND_CHECK(o)) {
        const ks_array *a = &((ks_py_nd *)o)->arr;
        const char k = ks_dtype_kind(a->dtype);
        if (a->ndim == 0 && (k == 'i' || k == 'u')) { /* an integer, as NumPy's 0-d index */
            PyObject *v = ks_py_nd_elem(a->data, a->dtype);
            if (!v) return -1;
            e->kind = KS_INDEX_INT;
            e->start = PyLong_AsSsize_t(v);
            Py_DECREF(v);
            return e->start == -1 && PyErr_Occurred() ? -1 : 0;
        }
        return add_array(p, o, e);
    }
    if (PyBool_Check(o) || PyArray_Check(o) || PyList_Check(o) || PyTuple_Check(o))
        return add_array(p, o, e);
    if (PyIndex_Check(o)) {
        e->kind = KS_INDEX_INT;
        e->start = PyNumber_AsSsize_t(o, PyExc_IndexError);
        return e->start == -1 && PyErr_Occurred() ? -1 : 0;
    }
    return bad_index();
}

static int parse(PyObject *key, parsed *p)
{
    p->n = p->narr = 0;
    if (!PyTuple_Check(key)) return one(p, key);
    for (Py_ssize_t k = 0; k < PyTuple_GET_SIZE(key); k++)
        if (one(p, PyTuple_GET_ITEM(key, k))) return -1;
    return 0;
}

PyObject *ks_py_nd_getitem(PyObject *self, PyObject *key)
{
    parsed p;
    p.narr = 0;
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (ctx && !parse(key, &p)) {
        ks_array out;
        r = ks_py_nd_result(
            ctx, ks_array_index_get(ctx, &((ks_py_nd *)self)->arr, p.n, p.idx, &out), &out, self);
    }
    parsed_release(&p);
    return r;
}

int ks_py_nd_setitem(PyObject *self, PyObject *key, PyObject *value)
{
    if (!value) {
        PyErr_SetString(PyExc_ValueError, "cannot delete array elements");
        return -1;
    }
    parsed p;
    p.narr = 0;
    ks_py_nd_arg v = {0};
    int rc = -1;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (ctx && !parse(key, &p) && !ks_py_nd_arg_get(value, KS_PY_ND_WEAK, &v)) {
        const int st = ks_array_index_set(ctx, &((ks_py_nd *)self)->arr, p.n, p.idx, v.p);
        if (st == KS_OK)
            rc = 0;
        else
            ks_py_nd_raise(ctx, st);
    }
    if (v.p) ks_py_nd_arg_release(&v);
    parsed_release(&p);
    return rc;
}
