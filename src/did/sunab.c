/* sunab.c — Sun & Abraham (2021) interaction-weighted event study: the saturated regression
 * y ~ sum_{g, e != ref} 1(cohort g) 1(t - g = e) (+ covariates) | unit + time, clustered by unit
 * (or a coarser cluster), through kestrel's fixed-effects regression (fixest's small-sample
 * factors); then each relative period's effect averages the cohort effects delta_{g,e} weighted
 * by the cohorts' treated observations at e, and the overall ATT averages the post periods
 * (e >= 0) by their treated observations — with delta-method standard errors w'Vw from the
 * regression's cluster-robust variance (diff-diff's SunAbraham definitions), or from its Conley
 * spatial-HAC variance (ks_did_conley_fit: the within-transformed design's sandwich, as
 * diff-diff's vcov_type="conley"). ref = -1 - anticipation. Never-treated units (first_treat 0,
 * empty or Inf) are the controls. */
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"
#include "kestrel/did_conley.h"
#include "kestrel/regress.h"
#include "linalg/linalg_internal.h"

struct ks_did_sunab {
    ks_allocator alloc;
    ks_did_sunab_view v;
    double *buf;
    double *boot;  /* the bootstrap's period effects, then its overall ATTs */
    double *extra; /* the periods' covariance, then the sorted period values */
};

void ks_did_sunab_free(ks_did_sunab *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->buf);
    ks__release(&a, r->boot);
    ks__release(&a, r->extra);
    ks__release(&a, r);
}

void ks_did_sunab_get(const ks_did_sunab *r, ks_did_sunab_view *out) { *out = r->v; }

/* Cells (e, g), ordered by relative period, then cohort. */
static int cmp_cell(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* w' V w over the regression coefficients idx (V column-major, ld K). */
static double quad(const double *V, size_t K, const size_t *idx, const double *w, size_t m)
{
    double s = 0.0;
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++) s += w[a] * V[idx[b] * K + idx[a]] * w[b];
    return s;
}

/* Column `name` of t copied into rt (numbers) under its own name; errors name `what`. */
static int copy_column(ks_ctx *ctx, const ks_table *t, ks_table *rt, const char *what,
                       const char *name)
{
    const size_t n = ks_table_nrow(t);
    size_t j;
    int rc = ks_table_find(ctx, t, name, &j);
    if (rc) return ks__fail(ctx, rc, "%s: no column '%s' in the data", what, name);
    double *x = ks__malloc_array(ctx, n ? n : 1, sizeof *x);
    if (!x) return KS_ENOMEM;
    if (!(rc = ks_table_get_double(ctx, t, j, x, n))) rc = ks_table_add_float64(ctx, rt, name, x);
    ks__free(ctx, x);
    return rc;
}

/* The regression's table: the outcome, unit / time / cluster codes, the covariates and one 0/1
 * column per cell (borrowed from dum), and its formula (*formula: ks__free it). */
static int regression_table(ks_ctx *ctx, const ks_table *t, const double *y, const int64_t *codes,
                            const char *const *covs, size_t ncov, const double *dum, size_t ncell,
                            const double *w, ks_table **rt_out, char **formula_out)
{
    const size_t n = ks_table_nrow(t);
    ks_table *rt = NULL;
    size_t flen = 24 * (ncell + 2);
    for (size_t k = 0; k < ncov; k++) flen += strlen(covs[k]) + 4;
    char *formula = ks__malloc_array(ctx, flen, 1);
    int rc = formula ? ks_table_new(ctx, n, &rt) : KS_ENOMEM;
    if (!rc) rc = ks_table_add_float64_borrowed(ctx, rt, "sa_y", y);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "sa_unit", codes);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "sa_time", codes + n);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "sa_cluster", codes + 2 * n);
    if (!rc && w) rc = ks_table_add_float64_borrowed(ctx, rt, "sa_w", w);
    size_t len = 0;
    if (!rc) len += (size_t)sprintf(formula, "sa_y ~ ");
    for (size_t c = 0; c < ncell && !rc; c++) {
        char name[32];
        snprintf(name, sizeof name, "sa_d%zu", c);
        rc = ks_table_add_float64_borrowed(ctx, rt, name, dum + c * n);
        len += (size_t)sprintf(formula + len, "%s%s", c ? " + " : "", name);
    }
    for (size_t k = 0; k < ncov && !rc; k++) {
        const char *name = covs[k]; /* the user's name, so that messages name it */
        if ((rc = copy_column(ctx, t, rt, "covariates", name))) break;
        len += (size_t)sprintf(formula + len, " + %s", name);
    }
    if (!rc) sprintf(formula + len, " | sa_unit + sa_time");
    if (rc) {
        ks_table_free(rt);
        ks__free(ctx, formula);
        return rc;
    }
    *rt_out = rt;
    *formula_out = formula;
    return KS_OK;
}

/* The regression, clustered by the sa_cluster codes (weighted by w when not NULL). */
static int regress(ks_ctx *ctx, const ks_table *t, const double *y, const int64_t *codes,
                   const char *const *covs, size_t ncov, const double *dum, size_t ncell,
                   const double *w, ks_feols **m)
{
    ks_table *rt = NULL;
    char *formula = NULL;
    int rc = regression_table(ctx, t, y, codes, covs, ncov, dum, ncell, w, &rt, &formula);
    if (!rc) {
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        o.vcov = KS_VCOV_CRV1;
        o.cluster = "sa_cluster";
        o.weights = w ? "sa_w" : NULL;
        rc = ks_feols_fit(ctx, rt, formula, &o, m);
    }
    ks_table_free(rt);
    ks__free(ctx, formula);
    return rc;
}

/* The regression with Conley errors (ks_did_conley_fit on the partialled design): the
 * coordinates under the user's names, each row's period value (the serial part's lags), the
 * units, and the sa_cluster codes as the product kernel's clusters when `clustered`. */
static int regress_conley(ks_ctx *ctx, const ks_table *t, const double *y, const int64_t *codes,
                          const char *const *covs, size_t ncov, const double *dum, size_t ncell,
                          const ks_did_conley_options *conley, const double *period, int clustered,
                          ks_did_conley **cm)
{
    ks_table *rt = NULL;
    char *formula = NULL;
    size_t j;
    int rc = regression_table(ctx, t, y, codes, covs, ncov, dum, ncell, NULL, &rt, &formula);
    if (!rc) rc = ks_table_add_float64_borrowed(ctx, rt, "sa_period", period);
    /* (a coordinate that is also a covariate is in the table already; a missing one is
     * ks_did_conley_fit's error) */
    const char *xy[2] = {conley->lat, conley->lon};
    for (int c = 0; c < 2 && !rc; c++)
        if (xy[c] && ks_table_find(NULL, rt, xy[c], &j))
            rc = copy_column(ctx, t, rt, "conley_coords", xy[c]);
    if (!rc) {
        ks_did_conley_options o = *conley;
        o.time = "sa_period";
        o.unit = "sa_unit";
        o.cluster = clustered ? "sa_cluster" : NULL;
        rc = ks_did_conley_fit(ctx, rt, formula, &o, cm);
    }
    ks_table_free(rt);
    ks__free(ctx, formula);
    return rc;
}

/* The saturated regression in closed form, for a balanced panel without covariates and a
 * cluster constant within units. Each group (a cohort, or the never treated) is then its own
 * two-way fixed-effects block, so with b the cohort's base period (the reference, or its first
 * period when it has no reference) delta_{g,e} = (ybar_{g,g+e} - ybar_{g,b}) - (ybar_{0,g+e} -
 * ybar_{0,b}) from group-by-period means (group 0 the never treated), the residuals are the
 * two-way demeaned outcomes within each group, and each cluster's score for delta is the same
 * contrast of its residuals (the coefficient's weights on the observations): V = ssc S'S with
 * fixest's ssc (G / (G - 1)) (n - 1) / (n - K), K = cells + periods (the unit effects nested
 * in the clusters left out, as fixest counts them). *ok = 0
 * (and nothing done) when the data do not qualify. */
static int closed_form(ks_ctx *ctx, size_t n, const double *y, const double *gr,
                       const int64_t *codes, size_t N, size_t T, size_t G, const size_t *rowcell,
                       size_t ncell, double *coef, double *V, double *df_t, int *ok)
{
    const int64_t *uc = codes, *tc = codes + n, *cc = codes + 2 * n;
    *ok = 0;
    size_t NT;
    if (!ks__size_mul(N, T, &NT) || NT != n || G < 2) return KS_OK;
    /* groups: cohorts in order, the never treated last */
    double *gl = ks__malloc_array(ctx, n + 1, sizeof *gl);
    int64_t *ucl = ks__malloc_array(ctx, N + 1, sizeof *ucl);
    unsigned char *seen = ks__calloc(ctx, NT + 1, 1);
    double *M = NULL, *S = NULL;
    size_t *ugrp = NULL;
    int rc = KS_OK;
    if (!gl || !ucl || !seen) {
        rc = KS_ENOMEM;
        goto out;
    }
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(gr[i])) gl[ng++] = gr[i];
    ng = ks__did_sort_unique(gl, ng);
    const size_t K = ng + 1, never = ng;
    for (size_t u = 0; u < N; u++) ucl[u] = -1;
    for (size_t i = 0; i < n; i++) { /* balanced, complete, cluster constant within unit */
        const size_t cell = (size_t)uc[i] * T + (size_t)tc[i];
        if (seen[cell]++ || !isfinite(y[i])) goto out;
        if (ucl[uc[i]] < 0) ucl[uc[i]] = cc[i];
        if (ucl[uc[i]] != cc[i]) goto out;
    }
    /* means: unit, group x period, group; the base period and cells of each cohort */
    M = ks__calloc(ctx, K * T + 2 * K + N + ng * T, sizeof *M);
    ugrp = ks__malloc_array(ctx, N + 1, sizeof *ugrp);
    S = ks__calloc(ctx, G * ncell + 1, sizeof *S);
    if (!M || !ugrp || !S) {
        rc = KS_ENOMEM;
        goto out;
    }
    double *gsize = M + K * T, *gmean = gsize + K, *umean = gmean + K;
    double *cellat = umean + N; /* ng x T: the cell of (cohort, period) + 1, 0 for none */
    for (size_t i = 0; i < n; i++) {
        const size_t k = isnan(gr[i]) ? never : ks__did_lower_bound(gl, ng, gr[i]);
        ugrp[uc[i]] = k;
        M[k * T + (size_t)tc[i]] += y[i];
        umean[uc[i]] += y[i] / (double)T;
        if (rowcell[i] != SIZE_MAX) cellat[k * T + (size_t)tc[i]] = (double)(rowcell[i] + 1);
    }
    for (size_t u = 0; u < N; u++) gsize[ugrp[u]] += 1.0;
    for (size_t k = 0; k < K; k++)
        for (size_t s = 0; s < T; s++) {
            M[k * T + s] /= gsize[k];
            gmean[k] += M[k * T + s] / (double)T;
        }
    /* each cohort's base period: the one period without a cell */
    size_t *base = (size_t *)ucl; /* ucl is free now: ng entries */
    for (size_t k = 0; k < ng; k++) {
        base[k] = T;
        for (size_t s = 0; s < T; s++)
            if (cellat[k * T + s] == 0.0) base[k] = s;
    }
    for (size_t k = 0; k < ng; k++)
        for (size_t s = 0; s < T; s++) {
            if (cellat[k * T + s] == 0.0) continue;
            const size_t c = (size_t)cellat[k * T + s] - 1, b = base[k];
            coef[c] = (M[k * T + s] - M[k * T + b]) - (M[never * T + s] - M[never * T + b]);
        }
    /* cluster scores: each residual, weighted as it enters each cell's contrast */
    for (size_t i = 0; i < n; i++) {
        const size_t k = ugrp[uc[i]], s = (size_t)tc[i];
        const double e = y[i] - umean[uc[i]] - M[k * T + s] + gmean[k];
        double *Sc = S + (size_t)cc[i] * ncell;
        if (k != never) {
            const double w = e / gsize[k];
            if (s != base[k])
                Sc[(size_t)cellat[k * T + s] - 1] += w;
            else
                for (size_t q = 0; q < T; q++)
                    if (cellat[k * T + q] != 0.0) Sc[(size_t)cellat[k * T + q] - 1] -= w;
        } else {
            const double w = e / gsize[never];
            for (size_t q = 0; q < ng; q++) {
                if (s != base[q]) {
                    if (cellat[q * T + s] != 0.0) Sc[(size_t)cellat[q * T + s] - 1] -= w;
                } else {
                    for (size_t p = 0; p < T; p++)
                        if (cellat[q * T + p] != 0.0) Sc[(size_t)cellat[q * T + p] - 1] += w;
                }
            }
        }
    }
    const double kk = (double)(ncell + T); /* fixest: N + T - 1 FE levels less the N - 1 nested */
    const double ssc = (double)G / (double)(G - 1) * ((double)n - 1.0) / ((double)n - kk);
    if (ncell > INT_MAX || G > INT_MAX) {
        rc = ks__fail(ctx, KS_EINVAL, "too many cells or clusters for the variance");
        goto out;
    }
    /* V = ssc S'S (S: a column of scores per cluster) */
    ks__blas_set_threads(ks__threads_for(ctx, 0.5 * (double)ncell * (double)ncell * (double)G));
    rc = ks__dsyrk(ctx, 'U', 'N', ncell, G, ssc, S, ncell, 0.0, V, ncell);
    ks__blas_set_threads(ctx->nthreads);
    if (rc) goto out;
    for (size_t a = 0; a < ncell; a++)
        for (size_t b = 0; b < a; b++) V[b * ncell + a] = V[a * ncell + b];
    *df_t = (double)(G - 1);
    *ok = 1;
out:
    ks__free(ctx, gl);
    ks__free(ctx, ucl);
    ks__free(ctx, seen);
    ks__free(ctx, M);
    ks__free(ctx, ugrp);
    ks__free(ctx, S);
    return rc;
}

/* ---- the pairs bootstrap (diff-diff's SunAbraham(n_bootstrap > 0)) ---- */

/* What a draw re-estimates: rows (outcome, cohort, unit / time codes, cell), the cells' relative
 * periods (sorted), the fit's period effects and overall ATT (a draw that cannot be estimated
 * repeats them, as diff-diff does), and how the fit was computed. */
typedef struct {
    size_t n, N, T, ncell;
    const double *y, *gr;
    const int64_t *codes;
    const size_t *rowcell;
    const double *rel;
    size_t nrel;
    const double *e, *att_e;
    double att;
    int closed; /* a balanced panel without covariates: group-by-period means */
    const ks_table *t;
    const char *const *covs;
    size_t ncov;
} sa_boot_in;

/* Draw b: each of the N units drawn N times with replacement; k[u] its multiplicity. */
static void draw_units(uint64_t seed, uint64_t b, size_t N, double *k)
{
    memset(k, 0, N * sizeof *k);
    for (size_t i = 0; i < N; i++) {
        size_t u = (size_t)(ks_rng_uniform(seed, b, i) * (double)N);
        k[u < N ? u : N - 1] += 1.0;
    }
}

/* The interaction-weighted period effects and overall ATT of cell coefficients coef with
 * treated-observation counts cnt (a NaN coefficient gets no weight); a period without an
 * estimable cell, and an overall without one, take the fit's values. */
static void iw_effects(const sa_boot_in *in, const double *coef, const double *cnt, double *eff,
                       double *att)
{
    double num = 0.0, den = 0.0;
    size_t c = 0;
    for (size_t q = 0; q < in->nrel; q++) {
        double s = 0.0, tot = 0.0;
        for (; c < in->ncell && in->rel[c] == in->e[q]; c++) {
            if (isnan(coef[c]) || !(cnt[c] > 0)) continue;
            s += cnt[c] * coef[c];
            tot += cnt[c];
        }
        eff[q] = tot > 0 ? s / tot : in->att_e[q];
        if (in->e[q] >= 0 && tot > 0) {
            num += s;
            den += tot;
        }
    }
    *att = den > 0 ? num / den : in->att;
}

/* One draw's cell coefficients from group-by-period means weighted by the multiplicities: the
 * closed form of the saturated regression (closed_form above). grp: each row's group (0..ng-1
 * cohorts, ng the never treated); cellat (ng x T): cell + 1 of (cohort, period), 0 for none;
 * base: each cohort's base period. M: (ng + 1) x T + ng + 1 scratch. 0: no never-treated unit
 * drawn. */
static int closed_coef(const sa_boot_in *in, const size_t *grp, size_t ng, const double *cellat,
                       const size_t *base, const double *k, double *M, double *coef)
{
    const size_t T = in->T, K = ng + 1;
    double *gsz = M + K * T;
    memset(M, 0, (K * T + K) * sizeof *M);
    for (size_t i = 0; i < in->n; i++) {
        const double w = k[in->codes[i]];
        const size_t s = (size_t)in->codes[in->n + i];
        M[grp[i] * T + s] += w * in->y[i];
        if (s == 0) gsz[grp[i]] += w;
    }
    if (!(gsz[ng] > 0)) return 0;
    for (size_t q = 0; q < K; q++)
        for (size_t s = 0; s < T; s++) M[q * T + s] /= gsz[q];
    for (size_t q = 0; q < ng; q++)
        for (size_t s = 0; s < T; s++) {
            if (cellat[q * T + s] == 0.0) continue;
            const size_t c = (size_t)cellat[q * T + s] - 1, b = base[q];
            coef[c] =
                gsz[q] > 0 ? (M[q * T + s] - M[q * T + b]) - (M[ng * T + s] - M[ng * T + b]) : NAN;
        }
    return 1;
}

/* The closed form's bookkeeping: groups of rows, the (cohort, period) cells, base periods. */
static int closed_setup(ks_ctx *ctx, const sa_boot_in *in, size_t **grp_out, size_t *ng_out,
                        double **cellat_out, size_t **base_out)
{
    const size_t n = in->n, T = in->T;
    double *gl = ks__malloc_array(ctx, n + 1, sizeof *gl);
    size_t *grp = ks__malloc_array(ctx, n + 1, sizeof *grp);
    if (!gl || !grp) goto oom;
    size_t ng = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(in->gr[i])) gl[ng++] = in->gr[i];
    ng = ks__did_sort_unique(gl, ng);
    double *cellat = ks__calloc(ctx, ng * T + 1, sizeof *cellat);
    size_t *base = ks__malloc_array(ctx, ng + 1, sizeof *base);
    if (!cellat || !base) {
        ks__free(ctx, cellat);
        ks__free(ctx, base);
        goto oom;
    }
    for (size_t i = 0; i < n; i++) {
        grp[i] = isnan(in->gr[i]) ? ng : ks__did_lower_bound(gl, ng, in->gr[i]);
        if (in->rowcell[i] != SIZE_MAX)
            cellat[grp[i] * T + (size_t)in->codes[n + i]] = (double)(in->rowcell[i] + 1);
    }
    for (size_t q = 0; q < ng; q++) {
        base[q] = 0;
        for (size_t s = 0; s < T; s++)
            if (cellat[q * T + s] == 0.0) base[q] = s;
    }
    ks__free(ctx, gl);
    *grp_out = grp;
    *ng_out = ng;
    *cellat_out = cellat;
    *base_out = base;
    return KS_OK;
oom:
    ks__free(ctx, gl);
    ks__free(ctx, grp);
    return KS_ENOMEM;
}

/* B draws: out (B x nrel column-major) the period effects, then B overall ATTs. Each draw's
 * units come from the counter stream (seed, draw, i), so the draws are identical for any
 * thread count: closed-form draws run in parallel, regression draws one after another (each
 * regression uses the threads itself). */
static int pairs_bootstrap(ks_ctx *ctx, const sa_boot_in *in, int B, uint64_t seed, double *out,
                           size_t *failed)
{
    const size_t n = in->n, N = in->N, nc = in->ncell, nr = in->nrel, Bz = (size_t)B;
    double *eff_all = out, *att_all = out + Bz * nr;
    *failed = 0;
    if (in->closed) {
        size_t *grp = NULL, *base = NULL, ng = 0;
        double *cellat = NULL;
        int rc = closed_setup(ctx, in, &grp, &ng, &cellat, &base);
        if (rc) return rc;
        const size_t per = N + (ng + 1) * in->T + ng + 1 + 2 * nc + nr;
        size_t nt = (size_t)ks__threads_for(ctx, 2.0 * (double)Bz * (double)n);
        nt = nt > Bz ? Bz : nt ? nt : 1;
        double *work = ks__malloc_array(ctx, nt, per * sizeof *work);
        if (!work) rc = KS_ENOMEM;
        size_t nfail = 0;
        if (!rc) {
#pragma omp parallel for num_threads((int)nt) schedule(static) reduction(+ : nfail)
            for (size_t b = 0; b < Bz; b++) {
#ifdef _OPENMP
                double *k = work + (size_t)omp_get_thread_num() * per;
#else
                double *k = work;
#endif
                double *M = k + N, *coef = M + (ng + 1) * in->T + ng + 1, *cnt = coef + nc;
                double *eff = cnt + nc;
                draw_units(seed, b, N, k);
                if (!closed_coef(in, grp, ng, cellat, base, k, M, coef)) {
                    for (size_t q = 0; q < nr; q++) eff_all[q * Bz + b] = in->att_e[q];
                    att_all[b] = in->att;
                    nfail++;
                    continue;
                }
                memset(cnt, 0, nc * sizeof *cnt);
                for (size_t i = 0; i < n; i++)
                    if (in->rowcell[i] != SIZE_MAX) cnt[in->rowcell[i]] += k[in->codes[i]];
                iw_effects(in, coef, cnt, eff, &att_all[b]);
                for (size_t q = 0; q < nr; q++) eff_all[q * Bz + b] = eff[q];
            }
        }
        *failed = nfail;
        ks__free(ctx, grp);
        ks__free(ctx, cellat);
        ks__free(ctx, base);
        ks__free(ctx, work);
        return rc;
    }
    /* the weighted regression: a unit drawn k times is k units with their own effects, which
     * give the coefficients of the regression weighted by k (zero weights leave the rows out) */
    double *k = ks__malloc_array(ctx, N + 2 * n + 3 * nc + nr + 1, sizeof *k);
    if (!k) return KS_ENOMEM;
    double *w = k + N, *dum = NULL, *coef = w + n, *cnt = coef + nc, *eff = cnt + nc;
    int rc = KS_OK;
    dum = ks__calloc(ctx, nc * n + 1, sizeof *dum);
    if (!dum) rc = KS_ENOMEM;
    for (size_t i = 0; dum && i < n; i++)
        if (in->rowcell[i] != SIZE_MAX) dum[in->rowcell[i] * n + i] = 1.0;
    for (size_t b = 0; b < Bz && rc == KS_OK; b++) {
        draw_units(seed, b, N, k);
        memset(cnt, 0, nc * sizeof *cnt);
        for (size_t i = 0; i < n; i++) {
            w[i] = k[in->codes[i]];
            if (in->rowcell[i] != SIZE_MAX) cnt[in->rowcell[i]] += w[i];
        }
        ks_feols *m = NULL;
        ks_ctx lctx = *ctx; /* a failed draw's message stays out of ctx */
        lctx.log_fn = NULL;
        const int frc = regress(&lctx, in->t, in->y, in->codes, in->covs, in->ncov, dum, nc, w, &m);
        if (frc == KS_ENOMEM) rc = frc;
        if (frc) {
            for (size_t q = 0; q < nr; q++) eff_all[q * Bz + b] = in->att_e[q];
            att_all[b] = in->att;
            ++*failed;
            continue;
        }
        ks_feols_view fv;
        ks_feols_get(m, &fv);
        for (size_t c = 0; c < nc; c++) coef[c] = fv.collinear[c] ? NAN : fv.coef[c];
        ks_feols_free(m);
        iw_effects(in, coef, cnt, eff, &att_all[b]);
        for (size_t q = 0; q < nr; q++) eff_all[q * Bz + b] = eff[q];
    }
    ks__free(ctx, dum);
    ks__free(ctx, k);
    return rc;
}

int ks_did_sunab_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                 const char *time, const char *first_treat, const ks_did_sunab_options *opt,
                 ks_did_sunab **out)
{
    *out = NULL;
    const ks_did_sunab_options dflt = KS_DID_SUNAB_OPTIONS_INIT;
    if (!opt) opt = &dflt;
    const size_t n = ks_table_nrow(t);
    const double ref = -1.0 - opt->anticipation;
    ks_did_numcol yc, tcol, gcol;
    int rc;
    if (opt->anticipation < 0)
        return ks__fail(ctx, KS_EINVAL, "anticipation: %d is negative", opt->anticipation);
    if (!(opt->alpha > 0 && opt->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", opt->alpha);
    if (opt->n_bootstrap < 0)
        return ks__fail(ctx, KS_EINVAL, "n_bootstrap: %d is negative", opt->n_bootstrap);
    if (opt->df_convention < 0 || opt->df_convention > 2)
        return ks__fail(ctx, KS_EINVAL, "df_convention: unknown value %d", opt->df_convention);
    if (opt->conley && opt->n_bootstrap > 0)
        return ks__fail(ctx, KS_EINVAL,
                        "n_bootstrap: %d with Conley errors (the pairs bootstrap "
                        "would replace them; use 0)",
                        opt->n_bootstrap);
    if ((rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "time", time, &tcol)) ||
        (rc = ks__did_numeric(ctx, t, "first_treat", first_treat, &gcol)))
        return rc;
    size_t ju, jt, jc;
    if ((rc = ks_table_find(ctx, t, unit, &ju)))
        return ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
    if ((rc = ks_table_find(ctx, t, time, &jt)))
        return ks__fail(ctx, rc, "time: no column '%s' in the data", time);
    if ((rc = ks_table_find(ctx, t, opt->cluster ? opt->cluster : unit, &jc)))
        return ks__fail(ctx, rc, "cluster: no column '%s' in the data", opt->cluster);
    size_t ncov = 0;
    while (opt->covariates && opt->covariates[ncov]) ncov++;

    int64_t *codes = ks__malloc_array(ctx, n ? n : 1, 3 * sizeof *codes);
    double *work = ks__malloc_array(ctx, n ? n : 1, 5 * sizeof *work);
    double *dum = NULL, *fit = NULL, *count = NULL;
    ks_feols *m = NULL;
    ks_did_conley *cm = NULL; /* the regression with Conley errors */
    double *period = NULL;    /* its rows' period values */
    ks_did_sunab *r = NULL;
    unsigned char *seen = NULL;
    size_t *rowcell = NULL;
    int ref_seen = 0;
    if (!codes || !work) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t N, T, G;
    if ((rc = ks_table_factorize(ctx, t, &ju, 1, codes, ks_table_nrow(t), &N)) ||
        (rc = ks_table_factorize(ctx, t, &jt, 1, codes + n, ks_table_nrow(t), &T)) ||
        (rc = ks_table_factorize(ctx, t, &jc, 1, codes + 2 * n, ks_table_nrow(t), &G)))
        goto done;
    if (G < 2 && (!opt->conley || opt->cluster)) {
        rc = ks__fail(ctx, KS_EINVAL,
                     "cluster: '%s' has %zu level%s; clustered standard errors need at least 2 "
                     "clusters",
                     opt->cluster ? opt->cluster : unit, G, G == 1 ? "" : "s");
        goto done;
    }
    /* per row: the outcome, cohort g (NaN: never treated), relative period e; cells (e, g) */
    double *y = work, *gr = work + n, *er = work + 2 * n, *cells = work + 3 * n;
    double *ug = ks__malloc_array(ctx, N ? N : 1, sizeof *ug);
    seen = ks__calloc(ctx, N ? N : 1, 1);
    if (!ug || !seen) {
        ks__free(ctx, ug);
        rc = KS_ENOMEM;
        goto done;
    }
    size_t n_never = 0, n_treat = 0, ncell = 0, n_late = 0;
    double tmax = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        const double tv = ks__did_num_at(&tcol, i);
        tmax = tv > tmax ? tv : tmax;
    }
    for (size_t i = 0; i < n && rc == KS_OK; i++) {
        const double tv = ks__did_num_at(&tcol, i), g = ks__did_num_at(&gcol, i);
        y[i] = ks__did_num_at(&yc, i);
        if (!isfinite(tv) || codes[i] < 0 || codes[2 * n + i] < 0) {
            rc = ks__fail(ctx, KS_EINVAL, "%s: row %zu is missing",
                         !isfinite(tv) ? time : codes[i] < 0 ? unit : "cluster", i + 1);
            break;
        }
        gr[i] = isnan(g) || g == 0.0 || isinf(g) ? NAN : g;
        er[i] = tv - gr[i];
        const size_t u = (size_t)codes[i];
        if (!seen[u]) {
            seen[u] = 1;
            ug[u] = gr[i];
            *(isnan(gr[i]) ? &n_never : &n_treat) += 1;
            n_late += gr[i] > tmax;
        } else if (!(ug[u] == gr[i] || (isnan(ug[u]) && isnan(gr[i])))) {
            rc = ks__fail(ctx, KS_EINVAL, "first_treat: row %zu: '%s' changes within a unit", i + 1,
                         first_treat);
        }
        if (!isnan(gr[i]) && er[i] != ref && isfinite(y[i])) {
            cells[2 * ncell] = er[i];
            cells[2 * ncell + 1] = gr[i];
            ncell++;
        }
    }
    ks__free(ctx, ug);
    if (rc) goto done;
    if (n_late)
        ks__log(ctx, KS_LOG_WARN,
               "%zu unit%s first treated after the last period (%g): never observed treated, "
               "they add only pre-treatment relative periods",
               n_late, n_late == 1 ? "" : "s", tmax);
    if (n_never == 0 || n_treat == 0) {
        rc = ks__fail(ctx, KS_EINVAL, "first_treat: %s in '%s' (Sun & Abraham compares treated "
                                     "cohorts with never-treated units: 0, empty or Inf)",
                     n_never ? "no treated units" : "no never-treated units", first_treat);
        goto done;
    }
    qsort(cells, ncell, 2 * sizeof *cells, cmp_cell);
    size_t k = 0;
    for (size_t c = 0; c < ncell; c++)
        if (k == 0 || cmp_cell(cells + 2 * c, cells + 2 * (k - 1))) {
            cells[2 * k] = cells[2 * c];
            cells[2 * k + 1] = cells[2 * c + 1];
            k++;
        }
    ncell = k;
    /* a cohort never observed in the reference period (with anticipation, the earliest cohort
     * may start after it) is normalised on its earliest period instead: its own first cell goes
     * (else its cells would span the unit effects) */
    {
        double *refg = ks__malloc_array(ctx, n ? n : 1, sizeof *refg); /* cohorts seen at ref */
        if (!refg) {
            rc = KS_ENOMEM;
            goto done;
        }
        size_t nref = 0, kk = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(gr[i]) && er[i] == ref) refg[nref++] = gr[i];
        nref = ks__did_sort_unique(refg, nref);
        ref_seen = nref > 0;
        for (size_t c = 0; c < ncell; c++) {
            const double g = cells[2 * c + 1], e = cells[2 * c];
            int first = 1; /* the cohort's earliest cell: cells are sorted by period */
            for (size_t q = 0; q < c && first; q++) first = cells[2 * q + 1] != g;
            const size_t at = ks__did_lower_bound(refg, nref, g);
            if (first && (at == nref || refg[at] != g)) continue;
            cells[2 * kk] = e;
            cells[2 * kk + 1] = g;
            kk++;
        }
        ks__free(ctx, refg);
        ncell = kk;
    }
    if (ncell == 0) {
        rc = ks__fail(ctx, KS_EINVAL, "no treated cohort is observed outside the reference "
                                     "period %g", ref);
        goto done;
    }
    /* each row's cell (SIZE_MAX: none — never treated, a base period, no outcome) and the
     * treated observations of each cell */
    rowcell = ks__malloc_array(ctx, n ? n : 1, sizeof *rowcell);
    count = ks__calloc(ctx, ncell + 1, sizeof *count);
    fit = ks__calloc(ctx, ncell * ncell + ncell + 1, sizeof *fit);
    if (!rowcell || !count || !fit) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        rowcell[i] = SIZE_MAX;
        if (isnan(gr[i]) || er[i] == ref || !isfinite(y[i])) continue;
        const double key[2] = {er[i], gr[i]};
        const double *hit = bsearch(key, cells, ncell, 2 * sizeof *cells, cmp_cell);
        if (!hit) continue; /* a cohort's dropped earliest period */
        rowcell[i] = (size_t)(hit - cells) / 2;
        count[rowcell[i]] += 1.0;
    }
    double *coef = fit, *V = fit + ncell, df_t = NAN;
    size_t K = ncell, nobs = 0, nest = ncell; /* nest: coefficients estimated */
    int done_closed = 0;
    if (ncov == 0 && !opt->conley) {
        rc = closed_form(ctx, n, y, gr, codes, N, T, G, rowcell, ncell, coef, V, &df_t,
                         &done_closed);
        nobs = n;
    }
    if (rc == KS_OK && !done_closed) { /* the regression: dummies, one per cell */
        dum = ks__calloc(ctx, ncell * n + 1, sizeof *dum);
        if (!dum) rc = KS_ENOMEM;
        for (size_t i = 0; dum && i < n; i++)
            if (rowcell[i] != SIZE_MAX) dum[rowcell[i] * n + i] = 1.0;
        if (!rc && opt->conley) {
            if (!(period = ks__malloc_array(ctx, n ? n : 1, sizeof *period))) rc = KS_ENOMEM;
            for (size_t i = 0; period && i < n; i++) period[i] = ks__did_num_at(&tcol, i);
            if (!rc)
                rc = regress_conley(ctx, t, y, codes, opt->covariates, ncov, dum, ncell,
                                    opt->conley, period, opt->cluster != NULL, &cm);
        } else if (!rc) {
            rc = regress(ctx, t, y, codes, opt->covariates, ncov, dum, ncell, NULL, &m);
        }
        if (!rc && cm) {
            ks_did_conley_view cv;
            ks_did_conley_get(cm, &cv);
            nobs = cv.nobs;
            K = cv.ncoef;
            nest = 0;
            for (size_t j = 0; j < K; j++) nest += !isnan(cv.coef[j]);
            V = (double *)cv.vcov;
            memcpy(coef, cv.coef, ncell * sizeof *coef); /* NaN: collinear */
        } else if (!rc) {
            ks_feols_view fv;
            ks_feols_get(m, &fv);
            df_t = fv.df_t;
            nobs = fv.nobs;
            K = fv.ncoef;
            nest = 0;
            for (size_t j = 0; j < K; j++) nest += !fv.collinear[j];
            ks__free(ctx, fit); /* V is the regression's */
            fit = ks__calloc(ctx, ncell + 1, sizeof *fit);
            coef = fit;
            V = (double *)fv.vcov;
            for (size_t c = 0; fit && c < ncell; c++) coef[c] = fv.collinear[c] ? NAN : fv.coef[c];
            if (!fit) rc = KS_ENOMEM;
        }
    }
    if (rc) goto done;

    /* the result: cells, relative periods, overall */
    size_t nrel = 0;
    for (size_t c = 0; c < ncell; c++) nrel += c == 0 || cells[2 * c] != cells[2 * (c - 1)];
    if (!(r = ks__calloc(ctx, 1, sizeof *r))) {
        rc = KS_ENOMEM;
        goto done;
    }
    r->alloc = ctx->alloc;
    r->buf = ks__malloc_array(ctx, 6 * ncell + 9 * nrel + 2 * ncell + 1, sizeof *r->buf);
    r->extra = ks__malloc_array(ctx, nrel * nrel + T + 1, sizeof *r->extra);
    if (!r->buf || !r->extra) {
        rc = KS_ENOMEM;
        goto done;
    }
    ks_did_sunab_view *v = &r->v;
    double *cg = r->buf, *ce = cg + ncell, *cd = ce + ncell, *cs = cd + ncell, *cw = cs + ncell;
    double *cn = cw + ncell, *re = cn + ncell, *ra = re + nrel, *rs = ra + nrel, *rn = rs + nrel;
    double *rg = rn + nrel, *rt = rg + nrel, *rp = rt + nrel, *rl = rp + nrel, *rh = rl + nrel;
    double *wv = rh + nrel;
    size_t *idx = (size_t *)(wv + ncell); /* ncell: scratch for the quadratic forms */
    double post_total = 0.0, att = 0.0;
    size_t npost = 0, r0 = 0;
    for (size_t c = 0; c < ncell; c++) {
        cg[c] = cells[2 * c + 1];
        ce[c] = cells[2 * c];
        cn[c] = count[c];
        cd[c] = coef[c];
        cs[c] = isnan(coef[c]) ? NAN : sqrt(V[c * K + c]);
    }
    for (size_t a = 0; a < ncell; a = r0) { /* each relative period: cells a..r0-1 */
        double tot = 0.0;
        for (r0 = a; r0 < ncell && ce[r0] == ce[a]; r0++)
            if (!isnan(cd[r0])) tot += cn[r0];
        size_t mm = 0;
        double eff = 0.0;
        for (size_t c = a; c < r0; c++) {
            cw[c] = isnan(cd[c]) ? 0.0 : cn[c] / tot;
            if (isnan(cd[c])) continue;
            eff += cw[c] * cd[c];
            idx[mm] = c;
            wv[mm++] = cw[c];
        }
        const size_t e = v->nrel;
        re[e] = ce[a];
        ra[e] = mm ? eff : NAN;
        rs[e] = mm ? sqrt(fmax(quad(V, K, idx, wv, mm), 0.0)) : NAN;
        rn[e] = tot;
        rg[e] = (double)mm;
        v->nrel++;
        if (ce[a] >= 0 && mm) {
            post_total += tot;
            npost++;
        }
    }
    /* overall: post periods by their treated observations; its weight on each cell */
    size_t mm = 0;
    for (size_t c = 0; c < ncell; c++)
        if (ce[c] >= 0 && !isnan(cd[c])) {
            double tot = 0.0; /* the period's treated observations */
            for (size_t e = 0; e < v->nrel; e++)
                if (re[e] == ce[c]) tot = rn[e];
            idx[mm] = c;
            wv[mm] = tot / post_total * cw[c];
            att += wv[mm] * cd[c];
            mm++;
        }
    v->ncell = ncell;
    v->cohort = cg;
    v->rel = ce;
    v->effect = cd;
    v->se = cs;
    v->weight = cw;
    v->nobs_cell = cn;
    v->e = re;
    v->att_e = ra;
    v->se_e = rs;
    v->nobs_e = rn;
    v->ncohorts_e = rg;
    v->att = npost ? att : NAN;
    v->att_se = npost ? sqrt(fmax(quad(V, K, idx, wv, mm), 0.0)) : NAN;
    v->df_t = df_t;
    /* the t(df_t) tests and intervals of the periods' effects and of the overall ATT */
    /* the periods' covariance: sum over their cells' weights of the cells' covariances */
    double *vce = r->extra, *per = r->extra + nrel * nrel;
    memset(vce, 0, v->nrel * v->nrel * sizeof *vce);
    for (size_t c = 0, q = 0; c < ncell; c++) { /* idx: each cell's period */
        while (re[q] != ce[c]) q++;
        idx[c] = q;
    }
    for (size_t c = 0; c < ncell; c++)
        for (size_t c2 = 0; c2 < ncell && !isnan(cd[c]); c2++)
            if (!isnan(cd[c2])) vce[idx[c2] * nrel + idx[c]] += cw[c] * V[c2 * K + c] * cw[c2];
    for (size_t i = 0; i < n; i++) per[codes[n + i]] = ks__did_num_at(&tcol, i);
    qsort(per, T, sizeof *per, ks__did_cmp_double);
    v->vcov_e = vce;
    v->periods = per;
    v->ref_observed = ref_seen;
    if (opt->df_convention == 1 || (opt->conley && opt->df_convention == 0))
        /* the residual df: observations less the unit and period effects and the coefficients
         * (Conley errors have no clusters to count: diff-diff's "cluster" is inert there) */
        df_t = (double)nobs - (double)N - (double)T + 1.0 - (double)nest;
    if (opt->df_convention == 2) df_t = 0.0; /* normal tests and intervals */
    v->df_t = df_t;
    v->crit = df_t > 0 ? ks_t_quantile(1.0 - opt->alpha / 2.0, df_t)
                       : ks_normal_quantile(1.0 - opt->alpha / 2.0);
    for (size_t e = 0; e < v->nrel; e++)
        ks__infer(ra[e], rs[e], df_t, v->crit, &rt[e], &rp[e], &rl[e], &rh[e]);
    v->tstat_e = rt;
    v->pvalue_e = rp;
    v->ci_lower_e = rl;
    v->ci_upper_e = rh;
    ks__infer(v->att, v->att_se, df_t, v->crit, &v->att_tstat, &v->att_pvalue, &v->att_ci_lower,
                  &v->att_ci_upper);
    v->nobs = nobs;
    v->nclusters = opt->conley && !opt->cluster ? 0 : G;
    v->n_treated_units = n_treat;
    v->n_control_units = n_never;
    v->nperiods = T;
    v->ref = ref;
    if (opt->n_bootstrap > 0) {
        const sa_boot_in bi = {n,      N,           T,  ncell,           y,   gr,
                               codes,  rowcell,     ce, v->nrel,         re,  ra,
                               v->att, done_closed, t,  opt->covariates, ncov};
        r->boot = ks__malloc_array(ctx, (size_t)opt->n_bootstrap, (v->nrel + 1) * sizeof *r->boot);
        if (!r->boot) {
            rc = KS_ENOMEM;
            goto done;
        }
        size_t failed = 0;
        if ((rc = pairs_bootstrap(ctx, &bi, opt->n_bootstrap, opt->seed, r->boot, &failed)))
            goto done;
        v->n_bootstrap = (size_t)opt->n_bootstrap;
        v->boot_e = r->boot;
        v->boot_att = r->boot + (size_t)opt->n_bootstrap * v->nrel;
        v->n_boot_failed = failed;
        if (failed)
            ks__log(ctx, KS_LOG_WARN,
                    "bootstrap: %zu of %d draws could not be estimated (a resample without "
                    "never-treated units, or a failed regression); they repeat the estimates",
                    failed, opt->n_bootstrap);
    }
    *out = r;
    r = NULL;
done:
    ks__free(ctx, rowcell);
    ks_feols_free(m);
    ks_did_conley_free(cm);
    ks__free(ctx, period);
    ks_did_sunab_free(r);
    ks__free(ctx, codes);
    ks__free(ctx, work);
    ks__free(ctx, dum);
    ks__free(ctx, fit);
    ks__free(ctx, count);
    ks__free(ctx, seen);
    return rc;
}
