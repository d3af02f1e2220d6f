/* _core_nd_along.c — kestrel.nd's take_along_axis and put_along_axis (src/array/along.c). */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* axis: None (KS_AXIS_NONE) or an int checked against ndim. */
static int along_axis(PyObject *o, int ndim, int *axis)
{
    if (!GIVEN(o)) {
        *axis = KS_AXIS_NONE;
        return 0;
    }
    return ks_py_nd_axis_arg(o, ndim, axis);
}

static PyObject *f_take_along_axis(FASTCALL_ARGS)
{
    (void)self;
    PARSE("take_along_axis", 3, 2, "arr", "indices", "axis");
    ks_py_nd_arg a = {0}, i = {0};
    PyObject *r = NULL;
    int axis;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[0], 0, &a) || ks_py_nd_arg_get(o[1], 0, &i) ||
        along_axis(o[2], a.p->ndim, &axis))
        goto done;
    ks_array res;
    r = ks_py_nd_result(ctx, ks_array_take_along_axis(ctx, a.p, i.p, axis, &res), &res, NULL);
done:
    if (a.p) ks_py_nd_arg_release(&a);
    if (i.p) ks_py_nd_arg_release(&i);
    return r;
}

static PyObject *f_put_along_axis(FASTCALL_ARGS)
{
    (void)self;
    PARSE("put_along_axis", 4, 4, "arr", "indices", "values", "axis");
    if (!KS_PY_ND_CHECK(o[0])) {
        PyErr_SetString(PyExc_TypeError, "put_along_axis: arr must be a kestrel.nd.ndarray");
        return NULL;
    }
    ks_py_nd_arg i = {0}, v = {0};
    PyObject *r = NULL;
    int axis;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_arg_get(o[1], 0, &i) || ks_py_nd_arg_get(o[2], KS_PY_ND_WEAK, &v) ||
        along_axis(o[3], ARR(o[0])->ndim, &axis))
        goto done;
    const int rc = ks_array_put_along_axis(ctx, ARR(o[0]), i.p, v.p, axis);
    r = rc ? ks_py_nd_raise(ctx, rc) : Py_NewRef(Py_None);
done:
    if (i.p) ks_py_nd_arg_release(&i);
    if (v.p) ks_py_nd_arg_release(&v);
    return r;
}

PyMethodDef ks_py_nd_along_funcs[] = {
    {"take_along_axis", FAST(f_take_along_axis), "take_along_axis(arr, indices, axis=-1)"},
    {"put_along_axis", FAST(f_put_along_axis), "put_along_axis(arr, indices, values, axis)"},
    {NULL, NULL, 0, NULL},
};
