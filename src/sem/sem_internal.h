/* sem_internal.h — what the SEM engine's files share: lavaan's model syntax parsed into the flat
 * list of model elements lavaan's lavParseModelString() makes, and that list made into lavaan's
 * parameter table (lavaanify) with the defaults sem() and cfa() add (lavaan 0.6-14). */
#ifndef KS_SEM_INTERNAL_H
#define KS_SEM_INTERNAL_H

#include <stddef.h>

#include "base/base_internal.h"

/* One model element: `lhs op rhs` with its modifiers as lavaan's flat table writes them: text,
 * "" when absent, several values (c(...), one per group) joined by ';', numbers as R writes them
 * (15 significant digits), a free parameter `NA`. */
typedef struct {
    const char *lhs, *op, *rhs; /* op: "=~" "<~" "~" "~~" "~1" (rhs "") or ":" (a block) */
    int block;                  /* 1, 2, ...: incremented by each block line after the first */
    const char *fixed, *start, *lower, *upper, *label;
    int line; /* the model line where its formula starts */
} ks__sem_elem;

/* A constraint or definition (`==`, `<`, `>`, `:=`): lavaan keeps both sides as expression text
 * with the white space removed and double quotes dropped. */
typedef struct {
    const char *lhs, *op, *rhs;
    int line;
} ks__sem_constraint;

typedef struct {
    ks_allocator alloc;
    size_t nelem, ncon;
    ks__sem_elem *elem;
    ks__sem_constraint *con;
    char *text; /* every string above points into it */
} ks__sem_syntax;

/* Parse `model`. A syntax error is KS_EPARSE naming the model line and column. Lines with text
 * but no operator before the first formula are ignored with a warning, as lavaan does. */
int ks__sem_parse(ks_ctx *ctx, const char *model, ks__sem_syntax **out);
void ks__sem_syntax_free(ks__sem_syntax *s); /* NULL is fine; no ctx */

/* ---- The parameter table (partable.c): lavaan's parTable() of a model, row for row. ---- */

/* One row, as lavaan's parTable() has it (its "da" rows, data information, are not kept). */
typedef struct {
    const char *lhs, *op, *rhs; /* "=~" "~" "~~", or a constraint / definition: "==" "<" ">"
                                   ":=" (lhs and rhs the expression text, as the syntax keeps it) */
    int user;   /* lavaan's user: 1 written in the model, 0 added by a default, 2 an equality
                   lavaan adds for a label shared by several parameters */
    int block;  /* 1, ... (0 for constraint rows, as lavaan) */
    int free;   /* 0: fixed; else 1..nfree, lavaan's free column (each labelled parameter has its
                   own number; shared labels are tied by the user-2 "==" rows) */
    double ustart; /* the fixed value or the start value the model gave; NaN: none */
    int exo;       /* lavaan's exo: 1 for the variances and covariances of fixed.x covariates */
    const char *label;  /* the user's label, "" when none */
    const char *plabel; /* lavaan's ".p<id>." ("" for constraint rows) */
    double lower, upper; /* bounds from lower() / upper() modifiers; -HUGE_VAL / HUGE_VAL */
    int line;            /* the model line it came from, 0 for a row a default added */
} ks__sem_par;

/* What kind of call made the table: lavaan() adds nothing; sem() and cfa() add lavaan's auto.*
 * defaults (int.ov.free, auto.fix.first or auto.fix.single, auto.var, auto.cov.lv.x,
 * auto.cov.y, auto.th, ...). */
typedef enum { KS__SEM_CALL_SEM = 0, KS__SEM_CALL_CFA = 1, KS__SEM_CALL_LAVAAN = 2 } ks__sem_call;

typedef struct {
    ks__sem_call call;
    int std_lv;  /* std.lv = TRUE: latent variances fixed to 1, first loadings free */
    int fixed_x; /* fixed.x: lavaan's rule for what is exogenous (its default depends on the
                    input; the caller passes lavaan's resolved value) */
    /* the observed variables the data has (names; NULL: not checked). A name in the model that
       is neither latent nor here is an error naming it and its model line. */
    const char *const *data_names;
    size_t ndata;
} ks__sem_partable_options;
#define KS__SEM_PARTABLE_OPTIONS_INIT {KS__SEM_CALL_SEM, 0, 0, NULL, 0}

typedef struct {
    ks_allocator alloc;
    size_t npar;     /* rows */
    ks__sem_par *par;
    size_t nfree;    /* the largest free number */
    /* lavaan's variable order (lavNames(fit, "ov") and "lv"): the order of the implied
       covariance matrix and of every output */
    size_t nov, nlv;
    const char **ov, **lv;
    char *text; /* every string above points into it */
} ks__sem_partable;

int ks__sem_partable_build(ks_ctx *ctx, const ks__sem_syntax *s,
                           const ks__sem_partable_options *opt, ks__sem_partable **out);
void ks__sem_partable_free(ks__sem_partable *t); /* NULL is fine; no ctx */

#endif
