/* test_array_random.c — ks_generator against NumPy 2.4.6's np.random.default_rng: the PCG64 state
 * the seed gives and the first draws, bit for bit, binomial's BTPE where it once parted from
 * NumPy, SeedSequence with a spawn key, advance and jumped (the numbers were printed by NumPy;
 * see tests/data/PROVENANCE.md, "kestrel.nd.random"), the part-3 distributions (negative_binomial,
 * hypergeometric, triangular, zipf, logseries, the non-central ones, dirichlet, the multivariate
 * hypergeometric, permuted) through one stream, and the blocked fills the same at any thread
 * count. The Python tests compare long interleaved streams with NumPy itself. */
#include <stdint.h>
#include <string.h>

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

/* default_rng(12).binomial(12345, 0.49999, 20000)[17799:17802] is [6208, 6149, 6182]: the
 * Stirling bound's constant 13860 (for NumPy's 13680) gave 6143 at 17799 */
static void test_binomial_btpe(ks_ctx *ctx)
{
    const uint32_t seed = 12;
    ks_generator *r = NULL;
    CHECK_OK(ctx, ks_generator_new(ctx, &seed, 1, &r));
    ks_array n, p, a;
    CHECK_OK(ctx, ks_array_scalar_i64(ctx, KS_INT64, 12345, &n));
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, 0.49999, 0, &p));
    const ptrdiff_t len = 20000;
    CHECK_OK(ctx, ks_generator_draw(ctx, r, KS_RNG_BINOMIAL, &n, &p, NULL, false, 1, &len, &a));
    const int64_t *k = (const int64_t *)a.data;
    CHECK(k[17799] == 6208 && k[17800] == 6149 && k[17801] == 6182);
    ks_array_release(&a), ks_array_release(&n), ks_array_release(&p);
    ks_generator_free(r);
}

/* SeedSequence(42, spawn_key=(1, 2), pool_size=5): its pool and generate_state(3, uint64) */
static void test_seed_seq(ks_ctx *ctx)
{
    const uint32_t e = 42, key[2] = {1, 2};
    ks_seed_seq seq = {&e, 1, key, 2, 5};
    uint32_t pool[5];
    CHECK_OK(ctx, ks_seed_seq_pool(ctx, &seq, pool));
    CHECK(pool[0] == 0x4aeae65b && pool[1] == 0xdf9a3c5f && pool[2] == 0x793817d9 &&
          pool[3] == 0x9fd871b4 && pool[4] == 0xd1537fb);
    ks_array a;
    CHECK_OK(ctx, ks_seed_seq_generate_state(ctx, &seq, 3, KS_UINT64, &a));
    const uint64_t *w = (const uint64_t *)a.data;
    CHECK(w[0] == 0xc4e80176d8cdcbdbULL && w[1] == 0x4cc3cfd22ab506c9ULL &&
          w[2] == 0xff686172f80db2cbULL);
    ks_array_release(&a);
    CHECK(ks_seed_seq_generate_state(ctx, &seq, 3, KS_INT64, &a) == KS_ETYPE);
    seq.pool_size = 3;
    CHECK(ks_seed_seq_pool(ctx, &seq, pool) == KS_EINVAL);
}

/* default_rng(42): advance(2**64 + 7) and jumped(3)'s states */
static void test_advance_jump(ks_ctx *ctx)
{
    const uint32_t seed = 42;
    ks_generator *r = NULL, *j = NULL;
    CHECK_OK(ctx, ks_generator_new(ctx, &seed, 1, &r));
    CHECK_OK(ctx, ks_generator_copy(ctx, r, &j));
    const uint64_t delta[2] = {1, 7}, three[2] = {0, 3};
    ks_generator_advance(r, delta);
    uint64_t s[2], inc[2];
    ks_generator_state(r, s, inc);
    CHECK(s[0] == 0x407c5a0a3fe6258cULL && s[1] == 0xe5c32c1dfcdf659dULL);
    ks_generator_jump(j, three);
    ks_generator_state(j, s, inc);
    CHECK(s[0] == 0xc9b448b594685955ULL && s[1] == 0xb85953d916ee94d5ULL);
    ks_generator_free(r), ks_generator_free(j);
}

/* random (float64 and float32, odd sizes, after a waiting half), uniform and integers of a
 * power-of-two range: the same bytes and end state at 1, 2, 3 and 7 threads */
static void test_threads(ks_ctx *ctx)
{
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    const int counts[4] = {1, 2, 3, 7};
    ks_array ref[4];
    uint64_t ref_s[2], ref_i[2];
    uint32_t ref_u = 0;
    bool ref_h = false;
    for (int c = 0; c < 4; c++) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, counts[c]));
        const uint32_t seed = 77;
        ks_generator *r = NULL;
        CHECK_OK(ctx, ks_generator_new(ctx, &seed, 1, &r));
        ks_array a[4], one;
        const ptrdiff_t n1 = 1, big = 100003;
        CHECK_OK(ctx, ks_generator_random(ctx, r, KS_FLOAT32, 1, &n1, &one));
        ks_array_release(&one);
        CHECK_OK(ctx, ks_generator_random(ctx, r, KS_FLOAT32, 1, &big, &a[0]));
        CHECK_OK(ctx, ks_generator_random(ctx, r, KS_FLOAT64, 1, &big, &a[1]));
        CHECK_OK(ctx, ks_generator_uniform(ctx, r, -1.0, 3.0, 1, &big, &a[2]));
        CHECK_OK(ctx, ks_generator_integers(ctx, r, 0, 1 << 20, KS_INT32, 1, &big, &a[3]));
        uint64_t s[2], inc[2];
        uint32_t u;
        ks_generator_state(r, s, inc);
        const bool h = ks_generator_pending32(r, &u);
        if (c == 0) {
            memcpy(ref, a, sizeof a);
            memcpy(ref_s, s, sizeof s), memcpy(ref_i, inc, sizeof inc);
            ref_u = u, ref_h = h;
        } else {
            for (int k = 0; k < 4; k++) {
                CHECK(memcmp(a[k].data, ref[k].data, (size_t)big * ks_dtype_size(a[k].dtype)) == 0);
                ks_array_release(&a[k]);
            }
            CHECK(memcmp(s, ref_s, sizeof s) == 0 && memcmp(inc, ref_i, sizeof inc) == 0);
            CHECK(u == ref_u && h == ref_h);
        }
        ks_generator_free(r);
    }
    for (int k = 0; k < 4; k++) ks_array_release(&ref[k]);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
}

/* n draws of dist with np scalar parameters a, b, c (int64 ones with ints) into *out */
static int draw3(ks_ctx *ctx, ks_generator *r, ks_rng_dist dist, bool ints, int np, double a,
                 double b, double c, ptrdiff_t n, ks_array *out)
{
    ks_array p[3];
    int rc = KS_OK;
    const double v[3] = {a, b, c};
    memset(p, 0, sizeof p); /* empty structs: released as they are */
    for (int j = 0; j < 3; j++) {
        if (j < np && rc == KS_OK)
            rc = ints ? ks_array_scalar_i64(ctx, KS_INT64, (int64_t)v[j], &p[j])
                      : ks_array_scalar(ctx, KS_FLOAT64, v[j], 0, &p[j]);
    }
    if (rc == KS_OK)
        rc = ks_generator_draw(ctx, r, dist, &p[0], np > 1 ? &p[1] : NULL, np > 2 ? &p[2] : NULL,
                               false, 1, &n, out);
    for (int j = 0; j < 3; j++) ks_array_release(&p[j]);
    return rc;
}

/* default_rng(42) through hypergeometric(100, 200, 50, 4) (HRUA), hypergeometric(10, 5, 3, 4),
 * negative_binomial(5, 0.3, 4), triangular(-1, 0.5, 2, 3), zipf(1.7, 4), logseries(0.9, 4),
 * noncentral_chisquare(0.5, 2, 2) and (3, 2, 2), noncentral_f(3, 20, 3, 2), dirichlet([1, 2, 3]),
 * dirichlet([0.05, 0, 0.01], 2), multivariate_hypergeometric([5, 10, 15], 12, 2) and (..., 20,
 * 2, method='count'), permuted(arange(12).reshape(3, 4), axis=1), permuted(arange(6)): NumPy's
 * numbers and its state after */
static void test_part3(ks_ctx *ctx)
{
    const uint32_t seed = 42;
    ks_generator *r = NULL;
    CHECK_OK(ctx, ks_generator_new(ctx, &seed, 1, &r));
    ks_array a;
    const int64_t hyp[8] = {16, 18, 19, 14, 2, 3, 1, 2}, nb[4] = {8, 11, 9, 9},
                  zf[4] = {8, 3, 1, 2}, ls[4] = {2, 2, 1, 1};
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_HYPERGEOMETRIC, true, 3, 100, 200, 50, 4, &a));
    for (int i = 0; i < 4; i++) CHECK(((const int64_t *)a.data)[i] == hyp[i]);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_HYPERGEOMETRIC, true, 3, 10, 5, 3, 4, &a));
    for (int i = 0; i < 4; i++) CHECK(((const int64_t *)a.data)[i] == hyp[4 + i]);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_NEGATIVE_BINOMIAL, false, 2, 5, 0.3, 0, 4, &a));
    CHECK(a.dtype == KS_INT64);
    for (int i = 0; i < 4; i++) CHECK(((const int64_t *)a.data)[i] == nb[i]);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_TRIANGULAR, false, 3, -1.0, 0.5, 2.0, 3, &a));
    const double *d = (const double *)a.data;
    CHECK(d[0] == -0x1.a62b8fe335f40p-5 && d[1] == -0x1.a2cea89785528p-1 &&
          d[2] == 0x1.0552e475ec4fap+0);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_ZIPF, false, 1, 1.7, 0, 0, 4, &a));
    for (int i = 0; i < 4; i++) CHECK(((const int64_t *)a.data)[i] == zf[i]);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_LOGSERIES, false, 1, 0.9, 0, 0, 4, &a));
    for (int i = 0; i < 4; i++) CHECK(((const int64_t *)a.data)[i] == ls[i]);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_NONCENTRAL_CHISQUARE, false, 2, 0.5, 2.0, 0, 2, &a));
    d = (const double *)a.data;
    CHECK(d[0] == 0x1.a0a253aa33d55p-2 && d[1] == 0x1.e6ee459b2ebe2p-7);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_NONCENTRAL_CHISQUARE, false, 2, 3.0, 2.0, 0, 2, &a));
    d = (const double *)a.data;
    CHECK(d[0] == 0x1.af116ced5d501p+2 && d[1] == 0x1.eca2d4f2aeca1p+1);
    ks_array_release(&a);
    CHECK_OK(ctx, draw3(ctx, r, KS_RNG_NONCENTRAL_F, false, 3, 3.0, 20.0, 3.0, 2, &a));
    d = (const double *)a.data;
    CHECK(d[0] == 0x1.19389cff09a80p-1 && d[1] == 0x1.aead0ef3715d3p+1);
    ks_array_release(&a);
    /* dirichlet: normalised gammas, then stick-breaking (alphas below 0.1, a zero among them) */
    const ptrdiff_t three = 3, one = 1, two = 2;
    const double al1[3] = {1.0, 2.0, 3.0}, al2[3] = {0.05, 0.0, 0.01};
    ks_array alpha;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &three, KS_ORDER_C, &alpha));
    memcpy(alpha.data, al1, sizeof al1);
    CHECK_OK(ctx, ks_generator_dirichlet(ctx, r, &alpha, 1, &one, &a));
    d = (const double *)a.data;
    CHECK(a.ndim == 2 && a.shape[1] == 3 && d[0] == 0x1.324cc8edc2ee4p-5 &&
          d[1] == 0x1.d8ba5bce72844p-2 && d[2] == 0x1.007e0589ea8efp-1);
    ks_array_release(&a);
    memcpy(alpha.data, al2, sizeof al2);
    CHECK_OK(ctx, ks_generator_dirichlet(ctx, r, &alpha, 1, &two, &a));
    d = (const double *)a.data;
    CHECK(d[0] == 1.0 && d[1] == 0.0 && d[2] == 0.0 && d[3] == 0x1.ffec7260f891ep-1 &&
          d[4] == 0.0 && d[5] == 0x1.38d9f076e2000p-13);
    ks_array_release(&a);
    ((double *)alpha.data)[1] = -0.5;
    CHECK(ks_generator_dirichlet(ctx, r, &alpha, 0, NULL, &a) == KS_EINVAL);
    CHECK(strstr(ks_errmsg(ctx), "alpha < 0") != NULL);
    ks_array_release(&alpha);
    /* the multivariate hypergeometric, both methods */
    ks_array colors;
    const int64_t col[3] = {5, 10, 15}, mm[6] = {2, 4, 6, 2, 4, 6}, mc[6] = {4, 7, 9, 4, 6, 10};
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT64, 1, &three, KS_ORDER_C, &colors));
    memcpy(colors.data, col, sizeof col);
    CHECK_OK(ctx,
             ks_generator_multivariate_hypergeometric(ctx, r, &colors, 12, false, 1, &two, &a));
    for (int i = 0; i < 6; i++) CHECK(((const int64_t *)a.data)[i] == mm[i]);
    ks_array_release(&a);
    CHECK_OK(ctx, ks_generator_multivariate_hypergeometric(ctx, r, &colors, 20, true, 1, &two, &a));
    for (int i = 0; i < 6; i++) CHECK(((const int64_t *)a.data)[i] == mc[i]);
    ks_array_release(&a);
    CHECK(ks_generator_multivariate_hypergeometric(ctx, r, &colors, 31, false, 0, NULL, &a) ==
          KS_EINVAL);
    ks_array_release(&colors);
    /* permuted: each row of a 3x4 on its own, then a whole 1-d array */
    const ptrdiff_t s34[2] = {3, 4}, six = 6;
    const int64_t pr[12] = {2, 3, 1, 0, 5, 6, 7, 4, 9, 11, 8, 10}, pn[6] = {2, 1, 5, 0, 3, 4};
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT64, 2, s34, KS_ORDER_C, &a));
    for (int i = 0; i < 12; i++) ((int64_t *)a.data)[i] = i;
    CHECK_OK(ctx, ks_generator_permuted(ctx, r, &a, 1));
    for (int i = 0; i < 12; i++) CHECK(((const int64_t *)a.data)[i] == pr[i]);
    CHECK(ks_generator_permuted(ctx, r, &a, 2) == KS_EINVAL);
    ks_array_release(&a);
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT64, 1, &six, KS_ORDER_C, &a));
    for (int i = 0; i < 6; i++) ((int64_t *)a.data)[i] = i;
    CHECK_OK(ctx, ks_generator_permuted(ctx, r, &a, KS_AXIS_NONE));
    for (int i = 0; i < 6; i++) CHECK(((const int64_t *)a.data)[i] == pn[i]);
    ks_array_release(&a);
    uint64_t s[2], inc[2];
    ks_generator_state(r, s, inc);
    CHECK(s[0] == 0xefa537f1226b8724ULL && s[1] == 0xe8259cd929ec0405ULL);
    /* NumPy's checks */
    CHECK(draw3(ctx, r, KS_RNG_TRIANGULAR, false, 3, 1.0, 0.0, 2.0, 1, &a) == KS_EINVAL);
    CHECK(strcmp(ks_errmsg(ctx), "left > mode") == 0);
    CHECK(draw3(ctx, r, KS_RNG_HYPERGEOMETRIC, true, 3, 5, 5, 11, 1, &a) == KS_EINVAL);
    CHECK(strcmp(ks_errmsg(ctx), "ngood + nbad < nsample") == 0);
    CHECK(draw3(ctx, r, KS_RNG_ZIPF, false, 1, 1.0, 0, 0, 1, &a) == KS_EINVAL);
    CHECK(draw3(ctx, r, KS_RNG_NEGATIVE_BINOMIAL, false, 2, 1e19, 0.5, 0, 1, &a) == KS_EINVAL);
    CHECK(draw3(ctx, r, KS_RNG_NONCENTRAL_F, false, 2, 1, 1, 0, 1, &a) == KS_EINVAL); /* 2 of 3 */
    ks_generator_state(r, s, inc);
    CHECK(s[0] == 0xefa537f1226b8724ULL && s[1] == 0xe8259cd929ec0405ULL); /* no draws */
    ks_generator_free(r);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 2;
    test_seed_42(ctx);
    test_seed_0_and_errors(ctx);
    test_binomial_btpe(ctx);
    test_seed_seq(ctx);
    test_advance_jump(ctx);
    test_threads(ctx);
    test_part3(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("array_random");
}
