/* prune.c — the MARS backward pass: least-squares subsets of the forward-pass terms, worked in
 * the space of the R factor of [B Y] (M + ny columns) so that nothing after the one QR touches
 * the n cases.
 *
 * Backward (one response) follows leaps's elimination as earth calls it: from the full model,
 * repeatedly remove the term whose removal raises the RSS least (Givens re-triangularisation
 * gives each candidate's increase), moving it behind the terms still in play; every prefix of
 * the new order is a subset, and the best subset of each size seen anywhere is kept — so a
 * size's best can be a prefix met before the path reached that size. Several responses: the
 * nested path (earth's XtX method). Exhaustive: every subset containing the intercept, by a
 * depth-first search with an incrementally extended Cholesky factor of R'R. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "linalg/linalg_internal.h"
#include "mars/mars_internal.h"

double ks__mars_gcv(double rss, size_t k, double penalty, size_t n)
{
    const double C = penalty < 0 ? 0.0 : (double)k + penalty * ((double)k - 1.0) / 2.0;
    if (C >= (double)n) return HUGE_VAL;
    const double r = 1.0 - C / (double)n;
    return rss / ((double)n * r * r);
}

/* The upper-triangular factor R ((M + ny) x (M + ny), ld M + ny) of [sqrt(w) B | sqrt(w) Y]. */
static int r_factor(ks_ctx *ctx, size_t n, size_t M, const double *B, size_t ny, const double *Y,
                    const double *w, double *R)
{
    const size_t K = M + ny;
    if (n > (size_t)INT32_MAX || K > (size_t)INT32_MAX)
        return ks__fail(ctx, KS_EOVERFLOW, "mars: %zu cases are too many for the pruning QR", n);
    const size_t rows = n > K ? n : K;
    double *A = ks__calloc(ctx, rows, K * sizeof *A);
    double *tau = ks__malloc_array(ctx, K, sizeof *tau);
    if (!A || !tau) {
        ks__free(ctx, A);
        ks__free(ctx, tau);
        return KS_ENOMEM;
    }
    for (size_t j = 0; j < K; j++) {
        const double *src = j < M ? B + j * n : Y + (j - M) * n;
        double *dst = A + j * rows;
        for (size_t i = 0; i < n; i++) dst[i] = w ? sqrt(w[i]) * src[i] : src[i];
    }
    int info = 0;
    double wq = 0.0;
    int rc = ks__dgeqrf(ctx, rows, K, A, rows, tau, &wq, KS__LWORK_QUERY, &info);
    const size_t lwork = (int)wq > (int)K ? (size_t)(int)wq : K;
    double *work = rc ? NULL : ks__malloc_array(ctx, lwork, sizeof *work);
    if (!work) {
        ks__free(ctx, A);
        ks__free(ctx, tau);
        return rc ? rc : KS_ENOMEM;
    }
    rc = ks__dgeqrf(ctx, rows, K, A, rows, tau, work, lwork, &info);
    for (size_t j = 0; j < K; j++)
        for (size_t i = 0; i < K; i++) R[j * K + i] = i <= j ? A[j * rows + i] : 0.0;
    ks__free(ctx, work);
    ks__free(ctx, A);
    ks__free(ctx, tau);
    if (rc) return rc;
    return info == 0 ? KS_OK : ks__fail(ctx, KS_ENUMERIC, "mars: the pruning QR failed");
}

/* Rotate rows a and a + 1 of R (ld K) in columns c .. end - 1 so that R[a+1, c] becomes 0. */
static void givens_cols(double *R, size_t K, size_t a, size_t c, size_t end)
{
    const double x = R[c * K + a], y = R[c * K + a + 1];
    if (y == 0.0) return;
    const double r = hypot(x, y), cs = x / r, sn = y / r;
    for (size_t j = c; j < end; j++) {
        const double u = R[j * K + a], v = R[j * K + a + 1];
        R[j * K + a] = cs * u + sn * v;
        R[j * K + a + 1] = -sn * u + cs * v;
    }
}

/* The same over every column from c on (the factor's K columns). */
static void givens_rows(double *R, size_t K, size_t a, size_t c) { givens_cols(R, K, a, c, K); }

/* Move the column at position j to position P - 1 (the columns j + 1 .. P - 1 shift down) and
 * re-triangularise; order[] follows. The response columns M .. K - 1 stay in place. */
static void move_to(double *R, size_t K, size_t *order, size_t j, size_t P, double *tmp)
{
    memcpy(tmp, R + j * K, K * sizeof *tmp);
    memmove(R + j * K, R + (j + 1) * K, (P - 1 - j) * K * sizeof *R);
    memcpy(R + (P - 1) * K, tmp, K * sizeof *tmp);
    const size_t oj = order[j];
    memmove(order + j, order + j + 1, (P - 1 - j) * sizeof *order);
    order[P - 1] = oj;
    for (size_t c = j; c + 1 < P; c++) givens_rows(R, K, c, c);
}

/* RSS of the first k columns: the squares of the response columns below row k. */
static double prefix_rss(const double *R, size_t K, size_t M, size_t k)
{
    double s = 0.0;
    for (size_t r = M; r < K; r++)
        for (size_t i = k; i <= r; i++) s += R[r * K + i] * R[r * K + i];
    return s;
}

/* The RSS increase from dropping position j of the first P columns (on a copy). */
static double drop_increase(const double *R, size_t K, size_t M, size_t j, size_t P,
                            double *work, size_t *ord_tmp)
{
    memcpy(work, R, K * K * sizeof *work);
    for (size_t i = 0; i < M; i++) ord_tmp[i] = i;
    move_to(work, K, ord_tmp, j, P, work + K * K);
    double s = 0.0;
    for (size_t r = M; r < K; r++) s += work[r * K + P - 1] * work[r * K + P - 1];
    return s;
}

static int cmp_size(const void *a, const void *b)
{
    const size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

static void record(size_t *prune_terms, size_t M, size_t k, const size_t *order)
{
    size_t *row = prune_terms + (k - 1) * M;
    memset(row, 0, M * sizeof *row);
    memcpy(row, order, k * sizeof *row);
    qsort(row, k, sizeof *row, cmp_size);
}

/* Exhaustive: the best subset of each size containing column 0, over all of them. */
typedef struct {
    size_t M, ny, nvmax;
    const double *G;  /* (M + ny) x (M + ny): R'R */
    double total;     /* y'y summed over responses */
    double *L, *wv;   /* Cholesky rows (M x M), L^{-1} B_S' y (M x ny) */
    size_t *cur;
    double *best;
    size_t *best_set; /* M x M */
} xhaust;

static void xh_visit(xhaust *x, size_t depth, size_t next)
{
    const size_t M = x->M, K = M + x->ny;
    double proj = 0.0;
    for (size_t a = 0; a < depth; a++)
        for (size_t r = 0; r < x->ny; r++) proj += x->wv[a * x->ny + r] * x->wv[a * x->ny + r];
    const double rss = x->total - proj;
    if (rss < x->best[depth - 1]) {
        x->best[depth - 1] = rss;
        memcpy(x->best_set + (depth - 1) * M, x->cur, depth * sizeof *x->cur);
    }
    if (depth >= x->nvmax) return;
    for (size_t c = next; c < M; c++) {
        double *l = x->L + depth * M;
        for (size_t a = 0; a < depth; a++) { /* forward substitution: L l = G[S, c] */
            double s = x->G[c * K + x->cur[a]];
            for (size_t b = 0; b < a; b++) s -= x->L[a * M + b] * l[b];
            l[a] = s / x->L[a * M + a];
        }
        double dd = x->G[c * K + c];
        for (size_t a = 0; a < depth; a++) dd -= l[a] * l[a];
        if (!(dd > 1e-14 * x->G[c * K + c])) continue; /* dependent on the subset */
        l[depth] = sqrt(dd);
        for (size_t r = 0; r < x->ny; r++) {
            double s = x->G[(M + r) * K + c];
            for (size_t a = 0; a < depth; a++) s -= l[a] * x->wv[a * x->ny + r];
            x->wv[depth * x->ny + r] = s / l[depth];
        }
        x->cur[depth] = c;
        xh_visit(x, depth + 1, c + 1);
    }
}

/* Least squares of the responses on the columns sel[0..k) of B, from the factor R of [B Y]:
 * those columns brought to the front and re-triangularised (Givens), then back substitution;
 * coef k x ny, rss per response. A column with no part left beside those before it is an error. */
int ks__mars_subset_fit(ks_ctx *ctx, const double *R, size_t M, size_t ny, const size_t *sel,
                    size_t k, double *coef, double *rss)
{
    const size_t K = M + ny;
    double *P = ks__malloc_array(ctx, K * K, sizeof *P);
    if (!P) return KS_ENOMEM;
    for (size_t j = 0; j < k; j++) memcpy(P + j * K, R + sel[j] * K, K * sizeof *P);
    memcpy(P + k * K, R + M * K, ny * K * sizeof *P); /* the responses right after */
    const size_t Kp = k + ny;
    for (size_t c = 0; c < k; c++) /* zero below the diagonal of the k chosen columns */
        for (size_t r0 = M; r0-- > c + 1;) givens_cols(P, K, r0 - 1, c, Kp);
    int rc = KS_OK;
    for (size_t c = 0; c < k && rc == KS_OK; c++) {
        double cn = 0.0; /* the column's norm, for the rank test */
        for (size_t i = 0; i <= sel[c] && i < M; i++) cn += R[sel[c] * K + i] * R[sel[c] * K + i];
        if (!(fabs(P[c * K + c]) > 1e-7 * sqrt(cn)))
            rc = ks__fail(ctx, KS_ENUMERIC,
                         "mars: the selected terms are collinear (term %zu of the subset)", c);
    }
    for (size_t r = 0; r < ny && rc == KS_OK; r++) {
        const double *z = P + (k + r) * K;
        double *b = coef + r * k, s2 = 0.0;
        for (size_t c = k; c-- > 0;) {
            double v = z[c];
            for (size_t j = c + 1; j < k; j++) v -= P[j * K + c] * b[j];
            b[c] = v / P[c * K + c];
        }
        for (size_t i = k; i < M + ny; i++) /* (rows below k: this response's residual) */
            if (i < M || i <= M + r) s2 += z[i] * z[i];
        rss[r] = s2;
    }
    ks__free(ctx, P);
    return rc;
}

int ks__mars_prune_path(ks_ctx *ctx, size_t n, size_t M, const double *B, size_t ny, const double *Y,
                    const double *w, ks_mars_pmethod pmethod, size_t nvmax,
                    double *rss_per_subset, size_t *prune_terms, double *Rout)
{
    const size_t K = M + ny;
    double *R = ks__malloc_array(ctx, K * K, 3 * sizeof *R); /* R, work, permuted copy */
    size_t *order = ks__malloc_array(ctx, M, 2 * sizeof *order);
    if (!R || !order) {
        ks__free(ctx, R);
        ks__free(ctx, order);
        return KS_ENOMEM;
    }
    double *work = R + K * K;
    int rc = r_factor(ctx, n, M, B, ny, Y, w, R);
    if (rc) goto done;
    if (Rout) memcpy(Rout, R, K * K * sizeof *R);
    memset(prune_terms, 0, M * M * sizeof *prune_terms);
    for (size_t j = 0; j < M; j++) order[j] = j;
    if (pmethod == KS_MARS_PRUNE_EXHAUSTIVE && M > 1) {
        if (M > 26) {
            rc = ks__fail(ctx, KS_EINVAL,
                         "mars: pmethod exhaustive searches every subset: %zu terms are too many "
                         "(at most 26)",
                         M);
            goto done;
        }
        double *G = work; /* R'R, K x K */
        for (size_t a = 0; a < K; a++)
            for (size_t b = 0; b < K; b++) {
                double s = 0.0;
                for (size_t i = 0; i <= (a < b ? a : b); i++) s += R[a * K + i] * R[b * K + i];
                G[a * K + b] = s;
            }
        xhaust x = {M, ny, nvmax ? nvmax : M, G, 0.0, NULL, NULL, NULL, rss_per_subset, NULL};
        for (size_t r = 0; r < ny; r++) x.total += G[(M + r) * K + M + r];
        x.L = ks__calloc(ctx, M * M + M * ny, sizeof *x.L);
        x.cur = ks__malloc_array(ctx, M, sizeof *x.cur);
        x.best_set = ks__calloc(ctx, M * M, sizeof *x.best_set);
        if (!x.L || !x.cur || !x.best_set) {
            ks__free(ctx, x.L);
            ks__free(ctx, x.cur);
            ks__free(ctx, x.best_set);
            rc = KS_ENOMEM;
            goto done;
        }
        x.wv = x.L + M * M;
        for (size_t k = 0; k < M; k++) rss_per_subset[k] = HUGE_VAL;
        /* the intercept, always in */
        x.L[0] = sqrt(G[0]);
        for (size_t r = 0; r < ny; r++) x.wv[r] = G[(M + r) * K] / x.L[0];
        x.cur[0] = 0;
        xh_visit(&x, 1, 1);
        /* each best subset's RSS again, from the factor with its columns first (Givens) */
        double *P = work + K * K;
        for (size_t k = 1; k <= M; k++) {
            if (!isfinite(rss_per_subset[k - 1])) continue;
            const size_t *in = x.best_set + (k - 1) * M;
            size_t a = 0;
            for (size_t j = 0; j < M; j++) /* the subset, then the rest, each in order */
                if (a < k && in[a] == j) order[a++] = j;
            for (size_t j = 0, b = k; j < M; j++) {
                int inside = 0;
                for (size_t q = 0; q < k; q++) inside |= in[q] == j;
                if (!inside) order[b++] = j;
            }
            for (size_t j = 0; j < M; j++) memcpy(P + j * K, R + order[j] * K, K * sizeof *P);
            memcpy(P + M * K, R + M * K, ny * K * sizeof *P);
            for (size_t c = 0; c < M; c++)
                for (size_t r0 = M; r0-- > c + 1;) givens_rows(P, K, r0 - 1, c);
            rss_per_subset[k - 1] = prefix_rss(P, K, M, k);
            record(prune_terms, M, k, in);
        }
        ks__free(ctx, x.L);
        ks__free(ctx, x.cur);
        ks__free(ctx, x.best_set);
        goto done;
    }
    /* backward: leaps's elimination (one response) or the nested path (several) */
    const int leaps = ny == 1;
    for (size_t k = 1; k <= M; k++) {
        rss_per_subset[k - 1] = prefix_rss(R, K, M, k);
        record(prune_terms, M, k, order);
    }
    size_t *ord_tmp = order + M;
    for (size_t P = M; P >= 3; P--) {
        size_t jbest = 1;
        double inc_best = HUGE_VAL;
        for (size_t j = 1; j < P; j++) {
            const double inc = drop_increase(R, K, M, j, P, work, ord_tmp);
            if (inc < inc_best) {
                inc_best = inc;
                jbest = j;
            }
        }
        if (jbest < P - 1) {
            move_to(R, K, order, jbest, P, work);
            for (size_t I = jbest + 1; I <= P - 1; I++) {
                const double rss = prefix_rss(R, K, M, I);
                if (leaps ? rss < rss_per_subset[I - 1] : I == P - 1) {
                    rss_per_subset[I - 1] = rss;
                    record(prune_terms, M, I, order);
                }
            }
        } else if (!leaps) {
            rss_per_subset[P - 2] = prefix_rss(R, K, M, P - 1);
            record(prune_terms, M, P - 1, order);
        }
    }
done:
    ks__free(ctx, R);
    ks__free(ctx, order);
    return rc;
}
