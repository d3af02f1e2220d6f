/* test_gsem.c — the genomic SEM helpers whose exactness the file outputs rest on: numbers read
 * as strtod reads them (the writers are base's, tested in test_base.c). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsem/gsem_internal.h"
#include "kestrel/kestrel.h"
#include "ktest.h"

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
    test_parse_num();
    return ktest_finish("gsem");
}
