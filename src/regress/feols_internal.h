/* feols_internal.h — what feols.c and feols_data.c share: the rows and columns of one fit. */
#ifndef KS_FEOLS_INTERNAL_H
#define KS_FEOLS_INTERNAL_H

#include "regress_internal.h"

#define KS_MAX_CLUSTER 2 /* cluster dimensions; their intersection is the third */

typedef struct {
    ks_term terms[KS_MAX_CLUSTER];
    size_t n;
} feols_cluster_spec;

typedef struct {
    size_t nrow, n, nvar; /* table rows, used rows, 1 + regressor terms */
    size_t *rows;         /* n: table row of each used row */
    double *V;            /* n x nvar: y, then each term's column */
    double *w;            /* n weights, or NULL */
    size_t nfe, ncl;
    int32_t **fe; /* nfe x n dense codes */
    size_t *fe_levels;
    int32_t *cl[KS_MAX_CLUSTER + 1];
    size_t cl_levels[KS_MAX_CLUSTER + 1];
    size_t n_na, n_zero_weight, n_singletons;
} feols_data;

int ks__feols_data_build(ks_ctx *ctx, const ks_table *t, const ks_formula *f,
                        const ks_feols_options *o, const feols_cluster_spec *cs, feols_data *d);
void ks__feols_data_free(ks_ctx *ctx, feols_data *d);

/* The design a fit of `formula` solves, for code that works on it (the wild bootstrap): the used
 * rows with the fixed effects partialled out (Frisch-Waugh-Lovell), X n x k column-major in the
 * order of ks_feols_name (intercept first when there is one; regressors the fixed effects absorb
 * are zero), y, and d.cl[0] the codes of the first cluster dimension when opt->vcov is CRV1.
 * Free with ks__feols_within_free. */
typedef struct {
    feols_data d;
    size_t n, k;
    double *X, *y;
    int own_X; /* X allocated (intercept column added), else a view into d.V */
} ks_feols_within;
int ks__feols_within_build(ks_ctx *ctx, const ks_table *t, const char *formula,
                          const ks_feols_options *opt, ks_feols_within *w);
void ks__feols_within_free(ks_ctx *ctx, ks_feols_within *w);

#endif
