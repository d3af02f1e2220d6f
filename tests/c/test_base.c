/* test_base.c — ctx errors and settings, overflow-checked sizes, the Philox RNG against the
 * known-answer vectors of Salmon et al. (Random123 kat_vectors, philox4x32_10), growable
 * buffers, the hash index, the parallel loop, and numbers written as printf's "%.17g" and as R
 * writes them (15 digits), checked against printf itself over millions of doubles. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "base/base_internal.h"
#include "base/format.h"
#include "base/hash_index.h"
#include "base/parallel.h"
#include "kestrel/kestrel.h"
#include "ktest.h"

static void test_philox_kat(void)
{
    /* counter 0, key 0 -> 6627e8d5 e169c58d bc57ac4c 9b00dbd8 (first two words returned) */
    CHECK(ks_rng_u64(0, 0, 0) == 0xe169c58d6627e8d5ull);
    /* counter = pi digits, key = more pi digits -> d16cfe09 94fdcceb 5001e420 24126ea1 */
    CHECK(ks_rng_u64(0x299f31d0a4093822ull, 0x0370734413198a2eull, 0x85a308d3243f6a88ull) ==
          0x94fdccebd16cfe09ull);
    /* all ones -> 408f276d 41c83b0e a20bc7c6 6d5451fd */
    CHECK(ks_rng_u64(~0ull, ~0ull, ~0ull) == 0x41c83b0e408f276dull);
}

static void test_rng_moments(void)
{
    enum { N = 200000 };
    double su = 0, su2 = 0, sn = 0, sn2 = 0;
    for (uint64_t i = 0; i < N; i++) {
        double u = ks_rng_uniform(42, 7, i), z = ks_rng_normal(42, 8, i);
        CHECK(u > 0.0 && u < 1.0);
        su += u;
        su2 += u * u;
        sn += z;
        sn2 += z * z;
    }
    /* 5-sigma bounds: a broken generator fails, a correct one essentially never does. */
    CHECK(fabs(su / N - 0.5) < 5 * sqrt(1.0 / 12 / N));
    CHECK(fabs(su2 / N - 1.0 / 3) < 5 * sqrt(4.0 / 45 / N));
    CHECK(fabs(sn / N) < 5 * sqrt(1.0 / N));
    CHECK(fabs(sn2 / N - 1.0) < 5 * sqrt(2.0 / N));
    /* streams and seeds give different draws; the same key gives the same draw */
    CHECK(ks_rng_u64(1, 0, 5) != ks_rng_u64(1, 1, 5));
    CHECK(ks_rng_u64(1, 0, 5) != ks_rng_u64(2, 0, 5));
    CHECK(ks_rng_u64(1, 0, 5) == ks_rng_u64(1, 0, 5));
}

static void test_ctx(void)
{
    ks_ctx *ctx = NULL;
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    CHECK(ks_ctx_threads(ctx) >= 1);
    CHECK_FAILS(ctx, ks_ctx_set_threads(ctx, -3), KS_EINVAL, "-3");
    CHECK(ks_errcode(ctx) == KS_EINVAL);
    CHECK(ks_ctx_set_threads(ctx, 2) == KS_OK && ks_ctx_threads(ctx) == 2);
    CHECK(!strcmp(ks_status_name(KS_EPARSE), "KS_EPARSE"));
    CHECK(!strcmp(ks_version(), KS_VERSION_STRING));
    size_t out;
    CHECK(!ks__size_mul(SIZE_MAX / 2, 3, &out));
    CHECK(ks__size_mul(1000, 1000, &out) && out == 1000000);
    CHECK(!ks__size_add(SIZE_MAX, 1, &out));
    CHECK(ks__malloc_array(ctx, SIZE_MAX / 4, 8) == NULL && ks_errcode(ctx) == KS_EOVERFLOW);
    ks_ctx_free(ctx);
    ks_ctx_free(NULL);
}

static void test_dist(void)
{
    /* Reference values from SciPy 1.17.1 (scipy.stats.t.cdf / t.ppf / norm.cdf), see PROVENANCE */
    CHECK_NEAR(ks_t_cdf(2.1, 7), 0.9630644018935387, 1e-13);
    CHECK_NEAR(ks_t_quantile(0.975, 12), 2.1788128296672284, 1e-13);
    CHECK_NEAR(ks_t_cdf(-30, 3), 4.067640213581979e-05, 1e-11);
    CHECK_NEAR(ks_normal_cdf(1.96), 0.97500210485177952, 1e-14);
    CHECK_NEAR(ks_t_quantile(ks_t_cdf(-4.2, 35.5), 35.5), -4.2, 1e-12);
}

/* A double from 64 random bits (any finite one). */
static double any_double(uint64_t i)
{
    uint64_t b = ks_rng_u64(7, 0, i);
    double x;
    memcpy(&x, &b, sizeof x);
    return isfinite(x) ? x : 1.5;
}

static void test_g17(void)
{
    char a[40], b[40];
    size_t bad = 0, n = 0;
    for (uint64_t i = 0; i < 2000000; i++) {
        /* half over all bit patterns, half at the magnitudes betas and SEs have */
        const double x =
            i % 2 ? any_double(i) : ldexp(ks_rng_uniform(7, 1, i) - 0.5, -(int)(i % 40));
        snprintf(a, sizeof a, "%.17g", x);
        ks__format_g17(x, b);
        bad += strcmp(a, b) != 0;
        n++;
    }
    const double edge[] = {1e-5,
                           9.9999999999999991e-05,
                           1e17,
                           1e16,
                           0.1,
                           1.0 / 3,
                           5e-324,
                           1.7976931348623157e308,
                           123456789012345678.0,
                           0.5,
                           -0.0,
                           100.0};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        snprintf(a, sizeof a, "%.17g", edge[i]);
        ks__format_g17(edge[i], b);
        bad += strcmp(a, b) != 0;
        n++;
    }
    CHECK(bad == 0);
    if (bad) fprintf(stderr, "g17: %zu of %zu differ from printf\n", bad, n);
}

/* R's 15 digits: the same value as printf's %.15g (the shortest text of it, fixed or
 * scientific, is the layout rule on top, checked by the munge parity tests against R's files). */
static void test_r15(void)
{
    char a[40], b[40];
    size_t bad = 0;
    for (uint64_t i = 0; i < 1000000; i++) {
        const double x = i % 2 ? any_double(i) : ldexp(ks_rng_normal(8, 1, i), -(int)(i % 30));
        snprintf(a, sizeof a, "%.15g", x);
        ks__format_r(x, b);
        bad += strtod(a, NULL) != strtod(b, NULL);
    }
    CHECK(bad == 0);
    ks__format_r(100000.0, b);
    CHECK(!strcmp(b, "1e+05"));
    ks__format_r(80000.0, b);
    CHECK(!strcmp(b, "80000"));
    ks__format_r(0.000123, b);
    CHECK(!strcmp(b, "0.000123"));
    ks__format_r(1.0 / 3, b);
    CHECK(!strcmp(b, "0.333333333333333"));
    ks__format_r(-2.5e-20, b);
    CHECK(!strcmp(b, "-2.5e-20"));
    ks__format_r(1e-300, b);
    CHECK(!strcmp(b, "1e-300"));
    ks__format_r(-1.5e200, b);
    CHECK(!strcmp(b, "-1.5e+200"));
}

static void test_grow(void)
{
    ks_ctx *ctx = NULL;
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    int *p = NULL;
    size_t cap = 0;
    CHECK_OK(ctx, ks__grow(ctx, (void **)&p, &cap, 1, sizeof *p));
    CHECK(p && cap == 1024);
    p[1023] = 7;
    CHECK_OK(ctx, ks__grow(ctx, (void **)&p, &cap, 5000, sizeof *p));
    CHECK(cap == 8192 && p[1023] == 7); /* doubled until it holds them, contents kept */
    int *q = p;
    CHECK_OK(ctx, ks__grow(ctx, (void **)&p, &cap, 8192, sizeof *p));
    CHECK(p == q && cap == 8192); /* enough room: nothing done */
    CHECK_FAILS(ctx, ks__grow(ctx, (void **)&p, &cap, SIZE_MAX / 2, 16), KS_EOVERFLOW, "too many");
    CHECK(p == q && cap == 8192); /* a failure leaves the buffer as it was */
    ks__free(ctx, p);
    ks_ctx_free(ctx);
}

/* Names of both kinds (rs numbers and other text), repeated ones (the first wins), lookups
 * one at a time and batched, with and without the filter. */
static void test_hash_index(void)
{
    ks_ctx *ctx = NULL;
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    enum { N = 5000 };
    static char buf[N][24];
    const char *names[N + 2];
    for (size_t i = 0; i < N; i++) {
        if (i % 3 == 0)
            snprintf(buf[i], sizeof buf[i], "rs%zu", 1000 + 7 * i);
        else
            snprintf(buf[i], sizeof buf[i], "%zu:%zu_A_G", i % 22 + 1, 10 * i);
        names[i] = buf[i];
    }
    names[N] = "rs1000";      /* a repeat of names[0] */
    names[N + 1] = "rs01000"; /* not an rs number (leading zero): its own name */
    ks__index ix;
    CHECK_OK(ctx, ks__index_build(ctx, names, N + 2, &ix));
    size_t bad = 0;
    for (size_t i = 0; i < N; i++) bad += ks__index_find(&ix, names[i]) != (int64_t)i;
    CHECK(bad == 0);
    CHECK(ks__index_find(&ix, "rs1000") == 0);
    CHECK(ks__index_find(&ix, "rs01000") == N + 1);
    CHECK(ks__index_find(&ix, "rs1001") == -1);
    CHECK(ks__index_find(&ix, "rs99999999999") == -1); /* beyond 2^32: hashed as text */
    CHECK(ks__index_find(&ix, "") == -1);
    char other[24];
    for (int filter = 0; filter < 2; filter++) {
        ks__index_key k[KS__INDEX_BATCH];
        const char *q[KS__INDEX_BATCH];
        for (size_t j = 0; j < KS__INDEX_BATCH; j++) {
            q[j] = j % 2 ? names[(j * 977) % N] : (snprintf(other, sizeof other, "x%zu", j), other);
            ks__index_prefetch(&ix, q[j], filter, &k[j]);
            if (j % 2 == 0) CHECK(ks__index_find_key(&ix, q[j], &k[j]) == -1);
        }
        for (size_t j = 1; j < KS__INDEX_BATCH; j += 2)
            CHECK(ks__index_find_key(&ix, q[j], &k[j]) == (int64_t)((j * 977) % N));
    }
    ks__index_free(&ctx->alloc, &ix);
    ks_ctx_free(ctx);
}

/* Each task writes its own output, so any thread count gives the same; the first failure in
 * task order is the one reported, whatever order the tasks ran in. */
static int square_task(ks_ctx *sub, size_t i, int tid, void *arg)
{
    (void)tid;
    double *out = arg;
    if (i == 37 || i == 91) return ks__fail(sub, KS_EINVAL, "task %zu failed", i);
    out[i] = (double)i * (double)i + 0.5;
    return KS_OK;
}

static void test_parallel_each(void)
{
    ks_ctx *ctx = NULL;
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    double a[200], b[200];
    int st[200];
    for (int nt = 1; nt <= 4; nt += 3) {
        CHECK(ks_ctx_set_threads(ctx, nt) == KS_OK);
        double *out = nt == 1 ? a : b;
        memset(out, 0, sizeof a);
        CHECK_FAILS(ctx, ks__parallel_each(ctx, 200, INFINITY, square_task, out, st), KS_EINVAL,
                    "task 37 failed");
        CHECK(st[36] == KS_OK && st[37] == KS_EINVAL && st[91] == KS_EINVAL && st[199] == KS_OK);
    }
    CHECK(!memcmp(a, b, sizeof a) && a[199] == 199.0 * 199.0 + 0.5);
    CHECK(ks__parallel_threads(ctx, 3, INFINITY) == 3);   /* at most one per task */
    CHECK(ks__parallel_threads(ctx, 100, INFINITY) == 4); /* at most the ctx's */
    CHECK(ks__parallel_threads(ctx, 100, 1000.0) == 1);   /* a microsecond: one thread */
    CHECK_OK(ctx, ks__parallel_each(ctx, 0, INFINITY, square_task, a, NULL));
    ks_ctx_free(ctx);
}

int main(void)
{
    test_philox_kat();
    test_rng_moments();
    test_ctx();
    test_dist();
    test_grow();
    test_hash_index();
    test_parallel_each();
    test_g17();
    test_r15();
    return ktest_finish("base");
}
