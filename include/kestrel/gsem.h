/* gsem.h — genomic SEM, part 1: munging GWAS summary statistics and LD score regression, as R
 * GenomicSEM's munge() and ldsc() compute them.
 *
 * munge reads each raw file as a stream (plain or gzip, whitespace-delimited, a header row whose
 * names are matched to GenomicSEM's synonyms case-insensitively), keeps the rows whose SNP is in
 * the reference list, and writes `SNP N Z A1 A2` (gzip TSV): Z = sign(effect) x |Phi^-1(P/2)|
 * with the effect aligned to the reference A1. Memory: the reference list plus the rows that
 * match it, whatever the input's size. Every row removed is counted by reason in the report.
 * Mode KS_GSEM_MUNGE_LDSC follows bulik ldsc's munge_sumstats.py instead: its column names,
 * filters, N rules and median check, and its output `SNP A1 A2 Z N` with the file's alleles.
 *
 * Every result is an opaque handle read through its view (ks_gsem_<thing>_get: sizes and const
 * pointers owned by the handle, valid until it is freed) and freed without a ctx
 * (ks_gsem_<thing>_free, NULL is fine). Thread-safe on distinct ctx; a result may be read from
 * several threads at once. */
#ifndef KESTREL_GSEM_H
#define KESTREL_GSEM_H

#include "kestrel/base.h"
#include "kestrel/sem.h"
#include "kestrel/table.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which tool's rules munge follows. */
typedef enum {
    KS_GSEM_MUNGE_GENOMICSEM = 0, /* R GenomicSEM's munge() (notes sec. 1.4) */
    KS_GSEM_MUNGE_LDSC = 1        /* bulik ldsc's munge_sumstats.py (notes sec. 2.1) */
} ks_gsem_munge_mode;
/* "genomicsem", "ldsc" (see base.h: the words the CLI and Python accept) */
KS_API const char *ks_gsem_munge_mode_name(ks_gsem_munge_mode value);
KS_API int ks_gsem_munge_mode_value(ks_ctx *ctx, const char *name,
                                    ks_gsem_munge_mode *out) KS_RESULT_USED;

/* The options of munge_sumstats.py that GenomicSEM's munge() has no counterpart for (mode
 * KS_GSEM_MUNGE_LDSC; the shared ones, N, INFO, MAF and column names, are in ks_gsem_munge_options).
 * A 0 means "not given", as munge_sumstats.py reads its flags. */
typedef struct {
    double N_cas, N_con;  /* --N-cas / --N-con: N = N_cas + N_con where no N column (both > 0) */
    double n_min;         /* --n-min: rows with N below go; 0: 90th percentile of N / 1.5 */
    double nstudy_min;    /* --nstudy-min (only without an N column); 0: the largest NSTUDY */
    const char *signed_sumstats; /* --signed-sumstats "COL,null", e.g. "BETA,0", or NULL */
    int a1_inc;           /* --a1-inc: no signed column; A1 is the increasing allele */
    int daner;            /* --daner: N_cas, N_con from the FRQ_A_<n> / FRQ_U_<n> names */
    int daner_n;          /* --daner-n: N from the Nca / Nco columns */
    int keep_maf;         /* --keep-maf: FRQ written too (as read, not folded) */
    int no_alleles;       /* --no-alleles: A1 / A2 neither required nor checked */
    const char *const *ignore; /* --ignore: file columns not to read, NULL-terminated */
    int decimals;         /* digits after the point of Z, N, FRQ (munge_sumstats's %.3f: 3) */
} ks_gsem_munge_ldsc_options;
#define KS_GSEM_MUNGE_LDSC_OPTIONS_INIT                                                                 \
    {                                                                                              \
        0.0, 0.0, 0.0, 0.0, NULL, 0, 0, 0, 0, 0, NULL, 3                                           \
    }

typedef struct {
    double N;           /* > 0: every row's N (GenomicSEM's N argument; ldsc: --N, used only
                           where there is no N column, as munge_sumstats.py does); 0: the N
                           column */
    double info_filter; /* rows with INFO below are removed (default 0.9; ldsc: --info-min) */
    double maf_filter;  /* rows with MAF below are removed (default 0.01; ldsc: --maf-min, rows
                           with MAF not above it are removed) */
    /* columns named by the caller: "SNP=MarkerName", "effect=logOR", ... NULL-terminated
     * (ldsc: munge_sumstats's names SNP, A1, A2, P, N, N_CAS, N_CON, FRQ, INFO, NSTUDY, as
     * its --snp, --a1, ..., --nstudy; INFO more than once as --info-list) */
    const char *const *columns;
    ks_gsem_munge_mode mode;
    const ks_gsem_munge_ldsc_options *ldsc; /* KS_GSEM_MUNGE_LDSC: its options; NULL: the defaults */
    /* the outputs written into this group (borrowed; the caller commits it, with files of its
     * own such as a log, or aborts it when munge fails); NULL: munge commits them itself, all
     * or none */
    ks_text_group *outputs;
} ks_gsem_munge_options;
#define KS_GSEM_MUNGE_OPTIONS_INIT                                                                      \
    {                                                                                              \
        0.0, 0.9, 0.01, NULL, KS_GSEM_MUNGE_GENOMICSEM, NULL, NULL                                      \
    }

/* What munge_sumstats.py's rules did with one file (mode KS_GSEM_MUNGE_LDSC): rows removed by
 * each filter, in the order they run, each row counted at the first it fails. */
enum { KS_GSEM_LDSC_NCOL = 11 }; /* the columns of `used`, see below */
typedef struct {
    size_t na;            /* a missing value in a column read (but one named "INFO") */
    size_t not_in_merge;  /* SNP not in the merge-alleles list */
    size_t info_low;      /* INFO below info_filter (or missing) */
    size_t frq_low;       /* MAF (folded FRQ) not above maf_filter, or FRQ outside [0, 1] */
    size_t p_bad;         /* P outside (0, 1] */
    size_t alleles_bad;   /* A1 A2 not a strand-unambiguous SNP (A/T, C/G, indels, ...) */
    size_t duplicates;    /* the SNP's rs number seen before (the first row kept) */
    size_t n_low;         /* N below n_min */
    size_t nstudy_low;    /* NSTUDY below nstudy_min */
    size_t merge_mismatch; /* alleles that match the merge list's in no strand or order
                              (written as empty rows) */
    size_t merge_missing; /* merge-list SNPs with no row left (written as empty rows) */
    size_t nonmissing;    /* rows written with values (the rest are merge-list blanks) */
    /* upstream's warnings, over the rows that passed the NA and merge filters */
    size_t info_out_of_range, frq_out_of_range, p_out_of_range; /* [0, 2], [0, 1], (0, 1] */
    size_t n_invalid;     /* N not > 0 or not finite after the N filter (upstream writes them) */
    size_t merge_snps;    /* SNPs in the merge list */
    double N_cas, N_con;  /* used for N (daner: from the header); NaN: none */
    double N_const;       /* N given to every row (--N, N_cas + N_con); NaN: N per row */
    double n_min;         /* the N filter's threshold; NaN: no N filter */
    double nstudy_min;    /* the NSTUDY filter's threshold; NaN: none */
    double median_signed, signed_null; /* the median check (NaN with a1_inc) */
    double mean_chisq, lambda_gc, max_chisq; /* of Z^2 written; lambda = median / 0.4549 */
    size_t n_sig;         /* rows with Z^2 > 29 */
    /* SNPs left, as upstream's log counts them: after the row filters, after the duplicates,
     * after the N (or NSTUDY) filter, after the N check (n_invalid), after the merge list's
     * allele check */
    size_t left_filters, left_duplicates, left_n_filter, left_n_valid, left_merge;
    /* file column read as SNP, A1, A2, P, N, N_CAS, N_CON, SIGNED_SUMSTAT, INFO, FRQ, NSTUDY
     * (NULL: none), and the name the median check reports; owned by the ks_gsem_munge */
    const char *used[KS_GSEM_LDSC_NCOL];
    const char *signed_name;
} ks_gsem_munge_ldsc_report;

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
    /* removed after R's rules, where R would write a row that poisons what reads it: P = 0 (R:
     * Z = Inf), and, N read from its column, N missing (R: N = NA) or not > 0 and finite */
    size_t p_zero, n_missing, n_invalid;
    size_t duplicated;    /* rows written whose SNP an earlier row has (kept, as R keeps them) */
    size_t written;
    int effect_is_or;     /* the effect column was read as an odds ratio (median rule) */
    /* which file column became which: "SNP", "A1", "A2", "effect", "INFO", "P", "N", "MAF",
     * each the file's name or NULL (owned by the ks_gsem_munge) */
    const char *used[8];
    ks_gsem_munge_ldsc_report ldsc; /* mode KS_GSEM_MUNGE_LDSC (there, of the fields above only rows,
                                  short_rows and written are set) */
} ks_gsem_munge_report;

/* What munge did with each of its files (opaque). */
typedef struct ks_gsem_munge ks_gsem_munge;

/* Munge n files into out_paths[i] (written whole or not at all), the reference list `ref`
 * (`SNP A1 A2`, plain or gzip) read once and the files processed in parallel over the ctx's
 * threads. Mode KS_GSEM_MUNGE_LDSC: `ref` is munge_sumstats's --merge-alleles list, or NULL for
 * none; out_paths[i] gets `SNP A1 A2 Z N` (+ FRQ) as munge_sumstats.py writes it. On success *out
 * owns the reports (ks_gsem_munge_free). On an error the message names the file, line and column
 * at fault, and no output file nor report is left. */
KS_API int ks_gsem_munge_run(ks_ctx *ctx, size_t n, const char *const *paths,
                             const char *const *out_paths, const char *ref,
                             const ks_gsem_munge_options *opt, ks_gsem_munge **out) KS_RESULT_USED;
KS_API void ks_gsem_munge_free(ks_gsem_munge *m); /* NULL is fine */

typedef struct {
    size_t n;                            /* files */
    const ks_gsem_munge_report *reports; /* n, in the order of the paths */
} ks_gsem_munge_view;
KS_API void ks_gsem_munge_get(const ks_gsem_munge *m, ks_gsem_munge_view *out);

/* LD score regression over k munged traits as GenomicSEM's ldsc() runs it (notes sec. 1.5): the
 * LD scores `<ld>/<chr>.l2.ldscore.gz` and `<chr>.l2.M_5_50` of chromosomes 1..chr (or those
 * selected), each trait's SNPs merged with them and ordered by position, the per-trait
 * chi-square filter, one weighted regression per trait and per pair with its block jackknife,
 * V from the pseudo-values, the liability scale where both prevalences are given, and the
 * standardized S and V. Errors, where R would go on with values that make every result NaN or
 * meaningless: an LD score (L2, or the weights' last column) or CHR / BP missing, not finite,
 * or (scores) not > 0, naming file, line and column; an M_5_50 file whose numbers are not all
 * > 0 and finite; a header naming a column twice; a prevalence outside (0, 1); chisq_max < 0
 * or not finite; a regression with no more SNPs than jackknife blocks. */
typedef struct {
    const double *sample_prev;     /* k values (NaN: none) or NULL */
    const double *population_prev; /* k values (NaN: none) or NULL */
    int sep_weights;  /* weights from `wld` (else the LD scores themselves) */
    int chr;          /* chromosomes 1..chr (default 22) */
    int n_blocks;     /* jackknife blocks (default 200; more than 18 traits: (k+1)(k+2)/2 + 1) */
    const int *select; /* the chromosomes to use instead (nselect of them), or NULL */
    size_t nselect;
    double chisq_max; /* 0: max(0.001 max N, 80) per trait; else > 0 and finite */
    const char *const *trait_names; /* k names (see ks_gsem_ldsc_make), or NULL: GenomicSEM's
                                       V1 ... Vk */
} ks_gsem_ldsc_options;
#define KS_GSEM_LDSC_OPTIONS_INIT                                                                       \
    {                                                                                              \
        NULL, NULL, 0, 22, 200, NULL, 0, 0.0, NULL                                                 \
    }

/* The result (opaque). */
typedef struct ks_gsem_ldsc ks_gsem_ldsc;

KS_API int ks_gsem_ldsc_fit(ks_ctx *ctx, size_t k, const char *const *traits, const char *ld,
                            const char *wld, const ks_gsem_ldsc_options *opt,
                            ks_gsem_ldsc **out) KS_RESULT_USED;
KS_API void ks_gsem_ldsc_free(ks_gsem_ldsc *r); /* NULL is fine */

/* The result's view; matrices are k x k column-major, V and V_stand kstar x kstar with kstar =
 * k (k + 1) / 2 in GenomicSEM's order (column-wise lower triangle: 11, 21, ..., k1, 22, ...). */
typedef struct {
    size_t k, kstar, n_blocks;
    const double *S, *V, *intercept, *N; /* intercept: GenomicSEM's I; N: kstar values (each
                                            regression's mean N, geometric for a pair) */
    double m;                            /* the sum of M_5_50 */
    const double *S_stand, *V_stand;     /* NULL when some heritability is not positive */
    /* the standard errors of S and S_stand (k x k): the square roots of V's and V_stand's
     * diagonals in S's places (S_stand_se NULL with S_stand) */
    const double *S_se, *S_stand_se;
    const double *liab; /* k: the liability conversion factor (1 where none) */
    /* per trait: rows read (no cell missing), merged with the LD scores, removed for an N not
     * > 0 or not finite (after the merge; R would go on with them), removed by the chi-square
     * filter, and kept rows that repeat a SNP of the file (R keeps them too); the SNPs left
     * after the N rule, and after the chi-square filter (those the regressions use) */
    const size_t *snps_read, *snps_merged, *snps_bad_n, *snps_removed, *snps_dup;
    const size_t *snps_after_n, *snps_used;
    const double *chisq_max, *mean_chisq, *lambda_gc, *h2_se, *intercept_se, *ratio, *ratio_se;
    /* per regression (kstar, the V order): SNPs, estimate and SE (observed scale), its z
     * (est / est_se) and two-sided normal P, intercept and SE, mean Z x Z */
    const size_t *pair_snps;
    const double *est, *est_se, *est_z, *est_p, *pair_intercept, *pair_intercept_se, *mean_zz;
    const char *const *names; /* k trait names */
} ks_gsem_ldsc_view;
KS_API void ks_gsem_ldsc_get(const ks_gsem_ldsc *r, ks_gsem_ldsc_view *out);

/* A covstruc made from given arrays, e.g. R GenomicSEM's ldsc() output: `in` is read as a view
 * (copied; the result is independent of it). Required: k (kstar 0 or k (k + 1) / 2), names (k:
 * distinct, not empty, no tab, line break or '"', not starting with '#', not "NA"), S (finite,
 * symmetric), V (in GenomicSEM's order; finite, symmetric). Optional (NULL): intercept and
 * every per-trait and per-regression array (NaN, counts 0, liab 1), m (NaN: unknown, else > 0),
 * n_blocks (0: unknown); S_stand and V_stand together (finite, symmetric), else computed from S
 * and V as ldsc computes them when every diagonal element of S is > 0. S_se, S_stand_se, est_z
 * and est_p are always computed. Errors name the array and element at fault. */
KS_API int ks_gsem_ldsc_make(ks_ctx *ctx, const ks_gsem_ldsc_view *in,
                             ks_gsem_ldsc **out) KS_RESULT_USED;
/* The covstruc as kestrel's covstruc file (version 1: tab-separated text that says what it holds
 * in its first lines; every number as %.17g, so ks_gsem_ldsc_read gives back the same doubles;
 * the format is in README and src/gsem/covstruc.c), written whole or not at all. */
KS_API int ks_gsem_ldsc_write(ks_ctx *ctx, const ks_gsem_ldsc *r,
                              const char *path) KS_RESULT_USED;
/* The same as one file of group g (borrowed; see ks_text_group_commit). */
KS_API int ks_gsem_ldsc_write_group(ks_ctx *ctx, ks_text_group *g, const ks_gsem_ldsc *r,
                                    const char *path) KS_RESULT_USED;
/* A covstruc file read back (plain or gzip). Every label, count and number is checked, S, V,
 * I, S_Stand and V_Stand must be symmetric and (but I) finite, and the file must end with its
 * `end` line: a truncated, edited or foreign file is KS_EPARSE naming the file and the line. */
KS_API int ks_gsem_ldsc_read(ks_ctx *ctx, const char *path, ks_gsem_ldsc **out) KS_RESULT_USED;

/* GenomicSEM's sumstats() (notes sec. 1.6): k raw GWAS files aligned to a reference (`SNP A1 A2
 * MAF ...`, e.g. reference.1000G.maf.0.005.txt; every column is carried to the output) and put
 * on the standardized scale the GWAS of part 2 needs: for each file the rows of SNPs repeated in
 * it go (all copies), then the rows not in the reference (filtered to MAF >= maf_filter), P or
 * the effect missing, the file's MAF (folded; it gives varSNP = 2 MAF (1 - MAF), else the
 * reference's) missing, 0 or 1, the effect read as an odds ratio by the median rule, effects of
 * 0, Z from P, then per trait: OLS (beta = Z / sqrt(N varSNP), SE = |beta / Z|), linprob, or the
 * logistic standardization beta / sqrt(beta^2 varSNP + pi^2 / 3) with the SE of the OR (or a
 * logistic SE with se_logit); the sign aligned to the reference A1, allele mismatches removed,
 * INFO >= info_filter; then the SNPs in every file, in the reference's order. */
typedef struct {
    const double *N;     /* k values: the trait's N (instead of its N column), > 0 and finite,
                            or NaN for the N column; or NULL */
    const int *se_logit; /* k flags: the SE is on the logistic scale (NULL: none) */
    const int *ols;      /* k flags: a continuous trait, standardized from Z, N and varSNP */
    const int *linprob;  /* k flags: a binary trait analysed as a linear probability model */
    const int *betas;    /* k flags: OLS betas already standardized (kept as they are) */
    double info_filter;  /* default 0.6 */
    double maf_filter;   /* on the reference's MAF, default 0.01 */
    int keep_indel;      /* alleles other than A C G T are kept and compared as text */
    int ambig;           /* strand-ambiguous reference SNPs (A/T, C/G) removed */
    int direct_filter;   /* rows with '?' for half or more of the DIRECTION column removed */
    const char *const *columns; /* columns named by the caller, as munge's */
} ks_gsem_sumstats_options;
#define KS_GSEM_SUMSTATS_OPTIONS_INIT                                                                   \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL, 0.6, 0.01, 0, 0, 0, NULL                                     \
    }

/* What sumstats did with one file, rows by the reason they were removed, in the order the
 * rules run (R's log reports the same counts). */
typedef struct {
    size_t rows, short_rows;
    size_t duplicated;     /* rows of an rsID repeated in the file (among reference SNPs) */
    size_t direction_low;  /* direct_filter: '?' in half or more of the cohorts, or missing */
    size_t not_in_ref;     /* not in the reference, or in it below its MAF filter */
    size_t p_missing, effect_missing;
    size_t maf_invalid;    /* the file's MAF missing, 0 or 1 */
    size_t or_negative;    /* an odds ratio below 0 (its log is NaN) */
    size_t effect_zero;
    size_t a1_mismatch, a2_mismatch;
    size_t info_low, info_missing;
    /* the last rule: beta or SE not finite (R's na.omit, which keeps an infinite one), counted
     * by why: N missing or not > 0 where N is used (OLS, linprob), P = 0 there (Z = Inf), or
     * anything else (e.g. P outside [0, 1] under OLS) */
    size_t n_invalid, p_zero;
    size_t not_finite;
    size_t written;        /* the file's SNPs after its own rules */
    int effect_is_or;
    double mean_abs_z;     /* mean |beta / SE| of those (GenomicSEM warns above 5) */
    /* which column became which: SNP A1 A2 effect INFO P N MAF SE DIRECTION (file names or
     * NULL; owned by the ks_gsem_sumstats) */
    const char *used[10];
} ks_gsem_sumstats_report;

/* The merged SNPs with each file's report (opaque). */
typedef struct ks_gsem_sumstats ks_gsem_sumstats;

KS_API int ks_gsem_sumstats_run(ks_ctx *ctx, size_t k, const char *const *paths, const char *ref,
                                const ks_gsem_sumstats_options *opt,
                                ks_gsem_sumstats **out) KS_RESULT_USED;
KS_API void ks_gsem_sumstats_free(ks_gsem_sumstats *s); /* NULL is fine */

/* The merged SNPs: n rows x the reference's ncol columns (their text as read) and each
 * trait's beta and SE (beta[t * n + i]). */
typedef struct {
    size_t n, k, ncol;
    const char *const *colnames;            /* ncol */
    const char *const *cell;                /* n x ncol, row-major */
    const double *beta, *se;                /* k x n */
    size_t ref_rows, ref_kept;              /* the reference's rows, and those its filters kept */
    const ks_gsem_sumstats_report *reports; /* k */
} ks_gsem_sumstats_view;
KS_API void ks_gsem_sumstats_get(const ks_gsem_sumstats *s, ks_gsem_sumstats_view *out);

/* The merged table as a TSV (gzip when path ends in .gz): the reference's columns, then
 * beta.<name> se.<name> per trait (trait_names: n_names == the result's k names), numbers with
 * 17 significant digits; written whole or not at all. */
KS_API int ks_gsem_sumstats_write(ks_ctx *ctx, const ks_gsem_sumstats *s,
                                  const char *const *trait_names, size_t n_names,
                                  const char *path) KS_RESULT_USED;
/* The same as one file of group g (borrowed; see ks_text_group_commit), e.g. with its log. */
KS_API int ks_gsem_sumstats_write_group(ks_ctx *ctx, ks_text_group *g, const ks_gsem_sumstats *s,
                                        const char *const *trait_names, size_t n_names,
                                        const char *path) KS_RESULT_USED;

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
 * ratio-jackknife SE. Upstream's quirks are kept (each one is named in h2rg.c). */
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
} ks_gsem_h2rg_options;
#define KS_GSEM_H2RG_OPTIONS_INIT                                                                      \
    {                                                                                              \
        NULL, NULL, NULL, NULL, NULL, 0, 0, 200, 0.0, 0.0, 0, NULL, NULL, NULL, NULL, 0, 0          \
    }

/* One LD score regression: h2 (chi2 on LD) or a genetic covariance (z1 z2 on LD). Observed
 * scale; arrays of n_annot values, coef_cov n_annot x n_annot, tot_delete n_blocks (owned by the
 * handle the view came from). */
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
    const double *M, *coef, *coef_se, *cat, *cat_se, *prop, *prop_se, *enrichment, *M_prop;
    const double *coef_cov, *tot_delete;
    /* on the liability scale (h2_obs_to_liab): the factor (1: observed scale; a genetic
     * covariance: sqrt(factor 1) sqrt(factor 2)), factor * tot, factor * tot_se, and per
     * annotation factor * cat, factor * cat_se */
    double liab, tot_liab, tot_se_liab;
    const double *cat_liab, *cat_se_liab;
} ks_gsem_h2rg_regression;

/* The h2 of one file (opaque). */
typedef struct ks_gsem_h2 ks_gsem_h2;

/* The h2 of one summary statistics file (borrowed path). On success *out owns the result
 * (ks_gsem_h2_free). Errors name the file, line and column, or the argument, at fault. */
KS_API int ks_gsem_h2_fit(ks_ctx *ctx, const char *sumstats, const ks_gsem_h2rg_options *opt,
                          ks_gsem_h2 **out) KS_RESULT_USED;
KS_API void ks_gsem_h2_free(ks_gsem_h2 *h); /* NULL is fine */

typedef struct {
    size_t snps_read, snps_dup;   /* summary statistics rows read (after missing values), and
                                     repeated SNPs dropped */
    size_t ld_snps, w_snps;       /* SNPs in the LD scores and in the weights */
    size_t merged_ld, merged_w;   /* left after the merge with each */
    size_t chisq_removed;         /* by the chi2 filter */
    double chisq_max;             /* the filter used, NaN: none */
    size_t n_annot;
    const char *const *annot;     /* the LD columns' names (upstream's: column_<file index>) */
    size_t annot_zero_var;        /* LD columns removed for zero variance */
    double liab;                  /* the liability-scale factor (1: observed scale) */
    ks_gsem_h2rg_regression h2;
} ks_gsem_h2_view;
KS_API void ks_gsem_h2_get(const ks_gsem_h2 *h, ks_gsem_h2_view *out);

/* The first file against one other. error: NULL, or why this pair has no result (upstream logs
 * the error and goes on with the next file; so does kestrel); then the regressions are empty. */
typedef struct {
    const char *error;
    size_t snps_read, snps_dup;     /* the second file's rows read and repeated SNPs dropped */
    size_t merged, valid_alleles;   /* SNPs shared with the first file, those with valid alleles */
    size_t chisq_removed;
    double cond;                    /* condition number of the LD scores (several annotations) */
    ks_gsem_h2rg_regression hsq1, hsq2, gencov;
    double rg, rg_se, rg_jknife, z, p; /* NaN when a heritability is not positive */
    int negative_hsq;               /* an h2 <= 0: no rg */
    int out_of_bounds;              /* |rg| > 1.2: upstream prints NA unless --return-silly-things */
    double liab1, liab2;            /* the liability-scale factors (1: observed scale) */
} ks_gsem_rg_pair;

/* rg of the first file with each other one (opaque). */
typedef struct ks_gsem_rg ks_gsem_rg;

/* rg of sumstats[0] with each of sumstats[1..k) (k >= 2; the pairs in parallel over the ctx's
 * threads, identical for any thread count). Fails when the first file, the LD scores or memory
 * fail, or when every pair fails; a pair that fails alone carries its error. On success *out owns
 * the result (ks_gsem_rg_free). */
KS_API int ks_gsem_rg_fit(ks_ctx *ctx, size_t k, const char *const *sumstats,
                          const ks_gsem_h2rg_options *opt, ks_gsem_rg **out) KS_RESULT_USED;
KS_API void ks_gsem_rg_free(ks_gsem_rg *r); /* NULL is fine */

typedef struct {
    size_t k;                     /* files; k - 1 pairs */
    size_t snps_read, snps_dup, ld_snps, w_snps, merged_ld, merged_w; /* the first file */
    size_t n_annot;
    const char *const *annot;
    size_t annot_zero_var;
    double two_step;              /* the cutoff used, NaN: none */
    const ks_gsem_rg_pair *pair;  /* k - 1 */
} ks_gsem_rg_view;
KS_API void ks_gsem_rg_get(const ks_gsem_rg *r, ks_gsem_rg_view *out);

/* ---- GenomicSEM's usermodel() and commonfactor() (notes sec. 1.7; R/usermodel.R,
 * R/commonfactor.R at GenomicSEM 123ec96) -------------------------------------------------------
 * A lavaan model fitted to the genetic covariance matrix S of an ldsc covstruc as GenomicSEM
 * fits it: the traits the model names taken out of S and V (every other one dropped), S and V
 * smoothed to the nearest positive definite matrices where they are not (Matrix::nearPD, the
 * largest changes reported), DWLS with the weights 1 / diag(V) (or ML with N = 200), standard
 * errors from the sandwich with the full V (equality constraints ignored there, as R does), the
 * model chi-square Q = eta' V^-1 eta, its closed-form CFI, lavaan's SRMR, and the refit to the
 * standardized S and V that gives STD_Genotype and its SE. Converged to the optimum (R stops at
 * lavaan's loose tolerance: its estimates are 1e-7 to 1e-6 away).
 * Where R differs, kestrel decides:
 * - the traits a model uses are the observed variables of its parameter table (R matches each
 *   trait name as a word anywhere in the text, comments included); a name that is neither a trait
 *   nor a latent variable is KS_EINVAL naming it and its line;
 * - where R returns NULL after printing (the sandwich's bread singular: a model not identified;
 *   a latent correlation outside [-1, 1]; the standardized refit failing) the fit fails with
 *   KS_ENUMERIC saying why;
 * - the residual-variance lower bounds R adds when a fit fails (fix_resid) carry the labels
 *   kestrel_rv_<i> (R draws random four-letter labels), so a run is reproducible;
 * - ML with `:=` (R crashes in the standardized part): the defined parameters' SEs are NaN with
 *   a warning, as R's unstandardized part gives NA;
 * - a p-value R prints as "< 5e-300" (exactly 0) is 0 here.
 * Thread-safe on distinct ctx. */

typedef struct {
    ks_sem_estimator estimation; /* KS_SEM_DWLS (default) or KS_SEM_ML; others KS_EINVAL */
    int std_lv;                  /* lavaan's std.lv (R's std.lv) */
    int imp_cov;                 /* also the model-implied and residual covariance matrices */
    int fix_resid; /* a failed fit is refitted with the residual variances bounded below by
                      .0001 (default 1) */
    double toler;  /* > 0: the sandwich's bread fails when its reciprocal condition number is
                      below (R's solve(tol = toler)); 0 (default): no such check, as R's NULL */
    int q_factor;  /* also R's Q_Factor table (see the view) */
} ks_gsem_usermodel_options;
#define KS_GSEM_USERMODEL_OPTIONS_INIT                                                             \
    {                                                                                              \
        KS_SEM_DWLS, 0, 0, 1, 0.0, 0                                                               \
    }

typedef struct ks_gsem_usermodel ks_gsem_usermodel; /* a fitted model; opaque */

/* Fit `model` (lavaan syntax) to `covstruc` (borrowed; not kept). opt NULL: the defaults. */
KS_API int ks_gsem_usermodel_fit(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *model,
                                 const ks_gsem_usermodel_options *opt,
                                 ks_gsem_usermodel **out) KS_RESULT_USED;
KS_API void ks_gsem_usermodel_free(ks_gsem_usermodel *u); /* NULL is fine; no ctx */

/* R's two tables. modelfit: chisq (Q), df, p_chisq, AIC (Q + 2 npar), CFI, SRMR, NaN where R
 * has NA (usermodel: all but df when df = 0; commonfactor: chisq, p_chisq and AIC then).
 * results: usermodel's rows are the free parameters in lavaan's parameter-table order, then the
 * `:=` rows (rhs: the expression), then the fixed parameters (=~ ~~ ~), whose se, std_genotype_se,
 * tstat and pvalue are NaN (R: "" and NA) and whose std_genotype and std_all are their values;
 * commonfactor's rows are the free parameters only, without std_all (NULL). pvalue is R's
 * p_value, 2 (1 - Phi(|est / se|)); tstat est / se. */
typedef struct {
    double chisq, df, p_chisq, aic, cfi, srmr;
    size_t npar;
    size_t nrow;
    const char *const *lhs, *const *op, *const *rhs;
    const double *est, *se;                       /* Unstand_Est, Unstand_SE */
    const double *std_genotype, *std_genotype_se; /* the refit to the standardized S and V */
    const double *std_all;                        /* lavaan's std.all of that refit (or NULL) */
    const double *tstat, *pvalue;
    const int *fixed; /* 1 for a fixed row */
    /* R's column names of results (ncol: 9 usermodel, 8 commonfactor), in R's order */
    size_t ncol;
    const char *const *colnames;
    /* the traits the model uses, in the covstruc's order (k), and with imp_cov the
       model-implied covariance and S - implied (k x k, column-major; else NULL) */
    size_t k;
    const char *const *traits;
    const double *implied_cov, *resid_cov;
    /* the smoothing (nearPD where the smallest eigenvalue is <= 0): R's LD_sdiff (S),
       LD_sdiff2 (V) and Z_diff; 0 when not smoothed */
    int S_smoothed, V_smoothed;
    double S_diff, V_diff, Z_diff;
    int resid_bounded; /* fix_resid's lower bounds were added (the first fit failed) */
    int iterations;    /* the optimizer's, main fit */
    /* with q_factor, R's Q_Factor table: one row per pair of factors whose model-implied
       correlation is not 0 (factor1 the later one in lavaan's order, as R's lower triangle),
       the residual covariances of the one's indicators with the other's tested against 0:
       Q = eta' V^-1 eta (R's eigen route), df = len(eta) - 1 (Q and p NaN when df is 0) */
    size_t nqfactor;
    const char *const *qf_factor1, *const *qf_factor2;
    const double *qf_chisq, *qf_df, *qf_pvalue;
} ks_gsem_usermodel_view;
KS_API void ks_gsem_usermodel_get(const ks_gsem_usermodel *u, ks_gsem_usermodel_view *out);

/* commonfactor(): the model F1 =~ NA*T1 + ... + Tk; F1 ~~ 1*F1 over every trait (k >= 3: k = 2
 * is KS_EINVAL, as R stops), without std.lv, refitted with the residual-variance bounds when it
 * fails. CFI in closed form (R fits the independence model: the same number up to its
 * convergence, 3e-10 on the reference). */
typedef struct {
    ks_sem_estimator estimation; /* KS_SEM_DWLS (default) or KS_SEM_ML */
} ks_gsem_commonfactor_options;
#define KS_GSEM_COMMONFACTOR_OPTIONS_INIT                                                          \
    {                                                                                              \
        KS_SEM_DWLS                                                                                \
    }

typedef struct ks_gsem_commonfactor ks_gsem_commonfactor; /* opaque */
KS_API int ks_gsem_commonfactor_fit(ks_ctx *ctx, const ks_gsem_ldsc *covstruc,
                                    const ks_gsem_commonfactor_options *opt,
                                    ks_gsem_commonfactor **out) KS_RESULT_USED;
KS_API void ks_gsem_commonfactor_free(ks_gsem_commonfactor *c); /* NULL is fine; no ctx */
typedef ks_gsem_usermodel_view ks_gsem_commonfactor_view;       /* the same fields (see above) */
KS_API void ks_gsem_commonfactor_get(const ks_gsem_commonfactor *c, ks_gsem_commonfactor_view *out);
/* GenomicSEM's multivariate GWAS, userGWAS() and commonfactorGWAS() (notes sec. 1.8): per SNP,
 * S_Full and V_Full from the covstruc and the SNP's betas and SEs, a model fitted, and R's rows
 * and columns. userGWAS: SNP CHR BP MAF A1 A2 lhs op rhs free label est SE Z_Estimate
 * Pval_Estimate chisq chisq_df chisq_pval AIC [Q_SNP Q_SNP_df Q_SNP_pval] error warning
 * [Z_smooth]; commonfactorGWAS: SNP CHR BP MAF A1 A2 i lhs op rhs est se_c Z_Estimate
 * Pval_Estimate Q Q_df Q_pval fail warning [Z_smooth]. A SNP whose fit fails is flagged in its
 * rows (error / fail says why), never ends the run and is never dropped. The SNPs are fitted in
 * parallel over the ctx's threads in fixed chunks: the rows are identical for any thread count;
 * memory does not grow with the SNPs when the rows go to a file. */

/* GenomicSEM's GC: how V_SNP takes the LDSC intercepts ("standard": sqrt(I_pp); "conserv":
 * I_pp; "none"). */
typedef enum { KS_GSEM_GC_STANDARD = 0, KS_GSEM_GC_CONSERV = 1, KS_GSEM_GC_NONE = 2 } ks_gsem_gc;
/* "standard", "conserv", "none" (see base.h) */
KS_API const char *ks_gsem_gc_name(ks_gsem_gc value);
KS_API int ks_gsem_gc_value(ks_ctx *ctx, const char *name, ks_gsem_gc *out) KS_RESULT_USED;

/* How each SNP is fitted. */
typedef enum {
    KS_GSEM_GWAS_SEM = 0, /* GenomicSEM's lavaan fit per SNP (userGWAS.R, commonfactorGWAS.R) */
    KS_GSEM_GWAS_GLS = 1  /* the analytic path (upstream's userGWAS(analytic = TRUE)): the
                             no-SNP model fitted once, each SNP's factor effects by the diagonal
                             GLS on its loadings with the sandwich SEs and Q_SNP per factor; one
                             `F ~ SNP` row per factor, no model chi-square. First-order factors
                             whose indicators are traits, every factor regressed on SNP, no other
                             regression */
} ks_gsem_gwas_method;
/* "sem", "gls" (see base.h) */
KS_API const char *ks_gsem_gwas_method_name(ks_gsem_gwas_method value);
KS_API int ks_gsem_gwas_method_value(ks_ctx *ctx, const char *name,
                                     ks_gsem_gwas_method *out) KS_RESULT_USED;

typedef struct {
    ks_sem_estimator estimation; /* KS_SEM_DWLS (default) or KS_SEM_ML */
    ks_gsem_gc gc;               /* default KS_GSEM_GC_STANDARD */
    double snpse;                /* the SNP variance's SE; 0: GenomicSEM's 0.0005 */
    int q_snp;                   /* userGWAS: Q_SNP per factor regressed on SNP */
    int fix_measurement;         /* userGWAS: the measurement model fitted once (default 1) */
    int std_lv;                  /* userGWAS: latent variances fixed to 1 */
    int smooth_check;            /* the Z_smooth column */
    const char *const *sub;      /* userGWAS: the rows kept, "F1~SNP", ... (blanks ignored),
                                    NULL-terminated; NULL: every row */
    double toler;                /* GenomicSEM's toler; 0: .Machine$double.eps */
    size_t chunk_i, chunk_n;     /* this job's part i (1-based) of n contiguous parts of the SNP
                                    list (a cluster array's jobs; the parts' rows concatenated
                                    are the whole run's); 0, 0: every SNP */
    ks_gsem_gwas_method method;  /* default KS_GSEM_GWAS_SEM */
} ks_gsem_gwas_options;
#define KS_GSEM_GWAS_OPTIONS_INIT                                                                  \
    {                                                                                              \
        KS_SEM_DWLS, KS_GSEM_GC_STANDARD, 0.0, 0, 1, 0, 0, NULL, 0.0, 0, 0, KS_GSEM_GWAS_SEM       \
    }

/* A GWAS run (opaque): its counts, and its rows when they were kept in memory. */
typedef struct ks_gsem_gwas ks_gsem_gwas;

/* userGWAS on the covstruc (a fitted, read or made ks_gsem_ldsc; its trait names are the
 * model's observed variables and name the SNP table's beta.<name> se.<name> columns) and the SNPs
 * of either snps_path (the table sumstats writes: SNP CHR BP MAF A1 A2 ... beta.<name>
 * se.<name>, TSV, plain or gzip) or snps (a sumstats result, its traits in the covstruc's order),
 * the other NULL. model: lavaan's syntax naming the SNP `SNP`. out_path: the rows are written
 * there (TSV, gzip when it ends in .gz; whole or not at all) and the handle holds the counts;
 * NULL: the rows are kept in the handle. Progress goes to the ctx's progress callback. */
KS_API int ks_gsem_usergwas_run(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *snps_path,
                                const ks_gsem_sumstats *snps, const char *model,
                                const ks_gsem_gwas_options *opt, const char *out_path,
                                ks_gsem_gwas **out) KS_RESULT_USED;
/* commonfactorGWAS: the same with GenomicSEM's one-factor model of every trait (q_snp,
 * fix_measurement, std_lv and sub do not apply and must be left at their defaults). */
KS_API int ks_gsem_commonfactorgwas_run(ks_ctx *ctx, const ks_gsem_ldsc *covstruc,
                                        const char *snps_path, const ks_gsem_sumstats *snps,
                                        const ks_gsem_gwas_options *opt, const char *out_path,
                                        ks_gsem_gwas **out) KS_RESULT_USED;
KS_API void ks_gsem_gwas_free(ks_gsem_gwas *g); /* NULL is fine */

/* The columns of the rows kept in memory (nrow each; NULL when the rows went to a file or the
 * function has no such column). Text as read or as the model names it; NaN for R's NA. */
enum { KS_GSEM_GWAS_NTEXT = 9 }; /* SNP CHR BP A1 A2 lhs op rhs label */
typedef struct {
    int commonfactor;        /* commonfactorGWAS's columns (else userGWAS's) */
    int q_snp, smooth_check; /* the optional columns are there */
    size_t snps;             /* SNPs fitted (this part's) */
    size_t first;            /* this part's first SNP, 0-based in the whole list */
    size_t failed;           /* SNPs whose fit failed (flagged in their rows) */
    size_t smoothed;         /* SNPs whose S_Full or V_Full was smoothed */
    size_t nrow;             /* rows kept */
    const char *const *text[KS_GSEM_GWAS_NTEXT]; /* SNP CHR BP A1 A2 lhs op rhs label */
    const double *maf, *i;                       /* i: the SNP's 1-based number in the whole list */
    const double *free;                          /* userGWAS: lavaan's free number (0: fixed) */
    const double *est, *se;                      /* se: userGWAS's SE, commonfactorGWAS's se_c */
    const double *z, *pvalue;                    /* Z_Estimate, Pval_Estimate */
    const double *chisq, *chisq_df, *chisq_pval, *aic; /* userGWAS; commonfactorGWAS: Q Q_df
                                                           Q_pval (aic NULL) */
    const double *q_snp_stat, *q_snp_df, *q_snp_pval;  /* Q_SNP Q_SNP_df Q_SNP_pval (q_snp) */
    const double *z_smooth;                            /* (smooth_check) */
    const char *const *error, *const *warning;         /* "0" where none, as R writes it */
} ks_gsem_gwas_view;
KS_API void ks_gsem_gwas_get(const ks_gsem_gwas *g, ks_gsem_gwas_view *out);

#ifdef __cplusplus
}
#endif
#endif
