/* npy.c — one array in NumPy's .npy format (numpy/lib/format.py's specification, versions 1.0,
 * 2.0 and 3.0): the magic "\x93NUMPY", a version, the header's length, then the header, a Python
 * dict literal {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } padded with spaces and
 * a newline so that the data starts at a multiple of 64 bytes, then the data.
 *
 * Files are written as NumPy 2 writes them, byte for byte (the same header, padding and the 21
 * digits of room NumPy leaves for the growing axis), through a temporary file renamed at the end.
 * Reading checks every field and every size against the file before it allocates; a memory map
 * serves native-order data without reading it. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "array/npy_internal.h"

#define MAGIC "\x93NUMPY"
#define MAGIC_LEN 6
#define PREAMBLE 10      /* magic, version 1.0, header length: what kestrel writes */
#define ALIGN 64         /* NumPy's ARRAY_ALIGN: where the data starts */
#define GROWTH_DIGITS 21 /* NumPy's GROWTH_AXIS_MAX_DIGITS */
#define MAX_HEADER 10000 /* NumPy's default max_header_size: a longer one is refused */
#define CHUNK ((size_t)1 << 20)

static const ks__enum_entry mmap_names[] = {
    {"none", KS_MMAP_NONE}, {"r", KS_MMAP_R}, {"r+", KS_MMAP_RPLUS}, {"c", KS_MMAP_C}};
KS__ENUM_FUNCS(ks_mmap_mode, ks_mmap_mode, "mmap_mode", mmap_names)

static bool little_endian(void)
{
    const uint16_t one = 1;
    return *(const unsigned char *)&one == 1;
}

/* ---- the header -------------------------------------------------------------------------- */

/* NumPy's descr of a dtype in this machine's order ("|b1", "<i8", "<c16"). */
static void descr_of(ks_dtype t, char *buf, size_t cap)
{
    const size_t size = ks__dtypes[t].size;
    const char order = size == 1 ? '|' : little_endian() ? '<' : '>';
    snprintf(buf, cap, "%c%c%zu", order, ks__dtypes[t].kind, size);
}

/* The header (its length in *len, at most cap bytes) and whether the data is in Fortran order. */
static int header_text(ks_ctx *ctx, const ks_array *a, char *buf, size_t cap, size_t *len,
                       bool *fortran)
{
    *fortran = a->ndim > 1 && ks_array_is_f_contiguous(a) && !ks_array_is_c_contiguous(a);
    char descr[16], shape[KS_ARRAY_MAXDIMS * 22 + 4];
    descr_of(a->dtype, descr, sizeof descr);
    size_t n = 0;
    shape[n++] = '(';
    for (int k = 0; k < a->ndim; k++)
        n += (size_t)snprintf(shape + n, sizeof shape - n, k ? ", %td" : "%td", a->shape[k]);
    snprintf(shape + n, sizeof shape - n, a->ndim == 1 ? ",)" : ")");
    int h = snprintf(buf, cap, "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr,
                     *fortran ? "True" : "False", shape);
    /* room for the growing axis (the first in C order, the last in Fortran order) to gain
     * digits when a file is appended to in place, as NumPy leaves it */
    if (a->ndim) {
        char d[24];
        const int dl = snprintf(d, sizeof d, "%td", a->shape[*fortran ? a->ndim - 1 : 0]);
        for (int i = dl; i < GROWTH_DIGITS; i++) buf[h++] = ' ';
    }
    /* pad with spaces and end with a newline so that the data starts at a multiple of ALIGN
     * (the header of at most 32 dimensions always fits version 1.0's 64 KiB) */
    const size_t hl = (PREAMBLE + (size_t)h + 1 + ALIGN - 1) / ALIGN * ALIGN - PREAMBLE;
    if (hl > cap) return ks__fail(ctx, KS_EOVERFLOW, "npy header too long");
    memset(buf + h, ' ', hl - 1 - (size_t)h);
    buf[hl - 1] = '\n';
    *len = hl;
    return KS_OK;
}

/* Magic, version 1.0 and the length of a header of hl bytes. */
static void preamble(size_t hl, unsigned char *p)
{
    memcpy(p, MAGIC, MAGIC_LEN);
    p[6] = 1, p[7] = 0, p[8] = (unsigned char)hl, p[9] = (unsigned char)(hl >> 8);
}

int ks__npy_size(ks_ctx *ctx, const ks_array *a, uint64_t *out)
{
    char h[MAX_HEADER];
    size_t hl;
    bool f;
    const int rc = header_text(ctx, a, h, sizeof h, &hl, &f);
    if (rc) return rc;
    *out = PREAMBLE + hl + (uint64_t)ks_array_size(a) * (uint64_t)ks__dtypes[a->dtype].size;
    return KS_OK;
}

/* ---- writing ----------------------------------------------------------------------------- */

void ks__npy_sink_write(ks__npy_sink *s, const void *p, size_t n)
{
    if (s->crc_on) s->crc = (uint32_t)crc32_z(s->crc, p, n);
    s->nin += n;
    if (!s->z) {
        ks_text_write(s->w, p, n);
        s->nout += n;
        return;
    }
    s->z->next_in = (Bytef *)(uintptr_t)p;
    while (n && !s->failed) {
        const size_t take = n < (1u << 30) ? n : (1u << 30);
        s->z->avail_in = (uInt)take;
        do {
            s->z->next_out = s->zbuf;
            s->z->avail_out = (uInt)CHUNK;
            if (deflate(s->z, Z_NO_FLUSH) == Z_STREAM_ERROR) s->failed = 1;
            const size_t got = CHUNK - s->z->avail_out;
            ks_text_write(s->w, (const char *)s->zbuf, got);
            s->nout += got;
        } while (!s->failed && (s->z->avail_in || !s->z->avail_out));
        n -= take;
    }
}

void ks__npy_sink_finish(ks__npy_sink *s)
{
    if (!s->z) return;
    int zr;
    s->z->avail_in = 0;
    do {
        s->z->next_out = s->zbuf;
        s->z->avail_out = (uInt)CHUNK;
        zr = deflate(s->z, Z_FINISH);
        if (zr == Z_STREAM_ERROR) s->failed = 1;
        const size_t got = CHUNK - s->z->avail_out;
        ks_text_write(s->w, (const char *)s->zbuf, got);
        s->nout += got;
    } while (!s->failed && zr != Z_STREAM_END);
}

/* The elements of a non-contiguous `a` in C order, gathered a chunk at a time (no copy of the
 * whole array). */
static int write_gathered(ks_ctx *ctx, ks__npy_sink *s, const ks_array *a)
{
    const size_t isz = ks__dtypes[a->dtype].size;
    const int nd = a->ndim;
    const ptrdiff_t n = a->shape[nd - 1], st = a->strides[nd - 1];
    char *buf = ks__malloc(ctx, CHUNK);
    if (!buf) return KS_ENOMEM;
    ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
    size_t used = 0;
    for (;;) {
        const char *row = a->data;
        for (int k = 0; k < nd - 1; k++) row += idx[k] * a->strides[k];
        for (ptrdiff_t j = 0; j < n; j++) {
            memcpy(buf + used, row + j * st, isz);
            used += isz;
            if (used + isz > CHUNK) {
                ks__npy_sink_write(s, buf, used);
                used = 0;
            }
        }
        int k = nd - 2;
        while (k >= 0 && ++idx[k] == a->shape[k]) idx[k--] = 0;
        if (k < 0) break;
    }
    ks__npy_sink_write(s, buf, used);
    ks__free(ctx, buf);
    return KS_OK;
}

int ks__npy_write(ks_ctx *ctx, ks__npy_sink *s, const ks_array *a)
{
    char h[MAX_HEADER];
    unsigned char pre[PREAMBLE];
    size_t hl;
    bool fortran;
    const int rc = header_text(ctx, a, h, sizeof h, &hl, &fortran);
    if (rc) return rc;
    preamble(hl, pre);
    ks__npy_sink_write(s, pre, PREAMBLE);
    ks__npy_sink_write(s, h, hl);
    const ptrdiff_t size = ks_array_size(a);
    if (!size) return KS_OK;
    if (fortran || ks_array_is_c_contiguous(a)) {
        /* contiguous: the first byte is the lowest address whatever the order */
        ks__npy_sink_write(s, a->data, (size_t)size * ks__dtypes[a->dtype].size);
        return KS_OK;
    }
    return write_gathered(ctx, s, a);
}

int ks_array_save_npy(ks_ctx *ctx, const char *path, const ks_array *a)
{
    ks_text_writer *w;
    int rc = ks_text_create(ctx, path, 0, &w);
    if (rc) return rc;
    uint64_t bytes;
    if (ks__npy_size(ctx, a, &bytes) == KS_OK) ks_text_reserve(w, bytes);
    ks__npy_sink s = {w, NULL, NULL, 0, 0, 0, 0, 0};
    rc = ks__npy_write(ctx, &s, a);
    if (rc) {
        ks_text_abort(w);
        return rc;
    }
    return ks_text_commit(w);
}

/* ---- reading ----------------------------------------------------------------------------- */

int ks__npy_src_read(ks_ctx *ctx, ks__npy_src *s, void *dst, size_t n)
{
    unsigned char *d = dst;
    const size_t want = n;
    while (n) {
        if (!s->z) {
            if (s->off >= s->end) break;
            const uint64_t left = s->end - s->off;
            size_t take = n < left ? n : (size_t)left;
            if (take > ((size_t)1 << 30)) take = (size_t)1 << 30;
            const ssize_t got = pread(s->fd, d, take, (off_t)s->off);
            if (got < 0) {
                if (errno == EINTR) continue;
                return ks__fail(ctx, KS_EIO, "%s: read failed: %s", s->where, strerror(errno));
            }
            if (got == 0) break;
            s->off += (uint64_t)got, d += got, n -= (size_t)got;
            continue;
        }
        if (s->zend) break;
        if (!s->z->avail_in && s->off < s->end) {
            const uint64_t left = s->end - s->off;
            const size_t take = left < CHUNK ? (size_t)left : CHUNK;
            const ssize_t got = pread(s->fd, s->zbuf, take, (off_t)s->off);
            if (got < 0 && errno == EINTR) continue;
            if (got <= 0)
                return ks__fail(ctx, KS_EIO, "%s: read failed: %s", s->where,
                                got ? strerror(errno)
                                    : "the file is shorter than its directory says");
            s->off += (uint64_t)got;
            s->z->next_in = s->zbuf;
            s->z->avail_in = (uInt)got;
        }
        const size_t take = n < (1u << 30) ? n : (1u << 30);
        s->z->next_out = d;
        s->z->avail_out = (uInt)take;
        const int zr = inflate(s->z, Z_NO_FLUSH);
        const size_t got = take - s->z->avail_out;
        d += got, n -= got;
        if (zr == Z_STREAM_END)
            s->zend = 1;
        else if (zr != Z_OK && !(zr == Z_BUF_ERROR && s->off < s->end))
            return ks__fail(ctx, KS_EPARSE, "%s: corrupt compressed data (zlib: %s)", s->where,
                            zr == Z_BUF_ERROR ? "truncated"
                            : s->z->msg       ? s->z->msg
                                              : "error");
    }
    if (s->crc_on) s->crc = (uint32_t)crc32_z(s->crc, dst, want - n);
    s->nout += want - n;
    if (n && s->z)
        return ks__fail(ctx, KS_EPARSE,
                        "%s: corrupt compressed data: the stream ends %zu bytes before the array",
                        s->where, n);
    if (n) {
        s->short_read = 1;
        return ks__fail(ctx, KS_EPARSE, "%s: truncated: %zu bytes short of what the header says",
                        s->where, n);
    }
    return KS_OK;
}

/* What a header says. */
typedef struct {
    ks_dtype dtype;
    bool swap; /* the data is in the other byte order */
    bool fortran;
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    char descr[40];
} header;

typedef struct {
    const char *p, *end;
} lexer;

static void skip_ws(lexer *l)
{
    while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r'))
        l->p++;
}

/* A quoted string (at most cap - 1 bytes) at l, or false. */
static bool lex_string(lexer *l, char *out, size_t cap)
{
    skip_ws(l);
    if (l->p >= l->end || (*l->p != '\'' && *l->p != '"')) return false;
    const char q = *l->p++;
    size_t n = 0;
    while (l->p < l->end && *l->p != q) {
        if (*l->p == '\\' || n + 1 >= cap) return false;
        out[n++] = *l->p++;
    }
    if (l->p >= l->end) return false;
    l->p++;
    out[n] = '\0';
    return true;
}

static bool lex_char(lexer *l, char c)
{
    skip_ws(l);
    if (l->p < l->end && *l->p == c) {
        l->p++;
        return true;
    }
    return false;
}

static bool lex_word(lexer *l, const char *w)
{
    skip_ws(l);
    const size_t n = strlen(w);
    if ((size_t)(l->end - l->p) >= n && !memcmp(l->p, w, n)) {
        l->p += n;
        return true;
    }
    return false;
}

/* A dtype from NumPy's descr ("<f8", ">i4", "|b1"); messages for what kestrel has no dtype for. */
static int parse_descr(ks_ctx *ctx, const char *where, const char *d, header *h)
{
    const char *s = d;
    char order = '=';
    if (*s == '<' || *s == '>' || *s == '|' || *s == '=') order = *s++;
    const char kind = *s ? *s++ : '\0';
    char *end;
    errno = 0;
    const unsigned long size = *s >= '0' && *s <= '9' ? strtoul(s, &end, 10) : 0;
    static const struct {
        char kind;
        unsigned long size;
        ks_dtype t;
    } known[] = {{'b', 1, KS_BOOL},       {'i', 1, KS_INT8},    {'i', 2, KS_INT16},
                 {'i', 4, KS_INT32},      {'i', 8, KS_INT64},   {'u', 1, KS_UINT8},
                 {'u', 2, KS_UINT16},     {'u', 4, KS_UINT32},  {'u', 8, KS_UINT64},
                 {'f', 4, KS_FLOAT32},    {'f', 8, KS_FLOAT64}, {'c', 8, KS_COMPLEX64},
                 {'c', 16, KS_COMPLEX128}};
    if (size && !errno && !*end)
        for (size_t i = 0; i < sizeof known / sizeof *known; i++)
            if (known[i].kind == kind && known[i].size == size) {
                h->dtype = known[i].t;
                h->swap =
                    size > 1 && (order == '<' || order == '>') && (order == '<') != little_endian();
                return KS_OK;
            }
    if (kind == 'O')
        return ks__fail(ctx, KS_ETYPE,
                        "%s: an object array (descr '%s') holds pickled Python objects, which "
                        "kestrel does not load",
                        where, d);
    return ks__fail(ctx, KS_ETYPE,
                    "%s: descr '%s' is not a dtype kestrel has (bool, int8-64, uint8-64, "
                    "float32/64, complex64/128)",
                    where, d);
}

/* The shape tuple: "()", "(5,)", "(3, 4)" (integers; Python 2's 'L' suffix accepted). */
static int parse_shape(ks_ctx *ctx, const char *where, lexer *l, header *h)
{
    if (!lex_char(l, '('))
        return ks__fail(ctx, KS_EPARSE, "%s: the header's 'shape' is not a tuple", where);
    h->ndim = 0;
    for (;;) {
        if (lex_char(l, ')')) return KS_OK;
        skip_ws(l);
        if (l->p >= l->end || *l->p < '0' || *l->p > '9')
            return ks__fail(ctx, KS_EPARSE,
                            "%s: the header's 'shape' holds something other than "
                            "non-negative integers",
                            where);
        if (h->ndim == KS_ARRAY_MAXDIMS)
            return ks__fail(ctx, KS_EINVAL, "%s: more than %d dimensions", where, KS_ARRAY_MAXDIMS);
        uint64_t v = 0;
        while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
            if (v > ((uint64_t)PTRDIFF_MAX - 9) / 10)
                return ks__fail(ctx, KS_EOVERFLOW,
                                "%s: a dimension in the header's 'shape' is too large", where);
            v = v * 10 + (uint64_t)(*l->p++ - '0');
        }
        if (l->p < l->end && (*l->p == 'L' || *l->p == 'l')) l->p++;
        h->shape[h->ndim++] = (ptrdiff_t)v;
        if (lex_char(l, ')')) return KS_OK;
        if (!lex_char(l, ','))
            return ks__fail(ctx, KS_EPARSE, "%s: the header's 'shape' is not a tuple", where);
    }
}

/* The header dict: exactly the keys 'descr', 'fortran_order' and 'shape', in any order. */
static int parse_header(ks_ctx *ctx, const char *where, const char *text, size_t len, header *h)
{
    lexer l = {text, text + len};
    int seen = 0, rc;
    if (!lex_char(&l, '{'))
        return ks__fail(ctx, KS_EPARSE, "%s: the header is not a dict literal: \"%.60s\"", where,
                        text);
    while (!lex_char(&l, '}')) {
        char key[32];
        if (!lex_string(&l, key, sizeof key) || !lex_char(&l, ':'))
            return ks__fail(ctx, KS_EPARSE, "%s: the header is not a dict literal of string keys",
                            where);
        int bit;
        if (!strcmp(key, "descr")) {
            bit = 1;
            skip_ws(&l);
            if (l.p < l.end && (*l.p == '[' || *l.p == '{'))
                return ks__fail(
                    ctx, KS_ETYPE,
                    "%s: a structured dtype (a list of fields) is not a dtype kestrel has", where);
            if (!lex_string(&l, h->descr, sizeof h->descr))
                return ks__fail(ctx, KS_EPARSE, "%s: the header's 'descr' is not a string", where);
            if ((rc = parse_descr(ctx, where, h->descr, h))) return rc;
        } else if (!strcmp(key, "fortran_order")) {
            bit = 2;
            if (lex_word(&l, "True"))
                h->fortran = true;
            else if (lex_word(&l, "False"))
                h->fortran = false;
            else
                return ks__fail(ctx, KS_EPARSE,
                                "%s: the header's 'fortran_order' is not True or False", where);
        } else if (!strcmp(key, "shape")) {
            bit = 4;
            if ((rc = parse_shape(ctx, where, &l, h))) return rc;
        } else {
            return ks__fail(ctx, KS_EPARSE,
                            "%s: the header has a key '%s' (a .npy header holds 'descr', "
                            "'fortran_order' and 'shape')",
                            where, key);
        }
        if (seen & bit)
            return ks__fail(ctx, KS_EPARSE, "%s: the header repeats the key '%s'", where, key);
        seen |= bit;
        if (!lex_char(&l, ',')) {
            if (!lex_char(&l, '}'))
                return ks__fail(ctx, KS_EPARSE, "%s: the header is not a dict literal", where);
            break;
        }
    }
    skip_ws(&l);
    if (l.p != l.end)
        return ks__fail(ctx, KS_EPARSE, "%s: the header has text after its dict", where);
    if (seen != 7)
        return ks__fail(ctx, KS_EPARSE, "%s: the header lacks the key '%s'", where,
                        !(seen & 1)   ? "descr"
                        : !(seen & 2) ? "fortran_order"
                                      : "shape");
    return KS_OK;
}

/* The magic, version and header from s; *data_off: where the data starts in the .npy bytes. */
static int read_header(ks_ctx *ctx, ks__npy_src *s, header *h, uint64_t *data_off)
{
    unsigned char pre[12];
    int rc = ks__npy_src_read(ctx, s, pre, 10);
    if (rc && !s->short_read) return rc;
    if (rc || memcmp(pre, MAGIC, MAGIC_LEN))
        return ks__fail(ctx, KS_EPARSE, "%s: not a .npy file (it does not start with \\x93NUMPY)",
                        s->where);
    const int major = pre[6], minor = pre[7];
    if (!(major >= 1 && major <= 3) || minor != 0)
        return ks__fail(ctx, KS_EPARSE,
                        "%s: .npy format version %d.%d (kestrel reads 1.0, 2.0, 3.0)", s->where,
                        major, minor);
    size_t hl = (size_t)pre[8] | (size_t)pre[9] << 8, plen = 10;
    if (major > 1) {
        if ((rc = ks__npy_src_read(ctx, s, pre + 10, 2))) return rc;
        hl |= (size_t)pre[10] << 16 | (size_t)pre[11] << 24;
        plen = 12;
    }
    if (hl > MAX_HEADER)
        return ks__fail(ctx, KS_EPARSE,
                        "%s: the header is %zu bytes, more than the %d allowed (NumPy's "
                        "max_header_size)",
                        s->where, hl, MAX_HEADER);
    char text[MAX_HEADER + 1];
    if ((rc = ks__npy_src_read(ctx, s, text, hl)) && !s->short_read) return rc;
    if (rc)
        return ks__fail(ctx, KS_EPARSE, "%s: truncated header (%zu bytes announced)", s->where, hl);
    text[hl] = '\0';
    if (memchr(text, '\0', hl))
        return ks__fail(ctx, KS_EPARSE, "%s: the header holds a NUL byte", s->where);
    memset(h, 0, sizeof *h);
    if ((rc = parse_header(ctx, s->where, text, hl, h))) return rc;
    *data_off = plen + hl;
    return KS_OK;
}

/* The data's byte count for h, overflow-checked. */
static int data_bytes(ks_ctx *ctx, const char *where, const header *h, uint64_t *out)
{
    size_t n = ks__dtypes[h->dtype].size;
    for (int k = 0; k < h->ndim; k++)
        if (!ks__size_mul(n, (size_t)h->shape[k], &n) || n > (size_t)PTRDIFF_MAX)
            return ks__fail(ctx, KS_EOVERFLOW, "%s: the header's shape is too large", where);
    *out = n;
    return KS_OK;
}

/* Reverse the bytes of each element (complex: of each half); bool bytes made 0 or 1. */
static void fix_data(ks_dtype t, bool swap, char *p, size_t nbytes)
{
    if (t == KS_BOOL) {
        for (size_t i = 0; i < nbytes; i++) p[i] = p[i] != 0;
        return;
    }
    if (!swap) return;
    const size_t w = ks__dtypes[t].kind == 'c' ? ks__dtypes[t].size / 2 : ks__dtypes[t].size;
    for (size_t i = 0; i < nbytes; i += w) {
        char *e = p + i;
        if (w == 2) {
            uint16_t v;
            memcpy(&v, e, 2), v = __builtin_bswap16(v), memcpy(e, &v, 2);
        } else if (w == 4) {
            uint32_t v;
            memcpy(&v, e, 4), v = __builtin_bswap32(v), memcpy(e, &v, 4);
        } else {
            uint64_t v;
            memcpy(&v, e, 8), v = __builtin_bswap64(v), memcpy(e, &v, 8);
        }
    }
}

int ks__npy_read(ks_ctx *ctx, ks__npy_src *s, ks_array *out)
{
    ks__array_clear(out);
    header h;
    uint64_t off, nbytes = 0;
    int rc = read_header(ctx, s, &h, &off);
    if (!rc) rc = data_bytes(ctx, s->where, &h, &nbytes);
    char sh[KS_ARRAY_MAXDIMS * 22];
    if (!rc && !s->z && s->end - s->off != nbytes)
        rc = ks__fail(ctx, KS_EPARSE,
                      "%s: the header's shape %s of %s needs %" PRIu64 " bytes of data but %" PRIu64
                      " follow it",
                      s->where, ks__shape_str(h.ndim, h.shape, sh, sizeof sh),
                      ks_dtype_name(h.dtype), nbytes, s->end - s->off);
    if (!rc)
        rc =
            ks_array_empty(ctx, h.dtype, h.ndim, h.shape, h.fortran ? KS_ORDER_F : KS_ORDER_C, out);
    if (!rc) rc = ks__npy_src_read(ctx, s, out->data, (size_t)nbytes);
    if (rc) {
        ks_array_release(out);
        return rc;
    }
    fix_data(h.dtype, h.swap, out->data, (size_t)nbytes);
    return KS_OK;
}

/* ---- the file: read, or mapped ----------------------------------------------------------- */

typedef struct {
    void *map;
    size_t len;
    ks_allocator alloc;
} mapping;

static void unmap(void *arg)
{
    mapping *m = arg;
    const ks_allocator a = m->alloc;
    munmap(m->map, m->len);
    ks__release(&a, m);
}

/* The array of a .npy file whose header was read from s (data at `off`), over a map of the file. */
static int map_file(ks_ctx *ctx, const char *path, int fd, uint64_t fsize, ks_mmap_mode mode,
                    ks__npy_src *s, ks_array *out)
{
    header h;
    uint64_t off, nbytes = 0;
    int rc = read_header(ctx, s, &h, &off);
    if (!rc) rc = data_bytes(ctx, path, &h, &nbytes);
    if (rc) return rc;
    if (fsize - off != nbytes)
        return ks__fail(ctx, KS_EPARSE,
                        "%s: the header says %" PRIu64 " bytes of data but %" PRIu64 " follow it",
                        path, nbytes, fsize - off);
    if (h.swap)
        return ks__fail(ctx, KS_EINVAL,
                        "%s: its data ('%s') is not in this machine's byte order and cannot be "
                        "memory-mapped; load it without mmap_mode",
                        path, h.descr);
    const size_t isz = ks__dtypes[h.dtype].size;
    const size_t align = ks__dtypes[h.dtype].kind == 'c' ? isz / 2 : isz;
    if (off % align)
        return ks__fail(ctx, KS_EINVAL,
                        "%s: its data starts at byte %" PRIu64
                        ", not aligned for %s, and cannot be "
                        "memory-mapped; load it without mmap_mode",
                        path, off, ks_dtype_name(h.dtype));
    mapping *m = ks__malloc(ctx, sizeof *m);
    if (!m) return KS_ENOMEM;
    m->alloc = ctx->alloc;
    m->len = (size_t)fsize;
    const int prot = mode == KS_MMAP_R ? PROT_READ : PROT_READ | PROT_WRITE;
    m->map = mmap(NULL, m->len, prot, mode == KS_MMAP_C ? MAP_PRIVATE : MAP_SHARED, fd, 0);
    if (m->map == MAP_FAILED) {
        ks__free(ctx, m);
        return ks__fail(ctx, KS_EIO, "%s: cannot memory-map: %s", path, strerror(errno));
    }
    ptrdiff_t strides[KS_ARRAY_MAXDIMS];
    ks__contiguous_strides(isz, h.ndim, h.shape, h.fortran ? KS_ORDER_F : KS_ORDER_C, strides);
    rc = ks_array_wrap(ctx, (char *)m->map + off, h.dtype, h.ndim, h.shape, strides,
                       mode != KS_MMAP_R, unmap, m, out);
    if (rc) unmap(m);
    return rc;
}

int ks_array_load_npy(ks_ctx *ctx, const char *path, ks_mmap_mode mmap_mode, ks_array *out)
{
    ks__array_clear(out);
    if (!ks_mmap_mode_name(mmap_mode))
        return ks__fail(ctx, KS_EINVAL, "mmap_mode %d is not a ks_mmap_mode", (int)mmap_mode);
    const int fd = open(path, (mmap_mode == KS_MMAP_RPLUS ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (fd < 0) return ks__fail(ctx, KS_EIO, "%s: cannot open: %s", path, strerror(errno));
    struct stat st;
    int rc = KS_OK;
    if (fstat(fd, &st) != 0)
        rc = ks__fail(ctx, KS_EIO, "%s: cannot stat: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = ks__fail(ctx, KS_EIO, "%s: not a regular file", path);
    if (!rc) {
        ks__npy_src s = {fd, path, 0, (uint64_t)st.st_size, NULL, NULL, 0, 0, 0, 0, 0};
        rc = mmap_mode == KS_MMAP_NONE
                 ? ks__npy_read(ctx, &s, out)
                 : map_file(ctx, path, fd, (uint64_t)st.st_size, mmap_mode, &s, out);
    }
    close(fd);
    return rc;
}
