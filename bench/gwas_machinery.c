/* gwas_machinery.c — the GWAS machinery's throughput (src/gsem/gwas_*.c) without the SEM fit:
 * a SNP table (bench/gwas_synth.py) through ks__gwas_run with the closed-form GLS fit, with a
 * fit that does nothing, and with the SEM fits (gwas_sem.c: userGWAS with fix_measurement
 * `user`, without `userfree`, commonfactorGWAS `cf`; the model F1 =~ NA*T1 + ... ; F1 ~~ 1*F1;
 * F1 ~ SNP, sub = "F1~SNP"), wall time and peak RSS. Built against the static library:
 *
 *   cc -O2 -fopenmp -Iinclude -Isrc bench/gwas_machinery.c build/libkestrel.a \
 *      $(pkg-config --libs openblas zlib libisal) -lm -o /tmp/gwas_machinery
 *   /tmp/gwas_machinery SNPS.tsv K THREADS OUT.tsv[.gz] [gls|null|user|userfree|cf] */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "gsem/gwas_internal.h"

/* The fit that does nothing: what the machinery costs alone. */
static int null_prepare(ks_ctx *ctx, const ks__gwas_covstruc *cs, const void *spec, void **model,
                        ks__gwas_layout *L)
{
    (void)ctx, (void)cs, (void)spec;
    static const char *lhs[1] = {"F1"}, *op[1] = {"~"}, *rhs[1] = {"SNP"}, *lab[1] = {""};
    static const int fr[1] = {1}, qdf[1] = {4};
    L->nrow = 1;
    L->lhs = lhs, L->op = op, L->rhs = rhs, L->label = lab, L->free = fr, L->q_df = qdf;
    L->chisq_df = NAN, L->npar = NAN;
    *model = NULL;
    return KS_OK;
}
static void null_free(const ks_allocator *a, void *p) { (void)a, (void)p; }
static int null_ws(ks_ctx *ctx, const void *m, void **ws)
{
    (void)ctx, (void)m;
    *ws = NULL;
    return KS_OK;
}
static int null_fit(ks_ctx *ctx, void *ws, const void *m, const ks__gwas_snp *s, ks__gwas_result *r)
{
    (void)ctx, (void)ws, (void)m;
    r->est[0] = s->S_Full[1];
    r->se[0] = sqrt(s->V_SNP[0]);
    r->q_snp[0] = 1.0;
    r->chisq = NAN;
    return KS_OK;
}
static const ks__gwas_fit_ops null_ops = {"null",  10.0,      null_prepare, null_free,
                                          null_ws, null_free, NULL,         null_fit};

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s SNPS.tsv K THREADS OUT [gls|null|user|userfree|cf]\n",
                argv[0]);
        return 2;
    }
    const size_t k = (size_t)atoi(argv[2]), ks = k * (k + 1) / 2;
    const int threads = atoi(argv[3]);
    const char *mode = argc > 5 ? argv[5] : "gls";
    const int null = !strcmp(mode, "null");
    double *S = calloc(k * k, sizeof *S), *I = calloc(k * k, sizeof *I),
           *V = calloc(ks * ks, sizeof *V);
    double *lam = calloc(k, sizeof *lam);
    char **names = calloc(k, sizeof *names);
    for (size_t i = 0; i < k; i++) {
        lam[i] = 0.3 + 0.5 * (double)i / (double)k;
        names[i] = malloc(16);
        snprintf(names[i], 16, "T%zu", i + 1);
    }
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++) {
            S[j * k + i] = lam[i] * lam[j] + (i == j ? 0.1 : 0.0);
            I[j * k + i] = i == j ? 1.02 : 0.05;
        }
    for (size_t i = 0; i < ks; i++) V[i * ks + i] = 1e-4;
    ks__gwas_covstruc cs = {k, (const char *const *)names, S, V, I};
    static const char *F1[1] = {"F1"};
    ks__gwas_gls_spec spec = {1, lam, F1, 0};
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) || ks_ctx_set_threads(ctx, threads)) return 1;
    ks__gwas_source *src;
    ks__gwas_opts o = KS__GWAS_OPTS_INIT;
    o.q_snp = 1;
    char *model = malloc(32 * k + 64), *mp = model;
    mp += sprintf(mp, "F1 =~ NA*T1");
    for (size_t i = 1; i < k; i++) mp += sprintf(mp, " + T%zu", i + 1);
    sprintf(mp, "\nF1 ~~ 1*F1\nF1 ~ SNP");
    static const char *sub[2] = {"F1~SNP", NULL}; /* (the rows a GWAS keeps) */
    ks__gwas_sem_spec sem = {model, 0, 0, !strcmp(mode, "user"), 1, sub, 0};
    const ks__gwas_fit_ops *ops = null ? &null_ops : &ks__gwas_gls_ops;
    const void *sp = &spec;
    if (!strcmp(mode, "user") || !strcmp(mode, "userfree")) ops = &ks__gwas_user_ops, sp = &sem;
    if (!strcmp(mode, "cf")) {
        ops = &ks__gwas_commonfactor_ops, sp = &sem;
        o.kind = KS__GWAS_COMMONFACTOR;
        o.q_snp = 0;
    }
    o.presmooth = !strcmp(mode, "user");
    ks__gwas_stats st;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int rc = ks__gwas_source_open(ctx, argv[1], &cs, &src);
    if (!rc)
        rc = ks__gwas_run(ctx, &cs, src, ops, sp, &o, NULL, argv[4], &st);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (rc) {
        fprintf(stderr, "%s\n", ks_errmsg(ctx));
        return 1;
    }
    ks__gwas_source_free(src);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    const double s = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    printf("%s k=%zu threads=%d snps=%zu (failed %zu): %.2f s, %.0f SNPs/s, peak RSS %.0f MB\n",
           mode, k, threads, st.snps, st.failed, s, (double)st.snps / s,
           (double)ru.ru_maxrss / 1024.0);
    ks_ctx_free(ctx);
    return 0;
}
