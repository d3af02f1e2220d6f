/* npz.c — NumPy's .npz: a zip archive (PKWARE's APPNOTE) whose members are .npy files named
 * "<key>.npy", stored or deflated.
 *
 * Writing streams each member through the house's writer (a temporary file renamed at the end),
 * so a member's sizes and CRC-32 are not known when its local header is written: they follow
 * its data in a data descriptor (flag bit 3) and are repeated in the central directory, which
 * readers (Python's zipfile among them) take them from. ZIP64 fields are written where a member
 * may pass 4 GiB, where an offset does, and for the end record when the archive needs it.
 *
 * Reading takes the central directory from the end record (ZIP64's where present, as NumPy's
 * own archives may have), and each member's data from its local header, inflated on the fly
 * into the array's memory and checked against the directory's sizes and CRC-32. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array/npy_internal.h"
#include "base/hash_index.h"

#define CHUNK ((size_t)1 << 20)
#define SIG_LOCAL 0x04034b50u
#define SIG_CENTRAL 0x02014b50u
#define SIG_END 0x06054b50u
#define SIG_END64 0x06064b50u
#define SIG_LOC64 0x07064b50u
#define SIG_DESC 0x08074b50u
#define MAX32 0xffffffffu
/* A member this large (before deflating) gets ZIP64 sizes: deflate may grow data a little. */
#define ZIP64_MEMBER 0xf0000000u
#define DOS_DATE 0x21 /* 1980-01-01, 00:00: archives do not depend on when they were written */

/* ---- zlib through the ctx's allocator ---------------------------------------------------- */

static voidpf z_alloc(voidpf ctx, uInt items, uInt size)
{
    return ks__malloc_array(ctx, items, size);
}
static void z_free(voidpf ctx, voidpf p) { ks__free(ctx, p); }

/* ---- little-endian fields ---------------------------------------------------------------- */

static void put(unsigned char **p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++) (*p)[i] = (unsigned char)(v >> (8 * i));
    *p += bytes;
}
static uint64_t get(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--) v = v << 8 | p[i];
    return v;
}

/* ---- writing ----------------------------------------------------------------------------- */

typedef struct {
    uint64_t off, csize, usize;
    uint32_t crc;
    bool zip64; /* the local header and descriptor have ZIP64 sizes */
} written;

static bool ascii(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s >= 0x80) return false;
    return true;
}

/* One member: local header, the .npy bytes, data descriptor. *pos: the archive's length. */
static int write_member(ks_ctx *ctx, ks__npy_sink *s, const char *name, const ks_array *a,
                        uint64_t *pos, written *m)
{
    uint64_t usize;
    int rc = ks__npy_size(ctx, a, &usize);
    if (rc) return rc;
    char fname[4096];
    const size_t nl = (size_t)snprintf(fname, sizeof fname, "%s.npy", name);
    m->off = *pos;
    m->zip64 = usize >= ZIP64_MEMBER;
    unsigned char h[64], *p = h;
    put(&p, SIG_LOCAL, 4);
    put(&p, m->zip64 ? 45 : 20, 2);
    put(&p, 0x08 | (ascii(name) ? 0 : 0x800), 2); /* sizes follow the data; UTF-8 name */
    put(&p, s->z ? 8 : 0, 2);
    put(&p, 0, 2);
    put(&p, DOS_DATE, 2);
    put(&p, 0, 4);
    put(&p, m->zip64 ? MAX32 : 0, 4);
    put(&p, m->zip64 ? MAX32 : 0, 4);
    put(&p, nl, 2);
    put(&p, m->zip64 ? 20 : 0, 2);
    ks_text_write(s->w, (const char *)h, (size_t)(p - h));
    ks_text_write(s->w, fname, nl);
    *pos += (uint64_t)(p - h) + nl;
    if (m->zip64) {
        p = h;
        put(&p, 1, 2), put(&p, 16, 2), put(&p, 0, 8), put(&p, 0, 8);
        ks_text_write(s->w, (const char *)h, 20);
        *pos += 20;
    }
    s->crc = 0, s->nin = s->nout = 0;
    if (s->z && deflateReset(s->z) != Z_OK) return ks__fail(ctx, KS_EIO, "deflateReset failed");
    if ((rc = ks__npy_write(ctx, s, a))) return rc;
    ks__npy_sink_finish(s);
    if (s->failed) return ks__fail(ctx, KS_EIO, "%s: deflate failed", name);
    m->crc = s->crc, m->csize = s->nout, m->usize = s->nin;
    if (!m->zip64 && (m->csize >= MAX32 || m->usize >= MAX32))
        return ks__fail(ctx, KS_EOVERFLOW, "%s: a member grew past its size estimate", name);
    *pos += m->csize;
    p = h;
    put(&p, SIG_DESC, 4);
    put(&p, m->crc, 4);
    put(&p, m->csize, m->zip64 ? 8 : 4);
    put(&p, m->usize, m->zip64 ? 8 : 4);
    ks_text_write(s->w, (const char *)h, (size_t)(p - h));
    *pos += (uint64_t)(p - h);
    return KS_OK;
}

/* The central directory and end records. */
static void write_directory(ks_text_writer *w, size_t n, const char *const *names, const written *m,
                            uint64_t pos, bool compress)
{
    const uint64_t cd_off = pos;
    for (size_t i = 0; i < n; i++) {
        const bool big_u = m[i].usize >= MAX32, big_c = m[i].csize >= MAX32,
                   big_o = m[i].off >= MAX32;
        const size_t xl = big_u || big_c || big_o ? 4 + 8 * (size_t)(big_u + big_c + big_o) : 0;
        char fname[4096];
        const size_t nl = (size_t)snprintf(fname, sizeof fname, "%s.npy", names[i]);
        unsigned char h[128], *p = h;
        put(&p, SIG_CENTRAL, 4);
        put(&p, 3 << 8 | 45, 2); /* made by: Unix, 4.5 */
        put(&p, m[i].zip64 || xl ? 45 : 20, 2);
        put(&p, 0x08 | (ascii(names[i]) ? 0 : 0x800), 2);
        put(&p, compress ? 8 : 0, 2);
        put(&p, 0, 2);
        put(&p, DOS_DATE, 2);
        put(&p, m[i].crc, 4);
        put(&p, big_c ? MAX32 : m[i].csize, 4);
        put(&p, big_u ? MAX32 : m[i].usize, 4);
        put(&p, nl, 2);
        put(&p, xl, 2);
        put(&p, 0, 2), put(&p, 0, 2), put(&p, 0, 2);
        put(&p, (uint64_t)0100644 << 16, 4); /* a regular file, rw-r--r-- */
        put(&p, big_o ? MAX32 : m[i].off, 4);
        ks_text_write(w, (const char *)h, (size_t)(p - h));
        ks_text_write(w, fname, nl);
        pos += (uint64_t)(p - h) + nl;
        if (xl) {
            p = h;
            put(&p, 1, 2), put(&p, xl - 4, 2);
            if (big_u) put(&p, m[i].usize, 8);
            if (big_c) put(&p, m[i].csize, 8);
            if (big_o) put(&p, m[i].off, 8);
            ks_text_write(w, (const char *)h, xl);
            pos += xl;
        }
    }
    const uint64_t cd_size = pos - cd_off;
    const bool z64 = n >= 0xffff || cd_off >= MAX32 || cd_size >= MAX32;
    unsigned char h[128], *p = h;
    if (z64) {
        put(&p, SIG_END64, 4);
        put(&p, 44, 8);
        put(&p, 3 << 8 | 45, 2), put(&p, 45, 2);
        put(&p, 0, 4), put(&p, 0, 4);
        put(&p, n, 8), put(&p, n, 8);
        put(&p, cd_size, 8), put(&p, cd_off, 8);
        put(&p, SIG_LOC64, 4);
        put(&p, 0, 4), put(&p, pos, 8), put(&p, 1, 4);
    }
    put(&p, SIG_END, 4);
    put(&p, 0, 2), put(&p, 0, 2);
    put(&p, z64 ? 0xffff : n, 2), put(&p, z64 ? 0xffff : n, 2);
    put(&p, z64 ? MAX32 : cd_size, 4), put(&p, z64 ? MAX32 : cd_off, 4);
    put(&p, 0, 2);
    ks_text_write(w, (const char *)h, (size_t)(p - h));
}

int ks_array_save_npz(ks_ctx *ctx, const char *path, size_t n, const char *const *names,
                      const ks_array *const *arrays, bool compress)
{
    for (size_t i = 0; i < n; i++)
        if (!names[i] || !names[i][0] || strlen(names[i]) > 4000)
            return ks__fail(ctx, KS_EINVAL,
                            "%s: array %zu's name is empty or longer than 4000 bytes", path, i);
    ks__index ix;
    int rc = ks__index_build(ctx, names, n, &ix);
    if (rc) return rc;
    for (size_t i = 0; !rc && i < n; i++)
        if (ks__index_find(&ix, names[i]) != (int64_t)i)
            rc = ks__fail(ctx, KS_EINVAL, "%s: the name '%s' is given twice", path, names[i]);
    ks__index_free(&ctx->alloc, &ix);
    if (rc) return rc;
    written *m = ks__malloc_array(ctx, n ? n : 1, sizeof *m);
    if (!m) return KS_ENOMEM;
    z_stream z = {0};
    ks__npy_sink s = {NULL, NULL, NULL, 0, 0, 0, 0, 1};
    if (compress) {
        z.zalloc = z_alloc, z.zfree = z_free, z.opaque = ctx;
        s.zbuf = ks__malloc(ctx, CHUNK);
        if (!s.zbuf)
            rc = KS_ENOMEM;
        else if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) !=
                 Z_OK)
            rc = ctx->errcode ? ctx->errcode : ks__fail(ctx, KS_ENOMEM, "deflateInit2 failed");
        else
            s.z = &z;
    }
    if (!rc) rc = ks_text_create(ctx, path, 0, &s.w);
    uint64_t pos = 0;
    for (size_t i = 0; !rc && i < n; i++)
        rc = write_member(ctx, &s, names[i], arrays[i], &pos, &m[i]);
    if (s.z) deflateEnd(s.z);
    ks__free(ctx, s.zbuf);
    if (!rc) {
        write_directory(s.w, n, names, m, pos, compress);
        rc = ks_text_commit(s.w);
    } else if (s.w) {
        ks_text_abort(s.w);
    }
    ks__free(ctx, m);
    return rc;
}

/* ---- reading ----------------------------------------------------------------------------- */

typedef struct {
    char *name;
    uint64_t off, csize, usize; /* off: the local header */
    uint32_t crc;
    int method;
} member;

struct ks_npz {
    ks_allocator alloc;
    int fd;
    uint64_t fsize;
    char *path;
    size_t n;
    member *m;
    char **keys;  /* names with ".npy" removed */
    ks__index ix; /* over keys */
};

void ks_npz_free(ks_npz *z)
{
    if (!z) return;
    const ks_allocator a = z->alloc;
    if (z->fd >= 0) close(z->fd);
    ks__index_free(&a, &z->ix);
    for (size_t i = 0; z->m && i < z->n; i++) ks__release(&a, z->m[i].name);
    for (size_t i = 0; z->keys && i < z->n; i++) ks__release(&a, z->keys[i]);
    ks__release(&a, z->m);
    ks__release(&a, z->keys);
    ks__release(&a, z->path);
    ks__release(&a, z);
}

void ks_npz_get(const ks_npz *z, ks_npz_view *out)
{
    out->n = z->n;
    out->names = (const char *const *)z->keys;
}

/* n bytes at off, all of them, or KS_EPARSE naming the archive and `what`. */
static int read_at(ks_ctx *ctx, const ks_npz *z, uint64_t off, void *dst, size_t n,
                   const char *what)
{
    if (off > z->fsize || n > z->fsize - off)
        return ks__fail(ctx, KS_EPARSE, "%s: not a valid .npz (zip) file: %s lies past its end",
                        z->path, what);
    ks__npy_src s = {z->fd, z->path, off, off + n, NULL, NULL, 0, 0, 0, 0, 0};
    return ks__npy_src_read(ctx, &s, dst, n);
}

/* Where the central directory is, and how many entries it has. */
static int find_directory(ks_ctx *ctx, const ks_npz *z, uint64_t *cd_off, uint64_t *cd_size,
                          uint64_t *count)
{
    const size_t tail = z->fsize < 22 + 65535 ? (size_t)z->fsize : 22 + 65535;
    unsigned char *t = ks__malloc(ctx, tail ? tail : 1);
    if (!t) return KS_ENOMEM;
    int rc = read_at(ctx, z, z->fsize - tail, t, tail, "its end record");
    ptrdiff_t e = -1;
    for (ptrdiff_t i = (ptrdiff_t)tail - 22; !rc && i >= 0; i--)
        if (get(t + i, 4) == SIG_END) {
            e = i;
            break;
        }
    if (!rc && e < 0)
        rc = ks__fail(ctx, KS_EPARSE, "%s: not a zip file (no end of central directory record)",
                      z->path);
    if (!rc) {
        const unsigned char *r = t + e;
        *count = get(r + 10, 2), *cd_size = get(r + 12, 4), *cd_off = get(r + 16, 4);
        if (get(r + 4, 2) || get(r + 6, 2))
            rc = ks__fail(ctx, KS_EPARSE, "%s: a zip archive split over several disks", z->path);
        const uint64_t e_abs = z->fsize - tail + (uint64_t)e;
        if (!rc && (*count == 0xffff || *cd_size == MAX32 || *cd_off == MAX32) && e_abs >= 20) {
            unsigned char loc[20], r64[56];
            rc = read_at(ctx, z, e_abs - 20, loc, 20, "the ZIP64 locator");
            if (!rc && get(loc, 4) == SIG_LOC64) {
                rc = read_at(ctx, z, get(loc + 8, 8), r64, 56, "the ZIP64 end record");
                if (!rc && get(r64, 4) != SIG_END64)
                    rc = ks__fail(ctx, KS_EPARSE, "%s: a bad ZIP64 end of central directory record",
                                  z->path);
                if (!rc)
                    *count = get(r64 + 32, 8), *cd_size = get(r64 + 40, 8),
                    *cd_off = get(r64 + 48, 8);
            }
        }
    }
    ks__free(ctx, t);
    return rc;
}

/* The ZIP64 extra field's values for the fields the entry marks 0xffffffff. */
static int zip64_extra(ks_ctx *ctx, const ks_npz *z, const unsigned char *x, size_t xl, member *m,
                       bool big_u, bool big_c, bool big_o)
{
    while (xl >= 4) {
        const size_t id = (size_t)get(x, 2), sz = (size_t)get(x + 2, 2);
        if (sz > xl - 4) break;
        if (id == 1) {
            const unsigned char *p = x + 4;
            if ((size_t)(big_u + big_c + big_o) * 8 > sz) break;
            if (big_u) m->usize = get(p, 8), p += 8;
            if (big_c) m->csize = get(p, 8), p += 8;
            if (big_o) m->off = get(p, 8);
            return KS_OK;
        }
        x += 4 + sz, xl -= 4 + sz;
    }
    return ks__fail(ctx, KS_EPARSE, "%s: the entry '%s' lacks the ZIP64 sizes it announces",
                    z->path, m->name);
}

/* s[0..n) as a NUL-terminated string. */
static char *dup_n(ks_ctx *ctx, const char *s, size_t n)
{
    char *d = ks__malloc(ctx, n + 1);
    if (d) memcpy(d, s, n), d[n] = '\0';
    return d;
}

static int read_directory(ks_ctx *ctx, ks_npz *z)
{
    uint64_t cd_off, cd_size, count;
    int rc = find_directory(ctx, z, &cd_off, &cd_size, &count);
    if (rc) return rc;
    if (cd_off > z->fsize || cd_size > z->fsize - cd_off || count > cd_size / 46)
        return ks__fail(ctx, KS_EPARSE,
                        "%s: not a valid .npz (zip) file: its central directory (%" PRIu64
                        " entries, %" PRIu64 " bytes at %" PRIu64 ") does not fit in the file",
                        z->path, count, cd_size, cd_off);
    unsigned char *cd = ks__malloc(ctx, cd_size ? (size_t)cd_size : 1);
    if (!cd) return KS_ENOMEM;
    rc = read_at(ctx, z, cd_off, cd, (size_t)cd_size, "the central directory");
    if (!rc) {
        z->m = ks__calloc(ctx, count ? (size_t)count : 1, sizeof *z->m);
        z->keys = ks__calloc(ctx, count ? (size_t)count : 1, sizeof *z->keys);
        if (!z->m || !z->keys) rc = KS_ENOMEM;
    }
    size_t at = 0;
    for (uint64_t i = 0; !rc && i < count; i++) {
        const unsigned char *e = cd + at;
        if (cd_size - at < 46 || get(e, 4) != SIG_CENTRAL) {
            rc = ks__fail(ctx, KS_EPARSE, "%s: central directory entry %" PRIu64 " is malformed",
                          z->path, i);
            break;
        }
        const size_t nl = (size_t)get(e + 28, 2), xl = (size_t)get(e + 30, 2),
                     cl = (size_t)get(e + 32, 2);
        if (cd_size - at - 46 < nl + xl + cl) {
            rc = ks__fail(ctx, KS_EPARSE, "%s: central directory entry %" PRIu64 " is truncated",
                          z->path, i);
            break;
        }
        member *m = &z->m[z->n];
        m->name = dup_n(ctx, (const char *)e + 46, nl);
        if (!m->name) {
            rc = KS_ENOMEM;
            break;
        }
        const bool dotnpy = nl >= 4 && !memcmp(e + 46 + nl - 4, ".npy", 4);
        z->keys[z->n] = dup_n(ctx, (const char *)e + 46, dotnpy ? nl - 4 : nl);
        z->n++;
        if (!z->keys[z->n - 1]) {
            rc = KS_ENOMEM;
            break;
        }
        m->method = (int)get(e + 10, 2);
        m->crc = (uint32_t)get(e + 16, 4);
        m->csize = get(e + 20, 4), m->usize = get(e + 24, 4), m->off = get(e + 42, 4);
        if (get(e + 8, 2) & 1)
            rc = ks__fail(ctx, KS_EPARSE, "%s: the member '%s' is encrypted", z->path, m->name);
        const bool bu = m->usize == MAX32, bc = m->csize == MAX32, bo = m->off == MAX32;
        if (!rc && (bu || bc || bo)) rc = zip64_extra(ctx, z, e + 46 + nl, xl, m, bu, bc, bo);
        at += 46 + nl + xl + cl;
    }
    ks__free(ctx, cd);
    return rc;
}

int ks_npz_open(ks_ctx *ctx, const char *path, ks_npz **out)
{
    *out = NULL;
    ks_npz *z = ks__calloc(ctx, 1, sizeof *z);
    if (!z) return KS_ENOMEM;
    z->alloc = ctx->alloc;
    z->fd = -1;
    z->path = ks__strdup(ctx, path);
    if (!z->path) {
        ks_npz_free(z);
        return KS_ENOMEM;
    }
    int rc = KS_OK;
    struct stat st;
    z->fd = open(path, O_RDONLY | O_CLOEXEC);
    if (z->fd < 0)
        rc = ks__fail(ctx, KS_EIO, "%s: cannot open: %s", path, strerror(errno));
    else if (fstat(z->fd, &st) != 0 || !S_ISREG(st.st_mode))
        rc = ks__fail(ctx, KS_EIO, "%s: not a regular file", path);
    if (!rc) {
        z->fsize = (uint64_t)st.st_size;
        rc = read_directory(ctx, z);
    }
    if (!rc) rc = ks__index_build(ctx, (const char *const *)z->keys, z->n, &z->ix);
    if (rc) {
        ks_npz_free(z);
        return rc;
    }
    *out = z;
    return KS_OK;
}

/* Member m's array, its data read (inflated) from after its local header. */
static int load_member(ks_ctx *ctx, const ks_npz *z, const member *m, ks_array *out)
{
    char where[4200];
    snprintf(where, sizeof where, "%s: member %s", z->path, m->name);
    if (m->method != 0 && m->method != 8)
        return ks__fail(ctx, KS_EPARSE,
                        "%s: compression method %d (kestrel reads stored and deflated)", where,
                        m->method);
    unsigned char lh[30];
    int rc = read_at(ctx, z, m->off, lh, 30, "a local header");
    if (rc) return rc;
    if (get(lh, 4) != SIG_LOCAL)
        return ks__fail(ctx, KS_EPARSE, "%s: no local header where the directory points", where);
    const uint64_t data = m->off + 30 + get(lh + 26, 2) + get(lh + 28, 2);
    if (data > z->fsize || m->csize > z->fsize - data)
        return ks__fail(ctx, KS_EPARSE, "%s: its data (%" PRIu64 " bytes) lies past the file's end",
                        where, m->csize);
    if (m->method == 0 && m->csize != m->usize)
        return ks__fail(ctx, KS_EPARSE, "%s: a stored member whose sizes differ", where);
    ks__npy_src s = {z->fd, where, data, data + m->csize, NULL, NULL, 0, 0, 0, 0, 1};
    z_stream zs = {0};
    if (m->method == 8) {
        zs.zalloc = z_alloc, zs.zfree = z_free, zs.opaque = ctx;
        s.zbuf = ks__malloc(ctx, CHUNK);
        if (!s.zbuf) return KS_ENOMEM;
        if (inflateInit2(&zs, -15) != Z_OK) {
            ks__free(ctx, s.zbuf);
            return ctx->errcode ? ctx->errcode : ks__fail(ctx, KS_ENOMEM, "inflateInit2 failed");
        }
        s.z = &zs;
    }
    rc = ks__npy_read(ctx, &s, out);
    if (!rc && s.z && !s.zend) {
        /* the stream must end where the array does */
        unsigned char extra;
        if (ks__npy_src_read(ctx, &s, &extra, 1) == KS_OK)
            rc = ks__fail(ctx, KS_EPARSE, "%s: more data than the header's shape", where);
        else if (s.zend)
            rc = KS_OK; /* (the 1-byte read found the end) */
        else
            rc = ctx->errcode;
    }
    if (!rc && s.nout != m->usize)
        rc = ks__fail(ctx, KS_EPARSE,
                      "%s: %" PRIu64 " bytes of .npy where the directory says %" PRIu64, where,
                      s.nout, m->usize);
    if (!rc && s.crc != m->crc)
        rc = ks__fail(ctx, KS_EPARSE, "%s: CRC-32 mismatch (the data is corrupt)", where);
    if (s.z) inflateEnd(s.z);
    ks__free(ctx, s.zbuf);
    if (rc) ks_array_release(out);
    return rc;
}

int ks_npz_load(ks_ctx *ctx, const ks_npz *z, const char *name, ks_array *out)
{
    ks__array_clear(out);
    int64_t i = ks__index_find(&z->ix, name);
    const size_t nl = strlen(name);
    if (i < 0 && nl > 4 && !strcmp(name + nl - 4, ".npy")) {
        char *key = dup_n(ctx, name, nl - 4);
        if (!key) return KS_ENOMEM;
        i = ks__index_find(&z->ix, key);
        ks__free(ctx, key);
    }
    if (i < 0)
        return ks__fail(ctx, KS_ENOTFOUND, "%s: no member '%s' in the archive", z->path, name);
    return load_member(ctx, z, &z->m[i], out);
}
