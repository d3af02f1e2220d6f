/* test_sem.c — the SEM engine. The model-syntax parser against lavaan's own parse of the models
 * in tests/data/sem/syntax/ (lavParseModelString, tests/data/sem/make_syntax_reference.R), element
 * by element and modifier by modifier; and syntax errors, each with its line and column. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kestrel/kestrel.h"
#include "ktest.h"
#include "sem/sem_internal.h"

#define DIR "tests/data/sem/"

/* The columns of lavaan's flat table (make_syntax_reference.R), read as text. */
static const char *const FLAT_COLS[] = {"model", "lhs",   "op",    "rhs",   "block", "fixed",
                                        "start", "lower", "upper", "label", NULL};

#define SAME(got, want, what, k)                                                                   \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        if (strcmp((got), (want))) {                                                               \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s element %zu %s: '%s', lavaan '%s'\n", model, (size_t)(k), what,    \
                    (got), (want));                                                                \
        }                                                                                          \
    } while (0)

/* Every model of the reference: the same elements in the same order, the same constraints. */
static void test_against_lavaan(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks_table *flat = ktest_read_text(ctx, DIR "syntax_flat.tsv", FLAT_COLS);
    ks_table *con = ktest_read_text(ctx, DIR "syntax_constraints.tsv", FLAT_COLS);
    CHECK(flat && con);
    if (!flat || !con) goto done;
    const size_t nf = ks_table_nrow(flat), nc = ks_table_nrow(con);
    size_t models = 0;
    for (size_t r0 = 0, c0 = 0; r0 < nf; models++) {
        char model[64], path[128];
        snprintf(model, sizeof model, "%s", ktest_cell(ctx, flat, "model", r0));
        size_t r1 = r0, c1 = c0;
        while (r1 < nf && !strcmp(ktest_cell(ctx, flat, "model", r1), model)) r1++;
        while (c1 < nc && !strcmp(ktest_cell(ctx, con, "model", c1), model)) c1++;
        snprintf(path, sizeof path, DIR "syntax/%s.lav", model);
        char *text = ktest_slurp(path, NULL);
        CHECK(text != NULL);
        ks__sem_syntax *s = NULL;
        if (text) CHECK_OK(ctx, ks__sem_parse(ctx, text, &s));
        free(text);
        if (s) {
            CHECK(s->nelem == r1 - r0);
            CHECK(s->ncon == c1 - c0);
            for (size_t k = 0; k < s->nelem && r0 + k < r1; k++) {
                const ks__sem_elem *e = &s->elem[k];
                const size_t r = r0 + k;
                char block[16];
                snprintf(block, sizeof block, "%d", e->block);
                SAME(e->lhs, ktest_cell(ctx, flat, "lhs", r), "lhs", k);
                SAME(e->op, ktest_cell(ctx, flat, "op", r), "op", k);
                SAME(e->rhs, ktest_cell(ctx, flat, "rhs", r), "rhs", k);
                SAME(block, ktest_cell(ctx, flat, "block", r), "block", k);
                SAME(e->fixed, ktest_cell(ctx, flat, "fixed", r), "fixed", k);
                SAME(e->start, ktest_cell(ctx, flat, "start", r), "start", k);
                SAME(e->lower, ktest_cell(ctx, flat, "lower", r), "lower", k);
                SAME(e->upper, ktest_cell(ctx, flat, "upper", r), "upper", k);
                SAME(e->label, ktest_cell(ctx, flat, "label", r), "label", k);
            }
            for (size_t k = 0; k < s->ncon && c0 + k < c1; k++) {
                SAME(s->con[k].lhs, ktest_cell(ctx, con, "lhs", c0 + k), "constraint lhs", k);
                SAME(s->con[k].op, ktest_cell(ctx, con, "op", c0 + k), "constraint op", k);
                SAME(s->con[k].rhs, ktest_cell(ctx, con, "rhs", c0 + k), "constraint rhs", k);
            }
        }
        ks__sem_syntax_free(s);
        r0 = r1, c0 = c1;
    }
    CHECK(models == 15);
done:
    ks_table_free(flat);
    ks_table_free(con);
    ks_ctx_free(ctx);
}

/* Syntax errors: the status, and the message with line and column. */
static void test_errors(void)
{
    static const struct {
        const char *model, *msg;
    } cases[] = {
        {"f =~ x1 + x2\n\ng =~ y1 +\n  + y2",
         "model line 4, column 3: expected a variable name after '+'"},
        {"f =~ x1 + x2 +", "model line 1, column 15: expected a variable name after '+'"},
        {"f =~ x1 x2 + \n", "model line 1, column 13: expected a variable name after '+'"},
        {"f =~", "model line 1, column 5: expected a variable name after '=~'"},
        {"# only a comment\n", "model: no formula"},
        {"", "model: no formula"},
        {"f =~ x1 + 2*3*x2", "model line 1, column 14: one modifier per term"},
        {"f =~ x1 + foo(1)*x2", "model line 1, column 11: unknown modifier"},
        {"f =~ x1 + start(1*x2", "model line 1, column 18: expected ',' or ')'"},
        {"f =~ x1 + x2)", "model line 1, column 13: expected '+' or the end of the formula"},
        {"f =~ f + x1",
         "model line 1, column 6: a latent variable can not be measured by itself: 'f'"},
        {"f =~ x1\ny ~ x\nf =~ x1",
         "model line 3, column 6: duplicate model element 'f =~ x1' (first on line 1)"},
        {"x ~~ y; y ~~ x", "model line 1, column 14: duplicate model element 'y ~~ x'"},
        {"f =~ 1", "model line 1, column 6: an intercept ('1') belongs in a regression"},
        {"if =~ x1",
         "model line 1, column 1: a reserved word in R can not be a variable name: 'if'"},
        {"f =~ x1 + NA", "model line 1, column 11: a reserved word in R"},
        {"2f =~ x1", "model line 1, column 1: expected a variable name before the operator"},
        {"  == b", "model line 1, column 3: expected an expression before '=='"},
        {"a :=", "model line 1, column 5: expected an expression after ':='"},
        {"x | t1", "model line 1, column 3: this operator is not supported yet: '|'"},
        {"team: 1\nf =~ x", "model line 1, column 1: unknown block identifier"},
        {"f =~ x1 + \"a*x2", "model line 1, column 11: expected a variable name"},
        {"x1*y ~ z", "model line 1, column 3: expected '+' or an operator"},
        {"x1 + 2 ~ z", "model line 1, column 6: expected a variable name before the operator"},
    };
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ks__sem_syntax *s = NULL;
        CHECK_FAILS(ctx, ks__sem_parse(ctx, cases[k].model, &s), KS_EPARSE, cases[k].msg);
        CHECK(s == NULL);
    }
    ks_ctx_free(ctx);
}

/* What the reference cannot show: positions and lines of elements, a warning for text before
 * the first formula, a Windows line end, lavaan's alternative tilde. */
static void test_details(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks__sem_syntax *s = NULL;
    CHECK_OK(ctx, ks__sem_parse(ctx, "stray\r\nf =~ x1 +\r\n x2\r\ny \xcb\x9c x1", &s));
    if (s) {
        CHECK(s->nelem == 3);
        CHECK(s->elem[1].line == 2 && !strcmp(s->elem[1].rhs, "x2"));
        CHECK(s->elem[2].line == 4 && !strcmp(s->elem[2].op, "~"));
    }
    ks__sem_syntax_free(s);
    ks__sem_syntax_free(NULL);
    ks_ctx_free(ctx);
}

int main(void)
{
    test_against_lavaan();
    test_errors();
    test_details();
    return ktest_finish("sem");
}
