/* gwas_sem_stub.c — TEMPORARY: stands in for gwas_sem.c (the per-SNP SEM fits of userGWAS /
 * commonfactorGWAS, written at the same time on another branch) so that the GWAS front ends
 * build; method "sem" fails clearly until then. Delete this file when gwas_sem.c is merged. */
#include "gsem/gwas_internal.h"

static int not_built(ks_ctx *ctx, const ks__gwas_covstruc *cs, const void *spec, void **model,
                     ks__gwas_layout *layout)
{
    (void)cs;
    (void)spec;
    (void)model;
    (void)layout;
    return ks__fail(ctx, KS_EINVAL,
                    "the GWAS's SEM fit (method \"sem\") is not built yet: use "
                    "method \"gls\"");
}

const ks__gwas_fit_ops ks__gwas_user_ops = {"userGWAS", 0.0,  not_built, NULL,
                                            NULL,       NULL, NULL,      NULL};
const ks__gwas_fit_ops ks__gwas_commonfactor_ops = {
    "commonfactorGWAS", 0.0, not_built, NULL, NULL, NULL, NULL, NULL};
