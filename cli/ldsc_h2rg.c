/* ldsc_h2rg.c — `kestrel ldsc --h2 FILE` and `kestrel ldsc --rg A,B,...`: bulik/ldsc's own
 * estimators (ks_gsem_h2_fit / ks_gsem_rg_fit) with ldsc.py's options, its log (PREFIX.log, also on
 * stdout) and a TSV of the results (PREFIX.h2.tsv / PREFIX.rg.tsv). */
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

/* The log: a growing text, written to PREFIX.log and stdout at the end. */
typedef struct {
    char *s;
    size_t n, cap;
    int oom;
} sbuf;

static void sb_printf(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0) return;
        if (b->s && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return;
        }
        const size_t nc = (b->cap ? 2 * b->cap : 4096) + (size_t)k;
        char *t = realloc(b->s, nc);
        if (!t) {
            b->oom = 1;
            return;
        }
        b->s = t;
        b->cap = nc;
    }
}

/* A number as numpy prints it at precision 4 (ldsc.py's setting): at most 4 decimals, trailing
 * zeros trimmed; scientific below 1e-4 or from 1e8. */
static const char *np4(double x, char *buf)
{
    if (isnan(x)) return strcpy(buf, "nan");
    if (isinf(x)) return strcpy(buf, x > 0 ? "inf" : "-inf");
    const double a = fabs(x);
    if (a != 0.0 && (a < 1e-4 || a >= 1e8)) {
        snprintf(buf, 32, "%.4e", x);
        char *e = strchr(buf, 'e'), *d = e;
        while (d[-1] == '0') d--;
        memmove(d, e, strlen(e) + 1);
        return buf;
    }
    snprintf(buf, 32, "%.4f", x);
    size_t k = strlen(buf);
    while (buf[k - 1] == '0') buf[--k] = '\0';
    return buf;
}

static void sb_nums(sbuf *b, const double *v, size_t n)
{
    char t[32];
    for (size_t j = 0; j < n; j++) sb_printf(b, "%s%s", j ? " " : "", np4(v[j], t));
}

/* "NA,0.5" -> k numbers (NA, nan: NaN; k 0: any count, in *n); NULL when s is NULL. */
static int num_list(const char *opt, const char *s, size_t k, double **out, size_t *n)
{
    *out = NULL;
    if (n) *n = 0;
    if (!s) return CLI_OK;
    const char **l = NULL;
    size_t m = 0;
    int rc = cli_list("ldsc", opt, s, &l, &m);
    if (rc) return rc;
    if (k && m != k) {
        fprintf(stderr, "kestrel ldsc: %s has %zu values for %zu file%s\n", opt, m, k,
                k == 1 ? "" : "s");
        free(l);
        return CLI_USAGE;
    }
    double *v = calloc(m, sizeof *v);
    if (!v) {
        fprintf(stderr, "kestrel ldsc: out of memory\n");
        rc = CLI_FAILED;
    }
    for (size_t i = 0; !rc && i < m; i++) {
        if (!strcmp(l[i], "NA") || !strcmp(l[i], "nan") || !strcmp(l[i], "NaN"))
            v[i] = NAN;
        else if (cli_num("ldsc", opt, l[i], &v[i]))
            rc = CLI_USAGE;
    }
    free(l);
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    if (n) *n = m;
    return CLI_OK;
}

/* Upstream's display of a prefix: '@' or the end as [1-22] when split by chromosome. */
static void sb_prefix(sbuf *b, const char *p, int by_chr)
{
    if (!by_chr) {
        sb_printf(b, "%s", p);
        return;
    }
    if (!strchr(p, '@')) {
        sb_printf(b, "%s[1-22]", p);
        return;
    }
    for (; *p; p++)
        if (*p == '@')
            sb_printf(b, "[1-22]");
        else
            sb_printf(b, "%c", *p);
}

static void sb_inputs(sbuf *b, const ks_gsem_h2rg_options *o, size_t read, size_t dup, size_t ld_snps,
                      size_t w_snps, size_t merged_ld, size_t merged_w, const char *first)
{
    sb_printf(b, "Reading summary statistics from %s ...\nRead summary statistics for %zu SNPs.\n",
              first, read);
    if (dup) sb_printf(b, "Dropped %zu SNPs with duplicated rs numbers.\n", dup);
    sb_printf(b, "Reading reference panel LD Score from ");
    sb_prefix(b, o->ref_ld ? o->ref_ld : o->ref_ld_chr, !o->ref_ld);
    sb_printf(b,
              " ... (ldscore_fromlist)\nRead reference panel LD Scores for %zu SNPs.\n"
              "Removing partitioned LD Scores with zero variance.\n"
              "Reading regression weight LD Score from ",
              ld_snps);
    sb_prefix(b, o->w_ld ? o->w_ld : o->w_ld_chr, !o->w_ld);
    sb_printf(b,
              " ... (ldscore_fromlist)\nRead regression weight LD Scores for %zu SNPs.\n"
              "After merging with reference panel LD, %zu SNPs remain.\n"
              "After merging with regression SNP LD, %zu SNPs remain.\n",
              w_snps, merged_ld, merged_w);
}

/* Hsq.summary / Gencov.summary, on the liability scale when the fit has a factor. */
static void sb_fit(sbuf *b, const ks_gsem_h2rg_regression *f, int gencov, const char *const *annot)
{
    char t1[32], t2[32];
    const char *T = f->liab != 1.0 ? "Liability" : "Observed";
    sb_printf(b, "Total %s scale %s: %s (%s)\n", T, gencov ? "gencov" : "h2", np4(f->tot_liab, t1),
              np4(f->tot_se_liab, t2));
    if (f->n_annot > 1) {
        sb_printf(b, "Categories:");
        for (size_t j = 0; j < f->n_annot; j++) sb_printf(b, " %s", annot[j]);
        sb_printf(b, "\n%s scale %s: ", T, gencov ? "gencov" : "h2");
        sb_nums(b, f->cat_liab, f->n_annot);
        sb_printf(b, "\n%s scale %s SE: ", T, gencov ? "gencov" : "h2");
        sb_nums(b, f->cat_se_liab, f->n_annot);
        sb_printf(b, "\nProportion of SNPs: ");
        sb_nums(b, f->M_prop, f->n_annot);
        sb_printf(b, "\nProportion of %s: ", gencov ? "gencov" : "h2g");
        sb_nums(b, f->prop, f->n_annot);
        sb_printf(b, "\nEnrichment: ");
        sb_nums(b, f->enrichment, f->n_annot);
        if (!gencov) {
            sb_printf(b, "\nCoefficients: ");
            sb_nums(b, f->coef, f->n_annot);
            sb_printf(b, "\nCoefficient SE: ");
            sb_nums(b, f->coef_se, f->n_annot);
        }
        sb_printf(b, "\n");
    }
    if (!gencov)
        sb_printf(b, "Lambda GC: %s\nMean Chi^2: %s\n", np4(f->lambda_gc, t1),
                  np4(f->mean_chisq, t2));
    else
        sb_printf(b, "Mean z1*z2: %s\n", np4(f->mean_z1z2, t1));
    if (f->intercept_constrained) {
        sb_printf(b, "Intercept: constrained to %s\n", np4(f->intercept, t1));
        return;
    }
    sb_printf(b, "Intercept: %s (%s)\n", np4(f->intercept, t1), np4(f->intercept_se, t2));
    if (gencov) return;
    if (!(f->mean_chisq > 1.0))
        sb_printf(b, "Ratio: NA (mean chi^2 < 1)\n");
    else if (f->ratio < 0)
        sb_printf(b, "Ratio < 0 (usually indicates GC correction).\n");
    else
        sb_printf(b, "Ratio: %s (%s)\n", np4(f->ratio, t1), np4(f->ratio_se, t2));
}

static void sb_head(sbuf *b, int argc, char **argv, time_t t0)
{
    char tm[64];
    sb_printf(b,
              "*********************************************************************\n"
              "* LD Score Regression (LDSC), bulik/ldsc 1.0.1's estimators in kestrel %s\n"
              "* (LDSC: (C) 2014-2019 Brendan Bulik-Sullivan and Hilary Finucane)\n"
              "*********************************************************************\n"
              "Call: \nkestrel ldsc \\\n",
              ks_version());
    for (int i = 1; i < argc; i++) {
        const int val = i + 1 < argc && strncmp(argv[i + 1], "--", 2);
        sb_printf(b, "%s%s%s%s\n", argv[i], val ? " " : "", val ? argv[i + 1] : "",
                  i + 1 + val < argc ? " \\" : "");
        i += val;
    }
    sb_printf(b, "\nBeginning analysis at %s", ctime_r(&t0, tm));
}

static void sb_tail(sbuf *b, time_t t0)
{
    char tm[64];
    const time_t t1 = time(NULL);
    sb_printf(b, "Analysis finished at %sTotal time elapsed: %.0fs\n", ctime_r(&t1, tm),
              difftime(t1, t0));
}

/* PREFIX.log (the log text) and PREFIX<ext> opened in a new group *g (the log and the results:
 * both or neither). */
static int open_outputs(ks_ctx *ctx, const char *out, const sbuf *b, const char *ext,
                        ks_text_group **g, ks_text_writer **w)
{
    *g = NULL;
    if (b->oom || ks_text_group_new(ctx, g) != KS_OK) {
        fprintf(stderr, "kestrel ldsc: out of memory\n");
        return CLI_FAILED;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s.log", out);
    ks_text_writer *lw;
    if (ks_text_group_create(ctx, *g, path, 0, &lw) == KS_OK) {
        ks_text_write(lw, b->s, b->n);
        snprintf(path, sizeof path, "%s%s", out, ext);
        if (ks_text_commit(lw) == KS_OK && ks_text_group_create(ctx, *g, path, 0, w) == KS_OK)
            return CLI_OK;
    }
    ks_text_group_abort(*g);
    *g = NULL;
    return cli_fail(ctx, "ldsc");
}

/* The results' writer finished and the group committed; then the log on stdout (freed). */
static int close_outputs(ks_ctx *ctx, ks_text_group *g, ks_text_writer *w, sbuf *b)
{
    int rc = CLI_OK;
    if (ks_text_commit(w) != KS_OK) {
        ks_text_group_abort(g);
        rc = cli_fail(ctx, "ldsc");
    } else if (ks_text_group_commit(g) != KS_OK) {
        rc = cli_fail(ctx, "ldsc");
    } else {
        fwrite(b->s, 1, b->n, stdout);
    }
    free(b->s);
    b->s = NULL;
    return rc;
}

static void tsv_num(ks_text_writer *w, double v)
{
    if (isnan(v))
        ks_text_puts(w, "\tNA");
    else
        ks_text_printf(w, "\t%.17g", v);
}

static int run_h2(ks_ctx *ctx, const char *file, const ks_gsem_h2rg_options *o, const char *out,
                  int argc, char **argv)
{
    const time_t t0 = time(NULL);
    ks_gsem_h2 *h = NULL;
    if (ks_gsem_h2_fit(ctx, file, o, &h) != KS_OK) return cli_fail(ctx, "ldsc");
    ks_gsem_h2_view v;
    ks_gsem_h2_get(h, &v);
    const ks_gsem_h2_view *r = &v;
    const ks_gsem_h2rg_regression *f = &r->h2;
    sbuf b = {0};
    sb_head(&b, argc, argv, t0);
    sb_inputs(&b, o, r->snps_read, r->snps_dup, r->ld_snps, r->w_snps, r->merged_ld, r->merged_w,
              file);
    if (r->merged_w < 200000)
        sb_printf(&b, "WARNING: number of SNPs less than 200k; this is almost always bad.\n");
    if (!isnan(r->chisq_max))
        sb_printf(&b, "Removed %zu SNPs with chi^2 > %g (%zu SNPs remain)\n", r->chisq_removed,
                  r->chisq_max, r->merged_w - r->chisq_removed);
    if (!isnan(f->two_step))
        sb_printf(&b, "Using two-step estimator with cutoff at %g.\n", f->two_step);
    sb_fit(&b, f, 0, r->annot);
    sb_tail(&b, t0);
    ks_text_writer *w = NULL;
    ks_text_group *g = NULL;
    int rc = open_outputs(ctx, out, &b, ".h2.tsv", &g, &w);
    if (!rc) {
        const int liab = r->liab != 1.0;
        ks_text_printf(w,
                       "category\th2\th2_se%s\tintercept\tintercept_se\tratio\tratio_se\t"
                       "mean_chisq\tlambda_gc\tn_snp\tprop_snps\tprop_h2\tprop_h2_se\t"
                       "enrichment\tcoef\tcoef_se\n",
                       liab ? "\th2_liab\th2_liab_se" : "");
        for (size_t j = 0; j <= (f->n_annot > 1 ? f->n_annot : 0); j++) {
            const int tot = j == 0, a = tot ? 0 : (int)j - 1;
            const int one = f->n_annot == 1;
            ks_text_puts(w, tot ? "total" : r->annot[a]);
            tsv_num(w, tot ? f->tot : f->cat[a]);
            tsv_num(w, tot ? f->tot_se : f->cat_se[a]);
            if (liab) {
                tsv_num(w, tot ? f->tot_liab : f->cat_liab[a]);
                tsv_num(w, tot ? f->tot_se_liab : f->cat_se_liab[a]);
            }
            const double na = NAN;
            tsv_num(w, tot ? f->intercept : na);
            tsv_num(w, tot ? f->intercept_se : na);
            tsv_num(w, tot ? f->ratio : na);
            tsv_num(w, tot ? f->ratio_se : na);
            tsv_num(w, tot ? f->mean_chisq : na);
            tsv_num(w, tot ? f->lambda_gc : na);
            ks_text_printf(w, "\t%zu", f->n_snp);
            tsv_num(w, tot ? 1.0 : f->M_prop[a]);
            tsv_num(w, tot ? 1.0 : f->prop[a]);
            tsv_num(w, tot ? (one ? f->prop_se[0] : 0.0) : f->prop_se[a]);
            tsv_num(w, tot ? 1.0 : f->enrichment[a]);
            tsv_num(w, tot && !one ? na : f->coef[a]);
            tsv_num(w, tot && !one ? na : f->coef_se[a]);
            ks_text_puts(w, "\n");
        }
        rc = close_outputs(ctx, g, w, &b);
    }
    free(b.s);
    ks_gsem_h2_free(h);
    return rc;
}

/* The summary table, with pandas' look: right-aligned columns, 4 decimals (scientific when a
 * value would print as 0). */
static void sb_table(sbuf *b, char *const *files, const ks_gsem_rg_view *r, int liab)
{
    static const char *const head[12] = {"p1",     "p2",        "rg",       "se",
                                         "z",      "p",         "h2_obs",   "h2_obs_se",
                                         "h2_int", "h2_int_se", "gcov_int", "gcov_int_se"};
    const size_t np = r->k - 1;
    char (*cell)[12][64] = calloc(np ? np : 1, sizeof *cell);
    if (!cell) return;
    for (int c = 2; c < 12; c++) {
        int sci = 0;
        double *v = calloc(np ? np : 1, sizeof *v);
        if (!v) break;
        for (size_t q = 0; q < np; q++) {
            const ks_gsem_rg_pair *p = &r->pair[q];
            const double h = c == 6 ? p->hsq2.tot_liab : c == 7 ? p->hsq2.tot_se_liab : 0;
            v[q] = p->error  ? NAN
                   : c == 2  ? p->rg
                   : c == 3  ? p->rg_se
                   : c == 4  ? p->z
                   : c == 5  ? p->p
                   : c <= 7  ? h
                   : c == 8  ? p->hsq2.intercept
                   : c == 9  ? p->hsq2.intercept_se
                   : c == 10 ? p->gencov.intercept
                             : p->gencov.intercept_se;
            if (!p->error && p->negative_hsq && c <= 5) v[q] = NAN;
            sci |= v[q] != 0.0 && fabs(v[q]) < 5e-5;
        }
        for (size_t q = 0; q < np; q++)
            if (isnan(v[q]))
                strcpy(cell[q][c], "NA");
            else
                snprintf(cell[q][c], 64, sci ? "%.4e" : "%.4f", v[q]);
        free(v);
    }
    /* the file names themselves in the first two columns */
#define CELL(q, c) ((c) == 0 ? files[0] : (c) == 1 ? files[(q) + 1] : cell[q][c])
    int wd[12];
    for (int c = 0; c < 12; c++) {
        const char *h = liab && c == 6 ? "h2_liab" : liab && c == 7 ? "h2_liab_se" : head[c];
        wd[c] = (int)strlen(h);
        for (size_t q = 0; q < np; q++)
            if ((int)strlen(CELL(q, c)) > wd[c]) wd[c] = (int)strlen(CELL(q, c));
        sb_printf(b, "%s%*s", c ? " " : "", wd[c], h);
    }
    sb_printf(b, "\n");
    for (size_t q = 0; q < np; q++) {
        for (int c = 0; c < 12; c++) sb_printf(b, "%s%*s", c ? " " : "", wd[c], CELL(q, c));
        sb_printf(b, "\n");
    }
#undef CELL
    free(cell);
}

static void sb_pair(sbuf *b, const ks_gsem_rg_view *r, size_t q, char *const *files, int silly)
{
    const ks_gsem_rg_pair *p = &r->pair[q];
    const size_t k = r->k;
    char t1[32], t2[32], t3[32], t4[32];
    sb_printf(b, "Computing rg for phenotype %zu/%zu\nReading summary statistics from %s ...\n",
              q + 2, k, files[q + 1]);
    if (!p->error || p->snps_read) { /* (a file that failed to read has no counts) */
        sb_printf(b, "Read summary statistics for %zu SNPs.\n", p->snps_read);
        if (p->snps_dup)
            sb_printf(b, "Dropped %zu SNPs with duplicated rs numbers.\n", p->snps_dup);
        sb_printf(b, "After merging with summary statistics, %zu SNPs remain.\n", p->merged);
    }
    if (p->error) {
        sb_printf(b, "ERROR computing rg for phenotype %zu/%zu, from file %s.\n%s\n\n", q + 2, k,
                  files[q + 1], p->error);
        return;
    }
    sb_printf(b, "%zu SNPs with valid alleles.\n", p->valid_alleles);
    if (p->valid_alleles < 200000)
        sb_printf(b, "WARNING: number of SNPs less than 200k; this is almost always bad.\n");
    if (p->cond > 100000.0)
        sb_printf(b,
                  "WARNING: LD Score matrix condition number is %.0f. Inverting anyway because "
                  "the --invert-anyway flag is set.\n",
                  p->cond);
    if (q == 0) {
        sb_printf(b, "\nHeritability of phenotype 1\n---------------------------\n");
        sb_fit(b, &p->hsq1, 0, r->annot);
    }
    char title[64];
    const int tl = snprintf(title, sizeof title, "Heritability of phenotype %zu/%zu", q + 2, k);
    sb_printf(b, "\n%s\n%.*s\n", title, tl,
              "--------------------------------------------------------");
    sb_fit(b, &p->hsq2, 0, r->annot);
    sb_printf(b, "\nGenetic Covariance\n------------------\n");
    sb_fit(b, &p->gencov, 1, r->annot);
    sb_printf(b, "\nGenetic Correlation\n-------------------\n");
    if (p->negative_hsq)
        sb_printf(b, "Genetic Correlation: nan (nan) (h2  out of bounds) \nZ-score: nan (nan) (h2  "
                     "out of bounds)\nP: nan (nan) (h2  out of bounds)\nWARNING: One of the h2's "
                     "was out of bounds.\nThis usually indicates a data-munging error or that h2 "
                     "or N is low.\n\n");
    else if (p->out_of_bounds && !silly)
        sb_printf(
            b,
            "Genetic Correlation: nan (nan) (rg out of bounds) \nZ-score: nan (nan) (rg "
            "out of bounds)\nP: nan (nan) (rg out of bounds)\nWARNING: rg was out of "
            "bounds.\n%s\n\n",
            p->gencov.intercept_constrained
                ? "This often means that you have constrained the intercepts to the wrong values."
                : "This often means that h2 is not significantly different from zero.");
    else
        sb_printf(b, "Genetic Correlation: %s (%s)\nZ-score: %s\nP: %s\n\n", np4(p->rg, t1),
                  np4(p->rg_se, t2), np4(p->z, t3), np4(p->p, t4));
}

static int run_rg(ks_ctx *ctx, size_t k, char *const *files, const ks_gsem_h2rg_options *o,
                  const char *out, int silly, int argc, char **argv)
{
    const time_t t0 = time(NULL);
    ks_gsem_rg *res = NULL;
    if (ks_gsem_rg_fit(ctx, k, (const char *const *)files, o, &res) != KS_OK)
        return cli_fail(ctx, "ldsc");
    ks_gsem_rg_view v;
    ks_gsem_rg_get(res, &v);
    const ks_gsem_rg_view *r = &v;
    sbuf b = {0};
    sb_head(&b, argc, argv, t0);
    sb_inputs(&b, o, r->snps_read, r->snps_dup, r->ld_snps, r->w_snps, r->merged_ld, r->merged_w,
              files[0]);
    if (!isnan(r->two_step))
        sb_printf(&b, "Using two-step estimator with cutoff at %g.\n", r->two_step);
    size_t failed = 0;
    for (size_t q = 0; q + 1 < k; q++) {
        sb_pair(&b, r, q, files, silly);
        failed += r->pair[q].error != NULL;
    }
    const int liab = o->samp_prev != NULL;
    sb_printf(&b, "\nSummary of Genetic Correlation Results\n");
    sb_table(&b, files, r, liab);
    sb_printf(&b, "\n");
    sb_tail(&b, t0);
    ks_text_writer *w = NULL;
    ks_text_group *g = NULL;
    int rc = open_outputs(ctx, out, &b, ".rg.tsv", &g, &w);
    if (!rc) {
        ks_text_printf(w,
                       "p1\tp2\trg\tse\tz\tp\t%s\th2_int\th2_int_se\tgcov_int\tgcov_int_se\t"
                       "gcov\tgcov_se\tn_snp\terror\n",
                       liab ? "h2_liab\th2_liab_se" : "h2_obs\th2_obs_se");
        for (size_t q = 0; q + 1 < k; q++) {
            const ks_gsem_rg_pair *p = &r->pair[q];
            const int ok = !p->error;
            const double na = NAN;
            ks_text_printf(w, "%s\t%s", files[0], files[q + 1]);
            tsv_num(w, ok ? p->rg : na);
            tsv_num(w, ok ? p->rg_se : na);
            tsv_num(w, ok ? p->z : na);
            tsv_num(w, ok ? p->p : na);
            tsv_num(w, ok ? p->hsq2.tot_liab : na);
            tsv_num(w, ok ? p->hsq2.tot_se_liab : na);
            tsv_num(w, ok ? p->hsq2.intercept : na);
            tsv_num(w, ok ? p->hsq2.intercept_se : na);
            tsv_num(w, ok ? p->gencov.intercept : na);
            tsv_num(w, ok ? p->gencov.intercept_se : na);
            tsv_num(w, ok ? p->gencov.tot : na);
            tsv_num(w, ok ? p->gencov.tot_se : na);
            ks_text_printf(w, "\t%zu\t", ok ? p->gencov.n_snp : (size_t)0);
            if (p->error)
                for (const char *c = p->error; *c; c++)
                    ks_text_printf(w, "%c", *c == '\t' || *c == '\n' ? ' ' : *c);
            else
                ks_text_puts(w, "NA");
            ks_text_puts(w, "\n");
        }
        rc = close_outputs(ctx, g, w, &b);
    }
    free(b.s);
    if (!rc && failed) {
        fprintf(stderr, "kestrel ldsc: %zu of %zu pairs failed (see %s.log)\n", failed, k - 1, out);
        rc = CLI_FAILED;
    }
    ks_gsem_rg_free(res);
    return rc;
}

int cmd_ldsc_h2rg(int argc, char **argv)
{
    const char *h2 = NULL, *rg = NULL, *ref = NULL, *refc = NULL, *wld = NULL, *wldc = NULL,
               *out = "ldsc", *M = NULL, *notm = NULL, *nb = NULL, *ts = NULL, *cmax = NULL,
               *noint = NULL, *ih = NULL, *ig = NULL, *sp = NULL, *pp = NULL, *nochk = NULL,
               *inv = NULL, *silly = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"h2", 1, &h2, "FILE", "the SNP heritability of this file"},
        {"rg", 1, &rg, "LIST", "the genetic correlation of the first file with each other one"},
        {"ref-ld", 1, &ref, "LIST", "LD score prefixes, comma-separated (side by side)"},
        {"ref-ld-chr", 1, &refc, "LIST", "the same split over chromosomes 1..22 ('@': the number,\n"
                                         "else appended)"},
        {"w-ld", 1, &wld, "P", "regression weight LD scores (one file set, one column)"},
        {"w-ld-chr", 1, &wldc, "P", "the same split over chromosomes 1..22"},
        {"out", 1, &out, "PREFIX", "output prefix (ldsc; an ending .log, .h2.tsv or .rg.tsv is\n"
                                   "not repeated)"},
        {"M", 1, &M, "LIST", "SNPs per annotation instead of the .l2.M_5_50 files"},
        {"not-M-5-50", 0, &notm, NULL, "read PREFIX.l2.M instead of PREFIX.l2.M_5_50"},
        {"n-blocks", 1, &nb, "N", "jackknife blocks (200)"},
        {"two-step", 1, &ts, "X", "two-step cutoff (h2, one annotation, free intercept: 30;\n"
                                  "rg: none); off: none"},
        {"chisq-max", 1, &cmax, "X", "keep chi2 below X (h2 with several annotations:\n"
                                     "max(0.001 max N, 80); else none)"},
        {"no-intercept", 0, &noint, NULL, "h2 intercepts 1, genetic covariance intercepts 0"},
        {"intercept-h2", 1, &ih, "LIST", "constrained h2 intercepts (per file; NA: free)"},
        {"intercept-gencov", 1, &ig, "LIST", "constrained gencov intercepts (per file, the first "
                                             "unused)"},
        {"samp-prev", 1, &sp, "LIST", "sample prevalences (per file; NA: observed scale)"},
        {"pop-prev", 1, &pp, "LIST", "population prevalences (per file; NA: observed scale)"},
        {"no-check-alleles", 0, &nochk, NULL, "rg: neither check nor align the alleles"},
        {"invert-anyway", 0, &inv, NULL, "rg: go on when the LD scores are ill-conditioned"},
        {"return-silly-things", 0, &silly, NULL, "rg: print rg even when |rg| > 1.2"},
        {"threads", 1, &threads, "N", "rg pairs in parallel, at most (default 0: all cores)"},
    };
    int rc = cli_parse_help(
        "ldsc", argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel ldsc --h2 T.sumstats.gz | --rg T1.sumstats.gz,T2.sumstats.gz[,...]\n"
        "                    --ref-ld PREFIX | --ref-ld-chr PREFIX\n"
        "                    --w-ld PREFIX | --w-ld-chr PREFIX [options]\n\n"
        "bulik/ldsc's LD score regression (ldsc.py --h2 / --rg): the SNP heritability of "
        "one\nfile, or the genetic correlation of the first file with each other one. "
        "Inputs as\nmunge_sumstats.py writes them (SNP A1 A2 N Z, plain or gzip) and LD "
        "score file sets\nPREFIX.l2.ldscore[.gz] with PREFIX.l2.M_5_50. Writes PREFIX.log "
        "(upstream's log, also\nprinted) and PREFIX.h2.tsv or PREFIX.rg.tsv, both or "
        "neither.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    const char *bad = h2 && rg        ? "--h2 and --rg: one of them"
                      : ref && refc   ? "--ref-ld and --ref-ld-chr: one of them"
                      : wld && wldc   ? "--w-ld and --w-ld-chr: one of them"
                      : !ref && !refc ? "--ref-ld or --ref-ld-chr is required"
                      : !wld && !wldc ? "--w-ld or --w-ld-chr is required"
                      : !sp != !pp    ? "--samp-prev and --pop-prev: both or neither"
                                      : NULL;
    if (bad) {
        fprintf(stderr, "kestrel ldsc: %s (see kestrel ldsc --h2 x --help)\n", bad);
        return CLI_USAGE;
    }
    ks_gsem_h2rg_options o = KS_GSEM_H2RG_OPTIONS_INIT;
    o.ref_ld = ref;
    o.ref_ld_chr = refc;
    o.w_ld = wld;
    o.w_ld_chr = wldc;
    o.not_M_5_50 = notm != NULL;
    o.no_intercept = noint != NULL;
    o.no_check_alleles = nochk != NULL;
    o.invert_anyway = inv != NULL;
    long l;
    if (nb) {
        if (cli_int("ldsc", "--n-blocks", nb, 2, &l)) return CLI_USAGE;
        o.n_blocks = (int)l;
    }
    if (ts && !strcmp(ts, "off"))
        o.two_step = -1.0;
    else if (ts && cli_positive("ldsc", "--two-step", ts, &o.two_step))
        return CLI_USAGE;
    if (cmax && cli_positive("ldsc", "--chisq-max", cmax, &o.chisq_max)) return CLI_USAGE;
    size_t k = 0;
    const char **files = NULL;
    if ((rc = cli_list("ldsc", h2 ? "--h2" : "--rg", h2 ? h2 : rg, &files, &k))) return rc;
    double *Mv = NULL, *ihv = NULL, *igv = NULL, *spv = NULL, *ppv = NULL;
    char *prefix = NULL;
    ks_ctx *ctx = NULL;
    if (rg && k < 2) {
        fprintf(stderr, "kestrel ldsc: --rg needs at least two files\n");
        rc = CLI_USAGE;
        goto done;
    }
    if (h2 && k != 1) {
        fprintf(stderr, "kestrel ldsc: --h2 takes one file\n");
        rc = CLI_USAGE;
        goto done;
    }
    size_t nM = 0;
    if ((rc = num_list("--M", M, 0, &Mv, &nM)) ||
        (rc = num_list("--intercept-h2", ih, k, &ihv, NULL)) ||
        (rc = num_list("--intercept-gencov", ig, k, &igv, NULL)) ||
        (rc = num_list("--samp-prev", sp, k, &spv, NULL)) ||
        (rc = num_list("--pop-prev", pp, k, &ppv, NULL)))
        goto done;
    double Mt = 0.0; /* (several annotations may have M < 0: continuous ones; not their sum) */
    for (size_t j = 0; j < nM; j++) Mt += Mv[j];
    if (M && !(Mt > 0.0 && isfinite(Mt))) {
        fprintf(stderr, "kestrel ldsc: --M '%s': %s\n", M,
                nM == 1 ? "not a number > 0" : "the numbers must be finite, their sum > 0");
        rc = CLI_USAGE;
        goto done;
    }
    static const char *const ends[] = {".log", ".h2.tsv", ".rg.tsv", NULL};
    if (!(prefix = cli_out_prefix("ldsc", out, ends))) {
        rc = CLI_USAGE;
        goto done;
    }
    o.M = Mv;
    o.nM = nM;
    o.intercept_h2 = ihv;
    o.intercept_gencov = igv;
    o.samp_prev = spv;
    o.pop_prev = ppv;
    if ((rc = cli_ctx(&ctx, "ldsc", threads)) != CLI_OK) goto done;
    rc = h2 ? run_h2(ctx, files[0], &o, prefix, argc, argv)
            : run_rg(ctx, k, (char *const *)files, &o, prefix, silly != NULL, argc, argv);
done:
    free(prefix);
    free(Mv);
    free(ihv);
    free(igv);
    free(spv);
    free(ppv);
    free(files);
    ks_ctx_free(ctx);
    return rc;
}
