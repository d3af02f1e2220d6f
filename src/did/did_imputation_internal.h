/* did_imputation_internal.h — shared by imputation.c and two_stage.c: the rows of a fit and the
 * exact first stage (see imputation.c). */
#ifndef KS_DID_IMPUTATION_INTERNAL_H
#define KS_DID_IMPUTATION_INTERNAL_H

#include <math.h>

#include "did/did_internal.h"
#include "kestrel/did_imputation.h"

typedef struct {
    size_t n, N, T, G, K; /* rows used, units, periods, clusters, covariates */
    size_t m, mt;         /* first-stage columns after the unit effects; of them, periods */
    size_t n0, n1;        /* untreated and treated rows */
    size_t *row;          /* n: the input row of each row */
    int64_t *codes;       /* n unit codes, n period indices, n cluster codes */
    double *num;          /* n outcomes, n periods, n cohorts (NaN never treated), n t - g,
                             K x n covariates */
    double *tval;         /* T period values, increasing */
    int64_t *col;         /* T: each period's first-stage column; -2 the reference, -1 none */
    double *B;            /* N x m: per unit, the sums of its untreated rows' columns */
    double *S;            /* m x m Cholesky factor (lower) of the Schur complement */
    double *coef;         /* N unit effects (NaN: no untreated row), then m */
    double *n0u;          /* N: untreated rows per unit */
} ks_did_imp_data;

/* Is row r treated (t >= g - anticipation)? */
static inline int ks__did_imp_treated(const ks_did_imp_data *d, size_t r, int anticipation)
{
    const double g = d->num[2 * d->n + r];
    return !isnan(g) && d->num[d->n + r] >= g - anticipation;
}

/* Read the table and fit the first stage on the untreated rows. */
int ks__did_imp_prepare(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                        const char *time, const char *first_treat,
                        const ks_did_imputation_options *o, ks_did_imp_data *d);
void ks__did_imp_data_free(ks_ctx *ctx, ks_did_imp_data *d);
/* Solve Z0'Z0 s = r in place; s holds N unit entries then m. */
int ks__did_imp_solve(ks_ctx *ctx, const ks_did_imp_data *d, double *s);
/* z_r's with coefficients s (NaN where not identified). */
double ks__did_imp_zs(const ks_did_imp_data *d, const double *s, size_t r);
/* The whole fit; two_stage selects Gardner's variance. */
int ks__did_imp_run(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                    const char *time, const char *first_treat, const ks_did_imputation_options *o,
                    int two_stage, ks_did_imputation **out);

/* BJS's lead regression on the prepared data (imputation_leads.c); e: the first-stage
 * residuals on untreated rows; cohorts (sorted; NULL: all) limit the lead indicators to those
 * cohorts, hmax (>= 0) to |h| <= hmax, n_leads (>= 0) to the nearest ones. */
int ks__did_imp_leads(ks_ctx *ctx, const ks_did_imp_data *d, const double *e,
                      const ks_did_imputation_options *o, const double *cohorts, size_t ncoh,
                      int hmax, int n_leads, ks_did_imputation_leads **out);

/* BJS's auxiliary model of the treated rows for one target at a time (imputation_aux.c):
 * reset, add each target row's weight and tau, finish (returns the number of cells where the
 * leave-out is undefined and skipped), then each row's centred (and leave-out scaled)
 * residual. */
typedef struct {
    size_t ncell, npair; /* cells; (cell, unit) pairs */
    int leave_one_out;   /* 1: BJS's leave-out residuals (Supp. App. A.9) */
    int64_t *pair;       /* n: each row's pair, -1 for an untreated row */
    size_t *pair_cell;   /* npair: its cell (pairs are sorted by cell) */
    size_t *cell_start;  /* ncell + 1: the pairs of cell c */
    double *work;        /* per target: a, b, factor (npair each); tau~, den, units (ncell) */
} ks_did_imp_aux;
int ks__did_imp_aux_init(ks_ctx *ctx, const ks_did_imp_data *d, ks_did_aux_partition part,
                         int anticipation, int leave_one_out, ks_did_imp_aux *x);
void ks__did_imp_aux_free(ks_ctx *ctx, ks_did_imp_aux *x);
void ks__did_imp_aux_reset(ks_did_imp_aux *x);
void ks__did_imp_aux_add(ks_did_imp_aux *x, size_t r, double w, double e);
size_t ks__did_imp_aux_finish(ks_did_imp_aux *x);
double ks__did_imp_aux_resid(const ks_did_imp_aux *x, size_t r, double e);

#endif
