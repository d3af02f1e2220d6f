/* honest_flci.c — the fixed-length confidence interval under Delta^SD(M) (Rambachan & Roth
 * 2023, section 4.1; Armstrong & Kolesar's affine estimators), as R's findOptimalFLCI builds it.
 *
 * The estimator of theta = l'tau_post is theta_hat = v'beta with v = (D w, l): w (npre) are
 * weights on the pre-period slopes, D the first-difference map (l_pre = D w), and unbiasedness
 * under a linear trend forces sum(w) = sum_t t l_t. Over Delta^SD(M) its worst-case bias is
 * M (k + sum_i |(L w)_i|), L the cumulative-sum matrix and k a constant of l; its sd is
 * h(w) = sqrt(w'Qw + a'w + c0). For each h the least bias is the convex program
 *     min sum_i U_i  s.t.  |(L w)_i| <= U_i,  sum(w) = s,  w'Qw + a'w + c0 <= h^2,
 * solved here by a log-barrier interior-point method (Newton on the equality-constrained KKT
 * system); the half-length h cv_alpha(M bias(h) / h), cv the folded normal quantile, is then
 * minimised over h in [h_min, h_0] by R's bisection on the central-difference derivative, the
 * same steps, so that the same h is found. (R takes cv from 10^6 simulated draws; here it is
 * the exact quantile, which R's draws estimate.) */
#include <float.h>
#include <math.h>
#include <string.h>

#include "base/base_internal.h"
#include "honest_internal.h"
#include "linalg/linalg_internal.h"

typedef struct {
    size_t K;
    double *Q, *a; /* K x K (row-major), K */
    double c0, s, k0;
    double *wmin, *w0; /* the least-variance and the least-bias (all on the last slope) w */
    double hmin, h0;
    double *z, *dz, *g, *H, *kkt, *rhs, *sol, *zt; /* barrier work (2K + 1 sized) */
} flci;

static double var_w(const flci *F, const double *w)
{
    const size_t K = F->K;
    double v = F->c0;
    for (size_t i = 0; i < K; i++) {
        double qi = 0.0;
        for (size_t j = 0; j < K; j++) qi += F->Q[i * K + j] * w[j];
        v += w[i] * qi + F->a[i] * w[i];
    }
    return v;
}

static double bias_w(const flci *F, const double *w)
{
    double s = 0.0, b = F->k0;
    for (size_t i = 0; i < F->K; i++) {
        s += w[i];
        b += fabs(s);
    }
    return b;
}

/* phi_t(z) for z = (U, w), or INFINITY outside the domain */
static double barrier(const flci *F, const double *z, double h2, double t)
{
    const size_t K = F->K;
    const double *U = z, *w = z + K;
    double f = 0.0, s = 0.0;
    for (size_t i = 0; i < K; i++) {
        s += w[i];
        const double p = U[i] - s, q = U[i] + s;
        if (!(p > 0 && q > 0)) return INFINITY;
        f += t * U[i] - log(p) - log(q);
    }
    const double r = h2 - var_w(F, w);
    if (!(r > 0)) return INFINITY;
    return f - log(r);
}

/* min bias subject to sd <= h; the bias (with its constant) and the optimal w */
static double least_bias(flci *F, double h, double *wout)
{
    const size_t K = F->K, n = 2 * K, m = n + 1;
    const double h2 = h * h;
    if (!(h2 > F->hmin * F->hmin * (1 + 1e-12)) || !(F->h0 > F->hmin)) {
        memcpy(wout, F->wmin, K * sizeof *wout);
        return bias_w(F, wout);
    }
    double *z = F->z, *U = z, *w = z + K;
    double th = 0.5 * (h2 - F->hmin * F->hmin) / (F->h0 * F->h0 - F->hmin * F->hmin);
    if (th > 0.5) th = 0.5;
    double s = 0.0, sc = 0.0;
    for (size_t i = 0; i < K; i++) {
        w[i] = F->wmin[i] + th * (F->w0[i] - F->wmin[i]);
        sc += fabs(w[i]);
    }
    sc = sc / (double)K + 1e-3;
    for (size_t i = 0; i < K; i++) {
        s += w[i];
        U[i] = fabs(s) + sc;
    }
    double t = 1.0;
    for (int outer = 0; outer < 60; outer++) {
        for (int it = 0; it < 100; it++) {
            /* gradient and Hessian of phi_t */
            double *g = F->g, *H = F->H;
            memset(H, 0, n * n * sizeof *H);
            double r = h2 - var_w(F, w), cs = 0.0;
            double gv[64];
            for (size_t i = 0; i < K; i++) {
                double qi = 0.0;
                for (size_t j = 0; j < K; j++) qi += F->Q[i * K + j] * w[j];
                gv[i] = 2 * qi + F->a[i];
            }
            for (size_t j = 0; j < K; j++) g[K + j] = gv[j] / r;
            for (size_t i = 0; i < K; i++) {
                cs += w[i];
                const double p = U[i] - cs, q = U[i] + cs;
                const double ip = 1 / p, iq = 1 / q, ip2 = ip * ip, iq2 = iq * iq;
                g[i] = t - ip - iq;
                H[i * n + i] = ip2 + iq2;
                for (size_t j = 0; j <= i; j++) {
                    g[K + j] += ip - iq;
                    H[i * n + K + j] = H[(K + j) * n + i] = -ip2 + iq2;
                    for (size_t k = 0; k <= i; k++) H[(K + j) * n + K + k] += ip2 + iq2;
                }
            }
            for (size_t j = 0; j < K; j++)
                for (size_t k = 0; k < K; k++)
                    H[(K + j) * n + K + k] += gv[j] * gv[k] / (r * r) + 2 * F->Q[j * K + k] / r;
            /* KKT [H A'; A 0], A = (0, 1'), column-major for ks__lu_solve */
            double *M = F->kkt, *b = F->rhs, *dz = F->dz;
            for (size_t i = 0; i < m; i++)
                for (size_t j = 0; j < m; j++) {
                    double v;
                    if (i < n && j < n)
                        v = H[i * n + j];
                    else if (i == n && j == n)
                        v = 0.0;
                    else
                        v = (i == n ? j : i) >= K ? 1.0 : 0.0;
                    M[j * m + i] = v;
                }
            for (size_t i = 0; i < n; i++) b[i] = -g[i];
            b[n] = 0.0;
            if (ks__lu_solve(m, M, b, F->sol) != 0) break;
            memcpy(dz, F->sol, n * sizeof *dz);
            double dec = 0.0;
            for (size_t i = 0; i < n; i++) dec -= g[i] * dz[i];
            if (dec / 2 <= 1e-14) break;
            const double f0 = barrier(F, z, h2, t);
            double step = 1.0, f1;
            double *zt = F->zt;
            for (int ls = 0; ls < 80; ls++, step *= 0.5) {
                for (size_t i = 0; i < n; i++) zt[i] = z[i] + step * dz[i];
                f1 = barrier(F, zt, h2, t);
                if (f1 <= f0 - 0.01 * step * dec) break;
            }
            if (!(f1 < INFINITY)) break;
            memcpy(z, zt, n * sizeof *z);
        }
        if ((double)(n + 1) / t < 1e-13 * (1.0 + bias_w(F, w))) break;
        t *= 20.0;
    }
    memcpy(wout, w, K * sizeof *wout);
    double obj = F->k0;
    for (size_t i = 0; i < K; i++) obj += U[i];
    return obj;
}

static double half_length(flci *F, double h, double M, double alpha, double *w)
{
    const double b = least_bias(F, h, w);
    return ks__qfoldnorm(alpha, M * b / h) * h;
}

int ks__honest_flci(ks_ctx *ctx, const double *sigma, size_t npre, size_t npost,
                    const double *l_vec, double M, double alpha, double *vec, double *half)
{
    const size_t K = npre, T = npre + npost, n = 2 * K, m = n + 1;
    if (K > 64) return ks__fail(ctx, KS_EINVAL, "HonestDiD FLCI: at most 64 pre-periods");
    flci F = {.K = K};
    const size_t nwork =
        K * K + K + 2 * K + n + n + n + n * n + m * m + m + m + n + 4 * K + (K + 1) * (K + 1);
    double *work = ks__malloc_array(ctx, nwork, sizeof *work);
    if (!work) return KS_ENOMEM;
    double *p = work;
    F.Q = p, p += K * K;
    F.a = p, p += K;
    F.wmin = p, p += K;
    F.w0 = p, p += K;
    F.z = p, p += n;
    F.dz = p, p += n;
    F.g = p, p += n;
    F.zt = p, p += n;
    F.H = p, p += n * n;
    F.kkt = p, p += m * m;
    F.rhs = p, p += m;
    F.sol = p, p += m;
    double *w = p, *wbest = p + K, *tmp = p + 2 * K, *kk = p + 4 * K;
    /* Q = D' S_pre D, a = 2 D' S_pre,post l, c0 = l' S_post l (sigma column-major T x T) */
#define S(i, j) sigma[(j)*T + (i)]
    for (size_t i = 0; i < K; i++)
        for (size_t j = 0; j < K; j++) {
            /* (D' S D)_{ij} = sum_{r,c} D_{ri} S_{rc} D_{cj}; D_{ii} = 1, D_{i+1,i} = -1 */
            double v = 0.0;
            for (int di = 0; di < 2; di++)
                for (int dj = 0; dj < 2; dj++) {
                    const size_t r = i + (size_t)di, c = j + (size_t)dj;
                    if (r >= K || c >= K) continue;
                    v += (di ? -1.0 : 1.0) * (dj ? -1.0 : 1.0) * S(r, c);
                }
            F.Q[i * K + j] = v;
        }
    for (size_t i = 0; i < K; i++) {
        double v = 0.0;
        for (int di = 0; di < 2; di++) {
            const size_t r = i + (size_t)di;
            if (r >= K) continue;
            double sl = 0.0;
            for (size_t t = 0; t < npost; t++) sl += S(r, K + t) * l_vec[t];
            v += (di ? -1.0 : 1.0) * sl;
        }
        F.a[i] = 2 * v;
    }
    F.c0 = 0.0;
    for (size_t s = 0; s < npost; s++)
        for (size_t t = 0; t < npost; t++) F.c0 += l_vec[s] * S(K + s, K + t) * l_vec[t];
#undef S
    F.s = 0.0;
    for (size_t t = 0; t < npost; t++) F.s += (double)(t + 1) * l_vec[t];
    F.k0 = -F.s;
    for (size_t s = 1; s <= npost; s++) {
        double v = 0.0;
        for (size_t j = 1; j <= s; j++) v += (double)j * l_vec[npost - s + j - 1];
        F.k0 += fabs(v);
    }
    memset(F.w0, 0, K * sizeof *F.w0);
    F.w0[K - 1] = F.s;
    F.h0 = sqrt(var_w(&F, F.w0));
    /* least variance with sum(w) = s: [2Q 1; 1' 0][w; nu] = [-a; s] */
    for (size_t i = 0; i <= K; i++)
        for (size_t j = 0; j <= K; j++)
            kk[j * (K + 1) + i] = (i < K && j < K)     ? 2 * F.Q[i * K + j]
                                  : (i == K && j == K) ? 0.0
                                                       : 1.0;
    for (size_t i = 0; i < K; i++) tmp[i] = -F.a[i];
    tmp[K] = F.s;
    if (ks__lu_solve(K + 1, kk, tmp, F.sol) != 0) {
        ks__free(ctx, work);
        return ks__fail(ctx, KS_ENUMERIC, "HonestDiD FLCI: sigma's pre-period block is singular");
    }
    memcpy(F.wmin, F.sol, K * sizeof *F.wmin);
    F.hmin = sqrt(fmax(var_w(&F, F.wmin), 0.0));

    /* R's .findOptimalCIDerivativeBisection over [hmin, h0] */
    const int npts = 100;
    double a = F.hmin, b = F.h0, hstar = NAN;
    const double dif = fmin((b - a) / npts, fabs(b) * cbrt(DBL_EPSILON));
    const double failtol = sqrt(DBL_EPSILON);
    if (dif > 0) {
        const double fa = half_length(&F, a, M, alpha, w), fb = half_length(&F, b, M, alpha, w);
        const double fpa = (half_length(&F, a + dif, M, alpha, w) - fa) / dif;
        const double fpb = (half_length(&F, b - dif, M, alpha, w) - fb) / -dif;
        const int maxiter = 10 * (int)ceil(log(fabs(b - a) / dif) / log(2.0));
        int failed = 0, iter = 1;
        if (fpa > fpb || isnan(fa) || isnan(fb))
            failed = 1;
        else if (fpb < 0)
            hstar = b;
        else if (fpa > 0)
            hstar = a;
        else {
            while (!failed && fabs(b - a) > dif) {
                iter++;
                const double x = (a + b) / 2;
                const double fpx = (half_length(&F, x + dif, M, alpha, w) -
                                    half_length(&F, x - dif, M, alpha, w)) /
                                   (2 * dif);
                failed = fpx > fpb + failtol || fpx + failtol < fpa || iter > maxiter;
                if (fpx > 0)
                    b = x;
                else
                    a = x;
            }
            hstar = (a + b) / 2;
        }
        if (failed) hstar = NAN;
    } else {
        hstar = F.h0;
    }
    double best;
    if (isnan(hstar)) { /* R's fallback: the best of 100 h values from hmin to h0 */
        best = INFINITY;
        for (int i = 0; i < npts; i++) {
            const double h = F.hmin + (F.h0 - F.hmin) * i / (npts - 1);
            const double v = half_length(&F, h, M, alpha, w);
            if (v < best) {
                best = v;
                memcpy(wbest, w, K * sizeof *w);
            }
        }
    } else {
        best = half_length(&F, hstar, M, alpha, wbest);
    }
    for (size_t i = 0; i < K; i++) vec[i] = wbest[i] - (i ? wbest[i - 1] : 0.0);
    for (size_t t = 0; t < npost; t++) vec[K + t] = l_vec[t];
    *half = best;
    ks__free(ctx, work);
    return KS_OK;
}
