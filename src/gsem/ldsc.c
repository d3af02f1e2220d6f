/* ldsc.c — GenomicSEM's ldsc() (notes/genomicsem.md sec. 1.5), written from its documented
 * arithmetic so that S, V and I agree with R to rounding: R's means, sums and covariances are
 * accumulated in long double (two passes for means), its matrix products and element-wise
 * operations in double in the same order, and its 2 x 2 solve is LAPACK's (the pivot's
 * reciprocal multiplied in). Each regression: y (chi-square, or Z_j Z_k for a pair) on
 * [L2, 1], rows weighted by sqrt(w) / sum sqrt(w) with w the heteroscedasticity weight at the
 * aggregate h2 over max(wLD, 1); a pair's weights are the two traits' sqrt weights averaged (R's
 * partial matching of `weights` to `weights_cov` makes both X and y use them); the estimate and
 * the 200 delete-one estimates of contiguous equal-count blocks give the pseudo-values whose
 * covariance is V. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>


#include "base/simd.h"
#include "gsem_internal.h"
#include "ldsc_result.h"
#include "linalg/linalg_internal.h"

typedef long double ld_t;

/* R's cov() of the columns of X (n x p, column-major) into C (p x p). */
static void r_cov(const double *X, size_t n, size_t p, double *C, double *mean)
{
    for (size_t j = 0; j < p; j++) {
        const double *x = X + j * n;
        ld_t s = 0.0L;
        for (size_t i = 0; i < n; i++) s += x[i];
        ld_t t = s / (ld_t)n;
        if (isfinite((double)t)) {
            s = 0.0L;
            for (size_t i = 0; i < n; i++) s += x[i] - t;
            t = t + s / (ld_t)n;
        }
        mean[j] = (double)t;
    }
    for (size_t a = 0; a < p; a++)
        for (size_t b = 0; b <= a; b++) {
            const double *x = X + a * n, *y = X + b * n, xm = mean[a], ym = mean[b];
            ld_t s = 0.0L;
            for (size_t i = 0; i < n; i++) s += (x[i] - xm) * (y[i] - ym);
            C[a + b * p] = C[b + a * p] = (double)(s / (ld_t)(n - 1));
        }
}

/* One regression of y on [L2, 1] with row weights sw / tot (R's normalised weights): the
 * estimate (slope, intercept) and the pseudo-values of the slope (nb) and of both for the
 * jackknife SEs. */
typedef struct {
    double reg[2], slope_se, intercept_se;
} regfit;

static int regress(ks_ctx *ctx, const double *l2, const double *y, const double *sw,
                   double tot, size_t n, size_t nb, double *pseudo_slope, regfit *fit)
{
    double *blk = ks__malloc_array(ctx, nb, 6 * sizeof *blk); /* xty (2), xtx (4) per block */
    double *pseudo = ks__malloc_array(ctx, nb, 2 * sizeof *pseudo);
    if (!blk || !pseudo) {
        ks__free(ctx, blk);
        ks__free(ctx, pseudo);
        return KS_ENOMEM;
    }
    /* blocks: floor(seq(1, n, length.out = nb + 1)) (R: from, from + i by, to) */
    const double by = ((double)n - 1.0) / (double)nb;
    size_t from = 1;
    for (size_t b = 0; b < nb; b++) {
        const size_t nextf = b + 1 == nb ? n + 1 : (size_t)floor(1.0 + (double)(b + 1) * by);
        const size_t to = b + 1 == nb ? n : nextf - 1;
        double xty0 = 0, xty1 = 0, x00 = 0, x01 = 0, x11 = 0;
        for (size_t i = from - 1; i < to; i++) {
            const double wr = sw[i] / tot, c0 = l2[i] * wr, yy = y[i] * wr, c1 = wr;
            xty0 += c0 * yy;
            xty1 += c1 * yy;
            x00 += c0 * c0;
            x01 += c0 * c1;
            x11 += c1 * c1;
        }
        double *q = blk + 6 * b;
        q[0] = xty0;
        q[1] = xty1;
        q[2] = x00;
        q[3] = x01; /* xtx[2,1] */
        q[4] = x01; /* xtx[1,2] */
        q[5] = x11;
        from = nextf;
    }
    double xty[2], xtx[4];
    for (int c = 0; c < 6; c++) {
        ld_t s = 0.0L;
        for (size_t b = 0; b < nb; b++) s += blk[6 * b + c];
        if (c < 2)
            xty[c] = (double)s;
        else
            xtx[c - 2] = (double)s;
    }
    ks__solve2(xtx, xty, fit->reg);
    for (size_t b = 0; b < nb; b++) {
        const double *q = blk + 6 * b;
        const double dy[2] = {xty[0] - q[0], xty[1] - q[1]};
        const double dx[4] = {xtx[0] - q[2], xtx[1] - q[3], xtx[2] - q[4], xtx[3] - q[5]};
        double del[2];
        ks__solve2(dx, dy, del);
        for (int c = 0; c < 2; c++)
            pseudo[c * nb + b] = (double)nb * fit->reg[c] - (double)(nb - 1) * del[c];
    }
    memcpy(pseudo_slope, pseudo, nb * sizeof *pseudo);
    double C[4], mean[2];
    r_cov(pseudo, nb, 2, C, mean);
    fit->slope_se = sqrt(C[0] / (double)nb);
    fit->intercept_se = sqrt(C[3] / (double)nb);
    ks__free(ctx, blk);
    ks__free(ctx, pseudo);
    return KS_OK;
}

/* One chromosome's LD file as read: per row CHR, BP, the score and the name (in an arena). */
typedef struct {
    int64_t chr, bp;
    double l2;
    const char *name;
} ldrow;

enum { LDBLOCK = 1 << 17 }; /* rows in blocks, so that a file's rows are never copied to grow */

typedef struct {
    size_t n, nblk;
    ldrow **blk;    /* row i: blk[i / LDBLOCK][i % LDBLOCK] */
    char **arena;   /* the names, in arenas of at least LDBLOCK bytes (the last one filling) */
    size_t narena;
} ldpart;

static const ldrow *ldpart_row(const ldpart *p, size_t i) { return &p->blk[i / LDBLOCK][i % LDBLOCK]; }

static void ldpart_rows_free(ks_ctx *ctx, ldpart *p)
{
    for (size_t b = 0; p->blk && b < p->nblk; b++) ks__free(ctx, p->blk[b]);
    ks__free(ctx, p->blk);
    p->blk = NULL;
    p->nblk = 0;
}

/* The LD scores: the chromosomes' files in their order, a SNP's name (in its file's arena),
 * L2 (or wLD) and position rank. */
typedef struct {
    size_t n, nparts;
    ldpart *part; /* the files' names (their rows are let go once read) */
    const char **snp;
    double *l2;
    uint32_t *pos; /* each row's rank by (CHR, BP), equal positions equal ranks */
    ks__index index;
} ldset;

static void ldset_free(ks_ctx *ctx, ldset *s)
{
    for (size_t c = 0; s->part && c < s->nparts; c++) {
        ldpart *p = &s->part[c];
        for (size_t a = 0; p->arena && a < p->narena; a++) ks__free(ctx, p->arena[a]);
        ks__free(ctx, p->arena);
        ldpart_rows_free(ctx, p);
    }
    ks__free(ctx, s->part);
    ks__free(ctx, s->snp);
    ks__free(ctx, s->l2);
    ks__free(ctx, s->pos);
    ks__index_free(&ctx->alloc, &s->index);
    memset(s, 0, sizeof *s);
}

static int cmp_ldpos(const void *a, const void *b, void *ctx)
{
    const uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const ldrow *const *at = ctx, *x = at[i], *y = at[j];
    if (x->chr != y->chr) return x->chr < y->chr ? -1 : 1;
    if (x->bp != y->bp) return x->bp < y->bp ? -1 : 1;
    return (i > j) - (i < j);
}

/* pos: the rows' ranks by (CHR, BP), so that a trait's rows are put in R's order(CHR, BP) by
 * a stable counting sort. Files in order (the usual case) are ranked as they are read;
 * others are sorted first. */
static int rank_positions(ks_ctx *ctx, ldset *s)
{
    const ldrow *prev = NULL;
    uint32_t r = 0;
    int sorted = 1;
    for (size_t c = 0, i = 0; sorted && c < s->nparts; c++)
        for (size_t q = 0; sorted && q < s->part[c].n; q++, i++) {
            const ldrow *w = ldpart_row(&s->part[c], q);
            if (prev && (w->chr < prev->chr || (w->chr == prev->chr && w->bp < prev->bp)))
                sorted = 0;
            else if (prev && (w->chr != prev->chr || w->bp != prev->bp))
                r++;
            s->pos[i] = r;
            prev = w;
        }
    if (sorted) return KS_OK;
    uint32_t *ord = ks__malloc_array(ctx, s->n, sizeof *ord);
    const ldrow **at = ks__malloc_array(ctx, s->n, sizeof *at);
    if (!ord || !at) {
        ks__free(ctx, ord);
        ks__free(ctx, at);
        return KS_ENOMEM;
    }
    for (size_t c = 0, i = 0; c < s->nparts; c++)
        for (size_t q = 0; q < s->part[c].n; q++, i++) {
            ord[i] = (uint32_t)i;
            at[i] = ldpart_row(&s->part[c], q);
        }
    qsort_r(ord, s->n, sizeof *ord, cmp_ldpos, at);
    r = 0;
    for (size_t k = 0; k < s->n; k++) {
        const ldrow *w = at[ord[k]], *v = k ? at[ord[k - 1]] : NULL;
        if (v && (w->chr != v->chr || w->bp != v->bp)) r++;
        s->pos[ord[k]] = r;
    }
    ks__free(ctx, ord);
    ks__free(ctx, at);
    return KS_OK;
}

typedef struct {
    const char *dir;
    const int *chrs;
    int last;
    ldpart *part;
} ldread_job;

/* CHR or BP as an integer: NaN or a value beyond int64 becomes INT64_MIN, what x86's conversion
 * gave before (C leaves that conversion undefined); whether such a row is an error is left to
 * ldsc's own rules. */
static int64_t ld_int(double x) { return x >= -0x1p63 && x < 0x1p63 ? (int64_t)x : INT64_MIN; }

/* One file's rows into its part: CHR, BP, the score, and the name (in the part's arenas). */
typedef struct {
    ks_ctx *ctx;
    ldpart *s;
    size_t bcap, pcap; /* (of the block and arena pointers) */
    size_t alen, acap; /* the last arena's bytes used and held */
} ldpart_fill;

static int ldpart_row_add(void *arg, const char *snp, const double *v, size_t line)
{
    (void)line;
    ldpart_fill *F = arg;
    ldpart *s = F->s;
    const size_t len = strlen(snp) + 1, i = s->n;
    int rc;
    if (i % LDBLOCK == 0) { /* a new block of rows */
        if ((rc = ks__grow(F->ctx, (void **)&s->blk, &F->bcap, s->nblk + 1, sizeof *s->blk)))
            return rc;
        if (!(s->blk[s->nblk] = ks__malloc_array(F->ctx, LDBLOCK, sizeof **s->blk)))
            return KS_ENOMEM;
        ks__huge_pages(s->blk[s->nblk], LDBLOCK * sizeof **s->blk);
        s->nblk++;
    }
    if (!s->narena || F->alen + len > F->acap) { /* a new arena */
        if ((rc = ks__grow(F->ctx, (void **)&s->arena, &F->pcap, s->narena + 1, sizeof *s->arena)))
            return rc;
        F->acap = len > LDBLOCK ? len : LDBLOCK;
        if (!(s->arena[s->narena] = ks__malloc(F->ctx, F->acap))) return KS_ENOMEM;
        s->narena++;
        F->alen = 0;
    }
    char *name = s->arena[s->narena - 1] + F->alen;
    memcpy(name, snp, len);
    s->blk[i / LDBLOCK][i % LDBLOCK] = (ldrow){ld_int(v[0]), ld_int(v[1]), v[2], name};
    F->alen += len;
    s->n++;
    return KS_OK;
}

/* `<dir>/<chr>.l2.ldscore.gz`, streamed (CHR, SNP, BP and the score: L2, or with last the
 * file's last column, the weights), as ldsc.R reads it: tab-separated, positions and scores
 * > 0 checked. */
static int ldpart_read(ks_ctx *ctx, size_t c, int tid, void *arg)
{
    (void)tid;
    const ldread_job *J = arg;
    char path[4096];
    snprintf(path, sizeof path, "%s/%d" KS__GSEM_LDSCORE ".gz", J->dir, J->chrs[c]);
    const ks__ldscore_spec sp = {'\t', J->last ? KS__LD_LAST : KS__LD_L2, 1,
                                 J->last ? "wLD" : "L2"};
    ks__ldscore_cols cols = {NULL, 0};
    ldpart_fill F = {ctx, &J->part[c], 0, 0, 0, 0};
    return ks__ldscore_file_read(ctx, path, &sp, &cols, ldpart_row_add, &F);
}

/* m: `<dir>/<chr>.l2.M_5_50`'s numbers added to *M, each a count > 0. */
static int read_m(ks_ctx *ctx, const char *dir, int chr, double *M)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%d" KS__GSEM_M_5_50, dir, chr);
    double *v;
    size_t n;
    const int rc = ks__gsem_m_read(ctx, path, 0, 1, &v, &n);
    for (size_t j = 0; !rc && j < n; j++) *M += v[j];
    if (!rc) ks__free(ctx, v);
    return rc;
}

/* The chromosomes' LD files (read in parallel), in their order, in one set with its index. */
static int ldset_read(ks_ctx *ctx, const char *dir, const int *chrs, size_t nc, int last, ldset *s)
{
    memset(s, 0, sizeof *s);
    s->part = ks__calloc(ctx, nc ? nc : 1, sizeof *s->part);
    if (!s->part) return KS_ENOMEM;
    s->nparts = nc;
    ldread_job job = {dir, chrs, last, s->part};
    uint64_t bytes = 0;
    for (size_t c = 0; c < nc; c++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%d" KS__GSEM_LDSCORE ".gz", dir, chrs[c]);
        const char *p = path;
        bytes += ks__gsem_file_bytes(&p, 1);
    }
    int rc = ks__parallel_each(ctx, nc, ks__gsem_read_ns(bytes), ldpart_read, &job, NULL);
    size_t n = 0;
    for (size_t c = 0; c < nc; c++) n += s->part[c].n;
    if (!rc && n >= UINT32_MAX)
        rc = ks__fail(ctx, KS_EINVAL, "%s: %zu LD score rows are too many", dir, n);
    s->n = n;
    if (!rc) {
        s->snp = ks__malloc_array(ctx, n ? n : 1, sizeof *s->snp);
        s->l2 = ks__malloc_array(ctx, n ? n : 1, sizeof *s->l2);
        s->pos = ks__malloc_array(ctx, n ? n : 1, sizeof *s->pos);
        if (!s->snp || !s->l2 || !s->pos) rc = KS_ENOMEM;
    }
    if (!rc) {
        ks__huge_pages(s->snp, n * sizeof *s->snp); /* (fewer page faults) */
        ks__huge_pages(s->l2, n * sizeof *s->l2);
        ks__huge_pages(s->pos, n * sizeof *s->pos);
    }
    for (size_t c = 0, i = 0; !rc && c < nc; c++)
        for (size_t q = 0; q < s->part[c].n; q++, i++) {
            const ldrow *w = ldpart_row(&s->part[c], q);
            s->snp[i] = w->name;
            s->l2[i] = w->l2;
        }
    if (!rc) rc = ks__index_build(ctx, s->snp, s->n, &s->index);
    if (!rc) rc = rank_positions(ctx, s);
    for (size_t c = 0; c < nc; c++) ldpart_rows_free(ctx, &s->part[c]); /* (in snp, l2, pos now) */
    if (rc) ldset_free(ctx, s);
    return rc;
}

/* One trait's SNPs after the merge with the LD scores, in (CHR, BP) order, after its
 * chi-square filter, with their scores (the regressions read them in this order). */
typedef struct {
    size_t n;
    int64_t *a1;  /* A1's text as a key (ks__gsem_allele_key) */
    uint32_t *ld; /* each row's SNP as its row in the LD scores (rows of one SNP adjacent) */
    double *N, *Z;
    double *wl; /* with separate weights, each row's weight LD score (else NULL) */
} trait;

static void trait_free(ks_ctx *ctx, trait *t)
{
    ks__free(ctx, t->ld);
    ks__free(ctx, t->a1);
    ks__free(ctx, t->N);
    ks__free(ctx, t->Z);
    ks__free(ctx, t->wl);
    memset(t, 0, sizeof *t);
}

typedef struct {
    uint32_t ld, w; /* the SNP's rows in the LD scores and weights */
    double N, Z;
    int64_t a1;
} order_key;

/* The rows with Z^2 <= cmax into the trait, by position, stably (R's order(CHR, BP) keeps the
 * merged order of ties; the filter commutes with the sort): a counting sort over the position
 * ranks of L's rows, straight into the trait's arrays. */
static int sort_positions(ks_ctx *ctx, const order_key *k, size_t n, const ldset *L,
                          const ldset *W, double cmax, trait *t)
{
    const uint32_t *pos = L->pos;
    uint32_t *start = ks__calloc(ctx, L->n + 1, sizeof *start);
    if (!start) return KS_ENOMEM;
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!(k[i].Z * k[i].Z > cmax)) {
            start[pos[k[i].ld] + 1]++;
            m++;
        }
    const size_t m1 = m ? m : 1;
    t->ld = ks__malloc_array(ctx, m1, sizeof *t->ld);
    t->a1 = ks__malloc_array(ctx, m1, sizeof *t->a1);
    t->N = ks__malloc_array(ctx, m1, sizeof *t->N);
    t->Z = ks__malloc_array(ctx, m1, sizeof *t->Z);
    t->wl = W == L ? NULL : ks__malloc_array(ctx, m1, sizeof *t->wl);
    if (!t->ld || !t->a1 || !t->N || !t->Z || (W != L && !t->wl)) {
        ks__free(ctx, start);
        return KS_ENOMEM;
    }
    ks__huge_pages(t->ld, m * sizeof *t->ld); /* (fewer page faults) */
    ks__huge_pages(t->a1, m * sizeof *t->a1);
    ks__huge_pages(t->N, m * sizeof *t->N);
    ks__huge_pages(t->Z, m * sizeof *t->Z);
    if (W != L) ks__huge_pages(t->wl, m * sizeof *t->wl);
    for (size_t p = 0; p < L->n; p++) start[p + 1] += start[p];
    for (size_t i = 0; i < n; i++) {
        if (k[i].Z * k[i].Z > cmax) continue;
        const uint32_t at = start[pos[k[i].ld]]++;
        t->ld[at] = k[i].ld;
        t->a1[at] = k[i].a1;
        t->N[at] = k[i].N;
        t->Z[at] = k[i].Z;
        if (W != L) t->wl[at] = W->l2[k[i].w];
    }
    t->n = m;
    ks__free(ctx, start);
    return KS_OK;
}

/* A thread's scratch, for one trait's merged rows before their sort or one regression's rows:
 * a task's memory reused by the next (fewer fresh pages to fault in and clear). */
typedef struct {
    void *p;
    size_t bytes;
} scratch;

/* At least bytes of scratch (what it held not kept). */
static void *scratch_get(ks_ctx *ctx, scratch *sc, size_t bytes)
{
    if (bytes > sc->bytes) {
        ks__free(ctx, sc->p);
        sc->p = ks__malloc(ctx, bytes);
        sc->bytes = sc->p ? bytes : 0;
        if (sc->p) ks__huge_pages(sc->p, bytes);
    }
    return sc->p;
}

/* One munged file (`SNP N Z A1 A2`, tab-separated, plain or gzip), streamed: rows with a
 * missing cell anywhere dropped (R's na.omit, ks__munged_read), the rest merged with the LD
 * scores (and weights), put in (CHR, BP) order, and the chi-square filter applied. */
/* What one row of trait_read needs. */
typedef struct {
    ks_ctx *ctx;
    const ldset *ld, *w;
    size_t n, cap, *nread, bad_n;
    order_key *key;
    double maxn;
} trait_scan;

static int trait_row(void *arg, const ks__munged_row *row, int64_t a)
{
    trait_scan *s = arg;
    ++*s->nread;
    const int64_t b = s->w == s->ld || a < 0 ? a : ks__index_find(&s->w->index, row->snp);
    if (a < 0 || b < 0) return KS_OK;
    const double N = row->N;
    if (!(N > 0.0 && N < INFINITY)) { /* (R would go on: NaN or Inf weights and h2) */
        s->bad_n++;
        return KS_OK;
    }
    const int rc = ks__grow(s->ctx, (void **)&s->key, &s->cap, s->n + 1, sizeof *s->key);
    if (rc) return rc;
    s->key[s->n++] =
        (order_key){(uint32_t)a, (uint32_t)b, N, row->Z, ks__gsem_allele_key(row->a1, 0)};
    s->maxn = fmax(s->maxn, N);
    return KS_OK;
}

/* The counts of one trait's rows (ks_gsem_ldsc_view's, see gsem.h). */
typedef struct {
    size_t *read, *merged, *bad_n, *removed, *dup, *after_n, *used;
} trait_counts;

/* The rows of t that repeat an earlier row's SNP. */
static int count_repeats(ks_ctx *ctx, const trait *t, size_t nld, size_t *dup)
{
    unsigned char *seen = ks__calloc(ctx, nld ? nld : 1, 1);
    if (!seen) return KS_ENOMEM;
    *dup = 0;
    for (size_t i = 0; i < t->n; i++) {
        *dup += seen[t->ld[i]];
        seen[t->ld[i]] = 1;
    }
    ks__free(ctx, seen);
    return KS_OK;
}

static int trait_read(ks_ctx *ctx, const char *path, const ldset *ld, const ldset *w,
                      double chisq_max, scratch *sc, trait *t, const trait_counts *c,
                      double *cmax)
{
    memset(t, 0, sizeof *t);
    size_t *nread = c->read;
    *c->read = *c->merged = *c->bad_n = *c->removed = *c->dup = *c->after_n = *c->used = 0;
    trait_scan s = {ctx, ld, w, 0, 0, nread, 0, NULL, -INFINITY};
    /* room for every LD row at once (more only where the file repeats a SNP) */
    s.key = scratch_get(ctx, sc, (ld->n ? ld->n : 1) * sizeof *s.key);
    if (!s.key) return KS_ENOMEM;
    s.cap = sc->bytes / sizeof *s.key;
    static const ks__munged_spec sp = {KS__MUNGED_GENOMICSEM, 1};
    int rc = ks__munged_read(ctx, path, &sp, &ld->index, trait_row, &s);
    *c->merged = s.n + s.bad_n;
    *c->bad_n = s.bad_n;
    *c->after_n = s.n;
    *cmax = chisq_max > 0.0 ? chisq_max : ks__gsem_chisq_cap(s.maxn);
    if (!rc) rc = sort_positions(ctx, s.key, s.n, ld, w, *cmax, t);
    *c->removed = s.n - t->n;
    *c->used = t->n;
    if (!rc) rc = count_repeats(ctx, t, ld->n, c->dup);
    sc->p = s.key; /* (regrown, perhaps) */
    sc->bytes = s.cap * sizeof *s.key;
    return rc;
}

/* A trait's sqrt heteroscedasticity weight at aggregate h2 agg (unnormalised). */
static inline double sqrt_weight(double agg, double M, double l2, double wld, double N)
{
    /* (x > 1 ? x : 1 is fmax(x, 1) for every x, NaN too, and inlines) */
    const double ld = l2 > 1.0 ? l2 : 1.0, wl = wld > 1.0 ? wld : 1.0;
    const double c = agg * N / M;
    const double d = 1.0 + c * ld, het = 1.0 / (2.0 * (d * d)), w = het * (1.0 / wl);
    return sqrt(w);
}

/* Every row's weight: one trait's sqrt weight, or (N2 given) the sum of two traits' (R's
 * w1 + w2), in plain double arithmetic, which vectorises (a KS_KERNEL: division and sqrt round
 * alike in every width). */
KS_KERNEL static void
weights(const double *l2, const double *wl, const double *N1, const double *N2, double agg1,
        double agg2, double M, size_t n, double *sw)
{
    if (!N2)
        for (size_t i = 0; i < n; i++) sw[i] = sqrt_weight(agg1, M, l2[i], wl[i], N1[i]);
    else
        for (size_t i = 0; i < n; i++)
            sw[i] = sqrt_weight(agg1, M, l2[i], wl[i], N1[i]) +
                    sqrt_weight(agg2, M, l2[i], wl[i], N2[i]);
}

/* R's mean() finished: s the long double sum, t the long double sum of x - s / n. */
static double r_mean_of(ld_t s, ld_t t, size_t n) { return (double)(s / (ld_t)n + t / (ld_t)n); }

/* GenomicSEM's aggregate h2, clamped to [0, 1], from the means of chi-square and L2 x N. */
static double agg_h2(double M, double mchi, double ml2n)
{
    return fmin(fmax((M * (mchi - 1.0)) / ml2n, 0.0), 1.0);
}

/* One regression: trait j alone (j == kk) or the pair (j, kk), the s-th in V's order, with
 * this thread's scratch (*firstp: its merge marks over the LD rows, UINT32_MAX between merges,
 * made at its first merge; sc for the rows). A pair's rows are a's rows with b's of the same
 * SNP, read in place where the two traits have the same SNPs (the usual case) and merged into
 * sc otherwise; L2, y (Z_a Z_b, with the allele flip) and the weights are made in sc. Then
 * four passes over the rows: the first pass of R's means, their correction, the weights (with
 * the corrections that can wait), the jackknife's blocks. */
static int fit_one(ks_ctx *ctx, const trait *T, const ldset *L, size_t k, size_t j, size_t kk,
                   size_t s, const char *const *traits, double M, size_t nb, uint32_t **firstp,
                   scratch *sc, double *Vhold, ks_gsem_ldsc *r)
{
    const trait *a = &T[j], *b = &T[kk];
    const int pair = j != kk, sep = a->wl != NULL;
    const double *wl = a->wl, *za = a->Z, *zb = b->Z, *N1 = a->N, *N2 = b->N;
    size_t n = a->n;
    int same = pair && a->n == b->n; /* the same SNPs, each once, in the same order */
    for (size_t i = 0; same && i < n; i++)
        same = a->ld[i] == b->ld[i] && (i == 0 || a->ld[i] != a->ld[i - 1]);
    const int merged = pair && !same;
    uint32_t *first = *firstp;
    if (merged && !first) { /* (made the first time a thread merges) */
        if (!(first = *firstp = ks__malloc_array(ctx, L->n ? L->n : 1, sizeof *first)))
            return KS_ENOMEM;
        for (size_t i = 0; i < L->n; i++) first[i] = UINT32_MAX;
    }
    if (merged) { /* b's first row of each SNP, by its LD row (reset after the merge) */
        for (size_t q = b->n; q-- > 0;) first[b->ld[q]] = (uint32_t)q;
        n = 0;
        for (size_t i = 0; i < a->n; i++) /* every row of b with a's SNP, adjacent from the first */
            for (size_t q = first[a->ld[i]]; q < b->n && b->ld[q] == a->ld[i]; q++) n++;
    }
    /* the columns: y, the weights, L2; a single trait's copy of chi for the median, a pair's
     * merged rows, the in-place rows' weight scores */
    const size_t cols = merged ? 7 + (size_t)sep : pair ? 3 + (size_t)sep : 4;
    double *buf = n ? scratch_get(ctx, sc, n * cols * sizeof *buf) : NULL;
    double *y = buf, *sw = buf ? buf + n : NULL, *l2 = buf ? buf + 2 * n : NULL; /* (n 0: no SNP) */
    if (merged) {
        if (buf) {
            double *mza = l2 + n, *mzb = mza + n, *mN1 = mzb + n, *mN2 = mN1 + n,
                   *mwl = sep ? mN2 + n : l2;
            size_t at = 0;
            for (size_t i = 0; i < a->n; i++) {
                const uint32_t ld = a->ld[i];
                for (size_t q = first[ld]; q < b->n && b->ld[q] == ld; q++, at++) {
                    l2[at] = L->l2[ld];
                    if (sep) mwl[at] = a->wl[i];
                    mza[at] = a->Z[i] * (b->a1[q] != a->a1[i] ? -1.0 : 1.0);
                    mzb[at] = b->Z[q];
                    mN1[at] = a->N[i];
                    mN2[at] = b->N[q];
                }
            }
            wl = mwl, za = mza, zb = mzb, N1 = mN1, N2 = mN2;
        }
        for (size_t q = 0; q < b->n; q++) first[b->ld[q]] = UINT32_MAX;
    } else if (buf) {
        for (size_t i = 0; i < n; i++) l2[i] = L->l2[a->ld[i]];
        if (!sep) wl = l2;
    }
    if (!n && !pair)
        return ks__fail(ctx, KS_EINVAL, "ldsc: %s: no SNP left after the merge with the LD scores "
                                       "and the filters", traits[j]);
    if (!n) return ks__fail(ctx, KS_EINVAL, "ldsc: %s and %s share no SNPs", traits[j], traits[kk]);
    if (n <= nb) /* (R's blocks would be empty or overlap) */
        return ks__fail(ctx, KS_EINVAL,
                       "ldsc: %s%s%s: %zu SNPs are too few for %zu jackknife blocks (n_blocks, "
                       "--n-blocks: fewer than the SNPs)",
                       traits[j], pair ? " with " : "", pair ? traits[kk] : "", n, nb);
    if (!buf) return KS_ENOMEM;
    /* Each pass goes over the rows a chunk at a time, its loops in turn on the chunk (the chunk
     * stays in cache; each sum still adds its terms in row order). y: chi-square, or Z_b times
     * a's Z with a's sign flipped where the A1s differ (R's ifelse on -Z; merged rows have the
     * flip in za already, and Z^2 does not see it). R's mean(): a long double sum over n, then
     * the mean of x - that added where the first is finite. sum: of chi1, L2 N1, chi2, L2 N2
     * (R's products rounded to double), N1, N2, y. */
    enum { CHUNK = 2048 };
    ld_t sum[7] = {0, 0, 0, 0, 0, 0, 0}, m[7], t[7] = {0, 0, 0, 0, 0, 0, 0};
    for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
        const size_t c1 = n - c0 < CHUNK ? n : c0 + CHUNK;
        if (!pair)
            for (size_t i = c0; i < c1; i++) y[i] = za[i] * za[i];
        else if (merged)
            for (size_t i = c0; i < c1; i++) y[i] = zb[i] * za[i];
        else
            for (size_t i = c0; i < c1; i++)
                y[i] = zb[i] * (b->a1[i] != a->a1[i] ? -za[i] : za[i]);
        /* (each loop's sums are independent chains of long double adds, which overlap) */
        if (!pair)
            for (size_t i = c0; i < c1; i++) {
                sum[0] += za[i] * za[i];
                sum[1] += l2[i] * N1[i];
                sum[4] += N1[i];
            }
        else {
            for (size_t i = c0; i < c1; i++) {
                sum[0] += za[i] * za[i];
                sum[1] += l2[i] * N1[i];
                sum[2] += zb[i] * zb[i];
                sum[3] += l2[i] * N2[i];
            }
            for (size_t i = c0; i < c1; i++) {
                sum[4] += N1[i];
                sum[5] += N2[i];
                sum[6] += y[i];
            }
        }
    }
    int fin[7];
    for (int c = 0; c < 7; c++) {
        m[c] = sum[c] / (ld_t)n;
        fin[c] = isfinite((double)m[c]);
    }
    for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
        const size_t c1 = n - c0 < CHUNK ? n : c0 + CHUNK;
        if (pair && fin[0] && fin[1] && fin[2] && fin[3])
            for (size_t i = c0; i < c1; i++) {
                t[0] += (double)(za[i] * za[i]) - m[0];
                t[1] += (double)(l2[i] * N1[i]) - m[1];
                t[2] += (double)(zb[i] * zb[i]) - m[2];
                t[3] += (double)(l2[i] * N2[i]) - m[3];
            }
        else {
            if (fin[0] && fin[1])
                for (size_t i = c0; i < c1; i++) {
                    t[0] += (double)(za[i] * za[i]) - m[0];
                    t[1] += (double)(l2[i] * N1[i]) - m[1];
                }
            if (pair && fin[2] && fin[3])
                for (size_t i = c0; i < c1; i++) {
                    t[2] += (double)(zb[i] * zb[i]) - m[2];
                    t[3] += (double)(l2[i] * N2[i]) - m[3];
                }
        }
    }
    const double agg1 = agg_h2(M, r_mean_of(sum[0], t[0], n), r_mean_of(sum[1], t[1], n));
    const double agg2 =
        pair ? agg_h2(M, r_mean_of(sum[2], t[2], n), r_mean_of(sum[3], t[3], n)) : 0.0;
    /* the weights (R: w1 + w2, then over their sum), and the corrections of the N and y means */
    ld_t tot = 0.0L;
    for (size_t c0 = 0; c0 < n; c0 += CHUNK) {
        const size_t c1 = n - c0 < CHUNK ? n : c0 + CHUNK;
        weights(l2 + c0, wl + c0, N1 + c0, pair ? N2 + c0 : NULL, agg1, agg2, M, c1 - c0,
                sw + c0);
        if (!pair)
            for (size_t i = c0; i < c1; i++) {
                tot += sw[i];
                t[4] += N1[i] - m[4];
            }
        else
            for (size_t i = c0; i < c1; i++) {
                tot += sw[i];
                t[4] += N1[i] - m[4];
                t[5] += N2[i] - m[5];
                t[6] += y[i] - m[6];
            }
    }
    for (int c = 4; c < 7; c++)
        if (!fin[c]) t[c] = 0.0L;
    const double mN1 = r_mean_of(sum[4], t[4], n);
    double nbar = mN1;
    if (pair) {
        nbar = sqrt(mN1 * r_mean_of(sum[5], t[5], n));
        r->mean_zz[s] = r_mean_of(sum[6], t[6], n);
    }
    regfit fit = {{0.0, 0.0}, 0.0, 0.0};
    const int rc = regress(ctx, l2, y, sw, (double)tot, n, nb, Vhold + s * nb, &fit);
    if (rc) return rc;
    r->pair_snps[s] = n;
    r->N[s] = nbar;
    const double est = fit.reg[0] / nbar * M;
    r->est[s] = est;
    r->est_se[s] = fit.slope_se / nbar * M;
    r->pair_intercept[s] = fit.reg[1];
    r->pair_intercept_se[s] = fit.intercept_se;
    r->S[j + kk * k] = r->S[kk + j * k] = est;
    r->intercept[j + kk * k] = r->intercept[kk + j * k] = fit.reg[1];
    if (!pair) {
        r->mean_chisq[j] = r_mean_of(sum[0], t[0], n);
        double *c = buf + 3 * n; /* the median's selection reorders a copy */
        memcpy(c, y, n * sizeof *c);
        r->lambda_gc[j] = ks__median(c, n) / KS__GSEM_CHISQ1_MEDIAN;
        r->h2_se[j] = r->est_se[s];
        r->intercept_se[j] = fit.intercept_se;
        r->ratio[j] = (fit.reg[1] - 1.0) / (r->mean_chisq[j] - 1.0);
        r->ratio_se[j] = fit.intercept_se / (r->mean_chisq[j] - 1.0);
    }
    return KS_OK;
}

/* What the tasks of ks_gsem_ldsc_fit share. Tasks 0..k-1 read the traits; task k + q fits the q-th
 * regression of the schedule (pj: its pair, by the later trait first, so that a trait's
 * regressions with the traits before it can run while later traits are still read), waiting
 * under mu until its traits are read (state: 0 reading, 1 read, -1 failed). Handed out in
 * order, every trait is read before (or while) a regression waits for it. Per thread: the
 * first-row marks and a row buffer. */
typedef struct {
    const char *const *traits;
    const ldset *L, *W;
    const ks_gsem_ldsc_options *o;
    trait *T;
    ks_gsem_ldsc *r;
    size_t k;
    double M;
    size_t nb;
    double *Vhold;
    size_t *pj; /* per scheduled fit: j, kk and its place in V's order */
    uint32_t **firsts;
    scratch *sc;
    int *state;
    pthread_mutex_t mu;
    pthread_cond_t cv;
} ldsc_job;

static int ldsc_task(ks_ctx *sub, size_t q, int tid, void *arg)
{
    ldsc_job *b = arg;
    ks_gsem_ldsc *r = b->r;
    if (q < b->k) {
        const trait_counts c = {&r->snps_read[q],    &r->snps_merged[q], &r->snps_bad_n[q],
                                &r->snps_removed[q], &r->snps_dup[q],    &r->snps_after_n[q],
                                &r->snps_used[q]};
        const int rc = trait_read(sub, b->traits[q], b->L, b->W, b->o->chisq_max, &b->sc[tid],
                                  &b->T[q], &c, &r->chisq_max[q]);
        pthread_mutex_lock(&b->mu);
        b->state[q] = rc ? -1 : 1;
        pthread_cond_broadcast(&b->cv);
        pthread_mutex_unlock(&b->mu);
        return rc;
    }
    const size_t *p = b->pj + 3 * (q - b->k), j = p[0], kk = p[1];
    pthread_mutex_lock(&b->mu);
    while (!b->state[j] || !b->state[kk]) pthread_cond_wait(&b->cv, &b->mu);
    const int ok = b->state[j] > 0 && b->state[kk] > 0;
    pthread_mutex_unlock(&b->mu);
    if (!ok) return KS_EINVAL; /* (the trait's own error is reported: its task comes first) */
    return fit_one(sub, b->T, b->L, b->k, j, kk, p[2], b->traits, b->M, b->nb, &b->firsts[tid],
                   &b->sc[tid], b->Vhold, r);
}

int ks_gsem_ldsc_fit(ks_ctx *ctx, size_t k, const char *const *traits, const char *ld,
                     const char *wld, const ks_gsem_ldsc_options *opt, ks_gsem_ldsc **out)
{
    *out = NULL;
    ks_gsem_ldsc_options o = KS_GSEM_LDSC_OPTIONS_INIT;
    if (opt) o = *opt;
    if (k < 1) return ks__fail(ctx, KS_EINVAL, "ldsc: no traits");
    if (o.trait_names) { /* (checked before the work) */
        const int rc0 = ks__gsem_check_names(ctx, k, o.trait_names);
        if (rc0) return rc0;
    }
    if (o.chr < 1 && !o.select) return ks__fail(ctx, KS_EINVAL, "ldsc: chr %d is not >= 1", o.chr);
    if (o.n_blocks < 2) return ks__fail(ctx, KS_EINVAL, "ldsc: n_blocks %d is below 2", o.n_blocks);
    if (!(o.chisq_max >= 0.0 && isfinite(o.chisq_max)))
        return ks__fail(ctx, KS_EINVAL,
                       "ldsc: chisq_max %g: a number > 0 (0: GenomicSEM's max(0.001 max N, 80))",
                       o.chisq_max);
    for (size_t j = 0; j < k; j++) { /* (one of the pair NaN: the observed scale, as R) */
        char where[4200];
        snprintf(where, sizeof where, "trait %zu, %s", j + 1, traits[j]);
        double f;
        const int rc =
            ks__gsem_liability(ctx, KS__LIAB_GENOMICSEM, o.sample_prev ? o.sample_prev[j] : NAN,
                               o.population_prev ? o.population_prev[j] : NAN, where, &f);
        if (rc) return rc;
    }
    const size_t ks = k * (k + 1) / 2;
    size_t nb = (size_t)o.n_blocks;
    if (k > 18) nb = (k + 1) * (k + 2) / 2 + 1; /* GenomicSEM: more blocks than V_Full elements */
    int *chrs = ks__malloc_array(ctx, o.select ? (o.nselect ? o.nselect : 1) : (size_t)o.chr,
                                sizeof *chrs);
    if (!chrs) return KS_ENOMEM;
    const size_t nc = o.select ? o.nselect : (size_t)o.chr;
    for (size_t c = 0; c < nc; c++) chrs[c] = o.select ? o.select[c] : (int)c + 1;
    ldset L, W;
    memset(&W, 0, sizeof W);
    int rc = ldset_read(ctx, ld, chrs, nc, 0, &L);
    if (!rc && o.sep_weights) rc = ldset_read(ctx, wld ? wld : ld, chrs, nc, 1, &W);
    double M = 0.0;
    for (size_t c = 0; c < nc && !rc; c++) rc = read_m(ctx, ld, chrs[c], &M);
    ks__free(ctx, chrs);
    const ldset *Wp = o.sep_weights ? &W : &L;
    trait *T = rc ? NULL : ks__calloc(ctx, k, sizeof *T);
    ks_gsem_ldsc *r = rc ? NULL : ks__gsem_ldsc_new(ctx, k, ks);
    if (!rc && (!T || !r)) rc = KS_ENOMEM;
    double *Vhold = rc ? NULL : ks__malloc_array(ctx, nb * ks, sizeof *Vhold);
    if (!rc && !Vhold) rc = KS_ENOMEM;
    if (!rc) {
        r->n_blocks = nb;
        r->m = M;
    }
    if (!rc) { /* the traits and the regressions (each writes only its own results) */
        ldsc_job job = {traits, &L, Wp, &o, T, r, k, M, nb, Vhold, NULL, NULL, NULL, NULL,
                        PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER};
        const uint64_t bytes = ks__gsem_file_bytes(traits, k); /* (the regressions: in step) */
        const int nt = ks__parallel_threads(ctx, k + ks, ks__gsem_read_ns(bytes));
        job.pj = ks__malloc_array(ctx, ks, 3 * sizeof *job.pj);
        job.firsts = ks__calloc(ctx, (size_t)nt, sizeof *job.firsts);
        job.sc = ks__calloc(ctx, (size_t)nt, sizeof *job.sc);
        job.state = ks__calloc(ctx, k, sizeof *job.state);
        if (!job.pj || !job.firsts || !job.sc || !job.state) rc = KS_ENOMEM;
        for (size_t kk = 0, q = 0; !rc && kk < k; kk++) /* V's order: s = j k - j (j - 1) / 2 + kk - j */
            for (size_t j = 0; j <= kk; j++, q++) {
                job.pj[3 * q] = j;
                job.pj[3 * q + 1] = kk;
                job.pj[3 * q + 2] = j * k - j * (j - 1) / 2 + (kk - j);
            }
        if (!rc)
            rc = ks__parallel_each(ctx, k + ks, ks__gsem_read_ns(bytes), ldsc_task, &job, NULL);
        for (int t = 0; t < nt; t++) {
            if (job.firsts) ks__free(ctx, job.firsts[t]);
            if (job.sc) ks__free(ctx, job.sc[t].p);
        }
        ks__free(ctx, job.firsts);
        ks__free(ctx, job.sc);
        ks__free(ctx, job.pj);
        ks__free(ctx, job.state);
    }
    if (!rc) {
        /* V = cov(pseudo-values) / crossprod(N x sqrt(nb) / m); then the liability scale */
        double *mean = ks__malloc_array(ctx, ks, sizeof *mean);
        if (!mean) rc = KS_ENOMEM;
        if (!rc) {
            r_cov(Vhold, nb, ks, r->V, mean);
            const double sc = sqrt((double)nb) / M;
            for (size_t a = 0; a < ks; a++)
                for (size_t b = 0; b < ks; b++)
                    r->V[a + b * ks] = r->V[a + b * ks] / ((r->N[a] * sc) * (r->N[b] * sc));
            for (size_t j = 0; j < k && !rc; j++) /* (checked above: no failure here) */
                rc = ks__gsem_liability(
                    ctx, KS__LIAB_GENOMICSEM, o.sample_prev ? o.sample_prev[j] : NAN,
                    o.population_prev ? o.population_prev[j] : NAN, traits[j], &r->liab[j]);
            double *d = ks__malloc_array(ctx, k, sizeof *d);
            if (!d) {
                ks__free(ctx, mean);
                rc = KS_ENOMEM;
                goto out;
            }
            for (size_t j = 0; j < k; j++) d[j] = sqrt(r->liab[j]);
            ks__gsem_scale_sv(k, d, r->S, r->S, r->V, r->V, mean);
            int pos = 1;
            for (size_t j = 0; j < k; j++) pos &= r->S[j + j * k] > 0.0;
            if (pos) {
                for (size_t j = 0; j < k; j++) d[j] = 1.0 / sqrt(r->S[j + j * k]);
                ks__gsem_scale_sv(k, d, r->S, r->S_stand, r->V, r->V_stand, mean);
            } else {
                r->S_stand = r->V_stand = NULL;
            }
            ks__free(ctx, d);
        }
        ks__free(ctx, mean);
    }
out:
    ks__free(ctx, Vhold);
    for (size_t j = 0; T && j < k; j++) trait_free(ctx, &T[j]);
    ks__free(ctx, T);
    ldset_free(ctx, &L);
    ldset_free(ctx, &W);
    if (!rc) rc = o.trait_names ? ks__gsem_ldsc_set_names(ctx, r, o.trait_names)
                                : ks__gsem_ldsc_default_names(ctx, r);
    if (rc) {
        ks_gsem_ldsc_free(r);
        return rc;
    }
    ks__gsem_ldsc_finish(r);
    *out = r;
    return KS_OK;
}
