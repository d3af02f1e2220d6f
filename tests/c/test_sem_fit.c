/* test_sem_fit.c — lavaan's fit measures and standardized solutions (src/sem/fit_measures.c,
 * standardize.c) and the (noncentral) chi-square they rest on, against lavaan 0.6-14 and R 4.2.2
 * (tests/data/sem/make_fit_reference.R): Holzinger-Swineford's CFA by ML on the raw data, with
 * two fixed.x covariates, and by GLS, ULS and DWLS from its covariance matrix; lavaan's
 * PoliticalDemocracy SEM (equality labels, correlated residuals, two := definitions). The
 * inputs are lavaan's own S and Sigma-hat, so the measures agree to rounding. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kestrel/kestrel.h"
#include "ktest.h"
#include "linalg/linalg_internal.h"
#include "sem/fit_measures.h"

#define DIR "tests/data/sem/fit/"

/* ---- a small TSV reader: a header line, then rows of tab-separated fields ---- */
typedef struct {
    size_t nrow, ncol;
    char **cell; /* nrow x ncol, row-major; cell strings point into buf */
    char *buf;
} tsv;

static int tsv_read(const char *path, tsv *t)
{
    memset(t, 0, sizeof *t);
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "cannot open %s\n", path);
        return 0;
    }
    fseek(fp, 0, SEEK_END);
    const long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    t->buf = malloc((size_t)len + 1);
    if (!t->buf || fread(t->buf, 1, (size_t)len, fp) != (size_t)len) {
        fclose(fp);
        return 0;
    }
    fclose(fp);
    t->buf[len] = '\0';
    size_t lines = 0, fields = 1;
    for (long i = 0; i < len; i++) {
        if (t->buf[i] == '\n') lines++;
        if (lines == 0 && t->buf[i] == '\t') fields++;
    }
    t->ncol = fields;
    t->nrow = lines - 1;
    t->cell = calloc((t->nrow + 1) * t->ncol, sizeof *t->cell);
    size_t k = 0;
    char *s = t->buf;
    while (*s && k < (t->nrow + 1) * t->ncol) {
        t->cell[k++] = s;
        while (*s && *s != '\t' && *s != '\n') s++;
        if (*s) *s++ = '\0';
    }
    t->cell += t->ncol; /* skip the header */
    return 1;
}

static void tsv_free(tsv *t)
{
    if (t->cell) free(t->cell - t->ncol);
    free(t->buf);
}

static const char *at(const tsv *t, size_t r, size_t c) { return t->cell[r * t->ncol + c]; }
static double num(const char *s) { return strcmp(s, "NA") == 0 ? NAN : strtod(s, NULL); }

/* a == b within rtol relative, NaN matching NA, plus an absolute slack */
static int close_to(double a, double b, double rtol, double atol)
{
    if (isnan(b)) return isnan(a);
    return fabs(a - b) <= rtol * fabs(b) + atol;
}

#define CHECK_CLOSE(what, a, b, rtol, atol)                                                        \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        if (!close_to((a), (b), (rtol), (atol))) {                                                 \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s: %.17g, lavaan %.17g (rel %.3g)\n", __FILE__, __LINE__,     \
                    (what), (double)(a), (double)(b), fabs((a) - (b)) / fabs(b));                  \
        }                                                                                          \
    } while (0)

/* ---- one case's inputs (fit/<case>_in.tsv) ---- */
typedef struct {
    int estimator;
    double ntotal, npar, fx;
    size_t p, nlv, nx, nfree;
    size_t x[8];
    double *S, *Sigma, *w, *var, *dvar, *vcov;
} case_in;

static void case_free(case_in *c)
{
    free(c->S);
    free(c->Sigma);
    free(c->w);
    free(c->var);
    free(c->dvar);
    free(c->vcov);
}

static int case_read(const char *name, case_in *c)
{
    char path[256];
    snprintf(path, sizeof path, DIR "%s_in.tsv", name);
    tsv t;
    if (!tsv_read(path, &t)) return 0;
    memset(c, 0, sizeof *c);
    for (size_t r = 0; r < t.nrow; r++) {
        const char *w = at(&t, r, 0);
        const double v = num(at(&t, r, 3));
        const size_t j = (size_t)atol(at(&t, r, 2));
        if (!strcmp(w, "estimator")) c->estimator = (int)v;
        if (!strcmp(w, "ntotal")) c->ntotal = v;
        if (!strcmp(w, "npar")) c->npar = v;
        if (!strcmp(w, "fx")) c->fx = v;
        if (!strcmp(w, "nov")) c->p = (size_t)v;
        if (!strcmp(w, "nlv")) c->nlv = (size_t)v;
        if (!strcmp(w, "x")) c->x[c->nx++] = (size_t)v;
        if (!strcmp(w, "dvar") && j + 1 > c->nfree) c->nfree = j + 1;
    }
    const size_t p = c->p, nv = p + c->nlv, nf = c->nfree;
    c->S = calloc(p * p, sizeof(double));
    c->Sigma = calloc(p * p, sizeof(double));
    c->w = calloc(p * (p + 1) / 2, sizeof(double));
    c->var = calloc(nv, sizeof(double));
    c->dvar = calloc(nv * nf, sizeof(double));
    c->vcov = calloc(nf * nf, sizeof(double));
    int have_w = 0;
    for (size_t r = 0; r < t.nrow; r++) {
        const char *w = at(&t, r, 0);
        const double v = num(at(&t, r, 3));
        const size_t i = (size_t)atol(at(&t, r, 1)), j = (size_t)atol(at(&t, r, 2));
        if (!strcmp(w, "S") && i < p && j < p) c->S[j * p + i] = v;
        if (!strcmp(w, "Sigma") && i < p && j < p) c->Sigma[j * p + i] = v;
        if (!strcmp(w, "w") && i < p * (p + 1) / 2) c->w[i] = v, have_w = 1;
        if (!strcmp(w, "var") && i < nv) c->var[i] = v;
        if (!strcmp(w, "dvar") && i < nv) c->dvar[j * nv + i] = v;
        if (!strcmp(w, "vcov") && i < nf && j < nf) c->vcov[j * nf + i] = v;
    }
    if (!have_w) {
        free(c->w);
        c->w = NULL;
    }
    tsv_free(&t);
    return 1;
}

/* ---- fit measures: every value fitMeasures() prints, name for name ---- */
static void test_fit_case(const char *name)
{
    case_in c;
    if (!case_read(name, &c)) {
        CHECK(0);
        return;
    }
    ks_ctx *ctx = NULL;
    CHECK_OK(ctx, ks_ctx_new(&ctx));
    ks__sem_fit_input in = {(ks__sem_est)c.estimator, c.p, c.S, c.Sigma, c.w, c.ntotal,
                            (size_t)c.npar,           c.x, c.nx};
    ks__sem_fit_value v[KS__SEM_FIT_MAX];
    size_t n = 0;
    CHECK_OK(ctx, ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n));
    char path[256];
    snprintf(path, sizeof path, DIR "%s_fm.tsv", name);
    tsv t;
    if (!tsv_read(path, &t)) {
        CHECK(0);
        goto done;
    }
    CHECK(n == t.nrow);
    double worst = 0.0;
    for (size_t r = 0; r < t.nrow && r < n; r++) {
        char what[128];
        snprintf(what, sizeof what, "%s %s", name, at(&t, r, 0));
        ktest_checks++;
        if (strcmp(v[r].name, at(&t, r, 0))) {
            ktest_failures++;
            fprintf(stderr, "%s: measure %zu is %s\n", what, r, v[r].name);
        }
        /* p-values are 1 - P as lavaan computes them: the granularity of 1 - P near 1 is an
           absolute slack of a few eps, and R's noncentral chi-square (RMSEA's p-values) sums
           to about 1e-13 absolute (test_chisq); everything else to 1e-11 relative (the inputs
           are lavaan's own; the loosest, 1e-13, is the GLS baseline lavaan fits by nlminb) */
        const int pv = strstr(at(&t, r, 0), "pvalue") != NULL;
        const int ncp = pv && strstr(at(&t, r, 0), "rmsea") != NULL;
        const double want = num(at(&t, r, 1));
        CHECK_CLOSE(what, v[r].value, want, 1e-11, ncp ? 1e-13 : pv ? 4 * DBL_EPSILON : 0.0);
        if (!pv && want != 0 && !isnan(want))
            worst = fmax(worst, fabs(v[r].value - want) / fabs(want));
    }
    fprintf(stderr, "%s: fit measures within %.3g relative of lavaan's\n", name, worst);
    /* lavaan's fmin is its optimizer's fx at the estimates */
    CHECK_CLOSE("fmin vs optim fx", ks__sem_fit_get(v, n, "fmin"), c.fx, 1e-9, 0.0);
    tsv_free(&t);
done:
    ks_ctx_free(ctx);
    case_free(&c);
}

/* ---- standardized solutions ---- */

/* PoliticalDemocracy's definitions, ab := a*b and tot := a + b*c, with their gradients: the
 * engine's ks__sem_defined does this; here the rule under test is lavaan's, that a definition is
 * evaluated at the standardized free parameters (a label's first row). */
static void pd_defined(const double *th, const size_t *fa, double *val, double *grad, size_t nf)
{
    const double a = th[fa[0]], b = th[fa[1]], cc = th[fa[2]];
    val[0] = a * b;
    val[1] = a + b * cc;
    memset(grad, 0, 2 * nf * sizeof *grad);
    grad[fa[0] * 2 + 0] = b;
    grad[fa[1] * 2 + 0] = a;
    grad[fa[0] * 2 + 1] = 1.0;
    grad[fa[1] * 2 + 1] = cc;
    grad[fa[2] * 2 + 1] = b;
}

static void test_std_case(const char *name)
{
    case_in c;
    if (!case_read(name, &c)) {
        CHECK(0);
        return;
    }
    char path[256];
    tsv nm, st;
    snprintf(path, sizeof path, DIR "%s_names.tsv", name);
    const int ok1 = tsv_read(path, &nm);
    snprintf(path, sizeof path, DIR "%s_std.tsv", name);
    const int ok2 = ok1 && tsv_read(path, &st);
    CHECK(ok2);
    if (!ok2) {
        if (ok1) tsv_free(&nm);
        case_free(&c);
        return;
    }
    ks_ctx *ctx = NULL;
    CHECK_OK(ctx, ks_ctx_new(&ctx));
    const size_t nrow = st.nrow, nf = c.nfree;
    const char *ov[64], *lv[16];
    size_t nov = 0, nlv = 0;
    for (size_t r = 0; r < nm.nrow; r++)
        if (!strcmp(at(&nm, r, 0), "ov"))
            ov[nov++] = at(&nm, r, 1);
        else
            lv[nlv++] = at(&nm, r, 1);
    CHECK(nov == c.p && nlv == c.nlv);
    ks__sem_par *par = calloc(nrow, sizeof *par);
    double *est = calloc(nrow, sizeof *est), *std = calloc(nrow, sizeof *std);
    double *jac = calloc(nrow * nf, sizeof *jac), *se = calloc(nrow, sizeof *se);
    double *theta = calloc(nf, sizeof *theta);
    for (size_t r = 0; r < nrow; r++) {
        par[r].lhs = at(&st, r, 0);
        par[r].op = at(&st, r, 1);
        par[r].rhs = at(&st, r, 2);
        par[r].free = atoi(at(&st, r, 3));
        par[r].exo = atoi(at(&st, r, 4));
        par[r].label = strcmp(at(&st, r, 5), ".") ? at(&st, r, 5) : "";
        par[r].block = strcmp(par[r].op, ":=") ? 1 : 0;
        est[r] = num(at(&st, r, 6));
    }
    ks__sem_partable tab = {0};
    tab.npar = nrow;
    tab.par = par;
    tab.nfree = nf;
    tab.nov = nov;
    tab.nlv = nlv;
    tab.ov = ov;
    tab.lv = lv;
    ks__sem_std_input in = {&tab, est, c.var, c.dvar, c.x, c.nx};
    static const struct {
        ks__sem_std_type type;
        size_t est_col, se_col, exact_col;
        const char *name;
    } types[] = {{KS__SEM_STD_ALL, 7, 8, 17, "std.all"},
                 {KS__SEM_STD_LV, 9, 10, 18, "std.lv"},
                 {KS__SEM_STD_NOX, 11, 12, 19, "std.nox"}};
    for (size_t ti = 0; ti < 3; ti++) {
        CHECK_OK(ctx, ks__sem_standardize(ctx, &in, types[ti].type, std, theta, jac));
        /* the := rows: their definitions at theta_std, their Jacobian through the free rows' */
        size_t fa[3] = {SIZE_MAX, SIZE_MAX, SIZE_MAX}, ndef = 0, def_row[2];
        for (size_t r = 0; r < nrow; r++) {
            for (int k = 0; k < 3; k++)
                if (par[r].free > 0 && fa[k] == SIZE_MAX && par[r].label[0] == "abc"[k] &&
                    par[r].label[1] == '\0')
                    fa[k] = (size_t)par[r].free - 1;
            if (!strcmp(par[r].op, ":=")) def_row[ndef++] = r;
        }
        if (ndef == 2) {
            double val[2], g[2 * 64], *frow = calloc(nf * nf, sizeof *frow);
            pd_defined(theta, fa, val, g, nf);
            /* d theta_std / d theta: the free rows' Jacobian rows (first row of each number) */
            for (size_t f = 0; f < nf; f++)
                for (size_t r = 0; r < nrow; r++)
                    if (par[r].free == (int)f + 1) {
                        for (size_t k = 0; k < nf; k++) frow[k * nf + f] = jac[k * nrow + r];
                        break;
                    }
            for (size_t d = 0; d < 2; d++) {
                std[def_row[d]] = val[d];
                for (size_t k = 0; k < nf; k++) {
                    double s = 0.0;
                    for (size_t f = 0; f < nf; f++) s += g[f * 2 + d] * frow[k * nf + f];
                    jac[k * nrow + def_row[d]] = s;
                }
            }
            free(frow);
        }
        ks__sem_std_se(nrow, nf, jac, c.vcov, se);
        for (size_t r = 0; r < nrow; r++) {
            char what[160];
            snprintf(what, sizeof what, "%s %s %s %s %s", name, types[ti].name, par[r].lhs,
                     par[r].op, par[r].rhs);
            CHECK_CLOSE(what, std[r], num(at(&st, r, types[ti].est_col)), 1e-9, 1e-15);
            /* lavaan's standardized SEs come from a forward-difference Jacobian (its complex
               step fails on these functions), good to about 1e-7; ours is analytic, and agrees
               with the delta method on a Richardson-extrapolated Jacobian to 1e-9 */
            snprintf(what, sizeof what, "%s %s se %s %s %s", name, types[ti].name, par[r].lhs,
                     par[r].op, par[r].rhs);
            CHECK_CLOSE(what, se[r], num(at(&st, r, types[ti].exact_col)), 1e-9, 1e-15);
            CHECK_CLOSE(what, se[r], num(at(&st, r, types[ti].se_col)), 1e-6, 1e-15);
            if (types[ti].type != KS__SEM_STD_ALL) continue;
            /* z, p and the interval from lavaan's own est.std and se, with its arithmetic */
            double z, p, lo, hi;
            ks__sem_std_infer(num(at(&st, r, 7)), num(at(&st, r, 8)), 0.95, &z, &p, &lo, &hi);
            CHECK_CLOSE("z", z, num(at(&st, r, 13)), 1e-14, 0.0);
            CHECK_CLOSE("pvalue", p, num(at(&st, r, 14)), 1e-12, 4 * DBL_EPSILON);
            CHECK_CLOSE("ci.lower", lo, num(at(&st, r, 15)), 1e-14, 1e-16);
            CHECK_CLOSE("ci.upper", hi, num(at(&st, r, 16)), 1e-14, 1e-16);
        }
    }
    free(par);
    free(est);
    free(std);
    free(jac);
    free(se);
    free(theta);
    tsv_free(&nm);
    tsv_free(&st);
    ks_ctx_free(ctx);
    case_free(&c);
}

/* ---- the distributions: R's pchisq(x, df, ncp) and qchisq(0.95, df) ---- */
static void test_chisq(void)
{
    tsv t;
    if (!tsv_read(DIR "pnchisq.tsv", &t)) {
        CHECK(0);
        return;
    }
    double worst = 0.0;
    for (size_t r = 0; r < t.nrow; r++) {
        const double x = num(at(&t, r, 0)), df = num(at(&t, r, 1)), ncp = num(at(&t, r, 2));
        const double want = num(at(&t, r, 3)), got = ks_nchi2_cdf(x, df, ncp);
        char what[128];
        snprintf(what, sizeof what, "pchisq(%g, %g, %g)", x, df, ncp);
        /* R's pnchisq sums to an absolute error of about 1e-12 for large ncp (its errmax);
           values below that are compared in relative terms where R resolves them */
        CHECK_CLOSE(what, got, want, 1e-9, 1e-13);
        if (want > 1e-300) worst = fmax(worst, fabs(got - want));
        CHECK_CLOSE("qchisq(0.95, df)", ks_chi2_quantile(0.95, df), num(at(&t, r, 4)), 1e-13, 0.0);
    }
    fprintf(stderr, "pnchisq: largest absolute difference from R %.3g\n", worst);
    tsv_free(&t);
    /* edge cases */
    CHECK(ks_nchi2_cdf(0.0, 3.0, 2.0) == 0.0);
    CHECK(ks_nchi2_cdf(INFINITY, 3.0, 2.0) == 1.0);
    CHECK(isnan(ks_nchi2_cdf(1.0, 3.0, -1.0)));
    CHECK(isnan(ks_nchi2_cdf(1.0, 0.0, 1.0)));
    CHECK(ks_chi2_quantile(0.0, 4.0) == 0.0);
    CHECK(isinf(ks_chi2_quantile(1.0, 4.0)));
    CHECK(isnan(ks_chi2_quantile(1.5, 4.0)));
    CHECK_NEAR(ks_chi2_cdf(ks_chi2_quantile(1e-10, 7.0), 7.0), 1e-10, 1e-12);
    CHECK_NEAR(ks_chi2_sf(ks_chi2_quantile(1.0 - 1e-12, 7.0), 7.0), 1e-12, 1e-3);
}

/* Brent's root finder: R's uniroot(function(x) x^3 - 2, c(0, 3)) stops at 1.2599043367375089
 * with its default tol (eps^0.25): the same steps give the same point. */
static double cube(double x, void *ud)
{
    (void)ud;
    return x * x * x - 2.0;
}

static void test_zeroin(void)
{
    const double tol = pow(DBL_EPSILON, 0.25);
    const double r = ks__zeroin(cube, NULL, 0.0, 3.0, -2.0, 25.0, tol, 1000);
    CHECK_NEAR(r, 1.2599043367375089, 1e-15);
    CHECK_NEAR(ks__zeroin(cube, NULL, 0.0, 3.0, -2.0, 25.0, 1e-15, 1000), cbrt(2.0), 1e-15);
    CHECK(isnan(ks__zeroin(cube, NULL, 2.0, 3.0, 6.0, 25.0, tol, 1000)));
}

/* Bad input is an error naming it, never a crash. */
static void test_bad_input(void)
{
    ks_ctx *ctx = NULL;
    CHECK_OK(ctx, ks_ctx_new(&ctx));
    const double S[4] = {1.0, 2.0, 2.0, 1.0}, Sig[4] = {1.0, 0.5, 0.5, 1.0};
    ks__sem_fit_value v[KS__SEM_FIT_MAX];
    size_t n = 0;
    ks__sem_fit_input in = {KS__SEM_EST_ML, 2, S, Sig, NULL, 100.0, 3, NULL, 0};
    CHECK_FAILS(ctx, ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n), KS_ENUMERIC,
                "sample covariance matrix is not positive definite");
    in.S = Sig;
    in.Sigma = S;
    CHECK_FAILS(ctx, ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n), KS_ENUMERIC,
                "model-implied covariance matrix is not positive definite");
    in.Sigma = Sig;
    CHECK_FAILS(ctx, ks__sem_fit_measures(ctx, &in, v, 10, &n), KS_EINVAL, "46 needed");
    in.estimator = KS__SEM_EST_DWLS;
    CHECK_FAILS(ctx, ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n), KS_EINVAL,
                "DWLS needs its weights");
    in.estimator = KS__SEM_EST_ULS;
    in.ntotal = 1.0;
    CHECK_FAILS(ctx, ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n), KS_EINVAL, "N is 1");
    /* a saturated model: df 0, no p-value, RMSEA 0, CN not defined */
    in.estimator = KS__SEM_EST_ML;
    in.ntotal = 50.0;
    CHECK_OK(ctx, ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n));
    CHECK(ks__sem_fit_get(v, n, "df") == 0.0 && ks__sem_fit_get(v, n, "chisq") == 0.0);
    CHECK(isnan(ks__sem_fit_get(v, n, "pvalue")) && ks__sem_fit_get(v, n, "rmsea") == 0.0);
    CHECK(ks__sem_fit_get(v, n, "cfi") == 1.0 && isnan(ks__sem_fit_get(v, n, "cn_05")));
    CHECK(isnan(ks__sem_fit_get(v, n, "no such measure")));
    ks_ctx_free(ctx);
}

int main(void)
{
    test_chisq();
    test_zeroin();
    static const char *const cases[] = {"hs_ml", "pd_ml", "hs_x_ml", "hs_gls", "hs_uls", "hs_dwls"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        test_fit_case(cases[i]);
        test_std_case(cases[i]);
    }
    test_bad_input();
    return ktest_finish("sem_fit");
}
