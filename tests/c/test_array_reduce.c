/* test_array_reduce.c — the reductions, scans and statistics of array.h against NumPy's own
 * answers (tests/data/array/reduce_cases.txt, made by make_reduce_cases.py there): every dtype,
 * 0-d, empty, reversed, strided and transposed operands, NaN, where=, dtype=, keepdims, and
 * NumPy's errors. Every case runs on one thread and again with threads forced on (the results
 * must be the same, and NumPy's), and with out= where the call takes it. cov and corrcoef answer
 * as NumPy does with the kernels OpenBLAS picked for this CPU: the file's A line where it has one
 * and OpenBLAS runs its AVX-512 kernels, else its R line (made under the AVX2 kernels). */
#include <inttypes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <zlib.h>

#include "ktest.h"

#define PATH "tests/data/array/reduce_cases.txt.gz"

/* OpenBLAS's name for the kernels it loaded (weak: other BLAS builds still link). */
extern char *openblas_get_corename(void) __attribute__((weak));

/* Whether OpenBLAS runs the AVX-512 kernels the file's A lines were made with (SkylakeX's; the
 * later Intel / AMD AVX-512 cores it names reuse them for BLAS 1-3). */
static bool avx512_kernels(void)
{
    static const char *const names[] = {"skylakex", "cooperlake", "sapphirerapids"};
    const char *core = openblas_get_corename ? openblas_get_corename() : "";
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (!strcasecmp(core, names[i])) return true;
    return false;
}
#define LINE_MAX_LEN (1 << 22)
#define MAXV 64

typedef struct {
    char op[32];
    ks_dtype dt;
    int nb, ns, np;
    ptrdiff_t base[KS_ARRAY_MAXDIMS];
    ptrdiff_t step[KS_ARRAY_MAXDIMS];
    int perm[KS_ARRAY_MAXDIMS];
    long ulp;
    char kv[MAXV][2][256]; /* the op's own key=value pairs */
    int nkv;
} call;

static const char *kv(const call *c, const char *key)
{
    for (int i = 0; i < c->nkv; i++)
        if (!strcmp(c->kv[i][0], key)) return c->kv[i][1];
    return NULL;
}

static long kv_long(const call *c, const char *key, long dflt)
{
    const char *v = kv(c, key);
    return v ? strtol(v, NULL, 10) : dflt;
}

/* An axes mask (KS_AXES_EMPTY is bit 63). */
static uint64_t kv_axes(const call *c)
{
    const char *v = kv(c, "axes");
    return v ? (uint64_t)strtoull(v, NULL, 10) : 0;
}

static int parse_dims(const char *s, ptrdiff_t *d)
{
    if (!strcmp(s, "-")) return 0;
    int n = 0;
    while (*s) {
        d[n++] = strtol(s, (char **)&s, 10);
        if (*s == ',') s++;
    }
    return n;
}

/* Text values (the shortest round-trip text of NumPy's) into n elements of dtype t. */
static void parse_values(const char *s, ks_dtype t, ptrdiff_t n, char *out)
{
    const size_t es = ks_dtype_size(t);
    for (ptrdiff_t i = 0; i < n; i++) {
        char *p = out + i * (ptrdiff_t)es;
        char *end;
        switch (t) {
        case KS_BOOL: *(uint8_t *)p = (uint8_t)strtol(s, &end, 10); break;
        case KS_INT8: *(int8_t *)p = (int8_t)strtoll(s, &end, 10); break;
        case KS_INT16: *(int16_t *)p = (int16_t)strtoll(s, &end, 10); break;
        case KS_INT32: *(int32_t *)p = (int32_t)strtoll(s, &end, 10); break;
        case KS_INT64: *(int64_t *)p = strtoll(s, &end, 10); break;
        case KS_UINT8: *(uint8_t *)p = (uint8_t)strtoull(s, &end, 10); break;
        case KS_UINT16: *(uint16_t *)p = (uint16_t)strtoull(s, &end, 10); break;
        case KS_UINT32: *(uint32_t *)p = (uint32_t)strtoull(s, &end, 10); break;
        case KS_UINT64: *(uint64_t *)p = strtoull(s, &end, 10); break;
        case KS_FLOAT32: *(float *)p = strtof(s, &end); break;
        case KS_FLOAT64: *(double *)p = strtod(s, &end); break;
        case KS_COMPLEX64:
            ((float *)p)[0] = strtof(s, &end);
            ((float *)p)[1] = strtof(end, &end);
            break;
        default:
            ((double *)p)[0] = strtod(s, &end);
            ((double *)p)[1] = strtod(end, &end);
            break;
        }
        s = end;
    }
}

/* The base made by the G formula: ((i * a) % m) / d - o in float64, cast to t. */
static void gen_values(const char *g, ks_dtype t, ptrdiff_t n, char *out)
{
    long long a, m, o;
    char dtxt[32];
    sscanf(g, "%lld %lld %31s %lld", &a, &m, dtxt, &o);
    const bool integer = !strcmp(dtxt, "int");
    const double d = integer ? 1.0 : strtod(dtxt, NULL);
    const size_t es = ks_dtype_size(t);
    for (ptrdiff_t i = 0; i < n; i++) {
        const long long k = ((long long)i * a) % m;
        char *p = out + i * (ptrdiff_t)es;
        const double x = integer ? (double)(k - o) : (double)k / d - (double)o;
        switch (t) {
        case KS_BOOL: *(uint8_t *)p = (k - o) != 0; break;
        case KS_INT8: *(int8_t *)p = (int8_t)(k - o); break;
        case KS_INT16: *(int16_t *)p = (int16_t)(k - o); break;
        case KS_INT32: *(int32_t *)p = (int32_t)(k - o); break;
        case KS_INT64: *(int64_t *)p = (int64_t)(k - o); break;
        case KS_UINT8: *(uint8_t *)p = (uint8_t)(k - o); break;
        case KS_UINT16: *(uint16_t *)p = (uint16_t)(k - o); break;
        case KS_UINT32: *(uint32_t *)p = (uint32_t)(k - o); break;
        case KS_UINT64: *(uint64_t *)p = (uint64_t)(k - o); break;
        case KS_FLOAT32: *(float *)p = (float)x; break;
        case KS_FLOAT64: *(double *)p = x; break;
        case KS_COMPLEX64: ((float *)p)[0] = (float)x, ((float *)p)[1] = (float)(k % 13); break;
        default: ((double *)p)[0] = x, ((double *)p)[1] = (double)(k % 13); break;
        }
    }
}

/* Distance in units in the last place between two floats of one width (NaN equals NaN). */
static int64_t ulps(double a, double b, bool single)
{
    if (a != a || b != b) return (a != a && b != b) ? 0 : INT64_MAX;
    if (a == b) return 0;
    int64_t ia, ib;
    if (single) {
        float fa = (float)a, fb = (float)b;
        int32_t x, y;
        memcpy(&x, &fa, 4);
        memcpy(&y, &fb, 4);
        ia = x < 0 ? INT32_MIN - (int64_t)x : x;
        ib = y < 0 ? INT32_MIN - (int64_t)y : y;
    } else {
        memcpy(&ia, &a, 8);
        memcpy(&ib, &b, 8);
        ia = ia < 0 ? INT64_MIN - ia : ia;
        ib = ib < 0 ? INT64_MIN - ib : ib;
    }
    const int64_t d = ia - ib;
    return d < 0 ? -d : d;
}

static int nfail_cases = 0;
static int64_t worst_ulp = 0;

/* got against NumPy's R line; 0 when equal within c->ulp. */
static int compare(const call *c, const ks_array *got, const char *rline, int lineno,
                   const char *mode)
{
    char dname[32], shp[256];
    int off = 0;
    sscanf(rline, "%31s %255s %n", dname, shp, &off);
    ks_dtype t;
    ks_ctx *tmp = NULL;
    if (ks_ctx_new(&tmp) != KS_OK) return 1;
    const int rc = ks_dtype_value(tmp, dname, &t);
    ks_ctx_free(tmp);
    if (rc != KS_OK) {
        fprintf(stderr, "line %d: unknown dtype %s\n", lineno, dname);
        return 1;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    const int nd = parse_dims(shp, shape);
    if (got->dtype != t || got->ndim != nd) {
        fprintf(stderr, "line %d (%s %s): dtype %s ndim %d, NumPy %s ndim %d\n", lineno, c->op,
                mode, ks_dtype_name(got->dtype), got->ndim, dname, nd);
        return 1;
    }
    ptrdiff_t n = 1;
    for (int d = 0; d < nd; d++) {
        if (got->shape[d] != shape[d]) {
            fprintf(stderr, "line %d (%s %s): shape differs on axis %d\n", lineno, c->op, mode, d);
            return 1;
        }
        n *= shape[d];
    }
    const size_t es = ks_dtype_size(t);
    char *want = malloc((size_t)(n ? n : 1) * es);
    parse_values(rline + off, t, n, want);
    int bad = 0;
    ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
    for (ptrdiff_t i = 0; i < n && !bad; i++) {
        ptrdiff_t o = 0;
        for (int d = 0; d < nd; d++) o += idx[d] * got->strides[d];
        const char *g = got->data + o, *w = want + i * (ptrdiff_t)es;
        const char kind = ks_dtype_kind(t);
        if (kind == 'f' || kind == 'c') {
            const bool single = t == KS_FLOAT32 || t == KS_COMPLEX64;
            for (int part = 0; part < (kind == 'c' ? 2 : 1); part++) {
                const double gv = single ? ((const float *)g)[part] : ((const double *)g)[part];
                const double wv = single ? ((const float *)w)[part] : ((const double *)w)[part];
                const int64_t u = ulps(gv, wv, single);
                if (u > worst_ulp && u != INT64_MAX) worst_ulp = u;
                if (u > c->ulp) {
                    fprintf(stderr,
                            "line %d (%s %s dt=%s): element %td = %.17g, NumPy %.17g (%" PRId64
                            " ulp)\n",
                            lineno, c->op, mode, ks_dtype_name(c->dt), i, gv, wv, u);
                    bad = 1;
                }
            }
        } else if (memcmp(g, w, es)) {
            fprintf(stderr, "line %d (%s %s dt=%s): element %td differs\n", lineno, c->op, mode,
                    ks_dtype_name(c->dt), i);
            bad = 1;
        }
        for (int d = nd - 1; d >= 0; d--) {
            if (++idx[d] < shape[d]) break;
            idx[d] = 0;
        }
    }
    free(want);
    return bad;
}

/* The view the case names: base sliced with step on each axis, then axes permuted. */
static void make_view(const call *c, const ks_array *base, ks_array *v)
{
    ks_array s = *base;
    for (int d = 0; d < c->nb; d++) {
        const ptrdiff_t st = c->step[d], n = base->shape[d];
        const ptrdiff_t a = st < 0 ? -st : st;
        if (st < 0 && n > 0) s.data += (n - 1) * base->strides[d];
        s.shape[d] = (n + a - 1) / a;
        s.strides[d] = base->strides[d] * st;
    }
    *v = s;
    for (int d = 0; d < c->nb; d++) {
        v->shape[d] = s.shape[c->perm[d]];
        v->strides[d] = s.strides[c->perm[d]];
    }
}

typedef struct {
    const char *x; /* the X line's values or the G line's formula */
    bool gen;
    const char *w, *y, *q, *b; /* Y and B: "dtype shape values" */
    const ks_array *qarr, *yarr, *barr;
} operands;

/* A typed operand line ("dtype shape values") as a new array. */
static int typed_array(ks_ctx *ctx, const char *line, ks_array *out)
{
    char dname[32], shp[256];
    int off = 0;
    sscanf(line, "%31s %255s %n", dname, shp, &off);
    ks_dtype t;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if (ks_dtype_value(ctx, dname, &t) != KS_OK) return KS_EINVAL;
    const int nd = parse_dims(shp, shape);
    const int rc = ks_array_empty(ctx, t, nd, shape, KS_ORDER_C, out);
    if (rc == KS_OK) parse_values(line + off, t, ks_array_size(out), out->data);
    return rc;
}

/* One call of the op; *out gets the result (or the call's status is returned). */
static int run_op(ks_ctx *ctx, const call *c, const operands *ops, const ks_array *v,
                  const ks_array *where, const ks_array *outarr, ks_array *out)
{
    ks_reduce f;
    ks_scan sc;
    ks_ctx *tmp = NULL;
    if (ks_ctx_new(&tmp) != KS_OK) return KS_ENOMEM;
    const bool is_reduce = ks_reduce_value(tmp, c->op, &f) == KS_OK;
    const bool is_scan = ks_scan_value(tmp, c->op, &sc) == KS_OK;
    ks_ctx_free(tmp);
    if (is_reduce) {
        ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
        o.axes = kv_axes(c);
        o.keepdims = kv_long(c, "keepdims", 0) != 0;
        o.ddof = (double)kv_long(c, "ddof", 0);
        o.where = where;
        o.out = outarr;
        const char *dt = kv(c, "dtype");
        if (dt) {
            ks_dtype t;
            if (ks_dtype_value(ctx, dt, &t) != KS_OK) return KS_EINVAL;
            o.dtype = (int)t;
        }
        return ks_array_reduce(ctx, f, v, &o, out);
    }
    if (is_scan) {
        const char *ax = kv(c, "axis");
        const char *dt = kv(c, "dtype");
        int dtype = -1;
        if (dt) {
            ks_dtype t;
            if (ks_dtype_value(ctx, dt, &t) != KS_OK) return KS_EINVAL;
            dtype = (int)t;
        }
        if (!strcmp(ax, "none")) {
            /* axis=None: the raveled array along axis 0 */
            ks_array r;
            int rc = ks_array_copy(ctx, v, KS_ORDER_C, &r);
            if (rc != KS_OK) return rc;
            r.shape[0] = ks_array_size(v);
            r.strides[0] = (ptrdiff_t)ks_dtype_size(v->dtype);
            r.ndim = 1;
            rc = ks_array_scan(ctx, sc, &r, 0, dtype, out);
            ks_array_release(&r);
            return rc;
        }
        return ks_array_scan(ctx, sc, v, (int)strtol(ax, NULL, 10), dtype, out);
    }
    if (!strcmp(c->op, "quantile")) {
        ks_quantile_method m;
        if (ks_quantile_method_value(ctx, kv(c, "method"), &m) != KS_OK) return KS_EINVAL;
        return ks_array_quantile(ctx, v, ops->qarr, kv_axes(c), m, kv_long(c, "keepdims", 0) != 0,
                                 kv_long(c, "nan", 0) != 0, out);
    }
    const ks_array *y = kv(c, "w") || kv(c, "y") ? ops->yarr : NULL;
    if (!strcmp(c->op, "average"))
        return ks_array_average(ctx, v, y, kv_axes(c), kv_long(c, "keepdims", 0) != 0, out);
    if (!strcmp(c->op, "cov"))
        return ks_array_cov(ctx, v, y, kv_long(c, "rowvar", 1) != 0, (int)kv_long(c, "ddof", -1),
                            out);
    if (!strcmp(c->op, "corrcoef"))
        return ks_array_corrcoef(ctx, v, y, kv_long(c, "rowvar", 1) != 0, out);
    if (!strcmp(c->op, "diff"))
        return ks_array_diff(ctx, v, (int)kv_long(c, "n", 1), (int)kv_long(c, "axis", -1), out);
    if (!strcmp(c->op, "gradient"))
        return ks_array_gradient(ctx, v, strtod(kv(c, "spacing"), NULL), (int)kv_long(c, "axis", 0),
                                 (int)kv_long(c, "edge", 1), out);
    if (!strncmp(c->op, "histogram", 9)) {
        ks_array counts, edges;
        const int rc =
            ks_array_histogram(ctx, v, (int)kv_long(c, "bins", 10), strtod(kv(c, "lo"), NULL),
                               strtod(kv(c, "hi"), NULL), kv(c, "e") ? ops->barr : NULL, y,
                               kv_long(c, "density", 0) != 0, &counts, &edges);
        if (rc != KS_OK) return rc;
        const bool want_edges = !strcmp(c->op, "histogram_edges");
        *out = want_edges ? edges : counts;
        ks_array_release(want_edges ? &counts : &edges);
        return KS_OK;
    }
    if (!strcmp(c->op, "bincount"))
        return ks_array_bincount(ctx, v, y, (ptrdiff_t)kv_long(c, "minlength", 0), out);
    if (!strcmp(c->op, "digitize"))
        return ks_array_digitize(ctx, v, ops->barr, kv_long(c, "right", 0) != 0, out);
    fprintf(stderr, "unknown op %s\n", c->op);
    return KS_EINVAL;
}

static void run_case(ks_ctx *ctx, const call *c, const operands *ops_in, const char *res,
                     int lineno)
{
    operands o2 = *ops_in, *ops = &o2;
    ks_array qa;
    const bool has_q = kv(c, "qnd") != NULL;
    if (has_q) {
        ptrdiff_t nq = 0;
        for (const char *p = ops->q; *p;) {
            while (*p == ' ') p++;
            if (!*p) break;
            nq++;
            while (*p && *p != ' ') p++;
        }
        const int qnd = (int)kv_long(c, "qnd", 1);
        CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, qnd, &nq, KS_ORDER_C, &qa));
        parse_values(ops->q, KS_FLOAT64, nq, qa.data);
        if (kv_long(c, "weak", 0)) qa.flags |= KS_ARRAY_WEAK; /* a Python float */
        ops->qarr = &qa;
    }
    ptrdiff_t n = 1;
    for (int d = 0; d < c->nb; d++) n *= c->base[d];
    ks_array base, v, w, r;
    CHECK_OK(ctx, ks_array_empty(ctx, c->dt, c->nb, c->base, KS_ORDER_C, &base));
    if (ops->gen)
        gen_values(ops->x, c->dt, n, base.data);
    else
        parse_values(ops->x, c->dt, n, base.data);
    make_view(c, &base, &v);
    ks_array ya, ba;
    const bool has_y = ops->y && (kv(c, "w") || kv(c, "y")),
               has_b = ops->b && (kv(c, "e") || !strcmp(c->op, "digitize"));
    if (has_y) {
        CHECK_OK(ctx, typed_array(ctx, ops->y, &ya));
        ops->yarr = &ya;
    }
    if (has_b) {
        CHECK_OK(ctx, typed_array(ctx, ops->b, &ba));
        ops->barr = &ba;
    }
    const ks_array *where = NULL;
    if (kv(c, "where")) {
        CHECK_OK(ctx, ks_array_empty(ctx, KS_BOOL, v.ndim, v.shape, KS_ORDER_C, &w));
        parse_values(ops->w, KS_BOOL, ks_array_size(&v), w.data);
        where = &w;
    }
    /* threads only where a call could use them (starting them for every small case is slow
     * on a busy machine) */
    static const char *modes[] = {"1 thread", "2 threads"};
    const int nmodes = n >= 512 ? 2 : 1;
    for (int m = 0; m < nmodes; m++) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, m ? 2 : 1));
        CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, m ? 1e-3 : 1e6));
        const int rc = run_op(ctx, c, ops, &v, where, NULL, &r);
        ktest_checks++;
        if (res[0] == 'E') {
            if (rc == KS_OK || !strstr(ks_errmsg(ctx), res + 2)) {
                fprintf(stderr, "line %d (%s %s dt=%s): wanted the error '%s', got %s '%s'\n",
                        lineno, c->op, modes[m], ks_dtype_name(c->dt), res + 2, ks_status_name(rc),
                        rc ? ks_errmsg(ctx) : "");
                ktest_failures++, nfail_cases++;
            }
            if (rc == KS_OK) ks_array_release(&r);
            continue;
        }
        if (rc != KS_OK) {
            fprintf(stderr, "line %d (%s %s dt=%s): %s\n", lineno, c->op, modes[m],
                    ks_dtype_name(c->dt), ks_errmsg(ctx));
            ktest_failures++, nfail_cases++;
            continue;
        }
        if (compare(c, &r, res + 2, lineno, modes[m])) ktest_failures++, nfail_cases++;
        /* out=: the same values written into a given array */
        ks_reduce rf;
        if (m == 0 && ks_reduce_value(ctx, c->op, &rf) == KS_OK) {
            ks_array o, r2;
            CHECK_OK(ctx, ks_array_empty(ctx, r.dtype, r.ndim, r.shape, KS_ORDER_C, &o));
            const int rc2 = run_op(ctx, c, ops, &v, where, &o, &r2);
            CHECK(rc2 == KS_OK);
            if (rc2 == KS_OK) {
                CHECK(r2.data == o.data);
                if (compare(c, &r2, res + 2, lineno, "out=")) ktest_failures++, nfail_cases++;
                ks_array_release(&r2);
            }
            ks_array_release(&o);
        }
        ks_array_release(&r);
    }
    if (where) ks_array_release(&w);
    if (has_q) ks_array_release(&qa);
    if (has_y) ks_array_release(&ya);
    if (has_b) ks_array_release(&ba);
    ks_array_release(&base);
}

static void parse_call(const char *line, call *c)
{
    memset(c, 0, sizeof *c);
    char tok[256];
    int off = 0, n = 0;
    sscanf(line, "C %31s %n", c->op, &off);
    line += off;
    while (sscanf(line, "%255s%n", tok, &n) == 1) {
        line += n;
        char *eq = strchr(tok, '=');
        if (!eq) continue;
        *eq = '\0';
        const char *val = eq + 1;
        if (!strcmp(tok, "dt")) {
            ks_ctx *tmp = NULL;
            if (ks_ctx_new(&tmp) == KS_OK && ks_dtype_value(tmp, val, &c->dt) != KS_OK)
                c->dt = KS_FLOAT64;
            ks_ctx_free(tmp);
        } else if (!strcmp(tok, "base")) {
            c->nb = parse_dims(val, c->base);
        } else if (!strcmp(tok, "step")) {
            c->ns = parse_dims(val, c->step);
        } else if (!strcmp(tok, "perm")) {
            ptrdiff_t p[KS_ARRAY_MAXDIMS];
            c->np = parse_dims(val, p);
            for (int d = 0; d < c->np; d++) c->perm[d] = (int)p[d];
        } else if (!strcmp(tok, "ulp")) {
            c->ulp = strtol(val, NULL, 10);
        } else if (c->nkv < MAXV) {
            snprintf(c->kv[c->nkv][0], sizeof c->kv[0][0], "%s", tok);
            snprintf(c->kv[c->nkv][1], sizeof c->kv[0][1], "%s", val);
            c->nkv++;
        }
    }
}

static void test_cases(void)
{
    ks_ctx *ctx = NULL;
    CHECK_OK(ctx, ks_ctx_new(&ctx));
    gzFile f = gzopen(PATH, "rb");
    char *line = malloc(LINE_MAX_LEN);
    CHECK(f != NULL && line != NULL);
    if (!f || !line) {
        if (f) gzclose(f);
        free(line);
        ks_ctx_free(ctx);
        return;
    }
    char *xline = NULL, *cline = NULL, *wline = NULL, *qline = NULL, *yline = NULL, *bline = NULL,
         *aline = NULL;
    const bool avx512 = avx512_kernels();
    size_t len;
    int lineno = 0, ncases = 0;
    operands ops = {0};
    while (gzgets(f, line, LINE_MAX_LEN) && (len = strlen(line)) > 0) {
        lineno++;
        if (line[len - 1] == '\n') line[len - 1] = '\0';
        switch (line[0]) {
        case 'X':
        case 'G':
            free(xline);
            xline = strdup(line);
            ops.x = xline + 2;
            ops.gen = line[0] == 'G';
            break;
        case 'C':
            free(cline);
            cline = strdup(line);
            break;
        case 'W':
            free(wline);
            wline = strdup(line);
            ops.w = wline + 2;
            break;
        case 'Q':
            free(qline);
            qline = strdup(line);
            ops.q = qline + 2;
            break;
        case 'Y':
            free(yline);
            yline = strdup(line);
            ops.y = yline + 2;
            break;
        case 'B':
            free(bline);
            bline = strdup(line);
            ops.b = bline + 2;
            break;
        case 'A':
            free(aline);
            aline = strdup(line);
            break;
        case 'R':
        case 'E': {
            call c;
            parse_call(cline, &c);
            run_case(ctx, &c, &ops, avx512 && aline ? aline : line, lineno);
            ncases++;
            free(aline);
            aline = NULL;
            break;
        }
        default: break;
        }
    }
    printf("array reduce: %d NumPy cases, %d failed, worst difference %" PRId64
           " ulp (OpenBLAS kernels: %s)\n",
           ncases, nfail_cases, worst_ulp,
           openblas_get_corename ? openblas_get_corename() : "not OpenBLAS");
    free(line);
    free(xline);
    free(cline);
    free(wline);
    free(qline);
    free(yline);
    free(bline);
    free(aline);
    gzclose(f);
    ks_ctx_free(ctx);
}

int main(void)
{
    test_cases();
    return ktest_finish("array_reduce");
}
