/* mvn_internal.h — low-dimensional normal probabilities behind ks_did_mvn_box. */
#ifndef KS_DID_MVN_INTERNAL_H
#define KS_DID_MVN_INTERNAL_H

/* P(X > h, Y > k) for standard normals with correlation r in [-1, 1]; h, k finite. */
double ks__bvn_upper(double h, double k, double r);

#endif
