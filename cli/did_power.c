/* did_power.c — `kestrel did power`: the analytical MDE, power and sample size of a DiD design,
 * or the power of the pre-trends test and its minimal detectable violation from an event
 * study's pre-period estimates and their covariance. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char *CMD = "did power";

/* The pre-period rows (period < reference) of the estimates CSV and their covariance block. */
static int read_pretrends(ks_ctx *ctx, const char *est_path, const char *vcov_path, double ref,
                          size_t *k, double **per, double **V)
{
    ks_table *e = NULL, *c = NULL;
    double *p = NULL, *all = NULL, *cov = NULL;
    size_t *keep = NULL;
    int rc = CLI_FAILED;
    size_t jp, n;
    if (ks_table_read_csv(ctx, est_path, NULL, &e) || ks_table_find(ctx, e, "period", &jp) ||
        ks_table_read_csv(ctx, vcov_path, NULL, &c)) {
        rc = cli_fail(ctx, CMD);
        goto done;
    }
    n = ks_table_nrow(e);
    if (ks_table_ncol(c) != n || ks_table_nrow(c) != n) {
        fprintf(stderr,
                "kestrel %s: --vcov must be %zu x %zu (one row and column per estimate), "
                "got %zu x %zu\n",
                CMD, n, n, ks_table_nrow(c), ks_table_ncol(c));
        rc = CLI_USAGE;
        goto done;
    }
    all = malloc((n ? n : 1) * sizeof *all);
    cov = malloc((n ? n * n : 1) * sizeof *cov);
    p = malloc((n ? n : 1) * sizeof *p);
    keep = malloc((n ? n : 1) * sizeof *keep);
    *V = malloc((n ? n * n : 1) * sizeof **V);
    if (!all || !cov || !p || !keep || !*V) {
        fprintf(stderr, "kestrel %s: out of memory\n", CMD);
        goto done;
    }
    if (ks_table_get_double(ctx, e, jp, all, n)) {
        rc = cli_fail(ctx, CMD);
        goto done;
    }
    for (size_t j = 0; j < n; j++)
        if (ks_table_get_double(ctx, c, j, cov + j * n, n)) { /* column j */
            rc = cli_fail(ctx, CMD);
            goto done;
        }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (all[i] < ref) {
            /* insertion by period, so the last pre-period is last */
            size_t at = m;
            while (at > 0 && all[keep[at - 1]] > all[i]) {
                keep[at] = keep[at - 1];
                at--;
            }
            keep[at] = i;
            m++;
        }
    if (m == 0) {
        fprintf(stderr, "kestrel %s: no period before the reference period %g in %s\n", CMD, ref,
                est_path);
        rc = CLI_USAGE;
        goto done;
    }
    for (size_t a = 0; a < m; a++) {
        p[a] = all[keep[a]];
        for (size_t b = 0; b < m; b++) (*V)[a * m + b] = cov[keep[b] * n + keep[a]];
    }
    *k = m;
    *per = p;
    p = NULL;
    rc = CLI_OK;
done:
    if (rc) {
        free(*V);
        *V = NULL;
    }
    free(p);
    free(all);
    free(cov);
    free(keep);
    ks_table_free(e);
    ks_table_free(c);
    return rc;
}

static int run_pretrends(ks_ctx *ctx, const char *est, const char *vcov, double ref,
                         const char *violation, ks_did_pretest form, double alpha, double target,
                         const char *M_s, int json)
{
    size_t k = 0;
    double *per = NULL, *V = NULL, *w = NULL;
    int rc = read_pretrends(ctx, est, vcov, ref, &k, &per, &V);
    if (rc) return rc;
    w = malloc(k * sizeof *w);
    if (!w) {
        rc = CLI_FAILED;
        goto done;
    }
    for (size_t i = 0; i < k; i++)
        w[i] = !strcmp(violation, "linear")     ? fabs(per[i] - ref)
               : !strcmp(violation, "constant") ? 1.0
                                                : (i + 1 == k);
    ks_did_pretrends_options o = KS_DID_PRETRENDS_OPTIONS_INIT;
    o.form = form;
    o.alpha = alpha;
    double mdv, M;
    ks_did_pretrends_point pt;
    if (ks_did_pretrends_mdv(ctx, k, V, w, target, &o, &mdv)) {
        rc = cli_fail(ctx, CMD);
        goto done;
    }
    M = mdv;
    if (M_s && (rc = cli_num(CMD, "--M", M_s, &M))) goto done;
    if (!isfinite(M)) M = 0;
    if (ks_did_pretrends_power(ctx, k, V, w, M, &o, &pt)) {
        rc = cli_fail(ctx, CMD);
        goto done;
    }
    if (json) {
        printf("{\"pretest_form\": \"%s\", \"violation_type\": \"%s\", \"n_pre_periods\": %zu, "
               "\"alpha\": ",
               ks_did_pretest_name(form), violation, k);
        cli_json_num(stdout, alpha);
        printf(", \"target_power\": ");
        cli_json_num(stdout, target);
        printf(", \"mdv\": ");
        cli_json_num(stdout, mdv);
        printf(", \"M\": ");
        cli_json_num(stdout, M);
        printf(", \"power\": ");
        cli_json_num(stdout, pt.power);
        printf(", \"critical_value\": ");
        cli_json_num(stdout, pt.critical_value);
        printf(", ");
        cli_json_array(stdout, "pre_periods", per, k);
        printf(", ");
        cli_json_array(stdout, "violation_weights", w, k);
        printf("}\n");
        goto done;
    }
    printf("Pre-trends power (Roth 2022): %s pretest, %s violation, %zu pre-periods\n",
           ks_did_pretest_name(form), violation, k);
    printf("%-34s %g\n", "alpha", alpha);
    printf("%-34s %g\n", "critical value", pt.critical_value);
    printf("%-34s %.6g\n", "minimal detectable violation", mdv);
    printf("%-34s (at power %g)\n", "", target);
    printf("%-34s %.6g\n", "power at M", pt.power);
    printf("%-34s %.6g\n", "M", M);
done:
    free(per);
    free(V);
    free(w);
    return rc;
}

int cmd_did_power(int argc, char **argv)
{
    const char *nt_s = NULL, *nc_s = NULL, *sigma_s = NULL, *npre_s = NULL, *npost_s = NULL;
    const char *rho_s = NULL, *deff_s = NULL, *alpha_s = NULL, *power_s = NULL, *alt_s = NULL;
    const char *effect_s = NULL, *frac_s = NULL, *pre_s = NULL, *vcov_s = NULL, *ref_s = NULL;
    const char *viol_s = NULL, *form_s = NULL, *M_s = NULL, *json = NULL, *threads = NULL;
    const cli_opt opts[] = {
        {"n-treated", 1, &nt_s, "N", "treated units"},
        {"n-control", 1, &nc_s, "N", "control units"},
        {"sigma", 1, &sigma_s, "S", "residual standard deviation"},
        {"n-pre", 1, &npre_s, "M", "pre-treatment periods (default 1)"},
        {"n-post", 1, &npost_s, "R", "post-treatment periods (default 1)"},
        {"rho", 1, &rho_s, "R", "within-unit equicorrelation (default 0)"},
        {"deff", 1, &deff_s, "D", "survey design effect (default 1)"},
        {"effect", 1, &effect_s, "E", "effect size: report the power and the sample size"},
        {"treat-frac", 1, &frac_s, "F", "treated share for the sample size (default 0.5)"},
        {"alternative", 1, &alt_s, "A", "two-sided (default), greater or less"},
        {"alpha", 1, &alpha_s, "A", "test level (default 0.05)"},
        {"power", 1, &power_s, "P", "target power (default 0.8)"},
        {"pretrends", 1, &pre_s, "FILE",
         "event-study estimates: CSV with a numeric column "
         "'period'\n(relative time); rows before --reference "
         "are the pre-periods"},
        {"vcov", 1, &vcov_s, "FILE",
         "their covariance: CSV, a header row, then one row per "
         "estimate\n(same order), one column each"},
        {"reference", 1, &ref_s, "T", "the omitted reference period (default 0)"},
        {"violation", 1, &viol_s, "V",
         "linear (default: M |t - reference|), constant or "
         "last_period"},
        {"form", 1, &form_s, "F",
         "nis (default: no pre-period individually significant) "
         "or wald"},
        {"M", 1, &M_s, "M", "violation magnitude for the power (default: the MDV)"},
        {"json", 0, &json, NULL, "print JSON"},
        {"threads", 1, &threads, "N", "threads (default: all cores)"},
    };
    int rc = cli_parse_help(
        CMD, argc, argv, opts, sizeof opts / sizeof *opts,
        "usage: kestrel did power --n-treated N --n-control N --sigma S [--effect E] ...\n"
        "       kestrel did power --pretrends FILE --vcov FILE [--violation V] [--M M] ...\n\n"
        "Analytical power of a DiD design (Bloom 1995; Burlig, Preonas & Woerman 2020):\n"
        "Var = sigma^2 (1/n_T + 1/n_C)(1/n_pre + 1/n_post)(1 - rho) deff, MDE = (z_alpha +\n"
        "z_power) se. Or the power of the pre-trends test (Roth 2022) against a violation\n"
        "M w and the minimal detectable violation, from pre-period estimates and their\n"
        "covariance.\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    double alpha = 0.05, target = 0.8;
    if ((alpha_s && (rc = cli_positive(CMD, "--alpha", alpha_s, &alpha))) ||
        (power_s && (rc = cli_positive(CMD, "--power", power_s, &target))))
        return rc;
    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, CMD, threads))) return rc;
    if (pre_s || vcov_s) {
        double ref = 0;
        ks_did_pretest form = KS_DID_PRETEST_NIS;
        const char *viol = viol_s ? viol_s : "linear";
        if (!pre_s || !vcov_s) {
            fprintf(stderr, "kestrel %s: --pretrends and --vcov go together\n", CMD);
            rc = CLI_USAGE;
        } else if (strcmp(viol, "linear") && strcmp(viol, "constant") &&
                   strcmp(viol, "last_period")) {
            fprintf(stderr, "kestrel %s: --violation must be linear, constant or last_period\n",
                    CMD);
            rc = CLI_USAGE;
        } else if (!(ref_s && (rc = cli_num(CMD, "--reference", ref_s, &ref))) &&
                   !(form_s && (rc = CLI_ENUM(CMD, "--form", form_s, did_pretest, &form)))) {
            rc = run_pretrends(ctx, pre_s, vcov_s, ref, viol, form, alpha, target, M_s, !!json);
        }
        ks_ctx_free(ctx);
        return rc;
    }
    if (!nt_s || !nc_s || !sigma_s) {
        fprintf(stderr,
                "kestrel %s: --n-treated, --n-control and --sigma are required (or "
                "--pretrends and --vcov; see --help)\n",
                CMD);
        ks_ctx_free(ctx);
        return CLI_USAGE;
    }
    ks_did_power_design d = {0, 0, 1, 1, 0, 0, 1};
    ks_did_power_options o = KS_DID_POWER_OPTIONS_INIT;
    o.alpha = alpha;
    o.power = target;
    long npre = 1, npost = 1;
    double effect = NAN, frac = 0.5;
    if ((rc = cli_positive(CMD, "--n-treated", nt_s, &d.n_treated)) ||
        (rc = cli_positive(CMD, "--n-control", nc_s, &d.n_control)) ||
        (rc = cli_num(CMD, "--sigma", sigma_s, &d.sigma)) ||
        (npre_s && (rc = cli_int(CMD, "--n-pre", npre_s, 1, &npre))) ||
        (npost_s && (rc = cli_int(CMD, "--n-post", npost_s, 1, &npost))) ||
        (rho_s && (rc = cli_num(CMD, "--rho", rho_s, &d.rho))) ||
        (deff_s && (rc = cli_positive(CMD, "--deff", deff_s, &d.deff))) ||
        (effect_s && (rc = cli_num(CMD, "--effect", effect_s, &effect))) ||
        (frac_s && (rc = cli_positive(CMD, "--treat-frac", frac_s, &frac))) ||
        (alt_s && (rc = CLI_ENUM(CMD, "--alternative", alt_s, did_alternative, &o.alternative))))
        goto done;
    d.n_pre = (int)npre;
    d.n_post = (int)npost;
    double var;
    int64_t n = 0, ntr = 0, nco = 0;
    if (ks_did_power_variance(ctx, &d, &var) ||
        (effect_s && ks_did_power_sample_size(ctx, &o, &d, effect, frac, &n, &ntr, &nco))) {
        rc = cli_fail(ctx, CMD);
        goto done;
    }
    const double se = sqrt(var), mde = ks_did_power_mde(&o, se);
    const double pw = effect_s ? ks_did_power_at(&o, effect, se) : NAN;
    const char *design = d.n_pre + d.n_post > 2 ? "panel" : "basic_did";
    if (json) {
        printf("{\"design\": \"%s\", \"alternative\": \"%s\", \"variance\": ", design,
               ks_did_alternative_name(o.alternative));
        cli_json_num(stdout, var);
        printf(", \"se\": ");
        cli_json_num(stdout, se);
        printf(", \"mde\": ");
        cli_json_num(stdout, mde);
        printf(", \"power\": ");
        cli_json_num(stdout, pw);
        if (effect_s) printf(", \"required_n\": %lld", (long long)(ntr + nco));
        printf("}\n");
        goto done;
    }
    printf("Power analysis (%s, %s, alpha %g, target power %g)\n", design,
           ks_did_alternative_name(o.alternative), alpha, target);
    printf("%-30s %.6g\n", "variance of the ATT", var);
    printf("%-30s %.6g\n", "standard error", se);
    printf("%-30s %.6g\n", "minimum detectable effect", mde);
    if (effect_s) {
        printf("%-30s %.6g\n", "power at the effect", pw);
        printf("%-30s %lld (%lld treated, %lld control)\n", "required sample size",
               (long long)(ntr + nco), (long long)ntr, (long long)nco);
    }
done:
    ks_ctx_free(ctx);
    return rc;
}
