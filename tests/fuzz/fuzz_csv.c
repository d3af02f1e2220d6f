/* fuzz_csv.c — the CSV/TSV reader (plain or gzip, from memory, small read chunks so that records
 * straddle them) and the streaming text reader that the genomic SEM commands use (runs of
 * blanks or tabs, record by record and in batches). The first byte picks: bits 0-1 the reader,
 * bits 2-7 the chunk (0: the default). A table read is then walked: every cell, and each
 * column factorized. */
#include "fuzz_util.h"

static void walk(ks_ctx *ctx, const ks_table *t)
{
    const size_t n = ks_table_nrow(t);
    double *v = malloc((n ? n : 1) * sizeof *v);
    int64_t *codes = malloc((n ? n : 1) * sizeof *codes);
    for (size_t j = 0; v && codes && j < ks_table_ncol(t); j++) {
        size_t k;
        if (ks_table_col_type(t, j) == KS_COL_STRING)
            for (size_t i = 0; i < n; i++) (void)ks_table_string(t, j, i);
        else if (ks_table_get_double(ctx, t, j, v, ks_table_nrow(t)) != KS_OK)
            abort();
        if (ks_table_factorize(ctx, t, &j, 1, codes, ks_table_nrow(t), &k) != KS_OK) abort();
        for (size_t i = 0; i < n; i++)
            if (codes[i] < -1 || codes[i] >= (int64_t)k) abort();
    }
    free(v);
    free(codes);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    const unsigned mode = data[0] & 3, chunk = data[0] >> 2;
    data++;
    size--;
    ks_ctx *ctx = fuzz_ctx();
    if (mode < 2) {
        ks_csv_options o = KS_CSV_OPTIONS_INIT;
        o.delim = mode ? '\t' : ',';
        o.chunk_bytes = chunk;
        o.allow_empty = chunk & 1;
        ks_table *t = NULL;
        if (fuzz_outcome(ctx, "read_csv",
                         ks_table_read_csv_mem(ctx, "fuzz.csv", data, size, &o, &t)) == KS_OK)
            walk(ctx, t);
        ks_table_free(t);
    } else {
        ks_text_reader *r = NULL;
        const char *path = fuzz_write("in.txt", data, size);
        if (ks_text_open(ctx, path, mode == 2 ? 0 : '\t', &r) == KS_OK) {
            size_t nf, line, n, last = 0;
            char *const *f;
            ks_text_record recs[7];
            for (int rc = 1; rc == 1;) {
                rc = chunk & 1 ? ks_text_batch(r, 7, recs, &n) : ks_text_next(r, &nf, &f, &line);
                if (rc != 1) break;
                for (size_t i = 0; chunk & 1 && i < n; i++) { /* lines increase, fields read */
                    if (recs[i].line <= last) abort();
                    last = recs[i].line;
                    for (size_t k = 0; k < recs[i].nfields; k++) (void)strlen(recs[i].fields[k]);
                }
                for (size_t k = 0; !(chunk & 1) && k < nf; k++) (void)strlen(f[k]);
            }
        }
        ks_text_close(r);
    }
    ks_ctx_free(ctx);
    return 0;
}
