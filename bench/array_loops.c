/* array_loops.c — the ufuncs' inner loops alone (src/array/ufunc_loops_*.c): ns per element of
 * each ufunc's float64 (or float32) loop (int64 where it has none) over N contiguous elements, one
 * thread, the output written into a buffer already touched; the minimum of REPS runs. These are the
 * ns_per_elem figures of ufunc_defs.c. Built against the static library:
 *
 *   cc -O2 -fopenmp -Iinclude -Isrc bench/array_loops.c build/libkestrel.a -lsleef -lm \
 *      -o /tmp/array_loops
 *   /tmp/array_loops [N] [REPS] [float32]     (default 1000000, 20, float64)
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
    const bool f32 = argc > 3 && !strcmp(argv[3], "float32");
    const ks_dtype ft = f32 ? KS_FLOAT32 : KS_FLOAT64;
    /* 2 MB aligned, on huge pages where allowed, as NumPy's and kestrel's large arrays are */
    const size_t bytes = (sizeof(double) * (size_t)n + (2u << 20) - 1) & ~(size_t)((2u << 20) - 1);
    double *a = aligned_alloc(2u << 20, bytes), *b = aligned_alloc(2u << 20, bytes),
           *o = aligned_alloc(2u << 20, bytes);
    if (!a || !b || !o) return 1;
    ks__huge_pages(a, bytes);
    ks__huge_pages(b, bytes);
    ks__huge_pages(o, bytes);
    memset(o, 0, sizeof(double) * (size_t)n);
    printf("ufunc\tdtype\tns_per_elem\n");
    for (int f = 0; f < KS_NUFUNCS; f++) {
        const ks__ufunc_def *d = &ks__ufunc_defs[f];
        const ks__ufunc_loop *l = NULL;
        for (int k = 0; k < d->nloops; k++)
            if (d->loops[k].in == ft) l = &d->loops[k];
        for (int k = 0; k < d->nloops && !l; k++)
            if (d->loops[k].in == KS_INT64) l = &d->loops[k];
        if (!l) continue;
        double lo, hi;
        range(f, &lo, &hi);
        unsigned long long s = 42;
        for (ptrdiff_t i = 0; i < n; i++) {
            a[i] = uniform(&s, lo, hi);
            b[i] = uniform(&s, 0.5, 3.0);
            if (f32) {
                const float x = (float)a[i], y = (float)b[i];
                memcpy((float *)a + i, &x, 4);
                memcpy((float *)b + i, &y, 4);
            } else if (l->in == KS_INT64) {
                const int64_t x = (int64_t)(a[i] * 1000), y = 1 + (int64_t)(b[i] * 10);
                memcpy(&a[i], &x, 8);
                memcpy(&b[i], &y, 8);
            }
        }
        char *args[3] = {(char *)a, d->nin == 2 ? (char *)b : (char *)o, (char *)o};
        const ptrdiff_t iw = (ptrdiff_t)ks_dtype_size(l->in), ow = (ptrdiff_t)ks_dtype_size(l->out);
        const ptrdiff_t steps[3] = {iw, d->nin == 2 ? iw : ow, ow};
        double best = 1e30;
        for (int r = 0; r < reps + 2; r++) {
            const double t0 = now();
            l->fn(args, steps, n, NULL);
            const double t = now() - t0;
            if (r >= 2 && t < best) best = t;
        }
        printf("%s\t%s\t%.3f\n", d->name, ks_dtype_name(l->in), best / (double)n * 1e9);
    }
    free(a);
    free(b);
    free(o);
    return 0;
}
