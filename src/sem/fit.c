/* fit.c — lavaan's discrepancy functions with their analytic gradients, and the bounded
 * optimizer: Gauss-Newton / Fisher scoring (the expected information Delta' W Delta, W lavaan's
 * WLS.V) with a backtracking line search, bounds by projection with an active set, BFGS when
 * Gauss-Newton stalls. Equality constraints are solved by theta = t0 + K x (model.c), so the
 * optimizer moves x only. A fit allocates nothing: everything lives in the workspace. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "linalg/linalg_internal.h"
#include "sem/engine.h"

void ks__sem_work_free(ks__sem_work *w)
{
    if (!w) return;
    ks__release(&w->alloc, w->A);
    ks__release(&w->alloc, w->piv);
    ks__release(&w->alloc, w);
}

int ks__sem_work_new(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work **out)
{
    *out = NULL;
    const size_t n = m->m, p = m->p, ps = m->pstar, nt = m->ntheta, nx = m->nx;
    /* sizes are small (a table of at most a few hundred rows), but checked */
    ks__sem_work *w = ks__calloc(ctx, 1, sizeof *w);
    if (!w) return ks_errcode(ctx);
    w->alloc = ctx->alloc;
    const struct {
        double **dst;
        size_t size;
    } part[] = {{&w->A, n * n},       {&w->Sm, n * n},
                {&w->lu, n * n},      {&w->B, n * n},
                {&w->H, n * p},       {&w->T, n * p},
                {&w->sigma, p * p},   {&w->L, p * p},
                {&w->sinv, p * p},    {&w->M, p * p},
                {&w->sdat, p * p},    {&w->sdat_inv, p * p},
                {&w->svech, ps},      {&w->resid, ps},
                {&w->r, ps},          {&w->Wfull, ps * ps},
                {&w->dth, ps * nt},   {&w->dx, ps * nx},
                {&w->theta, nt},      {&w->x, nx},
                {&w->xnew, nx},       {&w->g, nx},
                {&w->gnew, nx},       {&w->d, nx},
                {&w->sy, nx},         {&w->info, nx * nx},
                {&w->hinv, nx * nx},  {&w->tmp, ps * nx + 2 * nx * nx + 4 * nx + 2 * ps + nt},
                {&w->xa, p * p * nx}, {&w->xb, p * p * nx},
                {&w->xc, p * p * nx}};
    const size_t nparts = sizeof part / sizeof *part;
    /* sizes are small (a table of at most a few hundred rows), but checked */
    size_t tot = 0;
    for (size_t i = 0; i < nparts; i++)
        if (!ks__size_add(tot, part[i].size + 1, &tot)) {
            ks__free(ctx, w);
            return ks__fail(ctx, KS_EOVERFLOW, "SEM workspace size overflows");
        }
    double *b = ks__calloc(ctx, tot, sizeof *b);
    size_t *ib = b ? ks__calloc(ctx, n + nx + 2, sizeof *ib) : NULL;
    if (!ib) {
        ks__free(ctx, b);
        ks__free(ctx, w);
        return ks_errcode(ctx);
    }
    for (size_t i = 0; i < nparts; i++) {
        *part[i].dst = b;
        b += part[i].size + 1;
    }
    w->piv = ib;
    w->act = ib + n + 1;
    *out = w;
    return KS_OK;
}

/* W = 0.5 D' (Si x Si) D over vech pairs (lavaan's WLS.V for ML at Sigma, for GLS at S). */
static void w_normal(size_t p, const double *Si, double *W)
{
    const size_t ps = p * (p + 1) / 2;
    size_t a = 0;
    for (size_t j = 0; j < p; j++)
        for (size_t i = j; i < p; i++, a++) {
            size_t b = 0;
            for (size_t l = 0; l < p; l++)
                for (size_t k = l; k < p; k++, b++) {
                    double v = Si[i + k * p] * Si[j + l * p] + Si[i + l * p] * Si[j + k * p];
                    if (i == j) v *= 0.5;
                    if (k == l) v *= 0.5;
                    W[a + b * ps] = v;
                }
        }
}

static void vech(size_t p, const double *S, double *v)
{
    for (size_t c = 0, k = 0; c < p; c++)
        for (size_t r = c; r < p; r++) v[k++] = S[r + c * p];
}

/* Checks and what a fit computes once from S: vech(S), and for ML and GLS S^-1 (and log|S|,
 * GLS's W). */
static int prepare(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb)
{
    const size_t p = m->p;
    if (!pb->S) return ks__fail(ctx, KS_EINVAL, "no sample covariance matrix");
    for (size_t i = 0; i < p * p; i++)
        if (!isfinite(pb->S[i]))
            return ks__fail(ctx, KS_ENUMERIC,
                            "the sample covariance matrix has a value that is "
                            "not finite");
    if ((pb->estimator == KS__SEM_WLS || pb->estimator == KS__SEM_DWLS) && !pb->W)
        return ks__fail(ctx, KS_EINVAL, "WLS and DWLS need the caller's weight matrix");
    if (pb->estimator == KS__SEM_WLS || pb->estimator == KS__SEM_DWLS) {
        const size_t nw = pb->estimator == KS__SEM_WLS ? m->pstar * m->pstar : m->pstar;
        for (size_t i = 0; i < nw; i++)
            if (!isfinite(pb->W[i]) || (pb->estimator == KS__SEM_DWLS && pb->W[i] < 0))
                return ks__fail(ctx, KS_EINVAL, "weight %zu is %s: the weights must be finite%s",
                                i + 1, isfinite(pb->W[i]) ? "negative" : "not finite",
                                pb->estimator == KS__SEM_DWLS ? " and not negative" : "");
    }
    memcpy(w->sdat, pb->S, p * p * sizeof *w->sdat);
    vech(p, pb->S, w->svech);
    if (pb->estimator == KS__SEM_ML || pb->estimator == KS__SEM_GLS) {
        memcpy(w->L, pb->S, p * p * sizeof *w->L);
        const int bad = ks__sem_chol(p, w->L, 1e-14);
        if (bad)
            return ks__fail(ctx, KS_ENUMERIC,
                            "the sample covariance matrix is not positive definite (observed "
                            "variable %d and the ones before it); %s needs it",
                            bad, pb->estimator == KS__SEM_ML ? "ML" : "GLS");
        w->logdet_s = ks__sem_chol_logdet(p, w->L);
        ks__sem_chol_inverse(p, w->L, w->sdat_inv);
        if (pb->estimator == KS__SEM_GLS) w_normal(p, w->sdat_inv, w->Wfull);
    }
    return KS_OK;
}

static void theta_of_x(const ks__sem_model *m, const double *x, double *theta)
{
    const size_t nt = m->ntheta;
    if (m->k_identity) {
        memcpy(theta, x, nt * sizeof *theta);
        return;
    }
    memcpy(theta, m->t0, nt * sizeof *theta);
    for (size_t j = 0; j < m->nx; j++) {
        const double *kc = m->K + j * nt;
        for (size_t k = 0; k < nt; k++)
            if (kc[k] != 0.0) theta[k] += kc[k] * x[j];
    }
}

/* F at the matrices in w (A, Sm already set): 0, or -1 when Sigma is not positive definite
 * (ML), I - A singular, or F not finite. Leaves Sigma^-1 (ML) and the residuals (others). */
static int objective(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb, double *F)
{
    const size_t p = m->p, ps = m->pstar;
    if (ks__sem_implied(m, w)) return -1;
    double f = 0.0;
    if (pb->estimator == KS__SEM_ML) {
        memcpy(w->L, w->sigma, p * p * sizeof *w->L);
        if (ks__sem_chol(p, w->L, 1e-14)) return -1;
        ks__sem_chol_inverse(p, w->L, w->sinv);
        double tr = 0.0;
        for (size_t i = 0; i < p * p; i++) tr += w->sdat[i] * w->sinv[i];
        f = ks__sem_chol_logdet(p, w->L) + tr - w->logdet_s - (double)p;
    } else {
        for (size_t c = 0, k = 0; c < p; c++)
            for (size_t r = c; r < p; r++, k++) w->resid[k] = w->svech[k] - w->sigma[r + c * p];
        if (pb->estimator == KS__SEM_ULS)
            for (size_t k = 0; k < ps; k++) f += w->resid[k] * w->resid[k];
        else if (pb->estimator == KS__SEM_DWLS)
            for (size_t k = 0; k < ps; k++) f += pb->W[k] * w->resid[k] * w->resid[k];
        else {
            const double *W = pb->estimator == KS__SEM_WLS ? pb->W : w->Wfull;
            for (size_t b = 0; b < ps; b++) {
                double s = 0.0;
                for (size_t a = 0; a < ps; a++) s += W[a + b * ps] * w->resid[a];
                f += s * w->resid[b];
            }
        }
    }
    if (!isfinite(f)) return -1;
    *F = f;
    return 0;
}

/* The vector r with d F / d theta = Delta' r, at the state objective() left. */
static void grad_weights(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb)
{
    const size_t p = m->p, ps = m->pstar;
    if (pb->estimator == KS__SEM_ML) { /* d F = tr(M d Sigma), M = Si - Si S Si */
        for (size_t j = 0; j < p; j++)
            for (size_t i = 0; i < p; i++) {
                double s = 0.0;
                for (size_t k = 0; k < p; k++) s += w->sdat[i + k * p] * w->sinv[k + j * p];
                w->T[i + j * p] = s; /* S Si (T is free scratch here: m x p >= p x p) */
            }
        for (size_t c = 0, k = 0; c < p; c++)
            for (size_t r = c; r < p; r++, k++) {
                double s = 0.0;
                for (size_t q = 0; q < p; q++) s += w->sinv[r + q * p] * w->T[q + c * p];
                w->r[k] = (w->sinv[r + c * p] - s) * (r == c ? 1.0 : 2.0);
            }
        return;
    }
    if (pb->estimator == KS__SEM_ULS || pb->estimator == KS__SEM_DWLS) {
        for (size_t k = 0; k < ps; k++)
            w->r[k] = -2.0 * (pb->estimator == KS__SEM_ULS ? 1.0 : pb->W[k]) * w->resid[k];
        return;
    }
    const double *W = pb->estimator == KS__SEM_WLS ? pb->W : w->Wfull;
    for (size_t a = 0; a < ps; a++) {
        double s = 0.0;
        for (size_t b = 0; b < ps; b++) s += W[a + b * ps] * w->resid[b];
        w->r[a] = -2.0 * s;
    }
}

/* Delta in x for the x not held (w->dx, pstar x nx; held columns untouched). */
static void delta_x(const ks__sem_model *m, ks__sem_work *w, const unsigned char *hold)
{
    const size_t ps = m->pstar, nt = m->ntheta, nx = m->nx;
    if (m->k_identity) {
        for (size_t j = 0; j < nx; j++)
            if (!hold || !hold[j]) ks__sem_delta_col(m, w, j, w->dx + j * ps);
        return;
    }
    for (size_t k = 0; k < nt; k++) {
        int need = 0;
        for (size_t j = 0; j < nx && !need; j++)
            need = m->K[k + j * nt] != 0.0 && (!hold || !hold[j]);
        if (need) ks__sem_delta_col(m, w, k, w->dth + k * ps);
    }
    for (size_t j = 0; j < nx; j++) {
        if (hold && hold[j]) continue;
        double *c = w->dx + j * ps;
        memset(c, 0, ps * sizeof *c);
        for (size_t k = 0; k < nt; k++) {
            const double f = m->K[k + j * nt];
            if (f != 0.0)
                for (size_t a = 0; a < ps; a++) c[a] += f * w->dth[a + k * ps];
        }
    }
}

/* The weight matrix of the expected information at the current state: 1 full (in *W), 0
 * diagonal (in *W, or NULL for ULS's identity). */
static int info_weight(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                       const double **W)
{
    switch (pb->estimator) {
    case KS__SEM_ML:
        w_normal(m->p, w->sinv, w->Wfull);
        *W = w->Wfull;
        return 1;
    case KS__SEM_GLS: *W = w->Wfull; return 1;
    case KS__SEM_WLS: *W = pb->W; return 1;
    case KS__SEM_DWLS: *W = pb->W; return 0;
    default: *W = NULL; return 0;
    }
}

/* ML's and GLS's information without their weight matrix: W = 0.5 D'(A x A) D (A = Sigma^-1,
 * or S^-1), so Delta_a' W Delta_b = 0.5 tr(A X_a A X_b) = 0.5 <U_a, U_b'> with X the symmetric
 * matrix whose vech is a Delta column and U = A X. Two matrix products over all parameters at
 * once (U = A [X_1 .. X_n], then the n x n inner products), O(n p^3 + n^2 p^2) in BLAS, instead
 * of O(n pstar^2) with W, whose p^4 makes a 60-variable model take seconds per iteration. */
static void information_normal(const ks__sem_model *m, ks__sem_work *w, const double *A,
                               const size_t *idx, size_t n, double *out)
{
    const size_t p = m->p, ps = m->pstar, pp = p * p;
    double *X = w->xa, *U = w->xb, *Q = w->xc;
    for (size_t b = 0; b < n; b++) { /* X = [X_1 .. X_n], p x np */
        const double *db = w->dx + idx[b] * ps;
        double *Xb = X + b * pp;
        for (size_t c = 0, k = 0; c < p; c++)
            for (size_t r = c; r < p; r++, k++) Xb[r + c * p] = Xb[c + r * p] = db[k];
    }
    /* sizes are the model's (checked when the workspace was made); were BLAS to refuse them,
       the information is NaN and the fit fails, never silently */
    if (ks__dgemm(NULL, 'N', 'N', p, n * p, p, 1.0, A, p, X, p, 0.0, U, p) != KS_OK) {
        for (size_t i = 0; i < n * n; i++) out[i] = NAN;
        return;
    }
    for (size_t b = 0; b < n; b++) { /* Q_b = U_b' */
        const double *Ub = U + b * pp;
        double *Qb = Q + b * pp;
        for (size_t c = 0; c < p; c++)
            for (size_t r = 0; r < p; r++) Qb[r + c * p] = Ub[c + r * p];
    }
    if (ks__dgemm(NULL, 'T', 'N', n, n, pp, 0.5, U, pp, Q, pp, 0.0, out, n) != KS_OK) {
        for (size_t i = 0; i < n * n; i++) out[i] = NAN;
        return;
    }
    for (size_t b = 0; b < n; b++) /* exactly symmetric */
        for (size_t a = 0; a < b; a++)
            out[a + b * n] = out[b + a * n] = 0.5 * (out[a + b * n] + out[b + a * n]);
}

/* Delta_x' W Delta_x over the x listed in idx (n of them) into out (n x n). */
static void information(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                        const size_t *idx, size_t n, double *out)
{
    if (pb->estimator == KS__SEM_ML || pb->estimator == KS__SEM_GLS) {
        information_normal(m, w, pb->estimator == KS__SEM_ML ? w->sinv : w->sdat_inv, idx, n, out);
        return;
    }
    const size_t ps = m->pstar;
    const double *W;
    const int full = info_weight(m, w, pb, &W);
    double *wd = w->tmp + 2 * m->nx * m->nx + 4 * m->nx; /* W Delta_x column */
    for (size_t b = 0; b < n; b++) {
        const double *db = w->dx + idx[b] * ps;
        if (full)
            for (size_t a = 0; a < ps; a++) {
                double s = 0.0;
                for (size_t q = 0; q < ps; q++) s += W[a + q * ps] * db[q];
                wd[a] = s;
            }
        else
            for (size_t a = 0; a < ps; a++) wd[a] = (W ? W[a] : 1.0) * db[a];
        for (size_t a = 0; a <= b; a++) {
            const double *da = w->dx + idx[a] * ps;
            double s = 0.0;
            for (size_t q = 0; q < ps; q++) s += da[q] * wd[q];
            out[a + b * n] = out[b + a * n] = s;
        }
    }
}

/* F, its gradient in x (zero for held x) and Delta_x at x. -1: not a valid point. */
static int eval_x(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                  const double *x, double *F, double *g)
{
    theta_of_x(m, x, w->theta);
    ks__sem_set_theta(m, w, w->theta);
    if (objective(m, w, pb, F)) return -1;
    if (!g) return 0;
    grad_weights(m, w, pb);
    delta_x(m, w, pb->hold);
    const size_t ps = m->pstar;
    for (size_t j = 0; j < m->nx; j++) {
        g[j] = 0.0;
        if (pb->hold && pb->hold[j]) continue;
        const double *c = w->dx + j * ps;
        for (size_t a = 0; a < ps; a++) g[j] += c[a] * w->r[a];
    }
    return 0;
}

/* The x that move now: not held, and not on a bound the gradient pushes against. */
static size_t free_set(const ks__sem_model *m, const ks__sem_problem *pb, const double *x,
                       const double *g, size_t *idx, double *maxg)
{
    size_t n = 0;
    *maxg = 0.0;
    for (size_t j = 0; j < m->nx; j++) {
        if (pb->hold && pb->hold[j]) continue;
        if ((x[j] <= m->lower[j] && g[j] > 0) || (x[j] >= m->upper[j] && g[j] < 0)) continue;
        idx[n++] = j;
        *maxg = fmax(*maxg, fabs(g[j]));
    }
    return n;
}

/* Backtracking along d (over idx) from x, projected on the bounds; on success xnew, F, gnew
 * hold the new point. Armijo's sufficient decrease; a step whose predicted decrease is below
 * what F can resolve (near the optimum, where only the gradient still carries information)
 * is taken whole. */
static int line_search(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                       const size_t *idx, size_t n, double *F)
{
    const size_t nx = m->nx;
    const double floor = 1e3 * DBL_EPSILON * fmax(1.0, fabs(*F));
    for (double alpha = 1.0; alpha > 1e-12; alpha *= 0.5) {
        memcpy(w->xnew, w->x, nx * sizeof *w->x);
        double slope = 0.0;
        int moved = 0;
        for (size_t i = 0; i < n; i++) {
            const size_t j = idx[i];
            w->xnew[j] = fmin(fmax(w->x[j] + alpha * w->d[i], m->lower[j]), m->upper[j]);
            slope += w->g[j] * (w->xnew[j] - w->x[j]);
            moved |= w->xnew[j] != w->x[j];
        }
        if (!moved) return -1;
        double Fn;
        if (eval_x(m, w, pb, w->xnew, &Fn, w->gnew)) continue;
        if (Fn <= *F + 1e-4 * slope || (alpha == 1.0 && -slope <= floor && Fn <= *F + floor)) {
            *F = Fn;
            return 0;
        }
    }
    return -1;
}

static void accept(ks__sem_work *w, size_t nx)
{
    double *t = w->x;
    w->x = w->xnew;
    w->xnew = t;
    t = w->g;
    w->g = w->gnew;
    w->gnew = t;
    (void)nx;
}

/* A step below 4 ulps of every x it moves: x is at the optimum to rounding, however F and its
 * gradient are scaled (GenomicSEM's weights reach 1e8). */
static int negligible(const ks__sem_work *w, const size_t *idx, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (fabs(w->d[i]) > 4.0 * DBL_EPSILON * fabs(w->x[idx[i]])) return 0;
    return 1;
}

/* Solve (2 I) d = -g over the free set (d in w->d); a singular I gets a growing ridge. */
static int gn_direction(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                        const size_t *idx, size_t n)
{
    double *I = w->info, *C = w->tmp;
    information(m, w, pb, idx, n, I);
    double dmax = 0.0;
    for (size_t i = 0; i < n; i++) dmax = fmax(dmax, I[i + i * n]);
    for (double ridge = 0.0; ridge <= dmax; ridge = ridge ? ridge * 100.0 : 1e-10 * dmax) {
        for (size_t i = 0; i < n * n; i++) C[i] = 2.0 * I[i];
        for (size_t i = 0; i < n; i++) C[i + i * n] += 2.0 * ridge;
        if (ks__sem_chol(n, C, 1e-15)) continue;
        for (size_t i = 0; i < n; i++) w->d[i] = -w->g[idx[i]];
        ks__sem_chol_solve(n, C, w->d);
        return 0;
    }
    return -1;
}

/* BFGS on the x that are free when it starts (bounds by projection; an x that reaches a
 * bound stays there), from the Gauss-Newton matrix. */
static void bfgs(const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb, double *F,
                 int max_iter, ks__sem_fit_info *info)
{
    const size_t nx = m->nx;
    size_t *idx = w->act;
    double maxg;
    size_t n = free_set(m, pb, w->x, w->g, idx, &maxg);
    double *Hi = w->hinv, *s = w->sy, *y = w->tmp + nx * nx;
    if (!n) return;
    information(m, w, pb, idx, n, w->info);
    for (size_t i = 0; i < n * n; i++) w->info[i] *= 2.0;
    if (ks__sem_chol(n, w->info, 1e-15) == 0)
        ks__sem_chol_inverse(n, w->info, Hi);
    else { /* a singular information: start from the identity */
        for (size_t i = 0; i < n * n; i++) Hi[i] = 0.0;
        for (size_t i = 0; i < n; i++) Hi[i + i * n] = 1.0;
    }
    for (int it = 0; it < max_iter; it++) {
        maxg = 0.0;
        for (size_t i = 0; i < n; i++) maxg = fmax(maxg, fabs(w->g[idx[i]]));
        info->max_grad = maxg;
        if (maxg <= pb->gtol) {
            info->status = KS__SEM_CONVERGED;
            return;
        }
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            for (size_t k = 0; k < n; k++) v -= Hi[i + k * n] * w->g[idx[k]];
            w->d[i] = v;
        }
        if (negligible(w, idx, n)) {
            info->status = KS__SEM_CONVERGED;
            return;
        }
        if (line_search(m, w, pb, idx, n, F)) return;
        info->iterations++;
        double sy = 0.0;
        for (size_t i = 0; i < n; i++) {
            s[i] = w->xnew[idx[i]] - w->x[idx[i]];
            y[i] = w->gnew[idx[i]] - w->g[idx[i]];
            sy += s[i] * y[i];
        }
        accept(w, nx);
        if (!(sy > 1e-300)) continue;
        double *hy = w->tmp + nx * nx + nx; /* Hi y */
        double yhy = 0.0;
        for (size_t i = 0; i < n; i++) {
            double v = 0.0;
            for (size_t k = 0; k < n; k++) v += Hi[i + k * n] * y[k];
            hy[i] = v;
            yhy += y[i] * v;
        }
        for (size_t i = 0; i < n; i++)
            for (size_t k = 0; k < n; k++)
                Hi[i + k * n] +=
                    ((sy + yhy) * s[i] * s[k]) / (sy * sy) - (hy[i] * s[k] + s[i] * hy[k]) / sy;
    }
}

int ks__sem_fit(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb0,
                double *est, ks__sem_fit_info *info)
{
    ks__sem_problem pb = *pb0;
    if (!(pb.gtol > 0)) pb.gtol = 1e-10;
    if (pb.max_iter <= 0) pb.max_iter = 200;
    memset(info, 0, sizeof *info);
    info->status = KS__SEM_NOT_CONVERGED;
    int rc = prepare(ctx, m, w, &pb);
    if (rc) return rc;
    const size_t nx = m->nx;
    for (size_t j = 0; j < nx; j++) {
        const double v = est[m->theta_row[m->x_theta[j]]];
        if (!isfinite(v))
            return ks__fail(ctx, KS_EINVAL, "the start value of '%s' is not finite",
                            m->name[m->theta_row[m->x_theta[j]]]);
        w->x[j] = pb.hold && pb.hold[j] ? v : fmin(fmax(v, m->lower[j]), m->upper[j]);
    }
    for (size_t i = 0; i < m->nrow; i++)
        if (m->row[i].kind != KS__SEM_ROW_OTHER && m->row_theta[i] < 0 && !isfinite(est[i]))
            return ks__fail(ctx, KS_EINVAL, "the fixed value of '%s' is not finite", m->name[i]);
    ks__sem_fill(m, w, est);
    double F;
    if (eval_x(m, w, &pb, w->x, &F, w->g))
        return ks__fail(ctx, KS_ENUMERIC,
                        "the start values give an implied covariance matrix that is not "
                        "positive definite (or I - A singular)");
    size_t *idx = w->act;
    int stalled = 0, slow = 0;
    double last = HUGE_VAL;
    for (;;) {
        double maxg;
        const size_t n = free_set(m, &pb, w->x, w->g, idx, &maxg);
        info->max_grad = maxg;
        if (maxg <= pb.gtol) {
            info->status = KS__SEM_CONVERGED;
            break;
        }
        /* Fisher scoring converges linearly where the model misfits (it leaves out the
           residual term of the Hessian); BFGS from its matrix takes over when it slows */
        slow = maxg > 0.3 * last ? slow + 1 : 0;
        last = maxg;
        if (info->iterations >= pb.max_iter || slow >= 3 || gn_direction(m, w, &pb, idx, n)) {
            stalled = 1;
            break;
        }
        if (negligible(w, idx, n)) {
            info->status = KS__SEM_CONVERGED;
            break;
        }
        if (line_search(m, w, &pb, idx, n, &F)) {
            stalled = 1;
            break;
        }
        accept(w, nx);
        info->iterations++;
    }
    if (stalled) {
        info->bfgs = 1;
        bfgs(m, w, &pb, &F, 20 * pb.max_iter, info);
        /* the state must be the accepted point's (the line search may end elsewhere) */
        if (eval_x(m, w, &pb, w->x, &F, NULL))
            return ks__fail(ctx, KS_ENUMERIC, "the fit ended at a point that is not valid");
    }
    theta_of_x(m, w->x, w->theta);
    for (size_t k = 0; k < m->ntheta; k++) est[m->theta_row[k]] = w->theta[k];
    info->fx = F;
    info->fmin = pb.estimator == KS__SEM_ML ? 0.5 * F : 0.5 * (pb.nobs - 1.0) / pb.nobs * F;
    return KS_OK;
}

/* The state at est (all rows): Sigma, F, r, and (want_delta) Delta for every theta. */
static int state_at(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                    const double *est, double *F)
{
    int rc = prepare(ctx, m, w, pb);
    if (rc) return rc;
    ks__sem_fill(m, w, est);
    if (objective(m, w, pb, F))
        return ks__fail(ctx, KS_ENUMERIC,
                        "the implied covariance matrix is not positive definite (or I - A is "
                        "singular) at these values");
    for (size_t k = 0; k < m->ntheta; k++) ks__sem_delta_col(m, w, k, w->dth + k * m->pstar);
    return KS_OK;
}

int ks__sem_evaluate(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w,
                     const ks__sem_problem *pb, const double *est, double *sigma, double *fx,
                     double *grad, double *delta)
{
    double F;
    const int rc = state_at(ctx, m, w, pb, est, &F);
    if (rc) return rc;
    const size_t ps = m->pstar, nt = m->ntheta;
    if (sigma) memcpy(sigma, w->sigma, m->p * m->p * sizeof *sigma);
    if (fx) *fx = F;
    if (delta) memcpy(delta, w->dth, ps * nt * sizeof *delta);
    if (grad) {
        grad_weights(m, w, pb);
        for (size_t k = 0; k < nt; k++) {
            double s = 0.0;
            for (size_t a = 0; a < ps; a++) s += w->dth[a + k * ps] * w->r[a];
            grad[k] = s;
        }
    }
    return KS_OK;
}

int ks__sem_weight(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                   const double *est, double *W)
{
    double F;
    const int rc = state_at(ctx, m, w, pb, est, &F);
    if (rc) return rc;
    const size_t ps = m->pstar;
    const double *Wi;
    const int full = info_weight(m, w, pb, &Wi);
    if (full) {
        memcpy(W, Wi, ps * ps * sizeof *W);
        return KS_OK;
    }
    memset(W, 0, ps * ps * sizeof *W);
    for (size_t a = 0; a < ps; a++) W[a + a * ps] = Wi ? Wi[a] : 1.0;
    return KS_OK;
}

int ks__sem_vcov(ks_ctx *ctx, const ks__sem_model *m, ks__sem_work *w, const ks__sem_problem *pb,
                 const double *est, const double *V, double *vcov)
{
    double F;
    int rc = state_at(ctx, m, w, pb, est, &F);
    if (rc) return rc;
    const size_t ps = m->pstar, nt = m->ntheta, nx = m->nx;
    delta_x(m, w, pb->hold);
    size_t *idx = w->act, n = 0;
    for (size_t j = 0; j < nx; j++)
        if (!pb->hold || !pb->hold[j]) idx[n++] = j;
    double *I = w->info, *C = w->hinv;
    information(m, w, pb, idx, n, I);
    memcpy(C, I, n * n * sizeof *C);
    const int bad = ks__sem_chol(n, C, 1e-12);
    if (bad)
        return ks__fail(ctx, KS_ENUMERIC,
                        "the information matrix is singular: the model is not identified "
                        "('%s' is involved)",
                        m->name[m->theta_row[m->x_theta[idx[bad - 1]]]]);
    ks__sem_chol_inverse(n, C, I); /* bread in x, n x n */
    double *Om = I;
    if (V) { /* Omega = bread L' V L bread, L = W Delta_x */
        const double *W;
        const int full = info_weight(m, w, pb, &W);
        double *L = w->dth; /* (Delta in theta is no longer needed) */
        for (size_t b = 0; b < n; b++) {
            const double *db = w->dx + idx[b] * ps;
            for (size_t a = 0; a < ps; a++) {
                double s = 0.0;
                if (full)
                    for (size_t q = 0; q < ps; q++) s += W[a + q * ps] * db[q];
                else
                    s = (W ? W[a] : 1.0) * db[a];
                L[a + b * ps] = s;
            }
        }
        double *VL = w->dx; /* V L, pstar x n (Delta_x no longer needed) */
        for (size_t b = 0; b < n; b++)
            for (size_t a = 0; a < ps; a++) {
                double s = 0.0;
                for (size_t q = 0; q < ps; q++) s += V[a + q * ps] * L[q + b * ps];
                VL[a + b * ps] = s;
            }
        double *meat = C, *tmp = w->tmp;
        for (size_t b = 0; b < n; b++)
            for (size_t a = 0; a < n; a++) {
                double s = 0.0;
                for (size_t q = 0; q < ps; q++) s += L[q + a * ps] * VL[q + b * ps];
                meat[a + b * n] = s;
            }
        for (size_t b = 0; b < n; b++) /* tmp = meat bread */
            for (size_t a = 0; a < n; a++) {
                double s = 0.0;
                for (size_t q = 0; q < n; q++) s += meat[a + q * n] * I[q + b * n];
                tmp[a + b * n] = s;
            }
        for (size_t b = 0; b < n; b++) /* Omega = bread tmp, into C */
            for (size_t a = 0; a < n; a++) {
                double s = 0.0;
                for (size_t q = 0; q < n; q++) s += I[a + q * n] * tmp[q + b * n];
                C[a + b * n] = s;
            }
        Om = C;
    } else {
        const double div = pb->estimator == KS__SEM_ML ? pb->nobs : pb->nobs - 1.0;
        for (size_t i = 0; i < n * n; i++) I[i] /= div;
    }
    /* theta's covariance: K Omega K' over the x not held */
    for (size_t b = 0; b < nt; b++)
        for (size_t a = 0; a < nt; a++) {
            double s = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double ka = m->K[a + idx[i] * nt];
                if (ka == 0.0) continue;
                for (size_t k = 0; k < n; k++) s += ka * Om[i + k * n] * m->K[b + idx[k] * nt];
            }
            vcov[a + b * nt] = s;
        }
    return KS_OK;
}
