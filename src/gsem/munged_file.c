/* munged_file.c — a munged summary statistics file (`SNP N Z A1 A2`, what munge writes), read a
 * row at a time through the table layer's reader, for GenomicSEM's ldsc and bulik/ldsc's --h2 /
 * --rg alike; what the two upstreams read differently is the spec's (ks__munged_spec). */
#include <math.h>
#include <string.h>

#include "gsem_internal.h"

enum { M_SNP, M_N, M_Z, M_A1, M_A2 };

typedef struct {
    ks_ctx *ctx;
    const char *path;
    const ks__munged_spec *sp;
    int col[5];
    size_t nhead;
    ks__munged_row_fn fn;
    void *arg;
    char last_n[24]; /* the last N's text ("": none) and its value */
    double last_nv;
} munged_scan;

/* N is mostly one number for every row: its text compared with the last row's first. */
static int parse_n(munged_scan *s, const char *t, double *N)
{
    if (!strncmp(t, s->last_n, sizeof s->last_n)) {
        *N = s->last_nv;
        return 1;
    }
    const int pn = ks__gsem_parse_num(t, N, NULL);
    if (pn == 1 && strlen(t) < sizeof s->last_n) {
        strcpy(s->last_n, t);
        s->last_nv = *N;
    } else {
        s->last_n[0] = '\0';
    }
    return pn;
}

/* GenomicSEM's ldsc.R: a missing cell anywhere in the row drops it (na.omit), as does an N or Z
 * that reads as NaN; a cell that is not a number is an error (N's first). */
static int row_genomicsem(munged_scan *s, char *const *f, size_t nf, size_t line, int64_t k)
{
    for (size_t j = 0; j < nf; j++)
        if (ks__gsem_is_na(f[j], KS__NA_R_LDSC)) return KS_OK;
    const int *col = s->col;
    double N = NAN, Z = NAN;
    const int pn = parse_n(s, f[col[M_N]], &N);
    const int pz = ks__gsem_parse_num(f[col[M_Z]], &Z, NULL);
    if (pn < 0 || pz < 0) {
        const int c = pn < 0 ? col[M_N] : col[M_Z];
        return ks__fail(s->ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", s->path,
                        line, c + 1, f[c], pn < 0 ? "N" : "Z");
    }
    if (isnan(N) || isnan(Z)) return KS_OK;
    const ks__munged_row row = {f[col[M_SNP]], f[col[M_A1]], f[col[M_A2]], N, Z, 0, line};
    return s->fn(s->arg, &row, k);
}

/* A number of bulik/ldsc's (sumstats.py): pandas' missing tokens NaN, else a finite number. */
static int ldsc_num(munged_scan *s, size_t line, int k, const char *cell, double *v)
{
    if (ks__gsem_is_na(cell, KS__NA_PANDAS)) {
        *v = NAN;
        return KS_OK;
    }
    const char *name = k == M_N ? "N" : "Z";
    if (ks__gsem_parse_num(cell, v, NULL) != 1)
        return ks__fail(s->ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", s->path,
                        line, s->col[k] + 1, cell, name);
    if (!isfinite(*v))
        return ks__fail(s->ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a finite number in column %s",
                        s->path, line, s->col[k] + 1, cell, name);
    return KS_OK;
}

/* bulik/ldsc's sumstats.py: a short row's missing cells are missing (munge_sumstats.py writes
 * unmatched merge-allele SNPs as a name and empty cells); every row is passed on, marked when
 * a cell it uses is missing (pandas' tokens); Z and N finite, N > 0, else an error. */
static int row_ldsc(munged_scan *s, char *const *f, size_t nf, size_t line, int64_t k)
{
    const int nw = s->sp->alleles ? 5 : 3;
    const char *cell[5] = {"", "", "", "", ""};
    int na = 0;
    for (int q = 0; q < nw; q++) {
        cell[q] = (size_t)s->col[q] < nf ? f[s->col[q]] : "";
        na |= ks__gsem_is_na(cell[q], KS__NA_PANDAS);
    }
    double Z, N;
    int rc;
    if ((rc = ldsc_num(s, line, M_Z, cell[M_Z], &Z)) ||
        (rc = ldsc_num(s, line, M_N, cell[M_N], &N)))
        return rc;
    if (!isnan(N) && !(N > 0.0))
        return ks__fail(s->ctx, KS_EPARSE, "%s:%zu:%d: N '%s' is not positive", s->path, line,
                        s->col[M_N] + 1, cell[M_N]);
    const ks__munged_row row = {ks__gsem_is_na(cell[M_SNP], KS__NA_PANDAS) ? "" : cell[M_SNP],
                                cell[M_A1],
                                cell[M_A2],
                                N,
                                Z,
                                na,
                                line};
    return s->fn(s->arg, &row, k);
}

static int munged_row(void *arg, char *const *f, size_t nf, size_t line, int64_t k)
{
    munged_scan *s = arg;
    const int ldsc = s->sp->rule == KS__MUNGED_LDSC;
    if (nf > s->nhead || (!ldsc && nf < s->nhead))
        return ks__fail(s->ctx, KS_EPARSE, "%s:%zu: %zu fields, the header has %zu", s->path, line,
                        nf, s->nhead);
    return ldsc ? row_ldsc(s, f, nf, line, k) : row_genomicsem(s, f, nf, line, k);
}

int ks__munged_read(ks_ctx *ctx, const char *path, const ks__munged_spec *sp, const ks__index *ix,
                    ks__munged_row_fn fn, void *arg)
{
    const int ldsc = sp->rule == KS__MUNGED_LDSC;
    ks_text_reader *r;
    int rc = ks_text_open(ctx, path, ldsc ? 0 : '\t', &r);
    if (rc) return rc;
    /* (bulik/ldsc looks for SNP Z N, GenomicSEM for SNP N Z: the order of the messages) */
    static const char *const want_gsem[5] = {"SNP", "N", "Z", "A1", "A2"};
    static const char *const want_ldsc[5] = {"SNP", "Z", "N", "A1", "A2"};
    munged_scan s = {ctx, path, sp, {0}, 0, fn, arg, "", 0.0};
    size_t nf, line;
    char *const *f;
    rc = ks_text_next(r, &nf, &f, &line);
    if (rc == 0) rc = ks__fail(ctx, KS_EPARSE, "%s: empty file", path);
    if (rc == 1) {
        int c[5] = {-1, -1, -1, -1, -1};
        rc = ks__gsem_header(ctx, path, f, nf, ldsc ? want_ldsc : want_gsem,
                             ldsc && !sp->alleles ? 3 : 5, c);
        if (ldsc) {
            s.col[M_SNP] = c[0], s.col[M_Z] = c[1], s.col[M_N] = c[2];
            s.col[M_A1] = c[3], s.col[M_A2] = c[4];
        } else {
            memcpy(s.col, c, sizeof c);
        }
        s.nhead = nf;
        if (!rc) rc = ks__gsem_scan_rows(r, ix, s.col[M_SNP], NULL, munged_row, &s);
    }
    ks_text_close(r);
    return rc;
}
