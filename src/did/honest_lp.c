/* honest_lp.c — a small dense linear-programming solver for HonestDiD's LPs (tens of rows and
 * columns): two-phase tableau simplex with Bland's rule, then the optimal basis re-solved by LU
 * for x and the duals. Free variables are split as x+ - x-. */
#include <math.h>
#include <string.h>

#include "honest_internal.h"
#include "linalg/linalg_internal.h"

#define PIVOT_TOL 1e-9
#define COST_TOL 1e-10

static size_t ncol_x(size_t n, const unsigned char *nonneg)
{
    size_t k = 0;
    for (size_t j = 0; j < n; j++) k += (nonneg && nonneg[j]) ? 1 : 2;
    return k;
}

size_t ks__lp_work_size(size_t n, size_t m_ub, size_t m_eq)
{
    const size_t m = m_ub + m_eq, N = 2 * n + m_ub + m;
    return (m + 1) * (N + 1) + m + m * m + 3 * m + N + 2 * n;
}

/* Pivot the tableau (rows 0..m, the last the reduced costs; width w) on (r, c). */
static void pivot(double *T, size_t m, size_t w, size_t r, size_t c)
{
    double *pr = T + r * w;
    const double inv = 1.0 / pr[c];
    for (size_t j = 0; j < w; j++) pr[j] *= inv;
    pr[c] = 1.0;
    for (size_t i = 0; i <= m; i++) {
        if (i == r) continue;
        double *pi = T + i * w;
        const double f = pi[c];
        if (f == 0.0) continue;
        for (size_t j = 0; j < w; j++) pi[j] -= f * pr[j];
        pi[c] = 0.0;
    }
}

/* Simplex iterations by Bland's rule over columns [0, ncand) (a column enters when its reduced
 * cost is below -cost_tol); 0 at an optimum, 1 unbounded. *npiv (may be NULL) counts pivots. */
static int iterate(double *T, double *basis, size_t m, size_t w, size_t ncand, double cost_tol,
                   size_t *npiv)
{
    const size_t rhs = w - 1;
    for (size_t it = 0; it < 100000; it++) {
        const double *cost = T + m * w;
        size_t e = ncand;
        for (size_t j = 0; j < ncand; j++)
            if (cost[j] < -cost_tol) {
                e = j;
                break;
            }
        if (e == ncand) return 0;
        size_t r = m;
        double best = INFINITY;
        for (size_t i = 0; i < m; i++) {
            const double a = T[i * w + e];
            if (a <= PIVOT_TOL) continue;
            const double ratio = T[i * w + rhs] / a;
            if (r == m || ratio < best - 1e-12 * fabs(best) ||
                (r < m && fabs(ratio - best) <= 1e-12 * fabs(best) && basis[i] < basis[r])) {
                best = ratio;
                r = i;
            }
        }
        if (r == m) return 1;
        pivot(T, m, w, r, e);
        basis[r] = (double)e;
        if (npiv) ++*npiv;
    }
    return 1;
}

int ks__lp_solve(size_t n, size_t m_ub, size_t m_eq, const double *c, const double *A_ub,
                 const double *b_ub, const double *A_eq, const double *b_eq,
                 const unsigned char *nonneg, double *x, double *obj, double *lambda, double *work)
{
    const size_t m = m_ub + m_eq, nx = ncol_x(n, nonneg);
    /* The artificial columns are never candidates nor read back (the re-solve takes B from the
     * original columns), so the tableau leaves them out: its width is art + 1, the right-hand
     * side last. The artificials keep their indices art + i as basis labels. */
    const size_t N = nx + m_ub + m, art = nx + m_ub, w = art + 1;
    double *T = work, *basis = T + (m + 1) * (N + 1), *B = basis + m, *rhs = B + m * m;
    double *sol = rhs + m, *flip = sol + m, *cs = flip + m, *xs = cs + N;
    memset(T, 0, (m + 1) * w * sizeof *T);
    /* standard-form costs: x columns, then slacks and artificials at 0 */
    memset(cs, 0, N * sizeof *cs);
    for (size_t j = 0, k = 0; j < n; j++) {
        cs[k++] = c[j];
        if (!(nonneg && nonneg[j])) cs[k++] = -c[j];
    }
    for (size_t i = 0; i < m; i++) {
        const double *a = i < m_ub ? A_ub + i * n : A_eq + (i - m_ub) * n;
        const double b = i < m_ub ? b_ub[i] : b_eq[i - m_ub];
        const double f = b < 0 ? -1.0 : 1.0;
        double *row = T + i * w;
        for (size_t j = 0, k = 0; j < n; j++) {
            row[k++] = f * a[j];
            if (!(nonneg && nonneg[j])) row[k++] = -f * a[j];
        }
        if (i < m_ub) row[nx + i] = f;
        row[art] = f * b;
        flip[i] = f;
        basis[i] = (i < m_ub && f > 0) ? (double)(nx + i) : (double)(art + i);
    }
    /* phase I: minimise the sum of the artificials in the basis */
    double *cost = T + m * w;
    for (size_t i = 0; i < m; i++) {
        if ((size_t)basis[i] < art) continue;
        for (size_t j = 0; j < w; j++) cost[j] -= T[i * w + j];
    }
    if (iterate(T, basis, m, w, art, COST_TOL, NULL) != 0) return KS__LP_INFEASIBLE;
    double scale = 1.0;
    for (size_t i = 0; i < m; i++) scale = fmax(scale, fabs(T[i * w + art]));
    if (-cost[art] > 1e-9 * scale) return KS__LP_INFEASIBLE;
    /* drive artificials out of the basis; a row with no other pivot is redundant */
    for (size_t i = 0; i < m; i++) {
        if ((size_t)basis[i] < art) continue;
        for (size_t j = 0; j < art; j++)
            if (fabs(T[i * w + j]) > PIVOT_TOL) {
                pivot(T, m, w, i, j);
                basis[i] = (double)j;
                break;
            }
    }
    /* phase II */
    memset(cost, 0, w * sizeof *cost);
    for (size_t j = 0; j < art; j++) cost[j] = cs[j];
    for (size_t i = 0; i < m; i++) {
        const double cb = cs[(size_t)basis[i]];
        if (cb == 0.0) continue;
        for (size_t j = 0; j < w; j++) cost[j] -= cb * T[i * w + j];
    }
    if (iterate(T, basis, m, w, art, COST_TOL, NULL) != 0) return KS__LP_UNBOUNDED;
    /* re-solve the optimal basis: B x_B = b and B' y = c_B, B from the original columns */
    for (size_t i = 0; i < m; i++) {
        const double *a = i < m_ub ? A_ub + i * n : A_eq + (i - m_ub) * n;
        for (size_t r = 0; r < m; r++) {
            const size_t col = (size_t)basis[r];
            double v = 0.0;
            if (col < nx) {
                size_t j = 0, k = 0;
                for (; j < n; j++) {
                    const int two = !(nonneg && nonneg[j]);
                    if (col == k) {
                        v = a[j];
                        break;
                    }
                    if (two && col == k + 1) {
                        v = -a[j];
                        break;
                    }
                    k += two ? 2 : 1;
                }
                v *= flip[i];
            } else if (col < art) {
                v = (col - nx == i) ? flip[i] : 0.0;
            } else {
                v = (col - art == i) ? 1.0 : 0.0;
            }
            B[r * m + i] = v; /* column-major: column r */
        }
        rhs[i] = flip[i] * (i < m_ub ? b_ub[i] : b_eq[i - m_ub]);
    }
    double *B2 = T; /* the tableau is no longer needed (its space holds m * m) */
    memcpy(B2, B, m * m * sizeof *B);
    if (ks__lu_solve(m, B2, rhs, sol) != 0) return KS__LP_INFEASIBLE;
    memset(xs, 0, 2 * n * sizeof *xs);
    for (size_t r = 0; r < m; r++)
        if ((size_t)basis[r] < nx) xs[(size_t)basis[r]] = sol[r];
    double o = 0.0;
    for (size_t j = 0, k = 0; j < n; j++) {
        x[j] = xs[k++];
        if (!(nonneg && nonneg[j])) x[j] -= xs[k++];
        o += c[j] * x[j];
    }
    *obj = o;
    if (lambda) {
        for (size_t r = 0; r < m; r++) /* B' as column-major = B row-major */
            for (size_t i = 0; i < m; i++) B2[i * m + r] = B[r * m + i];
        for (size_t r = 0; r < m; r++) rhs[r] = cs[(size_t)basis[r]];
        if (ks__lu_solve(m, B2, rhs, sol) != 0) return KS__LP_INFEASIBLE;
        for (size_t i = 0; i < m; i++) lambda[i] = -flip[i] * sol[i];
    }
    return KS__LP_OPTIMAL;
}

/* ---- max y'x s.t. W'x = e1, x >= 0 for a fixed W and many y (the warm-started dual form) ----
 * The tableau B^-1 [W' | e1] (n rows, M + 1 wide, then the cost row) does not depend on y: each
 * y starts from the last optimal basis, which stays feasible, so that it takes a few pivots
 * instead of a cold two-phase solve. After pivots the tableau is rebuilt from W' and the basis
 * (so that no pivoting error accumulates over the y's) and the value re-read from it. */
size_t ks__lp_warm_doubles(size_t M, size_t n) { return (n + 1) * (M + 1) + 2 * n; }

/* T = B^-1 [W' | e1] for the basis in w->basis, its columns taken in increasing order (so that
 * T, and the value read from it, depend on the basis set only, not on the path to it); -1
 * when the basis is singular. */
static int warm_factor(ks__lp_warm *w)
{
    const size_t M = w->M, n = w->n, wd = M + 1;
    double *T = w->T;
    for (size_t q = 1; q < n; q++)
        for (size_t p = q; p > 0 && w->basis[p - 1] > w->basis[p]; p--) {
            const double t = w->basis[p];
            w->basis[p] = w->basis[p - 1];
            w->basis[p - 1] = t;
        }
    memset(T, 0, (n + 1) * wd * sizeof *T);
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < M; j++) T[r * wd + j] = w->W[j * n + r];
        T[r * wd + M] = r == 0 ? 1.0 : 0.0;
    }
    double *nb = w->basis + n; /* the new labels, row by row */
    unsigned char done[64] = {0};
    for (size_t q = 0; q < n; q++) {
        const size_t j = (size_t)w->basis[q];
        size_t r = n;
        for (size_t i = 0; i < n; i++)
            if (!done[i] && (r == n || fabs(T[i * wd + j]) > fabs(T[r * wd + j]))) r = i;
        if (!(fabs(T[r * wd + j]) > PIVOT_TOL)) return -1;
        pivot(T, n, wd, r, j);
        done[r] = 1;
        nb[r] = (double)j;
    }
    memcpy(w->basis, nb, n * sizeof *nb);
    return 0;
}

int ks__lp_warm_init(ks__lp_warm *w, size_t M, size_t n, const double *W, double *work)
{
    const size_t wd = M + 1;
    *w = (ks__lp_warm){.M = M, .n = n, .W = W, .T = work, .basis = work + (n + 1) * wd};
    if (n > 64) return -1;
    double *T = w->T, *cost = T + n * wd;
    /* phase I from the artificial basis (labels M + r; their columns are never needed) */
    memset(T, 0, (n + 1) * wd * sizeof *T);
    for (size_t r = 0; r < n; r++) {
        for (size_t j = 0; j < M; j++) T[r * wd + j] = W[j * n + r];
        T[r * wd + M] = r == 0 ? 1.0 : 0.0;
        w->basis[r] = (double)(M + r);
        for (size_t j = 0; j < wd; j++) cost[j] -= T[r * wd + j];
    }
    if (iterate(T, w->basis, n, wd, M, COST_TOL, NULL) != 0 || -cost[M] > 1e-9) return -1;
    for (size_t r = 0; r < n; r++) { /* an artificial left in the basis: W' is rank deficient */
        if ((size_t)w->basis[r] < M) continue;
        size_t j = 0;
        while (j < M && !(fabs(T[r * wd + j]) > PIVOT_TOL)) j++;
        if (j == M) return -1;
        pivot(T, n, wd, r, j);
        w->basis[r] = (double)j;
    }
    return warm_factor(w);
}

int ks__lp_warm_max(ks__lp_warm *w, const double *y, double *val)
{
    const size_t M = w->M, n = w->n, wd = M + 1;
    double *T = w->T, *cost = T + n * wd, ymax = 0.0;
    /* minimise -y'x: reduced costs -y_j + y_B' T_j, and cost[M] = y_B' x_B */
    for (size_t j = 0; j < M; j++) cost[j] = -y[j], ymax = fmax(ymax, fabs(y[j]));
    cost[M] = 0.0;
    for (size_t r = 0; r < n; r++) {
        const double yb = y[(size_t)w->basis[r]];
        for (size_t j = 0; j < wd; j++) cost[j] += yb * T[r * wd + j];
    }
    size_t npiv = 0;
    if (iterate(T, w->basis, n, wd, M, 1e-13 * ymax, &npiv) != 0) return -1;
    if (npiv > 0) {
        if (warm_factor(w) != 0) return -1;
        cost[M] = 0.0;
        for (size_t r = 0; r < n; r++) cost[M] += y[(size_t)w->basis[r]] * T[r * wd + M];
    }
    *val = cost[M];
    return 0;
}
