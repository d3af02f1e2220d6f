/* ldsc_result.h — the ldsc result (GenomicSEM's covstruc) as the library builds it: ldsc.c fits
 * one, covstruc.c makes one from given matrices or from a file, writes it, frees it and gives its
 * view. Private to src/gsem. */
#ifndef KS_GSEM_LDSC_RESULT_H
#define KS_GSEM_LDSC_RESULT_H

#include "base/base_internal.h"
#include "kestrel/gsem.h"

/* ks_gsem_ldsc_view's arrays, writable: the doubles in one block from S, the counts in one from
 * snps_read, pair_snps alone, the names (k pointers, then their bytes) in one. */
struct ks_gsem_ldsc {
    ks_allocator alloc;
    size_t k, kstar, n_blocks;
    char **names;
    double *S, *V, *intercept, *N, m, *S_stand, *V_stand, *S_se, *S_stand_se, *liab;
    size_t *snps_read, *snps_merged, *snps_bad_n, *snps_removed, *snps_dup, *snps_after_n,
        *snps_used;
    double *chisq_max, *mean_chisq, *lambda_gc, *h2_se, *intercept_se, *ratio, *ratio_se;
    size_t *pair_snps;
    double *est, *est_se, *est_z, *est_p, *pair_intercept, *pair_intercept_se, *mean_zz;
};

/* A result for k traits (kstar = k (k + 1) / 2), its numbers 0 and no names yet. */
ks_gsem_ldsc *ks__gsem_ldsc_new(ks_ctx *ctx, size_t k, size_t kstar);
/* The names a covstruc accepts (see ks_gsem_ldsc_make); KS_EINVAL naming the first at fault. */
int ks__gsem_check_names(ks_ctx *ctx, size_t k, const char *const *names) KS_RESULT_USED;
/* GenomicSEM's names where ldsc() is given none: V1 ... Vk. */
int ks__gsem_ldsc_default_names(ks_ctx *ctx, ks_gsem_ldsc *r) KS_RESULT_USED;
/* Copies of the k names (checked: see ks_gsem_ldsc_make) into r. */
int ks__gsem_ldsc_set_names(ks_ctx *ctx, ks_gsem_ldsc *r, const char *const *names) KS_RESULT_USED;
/* What follows from the rest: each regression's z and P, the SEs of S and S_stand from the
 * diagonals of V and V_stand (S_stand_se NULL without V_stand). */
void ks__gsem_ldsc_finish(ks_gsem_ldsc *r);
/* GenomicSEM's rescaling of S and V by per-trait factors d (the liability conversion's square
 * roots, or 1 / sqrt(h2) for S_Stand): S_ab d_a d_b, and V's element (ab, ce) times
 * (d_a d_b)(d_c d_e), the pairs in V's order (R's tcrossprod and lowerTriangle). sO: kstar. */
void ks__gsem_scale_sv(size_t k, const double *d, const double *S, double *So, const double *V,
                       double *Vo, double *sO);

#endif
