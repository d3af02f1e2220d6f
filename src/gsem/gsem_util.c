/* gsem_util.c — the pieces munge, ldsc and sumstats share: allele codes, numeric cells, header
 * columns, the batched row scan over the SNP index, and progress over files read in parallel. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gsem_internal.h"
#include "kestrel/linalg.h"

int ks__gsem_allele(const char *s, int upper)
{
    if (!s || !s[0] || s[1]) return upper ? GSEM_NA : GSEM_OTHER;
    const char c = upper ? (char)toupper((unsigned char)s[0]) : s[0];
    switch (c) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    default: return upper ? GSEM_NA : GSEM_OTHER;
    }
}

int64_t ks__gsem_allele_key(const char *s, int upper)
{
    if (!s || !s[0]) return GSEM_NA;
    const size_t l = strlen(s);
    if (l > 7) return (int64_t)((ks__fnv1a(s, upper) & ~(3ULL << 62)) | (1ULL << 62));
    uint64_t v = 0;
    for (size_t i = 0; i < l; i++)
        v |= (uint64_t)(unsigned char)(upper ? toupper((unsigned char)s[i]) : s[i]) << (8 * i);
    return (int64_t)v;
}

int ks__gsem_open_raw(ks_ctx *ctx, const char *path, ks_text_reader **r, char *const **head,
                      size_t *nhead)
{
    int rc = ks_text_open(ctx, path, 0, r);
    if (rc) return rc;
    size_t line;
    if ((rc = ks_text_next(*r, nhead, head, &line)) == 1) return KS_OK;
    if (rc == 0) rc = ks__fail(ctx, KS_EPARSE, "%s: empty file (no header row)", path);
    ks_text_close(*r);
    *r = NULL;
    return rc;
}

int ks__gsem_scan_rows(ks_text_reader *r, const ks__index *ix, int snp, const ks__gsem_tally *t,
                       ks__gsem_row_fn fn, void *arg)
{
    ks_text_record b[KS__INDEX_BATCH];
    ks__index_key key[KS__INDEX_BATCH];
    size_t nb, seen = 0, missed = 0;
    int got, filter = 1; /* the filter only pays where many names miss: decided every 4096 */
    while ((got = ks_text_batch(r, KS__INDEX_BATCH, b, &nb)) == 1) {
        for (size_t i = 0; ix && i < nb; i++)
            if ((size_t)snp < b[i].nfields)
                ks__index_prefetch(ix, b[i].fields[snp], filter, &key[i]);
        if ((seen += nb) >= 4096) {
            filter = 8 * missed > seen; /* more than 1 in 8 */
            seen = missed = 0;
        }
        for (size_t i = 0; i < nb; i++) {
            const int64_t k = ix && (size_t)snp < b[i].nfields
                                  ? ks__index_find_key(ix, b[i].fields[snp], &key[i])
                                  : -1;
            missed += k < 0;
            int rc;
            if (t) { /* the row counted, its width checked, and a row not in ix counted only */
                const size_t rows = ++*t->rows;
                if ((rc = ks__gsem_row_width(t->ctx, t->path, b[i].line, b[i].nfields, t->nhead,
                                         t->short_rows)))
                    return rc;
                if ((rows & 65535) == 0) ks__gsem_progress_report(t->pr, r);
                if (k < 0 && t->not_in_ref) {
                    ++*t->not_in_ref;
                    continue;
                }
            }
            if ((rc = fn(arg, b[i].fields, b[i].nfields, b[i].line, k))) return rc;
        }
    }
    return got < 0 ? got : KS_OK;
}

/* Clinger's fast path: a decimal with at most 15 digits and a power of ten up to 22 is one
 * exact integer times or over one exact power, so one rounding gives the correctly rounded
 * double (as strtod's). Returns 0 when the text is not of that form. */
static int fast_decimal(const char *s, double *out)
{
    static const double P10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    const int neg = *p == '-';
    p += *p == '-' || *p == '+';
    const char *d0 = p; /* leading zeros skipped, then every digit counts */
    while (*p == '0') p++;
    uint64_t m = 0;
    const char *ib = p;
    while ((unsigned)(*p - '0') < 10) m = 10 * m + (uint64_t)(*p++ - '0');
    long nd = p - ib, e = 0;
    int any = p > d0;
    if (*p == '.') {
        const char *fb = ++p;
        if (!m)
            while (*p == '0') p++;
        const char *fs = p;
        while ((unsigned)(*p - '0') < 10) m = 10 * m + (uint64_t)(*p++ - '0');
        nd += p - fs;
        e = -(long)(p - fb);
        any |= p > fb;
    }
    if (!any || nd > 15) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        const int en = *p == '-';
        p += *p == '-' || *p == '+';
        if ((unsigned)(*p - '0') >= 10) return 0;
        int x = 0;
        for (; (unsigned)(*p - '0') < 10; p++)
            if ((x = 10 * x + (*p - '0')) > 400) return 0;
        e += en ? -x : x;
    }
    if (*p || e < -22 || e > 22) return 0;
    double v = (double)m;
    v = e < 0 ? v / P10[-e] : v * P10[e];
    *out = neg ? -v : v;
    return 1;
}
int ks__gsem_header(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                const char *const *want, int n, int *col)
{
    for (int k = 0; k < n; k++) {
        col[k] = -1;
        for (size_t j = 0; j < nf; j++)
            if (strcmp(f[j], want[k]))
                continue;
            else if (col[k] < 0)
                col[k] = (int)j;
            else /* (which one is meant is anyone's guess) */
                return ks__fail(ctx, KS_EPARSE, "%s:1: columns %d and %zu are both named '%s'",
                               path, col[k] + 1, j + 1, want[k]);
        if (col[k] < 0) return ks__fail(ctx, KS_EPARSE, "%s:1: no column '%s'", path, want[k]);
    }
    return KS_OK;
}

int ks__gsem_fields(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead)
{
    if (nf == nhead) return KS_OK;
    return ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, the header has %zu", path, line, nf, nhead);
}

int ks__gsem_cell(ks_ctx *ctx, const char *path, size_t line, const int *col, int k, char *const *f,
              size_t nf, double *v, double *logv)
{
    if (logv) *logv = NAN;
    if (col[k] < 0 || (size_t)col[k] >= nf) {
        *v = NAN;
        return KS_OK;
    }
    const int r = ks__gsem_parse_num(f[col[k]], v, logv);
    if (r < 0)
        return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", path, line,
                       col[k] + 1, f[col[k]], ks__gsem_col_name[k]);
    if (r == 0) *v = NAN;
    return KS_OK;
}

int ks__gsem_row_width(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead,
                   size_t *short_rows)
{
    if (nf > nhead)
        return ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, more than the header's %zu", path,
                       line, nf, nhead);
    *short_rows += nf < nhead;
    return KS_OK;
}

/* pandas' missing-value tokens (read_csv's defaults in the pandas of munge_sumstats's time)
 * and the '.' munge_sumstats adds. */
static const char *const NA_PANDAS[] = {
    "",    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "N/A", "NA",   "NULL",     "NaN", "n/a",     "nan",      "null", ".",    NULL};

int ks__gsem_is_na_pandas(const char *s)
{
    /* every token starts with one of these bytes (or is empty) and has at most 8: most cells
     * are turned away before any compare */
    if (!strchr("#-1Nn.", s[0]) || strnlen(s, 9) > 8) return 0;
    for (const char *const *t = NA_PANDAS; *t; t++)
        if (!strcmp(s, *t)) return 1;
    return 0;
}

int ks__gsem_parse_num(const char *s, double *v, double *logv)
{
    if (logv) *logv = NAN;
    char *end;
    double x;
    if (!fast_decimal(s, &x)) { /* (which turns "", "NA" and "." away) */
        if (ks__gsem_is_na(s, KS__NA_R)) return 0;
        x = strtod(s, &end);
        if (end == s || *end) return -1;
    }
    *v = x;
    if (logv && x >= 0.0 && x < 1e-300) { /* log from the text: mantissa, decimal exponent */
        const char *e = strpbrk(s, "eE");
        char mant[64];
        const size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k >= sizeof mant) return -1;
        memcpy(mant, s, k);
        mant[k] = '\0';
        const double m = strtod(mant, NULL);
        *logv = m > 0.0 ? log(m) + (e ? strtod(e + 1, NULL) : 0.0) * M_LN10 : -INFINITY;
    }
    return 1;
}

uint64_t ks__gsem_file_bytes(const char *const *paths, size_t n)
{
    uint64_t b = 0;
    struct stat st;
    for (size_t i = 0; i < n; i++)
        if (stat(paths[i], &st) == 0 && st.st_size > 0) b += (uint64_t)st.st_size;
    return b;
}

void ks__gsem_progress_report(const ks__gsem_progress *pr, ks_text_reader *r)
{
    /* (unnamed: a named critical section is a global symbol of the shared library) */
#pragma omp critical
    {
        ks_text_progress(r, &pr->done[2 * pr->me], &pr->done[2 * pr->me + 1]);
        uint64_t d = 0, t = 0;
        for (size_t j = 0; j < pr->n; j++) {
            d += pr->done[2 * j];
            t += pr->done[2 * j + 1];
        }
        ks__progress(pr->ctx, pr->what, d, t);
    }
}
