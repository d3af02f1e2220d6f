/* test_gsem.c — the genomic SEM helpers whose exactness the file outputs rest on: numbers read
 * as strtod reads them (the writers are base's, tested in test_base.c); and the public API's
 * handles, views and names. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "gsem/gsem_internal.h"
#include "kestrel/kestrel.h"
#include "ktest.h"

/* Numbers read: the fast path's value is strtod's, bit for bit, on texts printed at 1 to 17
 * digits in fixed and scientific layouts, with leading and trailing zeros and signs; NA texts
 * are missing and malformed ones errors. */
static void test_parse_num(void)
{
    static const char *const fmt[] = {"%.*g", "%.*e", "%.*f", "+%.*f", "00%.*f"};
    char t[64];
    size_t bad = 0;
    for (uint64_t i = 0; i < 600000; i++) {
        const double x = i % 3 ? ldexp(ks_rng_normal(9, 1, i), -(int)(i % 60) + 20)
                               : (double)(int64_t)(ks_rng_u64(9, 2, i) % 2000000) / 1000.0;
        snprintf(t, sizeof t, fmt[i % 5], (int)(i % 18), i % 5 > 2 ? fabs(x) : x);
        double v = NAN;
        if (ks__gsem_parse_num(t, &v, NULL) != 1 || memcmp(&v, &(double){strtod(t, NULL)}, 8)) {
            if (bad++ < 5) fprintf(stderr, "parse_num: '%s' read as %.17g\n", t, v);
        }
    }
    CHECK(bad == 0);
    static const char *const ok[] = {"0", "-0", "1e5", "1e+05", "00.0012", "1.", "-.5", ".5e1",
                                     "1e-22", "1e-23", "123456789012345", "1234567890123456",
                                     "0.00000000000000012345", "1.5E3", "inf", "-Inf", "1e400"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        double v = NAN;
        CHECK(ks__gsem_parse_num(ok[i], &v, NULL) == 1 && !memcmp(&v, &(double){strtod(ok[i], NULL)}, 8));
    }
    static const char *const na[] = {"", "NA", "."}, *const no[] = {"-", "e5", "1e", "1.0.0",
                                                                   "1 ", "0x", "N", "1e5e"};
    double v;
    for (size_t i = 0; i < 3; i++) CHECK(ks__gsem_parse_num(na[i], &v, NULL) == 0);
    for (size_t i = 0; i < sizeof no / sizeof *no; i++) CHECK(ks__gsem_parse_num(no[i], &v, NULL) < 0);
}

/* The public API's shape: the mode's names, results freed without a ctx (NULL too), views of
 * the fixture's runs, the inference ldsc's view carries (bit for bit the arithmetic the front
 * ends did before), and the trait names' count checked. */
static void test_api(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks_gsem_munge_mode mode = KS_GSEM_MUNGE_GENOMICSEM;
    CHECK(!strcmp(ks_gsem_munge_mode_name(KS_GSEM_MUNGE_LDSC), "ldsc"));
    CHECK(!strcmp(ks_gsem_munge_mode_name(KS_GSEM_MUNGE_GENOMICSEM), "genomicsem"));
    CHECK(ks_gsem_munge_mode_name((ks_gsem_munge_mode)7) == NULL);
    CHECK_OK(ctx, ks_gsem_munge_mode_value(ctx, "ldsc", &mode));
    CHECK(mode == KS_GSEM_MUNGE_LDSC);
    CHECK_FAILS(ctx, ks_gsem_munge_mode_value(ctx, "LDSC", &mode), KS_EINVAL,
                "'genomicsem', 'ldsc'");
    ks_gsem_munge_free(NULL);
    ks_gsem_ldsc_free(NULL);
    ks_gsem_sumstats_free(NULL);
    ks_gsem_h2_free(NULL);
    ks_gsem_rg_free(NULL);

    const char *raw[2] = {"tests/data/gsem/sim/raw/T1.txt.gz", "tests/data/gsem/sim/raw/T2.txt.gz"};
    char out[2][4200];
    const char *outs[2] = {out[0], out[1]};
    const char *tmp = getenv("TMPDIR");
    for (int i = 0; i < 2; i++)
        snprintf(out[i], sizeof out[i], "%s/ktest_%d_T%d.sumstats.gz", tmp ? tmp : "/tmp",
                 (int)getpid(), i + 1);
    ks_gsem_munge *m = NULL;
    CHECK_OK(ctx, ks_gsem_munge_run(ctx, 2, raw, outs, "tests/data/gsem/sim/w_hm3.snplist.gz", NULL,
                                    &m));
    ks_gsem_ldsc *l = NULL;
    if (m) {
        ks_gsem_munge_view mv;
        ks_gsem_munge_get(m, &mv);
        CHECK(mv.n == 2 && mv.reports[1].written > 0 && !strcmp(mv.reports[0].used[0], "SNP"));
        ks_gsem_munge_free(m);
        CHECK_OK(ctx, ks_gsem_ldsc_fit(ctx, 2, outs, "tests/data/gsem/sim/ld",
                                       "tests/data/gsem/sim/ld", NULL, &l));
    }
    if (l) {
        ks_gsem_ldsc_view v;
        ks_gsem_ldsc_get(l, &v);
        CHECK(v.k == 2 && v.kstar == 3 && v.S_stand && v.S_stand_se);
        size_t bad = 0;
        for (size_t t = 0; t < v.kstar; t++) {
            const double z = v.est[t] / v.est_se[t];
            bad += memcmp(&z, &v.est_z[t], sizeof z) != 0;
            const double p = erfc(fabs(z) / sqrt(2.0));
            bad += memcmp(&p, &v.est_p[t], sizeof p) != 0;
        }
        for (size_t j = 0, t = 0; j < v.k; j++)
            for (size_t i = j; i < v.k; i++, t++) {
                const double se = sqrt(v.V[t + t * v.kstar]),
                             sse = sqrt(v.V_stand[t + t * v.kstar]);
                bad += memcmp(&se, &v.S_se[i + j * v.k], sizeof se) != 0 ||
                       memcmp(&se, &v.S_se[j + i * v.k], sizeof se) != 0;
                bad += memcmp(&sse, &v.S_stand_se[i + j * v.k], sizeof sse) != 0;
            }
        CHECK(bad == 0);
        CHECK(v.est_z[1] != 0.0 && v.est_p[1] > 0.0 && v.est_p[1] < 1.0);
        ks_gsem_ldsc_free(l);
    }
    for (int i = 0; i < 2; i++) unlink(out[i]);

    ks_gsem_sumstats *ss = NULL;
    CHECK_OK(ctx,
             ks_gsem_sumstats_run(ctx, 1, raw, "tests/data/gsem/sim/reference.snps.gz", NULL, &ss));
    if (ss) {
        ks_gsem_sumstats_view v;
        ks_gsem_sumstats_get(ss, &v);
        CHECK(v.k == 1 && v.n > 0 && v.ncol >= 3 && !strcmp(v.colnames[0], "SNP"));
        CHECK(v.reports[0].written == v.n && isfinite(v.beta[0]) && v.se[v.n - 1] > 0.0);
        const char *names[2] = {"T1", "T2"};
        CHECK_FAILS(ctx, ks_gsem_sumstats_write(ctx, ss, names, 2, out[0]), KS_EINVAL,
                    "2 trait names for 1 traits");
        ks_gsem_sumstats_free(ss);
    }

    const char *S = "tests/data/gsem/ldsc_test/simulate_test";
    char ld[4200], w[4200], f[2][4200];
    const char *files[2] = {f[0], f[1]};
    snprintf(ld, sizeof ld, "%s/ldscore/oneld_onefile", S);
    snprintf(w, sizeof w, "%s/ldscore/w", S);
    for (int i = 0; i < 2; i++) snprintf(f[i], sizeof f[i], "%s/sumstats/%d", S, i);
    ks_gsem_h2rg_options o = KS_GSEM_H2RG_OPTIONS_INIT;
    o.ref_ld = ld;
    o.w_ld = w;
    ks_gsem_h2 *h = NULL;
    CHECK_OK(ctx, ks_gsem_h2_fit(ctx, f[0], &o, &h));
    if (h) {
        ks_gsem_h2_view v;
        ks_gsem_h2_get(h, &v);
        CHECK(v.n_annot == 1 && v.annot[0] && v.h2.n_annot == 1 && v.h2.tot == v.h2.cat[0]);
        CHECK(v.liab == 1.0 && v.h2.n_snp > 0 && v.h2.tot_delete && isnan(v.h2.z));
        ks_gsem_h2_free(h);
    }
    ks_gsem_rg *r = NULL;
    CHECK_OK(ctx, ks_gsem_rg_fit(ctx, 2, files, &o, &r));
    if (r) {
        ks_gsem_rg_view v;
        ks_gsem_rg_get(r, &v);
        CHECK(v.k == 2 && v.n_annot == 1 && !v.pair[0].error);
        CHECK(v.pair[0].z == v.pair[0].rg / v.pair[0].rg_se && v.pair[0].gencov.n_annot == 1);
        CHECK(v.pair[0].hsq1.tot > 0.0 && v.pair[0].gencov.coef_cov);
        ks_gsem_rg_free(r);
    }
    ks_ctx_free(ctx);
}

int main(void)
{
    test_parse_num();
    test_api();
    return ktest_finish("gsem");
}
