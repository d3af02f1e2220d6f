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
    int threads_given; /* nthreads was asked for (ks_ctx_set_threads > 0), not the default */
    ks_log_fn log_fn;
    void *log_ud;
    ks_progress_fn progress_fn;
    void *progress_ud;
    int errcode;
    char errmsg[KS_ERRMSG_MAX];
};

void *ks_malloc(ks_ctx *ctx, size_t size);
void *ks_calloc(ks_ctx *ctx, size_t n, size_t size); /* overflow-checked */
void *ks_realloc(ks_ctx *ctx, void *ptr, size_t size);
void ks_free(ks_ctx *ctx, void *ptr);
/* n * size bytes, or NULL with KS_EOVERFLOW / KS_ENOMEM set on ctx. */
void *ks_malloc_array(ks_ctx *ctx, size_t n, size_t size);
char *ks_strdup(ks_ctx *ctx, const char *s);
/* Ask the kernel for huge pages for a large block (Linux, where allowed): faulting in and
 * walking hundreds of MB by 4 KB pages costs more than using them. */
void ks_huge_pages(void *p, size_t bytes);

/* Set the ctx error and return `code`, so a failure reads `return ks_fail(ctx, KS_EINVAL, ...)`. */
int ks_fail(ks_ctx *ctx, int code, const char *fmt, ...) KS_PRINTF(3, 4);
void ks_log(ks_ctx *ctx, ks_log_level level, const char *fmt, ...) KS_PRINTF(3, 4);
void ks_progress(ks_ctx *ctx, const char *what, uint64_t done, uint64_t total);

/* Overflow-checked size arithmetic: true when the result fits. */
static inline bool ks_size_mul(size_t a, size_t b, size_t *out)
{
    return !__builtin_mul_overflow(a, b, out);
}
static inline bool ks_size_add(size_t a, size_t b, size_t *out)
{
    return !__builtin_add_overflow(a, b, out);
}

/* Run BLAS with this many threads (a no-op when the BLAS is not OpenBLAS). Parallel regions of
 * the library call BLAS with 1 so that BLAS threads never stack on OpenMP threads. */
void ks_blas_set_threads(int n);

#endif
