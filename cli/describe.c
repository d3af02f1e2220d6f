/* describe.c — `kestrel describe`: read a CSV/TSV (plain or gzip) and summarize each column:
 * type, missing values, and for numbers mean, SD, min and max. */
#include <math.h>
#include <stdlib.h>

#include "cli.h"

static void numeric_line(const char *name, const char *type, const double *v, size_t n)
{
    double *ok = malloc((n ? n : 1) * sizeof *ok);
    size_t m = 0;
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; ok && i < n; i++)
        if (!isnan(v[i])) {
            ok[m++] = v[i];
            lo = fmin(lo, v[i]);
            hi = fmax(hi, v[i]);
        }
    printf("%-24s %-8s %10zu %14.6g %14.6g %14.6g %14.6g\n", name, type, n - m,
           m ? ks_mean(ok, m) : NAN, m > 1 ? ks_sd(ok, m) : NAN, m ? lo : NAN, m ? hi : NAN);
    free(ok);
}

int cmd_describe(int argc, char **argv)
{
    const char *data = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"data", 1, &data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"threads", 1, &threads, "N", "accepted as by every command; reading runs on one thread"},
    };
    int rc =
        cli_parse_help("describe", argc, argv, opts, 2,
                       "usage: kestrel describe --data FILE\n\n"
                       "Reads FILE (CSV or TSV, plain or gzip) and prints one line per column: its "
                       "type,\ncount of NA cells, and for numeric columns mean, SD, min and max.\n",
                       NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!data) {
        fprintf(stderr, "kestrel describe: --data is required (see --help)\n");
        return CLI_USAGE;
    }
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "describe", threads))) return rc;
    ks_table *t = NULL;
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.allow_empty = 1; /* a header alone: 0 rows, described */
    if (ks_table_read_csv(ctx, data, &o, &t) != KS_OK) {
        rc = cli_fail(ctx, "describe");
    } else {
        const size_t n = ks_table_nrow(t);
        printf("%s: %zu rows, %zu columns\n", data, n, ks_table_ncol(t));
        printf("%-24s %-8s %10s %14s %14s %14s %14s\n", "column", "type", "NA", "mean", "sd", "min",
               "max");
        for (size_t j = 0; j < ks_table_ncol(t); j++) {
            const char *name = ks_table_col_name(t, j);
            if (ks_table_col_type(t, j) == KS_COL_STRING) {
                size_t na = 0;
                for (size_t i = 0; i < n; i++) na += ks_table_string(t, j, i) == NULL;
                printf("%-24s %-8s %10zu\n", name, "string", na);
            } else if (ks_table_col_type(t, j) == KS_COL_FLOAT64) {
                numeric_line(name, "float64", ks_table_float64(t, j), n);
            } else {
                double *v = malloc((n ? n : 1) * sizeof *v);
                if (v && ks_table_get_double(ctx, t, j, v, ks_table_nrow(t)) == KS_OK)
                    numeric_line(name, "int64", v, n);
                free(v);
            }
        }
    }
    ks_table_free(t);
    ks_ctx_free(ctx);
    return rc;
}
