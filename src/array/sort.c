/* sort.c — np.sort, np.argsort, np.partition, np.argpartition and np.lexsort along one axis.
 *
 * np.sort(kind="quicksort") of 32- and 64-bit integers and reals is sort_quick.c's AVX2
 * quicksort; every other sort is stable (NumPy's quicksort promises no order of equal keys, so a
 * stable result is one of its valid results). Lines longer than RADIX_MIN are sorted by an LSD
 * radix sort on ordered unsigned keys (sort_internal.h): one counting pass builds every byte's
 * histogram, and a byte on which all keys agree costs no pass (int8 data in an int64 array: one
 * pass of eight). Values are moved with their key recomputed from them, so -0.0 and NaN payloads
 * come out as they went in; a long line already in order (or strictly reversed) costs one pass.
 * Shorter lines and complex ones use a merge sort over insertion-sorted runs. Partition selects
 * (sort_select.c's introselect) for 32- and 64-bit integer and real dtypes; argpartition at one
 * kth of those selects the kth value on a copy and places the positions in one pass, at several
 * kth it selects over the (key, position) pairs of every real dtype; the others (complex) sort
 * each line fully, which satisfies partition's contract for every kth at once. */
#include <string.h>

#include "array/sort_internal.h"

typedef ks__parts64 c64; /* (array_internal.h) */
typedef ks__parts128 c128;

static const ks__enum_entry kind_names[] = {
    {"quicksort", KS_SORT_QUICKSORT},
    {"stable", KS_SORT_STABLE},
    {"mergesort", KS_SORT_STABLE},
    {"heapsort", KS_SORT_QUICKSORT},
};
KS__ENUM_FUNCS(ks_sort_kind, ks_sort_kind, "sort kind", kind_names)

#define RADIX_MIN 256 /* shorter lines: merge sort */
#define RUN 16        /* insertion-sorted runs of the merge sort */

/* ---- keys ---- */

static inline uint64_t key_f64(uint64_t b)
{
    const uint64_t k = b ^ ((uint64_t)((int64_t)b >> 63) | ((uint64_t)1 << 63));
    const uint64_t mag = b << 1;
    return mag == 0 ? (uint64_t)1 << 63 : mag > ((uint64_t)0x7ff << 53) ? UINT64_MAX : k;
}
static inline uint32_t key_f32(uint32_t b)
{
    const uint32_t k = b ^ ((uint32_t)((int32_t)b >> 31) | (1u << 31));
    const uint32_t mag = b << 1;
    return mag == 0 ? 1u << 31 : mag > (0xffu << 24) ? UINT32_MAX : k;
}
#define KEY_ID(x) (x)
#define KEY_I8(x) ((uint8_t)((x) ^ 0x80u))
#define KEY_I16(x) ((uint16_t)((x) ^ 0x8000u))
#define KEY_I32(x) ((x) ^ 0x80000000u)
#define KEY_I64(x) ((x) ^ ((uint64_t)1 << 63))
#define KEY_PAIR(e) ((e).k)

/* ---- the sorts, one set per element type ---- */

/* Stable merge sort of n elements of a (tmp: n more), `LESS(x, y)` strictly less. */
#define MERGE_SORT(NAME, T, LESS)                                                                  \
    static void NAME(T *a, T *tmp, ptrdiff_t n)                                                    \
    {                                                                                              \
        for (ptrdiff_t lo = 0; lo < n; lo += RUN) {                                                \
            const ptrdiff_t hi = lo + RUN < n ? lo + RUN : n;                                      \
            for (ptrdiff_t i = lo + 1; i < hi; i++) {                                              \
                const T x = a[i];                                                                  \
                ptrdiff_t j = i;                                                                   \
                for (; j > lo && LESS(x, a[j - 1]); j--) a[j] = a[j - 1];                          \
                a[j] = x;                                                                          \
            }                                                                                      \
        }                                                                                          \
        T *src = a, *dst = tmp;                                                                    \
        for (ptrdiff_t w = RUN; w < n; w *= 2) {                                                   \
            for (ptrdiff_t lo = 0; lo < n; lo += 2 * w) {                                          \
                const ptrdiff_t mid = lo + w < n ? lo + w : n;                                     \
                const ptrdiff_t hi = lo + 2 * w < n ? lo + 2 * w : n;                              \
                ptrdiff_t i = lo, j = mid, k = lo;                                                 \
                while (i < mid && j < hi) dst[k++] = LESS(src[j], src[i]) ? src[j++] : src[i++];   \
                while (i < mid) dst[k++] = src[i++];                                               \
                while (j < hi) dst[k++] = src[j++];                                                \
            }                                                                                      \
            T *s = src;                                                                            \
            src = dst;                                                                             \
            dst = s;                                                                               \
        }                                                                                          \
        if (src != a) memcpy(a, src, (size_t)n * sizeof *a);                                       \
    }

/* LSD radix sort on the NB low bytes of KEY(element), DIGIT bits a pass (2048 buckets: their
 * write streams still fit in L2, and 64-bit keys take 6 passes rather than 8); stable. */
#define DIGIT 11
#define RADIX_SORT(NAME, T, KEY, NB)                                                               \
    static void NAME(T *a, T *tmp, ptrdiff_t n)                                                    \
    {                                                                                              \
        enum { NP = (NB * 8 + DIGIT - 1) / DIGIT, NBUCKET = 1 << DIGIT };                          \
        ptrdiff_t cnt[NP][NBUCKET];                                                                \
        memset(cnt, 0, sizeof cnt);                                                                \
        for (ptrdiff_t i = 0; i < n; i++) {                                                        \
            const uint64_t k = (uint64_t)KEY(a[i]);                                                \
            for (int b = 0; b < NP; b++) cnt[b][(k >> (DIGIT * b)) & (NBUCKET - 1)]++;             \
        }                                                                                          \
        const uint64_t k0 = (uint64_t)KEY(a[0]);                                                   \
        T *src = a, *dst = tmp;                                                                    \
        for (int b = 0; b < NP; b++) {                                                             \
            ptrdiff_t *c = cnt[b];                                                                 \
            if (c[(k0 >> (DIGIT * b)) & (NBUCKET - 1)] == n) continue; /* one digit: no move */    \
            ptrdiff_t sum = 0;                                                                     \
            for (int d = 0; d < NBUCKET; d++) {                                                    \
                const ptrdiff_t m = c[d];                                                          \
                c[d] = sum;                                                                        \
                sum += m;                                                                          \
            }                                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) {                                                    \
                const T e = src[i];                                                                \
                dst[c[((uint64_t)KEY(e) >> (DIGIT * b)) & (NBUCKET - 1)]++] = e;                   \
            }                                                                                      \
            T *s = src;                                                                            \
            src = dst;                                                                             \
            dst = s;                                                                               \
        }                                                                                          \
        if (src != a) memcpy(a, src, (size_t)n * sizeof *a);                                       \
    }

#define KEYED_SORT(NAME, T, KEY, NB)                                                               \
    static inline bool NAME##_less(T x, T y) { return KEY(x) < KEY(y); }                           \
    MERGE_SORT(NAME##_merge, T, NAME##_less)                                                       \
    RADIX_SORT(NAME##_radix, T, KEY, NB)                                                           \
    static void NAME(T *a, T *tmp, ptrdiff_t n)                                                    \
    {                                                                                              \
        if (n <= RADIX_MIN) {                                                                      \
            NAME##_merge(a, tmp, n);                                                               \
            return;                                                                                \
        }                                                                                          \
        /* a line already in order, or in strictly reverse order (no ties to keep in order), is    \
         * done in one pass; random lines leave these loops within a few elements */               \
        ptrdiff_t i = 1;                                                                           \
        while (i < n && KEY(a[i - 1]) <= KEY(a[i])) i++;                                           \
        if (i == n) return;                                                                        \
        for (i = 1; i < n && KEY(a[i - 1]) > KEY(a[i]);) i++;                                      \
        if (i == n) {                                                                              \
            for (ptrdiff_t j = 0; j < n / 2; j++) {                                                \
                const T x = a[j];                                                                  \
                a[j] = a[n - 1 - j];                                                               \
                a[n - 1 - j] = x;                                                                  \
            }                                                                                      \
            return;                                                                                \
        }                                                                                          \
        NAME##_radix(a, tmp, n);                                                                   \
    }

KEYED_SORT(sort_u8, uint8_t, KEY_ID, 1)
KEYED_SORT(sort_i8, uint8_t, KEY_I8, 1)
KEYED_SORT(sort_u16, uint16_t, KEY_ID, 2)
KEYED_SORT(sort_i16, uint16_t, KEY_I16, 2)
KEYED_SORT(sort_u32, uint32_t, KEY_ID, 4)
KEYED_SORT(sort_i32, uint32_t, KEY_I32, 4)
KEYED_SORT(sort_f32, uint32_t, key_f32, 4)
KEYED_SORT(sort_u64, uint64_t, KEY_ID, 8)
KEYED_SORT(sort_i64, uint64_t, KEY_I64, 8)
KEYED_SORT(sort_f64, uint64_t, key_f64, 8)
KEYED_SORT(sort_kpair, ks__kpair, KEY_PAIR, 8)
/* Pairs of keys and positions of up to 32 bits: half the bytes to move for 32-bit dtypes. */
typedef struct {
    uint32_t k, i;
} kpair32;
KEYED_SORT(sort_kpair32, kpair32, KEY_PAIR, 4)

static inline bool c64_less(c64 x, c64 y) { return ks__cmp_complex(x.re, x.im, y.re, y.im) < 0; }
static inline bool c128_less(c128 x, c128 y) { return ks__cmp_complex(x.re, x.im, y.re, y.im) < 0; }
static inline bool cpair_less(ks__cpair x, ks__cpair y)
{
    return ks__cmp_complex(x.re, x.im, y.re, y.im) < 0;
}
MERGE_SORT(sort_c64, c64, c64_less)
MERGE_SORT(sort_c128, c128, c128_less)
MERGE_SORT(sort_cpair, ks__cpair, cpair_less)

void ks__sort_kpairs(ks__kpair *a, ks__kpair *tmp, ptrdiff_t n) { sort_kpair(a, tmp, n); }
void ks__sort_cpairs(ks__cpair *a, ks__cpair *tmp, ptrdiff_t n) { sort_cpair(a, tmp, n); }

void ks__sort_values(ks_dtype t, char *v, char *tmp, ptrdiff_t n)
{
    switch (t) {
    case KS_BOOL:
    case KS_UINT8: sort_u8((uint8_t *)v, (uint8_t *)tmp, n); break;
    case KS_INT8: sort_i8((uint8_t *)v, (uint8_t *)tmp, n); break;
    case KS_UINT16: sort_u16((uint16_t *)v, (uint16_t *)tmp, n); break;
    case KS_INT16: sort_i16((uint16_t *)v, (uint16_t *)tmp, n); break;
    case KS_UINT32: sort_u32((uint32_t *)v, (uint32_t *)tmp, n); break;
    case KS_INT32: sort_i32((uint32_t *)v, (uint32_t *)tmp, n); break;
    case KS_FLOAT32: sort_f32((uint32_t *)v, (uint32_t *)tmp, n); break;
    case KS_UINT64: sort_u64((uint64_t *)v, (uint64_t *)tmp, n); break;
    case KS_INT64: sort_i64((uint64_t *)v, (uint64_t *)tmp, n); break;
    case KS_FLOAT64: sort_f64((uint64_t *)v, (uint64_t *)tmp, n); break;
    case KS_COMPLEX64: sort_c64((c64 *)v, (c64 *)tmp, n); break;
    default: sort_c128((c128 *)v, (c128 *)tmp, n); break;
    }
}

/* ---- keys of a line ---- */

#define KEY_LOOP(T, KEYEXPR)                                                                       \
    for (ptrdiff_t j = 0; j < n; j++) {                                                            \
        const int64_t at = perm ? perm[j] : j;                                                     \
        T v;                                                                                       \
        memcpy(&v, x + at * s, sizeof v);                                                          \
        out[j].k = (KEYEXPR);                                                                      \
        out[j].i = at;                                                                             \
    }

/* NAME(t, x, s, n, perm, out): the keys of a line into pairs of type PT. */
#define KEYS_FN(NAME, PT)                                                                          \
    void NAME(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n, const int64_t *perm, PT *out)   \
    {                                                                                              \
        switch (t) {                                                                               \
        case KS_BOOL:                                                                              \
        case KS_UINT8: KEY_LOOP(uint8_t, v) break;                                                 \
        case KS_INT8: KEY_LOOP(uint8_t, KEY_I8(v)) break;                                          \
        case KS_UINT16: KEY_LOOP(uint16_t, v) break;                                               \
        case KS_INT16: KEY_LOOP(uint16_t, KEY_I16(v)) break;                                       \
        case KS_UINT32: KEY_LOOP(uint32_t, v) break;                                               \
        case KS_INT32: KEY_LOOP(uint32_t, KEY_I32(v)) break;                                       \
        case KS_FLOAT32: KEY_LOOP(uint32_t, key_f32(v)) break;                                     \
        case KS_UINT64: KEY_LOOP(uint64_t, v) break;                                               \
        case KS_INT64: KEY_LOOP(uint64_t, KEY_I64(v)) break;                                       \
        default: KEY_LOOP(uint64_t, key_f64(v)) break;                                             \
        }                                                                                          \
    }
KEYS_FN(ks__sort_keys, ks__kpair)
static KEYS_FN(keys32, kpair32)

    void ks__sort_ckeys(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n, const int64_t *perm,
                        ks__cpair *out)
{
    for (ptrdiff_t j = 0; j < n; j++) {
        const int64_t at = perm ? perm[j] : j;
        const char *p = x + at * s;
        if (t == KS_COMPLEX64) {
            float v[2];
            memcpy(v, p, sizeof v);
            out[j].re = v[0];
            out[j].im = v[1];
        } else {
            double v[2];
            memcpy(v, p, sizeof v);
            out[j].re = v[0];
            out[j].im = v[1];
        }
        out[j].i = at;
    }
}

/* Whether a real line (n elements at stride s) is in order by its keys (1; ties allowed), in
 * strictly reverse order (-1), or neither (0): random lines leave within a few elements. */
#define ORDER_OF(U, KEYEXPR)                                                                       \
    {                                                                                              \
        U v;                                                                                       \
        memcpy(&v, x, sizeof v);                                                                   \
        uint64_t prev = (uint64_t)(KEYEXPR);                                                       \
        bool up = true, down = true;                                                               \
        for (ptrdiff_t i = 1; i < n && (up || down); i++) {                                        \
            memcpy(&v, x + i * s, sizeof v);                                                       \
            const uint64_t k = (uint64_t)(KEYEXPR);                                                \
            up = up && prev <= k;                                                                  \
            down = down && prev > k;                                                               \
            prev = k;                                                                              \
        }                                                                                          \
        return up ? 1 : down ? -1 : 0;                                                             \
    }
static int line_order(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n)
{
    switch (t) {
    case KS_BOOL:
    case KS_UINT8: ORDER_OF(uint8_t, v)
    case KS_INT8: ORDER_OF(uint8_t, KEY_I8(v))
    case KS_UINT16: ORDER_OF(uint16_t, v)
    case KS_INT16: ORDER_OF(uint16_t, KEY_I16(v))
    case KS_UINT32: ORDER_OF(uint32_t, v)
    case KS_INT32: ORDER_OF(uint32_t, KEY_I32(v))
    case KS_FLOAT32: ORDER_OF(uint32_t, key_f32(v))
    case KS_UINT64: ORDER_OF(uint64_t, v)
    case KS_INT64: ORDER_OF(uint64_t, KEY_I64(v))
    default: ORDER_OF(uint64_t, key_f64(v))
    }
}

/* The stable order of line x (n elements at stride s, through perm when not NULL) into idx:
 * idx[j] = the position (perm's entry) of the j-th smallest. w: 2n pairs of scratch. A long
 * line already in order (or strictly reversed) is read once, not made into pairs. */
static void order_line(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n, const int64_t *perm,
                       void *w, int64_t *idx, ptrdiff_t is)
{
    const bool real = ks__dtypes[t].kind != 'c';
    const int dir = real && !perm && n > RADIX_MIN ? line_order(t, x, s, n) : 0;
    if (dir) {
        for (ptrdiff_t j = 0; j < n; j++) idx[j * is] = dir > 0 ? j : n - 1 - j;
        return;
    }
    if (!real) {
        ks__cpair *p = w;
        ks__sort_ckeys(t, x, s, n, perm, p);
        sort_cpair(p, p + n, n);
        for (ptrdiff_t j = 0; j < n; j++) idx[j * is] = p[j].i;
    } else if (ks__dtypes[t].size <= 4 && n <= (ptrdiff_t)UINT32_MAX) {
        kpair32 *p = w;
        keys32(t, x, s, n, perm, p);
        sort_kpair32(p, p + n, n);
        for (ptrdiff_t j = 0; j < n; j++) idx[j * is] = p[j].i;
    } else {
        ks__kpair *p = w;
        ks__sort_keys(t, x, s, n, perm, p);
        sort_kpair(p, p + n, n);
        for (ptrdiff_t j = 0; j < n; j++) idx[j * is] = p[j].i;
    }
}

/* argpartition at one kth of a 32- or 64-bit integer or real line (n elements at stride s) into
 * o (stride os): the kth value found by sort_select.c's vectorised selection on a copy of the
 * values, then one pass that puts the positions of smaller keys first, of larger ones last and of
 * equal ones between (kth among them; a store at a front that does not move is overwritten later
 * or lands in the equal ones' gap). w: 16 n bytes of scratch. False (nothing done) for the
 * other dtypes. */
#define SELECT_ORDER(T, KEY)                                                                       \
    {                                                                                              \
        T *v = w;                                                                                  \
        int64_t *eq = (int64_t *)(void *)((char *)w + (size_t)n * 8);                              \
        for (ptrdiff_t j = 0; j < n; j++) memcpy(&v[j], x + j * s, sizeof(T));                     \
        ks__quickselect(t, v, n, &k, 1);                                                           \
        const uint64_t kv = (uint64_t)KEY(v[k]);                                                   \
        ptrdiff_t lo = 0, hi = n, ne = 0;                                                          \
        for (ptrdiff_t j = 0; j < n; j++) {                                                        \
            T e;                                                                                   \
            memcpy(&e, x + j * s, sizeof e);                                                       \
            const uint64_t kj = (uint64_t)KEY(e);                                                  \
            const bool lt = kj < kv, gt = kj > kv; /* branch free: stores that lose are redone */  \
            o[lo * os] = j;                                                                        \
            o[(hi - 1) * os] = j;                                                                  \
            eq[ne] = j;                                                                            \
            lo += lt;                                                                              \
            hi -= gt;                                                                              \
            ne += !lt && !gt;                                                                      \
        }                                                                                          \
        for (ptrdiff_t j = 0; j < ne; j++) o[(lo + j) * os] = eq[j];                               \
        return true;                                                                               \
    }
static bool select_order(ks_dtype t, const char *x, ptrdiff_t s, ptrdiff_t n, ptrdiff_t k, void *w,
                         int64_t *o, ptrdiff_t os)
{
    switch (t) {
    case KS_FLOAT64: SELECT_ORDER(uint64_t, key_f64)
    case KS_INT64: SELECT_ORDER(uint64_t, KEY_I64)
    case KS_UINT64: SELECT_ORDER(uint64_t, KEY_ID)
    case KS_FLOAT32: SELECT_ORDER(uint32_t, key_f32)
    case KS_INT32: SELECT_ORDER(uint32_t, KEY_I32)
    case KS_UINT32: SELECT_ORDER(uint32_t, KEY_ID)
    default: return false;
    }
}

/* ---- along an axis ---- */

/* Byte offset of line l (every index but `axis`, in C order) in an array of this shape. */
static ptrdiff_t line_offset(int ndim, const ptrdiff_t *shape, const ptrdiff_t *strides, int axis,
                             ptrdiff_t l)
{
    ptrdiff_t off = 0;
    for (int d = ndim - 1; d >= 0; d--) {
        if (d == axis) continue;
        off += (l % shape[d]) * strides[d];
        l /= shape[d];
    }
    return off;
}

/* a raveled when axis is KS_AXIS_NONE (axis then 0), else a new reference to a with its axis
 * checked. */
static int prepare(ks_ctx *ctx, const ks_array *a, int *axis, ks_array *view)
{
    if (*axis == KS_AXIS_NONE) {
        *axis = 0;
        return ks_array_ravel(ctx, a, KS_ORDER_C, view);
    }
    const int rc = ks__axis(ctx, *axis, a->ndim, axis);
    if (rc == KS_OK) ks_array_ref(a, view);
    return rc;
}

/* Each line of a along axis sorted, or (kth not NULL) with the nkth positions kth (ascending,
 * distinct, non-negative) selected. */
static int sort_impl(ks_ctx *ctx, const ks_array *a, int axis, ks_sort_kind kind,
                     const ptrdiff_t *kth, int nkth, ks_array *out)
{
    ks_array v;
    ks__array_clear(out);
    int rc = prepare(ctx, a, &axis, &v);
    if (rc != KS_OK) return rc;
    rc = ks__array_copy_order(ctx, &v, v.dtype, KS_ORDER_C, out);
    ks_array_release(&v);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = out->shape[axis], size = ks_array_size(out);
    if (n <= 1) return KS_OK;
    const size_t es = ks__dtypes[out->dtype].size;
    const bool inner = axis == out->ndim - 1;
    char *buf = ks__scratch(ctx, (size_t)n * (inner ? 1 : 2), es);
    if (!buf) {
        ks_array_release(out);
        return KS_ENOMEM;
    }
    const ptrdiff_t s = out->strides[axis];
    for (ptrdiff_t l = 0; l < size / n; l++) {
        char *line = out->data + line_offset(out->ndim, out->shape, out->strides, axis, l);
        char *w = inner ? line : buf + (size_t)n * es;
        if (!inner)
            for (ptrdiff_t j = 0; j < n; j++) memcpy(w + j * (ptrdiff_t)es, line + j * s, es);
        if (kth ? !ks__quickselect(out->dtype, w, n, kth, nkth)
                : kind != KS_SORT_QUICKSORT || !ks__quicksort(out->dtype, w, buf, n))
            ks__sort_values(out->dtype, w, buf, n);
        if (inner) continue;
        for (ptrdiff_t j = 0; j < n; j++) memcpy(line + j * s, w + j * (ptrdiff_t)es, es);
    }
    ks__release(&ctx->alloc, buf);
    return KS_OK;
}

/* The stable order along axis of the keys keys[0 .. nkeys), the last the primary one (lexsort;
 * argsort is one key), or (kth not NULL: argpartition, one real key) the order selected at the
 * nkth positions kth (ascending, distinct, non-negative). */
static int order_impl(ks_ctx *ctx, int nkeys, const ks_array *const *keys, int axis,
                      const ptrdiff_t *kth, int nkth, ks_array *out)
{
    ks_array v[KS__MAXOP];
    ks__array_clear(out);
    int rc = KS_OK, nv = 0;
    for (; nv < nkeys && rc == KS_OK; nv++) {
        int ax = axis;
        rc = prepare(ctx, keys[nv], &ax, &v[nv]);
        if (nv == nkeys - 1) axis = ax;
    }
    if (rc != KS_OK) nv--;
    for (int k = 1; k < nv && rc == KS_OK; k++)
        if (v[k].ndim != v[0].ndim ||
            memcmp(v[k].shape, v[0].shape, sizeof(ptrdiff_t) * (size_t)v[0].ndim))
            rc = ks__fail(ctx, KS_EINVAL, "all keys need to be the same shape");
    if (rc == KS_OK) rc = ks__array_new(ctx, KS_INT64, v[0].ndim, v[0].shape, out);
    const ptrdiff_t n = rc == KS_OK ? out->shape[axis] : 0;
    const ptrdiff_t size = rc == KS_OK ? ks_array_size(out) : 0;
    void *w = NULL;
    int64_t *perm = NULL;
    if (n > 0) {
        /* n pairs of the largest kind any key needs, and n more of scratch for the sorts (a
         * fresh 48 MB rather than 32 for 1M real keys costs its page faults) */
        bool cplx = false;
        for (int k = 0; k < nkeys; k++) cplx |= ks__dtypes[v[k].dtype].kind == 'c';
        w = ks__scratch(ctx, (size_t)n * (kth ? 1 : 2),
                        cplx ? sizeof(ks__cpair) : sizeof(ks__kpair));
        perm = nkeys > 1 ? ks__scratch(ctx, (size_t)n, sizeof *perm) : NULL;
        if (!w || (nkeys > 1 && !perm)) rc = KS_ENOMEM;
    }
    for (ptrdiff_t l = 0; rc == KS_OK && n > 0 && l < size / n; l++) {
        int64_t *o = (int64_t *)(void *)(out->data +
                                         line_offset(out->ndim, out->shape, out->strides, axis, l));
        const ptrdiff_t os = out->strides[axis] / 8;
        for (int k = 0; k < nkeys; k++) {
            const ks_array *x = &v[k];
            const char *line = x->data + line_offset(x->ndim, x->shape, x->strides, axis, l);
            const bool last = k == nkeys - 1;
            if (kth && nkth == 1 && select_order(x->dtype, line, x->strides[axis], n, kth[0], w,
                                                 o, os))
                continue;
            if (kth) {
                ks__kpair *p = w;
                ks__sort_keys(x->dtype, line, x->strides[axis], n, NULL, p);
                ks__kpair_select(p, n, kth, nkth);
                for (ptrdiff_t j = 0; j < n; j++) o[j * os] = p[j].i;
                continue;
            }
            order_line(x->dtype, line, x->strides[axis], n, k ? perm : NULL, w, last ? o : perm,
                       last ? os : 1);
        }
    }
    ks__release(&ctx->alloc, w);
    ks__release(&ctx->alloc, perm);
    for (int k = 0; k < nv; k++) ks_array_release(&v[k]);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}

int ks_array_sort(ks_ctx *ctx, const ks_array *a, int axis, ks_sort_kind kind, ks_array *out)
{
    return sort_impl(ctx, a, axis, kind, NULL, 0, out);
}

int ks_array_argsort(ks_ctx *ctx, const ks_array *a, int axis, ks_sort_kind kind, ks_array *out)
{
    (void)kind;
    const ks_array *keys[1] = {a};
    return order_impl(ctx, 1, keys, axis, NULL, 0, out);
}

int ks_array_lexsort(ks_ctx *ctx, int n, const ks_array *const *keys, int axis, ks_array *out)
{
    ks__array_clear(out);
    if (n < 1) return ks__fail(ctx, KS_EINVAL, "need sequence of keys with len > 0 in lexsort");
    if (n > KS__MAXOP) return ks__fail(ctx, KS_EINVAL, "lexsort: at most %d keys", KS__MAXOP);
    return order_impl(ctx, n, keys, axis, NULL, 0, out);
}

/* kth checked against the axis's length (NumPy's "kth(=5) out of bounds (5)", a ValueError) and,
 * when `sorted` is not NULL, made non-negative, ascending and distinct there (*nsorted of them;
 * the caller releases it). */
static int check_kth(ks_ctx *ctx, const ks_array *a, int nkth, const ptrdiff_t *kth, int axis,
                     ptrdiff_t **sorted, int *nsorted)
{
    ks_array v;
    int rc = prepare(ctx, a, &axis, &v);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = v.shape[axis];
    ks_array_release(&v);
    for (int i = 0; i < nkth; i++) {
        const ptrdiff_t k = kth[i] < 0 ? kth[i] + n : kth[i];
        if (k < 0 || k >= n)
            return ks__fail(ctx, KS_EINVAL, "kth(=%td) is past the end (%td)", kth[i], n);
    }
    if (!sorted) return KS_OK;
    ptrdiff_t *k = ks__malloc_array(ctx, (size_t)nkth + 1, sizeof *k);
    if (!k) return KS_ENOMEM;
    int m = 0;
    for (int i = 0; i < nkth; i++) { /* insertion into the distinct ascending list */
        const ptrdiff_t x = kth[i] < 0 ? kth[i] + n : kth[i];
        int j = m;
        while (j > 0 && k[j - 1] > x) j--;
        if (j > 0 && k[j - 1] == x) continue;
        memmove(k + j + 1, k + j, (size_t)(m - j) * sizeof *k);
        k[j] = x;
        m++;
    }
    *sorted = k;
    *nsorted = m;
    return KS_OK;
}

int ks_array_partition(ks_ctx *ctx, const ks_array *a, int nkth, const ptrdiff_t *kth, int axis,
                       ks_array *out)
{
    ks__array_clear(out);
    ptrdiff_t *k = NULL;
    int nk = 0;
    int rc = check_kth(ctx, a, nkth, kth, axis, &k, &nk);
    if (rc == KS_OK) rc = sort_impl(ctx, a, axis, KS_SORT_STABLE, k, nk, out);
    ks__release(&ctx->alloc, k);
    return rc;
}

int ks_array_argpartition(ks_ctx *ctx, const ks_array *a, int nkth, const ptrdiff_t *kth, int axis,
                          ks_array *out)
{
    ks__array_clear(out);
    ptrdiff_t *k = NULL;
    int nk = 0;
    int rc = check_kth(ctx, a, nkth, kth, axis, &k, &nk);
    const ks_array *keys[1] = {a};
    const bool select = ks__dtypes[a->dtype].kind != 'c'; /* complex: the full stable order */
    if (rc == KS_OK) rc = order_impl(ctx, 1, keys, axis, select ? k : NULL, nk, out);
    ks__release(&ctx->alloc, k);
    return rc;
}
