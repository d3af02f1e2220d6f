/* snplist.c — a SNP reference list (HapMap3's w_hm3.snplist: `SNP A1 A2`, whitespace-separated,
 * plain or gzip) held once and shared read-only by every file munged against it: the names in
 * one arena, a hash index, and each name's rank in byte order (the order R's data.table merge
 * writes rows in). */
#include <stdlib.h>
#include <string.h>

#include "gsem_internal.h"

void ks__gsem_snplist_free(const ks_allocator *a, ks__gsem_snplist *s)
{
    ks__release(a, s->arena);
    ks__release(a, s->off);
    ks__release(a, s->a1off);
    ks__release(a, s->a2off);
    ks__release(a, s->a1);
    ks__release(a, s->a2);
    ks__release(a, s->rank);
    ks__release(a, s->name);
    ks__index_free(a, &s->index);
    memset(s, 0, sizeof *s);
}

static int cmp_name(const void *a, const void *b, void *ctx)
{
    const ks__gsem_snplist *s = ctx;
    const uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
    const int c = strcmp(s->name[i], s->name[j]);
    return c ? c : (i > j) - (i < j);
}

int ks__gsem_snplist_read(ks_ctx *ctx, const char *path, ks__gsem_snplist *out)
{
    memset(out, 0, sizeof *out);
    ks_text_reader *r;
    int rc = ks_text_open(ctx, path, 0, &r);
    if (rc) return rc;
    size_t nf, line, cap = 0, acap = 0, alen = 0, n = 0;
    char *const *f;
    size_t *off = NULL, *a1o = NULL, *a2o = NULL;
    size_t cap1 = 0, cap2 = 0;
    char *arena = NULL;
    int col[3], header = 1;
    while ((rc = ks_text_next(r, &nf, &f, &line)) == 1) {
        if (header) {
            static const char *const want[3] = {"SNP", "A1", "A2"};
            if ((rc = ks__gsem_header(ctx, path, f, nf, want, 3, col))) goto fail;
            header = 0;
            continue;
        }
        if (nf <= (size_t)col[0] || nf <= (size_t)col[1] || nf <= (size_t)col[2]) {
            rc = ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, fewer than the header's", path, line,
                         nf);
            goto fail;
        }
        const char *txt[3] = {f[col[0]], f[col[1]], f[col[2]]};
        size_t need = alen;
        for (int k = 0; k < 3; k++) need += strlen(txt[k]) + 1;
        if ((rc = ks__grow(ctx, (void **)&arena, &acap, need, 1)) ||
            (rc = ks__grow(ctx, (void **)&off, &cap, n + 1, sizeof *off)) ||
            (rc = ks__grow(ctx, (void **)&a1o, &cap1, n + 1, sizeof *a1o)) ||
            (rc = ks__grow(ctx, (void **)&a2o, &cap2, n + 1, sizeof *a2o)))
            goto fail;
        size_t *dst[3] = {off, a1o, a2o};
        for (int k = 0; k < 3; k++) {
            const size_t l = strlen(txt[k]) + 1;
            memcpy(arena + alen, txt[k], l);
            dst[k][n] = alen;
            alen += l;
        }
        n++;
    }
    if (rc < 0) goto fail;
    if (header) {
        rc = ks__fail(ctx, KS_EPARSE, "%s: empty reference list", path);
        goto fail;
    }
    if (n >= UINT32_MAX / 2) {
        rc = ks__fail(ctx, KS_EINVAL, "%s: %zu SNPs are too many", path, n);
        goto fail;
    }
    ks_text_close(r);
    r = NULL;
    out->n = n;
    out->arena = arena;
    out->off = off;
    out->a1off = a1o;
    out->a2off = a2o;
    arena = NULL;
    off = a1o = a2o = NULL;
    out->name = ks__malloc_array(ctx, n ? n : 1, sizeof *out->name);
    out->a1 = ks__malloc(ctx, n ? n : 1);
    out->a2 = ks__malloc(ctx, n ? n : 1);
    out->rank = ks__malloc_array(ctx, n ? n : 1, sizeof *out->rank);
    uint32_t *order = ks__malloc_array(ctx, n ? n : 1, sizeof *order);
    if (!out->name || !out->a1 || !out->a2 || !out->rank || !order) {
        ks__free(ctx, order);
        ks__gsem_snplist_free(&ctx->alloc, out);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        out->a1[i] = (signed char)ks__gsem_allele(out->arena + out->a1off[i], 0);
        out->a2[i] = (signed char)ks__gsem_allele(out->arena + out->a2off[i], 0);
        out->name[i] = out->arena + out->off[i];
        order[i] = (uint32_t)i;
    }
    if (ks__index_build(ctx, out->name, n, &out->index)) {
        ks__free(ctx, order);
        ks__gsem_snplist_free(&ctx->alloc, out);
        return KS_ENOMEM;
    }
    qsort_r(order, n, sizeof *order, cmp_name, out);
    for (size_t i = 0; i < n; i++) out->rank[order[i]] = (uint32_t)i;
    ks__free(ctx, order);
    return KS_OK;
fail:
    ks_text_close(r);
    ks__free(ctx, arena);
    ks__free(ctx, off);
    ks__free(ctx, a1o);
    ks__free(ctx, a2o);
    return rc;
}
