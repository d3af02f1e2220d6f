/* linalg_internal.h — numerics the library's models share that are not public API: R's and
 * numpy's conventions for medians, quantiles and the normal quantile, kept exactly so that
 * parity with those upstreams holds to the bit. */
#ifndef KS_LINALG_INTERNAL_H
#define KS_LINALG_INTERNAL_H

#include <stddef.h>

/* R's median of v[0..n) (the mean of the middle two for an even n, NaN for none), in O(n) by
 * selection (ks_select_kth); v is reordered. NaNs are not removed. */
double ks__median(double *v, size_t n);
/* pandas' Series.quantile(q) (numpy's linear interpolation, as numpy 1.16 weighs it) of the
 * numbers in v[0..n) that are not NaN (NaN for none); v is reordered. */
double ks__quantile_linear(double *v, size_t n, double q);

/* The standard normal quantile by Wichura's AS 241, as R's qnorm and GenomicSEM compute it.
 * Not ks_normal_quantile (Newton on erfc, used by regress and did): the two differ in the last
 * bits at some p, and each module's parity tests pin its own. */
double ks__qnorm_as241(double p);
/* |z| for a two-sided P: z with P(|Z| > z) = P, from P (0 <= P <= 1) or, for P below the
 * double range, from log P (logp; pass NAN to use P); AS 241 entered by log p in the tails so
 * that no P is too small. */
double ks__z_from_p(double p, double logp);

#endif
