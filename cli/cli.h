/* cli.h — what the subcommands of the `kestrel` command share. */
#ifndef KS_CLI_H
#define KS_CLI_H

#include <stdio.h>

#include "kestrel/kestrel.h"

/* Exit statuses. */
enum { CLI_OK = 0, CLI_FAILED = 1, CLI_USAGE = 2 };

/* A long option table entry: "--name" with or without a value. */
typedef struct {
    const char *name; /* without the dashes */
    int takes_value;
    const char **value; /* where the value goes (or "1" for a flag) */
} cli_opt;

/* Parse argv against opts; unknown options and missing values print a usage error. Returns
 * CLI_OK, CLI_USAGE, or -1 when --help was asked (the caller prints help and exits 0). */
int cli_parse(const char *cmd, int argc, char **argv, const cli_opt *opts, size_t nopts);
/* A context with log lines on stderr ("note: ..."), threads from --threads. */
int cli_ctx(ks_ctx **ctx, const char *threads);
int cli_fail(ks_ctx *ctx, const char *what);

/* Print a fitted feols model as a table, or as JSON. */
void cli_print_feols(FILE *out, const ks_feols *m, const char *formula);
void cli_print_feols_json(FILE *out, const ks_feols *m, const char *formula);
/* Parse "iid", "hetero", "HC1".."HC3", "CRV1:unit+time" into opt; CLI_USAGE on error. */
int cli_parse_vcov(const char *s, ks_feols_options *opt);

/* Print a Callaway & Sant'Anna fit: the cells, the Wald pre-test and the aggregations marked in
 * want[type] (tables, or one JSON object). */
int cli_did_cs_report(FILE *out, ks_ctx *ctx, const ks_did_cs *fit, const int want[4],
                      const ks_did_agg_options *aopt, double alpha, int json);

int cmd_feols(int argc, char **argv);
int cmd_did(int argc, char **argv);
int cmd_demo(int argc, char **argv);
int cmd_describe(int argc, char **argv);

/* The demo panel, embedded at build time from data/panel.csv. */
extern const unsigned char ks_demo_panel_csv[];
extern const size_t ks_demo_panel_csv_len;
/* R did's mpdta, embedded from data/mpdta.csv. */
extern const unsigned char ks_demo_mpdta_csv[];
extern const size_t ks_demo_mpdta_csv_len;

#endif
