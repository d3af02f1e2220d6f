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
void ks__feols_data_free(const ks_allocator *a, feols_data *d);

#endif
