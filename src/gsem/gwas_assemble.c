/* gwas_assemble.c — each SNP's S_Full, V_SNP and V_Full, as GenomicSEM's .get_S_Full,
 * .get_V_SNP and .get_V_full build them (R/utils.R), into buffers made once per thread: only the
 * SNP's row of S_Full and the V_SNP block change from one SNP to the next. Whether a matrix
 * needs smoothing is decided without an eigendecomposition per SNP (gwas_internal.h). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "gsem/gwas_internal.h"
#include "linalg/linalg_internal.h"

void ks__gwas_const_free(ks__gwas_const *c)
{
    const ks_allocator *a = &c->alloc;
    ks__release(a, c->S_LD);
    ks__release(a, c->V_LD);
    ks__release(a, c->I);
    ks__release(a, c->gcf);
    ks__release(a, c->L_S);
    memset(c, 0, sizeof *c);
}

/* Cholesky of the n x n A into L (lower): 1 when A is positive definite. */
static int chol_pd(ks_ctx *ctx, size_t n, const double *A, double *L, int *pd)
{
    memcpy(L, A, n * n * sizeof *L);
    int info = 0;
    const int rc = ks__dpotrf(ctx, 'L', n, L, n, &info);
    *pd = rc == KS_OK && info == 0;
    return rc;
}

/* R's test: is the smallest eigenvalue above 0 (copy of A into scratch, n x n)? */
static int eigen_pd(ks_ctx *ctx, size_t n, const double *A, int *pd)
{
    double *w = ks__malloc_array(ctx, n * n + n, sizeof *w);
    if (!w) return KS_ENOMEM;
    memcpy(w, A, n * n * sizeof *w);
    double wq;
    int iq, info = 0;
    int rc = ks__dsyevd(ctx, 'N', 'L', n, w, n, w + n * n, &wq, KS__LWORK_QUERY, &iq,
                        KS__LWORK_QUERY, &info);
    double *work = NULL;
    int *iwork = NULL;
    if (!rc) {
        work = ks__malloc_array(ctx, (size_t)wq + 1, sizeof *work);
        iwork = ks__malloc_array(ctx, (size_t)iq + 1, sizeof *iwork);
        if (!work || !iwork) rc = KS_ENOMEM;
    }
    if (!rc)
        rc = ks__dsyevd(ctx, 'N', 'L', n, w, n, w + n * n, work, (size_t)wq + 1, iwork,
                        (size_t)iq + 1, &info);
    if (!rc && info) rc = ks__fail(ctx, KS_ENUMERIC, "eigenvalues of V_LD: LAPACK info %d", info);
    if (!rc) *pd = w[n * n] > 0.0;
    ks__free(ctx, work);
    ks__free(ctx, iwork);
    ks__free(ctx, w);
    return rc;
}

static int check_finite(ks_ctx *ctx, const char *what, size_t n, const double *x)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return ks__fail(ctx, KS_EINVAL, "covstruc: %s element %zu is not finite", what, i + 1);
    return KS_OK;
}

int ks__gwas_const_init(ks_ctx *ctx, const ks__gwas_covstruc *cs, ks__gwas_gc gc, double snpse,
                        int presmooth, ks__gwas_smooth_fn smooth, ks__gwas_const *c)
{
    memset(c, 0, sizeof *c);
    c->alloc = ctx->alloc;
    const size_t k = cs->k;
    if (k < 1) return ks__fail(ctx, KS_EINVAL, "covstruc: no traits");
    if (k > 1000) return ks__fail(ctx, KS_EINVAL, "covstruc: %zu traits (at most 1000)", k);
    if (!(snpse > 0.0) || !isfinite(snpse))
        return ks__fail(ctx, KS_EINVAL, "SNPSE %g: must be > 0 and finite", snpse);
    const size_t kk = k * k, ks = k * (k + 1) / 2;
    int rc;
    if ((rc = check_finite(ctx, "S", kk, cs->S)) || (rc = check_finite(ctx, "V", ks * ks, cs->V)) ||
        (rc = check_finite(ctx, "I", kk, cs->I)))
        return rc;
    c->k = k;
    c->kf = (k + 1) * (k + 2) / 2;
    c->gc = gc;
    c->snpse2 = snpse * snpse;
    c->S_LD = ks__malloc_array(ctx, kk, sizeof *c->S_LD);
    c->V_LD = ks__malloc_array(ctx, ks * ks, sizeof *c->V_LD);
    c->I = ks__malloc_array(ctx, kk, sizeof *c->I);
    c->gcf = ks__malloc_array(ctx, k, sizeof *c->gcf);
    c->L_S = ks__malloc_array(ctx, kk, sizeof *c->L_S);
    double *M = ks__malloc_array(ctx, kk, sizeof *M);
    if (!c->S_LD || !c->V_LD || !c->I || !c->gcf || !c->L_S || !M) {
        ks__free(ctx, M);
        ks__gwas_const_free(c);
        return KS_ENOMEM;
    }
    memcpy(c->S_LD, cs->S, kk * sizeof *c->S_LD);
    memcpy(c->V_LD, cs->V, ks * ks * sizeof *c->V_LD);
    memcpy(c->I, cs->I, kk * sizeof *c->I);
    for (size_t x = 0; x < k; x++) { /* R: diag(I_LD) <- ifelse(diag(I_LD) <= 1, 1, diag(I_LD)) */
        double *d = &c->I[x * k + x];
        if (*d <= 1.0) *d = 1.0;
        c->gcf[x] = gc == KS__GWAS_GC_STANDARD ? sqrt(*d) : gc == KS__GWAS_GC_CONSERV ? *d : 1.0;
    }
    int s_pd = 0, v_pd = 0, m_pd = 0;
    rc = eigen_pd(ctx, ks, c->V_LD, &v_pd);
    if (!rc && presmooth && smooth && !v_pd && !(rc = smooth(ctx, ks, c->V_LD)))
        rc = eigen_pd(ctx, ks, c->V_LD, &v_pd);
    if (!rc) rc = chol_pd(ctx, k, c->S_LD, c->L_S, &s_pd);
    if (!rc && presmooth && smooth && !s_pd && !(rc = smooth(ctx, k, c->S_LD)))
        rc = chol_pd(ctx, k, c->S_LD, c->L_S, &s_pd);
    memcpy(M, c->I, kk * sizeof *M); /* V_SNP = D M D: M is I with a unit diagonal */
    for (size_t x = 0; x < k; x++) M[x * k + x] = 1.0;
    double *LM = ks__malloc_array(ctx, kk, sizeof *LM);
    if (!rc && !LM) rc = KS_ENOMEM;
    if (!rc) rc = chol_pd(ctx, k, M, LM, &m_pd);
    ks__free(ctx, LM);
    ks__free(ctx, M);
    if (rc) {
        ks__gwas_const_free(c);
        return rc;
    }
    c->s_pd = s_pd;
    c->v_const_pd = v_pd && m_pd;
    return KS_OK;
}

int ks__gwas_snp_new(ks_ctx *ctx, const ks__gwas_const *c, ks__gwas_snp *s)
{
    memset(s, 0, sizeof *s);
    const size_t k = c->k, k1 = k + 1, kf = c->kf;
    s->k = k;
    s->kf = kf;
    double *beta = ks__malloc_array(ctx, 2 * k, sizeof *beta);
    s->S_Full = ks__malloc_array(ctx, k1 * k1, sizeof *s->S_Full);
    s->V_Full = ks__calloc(ctx, kf * kf, sizeof *s->V_Full);
    s->V_SNP = ks__malloc_array(ctx, k * k, sizeof *s->V_SNP);
    s->beta = beta;
    s->se = beta ? beta + k : NULL;
    if (!beta || !s->S_Full || !s->V_Full || !s->V_SNP) {
        ks__gwas_snp_free(&ctx->alloc, s);
        return KS_ENOMEM;
    }
    s->smoothed = KS__GWAS_S_SMOOTHED | KS__GWAS_V_SMOOTHED; /* (the constant parts: not yet) */
    return KS_OK;
}

void ks__gwas_snp_free(const ks_allocator *a, ks__gwas_snp *s)
{
    ks__release(a, s->beta);
    ks__release(a, s->S_Full);
    ks__release(a, s->V_Full);
    ks__release(a, s->V_SNP);
    memset(s, 0, sizeof *s);
}

/* The parts of S_Full and V_Full no SNP changes (again after a smoothing overwrote them). */
static void fill_constant(const ks__gwas_const *c, ks__gwas_snp *s)
{
    const size_t k = c->k, k1 = k + 1, kf = c->kf, ks = kf - k1;
    if (s->smoothed & KS__GWAS_S_SMOOTHED)
        for (size_t j = 0; j < k; j++)
            memcpy(&s->S_Full[(j + 1) * k1 + 1], &c->S_LD[j * k], k * sizeof *s->S_Full);
    if (s->smoothed & KS__GWAS_V_SMOOTHED) {
        memset(s->V_Full, 0, kf * kf * sizeof *s->V_Full);
        s->V_Full[0] = c->snpse2;
        for (size_t j = 0; j < ks; j++)
            memcpy(&s->V_Full[(k1 + j) * kf + k1], &c->V_LD[j * ks], ks * sizeof *s->V_Full);
    }
    s->smoothed = 0;
}

/* V_SNP[x, y] as .get_V_SNP computes it, x the row, y the column, in R's order of operations:
 * SE_y SE_x I_xy f_x f_y varSNP^2 off the diagonal, (SE_x f_x varSNP)^2 on it, with f GC's factor
 * (sqrt(I_xx), I_xx, or 1, whose products change no bit). */
static double v_snp(const ks__gwas_const *c, const double *se, double v2, double v, size_t x,
                    size_t y)
{
    if (x == y) {
        const double d = se[x] * c->gcf[x] * v;
        return d * d;
    }
    return se[y] * se[x] * c->I[y * c->k + x] * c->gcf[x] * c->gcf[y] * v2;
}

/* Why a SNP cannot be fitted, into why; returns 1. */
static int KS_PRINTF(3, 4) say(char *why, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, len, fmt, ap);
    va_end(ap);
    return 1;
}

/* Z of each SNP-trait covariance from S_Full and V_Full (after smoothing) against the
 * sumstats' own (GC-corrected), the largest difference: GenomicSEM's Z_smooth. */
static double z_smooth(const ks__gwas_const *c, const ks__gwas_snp *s)
{
    const size_t k = c->k, kf = c->kf;
    double m = 0.0;
    for (size_t t = 0; t < k; t++) {
        const double z_pre = s->beta[t] / (s->se[t] * c->gcf[t]);
        const double z = s->S_Full[t + 1] / sqrt(s->V_Full[(t + 1) * kf + t + 1]);
        const double d = fabs(z - z_pre);
        if (d > m || isnan(d)) m = d;
    }
    return m;
}

int ks__gwas_assemble(ks_ctx *ctx, const ks__gwas_const *c, ks__gwas_smooth_fn smooth, double maf,
                      ks__gwas_snp *s, char *why, size_t why_len)
{
    const size_t k = c->k, k1 = k + 1, kf = c->kf;
    fill_constant(c, s);
    s->z_smooth = 0.0;
    if (isnan(maf)) return say(why, why_len, "MAF is missing");
    if (!(maf > 0.0 && maf < 1.0)) return say(why, why_len, "MAF %g not in (0, 1)", maf);
    for (size_t t = 0; t < k; t++) {
        if (!isfinite(s->beta[t]))
            return say(why, why_len, "beta of trait %zu missing or not finite", t + 1);
        if (!(s->se[t] > 0.0) || !isfinite(s->se[t]))
            return say(why, why_len, "se of trait %zu missing or not > 0", t + 1);
    }
    const double v = 2.0 * maf * (1.0 - maf), v2 = v * v;
    s->var_snp = v;
    double *S = s->S_Full;
    S[0] = v;
    for (size_t p = 0; p < k; p++) S[p + 1] = S[(p + 1) * k1] = v * s->beta[p];
    for (size_t y = 0; y < k; y++)
        for (size_t x = 0; x < k; x++) {
            const double e = v_snp(c, s->se, v2, v, x, y);
            s->V_SNP[y * k + x] = e;
            s->V_Full[(y + 1) * kf + x + 1] = e;
        }
    int s_pd = c->s_pd;
    if (s_pd) { /* Schur complement of S_LD: 1 - v beta' S_LD^-1 beta > 0, by L^-1 beta */
        double q = 0.0, z[1000];
        for (size_t i = 0; i < k; i++) {
            double r = s->beta[i];
            for (size_t j = 0; j < i; j++) r -= c->L_S[j * k + i] * z[j];
            z[i] = r / c->L_S[i * k + i];
            q += z[i] * z[i];
        }
        s_pd = 1.0 - v * q > 0.0;
    }
    if (s_pd && c->v_const_pd) return 0;
    if (!smooth)
        return say(why, why_len, "%s not positive definite (no smoothing available)",
                   !s_pd ? "S_Full" : "V_Full");
    int rc = KS_OK;
    if (!c->v_const_pd) {
        s->smoothed |= KS__GWAS_V_SMOOTHED;
        rc = smooth(ctx, kf, s->V_Full);
    }
    if (!rc && !s_pd) {
        s->smoothed |= KS__GWAS_S_SMOOTHED;
        rc = smooth(ctx, k1, s->S_Full);
    }
    if (rc == KS_ENOMEM) return rc;
    if (rc) return say(why, why_len, "smoothing failed: %s", ks_errmsg(ctx));
    s->z_smooth = z_smooth(c, s);
    return 0;
}
