/* table.h — columns of data: read CSV/TSV (plain or gzip) in streaming chunks, typed columns,
 * factorize keys into dense codes, write CSV/TSV through a temporary file.
 *
 * A ks_table owns its columns. Column types: int64, float64, string. Missing values: NaN in
 * float64 columns; an int64 column with any NA is read as float64 (NA -> NaN), or as text where
 * one of its integers is beyond 2^53 (so that IDs stay exact); a string column marks NA in its
 * validity mask. Thread safety: a table may be read from several threads at
 * once; it is modified only by the calls that take it non-const. */
#ifndef KESTREL_TABLE_H
#define KESTREL_TABLE_H

#include "kestrel/base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct ks_table ks_table;

typedef enum {
    KS_COL_AUTO = 0, /* infer: int64 if every cell is an integer, else float64, else string */
    KS_COL_INT64 = 1,
    KS_COL_FLOAT64 = 2,
    KS_COL_STRING = 3
} ks_col_type;
/* Names of the column types: "auto", "int64", "float64", "string" (base.h: enumerations). */
KS_API const char *ks_col_type_name(ks_col_type value);
KS_API int ks_col_type_value(ks_ctx *ctx, const char *name, ks_col_type *out) KS_RESULT_USED;

/* Options of ks_table_read_csv. Every field has a default (KS_CSV_OPTIONS_INIT). */
typedef struct {
    char delim;                   /* 0: from the file name (.tsv/.tab[.gz] -> '\t', else ',') */
    const char *const *na_tokens; /* NULL-terminated; NULL: "", "NA", "NaN", "nan", "N/A",
                                     "NULL", "null", "." */
    const char *const *col_names; /* with col_types: types given by name, NULL-terminated */
    const ks_col_type *col_types; /* parallel to col_names */
    const char *const *usecols;   /* NULL-terminated; NULL: read every column */
    size_t chunk_bytes;           /* read buffer; 0: 4 MiB */
    int allow_empty;              /* 1: a header without rows is a table of 0 rows, not an error */
} ks_csv_options;
#define KS_CSV_OPTIONS_INIT                                                                        \
    {                                                                                              \
        0, NULL, NULL, NULL, NULL, 0, 0                                                            \
    }

/* Read a delimited text file with a header row. gzip is detected by its magic bytes, so
 * "x.csv" may be compressed. Quoted fields ("a,b", "say ""hi""") and LF, CRLF or (where the
 * first line end is one) CR line ends are read. Numbers are decimal: C's hexadecimal "0x10" is
 * text, and an error naming the cell in a column of numbers. Errors name the place:
 * "x.csv:1042:3: 'abc' is not a number in column 'wage'"; a ragged row, a NUL byte, a record
 * over 1 GiB, an empty file or (unless allow_empty) a header with no rows is an error. `opt`
 * may be NULL. On success *out owns the table (ks_table_free). Memory: the parsed columns plus
 * one chunk. */
KS_API int ks_table_read_csv(ks_ctx *ctx, const char *path, const ks_csv_options *opt,
                             ks_table **out) KS_RESULT_USED;

/* The same, from `len` bytes in memory (plain or gzip); `name` stands for the file in messages. */
KS_API int ks_table_read_csv_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len,
                                 const ks_csv_options *opt, ks_table **out) KS_RESULT_USED;

/* An empty table with `nrow` rows, to which columns are added. */
KS_API int ks_table_new(ks_ctx *ctx, size_t nrow, ks_table **out) KS_RESULT_USED;
KS_API void ks_table_free(ks_table *t); /* NULL is fine */

/* Add a column; the data are copied (ks_table_add_*_borrowed keeps a pointer instead: the
 * caller keeps the array alive and unchanged until the table is freed). `valid` may be NULL
 * (all present) for strings; NaN marks NA in float64. */
KS_API int ks_table_add_float64(ks_ctx *ctx, ks_table *t, const char *name,
                                const double *v) KS_RESULT_USED;
KS_API int ks_table_add_float64_borrowed(ks_ctx *ctx, ks_table *t, const char *name,
                                         const double *v) KS_RESULT_USED;
KS_API int ks_table_add_int64(ks_ctx *ctx, ks_table *t, const char *name,
                              const int64_t *v) KS_RESULT_USED;
KS_API int ks_table_add_int64_borrowed(ks_ctx *ctx, ks_table *t, const char *name,
                                       const int64_t *v) KS_RESULT_USED;
KS_API int ks_table_add_string(ks_ctx *ctx, ks_table *t, const char *name, const char *const *v,
                               const uint8_t *valid) KS_RESULT_USED;

KS_API size_t ks_table_nrow(const ks_table *t);
KS_API size_t ks_table_ncol(const ks_table *t);
KS_API const char *ks_table_col_name(const ks_table *t, size_t j); /* owned by t */
/* Index of the column called `name`, or KS_ENOTFOUND (with a message naming it). */
KS_API int ks_table_find(ks_ctx *ctx, const ks_table *t, const char *name,
                         size_t *j) KS_RESULT_USED;
KS_API ks_col_type ks_table_col_type(const ks_table *t, size_t j);
/* Column data, owned by t; NULL when the column is not of that type. */
KS_API const double *ks_table_float64(const ks_table *t, size_t j);
KS_API const int64_t *ks_table_int64(const ks_table *t, size_t j);
KS_API const char *ks_table_string(const ks_table *t, size_t j, size_t row); /* NULL if NA */
/* Read a numeric column (int64 or float64) as doubles into caller's `dst`, which has room for
 * dst_len >= nrow values (KS_EINVAL naming the size needed otherwise). */
KS_API int ks_table_get_double(ks_ctx *ctx, const ks_table *t, size_t j, double *dst,
                               size_t dst_len) KS_RESULT_USED;

/* Factorize one or several key columns (any types) into dense codes 0..k-1 in order of first
 * appearance, in O(n) by hashing. A row with an NA in any key gets code -1. `codes` (caller's)
 * has room for codes_len >= nrow entries (KS_EINVAL naming the size needed otherwise).
 * *nlevels gets k. */
KS_API int ks_table_factorize(ks_ctx *ctx, const ks_table *t, const size_t *cols, size_t ncols,
                              int64_t *codes, size_t codes_len, size_t *nlevels) KS_RESULT_USED;

/* Options of ks_table_write_csv. */
typedef struct {
    char delim;     /* 0: from the name (.tsv -> tab, else ',') */
    int gzip;       /* -1: from the name (".gz"), 0: plain, 1: gzip */
    const char *na; /* how NA is written; NULL: "NA" */
} ks_csv_write_options;
#define KS_CSV_WRITE_OPTIONS_INIT                                                                  \
    {                                                                                              \
        0, -1, NULL                                                                                \
    }

/* Write the table with a header row to `path` through a temporary file in the same directory
 * renamed at the end: an interrupted or failed write leaves no partial file. Doubles are
 * written with 17 significant digits (round-trip exact). */
KS_API int ks_table_write_csv(ks_ctx *ctx, const ks_table *t, const char *path,
                              const ks_csv_write_options *opt) KS_RESULT_USED;

/* Streaming a text file record by record (plain or gzip, detected by its magic bytes), for
 * files too large to hold. delim 0: fields are separated by runs of spaces and tabs (R's
 * read.table sep = ""), a field in double quotes may hold blanks; else one delimiter byte.
 * LF, CRLF and CR line ends (as ks_table_read_csv) and blank lines are handled; a NUL byte or
 * a record over 1 GiB is an error naming the line. ks_text_next: 1 with the record's fields (valid
 * until the next call) and its 1-based line, 0 at the end, < 0 on error (a truncated gzip
 * stream is an error naming the file). ks_text_progress: bytes consumed of the file (compressed
 * bytes for gzip) and its size. */
typedef struct ks_text_reader ks_text_reader;
KS_API int ks_text_open(ks_ctx *ctx, const char *path, char delim,
                        ks_text_reader **out) KS_RESULT_USED;
KS_API int ks_text_next(ks_text_reader *r, size_t *nfields, char *const **fields,
                        size_t *line) KS_RESULT_USED;
/* ks_text_batch: up to max records at once, all valid until the next call (so that a caller can
 * prefetch what the next ones need): 1 with *n records in recs, 0 at the end, < 0 on an error
 * (returned by the call after the records before it). Calls of the two may be mixed. */
typedef struct {
    char *const *fields;
    size_t nfields, line;
} ks_text_record;
KS_API int ks_text_batch(ks_text_reader *r, size_t max, ks_text_record *recs,
                         size_t *n) KS_RESULT_USED;
KS_API void ks_text_progress(ks_text_reader *r, uint64_t *done, uint64_t *total);
KS_API void ks_text_close(ks_text_reader *r); /* NULL is fine */

/* Writing a text file through a temporary file in the same directory: ks_text_commit renames
 * it over `path` when every byte was written (and frees the writer); ks_text_abort removes it.
 * gzip: -1 from the name (".gz": level 6), 0 plain, 1..9 gzip at that level (1..3: ISA-L's
 * igzip level 1 where kestrel is built with it, faster than zlib's 1 and a little smaller).
 * The temporary file is `.<name>.kestrel-<host>-<pid>-XXXXXX.tmp` next to `path` (name: the
 * first 100 bytes of path's last component; host: this machine's name, characters other than
 * letters and digits as '_'); creating one first removes the temporaries of that name that
 * runs on this host left when killed (their process no longer runs). */
typedef struct ks_text_writer ks_text_writer;
KS_API int ks_text_create(ks_ctx *ctx, const char *path, int gzip,
                          ks_text_writer **out) KS_RESULT_USED;

/* Several files that make one result, written as one: a writer of group g (from
 * ks_text_group_create) is finished by ks_text_commit (its temporary complete, not yet renamed)
 * or ks_text_abort; ks_text_group_commit then renames every file of the group over its target,
 * or, when a write failed, a writer was not finished or a rename fails, none: every target is
 * left as it was before the commit (an earlier run's files are kept aside while the new ones are
 * renamed in, and put back when one fails). ks_text_group_remove names a file of the set that
 * this run does not write: the commit removes it with the others (so that no earlier run's file
 * stays beside the new ones), and puts it back on a failure. ks_text_group_abort removes the
 * temporaries. Both free g (ks_text_group_abort(NULL) does nothing). Finish every writer before
 * either. A group's writers may be created and finished from several threads at once. In
 * ks_text_group_create, g NULL is ks_text_create. */
typedef struct ks_text_group ks_text_group;
KS_API int ks_text_group_new(ks_ctx *ctx, ks_text_group **out) KS_RESULT_USED;
KS_API int ks_text_group_create(ks_ctx *ctx, ks_text_group *g, const char *path, int gzip,
                                ks_text_writer **out) KS_RESULT_USED;
KS_API int ks_text_group_remove(ks_text_group *g, const char *path) KS_RESULT_USED;
KS_API int ks_text_group_commit(ks_text_group *g) KS_RESULT_USED;
KS_API void ks_text_group_abort(ks_text_group *g);
KS_API void ks_text_write(ks_text_writer *w, const char *p, size_t n);
/* A hint that `bytes` more will be written: a plain file reserves the space now (Linux's
 * fallocate, the size unchanged), which makes a large write into a new file several times
 * faster on ext4 (NumPy's save does the same). No effect on a gzip file or elsewhere. */
KS_API void ks_text_reserve(ks_text_writer *w, uint64_t bytes);
KS_API void ks_text_puts(ks_text_writer *w, const char *s);
KS_API void ks_text_printf(ks_text_writer *w, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
KS_API int ks_text_commit(ks_text_writer *w) KS_RESULT_USED;
KS_API void ks_text_abort(ks_text_writer *w); /* NULL is fine */

#ifdef __cplusplus
}
#endif
#endif
