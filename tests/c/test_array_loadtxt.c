/* The array library's text files through the C API: loadtxt's parsing rules (blank runs,
 * delimiters, comments, skiprows, max_rows, usecols, ndmin / unpack shapes, dtypes, exact
 * doubles) and errors naming file, line, row and column; savetxt's bytes for the common formats
 * and its refusals leaving no file; unique along an axis and take / put_along_axis by their
 * definitions. tests/python/test_nd_loadtxt.py compares all of it with NumPy itself. */
#include <stdlib.h>

#include "ktest.h"

static ks_ctx *ctx;

static ks_array load(const char *text, const ks_array_loadtxt_options *o)
{
    ks_array a = {0};
    CHECK_OK(ctx, ks_array_loadtxt_mem(ctx, "t.txt", text, strlen(text), o, &a));
    return a;
}

static double d(const ks_array *a, ptrdiff_t i)
{
    return ((const double *)(const void *)a->data)[i];
}

static void parsing(void)
{
    ks_array a = load("# c\n 1  2\t3 \r\n\n4 5 6 # x\n", NULL);
    CHECK(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 3 && d(&a, 5) == 6.0);
    ks_array_release(&a);
    a = load("0.1 1e23 -nan inf\n", NULL);
    CHECK(a.ndim == 1 && a.shape[0] == 4 && d(&a, 0) == 0.1 && d(&a, 1) == 1e23 &&
          isnan(d(&a, 2)) && isinf(d(&a, 3)));
    ks_array_release(&a);
    ks_array_loadtxt_options o = KS_ARRAY_LOADTXT_OPTIONS_INIT;
    const ptrdiff_t cols[2] = {-1, 0};
    o.delimiter = ",";
    o.usecols = cols;
    o.nusecols = 2;
    o.skiprows = 1;
    o.max_rows = 2;
    a = load("9,9,9\n1,2,3\n4,5,6\n7,8,9\n", &o);
    CHECK(a.ndim == 2 && a.shape[0] == 2 && a.shape[1] == 2 && d(&a, 0) == 3.0 && d(&a, 3) == 4.0);
    ks_array_release(&a);
    o = (ks_array_loadtxt_options)KS_ARRAY_LOADTXT_OPTIONS_INIT;
    o.ndmin = 2;
    o.unpack = true;
    a = load("1\n2\n3\n", &o); /* (3, 1) transposed */
    CHECK(a.ndim == 2 && a.shape[0] == 1 && a.shape[1] == 3);
    ks_array_release(&a);
    o = (ks_array_loadtxt_options)KS_ARRAY_LOADTXT_OPTIONS_INIT;
    o.dtype = KS_INT8;
    a = load("-128 127\n", &o);
    CHECK(a.dtype == KS_INT8 && ((int8_t *)a.data)[0] == -128 && ((int8_t *)a.data)[1] == 127);
    ks_array_release(&a);
    CHECK_FAILS(ctx, ks_array_loadtxt_mem(ctx, "t.txt", "128\n", 4, &o, &a), KS_EPARSE,
                "t.txt:1: could not convert string '128' to int8 at row 0, column 1.");
    o.dtype = KS_COMPLEX128;
    a = load("(1-2j) 3e1+4j\n", &o);
    CHECK(d(&a, 0) == 1.0 && d(&a, 1) == -2.0 && d(&a, 2) == 30.0 && d(&a, 3) == 4.0);
    ks_array_release(&a);
    a = load("", NULL);
    CHECK(a.ndim == 1 && a.shape[0] == 0);
    ks_array_release(&a);
    CHECK_FAILS(ctx, ks_array_loadtxt_mem(ctx, "t.txt", "1 2\n\n3\n", 7, NULL, &a), KS_EPARSE,
                "t.txt:3: the number of columns changed from 2 to 1 at row 2;");
    CHECK_FAILS(ctx, ks_array_loadtxt_mem(ctx, "t.txt", "1 2\n3 0x1\n", 10, NULL, &a), KS_EPARSE,
                "could not convert string '0x1' to float64 at row 1, column 2.");
    CHECK_FAILS(ctx, ks_array_loadtxt(ctx, "/nonexistent/k.txt", NULL, &a), KS_EIO, "k.txt");
}

static void writing(void)
{
    double v[4] = {1.5, -0.25, NAN, 1234.5};
    ks_array a;
    const ptrdiff_t s22[2] = {2, 2};
    CHECK_OK(ctx, ks_array_wrap(ctx, v, KS_FLOAT64, 2, s22, NULL, false, NULL, NULL, &a));
    char *text;
    size_t len;
    CHECK_OK(ctx, ks_array_savetxt_mem(ctx, &a, NULL, &text, &len));
    CHECK(!strcmp(text, "1.500000000000000000e+00 -2.500000000000000000e-01\n"
                        "nan 1.234500000000000000e+03\n"));
    ks_string_free(text);
    ks_array_savetxt_options o = KS_ARRAY_SAVETXT_OPTIONS_INIT;
    o.fmt = "%08.2f";
    o.delimiter = ",";
    o.header = "a\nb";
    CHECK_OK(ctx, ks_array_savetxt_mem(ctx, &a, &o, &text, &len));
    CHECK(!strcmp(text, "# a\n# b\n00001.50,-0000.25\n00000nan,01234.50\n"));
    ks_string_free(text);
    const char *path = ktest_tmpfile(".txt", "old", 3);
    o.fmt = "%s";
    CHECK_FAILS(ctx, ks_array_savetxt(ctx, path, &a, &o), KS_EINVAL, "unsupported format '%s'");
    size_t n;
    char *kept = ktest_slurp(path, &n);
    CHECK(n == 3 && !memcmp(kept, "old", 3)); /* the failed write left the file as it was */
    free(kept);
    o = (ks_array_savetxt_options)KS_ARRAY_SAVETXT_OPTIONS_INIT;
    o.fmt = "%d";
    CHECK_FAILS(ctx, ks_array_savetxt_mem(ctx, &a, &o, &text, &len), KS_EINVAL, "NaN");
    ks_array_release(&a);
}

static void along_and_unique(void)
{
    double v[6] = {3, 1, 2, 3, 1, 2};
    int64_t ix[2] = {2, -1};
    ks_array a, i, t, u[4];
    const ptrdiff_t s23[2] = {2, 3}, s21[2] = {2, 1};
    CHECK_OK(ctx, ks_array_wrap(ctx, v, KS_FLOAT64, 2, s23, NULL, true, NULL, NULL, &a));
    CHECK_OK(ctx, ks_array_wrap(ctx, ix, KS_INT64, 2, s21, NULL, false, NULL, NULL, &i));
    CHECK_OK(ctx, ks_array_take_along_axis(ctx, &a, &i, 1, &t));
    CHECK(t.shape[0] == 2 && t.shape[1] == 1 && d(&t, 0) == 2.0 && d(&t, 1) == 2.0);
    ks_array_release(&t);
    ks_array seven;
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, 7.0, 0.0, &seven));
    CHECK_OK(ctx, ks_array_put_along_axis(ctx, &a, &i, &seven, 1));
    CHECK(v[2] == 7.0 && v[5] == 7.0 && v[0] == 3.0);
    ix[0] = 3;
    CHECK_FAILS(ctx, ks_array_put_along_axis(ctx, &a, &i, &seven, 1), KS_EINVAL,
                "index 3 is out of bounds for axis 1 with size 3");
    /* rows (3, 1, 7) twice: one row, counted twice */
    CHECK_OK(ctx, ks_array_unique_axis(ctx, &a, 0, KS_UNIQUE_COUNTS | KS_UNIQUE_INVERSE, &u[0],
                                       NULL, &u[2], &u[3]));
    CHECK(u[0].shape[0] == 1 && u[0].shape[1] == 3 && ((int64_t *)(void *)u[3].data)[0] == 2);
    /* columns 3, 1, 7 (each twice): sorted 1, 3, 7 */
    ks_array_release(&u[0]);
    ks_array_release(&u[2]);
    ks_array_release(&u[3]);
    CHECK_OK(ctx, ks_array_unique_axis(ctx, &a, 1, KS_UNIQUE_INDEX, &u[0], &u[1], NULL, NULL));
    CHECK(u[0].shape[1] == 3 && ((double *)(void *)u[0].data)[0] == 1.0 &&
          ((int64_t *)(void *)u[1].data)[0] == 1);
    ks_array_release(&u[0]);
    ks_array_release(&u[1]);
    ks_array_release(&seven);
    ks_array_release(&i);
    ks_array_release(&a);
}

int main(void)
{
    CHECK(ks_ctx_new(&ctx) == KS_OK);
    parsing();
    writing();
    along_and_unique();
    ks_ctx_free(ctx);
    return ktest_finish("array_loadtxt");
}
