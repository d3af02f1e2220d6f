/* syntax.c — lavaan's model syntax, read as lavaan 0.6-14's lavParseModelString() reads it
 * (learned from its source and behaviour, tests/data/sem/make_syntax_reference.R):
 * - '#' and '!' start a comment to the end of the line; ';' ends a line; blanks are dropped;
 * - a line with an operator starts a formula, a line without one continues the one before (so
 *   `f =~ x1 +` on one line and `x2` on the next is one formula);
 * - the operator is the first of =~ <~ ~~ ~ == < > := : found in the formula, in that order;
 * - `a + b ~ c + d` is one element per lhs and rhs term; a term is `modifier*name`, the modifier
 *   a number (fixed), NA (free), a label (name or "quoted"), start() lower() upper() equal()
 *   label() or c(...) (one value per group); a term repeated in one formula adds its modifiers
 *   (the first of each kind counts: `NA*x1 + l1*x1`);
 * - `y ~ 1` is an intercept (op ~1); `f =~ 0` a latent variable without indicators (`f =~ f`
 *   fixed at 0); ==, <, >, := keep their two sides as text. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "base/format.h"
#include "sem/sem_internal.h"

/* Character positions, 1-based, for messages. */
typedef struct {
    int line, col;
} pos;

/* One formula with blanks and comments removed; p[i] is where s[i] was in the model. */
typedef struct {
    char *s;
    pos *p;
    size_t n;
    pos end; /* just after the last character, for "expected ... at the end" */
} formula;

/* What a formula's rhs term carries before it becomes elements (offsets into the text pool;
 * (size_t)-1: absent). */
enum { F_FIXED, F_START, F_LOWER, F_UPPER, F_LABEL, F_N };
typedef struct {
    size_t name; /* rhs name; (size_t)-1 for an intercept */
    size_t mod[F_N];
    pos at;
} term;

typedef struct {
    size_t lhs, op, rhs, mod[F_N];
    int block, line;
} elem_off;
typedef struct {
    size_t lhs, op, rhs;
    int line;
} con_off;

typedef struct {
    ks_ctx *ctx;
    char *pool;
    size_t npool, cap_pool;
    elem_off *el;
    size_t nel, cap_el;
    con_off *con;
    size_t ncon, cap_con;
    term *t;
    size_t nt, cap_t;
    size_t *lhs;
    size_t nlhs, cap_lhs;
} parser;

#define NONE ((size_t)-1)

static int perr(parser *ps, pos at, const char *what)
{
    return ks__fail(ps->ctx, KS_EPARSE, "model line %d, column %d: %s", at.line, at.col, what);
}

/* Add s[0..n) to the pool, NUL-terminated; its offset in *off. */
static int pool_add(parser *ps, const char *s, size_t n, size_t *off)
{
    size_t need;
    if (!ks__size_add(ps->npool, n, &need) || !ks__size_add(need, 1, &need))
        return ks__fail(ps->ctx, KS_EOVERFLOW, "the model is too long");
    int rc = ks__grow(ps->ctx, (void **)&ps->pool, &ps->cap_pool, need, 1);
    if (rc) return rc;
    memcpy(ps->pool + ps->npool, s, n);
    ps->pool[ps->npool + n] = '\0';
    *off = ps->npool;
    ps->npool = need;
    return KS_OK;
}

/* Append ";" and s[0..n) to the value at *off (NONE: start it). Values of one modifier are
 * consecutive in the pool while it is read, so appending extends the last string. */
static int pool_append(parser *ps, size_t *off, const char *s, size_t n)
{
    if (*off == NONE) return pool_add(ps, s, n, off);
    size_t o;
    ps->npool--; /* over the NUL */
    int rc = pool_add(ps, ";", 1, &o);
    if (rc) return rc;
    ps->npool--;
    return pool_add(ps, s, n, &o);
}

static int is_name_start(const formula *f, size_t i)
{
    const unsigned char c = (unsigned char)f->s[i];
    if (isalpha(c)) return 1;
    return c == '.' && !(i + 1 < f->n && isdigit((unsigned char)f->s[i + 1]));
}
static int is_name_char(char c) { return isalnum((unsigned char)c) || c == '.' || c == '_'; }

/* R's reserved words (?reserved), which lavaan rejects as names. */
static int reserved(const char *s, size_t n)
{
    static const char *const words[] = {
        "if",   "else",  "repeat",      "while",    "function",      "for",
        "next", "break", "TRUE",        "FALSE",    "NULL",          "Inf",
        "NaN",  "NA",    "NA_integer_", "NA_real_", "NA_character_", "in"};
    for (size_t k = 0; k < sizeof words / sizeof *words; k++)
        if (strlen(words[k]) == n && memcmp(words[k], s, n) == 0) return 1;
    return 0;
}

/* Length of the R name at f->s[i], 0 if none. */
static size_t name_len(const formula *f, size_t i)
{
    if (i >= f->n || !is_name_start(f, i)) return 0;
    size_t j = i + 1;
    while (j < f->n && is_name_char(f->s[j])) j++;
    return j - i;
}

/* Length of the number at f->s[i] (digits, a point, an exponent, a leading minus), 0 if none;
 * its value in *v. */
static size_t number_len(const formula *f, size_t i, double *v)
{
    size_t j = i;
    if (j < f->n && f->s[j] == '-') j++;
    const size_t d0 = j;
    while (j < f->n && isdigit((unsigned char)f->s[j])) j++;
    if (j < f->n && f->s[j] == '.') j++;
    while (j < f->n && isdigit((unsigned char)f->s[j])) j++;
    if (j == d0 || (j == d0 + 1 && f->s[d0] == '.')) return 0;
    if (j < f->n && (f->s[j] == 'e' || f->s[j] == 'E')) {
        size_t k = j + 1;
        if (k < f->n && (f->s[k] == '+' || f->s[k] == '-')) k++;
        if (k < f->n && isdigit((unsigned char)f->s[k])) {
            while (k < f->n && isdigit((unsigned char)f->s[k])) k++;
            j = k;
        }
    }
    *v = strtod(f->s + i, NULL); /* f->s is NUL-terminated and the number ends at j */
    return j - i;
}

/* Length of the "quoted" string at f->s[i] (quotes included), 0 if none. */
static size_t string_len(const formula *f, size_t i)
{
    if (i >= f->n || f->s[i] != '"') return 0;
    size_t j = i + 1;
    while (j < f->n && f->s[j] != '"') j++;
    return j < f->n ? j + 1 - i : 0;
}

static pos at(const formula *f, size_t i) { return i < f->n ? f->p[i] : f->end; }

/* One modifier value: a number, NA, "string" or name. kind: 'n' number, 'a' NA, 's' string,
 * 'v' name (a variable to R: lavaan takes names as labels). */
typedef struct {
    char kind;
    size_t i, len;
    double v;
} value;

static int read_value(parser *ps, const formula *f, size_t i, value *out)
{
    size_t n;
    out->i = i;
    if ((n = string_len(f, i))) {
        out->kind = 's', out->len = n;
    } else if ((n = number_len(f, i, &out->v))) {
        out->kind = 'n', out->len = n;
    } else if ((n = name_len(f, i))) {
        out->kind = n == 2 && memcmp(f->s + i, "NA", 2) == 0 ? 'a' : 'v';
        out->len = n;
    } else {
        return perr(ps, at(f, i), "expected a number, NA, a \"label\" or a name in a modifier");
    }
    return KS_OK;
}

/* Store value v as lavaan's text into the modifier slot: numbers as R writes them. */
static int store_value(parser *ps, const formula *f, const value *v, size_t *slot)
{
    char buf[32];
    switch (v->kind) {
    case 'n': return pool_append(ps, slot, buf, (size_t)ks__format_r(v->v, buf));
    case 'a': return pool_append(ps, slot, "NA", 2);
    case 's': return pool_append(ps, slot, f->s + v->i + 1, v->len - 2);
    default: return pool_append(ps, slot, f->s + v->i, v->len);
    }
}

/* The modifier at f->s[*i] (up to, not including, its '*') into term t; *i moves past it. */
static int read_modifier(parser *ps, const formula *f, size_t *i, term *t)
{
    value vals[64];
    size_t nv = 0, fn = 0;
    const size_t start = *i;
    const size_t n = name_len(f, *i);
    int rc;
    if (n && *i + n < f->n && f->s[*i + n] == '(') {
        fn = n;
        size_t j = *i + n + 1;
        for (;;) {
            if (nv == sizeof vals / sizeof *vals)
                return perr(ps, at(f, j), "too many values in a modifier");
            if ((rc = read_value(ps, f, j, &vals[nv]))) return rc;
            j += vals[nv++].len;
            if (j < f->n && f->s[j] == ',') {
                j++;
                continue;
            }
            if (j < f->n && f->s[j] == ')') break;
            return perr(ps, at(f, j), "expected ',' or ')' in a modifier");
        }
        *i = j + 1;
    } else {
        if ((rc = read_value(ps, f, *i, &vals[0]))) return rc;
        nv = 1;
        *i += vals[0].len;
    }
    /* Names anywhere in the modifier are labels (lavaan: R's all.vars), whatever the function. */
    size_t nnames = 0, nnum = 0, nstr = 0;
    for (size_t k = 0; k < nv; k++) {
        nnames += vals[k].kind == 'v';
        nnum += vals[k].kind == 'n';
        nstr += vals[k].kind == 's';
    }
    int slot = F_FIXED;
    if (nnames) {
        for (size_t k = 0; k < nv; k++)
            if (vals[k].kind == 'v' && (rc = store_value(ps, f, &vals[k], &t->mod[F_LABEL])))
                return rc;
        return KS_OK;
    }
    if (fn) {
        const char *name = f->s + start;
        if (fn == 5 && memcmp(name, "start", 5) == 0)
            slot = F_START;
        else if (fn == 5 && memcmp(name, "lower", 5) == 0)
            slot = F_LOWER;
        else if (fn == 5 && memcmp(name, "upper", 5) == 0)
            slot = F_UPPER;
        else if ((fn == 5 && memcmp(name, "equal", 5) == 0) ||
                 (fn == 5 && memcmp(name, "label", 5) == 0))
            slot = F_LABEL;
        else if (fn == 1 && name[0] == 'c')
            slot = nstr ? F_LABEL : F_FIXED;
        else
            return perr(ps, at(f, start),
                        "unknown modifier (expected start(), lower(), upper(), equal(), "
                        "label() or c())");
        if (slot == F_LABEL && nnum)
            return perr(ps, at(f, vals[0].i), "a label modifier takes \"quoted\" labels");
        if (slot != F_LABEL && nstr)
            return perr(ps, at(f, vals[0].i), "this modifier takes numbers or NA");
    } else {
        slot = vals[0].kind == 's' ? F_LABEL : F_FIXED;
    }
    for (size_t k = 0; k < nv; k++) {
        if (vals[k].kind == 'a' && slot == F_LABEL) { /* an NA label is "" */
            if ((rc = pool_append(ps, &t->mod[slot], "", 0))) return rc;
        } else if ((rc = store_value(ps, f, &vals[k], &t->mod[slot]))) {
            return rc;
        }
    }
    return KS_OK;
}

static int fail_name(parser *ps, pos p, const char *what, const char *s, size_t n)
{
    return ks__fail(ps->ctx, KS_EPARSE, "model line %d, column %d: %s '%.*s'", p.line, p.col, what,
                    (int)n, s);
}

/* "after the operator", "after '+'", ...: where a missing name was expected. */
static const char *after(const formula *f, size_t i, size_t rhs0)
{
    if (i == rhs0) return "expected a variable name after the operator";
    switch (f->s[i - 1]) {
    case '+': return "expected a variable name after '+'";
    case '*': return "expected a variable name after '*'";
    default: return "expected a variable name";
    }
}

/* The rhs terms of f from rhs0 into ps->t (one per distinct name, modifiers merged). */
static int read_terms(parser *ps, const formula *f, size_t rhs0)
{
    size_t i = rhs0;
    int rc;
    ps->nt = 0;
    if (i < f->n && f->s[i] == '+') i++, rhs0++; /* lavaan drops a leading '+' */
    for (;;) {
        term t = {NONE, {NONE, NONE, NONE, NONE, NONE}, at(f, i)};
        /* a modifier is whatever comes before a '*' */
        size_t j = i;
        const size_t save = ps->npool;
        rc = read_modifier(ps, f, &j, &t);
        if (rc == KS_OK && j < f->n && f->s[j] == '*') {
            i = j + 1;
        } else {
            if (rc == KS_ENOMEM || rc == KS_EOVERFLOW) return rc;
            const size_t nn = name_len(f, i);
            if (rc && nn && i + nn < f->n && f->s[i + nn] == '(') return rc;
            ps->npool = save;
            for (int k = 0; k < F_N; k++) t.mod[k] = NONE;
        }
        double v = 0;
        size_t n = name_len(f, i), m;
        const size_t n2 = n ? n : number_len(f, i, &v);
        if (n2 && i + n2 < f->n && f->s[i + n2] == '*')
            return perr(ps, at(f, i + n2),
                        "one modifier per term: repeat the term for another (NA*x1 + a*x1)");
        if (n) {
            if (reserved(f->s + i, n))
                return fail_name(ps, at(f, i),
                                 "a reserved word in R can not be a variable name:", f->s + i, n);
            if (i + n + 1 < f->n && f->s[i + n] == ':' && (m = name_len(f, i + n + 1)))
                n += 1 + m; /* an interaction x:z */
            if ((rc = pool_add(ps, f->s + i, n, &t.name))) return rc;
        } else if ((n = number_len(f, i, &v)) && (v == 1 || v == 0)) {
            /* `1`: the intercept; `0`: the intercept fixed at zero (lavaan's ..zero..) */
            if (v == 0 && t.mod[F_FIXED] == NONE && (rc = pool_add(ps, "0", 1, &t.mod[F_FIXED])))
                return rc;
        } else {
            return perr(ps, at(f, i), after(f, i, rhs0));
        }
        /* the same name again in this formula adds its modifiers to the first */
        size_t k = 0;
        for (; k < ps->nt; k++) {
            const size_t a = ps->t[k].name;
            if (a == t.name ||
                (a != NONE && t.name != NONE && strcmp(ps->pool + a, ps->pool + t.name) == 0))
                break;
        }
        if (k < ps->nt) {
            for (int q = 0; q < F_N; q++)
                if (ps->t[k].mod[q] == NONE) ps->t[k].mod[q] = t.mod[q];
        } else {
            if ((rc = ks__grow(ps->ctx, (void **)&ps->t, &ps->cap_t, ps->nt + 1, sizeof *ps->t)))
                return rc;
            ps->t[ps->nt++] = t;
        }
        i += n;
        if (i == f->n) return KS_OK;
        if (f->s[i] != '+') return perr(ps, at(f, i), "expected '+' or the end of the formula");
        i++;
    }
}

static const char *const OPS[] = {
    "=~", "<~", "~*~", "~~", "~", "==", "<", ">", ":=", ":", "|", "%"};

/* Index of the first `op` in f outside "quotes", or f->n. */
static size_t find_op(const formula *f, const char *op)
{
    const size_t len = strlen(op);
    int quoted = 0;
    for (size_t i = 0; i + len <= f->n; i++) {
        if (f->s[i] == '"') quoted = !quoted;
        if (!quoted && memcmp(f->s + i, op, len) == 0) return i;
    }
    return f->n;
}

static int add_elem(parser *ps, size_t lhs, const char *op, size_t rhs, const size_t *mod,
                    int block, int line)
{
    int rc = ks__grow(ps->ctx, (void **)&ps->el, &ps->cap_el, ps->nel + 1, sizeof *ps->el);
    if (rc) return rc;
    elem_off *e = &ps->el[ps->nel];
    if ((rc = pool_add(ps, op, strlen(op), &e->op))) return rc;
    e->lhs = lhs, e->rhs = rhs, e->block = block, e->line = line;
    for (int k = 0; k < F_N; k++) e->mod[k] = mod ? mod[k] : NONE;
    ps->nel++;
    return KS_OK;
}

static int same(const parser *ps, size_t a, size_t b)
{
    return strcmp(ps->pool + a, ps->pool + b) == 0;
}

static int parse_formula(parser *ps, formula *f, int *block, int *block_seen)
{
    size_t k = f->n, opi = 0;
    int rc;
    for (size_t o = 0; o < sizeof OPS / sizeof *OPS && k == f->n; o++) k = find_op(f, OPS[opi = o]);
    const char *op = OPS[opi];
    const size_t oplen = strlen(op), rhs0 = k + oplen;
    const int line = f->p[0].line;
    if (!strcmp(op, "~*~") || !strcmp(op, "|") || !strcmp(op, "%"))
        return fail_name(ps, at(f, k), "this operator is not supported yet:", op, oplen);
    if (!strcmp(op, "==") || !strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, ":=")) {
        if (k == 0) return fail_name(ps, at(f, k), "expected an expression before", op, oplen);
        if (rhs0 == f->n) return fail_name(ps, f->end, "expected an expression after", op, oplen);
        con_off c = {0, 0, 0, line};
        if ((rc = pool_add(ps, f->s, k, &c.lhs)) || (rc = pool_add(ps, op, oplen, &c.op)) ||
            (rc = pool_add(ps, f->s + rhs0, f->n - rhs0, &c.rhs)))
            return rc;
        for (size_t *s = &c.lhs; s; s = s == &c.lhs ? &c.rhs : NULL) { /* drop the quotes */
            char *w = ps->pool + *s;
            for (const char *r = w; *r; r++)
                if (*r != '"') *w++ = *r;
            *w = '\0';
        }
        if ((rc =
                 ks__grow(ps->ctx, (void **)&ps->con, &ps->cap_con, ps->ncon + 1, sizeof *ps->con)))
            return rc;
        ps->con[ps->ncon++] = c;
        return KS_OK;
    }
    if (!strcmp(op, ":")) { /* a block: group: 1, level: within, ... */
        static const char *const ids[] = {"group", "level", "block", "class"};
        char id[8] = "";
        size_t q = 0;
        for (; q < k && q < sizeof id - 1; q++) id[q] = (char)tolower((unsigned char)f->s[q]);
        id[q] = '\0';
        size_t w = 0;
        while (w < 4 && (k != strlen(ids[w]) || strcmp(id, ids[w]))) w++;
        if (w == 4)
            return fail_name(ps, at(f, 0),
                             "unknown block identifier (group, level, block, class):", f->s, k);
        if (rhs0 == f->n) return perr(ps, f->end, "expected a group or level after ':'");
        size_t l = 0, r = 0;
        if ((rc = pool_add(ps, id, k, &l)) || (rc = pool_add(ps, f->s + rhs0, f->n - rhs0, &r)))
            return rc;
        if (*block_seen) (*block)++;
        *block_seen = 1;
        return add_elem(ps, l, ":", r, NULL, *block, line);
    }
    /* lhs: one name or several joined by '+' */
    ps->nlhs = 0;
    for (size_t i = 0;;) {
        const size_t n = name_len(f, i);
        if (!n || i + n > k)
            return perr(ps, at(f, i), "expected a variable name before the operator");
        if (reserved(f->s + i, n))
            return fail_name(ps, at(f, i),
                             "a reserved word in R can not be a variable name:", f->s + i, n);
        if (i + n < k && f->s[i + n] == '(') /* lavaan's only lhs modifier: efa("set")*f */
            return fail_name(ps, at(f, i), "this modifier is not supported yet:", f->s + i, n);
        if ((rc = ks__grow(ps->ctx, (void **)&ps->lhs, &ps->cap_lhs, ps->nlhs + 1,
                           sizeof *ps->lhs)) ||
            (rc = pool_add(ps, f->s + i, n, &ps->lhs[ps->nlhs])))
            return rc;
        ps->nlhs++;
        i += n;
        if (i == k) break;
        if (f->s[i] != '+') return perr(ps, at(f, i), "expected '+' or an operator");
        i++;
    }
    if (rhs0 == f->n) return fail_name(ps, f->end, "expected a variable name after", op, oplen);
    if ((rc = read_terms(ps, f, rhs0))) return rc;
    for (size_t l = 0; l < ps->nlhs; l++)
        for (size_t j = 0; j < ps->nt; j++) {
            const term *t = &ps->t[j];
            const size_t lhs = ps->lhs[l];
            size_t rhs = t->name;
            const char *eop = op;
            if (rhs == NONE && !strcmp(op, "=~") && f->n - rhs0 == 1 && f->s[rhs0] == '0') {
                rhs = lhs; /* `f =~ 0`: no indicators, lavaan's `f =~ f` fixed at 0 */
            } else if (rhs == NONE) {
                if (strcmp(op, "~"))
                    return perr(ps, t->at, "an intercept ('1') belongs in a regression: y ~ 1");
                eop = "~1";
                if ((rc = pool_add(ps, "", 0, &rhs))) return rc;
            } else if (!strcmp(op, "=~") && same(ps, lhs, rhs)) {
                return fail_name(ps, t->at,
                                 "a latent variable can not be measured by itself:", ps->pool + rhs,
                                 strlen(ps->pool + rhs));
            }
            for (size_t e = 0; e < ps->nel; e++) {
                const elem_off *x = &ps->el[e];
                if (x->block != *block || strcmp(ps->pool + x->op, eop)) continue;
                const int dup =
                    (same(ps, x->lhs, lhs) && same(ps, x->rhs, rhs)) ||
                    (!strcmp(eop, "~~") && same(ps, x->lhs, rhs) && same(ps, x->rhs, lhs));
                if (dup)
                    return ks__fail(ps->ctx, KS_EPARSE,
                                    "model line %d, column %d: duplicate model element '%s %s %s' "
                                    "(first on line %d)",
                                    t->at.line, t->at.col, ps->pool + lhs, eop, ps->pool + rhs,
                                    x->line);
            }
            if ((rc = add_elem(ps, lhs, eop, rhs, t->mod, *block, line))) return rc;
        }
    return KS_OK;
}

/* Does line s[0..n) hold an operator (outside "quotes")? */
static int has_op(const char *s, size_t n)
{
    int quoted = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"') quoted = !quoted;
        if (quoted) continue;
        if (strchr("~<>:|%", s[i]) || (s[i] == '=' && i + 1 < n && s[i + 1] == '=')) return 1;
    }
    return 0;
}

static int build(parser *ps, ks__sem_syntax **out)
{
    ks_ctx *ctx = ps->ctx;
    ks__sem_syntax *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    r->elem = ks__malloc_array(ctx, ps->nel ? ps->nel : 1, sizeof *r->elem);
    r->con = ks__malloc_array(ctx, ps->ncon ? ps->ncon : 1, sizeof *r->con);
    if (!r->elem || !r->con) {
        ks__sem_syntax_free(r);
        return KS_ENOMEM;
    }
    const char *P = ps->pool;
    for (size_t e = 0; e < ps->nel; e++) {
        const elem_off *x = &ps->el[e];
        const char *m[F_N];
        for (int k = 0; k < F_N; k++) m[k] = x->mod[k] == NONE ? "" : P + x->mod[k];
        r->elem[e] = (ks__sem_elem){P + x->lhs, P + x->op,  P + x->rhs, x->block,   m[F_FIXED],
                                    m[F_START], m[F_LOWER], m[F_UPPER], m[F_LABEL], x->line};
    }
    for (size_t c = 0; c < ps->ncon; c++)
        r->con[c] = (ks__sem_constraint){P + ps->con[c].lhs, P + ps->con[c].op, P + ps->con[c].rhs,
                                         ps->con[c].line};
    r->nelem = ps->nel, r->ncon = ps->ncon;
    r->text = ps->pool; /* the syntax owns the pool now */
    ps->pool = NULL;
    *out = r;
    return KS_OK;
}

int ks__sem_parse(ks_ctx *ctx, const char *model, ks__sem_syntax **out)
{
    *out = NULL;
    if (!model) return ks__fail(ctx, KS_EINVAL, "model: NULL");
    const size_t n = strlen(model);
    parser ps = {.ctx = ctx};
    formula f = {0};
    char *s = ks__malloc(ctx, n + 1);
    pos *p = ks__malloc_array(ctx, n + 1, sizeof *p);
    f.s = ks__malloc(ctx, n + 1);
    f.p = ks__malloc_array(ctx, n + 1, sizeof *f.p);
    int rc = KS_ENOMEM;
    if (!s || !p || !f.s || !f.p) goto done;
    /* blanks and comments out, ';' a line break */
    size_t m = 0;
    int line = 1, col = 1, quoted = 0;
    for (size_t i = 0; i < n; i++, col++) {
        char c = model[i];
        if (c == '\n') {
            s[m] = '\n', p[m++] = (pos){line, col};
            line++, col = 0, quoted = 0;
            continue;
        }
        if (c == '"') quoted = !quoted;
        if (!quoted && (c == '#' || c == '!')) {
            while (i + 1 < n && model[i + 1] != '\n') i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') continue;
        if ((unsigned char)c == 0xCB && (unsigned char)model[i + 1] == 0x9C) /* U+02DC tilde */
            c = '~', i++;
        s[m] = !quoted && c == ';' ? '\n' : c, p[m++] = (pos){line, col};
    }
    s[m] = '\n', p[m++] = (pos){line, col};
    /* lines with an operator start a formula, lines without one continue it */
    int block = 1, block_seen = 0, started = 0;
    for (size_t a = 0; a < m;) {
        size_t b = a;
        while (s[b] != '\n') b++;
        const int op = has_op(s + a, b - a);
        if (op && started) {
            f.s[f.n] = '\0';
            f.end = (pos){f.p[f.n - 1].line, f.p[f.n - 1].col + 1};
            if ((rc = parse_formula(&ps, &f, &block, &block_seen))) goto done;
            f.n = 0;
        }
        if (op) started = 1;
        if (started) {
            memcpy(f.s + f.n, s + a, b - a);
            memcpy(f.p + f.n, p + a, (b - a) * sizeof *p);
            f.n += b - a;
        } else if (b > a) {
            ks__log(ctx, KS_LOG_WARN, "model line %d: no operator in '%.*s': ignored", p[a].line,
                    (int)(b - a), s + a);
        }
        a = b + 1;
    }
    if (!started) {
        rc = ks__fail(ctx, KS_EPARSE, "model: no formula (no operator such as =~, ~ or ~~)");
        goto done;
    }
    f.s[f.n] = '\0';
    f.end = (pos){f.p[f.n - 1].line, f.p[f.n - 1].col + 1};
    if ((rc = parse_formula(&ps, &f, &block, &block_seen))) goto done;
    rc = build(&ps, out);
done:
    ks__free(ctx, s);
    ks__free(ctx, p);
    ks__free(ctx, f.s);
    ks__free(ctx, f.p);
    ks__free(ctx, ps.pool);
    ks__free(ctx, ps.el);
    ks__free(ctx, ps.con);
    ks__free(ctx, ps.t);
    ks__free(ctx, ps.lhs);
    return rc;
}

void ks__sem_syntax_free(ks__sem_syntax *s)
{
    if (!s) return;
    ks__release(&s->alloc, s->elem);
    ks__release(&s->alloc, s->con);
    ks__release(&s->alloc, s->text);
    ks__release(&s->alloc, s);
}
