/* dist.c — normal and Student t distribution functions for p-values and confidence intervals.
 * t CDF: P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2), the regularized incomplete beta function by
 * its continued fraction (evaluated with the modified Lentz method; see Press et al.,
 * "Numerical Recipes", 3rd ed., sec. 6.4 for the expansion). */
#include <float.h>
#include <math.h>

#include "kestrel/linalg.h"

double ks_normal_cdf(double z) { return 0.5 * erfc(-z / sqrt(2.0)); }

/* Continued fraction for I_x(a, b), valid for x < (a + 1) / (a + b + 2). */
static double betacf(double a, double b, double x)
{
    const double tiny = 1e-300;
    double c = 1.0, d = 1.0 - (a + b) * x / (a + 1.0);
    if (fabs(d) < tiny) d = tiny;
    d = 1.0 / d;
    double h = d;
    for (int m = 1; m <= 10000; m++) {
        const double m2 = 2.0 * m;
        double aa = m * (b - m) * x / ((a + m2 - 1.0) * (a + m2));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        h *= d * c;
        aa = -(a + m) * (a + b + m) * x / ((a + m2) * (a + m2 + 1.0));
        d = 1.0 + aa * d;
        if (fabs(d) < tiny) d = tiny;
        c = 1.0 + aa / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return h;
}

static double inc_beta(double a, double b, double x)
{
    if (x <= 0.0) return 0.0;
    if (x >= 1.0) return 1.0;
    const double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1.0) / (a + b + 2.0)) return exp(lbt) * betacf(a, b, x) / a;
    return 1.0 - exp(lbt) * betacf(b, a, 1.0 - x) / b;
}

double ks_t_cdf(double t, double df)
{
    if (isnan(t) || isnan(df) || df <= 0) return NAN;
    if (isinf(df)) return ks_normal_cdf(t);
    if (isinf(t)) return t > 0 ? 1.0 : 0.0;
    const double tail = 0.5 * inc_beta(0.5 * df, 0.5, df / (df + t * t)); /* P(T > |t|) */
    return t > 0 ? 1.0 - tail : tail;
}

/* Acklam-style rational start refined by Newton steps on erfc. */
double ks_normal_quantile(double p)
{
    if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
    double x = 0.0;
    /* Bisection bracket then Newton: robust and exact to rounding for our uses. */
    double lo = -40.0, hi = 40.0;
    for (int i = 0; i < 200; i++) {
        const double f = ks_normal_cdf(x) - p;
        if (f < 0)
            lo = x;
        else
            hi = x;
        const double dens = exp(-0.5 * x * x) / sqrt(2.0 * M_PI);
        double nx = dens > 0 ? x - f / dens : 0.5 * (lo + hi);
        if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-15 * fmax(1.0, fabs(x))) return nx;
        x = nx;
    }
    return x;
}

double ks_t_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || df <= 0) return NAN;
    if (isinf(df)) return ks_normal_quantile(p);
    if (p <= 0.0) return -INFINITY;
    if (p >= 1.0) return INFINITY;
    double x = ks_normal_quantile(p), lo = -1e300, hi = 1e300;
    const double lc = lgamma(0.5 * (df + 1)) - lgamma(0.5 * df) - 0.5 * log(df * M_PI);
    for (int i = 0; i < 500; i++) {
        const double f = ks_t_cdf(x, df) - p;
        if (f < 0)
            lo = x;
        else
            hi = x;
        const double dens = exp(lc - 0.5 * (df + 1) * log1p(x * x / df));
        double nx = x - f / dens;
        if (!(nx > lo && nx < hi) || !isfinite(nx))
            nx = (isfinite(lo) && lo > -1e300 && hi < 1e300) ? 0.5 * (lo + hi) : x * 2.0;
        if (fabs(nx - x) <= 1e-14 * fmax(1.0, fabs(x))) return nx;
        x = nx;
    }
    return x;
}

/* Regularized upper incomplete gamma Q(a, x): the series for P below x = a + 1, else the
 * continued fraction for Q (Lentz's method). */
static double gamma_q(double a, double x)
{
    if (x <= 0.0) return 1.0;
    const double lead = a * log(x) - x - lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 10000; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * 1e-17) break;
        }
        return 1.0 - sum * exp(lead);
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 10000; i++) {
        const double an = -i * (i - a);
        b += 2.0;
        d = an * d + b;
        if (fabs(d) < tiny) d = tiny;
        c = b + an / c;
        if (fabs(c) < tiny) c = tiny;
        d = 1.0 / d;
        const double del = d * c;
        h *= del;
        if (fabs(del - 1.0) < 1e-16) break;
    }
    return exp(lead) * h;
}

double ks_chi2_sf(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0) return NAN;
    return gamma_q(0.5 * df, 0.5 * x);
}
