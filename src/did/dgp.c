/* dgp.c — simulated panels of diff-diff's generate_did_data and generate_staggered_data designs,
 * drawn from kestrel's counter-based streams: unit effects from stream 0, noise from stream 1,
 * cohorts from stream 2, each indexed by the row's unit (its unit * T + period for the noise). A
 * repeated cross-section (cross_sections = 1, diff-diff's panel=False) draws every observation
 * afresh: its stream indices are the row's, period * n_units + i, in all three streams.
 * The same seed gives the same data on every machine and thread count; the numbers differ from
 * diff-diff's (NumPy's generator), the design does not. */
#include <math.h>

#include "did/did_power_internal.h"

int ks__did_dgp_basic_check(ks_ctx *ctx, const ks_did_dgp_basic *d)
{
    size_t nrow;
    if (d->n_units < 2 || d->n_periods < 2)
        return ks__fail(ctx, KS_EINVAL, "n_units and n_periods must be >= 2, got %zu, %zu",
                        d->n_units, d->n_periods);
    if (!ks__size_mul(d->n_units, d->n_periods, &nrow) || nrow > ((size_t)1 << 40))
        return ks__fail(ctx, KS_EOVERFLOW, "n_units x n_periods is too large");
    if (!(d->treatment_fraction >= 0 && d->treatment_fraction <= 1))
        return ks__fail(ctx, KS_EINVAL, "treatment_fraction must be in [0, 1], got %g",
                        d->treatment_fraction);
    if (d->treatment_period < 0)
        return ks__fail(ctx, KS_EINVAL, "treatment_period must be >= 0, got %d",
                        d->treatment_period);
    if (!isfinite(d->treatment_effect) || !isfinite(d->time_trend) ||
        !(d->unit_fe_sd >= 0 && isfinite(d->unit_fe_sd)) ||
        !(d->noise_sd >= 0 && isfinite(d->noise_sd)))
        return ks__fail(ctx, KS_EINVAL,
                        "treatment_effect and time_trend must be finite, unit_fe_sd and "
                        "noise_sd finite and >= 0");
    return KS_OK;
}

int ks__did_dgp_staggered_check(ks_ctx *ctx, const ks_did_dgp_staggered *d)
{
    size_t nrow;
    if (d->n_units < 2 || d->n_periods < 2)
        return ks__fail(ctx, KS_EINVAL, "n_units and n_periods must be >= 2, got %zu, %zu",
                        d->n_units, d->n_periods);
    if (!ks__size_mul(d->n_units, d->n_periods, &nrow) || nrow > ((size_t)1 << 40))
        return ks__fail(ctx, KS_EOVERFLOW, "n_units x n_periods is too large");
    if (d->ncohort == 0 || !d->cohort_periods)
        return ks__fail(ctx, KS_EINVAL, "cohort_periods: at least one cohort is needed");
    for (size_t c = 0; c < d->ncohort; c++)
        if (d->cohort_periods[c] < 1 || (size_t)d->cohort_periods[c] >= d->n_periods)
            return ks__fail(ctx, KS_EINVAL, "cohort period %d must be between 1 and %zu",
                            d->cohort_periods[c], d->n_periods - 1);
    if (!(d->never_treated_frac >= 0 && d->never_treated_frac <= 1))
        return ks__fail(ctx, KS_EINVAL, "never_treated_frac must be in [0, 1], got %g",
                        d->never_treated_frac);
    if (!isfinite(d->treatment_effect) || !isfinite(d->time_trend) || !isfinite(d->effect_growth) ||
        !(d->unit_fe_sd >= 0 && isfinite(d->unit_fe_sd)) ||
        !(d->noise_sd >= 0 && isfinite(d->noise_sd)))
        return ks__fail(ctx, KS_EINVAL,
                        "treatment_effect, effect_growth and time_trend must be finite, "
                        "unit_fe_sd and noise_sd finite and >= 0");
    return KS_OK;
}

void ks__did_dgp_basic_fill(const ks_did_dgp_basic *d, uint64_t seed, ks_did_sim_cols *c)
{
    const size_t n = d->n_units, T = d->n_periods;
    const size_t ntr = (size_t)floor((double)n * d->treatment_fraction);
    for (size_t u = 0; u < n; u++) {
        const double fe = d->unit_fe_sd * ks_rng_normal(seed, 0, u);
        const int tr = u < ntr;
        for (size_t t = 0; t < T; t++) {
            const size_t i = u * T + t;
            const int post = (long long)t >= d->treatment_period;
            const double eff = tr && post ? d->treatment_effect : 0.0;
            c->unit[i] = (int64_t)u;
            c->period[i] = (int64_t)t;
            c->treated[i] = tr;
            c->post[i] = post;
            c->effect[i] = eff;
            c->y[i] = 10.0 + fe + d->time_trend * (double)t + eff +
                      d->noise_sd * ks_rng_normal(seed, 1, i);
        }
    }
}

/* The effect of cohort g in period t (0 when untreated). */
static double staggered_effect(const ks_did_dgp_staggered *d, int64_t g, size_t t)
{
    if (g == 0 || (int64_t)t < g) return 0.0;
    return d->dynamic_effects
               ? d->treatment_effect * (1.0 + d->effect_growth * (double)((int64_t)t - g))
               : d->treatment_effect;
}

/* Unit u's cohort: never treated for the first nnever, else uniform over the cohorts (draw j
 * of stream 2). */
static int64_t staggered_cohort(const ks_did_dgp_staggered *d, uint64_t seed, size_t nnever,
                                size_t u, size_t j)
{
    if (u < nnever) return 0;
    size_t k = (size_t)(ks_rng_uniform(seed, 2, j) * (double)d->ncohort);
    return d->cohort_periods[k < d->ncohort ? k : d->ncohort - 1];
}

void ks__did_dgp_staggered_fill(const ks_did_dgp_staggered *d, uint64_t seed, ks_did_sim_cols *c)
{
    const size_t n = d->n_units, T = d->n_periods;
    const size_t nnever = (size_t)floor((double)n * d->never_treated_frac);
    for (size_t u = 0; u < n; u++) {
        const int64_t g0 = staggered_cohort(d, seed, nnever, u, u);
        const double fe0 = d->unit_fe_sd * ks_rng_normal(seed, 0, u);
        for (size_t t = 0; t < T; t++) {
            /* rows unit-major for a panel, period-major for cross-sections (diff-diff's orders) */
            const size_t i = d->cross_sections ? t * n + u : u * T + t;
            const int64_t g = d->cross_sections ? staggered_cohort(d, seed, nnever, u, i) : g0;
            const double fe = d->cross_sections ? d->unit_fe_sd * ks_rng_normal(seed, 0, i) : fe0;
            const double eff = staggered_effect(d, g, t);
            c->unit[i] = (int64_t)(d->cross_sections ? i : u);
            c->period[i] = (int64_t)t;
            c->first_treat[i] = g;
            c->treated[i] = g > 0 && (int64_t)t >= g;
            c->post[i] = g > 0; /* the unit-level ever-treated indicator, diff-diff's "treat" */
            c->effect[i] = eff;
            c->y[i] = 10.0 + fe + d->time_trend * (double)t + eff +
                      d->noise_sd * ks_rng_normal(seed, 1, i);
        }
    }
}

int ks__did_sim_cols_alloc(ks_ctx *ctx, size_t nrow, ks_did_sim_cols *c)
{
    c->y = ks__malloc_array(ctx, 2 * nrow, sizeof *c->y);
    c->unit = ks__malloc_array(ctx, 5 * nrow, sizeof *c->unit);
    if (!c->y || !c->unit) {
        ks__free(ctx, c->y);
        ks__free(ctx, c->unit);
        c->y = NULL;
        c->unit = NULL;
        return KS_ENOMEM;
    }
    c->effect = c->y + nrow;
    c->period = c->unit + nrow;
    c->treated = c->period + nrow;
    c->post = c->treated + nrow;
    c->first_treat = c->post + nrow;
    return KS_OK;
}

void ks__did_sim_cols_free(ks_ctx *ctx, ks_did_sim_cols *c)
{
    ks__free(ctx, c->y);
    ks__free(ctx, c->unit);
}

static int to_table(ks_ctx *ctx, size_t nrow, const ks_did_sim_cols *c, int staggered,
                    ks_table **out)
{
    ks_table *t = NULL;
    int rc = ks_table_new(ctx, nrow, &t);
    if (!rc) rc = ks_table_add_int64(ctx, t, "unit", c->unit);
    if (!rc) rc = ks_table_add_int64(ctx, t, "period", c->period);
    if (staggered) {
        if (!rc) rc = ks_table_add_float64(ctx, t, "outcome", c->y);
        if (!rc) rc = ks_table_add_int64(ctx, t, "first_treat", c->first_treat);
        if (!rc) rc = ks_table_add_int64(ctx, t, "treated", c->treated);
        if (!rc) rc = ks_table_add_int64(ctx, t, "treat", c->post);
    } else {
        if (!rc) rc = ks_table_add_int64(ctx, t, "treated", c->treated);
        if (!rc) rc = ks_table_add_int64(ctx, t, "post", c->post);
        if (!rc) rc = ks_table_add_float64(ctx, t, "outcome", c->y);
    }
    if (!rc) rc = ks_table_add_float64(ctx, t, "true_effect", c->effect);
    if (rc) {
        ks_table_free(t);
        return rc;
    }
    *out = t;
    return KS_OK;
}

int ks_did_generate_did_data(ks_ctx *ctx, const ks_did_dgp_basic *d, ks_table **out)
{
    int rc = ks__did_dgp_basic_check(ctx, d);
    if (rc) return rc;
    const size_t nrow = d->n_units * d->n_periods;
    ks_did_sim_cols c;
    if ((rc = ks__did_sim_cols_alloc(ctx, nrow, &c))) return rc;
    ks__did_dgp_basic_fill(d, d->seed, &c);
    rc = to_table(ctx, nrow, &c, 0, out);
    ks__did_sim_cols_free(ctx, &c);
    return rc;
}

int ks_did_generate_staggered_data(ks_ctx *ctx, const ks_did_dgp_staggered *d, ks_table **out)
{
    int rc = ks__did_dgp_staggered_check(ctx, d);
    if (rc) return rc;
    const size_t nrow = d->n_units * d->n_periods;
    ks_did_sim_cols c;
    if ((rc = ks__did_sim_cols_alloc(ctx, nrow, &c))) return rc;
    ks__did_dgp_staggered_fill(d, d->seed, &c);
    rc = to_table(ctx, nrow, &c, 1, out);
    ks__did_sim_cols_free(ctx, &c);
    return rc;
}
