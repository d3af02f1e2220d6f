/* test_sem_engine.c — the SEM engine's numerical core (src/sem/engine.h) against a tightly
 * converged lavaan 0.6-14 (tests/data/sem/engine/<case>.txt, made by make_engine_reference.R):
 * starting values, implied covariance, Delta, fmin, estimates and SEs for ML (HS CFA, std.lv,
 * PoliticalDemocracy with equality labels, observed regressions, a feedback loop, a
 * one-indicator factor, a binding bound), GLS, ULS, DWLS, GenomicSEM's sandwich; the gradient
 * against finite differences; a simulation recovered within its SEs; failures (non-PD input, an
 * unidentified model, an unsupported row); warm-started GWAS-style refits with held parameters,
 * timed. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/base_internal.h"
#include "kestrel/kestrel.h"
#include "ktest.h"
#include "sem/engine.h"

#define DIR "tests/data/sem/engine/"
#define MAXR 80

/* A reference case: a parameter table as lavaan's parTable() gives it (the test-only stand-in
 * for partable.c) and lavaan's numbers. */
typedef struct {
    ks__sem_partable t;
    ks__sem_par par[MAXR];
    const char *ov[32], *lv[16];
    double start[MAXR], est[MAXR], se[MAXR];
    double *S, *sigma, *delta, *W, *V, *sandwich, *wlsv, *gradient;
    size_t nW;
    double nobs, fmin;
    char estimator[16];
    char *words[4096];
    size_t nwords;
} ref_case;

static double num(const char *s)
{
    if (!strcmp(s, "NA")) return NAN;
    if (!strcmp(s, "Inf")) return HUGE_VAL;
    if (!strcmp(s, "-Inf")) return -HUGE_VAL;
    return strtod(s, NULL);
}

static char *keep(ref_case *c, const char *s)
{
    char *d = strdup(!strcmp(s, "-") ? "" : s);
    c->words[c->nwords++] = d;
    return d;
}

static double *numbers(char **tok, size_t n, size_t *count)
{
    double *v = malloc((n + 1) * sizeof *v);
    for (size_t i = 0; i < n; i++) v[i] = num(tok[i]);
    if (count) *count = n;
    return v;
}

static int load(const char *name, ref_case *c)
{
    memset(c, 0, sizeof *c);
    char path[512];
    snprintf(path, sizeof path, DIR "%s.txt", name);
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    if (!f) return -1;
    static char line[1 << 20];
    while (fgets(line, sizeof line, f)) {
        char *tok[4096];
        size_t n = 0;
        for (char *s = strtok(line, " \n"); s && n < 4096; s = strtok(NULL, " \n")) tok[n++] = s;
        if (!n) continue;
        const char *k = tok[0];
        char **v = tok + 1;
        const size_t nv = n - 1;
        if (!strcmp(k, "ov"))
            for (size_t i = 0; i < nv; i++) c->ov[c->t.nov++] = keep(c, v[i]);
        else if (!strcmp(k, "lv"))
            for (size_t i = 0; i < nv; i++) c->lv[c->t.nlv++] = keep(c, v[i]);
        else if (!strcmp(k, "nobs"))
            c->nobs = num(v[0]);
        else if (!strcmp(k, "fmin"))
            c->fmin = num(v[0]);
        else if (!strcmp(k, "estimator"))
            snprintf(c->estimator, sizeof c->estimator, "%s", v[0]);
        else if (!strcmp(k, "S"))
            c->S = numbers(v, nv, NULL);
        else if (!strcmp(k, "sigma"))
            c->sigma = numbers(v, nv, NULL);
        else if (!strcmp(k, "delta"))
            c->delta = numbers(v, nv, NULL);
        else if (!strcmp(k, "gradient"))
            c->gradient = numbers(v, nv, NULL);
        else if (!strcmp(k, "W"))
            c->W = numbers(v, nv, &c->nW);
        else if (!strcmp(k, "V"))
            c->V = numbers(v, nv, NULL);
        else if (!strcmp(k, "sandwich_se"))
            c->sandwich = numbers(v, nv, NULL);
        else if (!strcmp(k, "WLSV"))
            c->wlsv = numbers(v, nv, NULL);
        else if (!strcmp(k, "par") && nv == 15) {
            const size_t i = c->t.npar++;
            ks__sem_par *r = &c->par[i];
            r->lhs = keep(c, v[0]);
            r->op = keep(c, v[1]);
            r->rhs = keep(c, v[2]);
            r->user = atoi(v[3]);
            r->block = atoi(v[4]);
            r->free = atoi(v[5]);
            r->ustart = num(v[6]);
            r->exo = atoi(v[7]);
            r->label = keep(c, v[8]);
            r->plabel = keep(c, v[9]);
            r->lower = num(v[10]);
            r->upper = num(v[11]);
            c->start[i] = num(v[12]);
            c->est[i] = num(v[13]);
            c->se[i] = num(v[14]);
            if ((size_t)r->free > c->t.nfree) c->t.nfree = (size_t)r->free;
        }
    }
    fclose(f);
    c->t.par = c->par;
    c->t.ov = c->ov;
    c->t.lv = c->lv;
    return 0;
}

static void unload(ref_case *c)
{
    for (size_t i = 0; i < c->nwords; i++) free(c->words[i]);
    free(c->S), free(c->sigma), free(c->delta), free(c->W), free(c->V), free(c->sandwich);
    free(c->wlsv), free(c->gradient);
}

static ks__sem_estimator estimator_of(const char *s)
{
    return !strcmp(s, "GLS")    ? KS__SEM_GLS
           : !strcmp(s, "ULS")  ? KS__SEM_ULS
           : !strcmp(s, "DWLS") ? KS__SEM_DWLS
           : !strcmp(s, "WLS")  ? KS__SEM_WLS
                                : KS__SEM_ML;
}

/* |a - b| <= rtol |b|, or atol where b is near zero */
static int near(double a, double b, double rtol, double atol)
{
    return fabs(a - b) <= fmax(rtol * fabs(b), atol);
}

#define CHECK_CLOSE(a, b, rtol, atol, what, i)                                                     \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        const double a__ = (a), b__ = (b);                                                         \
        if (!near(a__, b__, rtol, atol)) {                                                         \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s %s [%zu] = %.15g, lavaan %.15g\n", __FILE__, __LINE__,      \
                    name, what, (size_t)(i), a__, b__);                                            \
        }                                                                                          \
    } while (0)

/* The whole comparison for one case; se: lavaan's standard errors too. Without se the case's
 * estimates are another fit's (hs_bound: those of the model fixed at the binding bound, as
 * lavaan's constrained optimizer stops 5e-8 short of it), so only the start and the estimates
 * are compared. */
static void check_case(ks_ctx *ctx, const char *name, int se, double est_rtol)
{
    ref_case c;
    if (load(name, &c)) return;
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    CHECK_OK(ctx, ks__sem_model_compile(ctx, &c.t, NULL, &m));
    if (!m) goto out;
    CHECK_OK(ctx, ks__sem_work_new(ctx, m, &w));
    if (!w) goto out;
    ks__sem_model_view mv;
    ks__sem_model_get(m, &mv);
    const size_t p = mv.p, ps = mv.pstar, nt = mv.ntheta, n = mv.nrow;
    ks__sem_problem pb = {estimator_of(c.estimator), c.S, c.nobs, NULL, NULL, 0, 0};
    if (pb.estimator == KS__SEM_DWLS) pb.W = c.W;

    /* lavaan's starting values */
    double est[MAXR];
    CHECK_OK(ctx, ks__sem_start(ctx, m, c.S, est));
    for (size_t i = 0; i < n; i++)
        if (strchr("=~", c.par[i].op[0]) || !strcmp(c.par[i].op, "~~"))
            CHECK_CLOSE(est[i], c.start[i], 1e-12, 1e-14, "start", i);

    /* at lavaan's estimates: Sigma, Delta, fmin, W */
    double sigma[1024], fx, grad[MAXR], *delta = malloc(ps * nt * sizeof *delta);
    if (!se) goto fit;
    CHECK_OK(ctx, ks__sem_evaluate(ctx, m, w, &pb, c.est, sigma, &fx, grad, delta));
    for (size_t i = 0; i < p * p; i++) CHECK_CLOSE(sigma[i], c.sigma[i], 1e-13, 1e-15, "sigma", i);
    for (size_t i = 0; i < ps * nt; i++)
        CHECK_CLOSE(delta[i], c.delta[i], 1e-12, 1e-14, "delta", i);
    const double scale = pb.estimator == KS__SEM_ML ? 0.5 : 0.5 * (c.nobs - 1) / c.nobs;
    CHECK_CLOSE(scale * fx, c.fmin, 1e-9, 0, "fmin at lavaan's est", 0);
    /* lavaan's gradient is d fmin / d theta */
    for (size_t k = 0; k < nt; k++)
        CHECK_CLOSE(scale * grad[k], c.gradient[k], 1e-4, 2e-9, "gradient at lavaan's est", k);
    if (c.W && pb.estimator == KS__SEM_GLS) {
        double *W = malloc(ps * ps * sizeof *W);
        CHECK_OK(ctx, ks__sem_weight(ctx, m, w, &pb, c.est, W));
        for (size_t i = 0; i < ps * ps; i++) CHECK_CLOSE(W[i], c.W[i], 1e-12, 1e-15, "GLS W", i);
        free(W);
    }
    if (c.W && pb.estimator == KS__SEM_ULS)
        for (size_t i = 0; i < ps; i++) CHECK(c.W[i] == 1.0);

    /* the analytic gradient against central differences, halfway between the start and the
       estimates (where it is not zero) */
    double mid[MAXR], gmid[MAXR];
    for (size_t i = 0; i < n; i++) mid[i] = 0.5 * (est[i] + c.est[i]);
    CHECK_OK(ctx, ks__sem_evaluate(ctx, m, w, &pb, mid, NULL, NULL, gmid, NULL));
    for (size_t k = 0; k < nt; k++) { /* Richardson's 4-point rule: error O(h^4) */
        double e2[MAXR], f[4];
        memcpy(e2, mid, n * sizeof *e2);
        const size_t r = (size_t)mv.theta_row[k];
        const double h = 1e-4 * fmax(1.0, fabs(mid[r])), at[4] = {2, 1, -1, -2};
        for (int q = 0; q < 4; q++) {
            e2[r] = mid[r] + at[q] * h;
            CHECK_OK(ctx, ks__sem_evaluate(ctx, m, w, &pb, e2, NULL, &f[q], NULL, NULL));
        }
        const double fd = (8 * (f[1] - f[2]) - (f[0] - f[3])) / (12 * h);
        CHECK_CLOSE(gmid[k], fd, 1e-7, 1e-10 * fmax(1.0, fabs(f[1])), "gradient vs differences", k);
    }
    /* the fit from lavaan's start: estimates, fmin, SEs */
fit:;
    ks__sem_fit_info info;
    CHECK_OK(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info));
    CHECK(info.status == KS__SEM_CONVERGED);
    if (info.status != KS__SEM_CONVERGED)
        fprintf(stderr, "%s: not converged: %d iterations, max |g| %g\n", name, info.iterations,
                info.max_grad);
    for (size_t i = 0; i < n; i++)
        if (mv.row_theta[i] >= 0) CHECK_CLOSE(est[i], c.est[i], est_rtol, 1e-8, "est", i);
    if (se) CHECK_CLOSE(info.fmin, c.fmin, 1e-9, 0, "fmin", 0);
    if (getenv("KS_SEM_DEBUG"))
        fprintf(stderr, "%s: %d iterations (bfgs %d), max |g| %.3g, fmin %.17g (lavaan %.17g)\n",
                name, info.iterations, info.bfgs, info.max_grad, info.fmin, c.fmin);
    if (se) {
        double *V = malloc(nt * nt * sizeof *V);
        CHECK_OK(ctx, ks__sem_vcov(ctx, m, w, &pb, est, NULL, V));
        for (size_t i = 0; i < n; i++) {
            const long k = mv.row_theta[i];
            if (k >= 0) CHECK_CLOSE(sqrt(V[k + k * nt]), c.se[i], 1e-6, 0, "se", i);
        }
        if (c.sandwich) { /* GenomicSEM's sandwich with the full V */
            CHECK_OK(ctx, ks__sem_vcov(ctx, m, w, &pb, est, c.V, V));
            for (size_t k = 0; k < nt; k++)
                CHECK_CLOSE(sqrt(V[k + k * nt]), c.sandwich[k], 1e-6, 0, "sandwich se", k);
        }
        if (c.wlsv) { /* ML's WLS.V at the implied Sigma */
            double *W = malloc(ps * ps * sizeof *W);
            CHECK_OK(ctx, ks__sem_weight(ctx, m, w, &pb, est, W));
            for (size_t i = 0; i < ps * ps; i++)
                CHECK_CLOSE(W[i], c.wlsv[i], 1e-6, 1e-12, "ML WLS.V", i);
            free(W);
        }
        free(V);
    }
    free(delta);
out:
    ks__sem_work_free(w);
    ks__sem_model_free(m);
    unload(&c);
}

/* ---- hand-made tables ---- */

typedef struct {
    const char *lhs, *op, *rhs;
    int free;
    double ustart;
} row_spec;

static void make_table(ks__sem_partable *t, ks__sem_par *par, const row_spec *r, size_t n,
                       const char **ov, size_t nov, const char **lv, size_t nlv)
{
    memset(t, 0, sizeof *t);
    for (size_t i = 0; i < n; i++) {
        par[i] = (ks__sem_par){r[i].lhs, r[i].op, r[i].rhs,  1,        1, r[i].free, r[i].ustart, 0,
                               "",       "",      -HUGE_VAL, HUGE_VAL, 0};
        if ((size_t)r[i].free > t->nfree) t->nfree = (size_t)r[i].free;
    }
    t->npar = n;
    t->par = par;
    t->ov = ov;
    t->nov = nov;
    t->lv = lv;
    t->nlv = nlv;
}

/* Data from a one-factor model (N = 4000): the ML estimates fall within 4 SEs of the truth,
 * and a second sample's too (so the test depends on its SEs being right, not on one draw). */
static void simulation(ks_ctx *ctx)
{
    const char *ov[] = {"y1", "y2", "y3", "y4"}, *lv[] = {"f"};
    const row_spec rows[] = {
        {"f", "=~", "y1", 0, 1},    {"f", "=~", "y2", 1, NAN},  {"f", "=~", "y3", 2, NAN},
        {"f", "=~", "y4", 3, NAN},  {"y1", "~~", "y1", 4, NAN}, {"y2", "~~", "y2", 5, NAN},
        {"y3", "~~", "y3", 6, NAN}, {"y4", "~~", "y4", 7, NAN}, {"f", "~~", "f", 8, NAN}};
    const double truth[] = {1, 0.8, 1.2, 0.5, 0.6, 0.5, 0.9, 0.4, 1.5};
    ks__sem_partable t;
    ks__sem_par par[9];
    make_table(&t, par, rows, 9, ov, 4, lv, 1);
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    CHECK_OK(ctx, ks__sem_model_compile(ctx, &t, NULL, &m));
    if (m) CHECK_OK(ctx, ks__sem_work_new(ctx, m, &w));
    if (!w) goto out;
    int outside = 0;
    for (uint64_t seed = 1; seed <= 2; seed++) {
        const size_t N = 4000;
        double S[16] = {0}, mean[4] = {0}, *Y = malloc(N * 4 * sizeof *Y);
        for (size_t i = 0; i < N; i++) {
            const double f = sqrt(truth[8]) * ks_rng_normal(seed, 0, i);
            for (int j = 0; j < 4; j++) {
                Y[i + j * N] = truth[j] * f + sqrt(truth[4 + j]) * ks_rng_normal(seed, 1 + j, i);
                mean[j] += Y[i + j * N] / N;
            }
        }
        for (int a = 0; a < 4; a++)
            for (int b = 0; b < 4; b++) {
                double s = 0;
                for (size_t i = 0; i < N; i++)
                    s += (Y[i + a * N] - mean[a]) * (Y[i + b * N] - mean[b]);
                S[a + b * 4] = s / N; /* lavaan's ML: N */
            }
        free(Y);
        ks__sem_problem pb = {KS__SEM_ML, S, (double)N, NULL, NULL, 0, 0};
        double est[9], V[64];
        ks__sem_fit_info info;
        CHECK_OK(ctx, ks__sem_start(ctx, m, S, est));
        CHECK_OK(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info));
        CHECK(info.status == KS__SEM_CONVERGED);
        CHECK_OK(ctx, ks__sem_vcov(ctx, m, w, &pb, est, NULL, V));
        for (size_t i = 1; i < 9; i++) {
            const double se = sqrt(V[(i - 1) * 9]);
            CHECK(se > 0 && se < 0.1);
            outside += fabs(est[i] - truth[i]) > 4 * se;
        }
    }
    CHECK(outside == 0);
out:
    ks__sem_work_free(w);
    ks__sem_model_free(m);
}

/* A one-factor model with 5 indicators and a SNP (GenomicSEM's userGWAS shape): the
 * measurement part held, each SNP's own S and DWLS weights, warm-started from the last SNP.
 * Checks the held fit against a free refit's gradient conditions and times it. */
static void gwas_warm(ks_ctx *ctx)
{
    const char *ov[] = {"x1", "x2", "x3", "x4", "x5", "SNP"}, *lv[] = {"F1"};
    const row_spec rows[] = {
        {"F1", "=~", "x1", 1, NAN},   {"F1", "=~", "x2", 2, NAN},  {"F1", "=~", "x3", 3, NAN},
        {"F1", "=~", "x4", 4, NAN},   {"F1", "=~", "x5", 5, NAN},  {"F1", "~", "SNP", 6, NAN},
        {"F1", "~~", "F1", 0, 1},     {"x1", "~~", "x1", 7, NAN},  {"x2", "~~", "x2", 8, NAN},
        {"x3", "~~", "x3", 9, NAN},   {"x4", "~~", "x4", 10, NAN}, {"x5", "~~", "x5", 11, NAN},
        {"SNP", "~~", "SNP", 12, NAN}};
    const size_t nr = sizeof rows / sizeof *rows;
    ks__sem_partable t;
    ks__sem_par par[16];
    make_table(&t, par, rows, nr, ov, 6, lv, 1);
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    CHECK_OK(ctx, ks__sem_model_compile(ctx, &t, NULL, &m));
    if (m) CHECK_OK(ctx, ks__sem_work_new(ctx, m, &w));
    if (!w) goto out;
    const double lam[5] = {0.6, 0.5, 0.7, 0.4, 0.55}, th[5] = {0.4, 0.5, 0.35, 0.6, 0.45};
    double est[16];
    for (size_t i = 0; i < 5; i++) est[i] = lam[i], est[7 + i] = th[i];
    est[5] = 0.0, est[6] = 1.0, est[12] = 0.3;
    unsigned char hold[12] = {1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0};
    const size_t nsnp = 20000;
    double S[36], Wd[21], V[441], vc[144];
    ks__sem_fit_info info;
    int bad = 0;
    double worst = 0;
    const clock_t t0 = clock();
    for (size_t s = 0; s < nsnp; s++) {
        const double var = 2 * 0.3 * 0.7 * (1 + 0.2 * ks_rng_uniform(7, 0, s));
        const double b = 0.05 * ks_rng_normal(7, 1, s);
        for (int j = 0; j < 5; j++)
            for (int i = 0; i < 5; i++)
                S[i + j * 6] =
                    lam[i] * lam[j] + (i == j ? th[i] : 0) +
                    0.002 * ks_rng_normal(7, 2 + (uint64_t)(i * 5 + j) % 15, s) * (i >= j);
        for (int j = 0; j < 5; j++)
            for (int i = 0; i < j; i++) S[i + j * 6] = S[j + i * 6];
        for (int i = 0; i < 5; i++)
            S[i + 5 * 6] = S[5 + i * 6] = lam[i] * b * var + 0.001 * ks_rng_normal(7, 20 + i, s);
        S[35] = var;
        for (int k = 0; k < 21; k++) Wd[k] = 1.0 / (1e-4 * (1 + k % 5));
        memset(V, 0, sizeof V);
        for (int k = 0; k < 21; k++) V[k + k * 21] = 1.0 / Wd[k];
        ks__sem_problem pb = {KS__SEM_DWLS, S, 2.0, Wd, hold, 0, 0};
        if (ks__sem_fit(ctx, m, w, &pb, est, &info) || info.status != KS__SEM_CONVERGED ||
            ks__sem_vcov(ctx, m, w, &pb, est, V, vc))
            bad++;
        /* the held fit's SNP effect solves its normal equation (gradient zero) */
        worst = fmax(worst, info.max_grad);
        if (getenv("KS_SEM_DEBUG") && s < 3)
            fprintf(stderr, "snp %zu: %d iterations (bfgs %d)\n", s, info.iterations, info.bfgs);
    }
    const double us = 1e6 * (double)(clock() - t0) / CLOCKS_PER_SEC / (double)nsnp;
    CHECK(bad == 0);
    CHECK(worst <= 1e-10);
    for (size_t i = 0; i < 5; i++) CHECK(est[i] == lam[i] && est[7 + i] == th[i]); /* held */
    printf("sem_engine: GWAS-shaped warm fit (1 factor, 5 indicators + SNP, DWLS, measurement "
           "held) + sandwich: %.2f us per SNP\n",
           us);
    /* a free fit of the same model (no hold), warm-started, for the timing of the full model */
    const clock_t t1 = clock();
    for (size_t s = 0; s < 2000; s++) {
        ks__sem_problem pb = {KS__SEM_DWLS, S, 2.0, Wd, NULL, 0, 0};
        S[5 * 6] = S[5] = lam[0] * 0.01 * (double)(s % 7) * S[35];
        if (ks__sem_fit(ctx, m, w, &pb, est, &info) || info.status != KS__SEM_CONVERGED) bad++;
    }
    CHECK(bad == 0);
    printf("sem_engine: the same model, all 12 parameters free, warm-started: %.2f us per fit\n",
           1e6 * (double)(clock() - t1) / CLOCKS_PER_SEC / 2000.0);
out:
    ks__sem_work_free(w);
    ks__sem_model_free(m);
}

static void failures(ks_ctx *ctx)
{
    const char *ov[] = {"y1", "y2", "y3"}, *lv[] = {"f"};
    /* a factor with two free loadings and a free variance on three indicators' covariances:
       only the products are identified */
    const row_spec rows[] = {{"f", "=~", "y1", 1, NAN},  {"f", "=~", "y2", 2, NAN},
                             {"y1", "~~", "y1", 3, NAN}, {"y2", "~~", "y2", 4, NAN},
                             {"f", "~~", "f", 5, NAN},   {"y3", "~~", "y3", 6, NAN}};
    ks__sem_partable t;
    ks__sem_par par[8];
    make_table(&t, par, rows, 6, ov, 3, lv, 1);
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    CHECK_OK(ctx, ks__sem_model_compile(ctx, &t, NULL, &m));
    if (m) CHECK_OK(ctx, ks__sem_work_new(ctx, m, &w));
    if (!w) goto out;
    double S[9] = {2, 0.8, 0, 0.8, 1.5, 0, 0, 0, 1}, est[6], V[36];
    ks__sem_problem pb = {KS__SEM_ML, S, 100, NULL, NULL, 0, 0};
    ks__sem_fit_info info;
    CHECK_OK(ctx, ks__sem_start(ctx, m, S, est));
    CHECK_OK(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info));
    CHECK_FAILS(ctx, ks__sem_vcov(ctx, m, w, &pb, est, NULL, V), KS_ENUMERIC, "not identified");
    /* a sample covariance that is not positive definite: ML and GLS refuse it, ULS fits */
    double bad[9] = {1, 2, 0, 2, 1, 0, 0, 0, 1};
    pb.S = bad;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_ENUMERIC, "not positive definite");
    pb.estimator = KS__SEM_GLS;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_ENUMERIC, "not positive definite");
    pb.S = S;
    S[4] = NAN;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_ENUMERIC, "not finite");
    S[4] = 1.5;
    /* WLS without weights, or with weights that are not finite or negative */
    pb.estimator = KS__SEM_DWLS;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_EINVAL, "weight");
    double Wd[6] = {1, 1, 1, NAN, 1, 1};
    pb.W = Wd;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_EINVAL, "weight 4 is not finite");
    Wd[3] = -1;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_EINVAL, "weight 4 is negative");
    /* a start value that is not finite */
    pb.estimator = KS__SEM_ULS;
    est[0] = NAN;
    CHECK_FAILS(ctx, ks__sem_fit(ctx, m, w, &pb, est, &info), KS_EINVAL, "f =~ y1");
out:
    ks__sem_work_free(w);
    ks__sem_model_free(m);
    /* rows the engine does not fit */
    const row_spec mean[] = {{"y1", "~1", "", 1, NAN}, {"y1", "~~", "y1", 2, NAN}};
    make_table(&t, par, mean, 2, ov, 3, lv, 0);
    m = NULL;
    CHECK_FAILS(ctx, ks__sem_model_compile(ctx, &t, NULL, &m), KS_EINVAL, "row 1 (y1 ~1 )");
    const row_spec unknown[] = {{"y1", "~~", "zz", 1, NAN}};
    make_table(&t, par, unknown, 1, ov, 3, lv, 0);
    CHECK_FAILS(ctx, ks__sem_model_compile(ctx, &t, NULL, &m), KS_EINVAL, "does not list");
    const row_spec nonlin[] = {{"y1", "~~", "y1", 1, NAN},
                               {"y2", "~~", "y2", 2, NAN},
                               {".p1.", "==", ".p2.*.p2.", 0, NAN}};
    make_table(&t, par, nonlin, 3, ov, 3, lv, 0);
    par[0].plabel = ".p1.";
    par[1].plabel = ".p2.";
    CHECK_FAILS(ctx, ks__sem_model_compile(ctx, &t, NULL, &m), KS_EINVAL, "linearised");
    /* ... which the caller may pass linearised: p1 - 2 p2 = 0 */
    const double C[2] = {1, -2}, d[1] = {0};
    const ks__sem_lincon lc = {1, C, d};
    par[2].user = 1;
    CHECK_OK(ctx, ks__sem_model_compile(ctx, &t, &lc, &m));
    if (m) {
        ks__sem_model_view v;
        ks__sem_model_get(m, &v);
        CHECK(v.nx == 1 && v.K[0] == 1.0 && v.K[1] == 0.5 && v.x_theta[0] == 0);
    }
    ks__sem_model_free(m);
    /* tied parameters with bounds: the free one takes the tighter of them */
    const row_spec tied[] = {
        {"y1", "~~", "y1", 1, NAN}, {"y2", "~~", "y2", 2, NAN}, {".p1.", "==", ".p2.", 0, NAN}};
    make_table(&t, par, tied, 3, ov, 3, lv, 0);
    par[0].plabel = ".p1.", par[0].lower = 0.5;
    par[1].plabel = ".p2.", par[1].lower = 0.7, par[1].upper = 2.0;
    m = NULL;
    CHECK_OK(ctx, ks__sem_model_compile(ctx, &t, NULL, &m));
    if (m) {
        ks__sem_model_view v;
        ks__sem_model_get(m, &v);
        CHECK(v.nx == 1 && v.lower[0] == 0.7 && v.upper[0] == 2.0);
    }
    ks__sem_model_free(m);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    if (!ctx) return ktest_finish("sem_engine");
    check_case(ctx, "hs_ml", 1, 1e-6);
    check_case(ctx, "hs_stdlv", 1, 1e-6);
    check_case(ctx, "pd_ml", 1, 1e-6);
    check_case(ctx, "pd_reg", 1, 1e-6);
    check_case(ctx, "pd_single", 1, 1e-6);
    check_case(ctx, "pd_cycle", 1, 1e-6);
    check_case(ctx, "hs_gls", 1, 1e-6);
    check_case(ctx, "hs_uls", 1, 1e-6);
    check_case(ctx, "hs_dwls", 1, 1e-6);
    check_case(ctx, "hs_at_bound", 1, 1e-6);
    check_case(ctx, "hs_bound", 0, 1e-6);
    check_case(ctx, "gsem_dwls", 1, 1e-6);
    check_case(ctx, "gsem_ml", 1, 1e-6);
    simulation(ctx);
    failures(ctx);
    gwas_warm(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("sem_engine");
}
