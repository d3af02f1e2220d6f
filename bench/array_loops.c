/* array_loops.c — the ufuncs' inner loops alone (src/array/ufunc_loops_*.c): ns per element of
 * each ufunc's float64 loop (int64 where it has none) over N contiguous elements, one thread,
 * the output written into a buffer already touched; the minimum of REPS runs. These are the
 * ns_per_elem figures of ufunc_defs.c. Built against the static library:
 *
 *   cc -O2 -Iinclude -Isrc bench/array_loops.c build/libkestrel.a -lsleef -lm -o /tmp/array_loops
 *   /tmp/array_loops [N] [REPS]          (default 1000000 and 20)
 *
 * NumPy's figures for the same cases come from bench/array_loops_numpy.py. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "array/array_internal.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double uniform(unsigned long long *s, double lo, double hi)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return lo + (hi - lo) * (double)(*s >> 11) * 0x1p-53;
}

/* the input range a ufunc is timed on (its domain, away from special cases) */
static void range(int f, double *lo, double *hi)
{
    *lo = 0.5;
    *hi = 5.0;
    if (f == KS_UFUNC_ARCSIN || f == KS_UFUNC_ARCCOS || f == KS_UFUNC_ARCTANH)
        *hi = 0.9, *lo = -0.9;
    if (f == KS_UFUNC_ARCCOSH) *lo = 1.0;
    if (f == KS_UFUNC_SIN || f == KS_UFUNC_COS || f == KS_UFUNC_TAN) *lo = -10, *hi = 10;
    if (f == KS_UFUNC_EXP || f == KS_UFUNC_SINH || f == KS_UFUNC_COSH) *lo = -20, *hi = 20;
}

int main(int argc, char **argv)
{
    const ptrdiff_t n = argc > 1 ? atol(argv[1]) : 1000000;
    const int reps = argc > 2 ? atoi(argv[2]) : 20;
    double *a = malloc(sizeof(double) * (size_t)n), *b = malloc(sizeof(double) * (size_t)n),
           *o = malloc(sizeof(double) * (size_t)n);
    if (!a || !b || !o) return 1;
    memset(o, 0, sizeof(double) * (size_t)n);
    printf("ufunc\tdtype\tns_per_elem\n");
    for (int f = 0; f < KS_NUFUNCS; f++) {
        const ks__ufunc_def *d = &ks__ufunc_defs[f];
        const ks__ufunc_loop *l = NULL;
        for (int k = 0; k < d->nloops; k++)
            if (d->loops[k].in == KS_FLOAT64) l = &d->loops[k];
        for (int k = 0; k < d->nloops && !l; k++)
            if (d->loops[k].in == KS_INT64) l = &d->loops[k];
        if (!l) continue;
        double lo, hi;
        range(f, &lo, &hi);
        unsigned long long s = 42;
        for (ptrdiff_t i = 0; i < n; i++) {
            a[i] = uniform(&s, lo, hi);
            b[i] = uniform(&s, 0.5, 3.0);
            if (l->in == KS_INT64) {
                const int64_t x = (int64_t)(a[i] * 1000), y = 1 + (int64_t)(b[i] * 10);
                memcpy(&a[i], &x, 8);
                memcpy(&b[i], &y, 8);
            }
        }
        char *args[3] = {(char *)a, d->nin == 2 ? (char *)b : (char *)o, (char *)o};
        const ptrdiff_t ow = l->out == KS_BOOL ? 1 : 8;
        const ptrdiff_t steps[3] = {8, d->nin == 2 ? 8 : ow, ow};
        double best = 1e30;
        for (int r = 0; r < reps + 2; r++) {
            const double t0 = now();
            l->fn(args, steps, n, NULL);
            const double t = now() - t0;
            if (r >= 2 && t < best) best = t;
        }
        printf("%s\t%s\t%.3f\n", d->name, l->in == KS_INT64 ? "int64" : "float64",
               best / (double)n * 1e9);
    }
    free(a);
    free(b);
    free(o);
    return 0;
}
