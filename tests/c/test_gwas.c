/* test_gwas.c — the machinery of GenomicSEM's multivariate GWAS (src/gsem/gwas_*.c): S_Full and
 * V_Full against R's matrices built from GenomicSEM's formulas (tests/data/gsem/gwas/
 * make_gwas_reference.R) for GC standard, conserv and none; the closed-form fit end to end
 * against the same script's GLS and against R GenomicSEM's userGWAS; R's columns; results the
 * same for any thread count, --chunk parts that add up to the whole, a file and a sumstats result
 * giving the same rows; SNPs that cannot be fitted flagged in their rows; input errors naming
 * file, line and column; trait names R cannot read; every allocation failing in turn. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gsem/gwas_internal.h"
#include "kestrel/kestrel.h"
#include "ktest.h"

#define REF "tests/data/gsem/ref/"
#define GW "tests/data/gsem/gwas/"
#define SNPS REF "sumstats_merged_first2000.tsv.gz"

static const char *const TRAITS[5] = {"T1", "T2", "T3", "T4", "T5"};

typedef struct {
    double S[25], I[25], V[225];
    ks__gwas_covstruc cs;
} ldsc_ref;

static void load_ldsc(ldsc_ref *L)
{
    const char *file[3] = {REF "ldsc_S.tsv", REF "ldsc_I.tsv", REF "ldsc_V.tsv"};
    double *dst[3] = {L->S, L->I, L->V};
    const size_t want[3] = {5, 5, 15};
    for (int m = 0; m < 3; m++) {
        size_t n = 0;
        double *A = ktest_read_square(file[m], &n);
        CHECK(A && n == want[m]);
        if (A && n == want[m]) memcpy(dst[m], A, n * n * sizeof *A);
        free(A);
    }
    L->cs.k = 5;
    L->cs.names = TRAITS;
    L->cs.S = L->S;
    L->cs.V = L->V;
    L->cs.I = L->I;
}

/* The loadings of R's usermodel (F1 =~ NA*T1 + ... + T5; F1 ~~ 1*F1, DWLS). */
static void load_lambda(ks_ctx *ctx, double *lam)
{
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, REF "usermodel_1F_DWLS_results.tsv", NULL, &t));
    size_t j;
    CHECK_OK(ctx, ks_table_find(ctx, t, "Unstand_Est", &j));
    for (size_t i = 0; i < 5; i++) lam[i] = ks_table_float64(t, j)[i];
    ks_table_free(t);
}

static const char *F1[1] = {"F1"};

static ks__gwas_gls_spec gls_spec(const double *lam, int cf)
{
    ks__gwas_gls_spec s = {1, lam, F1, cf};
    return s;
}

static int run_file(ks_ctx *ctx, const ks__gwas_covstruc *cs, const char *in, const void *spec,
                    const ks__gwas_opts *o, const char *out, ks__gwas_stats *st)
{
    ks__gwas_source *src = NULL;
    int rc = ks__gwas_source_open(ctx, in, cs, &src);
    if (!rc) rc = ks__gwas_run(ctx, cs, src, &ks__gwas_gls_ops, spec, o, NULL, out, st);
    ks__gwas_source_free(src);
    return rc;
}

static void test_assembly(ks_ctx *ctx, const ldsc_ref *L)
{
    ks_table *ref = NULL;
    ks_csv_options co = KS_CSV_OPTIONS_INIT;
    CHECK_OK(ctx, ks_table_read_csv(ctx, GW "assembly_reference.tsv.gz", &co, &ref));
    if (!ref) return;
    size_t cg, cs_, cm, cr, cc, cv;
    CHECK_OK(ctx, ks_table_find(ctx, ref, "gc", &cg));
    CHECK_OK(ctx, ks_table_find(ctx, ref, "snp", &cs_));
    CHECK_OK(ctx, ks_table_find(ctx, ref, "matrix", &cm));
    CHECK_OK(ctx, ks_table_find(ctx, ref, "row", &cr));
    CHECK_OK(ctx, ks_table_find(ctx, ref, "col", &cc));
    CHECK_OK(ctx, ks_table_find(ctx, ref, "value", &cv));
    const char *gcs[3] = {"standard", "conserv", "none"};
    const ks__gwas_gc gcv[3] = {KS__GWAS_GC_STANDARD, KS__GWAS_GC_CONSERV, KS__GWAS_GC_NONE};
    const size_t want[4] = {1, 2, 777, 2000};
    size_t compared = 0, bad = 0;
    for (int g = 0; g < 3; g++) {
        ks__gwas_const c;
        CHECK_OK(ctx, ks__gwas_const_init(ctx, &L->cs, gcv[g], 0.0005, 0, NULL, &c));
        CHECK(c.s_pd && c.v_const_pd && c.kf == 21);
        ks__gwas_snp s;
        CHECK_OK(ctx, ks__gwas_snp_new(ctx, &c, &s));
        ks__gwas_source *src = NULL;
        CHECK_OK(ctx, ks__gwas_source_open(ctx, SNPS, &L->cs, &src));
        size_t n, row0 = 0, w = 0;
        while (w < 4 && ks__gwas_source_read(ctx, src, 100, &n) == KS_OK && n) {
            for (; w < 4 && want[w] <= row0 + n; w++) {
                ks__gwas_row r;
                CHECK_OK(ctx, ks__gwas_source_row(ctx, src, want[w] - row0 - 1, &r, s.beta, s.se));
                char why[200];
                CHECK(ks__gwas_assemble(ctx, &c, NULL, r.maf, &s, why, sizeof why) == 0);
                CHECK(s.smoothed == 0);
                for (size_t i = 0; i < ks_table_nrow(ref); i++) {
                    if (strcmp(ks_table_string(ref, cg, i), gcs[g]) ||
                        (size_t)ks_table_int64(ref, cs_)[i] != want[w])
                        continue;
                    const int S = !strcmp(ks_table_string(ref, cm, i), "S_Full");
                    const size_t a = (size_t)ks_table_int64(ref, cr)[i] - 1;
                    const size_t b = (size_t)ks_table_int64(ref, cc)[i] - 1;
                    const double got = S ? s.S_Full[b * 6 + a] : s.V_Full[b * 21 + a];
                    const double ex = ks_table_float64(ref, cv)[i];
                    compared++;
                    if (!(fabs(got - ex) <= 4e-16 * fabs(ex)) && !(got == 0.0 && ex == 0.0)) {
                        if (bad++ < 5)
                            fprintf(stderr, "%s snp %zu %s[%zu,%zu] = %.17g, R %.17g\n", gcs[g],
                                    want[w], S ? "S_Full" : "V_Full", a + 1, b + 1, got, ex);
                    }
                }
            }
            row0 += n;
        }
        ks__gwas_source_free(src);
        ks__gwas_snp_free(&ctx->alloc, &s);
        ks__gwas_const_free(&c);
    }
    CHECK(compared == 3 * 4 * (36 + 441));
    CHECK(bad == 0);
    ks_table_free(ref);
}

/* A column as doubles (int64 ones converted), kept until cols_free. */
static double *cols_kept[64];
static size_t ncols_kept;
static const double *col(ks_ctx *ctx, const ks_table *t, const char *name)
{
    static const double none[8192];
    size_t j = 0, n = ks_table_nrow(t);
    double *v = ncols_kept < 64 ? malloc((n ? n : 1) * sizeof *v) : NULL;
    if (!v || ks_table_find(ctx, t, name, &j) || ks_table_get_double(ctx, t, j, v, n)) {
        fprintf(stderr, "column %s: %s\n", name, ks_errmsg(ctx));
        CHECK(0);
        free(v);
        return none;
    }
    return cols_kept[ncols_kept++] = v;
}
static void cols_free(void)
{
    while (ncols_kept) free(cols_kept[--ncols_kept]);
}

static void test_gls_run(ks_ctx *ctx, const ldsc_ref *L, const double *lam, const char *tmp)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/gwas_user.tsv", tmp);
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.q_snp = 1;
    ks__gwas_gls_spec spec = gls_spec(lam, 0);
    ks__gwas_stats st;
    CHECK_OK(ctx, run_file(ctx, &L->cs, SNPS, &spec, &o, out, &st));
    CHECK(st.snps == 2000 && st.failed == 0 && st.smoothed == 0 && st.first == 0);
    /* R's columns: userGWAS's reference file lacks only the warning column it dropped */
    size_t nl = 0;
    char *mine = ktest_slurp(out, &nl), *r = ktest_slurp(REF "userGWAS_F1~SNP_first200.tsv", &nl);
    if (mine && r) {
        const char *want = "SNP\tCHR\tBP\tMAF\tA1\tA2\tlhs\top\trhs\tfree\tlabel\test\tSE\t"
                           "Z_Estimate\tPval_Estimate\tchisq\tchisq_df\tchisq_pval\tAIC\tQ_SNP\t"
                           "Q_SNP_df\tQ_SNP_pval\terror\n";
        CHECK(!strncmp(r, want, strlen(want)));
        CHECK(!strncmp(mine, want, strlen(want) - 1) &&
              !strncmp(mine + strlen(want) - 1, "\twarning\n", 9));
        /* the SNP's own columns as R writes them */
        CHECK(strstr(mine,
                     "\nrs1000051\t1\t133434\t0.1873\tA\tC\tF1\t~\tSNP\t1\t\t-0.01505011944288") !=
              NULL);
    }
    free(mine);
    free(r);
    ks_table *t = NULL, *gref = NULL, *uref = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, out, NULL, &t));
    CHECK_OK(ctx, ks_table_read_csv(ctx, GW "gls_reference.tsv", NULL, &gref));
    CHECK_OK(ctx, ks_table_read_csv(ctx, REF "userGWAS_F1~SNP_first200.tsv", NULL, &uref));
    if (!t || !gref || !uref) goto done;
    CHECK(ks_table_nrow(t) == 2000);
    const double *est = col(ctx, t, "est"), *se = col(ctx, t, "SE"), *q = col(ctx, t, "Q_SNP");
    const double *z = col(ctx, t, "Z_Estimate"), *p = col(ctx, t, "Pval_Estimate");
    const double *qdf = col(ctx, t, "Q_SNP_df"), *qp = col(ctx, t, "Q_SNP_pval");
    const double *gest = col(ctx, gref, "est"), *gse = col(ctx, gref, "se");
    const double *gq = col(ctx, gref, "Q_SNP");
    const double *rest = col(ctx, uref, "est"), *rse = col(ctx, uref, "SE");
    const double *rq = col(ctx, uref, "Q_SNP");
    double d_est = 0, d_se = 0, d_q = 0, r_est = 0, r_se = 0, r_q = 0;
    for (size_t i = 0; i < 200; i++) {
        d_est = fmax(d_est, fabs(est[i] - gest[i]) / fabs(gest[i]));
        d_se = fmax(d_se, fabs(se[i] - gse[i]) / gse[i]);
        d_q = fmax(d_q, fabs(q[i] - gq[i]) / gq[i]);
        r_est = fmax(r_est, fabs(est[i] - rest[i]));
        r_se = fmax(r_se, fabs(se[i] - rse[i]) / rse[i]);
        r_q = fmax(r_q, fabs(q[i] - rq[i]) / rq[i]);
        CHECK_NEAR(z[i], est[i] / se[i], 1e-14);
        CHECK_NEAR(p[i], 2.0 * ks_normal_cdf(-fabs(z[i])), 1e-12); /* (both written to 15 digits) */
        CHECK(qdf[i] == 4.0);
        CHECK_NEAR(qp[i], ks_chi2_sf(q[i], 4.0), 1e-13);
    }
    /* the same arithmetic as R's GLS (15 digits written) */
    CHECK(d_est < 1e-13 && d_se < 1e-13 && d_q < 1e-12);
    /* and R GenomicSEM's userGWAS: the estimate to its optimizer's floor (optim.dx.tol = 0.01),
     * the SE to the 3.4e-4 the fixed-loading sandwich leaves out (the SNP variance's SNPSE,
     * notes sec. 1.8); a wrong V_SNP (another GC, one trait's SE in another's place) is off by
     * percents */
    fprintf(stderr, "GLS vs R userGWAS, 200 SNPs: est %.3g abs, SE %.3g rel, Q_SNP %.3g rel\n",
            r_est, r_se, r_q);
    CHECK(r_est < 2e-6 && r_se < 5e-4 && r_q < 1e-4);
done:
    cols_free();
    ks_table_free(t);
    ks_table_free(gref);
    ks_table_free(uref);
}

static void test_commonfactor(ks_ctx *ctx, const ldsc_ref *L, const double *lam, const char *tmp)
{
    char out[4200];
    snprintf(out, sizeof out, "%s/gwas_cf.tsv.gz", tmp);
    double marker[5];
    for (int i = 0; i < 5; i++) marker[i] = lam[i] / lam[0]; /* commonfactorGWAS: first loading 1 */
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.kind = KS__GWAS_COMMONFACTOR;
    ks__gwas_gls_spec spec = gls_spec(marker, 1);
    ks__gwas_stats st;
    CHECK_OK(ctx, run_file(ctx, &L->cs, SNPS, &spec, &o, out, &st));
    ks_table *t = NULL, *r = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, out, NULL, &t));
    CHECK_OK(ctx, ks_table_read_csv(ctx, REF "commonfactorGWAS_first200.tsv", NULL, &r));
    if (!t || !r) goto done;
    CHECK(ks_table_ncol(t) == ks_table_ncol(r) + 1); /* (R's file dropped `warning`) */
    for (size_t j = 0; j < ks_table_ncol(r); j++)
        CHECK(!strcmp(ks_table_col_name(t, j), ks_table_col_name(r, j)));
    CHECK(!strcmp(ks_table_col_name(t, ks_table_ncol(r)), "warning"));
    const double *est = col(ctx, t, "est"), *rest = col(ctx, r, "est");
    const double *z = col(ctx, t, "Z_Estimate"), *rz = col(ctx, r, "Z_Estimate");
    const double *q = col(ctx, t, "Q"), *rq = col(ctx, r, "Q"), *qdf = col(ctx, t, "Q_df");
    size_t ji = 0;
    CHECK_OK(ctx, ks_table_find(ctx, t, "i", &ji));
    double de = 0, dz = 0, dq = 0;
    for (size_t i = 0; i < 200; i++) {
        de = fmax(de, fabs(est[i] - rest[i]) / fabs(rest[i]));
        dz = fmax(dz, fabs(z[i] - rz[i]));
        dq = fmax(dq, fabs(q[i] - rq[i]) / rq[i]);
        CHECK(qdf[i] == 4.0 && ks_table_int64(t, ji)[i] == (int64_t)i + 1);
    }
    /* commonfactorGWAS refits the loadings per SNP: the fixed-loading GLS is close, not equal */
    fprintf(stderr, "GLS vs R commonfactorGWAS, 200 SNPs: est %.3g rel, Z %.3g abs, Q %.3g rel\n",
            de, dz, dq);
    CHECK(dz < 0.05 && dq < 0.05);
done:
    cols_free();
    ks_table_free(t);
    ks_table_free(r);
}

/* The same bytes for 1 and 2 threads, and --chunk parts that make the whole. */
static void test_threads_chunks(ks_ctx *ctx, const ldsc_ref *L, const double *lam, const char *tmp)
{
    char a[4200], b[4200], part[3][4200];
    snprintf(a, sizeof a, "%s/gwas_t1.tsv", tmp);
    snprintf(b, sizeof b, "%s/gwas_t2.tsv", tmp);
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.kind = KS__GWAS_COMMONFACTOR;
    ks__gwas_gls_spec spec = gls_spec(lam, 1);
    ks__gwas_stats st;
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    CHECK_OK(ctx, run_file(ctx, &L->cs, SNPS, &spec, &o, a, &st));
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 2));
    CHECK_OK(ctx, run_file(ctx, &L->cs, SNPS, &spec, &o, b, &st));
    size_t la = 0, lb = 0;
    char *ta = ktest_slurp(a, &la), *tb = ktest_slurp(b, &lb);
    CHECK(ta && tb && la == lb && !memcmp(ta, tb, la));
    /* three parts of 2000 SNPs (8 tasks of 256): tasks 0-1, 2-4, 5-7 */
    const size_t first[3] = {0, 512, 1280}, count[3] = {512, 768, 720};
    size_t cat = 0;
    char *whole = malloc(la + 1);
    const char *body = ta ? strchr(ta, '\n') + 1 : NULL;
    for (int i = 0; i < 3; i++) {
        snprintf(part[i], sizeof part[i], "%s/gwas_part%d.tsv", tmp, i);
        o.chunk_i = (size_t)i + 1;
        o.chunk_n = 3;
        CHECK_OK(ctx, run_file(ctx, &L->cs, SNPS, &spec, &o, part[i], &st));
        CHECK(st.first == first[i] && st.snps == count[i]);
        size_t lp = 0;
        char *tp = ktest_slurp(part[i], &lp);
        if (tp && whole) {
            const char *pb = strchr(tp, '\n') + 1;
            memcpy(whole + cat, pb, lp - (size_t)(pb - tp));
            cat += lp - (size_t)(pb - tp);
        }
        free(tp);
        unlink(part[i]);
    }
    CHECK(body && cat == la - (size_t)(body - ta) && !memcmp(whole, body, cat));
    o.chunk_i = 4;
    CHECK_FAILS(ctx, run_file(ctx, &L->cs, SNPS, &spec, &o, part[0], &st), KS_EINVAL, "chunk 4/3");
    free(whole);
    free(ta);
    free(tb);
    unlink(a);
    unlink(b);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 0));
}

/* kestrel's own sumstats in memory and as the file it writes: the same rows. */
static void test_memory_source(ks_ctx *ctx, const ldsc_ref *L, const double *lam, const char *tmp)
{
    const char *raw[5] = {"tests/data/gsem/sim/raw/T1.txt.gz", "tests/data/gsem/sim/raw/T2.txt.gz",
                          "tests/data/gsem/sim/raw/T3.txt.gz", "tests/data/gsem/sim/raw/T4.txt.gz",
                          "tests/data/gsem/sim/raw/T5.txt.gz"};
    const int ols[5] = {1, 1, 1, 1, 0}, logit[5] = {0, 0, 0, 0, 1};
    ks_gsem_sumstats_options so = KS_GSEM_SUMSTATS_OPTIONS_INIT;
    so.ols = ols;
    so.se_logit = logit;
    ks_gsem_sumstats *ss = NULL;
    CHECK_OK(ctx,
             ks_gsem_sumstats_run(ctx, 5, raw, "tests/data/gsem/sim/reference.snps.gz", &so, &ss));
    if (!ss) return;
    char in[4200], a[4200], b[4200];
    snprintf(in, sizeof in, "%s/gwas_ss.tsv.gz", tmp);
    snprintf(a, sizeof a, "%s/gwas_mem.tsv", tmp);
    snprintf(b, sizeof b, "%s/gwas_file.tsv", tmp);
    CHECK_OK(ctx, ks_gsem_sumstats_write(ctx, ss, TRAITS, 5, in));
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.q_snp = 1;
    ks__gwas_gls_spec spec = gls_spec(lam, 0);
    ks__gwas_stats st, st2;
    ks__gwas_source *src = NULL;
    CHECK_OK(ctx, ks__gwas_source_sumstats(ctx, ss, &L->cs, &src));
    if (src)
        CHECK_OK(ctx, ks__gwas_run(ctx, &L->cs, src, &ks__gwas_gls_ops, &spec, &o, NULL, a, &st));
    ks__gwas_source_free(src);
    CHECK_OK(ctx, run_file(ctx, &L->cs, in, &spec, &o, b, &st2));
    ks_gsem_sumstats_view v;
    ks_gsem_sumstats_get(ss, &v);
    CHECK(st.snps == v.n && st2.snps == v.n && v.n > 50000);
    size_t la = 0, lb = 0;
    char *ta = ktest_slurp(a, &la), *tb = ktest_slurp(b, &lb);
    CHECK(ta && tb && la == lb && !memcmp(ta, tb, la));
    free(ta);
    free(tb);
    ks__gwas_covstruc four = L->cs;
    four.k = 4;
    CHECK_FAILS(ctx, ks__gwas_source_sumstats(ctx, ss, &four, &src), KS_EINVAL,
                "5 traits, the covstruc 4");
    ks_gsem_sumstats_free(ss);
    unlink(in);
    unlink(a);
    unlink(b);
}

/* A small table with trait names R cannot read, rows that cannot be fitted, and bad input. */
static const char *SMALL_HEAD =
    "SNP\tCHR\tBP\tMAF\tA1\tA2\tbeta.SNP-1\tse.SNP-1\tbeta.se.x\tse.se.x"
    "\tbeta.T 3\tse.T 3\n";
static const char *SMALL_ROWS =
    "rs1\t1\t100\t0.3\tA\tG\t0.01\t0.005\t0.02\t0.006\t0.015\t0.004\n"
    "rs2\t1\t200\tNA\tA\tG\t0.01\t0.005\t0.02\t0.006\t0.015\t0.004\n"
    "rs3\t1\t300\t0.2\tC\tT\t0.01\t0\t0.02\t0.006\t0.015\t0.004\n"
    "rs4\t1\t400\t0.2\tC\tT\t3\t0.005\t-3\t0.006\t0.015\t0.004\n"
    "rs5\t2\t500\t 0.45 \tC\tT\t-0.01\t0.005\t-0.02\t0.006\tNA\t0.004\n"
    "rs6\t2\t600\t0.1\tG\tT\t-0.01\t0.005\t-0.02\t0.006\t-0.01\t0.004\n";

static void small_cs(ks__gwas_covstruc *cs, double *S, double *V, double *I, const char **names)
{
    static const double S0[9] = {0.3, 0.2, 0.15, 0.2, 0.25, 0.1, 0.15, 0.1, 0.2};
    static const double I0[9] = {1.02, 0.1, 0.05, 0.1, 0.98, 0.02, 0.05, 0.02, 1.1};
    memcpy(S, S0, sizeof S0);
    memcpy(I, I0, sizeof I0);
    memset(V, 0, 36 * sizeof *V);
    for (int i = 0; i < 6; i++) V[i * 6 + i] = 1e-4 * (1 + i);
    V[1] = V[6] = 2e-5;
    names[0] = "SNP-1";
    names[1] = "se.x";
    names[2] = "T 3";
    cs->k = 3;
    cs->names = names;
    cs->S = S;
    cs->V = V;
    cs->I = I;
}

static const double LAM3[3] = {0.5, 0.4, 0.3};

static void test_small(ks_ctx *ctx, const char *tmp)
{
    double S[9], V[36], I[9];
    const char *names[3];
    ks__gwas_covstruc cs;
    small_cs(&cs, S, V, I, names);
    char text[4096], out[4200];
    snprintf(text, sizeof text, "%s%s", SMALL_HEAD, SMALL_ROWS);
    const char *in = ktest_tmpfile(".tsv", text, strlen(text));
    char inp[4200];
    snprintf(inp, sizeof inp, "%s", in);
    snprintf(out, sizeof out, "%s/gwas_small.tsv", tmp);
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.q_snp = 1;
    ks__gwas_gls_spec spec = {1, LAM3, F1, 0};
    ks__gwas_stats st;
    CHECK_OK(ctx, run_file(ctx, &cs, inp, &spec, &o, out, &st));
    CHECK(st.snps == 6 && st.failed == 4);
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, out, NULL, &t));
    if (t) {
        size_t je = 0, js = 0;
        CHECK(ks_table_nrow(t) == 6);
        CHECK_OK(ctx, ks_table_find(ctx, t, "error", &je));
        CHECK_OK(ctx, ks_table_find(ctx, t, "SNP", &js));
        const double *est = col(ctx, t, "est");
        CHECK(!strcmp(ks_table_string(t, je, 0), "0") && isfinite(est[0]));
        CHECK(!strcmp(ks_table_string(t, je, 1), "MAF is missing") && isnan(est[1]));
        CHECK(!strcmp(ks_table_string(t, je, 2), "se of trait 1 missing or not > 0"));
        CHECK(!strcmp(ks_table_string(t, je, 3),
                      "S_Full not positive definite (no smoothing available)"));
        CHECK(!strcmp(ks_table_string(t, je, 4), "beta of trait 3 missing or not finite"));
        CHECK(!strcmp(ks_table_string(t, je, 5), "0") && isfinite(est[5]));
        CHECK(!strcmp(ks_table_string(t, js, 4), "rs5"));
        cols_free();
        ks_table_free(t);
    }
    /* errors in the input: a missing trait column, a cell that is not a number, a short row */
    names[2] = "T3";
    CHECK_FAILS(ctx, run_file(ctx, &cs, inp, &spec, &o, out, &st), KS_ENOTFOUND,
                ":1: no column 'beta.T3' (trait 3 of the covstruc, 'T3')");
    names[2] = "T 3";
    snprintf(text, sizeof text, "%s%s%s", SMALL_HEAD, SMALL_ROWS,
             "rs7\t2\t700\t0.1\tG\tT\t-0.01\t0.005\t-0.02\tx1\t-0.01\t0.004\n");
    in = ktest_tmpfile(".tsv", text, strlen(text));
    char bad[4200];
    snprintf(bad, sizeof bad, "%s:8:10: 'x1' is not a number (column se.se.x)", in);
    CHECK_FAILS(ctx, run_file(ctx, &cs, in, &spec, &o, out, &st), KS_EPARSE, bad);
    unlink(in);
    snprintf(text, sizeof text, "%s%s%s", SMALL_HEAD, SMALL_ROWS, "rs7\t2\t700\t0.1\n");
    in = ktest_tmpfile(".tsv", text, strlen(text));
    snprintf(bad, sizeof bad, "%s:8: 4 fields, the header has 12", in);
    CHECK_FAILS(ctx, run_file(ctx, &cs, in, &spec, &o, out, &st), KS_EPARSE, bad);
    unlink(in);
    snprintf(text, sizeof text,
             "SNP\tCHR\tBP\tMAF\tA1\tA2\tbeta.SNP-1\tse.SNP-1\tbeta.se.x\t"
             "se.se.x\tbeta.T 3\tse.T 3\tse.T 3\n");
    in = ktest_tmpfile(".tsv", text, strlen(text));
    CHECK_FAILS(ctx, run_file(ctx, &cs, in, &spec, &o, out, &st), KS_EPARSE,
                "column 'se.T 3' is named twice (columns 12 and 13)");
    unlink(in);
    /* V_Full not positive definite (I with a unit diagonal is not): every SNP flagged without
     * a smoother */
    I[3] = I[1] = 1.5;
    CHECK_OK(ctx, run_file(ctx, &cs, inp, &spec, &o, out, &st));
    CHECK(st.snps == 6 && st.failed == 6);
    unlink(inp);
    unlink(out);
}

/* A stand-in smoother (the SEM integration sets nearPD): off-diagonal elements shrunk 100-fold,
 * which makes these matrices positive definite. */
static int shrink(ks_ctx *ctx, size_t n, double *A)
{
    (void)ctx;
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++)
            if (i != j) A[j * n + i] *= 0.01;
    return KS_OK;
}

static void test_smoothing(ks_ctx *ctx, const char *tmp)
{
    double S[9], V[36], I[9];
    const char *names[3];
    ks__gwas_covstruc cs;
    small_cs(&cs, S, V, I, names);
    char text[4096], out[4200];
    snprintf(text, sizeof text, "%s%s", SMALL_HEAD, SMALL_ROWS);
    const char *in = ktest_tmpfile(".tsv", text, strlen(text));
    char inp[4200];
    snprintf(inp, sizeof inp, "%s", in);
    snprintf(out, sizeof out, "%s/gwas_smooth.tsv", tmp);
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.smooth = shrink;
    o.smooth_check = 1;
    ks__gwas_gls_spec spec = {1, LAM3, F1, 0};
    ks__gwas_stats st;
    CHECK_OK(ctx, run_file(ctx, &cs, inp, &spec, &o, out, &st));
    CHECK(st.failed == 3 && st.smoothed == 1); /* rs4's S_Full smoothed, then fitted */
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, out, NULL, &t));
    if (t) {
        const double *zs = col(ctx, t, "Z_smooth");
        CHECK(!strcmp(ks_table_col_name(t, ks_table_ncol(t) - 1), "Z_smooth"));
        CHECK(zs[0] == 0.0 && isnan(zs[1]) && zs[3] > 0.0 && zs[5] == 0.0);
        cols_free();
        ks_table_free(t);
    }
    unlink(inp);
    unlink(out);
}

static void test_alloc_fail(const char *tmp)
{
    double S[9], V[36], I[9];
    const char *names[3];
    ks__gwas_covstruc cs;
    small_cs(&cs, S, V, I, names);
    char text[4096], out[4200];
    snprintf(text, sizeof text, "%s%s", SMALL_HEAD, SMALL_ROWS);
    const char *in = ktest_tmpfile(".tsv", text, strlen(text));
    char inp[4200];
    snprintf(inp, sizeof inp, "%s", in);
    snprintf(out, sizeof out, "%s/gwas_alloc.tsv", tmp);
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.q_snp = 1;
    ks__gwas_gls_spec spec = {1, LAM3, F1, 0};
    long n_ok = 0, bad = 0;
    for (long at = 1; at < 100000; at++) {
        ktest_fail_alloc fa = {0, at, 0};
        ks_allocator al = {ktest_fa_malloc, ktest_fa_realloc, ktest_fa_free, &fa};
        ks_ctx *ctx = NULL;
        if (ks_ctx_new_with_allocator(&al, &ctx) != KS_OK) continue;
        ks__gwas_stats st;
        const int rc = run_file(ctx, &cs, inp, &spec, &o, out, &st);
        struct stat sb;
        const int exists = stat(out, &sb) == 0;
        ks_ctx_free(ctx);
        if (rc == KS_OK) {
            n_ok = at;
            unlink(out);
            break;
        }
        bad += rc != KS_ENOMEM || exists || fa.live != 0;
    }
    CHECK(n_ok > 10 && bad == 0);
    unlink(inp);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    const char *t = getenv("TMPDIR");
    const char *tmp = t ? t : "/tmp";
    ldsc_ref L;
    load_ldsc(&L);
    double lam[5];
    load_lambda(ctx, lam);
    test_assembly(ctx, &L);
    test_gls_run(ctx, &L, lam, tmp);
    test_commonfactor(ctx, &L, lam, tmp);
    test_threads_chunks(ctx, &L, lam, tmp);
    test_memory_source(ctx, &L, lam, tmp);
    test_small(ctx, tmp);
    test_smoothing(ctx, tmp);
    test_alloc_fail(tmp);
    ks_ctx_free(ctx);
    return ktest_finish("test_gwas");
}
