/* mvn_internal.h — low-dimensional normal probabilities behind ks_did_mvn_box. */
#ifndef KS_DID_MVN_INTERNAL_H
#define KS_DID_MVN_INTERNAL_H

#include <stddef.h>

/* P(X > h, Y > k) for standard normals with correlation r in [-1, 1]; h, k finite. */
double ks__bvn_upper(double h, double k, double r);

/* Loadings l (k, |l_i| <= 0.99) of a one-factor model of sigma's correlations, r_ij ~ l_i l_j;
 * k <= 64. Returns 0, or -1 where no positive leading factor exists. */
int ks__mvn_one_factor(size_t k, const double *sigma, double *load);

#endif
