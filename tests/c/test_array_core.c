/* The array core: dtype promotion and casting against NumPy's tables, buffers and views,
 * and the engine through ks_array_assign (casts, broadcasting, negative strides, Fortran
 * order, chunked buffering, threads). */
#include <complex.h>
#include <stdlib.h>

#include "ktest.h"

static void test_promotion(ks_ctx *ctx)
{
    size_t len;
    char *text = ktest_slurp("tests/data/array/promotion.tsv", &len);
    CHECK(text != NULL);
    if (!text) return;
    int rows = 0, weak_rows = 0;
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        char f[5][32];
        const int n = sscanf(line, "%31s %31s %31s %31s %31s", f[0], f[1], f[2], f[3], f[4]);
        ks_dtype a, b, c;
        if (!strcmp(f[0], "weak") && n == 4) {
            CHECK_OK(ctx, ks_dtype_value(ctx, f[1], &a));
            CHECK_OK(ctx, ks_dtype_value(ctx, f[3], &c));
            /* a strong 1-element array and a weak Python scalar of the given kind */
            ks_array arr, sc;
            const ptrdiff_t one = 1;
            CHECK_OK(ctx, ks_array_empty(ctx, a, 1, &one, KS_ORDER_C, &arr));
            const ks_dtype sk = !strcmp(f[2], "bool")    ? KS_BOOL
                                : !strcmp(f[2], "int")   ? KS_INT64
                                : !strcmp(f[2], "float") ? KS_FLOAT64
                                                         : KS_COMPLEX128;
            CHECK_OK(ctx, ks_array_scalar(ctx, sk, 1.0, 0.0, &sc));
            sc.flags |= KS_ARRAY_WEAK;
            const ks_array *both[2] = {&arr, &sc};
            ks_dtype got = KS_NDTYPES;
            CHECK_OK(ctx, ks_array_result_type(ctx, 2, both, &got));
            if (got != c)
                fprintf(stderr, "weak %s + %s: got %s, NumPy %s\n", f[1], f[2], ks_dtype_name(got),
                        f[3]);
            CHECK(got == c);
            ks_array_release(&arr);
            ks_array_release(&sc);
            weak_rows++;
            continue;
        }
        CHECK(n == 5);
        CHECK_OK(ctx, ks_dtype_value(ctx, f[0], &a));
        CHECK_OK(ctx, ks_dtype_value(ctx, f[1], &b));
        CHECK_OK(ctx, ks_dtype_value(ctx, f[2], &c));
        if (ks_dtype_promote(a, b) != c)
            fprintf(stderr, "promote(%s, %s) = %s, NumPy %s\n", f[0], f[1],
                    ks_dtype_name(ks_dtype_promote(a, b)), f[2]);
        CHECK(ks_dtype_promote(a, b) == c);
        CHECK(ks_dtype_can_cast(a, b, KS_CASTING_SAFE) == (f[3][0] == '1'));
        CHECK(ks_dtype_can_cast(a, b, KS_CASTING_SAME_KIND) == (f[4][0] == '1'));
        rows++;
    }
    CHECK(rows == 169);
    CHECK(weak_rows == 52);
    free(text);

    /* a Python int out of range for the strong integer dtype: promotion is fine (NumPy's
       result_type), converting it for the loop is NumPy's OverflowError */
    ks_array arr, sc, r;
    const ptrdiff_t one = 1;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_UINT8, 1, &one, KS_ORDER_C, &arr));
    CHECK_OK(ctx, ks_array_scalar_i64(ctx, KS_INT64, -1, &sc));
    sc.flags |= KS_ARRAY_WEAK;
    const ks_array *both[2] = {&arr, &sc};
    ks_dtype got;
    CHECK_OK(ctx, ks_array_result_type(ctx, 2, both, &got));
    CHECK(got == KS_UINT8);
    CHECK_FAILS(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, both, NULL, &r), KS_EOVERFLOW,
                "Python integer -1 out of bounds for uint8");
    arr.data[0] = 7;
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_GREATER, both, NULL, &r)); /* 7 > -1 everywhere */
    CHECK(r.dtype == KS_BOOL && r.data[0] == 1);
    ks_array_release(&r);
    const ks_array *rev[2] = {&sc, &arr};
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_GREATER_EQUAL, rev, NULL, &r)); /* -1 >= 7 */
    CHECK(r.data[0] == 0);
    ks_array_release(&r);
    ks_array_release(&arr);
    ks_array_release(&sc);
    CHECK(ks_dtype_value(ctx, "f8", &got) == KS_OK && got == KS_FLOAT64);
    CHECK_FAILS(ctx, ks_dtype_value(ctx, "float128", &got), KS_EINVAL, "dtype");
}

static void fill_f64(ks_array *a)
{
    double *p = (double *)a->data;
    for (ptrdiff_t i = 0; i < ks_array_size(a); i++) p[i] = (double)i * 0.5 - 3.0;
}

static void test_buffers_and_assign(ks_ctx *ctx)
{
    const ptrdiff_t shape[2] = {3, 4};
    ks_array a, b, c;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, shape, KS_ORDER_C, &a));
    CHECK(((uintptr_t)a.data & 63) == 0);
    CHECK(a.strides[0] == 32 && a.strides[1] == 8);
    CHECK(ks_array_is_c_contiguous(&a) && !ks_array_is_f_contiguous(&a));
    fill_f64(&a);

    /* a reversed, transposed view cast to int32 in Fortran order */
    ks_array v;
    ks_array_ref(&a, &v);
    v.shape[0] = 4, v.shape[1] = 3;
    v.strides[0] = -8, v.strides[1] = 32;
    v.data = a.data + 3 * 8; /* v[i, j] = a[j, 3 - i] */
    const ptrdiff_t tshape[2] = {4, 3};
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT32, 2, tshape, KS_ORDER_F, &b));
    CHECK(ks_array_is_f_contiguous(&b));
    CHECK_OK(ctx, ks_array_assign(ctx, &b, &v, KS_CASTING_UNSAFE));
    int bad = 0;
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++) {
            int32_t got;
            memcpy(&got, b.data + i * b.strides[0] + j * b.strides[1], 4);
            bad += got != (int32_t)(((double)(j * 4 + 3 - i)) * 0.5 - 3.0);
        }
    CHECK(bad == 0);
    CHECK_FAILS(ctx, ks_array_assign(ctx, &b, &v, KS_CASTING_SAME_KIND), KS_ETYPE,
                "Cannot cast array data from dtype('float64') to dtype('int32') according to the "
                "rule 'same_kind'");

    /* broadcasting a row into a matrix; a shape that does not broadcast */
    ks_array row;
    const ptrdiff_t four = 4, five = 5;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_COMPLEX128, 1, &four, KS_ORDER_C, &row));
    for (int i = 0; i < 4; i++) ((double complex *)row.data)[i] = i + 2.0 * I;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT32, 2, shape, KS_ORDER_C, &c));
    CHECK_OK(ctx, ks_array_assign(ctx, &c, &row, KS_CASTING_UNSAFE));
    CHECK(((float *)c.data)[4 * 2 + 3] == 3.0f);
    ks_array_release(&row);
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &five, KS_ORDER_C, &row));
    CHECK_FAILS(ctx, ks_array_assign(ctx, &c, &row, KS_CASTING_UNSAFE), KS_EINVAL,
                "could not broadcast input array from shape (5,) into shape (3,4)");
    ks_array_release(&row);

    /* a view keeps the buffer alive after its parent is released */
    ks_array_release(&a);
    CHECK(((double *)v.data)[0] == 0.0 * 0.5 - 3.0 + 1.5);
    ks_array_release(&v);
    ks_array_release(&b);
    ks_array_release(&c);
    ks_array_release(&c); /* releasing an empty struct is fine */

    /* overlapping assignment: a[1:] = a[:-1] copies the source first, as NumPy */
    const ptrdiff_t n10 = 10;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &n10, KS_ORDER_C, &a));
    fill_f64(&a);
    ks_array dst, src;
    ks_array_ref(&a, &dst);
    ks_array_ref(&a, &src);
    dst.shape[0] = src.shape[0] = 9;
    dst.data += 8;
    CHECK_OK(ctx, ks_array_assign(ctx, &dst, &src, KS_CASTING_SAFE));
    CHECK(((double *)a.data)[9] == 8 * 0.5 - 3.0);
    ks_array_release(&dst);
    ks_array_release(&src);
    ks_array_release(&a);

    /* bad shapes */
    const ptrdiff_t neg = -1;
    CHECK_FAILS(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &neg, KS_ORDER_C, &a), KS_EINVAL,
                "negative dimensions are not allowed");
    const ptrdiff_t huge[2] = {PTRDIFF_MAX / 4, 8};
    CHECK_FAILS(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, huge, KS_ORDER_C, &a), KS_EOVERFLOW,
                "too big");
    CHECK(a.data == NULL && a.base == NULL);
}

/* Large casts: chunked, on threads, the same for any thread count; the cache reuses blocks. */
static void test_large(ks_ctx *ctx)
{
    const ptrdiff_t shape[2] = {3, 400001};
    ks_array a, b1, b2;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, shape, KS_ORDER_C, &a));
    fill_f64(&a);
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 0));
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_FLOAT32, KS_CASTING_SAME_KIND, &b1));
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 1));
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_FLOAT32, KS_CASTING_SAME_KIND, &b2));
    CHECK(memcmp(b1.data, b2.data, (size_t)ks_array_size(&a) * 4) == 0);
    CHECK(((float *)b1.data)[400001 * 2 + 7] == (float)((400001 * 2 + 7) * 0.5 - 3.0));
    char *was = b2.data;
    ks_array_release(&b2);
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_FLOAT32, KS_CASTING_SAME_KIND, &b2));
    CHECK(b2.data == was); /* the freed block came back */
    ks_array_release(&b1);
    ks_array_release(&b2);
    ks_array_release(&a);
    CHECK_OK(ctx, ks_ctx_set_threads(ctx, 0));
    CHECK_OK(ctx, ks_ctx_set_thread_min_work(ctx, 1e6));
}

static void release_flag(void *arg) { *(int *)arg = 1; }

static void test_wrap(ks_ctx *ctx)
{
    double mem[6] = {1, 2, 3, 4, 5, 6};
    int released = 0;
    const ptrdiff_t shape[2] = {2, 3}, strides[2] = {8, 16}; /* Fortran order */
    ks_array a, b;
    CHECK_OK(ctx, ks_array_wrap(ctx, mem, KS_FLOAT64, 2, shape, strides, false, release_flag,
                                &released, &a));
    CHECK(ks_array_is_f_contiguous(&a) && !(a.flags & KS_ARRAY_WRITEABLE));
    CHECK_OK(ctx, ks_array_copy(ctx, &a, KS_ORDER_C, &b));
    CHECK(((double *)b.data)[1] == 3.0 && ((double *)b.data)[3] == 2.0);
    CHECK(!ks_array_may_share_memory(&a, &b));
    CHECK_FAILS(ctx, ks_array_assign(ctx, &a, &b, KS_CASTING_SAFE), KS_EINVAL, "read-only");
    ks_array c;
    ks_array_ref(&a, &c);
    ks_array_release(&a);
    CHECK(released == 0);
    ks_array_release(&c);
    CHECK(released == 1);
    ks_array_release(&b);
}

/* a @ b against a direct sum, for C, transposed and strided operands, 1-d operands, broadcast
 * stacks, and the integer, bool and complex paths. */
static double at2(const ks_array *a, ptrdiff_t i, ptrdiff_t j)
{
    const char *p = a->data + i * a->strides[a->ndim - 2] + j * a->strides[a->ndim - 1];
    switch (a->dtype) {
    case KS_INT32: return *(const int32_t *)p;
    case KS_FLOAT32: return *(const float *)p;
    default: return *(const double *)p;
    }
}

static void check_product(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_dtype want)
{
    ks_array c;
    CHECK_OK(ctx, ks_array_matmul(ctx, a, b, &c));
    CHECK(c.dtype == want);
    const ptrdiff_t n = a->shape[0], k = a->shape[1], m = b->shape[1];
    CHECK(c.ndim == 2 && c.shape[0] == n && c.shape[1] == m);
    double worst = 0;
    for (ptrdiff_t i = 0; i < n; i++)
        for (ptrdiff_t j = 0; j < m; j++) {
            double s = 0;
            for (ptrdiff_t q = 0; q < k; q++) s += at2(a, i, q) * at2(b, q, j);
            const double d = fabs(at2(&c, i, j) - s);
            if (d > worst) worst = d;
        }
    CHECK(worst < 1e-9);
    ks_array_release(&c);
}

static void test_matmul(ks_ctx *ctx)
{
    const ptrdiff_t sa[2] = {5, 7}, sb[2] = {7, 3};
    ks_array a, b, at, bt;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, sa, KS_ORDER_C, &a));
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, sb, KS_ORDER_F, &b));
    for (int i = 0; i < 35; i++) ((double *)a.data)[i] = sin(i + 1.0);
    for (int i = 0; i < 21; i++) ((double *)b.data)[i] = cos(i * 0.7);
    check_product(ctx, &a, &b, KS_FLOAT64); /* C @ F */
    /* transposed views: (a.T).T and a reversed-row view, which BLAS cannot read (copied) */
    ks_array_ref(&a, &at);
    at.strides[0] = -a.strides[0];
    at.data += 4 * a.strides[0];
    check_product(ctx, &at, &b, KS_FLOAT64);
    ks_array_release(&at);
    /* int32 and float32 */
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_INT32, KS_CASTING_UNSAFE, &at));
    CHECK_OK(ctx, ks_array_astype(ctx, &b, KS_INT32, KS_CASTING_UNSAFE, &bt));
    check_product(ctx, &at, &bt, KS_INT32);
    ks_array_release(&bt);
    CHECK_OK(ctx, ks_array_astype(ctx, &b, KS_FLOAT32, KS_CASTING_UNSAFE, &bt));
    check_product(ctx, &at, &bt, KS_FLOAT64); /* int32 with float32 promotes to float64 */
    ks_array_release(&at);
    ks_array_release(&bt);
    /* 1-d @ 2-d drops the axis; mismatched core dimensions */
    ks_array v, c;
    const ptrdiff_t five = 5;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, &five, KS_ORDER_C, &v));
    for (int i = 0; i < 5; i++) ((double *)v.data)[i] = i;
    CHECK_OK(ctx, ks_array_matmul(ctx, &v, &a, &c));
    CHECK(c.ndim == 1 && c.shape[0] == 7);
    double s = 0;
    for (int i = 0; i < 5; i++) s += i * ((double *)a.data)[i * 7 + 2];
    CHECK(fabs(((double *)c.data)[2] - s) < 1e-12);
    ks_array_release(&c);
    CHECK_FAILS(ctx, ks_array_matmul(ctx, &a, &v, &c), KS_EINVAL,
                "mismatch in its core dimension 0, with gufunc signature (n?,k),(k,m?)->(n?,m?) "
                "(size 5 is different from 7)");
    CHECK(c.data == NULL);
    ks_array_release(&v);
    /* a stack of 2 broadcast against one matrix */
    const ptrdiff_t s3[3] = {2, 5, 7};
    ks_array st;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 3, s3, KS_ORDER_C, &st));
    for (int i = 0; i < 70; i++)
        ((double *)st.data)[i] = i % 35 == i ? ((double *)a.data)[i] : -((double *)a.data)[i - 35];
    CHECK_OK(ctx, ks_array_matmul(ctx, &st, &b, &c));
    CHECK(c.ndim == 3 && c.shape[0] == 2 && c.shape[1] == 5 && c.shape[2] == 3);
    CHECK(((double *)c.data)[15 + 4] == -((double *)c.data)[4]);
    ks_array_release(&c);
    ks_array_release(&st);
    ks_array_release(&a);
    ks_array_release(&b);
}

/* ks_ufunc_call's own work: promotion with a weak scalar, out= of another dtype, where=,
 * an output overlapping its input, and NumPy's errors. */
static void test_ufunc_call(ks_ctx *ctx)
{
    const ptrdiff_t n = 6;
    ks_array a, r, out, mask;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT8, 1, &n, KS_ORDER_C, &a));
    for (int i = 0; i < 6; i++) ((int8_t *)a.data)[i] = (int8_t)(120 + i);
    int64_t ten = 10;
    ks_array s = {0};
    s.data = (char *)&ten, s.dtype = KS_INT64, s.flags = KS_ARRAY_WEAK; /* lent, on the stack */
    const ks_array *as[2] = {&a, &s};
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, as, NULL, &r));
    CHECK(r.dtype == KS_INT8 && ((int8_t *)r.data)[0] == (int8_t)-126); /* wraps, as NumPy */
    ks_array_release(&r);
    ten = 300;
    CHECK_FAILS(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, as, NULL, &r), KS_EOVERFLOW,
                "Python integer 300 out of bounds for int8");
    const ks_array *sa[2] = {&s, &a};
    CHECK_OK(ctx,
             ks_ufunc_call(ctx, KS_UFUNC_DIVIDE, sa, NULL, &r)); /* 300 / int8: a float64 loop */
    CHECK(r.dtype == KS_FLOAT64 && ((double *)r.data)[0] == 300.0 / 120.0);
    ks_array_release(&r);
    CHECK(r.data == NULL);
    /* out= float32 with where=: unmasked elements keep their value */
    ten = 1;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT32, 1, &n, KS_ORDER_C, &out));
    CHECK_OK(ctx, ks_array_empty(ctx, KS_BOOL, 1, &n, KS_ORDER_C, &mask));
    for (int i = 0; i < 6; i++) ((float *)out.data)[i] = -1.0f, mask.data[i] = (char)(i % 2);
    ks_ufunc_options o = KS_UFUNC_OPTIONS_INIT;
    o.out = &out;
    o.where = &mask;
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, as, &o, &r));
    CHECK(r.data == out.data && ((float *)out.data)[0] == -1.0f &&
          ((float *)out.data)[1] == 122.0f);
    ks_array_release(&r);
    o.casting = KS_CASTING_SAFE; /* int8 result to float32 is safe */
    o.where = NULL;
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, as, &o, &r));
    ks_array_release(&r);
    ks_array out8;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_UINT8, 1, &n, KS_ORDER_C, &out8));
    o.out = &out8;
    o.casting = KS_CASTING_SAME_KIND;
    CHECK_FAILS(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, as, &o, &r), KS_ETYPE,
                "Cannot cast ufunc 'add' output from dtype('int8') to dtype('uint8') with casting "
                "rule 'same_kind'");
    ks_array_release(&out8);
    /* an output overlapping its input one element along: a[1:] = a[1:] + a[:-1] */
    ks_array lo, hi;
    ks_array_ref(&a, &lo);
    ks_array_ref(&a, &hi);
    lo.shape[0] = hi.shape[0] = 5;
    hi.data += 1;
    const ks_array *lh[2] = {&hi, &lo};
    o = (ks_ufunc_options)KS_UFUNC_OPTIONS_INIT;
    o.out = &hi;
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_SUBTRACT, lh, &o, &r));
    ks_array_release(&r);
    int ones = 0;
    for (int i = 1; i < 6; i++) ones += ((int8_t *)a.data)[i] == 1;
    CHECK(ones == 5);
    ks_array_release(&lo);
    ks_array_release(&hi);
    /* NumPy's errors: no loop for floats in a bitwise function; shapes that do not broadcast */
    ks_array f;
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_FLOAT64, KS_CASTING_SAFE, &f));
    const ks_array *ff[2] = {&f, &f};
    CHECK_FAILS(ctx, ks_ufunc_call(ctx, KS_UFUNC_BITWISE_AND, ff, NULL, &r), KS_ETYPE,
                "ufunc 'bitwise_and' not supported for the input types");
    const ks_array *fm[2] = {&f, &mask};
    ks_array m5 = mask;
    m5.shape[0] = 5;
    fm[1] = &m5;
    CHECK_FAILS(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, fm, NULL, &r), KS_EINVAL,
                "operands could not be broadcast together with shapes (6,) (5,)");
    ks_array_release(&f);
    ks_array_release(&a);
    ks_array_release(&out);
    ks_array_release(&mask);

    /* operands at an odd byte offset (UBSan would flag a misaligned read in a loop) */
    unsigned char raw[8 * 5 + 1];
    for (int i = 0; i < 5; i++) {
        const double v = i + 0.5;
        memcpy(raw + 1 + 8 * i, &v, 8);
    }
    ks_array u;
    CHECK_OK(ctx, ks_array_wrap(ctx, raw + 1, KS_FLOAT64, 1, (ptrdiff_t[]){5}, NULL, true, NULL,
                                NULL, &u));
    const ks_array *uu[2] = {&u, &u};
    o = (ks_ufunc_options)KS_UFUNC_OPTIONS_INIT;
    o.out = &u;
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_MULTIPLY, uu, &o, &r));
    ks_array_release(&r);
    double v4;
    memcpy(&v4, raw + 1 + 32, 8);
    CHECK(v4 == 4.5 * 4.5);
    ks_array_release(&u);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_promotion(ctx);
    test_buffers_and_assign(ctx);
    test_large(ctx);
    test_wrap(ctx);
    test_matmul(ctx);
    test_ufunc_call(ctx);
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
