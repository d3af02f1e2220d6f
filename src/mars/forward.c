/* forward.c — the MARS forward pass as R's earth runs it (Friedman 1991, sec. 3.4-3.9; Friedman
 * 1993, "Fast MARS"), written from the papers and earth's documented behaviour.
 *
 * The model's columns are kept as an orthonormal basis q_t (modified Gram-Schmidt in slot
 * order) with centred copies z_t. At each step every (parent term m, predictor v) is tried: the
 * linear candidate x_v b_m is orthogonalised (its RSS drop is a projection), then the knots are
 * scanned from the largest x down, keeping running sums over the cases above the knot — the
 * hinge's covariances with the basis C_t, its centred sum of squares C_K and its covariance with
 * the response W — so that each knot's RSS drop (W - eta . C)^2 / (C_K - |C|^2) costs O(M).
 * The pair {x_v b_m, b_m (x_v - t)+} spans what the hinge pair spans once b_m is in the model, so
 * the pair's drop is the linear drop plus the hinge's drop given the linear column.
 *
 * Knots follow earth: only cases where the parent is positive count; the first knot is F
 * countable cases from the top and then every minspan (Friedman's eq. 43), none within
 * endspan of either end (eq. 45; x (1 + adjust_endspan) for interactions). A step fills two
 * slots; when x_v b_m is already in the span of the model (a second knot on the same parent and
 * predictor) only the right hinge is added but both slots count toward max_terms. Fast MARS
 * orders the parents by their last RSS drop aged by fast_beta and searches the first fast_k. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "base/simd.h"
#include "mars/mars_internal.h"

#define MIN_BX_SOS 0.01   /* a linear candidate with less residual sum of squares is in the span */
#define UNUSED_DEGREE 101 /* the degree of an unused slot: never a parent */
#define LIST_ROOM ((size_t)1 << 30) /* bytes for the pairs' nonzero lists; past it, each step
                                       makes them again */

typedef struct {
    double value;
    size_t stamp, slot;
    double rank;
} queue_entry;

/* What a (parent m, predictor v) keeps between steps. Its knots and, at each, the hinge's sums
 * that involve only the parent, x_v and y never change; nor do the hinge's covariances C_t with
 * the slots already in the model. So a knot keeps C_K, st, A and W, and the running slot-order
 * sums of C_t^2, eta_t C_t and beta_t (C_t + mu_t st) over the first tc slots. A later step
 * adds only the new slots' terms, in the same order, so every knot's score has the same bits
 * as a scan over all slots. */
typedef struct {
    size_t nkn, cap; /* knots found, and room for */
    size_t *nz, nnz; /* the parent's nonzero list (scratch's nz, bnz), when it is kept */
    double *bnz;
    int listed;      /* nz, bnz hold it */
    size_t tc, ts;   /* slots summed into cc and e (tc), into s (ts; s is stale when they differ) */
    int built;
    size_t *kidx;    /* knot j: its entry in the parent's nonzero list */
    double *rec;     /* nkn x KREC(ny) */
} knot_cache;

/* A knot's record: cc = sum C_t^2, s (lin 2's numerator), C_K, st, A, e_r = sum eta_tr C_t,
 * W_r. */
#define KREC(ny) (5 + 2 * (ny))
enum { R_CC, R_S, R_CK, R_ST, R_A, R_E };

typedef struct {
    size_t n, p, ny, nk;
    const double *X;  /* n x p, missing cells 0 (the data's X when none is missing) */
    const double *Xorig; /* the data's X */
    size_t *nmiss;    /* p: missing cells per predictor (they sort first) */
    unsigned char *pres; /* nk x p: the term has the presence factor of predictor v */
    unsigned char *miss_term; /* nk x p: parent m has its missingness indicator of x_v */
    double *y;        /* n x ny: the forward pass's response (scaled; weighted by sqrt(w)) */
    double *yc;       /* n x ny: y centred (weighted: y - sqrt(w) ybar_w) */
    const double *sw; /* sqrt(w), or NULL */
    double sumw;      /* n when unweighted */
    size_t *ord;      /* p x n: the cases by increasing x_v (ties by case) */
    double *xs;       /* p x n: x_v in that order */
    double *ycs;      /* p x n x ny: yc in that order */
    double *zs;       /* p x nb x n x 4: the centred orthonormal columns in each predictor's
                         order, slots in blocks of 4: zs[v][t / 4][i][t % 4] is slot t's at the
                         case ord_v[i] */
    size_t nb;        /* blocks of 4 slots */
    unsigned char *zinit; /* nb: the block has been written */
    double *zrow;     /* n x 2: scatter_z's new lanes by case */
    size_t *all_pos;  /* n - 1 positions n - 2 .. 0 */
    double *bx;       /* n x nk: each slot's basis value (unweighted) */
    double *q;        /* n x nk: orthonormal columns (weighted) */
    double *mu;       /* nk: earth's centring of each q column */
    double *eta;      /* nk x ny: (y - ybar) . q_t */
    double *yq;       /* nk x ny: y . q_t */
    /* per (parent slot m, predictor v), for the linear candidate c = sqrt(w) x_v b_m: its
     * projections beta_t = q_t . c on the slots (the first nbeta of them known), c . c,
     * y . c and (y - ybar) . c — none changes once known */
    double *beta;     /* nk x p x nk */
    size_t *nbeta;    /* nk x p */
    double *cstat;    /* nk x p x (1 + 2 ny) */
    int *dirs;        /* nk x p */
    double *cuts;     /* nk x p */
    int *degree;      /* nk */
    unsigned char *used, *indep; /* indep: not dependent on the slots before (earth's QR test) */
    int *parent;
    double *rsq;
    size_t *nuses;    /* p */
    queue_entry *queue;
    size_t nq;
    knot_cache *kc;   /* nk x p */
    size_t list_room; /* bytes left for keeping the pairs' nonzero lists */
} fwd;

/* What one thread needs to score a (parent, predictor): the linear candidate (case order and
 * sorted), the parent sorted, the running sums. */
typedef struct {
    double *cand, *qc, *zlin, *bnz_own, *C, *Yr, *W, *eta_lin;
    size_t *nz_own;
    /* the parent's nonzero list: the positions i (descending) whose case above, ord_v[i + 1],
     * has a parent b != 0, and those b (NULL: the parent is 1 at every case) — the pair's kept
     * list, or one made in nz_own, bnz_own, or fwd's all_pos */
    size_t nnz;
    const double *bnz;
    const size_t *nz;
    /* the linear candidate by its projections (lin 2 in scan_knots): C_lin at a knot is
     * (A - sum_t beta_t (C_t + mu_t st) - beta_0 st / sqrt(sumw)) / sqrt(ss) */
    const double *beta;
    double rss_lin; /* sqrt(ss) */
} scratch;

/* Orthogonalise c (n, weighted) against the used slots < T into r (modified Gram-Schmidt in
 * slot order); returns the residual sum of squares (0, and r = 0, at or below thresh) and in
 * *mu earth's centring (the mean of the unnormalised residual, about 1e-16; 0 with weights). */
static double orthogonalise(const fwd *f, const double *c, size_t T, double *r, double thresh,
                            double *mu)
{
    const size_t n = f->n;
    *mu = 0.0;
    if (T == 1 && !f->sw) { /* the first column: centring is the projection on the intercept */
        double mean = 0.0;
        for (size_t i = 0; i < n; i++) mean += c[i] / (double)n;
        for (size_t i = 0; i < n; i++) r[i] = c[i] - mean;
    } else {
        if (r != c) memcpy(r, c, n * sizeof *r);
        for (size_t t = 0; t < T; t++) {
            if (!f->used[t]) continue;
            const double *qt = f->q + t * n;
            double beta = 0.0;
            for (size_t i = 0; i < n; i++) beta += qt[i] * r[i];
            for (size_t i = 0; i < n; i++) r[i] -= beta * qt[i];
        }
    }
    double ss = 0.0;
    for (size_t i = 0; i < n; i++) ss += r[i] * r[i];
    if (!(ss > thresh)) {
        memset(r, 0, n * sizeof *r);
        return 0.0;
    }
    if (!f->sw)
        for (size_t i = 0; i < n; i++) *mu += r[i] / (double)n;
    const double norm = sqrt(ss);
    for (size_t i = 0; i < n; i++) r[i] /= norm;
    return ss;
}

/* scatter_z's copy for one layout of the new lanes (the block offsets o, counts C and first-time
 * flags F known when inlined): g's row for case ord_v[i] into row i of each predictor's copy. */
KS_INLINE void scatter_rows(fwd *f, const double *restrict g, size_t L, const size_t NBLK,
                            size_t o0, size_t o1, const size_t C0, const size_t C1, const int F0,
                            const int F1, size_t lane0, size_t lane1, size_t from0, size_t from1)
{
    const size_t n = f->n;
    for (size_t v = 0; v < f->p; v++) {
        const size_t *restrict ord = f->ord + v * n;
        double *restrict z = f->zs + v * f->nb * n * 4;
        for (size_t i = 0; i < n; i++) {
            if (i + 16 < n) __builtin_prefetch(g + ord[i + 16] * L);
            const double *gi = g + ord[i] * L;
            for (size_t b = 0; b < NBLK; b++) {
                double *row = z + (b ? o1 : o0) + 4 * i;
                const size_t C = b ? C1 : C0, from = b ? from1 : from0;
                if (b ? F1 : F0) { /* the whole row, its other lanes 0 */
                    row -= b ? lane1 : lane0;
                    for (size_t c = 0; c < 4; c++) row[c] = 0.0;
                    row += b ? lane1 : lane0;
                }
                for (size_t c = 0; c < C; c++) row[c] = gi[from + c];
            }
        }
    }
}

/* Slots t0 .. t1 - 1 (at most 2) into every predictor's sorted copy: slot t's lane is q_t - mu_t
 * at each case (0 for the intercept, whose centred column is 0, and for an unused slot). A block
 * is written whole the first time (its other lanes 0), so nothing needs zeroing first. The new
 * lanes are interleaved by case first, so that each predictor's order gathers them with one
 * random read. */
static void scatter_z(fwd *f, size_t t0, size_t t1)
{
    const size_t n = f->n, L = t1 - t0;
    double *restrict g = f->zrow;
    for (size_t l = 0; l < L; l++) {
        const size_t t = t0 + l;
        const int on = t != 0 && f->used[t];
        const double *restrict q = f->q + t * n, m = on ? f->mu[t] : 0.0;
        for (size_t i = 0; i < n; i++) g[i * L + l] = on ? q[i] - m : 0.0;
    }
    /* the blocks written: the first lane and count of the new slots in each, from which of
     * them, and whether the block is written for the first time */
    size_t nblk = 0, blk[2] = {0, 0}, lane[2] = {0, 0}, cnt[2] = {0, 0}, from[2] = {0, 0};
    int fresh[2] = {0, 0};
    for (size_t t = t0; t < t1; t++) {
        if (nblk && blk[nblk - 1] == t / 4) {
            cnt[nblk - 1]++;
            continue;
        }
        blk[nblk] = t / 4;
        lane[nblk] = t % 4;
        cnt[nblk] = 1;
        from[nblk] = t - t0;
        fresh[nblk] = !f->zinit[t / 4];
        f->zinit[t / 4] = 1;
        nblk++;
    }
    const size_t o0 = blk[0] * n * 4 + lane[0], o1 = nblk > 1 ? blk[1] * n * 4 + lane[1] : 0;
#define ROWS(NBLK, C0, F0, C1, F1)                                                                 \
    scatter_rows(f, g, L, NBLK, o0, o1, C0, C1, F0, F1, lane[0], nblk > 1 ? lane[1] : 0, from[0],   \
                 nblk > 1 ? from[1] : 0)
    if (nblk == 1 && cnt[0] == 2)
        fresh[0] ? ROWS(1, 2, 1, 0, 0) : ROWS(1, 2, 0, 0, 0);
    else if (nblk == 1)
        fresh[0] ? ROWS(1, 1, 1, 0, 0) : ROWS(1, 1, 0, 0, 0);
    else if (!fresh[0])
        fresh[1] ? ROWS(2, 1, 0, 1, 1) : ROWS(2, 1, 0, 1, 0);
    else
        fresh[1] ? ROWS(2, 1, 1, 1, 1) : ROWS(2, 1, 1, 1, 0);
#undef ROWS
}

/* a . b over eight lanes (a fixed order: the same bits for any thread count). */
KS_KERNEL static double dot8(const double *restrict a, const double *restrict b, size_t n)
{
    v4d p0 = v4_splat(0.0), p1 = p0;
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        p0 += v4_load(a + i) * v4_load(b + i);
        p1 += v4_load(a + i + 4) * v4_load(b + i + 4);
    }
    double s = v8_sum(p0, p1);
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

/* Y_r . q for each response r of Y (n x ny: f->y, or f->yc centred) into e (ny); returns the
 * sum of their squares (the RSS drop of the unit column q). */
static double proj(const fwd *f, const double *Y, const double *q, double *e)
{
    const size_t n = f->n;
    double ss = 0.0;
    for (size_t r = 0; r < f->ny; r++) {
        const double *yr = Y + r * n;
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += yr[i] * q[i];
        if (e) e[r] = s;
        ss += s * s;
    }
    return ss;
}

/* Earth's test of whether x_v b_m could be a new linear direction (its NewForm heuristic): true
 * if some used slot lacks v or differs from m in another predictor. */
static int new_form(const fwd *f, size_t m, size_t v, size_t T)
{
    const size_t p = f->p;
    int any = 0;
    for (size_t i = 1; i < T; i++) {
        if (!f->used[i]) continue;
        any = 1;
        if (f->dirs[i * p + v] == 0) return 1;
        for (size_t j = 0; j < p; j++)
            if (j != v && (f->dirs[i * p + j] != 0) != (f->dirs[m * p + j] != 0)) return 1;
    }
    return !any;
}

/* The knot spans for a candidate of degree dg under a parent with nm positive cases. */
typedef struct {
    size_t endspan, minspan, first;
    size_t count; /* the positive cases: at most count / minspan + 1 knots */
} spans;

static spans knot_spans(const fwd *f, const ks_mars_options *o, size_t nm, int dg, size_t n)
{
    spans s;
    s.count = nm;
    long E = o->endspan > 0 ? o->endspan : (long)(7.32193 + log((double)f->p) / 0.69315);
    if (dg >= 2) E += (long)(o->adjust_endspan * (double)E + 0.5);
    if (E > (long)(n / 2) - 1) E = (long)(n / 2) - 1;
    if (E < 1) E = 1;
    s.endspan = (size_t)E;
    if (o->minspan < 0) { /* -minspan evenly spaced knots */
        const long k = -(long)o->minspan;
        long S = (long)ceil((double)n / (double)(1 + k)), F = S;
        while (F < E) F += S;
        F -= 1;
        s.minspan = (size_t)(S < 1 ? 1 : S);
        s.first = (size_t)(F < 1 ? 1 : F);
        return s;
    }
    long S = o->minspan > 0
                 ? o->minspan
                 : (long)((2.9702 + log((double)f->p * (double)nm)) / 1.7329);
    if (S < 1) S = 1;
    const long A = (long)n - 2 * E > 0 ? (long)n - 2 * E : 0;
    long F0 = A / 2;
    if (A > S) {
        const long D = A / S;
        F0 = A == D * S ? S / 2 : (A - D * S) / 2;
    }
    const long F = E + F0;
    s.minspan = (size_t)S;
    s.first = (size_t)(F < 1 ? 1 : F);
    return s;
}

/* The knots of (m, v) with their fixed sums: the cases from the largest x_v down with earth's
 * running sums — C_K (the hinge's centred sum of squares), st, A (lin 2: the sum over the
 * cases above the knot of bw^2 x (x - knot)), Y, W (its covariance with the response). A run
 * of cases where the parent is 0 changes only the knot, so it is taken in one step. */
KS_INLINE void build_body(const fwd *f, const scratch *w, size_t v, spans sp, knot_cache *kc,
                          const int weighted, const int one_response, const int unit)
{
    const size_t n = f->n, ny = one_response ? 1 : f->ny, R = KREC(ny);
    const double *xs = f->xs + v * n, *bnz = w->bnz, *ycs = f->ycs + v * n * ny;
    const size_t *ord = f->ord + v * n;
    const double *sw = weighted ? f->sw : NULL;
    double *restrict Ym = w->Yr, *restrict Wm = w->W;
    double Y1 = 0.0, W1 = 0.0;
    memset(Ym, 0, ny * sizeof *Ym);
    memset(Wm, 0, ny * sizeof *Wm);
    double A = 0.0, sb = 0, sbb = 0, sbx = 0, sbbx = 0, st = 0, CK = 0;
    const double inv_n = 1.0 / f->sumw;
    size_t countdown = sp.first, nkn = 0;
    double xprev = xs[n - 1];
    for (size_t k = 0; k < w->nnz && nkn < kc->cap; k++) {
        const size_t i = w->nz[k];
        if (i < sp.endspan) break;
        const double b = unit ? 1.0 : bnz[k];
        const double x1 = xs[i + 1], x0 = xs[i];
        if (!unit && xprev != x1) { /* a run of zero-parent cases: the knot moves to x1 */
            const double dd = xprev - x1;
            const double sprev = st;
            st = sbx - sb * x1;
            CK += dd * (2.0 * sbbx - sbb * (x1 + xprev)) + (sprev * sprev - st * st) * inv_n;
            if (one_response)
                W1 += dd * Y1;
            else
                for (size_t r = 0; r < ny; r++) Wm[r] += dd * Ym[r];
            A += dd * sbbx;
        }
        xprev = x0;
        const double swu = weighted ? sw[ord[i + 1]] : 1.0;
        const double d = x1 - x0, bw = weighted ? swu * b : b, wb = weighted ? swu * bw : b;
        sb += wb;
        sbb += bw * bw;
        sbx += wb * x1;
        sbbx += bw * bw * x1;
        A += d * sbbx;
        const double sprev = st;
        st = sbx - sb * x0;
        CK += d * (2.0 * sbbx - sbb * (x0 + x1)) + (sprev * sprev - st * st) * inv_n;
        if (one_response) {
            Y1 += ycs[i + 1] * bw;
            W1 += d * Y1;
        } else {
            for (size_t r = 0; r < ny; r++) {
                Ym[r] += ycs[(i + 1) * ny + r] * bw;
                Wm[r] += d * Ym[r];
            }
        }
        if (!(b > 0.0) || (!weighted && !(CK > 0.0))) continue; /* not countable */
        if (--countdown) continue;
        countdown = sp.minspan;
        double *rec = kc->rec + nkn * R;
        kc->kidx[nkn++] = k;
        rec[R_CK] = CK;
        rec[R_ST] = st;
        rec[R_A] = A;
        for (size_t r = 0; r < ny; r++) rec[R_E + ny + r] = one_response ? W1 : Wm[r];
    }
    kc->nkn = nkn;
    kc->built = 1;
}

KS_KERNEL static void build_knots(const fwd *f, const scratch *w, size_t v, spans sp,
                                  knot_cache *kc)
{
    const int unit = !w->bnz;
    if (f->sw) build_body(f, w, v, sp, kc, 1, 0, unit);
    else if (f->ny > 1) build_body(f, w, v, sp, kc, 0, 0, unit);
    else if (unit) build_body(f, w, v, sp, kc, 0, 1, 1);
    else build_body(f, w, v, sp, kc, 0, 1, 0);
}

/* The knot spans of (m, v) when x_v has missing values: over the present cases, the positions
 * nmiss .. n - 1. */
static spans present_spans(const fwd *f, const ks_mars_options *o, size_t m, size_t v)
{
    const size_t n = f->n, nmiss = f->nmiss[v];
    const double *bm = f->bx + m * n, *xo = f->Xorig + v * n;
    size_t c = 0;
    for (size_t i = 0; i < n; i++) c += bm[i] > 0.0 && !isnan(xo[i]);
    spans sp = knot_spans(f, o, c, f->degree[m] + 1, n - nmiss);
    sp.endspan += nmiss;
    return sp;
}

/* The best knot of (m, v), the linear candidate in when lin (lin 1: its sorted centred column
 * zlin; lin 2: by its projections beta), given the knots' records: runs the slots tc .. T - 1
 * (4 a vector, from the block holding tc) over the cases — S_t, and C_t the hinge's
 * covariances with them — adds them into each knot's sums (and into s when keep_s), and scores
 * the knot, (W - eta . C)^2 / (C_K - |C|^2) with the linear column's term last. Returns the
 * position (0: none) and raises *best. Unweighted: earth's tolerances and MaxLegal cap;
 * weighted: earth's rule for its QR refits (a knot must beat the best knot by 1e-10). */
KS_INLINE size_t scan_body(const fwd *f, scratch *w, knot_cache *kc, size_t v, size_t T, int lin,
                           double dlin, double a, double maxlegal, int keep_s, double *best,
                           const int weighted, const int one_response, const size_t NBL,
                           const int unit, const int any_lin)
{
    const int lin1 = any_lin && lin == 1; /* (any_lin 0: never lin 1) */
    /* NBL > 0: exactly NBL blocks of new slots, known when compiled (S and C in registers) */
    const size_t n = f->n, ny = one_response ? 1 : f->ny, R = KREC(ny), t0 = kc->tc,
                 k0 = t0 / 4, nbl = NBL ? NBL : (T + 3) / 4 - k0, K = T + (lin ? 1 : 0),
                 nkn = kc->nkn;
    const double *xs = f->xs + v * n, *bnz = w->bnz, *zl = w->zlin;
    const double *zs = f->zs + (v * f->nb + k0) * n * 4;
    const size_t *ord = f->ord + v * n;
    const double *sw = weighted ? f->sw : NULL;
    const double tol = K < 15 ? 0.01 : 1e-5, rsw = sqrt(f->sumw);
    double *restrict C = w->C; /* the new blocks' C_t at a knot */
    v4d S4[64], C4[64];
    for (size_t k = 0; k < nbl; k++) S4[k] = C4[k] = v4_splat(0.0);
    double Sl = 0.0, Cl = 0.0; /* the linear candidate's (lin 1) */
    size_t found = 0, j = 0;
    double xprev = xs[n - 1];
    for (size_t k = 0; j < nkn; j++) {
        const size_t kend = kc->kidx[j]; /* the cases up to the next knot */
        size_t i;
        for (;; k++) {
            i = unit ? n - 2 - k : w->nz[k];
            const double b = unit ? 1.0 : bnz[k];
            const double x1 = xs[i + 1], x0 = xs[i];
            if (!unit && xprev != x1) { /* a run of zero-parent cases: the knot moves to x1 */
                const v4d dd4 = v4_splat(xprev - x1);
                for (size_t l = 0; l < nbl; l++) C4[l] += dd4 * S4[l];
                Cl += (xprev - x1) * Sl;
            }
            xprev = x0;
            const double d = x1 - x0, bw = weighted ? sw[ord[i + 1]] * b : b;
            const v4d bw4 = v4_splat(bw), d4 = v4_splat(d);
            for (size_t l = 0; l < nbl; l++) {
                S4[l] += bw4 * v4_load(zs + (l * n + i + 1) * 4);
                C4[l] += d4 * S4[l];
            }
            if (lin1) {
                Sl += bw * zl[i + 1];
                Cl += d * Sl;
            }
            if (k == kend) break;
        }
        k++;
        double *restrict rec = kc->rec + j * R;
        const size_t ifound = i;
        for (size_t k = 0; k < nbl; k++) v4_store(C + 4 * k, C4[k]);
        const double st = rec[R_ST], CK = rec[R_CK];
        double cc = rec[R_CC], s = rec[R_S];
        for (size_t t = t0; t < T; t++) { /* the new slots, in slot order */
            const double c = C[t - 4 * k0];
            cc += c * c;
            for (size_t r = 0; r < ny; r++) rec[R_E + r] += f->eta[t * ny + r] * c;
            if (keep_s)
                s = t == 0 ? rec[R_A] - w->beta[0] * st / rsw
                           : s - w->beta[t] * (c + f->mu[t] * st);
        }
        rec[R_CC] = cc;
        rec[R_S] = s;
        double cl = 0.0;
        if (lin1) cl = Cl;
        if (lin == 2) cl = s / w->rss_lin;
        if (lin) cc += cl * cl;
        const double temp2 = CK - cc;
        double dh = 0.0;
        if (weighted ? temp2 > 1e-16 * (CK + st * st / f->sumw) : temp2 / CK > tol)
            for (size_t r = 0; r < ny; r++) {
                double e = rec[R_E + r];
                if (lin) e += w->eta_lin[r] * cl;
                const double t1 = rec[R_E + ny + r] - e;
                dh += t1 * t1 / temp2;
            }
        const double val = a * (dlin + dh);
        if (weighted ? val > *best + 1e-10 || !found : val > *best && val < maxlegal) {
            *best = val;
            found = ifound;
        }
    }
    kc->tc = T;
    if (keep_s) kc->ts = T;
    return found;
}

/* scan_body specialised for the common cases: no weights, one response, the linear candidate
 * by its projections, one or two blocks of new slots (a step adds two) */
KS_KERNEL static size_t scan_knots(const fwd *f, scratch *w, knot_cache *kc, size_t v, size_t T,
                                   int lin, double dlin, double a, double maxlegal, int keep_s,
                                   double *best)
{
#define SCAN(NB, U) scan_body(f, w, kc, v, T, lin, dlin, a, maxlegal, keep_s, best, 0, 1, NB, U, 0)
    const int unit = !w->bnz;
    const size_t nbl = (T + 3) / 4 - kc->tc / 4;
    if (lin == 1 || f->sw || f->ny > 1)
        return scan_body(f, w, kc, v, T, lin, dlin, a, maxlegal, keep_s, best, f->sw != NULL,
                         f->ny == 1, 0, unit, 1);
    if (unit) switch (nbl) {
        case 1: return SCAN(1, 1);
        case 2: return SCAN(2, 1);
        default: return SCAN(0, 1);
        }
    switch (nbl) {
    case 1: return SCAN(1, 0);
    case 2: return SCAN(2, 0);
    default: return SCAN(0, 0);
    }
#undef SCAN
}

/* The Fast MARS queue: by value (descending), then aged by fast_beta (rank + beta x age). */
static int cmp_value(const void *a, const void *b)
{
    const queue_entry *x = a, *y = b;
    if (x->value != y->value) return x->value > y->value ? -1 : 1;
    return (x->slot > y->slot) - (x->slot < y->slot);
}

static int cmp_aged(const void *a, const void *b)
{
    const queue_entry *x = a, *y = b;
    if (x->rank != y->rank) return x->rank < y->rank ? -1 : 1;
    return cmp_value(a, b);
}

static void sort_queue(fwd *f, double beta, size_t T)
{
    qsort(f->queue, f->nq, sizeof *f->queue, cmp_value);
    if (beta > 0) {
        for (size_t k = 0; k < f->nq; k++)
            f->queue[k].rank = (double)k + beta * ((double)T - (double)f->queue[k].stamp);
        qsort(f->queue, f->nq, sizeof *f->queue, cmp_aged);
    }
}

static void push_queue(fwd *f, size_t T)
{
    f->queue[f->nq].value = HUGE_VAL;
    f->queue[f->nq].stamp = T;
    f->queue[f->nq].slot = f->nq; /* earth: entry k stands for slot k */
    f->nq++;
}

/* The winner of a step. */
#define POS_MISSING ((size_t)-1) /* the choice is the missingness indicator b_m 1[x_v missing] */
typedef struct {
    int found;
    size_t m, v, pos; /* pos 0: the linear candidate */
    int newform;
} choice;

/* What (parent, predictor) offers: the (new-variable adjusted) linear drop, the best knot's
 * drop and position (0: none beat the linear candidate), and the NewForm flag. */
typedef struct {
    double lin, knot, miss; /* miss: the missingness indicator's drop (allow_missing) */
    size_t pos;
    int newform, admissible;
} offer;

/* Score (m, v): the linear candidate, then the knots. */
static void score(const fwd *f, const ks_mars_options *o, scratch *w, size_t m, size_t v,
                  size_t T, double maxlegal, spans sp, offer *out)
{
    const size_t n = f->n;
    const double a = f->nuses[v] == 0 ? 1.0 / (1.0 + o->newvar_penalty) : 1.0;
    int nf = new_form(f, m, v, T), lin = 0;
    double dlin = 0.0;
    if (nf) { /* by the cached projections when they decide it to working precision */
        const size_t ny = f->ny, nk = f->nk, key = m * f->p + v;
        const double *x = f->X + v * n, *bm = f->bx + m * n, *sw = f->sw;
        double *beta = f->beta + key * nk, *cs = f->cstat + key * (1 + 2 * ny);
        size_t *nb = (size_t *)&f->nbeta[key];
        if (*nb == 0) { /* first visit: c . c, y . c, (y - ybar) . c */
            for (size_t k = 0; k < 1 + 2 * ny; k++) cs[k] = 0.0;
            for (size_t i = 0; i < n; i++) {
                const double ci = x[i] * bm[i] * (sw ? sw[i] : 1.0);
                cs[0] += ci * ci;
                for (size_t r = 0; r < ny; r++) {
                    cs[1 + r] += f->y[r * n + i] * ci;
                    cs[1 + ny + r] += f->yc[r * n + i] * ci;
                }
            }
        }
        if (*nb < T) {
            double *restrict c = w->cand;
            if (sw)
                for (size_t i = 0; i < n; i++) c[i] = x[i] * bm[i] * sw[i];
            else
                for (size_t i = 0; i < n; i++) c[i] = x[i] * bm[i];
            for (size_t t = *nb; t < T; t++) {
                beta[t] = f->used[t] ? dot8(f->q + t * n, c, n) : 0.0;
            }
        }
        *nb = T;
        double ss = cs[0];
        for (size_t t = 0; t < T; t++) ss -= beta[t] * beta[t];
        const double err = 8.0 * (double)(T + 3) * 2.220446049250313e-16 * cs[0];
        const double thresh = sw ? 1e-16 * cs[0] : MIN_BX_SOS;
        if (!sw && ss + err <= thresh) {
            nf = 0; /* in the span of the model */
            goto knots;
        }
        if (ss - err > thresh && ss > 1e-6 * cs[0]) {
            w->beta = beta;
            w->rss_lin = sqrt(ss);
            for (size_t r = 0; r < ny; r++) {
                double py = cs[1 + r], pe = cs[1 + ny + r];
                for (size_t t = 0; t < T; t++) {
                    py -= beta[t] * f->yq[t * ny + r];
                    pe -= beta[t] * f->eta[t * ny + r];
                }
                dlin += py * py / ss;
                w->eta_lin[r] = pe / w->rss_lin;
            }
            lin = 2;
            goto knots;
        }
    }
    if (nf) { /* near the threshold or nearly collinear: earth's Gram-Schmidt itself */
        const double *x = f->X + v * n, *bm = f->bx + m * n;
        for (size_t i = 0; i < n; i++) w->cand[i] = x[i] * bm[i] * (f->sw ? f->sw[i] : 1.0);
        double cc = 0.0;
        if (f->sw)
            for (size_t i = 0; i < n; i++) cc += w->cand[i] * w->cand[i];
        double mu;
        /* unweighted: earth's absolute 0.01; weighted: its QR's relative 1e-8 */
        const double ss = orthogonalise(f, w->cand, T, w->qc, f->sw ? 1e-16 * cc : MIN_BX_SOS, &mu);
        if (ss > 0.0) {
            dlin = proj(f, f->y, w->qc, NULL);
            proj(f, f->yc, w->qc, w->eta_lin);
            const size_t *ord = f->ord + v * n;
            for (size_t i = 0; i < n; i++) w->zlin[i] = w->qc[ord[i]] - mu;
            lin = 1;
        } else if (!f->sw) {
            nf = 0;
        }
    }
knots:
    out->admissible = 1;
    out->newform = nf;
    out->lin = a * dlin;
    out->knot = out->lin;
    out->pos = 0;
    out->miss = 0.0;
    const size_t nmiss = f->nmiss[v];
    if (nmiss) { /* the missingness indicator b_m 1[x_v missing] as a candidate */
        const double *bm = f->bx + m * n, *xo = f->Xorig + v * n;
        for (size_t i = 0; i < n; i++)
            w->cand[i] = isnan(xo[i]) ? bm[i] * (f->sw ? f->sw[i] : 1.0) : 0.0;
        double mu, dm = 0.0;
        if (orthogonalise(f, w->cand, T, w->qc, f->sw ? 0.0 : MIN_BX_SOS, &mu) > 0.0)
            dm = proj(f, f->y, w->qc, NULL);
        out->miss = a * dm;
        if (n - nmiss < 4) return;
        sp = present_spans(f, o, m, v);
    }
    if (o->linpreds && o->linpreds[v]) return;
    const size_t *ord = f->ord + v * n;
    const double *bm = f->bx + m * n;
    const size_t key = m * f->p + v;
    knot_cache *kc = &f->kc[key];
    if (m == 0 && !f->nmiss[v]) { /* the intercept: 1 everywhere */
        w->bnz = NULL;
        w->nz = f->all_pos;
        w->nnz = n - 1;
    } else if (kc->listed) {
        w->bnz = kc->bnz;
        w->nz = kc->nz;
        w->nnz = kc->nnz;
    } else { /* made once into the pair's room for it, if it has some */
        size_t *restrict nz = kc->nz ? kc->nz : w->nz_own, nnz = 0;
        double *restrict bnz = kc->nz ? kc->bnz : w->bnz_own;
        for (size_t i = n - 1; i-- > 0;) { /* branch-free: the parent's zeros fall in no pattern */
            const double b = bm[ord[i + 1]];
            nz[nnz] = i;
            bnz[nnz] = b;
            nnz += b != 0.0;
        }
        w->bnz = bnz;
        w->nz = nz;
        w->nnz = nnz;
        if (kc->nz) {
            kc->nnz = nnz;
            kc->listed = 1;
        }
    }
    if (!kc->built) build_knots(f, w, v, sp, kc);
    w->beta = f->beta + key * f->nk;
    int keep_s = f->nbeta[key] >= T && kc->ts == kc->tc;
    if (lin == 2 && !keep_s) { /* s fell behind (a step without the projections): start over */
        kc->tc = kc->ts = 0;
        keep_s = 1;
    }
    if (kc->tc == 0)
        for (size_t j = 0; j < kc->nkn; j++) {
            double *rec = kc->rec + j * KREC(f->ny);
            rec[R_CC] = rec[R_S] = 0.0;
            for (size_t r = 0; r < f->ny; r++) rec[R_E + r] = 0.0;
        }
    double best = f->sw ? -HUGE_VAL : out->lin;
    const size_t pos = scan_knots(f, w, kc, v, T, lin, dlin, a, maxlegal, keep_s, &best);
    if (pos && best > out->lin) {
        out->knot = best;
        out->pos = pos;
    }
}

/* Threads for a step that scans parents x predictors x cases, by the work's size
 * (ks__threads_for): a case scan costs about 0.12 ns of one thread here, so a thread per ~2^23
 * scans. A smaller share costs more in waking and joining threads than it saves, and far more
 * when another process holds a core: on a busy 2-core machine two threads made a 10,000-case
 * fit 2-5x slower (bench/RESULTS.md, bench/bench_threads.py). At most one thread per predictor
 * (what the threads share). The model is the same for any count. */
static int step_threads(const ks_ctx *ctx, size_t nparents, size_t p, size_t n)
{
    const int nt = ks__threads_for(ctx, 0.12 * (double)nparents * (double)p * (double)n);
    return (size_t)nt > p ? (int)p : nt;
}

/* One step's search. Every (parent, predictor) is scored independently (in parallel over the
 * predictors), then the offers are compared in earth's order — parents in queue order,
 * predictors ascending, the linear candidate before the knots, strict > so the first wins a
 * tie — with its new-variable bookkeeping; each visited parent's queue value becomes its best
 * offer. */
static int search_step(ks_ctx *ctx, fwd *f, const ks_mars_options *o, size_t T, double maxlegal,
                       choice *best, double *gbest)
{
    const size_t n = f->n, p = f->p, nk = f->nk;
    const size_t nvisit = f->nq < (size_t)o->fast_k ? f->nq : (size_t)o->fast_k;
    const double gamma = o->newvar_penalty;
    *gbest = 0.0;
    best->found = 0;
    size_t *par = ks__malloc_array(ctx, nvisit ? nvisit : 1, sizeof *par);
    spans *sp = ks__malloc_array(ctx, nvisit ? nvisit : 1, sizeof *sp);
    offer *of = ks__calloc(ctx, (nvisit ? nvisit : 1) * p, sizeof *of);
    if (!par || !sp || !of) {
        ks__free(ctx, par);
        ks__free(ctx, sp);
        ks__free(ctx, of);
        return KS_ENOMEM;
    }
    size_t np = 0; /* the visited parents (queue order) that can take another factor */
    for (size_t k = 0; k < nvisit; k++) {
        const size_t m = f->queue[k].slot;
        if (f->degree[m] >= o->max_degree) continue;
        size_t nm = 0;
        for (size_t i = 0; i < n; i++) nm += f->bx[m * n + i] > 0.0;
        par[np] = k;
        sp[np] = knot_spans(f, o, nm, f->degree[m] + 1, n);
        np++;
    }
    const int nt = step_threads(ctx, np, p, n);
    const size_t per = 6 * n + nk + 8 + 3 * f->ny;
    double *wbuf = ks__malloc_array(ctx, (size_t)nt, per * sizeof *wbuf);
    /* room for the knots of each pair seen for the first time: at most one per minspan of the
     * countable cases, after the first */
    int rc = wbuf ? KS_OK : KS_ENOMEM;
    for (size_t k = 0; k < np && rc == KS_OK; k++) {
        const size_t m = f->queue[par[k]].slot;
        for (size_t v = 0; v < p && rc == KS_OK; v++) {
            knot_cache *kc = &f->kc[m * p + v];
            if (kc->cap || f->dirs[m * p + v] != 0 || (o->linpreds && o->linpreds[v])) continue;
            if (f->nmiss[v] && n - f->nmiss[v] < 4) continue;
            const spans s = f->nmiss[v] ? present_spans(f, o, m, v) : sp[k];
            kc->cap = s.count / s.minspan + 2;
            kc->kidx = ks__malloc_array(ctx, kc->cap, sizeof *kc->kidx);
            kc->rec = ks__malloc_array(ctx, kc->cap, KREC(f->ny) * sizeof *kc->rec);
            if (!kc->kidx || !kc->rec) rc = KS_ENOMEM;
            const size_t list = n * (sizeof *kc->nz + sizeof *kc->bnz);
            if (rc || (m == 0 && !f->nmiss[v]) || list > f->list_room) continue;
            f->list_room -= list;
            kc->nz = ks__malloc_array(ctx, n, sizeof *kc->nz);
            kc->bnz = ks__malloc_array(ctx, n, sizeof *kc->bnz);
            if (!kc->nz || !kc->bnz) rc = KS_ENOMEM;
        }
    }
    if (rc) {
        ks__free(ctx, par);
        ks__free(ctx, sp);
        ks__free(ctx, of);
        ks__free(ctx, wbuf);
        return rc;
    }
#pragma omp parallel num_threads(nt)
    {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        double *wb = wbuf + (size_t)tid * per;
        scratch w = {wb, wb + n, wb + 2 * n, wb + 3 * n, wb + 5 * n,
                     wb + 5 * n + nk + 8, wb + 5 * n + nk + 8 + f->ny,
                     wb + 5 * n + nk + 8 + 2 * f->ny,
                     (size_t *)(wb + 5 * n + nk + 8 + 3 * f->ny), 0, NULL, NULL, NULL, 0.0};
#pragma omp for schedule(dynamic, 1)
        for (size_t v = 0; v < p; v++)
            for (size_t k = 0; k < np; k++) {
                const size_t m = f->queue[par[k]].slot;
                if (f->dirs[m * p + v] == 0) score(f, o, &w, m, v, T, maxlegal, sp[k], &of[k * p + v]);
            }
    }
    for (size_t k = 0; k < np; k++) {
        queue_entry *qe = &f->queue[par[k]];
        const size_t m = qe->slot;
        double parent_best = -1.0;
        int improved = 0;
        for (size_t v = 0; v < p; v++) {
            const offer *c = &of[k * p + v];
            if (!c->admissible) continue;
            if (c->lin > parent_best) parent_best = c->lin;
            if (c->lin > *gbest) {
                *gbest = c->lin;
                *best = (choice){1, m, v, 0, c->newform};
                improved = 1;
            }
            if (c->pos) {
                if (c->knot > parent_best) parent_best = c->knot;
                if (c->knot > *gbest) {
                    *gbest = c->knot;
                    *best = (choice){1, m, v, c->pos, c->newform};
                    improved = 1;
                }
            }
            if (c->miss > 0.0) {
                if (c->miss > parent_best) parent_best = c->miss;
                if (c->miss > *gbest) {
                    *gbest = c->miss;
                    *best = (choice){1, m, v, POS_MISSING, 0};
                    improved = 1;
                }
            }
        }
        if (improved && gamma != 0.0 && f->nuses[best->v] == 0) *gbest *= 1.0 + gamma;
        qe->value = parent_best;
        qe->stamp = T;
    }
    ks__free(ctx, par);
    ks__free(ctx, sp);
    ks__free(ctx, of);
    ks__free(ctx, wbuf);
    return KS_OK;
}

/* Slot s becomes the column c (n, unweighted basis values): orthogonalised (threshold thresh),
 * its centred copy in every sorted order, its eta. Returns the residual sum of squares. */
static double set_slot(fwd *f, size_t s, size_t T, double thresh)
{
    const size_t n = f->n;
    double *qs = f->q + s * n, *bs = f->bx + s * n, nrm = 0.0;
    for (size_t i = 0; i < n; i++) {
        qs[i] = bs[i] * (f->sw ? f->sw[i] : 1.0);
        nrm += qs[i] * qs[i];
    }
    const double ss = orthogonalise(f, qs, T, qs, thresh, &f->mu[s]);
    /* earth drops, after the pass, a column with less than 1e-8 of its norm (a zero column:
     * norm 1) left by the columns before it (LINPACK dqrdc2's test) */
    f->indep[s] = ss >= 1e-16 * (nrm > 0.0 ? nrm : 1.0);
    return ss;
}

static void use_slot(fwd *f, size_t s)
{
    f->used[s] = 1;
    proj(f, f->yc, f->q + s * f->n, f->eta + s * f->ny);
    proj(f, f->y, f->q + s * f->n, f->yq + s * f->ny);
}

/* Slot s = parent m's missingness indicator of x_v, b_m 1[x_v missing]; returns its RSS drop
 * (0, and the slot left unused, when it adds nothing). */
static double add_missing_term(fwd *f, size_t m, size_t v, size_t s)
{
    const size_t n = f->n, p = f->p;
    const double *bm = f->bx + m * n, *xo = f->Xorig + v * n;
    memcpy(f->dirs + s * p, f->dirs + m * p, p * sizeof *f->dirs);
    memcpy(f->cuts + s * p, f->cuts + m * p, p * sizeof *f->cuts);
    memcpy(f->pres + s * p, f->pres + m * p, p);
    f->dirs[s * p + v] = -3;
    f->degree[s] = f->degree[m] + 1;
    f->parent[s] = (int)m;
    double *bs = f->bx + s * n;
    for (size_t i = 0; i < n; i++) bs[i] = isnan(xo[i]) ? bm[i] : 0.0;
    if (!(set_slot(f, s, s, MIN_BX_SOS) > 0.0) || !f->indep[s]) {
        f->degree[s] = UNUSED_DEGREE;
        return 0.0;
    }
    use_slot(f, s);
    scatter_z(f, s, s + 1);
    return proj(f, f->y, f->q + s * n, NULL);
}

static void unuse(fwd *f, size_t s)
{
    f->used[s] = 0;
    f->degree[s] = UNUSED_DEGREE;
    memset(f->q + s * f->n, 0, f->n * sizeof *f->q);
}

/* Write the chosen term(s) into slots T (and T + 1); returns the number of terms added. */
static int add_terms(fwd *f, const ks_mars_options *o, const choice *c, size_t T)
{
    const size_t n = f->n, p = f->p, m = c->m, v = c->v;
    const double *x = f->X + v * n, *bm = f->bx + m * n;
    const size_t *ord = f->ord + v * n;
    int linear = c->pos == 0 && c->pos != POS_MISSING;
    int zero_mirror = 0;
    if (linear && !o->auto_linpreds && !(o->linpreds && o->linpreds[v])) {
        linear = 0; /* earth: a hinge at the minimum and an all-zero mirror */
        zero_mirror = 1;
    }
    for (size_t s = T; s <= T + 1; s++) {
        memcpy(f->dirs + s * p, f->dirs + m * p, p * sizeof *f->dirs);
        memcpy(f->cuts + s * p, f->cuts + m * p, p * sizeof *f->cuts);
        memcpy(f->pres + s * p, f->pres + m * p, p);
        f->pres[s * p + v] = f->nmiss[v] > 0 && c->pos != POS_MISSING; /* x_v present */
        f->degree[s] = f->degree[m] + 1;
        f->parent[s] = (int)m;
    }
    f->nuses[v]++;
    double *bT = f->bx + T * n, *bT1 = f->bx + (T + 1) * n;
    const size_t nmiss = f->nmiss[v];
    int mirror = 0;
    if (c->pos == POS_MISSING) { /* the missingness indicator: one term */
        const double *xo = f->Xorig + v * n;
        f->dirs[T * p + v] = -3;
        for (size_t i = 0; i < n; i++) bT[i] = isnan(xo[i]) ? bm[i] : 0.0;
    } else if (linear) {
        f->dirs[T * p + v] = 2;
        f->cuts[T * p + v] = x[ord[nmiss]];
        for (size_t i = 0; i < n; i++) bT[i] = bm[i] * x[i]; /* (x is 0 where missing) */
    } else {
        const size_t pos = zero_mirror ? nmiss : c->pos;
        const double cut = x[ord[pos]];
        f->dirs[T * p + v] = 1;
        f->cuts[T * p + v] = cut;
        f->dirs[(T + 1) * p + v] = -1;
        f->cuts[(T + 1) * p + v] = cut;
        for (size_t i = 0; i < n; i++) bT[i] = bT1[i] = 0.0;
        for (size_t k = pos + 1; k < n; k++) bT[ord[k]] = bm[ord[k]] * (x[ord[k]] - cut);
        if (!zero_mirror)
            for (size_t k = nmiss; k <= pos; k++) bT1[ord[k]] = bm[ord[k]] * (cut - x[ord[k]]);
        mirror = c->newform || zero_mirror;
    }
    set_slot(f, T, T, 0.0);
    use_slot(f, T);
    int added = 1;
    if (mirror) {
        const double ss = set_slot(f, T + 1, T + 1, f->sw ? MIN_BX_SOS : 0.0);
        if (ss > 0.0 || zero_mirror) {
            use_slot(f, T + 1);
            added = zero_mirror ? 1 : 2;
        }
    }
    if (!f->used[T + 1]) unuse(f, T + 1);
    scatter_z(f, T, T + 2);
    return added;
}

/* ord[0..n) = the cases by increasing x, ties by case (a stable LSD radix sort on the order-
 * preserving integer image of each double, 11 bits a pass; passes where every key has the same
 * digit are skipped). tmp: n keys and n indices of scratch. */
static void sort_cases(const double *x, size_t n, size_t *out, uint64_t *key, uint64_t *tmpk,
                       size_t *tmpi)
{
    size_t *ord = out;
    for (size_t i = 0; i < n; i++) {
        uint64_t u;
        const double xi = x[i] == 0.0 ? 0.0 : x[i]; /* -0 sorts with +0 */
        memcpy(&u, &xi, sizeof u);
        key[i] = isnan(xi) ? 0 : u >> 63 ? ~u : u | 0x8000000000000000ULL; /* missing first */
        ord[i] = i;
    }
    size_t count[2048];
    /* the top 33 bits by three passes; cases equal in those (rare but for ties) are put in order
     * of their full keys, stably, afterwards */
    for (unsigned shift = 31; shift < 64; shift += 11) {
        memset(count, 0, sizeof count);
        for (size_t i = 0; i < n; i++) count[(key[i] >> shift) & 2047]++;
        if (count[(key[0] >> shift) & 2047] == n) continue;
        size_t sum = 0;
        for (size_t d = 0; d < 2048; d++) {
            const size_t c = count[d];
            count[d] = sum;
            sum += c;
        }
        for (size_t i = 0; i < n; i++) {
            const size_t at = count[(key[i] >> shift) & 2047]++;
            tmpk[at] = key[i];
            tmpi[at] = ord[i];
        }
        uint64_t *k2 = key;
        key = tmpk;
        tmpk = k2;
        size_t *o2 = ord;
        ord = tmpi;
        tmpi = o2;
    }
    for (size_t i = 1; i < n; i++) { /* insertion into runs equal in the top 33 bits */
        if (key[i] >> 31 != key[i - 1] >> 31 || key[i] >= key[i - 1]) continue;
        const uint64_t k = key[i];
        const size_t o = ord[i];
        size_t j = i;
        while (j > 0 && key[j - 1] > k) { /* (keys equal in full keep their order) */
            key[j] = key[j - 1];
            ord[j] = ord[j - 1];
            j--;
        }
        key[j] = k;
        ord[j] = o;
    }
    if (ord != out) memcpy(out, ord, n * sizeof *ord);
}

void ks__mars_terms_free(const ks_allocator *a, ks__mars_terms *t)
{
    if (!t) return;
    ks__release(a, t->term_start);
    ks__release(a, t->factor);
    ks__release(a, t->parent);
    ks__release(a, t->rsq);
    memset(t, 0, sizeof *t);
}

/* The used slots as terms (factors in predictor order, as earth names them). */
static int collect_terms(ks_ctx *ctx, const fwd *f, size_t T, ks__mars_terms *out)
{
    const size_t p = f->p;
    size_t nterms = 0, nfac = 0, *slot_term = NULL;
    for (size_t s = 0; s < T && s < f->nk; s++)
        if (f->used[s] && f->indep[s]) {
            nterms++;
            for (size_t v = 0; v < p; v++) nfac += (f->dirs[s * p + v] != 0) + f->pres[s * p + v];
        }
    out->nterms = nterms;
    out->term_start = ks__malloc_array(ctx, nterms + 1, sizeof *out->term_start);
    out->factor = ks__malloc_array(ctx, nfac ? nfac : 1, sizeof *out->factor);
    out->parent = ks__malloc_array(ctx, nterms, sizeof *out->parent);
    out->rsq = ks__malloc_array(ctx, nterms, sizeof *out->rsq);
    slot_term = ks__malloc_array(ctx, f->nk, sizeof *slot_term);
    if (!out->term_start || !out->factor || !out->parent || !out->rsq || !slot_term) {
        ks__free(ctx, slot_term);
        ks__mars_terms_free(&ctx->alloc, out);
        return KS_ENOMEM;
    }
    size_t j = 0, k = 0;
    for (size_t s = 0; s < T && s < f->nk; s++) {
        if (!f->used[s] || !f->indep[s]) continue;
        slot_term[s] = j;
        out->term_start[j] = k;
        for (size_t v = 0; v < p; v++) {
            if (f->pres[s * p + v]) out->factor[k++] = (ks_mars_factor){(int)v, 3, 0.0};
            if (f->dirs[s * p + v] != 0)
                out->factor[k++] = (ks_mars_factor){(int)v, f->dirs[s * p + v], f->cuts[s * p + v]};
        }
        const size_t ps = s == 0 ? SIZE_MAX : (size_t)f->parent[s];
        out->parent[j] = ps == SIZE_MAX || !f->used[ps] || !f->indep[ps] ? -1 : (int)slot_term[ps];
        out->rsq[j] = f->rsq[s];
        j++;
    }
    out->term_start[nterms] = k;
    ks__free(ctx, slot_term);
    return KS_OK;
}

int ks__mars_forward(ks_ctx *ctx, const ks__mars_data *d, const ks_mars_options *o, ks__mars_terms *out)
{
    memset(out, 0, sizeof *out);
    fwd f;
    memset(&f, 0, sizeof f);
    const size_t n = d->n, p = d->p, ny = d->ny, nk = (size_t)o->max_terms;
    f.n = n;
    f.p = p;
    f.ny = ny;
    f.nk = nk;
    f.X = f.Xorig = d->X;
    double *X0 = NULL; /* X with missing cells 0 */
    int rc = KS_OK;
    f.nb = (nk + 2 + 3) / 4;
    if (f.nb > 64) return ks__fail(ctx, KS_EINVAL, "max_terms: %zu is more than 254", nk);
    size_t zsize;
    if (!ks__size_mul(n * p, nk + 6, &zsize) || !ks__size_mul(zsize, sizeof(double), &zsize))
        return ks__fail(ctx, KS_EOVERFLOW, "mars: %zu cases x %zu predictors x %zu terms is too "
                                          "large", n, p, nk);
    f.y = ks__malloc_array(ctx, n, 2 * ny * sizeof *f.y);
    f.ord = ks__malloc_array(ctx, n, p * sizeof *f.ord);
    f.xs = ks__malloc_array(ctx, n, p * (1 + ny) * sizeof *f.xs);
    f.zs = ks__malloc_array(ctx, n * p, 4 * f.nb * sizeof *f.zs); /* (scatter_z writes blocks whole) */
    if (f.zs) ks__huge_pages(f.zs, n * p * 4 * f.nb * sizeof *f.zs); /* (hundreds of MB at 1e5) */
    f.bx = ks__malloc_array(ctx, n, (nk + 2) * sizeof *f.bx); /* slots are written before use */
    f.q = ks__malloc_array(ctx, n, (nk + 2) * sizeof *f.q);
    f.mu = ks__calloc(ctx, nk + 2, sizeof *f.mu);
    f.eta = ks__calloc(ctx, nk + 2, 2 * ny * sizeof *f.eta);
    f.beta = ks__calloc(ctx, (nk + 2) * p, (nk + 2) * sizeof *f.beta);
    f.nbeta = ks__calloc(ctx, (nk + 2) * p, sizeof *f.nbeta);
    f.cstat = ks__calloc(ctx, (nk + 2) * p, (1 + 2 * ny) * sizeof *f.cstat);
    f.dirs = ks__calloc(ctx, nk + 2, p * sizeof *f.dirs);
    f.cuts = ks__calloc(ctx, nk + 2, p * sizeof *f.cuts);
    f.degree = ks__calloc(ctx, nk + 2, sizeof *f.degree);
    f.used = ks__calloc(ctx, nk + 2, 2);
    if (f.used) f.indep = f.used + nk + 2;
    f.parent = ks__calloc(ctx, nk + 2, sizeof *f.parent);
    f.rsq = ks__calloc(ctx, nk + 2, sizeof *f.rsq);
    f.nuses = ks__calloc(ctx, p, sizeof *f.nuses);
    f.queue = ks__calloc(ctx, nk + 2, sizeof *f.queue);
    f.kc = ks__calloc(ctx, (nk + 2) * p, sizeof *f.kc);
    f.list_room = LIST_ROOM;
    f.nmiss = ks__calloc(ctx, p, sizeof *f.nmiss);
    f.pres = ks__calloc(ctx, nk + 2, 2 * p);
    f.zinit = ks__calloc(ctx, f.nb, 1);
    f.zrow = ks__malloc_array(ctx, n, 2 * sizeof *f.zrow);
    f.all_pos = ks__malloc_array(ctx, n, sizeof *f.all_pos);
    if (f.all_pos)
        for (size_t i = 0; i < n; i++) f.all_pos[i] = n - 2 - i; /* (the last is never read) */
    if (f.pres) f.miss_term = f.pres + (nk + 2) * p;
    double *swbuf = d->w ? ks__malloc_array(ctx, n, sizeof *swbuf) : NULL;
    if (!f.nmiss || !f.pres || !f.zinit || !f.zrow || !f.all_pos) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t anymiss = 0;
    for (size_t v = 0; v < p; v++) {
        for (size_t i = 0; i < n; i++) f.nmiss[v] += isnan(d->X[v * n + i]);
        anymiss += f.nmiss[v];
    }
    if (anymiss) {
        X0 = ks__malloc_array(ctx, n * p, sizeof *X0);
        if (!X0) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n * p; i++) X0[i] = isnan(d->X[i]) ? 0.0 : d->X[i];
        f.X = X0;
    }
    if (!f.y || !f.ord || !f.xs || !f.zs || !f.bx || !f.q || !f.mu || !f.eta || !f.beta ||
        !f.nbeta || !f.cstat || !f.dirs ||
        !f.cuts || !f.degree || !f.used || !f.parent || !f.rsq || !f.nuses || !f.queue || !f.kc ||
        (d->w && !swbuf)) {
        rc = KS_ENOMEM;
        goto done;
    }
    f.ycs = f.xs + n * p;
    f.yq = f.eta + (nk + 2) * ny;
    f.yc = f.y + n * ny;
    f.sumw = (double)n;
    if (d->w) {
        f.sumw = 0.0;
        for (size_t i = 0; i < n; i++) {
            swbuf[i] = sqrt(d->w[i]);
            f.sumw += d->w[i];
        }
        f.sw = swbuf;
    }
    {
        uint64_t *keys = ks__malloc_array(ctx, n, 2 * sizeof *keys);
        size_t *tmpi = ks__malloc_array(ctx, n, sizeof *tmpi);
        if (!keys || !tmpi) {
            ks__free(ctx, keys);
            ks__free(ctx, tmpi);
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t v = 0; v < p; v++) {
            size_t *ov = f.ord + v * n;
            sort_cases(d->X + v * n, n, ov, keys, keys + n, tmpi);
            for (size_t i = 0; i < n; i++) f.xs[v * n + i] = f.X[v * n + ov[i]];
        }
        ks__free(ctx, keys);
        ks__free(ctx, tmpi);
    }
    /* the response: one response is standardised (earth's Scale.y: mean and sd summed in long
     * double as R's scale(); with weights only divided, sqrt(w) y not centred) */
    double rss_null = 0.0;
    for (size_t r = 0; r < ny; r++) {
        const double *yr = d->Y + r * n;
        double *fy = f.y + r * n, *yc = f.yc + r * n;
        double mean = 0.0, scale = 1.0;
        if (ny == 1) {
            long double s = 0.0L, ss = 0.0L;
            for (size_t i = 0; i < n; i++) s += yr[i];
            const long double m = s / (long double)n;
            for (size_t i = 0; i < n; i++) ss += ((long double)yr[i] - m) * ((long double)yr[i] - m);
            const double sd = n > 1 ? (double)sqrtl(ss / (long double)(n - 1)) : 0.0;
            if (sd > 0.0) {
                mean = (double)m;
                scale = sd;
            }
        }
        for (size_t i = 0; i < n; i++)
            fy[i] = f.sw ? f.sw[i] * (yr[i] / scale) : (yr[i] - mean) / scale;
        /* ybar: weighted, sum then divide; unweighted, the mean by per-element division */
        double sw_y = 0.0, ybar = 0.0, ybar_w;
        for (size_t i = 0; i < n; i++) sw_y += (f.sw ? d->w[i] * (yr[i] / scale) : fy[i]);
        ybar_w = sw_y / f.sumw;
        if (f.sw)
            ybar = ybar_w;
        else
            for (size_t i = 0; i < n; i++) ybar += fy[i] / (double)n;
        for (size_t i = 0; i < n; i++) {
            const double yi = f.sw ? yr[i] / scale : fy[i];
            yc[i] = f.sw ? f.sw[i] * (yi - ybar) : fy[i] - ybar;
            rss_null += (d->w ? d->w[i] : 1.0) * (yi - ybar_w) * (yi - ybar_w);
        }
    }
    if (rss_null < 1e-8 * (double)n) rss_null = 1e-8 * (double)n;
    for (size_t v = 0; v < p; v++) /* the centred response in each predictor's order */
        for (size_t i = 0; i < n; i++)
            for (size_t r = 0; r < ny; r++)
                f.ycs[(v * n + i) * ny + r] = f.yc[r * n + f.ord[v * n + i]];
    /* slot 0: the intercept */
    for (size_t i = 0; i < n; i++) {
        f.bx[i] = 1.0;
        f.q[i] = f.sw ? f.sw[i] / sqrt(f.sumw) : 1.0 / sqrt((double)n);
    }
    use_slot(&f, 0);
    f.indep[0] = 1;
    scatter_z(&f, 0, 1);
    f.degree[0] = 0;
    f.parent[0] = -1;
    f.queue[0] = (queue_entry){rss_null, 1, 0, 0};
    f.nq = 1;
    double rss = rss_null, rsq = 0.0, prev_drss = rss_null, grsq = 0.0, drsq = 0.0;
    const double gcv_null = ks__mars_gcv(rss_null, 1, o->penalty, n);
    size_t nused = 1, T = 1;
    int no_term = 0;
    if (nk < 3) {
        out->termcond = KS_MARS_STOP_NK_SMALL;
    } else {
        for (;;) {
            const double maxlegal = fmin(1.01 * rss, 10.0 * prev_drss);
            choice c = {0, 0, 0, 0, 0};
            double drss;
            if ((rc = search_step(ctx, &f, o, T, maxlegal, &c, &drss))) goto done;
            int added = 0;
            if (c.found) added = add_terms(&f, o, &c, T);
            no_term = !c.found;
            if (c.found) {
                nused += (size_t)added;
                rss -= drss;
                if (fabs(rss) < 1e-10) rss = 0.0;
                const double gcv = ks__mars_gcv(rss, nused, o->penalty, n);
                const double rsq_new = 1.0 - rss / rss_null;
                drsq = rsq_new - rsq;
                if (fabs(drsq) < 1e-10) drsq = 0.0;
                rsq = rsq_new;
                grsq = 1.0 - gcv / gcv_null;
                prev_drss = drss;
            } else {
                drsq = 0.0;
            }
            if (!c.found || (o->thresh != 0.0 && (drsq < o->thresh || grsq < -10.0))) {
                if (c.found) {
                    unuse(&f, T);
                    unuse(&f, T + 1);
                    scatter_z(&f, T, T + 2);
                }
                break;
            }
            f.rsq[T] = f.rsq[T + 1] = rsq;
            for (int k = 0; k < added + (added == 1 && f.used[T + 1] ? 1 : 0) && k < 2; k++)
                push_queue(&f, T);
            size_t step = 2;
            if (c.pos != POS_MISSING && f.nmiss[c.v] && !f.miss_term[c.m * p + c.v] &&
                T + 2 < nk - 1) {
                /* the first hinge on a predictor with missing values under this parent brings
                 * the parent's missingness indicator (Friedman 1991, sec. 3.11), so that the
                 * cases where it is missing get their own level */
                const double d2 = add_missing_term(&f, c.m, c.v, T + 2);
                if (d2 > 0.0) {
                    rss -= d2;
                    nused++;
                    rsq = 1.0 - rss / rss_null;
                    f.rsq[T + 2] = rsq;
                    push_queue(&f, T);
                    step = 3;
                }
            }
            if (c.pos != POS_MISSING && f.nmiss[c.v]) f.miss_term[c.m * p + c.v] = 1;
            if (c.pos == POS_MISSING) f.miss_term[c.m * p + c.v] = 1;
            sort_queue(&f, o->fast_beta, T);
            T += step;
            if (rsq >= 1.0 - o->thresh || T >= nk - 1) break;
        }
        if (o->thresh != 0.0 && grsq < -10.0)
            out->termcond = grsq < -1000.0 ? KS_MARS_STOP_GRSQ_INF : KS_MARS_STOP_GRSQ_LOW;
        else if (o->thresh != 0.0 && drsq < o->thresh)
            out->termcond = KS_MARS_STOP_THRESH;
        else if (rsq >= 1.0 - o->thresh)
            out->termcond = KS_MARS_STOP_RSQ_ONE;
        else if (no_term)
            out->termcond = KS_MARS_STOP_NO_TERM;
        else
            out->termcond = KS_MARS_STOP_MAX_TERMS;
    }
    out->slots_used = T;
    rc = collect_terms(ctx, &f, T, out);
done:
    ks__free(ctx, f.y);
    ks__free(ctx, f.ord);
    ks__free(ctx, f.xs);
    ks__free(ctx, f.zs);
    ks__free(ctx, f.bx);
    ks__free(ctx, f.q);
    ks__free(ctx, f.mu);
    ks__free(ctx, f.eta);
    ks__free(ctx, f.beta);
    ks__free(ctx, f.nbeta);
    ks__free(ctx, f.cstat);
    ks__free(ctx, f.dirs);
    ks__free(ctx, f.cuts);
    ks__free(ctx, f.degree);
    ks__free(ctx, f.used);
    ks__free(ctx, f.parent);
    ks__free(ctx, f.rsq);
    ks__free(ctx, f.nuses);
    ks__free(ctx, f.queue);
    if (f.kc)
        for (size_t k = 0; k < (nk + 2) * p; k++) {
            ks__free(ctx, f.kc[k].kidx);
            ks__free(ctx, f.kc[k].rec);
            ks__free(ctx, f.kc[k].nz);
            ks__free(ctx, f.kc[k].bnz);
        }
    ks__free(ctx, f.kc);
    ks__free(ctx, f.nmiss);
    ks__free(ctx, f.pres);
    ks__free(ctx, f.zinit);
    ks__free(ctx, f.zrow);
    ks__free(ctx, f.all_pos);
    ks__free(ctx, X0);
    ks__free(ctx, swbuf);
    return rc;
}
