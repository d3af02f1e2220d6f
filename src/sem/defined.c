/* defined.c — a parameter table's `:=` rows and its constraints (`==`, `<`, `>`) as compiled
 * functions of the free parameters, resolving names as lavaan 0.6-14's def.function,
 * ceq.function and cin.function do (lav_partable_constraints_def / _ceq / _ciq; checked in R,
 * tests/data/sem/make_expr_reference.R). A `:=` that uses an earlier one has that one's
 * program in the place of its name, so every function reads theta alone and its Jacobian
 * comes out exact, with the chain rule applied by the forward-mode evaluation. */
#include <math.h>
#include <string.h>

#include "sem/sem_internal.h"

struct ks__sem_defined {
    ks_allocator alloc;
    size_t nfree, ndef, ncon;
    size_t *def_row;    /* ndef: the `:=` rows */
    ks__sem_expr **def; /* ndef: their expressions */
    size_t *def_out;    /* ndef: the definition whose value row i reports (its name's last) */
    size_t *con_row;    /* ncon */
    ks__sem_expr **con; /* ncon: h */
};

static int is_def(const ks__sem_par *p) { return !strcmp(p->op, ":="); }
static int is_con(const ks__sem_par *p)
{
    return !strcmp(p->op, "==") || !strcmp(p->op, "<") || !strcmp(p->op, ">");
}
static int same(const char *s, const char *name, size_t len)
{
    return strlen(s) == len && !memcmp(s, name, len);
}

/* What the names of one expression can refer to. */
typedef struct {
    ks_ctx *ctx;
    const ks__sem_partable *t;
    const ks__sem_defined *d;
    size_t ndone;   /* definitions compiled so far */
    int inequality; /* compiling a `<` / `>` row */
    int line;
} scope;

/* The latest definition of `name` among the first `limit`, or -1. */
static long def_before(const scope *sc, size_t limit, const char *name, size_t len)
{
    for (size_t j = limit; j-- > 0;)
        if (same(sc->t->par[sc->d->def_row[j]].lhs, name, len)) return (long)j;
    return -1;
}

/* The first parameter row with this label (or plabel), as R's match(). */
static const ks__sem_par *param(const ks__sem_partable *t, const char *name, size_t len, int plabel)
{
    for (size_t r = 0; r < t->npar; r++) {
        const ks__sem_par *p = &t->par[r];
        if (!is_def(p) && !is_con(p) && same(plabel ? p->plabel : p->label, name, len)) return p;
    }
    return NULL;
}

/* In a `:=`: earlier definitions, then labels of free parameters. */
static const char *resolve_def(void *ud, const char *name, size_t len, ks__sem_ref *out)
{
    const scope *sc = ud;
    const long j = def_before(sc, sc->ndone, name, len);
    if (j >= 0) {
        out->kind = KS__SEM_REF_EXPR;
        out->expr = sc->d->def[j];
        return NULL;
    }
    if (def_before(sc, sc->d->ndef, name, len) >= 0)
        return "a ':=' name used before its definition";
    const ks__sem_par *p = param(sc->t, name, len, 0);
    if (!p) return "unknown label in a definition (lavaan takes labels and earlier ':=' names)";
    if (!p->free) return "a fixed parameter in a definition (lavaan takes only free ones)";
    out->kind = KS__SEM_REF_VALUE;
    out->index = (size_t)p->free - 1;
    return NULL;
}

/* In a constraint: any definition, then plabels, then labels; a fixed parameter is its value. */
static const char *resolve_con(void *ud, const char *name, size_t len, ks__sem_ref *out)
{
    const scope *sc = ud;
    const long j = def_before(sc, sc->d->ndef, name, len);
    if (j >= 0) {
        out->kind = KS__SEM_REF_EXPR;
        out->expr = sc->d->def[j];
        return NULL;
    }
    const ks__sem_par *p = param(sc->t, name, len, 1);
    if (!p) p = param(sc->t, name, len, 0);
    if (!p) return "unknown label in a constraint";
    if (p->free) {
        out->kind = KS__SEM_REF_VALUE;
        out->index = (size_t)p->free - 1;
        return NULL;
    }
    out->kind = KS__SEM_REF_CONSTANT;
    out->constant = p->ustart;
    if (sc->inequality)
        ks__log(sc->ctx, KS_LOG_WARN,
                "model line %d: a fixed parameter in an inequality constraint: '%.*s' (its "
                "value %.17g is used, as lavaan does)",
                sc->line, (int)len, name, p->ustart);
    return NULL;
}

/* h = a - b, the two sides' programs spliced into the names "a" and "b". */
static const char *resolve_side(void *ud, const char *name, size_t len, ks__sem_ref *out)
{
    const ks__sem_expr *const *sides = ud;
    out->kind = KS__SEM_REF_EXPR;
    out->expr = sides[len == 1 && *name == 'b'];
    return NULL;
}

/* Constraint row p as h(theta), lavaan's sign convention (the header). */
static int build_con(scope *sc, const ks__sem_par *p, ks__sem_expr **out)
{
    ks__sem_expr *side[2] = {NULL, NULL};
    sc->inequality = strcmp(p->op, "==") != 0;
    sc->line = p->line;
    int rc = ks__sem_expr_compile(sc->ctx, p->lhs, p->line, resolve_con, sc, &side[0]);
    if (!rc) rc = ks__sem_expr_compile(sc->ctx, p->rhs, p->line, resolve_con, sc, &side[1]);
    if (!rc)
        rc = ks__sem_expr_compile(sc->ctx, strcmp(p->op, "<") ? "a-b" : "b-a", p->line,
                                  resolve_side, side, out);
    ks__sem_expr_free(side[0]);
    ks__sem_expr_free(side[1]);
    return rc;
}

void ks__sem_defined_free(ks__sem_defined *d)
{
    if (!d) return;
    for (size_t i = 0; d->def && i < d->ndef; i++) ks__sem_expr_free(d->def[i]);
    for (size_t i = 0; d->con && i < d->ncon; i++) ks__sem_expr_free(d->con[i]);
    ks__release(&d->alloc, d->def_row);
    ks__release(&d->alloc, d->def);
    ks__release(&d->alloc, d->def_out);
    ks__release(&d->alloc, d->con_row);
    ks__release(&d->alloc, d->con);
    ks__release(&d->alloc, d);
}

int ks__sem_defined_build(ks_ctx *ctx, const ks__sem_partable *t, ks__sem_defined **out)
{
    *out = NULL;
    ks__sem_defined *d = ks__calloc(ctx, 1, sizeof *d);
    if (!d) return KS_ENOMEM;
    d->alloc = ctx->alloc;
    d->nfree = t->nfree;
    for (size_t r = 0; r < t->npar; r++) {
        d->ndef += is_def(&t->par[r]);
        d->ncon += is_con(&t->par[r]);
    }
    size_t cells;
    int rc = KS_OK;
    if (!ks__size_mul(d->ndef > d->ncon ? d->ndef : d->ncon, d->nfree, &cells) ||
        !ks__size_mul(cells, sizeof(double), &cells))
        rc = ks__fail(ctx, KS_EOVERFLOW, "%zu definitions or constraints of %zu parameters",
                      d->ndef > d->ncon ? d->ndef : d->ncon, d->nfree);
    if (!rc && d->ndef &&
        (!(d->def_row = ks__malloc_array(ctx, d->ndef, sizeof *d->def_row)) ||
         !(d->def = ks__calloc(ctx, d->ndef, sizeof *d->def)) ||
         !(d->def_out = ks__malloc_array(ctx, d->ndef, sizeof *d->def_out))))
        rc = KS_ENOMEM;
    if (!rc && d->ncon &&
        (!(d->con_row = ks__malloc_array(ctx, d->ncon, sizeof *d->con_row)) ||
         !(d->con = ks__calloc(ctx, d->ncon, sizeof *d->con))))
        rc = KS_ENOMEM;
    if (rc) {
        ks__sem_defined_free(d);
        return rc;
    }
    for (size_t r = 0, i = 0, k = 0; r < t->npar; r++) {
        if (is_def(&t->par[r])) d->def_row[i++] = r;
        if (is_con(&t->par[r])) d->con_row[k++] = r;
    }
    scope sc = {ctx, t, d, 0, 0, 0};
    for (; !rc && sc.ndone < d->ndef; sc.ndone++) {
        const ks__sem_par *p = &t->par[d->def_row[sc.ndone]];
        rc = ks__sem_expr_compile(ctx, p->rhs, p->line, resolve_def, &sc, &d->def[sc.ndone]);
    }
    for (size_t i = 0; !rc && i < d->ndef; i++)
        d->def_out[i] = (size_t)def_before(&sc, d->ndef, t->par[d->def_row[i]].lhs,
                                           strlen(t->par[d->def_row[i]].lhs));
    for (size_t k = 0; !rc && k < d->ncon; k++)
        rc = build_con(&sc, &t->par[d->con_row[k]], &d->con[k]);
    if (rc) {
        ks__sem_defined_free(d);
        return rc;
    }
    *out = d;
    return KS_OK;
}

/* lavaan's functions end with out[is.na(out)] <- Inf. */
static double lavaan_value(double v) { return isnan(v) ? HUGE_VAL : v; }

size_t ks__sem_defined_count(const ks__sem_defined *d) { return d->ndef; }
size_t ks__sem_defined_row(const ks__sem_defined *d, size_t i) { return d->def_row[i]; }

void ks__sem_defined_eval(const ks__sem_defined *d, const double *theta, double *value, double *jac)
{
    if (jac && d->ndef) memset(jac, 0, d->ndef * d->nfree * sizeof *jac);
    for (size_t i = 0; i < d->ndef; i++)
        value[i] = lavaan_value(
            ks__sem_expr_eval(d->def[d->def_out[i]], theta, jac ? jac + i : NULL, d->ndef));
}

size_t ks__sem_constraint_count(const ks__sem_defined *d) { return d->ncon; }
size_t ks__sem_constraint_row(const ks__sem_defined *d, size_t i) { return d->con_row[i]; }
int ks__sem_constraint_linear(const ks__sem_defined *d, size_t i)
{
    return ks__sem_expr_affine(d->con[i]);
}

void ks__sem_constraint_eval(const ks__sem_defined *d, const double *theta, double *value,
                             double *jac)
{
    if (jac && d->ncon) memset(jac, 0, d->ncon * d->nfree * sizeof *jac);
    for (size_t k = 0; k < d->ncon; k++)
        value[k] = lavaan_value(ks__sem_expr_eval(d->con[k], theta, jac ? jac + k : NULL, d->ncon));
}
