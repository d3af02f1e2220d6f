/* test_regress.c — feols against R fixest's published numbers (basic_small.csv), against the
 * dummy-variable regression it must equal (Frisch–Waugh–Lovell), and on bad input. The
 * statsmodels / pyfixest parity suite is in tests/python/test_feols_parity.py. */
#include <stdlib.h>
#include <string.h>

#include "kestrel/kestrel.h"
#include "ktest.h"

/* The fit's view (a test reads one number at a time). */
static ks_feols_view view(const ks_feols *m)
{
    ks_feols_view v;
    ks_feols_get(m, &v);
    return v;
}

static size_t term_index(const ks_feols *m, const char *name)
{
    for (size_t j = 0; j < view(m).ncoef; j++)
        if (!strcmp(view(m).names[j], name)) return j;
    return (size_t)-1;
}

/* R fixest 0.12 numbers (tests/data/PROVENANCE.md). */
static void test_fixest_basic_small(ks_ctx *ctx)
{
    const char *path = "data/basic_small.csv";
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, NULL, &t));
    if (!t) return;
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    o.vcov = KS_VCOV_CRV1;
    o.cluster = "unit";
    ks_feols *m = NULL;
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "outcome ~ treated*post", &o, &m));
    if (m) {
        size_t j = term_index(m, "treated:post");
        CHECK(j != (size_t)-1);
        CHECK_NEAR(view(m).coef[j], 5.11212123983854, 1e-10);
        CHECK_NEAR(view(m).se[j], 0.183204909663298, 1e-8);
        /* the view's inference: t, two-sided t(df) p-value, 95% interval; other levels */
        const ks_feols_view v = view(m);
        const double q = ks_t_quantile(0.975, v.df_t), q90 = ks_t_quantile(0.95, v.df_t);
        CHECK(v.tstat[j] == v.coef[j] / v.se[j] && v.alpha == 0.05);
        CHECK(v.pvalue[j] == 2.0 * ks_t_cdf(-fabs(v.tstat[j]), v.df_t));
        CHECK(v.ci_lower[j] == v.coef[j] - q * v.se[j] && v.ci_upper[j] == v.coef[j] + q * v.se[j]);
        double lo[4], hi[4];
        CHECK_OK(ctx, ks_feols_confint(ctx, m, 0.1, lo, hi, 4));
        CHECK(lo[j] == v.coef[j] - q90 * v.se[j] && hi[j] == v.coef[j] + q90 * v.se[j]);
        CHECK_FAILS(ctx, ks_feols_confint(ctx, m, 0.1, lo, hi, 3), KS_EINVAL,
                    "lo and hi need 4 values (got 3)");
        CHECK_FAILS(ctx, ks_feols_confint(ctx, m, 1.5, lo, hi, 4), KS_EINVAL, "alpha");
        /* lincom: one coefficient's weight gives back the view's numbers exactly */
        double w[4] = {0, 0, 0, 0};
        w[j] = 1;
        ks_feols_estimate e;
        CHECK_OK(ctx, ks_feols_lincom(ctx, m, w, 4, 0.05, &e));
        CHECK(e.estimate == v.coef[j] && e.se == v.se[j] && e.tstat == v.tstat[j]);
        CHECK(e.pvalue == v.pvalue[j] && e.ci_lower == v.ci_lower[j] &&
              e.ci_upper == v.ci_upper[j]);
        /* b1 - 2 b2 + b3 by hand: var = V11 + 4 V22 + V33 - 4 V12 + 2 V13 - 4 V23 */
        const double c[4] = {0, 1, -2, 1}, *V = v.vcov;
        const double est = v.coef[1] - 2 * v.coef[2] + v.coef[3];
        const double var = V[1 + 4 * 1] + 4 * V[2 + 4 * 2] + V[3 + 4 * 3] - 4 * V[1 + 4 * 2] +
                           2 * V[1 + 4 * 3] - 4 * V[2 + 4 * 3];
        CHECK_OK(ctx, ks_feols_lincom(ctx, m, c, 4, 0.1, &e));
        CHECK_NEAR(e.estimate, est, 1e-13);
        CHECK_NEAR(e.se, sqrt(var), 1e-12);
        CHECK(e.tstat == e.estimate / e.se);
        CHECK(e.pvalue == 2.0 * ks_t_cdf(-fabs(e.tstat), v.df_t));
        CHECK(e.ci_lower == e.estimate - q90 * e.se && e.ci_upper == e.estimate + q90 * e.se);
        CHECK_FAILS(ctx, ks_feols_lincom(ctx, m, c, 3, 0.05, &e), KS_EINVAL,
                    "w needs 4 values, one per coefficient (got 3)");
        CHECK_FAILS(ctx, ks_feols_lincom(ctx, m, c, 4, 0, &e), KS_EINVAL, "alpha");
        w[0] = NAN;
        CHECK_FAILS(ctx, ks_feols_lincom(ctx, m, w, 4, 0.05, &e), KS_EINVAL, "w[0]");
        /* all weights 0: the estimate 0 with se 0, no test */
        const double zero[4] = {0, 0, 0, 0};
        CHECK_OK(ctx, ks_feols_lincom(ctx, m, zero, 4, 0.05, &e));
        CHECK(e.estimate == 0 && e.se == 0 && isnan(e.tstat) && isnan(e.pvalue) &&
              isnan(e.ci_lower));
    }
    ks_feols_free(m);
    m = NULL;
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "outcome ~ treated:post | unit + post", &o, &m));
    if (m) {
        CHECK(view(m).ncoef == 1);
        CHECK_NEAR(view(m).coef[0], 5.11212123983855, 1e-10);
        CHECK_NEAR(view(m).se[0], 0.182974027517802, 1e-8);
    }
    ks_feols_free(m);
    ks_table_free(t);
}

/* A small unbalanced panel with two fixed effects, built in memory. */
typedef struct {
    size_t n;
    int64_t *unit, *time;
    double *x1, *x2, *y, *w;
} panel;

static panel make_panel(size_t nunit, size_t ntime, uint64_t seed)
{
    panel p = {0};
    p.unit = malloc(nunit * ntime * sizeof *p.unit);
    p.time = malloc(nunit * ntime * sizeof *p.time);
    p.x1 = malloc(nunit * ntime * sizeof *p.x1);
    p.x2 = malloc(nunit * ntime * sizeof *p.x2);
    p.y = malloc(nunit * ntime * sizeof *p.y);
    p.w = malloc(nunit * ntime * sizeof *p.w);
    for (size_t u = 0; u < nunit; u++)
        for (size_t t = 0; t < ntime; t++) {
            uint64_t id = u * ntime + t;
            if (ks_rng_uniform(seed, 9, id) < 0.2) continue; /* unbalanced */
            size_t i = p.n++;
            p.unit[i] = (int64_t)u;
            p.time[i] = (int64_t)t;
            p.x1[i] = ks_rng_normal(seed, 1, id) + 0.1 * (double)u;
            p.x2[i] = ks_rng_normal(seed, 2, id) + 0.3 * (double)t;
            p.w[i] = 0.5 + ks_rng_uniform(seed, 4, id);
            p.y[i] = 0.7 * p.x1[i] - 0.2 * p.x2[i] + 0.05 * (double)u * (double)(u % 3) +
                     0.4 * (double)t + ks_rng_normal(seed, 3, id);
        }
    return p;
}

static void panel_free(panel *p)
{
    free(p->unit);
    free(p->time);
    free(p->x1);
    free(p->x2);
    free(p->y);
    free(p->w);
}

static ks_table *panel_table(ks_ctx *ctx, const panel *p)
{
    ks_table *t = NULL;
    if (ks_table_new(ctx, p->n, &t)) return NULL;
    int rc = ks_table_add_int64_borrowed(ctx, t, "unit", p->unit);
    rc |= ks_table_add_int64_borrowed(ctx, t, "time", p->time);
    rc |= ks_table_add_float64_borrowed(ctx, t, "x1", p->x1);
    rc |= ks_table_add_float64_borrowed(ctx, t, "x2", p->x2);
    rc |= ks_table_add_float64_borrowed(ctx, t, "y", p->y);
    rc |= ks_table_add_float64_borrowed(ctx, t, "w", p->w);
    if (rc) {
        ks_table_free(t);
        return NULL;
    }
    return t;
}

/* Absorbing unit + time must give the coefficients and iid variance of the regression on
 * explicit dummies (FWL), weighted and not. */
static void test_fwl(ks_ctx *ctx, int weighted)
{
    const size_t NU = 30, NT = 8;
    panel p = make_panel(NU, NT, 11);
    ks_table *t = panel_table(ctx, &p);
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    o.drop_singletons = 0;
    if (weighted) o.weights = "w";
    ks_feols *m = NULL;
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x1 + x2 | unit + time", &o, &m));
    /* dummies: intercept, x1, x2, unit 1..NU-1, time 1..NT-1 */
    const size_t k = 3 + (NU - 1) + (NT - 1);
    double *X = calloc(p.n * k, sizeof *X);
    for (size_t i = 0; i < p.n; i++) {
        X[i] = 1.0;
        X[i + p.n] = p.x1[i];
        X[i + 2 * p.n] = p.x2[i];
        if (p.unit[i] > 0) X[i + (2 + (size_t)p.unit[i]) * p.n] = 1.0;
        if (p.time[i] > 0) X[i + (2 + NU - 1 + (size_t)p.time[i]) * p.n] = 1.0;
    }
    ks_lstsq_result *ls = NULL;
    CHECK_OK(ctx, ks_lstsq(ctx, p.n, k, X, p.n, p.y, weighted ? p.w : NULL, NULL, &ls));
    if (m && ls) {
        ks_lstsq_view lv;
        ks_lstsq_get(ls, &lv);
        const ks_feols_view info = view(m);
        CHECK(info.nobs == p.n && info.df_k == k);
        const double s2 = lv.rss / (double)(p.n - k);
        for (size_t j = 0; j < 2; j++) {
            CHECK_NEAR(view(m).coef[j], lv.coef[j + 1], 1e-10);
            CHECK_NEAR(view(m).se[j], sqrt(s2 * lv.cov_unscaled[(j + 1) * (k + 1)]), 1e-9);
        }
        CHECK_NEAR(info.rss, lv.rss, 1e-10);
    }
    ks_lstsq_free(ls);
    free(X);
    ks_feols_free(m);
    ks_table_free(t);
    panel_free(&p);
}

/* ks_feols_design: least squares on the partialled-out design gives the fit's coefficients
 * (Frisch-Waugh-Lovell), and it carries the used rows and the cluster codes. */
static void test_design(ks_ctx *ctx)
{
    panel p = make_panel(30, 8, 12);
    ks_table *t = panel_table(ctx, &p);
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    o.vcov = KS_VCOV_CRV1;
    o.cluster = "unit";
    ks_feols *m = NULL;
    ks_feols_design *d = NULL;
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x1 + x2 | unit + time", &o, &m));
    CHECK_OK(ctx, ks_feols_design_build(ctx, t, "y ~ x1 + x2 | unit + time", &o, &d));
    if (m && d) {
        ks_feols_design_view v;
        ks_feols_design_get(d, &v);
        CHECK(v.n == p.n && v.k == 2 && v.ncluster == 30 && v.cluster && !v.w);
        CHECK(v.rows[0] == 0 && v.rows[v.n - 1] == p.n - 1);
        ks_lstsq_result *ls = NULL;
        CHECK_OK(ctx, ks_lstsq(ctx, v.n, v.k, v.X, v.n, v.y, NULL, NULL, &ls));
        if (ls) {
            ks_lstsq_view lv;
            ks_lstsq_get(ls, &lv);
            for (size_t j = 0; j < 2; j++) CHECK_NEAR(view(m).coef[j], lv.coef[j], 1e-12);
        }
        ks_lstsq_free(ls);
    }
    ks_feols_design_free(d);
    d = NULL;
    CHECK_FAILS(ctx, ks_feols_design_build(ctx, t, "y ~ x1 +", NULL, &d), KS_EPARSE, "formula");
    CHECK(d == NULL);
    ks_feols_free(m);
    ks_table_free(t);
    panel_free(&p);
}

/* Results must not depend on the thread count (thread_min_work 0: the projections run on two
 * threads, where the default keeps a panel this size on one). */
static void test_threads_identical(ks_ctx *ctx)
{
    panel p = make_panel(40000, 24, 5);
    ks_table *t = panel_table(ctx, &p);
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    o.vcov = KS_VCOV_CRV1;
    o.cluster = "unit+time";
    double c[2][2], s[2][2];
    for (int th = 1; th <= 2; th++) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, th));
        ks_feols *m = NULL;
        CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x1 + x2 | unit + time", &o, &m));
        for (int j = 0; j < 2; j++) {
            c[th - 1][j] = m ? view(m).coef[(size_t)j] : NAN;
            s[th - 1][j] = m ? view(m).se[(size_t)j] : NAN;
        }
        ks_feols_free(m);
    }
    for (int j = 0; j < 2; j++) CHECK(c[0][j] == c[1][j] && s[0][j] == s[1][j]);
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 1e6));
    CHECK_FAILS(ctx, ks_ctx_set_thread_min_work(ctx, -1), KS_EINVAL, "thread_min_work");
    ks_table_free(t);
    panel_free(&p);
}

static ks_table *csv(ks_ctx *ctx, const char *text)
{
    ks_table *t = NULL;
    if (ks_table_read_csv_mem(ctx, "bad.csv", text, strlen(text), NULL, &t)) return NULL;
    return t;
}

static void test_bad_input(ks_ctx *ctx)
{
    ks_feols *m = NULL;
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    ks_table *t = csv(ctx, "y,x,c,g,s\n1,1,5,1,a\n2,2,5,1,b\n3,3.5,5,2,c\n4,3,5,2,d\n5,nan,5,3,e\n"
                           "6,7,5,3,f\n");
    CHECK(t != NULL);
    if (!t) return;
    /* a formula naming a missing column */
    CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ x + nope", &o, &m), KS_ENOTFOUND, "'nope'");
    CHECK(m == NULL);
    CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ x | nope", &o, &m), KS_ENOTFOUND, "'nope'");
    /* malformed formulas */
    CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y x", &o, &m), KS_EPARSE, "expected");
    CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ log(x)", &o, &m), KS_EPARSE, "'('");
    /* a text column as a regressor */
    CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ s", &o, &m), KS_ETYPE,
                "'s' is text: data row 1 is 'a'");
    /* NaN in a regressor: the row is removed (documented), the fit uses 5 rows */
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x", &o, &m));
    if (m) {
        const ks_feols_view in = view(m);
        CHECK(in.nobs == 5 && in.n_na == 1);
    }
    ks_feols_free(m);
    m = NULL;
    /* a constant regressor with an intercept is collinear: dropped with NaN, fit goes on */
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x + c", &o, &m));
    if (m) CHECK(view(m).collinear[2] && isnan(view(m).coef[2]) && !view(m).collinear[1]);
    ks_feols_free(m);
    m = NULL;
    /* n <= k */
    CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ x | s", &o, &m), KS_EEMPTY, "");
    ks_table_free(t);

    /* Inf in a regressor is an error naming column and row */
    t = csv(ctx, "y,x\n1,1\n2,inf\n3,2\n");
    if (t)
        CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ x", &o, &m), KS_ENUMERIC, "'x' is Inf at row 2");
    ks_table_free(t);
    /* an all-NA column */
    t = csv(ctx, "y,x,z\n1,1,NA\n2,3,NA\n3,2,NA\n");
    if (t)
        CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ x + z", &o, &m), KS_EEMPTY,
                    "'z' is entirely NA");
    ks_table_free(t);
    /* perfect collinearity among regressors: the later one is dropped */
    t = csv(ctx, "y,a,b,c\n1,1,2,3\n2,2,1,3\n3,4,3,7\n5,3,3,6\n4,7,1,8\n");
    if (t) {
        CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ a + b + c", &o, &m));
        if (m) CHECK(view(m).collinear[3] && !view(m).collinear[1]);
        if (m) { /* lincom skips the dropped c at weight 0; with weight it is not identified */
            const ks_feols_view v = view(m);
            const double w0[4] = {0, 0.5, 0.5, 0}, w1[4] = {0, 0.5, 0.5, 1e-300};
            ks_feols_estimate e;
            CHECK_OK(ctx, ks_feols_lincom(ctx, m, w0, 4, 0.05, &e));
            CHECK_NEAR(e.estimate, 0.5 * v.coef[1] + 0.5 * v.coef[2], 1e-13);
            CHECK_NEAR(e.se, 0.5 * sqrt(v.vcov[5] + 2 * v.vcov[6] + v.vcov[10]), 1e-12);
            CHECK(isfinite(e.pvalue) && isfinite(e.ci_lower));
            CHECK_OK(ctx, ks_feols_lincom(ctx, m, w1, 4, 0.05, &e));
            CHECK(isnan(e.estimate) && isnan(e.se) && isnan(e.tstat) && isnan(e.pvalue) &&
                  isnan(e.ci_lower) && isnan(e.ci_upper));
        }
        ks_feols_free(m);
        m = NULL;
    }
    ks_table_free(t);
    /* a one-observation cluster is kept and counted */
    t = csv(ctx, "y,x,g\n1,1,1\n2,2,1\n3,4,2\n5,3,2\n4,7,3\n6,6,3\n2,5,4\n");
    if (t) {
        o.vcov = KS_VCOV_CRV1;
        o.cluster = "g";
        CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x", &o, &m));
        if (m) {
            const ks_feols_view in = view(m);
            CHECK(in.nclusters[0] == 4 && in.nobs == 7 && isfinite(view(m).se[1]));
        }
        ks_feols_free(m);
        m = NULL;
        o.cluster = "nope";
        CHECK_FAILS(ctx, ks_feols_fit(ctx, t, "y ~ x", &o, &m), KS_ENOTFOUND, "'nope'");
    }
    ks_table_free(t);
}

/* Singletons are removed iteratively and reported. */
static void test_singletons(ks_ctx *ctx)
{
    ks_table *t = csv(ctx, "y,x,f\n1,1,a\n2,2,a\n3,4,b\n5,3,b\n4,7,c\n6,6,d\n");
    ks_feols *m = NULL;
    CHECK_OK(ctx, ks_feols_fit(ctx, t, "y ~ x | f", NULL, &m));
    if (m) {
        const ks_feols_view in = view(m);
        CHECK(in.n_singletons == 2 && in.nobs == 4 && view(m).fe_levels[0] == 2);
    }
    ks_feols_free(m);
    ks_table_free(t);
}

/* ks_vcov_kind's names, pyfixest's "hetero" included. */
static void test_enum_names(ks_ctx *ctx)
{
    ks_vcov_kind k = KS_VCOV_IID;
    CHECK_OK(ctx, ks_vcov_kind_value(ctx, "hetero", &k));
    CHECK(k == KS_VCOV_HC1 && !strcmp(ks_vcov_kind_name(k), "HC1"));
    CHECK_OK(ctx, ks_vcov_kind_value(ctx, "CRV1", &k));
    CHECK(k == KS_VCOV_CRV1 && !strcmp(ks_vcov_kind_name(KS_VCOV_HC3), "HC3"));
    CHECK(ks_vcov_kind_name((ks_vcov_kind)9) == NULL);
    CHECK_FAILS(ctx, ks_vcov_kind_value(ctx, "HC4", &k), KS_EINVAL,
                "vcov: 'HC4' is not one of 'iid', 'HC1', 'HC2', 'HC3', 'CRV1', 'hetero'");
    CHECK(k == KS_VCOV_CRV1);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_fixest_basic_small(ctx);
    test_fwl(ctx, 0);
    test_fwl(ctx, 1);
    test_threads_identical(ctx);
    test_bad_input(ctx);
    test_enum_names(ctx);
    test_design(ctx);
    test_singletons(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("regress");
}
