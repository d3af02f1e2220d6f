/* mars_internal.h — what the MARS files share: the forward pass's output, the pruning pass, the
 * basis evaluation, and the fitted model's layout. Private to src/mars/. */
#ifndef KS_MARS_INTERNAL_H
#define KS_MARS_INTERNAL_H

#include "base/base_internal.h"
#include "kestrel/mars.h"

/* The data of one fit: X (n x p, column-major), Y (n x ny), optional case weights (NULL: none,
 * or all equal), the predictors' missingness (allow_missing). */
typedef struct {
    size_t n, p, ny;
    const double *X, *Y, *w;
} ks__mars_data;

/* The forward pass's terms, in slot order with the unused slots removed: term j is the
 * product of its factors (parent's factors + one). */
typedef struct {
    size_t nterms;
    size_t *term_start;       /* nterms + 1 */
    ks_mars_factor *factor;   /* term_start[nterms] factors */
    int *parent;              /* nterms */
    double *rsq;              /* RSq after the step that added each term (0 for the intercept) */
    ks_mars_stop termcond;
    size_t slots_used;        /* slots consumed, unused mirror slots included */
} ks__mars_terms;

void ks__mars_terms_free(const ks_allocator *a, ks__mars_terms *t);

/* Earth's forward pass (Friedman 1991, 1993) on d with the options in o (defaults resolved). */
int ks__mars_forward(ks_ctx *ctx, const ks__mars_data *d, const ks_mars_options *o, ks__mars_terms *out);

/* Evaluate terms [0, nterms) on the n cases of X (ld n) into B (n x nterms, column-major). */
void ks__mars_eval_terms(const ks__mars_terms *t, size_t n, const double *X, const size_t *which,
                     size_t nwhich, double *B);
double ks__mars_factor_value(const ks_mars_factor *f, double x);

/* The pruning pass: on the basis B (n x M, intercept first, weighted by sqrt(w) if w), the
 * RSS (summed over responses) of the best subset of each size 1..M and its terms (prune_terms,
 * M x M, row s - 1 holds s indices), by earth's rule for pmethod (backward: leaps's
 * elimination that keeps the best subset of each size seen; several responses: nested
 * elimination; exhaustive: the best subset of each size). */
int ks__mars_prune_path(ks_ctx *ctx, size_t n, size_t M, const double *B, size_t ny, const double *Y,
                    const double *w, ks_mars_pmethod pmethod, size_t nvmax,
                    double *rss_per_subset, size_t *prune_terms, double *Rout);
/* The least-squares fit of the responses on the columns sel[0..k) (increasing) from R, the
 * factor of [B Y] (M + ny square) that ks__mars_prune_path hands out: coef k x ny, rss ny. */
int ks__mars_subset_fit(ks_ctx *ctx, const double *R, size_t M, size_t ny, const size_t *sel,
                    size_t k, double *coef, double *rss);

/* GCV of a subset of k terms with residual sum of squares rss on n cases. */
double ks__mars_gcv(double rss, size_t k, double penalty, size_t n);

/* Least squares of Y on the columns B (n x k, weighted by w if given): coefficients k x ny,
 * RSS per response. Rank deficiency is an error naming the term. */
int ks__mars_lstsq(ks_ctx *ctx, size_t n, size_t k, const double *B, size_t ny, const double *Y,
               const double *w, double *coef, double *rss);

/* A GLM (binomial with logit link, Poisson with log link) of y on the columns B (n x k) by
 * R glm()'s IRLS: coefficients k, deviance, null deviance, iterations. */
int ks__mars_glm(ks_ctx *ctx, ks_mars_family family, size_t n, size_t k, const double *B,
             const double *y, const double *w, double *coef, double *deviance,
             double *null_deviance, int *iterations);

/* pmethod cv: the mean out-of-fold RSq of the best subset of each size 1..M (o->nfold folds
 * from o->seed; NaN for a size no fold reached). */
int ks__mars_cv_rsq(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny, const double *Y,
                const double *w, const ks_mars_options *o, size_t M, double *rsq);

#endif
