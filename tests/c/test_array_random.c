/* test_array_random.c — ks_generator against NumPy 2.4.6's np.random.default_rng: the PCG64 state
 * the seed gives and the first draws, bit for bit (the numbers were printed by NumPy; see
 * tests/data/PROVENANCE.md, "kestrel.nd.random"). The Python tests compare long interleaved
 * streams with NumPy itself. */
#include <stdint.h>

#include "ktest.h"

static void test_seed_42(ks_ctx *ctx)
{
    const uint32_t seed = 42;
    ks_generator *r = NULL;
    CHECK_OK(ctx, ks_generator_new(ctx, &seed, 1, &r));
    uint64_t s[2], inc[2];
    ks_generator_state(r, s, inc);
    CHECK(s[0] == 0xcea44f6798798f2aULL && s[1] == 0xacbc7c9d68860ac8ULL);
    CHECK(inc[0] == 0xfa505436c9a8416eULL && inc[1] == 0x66caf2e28d25abffULL);
    ks_array a;
    const ptrdiff_t three = 3, six = 6, two = 2;
    CHECK_OK(ctx, ks_generator_random(ctx, r, KS_FLOAT64, 1, &three, &a));
    const double *d = (const double *)a.data;
    CHECK(d[0] == 0x1.8c43f79a2db24p-1 && d[1] == 0x1.c16959869e47ep-2 &&
          d[2] == 0x1.b79a2584ddb42p-1);
    ks_array_release(&a);
    CHECK_OK(ctx, ks_generator_integers(ctx, r, 0, 10, KS_INT64, 1, &six, &a));
    const int64_t want[6] = {0, 6, 2, 0, 5, 9};
    for (int i = 0; i < 6; i++) CHECK(((const int64_t *)a.data)[i] == want[i]);
    ks_array_release(&a);
    CHECK_OK(ctx, ks_generator_random(ctx, r, KS_FLOAT32, 1, &two, &a));
    const float *f = (const float *)a.data;
    CHECK(f[0] == 0x1.78b488p-1f && f[1] == 0x1.85b41ap-1f);
    ks_array_release(&a);
    CHECK_OK(ctx, ks_generator_integers(ctx, r, -5, (int64_t)1 << 40, KS_INT64, 1, &two, &a));
    CHECK(((const int64_t *)a.data)[0] == 864286843830 &&
          ((const int64_t *)a.data)[1] == 140862428799);
    ks_array_release(&a);
    ks_generator_free(r);
}

static void test_seed_0_and_errors(ks_ctx *ctx)
{
    ks_generator *r = NULL;
    CHECK_OK(ctx, ks_generator_new(ctx, NULL, 0, &r)); /* no words: the seed 0 */
    uint64_t s[2], inc[2];
    ks_generator_state(r, s, inc);
    CHECK(s[0] == 0x1aa1b5345996452dULL && s[1] == 0x09585eb7a69561e3ULL);
    CHECK(inc[0] == 0x418ddadb3af71a82ULL && inc[1] == 0x588133bc447873a9ULL);
    ks_array a;
    const ptrdiff_t one = 1;
    CHECK(ks_generator_integers(ctx, r, 3, 3, KS_INT64, 1, &one, &a) == KS_EINVAL);
    CHECK(ks_generator_integers(ctx, r, 0, 300, KS_INT8, 1, &one, &a) == KS_ETYPE);
    CHECK(ks_generator_integers(ctx, r, -1, 3, KS_UINT32, 1, &one, &a) == KS_EINVAL);
    CHECK(ks_generator_random(ctx, r, KS_INT64, 1, &one, &a) == KS_ETYPE);
    ks_generator_free(r);
    ks_generator_free(NULL);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 2;
    test_seed_42(ctx);
    test_seed_0_and_errors(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("array_random");
}
