/* buffer.c — growable arrays (ks__grow) and text built with printf formats (ks__sbuf), in
 * base_internal.h. */
#include <stdarg.h>
#include <stdio.h>

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

void ks__sbuf_printf(ks__sbuf *b, const char *fmt, ...)
{
    if (b->oom) return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        const int k = vsnprintf(b->s ? b->s + b->len : NULL, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (k < 0) {
            b->oom = 1;
            return;
        }
        if ((size_t)k < b->cap - b->len) {
            b->len += (size_t)k;
            return;
        }
        const size_t cap = 2 * b->cap + (size_t)k + 256;
        char *s = ks__realloc(b->ctx, b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

int ks__sbuf_string(ks__sbuf *b, char **out)
{
    *out = b->oom ? NULL : ks__string_new(b->ctx, b->s ? b->s : "", b->len);
    ks__sbuf_free(b);
    return *out ? KS_OK : KS_ENOMEM;
}

void ks__sbuf_free(ks__sbuf *b)
{
    ks__free(b->ctx, b->s);
    b->s = NULL;
    b->len = b->cap = 0;
}
