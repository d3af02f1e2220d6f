/* fuzz_gwas.c — the readers of GWAS summary statistics: GenomicSEM munge's (against a fixed
 * reference list), bulik munge_sumstats's (without and with a merge-alleles list), bulik
 * ldsc's sumstats reader and GenomicSEM sumstats' (against a fixed reference). The first byte
 * picks which (its low 7 bits modulo 5; the high bit a variant); the rest is the file. */
#include "fuzz_util.h"
#include "gsem/h2rg_internal.h"

static const char SNPLIST[] = "SNP\tA1\tA2\nrs1\tC\tG\nrs2\tT\tC\nrs3\tA\tG\nrs4\tA\tC\n"
                              "rs5\tG\tT\nrs6\tC\tT\nrs7\tA\tT\nrs8\tG\tA\n";
static const char REFERENCE[] = "SNP\tCHR\tBP\tMAF\tA1\tA2\nrs1\t1\t100\t0.24\tC\tG\n"
                                "rs2\t1\t200\t0.03\tT\tC\nrs3\t1\t300\t0.5\tA\tG\n"
                                "rs4\t2\t50\t0.11\tA\tC\nrs5\t2\t70\t0.2\tG\tT\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const unsigned mode = (data[0] & 0x7f) % 5, flag = data[0] >> 7;
    ks_ctx *ctx = fuzz_ctx();
    const char *in = fuzz_write("gwas.txt", data + 1, size - 1);
    const char *const paths[1] = {in};
    if (mode <= 2) {
        const char *ref = mode == 1 ? NULL : fuzz_write("ref.snplist", SNPLIST, strlen(SNPLIST));
        const char *const out[1] = {fuzz_path("out.sumstats.gz")};
        ks_gsem_munge_options o = KS_GSEM_MUNGE_OPTIONS_INIT;
        o.mode = mode ? KS_GSEM_MUNGE_LDSC : KS_GSEM_MUNGE_GENOMICSEM;
        o.N = flag ? 1000 : 0;
        ks_gsem_munge *m = NULL;
        if (fuzz_outcome(ctx, "munge", ks_gsem_munge_run(ctx, 1, paths, out, ref, &o, &m)) == KS_OK)
            ks_gsem_munge_free(m);
    } else if (mode == 3) {
        ks__h2rg_sumstats s;
        if (fuzz_outcome(ctx, "ks__h2rg_sumstats_read", ks__h2rg_sumstats_read(ctx, in, !flag, flag, &s)) == KS_OK)
            ks__h2rg_sumstats_free(&ctx->alloc, &s);
    } else {
        const char *ref = fuzz_write("reference.txt", REFERENCE, strlen(REFERENCE));
        ks_gsem_sumstats_options o = KS_GSEM_SUMSTATS_OPTIONS_INIT;
        ks_gsem_sumstats *r = NULL;
        if (fuzz_outcome(ctx, "sumstats", ks_gsem_sumstats_run(ctx, 1, paths, ref, &o, &r)) ==
            KS_OK)
            ks_gsem_sumstats_free(r);
    }
    ks_ctx_free(ctx);
    return 0;
}
