/* gsem_internal.h — what the files of src/gsem share: a SNP reference list with its hash index,
 * allele codes, GWAS column names, P to Z, and numbers written as R writes them. */
#ifndef KS_GSEM_INTERNAL_H
#define KS_GSEM_INTERNAL_H

#include <math.h>
#include <stdint.h>

#include "base/base_internal.h"
#include "base/format.h"
#include "base/hash_index.h"
#include "base/parallel.h"
#include "linalg/linalg_internal.h"
#include "kestrel/gsem.h"
#include "kestrel/table.h"

/* ---- The rules GenomicSEM (munge.R, ldsc.R, sumstats.R) and bulik/ldsc (munge_sumstats.py,
 * ldsc.py) share, one value each; where the two differ, both, named. */

/* The autosomes an LD score set is split over (GenomicSEM's ldsc chr = 22, ldsc's --ref-ld-chr). */
enum { KS__GSEM_N_CHR = 22 };
/* The files of an LD score set PREFIX: the scores, and M, the number of SNPs behind them
 * (M_5_50: those with MAF >= 5%, both upstreams' default; M: all). */
#define KS__GSEM_LDSCORE ".l2.ldscore"
#define KS__GSEM_M_5_50 ".l2.M_5_50"
#define KS__GSEM_M_ALL ".l2.M"
/* The default chi-square cap of both upstreams' regressions: max(0.001 max N, 80). */
static inline double ks__gsem_chisq_cap(double max_n) { return fmax(0.001 * max_n, 80.0); }
/* lambda GC is the median chi-square over chi-square(1)'s median: bulik/ldsc (and its munge)
 * divide by the literal 0.4549, GenomicSEM by R's qchisq(0.5, 1). */
#define KS__LDSC_CHISQ1_MEDIAN 0.4549
#define KS__GSEM_CHISQ1_MEDIAN 0.45493642311957283

/* Which texts are a missing cell. */
typedef enum {
    KS__NA_R,      /* "", "NA", ".": GenomicSEM's munge and sumstats (fread's na.strings, and
                      '.' as its readers treat it) */
    KS__NA_R_LDSC, /* "", "NA": GenomicSEM's ldsc reading munged files (read.table's) */
    KS__NA_PANDAS  /* pandas' read_csv defaults of bulik/ldsc's time, and the '.' its munge adds */
} ks__na_rule;
int ks__gsem_is_na_pandas(const char *s);
static inline int ks__gsem_is_na(const char *s, ks__na_rule rule)
{
    if (rule == KS__NA_PANDAS) return ks__gsem_is_na_pandas(s);
    return !s[0] || (s[0] == 'N' && s[1] == 'A' && !s[2]) ||
           (rule == KS__NA_R && s[0] == '.' && !s[1]);
}

/* The numbers of an M file (PREFIX.l2.M_5_50 or .l2.M), read with the table layer's reader
 * (fields separated by blanks). first_line: the first line's numbers, one per LD column, as
 * bulik/ldsc's parse.py reads them; else every number on every line, which GenomicSEM's ldsc.R
 * adds up. positive: each must be a count > 0 (GenomicSEM; bulik/ldsc checks its sums). *v
 * (ks__malloc'ed) gets *n >= 1 numbers; errors name file:line:field. */
int ks__gsem_m_read(ks_ctx *ctx, const char *path, int first_line, int positive, double **v,
                    size_t *n);

/* One LD score file, a row at a time (ldscore_file.c): fn(arg, snp, v, line) for each data row,
 * v = CHR, BP, then the cols->p scores. The header must name CHR, SNP and BP; the scores are: */
typedef enum {
    KS__LD_L2,   /* GenomicSEM's ldsc: the column L2 */
    KS__LD_LAST, /* GenomicSEM's weights: the last column, whatever its name */
    KS__LD_ALL   /* bulik/ldsc: every other column (MAF and CM left out when both are there) */
} ks__ld_scores;
typedef struct {
    char delim; /* '\t': GenomicSEM reads tab-separated; 0: blanks, as ldsc's pandas */
    ks__ld_scores scores;
    int positive;           /* GenomicSEM: positions below 9e15 and scores > 0, a missing cell "is
                               not" one; bulik/ldsc: any finite number, its missing cells (pandas'
                               tokens) named so */
    const char *score_name; /* the score's name in messages (not KS__LD_ALL) */
} ks__ldscore_spec;
/* The score columns: with names NULL on entry (the first file) filled from the header (p names,
 * ks__strdup'ed, the caller's to free, also after an error); else the columns a later file
 * must have. */
typedef struct {
    char **names;
    size_t p;
} ks__ldscore_cols;
typedef int (*ks__ldscore_row_fn)(void *arg, const char *snp, const double *v, size_t line);
int ks__ldscore_file_read(ks_ctx *ctx, const char *path, const ks__ldscore_spec *spec,
                          ks__ldscore_cols *cols, ks__ldscore_row_fn fn, void *arg);

/* One munged summary statistics file (`SNP N Z A1 A2`, munge's output), a row at a time
 * (munged_file.c), looked up in ix (NULL: no lookup, k -1) in batches: fn(arg, row, k). The
 * upstreams read these files differently: */
typedef enum {
    KS__MUNGED_GENOMICSEM, /* ldsc.R: tab-separated, a row of another width an error; a row
                              with a missing cell anywhere ("" or NA) or an N or Z that reads
                              as NaN is dropped (na.omit), never passed on */
    KS__MUNGED_LDSC        /* sumstats.py: blank-separated, a short row's missing cells missing;
                              every row passed on, na set when a cell it uses is missing
                              (pandas' tokens); Z and N must be finite and N > 0 */
} ks__munged_rule;
typedef struct {
    ks__munged_rule rule;
    int alleles; /* KS__MUNGED_LDSC: read A1 and A2 too (GenomicSEM always does) */
} ks__munged_spec;
typedef struct {
    const char *snp, *a1, *a2; /* (a1, a2 "" when not read) */
    double N, Z;
    int na;
    size_t line;
} ks__munged_row;
typedef int (*ks__munged_row_fn)(void *arg, const ks__munged_row *row, int64_t k);
int ks__munged_read(ks_ctx *ctx, const char *path, const ks__munged_spec *spec, const ks__index *ix,
                    ks__munged_row_fn fn, void *arg);

/* The liability-scale factor K^2 (1 - K)^2 / (P (1 - P) phi(t)^2) of h2 (observed scale) for
 * sample prevalence P and population prevalence K, t the threshold with P(Z > t) = K; 1 with
 * neither (NaN: the observed scale). Each must be in (0, 1): an error naming the argument and
 * `where` (the trait or file) otherwise. The upstreams round it differently, and treat one
 * prevalence alone differently: */
typedef enum {
    KS__LIAB_GENOMICSEM, /* ldsc.R: t = qnorm(1 - K), phi = dnorm(t) (1/sqrt(2 pi) exp(-t^2 / 2));
                            one prevalence alone: the observed scale (factor 1) */
    KS__LIAB_LDSC        /* h2_obs_to_liab: t = norm.isf(K) (-qnorm(K)), exp(-t^2 / 2) /
                            sqrt(2 pi); one prevalence alone: an error */
} ks__liab_rule;
int ks__gsem_liability(ks_ctx *ctx, ks__liab_rule rule, double P, double K, const char *where,
                       double *factor);

/* Alleles: A C G T as 0..3; any other text as GSEM_OTHER (equal to no base); a missing or
 * non-base cell in a file as GSEM_NA (R's NA: every comparison with it is NA). */
enum { GSEM_OTHER = 4, GSEM_NA = -1 };
int ks__gsem_allele(const char *s, int upper); /* upper: upper-case first (munge), as R's toupper */

/* An allele's text as a key (upper-cased with upper): up to 7 bytes as they are, so equal keys
 * are equal text; a longer text by its 64-bit hash with bit 62 set; GSEM_NA for none. */
int64_t ks__gsem_allele_key(const char *s, int upper);

/* R's three-valued comparisons of allele codes (GSEM_NA is R's NA). */
enum { GSEM_F3 = 0, GSEM_T3 = 1, GSEM_NA3 = 2 };
static inline int ks__gsem_ne3(int64_t a, int64_t b)
{
    return a == GSEM_NA || b == GSEM_NA ? GSEM_NA3 : a != b;
}
static inline int ks__gsem_eq3(int64_t a, int64_t b)
{
    return a == GSEM_NA || b == GSEM_NA ? GSEM_NA3 : a == b;
}
static inline int ks__gsem_and3(int a, int b)
{
    if (a == GSEM_F3 || b == GSEM_F3) return GSEM_F3;
    return a == GSEM_NA3 || b == GSEM_NA3 ? GSEM_NA3 : GSEM_T3;
}

/* Keep the rows r[0..n) (of type T) for which cond holds (x: the row), compacted in order;
 * count the others in `counter`. munge's and sumstats' rules, one after another. */
#define GSEM_KEEP(T, r, n, cond, counter)                                                          \
    do {                                                                                           \
        size_t kept_ = 0;                                                                          \
        for (size_t i_ = 0; i_ < (n); i_++) {                                                      \
            const T *x = &(r)[i_];                                                                 \
            if (cond)                                                                              \
                (r)[kept_++] = (r)[i_];                                                            \
            else                                                                                   \
                (counter)++;                                                                       \
        }                                                                                          \
        (n) = kept_;                                                                               \
    } while (0)

/* Column names as an upstream reads them: GenomicSEM's R (make.names, upper case; a caller's
 * names: upper case only) or munge_sumstats.py's clean_header (upper case, '-' and '.' as '_').
 * The name s rewritten into d (at most cap - 1 characters; the munge_sumstats rule keeps the
 * length). */
typedef enum { KS__NAMES_R, KS__NAMES_UPPER, KS__NAMES_MUNGE_PY } ks__gsem_name_rule;
void ks__gsem_clean_name(ks__gsem_name_rule rule, const char *s, char *d, size_t cap);
/* An upstream's synonym table: names (as its rule writes them) and the role each gives (the
 * upstream's own numbering), and the rule. */
typedef struct {
    const char *name;
    int role;
} ks__gsem_synonym;
typedef struct {
    const ks__gsem_synonym *syn;
    size_t n;
    ks__gsem_name_rule rule;
} ks__gsem_synonyms;
/* The role of a name already rewritten by t's rule, or -1. */
int ks__gsem_synonym_role(const ks__gsem_synonyms *t, const char *name);
extern const ks__gsem_synonyms ks__gsem_synonyms_genomicsem; /* roles GC_* (columns.c) */

/* The columns munge and sumstats read, in the order GenomicSEM interprets them, and what a
 * caller looks for: the first ncol of them (N skipped when given), the names it gives
 * ("SNP=MarkerName", NULL-terminated), whether a Z column may stand for the effect and
 * NEFFDIV2 / NEFF_HALF for N (doubled: *n_factor 2), and the columns whose absence is an
 * error (bit k for column k). col[k]: the file column, or -1. */
enum { GC_SNP, GC_A1, GC_A2, GC_EFFECT, GC_INFO, GC_P, GC_N, GC_MAF, GC_SE, GC_DIRECTION,
       GC_NCOL };
extern const char *const ks__gsem_col_name[GC_NCOL];
typedef struct {
    const char *const *given;
    int ncol, skip_n, z_as_effect, neff_half;
    unsigned required;
} ks__gsem_colspec;
int ks__gsem_map_columns(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                     const ks__gsem_colspec *s, int col[GC_NCOL], double *n_factor);
/* The names of the columns found, each copied into used[k] (at least s->ncol entries). */
int ks__gsem_columns_used(ks_ctx *ctx, char *const *f, const ks__gsem_colspec *s, const int *col,
                          const char **used);
/* Column k of a row as a number (NaN when missing or NA; see ks__gsem_parse_num), or an error
 * naming file, line and column. */
int ks__gsem_cell(ks_ctx *ctx, const char *path, size_t line, const int *col, int k, char *const *f,
              size_t nf, double *v, double *logv);
/* A data row's width against the header's: more fields is an error naming the line; fewer
 * (their cells read as NA, as R's fill = TRUE) are counted. */
int ks__gsem_row_width(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead,
                   size_t *short_rows);

/* Progress over files read in parallel: done[2 j], done[2 j + 1] the bytes read and the size
 * of file j (of n), reported together through ctx under `what`; me: the caller's file. */
typedef struct {
    ks_ctx *ctx;
    const char *what;
    uint64_t *done;
    size_t n, me;
} ks__gsem_progress;
void ks__gsem_progress_report(const ks__gsem_progress *pr, ks_text_reader *r);

/* A raw summary statistics file (a GWAS's output: plain or gzip, whitespace-delimited, as munge
 * and sumstats and munge --mode ldsc read them) opened and its header row read into *head
 * (*nhead fields, valid until the next read); an empty file is an error. The rows then go
 * through ks__gsem_scan_rows. */
int ks__gsem_open_raw(ks_ctx *ctx, const char *path, ks_text_reader **r, char *const **head,
                      size_t *nhead);
/* The data rows of r (its header already read), a batch of KS__INDEX_BATCH at a time: fn(arg, f,
 * nf, line, k) for each, k the index in ix of the row's field snp (-1: not there, no such
 * field, or no ix), looked up once the whole batch's lookups were prefetched (the index is far
 * larger than the caches; 16 names keep 32 lines in flight, about what a core can track). Returns
 * KS_OK at the end, a reader's error, or fn's first non-zero. */
typedef int (*ks__gsem_row_fn)(void *arg, char *const *f, size_t nf, size_t line, int64_t k);
/* With a tally, the scanner counts every row, checks its width against the header's nhead
 * (ks__gsem_row_width), reports progress, and counts a row not in ix in *not_in_ref instead of
 * passing it on (GenomicSEM's rule: the reference list comes first); not_in_ref NULL: such a row
 * goes on with k = -1 (munge_sumstats.py's: its missing values are counted first). */
typedef struct {
    ks_ctx *ctx;
    const char *path;
    size_t nhead;
    size_t *rows, *short_rows, *not_in_ref;
    const ks__gsem_progress *pr;
} ks__gsem_tally;
int ks__gsem_scan_rows(ks_text_reader *r, const ks__index *ix, int snp, const ks__gsem_tally *t,
                       ks__gsem_row_fn fn, void *arg);

/* A SNP list (`SNP A1 A2 ...`): the names in an arena, each SNP's rank in byte order of the
 * names (ties by position), its alleles (codes, and the text as read), a hash index. */
typedef struct {
    size_t n;
    char *arena;
    size_t *off;        /* n: name = arena + off[i] */
    size_t *a1off, *a2off; /* the alleles' text in the arena */
    signed char *a1, *a2;
    uint32_t *rank;
    const char **name;  /* n: the names */
    ks__index index;
} ks__gsem_snplist;

int ks__gsem_snplist_read(ks_ctx *ctx, const char *path, ks__gsem_snplist *out);
void ks__gsem_snplist_free(const ks_allocator *a, ks__gsem_snplist *s);

/* The header row's fields named want[0..n) into col, or an error naming the file and the first
 * name missing or named twice. */
int ks__gsem_header(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                const char *const *want, int n, int *col);
/* KS_OK when a row has the header's number of fields, else an error naming file and line. */
int ks__gsem_fields(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead);

/* The sizes of n files added up (a file that cannot be read counts 0). */
uint64_t ks__gsem_file_bytes(const char *const *paths, size_t n);
/* The work of reading `bytes` of files, for ks__parallel_each (0: unknown, all threads): a byte
 * counted as 1/8 ns, so a thread per 8 MB of input at the ctx's default share (1 ms). A second
 * thread costs more than it saves on less: OpenMP's idle threads spin (libgomp's default wait
 * policy) while the others finish, which on a busy 2-core machine made the default slower than
 * one thread (README). */
static inline double ks__gsem_read_ns(uint64_t bytes)
{
    return bytes ? (double)bytes / 8.0 : INFINITY;
}

/* Parse a numeric cell: 1 with *v set, 0 for NA ("", "NA", "."), -1 if not a number. For P
 * cells, *logv (if not NULL) gets log of the value from the text itself when the value is
 * below 1e-300 (so that 1e-400 keeps its meaning), else NAN. */
int ks__gsem_parse_num(const char *s, double *v, double *logv);

/* munge_sumstats.c, bulik ldsc's munge_sumstats.py (mode KS_GSEM_MUNGE_LDSC): the options checked once,
 * then one file munged into out_path (merge: the --merge-alleles list or NULL). */
int ks__h2rg_check(ks_ctx *ctx, const ks_gsem_munge_options *o);
int ks__h2rg_one(ks_ctx *ctx, const char *path, const char *out_path, const ks__gsem_snplist *merge,
                   const ks_gsem_munge_options *o, ks_gsem_munge_report *rep, const ks__gsem_progress *pr);

#endif
