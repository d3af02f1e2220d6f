/* gsem.h — genomic SEM, part 1: munging GWAS summary statistics and LD score regression, as R
 * GenomicSEM's munge() and ldsc() compute them.
 *
 * munge reads each raw file as a stream (plain or gzip, whitespace-delimited, a header row whose
 * names are matched to GenomicSEM's synonyms case-insensitively), keeps the rows whose SNP is in
 * the reference list, and writes `SNP N Z A1 A2` (gzip TSV): Z = sign(effect) x |Phi^-1(P/2)|
 * with the effect aligned to the reference A1. Memory: the reference list plus the rows that
 * match it, whatever the input's size. Every row removed is counted by reason in the report. */
#ifndef KESTREL_GSEM_H
#define KESTREL_GSEM_H

#include "kestrel/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
    double N;           /* > 0: every row's N (GenomicSEM's N argument); 0: the N column */
    double info_filter; /* rows with INFO below are removed (default 0.9) */
    double maf_filter;  /* rows with MAF below are removed (default 0.01) */
    /* columns named by the caller: "SNP=MarkerName", "effect=logOR", ... NULL-terminated */
    const char *const *columns;
} ks_munge_options;
#define KS_MUNGE_OPTIONS_INIT                                                                      \
    {                                                                                              \
        0.0, 0.9, 0.01, NULL                                            \
    }

/* What munge did with one file: rows by the reason they were removed, in the order the rules
 * run. */
typedef struct {
    size_t rows;          /* data rows in the file */
    size_t short_rows;    /* with fewer fields than the header (their missing cells are NA) */
    size_t not_in_ref;    /* SNP not in the reference list */
    size_t p_missing, effect_missing;
    size_t p_out_of_range;  /* P outside [0, 1] */
    size_t or_negative;     /* an odds ratio below 0 */
    size_t a1_mismatch, a2_mismatch; /* alleles that match neither reference allele */
    size_t info_low, info_missing, maf_low; /* maf_low counts missing MAF too */
    size_t written;
    int effect_is_or;     /* the effect column was read as an odds ratio (median rule) */
    /* which file column became which: "SNP", "A1", "A2", "effect", "P", "N", "INFO", "MAF",
     * each the file's name or NULL (owned by the report; free with ks_munge_report_free) */
    char *used[8];
} ks_munge_report;

/* Munge n files into out_paths[i] (written whole or not at all), the reference list `ref`
 * (`SNP A1 A2`, plain or gzip) read once and the files processed in parallel over the ctx's
 * threads. reports: n entries, filled (free each with ks_munge_report_free). On an error the
 * message names the file, line and column at fault, and no output file nor report is left. */
KS_API int ks_gsem_munge(ks_ctx *ctx, size_t n, const char *const *paths,
                         const char *const *out_paths, const char *ref,
                         const ks_munge_options *opt, ks_munge_report *reports) KS_RESULT_USED;
KS_API void ks_munge_report_free(ks_ctx *ctx, ks_munge_report *r);

/* LD score regression over k munged traits as GenomicSEM's ldsc() runs it (notes sec. 1.5): the
 * LD scores `<ld>/<chr>.l2.ldscore.gz` and `<chr>.l2.M_5_50` of chromosomes 1..chr (or those
 * selected), each trait's SNPs merged with them and ordered by position, the per-trait
 * chi-square filter, one weighted regression per trait and per pair with its block jackknife,
 * V from the pseudo-values, the liability scale where both prevalences are given, and the
 * standardized S and V. */
typedef struct {
    const double *sample_prev;     /* k values (NaN: none) or NULL */
    const double *population_prev; /* k values (NaN: none) or NULL */
    int sep_weights;  /* weights from `wld` (else the LD scores themselves) */
    int chr;          /* chromosomes 1..chr (default 22) */
    int n_blocks;     /* jackknife blocks (default 200; more than 18 traits: (k+1)(k+2)/2 + 1) */
    const int *select; /* the chromosomes to use instead (nselect of them), or NULL */
    size_t nselect;
    double chisq_max; /* <= 0: max(0.001 max N, 80) per trait */
} ks_ldsc_options;
#define KS_LDSC_OPTIONS_INIT                                                                       \
    {                                                                                              \
        NULL, NULL, 0, 22, 200, NULL, 0, 0.0                                                       \
    }

/* The result; matrices are k x k column-major, V and V_stand kstar x kstar with kstar =
 * k (k + 1) / 2 in GenomicSEM's order (column-wise lower triangle: 11, 21, ..., k1, 22, ...). */
typedef struct {
    size_t k, kstar, n_blocks;
    double *S, *V, *intercept, *N; /* intercept: GenomicSEM's I; N: kstar values (each
                                      regression's mean N, geometric for a pair) */
    double m;              /* the sum of M_5_50 */
    double *S_stand, *V_stand; /* NULL when some heritability is not positive */
    double *liab;          /* k: the liability conversion factor (1 where none) */
    /* per trait */
    size_t *snps_read, *snps_merged, *snps_removed;
    double *chisq_max, *mean_chisq, *lambda_gc, *h2_se, *intercept_se, *ratio, *ratio_se;
    /* per regression (kstar, the V order): SNPs, estimate and SE (observed scale), intercept
     * and SE, mean Z x Z */
    size_t *pair_snps;
    double *est, *est_se, *pair_intercept, *pair_intercept_se, *mean_zz;
} ks_ldsc_result;

KS_API int ks_gsem_ldsc(ks_ctx *ctx, size_t k, const char *const *traits, const char *ld,
                        const char *wld, const ks_ldsc_options *opt,
                        ks_ldsc_result **out) KS_RESULT_USED;
KS_API void ks_ldsc_result_free(ks_ctx *ctx, ks_ldsc_result *r); /* NULL is fine */

/* bulik/ldsc's own estimators, `ldsc.py --h2` and `--rg` (notes sec. 2.2), written from its
 * regressions.py, irwls.py, jackknife.py and sumstats.py so that h2, rg, the intercepts and their
 * SEs agree with it to rounding. Inputs: summary statistics `SNP A1 A2 N Z` (as munge_sumstats.py
 * writes them; plain or gzip, whitespace-delimited, short rows read as missing cells), LD score
 * file sets PREFIX.l2.ldscore[.gz] (comma-separated lists side by side; files with several LD
 * columns give several annotations), their PREFIX.l2.M_5_50 (or .l2.M), and the weight LD scores.
 * The SNPs are those of the LD scores (in CHR, BP order, the first of a repeated name) that are in
 * the summary statistics and the weights.
 *
 * h2: E[chi2] = N h2 l / M + N a + 1, regressed on x = N l / mean N per annotation; initial weights
 * at the aggregate h2, two IRWLS re-weightings, the fast block jackknife over n_blocks contiguous
 * blocks (floor(linspace(0, n, n_blocks + 1))); with one annotation and a free intercept the
 * two-step estimator (intercept from the SNPs with chi2 < 30, then the slope with the intercept
 * fixed; the jackknives combined); several annotations: the initial weights only and chi2 below
 * max(0.001 max N, 80). rg: the first file against each other one: alleles matched and flipped as
 * upstream (MATCH_ALLELES / FLIP_ALLELES; strand-ambiguous pairs dropped), each h2 and the genetic
 * covariance regression (y = z1 z2, weights 1 / (a b + c^2)), rg = gcov / sqrt(h2_1 h2_2) with its
 * ratio-jackknife SE. Upstream's quirks are kept (each one is named in ldsc_bulik.c). */
typedef struct {
    const char *ref_ld;     /* --ref-ld: file-set prefixes, comma-separated */
    const char *ref_ld_chr; /* --ref-ld-chr: the same split over chromosomes 1..22: '@' in the
                               prefix is the number, else it is appended */
    const char *w_ld;       /* --w-ld: one file set with one LD column */
    const char *w_ld_chr;   /* --w-ld-chr */
    const double *M;        /* --M: SNPs per annotation (nM values) instead of the M files */
    size_t nM;
    int not_M_5_50;         /* read PREFIX.l2.M instead of PREFIX.l2.M_5_50 */
    int n_blocks;           /* jackknife blocks (200; fewer SNPs: one block each) */
    double two_step;        /* 0: upstream's default (h2: 30 with one annotation and a free
                               intercept; rg: none); > 0: the cutoff; < 0: none (kestrel's) */
    double chisq_max;       /* 0: upstream's default (h2 with several annotations: max(0.001 max N,
                               80); else none); > 0: keep chi2 below (rg: z1^2 z2^2 below its
                               square) */
    int no_intercept;       /* h2 intercepts 1, genetic covariance intercepts 0 */
    const double *intercept_h2;     /* per file (h2: 1, rg: k), NaN: free; NULL: all free */
    const double *intercept_gencov; /* rg: per file (the first unused), NaN: free; NULL: free */
    const double *samp_prev, *pop_prev; /* per file, NaN: none (observed scale); NULL: none */
    int no_check_alleles; /* rg: neither check nor align the alleles */
    int invert_anyway;    /* rg: go on when the LD scores' condition number is above 1e5 */
} ks_bulik_options;
#define KS_BULIK_OPTIONS_INIT                                                                      \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL, 0, 0, 200, 0.0, 0.0, 0, NULL, NULL, NULL, NULL, 0, 0          \
    }

/* One LD score regression: h2 (chi2 on LD) or a genetic covariance (z1 z2 on LD). Observed
 * scale; arrays of n_annot values, coef_cov n_annot x n_annot, tot_delete n_blocks. */
typedef struct {
    size_t n_snp, n_annot, n_blocks;
    double tot, tot_se;             /* h2 or the genetic covariance */
    double intercept, intercept_se; /* constrained: the value given, SE NaN */
    int intercept_constrained;
    double two_step;                /* the cutoff used, NaN: none */
    size_t twostep_filtered;        /* SNPs left out of step 1 */
    int old_weights;                /* initial weights only (h2 with several annotations) */
    double mean_chisq, lambda_gc;   /* h2: mean and median / 0.4549 of chi2 */
    double ratio, ratio_se;         /* h2: (intercept - 1) / (mean chi2 - 1); NaN: constrained or
                                       mean chi2 <= 1 */
    double mean_z1z2, z, p;         /* genetic covariance: mean z1 z2, tot / tot_se and its P */
    double *M, *coef, *coef_se, *cat, *cat_se, *prop, *prop_se, *enrichment, *M_prop;
    double *coef_cov, *tot_delete;
} ks_bulik_fit;

typedef struct {
    size_t snps_read, snps_dup;   /* summary statistics rows read (after missing values), and
                                     repeated SNPs dropped */
    size_t ld_snps, w_snps;       /* SNPs in the LD scores and in the weights */
    size_t merged_ld, merged_w;   /* left after the merge with each */
    size_t chisq_removed;         /* by the chi2 filter */
    double chisq_max;             /* the filter used, NaN: none */
    size_t n_annot;
    char **annot;                 /* the LD columns' names (upstream's: column_<file index>) */
    size_t annot_zero_var;        /* LD columns removed for zero variance */
    double liab;                  /* the liability-scale factor (1: observed scale) */
    ks_bulik_fit h2;
} ks_bulik_h2_result;

/* The h2 of one summary statistics file (borrowed path). On success *out owns the result
 * (ks_bulik_h2_free). Errors name the file, line and column, or the argument, at fault. */
KS_API int ks_bulik_h2(ks_ctx *ctx, const char *sumstats, const ks_bulik_options *opt,
                       ks_bulik_h2_result **out) KS_RESULT_USED;
KS_API void ks_bulik_h2_free(ks_ctx *ctx, ks_bulik_h2_result *r); /* NULL is fine */

/* The first file against one other. error: NULL, or why this pair has no result (upstream logs
 * the error and goes on with the next file; so does kestrel). */
typedef struct {
    char *error;
    size_t snps_read, snps_dup;     /* the second file's rows read and repeated SNPs dropped */
    size_t merged, valid_alleles;   /* SNPs shared with the first file, those with valid alleles */
    size_t chisq_removed;
    double cond;                    /* condition number of the LD scores (several annotations) */
    ks_bulik_fit hsq1, hsq2, gencov;
    double rg, rg_se, rg_jknife, z, p; /* NaN when a heritability is not positive */
    int negative_hsq;               /* an h2 <= 0: no rg */
    int out_of_bounds;              /* |rg| > 1.2: upstream prints NA unless --return-silly-things */
    double liab1, liab2;            /* the liability-scale factors (1: observed scale) */
} ks_bulik_pair;

typedef struct {
    size_t k;                     /* files; k - 1 pairs */
    size_t snps_read, snps_dup, ld_snps, w_snps, merged_ld, merged_w; /* the first file */
    size_t n_annot;
    char **annot;
    size_t annot_zero_var;
    double two_step;              /* the cutoff used, NaN: none */
    ks_bulik_pair *pair;          /* k - 1 */
} ks_bulik_rg_result;

/* rg of sumstats[0] with each of sumstats[1..k) (k >= 2; the pairs in parallel over the ctx's
 * threads, identical for any thread count). Fails when the first file, the LD scores or memory
 * fail, or when every pair fails; a pair that fails alone carries its error. On success *out owns
 * the result (ks_bulik_rg_free). */
KS_API int ks_bulik_rg(ks_ctx *ctx, size_t k, const char *const *sumstats,
                       const ks_bulik_options *opt, ks_bulik_rg_result **out) KS_RESULT_USED;
KS_API void ks_bulik_rg_free(ks_ctx *ctx, ks_bulik_rg_result *r); /* NULL is fine */

/* bulik/ldsc's jackknives (jackknife.py), for checking and reuse. Matrices column-major:
 * delete_values and pseudovalues n_blocks x p, jknife_cov p x p; separators n_blocks + 1. */
typedef struct {
    size_t n_blocks, p;
    double *est, *delete_values, *pseudovalues, *jknife_est, *jknife_var, *jknife_se, *jknife_cov;
    size_t *separators; /* NULL for the ratio and pseudovalue jackknives */
} ks_bulik_jackknife;
/* The fast block jackknife of the regression of y (n) on X (n x p): block sums of X'X and X'y
 * over the blocks given by separators (n_blocks + 1 increasing, from 0 to n) or, when NULL,
 * floor(linspace(0, n, n_blocks + 1)). */
KS_API int ks_bulik_jackknife_lstsq(ks_ctx *ctx, size_t n, size_t p, const double *X,
                                    const double *y, size_t n_blocks, const size_t *separators,
                                    ks_bulik_jackknife **out) KS_RESULT_USED;
/* The ratio jackknife of est (p) with numerator and denominator delete values (n_blocks x p). */
KS_API int ks_bulik_jackknife_ratio(ks_ctx *ctx, size_t n_blocks, size_t p, const double *est,
                                    const double *numer, const double *denom,
                                    ks_bulik_jackknife **out) KS_RESULT_USED;
/* The jackknife estimate, variance and covariance from pseudovalues (n_blocks x p). */
KS_API int ks_bulik_jackknife_pseudo(ks_ctx *ctx, size_t n_blocks, size_t p,
                                     const double *pseudovalues,
                                     ks_bulik_jackknife **out) KS_RESULT_USED;
KS_API void ks_bulik_jackknife_free(ks_ctx *ctx, ks_bulik_jackknife *j); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
