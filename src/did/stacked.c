/* stacked.c — stacked difference-in-differences (Wing, Freedman & Hollingsworth 2024) as
 * diff-diff's StackedDiD defines it: sub-experiments per adoption cohort, the corrective weights
 * Q of the clean controls, and the weighted event-study regression with CR1 cluster-robust
 * variance — in closed form when the saturated design has weight in every cell, else by
 * kestrel's regression (src/regress), which drops collinear terms. See
 * include/kestrel/did_stacked.h. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/did_stacked.h"
#include "kestrel/regress.h"
#include "linalg/linalg_internal.h"

static const ks__enum_entry weighting_names[] = {{"aggregate", KS_STACKED_AGGREGATE},
                                                 {"population", KS_STACKED_POPULATION},
                                                 {"sample_share", KS_STACKED_SAMPLE_SHARE}};
KS__ENUM_FUNCS(ks_did_stacked_weighting, ks_did_stacked_weighting, "weighting", weighting_names)
static const ks__enum_entry control_names[] = {{"not_yet_treated", KS_STACKED_NOT_YET_TREATED},
                                               {"strict", KS_STACKED_STRICT},
                                               {"never_treated", KS_STACKED_NEVER_TREATED}};
KS__ENUM_FUNCS(ks_did_stacked_control, ks_did_stacked_control, "control_group", control_names)
static const ks__enum_entry cluster_names[] = {{"unit", KS_STACKED_CLUSTER_UNIT},
                                               {"unit_subexp", KS_STACKED_CLUSTER_UNIT_SUBEXP}};
KS__ENUM_FUNCS(ks_did_stacked_cluster, ks_did_stacked_cluster, "cluster", cluster_names)
static const ks__enum_entry df_names[] = {
    {"residual", KS_DF_RESIDUAL}, {"cluster", KS_DF_CLUSTER}, {"normal", KS_DF_NORMAL}};
KS__ENUM_FUNCS(ks_did_df_convention, ks_did_df_convention, "df_convention", df_names)

struct ks_did_stacked {
    ks_allocator alloc;
    ks_did_stacked_view v;
    double *buf;
    size_t *rows;
};

void ks_did_stacked_free(ks_did_stacked *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->buf);
    ks__release(&a, r->rows);
    ks__release(&a, r);
}

void ks_did_stacked_get(const ks_did_stacked *r, ks_did_stacked_view *out) { *out = r->v; }

/* Is a unit first treated at ft a clean control for cohort a? */
static int clean_control(const ks_did_stacked_options *o, double ft, double a)
{
    switch (o->control_group) {
    case KS_STACKED_STRICT: return ft > a + o->kappa_post + o->kappa_pre;
    case KS_STACKED_NEVER_TREATED: return isinf(ft);
    default: return ft > a + o->kappa_post;
    }
}

/* The per-unit data: first treatment (Inf: never) and population, checked constant. */
static int unit_values(ks_ctx *ctx, size_t n, const int64_t *uc, const ks_did_numcol *g,
                       const ks_did_numcol *pop, const char *gname, const char *pname, double *uft,
                       double *upop, unsigned char *seen)
{
    for (size_t i = 0; i < n; i++) {
        if (uc[i] < 0) return ks__fail(ctx, KS_EINVAL, "unit: row %zu is missing", i + 1);
        const size_t u = (size_t)uc[i];
        double f = ks__did_num_at(g, i);
        if (isnan(f) || f == 0.0 || isinf(f)) f = INFINITY;
        const double p = pop ? ks__did_num_at(pop, i) : 0.0;
        if (!seen[u]) {
            seen[u] = 1;
            uft[u] = f;
            upop[u] = p;
            if (pop && !isfinite(p))
                return ks__fail(ctx, KS_EINVAL, "population: row %zu of '%s' is not a number",
                                i + 1, pname);
        } else if (uft[u] != f) {
            return ks__fail(ctx, KS_EINVAL, "first_treat: row %zu: '%s' changes within a unit",
                            i + 1, gname);
        }
    }
    return KS_OK;
}

/* The corrective weights Q of the control rows (treated rows 1), Table 1 of the paper.
 * aggregate: per (event time, sub-experiment), Q = (treated share of the event time's treated
 * rows) / (control share of its control rows), the authors' compute_weights; population and
 * sample_share from the distinct units of each sub-experiment. A share that is undefined gives
 * Q = 1, as diff-diff. cnt: scratch of 2 H (K + 1) + 4 K doubles, zeroed. */
static void q_weights(const ks_did_stacked_options *o, size_t m, const size_t *srow,
                      const size_t *ssub, const size_t *seidx, const double *sD, const int64_t *uc,
                      const double *upop, size_t K, size_t H, size_t *stamp, double *cnt, double *Q)
{
    if (o->weighting == KS_STACKED_AGGREGATE) {
        double *tot = cnt, *sub = cnt + 2 * H; /* [e][D], [k][e][D] */
        for (size_t r = 0; r < m; r++) {
            const size_t d = sD[r] != 0.0;
            tot[2 * seidx[r] + d] += 1.0;
            sub[(ssub[r] * H + seidx[r]) * 2 + d] += 1.0;
        }
        for (size_t r = 0; r < m; r++) {
            if (sD[r] != 0.0) {
                Q[r] = 1.0;
                continue;
            }
            const double *s = sub + (ssub[r] * H + seidx[r]) * 2, *t = tot + 2 * seidx[r];
            Q[r] = s[0] == 0.0 || t[1] == 0.0 || t[0] == 0.0 ? 1.0 : (s[1] / t[1]) / (s[0] / t[0]);
        }
        return;
    }
    double *nd = cnt, *nc = nd + K, *popd = nc + K, *q = popd + K;
    for (size_t r = 0; r < m; r++) { /* distinct units per (sub-experiment, D) */
        const size_t u = (size_t)uc[srow[r]], d = sD[r] != 0.0, key = 2 * (ssub[r] + 1) + d;
        if (stamp[2 * u + d] == key) continue;
        stamp[2 * u + d] = key;
        if (d) {
            nd[ssub[r]] += 1.0;
            popd[ssub[r]] += upop[u];
        } else {
            nc[ssub[r]] += 1.0;
        }
    }
    double ndt = 0.0, nct = 0.0, popt = 0.0;
    for (size_t k = 0; k < K; k++) {
        ndt += nd[k];
        nct += nc[k];
        popt += popd[k];
    }
    for (size_t k = 0; k < K; k++) {
        if (nd[k] == 0.0 || nc[k] == 0.0 || nct == 0.0) {
            q[k] = 1.0;
            continue;
        }
        const double cshare = nc[k] / nct;
        const double target = o->weighting == KS_STACKED_POPULATION
                                  ? (popt > 0 ? popd[k] / popt : 0.0)
                                  : (ndt + nct > 0 ? (nd[k] + nc[k]) / (ndt + nct) : 0.0);
        q[k] = target / cshare;
    }
    for (size_t r = 0; r < m; r++) Q[r] = sD[r] != 0.0 ? 1.0 : q[ssub[r]];
}

/* The event-study regression on the stacked rows through ks_feols_fit: y ~ D + l_h + x_h with
 * l_h = 1(e = h), x_h = D l_h over the event times but the reference, weights Q, clustered. */
static int regress(ks_ctx *ctx, size_t m, const double *sy, const double *sD, const size_t *seidx,
                   const double *Q, const int64_t *cl, size_t H, size_t ref, ks_feols **fit)
{
    const size_t nh = H - 1;
    double *dum = ks__calloc(ctx, 2 * nh * m + 1, sizeof *dum);
    char *formula = ks__malloc_array(ctx, 32 * (2 * nh + 2), 1);
    ks_table *rt = NULL;
    int rc = dum && formula ? ks_table_new(ctx, m, &rt) : KS_ENOMEM;
    if (!rc) rc = ks_table_add_float64_borrowed(ctx, rt, "st_y", sy);
    if (!rc) rc = ks_table_add_float64_borrowed(ctx, rt, "st_d", sD);
    if (!rc) rc = ks_table_add_float64_borrowed(ctx, rt, "st_w", Q);
    if (!rc) rc = ks_table_add_int64_borrowed(ctx, rt, "st_cl", cl);
    size_t len = 0;
    if (!rc) len += (size_t)sprintf(formula, "st_y ~ st_d");
    for (size_t r = 0; r < m && !rc; r++) {
        if (seidx[r] == ref) continue;
        const size_t j = seidx[r] - (seidx[r] > ref);
        dum[j * m + r] = 1.0;
        dum[(nh + j) * m + r] = sD[r];
    }
    for (size_t j = 0; j < 2 * nh && !rc; j++) {
        char name[32];
        snprintf(name, sizeof name, "st_%c%zu", j < nh ? 'l' : 'x', j < nh ? j : j - nh);
        rc = ks_table_add_float64_borrowed(ctx, rt, name, dum + j * m);
        len += (size_t)sprintf(formula + len, " + %s", name);
    }
    if (!rc) {
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        o.vcov = KS_VCOV_CRV1;
        o.cluster = "st_cl";
        o.weights = "st_w";
        rc = ks_feols_fit(ctx, rt, formula, &o, fit);
    }
    ks_table_free(rt);
    ks__free(ctx, formula);
    ks__free(ctx, dum);
    return rc;
}

/* The regression in closed form. With every (D, event time) cell holding positive weight the
 * design is saturated in those 2H cells: the fit is each cell's weighted mean ybar_c, delta_h =
 * (ybar_{1,h} - ybar_{1,ref}) - (ybar_{0,h} - ybar_{0,ref}), and a cluster's score for delta_h is
 * the same contrast of its sums sum_{i in c} w_i e_i / W_c (e_i = y_i - ybar_c), so the CR1
 * variance is V = ssc sum_g t_g t_g' with the regression's ssc G/(G-1) (n-1)/(n-2H) over the
 * rows with positive weight: ks_feols_fit's numbers without its QR. *ok = 0 (nothing done) when
 * a cell has no weight (the regression then drops the collinear terms). gid: the dense cluster
 * id of each cluster code among rows with positive weight. */
static int closed_form(ks_ctx *ctx, size_t m, const double *sy, const double *sD,
                       const size_t *seidx, const double *Q, const int64_t *cl, const int64_t *gid,
                       size_t G, size_t H, size_t ref, size_t neff, double *eff, double *vc,
                       int *ok)
{
    const size_t C = 2 * H, nh = H - 1;
    *ok = 0;
    double *W = ks__calloc(ctx, 2 * C, sizeof *W);
    if (!W) return KS_ENOMEM;
    double *mu = W + C;
    for (size_t i = 0; i < m; i++) {
        const size_t c = (sD[i] != 0.0) * H + seidx[i];
        W[c] += Q[i];
        mu[c] += Q[i] * sy[i];
    }
    for (size_t c = 0; c < C; c++)
        if (!(W[c] > 0)) {
            ks__free(ctx, W);
            return KS_OK;
        }
    if (G < 2 || neff <= C) {
        ks__free(ctx, W);
        return KS_OK;
    }
    for (size_t c = 0; c < C; c++) mu[c] /= W[c];
    double *S = ks__calloc(ctx, G * C, sizeof *S);
    double *t = ks__calloc(ctx, nh, sizeof *t);
    if (!S || !t) {
        ks__free(ctx, W);
        ks__free(ctx, S);
        ks__free(ctx, t);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < m; i++) {
        if (!(Q[i] > 0)) continue;
        const size_t c = (sD[i] != 0.0) * H + seidx[i];
        S[(size_t)gid[cl[i]] * C + c] += Q[i] * (sy[i] - mu[c]) / W[c];
    }
    for (size_t j = 0; j < nh; j++) {
        const size_t h = j + (j >= ref);
        eff[j] = (mu[H + h] - mu[H + ref]) - (mu[h] - mu[ref]);
    }
    memset(vc, 0, nh * nh * sizeof *vc);
    for (size_t g = 0; g < G; g++) {
        const double *Sg = S + g * C;
        for (size_t j = 0; j < nh; j++) {
            const size_t h = j + (j >= ref);
            t[j] = (Sg[H + h] - Sg[H + ref]) - (Sg[h] - Sg[ref]);
        }
        for (size_t j = 0; j < nh; j++)
            for (size_t l = 0; l < nh; l++) vc[j * nh + l] += t[j] * t[l];
    }
    const double ssc =
        (double)G / (double)(G - 1) * ((double)neff - 1.0) / ((double)neff - (double)C);
    for (size_t j = 0; j < nh * nh; j++) vc[j] *= ssc;
    ks__free(ctx, W);
    ks__free(ctx, S);
    ks__free(ctx, t);
    *ok = 1;
    return KS_OK;
}

static int check_options(ks_ctx *ctx, const ks_did_stacked_options *o)
{
    if (o->kappa_pre < 1)
        return ks__fail(ctx, KS_EINVAL,
                        "kappa_pre: %d; it must be at least 1 so that the reference event time "
                        "-1 - anticipation lies in the event window",
                        o->kappa_pre);
    if (o->kappa_post < 0)
        return ks__fail(ctx, KS_EINVAL, "kappa_post: %d is negative", o->kappa_post);
    if (o->anticipation < 0)
        return ks__fail(ctx, KS_EINVAL, "anticipation: %d is negative", o->anticipation);
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", o->alpha);
    if (!ks_did_stacked_weighting_name(o->weighting) ||
        !ks_did_stacked_control_name(o->control_group) ||
        !ks_did_stacked_cluster_name(o->cluster) || !ks_did_df_convention_name(o->df_convention))
        return ks__fail(ctx, KS_EINVAL,
                        "weighting, control_group, cluster or df_convention: not "
                        "one of the defined values");
    if (o->weighting == KS_STACKED_POPULATION && !o->population)
        return ks__fail(ctx, KS_EINVAL,
                        "population: weighting 'population' needs the column of populations");
    return KS_OK;
}

/* Everything a fit allocates, freed together. */
typedef struct {
    int64_t *uc, *cl;
    double *ud, *col, *cnt;
    size_t *sidx, *stamp;
    unsigned char *seen;
    ks_feols *fit;
} work;

static void work_free(ks_ctx *ctx, work *w)
{
    ks__free(ctx, w->uc);
    ks__free(ctx, w->cl);
    ks__free(ctx, w->ud);
    ks__free(ctx, w->col);
    ks__free(ctx, w->cnt);
    ks__free(ctx, w->sidx);
    ks__free(ctx, w->stamp);
    ks__free(ctx, w->seen);
    ks_feols_free(w->fit);
}

int ks_did_stacked_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                       const char *time, const char *first_treat, const ks_did_stacked_options *opt,
                       ks_did_stacked **out)
{
    *out = NULL;
    const ks_did_stacked_options dflt = KS_DID_STACKED_OPTIONS_INIT;
    const ks_did_stacked_options *o = opt ? opt : &dflt;
    int rc = check_options(ctx, o);
    if (rc) return rc;
    const size_t n = ks_table_nrow(t);
    ks_did_numcol yc, tc, gc, pc;
    size_t ju;
    if ((rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "time", time, &tc)) ||
        (rc = ks__did_numeric(ctx, t, "first_treat", first_treat, &gc)) ||
        (o->weighting == KS_STACKED_POPULATION &&
         (rc = ks__did_numeric(ctx, t, "population", o->population, &pc))))
        return rc;
    if ((rc = ks_table_find(ctx, t, unit, &ju)))
        return ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
    if (n == 0) return ks__fail(ctx, KS_EINVAL, "data: no rows");

    work w = {0};
    ks_did_stacked *r = NULL;
    size_t N;
    w.uc = ks__malloc_array(ctx, n, sizeof *w.uc);
    if (!w.uc) return KS_ENOMEM;
    if ((rc = ks_table_factorize(ctx, t, &ju, 1, w.uc, n, &N))) goto done;
    /* per unit: first treatment, population; per row: the periods */
    w.ud = ks__malloc_array(ctx, 2 * N + 3 * n + 1, sizeof *w.ud);
    w.seen = ks__calloc(ctx, N + 1, 1);
    if (!w.ud || !w.seen) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *uft = w.ud, *upop = uft + N, *per = upop + N, *coh = per + n, *tv = coh + n;
    if ((rc = unit_values(ctx, n, w.uc, &gc, o->weighting == KS_STACKED_POPULATION ? &pc : NULL,
                          first_treat, o->population, uft, upop, w.seen)))
        goto done;
    size_t np = 0, nmiss = 0;
    double tlo = HUGE_VAL, thi = -HUGE_VAL;
    for (size_t i = 0; i < n; i++) {
        tv[i] = ks__did_num_at(&tc, i);
        if (!isfinite(tv[i])) {
            rc = ks__fail(ctx, KS_EINVAL, "time: row %zu of '%s' is missing", i + 1, time);
            goto done;
        }
        if (tv[i] != floor(tv[i])) {
            rc = ks__fail(ctx, KS_EINVAL,
                          "time: row %zu of '%s' is %g; event times need whole-number periods",
                          i + 1, time, tv[i]);
            goto done;
        }
        tlo = tv[i] < tlo ? tv[i] : tlo;
        thi = tv[i] > thi ? tv[i] : thi;
        nmiss += !isfinite(ks__did_num_at(&yc, i));
    }
    if (thi - tlo < (double)n) { /* whole numbers in a short range: mark them */
        unsigned char *mark = ks__calloc(ctx, (size_t)(thi - tlo) + 1, 1);
        if (!mark) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < n; i++) mark[(size_t)(tv[i] - tlo)] = 1;
        for (size_t k = 0; k <= (size_t)(thi - tlo); k++)
            if (mark[k]) per[np++] = tlo + (double)k;
        ks__free(ctx, mark);
    } else {
        memcpy(per, tv, n * sizeof *per);
        np = ks__did_sort_unique(per, n);
    }
    const double tmin = per[0], tmax = per[np - 1];
    size_t ncoh = 0;
    for (size_t u = 0; u < N; u++)
        if (isfinite(uft[u])) coh[ncoh++] = uft[u];
    ncoh = ks__did_sort_unique(coh, ncoh);
    if (ncoh == 0) {
        rc = ks__fail(ctx, KS_EINVAL,
                      "first_treat: no treated units in '%s' (0, empty or Inf mark the never "
                      "treated)",
                      first_treat);
        goto done;
    }
    if (nmiss)
        ks__log(ctx, KS_LOG_WARN, "outcome: %zu row%s with a missing '%s' left out", nmiss,
                nmiss == 1 ? "" : "s", outcome);

    /* trimming: IC1 (the event window inside the data's periods), IC2 (clean controls exist) */
    const int kpre = o->kappa_pre, kpost = o->kappa_post, ant = o->anticipation;
    const size_t H = (size_t)kpre + (size_t)ant + (size_t)kpost + 1, ref = (size_t)kpre - 1;
    double *kept = ks__malloc_array(ctx, 2 * ncoh, sizeof *kept);
    if (!kept) {
        rc = KS_ENOMEM;
        goto done;
    }
    w.col = kept;
    double *trim = kept + ncoh;
    size_t K = 0, ntrim = 0;
    for (size_t c = 0; c < ncoh; c++) {
        const double a = coh[c];
        int ic2 = 0;
        for (size_t u = 0; u < N && !ic2; u++) ic2 = clean_control(o, uft[u], a);
        const int ic1 = a - kpre - ant >= tmin && a + kpost <= tmax;
        if (ic1 && ic2)
            kept[K++] = a;
        else
            trim[ntrim++] = a;
    }
    if (ntrim)
        ks__log(ctx, KS_LOG_WARN,
                "trimmed %zu adoption event%s without the event window [%d, %d] inside the "
                "periods [%g, %g] or without clean controls",
                ntrim, ntrim == 1 ? "" : "s", -kpre - ant, kpost, tmin, tmax);
    if (K == 0) {
        rc = ks__fail(ctx, KS_EINVAL,
                      "all %zu adoption events were trimmed (kappa_pre %d, kappa_post %d): no "
                      "sub-experiment has its whole event window inside the data and clean "
                      "controls",
                      ncoh, kpre, kpost);
        goto done;
    }

    /* the stack: sub-experiments in cohort order, each with its rows in table order */
    size_t m = 0, nsub = 0;
    for (size_t k = 0; k < K; k++) {
        const double a = kept[k];
        size_t mk = 0;
        for (size_t i = 0; i < n; i++) {
            const double ft = uft[w.uc[i]];
            mk += (ft == a || clean_control(o, ft, a)) && tv[i] >= a - kpre - ant &&
                  tv[i] <= a + kpost && isfinite(ks__did_num_at(&yc, i));
        }
        m += mk;
        nsub += mk > 0;
        if (!mk) ks__log(ctx, KS_LOG_WARN, "the sub-experiment of cohort %g is empty", a);
    }
    w.sidx = ks__malloc_array(ctx, m + 1, 3 * sizeof *w.sidx);
    w.cl = ks__malloc_array(ctx, m + 1, sizeof *w.cl);
    if (!(r = ks__calloc(ctx, 1, sizeof *r))) {
        rc = KS_ENOMEM;
        goto done;
    }
    r->alloc = ctx->alloc;
    const size_t nbuf = 5 * m + 8 * (H - 1) + (H - 1) * (H - 1) + K + ntrim + np + 1;
    r->buf = ks__malloc_array(ctx, nbuf, sizeof *r->buf);
    r->rows = ks__malloc_array(ctx, m + 1, sizeof *r->rows);
    w.stamp = ks__calloc(ctx, 2 * N + 1, sizeof *w.stamp);
    w.cnt = ks__calloc(ctx, 2 * H * (K + 1) + 4 * K + 1, sizeof *w.cnt);
    if (!w.sidx || !w.cl || !r->buf || !r->rows || !w.stamp || !w.cnt) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *sy = r->buf, *ssub = sy + m, *se = ssub + m, *sD = se + m, *Q = sD + m;
    size_t *srow = r->rows, *sk = w.sidx, *seidx = sk + m;
    size_t mr = 0;
    for (size_t k = 0; k < K; k++) {
        const double a = kept[k];
        for (size_t i = 0; i < n; i++) {
            const double ft = uft[w.uc[i]], t_i = tv[i], yv = ks__did_num_at(&yc, i);
            const int treated = ft == a;
            if (!(treated || clean_control(o, ft, a)) || t_i < a - kpre - ant || t_i > a + kpost ||
                !isfinite(yv))
                continue;
            srow[mr] = i;
            sk[mr] = k;
            seidx[mr] = (size_t)(t_i - a + kpre + ant);
            sy[mr] = yv;
            ssub[mr] = a;
            se[mr] = t_i - a;
            sD[mr] = treated;
            w.cl[mr] =
                o->cluster == KS_STACKED_CLUSTER_UNIT ? w.uc[i] : w.uc[i] * (int64_t)K + (int64_t)k;
            mr++;
        }
    }
    q_weights(o, m, srow, sk, seidx, sD, w.uc, upop, K, H, w.stamp, w.cnt, Q);

    /* the reference event time needs treated and control rows with positive weight */
    double wref[2] = {0.0, 0.0};
    for (size_t i = 0; i < m; i++)
        if (seidx[i] == ref) wref[sD[i] != 0.0] += Q[i];
    if (!(wref[0] > 0) || !(wref[1] > 0)) {
        rc = ks__fail(ctx, KS_EINVAL,
                      "the reference event time %d has no %s rows with positive weight: the "
                      "event study's normalization would be fabricated (a gap in the periods at "
                      "a - 1 - anticipation, or weights zero there)",
                      -1 - ant, !(wref[1] > 0) ? "treated" : "control");
        goto done;
    }
    /* the view's arrays; clusters (dense ids of the rows with positive weight), treated and
     * control units */
    const size_t nh = H - 1;
    ks_did_stacked_view *v = &r->v;
    double *et = Q + m, *eff = et + nh, *ses = eff + nh, *tst = ses + nh, *pv = tst + nh;
    double *lo = pv + nh, *hi = lo + nh, *nob = hi + nh, *vc = nob + nh;
    double *grp = vc + nh * nh, *trm = grp + K, *pers = trm + ntrim;
    size_t kkept = 0, neff = 0, gpos = 0, G = 0, nt = 0, nco = 0;
    memset(w.stamp, 0, (2 * N + 1) * sizeof *w.stamp);
    int64_t cmax = 0;
    for (size_t i = 0; i < m; i++) cmax = w.cl[i] > cmax ? w.cl[i] : cmax;
    int64_t *gid = ks__malloc_array(ctx, (size_t)cmax + 1, 2 * sizeof *gid);
    if (!gid) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (int64_t c = 0; c <= 2 * cmax + 1; c++) gid[c] = -1;
    for (size_t i = 0; i < m; i++) { /* gid[c]: seen; gid[cmax + 1 + c]: id among weight > 0 */
        const size_t c = (size_t)w.cl[i], u = (size_t)w.uc[srow[i]], d = sD[i] != 0.0;
        G += gid[c] < 0;
        gid[c] = 0;
        if (Q[i] > 0 && gid[cmax + 1 + c] < 0) gid[cmax + 1 + c] = (int64_t)gpos++;
        neff += Q[i] > 0;
        if (!w.stamp[2 * u + d]) {
            w.stamp[2 * u + d] = 1;
            *(d ? &nt : &nco) += 1;
        }
    }
    int ok = 0;
    rc = closed_form(ctx, m, sy, sD, seidx, Q, w.cl, gid + cmax + 1, gpos, H, ref, neff, eff, vc,
                     &ok);
    ks__free(ctx, gid);
    if (rc) goto done;
    if (ok) {
        kkept = 2 * H;
    } else { /* a cell without weight: the regression drops what is collinear */
        if ((rc = regress(ctx, m, sy, sD, seidx, Q, w.cl, H, ref, &w.fit))) goto done;
        ks_feols_view fv;
        ks_feols_get(w.fit, &fv);
        const size_t kc = fv.ncoef;
        for (size_t j = 0; j < kc; j++) kkept += !fv.collinear[j];
        for (size_t j = 0; j < nh; j++) {
            eff[j] = fv.coef[2 + nh + j];
            for (size_t l = 0; l < nh; l++)
                vc[j * nh + l] = fv.vcov[(2 + nh + j) * kc + 2 + nh + l];
        }
    }
    const double df = o->df_convention == KS_DF_NORMAL    ? 0.0
                      : o->df_convention == KS_DF_CLUSTER ? (double)gpos - 1.0
                                                          : (double)neff - (double)kkept;
    const double q =
        df > 0 ? ks_t_quantile(1.0 - o->alpha / 2.0, df) : ks_normal_quantile(1.0 - o->alpha / 2.0);
    for (size_t j = 0; j < nh; j++) {
        et[j] = (double)((long)(j + (j >= ref)) - kpre - ant);
        ses[j] = isnan(vc[j * nh + j]) ? NAN : sqrt(fmax(vc[j * nh + j], 0.0));
        ks__infer(eff[j], ses[j], df, q, &tst[j], &pv[j], &lo[j], &hi[j]);
        nob[j] = 0.0;
    }
    for (size_t i = 0; i < m; i++)
        if (sD[i] != 0.0 && seidx[i] != ref) nob[seidx[i] - (seidx[i] > ref)] += 1.0;
    /* overall ATT: the mean of the post-period (h >= -anticipation) coefficients */
    double s = 0.0, vv = 0.0;
    size_t npost = 0;
    for (size_t j = 0; j < nh; j++) {
        if (et[j] < -ant) continue;
        npost++;
        s += eff[j];
        for (size_t l = 0; l < nh; l++)
            if (et[l] >= -ant) vv += vc[j * nh + l];
    }
    v->att = npost ? s / (double)npost : NAN;
    v->att_se = npost ? sqrt(fmax(vv, 0.0)) / (double)npost : NAN;
    if (isnan(vv)) v->att_se = NAN;
    ks__infer(v->att, v->att_se, df, q, &v->att_tstat, &v->att_pvalue, &v->att_ci_lower,
              &v->att_ci_upper);
    memcpy(grp, kept, K * sizeof *grp);
    memcpy(trm, trim, ntrim * sizeof *trm);
    memcpy(pers, per, np * sizeof *pers);
    v->nevent = nh;
    v->event_time = et;
    v->effect = eff;
    v->se = ses;
    v->tstat = tst;
    v->pvalue = pv;
    v->ci_lower = lo;
    v->ci_upper = hi;
    v->n_obs = nob;
    v->vcov = vc;
    v->ref = -1.0 - ant;
    v->df = df;
    v->ngroups = K;
    v->groups = grp;
    v->ntrimmed = ntrim;
    v->trimmed = trm;
    v->nperiods = np;
    v->periods = pers;
    v->nobs = n;
    v->nstack = m;
    v->n_sub_experiments = nsub;
    v->n_treated_units = nt;
    v->n_control_units = nco;
    v->nclusters = G;
    v->stack_row = srow;
    v->stack_sub_exp = ssub;
    v->stack_event_time = se;
    v->stack_treated = sD;
    v->stack_weight = Q;
    *out = r;
    r = NULL;
done:
    work_free(ctx, &w);
    ks_did_stacked_free(r);
    return rc;
}
