/* test_did.c — Callaway & Sant'Anna through the C API (also run under ASan/UBSan): aggregations
 * against R did 2.5.1 (numbers from tests/data/did/reference_r_did_extra.json, see
 * PROVENANCE.md) on the panel, with covariates, universal base, repeated cross-sections and an
 * unbalanced panel; the clustered SE against the influence functions it comes from; the
 * bootstrap identical for 1 and 2 threads; bad input; the wild cluster bootstrap; the
 * Goodman-Bacon decomposition; Sun & Abraham. */
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

/* Fit, aggregate, compare the overall effect with R's. */
static void check_agg(ks_ctx *ctx, const ks_table *t, const ks_did_cs_options *o,
                      ks_did_agg_type type, double att, double se)
{
    ks_did_cs *fit = NULL;
    ks_did_agg *agg = NULL;
    CHECK_OK(ctx, ks_did_cs_fit(ctx, t, "lemp", "year", "countyreal", "first.treat", o, &fit));
    if (!fit) return;
    ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
    ao.type = type;
    CHECK_OK(ctx, ks_did_cs_aggregate(ctx, fit, &ao, &agg));
    if (agg) {
        ks_did_agg_view v;
        ks_did_agg_get(agg, &v);
        CHECK(fabs(v.att - att) <= 1e-10);
        CHECK_NEAR(v.se, se, 1e-8);
    }
    ks_did_agg_free(agg);
    ks_did_cs_free(fit);
}

static void test_against_r(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "mpdta.csv"), *u = load(ctx, "mpdta_unbal.csv");
    if (!t || !u) goto done;
    static const char *const lpop[] = {"lpop", NULL};
    ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
    check_agg(ctx, t, &o, KS_DID_AGG_SIMPLE, -0.039951275155177005, 0.012034012770185417);
    o.control_group = KS_DID_NOT_YET_TREATED;
    o.covariates = lpop;
    check_agg(ctx, t, &o, KS_DID_AGG_DYNAMIC, -0.07999262096187537, 0.018494002077685853);
    o = (ks_did_cs_options)KS_DID_CS_OPTIONS_INIT;
    o.method = KS_DID_REG;
    o.control_group = KS_DID_NOT_YET_TREATED;
    o.base_period = KS_DID_BASE_UNIVERSAL;
    check_agg(ctx, t, &o, KS_DID_AGG_GROUP, -0.03046222811256557, 0.0125751201316818);
    o = (ks_did_cs_options)KS_DID_CS_OPTIONS_INIT;
    o.method = KS_DID_IPW;
    o.panel = 0;
    check_agg(ctx, t, &o, KS_DID_AGG_SIMPLE, -0.03995127515517711, 0.1620999495775451);
    o.method = KS_DID_DR;
    o.control_group = KS_DID_NOT_YET_TREATED;
    o.covariates = lpop;
    check_agg(ctx, t, &o, KS_DID_AGG_CALENDAR, -0.0456646328768679, 0.048650805738860346);
    o = (ks_did_cs_options)KS_DID_CS_OPTIONS_INIT;
    o.allow_unbalanced_panel = 1;
    check_agg(ctx, u, &o, KS_DID_AGG_SIMPLE, -0.05315591435212168, 0.014942199701470801);
done:
    ks_table_free(t);
    ks_table_free(u);
}

/* A state-level cluster (countyreal / 1000 is the state FIPS code): each cell's SE must be
 * sqrt(sum over states of (sum of the influence function)^2) / n. */
static void test_cluster_se(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "mpdta.csv");
    if (!t) return;
    const size_t n = ks_table_nrow(t);
    size_t j;
    CHECK_OK(ctx, ks_table_find(ctx, t, "countyreal", &j));
    int64_t *state = malloc(n * sizeof *state);
    for (size_t i = 0; i < n; i++) state[i] = ks_table_int64(t, j)[i] / 1000;
    CHECK_OK(ctx, ks_table_add_int64(ctx, t, "state", state));
    ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
    o.cluster = "state";
    ks_did_cs *fit = NULL;
    CHECK_OK(ctx, ks_did_cs_fit(ctx, t, "lemp", "year", "countyreal", "first.treat", &o, &fit));
    if (fit) {
        ks_did_cs_view c;
        ks_did_cs_get(fit, &c);
        CHECK(c.nclusters > 20 && c.nclusters < 60);
        CHECK(!c.uniform && c.crit == ks_normal_quantile(0.975)); /* no bootstrap: pointwise */
        double *inf = malloc(c.nunits * c.ncell * sizeof *inf);
        CHECK_FAILS(ctx, ks_did_cs_inffunc(ctx, fit, inf, c.nunits * c.ncell - 1), KS_EINVAL,
                    "out needs");
        CHECK_OK(ctx, ks_did_cs_inffunc(ctx, fit, inf, c.nunits * c.ncell));
        for (size_t k = 0; k < c.ncell; k++) {
            double sums[100] = {0}, ss = 0.0;
            for (size_t i = 0; i < c.nunits; i++) sums[state[c.unit_row[i]]] += inf[k * c.nunits + i];
            for (size_t s = 0; s < 100; s++) ss += sums[s] * sums[s];
            CHECK_NEAR(c.se[k], sqrt(ss) / (double)c.nunits, 1e-12);
        }
        free(inf);
    }
    ks_did_cs_free(fit);
    free(state);
    ks_table_free(t);
}

static void test_bootstrap_threads(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "mpdta.csv");
    if (!t) return;
    double se[2][64], crit[2], agg_se[2];
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0)); /* two threads even on data this small */
    for (int th = 0; th < 2; th++) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, th + 1));
        ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
        o.n_bootstrap = 499;
        o.seed = 42;
        o.cband = 1;
        o.boot_weights = KS_DID_BOOT_WEBB;
        ks_did_cs *fit = NULL;
        ks_did_agg *agg = NULL;
        CHECK_OK(ctx, ks_did_cs_fit(ctx, t, "lemp", "year", "countyreal", "first.treat", &o, &fit));
        if (!fit) break;
        ks_did_cs_view c;
        ks_did_cs_get(fit, &c);
        CHECK(c.ncell == 12);
        memcpy(se[th], c.se, c.ncell * sizeof *c.se);
        crit[th] = c.crit;
        CHECK(c.crit > 1.96 && c.uniform);
        ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
        ao.type = KS_DID_AGG_DYNAMIC;
        CHECK_OK(ctx, ks_did_cs_aggregate(ctx, fit, &ao, &agg));
        ks_did_agg_view v;
        if (agg) {
            ks_did_agg_get(agg, &v);
            agg_se[th] = v.se;
            CHECK(v.uniform && v.crit > ks_normal_quantile(0.975)); /* the sup-t band */
        }
        ks_did_agg_free(agg);
        ks_did_cs_free(fit);
    }
    CHECK(!memcmp(se[0], se[1], 12 * sizeof **se));
    CHECK(crit[0] == crit[1] && agg_se[0] == agg_se[1]);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 0));
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 1e6));
    ks_table_free(t);
}

static void test_bad_input(ks_ctx *ctx)
{
    const char *dup = "id,t,g,y\n1,1,0,1\n1,1,0,2\n1,2,0,3\n2,1,2,1\n2,2,2,5\n";
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "dup.csv", dup, strlen(dup), NULL, &t));
    ks_did_cs *fit = NULL;
    CHECK_FAILS(ctx, ks_did_cs_fit(ctx, t, "y", "t", "id", "g", NULL, &fit), KS_EINVAL,
                "same unit");
    CHECK_FAILS(ctx, ks_did_cs_fit(ctx, t, "y", "t", "id", "nope", NULL, &fit), KS_ENOTFOUND,
                "'nope'");
    ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
    o.cband = 1;
    CHECK_FAILS(ctx, ks_did_cs_fit(ctx, t, "y", "t", "id", "g", &o, &fit), KS_EINVAL, "cband");
    ks_table_free(t);
    const char *chg = "id,t,g,y\n1,1,0,1\n1,2,3,3\n2,1,2,1\n2,2,2,5\n";
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "chg.csv", chg, strlen(chg), NULL, &t));
    CHECK_FAILS(ctx, ks_did_cs_fit(ctx, t, "y", "t", "id", "g", NULL, &fit), KS_EINVAL,
                "changes within a unit");
    ks_table_free(t);
    CHECK(fit == NULL);
}

/* The closed-form 2x2 and two-way fixed effects against R fixest on basic_small.csv
 * (tests/data/PROVENANCE.md). */
static void test_basic_and_twfe(ks_ctx *ctx)
{
    const char *path = "data/basic_small.csv";
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, NULL, &t));
    if (!t) return;
    ks_did_basic_options bo = KS_DID_BASIC_OPTIONS_INIT;
    bo.vcov = KS_VCOV_CRV1;
    bo.cluster = "unit";
    ks_did_basic *br = NULL;
    CHECK_OK(ctx, ks_did_basic_fit(ctx, t, "outcome", "treated", "post", &bo, &br));
    if (br) {
        ks_did_basic_view b;
        ks_did_basic_get(br, &b);
        CHECK(fabs(b.coef[3] - 5.11212123983854) <= 1e-10);
        CHECK_NEAR(sqrt(b.vcov[15]), 0.183204909663298, 1e-8);
        CHECK(b.nobs == 400 && b.nclusters == 100 && b.df_t == 99);
        /* the inference the view carries: t(99) tests and 95% intervals */
        const double q = ks_t_quantile(0.975, 99.0);
        CHECK(b.se[3] == sqrt(b.vcov[15]) && b.tstat[3] == b.coef[3] / b.se[3]);
        CHECK(b.pvalue[3] == 2.0 * ks_t_cdf(-fabs(b.tstat[3]), 99.0));
        CHECK(b.ci_lower[3] == b.coef[3] - q * b.se[3] && b.ci_upper[3] == b.coef[3] + q * b.se[3]);
    }
    ks_did_basic_free(br);
    ks_did_twfe *wr = NULL;
    CHECK_OK(ctx, ks_did_twfe_fit(ctx, t, "outcome", "treated", "post", "unit", NULL, &wr));
    if (wr) {
        ks_did_twfe_view w;
        ks_did_twfe_get(wr, &w);
        CHECK(w.balanced == 1);
        CHECK(fabs(w.att - 5.11212123983855) <= 1e-10);
        CHECK_NEAR(w.se, 0.182974027517802, 1e-8);
        CHECK(w.tstat == w.att / w.se && w.pvalue == 2.0 * ks_t_cdf(-fabs(w.tstat), w.df_t));
    }
    ks_did_twfe_free(wr);
    br = NULL;
    CHECK_FAILS(ctx, ks_did_basic_fit(ctx, t, "outcome", "treated", "time", NULL, &br), KS_EINVAL,
                "must be 0 or 1");
    CHECK(br == NULL);
    bo.alpha = 0;
    CHECK_FAILS(ctx, ks_did_basic_fit(ctx, t, "outcome", "treated", "post", &bo, &br), KS_EINVAL,
                "alpha");
    ks_table_free(t);
}

/* ks_did_wild_fit's view (the fit freed). */
static int wild(ks_ctx *ctx, const ks_table *t, const char *f, const char *term,
                const ks_did_wild_options *o, ks_did_wild_view *v)
{
    ks_did_wild *r = NULL;
    const int rc = ks_did_wild_fit(ctx, t, f, term, o, &r);
    memset(v, 0, sizeof *v);
    if (r) ks_did_wild_get(r, v);
    ks_did_wild_free(r);
    return rc;
}

/* The wild bootstrap: all 2^10 sign vectors against the brute-force R enumeration
 * (tests/data/did/reference_wild.json, case "basic"); sampled Webb draws identical for 1 and 2
 * threads and changed by the seed; bad input. */
static void test_wild(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "wild_small.csv");
    if (!t) return;
    const char *f = "y ~ treated + post + treated:post";
    ks_did_wild_options o = KS_DID_WILD_OPTIONS_INIT;
    o.cluster = "state";
    o.n_bootstrap = 1024;
    ks_did_wild_view w;
    CHECK_OK(ctx, wild(ctx, t, f, "treated:post", &o, &w));
    CHECK(w.enumerated && w.n_bootstrap == 1024 && w.nclusters == 10 && w.nobs == 400);
    CHECK(w.pvalue == 0.255859375);
    CHECK_NEAR(w.se, 0.21605407436868906, 1e-12);
    CHECK(fabs(w.ci_lower - -0.25331222134730091) < 1e-9);
    CHECK(fabs(w.ci_upper - 0.70096696996147034) < 1e-9);
    o.weights = KS_DID_BOOT_WEBB;
    o.cluster = "unit";
    o.n_bootstrap = 299;
    o.seed = 7;
    ks_did_wild_view a, b, c;
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0)); /* two threads even on data this small */
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    CHECK_OK(ctx, wild(ctx, t, f, "treated:post", &o, &a));
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 2));
    CHECK_OK(ctx, wild(ctx, t, f, "treated:post", &o, &b));
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 1e6));
    CHECK(!a.enumerated && a.pvalue == b.pvalue && a.ci_lower == b.ci_lower &&
          a.ci_upper == b.ci_upper);
    o.seed = 8;
    CHECK_OK(ctx, wild(ctx, t, f, "treated:post", &o, &c));
    CHECK(c.ci_lower != a.ci_lower || c.ci_upper != a.ci_upper);
    CHECK_FAILS(ctx, wild(ctx, t, f, "treated:time", &o, &w), KS_EINVAL,
                "term 'treated:time' is not in the formula");
    o.cluster = NULL;
    CHECK_FAILS(ctx, wild(ctx, t, f, "treated:post", &o, &w), KS_EINVAL, "cluster is required");
    o.cluster = "unit";
    o.n_bootstrap = 1;
    CHECK_FAILS(ctx, wild(ctx, t, f, "treated:post", &o, &w), KS_EINVAL,
                "n_bootstrap must be >= 2");
    o.n_bootstrap = 99;
    o.weights = (ks_did_boot_weights)9;
    CHECK_FAILS(ctx, wild(ctx, t, f, "treated:post", &o, &w), KS_EINVAL, "unknown weights");
    ks_table_free(t);
}
/* The Goodman-Bacon decomposition of castle against R bacondecomp
 * (tests/data/did/reference_r_bacon.json): the 2006 cohort against the untreated, and the
 * TWFE estimate (the weighted sum of R's 25 comparisons); a first_treat that changes within a
 * unit is an error. */
static void test_bacon(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "castle.csv");
    if (!t) return;
    ks_did_bacon *r = NULL;
    CHECK_OK(ctx, ks_did_bacon_fit(ctx, t, "l_homicide", "state", "year", "first_treat", &r));
    if (r) {
        ks_did_bacon_view v;
        ks_did_bacon_get(r, &v);
        CHECK(v.n == 25 && v.n_groups == 5 && v.nunits == 50 && v.nperiods == 11);
        CHECK(fabs(v.twfe - 0.0818116169306474) <= 1e-12);
        int found = 0;
        for (size_t c = 0; c < v.n; c++)
            if (v.treated[c] == 2006 && isinf(v.control[c])) {
                found = 1;
                CHECK(fabs(v.estimate[c] - 0.0682358666149378) <= 1e-12);
                CHECK(fabs(v.weight[c] - 0.592394720301697) <= 1e-12);
                CHECK(v.type[c] == KS_DID_BACON_TREATED_VS_NEVER);
            }
        CHECK(found);
    }
    ks_did_bacon_free(r);
    CHECK_FAILS(ctx, ks_did_bacon_fit(ctx, t, "l_homicide", "state", "year", "year", &r), KS_EINVAL,
                "changes within a unit");
    ks_table_free(t);
}
/* Sun & Abraham on mpdta: the event study equals R did's never-treated universal-base dynamic
 * effects and the overall ATT R did's simple ATT (reference_r_did_extra.json); no never-treated
 * units is an error. */
static void test_sunab(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "mpdta.csv");
    if (!t) return;
    ks_did_sunab *r = NULL;
    CHECK_OK(ctx, ks_did_sunab_fit(ctx, t, "lemp", "countyreal", "year", "first.treat", NULL, &r));
    if (r) {
        ks_did_sunab_view v;
        ks_did_sunab_get(r, &v);
        CHECK(v.nrel == 7 && v.ref == -1 && v.n_control_units == 309);
        CHECK(fabs(v.att - -0.039951275155177005) <= 1e-12);
        CHECK(v.e[4] == 1 && fabs(v.att_e[4] - -0.050957367065194985) <= 1e-12);
        CHECK(v.e[0] == -4 && fabs(v.att_e[0] - 0.003306356692511992) <= 1e-12);
    }
    ks_did_sunab_free(r);
    CHECK_FAILS(ctx, ks_did_sunab_fit(ctx, t, "lemp", "countyreal", "year", "countyreal", NULL, &r),
                KS_EINVAL, "no never-treated units");
    /* Conley errors: no bootstrap with them; a coordinate column that is not there is named */
    ks_did_conley_options co = KS_DID_CONLEY_OPTIONS_INIT;
    co.lat = "lpop", co.lon = "nope", co.conley.cutoff = 1.0, co.conley.metric = "euclidean";
    ks_did_sunab_options so = KS_DID_SUNAB_OPTIONS_INIT;
    so.conley = &co;
    CHECK_FAILS(ctx, ks_did_sunab_fit(ctx, t, "lemp", "countyreal", "year", "first.treat", &so, &r),
                KS_ENOTFOUND, "conley_coords: no column 'nope'");
    so.n_bootstrap = 9;
    CHECK_FAILS(ctx, ks_did_sunab_fit(ctx, t, "lemp", "countyreal", "year", "first.treat", &so, &r),
                KS_EINVAL, "n_bootstrap: 9 with Conley errors");
    ks_table_free(t);
}

/* Every did enumeration: its names both ways, the aliases the front ends accept, and a clear
 * failure naming what was asked. */
static void test_enum_names(ks_ctx *ctx)
{
    ks_did_control c = KS_DID_NEVER_TREATED;
    CHECK(!strcmp(ks_did_control_name(KS_DID_NOT_YET_TREATED), "not_yet_treated"));
    CHECK_OK(ctx, ks_did_control_value(ctx, "notyettreated", &c));
    CHECK(c == KS_DID_NOT_YET_TREATED);
    CHECK_OK(ctx, ks_did_control_value(ctx, "nevertreated", &c));
    CHECK(c == KS_DID_NEVER_TREATED);
    CHECK(ks_did_control_name((ks_did_control)7) == NULL);
    ks_did_method m = KS_DID_DR;
    CHECK_OK(ctx, ks_did_method_value(ctx, "reg", &m));
    CHECK(m == KS_DID_REG && !strcmp(ks_did_method_name(KS_DID_IPW), "ipw"));
    CHECK_FAILS(ctx, ks_did_method_value(ctx, "ols", &m), KS_EINVAL,
                "estimation method: 'ols' is not one of 'dr', 'ipw', 'reg'");
    CHECK(m == KS_DID_REG);
    ks_did_base b = KS_DID_BASE_VARYING;
    CHECK_OK(ctx, ks_did_base_value(ctx, "universal", &b));
    CHECK(b == KS_DID_BASE_UNIVERSAL && !strcmp(ks_did_base_name(KS_DID_BASE_VARYING), "varying"));
    ks_did_boot_weights w = KS_DID_BOOT_RADEMACHER;
    CHECK_OK(ctx, ks_did_boot_weights_value(ctx, "webb", &w));
    CHECK(w == KS_DID_BOOT_WEBB && !strcmp(ks_did_boot_weights_name(KS_DID_BOOT_MAMMEN), "mammen"));
    CHECK_FAILS(ctx, ks_did_boot_weights_value(ctx, "gauss", &w), KS_EINVAL, "bootstrap weights");
    ks_did_agg_type a = KS_DID_AGG_SIMPLE;
    CHECK_OK(ctx, ks_did_agg_type_value(ctx, "dynamic", &a));
    CHECK(a == KS_DID_AGG_DYNAMIC && !strcmp(ks_did_agg_type_name(a), "event_study"));
    CHECK_OK(ctx, ks_did_agg_type_value(ctx, "calendar", &a));
    CHECK(a == KS_DID_AGG_CALENDAR);
    ks_did_sdid_estimator e = KS_DID_SDID_SYNTHDID;
    CHECK_OK(ctx, ks_did_sdid_estimator_value(ctx, "sc", &e));
    CHECK(e == KS_DID_SDID_SC && !strcmp(ks_did_sdid_estimator_name(KS_DID_SDID_DID), "did"));
    ks_did_sdid_variance v = KS_DID_SDID_PLACEBO;
    CHECK_OK(ctx, ks_did_sdid_variance_value(ctx, "jackknife", &v));
    CHECK(v == KS_DID_SDID_JACKKNIFE &&
          !strcmp(ks_did_sdid_variance_name(KS_DID_SDID_NONE), "none"));
    CHECK_FAILS(ctx, ks_did_sdid_variance_value(ctx, NULL, &v), KS_EINVAL, "variance method");
    ks_did_bacon_type bt = KS_DID_BACON_TREATED_VS_NEVER;
    CHECK_OK(ctx, ks_did_bacon_type_value(ctx, "later_vs_earlier", &bt));
    CHECK(bt == KS_DID_BACON_LATER_VS_EARLIER &&
          !strcmp(ks_did_bacon_type_name(KS_DID_BACON_EARLIER_VS_LATER), "earlier_vs_later"));
}

/* R did's rules (reference_r_did_numbers.json shows R doing each; test_did_numbers_r.py
 * compares the numbers): a never-treated comparison group with fewer units than the
 * covariates + 5 is an error (not-yet-treated controls: a warning); a covariate collinear with
 * another up to 1e-8 makes reg's and dr's cells NaN (R's rcond guard), ipw's not; standard
 * errors at or below sqrt(eps) * 10 are NaN. A panel of units 0..n-1 over periods 1..4: the
 * first n_never never treated, then cohorts 3 and 4 alternately. */
typedef struct {
    size_t warnings;
    char last[512];
} log_capture;

static void capture(void *ud, ks_log_level level, const char *msg)
{
    log_capture *c = ud;
    if (level != KS_LOG_WARN) return;
    c->warnings++;
    snprintf(c->last, sizeof c->last, "%s", msg);
}

static ks_table *rules_panel(ks_ctx *ctx, size_t n, size_t n_never)
{
    const size_t T = 4, N = n * T;
    double *v = calloc(7 * N, sizeof *v);
    ks_table *t = NULL;
    if (!v) return NULL;
    double *id = v, *tt = v + N, *g = v + 2 * N, *y = v + 3 * N, *flat = v + 4 * N, *x = v + 5 * N,
           *x8 = v + 6 * N;
    for (size_t i = 0; i < n; i++)
        for (size_t s = 0; s < T; s++) {
            const size_t r = i * T + s;
            const double gi = i < n_never ? 0.0 : (i % 2 ? 3.0 : 4.0), ti = (double)s + 1;
            const double post = gi > 0 && ti >= gi;
            id[r] = (double)i;
            tt[r] = ti;
            g[r] = gi;
            x[r] = cos(1.7 * (double)i);
            x8[r] = x[r] + 1e-8 * sin(7.3 * (double)i);
            y[r] = sin(1.3 * (double)i) + 0.3 * ti + 0.5 * x[r] * ti + 1.5 * post +
                   0.2 * cos((double)(i * 5 + s * 3));
            flat[r] = sin(1.3 * (double)i) + 0.5 * ti + 2.0 * post;
        }
    static const char *const names[] = {"id", "t", "g", "y", "flat", "x", "x8"};
    int ok = ks_table_new(ctx, N, &t) == KS_OK;
    for (size_t j = 0; ok && j < 7; j++)
        ok = ks_table_add_float64(ctx, t, names[j], v + j * N) == KS_OK;
    free(v);
    if (!ok) {
        ks_table_free(t);
        return NULL;
    }
    return t;
}

static void test_r_rules(ks_ctx *ctx)
{
    ks_table *small = rules_panel(ctx, 45, 5), *big = rules_panel(ctx, 60, 20);
    log_capture cap = {0, ""};
    ks_ctx_set_log(ctx, capture, &cap);
    static const char *const x[] = {"x", NULL}, *const xx8[] = {"x", "x8", NULL};
    ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
    ks_did_cs *fit = NULL;
    ks_did_cs_view v;
    if (!small || !big) goto done;
    /* (i) 5 never-treated units: enough without covariates (5 + 0), too few with one */
    CHECK_OK(ctx, ks_did_cs_fit(ctx, small, "y", "t", "id", "g", &o, &fit));
    ks_did_cs_free(fit);
    fit = NULL;
    o.covariates = x;
    CHECK_FAILS(ctx, ks_did_cs_fit(ctx, small, "y", "t", "id", "g", &o, &fit), KS_EINVAL,
                "never-treated group has 5 units, fewer than the 6");
    CHECK(fit == NULL);
    o.control_group = KS_DID_NOT_YET_TREATED;
    cap.warnings = 0;
    CHECK_OK(ctx, ks_did_cs_fit(ctx, small, "y", "t", "id", "g", &o, &fit));
    CHECK(cap.warnings > 0 && strstr(cap.last, "covariates + 5 (6)") &&
          strstr(cap.last, "never treated (5 units)"));
    ks_did_cs_free(fit);
    fit = NULL;
    /* (iii) x8 = x + 1e-8 sin(7.3 i): reg and dr refuse every cell (ipw has no such guard) */
    o = (ks_did_cs_options)KS_DID_CS_OPTIONS_INIT;
    o.covariates = xx8;
    static const ks_did_method guarded[] = {KS_DID_DR, KS_DID_REG};
    for (size_t j = 0; j < 2; j++) {
        o.method = guarded[j];
        cap.warnings = 0;
        CHECK_OK(ctx, ks_did_cs_fit(ctx, big, "y", "t", "id", "g", &o, &fit));
        if (!fit) continue;
        ks_did_cs_get(fit, &v);
        size_t nan = 0;
        for (size_t c = 0; c < v.ncell; c++) nan += isnan(v.att[c]) && isnan(v.se[c]);
        CHECK(nan == v.ncell && strstr(cap.last, "R did refuses such a cell"));
        ks_did_cs_free(fit);
        fit = NULL;
    }
    /* (ii) an outcome without noise: every standard error NaN, the effects 2 */
    o = (ks_did_cs_options)KS_DID_CS_OPTIONS_INIT;
    cap.warnings = 0;
    CHECK_OK(ctx, ks_did_cs_fit(ctx, big, "flat", "t", "id", "g", &o, &fit));
    if (fit) {
        ks_did_cs_get(fit, &v);
        for (size_t c = 0; c < v.ncell; c++) {
            CHECK(isnan(v.se[c]) && isnan(v.pvalue[c]));
            CHECK(fabs(v.att[c] - (v.post[c] ? 2.0 : 0.0)) < 1e-12);
        }
        CHECK(cap.warnings > 0);
        ks_did_agg *agg = NULL;
        CHECK_OK(ctx, ks_did_cs_aggregate(ctx, fit, NULL, &agg));
        if (agg) {
            ks_did_agg_view av;
            ks_did_agg_get(agg, &av);
            CHECK(fabs(av.att - 2.0) < 1e-12 && isnan(av.se));
        }
        ks_did_agg_free(agg);
    }
done:
    ks_did_cs_free(fit);
    ks_ctx_set_log(ctx, NULL, NULL);
    ks_table_free(small);
    ks_table_free(big);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_against_r(ctx);
    test_cluster_se(ctx);
    test_bootstrap_threads(ctx);
    test_bad_input(ctx);
    test_enum_names(ctx);
    test_basic_and_twfe(ctx);
    test_wild(ctx);
    test_bacon(ctx);
    test_sunab(ctx);
    test_r_rules(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("did");
}
