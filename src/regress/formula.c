/* formula.c — parse pyfixest-style formulas: "y ~ x1 + a:b + c*d - 1 | fe1 + fe2^fe3". */
#include <ctype.h>
#include <string.h>

#include "regress_internal.h"

static int is_name_char(char c) { return isalnum((unsigned char)c) || c == '_' || c == '.'; }

static void term_free(ks_ctx *ctx, ks_term *t)
{
    for (size_t i = 0; i < t->nvars; i++) ks_free(ctx, t->vars[i]);
    ks_free(ctx, t->vars);
    ks_free(ctx, t->name);
}

void ks_formula_free(ks_ctx *ctx, ks_formula *f)
{
    if (!f) return;
    ks_free(ctx, f->y);
    for (size_t i = 0; i < f->nterms; i++) term_free(ctx, &f->terms[i]);
    for (size_t i = 0; i < f->nfe; i++) term_free(ctx, &f->fe[i]);
    ks_free(ctx, f->terms);
    ks_free(ctx, f->fe);
    memset(f, 0, sizeof *f);
}

/* Split `s` (a term such as "a:b" or "f1^f2") on `sep` into a new term. */
static int make_term(ks_ctx *ctx, const char *s, size_t len, char sep, ks_term *t)
{
    memset(t, 0, sizeof *t);
    size_t nv = 1;
    for (size_t i = 0; i < len; i++) nv += s[i] == sep;
    t->vars = ks_calloc(ctx, nv, sizeof *t->vars);
    t->name = ks_malloc(ctx, len + 1);
    if (!t->vars || !t->name) {
        term_free(ctx, t);
        return KS_ENOMEM;
    }
    memcpy(t->name, s, len);
    t->name[len] = '\0';
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != sep) continue;
        if (i == start) {
            term_free(ctx, t);
            return ks_fail(ctx, KS_EPARSE, "formula: empty name in term '%.*s'", (int)len, s);
        }
        char *v = ks_malloc(ctx, i - start + 1);
        if (!v) {
            term_free(ctx, t);
            return KS_ENOMEM;
        }
        memcpy(v, s + start, i - start);
        v[i - start] = '\0';
        t->vars[t->nvars++] = v;
        start = i + 1;
    }
    return KS_OK;
}

static int add_term(ks_ctx *ctx, ks_term **arr, size_t *n, const char *s, size_t len, char sep)
{
    for (size_t i = 0; i < *n; i++) /* a repeated term counts once */
        if (strlen((*arr)[i].name) == len && !memcmp((*arr)[i].name, s, len)) return KS_OK;
    ks_term *na = ks_realloc(ctx, *arr, (*n + 1) * sizeof **arr);
    if (!na) return KS_ENOMEM;
    *arr = na;
    int rc = make_term(ctx, s, len, sep, &na[*n]);
    if (!rc) (*n)++;
    return rc;
}

/* Strip spaces into a fresh buffer and check the characters. */
static char *compact(ks_ctx *ctx, const char *text)
{
    char *s = ks_malloc(ctx, strlen(text) + 1);
    if (!s) return NULL;
    size_t j = 0;
    for (size_t i = 0; text[i]; i++) {
        char c = text[i];
        if (isspace((unsigned char)c)) continue;
        if (!is_name_char(c) && !strchr("~|+-*:^", c)) {
            ks_fail(ctx, KS_EPARSE,
                    "formula '%s': unexpected '%c' at position %zu (functions and "
                    "parentheses are not supported; make the column first)",
                    text, c, i + 1);
            ks_free(ctx, s);
            return NULL;
        }
        s[j++] = c;
    }
    s[j] = '\0';
    return s;
}

static int parse_rhs(ks_ctx *ctx, const char *text, const char *s, ks_formula *f)
{
    size_t i = 0;
    int sign = 1;
    while (s[i]) {
        if (s[i] == '+' || s[i] == '-') {
            sign = s[i] == '-' ? -1 : 1;
            i++;
            continue;
        }
        size_t start = i;
        while (s[i] && s[i] != '+' && s[i] != '-') i++;
        const char *t = s + start;
        size_t len = i - start;
        if ((len == 1 && (t[0] == '0' || t[0] == '1'))) {
            f->intercept = (t[0] == '1') == (sign == 1);
        } else if (sign < 0) {
            return ks_fail(ctx, KS_EPARSE, "formula '%s': only '- 1' may be subtracted", text);
        } else if (memchr(t, '^', len)) {
            return ks_fail(ctx, KS_EPARSE, "formula '%s': '^' belongs in the fixed effects", text);
        } else if (memchr(t, '*', len)) {
            /* a*b*c: every product of a subset, lower orders first as R expands it. */
            const char *star = memchr(t, '*', len);
            if (memchr(star + 1, '*', len - (size_t)(star + 1 - t)))
                return ks_fail(ctx, KS_EPARSE, "formula '%s': write a*b*c as explicit terms", text);
            size_t la = (size_t)(star - t), lb = len - la - 1;
            char buf[512];
            if (la == 0 || lb == 0 || len + 1 > sizeof buf)
                return ks_fail(ctx, KS_EPARSE, "formula '%s': bad term '%.*s'", text, (int)len, t);
            int rc = add_term(ctx, &f->terms, &f->nterms, t, la, ':');
            if (!rc) rc = add_term(ctx, &f->terms, &f->nterms, star + 1, lb, ':');
            memcpy(buf, t, la);
            buf[la] = ':';
            memcpy(buf + la + 1, star + 1, lb);
            if (!rc) rc = add_term(ctx, &f->terms, &f->nterms, buf, len, ':');
            if (rc) return rc;
        } else {
            int rc = add_term(ctx, &f->terms, &f->nterms, t, len, ':');
            if (rc) return rc;
        }
        sign = 1;
    }
    return KS_OK;
}

static int parse_fe(ks_ctx *ctx, const char *text, const char *s, ks_formula *f)
{
    size_t i = 0;
    while (s[i]) {
        size_t start = i;
        while (s[i] && s[i] != '+') i++;
        if (i == start || memchr(s + start, '-', i - start) || memchr(s + start, ':', i - start) ||
            memchr(s + start, '*', i - start))
            return ks_fail(ctx, KS_EPARSE,
                           "formula '%s': fixed effects are columns joined by '+' or '^'", text);
        if (!(i - start == 1 && s[start] == '0')) {
            int rc = add_term(ctx, &f->fe, &f->nfe, s + start, i - start, '^');
            if (rc) return rc;
        }
        if (s[i] == '+') i++;
    }
    return KS_OK;
}

int ks_formula_parse(ks_ctx *ctx, const char *text, ks_formula *f)
{
    memset(f, 0, sizeof *f);
    f->intercept = 1;
    if (!text) return ks_fail(ctx, KS_EINVAL, "formula is NULL");
    char *s = compact(ctx, text);
    if (!s) return ks_errcode(ctx) ? ks_errcode(ctx) : KS_ENOMEM;
    int rc = KS_OK;
    char *tilde = strchr(s, '~');
    char *bar = tilde ? strchr(tilde, '|') : NULL;
    if (!tilde || strchr(tilde + 1, '~') || (bar && strchr(bar + 1, '|'))) {
        rc = ks_fail(ctx, KS_EPARSE, "formula '%s': expected 'y ~ x1 + x2 [| fe1 + fe2]'", text);
        goto done;
    }
    *tilde = '\0';
    if (bar) *bar = '\0';
    if (!*s || strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") !=
                   strlen(s)) {
        rc = ks_fail(ctx, KS_EPARSE, "formula '%s': the left side must be one column", text);
        goto done;
    }
    if (!(f->y = ks_strdup(ctx, s))) {
        rc = KS_ENOMEM;
        goto done;
    }
    rc = parse_rhs(ctx, text, tilde + 1, f);
    if (!rc && bar) rc = parse_fe(ctx, text, bar + 1, f);
    if (!rc && f->nfe) f->intercept = 0;
    if (!rc && f->nterms == 0 && !f->intercept && f->nfe == 0)
        rc = ks_fail(ctx, KS_EPARSE, "formula '%s': no regressors", text);
done:
    ks_free(ctx, s);
    if (rc) ks_formula_free(ctx, f);
    return rc;
}
