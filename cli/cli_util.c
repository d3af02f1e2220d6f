/* cli_util.c — option parsing, the context with logging to stderr, and result printing. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

static int is_named(const char *opt, const char *name, size_t len)
{
    return opt && strlen(opt) == len && !strncmp(opt, name, len);
}

/* The option table of this run and which options were given by their alias, so that a
 * message about a value names the option as the user typed it (one command per process). */
static const cli_opt *parsed;
static size_t nparsed;
static unsigned char by_alias[256];

/* "--name", or "--alias" where the user wrote the alias. */
static const char *spelled(const char *opt)
{
    for (size_t j = 0; j < nparsed && j < sizeof by_alias; j++)
        if (by_alias[j] && !strncmp(opt, "--", 2) && !strcmp(parsed[j].name, opt + 2)) {
            static char buf[128];
            snprintf(buf, sizeof buf, "--%s", parsed[j].alias);
            return buf;
        }
    return opt;
}

int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t nopts)
{
    parsed = opts;
    nparsed = nopts;
    memset(by_alias, 0, sizeof by_alias);
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
            if (is_named(opts[j].name, name, len) || is_named(opts[j].alias, name, len)) {
                o = &opts[j];
                if (j < sizeof by_alias) by_alias[j] = !is_named(opts[j].name, name, len);
            }
        if (!o) {
            fprintf(stderr, "kestrel %s: unknown option '--%.*s' (see kestrel %s --help)\n", cmd,
                    (int)len, name, cmd);
            return CLI_USAGE;
        }
        if (!o->takes_value) {
            *o->value = "1";
        } else if (eq) {
            *o->value = eq + 1;
        } else if (i + 1 < argc && !strcmp(argv[i + 1], "--help")) {
            return -1; /* "--h2 --help": the help, not a file named --help */
        } else if (i + 1 < argc) {
            *o->value = argv[++i];
        } else {
            fprintf(stderr, "kestrel %s: option '--%s' needs a value\n", cmd, o->name);
            return CLI_USAGE;
        }
    }
    return CLI_OK;
}

/* "--name ARG" of an option, as the help shows it. */
static int opt_label(char *buf, size_t n, const cli_opt *o)
{
    return snprintf(buf, n, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
}

void cli_help(const char *head, const cli_opt *opts, size_t nopts, const char *tail)
{
    enum { MAX_COL = 26 }; /* a longer label puts its help on the next line */
    char label[128];
    int col = 0;
    for (size_t i = 0; i < nopts; i++) {
        const int w = opt_label(label, sizeof label, &opts[i]);
        if (w <= MAX_COL && w > col) col = w;
    }
    fputs(head, stdout);
    printf("\noptions:\n");
    for (size_t i = 0; i < nopts; i++) {
        const cli_opt *o = &opts[i];
        const int w = opt_label(label, sizeof label, o);
        printf("  %s", label);
        if (w > col) printf("\n  %*s", col, "");
        else printf("%*s", col - w, "");
        const char *h = o->help ? o->help : "";
        for (const char *nl; (nl = strchr(h, '\n')); h = nl + 1)
            printf("  %.*s\n  %*s", (int)(nl - h), h, col, "");
        printf("  %s", h);
        if (o->alias) printf("%s(also --%s)", *h ? " " : "", o->alias);
        putchar('\n');
    }
    printf("  %-*s  this text\n", col, "--help");
    if (tail) printf("\n%s", tail);
}

int cli_parse_help(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t nopts,
                   const char *head, const char *tail)
{
    const int rc = cli_parse(cmd, argc, argv, opts, nopts);
    if (rc < 0) cli_help(head, opts, nopts, tail);
    return rc;
}

static void log_to_stderr(void *ud, ks_log_level level, const char *msg)
{
    (void)ud;
    if (level >= KS_LOG_INFO)
        fprintf(stderr, "%s: %s\n", level == KS_LOG_WARN ? "warning" : "note", msg);
}

/* Seconds as "1h02m", "3m07s" or "12s". */
static void clock_text(double s, char *buf, size_t n)
{
    const unsigned long t = s > 0 && s < 1e9 ? (unsigned long)(s + 0.5) : 0;
    if (t >= 3600)
        snprintf(buf, n, "%luh%02lum", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, n, "%lum%02lus", t / 60, t % 60);
    else
        snprintf(buf, n, "%lus", t);
}

/* A one-line progress display on stderr, only when it is a terminal: the share done, the time
 * elapsed, the rate (units of the caller's count per second) and the time left at that rate.
 * The clock starts at a task's first report (a new `what` restarts it). */
static void progress_to_tty(void *ud, const char *what, uint64_t done, uint64_t total)
{
    (void)ud;
    static const char *task;
    static struct timespec t0;
    static uint64_t done0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (task != what || done < done0) {
        task = what;
        t0 = now;
        done0 = done;
    }
    if (total == 0) return;
    const double el = (double)(now.tv_sec - t0.tv_sec) + 1e-9 * (double)(now.tv_nsec - t0.tv_nsec);
    const double rate = el > 0 ? (double)(done - done0) / el : 0.0;
    char e[32], l[32] = "?";
    clock_text(el, e, sizeof e);
    if (rate > 0) clock_text((double)(total - (done < total ? done : total)) / rate, l, sizeof l);
    static const char unit[] = " kMGT";
    double r = rate;
    int u = 0;
    while (r >= 1000.0 && u < 4) {
        r /= 1000.0;
        u++;
    }
    fprintf(stderr, "\r%s: %3.0f%%  %s elapsed, %.3g%.*s/s, ETA %s\033[K", what,
            100.0 * (double)done / (double)total, e, r, u > 0, unit + u, l);
    if (done >= total) {
        fprintf(stderr, "\r\033[K");
        task = NULL;
    }
}

int cli_ctx(ks_ctx **ctx, const char *cmd, const char *threads)
{
    if (ks_ctx_new(ctx) != KS_OK) {
        fprintf(stderr, "kestrel %s: out of memory\n", cmd);
        return CLI_FAILED;
    }
    ks_ctx_set_log(*ctx, log_to_stderr, NULL);
    if (isatty(STDERR_FILENO)) ks_ctx_set_progress(*ctx, progress_to_tty, NULL);
    if (threads) {
        char *end;
        long t = strtol(threads, &end, 10);
        if (!*threads || *end || t < 0 || t > 65536 || ks_ctx_set_threads(*ctx, (int)t) != KS_OK) {
            fprintf(stderr, "kestrel %s: --threads '%s' is not a count (0 or more; 0: the "
                            "default)\n", cmd, threads);
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
        fprintf(stderr, "kestrel %s: %s '%s' is not a number\n", cmd, spelled(opt), s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_positive(const char *cmd, const char *opt, const char *s, double *out)
{
    char *end;
    *out = strtod(s, &end);
    if (!*s || *end || !(*out > 0) || !isfinite(*out)) {
        fprintf(stderr, "kestrel %s: %s '%s' is not a positive number\n", cmd, spelled(opt), s);
        return CLI_USAGE;
    }
    return CLI_OK;
}

int cli_int(const char *cmd, const char *opt, const char *s, long lo, long *out)
{
    char *end;
    *out = strtol(s, &end, 10);
    if (!*s || *end || *out < lo) {
        fprintf(stderr, "kestrel %s: %s '%s' is not an integer >= %ld\n", cmd, spelled(opt), s,
                lo);
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
    fprintf(stderr, "kestrel %s: %s '%s' is not one of:", cmd, spelled(opt), s);
    for (size_t i = 0; i < n; i++) fprintf(stderr, " %s", names[i].name);
    fputc('\n', stderr);
    return CLI_USAGE;
}

static ks_ctx *names_ctx;

static void names_ctx_free(void) { ks_ctx_free(names_ctx); }

ks_ctx *cli_names_ctx(void)
{
    if (!names_ctx) {
        if (ks_ctx_new(&names_ctx) != KS_OK) {
            fprintf(stderr, "kestrel: out of memory\n");
            exit(CLI_FAILED);
        }
        atexit(names_ctx_free);
    }
    return names_ctx;
}

int cli_enum_fail(const char *cmd, const char *opt, const char *s)
{
    fprintf(stderr, "kestrel %s: %s '%s': %s\n", cmd, spelled(opt), s, ks_errmsg(names_ctx));
    return CLI_USAGE;
}

int cli_list(const char *cmd, const char *opt, const char *s, const char ***items, size_t *n)
{
    size_t k = 1;
    const size_t len = strlen(s);
    for (const char *p = s; *p; p++) k += *p == ',';
    /* the pointers, then a copy of the text they point into: one block, freed once */
    char **v = malloc((k + 1) * sizeof *v + len + 1);
    if (!v) {
        fprintf(stderr, "kestrel %s: out of memory\n", cmd);
        return CLI_FAILED;
    }
    char *text = (char *)(v + k + 1);
    memcpy(text, s, len + 1);
    size_t i = 0;
    for (char *p = text;;) {
        char *comma = strchr(p, ',');
        if (comma) *comma = 0;
        if (!*p) {
            fprintf(stderr, "kestrel %s: %s '%s' has an empty item\n", cmd, spelled(opt), s);
            free(v);
            return CLI_USAGE;
        }
        v[i++] = p;
        if (!comma) break;
        p = comma + 1;
    }
    v[i] = NULL;
    *items = (const char **)v;
    *n = i;
    return CLI_OK;
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

void cli_print_effect(FILE *out, const char *label, double est, double se, double t, double p,
                      double lo, double hi)
{
    if (se == 0) /* no inference without a positive standard error (0: an exact fit) */
        fprintf(stderr,
                "warning: the standard error of %s is 0 (the residuals are zero: an exact "
                "fit): t, p-value and interval are NaN\n",
                label);
    const char *st = stars(p);
    fprintf(out, "%-12s %12.6f %12.6f %9.3f %10.4g %12.6f %12.6f%s%s\n", label, est, se, t, p, lo,
            hi, *st ? " " : "", st);
}

void cli_print_effect_header(FILE *out)
{
    fprintf(out, "%-12s %12s %12s %9s %10s %12s %12s\n", "", "estimate", "std.err", "t",
            "Pr(>|t|)", "ci.lower", "ci.upper");
}

char *cli_read_file(const char *cmd, const char *path)
{
    const size_t max = (size_t)1 << 30;
    errno = 0;
    FILE *f = fopen(path, "rb");
    struct stat st;
    const int err = !f ? errno : fstat(fileno(f), &st) ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (err) {
        fprintf(stderr, "kestrel %s: %s: cannot open: %s\n", cmd, path, strerror(err));
        if (f) fclose(f);
        return NULL;
    }
    size_t len = 0, cap = 1 << 16;
    char *s = malloc(cap);
    const char *why = s ? NULL : "out of memory";
    while (!why) {
        if (len >= max) {
            why = "larger than 1 GiB";
            break;
        }
        if (len + 1 == cap) {
            const size_t ncap = 2 * cap > max + 1 ? max + 1 : 2 * cap;
            char *b = realloc(s, ncap);
            if (!b) {
                why = "out of memory";
                break;
            }
            s = b;
            cap = ncap;
        }
        const size_t got = fread(s + len, 1, cap - 1 - len, f);
        if (memchr(s + len, '\0', got)) why = "a NUL byte: not a text file";
        len += got;
        if (!got) break;
    }
    if (!why && ferror(f)) why = strerror(errno);
    fclose(f);
    if (why) {
        fprintf(stderr, "kestrel %s: %s: cannot read: %s\n", cmd, path, why);
        free(s);
        return NULL;
    }
    s[len] = '\0';
    return s;
}

int cli_fail(ks_ctx *ctx, const char *what)
{
    fprintf(stderr, "kestrel %s: %s\n", what, ks_errmsg(ctx));
    return CLI_FAILED;
}

int cli_parse_vcov(const char *cmd, const char *s, ks_feols_options *opt)
{
    if (!s) {
        opt->vcov = KS_VCOV_IID;
    } else if (!strncmp(s, "CRV1:", 5) && s[5]) {
        opt->vcov = KS_VCOV_CRV1;
        opt->cluster = s + 5;
    } else if (CLI_ENUM(cmd, "--vcov", s, vcov_kind, &opt->vcov)) {
        return CLI_USAGE;
    } else if (opt->vcov == KS_VCOV_CRV1) {
        fprintf(stderr, "kestrel %s: --vcov 'CRV1' needs its cluster columns: CRV1:col[+col2]\n",
                cmd);
        return CLI_USAGE;
    }
    return CLI_OK;
}

void cli_print_feols(FILE *out, const ks_feols *m, const char *formula)
{
    ks_feols_view v;
    ks_feols_get(m, &v);
    fprintf(out, "OLS estimation: %s\n", formula);
    fprintf(out, "Observations: %zu", v.nobs);
    for (size_t d = 0; d < v.n_fe; d++)
        fprintf(out, "%s%s (%zu)", d ? ", " : "   Fixed effects: ", v.fe_names[d], v.fe_levels[d]);
    fprintf(out, "\nStandard errors: %s\n", v.vcov_label);
    fprintf(out, "%-20s %14s %14s %9s %10s\n", "", "Estimate", "Std. Error", "t value", "Pr(>|t|)");
    for (size_t j = 0; j < v.ncoef; j++) {
        if (v.collinear[j]) {
            fprintf(out, "%-20s %14s   (removed: collinear)\n", v.names[j], "-");
            continue;
        }
        const double p = v.pvalue[j];
        fprintf(out, "%-20s %14.6g %14.6g %9.3f %10.3g %s\n", v.names[j], v.coef[j], v.se[j],
                v.tstat[j], p, stars(p));
    }
    fprintf(out, "---\n%s\nRMSE: %.6g   R2: %.6g", CLI_STARS_LEGEND, sqrt(v.rss / (double)v.nobs),
            v.r2);
    if (v.n_fe) fprintf(out, "   Within R2: %.6g", v.r2_within);
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
    ks_feols_view v; /* fitted with the default alpha: the intervals are 95% */
    ks_feols_get(m, &v);
    fprintf(out, "{\"formula\": ");
    cli_json_str(out, formula);
    fprintf(out, ", \"vcov\": ");
    cli_json_str(out, v.vcov_label);
    fprintf(out, ", \"nobs\": %zu, \"n_na\": %zu, \"n_singletons\": %zu, \"df_t\": ", v.nobs,
            v.n_na, v.n_singletons);
    cli_json_num(out, v.df_t);
    fprintf(out, ", \"r2\": ");
    cli_json_num(out, v.r2);
    fprintf(out, ", \"r2_within\": ");
    cli_json_num(out, v.r2_within);
    fprintf(out, ", \"rss\": ");
    cli_json_num(out, v.rss);
    fprintf(out, ", \"fixef\": {");
    for (size_t d = 0; d < v.n_fe; d++) {
        fprintf(out, "%s", d ? ", " : "");
        cli_json_str(out, v.fe_names[d]);
        fprintf(out, ": %zu", v.fe_levels[d]);
    }
    fprintf(out, "}, \"coefficients\": [");
    for (size_t j = 0; j < v.ncoef; j++) {
        fprintf(out, "%s\n  {\"term\": ", j ? "," : "");
        cli_json_str(out, v.names[j]);
        fprintf(out, ", \"estimate\": ");
        cli_json_num(out, v.coef[j]);
        fprintf(out, ", \"std_error\": ");
        cli_json_num(out, v.se[j]);
        fprintf(out, ", \"t\": ");
        cli_json_num(out, v.tstat[j]);
        fprintf(out, ", \"p\": ");
        cli_json_num(out, v.pvalue[j]);
        fprintf(out, ", \"ci_low\": ");
        cli_json_num(out, v.ci_lower[j]);
        fprintf(out, ", \"ci_high\": ");
        cli_json_num(out, v.ci_upper[j]);
        fprintf(out, ", \"collinear\": %s}", v.collinear[j] ? "true" : "false");
    }
    fprintf(out, "\n]}\n");
}

int cli_conley_options(const char *cmd, const char *coords, const char *cutoff, const char *lag,
                       const char *metric, const char *kernel, ks_did_conley_options *o,
                       const char ***xy)
{
    *xy = NULL;
    if (!coords) {
        if (!cutoff && !lag && !metric && !kernel) return CLI_OK;
        fprintf(stderr,
                "kestrel %s: --conley-cutoff, --conley-lag, --conley-metric and --conley-kernel "
                "need --conley-coords\n",
                cmd);
        return CLI_USAGE;
    }
    size_t nxy = 0;
    long L = 0;
    int rc = cli_list(cmd, "--conley-coords", coords, xy, &nxy);
    if (rc) return rc;
    if (nxy != 2)
        fprintf(stderr, "kestrel %s: --conley-coords: expected two columns LAT,LON\n", cmd);
    if (nxy == 2 && !cutoff)
        fprintf(stderr, "kestrel %s: --conley-coords needs --conley-cutoff\n", cmd);
    if (nxy != 2 || !cutoff || cli_num(cmd, "--conley-cutoff", cutoff, &o->conley.cutoff) ||
        (lag && cli_int(cmd, "--conley-lag", lag, 0, &L))) {
        free(*xy);
        *xy = NULL;
        return CLI_USAGE;
    }
    o->lat = (*xy)[0], o->lon = (*xy)[1];
    o->conley.lag_cutoff = (int)L;
    if (metric) o->conley.metric = metric;
    if (kernel) o->conley.kernel = kernel;
    return CLI_OK;
}
