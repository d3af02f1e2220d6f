/* bench_nd_c — numpy-rust's benchmark list measured from C against kestrel's array API, to show
 * the core without Python: zeros / ones / linspace(0, 100, n) at n = 100, 1000, 10000; sin, cos,
 * exp, log, sum, cumsum of x = linspace(0, 100, 10000); mean, median, var and std (ddof 1) and
 * percentile 50 of the same x (sorted input, as numpy-rust's).
 *
 * Timing as bench/bench_nd.py: 2 warm-up calls, calls looped so that a sample lasts >= 10 ms,
 * >= 7 samples (more within 0.3 s), min and median in ns per call. Each result is checked once
 * against a plain loop; a mismatch is printed and makes the exit status 1.
 *
 *   build/bench/bench_nd_c [threads]      (threads: 0 = the ctx's default; default 1) */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kestrel/array.h"
#include "kestrel/base.h"

#define N_X 10000

typedef struct {
    ks_ctx *ctx;
    ks_array x;    /* linspace(0, 100, 10000) */
    ks_array one;  /* 0-d 1.0, for ones */
    ks_array half; /* 0-d 0.5, the median's and percentile 50's q */
    ptrdiff_t n;   /* creation size */
    ks_array out;
} bench;

typedef int (*op_fn)(bench *b);

static int op_zeros(bench *b)
{
    return ks_array_zeros(b->ctx, KS_FLOAT64, 1, &b->n, KS_ORDER_C, &b->out);
}
static int op_ones(bench *b)
{
    return ks_array_full(b->ctx, KS_FLOAT64, 1, &b->n, KS_ORDER_C, &b->one, &b->out);
}
static int op_linspace(bench *b)
{
    return ks_array_linspace(b->ctx, 0.0, 100.0, b->n, true, KS_FLOAT64, &b->out, NULL);
}
static int ufunc1(bench *b, ks_ufunc f)
{
    const ks_array *in[1] = {&b->x};
    return ks_ufunc_call(b->ctx, f, in, NULL, &b->out);
}
static int op_sin(bench *b) { return ufunc1(b, KS_UFUNC_SIN); }
static int op_cos(bench *b) { return ufunc1(b, KS_UFUNC_COS); }
static int op_exp(bench *b) { return ufunc1(b, KS_UFUNC_EXP); }
static int op_log(bench *b) { return ufunc1(b, KS_UFUNC_LOG); }
static int reduce(bench *b, ks_reduce f, double ddof)
{
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    opt.ddof = ddof;
    return ks_array_reduce(b->ctx, f, &b->x, &opt, &b->out);
}
static int op_sum(bench *b) { return reduce(b, KS_REDUCE_SUM, 0.0); }
static int op_mean(bench *b) { return reduce(b, KS_REDUCE_MEAN, 0.0); }
static int op_var(bench *b) { return reduce(b, KS_REDUCE_VAR, 1.0); }
static int op_std(bench *b) { return reduce(b, KS_REDUCE_STD, 1.0); }
static int op_cumsum(bench *b)
{
    return ks_array_scan(b->ctx, KS_SCAN_CUMSUM, &b->x, 0, -1, &b->out);
}
/* np.median and np.percentile(x, 50) are both the linear-method quantile 0.5 here. */
static int op_median(bench *b)
{
    return ks_array_quantile(b->ctx, &b->x, &b->half, 0, KS_QUANTILE_LINEAR, false, false, &b->out);
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* One call, its result left in b->out for the check. */
static int call(bench *b, op_fn op)
{
    ks_array_release(&b->out);
    return op(b);
}

/* min and median ns per call. */
static int time_op(bench *b, op_fn op, double *min_ns, double *med_ns)
{
    double samples[200];
    int ns = 0, rc;
    if ((rc = call(b, op)) != KS_OK) return rc;
    double t0 = now();
    if ((rc = call(b, op)) != KS_OK) return rc;
    double one = now() - t0;
    long loops = one > 0.010 ? 1 : (long)ceil(0.010 / (one > 1e-9 ? one : 1e-9));
    double start = now();
    while (ns < 7 || (now() - start < 0.3 && ns < 200)) {
        t0 = now();
        for (long i = 0; i < loops; i++) {
            ks_array_release(&b->out);
            if ((rc = op(b)) != KS_OK) return rc;
        }
        samples[ns++] = (now() - t0) / (double)loops * 1e9;
    }
    qsort(samples, (size_t)ns, sizeof *samples, cmp_double);
    *min_ns = samples[0];
    *med_ns = ns % 2 ? samples[ns / 2] : 0.5 * (samples[ns / 2 - 1] + samples[ns / 2]);
    return KS_OK;
}

/* The expected value of element i of `name`'s result, from plain loops over xs (the creation
 * cases: over the size n). */
static double expected(const char *name, const double *xs, ptrdiff_t i, ptrdiff_t n, double *run)
{
    if (!strcmp(name, "zeros")) return 0.0;
    if (!strcmp(name, "ones")) return 1.0;
    if (!strcmp(name, "linspace")) return 100.0 * (double)i / (double)(n - 1);
    if (!strcmp(name, "sin")) return sin(xs[i]);
    if (!strcmp(name, "cos")) return cos(xs[i]);
    if (!strcmp(name, "exp")) return exp(xs[i]);
    if (!strcmp(name, "log")) return log(xs[i]);
    *run = i ? *run + xs[i] : xs[0]; /* cumsum */
    return *run;
}

/* NULL when out holds what the case should give, else what differs. Element-wise results
 * within 1e-12 relative (4 ULP-class differences between vector and scalar libm pass), sums
 * within 1e-10 (the summation order may differ from the plain loop's). */
static const char *check(const char *name, const ks_array *out, const double *xs, ptrdiff_t n)
{
    static char msg[160];
    if (out->dtype != KS_FLOAT64 || !ks_array_is_c_contiguous(out)) return "not a float64 C array";
    const double *v = (const double *)out->data;
    ptrdiff_t m = ks_array_size(out);
    double sum = 0, ss = 0;
    for (ptrdiff_t i = 0; i < N_X; i++) sum += xs[i];
    for (ptrdiff_t i = 0; i < N_X; i++) ss += (xs[i] - sum / N_X) * (xs[i] - sum / N_X);
    double want = NAN;
    if (!strcmp(name, "sum"))
        want = sum;
    else if (!strcmp(name, "mean"))
        want = sum / N_X;
    else if (!strcmp(name, "var"))
        want = ss / (N_X - 1);
    else if (!strcmp(name, "std"))
        want = sqrt(ss / (N_X - 1));
    else if (!strcmp(name, "median") || !strcmp(name, "percentile50"))
        want = 0.5 * (xs[N_X / 2 - 1] + xs[N_X / 2]); /* xs is sorted */
    if (!isnan(want)) {
        if (m != 1) return "not one value";
        if (fabs(v[0] - want) > 1e-10 * fabs(want)) {
            snprintf(msg, sizeof msg, "%.17g, expected %.17g", v[0], want);
            return msg;
        }
        return NULL;
    }
    if (m != n) {
        snprintf(msg, sizeof msg, "%td elements, expected %td", m, n);
        return msg;
    }
    double run = 0, tol = strcmp(name, "cumsum") ? 1e-12 : 1e-10;
    for (ptrdiff_t i = 0; i < m; i++) {
        double e = expected(name, xs, i, n, &run);
        if (e != v[i] && !(fabs(e - v[i]) <= tol * (fabs(e) > 1 ? fabs(e) : 1))) {
            snprintf(msg, sizeof msg, "element %td: %.17g, expected %.17g", i, v[i], e);
            return msg;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    int threads = argc > 1 ? atoi(argv[1]) : 1;
    bench b;
    memset(&b, 0, sizeof b);
    if (ks_ctx_new(&b.ctx) != KS_OK) return 2;
    if (ks_ctx_set_threads(b.ctx, threads) != KS_OK ||
        ks_array_linspace(b.ctx, 0.0, 100.0, N_X, true, KS_FLOAT64, &b.x, NULL) != KS_OK ||
        ks_array_scalar(b.ctx, KS_FLOAT64, 1.0, 0.0, &b.one) != KS_OK ||
        ks_array_scalar(b.ctx, KS_FLOAT64, 0.5, 0.0, &b.half) != KS_OK) {
        fprintf(stderr, "bench_nd_c: setup: %s\n", ks_errmsg(b.ctx));
        return 2;
    }
    double xs[N_X];
    for (int i = 0; i < N_X; i++) xs[i] = 100.0 * i / (N_X - 1);
    static const struct {
        const char *name;
        op_fn op;
        ptrdiff_t n;
    } cases[] = {
        {"zeros", op_zeros, 100},
        {"zeros", op_zeros, 1000},
        {"zeros", op_zeros, 10000},
        {"ones", op_ones, 100},
        {"ones", op_ones, 1000},
        {"ones", op_ones, 10000},
        {"linspace", op_linspace, 100},
        {"linspace", op_linspace, 1000},
        {"linspace", op_linspace, 10000},
        {"sin", op_sin, N_X},
        {"cos", op_cos, N_X},
        {"exp", op_exp, N_X},
        {"log", op_log, N_X},
        {"sum", op_sum, N_X},
        {"cumsum", op_cumsum, N_X},
        {"mean", op_mean, N_X},
        {"median", op_median, N_X},
        {"var", op_var, N_X},
        {"std", op_std, N_X},
        {"percentile50", op_median, N_X},
    };
    int bad = 0;
    printf("kestrel %s (%s), %d thread(s)\n\n", ks_version(), ks_build_info(),
           ks_ctx_threads(b.ctx));
    printf("| case | n | min ns/call | median ns/call | check |\n|---|---|---|---|---|\n");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        double mn = 0, md = 0;
        b.n = cases[i].n;
        int rc = time_op(&b, cases[i].op, &mn, &md);
        if (rc != KS_OK) {
            printf("| %s | %td | | | **ERROR %s: %s** |\n", cases[i].name, cases[i].n,
                   ks_status_name(rc), ks_errmsg(b.ctx));
            bad++;
            continue;
        }
        const char *why = check(cases[i].name, &b.out, xs, b.n);
        bad += why != NULL;
        printf("| %s | %td | %.0f | %.0f | %s%s%s |\n", cases[i].name, cases[i].n, mn, md,
               why ? "**MISMATCH: " : "ok", why ? why : "", why ? "**" : "");
    }
    ks_array_release(&b.out);
    ks_array_release(&b.x);
    ks_array_release(&b.one);
    ks_array_release(&b.half);
    ks_ctx_free(b.ctx);
    return bad ? 1 : 0;
}
