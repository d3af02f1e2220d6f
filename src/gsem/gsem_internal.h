/* gsem_internal.h — what the files of src/gsem share: a SNP reference list with its hash index,
 * allele codes, GWAS column names, P to Z, and numbers written as R writes them. */
#ifndef KS_GSEM_INTERNAL_H
#define KS_GSEM_INTERNAL_H

#include <stdint.h>

#include "base/base_internal.h"
#include "kestrel/gsem.h"
#include "kestrel/table.h"

/* Alleles: A C G T as 0..3; any other text as GSEM_OTHER (equal to no base); a missing or
 * non-base cell in a file as GSEM_NA (R's NA: every comparison with it is NA). */
enum { GSEM_OTHER = 4, GSEM_NA = -1 };
int gsem_allele(const char *s, int upper); /* upper: upper-case first (munge), as R's toupper */

/* A hash index over n names (borrowed strings): the first of equal names wins. */
typedef struct {
    uint64_t key, index; /* the name's key (see gsem_util.c); index + 1, 0: empty */
} gsem_slot;
typedef struct {
    const char *const *names;
    gsem_slot *slot; /* mask + 1 entries: one cache line holds a slot's key and index */
    size_t mask;
} gsem_index;
int gsem_index_build(ks_ctx *ctx, const char *const *names, size_t n, gsem_index *ix);
int64_t gsem_index_find(const gsem_index *ix, const char *name); /* the index, or -1 */
void gsem_index_free(ks_ctx *ctx, gsem_index *ix);

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
    gsem_index index;
} gsem_snplist;

int gsem_snplist_read(ks_ctx *ctx, const char *path, gsem_snplist *out);
void gsem_snplist_free(ks_ctx *ctx, gsem_snplist *s);
/* The index of the SNP named s, or -1. */
int64_t gsem_snplist_find(const gsem_snplist *s, const char *name);

/* |z| for a two-sided P: z with P(|Z| > z) = P, from P (0 <= P <= 1) or, for P below the
 * double range, from log P (logp; pass NAN to use P). */
double gsem_z_from_p(double p, double logp);

/* R's median of v[0..n) (the mean of the middle two for an even n; NaN for none), in O(n)
 * by selection; v is reordered. */
double gsem_median(double *v, size_t n);

/* The standard normal quantile (AS 241, as R's qnorm). */
double gsem_qnorm(double p);

/* A number as R's as.character / write.table writes it: 15 significant digits, the fewest that
 * keep them, fixed or scientific, whichever is narrower (fixed on a tie); NA, NaN, Inf. buf: at
 * least 32 bytes. Returns the length. */
int gsem_format_r(double x, char *buf);

/* The header row's fields named want[0..n) into col (each the first match), or an error naming
 * the file and the first name missing. */
int gsem_header(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                const char *const *want, int n, int *col);
/* KS_OK when a row has the header's number of fields, else an error naming file and line. */
int gsem_fields(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead);

/* Room for need items of size bytes in *p (capacity *cap, doubled as needed). */
int gsem_grow(ks_ctx *ctx, void **p, size_t *cap, size_t need, size_t size);

/* Parse a numeric cell: 1 with *v set, 0 for NA ("", "NA", "."), -1 if not a number. For P
 * cells, *logv (if not NULL) gets log of the value from the text itself when the value is
 * below 1e-300 (so that 1e-400 keeps its meaning), else NAN. */
int gsem_parse_num(const char *s, double *v, double *logv);

/* Progress over the files munged in parallel: bytes read of each (done: 2 per file, consumed
 * and size), reported together through the caller's ctx; pr->me is this file. */
typedef struct {
    ks_ctx *ctx;
    uint64_t *done;
    size_t n, me;
} gsem_progress;
void gsem_progress_report(const gsem_progress *pr, ks_text_reader *r);

/* munge_bulik.c, bulik ldsc's munge_sumstats.py (mode KS_MUNGE_LDSC): the options checked once,
 * then one file munged into out_path (merge: the --merge-alleles list or NULL). */
int gsem_bulik_check(ks_ctx *ctx, const ks_munge_options *o);
int gsem_bulik_one(ks_ctx *ctx, const char *path, const char *out_path, const gsem_snplist *merge,
                   const ks_munge_options *o, ks_munge_report *rep, const gsem_progress *pr);

#endif
