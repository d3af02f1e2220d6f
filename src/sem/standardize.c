/* standardize.c — lavaan 0.6-14's standardized solutions (lav_standardize_lv, _all, _all_nox,
 * cov.std = TRUE) for one block, and their delta-method standard errors. Each row's standardized
 * value is its estimate times a few powers of total variances (v^(1/2), v^(-1/2), v^(-1)) and of
 * residual variance estimates (|est|^(-1/2)); the same list of factors gives the value and, by
 * the product rule, its gradient by the free parameters. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "kestrel/linalg.h"
#include "sem/fit_measures.h"

/* One factor of a row: (variance k)^pow, or (|est of row k|)^pow when of_row. */
typedef struct {
    size_t k;
    double pow;
    int of_row;
} factor;

typedef struct {
    const ks__sem_std_input *in;
    ks__sem_std_type type;
    const size_t *var_row; /* nov + nlv: the row of each variable's variance, or SIZE_MAX */
} ctxs;

/* The variable's index (ov then lv), or SIZE_MAX. */
static size_t var_index(const ks__sem_partable *t, const char *name)
{
    for (size_t i = 0; i < t->nov; i++)
        if (strcmp(t->ov[i], name) == 0) return i;
    for (size_t i = 0; i < t->nlv; i++)
        if (strcmp(t->lv[i], name) == 0) return t->nov + i;
    return SIZE_MAX;
}

static int is_cov_x(const ks__sem_std_input *in, size_t v)
{
    for (size_t k = 0; k < in->nx; k++)
        if (in->x_idx[k] == v) return 1;
    return 0;
}

/* The factors of row r (at most 4), as lavaan's rules apply them: the latent step for every
 * type, the observed step for std.all and std.nox (which leaves the covariates alone). */
static size_t row_factors(const ctxs *c, size_t r, factor *f)
{
    const ks__sem_partable *t = c->in->table;
    const ks__sem_par *p = &t->par[r];
    const size_t nov = t->nov, L = var_index(t, p->lhs), R = var_index(t, p->rhs);
    const int l_lv = L != SIZE_MAX && L >= nov, r_lv = R != SIZE_MAX && R >= nov;
    const int l_ov = L != SIZE_MAX && L < nov, r_ov = R != SIZE_MAX && R < nov;
    const int obs = c->type != KS__SEM_STD_LV, nox = c->type == KS__SEM_STD_NOX;
    const int l_std = l_ov && obs && !(nox && is_cov_x(c->in, L));
    const int r_std = r_ov && obs && !(nox && is_cov_x(c->in, R));
    size_t n = 0;
#define ADD(idx, pw, row)                                                                          \
    f[n++] = (factor) { (idx), (pw), (row) }
    if (strcmp(p->op, "=~") == 0) {
        if (l_lv) ADD(L, 0.5, 0);
        if (r_lv) ADD(R, -0.5, 0);
        if (r_ov && obs) ADD(R, -0.5, 0);
    } else if (strcmp(p->op, "~") == 0 || strcmp(p->op, "<~") == 0) {
        if (l_lv) ADD(L, -0.5, 0);
        if (r_lv) ADD(R, 0.5, 0);
        if (l_ov && obs) ADD(L, -0.5, 0);
        if (r_std) ADD(R, 0.5, 0);
    } else if (strcmp(p->op, "~~") == 0) {
        if (L == R) {
            if (l_lv || l_std) ADD(L, -1.0, 0);
        } else {
            /* each side by the square root of its own variance estimate */
            if (l_lv || l_std) ADD(c->var_row[L], -0.5, 1);
            if (r_lv || r_std) ADD(c->var_row[R], -0.5, 1);
        }
    } else if (strcmp(p->op, "~1") == 0) {
        if (l_lv || l_std) ADD(L, -0.5, 0);
    }
#undef ADD
    return n;
}

/* lavaan's variances as it uses them: NA for a latent total variance below 0, for an observed
 * one within eps of 0; a negative observed one is NA under a square root only. */
static double total_var(const ks__sem_std_input *in, size_t k, double pw)
{
    double v = in->var[k];
    if (k >= in->table->nov ? v < 0 : fabs(v) < DBL_EPSILON) return NAN;
    if (pw != -1.0 && v < 0) return NAN;
    return v;
}

int ks__sem_standardize(ks_ctx *ctx, const ks__sem_std_input *in, ks__sem_std_type type,
                        double *est_std, double *theta_std, double *jac)
{
    if (!in || !in->table || !in->est || !in->var)
        return ks__fail(ctx, KS_EINVAL, "standardize: missing input");
    if (type < KS__SEM_STD_LV || type > KS__SEM_STD_NOX)
        return ks__fail(ctx, KS_EINVAL, "standardize: unknown type %d", (int)type);
    const ks__sem_partable *t = in->table;
    const size_t nvar = t->nov + t->nlv, nfree = t->nfree;
    for (size_t k = 0; k < in->nx; k++)
        if (in->x_idx[k] >= t->nov)
            return ks__fail(ctx, KS_EINVAL, "standardize: covariate index %zu of %zu variables",
                            in->x_idx[k], t->nov);
    size_t *var_row = ks__malloc_array(ctx, nvar + 1, sizeof *var_row);
    if (!var_row) return KS_ENOMEM;
    for (size_t i = 0; i < nvar; i++) var_row[i] = SIZE_MAX;
    for (size_t r = 0; r < t->npar; r++) {
        const ks__sem_par *p = &t->par[r];
        if (p->block > 1) {
            ks__free(ctx, var_row);
            return ks__fail(ctx, KS_EINVAL, "standardize: one group only (row %zu is in block %d)",
                            r + 1, p->block);
        }
        if (strcmp(p->op, "~~") == 0 && strcmp(p->lhs, p->rhs) == 0) {
            const size_t v = var_index(t, p->lhs);
            if (v != SIZE_MAX && var_row[v] == SIZE_MAX) var_row[v] = r;
        }
    }
    const ctxs c = {in, type, var_row};
    if (theta_std)
        for (size_t k = 0; k < nfree; k++) theta_std[k] = NAN;
    const int want_jac = jac && in->dvar;
    for (size_t r = 0; r < t->npar; r++) {
        const ks__sem_par *p = &t->par[r];
        const int constraint = strcmp(p->op, ":=") == 0 || strcmp(p->op, "==") == 0 ||
                               strcmp(p->op, "<") == 0 || strcmp(p->op, ">") == 0;
        if (want_jac)
            for (size_t k = 0; k < nfree; k++) jac[k * t->npar + r] = constraint ? NAN : 0.0;
        if (constraint) {
            est_std[r] = NAN;
            continue;
        }
        factor f[4];
        const size_t n = row_factors(&c, r, f);
        double g = 1.0;
        for (size_t i = 0; i < n; i++) {
            double u;
            if (f[i].of_row)
                u = f[i].k == SIZE_MAX ? NAN : fabs(in->est[f[i].k]);
            else
                u = total_var(in, f[i].k, f[i].pow);
            g *= f[i].pow == -1.0 ? 1.0 / u : f[i].pow == 0.5 ? sqrt(u) : 1.0 / sqrt(u);
        }
        const double e = in->est[r], v = e * g;
        est_std[r] = v;
        if (theta_std && p->free > 0 && isnan(theta_std[p->free - 1])) theta_std[p->free - 1] = v;
        if (!want_jac) continue;
        /* d (e g) = g de + e g sum_i pow_i du_i / u_i */
        if (p->free > 0) jac[(size_t)(p->free - 1) * t->npar + r] += g;
        for (size_t i = 0; i < n; i++) {
            if (f[i].of_row) {
                const ks__sem_par *q = f[i].k == SIZE_MAX ? NULL : &t->par[f[i].k];
                if (!q || q->free <= 0) continue;
                const double u = in->est[f[i].k];
                jac[(size_t)(q->free - 1) * t->npar + r] += v * f[i].pow / u;
            } else {
                const double u = in->var[f[i].k];
                for (size_t k = 0; k < nfree; k++)
                    jac[k * t->npar + r] += v * f[i].pow * in->dvar[k * nvar + f[i].k] / u;
            }
        }
    }
    ks__free(ctx, var_row);
    return KS_OK;
}

void ks__sem_std_se(size_t nrow, size_t nfree, const double *J, const double *V, double *se)
{
    const double small = pow(DBL_EPSILON, 0.25);
    for (size_t r = 0; r < nrow; r++) {
        double s = 0.0;
        for (size_t a = 0; a < nfree; a++) {
            const double ja = J[a * nrow + r];
            if (ja == 0.0) continue;
            for (size_t b = 0; b < nfree; b++) s += ja * V[b * nfree + a] * J[b * nrow + r];
        }
        const double x = s < 0 ? NAN : sqrt(s);
        se[r] = x < small ? 0.0 : x;
    }
}

void ks__sem_std_infer(double est_std, double se, double level, double *z, double *p, double *lo,
                       double *hi)
{
    *z = se == 0.0 ? NAN : est_std / se;
    *p = 2.0 * (1.0 - ks_normal_cdf(fabs(*z)));
    const double a = (1.0 - level) / 2.0;
    *lo = est_std + se * ks_normal_quantile(a);
    *hi = est_std + se * ks_normal_quantile(1.0 - a);
}
