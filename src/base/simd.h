/* simd.h — what the vectorised kernels share: a function compiled for AVX-512 and AVX2 too (the
 * CPU picks at run time), without contracting a * b + c into FMAs so that every version rounds
 * alike, and GCC vector types whose helpers are inlined into each version. */
#ifndef KS_SIMD_H
#define KS_SIMD_H

#include <string.h>

#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#define KS_KERNEL                                                                                  \
    __attribute__((target_clones("avx512f", "avx2", "default"), optimize("fp-contract=off")))
#define KS_INLINE static inline __attribute__((always_inline)) /* into each clone */
#else
#define KS_KERNEL
#define KS_INLINE static inline
#endif

/* AVX2 operations in the AVX2 clone, SSE2 pairs otherwise (the helpers are always inlined, so
 * no vector crosses a call: the ABI note does not apply). */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4i __attribute__((vector_size(32)));

KS_INLINE v4d v4_load(const double *p)
{
    v4d v;
    memcpy(&v, p, sizeof v);
    return v;
}

KS_INLINE void v4_store(double *p, v4d v) { memcpy(p, &v, sizeof v); }

KS_INLINE v4d v4_splat(double x) { return (v4d){x, x, x, x}; }

KS_INLINE v4d v4_select(v4i mask, v4d a, v4d b) /* mask ? a : b, lane by lane */
{
    return (v4d)(((v4i)a & mask) | ((v4i)b & ~mask));
}

/* Eight partial sums, added in a fixed order (lane l holds elements l, l + 8, ...). */
KS_INLINE double v8_sum(v4d a, v4d b)
{
    return ((a[0] + b[0]) + (a[1] + b[1])) + ((a[2] + b[2]) + (a[3] + b[3]));
}

#endif
