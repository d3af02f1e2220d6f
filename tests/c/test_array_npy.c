/* test_array_npy.c — .npy and .npz files: round trips of every dtype in C, Fortran and strided
 * layouts, 0-d and empty arrays; the header byte for byte as NumPy 2 writes it; files made by
 * hand (big-endian data, versions 2.0 and 3.0, headers NumPy accepts in other spellings); every
 * malformed header refused with its message; memory maps; .npz archives stored and deflated,
 * with corrupt and truncated ones refused. (Exchange with NumPy itself:
 * tests/python/test_nd_npy.py.) */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ktest.h"

static ks_ctx *ctx;

/* a and b hold the same dtype, shape and values (compared in C order). */
static int same(const ks_array *a, const ks_array *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim) return 0;
    for (int k = 0; k < a->ndim; k++)
        if (a->shape[k] != b->shape[k]) return 0;
    ks_array ca = {0}, cb = {0};
    int ok = ks_array_copy(ctx, a, KS_ORDER_C, &ca) == KS_OK &&
             ks_array_copy(ctx, b, KS_ORDER_C, &cb) == KS_OK &&
             !memcmp(ca.data, cb.data, (size_t)ks_array_size(a) * ks_dtype_size(a->dtype));
    ks_array_release(&ca);
    ks_array_release(&cb);
    return ok;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    *len = (size_t)ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc(*len + 1);
    if (s && fread(s, 1, *len, f) != *len) *len = 0;
    fclose(f);
    return s;
}

/* A .npy file of the given version, header text (padded as given) and data bytes. */
static const char *npy_file(int major, const char *header, const void *data, size_t dlen)
{
    static char buf[70000];
    const size_t hl = strlen(header);
    size_t n = 0;
    memcpy(buf, "\x93NUMPY", 6), n = 6;
    buf[n++] = (char)major, buf[n++] = 0;
    buf[n++] = (char)(hl & 0xff), buf[n++] = (char)(hl >> 8 & 0xff);
    if (major > 1) buf[n++] = (char)(hl >> 16 & 0xff), buf[n++] = (char)(hl >> 24 & 0xff);
    memcpy(buf + n, header, hl), n += hl;
    memcpy(buf + n, data, dlen), n += dlen;
    return ktest_tmpfile(".npy", buf, n);
}

static void round_trips(void)
{
    const char *path = ktest_tmpfile(".npy", "", 0);
    const ptrdiff_t s34[2] = {3, 4};
    for (int t = 0; t < KS_NDTYPES; t++) {
        ks_array a = {0}, r = {0}, b = {0}, f = {0};
        CHECK_OK(ctx, ks_array_arange(ctx, -5, 7, 1, KS_FLOAT64, &f));
        CHECK_OK(ctx, ks_array_astype(ctx, &f, (ks_dtype)t, KS_CASTING_UNSAFE, &a));
        ks_array_release(&f);
        CHECK_OK(ctx, ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &r));
        CHECK_OK(ctx, ks_array_save_npy(ctx, path, &r));
        CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_NONE, &b));
        CHECK(same(&r, &b) && ks_array_is_c_contiguous(&b));
        ks_array_release(&b);
        /* Fortran order: the transpose is written as it lies, read back F-contiguous */
        ks_array tr = {0};
        CHECK_OK(ctx, ks_array_transpose(ctx, &r, NULL, &tr));
        CHECK_OK(ctx, ks_array_save_npy(ctx, path, &tr));
        CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_NONE, &b));
        CHECK(same(&tr, &b) && ks_array_is_f_contiguous(&b) && !ks_array_is_c_contiguous(&b));
        ks_array_release(&b);
        /* strided (every other column, reversed rows): gathered in C order */
        ks_array v = {0};
        ks_index ix[2] = {{KS_INDEX_SLICE, 0, 0, -1, false, false, NULL},
                          {KS_INDEX_SLICE, 0, 0, 2, false, false, NULL}};
        CHECK_OK(ctx, ks_array_index_get(ctx, &r, 2, ix, &v));
        CHECK_OK(ctx, ks_array_save_npy(ctx, path, &v));
        CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_NONE, &b));
        CHECK(same(&v, &b));
        ks_array_release(&b);
        /* the memory map gives the same values, read-only */
        CHECK_OK(ctx, ks_array_save_npy(ctx, path, &r));
        CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_R, &b));
        CHECK(same(&r, &b) && !(b.flags & KS_ARRAY_WRITEABLE));
        ks_array_release(&b);
        ks_array *all[] = {&a, &r, &tr, &v};
        for (size_t i = 0; i < 4; i++) ks_array_release(all[i]);
    }
    /* 0-d and empty arrays */
    ks_array z = {0}, e = {0}, b = {0};
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_COMPLEX128, 1.5, -2.0, &z));
    CHECK_OK(ctx, ks_array_save_npy(ctx, path, &z));
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_NONE, &b));
    CHECK(b.ndim == 0 && same(&z, &b));
    ks_array_release(&b);
    const ptrdiff_t s03[2] = {0, 3};
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT16, 2, s03, KS_ORDER_C, &e));
    CHECK_OK(ctx, ks_array_save_npy(ctx, path, &e));
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_NONE, &b));
    CHECK(same(&e, &b));
    ks_array_release(&b);
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_R, &b));
    CHECK(same(&e, &b));
    ks_array_release(&b);
    ks_array_release(&z);
    ks_array_release(&e);
    unlink(path);
}

/* The header NumPy 2 writes: sorted keys, the shape's repr, 21 digits of room for the growing
 * axis, spaces and a newline up to a multiple of 64 bytes. */
static void exact_bytes(void)
{
    const char *path = ktest_tmpfile(".npy", "", 0);
    const ptrdiff_t s34[2] = {3, 4};
    ks_array a = {0}, r = {0};
    CHECK_OK(ctx, ks_array_arange(ctx, 0, 12, 1, KS_FLOAT64, &a));
    CHECK_OK(ctx, ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &r));
    CHECK_OK(ctx, ks_array_save_npy(ctx, path, &r));
    size_t len;
    char *s = slurp(path, &len);
    const char *want = "{'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), }";
    CHECK(s && len == 128 + 96 && !memcmp(s, "\x93NUMPY\x01\x00\x76\x00", 10));
    CHECK(s && !memcmp(s + 10, want, strlen(want)) && s[127] == '\n' &&
          !memcmp(s + 128, a.data, 96));
    for (size_t i = 10 + strlen(want); s && i < 127; i++) CHECK(s[i] == ' ');
    free(s);
    ks_array_release(&a);
    ks_array_release(&r);
    const ptrdiff_t five = 5;
    CHECK_OK(ctx, ks_array_zeros(ctx, KS_BOOL, 1, &five, KS_ORDER_C, &a));
    CHECK_OK(ctx, ks_array_save_npy(ctx, path, &a));
    s = slurp(path, &len);
    CHECK(s && strstr(s + 10, "{'descr': '|b1', 'fortran_order': False, 'shape': (5,), }"));
    free(s);
    ks_array_release(&a);
    unlink(path);
}

static void hand_made(void)
{
    ks_array b = {0};
    /* big-endian int32 and float64 and complex128, swapped on load */
    const unsigned char be_i4[] = {0, 0, 0, 1, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0};
    CHECK_OK(ctx, ks_array_load_npy(
                      ctx,
                      npy_file(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (3,), }\n",
                               be_i4, sizeof be_i4),
                      KS_MMAP_NONE, &b));
    CHECK(b.dtype == KS_INT32 && b.ndim == 1 && b.shape[0] == 3 &&
          ((int32_t *)(void *)b.data)[0] == 1 && ((int32_t *)(void *)b.data)[1] == -2 &&
          ((int32_t *)(void *)b.data)[2] == 256);
    ks_array_release(&b);
    const unsigned char be_c16[] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0};
    CHECK_OK(ctx,
             ks_array_load_npy(
                 ctx,
                 npy_file(1, "{'shape': (), 'fortran_order': False, 'descr': '>c16'}", be_c16, 16),
                 KS_MMAP_NONE, &b));
    CHECK(b.dtype == KS_COMPLEX128 && b.ndim == 0 && ((double *)(void *)b.data)[0] == 1.5 &&
          ((double *)(void *)b.data)[1] == -2.0);
    ks_array_release(&b);
    /* big-endian data cannot be mapped */
    CHECK_FAILS(
        ctx,
        ks_array_load_npy(
            ctx, npy_file(1, "{'descr': '>i4', 'fortran_order': False, 'shape': (3,)}", be_i4, 12),
            KS_MMAP_R, &b),
        KS_EINVAL, "byte order");
    CHECK(!b.data && !b.base);
    /* versions 2.0 and 3.0 (a 4-byte length), double quotes, Python 2's longs, F order 2x2 */
    const double f22[4] = {1, 2, 3, 4}; /* F order: [[1, 3], [2, 4]] */
    const char *h2[] = {"{\"descr\": \"<f8\", \"fortran_order\": True, \"shape\": (2L, 2L)}",
                        "{'descr':'<f8','fortran_order':True,'shape':(2,2),}  \n"};
    for (int v = 2; v <= 3; v++) {
        CHECK_OK(ctx, ks_array_load_npy(ctx, npy_file(v, h2[v - 2], f22, 32), KS_MMAP_NONE, &b));
        CHECK(b.ndim == 2 && ks_array_is_f_contiguous(&b) && ((double *)(void *)b.data)[1] == 2.0 &&
              b.strides[1] == 16);
        ks_array_release(&b);
    }
    /* a bool byte other than 0 and 1 reads as true */
    const unsigned char bb[3] = {0, 1, 7};
    CHECK_OK(ctx,
             ks_array_load_npy(
                 ctx,
                 npy_file(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", bb, 3),
                 KS_MMAP_NONE, &b));
    CHECK(b.data && b.data[2] == 1);
    ks_array_release(&b);
}

static void malformed(void)
{
    ks_array b = {0};
    const double d[2] = {1, 2};
#define BAD(file, code, needle)                                                                    \
    do {                                                                                           \
        CHECK_FAILS(ctx, ks_array_load_npy(ctx, file, KS_MMAP_NONE, &b), code, needle);            \
        CHECK(!b.data && !b.base);                                                                 \
    } while (0)
    const char *ok = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
    BAD(ktest_tmpfile(".npy", "\x93NUMPX\x01\x00", 8), KS_EPARSE, "not a .npy file");
    BAD(ktest_tmpfile(".npy", "", 0), KS_EPARSE, "not a .npy file");
    BAD(ktest_tmpfile(".npy", "\x93NUMPY\x01\x00\x40\x00{'descr'", 17), KS_EPARSE,
        "truncated header");
    BAD(npy_file(4, ok, d, 16), KS_EPARSE, "version 4.0");
    BAD(npy_file(1, "{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", d, 16), KS_ETYPE,
        "object array");
    BAD(npy_file(1, "{'descr': '<f2', 'fortran_order': False, 'shape': (2,), }", d, 4), KS_ETYPE,
        "descr '<f2'");
    BAD(npy_file(1, "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }", d, 16), KS_ETYPE,
        "descr '<U3'");
    BAD(npy_file(1, "{'descr': [('a', '<i4')], 'fortran_order': False, 'shape': (2,), }", d, 8),
        KS_ETYPE, "structured");
    BAD(npy_file(1, ok, d, 8), KS_EPARSE, "needs 16 bytes of data but 8 follow");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }", d, 16), KS_EPARSE,
        "needs 8 bytes of data but 16 follow");
    BAD(npy_file(1, "['descr', '<f8']", d, 16), KS_EPARSE, "not a dict");
    BAD(npy_file(1, "{'descr': '<f8', 'shape': (2,), }", d, 16), KS_EPARSE,
        "lacks the key 'fortran_order'");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}", d, 16),
        KS_EPARSE, "key 'x'");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': 0, 'shape': (2,), }", d, 16), KS_EPARSE,
        "True or False");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }", d, 16), KS_EPARSE,
        "non-negative integers");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': [2], }", d, 16), KS_EPARSE,
        "not a tuple");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), } x", d, 16),
        KS_EPARSE, "text after");
    BAD(npy_file(1,
                 "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }",
                 d, 16),
        KS_EOVERFLOW, "too large");
    BAD(npy_file(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (99999999999999999999,), }",
                 d, 16),
        KS_EOVERFLOW, "too large");
    static char big[20050];
    memset(big, ' ', sizeof big - 1);
    memcpy(big, ok, strlen(ok));
    BAD(npy_file(2, big, d, 16), KS_EPARSE, "more than the 10000 allowed");
    BAD("/nonexistent/x.npy", KS_EIO, "cannot open");
#undef BAD
    CHECK_FAILS(ctx, ks_array_load_npy(ctx, npy_file(1, ok, d, 16), (ks_mmap_mode)9, &b), KS_EINVAL,
                "mmap_mode");
    /* a failed save leaves nothing behind */
    ks_array a = {0};
    CHECK_OK(ctx, ks_array_arange(ctx, 0, 3, 1, KS_FLOAT64, &a));
    CHECK_FAILS(ctx, ks_array_save_npy(ctx, "/nonexistent/dir/x.npy", &a), KS_EIO,
                "/nonexistent/dir/x.npy");
    ks_array_release(&a);
    /* enumeration names */
    ks_mmap_mode m;
    CHECK(ks_mmap_mode_value(ctx, "r+", &m) == KS_OK && m == KS_MMAP_RPLUS);
    CHECK(!strcmp(ks_mmap_mode_name(KS_MMAP_C), "c"));
    CHECK_FAILS(ctx, ks_mmap_mode_value(ctx, "w+", &m), KS_EINVAL, "mmap_mode");
}

static void memory_maps(void)
{
    const char *path = ktest_tmpfile(".npy", "", 0);
    ks_array a = {0}, b = {0}, c = {0};
    CHECK_OK(ctx, ks_array_arange(ctx, 0, 4, 1, KS_INT64, &a));
    CHECK_OK(ctx, ks_array_save_npy(ctx, path, &a));
    /* r+ writes through to the file; c keeps its writes */
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_RPLUS, &b));
    CHECK(b.flags & KS_ARRAY_WRITEABLE);
    if (b.data) ((int64_t *)(void *)b.data)[1] = 42;
    ks_array_release(&b);
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_C, &c));
    CHECK(c.data && ((int64_t *)(void *)c.data)[1] == 42);
    if (c.data) ((int64_t *)(void *)c.data)[2] = 7;
    ks_array_release(&c);
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_NONE, &b));
    CHECK(b.data && ((int64_t *)(void *)b.data)[1] == 42 && ((int64_t *)(void *)b.data)[2] == 2);
    ks_array_release(&b);
    /* the map outlives the file's name */
    CHECK_OK(ctx, ks_array_load_npy(ctx, path, KS_MMAP_R, &b));
    unlink(path);
    CHECK(b.data && ((int64_t *)(void *)b.data)[3] == 3);
    ks_array_release(&b);
    ks_array_release(&a);
}

static void archives(void)
{
    const char *path = ktest_tmpfile(".npz", "", 0);
    const ptrdiff_t s34[2] = {3, 4};
    ks_array a = {0}, r = {0}, z = {0}, t = {0}, b = {0};
    CHECK_OK(ctx, ks_array_arange(ctx, 0, 12, 1, KS_FLOAT32, &a));
    CHECK_OK(ctx, ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &r));
    CHECK_OK(ctx, ks_array_transpose(ctx, &r, NULL, &t));
    CHECK_OK(ctx, ks_array_scalar_i64(ctx, KS_INT8, -5, &z));
    const ks_array *arrs[3] = {&r, &t, &z};
    const char *names[3] = {"arr_0", "x", "caf\xc3\xa9"};
    for (int compress = 0; compress <= 1; compress++) {
        CHECK_OK(ctx, ks_array_save_npz(ctx, path, 3, names, arrs, compress));
        ks_npz *f = NULL;
        CHECK_OK(ctx, ks_npz_open(ctx, path, &f));
        if (!f) continue;
        ks_npz_view v;
        ks_npz_get(f, &v);
        CHECK(v.n == 3 && !strcmp(v.names[0], "arr_0") && !strcmp(v.names[2], names[2]));
        for (int i = 0; i < 3; i++) {
            CHECK_OK(ctx, ks_npz_load(ctx, f, names[i], &b));
            CHECK(same(arrs[i], &b));
            ks_array_release(&b);
        }
        CHECK_OK(ctx, ks_npz_load(ctx, f, "x.npy", &b));
        CHECK(same(&t, &b) && ks_array_is_f_contiguous(&b));
        ks_array_release(&b);
        CHECK_FAILS(ctx, ks_npz_load(ctx, f, "y", &b), KS_ENOTFOUND, "no member 'y'");
        ks_npz_free(f);
        /* one data byte changed: the CRC (stored) or the inflate / CRC (deflated) catches it */
        size_t len;
        char *s = slurp(path, &len);
        if (!s) continue;
        const char *hit = NULL;
        for (size_t i = 0; i + 6 < len && !hit; i++)
            if (!memcmp(s + i, compress ? "x.npy" : "\x93NUMPY", compress ? 5 : 6)) hit = s + i;
        const size_t at = (size_t)(hit - s) + (compress ? 30 : 140);
        s[at] ^= 0x10;
        const char *bad = ktest_tmpfile(".npz", s, len);
        CHECK_OK(ctx, ks_npz_open(ctx, bad, &f));
        if (f) {
            const int rc = ks_npz_load(ctx, f, compress ? "x" : "arr_0", &b);
            CHECK(rc == KS_EPARSE &&
                  (strstr(ks_errmsg(ctx), "CRC") || strstr(ks_errmsg(ctx), "corrupt")));
            CHECK(!b.data);
            ks_npz_free(f);
        }
        unlink(bad);
        /* cut short: no end record */
        bad = ktest_tmpfile(".npz", s, len - 30);
        CHECK_FAILS(ctx, ks_npz_open(ctx, bad, &f), KS_EPARSE, "no end of central directory");
        CHECK(!f);
        unlink(bad);
        free(s);
    }
    /* names: empty and repeated ones refused, nothing written */
    unlink(path);
    const char *dup[2] = {"a", "a"};
    CHECK_FAILS(ctx, ks_array_save_npz(ctx, path, 2, dup, arrs, false), KS_EINVAL, "given twice");
    struct stat st;
    CHECK(stat(path, &st) != 0);
    /* an archive of no arrays */
    CHECK_OK(ctx, ks_array_save_npz(ctx, path, 0, NULL, NULL, false));
    ks_npz *f = NULL;
    CHECK_OK(ctx, ks_npz_open(ctx, path, &f));
    ks_npz_view v = {1, NULL};
    if (f) ks_npz_get(f, &v);
    CHECK(v.n == 0);
    ks_npz_free(f);
    CHECK_FAILS(ctx, ks_npz_open(ctx, ktest_tmpfile(".npz", "PK\x03\x04", 4), &f), KS_EPARSE,
                "not a zip file");
    ks_array *all[] = {&a, &r, &z, &t};
    for (size_t i = 0; i < 4; i++) ks_array_release(all[i]);
    unlink(path);
}

/* Files with bytes changed, cut short or extended (a fixed pseudo-random sequence): every load
 * gives an array or an error, never a crash or a leak (the sanitizer build runs this too). */
static void mutations(void)
{
    const char *path = ktest_tmpfile(".npy", "", 0);
    const ptrdiff_t s34[2] = {3, 4};
    ks_array a = {0}, r = {0}, b = {0};
    CHECK_OK(ctx, ks_array_arange(ctx, 0, 12, 1, KS_COMPLEX64, &a));
    CHECK_OK(ctx, ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &r));
    const ks_array *arrs[2] = {&a, &r};
    const char *names[2] = {"a", "r"};
    uint64_t x = 88172645463325252u;
    for (int kind = 0; kind < 3; kind++) {
        if (kind == 0) CHECK_OK(ctx, ks_array_save_npy(ctx, path, &r));
        if (kind > 0) CHECK_OK(ctx, ks_array_save_npz(ctx, path, 2, names, arrs, kind == 2));
        size_t len;
        char *orig = slurp(path, &len);
        if (!orig) continue;
        char *buf = malloc(len + 64);
        int loaded = 0;
        for (int i = 0; buf && i < 300; i++) {
            memcpy(buf, orig, len);
            size_t n = len;
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            if (i % 3 == 0)
                for (int j = 0; j < 1 + (int)(x % 3); j++)
                    buf[(x >> (8 + 8 * j)) % len] ^= (char)(1 + (x >> 40) % 255);
            else if (i % 3 == 1)
                n = (size_t)(x >> 8) % len;
            else
                n = len + 1 + (size_t)(x >> 8) % 63;
            const char *m = ktest_tmpfile(kind ? ".npz" : ".npy", buf, n);
            if (kind == 0) {
                loaded += ks_array_load_npy(ctx, m, KS_MMAP_NONE, &b) == KS_OK;
                ks_array_release(&b);
                loaded += ks_array_load_npy(ctx, m, KS_MMAP_R, &b) == KS_OK;
                ks_array_release(&b);
            } else {
                ks_npz *z = NULL;
                if (ks_npz_open(ctx, m, &z) == KS_OK) {
                    ks_npz_view v;
                    ks_npz_get(z, &v);
                    for (size_t k = 0; k < v.n; k++) {
                        loaded += ks_npz_load(ctx, z, v.names[k], &b) == KS_OK;
                        ks_array_release(&b);
                    }
                }
                ks_npz_free(z);
            }
            unlink(m);
        }
        CHECK(loaded > 0); /* (appended bytes after an archive are fine; some flips hit padding) */
        free(buf);
        free(orig);
    }
    ks_array_release(&a);
    ks_array_release(&r);
    unlink(path);
}

int main(void)
{
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    round_trips();
    exact_bytes();
    hand_made();
    malformed();
    memory_maps();
    archives();
    mutations();
    ks_ctx_free(ctx);
    return ktest_finish("array_npy");
}
