/* gwas_sem.c — the per-SNP SEM fits of GenomicSEM's userGWAS and commonfactorGWAS
 * (ks__gwas_user_ops, ks__gwas_commonfactor_ops; gwas_internal.h), every lavaan fit by the SEM
 * engine (src/sem/engine.h), as GenomicSEM computes them (R/userGWAS.R, userGWAS_main.R,
 * commonfactorGWAS*.R; helper_notes' spec sections 3 and 4):
 * - userGWAS, fix_measurement: the model without its SNP elements and definitions fitted once
 *   to S_LD; its parameter table with every lhs != rhs row fixed at its estimate, variances
 *   free, the full model's SNP rows, definitions and constraints appended (R's table, so its
 *   rows, order and free numbers), compiled once; per SNP a small warm-started fit;
 * - userGWAS without it, and commonfactorGWAS: the whole model per SNP, started at lavaan's
 *   values at the first SNP of a task and warm from the last SNP's solution after (tasks are
 *   fixed blocks of the SNP list, so no result depends on the threads or --chunk);
 * - per SNP: GenomicSEM's sandwich with V_Full in lavaan's order, `:=` by the delta method, the
 *   model chi-square eta' V_Full^-1 eta, Q_SNP; commonfactorGWAS' Q by its follow-up model.
 * Everything invariant over SNPs (tables, compiled models, the order, V_LD^-1) is made by
 * prepare; a fit allocates nothing. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gsem/gsem_fit.h"
#include "gsem/gsem_sem_input.h"
#include "gsem/gwas_internal.h"
#include "linalg/linalg_internal.h"
#include "sem/engine.h"

/* A parameter table made here from rows of built ones (strings borrowed from those). */
typedef struct {
    ks__sem_partable t;
    ks__sem_model *m;
    ks__sem_model_view v;
} sem_table;

typedef struct {
    ks_allocator alloc;
    size_t k, kf; /* traits; elements of vech(S_Full) */
    int ml, cf, fixmeas;
    ks__sem_syntax *syn;
    ks__sem_partable *tfull, *tmeas; /* as ks__sem_partable_build made them */
    sem_table T;                     /* the per-SNP table */
    sem_table Q;                     /* commonfactorGWAS' Q model */
    ks__sem_defined *def;
    size_t ndef;
    size_t nmeas;           /* fix_measurement: the first rows are the measurement fit's */
    double *meas_est;       /* nmeas: their estimates */
    size_t *ovidx; /* p: the place of lavaan's ov i among S_Full's (SNP 0, trait t t + 1) */
    size_t *vpos;  /* pstar: vech(S_Full) place of lavaan's vech element */
    size_t *exo;   /* nexo rows (fixed.x covariances: their value is S's, per SNP) */
    size_t nexo, exo_cells;
    double *vld_inv; /* kstar x kstar: V_LD^-1 by R's eigen route, for the chisq */
    /* the output rows */
    size_t nout, *out_row;
    const char **lhs, **op, **rhs, **label;
    int *free, *q_df;
    int *q_fac;        /* per output row: the Q_SNP factor (-1: none) */
    size_t nqf, *qind; /* Q_SNP's factors (layout_make) */
    size_t snp_ov;     /* the SNP's ov place */
    int q_snp;
    size_t cf_row;               /* commonfactorGWAS: the F1 ~ SNP row */
    size_t *cf_direct, *cf_resv; /* k each: the Ti ~ SNP and Ti ~~ Ti rows */
    char *text;
} sem_model;

typedef struct {
    ks_allocator alloc;
    ks__sem_work *w, *wq;
    ks__symeig *eig;   /* kf: the chisq when V_Full was smoothed */
    ks__symeig *eigd;  /* ntheta: the := SEs' projection */
    ks__symeig **eigq; /* per Q_SNP factor: its V_SNP block when not positive definite */
    int warm;
    double *est, *estq, *S, *W, *V, *vc, *sigma, *eta, *tmp, *A, *vals, *vecs, *dval, *djac, *theta;
} sem_ws;

#define QB(k) ((k) + 3)

static int is_con(const char *op)
{
    return !strcmp(op, "==") || !strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, ":=");
}
static int is_snp_row(const ks__sem_par *p)
{
    return !is_con(p->op) && (!strcmp(p->lhs, "SNP") || !strcmp(p->rhs, "SNP"));
}

static void table_clear(const ks_allocator *a, sem_table *T)
{
    ks__sem_model_free(T->m);
    ks__release(a, T->t.par);
    ks__release(a, T->t.ov);
}

static void model_free(const ks_allocator *a, void *p)
{
    sem_model *m = p;
    if (!m) return;
    table_clear(a, &m->T);
    table_clear(a, &m->Q);
    ks__sem_defined_free(m->def);
    ks__sem_partable_free(m->tfull);
    ks__sem_partable_free(m->tmeas);
    ks__sem_syntax_free(m->syn);
    ks__release(a, m->meas_est);
    ks__release(a, m->ovidx);
    ks__release(a, m->vpos);
    ks__release(a, m->exo);
    ks__release(a, m->vld_inv);
    ks__release(a, m->out_row);
    ks__release(a, m->lhs);
    ks__release(a, m->free);
    ks__release(a, m->qind);
    ks__release(a, m->cf_direct);
    ks__release(a, m->text);
    ks__release(a, m);
}

/* The table's ov / lv order copied from src (the per-SNP table's variables are the full
 * model's), rows given; compiled. */
static int table_make(ks_ctx *ctx, const ks__sem_partable *src, ks__sem_par *par, size_t n,
                      sem_table *T)
{
    T->t.alloc = ctx->alloc;
    T->t.par = par;
    T->t.npar = n;
    T->t.nfree = 0;
    for (size_t i = 0; i < n; i++)
        if (par[i].free > 0 && (size_t)par[i].free > T->t.nfree) T->t.nfree = (size_t)par[i].free;
    T->t.nov = src->nov;
    T->t.nlv = src->nlv;
    T->t.ov = ks__malloc_array(ctx, src->nov + src->nlv + 1, sizeof *T->t.ov);
    if (!T->t.ov) return KS_ENOMEM;
    memcpy(T->t.ov, src->ov, src->nov * sizeof *T->t.ov);
    if (src->nlv) memcpy(T->t.ov + src->nov, src->lv, src->nlv * sizeof *T->t.ov);
    T->t.lv = T->t.ov + src->nov;
    T->t.text = NULL;
    int rc = ks__sem_model_compile(ctx, &T->t, NULL, &T->m);
    if (rc) return rc;
    ks__sem_model_get(T->m, &T->v);
    return KS_OK;
}

/* Renumber free rows 1.. in row order, as lavaan does with a given table. */
static void renumber(ks__sem_par *par, size_t n)
{
    int f = 0;
    for (size_t i = 0; i < n; i++)
        if (par[i].free > 0) par[i].free = ++f;
}

static long ov_place(const ks__sem_partable *t, const char *name)
{
    for (size_t i = 0; i < t->nov; i++)
        if (!strcmp(t->ov[i], name)) return (long)i;
    return -1;
}

static double dwls_nobs(const sem_model *m) { return m->ml ? 200.0 : 2.0; }

/* A fit from est (start) to the estimates: KS_OK, 1 (not converged as lavaan would say: its
 * gradient test optim.dx.tol = 0.01 on fmin fails), or the engine's error code. */
static int fit_one(ks_ctx *ctx, const sem_model *m, const sem_table *T, ks__sem_work *w,
                   const double *S, const double *W, double *est)
{
    ks__sem_problem pb = {
        m->ml ? KS__SEM_ML : KS__SEM_DWLS, S, dwls_nobs(m), m->ml ? NULL : W, NULL, 0, 0};
    ks__sem_fit_info info;
    const int rc = ks__sem_fit(ctx, T->m, w, &pb, est, &info);
    if (rc) return rc;
    const double scale = m->ml ? 0.5 : 0.25; /* fmin = F / 2, DWLS (N - 1) / N F / 2 with N = 2 */
    return info.status != KS__SEM_CONVERGED && info.max_grad * scale > 0.01;
}

/* The measurement model of fix_measurement: the model's elements without the SNP (by name, not
 * R's substring test on lines, so a trait named e.g. SNPx stays) and without definitions,
 * built against the traits and fitted to S_LD (DWLS with W = 1 / diag(V_LD in its order)). */
static int measurement_fit(ks_ctx *ctx, sem_model *m, const ks__gwas_covstruc *cs,
                           const ks__gwas_sem_spec *spec)
{
    const ks__sem_syntax *s = m->syn;
    ks__sem_syntax sub = *s;
    sub.elem = ks__malloc_array(ctx, s->nelem + 1, sizeof *sub.elem);
    sub.con = ks__malloc_array(ctx, s->ncon + 1, sizeof *sub.con);
    int rc = sub.elem && sub.con ? KS_OK : KS_ENOMEM;
    sub.nelem = sub.ncon = 0;
    for (size_t i = 0; !rc && i < s->nelem; i++)
        if (strcmp(s->elem[i].lhs, "SNP") && strcmp(s->elem[i].rhs, "SNP"))
            sub.elem[sub.nelem++] = s->elem[i];
    for (size_t i = 0; !rc && i < s->ncon; i++)
        if (strcmp(s->con[i].op, ":=")) sub.con[sub.ncon++] = s->con[i];
    ks__sem_partable_options o = KS__SEM_PARTABLE_OPTIONS_INIT;
    o.std_lv = spec->std_lv;
    o.fixed_x = m->ml;
    o.data_names = cs->names;
    o.ndata = cs->k;
    o.moments = 1;
    if (!rc) rc = ks__sem_partable_build(ctx, &sub, &o, &m->tmeas);
    ks__release(&ctx->alloc, sub.elem);
    ks__release(&ctx->alloc, sub.con);
    if (rc) return rc;
    const ks__sem_partable *t = m->tmeas;
    const size_t p = t->nov, ps = p * (p + 1) / 2, ks = cs->k * (cs->k + 1) / 2;
    (void)ks;
    size_t *idx = ks__malloc_array(ctx, p + 1, sizeof *idx);
    double *buf = ks__malloc_array(ctx, p * p + ps * ps + ps + t->npar + 1, sizeof *buf);
    ks__sem_model *mm = NULL;
    ks__sem_work *w = NULL;
    if (!idx || !buf) rc = KS_ENOMEM;
    if (!rc) rc = ks__gsem_trait_index(ctx, cs->k, cs->names, p, t->ov, idx);
    double *S = buf, *V = S + p * p, *W = V + ps * ps, *est = W + ps;
    if (!rc) {
        ks__gsem_sv_select(cs->k, cs->S, cs->V, p, idx, S, V);
        ks__gsem_dwls_weights(ps, V, 0, W);
        rc = ks__sem_model_compile(ctx, t, NULL, &mm);
    }
    if (!rc) rc = ks__sem_work_new(ctx, mm, &w);
    if (!rc) rc = ks__sem_start(ctx, mm, S, est);
    if (!rc) {
        sem_table T = {*t, mm, {0}};
        rc = fit_one(ctx, m, &T, w, S, W, est);
        if (rc == 1)
            rc = ks__fail(ctx, KS_ENUMERIC,
                          "userGWAS: the measurement model (the model without its SNP rows) did "
                          "not converge on the LDSC matrices");
    }
    if (!rc) {
        m->meas_est = ks__malloc_array(ctx, t->npar + 1, sizeof *m->meas_est);
        if (!m->meas_est)
            rc = KS_ENOMEM;
        else
            memcpy(m->meas_est, est, t->npar * sizeof *est);
    }
    ks__sem_work_free(w);
    ks__sem_model_free(mm);
    ks__release(&ctx->alloc, idx);
    ks__release(&ctx->alloc, buf);
    return rc;
}

/* R's fix_measurement table: the measurement fit's model rows (lhs != rhs fixed at their
 * estimates, variances as they were), then the full model's SNP rows, its definitions and its
 * constraints. Plabels: a measurement row takes its full-model twin's, so that the full
 * model's constraints name it. */
static int fixmeas_table(ks_ctx *ctx, sem_model *m, ks__sem_par **out, size_t *n, char **lab)
{
    const ks__sem_partable *a = m->tmeas, *b = m->tfull;
    ks__sem_par *par = ks__malloc_array(ctx, a->npar + b->npar + 1, sizeof *par);
    char *text = ks__malloc_array(ctx, a->npar + 1, 24);
    if (!par || !text) {
        ks__release(&ctx->alloc, par);
        ks__release(&ctx->alloc, text);
        return KS_ENOMEM;
    }
    size_t r = 0;
    for (size_t i = 0; i < a->npar; i++) {
        const ks__sem_par *q = &a->par[i];
        if (is_con(q->op)) continue;
        par[r] = *q;
        if (strcmp(q->lhs, q->rhs)) par[r].free = 0;
        par[r].plabel = text + 24 * r;
        snprintf(text + 24 * r, 24, ".m%zu.", r + 1);
        for (size_t j = 0; j < b->npar; j++)
            if (!strcmp(b->par[j].lhs, q->lhs) && !strcmp(b->par[j].op, q->op) &&
                !strcmp(b->par[j].rhs, q->rhs)) {
                par[r].plabel = b->par[j].plabel;
                break;
            }
        m->meas_est[r] = m->meas_est[i];
        r++;
    }
    m->nmeas = r;
    for (int pass = 0; pass < 3; pass++)
        for (size_t j = 0; j < b->npar; j++) {
            const ks__sem_par *q = &b->par[j];
            if (pass == 0   ? is_snp_row(q)
                : pass == 1 ? !strcmp(q->op, ":=")
                            : is_con(q->op) && strcmp(q->op, ":="))
                par[r++] = *q;
        }
    renumber(par, r);
    *out = par;
    *n = r;
    *lab = text;
    return KS_OK;
}

/* The output rows (after sub: spaces removed, compared with lhs op rhs) and Q_SNP's factors. */
static int layout_make(ks_ctx *ctx, sem_model *m, const ks__gwas_sem_spec *spec, ks__gwas_layout *L)
{
    const ks__sem_partable *t = &m->T.t;
    const size_t n = t->npar, k = m->k;
    m->out_row = ks__malloc_array(ctx, n + 1, sizeof *m->out_row);
    m->lhs = ks__malloc_array(ctx, 4 * n + 4, sizeof *m->lhs);
    m->free = ks__malloc_array(ctx, 3 * n + 3, sizeof *m->free);
    m->qind = ks__malloc_array(ctx, (t->nlv + 1) * QB(k), sizeof *m->qind);
    if (!m->out_row || !m->lhs || !m->free || !m->qind) return KS_ENOMEM;
    m->op = m->lhs + n + 1;
    m->rhs = m->op + n + 1;
    m->label = m->rhs + n + 1;
    m->q_df = m->free + n + 1;
    m->q_fac = m->q_df + n + 1;
    /* Q_SNP's factors: latent variables regressed on the SNP (`F ~ SNP`); block f of qind:
       its indicators (ov places), then at k their count, k + 1 second order, k + 2 the lv */
    m->nqf = 0;
    for (size_t f = 0; f < t->nlv; f++) {
        int reg = 0;
        for (size_t i = 0; i < n; i++)
            reg |= !strcmp(t->par[i].op, "~") && !strcmp(t->par[i].lhs, t->lv[f]) &&
                   !strcmp(t->par[i].rhs, "SNP");
        if (!reg) continue;
        size_t *ind = m->qind + m->nqf * QB(k), ni = 0;
        int first = -1;
        for (size_t i = 0; i < n; i++) {
            if (strcmp(t->par[i].op, "=~") || strcmp(t->par[i].lhs, t->lv[f])) continue;
            const long o = ov_place(t, t->par[i].rhs);
            if (first < 0) first = o < 0;
            if (o >= 0 && ni < k) ind[ni++] = (size_t)o;
        }
        ind[k] = ni;
        ind[k + 1] = first == 1;
        ind[k + 2] = f;
        m->nqf++;
    }
    /* the output rows */
    size_t r = 0;
    for (size_t i = 0; i < n; i++) {
        const ks__sem_par *q = &t->par[i];
        if (spec->sub) {
            int hit = 0;
            for (const char *const *s = spec->sub; *s && !hit; s++) {
                const char *a = *s;
                const char *parts[3] = {q->lhs, q->op, q->rhs};
                int ok = 1;
                for (int pp = 0; pp < 3 && ok; pp++)
                    for (const char *c = parts[pp]; *c && ok; c++) {
                        while (*a == ' ' || *a == '\t') a++;
                        ok = *a == *c;
                        a++;
                    }
                while (*a == ' ' || *a == '\t') a++;
                hit = ok && !*a;
            }
            if (!hit) continue;
        }
        m->out_row[r] = i;
        m->lhs[r] = q->lhs;
        m->op[r] = q->op;
        m->rhs[r] = q->rhs;
        m->label[r] = q->label;
        m->free[r] = q->free;
        m->q_df[r] = -1;
        m->q_fac[r] = -1;
        if (!strcmp(q->rhs, "SNP"))
            for (size_t f = 0; f < m->nqf; f++) {
                const size_t *ind = m->qind + f * QB(k);
                if (!strcmp(q->lhs, t->lv[ind[k + 2]])) {
                    m->q_fac[r] = (int)f;
                    m->q_df[r] = (int)ind[k] - 1;
                }
            }
        r++;
    }
    m->nout = r;
    if (!r) return ks__fail(ctx, KS_EINVAL, "userGWAS: no parameter of the model matches sub");
    m->q_snp = spec->q_snp;
    L->nrow = r;
    L->lhs = m->lhs;
    L->op = m->op;
    L->rhs = m->rhs;
    L->label = m->label;
    L->free = m->free;
    L->q_df = m->q_df;
    /* lavaan's df and npar (GenomicSEM takes them from the table's dummy fit): the free
       parameters less the equality constraints; the sample moments less fixed.x's */
    L->npar = (double)m->T.v.nx;
    L->chisq_df = (double)(m->T.v.pstar - m->exo_cells) - L->npar;
    return KS_OK;
}

/* lavaan's order: ov i of the table is S_Full's ovidx[i]; vech element a of lavaan's order is
 * vech(S_Full)'s vpos[a]. Every trait of the covstruc must be in the model (R's chisq indexes
 * the implied matrix by all of them), and the SNP. Fixed.x rows (ML): their value is S's. */
static int order_make(ks_ctx *ctx, sem_model *m, const ks__gwas_covstruc *cs)
{
    const ks__sem_partable *t = &m->T.t;
    const size_t p = t->nov, k = m->k;
    if (p != k + 1 || ov_place(t, "SNP") < 0)
        return ks__fail(ctx, KS_EINVAL,
                        "%s: the model must use the SNP (as `SNP`) and every one of the %zu "
                        "traits (GenomicSEM's chi-square needs them all); it has %zu observed "
                        "variables",
                        m->cf ? "commonfactorGWAS" : "userGWAS", k, p);
    m->ovidx = ks__malloc_array(ctx, p, sizeof *m->ovidx);
    m->vpos = ks__malloc_array(ctx, p * (p + 1) / 2, sizeof *m->vpos);
    m->exo = ks__malloc_array(ctx, t->npar + 1, sizeof *m->exo);
    if (!m->ovidx || !m->vpos || !m->exo) return KS_ENOMEM;
    for (size_t i = 0; i < p; i++) {
        if (!strcmp(t->ov[i], "SNP")) {
            m->ovidx[i] = 0;
            m->snp_ov = i;
            continue;
        }
        size_t j;
        int rc = ks__gsem_trait_index(ctx, k, cs->names, 1, &t->ov[i], &j);
        if (rc) return rc;
        m->ovidx[i] = j + 1;
    }
    size_t a = 0;
    for (size_t j = 0; j < p; j++)
        for (size_t i = j; i < p; i++) m->vpos[a++] = ks__gsem_vech_at(p, m->ovidx[i], m->ovidx[j]);
    m->nexo = m->exo_cells = 0;
    for (size_t i = 0; i < t->npar; i++)
        if (t->par[i].exo && !strcmp(t->par[i].op, "~~")) {
            m->exo_cells++;
            if (t->par[i].free == 0) m->exo[m->nexo++] = i;
        }
    return KS_OK;
}

/* V_LD^-1 = P diag(1 / d) P' from R's eigen of V_LD (what GenomicSEM's chisq inverts, block by
 * block: see chisq()). */
static int vld_inverse(ks_ctx *ctx, sem_model *m, const double *V_LD)
{
    const size_t n = m->k * (m->k + 1) / 2;
    ks__symeig *e = NULL;
    double *d = ks__malloc_array(ctx, n + n * n, sizeof *d);
    m->vld_inv = ks__calloc(ctx, n * n, sizeof *m->vld_inv);
    int rc = d && m->vld_inv ? ks__symeig_new(ctx, n, &e) : KS_ENOMEM;
    if (!rc) rc = ks__symeig_run(ctx, e, V_LD, d, d + n);
    for (size_t c = 0; !rc && c < n; c++) {
        const double *v = d + n + c * n;
        for (size_t j = 0; j < n; j++)
            for (size_t i = 0; i < n; i++) m->vld_inv[i + j * n] += v[i] * v[j] / d[c];
    }
    ks__symeig_free(e);
    ks__release(&ctx->alloc, d);
    return rc;
}

static int prepare_common(ks_ctx *ctx, sem_model *m, const ks__gwas_covstruc *cs,
                          const ks__gwas_sem_spec *spec, const char *model, ks__gwas_layout *L)
{
    int rc = ks__sem_parse(ctx, model, &m->syn);
    const char **names = ks__malloc_array(ctx, cs->k + 1, sizeof *names);
    if (!rc && !names) rc = KS_ENOMEM;
    if (rc) {
        ks__release(&ctx->alloc, names);
        return rc;
    }
    names[0] = "SNP";
    memcpy(names + 1, cs->names, cs->k * sizeof *names);
    ks__sem_partable_options o = KS__SEM_PARTABLE_OPTIONS_INIT;
    o.std_lv = spec->std_lv && !m->cf;
    o.fixed_x = m->ml;
    o.data_names = names;
    o.ndata = cs->k + 1;
    o.moments = 1;
    rc = ks__sem_partable_build(ctx, m->syn, &o, &m->tfull);
    ks__release(&ctx->alloc, names);
    if (rc) return rc;
    ks__sem_par *par = NULL;
    size_t n = 0;
    if (m->fixmeas) {
        if ((rc = measurement_fit(ctx, m, cs, spec)) ||
            (rc = fixmeas_table(ctx, m, &par, &n, &m->text)))
            return rc;
    } else {
        n = m->tfull->npar;
        par = ks__malloc_array(ctx, n + 1, sizeof *par);
        if (!par) return KS_ENOMEM;
        memcpy(par, m->tfull->par, n * sizeof *par);
    }
    if ((rc = table_make(ctx, m->tfull, par, n, &m->T))) {
        if (!m->T.t.par) ks__release(&ctx->alloc, par);
        return rc;
    }
    if ((rc = ks__sem_defined_build(ctx, &m->T.t, &m->def))) return rc;
    m->ndef = ks__sem_defined_count(m->def);
    if ((rc = order_make(ctx, m, cs)) || (rc = vld_inverse(ctx, m, cs->V))) return rc;
    return layout_make(ctx, m, spec, L);
}

static int user_prepare(ks_ctx *ctx, const ks__gwas_covstruc *cs, const void *spec_, void **out,
                        ks__gwas_layout *L)
{
    const ks__gwas_sem_spec *spec = spec_;
    if (!spec->model) return ks__fail(ctx, KS_EINVAL, "userGWAS: no model");
    sem_model *m = ks__calloc(ctx, 1, sizeof *m);
    if (!m) return KS_ENOMEM;
    m->alloc = ctx->alloc;
    m->k = cs->k;
    m->kf = (cs->k + 1) * (cs->k + 2) / 2;
    m->ml = spec->ml;
    m->fixmeas = spec->fix_measurement;
    const int rc = prepare_common(ctx, m, cs, spec, spec->model, L);
    if (rc) {
        model_free(&ctx->alloc, m);
        return rc;
    }
    *out = m;
    return KS_OK;
}

/* commonfactorGWAS' model (marker identification) and its Q model: loadings, F1 ~ SNP, F1 ~~ F1
 * and SNP ~~ SNP fixed at the SNP's estimates, the direct effects Ti ~ SNP and the residual
 * variances free. */
static int cf_prepare(ks_ctx *ctx, const ks__gwas_covstruc *cs, const void *spec_, void **out,
                      ks__gwas_layout *L)
{
    const ks__gwas_sem_spec *spec = spec_;
    const size_t k = cs->k;
    size_t len = 64;
    for (size_t i = 0; i < k; i++) len += 3 * strlen(cs->names[i]) + 32;
    sem_model *m = ks__calloc(ctx, 1, sizeof *m);
    char *text = ks__malloc(ctx, len);
    if (!m || !text) {
        ks__release(&ctx->alloc, m);
        ks__release(&ctx->alloc, text);
        return KS_ENOMEM;
    }
    m->alloc = ctx->alloc;
    m->k = k;
    m->kf = (k + 1) * (k + 2) / 2;
    m->ml = spec->ml;
    m->cf = 1;
    char *p = text;
    p += sprintf(p, "F1 =~ ");
    for (size_t i = 0; i < k; i++) p += sprintf(p, "%s%s", i ? " + " : "", cs->names[i]);
    p += sprintf(p, "\nF1 ~ SNP\n");
    for (size_t i = 0; i < k; i++) p += sprintf(p, "%s ~ 0*SNP\n", cs->names[i]);
    ks__gwas_sem_spec s2 = *spec;
    s2.sub = NULL;
    s2.q_snp = 0;
    int rc = prepare_common(ctx, m, cs, &s2, text, L);
    ks__release(&ctx->alloc, text);
    const ks__sem_partable *t = &m->T.t;
    if (!rc) {
        m->cf_direct = ks__malloc_array(ctx, 2 * k, sizeof *m->cf_direct);
        if (!m->cf_direct) rc = KS_ENOMEM;
    }
    size_t nd = 0, nr = 0;
    long cfr = -1;
    for (size_t i = 0; !rc && i < t->npar; i++) {
        const ks__sem_par *q = &t->par[i];
        if (!strcmp(q->op, "~") && !strcmp(q->rhs, "SNP")) {
            if (!strcmp(q->lhs, "F1"))
                cfr = (long)i;
            else if (nd < k)
                m->cf_direct[nd++] = i;
        } else if (!strcmp(q->op, "~~") && !strcmp(q->lhs, q->rhs) && strcmp(q->lhs, "F1") &&
                   strcmp(q->lhs, "SNP") && nr < k)
            m->cf_direct[k + nr++] = i;
    }
    if (!rc && (cfr < 0 || nd != k || nr != k))
        rc = ks__fail(ctx, KS_EINVAL, "commonfactorGWAS: unexpected parameter table");
    if (!rc) {
        m->cf_row = (size_t)cfr;
        m->cf_resv = m->cf_direct + k;
        ks__sem_par *q = ks__malloc_array(ctx, t->npar + 1, sizeof *q);
        if (!q)
            rc = KS_ENOMEM;
        else {
            memcpy(q, t->par, t->npar * sizeof *q);
            for (size_t i = 0; i < t->npar; i++) q[i].free = 0;
            for (size_t i = 0; i < 2 * k; i++) q[m->cf_direct[i]].free = 1;
            for (size_t i = 0; i < k; i++) q[m->cf_direct[i]].ustart = NAN;
            renumber(q, t->npar);
            rc = table_make(ctx, m->tfull, q, t->npar, &m->Q);
            if (rc && !m->Q.t.par) ks__release(&ctx->alloc, q);
        }
    }
    if (!rc) { /* the one row: F1 ~ SNP */
        m->out_row[0] = m->cf_row;
        m->lhs[0] = "F1";
        m->op[0] = "~";
        m->rhs[0] = "SNP";
        m->label[0] = t->par[m->cf_row].label;
        m->free[0] = t->par[m->cf_row].free;
        m->nout = L->nrow = 1;
        L->q_df = NULL;
        L->chisq_df = L->npar = NAN;
    }
    if (rc) {
        model_free(&ctx->alloc, m);
        return rc;
    }
    *out = m;
    return KS_OK;
}

static void ws_free(const ks_allocator *a, void *p)
{
    sem_ws *w = p;
    if (!w) return;
    ks__sem_work_free(w->w);
    ks__sem_work_free(w->wq);
    ks__symeig_free(w->eig);
    ks__symeig_free(w->eigd);
    for (size_t f = 0; w->eigq && w->eigq[f]; f++) ks__symeig_free(w->eigq[f]);
    ks__release(a, w->eigq);
    ks__release(a, w->est);
    ks__release(a, w);
}

static int ws_new(ks_ctx *ctx, const void *model, void **out)
{
    const sem_model *m = model;
    const size_t n = m->T.t.npar, p = m->T.v.p, ps = m->T.v.pstar, nt = m->T.v.ntheta, kf = m->kf,
                 nd = m->ndef;
    sem_ws *w = ks__calloc(ctx, 1, sizeof *w);
    if (!w) return KS_ENOMEM;
    w->alloc = ctx->alloc;
    const size_t big = kf > nt ? kf : nt;
    const size_t tot = 2 * n + p * p + ps + ps * ps + nt * nt + p * p + kf + kf + big * big + big +
                       big * big + nd + nd * nt + nt + 8;
    w->est = ks__malloc_array(ctx, tot, sizeof *w->est);
    int rc = w->est ? ks__sem_work_new(ctx, m->T.m, &w->w) : KS_ENOMEM;
    if (!rc && m->cf) rc = ks__sem_work_new(ctx, m->Q.m, &w->wq);
    if (!rc) rc = ks__symeig_new(ctx, kf, &w->eig);
    if (!rc && nd) rc = ks__symeig_new(ctx, nt, &w->eigd);
    if (!rc && m->q_snp) {
        w->eigq = ks__calloc(ctx, m->nqf + 1, sizeof *w->eigq);
        if (!w->eigq) rc = KS_ENOMEM;
        for (size_t f = 0; !rc && f < m->nqf; f++) {
            const size_t ni = m->qind[f * QB(m->k) + m->k];
            if (ni)
                rc = ks__symeig_new(ctx, ni, &w->eigq[f]);
            else if (f + 1 < m->nqf) /* (keep the list without holes) */
                rc = ks__symeig_new(ctx, 1, &w->eigq[f]);
        }
    }
    if (rc) {
        ws_free(&ctx->alloc, w);
        return rc;
    }
    w->estq = w->est + n;
    w->S = w->estq + n;
    w->W = w->S + p * p;
    w->V = w->W + ps;
    w->vc = w->V + ps * ps;
    w->sigma = w->vc + nt * nt;
    w->eta = w->sigma + p * p;
    w->tmp = w->eta + kf;
    w->A = w->tmp + kf;
    w->vals = w->A + big * big;
    w->vecs = w->vals + big;
    w->dval = w->vecs + big * big;
    w->djac = w->dval + nd;
    w->theta = w->djac + nd * nt;
    *out = w;
    return KS_OK;
}

static void chunk_begin(void *ws) { ((sem_ws *)ws)->warm = 0; }

static int fail_msg(ks_ctx *ctx, ks__gwas_result *res, int rc, const char *what)
{
    if (rc < 0 && rc != KS_ENUMERIC && rc != KS_EINVAL) return rc;
    if (rc == 1)
        snprintf(res->error, sizeof res->error,
                 "%s: the optimizer warns that a solution has NOT been found!", what);
    else
        snprintf(res->error, sizeof res->error, "%s: %s", what, ks_errmsg(ctx));
    return 1;
}

/* eta' x with x = A^-1 eta for the n x n SPD A (column-major, ld lda) by Cholesky; NaN when A
 * is not positive definite. */
static double quad_inv(size_t n, const double *A, size_t lda, const double *eta, double *L,
                       double *x)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) L[i + j * n] = A[i + j * lda];
    if (ks__sem_chol(n, L, 0.0)) return NAN;
    memcpy(x, eta, n * sizeof *x);
    ks__sem_chol_solve(n, L, x);
    double q = 0.0;
    for (size_t i = 0; i < n; i++) q += eta[i] * x[i];
    return q;
}

/* GenomicSEM's model chi-square eta' V_Full^-1 eta, eta = vech(S_Full - Sigma) over all of
 * S_Full (R: eigen(V_Full), P diag(1 / d) P'). V_Full is block-diagonal (SNPSE^2, V_SNP, V_LD)
 * and the inverse of a block-diagonal matrix is the blocks' inverses, so the form is the sum
 * of the blocks' forms: the same number, up to rounding, with V_LD^-1 made once and only the
 * k x k V_SNP solved per SNP. A smoothed V_Full is not block-diagonal any more: then R's
 * route, over the whole matrix. */
static int chisq(ks_ctx *ctx, const sem_model *m, sem_ws *w, const ks__gwas_snp *s, double *q)
{
    const size_t kf = m->kf, k = m->k, n = k * (k + 1) / 2, p = k + 1;
    for (size_t a = 0, j = 0; j < p; j++)
        for (size_t i = j; i < p; i++, a++)
            w->eta[m->vpos[a]] = w->S[i + j * p] - w->sigma[i + j * p];
    if (s->smoothed & KS__GWAS_V_SMOOTHED)
        return ks__gsem_q(ctx, w->eig, s->V_Full, w->eta, w->vals, w->vecs, q);
    double t = w->eta[0] * w->eta[0] / s->V_Full[0];
    t += quad_inv(k, s->V_Full + 1 + kf, kf, w->eta + 1, w->A, w->tmp);
    const double *e = w->eta + p;
    for (size_t j = 0; j < n; j++) {
        double d = 0.0;
        for (size_t i = 0; i < n; i++) d += m->vld_inv[i + j * n] * e[i];
        t += d * e[j];
    }
    *q = t;
    return KS_OK;
}

/* Q_SNP of factor f: the SNP's residual covariances with its indicators against the unsmoothed
 * V_SNP's block of them (NaN for a second-order factor). R inverts the block by its eigen
 * decomposition; Cholesky gives the same number when it is positive definite, and R's route
 * is taken when it is not (an indefinite V_SNP gives R a number, not an error). */
static int q_snp(ks_ctx *ctx, const sem_model *m, sem_ws *w, size_t f, const ks__gwas_snp *s,
                 double *q)
{
    const size_t k = m->k, p = k + 1, *ind = m->qind + f * QB(k), ni = ind[k], sp = m->snp_ov;
    *q = NAN;
    if (ind[k + 1] || !ni) return KS_OK;
    double *eta = w->tmp, *Vs = w->vecs;
    for (size_t a = 0; a < ni; a++) {
        const size_t i = ind[a];
        eta[a] = w->S[i + sp * p] - w->sigma[i + sp * p];
        for (size_t b = 0; b < ni; b++)
            Vs[a + b * ni] = s->V_SNP[(m->ovidx[i] - 1) + (m->ovidx[ind[b]] - 1) * k];
    }
    *q = quad_inv(ni, Vs, ni, eta, w->A, w->vals);
    if (!isnan(*q)) return KS_OK;
    const int rc = ks__gsem_q(ctx, w->eigq[f], Vs, eta, w->vals, w->A, q);
    if (rc) *q = NAN;
    return rc == KS_ENOMEM ? rc : KS_OK;
}

/* The := rows' SEs, GenomicSEM's delta method (gsem_fit.c, as usermodel's). */
static int defined_se(ks_ctx *ctx, const sem_model *m, sem_ws *w, double *se)
{
    const size_t nt = m->T.v.ntheta;
    for (size_t t = 0; t < nt; t++) w->theta[t] = w->est[m->T.v.theta_row[t]];
    ks__sem_defined_eval(m->def, w->theta, w->dval, w->djac);
    return ks__gsem_defined_se(ctx, m->ndef, nt, w->djac, w->vc, se);
}

/* This SNP's S_Full, V_Full and W in lavaan's order; the start (lavaan's at a task's first SNP
 * or after a failure, else the last SNP's solution; fix_measurement's rows at the measurement
 * fit's values); fixed.x values from S. */
static int snp_setup(ks_ctx *ctx, const sem_model *m, sem_ws *w, const ks__gwas_snp *s)
{
    const size_t p = m->T.v.p, ps = m->T.v.pstar, kf = m->kf, q = m->k + 1;
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i < p; i++) w->S[i + j * p] = s->S_Full[m->ovidx[i] + m->ovidx[j] * q];
    for (size_t b = 0; b < ps; b++)
        for (size_t a = 0; a < ps; a++) w->V[a + b * ps] = s->V_Full[m->vpos[a] + m->vpos[b] * kf];
    ks__gsem_dwls_weights(ps, w->V, 0, w->W);
    if (!w->warm) {
        const int rc = ks__sem_start(ctx, m->T.m, w->S, w->est);
        if (rc) return rc;
        if (m->fixmeas) memcpy(w->est, m->meas_est, m->nmeas * sizeof *w->est);
    }
    const ks__sem_partable *t = &m->T.t;
    for (size_t e = 0; e < m->nexo; e++) {
        const ks__sem_par *r = &t->par[m->exo[e]];
        const long i = ov_place(t, r->lhs), j = ov_place(t, r->rhs);
        w->est[m->exo[e]] = w->S[(size_t)i + (size_t)j * p];
    }
    return KS_OK;
}

static int user_fit(ks_ctx *ctx, void *ws, const void *model, const ks__gwas_snp *s,
                    ks__gwas_result *res)
{
    const sem_model *m = model;
    sem_ws *w = ws;
    const size_t nt = m->T.v.ntheta;
    int rc = snp_setup(ctx, m, w, s);
    if (!rc) rc = fit_one(ctx, m, &m->T, w->w, w->S, w->W, w->est);
    ks__sem_problem pb = {
        m->ml ? KS__SEM_ML : KS__SEM_DWLS, w->S, dwls_nobs(m), m->ml ? NULL : w->W, NULL, 0, 0};
    if (!rc) rc = ks__sem_vcov(ctx, m->T.m, w->w, &pb, w->est, w->V, w->vc);
    if (!rc) rc = ks__sem_evaluate(ctx, m->T.m, w->w, &pb, w->est, w->sigma, NULL, NULL, NULL);
    if (!rc) rc = chisq(ctx, m, w, s, &res->chisq);
    double dse[64];
    if (!rc && m->ndef) {
        if (m->ndef > 64 || m->ml) {
            for (size_t d = 0; d < m->ndef && d < 64; d++) dse[d] = NAN;
        } else
            rc = defined_se(ctx, m, w, dse);
    }
    if (rc) {
        w->warm = 0;
        return fail_msg(ctx, res, rc, "userGWAS");
    }
    w->warm = 1;
    const ks__sem_partable *t = &m->T.t;
    for (size_t r = 0; r < m->nout; r++) {
        const size_t i = m->out_row[r];
        const ks__sem_par *q = &t->par[i];
        const long th = m->T.v.row_theta[i];
        res->est[r] = w->est[i];
        res->se[r] = th >= 0 ? sqrt(w->vc[th + th * (long)nt]) : NAN;
        res->q_snp[r] = NAN;
        if (!strcmp(q->op, ":=")) {
            for (size_t d = 0; d < m->ndef; d++)
                if (ks__sem_defined_row(m->def, d) == i) {
                    res->est[r] = w->dval[d];
                    res->se[r] = d < 64 ? dse[d] : NAN;
                }
        } else if (is_con(q->op)) {
            res->est[r] = NAN; /* (R: NA for < >; lavaan's value for == is not kept here) */
        }
        if (m->q_snp && m->q_fac[r] >= 0 &&
            (rc = q_snp(ctx, m, w, (size_t)m->q_fac[r], s, &res->q_snp[r])))
            return rc;
    }
    return KS_OK;
}

static int cf_fit(ks_ctx *ctx, void *ws, const void *model, const ks__gwas_snp *s,
                  ks__gwas_result *res)
{
    const sem_model *m = model;
    sem_ws *w = ws;
    const size_t nt = m->T.v.ntheta, k = m->k, p = k + 1, n = m->T.t.npar;
    res->est[0] = res->se[0] = res->q_snp[0] = res->chisq = NAN;
    int rc = snp_setup(ctx, m, w, s);
    if (!rc) rc = fit_one(ctx, m, &m->T, w->w, w->S, w->W, w->est);
    ks__sem_problem pb = {
        m->ml ? KS__SEM_ML : KS__SEM_DWLS, w->S, dwls_nobs(m), m->ml ? NULL : w->W, NULL, 0, 0};
    if (!rc) rc = ks__sem_vcov(ctx, m->T.m, w->w, &pb, w->est, w->V, w->vc);
    if (!rc) rc = ks__sem_evaluate(ctx, m->T.m, w->w, &pb, w->est, w->sigma, NULL, NULL, NULL);
    if (rc) {
        w->warm = 0;
        return fail_msg(ctx, res, rc, "commonfactorGWAS");
    }
    w->warm = 1;
    const long th = m->T.v.row_theta[m->cf_row];
    res->est[0] = w->est[m->cf_row];
    res->se[0] = sqrt(w->vc[th + th * (long)nt]);
    /* the Q model: from the estimates, the direct effects from the residual SNP covariances */
    memcpy(w->estq, w->est, n * sizeof *w->estq);
    const size_t sp = m->snp_ov;
    for (size_t i = 0; i < k; i++) {
        const ks__sem_par *q = &m->T.t.par[m->cf_direct[i]];
        const size_t o = (size_t)ov_place(&m->T.t, q->lhs);
        w->estq[m->cf_direct[i]] = w->S[o + sp * p] - w->sigma[o + sp * p];
    }
    pb.S = w->S;
    rc = fit_one(ctx, m, &m->Q, w->wq, w->S, w->W, w->estq);
    double *vq = w->A; /* (ntheta_Q = 2k <= kf) */
    const size_t nq = m->Q.v.ntheta;
    if (!rc) rc = ks__sem_vcov(ctx, m->Q.m, w->wq, &pb, w->estq, w->V, vq);
    if (rc == KS_ENOMEM) return rc;
    if (rc) { /* R: Q "Not Computed" */
        snprintf(res->warning, sizeof res->warning, "Q not computed: %s",
                 rc == 1 ? "the follow-up model did not converge" : ks_errmsg(ctx));
        return KS_OK;
    }
    double *eta = w->tmp, *Ve = w->vecs;
    for (size_t a = 0; a < k; a++) {
        const long ta = m->Q.v.row_theta[m->cf_direct[a]];
        eta[a] = w->estq[m->cf_direct[a]];
        for (size_t b = 0; b < k; b++) {
            const long tb = m->Q.v.row_theta[m->cf_direct[b]];
            Ve[a + b * k] = vq[ta + tb * (long)nq];
        }
    }
    res->chisq = quad_inv(k, Ve, k, eta, w->A, w->theta);
    return KS_OK;
}

const ks__gwas_fit_ops ks__gwas_user_ops = {
    "userGWAS", 20000.0, user_prepare, model_free, ws_new, ws_free, chunk_begin, user_fit,
};
const ks__gwas_fit_ops ks__gwas_commonfactor_ops = {
    "commonfactorGWAS", 40000.0, cf_prepare, model_free, ws_new, ws_free, chunk_begin, cf_fit,
};
