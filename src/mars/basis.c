/* basis.c — MARS terms evaluated on cases: each a product of hinge, linear and missingness
 * factors. */
#include <math.h>
#include <string.h>

#include "mars/mars_internal.h"

double ks__mars_factor_value(const ks_mars_factor *f, double x)
{
    switch (f->dir) {
    case 1: return x > f->cut ? x - f->cut : 0.0;
    case -1: return x < f->cut ? f->cut - x : 0.0;
    case 2: return x;
    case 3: return isnan(x) ? 0.0 : 1.0;
    case -3: return isnan(x) ? 1.0 : 0.0;
    default: return NAN;
    }
}

/* Column c of B is term which[c] (all terms when which is NULL). A hinge or linear factor of a
 * missing x is 0 when the term also has that predictor's presence factor (allow_missing), NaN
 * otherwise. */
void ks__mars_eval_terms(const ks__mars_terms *t, size_t n, const double *X, const size_t *which,
                     size_t nwhich, double *B)
{
    for (size_t c = 0; c < nwhich; c++) {
        const size_t j = which ? which[c] : c;
        double *col = B + c * n;
        for (size_t i = 0; i < n; i++) col[i] = 1.0;
        for (size_t k = t->term_start[j]; k < t->term_start[j + 1]; k++) {
            const ks_mars_factor *f = &t->factor[k];
            const double *x = X + (size_t)f->pred * n;
            int guarded = 0; /* the term carries the predictor's presence factor */
            for (size_t q = t->term_start[j]; q < t->term_start[j + 1]; q++)
                guarded |= t->factor[q].pred == f->pred && t->factor[q].dir == 3;
            for (size_t i = 0; i < n; i++) {
                if (isnan(x[i]) && f->dir != 3 && f->dir != -3) {
                    col[i] = guarded ? 0.0 : NAN;
                    continue;
                }
                col[i] *= ks__mars_factor_value(f, x[i]);
            }
        }
    }
}
