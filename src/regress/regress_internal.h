/* regress_internal.h — shared by the files of src/regress: the parsed formula, fixed-effect
 * absorption and variance estimation. */
#ifndef KS_REGRESS_INTERNAL_H
#define KS_REGRESS_INTERNAL_H

#include "base/base_internal.h"
#include "kestrel/regress.h"

/* A term: the product of one or more columns, or (for fixed effects) their combination. */
typedef struct {
    char *name;  /* "x", "a:b", "fe1^fe2" */
    char **vars; /* the column names */
    size_t nvars;
} ks_term;

typedef struct {
    char *y;
    ks_term *terms; /* regressors in formula order (without the intercept) */
    size_t nterms;
    int intercept; /* 1 unless "- 1" / "0 +", or fixed effects are present */
    ks_term *fe;
    size_t nfe;
} ks_formula;

int ks__formula_parse(ks_ctx *ctx, const char *text, ks_formula *f);
void ks__formula_free(ks_ctx *ctx, ks_formula *f);

/* Fixed effects of the used rows: codes[d][i] in 0..nlevels[d]-1, dense. */
typedef struct {
    size_t n, nfe;
    int32_t **codes;
    size_t *nlevels;
    const double *w; /* weights or NULL */
    double **wsum;   /* per dimension, per level: sum of weights (or counts) */
} ks_fe_index;

/* Demean the ncol columns of V (n x ncol, column-major, in place) by the fixed effects:
 * V <- V - projection on the FE dummies. Columns are independent and run in parallel (threads by
 * the work's size, ks__threads_for) with a result that does not depend on the thread count.
 * *iters gets the largest sweep count. */
int ks__fe_demean(ks_ctx *ctx, const ks_fe_index *fe, double *V, size_t ncol, double tol,
                 int maxiter, size_t *iters);

/* Variance input: whitened-free form. X n x k (demeaned when FE), resid e, weights w or NULL,
 * bread = (X'WX)^-1 over kept columns (k x k, NaN for dropped), kept flags. */
typedef struct {
    size_t n, k;
    const double *X;
    const double *e;
    const double *w;
    const double *bread;
    const unsigned char *dropped;
    const int32_t *fe;     /* HC2/HC3: one absorbed fixed effect's codes (its dummies' leverage */
    const double *fe_winv; /* w_i / W_level adds to h_i), 1 / W_level; or NULL */
} ks_vcov_input;

/* meat-based variance V = bread M bread (no small-sample factor) into V (k x k).
 * HC kinds use the leverage for HC2/HC3. */
int ks__vcov_hetero(ks_ctx *ctx, const ks_vcov_input *in, ks_vcov_kind kind, double *V);
/* Cluster-robust sandwich for one cluster dimension with codes in 0..G-1 (no factor). */
int ks__vcov_cluster(ks_ctx *ctx, const ks_vcov_input *in, const int32_t *codes, size_t G,
                    double *V);

/* Bell-McCaffrey (vcov_bm.c): the layout of the clusters and of the one fixed effect whose
 * levels contain them (NULL: none, or all nested in the clusters). codes NULL: every row its
 * own cluster. */
typedef struct {
    const int32_t *codes;
    size_t G;
    const int32_t *fe;
    size_t L;
} ks_bm_layout;
typedef struct ks__bm ks__bm; /* what a contrast's degrees of freedom need, kept by the fit */
/* The CR2 sandwich B (sum_g X_g' A_g e_g e_g' A_g X_g) B into V (k x k, NaN for dropped
 * columns; no small-sample factor) and the state for ks__bm_df. Unweighted. */
int ks__vcov_bm(ks_ctx *ctx, const ks_vcov_input *in, const ks_bm_layout *lay, double *V,
                ks__bm **out);
/* The Satterthwaite degrees of freedom of c'b (c: k weights; dropped columns ignored); NaN
 * when not defined. */
int ks__bm_df(ks_ctx *ctx, const ks__bm *s, const double *c, double *df);
void ks__bm_free(const ks_allocator *a, ks__bm *s);

#endif
