/* test_base.c — ctx errors and settings, overflow-checked sizes, and the Philox RNG against the
 * known-answer vectors of Salmon et al. (Random123 kat_vectors, philox4x32_10). */
#include <stdint.h>

#include "base/base_internal.h"
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

int main(void)
{
    test_philox_kat();
    test_rng_moments();
    test_ctx();
    test_dist();
    return ktest_finish("base");
}
