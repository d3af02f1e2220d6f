/* fit_measures.c — lavaan 0.6-14's fitMeasures() for a single-group covariance structure: the
 * test statistic, the baseline model and the indices built on the two (lav_fit_measures.R and
 * lav_fit_*.R), each with lavaan's formula and its special cases, so that the numbers agree with
 * lavaan's to rounding given lavaan's S and Sigma-hat. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"
#include "sem/fit_measures.h"

/* R's isTRUE(all.equal(x, 0)): |x| within sqrt(.Machine$double.eps). */
static int near0(double x) { return fabs(x) <= sqrt(DBL_EPSILON); }

/* 1 - pchisq(x, df) as lavaan writes it: the complement of the lower tail, so that a p-value
 * below about 1e-16 is 0, as lavaan prints it. */
static double upper_p(double x, double df) { return 1.0 - ks_chi2_cdf(x, df); }

static int is_x(const ks__sem_fit_input *in, size_t i)
{
    for (size_t k = 0; k < in->nx; k++)
        if (in->x_idx[k] == i) return 1;
    return 0;
}

/* inv = A^-1 (p x p, both triangles) and its log determinant, by Cholesky. */
static int spd_inverse(ks_ctx *ctx, size_t p, const double *A, double *inv, double *logdet,
                       const char *what)
{
    memcpy(inv, A, p * p * sizeof *inv);
    int info = 0;
    int rc = ks__dpotrf(ctx, 'L', p, inv, p, &info);
    if (rc != KS_OK) return rc;
    if (info != 0) return ks__fail(ctx, KS_ENUMERIC, "%s is not positive definite", what);
    double ld = 0.0;
    for (size_t i = 0; i < p; i++) ld += log(inv[i * p + i]);
    *logdet = 2.0 * ld;
    rc = ks__dpotri(ctx, 'L', p, inv, p, &info);
    if (rc != KS_OK) return rc;
    if (info != 0) return ks__fail(ctx, KS_ENUMERIC, "%s is singular", what);
    for (size_t j = 0; j < p; j++)
        for (size_t i = j + 1; i < p; i++) inv[i * p + j] = inv[j * p + i];
    return KS_OK;
}

/* tr(A B) for symmetric p x p A, B. */
static double tr_ab(size_t p, const double *A, const double *B)
{
    double s = 0.0;
    for (size_t k = 0; k < p * p; k++) s += A[k] * B[k];
    return s;
}

/* tr((W X)^2) for symmetric W and X; tmp: p x p. */
static double tr_wx2(size_t p, const double *W, const double *X, double *tmp)
{
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < p; i++) {
            double s = 0.0;
            for (size_t k = 0; k < p; k++) s += W[k * p + i] * X[j * p + k];
            tmp[j * p + i] = s;
        }
    double s = 0.0;
    for (size_t i = 0; i < p; i++)
        for (size_t k = 0; k < p; k++) s += tmp[k * p + i] * tmp[i * p + k];
    return s;
}

/* The normal-theory fit function's ingredients: with the weight matrix 1/2 D'(Winv (x) Winv)D
 * (ML: Winv = Sigma^-1, lavaan's structured expected information; GLS: S^-1), the GLS distance
 * 1/2 tr((Winv (S - Sigma))^2) and GFI's 1 - tr((Winv E)^2) / tr((Winv S)^2). The covariates'
 * block carries no weight (lavaan zeroes its rows of the information), so it is left out of S
 * here; in E it is 0 already. */
static double gfi_normal(const ks__sem_fit_input *in, const double *Winv, double *E, double *tmp)
{
    const size_t p = in->p;
    for (size_t k = 0; k < p * p; k++) E[k] = in->S[k] - in->Sigma[k];
    const double t1 = tr_wx2(p, Winv, E, tmp);
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < p; i++)
            E[j * p + i] = is_x(in, i) && is_x(in, j) ? 0.0 : in->S[j * p + i];
    return 1.0 - t1 / tr_wx2(p, Winv, E, tmp);
}

/* The test statistics of the model and of the baseline model, and GFI. */
typedef struct {
    double fx, chisq, base_chisq, gfi, logl, logl_h1;
} stats;

static int normal_stats(ks_ctx *ctx, const ks__sem_fit_input *in, double *ws, stats *st)
{
    const size_t p = in->p;
    const double N = in->ntotal;
    double *Wi = ws, *E = ws + p * p, *tmp = ws + 2 * p * p, *B = ws + 3 * p * p;
    double *rhs = ws + 4 * p * p;
    double ld_S = 0.0, ld_Sig = 0.0;
    int rc = spd_inverse(ctx, p, in->S, Wi, &ld_S, "the sample covariance matrix");
    if (rc != KS_OK) return rc;
    /* the covariates' own block of S: its log determinant (ML's baseline and its logl) */
    double ld_x = 0.0;
    if (in->nx > 0) {
        for (size_t a = 0; a < in->nx; a++)
            for (size_t b = 0; b < in->nx; b++)
                B[b * in->nx + a] = in->S[in->x_idx[b] * p + in->x_idx[a]];
        rc = spd_inverse(ctx, in->nx, B, tmp, &ld_x, "the covariates' sample covariance matrix");
        if (rc != KS_OK) return rc;
    }
    if (in->estimator == KS__SEM_EST_GLS) {
        for (size_t k = 0; k < p * p; k++) E[k] = in->S[k] - in->Sigma[k];
        const double F = 0.5 * tr_wx2(p, Wi, E, tmp);
        st->fx = fmax(0.5 * (N - 1.0) / N * F, 0.0);
        /* baseline: Sigma0 = C + diag(d), C the covariates' block of S; the normal equations
           of 1/2 tr((S^-1 (S - Sigma0))^2) in d are (S^-1 o S^-1) d = diag(S^-1 (S - C) S^-1) */
        size_t m = 0;
        for (size_t k = 0; k < p * p; k++) E[k] = in->S[k];
        for (size_t j = 0; j < p; j++)
            for (size_t i = 0; i < p; i++)
                if (!(is_x(in, i) && is_x(in, j))) E[j * p + i] = 0.0;
        for (size_t k = 0; k < p * p; k++) E[k] = in->S[k] - E[k]; /* S - C */
        for (size_t k = 0; k < p; k++) {
            if (is_x(in, k)) continue;
            double r = 0.0;
            for (size_t a = 0; a < p; a++)
                for (size_t b = 0; b < p; b++) r += Wi[a * p + k] * E[b * p + a] * Wi[k * p + b];
            rhs[m] = r;
            size_t n = 0;
            for (size_t l = 0; l < p; l++) {
                if (is_x(in, l)) continue;
                B[n * (p - in->nx) + m] = Wi[l * p + k] * Wi[l * p + k];
                n++;
            }
            m++;
        }
        rc = ks__chol_solve(ctx, m, B, rhs, 1, 0, tmp, "the GLS baseline model's system");
        if (rc != KS_OK) return rc;
        m = 0;
        for (size_t k = 0; k < p; k++)
            if (!is_x(in, k)) E[k * p + k] -= rhs[m++];
        const double F0 = 0.5 * tr_wx2(p, Wi, E, tmp);
        st->base_chisq = 2.0 * N * (0.5 * (N - 1.0) / N * F0);
        st->gfi = gfi_normal(in, Wi, E, tmp);
        st->logl = st->logl_h1 = NAN;
        return KS_OK;
    }
    /* ML */
    rc = spd_inverse(ctx, p, in->Sigma, Wi, &ld_Sig, "the model-implied covariance matrix");
    if (rc != KS_OK) return rc;
    const double trSW = tr_ab(p, in->S, Wi);
    st->fx = 0.5 * fmax(ld_Sig + trSW - ld_S - (double)p, 0.0);
    double F0 = ld_x - ld_S;
    for (size_t i = 0; i < p; i++)
        if (!is_x(in, i)) F0 += log(in->S[i * p + i]);
    st->base_chisq = N * F0;
    st->gfi = gfi_normal(in, Wi, E, tmp);
    const double l2pi = log(2.0 * M_PI), nx = (double)in->nx;
    const double logl_x = in->nx > 0 ? -N / 2.0 * (nx * l2pi + ld_x + nx) : 0.0;
    st->logl = -N / 2.0 * ((double)p * l2pi + ld_Sig + trSW) - logl_x;
    st->logl_h1 = -N / 2.0 * ((double)p * l2pi + ld_S + (double)p) - logl_x;
    return KS_OK;
}

/* DWLS and ULS: the weighted sum of squares over lavaan's vech of S - Sigma. */
static void wls_stats(const ks__sem_fit_input *in, stats *st)
{
    const size_t p = in->p;
    const double N = in->ntotal;
    double F = 0.0, F0 = 0.0, ss = 0.0;
    size_t k = 0;
    for (size_t j = 0; j < p; j++)
        for (size_t i = j; i < p; i++, k++) {
            const double w = in->w ? in->w[k] : 1.0, s = in->S[j * p + i];
            const double e = s - in->Sigma[j * p + i];
            F += w * e * e;
            ss += w * s * s;
            /* baseline: the variances (and the covariates' block) fitted exactly */
            if (i != j && !(is_x(in, i) && is_x(in, j))) F0 += w * s * s;
        }
    st->fx = fmax(0.5 * (N - 1.0) / N * F, 0.0);
    st->base_chisq = 2.0 * N * (0.5 * (N - 1.0) / N * F0);
    st->gfi = 1.0 - F / ss;
    st->logl = st->logl_h1 = NAN;
}

/* RMSEA's interval: lavaan's lav_fit_rmsea_ci, the noncentrality at which pchisq(X2, df, ncp)
 * is the percentile, found by uniroot at R's default tolerance. */
typedef struct {
    double x2, df, perc;
} ci_arg;

static double ci_f(double lambda, void *ud)
{
    const ci_arg *a = ud;
    return ks_nchi2_cdf(a->x2, a->df, lambda) - a->perc;
}

static void rmsea_ci(double X2, double df, double N, double level, double *lo, double *hi)
{
    if (!isfinite(X2) || !isfinite(df) || !isfinite(N)) {
        *lo = *hi = NAN;
        return;
    }
    const double tol = pow(DBL_EPSILON, 0.25); /* uniroot's default */
    ci_arg up = {X2, df, 1.0 - (1.0 - level) / 2.0}, dn = {X2, df, (1.0 - level) / 2.0};
    const double f0 = df < 1 ? 0.0 : ci_f(0.0, &up);
    if (df < 1 || f0 < 0) {
        *lo = 0.0;
    } else {
        const double lambda = ks__zeroin(ci_f, &up, 0.0, X2, f0, ci_f(X2, &up), tol, 1000);
        *lo = sqrt(lambda / (N * df));
    }
    const double n_rmsea = fmax(N, X2 * 4.0);
    if (df < 1 || ci_f(n_rmsea, &dn) > 0 || ci_f(0.0, &dn) < 0) {
        *hi = 0.0;
    } else {
        const double lambda =
            ks__zeroin(ci_f, &dn, 0.0, n_rmsea, ci_f(0.0, &dn), ci_f(n_rmsea, &dn), tol, 1000);
        *hi = sqrt(lambda / (N * df));
    }
}

/* lavaan's residual summaries (lav_residuals_summary, lav_fit_srmr_mplus): the root mean
 * squares of S - Sigma raw, scaled by S's standard deviations (Bentler), as correlations
 * (Bollen, off the diagonal), and Mplus's. lavaan scales an element only when it is at least
 * 1e-5 in absolute value (lav_residuals_rescale), which is kept. */
static void residual_rms(const ks__sem_fit_input *in, double *rmr, double *srmr, double *crmr,
                         double *mplus)
{
    const size_t p = in->p;
    const double *S = in->S, *Sg = in->Sigma;
    double r = 0.0, sb = 0.0, cb = 0.0, mp = 0.0;
    for (size_t j = 0; j < p; j++)
        for (size_t i = j; i < p; i++) {
            const double s = S[j * p + i], g = Sg[j * p + i];
            const double sd_s = sqrt(S[i * p + i] * S[j * p + j]);
            const double sd_g = sqrt(Sg[i * p + i] * Sg[j * p + j]);
            const double s_std = fabs(s) < 1e-5 ? s : s / sd_s;
            r += (s - g) * (s - g);
            const double e_b = s_std - (fabs(g) < 1e-5 ? g : g / sd_s);
            const double e_c = s_std - (fabs(g) < 1e-5 ? g : g / sd_g);
            sb += e_b * e_b;
            cb += e_c * e_c;
            if (i != j) {
                const double e_m = s / sd_s - g / sd_g;
                mp += e_m * e_m;
            } else {
                const double e_m = (s - g) / s;
                mp += e_m * e_m;
            }
        }
    const double pstar = (double)p * ((double)p + 1.0) / 2.0;
    *rmr = sqrt(r / pstar);
    *srmr = sqrt(sb / pstar);
    *crmr = sqrt(cb / (pstar - (double)p));
    *mplus = sqrt(mp / pstar);
}

typedef struct {
    ks__sem_fit_value *v;
    size_t n, cap;
} out_list;

static void put(out_list *o, const char *name, double value)
{
    if (o->n < o->cap) o->v[o->n] = (ks__sem_fit_value){name, value};
    o->n++;
}

int ks__sem_fit_measures(ks_ctx *ctx, const ks__sem_fit_input *in, ks__sem_fit_value *out,
                         size_t out_len, size_t *n_out)
{
    *n_out = 0;
    if (!in || !in->S || !in->Sigma || in->p == 0)
        return ks__fail(ctx, KS_EINVAL, "fit measures: no covariance matrices");
    if (in->estimator < KS__SEM_EST_ML || in->estimator > KS__SEM_EST_DWLS)
        return ks__fail(ctx, KS_EINVAL, "fit measures: unknown estimator %d", (int)in->estimator);
    if (in->estimator == KS__SEM_EST_DWLS && !in->w)
        return ks__fail(ctx, KS_EINVAL, "fit measures: DWLS needs its weights");
    if (!(in->ntotal > 1))
        return ks__fail(ctx, KS_EINVAL, "fit measures: N is %g; it must exceed 1", in->ntotal);
    if (out_len < KS__SEM_FIT_MAX)
        return ks__fail(ctx, KS_EINVAL, "fit measures: out has room for %zu values; %d needed",
                        out_len, KS__SEM_FIT_MAX);
    const size_t p = in->p;
    if (in->nx > p)
        return ks__fail(ctx, KS_EINVAL, "fit measures: %zu covariates of %zu", in->nx, p);
    for (size_t k = 0; k < in->nx; k++)
        if (in->x_idx[k] >= p)
            return ks__fail(ctx, KS_EINVAL, "fit measures: covariate index %zu of %zu variables",
                            in->x_idx[k], p);
    size_t pp = 0, nws = 0;
    if (!ks__size_mul(p, p, &pp) || !ks__size_mul(pp, 5, &nws) || !ks__size_add(nws, p, &nws))
        return ks__fail(ctx, KS_EOVERFLOW, "fit measures: %zu variables", p);

    stats st = {0};
    if (in->estimator == KS__SEM_EST_ML || in->estimator == KS__SEM_EST_GLS) {
        double *ws = ks__malloc_array(ctx, nws, sizeof *ws);
        if (!ws) return KS_ENOMEM;
        const int rc = normal_stats(ctx, in, ws, &st);
        ks__free(ctx, ws);
        if (rc != KS_OK) return rc;
    } else {
        wls_stats(in, &st);
    }

    const int ml = in->estimator == KS__SEM_EST_ML, uls = in->estimator == KS__SEM_EST_ULS;
    const double N = in->ntotal, Nf = ml ? N : N - 1.0; /* lav_utils_get_ntotal */
    const double pd = (double)p, nx = (double)in->nx, npar = (double)in->npar;
    const double ndat = pd * (pd + 1.0) / 2.0 - nx * (nx + 1.0) / 2.0;
    const double df = ndat - npar, df0 = ndat - (pd - nx);
    const double X2 = df < 0 ? NAN : 2.0 * N * st.fx, X20 = st.base_chisq;
    const double pval = uls || df == 0 ? NAN : upper_p(X2, df);
    const double pval0 = uls || df0 == 0 ? NAN : upper_p(X20, df0);

    out_list o = {out, 0, out_len};
    put(&o, "npar", npar);
    put(&o, "fmin", st.fx);
    put(&o, "chisq", X2);
    put(&o, "df", df);
    put(&o, "pvalue", pval);
    const int ok = isfinite(X2) && isfinite(X20);
    put(&o, "baseline.chisq", ok ? X20 : NAN);
    put(&o, "baseline.df", ok ? df0 : NAN);
    put(&o, "baseline.pvalue", ok ? pval0 : NAN);
    /* lav_fit_cfi ... lav_fit_rni */
    double cfi = NAN, tli = NAN, rfi = NAN, nfi = NAN, pnfi = NAN, ifi = NAN, rni = NAN;
    if (ok) {
        const double t1 = fmax(X2 - df, 0.0), t2 = fmax(fmax(X2 - df, X20 - df0), 0.0);
        cfi = near0(t1) && near0(t2) ? 1.0 : 1.0 - t1 / t2;
        const double u1 = (X2 - df) * df0, u2 = (X20 - df0) * df;
        tli = df > 0 && fabs(u2) > 0 ? 1.0 - u1 / u2 : (!isfinite(u1) || !isfinite(u2)) ? NAN : 1.0;
        if (df > df0) {
            rfi = NAN;
        } else if (df > 0 && df0 > 0) {
            const double r1 = X20 / df0 - X2 / df, r2 = X20 / df0;
            rfi = !isfinite(r1) || !isfinite(r2) ? NAN : (r1 < 0 || r2 < 0) ? 1.0 : r1 / r2;
        } else {
            rfi = 1.0;
        }
        nfi = df > df0 || near0(X20) ? NAN : df > 0 ? (X20 - X2) / X20 : 1.0;
        pnfi = df0 > 0 && X20 > 0 ? (df / df0) * ((X20 - X2) / X20) : NAN;
        const double i1 = X20 - X2, i2 = X20 - df;
        ifi = !isfinite(i1) || !isfinite(i2) ? NAN : i2 < 0 ? 1.0 : near0(i2) ? NAN : i1 / i2;
        const double n1 = X2 - df, n2 = X20 - df0;
        rni = near0(n2) || !isfinite(n1) || !isfinite(n2) ? NAN : 1.0 - n1 / n2;
    }
    put(&o, "cfi", cfi);
    put(&o, "tli", tli);
    put(&o, "nnfi", tli);
    put(&o, "rfi", rfi);
    put(&o, "nfi", nfi);
    put(&o, "pnfi", pnfi);
    put(&o, "ifi", ifi);
    put(&o, "rni", rni);
    if (ml) {
        put(&o, "logl", st.logl);
        put(&o, "unrestricted.logl", st.logl_h1);
        put(&o, "aic", -2.0 * st.logl + 2.0 * npar);
        put(&o, "bic", -2.0 * st.logl + npar * log(N));
        put(&o, "ntotal", N);
        put(&o, "bic2", -2.0 * st.logl + npar * log((N + 2.0) / 24.0));
    }
    /* lav_fit_rmsea, _ci, _closefit, _notclosefit */
    const double level = 0.9, close_h0 = 0.05, notclose_h0 = 0.08;
    put(&o, "rmsea",
        !isfinite(X2) ? NAN
        : df > 0      ? sqrt(fmax((X2 / Nf) / df - 1.0 / Nf, 0.0))
                      : 0.0);
    double lo, hi;
    rmsea_ci(X2, df, Nf, level, &lo, &hi);
    put(&o, "rmsea.ci.lower", lo);
    put(&o, "rmsea.ci.upper", hi);
    put(&o, "rmsea.ci.level", level);
    const int fin = isfinite(X2) && df > 0;
    put(&o, "rmsea.pvalue", fin ? 1.0 - ks_nchi2_cdf(X2, df, Nf * df * close_h0 * close_h0) : NAN);
    put(&o, "rmsea.close.h0", close_h0);
    put(&o, "rmsea.notclose.pvalue",
        fin ? ks_nchi2_cdf(X2, df, Nf * df * notclose_h0 * notclose_h0) : NAN);
    put(&o, "rmsea.notclose.h0", notclose_h0);
    double rmr, srmr, crmr, mplus;
    residual_rms(in, &rmr, &srmr, &crmr, &mplus);
    put(&o, "rmr", rmr);
    put(&o, "rmr_nomean", rmr);
    put(&o, "srmr", srmr);
    put(&o, "srmr_bentler", srmr);
    put(&o, "srmr_bentler_nomean", srmr);
    put(&o, "crmr", crmr);
    put(&o, "crmr_nomean", crmr);
    put(&o, "srmr_mplus", mplus);
    put(&o, "srmr_mplus_nomean", mplus);
    /* lav_fit_cn: R's qchisq(p, 0) is 0 */
    const int no_cn = df == 0 && X2 < DBL_EPSILON;
    put(&o, "cn_05", no_cn ? NAN : (df > 0 ? ks_chi2_quantile(0.95, df) : 0.0) / (X2 / Nf) + 1.0);
    put(&o, "cn_01", no_cn ? NAN : (df > 0 ? ks_chi2_quantile(0.99, df) : 0.0) / (X2 / Nf) + 1.0);
    const double nel = pd * (pd + 1.0) / 2.0;
    put(&o, "gfi", st.gfi);
    put(&o, "agfi", !isfinite(st.gfi) ? NAN : df > 0 ? 1.0 - (nel / df) * (1.0 - st.gfi) : 1.0);
    put(&o, "pgfi", !isfinite(st.gfi) ? NAN : (df / nel) * st.gfi);
    put(&o, "mfi", exp(-0.5 * (X2 - df) / Nf));
    put(&o, "ecvi", X2 / Nf + (2.0 * npar) / Nf);
    *n_out = o.n;
    return KS_OK;
}

double ks__sem_fit_get(const ks__sem_fit_value *v, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(v[i].name, name) == 0) return v[i].value;
    return NAN;
}
