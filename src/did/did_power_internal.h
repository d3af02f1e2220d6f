/* did_power_internal.h — shared by dgp.c and power_sim.c: simulated panels as plain columns. */
#ifndef KS_DID_POWER_INTERNAL_H
#define KS_DID_POWER_INTERNAL_H

#include "base/base_internal.h"
#include "kestrel/did_power.h"

/* One simulated panel, nrow = units x periods rows, unit-major. `post` holds the post-period
 * indicator (basic design) or the ever-treated indicator (staggered design). */
typedef struct {
    double *y, *effect;
    int64_t *unit, *period, *treated, *post, *first_treat;
} ks_did_sim_cols;

int ks__did_sim_cols_alloc(ks_ctx *ctx, size_t nrow, ks_did_sim_cols *c);
void ks__did_sim_cols_free(ks_ctx *ctx, ks_did_sim_cols *c);
int ks__did_dgp_basic_check(ks_ctx *ctx, const ks_did_dgp_basic *d);
int ks__did_dgp_staggered_check(ks_ctx *ctx, const ks_did_dgp_staggered *d);
void ks__did_dgp_basic_fill(const ks_did_dgp_basic *d, uint64_t seed, ks_did_sim_cols *c);
void ks__did_dgp_staggered_fill(const ks_did_dgp_staggered *d, uint64_t seed, ks_did_sim_cols *c);

#endif
