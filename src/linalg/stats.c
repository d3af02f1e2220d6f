/* stats.c — mean, standard deviation and lag-1 autocorrelation with double-double sums, so the
 * result is as exact as the binary64 data allow (NIST StRD univariate sets); and the upstreams'
 * own conventions where parity needs them: R's median, pandas' and NumPy's quantiles, NumPy's
 * pairwise sums. */
#include "base/base_internal.h"
#include "kestrel/linalg.h"
#include "linalg/dd.h"
#include "linalg/linalg_internal.h"

static ks_dd dd_mean(const double *x, size_t n)
{
    ks_dd s = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) ks__dd_add(&s, x[i]);
    /* Divide the double-double sum by n: hi/n, then the remainder. */
    double q1 = s.hi / (double)n, e;
    double p = ks__two_prod(q1, (double)n, &e);
    double q2 = ((s.hi - p) - e + s.lo) / (double)n;
    ks_dd m;
    m.hi = ks__two_sum(q1, q2, &m.lo);
    return m;
}

/* x_i - m as a double-double. */
static ks_dd dev(double x, ks_dd m)
{
    ks_dd d;
    double e, s = ks__two_sum(x, -m.hi, &e);
    e -= m.lo;
    d.hi = ks__two_sum(s, e, &d.lo);
    return d;
}

/* acc += a * b for double-doubles (the lo*lo term is below the precision kept). */
static void dd_mul_add(ks_dd *acc, ks_dd a, ks_dd b)
{
    ks__dd_fma(acc, a.hi, b.hi);
    ks__dd_add(acc, a.hi * b.lo + a.lo * b.hi);
}

double ks_mean(const double *x, size_t n) { return n ? ks__dd_value(dd_mean(x, n)) : NAN; }

double ks_sd(const double *x, size_t n)
{
    if (n < 2) return NAN;
    ks_dd m = dd_mean(x, n), ss = {0.0, 0.0};
    for (size_t i = 0; i < n; i++) {
        ks_dd d = dev(x[i], m);
        dd_mul_add(&ss, d, d);
    }
    return sqrt(ks__dd_value(ss) / (double)(n - 1));
}

double ks_autocorr1(const double *x, size_t n)
{
    if (n < 2) return NAN;
    ks_dd m = dd_mean(x, n), num = {0.0, 0.0}, den = {0.0, 0.0};
    ks_dd prev = dev(x[0], m);
    dd_mul_add(&den, prev, prev);
    for (size_t i = 1; i < n; i++) {
        ks_dd d = dev(x[i], m);
        dd_mul_add(&den, d, d);
        dd_mul_add(&num, d, prev);
        prev = d;
    }
    return ks__dd_value(num) / ks__dd_value(den);
}

/* The k-th smallest of x[0..n) (0-based), partially reordering x (Hoare's selection with a
 * median-of-three pivot): after it, x[k] holds the value and x[k+1..n) none smaller. */
double ks_select_kth(double *x, size_t n, size_t k)
{
    size_t lo = 0, hi = n - 1;
    while (hi > lo) {
        const size_t mid = lo + (hi - lo) / 2;
        double a = x[lo], b = x[mid], c = x[hi];
        const double pivot = a < b ? (b < c ? b : (a < c ? c : a)) : (a < c ? a : (b < c ? c : b));
        size_t i = lo, j = hi;
        while (i <= j) {
            while (x[i] < pivot) i++;
            while (x[j] > pivot) j--;
            if (i <= j) {
                const double t = x[i];
                x[i] = x[j];
                x[j] = t;
                i++;
                if (j == 0) break;
                j--;
            }
        }
        if (k <= j)
            hi = j;
        else if (k >= i)
            lo = i;
        else
            break;
    }
    return x[k];
}

double ks__median(double *v, size_t n)
{
    if (n == 0) return NAN;
    const double hi = ks_select_kth(v, n, n / 2);
    if (n % 2) return hi;
    double lo = v[0]; /* v[0..n/2) holds the n/2 smallest */
    for (size_t i = 1; i < n / 2; i++) lo = v[i] > lo ? v[i] : lo;
    return (double)(((long double)lo + hi) / 2);
}

double ks__quantile_linear(double *v, size_t n, double q)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i])) v[m++] = v[i];
    if (!m) return NAN;
    const double idx = q * (double)(m - 1), below = floor(idx), w = idx - below;
    const size_t lo = (size_t)below, hi = lo + 1 < m ? lo + 1 : m - 1;
    const double a = ks_select_kth(v, m, lo);
    double b = a;
    if (hi > lo) { /* the smallest above v[lo] */
        b = v[lo + 1];
        for (size_t i = lo + 2; i < m; i++) b = v[i] < b ? v[i] : b;
    }
    return a * (1.0 - w) + b * w;
}

size_t ks__first_nonfinite(const double *x, size_t n)
{
    double acc[8] = {0.0}; /* x * 0 is NaN exactly for an infinite or NaN x */
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) acc[l] += x[i + l] * 0.0;
    double all = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
    for (; i < n; i++) all += x[i] * 0.0;
    if (all == 0.0) return n;
    for (i = 0; i < n && isfinite(x[i]); i++) {
    }
    return i;
}

double ks__sum_ld(const double *x, size_t n)
{
    long double s = 0.0L;
    for (size_t i = 0; i < n; i++) s += x[i];
    return (double)s;
}

/* NumPy's summation order, mean / std and percentile (linalg_internal.h): did's placebo
 * summaries were computed with NumPy before they moved into C, and their numbers must not
 * change. */
double ks__sum_pairwise(const double *a, size_t n)
{
    if (n < 8) {
        double r = 0.0;
        for (size_t i = 0; i < n; i++) r += a[i];
        return r;
    }
    if (n <= 128) {
        double r[8];
        size_t i;
        for (int j = 0; j < 8; j++) r[j] = a[j];
        for (i = 8; i < n - n % 8; i += 8)
            for (int j = 0; j < 8; j++) r[j] += a[i + j];
        double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        for (; i < n; i++) res += a[i];
        return res;
    }
    size_t h = n / 2;
    h -= h % 8;
    return ks__sum_pairwise(a, h) + ks__sum_pairwise(a + h, n - h);
}

/* The mean and the standard deviation (n - 1 denominator; NaN below 2 values) of a[0..n), as
 * np.mean and np.std(ddof=1). tmp: n doubles. */
void ks__mean_sd_numpy(const double *a, size_t n, double *tmp, double *mean, double *sd)
{
    const double m = ks__sum_pairwise(a, n) / (double)n;
    for (size_t i = 0; i < n; i++) {
        const double x = a[i] - m;
        tmp[i] = x * x;
    }
    *mean = m;
    *sd = n > 1 ? sqrt(ks__sum_pairwise(tmp, n) / (double)(n - 1)) : NAN;
}

/* np.percentile(a, pct) ('linear') of the n > 0 sorted values. */
double ks__percentile_sorted(const double *sorted, size_t n, double pct)
{
    const double vi = (double)(n - 1) * (pct / 100.0);
    if (vi >= (double)(n - 1)) return sorted[n - 1];
    const double lo = floor(vi), g = vi - lo;
    const double a = sorted[(size_t)lo], b = sorted[(size_t)lo + 1], d = b - a;
    return g >= 0.5 ? b - d * (1.0 - g) : a + d * g;
}
