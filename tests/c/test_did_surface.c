/* test_did_surface.c — the parts of kestrel.did's diff-diff surface computed in C: diff-diff's
 * bootstrap summary (standard deviation, NumPy's linear percentiles, the percentile p-value) on
 * a distribution whose values are known; the event study's covariance (its diagonal the squared
 * standard errors, analytical and bootstrap); Sun & Abraham's pairs bootstrap identical for 1
 * and 2 threads, reproducible for a seed and changed by another, and the same draws through the
 * closed form and through the weighted regression (a covariate constant within units leaves
 * the regression's cells unchanged). */
#include <stdlib.h>
#include <string.h>

#include "kestrel/kestrel.h"
#include "ktest.h"

static ks_table *load(ks_ctx *ctx, const char *name)
{
    char path[256];
    snprintf(path, sizeof path, "tests/data/did/%s", name);
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, NULL, &t));
    return t;
}

/* 1..10 and its mirror image: NumPy gives std(ddof=1) 3.0276503540974917, percentiles 2.5 and
 * 97.5 1.225 and 9.775; no draw at or below 0, so p = 1 / (10 + 1). */
static void test_boot_summary(ks_ctx *ctx)
{
    double d[20], est[2] = {0.0, -1.0}, se[2], lo[2], hi[2], p[2];
    for (int b = 0; b < 10; b++) {
        d[b] = b + 1.0;
        d[10 + b] = -(b + 1.0);
    }
    CHECK_OK(ctx, ks_did_boot_summary(ctx, d, 10, 2, est, 0, 1.0, 0.05, se, lo, hi, p));
    CHECK_NEAR(se[0], 3.0276503540974917, 1e-14);
    CHECK_NEAR(lo[0], 1.225, 1e-14);
    CHECK_NEAR(hi[0], 9.775, 1e-14);
    CHECK_NEAR(p[0], 1.0 / 11.0, 1e-15);
    CHECK_NEAR(se[1], se[0], 1e-15);
    CHECK_NEAR(lo[1], -9.775, 1e-14);
    CHECK_NEAR(p[1], 1.0 / 11.0, 1e-15); /* est < 0: the share at or above 0 */
    /* centered: est + scale * draws */
    double e1 = 2.0;
    CHECK_OK(ctx, ks_did_boot_summary(ctx, d, 10, 1, &e1, 1, 0.5, 0.05, se, lo, hi, p));
    CHECK_NEAR(se[0], 0.5 * 3.0276503540974917, 1e-14);
    CHECK_NEAR(lo[0], 2.0 + 0.5 * 1.225, 1e-14);
    /* a NaN estimate, and a constant distribution: NaN */
    double nan_est = NAN, same[4] = {1, 1, 1, 1};
    CHECK_OK(ctx, ks_did_boot_summary(ctx, d, 10, 1, &nan_est, 0, 1.0, 0.05, se, lo, hi, p));
    CHECK(isnan(se[0]) && isnan(p[0]));
    CHECK_OK(ctx, ks_did_boot_summary(ctx, same, 4, 1, &e1, 0, 1.0, 0.05, se, lo, hi, p));
    CHECK(isnan(se[0]) && isnan(lo[0]));
    CHECK_FAILS(ctx, ks_did_boot_summary(ctx, d, 10, 1, &e1, 0, 1.0, 1.5, se, lo, hi, p), KS_EINVAL,
                "alpha");
}

/* The event study's covariance has the squared standard errors on its diagonal: analytical
 * (clustered or not) and from the bootstrap's draws (their summary's standard deviation). */
static void test_event_study_vcov(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "mpdta.csv");
    if (!t) return;
    for (int pass = 0; pass < 3; pass++) {
        ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
        if (pass == 1) o.cluster = "countyreal";
        if (pass == 2) {
            o.n_bootstrap = 199;
            o.seed = 5;
        }
        ks_did_cs *fit = NULL;
        ks_did_agg *agg = NULL;
        CHECK_OK(ctx, ks_did_cs_fit(ctx, t, "lemp", "year", "countyreal", "first.treat", &o, &fit));
        ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
        ao.type = KS_DID_AGG_DYNAMIC;
        if (fit) CHECK_OK(ctx, ks_did_cs_aggregate(ctx, fit, &ao, &agg));
        if (agg) {
            ks_did_agg_view v;
            ks_did_agg_get(agg, &v);
            CHECK(v.n == 7 && v.vcov && v.ncell_e[0] == 1 && v.ncell_e[3] == 3);
            if (pass < 2) {
                CHECK(!v.draws);
                for (size_t j = 0; j < v.n; j++)
                    CHECK_NEAR(sqrt(v.vcov[j * v.n + j]), v.se_e[j], 1e-13);
            } else {
                CHECK(v.draws && v.n_bootstrap == 199);
                double se[8], lo[8], hi[8], p[8];
                CHECK_OK(ctx, ks_did_boot_summary(ctx, v.draws, 199, v.n + 1, v.att_e, 1, 1.0, 0.05,
                                                  se, lo, hi, p));
                for (size_t j = 0; j < v.n; j++)
                    CHECK_NEAR(sqrt(v.vcov[j * v.n + j]), se[j], 1e-12);
                for (size_t j = 0; j < v.n; j++) /* symmetric */
                    for (size_t k = 0; k < v.n; k++)
                        CHECK(v.vcov[j * v.n + k] == v.vcov[k * v.n + j]);
            }
        }
        ks_did_agg_free(agg);
        ks_did_cs_free(fit);
    }
    ks_table_free(t);
}

static int sunab_boot(ks_ctx *ctx, const ks_table *t, uint64_t seed, const char *const *covs,
                      double *out, size_t *nrel)
{
    ks_did_sunab_options o = KS_DID_SUNAB_OPTIONS_INIT;
    o.n_bootstrap = 100;
    o.seed = seed;
    o.covariates = covs;
    ks_did_sunab *r = NULL;
    int rc = ks_did_sunab_fit(ctx, t, "lemp", "countyreal", "year", "first.treat", &o, &r);
    if (r) {
        ks_did_sunab_view v;
        ks_did_sunab_get(r, &v);
        *nrel = v.nrel;
        CHECK(v.n_bootstrap == 100 && v.n_boot_failed == 0 && v.ref_observed);
        memcpy(out, v.boot_e, 100 * v.nrel * sizeof *out);
        memcpy(out + 100 * v.nrel, v.boot_att, 100 * sizeof *out);
        for (size_t j = 0; j < v.nrel; j++) /* the covariance's diagonal: the squared SEs */
            CHECK_NEAR(sqrt(v.vcov_e[j * v.nrel + j]), v.se_e[j], 1e-12);
        CHECK(v.nperiods == 5 && v.periods[0] == 2003 && v.periods[4] == 2007);
    }
    ks_did_sunab_free(r);
    return rc;
}

static void test_sunab_bootstrap(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "mpdta.csv");
    if (!t) return;
    enum { CAP = 100 * 9 };
    double *a = calloc(CAP, sizeof *a), *b = calloc(CAP, sizeof *b), *c = calloc(CAP, sizeof *c);
    size_t na = 0, nb = 0, nc = 0;
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0)); /* two threads even on data this small */
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    CHECK_OK(ctx, sunab_boot(ctx, t, 11, NULL, a, &na));
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 2));
    CHECK_OK(ctx, sunab_boot(ctx, t, 11, NULL, b, &nb));
    CHECK(na == 7 && nb == na);
    CHECK(memcmp(a, b, 100 * (na + 1) * sizeof *a) == 0); /* identical for any thread count */
    CHECK_OK(ctx, sunab_boot(ctx, t, 11, NULL, c, &nc));
    CHECK(memcmp(a, c, 100 * (na + 1) * sizeof *a) == 0); /* reproducible */
    CHECK_OK(ctx, sunab_boot(ctx, t, 12, NULL, c, &nc));
    CHECK(memcmp(a, c, 100 * (na + 1) * sizeof *a) != 0); /* another seed, other draws */
    /* lpop is constant within each county: the regression path drops it and must give the
     * closed form's draws */
    static const char *const lpop[] = {"lpop", NULL};
    CHECK_OK(ctx, sunab_boot(ctx, t, 11, lpop, c, &nc));
    double worst = 0.0;
    for (size_t j = 0; j < 100 * (na + 1); j++)
        worst = fabs(a[j] - c[j]) > worst ? fabs(a[j] - c[j]) : worst;
    CHECK(worst < 1e-10);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 0));
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 1e6));
    ks_did_sunab_options o = KS_DID_SUNAB_OPTIONS_INIT;
    o.n_bootstrap = -1;
    ks_did_sunab *r = NULL;
    CHECK_FAILS(ctx, ks_did_sunab_fit(ctx, t, "lemp", "countyreal", "year", "first.treat", &o, &r),
                KS_EINVAL, "n_bootstrap");
    free(a);
    free(b);
    free(c);
    ks_table_free(t);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_boot_summary(ctx);
    test_event_study_vcov(ctx);
    test_sunab_bootstrap(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("did_surface");
}
