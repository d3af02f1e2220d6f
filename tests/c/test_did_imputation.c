/* test_did_imputation.c — BJS imputation and Gardner two-stage DiD through the C API: overall
 * and event-study estimates and standard errors against R didimputation 0.5.0 and did2s 1.2.1
 * (diff-diff's golden files, tests/data/did/reference_imputation_r.json; PROVENANCE.md), with and
 * without a covariate; group effects against their definition; the bootstrap identical for 1
 * and 2 threads and changed by the seed; bad input named. The leave-out variance against Stata
 * did_imputation's leaveout (reference_imputation_loo_stata.json), BJS's leads and pre-trend
 * test against diff-diff 3.13 (reference_imputation_diff_diff.json). */
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

/* R's numbers (reference_imputation_r.json) */
static const double att_es[6] = {0.9929366801146, 1.512964957441, 2.006499440277,
                                 2.499854710124,  2.964817090473, 3.46735160262};
static const double bjs_es_se[6] = {0.02879160889215, 0.02525385632215, 0.03015538910066,
                                    0.02904846159207, 0.04306469246781, 0.04307353806204};
static const double g_es_se[6] = {0.0291425705467,  0.02572953717585, 0.03023588469852,
                                  0.02950889195402, 0.04306469246781, 0.04307353806204};
static const double cov_att_es[6] = {0.9859820336658, 1.51123044217,  2.000530295829,
                                     2.486773170707,  3.032147852099, 3.464822217904};
static const double cov_se_es[6] = {0.02789721768346, 0.02909412547708, 0.03126943221026,
                                    0.03125394813925, 0.0399867413601,  0.04416055181866};

/* R's estimates carry fixest's iterative fixed-effect recovery error (R's overall ATT is 1.3e-7
 * above the exact least-squares solution, which kestrel matches to 3e-15 — checked against a
 * dense solve in tests/python/test_did_imputation.py), and its standard errors inherit it: R
 * is met to 5e-7 on estimates and 1e-6 relative on standard errors. */
static void check_fit(const ks_did_imputation *r, double att, double se, const double *es_att,
                      const double *es_se)
{
    ks_did_imputation_view v;
    ks_did_imputation_get(r, &v);
    CHECK(fabs(v.att - att) <= 5e-7);
    CHECK_NEAR(v.se, se, 1e-6);
    CHECK(v.event_study.n == 6);
    for (size_t h = 0; h < 6 && h < v.event_study.n; h++) {
        CHECK(v.event_study.key[h] == (double)h);
        CHECK(fabs(v.event_study.att[h] - es_att[h]) <= 5e-7);
        CHECK_NEAR(v.event_study.se[h], es_se[h], 1e-6);
    }
}

static void test_against_r(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "didimputation_test_panel.csv");
    ks_table *tx = load(ctx, "didimputation_covariate_panel.csv");
    ks_did_imputation *r = NULL;
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    if (!t || !tx) goto done;
    CHECK_OK(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r));
    if (r) {
        check_fit(r, 2.045668026901, 0.02087938445379, att_es, bjs_es_se);
        ks_did_imputation_view v;
        ks_did_imputation_get(r, &v);
        CHECK(v.nobs == 1440 && v.n_treated_obs == 600 && v.n_untreated_obs == 840);
        CHECK(v.n_treated_units == 120 && v.n_control_units == 180 && v.nclusters == 180);
        /* the overall ATT is the mean of the treated tau; a cohort's, of its own */
        double s = 0.0, s3 = 0.0, n3 = 0.0;
        for (size_t i = 0; i < v.ntreated; i++) s += v.tau[i];
        CHECK(fabs(s / (double)v.ntreated - v.att) <= 1e-12);
        CHECK(v.groups.n == 2 && v.groups.key[0] == 3 && v.groups.key[1] == 5);
        for (size_t i = 0; i < v.ntreated; i++)
            if (v.row[i] >= 480 && v.row[i] < 960) /* cohort 3: units 60..119 */
                s3 += v.tau[i], n3 += 1.0;
        CHECK(n3 == 360 && fabs(s3 / n3 - v.groups.att[0]) <= 1e-12);
    }
    ks_did_imputation_free(r);
    r = NULL;
    CHECK_OK(ctx, ks_did_two_stage_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r));
    if (r) check_fit(r, 2.045668026901, 0.0281322476332, att_es, g_es_se);
    ks_did_imputation_free(r);
    r = NULL;
    static const char *const x[] = {"x", NULL};
    o.covariates = x;
    CHECK_OK(ctx, ks_did_imputation_fit(ctx, tx, "y", "unit", "time", "first_treat", &o, &r));
    if (r) check_fit(r, 2.046600195474, 0.02291362542002, cov_att_es, cov_se_es);
done:
    ks_did_imputation_free(r);
    ks_table_free(t);
    ks_table_free(tx);
}

/* The multiplier bootstrap: the same draws for 1 and 2 threads, other draws for another seed. */
static void test_bootstrap_threads(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "didimputation_test_panel.csv");
    if (!t) return;
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    o.n_bootstrap = 199;
    o.seed = 11;
    double se[3] = {0};
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    for (int k = 0; k < 3; k++) {
        ks_did_imputation *r = NULL;
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, k == 1 ? 2 : 1));
        o.seed = k == 2 ? 12 : 11;
        CHECK_OK(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r));
        if (!r) continue;
        ks_did_imputation_view v;
        ks_did_imputation_get(r, &v);
        se[k] = v.se;
        CHECK(v.boot != NULL && v.n_bootstrap == 199);
        /* near the analytical conservative SE */
        CHECK(fabs(v.se / 0.02087938445379 - 1.0) < 0.2);
        ks_did_imputation_free(r);
    }
    CHECK(se[0] == se[1] && se[0] != se[2]);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 0));
    ks_table_free(t);
}

/* BJS's leave-out variance (Supp. App. A.9) against Stata did_imputation's leaveout; the
 * estimates carry reghdfe's iteration error as R's do fixest's. */
static void test_leave_one_out(ks_ctx *ctx)
{
    static const double es_se[6] = {0.029085929067998187, 0.02548745171356798,
                                    0.030371068022456742, 0.029299586939814812,
                                    0.043460391002896281, 0.043504637171120686};
    ks_table *t = load(ctx, "didimputation_test_panel.csv");
    if (!t) return;
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    o.leave_one_out = 1;
    ks_did_imputation *r = NULL;
    CHECK_OK(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r));
    if (r) check_fit(r, 2.0456678967434003, 0.021041161682015575, att_es, es_se);
    ks_did_imputation_free(r);
    r = NULL;
    o.aux_partition = KS_DID_AUX_HORIZON; /* Stata's avgeffectsby(K) */
    CHECK_OK(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r));
    if (r) {
        ks_did_imputation_view v;
        ks_did_imputation_get(r, &v);
        CHECK_NEAR(v.se, 0.021135663550101814, 1e-6);
    }
    ks_did_imputation_free(r);
    ks_table_free(t);
}

/* BJS's leads: the pre-trend test (all leads; the 2 nearest) and the leads in the event study,
 * against diff-diff 3.13 (which demeans iteratively to 1e-10). */
static void test_pretrends(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "didimputation_test_panel.csv");
    if (!t) return;
    static const double coef[3] = {0.00032224700356211757, 0.01333915785436007,
                                   -0.009152349028285168};
    static const double se[3] = {0.05016536658790507, 0.03929118593513165, 0.03650317616474688};
    static const double p[3] = {0.9948766393148414, 0.7343465884799463, 0.802104053811243};
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    ks_did_imputation_leads *l = NULL;
    CHECK_OK(ctx, ks_did_imputation_pretrend_test(ctx, t, "y", "unit", "time", "first_treat", &o,
                                                  -1, &l));
    if (l) {
        ks_did_imputation_leads_view v;
        ks_did_imputation_leads_get(l, &v);
        CHECK(v.n == 3 && v.key[0] == -4 && v.key[2] == -2 && v.n_dropped == 0);
        for (size_t j = 0; j < 3 && j < v.n; j++) {
            CHECK(fabs(v.coef[j] - coef[j]) <= 1e-9);
            CHECK_NEAR(v.se[j], se[j], 1e-7);
        }
        CHECK_NEAR(v.f_stat, 0.06812748266199874, 1e-7);
        CHECK_NEAR(v.f_pvalue, 0.9768050067298908, 1e-7);
        CHECK(v.f_df1 == 3 && v.f_df2 == 179 && v.nclusters == 180);
        CHECK(v.df == v.df_resid && v.df_resid == 840 - 3 - (180 + 8 - 1));
    }
    ks_did_imputation_leads_free(l);
    l = NULL;
    CHECK_OK(ctx, ks_did_imputation_pretrend_test(ctx, t, "y", "unit", "time", "first_treat", &o, 2,
                                                  &l));
    if (l) {
        ks_did_imputation_leads_view v;
        ks_did_imputation_leads_get(l, &v);
        CHECK(v.n == 2 && v.key[0] == -3);
        CHECK_NEAR(v.f_stat, 0.10157126620288899, 1e-7);
        CHECK_NEAR(v.f_pvalue, 0.9034688248161171, 1e-7);
    }
    ks_did_imputation_leads_free(l);
    o.pretrends = 1;
    ks_did_imputation *r = NULL;
    CHECK_OK(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r));
    if (r) {
        ks_did_imputation_view v;
        ks_did_imputation_get(r, &v);
        CHECK(v.n_leads == 3 && v.event_study.n == 9 && v.event_study.key[3] == 0);
        for (size_t j = 0; j < 3 && v.event_study.n == 9; j++) {
            CHECK(fabs(v.event_study.att[j] - coef[j]) <= 1e-9);
            CHECK_NEAR(v.event_study.pvalue[j], p[j], 1e-7);
        }
        CHECK(fabs(v.event_study.se[3] - bjs_es_se[0]) <= 1e-6 * bjs_es_se[0]);
    }
    ks_did_imputation_free(r);
    CHECK_FAILS(
        ctx,
        ks_did_imputation_pretrend_test(ctx, t, "y", "unit", "time", "first_treat", &o, -2, &l),
        KS_EINVAL, "n_leads");
    /* the F tail against R's pf(x, df1, df2, lower.tail = FALSE) (fixest's and the F(q, G - 1)
     * p-values of reference_imputation_pretrends_r.json) */
    CHECK_NEAR(ks_f_sf(0.0681274809185406, 3, 650), 0.976858389332525, 1e-12);
    CHECK_NEAR(ks_f_sf(0.0681274809185406, 3, 179), 0.976805007583735, 1e-12);
    CHECK_NEAR(ks_f_sf(0.753101759500935, 3, 179), 0.521892116741407, 1e-12);
    CHECK(ks_f_sf(0.0, 2, 5) == 1.0 && isnan(ks_f_sf(1.0, 0, 5)));
    ks_table_free(t);
}

static void test_bad_input(ks_ctx *ctx)
{
    ks_table *t = load(ctx, "didimputation_test_panel.csv");
    if (!t) return;
    ks_did_imputation *r = NULL;
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    CHECK_FAILS(ctx, ks_did_imputation_fit(ctx, t, "yy", "unit", "time", "first_treat", &o, &r),
                KS_ENOTFOUND, "yy");
    CHECK_FAILS(ctx, ks_did_two_stage_fit(ctx, t, "y", "unit", "time", "ft", &o, &r), KS_ENOTFOUND,
                "ft");
    static const char *const x[] = {"nope", NULL};
    o.covariates = x;
    CHECK_FAILS(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r),
                KS_ENOTFOUND, "nope");
    o = (ks_did_imputation_options)KS_DID_IMPUTATION_OPTIONS_INIT;
    o.anticipation = -1;
    CHECK_FAILS(ctx, ks_did_imputation_fit(ctx, t, "y", "unit", "time", "first_treat", &o, &r),
                KS_EINVAL, "anticipation");
    ks_table_free(t);
    /* a unit treated from the first period has no untreated observation */
    const char *csv = "u,t,g,y\n1,1,0,1\n1,2,0,2\n2,1,0,0\n2,2,0,1.5\n3,1,1,3\n3,2,1,5\n"
                      "4,1,2,1\n4,2,2,4\n";
    CHECK_OK(ctx, ks_table_read_csv_mem(ctx, "a.csv", csv, strlen(csv), NULL, &t));
    if (!t) return;
    o = (ks_did_imputation_options)KS_DID_IMPUTATION_OPTIONS_INIT;
    o.strict = 1;
    CHECK_FAILS(ctx, ks_did_imputation_fit(ctx, t, "y", "u", "t", "g", &o, &r), KS_EINVAL,
                "u: 2 treated observations cannot be imputed");
    o.strict = 0;
    CHECK_OK(ctx, ks_did_imputation_fit(ctx, t, "y", "u", "t", "g", &o, &r));
    if (r) {
        ks_did_imputation_view v;
        ks_did_imputation_get(r, &v);
        /* unit 4 at t = 2: 4 - (1 + mean(2, 1.5) - mean(1, 0)) */
        CHECK(v.n_unimputable == 2 && fabs(v.att - (4.0 - (1.0 + 1.75 - 0.5))) <= 1e-12);
    }
    ks_did_imputation_free(r);
    ks_table_free(t);
    ks_did_aux_partition a = KS_DID_AUX_COHORT_HORIZON;
    CHECK_OK(ctx, ks_did_aux_partition_value(ctx, "horizon", &a));
    CHECK(a == KS_DID_AUX_HORIZON &&
          !strcmp(ks_did_aux_partition_name(KS_DID_AUX_COHORT), "cohort"));
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_against_r(ctx);
    test_bootstrap_threads(ctx);
    test_bad_input(ctx);
    test_leave_one_out(ctx);
    test_pretrends(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("did_imputation");
}
