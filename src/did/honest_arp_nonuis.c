/* honest_arp_nonuis.c — the conditional and hybrid tests of H0: tau = theta with one post period,
 * where there is no nuisance parameter (Andrews, Roth & Pakes; R HonestDiD's
 * .testInIdentifiedSet, its LF and FLCI hybrids and .APR_computeCI_NoNuis).
 *
 * With y = beta - theta e_post and the moments normalised to unit sd (At = D^-1 A, dt = D^-1 d),
 * the statistic is the largest normalised moment At_m y - dt_m. Conditioning on its location m
 * (and on the FLCI's |f'y| <= h for the FLCI hybrid), At_m y is a normal truncated to
 * [vlo, vup] (Lee et al.'s polyhedral lemma), and the test rejects when At_m y exceeds
 * max(0, its 1 - alpha quantile). The LF hybrid first rejects when the statistic passes the
 * 1 - kappa quantile of max_i (A y)_i / sd_i over R's 1000 draws of y ~ N(0, A Sigma A'). */
#include <math.h>
#include <string.h>

#include "base/base_internal.h"
#include "honest_internal.h"

typedef struct {
    size_t n, T;
    const double *At, *dt; /* n x T normalised moments (row-major), n */
    const double *G;       /* At Sigma At' (n x n) */
    const double *Ab, *aK; /* At beta, At e_post: At y = Ab - theta aK */
    const double *fS;      /* At Sigma f (FLCI hybrid) */
    double fb, fK, h;      /* f'beta, f_post, the FLCI's half-length */
} nonuis;

/* the largest moment's location (R's which.max: the first of ties) */
static size_t argmax_moment(const nonuis *q, double theta, double *maxm)
{
    size_t m = 0;
    double best = -INFINITY;
    for (size_t i = 0; i < q->n; i++) {
        const double v = q->Ab[i] - theta * q->aK[i] - q->dt[i];
        if (v > best) best = v, m = i;
    }
    *maxm = best;
    return m;
}

/* Lee et al.'s truncation of gamma'y given the rest of y: over the rows a z <= b with a c
 * of either sign, c = Sigma gamma / gamma'Sigma gamma, z = y - c gamma'y (R's .VLoVUpFN). */
static void trunc_bound(double ac, double b, double az, double *vlo, double *vup)
{
    if (ac < 0) *vlo = fmax(*vlo, (b - az) / ac);
    if (ac > 0) *vup = fmin(*vup, (b - az) / ac);
}

/* 1 when theta is rejected */
static int test_theta(const nonuis *q, double theta, double alpha, double kappa, ks__hybrid hyb,
                      double lf_cv)
{
    double maxm;
    const size_t m = argmax_moment(q, theta, &maxm), n = q->n;
    if (hyb == KS__HYB_LF && maxm > lf_cv) return 1;
    const double fy = q->fb - theta * q->fK;
    if (hyb == KS__HYB_FLCI && ks__outside_flci(fy, q->h)) return 1;
    const double size = hyb == KS__HYB_ARP ? alpha : (alpha - kappa) / (1 - kappa);
    const double gSg = q->G[m * n + m], gy = q->Ab[m] - theta * q->aK[m];
    double vlo = -INFINITY, vup = INFINITY;
    /* rows Abar_i = At_i - At_m, dbar_i = dt_i - dt_m */
    for (size_t i = 0; i < n; i++) {
        const double ac = (q->G[i * n + m] - gSg) / gSg;
        const double ay = (q->Ab[i] - theta * q->aK[i]) - gy;
        trunc_bound(ac, q->dt[i] - q->dt[m], ay - ac * gy, &vlo, &vup);
    }
    if (hyb == KS__HYB_FLCI) { /* the first stage's rows +-f'y <= h */
        const double fc = q->fS[m] / gSg;
        trunc_bound(fc, q->h, fy - fc * gy, &vlo, &vup);
        trunc_bound(-fc, q->h, -(fy - fc * gy), &vlo, &vup);
    }
    const double mu = q->dt[m], sb = sqrt(gSg);
    const double cv =
        fmax(0.0, mu + sb * ks__qtruncnorm(1 - size, (vlo - mu) / sb, (vup - mu) / sb));
    return maxm + q->dt[m] > cv;
}

typedef struct {
    size_t n;
    const double *sd;
} maxstat;

/* R's rowMaxs of the draws scaled by their sd */
static double max_of_draw(void *state, int thread, int run_start, const double *xi)
{
    (void)thread, (void)run_start;
    const maxstat *s = state;
    double mx = -INFINITY;
    for (size_t i = 0; i < s->n; i++) mx = fmax(mx, xi[i] / s->sd[i]);
    return mx;
}

int ks__arp_grid_nonuis(ks_ctx *ctx, const ks__arp_problem *p, const double *theta, size_t ngrid,
                        unsigned char *accept)
{
    const size_t T = p->npre + p->npost, K = p->npre;
    size_t n = 0;
    for (size_t i = 0; i < p->nrow; i++) n += !p->rows || p->rows[i];
    double *w = ks__malloc_array(ctx, n * T * 2 + n * n * 2 + 6 * n + T, sizeof *w);
    if (!w) return KS_ENOMEM;
    double *At = w, *SA = At + n * T, *S = SA + n * T, *G = S + n * n, *dt = G + n * n;
    double *sd = dt + n, *Ab = sd + n, *aK = Ab + n, *fS = aK + n, *Sf = fS + n;
    for (size_t i = 0, r = 0; i < p->nrow; i++)
        if (!p->rows || p->rows[i]) memcpy(At + r++ * T, p->A + i * T, T * sizeof *At);
    /* SA = A Sigma (sigma symmetric), S = A Sigma A' */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < T; j++) {
            double v = 0.0;
            for (size_t q = 0; q < T; q++) v += At[i * T + q] * p->sigma[q * T + j];
            SA[i * T + j] = v;
        }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double v = 0.0;
            for (size_t q = 0; q < T; q++) v += SA[i * T + q] * At[j * T + q];
            S[i * n + j] = v;
        }
    for (size_t i = 0, r = 0; i < p->nrow; i++)
        if (!p->rows || p->rows[i]) dt[r++] = p->d[i];
    for (size_t i = 0; i < n; i++) sd[i] = sqrt(S[i * n + i]);
    for (size_t i = 0; i < n; i++) {
        dt[i] /= sd[i];
        double b = 0.0;
        for (size_t j = 0; j < T; j++) {
            At[i * T + j] /= sd[i];
            b += At[i * T + j] * p->betahat[j];
        }
        Ab[i] = b;
        aK[i] = At[i * T + K];
        for (size_t j = 0; j < n; j++) G[i * n + j] = S[i * n + j] / (sd[i] * sd[j]);
    }
    nonuis q = {.n = n, .T = T, .At = At, .dt = dt, .G = G, .Ab = Ab, .aK = aK, .fS = fS};
    if (p->hybrid == KS__HYB_FLCI) {
        q.h = p->flci_half, q.fK = p->flci_vec[K];
        for (size_t j = 0; j < T; j++) {
            double v = 0.0;
            for (size_t k = 0; k < T; k++) v += p->sigma[j * T + k] * p->flci_vec[k];
            Sf[j] = v;
            q.fb += p->flci_vec[j] * p->betahat[j];
        }
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            for (size_t j = 0; j < T; j++) v += At[i * T + j] * Sf[j];
            fS[i] = v;
        }
    }
    double cv = NAN;
    int rc = KS_OK;
    if (p->hybrid == KS__HYB_LF) {
        maxstat st = {n, sd};
        rc = ks__lf_quantile(ctx, S, n, p->kappa, max_of_draw, &st, 1, &cv);
    }
    for (size_t g = 0; g < ngrid && rc == KS_OK; g++)
        accept[g] = !test_theta(&q, theta[g], p->alpha, p->kappa, p->hybrid, cv);
    ks__free(ctx, w);
    return rc;
}
