/* did_stacked.c — `kestrel did stacked` (stacked DiD, Wing, Freedman & Hollingsworth 2024) and
 * `kestrel did ddd` (the two-period triple difference) from a CSV/TSV file. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_did_stacked(int argc, char **argv)
{
    const char *data = NULL, *y = NULL, *unit = NULL, *time = NULL, *g = NULL, *kpre = NULL;
    const char *kpost = NULL, *antic = NULL, *weighting = NULL, *control = NULL, *cluster = NULL;
    const char *pop = NULL, *dfc = NULL, *alpha = NULL, *json = NULL, *plot = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"outcome", 1, &y, "Y", "outcome column"},
        {"unit", 1, &unit, "ID", "unit identifier column"},
        {"time", 1, &time, "T", "period column (whole numbers)"},
        {"first-treat", 1, &g, "G", "first treated period (0, empty or Inf: never treated)"},
        {"kappa-pre", 1, &kpre, "K", "pre-treatment event times in the window (default 1)"},
        {"kappa-post", 1, &kpost, "K", "post-treatment event times in the window (default 1)"},
        {"anticipation", 1, &antic, "K", "periods of anticipation (reference -1 - K)"},
        {"weighting", 1, &weighting, "W", "aggregate (default), population or sample_share"},
        {"control-group", 1, &control, "C", "not_yet_treated (default), strict or never_treated"},
        {"cluster", 1, &cluster, "C", "unit (default) or unit_subexp"},
        {"population", 1, &pop, "COL", "unit populations (weighting population)"},
        {"df-convention", 1, &dfc, "D", "t tests' df: residual (default), cluster or normal"},
        {"alpha", 1, &alpha, "A", "significance level (default 0.05)"},
        {"json", 0, &json, NULL, "print JSON instead of the table"},
        {"plot", 1, &plot, "FILE", "the event study as a plot: FILE.svg or FILE.png"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores)"},
    };
    int rc = cli_parse_help(
        "did stacked", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did stacked --data FILE --outcome Y --unit ID --time T --first-treat G "
        "[options]\n\n"
        "Stacked difference-in-differences (Wing, Freedman & Hollingsworth 2024; diff-diff's\n"
        "StackedDiD): one sub-experiment per adoption cohort with its clean controls, the\n"
        "corrective weights, the weighted event-study regression with CR1 clustered SEs.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !y || !unit || !time || !g) {
        fprintf(stderr, "kestrel did stacked: --data, --outcome, --unit, --time and --first-treat "
                        "are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_did_stacked_options o = KS_DID_STACKED_OPTIONS_INIT;
    long v;
    if (kpre) {
        if (cli_int("did stacked", "--kappa-pre", kpre, 0, &v)) return CLI_USAGE;
        o.kappa_pre = (int)v;
    }
    if (kpost) {
        if (cli_int("did stacked", "--kappa-post", kpost, 0, &v)) return CLI_USAGE;
        o.kappa_post = (int)v;
    }
    if (antic) {
        if (cli_int("did stacked", "--anticipation", antic, 0, &v)) return CLI_USAGE;
        o.anticipation = (int)v;
    }
    if (alpha && cli_num("did stacked", "--alpha", alpha, &o.alpha)) return CLI_USAGE;
    o.population = pop;
    ks_ctx *ctx;
    ks_table *t = NULL;
    ks_did_stacked *r = NULL;
    if ((rc = cli_ctx(&ctx, "did stacked", threads))) return rc;
    if ((weighting && ks_did_stacked_weighting_value(ctx, weighting, &o.weighting)) ||
        (control && ks_did_stacked_control_value(ctx, control, &o.control_group)) ||
        (cluster && ks_did_stacked_cluster_value(ctx, cluster, &o.cluster)) ||
        (dfc && ks_did_df_convention_value(ctx, dfc, &o.df_convention)) ||
        ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        ks_did_stacked_fit(ctx, t, y, unit, time, g, &o, &r) != KS_OK) {
        rc = cli_fail(ctx, "did stacked");
        goto done;
    }
    ks_did_stacked_view s;
    ks_did_stacked_get(r, &s);
    if (json) {
        printf("{\"att\": ");
        cli_json_num(stdout, s.att);
        printf(", \"se\": ");
        cli_json_num(stdout, s.att_se);
        printf(", \"df\": ");
        cli_json_num(stdout, s.df);
        printf(", \"reference_period\": %g, \"nobs\": %zu, \"nstack\": %zu, \"nclusters\": %zu, ",
               s.ref, s.nobs, s.nstack, s.nclusters);
        cli_json_array(stdout, "groups", s.groups, s.ngroups);
        printf(", ");
        cli_json_array(stdout, "event_time", s.event_time, s.nevent);
        printf(", ");
        cli_json_array(stdout, "effect", s.effect, s.nevent);
        printf(", ");
        cli_json_array(stdout, "se_e", s.se, s.nevent);
        printf("}\n");
    } else {
        printf("Stacked difference-in-differences (Wing, Freedman & Hollingsworth 2024): %s\n", y);
        printf("Sub-experiments: %zu   Trimmed cohorts: %zu   Stacked rows: %zu of %zu   "
               "Clusters: %zu   Reference event time: %g\n\n",
               s.n_sub_experiments, s.ntrimmed, s.nstack, s.nobs, s.nclusters, s.ref);
        cli_print_effect_header(stdout);
        cli_print_effect(stdout, "ATT", s.att, s.att_se, s.att_tstat, s.att_pvalue, s.att_ci_lower,
                         s.att_ci_upper);
        printf("\n");
        cli_print_effect_header(stdout);
        for (size_t e = 0; e < s.nevent; e++) {
            char label[32];
            snprintf(label, sizeof label, "e = %g", s.event_time[e]);
            cli_print_effect(stdout, label, s.effect[e], s.se[e], s.tstat[e], s.pvalue[e],
                             s.ci_lower[e], s.ci_upper[e]);
        }
    }
    if (plot) {
        const double q = s.df > 0 ? ks_t_quantile(1.0 - o.alpha / 2.0, s.df)
                                  : ks_normal_quantile(1.0 - o.alpha / 2.0);
        rc = cli_plot_event_study("did stacked", plot, "Event study: stacked DiD", "event time",
                                  s.event_time, s.effect, s.se, q, s.nevent);
    }
done:
    ks_did_stacked_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
    return rc;
}

int cmd_did_ddd(int argc, char **argv)
{
    const char *data = NULL, *y = NULL, *group = NULL, *part = NULL, *post = NULL, *covs = NULL;
    const char *method = NULL, *cluster = NULL, *alpha = NULL, *json = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"outcome", 1, &y, "Y", "outcome column"},
        {"group", 1, &group, "G", "treated group indicator (0/1)"},
        {"partition", 1, &part, "P", "eligible partition indicator (0/1)"},
        {"post", 1, &post, "T", "post-period indicator (0/1)"},
        {"covariates", 1, &covs, "A,B", "covariates"},
        {"method", 1, &method, "M", "dr (default), reg or ipw"},
        {"cluster", 1, &cluster, "COL", "cluster-robust standard errors by COL"},
        {"alpha", 1, &alpha, "A", "significance level (default 0.05)"},
        {"json", 0, &json, NULL, "print JSON instead of the table"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores)"},
    };
    int rc = cli_parse_help(
        "did ddd", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did ddd --data FILE --outcome Y --group G --partition P --post T "
        "[options]\n\n"
        "Two-period triple difference (Ortiz-Villavicencio & Sant'Anna 2025; R triplediff's\n"
        "ddd on repeated cross-sections, diff-diff's TripleDifference): regression\n"
        "adjustment, inverse probability weighting or doubly robust.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !y || !group || !part || !post) {
        fprintf(stderr, "kestrel did ddd: --data, --outcome, --group, --partition and --post are "
                        "required (see --help)\n");
        return CLI_USAGE;
    }
    ks_did_ddd_options o = KS_DID_DDD_OPTIONS_INIT;
    if (alpha && cli_num("did ddd", "--alpha", alpha, &o.alpha)) return CLI_USAGE;
    o.cluster = cluster;
    size_t ncov = 0;
    const char **covlist = NULL;
    if (covs && (rc = cli_list("did ddd", "--covariates", covs, &covlist, &ncov))) return rc;
    o.covariates = covlist;
    ks_ctx *ctx;
    ks_table *t = NULL;
    ks_did_ddd *r = NULL;
    if ((rc = cli_ctx(&ctx, "did ddd", threads))) goto out;
    if ((method && ks_did_method_value(ctx, method, &o.method)) ||
        ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        ks_did_ddd_fit(ctx, t, y, group, part, post, &o, &r) != KS_OK) {
        rc = cli_fail(ctx, "did ddd");
        goto done;
    }
    ks_did_ddd_view s;
    ks_did_ddd_get(r, &s);
    if (json) {
        printf("{\"att\": ");
        cli_json_num(stdout, s.att);
        printf(", \"se\": ");
        cli_json_num(stdout, s.se);
        printf(", \"nobs\": %zu, \"nclusters\": %zu, ", s.nobs, s.nclusters);
        cli_json_array(stdout, "did", s.did, 3);
        printf("}\n");
    } else {
        printf("Triple difference (Ortiz-Villavicencio & Sant'Anna 2025), %s: %s\n",
               ks_did_method_name(o.method), y);
        printf("Observations: %zu (treated-eligible %zu, treated-ineligible %zu, "
               "control-eligible %zu, control-ineligible %zu)\n\n",
               s.nobs, s.n_cell[0], s.n_cell[1], s.n_cell[2], s.n_cell[3]);
        cli_print_effect_header(stdout);
        cli_print_effect(stdout, "ATT", s.att, s.se, s.tstat, s.pvalue, s.ci_lower, s.ci_upper);
    }
done:
    ks_did_ddd_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
out:
    free(covlist);
    return rc;
}
