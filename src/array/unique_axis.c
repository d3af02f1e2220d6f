/* unique_axis.c — np.unique(a, axis=k): the distinct sub-arrays along an axis.
 *
 * As NumPy, the axis is moved first and each sub-array becomes a row of the C-ordered rest; rows
 * are ordered lexicographically element by element (NumPy sorts them as records whose fields
 * compare with the dtype's sort order). Every element is mapped once to sort.c's ordered key
 * (NaN last, -0.0 equal to 0.0), so a row comparison is a run of integer compares; complex
 * elements compare by NumPy's complex order. A stable merge sort of the row numbers makes the
 * first row of each run the first occurrence (return_index). Rows are one value when every key
 * is equal and none is NaN: NumPy tests the records with !=, where NaN equals nothing. */
#include <string.h>

#include "array/sort_internal.h"

typedef struct {
    const ks__kpair *kp; /* n * m keys, row-major (real dtypes) */
    const ks__cpair *cp; /* or complex parts */
    ptrdiff_t m;
    uint64_t nan_key; /* a real float's NaN key; 0 for other real dtypes */
} rows;

static int row_cmp(const rows *r, int64_t i, int64_t j)
{
    const ptrdiff_t a = (ptrdiff_t)i * r->m, b = (ptrdiff_t)j * r->m;
    for (ptrdiff_t e = 0; e < r->m; e++) {
        if (r->kp) {
            const uint64_t x = r->kp[a + e].k, y = r->kp[b + e].k;
            if (x != y) return x < y ? -1 : 1;
        } else {
            const ks__cpair *x = &r->cp[a + e], *y = &r->cp[b + e];
            const int c = ks__cmp_complex(x->re, x->im, y->re, y->im);
            if (c) return c;
        }
    }
    return 0;
}

/* Equal rows (row_cmp 0) are one value unless one holds a NaN. */
static bool row_nan(const rows *r, int64_t i)
{
    const ptrdiff_t a = (ptrdiff_t)i * r->m;
    for (ptrdiff_t e = 0; e < r->m; e++) {
        if (r->kp ? r->nan_key && r->kp[a + e].k == r->nan_key
                  : r->cp[a + e].re != r->cp[a + e].re || r->cp[a + e].im != r->cp[a + e].im)
            return true;
    }
    return false;
}

/* Stable bottom-up merge sort of the n row numbers in p (tmp: n more). */
static void sort_rows(const rows *r, int64_t *p, int64_t *tmp, ptrdiff_t n)
{
    int64_t *src = p, *dst = tmp;
    for (ptrdiff_t w = 1; w < n; w *= 2) {
        for (ptrdiff_t lo = 0; lo < n; lo += 2 * w) {
            const ptrdiff_t mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            ptrdiff_t i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                dst[k++] = row_cmp(r, src[j], src[i]) < 0 ? src[j++] : src[i++];
            while (i < mid) dst[k++] = src[i++];
            while (j < hi) dst[k++] = src[j++];
        }
        int64_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != p) memcpy(p, src, (size_t)n * sizeof *p);
}

int ks_array_unique_axis(ks_ctx *ctx, const ks_array *a, int axis, unsigned flags, ks_array *values,
                         ks_array *index, ks_array *inverse, ks_array *counts)
{
    ks_array *outs[4] = {values, index, inverse, counts};
    for (int k = 0; k < 4; k++)
        if (outs[k]) ks__array_clear(outs[k]);
    if (a->ndim == 0)
        return ks__fail(ctx, KS_EINVAL, "axis 0 is out of bounds for array of dimension 0");
    int ax;
    int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc != KS_OK) return rc;
    const int zero = 0;
    ks_array moved = {0}, c = {0}, sorted = {0};
    void *keys = NULL;
    int64_t *perm = NULL;
    rc = ks_array_moveaxis(ctx, a, 1, &ax, &zero, &moved);
    if (rc == KS_OK) rc = ks__array_copy_order(ctx, &moved, a->dtype, KS_ORDER_C, &c);
    const ptrdiff_t n = a->shape[ax], m = n ? ks_array_size(a) / n : 0;
    const size_t es = ks__dtypes[a->dtype].size;
    const bool cplx = ks__dtypes[a->dtype].kind == 'c';
    rows r = {NULL, NULL, m,
              a->dtype == KS_FLOAT32   ? UINT32_MAX
              : a->dtype == KS_FLOAT64 ? UINT64_MAX
                                       : 0};
    if (rc == KS_OK) {
        const size_t nk = (size_t)(n * m) + 1;
        keys = ks__malloc_array(ctx, nk, cplx ? sizeof(ks__cpair) : sizeof(ks__kpair));
        perm = ks__malloc_array(ctx, 2 * (size_t)n + 1, sizeof *perm);
        if (!keys || !perm) rc = KS_ENOMEM;
    }
    ptrdiff_t g = 0;
    if (rc == KS_OK) {
        if (cplx) {
            r.cp = keys;
            ks__sort_ckeys(a->dtype, c.data, (ptrdiff_t)es, n * m, NULL, keys);
        } else {
            r.kp = keys;
            ks__sort_keys(a->dtype, c.data, (ptrdiff_t)es, n * m, NULL, keys);
        }
        for (ptrdiff_t i = 0; i < n; i++) perm[i] = i;
        sort_rows(&r, perm, perm + n, n);
        for (ptrdiff_t j = 0; j < n; j++)
            g += j == 0 || row_cmp(&r, perm[j - 1], perm[j]) || row_nan(&r, perm[j]);
        ptrdiff_t shape[KS_ARRAY_MAXDIMS];
        memcpy(shape, c.shape, (size_t)c.ndim * sizeof *shape);
        shape[0] = g;
        rc = ks__array_new(ctx, a->dtype, c.ndim, shape, &sorted);
    }
    if (rc == KS_OK && (flags & KS_UNIQUE_INDEX)) rc = ks__array_new(ctx, KS_INT64, 1, &g, index);
    if (rc == KS_OK && (flags & KS_UNIQUE_INVERSE))
        rc = ks__array_new(ctx, KS_INT64, 1, &n, inverse);
    if (rc == KS_OK && (flags & KS_UNIQUE_COUNTS)) rc = ks__array_new(ctx, KS_INT64, 1, &g, counts);
    if (rc == KS_OK) {
        int64_t *ix = flags & KS_UNIQUE_INDEX ? (int64_t *)(void *)index->data : NULL;
        int64_t *inv = flags & KS_UNIQUE_INVERSE ? (int64_t *)(void *)inverse->data : NULL;
        int64_t *ct = flags & KS_UNIQUE_COUNTS ? (int64_t *)(void *)counts->data : NULL;
        const size_t row = (size_t)m * es;
        ptrdiff_t grp = -1;
        for (ptrdiff_t j = 0; j < n; j++) {
            const int64_t at = perm[j];
            if (j == 0 || row_cmp(&r, perm[j - 1], at) || row_nan(&r, at)) {
                grp++;
                if (row) memcpy(sorted.data + (size_t)grp * row, c.data + (size_t)at * row, row);
                if (ix) ix[grp] = at;
                if (ct) ct[grp] = 0;
            }
            if (inv) inv[at] = grp;
            if (ct) ct[grp]++;
        }
        rc = ks_array_moveaxis(ctx, &sorted, 1, &zero, &ax, values);
    }
    ks__release(&ctx->alloc, keys);
    ks__release(&ctx->alloc, perm);
    ks_array_release(&moved);
    ks_array_release(&c);
    ks_array_release(&sorted);
    if (rc != KS_OK)
        for (int k = 0; k < 4; k++)
            if (outs[k]) ks_array_release(outs[k]);
    return rc;
}
