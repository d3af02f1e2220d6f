/* csv_source.c — the bytes a CSV reader consumes: a file (plain or gzip, zlib's gzread detects
 * the magic bytes) or a buffer in memory (plain or gzip, inflated in chunks). A truncated or
 * corrupt gzip stream is an error naming the file, never a silent short read. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "csv_internal.h"

int ks_source_open_file(ks_ctx *ctx, const char *path, ks_source *s)
{
    memset(s, 0, sizeof *s);
    s->name = path;
    s->gz = gzopen(path, "rb");
    if (!s->gz)
        return ks_fail(ctx, KS_EIO, "%s: cannot open: %s", path,
                       errno ? strerror(errno) : "out of memory");
    gzbuffer(s->gz, 1 << 18);
    struct stat st;
    s->total = stat(path, &st) == 0 ? (uint64_t)st.st_size : 0;
    return KS_OK;
}

int ks_source_open_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len, ks_source *s)
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
            return ks_fail(ctx, KS_ENOMEM, "%s: cannot start gzip decoding", name);
        s->inflating = 1;
    }
    return KS_OK;
}

uint64_t ks_source_consumed(ks_source *s)
{
    if (s->gz) {
        z_off_t off = gzoffset(s->gz);
        return off > 0 ? (uint64_t)off : 0;
    }
    return s->inflating ? (uint64_t)(s->memlen - s->zs.avail_in) : s->mempos;
}

void ks_source_close(ks_source *s)
{
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
            return ks_fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (unexpected end)", s->name);
        if (rc != Z_OK)
            return ks_fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (%s)", s->name,
                           s->zs.msg ? s->zs.msg : "zlib error");
    }
    return (int64_t)(n - s->zs.avail_out);
}

int64_t ks_source_read(ks_ctx *ctx, ks_source *s, char *buf, size_t n)
{
    if (s->gz) {
        int got = gzread(s->gz, buf, n > (1u << 30) ? (1u << 30) : (unsigned)n);
        int err = Z_OK;
        const char *msg = gzerror(s->gz, &err);
        if (got < 0 || (err != Z_OK && err != Z_STREAM_END))
            return ks_fail(ctx, KS_EIO, "%s: corrupt or truncated gzip (%s)", s->name,
                           err == Z_ERRNO ? strerror(errno) : msg);
        return got;
    }
    if (s->inflating) return read_inflate(ctx, s, buf, n);
    size_t left = s->memlen - s->mempos, take = left < n ? left : n;
    memcpy(buf, s->mem + s->mempos, take);
    s->mempos += take;
    return (int64_t)take;
}
