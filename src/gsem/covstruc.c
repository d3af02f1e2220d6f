/* covstruc.c — the ldsc result (GenomicSEM's covstruc) as a handle: made by ldsc.c's fit, from
 * given matrices (ks_gsem_ldsc_make: e.g. R GenomicSEM's ldsc() output) or from kestrel's
 * covstruc file (ks_gsem_ldsc_read), written to that file (ks_gsem_ldsc_write), read through
 * its view.
 *
 * The file, version 1: tab-separated text, every number as %.17g (so that reading it back gives
 * the same doubles) or NA; lines starting with '#' are comments. In this order:
 *   kestrel_covstruc <version>
 *   traits <name 1> ... <name k>
 *   m <sum of M_5_50>          n_blocks <jackknife blocks, 0: unknown>
 *   the matrices S, V, I (S_Stand and V_Stand, both or neither), each a header line of its name
 *   and its column labels, then one line per row: its label and its numbers (V's labels are
 *   the pairs "a_b" of its order, the column-wise lower triangle of S);
 *   the table `trait`: a header of the column names, one line per trait; the table `pair`:
 *   one line per pair in V's order;
 *   end
 * The reader checks every label, count and number, and that S, V, I, S_Stand and V_Stand are
 * symmetric; an error names the file and the line. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/format.h"
#include "gsem_internal.h"
#include "ldsc_result.h"
#include "linalg/linalg_internal.h"

enum { COVSTRUC_VERSION = 1 };

/* ---- the handle ------------------------------------------------------------------------------ */

void ks_gsem_ldsc_free(ks_gsem_ldsc *r)
{
    if (!r) return;
    ks__release(&r->alloc, r->S);
    ks__release(&r->alloc, r->snps_read);
    ks__release(&r->alloc, r->pair_snps);
    ks__release(&r->alloc, r->names);
    ks__release(&r->alloc, r);
}

void ks_gsem_ldsc_get(const ks_gsem_ldsc *r, ks_gsem_ldsc_view *out)
{
    *out = (ks_gsem_ldsc_view){.k = r->k,
                               .kstar = r->kstar,
                               .n_blocks = r->n_blocks,
                               .S = r->S,
                               .V = r->V,
                               .intercept = r->intercept,
                               .N = r->N,
                               .m = r->m,
                               .S_stand = r->S_stand,
                               .V_stand = r->V_stand,
                               .S_se = r->S_se,
                               .S_stand_se = r->S_stand_se,
                               .liab = r->liab,
                               .snps_read = r->snps_read,
                               .snps_merged = r->snps_merged,
                               .snps_bad_n = r->snps_bad_n,
                               .snps_removed = r->snps_removed,
                               .snps_dup = r->snps_dup,
                               .snps_after_n = r->snps_after_n,
                               .snps_used = r->snps_used,
                               .chisq_max = r->chisq_max,
                               .mean_chisq = r->mean_chisq,
                               .lambda_gc = r->lambda_gc,
                               .h2_se = r->h2_se,
                               .intercept_se = r->intercept_se,
                               .ratio = r->ratio,
                               .ratio_se = r->ratio_se,
                               .pair_snps = r->pair_snps,
                               .est = r->est,
                               .est_se = r->est_se,
                               .est_z = r->est_z,
                               .est_p = r->est_p,
                               .pair_intercept = r->pair_intercept,
                               .pair_intercept_se = r->pair_intercept_se,
                               .mean_zz = r->mean_zz,
                               .names = (const char *const *)r->names};
}

ks_gsem_ldsc *ks__gsem_ldsc_new(ks_ctx *ctx, size_t k, size_t ks)
{
    ks_gsem_ldsc *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return NULL;
    r->alloc = ctx->alloc;
    r->k = k;
    r->kstar = ks;
    const size_t nd = 5 * k * k + 2 * ks * ks + ks + 8 * k + 7 * ks;
    r->S = ks__calloc(ctx, nd, sizeof(double));
    r->snps_read = ks__calloc(ctx, 7 * k, sizeof(size_t));
    r->pair_snps = ks__calloc(ctx, ks, sizeof(size_t));
    if (!r->S || !r->snps_read || !r->pair_snps) {
        ks_gsem_ldsc_free(r);
        return NULL;
    }
    double *p = r->S + k * k;
    r->intercept = p, p += k * k;
    r->S_stand = p, p += k * k;
    r->S_se = p, p += k * k;
    r->S_stand_se = p, p += k * k;
    r->V = p, p += ks * ks;
    r->V_stand = p, p += ks * ks;
    r->N = p, p += ks;
    r->liab = p, p += k;
    r->chisq_max = p, p += k;
    r->mean_chisq = p, p += k;
    r->lambda_gc = p, p += k;
    r->h2_se = p, p += k;
    r->intercept_se = p, p += k;
    r->ratio = p, p += k;
    r->ratio_se = p, p += k;
    r->est = p, p += ks;
    r->est_se = p, p += ks;
    r->est_z = p, p += ks;
    r->est_p = p, p += ks;
    r->pair_intercept = p, p += ks;
    r->pair_intercept_se = p, p += ks;
    r->mean_zz = p;
    r->snps_merged = r->snps_read + k;
    r->snps_removed = r->snps_read + 2 * k;
    r->snps_bad_n = r->snps_read + 3 * k;
    r->snps_dup = r->snps_read + 4 * k;
    r->snps_after_n = r->snps_read + 5 * k;
    r->snps_used = r->snps_read + 6 * k;
    return r;
}

int ks__gsem_check_names(ks_ctx *ctx, size_t k, const char *const *names)
{
    for (size_t j = 0; j < k; j++) {
        const char *s = names[j];
        if (!s || !*s) return ks__fail(ctx, KS_EINVAL, "trait %zu: an empty name", j + 1);
        if (strpbrk(s, "\t\r\n\"") || s[0] == '#' || !strcmp(s, "NA"))
            return ks__fail(ctx, KS_EINVAL,
                            "trait %zu: the name '%s' (a name has no tab, line break or '\"', "
                            "does not start with '#' and is not NA)",
                            j + 1, s);
        for (size_t q = 0; q < j; q++)
            if (!strcmp(names[q], s))
                return ks__fail(ctx, KS_EINVAL, "traits %zu and %zu have the same name '%s'", q + 1,
                                j + 1, s);
    }
    return KS_OK;
}

int ks__gsem_ldsc_set_names(ks_ctx *ctx, ks_gsem_ldsc *r, const char *const *names)
{
    int rc = ks__gsem_check_names(ctx, r->k, names);
    if (rc) return rc;
    size_t bytes = r->k * sizeof(char *);
    for (size_t j = 0; j < r->k; j++)
        if (!ks__size_add(bytes, strlen(names[j]) + 1, &bytes))
            return ks__fail(ctx, KS_EOVERFLOW, "trait names too long");
    char **p = ks__malloc(ctx, bytes);
    if (!p) return KS_ENOMEM;
    char *s = (char *)(p + r->k);
    for (size_t j = 0; j < r->k; j++) {
        const size_t n = strlen(names[j]) + 1;
        memcpy(s, names[j], n);
        p[j] = s;
        s += n;
    }
    ks__release(&r->alloc, r->names);
    r->names = p;
    return KS_OK;
}

int ks__gsem_ldsc_default_names(ks_ctx *ctx, ks_gsem_ldsc *r)
{
    char **nm = ks__malloc_array(ctx, r->k, sizeof *nm + 24);
    if (!nm) return KS_ENOMEM;
    char *s = (char *)(nm + r->k);
    for (size_t j = 0; j < r->k; j++, s += 24) {
        snprintf(s, 24, "V%zu", j + 1);
        nm[j] = s;
    }
    const int rc = ks__gsem_ldsc_set_names(ctx, r, (const char *const *)nm);
    ks__free(ctx, nm);
    return rc;
}

void ks__gsem_ldsc_finish(ks_gsem_ldsc *r)
{
    const size_t k = r->k, ks = r->kstar;
    for (size_t t = 0; t < ks; t++) {
        r->est_z[t] = r->est[t] / r->est_se[t];
        r->est_p[t] = erfc(fabs(r->est_z[t]) / sqrt(2.0));
    }
    for (size_t j = 0, t = 0; j < k; j++)
        for (size_t i = j; i < k; i++, t++) {
            r->S_se[i + j * k] = r->S_se[j + i * k] = sqrt(r->V[t + t * ks]);
            if (r->V_stand)
                r->S_stand_se[i + j * k] = r->S_stand_se[j + i * k] = sqrt(r->V_stand[t + t * ks]);
        }
    if (!r->V_stand) r->S_stand_se = NULL;
}

void ks__gsem_scale_sv(size_t k, const double *d, const double *S, double *So, const double *V,
                       double *Vo, double *sO)
{
    for (size_t a = 0; a < k; a++)
        for (size_t b = 0; b < k; b++) So[a + b * k] = S[a + b * k] * (d[a] * d[b]);
    size_t ks = 0;
    for (size_t c = 0; c < k; c++)
        for (size_t rr = c; rr < k; rr++) sO[ks++] = d[rr] * d[c];
    for (size_t a = 0; a < ks; a++)
        for (size_t b = 0; b < ks; b++) Vo[a + b * ks] = V[a + b * ks] * (sO[a] * sO[b]);
}

/* ---- made from given matrices ---------------------------------------------------------------- */

/* A matrix that must be symmetric (and, finite, have finite elements): the first element at
 * fault, or -1. */
static long asymmetric_at(const double *A, size_t n, int finite)
{
    for (size_t j = 0; j < n; j++)
        for (size_t i = 0; i < n; i++) {
            const double a = A[i + j * n], b = A[j + i * n];
            if ((finite && !isfinite(a)) || (a != b && !(isnan(a) && isnan(b))))
                return (long)(i + j * n);
        }
    return -1;
}

/* The checks the matrices of a covstruc pass, made and read alike; `where` names the source. */
static int check_matrices(ks_ctx *ctx, const ks_gsem_ldsc *r, const char *where)
{
    const size_t k = r->k, ks = r->kstar;
    const struct {
        const char *name;
        const double *A;
        size_t n;
        int finite;
    } m[5] = {{"S", r->S, k, 1},
              {"V", r->V, ks, 1},
              {"I", r->intercept, k, 0},
              {"S_Stand", r->S_stand, k, 1},
              {"V_Stand", r->V_stand, ks, 1}};
    for (int q = 0; q < 5; q++) {
        if (!m[q].A) continue;
        const long at = asymmetric_at(m[q].A, m[q].n, m[q].finite);
        if (at < 0) continue;
        const size_t i = (size_t)at % m[q].n, j = (size_t)at / m[q].n;
        const double a = m[q].A[i + j * m[q].n], b = m[q].A[j + i * m[q].n];
        if (!isfinite(a) && m[q].finite)
            return ks__fail(ctx, KS_EINVAL, "%s: %s[%zu, %zu] = %g is not a finite number", where,
                            m[q].name, i + 1, j + 1, a);
        return ks__fail(ctx, KS_EINVAL,
                        "%s: %s is not symmetric: [%zu, %zu] = %.17g but [%zu, %zu] = %.17g", where,
                        m[q].name, i + 1, j + 1, a, j + 1, i + 1, b);
    }
    if (!(isnan(r->m) || (r->m > 0.0 && isfinite(r->m))))
        return ks__fail(ctx, KS_EINVAL, "%s: m = %g is not a number > 0 (NA: unknown)", where,
                        r->m);
    return KS_OK;
}

int ks_gsem_ldsc_make(ks_ctx *ctx, const ks_gsem_ldsc_view *in, ks_gsem_ldsc **out)
{
    *out = NULL;
    const size_t k = in->k;
    if (k < 1 || k > 10000)
        return ks__fail(ctx, KS_EINVAL, "covstruc: k = %zu traits (1 to 10000)", k);
    const size_t ks = k * (k + 1) / 2;
    if (in->kstar && in->kstar != ks)
        return ks__fail(ctx, KS_EINVAL, "covstruc: kstar = %zu, but k = %zu traits make %zu",
                        in->kstar, k, ks);
    if (!in->S || !in->V || !in->names)
        return ks__fail(ctx, KS_EINVAL, "covstruc: S, V and the trait names are required");
    if (!in->S_stand != !in->V_stand)
        return ks__fail(ctx, KS_EINVAL, "covstruc: S_Stand and V_Stand go together");
    int rc = ks__gsem_check_names(ctx, k, in->names);
    if (rc) return rc;
    ks_gsem_ldsc *r = ks__gsem_ldsc_new(ctx, k, ks);
    if (!r) return KS_ENOMEM;
    r->n_blocks = in->n_blocks;
    r->m = in->m;
#define COPY(f, n, dflt)                                                                           \
    for (size_t i = 0; i < (n); i++) r->f[i] = in->f ? in->f[i] : (dflt)
    COPY(S, k * k, 0.0);
    COPY(V, ks * ks, 0.0);
    COPY(intercept, k * k, NAN);
    COPY(N, ks, NAN);
    COPY(liab, k, 1.0);
    COPY(chisq_max, k, NAN);
    COPY(mean_chisq, k, NAN);
    COPY(lambda_gc, k, NAN);
    COPY(h2_se, k, NAN);
    COPY(intercept_se, k, NAN);
    COPY(ratio, k, NAN);
    COPY(ratio_se, k, NAN);
    COPY(est, ks, NAN);
    COPY(est_se, ks, NAN);
    COPY(pair_intercept, ks, NAN);
    COPY(pair_intercept_se, ks, NAN);
    COPY(mean_zz, ks, NAN);
    COPY(pair_snps, ks, 0);
    for (size_t c = 0; c < 7; c++) { /* (the counts: one block from snps_read) */
        const size_t *src[7] = {in->snps_read, in->snps_merged,  in->snps_removed, in->snps_bad_n,
                                in->snps_dup,  in->snps_after_n, in->snps_used};
        for (size_t j = 0; j < k; j++) r->snps_read[c * k + j] = src[c] ? src[c][j] : 0;
    }
#undef COPY
    if (in->S_stand) {
        memcpy(r->S_stand, in->S_stand, k * k * sizeof *r->S_stand);
        memcpy(r->V_stand, in->V_stand, ks * ks * sizeof *r->V_stand);
    }
    rc = check_matrices(ctx, r, "covstruc");
    if (!rc && !in->S_stand) { /* as ldsc: when every heritability is > 0 */
        int pos = 1;
        for (size_t j = 0; j < k; j++) pos &= r->S[j + j * k] > 0.0;
        double *d = pos ? ks__malloc_array(ctx, k + ks, sizeof *d) : NULL;
        if (pos && !d) rc = KS_ENOMEM;
        if (d) {
            for (size_t j = 0; j < k; j++) d[j] = 1.0 / sqrt(r->S[j + j * k]);
            ks__gsem_scale_sv(k, d, r->S, r->S_stand, r->V, r->V_stand, d + k);
            ks__free(ctx, d);
        }
        if (!pos) r->S_stand = r->V_stand = NULL;
    }
    if (!rc) rc = ks__gsem_ldsc_set_names(ctx, r, in->names);
    if (rc) {
        ks_gsem_ldsc_free(r);
        return rc;
    }
    ks__gsem_ldsc_finish(r);
    *out = r;
    return KS_OK;
}

/* ---- the file -------------------------------------------------------------------------------- */

/* The column names of the two tables, in the file's order. */
static const char *const TRAIT_COLS[] = {"liability", "chisq_max",    "mean_chisq", "lambda_gc",
                                         "h2_se",     "intercept_se", "ratio",      "ratio_se",
                                         "snps_read", "snps_merged",  "snps_bad_n", "snps_removed",
                                         "snps_dup",  "snps_after_n", "snps_used"};
enum { TRAIT_NUM = 8, TRAIT_NCOL = 15 };
static const char *const PAIR_COLS[] = {"N",         "snps",         "estimate", "estimate_se",
                                        "intercept", "intercept_se", "mean_zz"};
enum { PAIR_NCOL = 7 };

/* The doubles of trait column c (< TRAIT_NUM), the counts of c >= TRAIT_NUM. */
static double *trait_col(const ks_gsem_ldsc *r, int c)
{
    double *const p[TRAIT_NUM] = {r->liab,  r->chisq_max,    r->mean_chisq, r->lambda_gc,
                                  r->h2_se, r->intercept_se, r->ratio,      r->ratio_se};
    return p[c];
}
static size_t *trait_count(const ks_gsem_ldsc *r, int c)
{
    size_t *const p[7] = {r->snps_read, r->snps_merged,  r->snps_bad_n, r->snps_removed,
                          r->snps_dup,  r->snps_after_n, r->snps_used};
    return p[c - TRAIT_NUM];
}
static double *pair_col(const ks_gsem_ldsc *r, int c)
{
    double *const p[PAIR_NCOL] = {
        r->N, NULL, r->est, r->est_se, r->pair_intercept, r->pair_intercept_se, r->mean_zz};
    return p[c];
}

static void put_num(ks_text_writer *w, double x)
{
    char b[32];
    if (isnan(x)) {
        ks_text_puts(w, "\tNA");
        return;
    }
    b[0] = '\t';
    ks_text_write(w, b, 1 + (size_t)ks__format_g17(x, b + 1));
}

/* The label of V's row t: "a_b" with a the later trait. */
static void put_pair(ks_text_writer *w, const ks_gsem_ldsc *r, size_t t)
{
    size_t j = 0, i = t;
    while (i >= r->k - j) i -= r->k - j, j++;
    ks_text_printf(w, "%s_%s", r->names[i + j], r->names[j]);
}

static void put_matrix(ks_text_writer *w, const ks_gsem_ldsc *r, const char *name, const double *A,
                       int pairs)
{
    const size_t n = pairs ? r->kstar : r->k;
    ks_text_puts(w, name);
    for (size_t j = 0; j < n; j++) {
        ks_text_puts(w, "\t");
        if (pairs)
            put_pair(w, r, j);
        else
            ks_text_puts(w, r->names[j]);
    }
    ks_text_puts(w, "\n");
    for (size_t i = 0; i < n; i++) {
        if (pairs)
            put_pair(w, r, i);
        else
            ks_text_puts(w, r->names[i]);
        for (size_t j = 0; j < n; j++) put_num(w, A[i + j * n]);
        ks_text_puts(w, "\n");
    }
}

static void put_all(ks_text_writer *w, const ks_gsem_ldsc *r)
{
    ks_text_printf(
        w,
        "kestrel_covstruc\t%d\n"
        "# GenomicSEM's covstruc (ldsc's result), written by kestrel: S, V (its rows and "
        "columns are the\n# column-wise lower triangle of S), I, S_Stand and V_Stand "
        "(when every heritability is > 0),\n# each trait's and each regression's "
        "details. Tab-separated; numbers as %%.17g, NA where\n# missing. Read with "
        "kestrel.gsem.load_ldsc(path), `kestrel gwas --ldsc FILE` or "
        "ks_gsem_ldsc_read().\ntraits",
        COVSTRUC_VERSION);
    for (size_t j = 0; j < r->k; j++) ks_text_printf(w, "\t%s", r->names[j]);
    ks_text_puts(w, "\nm");
    put_num(w, r->m);
    ks_text_printf(w, "\nn_blocks\t%zu\n", r->n_blocks);
    put_matrix(w, r, "S", r->S, 0);
    put_matrix(w, r, "V", r->V, 1);
    put_matrix(w, r, "I", r->intercept, 0);
    if (r->S_stand) {
        put_matrix(w, r, "S_Stand", r->S_stand, 0);
        put_matrix(w, r, "V_Stand", r->V_stand, 1);
    }
    ks_text_puts(w, "trait");
    for (int c = 0; c < TRAIT_NCOL; c++) ks_text_printf(w, "\t%s", TRAIT_COLS[c]);
    ks_text_puts(w, "\n");
    for (size_t j = 0; j < r->k; j++) {
        ks_text_puts(w, r->names[j]);
        for (int c = 0; c < TRAIT_NUM; c++) put_num(w, trait_col(r, c)[j]);
        for (int c = TRAIT_NUM; c < TRAIT_NCOL; c++)
            ks_text_printf(w, "\t%zu", trait_count(r, c)[j]);
        ks_text_puts(w, "\n");
    }
    ks_text_puts(w, "pair");
    for (int c = 0; c < PAIR_NCOL; c++) ks_text_printf(w, "\t%s", PAIR_COLS[c]);
    ks_text_puts(w, "\n");
    for (size_t t = 0; t < r->kstar; t++) {
        put_pair(w, r, t);
        for (int c = 0; c < PAIR_NCOL; c++) {
            if (c == 1)
                ks_text_printf(w, "\t%zu", r->pair_snps[t]);
            else
                put_num(w, pair_col(r, c)[t]);
        }
        ks_text_puts(w, "\n");
    }
    ks_text_puts(w, "end\n");
}

int ks_gsem_ldsc_write_group(ks_ctx *ctx, ks_text_group *g, const ks_gsem_ldsc *r, const char *path)
{
    if (!r->names) return ks__fail(ctx, KS_EINVAL, "%s: the covstruc has no trait names", path);
    ks_text_writer *w = NULL;
    int rc = ks_text_group_create(ctx, g, path, 0, &w);
    if (rc) return rc;
    put_all(w, r);
    return ks_text_commit(w);
}

int ks_gsem_ldsc_write(ks_ctx *ctx, const ks_gsem_ldsc *r, const char *path)
{
    return ks_gsem_ldsc_write_group(ctx, NULL, r, path);
}

/* The reader's state: the file, its current record. */
typedef struct {
    ks_ctx *ctx;
    ks_text_reader *tr;
    const char *path;
    size_t nf, line;
    char *const *f;
} reader;

/* The next record that is not a comment: 1, or 0 at the end, < 0 on an error. */
static int next(reader *q)
{
    int rc;
    while ((rc = ks_text_next(q->tr, &q->nf, &q->f, &q->line)) == 1)
        if (q->f[0][0] != '#') return 1;
    return rc;
}

/* The next record, which must be there (`what` is what the file should have had). */
static int need(reader *q, const char *what)
{
    const int rc = next(q);
    if (rc == 1) return KS_OK;
    if (rc < 0) return rc;
    return ks__fail(q->ctx, KS_EPARSE,
                    "%s: the file ends before %s (after line %zu): truncated or not a kestrel "
                    "covstruc file",
                    q->path, what, q->line);
}

/* Field c of the current record as a number (NA: NaN). */
static int num(reader *q, size_t c, double *v)
{
    const char *s = q->f[c];
    if (!strcmp(s, "NA")) {
        *v = NAN;
        return KS_OK;
    }
    char *end;
    *v = strtod(s, &end);
    if (end == s || *end || s[0] == ' ' || s[0] == '\t')
        return ks__fail(q->ctx, KS_EPARSE, "%s:%zu: field %zu, '%s', is not a number", q->path,
                        q->line, c + 1, s);
    return KS_OK;
}

static int count(reader *q, size_t c, size_t *v)
{
    const char *s = q->f[c];
    char *end;
    if (s[0] < '0' || s[0] > '9')
        end = (char *)s;
    else
        *v = (size_t)strtoull(s, &end, 10);
    if (end == s || *end || strlen(s) > 19)
        return ks__fail(q->ctx, KS_EPARSE, "%s:%zu: field %zu, '%s', is not a count", q->path,
                        q->line, c + 1, s);
    return KS_OK;
}

/* The current record has `want` fields, the first `name`. */
static int shape(reader *q, const char *name, size_t want)
{
    if (strcmp(q->f[0], name))
        return ks__fail(q->ctx, KS_EPARSE, "%s:%zu: '%s' where the file should have '%s'", q->path,
                        q->line, q->f[0], name);
    if (q->nf != want)
        return ks__fail(q->ctx, KS_EPARSE,
                        "%s:%zu: %zu fields in '%s', not %zu (truncated or edited?)", q->path,
                        q->line, q->nf, name, want);
    return KS_OK;
}

/* Label t of a matrix of the traits (pairs: of V's rows) into buf. */
static const char *label(const ks_gsem_ldsc *r, int pairs, size_t t, char *buf, size_t len)
{
    if (!pairs) return r->names[t];
    size_t j = 0, i = t;
    while (i >= r->k - j) i -= r->k - j, j++;
    snprintf(buf, len, "%s_%s", r->names[i + j], r->names[j]);
    return buf;
}

/* A matrix block: its header `name` and labels, then its rows, each checked against the rows
 * before (symmetric; finite: every number finite). buf: a label's room. */
static int read_matrix(reader *q, ks_gsem_ldsc *r, const char *name, double *A, int pairs,
                       int finite, char *buf, size_t len)
{
    const size_t n = pairs ? r->kstar : r->k;
    int rc = shape(q, name, n + 1);
    for (size_t j = 0; !rc && j < n; j++) {
        const char *want = label(r, pairs, j, buf, len);
        if (strcmp(q->f[j + 1], want))
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: column %zu of %s is '%s', not '%s'", q->path,
                          q->line, j + 2, name, q->f[j + 1], want);
    }
    for (size_t i = 0; !rc && i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "row %zu of %s", i + 1, name);
        if ((rc = need(q, what))) break;
        const char *want = label(r, pairs, i, buf, len);
        if (strcmp(q->f[0], want)) {
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: row %zu of %s is '%s', not '%s'", q->path,
                          q->line, i + 1, name, q->f[0], want);
            break;
        }
        if (q->nf != n + 1) {
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: %zu fields in row '%s' of %s, not %zu",
                          q->path, q->line, q->nf, want, name, n + 1);
            break;
        }
        for (size_t j = 0; !rc && j < n; j++) {
            double *a = &A[i + j * n];
            if ((rc = num(q, j + 1, a))) break;
            if (finite && !isfinite(*a))
                rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: %s[%zu, %zu] = %s is not a finite number",
                              q->path, q->line, name, i + 1, j + 1, q->f[j + 1]);
            else if (j < i && *a != A[j + i * n] && !(isnan(*a) && isnan(A[j + i * n])))
                rc = ks__fail(q->ctx, KS_EPARSE,
                              "%s:%zu: %s is not symmetric: [%zu, %zu] = %s but [%zu, %zu] = %.17g",
                              q->path, q->line, name, i + 1, j + 1, q->f[j + 1], j + 1, i + 1,
                              A[j + i * n]);
        }
    }
    return rc;
}

/* A table: header `name` and the column names, then n rows (labels of the traits or pairs). */
static int read_table(reader *q, ks_gsem_ldsc *r, const char *name, const char *const *cols,
                      size_t ncol, int pairs, char *buf, size_t len)
{
    int rc = shape(q, name, ncol + 1);
    for (size_t c = 0; !rc && c < ncol; c++)
        if (strcmp(q->f[c + 1], cols[c]))
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: column %zu of %s is '%s', not '%s'", q->path,
                          q->line, c + 2, name, q->f[c + 1], cols[c]);
    const size_t n = pairs ? r->kstar : r->k;
    for (size_t i = 0; !rc && i < n; i++) {
        char what[64];
        snprintf(what, sizeof what, "row %zu of %s", i + 1, name);
        if ((rc = need(q, what))) break;
        const char *want = label(r, pairs, i, buf, len);
        if (strcmp(q->f[0], want))
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: row %zu of %s is '%s', not '%s'", q->path,
                          q->line, i + 1, name, q->f[0], want);
        else if (q->nf != ncol + 1)
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: %zu fields in row '%s' of %s, not %zu",
                          q->path, q->line, q->nf, want, name, ncol + 1);
        for (size_t c = 0; !rc && c < ncol; c++) {
            if (!pairs && c >= TRAIT_NUM)
                rc = count(q, c + 1, &trait_count(r, (int)c)[i]);
            else if (pairs && c == 1)
                rc = count(q, c + 1, &r->pair_snps[i]);
            else
                rc = num(q, c + 1, pairs ? &pair_col(r, (int)c)[i] : &trait_col(r, (int)c)[i]);
        }
    }
    return rc;
}

/* Everything after the `traits` line into r (its names set). */
static int read_body(reader *q, ks_gsem_ldsc *r)
{
    size_t len = 2;
    for (size_t j = 0; j < r->k; j++) len += 2 * strlen(r->names[j]);
    char *buf = ks__malloc(q->ctx, len);
    if (!buf) return KS_ENOMEM;
    buf[0] = '\0';
    int rc = need(q, "m");
    if (!rc && !(rc = shape(q, "m", 2)) && !(rc = num(q, 1, &r->m)) &&
        !(isnan(r->m) || (r->m > 0.0 && isfinite(r->m))))
        rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: m = '%s' is not a number > 0 (NA: unknown)",
                      q->path, q->line, q->f[1]);
    if (!rc) rc = need(q, "n_blocks");
    if (!rc && !(rc = shape(q, "n_blocks", 2))) rc = count(q, 1, &r->n_blocks);
    if (!rc && !(rc = need(q, "S"))) rc = read_matrix(q, r, "S", r->S, 0, 1, buf, len);
    if (!rc && !(rc = need(q, "V"))) rc = read_matrix(q, r, "V", r->V, 1, 1, buf, len);
    if (!rc && !(rc = need(q, "I"))) rc = read_matrix(q, r, "I", r->intercept, 0, 0, buf, len);
    if (!rc) rc = need(q, "the table 'trait'");
    const int stand = !rc && !strcmp(q->f[0], "S_Stand");
    if (stand) {
        rc = read_matrix(q, r, "S_Stand", r->S_stand, 0, 1, buf, len);
        if (!rc && !(rc = need(q, "V_Stand")))
            rc = read_matrix(q, r, "V_Stand", r->V_stand, 1, 1, buf, len);
        if (!rc) rc = need(q, "the table 'trait'");
    } else {
        r->S_stand = r->V_stand = NULL;
    }
    if (!rc) rc = read_table(q, r, "trait", TRAIT_COLS, TRAIT_NCOL, 0, buf, len);
    if (!rc && !(rc = need(q, "the table 'pair'")))
        rc = read_table(q, r, "pair", PAIR_COLS, PAIR_NCOL, 1, buf, len);
    if (!rc && !(rc = need(q, "the line 'end'")))
        if (strcmp(q->f[0], "end") || q->nf != 1)
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: '%s' where the file should end with 'end'",
                          q->path, q->line, q->f[0]);
    if (!rc) {
        const int more = next(q);
        if (more < 0) rc = more;
        if (more > 0)
            rc = ks__fail(q->ctx, KS_EPARSE, "%s:%zu: '%s' after 'end'", q->path, q->line, q->f[0]);
    }
    ks__free(q->ctx, buf);
    return rc;
}

int ks_gsem_ldsc_read(ks_ctx *ctx, const char *path, ks_gsem_ldsc **out)
{
    *out = NULL;
    reader q = {ctx, NULL, path, 0, 0, NULL};
    int rc = ks_text_open(ctx, path, '\t', &q.tr);
    if (rc) return rc;
    ks_gsem_ldsc *r = NULL;
    if (!(rc = need(&q, "its first line")) && (strcmp(q.f[0], "kestrel_covstruc") || q.nf != 2))
        rc = ks__fail(ctx, KS_EPARSE,
                      "%s:%zu: not a kestrel covstruc file (its first line is not "
                      "'kestrel_covstruc<TAB><version>')",
                      path, q.line);
    if (!rc && strcmp(q.f[1], "1"))
        rc = ks__fail(ctx, KS_EPARSE,
                      "%s:%zu: covstruc file version '%s'; this kestrel reads version %d", path,
                      q.line, q.f[1], COVSTRUC_VERSION);
    if (!rc && !(rc = need(&q, "traits")) && strcmp(q.f[0], "traits"))
        rc = ks__fail(ctx, KS_EPARSE, "%s:%zu: '%s' where the file should have 'traits'", path,
                      q.line, q.f[0]);
    if (!rc && (q.nf < 2 || q.nf > 10001))
        rc = ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu trait names (1 to 10000)", path, q.line,
                      q.nf - 1);
    if (!rc) {
        const size_t k = q.nf - 1;
        if (!(r = ks__gsem_ldsc_new(ctx, k, k * (k + 1) / 2))) rc = KS_ENOMEM;
        if (!rc && (rc = ks__gsem_ldsc_set_names(ctx, r, (const char *const *)q.f + 1))) {
            char msg[512]; /* (the name check's words, with the place) */
            snprintf(msg, sizeof msg, "%s", ks_errmsg(ctx));
            rc = ks__fail(ctx, KS_EPARSE, "%s:%zu: %s", path, q.line, msg);
        }
    }
    if (!rc) rc = read_body(&q, r);
    ks_text_close(q.tr);
    if (rc) {
        ks_gsem_ldsc_free(r);
        return rc;
    }
    ks__gsem_ldsc_finish(r);
    *out = r;
    return KS_OK;
}
