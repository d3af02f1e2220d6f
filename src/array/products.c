/* products.c — NumPy's array products other than matmul: dot, vdot, inner, outer, tensordot,
 * vecdot, kron, and the diagonal / trace they go with.
 *
 * The float and complex sums make the BLAS calls NumPy makes, so the bits are NumPy's (same
 * library): a vector with a vector is BLAS's dot (dotc where x is conjugated), a matrix with a
 * vector gemv, two matrices gemm (ks_array_matmul). NumPy reduces tensordot, inner and N-d dot to
 * one 2-d dot after a transpose and reshape, and so do these. Integers and bool sum in a plain
 * loop in their own dtype (wrapping, as NumPy; bool: any of the pairs both true). */
#include <cblas.h>
#include <complex.h>
#include <string.h>

#include "array/array_internal.h"

/* BLAS takes int lengths: NumPy calls it on chunks of this many elements and adds the parts. */
#define CHUNK ((ptrdiff_t)1 << 30)

#define INT_DOT(name, T)                                                                           \
    static void name(ptrdiff_t n, const char *x, ptrdiff_t ix, const char *y, ptrdiff_t iy,        \
                     char *out)                                                                    \
    {                                                                                              \
        T s = 0;                                                                                   \
        for (ptrdiff_t i = 0; i < n; i++)                                                          \
            s += *(const T *)(x + i * ix) * *(const T *)(y + i * iy);                              \
        memcpy(out, &s, sizeof s);                                                                 \
    }
INT_DOT(dot_i8, int8_t)
INT_DOT(dot_i16, int16_t)
INT_DOT(dot_i32, int32_t)
INT_DOT(dot_i64, int64_t)
INT_DOT(dot_u8, uint8_t)
INT_DOT(dot_u16, uint16_t)
INT_DOT(dot_u32, uint32_t)
INT_DOT(dot_u64, uint64_t)

/* NumPy's plain loop for float and complex (strides BLAS cannot take): in order, in the dtype's
 * own precision. */
#define FLOAT_DOT(name, T)                                                                         \
    static void name(ptrdiff_t n, const char *x, ptrdiff_t ix, const char *y, ptrdiff_t iy,        \
                     bool cj, char *out)                                                           \
    {                                                                                              \
        T re = 0, im = 0;                                                                          \
        for (ptrdiff_t i = 0; i < n; i++) {                                                        \
            const T *a = (const T *)(x + i * ix), *b = (const T *)(y + i * iy);                    \
            const T ai = cj ? -a[1] : a[1];                                                        \
            re += a[0] * b[0] - ai * b[1];                                                         \
            im += a[0] * b[1] + ai * b[0];                                                         \
        }                                                                                          \
        ((T *)(void *)out)[0] = re;                                                                \
        ((T *)(void *)out)[1] = im;                                                                \
    }
FLOAT_DOT(dot_c64, float)
FLOAT_DOT(dot_c128, double)

/* BLAS's increment for a byte stride, as NumPy takes it: positive, a whole number of elements,
 * within int; 0 where BLAS cannot be used. */
static int blas_inc(ptrdiff_t stride, ptrdiff_t sz)
{
    return stride > 0 && stride % sz == 0 && stride / sz <= 0x7fffffff ? (int)(stride / sz) : 0;
}

/* The sum over n of x[i] * y[i] (conj(x[i]) when cj) in dtype t into *out; x and y in t with
 * byte strides ix, iy. Float and complex through BLAS's dot (summed in double over chunks of
 * 2^30, as NumPy) where both strides allow, else NumPy's plain loop. */
void ks__vec_dot(ks_dtype t, ptrdiff_t n, const char *x, ptrdiff_t ix, const char *y, ptrdiff_t iy,
                 bool cj, char *out)
{
    const ptrdiff_t sz = (ptrdiff_t)ks__dtypes[t].size;
    const int incx = blas_inc(ix, sz), incy = blas_inc(iy, sz);
    const char kind = ks__dtypes[t].kind;
    if ((kind == 'f' || kind == 'c') && incx && incy) {
        double complex acc = 0;
        ptrdiff_t i0 = 0;
        do {
            const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
            const char *px = x + i0 * ix, *py = y + i0 * iy;
            switch (t) {
            case KS_FLOAT32:
                acc += cblas_sdot((int)m, (const float *)px, incx, (const float *)py, incy);
                break;
            case KS_FLOAT64:
                acc += cblas_ddot((int)m, (const double *)px, incx, (const double *)py, incy);
                break;
            case KS_COMPLEX64: {
                float complex r;
                if (cj)
                    cblas_cdotc_sub((int)m, px, incx, py, incy, &r);
                else
                    cblas_cdotu_sub((int)m, px, incx, py, incy, &r);
                acc += r;
                break;
            }
            default: {
                double complex r;
                if (cj)
                    cblas_zdotc_sub((int)m, px, incx, py, incy, &r);
                else
                    cblas_zdotu_sub((int)m, px, incx, py, incy, &r);
                acc += r;
            }
            }
            i0 += m;
        } while (i0 < n);
        switch (t) {
        case KS_FLOAT32: *(float *)out = (float)creal(acc); break;
        case KS_FLOAT64: *(double *)out = creal(acc); break;
        case KS_COMPLEX64: *(float complex *)out = (float complex)acc; break;
        default: *(double complex *)out = acc;
        }
        return;
    }
    switch (t) {
    case KS_BOOL: {
        char s = 0;
        for (ptrdiff_t i = 0; i < n && !s; i++) s = x[i * ix] && y[i * iy];
        *out = s;
        return;
    }
    case KS_INT8: dot_i8(n, x, ix, y, iy, out); return;
    case KS_INT16: dot_i16(n, x, ix, y, iy, out); return;
    case KS_INT32: dot_i32(n, x, ix, y, iy, out); return;
    case KS_INT64: dot_i64(n, x, ix, y, iy, out); return;
    case KS_UINT8: dot_u8(n, x, ix, y, iy, out); return;
    case KS_UINT16: dot_u16(n, x, ix, y, iy, out); return;
    case KS_UINT32: dot_u32(n, x, ix, y, iy, out); return;
    case KS_UINT64: dot_u64(n, x, ix, y, iy, out); return;
    case KS_FLOAT32: {
        float s = 0;
        for (ptrdiff_t i = 0; i < n; i++)
            s += *(const float *)(x + i * ix) * *(const float *)(y + i * iy);
        *(float *)out = s;
        return;
    }
    case KS_FLOAT64: {
        double s = 0;
        for (ptrdiff_t i = 0; i < n; i++)
            s += *(const double *)(x + i * ix) * *(const double *)(y + i * iy);
        *(double *)out = s;
        return;
    }
    case KS_COMPLEX64: dot_c64(n, x, ix, y, iy, cj, out); return;
    default: dot_c128(n, x, ix, y, iy, cj, out); return;
    }
}

/* A vector (1-d view) BLAS can take as NumPy passes it: itself, or (a stride that is negative,
 * zero or not whole elements) a contiguous copy in *hold, as NumPy copies such operands. */
static int blas_vector(ks_ctx *ctx, const ks_array *x, ks_array *hold, const ks_array **v)
{
    ks__array_clear(hold);
    *v = x;
    const char kind = ks__dtypes[x->dtype].kind;
    if ((kind != 'f' && kind != 'c') || x->shape[0] < 2 ||
        blas_inc(x->strides[0], (ptrdiff_t)ks__dtypes[x->dtype].size))
        return KS_OK;
    const int rc = ks__array_copy_order(ctx, x, x->dtype, KS_ORDER_C, hold);
    if (!rc) *v = hold;
    return rc;
}

/* x in dtype t: itself when it already is, else a copy into *hold. */
static int in_dtype(ks_ctx *ctx, const ks_array *x, ks_dtype t, ks_array *hold, const ks_array **v)
{
    ks__array_clear(hold);
    *v = x;
    if (x->dtype == t) return KS_OK;
    int rc = ks__array_copy_order(ctx, x, t, KS_ORDER_C, hold);
    if (!rc) *v = hold;
    return rc;
}

/* y = A x through gemv: A (m x k, in t) C- or F-contiguous, or copied so; x (k, in t). For
 * x A, pass A transposed (at = true): y = A^T x. */
static int gemv(ks_ctx *ctx, ks_dtype t, const ks_array *A, bool at, const ks_array *x, char *y)
{
    ks_array hold, xh;
    ks__array_clear(&hold);
    ks__array_clear(&xh);
    const ks_array *m = A, *v = x;
    int rc = KS_OK;
    const size_t sz = ks__dtypes[t].size;
    if (!ks_array_is_c_contiguous(A) && !ks_array_is_f_contiguous(A)) {
        if ((rc = ks__array_copy_order(ctx, A, t, KS_ORDER_C, &hold))) return rc;
        m = &hold;
    }
    if (x->strides[0] <= 0 || x->strides[0] % (ptrdiff_t)sz ||
        x->strides[0] / (ptrdiff_t)sz > 0x7fffffff) {
        if ((rc = ks__array_copy_order(ctx, x, t, KS_ORDER_C, &xh))) goto done;
        v = &xh;
    }
    const ptrdiff_t r = m->shape[0], c = m->shape[1];
    if (r > 0x7fffffff || c > 0x7fffffff) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "dot: a dimension above BLAS's 32-bit limit");
        goto done;
    }
    /* row-major view of the stored matrix: C order as is; F order as its transpose */
    const bool f = !ks_array_is_c_contiguous(m);
    const int rows = (int)(f ? c : r), cols = (int)(f ? r : c), ld = cols > 1 ? cols : 1;
    const enum CBLAS_TRANSPOSE tr = (f != at) ? CblasTrans : CblasNoTrans;
    const int inc = (int)(v->strides[0] / (ptrdiff_t)sz);
    switch (t) {
    case KS_FLOAT32:
        cblas_sgemv(CblasRowMajor, tr, rows, cols, 1.0f, (const float *)m->data, ld,
                    (const float *)v->data, inc, 0.0f, (float *)y, 1);
        break;
    case KS_FLOAT64:
        cblas_dgemv(CblasRowMajor, tr, rows, cols, 1.0, (const double *)m->data, ld,
                    (const double *)v->data, inc, 0.0, (double *)y, 1);
        break;
    case KS_COMPLEX64: {
        const float complex one = 1, zero = 0;
        cblas_cgemv(CblasRowMajor, tr, rows, cols, &one, m->data, ld, v->data, inc, &zero, y, 1);
        break;
    }
    default: {
        const double complex one = 1, zero = 0;
        cblas_zgemv(CblasRowMajor, tr, rows, cols, &one, m->data, ld, v->data, inc, &zero, y, 1);
    }
    }
done:
    ks_array_release(&hold);
    ks_array_release(&xh);
    return rc;
}

/* b is a's transpose (the same memory, axes swapped), a float or complex matrix BLAS reads in
 * place: NumPy's dot then calls syrk. */
static bool is_transpose(const ks_array *a, const ks_array *b)
{
    const char kind = ks__dtypes[a->dtype].kind;
    if ((kind != 'f' && kind != 'c') || a->data != b->data || a->shape[0] != b->shape[1] ||
        a->shape[1] != b->shape[0] || a->strides[0] != b->strides[1] ||
        a->strides[1] != b->strides[0])
        return false;
    const ptrdiff_t sz = (ptrdiff_t)ks__dtypes[a->dtype].size;
    return a->shape[0] <= 0x7fffffff && a->shape[1] <= 0x7fffffff &&
           ((a->strides[1] == sz && a->strides[0] >= a->shape[1] * sz && a->strides[0] % sz == 0 &&
             a->strides[0] / sz <= 0x7fffffff) ||
            (a->strides[0] == sz && a->strides[1] >= a->shape[0] * sz && a->strides[1] % sz == 0 &&
             a->strides[1] / sz <= 0x7fffffff));
}

/* a a^T (a m x k) through syrk, as NumPy. */
static int syrk(ks_ctx *ctx, const ks_array *a, ks_array *out)
{
    const ks_dtype t = a->dtype;
    const ptrdiff_t sz = (ptrdiff_t)ks__dtypes[t].size, m = a->shape[0];
    const int k = (int)a->shape[1];
    const ptrdiff_t shape[2] = {m, m};
    int rc = ks__array_new(ctx, t, 2, shape, out);
    if (rc) return rc;
    /* row-major: a as stored (rows of lda) or, stored by columns, the transpose of what is */
    const bool rows = a->strides[1] == sz && (a->strides[0] != sz || k == 1);
    const int lda = (int)((rows ? a->strides[0] : a->strides[1]) / sz);
    ks__blas_syrk(t, a->data, !rows, lda, out->data, (int)m, (int)m, k);
    return KS_OK;
}

/* The 2-d product a (m x k) b (k x n) into a new (m, n) array, by the BLAS call NumPy's dot
 * makes for these shapes: dot when both are vectors (m = n = 1), gemv when one is, else gemm. */
static int mprod(ks_ctx *ctx, const ks_array *a0, const ks_array *b0, ks_array *out)
{
    const ks_array *ab[2] = {a0, b0};
    ks_dtype t;
    int rc = ks_array_result_type(ctx, 2, ab, &t);
    if (rc) return rc;
    const char kind = ks__dtypes[t].kind;
    const ptrdiff_t m = a0->shape[0], k = a0->shape[1], n = b0->shape[1];
    if (m > 1 && n > 1 && k > 0 && a0->dtype == t && b0->dtype == t && is_transpose(a0, b0))
        return syrk(ctx, a0, out);
    if (!(m == 1 || n == 1) || k == 0 || (kind != 'f' && kind != 'c' && !(m == 1 && n == 1)))
        return ks_array_matmul(ctx, a0, b0, out);
    ks_array ha, hb;
    const ks_array *a, *b;
    if ((rc = in_dtype(ctx, a0, t, &ha, &a))) return rc;
    if ((rc = in_dtype(ctx, b0, t, &hb, &b))) goto done;
    const ptrdiff_t shape[2] = {m, n};
    if ((rc = ks__array_new(ctx, t, 2, shape, out))) goto done;
    if (m == 1 && n == 1) {
        ks_array x = *a, y = *b, hx, hy;
        const ks_array *vx, *vy;
        x.ndim = y.ndim = 1;
        x.shape[0] = y.shape[0] = k;
        x.strides[0] = a->strides[1];
        if (!(rc = blas_vector(ctx, &x, &hx, &vx))) {
            if (!(rc = blas_vector(ctx, &y, &hy, &vy)))
                ks__vec_dot(t, k, vx->data, vx->strides[0], vy->data, vy->strides[0], false,
                            out->data);
            ks_array_release(&hy);
        }
        ks_array_release(&hx);
    } else if (n == 1) {
        ks_array x = *b;
        x.ndim = 1, x.shape[0] = k, x.strides[0] = b->strides[0];
        rc = gemv(ctx, t, a, false, &x, out->data);
    } else {
        ks_array x = *a;
        x.ndim = 1, x.shape[0] = k, x.strides[0] = a->strides[1];
        rc = gemv(ctx, t, b, true, &x, out->data);
    }
    if (rc) ks_array_release(out);
done:
    ks_array_release(&ha);
    ks_array_release(&hb);
    return rc;
}

/* The product of a and b broadcast (the 0-d cases of dot and inner, outer, kron). */
static int multiply(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out)
{
    const ks_array *in[2] = {a, b};
    return ks_ufunc_call(ctx, KS_UFUNC_MULTIPLY, in, NULL, out);
}

int ks_array_tensordot(ks_ctx *ctx, const ks_array *a, const ks_array *b, int naxes,
                       const int *axes_a, const int *axes_b, ks_array *out)
{
    ks__array_clear(out);
    if (naxes < 0 || naxes > a->ndim || naxes > b->ndim)
        return ks__fail(ctx, KS_EINVAL, "tensordot: %d axes for arrays of %d and %d dimensions",
                        naxes, a->ndim, b->ndim);
    int ia[KS_ARRAY_MAXDIMS], ib[KS_ARRAY_MAXDIMS], rc;
    bool ua[KS_ARRAY_MAXDIMS] = {false}, ub[KS_ARRAY_MAXDIMS] = {false};
    ptrdiff_t k = 1;
    for (int i = 0; i < naxes; i++) {
        if ((rc = ks__axis(ctx, axes_a[i], a->ndim, &ia[i])) ||
            (rc = ks__axis(ctx, axes_b[i], b->ndim, &ib[i])))
            return rc;
        if (ua[ia[i]] || ub[ib[i]])
            return ks__fail(ctx, KS_EINVAL, "tensordot: repeated axis %d",
                            ua[ia[i]] ? axes_a[i] : axes_b[i]);
        if (a->shape[ia[i]] != b->shape[ib[i]])
            return ks__fail(ctx, KS_EINVAL, "shape-mismatch for sum");
        ua[ia[i]] = ub[ib[i]] = true;
        k *= a->shape[ia[i]];
    }
    /* a as (free, summed), b as (summed, free), each made one matrix */
    int pa[KS_ARRAY_MAXDIMS], pb[KS_ARRAY_MAXDIMS], na = 0, nb = 0;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS], ma = 1, mb = 1;
    for (int d = 0; d < a->ndim; d++)
        if (!ua[d]) pa[na] = d, shape[na++] = a->shape[d], ma *= a->shape[d];
    for (int i = 0; i < naxes; i++) pa[na + i] = ia[i], pb[i] = ib[i];
    for (int d = 0; d < b->ndim; d++)
        if (!ub[d]) pb[naxes + nb] = d, shape[na + nb++] = b->shape[d], mb *= b->shape[d];
    ks_array ta, tb, ra, rb, r;
    const ptrdiff_t sa[2] = {ma, k}, sb[2] = {k, mb};
    ks__array_clear(&ra);
    ks__array_clear(&rb);
    if ((rc = ks_array_transpose(ctx, a, pa, &ta))) return rc;
    rc = ks_array_reshape(ctx, &ta, 2, sa, KS_ORDER_C, &ra);
    ks_array_release(&ta);
    if (rc) return rc;
    if ((rc = ks_array_transpose(ctx, b, pb, &tb))) goto done;
    rc = ks_array_reshape(ctx, &tb, 2, sb, KS_ORDER_C, &rb);
    ks_array_release(&tb);
    if (rc || (rc = mprod(ctx, &ra, &rb, &r))) goto done;
    rc = ks_array_reshape(ctx, &r, na + nb, shape, KS_ORDER_C, out);
    ks_array_release(&r);
done:
    ks_array_release(&ra);
    ks_array_release(&rb);
    return rc;
}

/* NumPy's "shapes (2,3) and (4,) not aligned: 3 (dim 1) != 4 (dim 0)". */
static int not_aligned(ks_ctx *ctx, const ks_array *a, int da, const ks_array *b, int db)
{
    char s1[160], s2[160];
    return ks__fail(ctx, KS_EINVAL, "shapes %s and %s not aligned: %td (dim %d) != %td (dim %d)",
                    ks__shape_str(a->ndim, a->shape, s1, sizeof s1),
                    ks__shape_str(b->ndim, b->shape, s2, sizeof s2), a->shape[da], da, b->shape[db],
                    db);
}

/* dot with a 0-d operand s and x of at most 2 dims in float or complex: NumPy's BLAS path,
 * out = 0 + s x through axpy (its rounding of a complex product is the kernel's, not the
 * multiply ufunc's); one element is a plain multiply, as there. */
static int scale(ks_ctx *ctx, const ks_array *s0, const ks_array *x0, ks_array *out)
{
    const ks_array *sx[2] = {s0, x0};
    ks_dtype t;
    int rc = ks_array_result_type(ctx, 2, sx, &t);
    if (rc) return rc;
    const ptrdiff_t n = ks_array_size(x0);
    if ((ks__dtypes[t].kind != 'f' && ks__dtypes[t].kind != 'c') || n <= 1 || n > 0x7fffffff)
        return multiply(ctx, s0, x0, out);
    ks_array hs, hx;
    const ks_array *s;
    if ((rc = in_dtype(ctx, s0, t, &hs, &s))) return rc;
    if ((rc = ks__array_copy_order(ctx, x0, t, KS_ORDER_C, &hx))) goto done;
    if ((rc = ks__array_zeroed(ctx, t, x0->ndim, x0->shape, KS_ORDER_C, out))) goto done;
    switch (t) {
    case KS_FLOAT32:
        cblas_saxpy((int)n, *(const float *)s->data, (const float *)hx.data, 1, (float *)out->data,
                    1);
        break;
    case KS_FLOAT64:
        cblas_daxpy((int)n, *(const double *)s->data, (const double *)hx.data, 1,
                    (double *)out->data, 1);
        break;
    case KS_COMPLEX64: cblas_caxpy((int)n, s->data, hx.data, 1, out->data, 1); break;
    default: cblas_zaxpy((int)n, s->data, hx.data, 1, out->data, 1);
    }
done:
    ks_array_release(&hs);
    ks_array_release(&hx);
    return rc;
}

int ks_array_dot(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out)
{
    ks__array_clear(out);
    if (a->ndim == 0 && b->ndim <= 2) return scale(ctx, a, b, out);
    if (b->ndim == 0 && a->ndim <= 2) return scale(ctx, b, a, out);
    if (a->ndim == 0 || b->ndim == 0) return multiply(ctx, a, b, out);
    const int da = a->ndim - 1, db = b->ndim == 1 ? 0 : b->ndim - 2;
    if (a->shape[da] != b->shape[db]) return not_aligned(ctx, a, da, b, db);
    if (a->ndim <= 2 && b->ndim <= 2) {
        /* 1-d operands as a row (a) and a column (b), the result without their axes */
        ks_array va = *a, vb = *b, r;
        if (a->ndim == 1)
            va.ndim = 2, va.shape[1] = a->shape[0], va.strides[1] = a->strides[0], va.shape[0] = 1,
            va.strides[0] = 0;
        if (b->ndim == 1) vb.ndim = 2, vb.shape[1] = 1, vb.strides[1] = 0;
        int rc = mprod(ctx, &va, &vb, &r);
        if (rc) return rc;
        ptrdiff_t shape[2];
        int nd = 0;
        if (a->ndim == 2) shape[nd++] = a->shape[0];
        if (b->ndim == 2) shape[nd++] = b->shape[1];
        rc = ks_array_reshape(ctx, &r, nd, shape, KS_ORDER_C, out);
        ks_array_release(&r);
        return rc;
    }
    const int ax = -1, bx = b->ndim == 1 ? 0 : -2;
    return ks_array_tensordot(ctx, a, b, 1, &ax, &bx, out);
}

int ks_array_inner(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out)
{
    ks__array_clear(out);
    if (a->ndim == 0 || b->ndim == 0) return multiply(ctx, a, b, out);
    if (a->shape[a->ndim - 1] != b->shape[b->ndim - 1])
        return not_aligned(ctx, a, a->ndim - 1, b, b->ndim - 1);
    const int ax = -1;
    return ks_array_tensordot(ctx, a, b, 1, &ax, &ax, out);
}

int ks_array_vecdot(ks_ctx *ctx, const ks_array *a0, const ks_array *b0, int axis, ks_array *out)
{
    ks__array_clear(out);
    if (a0->ndim == 0 || b0->ndim == 0)
        return ks__fail(ctx, KS_EINVAL,
                        "vecdot: Input operand %d does not have enough dimensions (has 0, gufunc "
                        "core with signature (n),(n)->() requires 1)",
                        a0->ndim == 0 ? 0 : 1);
    int xa, xb, rc;
    if ((rc = ks__axis(ctx, axis, a0->ndim, &xa)) || (rc = ks__axis(ctx, axis, b0->ndim, &xb)))
        return rc;
    const ptrdiff_t n = a0->shape[xa];
    if (b0->shape[xb] != n)
        return ks__fail(ctx, KS_EINVAL,
                        "vecdot: Input operand 1 has a mismatch in its core dimension 0, with "
                        "gufunc signature (n),(n)->() (size %td is different from %td)",
                        b0->shape[xb], n);
    const ks_array *ab[2] = {a0, b0};
    ks_dtype t;
    if ((rc = ks_array_result_type(ctx, 2, ab, &t))) return rc;
    ks_array ha, hb;
    const ks_array *a, *b;
    if ((rc = in_dtype(ctx, a0, t, &ha, &a))) return rc;
    if ((rc = in_dtype(ctx, b0, t, &hb, &b))) goto done;
    {
        /* the stacks: every axis but the summed one, broadcast */
        ks_array sa = *a, sb = *b;
        for (int d = xa; d < a->ndim - 1; d++)
            sa.shape[d] = a->shape[d + 1], sa.strides[d] = a->strides[d + 1];
        for (int d = xb; d < b->ndim - 1; d++)
            sb.shape[d] = b->shape[d + 1], sb.strides[d] = b->strides[d + 1];
        sa.ndim--, sb.ndim--;
        const ks_array *st[2] = {&sa, &sb};
        int nd;
        ptrdiff_t shape[KS_ARRAY_MAXDIMS], ast[KS_ARRAY_MAXDIMS], bst[KS_ARRAY_MAXDIMS];
        if ((rc = ks_array_broadcast_shape(ctx, 2, st, &nd, shape))) goto done;
        ks__broadcast_strides(&sa, nd, shape, ast);
        ks__broadcast_strides(&sb, nd, shape, bst);
        if ((rc = ks__array_new(ctx, t, nd, shape, out))) goto done;
        const ptrdiff_t total = ks_array_size(out), sz = (ptrdiff_t)ks__dtypes[t].size;
        const bool cj = ks__dtypes[t].kind == 'c';
        for (ptrdiff_t q = 0; q < total; q++) {
            const char *pa = a->data, *pb = b->data;
            ptrdiff_t r = q;
            for (int d = nd - 1; d >= 0; d--) {
                const ptrdiff_t i = r % shape[d];
                r /= shape[d];
                pa += i * ast[d];
                pb += i * bst[d];
            }
            ks__vec_dot(t, n, pa, a->strides[xa], pb, b->strides[xb], cj, out->data + q * sz);
        }
    }
done:
    ks_array_release(&ha);
    ks_array_release(&hb);
    return rc;
}

int ks_array_vdot(ks_ctx *ctx, const ks_array *a0, const ks_array *b0, ks_array *out)
{
    ks__array_clear(out);
    const ptrdiff_t n = ks_array_size(a0);
    if (ks_array_size(b0) != n)
        return ks__fail(ctx, KS_EINVAL, "vdot: cannot reshape array of size %td into shape (%td,)",
                        ks_array_size(b0), n);
    const ks_array *ab[2] = {a0, b0};
    ks_dtype t;
    int rc = ks_array_result_type(ctx, 2, ab, &t);
    if (rc) return rc;
    /* both flattened in C order, a view wherever the strides allow one (a uniformly strided
     * array keeps its stride, which BLAS takes as NumPy passes it), in t */
    ks_array ra, rb, ha, hb;
    const ks_array *a, *b;
    ks__array_clear(&rb);
    ks__array_clear(&hb);
    if ((rc = ks_array_reshape(ctx, a0, 1, &n, KS_ORDER_C, &ra))) return rc;
    if ((rc = in_dtype(ctx, &ra, t, &ha, &a))) goto done;
    if ((rc = ks_array_reshape(ctx, b0, 1, &n, KS_ORDER_C, &rb)) ||
        (rc = in_dtype(ctx, &rb, t, &hb, &b)))
        goto done;
    if ((rc = ks__array_new(ctx, t, 0, NULL, out))) goto done;
    /* (a negative stride takes the plain loop here, as NumPy's vdot: no copy for BLAS) */
    ks__vec_dot(t, n, a->data, a->strides[0], b->data, b->strides[0], ks__dtypes[t].kind == 'c',
                out->data);
done:
    ks_array_release(&ra);
    ks_array_release(&rb);
    ks_array_release(&ha);
    ks_array_release(&hb);
    return rc;
}

int ks_array_outer(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out)
{
    ks__array_clear(out);
    /* ravel(a)[:, None] * ravel(b)[None, :] */
    ks_array ra, rb;
    int rc = ks_array_ravel(ctx, a, KS_ORDER_C, &ra);
    if (rc) return rc;
    if ((rc = ks_array_ravel(ctx, b, KS_ORDER_C, &rb))) {
        ks_array_release(&ra);
        return rc;
    }
    ks_array va = ra, vb = rb;
    va.ndim = 2, va.shape[1] = 1, va.strides[1] = 0;
    vb.ndim = 2, vb.shape[1] = rb.shape[0], vb.strides[1] = rb.strides[0], vb.shape[0] = 1,
    vb.strides[0] = 0;
    rc = multiply(ctx, &va, &vb, out);
    ks_array_release(&ra);
    ks_array_release(&rb);
    return rc;
}

int ks_array_kron(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out)
{
    ks__array_clear(out);
    const int nd = a->ndim > b->ndim ? a->ndim : b->ndim;
    if (2 * nd > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "kron: at most %d dimensions", KS_ARRAY_MAXDIMS / 2);
    /* a on the even axes and b on the odd ones of a 2 nd-d product, then each pair merged */
    ks_array va = *a, vb = *b, p;
    va.ndim = vb.ndim = 2 * nd;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    for (int d = 0; d < nd; d++) {
        const int ea = d - (nd - a->ndim), eb = d - (nd - b->ndim);
        const ptrdiff_t la = ea >= 0 ? a->shape[ea] : 1, lb = eb >= 0 ? b->shape[eb] : 1;
        va.shape[2 * d] = la, va.strides[2 * d] = ea >= 0 ? a->strides[ea] : 0;
        va.shape[2 * d + 1] = 1, va.strides[2 * d + 1] = 0;
        vb.shape[2 * d] = 1, vb.strides[2 * d] = 0;
        vb.shape[2 * d + 1] = lb, vb.strides[2 * d + 1] = eb >= 0 ? b->strides[eb] : 0;
        shape[d] = la * lb;
    }
    int rc = multiply(ctx, &va, &vb, &p);
    if (rc) return rc;
    rc = ks_array_reshape(ctx, &p, nd, shape, KS_ORDER_C, out);
    ks_array_release(&p);
    return rc;
}

int ks_array_diagonal(ks_ctx *ctx, const ks_array *a, ptrdiff_t offset, int axis1, int axis2,
                      ks_array *out)
{
    ks__array_clear(out);
    if (a->ndim < 2)
        return ks__fail(ctx, KS_EINVAL, "diag requires an array of at least two dimensions");
    int x1, x2, rc;
    if ((rc = ks__axis(ctx, axis1, a->ndim, &x1)) || (rc = ks__axis(ctx, axis2, a->ndim, &x2)))
        return rc;
    if (x1 == x2) return ks__fail(ctx, KS_EINVAL, "axis1 and axis2 cannot be the same");
    ks_array v = *a;
    ptrdiff_t n1 = a->shape[x1], n2 = a->shape[x2], len;
    char *data = a->data;
    if (offset >= 0) {
        len = n2 - offset < n1 ? n2 - offset : n1;
        if (len > 0) data += offset * a->strides[x2];
    } else {
        len = n1 + offset < n2 ? n1 + offset : n2;
        if (len > 0) data -= offset * a->strides[x1];
    }
    if (len < 0) len = 0;
    int nd = 0;
    for (int d = 0; d < a->ndim; d++)
        if (d != x1 && d != x2) v.shape[nd] = a->shape[d], v.strides[nd++] = a->strides[d];
    v.shape[nd] = len, v.strides[nd++] = a->strides[x1] + a->strides[x2];
    v.ndim = nd;
    v.data = data;
    v.flags &= ~KS_ARRAY_WRITEABLE; /* NumPy's diagonal is a read-only view */
    ks_array_ref(&v, out);
    return KS_OK;
}

int ks_array_trace(ks_ctx *ctx, const ks_array *a, ptrdiff_t offset, int axis1, int axis2,
                   int dtype, ks_array *out)
{
    ks__array_clear(out);
    ks_array d;
    int rc = ks_array_diagonal(ctx, a, offset, axis1, axis2, &d);
    if (rc) return rc;
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    opt.axes = (uint64_t)1 << (d.ndim - 1);
    opt.dtype = dtype;
    rc = ks_array_reduce(ctx, KS_REDUCE_SUM, &d, &opt, out);
    ks_array_release(&d);
    return rc;
}

static const ks__enum_entry product_names[] = {{"dot", KS_PRODUCT_DOT},
                                               {"vdot", KS_PRODUCT_VDOT},
                                               {"inner", KS_PRODUCT_INNER},
                                               {"matmul", KS_PRODUCT_MATMUL}};
KS__ENUM_FUNCS(ks_product, ks_product, "product", product_names)

int ks_array_product(ks_ctx *ctx, ks_product p, const ks_array *a, const ks_array *b, ks_array *out)
{
    switch (p) {
    case KS_PRODUCT_DOT: return ks_array_dot(ctx, a, b, out);
    case KS_PRODUCT_VDOT: return ks_array_vdot(ctx, a, b, out);
    case KS_PRODUCT_INNER: return ks_array_inner(ctx, a, b, out);
    case KS_PRODUCT_MATMUL: return ks_array_matmul(ctx, a, b, out);
    }
    ks__array_clear(out);
    return ks__fail(ctx, KS_EINVAL, "product: %d is not a product", (int)p);
}
