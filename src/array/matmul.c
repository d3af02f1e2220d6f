/* matmul.c — a @ b with NumPy's matmul rules: a 1-d operand gains an axis that the result drops,
 * the leading (stack) axes broadcast, the core dimensions must agree. float32/64 and complex make
 * the calls NumPy's matmul loop makes, so the bits are NumPy's (same library): a row times a
 * column is dot, a vector with a matrix BLAS reads in place gemv, the other products with a
 * dimension of 1 NumPy's plain loop, and two matrices gemm, or syrk where b is a's transpose in
 * the same memory (x @ x.T). Integers and bool use a row-by-row loop (bool: any(a_ik and b_kj),
 * as NumPy).
 *
 * A matrix BLAS can read in place (unit stride along one axis) is passed as it is, transposed
 * when it is Fortran-ordered; any other is copied to C order first. */
#include <cblas.h>
#include <complex.h>
#include <string.h>

#include "array/array_internal.h"

/* How BLAS sees one matrix (rows x cols, element strides rs, cs): as stored with leading
 * dimension ld, or transposed. false when neither stride is 1. */
static bool blas_view(ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t rs, ptrdiff_t cs, bool *trans,
                      int *ld)
{
    if ((cs == 1 || cols == 1) && rs >= (cols > 1 ? cols : 1) && rs <= 0x7fffffff) {
        *trans = false;
        *ld = (int)(rs > 0 ? rs : 1);
        if (*ld < cols) *ld = (int)cols;
        return true;
    }
    if ((rs == 1 || rows == 1) && cs >= (rows > 1 ? rows : 1) && cs <= 0x7fffffff) {
        *trans = true;
        *ld = (int)(cs > 0 ? cs : 1);
        if (*ld < rows) *ld = (int)rows;
        return true;
    }
    return false;
}

/* NumPy's plain loop: each sum in order from 0, in the dtype's own precision (integers wrap;
 * complex: re += ar br - ai bi, im += ar bi + ai br). */
#define PLAIN_MATMUL(name, T, CPLX)                                                                \
    static void name(const char *a, ptrdiff_t ars, ptrdiff_t acs, const char *b, ptrdiff_t brs,    \
                     ptrdiff_t bcs, char *c, ptrdiff_t crs, ptrdiff_t ccs, ptrdiff_t n,            \
                     ptrdiff_t k, ptrdiff_t m)                                                     \
    {                                                                                              \
        for (ptrdiff_t i = 0; i < n; i++)                                                          \
            for (ptrdiff_t j = 0; j < m; j++) {                                                    \
                T re = 0, im = 0;                                                                  \
                for (ptrdiff_t q = 0; q < k; q++) {                                                \
                    const T *x = (const T *)(a + i * ars + q * acs),                               \
                            *y = (const T *)(b + q * brs + j * bcs);                               \
                    if (CPLX) {                                                                    \
                        re += x[0] * y[0] - x[1] * y[1];                                           \
                        im += x[0] * y[1] + x[1] * y[0];                                           \
                    } else {                                                                       \
                        re += x[0] * y[0];                                                         \
                    }                                                                              \
                }                                                                                  \
                T *z = (T *)(c + i * crs + j * ccs);                                               \
                z[0] = re;                                                                         \
                if (CPLX) z[1] = im;                                                               \
            }                                                                                      \
    }
PLAIN_MATMUL(mm_i8, int8_t, 0)
PLAIN_MATMUL(mm_i16, int16_t, 0)
PLAIN_MATMUL(mm_i32, int32_t, 0)
PLAIN_MATMUL(mm_i64, int64_t, 0)
PLAIN_MATMUL(mm_u8, uint8_t, 0)
PLAIN_MATMUL(mm_u16, uint16_t, 0)
PLAIN_MATMUL(mm_u32, uint32_t, 0)
PLAIN_MATMUL(mm_u64, uint64_t, 0)
PLAIN_MATMUL(mm_f32, float, 0)
PLAIN_MATMUL(mm_f64, double, 0)
PLAIN_MATMUL(mm_c64, float, 1)
PLAIN_MATMUL(mm_c128, double, 1)

static void mm_bool(const char *a, ptrdiff_t ars, ptrdiff_t acs, const char *b, ptrdiff_t brs,
                    ptrdiff_t bcs, char *c, ptrdiff_t crs, ptrdiff_t ccs, ptrdiff_t n, ptrdiff_t k,
                    ptrdiff_t m)
{
    for (ptrdiff_t i = 0; i < n; i++)
        for (ptrdiff_t j = 0; j < m; j++) {
            char s = 0;
            for (ptrdiff_t q = 0; q < k && !s; q++)
                s = a[i * ars + q * acs] && b[q * brs + j * bcs];
            c[i * crs + j * ccs] = s;
        }
}

typedef void (*plain_mm)(const char *, ptrdiff_t, ptrdiff_t, const char *, ptrdiff_t, ptrdiff_t,
                         char *, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t, ptrdiff_t);

static plain_mm plain_kernel(ks_dtype t)
{
    switch (t) {
    case KS_BOOL: return mm_bool;
    case KS_INT8: return mm_i8;
    case KS_INT16: return mm_i16;
    case KS_INT32: return mm_i32;
    case KS_INT64: return mm_i64;
    case KS_UINT8: return mm_u8;
    case KS_UINT16: return mm_u16;
    case KS_UINT32: return mm_u32;
    case KS_UINT64: return mm_u64;
    case KS_FLOAT32: return mm_f32;
    case KS_FLOAT64: return mm_f64;
    case KS_COMPLEX64: return mm_c64;
    case KS_COMPLEX128: return mm_c128;
    default: return NULL;
    }
}

/* c (n x m, C-contiguous rows of ldc) = a (n x k) b (k x m) through gemm. */
static void blas_mm(ks_dtype t, const char *a, bool ta, int lda, const char *b, bool tb, int ldb,
                    char *c, int ldc, int n, int k, int m)
{
    const enum CBLAS_TRANSPOSE A = ta ? CblasTrans : CblasNoTrans,
                               B = tb ? CblasTrans : CblasNoTrans;
    switch (t) {
    case KS_FLOAT32:
        cblas_sgemm(CblasRowMajor, A, B, n, m, k, 1.0f, (const float *)a, lda, (const float *)b,
                    ldb, 0.0f, (float *)c, ldc);
        break;
    case KS_FLOAT64:
        cblas_dgemm(CblasRowMajor, A, B, n, m, k, 1.0, (const double *)a, lda, (const double *)b,
                    ldb, 0.0, (double *)c, ldc);
        break;
    case KS_COMPLEX64: {
        const float complex one = 1, zero = 0;
        cblas_cgemm(CblasRowMajor, A, B, n, m, k, &one, a, lda, b, ldb, &zero, c, ldc);
        break;
    }
    default: {
        const double complex one = 1, zero = 0;
        cblas_zgemm(CblasRowMajor, A, B, n, m, k, &one, a, lda, b, ldb, &zero, c, ldc);
    }
    }
}

/* c (n x n, rows of ldc) = a a^T through syrk, a (n x k) as stored rows of lda or, with ta, the
 * transpose of such; the upper triangle computed, then copied below (NumPy's dot and matmul). */
void ks__blas_syrk(ks_dtype t, const char *a, bool ta, int lda, char *c, int ldc, int n, int k)
{
    const enum CBLAS_TRANSPOSE A = ta ? CblasTrans : CblasNoTrans;
    switch (t) {
    case KS_FLOAT32:
        cblas_ssyrk(CblasRowMajor, CblasUpper, A, n, k, 1.0f, (const float *)a, lda, 0.0f,
                    (float *)c, ldc);
        break;
    case KS_FLOAT64:
        cblas_dsyrk(CblasRowMajor, CblasUpper, A, n, k, 1.0, (const double *)a, lda, 0.0,
                    (double *)c, ldc);
        break;
    case KS_COMPLEX64: {
        const float complex one = 1, zero = 0;
        cblas_csyrk(CblasRowMajor, CblasUpper, A, n, k, &one, a, lda, &zero, c, ldc);
        break;
    }
    default: {
        const double complex one = 1, zero = 0;
        cblas_zsyrk(CblasRowMajor, CblasUpper, A, n, k, &one, a, lda, &zero, c, ldc);
    }
    }
    const size_t sz = ks__dtypes[t].size;
    for (ptrdiff_t i = 1; i < n; i++)
        for (ptrdiff_t j = 0; j < i; j++)
            memcpy(c + (i * ldc + j) * (ptrdiff_t)sz, c + (j * ldc + i) * (ptrdiff_t)sz, sz);
}

/* NumPy's test of a matrix BLAS reads as stored rows: unit byte stride s2 along its rows (of d2
 * elements), and s1 between them a whole number of elements, at least d2, within int. */
static bool rows_blasable(ptrdiff_t s1, ptrdiff_t s2, ptrdiff_t d2, ptrdiff_t sz)
{
    return s2 == sz && s1 % sz == 0 && s1 / sz >= d2 && s1 / sz <= 0x7fffffff;
}

/* o (m, byte stride so) = M v through gemv as NumPy's matmul calls it: M (m x k, byte strides sm,
 * sk; one of them unit) column-major where its rows are unit-strided, else row-major, and
 * transposed; v of byte stride sv. */
static void blas_gemv(ks_dtype t, const char *M, ptrdiff_t sm, ptrdiff_t sk, const char *v,
                      ptrdiff_t sv, char *o, ptrdiff_t so, int m, int k)
{
    const ptrdiff_t sz = (ptrdiff_t)ks__dtypes[t].size;
    const bool col = rows_blasable(sm, sk, k, sz);
    const enum CBLAS_ORDER order = col ? CblasColMajor : CblasRowMajor;
    const int lda = (int)((col ? sm : sk) / sz), incv = (int)(sv / sz), inco = (int)(so / sz);
    switch (t) {
    case KS_FLOAT32:
        cblas_sgemv(order, CblasTrans, k, m, 1.0f, (const float *)M, lda, (const float *)v, incv,
                    0.0f, (float *)o, inco);
        break;
    case KS_FLOAT64:
        cblas_dgemv(order, CblasTrans, k, m, 1.0, (const double *)M, lda, (const double *)v, incv,
                    0.0, (double *)o, inco);
        break;
    case KS_COMPLEX64: {
        const float complex one = 1, zero = 0;
        cblas_cgemv(order, CblasTrans, k, m, &one, M, lda, v, incv, &zero, o, inco);
        break;
    }
    default: {
        const double complex one = 1, zero = 0;
        cblas_zgemv(order, CblasTrans, k, m, &one, M, lda, v, incv, &zero, o, inco);
    }
    }
}

/* One operand (x, its matrix in the last two axes) made readable by the kernel: in dtype t, and
 * for BLAS with unit stride along one axis; otherwise copied to C order into *copy, with its
 * stack strides st (over the broadcast stack shape) redone. BLAS's view of it in *trans, *ld. */
static int operand(ks_ctx *ctx, ks_array *x, ks_array *copy, ks_dtype t, bool blas, int bnd,
                   const ptrdiff_t *shape, ptrdiff_t *st, bool *trans, int *ld)
{
    const ptrdiff_t sz = (ptrdiff_t)ks__dtypes[t].size, rs = x->strides[x->ndim - 2],
                    cs = x->strides[x->ndim - 1];
    const ptrdiff_t rows = x->shape[x->ndim - 2], cols = x->shape[x->ndim - 1];
    if (x->dtype == t && (!blas || (rs % sz == 0 && cs % sz == 0 &&
                                    blas_view(rows, cols, rs / sz, cs / sz, trans, ld))))
        return KS_OK;
    int rc = ks__array_copy_order(ctx, x, t, KS_ORDER_C, copy);
    if (rc) return rc;
    memcpy(x->strides, copy->strides, sizeof x->strides);
    x->data = copy->data, x->dtype = t;
    ks_array stack = *copy;
    stack.ndim = x->ndim - 2;
    ks__broadcast_strides(&stack, bnd, shape, st);
    if (blas)
        blas_view(rows, cols, x->strides[x->ndim - 2] / sz, x->strides[x->ndim - 1] / sz, trans,
                  ld);
    return KS_OK;
}

int ks_array_matmul(ks_ctx *ctx, const ks_array *a0, const ks_array *b0, ks_array *out)
{
    ks__array_clear(out);
    if (a0->ndim == 0 || b0->ndim == 0)
        return ks__fail(ctx, KS_EINVAL,
                        "matmul: Input operand %d does not have enough dimensions (has "
                        "0, gufunc core with signature (n?,k),(k,m?)->(n?,m?) requires 1)",
                        a0->ndim == 0 ? 0 : 1);
    const ks_array *ab[2] = {a0, b0};
    ks_dtype t;
    int rc = ks_array_result_type(ctx, 2, ab, &t);
    if (rc) return rc;
    /* views with the 1-d operands given their extra axis */
    ks_array a = *a0, b = *b0;
    const bool a1 = a.ndim == 1, b1 = b.ndim == 1;
    if (a1) {
        a.ndim = 2, a.shape[1] = a.shape[0], a.strides[1] = a.strides[0], a.shape[0] = 1,
        a.strides[0] = 0;
    }
    if (b1) {
        b.ndim = 2, b.shape[1] = 1, b.strides[1] = 0;
    }
    const ptrdiff_t n = a.shape[a.ndim - 2], k = a.shape[a.ndim - 1], m = b.shape[b.ndim - 1];
    if (b.shape[b.ndim - 2] != k)
        return ks__fail(
            ctx, KS_EINVAL,
            "matmul: Input operand 1 has a mismatch in its core dimension 0, "
            "with gufunc signature (n?,k),(k,m?)->(n?,m?) (size %td is different from %td)",
            b.shape[b.ndim - 2], k);
    /* the stack dimensions broadcast */
    ks_array sa = a, sb = b;
    sa.ndim -= 2, sb.ndim -= 2;
    const ks_array *stacks[2] = {&sa, &sb};
    int bnd;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    if ((rc = ks_array_broadcast_shape(ctx, 2, stacks, &bnd, shape))) return rc;
    ptrdiff_t ast[KS_ARRAY_MAXDIMS], bst[KS_ARRAY_MAXDIMS];
    ks__broadcast_strides(&sa, bnd, shape, ast);
    ks__broadcast_strides(&sb, bnd, shape, bst);
    ptrdiff_t batch = 1;
    for (int d = 0; d < bnd; d++) batch *= shape[d];

    /* the result: stack dims, then n (unless a was 1-d), then m (unless b was 1-d) */
    int ond = bnd;
    if (!a1) shape[ond++] = n;
    if (!b1) shape[ond++] = m;
    if ((rc = ks_array_empty(ctx, t, ond, shape, KS_ORDER_C, out))) return rc;
    if (batch == 0 || n == 0 || m == 0) return KS_OK;

    /* operands in the result's dtype, copied to C order where BLAS could not read them */
    ks_array ca, cb;
    ks__array_clear(&ca);
    ks__array_clear(&cb);
    const size_t sz = ks__dtypes[t].size;
    const bool blas = ks__dtypes[t].kind == 'f' || ks__dtypes[t].kind == 'c';
    /* two matrices go to gemm (syrk), which must read them in place or from a copy; a product
       with a dimension of 1 runs on the operands as they are */
    const bool mm = blas && n > 1 && k > 1 && m > 1;
    bool ta = false, tb = false;
    int lda = 0, ldb = 0;
    if ((rc = operand(ctx, &a, &ca, t, mm, bnd, shape, ast, &ta, &lda)) ||
        (rc = operand(ctx, &b, &cb, t, mm, bnd, shape, bst, &tb, &ldb)))
        goto done;
    if (blas && (n > 0x7fffffff || k > 0x7fffffff || m > 0x7fffffff)) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "matmul: a dimension above BLAS's 32-bit limit");
        goto done;
    }
    {
        const plain_mm plain = plain_kernel(t);
        const ptrdiff_t ars = a.strides[a.ndim - 2], acs = a.strides[a.ndim - 1],
                        brs = b.strides[b.ndim - 2], bcs = b.strides[b.ndim - 1],
                        isz = (ptrdiff_t)sz, csz = n * m * isz;
        ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
        for (ptrdiff_t q = 0; q < batch; q++) {
            const char *pa = a.data, *pb = b.data;
            ptrdiff_t r = q;
            for (int d = bnd - 1; d >= 0; d--) {
                idx[d] = r % shape[d];
                r /= shape[d];
                pa += idx[d] * ast[d];
                pb += idx[d] * bst[d];
            }
            char *pc = out->data + q * csz;
            if (k == 0) {
                memset(pc, 0, (size_t)csz);
            } else if (mm && pa == pb && n == m && ars == bcs && acs == brs && ta != tb) {
                ks__blas_syrk(t, pa, ta, lda, pc, (int)m, (int)n, (int)k); /* x @ x.T */
            } else if (mm) {
                blas_mm(t, pa, ta, lda, pb, tb, ldb, pc, (int)m, (int)n, (int)k, (int)m);
            } else if (blas && n == 1 && m == 1) { /* a row times a column */
                ks__vec_dot(t, k, pa, acs, pb, brs, false, pc);
            } else if (blas && k > 1 && n == 1 && rows_blasable(acs, isz, 1, isz) &&
                       (rows_blasable(brs, bcs, m, isz) || rows_blasable(bcs, brs, k, isz))) {
                blas_gemv(t, pb, bcs, brs, pa, acs, pc, isz, (int)m, (int)k); /* (b^T a)^T */
            } else if (blas && k > 1 && m == 1 && rows_blasable(brs, isz, 1, isz) &&
                       (rows_blasable(ars, acs, k, isz) || rows_blasable(acs, ars, n, isz))) {
                blas_gemv(t, pa, ars, acs, pb, brs, pc, isz, (int)n, (int)k);
            } else {
                plain(pa, ars, acs, pb, brs, bcs, pc, m * isz, isz, n, k, m);
            }
        }
    }
done:
    ks_array_release(&ca);
    ks_array_release(&cb);
    if (rc) ks_array_release(out);
    return rc;
}
