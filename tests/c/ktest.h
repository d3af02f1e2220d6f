/* ktest.h — a minimal test harness: CHECK macros count failures; main returns nonzero if any. */
#ifndef KTEST_H
#define KTEST_H
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "kestrel/kestrel.h"

extern int ktest_failures, ktest_checks;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        if (!(cond)) {                                                                             \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);               \
        }                                                                                          \
    } while (0)

#define CHECK_OK(ctx, expr)                                                                        \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        int rc_ = (expr);                                                                          \
        if (rc_ != KS_OK) {                                                                        \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s returned %s: %s\n", __FILE__, __LINE__, #expr,              \
                    ks_status_name(rc_), ks_errmsg(ctx));                                          \
        }                                                                                          \
    } while (0)

/* expr fails with `code` and the message contains `needle`. */
#define CHECK_FAILS(ctx, expr, code, needle)                                                       \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        int rc_ = (expr);                                                                          \
        if (rc_ != (code) || !strstr(ks_errmsg(ctx), (needle))) {                                  \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s gave %s '%s'; wanted %s containing '%s'\n", __FILE__,       \
                    __LINE__, #expr, ks_status_name(rc_), ks_errmsg(ctx), ks_status_name(code),    \
                    (needle));                                                                     \
        }                                                                                          \
    } while (0)

#define CHECK_NEAR(a, b, rtol)                                                                     \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        double a_ = (a), b_ = (b);                                                                 \
        if (!(fabs(a_ - b_) <= (rtol)*fmax(fabs(b_), 1e-300))) {                                   \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s = %.17g, wanted %.17g (rtol %g)\n", __FILE__, __LINE__, #a, \
                    a_, b_, (double)(rtol));                                                       \
        }                                                                                          \
    } while (0)

/* A xorshift64 stream for random test inputs, the same on every run: it starts at a fixed
 * state (ktest_seed sets another); ktest_unif is its top 53 bits as a double in [0, 1). */
void ktest_seed(uint64_t state);
uint64_t ktest_next(void);
double ktest_unif(void);

/* Write `text` to a fresh temporary file with the given suffix; returns its path (static). */
const char *ktest_tmpfile(const char *suffix, const char *text, size_t len);
/* A square matrix as R's reference TSVs hold it (a header of names, then each row its name and
 * numbers), column-major in a malloc'd block (*n set); NULL, with a failed check, when the file
 * is missing or not square. */
double *ktest_read_square(const char *path, size_t *n);

/* A whole file, NUL-terminated, in a malloc'd block (its length in *len when len is not NULL);
 * NULL when it cannot be read. */
char *ktest_slurp(const char *path, size_t *len);
/* A reference table with every column of cols (NULL-terminated, at most 16) as text and no NA
 * token, as lavaan's and R's references are compared; a failed check when it cannot be read. */
ks_table *ktest_read_text(ks_ctx *ctx, const char *path, const char *const *cols);
/* Its cell (col, row): "" for an empty one, "?" for a column it lacks. */
const char *ktest_cell(ks_ctx *ctx, const ks_table *t, const char *col, size_t row);

/* An allocator (ks_allocator's functions, ud a ktest_fail_alloc) whose allocation number
 * fail_at fails (0: none), counting the blocks still live, for the allocation-failure tests. */
typedef struct {
    long count;   /* allocations so far */
    long fail_at; /* the allocation that fails (0: none) */
    long live;    /* blocks outstanding */
} ktest_fail_alloc;
void *ktest_fa_malloc(void *ud, size_t n);
void *ktest_fa_realloc(void *ud, void *p, size_t n);
void ktest_fa_free(void *ud, void *p);
int ktest_finish(const char *name);

#endif
