/* table_internal.h — the column store behind ks_table, shared by the files of src/table. */
#ifndef KS_TABLE_INTERNAL_H
#define KS_TABLE_INTERNAL_H

#include <string.h>

#include "base/base_internal.h"
#include "kestrel/table.h"

typedef struct {
    char *name;
    ks_col_type type;
    int borrowed;    /* data belongs to the caller */
    void *data;      /* int64_t[] or double[]; NULL for strings */
    char *arena;     /* strings: the bytes, each NUL-terminated */
    size_t *offsets; /* strings: nrow offsets into arena */
    uint8_t *valid;  /* strings: 0 = NA */
} ks_column;

struct ks_table {
    ks_allocator alloc; /* a copy, so ks_table_free needs no ctx */
    size_t nrow, ncol, cap;
    ks_column *cols;
};

/* Append a column that the table takes over (name and arrays allocated with ctx). On failure
 * the column's memory is freed. */
int ks__table_append_column(ks_ctx *ctx, ks_table *t, ks_column *c);
void ks__column_free(const ks_allocator *a, ks_column *c);

/* s ends with suffix */
static inline int ks__ends_with(const char *s, const char *suffix)
{
    const size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

#endif
