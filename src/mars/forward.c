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

#include "mars/mars_internal.h"

#define MIN_BX_SOS 0.01   /* a linear candidate with less residual sum of squares is in the span */
#define UNUSED_DEGREE 101 /* the degree of an unused slot: never a parent */

typedef struct {
    double value;
    size_t stamp, slot;
    double rank;
} queue_entry;

typedef struct {
    size_t n, p, ny, nk;
    const double *X;
    double *y;        /* n x ny: the forward pass's response (scaled; weighted by sqrt(w)) */
    double *yc;       /* n x ny: y centred (weighted: y - sqrt(w) ybar_w) */
    const double *sw; /* sqrt(w), or NULL */
    double sumw;      /* n when unweighted */
    size_t *ord;      /* p x n: the cases by increasing x_v (ties by case) */
    double *bx;       /* n x nk: each slot's basis value (unweighted) */
    double *q;        /* n x (nk + 1): orthonormal columns (weighted); slot nk: the candidate */
    double *z;        /* n x (nk + 1), row-major: z[u (nk + 1) + t] = q_t(u) - mu_t */
    double *eta;      /* (nk + 1) x ny: (y - ybar) . q_t */
    int *dirs;        /* nk x p */
    double *cuts;     /* nk x p */
    int *degree;      /* nk */
    unsigned char *used;
    int *parent;
    double *rsq;
    size_t *nuses;    /* p */
    /* per-scan accumulators */
    double *S, *C, *Yr, *W; /* nk + 1, nk + 1, ny, ny */
    double *cand;     /* n */
    queue_entry *queue;
    size_t nq;
} fwd;

/* Orthogonalise c (n, weighted) against the used slots < T into column `slot` of q / z;
 * returns the residual sum of squares (0, and q = z = 0, at or below thresh). */
static double orthogonalise(fwd *f, const double *c, size_t T, size_t slot, double thresh)
{
    const size_t n = f->n, ld = f->nk + 1;
    double *r = f->q + slot * n;
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
        for (size_t i = 0; i < n; i++) r[i] = f->z[i * ld + slot] = 0.0;
        return 0.0;
    }
    double mu = 0.0; /* earth subtracts the mean of the unnormalised residual (about 1e-16) */
    if (!f->sw)
        for (size_t i = 0; i < n; i++) mu += r[i] / (double)n;
    const double norm = sqrt(ss);
    for (size_t i = 0; i < n; i++) {
        r[i] /= norm;
        f->z[i * ld + slot] = r[i] - mu;
    }
    return ss;
}

/* eta_t = (y - ybar) . q_t for slot t (into row `row` of eta). */
static void set_eta(fwd *f, size_t t, size_t row)
{
    const size_t n = f->n;
    const double *qt = f->q + t * n;
    for (size_t r = 0; r < f->ny; r++) {
        const double *yc = f->yc + r * n;
        double s = 0.0;
        for (size_t i = 0; i < n; i++) s += yc[i] * qt[i];
        f->eta[row * f->ny + r] = s;
    }
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
    int negative; /* minspan < 0: -minspan evenly spaced knots */
} spans;

static spans knot_spans(const fwd *f, const ks_mars_options *o, size_t nm, int dg)
{
    const size_t n = f->n;
    spans s;
    long E = o->endspan > 0 ? o->endspan : (long)(7.32193 + log((double)f->p) / 0.69315);
    if (dg >= 2) E += (long)(o->adjust_endspan * (double)E + 0.5);
    if (E > (long)(n / 2) - 1) E = (long)(n / 2) - 1;
    if (E < 1) E = 1;
    s.endspan = (size_t)E;
    s.negative = o->minspan < 0;
    if (s.negative) {
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

/* The best knot of (m, v) given the linear candidate's slot (K = T + 1 when it is in, else T):
 * scans the cases from the largest x_v down; returns the position (0: none beat best) and
 * raises *best. Unweighted: earth's running sums with its tolerances and MaxLegal cap; weighted:
 * the same sums with weights, and earth's rule for refits (a knot must beat by 1e-10). */
static size_t scan_knots(fwd *f, size_t m, size_t v, size_t K, double dlin, double a,
                         double maxlegal, spans sp, double *best)
{
    const size_t n = f->n, ny = f->ny, ld = f->nk + 1;
    const size_t *ord = f->ord + v * n;
    const double *x = f->X + v * n, *bm = f->bx + m * n;
    const double *sw = f->sw;
    double *S = f->S, *C = f->C, *Y = f->Yr, *W = f->W;
    memset(S, 0, K * sizeof *S);
    memset(C, 0, K * sizeof *C);
    memset(Y, 0, ny * sizeof *Y);
    memset(W, 0, ny * sizeof *W);
    double sb = 0, sbb = 0, sbx = 0, sbbx = 0, st = 0, CK = 0;
    const double tol = K < 15 ? 0.01 : 1e-5;
    size_t countdown = sp.first, found = 0;
    for (size_t i = n - 1; i-- > sp.endspan;) {
        const size_t u = ord[i + 1];
        const double x0 = x[ord[i]], x1 = x[u], d = x1 - x0;
        const double b = bm[u], bw = sw ? sw[u] * b : b, wb = sw ? sw[u] * bw : b;
        const double *zu = f->z + u * ld;
        for (size_t t = 0; t < K; t++) {
            S[t] += bw * zu[t];
            C[t] += d * S[t];
        }
        sb += wb;
        sbb += bw * bw;
        sbx += wb * x1;
        sbbx += bw * bw * x1;
        const double sprev = st;
        st = sbx - sb * x0;
        CK += d * (2.0 * sbbx - sbb * (x0 + x1)) + (sprev * sprev - st * st) / f->sumw;
        for (size_t r = 0; r < ny; r++) {
            Y[r] += f->yc[r * n + u] * bw;
            W[r] += d * Y[r];
        }
        if (!(b > 0.0) || (!sw && !(CK > 0.0))) continue; /* not countable */
        if (--countdown) continue;
        countdown = sp.minspan;
        double cc = 0.0;
        for (size_t t = 0; t < K; t++) cc += C[t] * C[t];
        const double temp2 = CK - cc;
        double dh = 0.0;
        if (sw ? temp2 > 1e-16 * (CK + st * st / f->sumw) : temp2 / CK > tol)
            for (size_t r = 0; r < ny; r++) {
                double e = 0.0;
                for (size_t t = 0; t < K; t++) e += f->eta[t * ny + r] * C[t];
                const double t1 = W[r] - e;
                dh += t1 * t1 / temp2;
            }
        const double val = a * (dlin + dh);
        if (sw ? val > *best + 1e-10 || !found : val > *best && val < maxlegal) {
            *best = val;
            found = i;
        }
    }
    return found;
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
typedef struct {
    int found;
    size_t m, v, pos; /* pos 0: the linear candidate */
    int newform;
} choice;

static void search_step(fwd *f, const ks_mars_options *o, size_t T, double maxlegal, choice *best,
                        double *gbest)
{
    const size_t n = f->n, p = f->p, nvisit = f->nq < (size_t)o->fast_k ? f->nq : (size_t)o->fast_k;
    const double gamma = o->newvar_penalty;
    *gbest = 0.0;
    best->found = 0;
    for (size_t k = 0; k < nvisit; k++) {
        queue_entry *qe = &f->queue[k];
        const size_t m = qe->slot;
        if (f->degree[m] >= o->max_degree) continue;
        double parent_best = -1.0;
        int improved = 0;
        size_t nm = 0;
        for (size_t i = 0; i < n; i++) nm += f->bx[m * n + i] > 0.0;
        const spans sp = knot_spans(f, o, nm, f->degree[m] + 1);
        for (size_t v = 0; v < p; v++) {
            if (f->dirs[m * p + v] != 0) continue;
            const double a = f->nuses[v] == 0 ? 1.0 / (1.0 + gamma) : 1.0;
            int nf = new_form(f, m, v, T);
            double dlin = 0.0;
            size_t K = T;
            if (nf) {
                const double *x = f->X + v * n, *bm = f->bx + m * n;
                for (size_t i = 0; i < n; i++)
                    f->cand[i] = x[i] * bm[i] * (f->sw ? f->sw[i] : 1.0);
                double cc = 0.0;
                if (f->sw)
                    for (size_t i = 0; i < n; i++) cc += f->cand[i] * f->cand[i];
                /* unweighted: earth's absolute 0.01; weighted: its QR's relative 1e-8 */
                const double ss = orthogonalise(f, f->cand, T, f->nk, f->sw ? 1e-16 * cc : MIN_BX_SOS);
                if (ss > 0.0) {
                    const double *qT = f->q + f->nk * n;
                    for (size_t r = 0; r < f->ny; r++) {
                        const double *yr = f->y + r * n;
                        double s = 0.0;
                        for (size_t i = 0; i < n; i++) s += yr[i] * qT[i];
                        dlin += s * s;
                    }
                    set_eta(f, f->nk, T);
                    /* the candidate's z column sits in slot nk; the scan reads slot T */
                    const size_t ld = f->nk + 1;
                    for (size_t i = 0; i < n; i++) {
                        const double zc = f->z[i * ld + f->nk];
                        f->z[i * ld + f->nk] = f->z[i * ld + T];
                        f->z[i * ld + T] = zc;
                    }
                    K = T + 1;
                } else if (!f->sw) {
                    nf = 0;
                }
            }
            double bmv = a * dlin;
            if (bmv > parent_best) parent_best = bmv;
            if (bmv > *gbest) {
                *gbest = bmv;
                *best = (choice){1, m, v, 0, nf};
                improved = 1;
            }
            if (!o->linpreds || !o->linpreds[v]) {
                /* unweighted, knots must beat the linear candidate (earth's running best);
                 * weighted, the best knot by earth's refit rule, then against the linear */
                const double lin = bmv;
                if (f->sw) bmv = -HUGE_VAL;
                const size_t pos = scan_knots(f, m, v, K, dlin, a, maxlegal, sp, &bmv);
                if (pos && bmv > lin) {
                    if (bmv > parent_best) parent_best = bmv;
                    if (bmv > *gbest) {
                        *gbest = bmv;
                        *best = (choice){1, m, v, pos, nf};
                        improved = 1;
                    }
                }
            }
            if (K == T + 1) { /* put slot T's z column back (all zero: T is free) */
                const size_t ld = f->nk + 1;
                for (size_t i = 0; i < n; i++) {
                    f->z[i * ld + f->nk] = f->z[i * ld + T];
                    f->z[i * ld + T] = 0.0;
                }
            }
        }
        if (improved && gamma != 0.0 && f->nuses[best->v] == 0) *gbest *= 1.0 + gamma;
        qe->value = parent_best;
        qe->stamp = T;
    }
}

/* Write the chosen term(s) into slots T (and T + 1); returns the number of terms added. */
static int add_terms(fwd *f, const ks_mars_options *o, const choice *c, size_t T)
{
    const size_t n = f->n, p = f->p, m = c->m, v = c->v;
    const double *x = f->X + v * n, *bm = f->bx + m * n;
    const size_t *ord = f->ord + v * n;
    int linear = c->pos == 0;
    int zero_mirror = 0;
    if (linear && !o->auto_linpreds && !(o->linpreds && o->linpreds[v])) {
        linear = 0; /* earth: a hinge at the minimum and an all-zero mirror */
        zero_mirror = 1;
    }
    for (size_t s = T; s <= T + 1; s++) {
        memcpy(f->dirs + s * p, f->dirs + m * p, p * sizeof *f->dirs);
        memcpy(f->cuts + s * p, f->cuts + m * p, p * sizeof *f->cuts);
        f->degree[s] = f->degree[m] + 1;
        f->parent[s] = (int)m;
    }
    f->nuses[v]++;
    double *bT = f->bx + T * n, *bT1 = f->bx + (T + 1) * n;
    int mirror = 0;
    if (linear) {
        f->dirs[T * p + v] = 2;
        f->cuts[T * p + v] = x[ord[0]];
        for (size_t i = 0; i < n; i++) bT[i] = bm[i] * x[i];
    } else {
        const size_t pos = zero_mirror ? 0 : c->pos;
        const double cut = x[ord[pos]];
        f->dirs[T * p + v] = 1;
        f->cuts[T * p + v] = cut;
        f->dirs[(T + 1) * p + v] = -1;
        f->cuts[(T + 1) * p + v] = cut;
        for (size_t i = 0; i < n; i++) bT[i] = bT1[i] = 0.0;
        for (size_t k = pos + 1; k < n; k++) bT[ord[k]] = bm[ord[k]] * (x[ord[k]] - cut);
        if (!zero_mirror)
            for (size_t k = 0; k <= pos; k++) bT1[ord[k]] = bm[ord[k]] * (cut - x[ord[k]]);
        mirror = c->newform || zero_mirror;
    }
    for (size_t i = 0; i < n; i++) f->cand[i] = bT[i] * (f->sw ? f->sw[i] : 1.0);
    orthogonalise(f, f->cand, T, T, 0.0);
    f->used[T] = 1;
    set_eta(f, T, T);
    int added = 1;
    if (mirror) {
        for (size_t i = 0; i < n; i++) f->cand[i] = bT1[i] * (f->sw ? f->sw[i] : 1.0);
        const double ss = orthogonalise(f, f->cand, T + 1, T + 1, f->sw ? MIN_BX_SOS : 0.0);
        if (ss > 0.0 || zero_mirror) {
            f->used[T + 1] = 1;
            set_eta(f, T + 1, T + 1);
            added = zero_mirror ? 1 : 2;
        }
    }
    if (!f->used[T + 1]) {
        f->degree[T + 1] = UNUSED_DEGREE;
        memset(f->q + (T + 1) * n, 0, n * sizeof *f->q);
        for (size_t i = 0; i < n; i++) f->z[i * (f->nk + 1) + T + 1] = 0.0;
    }
    return added;
}

static void unuse(fwd *f, size_t s)
{
    const size_t n = f->n;
    f->used[s] = 0;
    f->degree[s] = UNUSED_DEGREE;
    memset(f->q + s * n, 0, n * sizeof *f->q);
    for (size_t i = 0; i < n; i++) f->z[i * (f->nk + 1) + s] = 0.0;
}

static int cmp_case(const void *a, const void *b, void *ud)
{
    const double *x = ud;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (x[i] != x[j]) return x[i] < x[j] ? -1 : 1;
    return (i > j) - (i < j);
}

void mars_terms_free(ks_ctx *ctx, mars_terms *t)
{
    if (!t) return;
    ks_free(ctx, t->term_start);
    ks_free(ctx, t->factor);
    ks_free(ctx, t->parent);
    ks_free(ctx, t->rsq);
    memset(t, 0, sizeof *t);
}

/* The used slots as terms (factors in predictor order, as earth names them). */
static int collect_terms(ks_ctx *ctx, const fwd *f, size_t T, mars_terms *out)
{
    const size_t p = f->p;
    size_t nterms = 0, nfac = 0, *slot_term = NULL;
    for (size_t s = 0; s < T && s < f->nk; s++)
        if (f->used[s]) {
            nterms++;
            for (size_t v = 0; v < p; v++) nfac += f->dirs[s * p + v] != 0;
        }
    out->nterms = nterms;
    out->term_start = ks_malloc_array(ctx, nterms + 1, sizeof *out->term_start);
    out->factor = ks_malloc_array(ctx, nfac ? nfac : 1, sizeof *out->factor);
    out->parent = ks_malloc_array(ctx, nterms, sizeof *out->parent);
    out->rsq = ks_malloc_array(ctx, nterms, sizeof *out->rsq);
    slot_term = ks_malloc_array(ctx, f->nk, sizeof *slot_term);
    if (!out->term_start || !out->factor || !out->parent || !out->rsq || !slot_term) {
        ks_free(ctx, slot_term);
        mars_terms_free(ctx, out);
        return KS_ENOMEM;
    }
    size_t j = 0, k = 0;
    for (size_t s = 0; s < T && s < f->nk; s++) {
        if (!f->used[s]) continue;
        slot_term[s] = j;
        out->term_start[j] = k;
        for (size_t v = 0; v < p; v++)
            if (f->dirs[s * p + v] != 0)
                out->factor[k++] = (ks_mars_factor){(int)v, f->dirs[s * p + v], f->cuts[s * p + v]};
        out->parent[j] = s == 0 ? -1 : (int)slot_term[f->parent[s]];
        out->rsq[j] = f->rsq[s];
        j++;
    }
    out->term_start[nterms] = k;
    ks_free(ctx, slot_term);
    return KS_OK;
}

int mars_forward(ks_ctx *ctx, const mars_data *d, const ks_mars_options *o, mars_terms *out)
{
    memset(out, 0, sizeof *out);
    fwd f;
    memset(&f, 0, sizeof f);
    const size_t n = d->n, p = d->p, ny = d->ny, nk = (size_t)o->max_terms;
    f.n = n;
    f.p = p;
    f.ny = ny;
    f.nk = nk;
    f.X = d->X;
    int rc = KS_OK;
    const size_t ld = nk + 1;
    f.y = ks_malloc_array(ctx, n, 2 * ny * sizeof *f.y);
    f.ord = ks_malloc_array(ctx, n, p * sizeof *f.ord);
    f.bx = ks_calloc(ctx, n, (nk + 2) * sizeof *f.bx);
    f.q = ks_calloc(ctx, n, (nk + 2) * sizeof *f.q);
    f.z = ks_calloc(ctx, n, ld * sizeof *f.z);
    f.eta = ks_calloc(ctx, nk + 2, ny * sizeof *f.eta);
    f.dirs = ks_calloc(ctx, nk + 2, p * sizeof *f.dirs);
    f.cuts = ks_calloc(ctx, nk + 2, p * sizeof *f.cuts);
    f.degree = ks_calloc(ctx, nk + 2, sizeof *f.degree);
    f.used = ks_calloc(ctx, nk + 2, 1);
    f.parent = ks_calloc(ctx, nk + 2, sizeof *f.parent);
    f.rsq = ks_calloc(ctx, nk + 2, sizeof *f.rsq);
    f.nuses = ks_calloc(ctx, p, sizeof *f.nuses);
    f.S = ks_malloc_array(ctx, 2 * (nk + 2) + 2 * ny + n, sizeof *f.S);
    f.queue = ks_calloc(ctx, nk + 2, sizeof *f.queue);
    double *swbuf = d->w ? ks_malloc_array(ctx, n, sizeof *swbuf) : NULL;
    if (!f.y || !f.ord || !f.bx || !f.q || !f.z || !f.eta || !f.dirs || !f.cuts || !f.degree ||
        !f.used || !f.parent || !f.rsq || !f.nuses || !f.S || !f.queue || (d->w && !swbuf)) {
        rc = KS_ENOMEM;
        goto done;
    }
    f.C = f.S + (nk + 2);
    f.Yr = f.C + (nk + 2);
    f.W = f.Yr + ny;
    f.cand = f.W + ny;
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
    for (size_t v = 0; v < p; v++) {
        size_t *ov = f.ord + v * n;
        for (size_t i = 0; i < n; i++) ov[i] = i;
        qsort_r(ov, n, sizeof *ov, cmp_case, (void *)(d->X + v * n));
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
    /* slot 0: the intercept */
    for (size_t i = 0; i < n; i++) {
        f.bx[i] = 1.0;
        f.q[i] = f.sw ? f.sw[i] / sqrt(f.sumw) : 1.0 / sqrt((double)n);
        f.z[i * ld] = 0.0;
    }
    f.used[0] = 1;
    f.degree[0] = 0;
    f.parent[0] = -1;
    f.queue[0] = (queue_entry){rss_null, 1, 0, 0};
    f.nq = 1;
    double rss = rss_null, rsq = 0.0, prev_drss = rss_null, grsq = 0.0, drsq = 0.0;
    const double gcv_null = mars_gcv(rss_null, 1, o->penalty, n);
    size_t nused = 1, T = 1;
    int no_term = 0;
    if (nk < 3) {
        out->termcond = KS_MARS_STOP_NK_SMALL;
    } else {
        for (;;) {
            const double maxlegal = fmin(1.01 * rss, 10.0 * prev_drss);
            choice c = {0, 0, 0, 0, 0};
            double drss;
            search_step(&f, o, T, maxlegal, &c, &drss);
            int added = 0;
            if (c.found) added = add_terms(&f, o, &c, T);
            no_term = !c.found;
            if (c.found) {
                nused += (size_t)added;
                rss -= drss;
                if (fabs(rss) < 1e-10) rss = 0.0;
                const double gcv = mars_gcv(rss, nused, o->penalty, n);
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
                }
                break;
            }
            f.rsq[T] = f.rsq[T + 1] = rsq;
            for (int k = 0; k < added + (added == 1 && f.used[T + 1] ? 1 : 0) && k < 2; k++)
                push_queue(&f, T);
            sort_queue(&f, o->fast_beta, T);
            T += 2;
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
    ks_free(ctx, f.y);
    ks_free(ctx, f.ord);
    ks_free(ctx, f.bx);
    ks_free(ctx, f.q);
    ks_free(ctx, f.z);
    ks_free(ctx, f.eta);
    ks_free(ctx, f.dirs);
    ks_free(ctx, f.cuts);
    ks_free(ctx, f.degree);
    ks_free(ctx, f.used);
    ks_free(ctx, f.parent);
    ks_free(ctx, f.rsq);
    ks_free(ctx, f.nuses);
    ks_free(ctx, f.S);
    ks_free(ctx, f.queue);
    ks_free(ctx, swbuf);
    return rc;
}
