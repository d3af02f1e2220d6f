/* _core_enum.c — the names of the library's enumerations for Python: enum_value("vcov_kind",
 * "HC1") and enum_name("vcov_kind", 1), through the C functions ks_<enum>_value / _name, so that
 * Python accepts exactly the words the library and the CLI accept and keeps no copy of them.
 * A new public enum gets one WRAP line and one ENTRY line here. */
#define PY_SSIZE_T_CLEAN
#define NO_IMPORT_ARRAY
#include "_core.h"

#define WRAP(E)                                                                                    \
    static const char *name_##E(int v) { return ks_##E##_name((ks_##E)v); }                        \
    static int value_##E(ks_ctx *ctx, const char *s, int *out)                                     \
    {                                                                                              \
        ks_##E v;                                                                                  \
        const int rc = ks_##E##_value(ctx, s, &v);                                                 \
        if (rc == KS_OK) *out = (int)v;                                                            \
        return rc;                                                                                 \
    }
#define ENTRY(E) {#E, name_##E, value_##E}

WRAP(col_type)
WRAP(log_level)
WRAP(mars_pmethod)
WRAP(mars_family)
WRAP(mars_stop)
WRAP(gsem_munge_mode)
WRAP(gsem_gc)
WRAP(gsem_gwas_method)
WRAP(vcov_kind)
WRAP(did_control)
WRAP(did_method)
WRAP(did_base)
WRAP(did_boot_weights)
WRAP(did_agg_type)
WRAP(did_sdid_estimator)
WRAP(did_sdid_variance)
WRAP(did_bacon_type)
WRAP(sem_estimator)
WRAP(sem_call)
WRAP(sem_se)

static const struct {
    const char *enum_name;
    const char *(*name)(int);
    int (*value)(ks_ctx *, const char *, int *);
} enums[] = {
    /* clang-format off */
    ENTRY(col_type),
    ENTRY(log_level),
    ENTRY(mars_pmethod),
    ENTRY(mars_family),
    ENTRY(mars_stop),
    ENTRY(gsem_munge_mode),
    ENTRY(gsem_gc),
    ENTRY(gsem_gwas_method),
    ENTRY(vcov_kind),
    ENTRY(did_control),
    ENTRY(did_method),
    ENTRY(did_base),
    ENTRY(did_boot_weights),
    ENTRY(did_agg_type),
    ENTRY(did_sdid_estimator),
    ENTRY(did_sdid_variance),
    ENTRY(did_bacon_type),
    ENTRY(sem_estimator),
    ENTRY(sem_call),
    ENTRY(sem_se),
    /* clang-format on */
};

static int find(const char *e)
{
    for (size_t i = 0; i < sizeof enums / sizeof *enums; i++)
        if (!strcmp(enums[i].enum_name, e)) return (int)i;
    PyErr_Format(PyExc_KeyError, "no enumeration '%s' in kestrel", e);
    return -1;
}

static PyObject *py_enum_value(PyObject *self, PyObject *args)
{
    (void)self;
    const char *e, *s;
    if (!PyArg_ParseTuple(args, "ss", &e, &s)) return NULL;
    const int i = find(e);
    if (i < 0) return NULL;
    ks_ctx *ctx;
    if (ks_py_ctx(&ctx, 0)) {
        ks_ctx_free(ctx);
        return NULL;
    }
    int v = 0;
    const int rc = enums[i].value(ctx, s, &v);
    PyObject *out = rc == KS_OK ? PyLong_FromLong(v) : ks_py_raise(ctx, rc);
    ks_ctx_free(ctx);
    return out;
}

static PyObject *py_enum_name(PyObject *self, PyObject *args)
{
    (void)self;
    const char *e;
    int v;
    if (!PyArg_ParseTuple(args, "si", &e, &v)) return NULL;
    const int i = find(e);
    if (i < 0) return NULL;
    const char *name = enums[i].name(v);
    if (name) return PyUnicode_FromString(name);
    Py_RETURN_NONE;
}

PyMethodDef ks_py_enum_methods[] = {
    {"enum_value", py_enum_value, METH_VARARGS,
     "enum_value(enum, name) -> int (KestrelError listing the names for any other word)"},
    {"enum_name", py_enum_name, METH_VARARGS, "enum_name(enum, value) -> str or None"},
    {NULL, NULL, 0, NULL},
};
