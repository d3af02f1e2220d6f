/* formula.c — parse pyfixest-style formulas: "y ~ x1 + a:b + c*d - 1 | fe1 + fe2^fe3", left to
 * right by recursive descent. A malformed formula is an error naming the column (byte) at fault,
 * with the formula and a caret under that column. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "regress_internal.h"

/* Names: ASCII letters, digits, '_' and '.', and the bytes of UTF-8 letters. */
static int is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '.' || (unsigned char)c >= 0x80;
}

static void term_free(ks_ctx *ctx, ks_term *t)
{
    for (size_t i = 0; i < t->nvars; i++) ks__free(ctx, t->vars[i]);
    ks__free(ctx, t->vars);
    ks__free(ctx, t->name);
}

void ks__formula_free(ks_ctx *ctx, ks_formula *f)
{
    if (!f) return;
    ks__free(ctx, f->y);
    for (size_t i = 0; i < f->nterms; i++) term_free(ctx, &f->terms[i]);
    for (size_t i = 0; i < f->nfe; i++) term_free(ctx, &f->fe[i]);
    ks__free(ctx, f->terms);
    ks__free(ctx, f->fe);
    memset(f, 0, sizeof *f);
}

/* Split `s` (a term such as "a:b" or "f1^f2", names checked by the parser) on `sep` into a new
 * term. */
static int make_term(ks_ctx *ctx, const char *s, size_t len, char sep, ks_term *t)
{
    memset(t, 0, sizeof *t);
    size_t nv = 1;
    for (size_t i = 0; i < len; i++) nv += s[i] == sep;
    t->vars = ks__calloc(ctx, nv, sizeof *t->vars);
    t->name = ks__malloc(ctx, len + 1);
    if (!t->vars || !t->name) {
        term_free(ctx, t);
        return KS_ENOMEM;
    }
    memcpy(t->name, s, len);
    t->name[len] = '\0';
    size_t start = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && s[i] != sep) continue;
        char *v = ks__malloc(ctx, i - start + 1);
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
    ks_term *na = ks__realloc(ctx, *arr, (*n + 1) * sizeof **arr);
    if (!na) return KS_ENOMEM;
    *arr = na;
    int rc = make_term(ctx, s, len, sep, &na[*n]);
    if (!rc) (*n)++;
    return rc;
}

typedef struct {
    ks_ctx *ctx;
    const char *text; /* the formula as given */
    size_t len, i;    /* its length; the next byte */
    const char *y;    /* the response, once read */
    char *buf;        /* room for three terms: a, b and a:b of a*b */
} parser;

/* The error at byte `at`: what is wrong, then the formula (a window of it when long) with a
 * caret under that byte. */
static int fail_at(parser *ps, size_t at, const char *fmt, ...) KS_PRINTF(3, 4);
static int fail_at(parser *ps, size_t at, const char *fmt, ...)
{
    char what[400], shown[80];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    const size_t from = at > 40 ? at - 40 : 0, to = ps->len - from > 72 ? from + 72 : ps->len;
    size_t k = 0;
    for (size_t j = from; j < to; j++) {
        const unsigned char c = (unsigned char)ps->text[j];
        shown[k++] = c < 0x20 || c == 0x7f ? ' ' : (char)c; /* one column each */
    }
    shown[k] = '\0';
    const char *lead = from ? "..." : "";
    return ks__fail(ps->ctx, KS_EPARSE, "formula: %s at column %zu\n  %s%s%s\n  %*s^", what, at + 1,
                   lead, shown, to < ps->len ? "..." : "", (int)(strlen(lead) + at - from), "");
}

/* A character outside the grammar, at the first place it occurs. */
static int check_chars(parser *ps)
{
    for (size_t j = 0; j < ps->len; j++) {
        const char c = ps->text[j];
        if (is_name_char(c) || isspace((unsigned char)c) || strchr("~|+-*:^", c)) continue;
        if (isprint((unsigned char)c))
            return fail_at(ps, j,
                           "unexpected '%c' (functions and parentheses are not supported; make "
                           "the column first)",
                           c);
        return fail_at(ps, j, "unexpected byte 0x%02x", (unsigned)(unsigned char)c);
    }
    return KS_OK;
}

static char peek(parser *ps)
{
    while (isspace((unsigned char)ps->text[ps->i])) ps->i++;
    return ps->text[ps->i];
}

/* A column name after the operator op at op_at, appended to the term at *t (*n bytes); the
 * response is refused. */
static int name(parser *ps, char op, size_t op_at, char *t, size_t *n)
{
    const char c = peek(ps);
    const size_t start = ps->i;
    while (is_name_char(ps->text[ps->i])) ps->i++;
    const size_t len = ps->i - start;
    if (!len && !c) return fail_at(ps, op_at, "nothing after '%c'", op);
    if (!len) return fail_at(ps, start, "expected a column name after '%c', found '%c'", op, c);
    if (ps->y && strlen(ps->y) == len && !memcmp(ps->y, ps->text + start, len))
        return fail_at(ps, start, "the response '%s' is also on the right side", ps->y);
    memcpy(t + *n, ps->text + start, len);
    *n += len;
    t[*n] = '\0';
    return KS_OK;
}

/* Names joined by sep ("a:b", "f1^f2") into t, *n bytes. */
static int joined(parser *ps, char op, size_t op_at, char sep, char *t, size_t *n)
{
    *n = 0;
    int rc = name(ps, op, op_at, t, n);
    while (!rc && peek(ps) == sep) {
        const size_t at = ps->i++;
        t[(*n)++] = sep;
        rc = name(ps, sep, at, t, n);
    }
    return rc;
}

/* One regressor term after op: a:b, a*b (a, b and a:b, as R expands it), or 0 / 1 (no / an
 * intercept; after '-' the reverse). */
static int rhs_term(parser *ps, char op, size_t op_at, int sign, ks_formula *f)
{
    char *a = ps->buf, *b = a + ps->len + 1, *ab = b + ps->len + 1;
    size_t la, lb = 0;
    peek(ps);
    const size_t at = ps->i;
    int rc = joined(ps, op, op_at, ':', a, &la);
    const int star = !rc && peek(ps) == '*';
    if (star) {
        const size_t star_at = ps->i++;
        rc = joined(ps, '*', star_at, ':', b, &lb);
        if (!rc && peek(ps) == '*') return fail_at(ps, ps->i, "write a*b*c as explicit terms");
    }
    if (rc) return rc;
    if (!star && la == 1 && (a[0] == '0' || a[0] == '1')) {
        f->intercept = (a[0] == '1') == (sign == 1);
        return KS_OK;
    }
    if (sign < 0) return fail_at(ps, at, "only '- 1' may be subtracted");
    rc = add_term(ps->ctx, &f->terms, &f->nterms, a, la, ':');
    if (!rc && star) {
        memcpy(ab, a, la);
        ab[la] = ':';
        memcpy(ab + la + 1, b, lb);
        rc = add_term(ps->ctx, &f->terms, &f->nterms, b, lb, ':');
        if (!rc) rc = add_term(ps->ctx, &f->terms, &f->nterms, ab, la + 1 + lb, ':');
    }
    return rc;
}

/* After a term: what may not stand there. */
static int misplaced(parser *ps, const char *allowed)
{
    const char c = ps->text[ps->i];
    if (c == '~') return fail_at(ps, ps->i, "a second '~'");
    if (c == '|') return fail_at(ps, ps->i, "a second '|' (one part of fixed effects only)");
    if (c == '^' && !strchr(allowed, '^'))
        return fail_at(ps, ps->i, "'^' belongs in the fixed effects (after '|')");
    if (strchr("-:*", c))
        return fail_at(ps, ps->i, "fixed effects are columns joined by '+' or '^', not '%c'", c);
    return fail_at(ps, ps->i, "expected %s before '%c'", allowed, c);
}

/* The regressors after '~' (at op_at), up to '|' or the end. */
static int parse_rhs(parser *ps, size_t op_at, ks_formula *f)
{
    char op = '~', c = peek(ps);
    int sign = 1;
    if (c == '+' || c == '-') { /* a leading sign: "y ~ -1 + x" */
        sign = c == '-' ? -1 : 1;
        op = c;
        op_at = ps->i++;
    }
    for (;;) {
        int rc = rhs_term(ps, op, op_at, sign, f);
        if (rc) return rc;
        c = peek(ps);
        if (!c || c == '|') return KS_OK;
        if (c != '+' && c != '-') return misplaced(ps, "'+', '-' or '|'");
        sign = c == '-' ? -1 : 1;
        op = c;
        op_at = ps->i++;
    }
}

/* The fixed effects after '|' (at op_at): names and f1^f2 joined by '+'; 0 alone: none. */
static int parse_fe(parser *ps, size_t op_at, ks_formula *f)
{
    char op = '|';
    for (;;) {
        size_t n;
        int rc = joined(ps, op, op_at, '^', ps->buf, &n);
        if (!rc && !(n == 1 && ps->buf[0] == '0'))
            rc = add_term(ps->ctx, &f->fe, &f->nfe, ps->buf, n, '^');
        if (rc) return rc;
        const char c = peek(ps);
        if (!c) return KS_OK;
        if (c != '+') return misplaced(ps, "'+' or '^'");
        op = c;
        op_at = ps->i++;
    }
}

static int parse(parser *ps, ks_formula *f)
{
    int rc = check_chars(ps);
    if (rc) return rc;
    char c = peek(ps);
    if (!c) return fail_at(ps, ps->i, "empty; expected 'y ~ x1 + x2 [| fe1 + fe2]'");
    if (c == '~') return fail_at(ps, ps->i, "no response before '~'");
    size_t n = 0;
    if ((rc = name(ps, '~', ps->i, ps->buf, &n))) return rc;
    c = peek(ps);
    if (c != '~')
        return c ? fail_at(ps, ps->i, "expected '~' after the response (one column), found '%c'", c)
                 : fail_at(ps, ps->i, "expected '~' after the response: 'y ~ x1 + x2 [| fe]'");
    if (!(f->y = ks__strdup(ps->ctx, ps->buf))) return KS_ENOMEM;
    ps->y = f->y;
    const size_t tilde = ps->i++;
    if ((rc = parse_rhs(ps, tilde, f))) return rc;
    if (peek(ps) == '|') {
        const size_t bar = ps->i++;
        if ((rc = parse_fe(ps, bar, f))) return rc;
        if (f->nfe) f->intercept = 0; /* (absorbed; "| 0" keeps it) */
    }
    if (f->nterms == 0 && !f->intercept && f->nfe == 0)
        return ks__fail(ps->ctx, KS_EPARSE, "formula '%s': no regressors", ps->text);
    return KS_OK;
}

int ks__formula_parse(ks_ctx *ctx, const char *text, ks_formula *f)
{
    memset(f, 0, sizeof *f);
    f->intercept = 1;
    if (!text) return ks__fail(ctx, KS_EINVAL, "formula is NULL");
    parser ps = {ctx, text, strlen(text), 0, NULL, NULL};
    size_t room;
    if (!ks__size_mul(ps.len + 1, 3, &room)) return ks__fail(ctx, KS_EOVERFLOW, "formula too long");
    if (!(ps.buf = ks__malloc(ctx, room))) return KS_ENOMEM;
    const int rc = parse(&ps, f);
    ks__free(ctx, ps.buf);
    if (rc) ks__formula_free(ctx, f);
    return rc;
}

int ks_formula_check(ks_ctx *ctx, const char *formula)
{
    ks_formula f;
    const int rc = ks__formula_parse(ctx, formula, &f);
    if (!rc) ks__formula_free(ctx, &f);
    return rc;
}
