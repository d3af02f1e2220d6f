/* feols_data.c — from a table and a parsed formula to the rows and columns a fit uses:
 * column lookup and type checks, NA / zero-weight removal, fixed-effect and cluster codes made
 * dense over the used rows, and iterative removal of fixed-effect singletons. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "feols_internal.h"

static int find_col(ks_ctx *ctx, const ks_table *t, const char *name, const char *role, size_t *j)
{
    if (ks_table_find(ctx, t, name, j) == KS_OK) return KS_OK;
    return ks__fail(ctx, KS_ENOTFOUND, "%s: column '%s' not found in the data", role, name);
}

/* A numeric column as doubles; `keep[i]` cleared where it is NA; Inf is an error. */
static int numeric_col(ks_ctx *ctx, const ks_table *t, const char *name, const char *role,
                       double *dst, unsigned char *keep)
{
    size_t j;
    int rc = find_col(ctx, t, name, role, &j);
    if (rc) return rc;
    if (ks_table_col_type(t, j) == KS_COL_STRING) {
        /* Name the first cell that is not a number: usually one bad value in a numeric column. */
        const size_t n = ks_table_nrow(t);
        for (size_t i = 0; i < n; i++) {
            const char *cell = ks_table_string(t, j, i);
            char *end;
            if (cell && (strtod(cell, &end), end == cell || *end))
                return ks__fail(ctx, KS_ETYPE,
                               "%s: column '%s' is text: data row %zu is '%s' (a category "
                               "belongs in the fixed effects: '| %s')",
                               role, name, i + 1, cell, name);
        }
        return ks__fail(ctx, KS_ETYPE, "%s: column '%s' is text", role, name);
    }
    if ((rc = ks_table_get_double(ctx, t, j, dst, ks_table_nrow(t)))) return rc;
    const size_t n = ks_table_nrow(t);
    size_t nna = 0;
    for (size_t i = 0; i < n; i++) {
        if (isnan(dst[i])) {
            keep[i] = 0;
            nna++;
        } else if (isinf(dst[i])) {
            return ks__fail(ctx, KS_ENUMERIC, "%s: column '%s' is %s at row %zu", role, name,
                           dst[i] > 0 ? "Inf" : "-Inf", i + 1);
        }
    }
    if (nna == n) return ks__fail(ctx, KS_EEMPTY, "%s: column '%s' is entirely NA", role, name);
    return KS_OK;
}

/* Codes for a combination of key columns ("a^b"); NA rows cleared in keep. */
static int key_codes(ks_ctx *ctx, const ks_table *t, const ks_term *term, const char *role,
                     int64_t *codes, size_t *nlevels, unsigned char *keep)
{
    size_t cols[16];
    if (term->nvars > 16)
        return ks__fail(ctx, KS_EINVAL, "%s: too many columns in '%s'", role, term->name);
    for (size_t v = 0; v < term->nvars; v++) {
        int rc = find_col(ctx, t, term->vars[v], role, &cols[v]);
        if (rc) return rc;
    }
    int rc = ks_table_factorize(ctx, t, cols, term->nvars, codes, ks_table_nrow(t), nlevels);
    if (rc) return rc;
    const size_t n = ks_table_nrow(t);
    size_t nna = 0;
    for (size_t i = 0; i < n; i++)
        if (codes[i] < 0) {
            keep[i] = 0;
            nna++;
        }
    if (nna == n) return ks__fail(ctx, KS_EEMPTY, "%s: '%s' is entirely NA", role, term->name);
    return KS_OK;
}

/* Dense int32 codes over the kept rows, in order of first appearance. */
static int densify(ks_ctx *ctx, const int64_t *codes, const size_t *rows, size_t n, size_t nraw,
                   int32_t *out, size_t *nlev) /* nraw: levels of the raw codes */
{
    int32_t *map = ks__malloc_array(ctx, nraw, sizeof *map);
    if (!map) return KS_ENOMEM;
    for (size_t i = 0; i < nraw; i++) map[i] = -1;
    int32_t next = 0;
    for (size_t r = 0; r < n; r++) {
        int64_t c = codes[rows[r]];
        if (map[c] < 0) map[c] = next++;
        out[r] = map[c];
    }
    ks__free(ctx, map);
    *nlev = (size_t)next;
    return KS_OK;
}

/* Remove observations alone in a level of any fixed effect, until there are none. Codes are
 * below their level counts; cnt saturates at 2. */
static int drop_singletons(ks_ctx *ctx, int64_t **fe, const size_t *nlev, size_t nfe, size_t nrow,
                           unsigned char *keep, size_t *dropped)
{
    *dropped = 0;
    if (nfe == 0) return KS_OK;
    size_t maxc = 0;
    for (size_t d = 0; d < nfe; d++) maxc = nlev[d] > maxc ? nlev[d] : maxc;
    uint8_t *cnt = ks__malloc(ctx, (size_t)maxc + 1);
    if (!cnt) return KS_ENOMEM;
    for (int changed = 1; changed;) {
        changed = 0;
        for (size_t d = 0; d < nfe; d++) {
            const int64_t *g = fe[d];
            memset(cnt, 0, (size_t)maxc + 1);
            for (size_t i = 0; i < nrow; i++)
                if (keep[i] && cnt[g[i]] < 2) cnt[g[i]]++;
            for (size_t i = 0; i < nrow; i++)
                if (keep[i] && cnt[g[i]] == 1) {
                    keep[i] = 0;
                    (*dropped)++;
                    changed = 1;
                }
        }
    }
    ks__free(ctx, cnt);
    return KS_OK;
}

void ks__feols_data_free(const ks_allocator *a, feols_data *d)
{
    ks__release(a, d->rows);
    ks__release(a, d->V);
    ks__release(a, d->w);
    for (size_t i = 0; d->fe && i < d->nfe; i++) ks__release(a, d->fe[i]);
    for (size_t i = 0; i <= KS_MAX_CLUSTER; i++) ks__release(a, d->cl[i]);
    ks__release(a, d->fe);
    ks__release(a, d->fe_levels);
    memset(d, 0, sizeof *d);
}

/* Raw per-row inputs, before the used rows are known. */
typedef struct {
    double *cols; /* nrow x nvar: y then each distinct regressor column */
    double *w;
    int64_t **fe, **cl;
    size_t *fe_lev, cl_lev[KS_MAX_CLUSTER]; /* levels of the raw codes */
} raw_inputs;

static int load_raw(ks_ctx *ctx, const ks_table *t, const ks_formula *f, const ks_feols_options *o,
                    const feols_cluster_spec *cs, unsigned char *keep, raw_inputs *raw,
                    size_t *n_zero_w)
{
    const size_t nrow = ks_table_nrow(t);
    int rc = numeric_col(ctx, t, f->y, "outcome", raw->cols, keep);
    for (size_t k = 0; !rc && k < f->nterms; k++) {
        double *dst = raw->cols + (k + 1) * nrow, *tmp = NULL;
        for (size_t v = 0; !rc && v < f->terms[k].nvars; v++) {
            double *into = v == 0 ? dst : (tmp ? tmp : (tmp = ks__malloc_array(ctx, nrow, 8)));
            if (!into) {
                rc = KS_ENOMEM;
                break;
            }
            rc = numeric_col(ctx, t, f->terms[k].vars[v], "regressor", into, keep);
            if (!rc && v > 0)
                for (size_t i = 0; i < nrow; i++) dst[i] *= tmp[i];
        }
        ks__free(ctx, tmp);
    }
    if (!rc && o->weights) {
        rc = numeric_col(ctx, t, o->weights, "weights", raw->w, keep);
        for (size_t i = 0; !rc && i < nrow; i++) {
            if (keep[i] && raw->w[i] < 0)
                rc = ks__fail(ctx, KS_EINVAL, "weights: column '%s' is negative (%g) at row %zu",
                             o->weights, raw->w[i], i + 1);
            else if (keep[i] && raw->w[i] == 0) {
                keep[i] = 0;
                (*n_zero_w)++;
            }
        }
    }
    for (size_t d = 0; !rc && d < f->nfe; d++)
        rc = key_codes(ctx, t, &f->fe[d], "fixed effect", raw->fe[d], &raw->fe_lev[d], keep);
    for (size_t c = 0; !rc && c < cs->n; c++) {
        size_t same = f->nfe; /* clustering by a fixed effect reuses its codes */
        for (size_t d = 0; d < f->nfe; d++)
            if (!strcmp(f->fe[d].name, cs->terms[c].name)) same = d;
        if (same < f->nfe) {
            memcpy(raw->cl[c], raw->fe[same], nrow * sizeof *raw->cl[c]);
            raw->cl_lev[c] = raw->fe_lev[same];
        } else {
            rc = key_codes(ctx, t, &cs->terms[c], "cluster", raw->cl[c], &raw->cl_lev[c], keep);
        }
    }
    return rc;
}

int ks__feols_data_build(ks_ctx *ctx, const ks_table *t, const ks_formula *f,
                        const ks_feols_options *o, const feols_cluster_spec *cs, feols_data *d)
{
    memset(d, 0, sizeof *d);
    const size_t nrow = ks_table_nrow(t), nvar = 1 + f->nterms;
    unsigned char *keep = ks__malloc(ctx, nrow ? nrow : 1);
    raw_inputs raw = {0};
    raw.cols = ks__malloc_array(ctx, nrow, nvar * sizeof(double));
    raw.fe = ks__calloc(ctx, f->nfe + 1, sizeof *raw.fe);
    raw.fe_lev = ks__calloc(ctx, f->nfe + 1, sizeof *raw.fe_lev);
    raw.cl = ks__calloc(ctx, cs->n + 1, sizeof *raw.cl);
    if (o->weights) raw.w = ks__malloc_array(ctx, nrow, sizeof *raw.w);
    int rc = (!keep || !raw.cols || !raw.fe || !raw.fe_lev || !raw.cl || (o->weights && !raw.w))
                 ? KS_ENOMEM
                 : 0;
    for (size_t i = 0; !rc && i < f->nfe; i++)
        if (!(raw.fe[i] = ks__malloc_array(ctx, nrow, sizeof(int64_t)))) rc = KS_ENOMEM;
    for (size_t i = 0; !rc && i < cs->n; i++)
        if (!(raw.cl[i] = ks__malloc_array(ctx, nrow, sizeof(int64_t)))) rc = KS_ENOMEM;
    if (rc) goto done;
    memset(keep, 1, nrow);
    if ((rc = load_raw(ctx, t, f, o, cs, keep, &raw, &d->n_zero_weight))) goto done;
    for (size_t i = 0; i < nrow; i++) d->n_na += !keep[i];
    d->n_na -= d->n_zero_weight;
    if (o->drop_singletons &&
        (rc = drop_singletons(ctx, raw.fe, raw.fe_lev, f->nfe, nrow, keep, &d->n_singletons)))
        goto done;

    size_t n = 0;
    for (size_t i = 0; i < nrow; i++) n += keep[i];
    if (n == 0) {
        rc = ks__fail(ctx, KS_EEMPTY, "no observations left after removing NA%s",
                     f->nfe ? " and singletons" : "");
        goto done;
    }
    d->n = n;
    d->nrow = nrow;
    d->nvar = nvar;
    d->nfe = f->nfe;
    d->ncl = cs->n;
    d->rows = ks__malloc_array(ctx, n, sizeof *d->rows);
    /* With every row used, the columns as loaded are the design: no second copy. */
    if (n == nrow) {
        d->V = raw.cols;
        raw.cols = NULL;
    } else {
        d->V = ks__malloc_array(ctx, n, nvar * sizeof *d->V);
    }
    d->fe = ks__calloc(ctx, f->nfe + 1, sizeof *d->fe);
    d->fe_levels = ks__calloc(ctx, f->nfe + 1, sizeof *d->fe_levels);
    if (o->weights) d->w = ks__malloc_array(ctx, n, sizeof *d->w);
    if (!d->rows || !d->V || !d->fe || !d->fe_levels || (o->weights && !d->w)) {
        rc = KS_ENOMEM;
        goto done;
    }
    for (size_t i = 0, r = 0; i < nrow; i++)
        if (keep[i]) d->rows[r++] = i;
    for (size_t c = 0; raw.cols && c < nvar; c++)
        for (size_t r = 0; r < n; r++) d->V[r + c * n] = raw.cols[d->rows[r] + c * nrow];
    if (d->w)
        for (size_t r = 0; r < n; r++) d->w[r] = raw.w[d->rows[r]];
    for (size_t k = 0; !rc && k < f->nfe; k++) {
        if (!(d->fe[k] = ks__malloc_array(ctx, n, sizeof(int32_t))))
            rc = KS_ENOMEM;
        else
            rc = densify(ctx, raw.fe[k], d->rows, n, raw.fe_lev[k], d->fe[k], &d->fe_levels[k]);
    }
    for (size_t c = 0; !rc && c < cs->n; c++) {
        if (!(d->cl[c] = ks__malloc_array(ctx, n, sizeof(int32_t))))
            rc = KS_ENOMEM;
        else
            rc = densify(ctx, raw.cl[c], d->rows, n, raw.cl_lev[c], d->cl[c], &d->cl_levels[c]);
    }
done:
    ks__free(ctx, keep);
    ks__free(ctx, raw.cols);
    ks__free(ctx, raw.w);
    for (size_t i = 0; raw.fe && i < f->nfe; i++) ks__free(ctx, raw.fe[i]);
    for (size_t i = 0; raw.cl && i < cs->n; i++) ks__free(ctx, raw.cl[i]);
    ks__free(ctx, raw.fe);
    ks__free(ctx, raw.fe_lev);
    ks__free(ctx, raw.cl);
    if (rc) ks__feols_data_free(&ctx->alloc, d);
    return rc;
}
