/* lstsq.c — weighted least squares by Householder QR with in-order rank detection and
 * iterative refinement of the augmented system in double-double arithmetic.
 *
 * Björck (1967), "Iterative refinement of linear least squares solutions I"; Higham, "Accuracy
 * and Stability of Numerical Algorithms" (2002), ch. 20. The system
 *     [I  A ] [r]   [b]
 *     [A' 0 ] [x] = [c]
 * is solved with the QR factors of A; its residuals (b - r - A x, c - A' r) are computed in
 * double-double so that each step gains about -log10(cond(A) eps) digits. With b = sqrt(w) y and
 * c = 0 this is the least-squares fit; with b = 0 and c = -e_j, x is column j of (A'A)^-1.
 * A = sqrt(w) X D^-1 with D the column norms rounded to powers of two, so the scaling is exact. */
#include <math.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "linalg/dd.h"
#include "linalg/linalg_internal.h"

#define KS_REFINE_COV_COND 1e3 /* AUTO: refine (A'A)^-1 above this cond(R) */

static const ks__enum_entry refine_names[] = {
    {"auto", KS_REFINE_AUTO}, {"never", KS_REFINE_NEVER}, {"always", KS_REFINE_ALWAYS}};
KS__ENUM_FUNCS(ks_refine_mode, ks_refine_mode, "refine", refine_names)

/* The fit; the view's fields, writable, and the allocator that frees it. */
struct ks_lstsq_result {
    ks_allocator alloc;
    size_t n, k, rank;
    double *coef;
    unsigned char *dropped;
    double *cov_unscaled, *resid;
    double rss, cond;
    int refine_iters;
};

void ks_lstsq_get(const ks_lstsq_result *r, ks_lstsq_view *out)
{
    *out = (ks_lstsq_view){.n = r->n,
                           .k = r->k,
                           .rank = r->rank,
                           .coef = r->coef,
                           .dropped = r->dropped,
                           .cov_unscaled = r->cov_unscaled,
                           .resid = r->resid,
                           .rss = r->rss,
                           .cond = r->cond,
                           .refine_iters = r->refine_iters};
}

double *ks__lstsq_take_resid(ks_lstsq_result *r)
{
    double *e = r->resid;
    r->resid = NULL;
    return e;
}

typedef struct {
    size_t n, k, nk;   /* rows, columns, kept columns */
    const double *X;   /* caller's, n x k, leading dimension ldx */
    const double *Xlo; /* caller's low-order parts of X, or NULL */
    size_t ldx;
    const double *sw; /* sqrt(w), NULL for unit weights */
    size_t *kept;     /* nk original column indices */
    double *dinv;     /* k: 1 / D_j, a power of two */
    double *V;        /* n x nk Householder vectors (unit diagonal implied) */
    double *tau;      /* nk, then k scratch (factor's column norms) */
    double *R;        /* nk x nk upper triangle, leading dimension k */
    double **zcols;   /* k + 1: the columns a reflector is applied to (factor) */
} qr_state;

/* The norm of the column (x times sw, if given): one pass for the largest magnitude and the sum
 * of squares, a second, scaled, only for extreme magnitudes. */
static double norm_finish(const double *x, const double *sw, size_t n, double big, double s)
{
    if (big == 0.0) return 0.0;
    if (big > 1e-140 && big < 1e140)
        return sqrt(s);           /* the squares' sum cannot overflow or vanish */
    const double inv = 1.0 / big; /* extreme magnitudes: scale first */
    s = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double v = (sw ? x[i] * sw[i] : x[i]) * inv;
        s += v * v;
    }
    return big * sqrt(s);
}

static double col_norm(const double *x, const double *sw, size_t n)
{
    double big = 0.0, s = 0.0;
    for (size_t i = 0; i < n; i++) {
        const double v = sw ? x[i] * sw[i] : x[i], a = fabs(v);
        big = a > big ? a : big;
        s += v * v;
    }
    return norm_finish(x, sw, n, big, s);
}

/* col_norm of the k columns x + j ld into out, four to a pass (each column's sums as col_norm
 * adds them: the same bits, the four chains in flight together). */
static void col_norms(const double *x, size_t ld, const double *sw, size_t n, size_t k, double *out)
{
    for (size_t j0 = 0; j0 < k; j0 += 4) {
        const size_t nc = k - j0 < 4 ? k - j0 : 4;
        const double *c[4];
        for (size_t t = 0; t < 4; t++) c[t] = x + (j0 + (t < nc ? t : 0)) * ld;
        double big[4] = {0.0, 0.0, 0.0, 0.0}, s[4] = {0.0, 0.0, 0.0, 0.0};
        for (size_t i = 0; i < n; i++)
            for (size_t t = 0; t < 4; t++) {
                const double v = sw ? c[t][i] * sw[i] : c[t][i], a = fabs(v);
                big[t] = a > big[t] ? a : big[t];
                s[t] += v * v;
            }
        for (size_t t = 0; t < nc; t++) out[j0 + t] = norm_finish(c[t], sw, n, big[t], s[t]);
    }
}

/* z[i..n) <- H_i z[i..n) for reflector i (I - tau u u', u[i] = 1). */
static void apply_reflector(const qr_state *q, size_t i, double *z)
{
    const double *u = q->V + i * q->n;
    double s = z[i];
    for (size_t r = i + 1; r < q->n; r++) s += u[r] * z[r];
    s *= q->tau[i];
    z[i] -= s;
    for (size_t r = i + 1; r < q->n; r++) z[r] -= s * u[r];
}

static void apply_qt(const qr_state *q, double *z)
{
    for (size_t i = 0; i < q->nk; i++) apply_reflector(q, i, z);
}

static void apply_q(const qr_state *q, double *z)
{
    for (size_t i = q->nk; i-- > 0;) apply_reflector(q, i, z);
}

/* z_t <- H_i z_t for the nz columns z[t] at once (right-looking): each column's dot product and
 * update are apply_reflector's, operation for operation, with up to four columns' sums in flight
 * together. */
static void apply_reflector_cols(const qr_state *q, size_t i, double *const *z, size_t nz)
{
    const double *u = q->V + i * q->n;
    for (size_t t0 = 0; t0 < nz; t0 += 4) {
        const size_t nt = nz - t0 < 4 ? nz - t0 : 4;
        double *z0 = z[t0], *z1 = z[t0 + (nt > 1)], *z2 = z[t0 + (nt > 2) * 2],
               *z3 = z[t0 + (nt > 3) * 3];
        double s0 = z0[i], s1 = z1[i], s2 = z2[i], s3 = z3[i];
        for (size_t r = i + 1; r < q->n; r++) {
            s0 += u[r] * z0[r];
            s1 += u[r] * z1[r];
            s2 += u[r] * z2[r];
            s3 += u[r] * z3[r];
        }
        const double s[4] = {s0 * q->tau[i], s1 * q->tau[i], s2 * q->tau[i], s3 * q->tau[i]};
        for (size_t t = 0; t < nt; t++) { /* (columns repeated to fill the four: updated once) */
            double *zt = z[t0 + t];
            zt[i] -= s[t];
            for (size_t r = i + 1; r < q->n; r++) zt[r] -= s[t] * u[r];
        }
    }
}

/* Factor column by column in the given order; a column whose residual norm after the kept
 * columns is below tol times its norm is dropped. Right-looking: each reflector, once formed,
 * is applied to every later column (and to f, if given: Q'f then comes with the factors), which
 * does to each column what applying the earlier reflectors to it in turn would. */
static void factor(qr_state *q, double tol, unsigned char *dropped, double *f)
{
    const size_t n = q->n, k = q->k;
    double *norm0 = q->tau + k; /* k scratch after tau */
    double **zs = q->zcols;
    for (size_t j = 0; j < k; j++) {
        double *v = q->V + j * n;
        const double *xj = q->X + j * q->ldx;
        for (size_t i = 0; i < n; i++) v[i] = (q->sw ? xj[i] * q->sw[i] : xj[i]) * q->dinv[j];
    }
    col_norms(q->V, n, NULL, n, k, norm0);
    for (size_t j = 0; j < k; j++) {
        const size_t p = q->nk;
        double *v = q->V + j * n;
        const double rest = p == 0 ? norm0[j] : p < n ? col_norm(v + p, NULL, n - p) : 0.0;
        if (!(norm0[j] > 0.0) || p >= n || rest <= tol * norm0[j]) {
            dropped[j] = 1;
            continue;
        }
        if (j != p) { /* into the first free slot, p (a dropped column's) */
            memcpy(q->V + p * n, v, n * sizeof *v);
            v = q->V + p * n;
        }
        /* Reflector that maps v[p..n) to beta e_p. */
        double alpha = v[p];
        double beta = alpha >= 0 ? -rest : rest;
        double tau = (beta - alpha) / beta;
        double scale = 1.0 / (alpha - beta);
        for (size_t i = p + 1; i < n; i++) v[i] *= scale;
        for (size_t i = 0; i < p; i++) q->R[i + p * q->k] = v[i];
        q->R[p + p * q->k] = beta;
        v[p] = 1.0;
        for (size_t i = 0; i < p; i++) v[i] = 0.0;
        q->tau[p] = tau;
        q->kept[p] = j;
        q->nk++;
        size_t nz = 0;
        for (size_t l = j + 1; l < k; l++) zs[nz++] = q->V + l * n;
        if (f) zs[nz++] = f;
        apply_reflector_cols(q, p, zs, nz);
    }
}

static void solve_r(const qr_state *q, double *x) /* R x = x */
{
    for (size_t i = q->nk; i-- > 0;) {
        double s = x[i];
        for (size_t j = i + 1; j < q->nk; j++) s -= q->R[i + j * q->k] * x[j];
        x[i] = s / q->R[i + i * q->k];
    }
}

static void solve_rt(const qr_state *q, double *x) /* R' x = x */
{
    for (size_t i = 0; i < q->nk; i++) {
        double s = x[i];
        for (size_t j = 0; j < i; j++) s -= q->R[j + i * q->k] * x[j];
        x[i] = s / q->R[i + i * q->k];
    }
}

/* acc += x_i r_i (times sqrt(w_i), and the low part of x_i when given), exactly. */
static inline void g_term(const qr_state *q, const double *xj, const double *lj, const double *r,
                          size_t i, ks_dd *acc)
{
    if (q->sw) {
        double e, a = ks__two_prod(xj[i], q->sw[i], &e);
        ks__dd_fma(acc, a, r[i]);
        ks__dd_fma(acc, e, r[i]);
    } else {
        ks__dd_fma(acc, xj[i], r[i]);
    }
    if (lj) ks__dd_add(acc, lj[i] * (q->sw ? r[i] * q->sw[i] : r[i]));
}

/* Residuals of the augmented system in double-double:
 * f = b - r - A x with b = sqrt(w) y when y != NULL else 0, and g = c - A' r.
 * f is built column by column (each row's operations in the same order as a row-wise loop, so
 * the loops over rows vectorize); tl holds n low parts. */
KS_DD_KERNEL static void aug_residual(const qr_state *q, const double *y, const double *c,
                                      const double *r, const double *x, double *f, double *g,
                                      double *tl)
{
    const size_t n = q->n, nk = q->nk;
    double *restrict th = f, *restrict lo = tl;
    for (size_t i = 0; i < n; i++) {
        th[i] = y ? y[i] : 0.0;
        lo[i] = 0.0;
    }
    for (size_t p = 0; p < nk; p++) {
        const size_t j = q->kept[p];
        const double xp = -(x[p] * q->dinv[j]);
        for (int part = 0; part < (q->Xlo ? 2 : 1); part++) {
            const double *restrict xj = (part ? q->Xlo : q->X) + j * q->ldx;
            for (size_t i = 0; i < n; i++) {
                double pe, pp = ks__two_prod(xj[i], xp, &pe);
                double se, s = ks__two_sum(th[i], pp, &se);
                se += lo[i] + pe;
                th[i] = ks__two_sum(s, se, &lo[i]);
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        ks_dd s = {th[i], lo[i]};
        if (q->sw) {
            ks_dd t = {0.0, 0.0};
            ks__dd_fma(&t, s.hi, q->sw[i]);
            ks__dd_fma(&t, s.lo, q->sw[i]);
            s = t;
        }
        ks__dd_add(&s, -r[i]);
        f[i] = ks__dd_value(s);
    }
    for (size_t p = 0; p < nk; p++) {
        const size_t j = q->kept[p];
        const double *xj = q->X + j * q->ldx;
        const double *lj = q->Xlo ? q->Xlo + j * q->ldx : NULL;
        /* Four accumulators, row i into accumulator i mod 4: independent dependency chains
         * kept in registers, the same result on every run. */
        ks_dd a0 = {0.0, 0.0}, a1 = a0, a2 = a0, a3 = a0;
        size_t i = 0;
        for (; i + 4 <= n; i += 4) {
            g_term(q, xj, lj, r, i, &a0);
            g_term(q, xj, lj, r, i + 1, &a1);
            g_term(q, xj, lj, r, i + 2, &a2);
            g_term(q, xj, lj, r, i + 3, &a3);
        }
        ks_dd *tail[3] = {&a0, &a1, &a2};
        for (size_t t = 0; i < n; i++, t++) g_term(q, xj, lj, r, i, tail[t]);
        ks__dd_add_dd(&a0, a1);
        ks__dd_add_dd(&a0, a2);
        ks__dd_add_dd(&a0, a3);
        /* A'r has the factor 1/D_j, exact. */
        g[p] = (c ? c[p] : 0.0) - ks__dd_value(a0) * q->dinv[j];
    }
}

static double inf_norm(const double *v, size_t m)
{
    double a = 0.0;
    for (size_t i = 0; i < m; i++) a = fabs(v[i]) > a ? fabs(v[i]) : a;
    return a;
}

/* Expected contraction of one refinement step, with a safety factor of 100. */
static double refine_rate(double cond)
{
    const double rho = 100.0 * cond * 0x1p-52;
    return rho < 1.0 ? rho : 1.0;
}

/* Solve the augmented system for (r, x), starting from zero, refining at most max_iter times.
 * work: n + nk doubles. Returns the refinement steps taken. */
static int aug_solve(const qr_state *q, const double *y, const double *c, int max_iter, double rho,
                     double *r, double *x, double *f, double *g, double *tl)
{
    const size_t n = q->n, nk = q->nk;
    memset(r, 0, n * sizeof *r);
    memset(x, 0, nk * sizeof *x);
    double prev = INFINITY;
    int it = 0;
    for (;; it++) {
        if (it == 0) { /* at r = 0, x = 0 the residuals are b and c themselves */
            for (size_t i = 0; i < n; i++) f[i] = y ? (q->sw ? q->sw[i] * y[i] : y[i]) : 0.0;
            for (size_t p = 0; p < nk; p++) g[p] = c ? c[p] : 0.0;
        } else {
            aug_residual(q, y, c, r, x, f, g, tl);
        }
        /* Correction: Q'f = [f1; f2], R'h = g, dr = Q [h; f2], dx = R^-1 (f1 - h). */
        apply_qt(q, f);
        solve_rt(q, g);
        for (size_t p = 0; p < nk; p++) {
            double f1 = f[p];
            f[p] = g[p];
            g[p] = f1 - g[p];
        }
        solve_r(q, g);
        apply_q(q, f);
        for (size_t i = 0; i < n; i++) r[i] += f[i];
        for (size_t p = 0; p < nk; p++) x[p] += g[p];
        const double dx = inf_norm(g, nk), xn = inf_norm(x, nk);
        /* Stop once the correction is below half an ulp of x, or once the next one would be:
         * each step shrinks the error by about rho = cond(R) eps (Higham 2002, sec. 20.5),
         * taken here with a safety factor of 100. The first step (it = 0) is the plain solve. */
        if (it >= max_iter || dx <= 0x1p-54 * xn || !(dx < 0.5 * prev)) break;
        if (it >= 1 && dx * rho <= 0x1p-54 * xn) break;
        prev = dx;
    }
    return it;
}

/* (A'A)^-1 = R^-1 R^-T over kept columns, in scaled coordinates, into C (nk x nk, ld nk);
 * returns the 1-norm condition number of R. */
static double cov_direct(const qr_state *q, double *C, double *Rinv)
{
    const size_t nk = q->nk;
    memset(Rinv, 0, nk * nk * sizeof *Rinv);
    for (size_t j = 0; j < nk; j++) {
        Rinv[j + j * nk] = 1.0;
        /* Column j of R^-1: solve R z = e_j. */
        for (size_t i = j + 1; i-- > 0;) {
            double s = Rinv[i + j * nk];
            for (size_t l = i + 1; l <= j; l++) s -= q->R[i + l * q->k] * Rinv[l + j * nk];
            Rinv[i + j * nk] = s / q->R[i + i * q->k];
        }
    }
    for (size_t a = 0; a < nk; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0.0;
            for (size_t l = (a > b ? a : b); l < nk; l++) s += Rinv[a + l * nk] * Rinv[b + l * nk];
            C[a + b * nk] = C[b + a * nk] = s;
        }
    double nr = 0.0, ni = 0.0;
    for (size_t j = 0; j < nk; j++) {
        double sr = 0.0, si = 0.0;
        for (size_t i = 0; i <= j; i++) {
            sr += fabs(q->R[i + j * q->k]);
            si += fabs(Rinv[i + j * nk]);
        }
        nr = fmax(nr, sr);
        ni = fmax(ni, si);
    }
    return nr * ni;
}

static int check_input(ks_ctx *ctx, size_t n, size_t k, const double *X, size_t ldx,
                       const double *y, const double *w)
{
    const size_t iy = ks__first_nonfinite(y, n);
    size_t iw = n;
    if (w) {
        iw = ks__first_nonfinite(w, n);
        size_t nonpos = 0;
        for (size_t i = 0; i < iw; i++) nonpos += !(w[i] > 0.0);
        if (nonpos)
            for (iw = 0; w[iw] > 0.0; iw++) {
            }
    }
    if (iy < n && iy <= iw) return ks__fail(ctx, KS_ENUMERIC, "lstsq: y[%zu] is not finite", iy);
    if (iw < n)
        return ks__fail(ctx, KS_ENUMERIC, "lstsq: weight %zu is %g; weights must be > 0", iw,
                        w[iw]);
    for (size_t j = 0; j < k; j++) {
        const size_t i = ks__first_nonfinite(X + j * ldx, n);
        if (i < n) return ks__fail(ctx, KS_ENUMERIC, "lstsq: X[%zu, %zu] is not finite", i, j);
    }
    return KS_OK;
}

void ks_lstsq_free(ks_lstsq_result *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->coef);
    ks__release(&a, r->dropped);
    ks__release(&a, r->cov_unscaled);
    ks__release(&a, r->resid);
    ks__release(&a, r);
}

static void qr_free(ks_ctx *ctx, qr_state *q)
{
    ks__free(ctx, (void *)q->sw);
    ks__free(ctx, q->kept);
    ks__free(ctx, q->dinv);
    ks__free(ctx, q->V);
    ks__free(ctx, q->tau);
    ks__free(ctx, q->R);
    ks__free(ctx, q->zcols);
}

static int qr_alloc(ks_ctx *ctx, qr_state *q, const double *w)
{
    const size_t n = q->n, k = q->k;
    q->kept = ks__malloc_array(ctx, k, sizeof *q->kept);
    q->dinv = ks__malloc_array(ctx, k, sizeof *q->dinv);
    q->V = ks__malloc_array(ctx, n, k * sizeof *q->V);
    q->tau = ks__malloc_array(ctx, k, 2 * sizeof *q->tau);
    q->R = ks__calloc(ctx, k * k, sizeof *q->R);
    q->zcols = ks__malloc_array(ctx, k + 1, sizeof *q->zcols);
    if (w) {
        double *sw = ks__malloc_array(ctx, n, sizeof *sw);
        if (sw)
            for (size_t i = 0; i < n; i++) sw[i] = sqrt(w[i]);
        q->sw = sw;
    }
    if (!q->kept || !q->dinv || !q->V || !q->tau || !q->R || !q->zcols || (w && !q->sw))
        return KS_ENOMEM;
    return KS_OK;
}

/* Covariance over kept columns, refined when asked or ill-conditioned, scattered into res. */
static int fill_cov(ks_ctx *ctx, const qr_state *q, const ks_lstsq_options *o, ks_lstsq_result *res,
                    double *r, double *f, double *g, double *tl)
{
    const size_t nk = q->nk, k = q->k;
    double *C = ks__malloc_array(ctx, nk * nk + nk * nk + nk, sizeof *C);
    if (!C) return KS_ENOMEM;
    double *Rinv = C + nk * nk, *c = Rinv + nk * nk;
    res->cond = cov_direct(q, C, Rinv);
    const bool refine = o->refine == KS_REFINE_ALWAYS ||
                        (o->refine == KS_REFINE_AUTO && res->cond > KS_REFINE_COV_COND);
    if (refine) {
        for (size_t j = 0; j < nk; j++) {
            memset(c, 0, nk * sizeof *c);
            c[j] = -1.0;
            aug_solve(q, NULL, c, o->max_refine, refine_rate(res->cond), r, C + j * nk, f, g, tl);
        }
        for (size_t a = 0; a < nk; a++) /* symmetrize the independently refined columns */
            for (size_t b = 0; b < a; b++)
                C[a + b * nk] = C[b + a * nk] = 0.5 * (C[a + b * nk] + C[b + a * nk]);
    }
    for (size_t i = 0; i < k * k; i++) res->cov_unscaled[i] = NAN;
    for (size_t a = 0; a < nk; a++)
        for (size_t b = 0; b < nk; b++) {
            const size_t ja = q->kept[a], jb = q->kept[b];
            res->cov_unscaled[ja + jb * k] = C[a + b * nk] * q->dinv[ja] * q->dinv[jb];
        }
    ks__free(ctx, C);
    return KS_OK;
}

/* 1-norm condition number of the equilibrated R. */
static int r_condition(ks_ctx *ctx, const qr_state *q, double *cond)
{
    double *C = ks__malloc_array(ctx, 2 * q->nk * q->nk + 1, sizeof *C);
    if (!C) return KS_ENOMEM;
    *cond = cov_direct(q, C, C + q->nk * q->nk);
    ks__free(ctx, C);
    return KS_OK;
}

static int alloc_result(ks_ctx *ctx, size_t n, size_t k, const ks_lstsq_options *o,
                        ks_lstsq_result **out)
{
    ks_lstsq_result *res = ks__calloc(ctx, 1, sizeof *res);
    if (!res) return KS_ENOMEM;
    res->alloc = ctx->alloc;
    res->n = n;
    res->k = k;
    res->coef = ks__malloc_array(ctx, k ? k : 1, sizeof *res->coef);
    res->dropped = ks__calloc(ctx, k ? k : 1, 1);
    if (o->want_cov) res->cov_unscaled = ks__malloc_array(ctx, k ? k * k : 1, sizeof(double));
    if (o->want_resid) res->resid = ks__malloc_array(ctx, n, sizeof *res->resid);
    *out = res;
    if (!res->coef || !res->dropped || (o->want_cov && !res->cov_unscaled) ||
        (o->want_resid && !res->resid))
        return KS_ENOMEM;
    return KS_OK;
}

/* Unweighted residuals y - X b and the weighted RSS; in double-double when `dd` (scratch: 2n). */
KS_DD_KERNEL static void fill_resid(const qr_state *q, const double *y, const double *w,
                                    ks_lstsq_result *res, bool dd, double *scratch)
{
    ks_dd rss = {0.0, 0.0};
    if (!dd) {
        double sum = 0.0;
        for (size_t i = 0; i < q->n; i++) {
            double e = y[i];
            for (size_t p = 0; p < q->nk; p++)
                e -= q->X[i + q->kept[p] * q->ldx] * res->coef[q->kept[p]];
            if (res->resid) res->resid[i] = e;
            sum += (w ? w[i] : 1.0) * e * e;
        }
        res->rss = sum;
        return;
    }
    /* Column by column into th + tl (vectorizable), then the RSS with four accumulators. */
    double *restrict th = scratch, *restrict tl = scratch + q->n;
    for (size_t i = 0; i < q->n; i++) {
        th[i] = y[i];
        tl[i] = 0.0;
    }
    for (size_t p = 0; p < q->nk; p++) {
        const size_t j = q->kept[p];
        const double b = -res->coef[j];
        for (int part = 0; part < (q->Xlo ? 2 : 1); part++) {
            const double *restrict xj = (part ? q->Xlo : q->X) + j * q->ldx;
            for (size_t i = 0; i < q->n; i++) {
                double pe, pp = ks__two_prod(xj[i], b, &pe);
                double se, s = ks__two_sum(th[i], pp, &se);
                se += tl[i] + pe;
                th[i] = ks__two_sum(s, se, &tl[i]);
            }
        }
    }
    ks_dd acc[4] = {{0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}, {0.0, 0.0}};
    for (size_t i = 0; i < q->n; i++) {
        const double e = th[i] + tl[i];
        if (res->resid) res->resid[i] = e;
        ks__dd_fma(&acc[i & 3], w ? w[i] * e : e, e);
    }
    ks__dd_add_dd(&rss, acc[0]);
    ks__dd_add_dd(&rss, acc[1]);
    ks__dd_add_dd(&rss, acc[2]);
    ks__dd_add_dd(&rss, acc[3]);
    res->rss = ks__dd_value(rss);
}

int ks_lstsq(ks_ctx *ctx, size_t n, size_t k, const double *X, size_t ldx, const double *y,
             const double *w, const ks_lstsq_options *opt, ks_lstsq_result **out)
{
    ks_lstsq_options o = KS_LSTSQ_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "lstsq: out is NULL");
    *out = NULL;
    if (n == 0) return ks__fail(ctx, KS_EEMPTY, "lstsq: no observations");
    if (k > 0 && ldx < n) return ks__fail(ctx, KS_EINVAL, "lstsq: ldx %zu < n %zu", ldx, n);
    int rc = check_input(ctx, n, k, X, ldx, y, w);
    if (rc) return rc;

    qr_state q = {.n = n, .k = k, .X = X, .Xlo = o.X_lo, .ldx = ldx};
    ks_lstsq_result *res = NULL;
    double *work = NULL;
    rc = qr_alloc(ctx, &q, w);
    if (!rc) rc = alloc_result(ctx, n, k, &o, &res);
    if (!rc && !(work = ks__malloc_array(ctx, 3 * n + 2 * k + 1, sizeof *work))) rc = KS_ENOMEM;
    if (rc) goto fail;

    col_norms(X, ldx, q.sw, n, k, q.dinv); /* the norms, then their powers of two */
    for (size_t j = 0; j < k; j++) {
        const double nj = q.dinv[j];
        int e = 0;
        if (nj > 0.0) frexp(nj, &e);
        q.dinv[j] = nj > 0.0 ? ldexp(1.0, -e) : 1.0;
    }
    /* Without refinement Q'(sqrt(w) y) comes with the factors (f); refinement solves anew. */
    const bool refine = o.refine != KS_REFINE_NEVER;
    double *r = work, *f = work + n, *tl = work + 2 * n, *g = work + 3 * n, *x = g + k;
    if (!refine)
        for (size_t i = 0; i < n; i++) f[i] = q.sw ? q.sw[i] * y[i] : y[i];
    factor(&q, o.rank_tol, res->dropped, refine ? NULL : f);
    res->rank = q.nk;

    if ((rc = r_condition(ctx, &q, &res->cond))) goto fail;
    /* The coefficients are always refined unless asked not to: even at cond(R) = 4 (Norris)
     * plain QR loses 1.5 digits to the residual's sensitivity, which one double-double step
     * restores. */
    if (refine) {
        res->refine_iters =
            aug_solve(&q, y, NULL, o.max_refine, refine_rate(res->cond), r, x, f, g, tl);
    } else {
        memcpy(x, f, q.nk * sizeof *x);
        solve_r(&q, x);
    }
    for (size_t j = 0; j < k; j++) res->coef[j] = NAN;
    for (size_t p = 0; p < q.nk; p++) res->coef[q.kept[p]] = x[p] * q.dinv[q.kept[p]];
    fill_resid(&q, y, w, res, refine, f); /* f and tl: 2n scratch */
    if (o.want_cov && (rc = fill_cov(ctx, &q, &o, res, r, f, g, tl))) goto fail;
    ks__free(ctx, work);
    qr_free(ctx, &q);
    *out = res;
    return KS_OK;
fail:
    ks__free(ctx, work);
    qr_free(ctx, &q);
    ks_lstsq_free(res);
    return rc == KS_ENOMEM ? ks__fail(ctx, KS_ENOMEM, "lstsq: out of memory") : rc;
}

int ks__lstsq_dropped(ks_ctx *ctx, size_t n, size_t k, const double *X, size_t ldx, double tol,
                      unsigned char *dropped)
{
    double *y = ks__calloc(ctx, n ? n : 1, sizeof *y); /* the rank does not depend on y */
    if (!y) return KS_ENOMEM;
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    if (tol > 0) lo.rank_tol = tol;
    lo.want_cov = 0;
    lo.want_resid = 0;
    lo.refine = KS_REFINE_NEVER;
    ks_lstsq_result *res = NULL;
    const int rc = ks_lstsq(ctx, n, k, X, ldx, y, NULL, &lo, &res);
    if (rc == KS_OK) memcpy(dropped, res->dropped, k);
    ks_lstsq_free(res);
    ks__free(ctx, y);
    return rc;
}
