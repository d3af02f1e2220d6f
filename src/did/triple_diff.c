/* triple_diff.c — the two-period triple difference of Ortiz-Villavicencio & Sant'Anna (2025) on
 * repeated cross-sections, as R triplediff's ddd (panel = FALSE) computes it: three
 * repeated-cross-section DRDID comparisons of the treated-eligible subgroup 4 against each
 * other subgroup j, on the rows of {j, 4} only (kestrel's ks__did_2x2_rc_fit: the outcome
 * regressions per cell, the logit propensity score within the pair, capped at 1 - 1e-6 with
 * controls >= 0.995 trimmed; without R did's error at 0.999: triplediff only warns, when more
 * than 5% of a comparison's scores are below 0.001), ATT = DiD_3 + DiD_2 - DiD_1, and the influence
 * function (n / n_3) IF_3 + (n / n_2) IF_2 - (n / n_1) IF_1 whose sd / sqrt(n) is the standard
 * error; clustered: sqrt(G / (G - 1) sum_g (sum_{i in g} IF_i)^2) / n (diff-diff's formula).
 * Without covariates the three comparisons reduce to cell means (intercept_only, one pass); with
 * them, subgroup 4's outcome regressions (dr) are fitted once for the three. The rows are sorted
 * by cell once, so that each comparison's rows are two runs copied whole, already in the order
 * in which the 2x2 fit works by cell. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/did_stacked.h"
#include "linalg/linalg_internal.h"

struct ks_did_ddd {
    ks_allocator alloc;
    ks_did_ddd_view v;
    double *inf;
};

void ks_did_ddd_free(ks_did_ddd *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->inf);
    ks__release(&a, r);
}

void ks_did_ddd_get(const ks_did_ddd *r, ks_did_ddd_view *out) { *out = r->v; }

/* A 0/1 column, whole, into bit `bit` of each row's cell (zeroed by the caller); read by the
 * column's own type, as this and the cell sums are most of the fit's time without covariates. */
static int binary(ks_ctx *ctx, const ks_table *t, const char *what, const char *name,
                  unsigned char bit, unsigned char *cell)
{
    ks_did_numcol c;
    int rc = ks__did_numeric(ctx, t, what, name, &c);
    if (rc) return rc;
    const size_t n = ks_table_nrow(t);
    size_t n1 = 0, i = 0;
    if (c.f) {
        for (; i < n && (c.f[i] == 0.0 || c.f[i] == 1.0); i++) {
            const unsigned char one = c.f[i] == 1.0;
            cell[i] |= (unsigned char)(one * bit);
            n1 += one;
        }
    } else {
        for (; i < n && (uint64_t)c.i[i] <= 1; i++) {
            const unsigned char one = c.i[i] == 1;
            cell[i] |= (unsigned char)(one * bit);
            n1 += one;
        }
    }
    if (i < n) {
        const double x = ks__did_num_at(&c, i);
        if (isnan(x))
            return ks__fail(ctx, KS_EINVAL, "%s: row %zu of '%s' is missing", what, i + 1, name);
        return ks__fail(ctx, KS_EINVAL, "%s: row %zu of '%s' is %g; it must be 0 or 1", what, i + 1,
                        name, x);
    }
    if (n1 == 0 || n1 == n)
        return ks__fail(ctx, KS_EINVAL, "%s: '%s' must have both 0 and 1 values", what, name);
    return KS_OK;
}

/* The first row of c that is not finite (n if none; integers always are). */
static size_t first_nonfinite(const ks_did_numcol *c, size_t n)
{
    return c->f ? ks__first_nonfinite(c->f, n) : n;
}

/* The column's values into out at the rows' sorted places. */
static void scatter(const ks_did_numcol *c, const size_t *pos, size_t n, double *out)
{
    if (c->f)
        for (size_t i = 0; i < n; i++) out[pos[i]] = c->f[i];
    else
        for (size_t i = 0; i < n; i++) out[pos[i]] = (double)c->i[i];
}

/* Cells: 4 G + 2 P + post; the subgroup (1 .. 4 as R triplediff numbers them) is cell / 2 + 1. */
#define SUBGROUP(cell) (((cell) >> 1) + 1)

static const char *const pair_names[] = {"", "control-ineligible (G=0, P=0)",
                                         "control-eligible (G=0, P=1)",
                                         "treated-ineligible (G=1, P=0)"};

/* R triplediff's only overlap check (check_overlap_and_get_warning): a warning when more than 5%
 * of a comparison's rows have an estimated propensity score below 0.001. */
static void warn_low_scores(ks_ctx *ctx, int j, size_t low, size_t m)
{
    if ((double)low / (double)m > 0.05)
        ks__log(ctx, KS_LOG_WARN,
                "the comparison with the %s subgroup: poor propensity score overlap: %.1f%% of "
                "its rows have a propensity score < %g; check covariate balance or use fewer "
                "covariates",
                pair_names[j], 100.0 * (double)low / (double)m, PS_LOW);
}

/* The rows sorted by cell, cells 7 down to 0 (so that each comparison's rows are two runs in
 * ks__did_2x2_rc_fit's cell order: subgroup 4 after, before, subgroup j after, before); y and the
 * covariates (n x ncov) so sorted, start[c] the first row of cell c. */
typedef struct {
    size_t n, ncov, start[8], cnt[8];
    const double *y, *X;
} sorted_cells;

/* The DiD of subgroup 4 against subgroup j on their rows: att and the influence function added,
 * times wgt, into inf (in sorted order). buf: room for the largest comparison (4 + k doubles a
 * row). bt (dr): subgroup 4's outcome regressions, the same in every comparison: fitted by the
 * first (*have_bt 0), then reused. */
static int pair_did(ks_ctx *ctx, ks_did_method method, const sorted_cells *sc, int j, double sign,
                    double *buf, double *att, double *inf, size_t *near, int fallback,
                    int *fell_back, double *bt, int *have_bt)
{
    const size_t k = sc->ncov + 1, n4 = sc->cnt[7] + sc->cnt[6];
    const size_t cq = 2 * (size_t)j - 1, nj = sc->cnt[cq] + sc->cnt[cq - 1], m = n4 + nj;
    double *dy = buf, *D = dy + m, *P = D + m, *f = P + m, *Xs = f + m;
    const size_t runs[2][2] = {{sc->start[7], n4}, {sc->start[cq], nj}};
    const size_t after[2] = {sc->cnt[7], sc->cnt[cq]};
    for (size_t r = 0, q = 0; r < 2; q += runs[r][1], r++) {
        memcpy(dy + q, sc->y + runs[r][0], runs[r][1] * sizeof *dy);
        for (size_t i = 0; i < runs[r][1]; i++) {
            D[q + i] = r == 0;
            P[q + i] = i < after[r];
            Xs[q + i] = 1.0;
        }
        for (size_t c = 1; c < k; c++)
            memcpy(Xs + c * m + q, sc->X + (c - 1) * sc->n + runs[r][0], runs[r][1] * sizeof *Xs);
    }
    ks_did_2x2 in = {0};
    in.clip = NAN; /* R triplediff's scores: capped at 1 - 1e-6, controls >= 0.995 trimmed, */
    in.no_overlap_guard = 1; /* and no error at 0.999 */
    size_t low = 0;
    in.n_low = &low;
    in.m = m;
    in.k = k;
    in.dy = dy;
    in.D = D;
    in.X = Xs;
    in.nt = SIZE_MAX;
    in.post = P;
    in.n_near_one = near;
    in.ps_fallback = fallback;
    in.fell_back = fell_back;
    const size_t cells[5] = {0, after[0], n4, n4 + after[1], m};
    in.cells = cells;
    int rc;
    if (method == KS_DID_DR && !*have_bt) {
        if ((rc = ks__did_2x2_rc_treated_ols(ctx, &in, bt))) return rc;
        *have_bt = 1;
    }
    in.b_treated = method == KS_DID_DR ? bt : NULL;
    if ((rc = ks__did_2x2_rc_fit(ctx, method, &in, att, f))) return rc;
    warn_low_scores(ctx, j, low, m);
    const double wgt = sign * (double)sc->n / (double)m;
    for (size_t r = 0, q = 0; r < 2; q += runs[r][1], r++)
        for (size_t i = 0; i < runs[r][1]; i++) inf[runs[r][0] + i] += wgt * f[q + i];
    return KS_OK;
}

/* ---- R triplediff's collinearity checks (its preprocessing, run_preprocess_2Periods) ----
 * Global: qr() of [1, covariates] over all rows with tol 1e-6 (LINPACK's in-order test: a column
 * whose norm after the kept columns is below 1e-6 of its own is dropped). Within each comparison
 * (4 vs 1, 2, 3): qr() of the covariates left, without the intercept, over its rows; a covariate
 * dropped in any comparison is dropped in all. Each with a warning naming them. The test runs
 * on Gram matrices summed by cell (ks__did_screen_gram); where that is too near the threshold
 * for its rounding, the QR itself decides, on the rows. More than 64 covariates go unchecked (the
 * 2x2 fits' QRs then refuse a collinear design). */
#define COLLINEAR_TOL 1e-6

/* The same decision by the QR (R's own test) on p columns of the rows given as two runs (start,
 * length) of the sorted data: col[j] each (NULL: the ones). */
static int screen_qr(ks_ctx *ctx, const double *const *col, size_t p, const size_t runs[2][2],
                     unsigned char *drop)
{
    const size_t m = runs[0][1] + runs[1][1];
    double *A = ks__malloc_array(ctx, m, p * sizeof *A);
    if (!A) return KS_ENOMEM;
    for (size_t r = 0, q = 0; r < 2; q += runs[r][1], r++)
        for (size_t j = 0; j < p; j++)
            for (size_t i = 0; i < runs[r][1]; i++)
                A[j * m + q + i] = col[j] ? col[j][runs[r][0] + i] : 1.0;
    const int rc = ks__lstsq_dropped(ctx, m, p, A, m, COLLINEAR_TOL, drop);
    ks__free(ctx, A);
    return rc;
}

/* Appends name to the list in buf (comma-separated). */
static void list_add(char *buf, size_t size, const char *name)
{
    const size_t len = strlen(buf);
    if (len + 3 < size) snprintf(buf + len, size - len, "%s%s", len ? ", " : "", name);
}

/* R's two checks; the covariates kept stay in X, compacted (sc->ncov updated). */
static int drop_collinear(ks_ctx *ctx, sorted_cells *sc, const char *const *names, double *X)
{
    const size_t ncov = sc->ncov, k = ncov + 1, kk = k * k;
    if (ncov > 64) return KS_OK;
    const double *col[65] = {NULL}, *pc[64];
    unsigned char gdrop[65], pdrop[64], where[64] = {0}; /* where: bit j - 1 for 4 vs j */
    for (size_t c = 0; c < ncov; c++) col[c + 1] = X + c * sc->n;
    double *G = ks__malloc_array(ctx, 11 * kk, sizeof *G); /* sum, factor, 8 cells, comparison */
    if (!G) return KS_ENOMEM;
    double *L = G + kk, *Gc = L + kk, *Gp = Gc + 8 * kk;
    int rc = KS_OK;
    for (int c = 0; c < 8; c++)
        ks__did_gram(col, k, sc->start[c], sc->start[c] + sc->cnt[c], Gc + c * kk);
    for (size_t e = 0; e < kk; e++) {
        double t = 0.0;
        for (int c = 0; c < 8; c++) t += Gc[c * kk + e];
        G[e] = t;
    }
    const size_t all[2][2] = {{0, sc->n}, {0, 0}}; /* cells 7 .. 0: every row, one run */
    if (ks__did_screen_gram(G, k, sc->n, COLLINEAR_TOL, gdrop, L) &&
        (rc = screen_qr(ctx, col, k, all, gdrop)))
        goto done;
    size_t keep[64], p = 0;
    for (size_t c = 0; c < ncov; c++)
        if (!gdrop[c + 1]) keep[p++] = c;
    for (size_t a = 0; a < p; a++) pc[a] = col[keep[a] + 1];
    for (int j = 1; j <= 3 && p; j++) { /* the comparisons, without the intercept */
        const int cells[4] = {7, 6, 2 * j - 1, 2 * j - 2};
        for (size_t a = 0; a < p; a++)
            for (size_t b = 0; b < p; b++) {
                const size_t lo = keep[a < b ? a : b] + 1, hi = keep[a < b ? b : a] + 1;
                double t = 0.0;
                for (int c = 0; c < 4; c++) t += Gc[cells[c] * kk + lo * k + hi];
                Gp[a * p + b] = t;
            }
        const size_t runs[2][2] = {{sc->start[7], sc->cnt[7] + sc->cnt[6]},
                                   {sc->start[2 * j - 1], sc->cnt[2 * j - 1] + sc->cnt[2 * j - 2]}};
        if (ks__did_screen_gram(Gp, p, runs[0][1] + runs[1][1], COLLINEAR_TOL, pdrop, L) &&
            (rc = screen_qr(ctx, pc, p, runs, pdrop)))
            goto done;
        for (size_t a = 0; a < p; a++) where[a] |= (unsigned char)(pdrop[a] << (j - 1));
    }
    char glist[512] = "", plist[1024] = "";
    for (size_t c = 0; c < ncov; c++)
        if (gdrop[c + 1]) list_add(glist, sizeof glist, names[c]);
    for (size_t a = 0; a < p; a++) {
        if (!where[a]) continue;
        char in[64] = "", item[256];
        for (int j = 1; j <= 3; j++)
            if (where[a] >> (j - 1) & 1)
                list_add(in, sizeof in,
                         j == 1   ? "subgroup 4 vs 1"
                         : j == 2 ? "subgroup 4 vs 2"
                                  : "subgroup 4 vs 3");
        snprintf(item, sizeof item, "%s (collinear in: %s)", names[keep[a]], in);
        list_add(plist, sizeof plist, item);
    }
    if (*glist)
        ks__log(ctx, KS_LOG_WARN,
                "covariates: dropped as collinear with the others (R triplediff's global check, "
                "qr tol 1e-6): %s",
                glist);
    if (*plist)
        ks__log(ctx, KS_LOG_WARN,
                "covariates: dropped as collinear within a comparison (R triplediff's "
                "partition-specific check; dropped in every comparison): %s",
                plist);
    size_t nk = 0; /* compact X to the covariates kept */
    for (size_t a = 0; a < p; a++)
        if (!where[a]) {
            if (keep[a] != nk) memmove(X + nk * sc->n, X + keep[a] * sc->n, sc->n * sizeof *X);
            nk++;
        }
    sc->ncov = nk;
done:
    ks__free(ctx, G);
    return rc;
}

/* R triplediff's two stops before a fit (its preprocessing of the two-period data): every
 * subgroup needs at least 5 rows, and each group (G = 1 and G = 0) at least the number of
 * covariates + 5. */
static int check_sizes(ks_ctx *ctx, const sorted_cells *sc, size_t ncov,
                       const char *const *subgroup_names)
{
    for (int s = 3; s >= 0; s--) {
        const size_t rows = sc->cnt[2 * s] + sc->cnt[2 * s + 1];
        if (rows < 5)
            return ks__fail(ctx, KS_EINVAL,
                            "data: the %s subgroup (group %d, partition %d) has %zu row%s; R "
                            "triplediff needs at least 5 in each subgroup",
                            subgroup_names[s], s / 2, s % 2, rows, rows == 1 ? "" : "s");
    }
    for (int g = 1; g >= 0; g--) {
        size_t rows = 0;
        for (int c = 4 * g; c < 4 * g + 4; c++) rows += sc->cnt[c];
        if (rows < ncov + 5)
            return ks__fail(ctx, KS_EINVAL,
                            "data: the %s group (group %d) has %zu rows, fewer than the "
                            "covariates + 5 (%zu) that R triplediff needs for inference",
                            g ? "treated" : "control", g, rows, ncov + 5);
    }
    return KS_OK;
}

/* Without covariates each comparison's regressions are cell means and its propensity score is
 * the share of subgroup 4 among its rows, so for every method the comparison's DiD is the DiD of
 * the cell means and its influence function is +-(m / n_c) (y - mean_c) on a row of cell c (the
 * score's odds cancel; the estimation effects of the score and of the regressions are sums of
 * deviations from cell means, zero). Weighted by +-n / m and summed over the three comparisons,
 * that is one coefficient per cell: inf = coef_c (y - mean_c), with no pass over the rows per
 * comparison. The score's trimming (a share >= 0.995 leaves no control), R triplediff's warning
 * and the near-one count stay. */
static int intercept_only(ks_ctx *ctx, ks_did_method method, size_t n, const double *cnt,
                          const double *mean, double *did, size_t *n_near_one, double *coef)
{
    *n_near_one = 0;
    for (int j = 3; j >= 1; j--) {
        const double *cj = cnt + 2 * (j - 1), *mj = mean + 2 * (j - 1);
        const double share = (cnt[6] + cnt[7]) / (cnt[6] + cnt[7] + cj[0] + cj[1]);
        if (method != KS_DID_REG && share >= 0.995)
            return ks__fail(ctx, KS_ENUMERIC,
                            "the comparison with the %s subgroup: no control units with positive "
                            "weight: every score is the treated-eligible share %.6g >= 0.995, "
                            "and R triplediff gives such controls no weight (its ATT is NaN)",
                            pair_names[j], share);
        if (method != KS_DID_REG && share >= PS_NEAR_ONE) *n_near_one += (size_t)(cj[0] + cj[1]);
        if (method != KS_DID_REG && share < PS_LOW) warn_low_scores(ctx, j, 1, 1);
        did[3 - j] = (mean[7] - mean[6]) - (mj[1] - mj[0]);
    }
    for (size_t c = 0; c < 8; c++) {
        /* subgroup 4 is in all three comparisons: +1 + 1 - 1 */
        const double sign = SUBGROUP(c) == 4 ? 1.0 : SUBGROUP(c) == 1 ? -1.0 : 1.0;
        const double period = (c & 1) == (SUBGROUP(c) == 4) ? 1.0 : -1.0; /* tq, cp: +; tp, cq: - */
        coef[c] = sign * period * (double)n / cnt[c];
    }
    return KS_OK;
}

int ks_did_ddd_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *group,
                   const char *partition, const char *post, const ks_did_ddd_options *opt,
                   ks_did_ddd **out)
{
    *out = NULL;
    const ks_did_ddd_options dflt = KS_DID_DDD_OPTIONS_INIT;
    const ks_did_ddd_options *o = opt ? opt : &dflt;
    if (!ks_did_method_name(o->method))
        return ks__fail(ctx, KS_EINVAL, "estimation_method: not one of dr, ipw, reg");
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", o->alpha);
    const size_t n = ks_table_nrow(t);
    size_t ncov = 0;
    while (o->covariates && o->covariates[ncov]) ncov++;
    size_t k = ncov + 1; /* less the covariates dropped as collinear */
    ks_did_numcol yc;
    int rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc);
    if (rc) return rc;
    if (n < 2) return ks__fail(ctx, KS_EINVAL, "data: %zu rows", n);
    unsigned char *cell = ks__calloc(ctx, n, 1);
    size_t *pos = ks__malloc_array(ctx, n, sizeof *pos); /* row i's place in sorted order */
    double *buf = NULL, *inf = NULL;
    int64_t *cc = NULL;
    ks_did_ddd *r = NULL;
    if (!cell || !pos) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = binary(ctx, t, "group", group, 4, cell)) ||
        (rc = binary(ctx, t, "partition", partition, 2, cell)) ||
        (rc = binary(ctx, t, "post", post, 1, cell)))
        goto done;
    sorted_cells sc = {.n = n, .ncov = ncov};
    for (unsigned char c = 0; c < 8; c++) { /* eight passes that vectorize */
        size_t nc = 0;
        for (size_t i = 0; i < n; i++) nc += cell[i] == c;
        sc.cnt[c] = nc;
    }
    size_t next[8], mmax = 0;
    for (int c = 7; c >= 0; c--)
        next[c] = sc.start[c] = c == 7 ? 0 : sc.start[c + 1] + sc.cnt[c + 1];
    for (size_t i = 0; i < n; i++) pos[i] = next[cell[i]]++;
    for (int j = 1; j <= 3; j++) {
        const size_t m = sc.cnt[7] + sc.cnt[6] + sc.cnt[2 * j - 1] + sc.cnt[2 * j - 2];
        mmax = m > mmax ? m : mmax;
    }
    /* sorted y, X, the influence function, 2k for bt, one comparison's 4 + k columns */
    size_t nbuf;
    if (!ks__size_mul(n, 2 + ncov, &nbuf) || !ks__size_add(nbuf, 2 * k, &nbuf) ||
        !ks__size_mul(mmax, 4 + k, &mmax) || !ks__size_add(nbuf, mmax, &nbuf)) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "data: %zu rows x %zu covariates overflow", n, ncov);
        goto done;
    }
    if (!(buf = ks__malloc_array(ctx, nbuf, sizeof *buf))) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *y = buf, *X = y + n, *bt = X + n * ncov, *pair = bt + 2 * k;
    inf = pair + mmax;
    memset(inf, 0, n * sizeof *inf);
    sc.y = y;
    sc.X = X;
    size_t bad = first_nonfinite(&yc, n);
    if (bad < n) {
        rc = ks__fail(ctx, KS_EINVAL, "outcome: row %zu of '%s' is missing or not finite", bad + 1,
                      outcome);
        goto done;
    }
    scatter(&yc, pos, n, y);
    for (size_t c = 0; c < ncov; c++) {
        ks_did_numcol xc;
        if ((rc = ks__did_numeric(ctx, t, "covariates", o->covariates[c], &xc))) goto done;
        if ((bad = first_nonfinite(&xc, n)) < n) {
            rc = ks__fail(ctx, KS_EINVAL, "covariates: row %zu of '%s' is missing", bad + 1,
                          o->covariates[c]);
            goto done;
        }
        scatter(&xc, pos, n, X + c * n);
    }
    if (!(r = ks__calloc(ctx, 1, sizeof *r))) {
        rc = KS_ENOMEM;
        goto done;
    }
    r->alloc = ctx->alloc;
    if (!(r->inf = ks__malloc_array(ctx, n, sizeof *r->inf))) {
        rc = KS_ENOMEM;
        goto done;
    }
    ks_did_ddd_view *v = &r->v;
    double cnt[8];
    static const char *const gp[] = {"control-ineligible", "control-eligible", "treated-ineligible",
                                     "treated-eligible"};
    if ((rc = check_sizes(ctx, &sc, ncov, gp))) goto done;
    for (size_t c = 0; c < 8; c++) {
        if (sc.cnt[c] == 0) {
            rc = ks__fail(ctx, KS_EINVAL,
                          "data: no %s rows %s treatment (group %zu, partition "
                          "%zu, post %zu)",
                          gp[c / 2], c % 2 ? "after" : "before", c / 4, (c / 2) % 2, c % 2);
            goto done;
        }
        cnt[c] = (double)sc.cnt[c]; /* the cell's rows in row order: the sort is stable */
        v->means[c] = ks__sum_pairwise(y + sc.start[c], sc.cnt[c]) / cnt[c];
    }
    v->n_cell[0] = sc.cnt[6] + sc.cnt[7];
    v->n_cell[1] = sc.cnt[4] + sc.cnt[5];
    v->n_cell[2] = sc.cnt[2] + sc.cnt[3];
    v->n_cell[3] = sc.cnt[0] + sc.cnt[1];
    if (ncov && (rc = drop_collinear(ctx, &sc, o->covariates, X))) goto done;
    k = sc.ncov + 1;
    v->ncov = sc.ncov;
    size_t near[4] = {0};
    int fell[4] = {0};
    if (k == 1) {
        double coef[8];
        if ((rc = intercept_only(ctx, o->method, n, cnt, v->means, v->did, &near[0], coef)))
            goto done;
        for (size_t i = 0; i < n; i++)
            inf[pos[i]] = coef[cell[i]] * (y[pos[i]] - v->means[cell[i]]);
    }
    int have_bt = 0;
    for (int j = 3; j >= 1 && k > 1; j--) {
        if ((rc = pair_did(ctx, o->method, &sc, j, j == 1 ? -1.0 : 1.0, pair, &v->did[3 - j], inf,
                           &near[j], o->pscore_fallback, &fell[j], bt, &have_bt))) {
            if (rc != KS_ENOMEM) { /* say which comparison failed */
                char msg[512];
                snprintf(msg, sizeof msg, "%s", ks_errmsg(ctx));
                rc = ks__fail(ctx, rc, "the comparison with the %s subgroup: %s", pair_names[j],
                              msg);
            }
            goto done;
        }
    }
    for (size_t i = 0; i < n; i++) r->inf[i] = inf[pos[i]];
    v->n_near_one = near[0] + near[1] + near[2] + near[3];
    for (int j = 3; j >= 1; j--)
        if (fell[j])
            ks__log(ctx, KS_LOG_WARN,
                    "pscore_fallback: the propensity score of the comparison with the %s "
                    "subgroup could not be estimated; it uses the unconditional score",
                    pair_names[j]);
    v->att = v->did[0] + v->did[1] - v->did[2];
    v->nobs = n;
    if (o->cluster) {
        size_t jc, ng;
        if ((rc = ks_table_find(ctx, t, o->cluster, &jc))) {
            rc = ks__fail(ctx, rc, "cluster: no column '%s' in the data", o->cluster);
            goto done;
        }
        if (!(cc = ks__malloc_array(ctx, n, sizeof *cc))) {
            rc = KS_ENOMEM;
            goto done;
        }
        if ((rc = ks_table_factorize(ctx, t, &jc, 1, cc, n, &ng))) goto done;
        for (size_t i = 0; i < n; i++)
            if (cc[i] < 0) {
                rc = ks__fail(ctx, KS_EINVAL, "cluster: row %zu of '%s' is missing", i + 1,
                              o->cluster);
                goto done;
            }
        if (ng < 2) {
            rc = ks__fail(ctx, KS_EINVAL,
                          "cluster: '%s' has %zu level; clustered standard errors "
                          "need at least 2 clusters",
                          o->cluster, ng);
            goto done;
        }
        double *cs = ks__calloc(ctx, ng, sizeof *cs);
        if (!cs) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) cs[cc[i]] += r->inf[i];
        double s2 = 0.0;
        for (size_t g = 0; g < ng; g++) s2 += cs[g] * cs[g];
        ks__free(ctx, cs);
        v->se = sqrt((double)ng / (double)(ng - 1) * s2) / (double)n;
        v->nclusters = ng;
    } else {
        double mean, sd; /* inf's sorted copy is free now: the squares' scratch */
        ks__mean_sd_numpy(r->inf, n, inf, &mean, &sd);
        v->se = sd / sqrt((double)n);
    }
    const double q = ks_normal_quantile(1.0 - o->alpha / 2.0);
    ks__infer(v->att, v->se, 0.0, q, &v->tstat, &v->pvalue, &v->ci_lower, &v->ci_upper);
    v->inf = r->inf;
    *out = r;
    r = NULL;
done:
    ks__free(ctx, buf);
    ks__free(ctx, cell);
    ks__free(ctx, pos);
    ks__free(ctx, cc);
    ks_did_ddd_free(r);
    return rc;
}
