/* sumstats.c — `kestrel sumstats`: GenomicSEM's sumstats() from the shell, writing the merged
 * SNP table (TSV) and a log with GenomicSEM's sentences and kestrel's counts. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* "T,F,TRUE,false,1,0" -> k flags (s NULL: all 0) */
static int flag_list(const char *opt, const char *s, size_t k, int *out)
{
    for (size_t i = 0; i < k; i++) out[i] = 0;
    if (!s) return CLI_OK;
    size_t m = 0;
    const char **l = NULL;
    int rc = cli_list("sumstats", opt, s, &l, &m);
    if (rc) return rc;
    if (m != k) {
        fprintf(stderr, "kestrel sumstats: %s has %zu values for %zu files\n", opt, m, k);
        rc = CLI_USAGE;
    }
    for (size_t i = 0; !rc && i < k; i++) {
        static const char *const yes[] = {"T", "TRUE", "True", "true", "1"};
        static const char *const no[] = {"F", "FALSE", "False", "false", "0"};
        int v = -1;
        for (int j = 0; j < 5; j++) {
            if (!strcmp(l[i], yes[j])) v = 1;
            if (!strcmp(l[i], no[j])) v = 0;
        }
        if (v < 0) {
            fprintf(stderr, "kestrel sumstats: %s: '%s' is not T or F\n", opt, l[i]);
            rc = CLI_USAGE;
        }
        out[i] = v;
    }
    free(l);
    return rc;
}

static void write_log(ks_text_writer *w, const ks_gsem_sumstats_view *r, const char *const *paths,
                      const char *ref, const ks_gsem_sumstats_options *o, const char *out)
{
    static const char *const canon[10] = {"SNP", "A1", "A2", "effect", "INFO",
                                          "P",   "N",  "MAF", "SE",     "DIRECTION"};
    ks_text_printf(w, "Applying the MAF filter of %g to the reference file %s: %zu of %zu SNPs "
                      "kept.\n\n", o->maf_filter, ref, r->ref_kept, r->ref_rows);
    for (size_t t = 0; t < r->k; t++) {
        const ks_gsem_sumstats_report *p = &r->reports[t];
        const char *f = paths[t];
        ks_text_printf(w, "Preparing summary statistics for file: %s\n", f);
        for (int c = 0; c < 10; c++)
            if (p->used[c])
                ks_text_printf(w, "Interpreting the %s column as the %s column.\n", p->used[c],
                               canon[c]);
        if (o->N[t] > 0) ks_text_printf(w, "Using user provided N of %g for %s.\n", o->N[t], f);
        ks_text_printf(w, "%zu rows present in the full %s summary statistics file.\n", p->rows,
                       f);
        if (p->short_rows)
            ks_text_printf(w, "%zu rows had fewer fields than the header: their last cells were "
                              "read as NA.\n", p->short_rows);
#define LINE(count, why)                                                                           \
    if (count)                                                                                     \
    ks_text_printf(w, "%zu rows were removed from the %s summary statistics file " why ".\n",     \
                   (size_t)(count), f)
        LINE(p->duplicated, "due to entries that were duplicated for rsID");
        LINE(p->direction_low, "due to missingness across 50%% or more of contributing cohorts");
        LINE(p->not_in_ref, "as the rsIDs for these SNPs were not present in the reference file");
        LINE(p->p_missing, "due to missing values in the P-value column");
        LINE(p->effect_missing, "due to missing values in the effect column");
        LINE(p->maf_invalid, "due to allele frequencies missing or printed as exactly 1 or 0");
        LINE(p->or_negative, "due to negative odds ratios");
        LINE(p->effect_zero, "due to effect values estimated at exactly 0");
        LINE(p->a1_mismatch, "due to the effect allele (A1) column not matching A1 or A2 in the "
                             "reference file");
        LINE(p->a2_mismatch, "due to the other allele (A2) column not matching A1 or A2 in the "
                             "reference file");
        LINE(p->info_low, "due to INFO values below the designated threshold");
        LINE(p->info_missing, "due to missing INFO values");
        LINE(p->n_invalid, "due to N values that are missing or not a number > 0");
        LINE(p->p_zero, "due to P-values of 0 (their Z is infinite)");
        LINE(p->not_finite, "as their standardized beta or SE is not a finite number");
#undef LINE
        ks_text_printf(w, "The effect column was determined %sto be coded as an odds ratio (OR) "
                          "for the %s summary statistics file.\n",
                       p->effect_is_or ? "" : "NOT ", f);
        if (!p->used[4]) ks_text_puts(w, "No INFO column, cannot filter on INFO, which may "
                                         "influence results\n");
        ks_text_printf(w, "%zu SNPs are left in the summary statistics file %s after QC and "
                          "merging with the reference file.\n", p->written, f);
        if (p->mean_abs_z > 5)
            ks_text_printf(w, "WARNING: The average value of estimate over standard error (i.e., "
                              "Z) is > 5 for %s. This suggests a column was misinterpreted or "
                              "arguments were misspecified.\n", f);
        ks_text_puts(w, "\n");
    }
    ks_text_printf(w, "After merging across all summary statistics using listwise deletion, "
                      "performing QC, and merging with the reference file, there are %zu SNPs "
                      "left in the final multivariate summary statistics file %s\n", r->n, out);
}

int cmd_sumstats(int argc, char **argv)
{
    const char *files = NULL, *ref = NULL, *tn = NULL, *N = NULL, *info = NULL, *maf = NULL,
               *cols = NULL, *out = NULL, *threads = NULL, *sel = NULL, *ols = NULL,
               *lin = NULL, *bet = NULL, *indel = NULL, *ambig = NULL, *direct = NULL;
    const cli_opt opts[] = {
        {"files", 1, &files, "LIST", "the raw files, comma-separated (the order of ldsc's traits)"},
        {"ref", 1, &ref, "FILE", "the reference (SNP A1 A2 MAF; every column is carried over)"},
        {"se-logit", 1, &sel, "LIST", "per file T/F: the SE column is a logistic SE (required)"},
        {"ols", 1, &ols, "LIST", "per file T/F: a continuous trait (beta from Z, N, MAF;\n"
                                 "Python: OLS)"},
        {"linprob", 1, &lin, "LIST", "per file T/F: a binary trait run as a linear probability "
                                     "model"},
        {"betas", 1, &bet, "LIST", "per file T/F: OLS betas already standardized"},
        {"N", 1, &N, "LIST", "per file sample size, NA for the N column (default: all NA)"},
        {"trait-names", 1, &tn, "LIST", "names (default: the file names)"},
        {"info-filter", 1, &info, "X", "remove rows with INFO below X (0.6)"},
        {"maf-filter", 1, &maf, "X", "remove reference SNPs with MAF below X (0.01)"},
        {"keep-indel", 0, &indel, NULL, "keep alleles other than A C G T"},
        {"ambig", 0, &ambig, NULL, "remove strand-ambiguous reference SNPs (A/T, C/G)"},
        {"direct-filter", 0, &direct, NULL, "remove rows with '?' for half or more of DIRECTION"},
        {"column-names", 1, &cols, "LIST",
         "column names for GenomicSEM's names: SNP=MarkerName,SE=se_or", "columns"},
        {"out", 1, &out, "FILE", "the table (default <trait1>_<trait2>..._sumstats.tsv.gz;\n"
                                 "gzip for .gz); the log goes beside it, in --out's directory,\n"
                                 "as <trait1>_<trait2>..._sumstats.log; both are written\n"
                                 "together (a failed run leaves an earlier run's)"},
        {"threads", 1, &threads, "N", "files read in parallel, at most (default 0: all cores,\n"
                                      "one per 8 MB of input)"},
    };
    int rc = cli_parse_help(
        "sumstats", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel sumstats --files A.txt.gz,B.txt.gz --ref REF --se-logit F,T "
        "[options]\n\n"
        "GenomicSEM's sumstats(): each raw GWAS file aligned to the reference (SNP A1 A2 "
        "MAF\n..., e.g. reference.1000G.maf.0.005.txt) and standardized; the SNPs "
        "present in every\nfile are written to --out (the reference's columns, then "
        "beta.<trait> se.<trait>),\nwith a log of the rows each rule removed.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!files || !ref || !sel) {
        fprintf(stderr, "kestrel sumstats: --files, --ref and --se-logit are required (see "
                        "--help)\n");
        return CLI_USAGE;
    }
    ks_gsem_sumstats_options o = KS_GSEM_SUMSTATS_OPTIONS_INIT;
    if ((info && cli_num("sumstats", "--info-filter", info, &o.info_filter)) ||
        (maf && cli_num("sumstats", "--maf-filter", maf, &o.maf_filter)))
        return CLI_USAGE;
    o.keep_indel = indel != NULL;
    o.ambig = ambig != NULL;
    o.direct_filter = direct != NULL;
    cli_traits tr;
    if ((rc = cli_traits_get("sumstats", "--files", files, tn, &tr))) return rc;
    const size_t k = tr.n;
    const char **paths = tr.paths;
    char **names = tr.names, *outname = NULL, *logname = NULL;
    size_t nc = 0;
    const char **clist = NULL;
    if (cols && (rc = cli_list("sumstats", "--column-names", cols, &clist, &nc))) {
        cli_traits_free(&tr);
        return rc;
    }
    double *Nv = NULL;
    int *fl = NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_sumstats *res = NULL;
    ks_gsem_sumstats_view v;
    const ks_gsem_sumstats_view *r = &v;
    ks_text_group *g = NULL;
    rc = CLI_FAILED;
    Nv = calloc(k, sizeof *Nv);
    fl = calloc(4 * k, sizeof *fl);
    if (!Nv || !fl) {
        fprintf(stderr, "kestrel sumstats: out of memory\n");
        goto done;
    }
    if ((rc = cli_num_list("sumstats", "--N", N, k, Nv)) ||
        (rc = flag_list("--se-logit", sel, k, fl)) || (rc = flag_list("--ols", ols, k, fl + k)) ||
        (rc = flag_list("--linprob", lin, k, fl + 2 * k)) ||
        (rc = flag_list("--betas", bet, k, fl + 3 * k)))
        goto done;
    for (size_t t = 0; t < k; t++)
        if (!isnan(Nv[t]) && !(Nv[t] > 0.0 && isfinite(Nv[t]))) {
            fprintf(stderr, "kestrel sumstats: --N: %g (file %zu, %s) is not a number > 0 (NA: "
                            "the file's N column)\n", Nv[t], t + 1, paths[t]);
            rc = CLI_USAGE;
            goto done;
        }
    rc = CLI_FAILED;
    o.N = Nv;
    o.se_logit = fl;
    o.ols = fl + k;
    o.linprob = fl + 2 * k;
    o.betas = fl + 3 * k;
    o.columns = clist;
    /* <dir of --out>/<T1_T2...>_sumstats.log, and the table's default name */
    size_t len = 64 + (out ? strlen(out) : 0);
    for (size_t t = 0; t < k; t++) len += strlen(names[t]) + 1;
    outname = malloc(len);
    logname = malloc(len);
    if (!outname || !logname) goto done;
    const char *slash = out ? strrchr(out, '/') : NULL;
    size_t at = slash ? (size_t)(slash - out + 1) : 0;
    memcpy(logname, out ? out : "", at);
    for (size_t t = 0; t < k; t++) at += (size_t)sprintf(logname + at, "%s%s", t ? "_" : "", names[t]);
    strcpy(logname + at, "_sumstats.tsv.gz");
    strcpy(outname, out ? out : logname);
    strcpy(logname + at, "_sumstats.log");
    if ((rc = cli_ctx(&ctx, "sumstats", threads)) != CLI_OK) goto done;
    rc = CLI_FAILED;
    if (!strcmp(outname, logname)) {
        fprintf(stderr, "kestrel sumstats: --out %s is the log's name\n", out);
        rc = CLI_USAGE;
        goto done;
    }
    ks_text_writer *w;
    if (ks_gsem_sumstats_run(ctx, k, paths, ref, &o, &res) != KS_OK ||
        ks_text_group_new(ctx, &g) != KS_OK || /* the table and its log: both or neither */
        ks_gsem_sumstats_write_group(ctx, g, res, (const char *const *)names, k, outname) !=
            KS_OK ||
        ks_text_group_create(ctx, g, logname, 0, &w) != KS_OK) {
        rc = cli_fail(ctx, "sumstats");
        goto done;
    }
    ks_gsem_sumstats_get(res, &v);
    write_log(w, r, paths, ref, &o, outname);
    const int ok = ks_text_commit(w) == KS_OK;
    ks_text_group *gg = g;
    g = NULL;
    if (!ok || ks_text_group_commit(gg) != KS_OK) {
        if (!ok) ks_text_group_abort(gg);
        rc = cli_fail(ctx, "sumstats");
        goto done;
    }
    for (size_t t = 0; t < k; t++)
        printf("%s: %zu SNPs after QC (%zu rows)%s\n", paths[t], r->reports[t].written,
               r->reports[t].rows,
               r->reports[t].mean_abs_z > 5 ? " WARNING: mean |beta/SE| > 5" : "");
    printf("%zu SNPs in every file: %s\nlog: %s\n", r->n, outname, logname);
    rc = CLI_OK;
done:
    ks_text_group_abort(g);
    ks_gsem_sumstats_free(res);
    cli_traits_free(&tr);
    free(Nv);
    free(fl);
    free(outname);
    free(logname);
    free(clist);
    ks_ctx_free(ctx);
    return rc;
}
