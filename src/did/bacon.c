/* bacon.c — the Goodman-Bacon (2021) decomposition of the two-way fixed-effects DiD estimate
 * y ~ D | unit + time on a balanced panel with staggered, absorbing treatment: every 2x2
 * comparison between timing groups (treated vs never treated, earlier vs later treated with the
 * later as control, later vs earlier treated with the earlier as control), its estimate and its
 * weight (Goodman-Bacon's variance shares, Theorem 1), which sum to the TWFE estimate.
 *
 * One pass over the rows gives the group-by-period means; every comparison is then a difference
 * of window averages of those means: O(rows + groups^2 periods). Units treated at or before the
 * first period have no within-unit variation in D, so, as Goodman-Bacon's footnote 11 and
 * diff-diff do, they join the never treated in the untreated group U (counted apart). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"

static const ks__enum_entry type_names[] = {{"treated_vs_never", KS_DID_BACON_TREATED_VS_NEVER},
                                            {"earlier_vs_later", KS_DID_BACON_EARLIER_VS_LATER},
                                            {"later_vs_earlier", KS_DID_BACON_LATER_VS_EARLIER}};
KS__ENUM_FUNCS(ks_did_bacon_type, ks_did_bacon_type, "comparison type", type_names)

struct ks_did_bacon {
    ks_allocator alloc;
    ks_did_bacon_view v;
    void *buf;
};

void ks_did_bacon_free(ks_did_bacon *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc;
    ks__release(&a, r->buf);
    ks__release(&a, r);
}

void ks_did_bacon_get(const ks_did_bacon *r, ks_did_bacon_view *out) { *out = r->v; }

/* The average over periods [a, b) of a group's period means. */
static double window(const double *m, size_t a, size_t b)
{
    double s = 0.0;
    for (size_t t = a; t < b; t++) s += m[t];
    return s / (double)(b - a);
}

int ks_did_bacon_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                 const char *time, const char *first_treat, ks_did_bacon **out)
{
    *out = NULL;
    const size_t n = ks_table_nrow(t);
    ks_did_numcol yc, tcol, gcol;
    int64_t *uc = NULL;
    double *buf = NULL, *mean = NULL;
    size_t *ix = NULL;
    ks_did_bacon *r = NULL;
    size_t N = 0, j;
    int rc;
    if ((rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc)) ||
        (rc = ks__did_numeric(ctx, t, "time", time, &tcol)) ||
        (rc = ks__did_numeric(ctx, t, "first_treat", first_treat, &gcol)))
        return rc;
    if ((rc = ks_table_find(ctx, t, unit, &j)))
        return ks__fail(ctx, rc, "unit: no column '%s' in the data", unit);
    uc = ks__malloc_array(ctx, n ? n : 1, sizeof *uc);
    buf = ks__malloc_array(ctx, n ? n : 1, 3 * sizeof *buf); /* periods; N first-treat; N groups */
    ix = ks__malloc_array(ctx, n ? n : 1, 2 * sizeof *ix);   /* row -> period; unit -> group */
    if (!uc || !buf || !ix) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = ks_table_factorize(ctx, t, &j, 1, uc, ks_table_nrow(t), &N))) goto done;
    double *tsorted = buf, *gu = buf + n, *glist = gu + n;
    size_t *rs = ix, *grp = ix + n;
    for (size_t i = 0; i < n; i++) {
        tsorted[i] = ks__did_num_at(&tcol, i);
        if (!isfinite(tsorted[i]) || uc[i] < 0) {
            rc = ks__fail(ctx, KS_EINVAL, "%s: row %zu of '%s' is missing", uc[i] < 0 ? "unit" : "time",
                         i + 1, uc[i] < 0 ? unit : time);
            goto done;
        }
    }
    const size_t T = ks__did_sort_unique(tsorted, n);
    size_t NT;
    if (N < 2 || T < 2) {
        rc = ks__fail(ctx, KS_EINVAL, "the Bacon decomposition needs at least 2 units and 2 "
                                     "periods (%zu units, %zu periods)", N, T);
        goto done;
    }
    if (!ks__size_mul(N, T, &NT) || NT != n) {
        rc = ks__fail(ctx, KS_EINVAL, "the data are not a balanced panel: %zu rows for %zu units "
                                     "x %zu periods (the Bacon decomposition needs one row per "
                                     "unit and period)", n, N, T);
        goto done;
    }
    unsigned char *seen = ks__calloc(ctx, NT, 1);
    if (!seen) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t u = 0; u < N; u++) gu[u] = NAN;
    for (size_t i = 0; i < n && rc == KS_OK; i++) {
        const size_t u = (size_t)uc[i];
        rs[i] = ks__did_lower_bound(tsorted, T, ks__did_num_at(&tcol, i));
        double g = ks__did_num_at(&gcol, i);
        if (isnan(g) || g == 0.0) g = INFINITY; /* never treated: 0, empty or Inf */
        if (seen[u * T + rs[i]]++)
            rc = ks__fail(ctx, KS_EINVAL, "row %zu: unit and period repeat an earlier row (the "
                                         "Bacon decomposition needs one row per unit and "
                                         "period)", i + 1);
        else if (!isfinite(ks__did_num_at(&yc, i)))
            rc = ks__fail(ctx, KS_EINVAL, "outcome: row %zu of '%s' is missing", i + 1, outcome);
        else if (isnan(gu[u]))
            gu[u] = g;
        else if (gu[u] != g)
            rc = ks__fail(ctx, KS_EINVAL, "first_treat: row %zu: '%s' changes within a unit "
                                         "(treatment must be absorbing, one date per unit)",
                         i + 1, first_treat);
    }
    ks__free(ctx, seen);
    if (rc) goto done;
    /* timing groups: the first-treatment periods inside (t_1, t_T]; the rest is U (group 0) */
    size_t ng = 0, n_never = 0, n_always = 0, n_late = 0;
    for (size_t u = 0; u < N; u++) {
        if (gu[u] > tsorted[0] && gu[u] <= tsorted[T - 1])
            glist[ng++] = gu[u];
        else if (gu[u] <= tsorted[0])
            n_always++;
        else
            n_never++;
        n_late += isfinite(gu[u]) && gu[u] > tsorted[T - 1];
    }
    if (n_late)
        ks__log(ctx, KS_LOG_WARN,
               "%zu unit%s first treated after the last period (%g) count as never treated",
               n_late, n_late == 1 ? "" : "s", tsorted[T - 1]);
    ng = ks__did_sort_unique(glist, ng);
    const size_t K = ng + 1; /* group 0: U; groups 1..ng: timing groups in order */
    mean = ks__calloc(ctx, K * T + 3 * K, sizeof *mean);
    if (!mean) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *share = mean + K * T, *dbar = share + K;
    size_t *on = (size_t *)(dbar + K); /* the onset period index of each group */
    for (size_t u = 0; u < N; u++) {
        const int in = gu[u] > tsorted[0] && gu[u] <= tsorted[T - 1];
        grp[u] = in ? 1 + ks__did_lower_bound(glist, ng, gu[u]) : 0;
        share[grp[u]] += 1.0;
    }
    for (size_t i = 0; i < n; i++) mean[grp[(size_t)uc[i]] * T + rs[i]] += ks__did_num_at(&yc, i);
    for (size_t k = 0; k < K; k++) {
        for (size_t s = 0; s < T; s++) mean[k * T + s] /= share[k];
        share[k] /= (double)N;
    }
    /* the onset of each timing group, and D-bar: its share of treated periods */
    on[0] = T;
    dbar[0] = 0.0;
    for (size_t k = 1; k < K; k++) {
        on[k] = ks__did_lower_bound(tsorted, T, glist[k - 1]);
        dbar[k] = (double)(T - on[k]) / (double)T;
    }
    /* comparisons: k vs U (when U is not empty), and each pair k < l both ways */
    const size_t maxc = ng + (ng ? ng * (ng - 1) : 0); /* vs U, and each pair both ways */
    if (!(r = ks__calloc(ctx, 1, sizeof *r))) {
        rc = KS_ENOMEM;
        goto done;
    }
    r->alloc = ctx->alloc;
    r->buf = ks__malloc_array(ctx, maxc ? maxc : 1, 6 * sizeof(double) + 2 * sizeof(size_t) +
                                                       sizeof(int));
    if (!r->buf) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *treated = r->buf, *control = treated + maxc, *est = control + maxc,
           *wt = est + maxc, *w0 = wt + maxc, *w1 = w0 + maxc;
    size_t *ntr = (size_t *)(w1 + maxc), *nco = ntr + maxc;
    int *type = (int *)(nco + maxc);
    size_t nc = 0;
    double wsum = 0.0;
    const double *mU = mean;
    for (size_t k = 1; k < K; k++) {
        const double *mk = mean + k * T;
        if (share[0] > 0.0) { /* treated vs untreated, all periods */
            const double nkU = share[k] / (share[k] + share[0]);
            est[nc] = (window(mk, on[k], T) - window(mk, 0, on[k])) -
                      (window(mU, on[k], T) - window(mU, 0, on[k]));
            wt[nc] = (share[k] + share[0]) * (share[k] + share[0]) * nkU * (1.0 - nkU) * dbar[k] *
                     (1.0 - dbar[k]);
            treated[nc] = glist[k - 1];
            control[nc] = INFINITY;
            type[nc] = KS_DID_BACON_TREATED_VS_NEVER;
            w0[nc] = tsorted[0];
            w1[nc] = tsorted[T - 1];
            ntr[nc] = (size_t)llround(share[k] * (double)N) * T;
            nco[nc] = (size_t)llround(share[0] * (double)N) * T;
            wsum += wt[nc++];
        }
        for (size_t l = k + 1; l < K; l++) { /* k earlier than l */
            const double *ml = mean + l * T, nkl = share[k] / (share[k] + share[l]);
            const double nn = (share[k] + share[l]), v = nkl * (1.0 - nkl);
            /* k treated, l (not yet treated) control: periods before l's onset */
            est[nc] = (window(mk, on[k], on[l]) - window(mk, 0, on[k])) -
                      (window(ml, on[k], on[l]) - window(ml, 0, on[k]));
            wt[nc] = nn * (1.0 - dbar[l]) * nn * (1.0 - dbar[l]) * v *
                     ((dbar[k] - dbar[l]) / (1.0 - dbar[l])) * ((1.0 - dbar[k]) / (1.0 - dbar[l]));
            treated[nc] = glist[k - 1];
            control[nc] = glist[l - 1];
            type[nc] = KS_DID_BACON_EARLIER_VS_LATER;
            w0[nc] = tsorted[0];
            w1[nc] = tsorted[on[l] - 1];
            ntr[nc] = (size_t)llround(share[k] * (double)N) * on[l];
            nco[nc] = (size_t)llround(share[l] * (double)N) * on[l];
            wsum += wt[nc++];
            /* l treated, k (already treated) control: periods from k's onset */
            est[nc] = (window(ml, on[l], T) - window(ml, on[k], on[l])) -
                      (window(mk, on[l], T) - window(mk, on[k], on[l]));
            wt[nc] = nn * dbar[k] * nn * dbar[k] * v * (dbar[l] / dbar[k]) *
                     ((dbar[k] - dbar[l]) / dbar[k]);
            treated[nc] = glist[l - 1];
            control[nc] = glist[k - 1];
            type[nc] = KS_DID_BACON_LATER_VS_EARLIER;
            w0[nc] = tsorted[on[k]];
            w1[nc] = tsorted[T - 1];
            ntr[nc] = (size_t)llround(share[l] * (double)N) * (T - on[k]);
            nco[nc] = (size_t)llround(share[k] * (double)N) * (T - on[k]);
            wsum += wt[nc++];
        }
    }
    if (nc == 0 || !(wsum > 0.0)) {
        rc = ks__fail(ctx, KS_EINVAL, "first_treat: no treatment variation to decompose (%zu "
                                     "timing groups, %zu untreated units)", ng,
                     n_never + n_always);
        goto done;
    }
    double avg = 0.0;
    for (size_t c = 0; c < nc; c++) {
        wt[c] /= wsum;
        avg += wt[c] * est[c];
    }
    /* the TWFE estimate itself: sum D~ y / sum D~^2, D~ the two-way demeaned D (balanced; by
     * group and period, group 0 the untreated with onset T and D-bar 0) */
    double dg = 0.0, num = 0.0, den = 0.0;
    for (size_t k = 1; k < K; k++) dg += share[k] * dbar[k];
    for (size_t s = 0; s < T; s++) {
        double dt = 0.0; /* the share of units treated in period s */
        for (size_t k = 1; k < K; k++) dt += share[k] * (s >= on[k]);
        for (size_t k = 0; k < K; k++) {
            const double dd = (s >= on[k]) - dbar[k] - dt + dg;
            num += share[k] * dd * mean[k * T + s];
            den += share[k] * dd * dd;
        }
    }
    ks_did_bacon_view *v = &r->v;
    v->n = nc;
    v->treated = treated;
    v->control = control;
    v->type = type;
    v->estimate = est;
    v->weight = wt;
    v->window_start = w0;
    v->window_end = w1;
    v->n_treated = ntr;
    v->n_control = nco;
    v->twfe = num / den;
    v->decomposition_error = v->twfe - avg;
    v->n_groups = ng;
    v->n_never = n_never;
    v->n_always = n_always;
    v->nunits = N;
    v->nperiods = T;
    v->nobs = n;
    *out = r;
    r = NULL;
done:
    ks_did_bacon_free(r);
    ks__free(ctx, uc);
    ks__free(ctx, buf);
    ks__free(ctx, ix);
    ks__free(ctx, mean);
    return rc;
}
