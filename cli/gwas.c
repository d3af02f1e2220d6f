/* gwas.c — `kestrel gwas` (GenomicSEM's userGWAS) and `kestrel commonfactorgwas`
 * (commonfactorGWAS) from the shell: the covstruc `kestrel ldsc` saved, the SNP table `kestrel
 * sumstats` wrote, the rows to a TSV(.gz) with R's columns. Two commands, not one with a flag,
 * because they take different options (a model, sub, Q_SNP, fix_measurement and std_lv are
 * userGWAS'), as GenomicSEM has two functions. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *ldsc, *snps, *model, *out, *estimation, *gc, *snpse, *q_snp, *no_fix, *std_lv,
        *smooth_check, *sub, *chunk, *threads, *method, *toler;
} gwas_args;

/* "i/n" with 1 <= i <= n. */
static int parse_chunk(const char *cmd, const char *s, size_t *i, size_t *n)
{
    char *end;
    const unsigned long long a = strtoull(s, &end, 10);
    if (end == s || *end != '/' || s[0] == '-') goto bad;
    const char *t = end + 1;
    const unsigned long long b = strtoull(t, &end, 10);
    if (end == t || *end || t[0] == '-' || a < 1 || a > b || b > (size_t)-1 / 2) goto bad;
    *i = (size_t)a;
    *n = (size_t)b;
    return CLI_OK;
bad:
    fprintf(stderr, "kestrel %s: --chunk '%s' is not i/n with 1 <= i <= n (e.g. 3/10)\n", cmd, s);
    return CLI_USAGE;
}

/* A model given as a file's path, or as its text. */
static char *model_text(const char *cmd, const char *m)
{
    FILE *f = fopen(m, "rb");
    if (f) {
        fclose(f);
        return cli_read_file(cmd, m);
    }
    char *s = malloc(strlen(m) + 1);
    if (s) strcpy(s, m);
    return s;
}

static int run(const char *cmd, const gwas_args *a, int user)
{
    if (!a->ldsc || !a->snps || !a->out || (user && !a->model)) {
        fprintf(stderr, "kestrel %s: --ldsc, --snps%s and --out are required (see --help)\n", cmd,
                user ? ", --model" : "");
        return CLI_USAGE;
    }
    ks_gsem_gwas_options o = KS_GSEM_GWAS_OPTIONS_INIT;
    int rc = CLI_OK;
    if (a->estimation &&
        (rc = CLI_ENUM(cmd, "estimation", a->estimation, sem_estimator, &o.estimation)))
        return rc;
    if (o.estimation != KS_SEM_DWLS && o.estimation != KS_SEM_ML) {
        fprintf(stderr, "kestrel %s: --estimation %s: GenomicSEM's GWAS takes DWLS or ML\n", cmd,
                a->estimation);
        return CLI_USAGE;
    }
    if (a->gc && (rc = CLI_ENUM(cmd, "gc", a->gc, gsem_gc, &o.gc))) return rc;
    if (a->method && (rc = CLI_ENUM(cmd, "method", a->method, gsem_gwas_method, &o.method)))
        return rc;
    if (a->snpse && (rc = cli_positive(cmd, "snpse", a->snpse, &o.snpse))) return rc;
    if (a->toler && (rc = cli_positive(cmd, "toler", a->toler, &o.toler))) return rc;
    if (a->chunk && (rc = parse_chunk(cmd, a->chunk, &o.chunk_i, &o.chunk_n))) return rc;
    o.q_snp = a->q_snp != NULL;
    o.fix_measurement = a->no_fix == NULL;
    o.std_lv = a->std_lv != NULL;
    o.smooth_check = a->smooth_check != NULL;
    const char **sub = NULL;
    size_t nsub = 0;
    if (a->sub && (rc = cli_list(cmd, "sub", a->sub, &sub, &nsub))) return rc;
    o.sub = sub;
    char *model = user ? model_text(cmd, a->model) : NULL;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_gwas *g = NULL;
    if (user && !model) {
        rc = CLI_FAILED;
    } else if (!(rc = cli_ctx(&ctx, cmd, a->threads))) {
        if (ks_gsem_ldsc_read(ctx, a->ldsc, &cs) ||
            (user ? ks_gsem_usergwas_run(ctx, cs, a->snps, NULL, model, &o, a->out, &g)
                  : ks_gsem_commonfactorgwas_run(ctx, cs, a->snps, NULL, &o, a->out, &g)))
            rc = cli_fail(ctx, cmd);
    }
    if (!rc) {
        ks_gsem_gwas_view v;
        ks_gsem_gwas_get(g, &v);
        fprintf(stderr, "%s: %zu SNPs (from SNP %zu), %zu failed, %zu smoothed; rows in %s\n",
                user ? "userGWAS" : "commonfactorGWAS", v.snps, v.first + 1, v.failed, v.smoothed,
                a->out);
    }
    ks_gsem_gwas_free(g);
    ks_gsem_ldsc_free(cs);
    ks_ctx_free(ctx);
    free(model);
    free(sub);
    return rc;
}

#define COMMON_OPTS(a)                                                                             \
    {"ldsc", 1, &a.ldsc, "FILE", "the covstruc `kestrel ldsc` wrote (PREFIX_covstruc.txt)"},       \
        {"snps", 1, &a.snps, "FILE",                                                               \
         "the SNP table `kestrel sumstats` wrote (TSV[.gz]: SNP CHR BP MAF A1 A2\n"                \
         "beta.<trait> se.<trait> ...)"},                                                          \
        {"out", 1, &a.out, "FILE", "the rows, R's columns (TSV; gzip when it ends in .gz)"},       \
        {"estimation", 1, &a.estimation, "DWLS|ML", "estimator (default DWLS)"},                   \
        {"gc", 1, &a.gc, "NAME", "GenomicSEM's GC: standard (default), conserv, none"},            \
        {"snpse", 1, &a.snpse, "X", "the SNP variance's SE (default 0.0005)"},                     \
        {"smooth-check", 0, &a.smooth_check, NULL, "add Z_smooth"},                                \
        {"toler", 1, &a.toler, "X", "GenomicSEM's toler (default: machine precision)"},            \
        {"chunk", 1, &a.chunk, "i/n",                                                              \
         "only part i of n of the SNPs (a cluster array's job; the parts'\n"                       \
         "rows concatenated are the whole run's)"},                                                \
        {"method", 1, &a.method, "sem|gls",                                                        \
         "sem: GenomicSEM's fit per SNP (default); gls: the analytic path\n"                       \
         "(the no-SNP model fitted once, factor effects in closed form)"},                         \
    {                                                                                              \
        "threads", 1, &a.threads, "N", "threads (default: every core)"                             \
    }

int cmd_gwas(int argc, char **argv)
{
    gwas_args a = {0};
    const cli_opt opts[] = {
        COMMON_OPTS(a),
        {"model", 1, &a.model, "FILE|TEXT",
         "lavaan's model (a file, or its text), the SNP named SNP"},
        {"q-snp", 0, &a.q_snp, NULL, "add Q_SNP per factor regressed on SNP"},
        {"no-fix-measurement", 0, &a.no_fix, NULL,
         "refit the measurement model per SNP (fix_measurement=FALSE)"},
        {"std-lv", 0, &a.std_lv, NULL, "latent variances fixed to 1 (std.lv)"},
        {"sub", 1, &a.sub, "ROWS", "keep only these rows, e.g. F1~SNP,F2~SNP"},
    };
    const int rc = cli_parse_help(
        "gwas", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel gwas --ldsc FILE --snps FILE --model FILE|TEXT --out FILE [options]\n\n"
        "GenomicSEM's userGWAS(): the model fitted per SNP; one row per parameter and SNP.",
        "The progress (with its ETA) goes to stderr when it is a terminal.");
    if (rc) return rc < 0 ? CLI_OK : rc;
    return run("gwas", &a, 1);
}

int cmd_commonfactorgwas(int argc, char **argv)
{
    gwas_args a = {0};
    const cli_opt opts[] = {COMMON_OPTS(a)};
    const int rc = cli_parse_help(
        "commonfactorgwas", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel commonfactorgwas --ldsc FILE --snps FILE --out FILE [options]\n\n"
        "GenomicSEM's commonfactorGWAS(): one factor of every trait regressed on each SNP, with\n"
        "the heterogeneity Q; one row per SNP.",
        "The progress (with its ETA) goes to stderr when it is a terminal.");
    if (rc) return rc < 0 ? CLI_OK : rc;
    return run("commonfactorgwas", &a, 0);
}
