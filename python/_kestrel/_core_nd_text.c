/* _core_nd_text.c — kestrel.nd's delimited text: loadtxt over a path or the bytes of a file
 * object, savetxt to a path or to bytes (src/array/loadtxt.c, savetxt.c). nd_io.py shapes
 * NumPy's arguments into these. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

/* A str list argument as a NULL-terminated array of UTF-8 pointers (owned by the list's items);
 * NULL with the error set. */
static const char **str_list(PyObject *list, Py_ssize_t *n)
{
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "expected a list of str");
        return NULL;
    }
    *n = PyList_GET_SIZE(list);
    const char **v = PyMem_Calloc((size_t)*n + 1, sizeof *v);
    if (!v) return (const char **)PyErr_NoMemory();
    for (Py_ssize_t i = 0; i < *n; i++) {
        v[i] = PyUnicode_Check(PyList_GET_ITEM(list, i))
                   ? PyUnicode_AsUTF8(PyList_GET_ITEM(list, i))
                   : NULL;
        if (!v[i]) {
            if (!PyErr_Occurred()) PyErr_SetString(PyExc_TypeError, "expected a list of str");
            PyMem_Free(v);
            return NULL;
        }
    }
    return v;
}

/* loadtxt(source, name, dtype, delimiter, comments, quotechar, skiprows, max_rows, usecols, ndmin,
 * unpack): source a path (str) or bytes; delimiter None or a 1-char str; comments a list of str;
 * quotechar None or a 1-char str; usecols None or a list of ints. */
static PyObject *f_loadtxt(FASTCALL_ARGS)
{
    (void)self;
    PARSE("loadtxt", 11, 11, "source", "name", "dtype", "delimiter", "comments", "quotechar",
          "skiprows", "max_rows", "usecols", "ndmin", "unpack");
    ks_array_loadtxt_options opt = KS_ARRAY_LOADTXT_OPTIONS_INIT;
    const char **comments = NULL;
    ptrdiff_t *usecols = NULL;
    PyObject *r = NULL;
    int dt;
    Py_ssize_t nc;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx || ks_py_nd_dtype_arg(o[2], false, &dt)) return NULL;
    opt.dtype = (ks_dtype)dt;
    if (GIVEN(o[3]) && !(opt.delimiter = PyUnicode_AsUTF8(o[3]))) return NULL;
    if (!(comments = str_list(o[4], &nc))) return NULL;
    opt.comments = comments;
    if (GIVEN(o[5])) {
        const char *q = PyUnicode_AsUTF8(o[5]);
        if (!q) goto done;
        opt.quotechar = q[0];
    }
    opt.skiprows = PyLong_AsSize_t(o[6]);
    opt.max_rows = GIVEN(o[7]) ? PyLong_AsSsize_t(o[7]) : -1;
    opt.ndmin = PyLong_AsLong(o[9]);
    opt.unpack = PyObject_IsTrue(o[10]) > 0;
    if (PyErr_Occurred()) goto done;
    if (GIVEN(o[8])) {
        Py_ssize_t n = PyList_Check(o[8]) ? PyList_GET_SIZE(o[8]) : 0;
        usecols = PyMem_Calloc((size_t)n + 1, sizeof *usecols);
        if (!usecols) {
            PyErr_NoMemory();
            goto done;
        }
        for (Py_ssize_t i = 0; i < n; i++) usecols[i] = PyLong_AsSsize_t(PyList_GET_ITEM(o[8], i));
        if (PyErr_Occurred()) goto done;
        opt.usecols = usecols;
        opt.nusecols = (size_t)n;
    }
    const char *name = PyUnicode_AsUTF8(o[1]);
    if (!name) goto done;
    ks_array res;
    int rc;
    if (PyBytes_Check(o[0])) {
        const char *buf = PyBytes_AS_STRING(o[0]);
        const size_t len = (size_t)PyBytes_GET_SIZE(o[0]);
        Py_BEGIN_ALLOW_THREADS
            rc = ks_array_loadtxt_mem(ctx, name, buf, len, &opt, &res);
        Py_END_ALLOW_THREADS
    } else {
        const char *path = PyUnicode_AsUTF8(o[0]);
        if (!path) goto done;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_array_loadtxt(ctx, path, &opt, &res);
        Py_END_ALLOW_THREADS
    }
    if (rc == KS_EIO) {
        const char *m = ks_errmsg(ctx);
        PyErr_SetString(strstr(m, "No such file") ? PyExc_FileNotFoundError : PyExc_OSError, m);
    } else if (rc == KS_EPARSE) {
        PyErr_SetString(PyExc_ValueError, ks_errmsg(ctx));
    } else {
        r = ks_py_nd_result(ctx, rc, &res, NULL);
    }
done:
    PyMem_Free(comments);
    PyMem_Free(usecols);
    return r;
}

/* savetxt(path, a, fmt, fmts, delimiter, newline, header, footer, comments): path None gives the
 * text as bytes; fmt a str (fmts None) or fmts a list of str. */
static PyObject *f_savetxt(FASTCALL_ARGS)
{
    (void)self;
    PARSE("savetxt", 9, 9, "path", "a", "fmt", "fmts", "delimiter", "newline", "header", "footer",
          "comments");
    ks_array_savetxt_options opt = KS_ARRAY_SAVETXT_OPTIONS_INIT;
    const char **fmts = NULL;
    ks_py_nd_arg x = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (!ctx) return NULL;
    if (GIVEN(o[3])) {
        Py_ssize_t n;
        if (!(fmts = str_list(o[3], &n))) return NULL;
        opt.fmts = fmts;
        opt.nfmts = (size_t)n;
    } else if (!(opt.fmt = PyUnicode_AsUTF8(o[2]))) {
        return NULL;
    }
    if (!(opt.delimiter = PyUnicode_AsUTF8(o[4])) || !(opt.newline = PyUnicode_AsUTF8(o[5])) ||
        !(opt.header = PyUnicode_AsUTF8(o[6])) || !(opt.footer = PyUnicode_AsUTF8(o[7])) ||
        !(opt.comments = PyUnicode_AsUTF8(o[8])) || ks_py_nd_arg_get(o[1], 0, &x))
        goto done;
    int rc;
    if (GIVEN(o[0])) {
        const char *path = PyUnicode_AsUTF8(o[0]);
        if (!path) goto done;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_array_savetxt(ctx, path, x.p, &opt);
        Py_END_ALLOW_THREADS
        r = rc ? ks_py_nd_raise(ctx, rc) : Py_NewRef(Py_None);
    } else {
        char *text;
        size_t len;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_array_savetxt_mem(ctx, x.p, &opt, &text, &len);
        Py_END_ALLOW_THREADS
        if (rc) {
            ks_py_nd_raise(ctx, rc);
        } else {
            r = PyBytes_FromStringAndSize(text, (Py_ssize_t)len);
            ks_string_free(text);
        }
    }
done:
    if (x.p) ks_py_nd_arg_release(&x);
    PyMem_Free(fmts);
    return r;
}

PyMethodDef ks_py_nd_text_funcs[] = {
    {"loadtxt", FAST(f_loadtxt),
     "loadtxt(source, name, dtype, delimiter, comments, quotechar, "
     "skiprows, max_rows, usecols, ndmin, unpack)"},
    {"savetxt", FAST(f_savetxt),
     "savetxt(path, a, fmt, fmts, delimiter, newline, header, footer, "
     "comments): None, or the text as bytes when path is None"},
    {NULL, NULL, 0, NULL},
};
