/* npy_internal.h — what npy.c (one array in NumPy's .npy format) and npz.c (a zip archive of them)
 * share: a byte sink that may deflate and keeps the CRC-32 a zip member needs, a byte source over
 * a region of a file that may inflate, and the .npy header and body written to / read from them. */
#ifndef KS_NPY_INTERNAL_H
#define KS_NPY_INTERNAL_H

#include <stdint.h>
#include <zlib.h>

#include "array/array_internal.h"
#include "kestrel/table.h"

/* Where bytes go: the writer (a temporary file renamed on commit), deflated when z is set. The
 * CRC-32 and the counts cover what is given (nin) and what reaches the file (nout). A failure
 * (a deflate error) is remembered and reported once, by the caller, through `failed`. */
typedef struct {
    ks_text_writer *w;
    z_stream *z; /* raw deflate (zip's method 8), or NULL: stored */
    unsigned char *zbuf;
    uint32_t crc;
    uint64_t nin, nout;
    int failed;
    int crc_on; /* keep crc (a zip member's); a plain .npy skips that pass over the data */
} ks__npy_sink;
void ks__npy_sink_write(ks__npy_sink *s, const void *p, size_t n);
/* The deflate stream's last bytes (no-op when stored). */
void ks__npy_sink_finish(ks__npy_sink *s);

/* The bytes of one .npy file (header then data) that `a` makes: its size, for a zip member's
 * header, before it is written. */
int ks__npy_size(ks_ctx *ctx, const ks_array *a, uint64_t *out);
/* Write `a` as a .npy file (header and data, C order unless `a` is Fortran-contiguous only) to s.
 */
int ks__npy_write(ks_ctx *ctx, ks__npy_sink *s, const ks_array *a);

/* Where bytes come from: the file's bytes [off, end), inflated when z is set; `where` names the
 * file (and member) in messages. */
typedef struct {
    int fd;
    const char *where;
    uint64_t off, end;
    z_stream *z;
    unsigned char *zbuf;
    uint32_t crc; /* of the bytes handed out */
    uint64_t nout;
    int zend;       /* the deflate stream ended */
    int short_read; /* a read found fewer bytes than it asked for (stored data) */
    int crc_on;     /* keep crc (a zip member's to check) */
} ks__npy_src;
/* Exactly n bytes into dst; KS_EPARSE naming `where` when the data runs out (short_read set, or
 * for deflated data "corrupt"), KS_EIO when the file cannot be read. */
int ks__npy_src_read(ks_ctx *ctx, ks__npy_src *s, void *dst, size_t n);

/* A .npy file read from s: the header checked, the array allocated and its data read (byte-swapped
 * when it is not in this machine's order). Stored data must end where the array does. */
int ks__npy_read(ks_ctx *ctx, ks__npy_src *s, ks_array *out);

#endif
