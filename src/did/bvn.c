/* bvn.c — the bivariate normal upper orthant P(X > h, Y > k), corr(X, Y) = r, to ~1e-15.
 *
 * Drezner & Wesolowsky (1990) as refined by Genz (2004, Stat. Comput.), written from the
 * integrals: P = Phi(-h) Phi(-k) + (1 / 2 pi) int_0^{asin r} f(theta) dtheta with
 * f = exp(-(h^2 + k^2 - 2 h k sin theta) / (2 cos^2 theta)) (Gauss-Legendre, 20 points) while
 * |r| < 0.925. Nearer |r| = 1 that integrand peaks at the end, so for r > 0 the complement
 * P = Phi(-max(h, k)) - (1 / 2 pi) int_0^a g(x) dx, a = sqrt(1 - r^2), x = cos theta, with
 * g = exp(-(h - k)^2 / (2 x^2) - h k / 2) e(x), e(x) = exp(-h k (1 - s) / (2 (1 + s))) / s,
 * s = sqrt(1 - x^2); e's Taylor polynomial 1 + c x^2 + c d x^4 is integrated in closed form
 * (by parts) and only the O(x^6) rest by quadrature. r < 0 reflects Y. */
#include <math.h>

#include "did/mvn_internal.h"
#include "kestrel/linalg.h"

/* the positive half of the 20-point Gauss-Legendre rule on [-1, 1] */
static const double gl_x[10] = {0.076526521133497338, 0.22778585114164507, 0.37370608871541955,
                                0.51086700195082713,  0.63605368072651502, 0.7463319064601508,
                                0.83911697182221878,  0.91223442825132595, 0.96397192727791381,
                                0.993128599185095};
static const double gl_w[10] = {0.15275338713072628,  0.14917298647260424, 0.1420961093183824,
                                0.13168863844917689,  0.11819453196151861, 0.10193011981724071,
                                0.083276741576704713, 0.06267204833410879, 0.040601429800386446,
                                0.017614007139150893};

static double Phi(double x) { return ks_normal_cdf(x); }

/* |r| < 0.925 */
static double upper_moderate(double h, double k, double r)
{
    const double t = asin(r), hs = 0.5 * (h * h + k * k), hk = h * k;
    double sum = 0.0;
    for (int i = 0; i < 10; i++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            const double sn = sin(0.5 * t * (1.0 + sgn * gl_x[i]));
            sum += gl_w[i] * exp((sn * hk - hs) / (1.0 - sn * sn));
        }
    return Phi(-h) * Phi(-k) + sum * t / (4.0 * M_PI);
}

/* 0.925 <= r <= 1 */
static double upper_near_one(double h, double k, double r)
{
    const double top = Phi(-fmax(h, k));
    const double a2 = (1.0 - r) * (1.0 + r), a = sqrt(a2);
    if (a == 0) return top;
    const double hk = h * k, bs = (h - k) * (h - k), b = sqrt(bs);
    const double c = (4.0 - hk) / 8.0, cd = c * (12.0 - hk) / 16.0;
    /* I_n = int_0^a x^n exp(-(b^2 / x^2 + h k) / 2) dx: (n + 1) I_n = a^{n+1} E - b^2 I_{n-2} */
    const double E = exp(-0.5 * (bs / a2 + hk));
    double i0 = a * E;
    if (-hk < 200) i0 -= b * sqrt(2.0 * M_PI) * exp(-0.5 * hk) * Phi(-b / a);
    const double i2 = (a2 * a * E - bs * i0) / 3.0, i4 = (a2 * a2 * a * E - bs * i2) / 5.0;
    double rest = 0.0;
    for (int i = 0; i < 10; i++)
        for (int sgn = -1; sgn <= 1; sgn += 2) {
            const double x = 0.5 * a * (1.0 + sgn * gl_x[i]), xs = x * x;
            const double ex = -0.5 * (bs / xs + hk);
            if (ex < -700) continue;
            const double s = sqrt(1.0 - xs);
            const double e = exp(-hk * (1.0 - s) / (2.0 * (1.0 + s))) / s;
            rest += gl_w[i] * exp(ex) * (e - (1.0 + c * xs + cd * xs * xs));
        }
    const double q = (i0 + c * i2 + cd * i4 + 0.5 * a * rest) / (2.0 * M_PI);
    return fmax(top - q, 0.0);
}

double ks__bvn_upper(double h, double k, double r)
{
    if (r >= 0.925) return upper_near_one(h, k, r);
    if (r <= -0.925) return fmax(Phi(-h) - upper_near_one(h, -k, -r), 0.0);
    return upper_moderate(h, k, r);
}
