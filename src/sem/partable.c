/* partable.c — lavaan's parameter table of a model, as lavaan 0.6-14's lavaanify() makes it for
 * sem(), cfa() and lavaan() (learned from its source and behaviour; checked row for row against
 * parTable() by tests/data/sem/make_partable_reference.R and tests/c/test_sem_partable.c):
 * 1. covariances `a ~~ b` are written in lavaan's variable order (latent variables, then the
 *    observed ones, see vnames), as lavParseModelString does at its end;
 * 2. the user's rows, then the rows lavaan adds (variances of the observed variables that are not
 *    fixed.x covariates and of the latent ones; covariances of the exogenous latent variables and
 *    of the purely dependent variables; the covariance matrix of the covariates), less those the
 *    user wrote;
 * 3. the auto.* defaults fix some of them, then the user's modifiers (fixed, start, bounds,
 *    labels) apply, and a fixed parameter gets its value as both bounds when bounds exist;
 * 4. parameters sharing a label: with one of them fixed, all are fixed at its value; else each
 *    keeps its own free number and "==" rows (user 2) tie the later ones to the first;
 * 5. the user's ==, <, >, := rows, then those "==" rows, close the table; free parameters are
 *    numbered in row order.
 *
 * fixed.x (the caller resolves it, as lavaan's lav_options_set does): lavaan's default is TRUE
 * when the estimator is ML (or MML) and FALSE for every other estimator (DWLS, ULS, GLS, WLS),
 * the same with raw data and with sample.cov (lavaan 0.6-14 decides on the estimator only: so
 * GenomicSEM's DWLS fits have fixed.x FALSE and its ML fits TRUE); a model without covariates
 * has it FALSE, which changes nothing here. What does differ with sample.cov: lavaan does not
 * check latent variable names against its names (see ks__sem_partable_options.moments), and a
 * WLS.V or NACOV argument makes it add "da" rows (its data order) to parTable(), which are not
 * kept here (they change no other row, nor the variable order). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sem/sem_internal.h"

/* An ordered set of names (models are small: linear search). */
typedef struct {
    const char **v;
    size_t n, cap;
} names;

static long find(const names *s, const char *x)
{
    for (size_t i = 0; i < s->n; i++)
        if (!strcmp(s->v[i], x)) return (long)i;
    return -1;
}
static int has(const names *s, const char *x) { return find(s, x) >= 0; }

static int add(ks_ctx *ctx, names *s, const char *x)
{
    if (has(s, x)) return KS_OK;
    int rc = ks__grow(ctx, (void **)&s->v, &s->cap, s->n + 1, sizeof *s->v);
    if (rc) return rc;
    s->v[s->n++] = x;
    return KS_OK;
}

/* One row while the table is built. */
typedef struct {
    const char *lhs, *op, *rhs, *label;
    int lhs_p, rhs_p; /* a user-2 "==" row: the ids of the rows whose plabels are its sides */
    int label_p;      /* an unlabelled row tied by a label: lavaan labels it with this plabel */
    int user, free, exo, line, id;
    double ustart, lower, upper;
    const ks__sem_elem *mod; /* the model element (user rows) */
} row;

/* lavaan's variable lists (lav_partable_vnames) of a set of rows. */
typedef struct {
    names lv, ov, ov_x, ov_nox, lv_x, ov_y, lv_y;
    names v_ind, eqs_y, eqs_x, ov_ind, y, x; /* on the way */
} vn;

static void vn_free(ks_ctx *ctx, vn *v)
{
    names *all[] = {&v->lv,    &v->ov,    &v->ov_x,  &v->ov_nox, &v->lv_x, &v->ov_y, &v->lv_y,
                    &v->v_ind, &v->eqs_y, &v->eqs_x, &v->ov_ind, &v->y,    &v->x};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) ks__free(ctx, all[k]->v);
}

static int is(const row *r, const char *op) { return !strcmp(r->op, op); }

/* lav_partable_vnames: lv = the lhs of =~ in order; ov = the indicators that are not latent,
 * then the dependent variables of ~ (neither latent nor indicators), then the predictors (none
 * of those), then the other names in ~~ rows (all their lhs, then all their rhs). ov.x are the
 * predictors less those with a variance or covariance written by the user; lv.x the latent
 * variables neither indicators nor dependent; ov.y / lv.y the dependent variables that are
 * neither indicators nor predictors. */
static int vnames(ks_ctx *ctx, const row *r, size_t n, vn *v)
{
    names *all[] = {&v->lv,    &v->ov,    &v->ov_x,  &v->ov_nox, &v->lv_x, &v->ov_y, &v->lv_y,
                    &v->v_ind, &v->eqs_y, &v->eqs_x, &v->ov_ind, &v->y,    &v->x};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++) all[k]->n = 0;
    int rc = KS_OK;
    for (size_t i = 0; i < n && !rc; i++) {
        if (is(&r[i], "=~") && !(rc = add(ctx, &v->lv, r[i].lhs)))
            rc = add(ctx, &v->v_ind, r[i].rhs);
        if (is(&r[i], "~") && !(rc = add(ctx, &v->eqs_y, r[i].lhs)))
            rc = add(ctx, &v->eqs_x, r[i].rhs);
    }
    for (size_t i = 0; i < v->v_ind.n && !rc; i++)
        if (!has(&v->lv, v->v_ind.v[i])) rc = add(ctx, &v->ov_ind, v->v_ind.v[i]);
    for (size_t i = 0; i < v->eqs_y.n && !rc; i++) {
        const char *s = v->eqs_y.v[i];
        if (!has(&v->lv, s) && !has(&v->ov_ind, s)) rc = add(ctx, &v->y, s);
    }
    for (size_t i = 0; i < v->eqs_x.n && !rc; i++) {
        const char *s = v->eqs_x.v[i];
        if (!has(&v->lv, s) && !has(&v->ov_ind, s) && !has(&v->y, s)) rc = add(ctx, &v->x, s);
    }
    const names *parts[] = {&v->ov_ind, &v->y, &v->x};
    for (size_t k = 0; k < 3; k++)
        for (size_t i = 0; i < parts[k]->n && !rc; i++) rc = add(ctx, &v->ov, parts[k]->v[i]);
    for (int side = 0; side < 2; side++)
        for (size_t i = 0; i < n && !rc; i++) {
            const char *s = side ? r[i].rhs : r[i].lhs;
            if (is(&r[i], "~~") && !has(&v->lv, s)) rc = add(ctx, &v->ov, s);
        }
    for (size_t i = 0; i < v->x.n && !rc; i++) {
        size_t k = 0;
        while (k < n && !(r[k].user == 1 && is(&r[k], "~~") &&
                          (!strcmp(r[k].lhs, v->x.v[i]) || !strcmp(r[k].rhs, v->x.v[i]))))
            k++;
        if (k == n) rc = add(ctx, &v->ov_x, v->x.v[i]);
    }
    for (size_t i = 0; i < v->ov.n && !rc; i++) {
        const char *s = v->ov.v[i];
        if (!has(&v->ov_x, s)) rc = add(ctx, &v->ov_nox, s);
        if (!rc && has(&v->eqs_y, s) && !has(&v->v_ind, s) && !has(&v->eqs_x, s) && !has(&v->lv, s))
            rc = add(ctx, &v->ov_y, s);
    }
    for (size_t i = 0; i < v->lv.n && !rc; i++) {
        const char *s = v->lv.v[i];
        if (!has(&v->v_ind, s) && !has(&v->eqs_y, s)) rc = add(ctx, &v->lv_x, s);
        if (!rc && has(&v->eqs_y, s) && !has(&v->v_ind, s) && !has(&v->eqs_x, s))
            rc = add(ctx, &v->lv_y, s);
    }
    return rc;
}

/* A modifier's value: a number, or NaN for NA. */
static double value(const char *s) { return strcmp(s, "NA") ? strtod(s, NULL) : NAN; }

/* What lavaan cannot do yet here, and what it rejects; `s` is the syntax. */
static int check_syntax(ks_ctx *ctx, const ks__sem_syntax *s)
{
    for (size_t i = 0; i < s->nelem; i++) {
        const ks__sem_elem *e = &s->elem[i];
        const char *const mods[] = {e->fixed, e->start, e->lower, e->upper, e->label};
        if (!strcmp(e->op, "~1"))
            return ks__fail(ctx, KS_EINVAL,
                            "model line %d: intercepts ('%s ~ 1') are not supported yet (no "
                            "mean structure)",
                            e->line, e->lhs);
        if (!strcmp(e->op, "<~"))
            return ks__fail(ctx, KS_EINVAL,
                            "model line %d: composites ('%s <~ ...') are not supported yet",
                            e->line, e->lhs);
        if (!strcmp(e->op, ":"))
            return ks__fail(ctx, KS_EINVAL,
                            "model line %d: blocks ('%s: %s') are not supported yet (one group)",
                            e->line, e->lhs, e->rhs);
        if (strcmp(e->op, "=~") && strcmp(e->op, "~") && strcmp(e->op, "~~"))
            return ks__fail(ctx, KS_EINVAL, "model line %d: the operator '%s' is not supported yet",
                            e->line, e->op);
        if (strchr(e->lhs, ':') || strchr(e->rhs, ':'))
            return ks__fail(ctx, KS_EINVAL,
                            "model line %d: interaction terms ('%s') are not supported yet",
                            e->line, strchr(e->lhs, ':') ? e->lhs : e->rhs);
        for (size_t k = 0; k < sizeof mods / sizeof *mods; k++)
            if (strchr(mods[k], ';'))
                return ks__fail(ctx, KS_EINVAL,
                                "model line %d: a modifier with several values ('%s', one per "
                                "group) in '%s %s %s': one group only",
                                e->line, mods[k], e->lhs, e->op, e->rhs);
        /* lavaan only warns, then fails to estimate the model */
        if (!strcmp(e->op, "~") && !strcmp(e->lhs, e->rhs))
            return ks__fail(ctx, KS_EINVAL,
                            "model line %d: '%s' is regressed on itself ('%s ~ %s')", e->line,
                            e->lhs, e->lhs, e->rhs);
    }
    return KS_OK;
}

/* The first model line that names `v`. */
static int line_of(const row *r, size_t n, const char *v)
{
    for (size_t i = 0; i < n; i++)
        if (r[i].user == 1 && (!strcmp(r[i].lhs, v) || !strcmp(r[i].rhs, v))) return r[i].line;
    return 0;
}

/* The names the model uses against the data's (lavaan: "missing observed variables in dataset",
 * "some latent variable names collide with observed variable names"). */
static int check_names(ks_ctx *ctx, const ks__sem_partable_options *opt, const vn *v, const row *r,
                       size_t n)
{
    if (v->ov.n == 0)
        return ks__fail(ctx, KS_EINVAL,
                        "model: no observed variable (every name is a latent variable)");
    if (!opt->data_names) return KS_OK;
    for (int lat = 0; lat < 2; lat++) {
        const names *s = lat ? &v->lv : &v->ov;
        for (size_t i = 0; i < s->n; i++) {
            size_t k = 0;
            while (k < opt->ndata && strcmp(opt->data_names[k], s->v[i])) k++;
            if (!lat && k == opt->ndata)
                return ks__fail(ctx, KS_EINVAL,
                                "model line %d: unknown variable '%s' (not a latent variable, "
                                "and not in the data)",
                                line_of(r, n, s->v[i]), s->v[i]);
            if (lat && k < opt->ndata && !opt->moments)
                return ks__fail(ctx, KS_EINVAL,
                                "model line %d: the latent variable '%s' has the name of an "
                                "observed variable in the data",
                                line_of(r, n, s->v[i]), s->v[i]);
        }
    }
    return KS_OK;
}

typedef struct {
    ks_ctx *ctx;
    row *r;
    size_t n, cap;
    vn v;
} builder;

static int push(builder *b, row x)
{
    int rc = ks__grow(b->ctx, (void **)&b->r, &b->cap, b->n + 1, sizeof *b->r);
    if (rc) return rc;
    b->r[b->n++] = x;
    return KS_OK;
}

static row blank(const char *lhs, const char *op, const char *rhs, int user, int line)
{
    return (row){lhs, op, rhs, "", 0, 0, 0, user, 1, 0, line, 0, NAN, -HUGE_VAL, HUGE_VAL, NULL};
}

/* A default `a ~~ b`, unless the user wrote it. */
static int add_default(builder *b, size_t nuser, const char *a, const char *c)
{
    for (size_t i = 0; i < nuser; i++)
        if (is(&b->r[i], "~~") && !strcmp(b->r[i].lhs, a) && !strcmp(b->r[i].rhs, c)) return KS_OK;
    return push(b, blank(a, "~~", c, 0, 0));
}

/* Steps 1 and 2: the user's rows (covariances in lavaan's order) and the default rows. */
static int rows(builder *b, const ks__sem_syntax *s, const ks__sem_partable_options *opt)
{
    ks_ctx *ctx = b->ctx;
    int rc;
    for (size_t i = 0; i < s->nelem; i++) {
        const ks__sem_elem *e = &s->elem[i];
        row x = blank(e->lhs, e->op, e->rhs, 1, e->line);
        x.mod = e;
        if ((rc = push(b, x))) return rc;
    }
    const size_t nuser = b->n;
    if ((rc = vnames(ctx, b->r, nuser, &b->v))) return rc;
    for (size_t i = 0; i < nuser; i++) { /* lav_partable_covariance_reorder */
        row *x = &b->r[i];
        if (!is(x, "~~") || !strcmp(x->lhs, x->rhs)) continue;
        const long l = has(&b->v.lv, x->lhs) ? find(&b->v.lv, x->lhs)
                                             : (long)b->v.lv.n + find(&b->v.ov, x->lhs);
        const long r = has(&b->v.lv, x->rhs) ? find(&b->v.lv, x->rhs)
                                             : (long)b->v.lv.n + find(&b->v.ov, x->rhs);
        if (l > r) {
            const char *t = x->lhs;
            x->lhs = x->rhs, x->rhs = t;
        }
    }
    vn *v = &b->v;
    if ((rc = vnames(ctx, b->r, nuser, v))) return rc;
    if ((rc = check_names(ctx, opt, v, b->r, nuser))) return rc;
    if (opt->fixed_x)
        for (size_t i = 0; i < v->x.n; i++)
            if (!has(&v->ov_x, v->x.v[i]))
                ks__log(ctx, KS_LOG_WARN,
                        "model line %d: the covariate '%s' has a variance or covariance in the "
                        "model: it is random (free), not fixed.x, as lavaan does",
                        line_of(b->r, nuser, v->x.v[i]), v->x.v[i]);
    const int autos = opt->call != KS__SEM_CALL_LAVAAN;
    for (size_t i = 0; i < v->ov_nox.n; i++)
        if ((rc = add_default(b, nuser, v->ov_nox.v[i], v->ov_nox.v[i]))) return rc;
    for (size_t i = 0; i < v->lv.n; i++)
        if ((rc = add_default(b, nuser, v->lv.v[i], v->lv.v[i]))) return rc;
    if (autos) /* auto.cov.lv.x */
        for (size_t i = 0; i < v->lv_x.n; i++)
            for (size_t j = i + 1; j < v->lv_x.n; j++)
                if ((rc = add_default(b, nuser, v->lv_x.v[i], v->lv_x.v[j]))) return rc;
    if (autos) { /* auto.cov.y: the latent, then the observed dependent variables */
        const size_t ny = v->lv_y.n + v->ov_y.n;
#define Y(k) ((k) < v->lv_y.n ? v->lv_y.v[k] : v->ov_y.v[(k)-v->lv_y.n])
        for (size_t i = 0; i < ny; i++)
            for (size_t j = i + 1; j < ny; j++)
                if ((rc = add_default(b, nuser, Y(i), Y(j)))) return rc;
#undef Y
    }
    for (size_t j = 0; j < v->ov_x.n; j++) /* the covariates' lower triangle, by column */
        for (size_t i = j; i < v->ov_x.n; i++)
            if ((rc = add_default(b, nuser, v->ov_x.v[j], v->ov_x.v[i]))) return rc;
    return KS_OK;
}

/* Step 3: lav_partable_flat's defaults, then the modifiers (lavaanify). */
static void defaults(builder *b, const ks__sem_partable_options *opt, int *has_lower,
                     int *has_upper)
{
    const vn *v = &b->v;
    const int autos = opt->call != KS__SEM_CALL_LAVAAN;
    for (size_t i = 0; i < b->n; i++) {
        row *x = &b->r[i];
        const int var = is(x, "~~") && !strcmp(x->lhs, x->rhs);
        if (!autos && var && x->user == 0) x->ustart = 0, x->free = 0; /* auto.var = FALSE */
        if (opt->std_lv && var && has(&v->lv, x->lhs)) x->ustart = 1, x->free = 0;
        if (autos && !opt->std_lv && is(x, "=~")) { /* auto.fix.first */
            size_t k = 0;
            while (k < i && !(is(&b->r[k], "=~") && !strcmp(b->r[k].lhs, x->lhs))) k++;
            if (k == i) x->ustart = 1, x->free = 0;
        }
    }
    if (autos) /* auto.fix.single: a latent variable's only indicator, if on no other, has no
                  residual variance */
        for (size_t i = 0; i < b->n; i++) {
            const row *x = &b->r[i];
            if (!is(x, "=~") || !strcmp(x->lhs, x->rhs)) continue;
            size_t nl = 0, nr = 0;
            for (size_t k = 0; k < b->n; k++) {
                nl += is(&b->r[k], "=~") && !strcmp(b->r[k].lhs, x->lhs);
                nr += is(&b->r[k], "=~") && !strcmp(b->r[k].rhs, x->rhs);
            }
            if (nl != 1 || nr != 1) continue;
            for (size_t k = 0; k < b->n; k++) {
                row *y = &b->r[k];
                if (y->user == 0 && is(y, "~~") && !strcmp(y->lhs, x->rhs) &&
                    !strcmp(y->rhs, x->rhs))
                    y->ustart = 0, y->free = 0;
            }
        }
    for (size_t i = 0; i < b->n; i++) {
        row *x = &b->r[i];
        if (!is(x, "~~") || x->user != 0) continue;
        if (opt->orthogonal && strcmp(x->lhs, x->rhs) && has(&v->lv, x->lhs) && has(&v->lv, x->rhs))
            x->ustart = 0, x->free = 0;
        if (opt->fixed_x && has(&v->ov_x, x->lhs) && has(&v->ov_x, x->rhs))
            x->ustart = NAN, x->free = 0, x->exo = 1;
    }
    *has_lower = *has_upper = 0;
    for (size_t i = 0; i < b->n; i++) {
        row *x = &b->r[i];
        const ks__sem_elem *e = x->mod;
        if (!e) continue;
        if (*e->fixed) {
            x->ustart = value(e->fixed);
            x->free = isnan(x->ustart);
        }
        if (*e->start) x->ustart = value(e->start);
        if (*e->lower) x->lower = value(e->lower), *has_lower = 1;
        if (*e->upper) x->upper = value(e->upper), *has_upper = 1;
        if (*e->label) x->label = e->label;
    }
    for (size_t i = 0; i < b->n; i++) /* lavaan gives fixed rows their value as bounds */
        if (!b->r[i].free) {
            if (*has_lower) b->r[i].lower = b->r[i].ustart;
            if (*has_upper) b->r[i].upper = b->r[i].ustart;
        }
}

/* lavaan's label of a row: the user's, or lhs op rhs written together. */
static int same_label(const row *a, const row *c)
{
    if (*a->label && *c->label) return !strcmp(a->label, c->label);
    if (!*a->label && !*c->label)
        return !strcmp(a->lhs, c->lhs) && !strcmp(a->op, c->op) && !strcmp(a->rhs, c->rhs);
    const row *l = *a->label ? a : c, *u = *a->label ? c : a;
    const char *s = l->label;
    const char *const parts[] = {u->lhs, u->op, u->rhs};
    for (size_t k = 0; k < 3; k++) {
        const size_t len = strlen(parts[k]);
        if (strncmp(s, parts[k], len)) return 0;
        s += len;
    }
    return *s == '\0';
}

/* Step 4: parameters sharing a label, in the order lavaan finds them (by their second use). */
static int equalities(builder *b, size_t npar, int has_lower, int has_upper)
{
    int rc = KS_OK;
    char *done = ks__calloc(b->ctx, npar ? npar : 1, 1);
    if (!done) return KS_ENOMEM;
    for (size_t i = 1; i < npar && !rc; i++) {
        if (done[i]) continue;
        size_t ref = 0;
        while (ref < i && !same_label(&b->r[ref], &b->r[i])) ref++;
        if (ref == i) continue;
        double lo = HUGE_VAL, hi = -HUGE_VAL;
        long fixed = -1;
        for (size_t k = ref; k < npar; k++) {
            const row *x = &b->r[k];
            if (k != ref && !same_label(x, &b->r[ref])) continue;
            done[k] = 1;
            if (isfinite(x->lower) && x->lower < lo) lo = x->lower;
            if (isfinite(x->upper) && x->upper > hi) hi = x->upper;
            if (!x->free && fixed < 0) fixed = (long)k;
        }
        for (size_t k = ref; k < npar && !rc; k++) {
            row *x = &b->r[k];
            if (k != ref && !same_label(x, &b->r[ref])) continue;
            if (has_lower && lo < HUGE_VAL) x->lower = lo;
            if (has_upper && hi > -HUGE_VAL) x->upper = hi;
            if (fixed >= 0) {
                const double u = b->r[fixed].ustart;
                if (!x->free && !(x->ustart == u))
                    ks__log(b->ctx, KS_LOG_WARN,
                            "model line %d: parameters labelled '%s' are fixed at different "
                            "values: all take the first (%g), as lavaan does",
                            x->line, x->label, u);
            } else {
                if (!*x->label) x->label_p = b->r[ref].id; /* (its name matched a label) */
                if (k == ref) continue;
                row eq = blank("", "==", "", 2, 0);
                eq.lhs_p = b->r[ref].id, eq.rhs_p = x->id;
                rc = push(b, eq); /* (x may move: not used after) */
            }
        }
        if (fixed >= 0) {
            const double u = b->r[fixed].ustart;
            for (size_t k = ref; k < npar; k++)
                if (k == ref || same_label(&b->r[k], &b->r[ref]))
                    b->r[k].ustart = u, b->r[k].free = 0;
        }
    }
    ks__free(b->ctx, done);
    return rc;
}

static size_t plabel(int id, char *buf) { return (size_t)snprintf(buf, 24, ".p%d.", id); }

/* The table handed out: every string copied into one block. */
static int finish(builder *b, ks__sem_partable **out)
{
    ks_ctx *ctx = b->ctx;
    char buf[24];
    size_t need = 0;
    int ok = 1;
    for (size_t i = 0; i < b->n; i++) {
        const row *x = &b->r[i];
        size_t len = strlen(x->op) + strlen(x->label) + 5 + /* (five NULs) */
                     (x->lhs_p ? plabel(x->lhs_p, buf) + plabel(x->rhs_p, buf)
                               : strlen(x->lhs) + strlen(x->rhs)) +
                     (x->id ? plabel(x->id, buf) : 0) + (x->label_p ? plabel(x->label_p, buf) : 0);
        ok = ok && ks__size_add(need, len, &need);
    }
    for (size_t i = 0; i < b->v.ov.n; i++)
        ok = ok && ks__size_add(need, strlen(b->v.ov.v[i]) + 1, &need);
    for (size_t i = 0; i < b->v.lv.n; i++)
        ok = ok && ks__size_add(need, strlen(b->v.lv.v[i]) + 1, &need);
    if (!ok) return ks__fail(ctx, KS_EOVERFLOW, "model: too large");
    ks__sem_partable *t = ks__calloc(ctx, 1, sizeof *t);
    if (!t) return KS_ENOMEM;
    t->alloc = ctx->alloc;
    t->par = ks__malloc_array(ctx, b->n ? b->n : 1, sizeof *t->par);
    t->ov = ks__malloc_array(ctx, b->v.ov.n ? b->v.ov.n : 1, sizeof *t->ov);
    t->lv = ks__malloc_array(ctx, b->v.lv.n ? b->v.lv.n : 1, sizeof *t->lv);
    t->text = ks__malloc(ctx, need ? need : 1);
    if (!t->par || !t->ov || !t->lv || !t->text) {
        ks__sem_partable_free(t);
        return KS_ENOMEM;
    }
    char *p = t->text;
#define COPY(dst, s)                                                                               \
    do {                                                                                           \
        const size_t len_ = strlen(s);                                                             \
        memcpy(p, (s), len_ + 1);                                                                  \
        (dst) = p;                                                                                 \
        p += len_ + 1;                                                                             \
    } while (0)
    for (size_t i = 0; i < b->n; i++) {
        const row *x = &b->r[i];
        ks__sem_par *o = &t->par[i];
        if (x->lhs_p) {
            plabel(x->lhs_p, buf);
            COPY(o->lhs, buf);
            plabel(x->rhs_p, buf);
            COPY(o->rhs, buf);
        } else {
            COPY(o->lhs, x->lhs);
            COPY(o->rhs, x->rhs);
        }
        COPY(o->op, x->op);
        if (x->label_p) {
            plabel(x->label_p, buf);
            COPY(o->label, buf);
        } else {
            COPY(o->label, x->label);
        }
        buf[0] = '\0';
        if (x->id) plabel(x->id, buf);
        COPY(o->plabel, buf);
        o->user = x->user, o->block = x->id ? 1 : 0, o->free = x->free;
        o->ustart = x->ustart, o->exo = x->exo, o->lower = x->lower, o->upper = x->upper;
        o->line = x->line;
        if (o->free > (int)t->nfree) t->nfree = (size_t)o->free;
    }
    for (size_t i = 0; i < b->v.ov.n; i++) COPY(t->ov[i], b->v.ov.v[i]);
    for (size_t i = 0; i < b->v.lv.n; i++) COPY(t->lv[i], b->v.lv.v[i]);
#undef COPY
    t->npar = b->n, t->nov = b->v.ov.n, t->nlv = b->v.lv.n;
    *out = t;
    return KS_OK;
}

int ks__sem_partable_build(ks_ctx *ctx, const ks__sem_syntax *s,
                           const ks__sem_partable_options *opt, ks__sem_partable **out)
{
    static const ks__sem_partable_options none = KS__SEM_PARTABLE_OPTIONS_INIT;
    *out = NULL;
    if (!s) return ks__fail(ctx, KS_EINVAL, "model: NULL");
    if (!opt) opt = &none;
    if (opt->call != KS__SEM_CALL_SEM && opt->call != KS__SEM_CALL_CFA &&
        opt->call != KS__SEM_CALL_LAVAAN)
        return ks__fail(ctx, KS_EINVAL, "call: %d is not sem, cfa or lavaan", (int)opt->call);
    int rc = check_syntax(ctx, s);
    if (rc) return rc;
    builder b = {.ctx = ctx};
    int has_lower = 0, has_upper = 0;
    if ((rc = rows(&b, s, opt))) goto done;
    defaults(&b, opt, &has_lower, &has_upper);
    const size_t npar = b.n;
    for (size_t i = 0; i < npar; i++) b.r[i].id = (int)(i + 1);
    if (npar > (size_t)0x7fffffff) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "model: too many parameters");
        goto done;
    }
    /* the user's constraints first: make room, fill them after the equalities are known */
    for (size_t c = 0; c < s->ncon && !rc; c++) {
        const ks__sem_constraint *k = &s->con[c];
        row x = blank(k->lhs, k->op, k->rhs, 1, k->line);
        x.free = 0;
        if (!strcmp(k->op, ":=")) x.label = k->lhs;
        rc = push(&b, x);
    }
    if (!rc) rc = equalities(&b, npar, has_lower, has_upper);
    if (rc) goto done;
    for (size_t i = npar; i < b.n; i++) {
        b.r[i].free = 0;
        b.r[i].lower = has_lower ? NAN : -HUGE_VAL;
        b.r[i].upper = has_upper ? NAN : HUGE_VAL;
    }
    int nfree = 0;
    for (size_t i = 0; i < npar; i++)
        if (b.r[i].free) b.r[i].free = ++nfree;
    if ((rc = vnames(ctx, b.r, npar, &b.v))) goto done;
    rc = finish(&b, out);
done:
    vn_free(ctx, &b.v);
    ks__free(ctx, b.r);
    return rc;
}

void ks__sem_partable_free(ks__sem_partable *t)
{
    if (!t) return;
    ks__release(&t->alloc, t->par);
    ks__release(&t->alloc, (void *)t->ov);
    ks__release(&t->alloc, (void *)t->lv);
    ks__release(&t->alloc, t->text);
    ks__release(&t->alloc, t);
}
