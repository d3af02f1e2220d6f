/* _core.c — the CPython extension kestrel._core: converts Python/NumPy arguments to kestrel C
 * calls and results back, releasing the GIL around the computation. Contiguous float64 and
 * int64 columns cross without a copy. No statistics is computed here. */
#define PY_SSIZE_T_CLEAN
#include "_core.h"

static PyObject *KestrelError;

/* Log lines collected during a call, handed back to Python as a list of (level, message). */
void ks_py_collect_log(void *ud, ks_log_level level, const char *msg)
{
    PyObject *list = ud;
    PyGILState_STATE g = PyGILState_Ensure();
    PyObject *item = Py_BuildValue("(is)", (int)level, msg);
    if (item) {
        PyList_Append(list, item);
        Py_DECREF(item);
    }
    PyGILState_Release(g);
}

PyObject *ks_py_raise(ks_ctx *ctx, int rc)
{
    PyErr_SetString(rc == KS_ENOMEM ? PyExc_MemoryError : KestrelError, ks_errmsg(ctx));
    return NULL;
}

/* A vector (cols 0) or a column-major rows x cols block (NULL: NaN) as a C-ordered array. */
PyObject *ks_py_arr(const double *v, npy_intp rows, npy_intp cols)
{
    npy_intp dims[2] = {rows, cols};
    PyObject *a = PyArray_SimpleNew(cols ? 2 : 1, dims, NPY_DOUBLE);
    if (!a) return NULL;
    double *d = PyArray_DATA((PyArrayObject *)a);
    if (!cols)
        for (npy_intp i = 0; i < rows; i++) d[i] = v ? v[i] : NAN;
    else
        for (npy_intp i = 0; i < rows; i++)
            for (npy_intp j = 0; j < cols; j++) d[i * cols + j] = v ? v[j * rows + i] : NAN;
    return a;
}

/* Sizes as an int64 array. */
PyObject *ks_py_strs(const char *const *v, size_t n)
{
    PyObject *l = PyList_New((Py_ssize_t)n);
    for (size_t j = 0; l && j < n; j++) {
        PyObject *s = PyUnicode_FromString(v[j] ? v[j] : "");
        if (!s) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, (Py_ssize_t)j, s);
    }
    return l;
}

PyObject *ks_py_sizes(const size_t *v, npy_intp n)
{
    PyObject *a = PyArray_SimpleNew(1, &n, NPY_INT64);
    if (a)
        for (npy_intp i = 0; i < n; i++)
            ((int64_t *)PyArray_DATA((PyArrayObject *)a))[i] = (int64_t)v[i];
    return a;
}

const char **ks_py_str_list(PyObject *seq, const char *what, PyObject **keep, Py_ssize_t *n)
{
    *keep = PySequence_Fast(seq, "");
    if (!*keep) {
        if (PyErr_ExceptionMatches(PyExc_TypeError))
            PyErr_Format(PyExc_TypeError, "%s: expected a sequence of str, not %s", what,
                         Py_TYPE(seq)->tp_name);
        return NULL;
    }
    const Py_ssize_t len = PySequence_Fast_GET_SIZE(*keep);
    if (n) *n = len;
    const char **v = PyMem_Calloc((size_t)len + 1, sizeof *v);
    if (!v) {
        Py_CLEAR(*keep);
        PyErr_NoMemory();
        return NULL;
    }
    Py_ssize_t i = 0;
    for (; i < len; i++) {
        PyObject *s = PySequence_Fast_GET_ITEM(*keep, i);
        if (!PyUnicode_Check(s)) {
            PyErr_Format(PyExc_TypeError, "%s: expected a sequence of str, not one with %s", what,
                         Py_TYPE(s)->tp_name);
            break;
        }
        if (!(v[i] = PyUnicode_AsUTF8(s))) break;
    }
    if (i < len) {
        PyMem_Free(v);
        Py_CLEAR(*keep);
        return NULL;
    }
    return v;
}

/* A context with threads threads (0: all cores), or -1 with the Python error set (*ctx is NULL
 * or to be freed). */
int ks_py_ctx(ks_ctx **ctx, int threads)
{
    if (ks_ctx_new(ctx) != KS_OK) {
        PyErr_NoMemory();
        return -1;
    }
    if (threads > 0 && ks_ctx_set_threads(*ctx, threads) != KS_OK) {
        ks_py_raise(*ctx, KS_EINVAL);
        return -1;
    }
    return 0;
}

int ks_py_fit_begin(PyObject *cols, int threads, ks_ctx **ctx, ks_table **t, PyObject **keep,
                    PyObject **notes)
{
    if (t) *t = NULL;
    if (keep) *keep = NULL;
    if (notes) *notes = NULL;
    if (ks_py_ctx(ctx, threads)) return -1;
    if (notes) {
        if (!(*notes = PyList_New(0))) return -1;
        ks_ctx_set_log(*ctx, ks_py_collect_log, *notes);
    }
    if (!cols) return 0;
    if (!(*keep = PyList_New(0))) return -1;
    return (*t = ks_py_table_from_dict(*ctx, cols, *keep)) ? 0 : -1;
}

PyObject *ks_py_fit_end(PyObject *out, int rc, ks_ctx *ctx, ks_table *t, PyObject *keep,
                        PyObject *notes)
{
    if (rc) out = ks_py_raise(ctx, rc);
    ks_table_free(t);
    ks_ctx_free(ctx);
    Py_XDECREF(keep);
    Py_XDECREF(notes);
    return out;
}

static struct PyModuleDef moddef = {PyModuleDef_HEAD_INIT,
                                    "_core",
                                    "kestrel's C engine (internal; use the kestrel package)",
                                    -1,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL,
                                    NULL};

PyMODINIT_FUNC PyInit__core(void)
{
    import_array();
    PyObject *m = PyModule_Create(&moddef);
    if (!m) return NULL;
    PyMethodDef *parts[] = {
        ks_py_table_methods,       ks_py_regress_methods,        ks_py_did_methods,
        ks_py_mars_methods,        ks_py_gsem_methods,           ks_py_h2rg_methods,
        ks_py_sem_methods,         ks_py_usermodel_methods,      ks_py_gwas_methods,
        ks_py_enum_methods,        ks_py_did_imputation_methods, ks_py_did_power_methods,
        ks_py_did_stacked_methods, ks_py_did_honest_methods,     ks_py_did_conley_methods};
    for (size_t i = 0; i < sizeof parts / sizeof *parts; i++)
        if (PyModule_AddFunctions(m, parts[i])) {
            Py_DECREF(m);
            return NULL;
        }
    KestrelError = PyErr_NewException("kestrel.KestrelError", PyExc_ValueError, NULL);
    if (!KestrelError || PyModule_AddObject(m, "KestrelError", KestrelError) ||
        PyModule_AddIntConstant(m, "LOG_WARN", KS_LOG_WARN) || /* notes.py: which to warn */
        PyModule_AddStringConstant(m, "__version__", ks_version()) ||
        PyModule_AddStringConstant(m, "build_info", ks_build_info()) || ks_py_nd_init(m)) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}