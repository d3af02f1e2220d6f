/* summary.c — a fit printed as lavaan 0.6-14's summary(fit, fit.measures, standardized) prints
 * it: the header, the model test, optionally the fit measures, then the parameter estimates by
 * section (latent variables, regressions, covariances, variances, defined parameters,
 * constraints), numbers with three decimals in columns nine wide, residual (co)variances of
 * variables that have a residual marked with a leading '.'. Everything is read from the public
 * view, so the CLI, Python and C users see the same text. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "kestrel/sem.h"
#include "base/base_internal.h"

#define WIDTH 54 /* the header blocks: label left, value right-aligned to this column */
#define NAMEW 18 /* the parameter tables' first column */

static void line(ks__sbuf *b, const char *label, const char *value)
{
    const int pad = WIDTH - 2 - (int)strlen(label);
    ks__sbuf_printf(b, "  %s%*s\n", label, pad > (int)strlen(value) ? pad : (int)strlen(value) + 1,
                    value);
}

static void line_num(ks__sbuf *b, const char *label, double x, int decimals)
{
    char v[64];
    if (isnan(x))
        strcpy(v, "NA");
    else
        snprintf(v, sizeof v, "%.*f", decimals, x);
    line(b, label, v);
}

static double fit(const ks_sem_view *v, const char *name)
{
    for (size_t i = 0; i < v->nfit; i++)
        if (!strcmp(v->fit_name[i], name)) return v->fit_value[i];
    return NAN;
}

/* A variable with a residual: an indicator (rhs of =~) or the lhs of a regression. */
static int has_residual(const ks_sem_view *v, const char *name)
{
    for (size_t i = 0; i < v->nrow; i++)
        if ((!strcmp(v->op[i], "=~") && !strcmp(v->rhs[i], name)) ||
            (!strcmp(v->op[i], "~") && !strcmp(v->lhs[i], name)))
            return 1;
    return 0;
}

static void num(ks__sbuf *b, double x)
{
    if (isnan(x))
        ks__sbuf_printf(b, "%9s", "");
    else
        ks__sbuf_printf(b, "%9.3f", fabs(x) < 5e-4 ? 0.0 : x); /* no "-0.000" */
}

/* The first column: `indent` blanks, an optional '.', the name, and "(label)" right-aligned. */
static void name_cell(ks__sbuf *b, int indent, int dot, const char *name, const char *label)
{
    char lab[256] = "";
    if (label && *label) snprintf(lab, sizeof lab, "(%s)", label);
    const int used = indent + dot + (int)strlen(name);
    int gap = NAMEW - used - (int)strlen(lab);
    if (gap < 1) gap = 1;
    ks__sbuf_printf(b, "%*s%s%s%*s%s", indent, "", dot ? "." : "", name, *lab ? gap : 0, "", lab);
    if (!*lab && used < NAMEW) ks__sbuf_printf(b, "%*s", NAMEW - used, "");
}

static void row_numbers(ks__sbuf *b, const ks_sem_view *v, size_t i, int standardized)
{
    const int fixed = v->free[i] == 0 && strcmp(v->op[i], ":=");
    num(b, v->est[i]);
    num(b, fixed ? NAN : v->se[i]);
    num(b, fixed ? NAN : v->tstat[i]);
    num(b, fixed ? NAN : v->pvalue[i]);
    if (standardized) {
        num(b, v->std_lv[i]);
        num(b, v->std_all[i]);
    }
    ks__sbuf_printf(b, "\n");
}

static void table_head(ks__sbuf *b, const char *title, int standardized)
{
    ks__sbuf_printf(b, "\n%s:\n%*s Estimate  Std.Err  z-value  P(>|z|)%s\n", title, NAMEW, "",
                    standardized ? "   Std.lv  Std.all" : "");
}

typedef enum { SEC_LOADING, SEC_REGRESSION, SEC_COVARIANCE, SEC_VARIANCE, SEC_DEFINED } section;

static int in_section(const ks_sem_view *v, size_t i, section s)
{
    const char *op = v->op[i];
    switch (s) {
    case SEC_LOADING: return !strcmp(op, "=~");
    case SEC_REGRESSION: return !strcmp(op, "~");
    case SEC_COVARIANCE: return !strcmp(op, "~~") && strcmp(v->lhs[i], v->rhs[i]);
    case SEC_VARIANCE: return !strcmp(op, "~~") && !strcmp(v->lhs[i], v->rhs[i]);
    case SEC_DEFINED: return !strcmp(op, ":=");
    }
    return 0;
}

static void print_section(ks__sbuf *b, const ks_sem_view *v, section s, const char *title,
                          int standardized)
{
    size_t n = 0;
    for (size_t i = 0; i < v->nrow; i++) n += in_section(v, i, s);
    if (!n) return;
    table_head(b, title, standardized);
    const int width = NAMEW + 36 + (standardized ? 18 : 0);
    const char *group = NULL; /* the lhs of the rows under the current "  lhs op" line */
    for (size_t i = 0; i < v->nrow; i++) {
        if (!in_section(v, i, s)) continue;
        if (s == SEC_VARIANCE || s == SEC_DEFINED) {
            const int dot = s == SEC_VARIANCE && has_residual(v, v->lhs[i]);
            name_cell(b, dot ? 3 : 4, dot, s == SEC_DEFINED ? v->lhs[i] : v->rhs[i],
                      s == SEC_DEFINED ? NULL : v->label[i]);
            row_numbers(b, v, i, standardized);
            continue;
        }
        const int dots = s == SEC_COVARIANCE;
        if (!group || strcmp(group, v->lhs[i])) {
            group = v->lhs[i];
            const int dot = dots && has_residual(v, group);
            const int used = (dot ? 1 : 2) + dot + (int)strlen(group) + 1 + (int)strlen(v->op[i]);
            ks__sbuf_printf(b, "%*s%s%s %s%*s\n", dot ? 1 : 2, "", dot ? "." : "", group, v->op[i],
                            used < width ? width - used : 0, "");
        }
        const int dot = dots && has_residual(v, v->rhs[i]);
        name_cell(b, dot ? 3 : 4, dot, v->rhs[i], v->label[i]);
        row_numbers(b, v, i, standardized);
    }
}

static void fit_block(ks__sbuf *b, const ks_sem_view *v)
{
    ks__sbuf_printf(b, "\nModel Test Baseline Model:\n\n");
    line_num(b, "Test statistic", fit(v, "baseline.chisq"), 3);
    line_num(b, "Degrees of freedom", fit(v, "baseline.df"), 0);
    line_num(b, "P-value", fit(v, "baseline.pvalue"), 3);
    ks__sbuf_printf(b, "\nUser Model versus Baseline Model:\n\n");
    line_num(b, "Comparative Fit Index (CFI)", fit(v, "cfi"), 3);
    line_num(b, "Tucker-Lewis Index (TLI)", fit(v, "tli"), 3);
    if (!isnan(fit(v, "logl"))) {
        ks__sbuf_printf(b, "\nLoglikelihood and Information Criteria:\n\n");
        line_num(b, "Loglikelihood user model (H0)", fit(v, "logl"), 3);
        line_num(b, "Loglikelihood unrestricted model (H1)", fit(v, "unrestricted.logl"), 3);
        ks__sbuf_printf(b, "%*s\n", WIDTH, "");
        line_num(b, "Akaike (AIC)", fit(v, "aic"), 3);
        line_num(b, "Bayesian (BIC)", fit(v, "bic"), 3);
        line_num(b, "Sample-size adjusted Bayesian (SABIC)", fit(v, "bic2"), 3);
    }
    ks__sbuf_printf(b, "\nRoot Mean Square Error of Approximation:\n\n");
    line_num(b, "RMSEA", fit(v, "rmsea"), 3);
    line_num(b, "90 Percent confidence interval - lower", fit(v, "rmsea.ci.lower"), 3);
    line_num(b, "90 Percent confidence interval - upper", fit(v, "rmsea.ci.upper"), 3);
    line_num(b, "P-value H_0: RMSEA <= 0.050", fit(v, "rmsea.pvalue"), 3);
    line_num(b, "P-value H_0: RMSEA >= 0.080", fit(v, "rmsea.notclose.pvalue"), 3);
    ks__sbuf_printf(b, "\nStandardized Root Mean Square Residual:\n\n");
    line_num(b, "SRMR", fit(v, "srmr"), 3);
}

int ks_sem_summary(ks_ctx *ctx, const ks_sem *s, int fit_measures, int standardized, char **out)
{
    *out = NULL;
    if (!s) return ks__fail(ctx, KS_EINVAL, "ks_sem_summary: no fit");
    ks_sem_view v;
    ks_sem_get(s, &v);
    ks__sbuf b = {ctx, NULL, 0, 0, 0};
    if (v.converged)
        ks__sbuf_printf(&b, "kestrel %s ended normally after %d iterations\n\n", ks_version(),
                        v.iterations);
    else
        ks__sbuf_printf(&b, "kestrel %s did NOT end normally after %d iterations\n\n",
                        ks_version(), v.iterations);
    line(&b, "Estimator", ks_sem_estimator_name(v.estimator));
    line(&b, "Optimization method", "GAUSS-NEWTON");
    line_num(&b, "Number of model parameters", (double)v.nfree, 0);
    size_t neq = 0, nin = 0;
    for (size_t i = 0; i < v.ncon; i++) *(strcmp(v.con_op[i], "==") ? &nin : &neq) += 1;
    if (neq) line_num(&b, "Number of equality constraints", (double)neq, 0);
    if (nin) line_num(&b, "Number of inequality constraints", (double)nin, 0);
    ks__sbuf_printf(&b, "\n");
    line_num(&b, "Number of observations", v.nobs, 0);
    ks__sbuf_printf(&b, "\nModel Test User Model:\n%*s\n", WIDTH, "");
    line_num(&b, "Test statistic", fit(&v, "chisq"), 3);
    line_num(&b, "Degrees of freedom", fit(&v, "df"), 0);
    /* lavaan has no reference distribution for ULS's statistic */
    line_num(&b, isnan(fit(&v, "pvalue")) ? "P-value (Unknown)" : "P-value (Chi-square)",
             fit(&v, "pvalue"), 3);
    if (fit_measures) fit_block(&b, &v);
    ks__sbuf_printf(&b, "\nParameter Estimates:\n\n");
    line(&b, "Standard errors", v.se_kind == KS_SEM_SE_SANDWICH ? "Robust.sem" : "Standard");
    line(&b, "Information", "Expected");
    /* lavaan's h1 information: structured for ML and GLS, unstructured for least squares */
    const int ls = v.estimator == KS_SEM_ULS || v.estimator == KS_SEM_DWLS ||
                   v.estimator == KS_SEM_WLS;
    line(&b, "Information saturated (h1) model", ls ? "Unstructured" : "Structured");
    print_section(&b, &v, SEC_LOADING, "Latent Variables", standardized);
    print_section(&b, &v, SEC_REGRESSION, "Regressions", standardized);
    print_section(&b, &v, SEC_COVARIANCE, "Covariances", standardized);
    print_section(&b, &v, SEC_VARIANCE, "Variances", standardized);
    print_section(&b, &v, SEC_DEFINED, "Defined Parameters", standardized);
    if (v.ncon) {
        ks__sbuf_printf(&b, "\nConstraints:\n%*s|Slack|\n", 47, "");
        for (size_t i = 0; i < v.ncon; i++) {
            char text[512];
            /* lavaan writes each as the expression that must be 0 (==) or positive */
            if (!strcmp(v.con_op[i], "<"))
                snprintf(text, sizeof text, "%s - (%s)", v.con_rhs[i], v.con_lhs[i]);
            else
                snprintf(text, sizeof text, "%s - (%s)", v.con_lhs[i], v.con_rhs[i]);
            const int pad = 41 - (int)strlen(text);
            ks__sbuf_printf(&b, "    %s%*s", text, pad > 0 ? pad : 1, "");
            num(&b, v.con_slack[i]);
            ks__sbuf_printf(&b, "\n");
        }
    }
    ks__sbuf_printf(&b, "\n"); /* lavaan ends with an empty line */
    return ks__sbuf_string(&b, out);
}
