/* did_imputation.c — `kestrel did imputation` (Borusyak, Jaravel & Spiess) and `kestrel did
 * twostage` (Gardner) from a CSV/TSV panel: the overall ATT, the event study and the cohort
 * effects; for the imputation estimator also BJS's pre-trend test (--pretrends N) and the
 * leave-out variance (--leave-one-out). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_block(const char *label, const ks_did_imputation_block *b)
{
    printf("\n");
    cli_print_effect_header(stdout);
    for (size_t i = 0; i < b->n; i++) {
        char name[32];
        snprintf(name, sizeof name, "%s %g", label, b->key[i]);
        cli_print_effect(stdout, name, b->att[i], b->se[i], b->tstat[i], b->pvalue[i],
                         b->ci_lower[i], b->ci_upper[i]);
    }
}

static void json_block(const char *name, const ks_did_imputation_block *b)
{
    printf(", \"%s\": {", name);
    cli_json_array(stdout, "key", b->key, b->n);
    printf(", ");
    cli_json_array(stdout, "att", b->att, b->n);
    printf(", ");
    cli_json_array(stdout, "se", b->se, b->n);
    printf(", ");
    cli_json_array(stdout, "n_obs", b->nobs, b->n);
    printf("}");
}

static int run(int argc, char **argv, int two_stage)
{
    const char *cmd = two_stage ? "did twostage" : "did imputation";
    const char *data = NULL, *y = NULL, *unit = NULL, *time = NULL, *g = NULL, *covs = NULL;
    const char *cluster = NULL, *antic = NULL, *alpha = NULL, *json = NULL, *hmax = NULL;
    const char *aux = NULL, *pre = NULL, *boot = NULL, *bw = NULL, *seed = NULL, *bal = NULL;
    const char *threads = NULL, *loo = NULL, *dfc = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"outcome", 1, &y, "Y", "outcome column"},
        {"unit", 1, &unit, "ID", "unit identifier column"},
        {"time", 1, &time, "T", "period column (numbers)"},
        {"first-treat", 1, &g, "G", "first treated period (0, Inf or empty: never treated)"},
        {"covariates", 1, &covs, "A,B", "time-varying covariates of the first stage"},
        {"cluster", 1, &cluster, "COL", "cluster column (default: the unit)"},
        {"anticipation", 1, &antic, "K", "periods of anticipation"},
        {"alpha", 1, &alpha, "A", "significance level (default 0.05)"},
        {"horizon-max", 1, &hmax, "H", "event study: horizons |h| <= H only"},
        {"balance-e", 1, &bal, "E", "event study: cohorts observed over [-E, max h] only"},
        {"aux-partition", 1, &aux, "P",
         "imputation: cohort_horizon (default, R didimputation), cohort or horizon"},
        {"pretrends", !two_stage, &pre, two_stage ? NULL : "N",
         two_stage ? "the event study adds the leads (did2s's pre-period coefficients)"
                   : "the event study adds BJS's lead coefficients, and the joint pre-trend\n"
                     "test (eq. 9) of the N leads nearest the treatment is printed (0: all)"},
        {"leave-one-out", 0, &loo, NULL,
         "imputation: BJS's leave-out conservative variance (Stata's leaveout)"},
        {"df-convention", 1, &dfc, "D",
         "imputation: t df of the leads' tests: residual (default), cluster, normal"},
        {"n-bootstrap", 1, &boot, "B", "multiplier bootstrap draws (default 0: analytical)"},
        {"bootstrap-weights", 1, &bw, "W", "rademacher (default), mammen or webb"},
        {"seed", 1, &seed, "S", "bootstrap seed (default 0)"},
        {"json", 0, &json, NULL, "print JSON instead of the tables"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores)"},
    };
    int rc = cli_parse_help(
        cmd, argc, argv, opts, sizeof opts / sizeof *opts,
        two_stage ? "usage: kestrel did twostage --data FILE --outcome Y --unit ID --time T "
                    "--first-treat G [options]\n\n"
                    "Gardner's (2022) two-stage DiD: unit and period effects fitted on the "
                    "untreated\nobservations, the residualized outcome averaged over the "
                    "treated ones; GMM\nsandwich standard errors (R did2s; diff-diff "
                    "TwoStageDiD).\n"
                  : "usage: kestrel did imputation --data FILE --outcome Y --unit ID --time T "
                    "--first-treat G [options]\n\n"
                    "Borusyak, Jaravel & Spiess (2024) imputation DiD: Y(0) imputed from unit "
                    "and period\neffects fitted on the untreated observations; conservative "
                    "clustered standard\nerrors (R didimputation; diff-diff ImputationDiD).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !y || !unit || !time || !g) {
        fprintf(stderr,
                "kestrel %s: --data, --outcome, --unit, --time and --first-treat are "
                "required (see --help)\n",
                cmd);
        return CLI_USAGE;
    }
    ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
    long v;
    if (antic) {
        if (cli_int(cmd, "--anticipation", antic, 0, &v)) return CLI_USAGE;
        o.anticipation = (int)v;
    }
    if (hmax) {
        if (cli_int(cmd, "--horizon-max", hmax, 0, &v)) return CLI_USAGE;
        o.horizon_max = (int)v;
    }
    if (bal) {
        if (cli_int(cmd, "--balance-e", bal, 0, &v)) return CLI_USAGE;
        o.balance_e = (int)v;
    }
    if (boot) {
        if (cli_int(cmd, "--n-bootstrap", boot, 0, &v)) return CLI_USAGE;
        o.n_bootstrap = (int)v;
    }
    if (seed) {
        if (cli_int(cmd, "--seed", seed, 0, &v)) return CLI_USAGE;
        o.seed = (uint64_t)v;
    }
    if (alpha && cli_num(cmd, "--alpha", alpha, &o.alpha)) return CLI_USAGE;
    long n_leads = -1;
    if (pre && !two_stage && cli_int(cmd, "--pretrends", pre, 0, &n_leads)) return CLI_USAGE;
    if (two_stage && (loo || dfc)) {
        fprintf(stderr, "kestrel %s: --%s is for `kestrel did imputation` only\n", cmd,
                loo ? "leave-one-out" : "df-convention");
        return CLI_USAGE;
    }
    o.cluster = cluster;
    o.pretrends = pre != NULL;
    o.leave_one_out = loo != NULL;
    size_t ncov = 0;
    const char **covlist = NULL;
    if (covs && (rc = cli_list(cmd, "--covariates", covs, &covlist, &ncov))) return rc;
    o.covariates = covlist;
    ks_ctx *ctx;
    ks_table *t = NULL;
    ks_did_imputation *r = NULL;
    ks_did_imputation_leads *lt = NULL;
    if ((rc = cli_ctx(&ctx, cmd, threads))) goto out;
    if ((aux && ks_did_aux_partition_value(ctx, aux, &o.aux_partition) != KS_OK) ||
        (bw && ks_did_boot_weights_value(ctx, bw, &o.boot_weights) != KS_OK) ||
        (dfc && ks_did_df_convention_value(ctx, dfc, &o.df_convention) != KS_OK) ||
        ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        (two_stage ? ks_did_two_stage_fit(ctx, t, y, unit, time, g, &o, &r)
                   : ks_did_imputation_fit(ctx, t, y, unit, time, g, &o, &r)) != KS_OK ||
        (pre && !two_stage &&
         ks_did_imputation_pretrend_test(ctx, t, y, unit, time, g, &o,
                                         n_leads == 0 ? -1 : (int)n_leads, &lt) != KS_OK)) {
        rc = cli_fail(ctx, cmd);
        goto done;
    }
    ks_did_imputation_leads_view lv = {0};
    if (lt) ks_did_imputation_leads_get(lt, &lv);
    ks_did_imputation_view s;
    ks_did_imputation_get(r, &s);
    if (json) {
        printf("{\"att\": ");
        cli_json_num(stdout, s.att);
        printf(", \"se\": ");
        cli_json_num(stdout, s.se);
        printf(", \"nobs\": %zu, \"n_treated_obs\": %zu, \"nclusters\": %zu", s.nobs,
               s.n_treated_obs, s.nclusters);
        json_block("event_study", &s.event_study);
        json_block("groups", &s.groups);
        if (lt) {
            printf(", \"pretrend_test\": {\"f_stat\": ");
            cli_json_num(stdout, lv.f_stat);
            printf(", \"p_value\": ");
            cli_json_num(stdout, lv.f_pvalue);
            printf(", \"df1\": ");
            cli_json_num(stdout, lv.f_df1);
            printf(", \"df2\": ");
            cli_json_num(stdout, lv.f_df2);
            printf(", ");
            cli_json_array(stdout, "leads", lv.key, lv.n);
            printf(", ");
            cli_json_array(stdout, "coef", lv.coef, lv.n);
            printf(", ");
            cli_json_array(stdout, "se", lv.se, lv.n);
            printf("}");
        }
        printf("}\n");
    } else {
        printf("%s: %s\n",
               two_stage ? "Two-stage DiD (Gardner 2022)"
                         : "Imputation DiD (Borusyak, Jaravel & Spiess 2024)",
               y);
        printf("Observations: %zu (treated %zu, untreated %zu)   Treated units: %zu   "
               "Clusters: %zu\n\n",
               s.nobs, s.n_treated_obs, s.n_untreated_obs, s.n_treated_units, s.nclusters);
        cli_print_effect_header(stdout);
        cli_print_effect(stdout, "ATT", s.att, s.se, s.tstat, s.pvalue, s.ci_lower, s.ci_upper);
        print_block("h =", &s.event_study);
        print_block("g =", &s.groups);
        if (lt)
            printf("\nPre-trend test (BJS eq. 9), %zu lead%s: F = %.4f on %g and %g df, p = "
                   "%.4g\n",
                   lv.n, lv.n == 1 ? "" : "s", lv.f_stat, lv.f_df1, lv.f_df2, lv.f_pvalue);
        if (o.leave_one_out) printf("Standard errors: leave-one-out (BJS Supp. App. A.9)\n");
    }
done:
    ks_did_imputation_free(r);
    ks_did_imputation_leads_free(lt);
    ks_table_free(t);
    ks_ctx_free(ctx);
out:
    free(covlist);
    return rc;
}

int cmd_did_imputation(int argc, char **argv) { return run(argc, argv, 0); }
int cmd_did_twostage(int argc, char **argv) { return run(argc, argv, 1); }
