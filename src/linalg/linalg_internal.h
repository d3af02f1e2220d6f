/* linalg_internal.h — numerics the library's models share that are not public API: R's and
 * numpy's conventions for medians, quantiles and the normal quantile, kept exactly so that
 * parity with those upstreams holds to the bit. */
#ifndef KS_LINALG_INTERNAL_H
#define KS_LINALG_INTERNAL_H

#include <stddef.h>

#include "kestrel/linalg.h"

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

/* The sum of x[0..n) accumulated in long double, in order (the jackknives' and ldsc's sums). */
double ks__sum_ld(const double *x, size_t n);

/* A jackknife (jackknife.c); the struct is open to the library so that an estimator can build
 * one from delete values of its own (ldsc's two-step estimator). Arrays as in the view; est
 * owns them all but separators. */
struct ks_jackknife {
    ks_allocator alloc;
    size_t n_blocks, p;
    double *est, *delete_values, *pseudovalues, *jknife_est, *jknife_var, *jknife_se, *jknife_cov;
    size_t *separators;
};
/* A jackknife of n_blocks x p values (with_sep: room for the separators), uninitialised. */
ks_jackknife *ks__jackknife_new(ks_ctx *ctx, size_t n_blocks, size_t p, int with_sep);
/* From est and delete_values: the pseudovalues, then their estimate, variance and covariance. */
void ks__jackknife_finish(ks_jackknife *j);

#endif
