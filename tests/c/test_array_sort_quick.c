/* np.sort(kind="quicksort") of the 32- and 64-bit dtypes (sort_quick.c's AVX2 quicksort, the
 * stable radix sort without AVX2): the result is nondecreasing in NumPy's order (NaN last, -0.0
 * equal to 0.0) and holds exactly the input's bit patterns (every NaN payload and signed zero
 * kept), for every length up to 300 and around the networks' and partition's sizes, on random,
 * few-distinct, all-equal, sorted, reversed and organ-pipe lines with NaNs, infinities and signed
 * zeros; integer results equal the stable sort's bytes; 2-d arrays along each axis (strided
 * lines) and raveled give the same bytes with 1, 2 and 3 threads. */
#include <stdlib.h>

#include "ktest.h"

static const ks_dtype DTYPES[] = {KS_FLOAT64, KS_INT64, KS_UINT64, KS_FLOAT32, KS_INT32, KS_UINT32};
enum { RANDOM, FEW, EQUAL, SORTED, REVERSED, ORGAN, NPATTERN };

/* NaNs of several payloads and signs, as float64 and float32 bits. */
static const uint64_t NAN64[] = {0x7ff8000000000000u, 0xfff8000000000000u, 0x7ff0000000000001u,
                                 0x7ff80000deadbeefu};
static const uint32_t NAN32[] = {0x7fc00000u, 0xffc00000u, 0x7f800001u, 0x7fc0beefu};

/* Element i of a line of n in this pattern, written as dtype t at p. */
static void element(ks_dtype t, int pattern, ptrdiff_t i, ptrdiff_t n, char *p)
{
    const uint64_t r = ktest_next();
    int64_t v = pattern == RANDOM     ? (int64_t)r
                : pattern == FEW      ? (int64_t)(r % 5) - 2
                : pattern == EQUAL    ? 7
                : pattern == SORTED   ? i
                : pattern == REVERSED ? n - i
                                      : (i < n / 2 ? i : n - i);
    const int special = (int)(ktest_next() % 16); /* floats: 1 in 4 a special value */
    if (t == KS_FLOAT64) {
        double x = pattern == RANDOM ? (double)(v >> 11) * 0x1p-40 : (double)v / 2;
        uint64_t b;
        memcpy(&b, &x, 8);
        if (special < 4) {
            const uint64_t s[4] = {NAN64[r % 4], 0x7ff0000000000000u, 0xfff0000000000000u,
                                   0x8000000000000000u};
            b = s[special];
        }
        memcpy(p, &b, 8);
    } else if (t == KS_FLOAT32) {
        float x = pattern == RANDOM ? (float)(v >> 40) * 0x1p-12f : (float)v / 2;
        uint32_t b;
        memcpy(&b, &x, 4);
        if (special < 4) {
            const uint32_t s[4] = {NAN32[r % 4], 0x7f800000u, 0xff800000u, 0x80000000u};
            b = s[special];
        }
        memcpy(p, &b, 4);
    } else if (t == KS_INT64 || t == KS_UINT64) {
        memcpy(p, &v, 8);
    } else {
        const int32_t w = (int32_t)(pattern == RANDOM ? (v >> 32) : v);
        memcpy(p, &w, 4);
    }
}

/* The element at p as an unsigned key in NumPy's order (every NaN the largest, -0.0 as 0.0). */
static uint64_t key(ks_dtype t, const char *p)
{
    if (t == KS_FLOAT64 || t == KS_FLOAT32) {
        double x;
        if (t == KS_FLOAT64)
            memcpy(&x, p, 8);
        else {
            float f;
            memcpy(&f, p, 4);
            x = f;
        }
        if (isnan(x)) return UINT64_MAX;
        if (x == 0) x = 0;
        uint64_t b;
        memcpy(&b, &x, 8);
        return b >> 63 ? ~b : b | (uint64_t)1 << 63;
    }
    if (t == KS_INT64 || t == KS_UINT64) {
        uint64_t b;
        memcpy(&b, p, 8);
        return t == KS_INT64 ? b ^ (uint64_t)1 << 63 : b;
    }
    uint32_t b;
    memcpy(&b, p, 4);
    return t == KS_INT32 ? b ^ 1u << 31 : b;
}

static int cmp_bits(const void *x, const void *y)
{
    const uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return (a > b) - (a < b);
}

/* The n elements' bit patterns, sorted (a multiset). */
static uint64_t *bits(ks_dtype t, const char *p, ptrdiff_t n)
{
    const size_t es = ks_dtype_size(t);
    uint64_t *b = calloc((size_t)n + 1, sizeof *b);
    for (ptrdiff_t i = 0; i < n; i++) memcpy(&b[i], p + (size_t)i * es, es);
    qsort(b, (size_t)n, sizeof *b, cmp_bits);
    return b;
}

static void check(ks_ctx *ctx, ks_dtype t, ptrdiff_t n, int pattern)
{
    ks_array a, q, s;
    CHECK_OK(ctx, ks_array_empty(ctx, t, 1, &n, KS_ORDER_C, &a));
    const size_t es = ks_dtype_size(t);
    for (ptrdiff_t i = 0; i < n; i++) element(t, pattern, i, n, a.data + (size_t)i * es);
    CHECK_OK(ctx, ks_array_sort(ctx, &a, 0, KS_SORT_QUICKSORT, &q));
    CHECK_OK(ctx, ks_array_sort(ctx, &a, 0, KS_SORT_STABLE, &s));
    bool ordered = true;
    for (ptrdiff_t i = 1; i < n; i++)
        ordered &= key(t, q.data + (size_t)(i - 1) * es) <= key(t, q.data + (size_t)i * es);
    uint64_t *in = bits(t, a.data, n), *out = bits(t, q.data, n);
    const bool same = memcmp(in, out, (size_t)n * sizeof *in) == 0;
    const bool real = t == KS_FLOAT64 || t == KS_FLOAT32;
    const bool stable = real || memcmp(q.data, s.data, (size_t)n * es) == 0;
    CHECK(ordered && same && stable);
    if (!(ordered && same && stable))
        fprintf(stderr, "  %s n=%td pattern %d: ordered %d, same bits %d, = stable %d\n",
                ks_dtype_name(t), n, pattern, ordered, same, stable);
    free(in);
    free(out);
    ks_array_release(&a);
    ks_array_release(&q);
    ks_array_release(&s);
}

/* A 37 x 1000 array of dtype t sorted along each axis and raveled: each line ordered, and the
 * same bytes with 1, 2 and 3 threads. */
static void check_axes(ks_ctx *ctx, ks_dtype t)
{
    const ptrdiff_t shape[2] = {37, 1000};
    ks_array a;
    CHECK_OK(ctx, ks_array_empty(ctx, t, 2, shape, KS_ORDER_C, &a));
    const size_t es = ks_dtype_size(t);
    for (ptrdiff_t i = 0; i < 37 * 1000; i++)
        element(t, i % 3 ? RANDOM : FEW, i, 37000, a.data + (size_t)i * es);
    const int axes[3] = {0, 1, KS_AXIS_NONE};
    for (int k = 0; k < 3; k++) {
        ks_array first;
        for (int threads = 1; threads <= 3; threads++) {
            ks_array q;
            CHECK_OK(ctx, ks_ctx_set_threads(ctx, threads));
            CHECK_OK(ctx, ks_array_sort(ctx, &a, axes[k], KS_SORT_QUICKSORT, &q));
            if (threads == 1) {
                first = q;
                continue;
            }
            CHECK(memcmp(q.data, first.data, (size_t)ks_array_size(&q) * es) == 0);
            ks_array_release(&q);
        }
        /* every line nondecreasing */
        const ptrdiff_t lines = axes[k] == 0 ? 1000 : axes[k] == 1 ? 37 : 1;
        const ptrdiff_t len = axes[k] == 0 ? 37 : axes[k] == 1 ? 1000 : 37000;
        const ptrdiff_t step = axes[k] == 0 ? 1000 : 1, lstep = axes[k] == 0 ? 1 : 1000;
        bool ordered = true;
        for (ptrdiff_t l = 0; l < lines; l++)
            for (ptrdiff_t i = 1; i < len; i++) {
                const char *p = first.data + (size_t)(l * lstep + i * step) * es;
                ordered &= key(t, p - (size_t)step * es) <= key(t, p);
            }
        CHECK(ordered);
        ks_array_release(&first);
    }
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    ks_array_release(&a);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    ktest_seed(20261207u);
    static const ptrdiff_t LONG[] = {511, 512, 513, 1023, 1024, 1025, 4097, 100003};
    for (size_t d = 0; d < sizeof DTYPES / sizeof *DTYPES; d++) {
        for (int pattern = 0; pattern < NPATTERN; pattern++) {
            for (ptrdiff_t n = 0; n <= 300; n++) check(ctx, DTYPES[d], n, pattern);
            for (size_t l = 0; l < sizeof LONG / sizeof *LONG; l++)
                check(ctx, DTYPES[d], LONG[l], pattern);
        }
        check_axes(ctx, DTYPES[d]);
    }
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
