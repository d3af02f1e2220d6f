/* munge.c — GenomicSEM's munge(), written from its documented behaviour (notes/genomicsem.md
 * sec. 1.4): each raw file is streamed once; the rows whose SNP is in the reference list are
 * kept (the list bounds the memory); then, in R's order: rows with P or the effect missing go,
 * an effect column whose median rounds to 1 is read as an odds ratio (its log), the effect is
 * flipped to the reference A1, rows whose alleles do not match the reference go, Z = sign(effect)
 * |Phi^-1(P / 2)|, the INFO and MAF filters run, and `SNP N Z A1 A2` is written (the reference's
 * alleles) in the order of the SNP names, as R's merge writes it. R's three-valued logic is kept
 * where an allele is missing. Departures, each counted: rows with P outside [0, 1], or an odds
 * ratio below 0, are removed (R writes Z = NaN for them); rows with INFO missing are removed (R
 * writes a row of NA when there is no MAF column, else removes them with the MAF filter); after
 * R's rules, rows with P = 0 (R: Z = Inf) and rows whose N column is missing, not > 0 or not
 * finite (R writes them; ldsc would drop the first and be poisoned by the others) are removed.
 * Rows repeating a SNP are kept, as R keeps them, and counted. */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsem_internal.h"

/* The columns munge reads (the first of ks__gsem_map_columns'). */
enum { C_SNP = GC_SNP, C_A1 = GC_A1, C_A2 = GC_A2, C_EFFECT = GC_EFFECT, C_INFO = GC_INFO,
       C_P = GC_P, C_N = GC_N, C_MAF = GC_MAF, NCOL = GC_MAF + 1 };

/* A row kept from the file: its reference SNP, its place in the file, what the rules need. */
typedef struct {
    uint32_t ref, rank, row; /* rank: the SNP name's in byte order */
    signed char a1, a2;
    double p, logp, eff, n, info, maf;
} mrow;

typedef struct {
    mrow *rows;
    size_t n, cap;
} mrows;

static int push_row(ks_ctx *ctx, mrows *m, const mrow *r)
{
    const int rc = ks__grow(ctx, (void **)&m->rows, &m->cap, m->n + 1, sizeof *m->rows);
    if (!rc) m->rows[m->n++] = *r;
    return rc;
}

/* What one row of read_rows needs. */
typedef struct {
    ks_ctx *ctx;
    const char *path;
    const ks__gsem_snplist *ref;
    ks_gsem_munge_report *rep;
    mrows *m;
    const int *col;
} munge_scan;

static int munge_row(void *arg, char *const *f, size_t nf, size_t line, int64_t k)
{
    munge_scan *s = arg;
    ks_gsem_munge_report *rep = s->rep;
    const int *col = s->col;
    int rc;
    mrow x;
    x.ref = (uint32_t)k;
    x.rank = s->ref->rank[k];
    x.row = (uint32_t)rep->rows;
    x.a1 = (signed char)((size_t)col[C_A1] < nf ? ks__gsem_allele(f[col[C_A1]], 1) : GSEM_NA);
    x.a2 = (signed char)((size_t)col[C_A2] < nf ? ks__gsem_allele(f[col[C_A2]], 1) : GSEM_NA);
    if ((rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_P, f, nf, &x.p, &x.logp)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_EFFECT, f, nf, &x.eff, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_N, f, nf, &x.n, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_INFO, f, nf, &x.info, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_MAF, f, nf, &x.maf, NULL)))
        return rc;
    return push_row(s->ctx, s->m, &x);
}

/* Stream one file: the rows in the reference list, parsed. */
static int read_rows(ks_ctx *ctx, const char *path, const ks__gsem_snplist *ref,
                     const ks_gsem_munge_options *o, ks_gsem_munge_report *rep, mrows *m, double *n_factor,
                     int col[GC_NCOL], const ks__gsem_progress *pr)
{
    ks_text_reader *r;
    size_t nf;
    char *const *f;
    int rc = ks__gsem_open_raw(ctx, path, &r, &f, &nf);
    if (rc) return rc;
    const ks__gsem_colspec spec = {.given = o->columns,
                                   .ncol = GC_MAF + 1,
                                   .skip_n = o->N > 0,
                                   .z_as_effect = 1,
                                   .neff_half = 1,
                                   .required = 1u << GC_SNP | 1u << GC_A1 | 1u << GC_A2 |
                                               1u << GC_EFFECT | 1u << GC_P | 1u << GC_N};
    rc = ks__gsem_map_columns(ctx, path, f, nf, &spec, col, n_factor);
    if (!rc) rc = ks__gsem_columns_used(ctx, f, &spec, col, rep->used);
    munge_scan s = {ctx, path, ref, rep, m, col};
    const ks__gsem_tally t = {ctx, path, nf, &rep->rows, &rep->short_rows, &rep->not_in_ref, pr};
    if (!rc) rc = ks__gsem_scan_rows(r, &ref->index, col[C_SNP], &t, munge_row, &s);
    ks__gsem_progress_report(pr, r);
    ks_text_close(r);
    return rc < 0 ? rc : KS_OK;
}

/* The rows in the order of their SNP names, rows of one SNP in file order (a counting sort
 * over the reference's nref ranks: stable, O(n + nref)). */
static int sort_by_rank(ks_ctx *ctx, mrows *m, size_t nref)
{
    size_t *start = ks__calloc(ctx, nref + 1, sizeof *start);
    mrow *out = ks__malloc_array(ctx, m->n ? m->n : 1, sizeof *out);
    if (!start || !out) {
        ks__free(ctx, start);
        ks__free(ctx, out);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < m->n; i++) start[m->rows[i].rank + 1]++;
    for (size_t r = 0; r < nref; r++) start[r + 1] += start[r];
    for (size_t i = 0; i < m->n; i++) out[start[m->rows[i].rank]++] = m->rows[i];
    ks__free(ctx, start);
    ks__free(ctx, m->rows);
    m->rows = out;
    m->cap = m->n;
    return KS_OK;
}

/* The median of the effects. */
static int median(ks_ctx *ctx, const mrow *rows, size_t n, double *out)
{
    double *v = ks__malloc_array(ctx, n ? n : 1, sizeof *v);
    if (!v) return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) v[i] = rows[i].eff;
    *out = ks__median(v, n);
    ks__free(ctx, v);
    return KS_OK;
}

static void put_num(ks_text_writer *w, double x)
{
    char b[40];
    const int l = ks__format_r(x, b);
    ks_text_write(w, b, (size_t)l);
}

/* One file, GenomicSEM's rules. */
static int munge_one(ks_ctx *ctx, const char *path, const char *out_path, const ks__gsem_snplist *ref,
                     const ks_gsem_munge_options *o, ks_gsem_munge_report *rep, const ks__gsem_progress *pr)
{
    mrows m = {NULL, 0, 0};
    int col[GC_NCOL];
    double n_factor = 1.0;
    int rc = read_rows(ctx, path, ref, o, rep, &m, &n_factor, col, pr);
    if (rc) {
        ks__free(ctx, m.rows);
        return rc;
    }
#define KEEP(cond, counter) GSEM_KEEP(mrow, m.rows, m.n, cond, rep->counter)
    KEEP(!isnan(x->p), p_missing);
    KEEP(!isnan(x->eff), effect_missing);
    double med;
    if ((rc = median(ctx, m.rows, m.n, &med))) {
        ks__free(ctx, m.rows);
        return rc;
    }
    rep->effect_is_or = nearbyint(med) == 1.0; /* R's round: halves to even */
    if (rep->effect_is_or) {
        KEEP(!(x->eff < 0.0), or_negative);
        for (size_t i = 0; i < m.n; i++) m.rows[i].eff = log(m.rows[i].eff);
    }
    for (size_t i = 0; i < m.n; i++) { /* to the reference A1 (NA where R's test is NA) */
        mrow *x = &m.rows[i];
        const int flip = ks__gsem_and3(ks__gsem_ne3(ref->a1[x->ref], x->a1), ks__gsem_eq3(ref->a1[x->ref], x->a2));
        if (flip == GSEM_T3) x->eff = -x->eff;
        if (flip == GSEM_NA3) x->eff = NAN;
    }
    KEEP(ks__gsem_and3(ks__gsem_ne3(ref->a1[x->ref], x->a1), ks__gsem_ne3(ref->a1[x->ref], x->a2)) == GSEM_F3, a1_mismatch);
    KEEP(ks__gsem_and3(ks__gsem_ne3(ref->a2[x->ref], x->a2), ks__gsem_ne3(ref->a2[x->ref], x->a1)) == GSEM_F3, a2_mismatch);
    KEEP(x->p >= 0.0 && x->p <= 1.0, p_out_of_range);
    if (col[C_INFO] >= 0) {
        KEEP(isnan(x->info) || x->info >= o->info_filter, info_low);
        KEEP(!isnan(x->info), info_missing);
    }
    if (col[C_MAF] >= 0) {
        for (size_t i = 0; i < m.n; i++)
            if (m.rows[i].maf > 0.5) m.rows[i].maf = 1.0 - m.rows[i].maf;
        KEEP(x->maf >= o->maf_filter, maf_low);
    }
    KEEP(x->p > 0.0 || !(x->logp == -INFINITY || isnan(x->logp)), p_zero); /* (1e-400: kept) */
    if (!(o->N > 0)) {
        KEEP(!isnan(x->n), n_missing);
        KEEP(x->n > 0.0 && x->n < INFINITY, n_invalid);
    }
#undef KEEP
    if ((rc = sort_by_rank(ctx, &m, ref->n))) {
        ks__free(ctx, m.rows);
        return rc;
    }
    ks_text_writer *w;
    if ((rc = ks_text_group_create(ctx, o->outputs, out_path, 1, &w))) { /* gzip level 1 */
        ks__free(ctx, m.rows);
        return rc;
    }
    ks_text_puts(w, "SNP\tN\tZ\tA1\tA2\n");
    for (size_t i = 0; i < m.n; i++) {
        const mrow *x = &m.rows[i];
        rep->duplicated += i && x->ref == m.rows[i - 1].ref; /* (a SNP's rows are adjacent) */
        const double z = isnan(x->eff)   ? NAN
                         : x->eff == 0.0 ? 0.0
                                         : copysign(ks__z_from_p(x->p, x->logp), x->eff);
        ks_text_puts(w, ref->arena + ref->off[x->ref]);
        ks_text_write(w, "\t", 1);
        put_num(w, o->N > 0 ? o->N : n_factor * x->n);
        ks_text_write(w, "\t", 1);
        put_num(w, z);
        ks_text_write(w, "\t", 1);
        ks_text_puts(w, ref->arena + ref->a1off[x->ref]);
        ks_text_write(w, "\t", 1);
        ks_text_puts(w, ref->arena + ref->a2off[x->ref]);
        ks_text_write(w, "\n", 1);
    }
    rep->written = m.n;
    ks__free(ctx, m.rows);
    return ks_text_commit(w);
}

typedef struct {
    const char *const *paths, *const *out_paths;
    const ks__gsem_snplist *ref;
    const ks_gsem_munge_options *o;
    ks_gsem_munge_report *reports;
    ks__gsem_progress pr;
} munge_job;

static int munge_task(ks_ctx *sub, size_t i, int tid, void *arg)
{
    (void)tid;
    const munge_job *j = arg;
    ks__gsem_progress pr = j->pr;
    pr.me = i;
    if (j->o->mode == KS_GSEM_MUNGE_LDSC) /* munge_sumstats.py's rules; ref: its merge list */
        return ks__h2rg_one(sub, j->paths[i], j->out_paths[i], j->ref, j->o, &j->reports[i],
                              &pr);
    return munge_one(sub, j->paths[i], j->out_paths[i], j->ref, j->o, &j->reports[i], &pr);
}

static const ks__enum_entry munge_mode_names[] = {{"genomicsem", KS_GSEM_MUNGE_GENOMICSEM},
                                                  {"ldsc", KS_GSEM_MUNGE_LDSC}};
KS__ENUM_FUNCS(ks_gsem_munge_mode, ks_gsem_munge_mode, "munge mode", munge_mode_names)

struct ks_gsem_munge {
    ks_allocator alloc;
    size_t n;
    ks_gsem_munge_report *reports; /* n */
};

static void report_release(const ks_allocator *a, ks_gsem_munge_report *r)
{
    for (int k = 0; k < 8; k++) ks__release(a, (void *)r->used[k]);
    for (int k = 0; k < KS_GSEM_LDSC_NCOL; k++) ks__release(a, (void *)r->ldsc.used[k]);
    ks__release(a, (void *)r->ldsc.signed_name);
}

void ks_gsem_munge_free(ks_gsem_munge *m)
{
    if (!m) return;
    for (size_t i = 0; m->reports && i < m->n; i++) report_release(&m->alloc, &m->reports[i]);
    ks__release(&m->alloc, m->reports);
    ks__release(&m->alloc, m);
}

void ks_gsem_munge_get(const ks_gsem_munge *m, ks_gsem_munge_view *out)
{
    out->n = m->n;
    out->reports = m->reports;
}

int ks_gsem_munge_run(ks_ctx *ctx, size_t n, const char *const *paths, const char *const *out_paths,
                      const char *refpath, const ks_gsem_munge_options *opt, ks_gsem_munge **out)
{
    *out = NULL;
    ks_gsem_munge_options o = KS_GSEM_MUNGE_OPTIONS_INIT;
    if (opt) o = *opt;
    const int ldsc = o.mode == KS_GSEM_MUNGE_LDSC;
    if (o.mode != KS_GSEM_MUNGE_GENOMICSEM && !ldsc)
        return ks__fail(ctx, KS_EINVAL, "munge: mode %d is neither GenomicSEM's nor ldsc's",
                       (int)o.mode);
    if (ldsc) {
        if (ks__h2rg_check(ctx, &o)) return ctx->errcode;
    } else if (!(o.info_filter >= 0.0) || !(o.maf_filter >= 0.0)) {
        return ks__fail(ctx, KS_EINVAL, "munge: info_filter (%g) and maf_filter (%g) must be >= 0",
                       o.info_filter, o.maf_filter);
    } else if (!(o.N >= 0.0 && isfinite(o.N))) {
        return ks__fail(ctx, KS_EINVAL, "munge: N %g is not a number > 0 (0: the N column)", o.N);
    } else if (!refpath) {
        return ks__fail(ctx, KS_EINVAL, "munge: the reference list (hm3) is required");
    }
    ks__gsem_snplist ref;
    memset(&ref, 0, sizeof ref);
    int rc = refpath ? ks__gsem_snplist_read(ctx, refpath, &ref) : KS_OK;
    if (rc && ldsc) { /* munge_sumstats's merge-alleles list */
        char msg[sizeof ctx->errmsg];
        memcpy(msg, ctx->errmsg, sizeof msg);
        rc = ks__fail(ctx, rc, "merge-alleles list: %s (it must have the columns SNP, A1, A2)", msg);
    }
    if (rc) return rc;
    ks_gsem_munge *m = ks__calloc(ctx, 1, sizeof *m);
    if (m) {
        m->alloc = ctx->alloc;
        m->n = n;
        m->reports = ks__calloc(ctx, n ? n : 1, sizeof *m->reports);
    }
    uint64_t *done = ks__calloc(ctx, 2 * (n ? n : 1), sizeof *done);
    ks_text_group *own = NULL; /* the outputs committed together (an earlier run's kept when
                                  one fails) */
    if (!m || !m->reports || !done || (!o.outputs && (rc = ks_text_group_new(ctx, &own)))) {
        ks_gsem_munge_free(m);
        ks__free(ctx, done);
        ks__gsem_snplist_free(&ctx->alloc, &ref);
        return KS_ENOMEM;
    }
    if (own) o.outputs = own;
    munge_job job = {paths, out_paths,  refpath ? &ref : NULL,
                     &o,    m->reports, {ctx, "munge", done, n, 0}};
    rc = ks__parallel_each(ctx, n, ks__gsem_read_ns(ks__gsem_file_bytes(paths, n)), munge_task,
                           &job, NULL);
    if (own && !rc)
        rc = ks_text_group_commit(own);
    else
        ks_text_group_abort(own);
    ks__free(ctx, done);
    ks__gsem_snplist_free(&ctx->alloc, &ref);
    if (rc) { /* all or nothing: no report */
        ks_gsem_munge_free(m);
        return rc;
    }
    *out = m;
    return KS_OK;
}
