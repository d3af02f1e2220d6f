/* test_did_stacked.c — stacked DiD and the triple difference through the C API: the stacked
 * event study against R (lm + clubSandwich CR1S, diff-diff's golden fixture, see PROVENANCE.md)
 * on tests/data/did/stacked_small.csv; the triple difference against R triplediff 0.2.4
 * (tests/data/did/reference_r_triplediff.json); identical results for 1 and 4 threads; errors
 * naming the argument at fault. */
#include <math.h>
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

static void rel_near(double got, double want, double tol)
{
    CHECK(fabs(got - want) <= tol * fabs(want));
}

/* One variant of the golden fixture: coefficients to 1e-10, CR1 SEs to 1e-8 relative. */
static void check_stacked(ks_ctx *ctx, const ks_table *t, const ks_did_stacked_options *o,
                          const double *coef, const double *se, size_t ne, double se_overall)
{
    ks_did_stacked *r = NULL;
    CHECK_OK(ctx, ks_did_stacked_fit(ctx, t, "outcome", "unit", "period", "first_treat", o, &r));
    if (!r) return;
    ks_did_stacked_view v;
    ks_did_stacked_get(r, &v);
    CHECK(v.nevent == ne);
    for (size_t j = 0; j < ne && j < v.nevent; j++) {
        CHECK(fabs(v.effect[j] - coef[j]) <= 1e-10);
        rel_near(v.se[j], se[j], 1e-8);
    }
    double mean = 0.0;
    size_t k = 0;
    for (size_t j = 0; j < v.nevent; j++)
        if (v.event_time[j] >= -o->anticipation) {
            mean += v.effect[j];
            k++;
        }
    CHECK(fabs(v.att - mean / (double)k) <= 1e-12);
    rel_near(v.att_se, se_overall, 1e-8);
    ks_did_stacked_free(r);
}

static void test_stacked_against_r(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "stacked_small.csv");
    if (!t) return;
    ks_did_stacked_options o = KS_DID_STACKED_OPTIONS_INIT;
    o.kappa_pre = 2;
    o.kappa_post = 2;
    static const double c0[] = {0.1405590947363666, 2.203920170110117, 1.987787707839172,
                                2.050642070438884};
    static const double s0[] = {0.200078483415387, 0.1826256881800713, 0.1790924462926418,
                                0.2225451518363201};
    check_stacked(ctx, t, &o, c0, s0, 4, 0.1569914942914515);
    o.cluster = KS_STACKED_CLUSTER_UNIT_SUBEXP;
    static const double s1[] = {0.1870363047946401, 0.1822840556079794, 0.1981449756819671,
                                0.2273611013086859};
    check_stacked(ctx, t, &o, c0, s1, 4, 0.1632258518454228);
    o.cluster = KS_STACKED_CLUSTER_UNIT;
    o.anticipation = 1;
    static const double c2[] = {-0.09202034132318355, -0.1405590947363716, 2.06336107537375,
                                1.8472286131028, 1.910082975702512};
    static const double s2[] = {0.2048338447728567, 0.2001299373145117, 0.1530282199734606,
                                0.1835610737502558, 0.1642185283764434};
    check_stacked(ctx, t, &o, c2, s2, 5, 0.1270856646130946);
    o.anticipation = 0;
    o.weighting = KS_STACKED_SAMPLE_SHARE;
    static const double c3[] = {0.1108321656167259, 2.20608363527907, 1.950880164652265,
                                2.024566452331055};
    static const double s3[] = {0.1926945586681986, 0.1774065826127712, 0.179551540289758,
                                0.2122392518497908};
    check_stacked(ctx, t, &o, c3, s3, 4, 0.1513357911957259);
    ks_table_free(t);
}

/* The same numbers, to the bit, with 1 and 4 threads. */
static void test_threads(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "stacked_small.csv"), *d = load(ctx, "ddd_rcs.csv");
    if (!t || !d) goto done;
    double a[2][3];
    static const char *const cov[] = {"cov1", "cov2", "cov3", "cov4", NULL};
    for (int k = 0; k < 2; k++) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, k ? 4 : 1));
        ks_did_stacked_options o = KS_DID_STACKED_OPTIONS_INIT;
        o.kappa_pre = 2;
        o.kappa_post = 2;
        ks_did_stacked *r = NULL;
        ks_did_ddd *q = NULL;
        ks_did_ddd_options qo = KS_DID_DDD_OPTIONS_INIT;
        qo.covariates = cov;
        CHECK_OK(ctx,
                 ks_did_stacked_fit(ctx, t, "outcome", "unit", "period", "first_treat", &o, &r));
        CHECK_OK(ctx, ks_did_ddd_fit(ctx, d, "y", "group", "partition", "post", &qo, &q));
        if (r && q) {
            ks_did_stacked_view v;
            ks_did_ddd_view w;
            ks_did_stacked_get(r, &v);
            ks_did_ddd_get(q, &w);
            a[k][0] = v.att;
            a[k][1] = v.att_se;
            a[k][2] = w.se;
        }
        ks_did_stacked_free(r);
        ks_did_ddd_free(q);
    }
    CHECK(!memcmp(a[0], a[1], sizeof a[0]));
done:
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    ks_table_free(t);
    ks_table_free(d);
}

/* R triplediff's ddd(panel = FALSE): ATT to 1e-8, SE to 1e-6 relative. */
static void test_ddd_against_r(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "ddd_rcs.csv");
    if (!t) return;
    static const char *const cov[] = {"cov1", "cov2", "cov3", "cov4", NULL};
    static const struct {
        ks_did_method m;
        int cov;
        double att, se;
    } ref[] = {
        /* tests/data/did/reference_r_triplediff.json */
        {KS_DID_DR, 1, -0.1333804182575662, 0.3666221032776607},
        {KS_DID_DR, 0, 1.357362420694674, 18.428239863743922},
        {KS_DID_REG, 1, 19.68946391180006, 15.084810160344105},
        {KS_DID_REG, 0, 1.3573624206944999, 18.428239863743926},
        {KS_DID_IPW, 1, 8.64284619358827, 17.558931318080347},
        {KS_DID_IPW, 0, 1.3573624206946135, 18.428239863743926},
    };
    for (size_t i = 0; i < sizeof ref / sizeof *ref; i++) {
        ks_did_ddd_options o = KS_DID_DDD_OPTIONS_INIT;
        o.method = ref[i].m;
        o.covariates = ref[i].cov ? cov : NULL;
        ks_did_ddd *r = NULL;
        CHECK_OK(ctx, ks_did_ddd_fit(ctx, t, "y", "group", "partition", "post", &o, &r));
        if (!r) continue;
        ks_did_ddd_view v;
        ks_did_ddd_get(r, &v);
        CHECK(fabs(v.att - ref[i].att) <= 1e-8);
        rel_near(v.se, ref[i].se, 1e-6);
        CHECK(fabs(v.att - (v.did[0] + v.did[1] - v.did[2])) <= 1e-12);
        ks_did_ddd_free(r);
    }
    ks_table_free(t);
}

static void test_bad_input(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "stacked_small.csv"), *d = load(ctx, "ddd_rcs.csv");
    if (!t || !d) goto done;
    ks_did_stacked *r = NULL;
    ks_did_stacked_options o = KS_DID_STACKED_OPTIONS_INIT;
    CHECK_FAILS(ctx, ks_did_stacked_fit(ctx, t, "nope", "unit", "period", "first_treat", &o, &r),
                KS_ENOTFOUND, "outcome: no column 'nope'");
    o.kappa_pre = 0;
    CHECK_FAILS(ctx, ks_did_stacked_fit(ctx, t, "outcome", "unit", "period", "first_treat", &o, &r),
                KS_EINVAL, "kappa_pre");
    o.kappa_pre = 6;
    o.kappa_post = 6;
    CHECK_FAILS(ctx, ks_did_stacked_fit(ctx, t, "outcome", "unit", "period", "first_treat", &o, &r),
                KS_EINVAL, "trimmed");
    o = (ks_did_stacked_options)KS_DID_STACKED_OPTIONS_INIT;
    o.weighting = KS_STACKED_POPULATION;
    CHECK_FAILS(ctx, ks_did_stacked_fit(ctx, t, "outcome", "unit", "period", "first_treat", &o, &r),
                KS_EINVAL, "population");
    CHECK_FAILS(ctx, ks_did_stacked_fit(ctx, t, "outcome", "unit", "period", "outcome", NULL, &r),
                KS_EINVAL, "first_treat");
    ks_did_ddd *q = NULL;
    CHECK_FAILS(ctx, ks_did_ddd_fit(ctx, d, "y", "time", "partition", "post", NULL, &q), KS_EINVAL,
                "group: row");
    CHECK_FAILS(ctx, ks_did_ddd_fit(ctx, d, "y", "group", "partition", "nope", NULL, &q),
                KS_ENOTFOUND, "post: no column 'nope'");
    static const char *const bad[] = {"nope", NULL};
    ks_did_ddd_options qo = KS_DID_DDD_OPTIONS_INIT;
    qo.covariates = bad;
    CHECK_FAILS(ctx, ks_did_ddd_fit(ctx, d, "y", "group", "partition", "post", &qo, &q),
                KS_ENOTFOUND, "covariates: no column 'nope'");
    ks_did_stacked_weighting wt;
    CHECK_OK(ctx, ks_did_stacked_weighting_value(ctx, "sample_share", &wt));
    CHECK(wt == KS_STACKED_SAMPLE_SHARE);
    CHECK(!strcmp(ks_did_stacked_control_name(KS_STACKED_STRICT), "strict"));
done:
    ks_table_free(t);
    ks_table_free(d);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_stacked_against_r(ctx);
    test_ddd_against_r(ctx);
    test_threads(ctx);
    test_bad_input(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("did_stacked");
}
