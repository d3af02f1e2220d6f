/* pretrends.c — power of the pre-trends test and the minimal detectable violation (Roth 2022).
 *
 * Under a violation delta = M w the pre-period coefficients are N(delta, Sigma). The
 * no-individually-significant pretest accepts on the box |b_t| <= z sigma_t, so its power is one
 * minus a box probability of N(0, Sigma) shifted by -delta (mvn_box.c); the Wald pretest's
 * statistic is noncentral chi-squared with K degrees of freedom and noncentrality
 * M^2 w' Sigma^-1 w. The MDV solves power(M) = target by Brent's method on a bracket found by
 * doubling (power rises with M, so the root is unique). */
#include <math.h>
#include <string.h>

#include "base/base_internal.h"
#include "kestrel/did_power.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

static const ks__enum_entry pretest_names[] = {{"nis", KS_DID_PRETEST_NIS},
                                               {"wald", KS_DID_PRETEST_WALD}};
KS__ENUM_FUNCS(ks_did_pretest, ks_did_pretest, "pretest_form", pretest_names)

static int check(ks_ctx *ctx, size_t k, const double *vcov, const double *w,
                 const ks_did_pretrends_options *o)
{
    if (k == 0) return ks__fail(ctx, KS_EINVAL, "vcov: no pre-period coefficients");
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha must be in (0, 1), got %g", o->alpha);
    if (o->form != KS_DID_PRETEST_NIS && o->form != KS_DID_PRETEST_WALD)
        return ks__fail(ctx, KS_EINVAL, "pretest_form: unknown value %d", (int)o->form);
    if (!isnan(o->z) && !(o->z > 0))
        return ks__fail(ctx, KS_EINVAL, "z must be positive, got %g", o->z);
    for (size_t i = 0; i < k; i++) {
        if (!isfinite(w[i]))
            return ks__fail(ctx, KS_EINVAL, "violation_weights: entry %zu is not finite", i + 1);
        if (!(vcov[i * k + i] > 0) || !isfinite(vcov[i * k + i]))
            return ks__fail(ctx, KS_EINVAL,
                            "vcov: the variance of pre-period %zu must be positive and finite",
                            i + 1);
    }
    return KS_OK;
}

static double zcrit(const ks_did_pretrends_options *o)
{
    return isnan(o->z) ? ks_normal_quantile(1.0 - 0.5 * o->alpha) : o->z;
}

/* w' Sigma^-1 w by a Cholesky solve. */
static int quad_form(ks_ctx *ctx, size_t k, const double *vcov, const double *w, double *out)
{
    double *A = ks__malloc_array(ctx, k * k + 2 * k, sizeof *A);
    if (!A) return KS_ENOMEM;
    double *x = A + k * k;
    memcpy(A, vcov, k * k * sizeof *A);
    memcpy(x, w, k * sizeof *x);
    int rc = ks__chol_solve(ctx, k, A, x, 1, 0, x + k, "vcov");
    if (rc == KS_OK) {
        double s = 0.0;
        for (size_t i = 0; i < k; i++) s += w[i] * x[i];
        *out = s;
    }
    ks__free(ctx, A);
    return rc;
}

/* The NIS acceptance probability at M; lo/hi: 2 k scratch. */
static int nis_accept(ks_ctx *ctx, size_t k, const double *vcov, const double *w, double M,
                      double z, double abseps, double *lo, double *p, double *err)
{
    double *hi = lo + k;
    for (size_t i = 0; i < k; i++) {
        const double s = sqrt(vcov[i * k + i]);
        hi[i] = z * s - M * w[i];
        lo[i] = -z * s - M * w[i];
    }
    return ks_did_mvn_box(ctx, k, vcov, lo, hi, abseps, 0, p, err);
}

static int power_at(ks_ctx *ctx, size_t k, const double *vcov, const double *w, double M,
                    const ks_did_pretrends_options *o, double wvw, double *scratch,
                    ks_did_pretrends_point *out)
{
    ks_did_pretrends_point r = {NAN, NAN, 0.0, NAN, NAN, NAN};
    if (o->form == KS_DID_PRETEST_NIS) {
        r.critical_value = zcrit(o);
        double p;
        const int rc =
            nis_accept(ctx, k, vcov, w, M, r.critical_value, o->abseps, scratch, &p, &r.err);
        if (rc) return rc;
        r.accept = p;
        r.power = 1.0 - p;
    } else {
        r.critical_value = ks_chi2_quantile(1.0 - o->alpha, (double)k);
        r.noncentrality = M * M * wvw;
        r.test_statistic = (double)k + r.noncentrality;
        r.power = r.noncentrality > 0
                      ? 1.0 - ks_nchi2_cdf(r.critical_value, (double)k, r.noncentrality)
                      : o->alpha;
    }
    *out = r;
    return KS_OK;
}

int ks_did_pretrends_power(ks_ctx *ctx, size_t k, const double *vcov, const double *w, double M,
                           const ks_did_pretrends_options *opt, ks_did_pretrends_point *out)
{
    const ks_did_pretrends_options o =
        opt ? *opt : (ks_did_pretrends_options)KS_DID_PRETRENDS_OPTIONS_INIT;
    int rc = check(ctx, k, vcov, w, &o);
    if (rc) return rc;
    if (!isfinite(M)) return ks__fail(ctx, KS_EINVAL, "M must be finite, got %g", M);
    double wvw = NAN;
    if (o.form == KS_DID_PRETEST_WALD && (rc = quad_form(ctx, k, vcov, w, &wvw))) return rc;
    double *scratch = ks__malloc_array(ctx, 2 * k, sizeof *scratch);
    if (!scratch) return KS_ENOMEM;
    rc = power_at(ctx, k, vcov, w, M, &o, wvw, scratch, out);
    ks__free(ctx, scratch);
    return rc;
}

int ks_did_pretrends_curve(ks_ctx *ctx, size_t k, const double *vcov, const double *w, size_t nm,
                           const double *M, const ks_did_pretrends_options *opt, double *power)
{
    const ks_did_pretrends_options o =
        opt ? *opt : (ks_did_pretrends_options)KS_DID_PRETRENDS_OPTIONS_INIT;
    int rc = check(ctx, k, vcov, w, &o);
    if (rc) return rc;
    double wvw = NAN;
    if (o.form == KS_DID_PRETEST_WALD && (rc = quad_form(ctx, k, vcov, w, &wvw))) return rc;
    double *scratch = ks__malloc_array(ctx, 2 * k, sizeof *scratch);
    if (!scratch) return KS_ENOMEM;
    for (size_t i = 0; i < nm && rc == KS_OK; i++) {
        ks_did_pretrends_point p;
        if (!isfinite(M[i])) {
            rc = ks__fail(ctx, KS_EINVAL, "M_grid: entry %zu is not finite", i + 1);
            break;
        }
        if ((rc = power_at(ctx, k, vcov, w, M[i], &o, wvw, scratch, &p)) == KS_OK)
            power[i] = p.power;
    }
    ks__free(ctx, scratch);
    return rc;
}

typedef struct {
    ks_ctx *ctx;
    size_t k;
    const double *vcov, *w;
    const ks_did_pretrends_options *o;
    double wvw, target, *scratch;
    int rc;
} root_arg;

static double power_minus_target(double M, void *ud)
{
    root_arg *a = ud;
    ks_did_pretrends_point p;
    if (a->rc) return NAN;
    a->rc = power_at(a->ctx, a->k, a->vcov, a->w, M, a->o, a->wvw, a->scratch, &p);
    return a->rc ? NAN : p.power - a->target;
}

int ks_did_pretrends_mdv(ks_ctx *ctx, size_t k, const double *vcov, const double *w, double target,
                         const ks_did_pretrends_options *opt, double *mdv)
{
    const ks_did_pretrends_options o =
        opt ? *opt : (ks_did_pretrends_options)KS_DID_PRETRENDS_OPTIONS_INIT;
    int rc = check(ctx, k, vcov, w, &o);
    if (rc) return rc;
    if (!(target > 0 && target < 1))
        return ks__fail(ctx, KS_EINVAL, "power (the target) must be in (0, 1), got %g", target);
    double wmax = 0.0, smax = 0.0;
    for (size_t i = 0; i < k; i++) {
        wmax = fmax(wmax, fabs(w[i]));
        smax = fmax(smax, sqrt(vcov[i * k + i]));
    }
    double wvw = NAN;
    if (o.form == KS_DID_PRETEST_WALD && (rc = quad_form(ctx, k, vcov, w, &wvw))) return rc;
    if (wmax == 0) {
        *mdv = INFINITY;
        return KS_OK;
    }
    root_arg a = {ctx, k, vcov, w, &o, wvw, target, NULL, KS_OK};
    a.scratch = ks__malloc_array(ctx, 2 * k, sizeof *a.scratch);
    if (!a.scratch) return KS_ENOMEM;
    const double f0 = power_minus_target(0.0, &a);
    if (a.rc || f0 >= 0) {
        *mdv = 0.0;
        goto done;
    }
    /* NIS: the bracket and a first root from box probabilities at 100 abseps (cheap), then the
     * full-precision root on a bracket a few coarse errors wide around it */
    ks_did_pretrends_options coarse = o;
    coarse.abseps = 100.0 * o.abseps;
    if (o.form == KS_DID_PRETEST_NIS) a.o = &coarse;
    /* bracket: from the scale at which the largest shift is one standard error, doubling */
    double hi = smax / wmax, fhi = power_minus_target(hi, &a);
    for (int it = 0; it < 200 && !a.rc && fhi < 0; it++) {
        hi *= 2;
        fhi = power_minus_target(hi, &a);
    }
    if (a.rc) goto done;
    if (fhi < 0) {
        *mdv = INFINITY;
        goto done;
    }
    const double tol = (o.tol > 0 ? o.tol : 1e-10) * smax / wmax;
    if (o.form == KS_DID_PRETEST_WALD) {
        *mdv = ks__zeroin(power_minus_target, &a, 0.0, hi, f0, fhi, tol, 1000);
        goto done;
    }
    const double r0 =
        ks__zeroin(power_minus_target, &a, 0.0, hi, f0, fhi, 1e-4 * smax / wmax, 1000);
    a.o = &o;
    if (a.rc) goto done;
    double lo = fmax(0.0, r0 * 0.98), up = fmin(hi, r0 * 1.02 + 1e-3 * smax / wmax);
    double flo = lo > 0 ? power_minus_target(lo, &a) : f0, fup = power_minus_target(up, &a);
    if (!a.rc && !(flo < 0 && fup > 0)) { /* the coarse root was off: the whole bracket */
        lo = 0.0;
        flo = f0;
        up = hi;
        fup = power_minus_target(hi, &a);
    }
    if (!a.rc)
        *mdv = fup > 0 ? ks__zeroin(power_minus_target, &a, lo, up, flo, fup, tol, 1000) : INFINITY;
done:
    ks__free(ctx, a.scratch);
    return a.rc;
}
