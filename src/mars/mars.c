/* mars.c — a MARS fit end to end as R's earth makes it: options and their defaults, the forward
 * pass, dependent columns removed, the backward pass and the GCV choice, the final least
 * squares, variable importance (earth's evimp), and the fitted model's accessors. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "mars/mars_internal.h"

struct ks_mars {
    ks_allocator alloc;
    ks_mars_view v;
    ks__mars_terms terms;
    size_t *selected, *prune_terms;
    double *coef, *stats, *glm, *cv; /* coef points into stats */
    int *glm_iter;
    char **names; /* p predictor then ny response names (pointers into name_text), or NULL */
    char *name_text;
};

static const ks__enum_entry pmethod_names[] = {{"backward", KS_MARS_PRUNE_BACKWARD},
                                               {"none", KS_MARS_PRUNE_NONE},
                                               {"exhaustive", KS_MARS_PRUNE_EXHAUSTIVE},
                                               {"cv", KS_MARS_PRUNE_CV}};
KS__ENUM_FUNCS(ks_mars_pmethod, ks_mars_pmethod, "pmethod", pmethod_names)

static const ks__enum_entry family_names[] = {
    {"gaussian", KS_MARS_GAUSSIAN}, {"binomial", KS_MARS_BINOMIAL}, {"poisson", KS_MARS_POISSON}};
KS__ENUM_FUNCS(ks_mars_family, ks_mars_family, "family", family_names)

/* Why the forward pass stopped, in earth's words (its print of termcond). */
static const ks__enum_entry stop_names[] = {
    {"max_terms < 3", KS_MARS_STOP_NK_SMALL},
    {"GRSq -Inf", KS_MARS_STOP_GRSQ_INF},
    {"GRSq below -10", KS_MARS_STOP_GRSQ_LOW},
    {"RSq changed by less than thresh", KS_MARS_STOP_THRESH},
    {"RSq above 1 - thresh", KS_MARS_STOP_RSQ_ONE},
    {"no new term increases RSq", KS_MARS_STOP_NO_TERM},
    {"reached max_terms", KS_MARS_STOP_MAX_TERMS}};
KS__ENUM_FUNCS(ks_mars_stop, ks_mars_stop, "termcond", stop_names)

void ks_mars_free(ks_mars *m)
{
    if (!m) return;
    const ks_allocator a = m->alloc;
    ks__mars_terms_free(&a, &m->terms);
    ks__release(&a, m->selected);
    ks__release(&a, m->prune_terms);
    ks__release(&a, m->stats);
    ks__release(&a, m->glm);
    ks__release(&a, m->cv);
    ks__release(&a, m->glm_iter);
    ks__release(&a, m->names);
    ks__release(&a, m->name_text);
    ks__release(&a, m);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* n names: none NULL or empty, none twice (sorted, so that many predictors cost n log n). */
static int check_names(ks_ctx *ctx, const char *what, const char *const *names, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if (!names[j] || !*names[j])
            return ks__fail(ctx, KS_EINVAL, "mars: %s name %zu is empty", what, j + 1);
    const char **s = ks__malloc_array(ctx, n ? n : 1, sizeof *s);
    if (!s) return KS_ENOMEM;
    if (n) memcpy(s, names, n * sizeof *s);
    qsort(s, n, sizeof *s, cmp_str);
    int rc = KS_OK;
    for (size_t j = 1; j < n && !rc; j++)
        if (!strcmp(s[j], s[j - 1]))
            rc = ks__fail(ctx, KS_EINVAL, "mars: %s name '%s' appears twice", what, s[j]);
    ks__free(ctx, s);
    return rc;
}

int ks_mars_set_names(ks_ctx *ctx, ks_mars *m, const char *const *predictors,
                      const char *const *targets)
{
    const size_t p = m->v.p, ny = m->v.ny;
    int rc = predictors ? check_names(ctx, "predictor", predictors, p) : KS_OK;
    if (!rc && targets) rc = check_names(ctx, "response", targets, ny);
    if (rc) return rc;
    size_t bytes = 0, count;
    for (size_t j = 0; predictors && j < p; j++) bytes += strlen(predictors[j]) + 1;
    for (size_t j = 0; targets && j < ny; j++) bytes += strlen(targets[j]) + 1;
    if (!ks__size_add(p, ny, &count)) return ks__fail(ctx, KS_EOVERFLOW, "mars: too many names");
    char **names = ks__calloc(ctx, count, sizeof *names);
    char *text = ks__malloc(ctx, bytes ? bytes : 1);
    if (!names || !text) {
        ks__free(ctx, names);
        ks__free(ctx, text);
        return KS_ENOMEM;
    }
    char *at = text;
    for (size_t j = 0; j < count; j++) {
        const char *s =
            j < p ? (predictors ? predictors[j] : NULL) : (targets ? targets[j - p] : NULL);
        if (!s) continue;
        names[j] = at;
        at = stpcpy(at, s) + 1;
    }
    ks__free(ctx, m->names);
    ks__free(ctx, m->name_text);
    m->names = names;
    m->name_text = text;
    m->v.predictor_names = predictors ? (const char *const *)names : NULL;
    m->v.target_names = targets ? (const char *const *)names + p : NULL;
    return KS_OK;
}

void ks_mars_get(const ks_mars *m, ks_mars_view *out) { *out = m->v; }

int ks__mars_lstsq(ks_ctx *ctx, size_t n, size_t k, const double *B, size_t ny, const double *Y,
               const double *w, double *coef, double *rss)
{
    ks_lstsq_options lo = KS_LSTSQ_OPTIONS_INIT;
    lo.want_cov = 0;
    lo.want_resid = 0;
    lo.rank_tol = 1e-7; /* R's lm.fit tolerance, as earth's final fit */
    lo.refine = KS_REFINE_NEVER; /* Householder QR alone, as lm.fit: coefficients to ~1e-14 */
    for (size_t r = 0; r < ny; r++) {
        ks_lstsq_result *res = NULL;
        int rc = ks_lstsq(ctx, n, k, B, n, Y + r * n, w, &lo, &res);
        if (rc) return rc;
        ks_lstsq_view lv;
        ks_lstsq_get(res, &lv);
        if (lv.rank < k) {
            size_t j = 0;
            while (j < k && !lv.dropped[j]) j++;
            ks_lstsq_free(res);
            return ks__fail(ctx, KS_ENUMERIC,
                            "mars: the selected terms are collinear (term %zu of the subset)", j);
        }
        memcpy(coef + r * k, lv.coef, k * sizeof *coef);
        rss[r] = lv.rss;
        ks_lstsq_free(res);
    }
    return KS_OK;
}

/* Variable importance as earth's evimp: over the best subsets of sizes 2 .. the selected size,
 * each predictor in a subset's terms gets a count, and the GCV and RSS drops from the subset one
 * term smaller; the drops are scaled as 100 sqrt(value / max). */
static void evimp(ks_mars_view *v, const ks__mars_terms *t, size_t nsel, double *ns, double *eg,
                  double *er)
{
    const size_t p = v->p, M = t->nterms;
    for (size_t j = 0; j < p; j++) ns[j] = eg[j] = er[j] = 0.0;
    for (size_t s = 2; s <= nsel; s++) {
        const size_t *row = v->prune_terms + (s - 1) * M;
        for (size_t j = 0; j < p; j++) {
            int in = 0;
            for (size_t a = 0; a < s && !in; a++)
                for (size_t k = t->term_start[row[a]]; k < t->term_start[row[a] + 1]; k++)
                    in |= t->factor[k].pred == (int)j;
            if (!in) continue;
            ns[j] += 1.0;
            eg[j] += v->gcv_per_subset[s - 2] - v->gcv_per_subset[s - 1];
            er[j] += v->rss_per_subset[s - 2] - v->rss_per_subset[s - 1];
        }
    }
    for (int which = 0; which < 2; which++) {
        double *x = which ? er : eg, mx = 0.0;
        for (size_t j = 0; j < p; j++) mx = fabs(x[j]) > mx ? fabs(x[j]) : mx;
        if (mx > 0.0)
            for (size_t j = 0; j < p; j++)
                x[j] = 100.0 * (x[j] < 0 ? -1.0 : 1.0) * sqrt(fabs(x[j]) / mx);
    }
}

/* The model's arrays for M terms, p predictors, ny responses, and the view's pointers into them
 * (stats: rss and gcv per subset, four per-response vectors, evimp, forward RSq, coefficients). */
static int model_arrays(ks_ctx *ctx, ks_mars *m, size_t M, size_t p, size_t ny)
{
    const size_t S = 2 * M + 4 * ny + 3 * p + M + M * ny;
    m->stats = ks__calloc(ctx, S ? S : 1, sizeof *m->stats);
    m->prune_terms = ks__calloc(ctx, M ? M * M : 1, sizeof *m->prune_terms);
    m->selected = ks__malloc_array(ctx, M ? M : 1, sizeof *m->selected);
    if (!m->stats || !m->prune_terms || !m->selected) return KS_ENOMEM;
    ks_mars_view *v = &m->v;
    double *st = m->stats;
    v->rss_per_subset = st;
    v->gcv_per_subset = st + M;
    v->rss_per_response = st + 2 * M;
    v->rsq_per_response = v->rss_per_response + ny;
    v->gcv_per_response = v->rsq_per_response + ny;
    v->grsq_per_response = v->gcv_per_response + ny;
    v->evimp_nsubsets = v->grsq_per_response + ny;
    v->evimp_gcv = v->evimp_nsubsets + p;
    v->evimp_rss = v->evimp_gcv + p;
    v->forward_rsq = v->evimp_rss + p;
    m->coef = st + 2 * M + 4 * ny + 3 * p + M;
    v->coef = m->coef;
    v->prune_terms = m->prune_terms;
    v->selected = m->selected;
    v->term_start = m->terms.term_start; /* (the terms are there before the arrays) */
    v->factor = m->terms.factor;
    v->term_parent = m->terms.parent;
    v->p = p;
    v->ny = ny;
    v->nterms = M;
    return KS_OK;
}

/* The GLM's arrays (coefficients nsel x ny, deviance, null deviance, iterations) and the view's
 * pointers into them. */
static int glm_arrays(ks_ctx *ctx, ks_mars *m, size_t nsel, size_t ny)
{
    m->glm = ks__malloc_array(ctx, nsel * ny + 2 * ny, sizeof *m->glm);
    m->glm_iter = ks__calloc(ctx, ny, sizeof *m->glm_iter);
    if (!m->glm || !m->glm_iter) return KS_ENOMEM;
    m->v.glm_coef = m->glm;
    m->v.glm_deviance = m->glm + nsel * ny;
    m->v.glm_null_deviance = m->glm + nsel * ny + ny;
    m->v.glm_iterations = m->glm_iter;
    return KS_OK;
}

static int check_inputs(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny,
                        const double *Y, const double *w, const ks_mars_options *o)
{
    if (n < 2) return ks__fail(ctx, KS_EINVAL, "mars: need at least 2 cases; got %zu sample", n);
    if (p < 1) return ks__fail(ctx, KS_EINVAL, "mars: need at least one predictor");
    if (ny < 1) return ks__fail(ctx, KS_EINVAL, "mars: need a response");
    if (o->max_degree < 1)
        return ks__fail(ctx, KS_EINVAL, "max_degree: %d is below 1", o->max_degree);
    if (o->max_terms < 0) return ks__fail(ctx, KS_EINVAL, "max_terms: %d is negative", o->max_terms);
    if (!(o->thresh >= 0.0 && o->thresh < 1.0))
        return ks__fail(ctx, KS_EINVAL, "thresh: %g is not in [0, 1)", o->thresh);
    if (!isnan(o->penalty) && !(o->penalty >= 0.0 || o->penalty == -1.0))
        return ks__fail(ctx, KS_EINVAL, "penalty: %g must be >= 0 or -1", o->penalty);
    if (o->endspan < 0) return ks__fail(ctx, KS_EINVAL, "endspan: %d is negative", o->endspan);
    if (o->minspan > (int)(n < (size_t)INT32_MAX ? n : INT32_MAX))
        return ks__fail(ctx, KS_EINVAL, "minspan: %d exceeds the %zu cases", o->minspan, n);
    if (o->endspan > (int)(n < (size_t)INT32_MAX ? n : INT32_MAX))
        return ks__fail(ctx, KS_EINVAL, "endspan: %d exceeds the %zu cases", o->endspan, n);
    if (!(o->adjust_endspan >= 0.0 && o->adjust_endspan <= 10.0))
        return ks__fail(ctx, KS_EINVAL, "adjust_endspan: %g is not in [0, 10]", o->adjust_endspan);
    if (!(o->fast_beta >= 0.0))
        return ks__fail(ctx, KS_EINVAL, "fast_beta: %g is negative", o->fast_beta);
    if (!(o->newvar_penalty >= 0.0))
        return ks__fail(ctx, KS_EINVAL, "newvar_penalty: %g is negative", o->newvar_penalty);
    if ((unsigned)o->pmethod > KS_MARS_PRUNE_CV)
        return ks__fail(ctx, KS_EINVAL, "pmethod: unknown value %d", (int)o->pmethod);
    if (o->nprune < 0) return ks__fail(ctx, KS_EINVAL, "nprune: %d is negative", o->nprune);
    if (o->pmethod == KS_MARS_PRUNE_CV && o->nfold < 2)
        return ks__fail(ctx, KS_EINVAL, "nfold: %d folds; cross-validation needs at least 2",
                       o->nfold);
    if ((unsigned)o->family > KS_MARS_POISSON)
        return ks__fail(ctx, KS_EINVAL, "family: unknown value %d", (int)o->family);
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < n; i++) {
            const double x = X[j * n + i];
            if (isnan(x) && o->allow_missing) continue;
            if (!isfinite(x))
                return ks__fail(ctx, KS_EINVAL,
                               "X: column %zu row %zu is %s%s", j + 1, i + 1,
                               isnan(x) ? "missing" : "infinite",
                               isnan(x) ? " (allow_missing accepts missing values)" : "");
        }
    for (size_t r = 0; r < ny; r++)
        for (size_t i = 0; i < n; i++) {
            const double y = Y[r * n + i];
            if (!isfinite(y))
                return ks__fail(ctx, KS_EINVAL, "y: column %zu row %zu is %s", r + 1, i + 1,
                               isnan(y) ? "missing" : "infinite");
            if (o->family == KS_MARS_BINOMIAL && !(y >= 0.0 && y <= 1.0))
                return ks__fail(ctx, KS_EINVAL,
                               "y: column %zu row %zu is %g; the binomial family needs values "
                               "in [0, 1]",
                               r + 1, i + 1, y);
            if (o->family == KS_MARS_POISSON && !(y >= 0.0))
                return ks__fail(ctx, KS_EINVAL,
                               "y: column %zu row %zu is %g; the Poisson family needs counts "
                               ">= 0",
                               r + 1, i + 1, y);
        }
    if (w)
        for (size_t i = 0; i < n; i++)
            if (!(w[i] >= 0.0 && isfinite(w[i])))
                return ks__fail(ctx, KS_EINVAL, "weights: row %zu is %g; weights must be finite "
                                               "and >= 0",
                               i + 1, w[i]);
    if (w && o->newvar_penalty != 0.0)
        return ks__fail(ctx, KS_EINVAL, "newvar_penalty must be 0 with case weights (as earth)");
    return KS_OK;
}

static int fit(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny, const double *Y,
               const double *w, const ks_mars_options *opt, ks_mars **out);

/* BLAS threads off for the fit (its products are small; spinning BLAS threads would compete
 * with the knot scan's). */
int ks_mars_fit(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny, const double *Y,
                const double *w, const ks_mars_options *opt, ks_mars **out)
{
    ks__blas_set_threads(1);
    const int rc = fit(ctx, n, p, X, ny, Y, w, opt, out);
    ks__blas_set_threads(ctx->nthreads);
    return rc;
}

static int fit(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny, const double *Y,
               const double *w, const ks_mars_options *opt, ks_mars **out)
{
    *out = NULL;
    ks_mars_options o = KS_MARS_OPTIONS_INIT;
    if (opt) o = *opt;
    int rc = check_inputs(ctx, n, p, X, ny, Y, w, &o);
    if (rc) return rc;
    /* earth's defaults */
    if (o.max_terms == 0) {
        const size_t two_p = 2 * p > 20 ? 2 * p : 20;
        o.max_terms = (int)((two_p < 200 ? two_p : 200) + 1);
    }
    if (isnan(o.penalty)) o.penalty = o.max_degree > 1 ? 3.0 : 2.0;
    if (o.fast_k <= 0) o.fast_k = 10001;
    if (o.fast_k < 3) o.fast_k = 3;
    /* weights: all equal are no weights; the tiny are raised to mean / 1e8 (earth) */
    double *wbuf = NULL;
    const double *wu = NULL;
    if (w) {
        int equal = 1, any = 0;
        double mean = 0.0;
        for (size_t i = 0; i < n; i++) any |= w[i] > 0.0;
        if (!any) return ks__fail(ctx, KS_EINVAL, "weights: every weight is zero");
        for (size_t i = 0; i < n; i++) {
            equal &= fabs(w[i] - w[0]) <= 1e-8;
            mean += w[i] / (double)n;
        }
        if (!equal) {
            if (!(mean > 0.0)) return ks__fail(ctx, KS_EINVAL, "weights: all are zero");
            wbuf = ks__malloc_array(ctx, n, sizeof *wbuf);
            if (!wbuf) return KS_ENOMEM;
            for (size_t i = 0; i < n; i++) wbuf[i] = w[i] < mean / 1e8 ? mean / 1e8 : w[i];
            wu = wbuf;
        }
    }
    ks_mars *m = ks__calloc(ctx, 1, sizeof *m);
    double *B = NULL, *Rf = NULL;
    if (!m) {
        ks__free(ctx, wbuf);
        return KS_ENOMEM;
    }
    m->alloc = ctx->alloc;
    const ks__mars_data d = {n, p, ny, X, Y, wu};
    if ((rc = ks__mars_forward(ctx, &d, &o, &m->terms))) goto fail;
    ks__mars_terms *t = &m->terms;
    /* the forward pass's terms (dependent columns already out) on the cases */
    const size_t M = t->nterms;
    B = ks__malloc_array(ctx, n, M * sizeof *B);
    if (!B) {
        rc = KS_ENOMEM;
        goto fail;
    }
    ks__mars_eval_terms(t, n, X, NULL, M, B);
    /* the backward pass */
    if ((rc = model_arrays(ctx, m, M, p, ny))) goto fail;
    ks_mars_view *v = &m->v;
    double *rss_ps = (double *)v->rss_per_subset, *gcv_ps = (double *)v->gcv_per_subset;
    double *rpr = (double *)v->rss_per_response, *rqpr = (double *)v->rsq_per_response;
    double *gpr = (double *)v->gcv_per_response, *gqpr = (double *)v->grsq_per_response;
    double *ev = (double *)v->evimp_nsubsets, *fwd_rsq = (double *)v->forward_rsq;
    const size_t nvmax = o.nprune > 0 && (size_t)o.nprune < M ? (size_t)o.nprune : M;
    ks_mars_pmethod pm = o.pmethod;
    if (ny > 1 && pm == KS_MARS_PRUNE_EXHAUSTIVE) {
        ks__log(ctx, KS_LOG_WARN, "mars: pmethod exhaustive needs one response; backward is used");
        pm = KS_MARS_PRUNE_BACKWARD;
    }
    Rf = ks__malloc_array(ctx, (M + ny) * (M + ny), sizeof *Rf);
    if (!Rf) {
        rc = KS_ENOMEM;
        goto fail;
    }
    if ((rc = ks__mars_prune_path(ctx, n, M, B, ny, Y, wu, pm, nvmax, rss_ps, m->prune_terms, Rf)))
        goto fail;
    for (size_t k = 1; k <= M; k++) gcv_ps[k - 1] = ks__mars_gcv(rss_ps[k - 1], k, o.penalty, n);
    size_t nsel = 1;
    if (o.pmethod == KS_MARS_PRUNE_NONE) {
        nsel = nvmax;
        for (size_t j = 0; j < nsel; j++) m->selected[j] = j;
    } else if (o.pmethod == KS_MARS_PRUNE_CV) { /* the size with the best out-of-fold RSq */
        if (!(m->cv = ks__malloc_array(ctx, M, sizeof *m->cv))) {
            rc = KS_ENOMEM;
            goto fail;
        }
        if ((rc = ks__mars_cv_rsq(ctx, n, p, X, ny, Y, wu, &o, M, m->cv))) goto fail;
        for (size_t k = 2; k <= nvmax; k++)
            if (m->cv[k - 1] > m->cv[nsel - 1]) nsel = k;
        memcpy(m->selected, m->prune_terms + (nsel - 1) * M, nsel * sizeof *m->selected);
        v->cv_rsq = m->cv;
    } else {
        for (size_t k = 2; k <= nvmax; k++)
            if (gcv_ps[k - 1] < gcv_ps[nsel - 1]) nsel = k;
        memcpy(m->selected, m->prune_terms + (nsel - 1) * M, nsel * sizeof *m->selected);
    }
    for (size_t k = 0; k < M; k++) {
        if (rss_ps[k] < 1e-10) rss_ps[k] = 0.0;
        if (gcv_ps[k] < 1e-10) gcv_ps[k] = 0.0;
    }
    /* the final least squares on the selected terms, in the space of the QR factor */
    if ((rc = ks__mars_subset_fit(ctx, Rf, M, ny, m->selected, nsel, m->coef, rpr))) goto fail;
    double *Bs = B; /* the selected columns compacted in place (increasing), for a GLM */
    for (size_t j = 0; j < nsel; j++)
        if (m->selected[j] != j) memcpy(Bs + j * n, B + m->selected[j] * n, n * sizeof *B);
    double rss = 0.0;
    for (size_t r = 0; r < ny; r++) {
        const double *yr = Y + r * n;
        double sw = 0.0, swy = 0.0, t0 = 0.0;
        for (size_t i = 0; i < n; i++) {
            const double wi = wu ? wu[i] : 1.0;
            sw += wi;
            swy += wi * yr[i];
        }
        for (size_t i = 0; i < n; i++) {
            const double wi = wu ? wu[i] : 1.0, e = yr[i] - swy / sw;
            t0 += wi * e * e;
        }
        rqpr[r] = 1.0 - rpr[r] / t0;
        gpr[r] = ks__mars_gcv(rpr[r], nsel, o.penalty, n);
        gqpr[r] = 1.0 - gpr[r] / ks__mars_gcv(t0, 1, o.penalty, n);
        rss += rpr[r];
    }
    for (size_t j = 0; j < M; j++) fwd_rsq[j] = t->rsq[j];
    v->n = n;
    v->p = p;
    v->ny = ny;
    v->nterms = M;
    v->nselected = nsel;
    v->selected = m->selected;
    v->coef = m->coef;
    v->rss = rss;
    v->rsq = 1.0 - rss / rss_ps[0];
    v->gcv = ks__mars_gcv(rss, nsel, o.penalty, n);
    v->grsq = 1.0 - v->gcv / gcv_ps[0];
    v->termcond = t->termcond;
    v->forward_nk_used = t->slots_used;
    v->penalty = o.penalty;
    v->max_degree = o.max_degree;
    v->nk = o.max_terms;
    evimp(v, t, nsel, ev, ev + p, ev + 2 * p);
    v->family = o.family;
    if (o.family != KS_MARS_GAUSSIAN) { /* earth's glm=: R's glm() on the selected basis */
        if ((rc = glm_arrays(ctx, m, nsel, ny))) goto fail;
        for (size_t r = 0; r < ny; r++)
            if ((rc = ks__mars_glm(ctx, o.family, n, nsel, Bs, Y + r * n, wu, m->glm + r * nsel,
                               m->glm + nsel * ny + r, m->glm + nsel * ny + ny + r,
                               m->glm_iter + r)))
                goto fail;
    }
    ks__free(ctx, B);
    ks__free(ctx, Rf);
    ks__free(ctx, wbuf);
    *out = m;
    return KS_OK;
fail:
    ks__free(ctx, B);
    ks__free(ctx, Rf);
    ks__free(ctx, wbuf);
    ks_mars_free(m);
    return rc;
}

/* out (out_len values) holds n x cols, or KS_EINVAL naming the size needed. */
static int check_out(ks_ctx *ctx, const char *what, size_t n, size_t cols, const char *cname,
                     size_t out_len)
{
    size_t need;
    if (!ks__size_mul(n, cols, &need))
        return ks__fail(ctx, KS_EOVERFLOW, "mars %s: %zu cases x %zu %s do not fit", what, n, cols,
                        cname);
    if (out_len < need)
        return ks__fail(ctx, KS_EINVAL,
                        "mars %s: out has room for %zu values; %zu needed (%zu cases x %zu %s)",
                        what, out_len, need, n, cols, cname);
    return KS_OK;
}

int ks_mars_basis(ks_ctx *ctx, const ks_mars *m, size_t n, const double *X, double *out,
                  size_t out_len)
{
    const int rc = check_out(ctx, "basis", n, m->v.nselected, "terms", out_len);
    if (rc) return rc;
    ks__mars_eval_terms(&m->terms, n, X, m->selected, m->v.nselected, out);
    return KS_OK;
}

int ks_mars_predict(ks_ctx *ctx, const ks_mars *m, size_t n, const double *X, double *out,
                    size_t out_len)
{
    const size_t k = m->v.nselected, ny = m->v.ny;
    const int rc = check_out(ctx, "predict", n, ny, "responses", out_len);
    if (rc) return rc;
    double *B = ks__malloc_array(ctx, n ? n : 1, k * sizeof *B);
    if (!B) return KS_ENOMEM;
    ks__mars_eval_terms(&m->terms, n, X, m->selected, k, B);
    const double *coef = m->v.family != KS_MARS_GAUSSIAN ? m->v.glm_coef : m->v.coef;
    for (size_t r = 0; r < ny; r++)
        for (size_t i = 0; i < n; i++) {
            double s = 0.0;
            for (size_t j = 0; j < k; j++) s += B[j * n + i] * coef[r * k + j];
            if (m->v.family == KS_MARS_BINOMIAL) s = 1.0 / (1.0 + exp(-s));
            if (m->v.family == KS_MARS_POISSON) s = exp(s);
            out[r * n + i] = s;
        }
    ks__free(ctx, B);
    return KS_OK;
}

int ks_mars_from_parts(ks_ctx *ctx, const ks_mars_view *v, ks_mars **out)
{
    *out = NULL;
    const size_t M = v->nterms, p = v->p, ny = v->ny, nsel = v->nselected;
    if (M < 1 || p < 1 || ny < 1 || nsel < 1 || nsel > M || !v->term_start || !v->factor ||
        !v->selected || !v->coef)
        return ks__fail(ctx, KS_EINVAL, "mars: a model needs terms, a selection and coefficients");
    for (size_t j = 0; j < M; j++)
        if (v->term_start[j + 1] < v->term_start[j])
            return ks__fail(ctx, KS_EINVAL, "mars: term %zu has a negative number of factors", j);
    const size_t nf = v->term_start[M];
    for (size_t k = 0; k < nf; k++) {
        const ks_mars_factor *f = &v->factor[k];
        if (f->pred < 0 || (size_t)f->pred >= p || !(f->dir == 1 || f->dir == -1 || f->dir == 2 ||
                                                     f->dir == 3 || f->dir == -3))
            return ks__fail(ctx, KS_EINVAL, "mars: factor %zu (predictor %d, dir %d) is not valid",
                           k, f->pred, f->dir);
    }
    for (size_t j = 0; j < nsel; j++)
        if (v->selected[j] >= M || (j && v->selected[j] <= v->selected[j - 1]))
            return ks__fail(ctx, KS_EINVAL, "mars: selected term %zu is out of order or range", j);
    if (v->family != KS_MARS_GAUSSIAN && !v->glm_coef)
        return ks__fail(ctx, KS_EINVAL, "mars: a GLM model needs its coefficients");
    ks_mars *m = ks__calloc(ctx, 1, sizeof *m);
    if (!m) return KS_ENOMEM;
    m->alloc = ctx->alloc;
    ks__mars_terms *t = &m->terms;
    t->nterms = M;
    t->term_start = ks__malloc_array(ctx, M + 1, sizeof *t->term_start);
    t->factor = ks__malloc_array(ctx, nf ? nf : 1, sizeof *t->factor);
    t->parent = ks__malloc_array(ctx, M, sizeof *t->parent);
    t->rsq = ks__malloc_array(ctx, M, sizeof *t->rsq);
    int rc = t->term_start && t->factor && t->parent && t->rsq ? model_arrays(ctx, m, M, p, ny)
                                                               : KS_ENOMEM;
    if (rc == KS_OK && v->family != KS_MARS_GAUSSIAN) rc = glm_arrays(ctx, m, nsel, ny);
    if (rc) {
        ks_mars_free(m);
        return rc;
    }
    memcpy(t->term_start, v->term_start, (M + 1) * sizeof *t->term_start);
    if (nf) memcpy(t->factor, v->factor, nf * sizeof *t->factor);
    for (size_t j = 0; j < M; j++) {
        t->parent[j] = v->term_parent ? v->term_parent[j] : -1;
        t->rsq[j] = v->forward_rsq ? v->forward_rsq[j] : NAN;
    }
    ks_mars_view *w = &m->v;
    double *st = m->stats;
    /* statistics not given are NaN */
    const size_t S = 2 * M + 4 * ny + 3 * p + M;
    for (size_t i = 0; i < S; i++) st[i] = NAN;
#define COPY(field, len)                                                                           \
    if (v->field) memcpy((double *)w->field, v->field, (len) * sizeof(double))
    COPY(rss_per_subset, M);
    COPY(gcv_per_subset, M);
    COPY(rss_per_response, ny);
    COPY(rsq_per_response, ny);
    COPY(gcv_per_response, ny);
    COPY(grsq_per_response, ny);
    COPY(evimp_nsubsets, p);
    COPY(evimp_gcv, p);
    COPY(evimp_rss, p);
    COPY(forward_rsq, M);
#undef COPY
    if (v->prune_terms) memcpy(m->prune_terms, v->prune_terms, M * M * sizeof *m->prune_terms);
    memcpy(m->selected, v->selected, nsel * sizeof *m->selected);
    memcpy(m->coef, v->coef, nsel * ny * sizeof *m->coef);
    w->n = v->n;
    w->nselected = nsel;
    w->rss = v->rss;
    w->rsq = v->rsq;
    w->gcv = v->gcv;
    w->grsq = v->grsq;
    w->termcond = v->termcond;
    w->forward_nk_used = v->forward_nk_used;
    w->penalty = v->penalty;
    w->max_degree = v->max_degree;
    w->nk = v->nk;
    w->family = v->family;
    if (m->glm) {
        memcpy(m->glm, v->glm_coef, nsel * ny * sizeof *m->glm);
        for (size_t r = 0; r < 2 * ny; r++) m->glm[nsel * ny + r] = NAN;
        if (v->glm_deviance) memcpy(m->glm + nsel * ny, v->glm_deviance, ny * sizeof *m->glm);
        if (v->glm_null_deviance)
            memcpy(m->glm + nsel * ny + ny, v->glm_null_deviance, ny * sizeof *m->glm);
        if (v->glm_iterations) memcpy(m->glm_iter, v->glm_iterations, ny * sizeof *m->glm_iter);
    }
    if ((v->predictor_names || v->target_names) &&
        (rc = ks_mars_set_names(ctx, m, v->predictor_names, v->target_names))) {
        ks_mars_free(m);
        return rc;
    }
    *out = m;
    return KS_OK;
}
