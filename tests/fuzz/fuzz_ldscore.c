/* fuzz_ldscore.c — the LD score readers: GenomicSEM ldsc's `<chr>.l2.ldscore.gz` and
 * `<chr>.l2.M_5_50` (the input is one of them, the other and a trait fixed, and the regression
 * run on what was read), and bulik ldsc's PREFIX.l2.ldscore and PREFIX.l2.M_5_50. The first byte
 * picks which (modulo 4); the rest is the file. */
#include "fuzz_util.h"
#include "gsem/h2rg_internal.h"

/* 24 SNPs with LD scores, M, and a trait with their Z and N. */
static void fixed(char *ld, char *trait, size_t n)
{
    size_t a = (size_t)snprintf(ld, n, "CHR\tSNP\tBP\tCM\tMAF\tL2\n");
    size_t b = (size_t)snprintf(trait, n, "SNP\tN\tZ\tA1\tA2\n");
    for (int i = 1; i <= 24; i++) {
        a += (size_t)snprintf(ld + a, n - a, "1\trs%d\t%d\t0\t0.2\t%g\n", i, 100 * i, 10.0 + i % 7);
        b += (size_t)snprintf(trait + b, n - b, "rs%d\t1000\t%g\tA\tG\n", i, (i % 5) - 2.1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const unsigned mode = data[0] % 4;
    data++;
    size--;
    ks_ctx *ctx = fuzz_ctx();
    if (mode < 2) {
        char ld[2048], trait[2048];
        fixed(ld, trait, sizeof ld);
        fuzz_write("1.l2.ldscore.gz", mode ? (const void *)ld : data, mode ? strlen(ld) : size);
        fuzz_write("1.l2.M_5_50", mode ? data : (const void *)"5000\n", mode ? size : 5);
        const char *const traits[1] = {fuzz_write("trait.sumstats", trait, strlen(trait))};
        const char *dir = fuzz_dir;
        static const int chr1[1] = {1};
        ks_gsem_ldsc_options o = KS_GSEM_LDSC_OPTIONS_INIT;
        o.select = chr1;
        o.nselect = 1;
        o.n_blocks = 5;
        ks_gsem_ldsc *r = NULL;
        if (fuzz_outcome(ctx, "ldsc", ks_gsem_ldsc_fit(ctx, 1, traits, dir, NULL, &o, &r)) == KS_OK)
            ks_gsem_ldsc_free(r);
    } else {
        char prefix[sizeof fuzz_dir + 8];
        fuzz_write(mode == 2 ? "b.l2.ldscore" : "b.l2.M_5_50", data, size);
        snprintf(prefix, sizeof prefix, "%s/b", fuzz_dir);
        if (mode == 2) {
            ks__ldscore_set s;
            if (fuzz_outcome(ctx, "ks__ldscore_read", ks__ldscore_read(ctx, prefix, 0, "ref-ld", &s)) == KS_OK)
                ks__ldscore_free(&ctx->alloc, &s);
        } else {
            double *M = NULL;
            size_t nM = 0;
            if (fuzz_outcome(ctx, "ks__ldscore_read_M", ks__ldscore_read_M(ctx, prefix, 0, 0, &M, &nM)) == KS_OK)
                ks__free(ctx, M);
        }
    }
    ks_ctx_free(ctx);
    return 0;
}
