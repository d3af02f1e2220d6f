/* honest.c — HonestDiD's sensitivity intervals (public API, did_honest.h): argument checks, the
 * relative-magnitudes moment matrices of R's .create_A_RM, and the union over the location s of
 * the largest pre-period difference and its sign that Delta^RM's confidence set is (Lemma 2.2
 * of Rambachan & Roth: Delta^RM is a finite union of polyhedra). */
#include <math.h>
#include <string.h>

#include "base/base_internal.h"
#include "honest_internal.h"
#include "kestrel/did_honest.h"
#include "kestrel/linalg.h"

static const ks__enum_entry delta_names[] = {{"SD", KS_HONEST_SD}, {"RM", KS_HONEST_RM}};
KS__ENUM_FUNCS(ks_honest_delta, ks_honest_delta, "HonestDiD restriction", delta_names)
static const ks__enum_entry ci_names[] = {
    {"FLCI", KS_HONEST_FLCI}, {"Conditional", KS_HONEST_CONDITIONAL}, {"C-LF", KS_HONEST_C_LF}};
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
    if (a->delta != KS_HONEST_SD && a->delta != KS_HONEST_RM)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: delta must be SD or RM");
    return KS_OK;
}

static int check(ks_ctx *ctx, const ks_did_honest_args *a)
{
    int rc = check_data(ctx, a);
    if (rc != KS_OK) return rc;
    if (a->method != KS_HONEST_FLCI && a->method != KS_HONEST_CONDITIONAL &&
        a->method != KS_HONEST_C_LF)
        return ks__fail(ctx, KS_EINVAL, "HonestDiD: method must be FLCI, Conditional or C-LF");
    if (a->delta == KS_HONEST_RM && a->method == KS_HONEST_FLCI)
        return ks__fail(ctx, KS_EINVAL,
                        "HonestDiD: relative magnitudes take method Conditional or C-LF, not FLCI");
    if (a->delta == KS_HONEST_SD && a->method != KS_HONEST_FLCI)
        return ks__fail(ctx, KS_EINVAL,
                        "HonestDiD: smoothness supports method FLCI only in this version");
    if (a->delta == KS_HONEST_RM && a->num_post < 2)
        return ks__fail(ctx, KS_EINVAL,
                        "HonestDiD: relative magnitudes need 2+ post periods in this version");
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

size_t ks__honest_A_rm(size_t K, size_t P, double Mbar, long s, int pos, double *A)
{
    const size_t T = K + P, W = T + 1;
    double row[129], v[129];
    memset(v, 0, W * sizeof *v);
    v[(size_t)((long)K + s - 1)] = pos ? -1.0 : 1.0;
    v[(size_t)((long)K + s)] = pos ? 1.0 : -1.0;
    size_t nr = 0;
    for (int sg = 0; sg < 2; sg++)
        for (size_t r = 0; r < T; r++) {
            memset(row, 0, W * sizeof *row);
            row[r] = sg ? 1.0 : -1.0;
            row[r + 1] = sg ? -1.0 : 1.0;
            const double mult = r < K ? 1.0 : Mbar;
            double ss = 0.0;
            for (size_t j = 0; j < W; j++) {
                row[j] -= mult * v[j];
                ss += row[j] * row[j];
            }
            if (ss <= 1e-10) continue;
            for (size_t j = 0, c = 0; j < W; j++)
                if (j != K) A[nr * T + c++] = row[j];
            nr++;
        }
    return nr;
}

static int rm_sets(ks_ctx *ctx, const ks_did_honest_args *a, const double *l, double Mbar,
                   const double *grid, size_t ng, unsigned char *acc, unsigned char *any)
{
    const size_t K = a->num_pre, P = a->num_post, T = K + P;
    double *A = ks__malloc_array(ctx, 2 * T * T + 2 * T, sizeof *A);
    if (!A) return KS_ENOMEM;
    double *d = A + 2 * T * T;
    unsigned char rows[256];
    memset(d, 0, 2 * T * sizeof *d);
    memset(any, 0, ng);
    int rc = KS_OK;
    for (long s = -(long)(K - 1); s <= 0 && rc == KS_OK; s++)
        for (int pos = 1; pos >= 0 && rc == KS_OK; pos--) {
            const size_t nr = ks__honest_A_rm(K, P, Mbar, s, pos, A);
            /* postPeriodMomentsOnly: the rows that involve a post period */
            for (size_t i = 0; i < nr; i++) {
                rows[i] = 0;
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
                                 .hybrid = a->method == KS_HONEST_C_LF ? KS__HYB_LF : KS__HYB_ARP};
            rc = ks__arp_grid(ctx, &p, grid, ng, acc);
            for (size_t g = 0; g < ng; g++) any[g] |= acc[g];
        }
    ks__free(ctx, A);
    return rc;
}

int ks_did_honest(ks_ctx *ctx, const ks_did_honest_args *args, const double *m, size_t n_m,
                  double *lb, double *ub)
{
    int rc = check(ctx, args);
    if (rc != KS_OK) return rc;
    ks_did_honest_args a = *args;
    if (a.alpha == 0) a.alpha = 0.05;
    const size_t K = a.num_pre, P = a.num_post, T = K + P;
    double e1[64] = {1.0};
    const double *l = a.l_vec ? a.l_vec : e1;
    for (size_t i = 0; i < n_m; i++)
        if (!(m[i] >= 0) || !isfinite(m[i]))
            return ks__fail(ctx, KS_EINVAL, "HonestDiD: M values must be finite and >= 0 (M[%zu])",
                            i);
    if (a.delta == KS_HONEST_SD) {
        double vec[128];
        for (size_t i = 0; i < n_m; i++) {
            double half;
            if ((rc = ks__honest_flci(ctx, a.sigma, K, P, l, m[i], a.alpha, vec, &half)) != KS_OK)
                return rc;
            double c = 0.0;
            for (size_t j = 0; j < T; j++) c += vec[j] * a.betahat[j];
            lb[i] = c - half;
            ub[i] = c + half;
        }
        return KS_OK;
    }
    const size_t ng = a.grid_points ? a.grid_points : 1000;
    if (ng < 2) return ks__fail(ctx, KS_EINVAL, "HonestDiD: grid_points must be at least 2");
    const double sdt = post_sd(&a, l);
    const double glb = isnan(a.grid_lb) ? -20 * sdt : a.grid_lb;
    const double gub = isnan(a.grid_ub) ? 20 * sdt : a.grid_ub;
    double *grid = ks__malloc_array(ctx, ng, sizeof *grid);
    unsigned char *acc = ks__malloc_array(ctx, 2 * ng, 1);
    if (!grid || !acc) {
        ks__free(ctx, grid);
        ks__free(ctx, acc);
        return KS_ENOMEM;
    }
    /* R's seq(from, to, length.out = n): from + i (to - from) / (n - 1), the last exactly to */
    for (size_t g = 0; g + 1 < ng; g++)
        grid[g] = glb + (double)g * ((gub - glb) / (double)(ng - 1));
    grid[ng - 1] = gub;
    for (size_t i = 0; i < n_m && rc == KS_OK; i++) {
        rc = rm_sets(ctx, &a, l, m[i], grid, ng, acc, acc + ng);
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

/* R's .create_A_SD: rows +-(delta_{r-1} - 2 delta_r + delta_{r+1}) <= M over the T + 1 periods
 * with the reference column dropped; 2 (T - 1) rows, row-major T wide. */
static size_t make_A_sd(size_t K, size_t P, double *A)
{
    const size_t T = K + P, nr = T - 1;
    double row[129];
    for (size_t r = 0; r < nr; r++) {
        memset(row, 0, (T + 1) * sizeof *row);
        row[r] = 1.0, row[r + 1] = -2.0, row[r + 2] = 1.0;
        for (size_t j = 0, c = 0; j <= T; j++)
            if (j != K) {
                A[r * T + c] = row[j];
                A[(r + nr) * T + c] = -row[j];
                c++;
            }
    }
    return 2 * nr;
}

/* theta's identified set over one polyhedron {A delta <= d, delta_pre = betahat_pre}:
 * l'beta_post - [max, min] l'delta_post; R's point l'beta_post where the LP has no optimum. */
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

int ks_did_honest_idset(ks_ctx *ctx, const ks_did_honest_args *args, const double *m, size_t n_m,
                        double *lb, double *ub)
{
    int rc = check_data(ctx, args);
    if (rc != KS_OK) return rc;
    const ks_did_honest_args *a = args;
    const size_t K = a->num_pre, P = a->num_post, T = K + P;
    for (size_t i = 0; i < n_m; i++)
        if (!(m[i] >= 0) || !isfinite(m[i]))
            return ks__fail(ctx, KS_EINVAL, "HonestDiD: M values must be finite and >= 0 (M[%zu])",
                            i);
    double e1[64] = {1.0};
    const double *l = a->l_vec ? a->l_vec : e1;
    const size_t nr = 2 * T, nw = ks__lp_work_size(P, nr, 0) + nr * P;
    double *A = ks__malloc_array(ctx, nr * T + nr + 2 * P + nw, sizeof *A);
    if (!A) return KS_ENOMEM;
    double *b = A + nr * T, *cost = b + nr, *x = cost + P, *work = x + P;
    for (size_t i = 0; i < n_m; i++) {
        double lo, hi;
        if (a->delta == KS_HONEST_SD) {
            const size_t n = make_A_sd(K, P, A);
            idset_poly(a, l, A, n, m[i], b, cost, x, work, &lb[i], &ub[i]);
            continue;
        }
        /* Delta^RM: the union over the location s and sign of the largest pre difference */
        lb[i] = INFINITY, ub[i] = -INFINITY;
        for (long s = -(long)(K - 1); s <= 0; s++)
            for (int pos = 1; pos >= 0; pos--) {
                const size_t n = ks__honest_A_rm(K, P, m[i], s, pos, A);
                idset_poly(a, l, A, n, 0.0, b, cost, x, work, &lo, &hi);
                lb[i] = fmin(lb[i], lo);
                ub[i] = fmax(ub[i], hi);
            }
    }
    ks__free(ctx, A);
    return KS_OK;
}
