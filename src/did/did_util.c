/* did_util.c — small helpers the files of src/did share: sorting period values and a
 * Cholesky solve with R's rcond test. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "linalg/lapack.h"

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

int ks__did_chol_solve(ks_ctx *ctx, size_t k, double *A, double *B, size_t nrhs, int check_rcond,
                      double *scratch, const char *what)
{
    double anorm = 0.0; /* 1-norm of the symmetric matrix from its lower triangle */
    for (size_t j = 0; j < k; j++) {
        double s = 0.0;
        for (size_t i = 0; i < k; i++) s += fabs(i >= j ? A[j * k + i] : A[i * k + j]);
        anorm = s > anorm ? s : anorm;
    }
    const int n = (int)k, one = 1, nr = (int)nrhs;
    int info = 0;
    dpotrf_("L", &n, A, &n, &info, 1);
    if (info != 0) return ks__fail(ctx, KS_ENUMERIC, "%s is singular", what);
    if (check_rcond) { /* 1-norm of the inverse, column by column */
        double invnorm = 0.0;
        for (size_t j = 0; j < k; j++) {
            memset(scratch, 0, k * sizeof *scratch);
            scratch[j] = 1.0;
            dpotrs_("L", &n, &one, A, &n, scratch, &n, &info, 1);
            double s = 0.0;
            for (size_t i = 0; i < k; i++) s += fabs(scratch[i]);
            invnorm = s > invnorm ? s : invnorm;
        }
        if (!(1.0 / (anorm * invnorm) >= 2.220446049250313e-16))
            return ks__fail(ctx, KS_ENUMERIC, "%s is singular (reciprocal condition number %.3g)",
                           what, 1.0 / (anorm * invnorm));
    }
    if (nrhs) dpotrs_("L", &n, &nr, A, &n, B, &n, &info, 1);
    return KS_OK;
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
