/* csv_source.c — the bytes a CSV reader consumes: a file (plain or gzip, by its magic bytes) or
 * a buffer in memory (plain or gzip, inflated in chunks). A gzip file is inflated by ISA-L's
 * igzip where kestrel is built with it (about twice zlib's speed; every member of a
 * multi-member file, each one's CRC and length checked), else by zlib's gzread. A truncated or
 * corrupt gzip stream is an error naming the file, never a silent short read. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "csv_internal.h"

#ifdef KS_HAVE_ISAL
#include <isa-l/igzip_lib.h>

enum { IGZ_IN = 1 << 18 };
struct ks_igzip {
    FILE *f;
    uint64_t read;   /* compressed bytes read from the file */
    int eof, done;   /* the file read to its end; the last member inflated */
    struct inflate_state st;
    unsigned char in[IGZ_IN];
};

/* The gzip file at path through ISA-L, or *out NULL when it is not gzip (then zlib's gzread,
 * which passes plain files through, reads it). */
static int igz_open(ks_ctx *ctx, const char *path, ks_igzip **out)
{
    *out = NULL;
    errno = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return ks__fail(ctx, KS_EIO, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    unsigned char m[2];
    const size_t got = fread(m, 1, 2, f);
    if (got < 2 || m[0] != 0x1f || m[1] != 0x8b) {
        fclose(f);
        return KS_OK;
    }
    rewind(f);
    ks_igzip *g = ks__malloc(ctx, sizeof *g);
    if (!g) {
        fclose(f);
        return KS_ENOMEM;
    }
    memset(g, 0, offsetof(ks_igzip, st));
    g->f = f;
    isal_inflate_init(&g->st);
    g->st.crc_flag = ISAL_GZIP;
    *out = g;
    return KS_OK;
}

/* More compressed bytes after the unread ones (at least 2 where the file has them: a member's
 * magic bytes are read whole). */
static int igz_fill(ks_ctx *ctx, const char *name, ks_igzip *g)
{
    size_t have = g->st.avail_in;
    if (have) memmove(g->in, g->st.next_in, have);
    while (!g->eof && have < 2) {
        const size_t got = fread(g->in + have, 1, IGZ_IN - have, g->f);
        if (got == 0) {
            if (ferror(g->f))
                return ks__fail(ctx, KS_EIO, "%s: cannot read: %s", name, strerror(errno));
            g->eof = 1;
        }
        have += got;
        g->read += got;
    }
    g->st.next_in = g->in;
    g->st.avail_in = (uint32_t)have;
    return KS_OK;
}

static int64_t igz_read(ks_ctx *ctx, const char *name, ks_igzip *g, char *buf, size_t n)
{
    if (g->done) return 0;
    struct inflate_state *st = &g->st;
    st->next_out = (uint8_t *)buf;
    st->avail_out = n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    const uint32_t want = st->avail_out;
    while (st->avail_out > 0) {
        if (st->avail_in < 2 && !g->eof) {
            const int rc = igz_fill(ctx, name, g);
            if (rc) return rc;
        }
        if (st->block_state == ISAL_BLOCK_FINISH) { /* a member ended: another, or the end */
            if (st->avail_in < 2 || st->next_in[0] != 0x1f || st->next_in[1] != 0x8b) {
                g->done = 1; /* (bytes after the last member are ignored, as gzread does) */
                break;
            }
            uint8_t *next = st->next_in;
            const uint32_t avail = st->avail_in;
            uint8_t *out = st->next_out;
            const uint32_t room = st->avail_out;
            isal_inflate_reset(st);
            st->crc_flag = ISAL_GZIP;
            st->next_in = next;
            st->avail_in = avail;
            st->next_out = out;
            st->avail_out = room;
        }
        const uint32_t before = st->avail_out, in_before = st->avail_in;
        const int rc = isal_inflate(st);
        if (rc < 0)
            return ks__fail(ctx, KS_EIO, "%s: corrupt gzip (%s)", name,
                           rc == ISAL_INCORRECT_CHECKSUM ? "CRC or length mismatch"
                                                         : "invalid deflate data");
        if (st->block_state != ISAL_BLOCK_FINISH && g->eof && st->avail_in == in_before &&
            st->avail_out == before)
            return ks__fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (unexpected end)", name);
    }
    return (int64_t)(want - st->avail_out);
}
#endif

int ks__source_open_file(ks_ctx *ctx, const char *path, ks_source *s)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    s->ctx = ctx;
    struct stat st;
    const int known = stat(path, &st) == 0;
    if (known && S_ISDIR(st.st_mode))
        return ks__fail(ctx, KS_EIO, "%s: cannot open: %s", path, strerror(EISDIR));
    s->total = known ? (uint64_t)st.st_size : 0;
#ifdef KS_HAVE_ISAL
    const int rc = igz_open(ctx, path, &s->igz);
    if (rc || s->igz) return rc;
#endif
    errno = 0;
    s->gz = gzopen(path, "rb");
    if (!s->gz)
        return ks__fail(ctx, KS_EIO, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    gzbuffer(s->gz, 1 << 18);
    return KS_OK;
}

int ks__source_open_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len, ks_source *s)
{
    memset(s, 0, sizeof *s);
    s->name = name;
    s->mem = buf;
    s->memlen = len;
    s->total = len;
    if (len >= 2 && s->mem[0] == 0x1f && s->mem[1] == 0x8b) {
        s->zs.next_in = (unsigned char *)s->mem;
        s->zs.avail_in = len > UINT32_MAX ? UINT32_MAX : (unsigned)len;
        if (inflateInit2(&s->zs, 15 + 32) != Z_OK)
            return ks__fail(ctx, KS_ENOMEM, "%s: cannot start gzip decoding", name);
        s->inflating = 1;
    }
    return KS_OK;
}

uint64_t ks__source_consumed(ks_source *s)
{
#ifdef KS_HAVE_ISAL
    if (s->igz) return s->igz->read - s->igz->st.avail_in;
#endif
    if (s->gz) {
        z_off_t off = gzoffset(s->gz);
        return off > 0 ? (uint64_t)off : 0;
    }
    return s->inflating ? (uint64_t)(s->memlen - s->zs.avail_in) : s->mempos;
}

void ks__source_close(ks_source *s)
{
#ifdef KS_HAVE_ISAL
    if (s->igz) {
        fclose(s->igz->f);
        ks__free(s->ctx, s->igz);
    }
#endif
    if (s->gz) gzclose(s->gz);
    if (s->inflating) inflateEnd(&s->zs);
    memset(s, 0, sizeof *s);
}

static int64_t read_inflate(ks_ctx *ctx, ks_source *s, char *buf, size_t n)
{
    if (s->zdone) return 0;
    s->zs.next_out = (unsigned char *)buf;
    s->zs.avail_out = n > UINT32_MAX ? UINT32_MAX : (unsigned)n;
    while (s->zs.avail_out > 0) {
        int rc = inflate(&s->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            s->zdone = 1;
            break;
        }
        if (rc == Z_BUF_ERROR && s->zs.avail_in == 0)
            return ks__fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (unexpected end)", s->name);
        if (rc != Z_OK)
            return ks__fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (%s)", s->name,
                           s->zs.msg ? s->zs.msg : "zlib error");
    }
    return (int64_t)(n - s->zs.avail_out);
}

int64_t ks__source_read(ks_ctx *ctx, ks_source *s, char *buf, size_t n)
{
#ifdef KS_HAVE_ISAL
    if (s->igz) return igz_read(ctx, s->name, s->igz, buf, n);
#endif
    if (s->gz) {
        int got = gzread(s->gz, buf, n > (1u << 30) ? (1u << 30) : (unsigned)n);
        int err = Z_OK;
        const char *msg = gzerror(s->gz, &err);
        if (err == Z_ERRNO)
            return ks__fail(ctx, KS_EIO, "%s: cannot read: %s", s->name, strerror(errno));
        if (got < 0 || (err != Z_OK && err != Z_STREAM_END))
            return ks__fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (%s)", s->name, msg);
        return got;
    }
    if (s->inflating) return read_inflate(ctx, s, buf, n);
    size_t left = s->memlen - s->mempos, take = left < n ? left : n;
    memcpy(buf, s->mem + s->mempos, take);
    s->mempos += take;
    return (int64_t)take;
}
