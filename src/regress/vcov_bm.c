/* vcov_bm.c — the Bell-McCaffrey bias-reduced sandwich (CR2; HC2 when every row is its own
 * cluster) and its Satterthwaite degrees of freedom (Bell & McCaffrey 2002; Imbens & Kolesar
 * 2016; Pustejovsky & Tipton 2018), as R clubSandwich's vcovCR(type = "CR2") and
 * coef_test(test = "Satterthwaite") on lm().
 *
 * The adjustment A_g = (I - H_gg)^{-1/2} (Moore-Penrose: eigenvalues of I - H_gg at or below
 * 1e-12 give 0, clubSandwich's matrix_power) is formed per cluster from the thin design: with
 * H_gg = U_g U_g' of rank r <= k (+1), A_g = I + U_g Q diag(gamma) Q' U_g' where U_g'U_g =
 * Q diag(lambda) Q' and gamma = ((1 - lambda)^{-1/2} - 1) / lambda; small clusters (n_g <= r)
 * take the dense n_g x n_g eigendecomposition. Never an n x n matrix: O(n k^2) in all.
 *
 * Fixed effects: those nested in the clusters drop out of the CR2 algebra (Pustejovsky & Tipton
 * 2018, theorem 2: the residuals and the demeaned design are orthogonal to them within each
 * cluster), so the demeaned design suffices. One fixed effect whose levels contain the clusters
 * (every row its own cluster: HC2-BM) enters the hat matrix as E N^-1 E'; the caller refuses
 * other layouts. The degrees of freedom of a contrast c, with p_g = A_g X_g B c,
 * M = I - H: E = sum_g p_g' M_gg p_g, V = sum_{g,h} (p_g' M_gh p_h)^2, df = E^2 / V, summed in
 * closed form over cluster pairs (tr((B S)^2), S = sum_g r_g r_g', r_g = X_g' p_g). */
#include <math.h>
#include <string.h>

#include "linalg/linalg_internal.h"
#include "regress_internal.h"

#define BM_EIG_TOL 1e-12 /* clubSandwich's matrix_power(tol = -12) */

struct ks__bm {
    size_t n, k, kk, G, L;
    size_t *idx;    /* kk kept columns */
    size_t *start;  /* G + 1: cluster g's rows are ord[start[g] .. start[g + 1]) */
    size_t *ord;    /* n rows sorted by cluster */
    double *X;      /* n x kk kept design columns (rows in ord order) */
    double *W;      /* n x kk: rows of A_g X_g B (ord order) */
    double *B;      /* kk x kk */
    int32_t *level; /* G: the fixed-effect level of each cluster, or NULL */
    double *ninv;   /* L: 1 / rows of each level */
};

void ks__bm_free(const ks_allocator *a, ks__bm *s)
{
    if (!s) return;
    ks__release(a, s->idx);
    ks__release(a, s->start);
    ks__release(a, s->ord);
    ks__release(a, s->X);
    ks__release(a, s->W);
    ks__release(a, s->B);
    ks__release(a, s->level);
    ks__release(a, s->ninv);
    ks__release(a, s);
}

/* Eigen-decomposition workspace for symmetric matrices up to size m (dsyevd, jobz 'V'). */
typedef struct {
    size_t m;
    double *work, *w;
    int *iwork;
} eig_ws;

static int eig_new(ks_ctx *ctx, size_t m, eig_ws *e)
{
    e->m = m;
    e->work = ks__malloc_array(ctx, 1 + 6 * m + 2 * m * m + m, sizeof *e->work);
    e->iwork = ks__malloc_array(ctx, 3 + 5 * m, sizeof *e->iwork);
    e->w = e->work ? e->work + 1 + 6 * m + 2 * m * m : NULL;
    return e->work && e->iwork ? KS_OK : KS_ENOMEM;
}

static void eig_free(ks_ctx *ctx, eig_ws *e)
{
    ks__free(ctx, e->work);
    ks__free(ctx, e->iwork);
}

/* A (m x m, lower triangle) -> eigenvectors in A, eigenvalues in e->w. */
static int eig(ks_ctx *ctx, eig_ws *e, size_t m, double *A)
{
    return ks__dsyevd(ctx, 'V', 'L', m, A, m, e->w, e->work, 1 + 6 * m + 2 * m * m, e->iwork,
                      3 + 5 * m, NULL);
}

/* The symmetric square root of the PSD B (kk x kk) into Bh. */
static int sqrt_psd(ks_ctx *ctx, eig_ws *e, const double *B, size_t kk, double *Bh, double *Q)
{
    memcpy(Q, B, kk * kk * sizeof *Q);
    int rc = eig(ctx, e, kk, Q);
    if (rc) return rc;
    for (size_t a = 0; a < kk; a++)
        for (size_t b = 0; b < kk; b++) {
            double s = 0;
            for (size_t l = 0; l < kk; l++)
                s += Q[a + l * kk] * sqrt(fmax(e->w[l], 0.0)) * Q[b + l * kk];
            Bh[a + b * kk] = s;
        }
    return KS_OK;
}

/* C = A' B (A m x p, B m x q; column-major, leading dimensions m). */
static void atb(size_t m, size_t p, size_t q, const double *A, const double *B, double *C)
{
    for (size_t a = 0; a < p; a++)
        for (size_t j = 0; j < q; j++) {
            double s = 0;
            for (size_t i = 0; i < m; i++) s += A[i + a * m] * B[i + j * m];
            C[a + j * p] = s;
        }
}

/* C = C0 + A B (A m x p, B p x q; C0 m x q or NULL for zero). */
static void ab(size_t m, size_t p, size_t q, const double *A, const double *B, const double *C0,
               double *C)
{
    for (size_t i = 0; i < m; i++)
        for (size_t j = 0; j < q; j++) {
            double s = C0 ? C0[i + j * m] : 0.0;
            for (size_t l = 0; l < p; l++) s += A[i + l * m] * B[l + j * p];
            C[i + j * m] = s;
        }
}

/* Cluster g's block of W = A_g (X_g B): U (ng x r) spans H_gg = U U', XB the rows' X B.
 * T1 holds max(ng, r)^2 and T2 2 r kk numbers of scratch. */
static int adjust_cluster(ks_ctx *ctx, eig_ws *e, size_t ng, size_t r, const double *U,
                          const double *XB, size_t kk, double *Wg, double *T1, double *T2)
{
    const int dense = ng <= r; /* A = V diag(g^-1/2) V' of G = I - U U' */
    const size_t m = dense ? ng : r;
    for (size_t a = 0; a < m; a++) /* the lower triangle of G, or of K = U'U */
        for (size_t b = 0; b <= a; b++) {
            double s = 0;
            if (dense)
                for (size_t l = 0; l < r; l++) s -= U[a + l * ng] * U[b + l * ng];
            else
                for (size_t i = 0; i < ng; i++) s += U[i + a * ng] * U[i + b * ng];
            T1[a + b * m] = s + (dense && a == b ? 1.0 : 0.0);
        }
    int rc = eig(ctx, e, m, T1);
    if (rc) return rc;
    for (size_t l = 0; l < m; l++) {
        const double v = e->w[l];
        if (dense)
            e->w[l] = v > BM_EIG_TOL ? 1.0 / sqrt(v) : 0.0;
        else if (!(v > 0))
            e->w[l] = 0.0; /* U Q_l = 0: no direction */
        else if (1.0 - v > BM_EIG_TOL)
            e->w[l] = expm1(-0.5 * log1p(-v)) / v; /* gamma = ((1 - v)^-1/2 - 1) / v */
        else
            e->w[l] = -1.0 / v; /* Moore-Penrose: the direction is zeroed */
    }
    /* dense: Wg = V diag(pow) V' XB; low rank: Wg = XB + U Q diag(gamma) Q' U' XB */
    double *Y = T2, *Z = T2 + r * kk;
    const double *src = XB;
    if (!dense) {
        atb(ng, r, kk, U, XB, Z);
        src = Z;
    }
    atb(m, m, kk, T1, src, Y);
    for (size_t l = 0; l < m; l++)
        for (size_t j = 0; j < kk; j++) Y[l + j * m] *= e->w[l];
    if (dense) {
        ab(ng, ng, kk, T1, Y, NULL, Wg);
    } else {
        ab(r, r, kk, T1, Y, NULL, Z);
        ab(ng, r, kk, U, Z, XB, Wg);
    }
    return KS_OK;
}

/* Rows sorted by cluster (counting sort; stable): start (G + 1) and ord (n). */
static void sort_clusters(const int32_t *codes, size_t n, size_t G, size_t *start, size_t *ord)
{
    memset(start, 0, (G + 1) * sizeof *start);
    for (size_t i = 0; i < n; i++) start[codes ? (size_t)codes[i] + 1 : i + 1]++;
    for (size_t g = 0; g < G; g++) start[g + 1] += start[g];
    size_t *pos = start + G + 1; /* caller gives start 2G + 2 */
    memcpy(pos, start, (G + 1) * sizeof *pos);
    for (size_t i = 0; i < n; i++) ord[pos[codes ? (size_t)codes[i] : i]++] = i;
}

int ks__vcov_bm(ks_ctx *ctx, const ks_vcov_input *in, const ks_bm_layout *lay, double *V,
                ks__bm **out)
{
    *out = NULL;
    const size_t n = in->n, k = in->k, G = lay->codes ? lay->G : n;
    ks__bm *s = ks__calloc(ctx, 1, sizeof *s);
    if (!s) return KS_ENOMEM;
    s->n = n;
    s->k = k;
    s->G = G;
    s->L = lay->fe ? lay->L : 0;
    s->idx = ks__malloc_array(ctx, k + 1, sizeof *s->idx);
    s->start = ks__malloc_array(ctx, 2 * G + 2, sizeof *s->start);
    s->ord = ks__malloc_array(ctx, n + 1, sizeof *s->ord);
    int rc = s->idx && s->start && s->ord ? KS_OK : KS_ENOMEM;
    size_t kk = 0;
    for (size_t j = 0; !rc && j < k; j++)
        if (!in->dropped[j]) s->idx[kk++] = j;
    s->kk = kk;
    const size_t r = kk + (lay->fe ? 1 : 0);
    if (!rc) {
        s->X = ks__malloc_array(ctx, n * kk + 1, sizeof *s->X);
        s->W = ks__malloc_array(ctx, n * kk + 1, sizeof *s->W);
        s->B = ks__malloc_array(ctx, kk * kk + 1, sizeof *s->B);
        if (!s->X || !s->W || !s->B) rc = KS_ENOMEM;
    }
    if (!rc && lay->fe) {
        s->level = ks__malloc_array(ctx, G + 1, sizeof *s->level);
        s->ninv = ks__calloc(ctx, s->L + 1, sizeof *s->ninv);
        if (!s->level || !s->ninv) rc = KS_ENOMEM;
    }
    size_t ngmax = 0;
    double *Bh = NULL, *XB = NULL, *U = NULL, *T1 = NULL, *T2 = NULL, *Wg = NULL;
    eig_ws e = {0};
    if (!rc) {
        sort_clusters(lay->codes, n, G, s->start, s->ord);
        for (size_t g = 0; g < G; g++)
            if (s->start[g + 1] - s->start[g] > ngmax) ngmax = s->start[g + 1] - s->start[g];
        const size_t m = r > kk ? r : kk; /* the largest eigenproblem: B, K or a small G_g */
        rc = eig_new(ctx, m + 1, &e);
        Bh = ks__malloc_array(ctx, 2 * kk * kk + 1, sizeof *Bh);
        XB = ks__malloc_array(ctx, ngmax * kk + 1, sizeof *XB);
        U = ks__malloc_array(ctx, ngmax * r + 1, sizeof *U);
        T1 = ks__malloc_array(ctx, r * r + 1, sizeof *T1);
        T2 = ks__malloc_array(ctx, 2 * r * kk + 1, sizeof *T2);
        Wg = ks__malloc_array(ctx, ngmax * kk + 1, sizeof *Wg);
        if (!rc && (!Bh || !XB || !U || !T1 || !T2 || !Wg)) rc = KS_ENOMEM;
    }
    if (!rc) {
        for (size_t a = 0; a < kk; a++)
            for (size_t b = 0; b < kk; b++) s->B[a + b * kk] = in->bread[s->idx[a] + s->idx[b] * k];
        for (size_t t = 0; t < n; t++)
            for (size_t a = 0; a < kk; a++) s->X[t + a * n] = in->X[s->ord[t] + s->idx[a] * n];
        if (lay->fe) {
            for (size_t i = 0; i < n; i++) s->ninv[lay->fe[i]] += 1.0;
            for (size_t l = 0; l < s->L; l++) s->ninv[l] = s->ninv[l] > 0 ? 1.0 / s->ninv[l] : 0;
            for (size_t g = 0; g < G; g++) s->level[g] = lay->fe[s->ord[s->start[g]]];
        }
        rc = sqrt_psd(ctx, &e, s->B, kk, Bh, Bh + kk * kk);
    }
    double *meat = NULL;
    if (!rc && !(meat = ks__calloc(ctx, kk * kk + kk + 1, sizeof *meat))) rc = KS_ENOMEM;
    for (size_t g = 0; !rc && g < G; g++) {
        const size_t t0 = s->start[g], ng = s->start[g + 1] - t0;
        if (!ng) continue;
        const size_t off = lay->fe ? 1 : 0;
        for (size_t i = 0; i < ng; i++) {
            if (off) U[i] = sqrt(s->ninv[s->level[g]]);
            for (size_t a = 0; a < kk; a++) {
                double ub = 0, xb = 0;
                for (size_t b = 0; b < kk; b++) {
                    const double x = s->X[t0 + i + b * n];
                    ub += x * Bh[b + a * kk];
                    xb += x * s->B[b + a * kk];
                }
                U[i + (a + off) * ng] = ub;
                XB[i + a * ng] = xb;
            }
        }
        rc = adjust_cluster(ctx, &e, ng, r, U, XB, kk, Wg, T1, T2);
        if (rc) break;
        double *sg = meat + kk * kk; /* s_g = W_g' e_g = B X_g' A_g e_g */
        for (size_t a = 0; a < kk; a++) {
            double v = 0;
            for (size_t i = 0; i < ng; i++) {
                const size_t row = s->ord[t0 + i];
                const double wi = Wg[i + a * ng];
                s->W[t0 + i + a * n] = wi;
                v += wi * in->e[row];
            }
            sg[a] = v;
        }
        for (size_t a = 0; a < kk; a++)
            for (size_t b = 0; b < kk; b++) meat[a + b * kk] += sg[a] * sg[b];
    }
    if (!rc) {
        for (size_t i = 0; i < k * k; i++) V[i] = NAN;
        for (size_t a = 0; a < kk; a++)
            for (size_t b = 0; b < kk; b++) V[s->idx[a] + s->idx[b] * k] = meat[a + b * kk];
    }
    ks__free(ctx, meat);
    ks__free(ctx, Bh);
    ks__free(ctx, XB);
    ks__free(ctx, U);
    ks__free(ctx, T1);
    ks__free(ctx, T2);
    ks__free(ctx, Wg);
    eig_free(ctx, &e);
    if (rc)
        ks__bm_free(&ctx->alloc, s);
    else
        *out = s;
    return rc;
}

int ks__bm_df(ks_ctx *ctx, const ks__bm *s, const double *c, double *df)
{
    const size_t n = s->n, kk = s->kk, G = s->G, L = s->L;
    *df = NAN;
    double *cc = ks__malloc_array(ctx, kk + 1, sizeof *cc);
    double *R = ks__calloc(ctx, G * kk + kk * kk * 2 + kk + 1, sizeof *R);
    double *sig2 = L ? ks__calloc(ctx, L, sizeof *sig2) : NULL;
    double *u = L ? ks__calloc(ctx, L * kk, sizeof *u) : NULL;
    int rc = cc && R && (!L || (sig2 && u)) ? KS_OK : KS_ENOMEM;
    if (rc) goto done;
    for (size_t a = 0; a < kk; a++) cc[a] = c[s->idx[a]];
    double *S = R + G * kk, *BS = S + kk * kk, *Br = BS + kk * kk;
    double T1 = 0, T2 = 0;
    for (size_t g = 0; g < G; g++) {
        double d = 0, sig = 0;
        double *rg = R + g; /* r_g = X_g' p_g, stride G */
        for (size_t t = s->start[g]; t < s->start[g + 1]; t++) {
            double p = 0;
            for (size_t a = 0; a < kk; a++) p += s->W[t + a * n] * cc[a];
            d += p * p;
            sig += p;
            for (size_t a = 0; a < kk; a++) rg[a * G] += s->X[t + a * n] * p;
        }
        double rBr = 0;
        for (size_t a = 0; a < kk; a++) {
            double v = 0;
            for (size_t b = 0; b < kk; b++) v += s->B[a + b * kk] * rg[b * G];
            Br[a] = v;
            rBr += rg[a * G] * v;
        }
        const double e = L ? sig * sig * s->ninv[s->level[g]] : 0.0;
        T1 += d - e - rBr;
        T2 += d * d - 2.0 * d * e - 2.0 * d * rBr;
        if (L) {
            sig2[s->level[g]] += sig * sig;
            for (size_t a = 0; a < kk; a++) u[s->level[g] + a * L] += sig * rg[a * G];
        }
    }
    if (G && kk) {
        ks__blas_set_threads(1);
        if ((rc = ks__dsyrk(ctx, 'L', 'T', kk, G, 1.0, R, G, 0.0, S, kk))) goto done;
    }
    for (size_t b = 0; b < kk; b++)
        for (size_t a = 0; a < b; a++) S[a + b * kk] = S[b + a * kk];
    for (size_t a = 0; a < kk; a++) /* BS = B S; tr((BS)^2) */
        for (size_t b = 0; b < kk; b++) {
            double v = 0;
            for (size_t l = 0; l < kk; l++) v += s->B[a + l * kk] * S[l + b * kk];
            BS[a + b * kk] = v;
        }
    for (size_t a = 0; a < kk; a++)
        for (size_t b = 0; b < kk; b++) T2 += BS[a + b * kk] * BS[b + a * kk];
    for (size_t l = 0; l < L; l++) {
        const double ni = s->ninv[l];
        double uBu = 0;
        for (size_t a = 0; a < kk; a++)
            for (size_t b = 0; b < kk; b++) uBu += u[l + a * L] * s->B[a + b * kk] * u[l + b * L];
        T2 += sig2[l] * sig2[l] * ni * ni + 2.0 * ni * uBu;
    }
    if (T2 > 0 && T1 > 0) *df = T1 * T1 / T2;
done:
    ks__free(ctx, cc);
    ks__free(ctx, R);
    ks__free(ctx, sig2);
    ks__free(ctx, u);
    return rc;
}
