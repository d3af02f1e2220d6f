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

#ifdef __cplusplus
}
#endif
#endif
