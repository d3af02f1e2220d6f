/* honest_internal.h — the pieces of HonestDiD (Rambachan & Roth 2023) shared by its files: a
 * small dense LP solver, R's normal generator (for the least-favourable critical value R draws),
 * the folded and truncated normal quantiles, the FLCI and the ARP moment-inequality test. */
#ifndef KS_DID_HONEST_INTERNAL_H
#define KS_DID_HONEST_INTERNAL_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

#include "kestrel/base.h"

/* ---- honest_lp.c: minimise c'x subject to A_ub x <= b_ub (m_ub rows) and A_eq x = b_eq (m_eq
 * rows), x in R^n with x_j >= 0 where nonneg[j] (NULL: all free). Matrices row-major. Two-phase
 * tableau simplex with Bland's rule (no cycling); the optimal basis is then re-solved by LU so
 * that x and the duals carry no accumulated pivoting error. lambda (m_ub + m_eq, may be NULL):
 * the multipliers with c + A_ub' lambda_ub + A_eq' lambda_eq = reduced costs of the bounds
 * (lambda_ub >= 0). Returns the status; the work space is from ks__lp_work_size. */
enum { KS__LP_OPTIMAL = 0, KS__LP_INFEASIBLE = 2, KS__LP_UNBOUNDED = 3 };
size_t ks__lp_work_size(size_t n, size_t m_ub, size_t m_eq);
int ks__lp_solve(size_t n, size_t m_ub, size_t m_eq, const double *c, const double *A_ub,
                 const double *b_ub, const double *A_eq, const double *b_eq,
                 const unsigned char *nonneg, double *x, double *obj, double *lambda, double *work);

/* max y'x s.t. W'x = e1, x >= 0 (W: M x n row-major, n <= 64) for many y, each solve warm-started
 * from the last optimal basis: the dual of min eta s.t. y <= W (eta, delta). init finds a
 * feasible basis (-1: none, or W' rank deficient); max gives *val (-1: unbounded or a singular
 * basis: solve that y cold). Work space from ks__lp_warm_doubles; W must outlive w. */
typedef struct {
    size_t M, n;
    const double *W;
    double *T, *basis; /* the tableau ((n + 1) x (M + 1)); the basis labels (2n) */
} ks__lp_warm;
size_t ks__lp_warm_doubles(size_t M, size_t n);
int ks__lp_warm_init(ks__lp_warm *w, size_t M, size_t n, const double *W, double *work);
int ks__lp_warm_max(ks__lp_warm *w, const double *y, double *val);

/* ---- honest_rng.c: R's default generator (Mersenne twister seeded as set.seed(seed) seeds
 * it, normals by inversion), so that R's simulated critical values are reproduced. */
typedef struct {
    uint32_t mt[624];
    int mti;
} ks__rrng;
void ks__rrng_seed(ks__rrng *r, uint32_t seed);
double ks__rrng_unif(ks__rrng *r);
double ks__rrng_norm(ks__rrng *r);

/* ---- honest_dist.c ---- */
/* The 1 - alpha quantile of |N(mu, 1)|: x with P(|Z + mu| <= x) = 1 - alpha. */
double ks__qfoldnorm(double alpha, double mu);
/* The p quantile of the standard normal truncated to [lo, hi], accurate in either tail. */
double ks__qtruncnorm(double p, double lo, double hi);

/* ---- honest_flci.c: the FLCI for theta = l'beta_post under Delta^SD(M) (section 4.1), as R's
 * findOptimalFLCI: the affine estimator whose half-length h cv(M bias / h) is least, h found by
 * R's bisection on the numerical derivative. vec (npre + npost): the estimator's weights;
 * half: its half-length. */
int ks__honest_flci(ks_ctx *ctx, const double *sigma, size_t npre, size_t npost,
                    const double *l_vec, double M, double alpha, double *vec, double *half);

/* ---- honest_arp.c: the conditional / hybrid test of H0: theta = theta0 on the moments
 * A beta - d <= 0, inverted on a grid: with nuisance parameters (ARP, npost > 1; R's
 * .ARP_computeCI) or, with one post period, without (honest_arp_nonuis.c; R's
 * .APR_computeCI_NoNuis, on the rows of A that rows marks). */
typedef enum { KS__HYB_ARP = 0, KS__HYB_LF = 1, KS__HYB_FLCI = 2 } ks__hybrid;
typedef struct {
    size_t npre, npost, nrow; /* nrow moments in A (nrow x (npre + npost), row-major) */
    const double *A, *d;      /* d: nrow */
    const double *betahat, *sigma, *l_vec;
    const unsigned char *rows; /* rows entering the test (R's rowsForARP), NULL: all */
    double alpha, kappa;       /* size; the hybrid's first-stage size */
    ks__hybrid hybrid;
    const double *flci_vec; /* FLCI hybrid: the FLCI at size kappa, weights (npre + npost) */
    double flci_half;       /* and half-length */
} ks__arp_problem;
/* accept[g] = 1 when grid value theta[g] is not rejected (g < ngrid). */
int ks__arp_grid(ks_ctx *ctx, const ks__arp_problem *p, const double *theta, size_t ngrid,
                 unsigned char *accept);
/* The FLCI hybrid's first stage, R's max(A_firststage y - d_firststage) > 0: whether theta
 * lies outside the FLCI, |f'beta - theta| > h (fy = f'beta - theta). C-F's grid ends are the
 * FLCI's ends c -+ h, where |fy| = h but for rounding, and where the second stage's truncation
 * degenerates: there both R and this decide by rounding (R's through its CVXR f and h). */
static inline int ks__outside_flci(double fy, double h) { return fabs(fy) > h; }
int ks__arp_grid_nonuis(ks_ctx *ctx, const ks__arp_problem *p, const double *theta, size_t ngrid,
                        unsigned char *accept);
/* The least-favourable critical value's draws: set.seed(0) and mvtnorm's rmvnorm(sims, S)
 * (standard normals by row times the symmetric root V diag(sqrt(max(ev, 0))) V'); each draw
 * (M) is handed to stat, and the 1 - kappa quantile (R's type 7) of the finite statistics is
 * *out (NaN if none). S: M x M. The draws are made in order, then their statistics computed
 * by up to nthreads threads in fixed runs of consecutive draws, each run by one thread: stat
 * gets the thread's number (< nthreads, for its work space) and whether the draw starts a run
 * (a statistic that carries state from draw to draw restarts there, so that its values do not
 * depend on the thread count). */
typedef double (*ks__draw_stat)(void *state, int thread, int run_start, const double *draw);
int ks__lf_quantile(ks_ctx *ctx, const double *S, size_t M, double kappa, ks__draw_stat stat,
                    void *state, int nthreads, double *out);

/* ---- honest_moments.c: R's .create_A_SD: +-(second differences) <= M, 2 (T - 1) rows. */
size_t ks__honest_A_sd(size_t K, size_t P, double *A);
/* R's .create_A_RM(s, max_positive) with the reference column dropped: the
 * nonzero rows of +-(delta_{r+1} - delta_r) - (Mbar if post else 1) sign (delta_{s+1} -
 * delta_s) <= 0. Returns the row count; A is (2T) x T row-major. */
size_t ks__honest_A_rm(size_t K, size_t P, double Mbar, long s, int pos, double *A);
/* R's .create_A_SDRM the same way: +-(second differences) - (Mbar if post else 1) sign times
 * the second difference ending at period s, s in -(K - 2)..0. */
size_t ks__honest_A_sdrm(size_t K, size_t P, double Mbar, long s, int pos, double *A);

#endif
