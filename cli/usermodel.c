/* usermodel.c — `kestrel usermodel` and `kestrel commonfactor`: GenomicSEM's usermodel() and
 * commonfactor() on a covstruc file (`kestrel ldsc` writes PREFIX_covstruc.txt), printing R's two
 * tables (modelfit, results) and with --out PREFIX writing them as PREFIX_modelfit.tsv and
 * PREFIX_results.tsv. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

/* --estimation: GenomicSEM's two, by the library's estimator names. */
static int estimation(const char *cmd, const char *s, ks_sem_estimator *out)
{
    *out = KS_SEM_DWLS;
    if (!s) return CLI_OK;
    if (CLI_ENUM(cmd, "--estimation", s, sem_estimator, out)) return CLI_USAGE;
    if (*out == KS_SEM_DWLS || *out == KS_SEM_ML) return CLI_OK;
    fprintf(stderr, "kestrel %s: --estimation %s: GenomicSEM fits DWLS or ML\n", cmd, s);
    return CLI_USAGE;
}

/* A number as R's table shows it (15 digits; NA for NaN), or "" for the SE of a fixed row. */
static void cell(FILE *f, double x, int blank)
{
    if (blank) return;
    if (isnan(x))
        fputs("NA", f);
    else
        fprintf(f, "%.15g", x);
}

static void write_modelfit(FILE *f, const ks_gsem_usermodel_view *v)
{
    fputs("chisq\tdf\tp_chisq\tAIC\tCFI\tSRMR\n", f);
    const double fv[6] = {v->chisq, v->df, v->p_chisq, v->aic, v->cfi, v->srmr};
    for (int i = 0; i < 6; i++) {
        fputs(i ? "\t" : "", f);
        cell(f, fv[i], 0);
    }
    fputc('\n', f);
}

/* R's results columns; a fixed row's SEs empty, as R writes them. */
static void write_results(FILE *f, const ks_gsem_usermodel_view *v)
{
    for (size_t c = 0; c < v->ncol; c++) fprintf(f, "%s%s", c ? "\t" : "", v->colnames[c]);
    fputc('\n', f);
    const int cf = v->std_all == NULL;
    for (size_t i = 0; i < v->nrow; i++) {
        fprintf(f, "%s\t%s\t%s", v->lhs[i], v->op[i], v->rhs[i]);
        const double x[6] = {v->est[i],
                             v->se[i],
                             v->std_genotype[i],
                             v->std_genotype_se[i],
                             cf ? v->pvalue[i] : v->std_all[i],
                             v->pvalue[i]};
        for (int j = 0; j < (cf ? 5 : 6); j++) {
            fputc('\t', f);
            cell(f, x[j], v->fixed[i] && (j == 1 || j == 3));
        }
        fputc('\n', f);
    }
}

static int report(const char *cmd, const ks_gsem_usermodel_view *v, const char *out)
{
    fputs("modelfit:\n", stdout);
    write_modelfit(stdout, v);
    fputs("\nresults:\n", stdout);
    write_results(stdout, v);
    if (v->S_diff > 0 || v->V_diff > 0)
        printf("\nsmoothing: LD_sdiff %.6g, LD_sdiff2 %.6g, Z_diff %.6g\n", v->S_diff, v->V_diff,
               v->Z_diff);
    if (!out) return CLI_OK;
    const size_t n = strlen(out) + 32;
    char *path = malloc(n);
    if (!path) return CLI_FAILED;
    int rc = CLI_OK;
    for (int t = 0; t < 2 && rc == CLI_OK; t++) {
        snprintf(path, n, "%s_%s.tsv", out, t ? "results" : "modelfit");
        FILE *f = fopen(path, "w");
        if (!f) {
            fprintf(stderr, "kestrel %s: %s: cannot write\n", cmd, path);
            rc = CLI_FAILED;
            break;
        }
        if (t)
            write_results(f, v);
        else
            write_modelfit(f, v);
        if (ferror(f) | fclose(f)) {
            fprintf(stderr, "kestrel %s: %s: write failed\n", cmd, path);
            rc = CLI_FAILED;
        }
    }
    free(path);
    return rc;
}

int cmd_usermodel(int argc, char **argv)
{
    const char *ldsc = NULL, *model = NULL, *est = NULL, *stdlv = NULL, *fixr = NULL, *toler = NULL,
               *out = NULL, *impcov = NULL, *qfac = NULL;
    const cli_opt opts[] = {
        {"ldsc", 1, &ldsc, "FILE", "the covstruc file (kestrel ldsc's PREFIX_covstruc.txt)"},
        {"model", 1, &model, "FILE|TEXT",
         "lavaan model syntax: a file, or the text itself\n"
         "(lines separated by ';' or newlines)"},
        {"estimation", 1, &est, "NAME", "DWLS (default) or ML"},
        {"std-lv", 0, &stdlv, NULL, "lavaan's std.lv: latent variances fixed to 1"},
        {"imp-cov", 0, &impcov, NULL, "also print the model-implied and residual covariances"},
        {"no-fix-resid", 0, &fixr, NULL,
         "do not refit a failed model with the residual\n"
         "variances bounded below (R's fix_resid=FALSE)"},
        {"toler", 1, &toler, "X", "the sandwich's solve() tolerance (default: none)"},
        {"q-factor", 0, &qfac, NULL,
         "also R's Q_Factor table (the residual covariances between\n"
         "the indicators of each pair of correlated factors)"},
        {"out", 1, &out, "PREFIX", "also write PREFIX_modelfit.tsv and PREFIX_results.tsv"},
    };
    int rc = cli_parse_help("usermodel", argc, argv, opts, sizeof opts / sizeof *opts,
                            "usage: kestrel usermodel --ldsc FILE --model FILE|TEXT [options]\n\n"
                            "GenomicSEM's usermodel(): a lavaan model fitted to the genetic "
                            "covariance matrix of\nan ldsc run; R's modelfit and results tables.\n",
                            NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!ldsc || !model) {
        fprintf(stderr, "kestrel usermodel: --ldsc and --model are required (see --help)\n");
        return CLI_USAGE;
    }
    ks_gsem_usermodel_options o = KS_GSEM_USERMODEL_OPTIONS_INIT;
    if (estimation("usermodel", est, &o.estimation)) return CLI_USAGE;
    if (toler && cli_positive("usermodel", "--toler", toler, &o.toler)) return CLI_USAGE;
    o.std_lv = stdlv != NULL;
    o.fix_resid = fixr == NULL;
    o.imp_cov = impcov != NULL;
    o.q_factor = qfac != NULL;
    struct stat st;
    char *text = NULL;
    if (stat(model, &st) == 0 && !(text = cli_read_file("usermodel", model))) return CLI_FAILED;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_usermodel *u = NULL;
    if ((rc = cli_ctx(&ctx, "usermodel", NULL))) goto done;
    if (ks_gsem_ldsc_read(ctx, ldsc, &cs) ||
        ks_gsem_usermodel_fit(ctx, cs, text ? text : model, &o, &u)) {
        rc = cli_fail(ctx, "usermodel");
        goto done;
    }
    ks_gsem_usermodel_view v;
    ks_gsem_usermodel_get(u, &v);
    rc = report("usermodel", &v, out);
    if (rc == CLI_OK && o.q_factor) {
        printf("\nQ_Factor:\nFactor1\tFactor2\tQFactor_chisq\tQFactor_df\tQFactor_p\n");
        for (size_t i = 0; i < v.nqfactor; i++) {
            printf("%s\t%s\t", v.qf_factor1[i], v.qf_factor2[i]);
            cell(stdout, v.qf_chisq[i], 0);
            putchar('\t');
            cell(stdout, v.qf_df[i], 0);
            putchar('\t');
            cell(stdout, v.qf_pvalue[i], 0);
            putchar('\n');
        }
    }
    if (rc == CLI_OK && v.implied_cov) {
        const double *m[2] = {v.implied_cov, v.resid_cov};
        const char *title[2] = {"Model Implied Covariance Matrix",
                                "Residual Covariance Matrix: Calculated as Observed Cov - Model "
                                "Implied Cov"};
        for (int t = 0; t < 2; t++) {
            printf("\n%s:\n%-10s", title[t], "");
            for (size_t j = 0; j < v.k; j++) printf(" %16s", v.traits[j]);
            for (size_t i = 0; i < v.k; i++) {
                printf("\n%-10s", v.traits[i]);
                for (size_t j = 0; j < v.k; j++) printf(" %16.9g", m[t][i + j * v.k]);
            }
            putchar('\n');
        }
    }
done:
    ks_gsem_usermodel_free(u);
    ks_gsem_ldsc_free(cs);
    ks_ctx_free(ctx);
    free(text);
    return rc;
}

int cmd_commonfactor(int argc, char **argv)
{
    const char *ldsc = NULL, *est = NULL, *out = NULL;
    const cli_opt opts[] = {
        {"ldsc", 1, &ldsc, "FILE", "the covstruc file (kestrel ldsc's PREFIX_covstruc.txt)"},
        {"estimation", 1, &est, "NAME", "DWLS (default) or ML"},
        {"out", 1, &out, "PREFIX", "also write PREFIX_modelfit.tsv and PREFIX_results.tsv"},
    };
    int rc = cli_parse_help("commonfactor", argc, argv, opts, sizeof opts / sizeof *opts,
                            "usage: kestrel commonfactor --ldsc FILE [--estimation DWLS|ML]\n\n"
                            "GenomicSEM's commonfactor(): one factor over every trait of an ldsc "
                            "run; R's\nmodelfit and results tables.\n",
                            NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!ldsc) {
        fprintf(stderr, "kestrel commonfactor: --ldsc is required (see --help)\n");
        return CLI_USAGE;
    }
    ks_gsem_commonfactor_options o = KS_GSEM_COMMONFACTOR_OPTIONS_INIT;
    if (estimation("commonfactor", est, &o.estimation)) return CLI_USAGE;
    ks_ctx *ctx = NULL;
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_commonfactor *c = NULL;
    if ((rc = cli_ctx(&ctx, "commonfactor", NULL))) goto done;
    if (ks_gsem_ldsc_read(ctx, ldsc, &cs) || ks_gsem_commonfactor_fit(ctx, cs, &o, &c)) {
        rc = cli_fail(ctx, "commonfactor");
        goto done;
    }
    ks_gsem_commonfactor_view v;
    ks_gsem_commonfactor_get(c, &v);
    rc = report("commonfactor", &v, out);
done:
    ks_gsem_commonfactor_free(c);
    ks_gsem_ldsc_free(cs);
    ks_ctx_free(ctx);
    return rc;
}
