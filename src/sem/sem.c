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
    ks__sem_partable *table;
    void *block; /* every array of the view, one allocation */
    const char **names; /* the view's string arrays, pointing into table or fit names */
};

void ks_sem_free(ks_sem *s)
{
    if (!s) return;
    ks__sem_partable_free(s->table);
    ks__release(&s->alloc, s->block);
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

/* The fit proper, once the table and the sample (in its order) are known. */
static int fit_table(ks_ctx *ctx, ks__sem_partable *t, sample_in *in, const ks_sem_options *o,
                     ks_sem **out)
{
    int rc;
    const size_t p = in->p, pstar = p * (p + 1) / 2, nrow = t->npar, nth = t->nfree;
    ks__sem_defined *def = NULL;
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    double *est = NULL, *vcov = NULL, *sigma = NULL, *scratch = NULL;
    ks_sem *s = NULL;
    if ((rc = ks__sem_defined_build(ctx, t, &def))) goto done;
    if ((rc = ks__sem_model_compile(ctx, t, NULL, &m))) goto done;
    if ((rc = ks__sem_work_new(ctx, m, &w))) goto done;
    est = ks__calloc(ctx, nrow, sizeof *est);
    vcov = ks__calloc(ctx, nth * nth + 1, sizeof *vcov);
    sigma = ks__calloc(ctx, p * p, sizeof *sigma);
    if (!est || !vcov || !sigma) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = ks__sem_start(ctx, m, in->S, est))) goto done;
    ks__sem_problem pb = {engine_estimator(o->estimator), in->S, in->nobs, in->W, NULL,
                          o->tol, o->max_iter};
    ks__sem_fit_info info;
    if ((rc = ks__sem_fit(ctx, m, w, &pb, est, &info))) goto done;
    if (info.status != KS__SEM_CONVERGED)
        ks__log(ctx, KS_LOG_WARN,
                "the optimizer stopped after %d iterations with the largest gradient element "
                "%.3g, above the tolerance %.3g: the estimates may not be the optimum",
                info.iterations, info.max_grad, o->tol);
    double fx = 0;
    if ((rc = ks__sem_evaluate(ctx, m, w, &pb, est, sigma, &fx, NULL, NULL))) goto done;
    if (o->se != KS_SEM_SE_NONE &&
        (rc = ks__sem_vcov(ctx, m, w, &pb, est, o->se == KS_SEM_SE_SANDWICH ? in->gamma : NULL,
                           vcov)))
        goto done;

    /* the rows the view shows: every row but the constraints (:= rows included) */
    ks__sem_model_view mv;
    ks__sem_model_get(m, &mv);
    size_t nview = 0, ncon = 0;
    for (size_t r = 0; r < nrow; r++) {
        const char *op = t->par[r].op;
        if (!strcmp(op, "==") || !strcmp(op, "<") || !strcmp(op, ">")) {
            if (t->par[r].user == 1) ncon++;
        } else
            nview++;
    }
    const size_t ndef = ks__sem_defined_count(def), nc_all = ks__sem_constraint_count(def);
    const size_t nvar = t->nov + t->nlv;
    /* one block: est se tstat pvalue lo hi std_lv std_all (nview each), fit values, the
       covariance matrices, the constraint slacks; free numbers; scratch for definitions */
    const size_t nd = 8 * nview + KS__SEM_FIT_MAX + 2 * p * p + ncon + nc_all + ndef +
                      ndef * nth + 2 * nvar + 2 * nrow + nth;
    double *blk = ks__calloc(ctx, nd, sizeof *blk);
    int *freev = ks__calloc(ctx, nview + 1, sizeof *freev);
    const char **names = ks__calloc(ctx, 4 * nview + KS__SEM_FIT_MAX + 3 * ncon + 1, sizeof *names);
    s = ks__calloc(ctx, 1, sizeof *s);
    if (!blk || !freev || !names || !s) {
        ks__free(ctx, blk);
        ks__free(ctx, freev);
        ks__free(ctx, names);
        rc = KS_ENOMEM;
        goto done;
    }
    s->alloc = ctx->alloc;
    s->block = blk;
    s->names = names;
    ks_sem_view *v = &s->v;
    double *vest = blk, *vse = vest + nview, *vz = vse + nview, *vp = vz + nview,
           *vlo = vp + nview, *vhi = vlo + nview, *vslv = vhi + nview, *vsall = vslv + nview;
    double *fitv = vsall + nview, *scov = fitv + KS__SEM_FIT_MAX, *icov = scov + p * p;
    double *slack = icov + p * p, *cval = slack + ncon, *dval = cval + nc_all;
    double *djac = dval + ndef, *var = djac + ndef * nth, *stdtheta = var + nvar;
    double *std_lv = stdtheta + nth, *std_all = std_lv + nrow;
    (void)scratch;
    memcpy(scov, in->S, p * p * sizeof *scov);
    memcpy(icov, sigma, p * p * sizeof *icov);

    /* defined parameters at the estimates, their delta-method SEs */
    double *theta = var + nvar; /* reuse stdtheta's room before it is needed */
    for (size_t k = 0; k < nth; k++) theta[k] = est[mv.theta_row[k]];
    ks__sem_defined_eval(def, theta, dval, djac);
    for (size_t i = 0; i < ndef; i++) est[ks__sem_defined_row(def, i)] = dval[i];
    ks__sem_constraint_eval(def, theta, cval, NULL);

    /* standardized solutions: the total variances of every variable */
    for (size_t i = 0; i < nvar; i++) var[i] = total_variance(w, m->m, i);
    ks__sem_std_input sin = {t, est, var, NULL, NULL, 0};
    double *stheta = ks__calloc(ctx, nth + 1, sizeof *stheta);
    double *sval = ks__calloc(ctx, ndef + 1, sizeof *sval);
    if (!stheta || !sval) {
        ks__free(ctx, stheta);
        ks__free(ctx, sval);
        rc = KS_ENOMEM;
        goto done;
    }
    for (int type = 0; type < 2 && rc == KS_OK; type++) {
        double *dst = type ? std_all : std_lv;
        rc = ks__sem_standardize(ctx, &sin, type ? KS__SEM_STD_ALL : KS__SEM_STD_LV, dst, stheta,
                                 NULL);
        if (rc) break;
        ks__sem_defined_eval(def, stheta, sval, NULL);
        for (size_t i = 0; i < ndef; i++) dst[ks__sem_defined_row(def, i)] = sval[i];
    }
    ks__free(ctx, stheta);
    ks__free(ctx, sval);
    if (rc) goto done;

    /* the rows */
    const double q = ks_normal_quantile(1 - (1 - o->level) / 2);
    size_t j = 0, di = 0, ci = 0;
    for (size_t r = 0; r < nrow; r++) {
        const ks__sem_par *pr = &t->par[r];
        if (!strcmp(pr->op, "==") || !strcmp(pr->op, "<") || !strcmp(pr->op, ">")) continue;
        names[j] = pr->lhs;
        names[nview + j] = pr->op;
        names[2 * nview + j] = pr->rhs;
        names[3 * nview + j] = pr->label;
        freev[j] = pr->free;
        vest[j] = est[r];
        double se = 0;
        if (!strcmp(pr->op, ":=")) {
            /* J Omega J' for this definition */
            while (di < ndef && ks__sem_defined_row(def, di) != r) di++;
            double acc = 0;
            for (size_t a = 0; a < nth; a++)
                for (size_t b = 0; b < nth; b++)
                    acc += djac[di + a * ndef] * vcov[a + b * nth] * djac[di + b * ndef];
            se = o->se == KS_SEM_SE_NONE ? NAN : sqrt(acc > 0 ? acc : 0);
        } else if (pr->free > 0)
            se = o->se == KS_SEM_SE_NONE
                     ? NAN
                     : sqrt(fmax(0, vcov[(size_t)(pr->free - 1) * (nth + 1)]));
        vse[j] = se;
        if (pr->free > 0 || !strcmp(pr->op, ":="))
            ks__infer(est[r], se, 0, q, &vz[j], &vp[j], &vlo[j], &vhi[j]);
        else
            vz[j] = vp[j] = vlo[j] = vhi[j] = NAN;
        vslv[j] = std_lv[r];
        vsall[j] = std_all[r];
        j++;
    }
    (void)ci;
    /* constraints, in table order, with |slack| */
    const char **cn = names + 4 * nview + KS__SEM_FIT_MAX;
    size_t c = 0;
    for (size_t i = 0; i < nc_all; i++) {
        const ks__sem_par *pr = &t->par[ks__sem_constraint_row(def, i)];
        if (pr->user != 1) continue;
        cn[c] = pr->lhs;
        cn[ncon + c] = pr->op;
        cn[2 * ncon + c] = pr->rhs;
        slack[c] = fabs(cval[i]);
        c++;
    }

    /* fit measures */
    ks__sem_fit_value fv[KS__SEM_FIT_MAX];
    size_t nfit = 0;
    size_t *xidx = NULL, nxc = 0;
    double *wd = NULL;
    if (o->estimator == KS_SEM_DWLS) wd = in->W;
    ks__sem_est fe = o->estimator == KS_SEM_GLS    ? KS__SEM_EST_GLS
                     : o->estimator == KS_SEM_ULS  ? KS__SEM_EST_ULS
                     : o->estimator == KS_SEM_DWLS ? KS__SEM_EST_DWLS
                                                   : KS__SEM_EST_ML;
    if (o->estimator != KS_SEM_WLS) {
        xidx = ks__calloc(ctx, p + 1, sizeof *xidx);
        if (!xidx) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t i = 0; i < p; i++)
            for (size_t r = 0; r < nrow; r++)
                if (t->par[r].exo && !strcmp(t->par[r].op, "~~") &&
                    !strcmp(t->par[r].lhs, t->ov[i]) && !strcmp(t->par[r].rhs, t->ov[i])) {
                    xidx[nxc++] = i;
                    break;
                }
        ks__sem_fit_input fin = {fe, p, in->S, sigma, wd, in->nobs, mv.nx, xidx, nxc};
        rc = ks__sem_fit_measures(ctx, &fin, fv, KS__SEM_FIT_MAX, &nfit);
        ks__free(ctx, xidx);
        if (rc) goto done;
    }
    const char **fn = names + 4 * nview;
    for (size_t i = 0; i < nfit; i++) {
        fn[i] = fv[i].name;
        fitv[i] = fv[i].value;
    }

    v->nrow = nview;
    v->lhs = names;
    v->op = names + nview;
    v->rhs = names + 2 * nview;
    v->label = names + 3 * nview;
    v->free = freev;
    v->est = vest;
    v->se = vse;
    v->tstat = vz;
    v->pvalue = vp;
    v->ci_lower = vlo;
    v->ci_upper = vhi;
    v->std_lv = vslv;
    v->std_all = vsall;
    v->nfit = nfit;
    v->fit_name = fn;
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
    s->free_view = freev;
    *out = s;
    s = NULL;
    t = NULL;
done:
    (void)pstar;
    ks_sem_free(s);
    ks__sem_defined_free(def);
    ks__sem_work_free(w);
    ks__sem_model_free(m);
    ks__free(ctx, est);
    ks__free(ctx, vcov);
    ks__free(ctx, sigma);
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
    t = NULL;
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
    t = NULL;
fail:
    ks__free(ctx, X);
    ks__free(ctx, mean);
    ks__sem_partable_free(t);
    sample_free(ctx, &in);
    return rc;
}
