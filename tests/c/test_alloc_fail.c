/* test_alloc_fail.c — make every allocation of a table read, factorize, CSV write, a two-way
 * fixed-effects, two-way clustered fit, Callaway & Sant'Anna fits, MARS fits, munge (both
 * modes), ldsc, sumstats, the covstruc file, usermodel's smoothing, a SEM model's parse,
 * parameter table, expressions, fit measures, the SEM engine's fit, the public SEM fit with
 * its summary, usermodel, commonfactor and the public GWAS fail once, in turn: each run must fail cleanly (no crash), leave nothing
 * allocated, and leave no output file behind. */
#include <glob.h>
#include <math.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kestrel/kestrel.h"
#include "ktest.h"
#include "sem/fit_measures.h"
#include "sem/engine.h"
#include "gsem/gsem_sem_input.h"
#include "sem/sem_internal.h"

static const char *DATA =
    "y,x1,x2,unit,time,firm\n"
    "1.5,0.3,2,1,1,\"f,1\"\n2.1,0.9,1,1,2,f2\n0.7,1.3,5,2,1,f1\n3.3,2.2,3,2,2,f2\n"
    "2.2,0.1,4,3,1,f1\n1.9,1.7,2,3,2,f3\n2.8,2.9,1,4,1,f3\n4.1,0.5,3,4,2,f1\n"
    "3.0,1.1,2,5,1,f2\n2.6,1.4,6,5,2,f3\n1.1,NA,2,6,1,f1\n0.4,0.2,1,6,2,f2\n";

static const char *DID =
    "id,t,g,y,x,w\n1,1,0,1.32,0.45,1\n1,2,0,1.33,0.55,1\n1,3,0,0.2,0.65,1\n1,4,0,2.91,0.75,1\n2"
    ",1,0,0.26,0.55,2\n2,2,0,1.88,0.65,2\n2,3,0,2.16,0.75,2\n2,4,0,2.59,0.85,2\n3,1,0,1.65,0.13"
    ",3\n3,2,0,0.86,0.23,3\n3,3,0,1.94,0.33,3\n3,4,0,2.12,0.43,3\n4,1,0,1.44,0.7,1\n4,2,0,1.61,"
    "0.8,1\n4,3,0,1.62,0.9,1\n4,4,0,2.64,1.0,1\n5,1,3,1.42,0.11,2\n5,2,3,3.49,0.21,2\n5,3,3,4.7"
    "1,0.31,2\n5,4,3,1.49,0.41,2\n6,1,3,1.83,-1.79,3\n6,2,3,2.08,-1.69,3\n6,3,3,4.21,-1.59,3\n6"
    ",4,3,4.72,-1.49,3\n7,1,3,1.19,2.22,1\n7,2,3,2.42,2.32,1\n7,3,3,6.34,2.42,1\n7,4,3,5.45,2.5"
    "2,1\n8,1,4,2.09,0.76,2\n8,2,4,1.45,0.86,2\n8,3,4,3.77,0.96,2\n8,4,4,5.21,1.06,2\n9,1,4,2.2"
    "2,-1.13,3\n9,2,4,3.33,-1.03,3\n9,3,4,2.96,-0.93,3\n9,4,4,5.3,-0.83,3\n10,1,4,3.24,0.2,1\n1"
    "0,2,4,3.19,0.3,1\n10,3,4,4.79,0.4,1\n10,4,4,6.59,0.5,1\n";

/* A staggered panel of 100 units (80 never treated, cohorts 3..7) x 8 periods, rows period by
 * period (so not in the sorted layout): the controls' block has enough cells (35) for the
 * bootstrap to reduce it to a basis. */
static char *stagger_csv(size_t *len)
{
    const size_t cap = 100 * 8 * 40 + 32;
    char *s = malloc(cap);
    if (!s) return NULL;
    size_t n = (size_t)snprintf(s, cap, "id,t,g,y\n");
    for (int t = 1; t <= 8; t++)
        for (int id = 1; id <= 100; id++) {
            const int g = id > 80 ? 3 + (id - 81) / 4 : 0;
            const double y = sin(id * 1.7 + t * 0.3) + 0.2 * t + (g && t >= g ? 1.0 : 0.0);
            n += (size_t)snprintf(s + n, cap - n, "%d,%d,%d,%.6f\n", id, t, g, y);
        }
    *len = n;
    return s;
}

/* Callaway & Sant'Anna on a small staggered panel: with a covariate, weights and the bootstrap,
 * every aggregation and the pre-test; then as repeated cross-sections; then the bootstrap on a
 * wider panel. */
/* The 2x2 estimators on the DID panel (treated: g > 0; post: t >= 3): the closed forms, the
 * wild bootstrap (on feols's design), the placebo loops. */
static int run_2x2(ks_ctx *ctx, ks_table *t, double *sig)
{
    static double d[64], p[64];
    const size_t n = ks_table_nrow(t);
    size_t jg, jt;
    int rc = ks_table_find(ctx, t, "g", &jg);
    if (!rc) rc = ks_table_find(ctx, t, "t", &jt);
    for (size_t i = 0; !rc && i < n && i < 64; i++) {
        d[i] = ks_table_int64(t, jg)[i] > 0;
        p[i] = ks_table_int64(t, jt)[i] >= 3;
    }
    if (!rc && n > 64) return KS_EINVAL; /* DID has 40 rows */
    if (!rc) rc = ks_table_add_float64(ctx, t, "d", d);
    if (!rc) rc = ks_table_add_float64(ctx, t, "p", p);
    ks_did_basic_options bo = KS_DID_BASIC_OPTIONS_INIT;
    bo.vcov = KS_VCOV_CRV1;
    bo.cluster = "id";
    ks_did_basic *b = NULL;
    if (!rc) rc = ks_did_basic_fit(ctx, t, "y", "d", "p", &bo, &b);
    if (!rc) {
        ks_did_basic_view v;
        ks_did_basic_get(b, &v);
        *sig += v.coef[3] + v.ci_lower[3];
    }
    ks_did_basic_free(b);
    ks_did_twfe *tw = NULL;
    if (!rc) rc = ks_did_twfe_fit(ctx, t, "y", "d", "p", "id", NULL, &tw);
    if (!rc) {
        ks_did_twfe_view v;
        ks_did_twfe_get(tw, &v);
        *sig += v.att + v.pvalue;
    }
    ks_did_twfe_free(tw);
    ks_did_wild_options wo = KS_DID_WILD_OPTIONS_INIT;
    wo.cluster = "id";
    wo.n_bootstrap = 64;
    ks_did_wild *w = NULL;
    if (!rc) rc = ks_did_wild_fit(ctx, t, "y ~ d:p | id + t", "d:p", &wo, &w);
    if (!rc) {
        ks_did_wild_view v;
        ks_did_wild_get(w, &v);
        *sig += v.coef + v.pvalue;
    }
    ks_did_wild_free(w);
    static double lat[64], lon[64];
    size_t jid;
    if (!rc) rc = ks_table_find(ctx, t, "id", &jid);
    for (size_t i = 0; !rc && i < n; i++) {
        lat[i] = 30.0 + (double)(ks_table_int64(t, jid)[i] % 7);
        lon[i] = -90.0 + (double)(ks_table_int64(t, jid)[i] % 5);
    }
    if (!rc) rc = ks_table_add_float64(ctx, t, "lat", lat);
    if (!rc) rc = ks_table_add_float64(ctx, t, "lon", lon);
    ks_did_conley_options co = KS_DID_CONLEY_OPTIONS_INIT;
    co.lat = "lat", co.lon = "lon", co.time = "t", co.unit = "id", co.cluster = "id";
    co.conley.cutoff = 500.0;
    co.conley.lag_cutoff = 1;
    ks_did_conley *cf = NULL;
    if (!rc) rc = ks_did_conley_fit(ctx, t, "y ~ d:p | id + t", &co, &cf);
    if (!rc) {
        ks_did_conley_view v;
        ks_did_conley_get(cf, &v);
        *sig += v.se[0] + (double)v.npairs;
    }
    ks_did_conley_free(cf);
    for (int perm = 0; perm < 2 && !rc; perm++) {
        ks_did_placebo_options po = KS_DID_PLACEBO_OPTIONS_INIT;
        po.n_permutations = 20;
        ks_did_placebo *r = NULL;
        rc = perm ? ks_did_permutation_fit(ctx, t, "y", "d", "p", "id", &po, &r)
                  : ks_did_leave_one_out_fit(ctx, t, "y", "d", "p", "id", NULL, &r);
        if (!rc) {
            ks_did_placebo_view v;
            ks_did_placebo_get(r, &v);
            *sig += v.att + (double)v.n_valid + v.effects[0];
        }
        ks_did_placebo_free(r);
    }
    return rc;
}

static int run_stacked(ks_ctx *ctx, const ks_table *t, double *sig);
static int run_imputation(ks_ctx *ctx, const ks_table *t, double *sig);
/* HonestDiD on a small event study (2 pre, 2 post): the original interval, the identified
 * sets, the FLCI and the conditional test on a short grid. (C-LF is left out: its 1000 draws
 * in each of the ~5000 runs would make this test minutes slower.) */
static int run_honest(ks_ctx *ctx, double *sig)
{
    static const double b[4] = {0.01, -0.02, 0.2, 0.25};
    static const double S[16] = {0.004,  0.001,  0.0005, 0.0002, 0.001,  0.003,  0.0008, 0.0004,
                                 0.0005, 0.0008, 0.005,  0.002,  0.0002, 0.0004, 0.002,  0.006};
    const double m[2] = {0.0, 1.0};
    double lb[2], ub[2];
    ks_did_honest_args a = {.delta = KS_HONEST_SD,
                            .method = KS_HONEST_FLCI,
                            .num_pre = 2,
                            .num_post = 2,
                            .betahat = b,
                            .sigma = S,
                            .grid_points = 12,
                            .grid_lb = NAN,
                            .grid_ub = NAN};
    int rc = ks_did_honest_original(ctx, &a, lb, ub);
    if (!rc) rc = ks_did_honest(ctx, &a, m, 2, lb, ub);
    if (!rc) rc = ks_did_honest_idset(ctx, &a, m, 2, lb, ub);
    a.delta = KS_HONEST_RM;
    a.method = KS_HONEST_CONDITIONAL;
    if (!rc) rc = ks_did_honest_idset(ctx, &a, m, 2, lb, ub);
    if (!rc) rc = ks_did_honest(ctx, &a, m, 2, lb, ub);
    if (!rc) *sig += lb[1] + ub[1];
    return rc;
}

static int run_did(ks_ctx *ctx, double *sig)
{
    ks_table *t = NULL;
    int rc = ks_table_read_csv_mem(ctx, "did.csv", DID, strlen(DID), NULL, &t);
    static const char *const cov[] = {"x", NULL};
    for (int pass = 0; pass < 2 && !rc; pass++) {
        ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
        o.control_group = KS_DID_NOT_YET_TREATED;
        o.method = pass ? KS_DID_REG : KS_DID_DR;
        o.covariates = cov;
        o.weights = "w";
        o.n_bootstrap = pass ? 0 : 70;
        o.cband = !pass;
        o.panel = !pass;
        ks_did_cs *fit = NULL;
        rc = ks_did_cs_fit(ctx, t, "y", "t", "id", "g", &o, &fit);
        for (int a = 0; a < 4 && !rc; a++) {
            ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
            ao.type = (ks_did_agg_type)a;
            ks_did_agg *agg = NULL;
            rc = ks_did_cs_aggregate(ctx, fit, &ao, &agg);
            if (!rc) {
                ks_did_agg_view v;
                ks_did_agg_get(agg, &v);
                *sig += v.att + (isfinite(v.se) ? v.se : 0.0);
            }
            ks_did_agg_free(agg);
        }
        ks_did_cs_pretest_estimate w;
        if (!rc) rc = ks_did_cs_pretest(ctx, fit, &w);
        ks_did_cs_free(fit);
    }
    ks_did_bacon *b = NULL; /* the Goodman-Bacon decomposition of the same panel */
    if (!rc) rc = ks_did_bacon_fit(ctx, t, "y", "id", "t", "g", &b);
    if (!rc) {
        ks_did_bacon_view v;
        ks_did_bacon_get(b, &v);
        *sig += v.twfe + v.estimate[0];
    }
    ks_did_bacon_free(b);
    static const char *const sacov[] = {"x", NULL};
    /* Sun & Abraham: closed form, regression, Conley errors (euclidean on w, x) */
    ks_did_conley_options sc = KS_DID_CONLEY_OPTIONS_INIT;
    sc.lat = "w", sc.lon = "x", sc.conley.metric = "euclidean", sc.conley.cutoff = 1.0;
    sc.conley.lag_cutoff = 1;
    for (int pass = 0; pass < 3 && !rc; pass++) {
        ks_did_sunab *sa = NULL;
        ks_did_sunab_options so = KS_DID_SUNAB_OPTIONS_INIT;
        so.covariates = pass ? sacov : NULL;
        so.n_bootstrap = pass < 2 ? 12 : 0; /* the pairs bootstrap, and diff-diff's summary */
        so.conley = pass == 2 ? &sc : NULL;
        rc = ks_did_sunab_fit(ctx, t, "y", "id", "t", "g", &so, &sa);
        if (!rc) {
            ks_did_sunab_view v;
            ks_did_sunab_get(sa, &v);
            double se, lo, hi, p;
            if (v.n_bootstrap)
                rc = ks_did_boot_summary(ctx, v.boot_att, v.n_bootstrap, 1, &v.att, 0, 1.0, 0.05,
                                         &se, &lo, &hi, &p);
            *sig += v.att + v.att_se + (v.n_bootstrap ? v.boot_att[0] : 0.0);
        }
        ks_did_sunab_free(sa);
    }
    if (!rc) rc = run_2x2(ctx, t, sig);
    if (!rc) rc = run_stacked(ctx, t, sig);
    if (!rc) rc = run_imputation(ctx, t, sig);
    ks_table_free(t);
    t = NULL;
    size_t len = 0;
    char *wide = rc ? NULL : stagger_csv(&len);
    if (!rc && wide) rc = ks_table_read_csv_mem(ctx, "stagger.csv", wide, len, NULL, &t);
    free(wide);
    if (!rc) {
        ks_did_cs_options o = KS_DID_CS_OPTIONS_INIT;
        o.n_bootstrap = 64;
        ks_did_cs *fit = NULL;
        rc = ks_did_cs_fit(ctx, t, "y", "t", "id", "g", &o, &fit);
        ks_did_agg_options ao = KS_DID_AGG_OPTIONS_INIT;
        ks_did_agg *agg = NULL;
        if (!rc) rc = ks_did_cs_aggregate(ctx, fit, &ao, &agg);
        if (!rc) {
            ks_did_agg_view v;
            ks_did_agg_get(agg, &v);
            *sig += v.att + v.se;
        }
        ks_did_agg_free(agg);
        ks_did_cs_free(fit);
    }
    ks_table_free(t);
    return rc;
}

/* Imputation DiD with BJS's leads, the leave-out variance and the bootstrap; its pre-trend
 * test; the two-stage estimator with its leads; on the DID panel t. */
static int run_imputation(ks_ctx *ctx, const ks_table *t, double *sig)
{
    int rc = KS_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        ks_did_imputation_options o = KS_DID_IMPUTATION_OPTIONS_INIT;
        o.pretrends = 1;
        o.leave_one_out = !pass;
        o.n_bootstrap = pass ? 0 : 20;
        ks_did_imputation *r = NULL;
        rc = pass ? ks_did_two_stage_fit(ctx, t, "y", "id", "t", "g", &o, &r)
                  : ks_did_imputation_fit(ctx, t, "y", "id", "t", "g", &o, &r);
        if (!rc) {
            ks_did_imputation_view v;
            ks_did_imputation_get(r, &v);
            *sig += v.att + v.se;
        }
        ks_did_imputation_free(r);
    }
    ks_did_imputation_leads *l = NULL;
    if (!rc) rc = ks_did_imputation_pretrend_test(ctx, t, "y", "id", "t", "g", NULL, -1, &l);
    if (!rc) {
        ks_did_imputation_leads_view v;
        ks_did_imputation_leads_get(l, &v);
        *sig += v.n ? v.coef[0] : 0.0;
    }
    ks_did_imputation_leads_free(l);
    return rc;
}

/* Stacked DiD (aggregate and sample-share weights, both clusterings) on the DID panel t, and
 * the triple difference (dr with a covariate, clustered; reg) on a generated 2x2x2
 * cross-section built column by column (no second CSV read: its optional shrinks are counted
 * once, in main). */
static int run_stacked(ks_ctx *ctx, const ks_table *t, double *sig)
{
    int rc = KS_OK;
    for (int pass = 0; pass < 2 && !rc; pass++) {
        ks_did_stacked_options o = KS_DID_STACKED_OPTIONS_INIT;
        o.weighting = pass ? KS_STACKED_SAMPLE_SHARE : KS_STACKED_AGGREGATE;
        o.cluster = pass ? KS_STACKED_CLUSTER_UNIT_SUBEXP : KS_STACKED_CLUSTER_UNIT;
        ks_did_stacked *r = NULL;
        rc = ks_did_stacked_fit(ctx, t, "y", "id", "t", "g", &o, &r);
        if (!rc) {
            ks_did_stacked_view v;
            ks_did_stacked_get(r, &v);
            *sig += v.att + v.att_se;
        }
        ks_did_stacked_free(r);
    }
    double col[6][64];
    for (int i = 0; i < 64; i++) {
        col[0][i] = i % 2;
        col[1][i] = (i / 2) % 2;
        col[2][i] = (i / 4) % 2;
        col[3][i] = sin(i * 1.3);
        col[4][i] = cos(i * 0.7) + col[0][i] * col[1][i] * col[2][i];
        col[5][i] = i % 9;
    }
    static const char *const names[] = {"g", "p", "post", "x", "y", "c"};
    ks_table *d = NULL;
    if (!rc) rc = ks_table_new(ctx, 64, &d);
    for (int c = 0; c < 6 && !rc; c++) rc = ks_table_add_float64(ctx, d, names[c], col[c]);
    static const char *const cov[] = {"x", NULL};
    for (int pass = 0; pass < 2 && !rc; pass++) {
        ks_did_ddd_options o = KS_DID_DDD_OPTIONS_INIT;
        o.method = pass ? KS_DID_REG : KS_DID_DR;
        o.covariates = pass ? NULL : cov;
        o.cluster = pass ? NULL : "c";
        ks_did_ddd *r = NULL;
        rc = ks_did_ddd_fit(ctx, d, "y", "g", "p", "post", &o, &r);
        if (!rc) {
            ks_did_ddd_view v;
            ks_did_ddd_get(r, &v);
            *sig += v.att + v.se;
        }
        ks_did_ddd_free(r);
    }
    ks_table_free(d);
    return rc;
}

/* MARS on a small generated problem: degree 2 with weights and a missing cell, a binomial GLM,
 * cross-validated pruning, and the model through JSON. */
static int run_mars(ks_ctx *ctx, double *sig)
{
    enum { N = 80, P = 3 };
    double X[N * P], y[N], w[N], yb[N];
    for (int i = 0; i < N; i++) {
        for (int j = 0; j < P; j++) X[j * N + i] = sin(1.3 * i + 2.1 * j) + 0.01 * i;
        y[i] = fabs(X[i] - 0.2) + X[N + i] * X[2 * N + i] + 0.1 * sin(7.0 * i);
        w[i] = 1.0 + (i % 3);
        yb[i] = y[i] > 0.6;
    }
    X[5] = NAN;
    ks_mars_options o = KS_MARS_OPTIONS_INIT;
    o.max_degree = 2;
    o.allow_missing = 1;
    ks_mars *m = NULL, *back = NULL;
    char *json = NULL;
    int rc = ks_mars_fit(ctx, N, P, X, 1, y, w, &o, &m);
    if (!rc) rc = ks_mars_to_json(ctx, m, &json);
    if (!rc) rc = ks_mars_from_json(ctx, json, &back);
    double pred[N];
    if (!rc) rc = ks_mars_predict(ctx, back, N, X, pred, N);
    if (!rc) *sig += pred[0] + pred[N - 1];
    ks_string_free(json);
    ks_mars_free(m);
    ks_mars_free(back);
    m = NULL;
    X[5] = 0.5;
    o.allow_missing = 0;
    o.family = KS_MARS_BINOMIAL;
    if (!rc) rc = ks_mars_fit(ctx, N, P, X, 1, yb, NULL, &o, &m);
    ks_mars_free(m);
    m = NULL;
    o.family = KS_MARS_GAUSSIAN;
    o.pmethod = KS_MARS_PRUNE_CV;
    o.nfold = 3;
    if (!rc) rc = ks_mars_fit(ctx, N, P, X, 1, y, NULL, &o, &m);
    if (!rc) {
        ks_mars_view v;
        ks_mars_get(m, &v);
        *sig += v.gcv;
    }
    ks_mars_free(m);
    return rc;
}

/* Genomic SEM: a small reference list, two raw files and one chromosome of LD scores (made in
 * ks__gsem_dir by ks__gsem_setup), munged and regressed. */
static char ks__gsem_dir[4096];

static void ks__gsem_setup(void)
{
    const char *tmp = ktest_tmpfile("_gsem", "", 0);
    if (!tmp) { /* (TMPDIR not writable: nothing to set up, and no "(null)" folder made here) */
        fprintf(stderr, "alloc_fail: no temporary file could be made\n");
        exit(1);
    }
    snprintf(ks__gsem_dir, sizeof ks__gsem_dir, "%s", tmp);
    unlink(ks__gsem_dir);
    CHECK(mkdir(ks__gsem_dir, 0700) == 0);
    char path[4200];
    FILE *ref, *ld, *t1, *t2, *m, *sref;
    snprintf(path, sizeof path, "%s/ref.txt", ks__gsem_dir);
    ref = fopen(path, "w");
    snprintf(path, sizeof path, "%s/1.l2.ldscore.gz", ks__gsem_dir); /* (plain text reads too) */
    ld = fopen(path, "w");
    snprintf(path, sizeof path, "%s/t1.txt", ks__gsem_dir);
    t1 = fopen(path, "w");
    snprintf(path, sizeof path, "%s/t2.txt", ks__gsem_dir);
    t2 = fopen(path, "w");
    snprintf(path, sizeof path, "%s/1.l2.M_5_50", ks__gsem_dir);
    m = fopen(path, "w");
    snprintf(path, sizeof path, "%s/sref.txt", ks__gsem_dir);
    sref = fopen(path, "w");
    CHECK(ref && ld && t1 && t2 && m && sref);
    if (!ref || !ld || !t1 || !t2 || !m || !sref) return;
    fprintf(ref, "SNP A1 A2\n");
    fprintf(sref, "SNP CHR BP MAF A1 A2\n");
    fprintf(ld, "CHR\tSNP\tBP\tL2\n");
    fprintf(t1, "SNP A1 A2 BETA P N MAF INFO\n");
    fprintf(t2, "rsid effect_allele other_allele OR p_value n eaf\n");
    for (int i = 0; i < 60; i++) {
        const double u = fmod(0.6180339887 * (i + 1), 1.0), v = fmod(0.7548776662 * (i + 1), 1.0);
        fprintf(ref, "rs%d A G\n", i);
        fprintf(sref, "rs%d 1 %d %.3f A G\n", i, 1000 + 10 * i, 0.05 + 0.4 * u);
        fprintf(ld, "1\trs%d\t%d\t%.3f\n", i, 1000 + 10 * i, 20.0 + 80.0 * u);
        fprintf(t1, "rs%d %s %.4f %.6g 10000 %.3f 0.95\n", i, i % 3 ? "A G" : "G A", v - 0.5,
                0.9 * u + 1e-4, 0.05 + 0.4 * v);
        fprintf(t2, "rs%d A G %.4f %.6g 8000 %.3f\n", i, 1.0 + 0.2 * (u - 0.5), 0.9 * v + 1e-4,
                0.1 + 0.3 * u);
    }
    fprintf(m, "600000\n");
    /* bulik ldsc's inputs: three summary statistics files (the second with flipped and
     * strand-ambiguous alleles) and a two-column LD score set */
    FILE *b[3], *l2, *m2;
    for (int k = 0; k < 3; k++) {
        snprintf(path, sizeof path, "%s/b%d.sumstats", ks__gsem_dir, k + 1);
        b[k] = fopen(path, "w");
    }
    snprintf(path, sizeof path, "%s/two.l2.ldscore", ks__gsem_dir);
    l2 = fopen(path, "w");
    snprintf(path, sizeof path, "%s/two.l2.M_5_50", ks__gsem_dir);
    m2 = fopen(path, "w");
    CHECK(b[0] && b[1] && b[2] && l2 && m2);
    if (!b[0] || !b[1] || !b[2] || !l2 || !m2) return;
    for (int k = 0; k < 3; k++) fprintf(b[k], "SNP\tA1\tA2\tN\tZ\n");
    fprintf(l2, "CHR\tSNP\tBP\tL1\tL2\n");
    for (int i = 0; i < 60; i++) {
        const double u = fmod(0.6180339887 * (i + 1), 1.0), v = fmod(0.7548776662 * (i + 1), 1.0);
        const double l = 20.0 + 80.0 * u;
        fprintf(l2, "1\trs%d\t%d\t%.3f\t%.3f\n", i, 1000 + 10 * i, 0.6 * l, 0.4 * l + 30.0 * v);
        for (int k = 0; k < 3; k++) {
            const double w = fmod(0.5698402910 * (i + 1) + 0.3819660113 * k, 1.0);
            const double z = (w - 0.5) * sqrt(12.0 * (1.0 + 8000.0 * 0.5 * l / 600000.0));
            const char *al = k == 1 && i % 7 == 0 ? "G\tA" : k == 1 && i % 11 == 0 ? "A\tT" : "A\tG";
            fprintf(b[k], "rs%d\t%s\t%d\t%.4f\n", i, al, 8000 + 1000 * k, k == 1 && i % 7 == 0 ? -z : z);
        }
    }
    fprintf(m2, "360000\t240000\n");
    for (int k = 0; k < 3; k++) fclose(b[k]);
    fclose(l2);
    fclose(m2);
    fclose(ref);
    fclose(ld);
    fclose(t1);
    fclose(t2);
    fclose(m);
    fclose(sref);
}

static int run_gsem(ks_ctx *ctx, double *sig)
{
    char in[2][4200], out[2][4200], ref[4200];
    const char *ip[2] = {in[0], in[1]}, *op[2] = {out[0], out[1]};
    for (int i = 0; i < 2; i++) {
        snprintf(in[i], sizeof in[i], "%s/t%d.txt", ks__gsem_dir, i + 1);
        snprintf(out[i], sizeof out[i], "%s/t%d.sumstats.gz", ks__gsem_dir, i + 1);
    }
    snprintf(ref, sizeof ref, "%s/ref.txt", ks__gsem_dir);
    ks_gsem_munge *m = NULL;
    ks_gsem_munge_view mv;
    int rc = ks_gsem_munge_run(ctx, 2, ip, op, ref, NULL, &m);
    if (!rc) {
        ks_gsem_munge_get(m, &mv);
        *sig += (double)(mv.reports[0].written + mv.reports[1].written);
    }
    ks_gsem_munge_free(m);
    m = NULL;
    if (!rc) { /* munge_sumstats.py's rules, the reference list as its merge-alleles list */
        char lo[2][4200];
        const char *lp[2] = {lo[0], lo[1]};
        for (int i = 0; i < 2; i++) snprintf(lo[i], sizeof lo[i], "%s/t%d.ldsc.gz", ks__gsem_dir, i + 1);
        ks_gsem_munge_options mo = KS_GSEM_MUNGE_OPTIONS_INIT;
        mo.mode = KS_GSEM_MUNGE_LDSC;
        rc = ks_gsem_munge_run(ctx, 2, ip, lp, ref, &mo, &m);
        if (!rc) {
            ks_gsem_munge_get(m, &mv);
            *sig += (double)(mv.reports[0].written + mv.reports[1].written) +
                    mv.reports[0].ldsc.mean_chisq;
        }
        ks_gsem_munge_free(m);
        for (int i = 0; i < 2; i++) unlink(lo[i]);
    }
    ks_gsem_ldsc *r = NULL;
    ks_gsem_ldsc_options o = KS_GSEM_LDSC_OPTIONS_INIT;
    o.chr = 1;
    o.n_blocks = 5;
    if (!rc) rc = ks_gsem_ldsc_fit(ctx, 2, op, ks__gsem_dir, ks__gsem_dir, &o, &r);
    if (!rc) {
        ks_gsem_ldsc_view lv;
        ks_gsem_ldsc_get(r, &lv);
        *sig += lv.S[0] + lv.S[1] + lv.V[4] + lv.est_p[1] + lv.S_se[1];
    }
    ks_gsem_ldsc_free(r);
    for (int i = 0; i < 2; i++) unlink(out[i]);
    /* sumstats: t1 as OLS, t2 as linprob, and the merged table written */
    ks_gsem_sumstats_options so = KS_GSEM_SUMSTATS_OPTIONS_INIT;
    const int ols[2] = {1, 0}, lin[2] = {0, 1};
    so.ols = ols;
    so.linprob = lin;
    ks_gsem_sumstats *ss = NULL;
    const char *names[2] = {"t1", "t2"};
    snprintf(ref, sizeof ref, "%s/sref.txt", ks__gsem_dir);
    snprintf(out[0], sizeof out[0], "%s/merged.tsv", ks__gsem_dir);
    if (!rc) rc = ks_gsem_sumstats_run(ctx, 2, ip, ref, &so, &ss);
    if (!rc) rc = ks_gsem_sumstats_write(ctx, ss, names, 2, out[0]);
    if (!rc) {
        ks_gsem_sumstats_view sv;
        ks_gsem_sumstats_get(ss, &sv);
        *sig += (double)sv.n + sv.beta[0] + sv.se[sv.n];
    }
    ks_gsem_sumstats_free(ss);
    unlink(out[0]);
    return rc;
}

/* bulik ldsc: h2 with one annotation (two-step) and two (old weights), rg with the two-step
 * estimator and with two annotations (IRWLS, condition number), the jackknives. */
static int run_h2rg(ks_ctx *ctx, double *sig)
{
    char p[3][4200], one[4200], two[4200];
    const char *pp[3] = {p[0], p[1], p[2]};
    for (int k = 0; k < 3; k++) snprintf(p[k], sizeof p[k], "%s/b%d.sumstats", ks__gsem_dir, k + 1);
    snprintf(one, sizeof one, "%s/1", ks__gsem_dir);
    snprintf(two, sizeof two, "%s/two", ks__gsem_dir);
    ks_gsem_h2rg_options o = KS_GSEM_H2RG_OPTIONS_INIT;
    o.ref_ld = one;
    o.w_ld = one;
    o.n_blocks = 5;
    ks_gsem_h2 *h = NULL;
    ks_gsem_h2_view hv;
    int rc = ks_gsem_h2_fit(ctx, p[0], &o, &h);
    if (!rc) {
        ks_gsem_h2_get(h, &hv);
        *sig += hv.h2.tot + hv.h2.intercept_se;
    }
    ks_gsem_h2_free(h);
    h = NULL;
    o.ref_ld = two;
    if (!rc) rc = ks_gsem_h2_fit(ctx, p[0], &o, &h);
    if (!rc) {
        ks_gsem_h2_get(h, &hv);
        *sig += hv.h2.tot + hv.h2.prop_se[1];
    }
    ks_gsem_h2_free(h);
    ks_gsem_rg *r = NULL;
    ks_gsem_rg_view rv;
    o.ref_ld = one;
    o.two_step = 30.0;
    if (!rc) rc = ks_gsem_rg_fit(ctx, 3, pp, &o, &r);
    if (!rc) { /* (the second pair fails: a negative h2 delete value; its error is kept) */
        ks_gsem_rg_get(r, &rv);
        *sig += rv.pair[0].rg + (double)rv.pair[0].valid_alleles + (rv.pair[1].error ? 1.0 : 0.0);
    }
    ks_gsem_rg_free(r);
    r = NULL;
    o.ref_ld = two;
    o.two_step = 0.0;
    if (!rc) rc = ks_gsem_rg_fit(ctx, 2, pp, &o, &r);
    if (!rc) {
        ks_gsem_rg_get(r, &rv);
        *sig += rv.pair[0].gencov.tot;
    }
    ks_gsem_rg_free(r);
    const double pv[4] = {1, 2, 3, 5}, ratio[2] = {1, 2};
    ks_jackknife *j = NULL;
    ks_jackknife_view jv;
    if (!rc) rc = ks_jackknife_pseudo(ctx, 4, 1, pv, &j);
    if (!rc) ks_jackknife_get(j, &jv), *sig += jv.jknife_se[0];
    ks_jackknife_free(j);
    j = NULL;
    if (!rc) rc = ks_jackknife_ratio(ctx, 2, 1, pv, pv, ratio, &j);
    if (!rc) ks_jackknife_get(j, &jv), *sig += jv.jknife_est[0];
    ks_jackknife_free(j);
    return rc;
}

/* A SEM model's syntax: formulas, modifiers merged and c(...), constraints, a block. */
static int run_sem(ks_ctx *ctx, double *sig)
{
    ks__sem_syntax *s = NULL;
    const int rc = ks__sem_parse(ctx,
                                 "group: 1\nf =~ NA*x1 + c(a,b)*x2 + x3 + l1*x1 # c\n"
                                 "f ~~ 1*f; y ~ 1 + f\nab := a*b\na == b",
                                 &s);
    if (!rc) *sig += (double)(s->nelem + s->ncon) + (double)strlen(s->elem[1].label);
    ks__sem_syntax_free(s);
    if (rc) return rc;
    /* a parameter table: shared labels, bounds, a reordered covariance, fixed.x covariates */
    static const char *const data[] = {"SNP", "T1", "T2", "T3", "T4", "Z"};
    ks__sem_partable_options o = KS__SEM_PARTABLE_OPTIONS_INIT;
    o.fixed_x = 1;
    o.data_names = data;
    o.ndata = 6;
    ks__sem_partable *t = NULL;
    int rc2 = ks__sem_parse(ctx,
                            "F =~ T1 + a*T2 + lower(0)*T3 + a*T4\nG =~ T3 + T4\nT3 ~~ T1\n"
                            "F ~ SNP + Z\nab := 2*a",
                            &s);
    if (!rc2) rc2 = ks__sem_partable_build(ctx, s, &o, &t);
    if (!rc2) *sig += (double)(t->npar + t->nfree + t->nov) + (double)strlen(t->par[3].label);
    ks__sem_partable_free(t);
    ks__sem_syntax_free(s);
    return rc2;
}

/* A one-factor model's fit measures (ML) and standardized solution. */
static int run_sem_fit(ks_ctx *ctx, double *sig)
{
    const double S[9] = {1.0, 0.5, 0.4, 0.5, 1.2, 0.3, 0.4, 0.3, 0.9};
    const double Sg[9] = {1.0, 0.45, 0.42, 0.45, 1.2, 0.32, 0.42, 0.32, 0.9};
    ks__sem_fit_input in = {KS__SEM_EST_ML, 3, S, Sg, NULL, 100.0, 6, NULL, 0};
    ks__sem_fit_value v[KS__SEM_FIT_MAX];
    size_t n = 0;
    int rc = ks__sem_fit_measures(ctx, &in, v, KS__SEM_FIT_MAX, &n);
    if (!rc) *sig += ks__sem_fit_get(v, n, "cfi");
    static const char *ov[] = {"x1", "x2"}, *lv[] = {"f"};
    ks__sem_par par[3] = {{.lhs = "f", .op = "=~", .rhs = "x1", .block = 1},
                          {.lhs = "f", .op = "=~", .rhs = "x2", .block = 1, .free = 1},
                          {.lhs = "f", .op = "~~", .rhs = "f", .block = 1, .free = 2}};
    ks__sem_partable t = {
        .npar = 3, .par = par, .nfree = 2, .nov = 2, .nlv = 1, .ov = ov, .lv = lv};
    const double est[3] = {1.0, 0.8, 0.5}, var[3] = {1.0, 0.9, 0.5};
    ks__sem_std_input si = {&t, est, var, NULL, NULL, 0};
    double std[3];
    if (!rc) rc = ks__sem_standardize(ctx, &si, KS__SEM_STD_ALL, std, NULL, NULL);
    if (!rc) *sig += std[1];
    return rc;
}

/* A table's definitions (a chain) and constraints, compiled and evaluated with Jacobians. */
static int run_sem_expr(ks_ctx *ctx, double *sig)
{
#define PAR(l, o, r, f, u, lab, pl)                                                                \
    {.lhs = l, .op = o, .rhs = r, .free = f, .ustart = u, .label = lab, .plabel = pl}
    ks__sem_par par[] = {PAR("f", "=~", "x1", 0, 1.0, "l1", ".p1."),
                         PAR("f", "=~", "x2", 1, NAN, "l2", ".p2."),
                         PAR("f", "=~", "x3", 2, NAN, "l3", ".p3."),
                         PAR("d", ":=", "l2*exp(l3)", 0, NAN, "d", ""),
                         PAR("e", ":=", "d^2/(1+l2)", 0, NAN, "e", ""),
                         PAR("e-l1", ">", ".p3.", 0, NAN, "", ""),
                         PAR("l2", "==", "2*l3", 0, NAN, "", "")};
#undef PAR
    ks__sem_partable t;
    memset(&t, 0, sizeof t);
    t.npar = sizeof par / sizeof *par, t.par = par, t.nfree = 2;
    ks__sem_defined *d = NULL;
    const int rc = ks__sem_defined_build(ctx, &t, &d);
    if (!rc) {
        const double theta[2] = {0.5, 0.25};
        double v[2], jac[4];
        ks__sem_defined_eval(d, theta, v, jac);
        *sig += v[1] + jac[3];
        ks__sem_constraint_eval(d, theta, v, jac);
        *sig += v[0] + jac[2];
    }
    ks__sem_defined_free(d);
    return rc;
}

/* The SEM engine: a one-factor model with two loadings tied, compiled, started, fitted by ML,
 * its expected-information and sandwich covariances. */
static int run_sem_engine(ks_ctx *ctx, double *sig)
{
    static const char *ov[] = {"y1", "y2", "y3"}, *lv[] = {"f"};
    const double I = HUGE_VAL;
    ks__sem_par par[] = {{"f", "=~", "y1", 1, 1, 0, 1.0, 0, "", ".p1.", -I, I, 1},
                         {"f", "=~", "y2", 1, 1, 1, NAN, 0, "a", ".p2.", -I, I, 1},
                         {"f", "=~", "y3", 1, 1, 2, NAN, 0, "a", ".p3.", -I, I, 1},
                         {"y1", "~~", "y1", 0, 1, 3, NAN, 0, "", ".p4.", -I, I, 0},
                         {"y2", "~~", "y2", 0, 1, 4, NAN, 0, "", ".p5.", -I, I, 0},
                         {"y3", "~~", "y3", 0, 1, 5, NAN, 0, "", ".p6.", -I, I, 0},
                         {"f", "~~", "f", 0, 1, 6, NAN, 0, "", ".p7.", 0.0, I, 0},
                         {".p2.", "==", ".p3.", 2, 0, 0, NAN, 0, "", "", -I, I, 0}};
    ks__sem_partable t = {{0}, 8, par, 6, 3, 1, ov, lv, NULL};
    const double S[9] = {1.2, 0.5, 0.45, 0.5, 1.1, 0.4, 0.45, 0.4, 0.9};
    double est[8], V[36], Vs[36 * 36] = {0};
    for (int i = 0; i < 6; i++) Vs[i * 7] = 0.01;
    ks__sem_model *m = NULL;
    ks__sem_work *w = NULL;
    ks__sem_problem pb = {KS__SEM_ML, S, 100, NULL, NULL, 0, 0};
    ks__sem_fit_info info;
    int rc = ks__sem_model_compile(ctx, &t, NULL, &m);
    if (!rc) rc = ks__sem_work_new(ctx, m, &w);
    if (!rc) rc = ks__sem_start(ctx, m, S, est);
    if (!rc) rc = ks__sem_fit(ctx, m, w, &pb, est, &info);
    if (!rc) rc = ks__sem_vcov(ctx, m, w, &pb, est, NULL, V);
    if (!rc) *sig += est[1] + V[0];
    if (!rc) rc = ks__sem_vcov(ctx, m, w, &pb, est, Vs, V);
    if (!rc) *sig += V[0];
    ks__sem_work_free(w);
    ks__sem_model_free(m);
    return rc;
}

/* The public SEM fit from a covariance matrix (a definition, a constraint), and its summary. */
static int run_sem_api(ks_ctx *ctx, double *sig)
{
    static const char *names[] = {"y1", "y2", "y3", "y4"};
    const double S[16] = {1.0, 0.5,  0.4, 0.3, 0.5, 1.2,  0.45, 0.35,
                          0.4, 0.45, 0.9, 0.3, 0.3, 0.35, 0.3,  1.1};
    const ks_sem_sample smp = {4, names, S, 200, 1};
    ks_sem *s = NULL;
    char *txt = NULL;
    int rc = ks_sem_fit_cov(ctx, "f =~ y1 + a*y2 + b*y3 + y4\nab := a*b\na > 0.1", &smp, NULL, &s);
    if (!rc) rc = ks_sem_summary(ctx, s, 1, 1, &txt);
    if (!rc) {
        ks_sem_view v;
        ks_sem_get(s, &v);
        *sig += v.est[1] + (double)strlen(txt);
    }
    ks_string_free(txt);
    ks_sem_free(s);
    return rc;
}

/* The covstruc made, written and read back (in ks__gsem_dir, left nowhere after), nearPD and
 * usermodel's smoothing of a non-positive-definite S, and the standardized input. */
static int run_covstruc(ks_ctx *ctx, double *sig)
{
    const char *names[2] = {"A", "B"};
    const double S[4] = {0.2, 0.3, 0.3, 0.25}, V[9] = {4e-4, 1e-4, 0, 1e-4, 3e-4, 5e-5,
                                                       0,    5e-5, 2e-4};
    ks_gsem_ldsc_view in = {0};
    in.k = 2;
    in.S = S;
    in.V = V;
    in.names = names;
    in.m = 1000.0;
    ks_gsem_ldsc *r = NULL, *back = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/cov.txt", ks__gsem_dir);
    int rc = ks_gsem_ldsc_make(ctx, &in, &r);
    if (!rc) rc = ks_gsem_ldsc_write(ctx, r, path);
    if (!rc) rc = ks_gsem_ldsc_read(ctx, path, &back);
    if (!rc) {
        ks_gsem_ldsc_view v;
        ks_gsem_ldsc_get(back, &v);
        *sig += v.S_stand[1] + v.S_se[0] + (double)strlen(v.names[1]);
    }
    ks_gsem_ldsc_free(r);
    ks_gsem_ldsc_free(back);
    unlink(path);
    double s[4], vv[9], ss[4], vs[9];
    memcpy(s, S, sizeof s);
    memcpy(vv, V, sizeof vv);
    ks__gsem_smooth_report rep;
    if (!rc) rc = ks__gsem_smooth(ctx, 2, s, vv, &rep);
    if (!rc) rc = ks__gsem_stand_input(ctx, 2, s, vv, ss, vs);
    if (!rc) *sig += rep.S_diff + rep.Z_diff + ss[1] + vs[4];
    return rc;
}

/* usermodel with a := and imp_cov, and commonfactor, on a 3-trait covstruc. */
static int run_usermodel(ks_ctx *ctx, double *sig)
{
    const char *names[3] = {"A", "B", "C"};
    const double S[9] = {0.3, 0.2, 0.15, 0.2, 0.25, 0.12, 0.15, 0.12, 0.2};
    double V[36] = {0};
    for (int i = 0; i < 6; i++) V[i * 7] = 1e-4 * (1 + i);
    V[1] = V[6] = 2e-5;
    ks_gsem_ldsc_view in = {0};
    in.k = 3;
    in.S = S;
    in.V = V;
    in.names = names;
    in.m = NAN;
    ks_gsem_ldsc *r = NULL;
    ks_gsem_usermodel *u = NULL;
    ks_gsem_commonfactor *c = NULL;
    ks_gsem_usermodel_options o = KS_GSEM_USERMODEL_OPTIONS_INIT;
    o.imp_cov = 1;
    int rc = ks_gsem_ldsc_make(ctx, &in, &r);
    if (!rc)
        rc = ks_gsem_usermodel_fit(ctx, r, "F =~ NA*A + b*B + c*C\nF ~~ 1*F\nbc := b*c", &o, &u);
    if (!rc) rc = ks_gsem_commonfactor_fit(ctx, r, NULL, &c);
    if (!rc) {
        ks_gsem_usermodel_view v, w;
        ks_gsem_usermodel_get(u, &v);
        ks_gsem_commonfactor_get(c, &w);
        for (size_t i = 0; i < v.nrow; i++) *sig += v.est[i] + v.std_genotype[i];
        *sig += v.implied_cov[1] + w.est[0] + (double)strlen(v.lhs[v.nrow - 1]);
    }
    ks_gsem_usermodel_free(u);
    ks_gsem_commonfactor_free(c);
    ks_gsem_ldsc_free(r);
    return rc;
}

/* The public GWAS (method gls, whose no-SNP fit runs the SEM engine): userGWAS with the rows
 * kept in memory, commonfactorGWAS written to a file (in ks__gsem_dir, removed after). */
static int run_gwas(ks_ctx *ctx, double *sig)
{
    const char *names[3] = {"A", "B", "C"};
    const double S[9] = {0.35, 0.2, 0.15, 0.2, 0.26, 0.12, 0.15, 0.12, 0.19};
    double V[36] = {0};
    for (int i = 0; i < 6; i++) V[i * 7] = 1e-4 * (1 + i);
    ks_gsem_ldsc_view in = {0};
    in.k = 3;
    in.S = S;
    in.V = V;
    in.names = names;
    in.m = NAN;
    const double I[9] = {1.02, 0.1, 0.05, 0.1, 1.0, 0.02, 0.05, 0.02, 0.98};
    in.intercept = I;
    char snps[4200], out[4200];
    snprintf(snps, sizeof snps, "%s/gwas_snps.tsv", ks__gsem_dir);
    snprintf(out, sizeof out, "%s/gwas_cf.tsv", ks__gsem_dir);
    FILE *f = fopen(snps, "w");
    if (f) {
        fputs("SNP\tCHR\tBP\tMAF\tA1\tA2\tbeta.A\tse.A\tbeta.B\tse.B\tbeta.C\tse.C\n"
              "rs1\t1\t10\t0.2\tA\tG\t0.01\t0.005\t0.02\t0.006\t0.005\t0.004\n"
              "rs2\t1\t20\t0.4\tC\tT\t-0.02\t0.005\t-0.01\t0.006\t0.003\t0.004\n"
              "rs3\t1\t30\t0\tC\tT\t-0.02\t0.005\t-0.01\t0.006\t0.003\t0.004\n",
              f);
        fclose(f);
    }
    ks_gsem_ldsc *cs = NULL;
    ks_gsem_gwas *g = NULL, *h = NULL;
    ks_gsem_gwas_options o = KS_GSEM_GWAS_OPTIONS_INIT;
    o.method = KS_GSEM_GWAS_GLS;
    o.q_snp = 1;
    int rc = ks_gsem_ldsc_make(ctx, &in, &cs);
    if (!rc)
        rc = ks_gsem_usergwas_run(ctx, cs, snps, NULL, "F1 =~ A + B + C\nF1 ~ SNP", &o, NULL, &g);
    o.q_snp = 0;
    if (!rc) rc = ks_gsem_commonfactorgwas_run(ctx, cs, snps, NULL, &o, out, &h);
    if (!rc) {
        ks_gsem_gwas_view v;
        ks_gsem_gwas_get(g, &v);
        for (size_t i = 0; i < 2; i++) *sig += v.est[i] + v.se[i] + v.q_snp_stat[i];
        *sig += (double)(v.nrow + v.failed + strlen(v.error[2]) + strlen(v.text[0][1]));
        ks_gsem_gwas_get(h, &v);
        *sig += (double)(v.snps + v.failed);
    }
    ks_gsem_gwas_free(g);
    ks_gsem_gwas_free(h);
    ks_gsem_ldsc_free(cs);
    unlink(snps);
    unlink(out);
    return rc;
}

/* Products: einsum of three operands (a diagonal, a broadcast product, a matrix product, the
 * output reordered), tensordot with a transposing copy, dot by a 0-d (axpy) and of a matrix with
 * its own transpose (syrk), vdot of a strided view with a cast, vecdot, kron, trace. */
static int run_array_products(ks_ctx *ctx, double *sig)
{
    ks_array a = {0}, m = {0}, v = {0}, e = {0}, t = {0}, d = {0}, k = {0}, x = {0}, c = {0};
    ks_array y = {0}, z = {0};
    const ptrdiff_t s34[2] = {3, 4}, s44[2] = {4, 4};
    const int ax[1] = {0}, bx[1] = {1};
    int rc = ks_array_arange(ctx, 0, 12, 1, KS_FLOAT64, &a);
    if (!rc) rc = ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_F, &m); /* (3,4), copied */
    if (!rc) rc = ks_array_arange(ctx, 0, 16, 1, KS_INT32, &v);
    if (!rc) rc = ks_array_reshape(ctx, &v, 2, s44, KS_ORDER_C, &x);
    if (!rc) {
        const ks_array *ops[3] = {&x, &m, &a};
        rc = ks_array_einsum(ctx, "jj,ij,k->ki", 3, ops, &e);
    }
    if (!rc) rc = ks_array_tensordot(ctx, &m, &x, 1, bx, ax, &t);
    if (!rc) {
        ks_array mt = m; /* m's transpose: a syrk */
        mt.shape[0] = 4, mt.shape[1] = 3;
        mt.strides[0] = m.strides[1], mt.strides[1] = m.strides[0];
        rc = ks_array_dot(ctx, &m, &mt, &d);
    }
    if (!rc) {
        ks_array s0 = a;
        s0.ndim = 0;
        rc = ks_array_dot(ctx, &s0, &m, &y);
    }
    if (!rc) rc = ks_array_vdot(ctx, &m, &a, &z);
    if (!rc) rc = ks_array_vecdot(ctx, &m, &m, -1, &c);
    if (!rc) rc = ks_array_kron(ctx, &m, &x, &k);
    ks_array tr = {0};
    if (!rc) rc = ks_array_trace(ctx, &x, 1, 0, 1, -1, &tr);
    if (!rc)
        *sig += ((double *)e.data)[5] + ((double *)t.data)[2] + ((double *)d.data)[1] +
                ((double *)y.data)[3] + *(double *)z.data + ((double *)c.data)[2] +
                ((double *)k.data)[9] + (double)*(int64_t *)tr.data;
    ks_array *all[] = {&a, &m, &v, &e, &t, &d, &k, &x, &c, &y, &z, &tr};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

/* One full run; returns the status of the first failure. */
/* Arrays: a wrapped buffer, a cast through the engine's scratch, an overlapping assignment
 * (copied first), a matmul of a transposed float32 (cast and copied) with a reversed view. */
static int run_array(ks_ctx *ctx, double *sig)
{
    double mem[12];
    for (int i = 0; i < 12; i++) mem[i] = i * 0.25;
    const ptrdiff_t shape[2] = {3, 4}, rev[2] = {-32, 8};
    ks_array w = {0}, f = {0}, t = {0}, c = {0}, d = {0}, s = {0};
    int rc = ks_array_wrap(ctx, mem + 8, KS_FLOAT64, 2, shape, rev, true, NULL, NULL, &w);
    if (!rc) rc = ks_array_astype(ctx, &w, KS_FLOAT32, KS_CASTING_UNSAFE, &f);
    if (!rc) {
        ks_array_ref(&f, &t); /* t = f.T */
        t.shape[0] = 4, t.shape[1] = 3, t.strides[0] = f.strides[1], t.strides[1] = f.strides[0];
        rc = ks_array_matmul(ctx, &t, &w, &c);
    }
    if (!rc) { /* d[1:] = d[:-1] on a copy of w's first row */
        ks_array_ref(&w, &s);
        s.ndim = 1, s.shape[0] = 4, s.strides[0] = 8;
        rc = ks_array_copy(ctx, &s, KS_ORDER_C, &d);
        ks_array_release(&s);
        if (!rc) {
            ks_array dst, src;
            ks_array_ref(&d, &dst);
            ks_array_ref(&d, &src);
            dst.shape[0] = src.shape[0] = 3;
            dst.data += 8;
            rc = ks_array_assign(ctx, &dst, &src, KS_CASTING_SAFE);
            ks_array_release(&dst);
            ks_array_release(&src);
        }
    }
    ks_array u = {0};
    if (!rc) { /* float32 + float64 (the float32 cast in scratch), where= a mask */
        ks_array m = {0};
        rc = ks_ufunc_call(ctx, KS_UFUNC_GREATER, (const ks_array *[]){&f, &w}, NULL, &m);
        ks_ufunc_options o = KS_UFUNC_OPTIONS_INIT;
        o.where = &m;
        if (!rc) rc = ks_ufunc_call(ctx, KS_UFUNC_ADD, (const ks_array *[]){&f, &w}, &o, &u);
        ks_array_release(&m);
    }
    if (!rc) *sig += ((double *)c.data)[5] + ((double *)d.data)[3] + ((double *)u.data)[0];
    ks_array_release(&u);
    ks_array_release(&w);
    ks_array_release(&f);
    ks_array_release(&t);
    ks_array_release(&c);
    ks_array_release(&d);
    return rc;
}

/* Array creation, shape, joining and indexing: a reshape that copies, a bool mask beside an
 * integer array (nonzero, the offset table), an assignment through them with a cast value,
 * concatenate with a cast, tile, edge padding, meshgrid, take. */
static int run_array_shape(ks_ctx *ctx, double *sig)
{
    ks_array a = {0}, r = {0}, m = {0}, ints = {0}, g = {0}, v = {0}, c = {0}, t = {0}, p = {0};
    ks_array tk = {0}, mg[2] = {{0}, {0}};
    const ptrdiff_t s34[2] = {3, 4}, three = 3, reps[2] = {2, 1}, pad[4] = {1, 1, 0, 2};
    int rc = ks_array_arange(ctx, 0, 12, 1, KS_FLOAT64, &a);
    if (!rc) rc = ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_F, &r); /* copies */
    if (!rc) rc = ks_array_arange(ctx, 0, 3, 1, KS_INT32, &ints);
    if (!rc) rc = ks_array_scalar_i64(ctx, KS_INT16, 7, &v);
    if (!rc) rc = ks_array_full(ctx, KS_BOOL, 1, &three, KS_ORDER_C, &v, &m);
    ks_index ix[2] = {{KS_INDEX_ARRAY, 0, 0, 1, false, false, &m},
                      {KS_INDEX_ARRAY, 0, 0, 1, false, false, &ints}};
    if (!rc) rc = ks_array_index_get(ctx, &r, 2, ix, &g);
    if (!rc) rc = ks_array_index_set(ctx, &r, 2, ix, &v);
    if (!rc) {
        const ks_array *two[2] = {&a, &ints};
        rc = ks_array_concatenate(ctx, 2, two, KS_AXIS_NONE, &c);
    }
    if (!rc) rc = ks_array_tile(ctx, &r, 2, reps, &t);
    if (!rc) rc = ks_array_pad(ctx, &r, pad, KS_PAD_EDGE, NULL, &p);
    if (!rc) {
        const ks_array *xs[2] = {&a, &ints};
        rc = ks_array_meshgrid(ctx, 2, xs, false, mg);
    }
    if (!rc) rc = ks_array_take(ctx, &a, &ints, KS_AXIS_NONE, 1, &tk);
    if (!rc)
        *sig += ((double *)(void *)g.data)[2] + ((double *)(void *)c.data)[13] +
                ((double *)(void *)p.data)[5] + ((double *)(void *)tk.data)[2];
    ks_array *all[] = {&a, &r, &m, &ints, &g, &v, &c, &t, &p, &tk, &mg[0], &mg[1]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

/* The decompositions and solvers on a stack of two int32 matrices (each cast to float64 first):
 * every workspace and result of solve, inv, slogdet, cholesky, qr, svd, eigh, eig, lstsq and the
 * 2-norm. */
static int run_array_linalg(ks_ctx *ctx, double *sig)
{
    static const int32_t m[18] = {4, 1, 0, 1, 3, 1, 0, 1, 2, 5, 2, 1, 2, 4, 0, 1, 0, 3};
    const ptrdiff_t shape[3] = {2, 3, 3};
    ks_array a = {0}, r[16];
    for (int i = 0; i < 16; i++) r[i] = (ks_array){0};
    int64_t rank = 0;
    int rc = ks_array_wrap(ctx, (void *)m, KS_INT32, 3, shape, NULL, false, NULL, NULL, &a);
    if (!rc) rc = ks_array_linalg_solve(ctx, &a, &a, &r[0]);
    if (!rc) rc = ks_array_linalg_inv(ctx, &a, &r[1]);
    if (!rc) rc = ks_array_linalg_slogdet(ctx, &a, &r[2], &r[3]);
    if (!rc) rc = ks_array_linalg_cholesky(ctx, &a, false, &r[4]);
    if (!rc) rc = ks_array_linalg_qr(ctx, &a, KS_QR_COMPLETE, &r[5], &r[6]);
    if (!rc) rc = ks_array_linalg_svd(ctx, &a, true, true, &r[7], &r[8], &r[9]);
    if (!rc) rc = ks_array_linalg_eigh(ctx, &a, false, true, &r[10], &r[11]);
    if (!rc) rc = ks_array_linalg_eig(ctx, &a, true, &r[12], &r[13]);
    if (!rc) rc = ks_array_linalg_norm2(ctx, &a, 1, false, &r[14]);
    if (!rc) {
        ks_array a0 = a, x = {0}, res = {0}, s = {0};
        a0.ndim = 2; /* the first matrix */
        a0.shape[0] = a.shape[1], a0.shape[1] = a.shape[2];
        a0.strides[0] = a.strides[1], a0.strides[1] = a.strides[2];
        rc = ks_array_linalg_lstsq(ctx, &a0, &a0, -1.0, &x, &res, &rank, &s);
        if (!rc) *sig += ((double *)(void *)x.data)[4] + (double)rank;
        ks_array_release(&x), ks_array_release(&res), ks_array_release(&s);
    }
    if (!rc)
        *sig += ((double *)(void *)r[1].data)[4] + ((double *)(void *)r[3].data)[1] +
                ((double *)(void *)r[8].data)[0] + ((double *)(void *)r[14].data)[2];
    for (int i = 0; i < 16; i++) ks_array_release(&r[i]);
    ks_array_release(&a);
    return rc;
}

/* .npy and .npz files: a strided array saved (gathered in chunks) and loaded, a compressed archive
 * written, opened and a member inflated. Written over `out` (the CSV is done with by then), so
 * the checks for temporaries cover them. */
static int run_array_npy(ks_ctx *ctx, const char *out, double *sig)
{
    ks_array a = {0}, t = {0}, b = {0}, c = {0};
    const ptrdiff_t s34[2] = {3, 4};
    ks_npz *z = NULL;
    int rc = ks_array_arange(ctx, 0, 12, 1, KS_FLOAT64, &a);
    if (!rc) rc = ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &t);
    ks_index ix[2] = {{KS_INDEX_SLICE, 0, 0, 1, false, false, NULL},
                      {KS_INDEX_SLICE, 0, 0, 2, false, false, NULL}};
    ks_array_release(&a);
    if (!rc) rc = ks_array_index_get(ctx, &t, 2, ix, &a);
    if (!rc) rc = ks_array_save_npy(ctx, out, &a);
    if (!rc) rc = ks_array_load_npy(ctx, out, KS_MMAP_NONE, &b);
    if (!rc) {
        const char *names[2] = {"a", "t"};
        const ks_array *arrs[2] = {&a, &t};
        rc = ks_array_save_npz(ctx, out, 2, names, arrs, true);
    }
    if (!rc) rc = ks_npz_open(ctx, out, &z);
    if (!rc) rc = ks_npz_load(ctx, z, "t", &c);
    if (!rc) *sig += ((double *)(void *)b.data)[3] + ((double *)(void *)c.data)[7];
    ks_npz_free(z);
    ks_array *all[] = {&a, &t, &b, &c};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

/* Text files and gathers along an axis: savetxt to a file and to memory, loadtxt of both with
 * usecols and comments, unique along an axis with every output, take / put_along_axis. */
static int run_array_text(ks_ctx *ctx, const char *out, double *sig)
{
    ks_array a = {0}, t = {0}, b = {0}, c = {0}, g = {0}, ix = {0}, u[4] = {{0}, {0}, {0}, {0}};
    const ptrdiff_t s34[2] = {3, 4}, cols[2] = {-1, 0};
    char *text = NULL;
    size_t len = 0;
    int rc = ks_array_arange(ctx, 0, 12, 1, KS_FLOAT64, &a);
    if (!rc) rc = ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &t);
    if (!rc) rc = ks_array_savetxt(ctx, out, &t, NULL);
    if (!rc) rc = ks_array_savetxt_mem(ctx, &t, NULL, &text, &len);
    ks_array_loadtxt_options o = KS_ARRAY_LOADTXT_OPTIONS_INIT;
    o.usecols = cols;
    o.nusecols = 2;
    if (!rc) rc = ks_array_loadtxt(ctx, out, &o, &b);
    if (!rc) rc = ks_array_loadtxt_mem(ctx, "mem", text, len, NULL, &c);
    if (!rc) rc = ks_array_unique_axis(ctx, &t, 1, KS_UNIQUE_INDEX | KS_UNIQUE_INVERSE | KS_UNIQUE_COUNTS,
                                       &u[0], &u[1], &u[2], &u[3]);
    if (!rc) rc = ks_array_argsort(ctx, &t, 1, KS_SORT_STABLE, &ix);
    if (!rc) rc = ks_array_take_along_axis(ctx, &t, &ix, 1, &g);
    if (!rc) rc = ks_array_put_along_axis(ctx, &t, &ix, &g, 1);
    if (!rc)
        *sig += ((double *)(void *)b.data)[1] + ((double *)(void *)c.data)[5] +
                ((double *)(void *)g.data)[2] + (double)len;
    ks_string_free(text);
    ks_array *all[] = {&a, &t, &b, &c, &g, &ix, &u[0], &u[1], &u[2], &u[3]};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

/* Sorting and sets: a stable argsort along axis 0 (gathered lines), a lexsort, partition,
 * searchsorted with a sorter and a cast, unique with every output, isin. */
static int run_array_sort(ks_ctx *ctx, double *sig)
{
    ks_array a = {0}, r = {0}, o = {0}, l = {0}, p = {0}, s = {0}, u[4] = {{0}, {0}, {0}, {0}};
    ks_array in = {0}, ints = {0}, q = {0};
    const ptrdiff_t s43[2] = {4, 3}, kth = 1;
    int rc = ks_array_arange(ctx, 12, 0, -1, KS_FLOAT64, &a);
    if (!rc) rc = ks_array_reshape(ctx, &a, 2, s43, KS_ORDER_F, &r);
    if (!rc) rc = ks_array_argsort(ctx, &r, 0, KS_SORT_STABLE, &o);
    if (!rc) {
        const ks_array *keys[2] = {&r, &r};
        rc = ks_array_lexsort(ctx, 2, keys, -1, &l);
    }
    if (!rc) rc = ks_array_partition(ctx, &r, 1, &kth, KS_AXIS_NONE, &p);
    if (!rc) rc = ks_array_arange(ctx, 0, 12, 1, KS_INT32, &ints);
    if (!rc) rc = ks_array_argsort(ctx, &a, 0, KS_SORT_QUICKSORT, &q);
    if (!rc) rc = ks_array_searchsorted(ctx, &a, &ints, KS_SIDE_RIGHT, &q, &s);
    if (!rc)
        rc = ks_array_unique(ctx, &r, KS_UNIQUE_INDEX | KS_UNIQUE_INVERSE | KS_UNIQUE_COUNTS, &u[0],
                             &u[1], &u[2], &u[3]);
    if (!rc) rc = ks_array_isin(ctx, &ints, &r, false, &in);
    if (!rc)
        *sig += (double)((int64_t *)(void *)o.data)[1] + ((double *)(void *)p.data)[1] +
                (double)((int64_t *)(void *)s.data)[2] + (double)((int64_t *)(void *)l.data)[0] +
                ((double *)(void *)u[0].data)[3] + (double)((bool *)(void *)in.data)[5];
    ks_array *all[] = {&a, &r, &o, &l, &p, &s, &u[0], &u[1], &u[2], &u[3], &in, &ints, &q};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

/* A fused program: a chain with a constant and a cast node, a full sum, a mean over the inner
 * axis, a variance over the outer one, a reduction and a product handed the chain as an array. */
static int run_array_fuse(ks_ctx *ctx, double *sig)
{
    ks_fused *f = NULL;
    ks_array x = {0}, r = {0}, c = {0};
    const ptrdiff_t shape[2] = {40, 70};
    int rc = ks_array_arange(ctx, 0, 2800, 1, KS_INT32, &x);
    if (!rc) rc = ks_array_reshape(ctx, &x, 2, shape, KS_ORDER_C, &r);
    if (!rc) rc = ks_array_scalar(ctx, KS_FLOAT64, 0.5, 0, &c);
    int X = -1, C = -1, m = -1, s = -1, v = -1, p = -1, a = -1, d = -1;
    if (!rc) rc = ks_fused_new(ctx, &f);
    if (!rc) rc = ks_fused_input(ctx, f, KS_INT32, 2, shape, false, &X);
    if (!rc) rc = ks_fused_constant(ctx, f, &c, &C);
    const int args[2] = {X, C};
    if (!rc) rc = ks_fused_ufunc(ctx, f, KS_UFUNC_MULTIPLY, args, &m);
    ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
    if (!rc) rc = ks_fused_reduce(ctx, f, KS_REDUCE_SUM, m, &o, &s);
    o.axes = 2;
    if (!rc) rc = ks_fused_reduce(ctx, f, KS_REDUCE_MEAN, m, &o, &a);
    o.axes = 1;
    if (!rc) rc = ks_fused_reduce(ctx, f, KS_REDUCE_VAR, m, &o, &v);
    if (!rc) rc = ks_fused_reduce(ctx, f, KS_REDUCE_PROD, m, &o, &p);
    if (!rc) rc = ks_fused_product(ctx, f, KS_PRODUCT_INNER, m, m, &d);
    const int outs[5] = {s, a, v, p, d};
    for (int k = 0; k < 5 && !rc; k++) rc = ks_fused_output(ctx, f, outs[k]);
    const ks_array *in[1] = {&r};
    ks_array res[5];
    memset(res, 0, sizeof res);
    if (!rc) rc = ks_fused_run(ctx, f, in, true, res);
    if (!rc)
        *sig += ((double *)(void *)res[0].data)[0] + ((double *)(void *)res[1].data)[3] +
                ((double *)(void *)res[2].data)[5] + ((double *)(void *)res[4].data)[41];
    for (int k = 0; k < 5; k++) ks_array_release(&res[k]);
    ks_fused_free(f);
    ks_array_release(&x);
    ks_array_release(&r);
    ks_array_release(&c);
    return rc;
}

/* The FFT (a plan per call with this allocator: mixed radix, Bluestein, real) and convolve. */
static int run_array_fft(ks_ctx *ctx, double *sig)
{
    ks_array a = {0}, r = {0}, f = {0}, b = {0}, h = {0}, c = {0}, k = {0};
    const ptrdiff_t s2[2] = {3, 101}; /* 101: Bluestein */
    int rc = ks_array_arange(ctx, 0, 303, 1, KS_FLOAT64, &a);
    if (!rc) rc = ks_array_reshape(ctx, &a, 2, s2, KS_ORDER_F, &r);
    if (!rc) rc = ks_array_fft(ctx, &r, -1, 1, false, KS_FFT_NORM_ORTHO, &f);
    if (!rc) rc = ks_array_fft(ctx, &f, 12, 0, true, KS_FFT_NORM_BACKWARD, &b);
    if (!rc) rc = ks_array_rfft(ctx, &r, 30, 1, KS_FFT_NORM_BACKWARD, &h);
    if (!rc) rc = ks_array_irfft(ctx, &h, 30, 1, KS_FFT_NORM_FORWARD, &c);
    if (!rc) rc = ks_array_convolve(ctx, &a, &a, KS_CONVOLVE_SAME, &k);
    ks_array_release(&k);
    if (!rc) rc = ks_array_correlate(ctx, &a, &a, KS_CONVOLVE_FULL, &k);
    if (!rc)
        *sig += ((double *)(void *)f.data)[3] + ((double *)(void *)b.data)[5] +
                ((double *)(void *)h.data)[7] + ((double *)(void *)c.data)[2] +
                ((double *)(void *)k.data)[1];
    ks_array *all[] = {&a, &r, &f, &b, &h, &c, &k};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

/* kestrel.nd.random: a SeedSequence with a pool past the stack's 16 words, a generator from it,
 * a copy, fills, distributions over array parameters, dirichlet and the multivariate
 * hypergeometric */
static int run_array_random(ks_ctx *ctx, double *sig)
{
    const uint32_t e[3] = {1, 2, 3}, key[1] = {4};
    const ks_seed_seq seq = {e, 3, key, 1, 20};
    ks_generator *g = NULL, *c = NULL;
    ks_array w = {0}, p = {0}, n = {0}, d = {0}, u = {0};
    const ptrdiff_t five = 5;
    int rc = ks_seed_seq_generate_state(ctx, &seq, 4, KS_UINT64, &w);
    if (!rc) rc = ks_generator_new_seq(ctx, &seq, &g);
    if (!rc) rc = ks_generator_copy(ctx, g, &c);
    if (!rc) rc = ks_generator_random(ctx, c, KS_FLOAT32, 1, &five, &u);
    if (!rc) rc = ks_array_scalar(ctx, KS_FLOAT64, 0.25, 0, &p);
    if (!rc) rc = ks_array_arange(ctx, 40, 45, 1, KS_INT64, &n);
    if (!rc) rc = ks_generator_draw(ctx, g, KS_RNG_BINOMIAL, &n, &p, NULL, false, -1, NULL, &d);
    /* part 3: three count parameters, dirichlet of an int alpha (a cast), the multivariate
       hypergeometric's 'count' population */
    ks_array k = {0}, hy = {0}, di = {0}, mv = {0};
    const ptrdiff_t two = 2;
    if (!rc) rc = ks_array_scalar_i64(ctx, KS_INT64, 20, &k);
    if (!rc)
        rc = ks_generator_draw(ctx, g, KS_RNG_HYPERGEOMETRIC, &n, &n, &k, false, -1, NULL, &hy);
    if (!rc) rc = ks_generator_dirichlet(ctx, g, &n, 1, &two, &di);
    if (!rc) rc = ks_generator_multivariate_hypergeometric(ctx, g, &n, 30, true, 1, &two, &mv);
    if (!rc)
        *sig += (double)((int64_t *)(void *)d.data)[4] + ((float *)(void *)u.data)[1] +
                (double)(((uint64_t *)(void *)w.data)[0] >> 40) +
                (double)((int64_t *)(void *)hy.data)[2] + ((double *)(void *)di.data)[3] +
                (double)((int64_t *)(void *)mv.data)[6];
    ks_generator_free(g), ks_generator_free(c);
    ks_array *all[] = {&w, &p, &n, &d, &u, &k, &hy, &di, &mv};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
    return rc;
}

static int run_once(ks_ctx *ctx, const char *in, const char *out, double *sig)
{
    *sig = 0.0;
    ks_table *t = NULL;
    ks_feols *m = NULL;
    int rc = ks_table_read_csv(ctx, in, NULL, &t);
    if (!rc) {
        size_t cols[2] = {3, 5}, nlev;
        int64_t codes[12];
        rc = ks_table_factorize(ctx, t, cols, 2, codes, ks_table_nrow(t), &nlev);
    }
    if (!rc) rc = ks_table_write_csv(ctx, t, out, NULL);
    if (!rc) {
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        o.vcov = KS_VCOV_CRV1;
        o.cluster = "unit+time";
        rc = ks_feols_fit(ctx, t, "y ~ x1 + x2 + x1:x2 | unit + firm", &o, &m);
    }
    if (!rc) {
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        o.vcov = KS_VCOV_HC3;
        ks_feols_free(m);
        m = NULL;
        rc = ks_feols_fit(ctx, t, "y ~ x1 + x2", &o, &m);
    }
    if (!rc) {
        ks_feols_view v;
        ks_feols_get(m, &v);
        for (size_t j = 0; j < v.ncoef; j++) *sig += v.coef[j] + v.se[j] + v.ci_upper[j];
    }
    /* Bell-McCaffrey: CR2 with a fixed effect nested in the clusters, HC2-BM with one
     * containing the rows, and a combination's Satterthwaite df */
    static const ks_vcov_kind bm[2] = {KS_VCOV_CR2, KS_VCOV_HC2_BM};
    for (int b = 0; b < 2 && !rc; b++) {
        ks_feols_options o = KS_FEOLS_OPTIONS_INIT;
        o.vcov = bm[b];
        o.cluster = "unit";
        ks_feols_free(m);
        m = NULL;
        rc = ks_feols_fit(ctx, t, "y ~ x1 + x2 | unit", &o, &m);
        ks_feols_estimate e;
        const double w[2] = {0.5, 0.5};
        if (!rc) rc = ks_feols_lincom(ctx, m, w, 2, 0.05, &e);
        if (!rc) *sig += e.se + e.df;
    }
    ks_feols_free(m);
    ks_table_free(t);
    if (!rc) rc = run_did(ctx, sig);
    if (!rc) rc = run_honest(ctx, sig);
    if (!rc) rc = run_mars(ctx, sig);
    if (!rc) rc = run_gsem(ctx, sig);
    if (!rc) rc = run_h2rg(ctx, sig);
    if (!rc) rc = run_sem(ctx, sig);
    if (!rc) rc = run_sem_fit(ctx, sig);
    if (!rc) rc = run_sem_expr(ctx, sig);
    if (!rc) rc = run_sem_engine(ctx, sig);
    if (!rc) rc = run_sem_api(ctx, sig);
    if (!rc) rc = run_covstruc(ctx, sig);
    if (!rc) rc = run_usermodel(ctx, sig);
    if (!rc) rc = run_gwas(ctx, sig);
    if (!rc) rc = run_array(ctx, sig);
    if (!rc) rc = run_array_random(ctx, sig);
    if (!rc) rc = run_array_shape(ctx, sig);
    if (!rc) rc = run_array_npy(ctx, out, sig);
    if (!rc) rc = run_array_linalg(ctx, sig);
    if (!rc) rc = run_array_sort(ctx, sig);
    if (!rc) rc = run_array_fuse(ctx, sig);
    if (!rc) rc = run_array_products(ctx, sig);
    if (!rc) rc = run_array_fft(ctx, sig);
    if (!rc) rc = run_array_text(ctx, out, sig);
    return rc;
}

int main(void)
{
    const char *in = ktest_tmpfile(".csv", DATA, strlen(DATA));
    char in_path[4096], out[4200];
    snprintf(in_path, sizeof in_path, "%s", in);
    snprintf(out, sizeof out, "%s.out.csv", in_path);
    ktest_fail_alloc fa = {0, 0, 0};
    ks_allocator a = {ktest_fa_malloc, ktest_fa_realloc, ktest_fa_free, &fa};
    ks_ctx *ctx = NULL;
    CHECK(ks_ctx_new_with_allocator(&a, &ctx) == KS_OK);
    if (!ctx) return ktest_finish("alloc_fail");
    CHECK(ks_ctx_set_threads(ctx, 1) == KS_OK);
    ks__gsem_setup();
    /* A clean run counts the allocations. */
    long base = fa.count, live0 = fa.live;
    double sig0, sig;
    CHECK_OK(ctx, run_once(ctx, in_path, out, &sig0));
    const long total = fa.count - base;
    CHECK(fa.live == live0);
    CHECK(total > 20);
    unlink(out);
    int clean_failures = 0;
    for (long k = 1; k <= total; k++) {
        fa.fail_at = fa.count + k;
        int rc = run_once(ctx, in_path, out, &sig);
        fa.fail_at = 0;
        /* a failed run frees everything; a failed write leaves no file */
        /* Most failures fail the run; a few are optional (shrinking a finished column) and
         * must then leave the results unchanged. */
        if (rc != KS_OK)
            clean_failures++;
        else {
            CHECK(sig == sig0);
            if (getenv("KS_ALLOC_DEBUG")) fprintf(stderr, "alloc %ld of %ld optional\n", k, total);
        }
        char pattern[4300];
        snprintf(pattern, sizeof pattern, "%s.tmp*", out);
        glob_t g;
        CHECK(glob(pattern, 0, NULL, &g) == GLOB_NOMATCH); /* no temporary file left */
        globfree(&g);
        snprintf(pattern, sizeof pattern, "%s/*.tmp*", ks__gsem_dir);
        CHECK(glob(pattern, 0, NULL, &g) == GLOB_NOMATCH);
        globfree(&g);
        snprintf(pattern, sizeof pattern, "%s/.*.kestrel-*.tmp", ks__gsem_dir); /* (text_tmp.c's) */
        CHECK(glob(pattern, 0, NULL, &g) == GLOB_NOMATCH);
        globfree(&g);
        const char *slash = strrchr(out, '/');
        snprintf(pattern, sizeof pattern, "%.*s.%s.kestrel-*.tmp",
                 (int)(slash ? slash - out + 1 : 0), out, slash ? slash + 1 : out);
        CHECK(glob(pattern, 0, NULL, &g) == GLOB_NOMATCH);
        globfree(&g);
        CHECK(fa.live == live0);
        if (fa.live != live0) {
            fprintf(stderr, "leak when allocation %ld of %ld fails: %ld blocks\n", k, total,
                    fa.live - live0);
            fa.live = live0;
        }
        unlink(out);
    }
    printf("alloc_fail: %ld allocations, each failed once: %d runs failed cleanly, the rest "
           "(optional shrinks) gave identical results\n",
           total, clean_failures);
    CHECK(clean_failures >= total - 24); /* five table reads, each with a few optional shrinks */
    ks_ctx_free(ctx);
    unlink(in_path);
    return ktest_finish("alloc_fail");
}
