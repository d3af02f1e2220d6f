/* mvn_box.c — P(a <= X <= b) for X ~ N(0, Sigma): the box probability of the pre-trends test.
 *
 * Genz's (1992) separation of variables: with Sigma = L L' (after Genz & Bretz's reordering,
 * which puts the most constrained variable first), the probability is an integral over the unit
 * cube of a product of normal-CDF differences, here estimated with a Richtmyer lattice (square
 * roots of primes) under the tent (baker's) transform and antithetic pairs, randomised by S
 * shifts. Each shift's sum runs in a fixed order and the shifts come from a counter-based stream
 * with a fixed key, so the estimate is a deterministic function of the inputs, the same for any
 * thread count. Low dimensions are deterministic: k = 1 is the normal CDF; k = 2 a one-dimensional
 * adaptive Gauss-Kronrod integral (to ~1e-15); k = 3 the same integral over one variable of the
 * other two's bivariate box probability given it (bvn.c), to ~1e-14 (the lattice rule only when
 * that conditional covariance is near singular). */
#include <float.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "base/base_internal.h"
#include "did/mvn_internal.h"
#include "kestrel/did_power.h"
#include "kestrel/linalg.h"

#define NSHIFT 12
#define SHIFT_KEY 0x5eed0f9e7712a3c1ull

static double Phi(double x) { return ks_normal_cdf(x); }

/* ---- one-dimensional adaptive Gauss-Kronrod 7-15 ---- */
typedef double (*integrand)(double x, const void *arg);

/* on [lo, hi]: the Kronrod value and |Kronrod - Gauss| */
static double gk15(integrand f, const void *q, double lo, double hi, double *err)
{
    static const double xk[8] = {
        0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
        0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
        0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
        0.207784955007898467600689403773245, 0.0};
    static const double wk[8] = {
        0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
        0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
        0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
        0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
    static const double wg[4] = {
        0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
        0.381830050505118944950369775488975, 0.417959183673469387755102040816327};
    const double c = 0.5 * (lo + hi), h = 0.5 * (hi - lo);
    const double fc = f(c, q);
    double k = wk[7] * fc, g = wg[3] * fc;
    for (int i = 0; i < 7; i++) {
        const double v = f(c - h * xk[i], q) + f(c + h * xk[i], q);
        k += wk[i] * v;
        if (i & 1) g += wg[i / 2] * v;
    }
    *err = fabs((k - g) * h);
    return k * h;
}

static double gk_adapt(integrand f, const void *q, double lo, double hi, double tol, int depth)
{
    double err;
    const double v = gk15(f, q, lo, hi, &err);
    if (err <= tol || depth >= 40) return v;
    const double mid = 0.5 * (lo + hi);
    return gk_adapt(f, q, lo, mid, 0.5 * tol, depth + 1) +
           gk_adapt(f, q, mid, hi, 0.5 * tol, depth + 1);
}

/* The integral of f over [lo, hi] split at 0 and at the cut points inside (where the integrand
 * bends sharply), so that each piece is smooth. */
static double gk_pieces(integrand f, const void *q, double lo, double hi, const double *at,
                        size_t nat, double tol)
{
    double cuts[8] = {lo, hi, 0};
    size_t nc = 2;
    if (lo < 0 && 0 < hi) cuts[nc++] = 0;
    for (size_t i = 0; i < nat && nc < 8; i++)
        if (isfinite(at[i]) && lo < at[i] && at[i] < hi) cuts[nc++] = at[i];
    for (size_t i = 1; i < nc; i++) /* insertion sort */
        for (size_t j = i; j > 0 && cuts[j] < cuts[j - 1]; j--) {
            const double t = cuts[j];
            cuts[j] = cuts[j - 1];
            cuts[j - 1] = t;
        }
    double p = 0.0;
    for (size_t i = 0; i + 1 < nc; i++)
        if (cuts[i + 1] > cuts[i]) p += gk_adapt(f, q, cuts[i], cuts[i + 1], tol, 0);
    return p;
}

static double phi(double x) { return exp(-0.5 * x * x) / sqrt(2.0 * M_PI); }

/* ---- k = 2: integrate phi(x) [Phi((b2 - c x) / s) - Phi((a2 - c x) / s)] over [lo, hi] ---- */
typedef struct {
    double a2, b2, c, s;
} bvn_arg;

static double bvn_f(double x, const void *arg)
{
    const bvn_arg *q = arg;
    return phi(x) * (Phi((q->b2 - q->c * x) / q->s) - Phi((q->a2 - q->c * x) / q->s));
}

static double box2(const double *S, const double *a, const double *b)
{
    const double l11 = sqrt(S[0]);
    bvn_arg q = {a[1], b[1], S[2] / l11, 0};
    q.s = sqrt(fmax(S[3] - q.c * q.c, 0.0));
    const double lo = fmax(a[0] / l11, -40.0), hi = fmin(b[0] / l11, 40.0);
    if (!(hi > lo)) return 0.0;
    if (q.s == 0) q.s = DBL_MIN; /* degenerate: the indicator, integrated all the same */
    /* where the inner bounds cross 0 */
    const double at[2] = {q.c != 0 ? q.a2 / q.c : NAN, q.c != 0 ? q.b2 / q.c : NAN};
    return gk_pieces(bvn_f, &q, lo, hi, at, 2, 1e-16);
}

/* ---- k = 3: integrate phi(x) times the bivariate box of the other two given x ---- */
typedef struct {
    double lo[2], hi[2], c[2], s[2], rho; /* bounds, regression on x, conditional sd, corr */
} tvn_arg;

/* P(h < X, k < Y) with infinite bounds allowed */
static double upper2(double h, double k, double r)
{
    if (h == -INFINITY) return k == -INFINITY ? 1.0 : Phi(-k);
    if (k == -INFINITY) return Phi(-h);
    if (h == INFINITY || k == INFINITY) return 0.0;
    return ks__bvn_upper(h, k, r);
}

static double tvn_f(double x, const void *arg)
{
    const tvn_arg *q = arg;
    double l[2], u[2];
    for (int j = 0; j < 2; j++) {
        l[j] = (q->lo[j] - q->c[j] * x) / q->s[j];
        u[j] = (q->hi[j] - q->c[j] * x) / q->s[j];
    }
    const double p = upper2(l[0], l[1], q->rho) - upper2(u[0], l[1], q->rho) -
                     upper2(l[0], u[1], q->rho) + upper2(u[0], u[1], q->rho);
    return phi(x) * fmax(p, 0.0);
}

/* The variable with the narrowest standardized interval is integrated over; returns -1 when the
 * conditional covariance of the other two is (near) singular (then the lattice rule). */
static double box3(const double *S, const double *a, const double *b)
{
    size_t v = 0;
    double best = INFINITY;
    for (size_t i = 0; i < 3; i++) {
        const double s = sqrt(S[i * 3 + i]), w = fmin(b[i] / s, 40.0) - fmax(a[i] / s, -40.0);
        if (w < best) best = w, v = i;
    }
    const size_t o[2] = {v == 0 ? 1u : 0u, v == 2 ? 1u : 2u};
    const double sv = sqrt(S[v * 3 + v]);
    tvn_arg q;
    for (int j = 0; j < 2; j++) {
        q.c[j] = S[o[j] * 3 + v] / sv;
        const double var = S[o[j] * 3 + o[j]] - q.c[j] * q.c[j];
        if (!(var > 1e-10 * S[o[j] * 3 + o[j]])) return -1.0;
        q.s[j] = sqrt(var);
        q.lo[j] = a[o[j]];
        q.hi[j] = b[o[j]];
    }
    q.rho = (S[o[0] * 3 + o[1]] - q.c[0] * q.c[1]) / (q.s[0] * q.s[1]);
    q.rho = fmin(fmax(q.rho, -1.0), 1.0);
    const double lo = fmax(a[v] / sv, -40.0), hi = fmin(b[v] / sv, 40.0);
    if (!(hi > lo)) return 0.0;
    double at[4];
    for (int j = 0; j < 2; j++) { /* where the conditional bounds cross 0 */
        at[2 * j] = q.c[j] != 0 ? q.lo[j] / q.c[j] : NAN;
        at[2 * j + 1] = q.c[j] != 0 ? q.hi[j] / q.c[j] : NAN;
    }
    return gk_pieces(tvn_f, &q, lo, hi, at, 4, 1e-14);
}

/* ---- k >= 3 ---- */

/* Genz & Bretz's reordering with the Cholesky factor: at step i the remaining variable with the
 * smallest conditional box probability (given the truncated means of those before) goes next.
 * S (k x k) is overwritten; L (k x k lower, row-major), a, b come out permuted; perm[i] is the
 * original index of variable i. */
static int order_chol(size_t k, double *S, double *a, double *b, double *L, size_t *perm)
{
    double y[64];
    memset(L, 0, k * k * sizeof *L);
    for (size_t i = 0; i < k; i++) perm[i] = i;
    for (size_t i = 0; i < k; i++) {
        size_t best = i;
        double bestp = INFINITY, bestv = 0;
        for (size_t j = i; j < k; j++) {
            double v = S[j * k + j], s = 0.0;
            for (size_t m = 0; m < i; m++) {
                v -= L[j * k + m] * L[j * k + m];
                s += L[j * k + m] * y[m];
            }
            if (!(v > 0)) continue;
            const double sd = sqrt(v), p = Phi((b[j] - s) / sd) - Phi((a[j] - s) / sd);
            if (p < bestp) {
                bestp = p;
                best = j;
                bestv = v;
            }
        }
        if (!(bestv > 0)) return KS_EINVAL;
        if (best != i) { /* swap variables i and best in S, L's rows, a, b */
            for (size_t m = 0; m < k; m++) {
                double t = S[i * k + m];
                S[i * k + m] = S[best * k + m];
                S[best * k + m] = t;
            }
            for (size_t m = 0; m < k; m++) {
                double t = S[m * k + i];
                S[m * k + i] = S[m * k + best];
                S[m * k + best] = t;
            }
            for (size_t m = 0; m < i; m++) {
                double t = L[i * k + m];
                L[i * k + m] = L[best * k + m];
                L[best * k + m] = t;
            }
            const size_t pi = perm[i];
            perm[i] = perm[best];
            perm[best] = pi;
            double t = a[i];
            a[i] = a[best];
            a[best] = t;
            t = b[i];
            b[i] = b[best];
            b[best] = t;
        }
        const double lii = sqrt(bestv);
        L[i * k + i] = lii;
        for (size_t j = i + 1; j < k; j++) {
            double s = S[j * k + i];
            for (size_t m = 0; m < i; m++) s -= L[j * k + m] * L[i * k + m];
            L[j * k + i] = s / lii;
        }
        /* the truncated mean of the standardized variable i */
        double s = 0.0;
        for (size_t m = 0; m < i; m++) s += L[i * k + m] * y[m];
        const double lo = (a[i] - s) / lii, hi = (b[i] - s) / lii;
        const double den = Phi(hi) - Phi(lo);
        const double plo = isfinite(lo) ? exp(-0.5 * lo * lo) : 0.0;
        const double phi = isfinite(hi) ? exp(-0.5 * hi * hi) : 0.0;
        y[i] = den > 1e-300 ? (plo - phi) / sqrt(2.0 * M_PI) / den
                            : (isfinite(lo)   ? lo
                               : isfinite(hi) ? hi
                                              : 0.0);
    }
    return KS_OK;
}

/* The integrand at w (k - 1 coordinates in [0, 1]). */
static double sov(size_t k, const double *L, const double *a, const double *b, const double *w,
                  double *y)
{
    double d = Phi(a[0] / L[0]), e = Phi(b[0] / L[0]), f = e - d;
    for (size_t i = 1; i < k && f > 0; i++) {
        const double u = d + w[i - 1] * (e - d);
        y[i - 1] = ks_normal_quantile(fmin(fmax(u, 1e-300), 1.0 - 1e-16));
        double s = 0.0;
        for (size_t m = 0; m < i; m++) s += L[i * k + m] * y[m];
        d = Phi((a[i] - s) / L[i * k + i]);
        e = Phi((b[i] - s) / L[i * k + i]);
        f *= e - d;
    }
    return f > 0 ? f : 0.0;
}

static const double primes[] = {2,   3,   5,   7,   11,  13,  17,  19,  23,  29,  31,  37,  41,
                                43,  47,  53,  59,  61,  67,  71,  73,  79,  83,  89,  97,  101,
                                103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167,
                                173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239,
                                241, 251, 257, 263, 269, 271, 277, 281, 283, 293, 307, 311};

/* ---- the one-factor model (mvn_factor.c): exact, and the lattice rule's control variate ---- */
typedef struct {
    size_t k;
    const double *l, *lo, *hi; /* loadings, standardized bounds */
} factor_arg;

static double factor_f(double z, const void *arg)
{
    const factor_arg *q = arg;
    double p = phi(z);
    for (size_t i = 0; i < q->k && p > 0; i++) {
        const double s = sqrt(1.0 - q->l[i] * q->l[i]);
        p *= Phi((q->hi[i] - q->l[i] * z) / s) - Phi((q->lo[i] - q->l[i] * z) / s);
    }
    return p;
}

/* The box probability under correlations l_i l_j (i != j): an integral over the common factor. */
static double factor_box(size_t k, const double *l, const double *lo, const double *hi)
{
    const factor_arg q = {k, l, lo, hi};
    return gk_pieces(factor_f, &q, -10.0, 10.0, NULL, 0, 1e-14);
}

/* The model's covariance in the lattice rule's variable order, its Cholesky factor in L0. */
static int model_chol(size_t k, const double *sigma, const double *l, const size_t *perm,
                      double *L0)
{
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j <= i; j++) {
            const size_t oi = perm[i], oj = perm[j];
            double s =
                sqrt(sigma[oi * k + oi] * sigma[oj * k + oj]) * (i == j ? 1.0 : l[oi] * l[oj]);
            for (size_t m = 0; m < j; m++) s -= L0[i * k + m] * L0[j * k + m];
            if (i == j) {
                if (!(s > 0)) return -1;
                L0[i * k + i] = sqrt(s);
            } else {
                L0[i * k + j] = s / L0[j * k + j];
            }
        }
    for (size_t i = 0; i < k; i++)
        for (size_t j = i + 1; j < k; j++) L0[i * k + j] = 0.0;
    return 0;
}

/* Shift `sh`'s sums over lattice points j0 < j <= j1 (each with its antithetic) of the integrand
 * (plain) and, when L0 is given, of the integrand minus the one-factor model's (diff). */
static void lattice_sums(size_t k, const double *L, const double *L0, const double *a,
                         const double *b, size_t j0, size_t j1, size_t sh, double *plain,
                         double *diff)
{
    double q[64], shift[64], w[64], w2[64], y[64];
    for (size_t i = 0; i + 1 < k; i++) {
        q[i] = sqrt(primes[i]);
        shift[i] = ks_rng_uniform(SHIFT_KEY, sh, i);
    }
    double sp = 0.0, sd = 0.0;
    for (size_t j = j0 + 1; j <= j1; j++) {
        for (size_t i = 0; i + 1 < k; i++) {
            double x = (double)j * q[i] + shift[i];
            x -= floor(x);
            x = fabs(2.0 * x - 1.0); /* tent */
            w[i] = x;
            w2[i] = 1.0 - x;
        }
        const double f = 0.5 * (sov(k, L, a, b, w, y) + sov(k, L, a, b, w2, y));
        sp += f;
        if (L0) sd += f - 0.5 * (sov(k, L0, a, b, w, y) + sov(k, L0, a, b, w2, y));
    }
    *plain += sp;
    *diff += sd;
}

/* mean and standard error over the shifts of sums over n points */
static double shift_mean(const double *sums, size_t n, double *se)
{
    double m = 0.0, v = 0.0;
    for (size_t s = 0; s < NSHIFT; s++) m += sums[s] / (double)n;
    m /= NSHIFT;
    for (size_t s = 0; s < NSHIFT; s++) v += (sums[s] / (double)n - m) * (sums[s] / (double)n - m);
    *se = sqrt(v / (NSHIFT * (NSHIFT - 1.0)));
    return m;
}

/* The lattice estimate, with the one-factor model as a control variate where that lowers the
 * variance (judged on the first round, so the choice is a function of the inputs). */
static double lattice_box(ks_ctx *ctx, size_t k, const double *L, const double *L0, double p0,
                          const double *a, const double *b, double abseps, size_t max_points,
                          double *err)
{
    double plain[NSHIFT] = {0}, diff[NSHIFT] = {0}, mean = 0.0, se = INFINITY;
    for (size_t n0 = 0, n = 32;; n0 = n, n *= 2) {
        const double cost = 30.0 * (double)(k * k) * (double)(n - n0) * NSHIFT * (L0 ? 2 : 1);
        const size_t nt = (size_t)ks__threads_for(ctx, cost);
        const size_t use = nt < NSHIFT ? nt : NSHIFT;
#pragma omp parallel for num_threads((int)use) schedule(static, 1)
        for (size_t s = 0; s < NSHIFT; s++)
            lattice_sums(k, L, L0, a, b, n0, n, s, &plain[s], &diff[s]);
        double sep;
        const double mp = shift_mean(plain, n, &sep);
        if (L0) {
            double sed;
            const double md = shift_mean(diff, n, &sed);
            if (n0 == 0 && !(sed < 0.5 * sep))
                L0 = NULL; /* the model does not help */
            else {
                mean = p0 + md;
                se = sed;
            }
        }
        if (!L0) {
            mean = mp;
            se = sep;
        }
        if (3.5 * se <= abseps || 4 * n * NSHIFT * (L0 ? 2 : 1) > max_points) break;
    }
    *err = 3.5 * se;
    return mean;
}

int ks_did_mvn_box(ks_ctx *ctx, size_t k, const double *sigma, const double *lower,
                   const double *upper, double abseps, size_t max_points, double *prob, double *err)
{
    if (err) *err = 0.0;
    if (k == 0) return ks__fail(ctx, KS_EINVAL, "mvn_box: the dimension must be at least 1");
    if (k > 64) return ks__fail(ctx, KS_EINVAL, "mvn_box: at most 64 dimensions (got %zu)", k);
    if (!(abseps > 0)) abseps = 1e-5;
    if (max_points == 0) max_points = 20000000;
    for (size_t i = 0; i < k; i++) {
        if (isnan(lower[i]) || isnan(upper[i]))
            return ks__fail(ctx, KS_EINVAL, "mvn_box: bound %zu is NaN", i + 1);
        if (!(sigma[i * k + i] > 0) || !isfinite(sigma[i * k + i]))
            return ks__fail(ctx, KS_EINVAL,
                            "vcov: the variance of coefficient %zu must be positive and finite",
                            i + 1);
        for (size_t j = 0; j < k; j++)
            if (!isfinite(sigma[i * k + j]))
                return ks__fail(ctx, KS_EINVAL, "vcov: entry (%zu, %zu) is not finite", i + 1,
                                j + 1);
        if (!(upper[i] > lower[i])) {
            *prob = 0.0;
            return KS_OK;
        }
    }
    if (k == 1) {
        const double s = sqrt(sigma[0]);
        *prob = upper[0] / s > 0 && lower[0] / s > 0
                    ? Phi(-lower[0] / s) - Phi(-upper[0] / s) /* tail: no cancellation */
                    : Phi(upper[0] / s) - Phi(lower[0] / s);
        return KS_OK;
    }
    double *S = ks__malloc_array(ctx, 4 * k * k + 2 * k, sizeof *S);
    if (!S) return KS_ENOMEM;
    double *L = S + k * k, *a = L + 2 * k * k, *b = a + k;
    memcpy(S, sigma, k * k * sizeof *S);
    memcpy(a, lower, k * sizeof *a);
    memcpy(b, upper, k * sizeof *b);
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < i; j++)
            if (fabs(S[i * k + j] - S[j * k + i]) > 1e-10 * sqrt(S[i * k + i] * S[j * k + j])) {
                ks__free(ctx, S);
                return ks__fail(ctx, KS_EINVAL, "vcov: not symmetric at (%zu, %zu)", i + 1, j + 1);
            }
    int rc = KS_OK;
    if (k == 2) {
        *prob = fmin(fmax(box2(S, a, b), 0.0), 1.0);
        goto done;
    }
    if (k == 3) {
        const double p = box3(S, a, b);
        if (p >= 0) {
            *prob = fmin(p, 1.0);
            goto done;
        }
    }
    size_t perm[64];
    if (order_chol(k, S, a, b, L, perm)) {
        rc = ks__fail(ctx, KS_EINVAL, "vcov: not positive definite");
        goto done;
    }
    double *L0 = L + k * k, load[64], p0 = NAN;
    if (ks__mvn_one_factor(k, sigma, load) == 0) {
        double lo[64], hi[64];
        for (size_t i = 0; i < k; i++) {
            const double sd = sqrt(sigma[i * k + i]);
            lo[i] = lower[i] / sd;
            hi[i] = upper[i] / sd;
        }
        p0 = factor_box(k, load, lo, hi);
        if (model_chol(k, sigma, load, perm, L0)) p0 = NAN;
    }
    double e;
    const double p =
        lattice_box(ctx, k, L, isnan(p0) ? NULL : L0, p0, a, b, abseps, max_points, &e);
    *prob = fmin(fmax(p, 0.0), 1.0);
    if (err) *err = e;
done:
    ks__free(ctx, S);
    return rc;
}
