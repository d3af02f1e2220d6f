/* aggte.c — aggregations of the group-time effects as R did's aggte computes them: the simple
 * weighted average of post-treatment cells, event-study (dynamic) effects by time since
 * treatment, effects by cohort (group) and by calendar period. Cell weights are the cohorts'
 * shares pg; because the shares are estimated, the aggregated influence function carries the
 * term `wif` of their estimation error (except where R's does not: the per-group effects, and
 * the overall dynamic and calendar averages of already aggregated effects).
 *
 * Cells with a NaN estimate are left out (R's na.rm = TRUE). Periods and cohorts are compared in
 * R's renumbering (positions in the sorted union of periods and cohorts) where R compares them so:
 * the max_e limit of the simple and group aggregations counts positions, not time units. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/linalg.h"

static const ks__enum_entry agg_names[] = {{"simple", KS_DID_AGG_SIMPLE},
                                           {"event_study", KS_DID_AGG_DYNAMIC},
                                           {"group", KS_DID_AGG_GROUP},
                                           {"calendar", KS_DID_AGG_CALENDAR},
                                           {"dynamic", KS_DID_AGG_DYNAMIC}};
KS__ENUM_FUNCS(ks_did_agg_type, ks_did_agg_type, "aggregation", agg_names)

#define SE_TINY (1.4901161193847656e-08 * 10)

struct ks_did_agg {
    ks_allocator alloc;
    ks_did_agg_view v;
    double *buf;
    size_t *cnt; /* cells per element */
    double *cov; /* the elements' covariance, then (bootstrap) the draws */
};

/* The cells that enter, with R's renumbered group and time and the cohort shares. */
typedef struct {
    size_t m;          /* cells kept (finite att) */
    size_t *cell;      /* their indices in the fit */
    double *grp, *tim; /* renumbered */
    double *pg;        /* share of the cell's cohort */
    size_t ng;
    double *glist, *pgg; /* kept cohorts (original values) and their shares */
    double *coh_att, *coh_cnt; /* scratch by panel cohort */
    double *gv, *av, *pv;      /* scratch by cell: cohort, att, share */
} agg_cells;

/* Position (1-based) of x in the sorted list a[0..na), 0 for x == 0 (never treated). */
static double renumber(const double *a, size_t na, double x)
{
    return x == 0.0 ? 0.0 : (double)(ks__did_lower_bound(a, na, x) + 1);
}

/* The estimation effect of the shares pg_j of the cohorts gv_j in an average of att_j with
 * weights pg_j / sum pg (R's wif . att), added to out (n values):
 *   centered_ij = w_i 1(G_i = gv_j) - pg_j,
 *   wif_i . att = sum_j centered_ij att_j / S - (sum_j centered_ij) (sum_j pg_j att_j) / S^2.
 * Units are sorted by cohort, so the sums over j depend on a unit only through its cohort and
 * weight; units of cohorts outside gv get exactly -sa / S + S sa / S^2 = 0 and are skipped. */
static void add_wif(const ks_did_cs *r, agg_cells *a, const double *gv, const double *att,
                    const double *pg, size_t nw, double *out)
{
    const ks_did_panel *p = &r->p;
    double spg = 0.0, sa = 0.0;
    memset(a->coh_att, 0, p->ncoh * sizeof *a->coh_att);
    memset(a->coh_cnt, 0, p->ncoh * sizeof *a->coh_cnt);
    for (size_t j = 0; j < nw; j++) {
        spg += pg[j];
        sa += pg[j] * att[j];
        const size_t c = ks__did_lower_bound(p->coh, p->ncoh, gv[j]);
        a->coh_att[c] += att[j];
        a->coh_cnt[c] += 1.0;
    }
    const double s1 = 1.0 / spg, s2 = sa / (spg * spg);
    if (r->draws) { /* the same sum over the bootstrap draws of the cohort sums */
        const size_t B = (size_t)r->opt.n_bootstrap, nc = r->ncell;
        for (size_t c = 0; c < p->ncoh; c++) {
            if (a->coh_cnt[c] == 0.0) continue;
            const double ca = a->coh_att[c] * s1 - a->coh_cnt[c] * s2, cb = -sa * s1 + spg * s2;
            const double *dw = r->draws + (nc + c) * B, *d1 = r->draws + (nc + p->ncoh + c) * B;
            for (size_t b = 0; b < B; b++) out[b] += ca * dw[b] + cb * d1[b];
        }
        return;
    }
    const double *w = p->w; /* first-period weights: the first n entries */
    for (size_t c = 0; c < p->ncoh; c++) {
        if (a->coh_cnt[c] == 0.0) continue;
        const double A = a->coh_att[c], N = a->coh_cnt[c];
        for (size_t i = p->coh_start[c]; i < p->coh_start[c + 1]; i++) {
            const double wi = w ? w[i] : 1.0;
            out[i] += (wi * A - sa) * s1 - (wi * N - spg) * s2;
        }
    }
}

/* Length of the vectors an aggregation works with: the influence function (n units) or, with
 * the bootstrap, the draws (B): both are linear in the cells' influence functions. */
static size_t vec_len(const ks_did_cs *r)
{
    return r->draws ? (size_t)r->opt.n_bootstrap : r->n;
}

/* out = sum_j weight_j IF[:, cell_j] (+ wif . att when with_wif), or its bootstrap draws. */
static void agg_if(const ks_did_cs *r, agg_cells *a, const size_t *which, size_t nw,
                   const double *weight, int with_wif, double *out)
{
    const size_t L = vec_len(r);
    memset(out, 0, L * sizeof *out);
    for (size_t j = 0; j < nw; j++) {
        if (r->draws) {
            const double *d = r->draws + a->cell[which[j]] * L;
            for (size_t b = 0; b < L; b++) out[b] += weight[j] * d[b];
        } else {
            ks__did_cs_if_axpy(r, a->cell[which[j]], weight[j], out);
        }
    }
    if (with_wif) {
        for (size_t j = 0; j < nw; j++) {
            const size_t c = a->cell[which[j]];
            a->gv[j] = r->group[c];
            a->av[j] = r->att[c];
            a->pv[j] = a->pg[which[j]];
        }
        add_wif(r, a, a->gv, a->av, a->pv, nw, out);
    }
}

/* The average of the cells which[0..nw) weighted by their cohorts' shares, and its influence
 * function (or draws) with the shares' estimation term into out; wt: nw scratch. */
static double share_average(const ks_did_cs *r, agg_cells *a, const size_t *which, size_t nw,
                            double *wt, double *out)
{
    double spg = 0.0, s = 0.0;
    for (size_t j = 0; j < nw; j++) spg += a->pg[which[j]];
    for (size_t j = 0; j < nw; j++) {
        wt[j] = a->pg[which[j]] / spg;
        s += r->att[a->cell[which[j]]] * wt[j];
    }
    agg_if(r, a, which, nw, wt, 1, out);
    return s;
}

static void agg_cells_free(ks_ctx *ctx, agg_cells *a)
{
    ks__free(ctx, a->cell);
    ks__free(ctx, a->grp);
    ks__free(ctx, a->glist);
}

static int agg_cells_build(ks_ctx *ctx, const ks_did_cs *r, agg_cells *a)
{
    memset(a, 0, sizeof *a);
    const size_t nc = r->ncell, n = r->n, T = r->p.T, ncoh = r->p.ncoh;
    a->cell = ks__malloc_array(ctx, nc, sizeof *a->cell);
    a->grp = ks__malloc_array(ctx, nc, 6 * sizeof *a->grp);
    a->glist = ks__malloc_array(ctx, nc + T + 1 + ncoh, 3 * sizeof *a->glist);
    if (!a->cell || !a->grp || !a->glist) {
        agg_cells_free(ctx, a);
        return KS_ENOMEM;
    }
    a->tim = a->grp + nc;
    a->pg = a->tim + nc;
    a->gv = a->pg + nc;
    a->av = a->gv + nc;
    a->pv = a->av + nc;
    for (size_t c = 0; c < nc; c++)
        if (isfinite(r->att[c])) a->cell[a->m++] = c;
    if (a->m == 0) {
        agg_cells_free(ctx, a);
        return ks__fail(ctx, KS_EEMPTY, "every group-time effect is NaN: nothing to aggregate");
    }
    for (size_t j = 0; j < a->m; j++) a->glist[j] = r->group[a->cell[j]];
    a->ng = ks__did_sort_unique(a->glist, a->m);
    a->pgg = a->glist + a->ng;
    double *gt = a->pgg + a->ng; /* sorted union of periods and cohorts */
    memcpy(gt, r->p.tval, T * sizeof *gt);
    memcpy(gt + T, a->glist, a->ng * sizeof *gt);
    const size_t ngt = ks__did_sort_unique(gt, T + a->ng);
    a->coh_att = gt + ngt;
    a->coh_cnt = a->coh_att + ncoh;
    for (size_t k = 0; k < a->ng; k++) { /* pg = mean over units of w_i 1(G_i = g) */
        size_t lo, hi;
        ks__did_cohort_range(&r->p, a->glist[k], &lo, &hi);
        double s = 0.0;
        for (size_t i = lo; i < hi; i++) s += r->p.w ? r->p.w[i] : 1.0;
        a->pgg[k] = s / (double)n;
    }
    for (size_t j = 0; j < a->m; j++) {
        const size_t c = a->cell[j];
        a->grp[j] = renumber(gt, ngt, r->group[c]);
        a->tim[j] = renumber(gt, ngt, r->time[c]);
        a->pg[j] = a->pgg[ks__did_lower_bound(a->glist, a->ng, r->group[c])];
    }
    return KS_OK;
}

void ks_did_agg_free(ks_did_agg *g)
{
    if (!g) return;
    const ks_allocator a = g->alloc;
    ks__release(&a, g->buf);
    ks__release(&a, g->cnt);
    ks__release(&a, g->cov);
    ks__release(&a, g);
}

void ks_did_agg_get(const ks_did_agg *g, ks_did_agg_view *out) { *out = g->v; }

/* Standard errors of the columns of V (L x m: influence functions, or bootstrap draws); with
 * crit, the elements' critical value (the bootstrap's sup-t when cband is set and it is usable:
 * then *uniform = 1). */
static int se_of(ks_ctx *ctx, const ks_did_cs *r, const double *V, size_t m, double *se,
                 double *crit, int *uniform)
{
    const ks_did_panel *p = &r->p;
    const double qn = ks_normal_quantile(1.0 - r->opt.alpha / 2.0);
    if (crit) *crit = qn;
    if (r->draws) {
        double bcrit = NAN;
        int rc = ks__did_mboot_stats(ctx, V, r->opt.n_bootstrap, m, r->n, r->nclust_N,
                                    r->opt.alpha, se, crit && r->opt.cband ? &bcrit : NULL);
        if (rc) return rc;
        for (size_t j = 0; j < m; j++)
            if (!(se[j] > SE_TINY)) se[j] = NAN;
        if (crit && r->opt.cband) {
            if (!isfinite(bcrit) || bcrit < qn)
                ks__log(ctx, KS_LOG_WARN,
                       "the uniform band's critical value (%g) is not usable; the bands are "
                       "pointwise",
                       bcrit);
            else {
                *crit = bcrit;
                *uniform = 1;
            }
        }
        return KS_OK;
    }
    double *scratch = ks__malloc_array(ctx, p->ncluster ? p->ncluster : 1, sizeof *scratch);
    if (!scratch) return KS_ENOMEM;
    for (size_t j = 0; j < m; j++)
        se[j] = ks__did_if_se(V + j * r->n, r->n, p->cluster, p->ncluster, scratch);
    ks__free(ctx, scratch);
    return KS_OK;
}

/* The elements' covariance (v->vcov, ne x ne) from V (L x (ne + 1): their influence functions
 * or draws, then the overall effect's) and, with the bootstrap, the draws in the estimates' units
 * (v->draws, B x (ne + 1)). */
static int covariance(ks_ctx *ctx, const ks_did_cs *r, const double *V, size_t ne, ks_did_agg *g)
{
    const size_t L = vec_len(r), nc = r->p.cluster ? r->p.ncluster : 0;
    const size_t ncov = ne * ne, ndraw = r->draws ? L * (ne + 1) : 0;
    const size_t nscr = r->draws ? L * ne : nc * ne; /* centered draws, or cluster sums */
    g->cov = ks__malloc_array(ctx, ncov + ndraw + nscr + 1, sizeof *g->cov);
    if (!g->cov) return KS_ENOMEM;
    double *C = g->cov, *D = C + ncov, *S = D + ndraw;
    const double *A = S; /* the columns whose cross-products make C, ld rows each */
    size_t ld = L;
    double f = 1.0 / ((double)r->n * (double)r->n); /* getSE: sum IF^2 / n^2 */
    if (r->draws) {
        const double scale = sqrt((double)r->nclust_N) / (double)r->n;
        for (size_t j = 0; j < L * (ne + 1); j++) D[j] = scale * V[j];
        for (size_t j = 0; j < ne; j++) { /* the draws' covariance: centered, n - 1 divisor */
            double mean = 0.0;
            for (size_t b = 0; b < L; b++) mean += D[j * L + b];
            mean /= (double)L;
            for (size_t b = 0; b < L; b++) S[j * L + b] = D[j * L + b] - mean;
        }
        f = L > 1 ? 1.0 / (double)(L - 1) : NAN;
        g->v.draws = D;
        g->v.n_bootstrap = (int)L;
    } else if (nc) {
        memset(S, 0, nscr * sizeof *S);
        for (size_t j = 0; j < ne; j++)
            for (size_t i = 0; i < L; i++) S[j * nc + r->p.cluster[i]] += V[j * L + i];
        ld = nc;
    } else {
        A = V;
    }
    for (size_t j = 0; j < ne; j++)
        for (size_t k = 0; k <= j; k++) {
            double s = 0.0;
            for (size_t i = 0; i < ld; i++) s += A[j * ld + i] * A[k * ld + i];
            C[j * ne + k] = C[k * ne + j] = f * s;
        }
    g->v.vcov = ne ? C : NULL;
    return KS_OK;
}

int ks_did_cs_aggregate(ks_ctx *ctx, const ks_did_cs *r, const ks_did_agg_options *opt,
                        ks_did_agg **out)
{
    *out = NULL;
    ks_did_agg_options defaults = KS_DID_AGG_OPTIONS_INIT;
    if (!opt) opt = &defaults;
    if ((unsigned)opt->type > KS_DID_AGG_CALENDAR)
        return ks__fail(ctx, KS_EINVAL, "aggregation: unknown type %d", (int)opt->type);
    if (isnan(opt->min_e) || isnan(opt->max_e) || opt->min_e > opt->max_e)
        return ks__fail(ctx, KS_EINVAL, "min_e / max_e: [%g, %g] is not a window", opt->min_e,
                       opt->max_e);
    if (opt->balance_e < -1)
        return ks__fail(ctx, KS_EINVAL, "balance_e: %d is negative", opt->balance_e);
    agg_cells a;
    int rc = agg_cells_build(ctx, r, &a);
    if (rc) return rc;
    const size_t n = vec_len(r), m = a.m; /* n: the vectors' length, units or draws */
    ks_did_agg *g = ks__calloc(ctx, 1, sizeof *g);
    /* elements' IFs (n x m at most), one overall IF, index/weight scratch */
    double *IF = ks__malloc_array(ctx, n, (m + 1) * sizeof *IF);
    size_t *which = ks__malloc_array(ctx, m, sizeof *which);
    double *wt = ks__malloc_array(ctx, m, sizeof *wt);
    if (!g || !IF || !which || !wt) {
        rc = KS_ENOMEM;
        goto done;
    }
    g->alloc = ctx->alloc;
    double *overall = IF + m * n;
    const double max_e = opt->max_e;
    ks_did_agg_view *v = &g->v;
    v->type = opt->type;
    v->crit = ks_normal_quantile(1.0 - r->opt.alpha / 2.0);

    /* candidate elements: e (dynamic), cohorts (group), periods (calendar) */
    size_t ne = 0;
    double *elem = NULL;
    if (opt->type != KS_DID_AGG_SIMPLE) {
        /* e, att_e, se_e, then their t, p and interval bounds */
        g->buf = ks__malloc_array(ctx, m + a.ng + 1, 7 * sizeof *g->buf);
        g->cnt = ks__malloc_array(ctx, m + a.ng + 1, sizeof *g->cnt);
        if (!g->buf || !g->cnt) {
            rc = KS_ENOMEM;
            goto done;
        }
        elem = g->buf;
    }

    if (opt->type == KS_DID_AGG_SIMPLE) {
        size_t nw = 0;
        for (size_t j = 0; j < m; j++)
            if (a.grp[j] <= a.tim[j] && a.tim[j] <= a.grp[j] + max_e) which[nw++] = j;
        if (nw == 0) {
            rc = ks__fail(ctx, KS_EEMPTY, "no post-treatment effect to aggregate");
            goto done;
        }
        v->att = share_average(r, &a, which, nw, wt, overall);
    } else if (opt->type == KS_DID_AGG_GROUP) {
        /* cohorts with a post-treatment cell in the window; effect = mean of those cells */
        double num = 0.0, den = 0.0;
        size_t *gsel = ks__malloc_array(ctx, a.ng, sizeof *gsel);
        if (!gsel) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t k = 0; k < a.ng; k++) {
            const double gk = a.glist[k];
            size_t nw = 0;
            for (size_t j = 0; j < m; j++) {
                const double grj = a.grp[j];
                if (r->group[a.cell[j]] == gk && grj <= a.tim[j] && a.tim[j] <= grj + max_e)
                    which[nw++] = j;
            }
            if (nw == 0) continue;
            double s = 0.0;
            for (size_t j = 0; j < nw; j++) {
                wt[j] = 1.0 / (double)nw; /* pg equal within a cohort */
                s += r->att[a.cell[which[j]]];
            }
            elem[ne] = gk;
            g->cnt[ne] = nw;
            elem[m + a.ng + 1 + ne] = s / (double)nw; /* att_e, placed below */
            gsel[ne] = k;
            agg_if(r, &a, which, nw, wt, 0, IF + ne * n);
            ne++;
        }
        if (ne == 0) {
            ks__free(ctx, gsel);
            rc = ks__fail(ctx, KS_EEMPTY, "no cohort has a post-treatment effect to aggregate");
            goto done;
        }
        /* overall: cohort effects weighted by their shares, with the shares' wif */
        double *atte = elem + m + a.ng + 1;
        double spg = 0.0;
        for (size_t q = 0; q < ne; q++) spg += a.pgg[gsel[q]];
        memset(overall, 0, n * sizeof *overall);
        for (size_t q = 0; q < ne; q++) {
            const double wq = a.pgg[gsel[q]] / spg;
            num += atte[q] * a.pgg[gsel[q]];
            den += a.pgg[gsel[q]];
            for (size_t i = 0; i < n; i++) overall[i] += wq * IF[q * n + i];
        }
        v->att = num / den;
        /* the shares' estimation effect, over cohorts */
        for (size_t q = 0; q < ne; q++) {
            a.gv[q] = a.glist[gsel[q]];
            a.pv[q] = a.pgg[gsel[q]];
        }
        add_wif(r, &a, a.gv, atte, a.pv, ne, overall);
        ks__free(ctx, gsel);
    } else if (opt->type == KS_DID_AGG_DYNAMIC) {
        /* event times present (balanced on balance_e if asked), within [min_e, max_e] */
        const double tmax = r->p.tval[r->p.T - 1];
        double tfirst = r->p.tval[0];
        for (size_t k = 0; k < a.ng; k++) tfirst = a.glist[k] < tfirst ? a.glist[k] : tfirst;
        unsigned char *inc = ks__malloc(ctx, m);
        if (!inc) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t j = 0; j < m; j++) {
            const size_t c = a.cell[j];
            inc[j] = opt->balance_e < 0 || tmax - r->group[c] >= opt->balance_e;
            if (inc[j]) elem[ne++] = r->time[c] - r->group[c];
        }
        ne = ks__did_sort_unique(elem, ne);
        size_t u = 0;
        for (size_t q = 0; q < ne; q++) {
            const double e = elem[q];
            if (opt->balance_e >= 0 &&
                !(e <= opt->balance_e && e >= opt->balance_e - tmax + tfirst))
                continue;
            if (e < opt->min_e || e > opt->max_e) continue;
            elem[u++] = e;
        }
        ne = u;
        if (ne == 0) {
            ks__free(ctx, inc);
            rc = ks__fail(ctx, KS_EEMPTY,
                         "no event time within the window (min_e, max_e, balance_e)");
            goto done;
        }
        double *atte = elem + m + a.ng + 1;
        size_t npos = 0;
        double spos = 0.0;
        memset(overall, 0, n * sizeof *overall);
        for (size_t q = 0; q < ne; q++) {
            size_t nw = 0;
            for (size_t j = 0; j < m; j++)
                if (inc[j] && r->time[a.cell[j]] - r->group[a.cell[j]] == elem[q]) which[nw++] = j;
            g->cnt[q] = nw;
            atte[q] = share_average(r, &a, which, nw, wt, IF + q * n);
            if (elem[q] >= 0) {
                npos++;
                spos += atte[q];
            }
        }
        ks__free(ctx, inc);
        if (npos == 0) {
            v->att = NAN;
            for (size_t i = 0; i < n; i++) overall[i] = NAN;
        } else {
            v->att = spos / (double)npos;
            for (size_t q = 0; q < ne; q++)
                if (elem[q] >= 0)
                    for (size_t i = 0; i < n; i++) overall[i] += IF[q * n + i] / (double)npos;
        }
    } else { /* calendar */
        double minG = HUGE_VAL;
        for (size_t j = 0; j < m; j++) minG = a.grp[j] < minG ? a.grp[j] : minG;
        for (size_t j = 0; j < m; j++)
            if (a.tim[j] >= minG && a.grp[j] <= a.tim[j]) elem[ne++] = r->time[a.cell[j]];
        ne = ks__did_sort_unique(elem, ne);
        if (ne == 0) {
            rc = ks__fail(ctx, KS_EEMPTY, "no period has a post-treatment effect to aggregate");
            goto done;
        }
        double *atte = elem + m + a.ng + 1;
        memset(overall, 0, n * sizeof *overall);
        double sum = 0.0;
        for (size_t q = 0; q < ne; q++) {
            size_t nw = 0;
            for (size_t j = 0; j < m; j++)
                if (r->time[a.cell[j]] == elem[q] && a.grp[j] <= a.tim[j]) which[nw++] = j;
            g->cnt[q] = nw;
            atte[q] = share_average(r, &a, which, nw, wt, IF + q * n);
            sum += atte[q];
            for (size_t i = 0; i < n; i++) overall[i] += IF[q * n + i] / (double)ne;
        }
        v->att = sum / (double)ne;
    }

    /* standard errors: elements (with the band), then the overall effect */
    if (ne > 0) {
        memmove(elem + ne, elem + m + a.ng + 1, ne * sizeof *elem); /* att_e after e */
        v->e = elem;
        v->att_e = elem + ne;
        v->se_e = elem + 2 * ne;
        if ((rc = se_of(ctx, r, IF, ne, elem + 2 * ne, &v->crit, &v->uniform))) goto done;
        v->n = ne;
        double *inf = elem + 3 * (m + a.ng + 1);
        for (size_t k = 0; k < ne; k++) /* normal p-values, intervals with the band's value */
            ks__infer(v->att_e[k], v->se_e[k], 0.0, v->crit, &inf[k], &inf[ne + k],
                          &inf[2 * ne + k], &inf[3 * ne + k]);
        v->tstat_e = inf;
        v->pvalue_e = inf + ne;
        v->ci_lower_e = inf + 2 * ne;
        v->ci_upper_e = inf + 3 * ne;
    }
    if (isfinite(v->att)) {
        if ((rc = se_of(ctx, r, overall, 1, &v->se, NULL, NULL))) goto done;
    } else {
        v->se = NAN;
    }
    ks__infer(v->att, v->se, 0.0, ks_normal_quantile(1.0 - r->opt.alpha / 2.0), &v->tstat,
                  &v->pvalue, &v->ci_lower, &v->ci_upper);
    v->ncell_e = g->cnt;
    memmove(IF + ne * n, overall, n * sizeof *IF); /* the elements, then the overall */
    rc = covariance(ctx, r, IF, ne, g);

done:
    agg_cells_free(ctx, &a);
    ks__free(ctx, IF);
    ks__free(ctx, which);
    ks__free(ctx, wt);
    if (rc == KS_OK) {
        *out = g;
    } else if (g) {
        ks__free(ctx, g->buf);
        ks__free(ctx, g->cnt);
        ks__free(ctx, g->cov);
        ks__free(ctx, g);
    }
    return rc;
}
