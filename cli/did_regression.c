/* did_regression.c — `kestrel did basic` (the 2x2 regression) and `kestrel did twfe` (two-way
 * fixed effects): the closed forms where they apply (0/1 cells; a balanced panel), otherwise the
 * fixed-effects regression — the same numbers either way (fixest's). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

typedef struct {
    const char *data, *y, *treat, *time, *unit, *covs, *cluster, *vcov, *alpha, *json, *threads;
    const char *wild, *inference, *nboot, *bw, *seed;
    const char *conley, *cutoff, *lag, *metric, *kernel;
} args;

/* The effect: estimate, se, t(df) test and interval (inf[0..3]: t, p, lower, upper). */
static void print_result(const args *a, const char *what, const char *formula, double att,
                         double se, double df, const double inf[4], size_t nobs, size_t nclusters,
                         const char *vlabel)
{
    if (a->json) {
        printf("{\"estimator\": \"%s\", \"formula\": ", what);
        cli_json_str(stdout, formula);
        printf(", \"att\": ");
        cli_json_num(stdout, att);
        printf(", \"se\": ");
        cli_json_num(stdout, se);
        printf(", \"df\": ");
        cli_json_num(stdout, df);
        printf(", \"nobs\": %zu, \"nclusters\": %zu, \"vcov\": ", nobs, nclusters);
        cli_json_str(stdout, vlabel);
        printf("}\n");
        return;
    }
    printf("%s: %s\n", what, formula);
    printf("Observations: %zu", nobs);
    if (nclusters) printf("   Clusters: %zu", nclusters);
    printf("   Standard errors: %s\n\n", vlabel);
    cli_print_effect_header(stdout);
    cli_print_effect(stdout, "ATT", att, se, inf[0], inf[1], inf[2], inf[3]);
}

/* Through ks_feols_fit: the coefficient named term of formula. */
static int via_feols(ks_ctx *ctx, const ks_table *t, const args *a, const char *what,
                     const char *formula, const char *term, ks_feols_options *fo)
{
    ks_feols *m = NULL;
    if (ks_feols_fit(ctx, t, formula, fo, &m) != KS_OK) return cli_fail(ctx, what);
    int rc = CLI_OK;
    ks_feols_view v;
    ks_feols_get(m, &v);
    size_t j = 0;
    while (j < v.ncoef && strcmp(v.names[j], term)) j++;
    if (j == v.ncoef || v.collinear[j]) {
        fprintf(stderr, "kestrel %s: the treatment effect %s is %s\n", what, term,
                j == v.ncoef ? "not in the model"
                             : "collinear with the fixed effects or covariates");
        rc = CLI_FAILED;
    } else if (fo->vcov == KS_VCOV_CRV1 && v.nclusters[0] < 2) { /* as the closed forms */
        fprintf(stderr,
                "kestrel %s: cluster: '%s' has %zu level; clustered standard errors "
                "need at least 2 clusters\n",
                what, fo->cluster, v.nclusters[0]);
        rc = CLI_FAILED;
    } else {
        /* the closed forms' NaN inference where se is not a positive number */
        const int ok = isfinite(v.se[j]) && v.se[j] > 0;
        const double inf[4] = {ok ? v.tstat[j] : NAN, ok ? v.pvalue[j] : NAN,
                               ok ? v.ci_lower[j] : NAN, ok ? v.ci_upper[j] : NAN};
        print_result(a, what + strlen("did "), formula, v.coef[j], v.se[j], v.df[j], inf, v.nobs,
                     v.nclusters[0], v.vcov_label);
    }
    ks_feols_free(m);
    return rc;
}

/* --wild-bootstrap: the effect with its bootstrap p-value and interval (test inversion). */
static int wild(ks_ctx *ctx, const ks_table *t, const args *a, const char *cmd,
                const char *formula, const char *term, int twfe, double alpha)
{
    ks_did_wild_options o = KS_DID_WILD_OPTIONS_INIT;
    ks_did_wild *wr = NULL;
    ks_did_wild_view w;
    long v;
    if (a->wild && a->nboot) {
        fprintf(stderr, "kestrel %s: give --wild-bootstrap B or --n-bootstrap B, not both\n", cmd);
        return CLI_USAGE;
    }
    if (a->wild || a->nboot) {
        if (cli_int(cmd, a->wild ? "--wild-bootstrap" : "--n-bootstrap", a->wild ? a->wild : a->nboot,
                    2, &v))
            return CLI_USAGE;
        o.n_bootstrap = (int)v;
    }
    if (a->bw && CLI_ENUM(cmd, "--bootstrap-weights", a->bw, did_boot_weights, &o.weights))
        return CLI_USAGE;
    if (a->seed) {
        if (cli_int(cmd, "--seed", a->seed, 0, &v)) return CLI_USAGE;
        o.seed = (uint64_t)v;
    }
    o.alpha = alpha;
    o.cluster = a->cluster ? a->cluster : twfe ? a->unit : NULL;
    if (!o.cluster) {
        fprintf(stderr, "kestrel %s: the wild bootstrap needs --cluster\n", cmd);
        return CLI_USAGE;
    }
    if (ks_did_wild_fit(ctx, t, formula, term, &o, &wr) != KS_OK) return cli_fail(ctx, cmd);
    ks_did_wild_get(wr, &w);
    ks_did_wild_free(wr); /* the view's numbers are copied out: no pointers */
    if (a->json) {
        printf("{\"estimator\": \"%s\", \"formula\": ", cmd + strlen("did "));
        cli_json_str(stdout, formula);
        printf(", \"att\": ");
        cli_json_num(stdout, w.coef);
        printf(", \"se\": ");
        cli_json_num(stdout, w.se);
        printf(", \"p_value\": ");
        cli_json_num(stdout, w.pvalue);
        printf(", \"ci_lower\": ");
        cli_json_num(stdout, w.ci_lower);
        printf(", \"ci_upper\": ");
        cli_json_num(stdout, w.ci_upper);
        printf(", \"nobs\": %zu, \"nclusters\": %zu, \"n_bootstrap\": %zu, \"enumerated\": %s}\n",
               w.nobs, w.nclusters, w.n_bootstrap, w.enumerated ? "true" : "false");
        return CLI_OK;
    }
    printf("%s: %s\n", cmd + strlen("did "), formula);
    printf("Observations: %zu   Clusters: %zu   Wild cluster restricted bootstrap: %zu %s, %s\n\n",
           w.nobs, w.nclusters, w.n_bootstrap, w.enumerated ? "sign vectors (all)" : "draws",
           ks_did_boot_weights_name(o.weights));
    printf("%-12s %12s %12s %10s %12s %12s\n", "", "estimate", "std.err", "boot p", "ci.lower",
           "ci.upper");
    printf("%-12s %12.6f %12.6f %10.4g %12.6f %12.6f\n", "ATT", w.coef, w.se, w.pvalue, w.ci_lower,
           w.ci_upper);
    return CLI_OK;
}

/* --conley-coords: the effect with Conley spatial-HAC errors (ks_did_conley_fit), t at n - K. */
static int conley(ks_ctx *ctx, const ks_table *t, const args *a, const char *cmd,
                  const char *formula, const char *term, double alpha)
{
    ks_did_conley_options o = KS_DID_CONLEY_OPTIONS_INIT;
    const char **xy = NULL;
    int rc = cli_conley_options(cmd, a->conley, a->cutoff, a->lag, a->metric, a->kernel, &o, &xy);
    if (rc) return rc;
    o.time = a->time, o.unit = a->unit, o.cluster = a->cluster;
    ks_did_conley *r = NULL;
    if (ks_did_conley_fit(ctx, t, formula, &o, &r) != KS_OK) {
        free(xy);
        return cli_fail(ctx, cmd);
    }
    ks_did_conley_view v;
    ks_did_conley_get(r, &v);
    size_t j = 0;
    while (j < v.ncoef && strcmp(v.names[j], term)) j++;
    if (j == v.ncoef || !isfinite(v.coef[j])) {
        fprintf(stderr, "kestrel %s: the treatment effect %s is %s\n", cmd, term,
                j == v.ncoef ? "not in the model"
                             : "collinear with the fixed effects or covariates");
        rc = CLI_FAILED;
    } else {
        const int ok = isfinite(v.se[j]) && v.se[j] > 0;
        const double q = ks_t_quantile(1.0 - alpha / 2.0, v.df), tt = v.coef[j] / v.se[j];
        const double inf[4] = {ok ? tt : NAN, ok ? 2.0 * ks_t_cdf(-fabs(tt), v.df) : NAN,
                               ok ? v.coef[j] - q * v.se[j] : NAN,
                               ok ? v.coef[j] + q * v.se[j] : NAN};
        char label[600];
        snprintf(label, sizeof label, "Conley (%s, %s, cutoff %g, lag %d%s%s)", o.conley.kernel,
                 o.conley.metric, o.conley.cutoff, o.conley.lag_cutoff,
                 a->cluster ? ", cluster " : "", a->cluster ? a->cluster : "");
        print_result(a, cmd + strlen("did "), formula, v.coef[j], v.se[j], v.df, inf, v.nobs, 0,
                     label);
    }
    ks_did_conley_free(r);
    free(xy);
    return rc;
}

/* "y ~ rhs [+ covariates] [| fe]" in a malloc'ed string. */
static char *make_formula(const char *y, const char *rhs, const char *const *covs, size_t ncov,
                          const char *fe)
{
    size_t n = strlen(y) + strlen(rhs) + (fe ? strlen(fe) : 0) + 16;
    for (size_t j = 0; j < ncov; j++) n += strlen(covs[j]) + 3;
    char *f = malloc(n);
    if (!f) return NULL;
    snprintf(f, n, "%s ~ %s", y, rhs);
    for (size_t j = 0; j < ncov; j++) {
        strcat(f, " + ");
        strcat(f, covs[j]);
    }
    if (fe) {
        strcat(f, " | ");
        strcat(f, fe);
    }
    return f;
}

static int run(int argc, char **argv, int twfe)
{
    const char *cmd = twfe ? "did twfe" : "did basic";
    args a;
    memset(&a, 0, sizeof a);
    const cli_opt opts[] = {
        {"data", 1, &a.data, "FILE", "CSV or TSV, plain or gzip, with a header row"},
        {"outcome", 1, &a.y, "Y", "outcome column"},
        {"treatment", 1, &a.treat, "D", "treatment-group indicator (0/1)"},
        {"time", 1, &a.time, twfe ? "T" : "P",
         twfe ? "period indicator or period (the regressor is D x T)"
              : "post-period indicator (0/1)"},
        {"unit", 1, &a.unit, "ID",
         twfe ? "unit identifier column" : "unit identifier (with --conley-coords only)"},
        {"covariates", 1, &a.covs, "A,B", "covariates"},
        {"cluster", 1, &a.cluster, "COL",
         twfe ? "cluster-robust (CRV1) standard errors by COL (default: the unit)"
              : "cluster-robust (CRV1) standard errors by COL"},
        {"vcov", 1, &a.vcov, "V",
         twfe ? "(basic only)"
              : "hetero (default: HC1) | iid | HC2 | HC3 (without --cluster)\n| HC2-BM (Bell-"
                "McCaffrey df; CR2 with --cluster)"},
        {"alpha", 1, &a.alpha, "A", "significance level (default 0.05)"},
        {"inference", 1, &a.inference, "I",
         "analytical (default) | wild_bootstrap: the wild cluster\nrestricted bootstrap (needs "
         "a cluster; all 2^G sign vectors\nwhen 2^G <= B, Rademacher)"},
        {"n-bootstrap", 1, &a.nboot, "B", "wild bootstrap draws (default 999)"},
        {"wild-bootstrap", 1, &a.wild, "B",
         "the same as --inference wild_bootstrap --n-bootstrap B"},
        {"bootstrap-weights", 1, &a.bw, "W", "rademacher (default) | mammen | webb",
         "boot-weights"},
        {"seed", 1, &a.seed, "S", "bootstrap seed (default 0)"},
        {"conley-coords", 1, &a.conley, "LAT,LON",
         "Conley (1999) spatial-HAC errors on these coordinates\n(diff-diff's vcov_type='conley'; "
         "--unit needed; --cluster\nmultiplies the kernel by the same-cluster indicator)"},
        {"conley-cutoff", 1, &a.cutoff, "KM", "the Conley distance cutoff (km for haversine)"},
        {"conley-lag", 1, &a.lag, "L", "within-unit Bartlett lags (default 0)"},
        {"conley-metric", 1, &a.metric, "M", "haversine (default; degrees) | euclidean"},
        {"conley-kernel", 1, &a.kernel, "K", "bartlett (default) | uniform"},
        {"json", 0, &a.json, NULL, "print JSON instead of the table"},
        {"threads", 1, &a.threads, "N",
         "at most N threads (default 0: all cores, fewer for\n"
         "small work)"},
    };
    int rc = cli_parse_help(
        cmd, argc, argv, opts, sizeof opts / sizeof *opts,
        twfe ? "usage: kestrel did twfe --data FILE --outcome Y --treatment D --time T "
               "--unit ID [options]\n\n"
               "Two-way fixed effects: y ~ D:T (+ covariates) | unit + T, standard "
               "errors\nclustered by unit (diff-diff's TwoWayFixedEffects; fixest's "
               "numbers).\n"
             : "usage: kestrel did basic --data FILE --outcome Y --treatment D --time P "
               "[options]\n\n"
               "The 2x2 difference-in-differences regression y ~ D + P + D:P (+ "
               "covariates)\n(diff-diff's DifferenceInDifferences; fixest's numbers).\n",
        NULL);
    if (rc) return rc < 0 ? CLI_OK : rc;
    if (!a.data || !a.y || !a.treat || !a.time || (twfe && !a.unit)) {
        fprintf(stderr, "kestrel %s: --data, --outcome, --treatment, --time%s are required "
                        "(see --help)\n", cmd, twfe ? " and --unit" : "");
        return CLI_USAGE;
    }
    if (!a.conley && (a.cutoff || a.lag || a.metric || a.kernel)) {
        ks_did_conley_options unused = KS_DID_CONLEY_OPTIONS_INIT;
        const char **none;
        return cli_conley_options(cmd, NULL, a.cutoff, a.lag, a.metric, a.kernel, &unused, &none);
    }
    if (a.conley && (!a.unit || a.vcov || a.inference || a.wild)) {
        fprintf(stderr,
                "kestrel %s: --conley-coords needs --unit and takes no --vcov or wild "
                "bootstrap\n",
                cmd);
        return CLI_USAGE;
    }
    if ((twfe && a.vcov) || (!twfe && a.unit && !a.conley)) {
        fprintf(stderr, "kestrel %s: --%s does not apply (see --help)\n", cmd,
                twfe ? "vcov" : "unit");
        return CLI_USAGE;
    }
    ks_vcov_kind vk = KS_VCOV_HC1;
    if (a.vcov && CLI_ENUM(cmd, "--vcov", a.vcov, vcov_kind, &vk)) return CLI_USAGE;
    if (vk == KS_VCOV_CRV1 || vk == KS_VCOV_CR2) {
        fprintf(stderr,
                "kestrel %s: --vcov '%s': expected iid, hetero, HC1, HC2, HC3 or HC2-BM "
                "(--cluster makes HC1 CRV1 and HC2-BM CR2)\n",
                cmd, a.vcov);
        return CLI_USAGE;
    }
    if (a.cluster && vk != KS_VCOV_HC1 && vk != KS_VCOV_HC2_BM) { /* one-way only (diff-diff) */
        fprintf(stderr,
                "kestrel %s: --vcov '%s' is one-way only; with --cluster use HC1 (CRV1) or "
                "HC2-BM (CR2 Bell-McCaffrey)\n",
                cmd, a.vcov);
        return CLI_USAGE;
    }
    if (a.cluster) vk = vk == KS_VCOV_HC2_BM ? KS_VCOV_CR2 : KS_VCOV_CRV1;
    double alpha = 0.05;
    if (a.alpha && cli_num(cmd, "--alpha", a.alpha, &alpha)) return CLI_USAGE;
    static const cli_name inferences[] = {{"analytical", 0}, {"wild_bootstrap", 1}};
    int use_wild = a.wild != NULL;
    if (a.inference && cli_choice(cmd, "--inference", a.inference, inferences, 2, &use_wild))
        return CLI_USAGE;
    if (a.wild && !use_wild) {
        fprintf(stderr, "kestrel %s: --wild-bootstrap contradicts --inference analytical\n", cmd);
        return CLI_USAGE;
    }
    if (!use_wild && (a.nboot || a.bw || a.seed)) {
        fprintf(stderr, "kestrel %s: --n-bootstrap, --bootstrap-weights and --seed need "
                        "--inference wild_bootstrap\n", cmd);
        return CLI_USAGE;
    }
    const char **covs = NULL;
    size_t ncov = 0;
    if (a.covs && (rc = cli_list(cmd, "--covariates", a.covs, &covs, &ncov))) return rc;

    ks_ctx *ctx;
    if ((rc = cli_ctx(&ctx, cmd, a.threads))) {
        free(covs);
        return rc;
    }
    ks_table *t = NULL;
    char term[512], rhs[1100], fe[512], *formula = NULL;
    const int n_term = snprintf(term, sizeof term, "%s:%s", a.treat, a.time);
    const int n_rhs = twfe ? snprintf(rhs, sizeof rhs, "%s", term)
                           : snprintf(rhs, sizeof rhs, "%s + %s + %s", a.treat, a.time, term);
    const int n_fe = snprintf(fe, sizeof fe, "%s + %s", a.unit ? a.unit : "", a.time);
    if (n_term >= (int)sizeof term || n_rhs >= (int)sizeof rhs || n_fe >= (int)sizeof fe) {
        fprintf(stderr, "kestrel %s: the column names of --treatment, --time and --unit are "
                        "longer than 250 characters together\n", cmd);
        rc = CLI_USAGE;
        goto done;
    }
    if (!(formula = make_formula(a.y, rhs, covs, ncov, twfe ? fe : NULL))) {
        fprintf(stderr, "kestrel %s: out of memory\n", cmd);
        rc = CLI_FAILED;
        goto done;
    }
    if (ks_table_read_csv(ctx, a.data, NULL, &t) != KS_OK) {
        rc = cli_fail(ctx, cmd);
        goto done;
    }
    if (a.conley) { /* Conley errors on the regression (diff-diff drops TWFE's unit clusters) */
        rc = conley(ctx, t, &a, cmd, formula, term, alpha);
        goto done;
    }
    if (use_wild) { /* the wild cluster restricted bootstrap of the same regression */
        rc = wild(ctx, t, &a, cmd, formula, term, twfe, alpha);
        goto done;
    }
    if (!a.covs && !twfe && (vk == KS_VCOV_IID || vk == KS_VCOV_HC1 || vk == KS_VCOV_CRV1)) {
        /* the closed form; feols when D or P is not 0/1 */
        ks_did_basic_options bo = KS_DID_BASIC_OPTIONS_INIT;
        bo.vcov = vk;
        bo.cluster = a.cluster;
        bo.alpha = alpha;
        ks_did_basic *br = NULL;
        const int brc = ks_did_basic_fit(ctx, t, a.y, a.treat, a.time, &bo, &br);
        if (brc != KS_OK && !strstr(ks_errmsg(ctx), "must be 0 or 1")) {
            rc = cli_fail(ctx, cmd); /* (D or P not 0/1 goes on to feols) */
            goto done;
        }
        if (brc == KS_OK) {
            char label[600];
            snprintf(label, sizeof label, "%s%s",
                     vk == KS_VCOV_CRV1 ? "CRV1: " : vk == KS_VCOV_HC1 ? "HC1" : "iid",
                     vk == KS_VCOV_CRV1 ? a.cluster : "");
            ks_did_basic_view b;
            ks_did_basic_get(br, &b);
            const double inf[4] = {b.tstat[3], b.pvalue[3], b.ci_lower[3], b.ci_upper[3]};
            print_result(&a, "basic", formula, b.coef[3], b.se[3], b.df_t, inf, b.nobs, b.nclusters,
                         label);
            ks_did_basic_free(br);
            goto done;
        }
    } else if (!a.covs && twfe) { /* a balanced panel in closed form */
        ks_did_twfe_options to = KS_DID_TWFE_OPTIONS_INIT;
        to.cluster = a.cluster;
        to.alpha = alpha;
        ks_did_twfe *wr = NULL;
        if (ks_did_twfe_fit(ctx, t, a.y, a.treat, a.time, a.unit, &to, &wr) != KS_OK) {
            rc = cli_fail(ctx, cmd);
            goto done;
        }
        ks_did_twfe_view w;
        ks_did_twfe_get(wr, &w);
        ks_did_twfe_free(wr); /* the view holds numbers only */
        if (w.balanced) {
            char label[600];
            snprintf(label, sizeof label, "CRV1: %s", a.cluster ? a.cluster : a.unit);
            const double inf[4] = {w.tstat, w.pvalue, w.ci_lower, w.ci_upper};
            print_result(&a, "twfe", formula, w.att, w.se, w.df_t, inf, w.nobs, w.nclusters, label);
            goto done;
        }
    }
    ks_feols_options fo = KS_FEOLS_OPTIONS_INIT;
    fo.vcov = vk;
    fo.alpha = alpha;
    if (twfe) {
        fo.vcov = KS_VCOV_CRV1;
        fo.cluster = a.cluster ? a.cluster : a.unit;
    } else {
        fo.cluster = a.cluster;
    }
    rc = via_feols(ctx, t, &a, cmd, formula, term, &fo);
done:
    free(formula);
    free(covs);
    ks_table_free(t);
    ks_ctx_free(ctx);
    return rc;
}

int cmd_did_basic(int argc, char **argv) { return run(argc, argv, 0); }
int cmd_did_twfe(int argc, char **argv) { return run(argc, argv, 1); }
