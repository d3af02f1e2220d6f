/* did_util.c — small helpers the files of src/did share: sorting period values, reading
 * numeric columns. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"

int ks__did_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The distinct values of v (no NaN) into v when there are at most UNIQUE_FEW of them, by one pass
 * through a small open-addressing table (periods, cohorts and horizons: a few dozen values over
 * many rows); returns their count, or SIZE_MAX (v untouched) when there are more, or a NaN. */
#define UNIQUE_FEW 128
#define UNIQUE_SLOTS 512
static size_t few_unique(double *v, size_t n)
{
    double slot[UNIQUE_SLOTS];
    unsigned char used[UNIQUE_SLOTS] = {0};
    size_t u = 0;
    for (size_t i = 0; i < n; i++) {
        const double x = v[i] == 0.0 ? 0.0 : v[i]; /* -0.0 as 0.0 */
        if (x != x) return SIZE_MAX;
        uint64_t bits;
        memcpy(&bits, &x, sizeof bits);
        size_t h = (size_t)((bits * 0x9E3779B97F4A7C15ull) >> 55); /* 9 bits */
        while (used[h] && slot[h] != x) h = (h + 1) & (UNIQUE_SLOTS - 1);
        if (used[h]) continue;
        if (u == UNIQUE_FEW) return SIZE_MAX;
        used[h] = 1;
        slot[h] = x;
        u++;
    }
    size_t k = 0;
    for (size_t h = 0; h < UNIQUE_SLOTS; h++)
        if (used[h]) v[k++] = slot[h];
    return k;
}

size_t ks__did_sort_unique(double *v, size_t n)
{
    const size_t few = few_unique(v, n);
    if (few != SIZE_MAX) {
        qsort(v, few, sizeof *v, ks__did_cmp_double);
        return few;
    }
    qsort(v, n, sizeof *v, ks__did_cmp_double);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (u == 0 || v[i] != v[u - 1]) v[u++] = v[i];
    return u;
}

size_t ks__did_lower_bound(const double *a, size_t n, double v)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (a[mid] < v)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int ks__did_numeric(ks_ctx *ctx, const ks_table *t, const char *what, const char *name,
                   ks_did_numcol *c)
{
    size_t j;
    if (!name || !*name) return ks__fail(ctx, KS_EINVAL, "%s: no column named", what);
    int rc = ks_table_find(ctx, t, name, &j);
    if (rc != KS_OK) return ks__fail(ctx, rc, "%s: no column '%s' in the data", what, name);
    c->f = ks_table_float64(t, j);
    c->i = ks_table_int64(t, j);
    if (!c->f && !c->i)
        return ks__fail(ctx, KS_ETYPE, "%s: column '%s' is text, not a number", what, name);
    return KS_OK;
}
