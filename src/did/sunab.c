/* sunab.c — Sun & Abraham (2021) interaction-weighted event study: the saturated regression
 * y ~ sum_{g, e != ref} 1(cohort g) 1(t - g = e) (+ covariates) | unit + time, clustered by unit
 * (or a coarser cluster), through kestrel's fixed-effects regression (fixest's small-sample
 * factors); then each relative period's effect averages the cohort effects delta_{g,e} weighted
 * by the cohorts' treated observations at e, and the overall ATT averages the post periods
 * (e >= 0) by their treated observations — with delta-method standard errors w'Vw from the
 * regression's cluster-robust variance (diff-diff's SunAbraham definitions). ref = -1 -
 * anticipation. Never-treated units (first_treat 0, empty or Inf) are the controls. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/regress.h"

struct ks_sunab {
    ks_allocator alloc;
    ks_sunab_view v;
    double *buf;
};

void ks_sunab_free(ks_sunab *r)
{
    if (!r) return;
    ks_ctx tmp;
    memset(&tmp, 0, sizeof tmp);
    tmp.alloc = r->alloc;
    ks_free(&tmp, r->buf);
    ks_free(&tmp, r);
}

void ks_sunab_get(const ks_sunab *r, ks_sunab_view *out) { *out = r->v; }

/* Cells (e, g), ordered by relative period, then cohort. */
static int cmp_cell(const void *a, const void *b)
{
    const double *x = a, *y = b;
    if (x[0] != y[0]) return x[0] < y[0] ? -1 : 1;
    return x[1] < y[1] ? -1 : x[1] > y[1];
}

/* w' V w over the regression coefficients idx (V column-major, ld K). */
static double quad(const double *V, size_t K, const size_t *idx, const double *w, size_t m)
{
    double s = 0.0;
    for (size_t a = 0; a < m; a++)
        for (size_t b = 0; b < m; b++) s += w[a] * V[idx[b] * K + idx[a]] * w[b];
    return s;
}

/* The regression: a table of the outcome, unit / time / cluster codes, the covariates and one
 * 0/1 column per cell (borrowed from dum), and its formula. */
static int regress(ks_ctx *ctx, const ks_table *t, const double *y, const int64_t *codes,
                   const char *const *covs, size_t ncov, const double *dum, size_t ncell,
                   ks_feols **m)
{
    const size_t n = ks_table_nrow(t);
    ks_table *rt = NULL;
    char *formula = ks_malloc_array(ctx, ncell + ncov + 2, 24);
    int rc = formula ? ks_table_new(ctx, n, &rt) : KS_ENOMEM;
    if (!rc) rc = ks_table_add_float64_borrowed(ctx, rt, "sa_y", y);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "sa_unit", codes);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "sa_time", codes + n);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "sa_cluster", codes + 2 * n);
    size_t len = 0;
    if (!rc) len += (size_t)sprintf(formula, "sa_y ~ ");
    for (size_t c = 0; c < ncell && !rc; c++) {
        char name[32];
        snprintf(name, sizeof name, "sa_d%zu", c);
        rc = ks_table_add_float64_borrowed(ctx, rt, name, dum + c * n);
        len += (size_t)sprintf(formula + len, "%s%s", c ? " + " : "", name);
    }
    for (size_t k = 0; k < ncov && !rc; k++) {
        size_t j;
        char name[32];
        snprintf(name, sizeof name, "sa_x%zu", k);
        double *x = ks_malloc_array(ctx, n ? n : 1, sizeof *x);
        if (!x) {
            rc = KS_ENOMEM;
            break;
        }
        if ((rc = ks_table_find(ctx, t, covs[k], &j)))
            rc = ks_fail(ctx, rc, "covariates: no column '%s' in the data", covs[k]);
        else if (!(rc = ks_table_get_double(ctx, t, j, x)))
            rc = ks_table_add_float64(ctx, rt, name, x);
        ks_free(ctx, x);
        len += (size_t)sprintf(formula + len, " + %s", name);
    }
    if (!rc) {
        sprintf(formula + len, " | sa_unit + sa_time");
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        o.vcov = KS_VCOV_CRV1;
        o.cluster = "sa_cluster";
        rc = ks_feols_fit(ctx, rt, formula, &o, m);
    }
    ks_table_free(rt);
    ks_free(ctx, formula);
    return rc;
}

int ks_sunab_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                 const char *time, const char *first_treat, const ks_sunab_options *opt,
                 ks_sunab **out)
{
    *out = NULL;
    const ks_sunab_options dflt = KS_SUNAB_OPTIONS_INIT;
    if (!opt) opt = &dflt;
    const size_t n = ks_table_nrow(t);
    const double ref = -1.0 - opt->anticipation;
    ks_did_numcol yc, tcol, gcol;
    int rc;
    if (opt->anticipation < 0)
        return ks_fail(ctx, KS_EINVAL, "anticipation: %d is negative", opt->anticipation);
    if ((rc = ks_did_numeric(ctx, t, "outcome", outcome, &yc)) ||
        (rc = ks_did_numeric(ctx, t, "time", time, &tcol)) ||
        (rc = ks_did_numeric(ctx, t, "first_treat", first_treat, &gcol)))
        return rc;
    size_t ju, jt, jc;
    if ((rc = ks_table_find(ctx, t, unit, &ju)))
        return ks_fail(ctx, rc, "unit: no column '%s' in the data", unit);
    if ((rc = ks_table_find(ctx, t, time, &jt)))
        return ks_fail(ctx, rc, "time: no column '%s' in the data", time);
    if ((rc = ks_table_find(ctx, t, opt->cluster ? opt->cluster : unit, &jc)))
        return ks_fail(ctx, rc, "cluster: no column '%s' in the data", opt->cluster);
    size_t ncov = 0;
    while (opt->covariates && opt->covariates[ncov]) ncov++;

    int64_t *codes = ks_malloc_array(ctx, n ? n : 1, 3 * sizeof *codes);
    double *work = ks_malloc_array(ctx, n ? n : 1, 5 * sizeof *work);
    double *dum = NULL;
    ks_feols *m = NULL;
    ks_sunab *r = NULL;
    unsigned char *seen = NULL;
    if (!codes || !work) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t N, T, G;
    if ((rc = ks_table_factorize(ctx, t, &ju, 1, codes, &N)) ||
        (rc = ks_table_factorize(ctx, t, &jt, 1, codes + n, &T)) ||
        (rc = ks_table_factorize(ctx, t, &jc, 1, codes + 2 * n, &G)))
        goto done;
    /* per row: the outcome, cohort g (NaN: never treated), relative period e; cells (e, g) */
    double *y = work, *gr = work + n, *er = work + 2 * n, *cells = work + 3 * n;
    double *ug = ks_malloc_array(ctx, N ? N : 1, sizeof *ug);
    seen = ks_calloc(ctx, N ? N : 1, 1);
    if (!ug || !seen) {
        ks_free(ctx, ug);
        rc = KS_ENOMEM;
        goto done;
    }
    size_t n_never = 0, n_treat = 0, ncell = 0;
    for (size_t i = 0; i < n && rc == KS_OK; i++) {
        const double tv = ks_did_num_at(&tcol, i), g = ks_did_num_at(&gcol, i);
        y[i] = ks_did_num_at(&yc, i);
        if (!isfinite(tv) || codes[i] < 0 || codes[2 * n + i] < 0) {
            rc = ks_fail(ctx, KS_EINVAL, "%s: row %zu is missing",
                         !isfinite(tv) ? time : codes[i] < 0 ? unit : "cluster", i + 1);
            break;
        }
        gr[i] = isnan(g) || g == 0.0 || isinf(g) ? NAN : g;
        er[i] = tv - gr[i];
        const size_t u = (size_t)codes[i];
        if (!seen[u]) {
            seen[u] = 1;
            ug[u] = gr[i];
            *(isnan(gr[i]) ? &n_never : &n_treat) += 1;
        } else if (!(ug[u] == gr[i] || (isnan(ug[u]) && isnan(gr[i])))) {
            rc = ks_fail(ctx, KS_EINVAL, "first_treat: row %zu: '%s' changes within a unit", i + 1,
                         first_treat);
        }
        if (!isnan(gr[i]) && er[i] != ref && isfinite(y[i])) {
            cells[2 * ncell] = er[i];
            cells[2 * ncell + 1] = gr[i];
            ncell++;
        }
    }
    ks_free(ctx, ug);
    if (rc) goto done;
    if (n_never == 0 || n_treat == 0) {
        rc = ks_fail(ctx, KS_EINVAL, "first_treat: %s in '%s' (Sun & Abraham compares treated "
                                     "cohorts with never-treated units: 0, empty or Inf)",
                     n_never ? "no treated units" : "no never-treated units", first_treat);
        goto done;
    }
    qsort(cells, ncell, 2 * sizeof *cells, cmp_cell);
    size_t k = 0;
    for (size_t c = 0; c < ncell; c++)
        if (k == 0 || cmp_cell(cells + 2 * c, cells + 2 * (k - 1))) {
            cells[2 * k] = cells[2 * c];
            cells[2 * k + 1] = cells[2 * c + 1];
            k++;
        }
    ncell = k;
    /* a cohort never observed in the reference period (with anticipation, the earliest cohort
     * may start after it) is normalised on its earliest period instead: its own first cell goes
     * (else its cells would span the unit effects) */
    {
        double *refg = ks_malloc_array(ctx, n ? n : 1, sizeof *refg); /* cohorts seen at ref */
        if (!refg) {
            rc = KS_ENOMEM;
            goto done;
        }
        size_t nref = 0, kk = 0;
        for (size_t i = 0; i < n; i++)
            if (!isnan(gr[i]) && er[i] == ref) refg[nref++] = gr[i];
        nref = ks_did_sort_unique(refg, nref);
        for (size_t c = 0; c < ncell; c++) {
            const double g = cells[2 * c + 1], e = cells[2 * c];
            int first = 1; /* the cohort's earliest cell: cells are sorted by period */
            for (size_t q = 0; q < c && first; q++) first = cells[2 * q + 1] != g;
            const size_t at = ks_did_lower_bound(refg, nref, g);
            if (first && (at == nref || refg[at] != g)) continue;
            cells[2 * kk] = e;
            cells[2 * kk + 1] = g;
            kk++;
        }
        ks_free(ctx, refg);
        ncell = kk;
    }
    if (ncell == 0) {
        rc = ks_fail(ctx, KS_EINVAL, "no treated cohort is observed outside the reference "
                                     "period %g", ref);
        goto done;
    }
    /* dummies and the treated observations of each cell */
    dum = ks_calloc(ctx, ncell * n + ncell, sizeof *dum);
    if (!dum) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *count = dum + ncell * n;
    for (size_t i = 0; i < n; i++) {
        if (isnan(gr[i]) || er[i] == ref) continue;
        const double key[2] = {er[i], gr[i]};
        const double *hit = bsearch(key, cells, ncell, 2 * sizeof *cells, cmp_cell);
        if (!hit) continue; /* a row without an outcome */
        const size_t c = (size_t)(hit - cells) / 2;
        dum[c * n + i] = 1.0;
        count[c] += 1.0;
    }
    if ((rc = regress(ctx, t, y, codes, opt->covariates, ncov, dum, ncell, &m))) goto done;

    /* the result: cells, relative periods, overall */
    size_t nrel = 0;
    for (size_t c = 0; c < ncell; c++) nrel += c == 0 || cells[2 * c] != cells[2 * (c - 1)];
    if (!(r = ks_calloc(ctx, 1, sizeof *r))) {
        rc = KS_ENOMEM;
        goto done;
    }
    r->alloc = ctx->alloc;
    r->buf = ks_malloc_array(ctx, 6 * ncell + 5 * nrel + 2 * ncell + 1, sizeof *r->buf);
    if (!r->buf) {
        rc = KS_ENOMEM;
        goto done;
    }
    ks_sunab_view *v = &r->v;
    double *cg = r->buf, *ce = cg + ncell, *cd = ce + ncell, *cs = cd + ncell, *cw = cs + ncell;
    double *cn = cw + ncell, *re = cn + ncell, *ra = re + nrel, *rs = ra + nrel, *rn = rs + nrel;
    double *rg = rn + nrel, *wv = rg + nrel;
    size_t *idx = (size_t *)(wv + ncell); /* ncell: scratch for the quadratic forms */
    const double *V = ks_feols_vcov(m);
    const size_t K = ks_feols_ncoef(m);
    ks_feols_info info;
    ks_feols_get_info(m, &info);
    double post_total = 0.0, att = 0.0;
    size_t npost = 0, r0 = 0;
    for (size_t c = 0; c < ncell; c++) {
        cg[c] = cells[2 * c + 1];
        ce[c] = cells[2 * c];
        cn[c] = count[c];
        cd[c] = ks_feols_is_collinear(m, c) ? NAN : ks_feols_coef(m, c);
        cs[c] = ks_feols_is_collinear(m, c) ? NAN : ks_feols_se(m, c);
    }
    for (size_t a = 0; a < ncell; a = r0) { /* each relative period: cells a..r0-1 */
        double tot = 0.0;
        for (r0 = a; r0 < ncell && ce[r0] == ce[a]; r0++)
            if (!isnan(cd[r0])) tot += cn[r0];
        size_t mm = 0;
        double eff = 0.0;
        for (size_t c = a; c < r0; c++) {
            cw[c] = isnan(cd[c]) ? 0.0 : cn[c] / tot;
            if (isnan(cd[c])) continue;
            eff += cw[c] * cd[c];
            idx[mm] = c;
            wv[mm++] = cw[c];
        }
        const size_t e = v->nrel;
        re[e] = ce[a];
        ra[e] = mm ? eff : NAN;
        rs[e] = mm ? sqrt(fmax(quad(V, K, idx, wv, mm), 0.0)) : NAN;
        rn[e] = tot;
        rg[e] = (double)mm;
        v->nrel++;
        if (ce[a] >= 0 && mm) {
            post_total += tot;
            npost++;
        }
    }
    /* overall: post periods by their treated observations; its weight on each cell */
    size_t mm = 0;
    for (size_t c = 0; c < ncell; c++)
        if (ce[c] >= 0 && !isnan(cd[c])) {
            double tot = 0.0; /* the period's treated observations */
            for (size_t e = 0; e < v->nrel; e++)
                if (re[e] == ce[c]) tot = rn[e];
            idx[mm] = c;
            wv[mm] = tot / post_total * cw[c];
            att += wv[mm] * cd[c];
            mm++;
        }
    v->ncell = ncell;
    v->cohort = cg;
    v->rel = ce;
    v->effect = cd;
    v->se = cs;
    v->weight = cw;
    v->nobs_cell = cn;
    v->e = re;
    v->att_e = ra;
    v->se_e = rs;
    v->nobs_e = rn;
    v->ncohorts_e = rg;
    v->att = npost ? att : NAN;
    v->att_se = npost ? sqrt(fmax(quad(V, K, idx, wv, mm), 0.0)) : NAN;
    v->df_t = info.df_t;
    v->nobs = info.nobs;
    v->nclusters = G;
    v->n_treated_units = n_treat;
    v->n_control_units = n_never;
    v->nperiods = T;
    v->ref = ref;
    *out = r;
    r = NULL;
done:
    ks_feols_free(m);
    ks_sunab_free(r);
    ks_free(ctx, codes);
    ks_free(ctx, work);
    ks_free(ctx, dum);
    ks_free(ctx, seen);
    return rc;
}
