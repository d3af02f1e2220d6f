/* sort_select.c — np.partition for 32- and 64-bit integer and real dtypes: an introselect (a
 * quicksort that recurses only into the sides holding a kth) whose partition step is vectorised
 * with AVX2 where the CPU has it (chosen at run time; the portable partition otherwise).
 *
 * The AVX2 partition keeps U vectors from each end of the range in registers, which leaves room
 * to store each vector read, its lanes compressed (those going left first) by one lane
 * permutation, at both write fronts; U vectors at a time are read from the side with less free
 * room, so a store never overwrites unread data. Float NaNs are moved to the end first, their
 * bits kept (NumPy's partition puts NaN last); unsigned integers compare with the sign bit
 * flipped. Depth past 2 log2(n) sorts the range by a heap sort, so the worst case stays
 * O(n log n). sort_quick.c's quicksort splits its ranges with the same partition step. */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "array/sort_internal.h"

#if defined(__GNUC__) && defined(__x86_64__)
#define HAVE_AVX2_PATH 1
#include <immintrin.h>
#define AVX2 __attribute__((target("avx2,popcnt")))
#else
#define HAVE_AVX2_PATH 0
#endif

#define SMALL 16 /* ranges this short: insertion sort */
#define U 4      /* vectors read from one side at a time */

/* Lane orders for the compressing permutation, indexed by the mask of lanes going right: the
 * left-going lanes first, then the right-going ones, each in order, as 32-bit lane indices (a
 * 64-bit lane as two 32-bit ones), ready to load. */
static const int32_t perm4[16][8] __attribute__((aligned(32))) = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {2, 3, 4, 5, 6, 7, 0, 1}, {0, 1, 4, 5, 6, 7, 2, 3},
    {4, 5, 6, 7, 0, 1, 2, 3}, {0, 1, 2, 3, 6, 7, 4, 5}, {2, 3, 6, 7, 0, 1, 4, 5},
    {0, 1, 6, 7, 2, 3, 4, 5}, {6, 7, 0, 1, 2, 3, 4, 5}, {0, 1, 2, 3, 4, 5, 6, 7},
    {2, 3, 4, 5, 0, 1, 6, 7}, {0, 1, 4, 5, 2, 3, 6, 7}, {4, 5, 0, 1, 2, 3, 6, 7},
    {0, 1, 2, 3, 4, 5, 6, 7}, {2, 3, 0, 1, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7},
    {0, 1, 2, 3, 4, 5, 6, 7},
};
static const int32_t perm8[256][8] __attribute__((aligned(32))) = {
    {0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 4, 5, 6, 7, 0}, {0, 2, 3, 4, 5, 6, 7, 1},
    {2, 3, 4, 5, 6, 7, 0, 1}, {0, 1, 3, 4, 5, 6, 7, 2}, {1, 3, 4, 5, 6, 7, 0, 2},
    {0, 3, 4, 5, 6, 7, 1, 2}, {3, 4, 5, 6, 7, 0, 1, 2}, {0, 1, 2, 4, 5, 6, 7, 3},
    {1, 2, 4, 5, 6, 7, 0, 3}, {0, 2, 4, 5, 6, 7, 1, 3}, {2, 4, 5, 6, 7, 0, 1, 3},
    {0, 1, 4, 5, 6, 7, 2, 3}, {1, 4, 5, 6, 7, 0, 2, 3}, {0, 4, 5, 6, 7, 1, 2, 3},
    {4, 5, 6, 7, 0, 1, 2, 3}, {0, 1, 2, 3, 5, 6, 7, 4}, {1, 2, 3, 5, 6, 7, 0, 4},
    {0, 2, 3, 5, 6, 7, 1, 4}, {2, 3, 5, 6, 7, 0, 1, 4}, {0, 1, 3, 5, 6, 7, 2, 4},
    {1, 3, 5, 6, 7, 0, 2, 4}, {0, 3, 5, 6, 7, 1, 2, 4}, {3, 5, 6, 7, 0, 1, 2, 4},
    {0, 1, 2, 5, 6, 7, 3, 4}, {1, 2, 5, 6, 7, 0, 3, 4}, {0, 2, 5, 6, 7, 1, 3, 4},
    {2, 5, 6, 7, 0, 1, 3, 4}, {0, 1, 5, 6, 7, 2, 3, 4}, {1, 5, 6, 7, 0, 2, 3, 4},
    {0, 5, 6, 7, 1, 2, 3, 4}, {5, 6, 7, 0, 1, 2, 3, 4}, {0, 1, 2, 3, 4, 6, 7, 5},
    {1, 2, 3, 4, 6, 7, 0, 5}, {0, 2, 3, 4, 6, 7, 1, 5}, {2, 3, 4, 6, 7, 0, 1, 5},
    {0, 1, 3, 4, 6, 7, 2, 5}, {1, 3, 4, 6, 7, 0, 2, 5}, {0, 3, 4, 6, 7, 1, 2, 5},
    {3, 4, 6, 7, 0, 1, 2, 5}, {0, 1, 2, 4, 6, 7, 3, 5}, {1, 2, 4, 6, 7, 0, 3, 5},
    {0, 2, 4, 6, 7, 1, 3, 5}, {2, 4, 6, 7, 0, 1, 3, 5}, {0, 1, 4, 6, 7, 2, 3, 5},
    {1, 4, 6, 7, 0, 2, 3, 5}, {0, 4, 6, 7, 1, 2, 3, 5}, {4, 6, 7, 0, 1, 2, 3, 5},
    {0, 1, 2, 3, 6, 7, 4, 5}, {1, 2, 3, 6, 7, 0, 4, 5}, {0, 2, 3, 6, 7, 1, 4, 5},
    {2, 3, 6, 7, 0, 1, 4, 5}, {0, 1, 3, 6, 7, 2, 4, 5}, {1, 3, 6, 7, 0, 2, 4, 5},
    {0, 3, 6, 7, 1, 2, 4, 5}, {3, 6, 7, 0, 1, 2, 4, 5}, {0, 1, 2, 6, 7, 3, 4, 5},
    {1, 2, 6, 7, 0, 3, 4, 5}, {0, 2, 6, 7, 1, 3, 4, 5}, {2, 6, 7, 0, 1, 3, 4, 5},
    {0, 1, 6, 7, 2, 3, 4, 5}, {1, 6, 7, 0, 2, 3, 4, 5}, {0, 6, 7, 1, 2, 3, 4, 5},
    {6, 7, 0, 1, 2, 3, 4, 5}, {0, 1, 2, 3, 4, 5, 7, 6}, {1, 2, 3, 4, 5, 7, 0, 6},
    {0, 2, 3, 4, 5, 7, 1, 6}, {2, 3, 4, 5, 7, 0, 1, 6}, {0, 1, 3, 4, 5, 7, 2, 6},
    {1, 3, 4, 5, 7, 0, 2, 6}, {0, 3, 4, 5, 7, 1, 2, 6}, {3, 4, 5, 7, 0, 1, 2, 6},
    {0, 1, 2, 4, 5, 7, 3, 6}, {1, 2, 4, 5, 7, 0, 3, 6}, {0, 2, 4, 5, 7, 1, 3, 6},
    {2, 4, 5, 7, 0, 1, 3, 6}, {0, 1, 4, 5, 7, 2, 3, 6}, {1, 4, 5, 7, 0, 2, 3, 6},
    {0, 4, 5, 7, 1, 2, 3, 6}, {4, 5, 7, 0, 1, 2, 3, 6}, {0, 1, 2, 3, 5, 7, 4, 6},
    {1, 2, 3, 5, 7, 0, 4, 6}, {0, 2, 3, 5, 7, 1, 4, 6}, {2, 3, 5, 7, 0, 1, 4, 6},
    {0, 1, 3, 5, 7, 2, 4, 6}, {1, 3, 5, 7, 0, 2, 4, 6}, {0, 3, 5, 7, 1, 2, 4, 6},
    {3, 5, 7, 0, 1, 2, 4, 6}, {0, 1, 2, 5, 7, 3, 4, 6}, {1, 2, 5, 7, 0, 3, 4, 6},
    {0, 2, 5, 7, 1, 3, 4, 6}, {2, 5, 7, 0, 1, 3, 4, 6}, {0, 1, 5, 7, 2, 3, 4, 6},
    {1, 5, 7, 0, 2, 3, 4, 6}, {0, 5, 7, 1, 2, 3, 4, 6}, {5, 7, 0, 1, 2, 3, 4, 6},
    {0, 1, 2, 3, 4, 7, 5, 6}, {1, 2, 3, 4, 7, 0, 5, 6}, {0, 2, 3, 4, 7, 1, 5, 6},
    {2, 3, 4, 7, 0, 1, 5, 6}, {0, 1, 3, 4, 7, 2, 5, 6}, {1, 3, 4, 7, 0, 2, 5, 6},
    {0, 3, 4, 7, 1, 2, 5, 6}, {3, 4, 7, 0, 1, 2, 5, 6}, {0, 1, 2, 4, 7, 3, 5, 6},
    {1, 2, 4, 7, 0, 3, 5, 6}, {0, 2, 4, 7, 1, 3, 5, 6}, {2, 4, 7, 0, 1, 3, 5, 6},
    {0, 1, 4, 7, 2, 3, 5, 6}, {1, 4, 7, 0, 2, 3, 5, 6}, {0, 4, 7, 1, 2, 3, 5, 6},
    {4, 7, 0, 1, 2, 3, 5, 6}, {0, 1, 2, 3, 7, 4, 5, 6}, {1, 2, 3, 7, 0, 4, 5, 6},
    {0, 2, 3, 7, 1, 4, 5, 6}, {2, 3, 7, 0, 1, 4, 5, 6}, {0, 1, 3, 7, 2, 4, 5, 6},
    {1, 3, 7, 0, 2, 4, 5, 6}, {0, 3, 7, 1, 2, 4, 5, 6}, {3, 7, 0, 1, 2, 4, 5, 6},
    {0, 1, 2, 7, 3, 4, 5, 6}, {1, 2, 7, 0, 3, 4, 5, 6}, {0, 2, 7, 1, 3, 4, 5, 6},
    {2, 7, 0, 1, 3, 4, 5, 6}, {0, 1, 7, 2, 3, 4, 5, 6}, {1, 7, 0, 2, 3, 4, 5, 6},
    {0, 7, 1, 2, 3, 4, 5, 6}, {7, 0, 1, 2, 3, 4, 5, 6}, {0, 1, 2, 3, 4, 5, 6, 7},
    {1, 2, 3, 4, 5, 6, 0, 7}, {0, 2, 3, 4, 5, 6, 1, 7}, {2, 3, 4, 5, 6, 0, 1, 7},
    {0, 1, 3, 4, 5, 6, 2, 7}, {1, 3, 4, 5, 6, 0, 2, 7}, {0, 3, 4, 5, 6, 1, 2, 7},
    {3, 4, 5, 6, 0, 1, 2, 7}, {0, 1, 2, 4, 5, 6, 3, 7}, {1, 2, 4, 5, 6, 0, 3, 7},
    {0, 2, 4, 5, 6, 1, 3, 7}, {2, 4, 5, 6, 0, 1, 3, 7}, {0, 1, 4, 5, 6, 2, 3, 7},
    {1, 4, 5, 6, 0, 2, 3, 7}, {0, 4, 5, 6, 1, 2, 3, 7}, {4, 5, 6, 0, 1, 2, 3, 7},
    {0, 1, 2, 3, 5, 6, 4, 7}, {1, 2, 3, 5, 6, 0, 4, 7}, {0, 2, 3, 5, 6, 1, 4, 7},
    {2, 3, 5, 6, 0, 1, 4, 7}, {0, 1, 3, 5, 6, 2, 4, 7}, {1, 3, 5, 6, 0, 2, 4, 7},
    {0, 3, 5, 6, 1, 2, 4, 7}, {3, 5, 6, 0, 1, 2, 4, 7}, {0, 1, 2, 5, 6, 3, 4, 7},
    {1, 2, 5, 6, 0, 3, 4, 7}, {0, 2, 5, 6, 1, 3, 4, 7}, {2, 5, 6, 0, 1, 3, 4, 7},
    {0, 1, 5, 6, 2, 3, 4, 7}, {1, 5, 6, 0, 2, 3, 4, 7}, {0, 5, 6, 1, 2, 3, 4, 7},
    {5, 6, 0, 1, 2, 3, 4, 7}, {0, 1, 2, 3, 4, 6, 5, 7}, {1, 2, 3, 4, 6, 0, 5, 7},
    {0, 2, 3, 4, 6, 1, 5, 7}, {2, 3, 4, 6, 0, 1, 5, 7}, {0, 1, 3, 4, 6, 2, 5, 7},
    {1, 3, 4, 6, 0, 2, 5, 7}, {0, 3, 4, 6, 1, 2, 5, 7}, {3, 4, 6, 0, 1, 2, 5, 7},
    {0, 1, 2, 4, 6, 3, 5, 7}, {1, 2, 4, 6, 0, 3, 5, 7}, {0, 2, 4, 6, 1, 3, 5, 7},
    {2, 4, 6, 0, 1, 3, 5, 7}, {0, 1, 4, 6, 2, 3, 5, 7}, {1, 4, 6, 0, 2, 3, 5, 7},
    {0, 4, 6, 1, 2, 3, 5, 7}, {4, 6, 0, 1, 2, 3, 5, 7}, {0, 1, 2, 3, 6, 4, 5, 7},
    {1, 2, 3, 6, 0, 4, 5, 7}, {0, 2, 3, 6, 1, 4, 5, 7}, {2, 3, 6, 0, 1, 4, 5, 7},
    {0, 1, 3, 6, 2, 4, 5, 7}, {1, 3, 6, 0, 2, 4, 5, 7}, {0, 3, 6, 1, 2, 4, 5, 7},
    {3, 6, 0, 1, 2, 4, 5, 7}, {0, 1, 2, 6, 3, 4, 5, 7}, {1, 2, 6, 0, 3, 4, 5, 7},
    {0, 2, 6, 1, 3, 4, 5, 7}, {2, 6, 0, 1, 3, 4, 5, 7}, {0, 1, 6, 2, 3, 4, 5, 7},
    {1, 6, 0, 2, 3, 4, 5, 7}, {0, 6, 1, 2, 3, 4, 5, 7}, {6, 0, 1, 2, 3, 4, 5, 7},
    {0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 4, 5, 0, 6, 7}, {0, 2, 3, 4, 5, 1, 6, 7},
    {2, 3, 4, 5, 0, 1, 6, 7}, {0, 1, 3, 4, 5, 2, 6, 7}, {1, 3, 4, 5, 0, 2, 6, 7},
    {0, 3, 4, 5, 1, 2, 6, 7}, {3, 4, 5, 0, 1, 2, 6, 7}, {0, 1, 2, 4, 5, 3, 6, 7},
    {1, 2, 4, 5, 0, 3, 6, 7}, {0, 2, 4, 5, 1, 3, 6, 7}, {2, 4, 5, 0, 1, 3, 6, 7},
    {0, 1, 4, 5, 2, 3, 6, 7}, {1, 4, 5, 0, 2, 3, 6, 7}, {0, 4, 5, 1, 2, 3, 6, 7},
    {4, 5, 0, 1, 2, 3, 6, 7}, {0, 1, 2, 3, 5, 4, 6, 7}, {1, 2, 3, 5, 0, 4, 6, 7},
    {0, 2, 3, 5, 1, 4, 6, 7}, {2, 3, 5, 0, 1, 4, 6, 7}, {0, 1, 3, 5, 2, 4, 6, 7},
    {1, 3, 5, 0, 2, 4, 6, 7}, {0, 3, 5, 1, 2, 4, 6, 7}, {3, 5, 0, 1, 2, 4, 6, 7},
    {0, 1, 2, 5, 3, 4, 6, 7}, {1, 2, 5, 0, 3, 4, 6, 7}, {0, 2, 5, 1, 3, 4, 6, 7},
    {2, 5, 0, 1, 3, 4, 6, 7}, {0, 1, 5, 2, 3, 4, 6, 7}, {1, 5, 0, 2, 3, 4, 6, 7},
    {0, 5, 1, 2, 3, 4, 6, 7}, {5, 0, 1, 2, 3, 4, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7},
    {1, 2, 3, 4, 0, 5, 6, 7}, {0, 2, 3, 4, 1, 5, 6, 7}, {2, 3, 4, 0, 1, 5, 6, 7},
    {0, 1, 3, 4, 2, 5, 6, 7}, {1, 3, 4, 0, 2, 5, 6, 7}, {0, 3, 4, 1, 2, 5, 6, 7},
    {3, 4, 0, 1, 2, 5, 6, 7}, {0, 1, 2, 4, 3, 5, 6, 7}, {1, 2, 4, 0, 3, 5, 6, 7},
    {0, 2, 4, 1, 3, 5, 6, 7}, {2, 4, 0, 1, 3, 5, 6, 7}, {0, 1, 4, 2, 3, 5, 6, 7},
    {1, 4, 0, 2, 3, 5, 6, 7}, {0, 4, 1, 2, 3, 5, 6, 7}, {4, 0, 1, 2, 3, 5, 6, 7},
    {0, 1, 2, 3, 4, 5, 6, 7}, {1, 2, 3, 0, 4, 5, 6, 7}, {0, 2, 3, 1, 4, 5, 6, 7},
    {2, 3, 0, 1, 4, 5, 6, 7}, {0, 1, 3, 2, 4, 5, 6, 7}, {1, 3, 0, 2, 4, 5, 6, 7},
    {0, 3, 1, 2, 4, 5, 6, 7}, {3, 0, 1, 2, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7},
    {1, 2, 0, 3, 4, 5, 6, 7}, {0, 2, 1, 3, 4, 5, 6, 7}, {2, 0, 1, 3, 4, 5, 6, 7},
    {0, 1, 2, 3, 4, 5, 6, 7}, {1, 0, 2, 3, 4, 5, 6, 7}, {0, 1, 2, 3, 4, 5, 6, 7},
    {0, 1, 2, 3, 4, 5, 6, 7},
};

/* ---- per type: scalar pieces, the two partitions, the introsort ---- */

#define LT(x, y) ((x) < (y))          /* values */
#define PAIR_LT(x, y) ((x).k < (y).k) /* (key, position) pairs */

#define QUICK_PORTABLE(NAME, T, LT)                                                                \
    static void NAME##_insertion(T *a, ptrdiff_t n)                                                \
    {                                                                                              \
        for (ptrdiff_t i = 1; i < n; i++) {                                                        \
            const T x = a[i];                                                                      \
            ptrdiff_t j = i;                                                                       \
            for (; j > 0 && LT(x, a[j - 1]); j--) a[j] = a[j - 1];                                 \
            a[j] = x;                                                                              \
        }                                                                                          \
    }                                                                                              \
    static void NAME##_sift(T *a, ptrdiff_t i, ptrdiff_t n)                                        \
    {                                                                                              \
        const T x = a[i];                                                                          \
        for (ptrdiff_t c; (c = 2 * i + 1) < n; i = c) {                                            \
            if (c + 1 < n && LT(a[c], a[c + 1])) c++;                                              \
            if (!LT(x, a[c])) break;                                                               \
            a[i] = a[c];                                                                           \
        }                                                                                          \
        a[i] = x;                                                                                  \
    }                                                                                              \
    static void NAME##_heap(T *a, ptrdiff_t n)                                                     \
    {                                                                                              \
        for (ptrdiff_t i = n / 2; i-- > 0;) NAME##_sift(a, i, n);                                  \
        for (ptrdiff_t m = n - 1; m > 0; m--) {                                                    \
            const T x = a[0];                                                                      \
            a[0] = a[m];                                                                           \
            a[m] = x;                                                                              \
            NAME##_sift(a, 0, m);                                                                  \
        }                                                                                          \
    }                                                                                              \
    static inline T NAME##_med3(T x, T y, T z)                                                     \
    {                                                                                              \
        return LT(x, y) ? (LT(y, z) ? y : LT(x, z) ? z : x) : (LT(x, z) ? x : LT(y, z) ? z : y);   \
    }                                                                                              \
    /* median of three medians of three, spread over the range */                                  \
    static inline T NAME##_pivot(const T *a, ptrdiff_t n)                                          \
    {                                                                                              \
        const ptrdiff_t q = n / 8;                                                                 \
        return NAME##_med3(NAME##_med3(a[0], a[q], a[2 * q]),                                      \
                           NAME##_med3(a[3 * q], a[4 * q], a[5 * q]),                              \
                           NAME##_med3(a[6 * q], a[7 * q], a[n - 1]));                             \
    }                                                                                              \
    /* Elements going right (> p, or >= p when ge) to the end; returns the count of the rest. */   \
    static inline ptrdiff_t NAME##_part_scalar(T *a, ptrdiff_t n, T p, bool ge)                    \
    {                                                                                              \
        ptrdiff_t i = 0, j = n;                                                                    \
        for (;;) {                                                                                 \
            while (i < j && (ge ? LT(a[i], p) : !LT(p, a[i]))) i++;                                \
            while (i < j && (ge ? !LT(a[j - 1], p) : LT(p, a[j - 1]))) j--;                        \
            if (i >= j) return i;                                                                  \
            const T x = a[i];                                                                      \
            a[i++] = a[--j];                                                                       \
            a[j] = x;                                                                              \
        }                                                                                          \
    }

/* Introselect over the same pieces: every position of k[0 .. nk) (ascending, offset by base
 * from a's start) gets the element a sort would put there, none larger before it and none
 * smaller after, with the two sides partitioned only as far as some k needs. */
#define QUICK_SELECT(NAME, T, PART, ATTR)                                                          \
    ATTR static void NAME##_sel(T *a, ptrdiff_t n, const ptrdiff_t *k, int nk, ptrdiff_t base,     \
                                int depth)                                                         \
    {                                                                                              \
        while (nk > 0) {                                                                           \
            if (n <= SMALL) {                                                                      \
                NAME##_insertion_(a, n);                                                           \
                return;                                                                            \
            }                                                                                      \
            if (depth-- == 0) {                                                                    \
                NAME##_heap_(a, n);                                                                \
                return;                                                                            \
            }                                                                                      \
            const T p = NAME##_pivot_(a, n);                                                       \
            ptrdiff_t lo = PART(a, n, p, false), hi = lo; /* [lo, hi): equal to p, done */         \
            if (lo == n) {                                                                         \
                lo = PART(a, n, p, true);                                                          \
                hi = n;                                                                            \
            }                                                                                      \
            int nl = 0;                                                                            \
            while (nl < nk && k[nl] - base < lo) nl++;                                             \
            int r0 = nl;                                                                           \
            while (r0 < nk && k[r0] - base < hi) r0++;                                             \
            NAME##_sel(a, lo, k, nl, base, depth);                                                 \
            a += hi;                                                                               \
            n -= hi;                                                                               \
            base += hi;                                                                            \
            k += r0;                                                                               \
            nk -= r0;                                                                              \
        }                                                                                          \
    }

#if HAVE_AVX2_PATH
/* The AVX2 partition of T (W lanes, permutation table TAB): GT(v, pv) and GE(v, pv) are the
 * masks of the lanes > and >= the pivot. */
/* Vector V's lanes compressed by one permutation (those going left first) and stored at both
 * fronts, l and r moved past their own lanes (the partition's W, TAB, GT and GE). */
#define SPLIT_STORE(V, W, TAB, GT, GE)                                                             \
    do {                                                                                           \
        const __m256i v_ = (V);                                                                    \
        const unsigned m = (unsigned)(ge ? GE(v_, pv) : GT(v_, pv));                               \
        const __m256i w =                                                                          \
            _mm256_permutevar8x32_epi32(v_, _mm256_load_si256((const __m256i *)TAB[m]));           \
        const int c = __builtin_popcount(m);                                                       \
        _mm256_storeu_si256((__m256i *)(a + l), w);                                                \
        _mm256_storeu_si256((__m256i *)(a + r - W), w);                                            \
        l += W - c;                                                                                \
        r -= c;                                                                                    \
    } while (0)
#define QUICK_AVX2(NAME, T, W, TAB, GT, GE)                                                        \
    AVX2 static inline ptrdiff_t NAME##_part_avx2(T *a, ptrdiff_t n, T p, bool ge)                 \
    {                                                                                              \
        if (n < 4 * U * W) return NAME##_part_scalar(a, n, p, ge);                                 \
        T ps[W];                                                                                   \
        for (int k = 0; k < W; k++) ps[k] = p;                                                     \
        const __m256i pv = _mm256_loadu_si256((const __m256i *)ps);                                \
        __m256i keep[2 * U];                                                                       \
        for (int u = 0; u < U; u++) {                                                              \
            keep[u] = _mm256_loadu_si256((const __m256i *)(a + u * W));                            \
            keep[U + u] = _mm256_loadu_si256((const __m256i *)(a + n - (u + 1) * W));              \
        }                                                                                          \
        ptrdiff_t l = 0, r = n, rl = U * W, rr = n - U * W;                                        \
        while (rr - rl >= U * W) {                                                                 \
            const T *src;                                                                          \
            if (rl - l <= r - rr) {                                                                \
                src = a + rl;                                                                      \
                rl += U * W;                                                                       \
            } else {                                                                               \
                rr -= U * W;                                                                       \
                src = a + rr;                                                                      \
            }                                                                                      \
            __m256i v[U];                                                                          \
            for (int u = 0; u < U; u++) v[u] = _mm256_loadu_si256((const __m256i *)(src + u * W)); \
            for (int u = 0; u < U; u++) SPLIT_STORE(v[u], W, TAB, GT, GE);                         \
        }                                                                                          \
        /* what is left unread and the kept vectors, copied out and stored the same way while the  \
         * gap between the fronts (their count) is 2 W or more, so that a store's unused lanes     \
         * never cover the other front's new ones; the last W + k % W one by one, branch free */   \
        T rest[3 * U * W];                                                                         \
        const ptrdiff_t k = rr - rl, nv = k / W + 2 * U;                                           \
        memcpy(rest, a + rl, (size_t)(k / W * W) * sizeof(T));                                     \
        memcpy(rest + k / W * W, keep, sizeof keep);                                               \
        memcpy(rest + nv * W, a + rl + k / W * W, (size_t)(k % W) * sizeof(T));                    \
        for (ptrdiff_t j = 0; j < nv - 1; j++)                                                     \
            SPLIT_STORE(_mm256_loadu_si256((const __m256i *)(rest + j * W)), W, TAB, GT, GE);      \
        for (ptrdiff_t i = (nv - 1) * W; i < nv * W + k % W; i++) {                                \
            const T x = rest[i];                                                                   \
            const bool right = ge ? !LT(x, p) : LT(p, x);                                          \
            a[l] = x;                                                                              \
            a[r - 1] = x;                                                                          \
            l += !right;                                                                           \
            r -= right;                                                                            \
        }                                                                                          \
        return l;                                                                                  \
    }

#define GT_F64(v, pv)                                                                              \
    _mm256_movemask_pd(_mm256_cmp_pd(_mm256_castsi256_pd(v), _mm256_castsi256_pd(pv), _CMP_GT_OQ))
#define GE_F64(v, pv)                                                                              \
    _mm256_movemask_pd(_mm256_cmp_pd(_mm256_castsi256_pd(v), _mm256_castsi256_pd(pv), _CMP_GE_OQ))
#define GT_F32(v, pv)                                                                              \
    _mm256_movemask_ps(_mm256_cmp_ps(_mm256_castsi256_ps(v), _mm256_castsi256_ps(pv), _CMP_GT_OQ))
#define GE_F32(v, pv)                                                                              \
    _mm256_movemask_ps(_mm256_cmp_ps(_mm256_castsi256_ps(v), _mm256_castsi256_ps(pv), _CMP_GE_OQ))
#define GT_I64(v, pv) _mm256_movemask_pd(_mm256_castsi256_pd(_mm256_cmpgt_epi64(v, pv)))
#define GE_I64(v, pv) (GT_I64(pv, v) ^ 0xf)
#define GT_I32(v, pv) _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_cmpgt_epi32(v, pv)))
#define GE_I32(v, pv) (GT_I32(pv, v) ^ 0xff)
#define FLIP64(v) _mm256_xor_si256(v, _mm256_set1_epi64x(INT64_MIN))
#define FLIP32(v) _mm256_xor_si256(v, _mm256_set1_epi32(INT32_MIN))
#define GT_U64(v, pv) GT_I64(FLIP64(v), FLIP64(pv))
#define GE_U64(v, pv) (GT_U64(pv, v) ^ 0xf)
#define GT_U32(v, pv) GT_I32(FLIP32(v), FLIP32(pv))
#define GE_U32(v, pv) (GT_U32(pv, v) ^ 0xff)
#endif

/* The portable and (where built) AVX2 introsorts of one type, and NAME(a, n, depth) choosing. */
#define NO_ATTR
#if HAVE_AVX2_PATH
#define QUICK_TYPE(NAME, T, W, TAB, GT, GE)                                                        \
    QUICK_PORTABLE(NAME, T, LT)                                                                    \
    QUICK_AVX2(NAME, T, W, TAB, GT, GE)                                                            \
    AVX2 static void NAME##_avx2_heap_(T *a, ptrdiff_t n) { NAME##_heap(a, n); }                   \
    AVX2 static void NAME##_avx2_insertion_(T *a, ptrdiff_t n) { NAME##_insertion(a, n); }         \
    AVX2 static inline T NAME##_avx2_pivot_(const T *a, ptrdiff_t n)                               \
    {                                                                                              \
        return NAME##_pivot(a, n);                                                                 \
    }                                                                                              \
    QUICK_SELECT(NAME##_avx2, T, NAME##_part_avx2, AVX2)                                           \
    static void NAME##_port_heap_(T *a, ptrdiff_t n) { NAME##_heap(a, n); }                        \
    static void NAME##_port_insertion_(T *a, ptrdiff_t n) { NAME##_insertion(a, n); }              \
    static inline T NAME##_port_pivot_(const T *a, ptrdiff_t n) { return NAME##_pivot(a, n); }     \
    QUICK_SELECT(NAME##_port, T, NAME##_part_scalar, NO_ATTR)                                      \
    static void NAME##_sel(T *a, ptrdiff_t n, const ptrdiff_t *k, int nk, ptrdiff_t base,          \
                           int depth)                                                              \
    {                                                                                              \
        if (__builtin_cpu_supports("avx2"))                                                        \
            NAME##_avx2_sel(a, n, k, nk, base, depth);                                             \
        else                                                                                       \
            NAME##_port_sel(a, n, k, nk, base, depth);                                             \
    }
#else
#define QUICK_TYPE(NAME, T, W, TAB, GT, GE)                                                        \
    QUICK_PORTABLE(NAME, T, LT)                                                                    \
    static void NAME##_heap_(T *a, ptrdiff_t n) { NAME##_heap(a, n); }                             \
    static void NAME##_insertion_(T *a, ptrdiff_t n) { NAME##_insertion(a, n); }                   \
    static inline T NAME##_pivot_(const T *a, ptrdiff_t n) { return NAME##_pivot(a, n); }          \
    QUICK_SELECT(NAME, T, NAME##_part_scalar, NO_ATTR)
#endif

QUICK_TYPE(quick_f64, double, 4, perm4, GT_F64, GE_F64)
QUICK_TYPE(quick_i64, int64_t, 4, perm4, GT_I64, GE_I64)
QUICK_TYPE(quick_f32, float, 8, perm8, GT_F32, GE_F32)
QUICK_TYPE(quick_i32, int32_t, 8, perm8, GT_I32, GE_I32)
QUICK_TYPE(quick_u64, uint64_t, 4, perm4, GT_U64, GE_U64)
QUICK_TYPE(quick_u32, uint32_t, 8, perm8, GT_U32, GE_U32)

#if HAVE_AVX2_PATH
/* The AVX2 partition steps for sort_quick.c's quicksort. */
#define PARTITION_FN(NAME, T, PART)                                                                \
    AVX2 ptrdiff_t NAME(T *a, ptrdiff_t n, T p, bool ge)                                         \
    {                                                                                              \
        return ge ? PART(a, n, p, true) : PART(a, n, p, false); /* two loops, no flag inside */    \
    }
PARTITION_FN(ks__partition_f64, double, quick_f64_part_avx2)
PARTITION_FN(ks__partition_i64, int64_t, quick_i64_part_avx2)
PARTITION_FN(ks__partition_u64, uint64_t, quick_u64_part_avx2)
PARTITION_FN(ks__partition_i32, int32_t, quick_i32_part_avx2)
PARTITION_FN(ks__partition_u32, uint32_t, quick_u32_part_avx2)
#endif
QUICK_PORTABLE(quick_kp, ks__kpair, PAIR_LT)
static void quick_kp_heap_(ks__kpair *a, ptrdiff_t n) { quick_kp_heap(a, n); }
static void quick_kp_insertion_(ks__kpair *a, ptrdiff_t n) { quick_kp_insertion(a, n); }
static inline ks__kpair quick_kp_pivot_(const ks__kpair *a, ptrdiff_t n)
{
    return quick_kp_pivot(a, n);
}
QUICK_SELECT(quick_kp, ks__kpair, quick_kp_part_scalar, NO_ATTR)

static int depth_limit(ptrdiff_t n)
{
    int d = 0;
    for (; n > 1; n >>= 1) d += 2;
    return d;
}

#if HAVE_AVX2_PATH
/* Whether any of the n elements is NaN, a vector (four doubles or eight floats) at a time. */
#define ANY_NAN(NAME, T, V, W, LOADU, CMP, ZERO, OR, MASK)                                         \
    AVX2 static bool NAME(const T *a, ptrdiff_t n)                                                 \
    {                                                                                              \
        V m = ZERO();                                                                              \
        ptrdiff_t i = 0;                                                                           \
        for (; i + W <= n; i += W) {                                                               \
            const V v = LOADU(a + i);                                                              \
            m = OR(m, CMP(v, v, _CMP_UNORD_Q));                                                    \
        }                                                                                          \
        bool any = MASK(m) != 0;                                                                   \
        for (; i < n; i++) any |= a[i] != a[i];                                                    \
        return any;                                                                                \
    }
ANY_NAN(any_nan_f64, double, __m256d, 4, _mm256_loadu_pd, _mm256_cmp_pd, _mm256_setzero_pd,
        _mm256_or_pd, _mm256_movemask_pd)
ANY_NAN(any_nan_f32, float, __m256, 8, _mm256_loadu_ps, _mm256_cmp_ps, _mm256_setzero_ps,
        _mm256_or_ps, _mm256_movemask_ps)
#define NO_NAN(F) (__builtin_cpu_supports("avx2") && !F(a, n))
#else
#define NO_NAN(F) false
#endif

/* NaNs to the end (their bits kept); returns the count of the others. A line without NaN (one
 * vectorised pass tells) costs no branch per element. */
#define NAN_LAST(T, ANY)                                                                           \
    if (NO_NAN(ANY)) return n;                                                                     \
    ptrdiff_t i = 0, j = n;                                                                        \
    for (;;) {                                                                                     \
        while (i < j && a[i] == a[i]) i++;                                                         \
        while (i < j && a[j - 1] != a[j - 1]) j--;                                                 \
        if (i >= j) return i;                                                                      \
        const T x = a[i];                                                                          \
        a[i++] = a[--j];                                                                           \
        a[j] = x;                                                                                  \
    }
ptrdiff_t ks__nan_last_f64(double *a, ptrdiff_t n) { NAN_LAST(double, any_nan_f64) }
ptrdiff_t ks__nan_last_f32(float *a, ptrdiff_t n) { NAN_LAST(float, any_nan_f32) }

/* NaNs to the end, then the selection of the k below M (a k in the NaN tail is in place). */
#define SELECT(NAME, T, A, M)                                                                      \
    do {                                                                                           \
        int nin = 0;                                                                               \
        while (nin < nk && k[nin] < (M)) nin++;                                                    \
        NAME##_sel((T *)(A), M, k, nin, 0, depth_limit(M));                                        \
    } while (0)

bool ks__quickselect(ks_dtype t, void *v, ptrdiff_t n, const ptrdiff_t *k, int nk)
{
    switch (t) {
    case KS_FLOAT64: {
        const ptrdiff_t m = ks__nan_last_f64(v, n);
        SELECT(quick_f64, double, v, m);
        return true;
    }
    case KS_FLOAT32: {
        const ptrdiff_t m = ks__nan_last_f32(v, n);
        SELECT(quick_f32, float, v, m);
        return true;
    }
    case KS_INT64: SELECT(quick_i64, int64_t, v, n); return true;
    case KS_INT32: SELECT(quick_i32, int32_t, v, n); return true;
    case KS_UINT64: SELECT(quick_u64, uint64_t, v, n); return true;
    case KS_UINT32: SELECT(quick_u32, uint32_t, v, n); return true;
    default: return false;
    }
}

void ks__kpair_select(ks__kpair *a, ptrdiff_t n, const ptrdiff_t *kth, int nkth)
{
    quick_kp_sel(a, n, kth, nkth, 0, depth_limit(n));
}
