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

/* sum_i a_i x_i x_i' over the rows added into G's upper triangle (G[l k + j], l <= j), and its
 * cousin sum_i c_i x_i into v: inlined with k a constant for small designs (below) so that the
 * sums stay in registers, each added in row order as a plain loop would. */
KS_INLINE void gram_rows(const ks_did_2x2 *in, size_t k, const double *a, double *restrict G)
{
    for (size_t i = 0; i < in->m; i++)
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l <= j; l++) G[l * k + j] += a[i] * xcol(in, j, i) * xcol(in, l, i);
}

KS_INLINE void xsum_rows(const ks_did_2x2 *in, size_t k, const double *c, double *restrict v)
{
    for (size_t i = 0; i < in->m; i++)
        for (size_t j = 0; j < k; j++) v[j] += c[i] * xcol(in, j, i);
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

/* G = sum_i a_i x_i x_i' (upper triangle; the rest zero). */
static void gram(const ks_did_2x2 *in, const double *a, double *G)
{
    memset(G, 0, in->k * in->k * sizeof *G);
#define GRAM_K(K) gram_rows(in, K, a, G)
    SMALL_K(in->k, GRAM_K)
#undef GRAM_K
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
 * the threshold); a Gram matrix that is not positive definite in floating point fails too. */
static int control_design_check(ks_ctx *ctx, const ks_did_2x2 *in)
{
    const size_t m = in->m, k = in->k;
    if (k == 1) return KS_OK; /* R: intercept only, the test is "any control", made elsewhere */
    double *G = ks__malloc_array(ctx, k * (k + 1) + m, sizeof *G);
    if (!G) return KS_ENOMEM;
    double *control = G + k * (k + 1);
    for (size_t i = 0; i < m; i++) control[i] = in->D[i] == 0.0;
    gram(in, control, G);
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

/* Weighted least squares of y on X over the rows with a_i > 0, weights a_i: coefficients b.
 * `who` names the rows in errors. */
static int wls(ks_ctx *ctx, const ks_did_2x2 *in, const double *a, const double *y, double *b,
               const char *who)
{
    const size_t m = in->m, k = in->k;
    if (k == 1) {
        double s = 0.0, sw = 0.0;
        for (size_t i = 0; i < m; i++)
            if (a[i] > 0) {
                s += a[i] * y[i];
                sw += a[i];
            }
        if (!(sw > 0)) return ks__fail(ctx, KS_ENUMERIC, "no %s with positive weight", who);
        b[0] = s / sw;
        return KS_OK;
    }
    size_t mc = 0;
    for (size_t i = 0; i < m; i++) mc += a[i] > 0;
    if (mc < k) return ks__fail(ctx, KS_ENUMERIC, "fewer %s than covariates", who);
    double *Xc = ks__malloc_array(ctx, mc * (k + 2) + m + 1, sizeof *Xc);
    if (!Xc) return KS_ENOMEM;
    double *yc = Xc + mc * k, *wc = yc + mc;
    size_t *idx = (size_t *)(wc + mc), r = 0; /* the rows kept (room: one double each) */
    for (size_t i = 0; i < m; i++) { /* without a branch: the cell's rows come in any order */
        idx[r] = i;
        r += a[i] > 0;
    }
    for (r = 0; r < mc; r++) {
        const size_t i = idx[r];
        for (size_t j = 0; j < k; j++) Xc[j * mc + r] = xcol(in, j, i);
        yc[r] = y[i];
        wc[r] = a[i];
    }
    /* Householder QR alone, as R's lm.fit (coefficients to about cond * 1e-16); the
     * double-double refinement, most of the fit's time, only when the design is
     * ill-conditioned enough for that to show. */
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.want_cov = 0;
    lo.want_resid = 0;
    lo.refine = KS_REFINE_NEVER;
    ks_lstsq_result *res = NULL;
    int rc = ks_lstsq(ctx, mc, k, Xc, mc, yc, wc, &lo, &res);
    ks_lstsq_view lv;
    if (rc == KS_OK) ks_lstsq_get(res, &lv);
    if (rc == KS_OK && lv.cond > WLS_REFINE_COND) {
        ks_lstsq_free(res);
        res = NULL;
        lo.refine = KS_REFINE_AUTO;
        if ((rc = ks_lstsq(ctx, mc, k, Xc, mc, yc, wc, &lo, &res)) == KS_OK) ks_lstsq_get(res, &lv);
    }
    if (rc == KS_OK && lv.rank < k)
        rc = ks__fail(ctx, KS_ENUMERIC,
                     "the outcome regression is singular among the %s (collinear covariates)",
                     who);
    if (rc == KS_OK) memcpy(b, lv.coef, k * sizeof *b);
    ks_lstsq_free(res);
    ks__free(ctx, Xc);
    return rc;
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
static void logit_exp(const ks_did_2x2 *in, size_t i0, size_t n, const double *beta, double *e)
{
    for (size_t i = 0; i < n; i++) e[i] = beta[0];
    for (size_t j = 1; j < in->k; j++) {
        const double *x = in->X + j * in->m + i0, bj = beta[j];
        for (size_t i = 0; i < n; i++) e[i] += x[i] * bj;
    }
    for (size_t i = 0; i < n; i++) e[i] = -e[i];
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
    double *beta = w->beta, *H = w->G, *z = w->z;
    memset(beta, 0, k * sizeof *beta);
    for (int it = 0; it < 100; it++) {
        logit_pass(in, iw, beta, ps, H, z);
        int rc = ks__chol_solve(ctx, k, H, z, 1, 0, w->s, "the propensity-score Hessian");
        if (rc) return rc;
        double step = 0.0, size = 1.0;
        for (size_t j = 0; j < k; j++) {
            beta[j] += z[j];
            step = fabs(z[j]) > step ? fabs(z[j]) : step;
            size = fabs(beta[j]) > size ? fabs(beta[j]) : size;
        }
        if (step <= 1e-13 * size) break;
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
 * the cell to NA with "overlap condition violated"; so does the caller. */
static int overlap_fail(ks_ctx *ctx, const double *ps, size_t m)
{
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
    for (size_t i = 0; i < in->m; i++) one[i] = 1.0;
    ks_ctx lctx = *ctx;
    const int rc = logit_ps(&lctx, in, kw, one, ps);
    if (rc == KS_ENOMEM) return ks__fail(ctx, rc, "%s", lctx.errmsg);
    return rc ? KS_OK : overlap_fail(ctx, ps, in->m);
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
        if (method != KS_DID_REG && overlap_fail(ctx, &share, 1)) return KS_ENUMERIC;
        return fit_intercept_only(ctx, method, in, att, inf);
    }
    int rc = method == KS_DID_IPW ? KS_OK : control_design_check(ctx, in);
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
    if (!in->w && (rc = overlap_fail(ctx, ps, m))) goto done;
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
 * asy.lin.rep terms do. */

/* sum_i c_i x_i / m into v (k values). */
static void xmean(const ks_did_2x2 *in, const double *c, double *v)
{
    memset(v, 0, in->k * sizeof *v);
#define XSUM_K(K) xsum_rows(in, K, c, v)
    SMALL_K(in->k, XSUM_K)
#undef XSUM_K
    for (size_t j = 0; j < in->k; j++) v[j] /= (double)in->m;
}

static double wsum(const double *w, size_t m)
{
    double s = 0.0;
    for (size_t i = 0; i < m; i++) s += w[i];
    return s;
}

/* Weighted mean of v with weights w; the sum of w into *sw. */
static double wmean(const double *w, const double *v, size_t m, double *sw)
{
    double s = 0.0, t = 0.0;
    for (size_t i = 0; i < m; i++) {
        s += w[i] * v[i];
        t += w[i];
    }
    if (sw) *sw = t;
    return s / t;
}

/* The treated rows' outcome regressions (dr), before and after, weights iw; a: m scratch. */
static int treated_ols(ks_ctx *ctx, const ks_did_2x2 *in, const double *iw, double *a, double *btp,
                       double *btq)
{
    const double *D = in->D, *P = in->post;
    for (size_t i = 0; i < in->m; i++) a[i] = iw[i] * D[i] * (1.0 - P[i]);
    int rc = wls(ctx, in, a, in->dy, btp, "treated units before");
    if (rc) return rc;
    for (size_t i = 0; i < in->m; i++) a[i] = iw[i] * D[i] * P[i];
    return wls(ctx, in, a, in->dy, btq, "treated units after");
}

/* The unit weights as the fits use them: w / mean(w), or ones. */
static void unit_weights(const ks_did_2x2 *in, double *iw)
{
    const size_t m = in->m;
    const double sw = in->w ? wsum(in->w, m) : (double)m;
    for (size_t i = 0; i < m; i++) iw[i] = (in->w ? in->w[i] : 1.0) / (sw / (double)m);
}

int ks__did_2x2_rc_treated_ols(ks_ctx *ctx, const ks_did_2x2 *in, double *b)
{
    double *iw = ks__malloc_array(ctx, in->m, 2 * sizeof *iw);
    if (!iw) return KS_ENOMEM;
    unit_weights(in, iw);
    const int rc = treated_ols(ctx, in, iw, iw + in->m, b, b + in->k);
    ks__free(ctx, iw);
    return rc;
}

/* The dr / ipw weights of the repeated cross-section fit by cell (treated / control, pre /
 * post), the residuals of the control regression and their weighted means, with the reciprocals
 * of the weights' means that the later passes multiply by. */
typedef struct {
    const double *P;
    double *wtp, *wtq, *wcp, *wcq, *wd, *res; /* per row */
    double stp, stq, scp, scq;                /* the weights' sums */
    double atp, atq, acp, acq;                /* the weighted means of res by cell */
    double adq, ad1, adp, ad0;                /* dr: the weighted means of the regressions' gaps */
    double rtp, rtq, rcp, rcq, rd, rd1, rd0;  /* 1 / the weights' means (rd1 = rtq, rd0 = rtp) */
} rc_sums;

/* One pass: the scores bounded (capped, controls >= 0.995 trimmed; or clipped), the near-one
 * count, the weights, the residuals and every weighted sum of them, each in row order. */
static void rc_weights(const ks_did_2x2 *in, int dr, const double *iw, const double *ocp,
                       const double *ocq, const double *otp, const double *otq, double *ps,
                       rc_sums *s)
{
    const size_t m = in->m;
    const double *y = in->dy, *D = in->D, *P = in->post;
    const int capped = isnan(in->clip);
    const double lo = capped ? -INFINITY : in->clip, hi = capped ? PS_CAP : 1.0 - in->clip;
    const double trim_at = capped ? PS_TRIM : INFINITY;
    double stp = 0.0, stq = 0.0, scp = 0.0, scq = 0.0, rtp = 0.0, rtq = 0.0, rcp = 0.0, rcq = 0.0;
    double sd = 0.0, sq = 0.0, s1 = 0.0, sp = 0.0, s0 = 0.0;
    size_t near = 0;
    for (size_t i = 0; i < m; i++) {
        near += D[i] == 0.0 && ps[i] >= PS_NEAR_ONE;
        const double p = ps[i] < lo ? lo : ps[i] > hi ? hi : ps[i];
        ps[i] = p;
        const double trim = D[i] != 0.0 || p < trim_at, odds = p / (1.0 - p);
        const double wtp = trim * iw[i] * D[i] * (1.0 - P[i]), wtq = trim * iw[i] * D[i] * P[i];
        const double wcp = trim * iw[i] * odds * (1.0 - D[i]) * (1.0 - P[i]);
        const double wcq = trim * iw[i] * odds * (1.0 - D[i]) * P[i];
        const double wd = trim * iw[i] * D[i];
        const double res = y[i] - (P[i] != 0.0 ? ocq[i] : ocp[i]); /* y - out.y.cont */
        s->wtp[i] = wtp;
        s->wtq[i] = wtq;
        s->wcp[i] = wcp;
        s->wcq[i] = wcq;
        s->wd[i] = wd;
        s->res[i] = res;
        stp += wtp;
        stq += wtq;
        scp += wcp;
        scq += wcq;
        rtp += wtp * res;
        rtq += wtq * res;
        rcp += wcp * res;
        rcq += wcq * res;
        if (dr) {
            const double eq = otq[i] - ocq[i], ep = otp[i] - ocp[i];
            sd += wd;
            sq += wd * eq;
            s1 += wtq * eq;
            sp += wd * ep;
            s0 += wtp * ep;
        }
    }
    if (in->n_near_one) *in->n_near_one = near;
    const double dm = (double)m;
    s->stp = stp, s->stq = stq, s->scp = scp, s->scq = scq;
    s->atp = rtp / stp, s->atq = rtq / stq, s->acp = rcp / scp, s->acq = rcq / scq;
    s->rtp = dm / stp, s->rtq = dm / stq, s->rcp = dm / scp, s->rcq = dm / scq;
    s->rd1 = s->rtq, s->rd0 = s->rtp;
    s->adq = s->ad1 = s->adp = s->ad0 = s->rd = 0.0;
    if (dr) {
        s->adq = sq / sd;
        s->ad1 = s1 / stq;
        s->adp = sp / sd;
        s->ad0 = s0 / stp;
        s->rd = dm / sd;
    }
}

/* sum_i c_t(i) x_i / m for the five coefficient rows c_t of the influence function's moment
 * vectors (ipw: the first alone): the score's M2.post - M2.pre, then (dr) -M1.post + M3.post,
 * -M1.pre + M3.pre, mom.post, mom.pre. Inlined with k and dr constants: the sums in registers. */
KS_INLINE void rc_moment_rows(const ks_did_2x2 *in, size_t k, int dr, const rc_sums *s,
                              double *restrict v)
{
    const double *P = s->P;
    for (size_t i = 0; i < in->m; i++) {
        const double wtp = s->wtp[i], wtq = s->wtq[i], wcp = s->wcp[i], wcq = s->wcq[i];
        double c[5];
        c[0] = wcq * (s->res[i] - s->acq) * s->rcq - wcp * (s->res[i] - s->acp) * s->rcp;
        if (dr) {
            c[1] = -wtq * P[i] * s->rtq + wcq * P[i] * s->rcq;
            c[2] = -wtp * (1.0 - P[i]) * s->rtp + wcp * (1.0 - P[i]) * s->rcp;
            c[3] = s->wd[i] * s->rd - wtq * s->rd1;
            c[4] = s->wd[i] * s->rd - wtp * s->rd0;
        }
        for (size_t j = 0; j < k; j++) {
            const double xj = xcol(in, j, i);
            for (size_t t = 0; t < (dr ? 5u : 1u); t++) v[t * k + j] += c[t] * xj;
        }
    }
}

/* The five (ipw: one) moment vectors into v, k each: zps, zcq, zcp, ztq, ztp of the fit, the
 * last two holding mom.post and mom.pre until the caller turns them into the z's. */
static void rc_moments(const ks_did_2x2 *in, int dr, const rc_sums *s, double *v)
{
    const size_t k = in->k, nv = dr ? 5 : 1;
    memset(v, 0, nv * k * sizeof *v);
#define MOM_K(K)                                                                                   \
    if (dr)                                                                                        \
        rc_moment_rows(in, K, 1, s, v);                                                            \
    else                                                                                           \
        rc_moment_rows(in, K, 0, s, v)
    SMALL_K(k, MOM_K)
#undef MOM_K
    for (size_t j = 0; j < nv * k; j++) v[j] /= (double)in->m;
}

/* The influence function: the weights' terms, the score's estimation effect x'zps and (dr) the
 * regressions' gaps and their linear representations r x'z; z: zps, zcq, zcp, ztq, ztp. */
KS_INLINE void rc_influence_rows(const ks_did_2x2 *in, size_t k, int dr, const double *iw,
                                 const double *ps, const double *const *o, const rc_sums *s,
                                 const double *z, double *inf)
{
    const double *y = in->dy, *D = in->D, *P = in->post;
    const double *ocp = o[0], *ocq = o[1], *otp = o[2], *otq = o[3];
    for (size_t i = 0; i < in->m; i++) {
        double xz[5];
        for (size_t t = 0; t < (dr ? 5u : 1u); t++) {
            xz[t] = z[t * k];
            for (size_t j = 1; j < k; j++) xz[t] += in->X[j * in->m + i] * z[t * k + j];
        }
        const double res = s->res[i], wtp = s->wtp[i], wtq = s->wtq[i], wd = s->wd[i];
        const double itreat = wtq * (res - s->atq) * s->rtq - wtp * (res - s->atp) * s->rtp;
        const double icont = s->wcq[i] * (res - s->acq) * s->rcq -
                             s->wcp[i] * (res - s->acp) * s->rcp + iw[i] * (D[i] - ps[i]) * xz[0];
        double v = itreat - icont;
        if (dr) {
            const double eq = otq[i] - ocq[i], ep = otp[i] - ocp[i];
            v += (wd * (eq - s->adq) * s->rd - wtq * (eq - s->ad1) * s->rd1) -
                 (wd * (ep - s->adp) * s->rd - wtp * (ep - s->ad0) * s->rd0);
            /* linear representations: r_i x_i' z for each regression */
            const double cq = iw[i] * (1.0 - D[i]) * P[i] * (y[i] - ocq[i]);
            const double cp = iw[i] * (1.0 - D[i]) * (1.0 - P[i]) * (y[i] - ocp[i]);
            const double tq = iw[i] * D[i] * P[i] * (y[i] - otq[i]);
            const double tp = iw[i] * D[i] * (1.0 - P[i]) * (y[i] - otp[i]);
            v += cq * xz[1] + cp * xz[2] + tq * xz[3] + tp * xz[4];
        }
        inf[i] = v;
    }
}

static void rc_influence(const ks_did_2x2 *in, int dr, const double *iw, const double *ps,
                         const double *const *o, const rc_sums *s, const double *z, double *inf)
{
#define INF_K(K)                                                                                   \
    if (dr)                                                                                        \
        rc_influence_rows(in, K, 1, iw, ps, o, s, z, inf);                                         \
    else                                                                                           \
        rc_influence_rows(in, K, 0, iw, ps, o, s, z, inf)
    SMALL_K(in->k, INF_K)
#undef INF_K
}

int ks__did_2x2_rc_fit(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, double *att,
                      double *inf)
{
    const size_t m = in->m, k = in->k;
    const double dm = (double)m, *y = in->dy, *D = in->D, *P = in->post;
    int rc = method == KS_DID_IPW ? KS_OK : control_design_check(ctx, in);
    if (rc) return rc;
    /* per row: 13 arrays; k-sized: the workspace and 12 vectors */
    double *kp;
    double *buf = fit_block(ctx, m, 13, k, KWORK_VECS + 12, &kp);
    if (!buf) return ks_errcode(ctx);
    kwork kw;
    kwork_init(&kw, k, kp);
    double *bcp = kw.z + k, *bcq = bcp + k, *btp = bcq + k, *btq = btp + k, *M1 = btq + k;
    double *zp = M1 + k, *zq = zp + k, *zps = zq + k, *zcq = zps + k, *zcp = zcq + k;
    double *ztq = zcp + k, *ztp = ztq + k;
    double *iw = buf, *ps = iw + m, *ocp = ps + m, *ocq = ocp + m, *otp = ocq + m, *otq = otp + m;
    double *a = otq + m, *wtp = a + m, *wtq = wtp + m, *wcp = wtq + m, *wcq = wcp + m;
    double *wd = wcq + m, *res = wd + m;
    unit_weights(in, iw);
    /* outcome regressions: controls pre and post (reg, dr); treated pre and post (dr) */
    if (method != KS_DID_IPW) {
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - D[i]) * (1.0 - P[i]);
        if ((rc = wls(ctx, in, a, y, bcp, "control units before"))) goto done;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - D[i]) * P[i];
        if ((rc = wls(ctx, in, a, y, bcq, "control units after"))) goto done;
    }
    if (method == KS_DID_DR && in->b_treated) {
        memcpy(btp, in->b_treated, k * sizeof *btp);
        memcpy(btq, in->b_treated + k, k * sizeof *btq);
    } else if (method == KS_DID_DR && (rc = treated_ols(ctx, in, iw, a, btp, btq))) {
        goto done;
    }
    for (size_t i = 0; i < m; i++) {
        ocp[i] = method != KS_DID_IPW ? xdot(in, i, bcp) : 0.0;
        ocq[i] = method != KS_DID_IPW ? xdot(in, i, bcq) : 0.0;
        otp[i] = method == KS_DID_DR ? xdot(in, i, btp) : 0.0;
        otq[i] = method == KS_DID_DR ? xdot(in, i, btq) : 0.0;
    }

    if (method == KS_DID_REG) {
        for (size_t i = 0; i < m; i++) {
            wtp[i] = iw[i] * D[i] * (1.0 - P[i]);
            wtq[i] = iw[i] * D[i] * P[i];
            wd[i] = iw[i] * D[i];
            res[i] = ocq[i] - ocp[i];
        }
        double swtp, swtq, swd;
        const double etp = wmean(wtp, y, m, &swtp), etq = wmean(wtq, y, m, &swtq);
        const double ec = wmean(wd, res, m, &swd);
        if (!(swtp > 0) || !(swtq > 0)) {
            rc = ks__fail(ctx, KS_ENUMERIC, "no treated units in one of the two periods");
            goto done;
        }
        *att = (etq - etp) - ec;
        xmean(in, wd, M1);
        memcpy(zp, M1, k * sizeof *zp);
        memcpy(zq, M1, k * sizeof *zq);
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - D[i]) * (1.0 - P[i]);
        if ((rc = gram_solve(ctx, in, &kw, a, 1.0 / dm, zp, 1, 1, "the control regression before")))
            goto done;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - D[i]) * P[i];
        if ((rc = gram_solve(ctx, in, &kw, a, 1.0 / dm, zq, 1, 1, "the control regression after")))
            goto done;
        const double mtp = swtp / dm, mtq = swtq / dm, md = swd / dm;
        for (size_t i = 0; i < m; i++) {
            const double itreat =
                wtq[i] * (y[i] - etq) / mtq - wtp[i] * (y[i] - etp) / mtp;
            const double lq = iw[i] * (1.0 - D[i]) * P[i] * (y[i] - ocq[i]) * xdot(in, i, zq);
            const double lp =
                iw[i] * (1.0 - D[i]) * (1.0 - P[i]) * (y[i] - ocp[i]) * xdot(in, i, zp);
            inf[i] = itreat - (wd[i] * (res[i] - ec) + lq - lp) / md;
        }
        goto done;
    }

    /* ipw and dr: the propensity score over all rows, capped and trimmed */
    int uncond;
    if (in->w && (rc = overlap_check_unweighted(ctx, in, &kw, a, ps))) goto done;
    if ((rc = propensity(ctx, in, &kw, iw, ps, &uncond))) goto done;
    if (!in->w && (rc = overlap_fail(ctx, ps, m))) goto done;
    rc_sums s = {.P = P, .wtp = wtp, .wtq = wtq, .wcp = wcp, .wcq = wcq, .wd = wd, .res = res};
    rc_weights(in, method == KS_DID_DR, iw, ocp, ocq, otp, otq, ps, &s);
    if (!(s.stp > 0) || !(s.stq > 0) || !(s.scp > 0) || !(s.scq > 0)) {
        rc = ks__fail(ctx, KS_ENUMERIC, "no %s units with positive weight in one of the periods",
                      !(s.stp > 0) || !(s.stq > 0) ? "treated" : "control");
        goto done;
    }
    *att = (s.atq - s.atp) - (s.acq - s.acp) + (s.adq - s.ad1) - (s.adp - s.ad0);

    /* the propensity score's estimation effect H^-1 (M2.post - M2.pre) and (dr) the outcome
     * regressions' moment vectors (M1 + M3 and the efficiency moments), from one pass */
    rc_moments(in, method == KS_DID_DR, &s, zps); /* zps, zcq, zcp, ztq, ztp: contiguous */
    for (size_t i = 0; i < m; i++) a[i] = iw[i] * ps[i] * (1.0 - ps[i]);
    if (uncond)
        memset(zps, 0, k * sizeof *zps);
    else if ((rc =
                  gram_solve(ctx, in, &kw, a, 1.0 / dm, zps, 1, 0, "the propensity-score Hessian")))
        goto done;
    if (method == KS_DID_DR) {
        for (size_t j = 0; j < k; j++) { /* ztq holds mom.post, ztp mom.pre */
            zcq[j] -= ztq[j];
            zcp[j] += ztp[j];
            ztp[j] = -ztp[j];
        }
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - D[i]) * P[i];
        if ((rc = gram_solve(ctx, in, &kw, a, 1.0 / dm, zcq, 1, 1, "the control regression after")))
            goto done;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - D[i]) * (1.0 - P[i]);
        if ((rc =
                 gram_solve(ctx, in, &kw, a, 1.0 / dm, zcp, 1, 1, "the control regression before")))
            goto done;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * D[i] * P[i];
        if ((rc = gram_solve(ctx, in, &kw, a, 1.0 / dm, ztq, 1, 1, "the treated regression after")))
            goto done;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * D[i] * (1.0 - P[i]);
        if ((rc =
                 gram_solve(ctx, in, &kw, a, 1.0 / dm, ztp, 1, 1, "the treated regression before")))
            goto done;
    }
    const double *o[4] = {ocp, ocq, otp, otq};
    rc_influence(in, method == KS_DID_DR, iw, ps, o, &s, zps, inf);

done:
    ks__free(ctx, buf);
    return rc;
}
