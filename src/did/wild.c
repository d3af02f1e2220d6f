/* wild.c — the wild cluster restricted (WCR) bootstrap of one regression coefficient's t
 * statistic (Cameron, Gelbach & Miller 2008), with the null imposed on the bootstrap DGP, the
 * p-value and the confidence interval by test inversion as boottest computes them (Roodman,
 * MacKinnon, Nielsen & Webb 2019) and diff-diff reports them.
 *
 * The fast algebra: on the design X (fixed effects partialled out), with x~ the tested column
 * residualized on the others (x~ = X P e_j / P_jj, P = (X'X)^-1, D = x~'x~) and the restricted
 * residuals u(r) = M_-j (y - r x_j) = e + (b_j - r) x~, a draw v (one weight per cluster) gives
 *   D (b*_j - r)       = sum_g v_g a_g(r),                a_g = x~_g'u_g
 *   score_g            = x~_g' e*_g = v_g a_g(r) - f_g' sum_h v_h S_h(r),
 *                        S_h = X_h'u_h, f_g = P X_g'x~_g
 * since e* = M_X (v o u) and row j of P X' is x~'/D. Everything is affine in r, so each draw is
 * stored as five numbers (the numerator's two coefficients and the quadratic of sum score^2) and
 * the test can be inverted without redrawing: O(G k) per draw, memory O(n + G k + B).
 *
 * Weights come from the counter stream (seed, draw, cluster / 64 for Rademacher signs, cluster /
 * 2 for Webb and Mammen), so results do not depend on the thread count. Rademacher weights with
 * 2^G <= n_bootstrap enumerate all 2^G sign vectors (bit g of the draw number is cluster g's
 * sign), which makes the p-value deterministic. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"
#include "kestrel/linalg.h"

struct ks_did_wild {
    ks_allocator alloc;
    ks_did_wild_view v;
};

/* Boottest's tie guard: a draw counts only if it exceeds the observed statistic by a relative
 * 1e-9, so the draws that reproduce +/- t0 (all signs equal) never count from rounding. */
#define TIE 1e-9

/* The G weights of draw b into v. */
static void draw_weights(const ks_did_wild_options *o, int enumerate, size_t b, size_t G, double *v)
{
    if (enumerate) {
        for (size_t g = 0; g < G; g++) v[g] = ((b >> g) & 1) ? 1.0 : -1.0;
    } else if (o->weights == KS_DID_BOOT_RADEMACHER) {
        for (size_t g0 = 0; g0 < G; g0 += 64) { /* one Philox word signs 64 clusters */
            const uint64_t word = ks_rng_u64(o->seed, b, g0 / 64);
            const size_t g1 = g0 + 64 < G ? g0 + 64 : G;
            for (size_t g = g0; g < g1; g++) v[g] = ((word >> (g - g0)) & 1) ? 1.0 : -1.0;
        }
    } else {
        const double s5 = sqrt(5.0), lo = (1.0 - s5) / 2.0, hi = (1.0 + s5) / 2.0;
        const double p_lo = (s5 + 1.0) / (2.0 * s5);
        static const double webb[6] = {-1.224744871391589, -1.0, -0.7071067811865476,
                                       0.7071067811865476, 1.0,  1.224744871391589};
        for (size_t g0 = 0; g0 < G; g0 += 2) { /* 32 bits per cluster */
            const uint64_t word = ks_rng_u64(o->seed, b, g0 / 2);
            for (size_t g = g0; g < g0 + 2 && g < G; g++) {
                const uint32_t x = (uint32_t)(word >> (32 * (g - g0)));
                v[g] = o->weights == KS_DID_BOOT_MAMMEN
                           ? (((double)x + 0.5) * 0x1.0p-32 < p_lo ? lo : hi)
                           : webb[((uint64_t)x * 6) >> 32];
            }
        }
    }
}

/* What the draws need, per cluster: a_g = x~_g'u_g and x~_g'x~_g (the r = 0 and slope parts of
 * a_g(r)), S_g = X_g'u_g, F_g = P X_g'x~_g (k each), and the original score x~_g'e_g. */
typedef struct {
    size_t G, k;
    double *ay, *ax, *Sy, *Sx, *F, *s0;
} wild_sums;

typedef struct {
    double *q; /* 5 per draw: numerator at r = 0, its slope, sum score^2 = qa + r qb + r^2 qc */
    size_t B;
    double b, se_u; /* coefficient and unscaled standard error sqrt(sum s0^2) / D */
} wild_draws;

static double tstar(const double *q, double r)
{
    double var = q[2] + r * q[3] + r * r * q[4];
    if (var < 0) var = 0; /* rounding near a root of the quadratic */
    const double s = sqrt(var);
    return s > 0 ? (q[0] - r * q[1]) / s : NAN;
}

/* Rejection frequency at null r: two-tailed (tail 0), upper (1) or lower (-1) tail. Sets *nv to
 * the number of defined draws. */
static double reject(const wild_draws *w, double r, int tail, size_t *nv)
{
    const double t0 = (w->b - r) / w->se_u;
    const double guard = TIE * (fabs(t0) > 1.0 ? fabs(t0) : 1.0);
    size_t cnt = 0, valid = 0;
    for (size_t b = 0; b < w->B; b++) {
        const double t = tstar(w->q + 5 * b, r);
        if (isnan(t)) continue;
        valid++;
        if (tail == 0)
            cnt += fabs(t) > fabs(t0) + guard;
        else if (tail > 0)
            cnt += t > t0 + guard;
        else
            cnt += t < t0 - guard;
    }
    if (nv) *nv = valid;
    return valid < 2 ? 0.0 : (double)cnt / (double)valid;
}

/* One end of the inverted interval: walk out from the estimate in steps doubling from `scale`
 * until the test rejects, then bisect (the frequency is a step function, so no root finder that
 * assumes continuity). Unbounded: +/- Inf. */
static double invert(const wild_draws *w, int tail, double level, int dir, double scale)
{
    const double c = w->b;
    double step = scale > 0 ? scale : 1.0, hi = c + dir * step;
    int bracketed = 0;
    for (int i = 0; i < 64 && !bracketed; i++) {
        if (reject(w, hi, tail, NULL) < level)
            bracketed = 1;
        else {
            step *= 2.0;
            hi = c + dir * step;
        }
    }
    if (!bracketed) return dir * HUGE_VAL;
    double lo = c;
    for (int i = 0; i < 100; i++) {
        const double mid = 0.5 * (lo + hi);
        if (reject(w, mid, tail, NULL) >= level)
            lo = mid;
        else
            hi = mid;
        if (fabs(hi - lo) <= 1e-10 * (fabs(c) > 1.0 ? fabs(c) : 1.0)) break;
    }
    return 0.5 * (lo + hi);
}

/* The per-cluster sums over the design: kept columns col[0..k), tested column jj among them. */
static int cluster_sums(ks_ctx *ctx, const ks_feols_design_view *W, const size_t *col, size_t k,
                        size_t jj, const double *bk, wild_sums *s, double *D_out)
{
    const size_t n = W->n, G = W->ncluster;
    const int32_t *cl = W->cluster;
    double *P = ks__calloc(ctx, k * k, sizeof *P);
    double *xt = ks__malloc_array(ctx, n, sizeof *xt), *e = ks__malloc_array(ctx, n, sizeof *e);
    s->G = G;
    s->k = k;
    s->ay = ks__calloc(ctx, G, sizeof *s->ay);
    s->ax = ks__calloc(ctx, G, sizeof *s->ax);
    s->s0 = ks__calloc(ctx, G, sizeof *s->s0);
    s->Sy = ks__calloc(ctx, G * k, sizeof *s->Sy);
    s->Sx = ks__calloc(ctx, G * k, sizeof *s->Sx);
    s->F = ks__calloc(ctx, G * k, sizeof *s->F);
    int rc = KS_OK;
    if (!P || !xt || !e || !s->ay || !s->ax || !s->s0 || !s->Sy || !s->Sx || !s->F) rc = KS_ENOMEM;
    if (!rc) {
        for (size_t a = 0; a < k; a++)
            for (size_t c = 0; c <= a; c++) {
                const double *xa = W->X + col[a] * n, *xc = W->X + col[c] * n;
                double acc = 0.0;
                for (size_t i = 0; i < n; i++) acc += xa[i] * xc[i];
                P[a + c * k] = P[c + a * k] = acc;
            }
        rc = ks_spd_inverse(ctx, k, P, 0.0);
    }
    if (!rc && !(P[jj + jj * k] > 0))
        rc = ks__fail(ctx, KS_ENUMERIC, "wild bootstrap: the tested term is collinear");
    if (!rc) {
        const double D = 1.0 / P[jj + jj * k];
        for (size_t i = 0; i < n; i++) {
            double fit = 0.0, proj = 0.0;
            for (size_t a = 0; a < k; a++) {
                const double x = W->X[col[a] * n + i];
                fit += x * bk[a];
                proj += x * P[a + jj * k];
            }
            e[i] = W->y[i] - fit;
            xt[i] = proj * D;
        }
        const double bj = bk[jj];
        for (size_t i = 0; i < n; i++) {
            const size_t g = (size_t)cl[i];
            const double u = e[i] + bj * xt[i]; /* restricted residual at r = 0 */
            s->ay[g] += xt[i] * u;
            s->ax[g] += xt[i] * xt[i];
            s->s0[g] += xt[i] * e[i];
            for (size_t a = 0; a < k; a++) {
                const double x = W->X[col[a] * n + i];
                s->Sy[g * k + a] += x * u;
                s->Sx[g * k + a] += x * xt[i];
            }
        }
        for (size_t g = 0; g < G; g++)
            for (size_t a = 0; a < k; a++) {
                double acc = 0.0;
                for (size_t c = 0; c < k; c++) acc += P[a + c * k] * s->Sx[g * k + c];
                s->F[g * k + a] = acc;
            }
        *D_out = D;
    }
    ks__free(ctx, P);
    ks__free(ctx, xt);
    ks__free(ctx, e);
    return rc;
}

static void sums_free(ks_ctx *ctx, wild_sums *s)
{
    ks__free(ctx, s->ay);
    ks__free(ctx, s->ax);
    ks__free(ctx, s->s0);
    ks__free(ctx, s->Sy);
    ks__free(ctx, s->Sx);
    ks__free(ctx, s->F);
}

/* Each draw on its own (one thread, clusters in order): identical for any thread count. */
static int run_draws(ks_ctx *ctx, const wild_sums *s, const ks_did_wild_options *o, int enumerate,
                     wild_draws *w)
{
    const size_t G = s->G, k = s->k;
    /* a draw: the clusters' weighted score sums, about 5 ns per cluster and coefficient */
    size_t nt = (size_t)ks__threads_for(ctx, 5.0 * (double)w->B * (double)G * (double)(k + 1));
    if (nt > w->B) nt = w->B;
    const size_t per = G + 2 * k;
    double *work = ks__malloc_array(ctx, nt, per * sizeof *work);
    if (!work) return KS_ENOMEM;
#pragma omp parallel for num_threads((int)nt) schedule(dynamic, 8)
    for (size_t b = 0; b < w->B; b++) {
#ifdef _OPENMP
        double *v = work + (size_t)omp_get_thread_num() * per;
#else
        double *v = work;
#endif
        double *wa = v + G, *wb = wa + k;
        double na = 0.0, nb = 0.0, qa = 0.0, qab = 0.0, qc = 0.0;
        memset(wa, 0, 2 * k * sizeof *wa);
        draw_weights(o, enumerate, b, G, v);
        for (size_t g = 0; g < G; g++) {
            const double vg = v[g];
            na += vg * s->ay[g];
            nb += vg * s->ax[g];
            for (size_t a = 0; a < k; a++) {
                wa[a] += vg * s->Sy[g * k + a];
                wb[a] += vg * s->Sx[g * k + a];
            }
        }
        for (size_t g = 0; g < G; g++) {
            double sa = v[g] * s->ay[g], sb = v[g] * s->ax[g];
            for (size_t a = 0; a < k; a++) {
                sa -= s->F[g * k + a] * wa[a];
                sb -= s->F[g * k + a] * wb[a];
            }
            qa += sa * sa;
            qab += sa * sb;
            qc += sb * sb;
        }
        double *q = w->q + 5 * b;
        q[0] = na;
        q[1] = nb;
        q[2] = qa;
        q[3] = -2.0 * qab;
        q[4] = qc;
    }
    ks__free(ctx, work);
    return KS_OK;
}

static int check_options(ks_ctx *ctx, const ks_did_wild_options *o)
{
    if (!o->cluster || !*o->cluster)
        return ks__fail(ctx, KS_EINVAL,
                       "wild bootstrap: cluster is required (the bootstrap draws one weight "
                       "per cluster)");
    if (strchr(o->cluster, '+'))
        return ks__fail(ctx, KS_EINVAL, "wild bootstrap: cluster '%s': one column only",
                       o->cluster);
    if (o->n_bootstrap < 2)
        return ks__fail(ctx, KS_EINVAL, "wild bootstrap: n_bootstrap must be >= 2 (got %d)",
                       o->n_bootstrap);
    if (o->weights != KS_DID_BOOT_RADEMACHER && o->weights != KS_DID_BOOT_MAMMEN &&
        o->weights != KS_DID_BOOT_WEBB)
        return ks__fail(ctx, KS_EINVAL, "wild bootstrap: unknown weights %d", (int)o->weights);
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "wild bootstrap: alpha must be in (0, 1) (got %g)",
                       o->alpha);
    if (!isfinite(o->null_value))
        return ks__fail(ctx, KS_EINVAL, "wild bootstrap: null_value must be finite");
    return KS_OK;
}

int ks_did_wild_fit(ks_ctx *ctx, const ks_table *t, const char *formula, const char *term,
                    const ks_did_wild_options *opt, ks_did_wild **res)
{
    ks_did_wild_options o = KS_DID_WILD_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!res || !formula || !term) return ks__fail(ctx, KS_EINVAL, "wild bootstrap: NULL argument");
    *res = NULL;
    int rc = check_options(ctx, &o);
    if (rc) return rc;
    ks_did_wild *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    ks_did_wild_view *out = &r->v;
    ks_feols_options fo = KS_FEOLS_OPTIONS_INIT;
    fo.vcov = KS_VCOV_CRV1;
    fo.cluster = o.cluster;
    ks_feols *m = NULL;
    ks_feols_design *design = NULL;
    ks_feols_design_view W;
    wild_sums s;
    memset(&s, 0, sizeof s);
    wild_draws w = {0};
    size_t *col = NULL;
    double *bk = NULL;
    if ((rc = ks_feols_fit(ctx, t, formula, &fo, &m))) goto done;
    ks_feols_view fv;
    ks_feols_get(m, &fv);
    const size_t K = fv.ncoef;
    size_t j = K;
    for (size_t c = 0; c < K; c++)
        if (!strcmp(fv.names[c], term)) j = c;
    if (j == K) {
        rc = ks__fail(ctx, KS_EINVAL, "wild bootstrap: term '%s' is not in the formula '%s'", term,
                     formula);
        goto done;
    }
    if (fv.collinear[j]) {
        rc = ks__fail(ctx, KS_ENUMERIC,
                     "wild bootstrap: term '%s' is collinear (with the fixed effects or other "
                     "regressors)",
                     term);
        goto done;
    }
    if ((rc = ks_feols_design_build(ctx, t, formula, &fo, &design))) goto done;
    ks_feols_design_get(design, &W);
    col = ks__malloc_array(ctx, K, sizeof *col);
    bk = ks__malloc_array(ctx, K, sizeof *bk);
    if (!col || !bk) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t k = 0, jj = 0;
    for (size_t c = 0; c < K; c++) {
        if (fv.collinear[c]) continue;
        if (c == j) jj = k;
        bk[k] = fv.coef[c];
        col[k++] = c;
    }
    const size_t G = W.ncluster;
    if (G < 2) {
        rc = ks__fail(ctx, KS_EINVAL, "wild bootstrap: cluster '%s' has %zu level; need >= 2",
                     o.cluster, G);
        goto done;
    }
    if (G < 5)
        ks__log(ctx, KS_LOG_WARN,
               "only %zu clusters: wild bootstrap inference may be unreliable with fewer than 5",
               G);
    double D = 0.0;
    if ((rc = cluster_sums(ctx, &W, col, k, jj, bk, &s, &D))) goto done;
    const int enumerate =
        o.weights == KS_DID_BOOT_RADEMACHER && G < 31 && ((size_t)1 << G) <= (size_t)o.n_bootstrap;
    w.B = enumerate ? (size_t)1 << G : (size_t)o.n_bootstrap;
    w.b = bk[jj];
    double ss = 0.0;
    for (size_t g = 0; g < G; g++) ss += s.s0[g] * s.s0[g];
    w.se_u = sqrt(ss) / D;
    if (!(w.q = ks__malloc_array(ctx, w.B, 5 * sizeof *w.q))) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = run_draws(ctx, &s, &o, enumerate, &w))) goto done;

    out->coef = w.b;
    out->se = fv.se[j];
    out->tstat = (w.b - o.null_value) / out->se;
    out->nobs = W.n;
    out->nclusters = G;
    out->n_bootstrap = w.B;
    out->enumerated = enumerate;
    size_t nv = 0;
    double raw;
    if (o.equal_tailed) {
        const double lo = reject(&w, o.null_value, -1, &nv), hi = reject(&w, o.null_value, 1, NULL);
        raw = 2.0 * (lo < hi ? lo : hi);
    } else {
        raw = reject(&w, o.null_value, 0, &nv);
    }
    out->n_valid = nv;
    if (!(w.se_u > 0) || nv < 2) { /* no defined statistic: no inference */
        out->pvalue = out->ci_lower = out->ci_upper = out->se = out->tstat = NAN;
        goto done;
    }
    /* diff-diff's floor 1/(valid + 1) keeps p off zero, unless it would cross alpha */
    const double floor = 1.0 / ((double)nv + 1.0);
    out->pvalue = fmin(1.0, floor < o.alpha ? fmax(raw, floor) : raw);
    if (o.equal_tailed) {
        out->ci_lower = invert(&w, 1, o.alpha / 2.0, -1, out->se);
        out->ci_upper = invert(&w, -1, o.alpha / 2.0, 1, out->se);
    } else {
        out->ci_lower = invert(&w, 0, o.alpha, -1, out->se);
        out->ci_upper = invert(&w, 0, o.alpha, 1, out->se);
    }
done:
    ks__free(ctx, w.q);
    sums_free(ctx, &s);
    ks__free(ctx, col);
    ks__free(ctx, bk);
    ks_feols_design_free(design);
    ks_feols_free(m);
    if (rc)
        ks_did_wild_free(r);
    else
        *res = r;
    return rc;
}

void ks_did_wild_get(const ks_did_wild *r, ks_did_wild_view *out) { *out = r->v; }

void ks_did_wild_free(ks_did_wild *r)
{
    if (r) ks__release(&r->alloc, r);
}
