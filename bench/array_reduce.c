/* array_reduce.c — the reductions and statistics of kestrel's array core timed from C, on the
 * inputs of NumPy's figures in bench/RESULTS.md: sum, var, var(axis=0) of 1000 x 1000, cumsum,
 * median and percentile([25, 50, 75]) of 1M float64 (standard normal, a fixed seed). Each is
 * run REPS times after a warm-up; min and median per call. Built against the static library:
 *
 *   cc -O2 -fopenmp -Iinclude bench/array_reduce.c build/libkestrel.a \
 *      $(pkg-config --libs openblas zlib libisal sleef) -lm -o /tmp/array_reduce
 *   /tmp/array_reduce THREADS [REPS] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kestrel/kestrel.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

typedef int (*bench_fn)(ks_ctx *ctx, const ks_array *x, ks_array *out);

static const ks_array *g_q1, *g_q3;

static int f_sum(ks_ctx *c, const ks_array *x, ks_array *o)
{
    return ks_array_reduce(c, KS_REDUCE_SUM, x, NULL, o);
}
static int f_var(ks_ctx *c, const ks_array *x, ks_array *o)
{
    return ks_array_reduce(c, KS_REDUCE_VAR, x, NULL, o);
}
static int f_var0(ks_ctx *c, const ks_array *x, ks_array *o)
{
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    opt.axes = 1;
    return ks_array_reduce(c, KS_REDUCE_VAR, x, &opt, o);
}
static int f_cumsum(ks_ctx *c, const ks_array *x, ks_array *o)
{
    return ks_array_scan(c, KS_SCAN_CUMSUM, x, 0, -1, o);
}
static int f_median(ks_ctx *c, const ks_array *x, ks_array *o)
{
    return ks_array_quantile(c, x, g_q1, 0, KS_QUANTILE_LINEAR, false, false, o);
}
static int f_pct(ks_ctx *c, const ks_array *x, ks_array *o)
{
    return ks_array_quantile(c, x, g_q3, 0, KS_QUANTILE_LINEAR, false, false, o);
}

/* Box-Muller normals from a 64-bit LCG: reproducible, no dependence on the library's RNG. */
static void normals(double *x, ptrdiff_t n)
{
    uint64_t s = 19;
    for (ptrdiff_t i = 0; i < n; i++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        const double u = ((double)(s >> 11) + 0.5) / 9007199254740992.0;
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        const double v = (double)(s >> 11) / 9007199254740992.0;
        x[i] = sqrt(-2 * log(u)) * cos(6.283185307179586 * v);
    }
}

int main(int argc, char **argv)
{
    const int threads = argc > 1 ? atoi(argv[1]) : 1, reps = argc > 2 ? atoi(argv[2]) : 50;
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK || ks_ctx_set_threads(ctx, threads) != KS_OK) return 1;
    const ptrdiff_t n = 1000000, sq[2] = {1000, 1000};
    ks_array v1, v2, q1, q3;
    if (ks_array_empty(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &v1) ||
        ks_array_empty(ctx, KS_FLOAT64, 2, sq, KS_ORDER_C, &v2))
        return 1;
    normals((double *)v1.data, n);
    memcpy(v2.data, v1.data, (size_t)n * sizeof(double));
    const ptrdiff_t three = 3;
    if (ks_array_scalar(ctx, KS_FLOAT64, 0.5, 0, &q1) ||
        ks_array_empty(ctx, KS_FLOAT64, 1, &three, KS_ORDER_C, &q3))
        return 1;
    ((double *)q3.data)[0] = 0.25, ((double *)q3.data)[1] = 0.5, ((double *)q3.data)[2] = 0.75;
    g_q1 = &q1, g_q3 = &q3;
    struct {
        const char *name;
        bench_fn fn;
        const ks_array *x;
    } cases[] = {{"sum 1M", f_sum, &v1},
                 {"var 1M", f_var, &v1},
                 {"var axis=0 1000x1000", f_var0, &v2},
                 {"cumsum 1M", f_cumsum, &v1},
                 {"median 1M", f_median, &v1},
                 {"percentile [25,50,75] 1M", f_pct, &v1}};
    printf("threads %d, %d runs each: min / median per call\n", threads, reps);
    double *t = malloc((size_t)reps * sizeof *t);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        ks_array out;
        for (int w = 0; w < 3; w++) {
            if (cases[c].fn(ctx, cases[c].x, &out) != KS_OK) {
                fprintf(stderr, "%s: %s\n", cases[c].name, ks_errmsg(ctx));
                return 1;
            }
            ks_array_release(&out);
        }
        for (int r = 0; r < reps; r++) {
            const double t0 = now();
            if (cases[c].fn(ctx, cases[c].x, &out) != KS_OK) return 1;
            t[r] = now() - t0;
            ks_array_release(&out);
        }
        qsort(t, (size_t)reps, sizeof *t, cmp);
        printf("%-28s %9.3f ms %9.3f ms\n", cases[c].name, 1e3 * t[0], 1e3 * t[reps / 2]);
    }
    free(t);
    ks_array_release(&v1);
    ks_array_release(&v2);
    ks_array_release(&q1);
    ks_array_release(&q3);
    ks_ctx_free(ctx);
    return 0;
}
