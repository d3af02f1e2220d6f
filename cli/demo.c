/* demo.c — `kestrel demo`: each job of kestrel on the sample data embedded in the binary. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"

/* Write the parts of the embedded genomic SEM sample (`=== name` lines) under dir. */
static int unpack_gsem(const char *dir)
{
    const char *p = (const char *)ks_demo_gsem_txt, *end = p + ks_demo_gsem_txt_len;
    char path[4096];
    if (snprintf(path, sizeof path, "%s/ld", dir) >= (int)sizeof path || mkdir(path, 0700) != 0)
        return -1;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        if (!nl || strncmp(p, "=== ", 4)) return -1;
        if (snprintf(path, sizeof path, "%s/%.*s", dir, (int)(nl - p - 4), p + 4) >=
            (int)sizeof path)
            return -1;
        const char *q = nl + 1, *next = q;
        while (next < end && strncmp(next, "=== ", 4)) {
            const char *e = memchr(next, '\n', (size_t)(end - next));
            next = e ? e + 1 : end;
        }
        FILE *f = fopen(path, "wb");
        if (!f || fwrite(q, 1, (size_t)(next - q), f) != (size_t)(next - q)) {
            if (f) fclose(f);
            return -1;
        }
        fclose(f);
        p = next;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* The demo's scratch folder and everything in it (children first, links not followed). */
static void remove_tree(const char *dir)
{
    if (nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS) != 0)
        fprintf(stderr, "kestrel demo: could not remove %s: %s\n", dir, strerror(errno));
}

/* sumstats() on the sample's raw files, then commonfactorGWAS over its 10,000 SNPs: the time,
 * the first rows and the SNPs with the smallest P. */
static int demo_gwas(const char *dir, const char *ldsc_prefix)
{
    char files[8192], ref[4096], snps[4096], cs[4200], rows[4096];
    snprintf(files, sizeof files, "%s/T1.txt,%s/T2.txt,%s/T3.txt,%s/T5.txt", dir, dir, dir, dir);
    snprintf(ref, sizeof ref, "%s/reference.snps", dir);
    snprintf(snps, sizeof snps, "%s/snps.tsv.gz", dir);
    snprintf(cs, sizeof cs, "%s_covstruc.txt", ldsc_prefix);
    snprintf(rows, sizeof rows, "%s/commonfactorGWAS.tsv", dir);
    printf("\n   kestrel sumstats --files T1.txt,T2.txt,T3.txt,T5.txt --ref reference.snps\n"
           "     --se-logit F,F,F,T --ols T,T,T,F --out snps.tsv.gz\n\n");
    char *sargv[] = {"sumstats",    "--files", files,   "--ref",   ref,
                     "--se-logit",  "F,F,F,T", "--ols", "T,T,T,F", "--trait-names",
                     "T1,T2,T3,T5", "--out",   snps,    NULL};
    int rc = cmd_sumstats(13, sargv);
    if (rc != CLI_OK) return rc;
    printf("\n   kestrel commonfactorgwas --ldsc ldsc_covstruc.txt --snps snps.tsv.gz --out "
           "commonfactorGWAS.tsv\n   (GenomicSEM's commonfactorGWAS(): the common factor "
           "regressed on each SNP,\n   with the heterogeneity Q; R takes about 0.2 s per SNP)\n\n");
    char *gargv[] = {"commonfactorgwas", "--ldsc", cs, "--snps", snps, "--out", rows, NULL};
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    rc = cmd_commonfactorgwas(7, gargv);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc != CLI_OK) return rc;
    FILE *f = fopen(rows, "r");
    if (!f) {
        fprintf(stderr, "kestrel demo: %s: %s\n", rows, strerror(errno));
        return CLI_FAILED;
    }
    char line[4096];
    size_t n = 0;
    while (fgets(line, sizeof line, f)) {
        if (n < 6) fputs(line, stdout);
        n++;
    }
    fclose(f);
    printf("...\n%zu SNPs fitted in %.2f s\n", n ? n - 1 : 0,
           (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec));
    return CLI_OK;
}

static int demo_gsem(void)
{
    const char *tmp = getenv("TMPDIR");
    char dir[1100];
    if (snprintf(dir, sizeof dir, "%s/kestrel_demo_XXXXXX", tmp && *tmp ? tmp : "/tmp") >=
        (int)sizeof dir) {
        fprintf(stderr, "kestrel demo: TMPDIR is longer than 1,000 characters\n");
        return CLI_FAILED;
    }
    if (!mkdtemp(dir)) {
        fprintf(stderr, "kestrel demo: cannot make a folder in %s: %s\n",
                tmp && *tmp ? tmp : "/tmp", strerror(errno));
        return CLI_FAILED;
    }
    if (unpack_gsem(dir) != 0) {
        fprintf(stderr, "kestrel demo: cannot unpack the genomic SEM sample in %s: %s\n", dir,
                strerror(errno));
        remove_tree(dir);
        return CLI_FAILED;
    }
    char files[8192], hm3[4096], traits[8192], ld[4096], out[4096];
    snprintf(files, sizeof files, "%s/T1.txt,%s/T2.txt,%s/T3.txt,%s/T5.txt", dir, dir, dir, dir);
    snprintf(hm3, sizeof hm3, "%s/w_hm3.snplist", dir);
    snprintf(traits, sizeof traits,
             "%s/T1.sumstats.gz,%s/T2.sumstats.gz,%s/T3.sumstats.gz,%s/T5.sumstats.gz", dir, dir,
             dir, dir);
    snprintf(ld, sizeof ld, "%s/ld", dir);
    snprintf(out, sizeof out, "%s/ldsc", dir);
    printf("   kestrel munge --files T1.txt,T2.txt,T3.txt,T5.txt --hm3 w_hm3.snplist\n\n");
    char *margv[] = {"munge", "--files", files, "--hm3", hm3, "--out-dir", dir, NULL};
    int rc = cmd_munge(7, margv);
    if (rc == CLI_OK) {
        printf("\n   kestrel ldsc --traits T1.sumstats.gz,T2.sumstats.gz,T3.sumstats.gz,"
               "T5.sumstats.gz --ld ld\n"
               "     --sample-prev NA,NA,NA,0.5 --population-prev NA,NA,NA,0.1\n"
               "   (the simulation's truth: h2 0.2525, 0.22, 0.1725, 0.1499; rg T1-T2 0.764,\n"
               "   T1-T3 0.755, T1-T5 0.593, T2-T3 0.719, T2-T5 0.565, T3-T5 0.558)\n\n");
        char *largv[] = {"ldsc", "--traits", traits, "--ld", ld, "--sample-prev", "NA,NA,NA,0.5",
                         "--population-prev", "NA,NA,NA,0.1", "--trait-names", "T1,T2,T3,T5",
                         "--out", out, NULL};
        rc = cmd_ldsc(13, largv);
    }
    if (rc == CLI_OK) {
        char cs[4200];
        snprintf(cs, sizeof cs, "%s_covstruc.txt", out);
        printf("\n   kestrel usermodel --ldsc ldsc_covstruc.txt --model \"F1 =~ NA*T1 + T2 + T3 + T5;"
               " F1 ~~ 1*F1\"\n   (GenomicSEM's usermodel(): one common factor; the "
               "simulation's loadings are\n   0.45, 0.40, 0.35 and, on the liability scale, "
               "0.26)\n\n");
        char *uargv[] = {"usermodel", "--ldsc", cs, "--model",
                         "F1 =~ NA*T1 + T2 + T3 + T5; F1 ~~ 1*F1", NULL};
        rc = cmd_usermodel(5, uargv);
    }
    if (rc == CLI_OK) rc = demo_gwas(dir, out);
    printf("   (the demo's files are written to %s and removed now)\n", dir);
    remove_tree(dir);
    return rc;
}

int cmd_demo(int argc, char **argv)
{
    const char *threads = NULL;
    const cli_opt opts[] = {
        {"threads", 1, &threads, "N", "at most N threads (default 0: all cores, fewer for\n"
                                      "small work)"},
    };
    int rc = cli_parse_help(
        "demo", argc, argv, opts, 1,
        "usage: kestrel demo [--threads N]\n\n"
        "Runs kestrel on its embedded sample data and prints the results:\n"
        "  1. a two-way fixed-effects wage regression on a 300-worker x 10-year panel\n"
        "     (data/panel.csv), standard errors clustered by worker;\n"
        "  2. Callaway & Sant'Anna staggered difference-in-differences on R did's mpdta\n"
        "     (data/mpdta.csv: 500 counties, 2003-2007, minimum wage and teen employment):\n"
        "     group-time effects, the parallel-trends pre-test and the event study;\n"
        "  3. MARS (R earth's models) on earth's ozone1 (data/ozone1.csv: 330 days of Los\n"
        "     Angeles ozone and 9 weather predictors), degree 2, with its summary;\n"
        "  4. genomic SEM, GenomicSEM's munge(), ldsc(), usermodel(), sumstats() and\n"
        "     commonfactorGWAS(), on four simulated GWAS (data/gsem_sample.txt: every 6th\n"
        "     SNP of the fixture in tests/data/gsem, one trait binary): S, the genetic\n"
        "     correlations, a common factor and its GWAS over the 10,000 SNPs.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, "demo", threads))) return rc;
    ks_table *t = NULL;
    ks_feols *m = NULL;
    const char *formula = "log_wage ~ hours + union + married | worker + year";
    ks_feols_options opt = KS_FEOLS_OPTIONS_INIT;
    opt.vcov = KS_VCOV_CRV1;
    opt.cluster = "worker";
    printf("== 1. Two-way fixed effects regression (data/panel.csv, embedded) ==\n\n");
    if (ks_table_read_csv_mem(ctx, "panel.csv", ks_demo_panel_csv, ks_demo_panel_csv_len, NULL,
                              &t) != KS_OK)
        rc = cli_fail(ctx, "demo");
    else if (ks_feols_fit(ctx, t, formula, &opt, &m) != KS_OK)
        rc = cli_fail(ctx, "demo");
    else
        cli_print_feols(stdout, m, formula);
    ks_feols_free(m);
    ks_table_free(t);
    t = NULL;
    if (rc == CLI_OK) {
        printf("\n== 2. Callaway & Sant'Anna staggered DiD (data/mpdta.csv, embedded) ==\n"
               "   lemp on first.treat, doubly robust, never-treated controls\n\n");
        ks_did_cs *fit = NULL;
        ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
        ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
        const int want[4] = {1, 1, 0, 0};
        if (ks_table_read_csv_mem(ctx, "mpdta.csv", ks_demo_mpdta_csv, ks_demo_mpdta_csv_len,
                                  NULL, &t) != KS_OK ||
            ks_did_cs_fit(ctx, t, "lemp", "year", "countyreal", "first.treat", &o, &fit) != KS_OK)
            rc = cli_fail(ctx, "demo");
        else
            rc = cli_did_cs_report(stdout, ctx, fit, want, &ao, o.alpha, 0, NULL);
        ks_did_cs_free(fit);
        ks_table_free(t);
        t = NULL;
    }
    if (rc == CLI_OK) {
        printf("\n== 3. MARS (data/ozone1.csv, embedded) ==\n"
               "   O3 on the 9 weather predictors, degree 2: earth's model\n\n");
        ks_mars *mm = NULL;
        double *X = NULL, *y = NULL;
        const char *names[16];
        size_t p = 0, n = 0;
        int ok = ks_table_read_csv_mem(ctx, "ozone1.csv", ks_demo_ozone1_csv,
                                       ks_demo_ozone1_csv_len, NULL, &t) == KS_OK;
        if (ok) {
            n = ks_table_nrow(t);
            X = malloc(n * 16 * sizeof *X);
            y = malloc(n * sizeof *y);
            ok = X && y;
            for (size_t j = 0; ok && j < ks_table_ncol(t) && p < 16; j++) {
                const char *c = ks_table_col_name(t, j);
                const int is_y = !strcmp(c, "O3");
                if (!is_y) names[p] = c;
                ok =
                    ks_table_get_double(ctx, t, j, is_y ? y : X + p * n, ks_table_nrow(t)) == KS_OK;
                p += !is_y;
            }
        }
        ks_mars_options mo = KS_MARS_OPTIONS_INIT;
        mo.max_degree = 2;
        if (!ok || ks_mars_fit(ctx, n, p, X, 1, y, NULL, &mo, &mm) != KS_OK) {
            rc = cli_fail(ctx, "demo");
        } else {
            ks_mars_view v;
            ks_mars_get(mm, &v);
            const char *target[1] = {"O3"};
            cli_print_mars(&v, names, target);
        }
        ks_mars_free(mm);
        free(X);
        free(y);
        ks_table_free(t);
    }
    if (rc == CLI_OK) {
        printf("\n== 4. Genomic SEM: munge, LD score regression, usermodel and "
               "commonfactorGWAS (data/gsem_sample.txt, embedded) ==\n");
        rc = demo_gsem();
    }
    ks_ctx_free(ctx);
    return rc;
}
