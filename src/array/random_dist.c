/* random_dist.c — the distributions of NumPy's Generator over PCG64, in NumPy's algorithms and
 * order of draws so that the same seed gives the same numbers: the 256-layer ziggurats for the
 * standard normal and exponential (tables in random_ziggurat_tables.c), Marsaglia and Tsang's
 * gamma (with the shape < 1 branch of Ahrens and Dieter), beta (Johnk's method for a, b <= 1, a
 * ratio of gammas otherwise), Poisson (multiplication below lam 10, Hoermann's PTRS above),
 * binomial (inversion for n min(p, 1-p) <= 30, Kachitvichyanukul and Schmeiser's BTPE above) and
 * sampling without replacement (Floyd's method or a tail shuffle). Written from the papers and
 * NumPy's documented behaviour. */
#include <math.h>
#include <string.h>

#include "array/random_internal.h"

static const ks__enum_entry dist_names[] = {
    {"normal", KS_RNG_NORMAL},
    {"exponential", KS_RNG_EXPONENTIAL},
    {"gamma", KS_RNG_GAMMA},
    {"beta", KS_RNG_BETA},
    {"poisson", KS_RNG_POISSON},
    {"binomial", KS_RNG_BINOMIAL},
    {"laplace", KS_RNG_LAPLACE},
    {"logistic", KS_RNG_LOGISTIC},
    {"lognormal", KS_RNG_LOGNORMAL},
    {"gumbel", KS_RNG_GUMBEL},
    {"wald", KS_RNG_WALD},
    {"vonmises", KS_RNG_VONMISES},
    {"f", KS_RNG_F},
    {"chisquare", KS_RNG_CHISQUARE},
    {"standard_t", KS_RNG_STANDARD_T},
    {"weibull", KS_RNG_WEIBULL},
    {"pareto", KS_RNG_PARETO},
    {"power", KS_RNG_POWER},
    {"rayleigh", KS_RNG_RAYLEIGH},
    {"geometric", KS_RNG_GEOMETRIC},
    {"standard_cauchy", KS_RNG_STANDARD_CAUCHY},
    {"negative_binomial", KS_RNG_NEGATIVE_BINOMIAL},
    {"hypergeometric", KS_RNG_HYPERGEOMETRIC},
    {"triangular", KS_RNG_TRIANGULAR},
    {"zipf", KS_RNG_ZIPF},
    {"logseries", KS_RNG_LOGSERIES},
    {"noncentral_chisquare", KS_RNG_NONCENTRAL_CHISQUARE},
    {"noncentral_f", KS_RNG_NONCENTRAL_F},
};
KS__ENUM_FUNCS(ks_rng_dist, ks_rng_dist, "distribution", dist_names)

#define NOR_R 3.6541528853610087963519472518
#define NOR_INV_R 0.27366123732975827203338247596
#define EXP_R 7.6971174701310497140446280481

/* ---- the ziggurats ---- */

static double std_normal(ks_generator *g)
{
    for (;;) {
        /* one draw: 8 bits of layer, 1 of sign, 52 of position */
        uint64_t r = ks__next64(g);
        const int idx = (int)(r & 0xff);
        r >>= 8;
        const uint64_t rabs = (r >> 1) & 0x000fffffffffffffULL;
        double x = (double)rabs * ks__zig_wnor64[idx];
        if (r & 1) x = -x;
        if (rabs < ks__zig_knor64[idx]) return x;
        if (idx == 0) { /* the tail past r, by Marsaglia's exponential pairs */
            for (;;) {
                const double xx = -NOR_INV_R * log1p(-ks__next_double(g));
                const double yy = -log1p(-ks__next_double(g));
                if (yy + yy > xx * xx) return ((rabs >> 8) & 1) ? -(NOR_R + xx) : NOR_R + xx;
            }
        }
        if ((ks__zig_fnor64[idx - 1] - ks__zig_fnor64[idx]) * ks__next_double(g) +
                ks__zig_fnor64[idx] <
            exp(-0.5 * x * x))
            return x;
    }
}

static float std_normal_f(ks_generator *g)
{
    for (;;) {
        const uint32_t r = ks__next32(g);
        const int idx = (int)(r & 0xff);
        const uint32_t rabs = (r >> 9) & 0x7fffff;
        float x = (float)rabs * ks__zig_wnor32[idx];
        if ((r >> 8) & 1) x = -x;
        if (rabs < ks__zig_knor32[idx]) return x;
        if (idx == 0) {
            for (;;) {
                const float xx = -(float)NOR_INV_R * log1pf(-ks__next_float(g));
                const float yy = -log1pf(-ks__next_float(g));
                if (yy + yy > xx * xx)
                    return ((rabs >> 8) & 1) ? -((float)NOR_R + xx) : (float)NOR_R + xx;
            }
        }
        /* the density in float64, as NumPy's float32 sampler has it */
        if ((ks__zig_fnor32[idx - 1] - ks__zig_fnor32[idx]) * ks__next_float(g) +
                ks__zig_fnor32[idx] <
            exp(-0.5 * x * x))
            return x;
    }
}

static double std_exponential(ks_generator *g)
{
    for (;;) {
        const uint64_t r = ks__next64(g) >> 3;
        const int idx = (int)(r & 0xff);
        const uint64_t ri = r >> 8;
        const double x = (double)ri * ks__zig_wexp64[idx];
        if (ri < ks__zig_kexp64[idx]) return x;
        if (idx == 0) return EXP_R - log1p(-ks__next_double(g));
        if ((ks__zig_fexp64[idx - 1] - ks__zig_fexp64[idx]) * ks__next_double(g) +
                ks__zig_fexp64[idx] <
            exp(-x))
            return x;
    }
}

static float std_exponential_f(ks_generator *g)
{
    for (;;) {
        const uint32_t r = ks__next32(g) >> 1;
        const int idx = (int)(r & 0xff);
        const uint32_t ri = r >> 8;
        const float x = (float)ri * ks__zig_wexp32[idx];
        if (ri < ks__zig_kexp32[idx]) return x;
        if (idx == 0) return (float)EXP_R - log1pf(-ks__next_float(g));
        if ((ks__zig_fexp32[idx - 1] - ks__zig_fexp32[idx]) * ks__next_float(g) +
                ks__zig_fexp32[idx] <
            expf(-x))
            return x;
    }
}

/* ---- gamma and beta ---- */

double ks__std_gamma(ks_generator *g, double shape)
{
    if (shape == 1.0) return std_exponential(g);
    if (shape == 0.0) return 0.0;
    if (shape < 1.0) {
        for (;;) {
            const double u = ks__next_double(g), v = std_exponential(g);
            if (u <= 1.0 - shape) {
                const double x = pow(u, 1.0 / shape);
                if (x <= v) return x;
            } else {
                const double y = -log((1 - u) / shape);
                const double x = pow(1.0 - shape + shape * y, 1.0 / shape);
                if (x <= v + y) return x;
            }
        }
    }
    const double b = shape - 1.0 / 3.0, c = 1.0 / sqrt(9 * b);
    for (;;) {
        double x, v;
        do {
            x = std_normal(g);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        const double u = ks__next_double(g);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x)) return b * v;
        if (log(u) < 0.5 * x * x + b * (1.0 - v + log(v))) return b * v;
    }
}

/* The same in float32 arithmetic from float32 draws (NumPy's standard_gamma(dtype=float32)). */
static float std_gamma_f(ks_generator *g, float shape)
{
    if (shape == 1.0f) return std_exponential_f(g);
    if (shape == 0.0f) return 0.0f;
    if (shape < 1.0f) {
        for (;;) {
            const float u = ks__next_float(g), v = std_exponential_f(g);
            if (u <= 1.0f - shape) {
                const float x = powf(u, 1.0f / shape);
                if (x <= v) return x;
            } else {
                const float y = -logf((1.0f - u) / shape);
                const float x = powf(1.0f - shape + shape * y, 1.0f / shape);
                if (x <= v + y) return x;
            }
        }
    }
    const float b = shape - 1.0f / 3.0f, c = 1.0f / sqrtf(9.0f * b);
    for (;;) {
        float x, v;
        do {
            x = std_normal_f(g);
            v = 1.0f + c * x;
        } while (v <= 0.0f);
        v = v * v * v;
        const float u = ks__next_float(g);
        if (u < 1.0f - 0.0331f * (x * x) * (x * x)) return b * v;
        if (logf(u) < 0.5f * x * x + b * (1.0f - v + logf(v))) return b * v;
    }
}

double ks__beta(ks_generator *g, double a, double b)
{
    if (a <= 1.0 && b <= 1.0) {
        /* both this small: anything but 0 or 1 has probability below 1e-100 */
        if (a < 3e-103 && b < 3e-103) return (a + b) * ks__next_double(g) < a;
        for (;;) { /* Johnk's: x^(1/a) / (x^(1/a) + y^(1/b)) when the sum is at most 1 */
            const double u = ks__next_double(g), v = ks__next_double(g);
            const double x = pow(u, 1.0 / a), y = pow(v, 1.0 / b), xy = x + y;
            if (!(xy <= 1.0 && u + v > 0.0)) continue;
            if (x > 0 && y > 0) return x / xy;
            /* x or y underflowed: the same ratio from the logarithms */
            const double delta = log(u) / a - log(v) / b;
            return delta > 0 ? exp(-log1p(exp(-delta))) : exp(delta - log1p(exp(delta)));
        }
    }
    const double ga = ks__std_gamma(g, a), gb = ks__std_gamma(g, b);
    return ga / (ga + gb);
}

/* ---- Poisson ---- */

/* log(Gamma(x)) by the Stirling series with 10 terms after shifting x past 7 (as NumPy's
 * random_loggam, so PTRS accepts the same draws). */
static double loggam(double x)
{
    static const double a[10] = {8.333333333333333e-02, -2.777777777777778e-03,
                                 7.936507936507937e-04, -5.952380952380952e-04,
                                 8.417508417508418e-04, -1.917526917526918e-03,
                                 6.410256410256410e-03, -2.955065359477124e-02,
                                 1.796443723688307e-01, -1.39243221690590e+00};
    if (x == 1.0 || x == 2.0) return 0.0;
    int64_t n = 0;
    double x0 = x;
    if (x <= 7.0) {
        n = (int64_t)(7 - x);
        x0 = x + (double)n;
    }
    const double x2 = 1.0 / (x0 * x0);
    double gl0 = a[9];
    for (int k = 8; k >= 0; k--) gl0 = gl0 * x2 + a[k];
    double gl = gl0 / x0 + 0.5 * log(2 * M_PI) + (x0 - 0.5) * log(x0) - x0;
    for (int64_t k = 1; k <= n; k++) {
        gl -= log(x0 - 1.0);
        x0 -= 1.0;
    }
    return gl;
}

static int64_t poisson(ks_generator *g, double lam)
{
    if (lam == 0) return 0;
    if (lam < 10) { /* multiply uniforms until the product falls below exp(-lam) */
        const double enlam = exp(-lam);
        int64_t x = 0;
        double prod = 1.0;
        for (;;) {
            prod *= ks__next_double(g);
            if (!(prod > enlam)) return x;
            x++;
        }
    }
    const double slam = sqrt(lam), loglam = log(lam);
    const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
    const double invalpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
    for (;;) {
        const double u = ks__next_double(g) - 0.5, v = ks__next_double(g);
        const double us = 0.5 - fabs(u);
        const int64_t k = (int64_t)floor((2 * a / us + b) * u + lam + 0.43);
        if (us >= 0.07 && v <= vr) return k;
        if (k < 0 || (us < 0.013 && v > us)) continue;
        if (log(v) + log(invalpha) - log(a / (us * us) + b) <=
            -lam + (double)k * loglam - loggam((double)k + 1))
            return k;
    }
}

/* ---- binomial ---- */

static int64_t binomial_inversion(ks_generator *g, int64_t n, double p)
{
    const double q = 1.0 - p, qn = exp((double)n * log1p(-p)), np = (double)n * p;
    const double cap = np + 10.0 * sqrt(np * q + 1);
    const int64_t bound = (double)n < cap ? n : (int64_t)cap;
    int64_t x = 0;
    double px = qn, u = ks__next_double(g);
    while (u > px) {
        x++;
        if (x > bound) { /* ran off the table: start again */
            x = 0;
            px = qn;
            u = ks__next_double(g);
        } else {
            u -= px;
            px = ((double)(n - x + 1) * p * px) / ((double)x * q);
        }
    }
    return x;
}

/* BTPE for p <= 0.5: a triangle, two parallelograms and two exponential tails over the mass
 * function, accepted by a recursive ratio near the mode or Stirling bounds far from it. */
static int64_t binomial_btpe(ks_generator *g, int64_t n, double p)
{
    const double r = p < 1.0 - p ? p : 1.0 - p, q = 1.0 - r, fm = (double)n * r + r;
    const int64_t m = (int64_t)floor(fm);
    const double p1 = floor(2.195 * sqrt((double)n * r * q) - 4.6 * q) + 0.5;
    const double xm = (double)m + 0.5, xl = xm - p1, xr = xm + p1;
    const double c = 0.134 + 20.5 / (15.3 + (double)m);
    double a = (fm - xl) / (fm - xl * r);
    const double laml = a * (1.0 + a / 2.0);
    a = (xr - fm) / (xr * q);
    const double lamr = a * (1.0 + a / 2.0);
    const double p2 = p1 * (1.0 + 2.0 * c), p3 = p2 + c / laml, p4 = p3 + c / lamr;
    const double nrq = (double)n * r * q;
    for (;;) {
        const double u = ks__next_double(g) * p4;
        double v = ks__next_double(g);
        int64_t y;
        if (u <= p1) /* the triangle: accepted outright */
            return (int64_t)floor(xm - p1 * v + u);
        if (u <= p2) { /* the parallelograms */
            const double x = xl + (u - p1) / c;
            v = v * c + 1.0 - fabs((double)m - x + 0.5) / p1;
            if (v > 1.0) continue;
            y = (int64_t)floor(x);
        } else if (u <= p3) { /* the left tail */
            y = (int64_t)floor(xl + log(v) / laml);
            if (y < 0 || v == 0.0) continue;
            v = v * (u - p2) * laml;
        } else { /* the right tail */
            y = (int64_t)floor(xr - log(v) / lamr);
            if (y > n || v == 0.0) continue;
            v = v * (u - p3) * lamr;
        }
        const int64_t k = y > m ? y - m : m - y;
        if (k <= 20 || (double)k >= nrq / 2.0 - 1) {
            /* near the mode: the mass ratio f(y) / f(m) by its recursion */
            const double s = r / q, aa = s * (double)(n + 1);
            double f = 1.0;
            if (m < y)
                for (int64_t i = m + 1; i <= y; i++) f *= aa / (double)i - s;
            else if (m > y)
                for (int64_t i = y + 1; i <= m; i++) f /= aa / (double)i - s;
            if (v > f) continue;
            return y;
        }
        /* far from it: squeeze on log(v), then Stirling's bound with all four correction terms
         * added and the leading constant 13680 (the paper's 13860 with two digits swapped) as
         * NumPy 2.4 has them: with 13860, 3 of 280 streams of 20000 draws part from NumPy's */
        const double kk = (double)k;
        const double rho =
            (kk / nrq) * ((kk * (kk / 3.0 + 0.625) + 0.16666666666666666) / nrq + 0.5);
        const double t = -kk * kk / (2 * nrq), al = log(v);
        if (al < t - rho) return y;
        if (al > t + rho) continue;
        const double x1 = (double)y + 1, f1 = (double)m + 1, z = (double)n + 1 - (double)m,
                     w = (double)n - (double)y + 1;
        const double x2 = x1 * x1, f2 = f1 * f1, z2 = z * z, w2 = w * w;
        if (al > xm * log(f1 / x1) + ((double)(n - m) + 0.5) * log(z / w) +
                     (double)(y - m) * log(w * r / (x1 * q)) +
                     (13680. - (462. - (132. - (99. - 140. / f2) / f2) / f2) / f2) / f1 / 166320. +
                     (13680. - (462. - (132. - (99. - 140. / z2) / z2) / z2) / z2) / z / 166320. +
                     (13680. - (462. - (132. - (99. - 140. / x2) / x2) / x2) / x2) / x1 / 166320. +
                     (13680. - (462. - (132. - (99. - 140. / w2) / w2) / w2) / w2) / w / 166320.)
            continue;
        return y;
    }
}

static int64_t binomial(ks_generator *g, int64_t n, double p)
{
    if (n == 0 || p == 0.0) return 0;
    if (p <= 0.5)
        return p * (double)n <= 30.0 ? binomial_inversion(g, n, p) : binomial_btpe(g, n, p);
    const double q = 1.0 - p;
    return n - (q * (double)n <= 30.0 ? binomial_inversion(g, n, q) : binomial_btpe(g, n, q));
}

/* ---- the transforms of uniforms, normals, exponentials and gammas ---- */

static double laplace(ks_generator *g, double loc, double scale)
{
    for (;;) { /* U == 0 redrawn */
        const double u = ks__next_double(g);
        if (u >= 0.5) return loc - scale * log(2.0 - u - u);
        if (u > 0.0) return loc + scale * log(u + u);
    }
}

static double logistic(ks_generator *g, double loc, double scale)
{
    for (;;) {
        const double u = ks__next_double(g);
        if (u > 0.0) return loc + scale * log(u / (1.0 - u));
    }
}

static double gumbel(ks_generator *g, double loc, double scale)
{
    for (;;) {
        const double u = 1.0 - ks__next_double(g);
        if (u < 1.0) return loc - scale * log(-log(u));
    }
}

/* the inverse Gaussian by Michael, Schucany and Haas' root of a chi-square(1) draw */
static double wald(ks_generator *g, double mean, double scale)
{
    double y = std_normal(g);
    y = mean * y * y;
    const double d = 1 + sqrt(1 + 4 * scale / y), x = mean * (1 - 2 / d);
    return ks__next_double(g) <= mean / (mean + x) ? x : mean * mean / x;
}

/* Best and Fisher's rejection from a wrapped Cauchy; uniform below kappa 1e-8, a normal of
 * variance 1 / kappa above 1e6 */
static double vonmises(ks_generator *g, double mu, double kappa)
{
    if (isnan(kappa)) return NAN;
    if (kappa < 1e-8) return M_PI * (2 * ks__next_double(g) - 1);
    double s;
    if (kappa < 1e-5) {
        s = 1. / kappa + kappa;
    } else if (kappa <= 1e6) {
        const double r = 1 + sqrt(1 + 4 * kappa * kappa), rho = (r - sqrt(2 * r)) / (2 * kappa);
        s = (1 + rho * rho) / (2 * rho);
    } else {
        double res = mu + sqrt(1. / kappa) * std_normal(g);
        if (res < -M_PI) res += 2 * M_PI;
        if (res > M_PI) res -= 2 * M_PI;
        return res;
    }
    double w;
    for (;;) {
        const double z = cos(M_PI * ks__next_double(g));
        w = (1 + s * z) / (s + z);
        const double y = kappa * (s - w), v = ks__next_double(g);
        if (y * (2 - y) - v >= 0 || log(y / v) + 1 - y >= 0) break;
    }
    double res = acos(w);
    if (ks__next_double(g) < 0.5) res = -res;
    res += mu;
    const bool neg = res < 0;
    double mod = fmod(fabs(res) + M_PI, 2 * M_PI) - M_PI;
    return neg ? -mod : mod;
}

static double chisquare(ks_generator *g, double df) { return 2.0 * ks__std_gamma(g, df / 2.0); }

static double standard_t(ks_generator *g, double df)
{
    const double num = std_normal(g), denom = ks__std_gamma(g, df / 2);
    return sqrt(df / 2) * num / sqrt(denom);
}

/* a search of the cdf for p >= 1/3, else an exponential's inversion (capped at INT64_MAX) */
static int64_t geometric(ks_generator *g, double p)
{
    if (p >= 0.333333333333333333333333) {
        int64_t x = 1;
        double sum = p, prod = p;
        const double q = 1.0 - p, u = ks__next_double(g);
        while (u > sum) {
            prod *= q;
            sum += prod;
            x++;
        }
        return x;
    }
    const double z = ceil(-std_exponential(g) / log1p(-p));
    return z >= 9.223372036854776e+18 ? INT64_MAX : (int64_t)z;
}

/* a Poisson draw of a gamma(n, (1 - p) / p) rate */
static int64_t negative_binomial(ks_generator *g, double n, double p)
{
    return poisson(g, (1 - p) / p * ks__std_gamma(g, n));
}

/* inversion of one uniform on the two sides of the mode */
static double triangular(ks_generator *g, double left, double mode, double right)
{
    const double base = right - left, leftbase = mode - left, ratio = leftbase / base;
    const double leftprod = leftbase * base, rightprod = (right - mode) * base;
    const double u = ks__next_double(g);
    return u <= ratio ? left + sqrt(u * leftprod) : right - sqrt((1.0 - u) * rightprod);
}

/* Devroye's rejection from a Pareto(a - 1) rounded down, the uniform drawn on (umin, 1] so that
 * nothing past INT64_MAX is proposed; past a 1025 every draw is 1 below 3e-309 */
static int64_t zipf(ks_generator *g, double a)
{
    if (a >= 1025) return 1;
    const double am1 = a - 1.0, b = pow(2.0, am1), umin = pow((double)INT64_MAX, -am1);
    for (;;) {
        const double u01 = ks__next_double(g), u = u01 * umin + (1 - u01);
        const double v = ks__next_double(g), x = floor(pow(u, -1.0 / am1));
        if (x > (double)INT64_MAX || x < 1.0) continue;
        const double t = pow(1.0 + 1.0 / x, am1);
        if (v * x * (t - 1.0) / (b - 1.0) <= t / b) return (int64_t)x;
    }
}

/* Kemp's second accelerated generator (LK) */
static int64_t logseries(ks_generator *g, double p)
{
    const double r = log1p(-p);
    for (;;) {
        const double v = ks__next_double(g);
        if (v >= p) return 1;
        const double q = -expm1(r * ks__next_double(g));
        if (v <= q * q) {
            const int64_t k = (int64_t)floor(1 + log(v) / log(q));
            if (k < 1 || v == 0.0) continue;
            return k;
        }
        return v >= q ? 1 : 2;
    }
}

/* a chi-square(df - 1) plus a squared shifted normal for df > 1, else a chi-square with a Poisson
 * number of extra degrees of freedom */
static double noncentral_chisquare(ks_generator *g, double df, double nonc)
{
    if (isnan(nonc)) return NAN;
    if (nonc == 0) return chisquare(g, df);
    if (1 < df) {
        const double chi2 = chisquare(g, df - 1), n = std_normal(g) + sqrt(nonc);
        return chi2 + n * n;
    }
    return chisquare(g, df + (double)(2 * poisson(g, nonc / 2.0)));
}

static double noncentral_f(ks_generator *g, double dfnum, double dfden, double nonc)
{
    const double t = noncentral_chisquare(g, dfnum, nonc) * dfden;
    return t / (chisquare(g, dfden) * dfnum);
}

/* ---- the array functions ---- */

int ks_generator_standard(ks_ctx *ctx, ks_generator *rng, ks_rng_dist dist, ks_dtype dtype,
                          bool inv, int ndim, const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    if (dist != KS_RNG_NORMAL && dist != KS_RNG_EXPONENTIAL && dist != KS_RNG_STANDARD_CAUCHY)
        return ks__fail(ctx, KS_EINVAL,
                        "standard: %s has no standard form here (normal, "
                        "exponential or standard_cauchy)",
                        ks_rng_dist_name(dist) ? ks_rng_dist_name(dist) : "?");
    if (dtype != KS_FLOAT64 && (dtype != KS_FLOAT32 || dist == KS_RNG_STANDARD_CAUCHY))
        return ks__fail(ctx, KS_ETYPE, "%s: dtype %s is not float32 or float64",
                        ks_rng_dist_name(dist), ks_dtype_name(dtype));
    if (inv && dist != KS_RNG_EXPONENTIAL)
        return ks__fail(ctx, KS_EINVAL, "%s: no method 'inv'", ks_rng_dist_name(dist));
    int rc = ks__array_new(ctx, dtype, ndim, shape, out);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = ks_array_size(out);
    if (dtype == KS_FLOAT64) {
        double *y = (double *)out->data;
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] = dist == KS_RNG_NORMAL            ? std_normal(rng)
                   : dist == KS_RNG_STANDARD_CAUCHY ? std_normal(rng) / std_normal(rng)
                   : inv                            ? -log1p(-ks__next_double(rng))
                                                    : std_exponential(rng);
    } else {
        float *y = (float *)out->data;
        for (ptrdiff_t i = 0; i < n; i++)
            y[i] = dist == KS_RNG_NORMAL ? std_normal_f(rng) /* inv: in float64, as NumPy */
                   : inv                 ? (float)-log1p(-(double)ks__next_float(rng))
                                         : std_exponential_f(rng);
    }
    return KS_OK;
}

/* Where a parameter's value for flat output index i is (its strides seen from the output's
 * shape). */
static const char *param_at(const ks_array *p, const ptrdiff_t *st, int ndim,
                            const ptrdiff_t *shape, ptrdiff_t i)
{
    const char *at = p->data;
    for (int d = ndim - 1; d >= 0; d--) {
        at += (i % shape[d]) * st[d];
        i /= shape[d];
    }
    return at;
}

/* NumPy's constraints on a parameter: none, not negative (NaN passes; "x < 0"), positive (NaN
 * fails; "x <= 0"), positive and not NaN, in (0, 1], in [0, 1), above 1, and the particular ones
 * of p, lam and counts (integers, not negative). */
enum { ANY, NONNEG, POS, POS_NOT_NAN, PROB, GT0_LE1, GE0_LT1, GT1, LAM, COUNT };

static const struct {
    int nparam;
    const char *name[3];
    unsigned char cons[3];
} dists[] = {
    [KS_RNG_NORMAL] = {2, {"loc", "scale"}, {ANY, NONNEG}},
    [KS_RNG_EXPONENTIAL] = {1, {"scale"}, {NONNEG}},
    [KS_RNG_GAMMA] = {2, {"shape", "scale"}, {NONNEG, NONNEG}},
    [KS_RNG_BETA] = {2, {"a", "b"}, {POS, POS}},
    [KS_RNG_POISSON] = {1, {"lam"}, {LAM}},
    [KS_RNG_BINOMIAL] = {2, {"n", "p"}, {COUNT, PROB}},
    [KS_RNG_LAPLACE] = {2, {"loc", "scale"}, {ANY, NONNEG}},
    [KS_RNG_LOGISTIC] = {2, {"loc", "scale"}, {ANY, NONNEG}},
    [KS_RNG_LOGNORMAL] = {2, {"mean", "sigma"}, {ANY, NONNEG}},
    [KS_RNG_GUMBEL] = {2, {"loc", "scale"}, {ANY, NONNEG}},
    [KS_RNG_WALD] = {2, {"mean", "scale"}, {POS, POS}},
    [KS_RNG_VONMISES] = {2, {"mu", "kappa"}, {ANY, NONNEG}},
    [KS_RNG_F] = {2, {"dfnum", "dfden"}, {POS, POS}},
    [KS_RNG_CHISQUARE] = {1, {"df"}, {POS}},
    [KS_RNG_STANDARD_T] = {1, {"df"}, {POS}},
    [KS_RNG_WEIBULL] = {1, {"a"}, {NONNEG}},
    [KS_RNG_PARETO] = {1, {"a"}, {POS}},
    [KS_RNG_POWER] = {1, {"a"}, {POS}},
    [KS_RNG_RAYLEIGH] = {1, {"scale"}, {NONNEG}},
    [KS_RNG_GEOMETRIC] = {1, {"p"}, {GT0_LE1}},
    [KS_RNG_STANDARD_CAUCHY] = {0, {NULL}, {ANY}},
    [KS_RNG_NEGATIVE_BINOMIAL] = {2, {"n", "p"}, {POS_NOT_NAN, GT0_LE1}},
    [KS_RNG_HYPERGEOMETRIC] = {3, {"ngood", "nbad", "nsample"}, {COUNT, COUNT, COUNT}},
    [KS_RNG_TRIANGULAR] = {3, {"left", "mode", "right"}, {ANY, ANY, ANY}},
    [KS_RNG_ZIPF] = {1, {"a"}, {GT1}},
    [KS_RNG_LOGSERIES] = {1, {"p"}, {GE0_LT1}},
    [KS_RNG_NONCENTRAL_CHISQUARE] = {2, {"df", "nonc"}, {POS, NONNEG}},
    [KS_RNG_NONCENTRAL_F] = {3, {"dfnum", "dfden", "nonc"}, {POS, POS, NONNEG}},
};

/* NumPy's checks of a parameter (its messages), over the whole array before any draw. */
static int check_params(ks_ctx *ctx, ks_rng_dist dist, const ks_array *p, int which)
{
    const char *name = dists[dist].name[which];
    const int cons = dists[dist].cons[which];
    const double lam_max = (double)INT64_MAX - sqrt((double)INT64_MAX) * 10;
    const ptrdiff_t n = cons == ANY ? 0 : ks_array_size(p);
    for (ptrdiff_t i = 0; i < n; i++) {
        if (cons == COUNT) { /* binomial's n, hypergeometric's counts */
            if (((const int64_t *)p->data)[i] < 0) return ks__fail(ctx, KS_EINVAL, "%s < 0", name);
            continue;
        }
        const double v = ((const double *)p->data)[i];
        if (cons == PROB && !(v >= 0.0 && v <= 1.0))
            return ks__fail(ctx, KS_EINVAL, "p < 0, p > 1 or p is NaN");
        if (cons == GT0_LE1 && !(v > 0.0 && v <= 1.0))
            return ks__fail(ctx, KS_EINVAL, "%s <= 0, %s > 1 or %s contains NaNs", name, name,
                            name);
        if (cons == GE0_LT1 && !(v >= 0.0 && v < 1.0))
            return ks__fail(ctx, KS_EINVAL, "%s < 0, %s >= 1 or %s is NaN", name, name, name);
        if (cons == GT1 && !(v > 1.0))
            return ks__fail(ctx, KS_EINVAL, "%s <= 1 or %s is NaN", name, name);
        if (cons == LAM && !(v >= 0.0)) return ks__fail(ctx, KS_EINVAL, "lam < 0 or lam is NaN");
        if (cons == LAM && !(v <= lam_max)) return ks__fail(ctx, KS_EINVAL, "lam value too large");
        if (cons == POS_NOT_NAN && isnan(v))
            return ks__fail(ctx, KS_EINVAL, "%s must not be NaN", name);
        if ((cons == POS || cons == POS_NOT_NAN) && !(v > 0.0))
            return ks__fail(ctx, KS_EINVAL, "%s <= 0", name);
        if (cons == NONNEG && signbit(v) && !isnan(v))
            return ks__fail(ctx, KS_EINVAL, "%s < 0", name);
    }
    return KS_OK;
}

/* The checks NumPy makes across the parameters of one draw (element i of each, broadcast), each
 * stage over the whole broadcast before the next as NumPy's: negative_binomial's bound on the
 * Poisson rate it can reach, triangular's order (three stages) and hypergeometric's population
 * (two). */
static int check_joint(ks_ctx *ctx, ks_rng_dist dist, int stage, const double *v, const int64_t *k)
{
    const double lam_max = (double)INT64_MAX - sqrt((double)INT64_MAX) * 10;
    if (dist == KS_RNG_NEGATIVE_BINOMIAL && (1 - v[1]) / v[1] * (v[0] + 10 * sqrt(v[0])) > lam_max)
        return ks__fail(ctx, KS_EINVAL,
                        "n too large or p too small, see Generator.negative_binomial Notes");
    if (dist == KS_RNG_TRIANGULAR) {
        if (stage == 0 && v[0] > v[1]) return ks__fail(ctx, KS_EINVAL, "left > mode");
        if (stage == 1 && v[1] > v[2]) return ks__fail(ctx, KS_EINVAL, "mode > right");
        if (stage == 2 && v[0] == v[2]) return ks__fail(ctx, KS_EINVAL, "left == right");
    }
    if (dist == KS_RNG_HYPERGEOMETRIC) {
        if (stage == 0 && (k[0] >= 1000000000 || k[1] >= 1000000000))
            return ks__fail(ctx, KS_EINVAL, "both ngood and nbad must be less than 1000000000");
        if (stage == 1 && (int64_t)((uint64_t)k[0] + (uint64_t)k[1]) < k[2]) /* NumPy's wrap */
            return ks__fail(ctx, KS_EINVAL, "ngood + nbad < nsample");
    }
    return KS_OK;
}

/* The parameters of output i: the float ones in v, the counts in k. */
static void params_at(ks_rng_dist dist, const ks_array *q, ptrdiff_t st[][KS_ARRAY_MAXDIMS],
                      int ndim, const ptrdiff_t *shape, ptrdiff_t i, double *v, int64_t *k)
{
    for (int j = 0; j < dists[dist].nparam; j++) {
        const char *at = param_at(&q[j], st[j], ndim, shape, i);
        if (dists[dist].cons[j] == COUNT)
            memcpy(&k[j], at, sizeof k[j]);
        else
            memcpy(&v[j], at, sizeof v[j]);
    }
}

/* One draw of dist with parameters a, b and c (binomial's n and hypergeometric's elsewhere). */
static double draw_one(ks_generator *g, ks_rng_dist dist, double a, double b, double c)
{
    switch (dist) {
    case KS_RNG_NORMAL: return a + b * std_normal(g);
    case KS_RNG_EXPONENTIAL: return a * std_exponential(g);
    case KS_RNG_GAMMA: return b * ks__std_gamma(g, a);
    case KS_RNG_BETA: return ks__beta(g, a, b);
    case KS_RNG_LAPLACE: return laplace(g, a, b);
    case KS_RNG_LOGISTIC: return logistic(g, a, b);
    case KS_RNG_LOGNORMAL: return exp(a + b * std_normal(g));
    case KS_RNG_GUMBEL: return gumbel(g, a, b);
    case KS_RNG_WALD: return wald(g, a, b);
    case KS_RNG_VONMISES: return vonmises(g, a, b);
    case KS_RNG_F: {
        const double num = chisquare(g, a) * b;
        return num / (chisquare(g, b) * a);
    }
    case KS_RNG_CHISQUARE: return chisquare(g, a);
    case KS_RNG_STANDARD_T: return standard_t(g, a);
    case KS_RNG_WEIBULL: return a == 0.0 ? 0.0 : pow(std_exponential(g), 1. / a);
    case KS_RNG_PARETO: return expm1(std_exponential(g) / a);
    case KS_RNG_POWER: return pow(-expm1(-std_exponential(g)), 1. / a);
    case KS_RNG_RAYLEIGH: return a * sqrt(2.0 * std_exponential(g));
    case KS_RNG_TRIANGULAR: return triangular(g, a, b, c);
    case KS_RNG_NONCENTRAL_CHISQUARE: return noncentral_chisquare(g, a, b);
    case KS_RNG_NONCENTRAL_F: return noncentral_f(g, a, b, c);
    default: return 0.0; /* the integer ones and the Cauchy are drawn elsewhere */
    }
}

/* One integer draw of dist: its float parameters in v, its integer ones in k. */
static int64_t draw_int(ks_generator *g, ks_rng_dist dist, const double *v, const int64_t *k)
{
    switch (dist) {
    case KS_RNG_POISSON: return poisson(g, v[0]);
    case KS_RNG_BINOMIAL: return binomial(g, k[0], v[1]);
    case KS_RNG_GEOMETRIC: return geometric(g, v[0]);
    case KS_RNG_NEGATIVE_BINOMIAL: return negative_binomial(g, v[0], v[1]);
    case KS_RNG_HYPERGEOMETRIC: return ks__hypergeometric(g, k[0], k[1], k[2]);
    case KS_RNG_ZIPF: return zipf(g, v[0]);
    case KS_RNG_LOGSERIES: return logseries(g, v[0]);
    default: return 0;
    }
}

int ks_generator_draw(ks_ctx *ctx, ks_generator *rng, ks_rng_dist dist, const ks_array *p0,
                      const ks_array *p1, const ks_array *p2, bool f32, int ndim,
                      const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    if (!ks_rng_dist_name(dist) || dist == KS_RNG_STANDARD_CAUCHY)
        return ks__fail(ctx, KS_EINVAL, "draw: distribution %d has no parameters", (int)dist);
    if (f32 && dist != KS_RNG_GAMMA)
        return ks__fail(ctx, KS_ETYPE, "%s: float32 draws only for gamma", ks_rng_dist_name(dist));
    const int np = dists[dist].nparam;
    const ks_array *given[3] = {p0, p1, p2};
    for (int j = 0; j < np; j++)
        if (!given[j])
            return ks__fail(ctx, KS_EINVAL, "%s: %d parameter(s) needed", ks_rng_dist_name(dist),
                            np);
    /* the parameters as C-contiguous float64 (counts as int64), checked whole first as NumPy
     * does before drawing */
    ks_array q[3];
    for (int j = 0; j < 3; j++) ks__array_clear(&q[j]);
    int rc = KS_OK;
    for (int j = 0; j < np && rc == KS_OK; j++) {
        const ks_dtype t = dists[dist].cons[j] == COUNT ? KS_INT64 : KS_FLOAT64;
        rc = ks_array_astype(ctx, given[j], t, KS_CASTING_SAME_KIND, &q[j]);
        if (rc == KS_OK && !ks_array_is_c_contiguous(&q[j])) {
            ks_array c;
            rc = ks_array_copy(ctx, &q[j], KS_ORDER_C, &c);
            ks_array_release(&q[j]);
            q[j] = c;
        }
    }
    /* binomial checks p before n, as NumPy; hypergeometric its joint bounds first; the others in
     * order */
    const bool joint = dist == KS_RNG_NEGATIVE_BINOMIAL || dist == KS_RNG_TRIANGULAR ||
                       dist == KS_RNG_HYPERGEOMETRIC;
    if (dist == KS_RNG_BINOMIAL)
        for (int j = 1; j >= 0 && rc == KS_OK; j--) rc = check_params(ctx, dist, &q[j], j);
    else if (dist != KS_RNG_HYPERGEOMETRIC)
        for (int j = 0; j < np && rc == KS_OK; j++) rc = check_params(ctx, dist, &q[j], j);
    int ond = ndim;
    ptrdiff_t oshape[KS_ARRAY_MAXDIMS], bshape[KS_ARRAY_MAXDIMS];
    int bnd = 0;
    if (rc == KS_OK) { /* the parameters' own broadcast shape (size None: the output's) */
        const ks_array *ps[3] = {&q[0], &q[1], &q[2]};
        rc = ks_array_broadcast_shape(ctx, np, ps, &bnd, bshape);
    }
    if (rc == KS_OK && ndim < 0) {
        ond = bnd;
        memcpy(oshape, bshape, (size_t)bnd * sizeof *bshape);
    } else if (rc == KS_OK) {
        memcpy(oshape, shape, (size_t)ndim * sizeof *shape);
    }
    ptrdiff_t st[3][KS_ARRAY_MAXDIMS];
    for (int j = 0; j < np && rc == KS_OK; j++)
        if (!ks__broadcast_strides(&q[j], ond, oshape, st[j])) {
            char s1[160], s2[160];
            rc = ks__fail(ctx, KS_EINVAL,
                          "%s: a parameter of shape %s does not broadcast to "
                          "the size %s",
                          ks_rng_dist_name(dist),
                          ks__shape_str(q[j].ndim, q[j].shape, s1, sizeof s1),
                          ks__shape_str(ond, oshape, s2, sizeof s2));
        }
    if (rc == KS_OK && joint) { /* over the parameters' broadcast, as NumPy checks them */
        ptrdiff_t bst[3][KS_ARRAY_MAXDIMS], nb = 1;
        for (int d = 0; d < bnd; d++) nb *= bshape[d];
        for (int j = 0; j < np; j++) (void)ks__broadcast_strides(&q[j], bnd, bshape, bst[j]);
        const int stages = dist == KS_RNG_TRIANGULAR ? 3 : dist == KS_RNG_HYPERGEOMETRIC ? 2 : 1;
        for (int stage = 0; stage < stages; stage++)
            for (ptrdiff_t i = 0; i < nb && rc == KS_OK; i++) {
                double v[3] = {0};
                int64_t k[3] = {0};
                params_at(dist, q, bst, bnd, bshape, i, v, k);
                rc = check_joint(ctx, dist, stage, v, k);
            }
    }
    if (dist == KS_RNG_HYPERGEOMETRIC)
        for (int j = 0; j < np && rc == KS_OK; j++) rc = check_params(ctx, dist, &q[j], j);
    const bool ints = dist == KS_RNG_POISSON || dist == KS_RNG_BINOMIAL ||
                      dist == KS_RNG_GEOMETRIC || dist == KS_RNG_NEGATIVE_BINOMIAL ||
                      dist == KS_RNG_HYPERGEOMETRIC || dist == KS_RNG_ZIPF ||
                      dist == KS_RNG_LOGSERIES;
    const ks_dtype odt = ints ? KS_INT64 : f32 ? KS_FLOAT32 : KS_FLOAT64;
    if (rc == KS_OK) rc = ks__array_new(ctx, odt, ond, oshape, out);
    if (rc == KS_OK) {
        /* in C order, the parameters stepped by an odometer over the output's index and read
           again only when one of them varies; the generator in a local copy that the stores
           cannot alias */
        ks_generator g = *rng;
        const ptrdiff_t n = ks_array_size(out);
        ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
        bool varying = false;
        for (int j = 0; j < np; j++)
            for (int d = 0; d < ond; d++) varying |= st[j][d] != 0;
        double v[3] = {0};
        int64_t k[3] = {0};
        if (n > 0) params_at(dist, q, st, ond, oshape, 0, v, k);
        const char *at[3] = {q[0].data, q[1].data, q[2].data};
        for (ptrdiff_t i = 0; i < n; i++) {
            if (ints)
                ((int64_t *)(void *)out->data)[i] = draw_int(&g, dist, v, k);
            else if (f32) /* NumPy's float32 gamma: the shape and scale in float32 */
                ((float *)(void *)out->data)[i] = (float)v[1] * std_gamma_f(&g, (float)v[0]);
            else
                ((double *)(void *)out->data)[i] = draw_one(&g, dist, v[0], v[1], v[2]);
            if (!varying) continue;
            for (int d = ond - 1; d >= 0; d--) {
                for (int j = 0; j < np; j++) at[j] += st[j][d];
                if (++idx[d] < oshape[d]) break;
                for (int j = 0; j < np; j++) at[j] -= st[j][d] * oshape[d];
                idx[d] = 0;
            }
            for (int j = 0; j < np; j++)
                if (dists[dist].cons[j] == COUNT)
                    memcpy(&k[j], at[j], sizeof k[j]);
                else
                    memcpy(&v[j], at[j], sizeof v[j]);
        }
        *rng = g;
    }
    for (int j = 0; j < 3; j++) ks_array_release(&q[j]);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}

/* NumPy's choice without replacement and without p: k distinct indices of [0, pop) by Floyd's
 * method over an open-addressed set (then shuffled when asked), or for a large sample of a large
 * population the last k of a partial Fisher-Yates shuffle of 0..pop-1. */
int ks_generator_sample(ks_ctx *ctx, ks_generator *rng, int64_t pop, int64_t k, bool shuffle,
                        ks_array *out)
{
    ks__array_clear(out);
    if (pop < 0 || k < 0) return ks__fail(ctx, KS_EINVAL, "negative dimensions are not allowed");
    if (k > pop)
        return ks__fail(ctx, KS_EINVAL,
                        "Cannot take a larger sample than population when replace is False");
    const ptrdiff_t nk = (ptrdiff_t)k;
    if (pop > 10000 && k > pop / (shuffle ? 50 : 20)) {
        const ptrdiff_t np = (ptrdiff_t)pop;
        ks_array all;
        int rc = ks__array_new(ctx, KS_INT64, 1, &np, &all);
        if (rc != KS_OK) return rc;
        int64_t *a = (int64_t *)all.data;
        for (int64_t i = 0; i < pop; i++) a[i] = i;
        const int64_t first = pop - k > 1 ? pop - k : 1;
        for (int64_t i = pop - 1; i >= first; i--) {
            const int64_t j = (int64_t)ks__bounded64(rng, (uint64_t)i), t = a[i];
            a[i] = a[j], a[j] = t;
        }
        rc = ks__array_new(ctx, KS_INT64, 1, &nk, out);
        if (rc == KS_OK) memcpy(out->data, a + (pop - k), (size_t)k * sizeof *a);
        ks_array_release(&all);
        return rc;
    }
    int rc = ks__array_new(ctx, KS_INT64, 1, &nk, out);
    if (rc != KS_OK) return rc;
    int64_t *idx = (int64_t *)out->data;
    uint64_t mask = (uint64_t)(1.2 * (double)k);
    for (int s = 1; s < 64; s *= 2) mask |= mask >> s;
    uint64_t *set = ks__malloc(ctx, (size_t)(mask + 1) * sizeof *set);
    if (!set) {
        ks_array_release(out);
        return ks_errcode(ctx);
    }
    memset(set, 0xff, (size_t)(mask + 1) * sizeof *set);
    for (int64_t j = pop - k; j < pop; j++) {
        const uint64_t val = ks__bounded64(rng, (uint64_t)j);
        uint64_t loc = val & mask;
        while (set[loc] != UINT64_MAX && set[loc] != val) loc = (loc + 1) & mask;
        if (set[loc] == UINT64_MAX) { /* val is new */
            set[loc] = val;
            idx[j - pop + k] = (int64_t)val;
        } else { /* val was taken: j is not yet, and goes in instead */
            loc = (uint64_t)j & mask;
            while (set[loc] != UINT64_MAX) loc = (loc + 1) & mask;
            set[loc] = (uint64_t)j;
            idx[j - pop + k] = j;
        }
    }
    ks__release(&ctx->alloc, set);
    if (shuffle)
        for (int64_t i = k - 1; i >= 1; i--) {
            const int64_t j = (int64_t)ks__bounded64(rng, (uint64_t)i), t = idx[i];
            idx[i] = idx[j], idx[j] = t;
        }
    return KS_OK;
}
