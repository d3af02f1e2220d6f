/* sem.c — `kestrel sem`: a structural equation model (lavaan's syntax) fitted to a CSV/TSV file,
 * printed as lavaan's summary() prints it, or as JSON (parameter estimates and fit measures). */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* --model: a file holding the model, or the model text itself (it has an operator). */
static char *model_text(const char *arg)
{
    struct stat st;
    if (stat(arg, &st) == 0 || !strpbrk(arg, "~=")) return cli_read_file("sem", arg);
    char *s = strdup(arg);
    if (!s) fprintf(stderr, "kestrel sem: out of memory\n");
    return s;
}

static void print_json(const ks_sem *s)
{
    ks_sem_view v;
    ks_sem_get(s, &v);
    printf("{\"estimator\": ");
    cli_json_str(stdout, ks_sem_estimator_name(v.estimator));
    printf(", \"nobs\": ");
    cli_json_num(stdout, v.nobs);
    printf(", \"converged\": %s, \"iterations\": %d,\n \"parameters\": [",
           v.converged ? "true" : "false", v.iterations);
    for (size_t i = 0; i < v.nrow; i++) {
        printf("%s\n  {\"lhs\": ", i ? "," : "");
        cli_json_str(stdout, v.lhs[i]);
        printf(", \"op\": ");
        cli_json_str(stdout, v.op[i]);
        printf(", \"rhs\": ");
        cli_json_str(stdout, v.rhs[i]);
        printf(", \"label\": ");
        cli_json_str(stdout, v.label[i]);
        const char *key[] = {"est",      "se",       "z",      "pvalue",
                             "ci_lower", "ci_upper", "std_lv", "std_all"};
        const double val[] = {v.est[i],      v.se[i],       v.tstat[i],  v.pvalue[i],
                              v.ci_lower[i], v.ci_upper[i], v.std_lv[i], v.std_all[i]};
        for (size_t k = 0; k < sizeof val / sizeof *val; k++) {
            printf(", \"%s\": ", key[k]);
            cli_json_num(stdout, val[k]);
        }
        printf("}");
    }
    printf("],\n \"fit_measures\": {");
    for (size_t i = 0; i < v.nfit; i++) {
        printf("%s", i ? ", " : "");
        cli_json_str(stdout, v.fit_name[i]);
        printf(": ");
        cli_json_num(stdout, v.fit_value[i]);
    }
    printf("}}\n");
}

int cmd_sem(int argc, char **argv)
{
    const char *model = NULL, *data = NULL, *estimator = NULL, *call = NULL, *std_lv = NULL;
    const char *fit = NULL, *standardized = NULL, *json = NULL, *level = NULL, *se = NULL;
    const cli_opt opts[] = {
        {"model", 1, &model, "FILE", "the model in lavaan's syntax (a file, or the text)"},
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip: the observed variables"},
        {"estimator", 1, &estimator, "E", "ML (default), GLS or ULS"},
        {"call", 1, &call, "F", "whose defaults: sem (default), cfa or lavaan (none added)"},
        {"std-lv", 0, &std_lv, NULL, "latent variances fixed to 1, every loading free"},
        {"se", 1, &se, "S", "standard (default: the expected information) or none"},
        {"level", 1, &level, "L", "confidence level of the intervals (0.95)"},
        {"fit-measures", 0, &fit, NULL, "print the fit measures too (lavaan's fit.measures)"},
        {"standardized", 0, &standardized, NULL, "print std.lv and std.all columns too"},
        {"json", 0, &json, NULL, "print JSON (every estimate and fit measure) instead"},
    };
    int rc = cli_parse_help("sem", argc, argv, opts, sizeof opts / sizeof *opts,
                            "usage: kestrel sem --model FILE --data FILE [options]\n\n"
                            "A structural equation model as R's lavaan fits it (sem(), cfa(),\n"
                            "lavaan()), printed as lavaan's summary() prints it.\n",
                            NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!model || !data) {
        fprintf(stderr, "kestrel sem: --model and --data are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_sem_options o = KS_SEM_OPTIONS_INIT;
    if (estimator && CLI_ENUM("sem", "--estimator", estimator, sem_estimator, &o.estimator))
        return CLI_USAGE;
    if (call && CLI_ENUM("sem", "--call", call, sem_call, &o.call)) return CLI_USAGE;
    if (se && CLI_ENUM("sem", "--se", se, sem_se, &o.se)) return CLI_USAGE;
    if (level && cli_positive("sem", "--level", level, &o.level)) return CLI_USAGE;
    o.std_lv = std_lv != NULL;
    char *text = model_text(model);
    if (!text) return CLI_FAILED;
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "sem", NULL))) {
        free(text);
        return rc;
    }
    ks_table *t = NULL;
    ks_sem *s = NULL;
    char *out = NULL;
    if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        ks_sem_fit(ctx, text, t, &o, &s) != KS_OK)
        rc = cli_fail(ctx, "sem");
    else if (json)
        print_json(s);
    else if (ks_sem_summary(ctx, s, fit != NULL, standardized != NULL, &out) != KS_OK)
        rc = cli_fail(ctx, "sem");
    else
        fputs(out, stdout);
    ks_string_free(out);
    ks_sem_free(s);
    ks_table_free(t);
    ks_ctx_free(ctx);
    free(text);
    return rc;
}
