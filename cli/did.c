/* did.c — `kestrel did <estimator>`: dispatch to the difference-in-differences estimators. */
#include <string.h>

#include "cli.h"

typedef struct {
    const char *name;
    int (*run)(int, char **);
    const char *summary;
} estimator;

static const estimator estimators[] = {
    {"cs", cmd_did_cs, "Callaway & Sant'Anna staggered DiD (R did's att_gt + aggte)"},
    {"sdid", cmd_did_sdid, "synthetic difference-in-differences (R synthdid)"},
    {"basic", cmd_did_basic, "the 2x2 regression y ~ treated * post (fixest's numbers)"},
    {"twfe", cmd_did_twfe, "two-way fixed effects y ~ treated:post | unit + time"},
    {"sunab", cmd_did_sunab, "Sun & Abraham interaction-weighted event study"},
    {"bacon", cmd_did_bacon, "Goodman-Bacon decomposition of two-way fixed effects"},
    {"imputation", cmd_did_imputation, "Borusyak, Jaravel & Spiess imputation (didimputation)"},
    {"twostage", cmd_did_twostage, "Gardner's two-stage DiD (R did2s)"},
    {"power", cmd_did_power, "power, MDE and sample size; pre-trends test power (Roth 2022)"},
    {"stacked", cmd_did_stacked, "stacked DiD with corrective weights (Wing et al. 2024)"},
    {"ddd", cmd_did_ddd, "two-period triple difference (R triplediff's ddd)"},
    {"honest", cmd_did_honest, "HonestDiD sensitivity intervals (R HonestDiD's numbers)"},
};

int cmd_did(int argc, char **argv)
{
    const size_t n = sizeof estimators / sizeof *estimators;
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        FILE *f = argc < 2 ? stderr : stdout;
        fprintf(f, "usage: kestrel did <estimator> [options]   (kestrel did <estimator> "
                   "--help)\n\nestimators:\n");
        for (size_t i = 0; i < n; i++)
            fprintf(f, "  %-10s %s\n", estimators[i].name, estimators[i].summary);
        return argc < 2 ? CLI_USAGE : CLI_OK;
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(argv[1], estimators[i].name)) return estimators[i].run(argc - 1, argv + 1);
    fprintf(stderr, "kestrel did: unknown estimator '%s' (see kestrel did --help)\n", argv[1]);
    return CLI_USAGE;
}
