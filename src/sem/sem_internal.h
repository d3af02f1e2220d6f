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
 * arithmetic on parameter labels and numbers: + - * / ^, parentheses, R's numbers, TRUE FALSE
 * Inf NaN NA, and exp log log2 log10 log1p expm1 sqrt abs sin cos tan asin acos atan sinh cosh
 * tanh pnorm dnorm qnorm), with its exact gradient. ---- */

/* An expression compiled once: each name resolved, constants folded. Its evaluation needs no
 * memory and writes nothing in it: one compiled expression serves any number of threads. */
typedef struct ks__sem_expr ks__sem_expr;

/* What a name in an expression stands for, as the caller's resolver says. */
typedef enum {
    KS__SEM_REF_VALUE,    /* values[index] of the vector the evaluation is given */
    KS__SEM_REF_CONSTANT, /* a number (a fixed parameter's value) */
    KS__SEM_REF_EXPR      /* an expression compiled before against the same values (an earlier
                             `:=`), evaluated in the name's place */
} ks__sem_ref_kind;
typedef struct {
    ks__sem_ref_kind kind;
    size_t index;
    double constant;
    const ks__sem_expr *expr;
} ks__sem_ref;
/* Fill *out for name[0..len) and return NULL, or return why it can not be used ("unknown
 * label in a definition"): the compile error then names it, the model line and the column. */
typedef const char *(*ks__sem_resolve_fn)(void *ud, const char *name, size_t len, ks__sem_ref *out);

/* A syntax error, an unknown function or a name the resolver refuses is KS_EPARSE naming the
 * model line, the column in `text` and what is wrong. */
int ks__sem_expr_compile(ks_ctx *ctx, const char *text, int line, ks__sem_resolve_fn resolve,
                         void *ud, ks__sem_expr **out);
/* Its value at `values`. With grad non-NULL, grad[k * stride] receives d value / d values[k]
 * for each k the expression reads (exact: forward mode); other entries are left as they are. */
double ks__sem_expr_eval(const ks__sem_expr *e, const double *values, double *grad, size_t stride);
/* 1 when it is affine in the values (a constant gradient), as far as its form shows: +, -, a
 * product or quotient with a constant, x^1, functions of constants. */
int ks__sem_expr_affine(const ks__sem_expr *e);
void ks__sem_expr_free(ks__sem_expr *e); /* NULL is fine */

/* ---- Definitions and constraints (defined.c): the `:=`, `==`, `<`, `>` rows of a table as
 * functions of the free parameters theta (t->nfree), as lavaan's def.function, ceq.function
 * and cin.function (lav_partable_constraints_def / _ceq / _ciq) make them. ----
 * Names, as lavaan resolves them:
 * - in a `:=`: an earlier `:=` name (the latest one; a `:=` name used before its definition is
 *   an error), else a parameter's label (the first row that has it), which must be free: a
 *   fixed parameter's label or a plabel (".p3.") there is an error in lavaan, and here;
 * - in a constraint: any `:=` name (its last definition), else a plabel, else a label; a fixed
 *   parameter stands for its value (ustart), with a warning in an inequality, as lavaan.
 * A value that is NaN is reported as Inf, as lavaan's functions do (out[is.na(out)] <- Inf). */
typedef struct ks__sem_defined ks__sem_defined;
int ks__sem_defined_build(ks_ctx *ctx, const ks__sem_partable *t, ks__sem_defined **out);
void ks__sem_defined_free(ks__sem_defined *d); /* NULL is fine */

/* The `:=` rows, in table order: their values (ndef) and Jacobian (ndef x nfree, column-major,
 * or NULL) at theta; the delta method's J (the covariance of the definitions is J Omega J').
 * A name defined twice reports its last definition's value in both rows, as lavaan does. */
size_t ks__sem_defined_count(const ks__sem_defined *d);
size_t ks__sem_defined_row(const ks__sem_defined *d, size_t i); /* its row in the table */
void ks__sem_defined_eval(const ks__sem_defined *d, const double *theta, double *value,
                          double *jac);

/* The constraints: every `==` row (the user's and lavaan's user-2 rows that tie a shared label,
 * as lavaan's ceq.function) and every `<` / `>` row, in table order, as h(theta) with lavaan's
 * sign convention: `a == b` is h = a - b = 0; `a > b` is h = a - b >= 0; `a < b` is
 * h = b - a >= 0. Values (ncon) and Jacobian (ncon x nfree, column-major, or NULL) at theta. */
size_t ks__sem_constraint_count(const ks__sem_defined *d);
size_t ks__sem_constraint_row(const ks__sem_defined *d, size_t i); /* its op, user, line */
/* 1 when h is affine in theta (a constant Jacobian: the optimizer may eliminate a linear
 * equality by reparametrisation, as lavaan's eq.constraints.K does); judged from its form,
 * where lavaan compares two numerical Jacobians at random points. */
int ks__sem_constraint_linear(const ks__sem_defined *d, size_t i);
void ks__sem_constraint_eval(const ks__sem_defined *d, const double *theta, double *value,
                             double *jac);

#endif
