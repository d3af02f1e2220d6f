/* feols.c — `kestrel feols`: read a CSV/TSV, fit a fixed-effects regression, print the table
 * or JSON. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_feols(int argc, char **argv)
{
    const char *data = NULL, *formula = NULL, *vcov = NULL, *weights = NULL, *json = NULL;
    const char *threads = NULL, *fetol = NULL, *femaxit = NULL, *collin = NULL, *keep = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"formula", 1, &formula, "F", "y ~ x1 + x2 + a:b + c*d [- 1] [| fe1 + fe2^fe3]"},
        {"vcov", 1, &vcov, "V", "iid (default), hetero | HC1, HC2, HC3, CRV1:col[+col2]"},
        {"weights", 1, &weights, "COL", "analytic weights (rows with weight 0 are left out)"},
        {"fixef-tol", 1, &fetol, "T", "convergence of the fixed-effect projections (1e-13)",
         "fe-tol"},
        {"fixef-maxiter", 1, &femaxit, "N", "most projection iterations (10000)"},
        {"collin-tol", 1, &collin, "T", "tolerance of the collinearity check (1e-10)"},
        {"keep-singletons", 0, &keep, NULL,
         "keep fixed-effect singletons (Python: drop_singletons=False)"},
        {"json", 0, &json, NULL, "print JSON instead of the table"},
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores, fewer for\n"
                                      "small work)"},
    };
    int rc = cli_parse_help(
        "feols", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel feols --data FILE --formula \"y ~ x1 + x2 | fe1 + fe2\" "
        "[options]\n\n"
        "Linear regression with absorbed fixed effects (as R fixest / pyfixest feols).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data || !formula) {
        fprintf(stderr, "kestrel feols: --data and --formula are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_feols_options opt = KS_FEOLS_OPTIONS_INIT;
    if (cli_parse_vcov("feols", vcov, &opt)) return CLI_USAGE;
    opt.weights = weights;
    opt.drop_singletons = keep ? 0 : 1;
    long v;
    if (fetol && cli_positive("feols", "--fixef-tol", fetol, &opt.fe_tol)) return CLI_USAGE;
    if (femaxit) {
        if (cli_int("feols", "--fixef-maxiter", femaxit, 1, &v)) return CLI_USAGE;
        opt.fe_maxiter = (int)v;
    }
    if (collin && cli_positive("feols", "--collin-tol", collin, &opt.collin_tol))
        return CLI_USAGE;
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "feols", threads))) return rc;
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
