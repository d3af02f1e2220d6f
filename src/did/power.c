/* power.c — analytical power of a difference-in-differences design: the normal (Bloom 1995)
 * multiplier z_{1-alpha(/2)} + z_power on the standard error of Burlig, Preonas & Woerman
 * (2020) equation 2 with within-unit equicorrelation rho,
 *   Var(ATT) = sigma^2 (1/n_T + 1/n_C) (1/m + 1/r) (1 - rho) deff,
 * whose m = r = 1 case is the 2x2 design. */
#include <math.h>

#include "base/base_internal.h"
#include "kestrel/did_power.h"
#include "kestrel/linalg.h"

#define MAX_SAMPLE_SIZE 2147483647.0

static const ks__enum_entry alternative_names[] = {
    {"two-sided", KS_DID_TWO_SIDED}, {"greater", KS_DID_GREATER}, {"less", KS_DID_LESS}};
KS__ENUM_FUNCS(ks_did_alternative, ks_did_alternative, "alternative", alternative_names)

static int check_design(ks_ctx *ctx, const ks_did_power_design *d)
{
    if (d->n_pre < 1 || d->n_post < 1)
        return ks__fail(ctx, KS_EINVAL,
                        "n_pre and n_post must be >= 1 (a DiD design needs both), got %d, %d",
                        d->n_pre, d->n_post);
    const double T = (double)d->n_pre + d->n_post, rmin = -1.0 / (T - 1.0);
    if (!(d->rho >= rmin && d->rho < 1.0))
        return ks__fail(ctx, KS_EINVAL,
                        "rho must lie in [%.4g, 1) (an equicorrelation over %g periods), got %g",
                        rmin, T, d->rho);
    if (!isfinite(d->sigma) || d->sigma < 0)
        return ks__fail(ctx, KS_EINVAL, "sigma must be finite and >= 0, got %g", d->sigma);
    if (!isfinite(d->deff) || !(d->deff > 0))
        return ks__fail(ctx, KS_EINVAL, "deff must be finite and > 0, got %g", d->deff);
    return KS_OK;
}

int ks_did_power_variance(ks_ctx *ctx, const ks_did_power_design *d, double *var)
{
    int rc = check_design(ctx, d);
    if (rc) return rc;
    if (!(d->n_treated > 0) || !(d->n_control > 0))
        return ks__fail(ctx, KS_EINVAL, "n_treated and n_control must be > 0, got %g, %g",
                        d->n_treated, d->n_control);
    const double periods = 1.0 / d->n_pre + 1.0 / d->n_post;
    *var = d->sigma * d->sigma * (1.0 / d->n_treated + 1.0 / d->n_control) * periods *
           (1.0 - d->rho) * d->deff;
    return KS_OK;
}

static double z_alpha(const ks_did_power_options *o)
{
    return ks_normal_quantile(o->alternative == KS_DID_TWO_SIDED ? 1.0 - 0.5 * o->alpha
                                                                 : 1.0 - o->alpha);
}

double ks_did_power_mde(const ks_did_power_options *o, double se)
{
    return (z_alpha(o) + ks_normal_quantile(o->power)) * se;
}

double ks_did_power_at(const ks_did_power_options *o, double effect, double se)
{
    const double za = z_alpha(o), s = effect / se;
    switch (o->alternative) {
    case KS_DID_GREATER: return 1.0 - ks_normal_cdf(za - s);
    case KS_DID_LESS: return ks_normal_cdf(-za - s);
    default: return 1.0 - ks_normal_cdf(za - s) + ks_normal_cdf(-za - s);
    }
}

int ks_did_power_sample_size(ks_ctx *ctx, const ks_did_power_options *o,
                             const ks_did_power_design *d, double effect, double treat_frac,
                             int64_t *n_total, int64_t *n_treated, int64_t *n_control)
{
    int rc = check_design(ctx, d);
    if (rc) return rc;
    if (!(treat_frac > 0 && treat_frac < 1))
        return ks__fail(ctx, KS_EINVAL, "treat_frac must be in (0, 1), got %g", treat_frac);
    if (!isfinite(effect)) return ks__fail(ctx, KS_EINVAL, "effect_size must be finite");
    double n;
    if (effect == 0) {
        n = MAX_SAMPLE_SIZE;
    } else {
        const double m = z_alpha(o) + ks_normal_quantile(o->power);
        n = d->sigma * d->sigma * m * m * (1.0 / d->n_pre + 1.0 / d->n_post) * (1.0 - d->rho) /
            (effect * effect * treat_frac * (1.0 - treat_frac)) * d->deff;
        n = isinf(n) ? MAX_SAMPLE_SIZE : fmax(4.0, ceil(n));
    }
    if (n > MAX_SAMPLE_SIZE) n = MAX_SAMPLE_SIZE;
    const double nt = fmax(2.0, ceil(n * treat_frac)), nc = fmax(2.0, n - nt);
    *n_treated = (int64_t)nt;
    *n_control = (int64_t)nc;
    *n_total = (int64_t)n;
    return KS_OK;
}
