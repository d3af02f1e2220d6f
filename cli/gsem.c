/* gsem.c — `kestrel munge` and `kestrel ldsc`: GenomicSEM's munge() and ldsc() from the shell,
 * with GenomicSEM's outputs (`<trait>.sumstats.gz`; S, V, I, N, m as TSV files) and logs. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

/* "a,b" -> names without directories and the endings of GWAS files */
static char *base_name(const char *path)
{
    const char *b = strrchr(path, '/');
    char *s = strdup(b ? b + 1 : path);
    if (!s) return NULL;
    static const char *const ends[] = {".gz", ".txt", ".tsv", ".sumstats"};
    for (int k = 0; k < 4; k++) {
        const size_t n = strlen(s), m = strlen(ends[k]);
        if (n > m && !strcmp(s + n - m, ends[k])) s[n - m] = '\0';
    }
    return s;
}

void cli_traits_free(cli_traits *t)
{
    for (size_t i = 0; t->names && i < t->n; i++) free(t->names[i]);
    free(t->names);
    free(t->paths);
    memset(t, 0, sizeof *t);
}

int cli_traits_get(const char *cmd, const char *opt, const char *files, const char *given,
                   cli_traits *t)
{
    memset(t, 0, sizeof *t);
    int rc = cli_list(cmd, opt, files, &t->paths, &t->n);
    if (rc) return rc;
    if (!(t->names = calloc(t->n, sizeof *t->names))) {
        fprintf(stderr, "kestrel %s: out of memory\n", cmd);
        cli_traits_free(t);
        return CLI_FAILED;
    }
    const char **gl = NULL;
    size_t m = 0;
    if (given && (rc = cli_list(cmd, "--trait-names", given, &gl, &m))) {
        cli_traits_free(t);
        return rc;
    }
    if (given && m != t->n) {
        fprintf(stderr, "kestrel %s: --trait-names has %zu names for %zu files\n", cmd, m, t->n);
        rc = CLI_USAGE;
    }
    for (size_t i = 0; rc == CLI_OK && i < t->n; i++)
        if (!(t->names[i] = given ? strdup(gl[i]) : base_name(t->paths[i]))) {
            fprintf(stderr, "kestrel %s: out of memory\n", cmd);
            rc = CLI_FAILED;
        }
    free(gl);
    if (rc) cli_traits_free(t);
    return rc;
}

/* The munge mode a word names (the library's names), or -1 (with a message when `say`). */
static int munge_mode(const char *word, int say)
{
    ks_ctx *ctx = NULL;
    ks_gsem_munge_mode m = KS_GSEM_MUNGE_GENOMICSEM;
    if (ks_ctx_new(&ctx) != KS_OK) {
        if (say) fprintf(stderr, "kestrel munge: out of memory\n");
        return -1;
    }
    const int rc = ks_gsem_munge_mode_value(ctx, word, &m);
    if (rc && say) fprintf(stderr, "kestrel munge: --mode: %s\n", ks_errmsg(ctx));
    ks_ctx_free(ctx);
    return rc ? -1 : (int)m;
}

int cli_munge_run(const char *threads, size_t n, const char *const *paths, char **outs,
                  const char *ref, ks_gsem_munge_options *o, ks_ctx **ctx, ks_text_group **g,
                  ks_gsem_munge **m, const ks_gsem_munge_report **rep)
{
    const int rc = cli_ctx(ctx, "munge", threads);
    if (rc != CLI_OK) return rc;
    if (ks_text_group_new(*ctx, g) != KS_OK) return cli_fail(*ctx, "munge");
    o->outputs = *g;
    if (ks_gsem_munge_run(*ctx, n, paths, (const char *const *)outs, ref, o, m) != KS_OK)
        return cli_fail(*ctx, "munge");
    ks_gsem_munge_view v;
    ks_gsem_munge_get(*m, &v);
    *rep = v.reports;
    return CLI_OK;
}

int cmd_munge(int argc, char **argv)
{
    /* --mode ldsc: bulik ldsc's munge_sumstats.py (munge_sumstats.c) */
    for (int i = 1; i < argc; i++) {
        const char *w = !strcmp(argv[i], "--mode") && i + 1 < argc ? argv[i + 1]
                        : !strncmp(argv[i], "--mode=", 7)          ? argv[i] + 7
                                                                   : NULL;
        if (w && munge_mode(w, 0) == KS_GSEM_MUNGE_LDSC) return cmd_munge_ldsc(argc, argv);
    }
    const char *mode = NULL, *files = NULL, *hm3 = NULL, *tn = NULL, *N = NULL, *info = NULL, *maf = NULL,
               *cols = NULL, *outdir = ".", *threads = NULL;
    const cli_opt opts[] = {
        {"files", 1, &files, "LIST", "the raw GWAS files, comma-separated"},
        {"hm3", 1, &hm3, "FILE", "the reference SNP list (SNP A1 A2)"},
        {"trait-names", 1, &tn, "LIST", "output names (default: the file names)"},
        {"N", 1, &N, "X", "the sample size of every row (default: the N column)"},
        {"info-filter", 1, &info, "X", "remove rows with INFO below X (0.9)"},
        {"maf-filter", 1, &maf, "X", "remove rows with MAF below X (0.01)"},
        {"column-names", 1, &cols, "LIST",
         "column names for GenomicSEM's names: SNP=MarkerName,effect=OR", "columns"},
        {"out-dir", 1, &outdir, "DIR", "where the files go (.)"},
        {"threads", 1, &threads, "N", "files read in parallel, at most (default 0: all cores,\n"
                                      "one per 8 MB of input)"},
        {"mode", 1, &mode, "M", "genomicsem (default) | ldsc: bulik ldsc's munge_sumstats.py\n"
                                "instead (kestrel munge --mode ldsc --help)"},
    };
    int rc = cli_parse_help(
        "munge", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel munge --files A.txt.gz,B.txt.gz --hm3 w_hm3.snplist [options]\n\n"
        "GenomicSEM's munge(): each raw GWAS file (plain or gzip, whitespace-delimited) "
        "to\n<out-dir>/<trait>.sumstats.gz (SNP N Z A1 A2, the reference alleles), and a "
        "log\n<out-dir>/<trait1>_<trait2>..._munge.log with the rows each rule removed. "
        "The\nfiles are written together: a failed run leaves an earlier run's as they "
        "were.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (mode && munge_mode(mode, 1) != KS_GSEM_MUNGE_GENOMICSEM) return CLI_USAGE;
    if (!files || !hm3) {
        fprintf(stderr, "kestrel munge: --files and --hm3 are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_gsem_munge_options o = KS_GSEM_MUNGE_OPTIONS_INIT;
    if ((N && cli_positive("munge", "--N", N, &o.N)) ||
        (info && cli_num("munge", "--info-filter", info, &o.info_filter)) ||
        (maf && cli_num("munge", "--maf-filter", maf, &o.maf_filter)))
        return CLI_USAGE;
    cli_traits tr;
    if ((rc = cli_traits_get("munge", "--files", files, tn, &tr))) return rc;
    const size_t n = tr.n;
    const char **paths = tr.paths;
    char **names = tr.names, **outs = NULL;
    size_t nc = 0;
    const char **clist = NULL;
    if (cols && (rc = cli_list("munge", "--column-names", cols, &clist, &nc))) {
        cli_traits_free(&tr);
        return rc;
    }
    ks_gsem_munge *mr = NULL;
    ks_ctx *ctx = NULL;
    ks_text_group *g = NULL;
    int made_dir = 0;
    rc = CLI_FAILED;
    o.columns = clist;
    outs = calloc(n, sizeof *outs);
    for (size_t i = 0; outs && i < n; i++) {
        const size_t l = strlen(outdir) + strlen(names[i]) + 16;
        if (!(outs[i] = malloc(l))) break;
        snprintf(outs[i], l, "%s/%s.sumstats.gz", outdir, names[i]);
    }
    if (!outs || !outs[n - 1]) {
        fprintf(stderr, "kestrel munge: out of memory\n");
        goto done;
    }
    made_dir = mkdir(outdir, 0777) == 0; /* (removed again if the run fails) */
    if (!made_dir && errno != EEXIST) {
        fprintf(stderr, "kestrel munge: --out-dir %s: %s\n", outdir, strerror(errno));
        goto done;
    }
    const ks_gsem_munge_report *rep = NULL; /* the files and the log: all or none (o.outputs) */
    if ((rc = cli_munge_run(threads, n, paths, outs, hm3, &o, &ctx, &g, &mr, &rep))) goto done;
    /* the log, GenomicSEM's sentences with kestrel's counts */
    char logname[4096];
    size_t at = (size_t)snprintf(logname, sizeof logname, "%s/", outdir);
    for (size_t i = 0; i < n && at < sizeof logname - 16; i++)
        at += (size_t)snprintf(logname + at, sizeof logname - at, "%s%s", i ? "_" : "", names[i]);
    snprintf(logname + at, sizeof logname - at, "_munge.log");
    ks_text_writer *w;
    if (ks_text_group_create(ctx, g, logname, 0, &w) != KS_OK) {
        rc = cli_fail(ctx, "munge");
        goto done;
    }
    static const char *const canon[8] = {"SNP", "A1", "A2", "effect", "INFO", "P", "N", "MAF"};
    for (size_t i = 0; i < n; i++) {
        const ks_gsem_munge_report *r = &rep[i];
        ks_text_printf(w, "Munging file: %s\n", paths[i]);
        for (int k = 0; k < 8; k++)
            if (r->used[k])
                ks_text_printf(w, "Interpreting the %s column as the %s column.\n", r->used[k],
                               canon[k]);
        if (o.N > 0) ks_text_printf(w, "Using provided N (%g) for file: %s\n", o.N, paths[i]);
        ks_text_printf(w, "%zu rows present in the full %s summary statistics file.\n", r->rows,
                       paths[i]);
        if (r->short_rows)
            ks_text_printf(w, "%zu rows had fewer fields than the header: their last cells were "
                              "read as NA.\n", r->short_rows);
#define LINE(count, why)                                                                           \
    if (count) ks_text_printf(w, "%zu rows were removed from the %s summary statistics file " why ".\n", \
                              (size_t)(count), paths[i])
        LINE(r->not_in_ref, "as the rs-ids for these rows were not present in the reference file");
        LINE(r->p_missing, "due to missing values in the P-value column");
        LINE(r->effect_missing, "due to missing values in the effect column");
        LINE(r->or_negative, "due to negative odds ratios");
        LINE(r->a1_mismatch, "due to the effect allele (A1) column not matching A1 or A2 in the reference file");
        LINE(r->a2_mismatch, "due to the other allele (A2) column not matching A1 or A2 in the reference file");
        LINE(r->p_out_of_range, "due to P-values outside [0, 1]");
        LINE(r->info_low, "due to INFO values below the designated threshold");
        LINE(r->info_missing, "due to missing INFO values");
        LINE(r->maf_low, "due to missing MAF information or MAFs below the designated threshold");
        LINE(r->p_zero, "due to P-values of 0 (their Z would be infinite)");
        LINE(r->n_missing, "due to missing values in the N column");
        LINE(r->n_invalid, "due to N values that are not a number > 0");
#undef LINE
        if (r->duplicated)
            ks_text_printf(w, "%zu rows repeat the rs-id of an earlier row; they are kept, as "
                              "GenomicSEM keeps them.\n", r->duplicated);
        if (r->effect_is_or)
            ks_text_printf(w, "The effect column was determined to be coded as an odds ratio (OR) "
                              "for the %s summary statistics file.\n", paths[i]);
        if (!r->used[4]) ks_text_puts(w, "No INFO column, cannot filter on INFO, which may influence results\n");
        if (!r->used[7]) ks_text_puts(w, "No MAF column, cannot filter on MAF, which may influence results\n");
        ks_text_printf(w, "%zu SNPs are left in the summary statistics file %s after QC.\n"
                          "The file is saved as %s\n\n", r->written, paths[i], outs[i]);
    }
    const int ok = ks_text_commit(w) == KS_OK;
    g = NULL;
    if (!ok || ks_text_group_commit(o.outputs) != KS_OK) {
        if (!ok) ks_text_group_abort(o.outputs);
        rc = cli_fail(ctx, "munge");
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        printf("%s: %zu of %zu rows written to %s\n", paths[i], rep[i].written, rep[i].rows,
               outs[i]);
    printf("log: %s\n", logname);
    rc = CLI_OK;
done:
    ks_text_group_abort(g);
    if (rc != CLI_OK && made_dir) rmdir(outdir);
    ks_gsem_munge_free(mr);
    for (size_t i = 0; outs && i < n; i++) free(outs[i]);
    free(outs);
    cli_traits_free(&tr);
    free(clist);
    ks_ctx_free(ctx);
    return rc;
}

int cli_num_list(const char *cmd, const char *opt, const char *s, size_t k, double *out)
{
    for (size_t i = 0; i < k; i++) out[i] = NAN;
    if (!s) return CLI_OK;
    const char **l = NULL;
    size_t m = 0;
    int rc = cli_list(cmd, opt, s, &l, &m);
    if (rc) return rc;
    if (m != k) {
        fprintf(stderr, "kestrel %s: %s has %zu values for %zu files\n", cmd, opt, m, k);
        rc = CLI_USAGE;
    }
    for (size_t i = 0; rc == CLI_OK && i < k; i++)
        if (strcmp(l[i], "NA") && cli_num(cmd, opt, l[i], &out[i])) rc = CLI_USAGE;
    free(l);
    return rc;
}

char *cli_out_prefix(const char *cmd, const char *out, const char *const *ends)
{
    char *p = strdup(out);
    if (!p) return NULL;
    for (; *ends; ends++)
        if (strlen(p) > strlen(*ends) && !strcmp(p + strlen(p) - strlen(*ends), *ends)) {
            p[strlen(p) - strlen(*ends)] = '\0';
            break;
        }
    const size_t n = strlen(p);
    if (n == 0 || p[n - 1] == '/' || !strcmp(p, ".") || (n >= 2 && !strcmp(p + n - 2, "/."))) {
        fprintf(stderr, "kestrel %s: --out '%s': a prefix for the file names is needed, not a "
                        "directory (e.g. --out %s%sresult)\n",
                cmd, out, out, n && p[n - 1] == '/' ? "" : "/");
        free(p);
        return NULL;
    }
    return p;
}

/* A matrix as GenomicSEM's reference TSVs: a header of names, each row its name then %.17g. */
static int write_matrix(ks_ctx *ctx, ks_text_group *g, const char *path, const double *M,
                        size_t n, char *const *names)
{
    ks_text_writer *w;
    if (ks_text_group_create(ctx, g, path, 0, &w) != KS_OK) return -1;
    for (size_t j = 0; j < n; j++) ks_text_printf(w, "\t%s", names[j]);
    ks_text_puts(w, "\n");
    for (size_t i = 0; i < n; i++) {
        ks_text_puts(w, names[i]);
        for (size_t j = 0; j < n; j++) ks_text_printf(w, "\t%.17g", M[i + j * n]);
        ks_text_puts(w, "\n");
    }
    return ks_text_commit(w) == KS_OK ? 0 : -1;
}

/* The log, as GenomicSEM's, with kestrel's counts. */
static void ldsc_log(ks_text_writer *w, const ks_gsem_ldsc_view *r, const char *const *paths,
                     char *const *names)
{
    const size_t k = r->k;
    ks_text_printf(w, "Multivariate ld-score regression of %zu traits\n", k);
    for (size_t j = 0; j < k; j++) {
        ks_text_printf(w,
                       "Read in summary statistics [%zu/%zu] from: %s\n"
                       "Out of %zu SNPs, %zu remain after merging with LD-score files\n",
                       j + 1, k, paths[j], r->snps_read[j], r->snps_merged[j]);
        if (r->snps_bad_n[j])
            ks_text_printf(w, "Removing %zu SNPs with N not a number > 0; %zu remain\n",
                           r->snps_bad_n[j], r->snps_after_n[j]);
        ks_text_printf(w, "Removing %zu SNPs with Chi^2 > %g; %zu remain\n", r->snps_removed[j],
                       r->chisq_max[j], r->snps_used[j]);
        if (r->snps_dup[j])
            ks_text_printf(w, "%zu of them repeat a SNP of the file (kept, as GenomicSEM keeps "
                              "them)\n", r->snps_dup[j]);
    }
    for (size_t j = 0, t = 0; j < k; j++)
        for (size_t i = j; i < k; i++, t++) {
            const double est = r->est[t], se = r->est_se[t];
            if (i == j) {
                ks_text_printf(w,
                               "\nHeritability Results for trait: %s\n"
                               "Mean Chi^2 across remaining SNPs: %.4f\nLambda GC: %.4f\n"
                               "Intercept: %.4f (%.4f)\nRatio: %.4f (%.4f)\n"
                               "Total Observed Scale h2: %.4f (%.4f)\nh2 Z: %.3g\n",
                               names[j], r->mean_chisq[j], r->lambda_gc[j], r->pair_intercept[t],
                               r->pair_intercept_se[t], r->ratio[j], r->ratio_se[j], est, se,
                               r->est_z[t]);
            } else {
                ks_text_printf(w,
                               "\n%zu SNPs remain after merging %s and %s summary "
                               "statistics\nResults for genetic covariance between: %s "
                               "and %s\nMean Z*Z: %.4f\nCross trait Intercept: %.4f "
                               "(%.4f)\nTotal Observed Scale Genetic Covariance (g_cov): "
                               "%.4f (%.4f)\ng_cov Z: %.3g\ng_cov P-value: %.5g\n",
                               r->pair_snps[t], names[j], names[i], names[j], names[i],
                               r->mean_zz[t], r->pair_intercept[t], r->pair_intercept_se[t], est,
                               se, r->est_z[t], r->est_p[t]);
            }
        }
    ks_text_puts(w, "\nGenetic covariance matrix S (liability scale where prevalences are "
                    "given):\n");
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++) ks_text_printf(w, "%s%.4f", j ? "\t" : "", r->S[i + j * k]);
        ks_text_puts(w, "\n");
    }
}

/* The files of one ldsc run, all or none (an earlier run's S_Stand and V_Stand removed when
 * this run has none). */
static int ldsc_files(ks_ctx *ctx, const char *out, const ks_gsem_ldsc *res,
                      const ks_gsem_ldsc_view *r, const char *const *paths, char *const *names)
{
    const size_t k = r->k, ks = r->kstar;
    char **vn = calloc(ks, sizeof *vn), *path = malloc(strlen(out) + 32);
    ks_text_group *g = NULL;
    int oom = !vn || !path || ks_text_group_new(ctx, &g) != KS_OK;
    for (size_t j = 0, t = 0; !oom && j < k; j++)
        for (size_t i = j; i < k; i++, t++) {
            const size_t len = strlen(names[i]) + strlen(names[j]) + 2;
            if ((vn[t] = malloc(len)))
                snprintf(vn[t], len, "%s_%s", names[i], names[j]);
            else
                oom = 1;
        }
    int bad = oom;
#define PATH(end) (sprintf(path, "%s%s", out, end), path)
    bad = bad || write_matrix(ctx, g, PATH("_S.tsv"), r->S, k, names) ||
          write_matrix(ctx, g, PATH("_I.tsv"), r->intercept, k, names) ||
          write_matrix(ctx, g, PATH("_V.tsv"), r->V, ks, vn);
    if (!bad && r->S_stand)
        bad = write_matrix(ctx, g, PATH("_S_Stand.tsv"), r->S_stand, k, names) ||
              write_matrix(ctx, g, PATH("_V_Stand.tsv"), r->V_stand, ks, vn);
    else if (!bad)
        bad = ks_text_group_remove(g, PATH("_S_Stand.tsv")) != KS_OK ||
              ks_text_group_remove(g, PATH("_V_Stand.tsv")) != KS_OK;
    ks_text_writer *w = NULL;
    if (!bad && !(bad = ks_text_group_create(ctx, g, PATH("_N.tsv"), 0, &w) != KS_OK)) {
        for (size_t t = 0; t < ks; t++) ks_text_printf(w, "%s%s", t ? "\t" : "", vn[t]);
        ks_text_puts(w, "\n");
        for (size_t t = 0; t < ks; t++) ks_text_printf(w, "%s%.17g", t ? "\t" : "", r->N[t]);
        ks_text_puts(w, "\n");
        bad = ks_text_commit(w) != KS_OK;
    }
    if (!bad && !(bad = ks_text_group_create(ctx, g, PATH("_m.txt"), 0, &w) != KS_OK)) {
        ks_text_printf(w, "%.17g\n", r->m);
        bad = ks_text_commit(w) != KS_OK;
    }
    if (!bad) /* the covstruc in one file, for `kestrel gwas --ldsc` and kestrel.gsem.load_ldsc */
        bad = ks_gsem_ldsc_write_group(ctx, g, res, PATH("_covstruc.txt")) != KS_OK;
    if (!bad && !(bad = ks_text_group_create(ctx, g, PATH(".log"), 0, &w) != KS_OK)) {
        ldsc_log(w, r, paths, names);
        bad = ks_text_commit(w) != KS_OK;
    }
#undef PATH
    if (!bad)
        bad = ks_text_group_commit(g) != KS_OK;
    else
        ks_text_group_abort(g);
    for (size_t t = 0; vn && t < ks; t++) free(vn[t]);
    free(vn);
    free(path);
    if (oom) fprintf(stderr, "kestrel ldsc: out of memory\n");
    return oom ? CLI_FAILED : bad ? cli_fail(ctx, "ldsc") : CLI_OK;
}

/* --select ODD, EVEN or a list, as chromosome numbers (*chrs malloc'd; o->select set). */
static int ldsc_select(const char *sel, ks_gsem_ldsc_options *o, int **chrs)
{
    const int odd = !strcmp(sel, "ODD"), even = !strcmp(sel, "EVEN");
    const char **li = NULL;
    size_t m = 0;
    int rc = odd || even ? CLI_OK : cli_list("ldsc", "--select", sel, &li, &m);
    if (rc) return rc;
    if (!(*chrs = calloc(odd || even ? (size_t)o->chr : m, sizeof **chrs))) {
        fprintf(stderr, "kestrel ldsc: out of memory\n");
        free(li);
        return CLI_FAILED;
    }
    if (odd || even)
        for (int c = odd ? 1 : 2; c <= o->chr; c += 2) (*chrs)[o->nselect++] = c;
    for (size_t i = 0; i < m; i++) {
        long l;
        if (cli_int("ldsc", "--select", li[i], 1, &l) || l > 100000) {
            rc = CLI_USAGE;
            break;
        }
        (*chrs)[o->nselect++] = (int)l;
    }
    free(li);
    o->select = *chrs;
    return rc;
}

int cmd_ldsc(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) /* bulik/ldsc's estimators (cli/ldsc_h2rg.c) */
        if (!strcmp(argv[i], "--h2") || !strcmp(argv[i], "--rg") || !strncmp(argv[i], "--h2=", 5) ||
            !strncmp(argv[i], "--rg=", 5))
            return cmd_ldsc_h2rg(argc, argv);
    const char *traits = NULL, *ld = NULL, *wld = NULL, *sepw = NULL, *sp = NULL, *pp = NULL,
               *tn = NULL, *chr = NULL, *sel = NULL, *nb = NULL, *cmax = NULL, *out = "ldsc",
               *threads = NULL;
    const cli_opt opts[] = {
        {"traits", 1, &traits, "LIST", "munged files, comma-separated"},
        {"ld", 1, &ld, "DIR", "<chr>.l2.ldscore.gz and <chr>.l2.M_5_50 files"},
        {"wld", 1, &wld, "DIR", "weight LD scores (with --sep-weights; default: --ld)"},
        {"sep-weights", 0, &sepw, NULL, "use --wld for the weights"},
        {"sample-prev", 1, &sp, "LIST", "per trait, NA for a continuous trait (e.g. NA,NA,0.5)"},
        {"population-prev", 1, &pp, "LIST", "per trait, NA for a continuous trait"},
        {"trait-names", 1, &tn, "LIST", "names (default: the file names)"},
        {"chr", 1, &chr, "N", "chromosomes 1..N (22)"},
        {"select", 1, &sel, "S", "ODD, EVEN or a list: only these chromosomes"},
        {"n-blocks", 1, &nb, "N", "jackknife blocks (200)"},
        {"chisq-max", 1, &cmax, "X", "remove SNPs with Z^2 > X (default max(0.001 max N, 80))"},
        {"out", 1, &out, "PREFIX", "output prefix (ldsc; an ending of the files above, such as\n"
                                   ".log, is not repeated)"},
        {"threads", 1, &threads, "N", "LD files, traits and regressions in parallel, at most\n"
                                      "(default 0: all cores, one per 8 MB of input)"},
    };
    int rc = cli_parse_help(
        "ldsc", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel ldsc --traits T1.sumstats.gz,T2.sumstats.gz --ld DIR [options]\n\n"
        "GenomicSEM's ldsc(): multivariate LD score regression on munged files. Writes\n"
        "PREFIX_S.tsv, PREFIX_V.tsv (in GenomicSEM's order), PREFIX_I.tsv, PREFIX_N.tsv,\n"
        "PREFIX_m.txt, PREFIX_S_Stand.tsv and PREFIX_V_Stand.tsv (when every h2 is > 0),\n"
        "PREFIX_covstruc.txt (all of it in one file, what `kestrel gwas --ldsc` and\n"
        "kestrel.gsem.load_ldsc read) and the log PREFIX.log, all together (a failed run leaves an earlier run's as "
        "they\nwere); prints S and the genetic correlations.\n",
        "kestrel ldsc --h2 FILE or --rg A,B,...: bulik/ldsc's h2 and rg estimators "
        "instead\n(kestrel ldsc --h2 x --help lists their options).\n");
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!traits || !ld) {
        fprintf(stderr, "kestrel ldsc: --traits and --ld are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_gsem_ldsc_options o = KS_GSEM_LDSC_OPTIONS_INIT;
    long l;
    if (chr) {
        if (cli_int("ldsc", "--chr", chr, 1, &l) || l > 100000) return CLI_USAGE;
        o.chr = (int)l;
    }
    if (nb) {
        if (cli_int("ldsc", "--n-blocks", nb, 2, &l) || l > 1000000000) return CLI_USAGE;
        o.n_blocks = (int)l;
    }
    if (cmax && cli_positive("ldsc", "--chisq-max", cmax, &o.chisq_max)) return CLI_USAGE;
    o.sep_weights = sepw != NULL;
    static const char *const ends[] = {".log",         "_S.tsv",       "_V.tsv", "_I.tsv",
                                       "_N.tsv",       "_m.txt",       "_S_Stand.tsv",
                                       "_V_Stand.tsv", "_covstruc.txt", NULL};
    char *prefix = cli_out_prefix("ldsc", out, ends);
    if (!prefix) return CLI_USAGE;
    cli_traits tr;
    if ((rc = cli_traits_get("ldsc", "--traits", traits, tn, &tr))) {
        free(prefix);
        return rc;
    }
    const size_t k = tr.n;
    const char **paths = tr.paths;
    char **names = tr.names;
    double *prev = calloc(2 * (k ? k : 1), sizeof *prev);
    int *chrs = NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *res = NULL;
    rc = CLI_FAILED;
    if (!prev) goto done;
    if ((rc = cli_num_list("ldsc", "--sample-prev", sp, k, prev)) ||
        (rc = cli_num_list("ldsc", "--population-prev", pp, k, prev + k)))
        goto done;
    for (size_t i = 0; i < 2 * k; i++)
        if (!isnan(prev[i]) && !(prev[i] > 0.0 && prev[i] < 1.0)) {
            fprintf(stderr, "kestrel ldsc: %s: %g (trait %zu, %s) is not in (0, 1)\n",
                    i < k ? "--sample-prev" : "--population-prev", prev[i], i % k + 1,
                    names[i % k]);
            rc = CLI_USAGE;
            goto done;
        }
    o.sample_prev = prev;
    o.population_prev = prev + k;
    o.trait_names = (const char *const *)names;
    if (sel && (rc = ldsc_select(sel, &o, &chrs))) goto done;
    rc = CLI_FAILED;
    if ((rc = cli_ctx(&ctx, "ldsc", threads)) != CLI_OK) goto done;
    if (ks_gsem_ldsc_fit(ctx, k, paths, ld, wld ? wld : ld, &o, &res) != KS_OK) {
        rc = cli_fail(ctx, "ldsc");
        goto done;
    }
    ks_gsem_ldsc_view v;
    ks_gsem_ldsc_get(res, &v);
    const ks_gsem_ldsc_view *r = &v;
    if ((rc = ldsc_files(ctx, prefix, res, r, paths, names))) goto done;
    int liab = 0;
    for (size_t j = 0; j < k; j++) liab |= r->liab[j] != 1.0;
    printf("S (genetic covariance%s):\n", liab ? "; liability scale where prevalences are given" : "");
    printf("%-10s", "");
    for (size_t j = 0; j < k; j++) printf(" %10s", names[j]);
    printf("\n");
    for (size_t i = 0; i < k; i++) {
        printf("%-10s", names[i]);
        for (size_t j = 0; j < k; j++) printf(" %10.4f", r->S[i + j * k]);
        printf("\n");
    }
    if (r->S_stand) {
        printf("\ngenetic correlations (SE):\n");
        for (size_t j = 0; j < k; j++)
            for (size_t i = j + 1; i < k; i++)
                printf("  %s ~ %s: %.4f (%.4f)\n", names[j], names[i], r->S_stand[i + j * k],
                       r->S_stand_se[i + j * k]);
    } else {
        printf("\na heritability is not positive: no genetic correlations\n");
    }
    printf("\nwritten: %s_S.tsv, _V.tsv, _I.tsv, _N.tsv, _m.txt%s, _covstruc.txt, %s.log\n",
           prefix, r->S_stand ? ", _S_Stand.tsv, _V_Stand.tsv" : "", prefix);
    rc = CLI_OK;
done:
    ks_gsem_ldsc_free(res);
    ks_ctx_free(ctx);
    cli_traits_free(&tr);
    free(prev);
    free(chrs);
    free(prefix);
    return rc;
}
