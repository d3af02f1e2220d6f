/* csv_records.c — split a byte stream into CSV records (RFC 4180: quoted fields with "" for a
 * quote, delimiters and line breaks inside quotes, LF or CRLF line ends, a last line without a
 * line end; CR alone where the input's first line end is one), holding one chunk plus the
 * record that straddles it, at most KS_RECORD_MAX bytes. */
#include <stdio.h>
#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "csv_internal.h"

int ks__records_init(ks_ctx *ctx, ks_records *r, ks_source *src, char delim, size_t chunk)
{
    memset(r, 0, sizeof *r);
    r->ctx = ctx;
    r->src = src;
    r->delim = delim;
    r->chunk = chunk ? chunk : (size_t)4 << 20;
    r->cap = r->chunk + 1;
    r->line = 1;
    r->cr = -1;
    r->quote = '"';
    r->max_record = KS_RECORD_MAX;
    r->buf = ks__malloc(ctx, r->cap);
    r->fcap = 16;
    r->fields = ks__malloc_array(ctx, r->fcap, sizeof *r->fields);
    if (!r->buf || !r->fields) {
        ks__records_free(r);
        return KS_ENOMEM;
    }
    return KS_OK;
}

void ks__records_free(ks_records *r)
{
    if (!r->ctx) return;
    ks__free(r->ctx, r->buf);
    ks__free(r->ctx, r->fields);
    ks__free(r->ctx, r->rfirst);
    r->buf = NULL;
    r->fields = NULL;
    r->rfirst = NULL;
}

/* A NUL byte at nul: an error naming its line and field, counted from the unread record's
 * start (r->pos) with quotes followed. */
static int nul_error(ks_records *r, const char *nul)
{
    size_t line = r->line, field = 1, seen = 0;
    int in_quote = 0, in_field = 0;
    for (const char *p = r->buf + r->pos; p < nul; p++) {
        if (r->quote && *p == r->quote) in_quote ^= 1;
        if (*p == '\n') line++;
        if (in_quote) continue;
        if (*p == '\n') {
            field = 1;
            seen = in_field = 0;
        } else if (!r->blanks) {
            field += *p == r->delim;
        } else if (*p == ' ' || *p == '\t') {
            in_field = 0;
        } else if (!in_field) {
            in_field = 1;
            seen++;
        }
    }
    if (r->blanks) field = seen + !in_field;
    return ks__fail(r->ctx, KS_EPARSE, "%s:%zu:%zu: a NUL byte in the data (not a text file?)",
                   r->src->name, line, field);
}

/* Bytes [from, len) just read: line ends decided at the first one (a CR not followed by LF: CR
 * alone, then each CR becomes a LF); NUL bytes refused. */
static int take_new(ks_records *r, size_t from)
{
    char *const b = r->buf;
    size_t convert = from;
    if (r->cr < 0) { /* no line end before, but maybe a CR last in the buffer */
        const size_t back = from > r->pos && b[from - 1] == '\r';
        for (size_t i = from - back; i < r->len; i++) {
            if (b[i] != '\r' && b[i] != '\n') continue;
            if (b[i] == '\n')
                r->cr = 0;
            else if (i + 1 < r->len)
                r->cr = b[i + 1] != '\n';
            break; /* (a CR last in the buffer: decided by the next read) */
        }
        if (r->cr < 0 && r->eof) r->cr = back;
        convert = from - back;
        r->cr_back = r->cr == 1 && back;
    }
    if (r->cr == 1)
        for (char *p = b + convert; (p = memchr(p, '\r', (size_t)(b + r->len - p))); p++) *p = '\n';
    const char *nul = memchr(b + from, '\0', r->len - from);
    return nul ? nul_error(r, nul) : KS_OK;
}

static void print_size(char *buf, size_t n, size_t bytes)
{
    if (bytes >= (1u << 20))
        snprintf(buf, n, "%zu MiB", bytes >> 20);
    else
        snprintf(buf, n, "%zu bytes", bytes);
}

/* Move the unread tail to the front and read more; grow when one record fills the buffer. */
static int refill(ks_records *r)
{
    if (r->pos > 0) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    if (r->cap - 1 - r->len <= r->chunk / 2) {
        if (r->len >= r->max_record) {
            char size[32];
            print_size(size, sizeof size, r->max_record);
            return ks__fail(r->ctx, KS_EPARSE,
                           "%s:%zu: a record longer than %s, the reader's limit (no line end, "
                           "or a quote never closed?)",
                           r->src->name, r->line, size);
        }
        size_t ncap;
        if (!ks__size_add(r->cap, r->cap / 2 + r->chunk, &ncap))
            return ks__fail(r->ctx, KS_EOVERFLOW, "%s: record too large", r->src->name);
        char *nb = ks__realloc(r->ctx, r->buf, ncap);
        if (!nb) return KS_ENOMEM;
        r->buf = nb;
        r->cap = ncap;
    }
    const size_t from = r->len;
    int64_t got = ks__source_read(r->ctx, r->src, r->buf + r->len, r->cap - 1 - r->len);
    if (got < 0) return (int)got;
    if (got == 0) r->eof = 1;
    r->len += (size_t)got;
    const int rc = take_new(r, from);
    if (rc) return rc;
    if (!r->quiet) ks__progress(r->ctx, r->src->name, ks__source_consumed(r->src), r->src->total);
    return KS_OK;
}

static int push_field(ks_records *r, char *f)
{
    if (r->nfields == r->fcap) {
        char **nf = ks__realloc(r->ctx, r->fields, 2 * r->fcap * sizeof *nf);
        if (!nf) return KS_ENOMEM;
        r->fields = nf;
        r->fcap *= 2;
    }
    r->fields[r->nfields++] = f;
    return KS_OK;
}

/* Split [start, end) into fields at runs of blanks, leading and trailing ones ignored; a field
 * in double quotes may hold blanks. */
static int split_blanks(ks_records *r, char *p, char *end)
{
    for (;;) {
        while (p < end && (*p == ' ' || *p == '\t')) p++;
        if (p >= end) return KS_OK;
        char *field = p, *w = p;
        if (r->quote && *p == r->quote) {
            p++;
            while (p < end && *p != r->quote) *w++ = *p++;
            if (p < end) p++;
        }
        while (p < end && *p != ' ' && *p != '\t') *w++ = *p++;
        const int at_end = p >= end;
        *w = '\0';
        int rc = push_field(r, field);
        if (rc || at_end) return rc;
        p++;
    }
}

/* Split [start, end) into fields in place (end is a NUL), after the fields already there. */
static int split(ks_records *r, char *p, char *end)
{
    if (r->blanks) return split_blanks(r, p, end);
    for (;;) {
        char *field = p, *w = p;
        if (r->quote && *p == r->quote) {
            p++;
            for (;;) {
                if (p >= end) break;
                if (*p == r->quote) {
                    if (p + 1 < end && p[1] == r->quote) {
                        *w++ = r->quote;
                        p += 2;
                        continue;
                    }
                    p++;
                    break;
                }
                *w++ = *p++;
            }
            while (p < end && *p != r->delim) *w++ = *p++; /* text after the closing quote */
        } else {
            while (p < end && *p != r->delim) p++;
            w = p;
        }
        int at_end = p >= end;
        *w = '\0';
        int rc = push_field(r, field);
        if (rc) return rc;
        if (at_end) return KS_OK;
        p++; /* past the delimiter */
    }
}

/* The common record in one pass: from r->pos, no quote, its line end in the buffer. Its fields
 * are split where the delimiters are (16 bytes compared at a time) and it is taken: 1. Any other
 * record (a quote, a blank line, no line end yet, line 1 with its possible byte-order mark) is
 * left as it was for the general path: 0; < 0 on an error. */
static int fast_record(ks_records *r, size_t *line)
{
    char *const b = r->buf, *const start = b + r->pos, *const stop = b + r->len, *p = start;
    const size_t before = r->nfields;
    const char d = r->delim, qc = r->quote ? r->quote : '\n'; /* (no quote: a second '\n') */
    if (r->line == 1 || r->blanks) return 0;
    int rc = push_field(r, start);
    char *nl = NULL;
    int quote = 0;
#if defined(__SSE2__)
    const __m128i vd = _mm_set1_epi8(d), vn = _mm_set1_epi8('\n'), vq = _mm_set1_epi8(qc);
    for (; !rc && !nl && !quote && stop - p >= 16; p += 16) {
        const __m128i v = _mm_loadu_si128((const __m128i *)p);
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, vd), _mm_cmpeq_epi8(v, vn)), _mm_cmpeq_epi8(v, vq)));
        for (; m && !rc && !nl && !quote; m &= m - 1) {
            char *q = p + __builtin_ctz(m);
            if (*q == d)
                rc = push_field(r, q + 1);
            else if (*q == '\n')
                nl = q;
            else
                quote = 1;
        }
    }
#endif
    for (; !rc && !nl && !quote && p < stop; p++)
        if (*p == d)
            rc = push_field(r, p + 1);
        else if (*p == '\n')
            nl = p;
        else if (*p == qc)
            quote = 1;
    char *end = nl && nl > start && nl[-1] == '\r' ? nl - 1 : nl;
    if (rc || !nl || end == start) { /* taken by the general path */
        r->nfields = before;
        return rc;
    }
    for (size_t f = before + 1; f < r->nfields; f++) r->fields[f][-1] = '\0';
    *end = '\0';
    *line = r->line++;
    r->pos = (size_t)(nl + 1 - b);
    return 1;
}

/* The next record's fields after those in r->fields: 1, 0 at the end, < 0 on an error, or 2
 * when the record is not whole in the buffer and hold is set (a refill would move the buffer
 * under the fields already handed out). */
static int next_record(ks_records *r, size_t *line, int hold)
{
    const int fr = fast_record(r, line);
    if (fr) return fr;
    for (;;) {
        size_t scan = r->pos, newlines = 0;
        int in_quote = 0;
        for (;;) {
            char *b = r->buf;
            size_t i = scan;
            /* Line by line with memchr; quotes are followed byte by byte only on lines that
             * have one. */
            while (i < r->len) {
                const char *nl = memchr(b + i, '\n', r->len - i);
                const size_t stop = nl ? (size_t)(nl - b) : r->len;
                if (r->quote && memchr(b + i, r->quote, stop - i))
                    for (size_t j = i; j < stop; j++) in_quote ^= b[j] == r->quote;
                if (!nl || !in_quote) {
                    i = stop;
                    break;
                }
                newlines++; /* a line break inside a quoted field */
                i = stop + 1;
            }
            if (i < r->len) {
                scan = i;
                break;
            }
            if (r->eof) {
                scan = r->len;
                break;
            }
            if (hold) return 2;
            size_t done = i - r->pos;
            int rc = refill(r);
            if (rc) return rc;
            scan = r->pos + done - (size_t)r->cr_back; /* (a CR scanned, now a line end) */
            r->cr_back = 0;
        }
        if (scan == r->pos && r->eof && scan == r->len) return 0;
        if (in_quote)
            return ks__fail(r->ctx, KS_EPARSE, "%s:%zu: unterminated quoted field", r->src->name,
                           r->line);
        char *start = r->buf + r->pos, *end = r->buf + scan;
        *line = r->line;
        r->line += 1 + newlines;
        r->pos = scan < r->len ? scan + 1 : scan;
        if (end > start && end[-1] == '\r') end--;
        *end = '\0';
        if (*line == 1 && end - start >= 3 && !memcmp(start, "\xEF\xBB\xBF", 3)) start += 3;
        if (end == start) continue; /* a blank line */
        const size_t before = r->nfields;
        int rc = split(r, start, end);
        if (rc) return rc;
        if (r->nfields == before) continue; /* only blanks */
        return 1;
    }
}

int ks__records_next(ks_records *r, size_t *line)
{
    if (r->pending) {
        const int rc = r->pending;
        r->pending = 0;
        return rc;
    }
    r->nfields = 0;
    return next_record(r, line, 0);
}

int ks__records_batch(ks_records *r, size_t max)
{
    r->nfields = 0;
    r->nrec = 0;
    if (r->pending) {
        const int rc = r->pending;
        r->pending = 0;
        return rc;
    }
    if (r->rcap < max) {
        size_t *a = ks__realloc(r->ctx, r->rfirst, max * 2 * sizeof *a);
        if (!a) return KS_ENOMEM;
        r->rfirst = a;
        r->rcap = max;
    }
    size_t *rline = r->rfirst + r->rcap;
    while (r->nrec < max) {
        const size_t first = r->nfields;
        size_t line;
        const int rc = next_record(r, &line, r->nrec > 0);
        if (rc == 2 || rc == 0) break;
        if (rc < 0) { /* the records before it are handed out first */
            if (!r->nrec) return rc;
            r->pending = rc;
            break;
        }
        r->rfirst[r->nrec] = first;
        rline[r->nrec++] = line;
    }
    return r->nrec > 0;
}
