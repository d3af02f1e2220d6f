/* savetxt.c — np.savetxt: rows formatted in C as Python's % operator formats NumPy's scalars.
 *
 * NumPy builds one row format from fmt (a single format repeated per column and joined by the
 * delimiter, a complex column as " (F+Fj)", a sequence joined likewise, or a string with every
 * column's format) and applies it with `%` to each row, replacing "+-" by "-" in complex rows.
 * For the conversions kept here C's printf prints finite values as Python does (both round
 * correctly); Python's own spellings are made by hand: "nan" / "inf" without C's "-nan", spaces
 * for padding, and d of a float truncated through an integer. Files go through the table
 * layer's writer: a temporary renamed over the target when complete, gzip for ".gz". */
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "array/array_internal.h"
#include "kestrel/table.h"

typedef struct {
    size_t lit, nlit; /* literal text before the conversion, in the row format */
    char spec[40];    /* "%" flags width precision, without the conversion */
    char conv;        /* 0: literal text only (the tail) */
} piece;

typedef struct {
    ks_ctx *ctx;
    char *fmt; /* the row format */
    piece *p;
    size_t np, cap, nconv;
    char *row; /* a row being built */
    size_t rlen, rcap;
} rowfmt;

static int put(rowfmt *R, const char *s, size_t n)
{
    int rc = ks__grow(R->ctx, (void **)&R->row, &R->rcap, R->rlen + n + 1, 1);
    if (rc != KS_OK) return rc;
    memcpy(R->row + R->rlen, s, n);
    R->rlen += n;
    return KS_OK;
}

/* The row format split at its conversions; "%%" is literal text. */
static int parse_fmt(rowfmt *R)
{
    const char *f = R->fmt;
    size_t i = 0, lit = 0;
    for (;;) {
        int rc = ks__grow(R->ctx, (void **)&R->p, &R->cap, R->np + 1, sizeof *R->p);
        if (rc != KS_OK) return rc;
        piece *pc = &R->p[R->np];
        pc->lit = lit;
        pc->conv = 0;
        while (f[i] && !(f[i] == '%' && f[i + 1] != '%')) i += f[i] == '%' ? 2 : 1;
        pc->nlit = i - lit;
        R->np++;
        if (!f[i]) return KS_OK;
        size_t j = i + 1, k = 1;
        pc->spec[0] = '%';
        while (f[j] && strchr("#0- +", f[j]) && k < 8) pc->spec[k++] = f[j++];
        while (f[j] >= '0' && f[j] <= '9' && k < 20) pc->spec[k++] = f[j++];
        if (f[j] == '.') {
            pc->spec[k++] = f[j++];
            while (f[j] >= '0' && f[j] <= '9' && k < 36) pc->spec[k++] = f[j++];
        }
        while (f[j] == 'l' || f[j] == 'h' || f[j] == 'L') j++; /* Python ignores them */
        pc->spec[k] = '\0';
        if (!f[j] || !strchr("diueEfFgG", f[j]))
            return ks__fail(
                R->ctx, KS_EINVAL,
                "savetxt: unsupported format '%.*s' in '%s' (kestrel formats d, i, u, e, "
                "E, f, F, g and G)",
                (int)(j + 1 - i), f + i, f);
        pc->conv = f[j] == 'i' || f[j] == 'u' ? 'd' : f[j];
        R->nconv++;
        i = lit = j + 1;
    }
}

static size_t count_pct(const char *s)
{
    size_t n = 0;
    for (; *s; s++) n += *s == '%';
    return n;
}

/* NumPy's row format for ncol columns. */
static int build_fmt(ks_ctx *ctx, const ks_array_savetxt_options *o, size_t ncol, bool cplx,
                     char **out)
{
    ks__sbuf b = {ctx, NULL, 0, 0, 0};
    if (o->fmts) {
        if (o->nfmts != ncol)
            return ks__fail(ctx, KS_EINVAL, "fmt has wrong shape: %zu formats for %zu columns",
                            o->nfmts, ncol);
        for (size_t c = 0; c < ncol; c++)
            ks__sbuf_printf(&b, "%s%s", c ? o->delimiter : "", o->fmts[c]);
    } else if (count_pct(o->fmt) == 1) {
        for (size_t c = 0; c < ncol; c++) {
            if (cplx)
                ks__sbuf_printf(&b, "%s (%s+%sj)", c ? o->delimiter : "", o->fmt, o->fmt);
            else
                ks__sbuf_printf(&b, "%s%s", c ? o->delimiter : "", o->fmt);
        }
    } else if (count_pct(o->fmt) != (cplx ? 2 : 1) * ncol) {
        return ks__fail(ctx, KS_EINVAL, "fmt has wrong number of %% formats:  %s", o->fmt);
    } else {
        ks__sbuf_printf(&b, "%s", o->fmt);
    }
    if (!b.s && !b.oom) ks__sbuf_printf(&b, "%s", ""); /* no columns: an empty format */
    return ks__sbuf_string(&b, out);
}

/* Python's text for a value that is NaN or infinite: "nan" / "inf" (upper case for E, F, G),
 * signed by the flags (C's printf would print "-nan"), padded to the width as Python pads. */
static int put_nonfinite(rowfmt *R, const piece *pc, double v)
{
    const char *flags = pc->spec + 1;
    const size_t nflags = strspn(flags, "#0- +");
    const bool left = memchr(flags, '-', nflags) != NULL, plus = memchr(flags, '+', nflags) != NULL,
               space = memchr(flags, ' ', nflags) != NULL,
               zero = memchr(flags, '0', nflags) != NULL;
    const bool upper = pc->conv == 'E' || pc->conv == 'F' || pc->conv == 'G';
    const char *sign = v < 0 ? "-" : plus ? "+" : space ? " " : "";
    const char *word = v != v ? (upper ? "NAN" : "nan") : (upper ? "INF" : "inf");
    int width = atoi(flags + nflags);
    width = width < 60 ? width : 60;
    const int pad = width - (int)(strlen(sign) + 3);
    const int p = pad > 0 ? pad : 0;
    char buf[80];
    int n;
    if (zero && !left && p)
        n = snprintf(buf, sizeof buf, "%s%0*d%s", sign, p, 0, word);
    else if (left)
        n = snprintf(buf, sizeof buf, "%s%s%*s", sign, word, p, "");
    else
        n = snprintf(buf, sizeof buf, "%*s%s%s", p, "", sign, word);
    return put(R, buf, (size_t)n);
}

typedef struct {
    int kind; /* 'f' a double, 'i' an int64, 'u' a uint64 */
    double d;
    int64_t i;
    uint64_t u;
} value;

static int put_value(rowfmt *R, const piece *pc, const value *v)
{
    char spec[48], buf[400];
    int n;
    if (pc->conv == 'd') {
        if (v->kind == 'u') {
            snprintf(spec, sizeof spec, "%sllu", pc->spec);
            n = snprintf(buf, sizeof buf, spec, (unsigned long long)v->u);
        } else if (v->kind == 'i' || fabs(v->d) < 9.2e18) {
            snprintf(spec, sizeof spec, "%slld", pc->spec);
            n = snprintf(buf, sizeof buf, spec, (long long)(v->kind == 'i' ? v->i : (int64_t)v->d));
        } else if (v->d != v->d || isinf(v->d)) {
            return ks__fail(R->ctx, KS_EINVAL, "savetxt: cannot convert float %s to integer",
                            v->d != v->d ? "NaN" : "infinity");
        } else { /* an integral double beyond int64: its exact digits */
            snprintf(spec, sizeof spec, "%s.0f", pc->spec);
            n = snprintf(buf, sizeof buf, spec, v->d);
        }
    } else {
        const double d = v->kind == 'f' ? v->d : v->kind == 'i' ? (double)v->i : (double)v->u;
        if (d != d || isinf(d)) return put_nonfinite(R, pc, d);
        snprintf(spec, sizeof spec, "%s%c", pc->spec, pc->conv);
        n = snprintf(buf, sizeof buf, spec, d);
    }
    if (n < 0)
        return ks__fail(R->ctx, KS_EINVAL, "savetxt: format '%s%c' failed", pc->spec, pc->conv);
    if ((size_t)n < sizeof buf) return put(R, buf, (size_t)n);
    /* longer than the buffer ('%.300f' of 1e300): formatted again at its length */
    const size_t at = R->rlen;
    int rc = put(R, buf, (size_t)n); /* room for n + 1 bytes */
    if (rc != KS_OK) return rc;
    if (pc->conv == 'd' && v->kind == 'u')
        snprintf(R->row + at, (size_t)n + 1, spec, (unsigned long long)v->u);
    else if (pc->conv == 'd' && (v->kind == 'i' || fabs(v->d) < 9.2e18))
        snprintf(R->row + at, (size_t)n + 1, spec,
                 (long long)(v->kind == 'i' ? v->i : (int64_t)v->d));
    else
        snprintf(R->row + at, (size_t)n + 1, spec,
                 v->kind == 'f'   ? v->d
                 : v->kind == 'i' ? (double)v->i
                                  : (double)v->u);
    return KS_OK;
}

/* Element p of dtype t as the values it formats to (two for complex). */
static int read_values(ks_dtype t, const char *p, value *v)
{
    v[0].kind = 'f';
    switch (t) {
    case KS_BOOL: v[0].kind = 'i', v[0].i = *(const bool *)p; return 1;
    case KS_INT8: v[0].kind = 'i', v[0].i = *(const int8_t *)p; return 1;
    case KS_INT16: v[0].kind = 'i', v[0].i = *(const int16_t *)(const void *)p; return 1;
    case KS_INT32: v[0].kind = 'i', v[0].i = *(const int32_t *)(const void *)p; return 1;
    case KS_INT64: v[0].kind = 'i', v[0].i = *(const int64_t *)(const void *)p; return 1;
    case KS_UINT8: v[0].kind = 'i', v[0].i = *(const uint8_t *)p; return 1;
    case KS_UINT16: v[0].kind = 'i', v[0].i = *(const uint16_t *)(const void *)p; return 1;
    case KS_UINT32: v[0].kind = 'i', v[0].i = *(const uint32_t *)(const void *)p; return 1;
    case KS_UINT64: v[0].kind = 'u', v[0].u = *(const uint64_t *)(const void *)p; return 1;
    case KS_FLOAT32: v[0].d = *(const float *)(const void *)p; return 1;
    case KS_COMPLEX64:
        v[1].kind = 'f';
        v[0].d = ((const float *)(const void *)p)[0];
        v[1].d = ((const float *)(const void *)p)[1];
        return 2;
    case KS_COMPLEX128:
        v[1].kind = 'f';
        v[0].d = ((const double *)(const void *)p)[0];
        v[1].d = ((const double *)(const void *)p)[1];
        return 2;
    default: v[0].d = *(const double *)(const void *)p; return 1;
    }
}

/* Where the text goes: a writer, or a buffer handed out. */
typedef struct {
    ks_text_writer *w;
    char *buf;
    size_t len, cap;
    ks_ctx *ctx;
} sink;

static int emit(sink *s, const char *p, size_t n)
{
    if (s->w) {
        ks_text_write(s->w, p, n);
        return KS_OK;
    }
    int rc = ks__grow(s->ctx, (void **)&s->buf, &s->cap, s->len + n + 1, 1);
    if (rc != KS_OK) return rc;
    memcpy(s->buf + s->len, p, n);
    s->len += n;
    s->buf[s->len] = '\0';
    return KS_OK;
}

/* comments + text with each line break followed by comments, + newline (header and footer). */
static int emit_note(sink *s, const ks_array_savetxt_options *o, const char *text)
{
    if (!*text) return KS_OK;
    int rc = emit(s, o->comments, strlen(o->comments));
    for (const char *p = text; rc == KS_OK && *p;) {
        const char *nl = strchr(p, '\n');
        const size_t n = nl ? (size_t)(nl - p) + 1 : strlen(p);
        rc = emit(s, p, n);
        if (rc == KS_OK && nl) rc = emit(s, o->comments, strlen(o->comments));
        p += n;
    }
    return rc == KS_OK ? emit(s, o->newline, strlen(o->newline)) : rc;
}

static int write_rows(ks_ctx *ctx, const ks_array *a, const ks_array_savetxt_options *o, sink *s)
{
    if (a->ndim != 1 && a->ndim != 2)
        return ks__fail(ctx, KS_EINVAL, "Expected 1D or 2D array, got %dD array instead", a->ndim);
    const bool cplx = ks__dtypes[a->dtype].kind == 'c';
    const ptrdiff_t nrow = a->shape[0], ncol = a->ndim == 2 ? a->shape[1] : 1;
    const ptrdiff_t rs = a->strides[0], cs = a->ndim == 2 ? a->strides[1] : 0;
    rowfmt R = {ctx, NULL, NULL, 0, 0, 0, NULL, 0, 0};
    int rc = build_fmt(ctx, o, (size_t)ncol, cplx, &R.fmt);
    if (rc == KS_OK) rc = parse_fmt(&R);
    const size_t per = (size_t)ncol * (cplx ? 2 : 1);
    if (rc == KS_OK && R.nconv != per)
        rc = ks__fail(ctx, KS_EINVAL,
                      "savetxt: the format '%s' has %zu conversions for %zu values a row", R.fmt,
                      R.nconv, per);
    if (rc == KS_OK) rc = emit_note(s, o, o->header);
    const size_t nl = strlen(o->newline);
    for (ptrdiff_t r = 0; rc == KS_OK && r < nrow; r++) {
        R.rlen = 0;
        value v[2];
        int have = 0, used = 0;
        ptrdiff_t c = 0;
        for (size_t k = 0; rc == KS_OK && k < R.np; k++) {
            const piece *pc = &R.p[k];
            rc = put(&R, R.fmt + pc->lit, pc->nlit);
            if (rc != KS_OK || !pc->conv) break;
            if (used == have) {
                have = read_values(a->dtype, a->data + r * rs + c++ * cs, v);
                used = 0;
            }
            rc = put_value(&R, pc, &v[used++]);
        }
        if (rc == KS_OK) rc = put(&R, o->newline, nl);
        if (rc != KS_OK) break;
        if (cplx) { /* NumPy's s.replace('+-', '-') */
            size_t w = 0;
            for (size_t i = 0; i < R.rlen; i++) {
                if (R.row[i] == '+' && i + 1 < R.rlen && R.row[i + 1] == '-') continue;
                R.row[w++] = R.row[i];
            }
            R.rlen = w;
        }
        rc = emit(s, R.row, R.rlen);
    }
    if (rc == KS_OK) rc = emit_note(s, o, o->footer);
    ks_string_free(R.fmt);
    ks__release(&ctx->alloc, R.p);
    ks__release(&ctx->alloc, R.row);
    return rc;
}

static const ks_array_savetxt_options *options(const ks_array_savetxt_options *opt)
{
    static const ks_array_savetxt_options dflt = KS_ARRAY_SAVETXT_OPTIONS_INIT;
    return opt ? opt : &dflt;
}

int ks_array_savetxt(ks_ctx *ctx, const char *path, const ks_array *a,
                     const ks_array_savetxt_options *opt)
{
    sink s = {NULL, NULL, 0, 0, ctx};
    int rc = ks_text_create(ctx, path, -1, &s.w);
    if (rc != KS_OK) return rc;
    rc = write_rows(ctx, a, options(opt), &s);
    if (rc != KS_OK) {
        ks_text_abort(s.w);
        return rc;
    }
    return ks_text_commit(s.w);
}

int ks_array_savetxt_mem(ks_ctx *ctx, const ks_array *a, const ks_array_savetxt_options *opt,
                         char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    sink s = {NULL, NULL, 0, 0, ctx};
    int rc = emit(&s, "", 0);
    if (rc == KS_OK) rc = write_rows(ctx, a, options(opt), &s);
    if (rc != KS_OK) {
        ks__release(&ctx->alloc, s.buf);
        return rc;
    }
    /* handed out for ks_string_free, which frees without a ctx */
    *out = ks__string_new(ctx, s.buf, s.len);
    ks__release(&ctx->alloc, s.buf);
    if (!*out) return KS_ENOMEM;
    *len = s.len;
    return KS_OK;
}
