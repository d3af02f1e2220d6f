/* test_did_power.c — did_power.h through the C API: the box probability against exact orthant
 * probabilities (P(X < 0) = 1/4 + asin(r) / (2 pi) for k = 2 and 1/8 + sum asin(r_ij) / (4 pi)
 * for k = 3), bit-identical for 1 and 2 threads; the pre-trends power and MDV against R
 * pretrends 0.1.0 (diff-diff's r_pretrends_golden.json, see tests/data/PROVENANCE.md) within
 * R's own error (pmvnorm's abseps 1e-3, uniroot's tol 1.22e-4); analytical power against
 * r_power_golden.json to 1e-9; the simulated designs and simulation power (thread-count
 * invariance, the estimate's mean); bad input; every allocation failing in turn (a clean error,
 * nothing left allocated). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kestrel/kestrel.h"
#include "ktest.h"

static void test_box(ks_ctx *ctx)
{
    const double inf = INFINITY;
    double p, err;
    /* k = 1 */
    double s1 = 4.0, lo1 = -1.0, hi1 = 3.0;
    CHECK_OK(ctx, ks_did_mvn_box(ctx, 1, &s1, &lo1, &hi1, 0, 0, &p, &err));
    CHECK_NEAR(p, ks_normal_cdf(1.5) - ks_normal_cdf(-0.5), 1e-15);
    /* k = 2 orthant */
    const double r = 0.6, S2[4] = {1, r, r, 1}, lo2[2] = {-inf, -inf}, hi2[2] = {0, 0};
    CHECK_OK(ctx, ks_did_mvn_box(ctx, 2, S2, lo2, hi2, 0, 0, &p, &err));
    CHECK_NEAR(p, 0.25 + asin(r) / (2 * M_PI), 1e-13);
    /* k = 3 orthant, unequal correlations and scales */
    const double a = 0.3, b = -0.2, c = 0.5, s[3] = {1.0, 2.0, 0.5};
    const double R[9] = {1, a, b, a, 1, c, b, c, 1};
    double S3[9], lo3[3] = {-inf, -inf, -inf}, hi3[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) S3[i * 3 + j] = R[i * 3 + j] * s[i] * s[j];
    CHECK_OK(ctx, ks_did_mvn_box(ctx, 3, S3, lo3, hi3, 1e-6, 0, &p, &err));
    const double exact = 0.125 + (asin(a) + asin(b) + asin(c)) / (4 * M_PI);
    CHECK(err <= 1e-6);
    CHECK(fabs(p - exact) <= 1e-6);
    /* k = 4: the same bits on 1 and 2 threads */
    double S4[16], lo4[4], hi4[4], p1, p2, e1, e2;
    for (int i = 0; i < 4; i++) {
        for (int j = 0; j < 4; j++) S4[i * 4 + j] = i == j ? 0.04 : 0.012;
        lo4[i] = -1.96 * 0.2 - 0.1 * (4 - i);
        hi4[i] = 1.96 * 0.2 - 0.1 * (4 - i);
    }
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    CHECK_OK(ctx, ks_did_mvn_box(ctx, 4, S4, lo4, hi4, 0, 0, &p1, &e1));
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 2));
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    CHECK_OK(ctx, ks_did_mvn_box(ctx, 4, S4, lo4, hi4, 0, 0, &p2, &e2));
    CHECK(memcmp(&p1, &p2, sizeof p1) == 0 && memcmp(&e1, &e2, sizeof e1) == 0);
    CHECK(e1 <= 1e-5); /* the default target */
}

/* R pretrends 0.1.0 (thresholdTstat 1.96), fixture uniform_3_pre_periods_no_anticipation:
 * Sigma equicorrelated 0.04 / 0.012, t = -3, -2, -1. */
static void test_pretrends_r(ks_ctx *ctx)
{
    double V[9], w[3] = {3, 2, 1};
    for (int i = 0; i < 3; i++)
        for (int j = 0; j < 3; j++) V[i * 3 + j] = i == j ? 0.04 : 0.012;
    ks_did_pretrends_options o = KS_DID_PRETRENDS_OPTIONS_INIT;
    o.z = 1.96;
    ks_did_pretrends_point pt;
    static const double gam[4] = {0, 0.2, 0.5, 1},
                        rpow[4] = {0.136261192117481, 0.905586670498965, 0.999999998817154, 1};
    for (int i = 0; i < 4; i++) {
        CHECK_OK(ctx, ks_did_pretrends_power(ctx, 3, V, w, gam[i], &o, &pt));
        CHECK(fabs(pt.power - rpow[i]) <= 1e-3); /* pmvnorm's abseps */
        CHECK(pt.err <= 1e-5);
    }
    double mdv;
    CHECK_OK(ctx, ks_did_pretrends_mdv(ctx, 3, V, w, 0.5, &o, &mdv));
    CHECK(fabs(mdv - 0.11085490751343) <= 1.3e-4); /* uniroot's tol */
    CHECK_OK(ctx, ks_did_pretrends_power(ctx, 3, V, w, mdv, &o, &pt));
    CHECK_NEAR(pt.power, 0.5, 1e-6);
    CHECK_OK(ctx, ks_did_pretrends_mdv(ctx, 3, V, w, 0.8, &o, &mdv));
    CHECK(fabs(mdv - 0.168538720656777) <= 1.3e-4);
    /* K = 1 (fixture single_pre_period_closed_form): exact */
    double v1 = 0.25, w1 = 1;
    CHECK_OK(ctx, ks_did_pretrends_power(ctx, 1, &v1, &w1, 1.0, &o, &pt));
    CHECK_NEAR(pt.power, 1 - ks_normal_cdf(1.96 - 2) + ks_normal_cdf(-1.96 - 2), 1e-14);
    CHECK(fabs(pt.power - 0.515990911734522) <= 1e-9);
    /* Wald: power at the MDV is the target; the size is alpha */
    o.form = KS_DID_PRETEST_WALD;
    o.z = NAN;
    CHECK_OK(ctx, ks_did_pretrends_mdv(ctx, 3, V, w, 0.8, &o, &mdv));
    CHECK_OK(ctx, ks_did_pretrends_power(ctx, 3, V, w, mdv, &o, &pt));
    CHECK_NEAR(pt.power, 0.8, 1e-8);
    CHECK_OK(ctx, ks_did_pretrends_power(ctx, 3, V, w, 0, &o, &pt));
    CHECK_NEAR(pt.power, 0.05, 1e-12);
    /* a zero direction can never be detected */
    double w0[3] = {0, 0, 0};
    CHECK_OK(ctx, ks_did_pretrends_mdv(ctx, 3, V, w0, 0.8, &o, &mdv));
    CHECK(isinf(mdv));
}

/* diff-diff's r_power_golden.json (base R qnorm/pnorm closed forms). */
static void test_analytic(ks_ctx *ctx)
{
    ks_did_power_options o = KS_DID_POWER_OPTIONS_INIT;
    ks_did_power_design d = {50, 50, 1, 1, 1.0, 0.4, 1.0};
    double var;
    int64_t n, nt, nc;
    CHECK_OK(ctx, ks_did_power_variance(ctx, &d, &var));
    CHECK_NEAR(var, 0.048, 1e-12);
    CHECK_NEAR(ks_did_power_mde(&o, sqrt(var)), 0.613796568293401, 1e-9);
    CHECK_NEAR(ks_did_power_at(&o, 0.5, sqrt(var)), 0.626365529695951, 1e-9);
    CHECK_OK(ctx, ks_did_power_sample_size(ctx, &o, &d, 0.5, 0.5, &n, &nt, &nc));
    CHECK(nt + nc == 151);
    /* panel_one_sided_p90 */
    o.alpha = 0.10;
    o.power = 0.90;
    o.alternative = KS_DID_GREATER;
    ks_did_power_design p = {80, 80, 4, 4, 2.0, 0.2, 1.0};
    CHECK_OK(ctx, ks_did_power_variance(ctx, &p, &var));
    CHECK_NEAR(var, 0.04, 1e-12);
    CHECK_NEAR(ks_did_power_mde(&o, sqrt(var)), 0.51262062621784, 1e-9);
    CHECK_NEAR(ks_did_power_at(&o, 0.5, sqrt(var)), 0.888473195519659, 1e-9);
    CHECK_OK(ctx, ks_did_power_sample_size(ctx, &o, &p, 0.5, 0.5, &n, &nt, &nc));
    CHECK(nt + nc == 169);
    /* Bloom (1995) table 1: the one-sided 0.05 multiplier at power 0.8 */
    ks_did_power_options b = {0.05, 0.80, KS_DID_GREATER};
    CHECK_NEAR(ks_did_power_mde(&b, 1.0), 2.48647486052439, 1e-12);
    /* bad designs */
    ks_did_power_design bad = d;
    bad.rho = 1.0;
    CHECK(ks_did_power_variance(ctx, &bad, &var) == KS_EINVAL);
    CHECK(strstr(ks_errmsg(ctx), "rho") != NULL);
    bad = d;
    bad.n_pre = 0;
    CHECK(ks_did_power_variance(ctx, &bad, &var) == KS_EINVAL);
    CHECK(strstr(ks_errmsg(ctx), "n_pre") != NULL);
}

static void test_simulate(ks_ctx *ctx)
{
    ks_did_dgp_basic d = KS_DID_DGP_BASIC_INIT;
    d.n_units = 200;
    d.seed = 7;
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_did_generate_did_data(ctx, &d, &t));
    if (t) {
        CHECK(ks_table_nrow(t) == 800 && ks_table_ncol(t) == 6);
        ks_table_free(t);
    }
    enum { NS = 40, NE = 2 };
    double eff[NE] = {0.0, 0.5}, est[2][NE * NS], se[2][NE * NS], p[2][NE * NS], lo[2][NE * NS],
           hi[2][NE * NS];
    size_t nf[2][NE];
    ks_did_sim_options so = {KS_DID_SIM_BASIC, 1, KS_DID_DR, 0.05, NS, 11};
    for (int th = 0; th < 2; th++) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, th + 1));
        CHECK_OK(ctx, ks_did_simulate_power(ctx, &so, &d, NULL, NE, eff, est[th], se[th], p[th],
                                            lo[th], hi[th], nf[th]));
    }
    CHECK(memcmp(est[0], est[1], sizeof est[0]) == 0 && memcmp(p[0], p[1], sizeof p[0]) == 0);
    CHECK(nf[0][0] == 0 && nf[0][1] == 0);
    double m = 0.0;
    for (int r = 0; r < NS; r++) m += est[0][NS + r] / NS;
    CHECK(fabs(m - 0.5) < 0.1); /* sd of the mean ~ 0.2 / sqrt(40) x 1.6 */
    /* Callaway & Sant'Anna on the staggered design */
    static const int coh[1] = {3};
    ks_did_dgp_staggered st = {60, 6, coh, 1, 0.5, 2.0, 0, 0.1, 1.0, 0.1, 0.5, 3, 0};
    so.estimator = KS_DID_SIM_CS;
    so.n_simulations = 5;
    CHECK_OK(ctx, ks_did_simulate_power(ctx, &so, NULL, &st, 1, &eff[1], est[0], se[0], p[0], lo[0],
                                        hi[0], nf[0]));
    CHECK(nf[0][0] == 0 && isfinite(est[0][0]) && se[0][0] > 0);
    /* bad input */
    d.n_units = 1;
    CHECK(ks_did_simulate_power(ctx, &so, &d, NULL, 1, eff, est[0], se[0], p[0], lo[0], hi[0],
                                nf[0]) == KS_EINVAL);
    so.estimator = KS_DID_SIM_BASIC;
    CHECK(ks_did_simulate_power(ctx, &so, &d, NULL, 1, eff, est[0], se[0], p[0], lo[0], hi[0],
                                nf[0]) == KS_EINVAL);
    CHECK(strstr(ks_errmsg(ctx), "n_units") != NULL);
}

/* An allocator that fails its `fail_at`-th allocation and counts what is live. */
typedef struct {
    long n, fail_at, live;
} counting;
static void *c_malloc(void *ud, size_t size)
{
    counting *c = ud;
    if (c->n++ == c->fail_at) return NULL;
    void *p = malloc(size);
    if (p) c->live++;
    return p;
}
static void c_free(void *ud, void *p)
{
    counting *c = ud;
    if (p) c->live--;
    free(p);
}

static int alloc_run(ks_ctx *ctx)
{
    double V[9], w[3] = {3, 2, 1}, lo3[3], hi3[3], pb, mdv, eff = 0.5, est[3], se[3], p[3], lo[3],
                 hi[3];
    size_t nf;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < 3; j++) V[i * 3 + j] = i == j ? 0.04 : 0.012;
        lo3[i] = -0.3;
        hi3[i] = 0.2;
    }
    int rc = ks_did_mvn_box(ctx, 3, V, lo3, hi3, 1e-3, 0, &pb, NULL);
    ks_did_pretrends_options o = KS_DID_PRETRENDS_OPTIONS_INIT;
    if (!rc) rc = ks_did_pretrends_mdv(ctx, 1, V, w, 0.8, &o, &mdv);
    o.form = KS_DID_PRETEST_WALD;
    if (!rc) rc = ks_did_pretrends_mdv(ctx, 3, V, w, 0.8, &o, &mdv);
    ks_did_dgp_basic d = KS_DID_DGP_BASIC_INIT;
    d.n_units = 20;
    ks_table *t = NULL;
    if (!rc) rc = ks_did_generate_did_data(ctx, &d, &t);
    ks_table_free(t);
    ks_did_sim_options so = {KS_DID_SIM_BASIC, 1, KS_DID_DR, 0.05, 3, 1};
    if (!rc) rc = ks_did_simulate_power(ctx, &so, &d, NULL, 1, &eff, est, se, p, lo, hi, &nf);
    static const int coh[1] = {2};
    ks_did_dgp_staggered st = {20, 4, coh, 1, 0.5, 1.0, 0, 0.1, 1.0, 0.1, 0.5, 3, 0};
    so.estimator = KS_DID_SIM_CS;
    if (!rc) rc = ks_did_simulate_power(ctx, &so, NULL, &st, 1, &eff, est, se, p, lo, hi, &nf);
    return rc;
}

static void test_alloc_fail(void)
{
    for (long i = 0;; i++) {
        counting c = {0, i, 0};
        ks_allocator a = {c_malloc, NULL, c_free, &c};
        ks_ctx *ctx = NULL;
        int rc = ks_ctx_new_with_allocator(&a, &ctx);
        if (rc == KS_OK && (rc = ks_ctx_set_threads(ctx, 1)) == KS_OK) rc = alloc_run(ctx);
        ks_ctx_free(ctx);
        CHECK(c.live == 0);
        if (rc == KS_OK) {
            CHECK(i > 10); /* the run allocates */
            break;
        }
        CHECK(rc == KS_ENOMEM);
        if (rc != KS_ENOMEM || c.live) break;
    }
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_box(ctx);
    test_pretrends_r(ctx);
    test_analytic(ctx);
    test_simulate(ctx);
    ks_ctx_free(ctx);
    test_alloc_fail();
    return ktest_finish("did_power");
}
