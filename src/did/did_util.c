/* did_util.c — small helpers the files of src/did share: sorting period values, reading
 * numeric columns. */
#include <float.h>
#include <math.h>
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

/* (did_internal.h) Cholesky in column order: r2, a column's squared norm left, is G_jj less the
 * kept columns' part. Its error is bounded by the worst case of G's sums over `rows` rows, grown
 * by the kept columns' conditioning (cond: the largest ratio of a kept column's norm to its norm
 * left, squared for G's rounding). L's row a: the a-th kept column's row of the factor. */
int ks__did_screen_gram(const double *G, size_t p, size_t rows, double tol, unsigned char *drop,
                        double *L)
{
    size_t kept[64], nk = 0;
    double cond = 1.0;
    if (p > 64) return 1; /* many covariates: the QR */
    for (size_t j = 0; j < p; j++) {
        drop[j] = 0;
        const double gjj = G[j * p + j];
        if (!(gjj > 0.0)) { /* a zero column */
            drop[j] = 1;
            continue;
        }
        double r2 = gjj;
        for (size_t a = 0; a < nk; a++) {
            const size_t ca = kept[a];
            double v = G[ca * p + j]; /* ca < j: the upper triangle */
            for (size_t b = 0; b < a; b++) v -= L[b * p + ca] * L[b * p + j];
            L[a * p + j] = v / L[a * p + ca];
            r2 -= L[a * p + j] * L[a * p + j];
        }
        /* G's sums of `rows` terms may be off by rows * eps of their size at worst */
        const double cut = tol * tol * gjj;
        const double err = (64.0 + (double)rows) * DBL_EPSILON * cond * cond * gjj;
        if (r2 + err < cut) {
            drop[j] = 1;
            continue;
        }
        if (r2 - err < cut) return 1;
        L[nk * p + j] = sqrt(r2);
        kept[nk++] = j;
        cond = fmax(cond, sqrt(gjj / r2));
    }
    return 0;
}
