/* sumstats.c — GenomicSEM's sumstats(), written from its documented behaviour (notes/genomicsem.md
 * sec. 1.6): each raw file is streamed once, keeping the rows whose SNP is in the reference;
 * the rules then run in R's order (see gsem.h), with R's arithmetic for every transformation
 * (x^2 as x * x, x^.5 as pow, Z as sign(effect) |Phi^-1(P / 2)|, and for P below 1e-307
 * GenomicSEM's sqrt(-2 log P) from the text of P), and the SNPs present in every file are
 * listed in the reference's order. R's three-valued logic is kept where an allele is missing.
 * Departures, each documented in the README: repeated rsIDs are counted among the reference's
 * SNPs only (the others go anyway, as not in the reference); a repeated rsID in the reference
 * is an error (R would multiply rows); linprob's zero-row check is not run (R compares the
 * numbers' formatted text there, which removes nothing in practice). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gsem_internal.h"

/* ---- the reference ---------------------------------------------------------------------- */

typedef struct {
    size_t n, ncol;
    char *arena;
    size_t *cell;       /* n x ncol offsets into arena */
    size_t *colname;    /* ncol offsets */
    const char **name;  /* n: the SNP names */
    int64_t *a1, *a2;   /* allele keys of the text as read */
    double *maf;
    unsigned char *kept; /* by the MAF and ambig filters */
    size_t nkept;
    ks__index index;
} sref;

static void sref_free(ks_ctx *ctx, sref *s)
{
    ks__free(ctx, s->arena);
    ks__free(ctx, s->cell);
    ks__free(ctx, s->colname);
    ks__free(ctx, s->name);
    ks__free(ctx, s->a1);
    ks__free(ctx, s->a2);
    ks__free(ctx, s->maf);
    ks__free(ctx, s->kept);
    ks__index_free(&ctx->alloc, &s->index);
    memset(s, 0, sizeof *s);
}

/* A file's allele as R's factor(toupper(x), c("A","C","G","T")) sees it (or any text with
 * keep_indel); NA cells ("", ".", "NA") are NA. */
static int64_t file_allele(const char *s, int keep_indel)
{
    if (!s || ks__gsem_is_na(s, KS__NA_R)) return GSEM_NA;
    if (!keep_indel) {
        const int c = s[1] ? 0 : toupper((unsigned char)s[0]);
        if (c != 'A' && c != 'C' && c != 'G' && c != 'T') return GSEM_NA;
    }
    return ks__gsem_allele_key(s, 1);
}

static int ambiguous(const char *a1, const char *a2)
{
    return (!strcmp(a1, "A") && !strcmp(a2, "T")) || (!strcmp(a1, "T") && !strcmp(a2, "A")) ||
           (!strcmp(a1, "C") && !strcmp(a2, "G")) || (!strcmp(a1, "G") && !strcmp(a2, "C"));
}

static int sref_read(ks_ctx *ctx, const char *path, double maf_filter, int ambig, sref *s)
{
    memset(s, 0, sizeof *s);
    ks_text_reader *r;
    int rc = ks_text_open(ctx, path, 0, &r);
    if (rc) return rc;
    size_t nf, line, acap = 0, alen = 0, ccap = 0, ncell = 0;
    char *const *f;
    int col[4], got, header = 1;
    while ((got = ks_text_next(r, &nf, &f, &line)) == 1) {
        if (header) {
            static const char *const want[4] = {"SNP", "A1", "A2", "MAF"};
            if ((rc = ks__gsem_header(ctx, path, f, nf, want, 4, col))) break;
            s->ncol = nf;
            if (!(s->colname = ks__malloc_array(ctx, nf, sizeof *s->colname))) {
                rc = KS_ENOMEM;
                break;
            }
        } else if ((rc = ks__gsem_fields(ctx, path, line, nf, s->ncol)) ||
                   (rc = ks__grow(ctx, (void **)&s->cell, &ccap, ncell + nf, sizeof *s->cell)))
            break;
        size_t need = alen;
        for (size_t j = 0; j < nf; j++) need += strlen(f[j]) + 1;
        if ((rc = ks__grow(ctx, (void **)&s->arena, &acap, need, 1))) break;
        size_t *dst = header ? s->colname : s->cell + ncell;
        for (size_t j = 0; j < nf; j++) {
            const size_t l = strlen(f[j]) + 1;
            memcpy(s->arena + alen, f[j], l);
            dst[j] = alen;
            alen += l;
        }
        if (!header) {
            ncell += nf;
            s->n++;
        }
        header = 0;
    }
    if (!rc && got < 0) rc = got;
    ks_text_close(r);
    if (!rc && !s->ncol) rc = ks__fail(ctx, KS_EPARSE, "%s: empty reference file", path);
    if (!rc && s->n >= UINT32_MAX / 2)
        rc = ks__fail(ctx, KS_EINVAL, "%s: %zu SNPs are too many", path, s->n);
    const size_t n = s->n;
    if (!rc) {
        s->name = ks__malloc_array(ctx, n ? n : 1, sizeof *s->name);
        s->a1 = ks__malloc_array(ctx, n ? n : 1, sizeof *s->a1);
        s->a2 = ks__malloc_array(ctx, n ? n : 1, sizeof *s->a2);
        s->maf = ks__malloc_array(ctx, n ? n : 1, sizeof *s->maf);
        s->kept = ks__malloc(ctx, n ? n : 1);
        if (!s->name || !s->a1 || !s->a2 || !s->maf || !s->kept) rc = KS_ENOMEM;
    }
    for (size_t i = 0; i < n && !rc; i++) {
        const size_t *c = s->cell + i * s->ncol;
        const char *a1 = s->arena + c[col[1]], *a2 = s->arena + c[col[2]];
        s->name[i] = s->arena + c[col[0]];
        s->a1[i] = ks__gsem_allele_key(a1, 0);
        s->a2[i] = ks__gsem_allele_key(a2, 0);
        const char *m = s->arena + c[col[3]];
        const int pr = ks__gsem_parse_num(m, &s->maf[i], NULL);
        if (pr < 0) {
            rc = ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column MAF", path,
                         i + 2, col[3] + 1, m);
            break;
        }
        if (pr == 0) s->maf[i] = NAN;
        s->kept[i] = s->maf[i] >= maf_filter && !(ambig && ambiguous(a1, a2));
        s->nkept += s->kept[i];
    }
    if (!rc) rc = ks__index_build(ctx, s->name, n, &s->index);
    for (size_t i = 0; i < n && !rc; i++) {
        const int64_t first = ks__index_find(&s->index, s->name[i]);
        if ((size_t)first != i)
            rc = ks__fail(ctx, KS_EPARSE,
                         "%s:%zu: SNP %s is listed again (first on line %lld); the reference "
                         "must name each SNP once",
                         path, i + 2, s->name[i], (long long)first + 2);
    }
    if (rc) sref_free(ctx, s);
    return rc;
}

/* ---- one file ------------------------------------------------------------------------- */

/* A row kept from the file (its SNP is in the reference); dead: its rsID is repeated. */
typedef struct {
    uint32_t ref;
    unsigned char dead, dir_ok;
    int64_t a1, a2;
    double p, logp, eff, se, n, info, maf, var, z;
} srow;

typedef struct {
    srow *rows;
    size_t n, cap;
} srows;

/* GenomicSEM's DIRECTION rule: fewer than half of the cohorts '?'. */
static int direction_ok(const char *s)
{
    if (!s || ks__gsem_is_na(s, KS__NA_R)) return 0;
    size_t q = 0, l = 0;
    for (; s[l]; l++) q += s[l] == '?';
    return (double)q / (double)l < 0.5;
}

typedef struct {
    const char *const *paths;
    const sref *ref;
    const ks_gsem_sumstats_options *o;
    ks_gsem_sumstats_report *reports;
    double *beta, *se; /* k x ref->n, NaN where a trait has no value */
    ks__gsem_progress pr;
} sumstats_job;

static int flag(const int *v, size_t i) { return v && v[i]; }

/* What one row of read_rows needs. */
typedef struct {
    ks_ctx *ctx;
    const char *path;
    ks_gsem_sumstats_report *rep;
    srows *m;
    const int *col;
    int32_t *seen; /* per reference SNP: -1 not seen, -2 repeated, else its row */
    double n_given;
    int keep_indel;
} sumstats_scan;

static int sumstats_row(void *arg, char *const *f, size_t nf, size_t line, int64_t k)
{
    sumstats_scan *s = arg;
    ks_gsem_sumstats_report *rep = s->rep;
    const int *col = s->col;
    int rc;
    srow x;
    memset(&x, 0, sizeof x);
    x.ref = (uint32_t)k;
    x.a1 = (size_t)col[GC_A1] < nf ? file_allele(f[col[GC_A1]], s->keep_indel) : GSEM_NA;
    x.a2 = (size_t)col[GC_A2] < nf ? file_allele(f[col[GC_A2]], s->keep_indel) : GSEM_NA;
    x.dir_ok = (size_t)col[GC_DIRECTION] < nf && direction_ok(f[col[GC_DIRECTION]]);
    if ((rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_P, f, nf, &x.p, &x.logp)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_EFFECT, f, nf, &x.eff, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_SE, f, nf, &x.se, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_N, f, nf, &x.n, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_INFO, f, nf, &x.info, NULL)) ||
        (rc = ks__gsem_cell(s->ctx, s->path, line, col, GC_MAF, f, nf, &x.maf, NULL)))
        return rc;
    if (s->n_given > 0) x.n = s->n_given;
    /* an rsID seen again: every copy goes */
    int32_t *seen = &s->seen[k];
    srows *m = s->m;
    if (*seen == -2) {
        rep->duplicated++;
        return KS_OK;
    }
    if (*seen >= 0) {
        m->rows[*seen].dead = 1;
        *seen = -2;
        rep->duplicated += 2;
        return KS_OK;
    }
    if ((rc = ks__grow(s->ctx, (void **)&m->rows, &m->cap, m->n + 1, sizeof *m->rows))) return rc;
    *seen = (int32_t)m->n;
    m->rows[m->n++] = x;
    return KS_OK;
}

static int read_rows(ks_ctx *ctx, const sumstats_job *J, size_t t, srows *m, int col[GC_NCOL])
{
    const char *path = J->paths[t];
    const ks_gsem_sumstats_options *o = J->o;
    ks_gsem_sumstats_report *rep = &J->reports[t];
    const int n_given = o->N && o->N[t] > 0;
    const int need_n = (flag(o->ols, t) && !flag(o->betas, t)) || flag(o->linprob, t);
    const int need_se = flag(o->se_logit, t) ||
                        !(flag(o->linprob, t) || flag(o->ols, t) || flag(o->se_logit, t));
    ks__gsem_progress pr = J->pr;
    pr.me = t;
    int32_t *seen = ks__malloc_array(ctx, J->ref->n ? J->ref->n : 1, sizeof *seen);
    if (!seen) return KS_ENOMEM;
    for (size_t i = 0; i < J->ref->n; i++) seen[i] = -1;
    ks_text_reader *r;
    size_t nf;
    char *const *f;
    int rc = ks__gsem_open_raw(ctx, path, &r, &f, &nf);
    if (rc) {
        ks__free(ctx, seen);
        return rc;
    }
    double n_factor;
    const ks__gsem_colspec spec = {
        .given = o->columns,
        .ncol = GC_NCOL,
        .skip_n = n_given,
        .z_as_effect = flag(o->ols, t) || flag(o->linprob, t),
        .neff_half = 0,
        .required = 1u << GC_SNP | 1u << GC_A1 | 1u << GC_A2 | 1u << GC_EFFECT | 1u << GC_P |
                    (unsigned)(need_n && !n_given) << GC_N | (unsigned)need_se << GC_SE};
    rc = ks__gsem_map_columns(ctx, path, f, nf, &spec, col, &n_factor);
    if (!rc) rc = ks__gsem_columns_used(ctx, f, &spec, col, rep->used);
    sumstats_scan s = {ctx, path, rep, m, col, seen, n_given ? o->N[t] : 0.0, o->keep_indel};
    const ks__gsem_tally tl = {ctx, path, nf, &rep->rows, &rep->short_rows, &rep->not_in_ref, &pr};
    if (!rc) rc = ks__gsem_scan_rows(r, &J->ref->index, col[GC_SNP], &tl, sumstats_row, &s);
    if (!rc) ks__gsem_progress_report(&pr, r);
    ks_text_close(r);
    ks__free(ctx, seen);
    return rc;
}

static int sumstats_task(ks_ctx *ctx, size_t t, int tid, void *arg)
{
    (void)tid;
    const sumstats_job *J = arg;
    const ks_gsem_sumstats_options *o = J->o;
    const sref *ref = J->ref;
    ks_gsem_sumstats_report *rep = &J->reports[t];
    srows m = {NULL, 0, 0};
    int col[GC_NCOL];
    int rc = read_rows(ctx, J, t, &m, col);
    if (rc) {
        ks__free(ctx, m.rows);
        return rc;
    }
#define KEEP(cond, counter) GSEM_KEEP(srow, m.rows, m.n, cond, rep->counter)
    size_t counted = 0; /* repeated rsIDs: counted as they were read */
    GSEM_KEEP(srow, m.rows, m.n, !x->dead, counted);
    if (o->direct_filter && col[GC_DIRECTION] >= 0) KEEP(x->dir_ok, direction_low);
    KEEP(ref->kept[x->ref], not_in_ref);
    KEEP(!isnan(x->p), p_missing);
    KEEP(!isnan(x->eff), effect_missing);
    if (col[GC_MAF] >= 0) {
        for (size_t i = 0; i < m.n; i++) {
            srow *x = &m.rows[i];
            if (x->maf > 0.5) x->maf = 1.0 - x->maf;
        }
        KEEP(x->maf != 0.0 && x->maf != 1.0 && !isnan(x->maf), maf_invalid);
        for (size_t i = 0; i < m.n; i++) m.rows[i].var = 2 * m.rows[i].maf * (1 - m.rows[i].maf);
    } else {
        for (size_t i = 0; i < m.n; i++) {
            const double f = ref->maf[m.rows[i].ref];
            m.rows[i].var = 2 * f * (1 - f);
        }
    }
    double *v = ks__malloc_array(ctx, m.n ? m.n : 1, sizeof *v);
    if (!v) {
        ks__free(ctx, m.rows);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < m.n; i++) v[i] = m.rows[i].eff;
    rep->effect_is_or = nearbyint(ks__median(v, m.n)) == 1.0; /* R's round: halves to even */
    ks__free(ctx, v);
    if (rep->effect_is_or) {
        for (size_t i = 0; i < m.n; i++) m.rows[i].eff = log(m.rows[i].eff);
        KEEP(!isnan(x->eff), or_negative);
    }
    KEEP(x->eff != 0.0, effect_zero);
    const int ols = flag(o->ols, t), linprob = flag(o->linprob, t);
    const int se_logit = flag(o->se_logit, t);
    for (size_t i = 0; i < m.n; i++) {
        srow *x = &m.rows[i];
        double z;
        if (x->p < 1e-307) /* GenomicSEM's approximation, from the text of P (NaN P is gone) */
            z = sqrt(-2 * (isnan(x->logp) ? log(x->p) : x->logp));
        else
            z = ks__z_from_p(x->p, NAN);
        x->z = x->eff > 0 ? z : -z;
        if (ols && !flag(o->betas, t)) x->eff = x->z / sqrt(x->n * x->var);
        if (linprob) {
            x->eff = x->z / sqrt((x->n / 4) * x->var);
            x->se = 1 / sqrt((x->n / 4) * x->var);
        }
        /* to the reference A1 (NA where R's test is NA) */
        const int flip = ks__gsem_and3(ks__gsem_ne3(ref->a1[x->ref], x->a1),
                                   ks__gsem_eq3(ref->a1[x->ref], x->a2));
        if (flip == GSEM_T3) x->eff = x->eff * -1;
        if (flip == GSEM_NA3) x->eff = NAN;
    }
    KEEP(ks__gsem_and3(ks__gsem_ne3(ref->a1[x->ref], x->a1), ks__gsem_ne3(ref->a1[x->ref], x->a2)) ==
             GSEM_F3,
         a1_mismatch);
    KEEP(ks__gsem_and3(ks__gsem_ne3(ref->a2[x->ref], x->a2), ks__gsem_ne3(ref->a2[x->ref], x->a1)) ==
             GSEM_F3,
         a2_mismatch);
    if (col[GC_INFO] >= 0) {
        KEEP(isnan(x->info) || x->info >= o->info_filter, info_low);
        KEEP(!isnan(x->info), info_missing);
    }
    /* the standardized beta and SE, the last of R's output blocks that applies */
    double *B = J->beta + t * ref->n, *S = J->se + t * ref->n;
    double sum_z = 0.0;
    const int uses_n = (ols && !flag(o->betas, t)) || linprob, uses_z = ols || linprob;
    for (size_t i = 0; i < m.n; i++) {
        const srow *x = &m.rows[i];
        const double e = x->eff, d = pow(e * e * x->var + (M_PI * M_PI) / 3, .5);
        double b = e, s = fabs(e / x->z); /* OLS */
        if (linprob || se_logit) {
            b = e / d;
            s = x->se / d;
        } else if (!ols) {
            b = e / d;
            s = (x->se / exp(e)) / d;
        }
        /* (R's na.omit would keep an infinite one, and OLS betas with P = 0 get SE 0) */
        if (!isfinite(b) || !isfinite(s) || (uses_z && isinf(x->z))) {
            if (uses_n && !(x->n > 0.0 && x->n < INFINITY))
                rep->n_invalid++;
            else if (uses_z && isinf(x->z))
                rep->p_zero++;
            else
                rep->not_finite++;
            continue;
        }
        B[x->ref] = b;
        S[x->ref] = s;
        sum_z += fabs(b / s);
        rep->written++;
    }
#undef KEEP
    rep->mean_abs_z = rep->written ? sum_z / (double)rep->written : NAN;
    ks__free(ctx, m.rows);
    return KS_OK;
}

/* ---- the merge ---------------------------------------------------------------------------- */

/* The result: ks_gsem_sumstats_view's arrays, writable; the text in one arena. */
struct ks_gsem_sumstats {
    ks_allocator alloc;
    size_t n, k, ncol;
    const char **colnames, **cell;
    double *beta, *se;
    size_t ref_rows, ref_kept;
    ks_gsem_sumstats_report *reports;
    char *arena;
};

void ks_gsem_sumstats_free(ks_gsem_sumstats *r)
{
    if (!r) return;
    const ks_allocator *a = &r->alloc;
    for (size_t t = 0; r->reports && t < r->k; t++)
        for (int c = 0; c < 10; c++) ks__release(a, (void *)r->reports[t].used[c]);
    ks__release(a, r->reports);
    ks__release(a, r->colnames);
    ks__release(a, r->cell);
    ks__release(a, r->beta);
    ks__release(a, r->se);
    ks__release(a, r->arena);
    ks__release(a, r);
}

void ks_gsem_sumstats_get(const ks_gsem_sumstats *r, ks_gsem_sumstats_view *out)
{
    *out = (ks_gsem_sumstats_view){.n = r->n,
                                   .k = r->k,
                                   .ncol = r->ncol,
                                   .colnames = r->colnames,
                                   .cell = r->cell,
                                   .beta = r->beta,
                                   .se = r->se,
                                   .ref_rows = r->ref_rows,
                                   .ref_kept = r->ref_kept,
                                   .reports = r->reports};
}

int ks_gsem_sumstats_run(ks_ctx *ctx, size_t k, const char *const *paths, const char *refpath,
                         const ks_gsem_sumstats_options *opt, ks_gsem_sumstats **out)
{
    *out = NULL;
    ks_gsem_sumstats_options o = KS_GSEM_SUMSTATS_OPTIONS_INIT;
    if (opt) o = *opt;
    if (!k) return ks__fail(ctx, KS_EINVAL, "sumstats: no files");
    if (!(o.info_filter >= 0.0) || !(o.maf_filter >= 0.0))
        return ks__fail(ctx, KS_EINVAL, "sumstats: info_filter and maf_filter must be >= 0");
    for (size_t t = 0; t < k; t++)
        if (o.N && !isnan(o.N[t]) && !(o.N[t] > 0.0 && isfinite(o.N[t])))
            return ks__fail(ctx, KS_EINVAL, "sumstats: N %g (file %zu, %s) is not a number > 0 "
                                           "(NaN: the N column)", o.N[t], t + 1, paths[t]);
    sref ref;
    int rc = sref_read(ctx, refpath, o.maf_filter, o.ambig, &ref);
    if (rc) return rc;
    ks_gsem_sumstats *r = ks__calloc(ctx, 1, sizeof *r);
    if (r) r->alloc = ctx->alloc;
    double *beta = ks__malloc_array(ctx, k * (ref.n ? ref.n : 1), sizeof *beta);
    double *se = ks__malloc_array(ctx, k * (ref.n ? ref.n : 1), sizeof *se);
    uint64_t *done = ks__calloc(ctx, 2 * k, sizeof *done);
    if (r) r->reports = ks__calloc(ctx, k, sizeof *r->reports);
    if (!r || !r->reports || !beta || !se || !done) rc = KS_ENOMEM;
    if (r) r->k = k;
    for (size_t i = 0; !rc && i < k * ref.n; i++) beta[i] = se[i] = NAN;
    sumstats_job job = {paths, &ref, &o, r ? r->reports : NULL, beta, se,
                        {ctx, "sumstats", done, k, 0}};
    if (!rc)
        rc = ks__parallel_each(ctx, k, ks__gsem_read_ns(ks__gsem_file_bytes(paths, k)),
                               sumstats_task, &job, NULL);
    ks__free(ctx, done);
    /* the SNPs every file has, in the reference's order (row[i]: the reference row of i) */
    size_t n = 0, *row = rc ? NULL : ks__malloc_array(ctx, ref.n ? ref.n : 1, sizeof *row);
    if (!rc && !row) rc = KS_ENOMEM;
    for (size_t i = 0; !rc && i < ref.n; i++) {
        size_t t = 0;
        while (t < k && ref.kept[i] && !isnan(beta[t * ref.n + i])) t++;
        if (t == k) row[n++] = i;
    }
    if (!rc) {
        r->n = n;
        r->ncol = ref.ncol;
        r->ref_rows = ref.n;
        r->ref_kept = ref.nkept;
        r->colnames = ks__malloc_array(ctx, ref.ncol, sizeof *r->colnames);
        r->cell = ks__malloc_array(ctx, n ? n * ref.ncol : 1, sizeof *r->cell);
        r->beta = ks__malloc_array(ctx, k * (n ? n : 1), sizeof *r->beta);
        r->se = ks__malloc_array(ctx, k * (n ? n : 1), sizeof *r->se);
        if (!r->colnames || !r->cell || !r->beta || !r->se) rc = KS_ENOMEM;
    }
    if (!rc) {
        for (size_t c = 0; c < ref.ncol; c++) r->colnames[c] = ref.arena + ref.colname[c];
        for (size_t i = 0; i < n; i++) {
            for (size_t c = 0; c < ref.ncol; c++)
                r->cell[i * ref.ncol + c] = ref.arena + ref.cell[row[i] * ref.ncol + c];
            for (size_t t = 0; t < k; t++) {
                r->beta[t * n + i] = beta[t * ref.n + row[i]];
                r->se[t * n + i] = se[t * ref.n + row[i]];
            }
        }
    }
    ks__free(ctx, row);
    ks__free(ctx, beta);
    ks__free(ctx, se);
    if (rc) {
        sref_free(ctx, &ref);
        ks_gsem_sumstats_free(r);
        return rc;
    }
    r->arena = ref.arena;
    ref.arena = NULL;
    sref_free(ctx, &ref);
    *out = r;
    return KS_OK;
}

int ks_gsem_sumstats_write(ks_ctx *ctx, const ks_gsem_sumstats *r, const char *const *names,
                           size_t n_names, const char *path)
{
    return ks_gsem_sumstats_write_group(ctx, NULL, r, names, n_names, path);
}

int ks_gsem_sumstats_write_group(ks_ctx *ctx, ks_text_group *g, const ks_gsem_sumstats *r,
                                 const char *const *names, size_t n_names, const char *path)
{
    if (n_names != r->k)
        return ks__fail(ctx, KS_EINVAL, "sumstats: %zu trait names for %zu traits", n_names, r->k);
    const size_t l = strlen(path);
    ks_text_writer *w;
    int rc = ks_text_group_create(ctx, g, path, l > 3 && !strcmp(path + l - 3, ".gz"), &w);
    if (rc) return rc;
    for (size_t c = 0; c < r->ncol; c++) {
        ks_text_puts(w, r->colnames[c]);
        ks_text_write(w, "\t", 1);
    }
    for (size_t t = 0; t < r->k; t++)
        ks_text_printf(w, "beta.%s\tse.%s%s", names[t], names[t], t + 1 < r->k ? "\t" : "\n");
    for (size_t i = 0; i < r->n; i++) {
        for (size_t c = 0; c < r->ncol; c++) {
            ks_text_puts(w, r->cell[i * r->ncol + c]);
            ks_text_write(w, "\t", 1);
        }
        for (size_t t = 0; t < r->k; t++) {
            char b[80];
            int l = ks__format_g17(r->beta[t * r->n + i], b);
            b[l++] = '\t';
            l += ks__format_g17(r->se[t * r->n + i], b + l);
            b[l++] = t + 1 < r->k ? '\t' : '\n';
            ks_text_write(w, b, (size_t)l);
        }
    }
    return ks_text_commit(w);
}
