/* expr.c — the expressions of `:=`, `==`, `<` and `>` rows, which lavaan 0.6-14 evaluates as R
 * code (lav_partable_constraints_def / _ceq / _ciq write them into an R function of the free
 * parameters), compiled once and evaluated with an exact gradient.
 * - R's grammar for what such an expression can hold: numbers (1, .5, 5., 1e-3, 0x10, 2L),
 *   names (letters, digits, '.', '_'), + - * / ^ (and R's ** for ^) with R's precedence (^ is
 *   right-associative and binds tighter than unary minus: -2^2 is -4, 2^-1 is 0.5), parentheses,
 *   R's constants TRUE FALSE Inf NaN NA, and the common one-argument math functions (log also
 *   with a base). Any other function is an error naming it.
 * - Arithmetic as R does it: x^y is R_pow (x*x for y == 2, 1 for x == 1 or y == 0, ...).
 * - Constant subexpressions are folded when compiled; what is left is a postfix program over
 *   the values the names resolved to.
 * - The gradient is forward mode, one pass per value the expression reads, on a fixed stack:
 *   evaluating needs no memory, so one compiled expression serves any number of threads. */
#include <ctype.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "sem/sem_internal.h"

/* Bounds that keep evaluation on a fixed stack and the parser's recursion shallow; a
 * lavaan model's expressions are far below them. */
enum { MAX_STACK = 64, MAX_NEST = 200, MAX_CODE = 1 << 16 };

typedef enum {
    OP_CONST,
    OP_VAR,
    OP_NEG,
    OP_ADD,
    OP_SUB,
    OP_MUL,
    OP_DIV,
    OP_POW,
    OP_FN,
    OP_LOGB
} opcode;

/* What an operand is in its values: a constant, affine (a constant gradient) or neither. */
typedef enum { K_CONST, K_AFFINE, K_OTHER } kind;

typedef struct {
    unsigned char op; /* an opcode */
    unsigned char fn; /* OP_FN: index into fns[] */
    uint32_t slot;    /* OP_VAR: index into used[] (fewer than MAX_CODE) */
    double c;         /* OP_CONST */
} step;

struct ks__sem_expr {
    ks_allocator alloc;
    step *code;
    size_t ncode;
    size_t *used; /* the values read, by slot */
    size_t nused;
    int depth; /* the stack it needs */
    kind kind;
};

/* ---- Arithmetic, as R does it ---- */

/* R's R_pow (src/main/arithmetic.c): squares exactly, 1^y and x^0 are 1 (even for NaN), and a
 * negative base to an infinite or (for -Inf) non-integer power is NaN. */
static double rpow(double x, double y)
{
    if (y == 2.0) return x * x;
    if (x == 1.0 || y == 0.0) return 1.0;
    if (x == 0.0) return y > 0 ? 0.0 : y < 0 ? HUGE_VAL : y;
    if (x < 0 && (isinf(y) || (isinf(x) && y != floor(y)))) return NAN;
    return pow(x, y);
}

/* R's log(x, base): log10 and log2 for those bases. */
static double logbase(double x, double b)
{
    return b == 10.0 ? log10(x) : b == 2.0 ? log2(x) : log(x) / log(b);
}

/* R's dnorm: beyond 5 the square is split so that exp's argument keeps its low bits. */
static double dnorm(double x)
{
    static const double one_sqrt_2pi = 0.398942280401432677939946059934;
    x = fabs(x);
    if (x < 5) return one_sqrt_2pi * exp(-0.5 * x * x);
    const double x1 = ldexp(nearbyint(ldexp(x, 16)), -16), x2 = x - x1;
    return one_sqrt_2pi * (exp(-0.5 * x1 * x1) * exp((-0.5 * x2 - x1) * x2));
}

/* One-argument functions: the value, and the derivative given x and the value. */
static double d_exp(double x, double f) { return (void)x, f; }
static double d_log(double x, double f) { return (void)f, 1.0 / x; }
static double d_log2(double x, double f) { return (void)f, 1.0 / (x * M_LN2); }
static double d_log10(double x, double f) { return (void)f, 1.0 / (x * M_LN10); }
static double d_log1p(double x, double f) { return (void)f, 1.0 / (1.0 + x); }
static double d_expm1(double x, double f) { return (void)x, f + 1.0; }
static double d_sqrt(double x, double f) { return (void)x, 0.5 / f; }
static double d_abs(double x, double f) { return (void)f, x > 0 ? 1.0 : x < 0 ? -1.0 : 0.0; }
static double d_sin(double x, double f) { return (void)f, cos(x); }
static double d_cos(double x, double f) { return (void)f, -sin(x); }
static double d_tan(double x, double f) { return (void)f, 1.0 / (cos(x) * cos(x)); }
static double d_asin(double x, double f) { return (void)f, 1.0 / sqrt(1.0 - x * x); }
static double d_acos(double x, double f) { return (void)f, -1.0 / sqrt(1.0 - x * x); }
static double d_atan(double x, double f) { return (void)f, 1.0 / (1.0 + x * x); }
static double d_sinh(double x, double f) { return (void)f, cosh(x); }
static double d_cosh(double x, double f) { return (void)f, sinh(x); }
static double d_tanh(double x, double f) { return (void)f, 1.0 / (cosh(x) * cosh(x)); }
static double d_pnorm(double x, double f) { return (void)f, dnorm(x); }
static double d_dnorm(double x, double f) { return -x * f; }
static double d_qnorm(double x, double f) { return (void)x, 1.0 / dnorm(f); }

static const struct {
    const char *name;
    double (*f)(double);
    double (*df)(double x, double fx);
} fns[] = {
    {"exp", exp, d_exp},       {"log", log, d_log},
    {"log2", log2, d_log2},    {"log10", log10, d_log10},
    {"log1p", log1p, d_log1p}, {"expm1", expm1, d_expm1},
    {"sqrt", sqrt, d_sqrt},    {"abs", fabs, d_abs},
    {"sin", sin, d_sin},       {"cos", cos, d_cos},
    {"tan", tan, d_tan},       {"asin", asin, d_asin},
    {"acos", acos, d_acos},    {"atan", atan, d_atan},
    {"sinh", sinh, d_sinh},    {"cosh", cosh, d_cosh},
    {"tanh", tanh, d_tanh},    {"pnorm", ks_normal_cdf, d_pnorm},
    {"dnorm", dnorm, d_dnorm}, {"qnorm", ks_normal_quantile, d_qnorm},
};
#define NFNS (sizeof fns / sizeof *fns)
enum { FN_LOG = 1 }; /* fns[1], which also takes a base */

/* A binary operation's value. */
static double apply2(opcode op, double a, double b)
{
    switch (op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_MUL: return a * b;
    case OP_DIV: return a / b;
    case OP_POW: return rpow(a, b);
    default: return logbase(a, b);
    }
}

/* d * t, where a zero tangent contributes nothing even if d is infinite or NaN (a
 * derivative with respect to a value that this operand does not depend on). */
static double scale(double d, double t) { return t == 0 ? 0.0 : d * t; }

/* Run the program; the tangent is seeded on slot `dir` (nused: none). */
static double run(const ks__sem_expr *e, const double *values, size_t dir, double *tangent)
{
    double v[MAX_STACK], t[MAX_STACK];
    int n = 0;
    for (size_t k = 0; k < e->ncode; k++) {
        const step *s = &e->code[k];
        switch (s->op) {
        case OP_CONST: v[n] = s->c, t[n++] = 0.0; break;
        case OP_VAR: v[n] = values[e->used[s->slot]], t[n++] = s->slot == dir ? 1.0 : 0.0; break;
        case OP_NEG: v[n - 1] = -v[n - 1], t[n - 1] = -t[n - 1]; break;
        case OP_FN: {
            const double x = v[n - 1];
            v[n - 1] = fns[s->fn].f(x);
            t[n - 1] = t[n - 1] == 0 ? 0.0 : fns[s->fn].df(x, v[n - 1]) * t[n - 1];
            break;
        }
        default: {
            const double a = v[n - 2], b = v[n - 1], ta = t[n - 2], tb = t[n - 1];
            const double r = apply2(s->op, a, b);
            double tr;
            switch (s->op) {
            case OP_ADD: tr = ta + tb; break;
            case OP_SUB: tr = ta - tb; break;
            case OP_MUL: tr = scale(b, ta) + scale(a, tb); break;
            case OP_DIV: tr = scale(1.0 / b, ta) - scale(r / b, tb); break;
            case OP_POW:
                tr =
                    (ta == 0 ? 0.0 : b * rpow(a, b - 1.0) * ta) + (tb == 0 ? 0.0 : r * log(a) * tb);
                break;
            default: /* OP_LOGB */
                tr = (ta == 0 ? 0.0 : ta / (a * log(b))) +
                     (tb == 0 ? 0.0 : -log(a) / (b * log(b) * log(b)) * tb);
                break;
            }
            v[n - 2] = r, t[n - 2] = tr;
            n--;
        }
        }
    }
    *tangent = t[0];
    return v[0];
}

double ks__sem_expr_eval(const ks__sem_expr *e, const double *values, double *grad, size_t stride)
{
    double tangent;
    const double value = run(e, values, e->nused, &tangent);
    if (grad)
        for (size_t s = 0; s < e->nused; s++) {
            run(e, values, s, &tangent);
            grad[e->used[s] * stride] = tangent;
        }
    return value;
}

int ks__sem_expr_affine(const ks__sem_expr *e) { return e->kind != K_OTHER; }

void ks__sem_expr_free(ks__sem_expr *e)
{
    if (!e) return;
    ks__release(&e->alloc, e->code);
    ks__release(&e->alloc, e->used);
    ks__release(&e->alloc, e);
}

/* ---- Compiling ---- */

typedef struct {
    kind kind;
    size_t start; /* where its code begins; a constant is always one OP_CONST step */
} operand;

typedef struct {
    ks_ctx *ctx;
    const char *s;
    size_t n, i; /* the text, its length, the position read */
    int line, nest;
    ks__sem_resolve_fn resolve;
    void *ud;
    step *code;
    size_t ncode, cap_code;
    size_t *used;
    size_t nused, cap_used;
    operand opnd[MAX_STACK];
    int top, depth;
} compiler;

static int cerr(compiler *c, size_t at, const char *what, const char *name, size_t len)
{
    if (name)
        return ks__fail(c->ctx, KS_EPARSE, "model line %d, column %zu of '%s': %s: '%.*s'", c->line,
                        at + 1, c->s, what, (int)len, name);
    return ks__fail(c->ctx, KS_EPARSE, "model line %d, column %zu of '%s': %s", c->line, at + 1,
                    c->s, what);
}

/* "unexpected 'x'" or "unexpected end of the expression" at c->i. */
static int unexpected(compiler *c)
{
    if (c->i >= c->n) return cerr(c, c->i, "unexpected end of the expression", NULL, 0);
    return cerr(c, c->i, "unexpected", c->s + c->i, 1);
}

static void blanks(compiler *c)
{
    while (c->i < c->n && (c->s[c->i] == ' ' || c->s[c->i] == '\t')) c->i++;
}

static int emit(compiler *c, step s)
{
    if (c->ncode >= MAX_CODE)
        return cerr(c, c->i, "the expression, with the definitions it uses, is too long", NULL, 0);
    int rc = ks__grow(c->ctx, (void **)&c->code, &c->cap_code, c->ncode + 1, sizeof *c->code);
    if (rc) return rc;
    c->code[c->ncode++] = s;
    return KS_OK;
}

/* Push an operand that starts at `start` and needs `need` stack slots on top of the others. */
static int push(compiler *c, kind k, size_t start, int need)
{
    if (c->top + need > MAX_STACK) return cerr(c, c->i, "the expression nests too deeply", NULL, 0);
    if (c->top + need > c->depth) c->depth = c->top + need;
    c->opnd[c->top].kind = k;
    c->opnd[c->top++].start = start;
    return KS_OK;
}

static int push_const(compiler *c, double v)
{
    const size_t start = c->ncode;
    int rc = emit(c, (step){OP_CONST, 0, 0, v});
    return rc ? rc : push(c, K_CONST, start, 1);
}

/* The slot of values[index], added at first use. */
static int slot_of(compiler *c, size_t index, uint32_t *slot)
{
    for (size_t s = 0; s < c->nused; s++)
        if (c->used[s] == index) return *slot = (uint32_t)s, KS_OK;
    int rc = ks__grow(c->ctx, (void **)&c->used, &c->cap_used, c->nused + 1, sizeof *c->used);
    if (rc) return rc;
    c->used[c->nused] = index;
    *slot = (uint32_t)c->nused++;
    return KS_OK;
}

static int push_value(compiler *c, size_t index)
{
    const size_t start = c->ncode;
    uint32_t slot;
    int rc = slot_of(c, index, &slot);
    if (!rc) rc = emit(c, (step){OP_VAR, 0, slot, 0.0});
    return rc ? rc : push(c, K_AFFINE, start, 1);
}

/* An expression compiled before, in place of a name: its program, its slots made ours. */
static int push_expr(compiler *c, const ks__sem_expr *e)
{
    const size_t start = c->ncode;
    for (size_t k = 0; k < e->ncode; k++) {
        step s = e->code[k];
        int rc = s.op == OP_VAR ? slot_of(c, e->used[s.slot], &s.slot) : KS_OK;
        if (!rc) rc = emit(c, s);
        if (rc) return rc;
    }
    return push(c, e->kind, start, e->depth);
}

/* Apply a unary step (OP_NEG or OP_FN) to the top operand, folding a constant. */
static int apply_unary(compiler *c, opcode op, int fn)
{
    operand *a = &c->opnd[c->top - 1];
    if (a->kind == K_CONST) {
        double *v = &c->code[a->start].c;
        *v = op == OP_NEG ? -*v : fns[fn].f(*v);
        return KS_OK;
    }
    if (op == OP_FN) a->kind = K_OTHER;
    return emit(c, (step){op, fn, 0, 0.0});
}

/* Apply a binary step to the top two operands, folding constants. */
static int apply_binary(compiler *c, opcode op)
{
    const operand b = c->opnd[--c->top];
    operand *a = &c->opnd[c->top - 1];
    if (a->kind == K_CONST && b.kind == K_CONST) {
        c->code[a->start].c = apply2(op, c->code[a->start].c, c->code[b.start].c);
        c->ncode = a->start + 1;
        return KS_OK;
    }
    const double bc = b.kind == K_CONST ? c->code[b.start].c : NAN;
    kind k = K_OTHER;
    if (op == OP_ADD || op == OP_SUB)
        k = a->kind > b.kind ? a->kind : b.kind;
    else if (op == OP_MUL && (a->kind == K_CONST || b.kind == K_CONST))
        k = a->kind == K_CONST ? b.kind : a->kind;
    else if (op == OP_DIV && b.kind == K_CONST)
        k = a->kind;
    else if (op == OP_POW && b.kind == K_CONST && (bc == 1.0 || bc == 0.0))
        k = bc == 1.0 ? a->kind : K_AFFINE; /* x^1 is x and x^0 is 1 in R */
    a->kind = k;
    return emit(c, (step){op, 0, 0, 0.0});
}

static int is_name_char(char ch) { return isalnum((unsigned char)ch) || ch == '.' || ch == '_'; }

/* R's numeric literals: decimal with an optional exponent, or hexadecimal; an L suffix (integer)
 * changes nothing here. */
static int number(compiler *c)
{
    const size_t at = c->i;
    size_t j = at;
    double v;
    if (c->s[j] == '0' && j + 1 < c->n && (c->s[j + 1] == 'x' || c->s[j + 1] == 'X')) {
        j += 2;
        const size_t d0 = j;
        while (j < c->n && isxdigit((unsigned char)c->s[j])) j++;
        if (j == d0) return cerr(c, at, "a hexadecimal number needs digits", NULL, 0);
        long double h = 0; /* as R's R_strtod accumulates them */
        for (size_t k = d0; k < j; k++) {
            const int ch = tolower((unsigned char)c->s[k]);
            h = 16 * h + (isdigit(ch) ? ch - '0' : ch - 'a' + 10);
        }
        v = (double)h;
    } else {
        char buf[512];
        while (j < c->n && isdigit((unsigned char)c->s[j])) j++;
        if (j < c->n && c->s[j] == '.') j++;
        while (j < c->n && isdigit((unsigned char)c->s[j])) j++;
        if (j < c->n && (c->s[j] == 'e' || c->s[j] == 'E')) {
            j++;
            if (j < c->n && (c->s[j] == '+' || c->s[j] == '-')) j++;
            if (j >= c->n || !isdigit((unsigned char)c->s[j]))
                return cerr(c, at, "an exponent needs digits", NULL, 0);
            while (j < c->n && isdigit((unsigned char)c->s[j])) j++;
        }
        if (j - at >= sizeof buf) return cerr(c, at, "a number too long to read", NULL, 0);
        memcpy(buf, c->s + at, j - at);
        buf[j - at] = '\0';
        v = strtod(buf, NULL);
    }
    if (j < c->n && c->s[j] == 'L') j++;
    if (j < c->n && c->s[j] == 'i')
        return cerr(c, at, "complex numbers are not supported", NULL, 0);
    if (j < c->n && is_name_char(c->s[j]))
        return c->i = j, cerr(c, j, "unexpected symbol", NULL, 0);
    c->i = j;
    return push_const(c, v);
}

static int sum(compiler *c);
static int unary(compiler *c);

/* An argument's name (`base=`): read past it where it is log's base, else an error. */
static int named(compiler *c, int base_ok)
{
    blanks(c);
    size_t j = c->i;
    if (j >= c->n || !(isalpha((unsigned char)c->s[j]) || c->s[j] == '.')) return KS_OK;
    while (j < c->n && is_name_char(c->s[j])) j++;
    const size_t len = j - c->i;
    while (j < c->n && (c->s[j] == ' ' || c->s[j] == '\t')) j++;
    if (j >= c->n || c->s[j] != '=' || (j + 1 < c->n && c->s[j + 1] == '=')) return KS_OK;
    if (!base_ok || len != 4 || memcmp(c->s + c->i, "base", 4))
        return cerr(c, c->i, "named arguments are not supported (but log's base=)", c->s + c->i,
                    len);
    c->i = j + 1;
    return KS_OK;
}

/* name(args): the function's arguments, then the function. */
static int call(compiler *c, const char *name, size_t len, size_t at)
{
    int fn = -1;
    for (size_t k = 0; k < NFNS; k++)
        if (strlen(fns[k].name) == len && !memcmp(fns[k].name, name, len)) fn = (int)k;
    if (fn < 0)
        return cerr(c, at,
                    "unknown function (kestrel evaluates exp, log, log2, log10, log1p, expm1, "
                    "sqrt, abs, sin, cos, tan, asin, acos, atan, sinh, cosh, tanh, pnorm, dnorm, "
                    "qnorm)",
                    name, len);
    c->i++; /* '(' */
    int nargs = 0, rc;
    blanks(c);
    if (c->i < c->n && c->s[c->i] == ')')
        return cerr(c, at, "a function needs an argument", name, len);
    for (;;) {
        if ((rc = named(c, fn == FN_LOG && nargs == 1))) return rc;
        if ((rc = sum(c))) return rc;
        nargs++;
        blanks(c);
        if (c->i < c->n && c->s[c->i] == ',') {
            c->i++;
            continue;
        }
        if (c->i < c->n && c->s[c->i] == ')') break;
        return unexpected(c);
    }
    c->i++;
    if (nargs == 2 && fn == FN_LOG) return apply_binary(c, OP_LOGB);
    if (nargs != 1)
        return cerr(c, at,
                    fn == FN_LOG ? "log takes one or two arguments (x, base)"
                                 : "this function takes one argument",
                    name, len);
    return apply_unary(c, OP_FN, fn);
}

static int primary(compiler *c)
{
    blanks(c);
    if (c->i >= c->n) return unexpected(c);
    const char ch = c->s[c->i];
    const size_t at = c->i;
    if (ch == '(') {
        c->i++;
        int rc = sum(c);
        if (rc) return rc;
        blanks(c);
        if (c->i >= c->n || c->s[c->i] != ')')
            return c->i >= c->n ? cerr(c, c->i, "expected ')'", NULL, 0) : unexpected(c);
        c->i++;
        return KS_OK;
    }
    if (isdigit((unsigned char)ch) ||
        (ch == '.' && c->i + 1 < c->n && isdigit((unsigned char)c->s[c->i + 1])))
        return number(c);
    if (!isalpha((unsigned char)ch) && ch != '.') return unexpected(c);
    size_t j = c->i + 1;
    while (j < c->n && is_name_char(c->s[j])) j++;
    const char *name = c->s + at;
    const size_t len = j - at;
    c->i = j;
    blanks(c);
    if (c->i < c->n && c->s[c->i] == '(') return call(c, name, len, at);
    static const struct {
        const char *word;
        double v;
    } constants[] = {{"TRUE", 1.0}, {"FALSE", 0.0}, {"Inf", HUGE_VAL}, {"NaN", NAN}, {"NA", NAN}};
    for (size_t k = 0; k < sizeof constants / sizeof *constants; k++)
        if (strlen(constants[k].word) == len && !memcmp(constants[k].word, name, len))
            return push_const(c, constants[k].v);
    ks__sem_ref ref = {KS__SEM_REF_VALUE, 0, 0.0, NULL};
    const char *why = c->resolve(c->ud, name, len, &ref);
    if (why) return cerr(c, at, why, name, len);
    if (ref.kind == KS__SEM_REF_CONSTANT) return push_const(c, ref.constant);
    if (ref.kind == KS__SEM_REF_EXPR) return push_expr(c, ref.expr);
    return push_value(c, ref.index);
}

/* primary ('^' unary)?: right-associative, and the exponent may carry a sign (2^-1). */
static int power(compiler *c)
{
    int rc = primary(c);
    if (rc) return rc;
    blanks(c);
    if (c->i < c->n &&
        (c->s[c->i] == '^' || (c->s[c->i] == '*' && c->i + 1 < c->n && c->s[c->i + 1] == '*'))) {
        c->i += c->s[c->i] == '^' ? 1 : 2;
        if ((rc = unary(c))) return rc;
        return apply_binary(c, OP_POW);
    }
    return KS_OK;
}

/* ('-' | '+')* power: R's unary minus binds looser than ^ and tighter than * /. */
static int unary(compiler *c)
{
    if (++c->nest > MAX_NEST) return cerr(c, c->i, "the expression nests too deeply", NULL, 0);
    blanks(c);
    int rc;
    if (c->i < c->n && (c->s[c->i] == '-' || c->s[c->i] == '+')) {
        const int neg = c->s[c->i++] == '-';
        rc = unary(c);
        if (!rc && neg) rc = apply_unary(c, OP_NEG, 0);
    } else {
        rc = power(c);
    }
    c->nest--;
    return rc;
}

static int product(compiler *c)
{
    int rc = unary(c);
    for (;;) {
        if (rc) return rc;
        blanks(c);
        if (c->i >= c->n || (c->s[c->i] != '*' && c->s[c->i] != '/')) return KS_OK;
        const opcode op = c->s[c->i++] == '*' ? OP_MUL : OP_DIV;
        rc = unary(c);
        if (!rc) rc = apply_binary(c, op);
    }
}

static int sum(compiler *c)
{
    int rc = product(c);
    for (;;) {
        if (rc) return rc;
        blanks(c);
        if (c->i >= c->n || (c->s[c->i] != '+' && c->s[c->i] != '-')) return KS_OK;
        const opcode op = c->s[c->i++] == '+' ? OP_ADD : OP_SUB;
        rc = product(c);
        if (!rc) rc = apply_binary(c, op);
    }
}

int ks__sem_expr_compile(ks_ctx *ctx, const char *text, int line, ks__sem_resolve_fn resolve,
                         void *ud, ks__sem_expr **out)
{
    *out = NULL;
    compiler c;
    memset(&c, 0, sizeof c);
    c.ctx = ctx, c.s = text, c.n = strlen(text), c.line = line, c.resolve = resolve, c.ud = ud;
    int rc = sum(&c);
    if (!rc) {
        blanks(&c);
        if (c.i < c.n) rc = unexpected(&c);
    }
    /* (the buffers grew from ks__grow's 1024 items: keep what is used) */
    step *code = rc ? NULL : ks__realloc(ctx, c.code, c.ncode * sizeof *c.code);
    if (code) c.code = code;
    size_t *used = code && c.nused ? ks__realloc(ctx, c.used, c.nused * sizeof *c.used) : NULL;
    if (used) c.used = used;
    ks__sem_expr *e = code && (used || !c.nused) ? ks__malloc(ctx, sizeof *e) : NULL;
    if (!e) {
        ks__free(ctx, c.code);
        ks__free(ctx, c.used);
        return rc ? rc : KS_ENOMEM;
    }
    e->alloc = ctx->alloc;
    e->code = c.code, e->ncode = c.ncode;
    e->used = c.used, e->nused = c.nused;
    e->depth = c.depth;
    e->kind = c.opnd[0].kind;
    *out = e;
    return KS_OK;
}
