/* csv_internal.h — the CSV reader's parts: byte sources and the record splitter. */
#ifndef KS_CSV_INTERNAL_H
#define KS_CSV_INTERNAL_H

#include <zlib.h>

#include "table_internal.h"

typedef struct ks_igzip ks_igzip; /* a gzip file inflated by ISA-L (csv_source.c) */

typedef struct {
    const char *name;         /* for messages */
    ks_ctx *ctx;
    ks_igzip *igz;            /* a gzip file, where kestrel is built with ISA-L */
    gzFile gz;                /* a file, plain or gzip */
    const unsigned char *mem; /* or a buffer */
    size_t memlen, mempos;
    z_stream zs; /* inflating a gzip buffer */
    int inflating, zdone;
    uint64_t total; /* bytes of the file or buffer, for progress reports */
} ks_source;

int ks__source_open_file(ks_ctx *ctx, const char *path, ks_source *s);
int ks__source_open_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len, ks_source *s);
/* Bytes read (0 at the end), or a negative status with the message set. */
int64_t ks__source_read(ks_ctx *ctx, ks_source *s, char *buf, size_t n);
void ks__source_close(ks_source *s);
/* Bytes of the input consumed so far (compressed bytes for gzip). */
uint64_t ks__source_consumed(ks_source *s);

/* The longest record the splitter holds (a line, or several when a quoted field holds line
 * breaks): past it the input is not taken for text (a file without line ends, /dev/zero). */
#define KS_RECORD_MAX ((size_t)1 << 30)

/* Splits a source into records and fields, a chunk at a time. Fields are NUL-terminated in
 * place and unquoted; they stay valid until the next call. Line ends are LF, CRLF, or CR alone
 * when the first line end of the input is a CR alone (old Mac files). A NUL byte in the input
 * is an error naming its line and field: text files have none. */
typedef struct {
    ks_ctx *ctx;
    ks_source *src;
    char delim;
    char *buf;
    size_t cap, len, pos; /* buffer, bytes in it, start of the next record */
    size_t chunk;
    int eof;
    size_t line; /* physical line of the next record (1-based) */
    char **fields;
    size_t nfields, fcap;
    int blanks; /* fields are separated by runs of spaces and tabs (R's sep = ""), not delim */
    char quote; /* the quote character ('"' from init); 0: quotes are plain text (loadtxt's
                   quotechar=None) */
    int quiet;  /* no progress reports (the caller makes its own) */
    /* a batch: record i's fields start at fields[rfirst[i]]; its line is rfirst[rcap + i] */
    size_t *rfirst, rcap, nrec;
    int pending; /* an error met after the records of the last batch, for the next call */
    int cr;      /* line ends: -1 not seen yet, 0 LF (or CRLF), 1 CR alone (turned into LF) */
    int cr_back; /* the last read turned the CR that ended the read before into a LF */
    size_t max_record; /* KS_RECORD_MAX (tests set less) */
} ks_records;

int ks__records_init(ks_ctx *ctx, ks_records *r, ks_source *src, char delim, size_t chunk);
/* Next record: 1 with r->fields / r->nfields and *line set, 0 at the end, < 0 on error.
 * Blank lines are skipped. */
int ks__records_next(ks_records *r, size_t *line);
/* Up to max records at once, all valid until the next call (r->nrec of them, see rfirst): 1,
 * 0 at the end, < 0 on an error (after the records before it were handed out). */
int ks__records_batch(ks_records *r, size_t max);
void ks__records_free(ks_records *r);

/* The reader's numbers, shared with the array library's loadtxt: a whole string as an int64
 * (optional sign, decimal digits, in range) and as a correctly rounded double (decimal, inf,
 * infinity and nan in any case; never C's hexadecimal form). 1 and *v, or 0. */
int ks__parse_int(const char *s, int64_t *v);
int ks__parse_double(const char *s, double *v);

#endif
