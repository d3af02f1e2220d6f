/* usermodel.c — GenomicSEM's usermodel() (R/usermodel.R at 123ec96; notes/genomicsem.md sec.
 * 1.7, helper_notes' gsem_spec sec. 1): the model's traits taken out of the covstruc, S and V
 * smoothed, the lavaan fit (DWLS with 1 / diag(V), or ML with N = 200) converged to the
 * optimum, the sandwich SEs, `:=` by the delta method, Q, CFI and SRMR, the refit to the
 * standardized S and V, and R's results table. commonfactor() (commonfactor.c) is the same fit
 * of a model it writes, with its own table rules (the `cf` flag). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gsem/gsem_fit.h"
#include "gsem/gsem_sem_input.h"
#include "kestrel/gsem.h"
#include "kestrel/linalg.h"
#include "sem/engine.h"
#include "sem/fit_measures.h"
#include "sem/sem_internal.h"

struct ks_gsem_usermodel {
    ks_allocator alloc;
    ks_gsem_usermodel_view v;
    double *num;        /* every number of the view */
    const char **names; /* the view's string arrays */
    char *text;         /* the strings they point to */
    int *fixed;
};

void ks_gsem_usermodel_free(ks_gsem_usermodel *u)
{
    if (!u) return;
    ks__release(&u->alloc, u->num);
    ks__release(&u->alloc, u->names);
    ks__release(&u->alloc, u->text);
    ks__release(&u->alloc, u->fixed);
    ks__release(&u->alloc, u);
}

void ks_gsem_usermodel_get(const ks_gsem_usermodel *u, ks_gsem_usermodel_view *out) { *out = u->v; }

static const char *const UM_COLS[9] = {
    "lhs",     "op",     "rhs", "Unstand_Est", "Unstand_SE", "STD_Genotype", "STD_Genotype_SE",
    "STD_All", "p_value"};
static const char *const CF_COLS[8] = {"lhs",
                                       "op",
                                       "rhs",
                                       "Unstandardized_Estimate",
                                       "Unstandardized_SE",
                                       "Standardized_Est",
                                       "Standardized_SE",
                                       "p_value"};

/* One model compiled, with what its fits need. */
typedef struct {
    ks__sem_partable *t;
    ks__sem_model *m;
    ks__sem_work *w;
    ks__sem_defined *def;
    ks__sem_model_view mv;
    const char **thname; /* "lhs op rhs" of each free parameter, for messages */
} model_t;

static void model_free(model_t *md)
{
    if (md->t) ks__release(&md->t->alloc, (void *)md->thname);
    ks__sem_defined_free(md->def);
    ks__sem_work_free(md->w);
    ks__sem_model_free(md->m);
    ks__sem_partable_free(md->t);
    memset(md, 0, sizeof *md);
}

static int model_make(ks_ctx *ctx, const char *text, size_t k, const char *const *names, int std_lv,
                      int ml, model_t *md)
{
    memset(md, 0, sizeof *md);
    ks__sem_syntax *syn = NULL;
    int rc = ks__sem_parse(ctx, text, &syn);
    if (rc) return rc;
    ks__sem_partable_options po = KS__SEM_PARTABLE_OPTIONS_INIT;
    po.std_lv = std_lv;
    po.fixed_x = ml; /* lavaan's default for the estimator (sem_internal.h) */
    po.data_names = names;
    po.ndata = k;
    po.moments = 1;
    rc = ks__sem_partable_build(ctx, syn, &po, &md->t);
    ks__sem_syntax_free(syn);
    if (!rc && md->t->nov == 0)
        rc = ks__fail(ctx, KS_EINVAL, "model: it names none of the covstruc's traits");
    if (!rc) rc = ks__sem_defined_build(ctx, md->t, &md->def);
    if (!rc) rc = ks__sem_model_compile(ctx, md->t, NULL, &md->m);
    if (!rc) rc = ks__sem_work_new(ctx, md->m, &md->w);
    if (rc) {
        model_free(md);
        return rc;
    }
    ks__sem_model_get(md->m, &md->mv);
    md->thname = (const char **)ks__calloc(ctx, md->mv.ntheta + 1, sizeof *md->thname);
    if (!md->thname) {
        model_free(md);
        return KS_ENOMEM;
    }
    for (size_t j = 0; j < md->mv.ntheta; j++) md->thname[j] = md->m->name[md->mv.theta_row[j]];
    return KS_OK;
}

/* One fit of md to S (lavaan order) from lavaan's start values: est (nrow). */
static int fit_once(ks_ctx *ctx, model_t *md, const ks__sem_problem *pb, double *est,
                    ks__sem_fit_info *info)
{
    int rc = ks__sem_start(ctx, md->m, pb->S, est);
    if (!rc) rc = ks__sem_fit(ctx, md->m, md->w, pb, est, info);
    return rc;
}

/* What one fit gives: the implied covariance (lavaan order), the free parameters' sandwich
 * covariance, their values, the `:=` values and SEs, and the covariance of all variables. */
typedef struct {
    double *est, *sigma, *delta, *W, *omega, *work, *theta, *dval, *djac, *dse, *allcov;
} fit_out;

static int fit_out_new(ks_ctx *ctx, const model_t *md, fit_out *f)
{
    const size_t nr = md->t->npar, p = md->mv.p, ps = md->mv.pstar, nt = md->mv.ntheta;
    const size_t nd = ks__sem_defined_count(md->def), mm = md->m->m;
    const size_t sizes[11] = {nr, p * p, ps * nt, ps * ps, nt * nt, 2 * nt * nt + 2 * nt * ps,
                              nt, nd,    nd * nt, nd,      mm * mm};
    size_t tot = 1;
    for (int i = 0; i < 11; i++) tot += sizes[i];
    double *b = ks__calloc(ctx, tot, sizeof *b);
    if (!b) return KS_ENOMEM;
    double **ptr[11] = {&f->est,   &f->sigma, &f->delta, &f->W,   &f->omega, &f->work,
                        &f->theta, &f->dval,  &f->djac,  &f->dse, &f->allcov};
    for (int i = 0; i < 11; i++) {
        *ptr[i] = b;
        b += sizes[i];
    }
    return KS_OK;
}

/* After a fit (est filled): sigma, the sandwich with Vl, the definitions and their SEs. */
static int fit_finish(ks_ctx *ctx, model_t *md, const ks__sem_problem *pb, const double *Vl,
                      double toler, int ml, fit_out *f)
{
    const size_t ps = md->mv.pstar, nt = md->mv.ntheta, mm = md->m->m;
    double fx;
    int rc = ks__sem_evaluate(ctx, md->m, md->w, pb, f->est, f->sigma, &fx, NULL, f->delta);
    if (rc) return rc;
    /* the covariance of every variable, B S B' (after evaluate, the work holds B and S) */
    const double *B = md->w->B, *Sm = md->w->Sm;
    for (size_t j = 0; j < mm; j++)
        for (size_t i = 0; i < mm; i++) {
            double s = 0.0;
            for (size_t a = 0; a < mm; a++) {
                if (B[i + a * mm] == 0.0) continue;
                for (size_t c = 0; c < mm; c++) s += B[i + a * mm] * Sm[a + c * mm] * B[j + c * mm];
            }
            f->allcov[i + j * mm] = s;
        }
    const double *W = pb->W;
    if (ml) {
        if ((rc = ks__sem_weight(ctx, md->m, md->w, pb, f->est, f->W))) return rc;
        W = f->W;
    }
    rc = ks__gsem_sandwich(ctx, ps, nt, f->delta, W, ml, Vl, toler, md->thname, f->omega, f->work);
    if (rc) return rc;
    for (size_t k = 0; k < nt; k++) f->theta[k] = f->est[md->mv.theta_row[k]];
    const size_t nd = ks__sem_defined_count(md->def);
    ks__sem_defined_eval(md->def, f->theta, f->dval, f->djac);
    for (size_t i = 0; i < nd; i++) f->est[ks__sem_defined_row(md->def, i)] = f->dval[i];
    if (ml)
        for (size_t i = 0; i < nd; i++) f->dse[i] = NAN;
    else if ((rc = ks__gsem_defined_se(ctx, nd, nt, f->djac, f->omega, f->dse)))
        return rc;
    return KS_OK;
}

static int is_model_op(const char *op)
{
    return !strcmp(op, "=~") || !strcmp(op, "~~") || !strcmp(op, "~");
}

/* The model text with GenomicSEM's residual-variance lower bounds for the traits (R's random
 * labels replaced by kestrel_rv_<i>). */
static char *bounded_text(ks_ctx *ctx, const char *model, size_t n, const char *const *traits)
{
    ks__sbuf b = {ctx, NULL, 0, 0, 0};
    ks__sbuf_printf(&b, "%s", model);
    for (size_t i = 0; i < n; i++)
        ks__sbuf_printf(&b, "\n %s ~~ kestrel_rv_%zu*%s \n kestrel_rv_%zu > .0001 \n ", traits[i],
                        i + 1, traits[i], i + 1);
    char *s = NULL;
    if (ks__sbuf_string(&b, &s)) return NULL;
    return s;
}

/* R's Q_Factor (usermodel.R 287-370): for each pair of factors (a after b in lavaan's order)
 * whose implied covariance is not 0, eta = the residuals S - Sigma between the indicators of a
 * and those of b (the covstruc's order), V_eta their rows and columns of the smoothed V; Q =
 * eta' V_eta^-1 eta by R's eigen route, df = len(eta) - 1 (NaN Q when 0). *out: 5 numbers per
 * pair (a, b, Q, df, p), allocated (NULL when no pair). */
static int q_factor(ks_ctx *ctx, const model_t *fm, size_t p, const size_t *perm, const double *S1,
                    const double *sig_t, const double *V1, const double *allcov, double **out,
                    size_t *nout)
{
    const size_t nlv = fm->t->nlv, mm = fm->m->m, ps = p * (p + 1) / 2;
    size_t npair = 0;
    *out = NULL;
    *nout = 0;
    for (size_t b = 0; b < nlv; b++)
        for (size_t a = b + 1; a < nlv; a++) npair += allcov[p + a + (p + b) * mm] != 0.0;
    if (!npair) return KS_OK;
    const size_t nmax = p * p;
    double *res = ks__calloc(ctx, 5 * npair, sizeof *res);
    unsigned char *ind = ks__calloc(ctx, nlv * p + 1, 1);
    double *buf = ks__calloc(ctx, 3 * nmax + 2 * nmax * nmax + 1, sizeof *buf);
    int rc = res && ind && buf ? KS_OK : KS_ENOMEM;
    for (size_t r = 0; !rc && r < fm->t->npar; r++) {
        const ks__sem_par *pr = &fm->t->par[r];
        if (strcmp(pr->op, "=~")) continue;
        for (size_t a = 0; a < nlv; a++)
            for (size_t i = 0; i < p; i++)
                if (!strcmp(pr->lhs, fm->t->lv[a]) && !strcmp(pr->rhs, fm->t->ov[i]))
                    ind[a * p + perm[i]] = 1;
    }
    double *eta = buf, *pos = eta + nmax, *vs = pos + nmax, *work = vs + nmax * nmax;
    size_t k = 0;
    for (size_t b = 0; !rc && b < nlv; b++)
        for (size_t a = b + 1; !rc && a < nlv; a++) {
            if (allcov[p + a + (p + b) * mm] == 0.0) continue;
            size_t n = 0;
            for (size_t i = 0; i < p; i++)
                for (size_t j = 0; j < p; j++)
                    if (ind[a * p + i] && ind[b * p + j]) {
                        eta[n] = S1[i + j * p] - sig_t[i + j * p];
                        pos[n++] = (double)ks__gsem_vech_at(p, i, j);
                    }
            for (size_t c = 0; c < n; c++)
                for (size_t d = 0; d < n; d++)
                    vs[d + c * n] = V1[(size_t)pos[d] + (size_t)pos[c] * ps];
            double q = NAN;
            if (n > 1) {
                ks__symeig *e = NULL;
                rc = ks__symeig_new(ctx, n, &e);
                if (!rc) rc = ks__gsem_q(ctx, e, vs, eta, work, work + n, &q);
                ks__symeig_free(e);
            }
            double *o = res + 5 * k++;
            o[0] = (double)a;
            o[1] = (double)b;
            o[2] = q;
            o[3] = n ? (double)(n - 1) : NAN;
            o[4] = n > 1 ? ks_chi2_sf(q, (double)(n - 1)) : NAN;
        }
    ks__free(ctx, ind);
    ks__free(ctx, buf);
    if (rc) {
        ks__free(ctx, res);
        return rc;
    }
    *out = res;
    *nout = npair;
    return KS_OK;
}

/* vech of A (n x n, lower triangle by columns) into out. */
static void vech(size_t n, const double *A, double *out)
{
    for (size_t j = 0, q = 0; j < n; j++)
        for (size_t i = j; i < n; i++) out[q++] = A[i + j * n];
}

static int usermodel_run(ks_ctx *ctx, size_t k, const char *const *names, const char *const *shown,
                         const double *S, const double *V, const char *model,
                         const ks_gsem_usermodel_options *o, int cf, ks_gsem_usermodel **out)
{
    *out = NULL;
    if (o->estimation != KS_SEM_DWLS && o->estimation != KS_SEM_ML)
        return ks__fail(ctx, KS_EINVAL, "estimation: %s; GenomicSEM fits DWLS or ML",
                        ks_sem_estimator_name(o->estimation) ? ks_sem_estimator_name(o->estimation)
                                                             : "not an estimator");
    if (!(o->toler >= 0) || !isfinite(o->toler))
        return ks__fail(ctx, KS_EINVAL, "toler: %g is not >= 0", o->toler);
    if (!model || !*model) return ks__fail(ctx, KS_EINVAL, "model: none given");
    if (!strpbrk(model, "~=+"))
        ks__log(ctx, KS_LOG_WARN, "the model contains none of ~ = +: is it a lavaan model?");
    const int ml = o->estimation == KS_SEM_ML;
    int rc;
    model_t md = {0}, md2 = {0};
    fit_out fu = {0}, fs = {0};
    size_t *idx = NULL, *perm = NULL;
    double *buf = NULL;
    char *text2 = NULL;
    ks__symeig *eig = NULL;
    ks_gsem_usermodel *u = NULL;
    size_t nqf = 0;
    double *qf = NULL; /* Q_Factor: per pair its factors (a, b), Q, df, p */
    if ((rc = model_make(ctx, model, k, names, o->std_lv, ml, &md))) return rc;

    /* the traits the model uses, in the covstruc's order; lavaan's order of them */
    const size_t p = md.t->nov, ps = p * (p + 1) / 2;
    idx = ks__calloc(ctx, 2 * p + 1, sizeof *idx);
    buf = ks__calloc(ctx, 6 * p * p + 4 * ps * ps + 4 * ps + 1, sizeof *buf);
    if (!idx || !buf) {
        rc = KS_ENOMEM;
        goto done;
    }
    perm = idx + p;
    size_t n = 0;
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < p; i++)
            if (!strcmp(md.t->ov[i], names[j])) idx[n++] = j;
    const char **sub = (const char **)ks__calloc(ctx, p + 1, sizeof *sub);
    if (!sub) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t a = 0; a < p; a++) sub[a] = names[idx[a]];
    for (size_t i = 0; i < p; i++)
        for (size_t a = 0; a < p; a++)
            if (!strcmp(md.t->ov[i], sub[a])) perm[i] = a;
    double *S1 = buf, *Sl = S1 + p * p, *Ss = Sl + p * p, *Ssl = Ss + p * p, *sig_t = Ssl + p * p,
           *tmp = sig_t + p * p;
    double *V1 = tmp + p * p, *Vl = V1 + ps * ps, *Vs = Vl + ps * ps, *Vsl = Vs + ps * ps;
    double *Wl = Vsl + ps * ps, *Wsl = Wl + ps, *eta = Wsl + ps, *eta0 = eta + ps;
    ks__gsem_sv_select(k, S, V, p, idx, S1, V1);
    ks__gsem_smooth_report rep;
    if ((rc = ks__gsem_smooth(ctx, p, S1, V1, &rep))) goto free_sub;
    ks__gsem_smooth_log(ctx, &rep);
    ks__gsem_sv_select(p, S1, V1, p, perm, Sl, Vl);
    ks__gsem_dwls_weights(ps, Vl, 0, Wl);

    /* the fit, and GenomicSEM's refit with the residual variances bounded when it fails */
    ks__sem_problem pb = {
        ml ? KS__SEM_ML : KS__SEM_DWLS, Sl, ml ? 200.0 : 2.0, ml ? NULL : Wl, NULL, 0, 0};
    ks__sem_fit_info info = {0};
    model_t *fm = &md;
    if ((rc = fit_out_new(ctx, &md, &fu))) goto free_sub;
    rc = fit_once(ctx, &md, &pb, fu.est, &info);
    int bounded = 0;
    if ((rc == KS_ENUMERIC || (!rc && info.status != KS__SEM_CONVERGED)) && (o->fix_resid || cf)) {
        if (!(text2 = bounded_text(ctx, model, p, sub))) {
            rc = KS_ENOMEM;
            goto free_sub;
        }
        const int rc1 = rc;
        char first[KS_ERRMSG_MAX];
        snprintf(first, sizeof first, "%s", ks_errmsg(ctx));
        if (model_make(ctx, text2, k, names, o->std_lv, ml, &md2) == KS_OK) {
            fit_out f2 = {0};
            if ((rc = fit_out_new(ctx, &md2, &f2))) goto free_sub;
            ks__release(&ctx->alloc, fu.est);
            fu = f2;
            fm = &md2;
            bounded = 1;
            ks__log(ctx, KS_LOG_INFO,
                    "the model did not converge: refitted with a lower bound of .0001 on the "
                    "residual variances of the traits, as GenomicSEM does");
            rc = fit_once(ctx, fm, &pb, fu.est, &info);
        } else { /* (the user gave those variances already: R keeps its first fit) */
            rc = rc1;
            if (rc) ks__fail(ctx, rc, "%s", first);
        }
    }
    if (rc) {
        if (rc == KS_ENUMERIC) {
            char why[KS_ERRMSG_MAX];
            snprintf(why, sizeof why, "%s", ks_errmsg(ctx));
            ks__fail(ctx, rc, "the model failed to converge (%s)", why);
        }
        goto free_sub;
    }
    if (info.status != KS__SEM_CONVERGED)
        ks__log(ctx, KS_LOG_WARN,
                "the model did not converge (the largest gradient element %.3g after %d "
                "iterations): interpret the results with caution",
                info.max_grad, info.iterations);
    if ((rc = fit_finish(ctx, fm, &pb, Vl, o->toler, ml, &fu))) goto free_sub;

    /* the latent correlations must be in [-1, 1] */
    const size_t mm = fm->m->m, nlv = fm->t->nlv;
    for (size_t b = 0; b < nlv; b++)
        for (size_t a = b + 1; a < nlv; a++) {
            const double *C = fu.allcov;
            const size_t ia = p + a, ib = p + b;
            const double r = C[ia + ib * mm] / sqrt(C[ia + ia * mm] * C[ib + ib * mm]);
            if (!(r >= -1.0 && r <= 1.0)) {
                rc = ks__fail(ctx, KS_ENUMERIC,
                              "the model-implied correlation of %s and %s is %g, outside [-1, "
                              "1]: respecify the model (R's usermodel returns NULL here)",
                              fm->t->lv[a], fm->t->lv[b], r);
                goto free_sub;
            }
        }

    /* Q and CFI in the covstruc's order, with the (smoothed) full V; SRMR as lavaan's */
    const size_t npar = fm->mv.nx;
    const double df = (double)ps - (double)npar;
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < p; j++) sig_t[perm[i] + perm[j] * p] = fu.sigma[i + j * p];
    for (size_t i = 0; i < p * p; i++) tmp[i] = S1[i] - sig_t[i];
    vech(p, tmp, eta);
    memcpy(tmp, S1, p * p * sizeof *tmp);
    for (size_t i = 0; i < p; i++) tmp[i + i * p] = 0.0;
    vech(p, tmp, eta0);
    double Q = NAN, Qn = NAN;
    if (o->q_factor && !cf &&
        (rc = q_factor(ctx, fm, p, perm, S1, sig_t, V1, fu.allcov, &qf, &nqf)))
        goto free_sub;
    double *qwork = ks__calloc(ctx, ps + ps * ps, sizeof *qwork);
    if (!qwork) {
        rc = KS_ENOMEM;
        goto free_sub;
    }
    rc = ks__symeig_new(ctx, ps, &eig);
    if (!rc) rc = ks__gsem_q(ctx, eig, V1, eta, qwork, qwork + ps, &Q);
    if (!rc) rc = ks__gsem_q(ctx, eig, V1, eta0, qwork, qwork + ps, &Qn);
    ks__free(ctx, qwork);
    if (rc) goto free_sub;
    const double dfn = (double)ps - (double)p;
    double cfi = ((Qn - dfn) - (Q - df)) / (Qn - dfn);
    if (cfi > 1) cfi = 1;
    ks__sem_fit_value fv[KS__SEM_FIT_MAX];
    size_t nfit = 0;
    ks__sem_fit_input fin = {ml ? KS__SEM_EST_ML : KS__SEM_EST_DWLS,
                             p,
                             Sl,
                             fu.sigma,
                             ml ? NULL : Wl,
                             pb.nobs,
                             npar,
                             NULL,
                             0};
    if ((rc = ks__sem_fit_measures(ctx, &fin, fv, KS__SEM_FIT_MAX, &nfit))) goto free_sub;
    const double srmr = ks__sem_fit_get(fv, nfit, "srmr");

    /* the refit to the standardized S and V (STD_Genotype) */
    if ((rc = ks__gsem_stand_input(ctx, p, S1, V1, Ss, Vs))) goto free_sub;
    ks__gsem_sv_select(p, Ss, Vs, p, perm, Ssl, Vsl);
    ks__gsem_dwls_weights(ps, Vsl, 1, Wsl);
    ks__sem_problem pbs = pb;
    pbs.S = Ssl;
    pbs.W = ml ? NULL : Wsl;
    ks__sem_fit_info sinfo;
    if ((rc = fit_out_new(ctx, fm, &fs))) goto free_sub;
    rc = fit_once(ctx, fm, &pbs, fs.est, &sinfo);
    if (!rc && sinfo.status != KS__SEM_CONVERGED)
        rc = ks__fail(ctx, KS_ENUMERIC,
                      "the standardized model failed to converge (the largest gradient element "
                      "%.3g): R's usermodel returns NULL here",
                      sinfo.max_grad);
    if (!rc) rc = fit_finish(ctx, fm, &pbs, Vsl, o->toler, ml, &fs);
    if (rc) {
        if (rc == KS_ENUMERIC && !strstr(ks_errmsg(ctx), "standardized")) {
            char why[KS_ERRMSG_MAX];
            snprintf(why, sizeof why, "%s", ks_errmsg(ctx));
            ks__fail(ctx, rc, "the standardized model: %s (R's usermodel returns NULL here)", why);
        }
        goto free_sub;
    }
    /* std.all of that refit */
    const size_t nr = fm->t->npar, nt = fm->mv.ntheta, nvar = p + nlv;
    double *sall =
        ks__calloc(ctx, nr + nt + nvar + ks__sem_defined_count(fm->def) + 1, sizeof *sall);
    if (!sall) {
        rc = KS_ENOMEM;
        goto free_sub;
    }
    double *stheta = sall + nr, *var = stheta + nt, *sdef = var + nvar;
    for (size_t i = 0; i < nvar; i++) var[i] = fs.allcov[i + i * mm];
    ks__sem_std_input sin = {fm->t, fs.est, var, NULL, NULL, 0};
    if ((rc = ks__sem_standardize(ctx, &sin, KS__SEM_STD_ALL, sall, stheta, NULL))) {
        ks__free(ctx, sall);
        goto free_sub;
    }
    ks__sem_defined_eval(fm->def, stheta, sdef, NULL);
    const size_t nd = ks__sem_defined_count(fm->def);
    for (size_t i = 0; i < nd; i++) sall[ks__sem_defined_row(fm->def, i)] = sdef[i];
    if (ml && nd)
        ks__log(ctx, KS_LOG_WARN,
                "SE for ghost parameter not available for ML: the SEs of the := parameters are "
                "NaN");

    /* the rows: free parameters (table order), := rows, fixed rows of the model as given */
    size_t nfree = 0, nfixed = 0;
    for (size_t r = 0; r < nr; r++)
        if (fm->t->par[r].free > 0 && is_model_op(fm->t->par[r].op)) nfree++;
    if (!cf)
        for (size_t r = 0; r < md.t->npar; r++)
            if (md.t->par[r].free == 0 && is_model_op(md.t->par[r].op)) nfixed++;
    const size_t nrow = nfree + (cf ? 0 : nd) + nfixed;
    u = ks__calloc(ctx, 1, sizeof *u);
    if (!u) {
        ks__free(ctx, sall);
        rc = KS_ENOMEM;
        goto free_sub;
    }
    u->alloc = ctx->alloc;
    const size_t nnum = 8 * nrow + (o->imp_cov ? 2 * p * p : 0) + 3 * nqf + 1;
    u->num = ks__calloc(ctx, nnum, sizeof *u->num);
    u->fixed = ks__calloc(ctx, nrow + 1, sizeof *u->fixed);
    u->names = (const char **)ks__calloc(ctx, 3 * nrow + p + 9 + 2 * nqf + 1, sizeof *u->names);
    /* the strings: each row's lhs, op, rhs, and the traits */
    size_t tl = 1;
    for (size_t r = 0; r < nr; r++)
        tl += strlen(fm->t->par[r].lhs) + strlen(fm->t->par[r].op) + strlen(fm->t->par[r].rhs) + 3;
    for (size_t r = 0; r < md.t->npar; r++)
        tl += strlen(md.t->par[r].lhs) + strlen(md.t->par[r].op) + strlen(md.t->par[r].rhs) + 3;
    for (size_t a = 0; a < p; a++) tl += strlen(shown[idx[a]]) + 1;
    for (size_t a = 0; a < nlv; a++) tl += 2 * (strlen(fm->t->lv[a]) + 1) * nqf;
    for (size_t j = 0; j < k; j++) tl += 3 * (strlen(shown[j]) + 1) * (nrow + 1); /* renamed */
    u->text = ks__calloc(ctx, tl, 1);
    if (!u->num || !u->fixed || !u->names || !u->text) {
        ks__free(ctx, sall);
        rc = KS_ENOMEM;
        goto free_sub;
    }
    char *tp = u->text;
    /* a name as the user sees it: a trait's given name (commonfactor renames them) */
#define PUT(dst, s)                                                                                \
    do {                                                                                           \
        const char *src_ = (s);                                                                    \
        for (size_t j_ = 0; j_ < k; j_++)                                                          \
            if (!strcmp(src_, names[j_])) src_ = shown[j_];                                        \
        const size_t l_ = strlen(src_);                                                            \
        memcpy(tp, src_, l_ + 1);                                                                  \
        (dst) = tp;                                                                                \
        tp += l_ + 1;                                                                              \
    } while (0)
    ks_gsem_usermodel_view *v = &u->v;
    double *num = u->num;
    double *est = num, *se = est + nrow, *sg = se + nrow, *sgse = sg + nrow, *sa = sgse + nrow,
           *tst = sa + nrow, *pv = tst + nrow;
    const char **L = u->names, **Op = L + nrow, **R = Op + nrow, **tr = R + nrow, **cn = tr + p;
    size_t j = 0;
    for (size_t r = 0; r < nr; r++) {
        const ks__sem_par *pr = &fm->t->par[r];
        if (!(pr->free > 0 && is_model_op(pr->op))) continue;
        PUT(L[j], pr->lhs);
        PUT(Op[j], pr->op);
        PUT(R[j], pr->rhs);
        const size_t th = (size_t)fm->mv.row_theta[r];
        est[j] = fu.est[r];
        se[j] = sqrt(fu.omega[th * (nt + 1)]);
        sg[j] = fs.est[r];
        sgse[j] = sqrt(fs.omega[th * (nt + 1)]);
        sa[j] = sall[r];
        j++;
    }
    for (size_t i = 0; !cf && i < nd; i++) {
        const size_t r = ks__sem_defined_row(fm->def, i);
        const ks__sem_par *pr = &fm->t->par[r];
        PUT(L[j], pr->lhs);
        PUT(Op[j], pr->op);
        PUT(R[j], pr->rhs);
        est[j] = fu.est[r];
        se[j] = fu.dse[i];
        sg[j] = fs.est[r];
        sgse[j] = fs.dse[i];
        sa[j] = sall[r];
        j++;
    }
    for (size_t r = 0; !cf && r < md.t->npar; r++) {
        const ks__sem_par *pr = &md.t->par[r];
        if (!(pr->free == 0 && is_model_op(pr->op))) continue;
        PUT(L[j], pr->lhs);
        PUT(Op[j], pr->op);
        PUT(R[j], pr->rhs);
        est[j] = sg[j] = sa[j] = pr->ustart;
        se[j] = sgse[j] = NAN;
        u->fixed[j] = 1;
        j++;
    }
    for (size_t i = 0; i < nrow; i++) {
        tst[i] = u->fixed[i] ? NAN : est[i] / se[i];
        pv[i] = u->fixed[i] ? NAN : 2.0 * ks_normal_cdf(-fabs(tst[i]));
    }
    for (size_t a = 0; a < p; a++) PUT(tr[a], shown[idx[a]]);
    const char **qf1 = cn + 9, **qf2 = qf1 + nqf; /* (after R's at most 9 column names) */
    for (size_t i = 0; i < nqf; i++) {
        PUT(qf1[i], fm->t->lv[(size_t)qf[5 * i]]);
        PUT(qf2[i], fm->t->lv[(size_t)qf[5 * i + 1]]);
    }
#undef PUT
    const size_t ncol = cf ? 8 : 9;
    for (size_t c = 0; c < ncol; c++) cn[c] = cf ? CF_COLS[c] : UM_COLS[c];
    ks__free(ctx, sall);

    v->npar = npar;
    v->df = df;
    v->chisq = Q;
    v->aic = Q + 2.0 * (double)npar;
    v->p_chisq = df > 0 ? ks_chi2_sf(Q, df) : NAN;
    v->cfi = cfi;
    v->srmr = srmr;
    if (df == 0) {
        v->chisq = v->aic = v->p_chisq = NAN;
        if (!cf) v->cfi = v->srmr = NAN;
    }
    v->nrow = nrow;
    v->lhs = L;
    v->op = Op;
    v->rhs = R;
    v->est = est;
    v->se = se;
    v->std_genotype = sg;
    v->std_genotype_se = sgse;
    v->std_all = cf ? NULL : sa;
    v->tstat = tst;
    v->pvalue = pv;
    v->fixed = u->fixed;
    v->ncol = ncol;
    v->colnames = cn;
    v->k = p;
    v->traits = tr;
    if (o->imp_cov) {
        double *ic = pv + nrow, *rc2 = ic + p * p;
        memcpy(ic, sig_t, p * p * sizeof *ic);
        for (size_t i = 0; i < p * p; i++) rc2[i] = S1[i] - sig_t[i];
        v->implied_cov = ic;
        v->resid_cov = rc2;
    }
    v->S_smoothed = rep.S_smoothed;
    v->V_smoothed = rep.V_smoothed;
    v->S_diff = rep.S_diff;
    v->V_diff = rep.V_diff;
    v->Z_diff = rep.Z_diff;
    v->resid_bounded = bounded;
    v->iterations = info.iterations;
    if (nqf) { /* (strings and numbers after everything else) */
        double *q = num + 8 * nrow + (o->imp_cov ? 2 * p * p : 0);
        for (size_t i = 0; i < nqf; i++) {
            const double *r = qf + 5 * i;
            q[i] = r[2];
            q[nqf + i] = r[3];
            q[2 * nqf + i] = r[4];
        }
        v->nqfactor = nqf;
        v->qf_factor1 = qf1;
        v->qf_factor2 = qf2;
        v->qf_chisq = q;
        v->qf_df = q + nqf;
        v->qf_pvalue = q + 2 * nqf;
    }
    *out = u;
    u = NULL;
free_sub:
    ks__free(ctx, (void *)sub);
    ks__free(ctx, qf);
done:
    ks_gsem_usermodel_free(u);
    ks__symeig_free(eig);
    ks__free(ctx, fu.est);
    ks__free(ctx, fs.est);
    model_free(&md);
    model_free(&md2);
    ks__free(ctx, idx);
    ks__free(ctx, buf);
    ks_string_free(text2);
    return rc;
}

/* BLAS threads off for the fit: its products and eigendecompositions are a few traits wide, and
 * spinning BLAS threads around them doubled a call's time. */
int ks__gsem_usermodel_run(ks_ctx *ctx, size_t k, const char *const *names,
                           const char *const *shown, const double *S, const double *V,
                           const char *model, const ks_gsem_usermodel_options *o, int cf,
                           ks_gsem_usermodel **out)
{
    const int blas = ks__blas_threads();
    ks__blas_set_threads(1);
    const int rc = usermodel_run(ctx, k, names, shown, S, V, model, o, cf, out);
    ks__blas_set_threads(blas);
    return rc;
}

int ks_gsem_usermodel_fit(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *model,
                          const ks_gsem_usermodel_options *opt, ks_gsem_usermodel **out)
{
    *out = NULL;
    if (!covstruc) return ks__fail(ctx, KS_EINVAL, "covstruc: none given");
    const ks_gsem_usermodel_options o =
        opt ? *opt : (ks_gsem_usermodel_options)KS_GSEM_USERMODEL_OPTIONS_INIT;
    ks_gsem_ldsc_view cv;
    ks_gsem_ldsc_get(covstruc, &cv);
    return ks__gsem_usermodel_run(ctx, cv.k, cv.names, cv.names, cv.S, cv.V, model, &o, 0, out);
}
