/* munge_sumstats.c — `kestrel munge --mode ldsc`: bulik ldsc's munge_sumstats.py from the shell,
 * with its flags, its output (PREFIX.sumstats.gz) and a log like its own (PREFIX.log). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Python 2's str() of a float, as munge_sumstats's log prints its numbers. */
static const char *pystr(double x, char *b)
{
    snprintf(b, 40, "%.12g", x);
    if (!strpbrk(b, ".eni")) strcat(b, ".0");
    return b;
}

/* str(round(x, 3)) */
static const char *round3(double x, char *b)
{
    snprintf(b, 40, "%.3f", x);
    char *p = b + strlen(b) - 1;
    while (*p == '0' && p[-1] != '.') *p-- = '\0';
    return b;
}

static const char *const DESCRIBE[KS_GSEM_LDSC_NCOL] = {
    "variant ID (e.g. rs number)",
    "allele 1, the reference allele of the signed statistic",
    "allele 2, the other allele",
    "p-value",
    "sample size",
    "number of cases",
    "number of controls",
    "signed summary statistic",
    "INFO score (imputation quality)",
    "allele frequency",
    "number of studies"};

/* The log of one file, munge_sumstats's sentences with kestrel's counts. */
static int write_log(ks_ctx *ctx, ks_text_group *g, const char *logpath, const char *call,
                     const char *path, const char *merge, const char *out,
                     const ks_gsem_munge_report *r, const ks_gsem_munge_options *o)
{
    const ks_gsem_munge_ldsc_report *l = &r->ldsc;
    char b1[40], b2[40];
    ks_text_writer *w;
    if (ks_text_group_create(ctx, g, logpath, 0, &w) != KS_OK) return -1;
    ks_text_printf(w,
                   "kestrel munge --mode ldsc: bulik ldsc's munge_sumstats.py rules\n"
                   "Call:\n%s\n\n",
                   call);
    const int daner = o->ldsc && o->ldsc->daner;
    if (daner)
        ks_text_printf(w, "Inferred that N_cas = %s, N_con = %s from the FRQ_[A/U] columns.\n",
                       pystr(l->N_cas, b1), pystr(l->N_con, b2));
    ks_text_puts(w, "Interpreting column names as follows:\n");
    for (int k = 0; k < KS_GSEM_LDSC_NCOL; k++)
        if (l->used[k] && k == 7 && !isnan(l->signed_null))
            ks_text_printf(w, "%s:\t%s (null value %s)\n", l->used[k], DESCRIBE[k],
                           pystr(l->signed_null, b1));
        else if (l->used[k])
            ks_text_printf(w, "%s:\t%s\n", l->used[k], DESCRIBE[k]);
    ks_text_puts(w, "\n");
    if (merge)
        ks_text_printf(w,
                       "Reading list of SNPs for allele merge from %s\nRead %zu SNPs for allele "
                       "merge.\n",
                       merge, l->merge_snps);
    ks_text_printf(w, "Reading sumstats from %s\n", path);
    if (l->info_out_of_range)
        ks_text_printf(w,
                       "WARNING: %zu SNPs had INFO outside of [0,2]. The INFO column may be "
                       "mislabeled.\n",
                       l->info_out_of_range);
    if (l->frq_out_of_range)
        ks_text_printf(w,
                       "WARNING: %zu SNPs had FRQ outside of [0,1]. The FRQ column may be "
                       "mislabeled.\n",
                       l->frq_out_of_range);
    if (l->p_out_of_range)
        ks_text_printf(w,
                       "WARNING: %zu SNPs had P outside of (0,1]. The P column may be "
                       "mislabeled.\n",
                       l->p_out_of_range);
    ks_text_printf(w, "Read %zu SNPs from --sumstats file.\n", r->rows);
    if (merge) ks_text_printf(w, "Removed %zu SNPs not in --merge-alleles.\n", l->not_in_merge);
    ks_text_printf(w,
                   "Removed %zu SNPs with missing values.\nRemoved %zu SNPs with INFO < %s.\n"
                   "Removed %zu SNPs with MAF <= %s.\nRemoved %zu SNPs with out-of-bounds "
                   "p-values.\nRemoved %zu variants that were not SNPs or were "
                   "strand-ambiguous.\n%zu SNPs remain.\n",
                   l->na, l->info_low, pystr(o->info_filter, b1), l->frq_low,
                   pystr(o->maf_filter, b2), l->p_bad, l->alleles_bad, l->left_filters);
    ks_text_printf(w, "Removed %zu SNPs with duplicated rs numbers (%zu SNPs remain).\n",
                   l->duplicates, l->left_duplicates);
    if (!isnan(l->n_min))
        ks_text_printf(w, "Removed %zu SNPs with N < %s (%zu SNPs remain).\n", l->n_low,
                       pystr(l->n_min, b1), l->left_n_filter);
    if (!isnan(l->nstudy_min))
        ks_text_printf(w, "Removed %zu SNPs with NSTUDY < %s (%zu SNPs remain).\n", l->nstudy_low,
                       pystr(l->nstudy_min, b1), l->left_n_filter);
    if (l->n_invalid)
        ks_text_printf(w, "Removed %zu SNPs with N not a number > 0 (%zu SNPs remain).\n",
                       l->n_invalid, l->left_n_valid);
    if (!isnan(l->N_const) && o->N != 0.0)
        ks_text_printf(w, "Using N = %s\n", pystr(o->N, b1));
    else if (!isnan(l->N_const) && !daner)
        ks_text_printf(w, "Using N_cas = %s; N_con = %s\n", pystr(l->N_cas, b1),
                       pystr(l->N_con, b2));
    if (!isnan(l->median_signed))
        ks_text_printf(w, "Median value of %s was %s, which seems sensible.\n", l->signed_name,
                       pystr(l->median_signed, b1));
    if (merge)
        ks_text_printf(w,
                       "Removed %zu SNPs whose alleles did not match --merge-alleles (%zu SNPs "
                       "remain).\n",
                       l->merge_mismatch, l->left_merge);
    ks_text_printf(w,
                   "Writing summary statistics for %zu SNPs (%zu with nonmissing beta) to "
                   "%s.\n\nMetadata:\n",
                   r->written, l->nonmissing, out);
    ks_text_printf(w, "Mean chi^2 = %s\n", round3(l->mean_chisq, b1));
    if (l->mean_chisq < 1.02) ks_text_puts(w, "WARNING: mean chi^2 may be too small.\n");
    ks_text_printf(w,
                   "Lambda GC = %s\nMax chi^2 = %s\n%zu Genome-wide significant SNPs (some "
                   "may have been removed by filtering).\n",
                   round3(l->lambda_gc, b1), round3(l->max_chisq, b2), l->n_sig);
    return ks_text_commit(w) == KS_OK ? 0 : -1;
}

/* The call as the log shows it, one option a line. */
static char *call_text(int argc, char **argv)
{
    size_t len = 32;
    for (int i = 1; i < argc; i++) len += strlen(argv[i]) + 4;
    char *s = malloc(len);
    if (!s) return NULL;
    strcpy(s, "kestrel munge");
    for (int i = 1; i < argc; i++) {
        strcat(s, !strncmp(argv[i], "--", 2) ? " \\\n" : " ");
        strcat(s, argv[i]);
    }
    return s;
}

/* The column-name flags as NAME=column entries, in *out (one block: free(*out)); CLI_OK, or
 * CLI_USAGE / CLI_FAILED with the message said. */
static int column_flags(const char *const *v, const char *const *key, int nk,
                        const char *info_list, const char ***out)
{
    const char **items = NULL;
    size_t ni = 0, bytes = 0;
    int rc = info_list ? cli_list("munge", "--info-list", info_list, &items, &ni) : CLI_OK;
    if (rc) return rc;
    for (int k = 0; k < nk; k++) bytes += v[k] ? strlen(key[k]) + strlen(v[k]) + 2 : 0;
    for (size_t i = 0; i < ni; i++) bytes += strlen(items[i]) + 6;
    const size_t nptr = (size_t)nk + ni + 1;
    const char **o = malloc(nptr * sizeof *o + bytes);
    if (!o) {
        free(items);
        fprintf(stderr, "kestrel munge: out of memory\n");
        return CLI_FAILED;
    }
    char *at = (char *)(o + nptr);
    size_t n = 0;
    for (int k = 0; k < nk; k++)
        if (v[k]) {
            o[n++] = at;
            at += sprintf(at, "%s=%s", key[k], v[k]) + 1;
        }
    for (size_t i = 0; i < ni; i++) {
        o[n++] = at;
        at += sprintf(at, "INFO=%s", items[i]) + 1;
    }
    o[n] = NULL;
    free(items);
    *out = o;
    return CLI_OK;
}

int cmd_munge_ldsc(int argc, char **argv)
{
    const char *mode = NULL, *sumstats = NULL, *out = NULL, *merge = NULL, *N = NULL, *ncas = NULL,
               *ncon = NULL, *info = NULL, *maf = NULL, *nmin = NULL, *smin = NULL, *daner = NULL,
               *dn = NULL, *sgn = NULL, *a1inc = NULL, *ignore = NULL, *keepmaf = NULL,
               *noall = NULL, *dec = NULL, *chunk = NULL, *threads = NULL, *infolist = NULL;
    const char *cv[10] = {NULL};
    static const char *const ckey[10] = {"SNP", "N", "N_CAS", "N_CON", "A1",
                                         "A2",  "P", "FRQ",   "INFO",  "NSTUDY"};
    const cli_opt opts[] = {
        {"mode", 1, &mode, "ldsc", "bulik ldsc's munge_sumstats.py (this help)"},
        {"sumstats", 1, &sumstats, "LIST", "the input files, comma-separated"},
        {"out", 1, &out, "LIST", "one output prefix per file (an ending .sumstats.gz,\n"
                                 ".sumstats or .log is not repeated)"},
        {"merge-alleles", 1, &merge, "FILE", "keep the SNPs of this list (SNP A1 A2), in its order; "
                                             "rows\nwhose alleles do not match it are written "
                                             "blank"},
        {"N", 1, &N, "X", "sample size (where the file has no N column)"},
        {"N-cas", 1, &ncas, "X", "number of cases (N = cases + controls)"},
        {"N-con", 1, &ncon, "X", "number of controls"},
        {"daner", 0, &daner, NULL, "Ripke's daner format: N from the FRQ_A_<n>, FRQ_U_<n> names"},
        {"daner-n", 0, &dn, NULL, "newer daner format: N from the Nca and Nco columns"},
        {"info-min", 1, &info, "X", "remove INFO below X (0.9)"},
        {"maf-min", 1, &maf, "X", "remove MAF not above X (0.01)"},
        {"n-min", 1, &nmin, "X", "remove N below X (default: 90th percentile of N / 1.5)"},
        {"nstudy-min", 1, &smin, "X", "remove NSTUDY below X (default: the largest; without N)"},
        {"signed-sumstats", 1, &sgn, "C,V", "the signed statistic's column and null value (BETA,0; "
                                            "OR,1)"},
        {"a1-inc", 0, &a1inc, NULL, "no signed statistic: A1 is the increasing allele"},
        {"ignore", 1, &ignore, "LIST", "columns not to read"},
        {"keep-maf", 0, &keepmaf, NULL, "write the FRQ column too"},
        {"no-alleles", 0, &noall, NULL, "do not require (or check) A1 and A2"},
        {"snp", 1, &cv[0], "NAME", "the SNP column's name, where munge_sumstats does not know it"},
        {"N-col", 1, &cv[1], "NAME", "the N column's name"},
        {"N-cas-col", 1, &cv[2], "NAME", "the N_CAS column's name"},
        {"N-con-col", 1, &cv[3], "NAME", "the N_CON column's name"},
        {"a1", 1, &cv[4], "NAME", "the A1 column's name"},
        {"a2", 1, &cv[5], "NAME", "the A2 column's name"},
        {"p", 1, &cv[6], "NAME", "the P column's name"},
        {"frq", 1, &cv[7], "NAME", "the FRQ column's name"},
        {"info", 1, &cv[8], "NAME", "the INFO column's name"},
        {"nstudy", 1, &cv[9], "NAME", "the NSTUDY column's name"},
        {"info-list", 1, &infolist, "LIST", "several INFO columns (munge_sumstats then stops: one "
                                            "allowed)"},
        {"decimals", 1, &dec, "K", "digits after the point of Z, N and FRQ (3, munge_sumstats's)"},
        {"chunksize", 1, &chunk, "N", "accepted for munge_sumstats's sake; the file is streamed"},
        {"threads", 1, &threads, "N", "files read in parallel, at most (default 0: all cores,\n"
                                      "one per 8 MB of input)"},
    };
    int rc = cli_parse_help(
        "munge", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel munge --mode ldsc --sumstats FILE --out PREFIX [options]\n\n"
        "bulik ldsc's munge_sumstats.py: a GWAS file (plain or gzip, whitespace-delimited) "
        "to\nPREFIX.sumstats.gz (SNP A1 A2 Z N, the file's alleles) and PREFIX.log. Several "
        "files:\n--sumstats A,B --out PA,PB (read in parallel). Every file is written "
        "together (a\nfailed run leaves an earlier run's as they were).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    (void)mode;
    (void)chunk;
    if (!sumstats || !out) {
        fprintf(stderr, "kestrel munge: --sumstats and --out are required with --mode ldsc (see "
                        "kestrel munge --mode ldsc --help)\n");
        return CLI_USAGE;
    }
    if (merge && noall) {
        fprintf(stderr, "kestrel munge: --no-alleles and --merge-alleles are not compatible\n");
        return CLI_USAGE;
    }
    ks_gsem_munge_options o = KS_GSEM_MUNGE_OPTIONS_INIT;
    ks_gsem_munge_ldsc_options lo = KS_GSEM_MUNGE_LDSC_OPTIONS_INIT;
    o.mode = KS_GSEM_MUNGE_LDSC;
    o.ldsc = &lo;
    long dl = 3;
    if ((N && cli_positive("munge", "--N", N, &o.N)) ||
        (ncas && cli_positive("munge", "--N-cas", ncas, &lo.N_cas)) ||
        (ncon && cli_positive("munge", "--N-con", ncon, &lo.N_con)) ||
        (info && cli_num("munge", "--info-min", info, &o.info_filter)) ||
        (maf && cli_num("munge", "--maf-min", maf, &o.maf_filter)) ||
        (nmin && cli_num("munge", "--n-min", nmin, &lo.n_min)) ||
        (smin && cli_num("munge", "--nstudy-min", smin, &lo.nstudy_min)) ||
        (dec && cli_int("munge", "--decimals", dec, 0, &dl)))
        return CLI_USAGE;
    lo.decimals = (int)dl;
    lo.signed_sumstats = sgn;
    lo.a1_inc = a1inc != NULL;
    lo.daner = daner != NULL;
    lo.daner_n = dn != NULL;
    lo.keep_maf = keepmaf != NULL;
    lo.no_alleles = noall != NULL;
    char *call = NULL;
    size_t n = 0, no = 0, ni = 0;
    const char **paths = NULL, **prefixes = NULL, **ign = NULL, **cols = NULL;
    char **outs = NULL;
    ks_gsem_munge *mr = NULL;
    ks_ctx *ctx = NULL;
    ks_text_group *g = NULL;
    if ((rc = cli_list("munge", "--sumstats", sumstats, &paths, &no)) ||
        (rc = cli_list("munge", "--out", out, &prefixes, &n)) ||
        (ignore && (rc = cli_list("munge", "--ignore", ignore, &ign, &ni))) ||
        (rc = column_flags(cv, ckey, 10, infolist, &cols)))
        goto done;
    rc = CLI_FAILED;
    if (!(call = call_text(argc, argv))) {
        fprintf(stderr, "kestrel munge: out of memory\n");
        goto done;
    }
    if (n != no) {
        fprintf(stderr, "kestrel munge: --out has %zu prefixes for %zu --sumstats files\n", n, no);
        rc = CLI_USAGE;
        goto done;
    }
    lo.ignore = ign;
    o.columns = cols;
    outs = calloc(2 * n, sizeof *outs);
    if (!outs) {
        fprintf(stderr, "kestrel munge: out of memory\n");
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        static const char *const ends[] = {".sumstats.gz", ".sumstats", ".log", NULL};
        char *pre = cli_out_prefix("munge", prefixes[i], ends);
        if (!pre) {
            rc = CLI_USAGE;
            goto done;
        }
        const size_t l = strlen(pre) + 16;
        if ((outs[i] = malloc(l)) && (outs[n + i] = malloc(l))) {
            snprintf(outs[i], l, "%s.sumstats.gz", pre);
            snprintf(outs[n + i], l, "%s.log", pre);
        }
        free(pre);
        if (!outs[i] || !outs[n + i]) {
            fprintf(stderr, "kestrel munge: out of memory\n");
            goto done;
        }
    }
    const ks_gsem_munge_report *rep = NULL; /* every file and its log: all or none (o.outputs) */
    if ((rc = cli_munge_run(threads, n, paths, outs, merge, &o, &ctx, &g, &mr, &rep))) goto done;
    for (size_t i = 0; i < n; i++)
        if (write_log(ctx, g, outs[n + i], call, paths[i], merge, outs[i], &rep[i], &o)) {
            rc = cli_fail(ctx, "munge");
            goto done;
        }
    g = NULL;
    if (ks_text_group_commit(o.outputs) != KS_OK) {
        rc = cli_fail(ctx, "munge");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s: %zu SNPs written to %s (%zu with values), log %s\n", paths[i], rep[i].written,
               outs[i], rep[i].ldsc.nonmissing, outs[n + i]);
    rc = CLI_OK;
done:
    ks_text_group_abort(g);
    ks_gsem_munge_free(mr);
    for (size_t i = 0; outs && i < 2 * n; i++) free(outs[i]);
    free(outs);
    free(paths);
    free(prefixes);
    free(ign);
    free(cols);
    free(call);
    ks_ctx_free(ctx);
    return rc;
}
