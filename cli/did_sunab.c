/* did_sunab.c — `kestrel did sunab`: the Sun & Abraham interaction-weighted event study from a
 * CSV/TSV panel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_did_sunab(int argc, char **argv)
{
    const char *data = NULL, *y = NULL, *unit = NULL, *time = NULL, *g = NULL, *covs = NULL;
    const char *cluster = NULL, *antic = NULL, *alpha = NULL, *json = NULL, *plot = NULL;
    const char *threads = NULL, *conley = NULL, *cutoff = NULL, *lag = NULL, *metric = NULL;
    const char *kernel = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"outcome", 1, &y, "Y", "outcome column"},
        {"unit", 1, &unit, "ID", "unit identifier column"},
        {"time", 1, &time, "T", "period column (numbers)"},
        {"first-treat", 1, &g, "G", "first treated period (0 or empty: never treated)"},
        {"covariates", 1, &covs, "A,B", "covariates"},
        {"cluster", 1, &cluster, "COL",
         "cluster-robust standard errors by COL (default: the unit);\nwith --conley-coords, "
         "the kernel's same-cluster indicator"},
        {"anticipation", 1, &antic, "K", "periods of anticipation (reference period -1 - K)"},
        {"alpha", 1, &alpha, "A", "significance level (default 0.05)"},
        {"conley-coords", 1, &conley, "LAT,LON",
         "Conley (1999) spatial-HAC errors on these coordinates\n(diff-diff's "
         "vcov_type='conley'; units not clustered;\nt tests at the residual df)"},
        {"conley-cutoff", 1, &cutoff, "KM", "the Conley distance cutoff (km for haversine)"},
        {"conley-lag", 1, &lag, "L", "within-unit Bartlett lags (default 0)"},
        {"conley-metric", 1, &metric, "M", "haversine (default; degrees) | euclidean"},
        {"conley-kernel", 1, &kernel, "K", "bartlett (default) | uniform"},
        {"json", 0, &json, NULL, "print JSON instead of the table"},
        {"plot", 1, &plot, "FILE", "the event study as a plot: FILE.svg or FILE.png"},
        {"threads", 1, &threads, "N",
         "at most N threads (default 0: all cores, fewer for\n"
         "small work)"},
    };
    int rc = cli_parse_help(
        "did sunab", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did sunab --data FILE --outcome Y --unit ID --time T --first-treat "
        "G [options]\n\n"
        "Sun & Abraham (2021) interaction-weighted event study: cohort x relative-period\n"
        "effects from the saturated two-way fixed-effects regression, averaged by "
        "relative\nperiod with the cohorts' shares, and the overall ATT (diff-diff's "
        "SunAbraham).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !y || !unit || !time || !g) {
        fprintf(stderr, "kestrel did sunab: --data, --outcome, --unit, --time and --first-treat "
                        "are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_did_sunab_options o = KS_DID_SUNAB_OPTIONS_INIT;
    long v;
    if (antic) {
        if (cli_int("did sunab", "--anticipation", antic, 0, &v)) return CLI_USAGE;
        o.anticipation = (int)v;
    }
    if (alpha && cli_num("did sunab", "--alpha", alpha, &o.alpha)) return CLI_USAGE;
    o.cluster = cluster;
    ks_did_conley_options co = KS_DID_CONLEY_OPTIONS_INIT;
    const char **xy = NULL;
    if ((rc = cli_conley_options("did sunab", conley, cutoff, lag, metric, kernel, &co, &xy)))
        return rc;
    if (conley) o.conley = &co;
    size_t ncov = 0;
    const char **covlist = NULL;
    if (covs && (rc = cli_list("did sunab", "--covariates", covs, &covlist, &ncov))) {
        free(xy);
        return rc;
    }
    o.covariates = covlist;
    ks_ctx *ctx;
    ks_table *t = NULL;
    ks_did_sunab *r = NULL;
    if ((rc = cli_ctx(&ctx, "did sunab", threads))) goto out;
    if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        ks_did_sunab_fit(ctx, t, y, unit, time, g, &o, &r) != KS_OK) {
        rc = cli_fail(ctx, "did sunab");
        goto done;
    }
    ks_did_sunab_view s;
    ks_did_sunab_get(r, &s);
    if (json) {
        printf("{\"att\": ");
        cli_json_num(stdout, s.att);
        printf(", \"se\": ");
        cli_json_num(stdout, s.att_se);
        printf(", \"df\": ");
        cli_json_num(stdout, s.df_t);
        printf(", \"reference_period\": %g, \"nobs\": %zu, \"nclusters\": %zu, ", s.ref, s.nobs,
               s.nclusters);
        cli_json_array(stdout, "e", s.e, s.nrel);
        printf(", ");
        cli_json_array(stdout, "att_e", s.att_e, s.nrel);
        printf(", ");
        cli_json_array(stdout, "se_e", s.se_e, s.nrel);
        printf("}\n");
    } else {
        printf("Sun & Abraham (2021) interaction-weighted event study: %s\n", y);
        printf("Treated units: %zu   Never treated: %zu   Observations: %zu   ", s.n_treated_units,
               s.n_control_units, s.nobs);
        if (conley)
            printf("Conley errors (%s, %s, cutoff %g, lag %d%s%s)   ", co.conley.kernel,
                   co.conley.metric, co.conley.cutoff, co.conley.lag_cutoff,
                   cluster ? ", cluster " : "", cluster ? cluster : "");
        else
            printf("Clusters: %zu   ", s.nclusters);
        printf("Reference period: %g\n\n", s.ref);
        cli_print_effect_header(stdout);
        cli_print_effect(stdout, "ATT", s.att, s.att_se, s.att_tstat, s.att_pvalue, s.att_ci_lower,
                         s.att_ci_upper);
        printf("\n");
        cli_print_effect_header(stdout);
        for (size_t e = 0; e < s.nrel; e++) {
            char label[32];
            snprintf(label, sizeof label, "e = %g", s.e[e]);
            cli_print_effect(stdout, label, s.att_e[e], s.se_e[e], s.tstat_e[e], s.pvalue_e[e],
                             s.ci_lower_e[e], s.ci_upper_e[e]);
        }
    }
    if (plot)
        rc = cli_plot_event_study("did sunab", plot, "Event study: Sun & Abraham (2021)",
                                  "event time", s.e, s.att_e, s.se_e, s.crit, s.nrel);
done:
    ks_did_sunab_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
out:
    free(covlist);
    free(xy);
    return rc;
}
