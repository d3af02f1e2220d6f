/* base_internal.h — what the library's own modules use from base: allocation through the ctx
 * allocator, error reporting, logging, overflow-checked sizes, thread count.
 * Included by src/ only; front ends see include/kestrel/base.h. */
#ifndef KS_BASE_INTERNAL_H
#define KS_BASE_INTERNAL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kestrel/base.h"

#if defined(__GNUC__)
#define KS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define KS_PRINTF(a, b)
#endif

#define KS_ERRMSG_MAX 1024

struct ks_ctx {
    ks_allocator alloc;
    int nthreads;
    double thread_min_ns; /* ks_ctx_set_thread_min_work */
    ks_log_fn log_fn;
    void *log_ud;
    ks_progress_fn progress_fn;
    void *progress_ud;
    int errcode;
    char errmsg[KS_ERRMSG_MAX];
};

void *ks__malloc(ks_ctx *ctx, size_t size);
void *ks__calloc(ks_ctx *ctx, size_t n, size_t size); /* overflow-checked */
void *ks__realloc(ks_ctx *ctx, void *ptr, size_t size);
void ks__free(ks_ctx *ctx, void *ptr);
/* Free through an allocator rather than a ctx. A handle keeps a copy of the allocator it was
 * made with (ctx->alloc), so its public _free(handle) needs no ctx; internal functions that only
 * free take `const ks_allocator *` for the same reason. NULL p is fine. */
static inline void ks__release(const ks_allocator *a, void *p)
{
    if (p) a->free_fn(a->ud, p);
}
/* true for the allocator ks_ctx_new installs (malloc): caches of freed blocks may keep its
 * memory across contexts; a user's allocator always gets its blocks back. */
bool ks__alloc_is_system(const ks_allocator *a);
/* n * size bytes, or NULL with KS_EOVERFLOW / KS_ENOMEM set on ctx. */
void *ks__malloc_array(ks_ctx *ctx, size_t n, size_t size);
char *ks__strdup(ks_ctx *ctx, const char *s);
/* A copy of s[0..n), NUL-terminated, to hand to the user: ks_string_free frees it without a ctx. */
char *ks__string_new(ks_ctx *ctx, const char *s, size_t n);
/* Ask the kernel for huge pages for a large block (Linux, where allowed): faulting in and
 * walking hundreds of MB by 4 KB pages costs more than using them. */
void ks__huge_pages(void *p, size_t bytes);

/* Room for `need` items of `size` bytes in *p, whose capacity is *cap items: the capacity
 * doubled (from 1024) until it holds them, *p reallocated. Overflow is KS_EOVERFLOW. */
int ks__grow(ks_ctx *ctx, void **p, size_t *cap, size_t need, size_t size);

/* Text built piece by piece with printf formats (a JSON document, a printed summary), started
 * as `ks__sbuf b = {ctx, NULL, 0, 0, 0};`. Running out of memory is remembered (oom) and the
 * later pieces dropped, so the caller checks once, at the end: ks__sbuf_string hands the text
 * out as a string for ks_string_free. */
typedef struct {
    ks_ctx *ctx;
    char *s;
    size_t len, cap;
    int oom;
} ks__sbuf;
void ks__sbuf_printf(ks__sbuf *b, const char *fmt, ...) KS_PRINTF(2, 3);
/* The text as a string for ks_string_free (NULL and KS_ENOMEM if memory ran out); b is emptied. */
int ks__sbuf_string(ks__sbuf *b, char **out);
void ks__sbuf_free(ks__sbuf *b);

/* Set the ctx error and return `code`, so a failure reads `return ks__fail(ctx, KS_EINVAL, ...)`. */
int ks__fail(ks_ctx *ctx, int code, const char *fmt, ...) KS_PRINTF(3, 4);
void ks__log(ks_ctx *ctx, ks_log_level level, const char *fmt, ...) KS_PRINTF(3, 4);
void ks__progress(ks_ctx *ctx, const char *what, uint64_t done, uint64_t total);

/* Overflow-checked size arithmetic: true when the result fits. */
static inline bool ks__size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool ks__size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* The threads worth starting for a parallel loop whose work takes about `ns` nanoseconds on one
 * thread: one per ctx->thread_min_ns of it (default a millisecond), at most the ctx's count (the
 * bound the user set). Starting and joining a team costs microseconds on an idle machine and up
 * to a scheduler time slice on a busy one, so a smaller loop is faster on one thread. The
 * parallel loops are chunked independently of the thread count, so this never changes a
 * result. */
static inline int ks__threads_for(const ks_ctx *ctx, double ns)
{
    const int max = ctx->nthreads < 1 ? 1 : ctx->nthreads;
    if (!(ctx->thread_min_ns > 0)) return max;
    const double per = ns / ctx->thread_min_ns;
    return per >= (double)max ? max : per >= 2.0 ? (int)per : 1;
}

/* Enumerations. Each public enum E has, in its module's source, a table of names (the canonical
 * name of a value first, then any aliases) and KS__ENUM_FUNCS(ks_E, E, "what", table), which
 * defines its two public functions:
 *   const char *ks_E_name(E value)                       the canonical name, NULL if not an E
 *   int ks_E_value(ks_ctx *ctx, const char *name, E *out) KS_EINVAL naming `what` and listing
 *                                                         the names when `name` is none of them
 * Names compare exactly; the front ends (CLI, Python) take them from here, not from copies. */
typedef struct {
    const char *name;
    int value;
} ks__enum_entry;
const char *ks__enum_name(const ks__enum_entry *t, size_t n, int value);
int ks__enum_value(ks_ctx *ctx, const char *what, const ks__enum_entry *t, size_t n,
                   const char *name, int *out);
#define KS__ENUM_FUNCS(prefix, type, what, table)                                                  \
    const char *prefix##_name(type value)                                                          \
    {                                                                                              \
        return ks__enum_name(table, sizeof table / sizeof *table, (int)value);                     \
    }                                                                                              \
    int prefix##_value(ks_ctx *ctx, const char *name, type *out)                                   \
    {                                                                                              \
        int v = 0;                                                                                 \
        const int rc = ks__enum_value(ctx, what, table, sizeof table / sizeof *table, name, &v);   \
        if (rc == KS_OK) *out = (type)v;                                                           \
        return rc;                                                                                 \
    }

/* Run BLAS with this many threads (a no-op when the BLAS is not OpenBLAS). Parallel regions of
 * the library call BLAS with 1 so that BLAS threads never stack on OpenMP threads. */
void ks__blas_set_threads(int n);
/* BLAS's thread count now (to restore it after a stretch of small work that sets it to 1). */
int ks__blas_threads(void);

#endif
