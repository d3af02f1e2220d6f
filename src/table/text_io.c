/* text_io.c — streaming text files for callers that never hold a whole file: a reader that
 * hands out one record at a time (plain or gzip, a delimiter or runs of blanks), and a writer
 * that goes through a temporary file in the target's directory (text_tmp.c), renamed over the
 * target only when everything was written (a failed or abandoned write leaves no partial file),
 * alone or with the other files of its group. */
#if defined(__linux__) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE /* fallocate */
#endif
#ifdef __linux__
#include <fcntl.h>
#endif
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv_internal.h"
#include "text_tmp.h"
#ifdef KS_HAVE_ISAL
#include <isa-l/igzip_lib.h>
#endif

struct ks_text_reader {
    ks_ctx *ctx;
    ks_source src;
    ks_records rec;
    char *path;
};

int ks_text_open(ks_ctx *ctx, const char *path, char delim, ks_text_reader **out)
{
    *out = NULL;
    ks_text_reader *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return KS_ENOMEM;
    r->ctx = ctx;
    r->path = ks__strdup(ctx, path);
    int rc = r->path ? ks__source_open_file(ctx, r->path, &r->src) : KS_ENOMEM;
    if (rc) {
        ks__free(ctx, r->path);
        ks__free(ctx, r);
        return rc;
    }
    if ((rc = ks__records_init(ctx, &r->rec, &r->src, delim ? delim : ' ', 0))) {
        ks__source_close(&r->src);
        ks__free(ctx, r->path);
        ks__free(ctx, r);
        return rc;
    }
    r->rec.blanks = !delim;
    r->rec.quiet = 1;
    *out = r;
    return KS_OK;
}

int ks_text_next(ks_text_reader *r, size_t *nfields, char *const **fields, size_t *line)
{
    int rc = ks__records_next(&r->rec, line);
    if (rc == 1) {
        *nfields = r->rec.nfields;
        *fields = r->rec.fields;
    }
    return rc;
}

int ks_text_batch(ks_text_reader *r, size_t max, ks_text_record *recs, size_t *n)
{
    *n = 0;
    const int rc = ks__records_batch(&r->rec, max ? max : 1);
    if (rc != 1) return rc;
    const ks_records *q = &r->rec;
    for (size_t i = 0; i < q->nrec; i++) {
        const size_t end = i + 1 < q->nrec ? q->rfirst[i + 1] : q->nfields;
        recs[i].fields = q->fields + q->rfirst[i];
        recs[i].nfields = end - q->rfirst[i];
        recs[i].line = q->rfirst[q->rcap + i];
    }
    *n = q->nrec;
    return 1;
}

void ks_text_progress(ks_text_reader *r, uint64_t *done, uint64_t *total)
{
    *done = ks__source_consumed(&r->src);
    *total = r->src.total;
}

void ks_text_close(ks_text_reader *r)
{
    if (!r) return;
    ks__records_free(&r->rec);
    ks__source_close(&r->src);
    ks__free(r->ctx, r->path);
    ks__free(r->ctx, r);
}

/* ISA-L's igzip, where it is built in, for gzip levels 1 to 3: its level 1 deflates about 3
 * times as fast as zlib's level 1 into a file about 4% smaller. */
typedef struct {
#ifdef KS_HAVE_ISAL
    struct isal_zstream zs;
    unsigned char out[1 << 16];
    unsigned char level_buf[ISAL_DEF_LVL1_DEFAULT];
#else
    int unused;
#endif
} ks_fast_gzip;

struct ks_text_writer {
    ks_ctx *ctx;
    char *path, *tmp;
    FILE *f;     /* plain, or under fz */
    gzFile gz;   /* zlib */
    ks_fast_gzip *fz;
    char buf[1 << 16];
    size_t len;
    int failed;
    ks_text_group *group; /* NULL: renamed by ks_text_commit */
    size_t slot;          /* its entry in the group */
};

#ifdef KS_HAVE_ISAL
/* Deflate buf[0..len) (with end, the stream's end too) and write what comes out. */
static int fast_gzip_write(ks_text_writer *w, const char *buf, size_t len, int end)
{
    struct isal_zstream *zs = &w->fz->zs;
    zs->next_in = (uint8_t *)buf;
    zs->avail_in = (uint32_t)len;
    zs->end_of_stream = end;
    zs->flush = NO_FLUSH;
    do {
        zs->next_out = w->fz->out;
        zs->avail_out = sizeof w->fz->out;
        if (isal_deflate(zs) != COMP_OK) return -1;
        const size_t got = sizeof w->fz->out - zs->avail_out;
        if (got && fwrite(w->fz->out, 1, got, w->f) != got) return -1;
    } while (zs->avail_in || (end && zs->internal_state.state != ZSTATE_END));
    return 0;
}
#endif

/* 1 when ISA-L takes the gzip stream (levels 1 to 3, where it is built in), 0 when zlib
 * does, < 0 on an error. */
static int fast_gzip_open(ks_ctx *ctx, ks_text_writer *w, int level)
{
#ifdef KS_HAVE_ISAL
    if (level < 1 || level > 3) return 0;
    if (!(w->fz = ks__malloc(ctx, sizeof *w->fz))) return KS_ENOMEM;
    isal_deflate_init(&w->fz->zs);
    w->fz->zs.gzip_flag = IGZIP_GZIP;
    w->fz->zs.level = 1;
    w->fz->zs.level_buf = w->fz->level_buf;
    w->fz->zs.level_buf_size = sizeof w->fz->level_buf;
    return 1;
#else
    (void)ctx;
    (void)w;
    (void)level;
    return 0;
#endif
}

int ks_text_group_create(ks_ctx *ctx, ks_text_group *g, const char *path, int gzip,
                         ks_text_writer **out)
{
    *out = NULL;
    ks_text_writer *w = ks__calloc(ctx, 1, sizeof *w);
    if (w) {
        w->ctx = ctx;
        w->path = ks__strdup(ctx, path);
    }
    if (!w || !w->path) {
        if (w) ks__free(ctx, w->path);
        ks__free(ctx, w);
        return KS_ENOMEM;
    }
    const int fd = ks__tmp_open(ctx, path, &w->tmp);
    int rc = fd < 0 ? fd : KS_OK;
    const int grouped = !rc && g && (rc = ks__group_add(ctx, g, path, w->tmp, &w->slot)) == KS_OK;
    if (!rc) {
        const int level = gzip < 0 ? (ks__ends_with(path, ".gz") ? 6 : 0) : gzip > 9 ? 9 : gzip;
        char mode[4] = {'w', 'b', (char)('0' + level), '\0'};
        errno = 0;
        const int fast = fast_gzip_open(ctx, w, level);
        if (fast < 0)
            rc = fast;
        else if (fast || !level)
            w->f = fdopen(fd, "wb");
        else
            w->gz = gzdopen(fd, mode);
        if (!rc && !w->gz && !w->f)
            rc = ks__fail(ctx, KS_EIO, "%s: cannot open for writing: %s", path,
                         strerror(errno ? errno : ENOMEM));
        if (rc && grouped) ks__group_done(g, w->slot, 0);
    }
    if (rc && fd >= 0) { /* (no stream was opened on fd) */
        ks__free(ctx, w->fz);
        close(fd);
        unlink(w->tmp);
    }
    if (rc) {
        ks__free(ctx, w->path);
        ks__free(ctx, w->tmp);
        ks__free(ctx, w);
        return rc;
    }
    w->group = g;
    *out = w;
    return KS_OK;
}

int ks_text_create(ks_ctx *ctx, const char *path, int gzip, ks_text_writer **out)
{
    return ks_text_group_create(ctx, NULL, path, gzip, out);
}

static void flush(ks_text_writer *w)
{
    if (!w->len || w->failed) return;
    if (w->gz)
        w->failed = gzwrite(w->gz, w->buf, (unsigned)w->len) != (int)w->len;
#ifdef KS_HAVE_ISAL
    else if (w->fz)
        w->failed = fast_gzip_write(w, w->buf, w->len, 0) != 0;
#endif
    else
        w->failed = fwrite(w->buf, 1, w->len, w->f) != w->len;
    w->len = 0;
}

void ks_text_write(ks_text_writer *w, const char *p, size_t n)
{
    if (n >= sizeof w->buf && !w->gz && !w->fz) { /* a large plain block: one write, no copy */
        flush(w);
        if (!w->failed) w->failed = fwrite(p, 1, n, w->f) != n;
        return;
    }
    while (n) {
        size_t room = sizeof w->buf - w->len, take = n < room ? n : room;
        memcpy(w->buf + w->len, p, take);
        w->len += take;
        p += take;
        n -= take;
        if (w->len == sizeof w->buf) flush(w);
    }
}

void ks_text_reserve(ks_text_writer *w, uint64_t bytes)
{
#ifdef __linux__
    if (w->gz || w->fz || w->failed || !bytes) return;
    const long off = ftell(w->f);
    if (off >= 0)
        (void)fallocate(fileno(w->f), FALLOC_FL_KEEP_SIZE, (off_t)(off + (long)w->len),
                        (off_t)bytes);
#else
    (void)w, (void)bytes;
#endif
}

void ks_text_puts(ks_text_writer *w, const char *s) { ks_text_write(w, s, strlen(s)); }

void ks_text_printf(ks_text_writer *w, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    const int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) {
        w->failed = 1;
        return;
    }
    if ((size_t)n < sizeof buf) {
        ks_text_write(w, buf, (size_t)n);
        return;
    }
    char *big = ks__malloc(w->ctx, (size_t)n + 1);
    if (!big) {
        w->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ks_text_write(w, big, (size_t)n);
    ks__free(w->ctx, big);
}

static void writer_free(ks_text_writer *w)
{
    ks__free(w->ctx, w->fz);
    ks__free(w->ctx, w->path);
    ks__free(w->ctx, w->tmp);
    ks__free(w->ctx, w);
}

int ks_text_commit(ks_text_writer *w)
{
    ks_ctx *ctx = w->ctx;
    flush(w);
#ifdef KS_HAVE_ISAL
    if (w->fz && !w->failed) w->failed = fast_gzip_write(w, NULL, 0, 1) != 0;
#endif
    const int closed = w->gz ? gzclose(w->gz) == Z_OK : fclose(w->f) == 0;
    int rc = KS_OK;
    if (w->failed || !closed) {
        rc = ks__fail(ctx, KS_EIO, "%s: write failed: %s", w->path, strerror(errno));
        unlink(w->tmp);
    } else if (!w->group && rename(w->tmp, w->path) != 0) {
        rc = ks__fail(ctx, KS_EIO, "%s: cannot rename into place: %s", w->path, strerror(errno));
        unlink(w->tmp);
    }
    if (w->group) ks__group_done(w->group, w->slot, rc == KS_OK);
    writer_free(w);
    return rc;
}

void ks_text_abort(ks_text_writer *w)
{
    if (!w) return;
    if (w->gz)
        gzclose(w->gz);
    else
        fclose(w->f);
    unlink(w->tmp);
    if (w->group) ks__group_done(w->group, w->slot, 0);
    writer_free(w);
}
