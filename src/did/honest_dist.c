/* honest_dist.c — the two quantiles HonestDiD's intervals rest on. */
#include <math.h>

#include "honest_internal.h"
#include "kestrel/linalg.h"

/* P(|Z + mu| > x) = Phi(mu - x) + Phi(-mu - x), decreasing in x; Newton from the right end of
 * the bracket [0, mu + z_{1-alpha/2}] (convex there, so the iterates decrease monotonically),
 * falling back on bisection should a step leave the bracket. */
double ks__qfoldnorm(double alpha, double mu)
{
    mu = fabs(mu);
    double lo = 0.0, hi = mu + ks_normal_quantile(1.0 - alpha / 2.0), x = hi;
    for (int it = 0; it < 200; it++) {
        const double g = ks_normal_cdf(mu - x) + ks_normal_cdf(-mu - x) - alpha;
        if (g > 0)
            lo = x;
        else
            hi = x;
        const double dg = -(exp(-0.5 * (mu - x) * (mu - x)) + exp(-0.5 * (mu + x) * (mu + x))) *
                          0.3989422804014327;
        double nx = x - g / dg;
        if (!(nx > lo && nx < hi)) nx = 0.5 * (lo + hi);
        if (fabs(nx - x) <= 1e-15 * fmax(1.0, x)) return nx;
        x = nx;
    }
    return x;
}

/* By symmetry work in the upper tail when the interval lies right of 0, so that the mass
 * Phi(hi) - Phi(lo) is taken from the small complementary tails, never as 1 - 1. */
double ks__qtruncnorm(double p, double lo, double hi)
{
    if (lo > 0) return -ks__qtruncnorm(1.0 - p, -hi, -lo);
    const double Flo = ks_normal_cdf(lo), Fhi = ks_normal_cdf(hi), mass = Fhi - Flo;
    /* above the median the upper tail Phi(-q) = (1 - p) mass + Phi(-hi) keeps the digits */
    const double q = p > 0.5 ? -ks_normal_quantile((1.0 - p) * mass + ks_normal_cdf(-hi))
                             : ks_normal_quantile(Flo + p * mass);
    return fmin(fmax(q, lo), hi);
}
