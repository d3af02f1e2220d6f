/* gwas.c — the public multivariate GWAS (include/kestrel/gsem.h: ks_gsem_usergwas_run,
 * ks_gsem_commonfactorgwas_run): the options checked, the covstruc and the SNP source handed to
 * the machinery (gwas_internal.h) with the per-SNP fit the method names (the SEM fits of
 * gwas_sem.c, or gwas_gls.c's closed form on the loadings of the no-SNP model fitted here once),
 * and the rows kept in the handle when no output file is named. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "gsem/gsem_sem_input.h"
#include "gsem/gwas_internal.h"
#include "sem/engine.h"

static const ks__enum_entry gc_names[] = {
    {"standard", KS_GSEM_GC_STANDARD}, {"conserv", KS_GSEM_GC_CONSERV}, {"none", KS_GSEM_GC_NONE}};
KS__ENUM_FUNCS(ks_gsem_gc, ks_gsem_gc, "GC", gc_names)

static const ks__enum_entry method_names[] = {{"sem", KS_GSEM_GWAS_SEM}, {"gls", KS_GSEM_GWAS_GLS}};
KS__ENUM_FUNCS(ks_gsem_gwas_method, ks_gsem_gwas_method, "GWAS method", method_names)

/* ---- The handle: counts, and the rows kept in memory ---------------------------------------- */

enum {
    N_MAF,
    N_I,
    N_FREE,
    N_EST,
    N_SE,
    N_Z,
    N_P,
    N_CHISQ,
    N_DF,
    N_PCHISQ,
    N_AIC,
    N_Q,
    N_QDF,
    N_QP,
    N_ZS,
    NNUM
};
enum { T_SNP, T_CHR, T_BP, T_A1, T_A2, T_ERR, T_WARN, NOFF }; /* text kept per SNP */

struct ks_gsem_gwas {
    ks_allocator alloc;
    ks_gsem_gwas_view v;
    ks__gwas_columns cols;
    /* while the rows come in: numbers per row, the SNP's text as offsets into arena, the
       layout row of each row */
    size_t cap_num[NNUM], cap_off[NOFF], cap_row;
    double *num[NNUM];
    size_t *off[NOFF], *lrow;
    char *arena;
    size_t alen, acap;
    /* the layout, copied at the first batch */
    ks__gwas_layout L;
    char **lnames; /* 4 nrow: lhs, op, rhs, label */
    int *lint;     /* 2 nrow: free, q_df */
    /* the view's text columns (KS_GSEM_GWAS_NTEXT + 2, nrow each) */
    const char **text;
};

void ks_gsem_gwas_free(ks_gsem_gwas *g)
{
    if (!g) return;
    const ks_allocator *a = &g->alloc;
    for (int c = 0; c < NNUM; c++) ks__release(a, g->num[c]);
    for (int c = 0; c < NOFF; c++) ks__release(a, g->off[c]);
    ks__release(a, g->lrow);
    ks__release(a, g->arena);
    for (size_t r = 0; g->lnames && r < 4 * g->L.nrow; r++) ks__release(a, g->lnames[r]);
    ks__release(a, g->lnames);
    ks__release(a, g->lint);
    ks__release(a, (void *)g->text);
    ks__release(a, g);
}

void ks_gsem_gwas_get(const ks_gsem_gwas *g, ks_gsem_gwas_view *out) { *out = g->v; }

static int copy_layout(ks_ctx *ctx, ks_gsem_gwas *g, const ks__gwas_layout *L)
{
    g->lnames = ks__calloc(ctx, 4 * L->nrow, sizeof *g->lnames);
    g->lint = ks__malloc_array(ctx, 2 * L->nrow, sizeof *g->lint);
    if (!g->lnames || !g->lint) return KS_ENOMEM;
    g->L.nrow = L->nrow;
    for (size_t r = 0; r < L->nrow; r++) {
        const char *s[4] = {L->lhs[r], L->op[r], L->rhs[r], L->label[r]};
        for (int c = 0; c < 4; c++)
            if (!(g->lnames[c * L->nrow + r] = ks__strdup(ctx, s[c]))) return KS_ENOMEM;
        g->lint[r] = L->free[r];
        g->lint[L->nrow + r] = L->q_df ? L->q_df[r] : -1;
    }
    g->L.lhs = (const char *const *)g->lnames;
    g->L.op = g->L.lhs + L->nrow;
    g->L.rhs = g->L.lhs + 2 * L->nrow;
    g->L.label = g->L.lhs + 3 * L->nrow;
    g->L.free = g->lint;
    g->L.q_df = g->lint + L->nrow;
    g->L.chisq_df = L->chisq_df;
    g->L.npar = L->npar;
    return KS_OK;
}

/* A string into the arena; its offset. "" is kept as R's "0". */
static int arena_put(ks_ctx *ctx, ks_gsem_gwas *g, const char **p, int zero, size_t *at)
{
    const char *s = *p;
    const size_t n = strlen(s);
    *p += n + 1;
    if (zero && !n) s = "0";
    const size_t m = strlen(s) + 1;
    size_t need;
    if (!ks__size_add(g->alen, m, &need))
        return ks__fail(ctx, KS_EOVERFLOW, "GWAS rows: %zu bytes of text", g->alen);
    const int rc = ks__grow(ctx, (void **)&g->arena, &g->acap, need, 1);
    if (rc) return rc;
    memcpy(g->arena + g->alen, s, m);
    *at = g->alen;
    g->alen = need;
    return KS_OK;
}

/* ks__gwas_opts.keep: a batch's packed SNPs appended to the columns. */
static int keep_rows(ks_ctx *ctx, void *ud, const ks__gwas_layout *L, const char *p, size_t len)
{
    ks_gsem_gwas *g = ud;
    int rc = KS_OK;
    if (!g->lnames && (rc = copy_layout(ctx, g, L))) return rc;
    const char *end = p + len;
    const size_t nl = L->nrow;
    while (p < end) {
        ks__gwas_packed h;
        memcpy(&h, p, sizeof h);
        p += sizeof h;
        size_t at[NOFF];
        for (int c = 0; c < NOFF && !rc; c++) rc = arena_put(ctx, g, &p, c >= T_ERR, &at[c]);
        size_t need;
        if (!rc && !ks__size_add(g->v.nrow, nl, &need))
            rc = ks__fail(ctx, KS_EOVERFLOW, "GWAS rows: too many");
        for (int c = 0; c < NNUM && !rc; c++)
            rc = ks__grow(ctx, (void **)&g->num[c], &g->cap_num[c], need, sizeof(double));
        for (int c = 0; c < NOFF && !rc; c++)
            rc = ks__grow(ctx, (void **)&g->off[c], &g->cap_off[c], need, sizeof(size_t));
        if (!rc) rc = ks__grow(ctx, (void **)&g->lrow, &g->cap_row, need, sizeof(size_t));
        if (rc) return rc;
        for (size_t r = 0; r < nl; r++) {
            double est, se, q;
            memcpy(&est, p + r * sizeof est, sizeof est);
            memcpy(&se, p + (nl + r) * sizeof se, sizeof se);
            memcpy(&q, p + (2 * nl + r) * sizeof q, sizeof q);
            ks__gwas_values v;
            ks__gwas_values_of(g->cols, L, r, h.failed, est, se, q, h.chisq, &v);
            const double x[NNUM] = {
                h.maf,  (double)h.index, (double)L->free[r], v.est,        v.se,  v.z,
                v.p,    v.chisq,         v.chisq_df,         v.chisq_pval, v.aic, v.q,
                v.q_df, v.q_pval,        h.z_smooth};
            const size_t i = g->v.nrow + r;
            for (int c = 0; c < NNUM; c++) g->num[c][i] = x[c];
            for (int c = 0; c < NOFF; c++) g->off[c][i] = at[c];
            g->lrow[i] = r;
        }
        p += 3 * nl * sizeof(double);
        g->v.nrow = need;
    }
    return KS_OK;
}

/* The view's columns once every row is in. */
static int finish_rows(ks_ctx *ctx, ks_gsem_gwas *g)
{
    const size_t n = g->v.nrow, nt = KS_GSEM_GWAS_NTEXT + 2;
    size_t cells;
    if (!ks__size_mul(n ? n : 1, nt, &cells)) return ks__fail(ctx, KS_EOVERFLOW, "GWAS rows");
    g->text = ks__malloc_array(ctx, cells, sizeof *g->text);
    if (!g->text) return KS_ENOMEM;
    static const int from_snp[5] = {T_SNP, T_CHR, T_BP, T_A1, T_A2};
    for (size_t i = 0; i < n; i++) {
        for (int c = 0; c < 5; c++) g->text[c * n + i] = g->arena + g->off[from_snp[c]][i];
        for (int c = 0; c < 4; c++)
            g->text[(5 + c) * n + i] = g->lnames[c * g->L.nrow + g->lrow[i]];
        g->text[9 * n + i] = g->arena + g->off[T_ERR][i];
        g->text[10 * n + i] = g->arena + g->off[T_WARN][i];
    }
    for (int c = 0; c < NOFF; c++) {
        ks__free(ctx, g->off[c]);
        g->off[c] = NULL;
    }
    ks__free(ctx, g->lrow);
    g->lrow = NULL;
    for (int c = 0; c < NNUM; c++) /* no rows: empty columns, not NULL */
        if (!g->num[c] && !(g->num[c] = ks__calloc(ctx, 1, sizeof(double)))) return KS_ENOMEM;
    ks_gsem_gwas_view *v = &g->v;
    for (int c = 0; c < KS_GSEM_GWAS_NTEXT; c++) v->text[c] = g->text + c * n;
    v->error = g->text + 9 * n;
    v->warning = g->text + 10 * n;
    const int cf = g->cols.kind == KS__GWAS_COMMONFACTOR;
    v->maf = g->num[N_MAF];
    v->i = g->num[N_I];
    v->free = cf ? NULL : g->num[N_FREE];
    v->est = g->num[N_EST];
    v->se = g->num[N_SE];
    v->z = g->num[N_Z];
    v->pvalue = g->num[N_P];
    v->chisq = g->num[N_CHISQ];
    v->chisq_df = g->num[N_DF];
    v->chisq_pval = g->num[N_PCHISQ];
    v->aic = cf ? NULL : g->num[N_AIC];
    v->q_snp_stat = g->cols.q_snp ? g->num[N_Q] : NULL;
    v->q_snp_df = g->cols.q_snp ? g->num[N_QDF] : NULL;
    v->q_snp_pval = g->cols.q_snp ? g->num[N_QP] : NULL;
    v->z_smooth = g->cols.smooth_check ? g->num[N_ZS] : NULL;
    return KS_OK;
}

/* ---- The analytic path's loadings: the no-SNP model fitted once ----------------------------- */

typedef struct {
    size_t nf;
    double *lambda; /* k x nf */
    char **factor;  /* nf */
} gls_fit;

static void gls_fit_free(const ks_allocator *a, gls_fit *f)
{
    for (size_t j = 0; f->factor && j < f->nf; j++) ks__release(a, f->factor[j]);
    ks__release(a, f->factor);
    ks__release(a, f->lambda);
}

static int ident_char(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.';
}

/* Whether the l bytes at p name the variable SNP (as a whole name: a trait or factor named
 * SNPx or x.SNP does not, where GenomicSEM's substring test drops its lines), or `:=`. */
static int names_snp(const char *p, size_t l, int or_defined)
{
    for (size_t i = 0; i + 3 <= l; i++) {
        if (or_defined && p[i] == ':' && p[i + 1] == '=') return 1;
        if (!memcmp(p + i, "SNP", 3) && (i == 0 || !ident_char(p[i - 1])) &&
            (i + 3 == l || !ident_char(p[i + 3])))
            return 1;
    }
    return 0;
}

/* userGWAS' noSNPmodel: the model's lines without those that name SNP or define with :=. */
static char *no_snp_model(ks_ctx *ctx, const char *model)
{
    char *out = ks__malloc(ctx, strlen(model) + 1);
    if (!out) return NULL;
    size_t n = 0;
    for (const char *p = model; *p;) {
        const char *e = strchr(p, '\n');
        const size_t l = e ? (size_t)(e - p) : strlen(p);
        if (!names_snp(p, l, 1)) {
            memcpy(out + n, p, l);
            n += l;
            out[n++] = '\n';
        }
        p += l + (e != NULL);
    }
    out[n] = '\0';
    return out;
}

/* The model's own text with blanks removed, from p to the line's end or a comment. */
static size_t squeeze(const char *p, size_t l, char *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < l && p[i] != '#' && p[i] != '!'; i++)
        if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && n + 1 < cap) out[n++] = p[i];
    out[n] = '\0';
    return n;
}

static long factor_of(const gls_fit *f, const char *name, size_t len)
{
    for (size_t j = 0; j < f->nf; j++)
        if (strlen(f->factor[j]) == len && !strncmp(f->factor[j], name, len)) return (long)j;
    return -1;
}

/* method gls: each model line naming SNP is `F1 + F2 ~ SNP` of factors (or `SNP ~~ SNP`), every
 * factor is regressed on SNP, and sub names only those rows. s: a buffer as long as the model
 * and each sub entry. */
static int gls_check_lines(ks_ctx *ctx, const char *model, const gls_fit *f, const char *const *sub,
                           unsigned char *seen, char *s)
{
    size_t line = 0;
    for (const char *p = model; *p;) {
        const char *e = strchr(p, '\n');
        const size_t l = e ? (size_t)(e - p) : strlen(p);
        line++;
        const size_t n = squeeze(p, l, s, l + 1);
        p += l + (e != NULL);
        if (!names_snp(s, n, 0) || !strcmp(s, "SNP~~SNP")) continue;
        const char *t = strstr(s, "~SNP");
        if (!t || t[4] || strchr(s, '=') || t != strchr(s, '~') || t == s)
            return ks__fail(ctx, KS_EINVAL,
                            "method gls: model line %zu '%s' is not a regression of factors on "
                            "SNP (F ~ SNP); other models need method sem",
                            line, s);
        for (const char *a = s; a < t;) {
            const char *b = memchr(a, '+', (size_t)(t - a));
            const size_t len = b ? (size_t)(b - a) : (size_t)(t - a);
            const long j = factor_of(f, a, len);
            if (j < 0)
                return ks__fail(ctx, KS_EINVAL,
                                "method gls: model line %zu: '%.*s' is not a factor of the "
                                "measurement model",
                                line, (int)len, a);
            seen[j] = 1;
            a += len + (b != NULL);
        }
    }
    for (size_t j = 0; j < f->nf; j++)
        if (!seen[j])
            return ks__fail(ctx, KS_EINVAL,
                            "method gls: factor %s is not regressed on SNP (add '%s ~ SNP', or "
                            "use method sem)",
                            f->factor[j], f->factor[j]);
    for (size_t i = 0; sub && sub[i]; i++) {
        const size_t n = squeeze(sub[i], strlen(sub[i]), s, strlen(sub[i]) + 1);
        if (n < 5 || strcmp(s + n - 4, "~SNP") || factor_of(f, s, n - 4) < 0)
            return ks__fail(ctx, KS_EINVAL,
                            "sub: '%s' is not a row of method gls (its rows are F ~ SNP per "
                            "factor)",
                            sub[i]);
    }
    return KS_OK;
}

static int gls_check_snp_lines(ks_ctx *ctx, const char *model, const gls_fit *f,
                               const char *const *sub)
{
    size_t len = strlen(model);
    for (size_t i = 0; sub && sub[i]; i++)
        if (strlen(sub[i]) > len) len = strlen(sub[i]);
    unsigned char *seen = ks__calloc(ctx, f->nf + 1, 1);
    char *s = ks__malloc(ctx, len + 1);
    const int rc = seen && s ? gls_check_lines(ctx, model, f, sub, seen, s) : KS_ENOMEM;
    ks__free(ctx, seen);
    ks__free(ctx, s);
    return rc;
}

/* Fit the no-SNP model to S (DWLS with GenomicSEM's weights 1 / diag V and N = 2, or ML with N
 * = 200; S and V smoothed first where not positive definite, as usermodel does) and take its
 * loadings. */
static int gls_measure(ks_ctx *ctx, const ks_gsem_ldsc_view *cv, const char *text, int ml,
                       int std_lv, gls_fit *f)
{
    const size_t k = cv->k, ks = cv->kstar;
    ks__sem_syntax *syn = NULL;
    ks__sem_partable *t = NULL;
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    double *buf = NULL, *est = NULL;
    size_t *perm = NULL;
    int rc = ks__sem_parse(ctx, text, &syn);
    ks__sem_partable_options po = KS__SEM_PARTABLE_OPTIONS_INIT;
    po.std_lv = std_lv;
    po.fixed_x = ml;
    po.data_names = (const char *const *)cv->names;
    po.ndata = k;
    po.moments = 1;
    if (!rc) rc = ks__sem_partable_build(ctx, syn, &po, &t);
    if (rc) goto done;
    const size_t p = t->nov, ps = p * (p + 1) / 2;
    buf = ks__malloc_array(ctx, k * k + ks * ks + p * p + ps, sizeof *buf);
    perm = ks__malloc_array(ctx, p + 1, sizeof *perm);
    est = ks__calloc(ctx, t->npar + 1, sizeof *est);
    f->lambda = ks__calloc(ctx, k * (t->nlv ? t->nlv : 1), sizeof *f->lambda);
    f->factor = ks__calloc(ctx, t->nlv + 1, sizeof *f->factor);
    if (!buf || !perm || !est || !f->lambda || !f->factor) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *S = buf, *V = S + k * k, *Sp = V + ks * ks, *W = Sp + p * p;
    memcpy(S, cv->S, k * k * sizeof *S);
    memcpy(V, cv->V, ks * ks * sizeof *V);
    ks__gsem_smooth_report rep;
    if ((rc = ks__gsem_smooth(ctx, k, S, V, &rep))) goto done;
    ks__gsem_smooth_log(ctx, &rep);
    if ((rc = ks__gsem_trait_index(ctx, k, (const char *const *)cv->names, p, t->ov, perm)))
        goto done;
    for (size_t j = 0; j < p; j++)
        for (size_t i = j; i < p; i++) {
            Sp[i + j * p] = Sp[j + i * p] = S[perm[i] + perm[j] * k];
            const size_t a = ks__gsem_vech_at(k, perm[i], perm[j]);
            if (!(V[a + a * ks] > 0)) {
                rc = ks__fail(ctx, KS_EINVAL,
                              "method gls: V's diagonal element for %s, %s is %g: DWLS needs its "
                              "weight 1 / V > 0 (R's solve() fails)",
                              t->ov[i], t->ov[j], V[a + a * ks]);
                goto done;
            }
            W[ks__gsem_vech_at(p, i, j)] = 1.0 / V[a + a * ks];
        }
    for (size_t r = 0; r < t->npar; r++) {
        const ks__sem_par *q = &t->par[r];
        int latent = 0;
        for (size_t l = 0; l < t->nlv; l++) latent |= !strcmp(q->rhs, t->lv[l]);
        if (!strcmp(q->op, "~") || (!strcmp(q->op, "=~") && latent)) {
            rc = ks__fail(ctx, KS_EINVAL,
                          "method gls: '%s %s %s' (%s) is not supported: first-order factors of "
                          "traits only; use method sem",
                          q->lhs, q->op, q->rhs,
                          !strcmp(q->op, "~") ? "a regression" : "a higher-order factor");
            goto done;
        }
    }
    if ((rc = ks__sem_model_compile(ctx, t, NULL, &m)) || (rc = ks__sem_work_new(ctx, m, &w)) ||
        (rc = ks__sem_start(ctx, m, Sp, est)))
        goto done;
    const ks__sem_problem pb = {
        ml ? KS__SEM_ML : KS__SEM_DWLS, Sp, ml ? 200.0 : 2.0, ml ? NULL : W, NULL, 1e-10, 10000};
    ks__sem_fit_info info;
    if ((rc = ks__sem_fit(ctx, m, w, &pb, est, &info))) goto done;
    if (info.status != KS__SEM_CONVERGED)
        ks__log(ctx, KS_LOG_WARN,
                "method gls: the measurement model's fit stopped with the largest gradient "
                "element %.3g: its loadings may not be the optimum",
                info.max_grad);
    for (size_t r = 0; r < t->npar; r++) {
        const ks__sem_par *q = &t->par[r];
        if (strcmp(q->op, "=~")) continue;
        long j = factor_of(f, q->lhs, strlen(q->lhs));
        if (j < 0) {
            j = (long)f->nf;
            if (!(f->factor[f->nf++] = ks__strdup(ctx, q->lhs))) {
                rc = KS_ENOMEM;
                goto done;
            }
        }
        size_t tr;
        if ((rc = ks__gsem_trait_index(ctx, k, (const char *const *)cv->names, 1, &q->rhs, &tr)))
            goto done;
        f->lambda[(size_t)j * k + tr] = est[r];
    }
    if (!f->nf) rc = ks__fail(ctx, KS_EINVAL, "method gls: the model has no factor (=~)");
done:
    ks__sem_work_free(w);
    ks__sem_model_free(m);
    ks__sem_partable_free(t);
    ks__sem_syntax_free(syn);
    ks__free(ctx, buf);
    ks__free(ctx, perm);
    ks__free(ctx, est);
    return rc;
}

/* commonfactorGWAS' model: one factor of every trait. */
static char *common_model(ks_ctx *ctx, const ks_gsem_ldsc_view *cv)
{
    size_t n = 16;
    for (size_t t = 0; t < cv->k; t++) n += strlen(cv->names[t]) + 3;
    char *s = ks__malloc(ctx, n);
    if (!s) return NULL;
    size_t l = (size_t)snprintf(s, n, "F1 =~ ");
    for (size_t t = 0; t < cv->k; t++)
        l += (size_t)snprintf(s + l, n - l, "%s%s", t ? " + " : "", cv->names[t]);
    return s;
}

/* ---- The run ----------------------------------------------------------------------------------
 */

static int check_options(ks_ctx *ctx, const ks_gsem_gwas_options *o, int user, const char *path,
                         const ks_gsem_sumstats *snps)
{
    if ((path == NULL) == (snps == NULL))
        return ks__fail(ctx, KS_EINVAL,
                        "the SNPs: give either the path of the SNP table or a "
                        "sumstats result (one of the two)");
    if (o->estimation != KS_SEM_DWLS && o->estimation != KS_SEM_ML)
        return ks__fail(ctx, KS_EINVAL, "estimation: %s is not DWLS or ML",
                        ks_sem_estimator_name(o->estimation) ? ks_sem_estimator_name(o->estimation)
                                                             : "(not an estimator)");
    if (!ks_gsem_gc_name(o->gc)) return ks__fail(ctx, KS_EINVAL, "GC: %d is not a GC", (int)o->gc);
    if (!ks_gsem_gwas_method_name(o->method))
        return ks__fail(ctx, KS_EINVAL, "method: %d is not sem or gls", (int)o->method);
    if (!(o->snpse >= 0) || !isfinite(o->snpse))
        return ks__fail(ctx, KS_EINVAL, "SNPSE: %g is not a standard error (> 0; 0: 0.0005)",
                        o->snpse);
    if (!(o->toler >= 0) || !isfinite(o->toler))
        return ks__fail(ctx, KS_EINVAL, "toler: %g is not >= 0", o->toler);
    if ((o->chunk_n == 0) != (o->chunk_i == 0) ||
        (o->chunk_n && (o->chunk_i < 1 || o->chunk_i > o->chunk_n)))
        return ks__fail(ctx, KS_EINVAL,
                        "chunk %zu/%zu: the part i of n must be 1 <= i <= n "
                        "(0/0: every SNP)",
                        o->chunk_i, o->chunk_n);
    if (!user && (o->q_snp || !o->fix_measurement || o->std_lv || o->sub))
        return ks__fail(ctx, KS_EINVAL,
                        "commonfactorGWAS has no Q_SNP, fix_measurement, std_lv "
                        "or sub (userGWAS has)");
    return KS_OK;
}

static int gwas_run_fits(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *snps_path,
                         const ks_gsem_sumstats *snps, const char *model,
                         const ks_gsem_gwas_options *opt, const char *out_path, ks_gsem_gwas **out)
{
    const ks_gsem_gwas_options defaults = KS_GSEM_GWAS_OPTIONS_INIT;
    const ks_gsem_gwas_options *o = opt ? opt : &defaults;
    const int user = model != NULL;
    *out = NULL;
    if (!covstruc) return ks__fail(ctx, KS_EINVAL, "covstruc: NULL");
    int rc = check_options(ctx, o, user, snps_path, snps);
    if (rc) return rc;
    ks_gsem_ldsc_view cv;
    ks_gsem_ldsc_get(covstruc, &cv);
    const ks__gwas_covstruc cs = {cv.k, cv.names, cv.S, cv.V, cv.intercept};
    ks_gsem_gwas *g = ks__calloc(ctx, 1, sizeof *g);
    if (!g) return KS_ENOMEM;
    g->alloc = ctx->alloc;
    ks__gwas_source *src = NULL;
    gls_fit gf = {0, NULL, NULL};
    char *text = NULL;
    ks__gwas_opts ro = KS__GWAS_OPTS_INIT;
    ro.kind = user ? KS__GWAS_USER : KS__GWAS_COMMONFACTOR;
    ro.gc = o->gc == KS_GSEM_GC_CONSERV ? KS__GWAS_GC_CONSERV
            : o->gc == KS_GSEM_GC_NONE  ? KS__GWAS_GC_NONE
                                        : KS__GWAS_GC_STANDARD;
    ro.snpse = o->snpse > 0 ? o->snpse : 0.0005;
    ro.q_snp = user && o->q_snp;
    ro.smooth_check = o->smooth_check;
    ro.presmooth = user && o->fix_measurement && o->method == KS_GSEM_GWAS_SEM;
    ro.smooth = ks__gwas_near_pd;
    ro.chunk_i = o->chunk_i;
    ro.chunk_n = o->chunk_n;
    if (!out_path) {
        ro.keep = keep_rows;
        ro.keep_ud = g;
    }
    g->cols = (ks__gwas_columns){ro.kind, ro.q_snp, ro.smooth_check, cv.k};
    rc = snps_path ? ks__gwas_source_open(ctx, snps_path, &cs, &src)
                   : ks__gwas_source_sumstats(ctx, snps, &cs, &src);
    const ks__gwas_fit_ops *ops = user ? &ks__gwas_user_ops : &ks__gwas_commonfactor_ops;
    const void *spec = NULL;
    const ks__gwas_sem_spec sem = {
        model,   o->estimation == KS_SEM_ML, o->std_lv, o->fix_measurement, o->q_snp, o->sub,
        o->toler};
    ks__gwas_gls_spec gls = {0, NULL, NULL, !user};
    if (!rc && o->method == KS_GSEM_GWAS_GLS) {
        text = user ? no_snp_model(ctx, model) : common_model(ctx, &cv);
        rc = text ? gls_measure(ctx, &cv, text, o->estimation == KS_SEM_ML, user && o->std_lv, &gf)
                  : KS_ENOMEM;
        if (!rc && user) rc = gls_check_snp_lines(ctx, model, &gf, o->sub);
        gls = (ks__gwas_gls_spec){gf.nf, gf.lambda, (const char *const *)gf.factor, !user};
        ops = &ks__gwas_gls_ops;
        spec = &gls;
    } else {
        spec = &sem;
    }
    ks__gwas_stats st;
    if (!rc) rc = ks__gwas_run(ctx, &cs, src, ops, spec, &ro, NULL, out_path, &st);
    if (!rc) {
        g->v.commonfactor = !user;
        g->v.q_snp = ro.q_snp;
        g->v.smooth_check = ro.smooth_check;
        g->v.snps = st.snps;
        g->v.first = st.first;
        g->v.failed = st.failed;
        g->v.smoothed = st.smoothed;
        if (!out_path) rc = finish_rows(ctx, g);
    }
    gls_fit_free(&ctx->alloc, &gf);
    ks__free(ctx, text);
    ks__gwas_source_free(src);
    if (rc) {
        ks_gsem_gwas_free(g);
        return rc;
    }
    *out = g;
    return KS_OK;
}

/* BLAS threads off for the run: the fits are a few traits wide and run on the library's own
 * threads, where BLAS threads would only stack on them (and make eigen bits depend on them). */
static int gwas_run(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *snps_path,
                    const ks_gsem_sumstats *snps, const char *model,
                    const ks_gsem_gwas_options *opt, const char *out_path, ks_gsem_gwas **out)
{
    const int blas = ks__blas_threads();
    ks__blas_set_threads(1);
    const int rc = gwas_run_fits(ctx, covstruc, snps_path, snps, model, opt, out_path, out);
    ks__blas_set_threads(blas);
    return rc;
}

int ks_gsem_usergwas_run(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *snps_path,
                         const ks_gsem_sumstats *snps, const char *model,
                         const ks_gsem_gwas_options *opt, const char *out_path, ks_gsem_gwas **out)
{
    if (!model) {
        *out = NULL;
        return ks__fail(ctx, KS_EINVAL, "model: NULL (lavaan's syntax naming the SNP `SNP`)");
    }
    return gwas_run(ctx, covstruc, snps_path, snps, model, opt, out_path, out);
}

int ks_gsem_commonfactorgwas_run(ks_ctx *ctx, const ks_gsem_ldsc *covstruc, const char *snps_path,
                                 const ks_gsem_sumstats *snps, const ks_gsem_gwas_options *opt,
                                 const char *out_path, ks_gsem_gwas **out)
{
    return gwas_run(ctx, covstruc, snps_path, snps, NULL, opt, out_path, out);
}
