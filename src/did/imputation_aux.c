/* imputation_aux.c — BJS's auxiliary model for the conservative variance (Borusyak, Jaravel &
 * Spiess 2024, Theorem 3 and eq. 8; Supplementary Appendix A.9 for the leave-out refinement).
 *
 * The treated rows are partitioned into cells (cohort x horizon, cohort, or horizon). For a
 * target with row weights v, each unit i of cell c has a = sum_t v_it and b = sum_t v_it tau_it
 * over its rows in the cell, and the cell's effect is tau~_c = sum_i a_i b_i / sum_i a_i^2 (the
 * unit-clustered eq. 8; with at most one row per unit and cell, as cohort x horizon on a panel,
 * it is R didimputation's sum v^2 tau / sum v^2). A treated row's residual is tau_it - tau~_c.
 * With leave_one_out (Stata did_imputation's `leaveout`), tau~ leaves the unit's own rows out:
 * at the unit's sum that is the residual scaled by D / (D - a_i^2), D = sum_j a_j^2, which is
 * undefined for a cell with one unit of nonzero weight (A.9 fn. 51): such cells keep the
 * residual as it is. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_imputation_internal.h"

typedef struct {
    double g, h;
    int64_t unit;
    size_t row;
} aux_key;

static int cmp_key(const void *pa, const void *pb)
{
    const aux_key *x = pa, *y = pb;
    if (x->g != y->g) return x->g < y->g ? -1 : 1;
    if (x->h != y->h) return x->h < y->h ? -1 : 1;
    if (x->unit != y->unit) return x->unit < y->unit ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

void ks__did_imp_aux_free(ks_ctx *ctx, ks_did_imp_aux *x)
{
    ks__free(ctx, x->pair);
    ks__free(ctx, x->pair_cell);
    ks__free(ctx, x->cell_start);
    ks__free(ctx, x->work);
    memset(x, 0, sizeof *x);
}

int ks__did_imp_aux_init(ks_ctx *ctx, const ks_did_imp_data *d, ks_did_aux_partition part,
                         int anticipation, int leave_one_out, ks_did_imp_aux *x)
{
    const size_t n = d->n;
    const double *gg = d->num + 2 * n, *hh = d->num + 3 * n;
    memset(x, 0, sizeof *x);
    x->leave_one_out = leave_one_out;
    aux_key *key = ks__malloc_array(ctx, d->n1 + 1, sizeof *key);
    x->pair = ks__malloc_array(ctx, n + 1, sizeof *x->pair);
    x->pair_cell = ks__malloc_array(ctx, d->n1 + 1, sizeof *x->pair_cell);
    x->cell_start = ks__malloc_array(ctx, d->n1 + 2, sizeof *x->cell_start);
    if (!key || !x->pair || !x->pair_cell || !x->cell_start) {
        ks__free(ctx, key);
        ks__did_imp_aux_free(ctx, x);
        return KS_ENOMEM;
    }
    size_t nk = 0;
    for (size_t i = 0; i < n; i++) {
        x->pair[i] = -1;
        if (!ks__did_imp_treated(d, i, anticipation)) continue;
        key[nk].g = part == KS_DID_AUX_HORIZON ? 0.0 : gg[i];
        key[nk].h = part == KS_DID_AUX_COHORT ? 0.0 : hh[i];
        key[nk].unit = d->codes[i];
        key[nk].row = i;
        nk++;
    }
    qsort(key, nk, sizeof *key, cmp_key);
    size_t nc = 0, np = 0;
    for (size_t q = 0; q < nk; q++) {
        const int new_cell = q == 0 || key[q].g != key[q - 1].g || key[q].h != key[q - 1].h;
        if (new_cell) x->cell_start[nc++] = np;
        if (new_cell || key[q].unit != key[q - 1].unit) x->pair_cell[np++] = nc - 1;
        x->pair[key[q].row] = (int64_t)(np - 1);
    }
    x->cell_start[nc] = np;
    ks__free(ctx, key);
    x->ncell = nc;
    x->npair = np;
    /* per target: a, b, factor per pair; num, den, units of nonzero weight per cell */
    x->work = ks__malloc_array(ctx, 3 * np + 3 * nc + 1, sizeof *x->work);
    if (!x->work) {
        ks__did_imp_aux_free(ctx, x);
        return KS_ENOMEM;
    }
    return KS_OK;
}

void ks__did_imp_aux_reset(ks_did_imp_aux *x)
{
    memset(x->work, 0, (3 * x->npair + 3 * x->ncell) * sizeof *x->work);
}

void ks__did_imp_aux_add(ks_did_imp_aux *x, size_t r, double w, double e)
{
    const int64_t p = x->pair[r];
    if (p < 0) return;
    x->work[p] += w;                /* a */
    x->work[x->npair + p] += w * e; /* b */
}

size_t ks__did_imp_aux_finish(ks_did_imp_aux *x)
{
    const size_t np = x->npair, nc = x->ncell;
    const double *a = x->work, *b = a + np;
    double *factor = x->work + 2 * np, *num = factor + np, *den = num + nc, *npos = den + nc;
    for (size_t p = 0; p < np; p++) {
        factor[p] = 1.0;
        if (a[p] == 0.0) continue;
        const size_t c = x->pair_cell[p];
        num[c] += a[p] * b[p];
        den[c] += a[p] * a[p];
        npos[c] += 1.0;
    }
    size_t single = 0;
    for (size_t c = 0; c < nc; c++) {
        const double D = den[c];
        num[c] = D > 0 ? num[c] / D : 0.0; /* tau~ of the cell (unused without weight) */
        if (!x->leave_one_out || npos[c] == 0.0) continue;
        if (npos[c] < 2.0) {
            single++;
            continue;
        }
        for (size_t p = x->cell_start[c]; p < x->cell_start[c + 1]; p++) {
            if (a[p] == 0.0) continue;
            double other = D - a[p] * a[p];
            if (other <= 1e-6 * D) { /* a dominant unit: sum the others' weight exactly */
                other = 0.0;
                for (size_t q = x->cell_start[c]; q < x->cell_start[c + 1]; q++)
                    if (q != p) other += a[q] * a[q];
            }
            if (other > 0.0) factor[p] = D / other;
        }
    }
    return single;
}

double ks__did_imp_aux_resid(const ks_did_imp_aux *x, size_t r, double e)
{
    const int64_t p = x->pair[r];
    const double *factor = x->work + 2 * x->npair, *tau = factor + x->npair;
    return (e - tau[x->pair_cell[p]]) * factor[p];
}
