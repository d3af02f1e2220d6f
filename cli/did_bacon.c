/* did_bacon.c — `kestrel did bacon`: the Goodman-Bacon decomposition of two-way fixed effects
 * from a balanced CSV/TSV panel. */
#include <math.h>
#include <string.h>

#include "cli.h"

static const char *type_name(int t)
{
    static const char *names[] = {"treated_vs_never", "earlier_vs_later", "later_vs_earlier"};
    return names[t];
}

int cmd_did_bacon(int argc, char **argv)
{
    const char *data = NULL, *y = NULL, *unit = NULL, *time = NULL, *g = NULL, *json = NULL;
    const char *threads = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row; a balanced panel"},
        {"outcome", 1, &y, "Y", "outcome column"},
        {"unit", 1, &unit, "ID", "unit identifier column"},
        {"time", 1, &time, "T", "period column (numbers)"},
        {"first-treat", 1, &g, "G", "first treated period (0 or empty: never treated)"},
        {"json", 0, &json, NULL, "print JSON instead of the table"},
        {"threads", 1, &threads, "N", "accepted as by every command; the decomposition is one "
                                      "pass\nover the rows, on one thread"},
    };
    int rc = cli_parse_help(
        "did bacon", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did bacon --data FILE --outcome Y --unit ID --time T --first-treat "
        "G [--json]\n\n"
        "The Goodman-Bacon (2021) decomposition of the two-way fixed-effects estimate\n"
        "y ~ D | unit + time, D = 1(time >= G): every 2x2 comparison of timing groups "
        "with\nits estimate and weight (R bacondecomp's numbers; always-treated units "
        "join the\nuntreated, as diff-diff).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !y || !unit || !time || !g) {
        fprintf(stderr, "kestrel did bacon: --data, --outcome, --unit, --time and --first-treat "
                        "are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "did bacon", threads))) return rc;
    ks_table *t = NULL;
    ks_did_bacon *r = NULL;
    if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK ||
        ks_did_bacon_fit(ctx, t, y, unit, time, g, &r) != KS_OK) {
        rc = cli_fail(ctx, "did bacon");
        goto done;
    }
    ks_did_bacon_view v;
    ks_did_bacon_get(r, &v);
    if (json) {
        printf("{\"twfe\": ");
        cli_json_num(stdout, v.twfe);
        printf(", \"decomposition_error\": ");
        cli_json_num(stdout, v.decomposition_error);
        printf(", \"n_groups\": %zu, \"n_never\": %zu, \"n_always\": %zu, \"type\": [", v.n_groups,
               v.n_never, v.n_always);
        for (size_t c = 0; c < v.n; c++) printf("%s\"%s\"", c ? ", " : "", type_name(v.type[c]));
        printf("], ");
        cli_json_array(stdout, "treated", v.treated, v.n);
        printf(", ");
        cli_json_array(stdout, "control", v.control, v.n); /* null: the untreated */
        printf(", ");
        cli_json_array(stdout, "estimate", v.estimate, v.n);
        printf(", ");
        cli_json_array(stdout, "weight", v.weight, v.n);
        printf("}\n");
        goto done;
    }
    printf("Goodman-Bacon decomposition of two-way fixed effects: %s ~ D | %s + %s\n", y, unit,
           time);
    printf("TWFE estimate %.6f   (%zu timing groups, %zu never treated, %zu always treated; "
           "%zu observations)\n\n", v.twfe, v.n_groups, v.n_never, v.n_always, v.nobs);
    printf("%-18s %10s %12s\n", "comparison type", "weight", "avg estimate");
    for (int ty = 0; ty < 3; ty++) {
        double w = 0.0, s = 0.0;
        for (size_t c = 0; c < v.n; c++)
            if (v.type[c] == ty) {
                w += v.weight[c];
                s += v.weight[c] * v.estimate[c];
            }
        if (w > 0)
            printf("%-18s %10.4f %12.6f\n", type_name(ty), w, s / w);
        else
            printf("%-18s %10.4f %12s\n", type_name(ty), w, "-");
    }
    printf("\n%10s %10s %-18s %12s %10s\n", "treated", "control", "  type", "estimate", "weight");
    for (size_t c = 0; c < v.n; c++) {
        char ctl[32];
        if (isinf(v.control[c]))
            snprintf(ctl, sizeof ctl, "never");
        else
            snprintf(ctl, sizeof ctl, "%g", v.control[c]);
        printf("%10g %10s   %-16s %12.6f %10.4f\n", v.treated[c], ctl, type_name(v.type[c]),
               v.estimate[c], v.weight[c]);
    }
    printf("\ndecomposition error %.3g\n", v.decomposition_error);
done:
    ks_did_bacon_free(r);
    ks_table_free(t);
    ks_ctx_free(ctx);
    return rc;
}
