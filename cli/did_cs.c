/* did_cs.c — `kestrel did cs`: Callaway & Sant'Anna from a CSV/TSV panel (or cross-sections). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void print_cells(FILE *f, const ks_did_cs_view *c, const ks_did_cs_pretest_estimate *w,
                        double alpha)
{
    fprintf(f, "Group-time average treatment effects (%zu units, %zu periods)\n\n", c->nunits,
            c->nperiods);
    fprintf(f, "%10s %10s %12s %12s %12s %12s\n", "group", "time", "ATT(g,t)", "std.err",
            "ci.lower", "ci.upper");
    for (size_t i = 0; i < c->ncell; i++)
        fprintf(f, "%10g %10g %12.6f %12.6f %12.6f %12.6f\n", c->group[i], c->time[i], c->att[i],
                c->se[i], c->ci_lower[i], c->ci_upper[i]);
    fprintf(f, "\n%s confidence bands at %g%%; critical value %.4f\n",
            c->uniform ? "uniform" : "pointwise", 100 * (1 - alpha), c->crit);
    if (isfinite(w->pvalue))
        fprintf(f, "Wald pre-test of parallel trends: W = %.4f, df = %zu, p = %.5f\n", w->stat,
                w->df, w->pvalue);
}

static void print_agg(FILE *f, const ks_did_agg_view *v)
{
    fprintf(f, "\nAggregation: %s\n", ks_did_agg_type_name(v->type));
    fprintf(f, "%12s %12s %12s %12s\n", "ATT", "std.err", "ci.lower", "ci.upper");
    fprintf(f, "%12.6f %12.6f %12.6f %12.6f\n", v->att, v->se, v->ci_lower, v->ci_upper);
    if (v->n == 0) return;
    const char *label = v->type == KS_DID_AGG_DYNAMIC ? "event time"
                        : v->type == KS_DID_AGG_GROUP ? "group"
                                                      : "time";
    fprintf(f, "\n%10s %12s %12s %12s %12s\n", label, "ATT", "std.err", "ci.lower", "ci.upper");
    for (size_t i = 0; i < v->n; i++)
        fprintf(f, "%10g %12.6f %12.6f %12.6f %12.6f\n", v->e[i], v->att_e[i], v->se_e[i],
                v->ci_lower_e[i], v->ci_upper_e[i]);
}

static void json_agg(FILE *f, const ks_did_agg_view *v)
{
    fprintf(f, "\"%s\": {\"att\": ", ks_did_agg_type_name(v->type));
    cli_json_num(f, v->att);
    fputs(", \"se\": ", f);
    cli_json_num(f, v->se);
    fputs(", \"crit\": ", f);
    cli_json_num(f, v->crit);
    fputs(", ", f);
    cli_json_array(f, "e", v->e, v->n);
    fputs(", ", f);
    cli_json_array(f, "att_e", v->att_e, v->n);
    fputs(", ", f);
    cli_json_array(f, "se_e", v->se_e, v->n);
    fputs("}", f);
}

int cli_did_cs_report(FILE *out, ks_ctx *ctx, const ks_did_cs *fit, const int want[4],
                      const ks_did_agg_options *aopt_in, double alpha, int json, const char *plot)
{
    int rc = CLI_OK;
    ks_did_agg *agg[4] = {NULL, NULL, NULL, NULL};
    ks_did_agg_options aopt = *aopt_in;
    for (int a = 0; a < 4; a++) {
        if (!want[a] && !(plot && a == KS_DID_AGG_DYNAMIC)) continue;
        aopt.type = (ks_did_agg_type)a;
        if (ks_did_cs_aggregate(ctx, fit, &aopt, &agg[a]) != KS_OK) {
            rc = cli_fail(ctx, "did cs");
            goto done;
        }
    }
    ks_did_cs_view cells;
    ks_did_cs_get(fit, &cells);
    ks_did_cs_pretest_estimate wald;
    if (ks_did_cs_pretest(ctx, fit, &wald) != KS_OK) {
        rc = cli_fail(ctx, "did cs");
        goto done;
    }
    if (json) {
        fprintf(out, "{\"nunits\": %zu, \"nperiods\": %zu, \"cells\": {", cells.nunits,
                cells.nperiods);
        cli_json_array(out, "group", cells.group, cells.ncell);
        fputs(", ", out);
        cli_json_array(out, "time", cells.time, cells.ncell);
        fputs(", ", out);
        cli_json_array(out, "att", cells.att, cells.ncell);
        fputs(", ", out);
        cli_json_array(out, "se", cells.se, cells.ncell);
        fputs(", \"crit\": ", out);
        cli_json_num(out, cells.crit);
        fputs("}, \"wald\": {\"stat\": ", out);
        cli_json_num(out, wald.stat);
        fprintf(out, ", \"df\": %zu, \"pvalue\": ", wald.df);
        cli_json_num(out, wald.pvalue);
        fputs("}", out);
        for (int a = 0; a < 4; a++) {
            if (!agg[a] || !want[a]) continue;
            ks_did_agg_view av;
            ks_did_agg_get(agg[a], &av);
            fputs(", ", out);
            json_agg(out, &av);
        }
        fputs("}\n", out);
    } else {
        print_cells(out, &cells, &wald, alpha);
        for (int a = 0; a < 4; a++) {
            if (!agg[a] || !want[a]) continue;
            ks_did_agg_view av;
            ks_did_agg_get(agg[a], &av);
            print_agg(out, &av);
        }
    }
    if (plot) {
        ks_did_agg_view av;
        ks_did_agg_get(agg[KS_DID_AGG_DYNAMIC], &av);
        rc = cli_plot_event_study("did cs", plot, "Event study: ATT by event time (Callaway & Sant'Anna)",
                                  "event time", av.e, av.att_e, av.se_e, av.crit, av.n);
    }
done:
    for (int a = 0; a < 4; a++) ks_did_agg_free(agg[a]);
    return rc;
}

int cmd_did_cs(int argc, char **argv)
{
    const char *data = NULL, *yname = NULL, *unit = NULL, *tname = NULL, *gname = NULL;
    const char *control = NULL, *method = NULL, *base = NULL, *antic = NULL, *covs = NULL;
    const char *weights = NULL, *cluster = NULL, *alpha = NULL, *boot = NULL, *bw = NULL;
    const char *seed = NULL, *cband = NULL, *aggs = NULL, *bal = NULL, *mine = NULL;
    const char *maxe = NULL, *json = NULL, *threads = NULL, *rcs = NULL, *unbal = NULL;
    const char *plot = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"outcome", 1, &yname, "Y", "outcome column"},
        {"unit", 1, &unit, "ID", "unit identifier column"},
        {"time", 1, &tname, "T", "period column (numbers)"},
        {"first-treat", 1, &gname, "G", "first treated period (0 or empty-as-Inf: never treated)"},
        {"control-group", 1, &control, "C", "never_treated (default) | not_yet_treated", "control"},
        {"estimation-method", 1, &method, "M", "dr (default) | ipw | reg", "method"},
        {"base-period", 1, &base, "B", "varying (default) | universal"},
        {"anticipation", 1, &antic, "K", "periods of anticipation (default 0)"},
        {"covariates", 1, &covs, "A,B", "covariates (taken in the base period)"},
        {"weights", 1, &weights, "COL", "sampling weights (constant within unit)"},
        {"cluster", 1, &cluster, "COL", "cluster variable coarser than the unit"},
        {"alpha", 1, &alpha, "A", "significance level (default 0.05)"},
        {"n-bootstrap", 1, &boot, "B", "multiplier bootstrap draws (default 0: analytical SEs)",
         "bootstrap"},
        {"bootstrap-weights", 1, &bw, "W", "rademacher (default) | mammen | webb", "boot-weights"},
        {"seed", 1, &seed, "S", "bootstrap seed (default 0)"},
        {"cband", 0, &cband, NULL, "uniform (sup-t) confidence bands (needs --n-bootstrap)"},
        {"cross-sections", 0, &rcs, NULL,
         "repeated cross-sections: each row its own observation\n(Python: panel=False)"},
        {"allow-unbalanced-panel", 0, &unbal, NULL,
         "keep units missing some periods (R's estimator for\nunbalanced panels) instead of "
         "dropping them"},
        {"aggregate", 1, &aggs, "LIST", "simple,event_study,group,calendar (default: all four)"},
        {"balance-e", 1, &bal, "E", "event study: cohorts observed E periods after treatment"},
        {"min-e", 1, &mine, "E", "event study: the first event time shown"},
        {"max-e", 1, &maxe, "E", "event study: the last event time shown"},
        {"json", 0, &json, NULL, "print JSON instead of the tables"},
        {"plot", 1, &plot, "FILE", "the event study as a plot: FILE.svg or FILE.png"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores, fewer for\n"
                                      "small work)"},
    };
    int rc = cli_parse_help(
        "did cs", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did cs --data FILE --outcome Y --unit ID --time T --first-treat G "
        "[options]\n\n"
        "Callaway & Sant'Anna (2021) group-time average treatment effects and their\n"
        "aggregations, as R's did (att_gt + aggte).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !yname || (!unit && !rcs) || !tname || !gname) {
        fprintf(stderr, "kestrel did cs: --data, --outcome, --unit (unless --cross-sections), "
                        "--time and --first-treat are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_did_cs_options opt = KS_DID_CS_OPTIONS_INIT;
    ks_did_agg_options aopt = KS_DID_AGG_OPTIONS_INIT;
    long v;
    if ((control &&
         CLI_ENUM("did cs", "--control-group", control, did_control, &opt.control_group)) ||
        (method && CLI_ENUM("did cs", "--estimation-method", method, did_method, &opt.method)) ||
        (base && CLI_ENUM("did cs", "--base-period", base, did_base, &opt.base_period)) ||
        (bw && CLI_ENUM("did cs", "--bootstrap-weights", bw, did_boot_weights, &opt.boot_weights)))
        return CLI_USAGE;
    if (antic) {
        if (cli_int("did cs", "--anticipation", antic, 0, &v)) return CLI_USAGE;
        opt.anticipation = (int)v;
    }
    if (alpha && cli_num("did cs", "--alpha", alpha, &opt.alpha)) return CLI_USAGE;
    if (boot) {
        if (cli_int("did cs", "--n-bootstrap", boot, 0, &v)) return CLI_USAGE;
        opt.n_bootstrap = (int)v;
    }
    if (seed) {
        if (cli_int("did cs", "--seed", seed, 0, &v)) return CLI_USAGE;
        opt.seed = (uint64_t)v;
    }
    opt.cband = cband != NULL;
    opt.panel = rcs == NULL;
    opt.allow_unbalanced_panel = unbal != NULL;
    opt.weights = weights;
    opt.cluster = cluster;
    if (bal) {
        if (cli_int("did cs", "--balance-e", bal, 0, &v)) return CLI_USAGE;
        aopt.balance_e = (int)v;
    }
    if (mine && cli_num("did cs", "--min-e", mine, &aopt.min_e)) return CLI_USAGE;
    if (maxe && cli_num("did cs", "--max-e", maxe, &aopt.max_e)) return CLI_USAGE;
    int want[4] = {1, 1, 1, 1};
    if (aggs) {
        memset(want, 0, sizeof want);
        size_t na = 0;
        const char **list = NULL;
        if ((rc = cli_list("did cs", "--aggregate", aggs, &list, &na))) return rc;
        for (size_t i = 0; i < na; i++) {
            ks_did_agg_type a;
            if (!strcmp(list[i], "none")) continue;
            if (CLI_ENUM("did cs", "--aggregate", list[i], did_agg_type, &a)) {
                free(list);
                return CLI_USAGE;
            }
            want[a] = 1;
        }
        free(list);
    }
    size_t ncov = 0;
    const char **covlist = NULL;
    if (covs && (rc = cli_list("did cs", "--covariates", covs, &covlist, &ncov))) return rc;
    opt.covariates = covlist;

    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "did cs", threads))) {
        free(covlist);
        return rc;
    }
    ks_table *t = NULL;
    ks_did_cs *fit = NULL;
    if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        ks_did_cs_fit(ctx, t, yname, tname, unit, gname, &opt, &fit) != KS_OK) {
        rc = cli_fail(ctx, "did cs");
        goto done;
    }
    rc = cli_did_cs_report(stdout, ctx, fit, want, &aopt, opt.alpha, json != NULL, plot);
done:
    ks_did_cs_free(fit);
    ks_table_free(t);
    ks_ctx_free(ctx);
    free(covlist);
    return rc;
}
