/* ldscore_file.c — one LD score file (PREFIX.l2.ldscore[.gz]: CHR, SNP, BP and the scores), read
 * a row at a time through the table layer's reader, for GenomicSEM's ldsc and bulik/ldsc's
 * --h2 / --rg alike; what the two upstreams read differently is the spec's (ks__ldscore_spec). */
#include <math.h>
#include <string.h>

#include "gsem_internal.h"

/* A number in an LD score file (is_pos: CHR or BP, else a score), or an error naming the cell
 * in the words of the spec's upstream. */
static int ld_cell(ks_ctx *ctx, const ks__ldscore_spec *sp, const char *path, size_t line, int col,
                   const char *name, const char *cell, int is_pos, double *v)
{
    if (!sp->positive && ks__gsem_is_na(cell, KS__NA_PANDAS))
        return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: missing value in column %s", path, line,
                        col + 1, name);
    const int pr = ks__gsem_parse_num(cell, v, NULL);
    if (pr < 0)
        return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", path, line,
                        col + 1, cell, name);
    if (!sp->positive) {
        if (!isfinite(*v))
            return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a finite number in column %s",
                            path, line, col + 1, cell, name);
        return KS_OK;
    }
    if (pr == 0 || (is_pos ? !(fabs(*v) < 9e15) : !(*v > 0.0 && isfinite(*v))))
        return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' in column %s is not %s", path, line,
                        col + 1, cell, name, is_pos ? "a position" : "an LD score > 0");
    return KS_OK;
}

/* The score columns of the header f (CHR, SNP, BP at col[0..3)) into map: L2, the last column,
 * or every other column (MAF and CM left out when both are there, as ldsc's backwards
 * compatibility does), or with cols->names given, the columns of those names. */
static int score_columns(ks_ctx *ctx, const ks__ldscore_spec *sp, const char *path, char *const *f,
                         size_t nf, const int *col, ks__ldscore_cols *cols, int **map)
{
    if (sp->scores != KS__LD_ALL) {
        if (!(*map = ks__malloc(ctx, sizeof **map))) return KS_ENOMEM;
        **map = sp->scores == KS__LD_LAST ? (int)nf - 1 : col[3];
        cols->p = 1;
        return KS_OK;
    }
    int cmaf = -1, ccm = -1;
    for (size_t j = 0; j < nf; j++) {
        if (!strcmp(f[j], "MAF")) cmaf = (int)j;
        if (!strcmp(f[j], "CM")) ccm = (int)j;
    }
    const int drop = cmaf >= 0 && ccm >= 0;
#define LD_SKIP(j)                                                                                 \
    ((int)(j) == col[0] || (int)(j) == col[1] || (int)(j) == col[2] ||                             \
     (drop && ((int)(j) == cmaf || (int)(j) == ccm)))
    size_t p = 0;
    for (size_t j = 0; j < nf; j++) p += !LD_SKIP(j);
    if (!p) return ks__fail(ctx, KS_EPARSE, "%s:1: no LD score column", path);
    if (cols->names && p != cols->p)
        return ks__fail(ctx, KS_EPARSE, "%s:1: %zu LD score columns, the first file has %zu", path,
                        p, cols->p);
    if (!(*map = ks__malloc_array(ctx, p, sizeof **map))) return KS_ENOMEM;
    if (cols->names) { /* a later file: the first file's columns, by name */
        for (size_t q = 0; q < p; q++) {
            (*map)[q] = -1;
            for (size_t j = 0; j < nf && (*map)[q] < 0; j++)
                if (!strcmp(f[j], cols->names[q])) (*map)[q] = (int)j;
            if ((*map)[q] < 0)
                return ks__fail(ctx, KS_EPARSE, "%s:1: no column '%s' (the first file has it)",
                                path, cols->names[q]);
        }
        return KS_OK;
    }
    if (!(cols->names = ks__calloc(ctx, p, sizeof *cols->names))) return KS_ENOMEM;
    cols->p = p;
    size_t q = 0;
    for (size_t j = 0; j < nf; j++) {
        if (LD_SKIP(j)) continue;
        if (!(cols->names[q] = ks__strdup(ctx, f[j]))) return KS_ENOMEM;
        (*map)[q++] = (int)j;
    }
#undef LD_SKIP
    return KS_OK;
}

int ks__ldscore_file_read(ks_ctx *ctx, const char *path, const ks__ldscore_spec *sp,
                          ks__ldscore_cols *cols, ks__ldscore_row_fn fn, void *arg)
{
    ks_text_reader *r;
    int rc = ks_text_open(ctx, path, sp->delim, &r);
    if (rc) return rc;
    static const char *const want[4] = {"CHR", "SNP", "BP", "L2"};
    size_t nf, line, nhead = 0;
    char *const *f;
    int col[4], *map = NULL, got = 0;
    double *v = NULL; /* CHR, BP, the scores */
    while (!rc && (got = ks_text_next(r, &nf, &f, &line)) == 1) {
        if (!nhead) {
            /* every column is read with KS__LD_ALL, so two of one name are an error (pandas
             * would rename one); GenomicSEM's files only where a column read is named twice */
            for (size_t j = 0; j < nf && !rc && sp->scores == KS__LD_ALL; j++)
                for (size_t i = 0; i < j && !rc; i++)
                    if (!strcmp(f[i], f[j]))
                        rc = ks__fail(ctx, KS_EPARSE,
                                      "%s:1: columns %zu and %zu are both named '%s'", path, i + 1,
                                      j + 1, f[j]);
            if (rc ||
                (rc = ks__gsem_header(ctx, path, f, nf, want, sp->scores == KS__LD_L2 ? 4 : 3,
                                      col)) ||
                (rc = score_columns(ctx, sp, path, f, nf, col, cols, &map)))
                break;
            if (!(v = ks__malloc_array(ctx, cols->p + 2, sizeof *v))) {
                rc = KS_ENOMEM;
                break;
            }
            nhead = nf;
            continue;
        }
        if ((rc = ks__gsem_fields(ctx, path, line, nf, nhead)) ||
            (rc = ld_cell(ctx, sp, path, line, col[0], "CHR", f[col[0]], 1, &v[0])) ||
            (rc = ld_cell(ctx, sp, path, line, col[2], "BP", f[col[2]], 1, &v[1])))
            break;
        for (size_t q = 0; q < cols->p && !rc; q++)
            rc = ld_cell(ctx, sp, path, line, map[q],
                         sp->scores == KS__LD_ALL ? cols->names[q] : sp->score_name, f[map[q]], 0,
                         &v[2 + q]);
        if (!rc) rc = fn(arg, f[col[1]], v, line);
    }
    ks_text_close(r);
    ks__free(ctx, map);
    ks__free(ctx, v);
    if (!rc && got < 0) rc = got;
    if (!rc && !nhead) rc = ks__fail(ctx, KS_EPARSE, "%s: empty file", path);
    return rc;
}
