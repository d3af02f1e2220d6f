/* h2rg.c — bulik/ldsc's h2 and rg estimators (ldsc.py --h2 / --rg; Bulik-Sullivan et al.
 * 2015, Nat Genet 47:291 and 47:1236), written from the arithmetic of its regressions.py,
 * irwls.py and jackknife.py (notes/genomicsem.md sec. 2.2) in the same order of operations:
 *
 *  - the fast block jackknife: X'X and X'y summed per block (blocks floor(linspace(0, n, B + 1))),
 *    the estimate and the delete-one estimates by LU solves, pseudovalues B est - (B - 1) delete,
 *    their covariance (ddof 1) over B; the ratio jackknife of rg and of the h2 proportions;
 *  - the regression: initial weights at the aggregate estimate M (mean y - null) / mean(l N),
 *    x = N l / mean N, a free intercept as a column of ones (or y - intercept when constrained),
 *    IRWLS with two re-weightings (sqrt weights normalised to sum 1, least squares by kestrel's
 *    QR) and the jackknife with the last weights; h2 weights 1 / (2 (I + h N l / M)^2) / max(w_ld,
 * 1) (l and h2 clipped as upstream), genetic covariance weights 1 / (a b + c^2) / max(w_ld, 1);
 *  - the two-step estimator: step 1 on the SNPs with chi2 < cutoff (for rg both chi2) with a
 *    free intercept, step 2 on every SNP with that intercept, the step-1 blocks carried over to
 *    the full data, delete values of the slope corrected by c (int_delete - int) with
 *    c = sum(w x) / sum(w x^2) at the initial weights.
 *
 * Upstream quirks kept on purpose (they change numbers, so parity needs them):
 *  - the re-weighting reads the intercept as the second coefficient, which with several
 *    annotations and a free intercept is the second annotation's (rg with several annotations);
 *  - step 1's re-weighting uses the scaled x (N l / mean N) as the LD score, step 2 the raw l;
 *  - h2 with several annotations fits with the initial weights only ("old weights") and its
 *    default chi2 filter, and the number of blocks is set before that filter;
 *  - for rg the two-step estimator is off unless a cutoff is given (upstream's default rule sees
 *    the per-file intercept list, never None);
 *  - the second file of a pair drops repeated SNPs before missing values, the first after. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "h2rg_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

/* ---- small numerics ----------------------------------------------------------------------- */

static double mean_of(const double *x, size_t n) { return ks__sum_ld(x, n) / (double)n; }

/* Python's max(a, b) and min(a, b): the first unless the second compares beyond it. */
static double py_max(double a, double b) { return b > a ? b : a; }
static double py_min(double a, double b) { return b < a ? b : a; }

/* ---- weights and IRWLS (regressions.py, irwls.py) -------------------------------------------- */

/* Hsq.weights: 1 / (2 (I + h2 N max(l, 1) / M)^2) / max(w_ld, 1), h2 clipped to [0, 1]. */
static void w_hsq(size_t n, const double *ld, const double *wld, const double *N, double M,
                  double h2, double icpt, double *w)
{
    h2 = py_min(py_max(h2, 0.0), 1.0);
    for (size_t i = 0; i < n; i++) {
        const double l = fmax(ld[i], 1.0), wl = fmax(wld[i], 1.0), c = h2 * N[i] / M;
        const double d = icpt + c * l;
        w[i] = 1.0 / (2.0 * (d * d)) * (1.0 / wl);
    }
}

/* Gencov.weights: 1 / (a b + c^2) / max(w_ld, 1) with a = N1 h1 l / M + I1,
 * b = N2 h2 l / M + I2, c = sqrt(N1 N2) rho l / M + I12 (h clipped to [0, 1], rho to [-1, 1]). */
static void w_gencov(size_t n, const double *ld, const double *wld, const double *N1,
                     const double *N2, double M, double h1, double h2, double rho, double i12,
                     double i1, double i2, double *w)
{
    h1 = py_min(py_max(h1, 0.0), 1.0);
    h2 = py_min(py_max(h2, 0.0), 1.0);
    rho = py_max(py_min(rho, 1.0), -1.0);
    for (size_t i = 0; i < n; i++) {
        const double l = fmax(ld[i], 1.0), wl = fmax(wld[i], 1.0);
        const double a = N1[i] * (h1 * l) / M + i1, b = N2[i] * (h2 * l) / M + i2;
        const double c = sqrt(N1[i] * N2[i]) * (rho * l) / M + i12;
        w[i] = 1.0 / (a * b + c * c) * (1.0 / wl);
    }
}

/* What the re-weighting of one IRWLS needs: the rows' LD score (the first column of the design
 * it is given: see the quirks above), weights' LD, N (or N1, N2), and the model's constants. */
typedef struct {
    int gencov;
    size_t n;
    const double *ld, *wld, *N, *N1, *N2;
    double M, Nbar, intercept; /* intercept NaN: the second coefficient */
    double h1, h2, i1, i2;     /* genetic covariance: the two h2 and their intercepts */
} upd_t;

static int check_weights(ks_ctx *ctx, const double *w, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!(w[i] > 0.0) || !isfinite(w[i]))
            return ks__fail(
                ctx, KS_ENUMERIC,
                "ldsc: regression weight %zu is %g (weights must be positive and finite; "
                "a constrained intercept <= 0 does this)",
                i + 1, w[i]);
    return KS_OK;
}

static int update_weights(ks_ctx *ctx, const upd_t *u, const double *coef, double *w)
{
    const double t = u->M * coef[0] / u->Nbar;
    const double icpt = isnan(u->intercept) ? coef[1] : u->intercept;
    if (u->gencov)
        w_gencov(u->n, u->ld, u->wld, u->N1, u->N2, u->M, u->h1, u->h2, t, icpt, u->i1, u->i2, w);
    else
        w_hsq(u->n, u->ld, u->wld, u->N, u->M, t, icpt, w);
    return check_weights(ctx, w, u->n);
}

/* IRWLS._weight: the rows of X (n x q) and y times sw / sum(sw). */
static void weight_rows(size_t n, size_t q, const double *X, const double *y, const double *sw,
                        double *Xw, double *yw)
{
    const double s = ks__sum_ld(sw, n);
    for (size_t i = 0; i < n; i++) {
        const double wi = sw[i] / s;
        for (size_t c = 0; c < q; c++) Xw[i + c * n] = X[i + c * n] * wi;
        yw[i] = y[i] * wi;
    }
}

/* IRWLS.irwls: sqrt weights, two least-squares fits each re-weighting, then the jackknife of the
 * last weighted fit (separators: NULL for even blocks). */
static int irwls(ks_ctx *ctx, size_t n, size_t q, const double *X, const double *y,
                 const double *w0, const upd_t *u, size_t nb, const size_t *sep,
                 ks_jackknife **out)
{
    *out = NULL;
    double *sw = ks__malloc_array(ctx, n, (q + 3) * sizeof *sw);
    if (!sw) return KS_ENOMEM;
    double *w = sw + n, *Xw = w + n, *yw = Xw + q * n;
    int rc = check_weights(ctx, w0, n);
    for (size_t i = 0; i < n; i++) sw[i] = sqrt(w0[i]);
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.want_cov = 0;
    lo.want_resid = 0;
    for (int it = 0; it < 2 && !rc; it++) {
        weight_rows(n, q, X, y, sw, Xw, yw);
        ks_lstsq_result *f = NULL;
        if ((rc = ks_lstsq(ctx, n, q, Xw, n, yw, NULL, &lo, &f))) break;
        ks_lstsq_view fv;
        ks_lstsq_get(f, &fv);
        if (fv.rank < q)
            rc = ks__fail(ctx, KS_ENUMERIC,
                          "ldsc: the weighted LD scores are collinear (rank %zu of %zu)", fv.rank,
                          q);
        if (!rc && !(rc = update_weights(ctx, u, fv.coef, w)))
            for (size_t i = 0; i < n; i++) sw[i] = sqrt(w[i]);
        ks_lstsq_free(f);
    }
    if (!rc) {
        weight_rows(n, q, X, y, sw, Xw, yw);
        rc = ks_jackknife_lstsq(ctx, n, q, Xw, yw, nb, sep, out);
    }
    ks__free(ctx, sw);
    return rc;
}

/* ---- one LD score regression (LD_Score_Regression, Hsq, Gencov) -------------------------------
 */

typedef struct {
    int gencov;
    size_t n, p, nb;
    const double *y, *x, *wld, *N; /* x: n x p LD scores; N: sqrt(N1 N2) for a covariance */
    const double *N1, *N2;
    const double *M;            /* p */
    double intercept;           /* NaN: free */
    const unsigned char *step1; /* two-step: the SNPs of step 1; NULL: no two-step */
    double two_step;
    int old_weights;
    double h1, h2, i1, i2;
} reg_in;

/* One regression as it is filled: ks_gsem_h2rg_regression's fields, writable (the arrays in
 * one block, from M). */
typedef struct {
    size_t n_snp, n_annot, n_blocks;
    double tot, tot_se, intercept, intercept_se;
    int intercept_constrained;
    double two_step;
    size_t twostep_filtered;
    int old_weights;
    double mean_chisq, lambda_gc, ratio, ratio_se, mean_z1z2, z, p;
    double *M, *coef, *coef_se, *cat, *cat_se, *prop, *prop_se, *enrichment, *M_prop;
    double *coef_cov, *tot_delete;
    double liab, tot_liab, tot_se_liab, *cat_liab, *cat_se_liab;
} fit_t;

static void fit_view(const fit_t *f, ks_gsem_h2rg_regression *v)
{
    *v = (ks_gsem_h2rg_regression){.n_snp = f->n_snp,
                                   .n_annot = f->n_annot,
                                   .n_blocks = f->n_blocks,
                                   .tot = f->tot,
                                   .tot_se = f->tot_se,
                                   .intercept = f->intercept,
                                   .intercept_se = f->intercept_se,
                                   .intercept_constrained = f->intercept_constrained,
                                   .two_step = f->two_step,
                                   .twostep_filtered = f->twostep_filtered,
                                   .old_weights = f->old_weights,
                                   .mean_chisq = f->mean_chisq,
                                   .lambda_gc = f->lambda_gc,
                                   .ratio = f->ratio,
                                   .ratio_se = f->ratio_se,
                                   .mean_z1z2 = f->mean_z1z2,
                                   .z = f->z,
                                   .p = f->p,
                                   .M = f->M,
                                   .coef = f->coef,
                                   .coef_se = f->coef_se,
                                   .cat = f->cat,
                                   .cat_se = f->cat_se,
                                   .prop = f->prop,
                                   .prop_se = f->prop_se,
                                   .enrichment = f->enrichment,
                                   .M_prop = f->M_prop,
                                   .coef_cov = f->coef_cov,
                                   .tot_delete = f->tot_delete,
                                   .liab = f->liab,
                                   .tot_liab = f->tot_liab,
                                   .tot_se_liab = f->tot_se_liab,
                                   .cat_liab = f->cat_liab,
                                   .cat_se_liab = f->cat_se_liab};
}

/* h2_obs_to_liab applied: upstream's Hsq.summary and Gencov.summary multiply by the factor c
 * (so does its --rg summary table); done once here so that every front end prints these. */
static void fit_scale(fit_t *f, double c)
{
    f->liab = c;
    f->tot_liab = c * f->tot;
    f->tot_se_liab = c * f->tot_se;
    for (size_t a = 0; a < f->n_annot; a++) {
        f->cat_liab[a] = f->cat[a] * c;
        f->cat_se_liab[a] = f->cat_se[a] * c;
    }
}

static void fit_free(const ks_allocator *a, fit_t *f)
{
    ks__release(a, f->M);
    memset(f, 0, sizeof *f);
}

static int fit_alloc(ks_ctx *ctx, fit_t *f, size_t p, size_t nb)
{
    memset(f, 0, sizeof *f);
    double *v = ks__malloc_array(ctx, 11 * p + p * p + nb, sizeof *v);
    if (!v) return KS_ENOMEM;
    f->M = v;
    f->coef = v + p;
    f->coef_se = v + 2 * p;
    f->cat = v + 3 * p;
    f->cat_se = v + 4 * p;
    f->prop = v + 5 * p;
    f->prop_se = v + 6 * p;
    f->enrichment = v + 7 * p;
    f->M_prop = v + 8 * p;
    f->coef_cov = v + 9 * p;
    f->tot_delete = v + 9 * p + p * p;
    f->cat_liab = f->tot_delete + nb;
    f->cat_se_liab = f->cat_liab + p;
    f->n_annot = p;
    f->n_blocks = nb;
    return KS_OK;
}

/* _combine_twostep_jknives: step 2's slope with step 1's intercept; the slope's delete values
 * corrected by c (intercept delete - intercept). */
static int combine_twostep(ks_ctx *ctx, const ks_jackknife *j1, const ks_jackknife *j2,
                           double c, ks_jackknife **out)
{
    const size_t nb = j1->n_blocks;
    ks_jackknife *j = ks__jackknife_new(ctx, nb, 2, 0);
    if (!j) return KS_ENOMEM;
    const double icpt = j1->est[1];
    j->est[0] = j2->est[0];
    j->est[1] = icpt;
    for (size_t b = 0; b < nb; b++) {
        j->delete_values[b + nb] = j1->delete_values[b + nb];
        j->delete_values[b] = j2->delete_values[b] - c * (j1->delete_values[b + nb] - icpt);
    }
    ks__jackknife_finish(j);
    *out = j;
    return KS_OK;
}

/* The two-step estimator. X: n x 2 ([x, 1]), xt: the raw total LD (n), w0: initial weights. */
static int two_step(ks_ctx *ctx, const reg_in *in, const double *X, const double *yp,
                    const double *xt, const double *w0, double Nbar, double Mt,
                    ks_jackknife **out)
{
    const size_t n = in->n;
    size_t n1 = 0;
    for (size_t i = 0; i < n; i++) n1 += in->step1[i] != 0;
    if (n1 < 2)
        return ks__fail(ctx, KS_EEMPTY, "ldsc: %zu SNPs below the two-step cutoff %g", n1,
                       in->two_step);
    /* step 1's rows: X1 (n1 x 2), y1, w_ld, N (or N1, N2), w0, their positions */
    double *buf = ks__malloc_array(ctx, n1, 8 * sizeof *buf);
    size_t *pos = ks__malloc_array(ctx, n1, sizeof *pos), *sep = NULL;
    ks_jackknife *j1 = NULL, *j2 = NULL;
    if (!buf || !pos) {
        ks__free(ctx, buf);
        ks__free(ctx, pos);
        return KS_ENOMEM;
    }
    double *X1 = buf, *y1 = X1 + 2 * n1, *wl1 = y1 + n1, *N1 = wl1 + n1, *w01 = N1 + n1,
           *A1 = w01 + n1, *B1 = A1 + n1;
    for (size_t i = 0, k = 0; i < n; i++) {
        if (!in->step1[i]) continue;
        X1[k] = X[i];
        X1[k + n1] = X[i + n];
        y1[k] = yp[i];
        wl1[k] = in->wld[i];
        N1[k] = in->N[i];
        w01[k] = w0[i];
        if (in->gencov) {
            A1[k] = in->N1[i];
            B1[k] = in->N2[i];
        }
        pos[k++] = i;
    }
    upd_t u1 = {in->gencov, n1, X1, wl1, N1, A1, B1, Mt, Nbar, NAN, in->h1, in->h2, in->i1, in->i2};
    int rc = irwls(ctx, n1, 2, X1, y1, w01, &u1, in->nb, NULL, &j1);
    double *y2 = rc ? NULL : ks__malloc_array(ctx, n, sizeof *y2);
    if (!rc && (!y2 || !(sep = ks__malloc_array(ctx, in->nb + 1, sizeof *sep)))) rc = KS_ENOMEM;
    if (!rc) {
        const double icpt = j1->est[1];
        for (size_t i = 0; i < n; i++) y2[i] = yp[i] - icpt;
        /* update_separators: step 1's block ends at the same SNPs of the full data */
        sep[0] = 0;
        for (size_t b = 1; b < in->nb; b++) sep[b] = pos[j1->separators[b]];
        sep[in->nb] = n;
        upd_t u2 = {in->gencov, n,    xt,   in->wld, in->N,  in->N1, in->N2,
                    Mt,         Nbar, icpt, in->h1,  in->h2, in->i1, in->i2};
        rc = irwls(ctx, n, 1, X, y2, w0, &u2, in->nb, sep, &j2);
    }
    if (!rc) {
        long double sx = 0.0L, sxx = 0.0L;
        for (size_t i = 0; i < n; i++) {
            sx += w0[i] * X[i];
            sxx += w0[i] * (X[i] * X[i]);
        }
        rc = combine_twostep(ctx, j1, j2, (double)sx / (double)sxx, out);
    }
    ks_jackknife_free(j1);
    ks_jackknife_free(j2);
    ks__free(ctx, buf);
    ks__free(ctx, pos);
    ks__free(ctx, sep);
    ks__free(ctx, y2);
    return rc;
}

/* The per-annotation and total estimates from the regression's jackknife (_coef, _cat, _tot,
 * _prop, _enrichment, _intercept, _delete_vals_tot). */
static int fill_fit(ks_ctx *ctx, const reg_in *in, const ks_jackknife *j, double Nbar, double Mt,
                    fit_t *f)
{
    const size_t p = in->p, nb = j->n_blocks, q = j->p;
    int rc = fit_alloc(ctx, f, p, nb);
    if (rc) return rc;
    f->n_snp = in->n;
    for (size_t a = 0; a < p; a++) {
        f->M[a] = in->M[a];
        f->coef[a] = j->est[a] / Nbar;
        for (size_t b = 0; b < p; b++)
            f->coef_cov[a + b * p] = j->jknife_cov[a + b * q] / (Nbar * Nbar);
    }
    long double tot = 0.0L, tcov = 0.0L;
    for (size_t a = 0; a < p; a++) {
        f->coef_se[a] = sqrt(f->coef_cov[a + a * p]);
        f->cat[a] = in->M[a] * f->coef[a];
        f->cat_se[a] = sqrt(in->M[a] * in->M[a] * f->coef_cov[a + a * p]);
        tot += f->cat[a];
        for (size_t b = 0; b < p; b++) tcov += (in->M[a] * in->M[b]) * f->coef_cov[a + b * p];
    }
    f->tot = (double)tot;
    f->tot_se = sqrt((double)tcov);
    for (size_t b = 0; b < nb; b++) {
        long double s = 0.0L;
        for (size_t a = 0; a < p; a++) s += j->delete_values[b + a * nb] * in->M[a];
        f->tot_delete[b] = (double)s / Nbar;
    }
    /* the proportions' ratio jackknife: numerator M_a delete_a / Nbar, denominator their sum */
    double *num = ks__malloc_array(ctx, nb * p, 2 * sizeof *num), *est = NULL;
    if (!num || !(est = ks__malloc_array(ctx, p, sizeof *est))) {
        ks__free(ctx, num);
        fit_free(&ctx->alloc, f);
        return KS_ENOMEM;
    }
    double *den = num + nb * p;
    for (size_t b = 0; b < nb; b++) {
        long double s = 0.0L;
        for (size_t a = 0; a < p; a++)
            s += num[b + a * nb] = in->M[a] * j->delete_values[b + a * nb] / Nbar;
        for (size_t a = 0; a < p; a++) den[b + a * nb] = (double)s;
    }
    for (size_t a = 0; a < p; a++) est[a] = f->cat[a] / f->tot;
    ks_jackknife *r = NULL;
    if (!(f->tot != 0.0)) {
        rc = ks__fail(ctx, KS_ENUMERIC, "ldsc: the total estimate is 0 (no proportions)");
    } else if (!(rc = ks_jackknife_ratio(ctx, nb, p, est, num, den, &r))) {
        for (size_t a = 0; a < p; a++) {
            f->prop[a] = est[a];
            f->prop_se[a] = r->jknife_se[a];
            f->enrichment[a] = (f->cat[a] / in->M[a]) / (f->tot / Mt);
            f->M_prop[a] = in->M[a] / Mt;
        }
    }
    ks_jackknife_free(r);
    ks__free(ctx, num);
    ks__free(ctx, est);
    if (rc) {
        fit_free(&ctx->alloc, f);
        return rc;
    }
    f->intercept_constrained = !isnan(in->intercept);
    f->intercept = f->intercept_constrained ? in->intercept : j->est[p];
    f->intercept_se = f->intercept_constrained ? NAN : j->jknife_se[p];
    f->two_step = in->step1 ? in->two_step : NAN;
    f->old_weights = in->old_weights;
    f->mean_chisq = f->lambda_gc = f->ratio = f->ratio_se = NAN;
    f->mean_z1z2 = f->z = f->p = NAN;
    return KS_OK;
}

/* LD_Score_Regression.__init__ and Hsq / Gencov: the fit of in into f. */
static int ldsc_reg(ks_ctx *ctx, const reg_in *in, fit_t *f)
{
    memset(f, 0, sizeof *f);
    const size_t n = in->n, p = in->p;
    const int free_icpt = isnan(in->intercept);
    if (in->step1 && !free_icpt)
        return ks__fail(ctx, KS_EINVAL, "ldsc: the two-step estimator needs a free intercept");
    if (in->step1 && p > 1)
        return ks__fail(ctx, KS_EINVAL, "ldsc: the two-step estimator takes one annotation, not %zu",
                       p);
    const size_t q = p + (size_t)free_icpt;
    double *buf = ks__malloc_array(ctx, n, (q + 4) * sizeof *buf);
    if (!buf) return KS_ENOMEM;
    double *X = buf, *xt = X + q * n, *w0 = xt + n, *yp = w0 + n, *tmp = yp + n;
    double Mt = 0.0;
    for (size_t a = 0; a < p; a++) Mt += in->M[a];
    for (size_t i = 0; i < n; i++) {
        double s = 0.0;
        for (size_t a = 0; a < p; a++) s += in->x[i + a * n];
        xt[i] = s;
        tmp[i] = s * in->N[i];
    }
    const double null = in->gencov ? 0.0 : 1.0, icpt0 = free_icpt ? null : in->intercept;
    const double agg = Mt * (mean_of(in->y, n) - icpt0) / mean_of(tmp, n);
    if (in->gencov)
        w_gencov(n, xt, in->wld, in->N1, in->N2, Mt, in->h1, in->h2, agg, icpt0, in->i1, in->i2,
                 w0);
    else
        w_hsq(n, xt, in->wld, in->N, Mt, agg, icpt0, w0);
    const double Nbar = mean_of(in->N, n);
    for (size_t a = 0; a < p; a++)
        for (size_t i = 0; i < n; i++) X[i + a * n] = in->N[i] * in->x[i + a * n] / Nbar;
    for (size_t i = 0; i < n; i++) {
        if (free_icpt) X[i + p * n] = 1.0;
        yp[i] = free_icpt ? in->y[i] : in->y[i] - in->intercept;
    }
    ks_jackknife *j = NULL;
    int rc = check_weights(ctx, w0, n);
    if (!rc && in->step1) {
        rc = two_step(ctx, in, X, yp, xt, w0, Nbar, Mt, &j);
    } else if (!rc && in->old_weights) {
        double *Xw = ks__malloc_array(ctx, n, (q + 1) * sizeof *Xw);
        if (!Xw) {
            rc = KS_ENOMEM;
        } else {
            for (size_t i = 0; i < n; i++) tmp[i] = sqrt(w0[i]);
            weight_rows(n, q, X, yp, tmp, Xw, Xw + q * n);
            rc = ks_jackknife_lstsq(ctx, n, q, Xw, Xw + q * n, in->nb, NULL, &j);
            ks__free(ctx, Xw);
        }
    } else if (!rc) {
        upd_t u = {in->gencov,    n,      xt,     in->wld, in->N, in->N1, in->N2, Mt, Nbar,
                   in->intercept, in->h1, in->h2, in->i1,  in->i2};
        rc = irwls(ctx, n, q, X, yp, w0, &u, in->nb, NULL, &j);
    }
    if (!rc) rc = fill_fit(ctx, in, j, Nbar, Mt, f);
    ks_jackknife_free(j);
    if (!rc && in->step1)
        for (size_t i = 0; i < n; i++) f->twostep_filtered += !in->step1[i];
    if (!rc && !in->gencov) { /* _summarize_chisq, _ratio */
        f->mean_chisq = mean_of(in->y, n);
        memcpy(tmp, in->y, n * sizeof *tmp);
        f->lambda_gc = ks__median(tmp, n) / KS__LDSC_CHISQ1_MEDIAN;
        if (free_icpt && f->mean_chisq > 1.0) {
            f->ratio = (f->intercept - 1.0) / (f->mean_chisq - 1.0);
            f->ratio_se = f->intercept_se / (f->mean_chisq - 1.0);
        }
    } else if (!rc) { /* p_z_norm */
        f->mean_z1z2 = mean_of(in->y, n);
        f->z = f->tot_se != 0.0 ? f->tot / f->tot_se : INFINITY;
        f->p = erfc(fabs(f->z) / sqrt(2.0));
    }
    ks__free(ctx, buf);
    return rc;
}

/* ---- inputs -----------------------------------------------------------------------------------
 */

/* h2_obs_to_liab's factor for file `file` (ks__gsem_liability). */
static int liab_factor(ks_ctx *ctx, double P, double K, size_t file, double *c)
{
    char where[32];
    snprintf(where, sizeof where, "file %zu", file + 1);
    return ks__gsem_liability(ctx, KS__LIAB_LDSC, P, K, where, c);
}

/* The LD scores, their M (zero-variance columns dropped) and the weights. */
typedef struct {
    ks__ldscore_set L, W;
    double *M;
    size_t zero_var;
} ld_in;

static void ld_in_free(ks_ctx *ctx, ld_in *d)
{
    ks__ldscore_free(&ctx->alloc, &d->L);
    ks__ldscore_free(&ctx->alloc, &d->W);
    ks__free(ctx, d->M);
    memset(d, 0, sizeof *d);
}

/* The M files' ending, for messages. */
static const char *M_what(const ks_gsem_h2rg_options *o)
{
    return o->not_M_5_50 ? KS__GSEM_M_ALL : KS__GSEM_M_5_50;
}

static int ld_in_read(ks_ctx *ctx, const ks_gsem_h2rg_options *o, ld_in *d)
{
    memset(d, 0, sizeof *d);
    if (!o->ref_ld == !o->ref_ld_chr)
        return ks__fail(ctx, KS_EINVAL,
                       o->ref_ld ? "ldsc: ref_ld and ref_ld_chr are both given"
                                 : "ldsc: ref_ld or ref_ld_chr is required");
    if (!o->w_ld == !o->w_ld_chr)
        return ks__fail(ctx, KS_EINVAL,
                       o->w_ld ? "ldsc: w_ld and w_ld_chr are both given"
                               : "ldsc: w_ld or w_ld_chr is required");
    const char *ref = o->ref_ld ? o->ref_ld : o->ref_ld_chr, *w = o->w_ld ? o->w_ld : o->w_ld_chr;
    const char *refopt = o->ref_ld ? "ref_ld" : "ref_ld_chr", *wopt = o->w_ld ? "w_ld" : "w_ld_chr";
    if (strchr(w, ','))
        return ks__fail(ctx, KS_EINVAL, "ldsc: %s '%s' names one file set (no commas)", wopt, w);
    int rc = ks__ldscore_read(ctx, ref, o->ref_ld_chr != NULL, refopt, &d->L);
    size_t nM = 0;
    if (!rc && o->M) {
        nM = o->nM;
        if (!(d->M = ks__malloc_array(ctx, nM ? nM : 1, sizeof *d->M)))
            rc = KS_ENOMEM;
        else
            memcpy(d->M, o->M, nM * sizeof *d->M);
    } else if (!rc) {
        rc = ks__ldscore_read_M(ctx, ref, o->ref_ld_chr != NULL, o->not_M_5_50, &d->M, &nM);
    }
    if (!rc && nM != d->L.p)
        rc = ks__fail(ctx, KS_EINVAL, "ldsc: %zu M value%s (%s) for %zu LD score column%s in %s", nM,
                     nM == 1 ? "" : "s", o->M ? "M" : M_what(o), d->L.p, d->L.p == 1 ? "" : "s",
                     ref);
    double Mt = 0.0; /* (continuous annotations may have M < 0; the total may not) */
    int finite = 1;
    for (size_t j = 0; !rc && j < nM; j++) {
        Mt += d->M[j];
        finite &= isfinite(d->M[j]) != 0;
    }
    if (!rc && !(finite && Mt > 0.0 && isfinite(Mt)))
        rc = ks__fail(ctx, KS_EINVAL, "ldsc: M (%s for %s) %s", o->M ? "given" : M_what(o), ref,
                     nM == 1 ? "is not a number of SNPs > 0"
                             : "must be finite numbers with a sum > 0");
    if (!rc) rc = ks__ldscore_drop_constant(ctx, &d->L, d->M, &d->zero_var);
    if (!rc) rc = ks__ldscore_read(ctx, w, o->w_ld_chr != NULL, wopt, &d->W);
    if (!rc && d->W.p != 1)
        rc = ks__fail(ctx, KS_EINVAL, "ldsc: %s '%s' has %zu LD score columns (one is allowed)",
                     wopt, w, d->W.p);
    if (rc) ld_in_free(ctx, d);
    return rc;
}

/* The SNPs of the LD scores, in their order, that are in S and in the weights: *rows (L's row,
 * S's row, W's row per SNP). *in_ld counts those in S (the first merge). */
static int merge_rows(ks_ctx *ctx, const ld_in *d, const ks__h2rg_sumstats *S, const char *path,
                      size_t (**rows)[3], size_t *n, size_t *in_ld)
{
    *rows = ks__malloc_array(ctx, d->L.n ? d->L.n : 1, sizeof **rows);
    if (!*rows) return KS_ENOMEM;
    *n = *in_ld = 0;
    for (size_t i = 0; i < d->L.n; i++) {
        const int64_t s = ks__index_find(&S->index, d->L.snp[i]);
        if (s < 0) continue;
        ++*in_ld;
        const int64_t w = ks__index_find(&d->W.index, d->L.snp[i]);
        if (w < 0) continue;
        (*rows)[*n][0] = i;
        (*rows)[*n][1] = (size_t)s;
        (*rows)[*n][2] = (size_t)w;
        ++*n;
    }
    if (!*in_ld || !*n) {
        ks__free(ctx, *rows);
        *rows = NULL;
        return ks__fail(ctx, KS_EEMPTY, "ldsc: %s shares no SNP with the %s", path,
                       *in_ld ? "weight LD scores (after the LD scores)" : "LD scores");
    }
    return KS_OK;
}

static char **copy_names(ks_ctx *ctx, const ks__ldscore_set *L)
{
    char **v = ks__calloc(ctx, L->p ? L->p : 1, sizeof *v);
    for (size_t j = 0; v && j < L->p; j++)
        if (!(v[j] = ks__strdup(ctx, L->names[j]))) {
            for (size_t k = 0; k < j; k++) ks__free(ctx, v[k]);
            ks__free(ctx, v);
            return NULL;
        }
    return v;
}

static void free_names(const ks_allocator *a, char **v, size_t p)
{
    for (size_t j = 0; v && j < p; j++) ks__release(a, v[j]);
    ks__release(a, v);
}

/* ---- h2 -----------------------------------------------------------------------------------------
 */

/* The result: ks_gsem_h2_view's fields, the names and the fit owned. */
struct ks_gsem_h2 {
    ks_allocator alloc;
    size_t snps_read, snps_dup, ld_snps, w_snps, merged_ld, merged_w, chisq_removed;
    double chisq_max;
    size_t n_annot;
    char **annot;
    size_t annot_zero_var;
    double liab;
    fit_t h2;
};

void ks_gsem_h2_free(ks_gsem_h2 *r)
{
    if (!r) return;
    fit_free(&r->alloc, &r->h2);
    free_names(&r->alloc, r->annot, r->n_annot);
    ks__release(&r->alloc, r);
}

void ks_gsem_h2_get(const ks_gsem_h2 *r, ks_gsem_h2_view *out)
{
    *out = (ks_gsem_h2_view){.snps_read = r->snps_read,
                             .snps_dup = r->snps_dup,
                             .ld_snps = r->ld_snps,
                             .w_snps = r->w_snps,
                             .merged_ld = r->merged_ld,
                             .merged_w = r->merged_w,
                             .chisq_removed = r->chisq_removed,
                             .chisq_max = r->chisq_max,
                             .n_annot = r->n_annot,
                             .annot = (const char *const *)r->annot,
                             .annot_zero_var = r->annot_zero_var,
                             .liab = r->liab};
    fit_view(&r->h2, &out->h2);
}

int ks_gsem_h2_fit(ks_ctx *ctx, const char *path, const ks_gsem_h2rg_options *opt, ks_gsem_h2 **out)
{
    *out = NULL;
    ks_gsem_h2rg_options o = KS_GSEM_H2RG_OPTIONS_INIT;
    if (opt) o = *opt;
    if (o.n_blocks < 2) return ks__fail(ctx, KS_EINVAL, "ldsc: n_blocks %d is not > 1", o.n_blocks);
    if (!(o.chisq_max >= 0.0))
        return ks__fail(ctx, KS_EINVAL, "ldsc: chisq_max %g is not > 0 (0: the default)",
                       o.chisq_max);
    const double icpt = o.no_intercept ? 1.0 : o.intercept_h2 ? o.intercept_h2[0] : NAN;
    double liab;
    int rc = liab_factor(ctx, o.samp_prev ? o.samp_prev[0] : NAN, o.pop_prev ? o.pop_prev[0] : NAN,
                         0, &liab);
    if (rc) return rc;
    ks_gsem_h2 *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    r->liab = liab;
    ks__h2rg_sumstats S;
    ld_in d;
    memset(&d, 0, sizeof d);
    size_t (*rows)[3] = NULL, n = 0;
    double *buf = NULL;
    unsigned char *step1 = NULL;
    if ((rc = ks__h2rg_sumstats_read(ctx, path, 0, 1, &S))) {
        ks__free(ctx, r);
        return rc;
    }
    r->snps_read = S.read;
    r->snps_dup = S.dup;
    if (!(rc = ld_in_read(ctx, &o, &d)))
        rc = merge_rows(ctx, &d, &S, path, &rows, &n, &r->merged_ld);
    const size_t p = d.L.p;
    if (!rc) {
        r->ld_snps = d.L.n;
        r->w_snps = d.W.n;
        r->merged_w = n;
        r->n_annot = p;
        r->annot_zero_var = d.zero_var;
        if (!(r->annot = copy_names(ctx, &d.L))) rc = KS_ENOMEM;
    }
    const size_t nb = n < (size_t)o.n_blocks ? n : (size_t)o.n_blocks; /* before the filter */
    double cmax = o.chisq_max > 0.0 ? o.chisq_max : NAN, ts = NAN;
    if (!rc && p == 1) {
        ts = o.two_step > 0.0 ? o.two_step : o.two_step == 0.0 && isnan(icpt) ? 30.0 : NAN;
    } else if (!rc) {
        if (o.two_step > 0.0) ts = o.two_step; /* (an error below, as upstream) */
        if (isnan(cmax)) {
            double mx = 0.0;
            for (size_t i = 0; i < n; i++) mx = fmax(mx, S.N[rows[i][1]]);
            cmax = ks__gsem_chisq_cap(mx);
        }
    }
    r->chisq_max = cmax;
    size_t m = 0; /* the rows below the chi2 filter, compacted */
    for (size_t i = 0; !rc && i < n; i++) {
        const double z = S.Z[rows[i][1]];
        if (isnan(cmax) || z * z < cmax) memmove(rows[m++], rows[i], sizeof *rows);
    }
    r->chisq_removed = n - m;
    if (!rc && !(buf = ks__malloc_array(ctx, m ? m : 1, (p + 3) * sizeof *buf))) rc = KS_ENOMEM;
    if (!rc && !isnan(ts) && !(step1 = ks__malloc(ctx, m ? m : 1))) rc = KS_ENOMEM;
    if (!rc) {
        double *x = buf, *wl = x + p * m, *y = wl + m, *N = y + m;
        for (size_t i = 0; i < m; i++) {
            for (size_t a = 0; a < p; a++) x[i + a * m] = d.L.ld[rows[i][0] + a * d.L.n];
            wl[i] = d.W.ld[rows[i][2]];
            const double z = S.Z[rows[i][1]];
            y[i] = z * z;
            N[i] = S.N[rows[i][1]];
            if (step1) step1[i] = y[i] < ts;
        }
        reg_in in = {0, m, p, nb, y, x, wl, N, NULL, NULL, d.M, icpt, step1, ts, p > 1, 0, 0, 0, 0};
        if (!(rc = ldsc_reg(ctx, &in, &r->h2))) fit_scale(&r->h2, liab);
    }
    ks__free(ctx, step1);
    ks__free(ctx, buf);
    ks__free(ctx, rows);
    ld_in_free(ctx, &d);
    ks__h2rg_sumstats_free(&ctx->alloc, &S);
    if (rc) {
        ks_gsem_h2_free(r);
        return rc;
    }
    *out = r;
    return KS_OK;
}

/* ---- rg ---------------------------------------------------------------------------------------
 */

static char complement(char b)
{
    return b == 'A' ? 'T' : b == 'T' ? 'A' : b == 'C' ? 'G' : b == 'G' ? 'C' : 0;
}

/* VALID_SNPS: two different bases, not strand-ambiguous. */
static int valid_snp(char a, char b)
{
    return complement(a) && complement(b) && a != b && a != complement(b);
}

/* MATCH_ALLELES (1, *flip from FLIP_ALLELES) or 0: the same SNP up to strand and reference. */
static int match_alleles(char a1, char a2, char b1, char b2, int *flip)
{
    if (!valid_snp(a1, a2) || !valid_snp(b1, b2)) return 0;
    const int same = (a1 == b1 && a2 == b2) || (a1 == complement(b1) && a2 == complement(b2));
    *flip = (a1 == b2 && a2 == b1) || (a1 == complement(b2) && a2 == complement(b1));
    return same || *flip;
}

/* The first file after its merge: per SNP its LD row, weight, Z, N, alleles, name. */
typedef struct {
    size_t n;
    const char **snp;
    size_t *ld;
    double *w, *Z, *N;
    char *a1, *a2;
} first_t;

static void first_free(ks_ctx *ctx, first_t *t)
{
    ks__free(ctx, t->snp);
    ks__free(ctx, t->ld);
    ks__free(ctx, t->w);
    ks__free(ctx, t->a1);
    memset(t, 0, sizeof *t);
}

/* The condition number of the LD scores x (n x p): sqrt of the extreme eigenvalues of x'x. */
static int cond_number(ks_ctx *ctx, const double *x, size_t n, size_t p, double *cond)
{
    *cond = NAN;
    double *G = ks__malloc_array(ctx, p * p + p + 1, sizeof *G);
    if (!G) return KS_ENOMEM;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            long double s = 0.0L;
            for (size_t i = 0; i < n; i++) s += (long double)x[i + a * n] * x[i + b * n];
            G[a + b * p] = G[b + a * p] = (double)s;
        }
    double *ev = G + p * p, wq = 0.0, *work = NULL;
    int iwq = 0, info = 0, *iw = NULL;
    int rc =
        ks__dsyevd(ctx, 'N', 'U', p, G, p, ev, &wq, KS__LWORK_QUERY, &iwq, KS__LWORK_QUERY, &info);
    const size_t lw = (size_t)(int)wq, liw = (size_t)iwq;
    if (!rc) {
        work = ks__malloc_array(ctx, lw + 1, sizeof *work);
        iw = ks__malloc_array(ctx, liw + 1, sizeof *iw);
        rc = !work || !iw ? KS_ENOMEM : KS_OK;
    }
    if (!rc) rc = ks__dsyevd(ctx, 'N', 'U', p, G, p, ev, work, lw, iw, liw, &info);
    if (!rc) {
        if (info)
            rc = ks__fail(ctx, KS_ENUMERIC, "ldsc: the LD scores' eigenvalues did not converge");
        else
            *cond = ev[0] > 0.0 ? sqrt(ev[p - 1] / ev[0]) : INFINITY;
    }
    ks__free(ctx, work);
    ks__free(ctx, iw);
    ks__free(ctx, G);
    return rc;
}

/* One pair as it is filled: ks_gsem_rg_pair's fields, writable. */
typedef struct {
    char *error;
    size_t snps_read, snps_dup, merged, valid_alleles, chisq_removed;
    double cond;
    fit_t hsq1, hsq2, gencov;
    double rg, rg_se, rg_jknife, z, p;
    int negative_hsq, out_of_bounds;
    double liab1, liab2;
} pair_t;

typedef struct {
    const ks_gsem_h2rg_options *o;
    const ld_in *d;
    const first_t *t;
    const double *ih2, *igc, *liab;
    double two_step;
} rg_ctx;

/* The pair's rows (merged, missing values dropped, alleles checked and aligned, chi2 filter):
 * x (n x p), weights, z1, z2, N1, N2 in *buf. */
static int pair_rows(ks_ctx *ctx, const rg_ctx *g, const char *path, const ks__h2rg_sumstats *S,
                     pair_t *pr, double **buf, size_t *np)
{
    const first_t *t = g->t;
    const size_t p = g->d->L.p, nL = g->d->L.n;
    size_t (*keep)[2] = ks__malloc_array(ctx, t->n ? t->n : 1, sizeof *keep), m = 0;
    signed char *sign = ks__malloc(ctx, t->n ? t->n : 1);
    int rc = !keep || !sign ? KS_ENOMEM : KS_OK;
    for (size_t i = 0; !rc && i < t->n; i++) {
        const int64_t s = ks__index_find(&S->index, t->snp[i]);
        if (s < 0) continue;
        pr->merged++;
        if (S->na[s]) continue;
        int flip = 0;
        if (!g->o->no_check_alleles &&
            !match_alleles(t->a1[i], t->a2[i], S->a1[s], S->a2[s], &flip))
            continue;
        keep[m][0] = i;
        keep[m][1] = (size_t)s;
        sign[m++] = flip ? -1 : 1;
    }
    pr->valid_alleles = m;
    if (!rc && !pr->merged)
        rc = ks__fail(ctx, KS_EEMPTY,
                     "ldsc: %s shares no SNP with the first file (after its merge "
                     "with the LD scores)",
                     path);
    else if (!rc && !m)
        rc = ks__fail(ctx, KS_EEMPTY, "ldsc: %s: none of the %zu shared SNPs %s", path, pr->merged,
                     g->o->no_check_alleles ? "is without missing values"
                                            : "has valid alleles (matching, not strand-ambiguous)");
    double *b = rc ? NULL : ks__malloc_array(ctx, m, (p + 5) * sizeof *b);
    if (!rc && !b) rc = KS_ENOMEM;
    size_t k = 0;
    if (!rc) {
        double *x = b, *w = x + p * m, *z1 = w + m, *z2 = z1 + m, *N1 = z2 + m, *N2 = N1 + m;
        for (size_t q = 0; q < m; q++)
            for (size_t a = 0; a < p; a++) x[q + a * m] = g->d->L.ld[t->ld[keep[q][0]] + a * nL];
        if (p > 1) { /* _check_ld_condnum on the pair's LD scores */
            rc = cond_number(ctx, x, m, p, &pr->cond);
            if (!rc && !(pr->cond <= 100000.0) && !g->o->invert_anyway)
                rc = ks__fail(ctx, KS_ENUMERIC,
                             "ldsc: %s: the LD scores' condition number is %g "
                             "(above 1e5: remove collinear LD scores, or invert "
                             "anyway)",
                             path, pr->cond);
        }
        const double cm = g->o->chisq_max;
        for (size_t q = 0; !rc && q < m; q++) {
            const size_t i = keep[q][0], s = keep[q][1];
            const double a = t->Z[i], bz = S->Z[s] * sign[q];
            if (cm > 0.0 && !(a * a * (bz * bz) < cm * cm)) continue;
            for (size_t c = 0; c < p; c++) x[k + c * m] = x[q + c * m]; /* (k <= q) */
            w[k] = t->w[i];
            z1[k] = a;
            z2[k] = bz;
            N1[k] = t->N[i];
            N2[k] = S->N[s];
            k++;
        }
        if (!rc && !k) rc = ks__fail(ctx, KS_EEMPTY, "ldsc: %s: no SNP below the chi2 filter", path);
        pr->chisq_removed = m - k;
        for (size_t c = 0; !rc && c < p + 5; c++) /* the p + 5 vectors of m to vectors of k */
            memmove(b + c * k, b + c * m, k * sizeof *b);
    }
    ks__free(ctx, keep);
    ks__free(ctx, sign);
    if (rc) {
        ks__free(ctx, b);
        return rc;
    }
    *buf = b;
    *np = k;
    return KS_OK;
}

/* RG: both h2, the genetic covariance with their estimates in its weights, and rg with the ratio
 * jackknife of gencov over sqrt(h2_1 h2_2) delete values. */
static int rg_fit(ks_ctx *ctx, const rg_ctx *g, size_t j, double *b, size_t n, pair_t *pr)
{
    const size_t p = g->d->L.p, nb = n < (size_t)g->o->n_blocks ? n : (size_t)g->o->n_blocks;
    double *x = b, *w = x + p * n, *z1 = w + n, *z2 = z1 + n, *N1 = z2 + n, *N2 = N1 + n;
    double *y = ks__malloc_array(ctx, n, 4 * sizeof *y);
    unsigned char *st = ks__malloc(ctx, 3 * n);
    int rc = !y || !st ? KS_ENOMEM : KS_OK;
    if (!rc) {
        double *y1 = y, *y2 = y + n, *y12 = y + 2 * n, *Ng = y + 3 * n;
        const double ts = g->two_step;
        for (size_t i = 0; i < n; i++) {
            y1[i] = z1[i] * z1[i];
            y2[i] = z2[i] * z2[i];
            y12[i] = z1[i] * z2[i];
            Ng[i] = sqrt(N1[i] * N2[i]);
            st[i] = y1[i] < ts;
            st[n + i] = y2[i] < ts;
            st[2 * n + i] = st[i] && st[n + i];
        }
        const int tw = !isnan(ts);
        reg_in h1 = {0,  n, p, nb, y1, x, w, N1, NULL, NULL, g->d->M, g->ih2[0], tw ? st : NULL,
                     ts, 0, 0, 0,  0,  0};
        reg_in h2 = h1;
        h2.y = y2;
        h2.N = N2;
        h2.intercept = g->ih2[j];
        h2.step1 = tw ? st + n : NULL;
        if (!(rc = ldsc_reg(ctx, &h1, &pr->hsq1)) && !(rc = ldsc_reg(ctx, &h2, &pr->hsq2))) {
            reg_in gc = {1,
                         n,
                         p,
                         nb,
                         y12,
                         x,
                         w,
                         Ng,
                         N1,
                         N2,
                         g->d->M,
                         g->igc[j],
                         tw ? st + 2 * n : NULL,
                         ts,
                         0,
                         pr->hsq1.tot,
                         pr->hsq2.tot,
                         pr->hsq1.intercept,
                         pr->hsq2.intercept};
            rc = ldsc_reg(ctx, &gc, &pr->gencov);
        }
        if (!rc) {
            fit_scale(&pr->hsq1, g->liab[0]);
            fit_scale(&pr->hsq2, g->liab[j]);
            fit_scale(&pr->gencov, sqrt(g->liab[0]) * sqrt(g->liab[j]));
        }
    }
    pr->rg = pr->rg_se = pr->rg_jknife = pr->z = pr->p = NAN;
    if (!rc && (pr->hsq1.tot <= 0.0 || pr->hsq2.tot <= 0.0)) {
        pr->negative_hsq = 1;
    } else if (!rc) {
        const double est = pr->gencov.tot / sqrt(pr->hsq1.tot * pr->hsq2.tot);
        double *den = y; /* (y is free now) */
        for (size_t k = 0; k < nb && !rc; k++) {
            const double q = pr->hsq1.tot_delete[k] * pr->hsq2.tot_delete[k];
            if (!(q >= 0.0))
                rc = ks__fail(ctx, KS_ENUMERIC,
                             "ldsc: the product of the h2 delete values of block "
                             "%zu is negative (no rg SE; upstream stops here too)",
                             k + 1);
            den[k] = sqrt(q);
        }
        ks_jackknife *r = NULL;
        if (!rc &&
            !(rc = ks_jackknife_ratio(ctx, nb, 1, &est, pr->gencov.tot_delete, den, &r))) {
            pr->rg = est;
            pr->rg_jknife = r->jknife_est[0];
            pr->rg_se = r->jknife_se[0];
            pr->z = pr->rg_se != 0.0 ? est / pr->rg_se : INFINITY;
            pr->p = erfc(fabs(pr->z) / sqrt(2.0));
            pr->out_of_bounds = est > 1.2 || est < -1.2;
        }
        ks_jackknife_free(r);
    }
    ks__free(ctx, y);
    ks__free(ctx, st);
    return rc;
}

static void pair_free(const ks_allocator *a, pair_t *pr)
{
    ks__release(a, pr->error);
    fit_free(a, &pr->hsq1);
    fit_free(a, &pr->hsq2);
    fit_free(a, &pr->gencov);
}

/* One pair: the second file read, merged, fitted. */
static int rg_pair(ks_ctx *ctx, const rg_ctx *g, size_t j, const char *path, pair_t *pr)
{
    ks__h2rg_sumstats S;
    int rc = ks__h2rg_sumstats_read(ctx, path, 1, 0, &S);
    if (rc) return rc;
    pr->snps_read = S.read;
    pr->snps_dup = S.dup;
    pr->liab1 = g->liab[0];
    pr->liab2 = g->liab[j];
    pr->cond = 1.0;
    double *b = NULL;
    size_t n = 0;
    if (!(rc = pair_rows(ctx, g, path, &S, pr, &b, &n))) rc = rg_fit(ctx, g, j, b, n, pr);
    ks__free(ctx, b);
    ks__h2rg_sumstats_free(&ctx->alloc, &S);
    return rc;
}

/* The result: ks_gsem_rg_view's fields, the names and the pairs owned; view: the pairs as
 * ks_gsem_rg_pair (made once they are done). */
struct ks_gsem_rg {
    ks_allocator alloc;
    size_t k, snps_read, snps_dup, ld_snps, w_snps, merged_ld, merged_w;
    size_t n_annot;
    char **annot;
    size_t annot_zero_var;
    double two_step;
    pair_t *pair;          /* k - 1 */
    ks_gsem_rg_pair *view; /* k - 1 */
};

void ks_gsem_rg_free(ks_gsem_rg *r)
{
    if (!r) return;
    for (size_t j = 0; r->pair && j + 1 < r->k; j++) pair_free(&r->alloc, &r->pair[j]);
    ks__release(&r->alloc, r->pair);
    ks__release(&r->alloc, r->view);
    free_names(&r->alloc, r->annot, r->n_annot);
    ks__release(&r->alloc, r);
}

void ks_gsem_rg_get(const ks_gsem_rg *r, ks_gsem_rg_view *out)
{
    *out = (ks_gsem_rg_view){.k = r->k,
                             .snps_read = r->snps_read,
                             .snps_dup = r->snps_dup,
                             .ld_snps = r->ld_snps,
                             .w_snps = r->w_snps,
                             .merged_ld = r->merged_ld,
                             .merged_w = r->merged_w,
                             .n_annot = r->n_annot,
                             .annot = (const char *const *)r->annot,
                             .annot_zero_var = r->annot_zero_var,
                             .two_step = r->two_step,
                             .pair = r->view};
}

static void pair_view(const pair_t *p, ks_gsem_rg_pair *v)
{
    *v = (ks_gsem_rg_pair){.error = p->error,
                           .snps_read = p->snps_read,
                           .snps_dup = p->snps_dup,
                           .merged = p->merged,
                           .valid_alleles = p->valid_alleles,
                           .chisq_removed = p->chisq_removed,
                           .cond = p->cond,
                           .rg = p->rg,
                           .rg_se = p->rg_se,
                           .rg_jknife = p->rg_jknife,
                           .z = p->z,
                           .p = p->p,
                           .negative_hsq = p->negative_hsq,
                           .out_of_bounds = p->out_of_bounds,
                           .liab1 = p->liab1,
                           .liab2 = p->liab2};
    fit_view(&p->hsq1, &v->hsq1);
    fit_view(&p->hsq2, &v->hsq2);
    fit_view(&p->gencov, &v->gencov);
}

/* The first file merged with the LD scores and the weights. */
static int first_read(ks_ctx *ctx, const char *path, const ld_in *d, ks_gsem_rg *r,
                      ks__h2rg_sumstats *S, first_t *t)
{
    memset(t, 0, sizeof *t);
    int rc = ks__h2rg_sumstats_read(ctx, path, 1, 1, S);
    if (rc) return rc;
    r->snps_read = S->read;
    r->snps_dup = S->dup;
    size_t (*rows)[3] = NULL, n = 0;
    if ((rc = merge_rows(ctx, d, S, path, &rows, &n, &r->merged_ld))) return rc;
    r->merged_w = n;
    t->snp = ks__malloc_array(ctx, n, sizeof *t->snp);
    t->ld = ks__malloc_array(ctx, n, sizeof *t->ld);
    t->w = ks__malloc_array(ctx, n, 3 * sizeof *t->w);
    t->a1 = ks__malloc(ctx, 2 * n);
    if (!t->snp || !t->ld || !t->w || !t->a1) {
        ks__free(ctx, rows);
        first_free(ctx, t);
        return KS_ENOMEM;
    }
    t->Z = t->w + n;
    t->N = t->Z + n;
    t->a2 = t->a1 + n;
    for (size_t i = 0; i < n; i++) {
        const size_t s = rows[i][1];
        t->snp[i] = d->L.snp[rows[i][0]];
        t->ld[i] = rows[i][0];
        t->w[i] = d->W.ld[rows[i][2]];
        t->Z[i] = S->Z[s];
        t->N[i] = S->N[s];
        t->a1[i] = S->a1[s];
        t->a2[i] = S->a2[s];
    }
    t->n = n;
    ks__free(ctx, rows);
    return KS_OK;
}

/* The pairs, in parallel; each one's error stays with it (ENOMEM stops the call). */
static int run_pairs(ks_ctx *ctx, const rg_ctx *g, size_t k, const char *const *paths, pair_t *pair)
{
    const size_t np = k - 1;
    ks_ctx *sub = ks__malloc_array(ctx, np, sizeof *sub);
    int *st = ks__calloc(ctx, np, sizeof *st);
    if (!sub || !st) {
        ks__free(ctx, sub);
        ks__free(ctx, st);
        return KS_ENOMEM;
    }
    int nt = ctx->nthreads < 1 ? 1 : ctx->nthreads;
    if ((size_t)nt > np) nt = (int)np;
    ks__blas_set_threads(1);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (size_t q = 0; q < np; q++) {
        sub[q] = *ctx;
        sub[q].errcode = 0;
        sub[q].errmsg[0] = '\0';
        st[q] = rg_pair(&sub[q], g, q + 1, paths[q + 1], &pair[q]);
    }
    ks__blas_set_threads(ctx->nthreads);
    int rc = KS_OK, ok = 0;
    for (size_t q = 0; q < np && rc != KS_ENOMEM; q++) {
        if (!st[q]) {
            ok = 1;
            continue;
        }
        if (st[q] == KS_ENOMEM || st[q] == KS_EOVERFLOW) {
            rc = st[q];
            ctx->errcode = sub[q].errcode;
            memcpy(ctx->errmsg, sub[q].errmsg, sizeof ctx->errmsg);
            break;
        }
        fit_free(&ctx->alloc, &pair[q].hsq1);
        fit_free(&ctx->alloc, &pair[q].hsq2);
        fit_free(&ctx->alloc, &pair[q].gencov);
        if (!(pair[q].error = ks__strdup(ctx, sub[q].errmsg))) rc = KS_ENOMEM;
    }
    if (!rc && !ok) { /* every pair failed: the first one's error */
        rc = st[0];
        ctx->errcode = sub[0].errcode;
        memcpy(ctx->errmsg, sub[0].errmsg, sizeof ctx->errmsg);
    }
    ks__free(ctx, sub);
    ks__free(ctx, st);
    return rc;
}

int ks_gsem_rg_fit(ks_ctx *ctx, size_t k, const char *const *paths, const ks_gsem_h2rg_options *opt,
                   ks_gsem_rg **out)
{
    *out = NULL;
    ks_gsem_h2rg_options o = KS_GSEM_H2RG_OPTIONS_INIT;
    if (opt) o = *opt;
    if (k < 2) return ks__fail(ctx, KS_EINVAL, "ldsc: rg needs at least two files, got %zu", k);
    if (o.n_blocks < 2) return ks__fail(ctx, KS_EINVAL, "ldsc: n_blocks %d is not > 1", o.n_blocks);
    if (!(o.chisq_max >= 0.0))
        return ks__fail(ctx, KS_EINVAL, "ldsc: chisq_max %g is not > 0 (0: the default)",
                       o.chisq_max);
    double *par = ks__malloc_array(ctx, k, 3 * sizeof *par);
    ks_gsem_rg *r = ks__calloc(ctx, 1, sizeof *r);
    if (r) {
        r->alloc = ctx->alloc;
        r->pair = ks__calloc(ctx, k - 1, sizeof *r->pair);
        r->view = ks__calloc(ctx, k - 1, sizeof *r->view);
    }
    if (!par || !r || !r->pair || !r->view) {
        ks__free(ctx, par);
        ks_gsem_rg_free(r);
        return KS_ENOMEM;
    }
    r->k = k;
    double *ih2 = par, *igc = par + k, *liab = par + 2 * k;
    int rc = KS_OK;
    for (size_t j = 0; j < k && !rc; j++) {
        ih2[j] = o.no_intercept ? 1.0 : o.intercept_h2 ? o.intercept_h2[j] : NAN;
        igc[j] = o.no_intercept ? 0.0 : o.intercept_gencov ? o.intercept_gencov[j] : NAN;
        rc = liab_factor(ctx, o.samp_prev ? o.samp_prev[j] : NAN, o.pop_prev ? o.pop_prev[j] : NAN,
                         j, &liab[j]);
    }
    ks__h2rg_sumstats S;
    memset(&S, 0, sizeof S);
    ld_in d;
    memset(&d, 0, sizeof d);
    first_t t;
    memset(&t, 0, sizeof t);
    if (!rc && !(rc = ld_in_read(ctx, &o, &d))) rc = first_read(ctx, paths[0], &d, r, &S, &t);
    if (!rc) {
        r->ld_snps = d.L.n;
        r->w_snps = d.W.n;
        r->n_annot = d.L.p;
        r->annot_zero_var = d.zero_var;
        r->two_step = o.two_step > 0.0 ? o.two_step : NAN;
        if (!(r->annot = copy_names(ctx, &d.L))) rc = KS_ENOMEM;
    }
    if (!rc) {
        const rg_ctx g = {&o, &d, &t, ih2, igc, liab, r->two_step};
        rc = run_pairs(ctx, &g, k, paths, r->pair);
    }
    first_free(ctx, &t);
    ks__h2rg_sumstats_free(&ctx->alloc, &S);
    ld_in_free(ctx, &d);
    ks__free(ctx, par);
    if (rc) {
        ks_gsem_rg_free(r);
        return rc;
    }
    for (size_t j = 0; j + 1 < k; j++) pair_view(&r->pair[j], &r->view[j]);
    *out = r;
    return KS_OK;
}
