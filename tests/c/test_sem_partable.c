/* test_sem_partable.c — lavaan's parameter table (ks__sem_partable_build) against lavaan's own
 * parTable() of the fitted models of tests/data/sem/partable/ under sem(), cfa() and lavaan()
 * with their options (tests/data/sem/make_partable_reference.R): every row, every column, and
 * lavaan's variable order; then the errors, each naming its model line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/format.h"
#include "kestrel/kestrel.h"
#include "ktest.h"
#include "sem/sem_internal.h"

#define DIR "tests/data/sem/"

#define SAME(got, want, what, k)                                                                   \
    do {                                                                                           \
        ktest_checks++;                                                                            \
        if (strcmp((got), (want))) {                                                               \
            ktest_failures++;                                                                      \
            fprintf(stderr, "%s row %zu %s: '%s', lavaan '%s'\n", name, (size_t)(k) + 1, what,     \
                    (got), (want));                                                                \
        }                                                                                          \
    } while (0)

static const char *num(double x, char *buf)
{
    ks__format_r(x, buf);
    return buf;
}
static const char *integer(int x, char *buf)
{
    snprintf(buf, 32, "%d", x);
    return buf;
}

/* Every case of the reference: the same rows, columns and variable order. */
static void test_against_lavaan(void)
{
    static const char *const case_cols[] = {"case",    "model", "call",   "std_lv", "orthogonal",
                                            "fixed_x", "input", "fitted", NULL};
    static const char *const ref_cols[] = {"case",   "lhs",   "op",     "rhs", "user",
                                           "block",  "free",  "ustart", "exo", "label",
                                           "plabel", "lower", "upper",  NULL};
    static const char *const name_cols[] = {"case", "type", "names", NULL};
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks_table *cases = ktest_read_text(ctx, DIR "partable_cases.tsv", case_cols);
    ks_table *ref = ktest_read_text(ctx, DIR "partable_ref.tsv", ref_cols);
    ks_table *nm = ktest_read_text(ctx, DIR "partable_names.tsv", name_cols);
    CHECK(cases && ref && nm);
    if (!cases || !ref || !nm) goto done;
    const size_t nc = ks_table_nrow(cases), nr = ks_table_nrow(ref), nn = ks_table_nrow(nm);
    size_t r0 = 0, rows = 0;
    for (size_t c = 0; c < nc; c++) {
        char name[64], path[160], b1[32], b2[32];
        snprintf(name, sizeof name, "%s", ktest_cell(ctx, cases, "case", c));
        snprintf(path, sizeof path, DIR "partable/%s.lav", ktest_cell(ctx, cases, "model", c));
        const char *call = ktest_cell(ctx, cases, "call", c);
        ks__sem_partable_options o = KS__SEM_PARTABLE_OPTIONS_INIT;
        o.call = !strcmp(call, "cfa")      ? KS__SEM_CALL_CFA
                 : !strcmp(call, "lavaan") ? KS__SEM_CALL_LAVAAN
                                           : KS__SEM_CALL_SEM;
        o.std_lv = atoi(ktest_cell(ctx, cases, "std_lv", c));
        o.orthogonal = atoi(ktest_cell(ctx, cases, "orthogonal", c));
        o.fixed_x = atoi(ktest_cell(ctx, cases, "fixed_x", c));
        size_t r1 = r0;
        while (r1 < nr && !strcmp(ktest_cell(ctx, ref, "case", r1), name)) r1++;
        CHECK(r1 > r0);
        char *text = ktest_slurp(path, NULL);
        CHECK(text != NULL);
        ks__sem_syntax *s = NULL;
        ks__sem_partable *t = NULL;
        if (text) CHECK_OK(ctx, ks__sem_parse(ctx, text, &s));
        if (s) CHECK_OK(ctx, ks__sem_partable_build(ctx, s, &o, &t));
        free(text);
        if (t) {
            CHECK(t->npar == r1 - r0);
            if (t->npar != r1 - r0)
                fprintf(stderr, "%s: %zu rows, lavaan %zu\n", name, t->npar, r1 - r0);
            size_t nfree = 0;
            for (size_t k = 0; k < t->npar && r0 + k < r1; k++) {
                const ks__sem_par *p = &t->par[k];
                const size_t r = r0 + k;
                SAME(p->lhs, ktest_cell(ctx, ref, "lhs", r), "lhs", k);
                SAME(p->op, ktest_cell(ctx, ref, "op", r), "op", k);
                SAME(p->rhs, ktest_cell(ctx, ref, "rhs", r), "rhs", k);
                SAME(integer(p->user, b1), ktest_cell(ctx, ref, "user", r), "user", k);
                SAME(integer(p->block, b1), ktest_cell(ctx, ref, "block", r), "block", k);
                SAME(integer(p->free, b1), ktest_cell(ctx, ref, "free", r), "free", k);
                SAME(num(p->ustart, b2), ktest_cell(ctx, ref, "ustart", r), "ustart", k);
                SAME(integer(p->exo, b1), ktest_cell(ctx, ref, "exo", r), "exo", k);
                SAME(p->label, ktest_cell(ctx, ref, "label", r), "label", k);
                SAME(p->plabel, ktest_cell(ctx, ref, "plabel", r), "plabel", k);
                SAME(num(p->lower, b2), ktest_cell(ctx, ref, "lower", r), "lower", k);
                SAME(num(p->upper, b2), ktest_cell(ctx, ref, "upper", r), "upper", k);
                if ((size_t)p->free > nfree) nfree = (size_t)p->free;
                rows++;
            }
            CHECK(t->nfree == nfree);
            for (size_t q = 0; q < nn; q++) {
                if (strcmp(ktest_cell(ctx, nm, "case", q), name)) continue;
                const int lv = !strcmp(ktest_cell(ctx, nm, "type", q), "lv");
                char got[1024] = "";
                const size_t n = lv ? t->nlv : t->nov;
                for (size_t i = 0; i < n; i++) {
                    if (i) strcat(got, " ");
                    strncat(got, lv ? t->lv[i] : t->ov[i], 64);
                }
                SAME(got, ktest_cell(ctx, nm, "names", q), lv ? "lavNames lv" : "lavNames ov", 0);
            }
        }
        ks__sem_partable_free(t);
        ks__sem_syntax_free(s);
        r0 = r1;
    }
    CHECK(nc >= 37 && r0 == nr && rows == nr);
done:
    ks_table_free(cases);
    ks_table_free(ref);
    ks_table_free(nm);
    ks_ctx_free(ctx);
}

static int build(ks_ctx *ctx, const char *model, const ks__sem_partable_options *o,
                 ks__sem_partable **t)
{
    ks__sem_syntax *s = NULL;
    *t = NULL;
    int rc = ks__sem_parse(ctx, model, &s);
    if (!rc) rc = ks__sem_partable_build(ctx, s, o, t);
    ks__sem_syntax_free(s);
    return rc;
}

/* What lavaan rejects, and what is not supported yet: the status, the line, the name. */
static void test_errors(void)
{
    static const char *const data[] = {"T1", "T2", "T3", "T4", "Z"};
    static const struct {
        const char *model, *msg;
        int moments;
    } cases[] = {
        {"F =~ T1 + T2 + T9",
         "model line 1: unknown variable 'T9' (not a latent variable, and not in the data)", 0},
        {"F =~ T1 + T2\nG =~ T3 + T4\n\nF ~ X9", "model line 4: unknown variable 'X9'", 1},
        {"F =~ T1 + T2\nT3 ~~ T9", "model line 2: unknown variable 'T9'", 0},
        {"Z =~ T1 + T2 + T3",
         "model line 1: the latent variable 'Z' has the name of an observed variable in the data",
         0},
        {"F =~ T1 + T2\nT1 ~ 1", "model line 2: intercepts ('T1 ~ 1') are not supported yet", 0},
        {"F =~ T1 + T2\nC <~ T3 + T4", "model line 2: composites ('C <~ ...') are not supported",
         0},
        {"group: 1\nF =~ T1 + T2\ngroup: 2\nF =~ T1 + T2",
         "model line 1: blocks ('group: 1') are not supported yet", 0},
        {"F =~ T1 + c(a, b)*T2",
         "model line 1: a modifier with several values ('a;b', one per group) in 'F =~ T2'", 0},
        {"F =~ T1 + c(1, NA)*T2", "model line 1: a modifier with several values ('1;NA'", 0},
        {"T1 ~ T2 + T3:T4", "model line 1: interaction terms ('T3:T4') are not supported yet", 0},
        {"T1 ~ Z\nT1 ~ T1 + T2", "model line 2: 'T1' is regressed on itself", 0},
        {"F =~ G\nG =~ F", "model: no observed variable", 0},
    };
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    ks__sem_partable_options o = KS__SEM_PARTABLE_OPTIONS_INIT;
    o.data_names = data;
    o.ndata = sizeof data / sizeof *data;
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        ks__sem_partable *t = NULL;
        o.moments = cases[k].moments;
        CHECK_FAILS(ctx, build(ctx, cases[k].model, &o, &t), KS_EINVAL, cases[k].msg);
        CHECK(t == NULL);
    }
    /* what the parser already rejects as not supported yet */
    static const char *const parse_cases[][2] = {
        {"efa(\"e1\")*f1 + efa(\"e1\")*f2 =~ T1 + T2 + T3",
         "model line 1, column 1: this modifier is not supported yet: 'efa'"},
        {"F =~ T1 + T2\nT1 ~*~ T1", "model line 2, column 4: this operator is not supported yet"},
        {"F =~ T1 + T2\nT1 | t1", "model line 2, column 4: this operator is not supported yet"},
    };
    for (size_t k = 0; k < sizeof parse_cases / sizeof *parse_cases; k++) {
        ks__sem_partable *t = NULL;
        CHECK_FAILS(ctx, build(ctx, parse_cases[k][0], &o, &t), KS_EPARSE, parse_cases[k][1]);
        CHECK(t == NULL);
    }
    /* a latent variable named as a column of a sample.cov: lavaan does not check it */
    ks__sem_partable *t = NULL;
    o.moments = 1;
    CHECK_OK(ctx, build(ctx, "Z =~ T1 + T2 + T3", &o, &t));
    ks__sem_partable_free(t);
    ks__sem_syntax s = {0};
    o.call = (ks__sem_call)7;
    CHECK_FAILS(ctx, ks__sem_partable_build(ctx, &s, &o, &t), KS_EINVAL, "call: 7");
    CHECK_FAILS(ctx, ks__sem_partable_build(ctx, NULL, NULL, &t), KS_EINVAL, "model: NULL");
    ks_ctx_free(ctx);
}

typedef struct {
    int n;
    char last[512];
} logbuf;

static void log_fn(void *ud, ks_log_level level, const char *msg)
{
    logbuf *b = ud;
    if (level != KS_LOG_WARN) return;
    b->n++;
    snprintf(b->last, sizeof b->last, "%s", msg);
}

/* What the reference cannot show: the model line of each row, defaults without options, and
 * the warnings lavaan gives. */
static void test_details(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return;
    logbuf lb = {0, ""};
    ks_ctx_set_log(ctx, log_fn, &lb);
    ks__sem_partable *t = NULL;
    CHECK_OK(ctx, build(ctx, "F =~ T1 + T2 +\n  T3\n\nF ~ SNP\nb := 2*F\n", NULL, &t));
    if (t) {
        CHECK(t->npar == 10 && t->nfree == 8 && t->nov == 4 && t->nlv == 1);
        CHECK(t->par[2].line == 1 && t->par[3].line == 4 && t->par[4].line == 0);
        CHECK(!strcmp(t->par[9].op, ":=") && t->par[9].line == 5);
        CHECK(!strcmp(t->par[8].lhs, "SNP") && t->par[8].free == 8 && t->par[8].exo == 0);
    }
    ks__sem_partable_free(t);
    ks__sem_partable_options o = KS__SEM_PARTABLE_OPTIONS_INIT;
    o.fixed_x = 1;
    CHECK_OK(ctx, build(ctx, "T1 ~ SNP + Z\nSNP ~~ SNP", &o, &t));
    CHECK(lb.n == 1 && strstr(lb.last, "model line 1: the covariate 'SNP' has a variance"));
    ks__sem_partable_free(t);
    CHECK_OK(ctx, build(ctx, "F =~ T1 + a*T2 + 0.5*T2 + a*T3 + 0.7*T3", NULL, &t));
    CHECK(lb.n == 2 && strstr(lb.last, "labelled 'a' are fixed at different values"));
    if (t) CHECK(t->par[2].ustart == 0.5 && t->par[2].free == 0);
    ks__sem_partable_free(t);
    ks__sem_partable_free(NULL);
    ks_ctx_free(ctx);
}

int main(void)
{
    test_against_lavaan();
    test_errors();
    test_details();
    return ktest_finish("sem_partable");
}
