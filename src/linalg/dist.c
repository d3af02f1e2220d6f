/* dist.c — normal, Student t, F and (noncentral) chi-square distribution functions for p-values and
 * confidence intervals, and Brent's root finder that R's uniroot() is.
 * t CDF: P(|T| > t) = I_{df/(df+t^2)}(df/2, 1/2), the regularized incomplete beta function by
 * its continued fraction (evaluated with the modified Lentz method; see Press et al.,
 * "Numerical Recipes", 3rd ed., sec. 6.4 for the expansion). */
#include <float.h>
#include <math.h>

#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

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

double ks_f_sf(double x, double df1, double df2)
{
    if (isnan(x) || !(df1 > 0) || !(df2 > 0)) return NAN;
    if (x <= 0) return 1.0;
    if (isinf(x)) return 0.0;
    return inc_beta(0.5 * df2, 0.5 * df1, df2 / (df2 + df1 * x)); /* P(F > x) */
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

/* The regularized incomplete gamma functions P(a, x) (lower) and Q(a, x) = 1 - P: the series
 * for P below x = a + 1, else the continued fraction for Q (Lentz's method); the one computed is
 * accurate in relative terms, the other is 1 minus it. */
static double gamma_reg(double a, double x, int upper)
{
    if (x <= 0.0) return upper ? 1.0 : 0.0;
    if (isinf(x)) return upper ? 0.0 : 1.0;
    const double lead = a * log(x) - x - lgamma(a);
    if (x < a + 1.0) {
        double term = 1.0 / a, sum = term;
        for (int n = 1; n < 100000; n++) {
            term *= x / (a + n);
            sum += term;
            if (fabs(term) < fabs(sum) * 1e-17) break;
        }
        const double p = sum * exp(lead);
        return upper ? 1.0 - p : p;
    }
    const double tiny = 1e-300;
    double b = x + 1.0 - a, c = 1.0 / tiny, d = 1.0 / b, h = d;
    for (int i = 1; i < 100000; i++) {
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
    const double q = exp(lead) * h;
    return upper ? q : 1.0 - q;
}

double ks_chi2_sf(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0) return NAN;
    return gamma_reg(0.5 * df, 0.5 * x, 1);
}

double ks_chi2_cdf(double x, double df)
{
    if (isnan(x) || isnan(df) || df <= 0) return NAN;
    return gamma_reg(0.5 * df, 0.5 * x, 0);
}

/* Newton's method on the tail that keeps precision (the lower below p = 1/2), inside a bracket
 * that each step narrows, from the Wilson-Hilferty approximation. */
double ks_chi2_quantile(double p, double df)
{
    if (isnan(p) || isnan(df) || df <= 0 || p < 0 || p > 1) return NAN;
    if (p == 0) return 0.0;
    if (p == 1) return INFINITY;
    const int upper = p > 0.5;
    const double target = upper ? 1.0 - p : p, a = 0.5 * df;
    const double z = ks_normal_quantile(p), h = 2.0 / (9.0 * df);
    double x = df * pow(fmax(1.0 - h + z * sqrt(h), 0.01), 3.0), lo = 0.0, hi = INFINITY;
    for (int i = 0; i < 200; i++) {
        const double f = gamma_reg(a, 0.5 * x, upper) - target;
        /* the lower tail rises with x, the upper falls */
        if ((f < 0) != upper)
            lo = x;
        else
            hi = x;
        const double dens = exp((a - 1.0) * log(0.5 * x) - 0.5 * x - lgamma(a)) * 0.5;
        double nx = x - (upper ? -f : f) / dens;
        if (!(nx > lo && nx < hi)) nx = isinf(hi) ? 2.0 * x : 0.5 * (lo + hi);
        if (fabs(nx - x) <= 4.0 * DBL_EPSILON * x) return nx;
        x = nx;
    }
    return x;
}

/* The Poisson(ncp / 2) mixture of central chi-squares with df + 2j degrees of freedom, summed from
 * the Poisson mode outwards until the terms left cannot change the sum. */
double ks_nchi2_cdf(double x, double df, double ncp)
{
    if (isnan(x) || isnan(df) || isnan(ncp) || df <= 0 || ncp < 0) return NAN;
    if (x <= 0) return 0.0;
    if (isinf(x)) return 1.0;
    if (ncp == 0) return ks_chi2_cdf(x, df);
    const double mu = 0.5 * ncp, y = 0.5 * x, a = 0.5 * df;
    const double mode = floor(mu);
    const double w0 = exp(-mu + mode * log(mu) - lgamma(mode + 1.0));
    double sum = w0 * gamma_reg(a + mode, y, 0);
    /* upwards: the weights fall by mu / (j + 1) and the central CDFs fall with j */
    double w = w0;
    for (double j = mode + 1.0; j < mode + 1e7; j += 1.0) {
        w *= mu / j;
        const double t = w * gamma_reg(a + j, y, 0);
        sum += t;
        const double r = mu / (j + 1.0);
        if (t <= 1e-17 * sum * (1.0 - r) || w == 0.0) break;
    }
    /* downwards: the weights fall by j / mu, the central CDFs (at most 1) rise */
    w = w0;
    for (double j = mode; j >= 1.0; j -= 1.0) {
        w *= j / mu;
        sum += w * gamma_reg(a + j - 1.0, y, 0);
        const double r = (j - 1.0) / mu;
        if (r < 0.9 && w <= 1e-17 * sum * (1.0 - r)) break;
    }
    return fmin(sum, 1.0);
}

/* AS 241's rational functions (Wichura 1988, Applied Statistics 37, 477-484): the central
 * region |p - 1/2| <= 0.425, and the tails by r = sqrt(-log p) below and above 5. */
static double poly(const double *c, int n, double x)
{
    double v = c[n - 1];
    for (int i = n - 2; i >= 0; i--) v = v * x + c[i];
    return v;
}

static const double A[8] = {3.3871328727963666080e0,  1.3314166789178437745e+2,
                            1.9715909503065514427e+3, 1.3731693765509461125e+4,
                            4.5921953931549871457e+4, 6.7265770927008700853e+4,
                            3.3430575583588128105e+4, 2.5090809287301226727e+3};
static const double B[8] = {1.0,
                            4.2313330701600911252e+1,
                            6.8718700749205790830e+2,
                            5.3941960214247511077e+3,
                            2.1213794301586595867e+4,
                            3.9307895800092710610e+4,
                            2.8729085735721942674e+4,
                            5.2264952788528545610e+3};
static const double C[8] = {1.42343711074968357734e0,  4.63033784615654529590e0,
                            5.76949722146069140550e0,  3.64784832476320460504e0,
                            1.27045825245236838258e0,  2.41780725177450611770e-1,
                            2.27238449892691845833e-2, 7.74545014278341407640e-4};
static const double D[8] = {1.0,
                            2.05319162663775882187e0,
                            1.67638483018380384940e0,
                            6.89767334985100004550e-1,
                            1.48103976427480074590e-1,
                            1.51986665636164571966e-2,
                            5.47593808499534494600e-4,
                            1.05075007164441684324e-9};
static const double E[8] = {6.65790464350110377720e0,  5.46378491116411436990e0,
                            1.78482653991729133580e0,  2.96560571828504891230e-1,
                            2.65321895265761230930e-2, 1.24266094738807843860e-3,
                            2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double F[8] = {1.0,
                            5.99832206555887937690e-1,
                            1.36929880922735805310e-1,
                            1.48753612908506148525e-2,
                            7.86869131145613259100e-4,
                            1.84631831751005468180e-5,
                            1.42151175831644588870e-7,
                            2.04426310338993978564e-15};

double ks__z_from_p(double P, double logP)
{
    if (isnan(logP)) {
        if (!(P >= 0.0 && P <= 1.0)) return NAN;
        if (P == 0.0) return INFINITY;
        logP = log(P);
    }
    if (logP == -INFINITY) return INFINITY;
    /* the upper tail p = P / 2 <= 1/2, so z = -Phi^-1(p) >= 0 */
    const double q = isnan(P) || P < 1e-300 ? 0.5 : 0.5 - 0.5 * P; /* 1/2 - p, exact */
    if (q <= 0.425) {
        const double r = 0.180625 - q * q;
        return q * poly(A, 8, r) / poly(B, 8, r);
    }
    double r = sqrt(-(logP - M_LN2));
    if (r <= 5.0) {
        r -= 1.6;
        return poly(C, 8, r) / poly(D, 8, r);
    }
    r -= 5.0;
    return poly(E, 8, r) / poly(F, 8, r);
}

/* Wichura's AS 241 (PPND16), the algorithm of R's qnorm: the same bits as R. */
double ks_normal_quantile(double p)
{
    if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
    const double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        const double r = 0.180625 - q * q;
        return q * poly(A, 8, r) / poly(B, 8, r);
    }
    double r = sqrt(-log(q < 0 ? p : 1.0 - p)), v;
    if (r <= 5.0) {
        r -= 1.6;
        v = poly(C, 8, r) / poly(D, 8, r);
    } else {
        r -= 5.0;
        v = poly(E, 8, r) / poly(F, 8, r);
    }
    return q < 0 ? -v : v;
}

/* Brent's method (R. P. Brent, "Algorithms for Minimization without Derivatives", 1973, ch. 4),
 * step for step as R's uniroot() takes it (its zeroin): inverse quadratic or secant steps kept
 * inside the bracket, else bisection; a step is at least tol_act = 2 eps |b| + tol / 2. */
double ks__zeroin(double (*f)(double, void *), void *ud, double lo, double hi, double flo,
                  double fhi, double tol, int maxit)
{
    double a = lo, b = hi, fa = flo, fb = fhi, c = a, fc = fa;
    if (isnan(fa) || isnan(fb) || (fa > 0) == (fb > 0)) {
        if (fa == 0) return a;
        if (fb == 0) return b;
        return NAN;
    }
    if (fa == 0) return a;
    if (fb == 0) return b;
    for (int it = 0; it <= maxit; it++) {
        const double prev_step = b - a;
        if (fabs(fc) < fabs(fb)) { /* b: the best guess so far */
            a = b;
            b = c;
            c = a;
            fa = fb;
            fb = fc;
            fc = fa;
        }
        const double tol_act = 2.0 * DBL_EPSILON * fabs(b) + 0.5 * tol;
        double new_step = 0.5 * (c - b);
        if (fabs(new_step) <= tol_act || fb == 0) return b;
        if (fabs(prev_step) >= tol_act && fabs(fa) > fabs(fb)) {
            double p, q;
            const double cb = c - b;
            if (a == c) { /* two points: the secant */
                const double t1 = fb / fa;
                p = cb * t1;
                q = 1.0 - t1;
            } else { /* three: inverse quadratic interpolation */
                const double qa = fa / fc, t1 = fb / fc, t2 = fb / fa;
                p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0));
                q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0);
            }
            if (p > 0)
                q = -q;
            else
                p = -p;
            if (p < (0.75 * cb * q - 0.5 * fabs(tol_act * q)) && p < fabs(0.5 * prev_step * q))
                new_step = p / q;
        }
        if (fabs(new_step) < tol_act) new_step = new_step > 0 ? tol_act : -tol_act;
        a = b;
        fa = fb;
        b += new_step;
        fb = f(b, ud);
        if ((fb > 0 && fc > 0) || (fb < 0 && fc < 0)) {
            c = a;
            fc = fa;
        }
    }
    return b;
}
