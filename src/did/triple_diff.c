/* triple_diff.c — the two-period triple difference of Ortiz-Villavicencio & Sant'Anna (2025) on
 * repeated cross-sections, as R triplediff's ddd (panel = FALSE) computes it: three
 * repeated-cross-section DRDID comparisons of the treated-eligible subgroup 4 against each
 * other subgroup j, on the rows of {j, 4} only (kestrel's ks__did_2x2_rc_fit: the outcome
 * regressions per cell, the logit propensity score within the pair, capped at 1 - 1e-6 with
 * controls >= 0.995 trimmed), ATT = DiD_3 + DiD_2 - DiD_1, and the influence function
 * (n / n_3) IF_3 + (n / n_2) IF_2 - (n / n_1) IF_1 whose sd / sqrt(n) is the standard error;
 * clustered: sqrt(G / (G - 1) sum_g (sum_{i in g} IF_i)^2) / n (diff-diff's formula). */
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

/* A 0/1 column, whole: its values into v (as 0.0 / 1.0). */
static int binary(ks_ctx *ctx, const ks_table *t, const char *what, const char *name, double *v)
{
    ks_did_numcol c;
    int rc = ks__did_numeric(ctx, t, what, name, &c);
    if (rc) return rc;
    const size_t n = ks_table_nrow(t);
    size_t n1 = 0;
    for (size_t i = 0; i < n; i++) {
        const double x = ks__did_num_at(&c, i);
        if (isnan(x))
            return ks__fail(ctx, KS_EINVAL, "%s: row %zu of '%s' is missing", what, i + 1, name);
        if (x != 0.0 && x != 1.0)
            return ks__fail(ctx, KS_EINVAL, "%s: row %zu of '%s' is %g; it must be 0 or 1", what,
                            i + 1, name, x);
        v[i] = x;
        n1 += x == 1.0;
    }
    if (n1 == 0 || n1 == n)
        return ks__fail(ctx, KS_EINVAL, "%s: '%s' must have both 0 and 1 values", what, name);
    return KS_OK;
}

/* The DiD of subgroup 4 against subgroup j on their rows: att and the influence function added,
 * times wgt, into inf at the rows. sub: per-row subgroup; scratch for the pair's data. */
static int pair_did(ks_ctx *ctx, ks_did_method method, size_t n, size_t k, const double *y,
                    const double *post, const unsigned char *sub, const double *X, int j,
                    double sign, double *att, double *inf, size_t *near, int fallback,
                    int *fell_back)
{
    size_t m = 0;
    for (size_t i = 0; i < n; i++) m += sub[i] == 4 || sub[i] == j;
    double *buf = ks__malloc_array(ctx, m + 1, (4 + k) * sizeof *buf);
    size_t *rows = ks__malloc_array(ctx, m + 1, sizeof *rows);
    int rc = KS_OK;
    if (!buf || !rows) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *dy = buf, *D = dy + m, *P = D + m, *f = P + m, *Xs = f + m;
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        if (sub[i] != 4 && sub[i] != j) continue;
        rows[r] = i;
        dy[r] = y[i];
        D[r] = sub[i] == 4;
        P[r] = post[i];
        for (size_t c = 1; c < k; c++) Xs[c * m + r] = X[(c - 1) * n + i];
        r++;
    }
    ks_did_2x2 in = {0};
    in.m = m;
    in.k = k;
    in.dy = dy;
    in.D = D;
    in.X = k > 1 ? Xs : NULL;
    in.nt = SIZE_MAX;
    in.post = P;
    in.n_near_one = near;
    in.ps_fallback = fallback;
    in.fell_back = fell_back;
    if ((rc = ks__did_2x2_rc_fit(ctx, method, &in, att, f))) goto done;
    const double wgt = sign * (double)n / (double)m;
    for (size_t q = 0; q < m; q++) inf[rows[q]] += wgt * f[q];
done:
    ks__free(ctx, buf);
    ks__free(ctx, rows);
    return rc;
}

static const char *const pair_names[] = {"", "control-ineligible (G=0, P=0)",
                                         "control-eligible (G=0, P=1)",
                                         "treated-ineligible (G=1, P=0)"};

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
    const size_t k = ncov + 1;
    ks_did_numcol yc;
    int rc = ks__did_numeric(ctx, t, "outcome", outcome, &yc);
    if (rc) return rc;
    if (n < 2) return ks__fail(ctx, KS_EINVAL, "data: %zu rows", n);
    double *buf = ks__malloc_array(ctx, n, (4 + ncov) * sizeof *buf);
    unsigned char *sub = ks__malloc_array(ctx, n, 1);
    int64_t *cc = NULL;
    ks_did_ddd *r = NULL;
    if (!buf || !sub) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *y = buf, *G = y + n, *Pa = G + n, *T = Pa + n, *X = T + n;
    if ((rc = binary(ctx, t, "group", group, G)) ||
        (rc = binary(ctx, t, "partition", partition, Pa)) || (rc = binary(ctx, t, "post", post, T)))
        goto done;
    for (size_t i = 0; i < n; i++) {
        y[i] = ks__did_num_at(&yc, i);
        if (!isfinite(y[i])) {
            rc = ks__fail(ctx, KS_EINVAL, "outcome: row %zu of '%s' is missing or not finite",
                          i + 1, outcome);
            goto done;
        }
    }
    for (size_t c = 0; c < ncov; c++) {
        ks_did_numcol xc;
        if ((rc = ks__did_numeric(ctx, t, "covariates", o->covariates[c], &xc))) goto done;
        for (size_t i = 0; i < n; i++) {
            X[c * n + i] = ks__did_num_at(&xc, i);
            if (!isfinite(X[c * n + i])) {
                rc = ks__fail(ctx, KS_EINVAL, "covariates: row %zu of '%s' is missing", i + 1,
                              o->covariates[c]);
                goto done;
            }
        }
    }
    if (!(r = ks__calloc(ctx, 1, sizeof *r))) {
        rc = KS_ENOMEM;
        goto done;
    }
    r->alloc = ctx->alloc;
    if (!(r->inf = ks__calloc(ctx, n, sizeof *r->inf))) {
        rc = KS_ENOMEM;
        goto done;
    }
    ks_did_ddd_view *v = &r->v;
    double sum[8] = {0}, cnt[8] = {0};
    for (size_t i = 0; i < n; i++) {
        sub[i] = (unsigned char)(G[i] != 0.0 ? (Pa[i] != 0.0 ? 4 : 3) : (Pa[i] != 0.0 ? 2 : 1));
        const size_t cell = 4 * (size_t)G[i] + 2 * (size_t)Pa[i] + (size_t)T[i];
        sum[cell] += y[i];
        cnt[cell] += 1.0;
    }
    static const char *const gp[] = {"control-ineligible", "control-eligible", "treated-ineligible",
                                     "treated-eligible"};
    for (size_t c = 0; c < 8; c++) {
        if (cnt[c] == 0.0) {
            rc = ks__fail(ctx, KS_EINVAL,
                          "data: no %s rows %s treatment (group %zu, partition "
                          "%zu, post %zu)",
                          gp[c / 2], c % 2 ? "after" : "before", c / 4, (c / 2) % 2, c % 2);
            goto done;
        }
        v->means[c] = sum[c] / cnt[c];
    }
    v->n_cell[0] = (size_t)(cnt[6] + cnt[7]);
    v->n_cell[1] = (size_t)(cnt[4] + cnt[5]);
    v->n_cell[2] = (size_t)(cnt[2] + cnt[3]);
    v->n_cell[3] = (size_t)(cnt[0] + cnt[1]);
    size_t near[4] = {0};
    int fell[4] = {0};
    for (int j = 3; j >= 1; j--) {
        if ((rc = pair_did(ctx, o->method, n, k, y, T, sub, X, j, j == 1 ? -1.0 : 1.0,
                           &v->did[3 - j], r->inf, &near[j], o->pscore_fallback, &fell[j]))) {
            if (rc != KS_ENOMEM) { /* say which comparison failed */
                char msg[512];
                snprintf(msg, sizeof msg, "%s", ks_errmsg(ctx));
                rc = ks__fail(ctx, rc, "the comparison with the %s subgroup: %s", pair_names[j],
                              msg);
            }
            goto done;
        }
    }
    v->n_near_one = near[1] + near[2] + near[3];
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
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++) mean += r->inf[i];
        mean /= (double)n;
        for (size_t i = 0; i < n; i++) ss += (r->inf[i] - mean) * (r->inf[i] - mean);
        v->se = sqrt(ss / (double)(n - 1)) / sqrt((double)n);
    }
    const double q = ks_normal_quantile(1.0 - o->alpha / 2.0);
    ks__infer(v->att, v->se, 0.0, q, &v->tstat, &v->pvalue, &v->ci_lower, &v->ci_upper);
    v->inf = r->inf;
    *out = r;
    r = NULL;
done:
    ks__free(ctx, buf);
    ks__free(ctx, sub);
    ks__free(ctx, cc);
    ks_did_ddd_free(r);
    return rc;
}
