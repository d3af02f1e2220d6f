/* feols.c — linear regression with absorbed fixed effects: parse, build the used rows, demean
 * (Frisch–Waugh–Lovell), accurate least squares, then the variance with fixest's small-sample
 * corrections (see regress.h for the exact factors). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "feols_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

static const ks__enum_entry vcov_names[] = {{"iid", KS_VCOV_IID},       {"HC1", KS_VCOV_HC1},
                                            {"HC2", KS_VCOV_HC2},       {"HC3", KS_VCOV_HC3},
                                            {"CRV1", KS_VCOV_CRV1},     {"hetero", KS_VCOV_HC1},
                                            {"HC2-BM", KS_VCOV_HC2_BM}, {"CR2", KS_VCOV_CR2}};
KS__ENUM_FUNCS(ks_vcov_kind, ks_vcov_kind, "vcov", vcov_names)

struct ks_feols {
    ks_allocator alloc;
    size_t k;
    char **names;
    double *coef, *se, *V;
    double *infer; /* 5 k: t statistics, p-values, interval bounds, degrees of freedom */
    ks__bm *bm;    /* HC2-BM / CR2: what a combination's degrees of freedom need */
    unsigned char *dropped;
    ks_feols_view v; /* its sizes and numbers; ks_feols_get adds the pointers */
    char **fe_names;
    size_t *fe_levels;
    double *resid; /* nrow */
    char vcov_label[256];
};

static void model_free_with(const ks_allocator *a, ks_feols *m)
{
    for (size_t j = 0; m->names && j < m->k; j++) ks__release(a, m->names[j]);
    for (size_t d = 0; m->fe_names && d < m->v.n_fe; d++) ks__release(a, m->fe_names[d]);
    ks__release(a, m->names);
    ks__release(a, m->fe_names);
    ks__release(a, m->fe_levels);
    ks__release(a, m->coef);
    ks__release(a, m->se);
    ks__release(a, m->V);
    ks__release(a, m->infer);
    ks__release(a, m->dropped);
    ks__release(a, m->resid);
    ks__bm_free(a, m->bm);
    ks__release(a, m);
}

void ks_feols_free(ks_feols *m)
{
    if (!m) return;
    const ks_allocator a = m->alloc; /* m itself is freed last */
    model_free_with(&a, m);
}

static int clustered(ks_vcov_kind v) { return v == KS_VCOV_CRV1 || v == KS_VCOV_CR2; }

static int parse_cluster(ks_ctx *ctx, ks_vcov_kind v, const char *spec, feols_cluster_spec *cs)
{
    memset(cs, 0, sizeof *cs);
    if (!spec || !*spec)
        return ks__fail(ctx, KS_EINVAL, "vcov %s: no cluster column given", ks_vcov_kind_name(v));
    const char *p = spec;
    while (*p) {
        while (*p == ' ') p++;
        const char *e = p;
        while (*e && *e != '+') e++;
        const char *end = e;
        while (end > p && end[-1] == ' ') end--;
        if (end == p) return ks__fail(ctx, KS_EINVAL, "cluster '%s': empty column name", spec);
        if (cs->n == KS_MAX_CLUSTER)
            return ks__fail(ctx, KS_EINVAL, "cluster '%s': at most %d dimensions", spec,
                           KS_MAX_CLUSTER);
        ks_term *t = &cs->terms[cs->n];
        t->name = ks__malloc(ctx, (size_t)(end - p) + 1);
        t->vars = ks__calloc(ctx, 1, sizeof *t->vars);
        if (!t->name || !t->vars) {
            ks__free(ctx, t->name);
            ks__free(ctx, t->vars);
            t->name = NULL;
            t->vars = NULL;
            return KS_ENOMEM;
        }
        memcpy(t->name, p, (size_t)(end - p));
        t->name[end - p] = '\0';
        t->vars[0] = t->name;
        t->nvars = 1;
        cs->n++;
        p = *e ? e + 1 : e;
    }
    return KS_OK;
}

static void cluster_spec_free(ks_ctx *ctx, feols_cluster_spec *cs)
{
    for (size_t c = 0; c < cs->n; c++) {
        ks__free(ctx, cs->terms[c].name);
        ks__free(ctx, cs->terms[c].vars);
    }
    cs->n = 0;
}

/* Codes of the intersection of two cluster dimensions, by factorizing the pairs. */
static int cluster_intersection(ks_ctx *ctx, feols_data *d)
{
    const size_t n = d->n;
    int64_t *a = ks__malloc_array(ctx, n, sizeof *a), *b = ks__malloc_array(ctx, n, sizeof *b);
    int64_t *codes = ks__malloc_array(ctx, n, sizeof *codes);
    d->cl[2] = ks__malloc_array(ctx, n, sizeof(int32_t));
    ks_table *t = NULL;
    int rc = (!a || !b || !codes || !d->cl[2]) ? KS_ENOMEM : ks_table_new(ctx, n, &t);
    if (!rc) {
        for (size_t i = 0; i < n; i++) {
            a[i] = d->cl[0][i];
            b[i] = d->cl[1][i];
        }
        rc = ks_table_add_int64_borrowed(ctx, t, "a", a);
        if (!rc) rc = ks_table_add_int64_borrowed(ctx, t, "b", b);
        size_t cols[2] = {0, 1};
        if (!rc)
            rc = ks_table_factorize(ctx, t, cols, 2, codes, ks_table_nrow(t), &d->cl_levels[2]);
        if (!rc)
            for (size_t i = 0; i < n; i++) d->cl[2][i] = (int32_t)codes[i];
    }
    ks_table_free(t);
    ks__free(ctx, a);
    ks__free(ctx, b);
    ks__free(ctx, codes);
    return rc;
}

/* Is every level of fixed effect `fe` inside one cluster? */
static int nested_in(ks_ctx *ctx, const int32_t *fe, size_t nlev, const int32_t *cl, size_t n,
                     int *nested)
{
    int32_t *owner = ks__malloc_array(ctx, nlev, sizeof *owner);
    if (!owner) return KS_ENOMEM;
    for (size_t l = 0; l < nlev; l++) owner[l] = -1;
    *nested = 1;
    for (size_t i = 0; i < n && *nested; i++) {
        if (owner[fe[i]] < 0)
            owner[fe[i]] = cl[i];
        else if (owner[fe[i]] != cl[i])
            *nested = 0;
    }
    ks__free(ctx, owner);
    return KS_OK;
}

/* K of the small-sample factor (pyfixest get_ssc, k_fixef = "nonnested"). */
static int dof_k(ks_ctx *ctx, const ks_formula *f, const feols_data *d, const ks_feols_options *o,
                 const feols_cluster_spec *cs, size_t kk, size_t *K)
{
    size_t kfe = 0;
    for (size_t j = 0; j < d->nfe; j++) kfe += d->fe_levels[j];
    if (d->nfe > 1) kfe -= d->nfe - 1;
    size_t nested_levels = 0, nested_dims = 0;
    if (o->vcov == KS_VCOV_CRV1 && o->ssc_fixef_nested) {
        const size_t ncl = cs->n == 2 ? 3 : cs->n;
        for (size_t j = 0; j < d->nfe; j++) {
            int nested = 0;
            for (size_t c = 0; c < cs->n && !nested; c++)
                nested = !strcmp(f->fe[j].name, cs->terms[c].name);
            for (size_t c = 0; c < ncl && !nested; c++) {
                int rc = nested_in(ctx, d->fe[j], d->fe_levels[j], d->cl[c], d->n, &nested);
                if (rc) return rc;
            }
            if (nested) {
                nested_levels += d->fe_levels[j];
                nested_dims++;
            }
        }
    }
    *K = kk + kfe - nested_levels + nested_dims;
    return KS_OK;
}

typedef struct {
    size_t k;  /* coefficients incl. intercept */
    double *X; /* n x k design (demeaned with FE) */
    double *y; /* n (demeaned with FE) */
    double tss, tss_within;
    size_t iters;
} design;

static double wsum_sq_centered(const double *y, const double *w, size_t n, int center)
{
    double sw = 0.0, m = 0.0;
    if (center) {
        for (size_t i = 0; i < n; i++) {
            const double wi = w ? w[i] : 1.0;
            sw += wi;
            m += wi * y[i];
        }
        m /= sw;
    }
    double s = 0.0;
    for (size_t i = 0; i < n; i++) s += (w ? w[i] : 1.0) * (y[i] - m) * (y[i] - m);
    return s;
}

/* Demean y and the regressors; flag regressors that the fixed effects absorb. */
static int build_design(ks_ctx *ctx, const ks_formula *f, feols_data *d, const ks_feols_options *o,
                        design *ds, unsigned char *absorbed)
{
    const size_t n = d->n;
    ds->k = f->nterms + (f->intercept ? 1 : 0);
    ds->y = d->V; /* column 0 */
    ds->tss = wsum_sq_centered(ds->y, d->w, n, f->intercept || d->nfe);
    double *norm0 = ks__calloc(ctx, d->nvar, sizeof *norm0);
    if (!norm0) return KS_ENOMEM;
    for (size_t c = 1; c < d->nvar; c++) norm0[c] = wsum_sq_centered(d->V + c * n, d->w, n, 0);
    if (d->nfe) {
        ks_fe_index fe = {n, d->nfe, d->fe, d->fe_levels, d->w, NULL};
        fe.wsum = ks__calloc(ctx, d->nfe, sizeof *fe.wsum);
        int rc = fe.wsum ? KS_OK : KS_ENOMEM;
        for (size_t j = 0; !rc && j < d->nfe; j++) {
            double *ws = ks__calloc(ctx, d->fe_levels[j], sizeof *ws);
            if (!ws) {
                rc = KS_ENOMEM;
                break;
            }
            for (size_t i = 0; i < n; i++) ws[d->fe[j][i]] += d->w ? d->w[i] : 1.0;
            fe.wsum[j] = ws;
        }
        if (!rc)
            rc = ks__fe_demean(ctx, &fe, d->V, d->nvar, o->fe_tol, o->fe_maxiter, &ds->iters);
        for (size_t j = 0; fe.wsum && j < d->nfe; j++) ks__free(ctx, fe.wsum[j]);
        ks__free(ctx, fe.wsum);
        if (rc) {
            ks__free(ctx, norm0);
            return rc;
        }
        ds->tss_within = wsum_sq_centered(ds->y, d->w, n, 0);
        for (size_t c = 1; c < d->nvar; c++) {
            const double after = wsum_sq_centered(d->V + c * n, d->w, n, 0);
            absorbed[c - 1] = !(after > o->collin_tol * o->collin_tol * norm0[c]);
        }
    }
    ks__free(ctx, norm0);
    if (f->intercept) {
        ds->X = ks__malloc_array(ctx, n, ds->k * sizeof *ds->X);
        if (!ds->X) return KS_ENOMEM;
        for (size_t i = 0; i < n; i++) ds->X[i] = 1.0;
        memcpy(ds->X + n, d->V + n, n * f->nterms * sizeof *ds->X);
    } else {
        ds->X = d->V + n; /* borrowed */
    }
    return KS_OK;
}

static int alloc_model(ks_ctx *ctx, const ks_formula *f, const feols_data *d, size_t k,
                       ks_feols **out)
{
    ks_feols *m = ks__calloc(ctx, 1, sizeof *m);
    if (!m) return KS_ENOMEM;
    m->alloc = ctx->alloc;
    m->k = k;
    m->v.n_fe = d->nfe;
    m->names = ks__calloc(ctx, k + 1, sizeof *m->names);
    m->coef = ks__malloc_array(ctx, k + 1, sizeof *m->coef);
    m->se = ks__malloc_array(ctx, k + 1, sizeof *m->se);
    m->V = ks__malloc_array(ctx, k * k + 1, sizeof *m->V);
    m->infer = ks__malloc_array(ctx, 5 * k + 1, sizeof *m->infer);
    m->dropped = ks__calloc(ctx, k + 1, 1);
    m->fe_names = ks__calloc(ctx, d->nfe + 1, sizeof *m->fe_names);
    m->fe_levels = ks__calloc(ctx, d->nfe + 1, sizeof *m->fe_levels);
    *out = m;
    if (!m->names || !m->coef || !m->se || !m->V || !m->infer || !m->dropped || !m->fe_names ||
        !m->fe_levels)
        return KS_ENOMEM;
    size_t j = 0;
    if (f->intercept && !(m->names[j++] = ks__strdup(ctx, "Intercept"))) return KS_ENOMEM;
    for (size_t t = 0; t < f->nterms; t++)
        if (!(m->names[j++] = ks__strdup(ctx, f->terms[t].name))) return KS_ENOMEM;
    for (size_t e = 0; e < d->nfe; e++) {
        if (!(m->fe_names[e] = ks__strdup(ctx, f->fe[e].name))) return KS_ENOMEM;
        m->fe_levels[e] = d->fe_levels[e];
    }
    return KS_OK;
}

/* 1 / (the sum of weights, or rows) of each level of the first fixed effect. */
static int level_inverse_sums(ks_ctx *ctx, const feols_data *d, const double **out)
{
    double *s = ks__calloc(ctx, d->fe_levels[0] + 1, sizeof *s);
    if (!s) return KS_ENOMEM;
    for (size_t i = 0; i < d->n; i++) s[d->fe[0][i]] += d->w ? d->w[i] : 1.0;
    for (size_t l = 0; l < d->fe_levels[0]; l++) s[l] = s[l] > 0 ? 1.0 / s[l] : 0.0;
    *out = s;
    return KS_OK;
}

/* Which fixed effect, if any, enters the Bell-McCaffrey hat matrix (regress.h's layouts). */
static int bm_layout(ks_ctx *ctx, const ks_feols *m, const ks_feols_options *o, const feols_data *d,
                     ks_bm_layout *lay)
{
    const int cr2 = o->vcov == KS_VCOV_CR2;
    const char *name = ks_vcov_kind_name(o->vcov);
    *lay = (ks_bm_layout){cr2 ? d->cl[0] : NULL, cr2 ? d->cl_levels[0] : d->n, NULL, 0};
    size_t nested = 0;
    for (size_t j = 0; j < d->nfe; j++) {
        int in_cluster = 0, holds_clusters = !cr2;
        if (cr2) {
            int rc = nested_in(ctx, d->fe[j], d->fe_levels[j], d->cl[0], d->n, &in_cluster);
            if (!rc && !in_cluster)
                rc = nested_in(ctx, d->cl[0], d->cl_levels[0], d->fe[j], d->n, &holds_clusters);
            if (rc) return rc;
        }
        if (in_cluster) {
            nested++;
        } else if (holds_clusters && !lay->fe) {
            lay->fe = d->fe[j];
            lay->L = d->fe_levels[j];
        } else {
            return ks__fail(ctx, KS_EINVAL,
                            "vcov %s: fixed effect '%s' is not nested in the cluster%s%s%s: give "
                            "it as regressors (dummies)",
                            name, m->fe_names[j], cr2 ? " '" : "s (rows)", cr2 ? o->cluster : "",
                            cr2 ? "'" : "");
        }
    }
    if (lay->fe && nested)
        return ks__fail(ctx, KS_EINVAL,
                        "vcov %s: fixed effects both nested in and containing the clusters: give "
                        "the containing one as regressors (dummies)",
                        name);
    return KS_OK;
}

/* HC2-BM / CR2: the sandwich, each coefficient's Satterthwaite df, and the state lincom uses. */
static int fill_bm(ks_ctx *ctx, ks_feols *m, const ks_feols_options *o, const feols_data *d,
                   const ks_vcov_input *in, size_t K)
{
    const char *name = ks_vcov_kind_name(o->vcov);
    const size_t k = in->k;
    if (d->w) return ks__fail(ctx, KS_EINVAL, "vcov %s: weights are not supported", name);
    if (o->vcov == KS_VCOV_CR2 && d->ncl != 1)
        return ks__fail(ctx, KS_EINVAL, "vcov CR2: one cluster column (got '%s')", o->cluster);
    ks_bm_layout lay;
    int rc = bm_layout(ctx, m, o, d, &lay);
    if (!rc) rc = ks__vcov_bm(ctx, in, &lay, m->V, &m->bm);
    if (rc) return rc;
    if (o->vcov == KS_VCOV_CR2) {
        m->v.nclusters[0] = d->cl_levels[0];
        m->v.df_t = (double)d->cl_levels[0] - 1;
        snprintf(m->vcov_label, sizeof m->vcov_label, "CR2: %s", o->cluster);
    } else {
        m->v.df_t = (double)d->n - (double)K;
        snprintf(m->vcov_label, sizeof m->vcov_label, "HC2-BM");
    }
    double *c = ks__calloc(ctx, k + 1, sizeof *c);
    if (!c) return KS_ENOMEM;
    for (size_t j = 0; j < k && !rc; j++) {
        m->infer[4 * k + j] = NAN;
        if (in->dropped[j]) continue;
        c[j] = 1.0;
        rc = ks__bm_df(ctx, m->bm, c, &m->infer[4 * k + j]);
        c[j] = 0.0;
    }
    ks__free(ctx, c);
    for (size_t j = 0; j < k; j++) m->se[j] = sqrt(m->V[j + j * k]);
    return rc;
}

/* Variance with small-sample factors; fills m->V, m->se, df and cluster counts. */
static int fill_vcov(ks_ctx *ctx, ks_feols *m, const ks_feols_options *o, const feols_data *d,
                     const design *ds, const ks_lstsq_view *ls, size_t K)
{
    const size_t n = d->n, k = ds->k;
    const double nn = (double)n, KK = (double)K;
    ks_vcov_input in = {n, k, ds->X, ls->resid, d->w, ls->cov_unscaled, ls->dropped, NULL, NULL};
    int rc = KS_OK;
    if (o->vcov == KS_VCOV_IID) {
        const double s2 = ls->rss / (nn - KK);
        for (size_t i = 0; i < k * k; i++) m->V[i] = s2 * ls->cov_unscaled[i];
        m->v.df_t = nn - KK;
        snprintf(m->vcov_label, sizeof m->vcov_label, "iid");
    } else if (o->vcov == KS_VCOV_HC2_BM || o->vcov == KS_VCOV_CR2) {
        return fill_bm(ctx, m, o, d, &in, K);
    } else if (o->vcov != KS_VCOV_CRV1) {
        if (o->vcov != KS_VCOV_HC1 && d->nfe > 1)
            return ks__fail(ctx, KS_EINVAL,
                            "vcov %s takes at most one fixed effect (the leverage of several "
                            "absorbed dimensions is not computed): give '%s' as regressors "
                            "(dummies), or use HC1 or CRV1",
                            ks_vcov_kind_name(o->vcov), m->fe_names[1]);
        if (d->nfe && o->vcov != KS_VCOV_HC1) {
            in.fe = d->fe[0];
            if ((rc = level_inverse_sums(ctx, d, &in.fe_winv))) return rc;
        }
        rc = ks__vcov_hetero(ctx, &in, o->vcov, m->V);
        ks__free(ctx, (double *)in.fe_winv);
        if (rc) return rc;
        const double adj = o->vcov == KS_VCOV_HC1 && o->ssc_adj ? nn / (nn - KK) : 1.0;
        for (size_t i = 0; i < k * k; i++) m->V[i] *= adj;
        m->v.df_t = nn - KK;
        snprintf(m->vcov_label, sizeof m->vcov_label, "HC%d", (int)o->vcov);
    } else {
        const size_t nd = d->ncl == 2 ? 3 : 1;
        size_t gmin = d->cl_levels[0];
        for (size_t c = 0; c < d->ncl; c++) gmin = d->cl_levels[c] < gmin ? d->cl_levels[c] : gmin;
        double *Vc = ks__malloc_array(ctx, k * k + 1, sizeof *Vc);
        if (!Vc) return KS_ENOMEM;
        for (size_t i = 0; i < k * k; i++) m->V[i] = 0.0;
        for (size_t c = 0; c < nd && !rc; c++) {
            const double G = (double)(o->ssc_cluster_min ? gmin : d->cl_levels[c]);
            rc = ks__vcov_cluster(ctx, &in, d->cl[c], d->cl_levels[c], Vc);
            double adj = (o->ssc_adj ? (nn - 1) / (nn - KK) : 1.0) *
                         (o->ssc_cluster_adj ? G / (G - 1) : 1.0) * (c == 2 ? -1.0 : 1.0);
            for (size_t i = 0; !rc && i < k * k; i++) m->V[i] += adj * Vc[i];
            m->v.nclusters[c] = d->cl_levels[c];
        }
        ks__free(ctx, Vc);
        m->v.df_t = (double)gmin - 1;
        snprintf(m->vcov_label, sizeof m->vcov_label, "CRV1: %s", o->cluster);
        if (!rc && gmin < 2) { /* the scores sum to zero in one cluster: no variance to estimate */
            for (size_t i = 0; i < k * k; i++) m->V[i] = NAN;
            ks__log(ctx, KS_LOG_WARN,
                   "CRV1: cluster '%s' has %zu cluster%s; the clustered variance needs at least 2: "
                   "standard errors are NaN",
                   o->cluster, gmin, gmin == 1 ? "" : "s");
        }
    }
    for (size_t j = 0; j < k; j++) m->se[j] = sqrt(m->V[j + j * k]);
    return rc;
}

static void log_removed(ks_ctx *ctx, const feols_data *d)
{
    if (d->n_na) ks__log(ctx, KS_LOG_INFO, "%zu observations removed because of NA values", d->n_na);
    if (d->n_zero_weight)
        ks__log(ctx, KS_LOG_INFO, "%zu observations removed because of zero weights",
               d->n_zero_weight);
    if (d->n_singletons)
        ks__log(ctx, KS_LOG_INFO, "%zu fixed-effect singletons removed", d->n_singletons);
}

static int fit(ks_ctx *ctx, const ks_table *t, const ks_formula *f, const ks_feols_options *o,
               const feols_cluster_spec *cs, ks_feols **out)
{
    feols_data d;
    int rc = ks__feols_data_build(ctx, t, f, o, cs, &d);
    if (rc) return rc;
    design ds = {0};
    ks_lstsq_result *ls = NULL;
    ks_feols *m = NULL;
    unsigned char *absorbed = ks__calloc(ctx, f->nterms + 1, 1);
    if (!absorbed) rc = KS_ENOMEM;
    if (!rc && d.ncl == 2) rc = cluster_intersection(ctx, &d);
    if (!rc) rc = build_design(ctx, f, &d, o, &ds, absorbed);
    if (!rc) rc = alloc_model(ctx, f, &d, ds.k, &m);
    if (rc) goto done;
    log_removed(ctx, &d);
    /* Regressors the fixed effects absorbed are zeroed, so the QR drops them too. */
    const size_t off = f->intercept ? 1 : 0;
    for (size_t t2 = 0; t2 < f->nterms; t2++)
        if (absorbed[t2]) memset(ds.X + (t2 + off) * d.n, 0, d.n * sizeof *ds.X);
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.rank_tol = o->collin_tol;
    if ((rc = ks_lstsq(ctx, d.n, ds.k, ds.X, d.n, ds.y, d.w, &lo, &ls))) goto done;
    ks_lstsq_view lv;
    ks_lstsq_get(ls, &lv);
    size_t K;
    if ((rc = dof_k(ctx, f, &d, o, cs, lv.rank, &K))) goto done;
    if (d.n <= K) {
        rc = ks__fail(ctx, KS_EEMPTY, "not enough observations: %zu used for %zu coefficients%s",
                     d.n, K, d.nfe ? " (fixed effects included)" : "");
        goto done;
    }
    for (size_t j = 0; j < ds.k; j++) {
        m->coef[j] = lv.coef[j];
        m->dropped[j] = lv.dropped[j];
        if (lv.dropped[j])
            ks__log(ctx, KS_LOG_WARN, "'%s' removed because of collinearity%s", m->names[j],
                   j >= off && absorbed[j - off] ? " with the fixed effects" : "");
    }
    if ((rc = fill_vcov(ctx, m, o, &d, &ds, &lv, K))) goto done;
    if (d.n == d.nrow) { /* every row used: the residuals are already in table order */
        m->resid = ks__lstsq_take_resid(ls);
    } else {
        if (!(m->resid = ks__malloc_array(ctx, d.nrow, sizeof *m->resid))) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < d.nrow; i++) m->resid[i] = NAN;
        for (size_t r = 0; r < d.n; r++) m->resid[d.rows[r]] = lv.resid[r];
    }
    ks_feols_view *in = &m->v;
    in->nobs = d.n;
    in->n_na = d.n_na;
    in->n_singletons = d.n_singletons;
    in->n_zero_weight = d.n_zero_weight;
    in->df_k = K;
    in->rss = lv.rss;
    in->r2 = 1.0 - lv.rss / ds.tss;
    const double centered = (f->intercept || d.nfe) ? 1.0 : 0.0;
    in->adj_r2 = 1.0 - (lv.rss / (double)(d.n - K)) / (ds.tss / ((double)d.n - centered));
    in->r2_within = d.nfe ? 1.0 - lv.rss / ds.tss_within : NAN;
    in->sigma = sqrt(lv.rss / (double)(d.n - K));
    in->fe_iterations = ds.iters;
    in->vcov_kind = o->vcov;
    in->nrow = d.nrow;
    in->alpha = o->alpha;
    /* the inference of each coefficient: t, two-sided t(df_t) p-value, 1 - alpha interval */
    const size_t k = ds.k;
    const int bm = o->vcov == KS_VCOV_HC2_BM || o->vcov == KS_VCOV_CR2;
    for (size_t j = 0; j < k; j++) {
        const double df = bm ? m->infer[4 * k + j] : in->df_t;
        const double t = m->coef[j] / m->se[j], q = ks_t_quantile(1.0 - o->alpha / 2.0, df);
        m->infer[j] = t;
        m->infer[k + j] = isnan(t) ? NAN : 2.0 * ks_t_cdf(-fabs(t), df);
        m->infer[2 * k + j] = m->coef[j] - q * m->se[j];
        m->infer[3 * k + j] = m->coef[j] + q * m->se[j];
        m->infer[4 * k + j] = df;
    }
done:
    if (rc && m) {
        model_free_with(&ctx->alloc, m);
        m = NULL;
    }
    ks_lstsq_free(ls);
    if (f->intercept) ks__free(ctx, ds.X);
    ks__free(ctx, absorbed);
    ks__feols_data_free(&ctx->alloc, &d);
    *out = m;
    return rc;
}

int ks_feols_fit(ks_ctx *ctx, const ks_table *t, const char *formula, const ks_feols_options *opt,
                 ks_feols **out)
{
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "feols: out is NULL");
    *out = NULL;
    if (o.vcov < KS_VCOV_IID || o.vcov > KS_VCOV_CR2)
        return ks__fail(ctx, KS_EINVAL, "feols: unknown vcov kind %d", (int)o.vcov);
    if (!(o.fe_tol > 0) || o.fe_maxiter < 1)
        return ks__fail(ctx, KS_EINVAL, "feols: fe_tol must be > 0 and fe_maxiter >= 1");
    if (!(o.alpha > 0 && o.alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "feols: alpha must be in (0, 1) (got %g)", o.alpha);
    ks_formula f;
    int rc = ks__formula_parse(ctx, formula, &f);
    if (rc) return rc;
    feols_cluster_spec cs = {0};
    if (clustered(o.vcov)) rc = parse_cluster(ctx, o.vcov, o.cluster, &cs);
    if (!rc) rc = fit(ctx, t, &f, &o, &cs, out);
    cluster_spec_free(ctx, &cs);
    ks__formula_free(ctx, &f);
    return rc;
}

struct ks_feols_design {
    ks_allocator alloc;
    feols_data d;
    ks_feols_design_view v;
    double *X_own; /* X with the intercept column added, else NULL (X is a view into d.V) */
};

void ks_feols_design_free(ks_feols_design *w)
{
    if (!w) return;
    const ks_allocator a = w->alloc; /* w itself is freed last */
    ks__release(&a, w->X_own);
    ks__feols_data_free(&a, &w->d);
    ks__release(&a, w);
}

int ks_feols_design_build(ks_ctx *ctx, const ks_table *t, const char *formula,
                          const ks_feols_options *opt, ks_feols_design **out)
{
    ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!out) return ks__fail(ctx, KS_EINVAL, "feols design: out is NULL");
    *out = NULL;
    ks_feols_design *w = ks__calloc(ctx, 1, sizeof *w);
    if (!w) return KS_ENOMEM;
    w->alloc = ctx->alloc;
    ks_formula f;
    int rc = ks__formula_parse(ctx, formula, &f);
    if (rc) {
        ks__free(ctx, w);
        return rc;
    }
    feols_cluster_spec cs = {0};
    if (clustered(o.vcov)) rc = parse_cluster(ctx, o.vcov, o.cluster, &cs);
    design ds = {0};
    unsigned char *absorbed = ks__calloc(ctx, f.nterms + 1, 1);
    if (!rc && !absorbed) rc = KS_ENOMEM;
    if (!rc) rc = ks__feols_data_build(ctx, t, &f, &o, &cs, &w->d);
    if (!rc) rc = build_design(ctx, &f, &w->d, &o, &ds, absorbed);
    if (!rc) {
        const size_t off = f.intercept ? 1 : 0;
        for (size_t j = 0; j < f.nterms; j++)
            if (absorbed[j]) memset(ds.X + (j + off) * w->d.n, 0, w->d.n * sizeof *ds.X);
        w->X_own = f.intercept ? ds.X : NULL;
        w->v.n = w->d.n;
        w->v.k = ds.k;
        w->v.X = ds.X;
        w->v.y = ds.y;
        w->v.w = w->d.w;
        w->v.rows = w->d.rows;
        w->v.cluster = w->d.ncl ? w->d.cl[0] : NULL;
        w->v.ncluster = w->d.ncl ? w->d.cl_levels[0] : 0;
    } else if (f.intercept) {
        ks__free(ctx, ds.X);
    }
    ks__free(ctx, absorbed);
    cluster_spec_free(ctx, &cs);
    ks__formula_free(ctx, &f);
    if (rc)
        ks_feols_design_free(w);
    else
        *out = w;
    return rc;
}

void ks_feols_design_get(const ks_feols_design *w, ks_feols_design_view *out) { *out = w->v; }

void ks_feols_get(const ks_feols *m, ks_feols_view *out)
{
    const size_t k = m->k;
    *out = m->v;
    out->ncoef = k;
    out->names = (const char *const *)m->names;
    out->coef = m->coef;
    out->se = m->se;
    out->tstat = m->infer;
    out->pvalue = m->infer + k;
    out->ci_lower = m->infer + 2 * k;
    out->ci_upper = m->infer + 3 * k;
    out->df = m->infer + 4 * k;
    out->collinear = m->dropped;
    out->vcov = m->V;
    out->resid = m->resid;
    out->vcov_label = m->vcov_label;
    out->fe_names = (const char *const *)m->fe_names;
    out->fe_levels = m->fe_levels;
}

int ks_feols_confint(ks_ctx *ctx, const ks_feols *m, double alpha, double *lo, double *hi,
                     size_t out_len)
{
    if (!(alpha > 0 && alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "feols confint: alpha must be in (0, 1) (got %g)", alpha);
    if (out_len < m->k)
        return ks__fail(ctx, KS_EINVAL, "feols confint: lo and hi need %zu values (got %zu)", m->k,
                        out_len);
    for (size_t j = 0; j < m->k; j++) {
        const double q = ks_t_quantile(1.0 - alpha / 2.0, m->infer[4 * m->k + j]);
        lo[j] = m->coef[j] - q * m->se[j];
        hi[j] = m->coef[j] + q * m->se[j];
    }
    return KS_OK;
}

int ks_feols_lincom(ks_ctx *ctx, const ks_feols *m, const double *w, size_t nw, double alpha,
                    ks_feols_estimate *out)
{
    if (nw != m->k)
        return ks__fail(ctx, KS_EINVAL,
                        "feols lincom: w needs %zu values, one per coefficient (got %zu)", m->k,
                        nw);
    if (!(alpha > 0 && alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "feols lincom: alpha must be in (0, 1) (got %g)", alpha);
    for (size_t j = 0; j < nw; j++)
        if (!isfinite(w[j]))
            return ks__fail(ctx, KS_EINVAL, "feols lincom: w[%zu] is not a finite number", j);
    *out = (ks_feols_estimate){NAN, NAN, NAN, NAN, NAN, NAN, NAN};
    /* a dropped (collinear) coefficient is not identified: with weight it makes w'b undefined,
     * without it is left out of the sums */
    for (size_t j = 0; j < nw; j++)
        if (m->dropped[j] && w[j] != 0) return KS_OK;
    /* w'b, and w'Vw summed as (w'V) w */
    const size_t k = m->k;
    double est = 0, var = 0;
    for (size_t j = 0; j < k; j++)
        if (!m->dropped[j]) est += w[j] * m->coef[j];
    for (size_t j = 0; j < k; j++) {
        if (m->dropped[j]) continue;
        double u = 0;
        for (size_t i = 0; i < k; i++)
            if (!m->dropped[i]) u += w[i] * m->V[i + j * k];
        var += u * w[j];
    }
    out->estimate = est;
    out->se = sqrt(var);
    out->df = m->v.df_t;
    if (m->bm) {
        int rc = ks__bm_df(ctx, m->bm, w, &out->df);
        if (rc) return rc;
    }
    /* as the view's: t(df) two-sided p-value and 1 - alpha interval */
    ks__infer(est, out->se, out->df, ks_t_quantile(1.0 - alpha / 2.0, out->df), &out->tstat,
              &out->pvalue, &out->ci_lower, &out->ci_upper);
    return KS_OK;
}
