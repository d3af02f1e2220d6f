/* csv_read.c — read CSV/TSV into typed columns in one streaming pass. Inference per column:
 * int64 while every cell is an integer, float64 once a decimal (or an NA) appears, text once a
 * cell is not a number; a column that turns out to be text is collected by a second pass over
 * the source for those columns only, so numbers never need their text kept. Integers with an
 * NA are text, not float64, where one is beyond 2^53 (a double would merge neighbouring IDs).
 * Numbers are decimal (a hexadecimal cell among numbers is an error naming it) and parsed
 * exactly: Clinger's fast path (mantissa <= 2^53, |exponent| <= 22) else strtod. */
#include <ctype.h>
#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv_internal.h"

static const char *const default_na[] = {"", "NA", "NaN", "nan", "N/A", "NULL", "null", ".", NULL};

typedef struct {
    int out; /* output slot of this file column, -1 when skipped */
} file_col;

typedef struct {
    char *name;
    ks_col_type want; /* given by the caller, or AUTO */
    ks_col_type cur;  /* INT64 / FLOAT64 while numeric, STRING when collected as text */
    int need_text;    /* AUTO column that met a non-number: read again as text */
    size_t file_index;
    void *data; /* int64_t[] / double[] */
    char *arena;
    size_t alen, acap;
    size_t *off;
    uint8_t *valid;
    /* what the cells were, for the rules applied after the first pass */
    int saw_num, saw_na, saw_frac, saw_big; /* a number; an NA; a non-integer; |integer| > 2^53 */
    int other_text;                         /* a cell neither a number nor hexadecimal */
    size_t hex_line, hex_col;               /* the first hexadecimal cell (line 0: none) */
    char hex_text[32];
} out_col;

typedef struct {
    ks_ctx *ctx;
    const char *name;
    const char *const *na;
    out_col *cols;
    size_t ncols, nrow, rowcap;
    file_col *fcols;
    size_t nfile;
    unsigned char na_first[256]; /* first bytes of the NA tokens ("" marks byte 0) */
} reader;

static int is_na(const reader *rd, const char *s)
{
    if (!rd->na_first[(unsigned char)s[0]]) return 0; /* no token starts so: the common case */
    for (const char *const *t = rd->na; *t; t++)
        if (!strcmp(s, *t)) return 1;
    return 0;
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

/* 1 and *v when s is an integer that fits int64. */
int ks__parse_int(const char *s, int64_t *v)
{
    const char *p = s;
    int neg = *p == '-';
    if (*p == '-' || *p == '+') p++;
    if (!*p) return 0;
    uint64_t acc = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9') return 0;
        if (acc > (UINT64_MAX - 9) / 10) return 0;
        acc = acc * 10 + (uint64_t)(*p - '0');
    }
    if (neg ? acc > (uint64_t)INT64_MAX + 1 : acc > (uint64_t)INT64_MAX) return 0;
    *v = neg ? (int64_t)(0 - acc) : (int64_t)acc;
    return 1;
}

/* Decimal numbers, infinities and NaN as strtod reads them; never C's hexadecimal ones. */
static int strtod_whole(const char *s, double *v)
{
    if (strpbrk(s, "xX")) return 0;
    char *end;
    double d = strtod(s, &end);
    if (end == s || *end) return 0;
    *v = d;
    return 1;
}

static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

#if LDBL_MANT_DIG == 64
static const long double pow10_ld[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                       1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                       1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                       1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};

/* m * 10^e with one rounding to the 64-bit x87 mantissa (m and 10^|e| <= 10^27 are exact
 * there), then to double. The second rounding is exact unless the extended result lies within
 * one unit of a halfway point between doubles, which is detected: then 0 (use strtod). */
static int extended_path(uint64_t m, int e, double *v)
{
    long double x = (long double)m;
    x = e < 0 ? x / pow10_ld[-e] : x * pow10_ld[e];
    union {
        long double ld;
        struct {
            uint64_t mant;
            uint16_t sexp;
        } p;
    } u;
    u.ld = x;
    const unsigned low = (unsigned)(u.p.mant & 0x7ff);
    if (low >= 0x3ff && low <= 0x401) return 0;
    if (!(x >= 0x1p-1022L && x <= 0x1.fffffffffffffp1023L)) return 0; /* subnormal, overflow */
    *v = (double)x;
    return 1;
}
#endif

/* 1 and *v when s is a number; correctly rounded. Up to 19 significant digits take a fast
 * path (Clinger's when exact in double, else the checked extended-precision one). */
int ks__parse_double(const char *s, double *v)
{
    const char *p = s;
    int neg = *p == '-', any = 0, slow = 0, exp10 = 0, nd = 0;
    if (*p == '-' || *p == '+') p++;
    uint64_t m = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        any = 1;
        if (m == 0 && *p == '0') continue;
        if (++nd > 19)
            slow = 1;
        else
            m = m * 10 + (uint64_t)(*p - '0');
    }
    if (*p == '.')
        for (p++; *p >= '0' && *p <= '9'; p++) {
            any = 1;
            if (m == 0 && *p == '0') {
                exp10--;
                continue;
            }
            if (++nd > 19)
                slow = 1;
            else {
                m = m * 10 + (uint64_t)(*p - '0');
                exp10--;
            }
        }
    if (any && (*p == 'e' || *p == 'E')) {
        const char *q = p + 1;
        int eneg = *q == '-', e = 0;
        if (*q == '-' || *q == '+') q++;
        if (*q < '0' || *q > '9') return 0;
        for (; *q >= '0' && *q <= '9'; q++)
            if (e < 10000) e = e * 10 + (*q - '0');
        exp10 += eneg ? -e : e;
        p = q;
    }
    if (!any || *p) return strtod_whole(s, v); /* inf, nan, hex, or not a number */
    if (!slow) {
        if (m == 0) {
            *v = neg ? -0.0 : 0.0;
            return 1;
        }
        if (m <= (1ull << 53) && exp10 >= -22 && exp10 <= 22) {
            double d = (double)m; /* exact */
            d = exp10 < 0 ? d / pow10_exact[-exp10] : d * pow10_exact[exp10];
            *v = neg ? -d : d;
            return 1;
        }
#if LDBL_MANT_DIG == 64
        if (exp10 >= -27 && exp10 <= 27 && extended_path(m, exp10, v)) {
            if (neg) *v = -*v;
            return 1;
        }
#endif
    }
    return strtod_whole(s, v);
}

static int grow_rows(reader *rd)
{
    if (rd->nrow < rd->rowcap) return KS_OK;
    size_t cap = rd->rowcap ? rd->rowcap + rd->rowcap / 2 : 4096;
    for (size_t j = 0; j < rd->ncols; j++) {
        out_col *c = &rd->cols[j];
        if (c->cur == KS_COL_STRING) {
            size_t *no = ks__realloc(rd->ctx, c->off, cap * sizeof *no);
            if (!no) return KS_ENOMEM;
            c->off = no;
            uint8_t *nv = ks__realloc(rd->ctx, c->valid, cap);
            if (!nv) return KS_ENOMEM;
            c->valid = nv;
        } else {
            void *nd = ks__realloc(rd->ctx, c->data, cap * 8);
            if (!nd) return KS_ENOMEM;
            c->data = nd;
        }
    }
    rd->rowcap = cap;
    return KS_OK;
}

static int put_text(reader *rd, out_col *c, size_t row, const char *s, int na)
{
    c->valid[row] = !na;
    if (na) {
        c->off[row] = 0;
        return KS_OK;
    }
    size_t n = strlen(s) + 1;
    if (c->alen + n > c->acap) {
        size_t cap = c->acap ? c->acap * 2 : 4096;
        while (cap < c->alen + n) cap *= 2;
        char *na2 = ks__realloc(rd->ctx, c->arena, cap);
        if (!na2) return KS_ENOMEM;
        c->arena = na2;
        c->acap = cap;
    }
    memcpy(c->arena + c->alen, s, n);
    c->off[row] = c->alen;
    c->alen += n;
    return KS_OK;
}

static void promote_to_float(out_col *c, size_t nrow)
{
    int64_t *iv = c->data;
    double *dv = c->data;
    for (size_t i = 0; i < nrow; i++) dv[i] = (double)iv[i];
    c->cur = KS_COL_FLOAT64;
}

static int beyond_2_53(int64_t v) { return v > (INT64_C(1) << 53) || v < -(INT64_C(1) << 53); }

/* C's hexadecimal number ("0x10", "-0x1p3"), which strtod would read. */
static int is_hex(const char *s)
{
    const char *p = s + (*s == '-' || *s == '+');
    if (p[0] != '0' || (p[1] != 'x' && p[1] != 'X')) return 0;
    char *end;
    (void)strtod(s, &end);
    return end > p + 2 && !*end;
}

static int put_cell(reader *rd, out_col *c, size_t row, char *raw, size_t line, size_t col)
{
    if (c->cur == KS_COL_STRING) return put_text(rd, c, row, raw, is_na(rd, raw));
    char *s = trim(raw);
    if (is_na(rd, s)) {
        c->saw_na = 1;
        if (c->cur == KS_COL_INT64) promote_to_float(c, row);
        ((double *)c->data)[row] = NAN;
        return KS_OK;
    }
    int64_t iv;
    double dv;
    if (c->cur == KS_COL_INT64 && ks__parse_int(s, &iv)) {
        c->saw_num = 1;
        c->saw_big |= beyond_2_53(iv);
        ((int64_t *)c->data)[row] = iv;
        return KS_OK;
    }
    if (ks__parse_double(s, &dv)) {
        if (c->cur == KS_COL_INT64) {
            if (c->want == KS_COL_INT64)
                return ks__fail(rd->ctx, KS_EPARSE,
                               "%s:%zu:%zu: '%s' is not an integer in column '%s'", rd->name, line,
                               col, s, c->name);
            promote_to_float(c, row);
        }
        c->saw_num = 1;
        if (!c->saw_frac) { /* integers with an NA: is one beyond 2^53? */
            if (ks__parse_int(s, &iv))
                c->saw_big |= beyond_2_53(iv);
            else
                c->saw_frac = 1;
        }
        ((double *)c->data)[row] = dv;
        return KS_OK;
    }
    if (c->want != KS_COL_AUTO)
        return ks__fail(rd->ctx, KS_EPARSE, "%s:%zu:%zu: '%s' is not a number in column '%s'",
                       rd->name, line, col, s, c->name);
    if (!is_hex(s)) {
        c->other_text = 1;
    } else if (!c->hex_line) {
        c->hex_line = line;
        c->hex_col = col;
        snprintf(c->hex_text, sizeof c->hex_text, "%s", s);
    }
    if (c->cur == KS_COL_INT64) promote_to_float(c, row);
    c->need_text = 1;
    ((double *)c->data)[row] = NAN;
    return KS_OK;
}

static void reader_free(reader *rd)
{
    for (size_t j = 0; rd->cols && j < rd->ncols; j++) {
        out_col *c = &rd->cols[j];
        ks__free(rd->ctx, c->name);
        ks__free(rd->ctx, c->data);
        ks__free(rd->ctx, c->arena);
        ks__free(rd->ctx, c->off);
        ks__free(rd->ctx, c->valid);
    }
    ks__free(rd->ctx, rd->cols);
    ks__free(rd->ctx, rd->fcols);
    rd->cols = NULL;
    rd->fcols = NULL;
}

static ks_col_type given_type(const ks_csv_options *o, const char *name)
{
    if (!o->col_names || !o->col_types) return KS_COL_AUTO;
    for (size_t i = 0; o->col_names[i]; i++)
        if (!strcmp(o->col_names[i], name)) return o->col_types[i];
    return KS_COL_AUTO;
}

/* Columns from the header row: names checked, usecols applied, types given or AUTO. */
static int setup_columns(reader *rd, ks_records *rec, size_t line, const ks_csv_options *o)
{
    rd->nfile = rec->nfields;
    rd->fcols = ks__malloc_array(rd->ctx, rd->nfile, sizeof *rd->fcols);
    rd->cols = ks__calloc(rd->ctx, rd->nfile, sizeof *rd->cols);
    if (!rd->fcols || !rd->cols) return KS_ENOMEM;
    for (size_t f = 0; f < rd->nfile; f++) {
        char *name = trim(rec->fields[f]);
        if (!*name)
            return ks__fail(rd->ctx, KS_EPARSE, "%s:%zu:%zu: empty column name in the header",
                           rd->name, line, f + 1);
        for (size_t g = 0; g < f; g++)
            if (!strcmp(trim(rec->fields[g]), name))
                return ks__fail(rd->ctx, KS_EPARSE, "%s:%zu:%zu: column name '%s' appears twice",
                               rd->name, line, f + 1, name);
        int use = !o->usecols;
        for (size_t u = 0; o->usecols && o->usecols[u]; u++) use |= !strcmp(o->usecols[u], name);
        rd->fcols[f].out = -1;
        if (!use) continue;
        out_col *c = &rd->cols[rd->ncols];
        if (!(c->name = ks__strdup(rd->ctx, name))) return KS_ENOMEM;
        c->want = given_type(o, name);
        c->cur = c->want == KS_COL_STRING    ? KS_COL_STRING
                 : c->want == KS_COL_FLOAT64 ? KS_COL_FLOAT64
                                             : KS_COL_INT64;
        c->file_index = f;
        rd->fcols[f].out = (int)rd->ncols++;
    }
    for (size_t u = 0; o->usecols && o->usecols[u]; u++) {
        int found = 0;
        for (size_t j = 0; j < rd->ncols; j++) found |= !strcmp(rd->cols[j].name, o->usecols[u]);
        if (!found)
            return ks__fail(rd->ctx, KS_ENOTFOUND, "%s: no column '%s' in the header", rd->name,
                           o->usecols[u]);
    }
    return KS_OK;
}

static int open_source(ks_ctx *ctx, const char *path, const void *mem, size_t len, ks_source *s)
{
    return mem ? ks__source_open_mem(ctx, path, mem, len, s) : ks__source_open_file(ctx, path, s);
}

/* Read every record; when text_pass, only collect the columns that need text. */
static int read_rows(reader *rd, ks_records *rec, int text_pass)
{
    size_t line;
    int got;
    size_t row = 0;
    while ((got = ks__records_next(rec, &line)) > 0) {
        if (rec->nfields != rd->nfile)
            return ks__fail(rd->ctx, KS_EPARSE, "%s:%zu: row has %zu fields, header has %zu",
                           rd->name, line, rec->nfields, rd->nfile);
        if (!text_pass) {
            int rc = grow_rows(rd);
            if (rc) return rc;
        }
        for (size_t f = 0; f < rd->nfile; f++) {
            int j = rd->fcols[f].out;
            if (j < 0) continue;
            out_col *c = &rd->cols[j];
            int rc;
            if (text_pass)
                rc = c->cur == KS_COL_STRING
                         ? put_text(rd, c, row, rec->fields[f], is_na(rd, trim(rec->fields[f])))
                         : KS_OK;
            else
                rc = put_cell(rd, c, row, rec->fields[f], line, f + 1);
            if (rc) return rc;
        }
        row++;
        if (!text_pass) rd->nrow = row;
    }
    return got;
}

/* The rules that need a whole column: hexadecimal among numbers is an error; integers with an
 * NA, one of them beyond 2^53, are text (exact), or an error where int64 was asked. */
static int settle_columns(reader *rd)
{
    for (size_t j = 0; j < rd->ncols; j++) {
        out_col *c = &rd->cols[j];
        if (c->need_text && c->saw_num && c->hex_line && !c->other_text)
            return ks__fail(rd->ctx, KS_EPARSE,
                           "%s:%zu:%zu: '%s' in column '%s' is a hexadecimal number; numbers are "
                           "read in decimal only",
                           rd->name, c->hex_line, c->hex_col, c->hex_text, c->name);
        if (c->cur != KS_COL_FLOAT64 || c->need_text || !c->saw_na || !c->saw_big || c->saw_frac)
            continue;
        if (c->want == KS_COL_INT64)
            return ks__fail(rd->ctx, KS_EPARSE,
                           "%s: column '%s' has NA and integers beyond 2^53, which float64 (the "
                           "type that holds NA) cannot keep exact; read it as text",
                           rd->name, c->name);
        if (c->want == KS_COL_AUTO) {
            c->need_text = 1;
            ks__log(rd->ctx, KS_LOG_INFO,
                   "%s: column '%s' (integers beyond 2^53 with NA) is read as text to keep them "
                   "exact",
                   rd->name, c->name);
        }
    }
    return KS_OK;
}

/* Columns that met text become string columns, filled by a second pass. */
static int text_pass(reader *rd, const char *path, const void *mem, size_t len, char delim,
                     size_t chunk)
{
    int any = 0;
    for (size_t j = 0; j < rd->ncols; j++) {
        out_col *c = &rd->cols[j];
        if (!c->need_text) continue;
        any = 1;
        ks__free(rd->ctx, c->data);
        c->data = NULL;
        c->cur = KS_COL_STRING;
        c->off = ks__malloc_array(rd->ctx, rd->nrow + 1, sizeof *c->off);
        c->valid = ks__malloc(rd->ctx, rd->nrow + 1);
        if (!c->off || !c->valid) return KS_ENOMEM;
    }
    if (!any) return KS_OK;
    ks_source src;
    ks_records rec;
    size_t line;
    int rc = open_source(rd->ctx, path, mem, len, &src);
    if (rc) return rc;
    if ((rc = ks__records_init(rd->ctx, &rec, &src, delim, chunk))) {
        ks__source_close(&src);
        return rc;
    }
    rc = ks__records_next(&rec, &line); /* the header */
    if (rc > 0) rc = read_rows(rd, &rec, 1);
    ks__records_free(&rec);
    ks__source_close(&src);
    return rc < 0 ? rc : KS_OK;
}

static int build_table(reader *rd, ks_table **out)
{
    ks_table *t = NULL;
    int rc = ks_table_new(rd->ctx, rd->nrow, &t);
    for (size_t j = 0; !rc && j < rd->ncols; j++) {
        out_col *c = &rd->cols[j];
        ks_column col = {0};
        col.name = c->name;
        col.type = c->cur;
        if (c->cur == KS_COL_STRING) {
            if (!c->arena && !(c->arena = ks__malloc(rd->ctx, 1))) {
                rc = KS_ENOMEM;
                break;
            }
            col.arena = c->arena;
            col.offsets = c->off;
            col.valid = c->valid;
        } else {
            if (!c->data && !(c->data = ks__malloc(rd->ctx, 8))) { /* no rows: still an array */
                rc = KS_ENOMEM;
                break;
            }
            void *shrunk = rd->nrow ? ks__realloc(rd->ctx, c->data, rd->nrow * 8) : NULL;
            col.data = shrunk ? shrunk : c->data;
        }
        memset(c, 0, sizeof *c); /* the table owns it now, even on failure */
        rc = ks__table_append_column(rd->ctx, t, &col);
    }
    if (rc) {
        ks_table_free(t);
        return rc;
    }
    *out = t;
    return KS_OK;
}

static char delim_from_name(const char *name)
{
    size_t n = strlen(name);
    if (n > 3 && !strcmp(name + n - 3, ".gz")) n -= 3;
    if ((n >= 4 && !strncmp(name + n - 4, ".tsv", 4)) ||
        (n >= 4 && !strncmp(name + n - 4, ".tab", 4)))
        return '\t';
    return ',';
}

static int read_csv(ks_ctx *ctx, const char *path, const void *mem, size_t len,
                    const ks_csv_options *opt, ks_table **out)
{
    if (!out) return ks__fail(ctx, KS_EINVAL, "read_csv: out is NULL");
    *out = NULL;
    if (!path) return ks__fail(ctx, KS_EINVAL, "read_csv: path is NULL");
    ks_csv_options o = KS_CSV_OPTIONS_INIT;
    if (opt) o = *opt;
    const char delim = o.delim ? o.delim : delim_from_name(path);
    reader rd = {ctx, path, o.na_tokens ? o.na_tokens : default_na, NULL, 0, 0, 0, NULL, 0, {0}};
    for (const char *const *tok = rd.na; *tok; tok++) rd.na_first[(unsigned char)(*tok)[0]] = 1;
    ks_source src;
    ks_records rec;
    size_t line;
    int rc = open_source(ctx, path, mem, len, &src);
    if (rc) return rc;
    if ((rc = ks__records_init(ctx, &rec, &src, delim, o.chunk_bytes))) {
        ks__source_close(&src);
        return rc;
    }
    rc = ks__records_next(&rec, &line);
    if (rc == 0) rc = ks__fail(ctx, KS_EEMPTY, "%s: empty file, no header row", path);
    if (rc > 0) rc = setup_columns(&rd, &rec, line, &o);
    if (!rc) rc = read_rows(&rd, &rec, 0);
    ks__records_free(&rec);
    ks__source_close(&src);
    if (!rc && rd.nrow == 0 && !o.allow_empty)
        rc = ks__fail(ctx, KS_EEMPTY, "%s: header but no data rows", path);
    if (!rc) rc = settle_columns(&rd);
    if (!rc) rc = text_pass(&rd, path, mem, len, delim, o.chunk_bytes);
    if (!rc) rc = build_table(&rd, out);
    reader_free(&rd);
    if (rc == KS_ENOMEM) ks__fail(ctx, KS_ENOMEM, "%s: out of memory while reading", path);
    return rc;
}

int ks_table_read_csv(ks_ctx *ctx, const char *path, const ks_csv_options *opt, ks_table **out)
{
    return read_csv(ctx, path, NULL, 0, opt, out);
}

int ks_table_read_csv_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len,
                          const ks_csv_options *opt, ks_table **out)
{
    if (!buf && len) return ks__fail(ctx, KS_EINVAL, "read_csv_mem: buffer is NULL");
    static const char empty[1] = "";
    return read_csv(ctx, name, buf ? buf : empty, len, opt, out);
}
