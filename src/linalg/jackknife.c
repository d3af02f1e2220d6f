/* jackknife.c — bulik/ldsc's jackknives (its jackknife.py: LstsqJackknifeFast,
 * RatioJackknife, Jackknife.jknife), in the same order of operations, so h2 / rg and their
 * standard errors match upstream's to the bit: the fast block jackknife of a regression (X'X
 * and X'y summed per block, the estimate and the delete-one estimates by LU solves,
 * pseudovalues B est - (B - 1) delete), the ratio jackknife, and the estimate, variance and
 * covariance (ddof 1, over B) of pseudovalues. */
#include <math.h>
#include <string.h>

#include "base/base_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

void ks_jackknife_free(ks_jackknife *j)
{
    if (!j) return;
    ks__release(&j->alloc, j->est);
    ks__release(&j->alloc, j->separators);
    ks__release(&j->alloc, j);
}

void ks_jackknife_get(const ks_jackknife *j, ks_jackknife_view *v)
{
    *v = (ks_jackknife_view){j->n_blocks,     j->p,          j->est,        j->delete_values,
                             j->pseudovalues, j->jknife_est, j->jknife_var, j->jknife_se,
                             j->jknife_cov,   j->separators};
}

ks_jackknife *ks__jackknife_new(ks_ctx *ctx, size_t nb, size_t p, int with_sep)
{
    ks_jackknife *j = ks__calloc(ctx, 1, sizeof *j);
    if (!j) return NULL;
    j->alloc = ctx->alloc;
    j->n_blocks = nb;
    j->p = p;
    size_t nd; /* est, jknife_est, var, se (p each), delete, pseudo (nb p each), cov (p p) */
    if (!ks__size_mul(nb, p, &nd) || !ks__size_mul(nd, 2, &nd) ||
        !ks__size_add(nd, 4 * p + p * p, &nd) ||
        !(j->est = ks__malloc_array(ctx, nd, sizeof(double))) ||
        (with_sep && !(j->separators = ks__malloc_array(ctx, nb + 1, sizeof(size_t))))) {
        ks_jackknife_free(j);
        return NULL;
    }
    j->jknife_est = j->est + p;
    j->jknife_var = j->jknife_est + p;
    j->jknife_se = j->jknife_var + p;
    j->jknife_cov = j->jknife_se + p;
    j->delete_values = j->jknife_cov + p * p;
    j->pseudovalues = j->delete_values + nb * p;
    return j;
}

/* Jackknife.jknife: the pseudovalues' mean, and their covariance (ddof 1) over n_blocks. */
static void jk_summarize(ks_jackknife *j)
{
    const size_t nb = j->n_blocks, p = j->p;
    for (size_t a = 0; a < p; a++)
        j->jknife_est[a] = ks__sum_ld(j->pseudovalues + a * nb, nb) / (double)nb;
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            const double *x = j->pseudovalues + a * nb, *y = j->pseudovalues + b * nb;
            long double s = 0.0L;
            for (size_t i = 0; i < nb; i++)
                s += (long double)(x[i] - j->jknife_est[a]) * (y[i] - j->jknife_est[b]);
            const double c = (double)(s / (long double)(nb - 1)) / (double)nb;
            j->jknife_cov[a + b * p] = j->jknife_cov[b + a * p] = c;
        }
    for (size_t a = 0; a < p; a++) {
        j->jknife_var[a] = j->jknife_cov[a + a * p];
        j->jknife_se[a] = sqrt(j->jknife_var[a]);
    }
}

void ks__jackknife_finish(ks_jackknife *j)
{
    const size_t nb = j->n_blocks;
    for (size_t a = 0; a < j->p; a++)
        for (size_t b = 0; b < nb; b++)
            j->pseudovalues[b + a * nb] =
                (double)nb * j->est[a] - (double)(nb - 1) * j->delete_values[b + a * nb];
    jk_summarize(j);
}

/* Jackknife.get_separators: floor(linspace(0, n, nb + 1)), numpy's i * (n / nb). */
static void separators(size_t n, size_t nb, size_t *s)
{
    const double step = (double)n / (double)nb;
    for (size_t i = 0; i < nb; i++) s[i] = (size_t)floor((double)i * step);
    s[nb] = n;
}

int ks_jackknife_pseudo(ks_ctx *ctx, size_t nb, size_t p, const double *pseudo, ks_jackknife **out)
{
    *out = NULL;
    if (nb < 2 || p < 1)
        return ks__fail(ctx, KS_EINVAL, "jackknife: %zu blocks, %zu values", nb, p);
    ks_jackknife *j = ks__jackknife_new(ctx, nb, p, 0);
    if (!j) return KS_ENOMEM;
    memcpy(j->pseudovalues, pseudo, nb * p * sizeof *pseudo);
    for (size_t a = 0; a < p; a++) j->est[a] = NAN; /* (no whole-data estimate here) */
    for (size_t i = 0; i < nb * p; i++) j->delete_values[i] = NAN;
    jk_summarize(j);
    *out = j;
    return KS_OK;
}

int ks_jackknife_ratio(ks_ctx *ctx, size_t nb, size_t p, const double *est, const double *numer,
                       const double *denom, ks_jackknife **out)
{
    *out = NULL;
    if (nb < 2 || p < 1)
        return ks__fail(ctx, KS_EINVAL, "ratio jackknife: %zu blocks, %zu values", nb, p);
    for (size_t i = 0; i < nb * p; i++)
        if (denom[i] == 0.0)
            return ks__fail(
                ctx, KS_ENUMERIC,
                "ratio jackknife: the denominator's delete value %zu of column %zu is 0",
                i % nb + 1, i / nb + 1);
    ks_jackknife *j = ks__jackknife_new(ctx, nb, p, 0);
    if (!j) return KS_ENOMEM;
    for (size_t a = 0; a < p; a++) {
        j->est[a] = est[a];
        for (size_t b = 0; b < nb; b++) {
            const double q = numer[b + a * nb] / denom[b + a * nb];
            j->delete_values[b + a * nb] = q;
            j->pseudovalues[b + a * nb] = (double)nb * est[a] - (double)(nb - 1) * q;
        }
    }
    jk_summarize(j);
    *out = j;
    return KS_OK;
}

int ks_jackknife_lstsq(ks_ctx *ctx, size_t n, size_t p, const double *X, const double *y, size_t nb,
                       const size_t *sep, ks_jackknife **out)
{
    *out = NULL;
    if (sep) { /* upstream sorts them and takes their count */
        for (size_t b = 0; b < nb; b++)
            if (sep[b] > sep[b + 1])
                return ks__fail(ctx, KS_EINVAL, "jackknife: separators are not increasing");
        if (sep[0] != 0 || sep[nb] != n)
            return ks__fail(ctx, KS_EINVAL,
                            "jackknife: separators run from %zu to %zu, not 0 to %zu", sep[0],
                            sep[nb], n);
    }
    if (p < 1 || p > n)
        return ks__fail(ctx, KS_EINVAL, "jackknife: %zu columns for %zu rows", p, n);
    if (nb > n)
        return ks__fail(ctx, KS_EINVAL, "jackknife: %zu blocks are more than the %zu SNPs", nb, n);
    if (nb < 2) return ks__fail(ctx, KS_EINVAL, "jackknife: %zu block (at least 2)", nb);
    ks_jackknife *j = ks__jackknife_new(ctx, nb, p, 1);
    const size_t pp = p * p;
    double *blk = ks__malloc_array(ctx, nb, (p + pp) * sizeof *blk); /* per block: X'y, X'X */
    double *A = ks__malloc_array(ctx, 2 * pp + 3 * p, sizeof *A);    /* A, tot, b, x */
    if (!j || !blk || !A) {
        ks_jackknife_free(j);
        ks__free(ctx, blk);
        ks__free(ctx, A);
        return KS_ENOMEM;
    }
    if (sep)
        memcpy(j->separators, sep, (nb + 1) * sizeof *sep);
    else
        separators(n, nb, j->separators);
    double *tot = A + pp, *tb = tot + p + pp, *x = tb + p; /* tot: X'y, then X'X */
    memset(tot, 0, (p + pp) * sizeof *tot);
    for (size_t k = 0; k < nb; k++) {
        double *q = blk + k * (p + pp);
        memset(q, 0, (p + pp) * sizeof *q);
        for (size_t a = 0; a < p; a++) {
            const double *xa = X + a * n;
            double s = 0.0;
            for (size_t i = j->separators[k]; i < j->separators[k + 1]; i++) s += xa[i] * y[i];
            q[a] = s;
            for (size_t c = 0; c <= a; c++) {
                const double *xc = X + c * n;
                double t = 0.0;
                for (size_t i = j->separators[k]; i < j->separators[k + 1]; i++) t += xa[i] * xc[i];
                q[p + a + c * p] = q[p + c + a * p] = t;
            }
        }
        for (size_t e = 0; e < p + pp; e++) tot[e] += q[e];
    }
    int rc = KS_OK;
    for (size_t k = 0; k <= nb && !rc; k++) { /* k == nb: the whole-data estimate */
        const double *q = k < nb ? blk + k * (p + pp) : NULL;
        for (size_t e = 0; e < pp; e++) A[e] = tot[p + e] - (q ? q[p + e] : 0.0);
        for (size_t e = 0; e < p; e++) tb[e] = tot[e] - (q ? q[e] : 0.0);
        if (ks__lu_solve(p, A, tb, x)) {
            rc = ks__fail(ctx, KS_ENUMERIC, "jackknife: X'X is singular%s",
                          q ? " with a block deleted" : "");
            break;
        }
        for (size_t a = 0; a < p; a++) {
            if (q)
                j->delete_values[k + a * nb] = x[a];
            else
                j->est[a] = x[a];
        }
    }
    ks__free(ctx, blk);
    ks__free(ctx, A);
    if (rc) {
        ks_jackknife_free(j);
        return rc;
    }
    ks__jackknife_finish(j);
    *out = j;
    return KS_OK;
}
