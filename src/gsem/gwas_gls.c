/* gwas_gls.c — a per-SNP fit in closed form (ks__gwas_gls_ops, gwas_internal.h): the factor
 * effects of a SNP by the diagonal GLS of its SNP-trait covariances on the fixed loadings, with
 * the sandwich standard errors and Q_SNP. It is the upstream analytic path's estimator (notes
 * sec. 1.8 "Measured equivalences", 1.9) on GenomicSEM's own V_SNP, and what the machinery's
 * tests run on; it refits nothing else, so it reports no model chi-square. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gsem/gwas_internal.h"
#include "linalg/linalg_internal.h"

typedef struct {
    ks_allocator alloc;
    size_t k, nf;
    int commonfactor;
    double *lambda;     /* k x nf */
    size_t *nind, *ind; /* per factor: its indicators (Lambda != 0), ind[j * k + i] */
    const char **lhs, **op, **rhs, **label;
    int *free, *q_df;
    char *names; /* the factor names' text */
} gls_model;

typedef struct {
    ks_allocator alloc;
    double *X, *WX, *A, *G, *H, *b, *Vs,
        *eta; /* k x nf, k x nf, nf^2, nf x k, k x nf, nf, k^2, k */
} gls_ws;

static void model_free(const ks_allocator *a, void *p)
{
    gls_model *m = p;
    if (!m) return;
    ks__release(a, m->lambda);
    ks__release(a, m->nind);
    ks__release(a, m->ind);
    ks__release(a, m->lhs);
    ks__release(a, m->free);
    ks__release(a, m->names);
    ks__release(a, m);
}

static int prepare(ks_ctx *ctx, const ks__gwas_covstruc *cs, const void *spec_, void **out,
                   ks__gwas_layout *L)
{
    const ks__gwas_gls_spec *spec = spec_;
    const size_t k = cs->k, nf = spec->nf;
    if (nf < 1 || nf > k) return ks__fail(ctx, KS_EINVAL, "GLS: %zu factors for %zu traits", nf, k);
    if (spec->commonfactor && nf != 1)
        return ks__fail(ctx, KS_EINVAL, "GLS: commonfactorGWAS has one factor, not %zu", nf);
    gls_model *m = ks__calloc(ctx, 1, sizeof *m);
    if (!m) return KS_ENOMEM;
    m->alloc = ctx->alloc;
    m->k = k;
    m->nf = nf;
    m->commonfactor = spec->commonfactor;
    size_t text = 0;
    for (size_t j = 0; j < nf; j++) text += strlen(spec->factor[j]) + 1;
    m->lambda = ks__malloc_array(ctx, k * nf, sizeof *m->lambda);
    m->nind = ks__calloc(ctx, nf, sizeof *m->nind);
    m->ind = ks__malloc_array(ctx, k * nf, sizeof *m->ind);
    m->lhs = ks__malloc_array(ctx, 4 * nf, sizeof *m->lhs);
    m->free = ks__malloc_array(ctx, 2 * nf, sizeof *m->free);
    m->names = ks__malloc(ctx, text);
    if (!m->lambda || !m->nind || !m->ind || !m->lhs || !m->free || !m->names) {
        model_free(&ctx->alloc, m);
        return KS_ENOMEM;
    }
    memcpy(m->lambda, spec->lambda, k * nf * sizeof *m->lambda);
    m->op = m->lhs + nf;
    m->rhs = m->lhs + 2 * nf;
    m->label = m->lhs + 3 * nf;
    m->q_df = m->free + nf;
    char *p = m->names;
    for (size_t j = 0; j < nf; j++) {
        for (size_t t = 0; t < k; t++) {
            const double l = m->lambda[j * k + t];
            if (!isfinite(l)) {
                model_free(&ctx->alloc, m);
                return ks__fail(ctx, KS_EINVAL, "GLS: loading %zu of factor %zu is not finite",
                                t + 1, j + 1);
            }
            if (l != 0.0) m->ind[j * k + m->nind[j]++] = t;
        }
        const size_t l = strlen(spec->factor[j]) + 1;
        memcpy(p, spec->factor[j], l);
        m->lhs[j] = p;
        p += l;
        m->op[j] = "~";
        m->rhs[j] = "SNP";
        m->label[j] = "";
        m->free[j] = (int)j + 1;
        m->q_df[j] = m->nind[j] ? (int)m->nind[j] - 1 : -1;
    }
    L->nrow = nf;
    L->lhs = m->lhs;
    L->op = m->op;
    L->rhs = m->rhs;
    L->label = m->label;
    L->free = m->free;
    L->q_df = m->q_df;
    L->chisq_df = NAN;
    L->npar = NAN;
    *out = m;
    return KS_OK;
}

static void ws_free(const ks_allocator *a, void *p)
{
    gls_ws *w = p;
    if (!w) return;
    ks__release(a, w->X);
    ks__release(a, w);
}

static int ws_new(ks_ctx *ctx, const void *model, void **out)
{
    const gls_model *m = model;
    const size_t k = m->k, nf = m->nf;
    gls_ws *w = ks__calloc(ctx, 1, sizeof *w);
    if (!w) return KS_ENOMEM;
    w->alloc = ctx->alloc;
    const size_t n = 4 * k * nf + nf * nf + nf + k * k + k;
    w->X = ks__malloc_array(ctx, n, sizeof *w->X);
    if (!w->X) {
        ws_free(&ctx->alloc, w);
        return KS_ENOMEM;
    }
    w->WX = w->X + k * nf;
    w->G = w->WX + k * nf;
    w->H = w->G + k * nf;
    w->A = w->H + k * nf;
    w->b = w->A + nf * nf;
    w->Vs = w->b + nf;
    w->eta = w->Vs + k * k;
    *out = w;
    return KS_OK;
}

static int failed(ks__gwas_result *res, const char *why)
{
    snprintf(res->error, sizeof res->error, "%s", why);
    return 1;
}

/* Q_SNP of factor j: the residual SNP-trait covariances of its indicators against V_SNP's block
 * of them (NaN when that block is not positive definite). */
static int q_snp(ks_ctx *ctx, const gls_model *m, gls_ws *w, size_t j, const ks__gwas_snp *s,
                 double *q)
{
    const size_t k = m->k, n = m->nind[j], *ind = m->ind + j * k;
    for (size_t a = 0; a < n; a++) {
        const size_t t = ind[a];
        double fit = 0.0;
        for (size_t f = 0; f < m->nf; f++) fit += w->X[f * k + t] * w->b[f];
        w->eta[a] = s->S_Full[t + 1] - fit;
        for (size_t c = 0; c < n; c++) w->Vs[c * n + a] = s->V_SNP[ind[c] * k + t];
    }
    double eta0[1000];
    memcpy(eta0, w->eta, n * sizeof *eta0);
    int info = 0, rc = ks__dpotrf(ctx, 'L', n, w->Vs, n, &info);
    if (!rc && !info) rc = ks__dpotrs(ctx, 'L', n, 1, w->Vs, n, w->eta, n, &info);
    if (rc) return rc;
    double s2 = 0.0;
    for (size_t a = 0; a < n; a++) s2 += eta0[a] * w->eta[a];
    *q = info ? NAN : s2;
    return KS_OK;
}

static int fit_snp(ks_ctx *ctx, void *ws, const void *model, const ks__gwas_snp *s,
                   ks__gwas_result *res)
{
    const gls_model *m = model;
    gls_ws *w = ws;
    const size_t k = m->k, nf = m->nf;
    const double v = s->var_snp;
    for (size_t j = 0; j < nf; j++)
        for (size_t t = 0; t < k; t++) {
            w->X[j * k + t] = v * m->lambda[j * k + t];
            w->WX[j * k + t] = w->X[j * k + t] / s->V_SNP[t * k + t];
        }
    for (size_t a = 0; a < nf; a++) { /* A = X' W X, b = X' W s */
        double r = 0.0;
        for (size_t t = 0; t < k; t++) r += w->WX[a * k + t] * s->S_Full[t + 1];
        w->b[a] = r;
        for (size_t c = 0; c < nf; c++) {
            double e = 0.0;
            for (size_t t = 0; t < k; t++) e += w->WX[a * k + t] * w->X[c * k + t];
            w->A[c * nf + a] = e;
        }
    }
    for (size_t t = 0; t < k; t++) /* G = (W X)', solved for A^-1 W X below */
        for (size_t a = 0; a < nf; a++) w->G[t * nf + a] = w->WX[a * k + t];
    int info = 0, rc = ks__dpotrf(ctx, 'L', nf, w->A, nf, &info);
    if (rc) return rc;
    if (info) return failed(res, "GLS: X' D^-1 X is not positive definite");
    if ((rc = ks__dpotrs(ctx, 'L', nf, 1, w->A, nf, w->b, nf, &info)) ||
        (rc = ks__dpotrs(ctx, 'L', nf, k, w->A, nf, w->G, nf, &info)))
        return rc;
    for (size_t a = 0; a < nf; a++) /* H = V_SNP G' (k x nf) */
        for (size_t t = 0; t < k; t++) {
            double e = 0.0;
            for (size_t u = 0; u < k; u++) e += s->V_SNP[u * k + t] * w->G[u * nf + a];
            w->H[a * k + t] = e;
        }
    for (size_t a = 0; a < nf; a++) {
        double e = 0.0; /* (G V_SNP G')_aa */
        for (size_t t = 0; t < k; t++) e += w->G[t * nf + a] * w->H[a * k + t];
        res->est[a] = w->b[a];
        res->se[a] = sqrt(e);
        res->q_snp[a] = NAN;
        if (m->nind[a] && (rc = q_snp(ctx, m, w, a, s, &res->q_snp[a]))) return rc;
    }
    res->chisq = m->commonfactor ? res->q_snp[0] : NAN;
    return KS_OK;
}

const ks__gwas_fit_ops ks__gwas_gls_ops = {
    "GLS", 300.0, prepare, model_free, ws_new, ws_free, NULL, fit_snp,
};
