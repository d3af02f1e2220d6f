/* gwas_run.c — the GWAS run (gwas_internal.h): the SNP rows read a batch at a time, each batch
 * split into tasks of KS__GWAS_TASK consecutive SNPs fitted in parallel (each task parses,
 * assembles, fits and formats its own rows into its own text), the tasks' text written in
 * order; memory is one batch, whatever the number of SNPs. */
#include <math.h>
#include <string.h>

#include "base/parallel.h"
#include "gsem/gwas_internal.h"

typedef struct {
    const ks__gwas_const *c;
    const ks__gwas_fit_ops *fit;
    const void *model;
    const ks__gwas_layout *L;
    const ks__gwas_source *src;
    ks__gwas_columns cols;
    ks__gwas_smooth_fn smooth;
    int keep;             /* pack the rows for o->keep instead of formatting them */
    size_t nrows, index0; /* the batch's rows; the 1-based number of its first in the list */
    void **ws;            /* per thread */
    ks__gwas_snp *snp;
    ks__gwas_result *res;
    ks__gwas_text *out; /* per task */
    size_t *failed, *smoothed;
} run_job;

static int run_task(ks_ctx *sub, size_t i, int tid, void *arg)
{
    run_job *J = arg;
    const size_t a = i * KS__GWAS_TASK;
    const size_t b = a + KS__GWAS_TASK < J->nrows ? a + KS__GWAS_TASK : J->nrows;
    ks__gwas_snp *s = &J->snp[tid];
    ks__gwas_result *res = &J->res[tid];
    ks__gwas_text *out = &J->out[i];
    out->len = 0;
    J->failed[i] = J->smoothed[i] = 0;
    if (J->fit->chunk_begin) J->fit->chunk_begin(J->ws[tid]);
    for (size_t j = a; j < b; j++) {
        ks__gwas_row row;
        int rc = ks__gwas_source_row(sub, J->src, j, &row, s->beta, s->se);
        if (rc) return rc;
        res->error[0] = res->warning[0] = '\0';
        int bad =
            ks__gwas_assemble(sub, J->c, J->smooth, row.maf, s, res->error, sizeof res->error);
        double zs = bad ? NAN : s->z_smooth;
        if (!bad) bad = J->fit->fit_snp(sub, J->ws[tid], J->model, s, res);
        if (bad < 0) return bad;
        J->failed[i] += bad != 0;
        J->smoothed[i] += s->smoothed != 0;
        rc = J->keep ? ks__gwas_pack(sub, J->L, &row, J->index0 + j, res, bad, zs, out)
                     : ks__gwas_format(sub, J->cols, J->L, &row, J->index0 + j, res, bad, zs, out);
        if (rc) return rc;
    }
    return KS_OK;
}

/* Per-thread buffers and the fit's workspaces, and per-task text. */
typedef struct {
    size_t nt;
    void **ws;
    ks__gwas_snp *snp;
    ks__gwas_result *res;
    double *vals;
    ks__gwas_text out[KS__GWAS_BATCH_TASKS];
    size_t failed[KS__GWAS_BATCH_TASKS], smoothed[KS__GWAS_BATCH_TASKS];
} run_bufs;

static void bufs_free(ks_ctx *ctx, const ks__gwas_fit_ops *fit, run_bufs *B)
{
    for (size_t t = 0; t < B->nt; t++) {
        if (B->ws && B->ws[t]) fit->ws_free(&ctx->alloc, B->ws[t]);
        if (B->snp) ks__gwas_snp_free(&ctx->alloc, &B->snp[t]);
    }
    for (size_t i = 0; i < KS__GWAS_BATCH_TASKS; i++) ks__free(ctx, B->out[i].p);
    ks__free(ctx, B->ws);
    ks__free(ctx, B->snp);
    ks__free(ctx, B->res);
    ks__free(ctx, B->vals);
}

static int bufs_new(ks_ctx *ctx, const ks__gwas_const *c, const ks__gwas_fit_ops *fit,
                    const void *model, size_t nrow, size_t nt, run_bufs *B)
{
    memset(B, 0, sizeof *B);
    B->ws = ks__calloc(ctx, nt, sizeof *B->ws);
    B->snp = ks__calloc(ctx, nt, sizeof *B->snp);
    B->res = ks__calloc(ctx, nt, sizeof *B->res);
    size_t nv;
    B->vals = ks__size_mul(nt, 3 * nrow, &nv) ? ks__malloc_array(ctx, nv, sizeof *B->vals) : NULL;
    if (!B->ws || !B->snp || !B->res || !B->vals) return KS_ENOMEM;
    B->nt = nt;
    for (size_t t = 0; t < nt; t++) {
        int rc = ks__gwas_snp_new(ctx, c, &B->snp[t]);
        if (!rc) rc = fit->ws_new(ctx, model, &B->ws[t]);
        if (rc) return rc;
        B->res[t].est = B->vals + 3 * nrow * t;
        B->res[t].se = B->res[t].est + nrow;
        B->res[t].q_snp = B->res[t].se + nrow;
    }
    return KS_OK;
}

/* This job's rows [*first, *end) of the list: part i of n, cut at task boundaries. */
static int part_rows(ks_ctx *ctx, ks__gwas_source *src, const ks__gwas_opts *o, size_t *first,
                     size_t *end, int *counted)
{
    *first = 0;
    *end = (size_t)-1;
    *counted = 0;
    if (o->chunk_n > 1 && (o->chunk_i < 1 || o->chunk_i > o->chunk_n))
        return ks__fail(ctx, KS_EINVAL, "chunk %zu/%zu: the part must be 1 to %zu", o->chunk_i,
                        o->chunk_n, o->chunk_n);
    size_t n;
    uint64_t d, total;
    ks__gwas_source_progress(src, &d, &total);
    if (o->chunk_n <= 1 && total) return KS_OK; /* a file read once: progress by bytes */
    int rc = ks__gwas_source_count(ctx, src, &n);
    if (rc) return rc;
    *counted = 1;
    if (o->chunk_n <= 1) {
        *end = n;
        return KS_OK;
    }
    const size_t tasks = n / KS__GWAS_TASK + (n % KS__GWAS_TASK != 0), p = o->chunk_n;
    /* (tasks * i / p without overflow: tasks < SIZE_MAX / 256 and i <= p) */
    const size_t t0 = (size_t)((double)tasks * (double)(o->chunk_i - 1) / (double)p);
    const size_t t1 = (size_t)((double)tasks * (double)o->chunk_i / (double)p);
    *first = t0 * KS__GWAS_TASK;
    *end = t1 * KS__GWAS_TASK < n ? t1 * KS__GWAS_TASK : n;
    if (*first > n) *first = n;
    return KS_OK;
}

/* Read and drop the first `skip` rows. */
static int skip_rows(ks_ctx *ctx, ks__gwas_source *src, size_t skip)
{
    const size_t B = (size_t)KS__GWAS_TASK * KS__GWAS_BATCH_TASKS;
    while (skip) {
        size_t got;
        const int rc = ks__gwas_source_read(ctx, src, skip < B ? skip : B, &got);
        if (rc) return rc;
        if (!got) break;
        skip -= got;
    }
    return KS_OK;
}

static int run_batches(ks_ctx *ctx, run_job *J, run_bufs *B, ks__gwas_source *src,
                       ks_text_writer *w, const ks__gwas_opts *o, size_t first, size_t end,
                       int counted, double ns, ks__gwas_stats *st, const char *what)
{
    const size_t BATCH = (size_t)KS__GWAS_TASK * KS__GWAS_BATCH_TASKS;
    size_t done = 0;
    const size_t want = end - first;
    for (;;) {
        size_t n;
        const size_t left = want - done;
        if (!left) break;
        int rc = ks__gwas_source_read(ctx, src, left < BATCH ? left : BATCH, &n);
        if (rc) return rc;
        if (!n) break;
        J->nrows = n;
        J->index0 = first + done + 1;
        const size_t ntask = n / KS__GWAS_TASK + (n % KS__GWAS_TASK != 0);
        rc = ks__parallel_each(ctx, ntask, ns * (double)n, run_task, J, NULL);
        if (rc) return rc;
        for (size_t i = 0; i < ntask; i++) {
            if (o->keep && (rc = o->keep(ctx, o->keep_ud, J->L, B->out[i].p, B->out[i].len)))
                return rc;
            if (!o->keep) ks_text_write(w, B->out[i].p, B->out[i].len);
            st->failed += B->failed[i];
            st->smoothed += B->smoothed[i];
        }
        done += n;
        st->snps = done;
        uint64_t d = done, total = want;
        if (!counted) ks__gwas_source_progress(src, &d, &total);
        ks__progress(ctx, what, d, total);
    }
    return KS_OK;
}

int ks__gwas_run(ks_ctx *ctx, const ks__gwas_covstruc *cs, ks__gwas_source *src,
                 const ks__gwas_fit_ops *fit, const void *spec, const ks__gwas_opts *o,
                 ks_text_group *g, const char *out_path, ks__gwas_stats *st)
{
    memset(st, 0, sizeof *st);
    ks__gwas_const c;
    int rc = ks__gwas_const_init(ctx, cs, o->gc, o->snpse, o->presmooth, o->smooth, &c);
    if (rc) return rc;
    void *model = NULL;
    ks__gwas_layout L;
    memset(&L, 0, sizeof L);
    run_bufs B;
    memset(&B, 0, sizeof B);
    ks_text_writer *w = NULL;
    size_t first = 0, end = 0;
    int counted = 0;
    const ks__gwas_covstruc used = {cs->k, cs->names, c.S_LD, c.V_LD, cs->I}; /* (presmoothed) */
    rc = fit->prepare(ctx, &used, spec, &model, &L);
    if (!rc && (L.nrow < 1 || (o->kind == KS__GWAS_COMMONFACTOR && L.nrow != 1)))
        rc = ks__fail(ctx, KS_EINVAL, "%s: %zu rows per SNP for %s", fit->name, L.nrow,
                      o->kind == KS__GWAS_COMMONFACTOR ? "commonfactorGWAS (1)" : "userGWAS");
    const double ns = fit->ns_per_snp + 2000.0; /* (the machinery's share, measured) */
    const size_t BATCH = (size_t)KS__GWAS_TASK * KS__GWAS_BATCH_TASKS;
    const size_t nt = (size_t)ks__parallel_threads(ctx, KS__GWAS_BATCH_TASKS, ns * (double)BATCH);
    if (!rc) rc = bufs_new(ctx, &c, fit, model, L.nrow, nt, &B);
    if (!rc) rc = part_rows(ctx, src, o, &first, &end, &counted);
    if (!rc) rc = skip_rows(ctx, src, first);
    if (!rc && !o->keep) {
        const size_t l = strlen(out_path);
        const int gz = o->gzip >= 0 ? o->gzip : l > 3 && !strcmp(out_path + l - 3, ".gz");
        rc = ks_text_group_create(ctx, g, out_path, gz, &w);
    }
    const ks__gwas_columns cols = {o->kind, o->q_snp, o->smooth_check, cs->k};
    if (!rc && !o->keep) rc = ks__gwas_header(ctx, cols, &B.out[0]);
    if (!rc) {
        if (w) ks_text_write(w, B.out[0].p, B.out[0].len);
        run_job J = {&c, fit, model, &L,    src,   cols,  o->smooth, o->keep != NULL,
                     0,  0,   B.ws,  B.snp, B.res, B.out, B.failed,  B.smoothed};
        st->first = first;
        rc = run_batches(ctx, &J, &B, src, w, o, first, end, counted, ns, st,
                         o->kind == KS__GWAS_COMMONFACTOR ? "commonfactorGWAS" : "userGWAS");
    }
    if (w) {
        if (rc)
            ks_text_abort(w);
        else
            rc = ks_text_commit(w);
    }
    bufs_free(ctx, fit, &B);
    if (model) fit->model_free(&ctx->alloc, model);
    ks__gwas_const_free(&c);
    return rc;
}
