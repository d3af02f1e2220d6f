/* gwas_smooth.c — the GWAS's smoothing hook (ks__gwas_smooth_fn, gwas_internal.h): a SNP's
 * S_Full or V_Full that is not positive definite replaced by R's Matrix::nearPD(corr = FALSE),
 * as GenomicSEM's userGWAS / commonfactorGWAS do per SNP. The eigen workspace is made per call:
 * the hook has no workspace of its own, and only the few SNPs that need smoothing pay for it
 * (nearPD's iterations cost far more than the allocation). */
#include "gsem/gwas_internal.h"
#include "linalg/linalg_internal.h"

int ks__gwas_near_pd(ks_ctx *ctx, size_t n, double *A)
{
    ks__symeig *e = NULL;
    ks__near_pd_info info;
    int rc = ks__symeig_new(ctx, n, &e);
    if (!rc) rc = ks__near_pd(ctx, e, A, &info);
    ks__symeig_free(e);
    return rc;
}
