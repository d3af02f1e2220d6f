/* loadtxt.c — np.loadtxt over the table layer's reader: its byte sources (plain, gzip, memory)
 * and record splitter (line ends, blank lines, runs of blanks for NumPy's delimiter=None, the
 * quote character switched off for quotechar=None) and its number parsers (correctly rounded
 * doubles, checked int64). What is loadtxt's own: comments cut from the split fields, skiprows,
 * max_rows, usecols, one dtype for every column, NumPy's row / column error texts and shapes. */
#include <stdio.h>
#include <string.h>

#include "array/array_internal.h"
#include "table/csv_internal.h"

typedef struct {
    ks_ctx *ctx;
    const ks_array_loadtxt_options *o;
    const char *name;
    const char *const *comments;
    ks_dtype t;
    size_t es, ncols, nrow, cap; /* columns kept; rows read; capacity in rows */
    char *data;
} loader;

static const char *const default_comments[] = {"#", NULL};

/* Cut the record at the first comment marker: the fields after it dropped, the one holding it
 * ended there (and dropped when that leaves it empty between blanks). */
static void cut_comment(const loader *L, ks_records *r)
{
    if (!L->comments[0] || !r->nfields) return;
    for (size_t f = 0; f < r->nfields; f++) {
        char *s = r->fields[f], *cut = NULL;
        for (const char *const *c = L->comments; *c; c++) {
            char *at = **c ? strstr(s, *c) : NULL;
            if (at && (!cut || at < cut)) cut = at;
        }
        if (!cut) continue;
        *cut = '\0';
        r->nfields = f + 1;
        if (r->blanks ? !*s : f == 0 && !*s) r->nfields = f;
        return;
    }
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t') s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t')) s[--n] = '\0';
    return s;
}

static int parse_u64(const char *s, uint64_t *v)
{
    const char *p = s + (*s == '+');
    if (!*p) return 0;
    uint64_t acc = 0;
    for (; *p; p++) {
        if (*p < '0' || *p > '9' || acc > (UINT64_MAX - (uint64_t)(*p - '0')) / 10) return 0;
        acc = acc * 10 + (uint64_t)(*p - '0');
    }
    *v = acc;
    return 1;
}

/* "a+bj", "bj", "a", each optionally in parentheses (NumPy's complex parsing). */
static int parse_complex(char *s, double *re, double *im)
{
    size_t n = strlen(s);
    if (n >= 2 && s[0] == '(' && s[n - 1] == ')') {
        s[--n] = '\0';
        s = trim(s + 1);
        n = strlen(s);
    }
    if (!n) return 0;
    if (s[n - 1] != 'j') {
        *im = 0.0;
        return ks__parse_double(s, re);
    }
    s[--n] = '\0';
    size_t k = n;
    while (k > 1 && !((s[k - 1] == '+' || s[k - 1] == '-') && s[k - 2] != 'e' && s[k - 2] != 'E'))
        k--;
    if (k <= 1) { /* an imaginary part alone */
        *re = 0.0;
        return ks__parse_double(s, im);
    }
    char sign = s[k - 1];
    s[k - 1] = '\0';
    if (!ks__parse_double(s, re)) return 0;
    s[k - 1] = sign;
    return ks__parse_double(s + k - 1, im);
}

/* One field into dst as dtype t; 0 when it is not a value of it. */
static int parse_field(ks_dtype t, char *raw, char *dst)
{
    char *s = trim(raw);
    double d, im;
    int64_t i;
    uint64_t u;
    switch (t) {
    case KS_FLOAT64: return ks__parse_double(s, (double *)(void *)dst);
    case KS_FLOAT32:
        if (!ks__parse_double(s, &d)) return 0;
        *(float *)(void *)dst = (float)d;
        return 1;
    case KS_COMPLEX128:
    case KS_COMPLEX64:
        if (!parse_complex(s, &d, &im)) return 0;
        if (t == KS_COMPLEX128) {
            ((double *)(void *)dst)[0] = d;
            ((double *)(void *)dst)[1] = im;
        } else {
            ((float *)(void *)dst)[0] = (float)d;
            ((float *)(void *)dst)[1] = (float)im;
        }
        return 1;
    case KS_UINT64:
    case KS_UINT32:
    case KS_UINT16:
    case KS_UINT8:
        if (!parse_u64(s, &u)) return 0;
        if (t == KS_UINT64) memcpy(dst, &u, 8);
        if (t == KS_UINT32 && u <= UINT32_MAX) *(uint32_t *)(void *)dst = (uint32_t)u;
        if (t == KS_UINT16 && u <= UINT16_MAX) *(uint16_t *)(void *)dst = (uint16_t)u;
        if (t == KS_UINT8 && u <= UINT8_MAX) *(uint8_t *)(void *)dst = (uint8_t)u;
        return t == KS_UINT64 || u <= (t == KS_UINT32   ? UINT32_MAX
                                       : t == KS_UINT16 ? UINT16_MAX
                                                        : UINT8_MAX);
    default: /* signed integers and bool */
        if (!ks__parse_int(s, &i)) return 0;
        switch (t) {
        case KS_BOOL: *(bool *)dst = i != 0; return 1;
        case KS_INT8: *(int8_t *)dst = (int8_t)i; return i >= INT8_MIN && i <= INT8_MAX;
        case KS_INT16:
            *(int16_t *)(void *)dst = (int16_t)i;
            return i >= INT16_MIN && i <= INT16_MAX;
        case KS_INT32:
            *(int32_t *)(void *)dst = (int32_t)i;
            return i >= INT32_MIN && i <= INT32_MAX;
        default: memcpy(dst, &i, 8); return 1;
        }
    }
}

static int convert_error(const loader *L, size_t line, const char *s, size_t row, size_t col)
{
    const int n = (int)strlen(s);
    return ks__fail(L->ctx, KS_EPARSE,
                    "%s:%zu: could not convert string '%.*s%s' to %s at row %zu, column %zu.",
                    L->name, line, n > 100 ? 100 : n, s, n > 100 ? "..." : "", ks_dtype_name(L->t),
                    row, col);
}

/* One record's kept fields appended as the next row. */
static int take_row(loader *L, ks_records *r, size_t line)
{
    const ks_array_loadtxt_options *o = L->o;
    const size_t nf = r->nfields;
    if (L->nrow == 0) L->ncols = o->usecols ? o->nusecols : nf;
    if (!o->usecols && nf != L->ncols)
        return ks__fail(L->ctx, KS_EPARSE,
                        "%s:%zu: the number of columns changed from %zu to %zu at row %zu; use "
                        "`usecols` to select a subset and avoid this error",
                        L->name, line, L->ncols, nf, L->nrow + 1);
    size_t row_bytes = L->ncols * L->es;
    int rc = ks__grow(L->ctx, (void **)&L->data, &L->cap, L->nrow + 1, row_bytes ? row_bytes : 1);
    if (rc != KS_OK) return rc;
    char *dst = L->data + L->nrow * row_bytes;
    for (size_t c = 0; c < L->ncols; c++, dst += L->es) {
        ptrdiff_t f = (ptrdiff_t)c;
        if (o->usecols) {
            f = o->usecols[c];
            if (f < 0) f += (ptrdiff_t)nf;
            if (f < 0 || f >= (ptrdiff_t)nf)
                return ks__fail(L->ctx, KS_EPARSE,
                                "%s:%zu: invalid column index %td at row %zu with %zu columns",
                                L->name, line, o->usecols[c], L->nrow + 1, nf);
        }
        if (!parse_field(L->t, r->fields[f], dst))
            return convert_error(L, line, trim(r->fields[f]), L->nrow, (size_t)f + 1);
    }
    L->nrow++;
    return KS_OK;
}

/* The rows as an array in NumPy's shape: (rows, columns), squeezed above ndmin, raised to it
 * (ndmin 2 as a column, NumPy's atleast_2d(a).T), transposed for unpack. */
static int shape_result(loader *L, ks_array *out)
{
    const ks_array_loadtxt_options *o = L->o;
    ptrdiff_t shape[2] = {(ptrdiff_t)L->nrow, (ptrdiff_t)(L->nrow      ? L->ncols
                                                          : o->usecols ? o->nusecols
                                                                       : 1)};
    ks_array a;
    int rc = ks__array_new(L->ctx, L->t, 2, shape, &a);
    if (rc != KS_OK) return rc;
    if (L->nrow) memcpy(a.data, L->data, L->nrow * L->ncols * L->es);
    int nd = 0;
    ptrdiff_t sq[2];
    if (o->ndmin < 2) /* squeeze */
        for (int d = 0; d < 2; d++)
            if (shape[d] != 1) sq[nd++] = shape[d];
    if (o->ndmin >= 2) {
        nd = 2;
        sq[0] = shape[0];
        sq[1] = shape[1];
    } else if (o->ndmin == 1 && nd == 0) {
        nd = 1;
        sq[0] = 1;
    }
    ks_array r;
    rc = ks_array_reshape(L->ctx, &a, nd, sq, KS_ORDER_C, &r);
    ks_array_release(&a);
    if (rc != KS_OK) return rc;
    if (!o->unpack) {
        *out = r;
        return KS_OK;
    }
    rc = ks_array_transpose(L->ctx, &r, NULL, out);
    ks_array_release(&r);
    return rc;
}

static int load(ks_ctx *ctx, const char *name, const char *path, const void *buf, size_t len,
                const ks_array_loadtxt_options *opt, ks_array *out)
{
    ks__array_clear(out);
    const ks_array_loadtxt_options dflt = KS_ARRAY_LOADTXT_OPTIONS_INIT;
    const ks_array_loadtxt_options *o = opt ? opt : &dflt;
    if (o->delimiter &&
        (strlen(o->delimiter) != 1 || *o->delimiter == '\n' || *o->delimiter == '\r'))
        return ks__fail(ctx, KS_EINVAL, "loadtxt: the delimiter must be one character, not '%s'",
                        o->delimiter);
    if (o->ndmin < 0 || o->ndmin > 2)
        return ks__fail(ctx, KS_EINVAL, "Illegal value of ndmin keyword: %d", o->ndmin);
    if ((size_t)o->dtype >= KS_NDTYPES) return ks__fail(ctx, KS_EINVAL, "loadtxt: bad dtype");
    loader L = {ctx,      o,
                name,     o->comments ? o->comments : default_comments,
                o->dtype, ks__dtypes[o->dtype].size,
                0,        0,
                0,        NULL};
    ks_source src;
    int rc = path ? ks__source_open_file(ctx, path, &src)
                  : ks__source_open_mem(ctx, name, buf, len, &src);
    if (rc != KS_OK) return rc;
    ks_records rec;
    rc = ks__records_init(ctx, &rec, &src, o->delimiter ? *o->delimiter : ' ', 0);
    if (rc == KS_OK) {
        rec.blanks = !o->delimiter;
        rec.quote = o->quotechar;
        rec.quiet = 1;
        size_t line;
        while (o->max_rows < 0 || L.nrow < (size_t)o->max_rows) {
            rc = ks__records_next(&rec, &line);
            if (rc <= 0) break;
            rc = KS_OK;
            if (line <= o->skiprows) continue;
            cut_comment(&L, &rec);
            if (!rec.nfields) continue;
            rc = take_row(&L, &rec, line);
            if (rc != KS_OK) break;
        }
        ks__records_free(&rec);
    }
    ks__source_close(&src);
    if (rc == KS_OK) rc = shape_result(&L, out);
    ks__release(&ctx->alloc, L.data);
    return rc;
}

int ks_array_loadtxt(ks_ctx *ctx, const char *path, const ks_array_loadtxt_options *opt,
                     ks_array *out)
{
    return load(ctx, path, path, NULL, 0, opt, out);
}

int ks_array_loadtxt_mem(ks_ctx *ctx, const char *name, const void *buf, size_t len,
                         const ks_array_loadtxt_options *opt, ks_array *out)
{
    return load(ctx, name ? name : "<memory>", NULL, buf, len, opt, out);
}
