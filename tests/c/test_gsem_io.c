/* test_gsem_io.c — what GenomicSEM's usermodel / commonfactor / GWAS take from ldsc: the
 * covstruc saved and read back (to the bit), made from R's matrices, and its file's errors;
 * R Matrix's nearPD and GenomicSEM's smoothing, subsetting, reordering and standardized input
 * against R (tests/data/gsem/make_nearpd_reference.R, make_sem_input_reference.R). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsem/gsem_sem_input.h"
#include "kestrel/kestrel.h"
#include "ktest.h"
#include "linalg/linalg_internal.h"

/* ---- reading the references ----------------------------------------------------------------- */

/* The numbers of the line `name n v1 ... vn` of a reference file (malloc'd; *n set). */
static double *ref_vec(const char *path, const char *name, size_t *n)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    double *v = NULL;
    *n = 0;
    while (f && getline(&line, &cap, f) > 0) {
        char *save = NULL, *tok = strtok_r(line, " \n", &save);
        if (!tok || strcmp(tok, name)) continue;
        *n = strtoul(strtok_r(NULL, " \n", &save), NULL, 10);
        v = malloc(*n * sizeof *v + 1);
        for (size_t i = 0; i < *n; i++) v[i] = strtod(strtok_r(NULL, " \n", &save), NULL);
        break;
    }
    free(line);
    if (f) fclose(f);
    if (!v) fprintf(stderr, "%s: no line '%s'\n", path, name);
    return v;
}

/* The largest |a - b| over n values, and whether every one is the same double. */
static double max_diff(const double *a, const double *b, size_t n, int *same)
{
    double d = 0.0;
    *same = 1;
    for (size_t i = 0; i < n; i++) {
        d = fmax(d, fabs(a[i] - b[i]));
        *same &= memcmp(&a[i], &b[i], sizeof *a) == 0;
    }
    return d;
}

/* ---- nearPD against R ------------------------------------------------------------------------ */

static void test_near_pd(ks_ctx *ctx)
{
    const char *path = "tests/data/gsem/nearpd/reference.txt";
    FILE *f = fopen(path, "r");
    CHECK(f != NULL);
    char *line = NULL;
    size_t cap = 0;
    int cases = 0, exact = 0;
    while (f && getline(&line, &cap, f) > 0) {
        char name[64];
        int n, it, conv;
        if (sscanf(line, "case %63s %d %d %d", name, &n, &it, &conv) != 4) continue;
        double *x = malloc((size_t)(2 * n * n) * sizeof *x), *want = x + n * n;
        for (int q = 0; q < 2; q++) {
            CHECK(getline(&line, &cap, f) > 0);
            char *save = NULL;
            strtok_r(line, " \n", &save);
            for (int i = 0; i < n * n; i++)
                (q ? want : x)[i] = strtod(strtok_r(NULL, " \n", &save), NULL);
        }
        ks__symeig *e = NULL;
        ks__near_pd_info info;
        CHECK_OK(ctx, ks__symeig_new(ctx, (size_t)n, &e));
        CHECK_OK(ctx, ks__near_pd(ctx, e, x, &info));
        ks__symeig_free(e);
        int same;
        double scale = 0.0;
        for (int i = 0; i < n * n; i++) scale = fmax(scale, fabs(want[i]));
        const double d = max_diff(x, want, (size_t)(n * n), &same);
        if (!(d <= 1e-12 * scale))
            fprintf(stderr, "nearPD %s: max |diff| %.3g (scale %.3g)\n", name, d, scale);
        CHECK(d <= 1e-12 * scale);
        CHECK(info.iterations == it && info.converged == conv);
        exact += same;
        cases++;
        free(x);
    }
    free(line);
    if (f) fclose(f);
    CHECK(cases == 7);
    printf("nearPD: %d of %d cases equal to R's to the bit\n", exact, cases);
}

static void test_near_pd_errors(ks_ctx *ctx)
{
    ks__symeig *e = NULL;
    CHECK_OK(ctx, ks__symeig_new(ctx, 2, &e));
    ks__near_pd_info info;
    double neg[4] = {-1.0, 0.2, 0.2, -2.0}, nan_[4] = {1.0, NAN, NAN, 1.0};
    CHECK_FAILS(ctx, ks__near_pd(ctx, e, neg, &info), KS_ENUMERIC, "negative semi-definite");
    CHECK_FAILS(ctx, ks__near_pd(ctx, e, nan_, &info), KS_EINVAL, "infinite or missing");
    double vals[2], pd[4] = {2.0, 1.0, 1.0, 2.0};
    CHECK_OK(ctx, ks__symeig_run(ctx, e, pd, vals, NULL));
    CHECK_NEAR(vals[0], 3.0, 1e-15);
    CHECK_NEAR(vals[1], 1.0, 1e-15);
    ks__symeig_free(e);
}

/* ---- usermodel's input against R ------------------------------------------------------------- */

static void test_sem_input(ks_ctx *ctx)
{
    const char *ref = "tests/data/gsem/sem_input/reference.txt";
    size_t k, ks, n;
    double *S = ktest_read_square("tests/data/gsem/ref/ldsc_S.tsv", &k);
    double *V = ktest_read_square("tests/data/gsem/ref/ldsc_V.tsv", &ks);
    CHECK(k == 5 && ks == 15);
    const char *traits[5] = {"T1", "T2", "T3", "T4", "T5"};
    const char *keep[4] = {"T1", "T3", "T4", "T5"}, *lav[4] = {"T4", "T1", "T5", "T3"};
    size_t idx[4];
    double Ssub[16], Vsub[100], S2[16], V2[100];
    int same;
    /* 1. the model's traits, in the covstruc's order: copies, to the bit */
    CHECK_OK(ctx, ks__gsem_trait_index(ctx, 5, traits, 4, keep, idx));
    ks__gsem_sv_select(5, S, V, 4, idx, Ssub, Vsub);
    double *w = ref_vec(ref, "S_sub", &n);
    CHECK(n == 16 && max_diff(Ssub, w, 16, &same) == 0.0 && same);
    free(w);
    w = ref_vec(ref, "V_sub", &n);
    CHECK(n == 100 && max_diff(Vsub, w, 100, &same) == 0.0 && same);
    free(w);
    /* 3. lavaan's order (.rearrange) */
    CHECK_OK(ctx, ks__gsem_trait_index(ctx, 4, keep, 4, lav, idx));
    ks__gsem_sv_select(4, Ssub, Vsub, 4, idx, S2, V2);
    w = ref_vec(ref, "S_lav", &n);
    CHECK(n == 16 && max_diff(S2, w, 16, &same) == 0.0 && same);
    free(w);
    w = ref_vec(ref, "V_lav", &n);
    CHECK(n == 100 && max_diff(V2, w, 100, &same) == 0.0 && same);
    free(w);
    CHECK_FAILS(ctx, ks__gsem_trait_index(ctx, 4, keep, 1, traits + 1, idx), KS_EINVAL, "'T2'");
    const char *twice[2] = {"T1", "T1"};
    CHECK_FAILS(ctx, ks__gsem_trait_index(ctx, 4, keep, 2, twice, idx), KS_EINVAL, "twice");
    /* 2. smoothing of a non-positive-definite S and V */
    double *Snp = ref_vec(ref, "S_np", &n), *Vnp = ref_vec(ref, "V_np", &n);
    ks__gsem_smooth_report rep;
    CHECK_OK(ctx, ks__gsem_smooth(ctx, 4, Snp, Vnp, &rep));
    CHECK(rep.S_smoothed && rep.V_smoothed && rep.S_info.converged && rep.V_info.converged);
    w = ref_vec(ref, "S_smooth", &n);
    CHECK(max_diff(Snp, w, 16, &same) <= 1e-14);
    free(w);
    w = ref_vec(ref, "V_smooth", &n);
    CHECK(max_diff(Vnp, w, 100, &same) <= 1e-18);
    free(w);
    w = ref_vec(ref, "diffs", &n);
    CHECK_NEAR(rep.S_diff, w[0], 1e-12);
    CHECK_NEAR(rep.V_diff, w[1], 1e-12);
    CHECK_NEAR(rep.Z_diff, w[2], 1e-12);
    free(w);
    /* 4. the standardized refit's input from the smoothed matrices (R's products, to rounding) */
    double Sst[16], Vst[100], wt[10];
    CHECK_OK(ctx, ks__gsem_stand_input(ctx, 4, Snp, Vnp, Sst, Vst));
    w = ref_vec(ref, "S_Stand", &n);
    CHECK(max_diff(Sst, w, 16, &same) <= 1e-15);
    printf("S_Stand: %s R's\n", same ? "the same doubles as" : "within 1e-15 of");
    free(w);
    w = ref_vec(ref, "V_Stand", &n);
    double vs = 0.0;
    for (int i = 0; i < 100; i++) vs = fmax(vs, fabs(w[i]));
    CHECK(max_diff(Vst, w, 100, &same) <= 1e-14 * vs);
    printf("V_Stand: %s R's\n", same ? "the same doubles as" : "within 1e-14 of");
    free(w);
    ks__gsem_dwls_weights(10, Vst, 1, wt);
    w = ref_vec(ref, "W_stand", &n);
    for (int t = 0; t < 10; t++) CHECK_NEAR(wt[t], w[t], 1e-13);
    free(w);
    ks__gsem_dwls_weights(10, Vnp, 0, wt);
    w = ref_vec(ref, "W", &n);
    for (int t = 0; t < 10; t++) CHECK_NEAR(wt[t], w[t], 1e-12);
    free(w);
    double zero[4] = {0.0, 0.0, 0.0, 0.0};
    ks__gsem_dwls_weights(2, zero, 1, wt);
    CHECK(wt[0] == 1.0 / 2e-9 && wt[1] == 1.0 / 2e-9);
    Snp[5] = 0.0;
    CHECK_FAILS(ctx, ks__gsem_stand_input(ctx, 4, Snp, Vnp, Sst, Vst), KS_EINVAL, "S[2, 2]");
    /* a positive definite S and V are left as they are */
    memcpy(S2, Ssub, sizeof S2);
    memcpy(V2, Vsub, sizeof V2);
    CHECK_OK(ctx, ks__gsem_smooth(ctx, 4, S2, V2, &rep));
    CHECK(!rep.S_smoothed && !rep.V_smoothed && rep.S_diff == 0.0 && rep.V_diff == 0.0);
    CHECK(rep.Z_diff == 0.0 && !memcmp(S2, Ssub, sizeof S2) && !memcmp(V2, Vsub, sizeof V2));
    free(Snp);
    free(Vnp);
    free(S);
    free(V);
    /* smooth_check's Z for one SNP, k = 2: S_full 3 x 3, V_full 6 x 6 */
    double sf[9] = {0.5, 0.02, -0.03, 0.02, 1, 0, -0.03, 0, 1}, vf[36] = {0};
    for (int t = 0; t < 6; t++) vf[t + 6 * t] = 1.0;
    vf[1 + 6 * 1] = 1e-4;
    vf[2 + 6 * 2] = 4e-4;
    const double zp[2] = {1.9, -1.4};
    CHECK_NEAR(ks__gsem_z_smooth(2, sf, vf, zp), 0.1, 1e-12); /* |2 - 1.9|, |-1.5 + 1.4| */
    const double zn[2] = {NAN, 0.0};
    CHECK(isnan(ks__gsem_z_smooth(2, sf, vf, zn)));
}

/* ---- the covstruc file ----------------------------------------------------------------------- */

static ks_gsem_ldsc *ref_covstruc(ks_ctx *ctx)
{
    size_t k, ks, n;
    double *S = ktest_read_square("tests/data/gsem/ref/ldsc_S.tsv", &k);
    double *V = ktest_read_square("tests/data/gsem/ref/ldsc_V.tsv", &ks);
    double *I = ktest_read_square("tests/data/gsem/ref/ldsc_I.tsv", &n);
    const char *names[5] = {"T1", "T2", "se.T3", "T-4", "SNP5"}; /* (names that break R) */
    const double N[15] = {1e5, 2e5, 3e5, 4e5, 5e5, 6e5, 7e5, 8e5,
                          9e5, 1e6, 2e6, 3e6, 4e6, 5e6, 6e6};
    ks_gsem_ldsc_view in = {0};
    in.k = k;
    in.S = S;
    in.V = V;
    in.intercept = I;
    in.N = N;
    in.m = 5961159.0;
    in.names = names;
    ks_gsem_ldsc *r = NULL;
    CHECK_OK(ctx, ks_gsem_ldsc_make(ctx, &in, &r));
    free(S);
    free(V);
    free(I);
    return r;
}

/* Every array of two views the same doubles (NaN as NaN). */
static int views_equal(const ks_gsem_ldsc_view *a, const ks_gsem_ldsc_view *b)
{
    const size_t k = a->k, ks = a->kstar;
    int ok = a->k == b->k && a->kstar == b->kstar && a->n_blocks == b->n_blocks &&
             !memcmp(&a->m, &b->m, sizeof a->m) && !a->S_stand == !b->S_stand;
#define EQ(f, n) ok &= !memcmp(a->f, b->f, (n) * sizeof *a->f)
    EQ(S, k * k);
    EQ(V, ks * ks);
    EQ(intercept, k * k);
    EQ(N, ks);
    EQ(S_se, k * k);
    EQ(liab, k);
    EQ(snps_read, k);
    EQ(snps_used, k);
    EQ(chisq_max, k);
    EQ(mean_chisq, k);
    EQ(ratio_se, k);
    EQ(pair_snps, ks);
    EQ(est, ks);
    EQ(est_p, ks);
    EQ(mean_zz, ks);
    if (a->S_stand) {
        EQ(S_stand, k * k);
        EQ(V_stand, ks * ks);
        EQ(S_stand_se, k * k);
    }
#undef EQ
    for (size_t j = 0; j < k; j++) ok &= !strcmp(a->names[j], b->names[j]);
    return ok;
}

/* The file's text with the first `from` replaced by `to` (and cut to `len` bytes, 0: all),
 * read: it fails with `code` and a message naming the file and containing `needle`. */
static void read_edited(ks_ctx *ctx, const char *text, const char *from, const char *to, size_t len,
                        int code, const char *needle)
{
    const char *p = strstr(text, from);
    CHECK(p != NULL);
    if (!p) return;
    const size_t a = (size_t)(p - text), lf = strlen(from), lt = strlen(to), n = strlen(text);
    char *s = malloc(n - lf + lt + 1), path[4096];
    memcpy(s, text, a);
    memcpy(s + a, to, lt);
    memcpy(s + a + lt, p + lf, n - a - lf + 1);
    snprintf(path, sizeof path, "%s", ktest_tmpfile(".txt", s, len ? len : strlen(s)));
    free(s);
    ks_gsem_ldsc *r = NULL;
    const int rc = ks_gsem_ldsc_read(ctx, path, &r);
    CHECK(rc == code && (rc == KS_OK) == (r != NULL));
    if (rc != code || (code && (!strstr(ks_errmsg(ctx), needle) || !strstr(ks_errmsg(ctx), path))))
        fprintf(stderr, "read_edited '%s' -> '%s': %s '%s'; wanted '%s'\n", from, to,
                ks_status_name(rc), rc ? ks_errmsg(ctx) : "", needle);
    CHECK(code == KS_OK || (strstr(ks_errmsg(ctx), needle) && strstr(ks_errmsg(ctx), path)));
    ks_gsem_ldsc_free(r);
    unlink(path);
}

static void test_covstruc(ks_ctx *ctx)
{
    ks_gsem_ldsc *r = ref_covstruc(ctx), *back = NULL;
    if (!r) return;
    ks_gsem_ldsc_view v, b;
    ks_gsem_ldsc_get(r, &v);
    /* S_Stand computed as ldsc computes it agrees with R's to rounding */
    size_t n;
    double *Sst = ktest_read_square("tests/data/gsem/ref/ldsc_S_Stand.tsv", &n);
    for (size_t i = 0; i < 25; i++) CHECK_NEAR(v.S_stand[i], Sst[i], 1e-14);
    free(Sst);
    CHECK(isnan(v.est[0]) && v.liab[0] == 1.0 && v.snps_read[0] == 0);
    char path[4096];
    snprintf(path, sizeof path, "%s", ktest_tmpfile(".covstruc", "", 0));
    CHECK_OK(ctx, ks_gsem_ldsc_write(ctx, r, path));
    CHECK_OK(ctx, ks_gsem_ldsc_read(ctx, path, &back));
    if (back) {
        ks_gsem_ldsc_get(back, &b);
        CHECK(views_equal(&v, &b));
    }
    ks_gsem_ldsc_free(back);
    back = NULL;
    /* without S_Stand (a heritability not > 0) */
    ks_gsem_ldsc_view in = v;
    double S0[25];
    memcpy(S0, v.S, sizeof S0);
    S0[6] = -0.01;
    in.S = S0;
    in.S_stand = in.V_stand = NULL;
    ks_gsem_ldsc *neg = NULL;
    CHECK_OK(ctx, ks_gsem_ldsc_make(ctx, &in, &neg));
    if (neg) {
        ks_gsem_ldsc_view nv;
        ks_gsem_ldsc_get(neg, &nv);
        CHECK(!nv.S_stand && !nv.V_stand && !nv.S_stand_se);
        CHECK_OK(ctx, ks_gsem_ldsc_write(ctx, neg, path));
        CHECK_OK(ctx, ks_gsem_ldsc_read(ctx, path, &back));
        if (back) {
            ks_gsem_ldsc_get(back, &b);
            CHECK(views_equal(&nv, &b));
        }
        ks_gsem_ldsc_free(back);
        back = NULL;
    }
    ks_gsem_ldsc_free(neg);
    /* make's checks */
    in = v;
    double V0[225];
    memcpy(V0, v.V, sizeof V0);
    V0[1] += 1e-19;
    in.V = V0;
    CHECK_FAILS(ctx, ks_gsem_ldsc_make(ctx, &in, &neg), KS_EINVAL, "V is not symmetric");
    in.V = v.V;
    const char *dup[5] = {"T1", "T2", "T1", "a", "b"}, *tab[5] = {"T1", "T\t2", "c", "a", "b"};
    in.names = dup;
    CHECK_FAILS(ctx, ks_gsem_ldsc_make(ctx, &in, &neg), KS_EINVAL, "the same name 'T1'");
    in.names = tab;
    CHECK_FAILS(ctx, ks_gsem_ldsc_make(ctx, &in, &neg), KS_EINVAL, "trait 2");
    in.names = v.names;
    in.kstar = 14;
    CHECK_FAILS(ctx, ks_gsem_ldsc_make(ctx, &in, &neg), KS_EINVAL, "kstar = 14");
    in.kstar = 15;
    in.m = -1.0;
    CHECK_FAILS(ctx, ks_gsem_ldsc_make(ctx, &in, &neg), KS_EINVAL, "m = -1");
    in.m = v.m;
    in.S_stand = NULL;
    CHECK_FAILS(ctx, ks_gsem_ldsc_make(ctx, &in, &neg), KS_EINVAL, "go together");
    /* the reader's errors, each naming the file and the line */
    CHECK_OK(ctx, ks_gsem_ldsc_write(ctx, r, path));
    size_t len;
    char *text = ktest_slurp(path, &len);
    CHECK(text != NULL);
    if (text) {
        read_edited(ctx, text, "kestrel", "kestrel", len / 2, KS_EPARSE, ":");
        /* cut at a line end: the missing blocks are named */
        const size_t at = (size_t)(strstr(text, "\npair\t") - text) + 1;
        read_edited(ctx, text, "kestrel", "kestrel", at, KS_EPARSE, "ends before the table 'pair'");
        read_edited(ctx, text, "kestrel", "kestrel", len - 4, KS_EPARSE,
                    "ends before the line 'end'");
        char *row = strstr(text, "\nT2_T1\t"); /* V's second row: its first number edited */
        char from[64], *tab1 = strchr(row + 7, '\t');
        snprintf(from, sizeof from, "%.*s", (int)(tab1 - row), row);
        read_edited(ctx, text, from, "\nT2_T1\t1.8045474007966e-05", 0, KS_EPARSE,
                    "V is not symmetric: [2, 1]");
        read_edited(ctx, text, from, "\nT2_T1\t0.1x", 0, KS_EPARSE, "'0.1x', is not a number");
        read_edited(ctx, text, from, "\nT2_T1\tInf", 0, KS_EPARSE,
                    "V[2, 1] = Inf is not a finite number");
        read_edited(ctx, text, "kestrel_covstruc\t1", "kestrel_covstruc\t2", 0, KS_EPARSE,
                    "version '2'");
        read_edited(ctx, text, "kestrel_covstruc", "SNP", 0, KS_EPARSE,
                    ":1: not a kestrel covstruc file");
        read_edited(ctx, text, "\nse.T3\t", "\nT3\t", 0, KS_EPARSE,
                    "row 3 of S is 'T3', not 'se.T3'");
        read_edited(ctx, text, "traits\tT1", "traits\tT2", 0, KS_EPARSE, "the same name 'T2'");
        read_edited(ctx, text, "traits\tT1\t", "traits\t", 0, KS_EPARSE, "fields in 'S', not 5");
        read_edited(ctx, text, "\nm\t", "\nm\t-", 0, KS_EPARSE, "not a number > 0");
        read_edited(ctx, text, "\nend\n", "\nend\nmore\n", 0, KS_EPARSE, "'more' after 'end'");
        read_edited(ctx, text, "\tsnps_used\nT1\t1\t", "\tsnps_used\nT1\tx\t", 0, KS_EPARSE,
                    "'x', is not a number");
        read_edited(ctx, text, "\nS\t", "\n# a note\nS\t", 0, KS_OK, ""); /* comments */
        free(text);
    }
    ks_gsem_ldsc_free(r);
    unlink(path);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_near_pd(ctx);
    test_near_pd_errors(ctx);
    test_sem_input(ctx);
    test_covstruc(ctx);
    ks_ctx_free(ctx);
    return ktest_finish("gsem_io");
}
