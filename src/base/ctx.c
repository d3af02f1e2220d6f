/* ctx.c — the ks_ctx: allocator hooks, last error, log and progress callbacks, thread count. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base_internal.h"

static void *sys_malloc(void *ud, size_t n)
{
    (void)ud;
    return malloc(n);
}
static void *sys_realloc(void *ud, void *p, size_t n)
{
    (void)ud;
    return realloc(p, n);
}
static void sys_free(void *ud, void *p)
{
    (void)ud;
    free(p);
}

const char *ks_version(void) { return KS_VERSION_STRING; }

const char *ks_build_info(void)
{
    return "threads: "
#ifdef _OPENMP
           "OpenMP"
#else
           "none (built without OpenMP: every call runs on one thread)"
#endif
           "; gzip: "
#ifdef KS_HAVE_ISAL
           "ISA-L igzip"
#else
           "zlib only (built without libisal: gzip is read about 2x and written about 3x slower)"
#endif
           "; BLAS/LAPACK: OpenBLAS; array math: "
#ifdef KS_HAVE_SLEEF
           "SLEEF (vectorised, within 1 ULP)"
#else
           "libm (built without SLEEF: array exp, log, sin ... run one element at a time)"
#endif
        ;
}

const char *ks_status_name(int status)
{
    switch (status) {
    case KS_OK: return "KS_OK";
    case KS_ENOMEM: return "KS_ENOMEM";
    case KS_EINVAL: return "KS_EINVAL";
    case KS_EIO: return "KS_EIO";
    case KS_EPARSE: return "KS_EPARSE";
    case KS_ETYPE: return "KS_ETYPE";
    case KS_ENOTFOUND: return "KS_ENOTFOUND";
    case KS_EOVERFLOW: return "KS_EOVERFLOW";
    case KS_ENUMERIC: return "KS_ENUMERIC";
    case KS_EEMPTY: return "KS_EEMPTY";
    default: return "KS_E(unknown)";
    }
}

static int default_threads(void)
{
#ifdef _OPENMP
    return omp_get_max_threads();
#else
    return 1;
#endif
}

int ks_ctx_new_with_allocator(const ks_allocator *a, ks_ctx **out)
{
    if (!out) return KS_EINVAL;
    *out = NULL;
    if (!a || !a->malloc_fn || !a->free_fn) return KS_EINVAL;
    ks_ctx *ctx = a->malloc_fn(a->ud, sizeof *ctx);
    if (!ctx) return KS_ENOMEM;
    memset(ctx, 0, sizeof *ctx);
    ctx->alloc = *a;
    ctx->nthreads = default_threads();
    ctx->thread_min_ns = 1e6;
    const char *env = getenv("KESTREL_THREAD_MIN_WORK_NS");
    if (env && *env) {
        char *end;
        const double v = strtod(env, &end);
        if (!*end && v >= 0 && v < 1e15) ctx->thread_min_ns = v;
    }
    *out = ctx;
    return KS_OK;
}

bool ks__alloc_is_system(const ks_allocator *a) { return a->malloc_fn == sys_malloc; }

int ks_ctx_new(ks_ctx **out)
{
    ks_allocator a = {sys_malloc, sys_realloc, sys_free, NULL};
    return ks_ctx_new_with_allocator(&a, out);
}

void ks_ctx_free(ks_ctx *ctx)
{
    if (!ctx) return;
    ks_allocator a = ctx->alloc;
    a.free_fn(a.ud, ctx);
}

int ks_ctx_set_threads(ks_ctx *ctx, int nthreads)
{
    if (nthreads < 0) return ks__fail(ctx, KS_EINVAL, "threads: %d is negative", nthreads);
    ctx->nthreads = nthreads == 0 ? default_threads() : nthreads;
    return KS_OK;
}

int ks_ctx_threads(const ks_ctx *ctx) { return ctx->nthreads; }

int ks_ctx_set_thread_min_work(ks_ctx *ctx, double ns)
{
    if (!(ns >= 0) || !isfinite(ns))
        return ks__fail(ctx, KS_EINVAL, "thread_min_work: %g is not a number of ns >= 0", ns);
    ctx->thread_min_ns = ns;
    return KS_OK;
}

void ks_ctx_set_log(ks_ctx *ctx, ks_log_fn fn, void *ud)
{
    ctx->log_fn = fn;
    ctx->log_ud = ud;
}

void ks_ctx_set_progress(ks_ctx *ctx, ks_progress_fn fn, void *ud)
{
    ctx->progress_fn = fn;
    ctx->progress_ud = ud;
}

const char *ks_errmsg(const ks_ctx *ctx) { return ctx ? ctx->errmsg : "no context"; }
int ks_errcode(const ks_ctx *ctx) { return ctx ? ctx->errcode : KS_EINVAL; }

void *ks__malloc(ks_ctx *ctx, size_t size)
{
    void *p = ctx->alloc.malloc_fn(ctx->alloc.ud, size ? size : 1);
    if (!p) ks__fail(ctx, KS_ENOMEM, "out of memory (asked for %zu bytes)", size);
    return p;
}

void *ks__malloc_array(ks_ctx *ctx, size_t n, size_t size)
{
    size_t bytes;
    if (!ks__size_mul(n, size, &bytes)) {
        ks__fail(ctx, KS_EOVERFLOW, "size overflow: %zu x %zu bytes", n, size);
        return NULL;
    }
    return ks__malloc(ctx, bytes);
}

void *ks__calloc(ks_ctx *ctx, size_t n, size_t size)
{
    size_t bytes;
    if (!ks__size_mul(n, size, &bytes)) {
        ks__fail(ctx, KS_EOVERFLOW, "size overflow: %zu x %zu bytes", n, size);
        return NULL;
    }
    void *p = ks__malloc(ctx, bytes);
    if (p) memset(p, 0, bytes);
    return p;
}

void *ks__realloc(ks_ctx *ctx, void *ptr, size_t size)
{
    if (!ptr) return ks__malloc(ctx, size);
    void *p = NULL;
    if (ctx->alloc.realloc_fn) {
        p = ctx->alloc.realloc_fn(ctx->alloc.ud, ptr, size ? size : 1);
        if (!p) ks__fail(ctx, KS_ENOMEM, "out of memory (asked for %zu bytes)", size);
        return p;
    }
    /* No realloc hook: the caller-visible contract (old block intact on failure) is kept. */
    ks__fail(ctx, KS_EINVAL, "allocator has no realloc");
    return NULL;
}

void ks__free(ks_ctx *ctx, void *ptr)
{
    if (ptr) ctx->alloc.free_fn(ctx->alloc.ud, ptr);
}

/* A string handed to the user is preceded by the allocator that made it, so ks_string_free
 * needs no ctx; the union keeps the text's start aligned as malloc's would be. */
typedef union {
    ks_allocator alloc;
    max_align_t align;
} string_head;

char *ks__string_new(ks_ctx *ctx, const char *s, size_t n)
{
    size_t bytes;
    if (!ks__size_add(n, sizeof(string_head) + 1, &bytes)) {
        ks__fail(ctx, KS_EOVERFLOW, "size overflow: a string of %zu bytes", n);
        return NULL;
    }
    string_head *h = ks__malloc(ctx, bytes);
    if (!h) return NULL;
    h->alloc = ctx->alloc;
    char *d = (char *)(h + 1);
    if (n) memcpy(d, s, n);
    d[n] = 0;
    return d;
}

void ks_string_free(char *s)
{
    if (!s) return;
    string_head *h = (string_head *)(void *)s - 1;
    const ks_allocator a = h->alloc;
    a.free_fn(a.ud, h);
}

char *ks__strdup(ks_ctx *ctx, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = ks__malloc(ctx, n);
    if (d) memcpy(d, s, n);
    return d;
}

int ks__fail(ks_ctx *ctx, int code, const char *fmt, ...)
{
    if (!ctx) return code;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    ctx->errcode = code;
    return code;
}

void ks__log(ks_ctx *ctx, ks_log_level level, const char *fmt, ...)
{
    if (!ctx->log_fn) return;
    char msg[KS_ERRMSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    ctx->log_fn(ctx->log_ud, level, msg);
}

void ks__progress(ks_ctx *ctx, const char *what, uint64_t done, uint64_t total)
{
    if (ctx->progress_fn) ctx->progress_fn(ctx->progress_ud, what, done, total);
}

/* OpenBLAS exports openblas_set_num_threads; a weak reference keeps other BLAS builds linkable. */
extern void openblas_set_num_threads(int) __attribute__((weak));
extern int openblas_get_num_threads(void) __attribute__((weak));

int ks__blas_threads(void) { return openblas_get_num_threads ? openblas_get_num_threads() : 1; }

void ks__blas_set_threads(int n)
{
    if (openblas_set_num_threads) openblas_set_num_threads(n < 1 ? 1 : n);
}

void ks__huge_pages(void *p, size_t bytes)
{
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    const uintptr_t H = (uintptr_t)1 << 21, a = ((uintptr_t)p + H - 1) & ~(H - 1),
                    e = ((uintptr_t)p + bytes) & ~(H - 1);
    if (e > a) (void)madvise((void *)a, e - a, MADV_HUGEPAGE);
#else
    (void)p;
    (void)bytes;
#endif
}

static const ks__enum_entry log_level_names[] = {
    {"debug", KS_LOG_DEBUG}, {"info", KS_LOG_INFO}, {"warn", KS_LOG_WARN}};
KS__ENUM_FUNCS(ks_log_level, ks_log_level, "log level", log_level_names)

const char *ks__enum_name(const ks__enum_entry *t, size_t n, int value)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].value == value) return t[i].name;
    return NULL;
}

int ks__enum_value(ks_ctx *ctx, const char *what, const ks__enum_entry *t, size_t n,
                   const char *name, int *out)
{
    for (size_t i = 0; name && i < n; i++)
        if (!strcmp(t[i].name, name)) {
            *out = t[i].value;
            return KS_OK;
        }
    char list[512];
    size_t used = 0;
    list[0] = 0;
    for (size_t i = 0; i < n && used < sizeof list; i++) {
        const int w = snprintf(list + used, sizeof list - used, "%s'%s'", i ? ", " : "", t[i].name);
        if (w < 0) break;
        used += (size_t)w;
    }
    return ks__fail(ctx, KS_EINVAL, "%s: '%s' is not one of %s", what, name ? name : "(null)",
                    list);
}
