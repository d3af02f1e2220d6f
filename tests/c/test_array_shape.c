/* The array library's creation, shape, joining and indexing functions against NumPy: every case
 * of tests/data/array/shape_cases.tsv (made by make_shape_reference.py: its docstring describes
 * the format) is rebuilt here, run, and compared with NumPy's result (dtype, shape, values in C
 * order, whether it is a view and then its strides) or NumPy's error. Then invariants the file
 * does not cover: views share the buffer and write through, broadcast_to is read-only, failed
 * calls leave `out` empty, read-only destinations. */
#include <stdlib.h>

#include "ktest.h"

#define MAXD KS_ARRAY_MAXDIMS
#define MAXF 32

static int line_no;

/* "2x3" -> shape; "." -> 0-d. Returns ndim. */
static int parse_shape(const char *s, ptrdiff_t *shape)
{
    if (!strcmp(s, ".") || !*s) return 0;
    int nd = 0;
    for (char *end; *s && nd < MAXD; s = *end ? end + 1 : end) shape[nd++] = strtol(s, &end, 10);
    return nd;
}

/* A comma-separated list of integers. */
static int parse_ints(const char *s, ptrdiff_t *v, int max)
{
    int n = 0;
    if (!strcmp(s, "none")) return -1;
    for (char *end; *s && n < max; s = *end ? end + 1 : end) v[n++] = strtol(s, &end, 10);
    return n;
}

static double parse_num(const char *s, char **end)
{
    if (!strncmp(s, "nan", 3)) return *end = (char *)s + 3, NAN;
    if (!strncmp(s, "inf", 3)) return *end = (char *)s + 3, INFINITY;
    if (!strncmp(s, "-inf", 4)) return *end = (char *)s + 4, -INFINITY;
    return strtod(s, end);
}

/* values into a float64 array of n (complex dtypes: 2n parts) */
static int parse_values(const char *s, double *v, int max)
{
    int n = 0;
    for (char *end; *s && n < max; s = *end ? end + 1 : end) v[n++] = parse_num(s, &end);
    return n;
}

static ks_dtype dtype_named(ks_ctx *ctx, const char *name)
{
    ks_dtype t = KS_FLOAT64;
    CHECK_OK(ctx, ks_dtype_value(ctx, name, &t));
    return t;
}

/* An array from a list of doubles (complex dtypes take pairs). */
static void from_values(ks_ctx *ctx, ks_dtype t, int nd, const ptrdiff_t *shape, const double *v,
                        ks_array *out)
{
    ks_array tmp;
    const bool cplx = ks_dtype_kind(t) == 'c';
    CHECK_OK(ctx,
             ks_array_empty(ctx, cplx ? KS_COMPLEX128 : KS_FLOAT64, nd, shape, KS_ORDER_C, &tmp));
    memcpy(tmp.data, v, (size_t)ks_array_size(&tmp) * (cplx ? 16 : 8));
    CHECK_OK(ctx, ks_array_astype(ctx, &tmp, t, KS_CASTING_UNSAFE, out));
    ks_array_release(&tmp);
}

/* The i-th source of a spec "L:shape[:dtype]" (the generator's make_src). */
static void make_src(ks_ctx *ctx, const char *spec, int i, ks_array *out)
{
    char lay = spec[0], shape_s[64] = "", dt[32] = "float64";
    sscanf(spec + 2, "%63[^:]:%31s", shape_s, dt);
    ptrdiff_t shape[MAXD];
    const int nd = parse_shape(shape_s, shape);
    ptrdiff_t n = 1;
    for (int d = 0; d < nd; d++) n *= shape[d];
    const ks_dtype t = dtype_named(ctx, dt);
    const ptrdiff_t m = lay == 'S' ? 2 * n : n;
    ks_array flat, c;
    CHECK_OK(ctx, ks_array_arange(ctx, 100.0 * i, 100.0 * i + (double)m, 1, KS_FLOAT64, &flat));
    if (lay == 'S') shape[nd - 1] *= 2;
    ks_array f;
    CHECK_OK(ctx, ks_array_astype(ctx, &flat, t, KS_CASTING_UNSAFE, &f));
    CHECK_OK(ctx, ks_array_reshape(ctx, &f, nd, shape, KS_ORDER_C, &c));
    ks_array_release(&flat);
    ks_array_release(&f);
    if (lay == 'F') {
        CHECK_OK(ctx, ks_array_copy(ctx, &c, KS_ORDER_F, out));
        ks_array_release(&c);
    } else if (lay == 'N') {
        CHECK_OK(ctx, ks_array_flip(ctx, &c, 0, out));
        ks_array_release(&c);
    } else if (lay == 'S') {
        ks_index ix[2] = {{KS_INDEX_ELLIPSIS, 0, 0, 1, false, false, NULL},
                          {KS_INDEX_SLICE, 0, 0, 2, false, false, NULL}};
        CHECK_OK(ctx, ks_array_index_get(ctx, &c, 2, ix, out));
        ks_array_release(&c);
    } else {
        *out = c;
    }
}

/* An array literal a<shape>:<ints>, b<shape>:<0/1>, v<shape>:<dtype>:<values>. */
static void parse_lit(ks_ctx *ctx, const char *tok, ks_array *out)
{
    char shape_s[64] = "", dt[32] = "int64";
    const char *body;
    if (tok[0] == 'v') {
        sscanf(tok + 1, "%63[^:]:%31[^:]", shape_s, dt);
        body = strchr(strchr(tok, ':') + 1, ':') + 1;
    } else {
        sscanf(tok + 1, "%63[^:]", shape_s);
        body = strchr(tok, ':') + 1;
        if (tok[0] == 'b') strcpy(dt, "bool");
    }
    ptrdiff_t shape[MAXD];
    const int nd = parse_shape(shape_s, shape);
    static double v[4096];
    parse_values(body, v, 4096);
    from_values(ctx, dtype_named(ctx, dt), nd, shape, v, out);
}

/* Index tokens into idx (their arrays into arrs). */
static int parse_index(ks_ctx *ctx, char *toks, ks_index *idx, ks_array *arrs)
{
    int n = 0;
    for (char *t = strtok(toks, " "); t; t = strtok(NULL, " ")) {
        ks_index *x = &idx[n];
        memset(x, 0, sizeof *x);
        switch (t[0]) {
        case 'i':
            x->kind = KS_INDEX_INT;
            x->start = strtol(t + 1, NULL, 10);
            break;
        case 's': {
            char a[32], b[32], c[32];
            sscanf(t + 1, "%31[^,],%31[^,],%31s", a, b, c);
            x->kind = KS_INDEX_SLICE;
            x->has_start = a[0] != '_';
            x->has_stop = b[0] != '_';
            x->start = x->has_start ? strtol(a, NULL, 10) : 0;
            x->stop = x->has_stop ? strtol(b, NULL, 10) : 0;
            x->step = c[0] != '_' ? strtol(c, NULL, 10) : 1;
            break;
        }
        case 'n': x->kind = KS_INDEX_NEWAXIS; break;
        case 'e': x->kind = KS_INDEX_ELLIPSIS; break;
        default:
            x->kind = KS_INDEX_ARRAY;
            parse_lit(ctx, t, &arrs[n]);
            x->array = &arrs[n];
        }
        n++;
    }
    return n;
}

/* Compare a result with the expected fields: dtype, view|copy, shape, strides, values. */
static void check_ok(ks_ctx *ctx, char **f, const ks_array *out, const ks_array *srcs, int nsrc,
                     double ulps, bool scalar_view)
{
    const int before = ktest_failures;
    CHECK(!strcmp(ks_dtype_name(out->dtype), f[0]));
    ptrdiff_t shape[MAXD], strides[MAXD];
    const int nd = parse_shape(f[2], shape);
    CHECK(out->ndim == nd);
    for (int d = 0; d < nd && d < out->ndim; d++) CHECK(out->shape[d] == shape[d]);
    bool shares = false;
    for (int i = 0; i < nsrc; i++)
        shares = shares || (ks_array_size(out) > 0 && ks_array_may_share_memory(out, &srcs[i]));
    /* NumPy gives a scalar where every axis is indexed by an integer; kestrel a 0-d view */
    if (!(scalar_view && nd == 0)) CHECK(shares == !strcmp(f[1], "view"));
    if (shares && !(scalar_view && nd == 0)) {
        const int ns = parse_ints(strcmp(f[3], ".") ? f[3] : "", strides, MAXD);
        CHECK(ns == out->ndim);
        for (int d = 0; d < ns && d < out->ndim; d++) CHECK(out->strides[d] == strides[d]);
    }
    /* values in C order as float64 (complex: both parts) */
    const bool cplx = ks_dtype_kind(out->dtype) == 'c';
    ks_array v;
    CHECK_OK(ctx, ks_array_empty(ctx, cplx ? KS_COMPLEX128 : KS_FLOAT64, out->ndim, out->shape,
                                 KS_ORDER_C, &v));
    CHECK_OK(ctx, ks_array_assign(ctx, &v, out, KS_CASTING_UNSAFE));
    static double want[1 << 16];
    const int nw = parse_values(f[4], want, 1 << 16);
    const ptrdiff_t nv = ks_array_size(&v) * (cplx ? 2 : 1);
    CHECK(nw == nv);
    const double *got = (const double *)(const void *)v.data;
    for (ptrdiff_t i = 0; i < nv && i < nw; i++) {
        const double a = got[i], b = want[i];
        const bool same = (isnan(a) && isnan(b)) || a == b ||
                          (ulps > 0 && fabs(a - b) <= ulps * 2.220446049250313e-16 * fabs(b));
        if (!same) {
            fprintf(stderr, "line %d: element %td = %.17g, NumPy %.17g\n", line_no, i, a, b);
            CHECK(same);
            break;
        }
    }
    ks_array_release(&v);
    if (ktest_failures != before)
        fprintf(stderr, "  (case at line %d of shape_cases.tsv)\n", line_no);
}

static void check_case(ks_ctx *ctx, int nf, char **f)
{
    const char *op = f[0];
    char *args = f[2];
    ks_array srcs[8], out, outs[MAXD];
    int nsrc = 0;
    if (strcmp(f[1], "-")) {
        char specs[512];
        snprintf(specs, sizeof specs, "%s", f[1]);
        char *save = NULL;
        for (char *s = strtok_r(specs, ";", &save); s && nsrc < 8;
             s = strtok_r(NULL, ";", &save), nsrc++)
            make_src(ctx, s, nsrc, &srcs[nsrc]);
    }
    const ks_array *sp[8];
    for (int i = 0; i < nsrc; i++) sp[i] = &srcs[i];
    ks_array *a = &srcs[0];
    char w[8][512] = {{0}};
    const int na =
        sscanf(args, "%511s %511s %511s %511s %511s %511s", w[0], w[1], w[2], w[3], w[4], w[5]);
    ptrdiff_t iv[MAXD * 2], iv2[MAXD];
    int ax[MAXD], ax2[MAXD];
    ks_array lit1, lit2;
    int rc = KS_EINVAL, nout = 1, which = 0;
    double ulps = 0, step = 0;
    bool mutated = false; /* the result is the (first) source itself */
    memset(&out, 0, sizeof out);
    if (!strcmp(op, "arange")) {
        rc = ks_array_arange(ctx, atof(w[0]), atof(w[1]), atof(w[2]), dtype_named(ctx, w[3]), &out);
    } else if (!strcmp(op, "linspace") || !strcmp(op, "linspace_step")) {
        rc = ks_array_linspace(ctx, atof(w[0]), atof(w[1]), atol(w[2]), atoi(w[3]),
                               dtype_named(ctx, w[4]), &out, &step);
        if (!rc && op[8]) {
            ks_array_release(&out);
            rc = ks_array_scalar(ctx, KS_FLOAT64, step, 0, &out);
        }
    } else if (!strcmp(op, "logspace")) {
        rc = ks_array_logspace(ctx, atof(w[0]), atof(w[1]), atol(w[2]), atoi(w[3]), atof(w[4]),
                               dtype_named(ctx, w[5]), &out);
        ulps = 4; /* NumPy's power is SVML's on AVX-512 machines; ours is libm's */
    } else if (!strcmp(op, "geomspace")) {
        rc = ks_array_geomspace(ctx, atof(w[0]), atof(w[1]), atol(w[2]), atoi(w[3]),
                                dtype_named(ctx, w[4]), &out);
        ulps = 4;
    } else if (!strcmp(op, "eye")) {
        rc = ks_array_eye(ctx, atol(w[0]), atol(w[1]), atol(w[2]), dtype_named(ctx, w[3]), &out);
    } else if (!strcmp(op, "tri")) {
        rc = ks_array_tri(ctx, atol(w[0]), atol(w[1]), atol(w[2]), dtype_named(ctx, w[3]), &out);
    } else if (!strcmp(op, "tril") || !strcmp(op, "triu")) {
        rc = ks_array_tril(ctx, a, atol(w[0]), op[3] == 'u', &out);
    } else if (!strcmp(op, "diag")) {
        rc = ks_array_diag(ctx, a, atol(w[0]), &out);
    } else if (!strcmp(op, "full")) {
        ptrdiff_t shape[MAXD];
        const int nd = parse_shape(w[0], shape);
        parse_lit(ctx, w[2], &lit1);
        rc = ks_array_full(ctx, dtype_named(ctx, w[1]), nd, shape, KS_ORDER_C, &lit1, &out);
        ks_array_release(&lit1);
    } else if (!strcmp(op, "meshgrid")) {
        nout = nsrc;
        which = atoi(w[1]);
        rc = ks_array_meshgrid(ctx, nsrc, sp, atoi(w[0]), outs);
    } else if (!strcmp(op, "reshape")) {
        const int nd = parse_shape(w[1], iv);
        rc = ks_array_reshape(ctx, a, nd, iv, w[0][0] == 'F' ? KS_ORDER_F : KS_ORDER_C, &out);
    } else if (!strcmp(op, "ravel")) {
        rc = ks_array_ravel(ctx, a, w[0][0] == 'F' ? KS_ORDER_F : KS_ORDER_C, &out);
    } else if (!strcmp(op, "transpose")) {
        const int n = parse_ints(w[0], iv, MAXD);
        for (int i = 0; i < n; i++) ax[i] = (int)iv[i];
        if (n >= 0 && n != a->ndim)
            rc = KS_EINVAL, strcpy(w[7], "axes don't match array");
        else
            rc = ks_array_transpose(ctx, a, n < 0 ? NULL : ax, &out);
    } else if (!strcmp(op, "swapaxes")) {
        rc = ks_array_swapaxes(ctx, a, atoi(w[0]), atoi(w[1]), &out);
    } else if (!strcmp(op, "moveaxis")) {
        const int n = parse_ints(w[0], iv, MAXD);
        parse_ints(w[1], iv2, MAXD);
        for (int i = 0; i < n; i++) ax[i] = (int)iv[i], ax2[i] = (int)iv2[i];
        rc = ks_array_moveaxis(ctx, a, n, ax, ax2, &out);
    } else if (!strcmp(op, "squeeze") || !strcmp(op, "flip")) {
        const int n = parse_ints(w[0], iv, MAXD);
        uint64_t bits = 0;
        for (int i = 0; i < n; i++) bits |= (uint64_t)1 << (iv[i] < 0 ? iv[i] + a->ndim : iv[i]);
        rc =
            op[0] == 's' ? ks_array_squeeze(ctx, a, bits, &out) : ks_array_flip(ctx, a, bits, &out);
    } else if (!strcmp(op, "expand_dims")) {
        const int n = parse_ints(w[0], iv, MAXD);
        for (int i = 0; i < n; i++) ax[i] = (int)iv[i];
        rc = ks_array_expand_dims(ctx, a, n, ax, &out);
    } else if (!strcmp(op, "broadcast_to")) {
        const int nd = parse_shape(w[0], iv);
        rc = ks_array_broadcast_to(ctx, a, nd, iv, &out);
    } else if (!strcmp(op, "concatenate")) {
        rc = ks_array_concatenate(ctx, nsrc, sp, strcmp(w[0], "none") ? atoi(w[0]) : KS_AXIS_NONE,
                                  &out);
    } else if (!strcmp(op, "stack")) {
        rc = ks_array_stack(ctx, nsrc, sp, atoi(w[0]), &out);
    } else if (!strcmp(op, "split")) {
        const int n = parse_ints(w[1], iv, MAXD);
        nout = n + 1;
        which = atoi(w[2]);
        rc = ks_array_split(ctx, a, n, iv, atoi(w[0]), outs);
    } else if (!strcmp(op, "tile")) {
        const int n = parse_ints(w[0], iv, MAXD);
        rc = ks_array_tile(ctx, a, n, iv, &out);
    } else if (!strcmp(op, "repeat")) {
        const int n = parse_ints(w[0], iv, MAXD);
        ks_array r;
        const ptrdiff_t len = n;
        CHECK_OK(ctx, ks_array_empty(ctx, KS_INT64, n == 1 ? 0 : 1, &len, KS_ORDER_C, &r));
        for (int i = 0; i < n; i++) ((int64_t *)(void *)r.data)[i] = iv[i];
        rc = ks_array_repeat(ctx, a, &r, strcmp(w[1], "none") ? atoi(w[1]) : KS_AXIS_NONE, &out);
        ks_array_release(&r);
    } else if (!strcmp(op, "roll")) {
        const int n = parse_ints(w[0], iv, MAXD);
        const int m = parse_ints(w[1], iv2, MAXD);
        for (int i = 0; i < m; i++) ax[i] = (int)iv2[i];
        rc = ks_array_roll(ctx, a, m < 0 ? 0 : n, iv, ax, &out);
    } else if (!strcmp(op, "pad")) {
        parse_ints(w[1], iv, 2 * MAXD);
        ks_array c;
        CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, atof(w[2]), 0, &c));
        rc = ks_array_pad(ctx, a, iv, w[0][0] == 'e' ? KS_PAD_EDGE : KS_PAD_CONSTANT, &c, &out);
        ks_array_release(&c);
    } else if (!strcmp(op, "index") || !strcmp(op, "set")) {
        ks_index idx[MAXF];
        ks_array arrs[MAXF];
        memset(arrs, 0, sizeof arrs);
        char toks[2048];
        const bool set = op[0] == 's';
        const char *rest = args;
        if (set) {
            parse_lit(ctx, w[0], &lit1);
            rest = strchr(args, ' ') ? strchr(args, ' ') + 1 : "";
        }
        snprintf(toks, sizeof toks, "%s", rest);
        const int n = parse_index(ctx, toks, idx, arrs);
        if (set) {
            rc = ks_array_index_set(ctx, a, n, idx, &lit1);
            ks_array_release(&lit1);
            mutated = true;
        } else {
            rc = ks_array_index_get(ctx, a, n, idx, &out);
        }
        for (int i = 0; i < n; i++) ks_array_release(&arrs[i]);
    } else if (!strcmp(op, "set_overlap")) {
        /* a[1:] = a[:-1] */
        ks_index hi = {KS_INDEX_SLICE, 1, 0, 1, true, false, NULL};
        ks_index lo = {KS_INDEX_SLICE, 0, -1, 1, false, true, NULL};
        ks_array v;
        CHECK_OK(ctx, ks_array_index_get(ctx, a, 1, &lo, &v));
        rc = ks_array_index_set(ctx, a, 1, &hi, &v);
        ks_array_release(&v);
        mutated = true;
    } else if (!strcmp(op, "take")) {
        parse_lit(ctx, w[0], &lit1);
        const int mode = w[2][0] == 'r' ? 0 : w[2][0] == 'w' ? 1 : 2;
        rc = ks_array_take(ctx, a, &lit1, strcmp(w[1], "none") ? atoi(w[1]) : KS_AXIS_NONE, mode,
                           &out);
        ks_array_release(&lit1);
    } else if (!strcmp(op, "put")) {
        parse_lit(ctx, w[0], &lit1);
        parse_lit(ctx, w[1], &lit2);
        const int mode = w[2][0] == 'r' ? 0 : w[2][0] == 'w' ? 1 : 2;
        rc = ks_array_put(ctx, a, &lit1, &lit2, mode);
        ks_array_release(&lit1);
        ks_array_release(&lit2);
        mutated = true;
    } else if (!strcmp(op, "nonzero")) {
        parse_lit(ctx, w[0], &lit1);
        nout = lit1.ndim ? lit1.ndim : 1;
        rc = ks_array_nonzero(ctx, &lit1, outs);
        if (!rc) {
            /* stacked as NumPy's np.array(nonzero(a)) */
            const ks_array *p[MAXD];
            for (int i = 0; i < nout; i++) p[i] = &outs[i];
            rc = ks_array_stack(ctx, nout, p, 0, &out);
            for (int i = 0; i < nout; i++) ks_array_release(&outs[i]);
            nout = 1;
        }
        ks_array_release(&lit1);
    } else {
        fprintf(stderr, "line %d: unknown op %s\n", line_no, op);
        CHECK(0);
    }
    (void)na;
    if (!rc && nout > 1) {
        out = outs[which];
        for (int i = 0; i < nout; i++)
            if (i != which) ks_array_release(&outs[i]);
    } else if (!rc && (!strcmp(op, "meshgrid") || !strcmp(op, "split"))) {
        out = outs[0];
    }
    if (!strcmp(f[3], "err")) {
        const char *needle = nf > 4 ? f[4] : "";
        const bool ok = rc != KS_OK && strstr(w[7][0] ? w[7] : ks_errmsg(ctx), needle);
        if (!ok)
            fprintf(stderr, "line %d: %s %s: got %s '%s', wanted an error with '%s'\n", line_no, op,
                    args, ks_status_name(rc), rc ? ks_errmsg(ctx) : "", needle);
        CHECK(ok);
        if (rc) CHECK(out.base == NULL && out.data == NULL);
    } else if (rc) {
        fprintf(stderr, "line %d: %s %s failed: %s\n", line_no, op, args, ks_errmsg(ctx));
        CHECK(rc == KS_OK);
    } else if (mutated) {
        /* the source itself, compared whole (never a view of itself) */
        ks_array copy;
        CHECK_OK(ctx, ks_array_copy(ctx, a, KS_ORDER_C, &copy));
        check_ok(ctx, f + 4, &copy, srcs, 0, ulps, false);
        ks_array_release(&copy);
    } else {
        check_ok(ctx, f + 4, &out, srcs, nsrc, ulps, !strcmp(op, "index"));
    }
    ks_array_release(&out);
    for (int i = 0; i < nsrc; i++) ks_array_release(&srcs[i]);
}

static void test_cases(ks_ctx *ctx)
{
    size_t len;
    char *text = ktest_slurp("tests/data/array/shape_cases.tsv", &len);
    CHECK(text != NULL);
    if (!text) return;
    int cases = 0;
    char *save = NULL;
    line_no = 0;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        line_no++;
        if (line[0] == '#') continue;
        char *f[MAXF];
        int nf = 0;
        for (char *p = line; p && nf < MAXF;) {
            f[nf++] = p;
            p = strchr(p, '\t');
            if (p) *p++ = '\0';
        }
        CHECK(nf >= 5);
        if (nf < 5) continue;
        check_case(ctx, nf, f);
        cases++;
    }
    CHECK(cases > 1000);
    free(text);
}

/* Views write through to their source and keep it alive; broadcast_to is read-only; a failed
 * call leaves out empty. */
static void test_views(ks_ctx *ctx)
{
    ks_array a, v, w;
    CHECK_OK(ctx, ks_array_arange(ctx, 0, 12, 1, KS_FLOAT64, &a));
    const ptrdiff_t s34[2] = {3, 4};
    CHECK_OK(ctx, ks_array_reshape(ctx, &a, 2, s34, KS_ORDER_C, &v));
    CHECK(v.base == a.base && v.data == a.data);
    ks_array_release(&a); /* the view keeps the buffer */
    CHECK_OK(ctx, ks_array_transpose(ctx, &v, NULL, &w));
    CHECK(w.strides[0] == 8 && w.strides[1] == 32);
    /* w[1, 2] = -1 writes v[2, 1] */
    ks_index ix[2] = {{KS_INDEX_INT, 1, 0, 1, false, false, NULL},
                      {KS_INDEX_INT, 2, 0, 1, false, false, NULL}};
    ks_array m1;
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, -1, 0, &m1));
    CHECK_OK(ctx, ks_array_index_set(ctx, &w, 2, ix, &m1));
    CHECK(((double *)(void *)v.data)[2 * 4 + 1] == -1);
    ks_array b;
    const ptrdiff_t s234[3] = {2, 3, 4};
    CHECK_OK(ctx, ks_array_broadcast_to(ctx, &v, 3, s234, &b));
    CHECK(!(b.flags & KS_ARRAY_WRITEABLE) && b.strides[0] == 0);
    CHECK_FAILS(ctx, ks_array_index_set(ctx, &b, 2, ix, &m1), KS_EINVAL, "read-only");
    ks_array bad;
    const ptrdiff_t s5[1] = {5};
    CHECK_FAILS(ctx, ks_array_reshape(ctx, &v, 1, s5, KS_ORDER_C, &bad), KS_EINVAL,
                "cannot reshape array of size 12 into shape (5,)");
    CHECK(bad.base == NULL && bad.data == NULL);
    /* a flipped view: its first element is the source's last */
    ks_array f;
    CHECK_OK(ctx, ks_array_flip(ctx, &v, 0, &f));
    CHECK(f.data == v.data + 11 * 8 && f.strides[0] == -32 && f.strides[1] == -8);
    ks_array_release(&f);
    ks_array_release(&b);
    ks_array_release(&m1);
    ks_array_release(&w);
    ks_array_release(&v);

    /* zeros in Fortran order */
    ks_array z;
    const ptrdiff_t s23[2] = {2, 3};
    CHECK_OK(ctx, ks_array_zeros(ctx, KS_INT32, 2, s23, KS_ORDER_F, &z));
    CHECK(z.strides[0] == 4 && z.strides[1] == 8 && ks_array_is_f_contiguous(&z));
    for (int i = 0; i < 6; i++) CHECK(((int32_t *)(void *)z.data)[i] == 0);
    ks_array_release(&z);
    const ptrdiff_t neg[1] = {-1};
    CHECK_FAILS(ctx, ks_array_zeros(ctx, KS_INT32, 1, neg, KS_ORDER_C, &z), KS_EINVAL,
                "negative dimensions are not allowed");
}

/* Large arrays take the paths small ones skip (the cached buffers, threads in the engine). */
static void test_large(ks_ctx *ctx)
{
    ks_array a, r, t, c;
    CHECK_OK(ctx, ks_array_linspace(ctx, 0, 1, 300001, true, KS_FLOAT64, &a, NULL));
    const double *x = (const double *)(void *)a.data;
    CHECK(x[0] == 0 && x[300000] == 1 && x[150000] == 150000 * (1.0 / 300000));
    const ptrdiff_t s[2] = {300001, 1};
    CHECK_OK(ctx, ks_array_reshape(ctx, &a, 2, s, KS_ORDER_C, &r));
    const ptrdiff_t reps[2] = {1, 3};
    CHECK_OK(ctx, ks_array_tile(ctx, &r, 2, reps, &t));
    CHECK(t.shape[0] == 300001 && t.shape[1] == 3);
    CHECK(((double *)(void *)t.data)[3 * 200000 + 2] == x[200000]);
    const ks_array *two[2] = {&a, &a};
    CHECK_OK(ctx, ks_array_concatenate(ctx, 2, two, 0, &c));
    CHECK(c.shape[0] == 600002 && ((double *)(void *)c.data)[300001 + 7] == x[7]);
    ks_array_release(&c);
    ks_array_release(&t);
    ks_array_release(&r);
    ks_array_release(&a);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_cases(ctx);
    test_views(ctx);
    test_large(ctx);
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
