/* csv_write.c — write a table as CSV/TSV (optionally gzip) through a ks_text_writer: a failed or
 * interrupted write leaves no partial file. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "table_internal.h"

typedef ks_text_writer sink;

static void put(sink *s, const char *p, size_t n) { ks_text_write(s, p, n); }

static void put_str(sink *s, const char *str, char delim)
{
    if (!strpbrk(str, "\"\r\n") && !strchr(str, delim)) {
        put(s, str, strlen(str));
        return;
    }
    put(s, "\"", 1);
    for (const char *p = str; *p; p++) {
        if (*p == '"')
            put(s, "\"\"", 2);
        else
            put(s, p, 1);
    }
    put(s, "\"", 1);
}

static void put_cell(sink *s, const ks_table *t, size_t j, size_t i, char delim, const char *na)
{
    const ks_column *c = &t->cols[j];
    char num[40];
    int n;
    if (c->type == KS_COL_INT64) {
        n = snprintf(num, sizeof num, "%lld", (long long)((const int64_t *)c->data)[i]);
        put(s, num, (size_t)n);
    } else if (c->type == KS_COL_FLOAT64) {
        double v = ((const double *)c->data)[i];
        if (isnan(v)) {
            put(s, na, strlen(na));
            return;
        }
        n = snprintf(num, sizeof num, "%.17g", v);
        put(s, num, (size_t)n);
    } else if (!c->valid[i]) {
        put(s, na, strlen(na));
    } else {
        put_str(s, c->arena + c->offsets[i], delim);
    }
}

int ks_table_write_csv(ks_ctx *ctx, const ks_table *t, const char *path,
                       const ks_csv_write_options *opt)
{
    ks_csv_write_options o = KS_CSV_WRITE_OPTIONS_INIT;
    if (opt) o = *opt;
    const int gz = o.gzip < 0 ? ks__ends_with(path, ".gz") : o.gzip;
    char delim = o.delim;
    if (!delim) {
        char base[4096];
        snprintf(base, sizeof base, "%s", path);
        if (gz && ks__ends_with(base, ".gz")) base[strlen(base) - 3] = '\0';
        delim = ks__ends_with(base, ".tsv") || ks__ends_with(base, ".tab") ? '\t' : ',';
    }
    const char *na = o.na ? o.na : "NA";
    sink *s;
    int rc = ks_text_create(ctx, path, gz ? 6 : 0, &s);
    if (rc) return rc;
    for (size_t j = 0; j < t->ncol; j++) {
        if (j) put(s, &delim, 1);
        put_str(s, t->cols[j].name, delim);
    }
    put(s, "\n", 1);
    for (size_t i = 0; i < t->nrow; i++) {
        for (size_t j = 0; j < t->ncol; j++) {
            if (j) put(s, &delim, 1);
            put_cell(s, t, j, i, delim, na);
        }
        put(s, "\n", 1);
    }
    return ks_text_commit(s);
}

