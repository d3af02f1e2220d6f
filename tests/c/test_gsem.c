/* test_gsem.c — the genomic SEM helpers whose exactness the file outputs rest on: numbers
 * written as printf's "%.17g" and as R writes them (15 digits), checked against printf itself
 * over millions of doubles of every magnitude, and numbers read as strtod reads them. */
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
        ks__gsem_format_g17(x, b);
        bad += strcmp(a, b) != 0;
        n++;
    }
    const double edge[] = {1e-5, 9.9999999999999991e-05, 1e17, 1e16, 0.1, 1.0 / 3, 5e-324,
                           1.7976931348623157e308, 123456789012345678.0, 0.5, -0.0, 100.0};
    for (size_t i = 0; i < sizeof edge / sizeof *edge; i++) {
        snprintf(a, sizeof a, "%.17g", edge[i]);
        ks__gsem_format_g17(edge[i], b);
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
        ks__gsem_format_r(x, b);
        bad += strtod(a, NULL) != strtod(b, NULL);
    }
    CHECK(bad == 0);
    ks__gsem_format_r(100000.0, b);
    CHECK(!strcmp(b, "1e+05"));
    ks__gsem_format_r(80000.0, b);
    CHECK(!strcmp(b, "80000"));
    ks__gsem_format_r(0.000123, b);
    CHECK(!strcmp(b, "0.000123"));
    ks__gsem_format_r(1.0 / 3, b);
    CHECK(!strcmp(b, "0.333333333333333"));
    ks__gsem_format_r(-2.5e-20, b);
    CHECK(!strcmp(b, "-2.5e-20"));
    ks__gsem_format_r(1e-300, b);
    CHECK(!strcmp(b, "1e-300"));
    ks__gsem_format_r(-1.5e200, b);
    CHECK(!strcmp(b, "-1.5e+200"));
}

/* Numbers read: the fast path's value is strtod's, bit for bit, on texts printed at 1 to 17
 * digits in fixed and scientific layouts, with leading and trailing zeros and signs; NA texts
 * are missing and malformed ones errors. */
static void test_parse_num(void)
{
    static const char *const fmt[] = {"%.*g", "%.*e", "%.*f", "+%.*f", "00%.*f"};
    char t[64];
    size_t bad = 0;
    for (uint64_t i = 0; i < 600000; i++) {
        const double x = i % 3 ? ldexp(ks_rng_normal(9, 1, i), -(int)(i % 60) + 20)
                               : (double)(int64_t)(ks_rng_u64(9, 2, i) % 2000000) / 1000.0;
        snprintf(t, sizeof t, fmt[i % 5], (int)(i % 18), i % 5 > 2 ? fabs(x) : x);
        double v = NAN;
        if (ks__gsem_parse_num(t, &v, NULL) != 1 || memcmp(&v, &(double){strtod(t, NULL)}, 8)) {
            if (bad++ < 5) fprintf(stderr, "parse_num: '%s' read as %.17g\n", t, v);
        }
    }
    CHECK(bad == 0);
    static const char *const ok[] = {"0", "-0", "1e5", "1e+05", "00.0012", "1.", "-.5", ".5e1",
                                     "1e-22", "1e-23", "123456789012345", "1234567890123456",
                                     "0.00000000000000012345", "1.5E3", "inf", "-Inf", "1e400"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double v = NAN;
        CHECK(ks__gsem_parse_num(ok[i], &v, NULL) == 1 && !memcmp(&v, &(double){strtod(ok[i], NULL)}, 8));
    }
    static const char *const na[] = {"", "NA", "."}, *const no[] = {"-", "e5", "1e", "1.0.0",
                                                                   "1 ", "0x", "N", "1e5e"};
    double v;
    for (size_t i = 0; i < 3; i++) CHECK(ks__gsem_parse_num(na[i], &v, NULL) == 0);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) CHECK(ks__gsem_parse_num(no[i], &v, NULL) < 0);
}

int main(void)
{
    test_g17();
    test_r15();
    test_parse_num();
    return ktest_finish("gsem");
}
