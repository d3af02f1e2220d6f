/* The FFT and convolve / correlate against direct sums: every length 1..256 and larger primes,
 * products and powers against a DFT computed in long double (fft, ifft, rfft, irfft, float64
 * and float32), round trips, Parseval and linearity at lengths too long for the direct sum,
 * lines along every axis of strided 3-d arrays against 1-d transforms, zero-padding and
 * truncation, the three norms, identical results for 1 and 2 threads, the errors, and the
 * modes and swaps of convolve and correlate. tests/python/test_nd_fft.py compares with NumPy. */
#include <stdlib.h>

#include "ktest.h"

static void vec(ks_ctx *ctx, ks_dtype t, ptrdiff_t n, ks_array *out)
{
    CHECK_OK(ctx, ks_array_empty(ctx, t, 1, &n, KS_ORDER_C, out));
    const size_t m = (size_t)n * (ks_dtype_kind(t) == 'c' ? 2 : 1);
    for (size_t i = 0; i < m; i++) {
        if (t == KS_FLOAT32 || t == KS_COMPLEX64)
            ((float *)(void *)out->data)[i] = (float)(2.0 * ktest_unif() - 1.0);
        else
            ((double *)(void *)out->data)[i] = (2.0 * ktest_unif() - 1.0);
    }
}

/* x (complex, re/im interleaved) of length n transformed directly in long double (the roots of
 * unity from a table of n sincosl values, indexed by j k mod n). */
static void dft(const long double *x, size_t n, int sign, long double *y)
{
    const long double pi2 = 6.283185307179586476925286766559005768L;
    long double *cs = malloc(2 * n * sizeof *cs);
    for (size_t k = 0; k < n; k++) {
        const long double a = pi2 * (long double)k / (long double)n;
        cs[2 * k] = cosl(a), cs[2 * k + 1] = sign * sinl(a);
    }
    for (size_t k = 0; k < n; k++) {
        long double sr = 0, si = 0;
        size_t jk = 0;
        for (size_t j = 0; j < n; j++) {
            const long double c = cs[2 * jk], s = cs[2 * jk + 1];
            sr += x[2 * j] * c - x[2 * j + 1] * s;
            si += x[2 * j] * s + x[2 * j + 1] * c;
            jk += k;
            if (jk >= n) jk -= n;
        }
        y[2 * k] = sr, y[2 * k + 1] = si;
    }
    free(cs);
}

/* Element k of a 1-d complex / real array as long double parts. */
static void get(const ks_array *a, ptrdiff_t k, long double *re, long double *im)
{
    const char *p = a->data + k * a->strides[0];
    switch (a->dtype) {
    case KS_COMPLEX128:
        *re = ((const double *)(const void *)p)[0], *im = ((const double *)(const void *)p)[1];
        break;
    case KS_COMPLEX64:
        *re = ((const float *)(const void *)p)[0], *im = ((const float *)(const void *)p)[1];
        break;
    case KS_FLOAT64: *re = *(const double *)(const void *)p, *im = 0; break;
    default: *re = *(const float *)(const void *)p, *im = 0; break;
    }
}

/* max |a - ref| / max |ref| over m outputs (ref interleaved). */
static double rel_err(const ks_array *a, const long double *ref, size_t m)
{
    long double big = 0, err = 0;
    for (size_t k = 0; k < m; k++) {
        long double re, im;
        get(a, (ptrdiff_t)k, &re, &im);
        const long double e = hypotl(re - ref[2 * k], im - ref[2 * k + 1]);
        const long double r = hypotl(ref[2 * k], ref[2 * k + 1]);
        err = e > err ? e : err;
        big = r > big ? r : big;
    }
    return big > 0 ? (double)(err / big) : (double)err;
}

/* fft, ifft, rfft, irfft of length n against the long double DFT. */
static void check_length(ks_ctx *ctx, size_t n, bool f32, double tol)
{
    const ks_dtype ct = f32 ? KS_COMPLEX64 : KS_COMPLEX128, rt = f32 ? KS_FLOAT32 : KS_FLOAT64;
    long double *x = malloc(4 * n * sizeof *x), *y = x + 2 * n;
    ks_array a, r, o;
    /* complex, both directions */
    vec(ctx, ct, (ptrdiff_t)n, &a);
    for (size_t k = 0; k < n; k++) get(&a, (ptrdiff_t)k, &x[2 * k], &x[2 * k + 1]);
    for (int inv = 0; inv < 2; inv++) {
        dft(x, n, inv ? 1 : -1, y);
        if (inv)
            for (size_t k = 0; k < 2 * n; k++) y[k] /= (long double)n;
        CHECK_OK(ctx, ks_array_fft(ctx, &a, -1, 0, inv, KS_FFT_NORM_BACKWARD, &o));
        CHECK(o.dtype == ct);
        const double e = rel_err(&o, y, n);
        if (!(e < tol)) fprintf(stderr, "fft n=%zu f32=%d inverse=%d: error %g\n", n, f32, inv, e);
        CHECK(e < tol);
        ks_array_release(&o);
    }
    ks_array_release(&a);
    /* real: fft of real input, rfft, irfft back */
    vec(ctx, rt, (ptrdiff_t)n, &a);
    for (size_t k = 0; k < n; k++) get(&a, (ptrdiff_t)k, &x[2 * k], &x[2 * k + 1]);
    dft(x, n, -1, y);
    CHECK_OK(ctx, ks_array_fft(ctx, &a, -1, 0, false, KS_FFT_NORM_BACKWARD, &o));
    double e = rel_err(&o, y, n);
    if (!(e < tol)) fprintf(stderr, "fft(real) n=%zu f32=%d: error %g\n", n, f32, e);
    CHECK(e < tol);
    ks_array_release(&o);
    CHECK_OK(ctx, ks_array_rfft(ctx, &a, -1, 0, KS_FFT_NORM_BACKWARD, &r));
    CHECK(r.shape[0] == (ptrdiff_t)(n / 2 + 1) && r.dtype == ct);
    e = rel_err(&r, y, n / 2 + 1);
    if (!(e < tol)) fprintf(stderr, "rfft n=%zu f32=%d: error %g\n", n, f32, e);
    CHECK(e < tol);
    CHECK_OK(ctx, ks_array_irfft(ctx, &r, (ptrdiff_t)n, 0, KS_FFT_NORM_BACKWARD, &o));
    CHECK(o.shape[0] == (ptrdiff_t)n && o.dtype == rt);
    e = rel_err(&o, x, n);
    if (!(e < tol)) fprintf(stderr, "irfft n=%zu f32=%d: error %g\n", n, f32, e);
    CHECK(e < tol);
    ks_array_release(&o);
    ks_array_release(&r);
    ks_array_release(&a);
    free(x);
}

/* Lengths too long for the direct sum: the round trip, Parseval and linearity. */
static void check_long(ks_ctx *ctx, size_t n)
{
    ks_array a, b, fa, fb, back, s, fs;
    vec(ctx, KS_COMPLEX128, (ptrdiff_t)n, &a);
    vec(ctx, KS_COMPLEX128, (ptrdiff_t)n, &b);
    CHECK_OK(ctx, ks_array_fft(ctx, &a, -1, 0, false, KS_FFT_NORM_BACKWARD, &fa));
    CHECK_OK(ctx, ks_array_fft(ctx, &b, -1, 0, false, KS_FFT_NORM_BACKWARD, &fb));
    CHECK_OK(ctx, ks_array_fft(ctx, &fa, -1, 0, true, KS_FFT_NORM_BACKWARD, &back));
    const double *x = (const double *)(void *)a.data, *y = (const double *)(void *)back.data,
                 *X = (const double *)(void *)fa.data, *Y = (const double *)(void *)fb.data;
    double err = 0, ex = 0, eX = 0;
    for (size_t k = 0; k < 2 * n; k++) {
        err = fmax(err, fabs(x[k] - y[k]));
        ex += x[k] * x[k];
        eX += X[k] * X[k];
    }
    if (!(err < 1e-14)) fprintf(stderr, "round trip n=%zu: error %g\n", n, err);
    CHECK(err < 1e-14);
    CHECK_NEAR(eX / (double)n, ex, 1e-12);
    /* fft(a + 2b) = fft(a) + 2 fft(b) */
    const ks_array *in[2] = {&a, &b};
    ks_array two;
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_FLOAT64, 2.0, 0.0, &two));
    ks_array b2;
    const ks_array *in2[2] = {&b, &two};
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_MULTIPLY, in2, NULL, &b2));
    in[1] = &b2;
    CHECK_OK(ctx, ks_ufunc_call(ctx, KS_UFUNC_ADD, in, NULL, &s));
    CHECK_OK(ctx, ks_array_fft(ctx, &s, -1, 0, false, KS_FFT_NORM_BACKWARD, &fs));
    const double *S = (const double *)(void *)fs.data;
    double lin = 0, big = 0;
    for (size_t k = 0; k < 2 * n; k++) {
        lin = fmax(lin, fabs(S[k] - (X[k] + 2 * Y[k])));
        big = fmax(big, fabs(S[k]));
    }
    CHECK(lin < 1e-13 * big);
    ks_array *all[] = {&a, &b, &fa, &fb, &back, &s, &fs, &two, &b2};
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) ks_array_release(all[i]);
}

/* Every axis of a strided 3-d array (a transposed, stepped view) against the 1-d transform of
 * each line, with n padding or truncating. */
static void check_axes(ks_ctx *ctx)
{
    ks_array base, v, o, line, lo;
    const ptrdiff_t shape[3] = {6, 10, 14};
    CHECK_OK(ctx, ks_array_empty(ctx, KS_COMPLEX128, 3, shape, KS_ORDER_C, &base));
    for (ptrdiff_t i = 0; i < 2 * 6 * 10 * 14; i++)
        ((double *)(void *)base.data)[i] = (2.0 * ktest_unif() - 1.0);
    /* view: axes reversed and the middle one stepped by 2, counted backwards */
    CHECK_OK(ctx, ks_array_transpose(ctx, &base, NULL, &v));
    v.shape[1] = 5;
    v.strides[1] *= -2;
    v.data += 9 * base.strides[1];
    const ptrdiff_t ns[] = {-1, 3, 17};
    for (int axis = 0; axis < 3; axis++)
        for (int q = 0; q < 3; q++) {
            CHECK_OK(ctx, ks_array_fft(ctx, &v, ns[q], axis, false, KS_FFT_NORM_ORTHO, &o));
            const ptrdiff_t n = ns[q] < 0 ? v.shape[axis] : ns[q];
            CHECK(o.shape[axis] == n);
            /* the line at index 1 of both other axes */
            line = v;
            line.ndim = 1;
            line.data = v.data;
            for (int d = 0; d < 3; d++)
                if (d != axis) line.data += v.strides[d];
            line.shape[0] = v.shape[axis];
            line.strides[0] = v.strides[axis];
            line.base = NULL;
            CHECK_OK(ctx, ks_array_fft(ctx, &line, ns[q], 0, false, KS_FFT_NORM_ORTHO, &lo));
            const char *p = o.data;
            for (int d = 0; d < 3; d++)
                if (d != axis) p += o.strides[d];
            double err = 0;
            for (ptrdiff_t k = 0; k < n; k++) {
                const double *g = (const double *)(const void *)(p + k * o.strides[axis]);
                const double *w = (const double *)(void *)(lo.data + k * lo.strides[0]);
                err = fmax(err, fabs(g[0] - w[0]) + fabs(g[1] - w[1]));
            }
            CHECK(err == 0);
            ks_array_release(&o);
            ks_array_release(&lo);
        }
    ks_array_release(&v);
    ks_array_release(&base);
}

/* Real lines of odd length go through the complex transform two at a time: each against the
 * transform of that line alone (checked against the DFT above), an odd count of lines too. */
static void check_pairs(ks_ctx *ctx)
{
    const ptrdiff_t shape[2] = {5, 21};
    ks_array a, o, line, lo;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, shape, KS_ORDER_C, &a));
    for (ptrdiff_t i = 0; i < 5 * 21; i++)
        ((double *)(void *)a.data)[i] = (2.0 * ktest_unif() - 1.0);
    for (int full = 0; full < 2; full++) {
        if (full)
            CHECK_OK(ctx, ks_array_fft(ctx, &a, -1, 1, true, KS_FFT_NORM_BACKWARD, &o));
        else
            CHECK_OK(ctx, ks_array_rfft(ctx, &a, 19, 1, KS_FFT_NORM_BACKWARD, &o));
        for (ptrdiff_t r = 0; r < 5; r++) {
            line = a;
            line.ndim = 1;
            line.data = a.data + r * a.strides[0];
            line.shape[0] = 21;
            line.strides[0] = a.strides[1];
            line.base = NULL;
            if (full)
                CHECK_OK(ctx, ks_array_fft(ctx, &line, -1, 0, true, KS_FFT_NORM_BACKWARD, &lo));
            else
                CHECK_OK(ctx, ks_array_rfft(ctx, &line, 19, 0, KS_FFT_NORM_BACKWARD, &lo));
            double err = 0, big = 0;
            for (ptrdiff_t k = 0; k < lo.shape[0]; k++) {
                const double *g =
                    (const double *)(void *)(o.data + r * o.strides[0] + k * o.strides[1]);
                const double *w = (const double *)(void *)(lo.data + k * lo.strides[0]);
                err = fmax(err, fabs(g[0] - w[0]) + fabs(g[1] - w[1]));
                big = fmax(big, fabs(w[0]) + fabs(w[1]));
            }
            CHECK(o.shape[1] == lo.shape[0] && err <= 1e-14 * big);
            ks_array_release(&lo);
        }
        ks_array_release(&o);
    }
    ks_array_release(&a);
}

/* norms: ortho scales both directions by 1/sqrt(n), forward the forward by 1/n. */
static void check_norms(ks_ctx *ctx)
{
    ks_array a, b, f;
    vec(ctx, KS_COMPLEX128, 12, &a);
    CHECK_OK(ctx, ks_array_fft(ctx, &a, -1, 0, false, KS_FFT_NORM_BACKWARD, &b));
    const ks_fft_norm norms[2] = {KS_FFT_NORM_ORTHO, KS_FFT_NORM_FORWARD};
    const double f_of[2] = {1 / sqrt(12.0), 1 / 12.0};
    for (int q = 0; q < 2; q++) {
        CHECK_OK(ctx, ks_array_fft(ctx, &a, -1, 0, false, norms[q], &f));
        for (int k = 0; k < 24; k++)
            CHECK_NEAR(((double *)(void *)f.data)[k], ((double *)(void *)b.data)[k] * f_of[q],
                       1e-15);
        ks_array_release(&f);
    }
    ks_fft_norm nv;
    CHECK_OK(ctx, ks_fft_norm_value(ctx, "ortho", &nv));
    CHECK(nv == KS_FFT_NORM_ORTHO && !strcmp(ks_fft_norm_name(KS_FFT_NORM_FORWARD), "forward"));
    CHECK_FAILS(ctx, ks_fft_norm_value(ctx, "bogus", &nv), KS_EINVAL, "bogus");
    ks_array_release(&a);
    ks_array_release(&b);
}

/* 1 and 2 threads give the same bits: many lines, and one long line split by passes. */
static void check_threads(void)
{
    ks_ctx *c1 = NULL, *c2 = NULL;
    CHECK(ks_ctx_new(&c1) == KS_OK && ks_ctx_new(&c2) == KS_OK);
    CHECK_OK(c1, ks_ctx_set_threads(c1, 1));
    CHECK_OK(c2, ks_ctx_set_threads(c2, 2));
    CHECK_OK(c2, ks_ctx_set_thread_min_work(c2, 0));
    const ptrdiff_t shapes[3][2] = {{64, 100}, {1, 3 * 4096}, {1, 1 << 13}};
    for (int s = 0; s < 3; s++)
        for (int kind = 0; kind < 3; kind++) {
            ks_array a, o1, o2;
            CHECK_OK(c1, ks_array_empty(c1, kind ? KS_FLOAT64 : KS_COMPLEX128, 2, shapes[s],
                                        KS_ORDER_C, &a));
            const ptrdiff_t m = ks_array_size(&a) * (kind ? 1 : 2);
            for (ptrdiff_t i = 0; i < m; i++)
                ((double *)(void *)a.data)[i] = (2.0 * ktest_unif() - 1.0);
            if (kind == 2) {
                CHECK_OK(c1, ks_array_rfft(c1, &a, -1, 1, KS_FFT_NORM_BACKWARD, &o1));
                CHECK_OK(c2, ks_array_rfft(c2, &a, -1, 1, KS_FFT_NORM_BACKWARD, &o2));
            } else {
                CHECK_OK(c1, ks_array_fft(c1, &a, -1, 1, false, KS_FFT_NORM_BACKWARD, &o1));
                CHECK_OK(c2, ks_array_fft(c2, &a, -1, 1, false, KS_FFT_NORM_BACKWARD, &o2));
            }
            CHECK(!memcmp(o1.data, o2.data, (size_t)ks_array_size(&o1) * 16));
            ks_array_release(&a);
            ks_array_release(&o1);
            ks_array_release(&o2);
        }
    ks_ctx_free(c1);
    ks_ctx_free(c2);
}

static void check_errors(ks_ctx *ctx)
{
    ks_array a, c, o;
    vec(ctx, KS_FLOAT64, 8, &a);
    vec(ctx, KS_COMPLEX128, 8, &c);
    CHECK_FAILS(ctx, ks_array_fft(ctx, &a, 0, 0, false, KS_FFT_NORM_BACKWARD, &o), KS_EINVAL,
                "Invalid number of FFT data points (0) specified.");
    CHECK(o.data == NULL);
    CHECK_FAILS(ctx, ks_array_fft(ctx, &a, -1, 1, false, KS_FFT_NORM_BACKWARD, &o), KS_EINVAL,
                "axis 1 is out of bounds for array of dimension 1");
    CHECK_FAILS(ctx, ks_array_rfft(ctx, &c, -1, 0, KS_FFT_NORM_BACKWARD, &o), KS_ETYPE,
                "complex128");
    ks_array one;
    const ptrdiff_t n1 = 1;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_COMPLEX128, 1, &n1, KS_ORDER_C, &one));
    CHECK_FAILS(ctx, ks_array_irfft(ctx, &one, -1, 0, KS_FFT_NORM_BACKWARD, &o), KS_EINVAL,
                "Invalid number of FFT data points (0) specified.");
    /* ints go through float64 */
    ks_array i;
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_INT32, KS_CASTING_UNSAFE, &i));
    CHECK_OK(ctx, ks_array_fft(ctx, &i, -1, 0, false, KS_FFT_NORM_BACKWARD, &o));
    CHECK(o.dtype == KS_COMPLEX128);
    ks_array_release(&o);
    ks_array_release(&i);
    ks_array_release(&one);
    ks_array_release(&a);
    ks_array_release(&c);
}

/* convolve / correlate against the definition, every mode, both orders of lengths. */
static void check_convolve(ks_ctx *ctx)
{
    const ptrdiff_t lens[][2] = {{7, 3}, {3, 7}, {5, 5}, {1, 4}, {9000, 4}, {6, 1}};
    for (size_t q = 0; q < sizeof lens / sizeof *lens; q++)
        for (int corr = 0; corr < 2; corr++)
            for (int mode = 0; mode < 3; mode++) {
                ks_array a, v, o;
                vec(ctx, KS_COMPLEX128, lens[q][0], &a);
                vec(ctx, KS_COMPLEX128, lens[q][1], &v);
                if (corr)
                    CHECK_OK(ctx, ks_array_correlate(ctx, &a, &v, (ks_convolve_mode)mode, &o));
                else
                    CHECK_OK(ctx, ks_array_convolve(ctx, &a, &v, (ks_convolve_mode)mode, &o));
                const ptrdiff_t na = lens[q][0], nv = lens[q][1];
                const ptrdiff_t big = na > nv ? na : nv, small = na > nv ? nv : na;
                const ptrdiff_t len = mode == 0 ? na + nv - 1 : mode == 1 ? big : big - small + 1;
                CHECK(o.shape[0] == len);
                const double *x = (const double *)(void *)a.data,
                             *y = (const double *)(void *)v.data;
                double err = 0;
                for (ptrdiff_t t = 0; t < len && o.shape[0] == len; t++) {
                    /* full-mode index of output t (NumPy: same keeps the middle, left of
                     * centre by (small - 1) / 2; valid from small - 1) */
                    ptrdiff_t k = mode == 0   ? t
                                  : mode == 1 ? t + (small - 1) - (small / 2)
                                              : t + small - 1;
                    if (corr && na < nv && mode == 1) k = t + (small - 1) - (small - 1 - small / 2);
                    double sr = 0, si = 0;
                    for (ptrdiff_t j = 0; j < nv; j++) {
                        /* convolve: a[k - j] v[j]; correlate: a[k - (nv - 1) + j] conj(v[j]) */
                        const ptrdiff_t i = corr ? k - (nv - 1) + j : k - j;
                        if (i < 0 || i >= na) continue;
                        const double vr = y[2 * j], vi = corr ? -y[2 * j + 1] : y[2 * j + 1];
                        sr += x[2 * i] * vr - x[2 * i + 1] * vi;
                        si += x[2 * i] * vi + x[2 * i + 1] * vr;
                    }
                    const double *g = (const double *)(void *)(o.data + t * o.strides[0]);
                    err = fmax(err, fabs(g[0] - sr) + fabs(g[1] - si));
                }
                if (!(err < 1e-12))
                    fprintf(stderr, "conv na=%td nv=%td corr=%d mode=%d: err %g\n", na, nv, corr,
                            mode, err);
                CHECK(err < 1e-12);
                ks_array_release(&a);
                ks_array_release(&v);
                ks_array_release(&o);
            }
    /* integers wrap in their dtype; names; errors */
    ks_array a, v, o;
    const ptrdiff_t n3 = 3;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT8, 1, &n3, KS_ORDER_C, &a));
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT8, 1, &n3, KS_ORDER_C, &v));
    for (int i = 0; i < 3; i++)
        ((int8_t *)(void *)a.data)[i] = 100, ((int8_t *)(void *)v.data)[i] = 1;
    CHECK_OK(ctx, ks_array_convolve(ctx, &a, &v, KS_CONVOLVE_SAME, &o));
    CHECK(o.dtype == KS_INT8 && ((int8_t *)(void *)o.data)[1] == (int8_t)44);
    ks_array_release(&o);
    ks_convolve_mode m;
    CHECK_OK(ctx, ks_convolve_mode_value(ctx, "valid", &m));
    CHECK(m == KS_CONVOLVE_VALID && !strcmp(ks_convolve_mode_name(KS_CONVOLVE_SAME), "same"));
    ks_array e;
    const ptrdiff_t n0 = 0;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_INT8, 1, &n0, KS_ORDER_C, &e));
    CHECK_FAILS(ctx, ks_array_convolve(ctx, &a, &e, KS_CONVOLVE_FULL, &o), KS_EINVAL,
                "v cannot be empty");
    ks_array_release(&e);
    ks_array_release(&a);
    ks_array_release(&v);
}

int main(void)
{
    ks_ctx *ctx = NULL;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    for (size_t n = 1; n <= 256; n++) check_length(ctx, n, false, 1e-14);
    const size_t more[] = {257, 509, 521, 1009, 1024, 1155, 2003, 2018, 2187, 3125, 4096, 4099};
    for (size_t i = 0; i < sizeof more / sizeof *more; i++)
        check_length(ctx, more[i], false, 1e-14);
    const size_t f32n[] = {1, 2, 3, 7, 16, 30, 97, 128, 257, 1000, 1009};
    for (size_t i = 0; i < sizeof f32n / sizeof *f32n; i++) check_length(ctx, f32n[i], true, 2e-6);
    const size_t longn[] = {65536, 65537, 100003, 3 * 5 * 7 * 11 * 13 * 17, 1 << 18};
    for (size_t i = 0; i < sizeof longn / sizeof *longn; i++) check_long(ctx, longn[i]);
    check_axes(ctx);
    check_pairs(ctx);
    check_norms(ctx);
    check_threads();
    check_errors(ctx);
    check_convolve(ctx);
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
