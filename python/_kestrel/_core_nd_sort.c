/* _core_nd_sort.c — kestrel.nd's sorting, searching and sets (sort, argsort, partition,
 * argpartition, lexsort, searchsorted, unique, isin) and the ndarray methods sort (in place),
 * argsort, partition (in place) and searchsorted, each one call into the library. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* axis: None -> KS_AXIS_NONE, NULL -> -1 (the default), else an int checked against ndim. */
static int axis_arg(PyObject *o, int ndim, int *axis)
{
    if (o == Py_None) {
        *axis = KS_AXIS_NONE;
        return 0;
    }
    if (!o)
        o = PyLong_FromLong(-1);
    else
        Py_INCREF(o);
    if (!o) return -1;
    const int rc = ks_py_nd_axis_arg(o, ndim, axis);
    Py_DECREF(o);
    return rc;
}

static int kind_arg(ks_ctx *ctx, PyObject *o, ks_sort_kind *kind)
{
    *kind = KS_SORT_QUICKSORT;
    if (!GIVEN(o)) return 0;
    const char *s = PyUnicode_AsUTF8(o);
    if (!s) return -1;
    if (ks_sort_kind_value(ctx, s, kind) != KS_OK) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
        return -1;
    }
    return 0;
}

/* kth: an int or a sequence of ints (at most KS_ARRAY_MAXDIMS * 4 of them). */
#define MAXKTH 128
static int kth_arg(PyObject *o, int *n, ptrdiff_t *kth)
{
    if (PyIndex_Check(o)) {
        *n = 1;
        kth[0] = PyNumber_AsSsize_t(o, PyExc_OverflowError);
        return kth[0] == -1 && PyErr_Occurred() ? -1 : 0;
    }
    PyObject *seq = PySequence_Fast(o, "kth must be an int or a sequence of ints");
    if (!seq) return -1;
    const Py_ssize_t m = PySequence_Fast_GET_SIZE(seq);
    if (m > MAXKTH) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "at most %d kth values", MAXKTH);
        return -1;
    }
    *n = (int)m;
    for (Py_ssize_t i = 0; i < m; i++) {
        PyObject *x = PySequence_Fast_GET_ITEM(seq, i);
        kth[i] = PyIndex_Check(x) ? PyNumber_AsSsize_t(x, PyExc_OverflowError) : -1;
        if (!PyIndex_Check(x)) PyErr_SetString(PyExc_TypeError, "Partition index must be integer");
        if (kth[i] == -1 && PyErr_Occurred()) {
            Py_DECREF(seq);
            return -1;
        }
    }
    Py_DECREF(seq);
    return 0;
}

enum { SORT, ARGSORT, PARTITION, ARGPARTITION };

/* The shared body: op over a along axis (kind or kth); `inplace`: written back into a. */
static PyObject *sort_call(int op, PyObject *a, PyObject *axis_o, PyObject *kind_o, bool inplace)
{
    ks_py_nd_arg x;
    PyObject *r = NULL;
    int axis, nkth = 0;
    ptrdiff_t kth[MAXKTH];
    ks_sort_kind kind;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(a, 0, &x)) goto done;
    if (axis_arg(axis_o, x.p->ndim, &axis)) goto done;
    if (op >= PARTITION ? kth_arg(kind_o, &nkth, kth) : kind_arg(ctx, kind_o, &kind)) goto done;
    ks_array res;
    int rc;
    const bool nogil = ks_array_size(x.p) > KS_PY_ND_NOGIL;
    PyThreadState *ts = nogil ? PyEval_SaveThread() : NULL;
    switch (op) {
    case SORT: rc = ks_array_sort(ctx, x.p, axis, kind, &res); break;
    case ARGSORT: rc = ks_array_argsort(ctx, x.p, axis, kind, &res); break;
    case PARTITION: rc = ks_array_partition(ctx, x.p, nkth, kth, axis, &res); break;
    default: rc = ks_array_argpartition(ctx, x.p, nkth, kth, axis, &res); break;
    }
    if (ts) PyEval_RestoreThread(ts);
    if (inplace && rc == KS_OK) {
        rc = ks_array_assign(ctx, (ks_array *)x.p, &res, KS_CASTING_UNSAFE);
        ks_array_release(&res);
        r = rc == KS_OK ? Py_NewRef(Py_None) : ks_py_nd_raise(ctx, rc);
    } else {
        r = ks_py_nd_result(ctx, rc, &res, NULL);
    }
done:
    if (x.p) ks_py_nd_arg_release(&x);
    return r;
}

static PyObject *f_sort(FASTCALL_ARGS)
{
    (void)self;
    PARSE("sort", 3, 1, "a", "axis", "kind");
    return sort_call(SORT, o[0], o[1], o[2], false);
}
static PyObject *f_argsort(FASTCALL_ARGS)
{
    (void)self;
    PARSE("argsort", 3, 1, "a", "axis", "kind");
    return sort_call(ARGSORT, o[0], o[1], o[2], false);
}
static PyObject *f_partition(FASTCALL_ARGS)
{
    (void)self;
    PARSE("partition", 3, 2, "a", "kth", "axis");
    return sort_call(PARTITION, o[0], o[2], o[1], false);
}
static PyObject *f_argpartition(FASTCALL_ARGS)
{
    (void)self;
    PARSE("argpartition", 3, 2, "a", "kth", "axis");
    return sort_call(ARGPARTITION, o[0], o[2], o[1], false);
}

/* lexsort(keys, axis): keys a sequence of arrays (or one 2-d array: its rows). */
static PyObject *f_lexsort(FASTCALL_ARGS)
{
    (void)self;
    PARSE("lexsort", 2, 1, "keys", "axis");
    PyObject *seq = PySequence_Fast(o[0], "keys must be a sequence");
    if (!seq) return NULL;
    const Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    ks_py_nd_arg x[8] = {{0}};
    const ks_array *keys[8];
    PyObject *r = NULL;
    int axis = -1;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) goto done;
    if (n > 8) {
        PyErr_SetString(PyExc_ValueError, "lexsort: at most 8 keys");
        goto done;
    }
    for (Py_ssize_t k = 0; k < n; k++) {
        if (ks_py_nd_arg_get(PySequence_Fast_GET_ITEM(seq, k), 0, &x[k])) goto done;
        keys[k] = x[k].p;
    }
    if (n > 0 && axis_arg(o[1] ? o[1] : NULL, x[n - 1].p->ndim, &axis)) goto done;
    ks_array res;
    r = ks_py_nd_result(ctx, ks_array_lexsort(ctx, (int)n, keys, axis, &res), &res, NULL);
done:
    for (int k = 0; k < 8; k++)
        if (x[k].p) ks_py_nd_arg_release(&x[k]);
    Py_DECREF(seq);
    return r;
}

static PyObject *searchsorted(PyObject *a, PyObject *v, PyObject *side_o, PyObject *sorter_o)
{
    ks_py_nd_arg x = {0}, y = {0}, s = {0};
    PyObject *r = NULL;
    ks_side side = KS_SIDE_LEFT;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(a, 0, &x) || ks_py_nd_arg_get(v, KS_PY_ND_WEAK, &y) ||
        (GIVEN(sorter_o) && ks_py_nd_arg_get(sorter_o, 0, &s)))
        goto done;
    if (GIVEN(side_o)) {
        const char *str = PyUnicode_AsUTF8(side_o);
        if (!str) goto done;
        if (ks_side_value(ctx, str, &side) != KS_OK) {
            PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
            goto done;
        }
    }
    ks_array res;
    r = ks_py_nd_result(ctx, ks_array_searchsorted(ctx, x.p, y.p, side, s.p, &res), &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (y.p) ks_py_nd_arg_release(&y);
    if (s.p) ks_py_nd_arg_release(&s);
    return r;
}
static PyObject *f_searchsorted(FASTCALL_ARGS)
{
    (void)self;
    PARSE("searchsorted", 4, 2, "a", "v", "side", "sorter");
    return searchsorted(o[0], o[1], o[2], o[3]);
}

/* unique(a, flags, axis=None) -> (values, index, inverse, counts), None for those not asked for;
 * an axis gives the distinct sub-arrays along it. */
static PyObject *f_unique(FASTCALL_ARGS)
{
    (void)self;
    PARSE("unique", 3, 2, "a", "flags", "axis");
    ks_py_nd_arg x;
    const long flags = PyLong_AsLong(o[1]);
    int axis = 0;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || (flags == -1 && PyErr_Occurred()) || ks_py_nd_arg_get(o[0], 0, &x)) return NULL;
    if (GIVEN(o[2]) && ks_py_nd_axis_arg(o[2], x.p->ndim, &axis)) {
        ks_py_nd_arg_release(&x);
        return NULL;
    }
    ks_array res[4];
    const int rc =
        GIVEN(o[2]) ? ks_array_unique_axis(ctx, x.p, axis, (unsigned)flags, &res[0], &res[1],
                                           &res[2], &res[3])
                    : ks_array_unique(ctx, x.p, (unsigned)flags, &res[0], &res[1], &res[2], &res[3]);
    ks_py_nd_arg_release(&x);
    if (rc != KS_OK) return ks_py_nd_raise(ctx, rc);
    PyObject *r = PyTuple_New(4);
    for (int k = 0; k < 4; k++) {
        PyObject *e = res[k].data ? ks_py_nd_wrap(&res[k], NULL) : Py_NewRef(Py_None);
        if (!e || !r) {
            for (int j = k + 1; j < 4; j++) ks_array_release(&res[j]);
            Py_XDECREF(e);
            Py_XDECREF(r);
            return NULL;
        }
        PyTuple_SET_ITEM(r, k, e);
    }
    return r;
}

static PyObject *f_isin(FASTCALL_ARGS)
{
    (void)self;
    PARSE("isin", 3, 2, "element", "test_elements", "invert");
    ks_py_nd_arg x = {0}, t = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], KS_PY_ND_WEAK, &x) ||
        ks_py_nd_arg_get(o[1], KS_PY_ND_WEAK, &t))
        goto done;
    ks_array res;
    const bool invert = GIVEN(o[2]) && PyObject_IsTrue(o[2]) > 0;
    r = ks_py_nd_result(ctx, ks_array_isin(ctx, x.p, t.p, invert, &res), &res, NULL);
done:
    if (x.p) ks_py_nd_arg_release(&x);
    if (t.p) ks_py_nd_arg_release(&t);
    return r;
}

PyMethodDef ks_py_nd_sort_funcs[] = {
    {"sort", FAST(f_sort), "sort(a, axis=-1, kind=None)"},
    {"argsort", FAST(f_argsort), "argsort(a, axis=-1, kind=None)"},
    {"partition", FAST(f_partition), "partition(a, kth, axis=-1)"},
    {"argpartition", FAST(f_argpartition), "argpartition(a, kth, axis=-1)"},
    {"lexsort", FAST(f_lexsort), "lexsort(keys, axis=-1)"},
    {"searchsorted", FAST(f_searchsorted), "searchsorted(a, v, side='left', sorter=None)"},
    {"unique", FAST(f_unique), "unique(a, flags, axis=None) -> (values, index, inverse, counts)"},
    {"isin", FAST(f_isin), "isin(element, test_elements, invert=False)"},
    {NULL, NULL, 0, NULL},
};

/* ---- methods ---- */

static PyObject *m_sort(FASTCALL_ARGS)
{
    PARSE("sort", 3, 0, "axis", "kind", "order");
    if (GIVEN(o[2])) {
        PyErr_SetString(PyExc_ValueError, "Cannot specify order when the array has no fields.");
        return NULL;
    }
    if (!(((ks_py_nd *)self)->arr.flags & KS_ARRAY_WRITEABLE)) {
        PyErr_SetString(PyExc_ValueError, "assignment destination is read-only");
        return NULL;
    }
    return sort_call(SORT, self, o[0], o[1], true);
}
static PyObject *m_argsort(FASTCALL_ARGS)
{
    PARSE("argsort", 3, 0, "axis", "kind", "order");
    return sort_call(ARGSORT, self, o[0], o[1], false);
}
static PyObject *m_partition(FASTCALL_ARGS)
{
    PARSE("partition", 4, 1, "kth", "axis", "kind", "order");
    if (!(((ks_py_nd *)self)->arr.flags & KS_ARRAY_WRITEABLE)) {
        PyErr_SetString(PyExc_ValueError, "assignment destination is read-only");
        return NULL;
    }
    return sort_call(PARTITION, self, o[1], o[0], true);
}
static PyObject *m_argpartition(FASTCALL_ARGS)
{
    PARSE("argpartition", 4, 1, "kth", "axis", "kind", "order");
    return sort_call(ARGPARTITION, self, o[1], o[0], false);
}
static PyObject *m_searchsorted(FASTCALL_ARGS)
{
    PARSE("searchsorted", 3, 1, "v", "side", "sorter");
    return searchsorted(self, o[0], o[1], o[2]);
}

PyMethodDef ks_py_nd_sort_methods[] = {
    {"sort", FAST(m_sort), "a.sort(axis=-1, kind=None): sort in place"},
    {"argsort", FAST(m_argsort), "a.argsort(axis=-1, kind=None)"},
    {"partition", FAST(m_partition), "a.partition(kth, axis=-1): partition in place"},
    {"argpartition", FAST(m_argpartition), "a.argpartition(kth, axis=-1)"},
    {"searchsorted", FAST(m_searchsorted), "a.searchsorted(v, side='left', sorter=None)"},
    {NULL, NULL, 0, NULL},
};
