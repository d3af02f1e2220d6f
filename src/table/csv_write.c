/* csv_write.c — write a table as CSV/TSV (optionally gzip) through a temporary file in the same
 * directory, renamed over the target only when everything was written: a failed or interrupted
 * write leaves no partial file. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "table_internal.h"

typedef struct {
    FILE *f;
    gzFile gz;
    char buf[1 << 16];
    size_t len;
    int failed;
} sink;

static void flush(sink *s)
{
    if (!s->len || s->failed) return;
    if (s->gz)
        s->failed = gzwrite(s->gz, s->buf, (unsigned)s->len) != (int)s->len;
    else
        s->failed = fwrite(s->buf, 1, s->len, s->f) != s->len;
    s->len = 0;
}

static void put(sink *s, const char *p, size_t n)
{
    while (n) {
        size_t room = sizeof s->buf - s->len, take = n < room ? n : room;
        memcpy(s->buf + s->len, p, take);
        s->len += take;
        p += take;
        n -= take;
        if (s->len == sizeof s->buf) flush(s);
    }
}

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

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && !strcmp(s + n - m, suffix);
}

int ks_table_write_csv(ks_ctx *ctx, const ks_table *t, const char *path,
                       const ks_csv_write_options *opt)
{
    ks_csv_write_options o = KS_CSV_WRITE_OPTIONS_INIT;
    if (opt) o = *opt;
    const int gz = o.gzip < 0 ? ends_with(path, ".gz") : o.gzip;
    char delim = o.delim;
    if (!delim) {
        char base[4096];
        snprintf(base, sizeof base, "%s", path);
        if (gz && ends_with(base, ".gz")) base[strlen(base) - 3] = '\0';
        delim = ends_with(base, ".tsv") || ends_with(base, ".tab") ? '\t' : ',';
    }
    const char *na = o.na ? o.na : "NA";
    size_t plen = strlen(path);
    char *tmp = ks_malloc(ctx, plen + 16);
    sink *s = ks_calloc(ctx, 1, sizeof *s);
    if (!tmp || !s) {
        ks_free(ctx, tmp);
        ks_free(ctx, s);
        return KS_ENOMEM;
    }
    snprintf(tmp, plen + 16, "%s.tmp.XXXXXX", path);
    int rc = KS_OK, fd = mkstemp(tmp);
    if (fd < 0) {
        rc = ks_fail(ctx, KS_EIO, "%s: cannot create: %s", path, strerror(errno));
        goto done;
    }
    if (gz)
        s->gz = gzdopen(fd, "wb6");
    else
        s->f = fdopen(fd, "wb");
    if (!s->gz && !s->f) {
        close(fd);
        unlink(tmp);
        rc = ks_fail(ctx, KS_EIO, "%s: cannot open for writing", path);
        goto done;
    }
    for (size_t j = 0; j < t->ncol; j++) {
        if (j) put(s, &delim, 1);
        put_str(s, t->cols[j].name, delim);
    }
    put(s, "\n", 1);
    for (size_t i = 0; i < t->nrow && !s->failed; i++) {
        for (size_t j = 0; j < t->ncol; j++) {
            if (j) put(s, &delim, 1);
            put_cell(s, t, j, i, delim, na);
        }
        put(s, "\n", 1);
    }
    flush(s);
    int closed = s->gz ? gzclose(s->gz) == Z_OK : fclose(s->f) == 0;
    if (s->failed || !closed) {
        unlink(tmp);
        rc = ks_fail(ctx, KS_EIO, "%s: write failed: %s", path, strerror(errno));
    } else if (rename(tmp, path) != 0) {
        unlink(tmp);
        rc = ks_fail(ctx, KS_EIO, "%s: cannot rename into place: %s", path, strerror(errno));
    }
done:
    ks_free(ctx, tmp);
    ks_free(ctx, s);
    return rc;
}
