/* cli_util.c — option parsing, the context with logging to stderr, and result printing. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t nopts)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) return -1;
        if (strncmp(a, "--", 2)) {
            fprintf(stderr, "kestrel %s: unexpected argument '%s'\n", cmd, a);
            return CLI_USAGE;
        }
        const char *name = a + 2, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        const cli_opt *o = NULL;
        for (size_t j = 0; j < nopts; j++)
            if (strlen(opts[j].name) == len && !strncmp(opts[j].name, name, len)) o = &opts[j];
        if (!o) {
            fprintf(stderr, "kestrel %s: unknown option '--%.*s' (see kestrel %s --help)\n", cmd,
                    (int)len, name, cmd);
            return CLI_USAGE;
        }
        if (!o->takes_value) {
            *o->value = "1";
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            fprintf(stderr, "kestrel %s: option '--%s' needs a value\n", cmd, o->name);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

static void log_to_stderr(void *ud, ks_log_level level, const char *msg)
{
    (void)ud;
    if (level >= KS_LOG_INFO)
        fprintf(stderr, "%s: %s\n", level == KS_LOG_WARN ? "warning" : "note", msg);
}

/* A one-line progress display on stderr, only when it is a terminal. */
static void progress_to_tty(void *ud, const char *what, uint64_t done, uint64_t total)
{
    (void)ud;
    if (total == 0) return;
    fprintf(stderr, "\r%s: %3.0f%%", what, 100.0 * (double)done / (double)total);
    if (done >= total) fprintf(stderr, "\r\033[K");
}

int cli_ctx(ks_ctx **ctx, const char *threads)
{
    if (ks_ctx_new(ctx) != KS_OK) {
        fprintf(stderr, "kestrel: out of memory\n");
        return CLI_FAILED;
    }
    ks_ctx_set_log(*ctx, log_to_stderr, NULL);
    if (isatty(STDERR_FILENO)) ks_ctx_set_progress(*ctx, progress_to_tty, NULL);
    if (threads) {
        char *end;
        long t = strtol(threads, &end, 10);
        if (*end || t < 0 || ks_ctx_set_threads(*ctx, (int)t) != KS_OK) {
            fprintf(stderr, "kestrel: --threads '%s' is not a count\n", threads);
            ks_ctx_free(*ctx);
            *ctx = NULL;
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

/* R's significance codes; the tables that print stars print this legend under them (and so
 * does kestrel's Python summary). */
static const char *stars(double p)
{
    return p < 0.001 ? "***" : p < 0.01 ? "**" : p < 0.05 ? "*" : p < 0.1 ? "." : "";
}
#define CLI_STARS_LEGEND "Signif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1"

int cli_num(const char *cmd, const char *opt, const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    if (!*s || *end || isnan(*out)) {
        fprintf(stderr, "kestrel %s: %s '%s' is not a number\n", cmd, opt, s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_int(const char *cmd, const char *opt, const char *s, long lo, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    if (!*s || *end || *out < lo) {
        fprintf(stderr, "kestrel %s: %s '%s' is not an integer >= %ld\n", cmd, opt, s, lo);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_choice(const char *cmd, const char *opt, const char *s, const cli_name *names,
               size_t n, int *out)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(s, names[i].name)) {
            *out = names[i].value;
            return CLI_OK;
        }
    fprintf(stderr, "kestrel %s: %s '%s' is not one of:", cmd, opt, s);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", names[i].name);
    fputc('\n', stderr);
    return CLI_USAGE;
}

const char **cli_split_list(char *buf, size_t *n)
{
    size_t cap = 1;
    for (const char *p = buf; *p; p++) cap += *p == ',';
    const char **v = calloc(cap + 1, sizeof *v);
    if (!v) return NULL;
    *n = 0;
    for (char *tok = strtok(buf, ","); tok; tok = strtok(NULL, ","))
        if (*tok) v[(*n)++] = tok;
    return v;
}

void cli_cell(const ks_table *t, size_t col, size_t row, char *buf, size_t n)
{
    switch (ks_table_col_type(t, col)) {
    case KS_COL_INT64:
        snprintf(buf, n, "%lld", (long long)ks_table_int64(t, col)[row]);
        break;
    case KS_COL_FLOAT64:
        snprintf(buf, n, "%.15g", ks_table_float64(t, col)[row]);
        break;
    default: {
        const char *v = ks_table_string(t, col, row);
        snprintf(buf, n, "%s", v ? v : "NA");
    }
    }
}

void cli_print_effect(FILE *out, const char *label, double est, double se, double df,
                      double alpha)
{
    const double tt = est / se;
    const double p = isfinite(df) ? 2.0 * ks_t_cdf(-fabs(tt), df) : 2.0 * ks_normal_cdf(-fabs(tt));
    const double q = isfinite(df) ? ks_t_quantile(1 - alpha / 2, df)
                                  : ks_normal_quantile(1 - alpha / 2);
    const char *st = stars(p);
    fprintf(out, "%-12s %12.6f %12.6f %9.3f %10.4g %12.6f %12.6f%s%s\n", label, est, se, tt, p,
            est - q * se, est + q * se, *st ? " " : "", st);
}

void cli_print_effect_header(FILE *out)
{
    fprintf(out, "%-12s %12s %12s %9s %10s %12s %12s\n", "", "estimate", "std.err", "t",
            "Pr(>|t|)", "ci.lower", "ci.upper");
}

int cli_fail(ks_ctx *ctx, const char *what)
{
    fprintf(stderr, "kestrel %s: %s\n", what, ks_errmsg(ctx));
    return CLI_FAILED;
}

int cli_parse_vcov(const char *s, ks_feols_options *opt)
{
    if (!s || !strcmp(s, "iid"))
        opt->vcov = KS_VCOV_IID;
    else if (!strcmp(s, "hetero") || !strcmp(s, "HC1"))
        opt->vcov = KS_VCOV_HC1;
    else if (!strcmp(s, "HC2"))
        opt->vcov = KS_VCOV_HC2;
    else if (!strcmp(s, "HC3"))
        opt->vcov = KS_VCOV_HC3;
    else if (!strncmp(s, "CRV1:", 5) && s[5]) {
        opt->vcov = KS_VCOV_CRV1;
        opt->cluster = s + 5;
    } else {
        fprintf(stderr,
                "kestrel: --vcov '%s': expected iid, hetero, HC1, HC2, HC3 or "
                "CRV1:col[+col2]\n",
                s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

void cli_print_feols(FILE *out, const ks_feols *m, const char *formula)
{
    ks_feols_info in;
    ks_feols_get_info(m, &in);
    fprintf(out, "OLS estimation: %s\n", formula);
    fprintf(out, "Observations: %zu", in.nobs);
    for (size_t d = 0; d < in.n_fe; d++)
        fprintf(out, "%s%s (%zu)", d ? ", " : "   Fixed effects: ", ks_feols_fe_name(m, d),
                ks_feols_fe_levels(m, d));
    fprintf(out, "\nStandard errors: %s\n", ks_feols_vcov_label(m));
    fprintf(out, "%-20s %14s %14s %9s %10s\n", "", "Estimate", "Std. Error", "t value", "Pr(>|t|)");
    for (size_t j = 0; j < ks_feols_ncoef(m); j++) {
        if (ks_feols_is_collinear(m, j)) {
            fprintf(out, "%-20s %14s   (removed: collinear)\n", ks_feols_name(m, j), "-");
            continue;
        }
        const double p = ks_feols_pvalue(m, j);
        fprintf(out, "%-20s %14.6g %14.6g %9.3f %10.3g %s\n", ks_feols_name(m, j),
                ks_feols_coef(m, j), ks_feols_se(m, j), ks_feols_tstat(m, j), p, stars(p));
    }
    fprintf(out, "---\n%s\nRMSE: %.6g   R2: %.6g", CLI_STARS_LEGEND, sqrt(in.rss / (double)in.nobs),
            in.r2);
    if (in.n_fe) fprintf(out, "   Within R2: %.6g", in.r2_within);
    fprintf(out, "\n");
}

void cli_json_str(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(out, "\\%c", *s);
        else if ((unsigned char)*s < 0x20)
            fprintf(out, "\\u%04x", *s);
        else
            fputc(*s, out);
    }
    fputc('"', out);
}

void cli_json_num(FILE *out, double v)
{
    if (isfinite(v))
        fprintf(out, "%.17g", v);
    else
        fprintf(out, "null");
}

void cli_json_array(FILE *out, const char *name, const double *v, size_t n)
{
    fprintf(out, "\"%s\": [", name);
    for (size_t i = 0; i < n; i++) {
        if (i) fputs(", ", out);
        cli_json_num(out, v[i]);
    }
    fputs("]", out);
}

void cli_print_feols_json(FILE *out, const ks_feols *m, const char *formula)
{
    ks_feols_info in;
    ks_feols_get_info(m, &in);
    fprintf(out, "{\"formula\": ");
    cli_json_str(out, formula);
    fprintf(out, ", \"vcov\": ");
    cli_json_str(out, ks_feols_vcov_label(m));
    fprintf(out, ", \"nobs\": %zu, \"n_na\": %zu, \"n_singletons\": %zu, \"df_t\": ", in.nobs,
            in.n_na, in.n_singletons);
    cli_json_num(out, in.df_t);
    fprintf(out, ", \"r2\": ");
    cli_json_num(out, in.r2);
    fprintf(out, ", \"r2_within\": ");
    cli_json_num(out, in.r2_within);
    fprintf(out, ", \"rss\": ");
    cli_json_num(out, in.rss);
    fprintf(out, ", \"fixef\": {");
    for (size_t d = 0; d < in.n_fe; d++) {
        fprintf(out, "%s", d ? ", " : "");
        cli_json_str(out, ks_feols_fe_name(m, d));
        fprintf(out, ": %zu", ks_feols_fe_levels(m, d));
    }
    fprintf(out, "}, \"coefficients\": [");
    for (size_t j = 0; j < ks_feols_ncoef(m); j++) {
        double lo, hi;
        ks_feols_confint(m, j, 0.05, &lo, &hi);
        fprintf(out, "%s\n  {\"term\": ", j ? "," : "");
        cli_json_str(out, ks_feols_name(m, j));
        fprintf(out, ", \"estimate\": ");
        cli_json_num(out, ks_feols_coef(m, j));
        fprintf(out, ", \"std_error\": ");
        cli_json_num(out, ks_feols_se(m, j));
        fprintf(out, ", \"t\": ");
        cli_json_num(out, ks_feols_tstat(m, j));
        fprintf(out, ", \"p\": ");
        cli_json_num(out, ks_feols_pvalue(m, j));
        fprintf(out, ", \"ci_low\": ");
        cli_json_num(out, lo);
        fprintf(out, ", \"ci_high\": ");
        cli_json_num(out, hi);
        fprintf(out, ", \"collinear\": %s}", ks_feols_is_collinear(m, j) ? "true" : "false");
    }
    fprintf(out, "\n]}\n");
}
