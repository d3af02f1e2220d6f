/* test_gsem.c — the genomic SEM helpers whose exactness the file outputs rest on: numbers
 * written as printf's "%.17g" and as R writes them (15 digits), checked against printf itself
 * over millions of doubles of every magnitude. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsem/gsem_internal.h"
#include "kestrel/kestrel.h"
#include "ktest.h"

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
        const double x = i % 2 ? any_double(i)
                               : ldexp(ks_rng_uniform(7, 1, i) - 0.5, -(int)(i % 40));
        snprintf(a, sizeof a, "%.17g", x);
        gsem_format_g17(x, b);
        bad += strcmp(a, b) != 0;
        n++;
    }
    const double edge[] = {1e-5, 9.9999999999999991e-05, 1e17, 1e16, 0.1, 1.0 / 3, 5e-324,
                           1.7976931348623157e308, 123456789012345678.0, 0.5, -0.0, 100.0};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        snprintf(a, sizeof a, "%.17g", edge[i]);
        gsem_format_g17(edge[i], b);
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
        gsem_format_r(x, b);
        bad += strtod(a, NULL) != strtod(b, NULL);
    }
    CHECK(bad == 0);
    gsem_format_r(100000.0, b);
    CHECK(!strcmp(b, "1e+05"));
    gsem_format_r(80000.0, b);
    CHECK(!strcmp(b, "80000"));
    gsem_format_r(0.000123, b);
    CHECK(!strcmp(b, "0.000123"));
    gsem_format_r(1.0 / 3, b);
    CHECK(!strcmp(b, "0.333333333333333"));
    gsem_format_r(-2.5e-20, b);
    CHECK(!strcmp(b, "-2.5e-20"));
}

int main(void)
{
    test_g17();
    test_r15();
    return ktest_finish("gsem");
}
