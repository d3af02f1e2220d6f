/* did_sdid.c — `kestrel did sdid`: synthetic difference-in-differences (R synthdid) from a
 * balanced CSV/TSV panel, with the synthetic-control and DiD estimates of the same panel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* One estimate with options o; the three estimators share everything but the estimator. */
static int fit(ks_ctx *ctx, const ks_table *t, const char *const *cols, ks_did_sdid_options o,
               ks_did_sdid_estimator est, ks_did_sdid **out)
{
    o.estimator = est;
    if (est != KS_DID_SDID_SYNTHDID) o.variance = KS_DID_SDID_NONE;
    return ks_did_sdid_fit(ctx, t, cols[0], cols[1], cols[2], cols[3], &o, out);
}

static void print_text(const ks_table *t, size_t ucol, const ks_did_sdid_view *v, double sc,
                       double did, const char *variance)
{
    char label[256];
    printf("Synthetic difference-in-differences (R synthdid)\n");
    printf("Treated units: %zu   Controls: %zu   Pre periods: %zu   Post periods: %zu\n", v->N1,
           v->N0, v->T0, v->T1);
    printf("Standard error: %s (%zu replications)\n\n", variance, v->replications);
    cli_print_effect_header(stdout);
    cli_print_effect(stdout, "ATT", v->att, v->se, v->tstat, v->pvalue, v->ci_lower, v->ci_upper);
    printf("\nzeta_omega %.6g   zeta_lambda %.6g   noise level %.6g\n", v->zeta_omega,
           v->zeta_lambda, v->noise_level);
    printf("Same panel: synthetic control %.6f   DiD %.6f\n", sc, did);
    printf("\nUnit weights (nonzero, largest first)\n");
    size_t *ord = malloc((v->N0 ? v->N0 : 1) * sizeof *ord), n = 0;
    if (ord) {
        for (size_t i = 0; i < v->N0; i++)
            if (v->omega[i] > 0) ord[n++] = i;
        for (size_t i = 1; i < n; i++) /* insertion sort: N0 is small */
            for (size_t j = i; j > 0 && v->omega[ord[j]] > v->omega[ord[j - 1]]; j--) {
                size_t tmp = ord[j];
                ord[j] = ord[j - 1];
                ord[j - 1] = tmp;
            }
        for (size_t k = 0; k < n; k++) {
            cli_cell(t, ucol, v->unit_row[ord[k]], label, sizeof label);
            printf("  %-24s %.6f\n", label, v->omega[ord[k]]);
        }
        free(ord);
    }
    printf("Time weights (nonzero)\n");
    for (size_t s = 0; s < v->T0; s++)
        if (v->lambda[s] > 0) printf("  %-24g %.6f\n", v->times[s], v->lambda[s]);
}

static void print_json(const ks_table *t, size_t ucol, const ks_did_sdid_view *v, double sc,
                       double did, const char *variance)
{
    char label[256];
    printf("{\"att\": ");
    cli_json_num(stdout, v->att);
    printf(", \"se\": ");
    cli_json_num(stdout, v->se);
    printf(", \"variance\": \"%s\", \"replications\": %zu, \"sc_estimate\": ", variance,
           v->replications);
    cli_json_num(stdout, sc);
    printf(", \"did_estimate\": ");
    cli_json_num(stdout, did);
    printf(", \"zeta_omega\": ");
    cli_json_num(stdout, v->zeta_omega);
    printf(", \"zeta_lambda\": ");
    cli_json_num(stdout, v->zeta_lambda);
    printf(", \"noise_level\": ");
    cli_json_num(stdout, v->noise_level);
    printf(", \"n_control\": %zu, \"n_treated\": %zu, \"unit_weights\": {", v->N0, v->N1);
    for (size_t i = 0; i < v->N0; i++) {
        cli_cell(t, ucol, v->unit_row[i], label, sizeof label);
        printf("%s", i ? ", " : "");
        cli_json_str(stdout, label);
        printf(": ");
        cli_json_num(stdout, v->omega[i]);
    }
    printf("}, ");
    cli_json_array(stdout, "pre_periods", v->times, v->T0);
    printf(", ");
    cli_json_array(stdout, "time_weights", v->lambda, v->T0);
    printf(", ");
    cli_json_array(stdout, "post_periods", v->times + v->T0, v->T1);
    printf("}\n");
}

int cmd_did_sdid(int argc, char **argv)
{
    const char *data = NULL, *cols[4] = {NULL, NULL, NULL, NULL}, *post = NULL, *var = NULL;
    const char *reps = NULL, *seed = NULL, *zo = NULL, *zl = NULL, *alpha = NULL, *json = NULL;
    const char *threads = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row; a balanced panel"},
        {"outcome", 1, &cols[0], "Y", "outcome column"},
        {"unit", 1, &cols[1], "ID", "unit identifier column"},
        {"time", 1, &cols[2], "T", "period column (numbers)"},
        {"treatment", 1, &cols[3], "D",
         "1 for treated units in treated periods (R's panel.matrices),\n"
         "or the ever-treated indicator with --post-periods"},
        {"post-periods", 1, &post, "LIST", "treated periods, e.g. 1989,1990,... (with an "
                                           "ever-treated D)"},
        {"variance-method", 1, &var, "V", "placebo (default) | bootstrap | jackknife | none",
         "variance"},
        {"n-bootstrap", 1, &reps, "B", "placebo / bootstrap replications (default 200)",
         "replications"},
        {"seed", 1, &seed, "S", "seed of the replications (default 0)"},
        {"zeta-omega", 1, &zo, "Z", "unit-weight regularisation (default: synthdid's automatic)"},
        {"zeta-lambda", 1, &zl, "Z", "time-weight regularisation (default: synthdid's automatic)"},
        {"alpha", 1, &alpha, "A", "significance level (default 0.05)"},
        {"json", 0, &json, NULL, "print JSON instead of the tables"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores, fewer for\n"
                                      "small work)"},
    };
    int rc = cli_parse_help(
        "did sdid", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did sdid --data FILE --outcome Y --unit ID --time T --treatment D "
        "[options]\n\n"
        "Synthetic difference-in-differences (Arkhangelsky et al. 2021) as R synthdid "
        "0.0.9:\nFrank-Wolfe unit and time weights, synthdid's regularisation, placebo / "
        "bootstrap /\njackknife standard errors; also synthdid's sc_estimate and "
        "did_estimate.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !cols[0] || !cols[1] || !cols[2] || !cols[3]) {
        fprintf(stderr, "kestrel did sdid: --data, --outcome, --unit, --time and --treatment "
                        "are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_did_sdid_options o = KS_DID_SDID_OPTIONS_INIT;
    long v;
    if (var && CLI_ENUM("did sdid", "--variance-method", var, did_sdid_variance, &o.variance))
        return CLI_USAGE;
    if (reps) {
        if (cli_int("did sdid", "--n-bootstrap", reps, 2, &v)) return CLI_USAGE;
        o.replications = (int)v;
    }
    if (seed) {
        if (cli_int("did sdid", "--seed", seed, 0, &v)) return CLI_USAGE;
        o.seed = (uint64_t)v;
    }
    if ((zo && cli_num("did sdid", "--zeta-omega", zo, &o.zeta_omega)) ||
        (zl && cli_num("did sdid", "--zeta-lambda", zl, &o.zeta_lambda)) ||
        (alpha && cli_num("did sdid", "--alpha", alpha, &o.alpha)))
        return CLI_USAGE;
    double *periods = NULL;
    if (post) { /* the list of numbers */
        size_t n = 0;
        const char **items = NULL;
        if ((rc = cli_list("did sdid", "--post-periods", post, &items, &n))) return rc;
        if (!(periods = malloc(n * sizeof *periods))) {
            free(items);
            fprintf(stderr, "kestrel did sdid: out of memory\n");
            return CLI_FAILED;
        }
        for (size_t i = 0; i < n && !rc; i++)
            rc = cli_num("did sdid", "--post-periods", items[i], &periods[i]);
        free(items);
        if (rc) {
            free(periods);
            return rc;
        }
        o.post_periods = periods;
        o.npost = n;
    }
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "did sdid", threads))) {
        free(periods);
        return rc;
    }
    ks_table *t = NULL;
    ks_did_sdid *r = NULL, *rsc = NULL, *rdid = NULL;
    size_t ucol;
    if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        fit(ctx, t, cols, o, KS_DID_SDID_SYNTHDID, &r) != KS_OK ||
        fit(ctx, t, cols, o, KS_DID_SDID_SC, &rsc) != KS_OK ||
        fit(ctx, t, cols, o, KS_DID_SDID_DID, &rdid) != KS_OK ||
        ks_table_find(ctx, t, cols[1], &ucol) != KS_OK) {
        rc = cli_fail(ctx, "did sdid");
        goto done;
    }
    ks_did_sdid_view vw, vsc, vdid;
    ks_did_sdid_get(r, &vw);
    ks_did_sdid_get(rsc, &vsc);
    ks_did_sdid_get(rdid, &vdid);
    const char *vname = ks_did_sdid_variance_name(o.variance);
    if (json)
        print_json(t, ucol, &vw, vsc.att, vdid.att, vname);
    else
        print_text(t, ucol, &vw, vsc.att, vdid.att, vname);
done:
    ks_did_sdid_free(r);
    ks_did_sdid_free(rsc);
    ks_did_sdid_free(rdid);
    ks_table_free(t);
    ks_ctx_free(ctx);
    free(periods);
    return rc;
}
