/* did_util.c — small helpers the files of src/did share: sorting period values, reading
 * numeric columns. */
#include <stdlib.h>

#include "did/did_internal.h"

int ks__did_cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

size_t ks__did_sort_unique(double *v, size_t n)
{
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
