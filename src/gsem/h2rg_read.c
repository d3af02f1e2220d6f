/* h2rg_read.c — the files bulik/ldsc's --h2 and --rg read, read as its parse.py and
 * sumstats.py read them (notes sec. 2.2):
 *  - LD scores PREFIX.l2.ldscore[.gz], whitespace-delimited with a header: CHR, SNP, BP, then every
 *    other column an LD score (MAF and CM dropped when both are there, as upstream's backwards
 *    compatibility does); split by chromosome (`--ref-ld-chr`), the chromosomes 1..22 for which
 *    some file PREFIX<chr>.* exists ('@' in the prefix stands for the number); the rows put in
 *    (CHR, BP) order by a stable sort and the first row of each SNP name kept; several prefixes
 *    side by side, which must list the same SNPs;
 *  - M: the first line of PREFIX.l2.M_5_50 (or .l2.M), summed over the chromosomes present;
 *  - summary statistics `SNP A1 A2 N Z` with pandas' missing-value tokens and '.', short rows
 *    (munge_sumstats.py writes unmatched merge-allele SNPs as a name and empty cells) read as
 *    missing cells, the first row of each SNP kept.
 * A cell that is not a number is an error naming file, line and column. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "h2rg_internal.h"

/* sub_chr: each '@' replaced by the chromosome, or the number appended. */
static int sub_chr(ks_ctx *ctx, const char *prefix, int chr, char *buf, size_t size)
{
    char num[16];
    snprintf(num, sizeof num, "%d", chr);
    size_t k = 0;
    int at = 0;
    for (const char *p = prefix; *p; p++) {
        const char *piece = *p == '@' ? num : NULL;
        const size_t len = piece ? strlen(piece) : 1;
        if (k + len + 1 > size)
            return ks__fail(ctx, KS_EINVAL, "%s: the file name is too long", prefix);
        if (piece) {
            memcpy(buf + k, piece, len);
            at = 1;
        } else {
            buf[k] = *p;
        }
        k += len;
    }
    buf[k] = '\0';
    if (!at) {
        if (k + strlen(num) + 1 > size)
            return ks__fail(ctx, KS_EINVAL, "%s: the file name is too long", prefix);
        strcat(buf, num);
    }
    return KS_OK;
}

/* The chromosomes 1..22 for which PREFIX<chr>.* exists (upstream's get_present_chrs). */
static int present_chrs(ks_ctx *ctx, const char *prefix, int *chrs, int *nc)
{
    *nc = 0;
    for (int c = 1; c <= KS__GSEM_N_CHR; c++) {
        char pat[4096];
        int rc = sub_chr(ctx, prefix, c, pat, sizeof pat - 2);
        if (rc) return rc;
        strcat(pat, ".*");
        glob_t g;
        const int gr = glob(pat, 0, NULL, &g);
        if (gr == 0 && g.gl_pathc > 0) chrs[(*nc)++] = c;
        if (gr != GLOB_NOMATCH) globfree(&g);
    }
    if (!*nc)
        return ks__fail(ctx, KS_EIO, "%s: no file for any of chromosomes 1..22 (%s)", prefix,
                       strchr(prefix, '@') ? "'@' standing for the number" : "the number appended");
    return KS_OK;
}

/* Upstream's which_compression: PREFIX.bz2, .gz or the plain name; kestrel reads gzip and plain
 * text (a .bz2 alone is an error). *ext gets "" or ".gz". */
static int which_file(ks_ctx *ctx, const char *base, const char **ext)
{
    char p[4200];
    snprintf(p, sizeof p, "%s.gz", base);
    if (access(p, R_OK) == 0) {
        *ext = ".gz";
        return KS_OK;
    }
    if (access(base, R_OK) == 0) {
        *ext = "";
        return KS_OK;
    }
    snprintf(p, sizeof p, "%s.bz2", base);
    if (access(p, R_OK) == 0)
        return ks__fail(ctx, KS_EIO, "%s: bzip2 files are not read (decompress it, or gzip it)", p);
    return ks__fail(ctx, KS_EIO, "could not open %s[.gz]", base);
}

/* The rows of one file set as read, before ordering. */
typedef struct {
    size_t n, p, alen;
    size_t cap_off, cap_chr, cap_bp, cap_ld, cap_arena;
    char *arena;
    size_t *off;
    double *chr, *bp, *ld; /* ld: row-major n x p */
    char **names;          /* p */
} raw_ld;

typedef struct {
    ks_ctx *ctx;
    const char *path;
    raw_ld *r;
    ks__ldscore_cols cols; /* r's columns, the first file's once its header is read */
} raw_fill;

static void raw_free(ks_ctx *ctx, raw_ld *r)
{
    ks__free(ctx, r->arena);
    ks__free(ctx, r->off);
    ks__free(ctx, r->chr);
    ks__free(ctx, r->bp);
    ks__free(ctx, r->ld);
    for (size_t j = 0; r->names && j < r->p; j++) ks__free(ctx, r->names[j]);
    ks__free(ctx, r->names);
    memset(r, 0, sizeof *r);
}

/* One row into r: its name, position and scores. */
static int raw_row_add(void *arg, const char *snp, const double *v, size_t line)
{
    (void)line;
    const raw_fill *F = arg;
    raw_ld *r = F->r;
    ks_ctx *ctx = F->ctx;
    r->p = F->cols.p;
    const size_t i = r->n, len = strlen(snp) + 1;
    size_t need;
    if (!ks__size_mul(i + 1, r->p, &need))
        return ks__fail(ctx, KS_EOVERFLOW, "%s: too many rows", F->path);
    int rc;
    if ((rc = ks__grow(ctx, (void **)&r->off, &r->cap_off, i + 1, sizeof *r->off)) ||
        (rc = ks__grow(ctx, (void **)&r->chr, &r->cap_chr, i + 1, sizeof *r->chr)) ||
        (rc = ks__grow(ctx, (void **)&r->bp, &r->cap_bp, i + 1, sizeof *r->bp)) ||
        (rc = ks__grow(ctx, (void **)&r->ld, &r->cap_ld, need, sizeof *r->ld)) ||
        (rc = ks__grow(ctx, (void **)&r->arena, &r->cap_arena, r->alen + len, 1)))
        return rc;
    r->chr[i] = v[0];
    r->bp[i] = v[1];
    memcpy(r->ld + i * r->p, v + 2, r->p * sizeof *v);
    memcpy(r->arena + r->alen, snp, len);
    r->off[i] = r->alen;
    r->alen += len;
    r->n++;
    return KS_OK;
}

/* Append one .l2.ldscore file to r, as ldsc's parse.py reads it: blank-separated, every column
 * but CHR, SNP, BP (and MAF, CM) a score (the first file fixes them; the others must have them,
 * by name). */
static int raw_read_file(ks_ctx *ctx, const char *path, raw_ld *r)
{
    static const ks__ldscore_spec sp = {0, KS__LD_ALL, 0, NULL};
    raw_fill F = {ctx, path, r, {r->names, r->p}};
    const int rc = ks__ldscore_file_read(ctx, path, &sp, &F.cols, raw_row_add, &F);
    r->names = F.cols.names; /* (the first file's, kept also after an error: raw_free frees them) */
    r->p = F.cols.p;
    return rc;
}

static int cmp_pos(const void *a, const void *b, void *ud)
{
    const raw_ld *r = ud;
    const size_t i = *(const size_t *)a, j = *(const size_t *)b;
    if (r->chr[i] != r->chr[j]) return r->chr[i] < r->chr[j] ? -1 : 1;
    if (r->bp[i] != r->bp[j]) return r->bp[i] < r->bp[j] ? -1 : 1;
    return (i > j) - (i < j); /* stable, as pandas' multi-key sort */
}

void ks__ldscore_free(const ks_allocator *a, ks__ldscore_set *s)
{
    ks__release(a, s->arena);
    ks__release(a, s->snp);
    ks__release(a, s->ld);
    for (size_t j = 0; s->names && j < s->p; j++) ks__release(a, s->names[j]);
    ks__release(a, s->names);
    ks__index_free(a, &s->index);
    memset(s, 0, sizeof *s);
}

/* r (consumed) in (CHR, BP) order with the first row of each name: the set. */
static int raw_to_set(ks_ctx *ctx, raw_ld *r, ks__ldscore_set *s)
{
    memset(s, 0, sizeof *s);
    const size_t n = r->n, p = r->p;
    size_t *ord = ks__malloc_array(ctx, n ? n : 1, sizeof *ord);
    const char **name = ks__malloc_array(ctx, n ? n : 1, sizeof *name);
    ks__index ix = {0};
    int rc = !ord || !name ? KS_ENOMEM : KS_OK;
    if (!rc) {
        for (size_t i = 0; i < n; i++) ord[i] = i;
        qsort_r(ord, n, sizeof *ord, cmp_pos, r);
        for (size_t k = 0; k < n; k++) name[k] = r->arena + r->off[ord[k]];
        rc = ks__index_build(ctx, name, n, &ix);
    }
    size_t m = 0;
    for (size_t k = 0; !rc && k < n; k++) m += ks__index_find(&ix, name[k]) == (int64_t)k;
    if (!rc && (!(s->snp = ks__malloc_array(ctx, m ? m : 1, sizeof *s->snp)) ||
                !(s->ld = ks__malloc_array(ctx, (m ? m : 1) * p, sizeof *s->ld))))
        rc = KS_ENOMEM;
    if (!rc) {
        size_t q = 0;
        for (size_t k = 0; k < n; k++) {
            if (ks__index_find(&ix, name[k]) != (int64_t)k) continue;
            s->snp[q] = name[k];
            for (size_t j = 0; j < p; j++) s->ld[j * m + q] = r->ld[ord[k] * p + j];
            q++;
        }
        s->n = m;
        s->p = p;
        s->arena = r->arena; /* the names stay where they are */
        s->names = r->names;
        r->arena = NULL;
        r->names = NULL;
        r->p = 0;
    }
    ks__index_free(&ctx->alloc, &ix);
    ks__free(ctx, ord);
    ks__free(ctx, name);
    raw_free(ctx, r);
    if (rc) ks__ldscore_free(&ctx->alloc, s);
    return rc;
}

/* One prefix: its file, or its chromosomes' files. */
static int read_prefix(ks_ctx *ctx, const char *prefix, int by_chr, ks__ldscore_set *s)
{
    raw_ld r;
    memset(&r, 0, sizeof r);
    int chrs[KS__GSEM_N_CHR], nc = 1, rc = KS_OK;
    const char *ext = "";
    char base[4096], path[4200];
    if (by_chr) {
        if ((rc = present_chrs(ctx, prefix, chrs, &nc))) return rc;
    }
    for (int c = 0; c < nc && !rc; c++) {
        if (by_chr)
            rc = sub_chr(ctx, prefix, chrs[c], base, sizeof base - 16);
        else
            snprintf(base, sizeof base, "%s", prefix);
        if (rc) break;
        strcat(base, KS__GSEM_LDSCORE);
        if (c == 0 && (rc = which_file(ctx, base, &ext))) break; /* the first decides */
        snprintf(path, sizeof path, "%s%s", base, ext);
        rc = raw_read_file(ctx, path, &r);
    }
    if (rc) {
        raw_free(ctx, &r);
        return rc;
    }
    return raw_to_set(ctx, &r, s);
}

int ks__ldscore_read(ks_ctx *ctx, const char *list, int by_chr, const char *what, ks__ldscore_set *out)
{
    memset(out, 0, sizeof *out);
    char *buf = ks__strdup(ctx, list);
    if (!buf) return KS_ENOMEM;
    int rc = KS_OK;
    size_t nset = 0;
    ks__ldscore_set acc; /* the columns so far */
    memset(&acc, 0, sizeof acc);
    char *save = NULL;
    for (char *pre = strtok_r(buf, ",", &save); pre && !rc; pre = strtok_r(NULL, ",", &save)) {
        ks__ldscore_set s;
        if ((rc = read_prefix(ctx, pre, by_chr, &s))) break;
        for (size_t j = 0; j < s.p && !rc; j++) { /* upstream's names: <column>_<file index> */
            const size_t len = strlen(s.names[j]) + 24;
            char *nm = ks__malloc(ctx, len);
            if (!nm) {
                rc = KS_ENOMEM;
                break;
            }
            snprintf(nm, len, "%s_%zu", s.names[j], nset);
            ks__free(ctx, s.names[j]);
            s.names[j] = nm;
        }
        if (!rc && nset == 0) {
            acc = s;
            nset++;
            continue;
        }
        if (!rc) {
            int same = s.n == acc.n;
            for (size_t i = 0; same && i < s.n; i++) same = !strcmp(s.snp[i], acc.snp[i]);
            if (!same)
                rc = ks__fail(ctx, KS_EINVAL,
                             "%s: the LD scores of %s list other SNPs than those of the first "
                             "prefix (side by side they must list the same SNPs in the same order)",
                             what, pre);
        }
        const size_t p = acc.p + s.p;
        double *ld = rc ? NULL : ks__malloc_array(ctx, (acc.n ? acc.n : 1) * p, sizeof *ld);
        char **names = rc ? NULL : ks__calloc(ctx, p, sizeof *names);
        if (!rc && (!ld || !names)) rc = KS_ENOMEM;
        if (!rc) { /* the columns side by side; the names move over */
            memcpy(ld, acc.ld, acc.n * acc.p * sizeof *ld);
            memcpy(ld + acc.n * acc.p, s.ld, s.n * s.p * sizeof *ld);
            memcpy(names, acc.names, acc.p * sizeof *names);
            memcpy(names + acc.p, s.names, s.p * sizeof *names);
            ks__free(ctx, acc.ld);
            ks__free(ctx, acc.names);
            ks__free(ctx, s.names);
            s.names = NULL;
            s.p = 0;
            acc.ld = ld;
            acc.names = names;
            acc.p = p;
            ld = NULL;
            names = NULL;
        }
        ks__free(ctx, ld);
        ks__free(ctx, names);
        ks__ldscore_free(&ctx->alloc, &s);
        nset++;
    }
    ks__free(ctx, buf);
    if (!rc && !nset) rc = ks__fail(ctx, KS_EINVAL, "%s: no file prefix", what);
    if (!rc) rc = ks__index_build(ctx, acc.snp, acc.n, &acc.index);
    if (rc) {
        ks__ldscore_free(&ctx->alloc, &acc);
        return rc;
    }
    *out = acc;
    return KS_OK;
}

int ks__ldscore_read_M(ks_ctx *ctx, const char *list, int by_chr, int not_5_50, double **M, size_t *nM)
{
    *M = NULL;
    *nM = 0;
    const char *suffix = not_5_50 ? KS__GSEM_M_ALL : KS__GSEM_M_5_50;
    char *buf = ks__strdup(ctx, list);
    if (!buf) return KS_ENOMEM;
    int rc = KS_OK;
    size_t cap = 0;
    char *save = NULL;
    for (char *pre = strtok_r(buf, ",", &save); pre && !rc; pre = strtok_r(NULL, ",", &save)) {
        int chrs[KS__GSEM_N_CHR], nc = 1;
        if (by_chr && (rc = present_chrs(ctx, pre, chrs, &nc))) break;
        double *sum = NULL;
        size_t ns = 0;
        char first[4200] = "";
        for (int c = 0; c < nc && !rc; c++) {
            char path[4200];
            if (by_chr) {
                if (!(rc = sub_chr(ctx, pre, chrs[c], path, sizeof path - 16)))
                    strcat(path, suffix);
            } else {
                snprintf(path, sizeof path, "%s%s", pre, suffix);
            }
            double *v = NULL;
            size_t n = 0;
            if (rc || (rc = ks__gsem_m_read(ctx, path, 1, 0, &v, &n))) break;
            if (!sum) {
                sum = v;
                ns = n;
                snprintf(first, sizeof first, "%s", path);
                continue;
            }
            if (n != ns)
                rc = ks__fail(ctx, KS_EPARSE, "%s: %zu numbers, %s has %zu", path, n, first, ns);
            for (size_t j = 0; j < ns && !rc; j++) sum[j] += v[j];
            ks__free(ctx, v);
        }
        if (!rc && (rc = ks__grow(ctx, (void **)M, &cap, *nM + ns, sizeof **M)) == KS_OK) {
            memcpy(*M + *nM, sum, ns * sizeof *sum);
            *nM += ns;
        }
        ks__free(ctx, sum);
    }
    ks__free(ctx, buf);
    if (rc) {
        ks__free(ctx, *M);
        *M = NULL;
        *nM = 0;
    }
    return rc;
}

int ks__ldscore_drop_constant(ks_ctx *ctx, ks__ldscore_set *s, double *M, size_t *removed)
{
    /* pandas' var() is 0 exactly when a column holds one value (one row: NaN, kept) */
    size_t keep = 0;
    *removed = 0;
    for (size_t j = 0; j < s->p; j++) {
        const double *c = s->ld + j * s->n;
        int constant = s->n >= 2;
        for (size_t i = 1; constant && i < s->n; i++) constant = c[i] == c[0];
        if (constant) {
            ks__free(ctx, s->names[j]);
            ++*removed;
            continue;
        }
        if (keep != j) {
            memmove(s->ld + keep * s->n, c, s->n * sizeof *c);
            s->names[keep] = s->names[j];
            M[keep] = M[j];
        }
        keep++;
    }
    const size_t p0 = s->p;
    s->p = keep;
    if (!keep) return ks__fail(ctx, KS_EINVAL, "all %zu LD score columns have zero variance", p0);
    return KS_OK;
}

void ks__h2rg_sumstats_free(const ks_allocator *a, ks__h2rg_sumstats *s)
{
    ks__release(a, s->arena);
    ks__release(a, s->snp);
    ks__release(a, s->Z);
    ks__release(a, s->N);
    ks__release(a, s->a1);
    ks__release(a, s->a2);
    ks__release(a, s->na);
    ks__index_free(a, &s->index);
    memset(s, 0, sizeof *s);
}

static char allele_code(const char *s)
{
    if (ks__gsem_is_na(s, KS__NA_PANDAS)) return 0;
    if (s[0] && !s[1] && strchr("ACGT", s[0])) return s[0];
    return 'x';
}

/* The rows as read, before the first copy of each SNP is kept. */
typedef struct {
    ks_ctx *ctx;
    ks__h2rg_sumstats *out;
    int alleles, dropna;
    size_t n, alen, *off;
    size_t c_off, c_z, c_n, c_a1, c_a2, c_na, c_ar;
} sumstats_fill;

static int sumstats_row(void *arg, const ks__munged_row *row, int64_t k)
{
    (void)k;
    sumstats_fill *F = arg;
    ks__h2rg_sumstats *out = F->out;
    ks_ctx *ctx = F->ctx;
    if (row->na && F->dropna) return KS_OK;
    const size_t n = F->n, len = strlen(row->snp) + 1; /* (a missing name matches no SNP) */
    int rc;
    if ((rc = ks__grow(ctx, (void **)&F->off, &F->c_off, n + 1, sizeof *F->off)) ||
        (rc = ks__grow(ctx, (void **)&out->Z, &F->c_z, n + 1, sizeof *out->Z)) ||
        (rc = ks__grow(ctx, (void **)&out->N, &F->c_n, n + 1, sizeof *out->N)) ||
        (rc = ks__grow(ctx, (void **)&out->na, &F->c_na, n + 1, 1)) ||
        (rc = ks__grow(ctx, (void **)&out->arena, &F->c_ar, F->alen + len, 1)))
        return rc;
    if (F->alleles && ((rc = ks__grow(ctx, (void **)&out->a1, &F->c_a1, n + 1, 1)) ||
                       (rc = ks__grow(ctx, (void **)&out->a2, &F->c_a2, n + 1, 1))))
        return rc;
    memcpy(out->arena + F->alen, row->snp, len);
    F->off[n] = F->alen;
    F->alen += len;
    out->Z[n] = row->Z;
    out->N[n] = row->N;
    out->na[n] = (unsigned char)row->na;
    if (F->alleles) {
        out->a1[n] = allele_code(row->a1);
        out->a2[n] = allele_code(row->a2);
    }
    F->n++;
    return KS_OK;
}

int ks__h2rg_sumstats_read(ks_ctx *ctx, const char *path, int alleles, int dropna, ks__h2rg_sumstats *out)
{
    memset(out, 0, sizeof *out);
    sumstats_fill F = {ctx, out, alleles, dropna, 0, 0, NULL, 0, 0, 0, 0, 0, 0, 0};
    const ks__munged_spec sp = {KS__MUNGED_LDSC, alleles};
    int rc = ks__munged_read(ctx, path, &sp, NULL, sumstats_row, &F);
    const size_t n = F.n;
    size_t *off = F.off;
    out->read = n;
    /* the first row of each SNP (drop_duplicates), compacted in place */
    const char **name = rc ? NULL : ks__malloc_array(ctx, n ? n : 1, sizeof *name);
    if (!rc && !name) rc = KS_ENOMEM;
    ks__index ix = {0};
    if (!rc) {
        for (size_t i = 0; i < n; i++) name[i] = out->arena + off[i];
        rc = ks__index_build(ctx, name, n, &ix);
    }
    size_t m = 0;
    for (size_t i = 0; !rc && i < n; i++) {
        if (ks__index_find(&ix, name[i]) != (int64_t)i) continue;
        name[m] = name[i];
        out->Z[m] = out->Z[i];
        out->N[m] = out->N[i];
        out->na[m] = out->na[i];
        if (alleles) {
            out->a1[m] = out->a1[i];
            out->a2[m] = out->a2[i];
        }
        m++;
    }
    ks__index_free(&ctx->alloc, &ix);
    ks__free(ctx, off);
    if (!rc) {
        out->n = m;
        out->dup = n - m;
        out->snp = name;
        rc = ks__index_build(ctx, out->snp, m, &out->index);
    } else {
        ks__free(ctx, name);
    }
    if (rc) ks__h2rg_sumstats_free(&ctx->alloc, out);
    return rc;
}
