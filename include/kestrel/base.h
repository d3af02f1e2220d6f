/* base.h — the context every kestrel call takes: errors, allocator, threads, callbacks, RNG.
 *
 * Every function that can fail returns an int status (KS_OK == 0, negative KS_E* on failure)
 * and leaves a message naming the file, line, column or argument at fault in its ctx, read with
 * ks_errmsg(). The library never prints and never exits.
 *
 * Thread safety: a ks_ctx is used by one thread at a time; distinct contexts are independent.
 * The RNG functions are pure and thread-safe. */
#ifndef KESTREL_BASE_H
#define KESTREL_BASE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(KS_BUILDING_DLL)
#define KS_API __declspec(dllexport)
#elif defined(__GNUC__)
#define KS_API __attribute__((visibility("default")))
#else
#define KS_API
#endif

#if defined(__GNUC__)
#define KS_RESULT_USED __attribute__((warn_unused_result))
#else
#define KS_RESULT_USED
#endif

#define KS_VERSION_MAJOR 0
#define KS_VERSION_MINOR 1
#define KS_VERSION_PATCH 0
#define KS_VERSION_STRING "0.1.0"

/* Status codes. */
enum {
    KS_OK = 0,
    KS_ENOMEM = -1,    /* an allocation failed */
    KS_EINVAL = -2,    /* a bad argument (the message names it) */
    KS_EIO = -3,       /* a file could not be opened, read or written */
    KS_EPARSE = -4,    /* malformed input (the message names file:line:column) */
    KS_ETYPE = -5,     /* a column of the wrong type */
    KS_ENOTFOUND = -6, /* a named column or key does not exist */
    KS_EOVERFLOW = -7, /* a size computed from the input does not fit */
    KS_ENUMERIC = -8,  /* a numerical failure: singular system, no convergence, NaN/Inf */
    KS_EEMPTY = -9     /* no data left to work on */
};

/* Enumerations: every public enum type ks_E has two functions,
 *   const char *ks_E_name(ks_E value)   its canonical name ("HC1"), NULL for a value not of ks_E;
 *   int ks_E_value(ks_ctx *ctx, const char *name, ks_E *out)
 *                                        the value of a name or alias; KS_EINVAL, with a message
 *                                        listing the names, for any other string.
 * The front ends take the names from these, so the CLI, Python and C accept the same words. */

/* The name of a status code ("KS_EPARSE"); never NULL. */
KS_API const char *ks_status_name(int status);
/* The library version, e.g. "0.1.0". */
KS_API const char *ks_version(void);
/* What this build was compiled with, in one line: threads (OpenMP or none), the gzip codec
 * (ISA-L's igzip, or zlib alone where libisal was not found at build time), and the array
 * functions' vector math (SLEEF, or libm where it was not found). */
KS_API const char *ks_build_info(void);

typedef struct ks_ctx ks_ctx;

/* Allocator hooks. `ud` is passed back unchanged. realloc may be NULL (then malloc+copy+free
 * is used). All library allocation goes through these, so a test can make any one fail. */
typedef struct {
    void *(*malloc_fn)(void *ud, size_t size);
    void *(*realloc_fn)(void *ud, void *ptr, size_t size);
    void (*free_fn)(void *ud, void *ptr);
    void *ud;
} ks_allocator;

typedef enum { KS_LOG_DEBUG = 0, KS_LOG_INFO = 1, KS_LOG_WARN = 2 } ks_log_level;
/* "debug", "info", "warn" (the enumeration functions above). */
KS_API const char *ks_log_level_name(ks_log_level value);
KS_API int ks_log_level_value(ks_ctx *ctx, const char *name, ks_log_level *out) KS_RESULT_USED;
/* A log line (no trailing newline). Notes such as "dropped 3 singleton observations" and
 * "x2 dropped: collinear" arrive here as KS_LOG_INFO / KS_LOG_WARN. */
typedef void (*ks_log_fn)(void *ud, ks_log_level level, const char *msg);
/* Progress of a long task: `done` of `total` units of the step called `what`. */
typedef void (*ks_progress_fn)(void *ud, const char *what, uint64_t done, uint64_t total);

/* Create a context with the system allocator and as many threads as OpenMP offers.
 * Free it with ks_ctx_free. */
KS_API int ks_ctx_new(ks_ctx **out) KS_RESULT_USED;
/* Same, with the given allocator (copied). The ctx itself is allocated with it too. */
KS_API int ks_ctx_new_with_allocator(const ks_allocator *a, ks_ctx **out) KS_RESULT_USED;
KS_API void ks_ctx_free(ks_ctx *ctx); /* NULL is fine */

/* Threads used by parallel loops (and by BLAS outside them), at most. 0 = all the OpenMP default
 * offers. Each loop takes fewer where its work is small (see ks_ctx_set_thread_min_work).
 * Results never depend on this number. */
KS_API int ks_ctx_set_threads(ks_ctx *ctx, int nthreads) KS_RESULT_USED;
KS_API int ks_ctx_threads(const ks_ctx *ctx);
/* The least work, in nanoseconds of one thread, that a parallel loop gives each of its threads:
 * a loop of w ns runs on min(threads, w / ns) threads (one below 2 ns of work per ns set).
 * Starting and joining threads costs more than a smaller share saves, and far more on a busy
 * machine. Default 1e6 (1 ms), or the environment's KESTREL_THREAD_MIN_WORK_NS when the ctx is
 * made; 0 gives every loop all the threads (tests of thread invariance use that). */
KS_API int ks_ctx_set_thread_min_work(ks_ctx *ctx, double ns) KS_RESULT_USED;
KS_API void ks_ctx_set_log(ks_ctx *ctx, ks_log_fn fn, void *ud);
KS_API void ks_ctx_set_progress(ks_ctx *ctx, ks_progress_fn fn, void *ud);

/* The message of the last failure on this ctx ("" when none). Owned by ctx; valid until the
 * next call that fails on it. */
KS_API const char *ks_errmsg(const ks_ctx *ctx);
/* The status of the last failure on this ctx (KS_OK when none). */
KS_API int ks_errcode(const ks_ctx *ctx);
/* Free a string the library handed out (e.g. ks_mars_to_json's). Like every _free, it needs no
 * ctx: the string remembers the allocator it was made with. NULL is fine. */
KS_API void ks_string_free(char *s);

/* Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). A draw depends only on
 * (seed, stream, index), so a parallel loop that keys draws by replicate and observation gives
 * identical results for any thread count. Pure functions. */
KS_API uint64_t ks_rng_u64(uint64_t seed, uint64_t stream, uint64_t index);
/* Uniform on the open interval (0, 1), 53 random bits. */
KS_API double ks_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index);
/* Standard normal (Box–Muller on the two halves of one Philox block). */
KS_API double ks_rng_normal(uint64_t seed, uint64_t stream, uint64_t index);

#ifdef __cplusplus
}
#endif
#endif
