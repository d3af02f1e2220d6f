/* glm.c — a GLM on the selected MARS basis, as earth's glm= argument fits R's glm() after the
 * least-squares term selection: binomial (logit link) or Poisson (log link) by iteratively
 * reweighted least squares with R's defaults — its starting values, convergence when the
 * deviance changes by less than 1e-8 relative (deviance + 0.1), at most 25 iterations — each
 * weighted least squares solved by kestrel's accurate QR. */
#include <math.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "mars/mars_internal.h"

static double dev_binomial(double y, double mu)
{
    double d = 0.0;
    if (y > 0.0) d += y * log(y / mu);
    if (y < 1.0) d += (1.0 - y) * log((1.0 - y) / (1.0 - mu));
    return 2.0 * d;
}

static double dev_poisson(double y, double mu)
{
    return 2.0 * ((y > 0.0 ? y * log(y / mu) : 0.0) - (y - mu));
}

#define DOUBLE_EPS 2.220446049250313e-16

/* R's link inverses and their derivatives (binomial: logit_linkinv / logit_mu_eta, which clamp
 * beyond |eta| > 30; Poisson: both exp(eta) floored at eps). */
static double linkinv(int binom, double eta)
{
    if (binom) {
        const double t = eta < -30.0 ? DOUBLE_EPS : eta > 30.0 ? 1.0 / DOUBLE_EPS : exp(eta);
        return t / (1.0 + t);
    }
    const double m = exp(eta);
    return m > DOUBLE_EPS ? m : DOUBLE_EPS;
}

static double mu_eta(int binom, double eta)
{
    if (binom) {
        const double op = 1.0 + exp(eta);
        return eta > 30.0 || eta < -30.0 ? DOUBLE_EPS : exp(eta) / (op * op);
    }
    const double m = exp(eta);
    return m > DOUBLE_EPS ? m : DOUBLE_EPS;
}

int ks__mars_glm(ks_ctx *ctx, ks_mars_family family, size_t n, size_t k, const double *B,
             const double *y, const double *w, double *coef, double *deviance,
             double *null_deviance, int *iterations)
{
    double *buf = ks__malloc_array(ctx, n, 4 * sizeof *buf);
    if (!buf) return KS_ENOMEM;
    double *eta = buf, *mu = buf + n, *z = buf + 2 * n, *ww = buf + 3 * n;
    const int binom = family == KS_MARS_BINOMIAL;
    /* R's starting values: binomial (w y + 0.5) / (w + 1), Poisson y + 0.1 */
    double sw = 0.0, swy = 0.0, dev_old = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double wi = w ? w[i] : 1.0;
        const double m0 = binom ? (wi * y[i] + 0.5) / (wi + 1.0) : y[i] + 0.1;
        eta[i] = binom ? log(m0 / (1.0 - m0)) : log(m0);
        mu[i] = linkinv(binom, eta[i]);
        dev_old += wi * (binom ? dev_binomial(y[i], mu[i]) : dev_poisson(y[i], mu[i]));
        sw += wi;
        swy += wi * y[i];
    }
    double nd = 0.0; /* the null deviance: the weighted mean */
    const double ybar = swy / sw;
    for (size_t i = 0; i < n; i++)
        nd += (w ? w[i] : 1.0) * (binom ? dev_binomial(y[i], ybar) : dev_poisson(y[i], ybar));
    *null_deviance = nd;
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.want_cov = 0;
    lo.want_resid = 0;
    int rc = KS_OK, it = 0, converged = 0;
    for (it = 1; it <= 25; it++) {
        for (size_t i = 0; i < n; i++) {
            const double me = mu_eta(binom, eta[i]);
            const double var = binom ? mu[i] * (1.0 - mu[i]) : mu[i];
            z[i] = eta[i] + (y[i] - mu[i]) / me;
            ww[i] = (w ? w[i] : 1.0) * me * me / var;
            if (!(ww[i] > 1e-300)) ww[i] = 1e-300;
        }
        ks_lstsq_result *res = NULL;
        if ((rc = ks_lstsq(ctx, n, k, B, n, z, ww, &lo, &res))) break;
        ks_lstsq_view lv;
        ks_lstsq_get(res, &lv);
        if (lv.rank < k) {
            ks_lstsq_free(res);
            rc = ks__fail(ctx, KS_ENUMERIC, "mars glm: the selected terms are collinear");
            break;
        }
        memcpy(coef, lv.coef, k * sizeof *coef);
        ks_lstsq_free(res);
        double dev = 0.0;
        for (size_t i = 0; i < n; i++) {
            double e = 0.0;
            for (size_t j = 0; j < k; j++) e += B[j * n + i] * coef[j];
            eta[i] = e;
            mu[i] = linkinv(binom, e);
            dev += (w ? w[i] : 1.0) * (binom ? dev_binomial(y[i], mu[i]) : dev_poisson(y[i], mu[i]));
        }
        *deviance = dev;
        if (fabs(dev - dev_old) / (fabs(dev) + 0.1) < 1e-8) {
            converged = 1;
            break;
        }
        dev_old = dev;
    }
    if (rc == KS_OK && !converged) {
        ks__log(ctx, KS_LOG_WARN, "mars glm: IRLS did not converge in 25 iterations");
        it = 25;
    }
    *iterations = it;
    ks__free(ctx, buf);
    return rc;
}
