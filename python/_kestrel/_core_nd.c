/* _core_nd.c — the submodule _kestrel._core.nd behind kestrel.nd: the ndarray, dtype and ufunc
 * types, the dtypes and ufuncs by NumPy's names, AxisError, and the functions of
 * _core_nd_funcs.c, _core_nd_reduce.c, _core_nd_stats.c and _core_nd_dlpack.c. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* The thread count of this thread's ctx (nd.threads() sets it around a block). */
static PyObject *get_threads(PyObject *self, PyObject *unused)
{
    (void)self, (void)unused;
    ks_ctx *ctx = ks_py_nd_ctx();
    return ctx ? PyLong_FromLong(ks_ctx_threads(ctx)) : NULL;
}

static PyObject *set_threads(PyObject *self, PyObject *n)
{
    (void)self;
    const long v = PyLong_AsLong(n);
    if (v == -1 && PyErr_Occurred()) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    if (v < 0 || v > INT_MAX || ks_ctx_set_threads(ctx, (int)v) != KS_OK) {
        PyErr_Format(PyExc_ValueError, "threads must be >= 0, not %ld", v);
        return NULL;
    }
    Py_RETURN_NONE;
}

static PyMethodDef thread_funcs[] = {
    {"get_threads", get_threads, METH_NOARGS, "the threads this Python thread's calls use"},
    {"set_threads", set_threads, METH_O, "set_threads(n): n threads (0: all) for this thread"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef nd_def = {PyModuleDef_HEAD_INIT,
                                    "_kestrel._core.nd",
                                    "kestrel.nd's C side (internal; use kestrel.nd)",
                                    -1,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

int ks_py_nd_init(PyObject *core)
{
    PyObject *m = PyModule_Create(&nd_def);
    if (!m) return -1;
    PyObject *bases = PyTuple_Pack(2, PyExc_ValueError, PyExc_IndexError);
    ks_py_nd_axis_error = bases ? PyErr_NewException("kestrel.nd.AxisError", bases, NULL) : NULL;
    Py_XDECREF(bases);
    PyMethodDef *tables[] = {ks_py_nd_funcs,        ks_py_nd_reduce_funcs, ks_py_nd_stats_funcs,
                             ks_py_nd_dlpack_funcs, ks_py_nd_random_funcs, ks_py_nd_io_funcs,
                             ks_py_nd_sort_funcs,   ks_py_nd_fuse_funcs,   ks_py_nd_linalg_funcs,
                             ks_py_nd_products_funcs, ks_py_nd_fft_funcs, thread_funcs,
                             ks_py_nd_along_funcs, ks_py_nd_text_funcs};
    int bad = !ks_py_nd_axis_error ||
              PyModule_AddObject(m, "AxisError", Py_NewRef(ks_py_nd_axis_error)) ||
              ks_py_nd_type_init() || ks_py_nd_elide_init() ||
              PyModule_AddObject(m, "ndarray", Py_NewRef((PyObject *)&ks_py_nd_type)) ||
              ks_py_dtype_init(m) || ks_py_ufunc_init(m) ||
              PyModule_AddIntConstant(m, "NOGIL_SIZE", KS_PY_ND_NOGIL) ||
              PyModule_AddIntConstant(m, "MAXDIMS", KS_ARRAY_MAXDIMS);
    for (size_t t = 0; !bad && t < sizeof tables / sizeof *tables; t++)
        bad = PyModule_AddFunctions(m, tables[t]);
    if (bad || PyModule_AddObject(core, "nd", m)) {
        Py_DECREF(m);
        return -1;
    }
    return 0;
}
