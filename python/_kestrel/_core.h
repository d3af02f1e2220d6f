/* _core.h — what the files of the extension kestrel._core share. One file per module of the
 * library (_core_table.c, _core_regress.c, _core_did.c, _core_mars.c, _core_gsem.c,
 * _core_h2rg.c, _core_sem.c), each with its table of methods; _core.c makes the module from them.
 *
 * Every binding follows one pattern: parse the arguments, make a ctx (ks_py_ctx), collect the
 * library's log notes (ks_py_collect_log), release the GIL around the C call only
 * (Py_BEGIN_ALLOW_THREADS / Py_END_ALLOW_THREADS), turn a failure into KestrelError with the
 * library's message (ks_py_raise), and hand results back as dicts of NumPy arrays. A binding
 * that fits a table starts with ks_py_fit_begin and ends with ks_py_fit_end. No statistics is
 * computed here. */
#ifndef KS_PY_CORE_H
#define KS_PY_CORE_H

#define PY_ARRAY_UNIQUE_SYMBOL kestrel_ARRAY_API
#include <Python.h>
#include <numpy/arrayobject.h>
#include <string.h>

#include "kestrel/kestrel.h"

/* Set KestrelError (MemoryError for KS_ENOMEM) with ks_errmsg(ctx); returns NULL. */
PyObject *ks_py_raise(ks_ctx *ctx, int rc);
/* A context with `threads` threads (0: all cores), or -1 with the Python error set (*ctx is NULL
 * or to be freed). */
int ks_py_ctx(ks_ctx **ctx, int threads);
/* The start every fit binding shares: the ctx (ks_py_ctx); with `notes` not NULL, a new list
 * *notes that the library's log goes to (ks_py_collect_log); with `cols` not NULL, a new list
 * *keep and the table *t of the dict `cols` (ks_py_table_from_dict). Returns 0, or -1 with the
 * Python error set; either way the caller's one clean-up block hands what it got (every output
 * starts NULL) to ks_py_fit_end. */
int ks_py_fit_begin(PyObject *cols, int threads, ks_ctx **ctx, ks_table **t, PyObject **keep,
                    PyObject **notes);
/* The end every fit binding shares, after its own clean-up: when the library call failed (rc
 * not KS_OK, out then NULL), the library's error is raised (ks_py_raise); what ks_py_fit_begin
 * made is freed (NULL arguments are skipped). Returns out, or NULL after the raise. */
PyObject *ks_py_fit_end(PyObject *out, int rc, ks_ctx *ctx, ks_table *t, PyObject *keep,
                        PyObject *notes);
/* A ks_log_fn appending (level, message) to the Python list `ud` (takes the GIL itself); the
 * binding returns the list as "notes" (python/_kestrel/notes.py passes warnings on). */
void ks_py_collect_log(void *ud, ks_log_level level, const char *msg);

/* A Python dict of columns to a table; arrays the table borrows are appended to `keep`. */
ks_table *ks_py_table_from_dict(ks_ctx *ctx, PyObject *cols, PyObject *keep);

/* Copies of C arrays as NumPy arrays (new references, NULL with the error set): sizes as int64;
 * doubles as a vector (cols 0) or a column-major rows x cols block (v NULL: NaN) as a C-ordered
 * matrix. */
PyObject *ks_py_sizes(const size_t *v, npy_intp n);
/* C strings (a NULL one as "") as a list of str (a new reference, NULL with the error set). */
PyObject *ks_py_strs(const char *const *v, size_t n);
PyObject *ks_py_arr(const double *v, npy_intp rows, npy_intp cols);

/* A Python sequence of str as a NULL-terminated array of C strings (free it with PyMem_Free),
 * borrowed from *keep (a new reference: release it after the C call); *n gets the length when n
 * is not NULL. NULL with the error set (a TypeError naming the argument `what`). */
const char **ks_py_str_list(PyObject *seq, const char *what, PyObject **keep, Py_ssize_t *n);

/* The C handle of a covstruc: an LdscResult (its .details) or a dict of its arrays (keys as
 * LdscResult.details: names, S, V required), made by ks_gsem_ldsc_make (copied; free it with
 * ks_gsem_ldsc_free). 0, or -1 with the Python error set (KestrelError with the library's message
 * for a covstruc the library turns away). */
int ks_py_ldsc_handle(ks_ctx *ctx, PyObject *covstruc, ks_gsem_ldsc **out);

/* The name of the capsule that holds a ks_gsem_sumstats (gsem_sumstats' "handle", which the
 * GWAS bindings read without copying). */
#define KS_PY_SUMSTATS_CAPSULE "kestrel.gsem_sumstats"

extern PyMethodDef ks_py_table_methods[], ks_py_regress_methods[], ks_py_did_methods[],
    ks_py_mars_methods[], ks_py_gsem_methods[], ks_py_h2rg_methods[], ks_py_sem_methods[],
    ks_py_usermodel_methods[], ks_py_gwas_methods[], ks_py_enum_methods[];
extern PyMethodDef ks_py_did_imputation_methods[];
extern PyMethodDef ks_py_did_power_methods[];   /* _core_did_power.c */
extern PyMethodDef ks_py_did_stacked_methods[]; /* _core_did_stacked.c */
extern PyMethodDef ks_py_did_honest_methods[]; /* _core_did_honest.c */
extern PyMethodDef ks_py_did_conley_methods[]; /* _core_did_conley.c */
/* The submodule _core.nd (kestrel.nd: _core_nd*.c, their shared header _core_nd.h). */
int ks_py_nd_init(PyObject *core);

#endif
