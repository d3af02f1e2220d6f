/* _core_nd_io.c — kestrel.nd's .npy / .npz files: save_npy, load_npy, save_npz, and an open
 * archive as a capsule (npz_open, npz_files, npz_load, npz_close) behind kestrel.nd's NpzFile.
 * Paths are str, bytes or os.PathLike (file objects are refused in kestrel.nd). */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core_nd.h"

#define NPZ_CAPSULE "kestrel.nd.npz"

/* The library's error as NumPy's np.load raises it: a missing or unreadable file is an OSError
 * (FileNotFoundError when it does not exist), a missing member a KeyError, a bad file a
 * ValueError. */
static PyObject *raise(ks_ctx *ctx, int rc)
{
    const char *m = ks_errmsg(ctx);
    PyObject *type = PyExc_ValueError;
    if (rc == KS_ENOMEM)
        type = PyExc_MemoryError;
    else if (rc == KS_EIO)
        type = strstr(m, "No such file") ? PyExc_FileNotFoundError : PyExc_OSError;
    else if (rc == KS_ENOTFOUND)
        type = PyExc_KeyError;
    PyErr_SetString(type, m);
    return NULL;
}

/* save_npy(path, a) */
static PyObject *f_save_npy(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path = NULL, *a;
    if (!PyArg_ParseTuple(args, "O&O:save_npy", PyUnicode_FSConverter, &path, &a)) return NULL;
    ks_py_nd_arg x = {0};
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    if (ctx && !ks_py_nd_arg_get(a, 0, &x)) {
        int rc;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_array_save_npy(ctx, PyBytes_AS_STRING(path), x.p);
        Py_END_ALLOW_THREADS
        r = rc ? raise(ctx, rc) : Py_NewRef(Py_None);
    }
    if (x.p) ks_py_nd_arg_release(&x);
    Py_DECREF(path);
    return r;
}

/* load_npy(path, mmap_mode) with mmap_mode None, "r", "r+" or "c". */
static PyObject *f_load_npy(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path = NULL, *mode;
    if (!PyArg_ParseTuple(args, "O&O:load_npy", PyUnicode_FSConverter, &path, &mode)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    ks_mmap_mode mm = KS_MMAP_NONE;
    PyObject *r = NULL;
    if (!ctx) goto done;
    if (mode != Py_None) {
        const char *s = PyUnicode_Check(mode) ? PyUnicode_AsUTF8(mode) : NULL;
        if (!s || !strcmp(s, "none") || ks_mmap_mode_value(ctx, s, &mm) != KS_OK) {
            PyErr_Clear();
            PyErr_Format(PyExc_ValueError,
                         "mode must be one of None, 'r', 'r+' or 'c' (kestrel maps existing files "
                         "only), not %R",
                         mode);
            goto done;
        }
    }
    ks_array a;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_array_load_npy(ctx, PyBytes_AS_STRING(path), mm, &a);
    Py_END_ALLOW_THREADS
    r = rc ? raise(ctx, rc) : ks_py_nd_wrap(&a, NULL);
done:
    Py_DECREF(path);
    return r;
}

/* save_npz(path, names, arrays, compress): names a list of str, arrays a list as long. */
static PyObject *f_save_npz(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path = NULL, *names, *arrays;
    int compress;
    if (!PyArg_ParseTuple(args, "O&O!O!p:save_npz", PyUnicode_FSConverter, &path, &PyList_Type,
                          &names, &PyList_Type, &arrays, &compress))
        return NULL;
    const Py_ssize_t n = PyList_GET_SIZE(names);
    PyObject *r = NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    const char **cn = PyMem_Calloc((size_t)n + 1, sizeof *cn);
    ks_py_nd_arg *xs = PyMem_Calloc((size_t)n + 1, sizeof *xs);
    const ks_array **ps = PyMem_Calloc((size_t)n + 1, sizeof *ps);
    if (!cn || !xs || !ps) {
        PyErr_NoMemory();
        goto done;
    }
    if (!ctx || PyList_GET_SIZE(arrays) != n) {
        if (ctx) PyErr_SetString(PyExc_ValueError, "save_npz: names and arrays differ in length");
        goto done;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *nm = PyList_GET_ITEM(names, i);
        if (!PyUnicode_Check(nm)) {
            PyErr_Format(PyExc_TypeError, "an array's name must be a str, not %.100s",
                         Py_TYPE(nm)->tp_name);
            goto done;
        }
        if (!(cn[i] = PyUnicode_AsUTF8(nm)) ||
            ks_py_nd_arg_get(PyList_GET_ITEM(arrays, i), 0, &xs[i]))
            goto done;
        ps[i] = xs[i].p;
    }
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_array_save_npz(ctx, PyBytes_AS_STRING(path), (size_t)n, cn, ps, compress);
    Py_END_ALLOW_THREADS
    r = rc ? raise(ctx, rc) : Py_NewRef(Py_None);
done:
    for (Py_ssize_t i = 0; xs && i < n; i++)
        if (xs[i].p) ks_py_nd_arg_release(&xs[i]);
    PyMem_Free(cn);
    PyMem_Free(xs);
    PyMem_Free(ps);
    Py_DECREF(path);
    return r;
}

static void npz_destroy(PyObject *cap) { ks_npz_free(PyCapsule_GetPointer(cap, NPZ_CAPSULE)); }

static ks_npz *npz_of(PyObject *cap)
{
    if (!PyCapsule_IsValid(cap, NPZ_CAPSULE)) {
        PyErr_SetString(PyExc_ValueError, "the archive is closed");
        return NULL;
    }
    return PyCapsule_GetPointer(cap, NPZ_CAPSULE);
}

static PyObject *f_npz_open(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *path = NULL;
    if (!PyArg_ParseTuple(args, "O&:npz_open", PyUnicode_FSConverter, &path)) return NULL;
    ks_ctx *ctx = ks_py_nd_ctx();
    PyObject *r = NULL;
    if (ctx) {
        ks_npz *z;
        int rc;
        Py_BEGIN_ALLOW_THREADS
            rc = ks_npz_open(ctx, PyBytes_AS_STRING(path), &z);
        Py_END_ALLOW_THREADS
        if (rc)
            raise(ctx, rc);
        else if (!(r = PyCapsule_New(z, NPZ_CAPSULE, npz_destroy)))
            ks_npz_free(z);
    }
    Py_DECREF(path);
    return r;
}

/* The member names (NpzFile.files), a list of str. */
static PyObject *f_npz_files(PyObject *self, PyObject *cap)
{
    (void)self;
    ks_npz *z = npz_of(cap);
    if (!z) return NULL;
    ks_npz_view v;
    ks_npz_get(z, &v);
    PyObject *l = PyList_New((Py_ssize_t)v.n);
    for (size_t i = 0; l && i < v.n; i++) {
        PyObject *s =
            PyUnicode_DecodeUTF8(v.names[i], (Py_ssize_t)strlen(v.names[i]), "surrogateescape");
        if (!s)
            Py_CLEAR(l);
        else
            PyList_SET_ITEM(l, (Py_ssize_t)i, s);
    }
    return l;
}

static PyObject *f_npz_load(PyObject *self, PyObject *args)
{
    (void)self;
    PyObject *cap;
    const char *name;
    if (!PyArg_ParseTuple(args, "Os:npz_load", &cap, &name)) return NULL;
    ks_npz *z = npz_of(cap);
    ks_ctx *ctx = z ? ks_py_nd_ctx() : NULL;
    if (!ctx) return NULL;
    ks_array a;
    int rc;
    Py_BEGIN_ALLOW_THREADS
        rc = ks_npz_load(ctx, z, name, &a);
    Py_END_ALLOW_THREADS
    return rc ? raise(ctx, rc) : ks_py_nd_wrap(&a, NULL);
}

/* Close the archive now (its file descriptor); the capsule is then empty. */
static PyObject *f_npz_close(PyObject *self, PyObject *cap)
{
    (void)self;
    if (PyCapsule_IsValid(cap, NPZ_CAPSULE)) {
        ks_npz *z = PyCapsule_GetPointer(cap, NPZ_CAPSULE);
        ks_npz_free(z);
        /* a capsule cannot hold NULL: mark it closed by its name */
        (void)PyCapsule_SetName(cap, "kestrel.nd.npz.closed");
        (void)PyCapsule_SetDestructor(cap, NULL);
    }
    Py_RETURN_NONE;
}

PyMethodDef ks_py_nd_io_funcs[] = {
    {"save_npy", f_save_npy, METH_VARARGS, "save_npy(path, a): a .npy file"},
    {"load_npy", f_load_npy, METH_VARARGS, "load_npy(path, mmap_mode): the array of a .npy file"},
    {"save_npz", f_save_npz, METH_VARARGS, "save_npz(path, names, arrays, compress): a .npz file"},
    {"npz_open", f_npz_open, METH_VARARGS, "npz_open(path): an open .npz archive (a capsule)"},
    {"npz_files", f_npz_files, METH_O, "npz_files(z): the archive's member names"},
    {"npz_load", f_npz_load, METH_VARARGS, "npz_load(z, name): a member's array"},
    {"npz_close", f_npz_close, METH_O, "npz_close(z): close the archive"},
    {NULL, NULL, 0, NULL},
};
