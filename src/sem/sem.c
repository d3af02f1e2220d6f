/* sem.c — the public SEM fit (include/kestrel/sem.h): the model parsed (syntax.c), made into
 * lavaan's parameter table (partable.c), compiled and fitted (engine.h), its standard errors,
 * defined parameters and constraints (defined.c), fit measures and standardized solutions
 * (fit_measures.h), gathered into the handle the view reads. */
#include <math.h>
#include <string.h>

#include "kestrel/sem.h"
#include "linalg/linalg_internal.h"
#include "sem/engine.h"
#include "sem/fit_measures.h"
#include "sem/sem_internal.h"

static const ks__enum_entry estimator_names[] = {
    {"ML", KS_SEM_ML},   {"GLS", KS_SEM_GLS},   {"ULS", KS_SEM_ULS},   {"DWLS", KS_SEM_DWLS},
    {"WLS", KS_SEM_WLS}, {"ml", KS_SEM_ML},     {"gls", KS_SEM_GLS},   {"uls", KS_SEM_ULS},
    {"dwls", KS_SEM_DWLS}, {"wls", KS_SEM_WLS}};
KS__ENUM_FUNCS(ks_sem_estimator, ks_sem_estimator, "estimator", estimator_names)

static const ks__enum_entry call_names[] = {
    {"sem", KS_SEM_CALL_SEM}, {"cfa", KS_SEM_CALL_CFA}, {"lavaan", KS_SEM_CALL_LAVAAN}};
KS__ENUM_FUNCS(ks_sem_call, ks_sem_call, "model call", call_names)

static const ks__enum_entry se_names[] = {
    {"standard", KS_SEM_SE_STANDARD}, {"sandwich", KS_SEM_SE_SANDWICH}, {"none", KS_SEM_SE_NONE}};
KS__ENUM_FUNCS(ks_sem_se, ks_sem_se, "se", se_names)

struct ks_sem {
    ks_allocator alloc;
    ks_sem_view v;
    ks__sem_partable *table; /* the view's names point into it */
    double *block;           /* the view's numbers, one allocation */
    int *free;               /* the view's free numbers */
    const char **names;      /* the view's string arrays */
};

void ks_sem_free(ks_sem *s)
{
    if (!s) return;
    ks__sem_partable_free(s->table);
    ks__release(&s->alloc, s->block);
    ks__release(&s->alloc, s->free);
    ks__release(&s->alloc, s->names);
    ks__release(&s->alloc, s);
}

void ks_sem_get(const ks_sem *s, ks_sem_view *out) { *out = s->v; }

/* What a fit works on, in the table's observed-variable order. */
typedef struct {
    size_t p;
    double *S;     /* p x p */
    double nobs;
    double *W;     /* DWLS: pstar; WLS: pstar x pstar; or NULL */
    double *gamma; /* pstar x pstar, or NULL */
} sample_in;

static ks__sem_estimator engine_estimator(ks_sem_estimator e)
{
    switch (e) {
    case KS_SEM_GLS: return KS__SEM_GLS;
    case KS_SEM_ULS: return KS__SEM_ULS;
    case KS_SEM_DWLS: return KS__SEM_DWLS;
    case KS_SEM_WLS: return KS__SEM_WLS;
    default: return KS__SEM_ML;
    }
}

/* vech position of (i, j), i >= j, in the column-wise lower triangle of a p x p matrix. */
static size_t vech_at(size_t p, size_t i, size_t j)
{
    if (i < j) {
        const size_t t = i;
        i = j;
        j = t;
    }
    return j * p - j * (j - 1) / 2 + (i - j);
}

static int check_options(ks_ctx *ctx, const ks_sem_options *o)
{
    if (!ks_sem_estimator_name(o->estimator))
        return ks__fail(ctx, KS_EINVAL, "estimator: %d is not an estimator", (int)o->estimator);
    if (!ks_sem_call_name(o->call))
        return ks__fail(ctx, KS_EINVAL, "call: %d is not sem, cfa or lavaan", (int)o->call);
    if (!ks_sem_se_name(o->se))
        return ks__fail(ctx, KS_EINVAL, "se: %d is not a kind of standard error", (int)o->se);
    if (!(o->level > 0 && o->level < 1))
        return ks__fail(ctx, KS_EINVAL, "level: %g is not in (0, 1)", o->level);
    if (o->se == KS_SEM_SE_SANDWICH && !o->gamma)
        return ks__fail(ctx, KS_EINVAL, "se = sandwich needs gamma (the sampling covariance of "
                                        "the sample covariances)");
    if ((o->estimator == KS_SEM_DWLS || o->estimator == KS_SEM_WLS) && !o->wls_v)
        return ks__fail(ctx, KS_EINVAL,
                        "estimator %s needs wls_v, the weight matrix (lavaan's WLS.V); weights "
                        "computed from raw data are not supported yet",
                        ks_sem_estimator_name(o->estimator));
    return KS_OK;
}

/* The caller's pstar-ordered matrix (or diagonal) in the sample's variable order, taken into
 * the table's order: perm[i] is the sample index of the table's observed variable i. */
static int take_vech_matrix(ks_ctx *ctx, const char *what, const double *x, size_t len, size_t q,
                            const size_t *perm, size_t p, int diag_ok, double **out, int *diag)
{
    const size_t qstar = q * (q + 1) / 2, pstar = p * (p + 1) / 2;
    *diag = diag_ok && len == qstar;
    if (!*diag && len != qstar * qstar)
        return ks__fail(ctx, KS_EINVAL, "%s: %zu values; expected %zu x %zu%s", what, len, qstar,
                        qstar, diag_ok ? " or the diagonal's" : "");
    double *o = ks__calloc(ctx, *diag ? pstar : pstar * pstar, sizeof *o);
    if (!o) return KS_ENOMEM;
    for (size_t b = 0; b < p; b++)
        for (size_t a = b; a < p; a++) {
            const size_t r = vech_at(p, a, b), rs = vech_at(q, perm[a], perm[b]);
            if (*diag) {
                o[r] = x[rs];
                continue;
            }
            for (size_t d = 0; d < p; d++)
                for (size_t c = d; c < p; c++) {
                    const size_t k = vech_at(p, c, d), ks = vech_at(q, perm[c], perm[d]);
                    o[r + k * pstar] = x[rs + ks * qstar];
                }
        }
    *out = o;
    return KS_OK;
}

static double total_variance(const ks__sem_work *w, size_t m, size_t i)
{
    /* the implied covariance of all variables is B S B'; its diagonal entry i */
    double s = 0;
    for (size_t a = 0; a < m; a++) {
        const double ba = w->B[i + a * m];
        if (ba == 0) continue;
        for (size_t b = 0; b < m; b++) s += ba * w->Sm[a + b * m] * w->B[i + b * m];
    }
    return s;
}

static int is_constraint(const char *op)
{
    return !strcmp(op, "==") || !strcmp(op, "<") || !strcmp(op, ">");
}

/* The fit proper, once the table and the sample (in its order) are known. Takes t: it ends in
 * the fit, or is freed. */
static int fit_table(ks_ctx *ctx, ks__sem_partable *t, const sample_in *in,
                     const ks_sem_options *o, ks_sem **out)
{
    const size_t p = in->p, nrow = t->npar, nth = t->nfree, nvar = t->nov + t->nlv;
    ks__sem_defined *def = NULL;
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    ks_sem *s = NULL;
    double *tmp = NULL;
    int rc = ks__sem_defined_build(ctx, t, &def);
    if (!rc) rc = ks__sem_model_compile(ctx, t, NULL, &m);
    if (!rc) rc = ks__sem_work_new(ctx, m, &w);
    if (rc) goto done;
    const size_t ndef = ks__sem_defined_count(def), ncall = ks__sem_constraint_count(def);
    size_t nview = 0, ncon = 0;
    for (size_t r = 0; r < nrow; r++)
        if (!is_constraint(t->par[r].op))
            nview++;
        else if (t->par[r].user == 1)
            ncon++;
    /* scratch: est, vcov, theta, theta_std, the definitions' values and Jacobian, the
       constraints' values, the variables' total variances, est_std twice */
    const size_t ntmp = nrow + nth * nth + 2 * nth + ndef + ndef * nth + ncall + nvar + 2 * nrow + 1;
    tmp = ks__calloc(ctx, ntmp, sizeof *tmp);
    s = ks__calloc(ctx, 1, sizeof *s);
    if (s) s->alloc = ctx->alloc;
    if (!tmp || !s) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *est = tmp, *vcov = est + nrow, *theta = vcov + nth * nth, *theta_std = theta + nth;
    double *dval = theta_std + nth, *djac = dval + ndef, *cval = djac + ndef * nth;
    double *var = cval + ncall, *std_lv = var + nvar, *std_all = std_lv + nrow;

    /* the fit */
    if ((rc = ks__sem_start(ctx, m, in->S, est))) goto done;
    const ks__sem_problem pb = {engine_estimator(o->estimator), in->S, in->nobs, in->W, NULL,
                                o->tol, o->max_iter};
    ks__sem_fit_info info;
    if ((rc = ks__sem_fit(ctx, m, w, &pb, est, &info))) goto done;
    if (info.status != KS__SEM_CONVERGED)
        ks__log(ctx, KS_LOG_WARN,
                "the optimizer stopped after %d iterations with the largest gradient element "
                "%.3g, above the tolerance: the estimates may not be the optimum",
                info.iterations, info.max_grad);
    s->block = ks__calloc(ctx, 8 * nview + KS__SEM_FIT_MAX + 2 * p * p + ncon + 1, sizeof *s->block);
    s->free = ks__calloc(ctx, nview + 1, sizeof *s->free);
    s->names = ks__calloc(ctx, 4 * nview + KS__SEM_FIT_MAX + 3 * ncon + 1, sizeof *s->names);
    if (!s->block || !s->free || !s->names) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *scov = s->block, *icov = scov + p * p, *fitv = icov + p * p, *slack = fitv + KS__SEM_FIT_MAX;
    double *vest = slack + ncon, *vse = vest + nview, *vz = vse + nview, *vp = vz + nview;
    double *vlo = vp + nview, *vhi = vlo + nview, *vslv = vhi + nview, *vsall = vslv + nview;
    double fx = 0;
    if ((rc = ks__sem_evaluate(ctx, m, w, &pb, est, icov, &fx, NULL, NULL))) goto done;
    memcpy(scov, in->S, p * p * sizeof *scov);
    if (o->se != KS_SEM_SE_NONE &&
        (rc = ks__sem_vcov(ctx, m, w, &pb, est, o->se == KS_SEM_SE_SANDWICH ? in->gamma : NULL,
                           vcov)))
        goto done;
    for (size_t i = 0; i < nvar; i++) var[i] = total_variance(w, m->m, i);

    /* definitions (values, delta-method SEs) and constraints at the estimates */
    ks__sem_model_view mv;
    ks__sem_model_get(m, &mv);
    for (size_t k = 0; k < nth; k++) theta[k] = est[mv.theta_row[k]];
    ks__sem_defined_eval(def, theta, dval, djac);
    for (size_t i = 0; i < ndef; i++) est[ks__sem_defined_row(def, i)] = dval[i];
    ks__sem_constraint_eval(def, theta, cval, NULL);

    /* standardized solutions; definitions evaluated at the standardized parameters */
    const ks__sem_std_input sin = {t, est, var, NULL, NULL, 0};
    for (int type = 0; type < 2; type++) {
        double *dst = type ? std_all : std_lv;
        if ((rc = ks__sem_standardize(ctx, &sin, type ? KS__SEM_STD_ALL : KS__SEM_STD_LV, dst,
                                      theta_std, NULL)))
            goto done;
        ks__sem_defined_eval(def, theta_std, dval, NULL);
        for (size_t i = 0; i < ndef; i++) dst[ks__sem_defined_row(def, i)] = dval[i];
    }

    /* the rows the view shows: every row but the constraints */
    const double q = ks_normal_quantile(1 - (1 - o->level) / 2);
    const char **names = s->names;
    size_t j = 0, di = 0;
    for (size_t r = 0; r < nrow; r++) {
        const ks__sem_par *pr = &t->par[r];
        if (is_constraint(pr->op)) continue;
        names[j] = pr->lhs;
        names[nview + j] = pr->op;
        names[2 * nview + j] = pr->rhs;
        names[3 * nview + j] = pr->label;
        s->free[j] = pr->free;
        vest[j] = est[r];
        const int defined = !strcmp(pr->op, ":=");
        double se = 0;
        if (o->se == KS_SEM_SE_NONE)
            se = NAN;
        else if (defined) { /* J Omega J' */
            while (ks__sem_defined_row(def, di) != r) di++;
            double acc = 0;
            for (size_t a = 0; a < nth; a++)
                for (size_t b = 0; b < nth; b++)
                    acc += djac[di + a * ndef] * vcov[a + b * nth] * djac[di + b * ndef];
            se = sqrt(fmax(acc, 0));
        } else if (pr->free > 0)
            se = sqrt(fmax(vcov[(size_t)(pr->free - 1) * (nth + 1)], 0));
        vse[j] = se;
        if (pr->free > 0 || defined)
            ks__infer(est[r], se, 0, q, &vz[j], &vp[j], &vlo[j], &vhi[j]);
        else { /* a fixed parameter: no test, its interval the value itself (as lavaan) */
            vz[j] = vp[j] = NAN;
            vlo[j] = vhi[j] = est[r];
        }
        vslv[j] = std_lv[r];
        vsall[j] = std_all[r];
        j++;
    }
    const char **cn = names + 4 * nview + KS__SEM_FIT_MAX;
    for (size_t i = 0, c = 0; i < ncall; i++) { /* the user's constraints with |slack| */
        const ks__sem_par *pr = &t->par[ks__sem_constraint_row(def, i)];
        if (pr->user != 1) continue;
        cn[c] = pr->lhs;
        cn[ncon + c] = pr->op;
        cn[2 * ncon + c] = pr->rhs;
        slack[c++] = fabs(cval[i]);
    }

    /* fit measures (the fixed.x covariates: the observed variables with an exo variance row) */
    size_t nfit = 0;
    if (o->estimator != KS_SEM_WLS) {
        ks__sem_fit_value fv[KS__SEM_FIT_MAX];
        size_t xidx[64], nx = 0;
        for (size_t i = 0; i < p; i++)
            for (size_t r = 0; r < nrow && nx < 64; r++)
                if (t->par[r].exo && !strcmp(t->par[r].op, "~~") &&
                    !strcmp(t->par[r].lhs, t->ov[i]) && !strcmp(t->par[r].rhs, t->ov[i])) {
                    xidx[nx++] = i;
                    break;
                }
        const ks__sem_est fe = o->estimator == KS_SEM_GLS    ? KS__SEM_EST_GLS
                               : o->estimator == KS_SEM_ULS  ? KS__SEM_EST_ULS
                               : o->estimator == KS_SEM_DWLS ? KS__SEM_EST_DWLS
                                                             : KS__SEM_EST_ML;
        const ks__sem_fit_input fin = {fe,       p,     in->S, icov, o->estimator == KS_SEM_DWLS ? in->W : NULL,
                                       in->nobs, mv.nx, xidx,  nx};
        if ((rc = ks__sem_fit_measures(ctx, &fin, fv, KS__SEM_FIT_MAX, &nfit))) goto done;
        for (size_t i = 0; i < nfit; i++) {
            names[4 * nview + i] = fv[i].name;
            fitv[i] = fv[i].value;
        }
    }

    ks_sem_view *v = &s->v;
    v->nrow = nview;
    v->lhs = names;
    v->op = names + nview;
    v->rhs = names + 2 * nview;
    v->label = names + 3 * nview;
    v->free = s->free;
    v->est = vest;
    v->se = vse;
    v->tstat = vz;
    v->pvalue = vp;
    v->ci_lower = vlo;
    v->ci_upper = vhi;
    v->std_lv = vslv;
    v->std_all = vsall;
    v->nfit = nfit;
    v->fit_name = names + 4 * nview;
    v->fit_value = fitv;
    v->p = p;
    v->nlv = t->nlv;
    v->ov = t->ov;
    v->lv = t->lv;
    v->sample_cov = scov;
    v->implied_cov = icov;
    v->ncon = ncon;
    v->con_lhs = cn;
    v->con_op = cn + ncon;
    v->con_rhs = cn + 2 * ncon;
    v->con_slack = slack;
    v->nobs = in->nobs;
    v->fmin = info.fmin;
    v->nfree = nth;
    v->npar = mv.nx;
    v->iterations = info.iterations;
    v->converged = info.status == KS__SEM_CONVERGED;
    v->estimator = o->estimator;
    v->se_kind = o->se;
    s->table = t;
    t = NULL;
    *out = s;
    s = NULL;
done:
    ks_sem_free(s);
    ks__sem_partable_free(t);
    ks__sem_defined_free(def);
    ks__sem_work_free(w);
    ks__sem_model_free(m);
    ks__free(ctx, tmp);
    return rc;
}

/* The table for `model` over the variables `names` (a data table's columns or a sample
 * covariance's), with lavaan's defaults for the call. */
static int make_table(ks_ctx *ctx, const char *model, const char *const *names, size_t n,
                      int moments, const ks_sem_options *o, ks__sem_partable **t)
{
    ks__sem_syntax *syn = NULL;
    int rc = ks__sem_parse(ctx, model, &syn);
    if (rc) return rc;
    ks__sem_partable_options po = KS__SEM_PARTABLE_OPTIONS_INIT;
    po.call = (ks__sem_call)o->call;
    po.std_lv = o->std_lv;
    po.fixed_x = o->estimator == KS_SEM_ML; /* lavaan's default (partable.c) */
    po.data_names = names;
    po.ndata = n;
    po.moments = moments;
    rc = ks__sem_partable_build(ctx, syn, &po, t);
    ks__sem_syntax_free(syn);
    return rc;
}

static void sample_free(ks_ctx *ctx, sample_in *in)
{
    ks__free(ctx, in->S);
    ks__free(ctx, in->W);
    ks__free(ctx, in->gamma);
}

int ks_sem_fit_cov(ks_ctx *ctx, const char *model, const ks_sem_sample *sample,
                   const ks_sem_options *opt, ks_sem **out)
{
    *out = NULL;
    const ks_sem_options o = opt ? *opt : (ks_sem_options)KS_SEM_OPTIONS_INIT;
    int rc = check_options(ctx, &o);
    if (rc) return rc;
    if (!model) return ks__fail(ctx, KS_EINVAL, "model: none given");
    if (!sample || !sample->names || !sample->cov || sample->p == 0)
        return ks__fail(ctx, KS_EINVAL, "sample: a covariance matrix with its names is needed");
    const size_t q = sample->p;
    for (size_t i = 0; i < q; i++) {
        if (!sample->names[i] || !*sample->names[i])
            return ks__fail(ctx, KS_EINVAL, "sample: variable %zu has no name", i + 1);
        for (size_t j = 0; j < i; j++)
            if (!strcmp(sample->names[i], sample->names[j]))
                return ks__fail(ctx, KS_EINVAL, "sample: the name '%s' is given twice",
                                sample->names[i]);
        for (size_t j = 0; j <= i; j++) {
            const double a = sample->cov[i + j * q], b = sample->cov[j + i * q];
            if (!isfinite(a) || !isfinite(b))
                return ks__fail(ctx, KS_EINVAL, "sample: cov[%zu, %zu] is not finite", i + 1,
                                j + 1);
            if (fabs(a - b) > 1e-10 * fmax(1, fmax(fabs(a), fabs(b))))
                return ks__fail(ctx, KS_EINVAL,
                                "sample: the covariance matrix is not symmetric (cov[%zu, %zu] = "
                                "%.17g, cov[%zu, %zu] = %.17g)",
                                i + 1, j + 1, a, j + 1, i + 1, b);
        }
    }
    if (!(sample->nobs > 1) || !isfinite(sample->nobs))
        return ks__fail(ctx, KS_EINVAL, "sample: nobs = %g; more than 1 observation is needed",
                        sample->nobs);
    ks__sem_partable *t = NULL;
    if ((rc = make_table(ctx, model, sample->names, q, 1, &o, &t))) return rc;
    const size_t p = t->nov;
    sample_in in = {p, NULL, sample->nobs, NULL, NULL};
    size_t *perm = ks__calloc(ctx, p + 1, sizeof *perm);
    in.S = ks__calloc(ctx, p * p + 1, sizeof *in.S);
    if (!perm || !in.S) {
        rc = KS_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < q; j++)
            if (!strcmp(t->ov[i], sample->names[j])) perm[i] = j;
    const double scale =
        o.estimator == KS_SEM_ML && sample->rescale ? (sample->nobs - 1) / sample->nobs : 1.0;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) in.S[i + j * p] = scale * sample->cov[perm[i] + perm[j] * q];
    int diag = 0;
    if (o.wls_v && (rc = take_vech_matrix(ctx, "wls_v", o.wls_v, o.wls_v_len, q, perm, p,
                                          o.estimator == KS_SEM_DWLS, &in.W, &diag)))
        goto fail;
    if (o.estimator == KS_SEM_WLS && diag) {
        rc = ks__fail(ctx, KS_EINVAL, "wls_v: estimator WLS needs the full weight matrix");
        goto fail;
    }
    if (o.estimator == KS_SEM_DWLS && in.W && !diag) {
        /* a full matrix given for DWLS: its diagonal, as lavaan's WLS.VD */
        const size_t pstar = p * (p + 1) / 2;
        for (size_t k = 0; k < pstar; k++) in.W[k] = in.W[k * (pstar + 1)];
    }
    if (o.gamma && (rc = take_vech_matrix(ctx, "gamma", o.gamma, o.gamma_len, q, perm, p, 0,
                                          &in.gamma, &diag)))
        goto fail;
    ks__free(ctx, perm);
    perm = NULL;
    rc = fit_table(ctx, t, &in, &o, out);
    t = NULL; /* fit_table took it */
fail:
    ks__free(ctx, perm);
    ks__sem_partable_free(t);
    sample_free(ctx, &in);
    return rc;
}

int ks_sem_fit(ks_ctx *ctx, const char *model, const ks_table *data, const ks_sem_options *opt,
               ks_sem **out)
{
    *out = NULL;
    const ks_sem_options o = opt ? *opt : (ks_sem_options)KS_SEM_OPTIONS_INIT;
    int rc = check_options(ctx, &o);
    if (rc) return rc;
    if (!model) return ks__fail(ctx, KS_EINVAL, "model: none given");
    if (!data) return ks__fail(ctx, KS_EINVAL, "data: no table given");
    const size_t ncol = ks_table_ncol(data), n = ks_table_nrow(data);
    const char **cols = ks__calloc(ctx, ncol + 1, sizeof *cols);
    if (!cols) return KS_ENOMEM;
    for (size_t j = 0; j < ncol; j++) cols[j] = ks_table_col_name(data, j);
    ks__sem_partable *t = NULL;
    rc = make_table(ctx, model, cols, ncol, 0, &o, &t);
    ks__free(ctx, cols);
    if (rc) return rc;
    const size_t p = t->nov;
    sample_in in = {p, NULL, (double)n, NULL, NULL};
    double *X = NULL, *mean = NULL;
    if (n < 2) {
        rc = ks__fail(ctx, KS_EINVAL, "data: %zu rows; more than 1 observation is needed", n);
        goto fail;
    }
    size_t cells;
    if (!ks__size_mul(n, p, &cells)) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "data: %zu rows x %zu variables are too many", n, p);
        goto fail;
    }
    X = ks__malloc(ctx, cells * sizeof *X);
    mean = ks__calloc(ctx, p + 1, sizeof *mean);
    in.S = ks__calloc(ctx, p * p + 1, sizeof *in.S);
    if (!X || !mean || !in.S) {
        rc = KS_ENOMEM;
        goto fail;
    }
    for (size_t i = 0; i < p; i++) {
        size_t j = 0;
        if ((rc = ks_table_find(ctx, data, t->ov[i], &j))) goto fail;
        if ((rc = ks_table_get_double(ctx, data, j, X + i * n, n))) goto fail;
        for (size_t r = 0; r < n; r++) {
            if (isnan(X[i * n + r])) {
                rc = ks__fail(ctx, KS_EINVAL,
                              "data: column '%s' is missing at row %zu (missing values are not "
                              "supported yet: remove the row or impute)",
                              t->ov[i], r + 1);
                goto fail;
            }
            if (!isfinite(X[i * n + r])) {
                rc = ks__fail(ctx, KS_EINVAL, "data: column '%s' is not finite at row %zu",
                              t->ov[i], r + 1);
                goto fail;
            }
            mean[i] += X[i * n + r];
        }
        mean[i] /= (double)n;
    }
    /* lavaan's sample covariance: divisor N for ML (its likelihood), N - 1 for the others */
    const double div = o.estimator == KS_SEM_ML ? (double)n : (double)(n - 1);
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            double s = 0;
            for (size_t r = 0; r < n; r++) s += (X[a * n + r] - mean[a]) * (X[b * n + r] - mean[b]);
            in.S[a + b * p] = in.S[b + a * p] = s / div;
        }
    if (o.wls_v || o.gamma) {
        rc = ks__fail(ctx, KS_EINVAL, "wls_v and gamma go with a sample covariance "
                                      "(ks_sem_fit_cov), not with raw data");
        goto fail;
    }
    rc = fit_table(ctx, t, &in, &o, out);
    t = NULL; /* fit_table took it */
fail:
    ks__free(ctx, X);
    ks__free(ctx, mean);
    ks__sem_partable_free(t);
    sample_free(ctx, &in);
    return rc;
}
