/* parallel.c — the parallel loop over tasks with a ctx each (parallel.h). */
#include <math.h>
#include <string.h>

#include "base/parallel.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int ks__parallel_threads(const ks_ctx *ctx, size_t n, double ns)
{
    int nt = ns < INFINITY ? ks__threads_for(ctx, ns) : (ctx->nthreads < 1 ? 1 : ctx->nthreads);
    if ((size_t)nt > n) nt = (int)(n ? n : 1);
    return nt;
}

int ks__parallel_each(ks_ctx *ctx, size_t n, double ns, ks__task_fn fn, void *arg, int *st)
{
    int *own = st ? NULL : ks__calloc(ctx, n ? n : 1, sizeof *own);
    ks_ctx *sub = ks__malloc_array(ctx, n ? n : 1, sizeof *sub);
    if ((!st && !own) || !sub) {
        ks__free(ctx, own);
        ks__free(ctx, sub);
        return KS_ENOMEM;
    }
    if (!st) st = own;
    const int nt = ks__parallel_threads(ctx, n, ns);
#ifndef _OPENMP
    (void)nt; /* (one thread without OpenMP) */
#endif
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        sub[i] = *ctx;
        sub[i].errcode = 0;
        sub[i].errmsg[0] = '\0';
        st[i] = fn(&sub[i], i, tid, arg);
    }
    int rc = KS_OK;
    for (size_t i = 0; i < n && !rc; i++)
        if (st[i]) {
            rc = st[i];
            ctx->errcode = sub[i].errcode;
            memcpy(ctx->errmsg, sub[i].errmsg, sizeof ctx->errmsg);
        }
    ks__free(ctx, own);
    ks__free(ctx, sub);
    return rc;
}
