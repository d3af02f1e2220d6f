/* commonfactor.c — GenomicSEM's commonfactor() (R/commonfactor.R at 123ec96; gsem_spec sec. 2):
 * one factor over every trait of the covstruc, F1 =~ NA*T1 + ... + Tk with F1 ~~ 1*F1, fitted
 * as usermodel fits a model (usermodel.c) with commonfactor's rules: no std.lv, the
 * residual-variance bounds whenever the fit fails, the free rows only, its column names. The
 * traits enter lavaan's syntax as kestrel_t<i>, so a trait name lavaan cannot read (`T-4`)
 * works; the results show the given names. */
#include <stdio.h>
#include <string.h>

#include "gsem/gsem_fit.h"
#include "kestrel/gsem.h"

struct ks_gsem_commonfactor {
    ks_allocator alloc;
    ks_gsem_usermodel *u;
};

void ks_gsem_commonfactor_free(ks_gsem_commonfactor *c)
{
    if (!c) return;
    ks_gsem_usermodel_free(c->u);
    ks__release(&c->alloc, c);
}

void ks_gsem_commonfactor_get(const ks_gsem_commonfactor *c, ks_gsem_commonfactor_view *out)
{
    ks_gsem_usermodel_get(c->u, out);
}

int ks_gsem_commonfactor_fit(ks_ctx *ctx, const ks_gsem_ldsc *covstruc,
                             const ks_gsem_commonfactor_options *opt, ks_gsem_commonfactor **out)
{
    *out = NULL;
    if (!covstruc) return ks__fail(ctx, KS_EINVAL, "covstruc: none given");
    ks_gsem_ldsc_view cv;
    ks_gsem_ldsc_get(covstruc, &cv);
    const size_t k = cv.k;
    if (k == 2)
        return ks__fail(ctx, KS_EINVAL,
                        "commonfactor: a common factor over 2 traits is not identified (R stops "
                        "here too); use usermodel with a constraint");
    if (k < 2) return ks__fail(ctx, KS_EINVAL, "commonfactor: %zu trait; at least 3 are needed", k);
    ks_gsem_usermodel_options o = KS_GSEM_USERMODEL_OPTIONS_INIT;
    if (opt) o.estimation = opt->estimation;
    ks__sbuf b = {ctx, NULL, 0, 0, 0};
    ks__sbuf_printf(&b, "F1 =~ NA*kestrel_t1");
    for (size_t i = 1; i < k; i++) ks__sbuf_printf(&b, " + kestrel_t%zu", i + 1);
    ks__sbuf_printf(&b, "\nF1 ~~ 1*F1\n");
    char *model = NULL;
    int rc = ks__sbuf_string(&b, &model);
    if (rc) return rc;
    /* the internal names, all in one block */
    char **names = ks__calloc(ctx, k + 1, sizeof *names);
    char *nb = ks__calloc(ctx, k * 32 + 1, 1);
    ks_gsem_commonfactor *c = ks__calloc(ctx, 1, sizeof *c);
    if (c) c->alloc = ctx->alloc;
    if (!names || !nb || !c) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < k; i++) {
        names[i] = nb + 32 * i;
        snprintf(names[i], 32, "kestrel_t%zu", i + 1);
    }
    rc = ks__gsem_usermodel_run(ctx, k, (const char *const *)names, cv.names, cv.S, cv.V, model, &o,
                                1, &c->u);
    if (!rc) {
        *out = c;
        c = NULL;
    }
done:
    ks_gsem_commonfactor_free(c);
    ks__free(ctx, names);
    ks__free(ctx, nb);
    ks_string_free(model);
    return rc;
}
