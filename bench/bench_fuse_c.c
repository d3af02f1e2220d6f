/* bench_fuse_c — kestrel's fused programs (ks_fused_run) against hand-fused C loops over the same
 * 1M float64 inputs, on one thread: the loop a C programmer writes with vectorised math (SLEEF's
 * AVX2 exp and tanh at 1 ULP, four lanes, one pass, no temporary), which is the ceiling issue #20
 * measures fusion against ("within 1.25x of the hand-fused C loop"). The hand loops contract
 * nothing and compute GELU's cube as x*x*x; kestrel's results are checked against them to 1e-13.
 *
 * Timing: 2 warm-up calls, then 15 samples each of >= 10 ms, alternating; min and median.
 *
 *   build/bench/bench_fuse_c [case]   (meson compile -C build bench_fuse_c; a case: it alone) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kestrel/array.h"
#include "kestrel/base.h"

#if defined(__x86_64__) && defined(KS_BENCH_SLEEF)
#include <immintrin.h>
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#include <sleef.h> /* (declares its AVX2 functions only where the compiler targets them) */
#pragma GCC pop_options
#define HAND __attribute__((target("avx2,fma"), optimize("fp-contract=off")))
#define HAVE_HAND 1
#else
#define HAVE_HAND 0
#endif

#define N 1000000

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static double *x, *y, *z;
static unsigned char *zb;

#if HAVE_HAND
HAND static void hand_sigmoid(void)
{
    const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd();
    for (int i = 0; i < N; i += 4) {
        const __m256d v = _mm256_loadu_pd(x + i);
        const __m256d e = Sleef_expd4_u10avx2(_mm256_sub_pd(zero, v));
        _mm256_storeu_pd(z + i, _mm256_div_pd(one, _mm256_add_pd(one, e)));
    }
}
HAND static void hand_gelu(void)
{
    const __m256d half = _mm256_set1_pd(0.5), one = _mm256_set1_pd(1.0),
                  c = _mm256_set1_pd(0.7978845608028654), k = _mm256_set1_pd(0.044715);
    for (int i = 0; i < N; i += 4) {
        const __m256d v = _mm256_loadu_pd(x + i);
        const __m256d v3 = _mm256_mul_pd(_mm256_mul_pd(v, v), v);
        const __m256d t =
            Sleef_tanhd4_u10avx2(_mm256_mul_pd(c, _mm256_add_pd(v, _mm256_mul_pd(k, v3))));
        _mm256_storeu_pd(z + i, _mm256_mul_pd(_mm256_mul_pd(half, v), _mm256_add_pd(one, t)));
    }
}
HAND static void hand_magnitude3(void)
{
    for (int i = 0; i < N; i += 4) {
        const __m256d a = _mm256_loadu_pd(x + i), b = _mm256_loadu_pd(y + i);
        const __m256d d = _mm256_sub_pd(a, b);
        const __m256d s = _mm256_add_pd(_mm256_add_pd(_mm256_mul_pd(a, a), _mm256_mul_pd(b, b)),
                                        _mm256_mul_pd(d, d));
        _mm256_storeu_pd(z + i, _mm256_sqrt_pd(s));
    }
}
HAND static void hand_compare(void)
{
    for (int i = 0; i < N; i++) zb[i] = (x[i] * x[i] - 4.1 * x[i]) > 2.5 * x[i];
}
HAND static void hand_relu(void)
{
    for (int i = 0; i < N; i++) z[i] = (x[i] > 0.0 ? x[i] : 0.0) * 2.0 + 1.0;
}
static double hand_sum;
HAND static void hand_sum_sq(void)
{
    __m256d a = _mm256_setzero_pd(), b = _mm256_setzero_pd();
    for (int i = 0; i < N; i += 8) {
        const __m256d u = _mm256_loadu_pd(x + i), v = _mm256_loadu_pd(x + i + 4);
        a = _mm256_add_pd(a, _mm256_mul_pd(u, u));
        b = _mm256_add_pd(b, _mm256_mul_pd(v, v));
    }
    double t[4];
    _mm256_storeu_pd(t, _mm256_add_pd(a, b));
    hand_sum = (t[0] + t[1]) + (t[2] + t[3]);
}
#endif

typedef struct {
    const char *name;
    void (*hand)(void);
    ks_fused *prog;
    int nin;
} bench_case;

static ks_ctx *ctx;
static ks_array ax, ay, outs[1];
static bench_case *cur;

static void run_fused(void)
{
    const ks_array *in[2] = {&ax, &ay};
    if (ks_fused_run(ctx, cur->prog, in, true, outs) != KS_OK) {
        fprintf(stderr, "%s: %s\n", cur->name, ks_errmsg(ctx));
        exit(1);
    }
    ks_array_release(&outs[0]);
}

static void timeit(void (*f)(void), double *mn, double *med)
{
    double s[15];
    f(), f();
    for (int k = 0; k < 15; k++) {
        int loops = 0;
        const double t0 = now();
        double t;
        do {
            f();
            loops++;
        } while ((t = now() - t0) < 0.01);
        s[k] = t / loops;
    }
    for (int i = 1; i < 15; i++)
        for (int j = i; j > 0 && s[j] < s[j - 1]; j--) {
            const double u = s[j];
            s[j] = s[j - 1];
            s[j - 1] = u;
        }
    *mn = s[0], *med = s[7];
}

/* ---- the programs ---- */

static int node_c(ks_fused *f, double v)
{
    ks_array s;
    int id = -1;
    if (ks_array_scalar(ctx, KS_FLOAT64, v, 0, &s) == KS_OK) {
        s.flags |= KS_ARRAY_WEAK;
        if (ks_fused_constant(ctx, f, &s, &id) != KS_OK) id = -1;
        ks_array_release(&s);
    }
    return id;
}
static int op(ks_fused *f, ks_ufunc u, int a, int b)
{
    const int args[2] = {a, b};
    int id = -1;
    if (ks_fused_ufunc(ctx, f, u, args, &id) != KS_OK) fprintf(stderr, "%s\n", ks_errmsg(ctx));
    return id;
}

static ks_fused *program(const char *name)
{
    ks_fused *f;
    const ptrdiff_t n = N;
    int X, Y, r = -1;
    if (ks_fused_new(ctx, &f) || ks_fused_input(ctx, f, KS_FLOAT64, 1, &n, false, &X) ||
        ks_fused_input(ctx, f, KS_FLOAT64, 1, &n, false, &Y))
        return NULL;
    if (!strcmp(name, "sigmoid")) {
        const int one = node_c(f, 1.0);
        r = op(f, KS_UFUNC_DIVIDE, one,
               op(f, KS_UFUNC_ADD, one, op(f, KS_UFUNC_EXP, op(f, KS_UFUNC_NEGATIVE, X, -1), -1)));
    } else if (!strcmp(name, "gelu")) {
        const int cube = op(f, KS_UFUNC_POWER, X, node_c(f, 3.0));
        const int in =
            op(f, KS_UFUNC_MULTIPLY, node_c(f, 0.7978845608028654),
               op(f, KS_UFUNC_ADD, X, op(f, KS_UFUNC_MULTIPLY, node_c(f, 0.044715), cube)));
        r = op(f, KS_UFUNC_MULTIPLY, op(f, KS_UFUNC_MULTIPLY, node_c(f, 0.5), X),
               op(f, KS_UFUNC_ADD, node_c(f, 1.0), op(f, KS_UFUNC_TANH, in, -1)));
    } else if (!strcmp(name, "magnitude3")) {
        const int d = op(f, KS_UFUNC_SUBTRACT, X, Y);
        r = op(
            f, KS_UFUNC_SQRT,
            op(f, KS_UFUNC_ADD,
               op(f, KS_UFUNC_ADD, op(f, KS_UFUNC_MULTIPLY, X, X), op(f, KS_UFUNC_MULTIPLY, Y, Y)),
               op(f, KS_UFUNC_MULTIPLY, d, d)),
            -1);
    } else if (!strcmp(name, "compare_chain")) {
        r = op(f, KS_UFUNC_GREATER,
               op(f, KS_UFUNC_SUBTRACT, op(f, KS_UFUNC_MULTIPLY, X, X),
                  op(f, KS_UFUNC_MULTIPLY, node_c(f, 4.1), X)),
               op(f, KS_UFUNC_MULTIPLY, node_c(f, 2.5), X));
    } else if (!strcmp(name, "relu_scale_bias")) {
        r = op(f, KS_UFUNC_ADD,
               op(f, KS_UFUNC_MULTIPLY, op(f, KS_UFUNC_MAXIMUM, X, node_c(f, 0.0)), node_c(f, 2.0)),
               node_c(f, 1.0));
    } else {
        ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
        if (ks_fused_reduce(ctx, f, KS_REDUCE_SUM, op(f, KS_UFUNC_MULTIPLY, X, X), &o, &r)) r = -1;
    }
    if (r < 0 || ks_fused_output(ctx, f, r) != KS_OK) {
        ks_fused_free(f);
        return NULL;
    }
    return f;
}

int main(int argc, char **argv)
{
    if (ks_ctx_new(&ctx) != KS_OK || ks_ctx_set_threads(ctx, 1) != KS_OK) return 1;
    const ptrdiff_t n = N;
    if (ks_array_empty(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &ax) ||
        ks_array_empty(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &ay))
        return 1;
    x = (double *)(void *)ax.data, y = (double *)(void *)ay.data;
    z = malloc(N * sizeof *z);
    zb = malloc(N);
    unsigned long long s = 42;
    for (int i = 0; i < N; i++) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        x[i] = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 8.0;
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        y[i] = ((double)(s >> 11) / 9007199254740992.0 - 0.5) * 8.0;
    }
    bench_case cases[] = {
#if HAVE_HAND
        {"sigmoid", hand_sigmoid, NULL, 1},
        {"gelu", hand_gelu, NULL, 1},
        {"magnitude3", hand_magnitude3, NULL, 2},
        {"compare_chain", hand_compare, NULL, 1},
        {"relu_scale_bias", hand_relu, NULL, 1},
        {"sum_sq", hand_sum_sq, NULL, 1},
#else
        {"sigmoid", NULL, NULL, 1},
        {"gelu", NULL, NULL, 1},
        {"sum_sq", NULL, NULL, 1},
#endif
    };
    int bad = 0;
    printf("fused programs against hand-fused C loops, 1M float64, 1 thread (ms per call)\n");
    printf("%-16s %22s %22s %10s\n", "case", "hand loop min / med", "ks_fused min / med",
           "hand/fused");
    const char *only = argc > 1 ? argv[1] : NULL; /* a case's name: that case alone */
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        cur = &cases[c];
        if (only && strcmp(only, cur->name)) continue;
        cur->prog = program(cur->name);
        if (!cur->prog) return 1;
        run_fused();
        /* the check: kestrel's result against the hand loop's */
        const ks_array *in[2] = {&ax, &ay};
        ks_array r;
        if (ks_fused_run(ctx, cur->prog, in, true, &r) != KS_OK) return 1;
        double hm = 0, hmed = 0;
        if (cur->hand) {
            cur->hand();
            const bool is_b = r.dtype == KS_BOOL, is_s = r.ndim == 0;
            for (int i = 0; i < (is_s ? 1 : N); i++) {
                const double g =
                    is_b ? ((unsigned char *)r.data)[i] : ((double *)(void *)r.data)[i];
                const double w = is_b ? zb[i] : is_s ? hand_sum : z[i];
                if (!(fabs(g - w) <= 1e-13 * fmax(1.0, fabs(w)))) {
                    printf("%s: element %d is %.17g, the hand loop's %.17g\n", cur->name, i, g, w);
                    bad = 1;
                    break;
                }
            }
            timeit(cur->hand, &hm, &hmed);
        }
        ks_array_release(&r);
        double fm, fmed;
        timeit(run_fused, &fm, &fmed);
        printf("%-16s %10.3f / %9.3f %10.3f / %9.3f %9.2fx\n", cur->name, hm * 1e3, hmed * 1e3,
               fm * 1e3, fmed * 1e3, cur->hand ? hm / fm : 0.0);
        ks_fused_free(cur->prog);
    }
    ks_array_release(&ax);
    ks_array_release(&ay);
    free(z);
    free(zb);
    ks_ctx_free(ctx);
    return bad;
}
