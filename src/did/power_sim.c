/* power_sim.c — simulation power: for each effect size and replication, draw a panel of the
 * design (dgp.c) with seed ks_rng_u64(seed, effect index, replication) and fit it with kestrel's
 * estimator, as the library's own fit functions compute it. Replications run in parallel, each
 * thread with its own ctx on the caller's allocator; every replication's numbers depend only on
 * its seed, so the results are the same for any thread count. */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "did/did_power_internal.h"

typedef struct {
    double est, se, p, lo, hi;
} sim_out;

/* Fit one panel; KS_OK, a fit error (the replication fails), or KS_ENOMEM. */
static int fit_one(ks_ctx *tctx, const ks_did_sim_options *o, size_t nrow, const ks_did_sim_cols *c,
                   sim_out *r)
{
    ks_table *t = NULL;
    int rc = ks_table_new(tctx, nrow, &t);
    if (!rc) rc = ks_table_add_float64_borrowed(tctx, t, "outcome", c->y);
    if (!rc) rc = ks_table_add_int64_borrowed(tctx, t, "unit", c->unit);
    if (!rc) rc = ks_table_add_int64_borrowed(tctx, t, "period", c->period);
    if (!rc) rc = ks_table_add_int64_borrowed(tctx, t, "treated", c->treated);
    if (!rc) rc = ks_table_add_int64_borrowed(tctx, t, "post", c->post);
    if (!rc) rc = ks_table_add_int64_borrowed(tctx, t, "first_treat", c->first_treat);
    if (rc) goto done;
    if (o->estimator == KS_DID_SIM_BASIC) {
        ks_did_basic_options bo = KS_DID_BASIC_OPTIONS_INIT;
        bo.vcov = o->robust ? KS_VCOV_HC1 : KS_VCOV_IID;
        bo.alpha = o->alpha;
        ks_did_basic *f = NULL;
        if ((rc = ks_did_basic_fit(tctx, t, "outcome", "treated", "post", &bo, &f))) goto done;
        ks_did_basic_view v;
        ks_did_basic_get(f, &v);
        *r = (sim_out){v.coef[3], v.se[3], v.pvalue[3], v.ci_lower[3], v.ci_upper[3]};
        ks_did_basic_free(f);
    } else if (o->estimator == KS_DID_SIM_TWFE) {
        ks_did_twfe_options to = KS_DID_TWFE_OPTIONS_INIT;
        to.alpha = o->alpha;
        ks_did_twfe *f = NULL;
        if ((rc = ks_did_twfe_fit(tctx, t, "outcome", "treated", "post", "unit", &to, &f)))
            goto done;
        ks_did_twfe_view v;
        ks_did_twfe_get(f, &v);
        *r = (sim_out){v.att, v.se, v.pvalue, v.ci_lower, v.ci_upper};
        ks_did_twfe_free(f);
    } else {
        ks_did_cs_options co = KS_DID_CS_OPTIONS_INIT;
        co.method = o->method;
        co.alpha = o->alpha;
        ks_did_cs *f = NULL;
        if ((rc = ks_did_cs_fit(tctx, t, "outcome", "period", "unit", "first_treat", &co, &f)))
            goto done;
        ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
        ks_did_agg *a = NULL;
        rc = ks_did_cs_aggregate(tctx, f, &ao, &a);
        ks_did_cs_free(f);
        if (rc) goto done;
        ks_did_agg_view v;
        ks_did_agg_get(a, &v);
        *r = (sim_out){v.att, v.se, v.pvalue, v.ci_lower, v.ci_upper};
        ks_did_agg_free(a);
    }
done:
    ks_table_free(t);
    return rc;
}

int ks_did_simulate_power(ks_ctx *ctx, const ks_did_sim_options *o, const ks_did_dgp_basic *basic,
                          const ks_did_dgp_staggered *stag, size_t neffect, const double *effects,
                          double *estimate, double *se, double *pvalue, double *ci_lower,
                          double *ci_upper, size_t *nfail)
{
    if (!o) return ks__fail(ctx, KS_EINVAL, "simulate_power: options are required");
    const int cs = o->estimator == KS_DID_SIM_CS;
    if (o->estimator != KS_DID_SIM_BASIC && o->estimator != KS_DID_SIM_TWFE && !cs)
        return ks__fail(ctx, KS_EINVAL, "estimator: unknown value %d", (int)o->estimator);
    if (o->n_simulations < 1) return ks__fail(ctx, KS_EINVAL, "n_simulations must be >= 1");
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha must be in (0, 1), got %g", o->alpha);
    if (neffect < 1) return ks__fail(ctx, KS_EINVAL, "effect_sizes: at least one is needed");
    for (size_t e = 0; e < neffect; e++)
        if (!isfinite(effects[e]))
            return ks__fail(ctx, KS_EINVAL, "effect_sizes: entry %zu is not finite", e + 1);
    int rc;
    size_t nrow, ntotal;
    if (cs) {
        if (!stag) return ks__fail(ctx, KS_EINVAL, "estimator cs needs the staggered design");
        if ((rc = ks__did_dgp_staggered_check(ctx, stag))) return rc;
        nrow = stag->n_units * stag->n_periods;
    } else {
        if (!basic) return ks__fail(ctx, KS_EINVAL, "estimator needs the basic design");
        if ((rc = ks__did_dgp_basic_check(ctx, basic))) return rc;
        nrow = basic->n_units * basic->n_periods;
    }
    if (!ks__size_mul(neffect, o->n_simulations, &ntotal))
        return ks__fail(ctx, KS_EOVERFLOW, "effect_sizes x n_simulations is too large");
    int *status = ks__malloc_array(ctx, ntotal, sizeof *status);
    if (!status) return KS_ENOMEM;
    const int nt = ks__threads_for(ctx, 300.0 * (double)nrow * (double)ntotal);
    int shared_rc = KS_OK;
#pragma omp parallel num_threads(nt)
    {
        ks_ctx *tctx = NULL;
        ks_did_sim_cols c = {0};
        int trc = ks_ctx_new_with_allocator(&ctx->alloc, &tctx);
        if (trc == KS_OK && (trc = ks_ctx_set_threads(tctx, 1)) == KS_OK)
            trc = ks__did_sim_cols_alloc(tctx, nrow, &c);
        if (trc) {
#pragma omp critical
            if (!shared_rc) shared_rc = trc == KS_EINVAL ? KS_ENOMEM : trc;
        }
#pragma omp for schedule(dynamic, 1)
        for (size_t j = 0; j < ntotal; j++) {
            int bad;
#pragma omp atomic read
            bad = shared_rc;
            if (trc || bad) continue;
            const size_t e = j / o->n_simulations, r = j % o->n_simulations;
            const uint64_t seed = ks_rng_u64(o->seed, e, r);
            if (cs) {
                ks_did_dgp_staggered d = *stag;
                d.treatment_effect = effects[e];
                d.cross_sections = 0; /* the simulated fits are panel fits */
                ks__did_dgp_staggered_fill(&d, seed, &c);
            } else {
                ks_did_dgp_basic d = *basic;
                d.treatment_effect = effects[e];
                ks__did_dgp_basic_fill(&d, seed, &c);
            }
            sim_out out = {NAN, NAN, NAN, NAN, NAN};
            const int frc = fit_one(tctx, o, nrow, &c, &out);
            if (frc == KS_ENOMEM) {
#pragma omp critical
                if (!shared_rc) shared_rc = KS_ENOMEM;
            }
            status[j] = frc;
            estimate[j] = out.est;
            se[j] = out.se;
            pvalue[j] = out.p;
            ci_lower[j] = out.lo;
            ci_upper[j] = out.hi;
        }
        if (tctx) {
            ks__did_sim_cols_free(tctx, &c);
            ks_ctx_free(tctx);
        }
    }
    if (shared_rc) {
        ks__free(ctx, status);
        return ks__fail(ctx, shared_rc, "simulate_power: a replication ran out of memory");
    }
    for (size_t e = 0; e < neffect; e++) {
        nfail[e] = 0;
        for (size_t r = 0; r < o->n_simulations; r++)
            nfail[e] += status[e * o->n_simulations + r] != KS_OK;
    }
    ks__free(ctx, status);
    return KS_OK;
}
