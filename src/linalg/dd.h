/* dd.h — double-double arithmetic (Dekker 1971; Ogita, Rump & Oishi 2005, "Accurate sum and
 * dot product"): an unevaluated sum hi + lo carries about 106 bits. Used where a residual or a
 * sum must be exact beyond binary64 (refinement of least squares, summary statistics).
 * Needs strict IEEE evaluation: the build compiles with -ffp-contract=off and never -ffast-math. */
#ifndef KS_DD_H
#define KS_DD_H

#include <math.h>

typedef struct {
    double hi, lo;
} ks_dd;

/* a + b = s + e exactly. */
static inline double ks__two_sum(double a, double b, double *e)
{
    double s = a + b, bb = s - a;
    *e = (a - (s - bb)) + (b - bb);
    return s;
}

/* a * b = p + e exactly, by a fused multiply-add: one instruction inside a KS_DD_KERNEL
 * function on a CPU that has FMA, else glibc's correctly rounded fma(). */
static inline double ks__two_prod(double a, double b, double *e)
{
    double p = a * b;
    *e = __builtin_fma(a, b, -p);
    return p;
}

/* Hot double-double loops are compiled twice, with and without FMA, and the CPU picks. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define KS_DD_KERNEL __attribute__((target_clones("fma", "default")))
#else
#define KS_DD_KERNEL
#endif

/* acc += x (x a double). */
static inline void ks__dd_add(ks_dd *acc, double x)
{
    double e, s = ks__two_sum(acc->hi, x, &e);
    e += acc->lo;
    acc->hi = ks__two_sum(s, e, &acc->lo);
}

/* acc += a * b, the product kept exactly. */
static inline void ks__dd_fma(ks_dd *acc, double a, double b)
{
    double pe, p = ks__two_prod(a, b, &pe);
    double se, s = ks__two_sum(acc->hi, p, &se);
    se += acc->lo + pe;
    acc->hi = ks__two_sum(s, se, &acc->lo);
}

/* acc += y (a double-double). */
static inline void ks__dd_add_dd(ks_dd *acc, ks_dd y)
{
    double e, s = ks__two_sum(acc->hi, y.hi, &e);
    e += acc->lo + y.lo;
    acc->hi = ks__two_sum(s, e, &acc->lo);
}

static inline double ks__dd_value(ks_dd a) { return a.hi + a.lo; }

#endif
