/* gwas_input.c — the GWAS's SNP rows, a batch at a time, from the table sumstats writes or from
 * a sumstats result in memory (gwas_internal.h). Traits are found by their exact column names
 * beta.<name> / se.<name>, not by R's grep("beta.") and grep("se."), so that a trait called
 * "se.x" or "SNP-1" is read as itself. */
#include <stdio.h>
#include <string.h>

#include "gsem/gsem_internal.h"
#include "gsem/gwas_internal.h"

static const char *const TEXT_NAME[KS__GWAS_NTEXT] = {"SNP", "CHR", "BP", "MAF", "A1", "A2"};

struct ks__gwas_source {
    ks_allocator alloc;
    size_t k;
    /* a file */
    char *path;
    ks_text_reader *r;
    size_t nhead;
    int text_col[KS__GWAS_NTEXT];
    int *beta_col, *se_col; /* k each */
    char **head;            /* the header's names, for messages */
    ks_text_record *rec;
    size_t rec_cap, nrec;
    /* a sumstats result */
    const ks_gsem_sumstats *ss;
    size_t mem_col[KS__GWAS_NTEXT];
    size_t mem_next, mem_first; /* the next row to hand out; the batch's first */
};

void ks__gwas_source_free(ks__gwas_source *src)
{
    if (!src) return;
    const ks_allocator *a = &src->alloc;
    ks_text_close(src->r);
    if (src->head)
        for (size_t j = 0; j < src->nhead; j++) ks__release(a, src->head[j]);
    ks__release(a, src->head);
    ks__release(a, src->path);
    ks__release(a, src->beta_col);
    ks__release(a, src->se_col);
    ks__release(a, src->rec);
    ks__release(a, src);
}

static int source_new(ks_ctx *ctx, const ks__gwas_covstruc *cs, ks__gwas_source **out)
{
    ks__gwas_source *s = ks__calloc(ctx, 1, sizeof *s);
    if (!s) return KS_ENOMEM;
    s->alloc = ctx->alloc;
    s->k = cs->k;
    *out = s;
    return KS_OK;
}

/* The column named `name` among the header's (-1: none), or an error when it is there twice. */
static int find_col(ks_ctx *ctx, const char *path, char *const *f, size_t nf, const char *name,
                    int *col)
{
    *col = -1;
    for (size_t j = 0; j < nf; j++)
        if (!strcmp(f[j], name)) {
            if (*col >= 0)
                return ks__fail(ctx, KS_EPARSE,
                                "%s:1: column '%s' is named twice (columns %d and %zu)", path, name,
                                *col + 1, j + 1);
            *col = (int)j;
        }
    return KS_OK;
}

static int need_col(ks_ctx *ctx, const char *path, char *const *f, size_t nf, const char *name,
                    const char *why, int *col)
{
    int rc = find_col(ctx, path, f, nf, name, col);
    if (!rc && *col < 0)
        rc = ks__fail(ctx, KS_ENOTFOUND, "%s:1: no column '%s'%s", path, name, why);
    return rc;
}

static int map_header(ks_ctx *ctx, ks__gwas_source *s, const ks__gwas_covstruc *cs, char *const *f,
                      size_t nf)
{
    int rc;
    for (int c = 0; c < KS__GWAS_NTEXT; c++)
        if ((rc = need_col(ctx, s->path, f, nf, TEXT_NAME[c], "", &s->text_col[c]))) return rc;
    char name[512], why[600];
    for (size_t t = 0; t < cs->k; t++) {
        snprintf(why, sizeof why, " (trait %zu of the covstruc, '%s')", t + 1, cs->names[t]);
        if (snprintf(name, sizeof name, "beta.%s", cs->names[t]) >= (int)sizeof name)
            return ks__fail(ctx, KS_EINVAL, "trait name '%.40s...' is too long", cs->names[t]);
        if ((rc = need_col(ctx, s->path, f, nf, name, why, &s->beta_col[t]))) return rc;
        snprintf(name, sizeof name, "se.%s", cs->names[t]);
        if ((rc = need_col(ctx, s->path, f, nf, name, why, &s->se_col[t]))) return rc;
    }
    size_t extra = 0; /* beta.X / se.X columns of no trait: likely a mismatched covstruc */
    for (size_t j = 0; j < nf; j++) {
        if (strncmp(f[j], "beta.", 5) && strncmp(f[j], "se.", 3)) continue;
        int used = 0;
        for (size_t t = 0; t < cs->k && !used; t++)
            used = s->beta_col[t] == (int)j || s->se_col[t] == (int)j;
        extra += !used;
    }
    if (extra)
        ks__log(ctx, KS_LOG_WARN,
                "%s: %zu beta./se. column(s) of traits not in the covstruc are "
                "ignored",
                s->path, extra);
    return KS_OK;
}

int ks__gwas_source_open(ks_ctx *ctx, const char *path, const ks__gwas_covstruc *cs,
                         ks__gwas_source **out)
{
    *out = NULL;
    ks__gwas_source *s;
    int rc = source_new(ctx, cs, &s);
    if (rc) return rc;
    s->path = ks__strdup(ctx, path);
    s->beta_col = ks__malloc_array(ctx, cs->k ? cs->k : 1, sizeof *s->beta_col);
    s->se_col = ks__malloc_array(ctx, cs->k ? cs->k : 1, sizeof *s->se_col);
    if (!s->path || !s->beta_col || !s->se_col) rc = KS_ENOMEM;
    if (!rc) rc = ks_text_open(ctx, path, '\t', &s->r);
    size_t nf = 0, line;
    char *const *f = NULL;
    if (!rc) {
        const int got = ks_text_next(s->r, &nf, &f, &line);
        rc = got < 0 ? got : got == 0 ? ks__fail(ctx, KS_EEMPTY, "%s: empty file", path) : KS_OK;
    }
    if (!rc) { /* the names kept for messages (the reader's buffer moves on) */
        s->head = ks__calloc(ctx, nf, sizeof *s->head);
        rc = s->head ? KS_OK : KS_ENOMEM;
        for (size_t j = 0; !rc && j < nf; j++) {
            s->head[j] = ks__strdup(ctx, f[j]);
            s->nhead = j + 1;
            if (!s->head[j]) rc = KS_ENOMEM;
        }
    }
    if (!rc) rc = map_header(ctx, s, cs, s->head, nf);
    if (rc) {
        ks__gwas_source_free(s);
        return rc;
    }
    *out = s;
    return KS_OK;
}

int ks__gwas_source_sumstats(ks_ctx *ctx, const ks_gsem_sumstats *ss, const ks__gwas_covstruc *cs,
                             ks__gwas_source **out)
{
    *out = NULL;
    ks_gsem_sumstats_view v;
    ks_gsem_sumstats_get(ss, &v);
    if (v.k != cs->k)
        return ks__fail(ctx, KS_EINVAL, "the sumstats result has %zu traits, the covstruc %zu", v.k,
                        cs->k);
    size_t col[KS__GWAS_NTEXT];
    for (int c = 0; c < KS__GWAS_NTEXT; c++) {
        size_t j = 0;
        while (j < v.ncol && strcmp(v.colnames[j], TEXT_NAME[c])) j++;
        if (j == v.ncol)
            return ks__fail(ctx, KS_ENOTFOUND,
                            "the sumstats result has no column '%s' (its "
                            "reference's columns are carried)",
                            TEXT_NAME[c]);
        col[c] = j;
    }
    ks__gwas_source *s;
    const int rc = source_new(ctx, cs, &s);
    if (rc) return rc;
    s->ss = ss;
    memcpy(s->mem_col, col, sizeof col);
    *out = s;
    return KS_OK;
}

int ks__gwas_source_count(ks_ctx *ctx, ks__gwas_source *src, size_t *n)
{
    if (src->ss) {
        ks_gsem_sumstats_view v;
        ks_gsem_sumstats_get(src->ss, &v);
        *n = v.n;
        return KS_OK;
    }
    ks_text_reader *r;
    int rc = ks_text_open(ctx, src->path, '\t', &r);
    if (rc) return rc;
    ks_text_record rec[256];
    size_t got, rows = 0;
    while ((rc = ks_text_batch(r, 256, rec, &got)) == 1) rows += got;
    ks_text_close(r);
    if (rc < 0) return rc;
    *n = rows ? rows - 1 : 0; /* (the header) */
    return KS_OK;
}

int ks__gwas_source_read(ks_ctx *ctx, ks__gwas_source *src, size_t max, size_t *n)
{
    *n = 0;
    if (src->ss) {
        ks_gsem_sumstats_view v;
        ks_gsem_sumstats_get(src->ss, &v);
        const size_t left = v.n - src->mem_next;
        src->mem_first = src->mem_next;
        *n = left < max ? left : max;
        src->mem_next += *n;
        return KS_OK;
    }
    if (src->rec_cap < max) {
        ks_text_record *p = ks__realloc(ctx, src->rec, max * sizeof *p);
        if (!p) return KS_ENOMEM;
        src->rec = p;
        src->rec_cap = max;
    }
    const int rc = ks_text_batch(src->r, max, src->rec, &src->nrec);
    if (rc < 0) return rc;
    if (rc == 0) src->nrec = 0;
    for (size_t j = 0; j < src->nrec; j++)
        if (src->rec[j].nfields != src->nhead)
            return ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, the header has %zu", src->path,
                            src->rec[j].line, src->rec[j].nfields, src->nhead);
    *n = src->nrec;
    return KS_OK;
}

/* s without the blanks around it (in place: the reader's buffer is the caller's until the next
 * batch). */
static char *trim(char *s)
{
    while (*s == ' ') s++;
    size_t l = strlen(s);
    while (l && s[l - 1] == ' ') s[--l] = '\0';
    return s;
}

static int number(ks_ctx *ctx, const ks__gwas_source *s, const ks_text_record *r, int col,
                  double *v)
{
    const char *cell = trim(r->fields[col]);
    const int got = ks__gsem_parse_num(cell, v, NULL);
    if (got == 0) *v = NAN;
    if (got >= 0) return KS_OK;
    return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%.40s' is not a number (column %s)", s->path,
                    r->line, col + 1, cell, s->head[col]);
}

int ks__gwas_source_row(ks_ctx *ctx, const ks__gwas_source *s, size_t j, ks__gwas_row *row,
                        double *beta, double *se)
{
    if (s->ss) {
        ks_gsem_sumstats_view v;
        ks_gsem_sumstats_get(s->ss, &v);
        const size_t i = s->mem_first + j;
        for (int c = 0; c < KS__GWAS_NTEXT; c++) row->text[c] = v.cell[i * v.ncol + s->mem_col[c]];
        row->line = i + 1;
        for (size_t t = 0; t < s->k; t++) {
            beta[t] = v.beta[t * v.n + i];
            se[t] = v.se[t * v.n + i];
        }
        if (ks__gsem_parse_num(row->text[KS__GWAS_MAF], &row->maf, NULL) != 1) row->maf = NAN;
        return KS_OK;
    }
    const ks_text_record *r = &s->rec[j];
    row->line = r->line;
    for (int c = 0; c < KS__GWAS_NTEXT; c++) row->text[c] = trim(r->fields[s->text_col[c]]);
    int rc = number(ctx, s, r, s->text_col[KS__GWAS_MAF], &row->maf);
    for (size_t t = 0; !rc && t < s->k; t++) {
        rc = number(ctx, s, r, s->beta_col[t], &beta[t]);
        if (!rc) rc = number(ctx, s, r, s->se_col[t], &se[t]);
    }
    return rc;
}

void ks__gwas_source_progress(const ks__gwas_source *src, uint64_t *done, uint64_t *total)
{
    *done = *total = 0;
    if (src->r) ks_text_progress(src->r, done, total);
}
