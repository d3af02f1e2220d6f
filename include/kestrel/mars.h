/* mars.h — multivariate adaptive regression splines (Friedman 1991, "Multivariate Adaptive
 * Regression Splines", Annals of Statistics 19; Friedman 1993, "Fast MARS"), building the models
 * R's earth builds.
 *
 * A model is a sum of terms, each a product of factors max(0, x - t), max(0, t - x) or x over
 * distinct predictors. The forward pass adds, term pair by term pair, the hinge pair on a
 * (parent term, predictor, knot) that most lowers the residual sum of squares: every candidate
 * knot is scored by an O(M) update of running sums over an orthonormal basis of the current
 * terms, never by a new least-squares fit. The backward pass then removes terms one at a time
 * (each the one whose removal raises the RSS least), and the subset with the lowest generalised
 * cross-validation GCV = RSS / (N (1 - C/N)^2), C = M + penalty (M - 1) / 2, is kept. Case
 * weights enter through the same updates; several responses share one basis. A logistic or
 * Poisson GLM can be fitted on the selected basis. With allow_missing, a predictor with missing
 * values gets a missingness indicator that multiplies its hinges (Friedman 1991, sec. 3.11).
 *
 * Thread-safe on distinct ctx; a fitted model may be used from several threads at once. */
#ifndef KESTREL_MARS_H
#define KESTREL_MARS_H

#include <stddef.h>
#include <stdint.h>

#include "kestrel/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum {
    KS_MARS_PRUNE_BACKWARD = 0,   /* earth's default */
    KS_MARS_PRUNE_NONE = 1,       /* keep every forward-pass term */
    KS_MARS_PRUNE_EXHAUSTIVE = 2, /* best subset of each size (few terms only) */
    KS_MARS_PRUNE_CV = 3          /* backward path, size chosen by nfold cross-validation */
} ks_mars_pmethod;

typedef enum { KS_MARS_GAUSSIAN = 0, KS_MARS_BINOMIAL = 1, KS_MARS_POISSON = 2 } ks_mars_family;

/* Names (see base.h): pmethod "backward", "none", "exhaustive", "cv"; family "gaussian",
 * "binomial", "poisson". */
KS_API const char *ks_mars_pmethod_name(ks_mars_pmethod value);
KS_API int ks_mars_pmethod_value(ks_ctx *ctx, const char *name,
                                 ks_mars_pmethod *out) KS_RESULT_USED;
KS_API const char *ks_mars_family_name(ks_mars_family value);
KS_API int ks_mars_family_value(ks_ctx *ctx, const char *name, ks_mars_family *out) KS_RESULT_USED;

typedef struct {
    int max_terms;         /* earth's nk, terms in the forward pass including the intercept;
                              0: min(200, max(20, 2 p)) + 1 */
    int max_degree;        /* highest interaction degree; default 1 */
    double penalty;        /* GCV cost per knot; NaN: 2 for degree 1, else 3; -1: none */
    double thresh;         /* forward pass stops when RSq gains less; default 0.001 */
    int minspan;           /* cases between knots; 0: Friedman's automatic; < 0: at most
                              -minspan knots per predictor, evenly spaced */
    int endspan;           /* cases at each end without knots; 0: automatic */
    double adjust_endspan; /* endspan x (1 + this) for terms of degree > 1; default 2 */
    int fast_k;            /* Fast MARS: parents searched per step; 0: all; default 20 */
    double fast_beta;      /* Fast MARS ageing; default 1 */
    double newvar_penalty; /* Friedman's gamma: cost of a predictor not yet used; default 0 */
    const unsigned char *linpreds; /* p flags (or NULL): these predictors enter linearly */
    int auto_linpreds;             /* 1 (default): a best knot at a predictor's minimum gives a
                                      linear term */
    ks_mars_pmethod pmethod;
    int nprune;            /* at most this many terms after pruning; 0: no limit */
    int nfold;             /* folds for KS_MARS_PRUNE_CV; default 5 */
    uint64_t seed;         /* fold assignment for KS_MARS_PRUNE_CV */
    ks_mars_family family; /* GLM fitted on the selected basis; default gaussian (none) */
    int allow_missing;     /* 1: NaN in X allowed (missingness factors); default 0: an error */
} ks_mars_options;
#define KS_MARS_OPTIONS_INIT                                                                       \
    {                                                                                              \
        0, 1, NAN, 0.001, 0, 0, 2.0, 20, 1.0, 0.0, NULL, 1, KS_MARS_PRUNE_BACKWARD, 0, 5, 0,       \
            KS_MARS_GAUSSIAN, 0                                                                    \
    }

/* Why the forward pass stopped (earth's termcond). */
typedef enum {
    KS_MARS_STOP_NK_SMALL = 1, /* max_terms < 3 */
    KS_MARS_STOP_GRSQ_INF = 2, /* GRSq fell to -Inf */
    KS_MARS_STOP_GRSQ_LOW = 3, /* GRSq below -10 */
    KS_MARS_STOP_THRESH = 4,   /* RSq gain below thresh */
    KS_MARS_STOP_RSQ_ONE = 5,  /* RSq above 1 - thresh */
    KS_MARS_STOP_NO_TERM = 6,  /* no candidate lowers the RSS */
    KS_MARS_STOP_MAX_TERMS = 7 /* max_terms reached */
} ks_mars_stop;
/* Names as earth prints them: "max_terms < 3", "GRSq -Inf", "GRSq below -10", "RSq changed by
 * less than thresh", "RSq above 1 - thresh", "no new term increases RSq", "reached max_terms". */
KS_API const char *ks_mars_stop_name(ks_mars_stop value);
KS_API int ks_mars_stop_value(ks_ctx *ctx, const char *name, ks_mars_stop *out) KS_RESULT_USED;

typedef struct ks_mars ks_mars; /* a fitted model; opaque */

/* Fit on n cases: X (n x p, column-major, ld n), Y (n x ny, column-major; for a GLM family each
 * column is a response of 0/1 or counts), w (n case weights >= 0, or NULL). Borrowed; not kept.
 * opt NULL: the defaults. On success *out owns the model: free it with ks_mars_free. */
KS_API int ks_mars_fit(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny, const double *Y,
                       const double *w, const ks_mars_options *opt, ks_mars **out) KS_RESULT_USED;
KS_API void ks_mars_free(ks_mars *m); /* NULL is fine; no ctx */

/* A factor of a term: dir +1 max(0, x - cut), -1 max(0, cut - x), 2 x (linear), 3 the
 * missingness indicator of x (1 where x is present; with allow_missing), -3 its complement. */
typedef struct {
    int pred, dir;
    double cut;
} ks_mars_factor;

/* The model, arrays owned by it. Terms are numbered in forward-pass order, the intercept 0. */
typedef struct {
    size_t n, p, ny, nterms;  /* nterms: forward-pass terms */
    const size_t *term_start; /* factors of term j: factor[term_start[j] .. [j + 1]) */
    const ks_mars_factor *factor;
    const int *term_parent; /* the term each was grown from (-1: the intercept) */
    size_t nselected;
    const size_t *selected;     /* forward-pass indices of the selected terms, increasing */
    const double *coef;         /* nselected x ny, column-major (per response) */
    double rss, rsq, gcv, grsq; /* summed over responses (weighted, with weights) */
    const double *rss_per_response, *rsq_per_response, *gcv_per_response, *grsq_per_response;
    const double *rss_per_subset, *gcv_per_subset; /* nterms each: best subset of size 1.. */
    const size_t *prune_terms; /* nterms x nterms, row s - 1: the subset of size s
                                  (forward-pass indices, 0-padded; R's prune.terms) */
    ks_mars_stop termcond;
    size_t forward_nk_used;    /* terms counted toward max_terms (dropped partners too) */
    const double *forward_rsq; /* nterms: RSq after each forward term was added */
    double penalty;            /* the penalty used */
    int max_degree, nk;
    /* variable importance (earth's evimp), p each: subsets containing the predictor, and the
     * GCV / RSS decreases credited to it scaled so that the largest is 100 */
    const double *evimp_nsubsets, *evimp_gcv, *evimp_rss;
    /* GLM on the selected basis (family != gaussian): coefficients nselected x ny, deviance,
     * null deviance, iterations */
    ks_mars_family family;
    const double *glm_coef, *glm_deviance, *glm_null_deviance;
    const int *glm_iterations;
    /* pmethod cv: the mean out-of-fold RSq per subset size (nterms) */
    const double *cv_rsq;
    /* names of the p predictors and the ny responses, or NULL where the model has none (see
     * ks_mars_set_names) */
    const char *const *predictor_names, *const *target_names;
} ks_mars_view;
KS_API void ks_mars_get(const ks_mars *m, ks_mars_view *out); /* pointers owned by m */

/* Names for the model's p predictors and ny responses (either list may be NULL: none), copied
 * into it, written by ks_mars_to_json and read back by ks_mars_from_json (and so kept by
 * ks_mars_from_parts). An empty or repeated name within a list is an error naming it. */
KS_API int ks_mars_set_names(ks_ctx *ctx, ks_mars *m, const char *const *predictors,
                             const char *const *targets) KS_RESULT_USED;

/* The selected terms (and so the model's fitted values) on new cases: the basis (n x
 * nselected) or the predictions (n x ny; for a GLM family the link is inverted: probabilities
 * or means), column-major into out, which has room for out_len values: fewer than needed is
 * KS_EINVAL naming the size. X is n x p, column-major; NaN in X gives NaN rows unless the model
 * allows missing values. */
KS_API int ks_mars_basis(ks_ctx *ctx, const ks_mars *m, size_t n, const double *X, double *out,
                         size_t out_len) KS_RESULT_USED;
KS_API int ks_mars_predict(ks_ctx *ctx, const ks_mars *m, size_t n, const double *X, double *out,
                           size_t out_len) KS_RESULT_USED;

/* A model from its parts (what ks_mars_get gives, e.g. read back from a file): the terms, the
 * selected subset and its coefficients, the names where given; statistics not given are NaN.
 * *out owns the model. */
KS_API int ks_mars_from_parts(ks_ctx *ctx, const ks_mars_view *v, ks_mars **out) KS_RESULT_USED;

/* JSON: the whole model as one object (with "predictors" and "targets", the names, where the
 * model has them); ks_mars_from_json reads what ks_mars_to_json wrote, in any layout of white
 * space and key order, and refuses what does not fit: malformed JSON (nesting deeper than 64
 * included), a key twice, a count or index that is not an integer in range (at most 10000
 * terms and 2^24 predictors), an array of the wrong length, repeated names; the message names
 * the character or key at fault. *json is
 * allocated with the ctx allocator: free it with ks_string_free. */
KS_API int ks_mars_to_json(ks_ctx *ctx, const ks_mars *m, char **json) KS_RESULT_USED;
KS_API int ks_mars_from_json(ks_ctx *ctx, const char *json, ks_mars **out) KS_RESULT_USED;

#ifdef __cplusplus
}
#endif
#endif
