/* buffer.c — growable arrays (ks__grow in base_internal.h). */
#include "base/base_internal.h"

int ks__grow(ks_ctx *ctx, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return KS_OK;
    size_t nc = *cap ? *cap : 1024, bytes;
    while (nc < need)
        if (!ks__size_mul(nc, 2, &nc))
            return ks__fail(ctx, KS_EOVERFLOW, "%zu items of %zu bytes are too many", need, size);
    if (!ks__size_mul(nc, size, &bytes))
        return ks__fail(ctx, KS_EOVERFLOW, "%zu items of %zu bytes are too many", nc, size);
    void *q = ks__realloc(ctx, *p, bytes);
    if (!q) return KS_ENOMEM;
    *p = q;
    *cap = nc;
    return KS_OK;
}
