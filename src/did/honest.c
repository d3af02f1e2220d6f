/* honest.c — HonestDiD's sensitivity intervals (public API, did_honest.h): argument checks, R's
 * grids, and the identified and confidence sets as unions over the polyhedra that make up
 * Delta (Lemma 2.2 of Rambachan & Roth: Delta^RM and Delta^SDRM are finite unions). */
#include <math.h>
#include <string.h>

#include "base/base_internal.h"
#include "honest_internal.h"
#include "kestrel/did_honest.h"
#include "kestrel/linalg.h"

static const ks__enum_entry delta_names[] = {
    {"SD", KS_HONEST_SD}, {"RM", KS_HONEST_RM}, {"SDRM", KS_HONEST_SDRM}};
KS__ENUM_FUNCS(ks_honest_delta, ks_honest_delta, "HonestDiD restriction", delta_names)
static const ks__enum_entry ci_names[] = {{"FLCI", KS_HONEST_FLCI},
                                          {"Conditional", KS_HONEST_CONDITIONAL},
                                          {"C-LF", KS_HONEST_C_LF},
                                          {"C-F", KS_HONEST_C_F}};
KS__ENUM_FUNCS(ks_honest_ci, ks_honest_ci, "HonestDiD method", ci_names)

/* the data: shapes, finiteness, symmetry, alpha */
static int check_data(ks_ctx *ctx, const ks_did_honest_args *a)
{
    if (!a || !a->betahat || !a->sigma)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: betahat and sigma are required");
    if (a->num_pre < 1 || a->num_post < 1 || a->num_pre > 64 || a->num_post > 64)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: num_pre and num_post must be in 1..64");
    const size_t T = a->num_pre + a->num_post;
    for (size_t i = 0; i < T; i++)
        if (!isfinite(a->betahat[i]))
            return ks__fail(ctx, KS_EINVAL, "HonestDiD: betahat[%zu] is not finite", i);
    for (size_t i = 0; i < T * T; i++)
        if (!isfinite(a->sigma[i]))
            return ks__fail(ctx, KS_EINVAL, "HonestDiD: sigma has a value that is not finite");
    for (size_t i = 0; i < T; i++)
        for (size_t j = 0; j < i; j++)
            if (fabs(a->sigma[i * T + j] - a->sigma[j * T + i]) >
                1e-8 * (fabs(a->sigma[i * T + i]) + fabs(a->sigma[j * T + j])))
                return ks__fail(ctx, KS_EINVAL, "HonestDiD: sigma is not symmetric");
    if (a->alpha != 0 && !(a->alpha > 0 && a->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: alpha must be in (0, 1)");
    if (a->delta != KS_HONEST_SD && a->delta != KS_HONEST_RM && a->delta != KS_HONEST_SDRM)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: delta must be SD, RM or SDRM");
    if (a->delta == KS_HONEST_SDRM && a->num_pre < 2)
        return ks__fail(ctx, KS_EINVAL,
                        "HonestDiD: SDRM (deviation from a linear trend) needs 2+ pre periods");
    return KS_OK;
}

static int check(ks_ctx *ctx, const ks_did_honest_args *a)
{
    int rc = check_data(ctx, a);
    if (rc != KS_OK) return rc;
    if (a->method != KS_HONEST_FLCI && a->method != KS_HONEST_CONDITIONAL &&
        a->method != KS_HONEST_C_LF && a->method != KS_HONEST_C_F)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: method must be FLCI, Conditional, C-F or C-LF");
    if (a->delta != KS_HONEST_SD && (a->method == KS_HONEST_FLCI || a->method == KS_HONEST_C_F))
        return ks__fail(ctx, KS_EINVAL,
                        "HonestDiD: relative magnitudes take method Conditional or C-LF, not %s",
                        ks_honest_ci_name(a->method));
    /* R's one-post-period tests take tau itself as theta (l_vec is not used) */
    if (a->method != KS_HONEST_FLCI && a->num_post == 1 && a->l_vec && a->l_vec[0] != 1.0)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: with one post period l_vec must be [1]");
    return KS_OK;
}

static double post_sd(const ks_did_honest_args *a, const double *l)
{
    const size_t T = a->num_pre + a->num_post, K = a->num_pre;
    double v = 0.0;
    for (size_t s = 0; s < a->num_post; s++)
        for (size_t t = 0; t < a->num_post; t++) v += l[s] * a->sigma[(K + t) * T + K + s] * l[t];
    return sqrt(v);
}

int ks_did_honest_original(ks_ctx *ctx, const ks_did_honest_args *a, double *lb, double *ub)
{
    int rc = check(ctx, a);
    if (rc != KS_OK) return rc;
    double e1[64] = {1.0};
    const double *l = a->l_vec ? a->l_vec : e1;
    double th = 0.0;
    for (size_t t = 0; t < a->num_post; t++) th += l[t] * a->betahat[a->num_pre + t];
    const double q = ks_normal_quantile(1 - (a->alpha > 0 ? a->alpha : 0.05) / 2);
    *lb = th - q * post_sd(a, l);
    *ub = th + q * post_sd(a, l);
    return KS_OK;
}

/* Delta as a union of polyhedra {A delta <= d} (Lemma 2.2 of Rambachan & Roth for RM / SDRM:
 * one for each location s of the largest pre-period difference and its sign; SD is one):
 * polyhedron q's rows in A, its d (one value for all rows) in *d; the row count. */
static size_t n_polys(const ks_did_honest_args *a)
{
    if (a->delta == KS_HONEST_SD) return 1;
    return 2 * (a->delta == KS_HONEST_RM ? a->num_pre : a->num_pre - 1);
}

static size_t polyhedron(const ks_did_honest_args *a, double m, size_t q, double *A, double *d)
{
    const size_t K = a->num_pre, P = a->num_post;
    const long s = -(long)(n_polys(a) / 2 - 1) + (long)(q / 2);
    const int pos = q % 2 == 0; /* R: max_positive TRUE, then FALSE */
    *d = a->delta == KS_HONEST_SD ? m : 0.0;
    if (a->delta == KS_HONEST_SD) return ks__honest_A_sd(K, P, A);
    if (a->delta == KS_HONEST_RM) return ks__honest_A_rm(K, P, m, s, pos, A);
    return ks__honest_A_sdrm(K, P, m, s, pos, A);
}

static void idset_poly(const ks_did_honest_args *a, const double *l, const double *A, size_t nr,
                       double dval, double *b, double *cost, double *x, double *work, double *lo,
                       double *hi)
{
    const size_t K = a->num_pre, P = a->num_post, T = K + P;
    double th = 0.0, vmin, vmax;
    for (size_t t = 0; t < P; t++) th += l[t] * a->betahat[K + t];
    for (size_t i = 0; i < nr; i++) {
        double v = dval;
        for (size_t j = 0; j < K; j++) v -= A[i * T + j] * a->betahat[j];
        b[i] = v;
    }
    /* the post columns of A (row-major, P wide) sit at offset K of each row: copy them */
    double *Ap = work;
    work += nr * P;
    for (size_t i = 0; i < nr; i++) memcpy(Ap + i * P, A + i * T + K, P * sizeof *Ap);
    for (size_t t = 0; t < P; t++) cost[t] = l[t];
    const int s1 = ks__lp_solve(P, nr, 0, cost, Ap, b, NULL, NULL, NULL, x, &vmin, NULL, work);
    for (size_t t = 0; t < P; t++) cost[t] = -l[t];
    const int s2 = ks__lp_solve(P, nr, 0, cost, Ap, b, NULL, NULL, NULL, x, &vmax, NULL, work);
    if (s1 != KS__LP_OPTIMAL && s2 != KS__LP_OPTIMAL) {
        *lo = *hi = th;
        return;
    }
    *lo = s2 == KS__LP_OPTIMAL ? th + vmax : -INFINITY; /* vmax = -max l'delta */
    *hi = s1 == KS__LP_OPTIMAL ? th - vmin : INFINITY;
}

/* the identified set at restriction size m: the union of idset_poly over the polyhedra */
static int idset(ks_ctx *ctx, const ks_did_honest_args *a, const double *l, double m, double *lb,
                 double *ub)
{
    const size_t P = a->num_post, T = a->num_pre + P;
    const size_t nr = 2 * T, nw = ks__lp_work_size(P, nr, 0) + nr * P;
    double *A = ks__malloc_array(ctx, nr * T + nr + 2 * P + nw, sizeof *A);
    if (!A) return KS_ENOMEM;
    double *b = A + nr * T, *cost = b + nr, *x = cost + P, *work = x + P;
    *lb = INFINITY, *ub = -INFINITY;
    for (size_t q = 0; q < n_polys(a); q++) {
        double d, lo, hi;
        const size_t n = polyhedron(a, m, q, A, &d);
        idset_poly(a, l, A, n, d, b, cost, x, work, &lo, &hi);
        *lb = fmin(*lb, lo);
        *ub = fmax(*ub, hi);
    }
    ks__free(ctx, A);
    return KS_OK;
}

static int check_m(ks_ctx *ctx, const double *m, size_t n_m)
{
    for (size_t i = 0; i < n_m; i++)
        if (!(m[i] >= 0) || !isfinite(m[i]))
            return ks__fail(ctx, KS_EINVAL, "HonestDiD: M values must be finite and >= 0 (M[%zu])",
                            i);
    return KS_OK;
}

int ks_did_honest_idset(ks_ctx *ctx, const ks_did_honest_args *a, const double *m, size_t n_m,
                        double *lb, double *ub)
{
    int rc = check_data(ctx, a);
    if (rc == KS_OK) rc = check_m(ctx, m, n_m);
    double e1[64] = {1.0};
    const double *l = a->l_vec ? a->l_vec : e1;
    for (size_t i = 0; i < n_m && rc == KS_OK; i++) rc = idset(ctx, a, l, m[i], &lb[i], &ub[i]);
    return rc;
}

/* The grid-inverted set at restriction size m: the grid points some polyhedron's test accepts
 * (any, ng). flci / half: the FLCI hybrid's first stage (C-F). A point one polyhedron accepts
 * is in the union: the later polyhedra test only the points not yet accepted. */
static int conditional_set(ks_ctx *ctx, const ks_did_honest_args *a, const double *l, double m,
                           const double *flci, double half, const double *grid, size_t ng,
                           unsigned char *acc, unsigned char *any)
{
    const size_t K = a->num_pre, P = a->num_post, T = K + P;
    double *A = ks__malloc_array(ctx, 2 * T * T + 2 * T + ng, sizeof *A);
    size_t *idx = ks__malloc_array(ctx, ng, sizeof *idx);
    if (!A || !idx) {
        ks__free(ctx, A);
        ks__free(ctx, idx);
        return KS_ENOMEM;
    }
    double *d = A + 2 * T * T, *todo = d + 2 * T, dval;
    unsigned char rows[256];
    static const ks__hybrid hyb[] = {[KS_HONEST_CONDITIONAL] = KS__HYB_ARP,
                                     [KS_HONEST_C_LF] = KS__HYB_LF,
                                     [KS_HONEST_C_F] = KS__HYB_FLCI};
    memset(any, 0, ng);
    int rc = KS_OK;
    for (size_t q = 0; q < n_polys(a) && rc == KS_OK; q++) {
        const size_t nr = polyhedron(a, m, q, A, &dval);
        for (size_t i = 0; i < nr; i++) d[i] = dval;
        /* R's postPeriodMomentsOnly: the rows that involve a post period (with one post
         * period, smoothness keeps all its rows) */
        for (size_t i = 0; i < nr; i++) {
            rows[i] = a->delta == KS_HONEST_SD && P == 1;
            for (size_t j = K; j < T; j++) rows[i] |= A[i * T + j] != 0.0;
        }
        ks__arp_problem p = {.npre = K,
                             .npost = P,
                             .nrow = nr,
                             .A = A,
                             .d = d,
                             .betahat = a->betahat,
                             .sigma = a->sigma,
                             .l_vec = l,
                             .rows = rows,
                             .alpha = a->alpha,
                             .kappa = a->alpha / 10,
                             .hybrid = hyb[a->method],
                             .flci_vec = flci,
                             .flci_half = half};
        size_t nt = 0;
        for (size_t g = 0; g < ng; g++)
            if (!any[g]) idx[nt] = g, todo[nt++] = grid[g];
        if (nt == 0) break;
        rc = ks__arp_grid(ctx, &p, todo, nt, acc);
        for (size_t i = 0; i < nt; i++) any[idx[i]] |= acc[i];
    }
    ks__free(ctx, A);
    ks__free(ctx, idx);
    return rc;
}

/* R's grid ends: the FLCI at size kappa for C-F; otherwise -+20 sd(l'betahat_post) around the
 * identified set at beta = 0 (smoothness) or around 0 (relative magnitudes). */
static int grid_ends(ks_ctx *ctx, const ks_did_honest_args *a, const double *l, double m,
                     const double *flci, double half, double *lo, double *hi)
{
    const size_t T = a->num_pre + a->num_post;
    const double sdt = post_sd(a, l);
    double c_lo = 0.0, c_hi = 0.0;
    if (a->method == KS_HONEST_C_F) {
        for (size_t j = 0; j < T; j++) c_lo += flci[j] * a->betahat[j];
        c_hi = c_lo + half, c_lo -= half;
    } else if (a->delta == KS_HONEST_SD) {
        double zero[128] = {0.0};
        ks_did_honest_args a0 = *a;
        a0.betahat = zero;
        int rc = idset(ctx, &a0, l, m, &c_lo, &c_hi);
        if (rc != KS_OK) return rc;
        c_lo -= 20 * sdt, c_hi += 20 * sdt;
    } else {
        c_lo = -20 * sdt, c_hi = 20 * sdt;
    }
    *lo = isnan(a->grid_lb) ? c_lo : a->grid_lb;
    *hi = isnan(a->grid_ub) ? c_hi : a->grid_ub;
    return KS_OK;
}

static int flci_interval(ks_ctx *ctx, const ks_did_honest_args *a, const double *l, double m,
                         double *lb, double *ub)
{
    const size_t T = a->num_pre + a->num_post;
    double vec[128], half;
    int rc = ks__honest_flci(ctx, a->sigma, a->num_pre, a->num_post, l, m, a->alpha, vec, &half);
    if (rc != KS_OK) return rc;
    double c = 0.0;
    for (size_t j = 0; j < T; j++) c += vec[j] * a->betahat[j];
    *lb = c - half;
    *ub = c + half;
    return KS_OK;
}

int ks_did_honest(ks_ctx *ctx, const ks_did_honest_args *args, const double *m, size_t n_m,
                  double *lb, double *ub)
{
    int rc = check(ctx, args);
    if (rc == KS_OK) rc = check_m(ctx, m, n_m);
    if (rc != KS_OK) return rc;
    ks_did_honest_args a = *args;
    if (a.alpha == 0) a.alpha = 0.05;
    double e1[64] = {1.0};
    const double *l = a.l_vec ? a.l_vec : e1;
    if (a.method == KS_HONEST_FLCI) {
        for (size_t i = 0; i < n_m && rc == KS_OK; i++)
            rc = flci_interval(ctx, &a, l, m[i], &lb[i], &ub[i]);
        return rc;
    }
    const size_t ng = a.grid_points ? a.grid_points : 1000;
    if (ng < 2) return ks__fail(ctx, KS_EINVAL, "HonestDiD: grid_points must be at least 2");
    double *grid = ks__malloc_array(ctx, ng, sizeof *grid);
    unsigned char *acc = ks__malloc_array(ctx, 2 * ng, 1);
    if (!grid || !acc) {
        ks__free(ctx, grid);
        ks__free(ctx, acc);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < n_m && rc == KS_OK; i++) {
        double flci[128], half = NAN, glb, gub;
        if (a.method == KS_HONEST_C_F)
            rc = ks__honest_flci(ctx, a.sigma, a.num_pre, a.num_post, l, m[i], a.alpha / 10, flci,
                                 &half);
        if (rc == KS_OK) rc = grid_ends(ctx, &a, l, m[i], flci, half, &glb, &gub);
        if (rc != KS_OK) break;
        /* R's seq(from, to, length.out = n): from + i (to - from) / (n - 1), the last exactly
         * to */
        for (size_t g = 0; g + 1 < ng; g++)
            grid[g] = glb + (double)g * ((gub - glb) / (double)(ng - 1));
        grid[ng - 1] = gub;
        rc = conditional_set(ctx, &a, l, m[i], flci, half, grid, ng, acc, acc + ng);
        lb[i] = INFINITY;
        ub[i] = -INFINITY;
        for (size_t g = 0; g < ng; g++)
            if (acc[ng + g]) {
                lb[i] = fmin(lb[i], grid[g]);
                ub[i] = fmax(ub[i], grid[g]);
            }
    }
    ks__free(ctx, grid);
    ks__free(ctx, acc);
    return rc;
}
