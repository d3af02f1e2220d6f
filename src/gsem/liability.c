/* liability.c — h2 from the observed to the liability scale (ks__gsem_liability), one function
 * for GenomicSEM's ldsc.R and bulik/ldsc's h2_obs_to_liab with their roundings kept apart. */
#include <math.h>

#include "gsem_internal.h"

int ks__gsem_liability(ks_ctx *ctx, ks__liab_rule rule, double P, double K, const char *where,
                       double *factor)
{
    const int ldsc = rule == KS__LIAB_LDSC;
    *factor = 1.0;
    if (ldsc && isnan(P) != isnan(K))
        return ks__fail(ctx, KS_EINVAL,
                        "ldsc: %s has a sample or a population prevalence, not both", where);
    if (!isnan(K) && !(K > 0.0 && K < 1.0))
        return ks__fail(ctx, KS_EINVAL, "ldsc: %s %g (%s) is not in (0, 1)",
                        ldsc ? "population prevalence" : "population_prev", K, where);
    if (!isnan(P) && !(P > 0.0 && P < 1.0))
        return ks__fail(ctx, KS_EINVAL, "ldsc: %s %g (%s) is not in (0, 1)",
                        ldsc ? "sample prevalence" : "sample_prev", P, where);
    if (isnan(P) || isnan(K)) return KS_OK;
    double phi;
    if (ldsc) {
        const double t = -ks_normal_quantile(K); /* norm.isf(K) */
        phi = exp(-0.5 * t * t) / sqrt(2.0 * M_PI);
    } else {
        const double x = ks_normal_quantile(1.0 - K);
        phi = 0.398942280401432677940 * exp(-0.5 * x * x); /* R's dnorm: M_1_SQRT_2PI */
    }
    *factor = (K * K * ((1.0 - K) * (1.0 - K))) / (P * (1.0 - P) * (phi * phi));
    return KS_OK;
}
