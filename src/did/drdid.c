/* drdid.c — the 2x2 difference-in-differences estimators on panel data with their influence
 * functions, as Sant'Anna & Zhao (2020) define them and R's DRDID computes them (drdid_panel,
 * std_ipw_did_panel, reg_did_panel):
 *   reg: ATT = mean_T(dY) - mean_T(X'b), b from weighted OLS of dY on X among controls;
 *   ipw: normalized (Hajek) inverse probability weights from a logit propensity score;
 *   dr:  the doubly robust combination: ipw weights applied to dY - X'b.
 * The influence functions include the estimation effect of b and of the propensity score
 * (its linear representation through the logit score and Hessian). Propensity scores are capped
 * at 1 - 1e-6 and controls with a score >= 0.995 get weight 0, as DRDID does; with a clip bound
 * (diff-diff's pscore_trim) they are clipped to [clip, 1 - clip] instead and no control is
 * dropped. With in->ps_fallback, a logit that cannot be estimated gives way to the unconditional
 * score (diff-diff's pscore_fallback='unconditional'). */
#include <math.h>
#include <string.h>

#include "array/ufunc_loops.h"
#include "base/simd.h"
#include "did/did_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

#define PS_CAP (1.0 - 1e-6)
#define WLS_REFINE_COND 1e3 /* refine the outcome regressions above this cond(R) */
#define PS_TRIM 0.995

/* A fitted score as the weights use it: capped (R) or clipped (in->clip). */
static double bound_ps(const ks_did_2x2 *in, double p)
{
    if (isnan(in->clip)) return p < PS_CAP ? p : PS_CAP;
    return p < in->clip ? in->clip : p > 1.0 - in->clip ? 1.0 - in->clip : p;
}

/* 1 for a row that keeps its weight: DRDID drops controls with a score >= 0.995. */
static double ps_keep(const ks_did_2x2 *in, double D, double p)
{
    return D == 0.0 && isnan(in->clip) ? (p < PS_TRIM) : 1.0;
}

static double xcol(const ks_did_2x2 *in, size_t j, size_t i)
{
    return j == 0 || !in->X ? 1.0 : in->X[j * in->m + i];
}

/* sum_i a_i x_i x_i' over the rows added into G's upper triangle (G[l k + j], l <= j): inlined
 * with k a constant for small designs (below) so that the sums stay in registers, each added in
 * row order as a plain loop would. */
KS_INLINE void gram_rows(const ks_did_2x2 *in, size_t k, const double *a, size_t r0, size_t r1,
                         double *restrict G)
{
    for (size_t i = r0; i < r1; i++) {
        const double ai = a ? a[i] : 1.0;
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l <= j; l++) G[l * k + j] += ai * xcol(in, j, i) * xcol(in, l, i);
    }
}

/* BODY(K) for k = 2 .. 5 as a constant, else BODY(k). */
#define SMALL_K(k, BODY)                                                                           \
    switch (k) {                                                                                   \
    case 2: BODY(2); break;                                                                        \
    case 3: BODY(3); break;                                                                        \
    case 4: BODY(4); break;                                                                        \
    case 5: BODY(5); break;                                                                        \
    default: BODY(k);                                                                              \
    }

/* G = sum_i a_i x_i x_i' over rows r0 .. r1 - 1 (a NULL: ones; upper triangle, the rest zero). */
static void gram_range(const ks_did_2x2 *in, const double *a, size_t r0, size_t r1, double *G)
{
    memset(G, 0, in->k * in->k * sizeof *G);
#define GRAM_K(K) gram_rows(in, K, a, r0, r1, G)
    SMALL_K(in->k, GRAM_K)
#undef GRAM_K
}

static void gram(const ks_did_2x2 *in, const double *a, double *G)
{
    gram_range(in, a, 0, in->m, G);
}

/* The k-sized workspace of one fit (k: the covariates and the intercept, any number), carved
 * from the fit's one allocation: a k x k matrix (the Gram matrices, the logit's Hessian), the
 * Cholesky solve's scratch, the logit's coefficients and Newton step. */
typedef struct {
    double *G, *s, *beta, *z;
} kwork;
#define KWORK_VECS 3 /* s, beta, z */

static void kwork_init(kwork *w, size_t k, double *p)
{
    w->G = p;
    w->s = p + k * k;
    w->beta = w->s + k;
    w->z = w->beta + k;
}

/* One block of n_m * m + k * k + n_k * k doubles (the per-unit arrays, then the k-sized ones,
 * those zeroed), or NULL with the failure set. */
static double *fit_block(ks_ctx *ctx, size_t m, size_t n_m, size_t k, size_t n_k, double **kpart)
{
    size_t a, b, c, n;
    if (!ks__size_mul(m, n_m, &a) || !ks__size_mul(k, k, &b) || !ks__size_mul(k, n_k, &c) ||
        !ks__size_add(a, b, &n) || !ks__size_add(n, c, &n)) {
        ks__fail(ctx, KS_EOVERFLOW, "%zu covariates: the workspace size overflows", k - 1);
        return NULL;
    }
    double *p = ks__malloc_array(ctx, n, sizeof *p);
    if (p) {
        *kpart = p + a;
        memset(*kpart, 0, (b + c) * sizeof *p);
    }
    return p;
}

/* R did's guard before an outcome regression (dr and reg; its utility_functions.R,
 * rcond_check_fail, run for each cell before DRDID):
 *     control_covs <- x[y == 0, , drop = FALSE]
 *     rcond(crossprod(control_covs)) < .Machine$double.eps
 * over the control rows, unweighted, the intercept included. R sets the cell to NA with a
 * warning; so does the caller. The reciprocal condition number is the exact 1-norm one of the
 * Cholesky factor's inverse (R estimates it from an LU factorization: the two agree away from
 * the threshold); a Gram matrix that is not positive definite in floating point fails too.
 * The control rows: r0 .. r1 - 1 with weight control_i (0 or 1; NULL: all of them); or their
 * Gram matrix Gc (upper triangle) already summed. */
static int control_design_check(ks_ctx *ctx, const ks_did_2x2 *in, const double *Gc,
                                const double *control, size_t r0, size_t r1)
{
    const size_t k = in->k;
    if (k == 1) return KS_OK; /* R: intercept only, the test is "any control", made elsewhere */
    double *G = ks__malloc_array(ctx, k, (k + 1) * sizeof *G);
    if (!G) return KS_ENOMEM;
    if (Gc)
        memcpy(G, Gc, k * k * sizeof *G);
    else
        gram_range(in, control, r0, r1, G);
    ks_ctx lctx = *ctx;
    int rc =
        ks__chol_solve(&lctx, k, G, NULL, 0, 1, G + k * k, "X'X of the control units' covariates");
    ks__free(ctx, G);
    if (rc == KS_ENOMEM) return ks__fail(ctx, rc, "%s", lctx.errmsg);
    if (rc)
        return ks__fail(ctx, KS_ENUMERIC,
                        "%s; R did refuses such a cell (rcond(X'X) < 2.2e-16): center or "
                        "rescale the covariates, or remove collinear ones",
                        lctx.errmsg);
    return KS_OK;
}

/* The guard on panel rows: the controls are rows nt .. m - 1, or those with D == 0. */
static int panel_design_check(ks_ctx *ctx, const ks_did_2x2 *in)
{
    if (in->k == 1) return KS_OK;
    if (in->nt != SIZE_MAX) return control_design_check(ctx, in, NULL, NULL, in->nt, in->m);
    double *control = ks__malloc_array(ctx, in->m, sizeof *control);
    if (!control) return KS_ENOMEM;
    for (size_t i = 0; i < in->m; i++) control[i] = in->D[i] == 0.0;
    const int rc = control_design_check(ctx, in, NULL, control, 0, in->m);
    ks__free(ctx, control);
    return rc;
}

/* Weighted least squares b of y on the mc x k design X (leading dimension ldx; w NULL: ones).
 * Householder QR alone, as R's lm.fit (coefficients to about cond * 1e-16); the double-double
 * refinement, most of the fit's time, only when the design is ill-conditioned enough for that
 * to show. `who` names the rows in errors. */
static int qr_fit(ks_ctx *ctx, size_t mc, size_t k, const double *X, size_t ldx, const double *y,
                  const double *w, double *b, const char *who)
{
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.want_cov = 0;
    lo.want_resid = 0;
    lo.refine = KS_REFINE_NEVER;
    ks_lstsq_result *res = NULL;
    int rc = ks_lstsq(ctx, mc, k, X, ldx, y, w, &lo, &res);
    ks_lstsq_view lv;
    if (rc == KS_OK) ks_lstsq_get(res, &lv);
    if (rc == KS_OK && lv.cond > WLS_REFINE_COND) {
        ks_lstsq_free(res);
        res = NULL;
        lo.refine = KS_REFINE_AUTO;
        if ((rc = ks_lstsq(ctx, mc, k, X, ldx, y, w, &lo, &res)) == KS_OK) ks_lstsq_get(res, &lv);
    }
    if (rc == KS_OK && lv.rank < k)
        rc =
            ks__fail(ctx, KS_ENUMERIC,
                     "the outcome regression is singular among the %s (collinear covariates)", who);
    if (rc == KS_OK) memcpy(b, lv.coef, k * sizeof *b);
    ks_lstsq_free(res);
    return rc;
}

/* Weighted least squares of y on X over rows r0 .. r1 - 1 with a_i > 0, weights a_i (a NULL:
 * every row, weight 1; X's first column must then hold the ones, as it is used in place):
 * coefficients b. `who` names the rows in errors. */
static int wls_range(ks_ctx *ctx, const ks_did_2x2 *in, const double *a, size_t r0, size_t r1,
                     const double *y, double *b, const char *who)
{
    const size_t k = in->k;
    if (k == 1) {
        double s = 0.0, sw = 0.0;
        for (size_t i = r0; i < r1; i++)
            if (!a || a[i] > 0) {
                s += (a ? a[i] : 1.0) * y[i];
                sw += a ? a[i] : 1.0;
            }
        if (!(sw > 0)) return ks__fail(ctx, KS_ENUMERIC, "no %s with positive weight", who);
        b[0] = s / sw;
        return KS_OK;
    }
    size_t mc = 0;
    if (a)
        for (size_t i = r0; i < r1; i++) mc += a[i] > 0;
    else
        mc = r1 - r0;
    if (mc < k) return ks__fail(ctx, KS_ENUMERIC, "fewer %s than covariates", who);
    if (!a) return qr_fit(ctx, mc, k, in->X + r0, in->m, y + r0, NULL, b, who);
    double *Xc = ks__malloc_array(ctx, mc * (k + 2) + (r1 - r0) + 1, sizeof *Xc);
    if (!Xc) return KS_ENOMEM;
    double *yc = Xc + mc * k, *wc = yc + mc;
    size_t *idx = (size_t *)(wc + mc), r = 0; /* the rows kept (room: one double each) */
    for (size_t i = r0; i < r1; i++) { /* without a branch: the cell's rows come in any order */
        idx[r] = i;
        r += a[i] > 0;
    }
    for (r = 0; r < mc; r++) {
        const size_t i = idx[r];
        for (size_t j = 0; j < k; j++) Xc[j * mc + r] = xcol(in, j, i);
        yc[r] = y[i];
        wc[r] = a[i];
    }
    const int rc = qr_fit(ctx, mc, k, Xc, mc, yc, wc, b, who);
    ks__free(ctx, Xc);
    return rc;
}

/* Weighted least squares of y on X over all rows with a_i > 0, weights a_i. */
static int wls(ks_ctx *ctx, const ks_did_2x2 *in, const double *a, const double *y, double *b,
               const char *who)
{
    return wls_range(ctx, in, a, 0, in->m, y, b, who);
}

/* Weighted least squares of dy on X among the controls (D == 0, weight > 0). */
static int control_ols(ks_ctx *ctx, const ks_did_2x2 *in, const double *iw, double *a,
                       double *b)
{
    for (size_t i = 0; i < in->m; i++) a[i] = iw[i] * (1.0 - in->D[i]);
    return wls(ctx, in, a, in->dy, b, "control units");
}

/* ---- the logit: rows LOGIT_CHUNK at a time, exp(-x'beta) through the array library's vector exp
 * (SLEEF's, within 1 ULP), then one pass over the chunk for the probabilities, the score and the
 * Hessian ---- */
#define LOGIT_CHUNK 512

/* e = exp(-eta) for rows i0 .. i0 + n - 1, eta = x'beta summed intercept first. */
KS_KERNEL static void linear_predictor(const ks_did_2x2 *in, size_t i0, size_t n,
                                       const double *beta, double *restrict e)
{
    for (size_t i = 0; i < n; i++) e[i] = beta[0];
    for (size_t j = 1; j < in->k; j++) {
        const double *restrict x = in->X + j * in->m + i0;
        const double bj = beta[j];
        for (size_t i = 0; i < n; i++) e[i] += x[i] * bj;
    }
    for (size_t i = 0; i < n; i++) e[i] = -e[i];
}

static void logit_exp(const ks_did_2x2 *in, size_t i0, size_t n, const double *beta, double *e)
{
    linear_predictor(in, i0, n, beta, e);
    ks__exp_f64(e, e, n);
}

/* One chunk's p = 1 / (1 + e) into ps and its terms of the score (sum r x into g) and the
 * Hessian's upper triangle (sum v x x' into h), four rows at a time: lane l of each sum takes
 * rows l, l + 4, ... (n a multiple of 4). x[j]: column j's rows of the chunk (x[0] unused: the
 * intercept). Inlined with k a constant so that the sums live in registers. */
KS_INLINE void logit_rows(size_t k, const double *const *x, const double *iw, const double *D,
                          const double *e, double *ps, size_t n, v4d *restrict h, v4d *restrict g)
{
    for (size_t i = 0; i < n; i += 4) {
        const v4d p = 1.0 / (1.0 + v4_load(e + i)), w = v4_load(iw + i);
        v4_store(ps + i, p);
        const v4d v = w * p * (1.0 - p), r = w * (v4_load(D + i) - p);
        for (size_t j = 0; j < k; j++) {
            const v4d xj = j == 0 ? v4_splat(1.0) : v4_load(x[j] + i);
            g[j] += r * xj;
            for (size_t l = 0; l <= j; l++)
                h[l * k + j] += v * xj * (l == 0 ? v4_splat(1.0) : v4_load(x[l] + i));
        }
    }
}

#define LOGIT_ROWS_K(K)                                                                            \
    KS_KERNEL static void logit_rows_##K(const double *const *x, const double *iw,                 \
                                         const double *D, const double *e, double *ps, size_t n,   \
                                         v4d *hl, v4d *gl)                                         \
    {                                                                                              \
        v4d h[K * K], g[K];                                                                        \
        memcpy(h, hl, sizeof h);                                                                   \
        memcpy(g, gl, sizeof g);                                                                   \
        logit_rows(K, x, iw, D, e, ps, n, h, g);                                                   \
        memcpy(hl, h, sizeof h);                                                                   \
        memcpy(gl, g, sizeof g);                                                                   \
    }
LOGIT_ROWS_K(2)
LOGIT_ROWS_K(3)
LOGIT_ROWS_K(4)
LOGIT_ROWS_K(5)
#define LOGIT_MAX_LANES 5 /* k up to this: the lane sums above; more: row by row */

/* The same for any k, row by row in row order, into h and g directly. */
static void logit_rows_any(size_t k, const double *const *x, const double *iw, const double *D,
                           const double *e, double *ps, size_t n, double *h, double *g)
{
    for (size_t i = 0; i < n; i++) {
        const double p = 1.0 / (1.0 + e[i]);
        ps[i] = p;
        const double v = iw[i] * p * (1.0 - p), r = iw[i] * (D[i] - p);
        for (size_t j = 0; j < k; j++) {
            const double xj = j == 0 ? 1.0 : x[j][i];
            g[j] += r * xj;
            for (size_t l = 0; l <= j; l++) h[l * k + j] += v * xj * (l == 0 ? 1.0 : x[l][i]);
        }
    }
}

/* rows i0 .. i0 + n - 1 (n <= LOGIT_CHUNK, any n): their lanes, a last partial quad padded with
 * rows of weight 0 (which add zeros). */
static void logit_chunk(const ks_did_2x2 *in, size_t i0, size_t n, const double *iw,
                        const double *e, double *ps, v4d *h, v4d *g)
{
    const size_t k = in->k, n4 = n & ~(size_t)3;
    const double *x[LOGIT_MAX_LANES] = {NULL}, *tx[LOGIT_MAX_LANES] = {NULL};
    for (size_t j = 1; j < k; j++) x[j] = in->X + j * in->m + i0;
    double px[LOGIT_MAX_LANES][4] = {{0}}, pw[4] = {0}, pd[4] = {0}, pe[4] = {0}, pp[4];
    for (size_t j = 1; j < k; j++) {
        memcpy(px[j], x[j] + n4, (n - n4) * sizeof(double));
        tx[j] = px[j];
    }
    memcpy(pw, iw + i0 + n4, (n - n4) * sizeof(double));
    memcpy(pd, in->D + i0 + n4, (n - n4) * sizeof(double));
    memcpy(pe, e + n4, (n - n4) * sizeof(double));
#define ROWS(K)                                                                                    \
    logit_rows_##K(x, iw + i0, in->D + i0, e, ps + i0, n4, h, g);                                  \
    if (n4 < n) logit_rows_##K(tx, pw, pd, pe, pp, 4, h, g)
    switch (k) {
    case 2: ROWS(2); break;
    case 3: ROWS(3); break;
    case 4: ROWS(4); break;
    default: ROWS(5);
    }
#undef ROWS
    memcpy(ps + i0 + n4, pp, (n - n4) * sizeof(double));
}

/* One Newton pass at beta: the fitted probabilities into ps, the Hessian's upper triangle into
 * H and the score into z (k x k, k; the sums over lanes in a fixed order). */
static void logit_pass(const ks_did_2x2 *in, const double *iw, const double *beta, double *ps,
                       double *H, double *z)
{
    const size_t m = in->m, k = in->k;
    double e[LOGIT_CHUNK];
    memset(H, 0, k * k * sizeof *H);
    memset(z, 0, k * sizeof *z);
    if (k > LOGIT_MAX_LANES) {
        const double *x[k];
        for (size_t i0 = 0; i0 < m; i0 += LOGIT_CHUNK) {
            const size_t n = m - i0 < LOGIT_CHUNK ? m - i0 : LOGIT_CHUNK;
            for (size_t j = 1; j < k; j++) x[j] = in->X + j * m + i0;
            logit_exp(in, i0, n, beta, e);
            logit_rows_any(k, x, iw + i0, in->D + i0, e, ps + i0, n, H, z);
        }
        return;
    }
    v4d h[LOGIT_MAX_LANES * LOGIT_MAX_LANES] = {0}, g[LOGIT_MAX_LANES] = {0};
    for (size_t i0 = 0; i0 < m; i0 += LOGIT_CHUNK) {
        const size_t n = m - i0 < LOGIT_CHUNK ? m - i0 : LOGIT_CHUNK;
        logit_exp(in, i0, n, beta, e);
        logit_chunk(in, i0, n, iw, e, ps, h, g);
    }
    /* logit_rows_K laid its sums out k x k in the first k * k entries of h */
    for (size_t j = 0; j < k; j++) {
        z[j] = (g[j][0] + g[j][1]) + (g[j][2] + g[j][3]);
        for (size_t l = 0; l <= j; l++) {
            const v4d s = h[l * k + j];
            H[l * k + j] = (s[0] + s[1]) + (s[2] + s[3]);
        }
    }
}

/* max_j sum_i iw_i |x_ij| (x_0 = 1): the size of the logit score's terms. */
static double score_scale(const ks_did_2x2 *in, const double *iw)
{
    double top = 0.0;
    for (size_t j = 0; j < in->k; j++) {
        double t = 0.0;
        for (size_t i = 0; i < in->m; i++) t += iw[i] * fabs(xcol(in, j, i));
        top = t > top ? t : top;
    }
    return top;
}

/* Weighted logit of D on X by Newton's method to convergence; fitted probabilities into ps. */
static int logit_ps(ks_ctx *ctx, const ks_did_2x2 *in, const kwork *w, const double *iw, double *ps)
{
    const size_t m = in->m, k = in->k;
    if (k == 1) { /* the MLE is the weighted share treated */
        double s = 0.0, sw = 0.0;
        for (size_t i = 0; i < m; i++) {
            s += iw[i] * in->D[i];
            sw += iw[i];
        }
        for (size_t i = 0; i < m; i++) ps[i] = s / sw;
        return KS_OK;
    }
    double *beta = w->beta, *H = w->G, *z = w->z, gscale = -1.0;
    memset(beta, 0, k * sizeof *beta);
    for (int it = 0; it < 100; it++) {
        logit_pass(in, iw, beta, ps, H, z);
        double score = 0.0; /* the largest score component, before z becomes the step */
        for (size_t j = 0; j < k; j++) score = fabs(z[j]) > score ? fabs(z[j]) : score;
        int rc = ks__chol_solve(ctx, k, H, z, 1, 0, w->s, "the propensity-score Hessian");
        if (rc) return rc;
        double step = 0.0, size = 1.0;
        for (size_t j = 0; j < k; j++) {
            beta[j] += z[j];
            step = fabs(z[j]) > step ? fabs(z[j]) : step;
            size = fabs(beta[j]) > size ? fabs(beta[j]) : size;
        }
        if (step <= 1e-13 * size) break;
        /* Past the 5-8 steps Newton takes from 0, a score at the rounding level of its sums
         * (1e-11 of max_j sum_i iw_i |x_ij|) with a step that barely moves beta (1e-6 of it)
         * leaves only steps of noise, which a Hessian made ill-conditioned by nearly collinear
         * covariates magnifies past the test above: the fit is as converged as doubles allow
         * (and agrees with diff-diff's there). Separation is not that: its score shrinks too,
         * but each step still grows beta by several percent, on to a singular Hessian. */
        if (it >= 10 && step <= 1e-6 * size) {
            if (gscale < 0) gscale = score_scale(in, iw);
            if (score <= 1e-11 * gscale) break;
        }
        if (it == 99) ks__log(ctx, KS_LOG_WARN, "propensity score estimation did not converge");
    }
    double e[LOGIT_CHUNK];
    for (size_t i0 = 0; i0 < m; i0 += LOGIT_CHUNK) {
        const size_t n = m - i0 < LOGIT_CHUNK ? m - i0 : LOGIT_CHUNK;
        logit_exp(in, i0, n, beta, e);
        for (size_t i = 0; i < n; i++) ps[i0 + i] = 1.0 / (1.0 + e[i]);
    }
    return KS_OK;
}

/* The propensity score into ps: the logit's, or with in->ps_fallback, when the logit cannot be
 * estimated (its Hessian is singular), the weighted share treated for every row, *uncond set.
 * That score is fitted from no covariates, so its estimation effect on the normalized weights
 * is zero and the caller leaves it out (as diff-diff does). */
static int propensity(ks_ctx *ctx, const ks_did_2x2 *in, const kwork *kw, const double *iw,
                      double *ps, int *uncond)
{
    *uncond = 0;
    if (!in->ps_fallback) return logit_ps(ctx, in, kw, iw, ps);
    ks_ctx lctx = *ctx;
    const int rc = logit_ps(&lctx, in, kw, iw, ps);
    if (rc == KS_OK) return KS_OK;
    if (rc == KS_ENOMEM) return ks__fail(ctx, rc, "%s", lctx.errmsg);
    double s = 0.0, sw = 0.0;
    for (size_t i = 0; i < in->m; i++) {
        s += iw[i] * in->D[i];
        sw += iw[i];
    }
    for (size_t i = 0; i < in->m; i++) ps[i] = s / sw;
    *uncond = 1;
    if (in->fell_back) *in->fell_back = 1;
    return KS_OK;
}

static void count_near_one(const ks_did_2x2 *in, const double *ps)
{
    if (!in->n_near_one) return;
    size_t c = 0;
    for (size_t i = 0; i < in->m; i++) c += in->D[i] == 0.0 && ps[i] >= PS_NEAR_ONE;
    *in->n_near_one = c;
}

/* R did's overlap guard for dr and ipw (its utility_functions.R, overlap_check_fail, run for
 * each cell before DRDID):
 *     max(overlap_logit_fit(x, y)$fitted.values) >= 0.999
 * with an unweighted logit of D on the covariates (intercept only: mean(D) >= 0.999). R sets
 * the cell to NA with "overlap condition violated"; so does the caller. Off with
 * in->no_overlap_guard. */
static int overlap_fail(ks_ctx *ctx, const ks_did_2x2 *in, const double *ps, size_t m)
{
    if (in->no_overlap_guard) return KS_OK;
    double top = 0.0;
    for (size_t i = 0; i < m; i++) top = ps[i] > top ? ps[i] : top;
    return top >= 0.999 ? ks__fail(ctx, KS_ENUMERIC,
                                   "overlap condition violated: a propensity score of %.6g >= "
                                   "0.999 (R did's guard, an unweighted logit)",
                                   top)
                        : KS_OK;
}

/* The guard when the estimator's logit is weighted: its own unweighted logit into ps, with one
 * (m values) as the unit weights. A logit that cannot be fitted is left to the estimator. */
static int overlap_check_unweighted(ks_ctx *ctx, const ks_did_2x2 *in, const kwork *kw, double *one,
                                    double *ps)
{
    if (in->no_overlap_guard) return KS_OK;
    for (size_t i = 0; i < in->m; i++) one[i] = 1.0;
    ks_ctx lctx = *ctx;
    const int rc = logit_ps(&lctx, in, kw, one, ps);
    if (rc == KS_ENOMEM) return ks__fail(ctx, rc, "%s", lctx.errmsg);
    return rc ? KS_OK : overlap_fail(ctx, in, ps, in->m);
}

/* V <- (scale sum_i a_i X_i X_i')^-1 V for V k x nrhs: the linear representations of the
 * outcome regression and of the propensity score. */
static int gram_solve(ks_ctx *ctx, const ks_did_2x2 *in, const kwork *w, const double *a,
                      double scale, double *v, size_t nrhs, int check_rcond, const char *what)
{
    const size_t k = in->k;
    double *G = w->G;
    gram(in, a, G);
    for (size_t j = 0; j < k * k; j++) G[j] *= scale;
    return ks__chol_solve(ctx, k, G, v, nrhs, check_rcond, w->s, what);
}

static double xdot(const ks_did_2x2 *in, size_t i, const double *z)
{
    double s = z[0];
    for (size_t j = 1; j < in->k; j++) s += in->X[j * in->m + i] * z[j];
    return s;
}

/* The three estimators without covariates (X = the intercept), with the treated rows first
 * (0 .. nt-1): the same formulas as below with every regression a weighted mean, the
 * propensity score the weighted share treated and the Gram matrices scalars; the control-arm
 * sums follow from the first pass (sum_C iw (dy - b0) = sdc - swc b0), so two passes over the
 * units, no branches and no scratch. */
static int fit_intercept_only(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in,
                              double *att, double *inf)
{
    const size_t m = in->m, nt = in->nt;
    const double dm = (double)m;
    const double *w = in->w, *dy = in->dy;
    double sw = 0.0;
    if (w)
        for (size_t i = 0; i < m; i++) sw += w[i];
    const double wscale = w ? dm / sw : 1.0; /* iw = w / mean(w) */
    double swt = 0.0, swc = 0.0, sdt = 0.0, sdc = 0.0; /* sums of iw and iw dy, by arm */
    if (w) {
        for (size_t i = 0; i < nt; i++) {
            swt += w[i] * wscale;
            sdt += w[i] * wscale * dy[i];
        }
        for (size_t i = nt; i < m; i++) {
            swc += w[i] * wscale;
            sdc += w[i] * wscale * dy[i];
        }
    } else {
        for (size_t i = 0; i < nt; i++) sdt += dy[i];
        for (size_t i = nt; i < m; i++) sdc += dy[i];
        swt = (double)nt;
        swc = (double)(m - nt);
    }
    if (!(swt > 0)) return ks__fail(ctx, KS_ENUMERIC, "no treated units with positive weight");
    if (!(swc > 0)) return ks__fail(ctx, KS_ENUMERIC, "no control units with positive weight");
    const double b0 = method == KS_DID_IPW ? 0.0 : sdc / swc; /* outcome model: control mean */
    const double eta_t = (sdt - swt * b0) / swt, mwt = swt / dm, gols = swc / dm;
    if (method == KS_DID_REG) {
        *att = eta_t; /* mean_T(dy) - b0 */
        for (size_t i = 0; i < nt; i++)
            inf[i] = (w ? w[i] * wscale : 1.0) * (dy[i] - b0 - eta_t) / mwt;
        for (size_t i = nt; i < m; i++) inf[i] = -(w ? w[i] * wscale : 1.0) * (dy[i] - b0) / gols;
        return KS_OK;
    }
    double ps = swt / (swt + swc);
    ps = ps < PS_CAP ? ps : PS_CAP;
    if (!(ps < PS_TRIM))
        return ks__fail(ctx, KS_ENUMERIC, "no control units with positive weight");
    const double odds = ps / (1.0 - ps);
    const double sc = sdc - swc * b0; /* sum_C iw (dy - b0) */
    const double eta_c = sc / swc, mwc = odds * swc / dm;
    *att = eta_t - eta_c;
    /* the propensity score's estimation effect: M2 = mean of wc (r - eta_c), wc = iw odds;
     * zp = (X'WX / m)^-1 M2 with W = iw ps (1 - ps) */
    const double m2 = odds * (sc - eta_c * swc) / dm;
    const double zp = m2 / (ps * (1.0 - ps));
    const double m1 = method == KS_DID_DR ? mwt / gols : 0.0;
    const double m3 = method == KS_DID_DR ? mwc / gols : 0.0;
    for (size_t i = 0; i < nt; i++) {
        const double iw = w ? w[i] * wscale : 1.0;
        inf[i] = iw * (dy[i] - b0 - eta_t) / mwt - iw * (1.0 - ps) * zp / mwc;
    }
    for (size_t i = nt; i < m; i++) {
        const double iw = w ? w[i] * wscale : 1.0, r = dy[i] - b0;
        const double score = -iw * ps * zp, wc = iw * odds, ols = iw * r;
        inf[i] = -ols * m1 / mwt - (wc * (r - eta_c) + score - ols * m3) / mwc;
    }
    return KS_OK;
}

int ks__did_2x2_fit(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, double *att,
                   double *inf)
{
    const size_t m = in->m, k = in->k;
    const double dm = (double)m;
    if (k == 1 && in->nt != SIZE_MAX) {
        const double share = (double)in->nt / dm; /* the logit's fit without covariates */
        if (method != KS_DID_REG && overlap_fail(ctx, in, &share, 1)) return KS_ENUMERIC;
        return fit_intercept_only(ctx, method, in, att, inf);
    }
    int rc = method == KS_DID_IPW ? KS_OK : panel_design_check(ctx, in);
    if (rc) return rc;
    /* per unit: iw, ps, out, a; k-sized: the workspace, b, M1 or M2, M1 and M3 */
    double *kp;
    double *iw = fit_block(ctx, m, 4, k, KWORK_VECS + 4, &kp);
    if (!iw) return ks_errcode(ctx);
    double *ps = iw + m, *out = ps + m, *a = out + m;
    kwork kw;
    kwork_init(&kw, k, kp);
    double *b = kw.z + k, *M2 = b + k, *M13 = M2 + k;
    double sw = 0.0;
    for (size_t i = 0; i < m; i++) sw += in->w ? in->w[i] : 1.0;
    for (size_t i = 0; i < m; i++) iw[i] = (in->w ? in->w[i] : 1.0) / (sw / dm);
    if (method != KS_DID_IPW) {
        if ((rc = control_ols(ctx, in, iw, a, b))) goto done;
        for (size_t i = 0; i < m; i++) out[i] = xdot(in, i, b);
    } else {
        memset(out, 0, m * sizeof *out);
    }

    if (method == KS_DID_REG) {
        double swt = 0.0, st = 0.0, sc = 0.0, *M1 = M2;
        for (size_t i = 0; i < m; i++) {
            const double wt = iw[i] * in->D[i];
            swt += wt;
            st += wt * in->dy[i];
            sc += wt * out[i];
            for (size_t j = 0; j < k; j++) M1[j] += wt * xcol(in, j, i);
        }
        if (!(swt > 0)) {
            rc = ks__fail(ctx, KS_ENUMERIC, "no treated units with positive weight");
            goto done;
        }
        const double eta_t = st / swt, eta_c = sc / swt, mwt = swt / dm;
        *att = eta_t - eta_c;
        for (size_t j = 0; j < k; j++) M1[j] /= dm;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - in->D[i]);
        if ((rc = gram_solve(ctx, in, &kw, a, 1.0 / dm, M1, 1, 1, "the outcome regression design")))
            goto done;
        for (size_t i = 0; i < m; i++) {
            const double wt = iw[i] * in->D[i];
            const double itreat = (wt * in->dy[i] - wt * eta_t) / mwt;
            const double icont =
                (wt * out[i] - wt * eta_c + a[i] * (in->dy[i] - out[i]) * xdot(in, i, M1)) / mwt;
            inf[i] = itreat - icont;
        }
        goto done;
    }

    /* ipw and dr: propensity score, capped and trimmed */
    int uncond;
    if (in->w && (rc = overlap_check_unweighted(ctx, in, &kw, a, ps))) goto done;
    if ((rc = propensity(ctx, in, &kw, iw, ps, &uncond))) goto done;
    if (!in->w && (rc = overlap_fail(ctx, in, ps, m))) goto done;
    count_near_one(in, ps);
    double swt = 0.0, swc = 0.0, st = 0.0, sc = 0.0;
    for (size_t i = 0; i < m; i++) {
        ps[i] = bound_ps(in, ps[i]);
        const double trim = ps_keep(in, in->D[i], ps[i]);
        const double wt = trim * iw[i] * in->D[i];
        const double wc = trim * iw[i] * ps[i] * (1.0 - in->D[i]) / (1.0 - ps[i]);
        const double r = in->dy[i] - out[i];
        swt += wt;
        swc += wc;
        st += wt * r;
        sc += wc * r;
    }
    if (!(swt > 0) || !(swc > 0)) {
        rc = ks__fail(ctx, KS_ENUMERIC, "no %s units with positive weight",
                     swt > 0 ? "control" : "treated");
        goto done;
    }
    const double eta_t = st / swt, eta_c = sc / swc;
    *att = eta_t - eta_c;
    const double mwt = swt / dm, mwc = swc / dm;
    /* zp = Hessian_ps^-1 M2 with Hessian_ps^-1 = n (X' diag(ps (1 - ps) w) X)^-1 */
    double *M1 = M13, *M3 = M13 + k; /* M1, M3 share a solve */
    for (size_t i = 0; i < m; i++) {
        const double trim = ps_keep(in, in->D[i], ps[i]);
        const double wt = trim * iw[i] * in->D[i];
        const double wc = trim * iw[i] * ps[i] * (1.0 - in->D[i]) / (1.0 - ps[i]);
        const double r = in->dy[i] - out[i];
        for (size_t j = 0; j < k; j++) {
            const double xj = xcol(in, j, i);
            M2[j] += wc * (r - eta_c) * xj;
            M1[j] += wt * xj;
            M3[j] += wc * xj;
        }
    }
    for (size_t j = 0; j < k; j++) {
        M2[j] /= dm;
        M1[j] /= dm;
        M3[j] /= dm;
    }
    for (size_t i = 0; i < m; i++) a[i] = iw[i] * ps[i] * (1.0 - ps[i]);
    if (uncond)
        memset(M2, 0, k * sizeof *M2);
    else if ((rc = gram_solve(ctx, in, &kw, a, 1.0 / dm, M2, 1, 0, "the propensity-score Hessian")))
        goto done;
    if (method == KS_DID_DR) {
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - in->D[i]);
        if ((rc =
                 gram_solve(ctx, in, &kw, a, 1.0 / dm, M13, 2, 1, "the outcome regression design")))
            goto done;
    }
    for (size_t i = 0; i < m; i++) {
        const double trim = ps_keep(in, in->D[i], ps[i]);
        const double wt = trim * iw[i] * in->D[i];
        const double wc = trim * iw[i] * ps[i] * (1.0 - in->D[i]) / (1.0 - ps[i]);
        const double r = in->dy[i] - out[i];
        const double score = iw[i] * (in->D[i] - ps[i]) * xdot(in, i, M2);
        double itreat = wt * r - wt * eta_t, icont = wc * r - wc * eta_c + score;
        if (method == KS_DID_DR) {
            const double ols = iw[i] * (1.0 - in->D[i]) * r;
            itreat -= ols * xdot(in, i, M1);
            icont -= ols * xdot(in, i, M3);
        }
        inf[i] = itreat / mwt - icont / mwc;
    }

done:
    ks__free(ctx, iw);
    return rc;
}

/* ---- repeated cross-sections: DRDID's drdid_rc, reg_did_rc and std_ipw_did_rc ----
 * Rows are observations with y (in->dy), the period indicator post and the group D. The
 * outcome regressions are fitted separately by period (and, for dr, by group); their estimation
 * effects enter through (sum a x x' / m)^-1 applied to the moment vectors, as DRDID's
 * asy.lin.rep terms do. The fit works on the rows in cell order, four blocks: treated after
 * (TQ), treated before (TP), control after (CQ), control before (CP). Each regression then is a
 * QR on its block in place and each Gram matrix a sum over it, and every row's weights come
 * from its block's group and period: three passes over the rows after the logit. */
enum { TQ, TP, CQ, CP };

/* A row's block: 2 (1 - D) + (1 - post). */
static size_t rc_cell(const ks_did_2x2 *in, size_t i)
{
    return 2 * (size_t)(in->D[i] == 0.0) + (size_t)(in->post[i] == 0.0);
}

/* 1 when the rows are in cell order; then lo[c] .. lo[c + 1] - 1 are block c's rows. */
static int rc_in_cell_order(const ks_did_2x2 *in, size_t lo[5])
{
    size_t cnt[4] = {0}, prev = 0;
    for (size_t i = 0; i < in->m; i++) {
        const size_t c = rc_cell(in, i);
        if (c < prev) return 0;
        prev = c;
        cnt[c]++;
    }
    lo[0] = 0;
    for (int c = 0; c < 4; c++) lo[c + 1] = lo[c] + cnt[c];
    return 1;
}

/* The unit weights as the fits use them: w / mean(w), or ones. */
static void unit_weights(const ks_did_2x2 *in, double *iw)
{
    const size_t m = in->m;
    double sw = (double)m;
    if (in->w) {
        sw = 0.0;
        for (size_t i = 0; i < m; i++) sw += in->w[i];
    }
    for (size_t i = 0; i < m; i++) iw[i] = (in->w ? in->w[i] : 1.0) / (sw / (double)m);
}

/* The outcome regression of block c (weights iw; unweighted: in place). */
static int rc_ols(ks_ctx *ctx, const ks_did_2x2 *in, const size_t *lo, const double *iw, int c,
                  double *b)
{
    static const char *const who[] = {"treated units after", "treated units before",
                                      "control units after", "control units before"};
    return wls_range(ctx, in, in->w ? iw : NULL, lo[c], lo[c + 1], in->dy, b, who[c]);
}

/* sum x x' over rows r0 .. r1 - 1 into G's upper triangle (k x k; x_0 = 1, x_j = col[j][i]),
 * four rows at a time: lane l of each sum takes rows r0 + l, r0 + l + 4, ..., the last r1 - r0
 * mod 4 rows added after. */
KS_INLINE void gram_lanes(const double *const *col, size_t k, size_t r0, size_t r1, double *G)
{
    v4d h[LOGIT_MAX_LANES * LOGIT_MAX_LANES] = {0};
    size_t i = r0;
    for (; i + 4 <= r1; i += 4)
        for (size_t j = 0; j < k; j++) {
            const v4d xj = j == 0 ? v4_splat(1.0) : v4_load(col[j] + i);
            for (size_t l = 0; l <= j; l++)
                h[l * k + j] += xj * (l == 0 ? v4_splat(1.0) : v4_load(col[l] + i));
        }
    for (size_t j = 0; j < k; j++)
        for (size_t l = 0; l <= j; l++) {
            const v4d t = h[l * k + j];
            G[l * k + j] = (t[0] + t[1]) + (t[2] + t[3]);
        }
    for (; i < r1; i++)
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l <= j; l++)
                G[l * k + j] += (j ? col[j][i] : 1.0) * (l ? col[l][i] : 1.0);
}

#define GRAM_LANES_K(K)                                                                            \
    KS_KERNEL static void gram_lanes_##K(const double *const *col, size_t r0, size_t r1,           \
                                         double *G)                                                \
    {                                                                                              \
        gram_lanes(col, K, r0, r1, G);                                                             \
    }
GRAM_LANES_K(1)
GRAM_LANES_K(2)
GRAM_LANES_K(3)
GRAM_LANES_K(4)
GRAM_LANES_K(5)

void ks__did_gram(const double *const *col, size_t k, size_t r0, size_t r1, double *G)
{
    memset(G, 0, k * k * sizeof *G);
    switch (k) {
    case 1: gram_lanes_1(col, r0, r1, G); break;
    case 2: gram_lanes_2(col, r0, r1, G); break;
    case 3: gram_lanes_3(col, r0, r1, G); break;
    case 4: gram_lanes_4(col, r0, r1, G); break;
    case 5: gram_lanes_5(col, r0, r1, G); break;
    default: /* row by row, in row order */
        for (size_t i = r0; i < r1; i++)
            for (size_t j = 0; j < k; j++)
                for (size_t l = 0; l <= j; l++)
                    G[l * k + j] += (j ? col[j][i] : 1.0) * (l ? col[l][i] : 1.0);
    }
}

/* The unweighted Gram matrix of each block into G (4 k x k, upper triangles; the rest zero). */
static void rc_block_grams(const ks_did_2x2 *in, const size_t *lo, double *G)
{
    const size_t k = in->k;
    const double *col[LOGIT_MAX_LANES + 1] = {NULL};
    if (k > LOGIT_MAX_LANES) {
        for (int c = 0; c < 4; c++) gram_range(in, NULL, lo[c], lo[c + 1], G + c * k * k);
        return;
    }
    for (size_t j = 1; j < k; j++) col[j] = in->X + j * in->m;
    for (int c = 0; c < 4; c++) ks__did_gram(col, k, lo[c], lo[c + 1], G + c * k * k);
}

/* V <- (sum_{i in block c} iw_i x_i x_i' / m)^-1 V, with R's rcond test; Gu: the unweighted
 * block Gram matrices (rc_block_grams), used as they are without weights. */
static int rc_block_solve(ks_ctx *ctx, const ks_did_2x2 *in, const size_t *lo, const kwork *w,
                          const double *iw, const double *Gu, int c, double *v)
{
    static const char *const what[] = {
        "the treated regression after", "the treated regression before",
        "the control regression after", "the control regression before"};
    const size_t k = in->k;
    if (in->w)
        gram_range(in, iw, lo[c], lo[c + 1], w->G);
    else
        memcpy(w->G, Gu + c * k * k, k * k * sizeof *w->G);
    for (size_t j = 0; j < k * k; j++) w->G[j] /= (double)in->m;
    return ks__chol_solve(ctx, k, w->G, v, 1, 1, w->s, what[c]);
}

int ks__did_2x2_rc_treated_ols(ks_ctx *ctx, const ks_did_2x2 *in, double *b)
{
    size_t lo_[5];
    const size_t *lo = in->cells ? in->cells : rc_in_cell_order(in, lo_) ? lo_ : NULL;
    if (!lo) return ks__fail(ctx, KS_EINVAL, "internal: the rows are not in cell order");
    double *iw = ks__malloc_array(ctx, in->m, sizeof *iw);
    if (!iw) return KS_ENOMEM;
    unit_weights(in, iw);
    int rc = rc_ols(ctx, in, lo, iw, TP, b);
    if (!rc) rc = rc_ols(ctx, in, lo, iw, TQ, b + in->k);
    ks__free(ctx, iw);
    return rc;
}

/* The dr / ipw weights' sums and means by block, and their reciprocals' multiples. */
typedef struct {
    double st[4], sr[4];           /* by block: sum of weights, of weight * res */
    double a[4], r[4];             /* weighted mean of res; m / the weights' sum */
    double adq, ad1, adp, ad0, rd; /* dr: the regressions' gaps' means, m / sum wd */
} rc_sums;

/* x_i' z, k a constant where inlined. */
KS_INLINE double xz_row(const ks_did_2x2 *in, size_t k, size_t i, const double *z)
{
    double s = z[0];
    for (size_t j = 1; j < k; j++) s += in->X[j * in->m + i] * z[j];
    return s;
}

/* One pass: the scores bounded (capped, controls >= 0.995 trimmed; or clipped), the near-one and
 * low counts, each row's weight wr (treated: iw; controls: iw times the odds, 0 when trimmed),
 * the residuals res of the control regression and every weighted sum of them. b: bcp, bcq, btp,
 * btq (dr; ipw: none). */
KS_INLINE void rc_weight_rows(const ks_did_2x2 *in, size_t k, int dr, const size_t *lo,
                              const double *iw, const double *const *b, double *ps, double *wr,
                              double *res, rc_sums *s)
{
    const int capped = isnan(in->clip);
    const double plo = capped ? -INFINITY : in->clip, phi = capped ? PS_CAP : 1.0 - in->clip;
    const double trim_at = capped ? PS_TRIM : INFINITY;
    const double *y = in->dy;
    size_t near = 0, low = 0;
    double sd = 0.0, sq = 0.0, s1 = 0.0, sp = 0.0, s0 = 0.0;
    for (int c = 0; c < 4; c++) {
        const int treated = c <= TP, after = c == TQ || c == CQ;
        double st = 0.0, sr = 0.0;
        for (size_t i = lo[c]; i < lo[c + 1]; i++) {
            near += !treated && ps[i] >= PS_NEAR_ONE;
            low += ps[i] < PS_LOW;
            const double p = ps[i] < plo ? plo : ps[i] > phi ? phi : ps[i];
            ps[i] = p;
            const double w = treated ? iw[i] : (double)(p < trim_at) * iw[i] * (p / (1.0 - p));
            const double oc = dr ? xz_row(in, k, i, after ? b[1] : b[0]) : 0.0;
            const double r = y[i] - oc; /* y - out.y.cont */
            wr[i] = w;
            res[i] = r;
            st += w;
            sr += w * r;
            if (dr && treated) { /* the gaps otq - ocq, otp - ocp */
                const double eq = xz_row(in, k, i, b[3]) - xz_row(in, k, i, b[1]);
                const double ep = xz_row(in, k, i, b[2]) - xz_row(in, k, i, b[0]);
                sd += w;
                sq += w * eq;
                sp += w * ep;
                if (after)
                    s1 += w * eq;
                else
                    s0 += w * ep;
            }
        }
        s->st[c] = st;
        s->sr[c] = sr;
    }
    if (in->n_near_one) *in->n_near_one = near;
    if (in->n_low) *in->n_low = low;
    const double dm = (double)in->m;
    for (int c = 0; c < 4; c++) {
        s->a[c] = s->sr[c] / s->st[c];
        s->r[c] = dm / s->st[c];
    }
    s->adq = s->ad1 = s->adp = s->ad0 = s->rd = 0.0;
    if (dr) {
        s->adq = sq / sd;
        s->ad1 = s1 / s->st[TQ];
        s->adp = sp / sd;
        s->ad0 = s0 / s->st[TP];
        s->rd = dm / sd;
    }
}

/* The coefficients c_t of a row of block c in the moment vectors (see rc_moment_rows); w: its
 * weight, r its residual. */
KS_INLINE void rc_moment_coefs(int c, double w, double r, const rc_sums *s, double *ct)
{
    switch (c) {
    case TQ:
        ct[1] = -w * s->r[TQ];
        ct[3] = w * s->rd - w * s->r[TQ];
        ct[4] = w * s->rd;
        break;
    case TP:
        ct[2] = -w * s->r[TP];
        ct[3] = w * s->rd;
        ct[4] = w * s->rd - w * s->r[TP];
        break;
    case CQ:
        ct[0] = w * (r - s->a[CQ]) * s->r[CQ];
        ct[1] = w * s->r[CQ];
        break;
    default: ct[0] = -(w * (r - s->a[CP]) * s->r[CP]); ct[2] = w * s->r[CP];
    }
}

/* Whether block c's rows have a nonzero c_t (t >= 1: dr's). */
KS_INLINE int rc_moment_used(int c, size_t t)
{
    return t >= 3 ? c <= TP : t == 1 ? c == TQ || c == CQ : c == TP || c == CP;
}

/* Block c's rows' terms of the pass below, with k, dr and c constants where inlined so that the
 * sums live in registers (copied in and out). */
KS_INLINE void rc_moment_block(const ks_did_2x2 *in, size_t k, int dr, int c, const size_t *lo,
                               const double *iw, const double *ps, const double *wr,
                               const double *res, const rc_sums *s, double *restrict Hout,
                               double *restrict vout)
{
    double Hl[LOGIT_MAX_LANES * LOGIT_MAX_LANES], vl[5 * LOGIT_MAX_LANES];
    const int local = k <= LOGIT_MAX_LANES; /* else any k: the sums in place */
    const size_t nh = k * k, nv = (dr ? 5 : 1) * k;
    double *restrict H = local ? Hl : Hout, *restrict v = local ? vl : vout;
    if (local) {
        memcpy(Hl, Hout, nh * sizeof *Hl);
        memcpy(vl, vout, nv * sizeof *vl);
    }
    for (size_t i = lo[c]; i < lo[c + 1]; i++) {
        const double w = wr[i], h = iw[i] * ps[i] * (1.0 - ps[i]);
        double ct[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
        rc_moment_coefs(c, w, res[i], s, ct);
        for (size_t j = 0; j < k; j++) {
            const double xj = xcol(in, j, i);
            for (size_t l = 0; l <= j; l++) H[l * k + j] += h * xj * xcol(in, l, i);
            if (c >= CQ) v[j] += ct[0] * xj;
            if (dr)
                for (size_t t = 1; t < 5; t++)
                    if (rc_moment_used(c, t)) v[t * k + j] += ct[t] * xj;
        }
    }
    if (local) {
        memcpy(Hout, Hl, nh * sizeof *Hl);
        memcpy(vout, vl, nv * sizeof *vl);
    }
}

/* One pass: the propensity score's Hessian sum iw p (1 - p) x x' into H (upper triangle) and
 * sum_i c_t(i) x_i for the five coefficient rows c_t of the influence function's moment vectors
 * (ipw: the first alone) into v: the score's M2.post - M2.pre, then (dr) -M1.post + M3.post,
 * -M1.pre + M3.pre, mom.post, mom.pre. Each block has two or three of them. */
KS_INLINE void rc_moment_rows(const ks_did_2x2 *in, size_t k, int dr, const size_t *lo,
                              const double *iw, const double *ps, const double *wr,
                              const double *res, const rc_sums *s, double *restrict H,
                              double *restrict v)
{
    rc_moment_block(in, k, dr, TQ, lo, iw, ps, wr, res, s, H, v);
    rc_moment_block(in, k, dr, TP, lo, iw, ps, wr, res, s, H, v);
    rc_moment_block(in, k, dr, CQ, lo, iw, ps, wr, res, s, H, v);
    rc_moment_block(in, k, dr, CP, lo, iw, ps, wr, res, s, H, v);
}

/* The influence function: the weights' terms, the score's estimation effect x'zps and (dr) the
 * regressions' gaps and their linear representations r x'z; z: zps, zcq, zcp, ztq, ztp; b: bcp,
 * bcq, btp, btq. */
KS_INLINE void rc_influence_rows(const ks_did_2x2 *in, size_t k, int dr, const size_t *lo,
                                 const double *iw, const double *ps, const double *wr,
                                 const double *res, const double *const *b, const rc_sums *s,
                                 const double *z, double *inf)
{
    const double *y = in->dy;
    for (int c = 0; c < 4; c++) {
        for (size_t i = lo[c]; i < lo[c + 1]; i++) {
            const double w = wr[i], xz0 = xz_row(in, k, i, z);
            double v;
            if (c <= TP) {
                v = c == TQ ? w * (res[i] - s->a[TQ]) * s->r[TQ]
                            : -(w * (res[i] - s->a[TP]) * s->r[TP]);
                v -= iw[i] * (1.0 - ps[i]) * xz0;
                if (dr) {
                    const double otq = xz_row(in, k, i, b[3]), otp = xz_row(in, k, i, b[2]);
                    const double eq = otq - xz_row(in, k, i, b[1]);
                    const double ep = otp - xz_row(in, k, i, b[0]);
                    if (c == TQ)
                        v += (w * (eq - s->adq) * s->rd - w * (eq - s->ad1) * s->r[TQ]) -
                             w * (ep - s->adp) * s->rd +
                             iw[i] * (y[i] - otq) * xz_row(in, k, i, z + 3 * k);
                    else
                        v += w * (eq - s->adq) * s->rd -
                             (w * (ep - s->adp) * s->rd - w * (ep - s->ad0) * s->r[TP]) +
                             iw[i] * (y[i] - otp) * xz_row(in, k, i, z + 4 * k);
                }
            } else {
                v = c == CQ ? -(w * (res[i] - s->a[CQ]) * s->r[CQ])
                            : w * (res[i] - s->a[CP]) * s->r[CP];
                v += iw[i] * ps[i] * xz0;
                if (dr) /* res = y - the control regression of the row's period */
                    v += iw[i] * res[i] * xz_row(in, k, i, z + (c == CQ ? 1 : 2) * k);
            }
            inf[i] = v;
        }
    }
}

#define RC_K(K, BODY)                                                                              \
    do {                                                                                           \
        if (dr)                                                                                    \
            BODY(K, 1);                                                                            \
        else                                                                                       \
            BODY(K, 0);                                                                            \
    } while (0)

/* reg: ATT = mean_TQ(y) - mean_TP(y) - mean_T(x'(bcq - bcp)); the influence function with the
 * control regressions' linear representations. */
static int rc_fit_reg(ks_ctx *ctx, const ks_did_2x2 *in, const size_t *lo, const kwork *kw,
                      const double *iw, const double *Gu, const double *bcp, const double *bcq,
                      double *M1, double *zp, double *zq, double *res, double *att, double *inf)
{
    const size_t k = in->k;
    const double dm = (double)in->m, *y = in->dy;
    double sw[2] = {0.0, 0.0}, sy[2] = {0.0, 0.0}, swd = 0.0, sres = 0.0;
    memset(M1, 0, k * sizeof *M1);
    for (int c = TQ; c <= TP; c++)
        for (size_t i = lo[c]; i < lo[c + 1]; i++) {
            const double w = iw[i];
            res[i] = xdot(in, i, bcq) - xdot(in, i, bcp);
            sw[c] += w;
            sy[c] += w * y[i];
            swd += w;
            sres += w * res[i];
            for (size_t j = 0; j < k; j++) M1[j] += w * xcol(in, j, i);
        }
    if (!(sw[TP] > 0) || !(sw[TQ] > 0))
        return ks__fail(ctx, KS_ENUMERIC, "no treated units in one of the two periods");
    const double etq = sy[TQ] / sw[TQ], etp = sy[TP] / sw[TP], ec = sres / swd;
    *att = (etq - etp) - ec;
    for (size_t j = 0; j < k; j++) M1[j] /= dm;
    memcpy(zp, M1, k * sizeof *zp);
    memcpy(zq, M1, k * sizeof *zq);
    int rc;
    if ((rc = rc_block_solve(ctx, in, lo, kw, iw, Gu, CP, zp)) ||
        (rc = rc_block_solve(ctx, in, lo, kw, iw, Gu, CQ, zq)))
        return rc;
    const double mtp = sw[TP] / dm, mtq = sw[TQ] / dm, md = swd / dm;
    for (size_t i = lo[TQ]; i < lo[TP]; i++)
        inf[i] = iw[i] * (y[i] - etq) / mtq - iw[i] * (res[i] - ec) / md;
    for (size_t i = lo[TP]; i < lo[CQ]; i++)
        inf[i] = -(iw[i] * (y[i] - etp) / mtp) - iw[i] * (res[i] - ec) / md;
    for (size_t i = lo[CQ]; i < lo[CP]; i++)
        inf[i] = -(iw[i] * (y[i] - xdot(in, i, bcq)) * xdot(in, i, zq)) / md;
    for (size_t i = lo[CP]; i < lo[4]; i++)
        inf[i] = iw[i] * (y[i] - xdot(in, i, bcp)) * xdot(in, i, zp) / md;
    return KS_OK;
}

/* The fit on rows in cell order (blocks lo). */
static int rc_fit_blocks(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, const size_t *lo,
                         double *att, double *inf)
{
    const size_t m = in->m, k = in->k;
    const int dr = method == KS_DID_DR;
    /* per row: iw, ps, wr, res; k-sized: the workspace, four regressions, five z's, H, the
     * blocks' four Gram matrices */
    double *kp;
    double *buf = fit_block(ctx, m, 4, k, KWORK_VECS + 9 + 5 * k, &kp);
    if (!buf) return ks_errcode(ctx);
    kwork kw;
    kwork_init(&kw, k, kp);
    double *bcp = kw.z + k, *bcq = bcp + k, *btp = bcq + k, *btq = btp + k, *z = btq + k;
    double *H = z + 5 * k, *Gu = H + k * k;
    double *iw = buf, *ps = iw + m, *wr = ps + m, *res = wr + m;
    int rc = KS_OK;
    if (method != KS_DID_IPW) rc_block_grams(in, lo, Gu);
    if (method != KS_DID_IPW && k > 1) { /* R did's guard on the controls' X'X */
        for (size_t j = 0; j < k * k; j++) H[j] = Gu[CQ * k * k + j] + Gu[CP * k * k + j];
        if ((rc = control_design_check(ctx, in, H, NULL, 0, 0))) goto done;
    }
    unit_weights(in, iw);
    /* outcome regressions: controls before and after (reg, dr); treated (dr) */
    if (method != KS_DID_IPW &&
        ((rc = rc_ols(ctx, in, lo, iw, CP, bcp)) || (rc = rc_ols(ctx, in, lo, iw, CQ, bcq))))
        goto done;
    if (dr && in->b_treated) {
        memcpy(btp, in->b_treated, k * sizeof *btp);
        memcpy(btq, in->b_treated + k, k * sizeof *btq);
    } else if (dr && ((rc = rc_ols(ctx, in, lo, iw, TP, btp)) ||
                      (rc = rc_ols(ctx, in, lo, iw, TQ, btq)))) {
        goto done;
    }
    if (method == KS_DID_REG) {
        rc = rc_fit_reg(ctx, in, lo, &kw, iw, Gu, bcp, bcq, z, z + k, z + 2 * k, res, att, inf);
        goto done;
    }

    /* ipw and dr: the propensity score over all rows, capped and trimmed */
    int uncond;
    if (in->w && (rc = overlap_check_unweighted(ctx, in, &kw, wr, ps))) goto done;
    if ((rc = propensity(ctx, in, &kw, iw, ps, &uncond))) goto done;
    if (!in->w && (rc = overlap_fail(ctx, in, ps, m))) goto done;
    const double *b[4] = {bcp, bcq, btp, btq};
    rc_sums s;
#define WEIGHTS(K, DR) rc_weight_rows(in, K, DR, lo, iw, b, ps, wr, res, &s)
#define WEIGHTS_K(K) RC_K(K, WEIGHTS)
    SMALL_K(k, WEIGHTS_K)
    if (!(s.st[TP] > 0) || !(s.st[TQ] > 0) || !(s.st[CP] > 0) || !(s.st[CQ] > 0)) {
        rc = ks__fail(ctx, KS_ENUMERIC, "no %s units with positive weight in one of the periods",
                      !(s.st[TP] > 0) || !(s.st[TQ] > 0) ? "treated" : "control");
        goto done;
    }
    *att = (s.a[TQ] - s.a[TP]) - (s.a[CQ] - s.a[CP]) + (s.adq - s.ad1) - (s.adp - s.ad0);

    /* the propensity score's estimation effect H^-1 (M2.post - M2.pre) and (dr) the outcome
     * regressions' moment vectors (M1 + M3 and the efficiency moments), from one pass */
    double *zps = z, *zcq = z + k, *zcp = z + 2 * k, *ztq = z + 3 * k, *ztp = z + 4 * k;
    memset(z, 0, 5 * k * sizeof *z);
    memset(H, 0, k * k * sizeof *H);
#define MOMENTS(K, DR) rc_moment_rows(in, K, DR, lo, iw, ps, wr, res, &s, H, z)
#define MOMENTS_K(K) RC_K(K, MOMENTS)
    SMALL_K(k, MOMENTS_K)
    for (size_t j = 0; j < 5 * k; j++) z[j] /= (double)m;
    for (size_t j = 0; j < k * k; j++) H[j] /= (double)m;
    if (uncond)
        memset(zps, 0, k * sizeof *zps);
    else if ((rc = ks__chol_solve(ctx, k, H, zps, 1, 0, kw.s, "the propensity-score Hessian")))
        goto done;
    if (dr) {
        for (size_t j = 0; j < k; j++) { /* ztq holds mom.post, ztp mom.pre */
            zcq[j] -= ztq[j];
            zcp[j] += ztp[j];
            ztp[j] = -ztp[j];
        }
        if ((rc = rc_block_solve(ctx, in, lo, &kw, iw, Gu, CQ, zcq)) ||
            (rc = rc_block_solve(ctx, in, lo, &kw, iw, Gu, CP, zcp)) ||
            (rc = rc_block_solve(ctx, in, lo, &kw, iw, Gu, TQ, ztq)) ||
            (rc = rc_block_solve(ctx, in, lo, &kw, iw, Gu, TP, ztp)))
            goto done;
    }
#define INFLUENCE(K, DR) rc_influence_rows(in, K, DR, lo, iw, ps, wr, res, b, &s, z, inf)
#define INFLUENCE_K(K) RC_K(K, INFLUENCE)
    SMALL_K(k, INFLUENCE_K)

done:
    ks__free(ctx, buf);
    return rc;
}

/* Rows in any order: a stable counting sort into cell order (X with its ones), the fit, and the
 * influence function back in the callers' order. */
int ks__did_2x2_rc_fit(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, double *att,
                       double *inf)
{
    size_t lo[5];
    if (in->cells) return rc_fit_blocks(ctx, method, in, in->cells, att, inf);
    if (rc_in_cell_order(in, lo)) return rc_fit_blocks(ctx, method, in, lo, att, inf);
    const size_t m = in->m, k = in->k;
    size_t nper = 4 + k + (in->w != NULL); /* y, D, post, inf, X, w */
    double *buf = ks__malloc_array(ctx, m, nper * sizeof *buf + sizeof(size_t));
    if (!buf) return KS_ENOMEM;
    double *y = buf, *D = y + m, *P = D + m, *f = P + m, *X = f + m, *w = X + m * k;
    size_t *src = (size_t *)(buf + m * nper), next[4] = {0};
    for (size_t i = 0; i < m; i++) next[rc_cell(in, i)]++;
    lo[0] = 0;
    for (int c = 0; c < 4; c++) lo[c + 1] = lo[c] + next[c];
    memcpy(next, lo, sizeof next);
    for (size_t i = 0; i < m; i++) src[next[rc_cell(in, i)]++] = i;
    for (size_t q = 0; q < m; q++) {
        const size_t i = src[q];
        y[q] = in->dy[i];
        D[q] = in->D[i];
        P[q] = in->post[i];
        if (in->w) w[q] = in->w[i];
        X[q] = 1.0;
    }
    for (size_t j = 1; j < k; j++)
        for (size_t q = 0; q < m; q++) X[j * m + q] = in->X[j * m + src[q]];
    ks_did_2x2 s = *in;
    s.dy = y;
    s.D = D;
    s.post = P;
    s.X = X;
    s.w = in->w ? w : NULL;
    const int rc = rc_fit_blocks(ctx, method, &s, lo, att, f);
    if (rc == KS_OK)
        for (size_t q = 0; q < m; q++) inf[src[q]] = f[q];
    ks__free(ctx, buf);
    return rc;
}
