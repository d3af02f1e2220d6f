/* gwas_output.c — the GWAS's rows as text with R's columns (gwas_internal.h): userGWAS's
 * SNP CHR BP MAF A1 A2 lhs op rhs free label est SE Z_Estimate Pval_Estimate chisq chisq_df
 * chisq_pval AIC [Q_SNP Q_SNP_df Q_SNP_pval] error warning [Z_smooth], and commonfactorGWAS's
 * SNP CHR BP MAF A1 A2 i lhs op rhs est se_c Z_Estimate Pval_Estimate Q Q_df Q_pval fail
 * warning [Z_smooth]. Numbers as R writes them (15 significant digits), NA for none; an error or
 * warning is "0" when there is none, as in R. */
#include <math.h>
#include <string.h>

#include "base/format.h"
#include "gsem/gwas_internal.h"
#include "kestrel/linalg.h"

static const char *const USER_HEAD =
    "SNP\tCHR\tBP\tMAF\tA1\tA2\tlhs\top\trhs\tfree\tlabel\test\tSE"
    "\tZ_Estimate\tPval_Estimate\tchisq\tchisq_df\tchisq_pval\tAIC";
static const char *const CF_HEAD =
    "SNP\tCHR\tBP\tMAF\tA1\tA2\ti\tlhs\top\trhs\test\tse_c\tZ_Estimate"
    "\tPval_Estimate\tQ\tQ_df\tQ_pval\tfail\twarning";

static void put(ks__gwas_text *t, const char *s, size_t n)
{
    memcpy(t->p + t->len, s, n);
    t->len += n;
}
static void puts_tab(ks__gwas_text *t, const char *s)
{
    put(t, s, strlen(s));
    t->p[t->len++] = '\t';
}
/* A message as one field: tabs and line ends would break the row. */
static void msg_tab(ks__gwas_text *t, const char *s)
{
    if (!s[0]) s = "0";
    const size_t n = strlen(s);
    for (size_t i = 0; i < n; i++) {
        const char c = s[i];
        t->p[t->len++] = c == '\t' || c == '\n' || c == '\r' ? ' ' : c;
    }
    t->p[t->len++] = '\t';
}
static void num_tab(ks__gwas_text *t, double x)
{
    if (isnan(x))
        put(t, "NA", 2);
    else
        t->len += (size_t)ks__format_r(x, t->p + t->len);
    t->p[t->len++] = '\t';
}
/* The row's last field: its tab becomes the line end. */
static void end_row(ks__gwas_text *t) { t->p[t->len - 1] = '\n'; }

static int room(ks_ctx *ctx, ks__gwas_text *t, size_t more)
{
    size_t need;
    if (!ks__size_add(t->len, more, &need))
        return ks__fail(ctx, KS_EOVERFLOW, "GWAS output: a row of %zu bytes", more);
    return ks__grow(ctx, (void **)&t->p, &t->cap, need, 1);
}

int ks__gwas_header(ks_ctx *ctx, ks__gwas_columns cols, ks__gwas_text *t)
{
    const int rc = room(ctx, t, 512);
    if (rc) return rc;
    if (cols.kind == KS__GWAS_COMMONFACTOR) {
        puts_tab(t, CF_HEAD);
    } else {
        puts_tab(t, USER_HEAD);
        if (cols.q_snp) puts_tab(t, "Q_SNP\tQ_SNP_df\tQ_SNP_pval");
        puts_tab(t, "error\twarning");
    }
    if (cols.smooth_check) puts_tab(t, "Z_smooth");
    end_row(t);
    return KS_OK;
}

/* 2 P(Z > |z|), R's 2 * pnorm(abs(z), lower.tail = FALSE). */
static double p_two_sided(double z) { return isnan(z) ? NAN : 2.0 * ks_normal_cdf(-fabs(z)); }
static double p_chisq(double x, double df)
{
    return isnan(x) || isnan(df) ? NAN : ks_chi2_sf(x, df);
}

void ks__gwas_values_of(ks__gwas_columns cols, const ks__gwas_layout *L, size_t r, int failed,
                        double est, double se, double q_snp, double chisq, ks__gwas_values *v)
{
    v->est = failed ? NAN : est;
    v->se = failed ? NAN : se;
    v->z = v->est / v->se;
    v->p = p_two_sided(v->z);
    v->aic = v->q = v->q_df = v->q_pval = NAN;
    v->chisq = failed ? NAN : chisq;
    if (cols.kind == KS__GWAS_COMMONFACTOR) {
        v->chisq_df = (double)cols.k - 1.0;
    } else {
        v->chisq_df = isnan(v->chisq) ? NAN : L->chisq_df;
        v->aic = v->chisq + 2.0 * L->npar;
        if (cols.q_snp && L->q_df && L->q_df[r] >= 0 && !failed) {
            v->q = q_snp;
            v->q_df = (double)L->q_df[r];
            v->q_pval = p_chisq(v->q, v->q_df);
        }
    }
    v->chisq_pval = p_chisq(v->chisq, v->chisq_df);
}

int ks__gwas_format(ks_ctx *ctx, ks__gwas_columns cols, const ks__gwas_layout *L,
                    const ks__gwas_row *row, size_t index, const ks__gwas_result *res, int failed,
                    double z_smooth, ks__gwas_text *t)
{
    size_t text = 0;
    for (int c = 0; c < KS__GWAS_NTEXT; c++) text += strlen(row->text[c]);
    for (size_t r = 0; r < L->nrow; r++) {
        const size_t names =
            strlen(L->lhs[r]) + strlen(L->op[r]) + strlen(L->rhs[r]) + strlen(L->label[r]);
        /* 20 numbers of at most 32 bytes, two messages, the tabs */
        int rc = room(ctx, t, text + names + 20 * 33 + 2 * KS__GWAS_MSG + 64);
        if (rc) return rc;
        ks__gwas_values v;
        ks__gwas_values_of(cols, L, r, failed, res->est[r], res->se[r], res->q_snp[r], res->chisq,
                           &v);
        for (int c = 0; c < KS__GWAS_NTEXT; c++) {
            if (c == KS__GWAS_MAF)
                num_tab(t, row->maf);
            else
                puts_tab(t, row->text[c]);
        }
        if (cols.kind == KS__GWAS_COMMONFACTOR) num_tab(t, (double)index);
        puts_tab(t, L->lhs[r]);
        puts_tab(t, L->op[r]);
        puts_tab(t, L->rhs[r]);
        if (cols.kind != KS__GWAS_COMMONFACTOR) {
            num_tab(t, (double)L->free[r]);
            puts_tab(t, L->label[r]);
        }
        num_tab(t, v.est);
        num_tab(t, v.se);
        num_tab(t, v.z);
        num_tab(t, v.p);
        num_tab(t, v.chisq);
        num_tab(t, v.chisq_df);
        num_tab(t, v.chisq_pval);
        if (cols.kind != KS__GWAS_COMMONFACTOR) {
            num_tab(t, v.aic);
            if (cols.q_snp) {
                num_tab(t, v.q);
                num_tab(t, v.q_df);
                num_tab(t, v.q_pval);
            }
        }
        msg_tab(t, res->error);
        msg_tab(t, res->warning);
        if (cols.smooth_check) num_tab(t, z_smooth);
        end_row(t);
    }
    return KS_OK;
}

int ks__gwas_pack(ks_ctx *ctx, const ks__gwas_layout *L, const ks__gwas_row *row, size_t index,
                  const ks__gwas_result *res, int failed, double z_smooth, ks__gwas_text *t)
{
    static const int cells[5] = {KS__GWAS_SNP, KS__GWAS_CHR, KS__GWAS_BP, KS__GWAS_A1, KS__GWAS_A2};
    size_t need = sizeof(ks__gwas_packed) + 2 * KS__GWAS_MSG + 3 * L->nrow * sizeof(double);
    for (int c = 0; c < 5; c++) need += strlen(row->text[cells[c]]) + 1;
    const int rc = room(ctx, t, need);
    if (rc) return rc;
    const ks__gwas_packed h = {index, failed, row->maf, z_smooth, res->chisq};
    put(t, (const char *)&h, sizeof h);
    for (int c = 0; c < 5; c++) put(t, row->text[cells[c]], strlen(row->text[cells[c]]) + 1);
    put(t, res->error, strlen(res->error) + 1);
    put(t, res->warning, strlen(res->warning) + 1);
    put(t, (const char *)res->est, L->nrow * sizeof(double));
    put(t, (const char *)res->se, L->nrow * sizeof(double));
    put(t, (const char *)res->q_snp, L->nrow * sizeof(double));
    return KS_OK;
}
