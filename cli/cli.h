/* cli.h — what the subcommands of the `kestrel` command share. */
#ifndef KS_CLI_H
#define KS_CLI_H

#include <stdio.h>

#include "kestrel/kestrel.h"

/* Exit statuses. */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A long option table entry: "--name" with or without a value. Option names are the Python
 * API's argument names with '-' for '_' (--control-group for control_group); an older or
 * shorter spelling stays accepted as `alias`. The help text is made from the table. */
typedef struct {
    const char *name; /* without the dashes */
    int takes_value;
    const char **value; /* where the value goes (or "1" for a flag) */
    const char *arg;    /* the value's placeholder in the help ("FILE"); NULL for a flag */
    const char *help;   /* what it does and its default; '\n' starts a continuation line */
    const char *alias;  /* another accepted name, or NULL */
} cli_opt;

/* Parse argv against opts; unknown options and missing values print a usage error. Returns
 * CLI_OK, CLI_USAGE, or -1 when --help was asked (the caller prints help and exits 0). */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t nopts);
/* The help of a command on stdout: `head` (the usage line and what the command does), the
 * options of the table in aligned columns (with their aliases), then `tail` (or NULL). */
void cli_help(const char *head, const cli_opt *opts, size_t nopts, const char *tail);
/* cli_parse with --help answered: the help (cli_help with head and tail) printed and -1
 * returned, on which the command returns CLI_OK; else cli_parse's CLI_OK or CLI_USAGE. */
int cli_parse_help(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t nopts,
                   const char *head, const char *tail);
/* A context with log lines on stderr ("note: ..."), threads from --threads (errors name `cmd`). */
int cli_ctx(ks_ctx **ctx, const char *cmd, const char *threads);
int cli_fail(ks_ctx *ctx, const char *what);

/* Option values: a number, a positive number, an integer >= lo, or one of named choices;
 * otherwise a usage error on stderr naming the command and option. */
int cli_num(const char *cmd, const char *opt, const char *s, double *out);
int cli_positive(const char *cmd, const char *opt, const char *s, double *out); /* > 0, finite */
int cli_int(const char *cmd, const char *opt, const char *s, long lo, long *out);
typedef struct {
    const char *name;
    int value;
} cli_name;
int cli_choice(const char *cmd, const char *opt, const char *s, const cli_name *names,
               size_t n, int *out);
/* An option naming a value of the library's enumeration ks_E (E without "ks_", e.g.
 * did_control): parsed by ks_E_value, so the command takes exactly the library's names and
 * aliases; otherwise a usage error with the library's message, which lists them. */
#define CLI_ENUM(cmd, opt, s, E, out)                                                              \
    (ks_##E##_value(cli_names_ctx(), s, out) == KS_OK ? CLI_OK : cli_enum_fail(cmd, opt, s))
/* The ctx CLI_ENUM's parsing reports into (made once, freed at exit). */
ks_ctx *cli_names_ctx(void);
int cli_enum_fail(const char *cmd, const char *opt, const char *s);
/* The n items of option opt's value "a,b,c" as a NULL-terminated list in one malloc'ed block
 * (free(*items) frees it all); an empty item ("a,,b", "a,", "") is a usage error naming the
 * option. CLI_OK, CLI_USAGE, or CLI_FAILED when out of memory (each said on stderr). */
int cli_list(const char *cmd, const char *opt, const char *s, const char ***items, size_t *n);
/* The --conley-coords LAT,LON, --conley-cutoff, --conley-lag, --conley-metric and
 * --conley-kernel values (NULL: not given) into o's lat, lon and kernel settings, *xy the
 * malloc'ed list the names point into (free it). Without coords, o is untouched and the others
 * must be absent. CLI_OK or CLI_USAGE / CLI_FAILED (said on stderr). */
int cli_conley_options(const char *cmd, const char *coords, const char *cutoff, const char *lag,
                       const char *metric, const char *kernel, ks_did_conley_options *o,
                       const char ***xy);
/* The whole of a text file (at most 1 GiB, no NUL byte) in a malloc'ed string, or NULL with
 * the reason on stderr: "kestrel CMD: PATH: cannot open: Is a directory". */
char *cli_read_file(const char *cmd, const char *path);
/* A table cell as text (integers exactly, numbers with 15 digits, NA for missing strings). */
void cli_cell(const ks_table *t, size_t col, size_t row, char *buf, size_t n);

/* JSON pieces: a string, a number (NaN and infinities as null), "name": [numbers]. */
void cli_json_str(FILE *out, const char *s);
void cli_json_num(FILE *out, double v);
void cli_json_array(FILE *out, const char *name, const double *v, size_t n);

/* One estimate as a table row: estimate, std.err, t, p and the 1 - alpha interval (as the
 * library's view carries them); the header row first. */
void cli_print_effect_header(FILE *out);
void cli_print_effect(FILE *out, const char *label, double est, double se, double t, double p,
                      double lo, double hi);

/* Print a fitted feols model as a table, or as JSON. */
void cli_print_feols(FILE *out, const ks_feols *m, const char *formula);
void cli_print_feols_json(FILE *out, const ks_feols *m, const char *formula);
/* Parse "iid", "hetero", "HC1".."HC3", "CRV1:unit+time" into opt; CLI_USAGE on error (the
 * message names `cmd`). */
int cli_parse_vcov(const char *cmd, const char *s, ks_feols_options *opt);

/* Print a Callaway & Sant'Anna fit: the cells, the Wald pre-test and the aggregations marked in
 * want[type] (tables, or one JSON object). */
int cli_did_cs_report(FILE *out, ks_ctx *ctx, const ks_did_cs *fit, const int want[4],
                      const ks_did_agg_options *aopt, double alpha, int json, const char *plot);

/* An event-study plot (estimates, est -/+ crit se intervals, against event time x) to an .svg or
 * .png file; CLI_OK, or an error on stderr naming `cmd`. */
int cli_plot_event_study(const char *cmd, const char *path, const char *title, const char *xlabel,
                         const double *x, const double *est, const double *se, double crit,
                         size_t n);

/* A fitted MARS model as earth prints it: terms and coefficients, the selection, the fit
 * statistics, variable importance; names of the predictors and responses. */
void cli_print_mars(const ks_mars_view *v, const char *const *names, const char *const *targets);

int cmd_feols(int argc, char **argv);
int cmd_did(int argc, char **argv);
int cmd_did_cs(int argc, char **argv);
int cmd_did_sdid(int argc, char **argv);
int cmd_did_basic(int argc, char **argv);
int cmd_did_twfe(int argc, char **argv);
int cmd_did_bacon(int argc, char **argv);
int cmd_did_sunab(int argc, char **argv);
int cmd_did_imputation(int argc, char **argv);
int cmd_did_twostage(int argc, char **argv);
int cmd_did_power(int argc, char **argv);
int cmd_did_stacked(int argc, char **argv);
int cmd_did_ddd(int argc, char **argv);
int cmd_did_honest(int argc, char **argv);
int cmd_mars(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_munge(int argc, char **argv);
int cmd_sumstats(int argc, char **argv);
int cmd_gwas(int argc, char **argv);
int cmd_commonfactorgwas(int argc, char **argv);
/* The genomic SEM commands' shared pieces: the files of a comma-separated option and their
 * trait names (--trait-names, else the files' names without their GWAS endings), freed with
 * cli_traits_free; "NA,NA,0.5" as k numbers (NA: NaN; s NULL: all NaN). */
typedef struct {
    const char **paths; /* (one cli_list block) */
    size_t n;
    char **names;
} cli_traits;
int cli_traits_get(const char *cmd, const char *opt, const char *files, const char *given,
                   cli_traits *t);
void cli_traits_free(cli_traits *t);
int cli_num_list(const char *cmd, const char *opt, const char *s, size_t k, double *out);
/* --out PREFIX less one of the endings the command gives its files (ends, NULL-terminated), so
 * that `--out x.log` writes x.log, not x.log.log; NULL, with a message, when no file name is
 * left (a bare directory). free() the result. */
char *cli_out_prefix(const char *cmd, const char *out, const char *const *ends);
/* The run both munge modes share: a ctx (--threads), the group that writes every output all
 * or none (o->outputs, *g; the caller commits or aborts it) and ks_gsem_munge_run, whose
 * reports *rep points to. CLI_OK, or the error said on stderr. */
int cli_munge_run(const char *threads, size_t n, const char *const *paths, char **outs,
                  const char *ref, ks_gsem_munge_options *o, ks_ctx **ctx, ks_text_group **g,
                  ks_gsem_munge **m, const ks_gsem_munge_report **rep);
int cmd_munge_ldsc(int argc, char **argv); /* munge --mode ldsc */
int cmd_ldsc(int argc, char **argv);
int cmd_ldsc_h2rg(int argc, char **argv); /* kestrel ldsc --h2 / --rg */
int cmd_describe(int argc, char **argv);
int cmd_sem(int argc, char **argv);
int cmd_usermodel(int argc, char **argv);    /* usermodel.c */
int cmd_commonfactor(int argc, char **argv); /* usermodel.c */

/* The demo panel, embedded at build time from data/panel.csv. */
extern const unsigned char ks_demo_panel_csv[];
extern const size_t ks_demo_panel_csv_len;
/* R did's mpdta, embedded from data/mpdta.csv. */
extern const unsigned char ks_demo_mpdta_csv[];
extern const size_t ks_demo_mpdta_csv_len;
/* R earth's ozone1, embedded from data/ozone1.csv. */
extern const unsigned char ks_demo_ozone1_csv[];
extern const size_t ks_demo_ozone1_csv_len;
extern const unsigned char ks_demo_gsem_txt[];
extern const size_t ks_demo_gsem_txt_len;

#endif
