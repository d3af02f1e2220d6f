/* honest_arp.c — Andrews, Roth & Pakes' conditional and hybrid tests of H0: l'tau = theta on the
 * moment inequalities A beta - d <= 0, with the post-period directions other than l as nuisance
 * parameters (R HonestDiD's .ARP_computeCI and .lp_conditional_test_fn), inverted on a grid of
 * theta as R inverts them.
 *
 * With Gamma a basis of R^npost whose first row is l', the moments are Y(theta) - X delta <= 0,
 * Y = A beta - d - (A_post Gamma^-1)_1 theta, X the other columns. The statistic is
 * eta = min over delta of max_i (Y_i - X_i delta) / sd_i (an LP); its conditional law given the
 * binding set is a truncated normal on [vlo, vup]. The hybrid ("LF") first rejects when eta
 * passes the least-favourable critical value, the 1 - kappa quantile of eta under Y ~ N(0, S)
 * from R's 1000 draws (set.seed(0), mvtnorm's eigen square root: reproduced here draw for draw),
 * and then tests at size (alpha - kappa) / (1 - kappa). */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/base_internal.h"
#include "honest_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

/* A warm-started LP of the test (one draw, one grid point) costs about this many nanoseconds per
 * moment row on one thread (measured: mpdta's relative-magnitudes C-LF, 14 moment rows, about
 * 400 ns an LP); the thread count follows from it (ks__threads_for), so event studies of the
 * usual size stay on one thread, where starting a team costs more than the loop. */
#define LP_NS_PER_ROW 30.0

typedef struct {
    size_t M, k;      /* moments in the test, nuisance dimension */
    const double *X;  /* M x k row-major */
    const double *S;  /* M x M */
    const double *sd; /* M */
    double *A_ub, *cost, *x, *lam, *lpw, *A_eq, *b_eq, *tmp;
    double *W, *wwork; /* [sd, X] (M x (k + 1)); the warm-started LP's work space */
    ks__lp_warm warm;
    int warm_ok;
} lpctx;

static size_t lpctx_doubles(size_t M, size_t k)
{
    return M * (k + 1) + (k + 1) + (M + k + 1) + (M + k + 1) + ks__lp_work_size(M, 0, k + 1) +
           ks__lp_work_size(k + 1, M, 0) + (k + 1) * M + (k + 1) + 8 * M + (k + 1) * (k + 1) +
           M * (k + 1) + ks__lp_warm_doubles(M, k + 1);
}

static void lpctx_bind(lpctx *c, double *w)
{
    const size_t M = c->M, k = c->k;
    c->W = w, w += M * (k + 1);
    for (size_t i = 0; i < M; i++) {
        c->W[i * (k + 1)] = c->sd[i];
        memcpy(c->W + i * (k + 1) + 1, c->X + i * k, k * sizeof *c->W);
    }
    c->wwork = w, w += ks__lp_warm_doubles(M, k + 1);
    c->A_ub = w, w += M * (k + 1);
    c->cost = w, w += M + k + 1;
    c->x = w, w += M + k + 1;
    c->lam = w, w += M + k + 1;
    c->A_eq = w, w += (k + 1) * M;
    c->b_eq = w, w += k + 1;
    c->tmp = w, w += 8 * M + (k + 1) * (k + 1);
    c->lpw = w;
}

/* eta = min_{eta, delta} eta s.t. y_i <= sd_i eta + X_i delta; lam: the duals (M), or NULL. */
static int eta_lp(lpctx *c, const double *y, double *eta, double *lam)
{
    const size_t M = c->M, k = c->k, n = k + 1;
    double *b = c->tmp;
    for (size_t i = 0; i < M; i++) {
        c->A_ub[i * n] = -c->sd[i];
        for (size_t j = 0; j < k; j++) c->A_ub[i * n + 1 + j] = -c->X[i * k + j];
        b[i] = -y[i];
    }
    memset(c->cost, 0, n * sizeof *c->cost);
    c->cost[0] = 1.0;
    const int st =
        ks__lp_solve(n, M, 0, c->cost, c->A_ub, b, NULL, NULL, NULL, c->x, eta, lam, c->lpw);
    return st;
}

/* R's .max_program: max_x (s + b cval)'x s.t. W'x = e1, x >= 0 (W = [sd, X]); whether its
 * value equals cval to 1e-6, and the maximiser x. */
static int max_program(lpctx *c, const double *s, const double *bv, double cval, double *x, int *ok)
{
    const size_t M = c->M, k = c->k;
    double *f = c->cost;
    for (size_t i = 0; i < M; i++) f[i] = -(s[i] + bv[i] * cval);
    for (size_t i = 0; i < M; i++) {
        c->A_eq[i] = c->sd[i];
        for (size_t j = 0; j < k; j++) c->A_eq[(j + 1) * M + i] = c->X[i * k + j];
    }
    memset(c->b_eq, 0, (k + 1) * sizeof *c->b_eq);
    c->b_eq[0] = 1.0;
    static const unsigned char one = 1;
    unsigned char nn[512];
    for (size_t i = 0; i < M && i < sizeof nn; i++) nn[i] = one;
    double obj;
    const int st =
        ks__lp_solve(M, 0, k + 1, f, NULL, NULL, c->A_eq, c->b_eq, nn, x, &obj, NULL, c->lpw);
    *ok = st == KS__LP_OPTIMAL && fabs(cval - (-obj)) <= 1e-6;
    return st;
}

static double roundeps(double x) { return fabs(x) < pow(DBL_EPSILON, 0.75) ? 0.0 : x; }

/* R's .vlo_vup_dual_fn: the truncation points by the dual LP, found by R's search steps. */
static void vlo_vup_dual(lpctx *c, const double *y, double eta, const double *gam, double *vlo,
                         double *vup)
{
    const size_t M = c->M;
    double *Sg = c->tmp + M, *s = c->tmp + 2 * M, *bv = c->tmp + 3 * M, *x = c->tmp + 4 * M;
    double gSg = 0.0, gy = 0.0;
    for (size_t i = 0; i < M; i++) {
        double v = 0.0;
        for (size_t j = 0; j < M; j++) v += c->S[i * M + j] * gam[j];
        Sg[i] = v;
        gSg += gam[i] * v;
        gy += gam[i] * y[i];
    }
    for (size_t i = 0; i < M; i++) {
        s[i] = y[i] - Sg[i] * gy / gSg;
        bv[i] = Sg[i] / gSg;
    }
    const double tol_c = 1e-6, sB = sqrt(gSg);
    const double low0 = fmin(-100.0, eta - 20 * sB), high0 = fmax(100.0, eta + 20 * sB);
    const int maxiters = 10000, switchiters = 10;
    int ok;
    max_program(c, s, bv, eta, x, &ok);
    if (!ok) {
        *vlo = eta;
        *vup = INFINITY;
        return;
    }
#define NEXT_MID()                                                                                 \
    do {                                                                                           \
        double xs = 0.0, xb = 0.0;                                                                 \
        for (size_t i = 0; i < M; i++) xs += x[i] * s[i], xb += x[i] * bv[i];                      \
        mid = roundeps(xs) / (1.0 - xb);                                                           \
    } while (0)
    for (int side = 0; side < 2; side++) {
        const double start = side == 0 ? high0 : low0;
        max_program(c, s, bv, start, x, &ok);
        double out;
        if (ok) {
            out = side == 0 ? INFINITY : -INFINITY;
        } else {
            double dif = 0.0, mid;
            int iters = 1;
            NEXT_MID();
            for (;;) {
                max_program(c, s, bv, mid, x, &ok);
                if (ok || iters >= maxiters) break;
                iters++;
                if (iters >= switchiters) {
                    dif = tol_c + 1;
                    break;
                }
                NEXT_MID();
            }
            double lo = side == 0 ? eta : mid, hi = side == 0 ? mid : eta;
            while (dif > tol_c && iters < maxiters) {
                iters++;
                mid = (hi + lo) / 2;
                max_program(c, s, bv, mid, x, &ok);
                if ((side == 0) == (ok != 0))
                    lo = mid;
                else
                    hi = mid;
                dif = hi - lo;
            }
            out = mid;
        }
        if (side == 0)
            *vup = out;
        else
            *vlo = out;
    }
#undef NEXT_MID
}

/* rank of the r x k row-major matrix by Gaussian elimination with a relative tolerance */
static size_t rank_of(double *a, size_t r, size_t k)
{
    double mx = 0.0;
    for (size_t i = 0; i < r * k; i++) mx = fmax(mx, fabs(a[i]));
    const double tol = mx * (double)(r > k ? r : k) * DBL_EPSILON;
    size_t rank = 0;
    for (size_t col = 0; col < k && rank < r; col++) {
        size_t piv = rank;
        for (size_t i = rank + 1; i < r; i++)
            if (fabs(a[i * k + col]) > fabs(a[piv * k + col])) piv = i;
        if (!(fabs(a[piv * k + col]) > tol)) continue;
        for (size_t j = 0; j < k; j++) {
            const double t = a[rank * k + j];
            a[rank * k + j] = a[piv * k + j];
            a[piv * k + j] = t;
        }
        for (size_t i = rank + 1; i < r; i++) {
            const double f = a[i * k + col] / a[rank * k + col];
            for (size_t j = col; j < k; j++) a[i * k + j] -= f * a[rank * k + j];
        }
        rank++;
    }
    return rank;
}

/* The FLCI hybrid at one theta: the FLCI f'beta -+ h (size kappa) and fS = A Sigma f on the
 * test's rows. R writes its first stage and truncation through vbar, A'vbar = f (a CVXR
 * least-squares solution); vbar enters only through A'vbar, so f is used directly. */
typedef struct {
    double theta, fb, h;
    const double *fS;
} flci_hyb;

/* R's .FLCI_computeVloVup for the conditioning direction g (M, on the test's rows, s2 =
 * g'Sg): the values of the statistic at which theta leaves the FLCI, given the rest of y. */
static void flci_trunc(const lpctx *c, const flci_hyb *f, const double *g, const double *y,
                       double s2, double *vlo, double *vup)
{
    double fc = 0.0, gy = 0.0;
    for (size_t i = 0; i < c->M; i++) fc += f->fS[i] * g[i], gy += g[i] * y[i];
    fc /= s2;
    const double n1 = f->h + f->theta - f->fb + fc * gy, n2 = f->h - f->theta + f->fb - fc * gy;
    *vlo = -INFINITY, *vup = INFINITY;
    if (fc > 0) *vup = n1 / fc, *vlo = n2 / -fc;
    if (fc < 0) *vlo = n1 / fc, *vup = n2 / -fc;
}

/* Whether eta (y) passes the LF hybrid's critical value cv so clearly that cond_test's first
 * stage (eta > cv, eta from the cold LP) must reject: the value of the dual LP warm-started
 * from the last grid point's basis is a dual feasible one, so at most the LP's minimum (weak
 * duality) and the cold eta at least that less rounding; a margin far above rounding leaves
 * every point near cv to cond_test. Most of a wide grid is rejected here, at a pivot or two. */
static int surely_past_lf_cv(lpctx *c, const double *y, double cv)
{
    double eta;
    if (!c->warm_ok) return 0;
    if (ks__lp_warm_max(&c->warm, y, &eta) != 0) {
        c->warm_ok = 0; /* a failed warm solve leaves its tableau unusable */
        return 0;
    }
    return eta > cv + 1e-9 * (1.0 + fabs(cv));
}

/* R's .lp_conditional_test_fn: 1 when theta is rejected. lf_cv: NaN unless the LF hybrid;
 * fh: NULL unless the FLCI hybrid. */
static int cond_test(lpctx *c, const double *y, double alpha, double kappa, ks__hybrid hyb,
                     double lf_cv, const flci_hyb *fh, double *lam)
{
    const size_t M = c->M, k = c->k;
    double eta;
    if (eta_lp(c, y, &eta, lam) != KS__LP_OPTIMAL) return 0; /* R: "did not converge", accept */
    double mod_size = alpha;
    if (hyb == KS__HYB_LF) {
        mod_size = (alpha - kappa) / (1 - kappa);
        if (eta > lf_cv) return 1;
    } else if (hyb == KS__HYB_FLCI) {
        mod_size = (alpha - kappa) / (1 - kappa);
        if (ks__outside_flci(fh->fb - fh->theta, fh->h)) return 1;
    }
    size_t nB = 0;
    for (size_t i = 0; i < M; i++) nB += lam[i] > 1e-6;
    const int degenerate = nB != k + 1;
    double *XB = c->tmp + 5 * M;
    for (size_t i = 0, r = 0; i < M; i++)
        if (lam[i] > 1e-6) {
            memcpy(XB + r * k, c->X + i * k, k * sizeof *XB);
            r++;
        }
    const size_t xdim = nB < k ? nB : k;
    const int full_rank = xdim > 0 && rank_of(XB, nB, k) == xdim;
    double zlo, zup, maxstat;
    if (!full_rank || degenerate) {
        double vlo, vup;
        vlo_vup_dual(c, y, eta, lam, &vlo, &vup);
        double s2 = 0.0;
        for (size_t i = 0; i < M; i++)
            for (size_t j = 0; j < M; j++) s2 += lam[i] * c->S[i * M + j] * lam[j];
        if (fabs(s2) < DBL_EPSILON) return eta > 0;
        const double sB = sqrt(s2);
        maxstat = eta / sB;
        if (hyb == KS__HYB_FLCI) {
            double flo, fup;
            flci_trunc(c, fh, lam, y, s2, &flo, &fup);
            vlo = fmax(vlo, flo), vup = fmin(vup, fup);
        }
        zlo = vlo / sB;
        zup = (hyb == KS__HYB_LF ? fmin(vup, lf_cv) : vup) / sB;
    } else {
        /* binding set B (k + 1 moments): W_B = [sd_B, X_B] */
        const size_t n = k + 1;
        size_t *bi = (size_t *)(void *)(c->tmp + 6 * M); /* M size_t fit in M doubles */
        for (size_t i = 0, r = 0; i < M; i++)
            if (lam[i] > 1e-6) bi[r++] = i;
        double *W = c->tmp + 7 * M, *e = c->tmp, *vB = c->tmp + M;
        /* v_B' = e1' W_B^-1 S_B: solve W_B' u = e1, then v_B = u on B, 0 off B */
        for (size_t r = 0; r < n; r++) /* W_B' column-major is W_B row-major */
            for (size_t j = 0; j < n; j++)
                W[r * n + j] = j == 0 ? c->sd[bi[r]] : c->X[bi[r] * k + j - 1];
        double rhs[64], u[64];
        if (n > 64) return 0;
        memset(rhs, 0, n * sizeof *rhs);
        rhs[0] = 1.0;
        if (ks__lu_solve(n, W, rhs, u) != 0) return 0;
        memset(vB, 0, M * sizeof *vB);
        for (size_t r = 0; r < n; r++) vB[bi[r]] = u[r];
        double s2 = 0.0, vy = 0.0;
        for (size_t i = 0; i < M; i++) {
            double v = 0.0;
            for (size_t j = 0; j < M; j++) v += c->S[i * M + j] * vB[j];
            e[i] = v; /* S v_B */
            s2 += vB[i] * v;
            vy += vB[i] * y[i];
        }
        const double sB = sqrt(s2);
        /* Gamma_B = [sd_Bc, X_Bc] W_B^-1 S_B - S_Bc: row for each i off B. Its product with a
         * vector z is g_i(z) = [sd_i, X_i] W_B^-1 z_B - z_i; W_B^-1 z_B solved by LU each time. */
        double vlo = -INFINITY, vup = INFINITY;
        int any_pos = 0, any_neg = 0;
        for (size_t i = 0; i < M; i++) {
            if (lam[i] > 1e-6) continue;
            /* a_i' = [sd_i, X_i] W_B^-1: solve W_B' a = [sd_i, X_i]' (W_B' column-major is W_B
             * row-major; the LU overwrites it, so it is rebuilt) */
            for (size_t r = 0; r < n; r++)
                for (size_t j = 0; j < n; j++)
                    W[r * n + j] = j == 0 ? c->sd[bi[r]] : c->X[bi[r] * k + j - 1];
            for (size_t j = 0; j < n; j++) rhs[j] = j == 0 ? c->sd[i] : c->X[i * k + j - 1];
            if (ks__lu_solve(n, W, rhs, u) != 0) return 0;
            double gSv = -e[i], gy = -y[i];
            for (size_t r = 0; r < n; r++) {
                gSv += u[r] * e[bi[r]];
                gy += u[r] * y[bi[r]];
            }
            const double rho = gSv / s2;
            const double mm = -gy / rho + vy;
            if (rho > 0) {
                any_pos = 1;
                vlo = fmax(vlo, mm);
            } else if (rho < 0) {
                any_neg = 1;
                vup = fmin(vup, mm);
            }
        }
        if (!any_pos) vlo = -INFINITY;
        if (!any_neg) vup = INFINITY;
        if (hyb == KS__HYB_FLCI) {
            double flo, fup;
            flci_trunc(c, fh, vB, y, s2, &flo, &fup);
            vlo = fmax(vlo, flo), vup = fmin(vup, fup);
        }
        zlo = vlo / sB;
        zup = (hyb == KS__HYB_LF ? fmin(vup, lf_cv) : vup) / sB;
        maxstat = eta / sB;
    }
    if (!(zlo <= maxstat && maxstat <= zup)) return 0;
    const double cval = fmax(0.0, ks__qtruncnorm(1 - mod_size, zlo, zup));
    return maxstat > cval;
}

static int cmp_double(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R's quantile(x, p) (type 7) of n sorted values */
static double quantile7(const double *x, size_t n, double p)
{
    const double index = 1.0 + (double)(n - 1) * p;
    const size_t lo = (size_t)floor(index), hi = (size_t)ceil(index);
    const double h = index - (double)lo;
    if (!(index > (double)lo) || x[hi - 1] == x[lo - 1]) return x[lo - 1];
    return (1 - h) * x[lo - 1] + h * x[hi - 1];
}

int ks__lf_quantile(ks_ctx *ctx, const double *S, size_t M, double kappa, ks__draw_stat stat,
                    void *state, int nthreads, double *out)
{
    const size_t sims = 1000;
    int rc = KS_OK;
    ks__symeig *eg = NULL;
    double *R = ks__malloc_array(ctx, 3 * M * M + 2 * M + sims * (M + 1), sizeof *R);
    if (!R) return KS_ENOMEM;
    double *V = R + M * M, *Scm = V + M * M, *ev = Scm + M * M, *z = ev + M, *xi = z + M;
    double *stats = xi + sims * M;
    if ((rc = ks__symeig_new(ctx, M, &eg)) != KS_OK) goto done;
    memcpy(Scm, S, M * M * sizeof *Scm); /* symmetric: row-major is column-major */
    if ((rc = ks__symeig_run(ctx, eg, Scm, ev, V)) != KS_OK) goto done;
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < M; j++) {
            double v = 0.0;
            for (size_t q = 0; q < M; q++)
                v += V[q * M + i] * sqrt(fmax(ev[q], 0.0)) * V[q * M + j];
            R[i * M + j] = v;
        }
    ks__rrng g;
    ks__rrng_seed(&g, 0);
    for (size_t s = 0; s < sims; s++) {
        for (size_t i = 0; i < M; i++) z[i] = ks__rrng_norm(&g);
        for (size_t j = 0; j < M; j++) {
            double v = 0.0;
            for (size_t i = 0; i < M; i++) v += z[i] * R[i * M + j];
            xi[s * M + j] = v;
        }
    }
    const size_t run = 50;
#pragma omp parallel for num_threads(nthreads) schedule(dynamic, 1)
    for (size_t s0 = 0; s0 < sims; s0 += run) {
#ifdef _OPENMP
        const int t = omp_get_thread_num();
#else
        const int t = 0;
#endif
        for (size_t s = s0; s < s0 + run && s < sims; s++)
            stats[s] = stat(state, t, s == s0, xi + s * M);
    }
    size_t n_ok = 0;
    for (size_t s = 0; s < sims; s++) /* R's na.rm, in draw order */
        if (!isnan(stats[s])) stats[n_ok++] = stats[s];
    if (n_ok == 0) {
        *out = NAN;
    } else {
        qsort(stats, n_ok, sizeof *stats, cmp_double);
        *out = quantile7(stats, n_ok, 1 - kappa);
    }
done:
    ks__symeig_free(eg);
    ks__free(ctx, R);
    return rc;
}

/* R's .compute_least_favorable_cv with nuisance parameters: eta of each draw (draws whose LP
 * fails are dropped) */
static double eta_of_draw(void *state, int thread, int run_start, const double *xi)
{
    lpctx *c = (lpctx *)state + thread;
    double eta;
    /* the dual LP warm-started from the last draw's basis (the draws share its constraints);
     * cold where that fails */
    if (run_start) c->warm_ok = ks__lp_warm_init(&c->warm, c->M, c->k + 1, c->W, c->wwork) == 0;
    if (c->warm_ok && ks__lp_warm_max(&c->warm, xi, &eta) == 0) return eta;
    c->warm_ok = 0; /* a failed warm solve leaves its tableau unusable */
    return eta_lp(c, xi, &eta, NULL) == KS__LP_OPTIMAL ? eta : NAN;
}

/* Gamma: rows l', then the unit vectors e_j (j != the last index where l is nonzero), the
 * pivot columns of rref([l, I]) that R's .construct_Gamma takes. */
static void make_gamma(const double *l, size_t T, double *G)
{
    size_t last = 0;
    for (size_t j = 0; j < T; j++)
        if (l[j] != 0.0) last = j;
    memset(G, 0, T * T * sizeof *G);
    for (size_t j = 0; j < T; j++) G[j] = l[j];
    for (size_t j = 0, r = 1; j < T; j++)
        if (j != last) G[r++ * T + j] = 1.0;
}

int ks__arp_grid(ks_ctx *ctx, const ks__arp_problem *p, const double *theta, size_t ngrid,
                 unsigned char *accept)
{
    const size_t T = p->npre + p->npost, P = p->npost, nr = p->nrow, K = p->npre;
    size_t M = 0;
    for (size_t i = 0; i < nr; i++) M += !p->rows || p->rows[i];
    const size_t k = P - 1;
    if (P < 2) return ks__arp_grid_nonuis(ctx, p, theta, ngrid, accept);
    const int nt0 = ctx->nthreads < 1 ? 1 : ctx->nthreads;
    const size_t per = lpctx_doubles(M, k) + 2 * M;
    const size_t nwork =
        P * P * 2 + nr * (P + 2) + nr * nr + M * (k + 3) + M * M + T + per * (size_t)nt0;
    double *work = ks__malloc_array(ctx, nwork, sizeof *work);
    if (!work) return KS_ENOMEM;
    double *G = work, *Gc = G + P * P, *AG = Gc + P * P, *Y = AG + nr * P, *tmp = Y + nr;
    double *SY = tmp + nr, *Xr = SY + nr * nr, *Sr = Xr + M * k, *sd = Sr + M * M, *a1 = sd + M;
    double *fS = a1 + M, *Sf = fS + M, *pw = Sf + T;
    make_gamma(p->l_vec, P, G);
    /* A_post Gamma^-1 by rows: Gamma' x = a_post' */
    for (size_t i = 0; i < nr; i++) {
        for (size_t r = 0; r < P; r++)
            for (size_t j = 0; j < P; j++) Gc[r * P + j] = G[r * P + j]; /* Gamma' col-major */
        for (size_t j = 0; j < P; j++) tmp[j] = p->A[i * T + K + j];
        if (ks__lu_solve(P, Gc, tmp, AG + i * P) != 0) {
            ks__free(ctx, work);
            return ks__fail(ctx, KS_EINVAL, "HonestDiD: l_vec is zero");
        }
    }
    /* Y = A beta - d, SY = A Sigma A' (sigma column-major, symmetric) */
    for (size_t i = 0; i < nr; i++) {
        double v = -p->d[i];
        for (size_t j = 0; j < T; j++) v += p->A[i * T + j] * p->betahat[j];
        Y[i] = v;
    }
    for (size_t i = 0; i < nr; i++) {
        for (size_t j = 0; j < T; j++) {
            double v = 0.0;
            for (size_t q = 0; q < T; q++) v += p->sigma[j * T + q] * p->A[i * T + q];
            tmp[j] = v;
        }
        for (size_t i2 = 0; i2 < nr; i2++) {
            double v = 0.0;
            for (size_t j = 0; j < T; j++) v += p->A[i2 * T + j] * tmp[j];
            SY[i * nr + i2] = v;
        }
    }
    for (size_t i = 0, r = 0; i < nr; i++) {
        if (p->rows && !p->rows[i]) continue;
        for (size_t j = 0; j < k; j++) Xr[r * k + j] = AG[i * P + 1 + j];
        for (size_t i2 = 0, r2 = 0; i2 < nr; i2++) {
            if (p->rows && !p->rows[i2]) continue;
            Sr[r * M + r2++] = SY[i * nr + i2];
        }
        sd[r] = sqrt(SY[i * nr + i]);
        a1[r] = AG[i * P];
        tmp[r] = Y[i];
        r++;
    }
    memcpy(Y, tmp, M * sizeof *Y); /* Y restricted to the test's rows */
    double fb = 0.0;
    if (p->hybrid == KS__HYB_FLCI) {
        for (size_t j = 0; j < T; j++) {
            double v = 0.0;
            for (size_t q = 0; q < T; q++) v += p->sigma[j * T + q] * p->flci_vec[q];
            Sf[j] = v;
            fb += p->flci_vec[j] * p->betahat[j];
        }
        for (size_t i = 0, r = 0; i < nr; i++) {
            if (p->rows && !p->rows[i]) continue;
            double v = 0.0;
            for (size_t j = 0; j < T; j++) v += p->A[i * T + j] * Sf[j];
            fS[r++] = v;
        }
    }
    lpctx c0 = {.M = M, .k = k, .X = Xr, .S = Sr, .sd = sd};
    double cv = NAN;
    int rc = KS_OK;
    if (p->hybrid == KS__HYB_LF) {
        lpctx cs[64];                                        /* one per thread */
        /* R's 1000 draws, a warm-started LP each: about LP_NS_PER_ROW x M ns */
        const int want = ks__threads_for(ctx, LP_NS_PER_ROW * (double)M * 1000.0);
        const int ntl = want < nt0 ? (want < 64 ? want : 64) : (nt0 < 64 ? nt0 : 64);
        for (int t = 0; t < ntl; t++) {
            cs[t] = c0;
            lpctx_bind(&cs[t], pw + (size_t)t * per);
        }
        if ((rc = ks__lf_quantile(ctx, Sr, M, p->kappa, eta_of_draw, cs, ntl, &cv)) != KS_OK)
            goto done;
    }
    {
        const int want = ks__threads_for(ctx, LP_NS_PER_ROW * (double)M * (double)ngrid);
        const int nt = want < nt0 ? want : nt0;
#pragma omp parallel num_threads(nt)
        {
#ifdef _OPENMP
            double *wk = pw + (size_t)omp_get_thread_num() * per;
#else
            double *wk = pw;
#endif
            lpctx c = c0;
            lpctx_bind(&c, wk);
            double *y = wk + lpctx_doubles(M, k), *lam = y + M;
            c.warm_ok =
                p->hybrid == KS__HYB_LF && ks__lp_warm_init(&c.warm, M, k + 1, c.W, c.wwork) == 0;
#pragma omp for schedule(dynamic, 8)
            for (size_t g = 0; g < ngrid; g++) {
                for (size_t i = 0; i < M; i++) y[i] = Y[i] - a1[i] * theta[g];
                if (surely_past_lf_cv(&c, y, cv)) {
                    accept[g] = 0;
                    continue;
                }
                const flci_hyb fh = {theta[g], fb, p->flci_half, fS};
                accept[g] = !cond_test(&c, y, p->alpha, p->kappa, p->hybrid, cv, &fh, lam);
            }
        }
    }
done:
    ks__free(ctx, work);
    return rc;
}
