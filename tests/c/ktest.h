/* ktest.h — a minimal test harness: CHECK macros count failures; main returns nonzero if any. */
#ifndef KTEST_H
#define KTEST_H
#include <math.h>
#include <stdio.h>
#include <string.h>

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

/* Write `text` to a fresh temporary file with the given suffix; returns its path (static). */
const char *ktest_tmpfile(const char *suffix, const char *text, size_t len);
/* A square matrix as R's reference TSVs hold it (a header of names, then each row its name and
 * numbers), column-major in a malloc'd block (*n set); NULL, with a failed check, when the file
 * is missing or not square. */
double *ktest_read_square(const char *path, size_t *n);
int ktest_finish(const char *name);

#endif
