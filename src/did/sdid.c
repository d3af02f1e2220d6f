/* sdid.c — synthetic difference-in-differences (Arkhangelsky et al. 2021) as R's synthdid 0.0.9
 * computes it, with its synthetic-control and DiD special cases (sc_estimate, did_estimate) and
 * its placebo, bootstrap and jackknife standard errors.
 *
 * Unit weights omega and time weights lambda minimise a ridge-penalised fit of the collapsed
 * panel (controls x pre-periods, plus the treated mean row and the post mean column) by
 * Frank-Wolfe over the simplex, R's sc.weight.fw step for step: the exact line search, 100
 * iterations, sparsification (weights below a quarter of the largest set to 0), then up to
 * 10,000 more until the objective falls by less than min.decrease^2. The regularisation is
 * zeta_omega = (N1 T1)^(1/4) sigma and zeta_lambda = 1e-6 sigma, sigma the standard deviation of
 * the controls' first differences before treatment.
 *
 * Each Frank-Wolfe step keeps A x up to date in O(rows) (x moves towards one vertex) and the
 * gradient A'(A x - b) in O(columns) from columns of the Gram matrix A'A (formed when a vertex is
 * first visited), instead of two matrix-vector products: O(rows + columns) per step, one pass
 * over the columns (fw_solve). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

#include "base/simd.h"

static const ks__enum_entry estimator_names[] = {
    {"synthdid", KS_DID_SDID_SYNTHDID}, {"sc", KS_DID_SDID_SC}, {"did", KS_DID_SDID_DID}};
KS__ENUM_FUNCS(ks_did_sdid_estimator, ks_did_sdid_estimator, "sdid estimator", estimator_names)
static const ks__enum_entry variance_names[] = {{"placebo", KS_DID_SDID_PLACEBO},
                                                {"bootstrap", KS_DID_SDID_BOOTSTRAP},
                                                {"jackknife", KS_DID_SDID_JACKKNIFE},
                                                {"none", KS_DID_SDID_NONE}};
KS__ENUM_FUNCS(ks_did_sdid_variance, ks_did_sdid_variance, "variance method", variance_names)

/* A Frank-Wolfe problem: min over the simplex of zeta^2 |x|^2 + |A x - b|^2 / rows, A (rows x k)
 * and b from the columns of M (rows x (k + 1), column-major, ld rows), centred by column when
 * intercept is set. The step columns h_j (A'A_j - A'b + eta e_j) are formed when a step first
 * needs them and kept (up to FW_CACHE_MAX entries; beyond, one column is formed at every step). */
#define FW_CACHE_MAX ((size_t)1 << 25) /* 256 MB */
typedef struct {
    size_t rows, k;
    int cache;          /* keep every h_j (k x k) */
    double *A, *At, *b; /* rows x k by columns, the same by rows, rows */
    double *H, *Ab;     /* cache: column j is h_j once have[j]; else one column; A'b */
    unsigned char *have;
    double *Ax, *grad;  /* A x (rows); the scaled half gradient u (k) */
} fw_problem;

static int fw_setup(ks_ctx *ctx, fw_problem *f, const double *M, size_t rows, size_t k,
                    int intercept)
{
    memset(f, 0, sizeof *f);
    f->rows = rows;
    f->k = k;
    f->cache = (double)k * (double)k <= (double)FW_CACHE_MAX;
    f->A = ks__malloc_array(ctx, 2 * rows * k + rows + (f->cache ? k * k : k) + 2 * k + rows + 1,
                           sizeof *f->A);
    f->have = ks__calloc(ctx, k ? k : 1, 1);
    if (!f->A || !f->have) {
        ks__free(ctx, f->A);
        ks__free(ctx, f->have);
        return KS_ENOMEM;
    }
    f->At = f->A + rows * k;
    f->b = f->At + rows * k;
    f->H = f->b + rows;
    f->Ab = f->H + (f->cache ? k * k : k);
    f->grad = f->Ab + k;
    f->Ax = f->grad + k;
    for (size_t j = 0; j <= k; j++) {
        const double *src = M + j * rows;
        double *dst = j < k ? f->A + j * rows : f->b;
        double mean = 0.0;
        if (intercept) {
            for (size_t r = 0; r < rows; r++) mean += src[r];
            mean /= (double)rows;
        }
        for (size_t r = 0; r < rows; r++) dst[r] = src[r] - mean;
    }
    for (size_t j = 0; j < k; j++)
        for (size_t r = 0; r < rows; r++) f->At[r * k + j] = f->A[j * rows + r];
    for (size_t j = 0; j < k; j++) {
        const double *aj = f->A + j * rows;
        double s = 0.0;
        for (size_t r = 0; r < rows; r++) s += aj[r] * f->b[r];
        f->Ab[j] = s;
    }
    if (f->cache && k > 1 && rows > 0 && k <= INT32_MAX && rows <= INT32_MAX) {
        /* Frank-Wolfe's 10,000 steps visit nearly every vertex: all of A'A by one product is
         * cheaper than its columns one by one (BLAS threads are set to 1 by the caller) */
        const int rc =
            ks__dgemm(ctx, 'T', 'N', k, k, rows, 1.0, f->A, rows, f->A, rows, 0.0, f->H, k);
        if (rc) {
            ks__free(ctx, f->A);
            ks__free(ctx, f->have);
            return rc;
        }
        memset(f->have, 1, k);
    }
    return KS_OK;
}

/* h_i = A'A_i - A'b + eta e_i, the change of the half gradient with a step to vertex i, formed on
 * first use: A'A_i eight entries at a time over the rows of A by rows (A transposed, in cache),
 * each entry summing its products in the order of the rows. */
KS_INLINE const double *step_col(fw_problem *f, size_t i, double eta)
{
    const size_t k = f->k, rows = f->rows;
    double *restrict hi = f->cache ? f->H + i * k : f->H;
    const double *restrict ai = f->A + i * rows, *restrict Ab = f->Ab, *restrict At = f->At;
    if (f->cache && f->have[i] == 2) return hi;
    if (f->cache && f->have[i] == 1) { /* A'A_i is there (fw_setup) */
        for (size_t j = 0; j < k; j++) hi[j] -= Ab[j];
        hi[i] += eta;
        f->have[i] = 2;
        return hi;
    }
    size_t j = 0;
    for (; j + 8 <= k; j += 8) {
        v4d s0 = {0}, s1 = s0;
        for (size_t r = 0; r < rows; r++) {
            const v4d v = {ai[r], ai[r], ai[r], ai[r]};
            s0 += v4_load(At + r * k + j) * v;
            s1 += v4_load(At + r * k + j + 4) * v;
        }
        s0 -= v4_load(Ab + j);
        s1 -= v4_load(Ab + j + 4);
        memcpy(hi + j, &s0, sizeof s0);
        memcpy(hi + j + 4, &s1, sizeof s1);
    }
    for (; j < k; j++) {
        double s = 0.0;
        for (size_t r = 0; r < rows; r++) s += At[r * k + j] * ai[r];
        hi[j] = s - Ab[j];
    }
    hi[i] += eta;
    f->have[i] = 2;
    return hi;
}

static void fw_free(ks_ctx *ctx, fw_problem *f)
{
    ks__free(ctx, f->A);
    ks__free(ctx, f->have);
}

/* |a - b|^2 over eight lanes (see v8_sum); |a|^2 when b is NULL. */
KS_INLINE double sqdist8(const double *restrict a, const double *restrict b, size_t n)
{
    v4d p0 = {0}, p1 = p0;
    size_t j = 0;
    if (!b) {
        for (; j + 8 <= n; j += 8) {
            const v4d a0 = v4_load(a + j), a1 = v4_load(a + j + 4);
            p0 += a0 * a0;
            p1 += a1 * a1;
        }
        double s = v8_sum(p0, p1);
        for (; j < n; j++) s += a[j] * a[j];
        return s;
    }
    for (; j + 8 <= n; j += 8) {
        const v4d d0 = v4_load(a + j) - v4_load(b + j);
        const v4d d1 = v4_load(a + j + 4) - v4_load(b + j + 4);
        p0 += d0 * d0;
        p1 += d1 * d1;
    }
    double s = v8_sum(p0, p1);
    for (; j < n; j++) s += (a[j] - b[j]) * (a[j] - b[j]);
    return s;
}

/* y <- c y + s a (c = 1, s = 0: y as it is), then |y - b|^2, |d - y|^2 and y . (y - b), in one
 * pass over eight lanes (see v8_sum). */
KS_INLINE void rows_pass(double *restrict y, const double *restrict a, double c, double s,
                         const double *restrict b, const double *restrict d, size_t n,
                         double *yb, double *dy, double *yr)
{
    const v4d cc = {c, c, c, c}, ss = {s, s, s, s};
    v4d p0 = {0}, p1 = p0, q0 = p0, q1 = p0, r0 = p0, r1 = p0;
    size_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const v4d y0 = cc * v4_load(y + j) + ss * v4_load(a + j);
        const v4d y1 = cc * v4_load(y + j + 4) + ss * v4_load(a + j + 4);
        memcpy(y + j, &y0, sizeof y0);
        memcpy(y + j + 4, &y1, sizeof y1);
        const v4d e0 = y0 - v4_load(b + j), e1 = y1 - v4_load(b + j + 4);
        const v4d f0 = v4_load(d + j) - y0, f1 = v4_load(d + j + 4) - y1;
        p0 += e0 * e0;
        p1 += e1 * e1;
        q0 += f0 * f0;
        q1 += f1 * f1;
        r0 += y0 * e0;
        r1 += y1 * e1;
    }
    double t = v8_sum(p0, p1), w = v8_sum(q0, q1), z = v8_sum(r0, r1);
    for (; j < n; j++) {
        y[j] = c * y[j] + s * a[j];
        t += (y[j] - b[j]) * (y[j] - b[j]);
        w += (d[j] - y[j]) * (d[j] - y[j]);
        z += y[j] * (y[j] - b[j]);
    }
    *yb = t;
    *dy = w;
    *yr = z;
}

/* One pass of a step in the scaled form g = alpha u (see fw_solve): u += beta h, then the first
 * index of min u (R's which.min), eight lanes at a time, each keeping its first minimum
 * (beta = 0: no update). Returns the index (0 if all NaN). */
KS_INLINE size_t fw_pass(size_t k, double *restrict u, const double *restrict h, double beta,
                         double *umin)
{
    const v4d bb = {beta, beta, beta, beta}, eight = {8, 8, 8, 8};
    v4d m0 = {HUGE_VAL, HUGE_VAL, HUGE_VAL, HUGE_VAL}, m1 = m0, at0 = {0}, at1 = at0,
        jv = at0; /* at: the block where each lane's minimum is */
    size_t j = 0;
    for (; j + 8 <= k; j += 8, jv += eight) {
        const v4d u0 = v4_load(u + j) + bb * v4_load(h + j);
        const v4d u1 = v4_load(u + j + 4) + bb * v4_load(h + j + 4);
        memcpy(u + j, &u0, sizeof u0);
        memcpy(u + j + 4, &u1, sizeof u1);
        const v4i lt0 = u0 < m0, lt1 = u1 < m1;
        m0 = v4_select(lt0, u0, m0);
        m1 = v4_select(lt1, u1, m1);
        at0 = v4_select(lt0, jv, at0);
        at1 = v4_select(lt1, jv, at1);
    }
    double mm = HUGE_VAL;
    size_t best = 0;
    for (int l = 0; l < 4; l++) { /* the smallest index among the lanes at the minimum */
        const size_t i0 = (size_t)at0[l] + (size_t)l, i1 = (size_t)at1[l] + 4 + (size_t)l;
        if (m0[l] < mm || (m0[l] == mm && i0 < best)) mm = m0[l], best = i0;
        if (m1[l] < mm || (m1[l] == mm && i1 < best)) mm = m1[l], best = i1;
    }
    for (; j < k; j++) {
        const double uj = u[j] + beta * h[j];
        u[j] = uj;
        if (uj < mm) mm = uj, best = j;
    }
    *umin = mm;
    return best;
}

/* The half gradient g = A'(A x - b) + eta x changes with a step x <- c x + s e_i as
 * g <- c g + s h_i, h_i = A'A_i - A'b + eta e_i, a column the problem caches. Both are kept
 * scaled, x = alpha y and g = alpha u, so that a step is alpha <- c alpha, y_i += s / alpha and
 * u += (s / alpha) h_i: one pass over u and h_i, which also finds min u. What the line search
 * needs besides comes from A x (rows long): g . x = (A x) . (A x - b) + eta |x|^2. */
KS_KERNEL static void fw_solve(fw_problem *f, double zeta, double *x, double min_decrease,
                               int max_iter)
{
    const size_t rows = f->rows, k = f->k;
    const double eta = (double)rows * zeta * zeta, md2 = min_decrease * min_decrease;
    double *Ax = f->Ax, *u = f->grad;
    const double *Ab = f->Ab, *b = f->b;
    for (size_t r = 0; r < rows; r++) Ax[r] = 0.0;
    for (size_t j = 0; j < k; j++)
        if (x[j] != 0.0)
            for (size_t r = 0; r < rows; r++) Ax[r] += f->A[j * rows + r] * x[j];
    for (size_t j = 0; j < k; j++) { /* g = A'(A x) - A'b + eta x */
        const double *aj = f->A + j * rows;
        double s = 0.0;
        for (size_t r = 0; r < rows; r++) s += aj[r] * Ax[r];
        u[j] = s - Ab[j] + eta * x[j];
    }
    double alpha = 1.0, umin, yy = sqdist8(x, NULL, k), prev = HUGE_VAL, ee, derr2, axr;
    size_t i = fw_pass(k, u, Ab, 0.0, &umin);
    rows_pass(Ax, b, 1.0, 0.0, b, f->A + i * rows, rows, &ee, &derr2, &axr); /* (s = 0: a unused) */
    for (int t = 1; t <= max_iter; t++) {
        /* towards e_i, i the first minimum of the half gradient (R's which.min): grad . d =
         * g_i - g . x, |d|^2 = 1 - 2 x_i + |x|^2, |A d|^2 = |A_i - A x|^2; exact line search */
        const double xx = alpha * alpha * yy, gmin = alpha * umin, gdotx = axr + eta * xx;
        const double xi = alpha * x[i];
        double step = 0.0;
        if (!(xi == 1.0 && xx == 1.0)) { /* else x is the vertex e_i already */
            step = -(gmin - gdotx) / (derr2 + eta * (1.0 - 2.0 * xi + xx));
            /* 0 / 0: the objective is flat along d (one pre period with an intercept fits every
             * x exactly, and zeta = 0): no step, where R's step would be NaN */
            step = isnan(step) ? 0.0 : step < 0.0 ? 0.0 : step > 1.0 ? 1.0 : step;
        }
        if (step != 0.0) { /* (else x, and so the objective, stay as they are) */
            const double c = 1.0 - step, *Ai = f->A + i * rows, *h = step_col(f, i, eta);
            alpha *= c;
            size_t next;
            if (alpha < 1e-150) { /* a step to the vertex (c = 0), or alpha about to underflow */
                for (size_t j = 0; j < k; j++) {
                    x[j] *= alpha;
                    u[j] *= alpha;
                }
                x[i] += step;
                alpha = 1.0;
                yy = sqdist8(x, NULL, k);
                next = fw_pass(k, u, h, step, &umin);
            } else { /* |y|^2 grows by positive terms: no cancellation */
                const double d = step / alpha;
                yy += d * (2.0 * x[i] + d);
                x[i] += d;
                next = fw_pass(k, u, h, d, &umin);
            }
            /* A x moves too, giving |A x - b|^2, the next step's |A_next - A x|^2 and g . x */
            rows_pass(Ax, Ai, c, step, b, f->A + next * rows, rows, &ee, &derr2, &axr);
            i = next;
        }
        /* objective: zeta^2 |x|^2 + |A x - b|^2 / rows */
        const double val = zeta * zeta * alpha * alpha * yy + ee / (double)rows;
        if (t >= 2 && !(prev - val > md2)) break;
        prev = val;
    }
    for (size_t j = 0; j < k; j++) x[j] *= alpha;
}

static void sparsify(double *v, size_t k)
{
    double mx = 0.0, s = 0.0;
    for (size_t j = 0; j < k; j++) mx = v[j] > mx ? v[j] : mx;
    for (size_t j = 0; j < k; j++) {
        if (v[j] <= mx / 4.0) v[j] = 0.0;
        s += v[j];
    }
    for (size_t j = 0; j < k; j++) v[j] /= s;
}

/* The settings one estimate runs with (R's opts): fixed across placebo / bootstrap draws. */
typedef struct {
    ks_did_sdid_estimator est;
    double zeta_omega, zeta_lambda, min_decrease;
    int update_omega, update_lambda, omega_intercept, lambda_intercept;
} sdid_opts;

/* One estimate on Y (N x T, column-major, ld N; the first N0 rows controls), weights in and out
 * (omega N0, lambda T0: the starting point when updated, else used as given). */
static int sdid_estimate(ks_ctx *ctx, const double *Y, size_t ldy, size_t N, size_t N0, size_t T,
                         size_t T0, const sdid_opts *o, double *omega,
                         double *lambda, double *tau)
{
    const size_t N1 = N - N0, T1 = T - T0;
    int rc = KS_OK;
    if (o->update_lambda || o->update_omega) {
        /* collapsed form: (N0 + 1) x (T0 + 1) */
        const size_t R = N0 + 1, C = T0 + 1;
        double *Yc = ks__malloc_array(ctx, R * C + C * R, sizeof *Yc);
        if (!Yc) return KS_ENOMEM;
        double *Ycw = Yc + R * C; /* t(Yc[, 1:T0]) with the treated row last: T0 x (N0 + 1) */
        for (size_t t = 0; t < T0; t++) {
            for (size_t i = 0; i < N0; i++) Yc[t * R + i] = Y[t * ldy + i];
            double s = 0.0;
            for (size_t i = N0; i < N; i++) s += Y[t * ldy + i];
            Yc[t * R + N0] = s / (double)N1;
        }
        for (size_t i = 0; i < N0; i++) {
            double s = 0.0;
            for (size_t t = T0; t < T; t++) s += Y[t * ldy + i];
            Yc[T0 * R + i] = s / (double)T1;
        }
        {
            double s = 0.0;
            for (size_t t = T0; t < T; t++)
                for (size_t i = N0; i < N; i++) s += Y[t * ldy + i];
            Yc[T0 * R + N0] = s / (double)(N1 * T1);
        }
        for (size_t i = 0; i <= N0; i++)
            for (size_t t = 0; t < T0; t++) Ycw[i * T0 + t] = Yc[t * R + i];
        fw_problem f;
        if (o->update_lambda) { /* rows: the controls; columns: pre periods, then the post mean */
            double *M = ks__malloc_array(ctx, N0 * C, sizeof *M);
            if (!M) {
                ks__free(ctx, Yc);
                return KS_ENOMEM;
            }
            for (size_t t = 0; t < C; t++) memcpy(M + t * N0, Yc + t * R, N0 * sizeof *M);
            rc = fw_setup(ctx, &f, M, N0, T0, o->lambda_intercept);
            ks__free(ctx, M);
            if (rc == KS_OK) {
                fw_solve(&f, o->zeta_lambda, lambda, o->min_decrease, 100);
                sparsify(lambda, T0);
                fw_solve(&f, o->zeta_lambda, lambda, o->min_decrease, 10000);
                fw_free(ctx, &f);
            }
        }
        if (rc == KS_OK && o->update_omega) { /* rows: pre periods; columns: controls, treated */
            rc = fw_setup(ctx, &f, Ycw, T0, N0, o->omega_intercept);
            if (rc == KS_OK) {
                fw_solve(&f, o->zeta_omega, omega, o->min_decrease, 100);
                sparsify(omega, N0);
                fw_solve(&f, o->zeta_omega, omega, o->min_decrease, 10000);
                fw_free(ctx, &f);
            }
        }
        ks__free(ctx, Yc);
        if (rc) return rc;
    }
    /* tau = (-omega, 1/N1)' Y (-lambda, 1/T1) */
    double s = 0.0;
    for (size_t t = 0; t < T; t++) {
        const double wt = t < T0 ? -lambda[t] : 1.0 / (double)T1;
        if (wt == 0.0) continue;
        double r = 0.0;
        for (size_t i = 0; i < N; i++) r += (i < N0 ? -omega[i] : 1.0 / (double)N1) * Y[t * ldy + i];
        s += wt * r;
    }
    *tau = s;
    return KS_OK;
}

struct ks_did_sdid {
    ks_allocator alloc;
    ks_did_sdid_view v;
    double *buf;
    size_t *rows;
};

void ks_did_sdid_free(ks_did_sdid *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->buf);
    ks__release(&a, r->rows);
    ks__release(&a, r);
}

void ks_did_sdid_get(const ks_did_sdid *r, ks_did_sdid_view *out) { *out = r->v; }

typedef struct {
    const ks_table *t;
    size_t col;
    const size_t *urow;
    const unsigned char *treated;
} unit_key;
static int cmp_label(const void *a, const void *b, void *ud);

/* A permutation of 0..n-1 for draw b: Fisher-Yates with Philox (seed, draw, position). */
static void permutation(uint64_t seed, uint64_t b, size_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++) p[i] = i;
    for (size_t i = n; i > 1; i--) {
        const uint64_t u = ks_rng_u64(seed, b, i);
        const size_t j = (size_t)(((unsigned __int128)u * i) >> 64);
        const size_t t = p[i - 1];
        p[i - 1] = p[j];
        p[j] = t;
    }
}

static double sum_normalize(double *x, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += x[i];
    for (size_t i = 0; i < n; i++) x[i] = s != 0.0 ? x[i] / s : 1.0 / (double)n;
    return s;
}

static double sd(const double *x, size_t n)
{
    double m = 0.0, v = 0.0;
    for (size_t i = 0; i < n; i++) m += x[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) v += (x[i] - m) * (x[i] - m);
    return sqrt(v / (double)(n - 1));
}

/* One replication of the variance: a placebo (controls permuted, the last N1 of them treated),
 * a bootstrap resample of units, or a jackknife deletion; returns NaN when undefined. */
static int replicate(ks_ctx *ctx, const double *Y, size_t N, size_t N0, size_t T, size_t T0,
                     const sdid_opts *o0, const double *omega, const double *lambda,
                     ks_did_sdid_variance kind, uint64_t seed, uint64_t b, double *work, size_t *idx,
                     double *tau)
{
    const size_t N1 = N - N0;
    sdid_opts o = *o0;
    double *Yb = work, *om = Yb + N * T, *la = om + N;
    size_t n = 0, n0 = 0;
    if (kind == KS_DID_SDID_PLACEBO) {
        /* R's Y[sample(1:N0), ]: the last N1 of a permutation of the controls play the treated */
        permutation(seed, b, idx, N0);
        n = N0;
        n0 = N0 - N1;
        for (size_t i = 0; i < n0; i++) om[i] = omega[idx[i]];
    } else if (kind == KS_DID_SDID_BOOTSTRAP) {
        /* units drawn with replacement, sorted (R's Y[sort(ind), ]) */
        size_t *cnt = idx + N;
        memset(cnt, 0, N * sizeof *cnt);
        for (size_t i = 0; i < N; i++) {
            const uint64_t u = ks_rng_u64(seed, b, i);
            cnt[(size_t)(((unsigned __int128)u * N) >> 64)]++;
        }
        for (size_t u = 0; u < N; u++)
            for (size_t c = 0; c < cnt[u]; c++) idx[n++] = u;
        for (size_t i = 0; i < n; i++) n0 += idx[i] < N0;
        if (n0 == 0 || n0 == n) {
            *tau = NAN;
            return KS_OK;
        }
        for (size_t i = 0; i < n0; i++) om[i] = omega[idx[i]];
    } else { /* jackknife: leave unit b out, weights fixed */
        for (size_t i = 0; i < N; i++)
            if (i != b) idx[n++] = i;
        n0 = b < N0 ? N0 - 1 : N0;
        for (size_t i = 0; i < n0; i++) om[i] = omega[idx[i]];
        o.update_omega = o.update_lambda = 0;
    }
    sum_normalize(om, n0);
    memcpy(la, lambda, T0 * sizeof *la);
    for (size_t t = 0; t < T; t++)
        for (size_t i = 0; i < n; i++) Yb[t * n + i] = Y[t * N + idx[i]];
    return sdid_estimate(ctx, Yb, n, n, n0, T, T0, &o, om, la, tau);
}

/* The shape-only RMSE of a pre-period residual: its root mean square after removing its mean. */
static double shape_rmse(const double *resid, size_t T0)
{
    double mean = 0.0, ss = 0.0;
    for (size_t t = 0; t < T0; t++) mean += resid[t];
    mean /= (double)T0;
    for (size_t t = 0; t < T0; t++) ss += (resid[t] - mean) * (resid[t] - mean);
    return sqrt(ss / (double)T0);
}

/* diff-diff's in-space placebo reference for the pre-treatment fit (Abadie, Diamond &
 * Hainmueller 2010, on SDID's placebo draws): draw d takes the placebo variance's permutation d
 * of the controls, the last N1 playing the treated; the unit weights are refitted on the others
 * (warm-started from the fit's, the time weights untouched) and the shape-only RMSE of the
 * pseudo-treated pre-period residual goes to rmse[d]. */
static int pre_fit_placebo(ks_ctx *ctx, const double *Y, size_t N, size_t N0, size_t T, size_t T0,
                           const sdid_opts *o0, const double *omega, const double *lambda,
                           uint64_t seed, size_t nd, double *rmse)
{
    const size_t N1 = N - N0, n0 = N0 - N1;
    sdid_opts o = *o0;
    o.update_lambda = 0;
    double *Yb = ks__malloc_array(ctx, N0 * T + N0 + T, sizeof *Yb);
    size_t *idx = ks__malloc_array(ctx, N0, sizeof *idx);
    if (!Yb || !idx) {
        ks__free(ctx, Yb);
        ks__free(ctx, idx);
        return KS_ENOMEM;
    }
    double *om = Yb + N0 * T, *la = om + N0;
    int rc = KS_OK;
    for (size_t d = 0; d < nd && rc == KS_OK; d++) {
        permutation(seed, d, idx, N0);
        for (size_t t = 0; t < T; t++)
            for (size_t i = 0; i < N0; i++) Yb[t * N0 + i] = Y[t * N + idx[i]];
        for (size_t i = 0; i < n0; i++) om[i] = omega[idx[i]];
        sum_normalize(om, n0);
        memcpy(la, lambda, T0 * sizeof *la);
        double tau;
        if ((rc = sdid_estimate(ctx, Yb, N0, N0, n0, T, T0, &o, om, la, &tau))) break;
        double *resid = la; /* the time weights are not needed any more */
        for (size_t t = 0; t < T0; t++) {
            double a = 0.0, b = 0.0;
            for (size_t i = n0; i < N0; i++) a += Yb[t * N0 + i];
            for (size_t i = 0; i < n0; i++) b += om[i] * Yb[t * N0 + i];
            resid[t] = a / (double)N1 - b;
        }
        rmse[d] = shape_rmse(resid, T0);
    }
    ks__free(ctx, Yb);
    ks__free(ctx, idx);
    return rc;
}

int ks_did_sdid_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                const char *time, const char *treatment, const ks_did_sdid_options *opt,
                ks_did_sdid **out)
{
    *out = NULL;
    ks_did_sdid_options defaults = KS_DID_SDID_OPTIONS_INIT;
    if (!opt) opt = &defaults;
    if ((unsigned)opt->estimator > KS_DID_SDID_DID)
        return ks__fail(ctx, KS_EINVAL, "estimator: unknown value %d", (int)opt->estimator);
    if ((unsigned)opt->variance > KS_DID_SDID_NONE)
        return ks__fail(ctx, KS_EINVAL, "variance_method: unknown value %d", (int)opt->variance);
    if (opt->variance != KS_DID_SDID_NONE && opt->variance != KS_DID_SDID_JACKKNIFE &&
        opt->replications < 2)
        return ks__fail(ctx, KS_EINVAL, "replications: %d is fewer than 2", opt->replications);
    if (!(opt->alpha > 0 && opt->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", opt->alpha);
    const size_t nrow = ks_table_nrow(t);
    ks_did_numcol yc, tc, wc;
    int64_t *uc = NULL, *tcode = NULL;
    size_t N = 0, T = 0, j;
    double *Y = NULL, *W = NULL, *tv = NULL, *work = NULL, *est = NULL;
    size_t *order = NULL, *uidx = NULL, *urow = NULL;
    ks_did_sdid *r = NULL;
    int rc;
    if ((rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "time", time, &tc)) ||
        (rc = ks__did_numeric(ctx, t, "treatment", treatment, &wc)))
        return rc;
    uc = ks__malloc_array(ctx, nrow ? nrow : 1, 2 * sizeof *uc);
    if (!uc) return KS_ENOMEM;
    tcode = uc + nrow;
    if ((rc = ks_table_find(ctx, t, unit, &j))) {
        rc = ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
        goto done;
    }
    const size_t ucol = j;
    if ((rc = ks_table_factorize(ctx, t, &j, 1, uc, ks_table_nrow(t), &N))) goto done;
    if ((rc = ks_table_find(ctx, t, time, &j)) ||
        (rc = ks_table_factorize(ctx, t, &j, 1, tcode, ks_table_nrow(t), &T)))
        goto done;
    size_t NT;
    if (!ks__size_mul(N, T, &NT) || NT != nrow) {
        rc = ks__fail(ctx, KS_EINVAL,
                     "the data are not a balanced panel: %zu units x %zu periods but %zu rows",
                     N, T, nrow);
        goto done;
    }
    /* the periods in increasing order */
    tv = ks__malloc_array(ctx, T, 2 * sizeof *tv);
    Y = ks__malloc_array(ctx, NT, 2 * sizeof *Y);
    /* urow, uidx (N each), then order: the periods' order first (T), the units' later (N) */
    urow = ks__malloc_array(ctx, 2 * N + (N > T ? N : T), sizeof *urow);
    if (!tv || !Y || !urow) {
        rc = KS_ENOMEM;
        goto done;
    }
    W = Y + NT;
    uidx = urow + N;
    order = uidx + N;
    for (size_t i = 0; i < N; i++) urow[i] = SIZE_MAX;
    for (size_t s = 0; s < T; s++) tv[s] = NAN;
    for (size_t i = 0; i < NT; i++) Y[i] = NAN;
    for (size_t i = 0; i < nrow; i++) {
        const double yv = ks__did_num_at(&yc, i), w = ks__did_num_at(&wc, i);
        const double tt = ks__did_num_at(&tc, i);
        if (uc[i] < 0 || tcode[i] < 0 || !isfinite(yv) || !isfinite(tt)) {
            rc = ks__fail(ctx, KS_EINVAL, "row %zu: missing or non-finite value (outcome, unit "
                                         "or time); synthetic DiD needs a complete panel",
                         i + 1);
            goto done;
        }
        if (!(w == 0.0 || w == 1.0)) {
            rc = ks__fail(ctx, KS_EINVAL, "treatment: column '%s' row %zu is %g, not 0 or 1",
                         treatment, i + 1, w);
            goto done;
        }
        const size_t cell = (size_t)tcode[i] * N + (size_t)uc[i];
        if (!isnan(Y[cell])) {
            rc = ks__fail(ctx, KS_EINVAL, "row %zu repeats a unit and period; the panel must "
                                         "have one row per unit and period",
                         i + 1);
            goto done;
        }
        Y[cell] = yv;
        W[cell] = w;
        tv[tcode[i]] = tt;
        if (urow[uc[i]] == SIZE_MAX) urow[uc[i]] = i;
    }
    /* periods sorted; units: controls then treated, each by label (R's panel.matrices) */
    double *tsort = tv + T;
    size_t *tord = order; /* reused below for units */
    for (size_t s = 0; s < T; s++) tord[s] = s;
    for (size_t a = 1; a < T; a++) /* insertion sort: few periods */
        for (size_t b = a; b > 0 && tv[tord[b - 1]] > tv[tord[b]]; b--) {
            const size_t x = tord[b];
            tord[b] = tord[b - 1];
            tord[b - 1] = x;
        }
    for (size_t s = 0; s < T; s++) tsort[s] = tv[tord[s]];
    double *Ys = ks__malloc_array(ctx, NT, 2 * sizeof *Ys);
    if (!Ys) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *Ws = Ys + NT;
    for (size_t s = 0; s < T; s++) {
        memcpy(Ys + s * N, Y + tord[s] * N, N * sizeof *Y);
        memcpy(Ws + s * N, W + tord[s] * N, N * sizeof *W);
    }
    memcpy(Y, Ys, 2 * NT * sizeof *Y);
    ks__free(ctx, Ys);
    memcpy(tv, tsort, T * sizeof *tv);
    /* treated units, and the first treated period */
    size_t T0 = T, N1 = 0;
    unsigned char *treated = ks__calloc(ctx, N, 1);
    if (!treated) {
        rc = KS_ENOMEM;
        goto done;
    }
    if (opt->post_periods) {
        T0 = 0;
        while (T0 < T && !(tv[T0] >= opt->post_periods[0])) T0++;
        for (size_t q = 0; q < opt->npost; q++) {
            size_t s = 0;
            while (s < T && tv[s] != opt->post_periods[q]) s++;
            if (s == T) {
                ks__free(ctx, treated);
                rc = ks__fail(ctx, KS_EINVAL, "post_periods: %g is not a period of '%s'",
                             opt->post_periods[q], time);
                goto done;
            }
        }
        for (size_t i = 0; i < N; i++)
            for (size_t s = 0; s < T; s++) treated[i] |= W[s * N + i] != 0.0;
    } else {
        for (size_t s = 0; s < T && T0 == T; s++)
            for (size_t i = 0; i < N; i++)
                if (W[s * N + i] != 0.0) T0 = s;
        for (size_t i = 0; i < N; i++)
            for (size_t s = 0; s < T; s++) treated[i] |= W[s * N + i] != 0.0;
        /* simultaneous adoption: treated units treated from T0 on, nobody before */
        for (size_t i = 0; i < N && rc == KS_OK; i++)
            for (size_t s = 0; s < T; s++)
                if ((W[s * N + i] != 0.0) != (treated[i] && s >= T0)) {
                    rc = ks__fail(ctx, KS_EINVAL,
                                 "treatment adoption is not simultaneous (unit at row %zu, "
                                 "period %g): synthetic DiD needs one treatment date",
                                 urow[i] + 1, tv[s]);
                    break;
                }
    }
    for (size_t i = 0; i < N; i++) N1 += treated[i];
    if (rc == KS_OK && (N1 == 0 || N1 == N))
        rc = ks__fail(ctx, KS_EINVAL, "treatment: need both treated and control units");
    if (rc == KS_OK && (T0 == 0 || T0 == T))
        rc = ks__fail(ctx, KS_EINVAL, "need both pre- and post-treatment periods");
    if (rc) {
        ks__free(ctx, treated);
        goto done;
    }
    /* order units: controls, then treated; by label within each */
    for (size_t i = 0; i < N; i++) order[i] = i;
    {
        unit_key key = {t, ucol, urow, treated};
        qsort_r(order, N, sizeof *order, cmp_label, &key);
    }
    ks__free(ctx, treated);
    const size_t N0 = N - N1, T1 = T - T0;
    double *Yo = ks__malloc_array(ctx, NT, sizeof *Yo);
    if (!Yo) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t s = 0; s < T; s++)
        for (size_t i = 0; i < N; i++) Yo[s * N + i] = Y[s * N + order[i]];
    memcpy(Y, Yo, NT * sizeof *Y);
    ks__free(ctx, Yo);

    /* the regularisation: sigma = sd of the controls' first differences before treatment */
    double noise = 0.0;
    {
        size_t m = 0;
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < N0; i++)
            for (size_t s = 1; s < T0; s++) {
                mean += Y[s * N + i] - Y[(s - 1) * N + i];
                m++;
            }
        if (m) mean /= (double)m;
        for (size_t i = 0; i < N0; i++)
            for (size_t s = 1; s < T0; s++) {
                const double d = Y[s * N + i] - Y[(s - 1) * N + i] - mean;
                ss += d * d;
            }
        noise = m > 1 ? sqrt(ss / (double)(m - 1)) : 0.0;
        if (m < 2 && opt->estimator == KS_DID_SDID_SYNTHDID) /* (said once: not for SC and DiD) */
            ks__log(ctx, KS_LOG_WARN,
                   "%zu pre-treatment period%s and %zu control%s: the noise level (the sd of the "
                   "controls' first differences) is not defined and is taken as 0, and the "
                   "automatic regularisation with it (R's synthdid stops here)",
                   T0, T0 == 1 ? "" : "s", N0, N0 == 1 ? "" : "s");
    }
    sdid_opts o = {opt->estimator, 0, 0, 1e-5 * noise, 1, 1, 1, 1};
    const double eta_omega = opt->estimator == KS_DID_SDID_SC ? 1e-6 : pow((double)(N1 * T1), 0.25);
    o.zeta_omega = isnan(opt->zeta_omega) ? eta_omega * noise : opt->zeta_omega;
    o.zeta_lambda = isnan(opt->zeta_lambda) ? 1e-6 * noise : opt->zeta_lambda;
    r = ks__calloc(ctx, 1, sizeof *r);
    const int reps = opt->variance == KS_DID_SDID_NONE        ? 0
                     : opt->variance == KS_DID_SDID_JACKKNIFE ? (int)N
                                                          : opt->replications;
    /* the pre-fit reference's draws: min(replications, 20) as diff-diff's, for synthdid with a
     * variance (not the refits) */
    const size_t nfit = opt->estimator == KS_DID_SDID_SYNTHDID &&
                                opt->variance != KS_DID_SDID_NONE && T0 >= 2 && N0 > N1 &&
                                opt->replications > 0
                            ? (opt->replications < 20 ? (size_t)opt->replications : 20)
                            : 0;
    if (r) {
        r->alloc = ctx->alloc;
        r->buf =
            ks__calloc(ctx, N0 + T0 + T + (size_t)reps + 2 * T + nfit + T0 + 1, sizeof *r->buf);
        r->rows = ks__malloc_array(ctx, N, sizeof *r->rows);
    }
    if (!r || !r->buf || !r->rows) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *omega = r->buf, *lambda = omega + N0;
    for (size_t i = 0; i < N0; i++) omega[i] = 1.0 / (double)N0;
    for (size_t s = 0; s < T0; s++) lambda[s] = opt->estimator == KS_DID_SDID_SC ? 0.0 : 1.0 / (double)T0;
    if (opt->estimator == KS_DID_SDID_SC) {
        o.update_lambda = 0;
        o.omega_intercept = 0;
    } else if (opt->estimator == KS_DID_SDID_DID) {
        o.update_lambda = o.update_omega = 0;
    }
    double tau;
    ks__blas_set_threads(1); /* products inside the threads of the replications */
    if ((rc = sdid_estimate(ctx, Y, N, N, N0, T, T0, &o, omega, lambda, &tau))) goto done;
    ks_did_sdid_view *v = &r->v;
    v->att = tau;
    v->N0 = N0;
    v->N1 = N1;
    v->T0 = T0;
    v->T1 = T1;
    v->noise_level = noise;
    v->zeta_omega = o.zeta_omega;
    v->zeta_lambda = o.zeta_lambda;
    v->omega = omega;
    v->lambda = lambda;
    v->times = lambda + T0;
    memcpy(lambda + T0, tv, T * sizeof *tv);
    for (size_t i = 0; i < N; i++) r->rows[i] = urow[order[i]];
    v->unit_row = r->rows;
    v->replications = (size_t)reps;
    v->estimates = lambda + T0 + T;
    v->se = NAN;
    { /* the trajectories behind diff-diff's pre-treatment fit: treated mean vs synthetic control */
        double *tr = lambda + T0 + T + reps, *sy = tr + T;
        for (size_t s = 0; s < T; s++) {
            double a = 0.0, b = 0.0;
            for (size_t i = 0; i < N0; i++) b += omega[i] * Y[s * N + i];
            for (size_t i = N0; i < N; i++) a += Y[s * N + i];
            tr[s] = a / (double)N1;
            sy[s] = b;
        }
        v->treated_traj = tr;
        v->synthetic_traj = sy;
        double *resid = sy + T + nfit;
        for (size_t t = 0; t < T0; t++) resid[t] = tr[t] - sy[t];
        v->pre_fit_rmse = T0 >= 2 ? shape_rmse(resid, T0) : NAN;
        v->pre_fit_placebo_pvalue = NAN;
        v->pre_fit_placebo_rmse = sy + T;
        v->n_pre_fit_placebo = nfit;
        if (nfit) {
            if ((rc = pre_fit_placebo(ctx, Y, N, N0, T, T0, &o, omega, lambda, opt->seed, nfit,
                                      sy + T)))
                goto done;
            size_t ge = 0;
            for (size_t d = 0; d < nfit; d++) ge += sy[T + d] >= v->pre_fit_rmse;
            v->pre_fit_placebo_pvalue = (1.0 + (double)ge) / (1.0 + (double)nfit);
            if (v->pre_fit_placebo_pvalue <= 0.05)
                ks__log(ctx, KS_LOG_WARN,
                        "pre-treatment fit is poor: the treated units' shape-only pre-fit RMSE "
                        "(%g) exceeds that of every one of %zu placebo fits of controls treated "
                        "as if treated (placebo p-value %.3f); the synthetic control may not "
                        "reproduce the treated units' pre-treatment trend",
                        v->pre_fit_rmse, nfit, v->pre_fit_placebo_pvalue);
        }
    }

    /* the variance: replications in parallel, each its own draw of the counter stream */
    if (reps > 0 && !(opt->variance == KS_DID_SDID_PLACEBO && N0 <= N1) &&
        !(opt->variance != KS_DID_SDID_PLACEBO && N1 == 1 && opt->variance == KS_DID_SDID_JACKKNIFE) &&
        !(opt->variance == KS_DID_SDID_BOOTSTRAP && N0 == N - 1)) {
        /* a replication: Frank-Wolfe solves, hundreds of steps over the controls' pre periods */
        int nt = ks__threads_for(ctx, 200.0 * (double)reps * (double)N0 * (double)(T0 + 1));
        const size_t per = NT + N + T0 + 2 * N + 8;
        work = ks__malloc_array(ctx, (size_t)nt, per * sizeof *work);
        int *status = ks__calloc(ctx, (size_t)reps, sizeof *status);
        if (!work || !status) {
            ks__free(ctx, status);
            rc = KS_ENOMEM;
            goto done;
        }
        double *e = lambda + T0 + T;
#pragma omp parallel num_threads(nt)
        {
#ifdef _OPENMP
            double *wk = work + (size_t)omp_get_thread_num() * per;
#else
            double *wk = work;
#endif
            ks_ctx lctx = *ctx;
            lctx.log_fn = NULL;
            lctx.nthreads = 1;
            size_t *idx = (size_t *)(wk + NT + N + T0 + 4);
#pragma omp for schedule(dynamic, 1)
            for (int b = 0; b < reps; b++) {
                /* bootstrap draws that are all control or all treated are redrawn, as R does */
                uint64_t draw = (uint64_t)b;
                do {
                    status[b] = replicate(&lctx, Y, N, N0, T, T0, &o, omega, lambda,
                                          opt->variance, opt->seed, draw, wk, idx, &e[b]);
                    draw += (uint64_t)reps;
                } while (status[b] == KS_OK && opt->variance == KS_DID_SDID_BOOTSTRAP && isnan(e[b]));
            }
        }
        for (int b = 0; b < reps && rc == KS_OK; b++)
            if (status[b] != KS_OK) rc = ks__fail(ctx, status[b], "a variance replication failed");
        ks__free(ctx, status);
        if (rc) goto done;
        if (opt->variance == KS_DID_SDID_JACKKNIFE) {
            const double n = (double)reps;
            v->se = sqrt((n - 1.0) / n * (n - 1.0)) * sd(e, (size_t)reps);
        } else {
            v->se = sqrt((double)(reps - 1) / (double)reps) * sd(e, (size_t)reps);
        }
    } else if (reps > 0) {
        ks__log(ctx, KS_LOG_WARN, "the %s standard error is not defined for %zu treated and %zu "
                                 "control units",
               opt->variance == KS_DID_SDID_PLACEBO ? "placebo"
               : opt->variance == KS_DID_SDID_JACKKNIFE ? "jackknife"
                                                    : "bootstrap",
               N1, N0);
        v->replications = 0;
    }
    /* the normal test and interval of the estimate */
    ks__infer(v->att, v->se, 0.0, ks_normal_quantile(1.0 - opt->alpha / 2.0), &v->tstat,
                  &v->pvalue, &v->ci_lower, &v->ci_upper);
    *out = r;
    r = NULL;

done:
    ks__blas_set_threads(ctx->nthreads);
    ks_did_sdid_free(r);
    ks__free(ctx, uc);
    ks__free(ctx, Y);
    ks__free(ctx, tv);
    ks__free(ctx, urow);
    ks__free(ctx, work);
    ks__free(ctx, est);
    return rc;
}

/* Units: controls before treated, then by label (text, or number) as R's order() on row names. */
static int cmp_label(const void *a, const void *b, void *ud)
{
    const unit_key *k = ud;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (k->treated[i] != k->treated[j]) return k->treated[i] - k->treated[j];
    const size_t ri = k->urow[i], rj = k->urow[j];
    const ks_col_type ty = ks_table_col_type(k->t, k->col);
    if (ty == KS_COL_STRING) {
        const char *si = ks_table_string(k->t, k->col, ri), *sj = ks_table_string(k->t, k->col, rj);
        return strcmp(si ? si : "", sj ? sj : "");
    }
    double x = ty == KS_COL_INT64 ? (double)ks_table_int64(k->t, k->col)[ri]
                                  : ks_table_float64(k->t, k->col)[ri];
    double y = ty == KS_COL_INT64 ? (double)ks_table_int64(k->t, k->col)[rj]
                                  : ks_table_float64(k->t, k->col)[rj];
    return (x > y) - (x < y);
}
