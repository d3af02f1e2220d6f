/* did_internal.h — shared by the files of src/did: the panel in wide form, the 2x2 estimators
 * with their influence functions, and the multiplier bootstrap. */
#ifndef KS_DID_INTERNAL_H
#define KS_DID_INTERNAL_H

#include <math.h>

#include "base/base_internal.h"
#include "kestrel/did.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

/* A balanced panel of n units over T periods, period-major: y[t * n + i]. Units are sorted by
 * cohort (never treated first, then by first treated period; ties in order of appearance), so
 * each cohort is the contiguous range coh_start[c] .. coh_start[c + 1]. */
typedef struct {
    size_t n, T, k;    /* units, periods, covariates including the intercept */
    double *tval;      /* T period values, increasing */
    double *g;         /* n first-treatment periods after R's recoding (0: never treated) */
    size_t ncoh;       /* cohorts among the units, including the never treated (value 0) */
    double *coh;       /* ncoh cohort values, increasing */
    size_t *coh_start; /* ncoh + 1 offsets */
    double *y;         /* T x n outcomes */
    double *w;         /* T x n weights, or NULL (all 1) */
    double *x;         /* T x (n x k) covariates, column-major per period, or NULL when k == 1 */
    int32_t *cluster;  /* n cluster codes 0..ncluster-1, or NULL */
    size_t ncluster;
    size_t *unit_row;  /* n: first row of each unit in the input table */
    double *glist;     /* ng treated cohorts that get effects, increasing */
    size_t ng;
} ks_did_panel;

/* The unit range of cohort value g, or an empty range. */
void ks__did_cohort_range(const ks_did_panel *p, double g, size_t *lo, size_t *hi);

/* Which periods a cell compares, R's pret / tfac logic. */
typedef struct {
    size_t cur, base; /* period indices */
    double g;
    int post, zero;   /* zero: universal base period equal to the current one */
} ks_did_cell_plan;

/* Repeated cross-sections and unbalanced panels: the rows, sorted by (cohort, period) so that
 * the rows of cohort c in period s are start[c T + s] .. start[c T + s + 1]; row r belongs to
 * observation unit[r] (the row itself for cross-sections, its unit for a panel), numbered in
 * the cohort order of the ks_did_panel built with it. */
typedef struct {
    size_t nrow, k;
    double *y, *w, *x; /* nrow outcomes, weights (or NULL), covariates (k x nrow col-major by
                          covariate, or NULL) */
    size_t *unit, *start;
} ks_did_long;

/* Build the long data and, in p, what the cells and aggregations need about its observation
 * units (n, periods, cohorts, unit weights = the mean of each unit's row weights, clusters), with
 * R did's preprocessing for panel = FALSE. *balanced is set when allow_unbalanced_panel found a
 * balanced panel (the caller then uses the panel estimator, as R does). */
int ks__did_long_build(ks_ctx *ctx, const ks_table *t, const char *y, const char *time,
                      const char *id, const char *group, const ks_did_cs_options *opt,
                      ks_did_panel *p, ks_did_long *L, int *balanced);
void ks__did_long_free(const ks_allocator *a, ks_did_long *L);
/* One cell on the long data: att, and the influence function of each observation unit (its
 * rows summed) into col (n values). Scratch: 6 + k doubles per row of the cell. */
int ks__did_long_fit_cell(ks_ctx *ctx, const ks_did_long *L, const ks_did_panel *p,
                          const ks_did_cs_options *opt, const ks_did_cell_plan *cp, double *scratch,
                          double *att, double *col, size_t *ntr, size_t *nco, size_t *n_near_one,
                          int *fell_back);

/* Build the panel from the table, with R did's preprocessing (NA rows removed, unbalanced units
 * removed, cohorts after the last period + anticipation recoded never treated, no never-treated
 * group handled as did does, first-period cohorts removed); every removal is logged. */
int ks__did_panel_build(ks_ctx *ctx, const ks_table *t, const char *y, const char *time,
                       const char *id, const char *group, const ks_did_cs_options *opt,
                       ks_did_panel *p);
void ks__did_panel_free(const ks_allocator *a, ks_did_panel *p);

/* One 2x2 comparison on m units: outcome change dy, treatment indicator D (0/1), covariates X
 * (m x k, column-major, first column the intercept: ones, which the repeated cross-section fit
 * reads; NULL when k == 1), weights w (NULL: 1).
 * Writes the ATT and the influence function (m values, R DRDID's att.inf.func scaling). */
typedef struct {
    size_t m, k;
    const double *dy, *D, *X, *w;
    size_t nt; /* rows 0..nt-1 are the treated, the rest controls (D may be NULL when k == 1);
                  SIZE_MAX: rows in any order, as D says */
    const double *post; /* repeated cross-sections: 1 for rows of the later period (dy = y) */
    size_t *n_near_one; /* if not NULL, gets the controls whose estimated propensity score is
                           >= PS_NEAR_ONE (limited overlap; those >= 0.995 get no weight) */
    double clip;        /* NaN: R's capping and trimming; else scores clipped to [clip, 1 - clip] */
    int ps_fallback;    /* 1: a logit that cannot be estimated gives way to the unconditional
                           score (the weighted share treated; no estimation effect) */
    int *fell_back;     /* if not NULL, set to 1 when that happened */
    const double *b_treated; /* repeated cross-sections, dr: if not NULL, the treated rows'
                                outcome regressions (k before, k after) already fitted, as
                                ks__did_2x2_rc_treated_ols gives them */
    size_t *n_low;           /* repeated cross-sections: if not NULL, gets the rows whose estimated
                                score is < PS_LOW (R triplediff's poor-overlap diagnostic) */
    int no_overlap_guard;    /* 1: no R did guard (a score >= 0.999 an error); R triplediff has
                                none, it only caps and trims */
    const size_t *cells;     /* repeated cross-sections: if not NULL, the rows are in cell order
                                (ks__did_2x2_rc_fit) with cell c in rows cells[c] .. cells[c + 1]
                                - 1 (5 values); NULL: the fit finds out */
} ks_did_2x2;
#define PS_NEAR_ONE 0.99
#define PS_LOW 1e-3
int ks__did_2x2_fit(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, double *att,
                   double *inf);
/* The same on repeated cross-sections (DRDID's drdid_rc / reg_did_rc / std_ipw_did_rc): rows are
 * observations, dy their outcome, post their period (1 later, 0 earlier); D must be given. Rows
 * in cell order (treated after, treated before, control after, control before: the triple
 * difference's) are used in place; others are sorted into it first (a copy). */
int ks__did_2x2_rc_fit(ks_ctx *ctx, ks_did_method method, const ks_did_2x2 *in, double *att,
                      double *inf);
/* The treated rows' outcome regressions of ks__did_2x2_rc_fit's dr (k before, k after into b):
 * comparisons that share their treated rows (the triple difference's three) fit them once. The
 * rows must be in cell order. */
int ks__did_2x2_rc_treated_ols(ks_ctx *ctx, const ks_did_2x2 *in, double *b);
/* G = sum over rows r0 .. r1 - 1 of x x' (k x k, upper triangle; the rest zero), x_0 = 1 and
 * x_j = col[j][i] (col[0] unused): four lanes of rows for k <= 5. */
void ks__did_gram(const double *const *col, size_t k, size_t r0, size_t r1, double *G);
/* LINPACK's in-order rank test (a column whose norm left after the kept ones is below tol of its
 * own is dropped: R's qr(), ks_lstsq's) on the p x p Gram matrix G of `rows` rows (upper
 * triangle): drop[j] set for a dropped column, 0 returned; 1 (nothing decided) when a column's
 * squared norm left is within the worst-case rounding of G's sums of the threshold, where the
 * QR on the rows must decide (so an exactly collinear column too, once that bound passes tol^2).
 * p <= 64 (more: 1). L: p x p scratch. */
int ks__did_screen_gram(const double *G, size_t p, size_t rows, double tol, unsigned char *drop,
                        double *L);

/* Multiplier bootstrap (R did's mboot), in two steps. The draws of columns j = 0..m-1 of an
 * N x m matrix A (units or clusters x influence functions) are
 *   D[b + j B] = sum_u v_bu A[u, j] / sqrt(N),   b = 0..B-1,
 * with v_bu drawn from the counter stream (seed, b, u). A is given as blocks: rows lo..hi-1 of
 * the columns col[0..ncol) of the output are the ld-strided matrix M (column j of M at
 * M + j * ld); rows outside every block are 0 for those columns. Blocks must not share a
 * (row, output column) pair. */
typedef struct {
    size_t lo, hi, ncol, ld;
    const size_t *col;
    const double *M;
} ks_did_boot_block;
int ks__did_mboot_draws(ks_ctx *ctx, size_t N, const ks_did_boot_block *blk, size_t nblk,
                       size_t m, int B, ks_did_boot_weights kind, uint64_t seed, double *D);
/* From draws D (B x m): se[j] = IQR(D_j) / IQR(normal) * sqrt(N) / n (NaN for a degenerate
 * column) and, when crit is not NULL, the 1 - alpha quantile of max_j |D_bj| / scale_j. */
int ks__did_mboot_stats(ks_ctx *ctx, const double *D, int B, size_t m, size_t n, size_t N,
                       double alpha, double *se, double *crit);

/* The units of one cell's 2x2 comparison: up to four ranges of the cohort-sorted units (the
 * treated cohort first, then the controls). */
typedef struct {
    size_t nr;
    size_t lo[4], hi[4];
} ks_did_cell_units;

/* A fit: the cells, their influence functions, and what an aggregation needs from the panel
 * (cohorts, first-period weights, clusters; outcomes and covariates are freed after the fit).
 * A cell's influence function is kept on its own units only: the values of cell c are
 * ifval[ifoff[c] .. ifoff[c + 1]), range by range of units[c] (zero for every other unit). */
struct ks_did_cs {
    ks_allocator alloc;
    ks_did_cs_options opt; /* covariates / weights / cluster names not kept (set to NULL) */
    ks_did_panel p;
    size_t n, ncell;
    double *group, *time, *att, *se, *se_analytic, *tstat, *pvalue, *ci_lower, *ci_upper;
    int *post;
    size_t *n_treated, *n_control;
    ks_did_cell_units *units;
    size_t *ifoff;
    double *ifval;
    double crit;
    int uniform; /* crit is the bootstrap's sup-t (cband) */
    /* with the bootstrap: draws B x (ncell + 2 ncoh): the cells', then per cohort k the draws
     * of sum_{i in k} w_i and of the count of k (the wif term of an aggregation) */
    double *draws;
    size_t nclust_N; /* N of the draws: clusters, or units */
    size_t nobs;     /* rows used */
    int used_rc;     /* an unbalanced panel through the repeated cross-section estimator */
};

/* out[i] += w * IF_c[i] over the units of cell c. */
void ks__did_cs_if_axpy(const ks_did_cs *r, size_t c, double w, double *out);
/* The influence functions of cells cells[0..m) as a dense n x m matrix (column-major, zeros
 * outside each cell's units). */
void ks__did_cs_if_dense(const ks_did_cs *r, const size_t *cells, size_t m, double *out);

/* A numeric column of a table read in place (int64 or float64). */
typedef struct {
    const double *f;
    const int64_t *i;
} ks_did_numcol;
static inline double ks__did_num_at(const ks_did_numcol *c, size_t r)
{
    return c->f ? c->f[r] : (double)c->i[r];
}
/* The column `name` (what: its role, for messages); text is an error. */
int ks__did_numeric(ks_ctx *ctx, const ks_table *t, const char *what, const char *name,
                   ks_did_numcol *c);

/* Sorting period and cohort values. */
int ks__did_cmp_double(const void *a, const void *b);
size_t ks__did_sort_unique(double *v, size_t n); /* sorts, removes repeats, returns the count */
size_t ks__did_lower_bound(const double *a, size_t n, double v); /* first a[i] >= v */

/* Standard error of an aggregated influence function, as R's getSE: sqrt(sum IF^2) / n, or
 * from cluster sums; NaN below sqrt(eps) * 10. */
double ks__did_if_se(const double *IF, size_t n, const int32_t *cluster, size_t ncluster,
                    double *scratch);

#endif
