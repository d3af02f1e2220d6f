/* h2rg_internal.h — what h2rg_read.c (the readers) hands h2rg.c (the estimators):
 * bulik/ldsc's LD score sets, M values and summary statistics, read as its parse.py and
 * sumstats.py read them. */
#ifndef KS_H2RG_INTERNAL_H
#define KS_H2RG_INTERNAL_H

#include "gsem_internal.h"

/* LD scores: SNPs in (CHR, BP) order (stable), the first row of each name kept, p columns. */
typedef struct {
    size_t n, p;
    char *arena;      /* the names */
    const char **snp; /* n */
    double *ld;       /* n x p, column-major */
    char **names;     /* p column names, upstream's `<column>_<file index>` */
    ks__index index;
} ks__ldscore_set;

/* Read the file sets of `list` (comma-separated prefixes; by_chr: each split over chromosomes
 * 1..22) side by side; `what` names the option in messages. */
int ks__ldscore_read(ks_ctx *ctx, const char *list, int by_chr, const char *what, ks__ldscore_set *out);
void ks__ldscore_free(const ks_allocator *a, ks__ldscore_set *s);
/* The M values of the file sets (PREFIX.l2.M_5_50, or .l2.M with not_5_50), summed over the
 * chromosomes present when by_chr; *M (ks__malloc'ed) gets *nM values. */
int ks__ldscore_read_M(ks_ctx *ctx, const char *list, int by_chr, int not_5_50, double **M, size_t *nM);
/* Drop the LD columns with zero variance (and their M); *removed counts them. All of them
 * zero: an error. */
int ks__ldscore_drop_constant(ks_ctx *ctx, ks__ldscore_set *s, double *M, size_t *removed);

/* Summary statistics `SNP A1 A2 N Z`: the first row of each SNP. With dropna, rows with a missing
 * cell among the columns used are removed before that (upstream's first file); without, they are
 * kept (and marked) so that a missing first copy hides the SNP (its other files). Alleles: the
 * base as a letter when the cell is one of A C G T, 'x' for any other text, 0 when missing. */
typedef struct {
    size_t n, read, dup;
    char *arena;
    const char **snp;
    double *Z, *N;
    char *a1, *a2;     /* NULL without alleles */
    unsigned char *na; /* 1: a cell used is missing */
    ks__index index;
} ks__h2rg_sumstats;
int ks__h2rg_sumstats_read(ks_ctx *ctx, const char *path, int alleles, int dropna, ks__h2rg_sumstats *out);
void ks__h2rg_sumstats_free(const ks_allocator *a, ks__h2rg_sumstats *s);

#endif
