/* m_file.c — the M files of an LD score set (PREFIX.l2.M_5_50, .l2.M): the number of SNPs behind
 * each LD score column, for GenomicSEM's ldsc and bulik/ldsc's --h2 / --rg alike. */
#include <math.h>

#include "gsem_internal.h"

int ks__gsem_m_read(ks_ctx *ctx, const char *path, int first_line, int positive, double **v,
                    size_t *n)
{
    *v = NULL;
    *n = 0;
    ks_text_reader *t;
    int rc = ks_text_open(ctx, path, 0, &t);
    if (rc) return rc;
    size_t nf, line, cap = 0;
    char *const *f;
    int got = 0;
    while (!rc && (got = ks_text_next(t, &nf, &f, &line)) == 1) {
        if ((rc = ks__grow(ctx, (void **)v, &cap, *n + nf, sizeof **v))) break;
        for (size_t j = 0; j < nf && !rc; j++) {
            double x = NAN;
            if (ks__gsem_parse_num(f[j], &x, NULL) != 1 || (positive && !(x > 0.0 && isfinite(x))))
                rc = ks__fail(ctx, KS_EPARSE, "%s:%zu:%zu: '%s' is not a number%s", path, line,
                              j + 1, f[j], positive ? " of SNPs > 0" : "");
            (*v)[(*n)++] = x;
        }
        if (first_line) break;
    }
    if (!rc && got < 0) rc = got;
    ks_text_close(t);
    if (!rc && !*n) rc = ks__fail(ctx, KS_EPARSE, "%s: no number", path);
    if (rc) {
        ks__free(ctx, *v);
        *v = NULL;
        *n = 0;
    }
    return rc;
}
