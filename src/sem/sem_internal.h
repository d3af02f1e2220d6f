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
    const char *label;  /* the user's label, "" when none (a row tied to a label without one
                           of its own takes the plabel of the first, as lavaan; a := row its
                           lhs) */
    const char *plabel; /* lavaan's ".p<id>." ("" for constraint rows) */
    double lower, upper; /* bounds from lower() / upper() modifiers; -HUGE_VAL / HUGE_VAL
                            where none is given. Once the model has one, lavaan's column: a
                            fixed row's bounds are its value, a constraint row's NaN */
    int line;            /* the model line it came from, 0 for a row a default added */
} ks__sem_par;

/* What kind of call made the table: lavaan() adds nothing; sem() and cfa() add lavaan's auto.*
 * defaults (int.ov.free, auto.fix.first or auto.fix.single, auto.var, auto.cov.lv.x,
 * auto.cov.y, auto.th, ...). */
typedef enum { KS__SEM_CALL_SEM = 0, KS__SEM_CALL_CFA = 1, KS__SEM_CALL_LAVAAN = 2 } ks__sem_call;

typedef struct {
    ks__sem_call call;
    int std_lv;  /* std.lv = TRUE: latent variances fixed to 1, first loadings free */
    int fixed_x; /* fixed.x, as lavaan resolves its default: TRUE for estimator ML (or MML),
                    FALSE for DWLS, ULS, GLS, WLS, with raw data or sample.cov alike (partable.c
                    says more) */
    int orthogonal; /* orthogonal = TRUE: the covariances lavaan adds between latent variables
                       are fixed at 0 */
    /* the observed variables the data has (names; NULL: not checked). A name in the model that
       is neither latent nor here is an error naming it and its model line; so is a latent
       variable named as a column of raw data. */
    const char *const *data_names;
    size_t ndata;
    int moments; /* data_names are a sample.cov's: lavaan does not check latent names then */
} ks__sem_partable_options;
#define KS__SEM_PARTABLE_OPTIONS_INIT {KS__SEM_CALL_SEM, 0, 0, 0, NULL, 0, 0}

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

/* ---- Expressions (expr.c): the text of `:=`, `==`, `<`, `>` rows, as lavaan evaluates it (R
 * arithmetic on parameter labels and numbers), with its gradient. ---- */

/* An expression compiled against a list of names: each name in it is resolved once, by
 * `resolve`, to an index into the values vector the evaluation is given (or -1: unknown name,
 * an error naming it and `line`). */
typedef struct ks__sem_expr ks__sem_expr;
typedef long (*ks__sem_resolve_fn)(void *ud, const char *name, size_t len);
int ks__sem_expr_compile(ks_ctx *ctx, const char *text, int line, ks__sem_resolve_fn resolve,
                         void *ud, ks__sem_expr **out);
/* Its value at values[0..nvalues); grad (nvalues, or NULL) receives d value / d values[i]. */
double ks__sem_expr_eval(const ks__sem_expr *e, const double *values, size_t nvalues,
                         double *grad);
void ks__sem_expr_free(ks__sem_expr *e); /* NULL is fine */

/* The `:=` rows and the user's `==` / `<` / `>` rows of a table as functions of the free
 * parameters theta (nfree; the value of a labelled fixed parameter is its ustart): a defined
 * parameter may use labels (its own rows' or plabels) and the definitions above it. */
typedef struct ks__sem_defined ks__sem_defined;
int ks__sem_defined_build(ks_ctx *ctx, const ks__sem_partable *t, ks__sem_defined **out);
void ks__sem_defined_free(ks__sem_defined *d); /* NULL is fine */
/* The values (ndef, the := rows in table order) and their Jacobian (ndef x nfree, column-major,
 * or NULL) at theta. */
size_t ks__sem_defined_count(const ks__sem_defined *d);
void ks__sem_defined_eval(const ks__sem_defined *d, const double *theta, double *value,
                          double *jac);
/* The user's constraints (`==` `<` `>` rows with user 1, in table order) as h(theta) (lhs - rhs
 * for ==; for < and > the side that must be positive, lavaan's convention) and their Jacobian
 * (ncon x nfree, column-major, or NULL); kind[i] is the row's op. */
size_t ks__sem_constraint_count(const ks__sem_defined *d);
void ks__sem_constraint_eval(const ks__sem_defined *d, const double *theta, double *value,
                             double *jac);

#endif
