/* The array library's sorting, searching and sets by their invariants, on every dtype: argsort is
 * a permutation, its order is nondecreasing by NumPy's rules (NaN last, -0.0 equal to 0.0,
 * complex NaN classes) and stable (equal keys keep their order, with many ties), sort equals a
 * gathered by argsort, along every axis of 2-d arrays and raveled; partition's kth elements in
 * their sorted place; searchsorted, unique, isin and lexsort against direct counts; NumPy's
 * errors for 0-d operands and bad kth. tests/python/test_nd_sort.py compares with NumPy itself. */
#include <stdlib.h>

#include "ktest.h"

/* A random array of dtype t and this shape: small values (many ties); floats with NaN, -0.0 and
 * infinities; complex parts likewise. */
static void random_array(ks_ctx *ctx, ks_dtype t, int nd, const ptrdiff_t *shape, ks_array *out)
{
    ks_array f;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_COMPLEX128, nd, shape, KS_ORDER_C, &f));
    const char kind = ks_dtype_kind(t);
    double *v = (double *)(void *)f.data;
    for (ptrdiff_t i = 0; i < 2 * ks_array_size(&f); i++) {
        const int r = (int)(ktest_next() % 16);
        double x = (double)(int)(ktest_next() % 7) - 3;
        if (kind == 'f' || kind == 'c') {
            x = r == 0 ? NAN : r == 1 ? -0.0 : r == 2 ? INFINITY : r == 3 ? -INFINITY : x / 4;
        } else if (kind == 'u' || kind == 'b') {
            x = fabs(x);
        }
        v[i] = x;
    }
    CHECK_OK(ctx, ks_array_astype(ctx, &f, t, KS_CASTING_UNSAFE, out));
    ks_array_release(&f);
}

/* NumPy's order on (re, im) pairs (im 0 for real dtypes): -1, 0, 1. */
static int cmp(const double *a, const double *b)
{
    const int an = isnan(a[0]), bn = isnan(b[0]), ain = isnan(a[1]), bin = isnan(b[1]);
    if (an != bn) return an - bn;
    if (ain != bin) return ain - bin;
    if (!an && a[0] != b[0]) return a[0] < b[0] ? -1 : 1;
    if (!ain && a[1] != b[1]) return a[1] < b[1] ? -1 : 1;
    return 0;
}

/* All of a as (re, im) pairs in C order (malloc'd). */
static double *values(ks_ctx *ctx, const ks_array *a)
{
    ks_array c;
    CHECK_OK(ctx, ks_array_astype(ctx, a, KS_COMPLEX128, KS_CASTING_UNSAFE, &c));
    ks_array cc;
    CHECK_OK(ctx, ks_array_copy(ctx, &c, KS_ORDER_C, &cc));
    const size_t n = (size_t)ks_array_size(&cc);
    double *v = malloc(2 * (n ? n : 1) * sizeof *v);
    memcpy(v, cc.data, 2 * n * sizeof *v);
    ks_array_release(&c);
    ks_array_release(&cc);
    return v;
}

static int64_t ival(const ks_array *a, ptrdiff_t i)
{
    return ((const int64_t *)(const void *)a->data)[i];
}

/* argsort and sort of a 2-d (rows x n) array along `axis` (0, 1 or KS_AXIS_NONE). */
static void check_sort(ks_ctx *ctx, ks_dtype t, ptrdiff_t rows, ptrdiff_t n, int axis)
{
    const ptrdiff_t shape[2] = {rows, n};
    ks_array a, idx, s;
    random_array(ctx, t, 2, shape, &a);
    CHECK_OK(ctx, ks_array_argsort(ctx, &a, axis, KS_SORT_STABLE, &idx));
    CHECK_OK(ctx, ks_array_sort(ctx, &a, axis, KS_SORT_QUICKSORT, &s));
    double *av = values(ctx, &a), *sv = values(ctx, &s);
    /* lines: (count, length, stride and start in C-order positions) */
    ptrdiff_t nlines, len, step;
    if (axis == KS_AXIS_NONE)
        nlines = 1, len = rows * n, step = 1;
    else if (axis == 1)
        nlines = rows, len = n, step = 1;
    else
        nlines = n, len = rows, step = n;
    int bad = 0;
    char *seen = calloc((size_t)(len ? len : 1), 1);
    for (ptrdiff_t l = 0; l < nlines; l++) {
        const ptrdiff_t start = axis == 0 ? l : l * len;
        memset(seen, 0, (size_t)len);
        for (ptrdiff_t j = 0; j < len; j++) {
            const ptrdiff_t p = start + j * step;
            const int64_t k = ival(&idx, p);
            if (k < 0 || k >= len || seen[k]++) {
                bad++;
                continue;
            }
            const double *x = av + 2 * (start + k * step);
            if (cmp(x, sv + 2 * p) != 0) bad++; /* sort == a[argsort] (by value) */
            if (j > 0) {
                const int64_t k0 = ival(&idx, p - step);
                const int c = cmp(av + 2 * (start + k0 * step), x);
                if (c > 0 || (c == 0 && k0 > k)) bad++; /* ordered, stable */
            }
        }
    }
    if (bad)
        fprintf(stderr, "sort %s %tdx%td axis %d: %d bad\n", ks_dtype_name(t), rows, n, axis, bad);
    CHECK(bad == 0);
    free(seen);
    free(av);
    free(sv);
    ks_array_release(&a);
    ks_array_release(&idx);
    ks_array_release(&s);
}

static void test_orders(ks_ctx *ctx)
{
    const ptrdiff_t lens[] = {0, 1, 5, 40, 300, 3000};
    for (int t = 0; t < KS_NDTYPES; t++)
        for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
            check_sort(ctx, (ks_dtype)t, 3, lens[i], 1);
            check_sort(ctx, (ks_dtype)t, lens[i] > 300 ? 2 : 3, lens[i], KS_AXIS_NONE);
            check_sort(ctx, (ks_dtype)t, lens[i], 3, 0);
        }
}

/* Fixed cases: NaN last, -0.0 equal to 0.0 (stable keeps their order), complex NaN classes,
 * integer extremes. */
static void test_fixed(ks_ctx *ctx)
{
    double f[] = {NAN, 1, -INFINITY, 0.0, NAN, INFINITY, -0.0, -1};
    ks_array a, idx, s;
    const ptrdiff_t n = 8;
    CHECK_OK(ctx, ks_array_wrap(ctx, f, KS_FLOAT64, 1, &n, NULL, false, NULL, NULL, &a));
    CHECK_OK(ctx, ks_array_argsort(ctx, &a, 0, KS_SORT_STABLE, &idx));
    const int64_t want[] = {2, 7, 3, 6, 1, 5, 0, 4};
    CHECK(!memcmp(idx.data, want, sizeof want));
    CHECK_OK(ctx, ks_array_sort(ctx, &a, 0, KS_SORT_STABLE, &s));
    const double *sv = (const double *)(void *)s.data;
    CHECK(sv[2] == 0 && !signbit(sv[2]) && sv[3] == 0 && signbit(sv[3]) && isnan(sv[7]));
    ks_array_release(&idx);
    ks_array_release(&s);
    ks_array_release(&a);

    /* R + Rj < R + nanj < nan + Rj < nan + nanj */
    double c[] = {NAN, NAN, NAN, 2, 5, NAN, 1, 9, NAN, 1, 3, NAN, 2, 0};
    const ptrdiff_t nc = 7;
    CHECK_OK(ctx, ks_array_wrap(ctx, c, KS_COMPLEX128, 1, &nc, NULL, false, NULL, NULL, &a));
    CHECK_OK(ctx, ks_array_argsort(ctx, &a, 0, KS_SORT_STABLE, &idx));
    const int64_t wantc[] = {3, 6, 5, 2, 4, 1, 0};
    CHECK(!memcmp(idx.data, wantc, sizeof wantc));
    ks_array_release(&idx);
    ks_array_release(&a);

    int64_t iv[] = {INT64_MAX, INT64_MIN, -1, 0, 1, INT64_MIN};
    const ptrdiff_t ni = 6;
    CHECK_OK(ctx, ks_array_wrap(ctx, iv, KS_INT64, 1, &ni, NULL, false, NULL, NULL, &a));
    CHECK_OK(ctx, ks_array_argsort(ctx, &a, 0, KS_SORT_STABLE, &idx));
    const int64_t wanti[] = {1, 5, 2, 3, 4, 0};
    CHECK(!memcmp(idx.data, wanti, sizeof wanti));
    ks_array_release(&idx);
    ks_array_release(&a);
}

static void test_partition(ks_ctx *ctx)
{
    const ptrdiff_t shape[2] = {4, 500};
    ks_array a, p, ip;
    random_array(ctx, KS_FLOAT64, 2, shape, &a);
    const ptrdiff_t kth[] = {0, 250, -1};
    CHECK_OK(ctx, ks_array_partition(ctx, &a, 3, kth, 1, &p));
    CHECK_OK(ctx, ks_array_argpartition(ctx, &a, 3, kth, 1, &ip));
    double *pv = values(ctx, &p), *av = values(ctx, &a);
    int bad = 0;
    for (ptrdiff_t r = 0; r < 4; r++)
        for (int q = 0; q < 3; q++) {
            const ptrdiff_t k = kth[q] < 0 ? kth[q] + 500 : kth[q];
            const double *x = pv + 2 * (r * 500 + k);
            for (ptrdiff_t j = 0; j < 500; j++) {
                const int c = cmp(pv + 2 * (r * 500 + j), x);
                bad += (j < k && c > 0) || (j > k && c < 0);
                const double *y = av + 2 * (r * 500 + ival(&ip, r * 500 + j));
                const int ci = cmp(y, x);
                bad += (j < k && ci > 0) || (j > k && ci < 0) || (j == k && ci != 0);
            }
        }
    CHECK(bad == 0);
    free(pv);
    free(av);
    ks_array_release(&p);
    ks_array_release(&ip);
    const ptrdiff_t big[] = {500};
    CHECK_FAILS(ctx, ks_array_partition(ctx, &a, 1, big, 1, &p), KS_EINVAL, "kth(=500)");
    CHECK(p.data == NULL);
    ks_array_release(&a);
}

static void test_search_sets(ks_ctx *ctx)
{
    for (int t = 0; t < KS_NDTYPES; t++) {
        const ptrdiff_t n = 700, m = 50;
        ks_array a, s, v, left, right, u, ix, inv, cnt, in;
        random_array(ctx, (ks_dtype)t, 1, &n, &a);
        random_array(ctx, (ks_dtype)t, 1, &m, &v);
        CHECK_OK(ctx, ks_array_sort(ctx, &a, 0, KS_SORT_QUICKSORT, &s));
        CHECK_OK(ctx, ks_array_searchsorted(ctx, &s, &v, KS_SIDE_LEFT, NULL, &left));
        CHECK_OK(ctx, ks_array_searchsorted(ctx, &s, &v, KS_SIDE_RIGHT, NULL, &right));
        CHECK_OK(ctx,
                 ks_array_unique(ctx, &a, KS_UNIQUE_INDEX | KS_UNIQUE_INVERSE | KS_UNIQUE_COUNTS,
                                 &u, &ix, &inv, &cnt));
        CHECK_OK(ctx, ks_array_isin(ctx, &v, &a, false, &in));
        double *sv = values(ctx, &s), *vv = values(ctx, &v), *uv = values(ctx, &u),
               *av = values(ctx, &a);
        int bad = 0;
        for (ptrdiff_t j = 0; j < m; j++) {
            ptrdiff_t lt = 0, le = 0, eq = 0;
            for (ptrdiff_t i = 0; i < n; i++) {
                const int c = cmp(sv + 2 * i, vv + 2 * j);
                lt += c < 0;
                le += c <= 0;
                eq += sv[2 * i] == vv[2 * j] && sv[2 * i + 1] == vv[2 * j + 1];
            }
            bad += ival(&left, j) != lt || ival(&right, j) != le;
            bad += ((const bool *)(const void *)in.data)[j] != (eq > 0);
        }
        const ptrdiff_t g = u.shape[0];
        ptrdiff_t total = 0;
        for (ptrdiff_t k = 0; k < g; k++) {
            total += ival(&cnt, k);
            if (k > 0)
                bad += cmp(uv + 2 * (k - 1), uv + 2 * k) >= 0 &&
                       !(isnan(uv[2 * k]) || isnan(uv[2 * k + 1]));
            const int64_t first = ival(&ix, k);
            bad += cmp(av + 2 * first, uv + 2 * k) != 0;
            /* the first occurrence (NaN's group, as NumPy's: its first in sorted order) */
            const bool nan_k = isnan(uv[2 * k]) || isnan(uv[2 * k + 1]);
            for (int64_t i = 0; i < first && !nan_k; i++) bad += ival(&inv, i) == k;
        }
        for (ptrdiff_t i = 0; i < n; i++) {
            const int64_t k = ival(&inv, i);
            const bool nan_i = isnan(av[2 * i]) || isnan(av[2 * i + 1]);
            bad += k < 0 || k >= g || (!nan_i && cmp(av + 2 * i, uv + 2 * k) != 0);
        }
        bad += total != n;
        if (bad) fprintf(stderr, "search/sets %s: %d bad\n", ks_dtype_name((ks_dtype)t), bad);
        CHECK(bad == 0);
        free(sv);
        free(vv);
        free(uv);
        free(av);
        ks_array *all[] = {&a, &s, &v, &left, &right, &u, &ix, &inv, &cnt, &in};
        for (size_t k = 0; k < sizeof all / sizeof *all; k++) ks_array_release(all[k]);
    }
}

static void test_lexsort(ks_ctx *ctx)
{
    const ptrdiff_t n = 400;
    ks_array k0, k1, idx;
    random_array(ctx, KS_INT32, 1, &n, &k0);
    random_array(ctx, KS_FLOAT64, 1, &n, &k1);
    const ks_array *keys[2] = {&k0, &k1};
    CHECK_OK(ctx, ks_array_lexsort(ctx, 2, keys, 0, &idx));
    double *v0 = values(ctx, &k0), *v1 = values(ctx, &k1);
    int bad = 0;
    for (ptrdiff_t j = 1; j < n; j++) {
        const int64_t a = ival(&idx, j - 1), b = ival(&idx, j);
        int c = cmp(v1 + 2 * a, v1 + 2 * b);
        if (c == 0) c = cmp(v0 + 2 * a, v0 + 2 * b);
        bad += c > 0 || (c == 0 && a > b);
    }
    CHECK(bad == 0);
    free(v0);
    free(v1);
    ks_array_release(&idx);
    CHECK_FAILS(ctx, ks_array_lexsort(ctx, 0, keys, 0, &idx), KS_EINVAL, "len > 0");
    ks_array_release(&k0);
    ks_array_release(&k1);
}

static void test_errors(ks_ctx *ctx)
{
    ks_array z, out;
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, 2.5, 0, &z));
    CHECK_FAILS(ctx, ks_array_sort(ctx, &z, -1, KS_SORT_QUICKSORT, &out), KS_EINVAL,
                "axis -1 is out of bounds for array of dimension 0");
    CHECK(out.data == NULL);
    CHECK_OK(ctx, ks_array_sort(ctx, &z, KS_AXIS_NONE, KS_SORT_QUICKSORT, &out));
    CHECK(out.ndim == 1 && out.shape[0] == 1);
    ks_array_release(&out);
    CHECK_FAILS(ctx, ks_array_searchsorted(ctx, &z, &z, KS_SIDE_LEFT, NULL, &out), KS_EINVAL,
                "too small depth");
    ks_array_release(&z);
    ks_sort_kind k;
    CHECK_OK(ctx, ks_sort_kind_value(ctx, "mergesort", &k));
    CHECK(k == KS_SORT_STABLE && !strcmp(ks_sort_kind_name(k), "stable"));
    CHECK_FAILS(ctx, ks_sort_kind_value(ctx, "bogo", &k), KS_EINVAL, "sort kind");
    ks_side sd;
    CHECK_OK(ctx, ks_side_value(ctx, "right", &sd));
    CHECK(sd == KS_SIDE_RIGHT);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    ktest_seed(88172645463325252ull);
    test_orders(ctx);
    test_fixed(ctx);
    test_partition(ctx);
    test_search_sets(ctx);
    test_lexsort(ctx);
    test_errors(ctx);
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
