/* test_sem_expr.c — the expressions of `:=` and constraints (src/sem/expr.c) and a table's
 * definitions and constraints as functions of theta (src/sem/defined.c), against R and lavaan
 * (tests/data/sem/make_expr_reference.R): values as R's eval gives them, gradients as R's deriv()
 * (or Richardson-extrapolated differences where deriv() has no rule), lavaan's def.function,
 * ceq.function and cin.function with their complex-step Jacobians on a fitted CFA, and the
 * delta method's standard errors of its `:=` rows. Also R's precedence, errors with their line
 * and column, and how names resolve. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kestrel/kestrel.h"
#include "ktest.h"
#include "sem/sem_internal.h"

#define DIR "tests/data/sem/"

static const char *const CASE_COLS[] = {"expr", "value", "d_a",    "d_b", "d_c",
                                        "d_p",  "d_l",   "method", NULL};
static const char *const PT_COLS[] = {"id",   "lhs",    "op",    "rhs",    "user", "block",
                                      "free", "ustart", "label", "plabel", NULL};
static const char *const MODEL_COLS[] = {"what", "i", "j", "value", NULL};

static double num(ks_ctx *ctx, const ks_table *t, const char *col, size_t row)
{
    return strtod(ktest_cell(ctx, t, col, row), NULL);
}

/* |got - want| within rtol of |want| (what: the case, for the message). */
#define CHECK_CLOSE(got, want, rtol)                                                               \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        const double g_ = (got), w_ = (want);                                                      \
        if (!(fabs(g_ - w_) <= (rtol)*fabs(w_)) && !(g_ == w_)) {                                  \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s:%d: %s = %.17g, wanted %.17g (rtol %g) [%s]\n", __FILE__,          \
                    __LINE__, #got, g_, w_, (double)(rtol), what);                                 \
        }                                                                                          \
    } while (0)

/* ---- Expressions over the names a b c p l.1_x (values[0..5)) ---- */

static const char *const NAMES[] = {"a", "b", "c", "p", "l.1_x"};
static const double VALS[] = {0.7, -1.3, 2.1, 0.3, 1.6};

static const char *resolve_names(void *ud, const char *name, size_t len, ks__sem_ref *out)
{
    (void)ud;
    for (size_t k = 0; k < 5; k++)
        if (strlen(NAMES[k]) == len && !memcmp(NAMES[k], name, len)) {
            out->kind = KS__SEM_REF_VALUE;
            out->index = k;
            return NULL;
        }
    return "unknown name";
}

static ks__sem_expr *compile(ks_ctx *ctx, const char *text)
{
    ks__sem_expr *e = NULL;
    CHECK_OK(ctx, ks__sem_expr_compile(ctx, text, 1, resolve_names, NULL, &e));
    return e;
}

/* Every case of expr_cases.tsv: the value to R's last bits, the gradient to deriv()'s. */
static void test_against_r(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks_table *t = ktest_read_text(ctx, DIR "expr_cases.tsv", CASE_COLS);
    CHECK(t && ks_table_nrow(t) == 40);
    static const char *const dcol[] = {"d_a", "d_b", "d_c", "d_p", "d_l"};
    for (size_t r = 0; t && r < ks_table_nrow(t); r++) {
        const char *what = ktest_cell(ctx, t, "expr", r);
        ks__sem_expr *e = compile(ctx, what);
        if (!e) continue;
        /* deriv()'s gradients are R's arithmetic on the same formulas; the differences are
           good to about 1e-11 */
        const double tol = strcmp(ktest_cell(ctx, t, "method", r), "deriv") ? 1e-9 : 4e-15;
        double g[5] = {0, 0, 0, 0, 0}, g3[15];
        for (size_t k = 0; k < 15; k++) g3[k] = -7.0;
        const double v = ks__sem_expr_eval(e, VALS, g, 1);
        /* R's values to the last bit or two, but for the normal cdf far in the tail:
           ks_normal_cdf (erfc of z / sqrt 2) and R's pnorm (Cody) are 8e-15 apart at -10.4 */
        CHECK_CLOSE(v, num(ctx, t, "value", r), strcmp(what, "pnorm(b*8)") ? 2e-16 : 1e-13);
        CHECK(ks__sem_expr_eval(e, VALS, NULL, 0) == v);
        CHECK(ks__sem_expr_eval(e, VALS, g3, 3) == v); /* a strided gradient, the rest untouched */
        for (size_t k = 0; k < 5; k++) {
            CHECK_CLOSE(g[k], num(ctx, t, dcol[k], r), tol);
            CHECK(g3[3 * k] == g[k] || (g[k] == 0.0 && g3[3 * k] == -7.0)); /* -7: not read */
            CHECK(g3[3 * k + 1] == -7.0 && g3[3 * k + 2] == -7.0);
        }
        ks__sem_expr_free(e);
    }
    ks_table_free(t);
    ks_ctx_free(ctx);
}

/* R's precedence and numbers, constants folded, what is affine. */
static void test_precedence(void)
{
    static const struct {
        const char *text;
        double value;
        int affine;
    } cases[] = {
        {"-2^2", -4.0, 1},
        {"2^-1", 0.5, 1},
        {"2^3^2", 512.0, 1},
        {"2*-3^2", -18.0, 1},
        {"-2^-2", -0.25, 1},
        {"(-2)^2", 4.0, 1},
        {"2**3", 8.0, 1},
        {"8/2/2", 2.0, 1},
        {"8-2-2", 4.0, 1},
        {"1-2*3", -5.0, 1},
        {"--1", 1.0, 1},
        {"+-+1", -1.0, 1},
        {"0x10L+2L+.5+5.", 23.5, 1},
        {"1e2+1E-1+1e+1", 110.1, 1},
        {"1.5L", 1.5, 1},
        {"TRUE+FALSE*2", 1.0, 1},
        {"Inf", HUGE_VAL, 1},
        {" 2 * ( 3 + 4 ) ", 14.0, 1},
        {"0^-1", HUGE_VAL, 1},
        {"1^NaN", 1.0, 1},
        {"NaN^0", 1.0, 1},
        {"exp (0)", 1.0, 1},
        {"2*a+b/4-3", 2 * 0.7 - 1.3 / 4 - 3, 1},
        {"-(a-b)", -2.0, 1},
        {"a*b", 0.7 * -1.3, 0},
        {"a/2", 0.35, 1},
        {"2/a", 2 / 0.7, 0},
        {"a^1", 0.7, 1},
        {"abs(a)", 0.7, 0},
        {"exp(log(2))*a", 1.4, 1},
        {"a^c", pow(0.7, 2.1), 0},
        {"(a+b)*3-a", 2.0 * 0.7 - 3.9, 1},
    };
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        const char *what = cases[k].text;
        ks__sem_expr *e = compile(ctx, what);
        if (!e) continue;
        CHECK_CLOSE(ks__sem_expr_eval(e, VALS, NULL, 0), cases[k].value, 1e-15);
        CHECK(ks__sem_expr_affine(e) == cases[k].affine);
        ks__sem_expr_free(e);
    }
    ks__sem_expr_free(NULL);
    ks_ctx_free(ctx);
}

/* Errors: the status, and the message with the line, the column and the culprit. */
static void test_errors(void)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"a*zz", "model line 7, column 3 of 'a*zz': unknown name: 'zz'"},
        {"a*foo(b)", "model line 7, column 3 of 'a*foo(b)': unknown function (kestrel evaluates "
                     "exp, log,"},
        {"a*", "model line 7, column 3 of 'a*': unexpected end of the expression"},
        {"(a+b", "model line 7, column 5 of '(a+b': expected ')'"},
        {"a)", "model line 7, column 2 of 'a)': unexpected: ')'"},
        {"a b", "model line 7, column 3 of 'a b': unexpected: 'b'"},
        {"2a", "model line 7, column 2 of '2a': unexpected symbol"},
        {"1e", "model line 7, column 1 of '1e': an exponent needs digits"},
        {"0x", "model line 7, column 1 of '0x': a hexadecimal number needs digits"},
        {"2i*a", "model line 7, column 1 of '2i*a': complex numbers are not supported"},
        {"exp()", "model line 7, column 1 of 'exp()': a function needs an argument: 'exp'"},
        {"exp(a,b)", "model line 7, column 1 of 'exp(a,b)': this function takes one argument"},
        {"log(a,b,c)", "log takes one or two arguments (x, base): 'log'"},
        {"exp(a;b)", "model line 7, column 6 of 'exp(a;b)': unexpected: ';'"},
        {"a%%b", "column 2 of 'a%%b': unexpected: '%'"},
        {"a^^b", "column 3 of 'a^^b': unexpected: '^'"},
        {"", "model line 7, column 1 of '': unexpected end of the expression"},
        {"exp(x=a)", "column 5 of 'exp(x=a)': named arguments are not supported (but log's "
                     "base=): 'x'"},
        {"log(base=2,a)", "column 5 of 'log(base=2,a)': named arguments are not supported"},
        {"exp(zz)", "column 5 of 'exp(zz)': unknown name: 'zz'"},
    };
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ks__sem_expr *e = NULL;
        CHECK_FAILS(ctx, ks__sem_expr_compile(ctx, cases[k].text, 7, resolve_names, NULL, &e),
                    KS_EPARSE, cases[k].msg);
        CHECK(e == NULL);
    }
    /* nesting beyond the fixed stack and the parser's recursion: an error, not a crash */
    char deep[1024];
    size_t n = 0;
    for (int k = 0; k < 300; k++) deep[n++] = '(';
    deep[n++] = 'a';
    for (int k = 0; k < 300; k++) deep[n++] = ')';
    deep[n] = '\0';
    ks__sem_expr *e = NULL;
    CHECK_FAILS(ctx, ks__sem_expr_compile(ctx, deep, 1, resolve_names, NULL, &e), KS_EPARSE,
                "the expression nests too deeply");
    n = 0;
    for (int k = 0; k < 100; k++) deep[n++] = 'a', deep[n++] = '^';
    deep[n++] = 'a';
    deep[n] = '\0';
    CHECK_FAILS(ctx, ks__sem_expr_compile(ctx, deep, 1, resolve_names, NULL, &e), KS_EPARSE,
                "the expression nests too deeply");
    /* within the bounds: 60 nested sums */
    n = 0;
    for (int k = 0; k < 60; k++) deep[n++] = 'a', deep[n++] = '+', deep[n++] = '(';
    deep[n++] = 'b';
    for (int k = 0; k < 60; k++) deep[n++] = ')';
    deep[n] = '\0';
    CHECK_OK(ctx, ks__sem_expr_compile(ctx, deep, 1, resolve_names, NULL, &e));
    if (e) {
        double g[5] = {0, 0, 0, 0, 0};
        CHECK_NEAR(ks__sem_expr_eval(e, VALS, g, 1), 60 * 0.7 - 1.3, 1e-14);
        CHECK(g[0] == 60.0 && g[1] == 1.0 && g[2] == 0.0);
    }
    ks__sem_expr_free(e);
    ks_ctx_free(ctx);
}

/* ---- Tables ---- */

/* A parameter table made by hand from rows (lhs, op, rhs, free, ustart, label, plabel). */
typedef struct {
    const char *lhs, *op, *rhs;
    int free;
    double ustart;
    const char *label, *plabel;
} row;

static ks__sem_partable *table_of(const row *rows, size_t n, ks__sem_partable *t, ks__sem_par *par)
{
    memset(t, 0, sizeof *t);
    for (size_t r = 0; r < n; r++) {
        const int con = !strcmp(rows[r].op, ":=") || !strcmp(rows[r].op, "==") ||
                        !strcmp(rows[r].op, "<") || !strcmp(rows[r].op, ">");
        par[r] = (ks__sem_par){.lhs = rows[r].lhs,
                               .op = rows[r].op,
                               .rhs = rows[r].rhs,
                               .user = 1,
                               .block = con ? 0 : 1,
                               .free = rows[r].free,
                               .ustart = rows[r].ustart,
                               .label = rows[r].label,
                               .plabel = rows[r].plabel,
                               .lower = -HUGE_VAL,
                               .upper = HUGE_VAL,
                               .line = (int)r + 1};
        if ((size_t)rows[r].free > t->nfree) t->nfree = (size_t)rows[r].free;
    }
    t->npar = n;
    t->par = par;
    return t;
}

static char warned[1024];
static void on_log(void *ud, ks_log_level level, const char *msg)
{
    (void)ud;
    if (level == KS_LOG_WARN) snprintf(warned, sizeof warned, "%s", msg);
}

/* lavaan's own table and functions on a fitted CFA: a := chain, a name defined twice, the
 * user's == and lavaan's for a shared label, < and > with a plabel, a fixed parameter's label and
 * a definition; and the delta method's standard errors. */
static void test_against_lavaan(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks_ctx_set_log(ctx, on_log, NULL);
    ks_table *pt = ktest_read_text(ctx, DIR "expr_partable.tsv", PT_COLS);
    ks_table *ref = ktest_read_text(ctx, DIR "expr_model.tsv", MODEL_COLS);
    CHECK(pt && ref);
    if (!pt || !ref) goto done;
    const size_t npar = ks_table_nrow(pt);
    row rows[64];
    ks__sem_par par[64];
    CHECK(npar == 32);
    if (npar != 32) goto done;
    for (size_t r = 0; r < npar; r++)
        rows[r] = (row){ktest_cell(ctx, pt, "lhs", r),   ktest_cell(ctx, pt, "op", r),
                        ktest_cell(ctx, pt, "rhs", r),   atoi(ktest_cell(ctx, pt, "free", r)),
                        num(ctx, pt, "ustart", r),       ktest_cell(ctx, pt, "label", r),
                        ktest_cell(ctx, pt, "plabel", r)};
    ks__sem_partable t;
    table_of(rows, npar, &t, par);
    for (size_t r = 0; r < npar; r++) par[r].user = atoi(ktest_cell(ctx, pt, "user", r));
    CHECK(t.nfree == 21);
    /* the reference, by name */
    double theta[21], def[4], def_jac[4 * 21], ceq[2], ceq_jac[2 * 21], cin[2], cin_jac[2 * 21],
        vcov[21 * 21], def_se[4];
    struct {
        const char *what;
        double *x;
        size_t nrow, ncol;
    } parts[] = {
        {"theta", theta, 21, 1},     {"def", def, 4, 1},          {"def_jac", def_jac, 4, 21},
        {"ceq", ceq, 2, 1},          {"ceq_jac", ceq_jac, 2, 21}, {"cin", cin, 2, 1},
        {"cin_jac", cin_jac, 2, 21}, {"vcov", vcov, 21, 21},      {"def_se", def_se, 4, 1}};
    size_t seen = 0;
    for (size_t r = 0; r < ks_table_nrow(ref); r++)
        for (size_t k = 0; k < sizeof parts / sizeof *parts; k++)
            if (!strcmp(ktest_cell(ctx, ref, "what", r), parts[k].what)) {
                const size_t i = (size_t)atoi(ktest_cell(ctx, ref, "i", r)) - 1,
                             j = (size_t)atoi(ktest_cell(ctx, ref, "j", r)) - 1;
                CHECK(i < parts[k].nrow && j < parts[k].ncol);
                if (i < parts[k].nrow && j < parts[k].ncol)
                    parts[k].x[i + j * parts[k].nrow] = num(ctx, ref, "value", r), seen++;
            }
    CHECK(seen == 21 + 4 + 84 + 2 + 42 + 2 + 42 + 441 + 4);

    ks__sem_defined *d = NULL;
    warned[0] = '\0';
    CHECK_OK(ctx, ks__sem_defined_build(ctx, &t, &d));
    if (!d) goto done;
    CHECK(strstr(warned, "model line 30: a fixed parameter in an inequality constraint: 'f4' "
                         "(its value 1 is used") != NULL);
    CHECK(ks__sem_defined_count(d) == 4 && ks__sem_constraint_count(d) == 4);
    for (size_t i = 0; i < 4; i++) CHECK(ks__sem_defined_row(d, i) == 24 + i);
    for (size_t k = 0; k < 4; k++) CHECK(ks__sem_constraint_row(d, k) == 28 + k);
    /* a == 1.2*b, e > f4*0.5 and .p5. == .p6. are linear; .p9. < ind + 2 is not */
    CHECK(ks__sem_constraint_linear(d, 0) && ks__sem_constraint_linear(d, 1));
    CHECK(!ks__sem_constraint_linear(d, 2) && ks__sem_constraint_linear(d, 3));

    double v[4], jac[4 * 21];
    const char *what = "def";
    ks__sem_defined_eval(d, theta, v, jac);
    for (size_t i = 0; i < 4; i++) {
        CHECK_CLOSE(v[i], def[i], 1e-15);
        for (size_t j = 0; j < 21; j++) CHECK_CLOSE(jac[i + 4 * j], def_jac[i + 4 * j], 1e-14);
    }
    /* the delta method: sqrt(J Omega J') as lavaan's standard errors of the := rows */
    what = "def_se";
    for (size_t i = 0; i < 4; i++) {
        double var = 0;
        for (size_t a = 0; a < 21; a++)
            for (size_t b = 0; b < 21; b++)
                var += jac[i + 4 * a] * vcov[a + 21 * b] * jac[i + 4 * b];
        CHECK_CLOSE(sqrt(var), def_se[i], 1e-13);
    }
    /* constraints in table order: ceq 1, cin 1, cin 2, ceq 2 (lavaan's user-2 row) */
    what = "constraints";
    const double *want[4] = {&ceq[0], &cin[0], &cin[1], &ceq[1]};
    const double *want_jac[4] = {ceq_jac, cin_jac, cin_jac + 1, ceq_jac + 1};
    ks__sem_constraint_eval(d, theta, v, jac);
    for (size_t k = 0; k < 4; k++) {
        CHECK_CLOSE(v[k], *want[k], 1e-15);
        for (size_t j = 0; j < 21; j++) CHECK_CLOSE(jac[k + 4 * j], want_jac[k][2 * j], 1e-14);
    }
    ks__sem_constraint_eval(d, theta, v, NULL);
    CHECK(v[2] == cin[1] || fabs(v[2] - cin[1]) <= 1e-15);
    ks__sem_defined_free(d);
done:
    ks_table_free(pt);
    ks_table_free(ref);
    ks_ctx_free(ctx);
}

#define NA NAN
/* A small CFA's rows: a fixed first loading labelled l1, free l2 and l3, their plabels. */
#define CFA_ROWS                                                                                   \
    {"f", "=~", "x1", 0, 1.0, "l1", ".p1."}, {"f", "=~", "x2", 1, NA, "l2", ".p2."},               \
        {"f", "=~", "x3", 2, NA, "l3", ".p3."},                                                    \
    {                                                                                              \
        "f", "~~", "f", 3, NA, "", ".p4."                                                          \
    }

/* How names resolve, and lavaan's refusals, each with its model line. */
static void test_names(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks__sem_partable t;
    ks__sem_par par[16];
    ks__sem_defined *d = NULL;
    const double theta[3] = {0.8, 1.25, 0.4};
    {
        /* a chain (a later := uses earlier ones), constraints using a := defined below them,
           a fixed label (its value) and a plabel; NaN reported as Inf */
        const row rows[] = {CFA_ROWS,
                            {"b", "==", "d2-1", 0, NA, "", ""},
                            {"d1", ":=", "l2*l3", 0, NA, "d1", ""},
                            {"d2", ":=", "d1^2+1", 0, NA, "d2", ""},
                            {"d3", ":=", "log(-d2)", 0, NA, "d3", ""},
                            {".p4.", ">", "0", 0, NA, "", ""},
                            {"l1*.p2.", "<", "2", 0, NA, "", ""},
                            {"d3", "<", "0", 0, NA, "", ""}};
        table_of(rows, sizeof rows / sizeof *rows, &t, par);
        /* ("b" is not a name here: the constraint is `b == d2-1`, with an unknown b) */
        CHECK_FAILS(ctx, ks__sem_defined_build(ctx, &t, &d), KS_EPARSE,
                    "model line 5, column 1 of 'b': unknown label in a constraint: 'b'");
        par[4].lhs = "d1";
        CHECK_OK(ctx, ks__sem_defined_build(ctx, &t, &d));
    }
    if (d) {
        double v[3], jac[3 * 3];
        ks__sem_defined_eval(d, theta, v, jac);
        const double d1 = 0.8 * 1.25, d2 = d1 * d1 + 1.0;
        CHECK_NEAR(v[0], d1, 1e-15);
        CHECK_NEAR(v[1], d2, 1e-15);
        CHECK(v[2] == HUGE_VAL); /* log of a negative number: NaN, reported as lavaan does */
        CHECK_NEAR(jac[1 + 3 * 0], 2 * d1 * 1.25, 1e-15); /* d d2 / d l2 */
        CHECK_NEAR(jac[1 + 3 * 1], 2 * d1 * 0.8, 1e-15);
        CHECK(jac[1 + 3 * 2] == 0.0 && jac[0 + 3 * 2] == 0.0);
        double h[4], hj[4 * 3];
        ks__sem_constraint_eval(d, theta, h, hj);
        CHECK_NEAR(h[0], d1 - (d2 - 1), 1e-15); /* d1 == d2-1 */
        CHECK(h[1] == 0.4);                     /* .p4. > 0 */
        CHECK_NEAR(h[2], 2 - 1.0 * 0.8, 1e-15); /* l1*.p2. < 2: 2 - l1*.p2., l1 fixed at 1 */
        CHECK(h[3] == HUGE_VAL);                /* 0 - d3: NaN, reported as Inf */
        CHECK(hj[2 + 4 * 0] == -1.0 && hj[2 + 4 * 1] == 0.0 && hj[1 + 4 * 2] == 1.0);
        CHECK_NEAR(hj[0 + 4 * 0], 1.25 - 2 * d1 * 1.25, 1e-15);
        CHECK(!ks__sem_constraint_linear(d, 0) && ks__sem_constraint_linear(d, 1) &&
              ks__sem_constraint_linear(d, 2));
        ks__sem_defined_free(d);
        d = NULL;
    }
    {
        /* a name defined twice: each use sees the latest definition above it, and both rows
           report the last one's value, as lavaan's def.function returns them */
        const row rows[] = {CFA_ROWS,
                            {"d", ":=", "l2", 0, NA, "d", ""},
                            {"e", ":=", "d*2", 0, NA, "e", ""},
                            {"d", ":=", "l3", 0, NA, "d", ""}};
        table_of(rows, sizeof rows / sizeof *rows, &t, par);
        CHECK_OK(ctx, ks__sem_defined_build(ctx, &t, &d));
        if (d) {
            double v[3];
            ks__sem_defined_eval(d, theta, v, NULL);
            CHECK(v[0] == 1.25 && v[1] == 1.6 && v[2] == 1.25);
        }
        ks__sem_defined_free(d);
        d = NULL;
    }
    {
        /* a := may take a label's name (lavaan evaluates `l2 := l3*3`); the name is then the
           definition's, in constraints too */
        const row rows[] = {
            CFA_ROWS, {"l2", ":=", "l3*3", 0, NA, "l2", ""}, {"l2", ">", "l3", 0, NA, "", ""}};
        table_of(rows, sizeof rows / sizeof *rows, &t, par);
        CHECK_OK(ctx, ks__sem_defined_build(ctx, &t, &d));
        if (d) {
            double v[1], h[1], hj[3];
            ks__sem_defined_eval(d, theta, v, NULL);
            CHECK(v[0] == 3.75);
            ks__sem_constraint_eval(d, theta, h, hj);
            CHECK(h[0] == 2.5);
            CHECK(hj[0] == 0.0 && hj[1] == 2.0 && hj[2] == 0.0);
        }
        ks__sem_defined_free(d);
        d = NULL;
    }
    {
        /* lavaan's refusals in a :=: a fixed parameter, a plabel, a later := */
        static const struct {
            const char *rhs, *msg;
        } bad[] = {
            {"l1*l2", "model line 5, column 1 of 'l1*l2': a fixed parameter in a definition "
                      "(lavaan takes only free ones): 'l1'"},
            {"2*.p2.", "model line 5, column 3 of '2*.p2.': unknown label in a definition"},
            {"l2*late", "model line 5, column 4 of 'l2*late': a ':=' name used before its "
                        "definition: 'late'"},
            {"l2*sin(l3)+bessel(l2)", "model line 5, column 12 of 'l2*sin(l3)+bessel(l2)': "
                                      "unknown function"},
            {"l2*(l3", "model line 5, column 7 of 'l2*(l3': expected ')'"},
        };
        for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
            const row rows[] = {CFA_ROWS,
                                {"d", ":=", bad[k].rhs, 0, NA, "d", ""},
                                {"late", ":=", "l3", 0, NA, "late", ""}};
            table_of(rows, sizeof rows / sizeof *rows, &t, par);
            CHECK_FAILS(ctx, ks__sem_defined_build(ctx, &t, &d), KS_EPARSE, bad[k].msg);
            CHECK(d == NULL);
        }
    }
    {
        /* no definitions and no constraints */
        const row rows[] = {CFA_ROWS};
        table_of(rows, sizeof rows / sizeof *rows, &t, par);
        CHECK_OK(ctx, ks__sem_defined_build(ctx, &t, &d));
        if (d) CHECK(ks__sem_defined_count(d) == 0 && ks__sem_constraint_count(d) == 0);
        ks__sem_defined_free(d);
        ks__sem_defined_free(NULL);
    }
    ks_ctx_free(ctx);
}

int main(void)
{
    test_against_r();
    test_precedence();
    test_errors();
    test_against_lavaan();
    test_names();
    return ktest_finish("sem_expr");
}
