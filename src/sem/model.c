/* model.c — a parameter table compiled into the engine's model: the RAM matrices, the map from
 * lavaan's free parameters to the optimizer's x (equality constraints), bounds; the implied
 * covariance and its derivatives.
 *
 * Why RAM (McArdle's A, S, F: Sigma = F (I - A)^-1 S (I - A)^-T F') and not LISREL's all-y
 * (Lambda, Psi, Theta, B): both give the same Sigma, but in RAM every parameter is one entry of
 * one of two matrices, so loadings, regressions between any mix of latent and observed
 * variables, and all covariances share one code path and one derivative:
 * with B = (I - A)^-1, G = F B, H = B S B' F',
 *   d Sigma / d A_ij = G e_i e_j' H + (.)',   d Sigma / d S_ij = G (e_i e_j' + e_j e_i') G' / (1 +
 * [i == j]). LISREL needs a case per matrix, phantom latents for regressions on observed variables,
 * and its own derivative per matrix. The cost RAM adds, an m x m inverse (m = observed + latent),
 * is a few hundred flops for the GWAS model (m = 7). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sem/engine.h"

static long find_var(const ks__sem_partable *t, const char *name)
{
    for (size_t i = 0; i < t->nov; i++)
        if (!strcmp(t->ov[i], name)) return (long)i;
    for (size_t i = 0; i < t->nlv; i++)
        if (!strcmp(t->lv[i], name)) return (long)(t->nov + i);
    return -1;
}

/* A constraint side: a number, or a parameter by its label or plabel (its free index in
 * *theta, or -1 and its value in *value when it is fixed). 0 when it is neither. */
static int resolve(const ks__sem_partable *t, const ks__sem_model *m, const char *s, long *theta,
                   double *value)
{
    char *end;
    const double v = strtod(s, &end);
    if (*s && !*end) {
        *theta = -1;
        *value = v;
        return 1;
    }
    for (int pass = 0; pass < 2; pass++)
        for (size_t i = 0; i < t->npar; i++) {
            const char *l = pass ? t->par[i].plabel : t->par[i].label;
            if (m->row[i].kind == KS__SEM_ROW_OTHER || !*l || strcmp(l, s)) continue;
            *theta = m->row[i].theta;
            *value = m->row[i].ustart;
            return 1;
        }
    return 0;
}

void ks__sem_model_free(ks__sem_model *m)
{
    if (!m) return;
    const ks_allocator *a = &m->alloc;
    ks__release(a, m->row);
    ks__release(a, m->K);
    ks__release(a, m->t0);
    ks__release(a, m->lower);
    ks__release(a, m->upper);
    ks__release(a, m->theta_row);
    ks__release(a, m->row_theta);
    ks__release(a, m->x_theta);
    ks__release(a, m->name);
    ks__release(a, m->text);
    ks__release(a, m->a_ptr);
    ks__release(a, m);
}

static int bad_row(ks_ctx *ctx, const ks__sem_partable *t, size_t i, const char *why)
{
    const ks__sem_par *r = &t->par[i];
    return ks__fail(ctx, KS_EINVAL, "parameter table row %zu (%s %s %s%s%.0d): %s", i + 1, r->lhs,
                    r->op, r->rhs, r->line ? ", model line " : "", r->line, why);
}

/* The rows' model-matrix roles and names. */
static int read_rows(ks_ctx *ctx, const ks__sem_partable *t, ks__sem_model *m)
{
    size_t len = 0;
    for (size_t i = 0; i < t->npar; i++) {
        const ks__sem_par *r = &t->par[i];
        len += strlen(r->lhs) + strlen(r->op) + strlen(r->rhs) + 3;
        ks__sem_row *w = &m->row[i];
        w->kind = KS__SEM_ROW_OTHER;
        w->theta = r->free > 0 ? r->free - 1 : -1;
        w->ustart = r->ustart;
        w->lower = w->tlower = r->lower;
        w->upper = w->tupper = r->upper;
        w->exo = r->exo;
        const char *op = r->op;
        if (!strcmp(op, "==") || !strcmp(op, "<") || !strcmp(op, ">") || !strcmp(op, ":="))
            continue;
        if (strcmp(op, "=~") && strcmp(op, "~") && strcmp(op, "~~"))
            return bad_row(ctx, t, i,
                           "the SEM engine fits covariance structures only (=~, ~, ~~ and "
                           "constraints)");
        if (r->block != 1) return bad_row(ctx, t, i, "the SEM engine fits one group");
        const long l = find_var(t, r->lhs), q = find_var(t, r->rhs);
        if (l < 0 || q < 0) return bad_row(ctx, t, i, "a variable the table does not list");
        if (!strcmp(op, "=~") && (size_t)l < t->nov)
            return bad_row(ctx, t, i, "the left side of =~ must be a latent variable");
        if ((size_t)r->free > t->nfree) return bad_row(ctx, t, i, "free number above nfree");
        w->kind = !strcmp(op, "=~")  ? KS__SEM_ROW_LOAD
                  : !strcmp(op, "~") ? KS__SEM_ROW_REG
                                     : KS__SEM_ROW_COV;
        w->lhs = (size_t)l;
        w->rhs = (size_t)q;
    }
    if (!(m->text = ks__malloc(ctx, len + 1))) return ks_errcode(ctx);
    if (!(m->name = ks__malloc_array(ctx, t->npar + 1, sizeof *m->name))) return ks_errcode(ctx);
    char *s = m->text;
    for (size_t i = 0; i < t->npar; i++) {
        m->name[i] = s;
        s += sprintf(s, "%s %s %s", t->par[i].lhs, t->par[i].op, t->par[i].rhs) + 1;
    }
    return KS_OK;
}

/* The equality constraints as rows of C theta = d (C nc x ntheta, then d, column-major with
 * leading dimension nc), and the simple inequalities as row bounds. */
static int read_constraints(ks_ctx *ctx, const ks__sem_partable *t, const ks__sem_lincon *lc,
                            ks__sem_model *m, double **Cd, size_t *nc)
{
    size_t n = lc ? lc->ncon : 0;
    for (size_t i = 0; i < t->npar; i++)
        if (!strcmp(t->par[i].op, "==") && (t->par[i].user == 2 || !lc)) n++;
    const size_t nt = m->ntheta;
    *nc = n;
    if (!(*Cd = ks__calloc(ctx, n * (nt + 1) + 1, sizeof **Cd))) return ks_errcode(ctx);
    double *C = *Cd, *d = C + n * nt;
    size_t k = 0;
    for (size_t i = 0; i < t->npar; i++) {
        const ks__sem_par *r = &t->par[i];
        const int eq = !strcmp(r->op, "=="), lt = !strcmp(r->op, "<"), gt = !strcmp(r->op, ">");
        if (!(eq || lt || gt) || (eq && lc && r->user != 2)) continue;
        long tl, tr;
        double vl, vr;
        if (!resolve(t, m, r->lhs, &tl, &vl) || !resolve(t, m, r->rhs, &tr, &vr))
            return bad_row(ctx, t, i,
                           eq ? "not label-or-number == label-or-number: pass it linearised "
                                "(ks__sem_lincon)"
                              : "an inequality must compare one parameter with a number");
        if (eq) {
            if (tl >= 0) C[k + (size_t)tl * n] += 1.0;
            if (tr >= 0) C[k + (size_t)tr * n] -= 1.0;
            d[k++] = (tr < 0 ? vr : 0.0) - (tl < 0 ? vl : 0.0);
            continue;
        }
        if ((tl >= 0) == (tr >= 0))
            return bad_row(ctx, t, i,
                           "an inequality must compare one free parameter with a number");
        /* a < c: upper bound on a; c < a: lower bound on a */
        const int upper = (tl >= 0) == lt;
        const long th = tl >= 0 ? tl : tr;
        ks__sem_row *w = &m->row[m->theta_row[th]];
        const double c = tl >= 0 ? vr : vl;
        if (upper)
            w->upper = fmin(w->upper, c);
        else
            w->lower = fmax(w->lower, c);
    }
    for (size_t j = 0; lc && j < lc->ncon; j++, k++) {
        for (size_t q = 0; q < nt; q++) C[k + q * n] = lc->C[j + q * lc->ncon];
        d[k] = lc->d[j];
    }
    return KS_OK;
}

/* theta = t0 + K x from C theta = d by Gauss-Jordan elimination, pivoting on the last columns
 * first so that the first parameter of a tied set stays free (x is it). */
static int reduce(ks_ctx *ctx, ks__sem_model *m, double *C, size_t nc, long *pivrow)
{
    const size_t nt = m->ntheta;
    double *d = C + nc * nt;
    unsigned char *used = (unsigned char *)(pivrow + nt); /* (room allocated by the caller) */
    memset(used, 0, nc);
    for (size_t c = nt; c-- > 0;) {
        pivrow[c] = -1;
        size_t best = nc;
        for (size_t r = 0; r < nc; r++)
            if (!used[r] && fabs(C[r + c * nc]) > 1e-12 &&
                (best == nc || fabs(C[r + c * nc]) > fabs(C[best + c * nc])))
                best = r;
        if (best == nc) continue;
        used[best] = 1;
        pivrow[c] = (long)best;
        const double pv = C[best + c * nc];
        for (size_t q = 0; q < nt; q++) C[best + q * nc] /= pv;
        d[best] /= pv;
        for (size_t r = 0; r < nc; r++) {
            const double f = C[r + c * nc];
            if (r == best || f == 0.0) continue;
            for (size_t q = 0; q < nt; q++) C[r + q * nc] -= f * C[best + q * nc];
            d[r] -= f * d[best];
        }
    }
    for (size_t r = 0; r < nc; r++)
        if (!used[r] && fabs(d[r]) > 1e-10)
            return ks__fail(ctx, KS_EINVAL, "the equality constraints contradict each other");
    size_t nx = 0;
    for (size_t c = 0; c < nt; c++) nx += pivrow[c] < 0;
    m->nx = nx;
    if (!(m->K = ks__calloc(ctx, nt * nx + 1, sizeof *m->K)) ||
        !(m->t0 = ks__calloc(ctx, nt + 1, sizeof *m->t0)) ||
        !(m->x_theta = ks__malloc_array(ctx, nx + 1, sizeof *m->x_theta)) ||
        !(m->lower = ks__malloc_array(ctx, nx + 1, sizeof *m->lower)) ||
        !(m->upper = ks__malloc_array(ctx, nx + 1, sizeof *m->upper)))
        return ks_errcode(ctx);
    size_t j = 0;
    for (size_t c = 0; c < nt; c++)
        if (pivrow[c] < 0) {
            m->K[c + j * nt] = 1.0;
            m->x_theta[j] = (long)c;
            const ks__sem_row *w = &m->row[m->theta_row[c]];
            m->lower[j] = w->lower;
            m->upper[j] = w->upper;
            j++;
        }
    for (size_t c = 0; c < nt; c++) {
        if (pivrow[c] < 0) continue;
        const size_t r = (size_t)pivrow[c];
        m->t0[c] = d[r];
        size_t nz = 0, at = 0;
        for (size_t q = 0; q < nx; q++) {
            const double k = -C[r + (size_t)m->x_theta[q] * nc];
            m->K[c + q * nt] = k;
            if (k != 0.0) nz++, at = q;
        }
        /* a bound on a parameter tied to another (theta_c = x_at) bounds that one; a bound on
           any other combination cannot be projected */
        const ks__sem_row *w = &m->row[m->theta_row[c]];
        if (!(w->lower > -HUGE_VAL || w->upper < HUGE_VAL)) continue;
        if (nz != 1 || m->K[c + at * nt] != 1.0 || m->t0[c] != 0.0)
            return ks__fail(ctx, KS_EINVAL,
                            "'%s' has a bound but is a combination of other parameters through "
                            "the equality constraints; bound those instead",
                            m->name[m->theta_row[c]]);
        m->lower[at] = fmax(m->lower[at], w->lower);
        m->upper[at] = fmin(m->upper[at], w->upper);
    }
    m->k_identity = nx == nt;
    for (size_t c = 0; c < nt && m->k_identity; c++) m->k_identity = m->t0[c] == 0.0;
    return KS_OK;
}

/* The paths' and covariances' structure (see struct ks__sem_model), one block. */
static int sparsity(ks_ctx *ctx, ks__sem_model *m)
{
    const size_t n = m->m, nr = m->nrow;
    size_t need = 0;
    if (!ks__size_mul(nr, 6, &need) || !ks__size_add(need, 6 * n + 8, &need))
        return ks__fail(ctx, KS_EOVERFLOW, "the parameter table is too large");
    size_t *b = ks__calloc(ctx, need, sizeof *b);
    if (!b) return ks_errcode(ctx);
    m->a_ptr = b;
    m->a_col = b + n + 1;
    size_t *indeg = m->a_col + nr + 1, *order = indeg + n + 1;
    m->s_i = order + n + 1;
    m->s_k = m->s_i + 2 * nr + 1;
    m->h_rows = m->s_k + 2 * nr + 1;
    for (int pass = 0; pass < 2; pass++) { /* count, then fill, the paths into each variable */
        size_t *fill = indeg;
        memset(fill, 0, n * sizeof *fill);
        for (size_t r = 0; r < nr; r++) {
            const ks__sem_row *w = &m->row[r];
            if (w->kind != KS__SEM_ROW_LOAD && w->kind != KS__SEM_ROW_REG) continue;
            const size_t to = w->kind == KS__SEM_ROW_LOAD ? w->rhs : w->lhs;
            const size_t from = w->kind == KS__SEM_ROW_LOAD ? w->lhs : w->rhs;
            if (pass) m->a_col[m->a_ptr[to] + fill[to]] = from;
            fill[to]++;
        }
        if (!pass)
            for (size_t i = 0; i < n; i++) m->a_ptr[i + 1] = m->a_ptr[i] + fill[i];
    }
    /* Kahn's order: a variable once all its causes are placed */
    size_t placed = 0;
    for (size_t i = 0; i < n; i++) indeg[i] = m->a_ptr[i + 1] - m->a_ptr[i];
    for (int progress = 1; progress && placed < n;) {
        progress = 0;
        for (size_t i = 0; i < n; i++) {
            if (indeg[i] != 0) continue;
            order[placed++] = i;
            indeg[i] = (size_t)-1;
            progress = 1;
            for (size_t j = 0; j < n; j++)
                for (size_t a = m->a_ptr[j]; a < m->a_ptr[j + 1]; a++)
                    if (m->a_col[a] == i) indeg[j]--;
        }
    }
    m->topo = placed == n ? order : NULL;
    unsigned char *seen = (unsigned char *)indeg; /* (reused: n bytes) */
    memset(seen, 0, n);
    for (size_t r = 0; r < nr; r++) {
        const ks__sem_row *w = &m->row[r];
        if (w->kind == KS__SEM_ROW_COV) {
            m->s_i[m->nnz_s] = w->lhs, m->s_k[m->nnz_s++] = w->rhs;
            if (w->lhs != w->rhs) m->s_i[m->nnz_s] = w->rhs, m->s_k[m->nnz_s++] = w->lhs;
        }
        if ((w->kind == KS__SEM_ROW_LOAD || w->kind == KS__SEM_ROW_REG) && w->theta >= 0) {
            const size_t from = w->kind == KS__SEM_ROW_LOAD ? w->lhs : w->rhs;
            if (!seen[from]) seen[from] = 1, m->h_rows[m->nh++] = from;
        }
    }
    return KS_OK;
}

static int compile(ks_ctx *ctx, const ks__sem_partable *t, const ks__sem_lincon *lc,
                   ks__sem_model *m)
{
    m->p = t->nov;
    m->nlv = t->nlv;
    m->m = t->nov + t->nlv;
    m->pstar = m->p * (m->p + 1) / 2;
    m->nrow = t->npar;
    m->ntheta = t->nfree;
    if (!m->p) return ks__fail(ctx, KS_EINVAL, "the model has no observed variables");
    if (!(m->row = ks__calloc(ctx, t->npar + 1, sizeof *m->row)) ||
        !(m->row_theta = ks__malloc_array(ctx, t->npar + 1, sizeof *m->row_theta)) ||
        !(m->theta_row = ks__malloc_array(ctx, m->ntheta + 1, sizeof *m->theta_row)))
        return ks_errcode(ctx);
    int rc = read_rows(ctx, t, m);
    if (rc) return rc;
    for (size_t k = 0; k < m->ntheta; k++) m->theta_row[k] = -1;
    for (size_t i = 0; i < t->npar; i++) {
        const long th = m->row[i].kind == KS__SEM_ROW_OTHER ? -1 : m->row[i].theta;
        m->row_theta[i] = th;
        if (th >= 0) {
            if (m->theta_row[th] >= 0) return bad_row(ctx, t, i, "a free number used twice");
            m->theta_row[th] = (long)i;
        }
    }
    for (size_t k = 0; k < m->ntheta; k++)
        if (m->theta_row[k] < 0)
            return ks__fail(ctx, KS_EINVAL, "parameter table: free parameter %zu has no row",
                            k + 1);
    if ((rc = sparsity(ctx, m))) return rc;
    double *C = NULL;
    size_t nc = 0;
    long *pivrow = NULL;
    rc = read_constraints(ctx, t, lc, m, &C, &nc);
    if (!rc && !(pivrow = ks__malloc(ctx, (m->ntheta + 1) * sizeof *pivrow + nc + 1)))
        rc = ks_errcode(ctx);
    if (!rc) rc = reduce(ctx, m, C, nc, pivrow);
    ks__free(ctx, pivrow);
    ks__free(ctx, C);
    return rc;
}

int ks__sem_model_compile(ks_ctx *ctx, const ks__sem_partable *t, const ks__sem_lincon *lincon,
                          ks__sem_model **out)
{
    *out = NULL;
    if (!t) return ks__fail(ctx, KS_EINVAL, "no parameter table");
    ks__sem_model *m = ks__calloc(ctx, 1, sizeof *m);
    if (!m) return ks_errcode(ctx);
    m->alloc = ctx->alloc;
    const int rc = compile(ctx, t, lincon, m);
    if (rc) {
        ks__sem_model_free(m);
        return rc;
    }
    *out = m;
    return KS_OK;
}

void ks__sem_model_get(const ks__sem_model *m, ks__sem_model_view *v)
{
    v->p = m->p;
    v->pstar = m->pstar;
    v->nrow = m->nrow;
    v->ntheta = m->ntheta;
    v->nx = m->nx;
    v->K = m->K;
    v->t0 = m->t0;
    v->lower = m->lower;
    v->upper = m->upper;
    v->theta_row = m->theta_row;
    v->row_theta = m->row_theta;
    v->x_theta = m->x_theta;
}

static double *entry(const ks__sem_model *m, ks__sem_work *w, const ks__sem_row *r, double **sym)
{
    *sym = NULL;
    switch (r->kind) {
    case KS__SEM_ROW_LOAD: return w->A + r->rhs + r->lhs * m->m;
    case KS__SEM_ROW_REG: return w->A + r->lhs + r->rhs * m->m;
    case KS__SEM_ROW_COV:
        *sym = w->Sm + r->rhs + r->lhs * m->m;
        return w->Sm + r->lhs + r->rhs * m->m;
    default: return NULL;
    }
}

void ks__sem_fill(const ks__sem_model *m, ks__sem_work *w, const double *est)
{
    memset(w->A, 0, m->m * m->m * sizeof *w->A);
    memset(w->Sm, 0, m->m * m->m * sizeof *w->Sm);
    for (size_t i = 0; i < m->nrow; i++) {
        double *sym, *e = entry(m, w, &m->row[i], &sym);
        if (!e) continue;
        *e = est[i];
        if (sym) *sym = est[i];
    }
}

void ks__sem_set_theta(const ks__sem_model *m, ks__sem_work *w, const double *theta)
{
    for (size_t k = 0; k < m->ntheta; k++) {
        double *sym, *e = entry(m, w, &m->row[m->theta_row[k]], &sym);
        *e = theta[k];
        if (sym) *sym = theta[k];
    }
}

int ks__sem_implied(const ks__sem_model *m, ks__sem_work *w)
{
    const size_t p = m->p, n = m->m;
    double *B = w->B, *T = w->T;
    if (m->topo) /* B = (I - A)^-1 column by column, each variable after its causes */
        for (size_t j = 0; j < n; j++) {
            double *b = B + j * n;
            for (size_t q = 0; q < n; q++) {
                const size_t i = m->topo[q];
                double s = i == j;
                for (size_t a = m->a_ptr[i]; a < m->a_ptr[i + 1]; a++)
                    s += w->A[i + m->a_col[a] * n] * b[m->a_col[a]];
                b[i] = s;
            }
        }
    else if (ks__sem_inverse_ima(n, w->A, w->lu, w->piv, B))
        return -1;
    const double *G = B; /* G = F B: B's first p rows (leading dimension n) */
    memset(T, 0, n * p * sizeof *T);
    for (size_t e = 0; e < m->nnz_s; e++) { /* T = S G' (m x p) over S's nonzeros */
        const size_t i = m->s_i[e], k = m->s_k[e];
        const double v = w->Sm[i + k * n];
        if (v != 0.0)
            for (size_t r = 0; r < p; r++) T[i + r * n] += v * G[r + k * n];
    }
    for (size_t c = 0; c < p; c++) /* Sigma = G T, exactly symmetric */
        for (size_t r = c; r < p; r++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++) s += G[r + k * n] * T[k + c * n];
            w->sigma[r + c * p] = w->sigma[c + r * p] = s;
        }
    for (size_t h = 0; h < m->nh; h++) { /* the rows of H = B T that Delta reads */
        const size_t j = m->h_rows[h];
        for (size_t c = 0; c < p; c++) {
            double s = 0.0;
            for (size_t k = 0; k < n; k++) s += B[j + k * n] * T[k + c * n];
            w->H[j + c * n] = s;
        }
    }
    return 0;
}

void ks__sem_delta_col(const ks__sem_model *m, const ks__sem_work *w, size_t k, double *out)
{
    const ks__sem_row *row = &m->row[m->theta_row[k]];
    const size_t p = m->p, n = m->m;
    const double *G = w->B, *H = w->H; /* (G: B's first p rows) */
    size_t idx = 0;
    if (row->kind == KS__SEM_ROW_COV) {
        const size_t i = row->lhs, j = row->rhs;
        const double *gi = G + i * n, *gj = G + j * n;
        for (size_t c = 0; c < p; c++)
            for (size_t r = c; r < p; r++)
                out[idx++] = i == j ? gi[r] * gi[c] : gi[r] * gj[c] + gj[r] * gi[c];
        return;
    }
    /* A[i][j]: d Sigma = G[:, i] H[j, :] + its transpose */
    const size_t i = row->kind == KS__SEM_ROW_LOAD ? row->rhs : row->lhs;
    const size_t j = row->kind == KS__SEM_ROW_LOAD ? row->lhs : row->rhs;
    const double *gi = G + i * n;
    for (size_t c = 0; c < p; c++)
        for (size_t r = c; r < p; r++) out[idx++] = gi[r] * H[j + c * n] + gi[c] * H[j + r * n];
}
