/* cs.c — Callaway & Sant'Anna group-time effects as R did's att_gt computes them: for each
 * treated cohort g and period t one 2x2 comparison of the cohort with its control group between
 * t and a base period, its influence function rescaled to the whole sample (n / m), standard
 * errors from the influence functions (or the multiplier bootstrap), and the Wald pre-test of
 * the pre-treatment cells.
 *
 * Cells are independent and computed in parallel; each writes only its own column, so results do
 * not depend on the thread count. A cell whose 2x2 estimate fails numerically (no controls,
 * overlap violated, collinear covariates) is NaN with a warning, as R's cell is NA. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#include "did/did_internal.h"
#include "kestrel/linalg.h"
#include "linalg/linalg_internal.h"

static const ks__enum_entry control_names[] = {{"never_treated", KS_DID_NEVER_TREATED},
                                               {"not_yet_treated", KS_DID_NOT_YET_TREATED},
                                               {"nevertreated", KS_DID_NEVER_TREATED},
                                               {"notyettreated", KS_DID_NOT_YET_TREATED}};
KS__ENUM_FUNCS(ks_did_control, ks_did_control, "control group", control_names)
static const ks__enum_entry method_names[] = {
    {"dr", KS_DID_DR}, {"ipw", KS_DID_IPW}, {"reg", KS_DID_REG}};
KS__ENUM_FUNCS(ks_did_method, ks_did_method, "estimation method", method_names)
static const ks__enum_entry base_names[] = {{"varying", KS_DID_BASE_VARYING},
                                            {"universal", KS_DID_BASE_UNIVERSAL}};
KS__ENUM_FUNCS(ks_did_base, ks_did_base, "base period", base_names)
static const ks__enum_entry boot_names[] = {{"rademacher", KS_DID_BOOT_RADEMACHER},
                                            {"mammen", KS_DID_BOOT_MAMMEN},
                                            {"webb", KS_DID_BOOT_WEBB}};
KS__ENUM_FUNCS(ks_did_boot_weights, ks_did_boot_weights, "bootstrap weights", boot_names)

#define SE_TINY (1.4901161193847656e-08 * 10) /* sqrt(.Machine$double.eps) * 10 */

typedef ks_did_cell_plan cell_plan;

/* The last period index s with tval[s] + anticipation < g, or SIZE_MAX. */
static size_t pre_period(const ks_did_panel *p, double g, double antic)
{
    size_t s = SIZE_MAX;
    for (size_t j = 0; j < p->T; j++)
        if (p->tval[j] + antic < g) s = j;
    return s;
}

double ks__did_if_se(const double *IF, size_t n, const int32_t *cluster, size_t ncluster,
                    double *scratch)
{
    double ss = 0.0;
    if (cluster) {
        memset(scratch, 0, ncluster * sizeof *scratch);
        for (size_t i = 0; i < n; i++) scratch[cluster[i]] += IF[i];
        for (size_t c = 0; c < ncluster; c++) ss += scratch[c] * scratch[c];
    } else {
        for (size_t i = 0; i < n; i++) ss += IF[i] * IF[i];
    }
    const double se = sqrt(ss) / (double)n;
    return se > SE_TINY ? se : NAN; /* NaN stays NaN */
}

void ks__did_cs_if_axpy(const ks_did_cs *r, size_t c, double w, double *out)
{
    const ks_did_cell_units *u = &r->units[c];
    const double *v = r->ifval + r->ifoff[c];
    for (size_t q = 0; q < u->nr; q++)
        for (size_t i = u->lo[q]; i < u->hi[q]; i++) out[i] += w * *v++;
}

void ks__did_cs_if_dense(const ks_did_cs *r, const size_t *cells, size_t m, double *out)
{
    memset(out, 0, r->n * m * sizeof *out);
    for (size_t j = 0; j < m; j++) ks__did_cs_if_axpy(r, cells[j], 1.0, out + j * r->n);
}

/* The units a cell compares: its cohort, then the never treated (plus, with not-yet-treated
 * controls, every cohort first treated after the later period + anticipation, except its
 * own). Units are sorted by cohort, so the later cohorts are one range, less the cell's own. */
static void cell_units(const ks_did_panel *p, const ks_did_cs_options *opt, const cell_plan *cp,
                       ks_did_cell_units *u)
{
    size_t lo, hi;
    u->nr = 0;
    if (cp->zero) return;
    ks__did_cohort_range(p, cp->g, &lo, &hi);
    u->lo[0] = lo;
    u->hi[0] = hi;
    u->nr = 1;
    size_t a[2], b[2], na = 0; /* control ranges before removing the cell's cohort */
    if (p->ncoh > 0 && p->coh[0] == 0.0 && p->coh_start[1] > 0) {
        a[na] = 0;
        b[na++] = p->coh_start[1];
    }
    if (opt->control_group == KS_DID_NOT_YET_TREATED) {
        const size_t late = cp->cur > cp->base ? cp->cur : cp->base;
        const double threshold = p->tval[late] + opt->anticipation;
        size_t c = 0;
        while (c < p->ncoh && !(p->coh[c] > threshold && p->coh[c] > 0.0)) c++;
        if (p->coh_start[c] < p->n) {
            if (na && b[0] == p->coh_start[c])
                b[0] = p->n; /* contiguous with the never treated */
            else
                a[na] = p->coh_start[c], b[na++] = p->n;
        }
    }
    for (size_t j = 0; j < na; j++) {
        const size_t pieces[2][2] = {{a[j], lo < b[j] && hi > a[j] ? lo : b[j]},
                                     {lo < b[j] && hi > a[j] ? hi : b[j], b[j]}};
        for (size_t q = 0; q < 2; q++)
            if (pieces[q][1] > pieces[q][0]) {
                u->lo[u->nr] = pieces[q][0];
                u->hi[u->nr++] = pieces[q][1];
            }
    }
}

static size_t units_count(const ks_did_cell_units *u)
{
    size_t m = 0;
    for (size_t q = 0; q < u->nr; q++) m += u->hi[q] - u->lo[q];
    return m;
}

/* Scratch of one thread for one cell's 2x2 comparison. */
typedef struct {
    double *dy, *D, *X, *w, *inf;
} cell_work;

/* Estimate one cell on its units: att, and its influence function (scaled by n / m) into
 * ifv. Returns a status; on failure the message is in lctx. */
static int fit_cell(ks_ctx *lctx, const ks_did_panel *p, const ks_did_cs_options *opt,
                    const cell_plan *cp, const ks_did_cell_units *u, cell_work *wk, double *att,
                    double *ifv, size_t *ntr, size_t *nco, size_t *n_near_one, int *fell_back)
{
    const size_t n = p->n, k = p->k;
    const size_t early = cp->cur < cp->base ? cp->cur : cp->base;
    const double *ycur = p->y + cp->cur * n, *ybase = p->y + cp->base * n;
    const double *ws = p->w ? p->w + early * n : NULL;
    size_t m = 0;
    for (size_t q = 0; q < u->nr; q++) {
        const size_t m0 = m;
        for (size_t i = u->lo[q]; i < u->hi[q]; i++, m++) wk->dy[m] = ycur[i] - ybase[i];
        if (k > 1)
            for (size_t j = m0; j < m; j++) wk->D[j] = q == 0 ? 1.0 : 0.0;
        if (ws) memcpy(wk->w + m - (u->hi[q] - u->lo[q]), ws + u->lo[q],
                       (u->hi[q] - u->lo[q]) * sizeof *ws);
    }
    *ntr = u->hi[0] - u->lo[0];
    *nco = m - *ntr;
    if (*ntr == 0) return ks__fail(lctx, KS_ENUMERIC, "no units in the cohort");
    if (*nco == 0) return ks__fail(lctx, KS_ENUMERIC, "no control units");
    if (p->x) {
        const double *xs = p->x + early * n * k;
        for (size_t j = 0; j < k; j++) {
            double *dst = wk->X + j * m;
            for (size_t q = 0; q < u->nr; q++) {
                const size_t len = u->hi[q] - u->lo[q];
                memcpy(dst, xs + j * n + u->lo[q], len * sizeof *dst);
                dst += len;
            }
        }
    }
    ks_did_2x2 in = {m,
                     k,
                     wk->dy,
                     wk->D,
                     p->x ? wk->X : NULL,
                     ws ? wk->w : NULL,
                     *ntr,
                     NULL,
                     n_near_one,
                     opt->pscore_trim,
                     opt->pscore_fallback,
                     fell_back,
                     NULL,
                     NULL,
                     0, /* R did's overlap guard on */
                     NULL};
    int rc = ks__did_2x2_fit(lctx, opt->method, &in, att, ifv);
    if (rc) return rc;
    if (!isfinite(*att)) return ks__fail(lctx, KS_ENUMERIC, "the estimate is not finite");
    const double scale = (double)n / (double)m;
    for (size_t r = 0; r < m; r++) ifv[r] *= scale;
    return KS_OK;
}

/* Limited overlap, said once for the fit: R's DRDID gives the controls with a propensity score
 * >= 0.995 no weight without a word, and those near it dominate the reweighted comparison. */
static void log_near_one(ks_ctx *ctx, const size_t *near, size_t nc)
{
    size_t total = 0, cells = 0;
    for (size_t c = 0; c < nc; c++) {
        total += near[c];
        cells += near[c] > 0;
    }
    if (total)
        ks__log(ctx, KS_LOG_WARN,
               "propensity scores near 1 (limited overlap): %zu control units in %zu of %zu cells "
               "have p >= %g; their weights p / (1 - p) are large, and those with p >= 0.995 "
               "get no weight (R DRDID's trimming)",
               total, cells, nc, PS_NEAR_ONE);
}

/* The cells whose propensity logit gave way to the unconditional score, said once. */
static void log_fallback(ks_ctx *ctx, const ks_did_cs *r, const int *fell_back, size_t nc)
{
    size_t cells = 0, first = 0;
    for (size_t c = nc; c-- > 0;)
        if (fell_back[c]) {
            cells++;
            first = c;
        }
    if (cells)
        ks__log(ctx, KS_LOG_WARN,
                "pscore_fallback: the propensity score could not be estimated in %zu of %zu "
                "cells (first: ATT(g=%g, t=%g)); they use the unconditional score (the share "
                "treated, no covariates in the propensity model)",
                cells, nc, r->group[first], r->time[first]);
}

/* Groups too small for R did (its pre_process_did2.R): a warning for every group with fewer
 * units than the covariates + 5, and an error when that group is the never treated and they
 * are the comparison group:
 *     gsize <- data[, .N / length(tlist), by = get(args$gname)]
 *     reqsize <- length(BMisc::rhs_vars(args$xformla)) + 5
 *     gsize <- gsize[V1 < reqsize]
 *     ... if ((Inf %in% small_groups) & (args$control_group == "nevertreated")) stop(...)
 * The size is rows / periods, the units of a balanced panel; L: the long data, or NULL. */
static int check_group_sizes(ks_ctx *ctx, const ks_did_panel *p, const ks_did_long *L,
                             const ks_did_cs_options *opt)
{
    size_t ncov = 0;
    while (opt->covariates && opt->covariates[ncov]) ncov++;
    const double req = (double)ncov + 5.0;
    char list[160] = "", item[64];
    size_t len = 0, nsmall = 0;
    double never = INFINITY;
    for (size_t c = 0; c < p->ncoh; c++) {
        const double size =
            L ? (double)(L->start[(c + 1) * p->T] - L->start[c * p->T]) / (double)p->T
              : (double)(p->coh_start[c + 1] - p->coh_start[c]);
        if (!(size < req)) continue;
        if (p->coh[c] == 0.0) never = size;
        const int w = p->coh[c] == 0.0 ? snprintf(item, sizeof item, "%snever treated (%g units)",
                                                  nsmall++ ? ", " : "", size)
                                       : snprintf(item, sizeof item, "%sfirst_treat %g (%g units)",
                                                  nsmall++ ? ", " : "", p->coh[c], size);
        const char *add = len + (size_t)w + 6 < sizeof list ? item : ", ...";
        if (strcmp(list + (len > 5 ? len - 5 : 0), ", ...") != 0) {
            memcpy(list + len, add, strlen(add) + 1);
            len += strlen(add);
        }
    }
    if (nsmall == 0) return KS_OK;
    if (isfinite(never) && opt->control_group == KS_DID_NEVER_TREATED)
        return ks__fail(ctx, KS_EINVAL,
                        "control_group: the never-treated group has %g units, fewer than the %g "
                        "(covariates + 5) R did requires of it; use control_group="
                        "'not_yet_treated', or fewer covariates",
                        never, req);
    ks__log(ctx, KS_LOG_WARN,
            "groups with fewer units than the covariates + 5 (%g), which R did warns may cause "
            "estimation problems: %s",
            req, list);
    return KS_OK;
}

/* Plan every cell in R's order: cohorts increasing, then periods. */
static int plan_cells(ks_ctx *ctx, const ks_did_panel *p, const ks_did_cs_options *opt,
                      cell_plan **out, size_t *ncell)
{
    const int universal = opt->base_period == KS_DID_BASE_UNIVERSAL;
    const size_t per = universal ? p->T : p->T - 1;
    cell_plan *cp = ks__malloc_array(ctx, p->ng * per, sizeof *cp);
    if (!cp) return KS_ENOMEM;
    size_t c = 0;
    for (size_t gi = 0; gi < p->ng; gi++) {
        const double g = p->glist[gi];
        const size_t pret_g = pre_period(p, g, opt->anticipation);
        if (pret_g == SIZE_MAX) {
            ks__log(ctx, KS_LOG_WARN,
                   "no pre-treatment period for the cohort first treated in %g; its cells are "
                   "dropped",
                   g);
            continue;
        }
        for (size_t t = 0; t < per; t++) {
            cell_plan *q = &cp[c++];
            q->cur = universal ? t : t + 1;
            q->g = g;
            q->post = g <= p->tval[q->cur];
            q->base = universal || q->post ? pret_g : q->cur - 1;
            q->zero = universal && q->base == q->cur;
            if (q->zero) q->post = 0;
        }
    }
    *out = cp;
    *ncell = c;
    return KS_OK;
}

/* The Wald test that every pre-treatment cell with a standard error is zero:
 * W = n att' V^-1 att, V = IF'IF / n (or from cluster sums) over those cells. */
int ks_did_cs_pretest(ks_ctx *ctx, const ks_did_cs *r, ks_did_cs_pretest_estimate *out)
{
    out->stat = out->pvalue = NAN;
    out->df = 0;
    if (r->p.cluster && r->opt.n_bootstrap > 0) {
        ks__log(ctx, KS_LOG_INFO,
               "no Wald pre-test with a cluster variable and the bootstrap (the analytical "
               "variance does not account for the clusters)");
        return KS_OK;
    }
    size_t q = 0;
    size_t *pre = ks__malloc_array(ctx, r->ncell ? r->ncell : 1, sizeof *pre);
    if (!pre) return KS_ENOMEM;
    size_t npre = 0;
    for (size_t c = 0; c < r->ncell; c++) {
        npre += r->group[c] > r->time[c];
        if (r->group[c] > r->time[c] && isfinite(r->se_analytic[c])) pre[q++] = c;
    }
    if (q == 0) {
        ks__log(ctx, KS_LOG_WARN,
                npre ? "no Wald pre-test of parallel trends: every pre-treatment cell has a NaN "
                       "estimate or standard error"
                     : "no pre-treatment cells for the Wald pre-test of parallel trends");
        ks__free(ctx, pre);
        return KS_OK;
    }
    const size_t n = r->n, N = r->p.cluster ? r->p.ncluster : n;
    double *A = ks__calloc(ctx, N * q + q * q + 3 * q, sizeof *A);
    if (!A) {
        ks__free(ctx, pre);
        return KS_ENOMEM;
    }
    double *V = A + N * q, *b = V + q * q, *inv = b + q;
    for (size_t j = 0; j < q; j++) {
        if (r->p.cluster) {
            double *col = V; /* V's room is not used yet: one column at a time */
            if (q * q < n) {
                col = ks__malloc_array(ctx, n, sizeof *col);
                if (!col) {
                    ks__free(ctx, A);
                    ks__free(ctx, pre);
                    return KS_ENOMEM;
                }
            }
            ks__did_cs_if_dense(r, &pre[j], 1, col);
            for (size_t i = 0; i < n; i++) A[j * N + (size_t)r->p.cluster[i]] += col[i];
            if (col != V) ks__free(ctx, col);
        } else {
            ks__did_cs_if_axpy(r, pre[j], 1.0, A + j * N);
        }
        b[j] = r->att[pre[j]];
    }
    ks__blas_set_threads(ks__threads_for(ctx, 0.5 * (double)q * (double)q * (double)N));
    const int brc = ks__dsyrk(ctx, 'L', 'T', q, N, 1.0 / (double)n, A, N, 0.0, V, q);
    ks__blas_set_threads(ctx->nthreads);
    if (brc) {
        ks__free(ctx, A);
        ks__free(ctx, pre);
        return brc;
    }
    memcpy(inv, b, q * sizeof *inv);
    ks_ctx lctx = *ctx; /* a singular covariance is a note, not an error */
    if (ks__chol_solve(&lctx, q, V, inv, 1, 1, inv + q,
                       "the covariance of the pre-treatment cells") != KS_OK) {
        ks__log(ctx, KS_LOG_WARN, "no Wald pre-test: %s", lctx.errmsg);
    } else {
        double w = 0.0;
        for (size_t j = 0; j < q; j++) w += b[j] * inv[j];
        out->stat = (double)n * w;
        out->df = q;
        out->pvalue = ks_chi2_sf(out->stat, (double)q);
    }
    ks__free(ctx, A);
    ks__free(ctx, pre);
    return KS_OK;
}

/* The bootstrap draws of every cell and of the cohort sums an aggregation's share term needs
 * (r->draws). Without clusters the product runs over cohort blocks, each with the cells that
 * contain the cohort (their stored influence-function slices) plus the weight and count
 * columns: cost B x (sum of the cells' units + 2 n). With clusters, over the cluster sums. */
static int bootstrap_draws(ks_ctx *ctx, ks_did_cs *r)
{
    const ks_did_panel *p = &r->p;
    const size_t n = r->n, nc = r->ncell, ncoh = p->ncoh, m = nc + 2 * ncoh;
    const int B = r->opt.n_bootstrap;
    r->draws = ks__malloc_array(ctx, (size_t)B, m * sizeof *r->draws);
    size_t *cols = ks__malloc_array(ctx, ncoh ? ncoh : 1, (nc + 2) * sizeof *cols);
    ks_did_boot_block *blk = ks__calloc(ctx, ncoh ? ncoh : 1, sizeof *blk);
    double *M = NULL;
    int rc = KS_OK;
    if (!r->draws || !cols || !blk) {
        rc = KS_ENOMEM;
        goto done;
    }
    if (p->cluster) {
        const size_t G = p->ncluster;
        M = ks__calloc(ctx, G, m * sizeof *M);
        if (!M) {
            rc = KS_ENOMEM;
            goto done;
        }
        for (size_t c = 0; c < nc; c++) {
            const ks_did_cell_units *u = &r->units[c];
            const double *v = r->ifval + r->ifoff[c];
            for (size_t q = 0; q < u->nr; q++)
                for (size_t i = u->lo[q]; i < u->hi[q]; i++) M[c * G + p->cluster[i]] += *v++;
        }
        for (size_t k = 0; k < ncoh; k++)
            for (size_t i = p->coh_start[k]; i < p->coh_start[k + 1]; i++) {
                M[(nc + k) * G + p->cluster[i]] += p->w ? p->w[i] : 1.0;
                M[(nc + ncoh + k) * G + p->cluster[i]] += 1.0;
            }
        for (size_t j = 0; j < m; j++) cols[j] = j;
        const ks_did_boot_block one = {0, G, m, G, cols, M};
        r->nclust_N = G;
        rc = ks__did_mboot_draws(ctx, G, &one, 1, m, B, r->opt.boot_weights, r->opt.seed,
                                r->draws);
        goto done;
    }
    /* cohort blocks: M_k is n_k x (cells containing k + 2), stacked */
    size_t total = 0;
    for (size_t c = 0; c < nc; c++) total += r->ifoff[c + 1] - r->ifoff[c];
    M = ks__malloc_array(ctx, total + 2 * n + 1, sizeof *M);
    if (!M) {
        rc = KS_ENOMEM;
        goto done;
    }
    double *dst = M;
    for (size_t k = 0; k < ncoh; k++) {
        const size_t s = p->coh_start[k], e = p->coh_start[k + 1], len = e - s;
        size_t *col = cols + k * (nc + 2), nk = 0;
        blk[k].lo = s;
        blk[k].hi = e;
        blk[k].ld = len;
        blk[k].col = col;
        blk[k].M = dst;
        for (size_t c = 0; c < nc && len; c++) {
            const ks_did_cell_units *u = &r->units[c];
            size_t off = r->ifoff[c];
            for (size_t q = 0; q < u->nr; q++) {
                if (u->lo[q] <= s && e <= u->hi[q]) {
                    memcpy(dst, r->ifval + off + (s - u->lo[q]), len * sizeof *dst);
                    dst += len;
                    col[nk++] = c;
                    break;
                }
                off += u->hi[q] - u->lo[q];
            }
        }
        for (size_t i = s; i < e; i++) *dst++ = p->w ? p->w[i] : 1.0;
        for (size_t i = s; i < e; i++) *dst++ = 1.0;
        col[nk++] = nc + k;
        col[nk++] = nc + ncoh + k;
        blk[k].ncol = len ? nk : 0;
    }
    r->nclust_N = n;
    rc = ks__did_mboot_draws(ctx, n, blk, ncoh, m, B, r->opt.boot_weights, r->opt.seed, r->draws);
done:
    ks__free(ctx, M);
    ks__free(ctx, cols);
    ks__free(ctx, blk);
    return rc;
}

static void cs_free_with(const ks_allocator *a, ks_did_cs *r)
{
    ks__did_panel_free(a, &r->p);
    ks__release(a, r->group);
    ks__release(a, r->post);
    ks__release(a, r->n_treated);
    ks__release(a, r->units);
    ks__release(a, r->ifoff);
    ks__release(a, r->ifval);
    ks__release(a, r->draws);
    ks__release(a, r);
}

void ks_did_cs_free(ks_did_cs *r)
{
    if (!r) return;
    const ks_allocator a = r->alloc; /* r itself is freed last */
    cs_free_with(&a, r);
}

static int check_options(ks_ctx *ctx, const ks_did_cs_options *o)
{
    if ((unsigned)o->control_group > KS_DID_NOT_YET_TREATED)
        return ks__fail(ctx, KS_EINVAL, "control_group: unknown value %d", (int)o->control_group);
    if ((unsigned)o->method > KS_DID_REG)
        return ks__fail(ctx, KS_EINVAL, "estimation_method: unknown value %d", (int)o->method);
    if ((unsigned)o->base_period > KS_DID_BASE_UNIVERSAL)
        return ks__fail(ctx, KS_EINVAL, "base_period: unknown value %d", (int)o->base_period);
    if ((unsigned)o->boot_weights > KS_DID_BOOT_WEBB)
        return ks__fail(ctx, KS_EINVAL, "bootstrap_weights: unknown value %d",
                       (int)o->boot_weights);
    if (!(o->alpha > 0 && o->alpha < 1))
        return ks__fail(ctx, KS_EINVAL, "alpha: %g is not in (0, 1)", o->alpha);
    if (o->n_bootstrap < 0)
        return ks__fail(ctx, KS_EINVAL, "n_bootstrap: %d is negative", o->n_bootstrap);
    if (!isnan(o->pscore_trim) &&
        !(o->pscore_trim > 0 && o->pscore_trim < 0.5 && 1.0 - o->pscore_trim < 1.0))
        return ks__fail(ctx, KS_EINVAL, "pscore_trim: %g is not in (0, 0.5)", o->pscore_trim);
    if (o->cband && o->n_bootstrap == 0)
        return ks__fail(ctx, KS_EINVAL,
                        "cband: uniform bands need the bootstrap (n_bootstrap > 0)");
    return KS_OK;
}

int ks_did_cs_fit(ks_ctx *ctx, const ks_table *t, const char *y, const char *time,
                  const char *id, const char *group, const ks_did_cs_options *opt,
                  ks_did_cs **out)
{
    *out = NULL;
    ks_did_cs_options defaults = KS_DID_CS_OPTIONS_INIT;
    if (!opt) opt = &defaults;
    int rc = check_options(ctx, opt);
    if (rc) return rc;
    ks_did_cs *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->alloc = ctx->alloc;
    r->opt = *opt;
    r->opt.covariates = NULL;
    r->opt.weights = NULL;
    r->opt.cluster = NULL;
    cell_plan *plan = NULL;
    double *work = NULL;
    char **msg = NULL;
    int *status = NULL;
    size_t *near = NULL; /* per cell: controls with a propensity score near 1 */
    int *fell_back = NULL; /* per cell: 1 when its propensity score is the unconditional one */
    ks_did_long L = {0};
    int use_long = !opt->panel || opt->allow_unbalanced_panel, balanced = 0;
    if (use_long) {
        if ((rc = ks__did_long_build(ctx, t, y, time, id, group, opt, &r->p, &L, &balanced)))
            goto fail;
        use_long = !balanced; /* a balanced panel after all: the panel estimator, as R does */
    }
    r->used_rc = use_long && opt->panel;
    if (!use_long && (rc = ks__did_panel_build(ctx, t, y, time, id, group, opt, &r->p)))
        goto fail;
    const ks_did_panel *p = &r->p;
    if ((rc = check_group_sizes(ctx, p, use_long ? &L : NULL, opt))) goto fail;
    if ((rc = plan_cells(ctx, p, opt, &plan, &r->ncell))) goto fail;
    const size_t n = p->n, k = p->k, nc = r->ncell;
    r->n = n;
    r->nobs = use_long ? L.nrow : n * p->T;
    if (nc == 0) {
        rc = ks__fail(ctx, KS_EEMPTY, "no group-time cell to estimate");
        goto fail;
    }
    r->group = ks__malloc_array(ctx, nc, 9 * sizeof *r->group);
    r->post = ks__malloc_array(ctx, nc, sizeof *r->post);
    r->n_treated = ks__malloc_array(ctx, nc, 2 * sizeof *r->n_treated);
    r->units = ks__malloc_array(ctx, nc, sizeof *r->units);
    r->ifoff = ks__malloc_array(ctx, nc + 1, sizeof *r->ifoff);
    msg = ks__calloc(ctx, nc, sizeof *msg);
    status = ks__calloc(ctx, nc, sizeof *status);
    near = ks__calloc(ctx, nc, sizeof *near);
    fell_back = ks__calloc(ctx, nc, sizeof *fell_back);
    if (!r->group || !r->post || !r->n_treated || !r->units || !r->ifoff || !msg || !status ||
        !near || !fell_back) {
        rc = KS_ENOMEM;
        goto fail;
    }
    r->time = r->group + nc;
    r->att = r->time + nc;
    r->se = r->att + nc;
    r->se_analytic = r->se + nc;
    r->tstat = r->se_analytic + nc;
    r->pvalue = r->tstat + nc;
    r->ci_lower = r->pvalue + nc;
    r->ci_upper = r->ci_lower + nc;
    r->n_control = r->n_treated + nc;
    size_t mmax = 0;
    r->ifoff[0] = 0;
    for (size_t c = 0; c < nc; c++) {
        if (use_long) { /* influence functions over all observation units */
            r->units[c].nr = 1;
            r->units[c].lo[0] = 0;
            r->units[c].hi[0] = n;
        } else {
            cell_units(p, opt, &plan[c], &r->units[c]);
        }
        const size_t m = units_count(&r->units[c]);
        mmax = m > mmax ? m : mmax;
        r->ifoff[c + 1] = r->ifoff[c] + m;
    }
    if (use_long) { /* scratch per thread: the largest cell's rows */
        mmax = 0;
        for (size_t c = 0; c < nc; c++) {
            size_t rows = 0;
            for (size_t q = 0; q < p->ncoh; q++)
                for (int e = 0; e < 2; e++) {
                    const size_t s = e ? plan[c].cur : plan[c].base;
                    rows += L.start[q * p->T + s + 1] - L.start[q * p->T + s];
                }
            mmax = rows > mmax ? rows : mmax;
        }
    }
    r->ifval = ks__malloc_array(ctx, r->ifoff[nc] ? r->ifoff[nc] : 1, sizeof *r->ifval);
    /* a cell costs a few passes over its rows without covariates, Newton's logit with them */
    int nt = ks__threads_for(ctx, (double)r->ifoff[nc] * (k == 1 ? 5.0 : 50.0 * (double)(k * k)));
    if ((size_t)nt > nc) nt = (int)nc;
    const size_t per_thread = mmax * (use_long ? 6 + k : 3 + k) + 1;
    work = ks__malloc_array(ctx, (size_t)nt, per_thread * sizeof *work);
    if (!r->ifval || !work) {
        rc = KS_ENOMEM;
        goto fail;
    }
    ks__blas_set_threads(1);
#pragma omp parallel num_threads(nt)
    {
#ifdef _OPENMP
        const size_t tid = (size_t)omp_get_thread_num();
#else
        const size_t tid = 0;
#endif
        double *base = work + tid * per_thread;
        cell_work wk = {base, base + mmax, base + 2 * mmax, base + (2 + k) * mmax, NULL};
        ks_ctx lctx = *ctx; /* errors stay per thread; logging is done after the loop */
        lctx.log_fn = NULL;
        lctx.progress_fn = NULL;
        lctx.nthreads = 1;
#pragma omp for schedule(dynamic, 1)
        for (size_t c = 0; c < nc; c++) {
            const cell_plan *cp = &plan[c];
            double *ifv = r->ifval + r->ifoff[c];
            const size_t m = r->ifoff[c + 1] - r->ifoff[c];
            r->group[c] = cp->g;
            r->time[c] = p->tval[cp->cur];
            r->post[c] = cp->post;
            r->n_treated[c] = r->n_control[c] = 0;
            if (cp->zero) { /* the universal base period itself: 0 by construction */
                r->att[c] = 0.0;
                memset(ifv, 0, m * sizeof *ifv);
                continue;
            }
            status[c] = use_long
                            ? ks__did_long_fit_cell(&lctx, &L, p, opt, cp, base, &r->att[c], ifv,
                                                    &r->n_treated[c], &r->n_control[c], &near[c],
                                                    &fell_back[c])
                            : fit_cell(&lctx, p, opt, cp, &r->units[c], &wk, &r->att[c], ifv,
                                       &r->n_treated[c], &r->n_control[c], &near[c], &fell_back[c]);
            if (status[c] != KS_OK) {
                r->att[c] = NAN;
                for (size_t i = 0; i < m; i++) ifv[i] = NAN;
                if (status[c] != KS_ENOMEM) msg[c] = ks__strdup(&lctx, lctx.errmsg);
            }
        }
    }
    ks__blas_set_threads(ctx->nthreads);
    for (size_t c = 0; c < nc; c++) {
        if (status[c] == KS_ENOMEM) {
            rc = ks__fail(ctx, KS_ENOMEM, "out of memory estimating the group-time effects");
            goto fail;
        }
        if (status[c] != KS_OK)
            ks__log(ctx, KS_LOG_WARN, "ATT(g=%g, t=%g) is NaN: %s", r->group[c], r->time[c],
                   msg[c] ? msg[c] : "estimation failed");
    }
    log_near_one(ctx, near, nc);
    log_fallback(ctx, r, fell_back, nc);

    /* analytical standard errors (R: sqrt(diag(IF'IF / n) / n), or from cluster sums) */
    {
        size_t ntiny = 0;
        double *scratch = ks__calloc(ctx, p->ncluster ? p->ncluster : 1, sizeof *scratch);
        if (!scratch) {
            rc = KS_ENOMEM;
            goto fail;
        }
        for (size_t c = 0; c < nc; c++) {
            const ks_did_cell_units *u = &r->units[c];
            const double *v = r->ifval + r->ifoff[c];
            double ss = 0.0;
            if (p->cluster) {
                for (size_t q = 0, j = 0; q < u->nr; q++)
                    for (size_t i = u->lo[q]; i < u->hi[q]; i++) scratch[p->cluster[i]] += v[j++];
                for (size_t g = 0; g < p->ncluster; g++) {
                    ss += scratch[g] * scratch[g];
                    scratch[g] = 0.0;
                }
            } else {
                for (size_t j = r->ifoff[c]; j < r->ifoff[c + 1]; j++)
                    ss += r->ifval[j] * r->ifval[j];
            }
            const double se = sqrt(ss) / (double)n;
            r->se_analytic[c] = se > SE_TINY ? se : NAN;
            ntiny += se <= SE_TINY && isfinite(r->att[c]) && !plan[c].zero;
        }
        ks__free(ctx, scratch);
        /* R did (att_gt.R): se[se <= sqrt(.Machine$double.eps) * 10] <- NA, without a word */
        if (ntiny)
            ks__log(ctx, KS_LOG_WARN,
                    "%zu group-time standard errors are at or below 1.49e-7 and are NaN, as R "
                    "did's are NA (sqrt(eps) * 10): their influence functions (or cluster sums) "
                    "are numerically zero",
                    ntiny);
    }
    memcpy(r->se, r->se_analytic, nc * sizeof *r->se);
    r->crit = ks_normal_quantile(1.0 - opt->alpha / 2.0);
    if (opt->n_bootstrap > 0) {
        double *bse = ks__malloc_array(ctx, nc, sizeof *bse), crit = NAN;
        if (!bse) {
            rc = KS_ENOMEM;
            goto fail;
        }
        rc = bootstrap_draws(ctx, r);
        if (rc == KS_OK)
            rc = ks__did_mboot_stats(ctx, r->draws, opt->n_bootstrap, nc, n, r->nclust_N,
                                    opt->alpha, bse, opt->cband ? &crit : NULL);
        if (rc == KS_OK) {
            for (size_t c = 0; c < nc; c++)
                if (isfinite(r->se_analytic[c]))
                    r->se[c] = bse[c] > SE_TINY ? bse[c] : NAN;
            if (opt->cband) {
                r->crit = crit;
                r->uniform = 1;
                if (crit >= 7)
                    ks__log(ctx, KS_LOG_WARN,
                           "the uniform band's critical value (%g) is too large to be reliable: "
                           "few units per cohort, or little variation in the outcome",
                           crit);
            }
        }
        ks__free(ctx, bse);
        if (rc) goto fail;
    }

    for (size_t c = 0; c < nc; c++) /* normal p-values, intervals with the cells' crit */
        ks__infer(r->att[c], r->se[c], 0.0, r->crit, &r->tstat[c], &r->pvalue[c],
                      &r->ci_lower[c], &r->ci_upper[c]);

    /* outcomes and covariates are no longer needed */
    ks__free(ctx, r->p.y);
    ks__free(ctx, r->p.x);
    r->p.y = r->p.x = NULL;
    for (size_t c = 0; c < nc; c++) ks__free(ctx, msg[c]);
    ks__free(ctx, msg);
    ks__free(ctx, status);
    ks__free(ctx, near);
    ks__free(ctx, fell_back);
    ks__free(ctx, work);
    ks__free(ctx, plan);
    ks__did_long_free(&ctx->alloc, &L);
    *out = r;
    return KS_OK;

fail:
    ks__did_long_free(&ctx->alloc, &L);
    if (msg)
        for (size_t c = 0; c < r->ncell; c++) ks__free(ctx, msg[c]);
    ks__free(ctx, msg);
    ks__free(ctx, status);
    ks__free(ctx, near);
    ks__free(ctx, fell_back);
    ks__free(ctx, work);
    ks__free(ctx, plan);
    cs_free_with(&ctx->alloc, r);
    return rc;
}

void ks_did_cs_get(const ks_did_cs *r, ks_did_cs_view *o)
{
    memset(o, 0, sizeof *o);
    o->ncell = r->ncell;
    o->group = r->group;
    o->time = r->time;
    o->att = r->att;
    o->se = r->se;
    o->tstat = r->tstat;
    o->pvalue = r->pvalue;
    o->ci_lower = r->ci_lower;
    o->ci_upper = r->ci_upper;
    o->post = r->post;
    o->n_treated = r->n_treated;
    o->n_control = r->n_control;
    o->nunits = r->n;
    o->nperiods = r->p.T;
    o->nclusters = r->p.cluster ? r->p.ncluster : r->n;
    o->crit = r->crit;
    o->uniform = r->uniform;
    o->unit_row = r->p.unit_row;
    o->nobs = r->nobs;
    for (size_t c = 0; c < r->p.ncoh; c++) {
        const size_t units = r->p.coh_start[c + 1] - r->p.coh_start[c];
        if (r->p.coh[c] == 0.0)
            o->n_control_units += units;
        else
            o->n_treated_units += units;
    }
    o->used_rc = r->used_rc;
    o->draws = r->draws;
    o->draw_scale = r->draws ? sqrt((double)r->nclust_N) / (double)r->n : NAN;
    o->n_bootstrap = r->draws ? r->opt.n_bootstrap : 0;
}

int ks_did_cs_inffunc(ks_ctx *ctx, const ks_did_cs *r, double *out, size_t out_len)
{
    size_t need;
    if (!ks__size_mul(r->n, r->ncell, &need) || out_len < need)
        return ks__fail(ctx, KS_EINVAL,
                        "influence functions: out needs %zu x %zu doubles (got %zu)", r->n,
                        r->ncell, out_len);
    for (size_t c = 0; c < r->ncell; c++) {
        memset(out + c * r->n, 0, r->n * sizeof *out);
        ks__did_cs_if_axpy(r, c, 1.0, out + c * r->n);
    }
    return KS_OK;
}
