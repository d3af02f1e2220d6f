/* mars_json.c — a fitted MARS model to JSON and back: one object with the terms, the selected
 * subset, the coefficients and the fit statistics, every double written with 17 significant
 * digits so that it reads back to the same bits. The reader takes this layout (any key order,
 * unknown keys ignored) and nothing more general. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mars/mars_internal.h"

#define MARS_JSON_FORMAT 1

typedef struct {
    ks_ctx *ctx;
    char *s;
    size_t len, cap;
    int oom;
} sbuf;

static void put(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put(sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int k = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)k < b->cap - b->len) {
            b->len += (size_t)k;
            return;
        }
        const size_t cap = 2 * b->cap + (size_t)k + 64;
        char *s = ks_realloc(b->ctx, b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

static void put_num(sbuf *b, double x)
{
    if (isfinite(x))
        put(b, "%.17g", x);
    else
        put(b, "null");
}

static void put_array(sbuf *b, const char *key, const double *x, size_t n)
{
    put(b, ",\"%s\":", key);
    if (!x) {
        put(b, "null");
        return;
    }
    put(b, "[");
    for (size_t i = 0; i < n; i++) {
        if (i) put(b, ",");
        put_num(b, x[i]);
    }
    put(b, "]");
}

int ks_mars_to_json(ks_ctx *ctx, const ks_mars *m, char **json)
{
    *json = NULL;
    ks_mars_view v;
    ks_mars_get(m, &v);
    sbuf b = {ctx, ks_malloc(ctx, 4096), 0, 4096, 0};
    if (!b.s) return KS_ENOMEM;
    b.s[0] = 0;
    const size_t M = v.nterms, k = v.nselected;
    put(&b, "{\"format\":\"kestrel.mars\",\"version\":%d,\"n\":%zu,\"p\":%zu,\"ny\":%zu,\"nk\":%d,"
            "\"max_degree\":%d,\"termcond\":%d,\"forward_slots\":%zu,\"family\":%d,\"penalty\":",
        MARS_JSON_FORMAT, v.n, v.p, v.ny, v.nk, v.max_degree, (int)v.termcond, v.forward_nk_used,
        (int)v.family);
    put_num(&b, v.penalty);
    put(&b, ",\"terms\":[");
    for (size_t j = 0; j < M; j++) {
        put(&b, "%s[", j ? "," : "");
        for (size_t q = v.term_start[j]; q < v.term_start[j + 1]; q++) {
            put(&b, "%s[%d,%d,", q > v.term_start[j] ? "," : "", v.factor[q].pred, v.factor[q].dir);
            put_num(&b, v.factor[q].cut);
            put(&b, "]");
        }
        put(&b, "]");
    }
    put(&b, "],\"parents\":[");
    for (size_t j = 0; j < M; j++) put(&b, "%s%d", j ? "," : "", v.term_parent ? v.term_parent[j] : -1);
    put(&b, "],\"selected\":[");
    for (size_t j = 0; j < k; j++) put(&b, "%s%zu", j ? "," : "", v.selected[j]);
    put(&b, "]");
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
        put(&b, ",\"prune_terms\":[");
        for (size_t i = 0; i < M * M; i++) put(&b, "%s%zu", i ? "," : "", v.prune_terms[i]);
        put(&b, "]");
    }
    put(&b, "}\n");
    if (b.oom) {
        ks_free(ctx, b.s);
        return KS_ENOMEM;
    }
    *json = b.s;
    return KS_OK;
}

/* ---- reading ---- */

typedef struct {
    ks_ctx *ctx;
    const char *s, *p;
} reader;

/* Room for one more item in *a (*cap items of size sz, one spare kept): doubled when full. */
static int grow(ks_ctx *ctx, void **a, size_t used, size_t *cap, size_t sz)
{
    if (used + 1 < *cap) return KS_OK;
    void *b = ks_realloc(ctx, *a, 2 * *cap * sz);
    if (!b) return KS_ENOMEM;
    *a = b;
    *cap *= 2;
    return KS_OK;
}

static void ws(reader *r)
{
    while (*r->p == ' ' || *r->p == '\n' || *r->p == '\r' || *r->p == '\t') r->p++;
}

static int bad(reader *r, const char *what)
{
    return ks_fail(r->ctx, KS_EPARSE, "mars JSON: %s at character %zu", what,
                   (size_t)(r->p - r->s) + 1);
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

static int number(reader *r, double *x)
{
    ws(r);
    if (!strncmp(r->p, "null", 4)) {
        r->p += 4;
        *x = NAN;
        return KS_OK;
    }
    char *end;
    *x = strtod(r->p, &end);
    if (end == r->p) return bad(r, "expected a number");
    r->p = end;
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

/* A flat array of numbers (or null: *n = 0, *out = NULL) into a ctx-allocated buffer. */
static int numbers(reader *r, double **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    ws(r);
    if (!strncmp(r->p, "null", 4)) {
        r->p += 4;
        return KS_OK;
    }
    int rc = expect(r, '[');
    size_t cap = 16;
    double *x = rc ? NULL : ks_malloc_array(r->ctx, cap, sizeof *x);
    if (!rc && !x) rc = KS_ENOMEM;
    ws(r);
    if (!rc && *r->p == ']') {
        r->p++;
        *out = x;
        return KS_OK;
    }
    for (int more = 1; !rc && more;) {
        if ((rc = grow(r->ctx, (void **)&x, *n, &cap, sizeof *x))) break;
        if ((rc = number(r, &x[(*n)++]))) break;
        rc = next_item(r, ']', &more);
    }
    if (rc) {
        ks_free(r->ctx, x);
        *n = 0;
        return rc;
    }
    *out = x;
    return KS_OK;
}

/* Skip any JSON value. */
static int skip(reader *r)
{
    ws(r);
    const char c = *r->p;
    if (c == '"') {
        for (r->p++; *r->p && *r->p != '"'; r->p++)
            if (*r->p == '\\' && r->p[1]) r->p++;
        return expect(r, '"');
    }
    if (c == '[' || c == '{') {
        const char close = c == '[' ? ']' : '}';
        r->p++;
        ws(r);
        if (*r->p == close) {
            r->p++;
            return KS_OK;
        }
        int rc = KS_OK;
        for (int more = 1; !rc && more;) {
            if (c == '{' && ((rc = skip(r)) || (rc = expect(r, ':')))) break;
            if (!(rc = skip(r))) rc = next_item(r, close, &more);
        }
        return rc;
    }
    double x;
    if (!strncmp(r->p, "true", 4) || !strncmp(r->p, "false", 5)) {
        r->p += *r->p == 't' ? 4 : 5;
        return KS_OK;
    }
    return number(r, &x);
}

/* The terms: [[[pred, dir, cut], ...], ...]. */
static int read_terms(reader *r, ks_mars_view *v, size_t **starts, ks_mars_factor **factors)
{
    size_t nt = 0, nf = 0, capt = 16, capf = 16;
    size_t *st = ks_malloc_array(r->ctx, capt, sizeof *st);
    ks_mars_factor *fa = ks_malloc_array(r->ctx, capf, sizeof *fa);
    int rc = st && fa ? expect(r, '[') : KS_ENOMEM;
    ws(r);
    int empty = !rc && *r->p == ']';
    if (empty) r->p++;
    for (int more = !empty; !rc && more;) { /* a term: [[pred, dir, cut], ...] */
        if ((rc = grow(r->ctx, (void **)&st, nt, &capt, sizeof *st))) break; /* (+ the end) */
        st[nt++] = nf;
        if ((rc = expect(r, '['))) break;
        ws(r);
        int fmore = *r->p != ']';
        if (!fmore) r->p++;
        while (!rc && fmore) {
            double a, b, c;
            if ((rc = expect(r, '[')) || (rc = number(r, &a)) || (rc = expect(r, ',')) ||
                (rc = number(r, &b)) || (rc = expect(r, ',')) || (rc = number(r, &c)) ||
                (rc = expect(r, ']')) || (rc = grow(r->ctx, (void **)&fa, nf, &capf, sizeof *fa)))
                break;
            fa[nf++] = (ks_mars_factor){(int)a, (int)b, c};
            rc = next_item(r, ']', &fmore);
        }
        if (!rc) rc = next_item(r, ']', &more);
    }
    if (rc) {
        ks_free(r->ctx, st);
        ks_free(r->ctx, fa);
        return rc;
    }
    st[nt] = nf;
    v->nterms = nt;
    *starts = st;
    *factors = fa;
    return KS_OK;
}

int ks_mars_from_json(ks_ctx *ctx, const char *json, ks_mars **out)
{
    *out = NULL;
    reader r = {ctx, json, json};
    ks_mars_view v;
    memset(&v, 0, sizeof v);
    v.rss = v.rsq = v.gcv = v.grsq = v.penalty = NAN;
    size_t *starts = NULL, *sel = NULL, *pt = NULL;
    ks_mars_factor *factors = NULL;
    int *parents = NULL;
    double *arr[16] = {0};
    size_t len[16] = {0};
    static const char *const names[16] = {
        "coef",           "glm_coef",        "glm_deviance",     "glm_null_deviance",
        "rss_rsq_gcv_grsq", "rss_per_response", "rsq_per_response", "gcv_per_response",
        "grsq_per_response", "rss_per_subset", "gcv_per_subset",   "forward_rsq",
        "evimp_nsubsets", "evimp_gcv",       "evimp_rss",        "parents_selected_pt"};
    double *ints[3] = {NULL, NULL, NULL}; /* parents, selected, prune_terms */
    size_t nints[3] = {0, 0, 0};
    int rc = expect(&r, '{'), format_ok = 0;
    while (!rc) {
        ws(&r);
        if (*r.p == '}') {
            r.p++;
            break;
        }
        if ((rc = expect(&r, '"'))) break;
        const char *k = r.p;
        while (*r.p && *r.p != '"') r.p++;
        const size_t kl = (size_t)(r.p - k);
        if ((rc = expect(&r, '"')) || (rc = expect(&r, ':'))) break;
#define KEY(s) (kl == strlen(s) && !strncmp(k, s, kl))
        double x;
        if (KEY("format")) {
            ws(&r);
            format_ok = !strncmp(r.p, "\"kestrel.mars\"", 14);
            rc = skip(&r);
        } else if (KEY("terms")) {
            rc = read_terms(&r, &v, &starts, &factors);
        } else if (KEY("parents") || KEY("selected") || KEY("prune_terms")) {
            const int q = KEY("parents") ? 0 : KEY("selected") ? 1 : 2;
            rc = numbers(&r, &ints[q], &nints[q]);
        } else if (KEY("n") || KEY("p") || KEY("ny") || KEY("nk") || KEY("max_degree") ||
                   KEY("termcond") || KEY("forward_slots") || KEY("family") || KEY("penalty") ||
                   KEY("version")) {
            if (!(rc = number(&r, &x))) {
                if (KEY("n")) v.n = (size_t)x;
                if (KEY("p")) v.p = (size_t)x;
                if (KEY("ny")) v.ny = (size_t)x;
                if (KEY("nk")) v.nk = (int)x;
                if (KEY("max_degree")) v.max_degree = (int)x;
                if (KEY("termcond")) v.termcond = (ks_mars_stop)(int)x;
                if (KEY("forward_slots")) v.forward_nk_used = (size_t)x;
                if (KEY("family")) v.family = (ks_mars_family)(int)x;
                if (KEY("penalty")) v.penalty = x;
                if (KEY("version") && x > MARS_JSON_FORMAT)
                    rc = ks_fail(ctx, KS_EPARSE, "mars JSON: format version %g is newer than "
                                                 "this kestrel reads (%d)",
                                 x, MARS_JSON_FORMAT);
            }
        } else {
            int q = -1;
            for (int i = 0; i < 15; i++)
                if (KEY(names[i])) q = i;
            rc = q >= 0 ? numbers(&r, &arr[q], &len[q]) : skip(&r);
        }
#undef KEY
        if (rc) break;
        ws(&r);
        if (*r.p == ',') {
            r.p++;
            continue;
        }
        if ((rc = expect(&r, '}'))) break;
        break;
    }
    if (!rc && !format_ok)
        rc = ks_fail(ctx, KS_EPARSE, "mars JSON: not a kestrel MARS model (no \"format\": "
                                     "\"kestrel.mars\")");
    const size_t M = v.nterms, ny = v.ny;
    if (!rc && (!starts || nints[1] < 1 || len[0] != nints[1] * ny || ny < 1 ||
                (nints[0] && nints[0] != M) || (nints[2] && nints[2] != M * M)))
        rc = ks_fail(ctx, KS_EPARSE, "mars JSON: the terms, selection and coefficients do not "
                                     "fit together");
#define LEN_OK(i, want) (!arr[i] || len[i] == (want))
    if (!rc && !(LEN_OK(5, ny) && LEN_OK(6, ny) && LEN_OK(7, ny) && LEN_OK(8, ny) &&
                 LEN_OK(9, M) && LEN_OK(10, M) && LEN_OK(11, M) && LEN_OK(12, v.p) &&
                 LEN_OK(13, v.p) && LEN_OK(14, v.p) && LEN_OK(4, 4) && LEN_OK(1, nints[1] * ny)))
        rc = ks_fail(ctx, KS_EPARSE, "mars JSON: an array has the wrong length");
#undef LEN_OK
    if (!rc) {
        sel = ks_malloc_array(ctx, nints[1], sizeof *sel);
        parents = ks_malloc_array(ctx, M ? M : 1, sizeof *parents);
        pt = nints[2] ? ks_malloc_array(ctx, M * M, sizeof *pt) : NULL;
        if (!sel || !parents || (nints[2] && !pt)) rc = KS_ENOMEM;
    }
    if (!rc) {
        for (size_t j = 0; j < nints[1]; j++) sel[j] = (size_t)ints[1][j];
        for (size_t j = 0; j < M; j++) parents[j] = nints[0] ? (int)ints[0][j] : -1;
        for (size_t j = 0; j < nints[2]; j++) pt[j] = (size_t)ints[2][j];
        v.term_start = starts;
        v.factor = factors;
        v.term_parent = parents;
        v.nselected = nints[1];
        v.selected = sel;
        v.coef = arr[0];
        v.glm_coef = arr[1];
        v.glm_deviance = arr[2];
        v.glm_null_deviance = arr[3];
        if (arr[4]) {
            v.rss = arr[4][0];
            v.rsq = arr[4][1];
            v.gcv = arr[4][2];
            v.grsq = arr[4][3];
        }
        v.rss_per_response = arr[5];
        v.rsq_per_response = arr[6];
        v.gcv_per_response = arr[7];
        v.grsq_per_response = arr[8];
        v.rss_per_subset = arr[9];
        v.gcv_per_subset = arr[10];
        v.forward_rsq = arr[11];
        v.evimp_nsubsets = arr[12];
        v.evimp_gcv = arr[13];
        v.evimp_rss = arr[14];
        v.prune_terms = pt;
        rc = ks_mars_from_parts(ctx, &v, out);
    }
    for (int i = 0; i < 16; i++) ks_free(ctx, arr[i]);
    for (int i = 0; i < 3; i++) ks_free(ctx, ints[i]);
    ks_free(ctx, starts);
    ks_free(ctx, factors);
    ks_free(ctx, parents);
    ks_free(ctx, sel);
    ks_free(ctx, pt);
    return rc;
}
