/* main.c — the `kestrel` command: dispatch to subcommands, --version, --help. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} command;

static const command commands[] = {
    {"feols", cmd_feols, "linear regression with fixed effects and robust standard errors"},
    {"did", cmd_did, "difference-in-differences: cs, sdid, basic, twfe, sunab, bacon"},
    {"mars", cmd_mars, "multivariate adaptive regression splines (R earth's models): fit, predict"},
    {"munge", cmd_munge, "GWAS summary statistics to GenomicSEM's munged files (munge())"},
    {"sumstats", cmd_sumstats,
     "GWAS files aligned and standardized for GenomicSEM's GWAS (sumstats())"},
    {"ldsc", cmd_ldsc,
     "LD score regression: GenomicSEM's ldsc() (S, V, I); --h2 / --rg: bulik ldsc's"},
    {"usermodel", cmd_usermodel,
     "GenomicSEM's usermodel(): a lavaan model fitted to an ldsc covstruc"},
    {"commonfactor", cmd_commonfactor, "GenomicSEM's commonfactor(): one factor over every trait"},
    {"sem", cmd_sem, "structural equation models as R's lavaan fits them (lavaan's syntax)"},
    {"gwas", cmd_gwas, "GenomicSEM's userGWAS(): a model fitted per SNP (--method sem|gls)"},
    {"commonfactorgwas", cmd_commonfactorgwas, "GenomicSEM's commonfactorGWAS()"},
    {"describe", cmd_describe, "read a CSV/TSV (plain or gzip) and summarize its columns"},
    {"demo", cmd_demo, "run kestrel's jobs on the embedded sample data"},
};

static void usage(FILE *f)
{
    fprintf(f, "kestrel %s — one statistics engine: regression, DiD, MARS, genomic SEM\n\n",
            ks_version());
    fprintf(f, "usage: kestrel <command> [options]\n       kestrel <command> --help\n\n");
    fprintf(f, "commands:\n");
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n  --version  print the version\n  --help     this text\n");
}

/* Results go to stdout through its buffer, so a full disk or a failing device shows only when
 * the buffer is written: close stdout here, once for every command, and fail the run if anything
 * written to it was lost (otherwise `kestrel ... > /dev/full` would exit 0 with no table). */
static int close_stdout(const char *cmd, int rc)
{
    const int lost = ferror(stdout);
    errno = 0;
    if (fclose(stdout) != 0 || lost) {
        fprintf(stderr, "kestrel%s%s: cannot write to standard output: %s\n", cmd ? " " : "",
                cmd ? cmd : "", errno ? strerror(errno) : "write error");
        return rc ? rc : CLI_FAILED;
    }
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_USAGE;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        printf("kestrel %s\n%s\n", ks_version(), ks_build_info());
        return close_stdout(NULL, CLI_OK);
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return close_stdout(NULL, CLI_OK);
    }
    for (size_t i = 0; i < sizeof commands / sizeof *commands; i++)
        if (!strcmp(argv[1], commands[i].name))
            return close_stdout(commands[i].name, commands[i].run(argc - 1, argv + 1));
    fprintf(stderr, "kestrel: unknown command '%s' (see kestrel --help)\n", argv[1]);
    return CLI_USAGE;
}
