/* table.c — the column store: create, add columns (owned or borrowed), look up, free. */
#include <math.h>
#include <string.h>

#include "table_internal.h"

static const ks__enum_entry col_type_names[] = {{"auto", KS_COL_AUTO},
                                                {"int64", KS_COL_INT64},
                                                {"float64", KS_COL_FLOAT64},
                                                {"string", KS_COL_STRING}};
KS__ENUM_FUNCS(ks_col_type, ks_col_type, "column type", col_type_names)

int ks_table_new(ks_ctx *ctx, size_t nrow, ks_table **out)
{
    *out = NULL;
    ks_table *t = ks__calloc(ctx, 1, sizeof *t);
    if (!t) return KS_ENOMEM;
    t->alloc = ctx->alloc;
    t->nrow = nrow;
    *out = t;
    return KS_OK;
}

void ks__column_free(const ks_allocator *a, ks_column *c)
{
    ks__release(a, c->name);
    if (!c->borrowed) ks__release(a, c->data);
    ks__release(a, c->arena);
    ks__release(a, c->offsets);
    ks__release(a, c->valid);
    memset(c, 0, sizeof *c);
}

void ks_table_free(ks_table *t)
{
    if (!t) return;
    for (size_t j = 0; j < t->ncol; j++) ks__column_free(&t->alloc, &t->cols[j]);
    ks__release(&t->alloc, t->cols);
    ks__release(&t->alloc, t);
}

int ks__table_append_column(ks_ctx *ctx, ks_table *t, ks_column *c)
{
    for (size_t j = 0; j < t->ncol; j++)
        if (!strcmp(t->cols[j].name, c->name)) {
            int rc = ks__fail(ctx, KS_EINVAL, "table: a column is already called '%s'", c->name);
            ks__column_free(&ctx->alloc, c);
            return rc;
        }
    if (t->ncol == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        ks_column *nc = ks__realloc(ctx, t->cols, cap * sizeof *nc);
        if (!nc) {
            ks__column_free(&ctx->alloc, c);
            return KS_ENOMEM;
        }
        t->cols = nc;
        t->cap = cap;
    }
    t->cols[t->ncol++] = *c;
    return KS_OK;
}

static int add_numeric(ks_ctx *ctx, ks_table *t, const char *name, const void *v, ks_col_type type,
                       int borrow)
{
    ks_column c = {0};
    c.type = type;
    c.borrowed = borrow;
    if (!(c.name = ks__strdup(ctx, name))) return KS_ENOMEM;
    if (borrow) {
        c.data = (void *)v;
    } else {
        if (!(c.data = ks__malloc_array(ctx, t->nrow ? t->nrow : 1, 8))) {
            ks__column_free(&ctx->alloc, &c);
            return KS_ENOMEM;
        }
        if (t->nrow) memcpy(c.data, v, t->nrow * 8);
    }
    return ks__table_append_column(ctx, t, &c);
}

int ks_table_add_float64(ks_ctx *ctx, ks_table *t, const char *name, const double *v)
{
    return add_numeric(ctx, t, name, v, KS_COL_FLOAT64, 0);
}
int ks_table_add_float64_borrowed(ks_ctx *ctx, ks_table *t, const char *name, const double *v)
{
    return add_numeric(ctx, t, name, v, KS_COL_FLOAT64, 1);
}
int ks_table_add_int64(ks_ctx *ctx, ks_table *t, const char *name, const int64_t *v)
{
    return add_numeric(ctx, t, name, v, KS_COL_INT64, 0);
}
int ks_table_add_int64_borrowed(ks_ctx *ctx, ks_table *t, const char *name, const int64_t *v)
{
    return add_numeric(ctx, t, name, v, KS_COL_INT64, 1);
}

int ks_table_add_string(ks_ctx *ctx, ks_table *t, const char *name, const char *const *v,
                        const uint8_t *valid)
{
    ks_column c = {0};
    c.type = KS_COL_STRING;
    size_t bytes = 1;
    for (size_t i = 0; i < t->nrow; i++)
        if (v[i] && (!valid || valid[i])) bytes += strlen(v[i]) + 1;
    c.name = ks__strdup(ctx, name);
    c.arena = ks__malloc(ctx, bytes);
    c.offsets = ks__malloc_array(ctx, t->nrow + 1, sizeof *c.offsets);
    c.valid = ks__malloc(ctx, t->nrow + 1);
    if (!c.name || !c.arena || !c.offsets || !c.valid) {
        ks__column_free(&ctx->alloc, &c);
        return KS_ENOMEM;
    }
    size_t at = 0;
    c.arena[at++] = '\0'; /* offset 0: the empty string NA rows point to */
    for (size_t i = 0; i < t->nrow; i++) {
        c.valid[i] = v[i] && (!valid || valid[i]);
        if (!c.valid[i]) {
            c.offsets[i] = 0;
            continue;
        }
        size_t n = strlen(v[i]) + 1;
        memcpy(c.arena + at, v[i], n);
        c.offsets[i] = at;
        at += n;
    }
    return ks__table_append_column(ctx, t, &c);
}

size_t ks_table_nrow(const ks_table *t) { return t->nrow; }
size_t ks_table_ncol(const ks_table *t) { return t->ncol; }
const char *ks_table_col_name(const ks_table *t, size_t j)
{
    return j < t->ncol ? t->cols[j].name : NULL;
}

int ks_table_find(ks_ctx *ctx, const ks_table *t, const char *name, size_t *j)
{
    for (size_t k = 0; k < t->ncol; k++)
        if (!strcmp(t->cols[k].name, name)) {
            *j = k;
            return KS_OK;
        }
    return ks__fail(ctx, KS_ENOTFOUND, "no column '%s'", name);
}

ks_col_type ks_table_col_type(const ks_table *t, size_t j)
{
    return j < t->ncol ? t->cols[j].type : KS_COL_AUTO;
}

const double *ks_table_float64(const ks_table *t, size_t j)
{
    return j < t->ncol && t->cols[j].type == KS_COL_FLOAT64 ? t->cols[j].data : NULL;
}

const int64_t *ks_table_int64(const ks_table *t, size_t j)
{
    return j < t->ncol && t->cols[j].type == KS_COL_INT64 ? t->cols[j].data : NULL;
}

const char *ks_table_string(const ks_table *t, size_t j, size_t row)
{
    if (j >= t->ncol || row >= t->nrow || t->cols[j].type != KS_COL_STRING) return NULL;
    const ks_column *c = &t->cols[j];
    return c->valid[row] ? c->arena + c->offsets[row] : NULL;
}

int ks_table_get_double(ks_ctx *ctx, const ks_table *t, size_t j, double *dst, size_t dst_len)
{
    if (j >= t->ncol) return ks__fail(ctx, KS_EINVAL, "column index %zu out of range", j);
    if (dst_len < t->nrow)
        return ks__fail(ctx, KS_EINVAL, "column '%s': dst has room for %zu values; %zu needed",
                        t->cols[j].name, dst_len, t->nrow);
    const ks_column *c = &t->cols[j];
    if (c->type == KS_COL_FLOAT64) {
        if (t->nrow) memcpy(dst, c->data, t->nrow * sizeof *dst);
    } else if (c->type == KS_COL_INT64) {
        const int64_t *v = c->data;
        for (size_t i = 0; i < t->nrow; i++) dst[i] = (double)v[i];
    } else {
        return ks__fail(ctx, KS_ETYPE, "column '%s' is text, not numbers", c->name);
    }
    return KS_OK;
}
