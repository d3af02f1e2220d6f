/* drdid.c — the 2x2 difference-in-differences estimators on panel data with their influence
 * functions, as Sant'Anna & Zhao (2020) define them and R's DRDID computes them (drdid_panel,
 * std_ipw_did_panel, reg_did_panel):
 *   reg: ATT = mean_T(dY) - mean_T(X'b), b from weighted OLS of dY on X among controls;
 *   ipw: normalized (Hajek) inverse probability weights from a logit propensity score;
 *   dr:  the doubly robust combination: ipw weights applied to dY - X'b.
 * The influence functions include the estimation effect of b and of the propensity score
 * (its linear representation through the logit score and Hessian). Propensity scores are capped
 * at 1 - 1e-6 and controls with a score >= 0.995 get weight 0, as DRDID does. */
#include <math.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/linalg.h"

#define PS_CAP (1.0 - 1e-6)
#define PS_TRIM 0.995

static double xcol(const ks_did_2x2 *in, size_t j, size_t i)
{
    return j == 0 || !in->X ? 1.0 : in->X[j * in->m + i];
}

/* Solve A Z = B for a small k x k SPD A (k <= 8), with or without the rcond test. */
static int small_spd_solve(ks_ctx *ctx, size_t k, double *A, double *b, size_t nrhs,
                           int check_rcond, const char *what)
{
    double scratch[8];
    return ks_did_chol_solve(ctx, k, A, b, nrhs, check_rcond, scratch, what);
}

/* Weighted least squares of dy on X among the controls (D == 0, weight > 0): coefficients b. */
static int control_ols(ks_ctx *ctx, const ks_did_2x2 *in, const double *iw, double *b)
{
    const size_t m = in->m, k = in->k;
    if (k == 1) {
        double s = 0.0, sw = 0.0;
        for (size_t i = 0; i < m; i++)
            if (in->D[i] == 0.0) {
                s += iw[i] * in->dy[i];
                sw += iw[i];
            }
        if (!(sw > 0)) return ks_fail(ctx, KS_ENUMERIC, "no control units with positive weight");
        b[0] = s / sw;
        return KS_OK;
    }
    size_t mc = 0;
    for (size_t i = 0; i < m; i++) mc += in->D[i] == 0.0 && iw[i] > 0;
    if (mc < k) return ks_fail(ctx, KS_ENUMERIC, "fewer control units than covariates");
    double *Xc = ks_malloc_array(ctx, mc * (k + 2), sizeof *Xc);
    if (!Xc) return KS_ENOMEM;
    double *yc = Xc + mc * k, *wc = yc + mc;
    size_t r = 0;
    for (size_t i = 0; i < m; i++) {
        if (!(in->D[i] == 0.0 && iw[i] > 0)) continue;
        for (size_t j = 0; j < k; j++) Xc[j * mc + r] = xcol(in, j, i);
        yc[r] = in->dy[i];
        wc[r] = iw[i];
        r++;
    }
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.want_cov = 0;
    lo.want_resid = 0;
    ks_lstsq_result *res = NULL;
    int rc = ks_lstsq(ctx, mc, k, Xc, mc, yc, wc, &lo, &res);
    if (rc == KS_OK && res->rank < k)
        rc = ks_fail(ctx, KS_ENUMERIC,
                     "the outcome regression is singular among the controls (collinear "
                     "covariates)");
    if (rc == KS_OK) memcpy(b, res->coef, k * sizeof *b);
    ks_lstsq_result_free(ctx, res);
    ks_free(ctx, Xc);
    return rc;
}

/* Weighted logit of D on X by Newton's method to convergence; fitted probabilities into ps. */
static int logit_ps(ks_ctx *ctx, const ks_did_2x2 *in, const double *iw, double *ps)
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
    double beta[8] = {0}, H[64], z[8];
    if (k > 8) return ks_fail(ctx, KS_EINVAL, "at most 7 covariates in the propensity score");
    for (int it = 0; it < 100; it++) {
        memset(H, 0, k * k * sizeof *H);
        memset(z, 0, k * sizeof *z);
        for (size_t i = 0; i < m; i++) {
            double eta = 0.0;
            for (size_t j = 0; j < k; j++) eta += xcol(in, j, i) * beta[j];
            const double p = 1.0 / (1.0 + exp(-eta));
            ps[i] = p;
            const double v = iw[i] * p * (1.0 - p), r = iw[i] * (in->D[i] - p);
            for (size_t j = 0; j < k; j++) {
                const double xj = xcol(in, j, i);
                z[j] += r * xj;
                for (size_t l = 0; l <= j; l++) H[l * k + j] += v * xj * xcol(in, l, i);
            }
        }
        int rc = small_spd_solve(ctx, k, H, z, 1, 0, "the propensity-score Hessian");
        if (rc) return rc;
        double step = 0.0, size = 1.0;
        for (size_t j = 0; j < k; j++) {
            beta[j] += z[j];
            step = fabs(z[j]) > step ? fabs(z[j]) : step;
            size = fabs(beta[j]) > size ? fabs(beta[j]) : size;
        }
        if (step <= 1e-13 * size) break;
        if (it == 99) ks_log(ctx, KS_LOG_WARN, "propensity score estimation did not converge");
    }
    for (size_t i = 0; i < m; i++) {
        double eta = 0.0;
        for (size_t j = 0; j < k; j++) eta += xcol(in, j, i) * beta[j];
        ps[i] = 1.0 / (1.0 + exp(-eta));
    }
    return KS_OK;
}

/* V <- (scale sum_i a_i X_i X_i')^-1 V for V k x nrhs: the linear representations of the
 * outcome regression and of the propensity score. */
static int gram_solve(ks_ctx *ctx, const ks_did_2x2 *in, const double *a, double scale, double *v,
                      size_t nrhs, int check_rcond, const char *what)
{
    const size_t k = in->k, m = in->m;
    double G[64];
    memset(G, 0, k * k * sizeof *G);
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < k; j++)
            for (size_t l = 0; l <= j; l++) G[l * k + j] += a[i] * xcol(in, j, i) * xcol(in, l, i);
    for (size_t j = 0; j < k * k; j++) G[j] *= scale;
    return small_spd_solve(ctx, k, G, v, nrhs, check_rcond, what);
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
    if (!(swt > 0)) return ks_fail(ctx, KS_ENUMERIC, "no treated units with positive weight");
    if (!(swc > 0)) return ks_fail(ctx, KS_ENUMERIC, "no control units with positive weight");
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
        return ks_fail(ctx, KS_ENUMERIC, "no control units with positive weight");
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

int ks_did_2x2_fit(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, double *att,
                   double *inf)
{
    const size_t m = in->m, k = in->k;
    const double dm = (double)m;
    if (k > 8) return ks_fail(ctx, KS_EINVAL, "at most 7 covariates");
    if (k == 1 && in->nt != SIZE_MAX) return fit_intercept_only(ctx, method, in, att, inf);
    double *iw = ks_malloc_array(ctx, m, 4 * sizeof *iw);
    if (!iw) return KS_ENOMEM;
    double *ps = iw + m, *out = ps + m, *a = out + m;
    double sw = 0.0;
    for (size_t i = 0; i < m; i++) sw += in->w ? in->w[i] : 1.0;
    for (size_t i = 0; i < m; i++) iw[i] = (in->w ? in->w[i] : 1.0) / (sw / dm);
    int rc = KS_OK;
    double b[8] = {0};
    if (method != KS_DID_IPW) {
        if ((rc = control_ols(ctx, in, iw, b))) goto done;
        for (size_t i = 0; i < m; i++) out[i] = xdot(in, i, b);
    } else {
        memset(out, 0, m * sizeof *out);
    }

    if (method == KS_DID_REG) {
        double swt = 0.0, st = 0.0, sc = 0.0, M1[8] = {0};
        for (size_t i = 0; i < m; i++) {
            const double wt = iw[i] * in->D[i];
            swt += wt;
            st += wt * in->dy[i];
            sc += wt * out[i];
            for (size_t j = 0; j < k; j++) M1[j] += wt * xcol(in, j, i);
        }
        if (!(swt > 0)) {
            rc = ks_fail(ctx, KS_ENUMERIC, "no treated units with positive weight");
            goto done;
        }
        const double eta_t = st / swt, eta_c = sc / swt, mwt = swt / dm;
        *att = eta_t - eta_c;
        for (size_t j = 0; j < k; j++) M1[j] /= dm;
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - in->D[i]);
        if ((rc = gram_solve(ctx, in, a, 1.0 / dm, M1, 1, 1, "the outcome regression design")))
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
    if ((rc = logit_ps(ctx, in, iw, ps))) goto done;
    double swt = 0.0, swc = 0.0, st = 0.0, sc = 0.0;
    for (size_t i = 0; i < m; i++) {
        ps[i] = ps[i] < PS_CAP ? ps[i] : PS_CAP;
        const double trim = in->D[i] == 0.0 ? (ps[i] < PS_TRIM) : 1.0;
        const double wt = trim * iw[i] * in->D[i];
        const double wc = trim * iw[i] * ps[i] * (1.0 - in->D[i]) / (1.0 - ps[i]);
        const double r = in->dy[i] - out[i];
        swt += wt;
        swc += wc;
        st += wt * r;
        sc += wc * r;
    }
    if (!(swt > 0) || !(swc > 0)) {
        rc = ks_fail(ctx, KS_ENUMERIC, "no %s units with positive weight",
                     swt > 0 ? "control" : "treated");
        goto done;
    }
    const double eta_t = st / swt, eta_c = sc / swc;
    *att = eta_t - eta_c;
    const double mwt = swt / dm, mwc = swc / dm;
    /* zp = Hessian_ps^-1 M2 with Hessian_ps^-1 = n (X' diag(ps (1 - ps) w) X)^-1 */
    double M2[8] = {0}, M13[16] = {0}, *M1 = M13, *M3 = M13 + k; /* M1, M3 share a solve */
    for (size_t i = 0; i < m; i++) {
        const double trim = in->D[i] == 0.0 ? (ps[i] < PS_TRIM) : 1.0;
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
    if ((rc = gram_solve(ctx, in, a, 1.0 / dm, M2, 1, 0, "the propensity-score Hessian")))
        goto done;
    if (method == KS_DID_DR) {
        for (size_t i = 0; i < m; i++) a[i] = iw[i] * (1.0 - in->D[i]);
        if ((rc = gram_solve(ctx, in, a, 1.0 / dm, M13, 2, 1, "the outcome regression design")))
            goto done;
    }
    for (size_t i = 0; i < m; i++) {
        const double trim = in->D[i] == 0.0 ? (ps[i] < PS_TRIM) : 1.0;
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
    ks_free(ctx, iw);
    return rc;
}
