/* sort_quick.c — np.sort(kind="quicksort") of 32- and 64-bit integer and real lines: an AVX2
 * quicksort (chosen at run time; callers fall back to sort.c's stable radix sort without AVX2).
 *
 * A line already in order costs one pass, one in reverse order two. Otherwise each range is split
 * around the median of a sorted sample by sort_select.c's vectorised partition step
 * (ks__partition_*), and ranges of up to LEAF_R vectors are sorted in registers by a bitonic
 * network (the range padded to a power of two with the largest value). Swaps of 64-bit and float
 * lanes are decided by one comparison per pair and carried out by blends, so every element's bits
 * come out as they went in (-0.0 and 0.0 compare equal and keep their order's freedom, as
 * NumPy's); 32-bit integers use minima and maxima, and float32 is sorted as int32 through an
 * order-keeping map of its bits (-0.0 before 0.0). Float NaNs go to the end first, bits kept
 * (NumPy's NaN last). A range still long past a depth of 2 log2(n) is sorted by the stable radix
 * sort, so the worst case stays O(n log n). Equal keys have no promised order; the result is
 * identical for any thread count, as nothing is threaded. */
#include <string.h>

#include "array/sort_internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#include <immintrin.h>

#define AVX2 __attribute__((target("avx2,popcnt")))
#define LEAF_R 16 /* ranges of up to LEAF_R vectors: one network */

typedef __m256i V;
#define UNROLL _Pragma("GCC unroll 64") /* the networks' loops: constant indices */

/* Lane l's partner l ^ x (the x the networks use) by immediate shuffles, W lanes a vector, and
 * the blend of a with b's lanes that have lane bit `bit` set. */
#define XPERM(v, W, x)                                                                             \
    ((W) == 4 ? ((x) == 1   ? _mm256_shuffle_epi32(v, 0x4e)                                        \
                 : (x) == 2 ? _mm256_permute4x64_epi64(v, 0x4e)                                    \
                            : _mm256_permute4x64_epi64(v, 0x1b))                                   \
              : ((x) == 1   ? _mm256_shuffle_epi32(v, 0xb1)                                        \
                 : (x) == 2 ? _mm256_shuffle_epi32(v, 0x4e)                                        \
                 : (x) == 3 ? _mm256_shuffle_epi32(v, 0x1b)                                        \
                 : (x) == 4 ? _mm256_permute4x64_epi64(v, 0x4e)                                    \
                            : _mm256_permute4x64_epi64(_mm256_shuffle_epi32(v, 0x1b), 0x4e)))
#define BLEND_UP(a, b, W, bit)                                                                     \
    ((W) == 4 ? ((bit) == 1 ? _mm256_blend_epi32(a, b, 0xcc) : _mm256_blend_epi32(a, b, 0xf0))     \
              : ((bit) == 1   ? _mm256_blend_epi32(a, b, 0xaa)                                     \
                 : (bit) == 2 ? _mm256_blend_epi32(a, b, 0xcc)                                     \
                              : _mm256_blend_epi32(a, b, 0xf0)))

#define LOADV(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define STOREV(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), v)

/* The lanes of v > those of w, per type (all ones where true). */
AVX2 static inline V gt_i64(V v, V w) { return _mm256_cmpgt_epi64(v, w); }
AVX2 static inline V gt_u64(V v, V w)
{
    const V s = _mm256_set1_epi64x(INT64_MIN);
    return _mm256_cmpgt_epi64(_mm256_xor_si256(v, s), _mm256_xor_si256(w, s));
}
AVX2 static inline V gt_f64(V v, V w)
{
    return _mm256_castpd_si256(
        _mm256_cmp_pd(_mm256_castsi256_pd(v), _mm256_castsi256_pd(w), _CMP_GT_OQ));
}
AVX2 static inline V gt_i32(V v, V w) { return _mm256_cmpgt_epi32(v, w); }
AVX2 static inline V gt_u32(V v, V w)
{
    const V s = _mm256_set1_epi32(INT32_MIN);
    return _mm256_cmpgt_epi32(_mm256_xor_si256(v, s), _mm256_xor_si256(w, s));
}

/* The transpose of registers v[0 .. W) (W lanes each): t[l] holds lane l of them all. */
AVX2 static inline __attribute__((always_inline)) void transpose4(const V *v, V *t)
{
    const V t0 = _mm256_unpacklo_epi64(v[0], v[1]), t1 = _mm256_unpackhi_epi64(v[0], v[1]);
    const V t2 = _mm256_unpacklo_epi64(v[2], v[3]), t3 = _mm256_unpackhi_epi64(v[2], v[3]);
    t[0] = _mm256_permute2x128_si256(t0, t2, 0x20);
    t[1] = _mm256_permute2x128_si256(t1, t3, 0x20);
    t[2] = _mm256_permute2x128_si256(t0, t2, 0x31);
    t[3] = _mm256_permute2x128_si256(t1, t3, 0x31);
}
AVX2 static inline __attribute__((always_inline)) void transpose8(const V *v, V *t)
{
    V a[8], b[8];
    for (int j = 0; j < 8; j += 2) {
        a[j] = _mm256_unpacklo_epi32(v[j], v[j + 1]);
        a[j + 1] = _mm256_unpackhi_epi32(v[j], v[j + 1]);
    }
    for (int j = 0; j < 8; j += 4) {
        b[j] = _mm256_unpacklo_epi64(a[j], a[j + 2]);
        b[j + 1] = _mm256_unpackhi_epi64(a[j], a[j + 2]);
        b[j + 2] = _mm256_unpacklo_epi64(a[j + 1], a[j + 3]);
        b[j + 3] = _mm256_unpackhi_epi64(a[j + 1], a[j + 3]);
    }
    for (int l = 0; l < 4; l++) {
        t[l] = _mm256_permute2x128_si256(b[l], b[l + 4], 0x20);
        t[l + 4] = _mm256_permute2x128_si256(b[l], b[l + 4], 0x31);
    }
}

#define MASKLOAD(p, k, W)                                                                          \
    ((W) == 4 ? _mm256_maskload_epi64((const long long *)(const void *)(p), k)                     \
              : _mm256_maskload_epi32((const int *)(const void *)(p), k))
#define MASKSTORE(p, k, v, W)                                                                      \
    ((W) == 4 ? _mm256_maskstore_epi64((long long *)(void *)(p), k, v)                             \
              : _mm256_maskstore_epi32((int *)(void *)(p), k, v))

/* The mask of the lanes j < m (W lanes). */
AVX2 static inline __attribute__((always_inline)) V first_lanes(ptrdiff_t m, int W)
{
    return W == 4 ? _mm256_cmpgt_epi64(_mm256_set1_epi64x(m), _mm256_setr_epi64x(0, 1, 2, 3))
                  : _mm256_cmpgt_epi32(_mm256_set1_epi32((int)m),
                                       _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

/* NAME##_sort(a, n, tmp): the quicksort of n elements of T (no NaN) at a, W lanes a vector, GT
 * the lane compare, TOP the largest value (the networks' padding), DT the dtype (for the radix
 * fallback), PART sort_select.c's partition step. */
#define QUICKSORT(NAME, T, W, GT, MM, MIN, MAX, TOP, DT, PART)                                     \
    /* a and b (b the upper of each pair) to their lane minima and maxima */                       \
    AVX2 static inline __attribute__((always_inline)) void NAME##_cx(V *a, V *b)                   \
    {                                                                                              \
        const V x = *a;                                                                            \
        if (MM) { /* equal keys are equal bits: plain minima and maxima */                         \
            *a = MIN(x, *b);                                                                       \
            *b = MAX(x, *b);                                                                       \
            return;                                                                                \
        }                                                                                          \
        const V m = GT(x, *b);                                                                     \
        *a = _mm256_blendv_epi8(x, *b, m);                                                         \
        *b = _mm256_blendv_epi8(*b, x, m);                                                         \
    }                                                                                              \
    /* inside v: lane l against lane l ^ x, the larger to the lanes with bit `bit` set */          \
    AVX2 static inline __attribute__((always_inline)) V NAME##_in(V v, int x, int bit)             \
    {                                                                                              \
        const V p = XPERM(v, W, x);                                                                \
        if (MM) return BLEND_UP(MIN(v, p), MAX(v, p), W, bit);                                     \
        const V lo = BLEND_UP(v, p, W, bit), hi = BLEND_UP(p, v, W, bit);                          \
        return _mm256_blendv_epi8(v, p, GT(lo, hi)); /* one decision per pair */                   \
    }                                                                                              \
    /* A against B (R - 1 - r against r) in the flip of a merge: lane l of A against lane l ^ x    \
     * of B, the lower of each pair where A's lane has bit `bit` clear */                          \
    AVX2 static inline __attribute__((always_inline)) void NAME##_flip(V *a, V *b, int x, int bit) \
    {                                                                                              \
        const V p = XPERM(*b, W, x);                                                               \
        const V lo = BLEND_UP(*a, p, W, bit), hi = BLEND_UP(p, *a, W, bit);                        \
        const V m = GT(lo, hi);                                                                    \
        const V na = _mm256_blendv_epi8(*a, p, m), np = _mm256_blendv_epi8(p, *a, m);              \
        *a = na;                                                                                   \
        *b = XPERM(np, W, x);                                                                      \
    }                                                                                              \
    /* The bitonic sort of the R * W elements in v, R >= W, element i in lane i / R of register    \
     * i % R: the short distances of the network, the most frequent, fall between registers. */    \
    AVX2 static inline __attribute__((always_inline)) void NAME##_net(V *v, int R)                 \
    {                                                                                              \
        const int N = R * W;                                                                       \
        UNROLL for (int k = 2; k <= N; k *= 2)                                                     \
        {                                                                                          \
            if (k <= R) { /* the flip: i against i ^ (k - 1) */                                    \
                UNROLL for (int r = 0; r < R; r++) if (!(r & (k / 2)))                             \
                    NAME##_cx(&v[r], &v[r ^ (k - 1)]);                                             \
            } else {                                                                               \
                UNROLL for (int r = 0; r < R / 2; r++)                                             \
                    NAME##_flip(&v[r], &v[R - 1 - r], k / R - 1, k / (2 * R));                     \
            }                                                                                      \
            UNROLL for (int d = k / 4; d >= 1; d /= 2)                                             \
            { /* the half-cleaners */                                                              \
                if (d < R) {                                                                       \
                    UNROLL for (int r = 0; r < R; r++) if (!(r & d)) NAME##_cx(&v[r], &v[r | d]);  \
                } else {                                                                           \
                    UNROLL for (int r = 0; r < R; r++) v[r] = NAME##_in(v[r], d / R, d / R);       \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    /* the n <= R * W elements at a sorted by the network of R registers (the missing ones         \
     * read as TOP), read and written without a copy */                                            \
    AVX2 static inline __attribute__((always_inline)) void NAME##_netn(T *a, ptrdiff_t n, int R)   \
    {                                                                                              \
        V v[32], t[W];                                                                             \
        T top[W];                                                                                  \
        for (int j = 0; j < W; j++) top[j] = TOP;                                                  \
        const V topv = LOADV(top);                                                                 \
        UNROLL for (int r = 0; r < R; r++)                                                         \
        {                                                                                          \
            const ptrdiff_t m = n - (ptrdiff_t)r * W;                                              \
            if (m >= W)                                                                            \
                v[r] = LOADV(a + r * W);                                                           \
            else if (m <= 0)                                                                       \
                v[r] = topv;                                                                       \
            else {                                                                                 \
                const V k = first_lanes(m, W);                                                     \
                v[r] = _mm256_blendv_epi8(topv, MASKLOAD(a + r * W, k, W), k);                     \
            }                                                                                      \
        }                                                                                          \
        NAME##_net(v, R);                                                                          \
        UNROLL for (int g = 0; g < R; g += W)                                                      \
        {                                                                                          \
            transpose##W(v + g, t);                                                                \
            UNROLL for (int l = 0; l < W; l++)                                                     \
            {                                                                                      \
                const ptrdiff_t at = (ptrdiff_t)l * R + g, m = n - at;                             \
                if (m >= W)                                                                        \
                    STOREV(a + at, t[l]);                                                          \
                else if (m > 0)                                                                    \
                    MASKSTORE(a + at, first_lanes(m, W), t[l], W);                                 \
            }                                                                                      \
        }                                                                                          \
    }                                                                                              \
    /* one instance per register count, the loops unrolled */                                      \
    AVX2 static void NAME##_net4(T *a, ptrdiff_t n) { NAME##_netn(a, n, 4 < W ? W : 4); }          \
    AVX2 static void NAME##_net8(T *a, ptrdiff_t n) { NAME##_netn(a, n, 8); }                      \
    AVX2 static void NAME##_net16(T *a, ptrdiff_t n) { NAME##_netn(a, n, 16); }                    \
    AVX2 static void NAME##_net32(T *a, ptrdiff_t n) { NAME##_netn(a, n, 32); }                    \
    /* n <= 32 W elements sorted by the smallest network that holds them */                        \
    AVX2 static void NAME##_small(T *a, ptrdiff_t n)                                               \
    {                                                                                              \
        int R = W;                                                                                 \
        while (R * W < n) R *= 2;                                                                  \
        switch (R) {                                                                               \
        case 4: NAME##_net4(a, n); break;                                                          \
        case 8: NAME##_net8(a, n); break;                                                          \
        case 16: NAME##_net16(a, n); break;                                                        \
        default: NAME##_net32(a, n); break;                                                        \
        }                                                                                          \
    }                                                                                              \
    /* the median of 4 W elements spread over the range */                                         \
    AVX2 static T NAME##_pivot(const T *a, ptrdiff_t n)                                            \
    {                                                                                              \
        T s[4 * W];                                                                                \
        const ptrdiff_t step = n / (4 * W);                                                        \
        for (int j = 0; j < 4 * W; j++) s[j] = a[j * step + step / 2];                             \
        NAME##_small(s, 4 * W);                                                                    \
        return s[2 * W];                                                                           \
    }                                                                                              \
    /* a line already in order costs one pass, one in reverse order (equal keys may swap) two */   \
    static bool NAME##_monotone(T *a, ptrdiff_t n)                                                 \
    {                                                                                              \
        ptrdiff_t i = 1;                                                                           \
        while (i < n && !(a[i] < a[i - 1])) i++;                                                   \
        if (i == n) return true;                                                                   \
        for (i = 1; i < n && !(a[i - 1] < a[i]);) i++;                                             \
        if (i < n) return false;                                                                   \
        for (ptrdiff_t j = 0; j < n / 2; j++) {                                                    \
            const T x = a[j];                                                                      \
            a[j] = a[n - 1 - j];                                                                   \
            a[n - 1 - j] = x;                                                                      \
        }                                                                                          \
        return true;                                                                               \
    }                                                                                              \
    AVX2 static void NAME##_qs(T *a, ptrdiff_t n, int depth, char *tmp)                            \
    {                                                                                              \
        while (n > LEAF_R * W) {                                                                   \
            if (depth-- == 0) {                                                                    \
                ks__sort_values(DT, (char *)a, tmp, n);                                            \
                return;                                                                            \
            }                                                                                      \
            const T p = NAME##_pivot(a, n);                                                        \
            ptrdiff_t lo = PART(a, n, p, false), hi = lo; /* [lo, hi): equal to p, done */         \
            if (lo == n) {                                                                         \
                lo = PART(a, n, p, true);                                                          \
                hi = n;                                                                            \
            }                                                                                      \
            if (lo < n - hi) { /* the shorter side by recursion */                                 \
                NAME##_qs(a, lo, depth, tmp);                                                      \
                a += hi;                                                                           \
                n -= hi;                                                                           \
            } else {                                                                               \
                NAME##_qs(a + hi, n - hi, depth, tmp);                                             \
                n = lo;                                                                            \
            }                                                                                      \
        }                                                                                          \
        NAME##_small(a, n);                                                                        \
    }

AVX2 static inline V no_mm(V a, V b) { return (void)b, a; } /* (never called) */
/* MM: minima and maxima (MIN, MAX) may order pairs, equal keys being equal bits (32-bit integers;
 * the other types decide each pair by GT and blend, so -0.0 and 0.0 both survive) */
QUICKSORT(qs_f64, double, 4, gt_f64, 0, no_mm, no_mm, __builtin_inf(), KS_FLOAT64,
          ks__partition_f64)
QUICKSORT(qs_i64, int64_t, 4, gt_i64, 0, no_mm, no_mm, INT64_MAX, KS_INT64, ks__partition_i64)
QUICKSORT(qs_u64, uint64_t, 4, gt_u64, 0, no_mm, no_mm, UINT64_MAX, KS_UINT64, ks__partition_u64)
QUICKSORT(qs_i32, int32_t, 8, gt_i32, 1, _mm256_min_epi32, _mm256_max_epi32, INT32_MAX, KS_INT32,
          ks__partition_i32)
QUICKSORT(qs_u32, uint32_t, 8, gt_u32, 1, _mm256_min_epu32, _mm256_max_epu32, UINT32_MAX, KS_UINT32,
          ks__partition_u32)

/* float32 bits to int32 whose order is the floats' (-0.0 below 0.0; no NaN), and back (the map
 * is its own inverse): sorted as int32, the networks order pairs by minima and maxima. */
AVX2 static void f32_order(int32_t *a, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) a[i] ^= (int32_t)((uint32_t)(a[i] >> 31) >> 1);
}

static int depth_limit(ptrdiff_t n)
{
    int d = 0;
    for (; n > 1; n >>= 1) d += 2;
    return d;
}

/* The sort of n elements of T at v, no NaN among them. */
#define SORT(NAME, T)                                                                              \
    do {                                                                                           \
        if (!NAME##_monotone((T *)v, n)) NAME##_qs((T *)v, n, depth_limit(n), tmp);                \
    } while (0)

bool ks__quicksort(ks_dtype t, void *v, char *tmp, ptrdiff_t n)
{
    if (!__builtin_cpu_supports("avx2")) return false;
    switch (t) {
    case KS_FLOAT64:
        n = ks__nan_last_f64(v, n);
        SORT(qs_f64, double);
        break;
    case KS_FLOAT32:
        n = ks__nan_last_f32(v, n);
        f32_order(v, n);
        SORT(qs_i32, int32_t);
        f32_order(v, n);
        break;
    case KS_INT64: SORT(qs_i64, int64_t); break;
    case KS_UINT64: SORT(qs_u64, uint64_t); break;
    case KS_INT32: SORT(qs_i32, int32_t); break;
    case KS_UINT32: SORT(qs_u32, uint32_t); break;
    default: return false;
    }
    return true;
}

#else
bool ks__quicksort(ks_dtype t, void *v, char *tmp, ptrdiff_t n)
{
    (void)t, (void)v, (void)tmp, (void)n;
    return false;
}
#endif
