/* mars_json.c — a fitted MARS model to JSON and back: one object with the terms, the selected
 * subset, the coefficients and the fit statistics, every double written with 17 significant
 * digits so that it reads back to the same bits, with the predictors' and responses' names
 * where the model has them. The reader takes this layout (any key order, any white space,
 * unknown keys skipped) and checks what it reads: JSON's own number and string grammar, nesting
 * at most 64 deep, no key twice, integers where counts and indices are expected and in range,
 * and arrays of the lengths the counts say. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/mars_internal.h"

#define MARS_JSON_FORMAT 1

static void put_num(ks__sbuf *b, double x)
{
    if (isfinite(x))
        ks__sbuf_printf(b, "%.17g", x);
    else
        ks__sbuf_printf(b, "null");
}

static void put_array(ks__sbuf *b, const char *key, const double *x, size_t n)
{
    ks__sbuf_printf(b, ",\"%s\":", key);
    if (!x) {
        ks__sbuf_printf(b, "null");
        return;
    }
    ks__sbuf_printf(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) ks__sbuf_printf(b, ",");
        put_num(b, x[i]);
    }
    ks__sbuf_printf(b, "]");
}

/* ,"key":["name",...] where the model has names: '"' and '\\' escaped, control characters as
 * \\u00XX, other bytes (UTF-8) as they are. */
static void put_names(ks__sbuf *b, const char *key, const char *const *names, size_t n)
{
    if (!names) return;
    ks__sbuf_printf(b, ",\"%s\":[", key);
    for (size_t j = 0; j < n; j++) {
        ks__sbuf_printf(b, "%s\"", j ? "," : "");
        for (const char *s = names[j]; *s; s++)
            if (*s == '"' || *s == '\\')
                ks__sbuf_printf(b, "\\%c", *s);
            else if ((unsigned char)*s < 0x20)
                ks__sbuf_printf(b, "\\u%04x", (unsigned)*s);
            else
                ks__sbuf_printf(b, "%c", *s);
        ks__sbuf_printf(b, "\"");
    }
    ks__sbuf_printf(b, "]");
}

int ks_mars_to_json(ks_ctx *ctx, const ks_mars *m, char **json)
{
    *json = NULL;
    ks_mars_view v;
    ks_mars_get(m, &v);
    ks__sbuf b = {ctx, NULL, 0, 0, 0};
    const size_t M = v.nterms, k = v.nselected;
    ks__sbuf_printf(
        &b,
        "{\"format\":\"kestrel.mars\",\"version\":%d,\"n\":%zu,\"p\":%zu,\"ny\":%zu,\"nk\":%d,"
        "\"max_degree\":%d,\"termcond\":%d,\"forward_slots\":%zu,\"family\":%d,\"penalty\":",
        MARS_JSON_FORMAT, v.n, v.p, v.ny, v.nk, v.max_degree, (int)v.termcond, v.forward_nk_used,
        (int)v.family);
    put_num(&b, v.penalty);
    ks__sbuf_printf(&b, ",\"terms\":[");
    for (size_t j = 0; j < M; j++) {
        ks__sbuf_printf(&b, "%s[", j ? "," : "");
        for (size_t q = v.term_start[j]; q < v.term_start[j + 1]; q++) {
            ks__sbuf_printf(&b, "%s[%d,%d,", q > v.term_start[j] ? "," : "", v.factor[q].pred,
                            v.factor[q].dir);
            put_num(&b, v.factor[q].cut);
            ks__sbuf_printf(&b, "]");
        }
        ks__sbuf_printf(&b, "]");
    }
    ks__sbuf_printf(&b, "],\"parents\":[");
    for (size_t j = 0; j < M; j++)
        ks__sbuf_printf(&b, "%s%d", j ? "," : "", v.term_parent ? v.term_parent[j] : -1);
    ks__sbuf_printf(&b, "],\"selected\":[");
    for (size_t j = 0; j < k; j++) ks__sbuf_printf(&b, "%s%zu", j ? "," : "", v.selected[j]);
    ks__sbuf_printf(&b, "]");
    put_array(&b, "coef", v.coef, k * v.ny);
    put_array(&b, "glm_coef", v.glm_coef, k * v.ny);
    put_array(&b, "glm_deviance", v.glm_deviance, v.ny);
    put_array(&b, "glm_null_deviance", v.glm_null_deviance, v.ny);
    const double stats[4] = {v.rss, v.rsq, v.gcv, v.grsq};
    put_array(&b, "rss_rsq_gcv_grsq", stats, 4);
    put_array(&b, "rss_per_response", v.rss_per_response, v.ny);
    put_array(&b, "rsq_per_response", v.rsq_per_response, v.ny);
    put_array(&b, "gcv_per_response", v.gcv_per_response, v.ny);
    put_array(&b, "grsq_per_response", v.grsq_per_response, v.ny);
    put_array(&b, "rss_per_subset", v.rss_per_subset, M);
    put_array(&b, "gcv_per_subset", v.gcv_per_subset, M);
    put_array(&b, "forward_rsq", v.forward_rsq, M);
    put_array(&b, "evimp_nsubsets", v.evimp_nsubsets, v.p);
    put_array(&b, "evimp_gcv", v.evimp_gcv, v.p);
    put_array(&b, "evimp_rss", v.evimp_rss, v.p);
    if (v.prune_terms) {
        ks__sbuf_printf(&b, ",\"prune_terms\":[");
        for (size_t i = 0; i < M * M; i++)
            ks__sbuf_printf(&b, "%s%zu", i ? "," : "", v.prune_terms[i]);
        ks__sbuf_printf(&b, "]");
    }
    put_names(&b, "predictors", v.predictor_names, v.p);
    put_names(&b, "targets", v.target_names, v.ny);
    ks__sbuf_printf(&b, "}\n");
    return ks__sbuf_string(&b, json);
}

/* ---- reading ---- */

enum {
    MAX_DEPTH = 64,    /* nesting of the values skipped */
    MAX_TERMS = 10000, /* the model holds a terms x terms table (prune_terms) */
    MAX_P = 1 << 24    /* predictors: the model holds 3 p statistics */
};

typedef struct {
    ks_ctx *ctx;
    const char *s, *p;
    int depth;
} reader;

static int bad_at(reader *r, const char *at, const char *fmt, ...) KS_PRINTF(3, 4);
static int bad_at(reader *r, const char *at, const char *fmt, ...)
{
    char what[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    return ks__fail(r->ctx, KS_EPARSE, "mars JSON: %s at character %zu", what,
                   (size_t)(at - r->s) + 1);
}

static int bad(reader *r, const char *what) { return bad_at(r, r->p, "%s", what); }

/* Room for one more item in *a (*cap items of size sz, one spare kept): doubled when full. */
static int grow(ks_ctx *ctx, void **a, size_t used, size_t *cap, size_t sz)
{
    if (used + 1 < *cap) return KS_OK;
    void *b = ks__realloc(ctx, *a, 2 * *cap * sz);
    if (!b) return KS_ENOMEM;
    *a = b;
    *cap *= 2;
    return KS_OK;
}

static void ws(reader *r)
{
    while (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t') r->p++;
}

static int expect(reader *r, char c)
{
    ws(r);
    if (*r->p != c) {
        char msg[32];
        snprintf(msg, sizeof msg, "expected '%c'", c);
        return bad(r, msg);
    }
    r->p++;
    return KS_OK;
}

static int digit(char c) { return c >= '0' && c <= '9'; }

/* A number as JSON writes one (no NaN, Inf, hex, '+' or leading zeros), finite; null is NaN
 * where null_ok. */
static int number(reader *r, double *x, int null_ok)
{
    ws(r);
    if (null_ok && !strncmp(r->p, "null", 4)) {
        r->p += 4;
        *x = NAN;
        return KS_OK;
    }
    const char *q = r->p + (*r->p == '-');
    if (*q == '0')
        q++;
    else if (digit(*q))
        while (digit(*q)) q++;
    else
        return bad(r, null_ok ? "expected a number or null" : "expected a number");
    if (*q == '.') {
        if (!digit(q[1])) return bad_at(r, q + 1, "expected a digit");
        for (q++; digit(*q);) q++;
    }
    if (*q == 'e' || *q == 'E') {
        q += 1 + (q[1] == '+' || q[1] == '-');
        if (!digit(*q)) return bad_at(r, q, "expected a digit");
        while (digit(*q)) q++;
    }
    char *end;
    *x = strtod(r->p, &end);
    if (end != q) return bad(r, "expected a number");
    if (isinf(*x)) return bad(r, "a number out of range");
    r->p = q;
    return KS_OK;
}

/* An integer from lo to hi (both within +-2^53), what naming it in the message. */
static int integer(reader *r, const char *what, double lo, double hi, double *x)
{
    ws(r);
    const char *at = r->p;
    int rc = number(r, x, 0);
    if (!rc && !(*x == floor(*x) && *x >= lo && *x <= hi))
        rc = bad_at(r, at, "\"%s\" must be an integer from %.0f to %.0f", what, lo, hi);
    return rc;
}

static int hex4(const char *q, unsigned *u)
{
    *u = 0;
    for (int i = 0; i < 4; i++) {
        const char c = q[i];
        const int d = digit(c)               ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
        if (d < 0) return 0;
        *u = *u << 4 | (unsigned)d;
    }
    return 1;
}

static size_t utf8(unsigned u, char *o)
{
    if (u < 0x80) {
        o[0] = (char)u;
        return 1;
    }
    if (u < 0x800) {
        o[0] = (char)(0xC0 | u >> 6);
        o[1] = (char)(0x80 | (u & 0x3F));
        return 2;
    }
    if (u < 0x10000) {
        o[0] = (char)(0xE0 | u >> 12);
        o[1] = (char)(0x80 | (u >> 6 & 0x3F));
        o[2] = (char)(0x80 | (u & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | u >> 18);
    o[1] = (char)(0x80 | (u >> 12 & 0x3F));
    o[2] = (char)(0x80 | (u >> 6 & 0x3F));
    o[3] = (char)(0x80 | (u & 0x3F));
    return 4;
}

/* One escape at p (after its backslash, within the string): the code point in *u, the escape's
 * end in *end; 0 when it is not one JSON allows (a lone surrogate included). */
static int escape(const char *p, unsigned *u, const char **end)
{
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *e = *p ? strchr(from, *p) : NULL;
    if (e) {
        *u = (unsigned char)to[e - from];
        *end = p + 1;
        return 1;
    }
    unsigned lo;
    if (*p != 'u' || !hex4(p + 1, u) || (*u >= 0xDC00 && *u <= 0xDFFF)) return 0;
    *end = p + 5;
    if (*u < 0xD800 || *u > 0xDBFF) return 1;
    if (p[5] != '\\' || p[6] != 'u' || !hex4(p + 7, &lo) || lo < 0xDC00 || lo > 0xDFFF) return 0;
    *u = 0x10000 + ((*u - 0xD800) << 10) + (lo - 0xDC00);
    *end = p + 11;
    return 1;
}

/* A JSON string into *out (ctx-allocated UTF-8; out NULL: only checked). Control characters
 * and \u0000 (which would end a C string) are refused. */
static int string(reader *r, char **out)
{
    if (out) *out = NULL;
    int rc = expect(r, '"');
    if (rc) return rc;
    const char *q = r->p;
    while (*q && *q != '"') q += *q == '\\' && q[1] ? 2 : 1;
    if (!*q) return bad(r, "a string without its closing quote");
    char *o = out ? ks__malloc(r->ctx, (size_t)(q - r->p) + 1) : NULL; /* (escapes only shrink) */
    if (out && !o) return KS_ENOMEM;
    size_t n = 0;
    char tmp[4];
    for (const char *p = r->p; !rc && p < q;) {
        unsigned u = (unsigned char)*p;
        const char *at = p;
        if (u < 0x20) {
            rc = bad_at(r, p, "a control character in a string");
        } else if (u != '\\') { /* a byte as it is (UTF-8 included) */
            if (o) o[n] = *p;
            n++;
            p++;
        } else if (!escape(p + 1, &u, &p)) {
            rc = bad_at(r, at, "an escape JSON does not allow");
        } else if (u == 0) {
            rc = bad_at(r, at, "\\u0000 in a string");
        } else {
            n += utf8(u, o ? o + n : tmp);
        }
    }
    if (rc) {
        ks__free(r->ctx, o);
        return rc;
    }
    if (o) {
        o[n] = '\0';
        *out = o;
    }
    r->p = q + 1;
    return KS_OK;
}

/* After an item of a list: a ',' (*more = 1) or the closing character (*more = 0). */
static int next_item(reader *r, char close, int *more)
{
    ws(r);
    *more = *r->p == ',';
    if (*more) {
        r->p++;
        return KS_OK;
    }
    return expect(r, close);
}

/* The opening of a list: 1 in *empty when it closes at once. */
static int open_list(reader *r, char open, int *empty)
{
    int rc = expect(r, open);
    ws(r);
    *empty = !rc && *r->p == (open == '[' ? ']' : '}');
    if (*empty) r->p++;
    return rc;
}

/* A flat array of numbers (an item null: NaN) into a ctx-allocated buffer of *n, or null (no
 * array: *out NULL). */
static int numbers(reader *r, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    ws(r);
    if (!strncmp(r->p, "null", 4)) {
        r->p += 4;
        return KS_OK;
    }
    int empty, rc = open_list(r, '[', &empty);
    size_t cap = 16;
    double *x = rc ? NULL : ks__malloc_array(r->ctx, cap, sizeof *x);
    if (!rc && !x) rc = KS_ENOMEM;
    for (int more = !empty; !rc && more;) {
        if ((rc = grow(r->ctx, (void **)&x, *n, &cap, sizeof *x))) break;
        if ((rc = number(r, &x[*n], 1))) break;
        ++*n;
        rc = next_item(r, ']', &more);
    }
    if (rc) {
        ks__free(r->ctx, x);
        *n = 0;
        return rc;
    }
    *out = x;
    return KS_OK;
}

static void free_strings(ks_ctx *ctx, char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) ks__free(ctx, v[i]);
    ks__free(ctx, v);
}

/* An array of strings into a ctx-allocated list of *n. */
static int strings(reader *r, char ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    int empty, rc = open_list(r, '[', &empty);
    size_t cap = 16;
    char **v = rc ? NULL : ks__malloc_array(r->ctx, cap, sizeof *v);
    if (!rc && !v) rc = KS_ENOMEM;
    for (int more = !empty; !rc && more;) {
        if ((rc = grow(r->ctx, (void **)&v, *n, &cap, sizeof *v))) break;
        if ((rc = string(r, &v[*n]))) break;
        ++*n;
        rc = next_item(r, ']', &more);
    }
    if (rc) {
        free_strings(r->ctx, v, *n);
        *n = 0;
        return rc;
    }
    *out = v;
    return KS_OK;
}

/* Skip any JSON value, nested at most MAX_DEPTH deep. */
static int skip(reader *r)
{
    ws(r);
    const char c = *r->p;
    if (c == '"') return string(r, NULL);
    if (c == '[' || c == '{') {
        if (++r->depth > MAX_DEPTH) return bad(r, "values nested more than 64 deep");
        int empty, rc = open_list(r, c, &empty);
        for (int more = !empty; !rc && more;) {
            if (c == '{' && ((rc = string(r, NULL)) || (rc = expect(r, ':')))) break;
            if (!(rc = skip(r))) rc = next_item(r, c == '[' ? ']' : '}', &more);
        }
        r->depth--;
        return rc;
    }
    static const char *const words[] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++)
        if (!strncmp(r->p, words[i], strlen(words[i]))) {
            r->p += strlen(words[i]);
            return KS_OK;
        }
    double x;
    return number(r, &x, 0);
}

/* The terms: [[[pred, dir, cut], ...], ...], pred and dir integers. */
static int read_terms(reader *r, ks_mars_view *v, size_t **starts, ks_mars_factor **factors)
{
    size_t nt = 0, nf = 0, capt = 16, capf = 16;
    size_t *st = ks__malloc_array(r->ctx, capt, sizeof *st);
    ks_mars_factor *fa = ks__malloc_array(r->ctx, capf, sizeof *fa);
    int empty = 0, rc = st && fa ? open_list(r, '[', &empty) : KS_ENOMEM;
    for (int more = !empty; !rc && more;) { /* a term: [[pred, dir, cut], ...] */
        if (nt == MAX_TERMS) {
            rc = bad(r, "more than 10000 terms");
            break;
        }
        if ((rc = grow(r->ctx, (void **)&st, nt, &capt, sizeof *st))) break; /* (+ the end) */
        st[nt++] = nf;
        int fempty;
        if ((rc = open_list(r, '[', &fempty))) break;
        for (int fmore = !fempty; !rc && fmore;) {
            double a, b, c;
            if ((rc = expect(r, '[')) || (rc = integer(r, "predictor", 0, INT_MAX, &a)) ||
                (rc = expect(r, ',')) || (rc = integer(r, "direction", -3, 3, &b)) ||
                (rc = expect(r, ',')) || (rc = number(r, &c, 1)) || (rc = expect(r, ']')) ||
                (rc = grow(r->ctx, (void **)&fa, nf, &capf, sizeof *fa)))
                break;
            fa[nf++] = (ks_mars_factor){(int)a, (int)b, c};
            rc = next_item(r, ']', &fmore);
        }
        if (!rc) rc = next_item(r, ']', &more);
    }
    if (rc) {
        ks__free(r->ctx, st);
        ks__free(r->ctx, fa);
        return rc;
    }
    st[nt] = nf;
    v->nterms = nt;
    *starts = st;
    *factors = fa;
    return KS_OK;
}

/* Every item of an index array from lo to hi. */
static int indices(ks_ctx *ctx, const char *key, const double *x, size_t n, double lo, double hi)
{
    for (size_t i = 0; i < n; i++)
        if (!(x[i] == floor(x[i]) && x[i] >= lo && x[i] <= hi))
            return ks__fail(ctx, KS_EPARSE,
                           "mars JSON: \"%s\" item %zu is %g, not an integer from %.0f to %.0f",
                           key, i + 1, x[i], lo, hi);
    return KS_OK;
}

/* The keys read; each may appear once. */
enum {
    K_FORMAT,
    K_VERSION,
    K_N,
    K_P,
    K_NY,
    K_NK,
    K_MAX_DEGREE,
    K_TERMCOND,
    K_FORWARD_SLOTS,
    K_FAMILY,
    K_PENALTY,
    K_TERMS,
    K_PARENTS,
    K_SELECTED,
    K_PRUNE_TERMS,
    K_PREDICTORS,
    K_TARGETS,
    K_ARRAYS /* then the arrays of numbers, in the order of array_keys */
};
static const char *const scalar_keys[K_ARRAYS] = {
    "format",      "version",       "n",      "p",       "ny",    "nk",      "max_degree",
    "termcond",    "forward_slots", "family", "penalty", "terms", "parents", "selected",
    "prune_terms", "predictors",    "targets"};
enum { NARRAYS = 15 };
static const char *const array_keys[NARRAYS] = {"coef",
                                                "glm_coef",
                                                "glm_deviance",
                                                "glm_null_deviance",
                                                "rss_rsq_gcv_grsq",
                                                "rss_per_response",
                                                "rsq_per_response",
                                                "gcv_per_response",
                                                "grsq_per_response",
                                                "rss_per_subset",
                                                "gcv_per_subset",
                                                "forward_rsq",
                                                "evimp_nsubsets",
                                                "evimp_gcv",
                                                "evimp_rss"};

/* What one model file holds while it is read. */
typedef struct {
    ks_mars_view v;
    int format_ok;
    size_t *starts;
    ks_mars_factor *factors;
    double *arr[NARRAYS];
    size_t len[NARRAYS];
    double *ints[3]; /* parents, selected, prune_terms */
    size_t nints[3];
    char **names[2]; /* predictors, targets */
    size_t nnames[2];
} parts;

static void parts_free(ks_ctx *ctx, parts *t)
{
    for (int i = 0; i < NARRAYS; i++) ks__free(ctx, t->arr[i]);
    for (int i = 0; i < 3; i++) ks__free(ctx, t->ints[i]);
    for (int i = 0; i < 2; i++) free_strings(ctx, t->names[i], t->nnames[i]);
    ks__free(ctx, t->starts);
    ks__free(ctx, t->factors);
}

/* The value of key k. */
static int read_value(reader *r, int k, parts *t)
{
    ks_mars_view *v = &t->v;
    double x = 0;
    int rc = KS_OK;
    switch (k) {
    case K_FORMAT: {
        ws(r);
        char *f = NULL;
        rc = *r->p == '"' ? string(r, &f) : skip(r);
        t->format_ok = f && !strcmp(f, "kestrel.mars");
        ks__free(r->ctx, f);
        return rc;
    }
    case K_VERSION: {
        ws(r);
        const char *at = r->p;
        if (!(rc = integer(r, "version", 0, INT_MAX, &x)) && x > MARS_JSON_FORMAT)
            rc = bad_at(r, at, "format version %g is newer than this kestrel reads (%d)", x,
                        MARS_JSON_FORMAT);
        return rc;
    }
    case K_N:
        if (!(rc = integer(r, "n", 0, 0x1p53, &x))) v->n = (size_t)x;
        return rc;
    case K_P:
        if (!(rc = integer(r, "p", 1, MAX_P, &x))) v->p = (size_t)x;
        return rc;
    case K_NY:
        if (!(rc = integer(r, "ny", 1, INT_MAX, &x))) v->ny = (size_t)x;
        return rc;
    case K_NK:
        if (!(rc = integer(r, "nk", 0, INT_MAX, &x))) v->nk = (int)x;
        return rc;
    case K_MAX_DEGREE:
        if (!(rc = integer(r, "max_degree", 0, INT_MAX, &x))) v->max_degree = (int)x;
        return rc;
    case K_TERMCOND:
        if (!(rc = integer(r, "termcond", 0, KS_MARS_STOP_MAX_TERMS, &x)))
            v->termcond = (ks_mars_stop)(int)x;
        return rc;
    case K_FORWARD_SLOTS:
        if (!(rc = integer(r, "forward_slots", 0, 0x1p53, &x))) v->forward_nk_used = (size_t)x;
        return rc;
    case K_FAMILY:
        if (!(rc = integer(r, "family", 0, KS_MARS_POISSON, &x)))
            v->family = (ks_mars_family)(int)x;
        return rc;
    case K_PENALTY: return number(r, &v->penalty, 1);
    case K_TERMS: return read_terms(r, v, &t->starts, &t->factors);
    case K_PARENTS:
    case K_SELECTED:
    case K_PRUNE_TERMS: return numbers(r, &t->ints[k - K_PARENTS], &t->nints[k - K_PARENTS]);
    case K_PREDICTORS:
    case K_TARGETS: return strings(r, &t->names[k - K_PREDICTORS], &t->nnames[k - K_PREDICTORS]);
    default: return numbers(r, &t->arr[k - K_ARRAYS], &t->len[k - K_ARRAYS]);
    }
}

/* The object: each key once, known keys read, others skipped; nothing after it but blanks. */
static int read_object(reader *r, parts *t)
{
    uint64_t seen = 0;
    int empty, rc = open_list(r, '{', &empty);
    for (int more = !empty; !rc && more;) {
        ws(r);
        const char *at = r->p;
        char *key;
        if (*r->p != '"') return bad(r, "expected a key");
        if ((rc = string(r, &key))) break;
        int k = -1;
        for (int i = 0; i < K_ARRAYS + NARRAYS && k < 0; i++)
            if (!strcmp(key, i < K_ARRAYS ? scalar_keys[i] : array_keys[i - K_ARRAYS])) k = i;
        if (k >= 0 && seen >> k & 1) rc = bad_at(r, at, "the key \"%s\" appears twice", key);
        ks__free(r->ctx, key);
        if (rc || (rc = expect(r, ':'))) break;
        if (k >= 0) seen |= (uint64_t)1 << k;
        if ((rc = k >= 0 ? read_value(r, k, t) : skip(r))) break;
        rc = next_item(r, '}', &more);
    }
    ws(r);
    if (!rc && *r->p) rc = bad(r, "text after the model");
    return rc;
}

/* What read_object gave, checked against itself: the counts, lengths and indices. */
static int check_parts(ks_ctx *ctx, parts *t)
{
    ks_mars_view *v = &t->v;
    if (!t->format_ok)
        return ks__fail(ctx, KS_EPARSE,
                       "mars JSON: not a kestrel MARS model (no \"format\": "
                       "\"kestrel.mars\")");
    const size_t M = v->nterms, ny = v->ny, nsel = t->nints[1];
    size_t ncoef = 0;
    if (!t->starts || M < 1 || nsel < 1 || ny < 1 || !ks__size_mul(nsel, ny, &ncoef) ||
        t->len[0] != ncoef || (t->nints[0] && t->nints[0] != M) ||
        (t->nints[2] && t->nints[2] != M * M))
        return ks__fail(ctx, KS_EPARSE,
                       "mars JSON: the terms, selection and coefficients do not "
                       "fit together");
#define LEN_OK(i, want) (!t->arr[i] || t->len[i] == (want))
    if (!(LEN_OK(5, ny) && LEN_OK(6, ny) && LEN_OK(7, ny) && LEN_OK(8, ny) && LEN_OK(9, M) &&
          LEN_OK(10, M) && LEN_OK(11, M) && LEN_OK(12, v->p) && LEN_OK(13, v->p) &&
          LEN_OK(14, v->p) && LEN_OK(4, 4) && LEN_OK(1, ncoef) && LEN_OK(2, ny) && LEN_OK(3, ny)))
        return ks__fail(ctx, KS_EPARSE, "mars JSON: an array has the wrong length");
#undef LEN_OK
    const double top = (double)M - 1;
    int rc = indices(ctx, "parents", t->ints[0], t->nints[0], -1, top);
    if (!rc) rc = indices(ctx, "selected", t->ints[1], t->nints[1], 0, top);
    if (!rc) rc = indices(ctx, "prune_terms", t->ints[2], t->nints[2], 0, top);
    if (rc) return rc;
    if (t->names[0] && t->nnames[0] != v->p)
        return ks__fail(ctx, KS_EPARSE, "mars JSON: %zu predictor names for %zu predictors",
                       t->nnames[0], v->p);
    if (t->names[1] && t->nnames[1] != ny)
        return ks__fail(ctx, KS_EPARSE, "mars JSON: %zu target names for %zu responses",
                       t->nnames[1], ny);
    return KS_OK;
}

int ks_mars_from_json(ks_ctx *ctx, const char *json, ks_mars **out)
{
    *out = NULL;
    if (!json) return ks__fail(ctx, KS_EINVAL, "mars JSON: the text is NULL");
    reader r = {ctx, json, json, 0};
    parts t;
    memset(&t, 0, sizeof t);
    ks_mars_view *v = &t.v;
    v->rss = v->rsq = v->gcv = v->grsq = v->penalty = NAN;
    size_t *sel = NULL, *pt = NULL;
    int *parents = NULL;
    int rc = read_object(&r, &t);
    if (!rc) rc = check_parts(ctx, &t);
    const size_t M = v->nterms;
    if (!rc) {
        sel = ks__malloc_array(ctx, t.nints[1], sizeof *sel);
        parents = ks__malloc_array(ctx, M, sizeof *parents);
        pt = t.nints[2] ? ks__malloc_array(ctx, M * M, sizeof *pt) : NULL;
        if (!sel || !parents || (t.nints[2] && !pt)) rc = KS_ENOMEM;
    }
    if (!rc) {
        for (size_t j = 0; j < t.nints[1]; j++) sel[j] = (size_t)t.ints[1][j];
        for (size_t j = 0; j < M; j++) parents[j] = t.nints[0] ? (int)t.ints[0][j] : -1;
        for (size_t j = 0; j < t.nints[2]; j++) pt[j] = (size_t)t.ints[2][j];
        v->term_start = t.starts;
        v->factor = t.factors;
        v->term_parent = parents;
        v->nselected = t.nints[1];
        v->selected = sel;
        v->coef = t.arr[0];
        v->glm_coef = t.arr[1];
        v->glm_deviance = t.arr[2];
        v->glm_null_deviance = t.arr[3];
        if (t.arr[4]) {
            v->rss = t.arr[4][0];
            v->rsq = t.arr[4][1];
            v->gcv = t.arr[4][2];
            v->grsq = t.arr[4][3];
        }
        v->rss_per_response = t.arr[5];
        v->rsq_per_response = t.arr[6];
        v->gcv_per_response = t.arr[7];
        v->grsq_per_response = t.arr[8];
        v->rss_per_subset = t.arr[9];
        v->gcv_per_subset = t.arr[10];
        v->forward_rsq = t.arr[11];
        v->evimp_nsubsets = t.arr[12];
        v->evimp_gcv = t.arr[13];
        v->evimp_rss = t.arr[14];
        v->prune_terms = pt;
        v->predictor_names = (const char *const *)t.names[0];
        v->target_names = (const char *const *)t.names[1];
        rc = ks_mars_from_parts(ctx, v, out);
    }
    parts_free(ctx, &t);
    ks__free(ctx, parents);
    ks__free(ctx, sel);
    ks__free(ctx, pt);
    return rc;
}
