/* Fused programs (ks_fused_*) against the same operations run one by one (ks_fused_run with fuse
 * false: each a plain ks_ufunc_call / ks_array_reduce / ks_array_where / ks_array_astype): the
 * same dtypes, shapes, layouts and bytes, for chains with broadcasting, constants, casts, where,
 * comparisons and the reductions over every axis pattern (full, inner axis, outer axis, others),
 * on lengths around the block size and the pairwise tree's cuts, strided, reversed and F-ordered
 * inputs, on one thread and on several; plus the errors. tests/python/test_nd_fuse.py checks the
 * Python tracer against the Python functions themselves and NumPy. */
#include <stdlib.h>

#include "ktest.h"

/* Random values of dtype t: normal-ish floats (a few zeros and negatives), small ints. */
static void random_array(ks_ctx *ctx, ks_dtype t, int nd, const ptrdiff_t *shape, ks_order order,
                         ks_array *out)
{
    ks_array f;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, nd, shape, order, &f));
    double *v = (double *)(void *)f.data;
    for (ptrdiff_t i = 0; i < ks_array_size(&f); i++) {
        const double u = ktest_unif();
        v[i] = ks_dtype_kind(t) == 'f' ? (u - 0.4) * 6.0 : (double)(int)(u * 9.0) - 3.0;
    }
    CHECK_OK(ctx, ks_array_astype(ctx, &f, t, KS_CASTING_UNSAFE, out));
    ks_array_release(&f);
}

/* Floats equal bit for bit, or both NaN: IEEE 754 leaves open which NaN operand's payload and
 * sign x + y gives when both are NaN, and x86 gives the first source's, which is whichever the
 * compiler put first (GCC's vector loop over a + y[0] holds y in a register and reads a from
 * memory; the sanitizer build's scalar loop does not), so NaN payloads are not part of the
 * contract between the loops and the machine code. */
static bool same_floats(ks_dtype t, const unsigned char *a, const unsigned char *b, size_t n)
{
    const size_t w = t == KS_FLOAT32 || t == KS_COMPLEX64 ? 4 : 8;
    for (size_t i = 0; i < n; i += w) {
        if (!memcmp(a + i, b + i, w)) continue;
        double x, y;
        if (w == 4) {
            float fx, fy;
            memcpy(&fx, a + i, 4), memcpy(&fy, b + i, 4);
            x = fx, y = fy;
        } else {
            memcpy(&x, a + i, 8), memcpy(&y, b + i, 8);
        }
        if (!(isnan(x) && isnan(y))) return false;
    }
    return true;
}

/* a and b hold the same dtype, shape, strides and bytes (NaN payloads aside). */
static bool identical(ks_ctx *ctx, const ks_array *a, const ks_array *b)
{
    if (a->dtype != b->dtype || a->ndim != b->ndim) return false;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != b->shape[d] || (a->shape[d] > 1 && a->strides[d] != b->strides[d]))
            return false;
    ks_array ca, cb;
    if (ks_array_copy(ctx, a, KS_ORDER_C, &ca) || ks_array_copy(ctx, b, KS_ORDER_C, &cb))
        return false;
    const size_t n = (size_t)ks_array_size(&ca) * ks_dtype_size(a->dtype);
    const char kind = ks_dtype_kind(a->dtype);
    const bool same =
        n == 0 || !memcmp(ca.data, cb.data, n) ||
        ((kind == 'f' || kind == 'c') &&
         same_floats(a->dtype, (const unsigned char *)ca.data, (const unsigned char *)cb.data, n));
    ks_array_release(&ca);
    ks_array_release(&cb);
    return same;
}

static int fails_before, programs_run;

/* Run f on inputs fused (one thread and several) and one by one: every output identical. */
static void compare_runs(ks_ctx *ctx, ks_fused *f, const ks_array *const *in, int nout,
                         const char *what)
{
    ks_array plain[5], fused[5];
    const int before = ktest_failures;
    CHECK_OK(ctx, ks_fused_run(ctx, f, in, false, plain));
    for (int threads = 1; threads <= 3; threads += 2) {
        CHECK_OK(ctx, ks_ctx_set_threads(ctx, threads));
        CHECK_OK(ctx, ks_fused_run(ctx, f, in, true, fused));
        for (int k = 0; k < nout; k++) {
            CHECK(identical(ctx, &plain[k], &fused[k]));
            ks_array_release(&fused[k]);
        }
    }
    for (int k = 0; k < nout; k++) ks_array_release(&plain[k]);
    if (ktest_failures != before && fails_before++ < 10) fprintf(stderr, "  (in %s)\n", what);
    programs_run++;
}

static int in1(ks_ctx *ctx, ks_fused *f, const ks_array *a)
{
    int id = -1;
    CHECK_OK(ctx, ks_fused_input(ctx, f, a->dtype, a->ndim, a->shape, false, &id));
    return id;
}

static int num(ks_ctx *ctx, ks_fused *f, double v, bool weak)
{
    ks_array s;
    int id = -1;
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, v, 0, &s));
    if (weak) s.flags |= KS_ARRAY_WEAK;
    CHECK_OK(ctx, ks_fused_constant(ctx, f, &s, &id));
    ks_array_release(&s);
    return id;
}

static int un(ks_ctx *ctx, ks_fused *f, ks_ufunc u, int a)
{
    int id = -1;
    CHECK_OK(ctx, ks_fused_ufunc(ctx, f, u, &a, &id));
    return id;
}

static int bin(ks_ctx *ctx, ks_fused *f, ks_ufunc u, int a, int b)
{
    const int args[2] = {a, b};
    int id = -1;
    CHECK_OK(ctx, ks_fused_ufunc(ctx, f, u, args, &id));
    return id;
}

static int red(ks_ctx *ctx, ks_fused *f, ks_reduce r, int a, uint64_t axes, bool keep, double ddof)
{
    ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
    o.axes = axes;
    o.keepdims = keep;
    o.ddof = ddof;
    int id = -1;
    CHECK_OK(ctx, ks_fused_reduce(ctx, f, r, a, &o, &id));
    return id;
}

/* The chains of rumpy's benchmarks and more over x (and y, broadcast to x), with every
 * reduction over the axes in `axes`. */
static void chains(ks_ctx *ctx, const ks_array *x, const ks_array *y, uint64_t axes,
                   const char *what)
{
    ks_fused *f;
    CHECK_OK(ctx, ks_fused_new(ctx, &f));
    const int X = in1(ctx, f, x), Y = in1(ctx, f, y);
    /* sigmoid, a normalisation by the reduction's mean and std, a weighted mean */
    const int one = num(ctx, f, 1.0, true);
    const int sig = bin(
        ctx, f, KS_UFUNC_DIVIDE, one,
        bin(ctx, f, KS_UFUNC_ADD, one, un(ctx, f, KS_UFUNC_EXP, un(ctx, f, KS_UFUNC_NEGATIVE, X))));
    const int xy = bin(ctx, f, KS_UFUNC_MULTIPLY, X, Y);
    const int mean = red(ctx, f, KS_REDUCE_MEAN, sig, axes, true, 0);
    const int sd = red(ctx, f, KS_REDUCE_STD, sig, axes, true, 1);
    const int z = bin(ctx, f, KS_UFUNC_DIVIDE, bin(ctx, f, KS_UFUNC_SUBTRACT, sig, mean), sd);
    const int wm = bin(ctx, f, KS_UFUNC_DIVIDE, red(ctx, f, KS_REDUCE_SUM, xy, axes, true, 0),
                       red(ctx, f, KS_REDUCE_SUM, un(ctx, f, KS_UFUNC_ABSOLUTE, Y), axes, true, 0));
    const int var = red(ctx, f, KS_REDUCE_VAR, bin(ctx, f, KS_UFUNC_HYPOT, X, Y), axes, false, 0);
    const int mx =
        red(ctx, f, KS_REDUCE_MAX, bin(ctx, f, KS_UFUNC_SUBTRACT, xy, X), axes, false, 0);
    const int mn = red(ctx, f, KS_REDUCE_MIN,
                       bin(ctx, f, KS_UFUNC_MAXIMUM, xy, num(ctx, f, 0.0, true)), axes, true, 0);
    const int zz = bin(ctx, f, KS_UFUNC_ADD, z, bin(ctx, f, KS_UFUNC_MULTIPLY, mn, wm));
    /* a compare chain, where, and a count of it (an integer sum: materialised) */
    const int cmp = bin(ctx, f, KS_UFUNC_GREATER,
                        bin(ctx, f, KS_UFUNC_SUBTRACT, bin(ctx, f, KS_UFUNC_MULTIPLY, X, X),
                            bin(ctx, f, KS_UFUNC_MULTIPLY, num(ctx, f, 4.1, true), X)),
                        bin(ctx, f, KS_UFUNC_MULTIPLY, num(ctx, f, 2.5, true), Y));
    int w = -1, cnt = -1;
    CHECK_OK(ctx, ks_fused_where(ctx, f, cmp, xy, un(ctx, f, KS_UFUNC_SIN, Y), &w));
    cnt = red(ctx, f, KS_REDUCE_SUM, cmp, axes, false, 0);
    CHECK_OK(ctx, ks_fused_output(ctx, f, zz));
    CHECK_OK(ctx, ks_fused_output(ctx, f, var));
    CHECK_OK(ctx, ks_fused_output(ctx, f, bin(ctx, f, KS_UFUNC_ADD, mx, cnt)));
    CHECK_OK(ctx, ks_fused_output(ctx, f, w));
    CHECK_OK(ctx, ks_fused_output(ctx, f, xy)); /* a result that is reduced too */
    const ks_array *in[2] = {x, y};
    compare_runs(ctx, f, in, 5, what);
    ks_fused_free(f);
}

/* Mixed dtypes: an int32 chain with a float32 operand, a cast back, an integer power. */
static void mixed(ks_ctx *ctx, const ks_array *xi, const ks_array *yf, const char *what)
{
    ks_fused *f;
    CHECK_OK(ctx, ks_fused_new(ctx, &f));
    const int X = in1(ctx, f, xi), Y = in1(ctx, f, yf);
    int two = -1, c = -1;
    ks_array s;
    CHECK_OK(ctx, ks_array_scalar_i64(ctx, KS_INT64, 2, &s));
    s.flags |= KS_ARRAY_WEAK;
    CHECK_OK(ctx, ks_fused_constant(ctx, f, &s, &two));
    ks_array_release(&s);
    const int p = bin(ctx, f, KS_UFUNC_POWER, X, two);          /* int32 */
    const int q = bin(ctx, f, KS_UFUNC_MULTIPLY, p, Y);         /* float64 */
    CHECK_OK(ctx, ks_fused_astype(ctx, f, q, KS_FLOAT32, &c));  /* float32 */
    const int s32 = red(ctx, f, KS_REDUCE_SUM, c, 0, false, 0); /* a float32 sum, fused */
    const int m = red(ctx, f, KS_REDUCE_MEAN, p, 0, false, 0);  /* of ints: plain */
    CHECK_OK(ctx, ks_fused_output(ctx, f, c));
    CHECK_OK(ctx, ks_fused_output(ctx, f, bin(ctx, f, KS_UFUNC_ADD, s32, m)));
    const ks_array *in[2] = {xi, yf};
    compare_runs(ctx, f, in, 2, what);
    ks_fused_free(f);
}

static void test_shapes(ks_ctx *ctx)
{
    static const ptrdiff_t lens[] = {1, 7, 8, 129, 2047, 2048, 2049, 4097, 65539};
    for (size_t i = 0; i < sizeof lens / sizeof *lens; i++) {
        for (int t = 0; t < 2; t++) {
            const ks_dtype dt = t ? KS_FLOAT32 : KS_FLOAT64;
            ks_array x, y;
            random_array(ctx, dt, 1, &lens[i], KS_ORDER_C, &x);
            random_array(ctx, dt, 1, &lens[i], KS_ORDER_C, &y);
            chains(ctx, &x, &y, 0, "1-d");
            ks_array xi;
            random_array(ctx, KS_INT32, 1, &lens[i], KS_ORDER_C, &xi);
            mixed(ctx, &xi, &y, "mixed 1-d");
            ks_array_release(&xi);
            ks_array_release(&x);
            ks_array_release(&y);
        }
    }
    static const ptrdiff_t shapes[][2] = {{3, 5000}, {1000, 7}, {301, 300}, {1, 9000},
                                          {9000, 1}, {64, 3},   {2, 2049}};
    for (size_t i = 0; i < sizeof shapes / sizeof *shapes; i++) {
        ks_array x, y, yrow, xf;
        random_array(ctx, KS_FLOAT64, 2, shapes[i], KS_ORDER_C, &x);
        random_array(ctx, KS_FLOAT64, 2, shapes[i], KS_ORDER_C, &y);
        const ptrdiff_t rs[2] = {1, shapes[i][1]};
        random_array(ctx, KS_FLOAT64, 2, rs, KS_ORDER_C, &yrow);
        random_array(ctx, KS_FLOAT64, 2, shapes[i], KS_ORDER_F, &xf);
        for (uint64_t axes = 0; axes < 4; axes++) { /* all (0), 0, 1, both */
            chains(ctx, &x, &y, axes, "2-d");
            chains(ctx, &x, &yrow, axes, "2-d, a broadcast row");
            chains(ctx, &xf, &y, axes, "2-d, F-ordered x");
            chains(ctx, &xf, &xf, axes, "2-d, F-ordered x and y");
        }
        /* strided and reversed views */
        ks_array xs = x, ys = y;
        xs.shape[1] = (x.shape[1] + 1) / 2;
        xs.strides[1] *= 2;
        ys.shape[1] = xs.shape[1];
        ys.data += (y.shape[1] - 1) * y.strides[1];
        ys.strides[1] = -2 * y.strides[1];
        for (uint64_t axes = 0; axes < 3; axes++) chains(ctx, &xs, &ys, axes, "2-d strided");
        ks_array_release(&x);
        ks_array_release(&y);
        ks_array_release(&yrow);
        ks_array_release(&xf);
    }
    /* 3-d: the reductions over one axis of three are not the passes' (materialised) */
    const ptrdiff_t s3[3] = {20, 30, 40};
    ks_array x3, y3;
    random_array(ctx, KS_FLOAT64, 3, s3, KS_ORDER_C, &x3);
    random_array(ctx, KS_FLOAT64, 3, s3, KS_ORDER_C, &y3);
    for (uint64_t axes = 0; axes < 8; axes++) chains(ctx, &x3, &y3, axes, "3-d");
    ks_array_release(&x3);
    ks_array_release(&y3);
}

/* NaN and signed zeros through the reductions. */
static void test_specials(ks_ctx *ctx)
{
    const ptrdiff_t n = 5000;
    ks_array x, y;
    random_array(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &x);
    random_array(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &y);
    ((double *)(void *)x.data)[1234] = NAN;
    for (ptrdiff_t i = 0; i < n; i += 3) ((double *)(void *)y.data)[i] = -0.0;
    chains(ctx, &x, &y, 0, "NaN and -0.0");
    ks_array_release(&x);
    ks_array_release(&y);
}

/* Products of two chains over every rank pairing NumPy's rules know (0-d, 1-d, 2-d, stacks,
 * broadcast batches), their result read by a later chain; the node's shape and dtype are the
 * plain call's; operands the product refuses fail with the plain call's error. */
static void test_products(ks_ctx *ctx)
{
    static const struct {
        ks_product p;
        int na, nb;
        ptrdiff_t sa[3], sb[3];
    } cases[] = {
        {KS_PRODUCT_DOT, 1, 1, {1000}, {1000}},
        {KS_PRODUCT_DOT, 2, 1, {40, 30}, {30}},
        {KS_PRODUCT_DOT, 1, 2, {40}, {40, 30}},
        {KS_PRODUCT_DOT, 2, 2, {20, 30}, {30, 7}},
        {KS_PRODUCT_DOT, 3, 2, {2, 5, 6}, {6, 4}},
        {KS_PRODUCT_DOT, 3, 3, {2, 5, 6}, {3, 6, 4}},
        {KS_PRODUCT_DOT, 0, 2, {0}, {5, 6}},
        {KS_PRODUCT_DOT, 3, 0, {2, 3, 4}, {0}},
        {KS_PRODUCT_VDOT, 2, 1, {6, 7}, {42}},
        {KS_PRODUCT_INNER, 2, 3, {5, 9}, {2, 3, 9}},
        {KS_PRODUCT_INNER, 1, 0, {9}, {0}},
        {KS_PRODUCT_MATMUL, 1, 1, {600}, {600}},
        {KS_PRODUCT_MATMUL, 2, 1, {30, 40}, {40}},
        {KS_PRODUCT_MATMUL, 1, 3, {8}, {2, 8, 5}},
        {KS_PRODUCT_MATMUL, 3, 3, {4, 5, 6}, {1, 6, 3}},
        {KS_PRODUCT_MATMUL, 3, 2, {1, 5, 6}, {6, 2}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        ks_array a, b;
        random_array(ctx, KS_FLOAT64, cases[c].na, cases[c].sa, KS_ORDER_C, &a);
        random_array(ctx, KS_FLOAT64, cases[c].nb, cases[c].sb, KS_ORDER_C, &b);
        ks_fused *f;
        CHECK_OK(ctx, ks_fused_new(ctx, &f));
        const int A = in1(ctx, f, &a), B = in1(ctx, f, &b);
        const int ca =
            bin(ctx, f, KS_UFUNC_MULTIPLY, un(ctx, f, KS_UFUNC_EXP, A), num(ctx, f, 2, true));
        const int cb = bin(ctx, f, KS_UFUNC_ADD, B, num(ctx, f, 1, true));
        int p = -1;
        CHECK_OK(ctx, ks_fused_product(ctx, f, cases[c].p, ca, cb, &p));
        const int after =
            bin(ctx, f, KS_UFUNC_ADD, un(ctx, f, KS_UFUNC_SQRT, un(ctx, f, KS_UFUNC_ABSOLUTE, p)),
                num(ctx, f, 0.5, true));
        CHECK_OK(ctx, ks_fused_output(ctx, f, p));
        CHECK_OK(ctx, ks_fused_output(ctx, f, after));
        /* the node's shape and dtype are the product's (of arrays with the chains' shapes) */
        ks_array pa, pb, want;
        CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_EXP, (const ks_array *[]){&a}, NULL, &pa));
        CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, (const ks_array *[]){&b, &b}, NULL, &pb));
        CHECK_OK(ctx, ks_array_product(ctx, cases[c].p, &pa, &pb, &want));
        ks_dtype dt;
        int nd = -1;
        ptrdiff_t shape[KS_ARRAY_MAXDIMS];
        CHECK_OK(ctx, ks_fused_node(f, p, &dt, &nd, shape, NULL));
        CHECK(dt == want.dtype && nd == want.ndim &&
              !memcmp(shape, want.shape, (size_t)nd * sizeof *shape));
        const ks_array *in[2] = {&a, &b};
        char what[64];
        snprintf(what, sizeof what, "%s case %zu", ks_product_name(cases[c].p), c);
        compare_runs(ctx, f, in, 2, what);
        ks_array_release(&pa);
        ks_array_release(&pb);
        ks_array_release(&want);
        ks_fused_free(f);
        ks_array_release(&a);
        ks_array_release(&b);
    }
    /* refused operands: the plain call's error, when the program is built */
    ks_fused *f;
    CHECK_OK(ctx, ks_fused_new(ctx, &f));
    const ptrdiff_t s23[2] = {2, 3}, s4[1] = {4};
    int x = -1, v = -1, id = -1;
    CHECK_OK(ctx, ks_fused_input(ctx, f, KS_FLOAT64, 2, s23, false, &x));
    CHECK_OK(ctx, ks_fused_input(ctx, f, KS_FLOAT64, 1, s4, false, &v));
    CHECK_FAILS(ctx, ks_fused_product(ctx, f, KS_PRODUCT_DOT, x, x, &id), KS_EINVAL,
                "shapes (2,3) and (2,3) not aligned: 3 (dim 1) != 2 (dim 0)");
    CHECK_FAILS(ctx, ks_fused_product(ctx, f, KS_PRODUCT_INNER, x, v, &id), KS_EINVAL,
                "not aligned");
    CHECK_FAILS(ctx, ks_fused_product(ctx, f, KS_PRODUCT_MATMUL, x, num(ctx, f, 2, false), &id),
                KS_EINVAL, "does not have enough dimensions");
    CHECK_FAILS(ctx, ks_fused_product(ctx, f, KS_PRODUCT_VDOT, x, v, &id), KS_EINVAL, "vdot");
    CHECK_FAILS(ctx, ks_fused_product(ctx, f, (ks_product)9, x, v, &id), KS_EINVAL,
                "9 is not a product");
    ks_fused_free(f);
}

/* Random programs of the operations fuse_jit.c compiles (float64 arithmetic, maximum /
 * minimum, comparisons, where, logical functions of bools) over inputs full of NaN (of both
 * signs), infinities and signed zeros, with constants on either side, long enough to run in
 * machine code, with row lengths that leave tails, a strided input that splits a run, and chains
 * long enough to run out of registers: each output identical to the plain calls'. */
static const double specials[] = {NAN, -NAN, INFINITY, -INFINITY, 0.0, -0.0, 1.0, 2.5};

/* A random chain of the operations the machine code runs over inputs fl[0..1] (float64) and
 * bl[0] (bool): its float64 and bool nodes appended to fl / bl; *extra: one from its middle. */
static void random_chain(ks_ctx *ctx, ks_fused *f, int len, int *fl, int *nf, int *bl, int *nb,
                         int *extra)
{
    static const ks_ufunc farith[] = {KS_UFUNC_ADD,    KS_UFUNC_SUBTRACT, KS_UFUNC_MULTIPLY,
                                      KS_UFUNC_DIVIDE, KS_UFUNC_MAXIMUM,  KS_UFUNC_MINIMUM};
    /* the last ones are calls into the loops' vector functions */
    static const ks_ufunc funary[] = {KS_UFUNC_SQRT,     KS_UFUNC_SQUARE,   KS_UFUNC_NEGATIVE,
                                      KS_UFUNC_ABSOLUTE, KS_UFUNC_POSITIVE, KS_UFUNC_EXP,
                                      KS_UFUNC_TANH,     KS_UFUNC_LOG,      KS_UFUNC_SIN,
                                      KS_UFUNC_CBRT,     KS_UFUNC_EXPM1,    KS_UFUNC_ARCTAN};
    static const ks_ufunc cmps[] = {KS_UFUNC_GREATER, KS_UFUNC_GREATER_EQUAL,
                                    KS_UFUNC_LESS,    KS_UFUNC_LESS_EQUAL,
                                    KS_UFUNC_EQUAL,   KS_UFUNC_NOT_EQUAL};
    static const ks_ufunc logic[] = {KS_UFUNC_LOGICAL_AND, KS_UFUNC_LOGICAL_OR,
                                     KS_UFUNC_LOGICAL_XOR, KS_UFUNC_BITWISE_AND,
                                     KS_UFUNC_BITWISE_OR,  KS_UFUNC_BITWISE_XOR};
    for (int k = 0; k < len; k++) {
        const unsigned r = (unsigned)(ktest_next() % 100);
        const int a = fl[ktest_next() % (unsigned)*nf];
        int o = fl[ktest_next() % (unsigned)*nf];
        if (ktest_unif() < 0.25) o = num(ctx, f, specials[ktest_next() % 8] * 0.5 + 1.5, true);
        if (ktest_unif() < 0.1) o = num(ctx, f, specials[ktest_next() % 8], true);
        const bool cswap = ktest_unif() < 0.3;
        int id;
        if (r < 50) {
            id = bin(ctx, f, farith[ktest_next() % 6], cswap ? o : a, cswap ? a : o);
        } else if (r < 62) {
            id = un(ctx, f, funary[ktest_next() % (sizeof funary / sizeof *funary)], a);
        } else if (r < 76) {
            id = bin(ctx, f, cmps[ktest_next() % 6], cswap ? o : a, cswap ? a : o);
        } else if (r < 86 && *nb > 1) {
            const int p = bl[ktest_next() % (unsigned)*nb], q = bl[ktest_next() % (unsigned)*nb];
            id = ktest_unif() < 0.2 ? un(ctx, f, KS_UFUNC_LOGICAL_NOT, p)
                                    : bin(ctx, f, logic[ktest_next() % 6], p, q);
        } else {
            id = -1;
            CHECK_OK(ctx, ks_fused_where(ctx, f, bl[ktest_next() % (unsigned)*nb], a, o, &id));
        }
        ks_dtype dt;
        CHECK_OK(ctx, ks_fused_node(f, id, &dt, NULL, NULL, NULL));
        if (dt == KS_BOOL && *nb < 64) bl[(*nb)++] = id;
        if (dt == KS_FLOAT64 && *nf < 64) fl[(*nf)++] = id;
        if (k == len / 2) *extra = id;
    }
}

/* A compiled run whose float64 result is read after it (by log1p, which machine code never
 * calls) in the register of a bool the run made first: the loops rerun the run on the row's
 * last n % 4 elements, and that bool once landed on the float64's stored elements (1030: the
 * last block has 6 elements, 2 past the machine code's). y <= x everywhere: the result is 0. */
static void test_run_tail_registers(ks_ctx *ctx)
{
    const ptrdiff_t n = 1030;
    ks_array x, y;
    random_array(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &x);
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &n, KS_ORDER_C, &y));
    for (ptrdiff_t i = 0; i < n; i++)
        ((double *)(void *)y.data)[i] = ((const double *)(void *)x.data)[i] - 1.0;
    ks_fused *f;
    CHECK_OK(ctx, ks_fused_new(ctx, &f));
    const int X = in1(ctx, f, &x), Y = in1(ctx, f, &y);
    int w = -1;
    CHECK_OK(ctx, ks_fused_where(ctx, f, bin(ctx, f, KS_UFUNC_LESS_EQUAL, Y, X), X, Y, &w));
    CHECK_OK(ctx, ks_fused_output(
                      ctx, f, un(ctx, f, KS_UFUNC_LOG1P, bin(ctx, f, KS_UFUNC_SUBTRACT, w, X))));
    const ks_array *in[2] = {&x, &y};
    compare_runs(ctx, f, in, 1, "a run's tail over a bool's register");
    ks_fused_free(f);
    ks_array_release(&x);
    ks_array_release(&y);
}

/* Chains of the operations fuse_jit.c compiles, against the plain calls: element-wise runs
 * (stored), and reductions of whole chains (summed in machine code: sum, mean, var's squared
 * deviations; along the whole domain and along rows, lengths leaving n mod 8). */
static void test_machine_code(ks_ctx *ctx)
{
    static const ptrdiff_t shapes[][2] = {{1, 8191}, {1, 4100}, {70, 61}, {33, 259}, {5, 1029}};
    ktest_seed(20261207);
    for (int prog = 0; prog < 300; prog++) {
        const ptrdiff_t *sh = shapes[prog % 5];
        const int nd = sh[0] == 1 ? 1 : 2;
        const ptrdiff_t *shape = nd == 1 ? sh + 1 : sh;
        ks_array x, y, b, yw, ys;
        random_array(ctx, KS_FLOAT64, nd, shape, KS_ORDER_C, &x);
        random_array(ctx, KS_FLOAT64, nd, shape, KS_ORDER_C, &y);
        random_array(ctx, KS_BOOL, nd, shape, KS_ORDER_C, &b);
        double *xv = (double *)(void *)x.data, *yv = (double *)(void *)y.data;
        const ptrdiff_t n = ks_array_size(&x);
        /* specials in every other program: one NaN makes a sum NaN, hiding its order */
        const double pspecial = prog % 2 == 0 ? 0.08 : 0.0;
        for (ptrdiff_t i = 0; i < n; i++) {
            if (ktest_unif() < pspecial) xv[i] = specials[ktest_next() % 8];
            if (ktest_unif() < pspecial) yv[i] = specials[ktest_next() % 8];
            if (!pspecial) xv[i] *= 1 + (double)(i % 97); /* magnitudes the order rounds */
        }
        /* a strided y every fourth program (its reads cannot join a run) */
        const bool strided = prog % 4 == 3;
        if (strided) { /* every other column of one twice as wide */
            ptrdiff_t wide[2] = {shape[0], nd == 2 ? 2 * shape[1] : 0};
            if (nd == 1) wide[0] = 2 * shape[0];
            random_array(ctx, KS_FLOAT64, nd, wide, KS_ORDER_C, &yw);
            ys = yw;
            ys.shape[nd - 1] = shape[nd - 1];
            ys.strides[nd - 1] *= 2;
        }
        const ks_array *in[3] = {&x, strided ? &ys : &y, &b};
        const int len = 3 + (int)(ktest_next() % (prog % 10 == 0 ? 40 : 14));
        for (int reduce = 0; reduce < 2; reduce++) {
            ks_fused *f;
            CHECK_OK(ctx, ks_fused_new(ctx, &f));
            int fl[64], nf = 0, bl[64], nb = 0, extra = -1;
            fl[nf++] = in1(ctx, f, &x);
            fl[nf++] = in1(ctx, f, strided ? &ys : &y);
            bl[nb++] = in1(ctx, f, &b);
            random_chain(ctx, f, len, fl, &nf, bl, &nb, &extra);
            ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
            int s = -1, nout = 0;
            if (!reduce) { /* the chain's values, and their sum */
                CHECK_OK(ctx, ks_fused_output(ctx, f, fl[nf - 1]));
                CHECK_OK(ctx, ks_fused_output(ctx, f, bl[nb - 1]));
                CHECK_OK(ctx, ks_fused_output(ctx, f, extra));
                CHECK_OK(ctx, ks_fused_reduce(ctx, f, KS_REDUCE_SUM, fl[nf - 1], &o, &s));
                CHECK_OK(ctx, ks_fused_output(ctx, f, s));
                nout = 4;
            } else { /* reductions of the chain alone: sum, var, mean; sum, std along rows */
                static const ks_reduce reds[] = {KS_REDUCE_SUM, KS_REDUCE_VAR, KS_REDUCE_MEAN,
                                                 KS_REDUCE_SUM, KS_REDUCE_STD};
                for (int r = 0; r < 5; r++) {
                    o.axes = r < 3 ? 0 : (uint64_t)1 << (nd - 1);
                    CHECK_OK(ctx, ks_fused_reduce(ctx, f, reds[r], fl[nf - 1], &o, &s));
                    CHECK_OK(ctx, ks_fused_output(ctx, f, s));
                }
                nout = 5;
            }
            char what[64];
            snprintf(what, sizeof what, "machine code program %d%s", prog,
                     reduce ? " (reductions)" : "");
            compare_runs(ctx, f, in, nout, what);
            ks_fused_free(f);
        }
        if (strided) ks_array_release(&yw);
        ks_array_release(&x);
        ks_array_release(&y);
        ks_array_release(&b);
    }
}

static void test_errors(ks_ctx *ctx)
{
    ks_fused *f;
    CHECK_OK(ctx, ks_fused_new(ctx, &f));
    const ptrdiff_t n = 10;
    int x = -1, b = -1, id;
    CHECK_OK(ctx, ks_fused_input(ctx, f, KS_INT64, 1, &n, false, &x));
    CHECK_OK(ctx, ks_fused_input(ctx, f, KS_BOOL, 1, &n, false, &b));
    CHECK_FAILS(ctx, ks_fused_ufunc(ctx, f, KS_UFUNC_NEGATIVE, &b, &id), KS_ETYPE,
                "boolean negative");
    const int bad[2] = {x, 7};
    CHECK_FAILS(ctx, ks_fused_ufunc(ctx, f, KS_UFUNC_ADD, bad, &id), KS_EINVAL,
                "node 7 does not exist");
    ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
    o.axes = 2; /* axis 1 of a 1-d operand */
    CHECK_FAILS(ctx, ks_fused_reduce(ctx, f, KS_REDUCE_SUM, x, &o, &id), KS_EINVAL,
                "out of bounds");
    /* a negative integer power: the loop's fault, in the fused pass as in the plain call */
    const int pw[2] = {x, x};
    CHECK_OK(ctx, ks_fused_ufunc(ctx, f, KS_UFUNC_POWER, pw, &id));
    CHECK_OK(ctx, ks_fused_output(ctx, f, id));
    ks_array xa, ba, out[1];
    random_array(ctx, KS_INT64, 1, &n, KS_ORDER_C, &xa);
    random_array(ctx, KS_BOOL, 1, &n, KS_ORDER_C, &ba);
    ((int64_t *)(void *)xa.data)[3] = -2;
    const ks_array *in[2] = {&xa, &ba};
    CHECK_FAILS(ctx, ks_fused_run(ctx, f, in, true, out), KS_EINVAL, "negative integer powers");
    CHECK_FAILS(ctx, ks_fused_run(ctx, f, in, false, out), KS_EINVAL, "negative integer powers");
    const ks_array *swapped[2] = {&ba, &xa};
    CHECK_FAILS(ctx, ks_fused_run(ctx, f, swapped, true, out), KS_EINVAL,
                "input 0 is bool (10,), the program was built for int64 (10,)");
    ks_array_release(&xa);
    ks_array_release(&ba);
    ks_fused_free(f);

    /* a weak Python int input too large for the loop: the plain calls' error */
    CHECK_OK(ctx, ks_fused_new(ctx, &f));
    int s = -1;
    CHECK_OK(ctx, ks_fused_input(ctx, f, KS_INT8, 1, &n, false, &x));
    CHECK_OK(ctx, ks_fused_input(ctx, f, KS_INT64, 0, NULL, true, &s));
    const int add[2] = {x, s};
    CHECK_OK(ctx, ks_fused_ufunc(ctx, f, KS_UFUNC_ADD, add, &id));
    CHECK_OK(ctx, ks_fused_output(ctx, f, id));
    ks_array x8, big;
    random_array(ctx, KS_INT8, 1, &n, KS_ORDER_C, &x8);
    CHECK_OK(ctx, ks_array_scalar_i64(ctx, KS_INT64, 300, &big));
    big.flags |= KS_ARRAY_WEAK;
    const ks_array *in2[2] = {&x8, &big};
    CHECK_FAILS(ctx, ks_fused_run(ctx, f, in2, true, out), KS_EOVERFLOW,
                "Python integer 300 out of bounds for int8");
    ks_array_release(&x8);
    ks_array_release(&big);
    ks_fused_free(f);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    if (ks_ctx_set_thread_min_work(ctx, 0.0) != KS_OK) return 1; /* threads even on small work */
    test_shapes(ctx);
    test_specials(ctx);
    test_errors(ctx);
    test_products(ctx);
    test_run_tail_registers(ctx);
    test_machine_code(ctx);
    ks_ctx_free(ctx);
    printf("array fuse: %d programs compared\n", programs_run);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
