/* demean.c — absorb fixed effects: project each column off the fixed-effect dummies by
 * alternating projections (Gauss–Seidel over the dimensions; Gaure 2013) with Irons–Tuck
 * extrapolation every two sweeps (Irons & Tuck 1969, as fixest uses it; Bergé 2018).
 * One dimension is exact in one sweep. Each column is independent, so columns run in parallel
 * and the result does not depend on the thread count. */
#include <math.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "regress_internal.h"

typedef struct {
    double *a;   /* all FE coefficients, dimension after dimension (L) */
    double *ga;  /* F(a) */
    double *gga; /* F(F(a)) */
    double *acc; /* group sums, L */
    double *s;   /* fitted FE sum per observation, n */
} demean_work;

/* s_i = sum_d a_d[g_d(i)] */
static void fitted(const ks_fe_index *fe, const size_t *off, const double *a, double *s)
{
    for (size_t i = 0; i < fe->n; i++) s[i] = 0.0;
    for (size_t d = 0; d < fe->nfe; d++) {
        const int32_t *g = fe->codes[d];
        const double *ad = a + off[d];
        for (size_t i = 0; i < fe->n; i++) s[i] += ad[g[i]];
    }
}

/* One Gauss–Seidel sweep from a (with s = fitted(a)) into out; s is updated to fitted(out). */
static void sweep(const ks_fe_index *fe, const size_t *off, const double *v, const double *a,
                  double *out, double *acc, double *s)
{
    for (size_t d = 0; d < fe->nfe; d++) {
        const int32_t *g = fe->codes[d];
        const size_t L = fe->nlevels[d];
        const double *ad = a + off[d];
        double *od = out + off[d], *ac = acc + off[d];
        memset(ac, 0, L * sizeof *ac);
        if (fe->w)
            for (size_t i = 0; i < fe->n; i++) ac[g[i]] += fe->w[i] * (v[i] - s[i] + ad[g[i]]);
        else
            for (size_t i = 0; i < fe->n; i++) ac[g[i]] += v[i] - s[i] + ad[g[i]];
        const double *ws = fe->wsum[d];
        for (size_t l = 0; l < L; l++) od[l] = ac[l] / ws[l];
        for (size_t i = 0; i < fe->n; i++) s[i] += od[g[i]] - ad[g[i]];
    }
}

static double max_abs_diff(const double *x, const double *y, size_t m)
{
    double d = 0.0;
    for (size_t i = 0; i < m; i++) d = fmax(d, fabs(x[i] - y[i]));
    return d;
}

static size_t demean_column(const ks_fe_index *fe, const size_t *off, size_t L, double *v,
                            double tol, int maxiter, demean_work *w)
{
    double scale = 0.0;
    for (size_t i = 0; i < fe->n; i++) scale = fmax(scale, fabs(v[i]));
    if (scale == 0.0) return 0;
    memset(w->a, 0, L * sizeof *w->a);
    memset(w->s, 0, fe->n * sizeof *w->s);
    size_t it = 0;
    sweep(fe, off, v, w->a, w->ga, w->acc, w->s);
    it++;
    if (fe->nfe > 1) {
        memcpy(w->a, w->ga, L * sizeof *w->a);
        while (it < (size_t)maxiter) {
            /* s = fitted(a) here. */
            sweep(fe, off, v, w->a, w->ga, w->acc, w->s);
            it++;
            if (max_abs_diff(w->ga, w->a, L) <= tol * scale) {
                memcpy(w->a, w->ga, L * sizeof *w->a);
                break;
            }
            sweep(fe, off, v, w->ga, w->gga, w->acc, w->s);
            it++;
            double num = 0.0, den = 0.0;
            for (size_t l = 0; l < L; l++) {
                const double dg = w->gga[l] - w->ga[l];
                const double d2 = dg - (w->ga[l] - w->a[l]);
                num += dg * d2;
                den += d2 * d2;
            }
            const double c = den > 0.0 ? num / den : 0.0;
            for (size_t l = 0; l < L; l++) w->a[l] = w->gga[l] - c * (w->gga[l] - w->ga[l]);
            fitted(fe, off, w->a, w->s);
        }
    } else {
        memcpy(w->a, w->ga, L * sizeof *w->a);
    }
    fitted(fe, off, w->a, w->s);
    for (size_t i = 0; i < fe->n; i++) v[i] -= w->s[i];
    return it;
}

int ks_fe_demean(ks_ctx *ctx, const ks_fe_index *fe, double *V, size_t ncol, double tol,
                 int maxiter, size_t *iters)
{
    *iters = 0;
    if (fe->nfe == 0 || ncol == 0) return KS_OK;
    size_t L = 0;
    size_t *off = ks_malloc_array(ctx, fe->nfe, sizeof *off);
    if (!off) return KS_ENOMEM;
    for (size_t d = 0; d < fe->nfe; d++) {
        off[d] = L;
        L += fe->nlevels[d];
    }
    int nt = ctx->nthreads < 1 ? 1 : ctx->nthreads;
    if ((size_t)nt > ncol) nt = (int)ncol;
    const size_t per = 4 * L + fe->n;
    double *buf = ks_malloc_array(ctx, (size_t)nt, per * sizeof *buf);
    if (!buf) {
        ks_free(ctx, off);
        return KS_ENOMEM;
    }
    size_t maxit = 0;
    ks_blas_set_threads(1);
#pragma omp parallel num_threads(nt) reduction(max : maxit)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *b = buf + (size_t)tid * per;
        demean_work w = {b, b + L, b + 2 * L, b + 3 * L, b + 4 * L};
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < ncol; c++) {
            size_t it = demean_column(fe, off, L, V + c * fe->n, tol, maxiter, &w);
            if (it > maxit) maxit = it;
        }
    }
    ks_blas_set_threads(ctx->nthreads);
    ks_free(ctx, buf);
    ks_free(ctx, off);
    *iters = maxit;
    if (maxit >= (size_t)maxiter)
        ks_log(ctx, KS_LOG_WARN,
               "fixed effects: projections stopped at %d iterations before reaching tolerance "
               "%g",
               maxiter, tol);
    return KS_OK;
}
