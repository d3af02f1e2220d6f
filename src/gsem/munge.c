/* munge.c — GenomicSEM's munge(), written from its documented behaviour (notes/genomicsem.md
 * sec. 1.4): each raw file is streamed once; the rows whose SNP is in the reference list are
 * kept (the list bounds the memory); then, in R's order: rows with P or the effect missing go,
 * an effect column whose median rounds to 1 is read as an odds ratio (its log), the effect is
 * flipped to the reference A1, rows whose alleles do not match the reference go, Z = sign(effect)
 * |Phi^-1(P / 2)|, the INFO and MAF filters run, and `SNP N Z A1 A2` is written (the reference's
 * alleles) in the order of the SNP names, as R's merge writes it. R's three-valued logic is kept
 * where an allele is missing. Departures, each counted: rows with P outside [0, 1], or an odds
 * ratio below 0, are removed (R writes Z = NaN for them); rows with INFO missing are removed (R
 * writes a row of NA when there is no MAF column, else removes them with the MAF filter). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "gsem_internal.h"

/* The columns munge reads, in the order GenomicSEM interprets them. */
enum { C_SNP, C_A1, C_A2, C_EFFECT, C_INFO, C_P, C_N, C_MAF, NCOL };
static const char *const CANON[NCOL] = {"SNP", "A1", "A2", "effect", "INFO", "P", "N", "MAF"};
static const char *const SYN_SNP[] = {"SNP", "SNPID", "RSID", "RS_NUMBER", "RS_NUMBERS",
                                      "MARKERNAME", "ID", "PREDICTOR", "SNP_ID", "VARIANTID",
                                      "VARIANT_ID", "RSIDS", "RS_ID", NULL};
static const char *const SYN_A1[] = {"A1", "ALLELE1", "EFFECT_ALLELE", "INC_ALLELE",
                                     "REFERENCE_ALLELE", "EA", "REF", NULL};
static const char *const SYN_A2[] = {"A2", "ALLELE2", "ALLELE0", "OTHER_ALLELE",
                                     "NON_EFFECT_ALLELE", "DEC_ALLELE", "OA", "NEA", "ALT", "A0",
                                     NULL};
static const char *const SYN_EFFECT[] = {"OR", "B", "BETA", "LOG_ODDS", "EFFECTS", "EFFECT",
                                         "SIGNED_SUMSTAT", "EST", "BETA1", "LOGOR", NULL};
static const char *const SYN_INFO[] = {"INFO", "IMPINFO", NULL};
static const char *const SYN_P[] = {"P", "PVALUE", "PVAL", "P_VALUE", "P-VALUE", "P.VALUE",
                                    "P_VAL", "GC_PVALUE", "WALD_P", NULL};
static const char *const SYN_N[] = {"N", "WEIGHT", "NCOMPLETESAMPLES", "TOTALSAMPLESIZE",
                                    "TOTALN", "TOTAL_N", "N_COMPLETE_SAMPLES", "SAMPLESIZE",
                                    "NEFF", "N_EFF", "N_EFFECTIVE", "SUMNEFF", NULL};
static const char *const SYN_MAF[] = {"MAF", "CEUAF", "FREQ1", "EAF", "FREQ1.HAPMAP",
                                      "FREQALLELE1HAPMAPCEU", "FREQ.ALLELE1.HAPMAPCEU",
                                      "EFFECT_ALLELE_FREQ", "FREQ.A1", "A1FREQ", "ALLELEFREQ",
                                      "EFFECT_ALLELE_FREQUENCY", NULL};
static const char *const SYN_Z[] = {"Z", "ZSCORE", "Z-SCORE", "ZSTATISTIC", "ZSTAT",
                                    "Z-STATISTIC", NULL};
static const char *const *const SYN[NCOL] = {SYN_SNP, SYN_A1,  SYN_A2, SYN_EFFECT,
                                             SYN_INFO, SYN_P, SYN_N,  SYN_MAF};

/* A row kept from the file: its reference SNP, its place in the file, what the rules need. */
typedef struct {
    uint32_t ref, rank, row; /* rank: the SNP name's in byte order */
    signed char a1, a2;
    double p, logp, eff, n, info, maf;
} mrow;

static void upper_copy(const char *s, char *d, size_t cap)
{
    size_t i = 0;
    for (; s[i] && i + 1 < cap; i++) d[i] = (char)toupper((unsigned char)s[i]);
    d[i] = '\0';
}

static int in_list(const char *u, const char *const *list)
{
    for (; *list; list++)
        if (!strcmp(u, *list)) return 1;
    return 0;
}

/* GenomicSEM's .get_renamed_colnames for the columns munge reads: a caller's name first, then
 * the canonical name, then the first synonym in the file (the Z synonyms for a missing effect).
 * col[k]: the file column or -1; *n_factor 2 when N comes from NEFFDIV2 / NEFF_HALF. */
static int map_columns(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                       const ks_munge_options *o, int col[NCOL], double *n_factor)
{
    char(*up)[64] = ks_malloc_array(ctx, nf ? nf : 1, sizeof *up);
    if (!up) return KS_ENOMEM;
    for (size_t j = 0; j < nf; j++) upper_copy(f[j], up[j], sizeof up[j]);
    *n_factor = 1.0;
    for (int k = 0; k < NCOL; k++) {
        col[k] = -1;
        if (k == C_N && o->N > 0) continue; /* N given: the file's is not read */
        const char *given = NULL;
        for (const char *const *c = o->columns; c && *c; c++) {
            const size_t l = strlen(CANON[k]);
            if (!strncmp(*c, CANON[k], l) && (*c)[l] == '=') given = *c + l + 1;
        }
        if (given) {
            char g[64];
            upper_copy(given, g, sizeof g);
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (!strcmp(up[j], g)) col[k] = (int)j;
            if (col[k] < 0) {
                ks_free(ctx, up);
                return ks_fail(ctx, KS_EINVAL, "%s: no column '%s' (given for %s)", path, given,
                               CANON[k]);
            }
            continue;
        }
        for (size_t j = 0; j < nf && col[k] < 0 && k != C_EFFECT; j++) /* (R: "effect" never) */
            if (!strcmp(up[j], CANON[k])) col[k] = (int)j;
        for (size_t j = 0; j < nf && col[k] < 0; j++)
            if (in_list(up[j], SYN[k])) col[k] = (int)j;
        if (k == C_N)
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (!strcmp(up[j], "NEFFDIV2") || !strcmp(up[j], "NEFF_HALF")) {
                    col[k] = (int)j;
                    *n_factor = 2.0;
                }
        if (k == C_EFFECT)
            for (size_t j = 0; j < nf && col[k] < 0; j++)
                if (in_list(up[j], SYN_Z)) col[k] = (int)j;
    }
    ks_free(ctx, up);
    static const char *const what[NCOL] = {"SNP (rs-id)", "A1 (effect allele)",
                                           "A2 (other allele)", "effect (beta, OR or Z)", NULL,
                                           "P (P-value)", "N (sample size)", NULL};
    for (int k = 0; k < NCOL; k++)
        if (col[k] < 0 && what[k] && !(k == C_N && o->N > 0))
            return ks_fail(ctx, KS_EPARSE,
                           "%s:1: no %s column%s (name it with columns, e.g. \"%s=MyName\")",
                           path, what[k], k == C_N ? " and no N given" : "", CANON[k]);
    return KS_OK;
}

/* R's three-valued comparisons of allele codes (GSEM_NA is R's NA). */
enum { F3 = 0, T3 = 1, NA3 = 2 };
static int ne3(int a, int b) { return a == GSEM_NA || b == GSEM_NA ? NA3 : a != b; }
static int eq3(int a, int b) { return a == GSEM_NA || b == GSEM_NA ? NA3 : a == b; }
static int and3(int a, int b)
{
    if (a == F3 || b == F3) return F3;
    return a == NA3 || b == NA3 ? NA3 : T3;
}



/* A cell as a number, or an error naming the place. */
static int num(ks_ctx *ctx, const char *path, size_t line, int col, const char *name,
               char *const *f, size_t nf, double *v, double *logv)
{
    if (col < 0 || (size_t)col >= nf) {
        *v = NAN;
        if (logv) *logv = NAN;
        return KS_OK;
    }
    const int r = gsem_parse_num(f[col], v, logv);
    if (r < 0)
        return ks_fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", path, line,
                       col + 1, f[col], name);
    if (r == 0) *v = NAN;
    return KS_OK;
}

typedef struct {
    mrow *rows;
    size_t n, cap;
} mrows;

static int push_row(ks_ctx *ctx, mrows *m, const mrow *r)
{
    const int rc = gsem_grow(ctx, (void **)&m->rows, &m->cap, m->n + 1, sizeof *m->rows);
    if (!rc) m->rows[m->n++] = *r;
    return rc;
}

/* One progress report at a time. */
typedef gsem_progress progress;

void gsem_progress_report(const progress *pr, ks_text_reader *r)
{
#pragma omp critical(ks_munge_progress)
    {
        ks_text_progress(r, &pr->done[2 * pr->me], &pr->done[2 * pr->me + 1]);
        uint64_t d = 0, t = 0;
        for (size_t j = 0; j < pr->n; j++) {
            d += pr->done[2 * j];
            t += pr->done[2 * j + 1];
        }
        ks_progress(pr->ctx, "munge", d, t);
    }
}

/* Stream one file: the rows in the reference list, parsed. */
static int read_rows(ks_ctx *ctx, const char *path, const gsem_snplist *ref,
                     const ks_munge_options *o, ks_munge_report *rep, mrows *m, double *n_factor,
                     int col[NCOL], const progress *pr)
{
    ks_text_reader *r;
    int rc = ks_text_open(ctx, path, 0, &r);
    if (rc) return rc;
    size_t nf, line, nhead = 0;
    char *const *f;
    int header = 1;
    while ((rc = ks_text_next(r, &nf, &f, &line)) == 1) {
        if (header) {
            if ((rc = map_columns(ctx, path, f, nf, o, col, n_factor))) break;
            for (int k = 0; k < NCOL; k++)
                if (col[k] >= 0 && !(rep->used[k] = ks_strdup(ctx, f[col[k]]))) rc = KS_ENOMEM;
            if (rc) break;
            nhead = nf;
            header = 0;
            continue;
        }
        rep->rows++;
        if (nf > nhead) {
            rc = ks_fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, more than the header's %zu", path,
                         line, nf, nhead);
            break;
        }
        if (nf < nhead) rep->short_rows++;
        if ((size_t)col[C_SNP] >= nf) {
            rep->not_in_ref++;
            continue;
        }
        const int64_t k = gsem_snplist_find(ref, f[col[C_SNP]]);
        if (k < 0) {
            rep->not_in_ref++;
            continue;
        }
        mrow x;
        x.ref = (uint32_t)k;
        x.rank = ref->rank[k];
        x.row = (uint32_t)rep->rows;
        x.a1 = (signed char)((size_t)col[C_A1] < nf ? gsem_allele(f[col[C_A1]], 1) : GSEM_NA);
        x.a2 = (signed char)((size_t)col[C_A2] < nf ? gsem_allele(f[col[C_A2]], 1) : GSEM_NA);
        if ((rc = num(ctx, path, line, col[C_P], "P", f, nf, &x.p, &x.logp)) ||
            (rc = num(ctx, path, line, col[C_EFFECT], "effect", f, nf, &x.eff, NULL)) ||
            (rc = num(ctx, path, line, col[C_N], "N", f, nf, &x.n, NULL)) ||
            (rc = num(ctx, path, line, col[C_INFO], "INFO", f, nf, &x.info, NULL)) ||
            (rc = num(ctx, path, line, col[C_MAF], "MAF", f, nf, &x.maf, NULL)) ||
            (rc = push_row(ctx, m, &x)))
            break;
        if ((rep->rows & 65535) == 0) gsem_progress_report(pr, r);
    }
    if (rc == 0 && header) rc = ks_fail(ctx, KS_EPARSE, "%s: empty file (no header row)", path);
    gsem_progress_report(pr, r);
    ks_text_close(r);
    return rc < 0 ? rc : KS_OK;
}

/* The rows in the order of their SNP names, rows of one SNP in file order (a counting sort
 * over the reference's nref ranks: stable, O(n + nref)). */
static int sort_by_rank(ks_ctx *ctx, mrows *m, size_t nref)
{
    size_t *start = ks_calloc(ctx, nref + 1, sizeof *start);
    mrow *out = ks_malloc_array(ctx, m->n ? m->n : 1, sizeof *out);
    if (!start || !out) {
        ks_free(ctx, start);
        ks_free(ctx, out);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < m->n; i++) start[m->rows[i].rank + 1]++;
    for (size_t r = 0; r < nref; r++) start[r + 1] += start[r];
    for (size_t i = 0; i < m->n; i++) out[start[m->rows[i].rank]++] = m->rows[i];
    ks_free(ctx, start);
    ks_free(ctx, m->rows);
    m->rows = out;
    m->cap = m->n;
    return KS_OK;
}

/* The median of the effects. */
static int median(ks_ctx *ctx, const mrow *rows, size_t n, double *out)
{
    double *v = ks_malloc_array(ctx, n ? n : 1, sizeof *v);
    if (!v) return KS_ENOMEM;
    for (size_t i = 0; i < n; i++) v[i] = rows[i].eff;
    *out = gsem_median(v, n);
    ks_free(ctx, v);
    return KS_OK;
}

static void put_num(ks_text_writer *w, double x)
{
    char b[40];
    const int l = gsem_format_r(x, b);
    ks_text_write(w, b, (size_t)l);
}

/* One file, GenomicSEM's rules. */
static int munge_one(ks_ctx *ctx, const char *path, const char *out_path, const gsem_snplist *ref,
                     const ks_munge_options *o, ks_munge_report *rep, const progress *pr)
{
    mrows m = {NULL, 0, 0};
    int col[NCOL];
    double n_factor = 1.0;
    int rc = read_rows(ctx, path, ref, o, rep, &m, &n_factor, col, pr);
    if (rc) {
        ks_free(ctx, m.rows);
        return rc;
    }
    size_t k = 0; /* survivors are compacted into rows[0..k) after each rule */
#define KEEP(cond, counter)                                                                       \
    do {                                                                                           \
        k = 0;                                                                                     \
        for (size_t i = 0; i < m.n; i++) {                                                         \
            mrow *x = &m.rows[i];                                                                  \
            (void)x;                                                                               \
            if (cond)                                                                              \
                m.rows[k++] = m.rows[i];                                                           \
            else                                                                                   \
                rep->counter++;                                                                    \
        }                                                                                          \
        m.n = k;                                                                                   \
    } while (0)
    KEEP(!isnan(x->p), p_missing);
    KEEP(!isnan(x->eff), effect_missing);
    double med;
    if ((rc = median(ctx, m.rows, m.n, &med))) {
        ks_free(ctx, m.rows);
        return rc;
    }
    rep->effect_is_or = nearbyint(med) == 1.0; /* R's round: halves to even */
    if (rep->effect_is_or) {
        KEEP(!(x->eff < 0.0), or_negative);
        for (size_t i = 0; i < m.n; i++) m.rows[i].eff = log(m.rows[i].eff);
    }
    for (size_t i = 0; i < m.n; i++) { /* to the reference A1 (NA where R's test is NA) */
        mrow *x = &m.rows[i];
        const int flip = and3(ne3(ref->a1[x->ref], x->a1), eq3(ref->a1[x->ref], x->a2));
        if (flip == T3) x->eff = -x->eff;
        if (flip == NA3) x->eff = NAN;
    }
    KEEP(and3(ne3(ref->a1[x->ref], x->a1), ne3(ref->a1[x->ref], x->a2)) == F3, a1_mismatch);
    KEEP(and3(ne3(ref->a2[x->ref], x->a2), ne3(ref->a2[x->ref], x->a1)) == F3, a2_mismatch);
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
#undef KEEP
    if ((rc = sort_by_rank(ctx, &m, ref->n))) {
        ks_free(ctx, m.rows);
        return rc;
    }
    ks_text_writer *w;
    if ((rc = ks_text_create(ctx, out_path, 1, &w))) { /* gzip's fastest level */
        ks_free(ctx, m.rows);
        return rc;
    }
    ks_text_puts(w, "SNP\tN\tZ\tA1\tA2\n");
    for (size_t i = 0; i < m.n; i++) {
        const mrow *x = &m.rows[i];
        const double z = isnan(x->eff) ? NAN
                         : x->eff == 0.0 ? 0.0
                                         : copysign(gsem_z_from_p(x->p, x->logp), x->eff);
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
    ks_free(ctx, m.rows);
    return ks_text_commit(w);
}

void ks_munge_report_free(ks_ctx *ctx, ks_munge_report *r)
{
    if (!r) return;
    for (int k = 0; k < 8; k++) ks_free(ctx, r->used[k]);
    for (int k = 0; k < KS_LDSC_NCOL; k++) ks_free(ctx, r->ldsc.used[k]);
    ks_free(ctx, r->ldsc.signed_name);
    memset(r, 0, sizeof *r);
}

int ks_gsem_munge(ks_ctx *ctx, size_t n, const char *const *paths, const char *const *out_paths,
                  const char *refpath, const ks_munge_options *opt, ks_munge_report *reports)
{
    ks_munge_options o = KS_MUNGE_OPTIONS_INIT;
    if (opt) o = *opt;
    for (size_t i = 0; i < n; i++) memset(&reports[i], 0, sizeof reports[i]);
    const int ldsc = o.mode == KS_MUNGE_LDSC;
    if (o.mode != KS_MUNGE_GENOMICSEM && !ldsc)
        return ks_fail(ctx, KS_EINVAL, "munge: mode %d is neither GenomicSEM's nor ldsc's",
                       (int)o.mode);
    if (ldsc) {
        if (gsem_bulik_check(ctx, &o)) return ctx->errcode;
    } else if (!(o.info_filter >= 0.0) || !(o.maf_filter >= 0.0) || !(o.N >= 0.0)) {
        return ks_fail(ctx, KS_EINVAL, "munge: info_filter, maf_filter and N must be >= 0");
    } else if (!refpath) {
        return ks_fail(ctx, KS_EINVAL, "munge: the reference list (hm3) is required");
    }
    gsem_snplist ref;
    memset(&ref, 0, sizeof ref);
    int rc = refpath ? gsem_snplist_read(ctx, refpath, &ref) : KS_OK;
    if (rc && ldsc) { /* munge_sumstats's merge-alleles list */
        char msg[sizeof ctx->errmsg];
        memcpy(msg, ctx->errmsg, sizeof msg);
        rc = ks_fail(ctx, rc, "merge-alleles list: %s (it must have the columns SNP, A1, A2)", msg);
    }
    if (rc) return rc;
    int *status = ks_calloc(ctx, n ? n : 1, sizeof *status);
    ks_ctx *sub = ks_malloc_array(ctx, n ? n : 1, sizeof *sub);
    uint64_t *done = ks_calloc(ctx, 2 * (n ? n : 1), sizeof *done);
    if (!status || !sub || !done) {
        ks_free(ctx, status);
        ks_free(ctx, sub);
        ks_free(ctx, done);
        gsem_snplist_free(ctx, &ref);
        return KS_ENOMEM;
    }
    int nt = ctx->nthreads < 1 ? 1 : ctx->nthreads;
    if ((size_t)nt > n) nt = (int)(n ? n : 1);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
        sub[i] = *ctx; /* each file's own error message */
        sub[i].errcode = 0;
        sub[i].errmsg[0] = '\0';
        progress pr = {ctx, done, n, i};
        status[i] = ldsc ? gsem_bulik_one(&sub[i], paths[i], out_paths[i], refpath ? &ref : NULL,
                                          &o, &reports[i], &pr)
                         : munge_one(&sub[i], paths[i], out_paths[i], &ref, &o, &reports[i], &pr);
    }
    for (size_t i = 0; i < n && rc == KS_OK; i++)
        if (status[i]) {
            rc = status[i];
            ctx->errcode = sub[i].errcode;
            memcpy(ctx->errmsg, sub[i].errmsg, sizeof ctx->errmsg);
        }
    if (rc) /* all or nothing: no output of this call is left, no report */
        for (size_t i = 0; i < n; i++) {
            if (!status[i]) remove(out_paths[i]);
            ks_munge_report_free(ctx, &reports[i]);
        }
    ks_free(ctx, status);
    ks_free(ctx, sub);
    ks_free(ctx, done);
    gsem_snplist_free(ctx, &ref);
    return rc;
}
