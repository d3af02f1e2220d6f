/* feols.c — `kestrel feols`: read a CSV/TSV, fit a fixed-effects regression, print the table
 * or JSON. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void help(void)
{
    printf("usage: kestrel feols --data FILE --formula \"y ~ x1 + x2 | fe1 + fe2\" [options]\n\n"
           "Linear regression with absorbed fixed effects (as R fixest / pyfixest feols).\n\n"
           "  --data FILE        CSV or TSV, plain or gzip, with a header row\n"
           "  --formula F        y ~ x1 + x2 + a:b + c*d [- 1] [| fe1 + fe2^fe3]\n"
           "  --vcov V           iid (default), hetero | HC1, HC2, HC3, CRV1:col[+col2]\n"
           "  --weights COL      analytic weights\n"
           "  --json             print JSON instead of the table\n"
           "  --threads N        threads (default: all)\n"
           "  --fe-tol T         convergence tolerance of the projections (default 1e-13)\n"
           "  --keep-singletons  do not drop fixed-effect singletons\n");
}

int cmd_feols(int argc, char **argv)
{
    const char *data = NULL, *formula = NULL, *vcov = NULL, *weights = NULL, *json = NULL;
    const char *threads = NULL, *fetol = NULL, *keep = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data},    {"formula", 1, &formula},
        {"vcov", 1, &vcov},    {"weights", 1, &weights},
        {"json", 0, &json},    {"threads", 1, &threads},
        {"fe-tol", 1, &fetol}, {"keep-singletons", 0, &keep},
    };
    int rc = cli_parse("feols", argc, argv, opts, sizeof opts / sizeof *opts);
    if (rc < 0) {
        help();
        return CLI_OK;
    }
    if (rc) return rc;
    if (!data || !formula) {
        fprintf(stderr, "kestrel feols: --data and --formula are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_feols_options opt = KS_FEOLS_OPTIONS_INIT;
    if (cli_parse_vcov(vcov, &opt)) return CLI_USAGE;
    opt.weights = weights;
    opt.drop_singletons = keep ? 0 : 1;
    if (fetol) {
        char *end;
        opt.fe_tol = strtod(fetol, &end);
        if (*end || !(opt.fe_tol > 0)) {
            fprintf(stderr, "kestrel feols: --fe-tol '%s' is not a positive number\n", fetol);
            return CLI_USAGE;
        }
    }
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, threads))) return rc;
    ks_table *t = NULL;
    ks_feols *m = NULL;
    if (ks_formula_check(ctx, formula) != KS_OK) { /* before reading the data: a usage error */
        cli_fail(ctx, "feols");
        rc = CLI_USAGE;
    } else if (ks_table_read_csv(ctx, data, NULL, &t) != KS_OK) {
        rc = cli_fail(ctx, "feols");
    } else if (ks_feols_fit(ctx, t, formula, &opt, &m) != KS_OK) {
        rc = cli_fail(ctx, "feols");
    } else {
        if (json)
            cli_print_feols_json(stdout, m, formula);
        else
            cli_print_feols(stdout, m, formula);
    }
    ks_feols_free(m);
    ks_table_free(t);
    ks_ctx_free(ctx);
    return rc;
}
