/* sort_internal.h — what sort.c shares with set.c: every element mapped to an ordered key, and
 * the stable sort of (key, position) pairs along one line.
 *
 * A real element becomes a uint64 key whose unsigned order is NumPy's order: integers with the
 * sign bit flipped, floats by their bits made monotone, -0.0 the same key as 0.0 and every NaN
 * the largest key (NaN sorts last). A complex element keeps its two parts as doubles and compares
 * by NumPy's rule (cmp_complex). */
#ifndef KS_SORT_INTERNAL_H
#define KS_SORT_INTERNAL_H

#include "array/array_internal.h"

typedef struct {
    uint64_t k;
    int64_t i;
} ks__kpair;
typedef struct {
    double re, im;
    int64_t i;
} ks__cpair;

/* NumPy's complex order: lexicographic by real then imaginary part, with R + Rj < R + nanj <
 * nan + Rj < nan + nanj (the NaN classes in that order, by their other part inside a class). */
static inline int ks__cmp_complex(double ar, double ai, double br, double bi)
{
    const int an = ar != ar, bn = br != br;
    if (an != bn) return an - bn;
    const int ain = ai != ai, bin = bi != bi;
    if (ain != bin) return ain - bin;
    if (!an && ar != br) return ar < br ? -1 : 1;
    if (!ain && ai != bi) return ai < bi ? -1 : 1;
    return 0;
}

/* The n elements x[perm[j] * s] (x[j * s] when perm is NULL) as pairs (key, position); the
 * complex form for complex dtypes. */
void ks__sort_keys(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n, const int64_t *perm,
                   ks__kpair *out);
void ks__sort_ckeys(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n, const int64_t *perm,
                    ks__cpair *out);
/* The stable sort of n contiguous elements of dtype t at v in place (tmp: n more). */
void ks__sort_values(ks_dtype t, char *v, char *tmp, ptrdiff_t n);
/* Stable sorts of n pairs by key (tmp: n more of scratch). */
void ks__sort_kpairs(ks__kpair *a, ks__kpair *tmp, ptrdiff_t n);
void ks__sort_cpairs(ks__cpair *a, ks__cpair *tmp, ptrdiff_t n);

/* sort_select.c: the selection that puts each of the positions kth[0 .. nkth) (ascending,
 * distinct, in [0, n)) of n contiguous elements of a 32- or 64-bit integer or real dtype in its
 * sorted place, nothing larger before it and nothing smaller after (NaN last); false (nothing
 * done) for the other dtypes. */
bool ks__quickselect(ks_dtype t, void *v, ptrdiff_t n, const ptrdiff_t *kth, int nkth);
/* The same selection of n (key, position) pairs by key (argpartition). */
void ks__kpair_select(ks__kpair *a, ptrdiff_t n, const ptrdiff_t *kth, int nkth);

/* sort_select.c: NaNs moved to the end of n floats (their bits kept); returns the count of the
 * others. */
ptrdiff_t ks__nan_last_f64(double *a, ptrdiff_t n);
ptrdiff_t ks__nan_last_f32(float *a, ptrdiff_t n);
#if defined(__GNUC__) && defined(__x86_64__)
/* sort_select.c's AVX2 partition step (call only where the CPU has AVX2): the n elements at a
 * (no NaN) split into those <= p (< p when ge) first, and the others; returns
 * the count of the first. */
ptrdiff_t ks__partition_f64(double *a, ptrdiff_t n, double p, bool ge);
ptrdiff_t ks__partition_i64(int64_t *a, ptrdiff_t n, int64_t p, bool ge);
ptrdiff_t ks__partition_u64(uint64_t *a, ptrdiff_t n, uint64_t p, bool ge);
ptrdiff_t ks__partition_i32(int32_t *a, ptrdiff_t n, int32_t p, bool ge);
ptrdiff_t ks__partition_u32(uint32_t *a, ptrdiff_t n, uint32_t p, bool ge);
#endif
/* sort_quick.c: np.sort(kind="quicksort") of n contiguous elements of a 32- or 64-bit integer or
 * real dtype at v in place (NaN last; equal keys in no promised order; tmp: n elements of
 * scratch for its fallback); false (nothing done) for other dtypes or without AVX2. */
bool ks__quicksort(ks_dtype t, void *v, char *tmp, ptrdiff_t n);

#endif
