/* conley_fit.c — the regression with the Conley variance (did_conley.h): ks_feols_fit for the
 * coefficients and the t tests' degrees of freedom, its design (fixed effects partialled out,
 * Frisch-Waugh-Lovell) for the scores, and the sandwich (X'X)^-1 M (X'X)^-1 over the terms kept
 * (those dropped as collinear get NaN). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "did/did_internal.h"
#include "kestrel/did_conley.h"
#include "kestrel/regress.h"

struct ks_did_conley {
    ks_allocator alloc;
    ks_did_conley_view v;
    ks_feols *fit; /* owns the names and coefficients */
    double *se, *vcov;
};

typedef struct {
    double x;
    const char *s;
    size_t i;
} period_value;

static int period_num_cmp(const void *a, const void *b)
{
    const double x = ((const period_value *)a)->x, y = ((const period_value *)b)->x;
    return (x > y) - (x < y);
}

static int period_str_cmp(const void *a, const void *b)
{
    return strcmp(((const period_value *)a)->s, ((const period_value *)b)->s);
}

/* Column `name` at the design's rows as codes: time order (sorted values, dense ranks) when
 * `sorted`, else order of first appearance. NA at a used row is an error naming the column. */
static int column_codes(ks_ctx *ctx, const ks_table *t, const char *what, const char *name,
                        const size_t *rows, size_t n, int sorted, int64_t *out)
{
    size_t j;
    int rc = ks_table_find(ctx, t, name, &j);
    if (rc) return ks__fail(ctx, rc, "%s: column '%s' not found", what, name);
    const size_t N = ks_table_nrow(t);
    if (!sorted) {
        int64_t *all = ks__malloc_array(ctx, N ? N : 1, sizeof *all);
        size_t nlev;
        if (!all) return KS_ENOMEM;
        if (!(rc = ks_table_factorize(ctx, t, &j, 1, all, N, &nlev)))
            for (size_t i = 0; i < n; i++)
                if ((out[i] = all[rows[i]]) < 0) {
                    rc = ks__fail(ctx, KS_EINVAL, "%s: column '%s' is NA in row %zu", what, name,
                                  rows[i]);
                    break;
                }
        ks__free(ctx, all);
        return rc;
    }
    period_value *v = ks__malloc_array(ctx, n ? n : 1, sizeof *v);
    double *num = NULL;
    if (!v) return KS_ENOMEM;
    const int text = ks_table_col_type(t, j) == KS_COL_STRING;
    if (!text && !(num = ks__malloc_array(ctx, N ? N : 1, sizeof *num))) rc = KS_ENOMEM;
    if (!rc && !text) rc = ks_table_get_double(ctx, t, j, num, N);
    for (size_t i = 0; !rc && i < n; i++) {
        v[i] = (period_value){text ? 0.0 : num[rows[i]],
                              text ? ks_table_string(t, j, rows[i]) : NULL, i};
        if (text ? !v[i].s : isnan(v[i].x))
            rc = ks__fail(ctx, KS_EINVAL, "%s: column '%s' is NA in row %zu", what, name, rows[i]);
    }
    if (!rc) {
        int (*cmp)(const void *, const void *) = text ? period_str_cmp : period_num_cmp;
        qsort(v, n, sizeof *v, cmp);
        int64_t code = -1;
        for (size_t r = 0; r < n; r++) {
            if (r == 0 || cmp(&v[r - 1], &v[r])) code++;
            out[v[r].i] = code;
        }
    }
    ks__free(ctx, num);
    ks__free(ctx, v);
    return rc;
}

/* Column `name` at the design's rows as doubles (a coordinate). */
static int column_values(ks_ctx *ctx, const ks_table *t, const char *name, const size_t *rows,
                         size_t n, double *out)
{
    size_t j;
    int rc = ks_table_find(ctx, t, name, &j);
    if (rc) return ks__fail(ctx, rc, "conley_coords: column '%s' not found", name);
    const size_t N = ks_table_nrow(t);
    double *all = ks__malloc_array(ctx, N ? N : 1, sizeof *all);
    if (!all) return KS_ENOMEM;
    if ((rc = ks_table_get_double(ctx, t, j, all, N)))
        rc = ks__fail(ctx, rc, "conley_coords: column '%s' is not numeric", name);
    for (size_t i = 0; !rc && i < n; i++)
        if (!isfinite(out[i] = all[rows[i]]))
            rc = ks__fail(ctx, KS_EINVAL, "conley_coords: column '%s' is not finite in row %zu",
                          name, rows[i]);
    ks__free(ctx, all);
    return rc;
}

int ks_did_conley_fit(ks_ctx *ctx, const ks_table *t, const char *formula,
                      const ks_did_conley_options *opt, ks_did_conley **res)
{
    if (!res || !t || !formula || !opt) return ks__fail(ctx, KS_EINVAL, "conley: NULL argument");
    *res = NULL;
    if (!opt->lat || !opt->lon)
        return ks__fail(ctx, KS_EINVAL, "conley_coords: two coordinate columns are required");
    if (opt->conley.lag_cutoff > 0 && (!opt->time || !opt->unit))
        return ks__fail(ctx, KS_EINVAL,
                        "conley_lag_cutoff: %d needs the time and unit columns (the serial part "
                        "is within units)",
                        opt->conley.lag_cutoff);
    ks_did_conley *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    ks_feols_options fo = KS_FEOLS_OPTIONS_INIT;
    fo.vcov = KS_VCOV_HC1; /* df_t = n - K, the fixed-effect levels counted */
    ks_feols_design *design = NULL;
    double *c1 = NULL, *c2 = NULL, *S = NULL, *bread = NULL, *meat = NULL, *tmp = NULL;
    int64_t *period = NULL, *unit = NULL, *cluster = NULL;
    size_t *col = NULL;
    int rc;
    if ((rc = ks_feols_fit(ctx, t, formula, &fo, &r->fit))) goto done;
    if ((rc = ks_feols_design_build(ctx, t, formula, &fo, &design))) goto done;
    ks_feols_view fv;
    ks_feols_get(r->fit, &fv);
    ks_feols_design_view W;
    ks_feols_design_get(design, &W);
    const size_t n = W.n, K = fv.ncoef;
    if (!(col = ks__malloc_array(ctx, K ? K : 1, sizeof *col))) {
        rc = KS_ENOMEM;
        goto done;
    }
    size_t k = 0;
    for (size_t c = 0; c < K; c++)
        if (!fv.collinear[c]) col[k++] = c;
    c1 = ks__malloc_array(ctx, n ? n : 1, sizeof *c1);
    c2 = ks__malloc_array(ctx, n ? n : 1, sizeof *c2);
    S = ks__malloc_array(ctx, n ? n : 1, (k ? k : 1) * sizeof *S);
    const size_t kk = k ? k * k : 1, KK = K ? K * K : 1;
    bread = ks__calloc(ctx, kk, sizeof *bread);
    meat = ks__malloc_array(ctx, kk, sizeof *meat);
    tmp = ks__malloc_array(ctx, kk, sizeof *tmp);
    r->se = ks__malloc_array(ctx, K ? K : 1, sizeof *r->se);
    r->vcov = ks__malloc_array(ctx, KK, sizeof *r->vcov);
    if (opt->time) period = ks__malloc_array(ctx, n ? n : 1, sizeof *period);
    if (opt->unit) unit = ks__malloc_array(ctx, n ? n : 1, sizeof *unit);
    if (opt->cluster) cluster = ks__malloc_array(ctx, n ? n : 1, sizeof *cluster);
    if (!c1 || !c2 || !S || !bread || !meat || !tmp || !r->se || !r->vcov ||
        (opt->time && !period) || (opt->unit && !unit) || (opt->cluster && !cluster)) {
        rc = KS_ENOMEM;
        goto done;
    }
    if ((rc = column_values(ctx, t, opt->lat, W.rows, n, c1)) ||
        (rc = column_values(ctx, t, opt->lon, W.rows, n, c2)))
        goto done;
    if (opt->time && (rc = column_codes(ctx, t, "time", opt->time, W.rows, n, 1, period)))
        goto done;
    if (opt->unit && (rc = column_codes(ctx, t, "unit", opt->unit, W.rows, n, 0, unit))) goto done;
    if (opt->cluster && (rc = column_codes(ctx, t, "cluster", opt->cluster, W.rows, n, 0, cluster)))
        goto done;
    /* scores s_i = x_i e_i on the kept columns; the bread X'X */
    for (size_t l = 0; l < k; l++) {
        const double *x = W.X + col[l] * n;
        for (size_t i = 0; i < n; i++) S[i + l * n] = x[i] * fv.resid[W.rows[i]];
        for (size_t m = 0; m <= l; m++) {
            const double *z = W.X + col[m] * n;
            double s = 0.0;
            for (size_t i = 0; i < n; i++) s += x[i] * z[i];
            bread[l + m * k] = bread[m + l * k] = s;
        }
    }
    if ((rc = ks_conley_meat(ctx, n, k, S, c1, c2, period, unit, cluster, &opt->conley, meat,
                             &r->v.npairs)))
        goto done;
    /* one BLAS thread: a threaded Cholesky rounds differently by thread count (and k is small) */
    ks__blas_set_threads(1);
    rc = k ? ks_spd_inverse(ctx, k, bread, 0.0) : KS_OK;
    ks__blas_set_threads(ctx->nthreads);
    if (rc) goto done;
    /* V = B M B on the kept terms, NaN for the dropped */
    for (size_t l = 0; l < k; l++)
        for (size_t m = 0; m < k; m++) {
            double s = 0.0;
            for (size_t q = 0; q < k; q++) s += meat[m + q * k] * bread[q + l * k];
            tmp[m + l * k] = s;
        }
    for (size_t c = 0; c < K * K; c++) r->vcov[c] = NAN;
    for (size_t c = 0; c < K; c++) r->se[c] = NAN;
    for (size_t l = 0; l < k; l++)
        for (size_t m = 0; m < k; m++) {
            double s = 0.0;
            for (size_t q = 0; q < k; q++) s += bread[m + q * k] * tmp[q + l * k];
            r->vcov[col[m] + col[l] * K] = s;
        }
    for (size_t l = 0; l < k; l++) {
        const double v = r->vcov[col[l] + col[l] * K];
        r->se[col[l]] = v >= 0 ? sqrt(v) : NAN;
    }
    r->v.ncoef = K;
    r->v.names = fv.names;
    r->v.coef = fv.coef;
    r->v.se = r->se;
    r->v.vcov = r->vcov;
    r->v.df = fv.df_t;
    r->v.nobs = n;
done:
    ks__free(ctx, c1);
    ks__free(ctx, c2);
    ks__free(ctx, S);
    ks__free(ctx, bread);
    ks__free(ctx, meat);
    ks__free(ctx, tmp);
    ks__free(ctx, period);
    ks__free(ctx, unit);
    ks__free(ctx, cluster);
    ks__free(ctx, col);
    ks_feols_design_free(design);
    if (rc)
        ks_did_conley_free(r);
    else
        *res = r;
    return rc;
}

void ks_did_conley_get(const ks_did_conley *r, ks_did_conley_view *out) { *out = r->v; }

void ks_did_conley_free(ks_did_conley *r)
{
    if (!r) return;
    ks_feols_free(r->fit);
    ks__release(&r->alloc, r->se);
    ks__release(&r->alloc, r->vcov);
    ks__release(&r->alloc, r);
}
