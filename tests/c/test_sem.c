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

/* A reference table, every column as text ("NA" is lavaan's free value, not a missing one). */
static ks_table *read_ref(ks_ctx *ctx, const char *path)
{
    static const char *const cols[] = {"model", "lhs",   "op",    "rhs",   "block", "fixed",
                                       "start", "lower", "upper", "label", NULL};
    static const ks_col_type types[] = {KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING,
                                        KS_COL_STRING, KS_COL_STRING, KS_COL_STRING, KS_COL_STRING,
                                        KS_COL_STRING, KS_COL_STRING};
    static const char *const no_na[] = {NULL};
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    o.na_tokens = no_na;
    o.col_names = cols;
    o.col_types = types;
    ks_table *t = NULL;
    CHECK_OK(ctx, ks_table_read_csv(ctx, path, &o, &t));
    return t;
}

static const char *cell(ks_ctx *ctx, const ks_table *t, const char *col, size_t row)
{
    size_t j = 0;
    if (ks_table_find(ctx, t, col, &j) != KS_OK) return "?";
    const char *s = ks_table_string(t, j, row);
    return s ? s : "";
}

static char *slurp(const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) return NULL;
    char *buf = calloc(1, 1 << 16);
    if (buf) buf[fread(buf, 1, (1 << 16) - 1, fp)] = '\0';
    fclose(fp);
    return buf;
}

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
    ks_table *flat = read_ref(ctx, DIR "syntax_flat.tsv");
    ks_table *con = read_ref(ctx, DIR "syntax_constraints.tsv");
    CHECK(flat && con);
    if (!flat || !con) goto done;
    const size_t nf = ks_table_nrow(flat), nc = ks_table_nrow(con);
    size_t models = 0;
    for (size_t r0 = 0, c0 = 0; r0 < nf; models++) {
        char model[64], path[128];
        snprintf(model, sizeof model, "%s", cell(ctx, flat, "model", r0));
        size_t r1 = r0, c1 = c0;
        while (r1 < nf && !strcmp(cell(ctx, flat, "model", r1), model)) r1++;
        while (c1 < nc && !strcmp(cell(ctx, con, "model", c1), model)) c1++;
        snprintf(path, sizeof path, DIR "syntax/%s.lav", model);
        char *text = slurp(path);
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
                SAME(e->lhs, cell(ctx, flat, "lhs", r), "lhs", k);
                SAME(e->op, cell(ctx, flat, "op", r), "op", k);
                SAME(e->rhs, cell(ctx, flat, "rhs", r), "rhs", k);
                SAME(block, cell(ctx, flat, "block", r), "block", k);
                SAME(e->fixed, cell(ctx, flat, "fixed", r), "fixed", k);
                SAME(e->start, cell(ctx, flat, "start", r), "start", k);
                SAME(e->lower, cell(ctx, flat, "lower", r), "lower", k);
                SAME(e->upper, cell(ctx, flat, "upper", r), "upper", k);
                SAME(e->label, cell(ctx, flat, "label", r), "label", k);
            }
            for (size_t k = 0; k < s->ncon && c0 + k < c1; k++) {
                SAME(s->con[k].lhs, cell(ctx, con, "lhs", c0 + k), "constraint lhs", k);
                SAME(s->con[k].op, cell(ctx, con, "op", c0 + k), "constraint op", k);
                SAME(s->con[k].rhs, cell(ctx, con, "rhs", c0 + k), "constraint rhs", k);
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
