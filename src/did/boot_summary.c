/* boot_summary.c — diff-diff's summary of a bootstrap distribution (its
 * compute_effect_bootstrap_stats): standard deviation, percentile interval and the two-sided
 * percentile p-value, so that kestrel's bootstrap_results fields mean what diff-diff's mean. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"

/* NumPy's default percentile (linear interpolation between order statistics) of sorted x. */
static double percentile(const double *x, size_t n, double q)
{
    const double pos = q / 100.0 * (double)(n - 1);
    const size_t lo = (size_t)floor(pos);
    const size_t hi = lo + 1 < n ? lo + 1 : lo;
    const double frac = pos - (double)lo;
    return x[lo] + (x[hi] - x[lo]) * frac;
}

int ks_did_boot_summary(ks_ctx *ctx, const double *draws, size_t B, size_t m, const double *est,
                        int centered, double scale, double alpha, double *se, double *ci_lower,
                        double *ci_upper, double *pvalue)
{
    if (!(alpha > 0 && alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", alpha);
    double *x = ks__malloc_array(ctx, B ? B : 1, sizeof *x);
    if (!x) return KS_ENOMEM;
    for (size_t j = 0; j < m; j++) {
        se[j] = ci_lower[j] = ci_upper[j] = pvalue[j] = NAN;
        if (!isfinite(est[j])) continue;
        size_t nv = 0;
        for (size_t b = 0; b < B; b++) {
            const double d = (centered ? est[j] : 0.0) + scale * draws[j * B + b];
            if (isfinite(d)) x[nv++] = d;
        }
        if (nv < 2 || 2 * nv < B) continue;
        qsort(x, nv, sizeof *x, ks__did_cmp_double);
        if (x[0] == x[nv - 1]) continue; /* constant: no spread to report */
        double mean = 0.0, ss = 0.0;
        for (size_t b = 0; b < nv; b++) mean += x[b];
        mean /= (double)nv;
        for (size_t b = 0; b < nv; b++) ss += (x[b] - mean) * (x[b] - mean);
        se[j] = sqrt(ss / (double)(nv - 1));
        ci_lower[j] = percentile(x, nv, alpha / 2.0 * 100.0);
        ci_upper[j] = percentile(x, nv, (1.0 - alpha / 2.0) * 100.0);
        size_t tail = 0;
        for (size_t b = 0; b < nv; b++) tail += est[j] >= 0 ? x[b] <= 0.0 : x[b] >= 0.0;
        double p = 2.0 * (double)tail / (double)nv;
        p = p < 1.0 ? p : 1.0;
        const double floor_p = 1.0 / (double)(nv + 1);
        pvalue[j] = p > floor_p ? p : floor_p;
    }
    ks__free(ctx, x);
    return KS_OK;
}
