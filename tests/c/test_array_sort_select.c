/* partition and argpartition by selection (src/array/sort_select.c) against the full sort: on
 * every real dtype (the 32- and 64-bit ones through the introselect, its AVX2 partition where the
 * CPU has it; the others through the sort), lengths around the insertion cutoff (16) and the
 * AVX2 partition's minimum (64 and 128 elements), random, few-distinct, sorted and reversed
 * lines with NaN, -0.0 and infinities, many kth sets (negative, repeated, unordered): each kth
 * holds the sorted value, nothing larger before it and nothing smaller after (NaN last), the
 * values are a permutation, argpartition's positions a permutation that gathers a partition. */
#include <stdlib.h>

#include "ktest.h"

static const ks_dtype DTYPES[] = {KS_BOOL,  KS_INT8,   KS_INT16,  KS_INT32,   KS_INT64,
                                  KS_UINT8, KS_UINT32, KS_UINT64, KS_FLOAT32, KS_FLOAT64};
static const ptrdiff_t LENGTHS[] = {1, 2, 15, 16, 17, 63, 64, 65, 127, 128, 129, 257, 1000, 5000};

/* n values of dtype t in the given pattern (0 random, 1 few distinct, 2 ascending, 3 descending).
 */
static void line(ks_ctx *ctx, ks_dtype t, ptrdiff_t n, int pattern, ks_array *out)
{
    ks_array f;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &f));
    double *v = (double *)(void *)f.data;
    const char kind = ks_dtype_kind(t);
    for (ptrdiff_t i = 0; i < n; i++) {
        double x = pattern == 1   ? (double)(ktest_next() % 4)
                   : pattern == 2 ? (double)i
                   : pattern == 3 ? (double)(n - i)
                                  : (double)(int64_t)(ktest_next() % 2000001) - 1000000.0;
        if (kind == 'b') x = x > 0;
        if (kind == 'u') x = fabs(x);
        if (kind == 'f' && pattern < 2) {
            const int r = (int)(ktest_next() % 20);
            x = r == 0 ? NAN : r == 1 ? -0.0 : r == 2 ? INFINITY : r == 3 ? -INFINITY : x;
        }
        v[i] = x;
    }
    CHECK_OK(ctx, ks_array_astype(ctx, &f, t, KS_CASTING_UNSAFE, out));
    ks_array_release(&f);
}

static double *as_doubles(ks_ctx *ctx, const ks_array *a)
{
    ks_array c;
    CHECK_OK(ctx, ks_array_astype(ctx, a, KS_FLOAT64, KS_CASTING_UNSAFE, &c));
    const size_t n = (size_t)ks_array_size(&c);
    double *v = malloc((n ? n : 1) * sizeof *v);
    memcpy(v, c.data, n * sizeof *v);
    ks_array_release(&c);
    return v;
}

/* NumPy's order: NaN last, -0.0 equal to 0.0. */
static int cmp(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) - isnan(b);
    return (a > b) - (a < b);
}

/* got (n values) partitioned at the kth against sorted s; 0 when it holds. */
static int broken(const double *got, const double *s, ptrdiff_t n, int nk, const ptrdiff_t *kth)
{
    int bad = 0;
    for (int q = 0; q < nk; q++) {
        const ptrdiff_t k = kth[q] < 0 ? kth[q] + n : kth[q];
        bad += cmp(got[k], s[k]) != 0;
        for (ptrdiff_t j = 0; j < n; j++) {
            const int c = cmp(got[j], got[k]);
            bad += (j < k && c > 0) || (j > k && c < 0);
        }
    }
    return bad;
}

static int by_value(const void *a, const void *b)
{
    return cmp(*(const double *)a, *(const double *)b);
}

static void check(ks_ctx *ctx, ks_dtype t, ptrdiff_t n, int pattern)
{
    ks_array a, s, p, ip;
    line(ctx, t, n, pattern, &a);
    CHECK_OK(ctx, ks_array_sort(ctx, &a, 0, KS_SORT_STABLE, &s));
    double *av = as_doubles(ctx, &a), *sv = as_doubles(ctx, &s);
    int bad = 0;
    for (int trial = 0; trial < 6; trial++) {
        ptrdiff_t kth[5];
        const int nk = 1 + (int)(ktest_next() % 5);
        for (int q = 0; q < nk; q++) {
            const ptrdiff_t r = (ptrdiff_t)(ktest_next() % (uint64_t)(2 * n)) - n; /* [-n, n) */
            kth[q] = trial == 0 ? 0 : trial == 1 ? n - 1 : r;
        }
        CHECK_OK(ctx, ks_array_partition(ctx, &a, nk, kth, 0, &p));
        CHECK_OK(ctx, ks_array_argpartition(ctx, &a, nk, kth, 0, &ip));
        double *pv = as_doubles(ctx, &p);
        bad += broken(pv, sv, n, nk, kth);
        qsort(pv, (size_t)n, sizeof *pv, by_value); /* the same values */
        for (ptrdiff_t j = 0; j < n; j++) bad += cmp(pv[j], sv[j]) != 0;
        char *seen = calloc((size_t)n, 1);
        const int64_t *ix = (const int64_t *)(const void *)ip.data;
        for (ptrdiff_t j = 0; j < n; j++) {
            const bool ok = ix[j] >= 0 && ix[j] < n && !seen[ix[j]];
            bad += !ok;
            if (!ok) break;
            seen[ix[j]] = 1;
            pv[j] = av[ix[j]];
        }
        bad += broken(pv, sv, n, nk, kth);
        free(seen);
        free(pv);
        ks_array_release(&p);
        ks_array_release(&ip);
    }
    if (bad)
        fprintf(stderr, "dtype %s n %td pattern %d: %d broken\n", ks_dtype_name(t), n, pattern,
                bad);
    CHECK(bad == 0);
    free(av);
    free(sv);
    ks_array_release(&a);
    ks_array_release(&s);
}

/* Along the middle axis of a strided 3-d view: the lines selected as the contiguous ones. */
static void check_axis(ks_ctx *ctx)
{
    const ptrdiff_t shape[3] = {3, 300, 4};
    ks_array a, p, f;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 3, shape, KS_ORDER_C, &f));
    for (ptrdiff_t i = 0; i < 3 * 300 * 4; i++)
        ((double *)(void *)f.data)[i] = (double)(int64_t)(ktest_next() % 1000);
    CHECK_OK(ctx, ks_array_astype(ctx, &f, KS_INT32, KS_CASTING_UNSAFE, &a));
    const ptrdiff_t kth[2] = {7, -20};
    CHECK_OK(ctx, ks_array_partition(ctx, &a, 2, kth, 1, &p));
    int bad = 0;
    for (ptrdiff_t i = 0; i < 3; i++)
        for (ptrdiff_t k = 0; k < 4; k++) {
            const int32_t *x = (const int32_t *)(const void *)p.data;
            for (int q = 0; q < 2; q++) {
                const ptrdiff_t kk = kth[q] < 0 ? kth[q] + 300 : kth[q];
                const int32_t at = x[(i * 300 + kk) * 4 + k];
                for (ptrdiff_t j = 0; j < 300; j++) {
                    const int32_t y = x[(i * 300 + j) * 4 + k];
                    bad += (j < kk && y > at) || (j > kk && y < at);
                }
            }
        }
    CHECK(bad == 0);
    ks_array_release(&p);
    ks_array_release(&a);
    ks_array_release(&f);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    ktest_seed(20202020u);
    for (size_t d = 0; d < sizeof DTYPES / sizeof *DTYPES; d++)
        for (size_t l = 0; l < sizeof LENGTHS / sizeof *LENGTHS; l++)
            for (int pattern = 0; pattern < 4; pattern++)
                check(ctx, DTYPES[d], LENGTHS[l], pattern);
    check_axis(ctx);
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
