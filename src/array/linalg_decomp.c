/* linalg_decomp.c — numpy.linalg's decompositions and solvers over stacks of matrices, through
 * the LAPACK drivers NumPy itself calls (gesv, getrf, potrf, geqrf + orgqr / ungqr, gesdd,
 * syevd / heevd, geev, gelsd), so that the numbers agree with NumPy's to LAPACK's rounding.
 *
 * Every function works the same way, as NumPy's _umath_linalg: the operand is converted to double
 * precision (NumPy computes single-precision input in double too, and casts the results back),
 * the leading axes are the stack (broadcast between two operands), and
 * each matrix is copied into a column-major work buffer (LAPACK overwrites its input and reads
 * Fortran order), factored, and its results copied out into C-contiguous arrays. The workspace
 * is sized once per call (LAPACK's lwork = -1 query) and reused for every matrix of the stack.
 * Large matrices leave threading to BLAS; the stack runs in order. */
#include <complex.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include <cblas.h>

#include "array/array_internal.h"
#include "array/linalg_lapack.h"

static const ks__enum_entry qr_modes[] = {
    {"reduced", KS_QR_REDUCED}, {"complete", KS_QR_COMPLETE}, {"r", KS_QR_R}, {"raw", KS_QR_RAW}};
KS__ENUM_FUNCS(ks_qr_mode, ks_qr_mode, "qr mode", qr_modes)

/* The dtype LAPACK works in: double precision, real or complex. NumPy computes every
 * decomposition in double (its _commonType, float32 and complex64 included) and casts the
 * results back to single precision when every input was single (narrow below). */
static ks_dtype work_dtype(ks_dtype t)
{
    return t == KS_COMPLEX64 || t == KS_COMPLEX128 ? KS_COMPLEX128 : KS_FLOAT64;
}
static bool single_of(ks_dtype t) { return t == KS_FLOAT32 || t == KS_COMPLEX64; }
static bool is_cplx(ks_dtype t) { return t == KS_COMPLEX64 || t == KS_COMPLEX128; }

/* The end of every call: with rc KS_OK and `single`, the n results (those made) cast to single
 * precision; on any failure every result released. */
static int narrow(ks_ctx *ctx, int rc, bool single, int n, ks_array *const *outs)
{
    for (int i = 0; i < n && !rc && single; i++) {
        ks_array *x = outs[i];
        if (!x->data && !x->base) continue; /* not asked for */
        const ks_dtype to = x->dtype == KS_COMPLEX128 ? KS_COMPLEX64
                            : x->dtype == KS_FLOAT64  ? KS_FLOAT32
                                                      : x->dtype;
        if (to == x->dtype) continue;
        ks_array y;
        if (!(rc = ks_array_astype(ctx, x, to, KS_CASTING_UNSAFE, &y))) {
            ks_array_release(x);
            *x = y;
        }
    }
    for (int i = 0; i < n && rc; i++) ks_array_release(outs[i]);
    return rc;
}

/* ---- stacks of matrices ---- */

/* The broadcast stack (leading axes) of up to two operands and each one's strides over it. */
typedef struct {
    int nd;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    ptrdiff_t st[2][KS_ARRAY_MAXDIMS];
    ptrdiff_t count;
} stack;

static int stack_init(ks_ctx *ctx, stack *s, int nop, const ks_array *const *ops)
{
    ks_array v[2];
    const ks_array *pv[2];
    for (int k = 0; k < nop; k++) {
        v[k] = *ops[k];
        v[k].ndim -= 2;
        pv[k] = &v[k];
    }
    int rc = ks_array_broadcast_shape(ctx, nop, pv, &s->nd, s->shape);
    if (rc) return rc;
    for (int k = 0; k < nop; k++) ks__broadcast_strides(&v[k], s->nd, s->shape, s->st[k]);
    s->count = 1;
    for (int d = 0; d < s->nd; d++) s->count *= s->shape[d];
    return KS_OK;
}

/* Operand k's matrix number q (C order over the stack). */
static const char *stack_at(const stack *s, int k, const ks_array *a, ptrdiff_t q)
{
    const char *p = a->data;
    for (int d = s->nd - 1; d >= 0; d--) {
        p += (q % s->shape[d]) * s->st[k][d];
        q /= s->shape[d];
    }
    return p;
}

/* A result: the stack's shape followed by up to two core dimensions (-1: none). */
static int result(ks_ctx *ctx, const stack *s, ks_dtype t, ptrdiff_t r, ptrdiff_t c, ks_array *out)
{
    ptrdiff_t shape[KS_ARRAY_MAXDIMS + 2];
    int nd = s->nd;
    memcpy(shape, s->shape, (size_t)nd * sizeof *shape);
    if (r >= 0) shape[nd++] = r;
    if (c >= 0) shape[nd++] = c;
    if (nd > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "linalg: a result of more than %d dimensions",
                        KS_ARRAY_MAXDIMS);
    return ks__array_new(ctx, t, nd, shape, out);
}

/* d[i, j] = s[i, j] for an m x n matrix given by byte strides, in 32 x 32 tiles (one side is
 * usually a transpose of the other). */
#define COPY2D(T)                                                                                  \
    for (ptrdiff_t i0 = 0; i0 < m; i0 += 32)                                                       \
        for (ptrdiff_t j0 = 0; j0 < n; j0 += 32) {                                                 \
            const ptrdiff_t i1 = i0 + 32 < m ? i0 + 32 : m, j1 = j0 + 32 < n ? j0 + 32 : n;        \
            for (ptrdiff_t j = j0; j < j1; j++)                                                    \
                for (ptrdiff_t i = i0; i < i1; i++)                                                \
                    memcpy(d + i * drs + j * dcs, s + i * srs + j * scs, sizeof(T));               \
        }
typedef struct {
    double re, im;
} c128;
static void copy2d(size_t sz, const char *s, ptrdiff_t srs, ptrdiff_t scs, char *d, ptrdiff_t drs,
                   ptrdiff_t dcs, ptrdiff_t m, ptrdiff_t n)
{
    if (sz == 4) {
        COPY2D(float)
    } else if (sz == 8) {
        COPY2D(double)
    } else {
        COPY2D(c128)
    }
}
#undef COPY2D

/* An m x n matrix (byte strides rs, cs) into a column-major buffer with leading dimension ld. */
static void to_f(size_t sz, const char *src, ptrdiff_t rs, ptrdiff_t cs, ptrdiff_t m, ptrdiff_t n,
                 char *buf, ptrdiff_t ld)
{
    copy2d(sz, src, rs, cs, buf, (ptrdiff_t)sz, ld * (ptrdiff_t)sz, m, n);
}
/* The m x n top-left of a column-major buffer into C-contiguous rows of n. */
static void from_f(size_t sz, const char *buf, ptrdiff_t ld, ptrdiff_t m, ptrdiff_t n, char *dst)
{
    copy2d(sz, buf, (ptrdiff_t)sz, ld * (ptrdiff_t)sz, dst, n * (ptrdiff_t)sz, (ptrdiff_t)sz, m, n);
}

/* The operand in dtype t: `a` itself, or a cast copy in *copy (empty when not needed). */
static int in_dtype(ks_ctx *ctx, const ks_array *a, ks_dtype t, ks_array *copy,
                    const ks_array **use)
{
    ks__array_clear(copy);
    *use = a;
    if (a->dtype == t) return KS_OK;
    int rc = ks__array_copy_order(ctx, a, t, KS_ORDER_C, copy);
    *use = copy;
    return rc;
}

/* NumPy's checks of a matrix operand: at least 2-d, and square when asked. */
static int check_matrix(ks_ctx *ctx, const char *fn, const char *arg, const ks_array *a,
                        bool square)
{
    if (a->ndim < 2)
        return ks__fail(ctx, KS_EINVAL,
                        "%s: %s is %d-dimensional; it must be at least two-dimensional", fn, arg,
                        a->ndim);
    if (square && a->shape[a->ndim - 1] != a->shape[a->ndim - 2])
        return ks__fail(ctx, KS_EINVAL,
                        "%s: the last 2 dimensions of %s must be square (it is %td x %td)", fn, arg,
                        a->shape[a->ndim - 2], a->shape[a->ndim - 1]);
    return KS_OK;
}

/* Every dimension handed to LAPACK must fit its int. */
static int lapack_dims(ks_ctx *ctx, const char *fn, ptrdiff_t m, ptrdiff_t n)
{
    if (m > INT_MAX / 4 || n > INT_MAX / 4)
        return ks__fail(ctx, KS_EOVERFLOW, "%s: %td x %td is too large for LAPACK's int", fn, m, n);
    return KS_OK;
}

#define ROWS(a) ((a)->shape[(a)->ndim - 2])
#define COLS(a) ((a)->shape[(a)->ndim - 1])
#define RS(a) ((a)->strides[(a)->ndim - 2])
#define CS(a) ((a)->strides[(a)->ndim - 1])
#define MAX1(x) ((x) > 1 ? (x) : 1)

/* Workspace of n elements of `size` bytes (at least one). */
static void *work_alloc(ks_ctx *ctx, size_t n, size_t size)
{
    return ks__scratch(ctx, n ? n : 1, size);
}
/* A workspace size LAPACK reported in work[0] (a real, or a complex's real part). */
static size_t lwork_of(const void *w)
{
    const double v = *(const double *)w; /* a complex's real part first */
    return v > 1.0 ? (size_t)v + 1 : 1;
}

/* ---- solve, inv ---- */

static int gesv(ks_dtype t, int n, int nrhs, void *a, int *ipiv, void *b)
{
    int info = 0;
    const int ld = MAX1(n);
    switch (t) {
    case KS_FLOAT64: dgesv_(&n, &nrhs, a, &ld, ipiv, b, &ld, &info); break;
    default: zgesv_(&n, &nrhs, a, &ld, ipiv, b, &ld, &info); break;
    }
    return info;
}

/* 'L' or 'U' when the column-major n x n matrix a is triangular (a diagonal one reads 'L'), else
 * 0. A solve is then a substitution (trtrs), O(n^2) a right-hand side instead of LU's O(n^3), as
 * MATLAB's mldivide does; the scan of each side stops at its first nonzero, so a full matrix costs
 * two reads. */
static bool nonzero(const char *e, size_t sz)
{
    const double *v = (const double *)e;
    return v[0] != 0 || (sz > sizeof(double) && v[1] != 0);
}
static char triangle(const char *a, ptrdiff_t n, size_t sz)
{
    bool lower = true, upper = true;
    for (ptrdiff_t j = 1; j < n && lower; j++) /* above the diagonal */
        for (ptrdiff_t i = 0; i < j && lower; i++)
            lower = !nonzero(a + (size_t)(j * n + i) * sz, sz);
    for (ptrdiff_t j = 0; j < n - 1 && upper && !lower; j++) /* below */
        for (ptrdiff_t i = j + 1; i < n && upper; i++)
            upper = !nonzero(a + (size_t)(j * n + i) * sz, sz);
    return lower ? 'L' : upper ? 'U' : 0;
}

static int trtrs(ks_dtype t, char uplo, int n, int nrhs, const void *a, void *b)
{
    int info = 0;
    const int ld = MAX1(n);
    switch (t) {
    case KS_FLOAT64: dtrtrs_(&uplo, "N", "N", &n, &nrhs, a, &ld, b, &ld, &info, 1, 1, 1); break;
    default: ztrtrs_(&uplo, "N", "N", &n, &nrhs, a, &ld, b, &ld, &info, 1, 1, 1); break;
    }
    return info;
}

/* solve (b given) or inv (b NULL: the identity); a triangular a by substitution. */
static int solve_inv(ks_ctx *ctx, const char *fn, const ks_array *a0, const ks_array *b0,
                     ks_array *out)
{
    ks__array_clear(out);
    int rc = check_matrix(ctx, fn, "a", a0, true);
    if (rc) return rc;
    const ptrdiff_t n = COLS(a0);
    ks_array bv;
    bool vec = false;
    if (b0) {
        if (b0->ndim == 0)
            return ks__fail(ctx, KS_EINVAL, "solve: b is 0-dimensional; it must be at least 1-d");
        bv = *b0;
        vec = b0->ndim == 1; /* NumPy 2: b is a vector only when it is 1-d */
        if (vec) bv.ndim = 2, bv.shape[1] = 1, bv.strides[1] = 0;
        if (ROWS(&bv) != n)
            return ks__fail(ctx, KS_EINVAL,
                            "solve: b has %td rows where a is %td x %td (Input operand 1 has a "
                            "mismatch in its core dimension 0)",
                            ROWS(&bv), n, n);
    }
    const ks_dtype t = work_dtype(b0 ? ks_dtype_promote(a0->dtype, b0->dtype) : a0->dtype);
    const bool single = single_of(a0->dtype) && (!b0 || single_of(b0->dtype));
    const ptrdiff_t k = b0 ? COLS(&bv) : n;
    if ((rc = lapack_dims(ctx, fn, n, k))) return rc;
    ks_array ca, cb;
    ks__array_clear(&cb);
    const ks_array *a, *b = NULL;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    if (b0 && (rc = in_dtype(ctx, &bv, t, &cb, &b))) goto done;
    stack s;
    const ks_array *ops[2] = {a, b};
    if ((rc = stack_init(ctx, &s, b0 ? 2 : 1, ops))) goto done;
    if ((rc = result(ctx, &s, t, n, vec ? -1 : k, out))) goto done;
    const size_t sz = ks__dtypes[t].size;
    char *abuf = work_alloc(ctx, (size_t)(n * n + n * k), sz);
    int *ipiv = work_alloc(ctx, (size_t)n, sizeof(int));
    if (!abuf || !ipiv) {
        rc = KS_ENOMEM;
    } else {
        char *bbuf = abuf + (size_t)(n * n) * sz;
        for (ptrdiff_t q = 0; q < s.count && n > 0; q++) {
            to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), n, n, abuf, n);
            if (b0) {
                to_f(sz, stack_at(&s, 1, b, q), RS(b), CS(b), n, k, bbuf, n);
            } else {
                memset(bbuf, 0, (size_t)(n * n) * sz);
                for (ptrdiff_t i = 0; i < n; i++) {
                    char *e = bbuf + (size_t)(i * n + i) * sz;
                    *(double *)e = 1.0;
                }
            }
            const char tri = triangle(abuf, n, sz);
            if ((tri ? trtrs(t, tri, (int)n, (int)k, abuf, bbuf)
                     : gesv(t, (int)n, (int)k, abuf, ipiv, bbuf)) > 0) {
                rc = ks__fail(ctx, KS_ENUMERIC, "Singular matrix");
                break;
            }
            from_f(sz, bbuf, n, n, k, out->data + (size_t)(q * n * k) * sz);
        }
    }
    ks__free(ctx, abuf);
    ks__free(ctx, ipiv);
done:
    ks_array_release(&ca);
    ks_array_release(&cb);
    return narrow(ctx, rc, single, 1, &out);
}

int ks_array_linalg_solve(ks_ctx *ctx, const ks_array *a, const ks_array *b, ks_array *out)
{
    return solve_inv(ctx, "solve", a, b, out);
}
int ks_array_linalg_inv(ks_ctx *ctx, const ks_array *a, ks_array *out)
{
    return solve_inv(ctx, "inv", a, NULL, out);
}

/* ---- slogdet, det ---- */

static int getrf(ks_dtype t, int n, void *a, int *ipiv)
{
    int info = 0;
    const int ld = MAX1(n);
    switch (t) {
    case KS_FLOAT64: dgetrf_(&n, &n, a, &ld, ipiv, &info); break;
    default: zgetrf_(&n, &n, a, &ld, ipiv, &info); break;
    }
    return info;
}

/* sign and log|det| of an LU factor, as NumPy's: the row swaps and each diagonal element's sign
 * (real) or phase (complex) multiplied into the sign, the logs of the magnitudes summed; a
 * singular factor gives sign 0 and -inf. */
#define SLOGDET_REAL(name, T, LOG)                                                                 \
    static void name(const T *lu, const int *ipiv, int n, bool singular, T *sign, T *logdet)       \
    {                                                                                              \
        T sg = 1, ld = 0;                                                                          \
        if (singular) {                                                                            \
            *sign = 0, *logdet = -(T)INFINITY;                                                     \
            return;                                                                                \
        }                                                                                          \
        for (int i = 0; i < n; i++) {                                                              \
            if (ipiv[i] != i + 1) sg = -sg;                                                        \
            T d = lu[(ptrdiff_t)i * n + i];                                                        \
            if (d < 0) sg = -sg, d = -d;                                                           \
            ld += LOG(d);                                                                          \
        }                                                                                          \
        *sign = sg, *logdet = ld;                                                                  \
    }
SLOGDET_REAL(slogdet_d, double, log)
#define SLOGDET_CPLX(name, T, HYPOT, LOG)                                                          \
    static void name(const T *lu, const int *ipiv, int n, bool singular, T *sign, T *logdet)       \
    {                                                                                              \
        T sr = 1, si = 0, ld = 0;                                                                  \
        if (singular) {                                                                            \
            sign[0] = sign[1] = 0, *logdet = -(T)INFINITY;                                         \
            return;                                                                                \
        }                                                                                          \
        for (int i = 0; i < n; i++) {                                                              \
            if (ipiv[i] != i + 1) sr = -sr, si = -si;                                              \
            const T *d = lu + 2 * ((ptrdiff_t)i * n + i);                                          \
            const T ab = HYPOT(d[0], d[1]), er = d[0] / ab, ei = d[1] / ab;                        \
            const T nr = sr * er - si * ei, ni = sr * ei + si * er;                                \
            sr = nr, si = ni;                                                                      \
            ld += LOG(ab);                                                                         \
        }                                                                                          \
        sign[0] = sr, sign[1] = si, *logdet = ld;                                                  \
    }
SLOGDET_CPLX(slogdet_z, double, hypot, log)

/* slogdet (logdet given: sign into out) or det (logdet NULL: sign * exp(logdet) into out). */
static int det_call(ks_ctx *ctx, const char *fn, const ks_array *a0, ks_array *out,
                    ks_array *logdet)
{
    ks__array_clear(out);
    if (logdet) ks__array_clear(logdet);
    int rc = check_matrix(ctx, fn, "a", a0, true);
    if (rc) return rc;
    const ptrdiff_t n = COLS(a0);
    if ((rc = lapack_dims(ctx, fn, n, n))) return rc;
    const ks_dtype t = work_dtype(a0->dtype), rt = KS_FLOAT64;
    const bool single = single_of(a0->dtype);
    const size_t sz = ks__dtypes[t].size, rsz = ks__dtypes[rt].size;
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    stack s;
    if ((rc = stack_init(ctx, &s, 1, &a)) || (rc = result(ctx, &s, t, -1, -1, out)) ||
        (logdet && (rc = result(ctx, &s, rt, -1, -1, logdet))))
        goto done;
    char *buf = work_alloc(ctx, (size_t)(n * n), sz);
    int *ipiv = work_alloc(ctx, (size_t)n, sizeof(int));
    if (!buf || !ipiv) rc = KS_ENOMEM;
    for (ptrdiff_t q = 0; q < s.count && !rc; q++) {
        to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), n, n, buf, n);
        const bool singular = n > 0 && getrf(t, (int)n, buf, ipiv) > 0;
        double sg[2] = {0, 0}, ld;
        if (t == KS_FLOAT64)
            slogdet_d((double *)buf, ipiv, (int)n, singular, sg, &ld);
        else
            slogdet_z((double *)buf, ipiv, (int)n, singular, sg, &ld);
        if (logdet) {
            memcpy(logdet->data + (size_t)q * rsz, &ld, rsz);
        } else {
            const double e = exp(ld);
            sg[0] *= e, sg[1] *= e;
        }
        memcpy(out->data + (size_t)q * sz, sg, sz);
    }
    ks__free(ctx, buf);
    ks__free(ctx, ipiv);
done:
    ks_array_release(&ca);
    ks_array *outs[2] = {out, logdet};
    return narrow(ctx, rc, single, logdet ? 2 : 1, outs);
}

int ks_array_linalg_slogdet(ks_ctx *ctx, const ks_array *a, ks_array *sign, ks_array *logabsdet)
{
    return det_call(ctx, "slogdet", a, sign, logabsdet);
}
int ks_array_linalg_det(ks_ctx *ctx, const ks_array *a, ks_array *out)
{
    return det_call(ctx, "det", a, out, NULL);
}

/* ---- cholesky ---- */

int ks_array_linalg_cholesky(ks_ctx *ctx, const ks_array *a0, bool upper, ks_array *out)
{
    ks__array_clear(out);
    int rc = check_matrix(ctx, "cholesky", "a", a0, true);
    if (rc) return rc;
    const ptrdiff_t n = COLS(a0);
    if ((rc = lapack_dims(ctx, "cholesky", n, n))) return rc;
    const ks_dtype t = work_dtype(a0->dtype);
    const bool single = single_of(a0->dtype);
    const size_t sz = ks__dtypes[t].size;
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    stack s;
    if ((rc = stack_init(ctx, &s, 1, &a)) || (rc = result(ctx, &s, t, n, n, out))) goto done;
    char *buf = work_alloc(ctx, (size_t)(n * n), sz);
    if (!buf) rc = KS_ENOMEM;
    const char uplo = upper ? 'U' : 'L';
    const int in = (int)n, ld = (int)MAX1(n);
    for (ptrdiff_t q = 0; q < s.count && !rc && n > 0; q++) {
        to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), n, n, buf, n);
        int info = 0;
        switch (t) {
        case KS_FLOAT64: dpotrf_(&uplo, &in, (double *)buf, &ld, &info, 1); break;
        default: zpotrf_(&uplo, &in, buf, &ld, &info, 1); break;
        }
        if (info > 0) {
            rc = ks__fail(ctx, KS_ENUMERIC, "Matrix is not positive definite");
            break;
        }
        /* the other triangle holds the input: zero it */
        for (ptrdiff_t j = 0; j < n; j++)
            for (ptrdiff_t i = 0; i < n; i++)
                if (upper ? i > j : i < j) memset(buf + (size_t)(i + j * n) * sz, 0, sz);
        from_f(sz, buf, n, n, n, out->data + (size_t)(q * n * n) * sz);
    }
    ks__free(ctx, buf);
done:
    ks_array_release(&ca);
    return narrow(ctx, rc, single, 1, &out);
}

/* ---- qr ---- */

static int geqrf(ks_dtype t, int m, int n, void *a, void *tau, void *work, int lwork)
{
    int info = 0;
    const int ld = MAX1(m);
    switch (t) {
    case KS_FLOAT64: dgeqrf_(&m, &n, a, &ld, tau, work, &lwork, &info); break;
    default: zgeqrf_(&m, &n, a, &ld, tau, work, &lwork, &info); break;
    }
    return info;
}
static int orgqr(ks_dtype t, int m, int n, int k, void *a, const void *tau, void *work, int lwork)
{
    int info = 0;
    const int ld = MAX1(m);
    switch (t) {
    case KS_FLOAT64: dorgqr_(&m, &n, &k, a, &ld, tau, work, &lwork, &info); break;
    default: zungqr_(&m, &n, &k, a, &ld, tau, work, &lwork, &info); break;
    }
    return info;
}

int ks_array_linalg_qr(ks_ctx *ctx, const ks_array *a0, ks_qr_mode mode, ks_array *q_out,
                       ks_array *r_out)
{
    ks__array_clear(q_out);
    ks__array_clear(r_out);
    int rc = check_matrix(ctx, "qr", "a", a0, false);
    if (rc) return rc;
    const ptrdiff_t m = ROWS(a0), n = COLS(a0), k = m < n ? m : n;
    if ((rc = lapack_dims(ctx, "qr", m, n))) return rc;
    const ks_dtype t = work_dtype(a0->dtype);
    const bool single = single_of(a0->dtype);
    const size_t sz = ks__dtypes[t].size;
    const bool complete = mode == KS_QR_COMPLETE;
    const ptrdiff_t qcols = complete ? m : k, rrows = complete ? m : k,
                    bcols = complete && m > n ? m : n, ld = MAX1(m);
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    stack s;
    if ((rc = stack_init(ctx, &s, 1, &a))) goto done;
    if (mode == KS_QR_RAW) {
        if (!(rc = result(ctx, &s, t, n, m, q_out))) rc = result(ctx, &s, t, k, -1, r_out);
    } else if (mode == KS_QR_R) {
        rc = result(ctx, &s, t, k, n, r_out);
    } else if (!(rc = result(ctx, &s, t, m, qcols, q_out))) {
        rc = result(ctx, &s, t, rrows, n, r_out);
    }
    if (rc) goto done;
    char *buf = work_alloc(ctx, (size_t)(ld * bcols + k), sz), *tau = NULL, *work = NULL;
    if (!buf) {
        rc = KS_ENOMEM;
        goto done;
    }
    tau = buf + (size_t)(ld * bcols) * sz;
    /* the workspace both routines want, asked once */
    double wq[4] = {0};
    size_t lwork = 1;
    geqrf(t, (int)m, (int)n, buf, tau, wq, -1);
    lwork = lwork_of(wq);
    if (mode == KS_QR_REDUCED || complete) {
        orgqr(t, (int)m, (int)qcols, (int)k, buf, tau, wq, -1);
        const size_t l2 = lwork_of(wq);
        if (l2 > lwork) lwork = l2;
    }
    if (!(work = work_alloc(ctx, lwork, sz))) rc = KS_ENOMEM;
    for (ptrdiff_t q = 0; q < s.count && !rc; q++) {
        to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), m, n, buf, ld);
        geqrf(t, (int)m, (int)n, buf, tau, work, (int)lwork);
        if (mode == KS_QR_RAW) {
            /* NumPy's h: the column-major factor read as C-order rows, (n, m) */
            memcpy(q_out->data + (size_t)(q * n * m) * sz, buf, (size_t)(n * m) * sz);
            memcpy(r_out->data + (size_t)(q * k) * sz, tau, (size_t)k * sz);
            continue;
        }
        char *r = r_out->data + (size_t)(q * rrows * n) * sz;
        memset(r, 0, (size_t)(rrows * n) * sz);
        for (ptrdiff_t i = 0; i < k; i++)
            for (ptrdiff_t j = i; j < n; j++)
                memcpy(r + (size_t)(i * n + j) * sz, buf + (size_t)(i + j * ld) * sz, sz);
        if (mode == KS_QR_R) continue;
        orgqr(t, (int)m, (int)qcols, (int)k, buf, tau, work, (int)lwork);
        from_f(sz, buf, ld, m, qcols, q_out->data + (size_t)(q * m * qcols) * sz);
    }
    ks__free(ctx, buf);
    ks__free(ctx, work);
done:
    ks_array_release(&ca);
    ks_array *outs[2] = {q_out, r_out};
    return narrow(ctx, rc, single, 2, outs);
}

/* ---- svd ---- */

/* gesdd on one column-major m x n matrix (jobz 'A', 'S' or 'N'); lwork -1 asks for the sizes. */
static int gesdd(ks_dtype t, char jobz, int m, int n, void *a, void *s, void *u, int ldu, void *vt,
                 int ldvt, void *work, int lwork, void *rwork, int *iwork)
{
    int info = 0;
    const int ld = MAX1(m);
    switch (t) {
    case KS_FLOAT64:
        dgesdd_(&jobz, &m, &n, a, &ld, s, u, &ldu, vt, &ldvt, work, &lwork, iwork, &info, 1);
        break;
    default:
        zgesdd_(&jobz, &m, &n, a, &ld, s, u, &ldu, vt, &ldvt, work, &lwork, rwork, iwork, &info, 1);
        break;
    }
    return info;
}

/* An identity of r x c (row-major) in dtype t. */
static void identity(ks_dtype t, char *p, ptrdiff_t r, ptrdiff_t c)
{
    const size_t sz = ks__dtypes[t].size;
    memset(p, 0, (size_t)(r * c) * sz);
    for (ptrdiff_t i = 0; i < r && i < c; i++) {
        char *e = p + (size_t)(i * c + i) * sz;
        *(double *)e = 1.0;
    }
}

int ks_array_linalg_svd(ks_ctx *ctx, const ks_array *a0, bool full_matrices, bool compute_uv,
                        ks_array *u_out, ks_array *s_out, ks_array *vh_out)
{
    ks__array_clear(u_out);
    ks__array_clear(s_out);
    ks__array_clear(vh_out);
    int rc = check_matrix(ctx, "svd", "a", a0, false);
    if (rc) return rc;
    const ptrdiff_t m = ROWS(a0), n = COLS(a0), k = m < n ? m : n, mx = m < n ? n : m;
    if ((rc = lapack_dims(ctx, "svd", m, n))) return rc;
    const ks_dtype t = work_dtype(a0->dtype), rt = KS_FLOAT64;
    const bool single = single_of(a0->dtype);
    const size_t sz = ks__dtypes[t].size, rsz = ks__dtypes[rt].size;
    const char jobz = compute_uv ? (full_matrices ? 'A' : 'S') : 'N';
    const ptrdiff_t ucols = full_matrices ? m : k, vrows = full_matrices ? n : k;
    const ptrdiff_t ldu = MAX1(m), ldvt = MAX1(vrows);
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    stack s;
    if ((rc = stack_init(ctx, &s, 1, &a)) || (rc = result(ctx, &s, rt, k, -1, s_out))) goto done;
    if (compute_uv &&
        ((rc = result(ctx, &s, t, m, ucols, u_out)) || (rc = result(ctx, &s, t, vrows, n, vh_out))))
        goto done;
    /* a, u, vt buffers; iwork 8k; complex rwork as LAPACK 3.7 asks */
    const size_t na = (size_t)(MAX1(m) * n), nu = compute_uv ? (size_t)(ldu * ucols) : 1,
                 nv = compute_uv ? (size_t)(ldvt * n) : 1;
    const size_t nr = !is_cplx(t)  ? 1
                      : compute_uv ? (size_t)(5 * k * k + 5 * k > 2 * mx * k + 2 * k * k + k
                                                  ? 5 * k * k + 5 * k
                                                  : 2 * mx * k + 2 * k * k + k)
                                   : (size_t)(7 * k);
    char *buf = work_alloc(ctx, na + nu + nv, sz), *work = NULL;
    void *rwork = work_alloc(ctx, nr + (size_t)k, rsz);
    int *iwork = work_alloc(ctx, (size_t)(8 * k), sizeof(int));
    if (!buf || !rwork || !iwork) {
        rc = KS_ENOMEM;
        goto free;
    }
    char *ub = buf + na * sz, *vb = ub + nu * sz, *sv = (char *)rwork + nr * rsz;
    double wq[4] = {0};
    size_t lwork = 1;
    if (k > 0) {
        gesdd(t, jobz, (int)m, (int)n, buf, sv, ub, (int)ldu, vb, (int)ldvt, wq, -1, rwork, iwork);
        lwork = lwork_of(wq);
    }
    if (!(work = work_alloc(ctx, lwork, sz))) {
        rc = KS_ENOMEM;
        goto free;
    }
    for (ptrdiff_t q = 0; q < s.count; q++) {
        if (k == 0) { /* LAPACK returns at once; NumPy's U and Vh are identities */
            if (compute_uv) {
                identity(t, u_out->data + (size_t)(q * m * ucols) * sz, m, ucols);
                identity(t, vh_out->data + (size_t)(q * vrows * n) * sz, vrows, n);
            }
            continue;
        }
        to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), m, n, buf, MAX1(m));
        if (gesdd(t, jobz, (int)m, (int)n, buf, sv, ub, (int)ldu, vb, (int)ldvt, work, (int)lwork,
                  rwork, iwork) != 0) {
            rc = ks__fail(ctx, KS_ENUMERIC, "SVD did not converge");
            break;
        }
        memcpy(s_out->data + (size_t)(q * k) * rsz, sv, (size_t)k * rsz);
        if (compute_uv) {
            from_f(sz, ub, ldu, m, ucols, u_out->data + (size_t)(q * m * ucols) * sz);
            from_f(sz, vb, ldvt, vrows, n, vh_out->data + (size_t)(q * vrows * n) * sz);
        }
    }
free:
    ks__free(ctx, buf);
    ks__free(ctx, work);
    ks__free(ctx, rwork);
    ks__free(ctx, iwork);
done:
    ks_array_release(&ca);
    ks_array *outs[3] = {u_out, s_out, vh_out};
    return narrow(ctx, rc, single, 3, outs);
}

/* ---- eigh ---- */

static int syevd(ks_dtype t, char jobz, char uplo, int n, void *a, void *w, void *work, int lwork,
                 void *rwork, int lrwork, int *iwork, int liwork)
{
    int info = 0;
    const int ld = MAX1(n);
    switch (t) {
    case KS_FLOAT64:
        dsyevd_(&jobz, &uplo, &n, a, &ld, w, work, &lwork, iwork, &liwork, &info, 1, 1);
        break;
    default:
        zheevd_(&jobz, &uplo, &n, a, &ld, w, work, &lwork, rwork, &lrwork, iwork, &liwork, &info, 1,
                1);
        break;
    }
    return info;
}

int ks_array_linalg_eigh(ks_ctx *ctx, const ks_array *a0, bool upper, bool compute_v,
                         ks_array *w_out, ks_array *v_out)
{
    ks__array_clear(w_out);
    ks__array_clear(v_out);
    int rc = check_matrix(ctx, "eigh", "a", a0, true);
    if (rc) return rc;
    const ptrdiff_t n = COLS(a0);
    if ((rc = lapack_dims(ctx, "eigh", n, n))) return rc;
    const ks_dtype t = work_dtype(a0->dtype), rt = KS_FLOAT64;
    const bool single = single_of(a0->dtype);
    const size_t sz = ks__dtypes[t].size, rsz = ks__dtypes[rt].size;
    const char jobz = compute_v ? 'V' : 'N', uplo = upper ? 'U' : 'L';
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    stack s;
    if ((rc = stack_init(ctx, &s, 1, &a)) || (rc = result(ctx, &s, rt, n, -1, w_out)) ||
        (compute_v && (rc = result(ctx, &s, t, n, n, v_out))))
        goto done;
    char *buf = work_alloc(ctx, (size_t)(n * n), sz), *work = NULL, *rwork = NULL;
    int *iwork = NULL;
    size_t lwork = 1, lrwork = 1, liwork = 1;
    if (!buf) {
        rc = KS_ENOMEM;
        goto free;
    }
    if (n > 0) {
        double wq[4] = {0}, rq[2] = {0};
        int iq = 0;
        syevd(t, jobz, uplo, (int)n, buf, rq, wq, -1, rq, -1, &iq, -1);
        lwork = lwork_of(wq);
        lrwork = lwork_of(rq);
        liwork = iq > 1 ? (size_t)iq : 1;
    }
    work = work_alloc(ctx, lwork, sz);
    rwork = work_alloc(ctx, lrwork + (size_t)n, rsz);
    iwork = work_alloc(ctx, liwork, sizeof(int));
    if (!work || !rwork || !iwork) {
        rc = KS_ENOMEM;
        goto free;
    }
    char *w = rwork + lrwork * rsz;
    for (ptrdiff_t q = 0; q < s.count && n > 0; q++) {
        to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), n, n, buf, n);
        if (syevd(t, jobz, uplo, (int)n, buf, w, work, (int)lwork, rwork, (int)lrwork, iwork,
                  (int)liwork) != 0) {
            rc = ks__fail(ctx, KS_ENUMERIC, "Eigenvalues did not converge");
            break;
        }
        memcpy(w_out->data + (size_t)(q * n) * rsz, w, (size_t)n * rsz);
        if (compute_v) from_f(sz, buf, n, n, n, v_out->data + (size_t)(q * n * n) * sz);
    }
free:
    ks__free(ctx, buf);
    ks__free(ctx, work);
    ks__free(ctx, rwork);
    ks__free(ctx, iwork);
done:
    ks_array_release(&ca);
    ks_array *outs[2] = {w_out, v_out};
    return narrow(ctx, rc, single, 2, outs);
}

/* ---- eig ---- */

static int geev(ks_dtype t, char jobvr, int n, void *a, void *w, void *wi, void *vr, void *work,
                int lwork, void *rwork)
{
    int info = 0, one = 1;
    const int ld = MAX1(n);
    const char jobvl = 'N';
    switch (t) {
    case KS_FLOAT64:
        dgeev_(&jobvl, &jobvr, &n, a, &ld, w, wi, NULL, &one, vr, &ld, work, &lwork, &info, 1, 1);
        break;
    default:
        zgeev_(&jobvl, &jobvr, &n, a, &ld, w, NULL, &one, vr, &ld, work, &lwork, rwork, &info, 1,
               1);
        break;
    }
    return info;
}

/* A real geev's eigenvalues (wr, wi) and vectors (vr: a conjugate pair's real and imaginary
 * parts in two columns) as complex values: w[j] and the C-order rows of v. */
#define EIG_PAIRS(name, T)                                                                         \
    static void name(ptrdiff_t n, const T *wr, const T *wi, const T *vr, T *w, T *v)               \
    {                                                                                              \
        for (ptrdiff_t j = 0; j < n; j++) w[2 * j] = wr[j], w[2 * j + 1] = wi[j];                  \
        if (!v) return;                                                                            \
        for (ptrdiff_t j = 0; j < n; j++) {                                                        \
            const bool pair = wi[j] != 0 && j + 1 < n;                                             \
            for (ptrdiff_t i = 0; i < n; i++) {                                                    \
                const T re = vr[i + j * n], im = pair ? vr[i + (j + 1) * n] : 0;                   \
                v[2 * (i * n + j)] = re, v[2 * (i * n + j) + 1] = im;                              \
                if (pair) v[2 * (i * n + j + 1)] = re, v[2 * (i * n + j + 1) + 1] = -im;           \
            }                                                                                      \
            if (pair) j++;                                                                         \
        }                                                                                          \
    }
EIG_PAIRS(eig_pairs_d, double)

int ks_array_linalg_eig(ks_ctx *ctx, const ks_array *a0, bool compute_v, ks_array *w_out,
                        ks_array *v_out)
{
    ks__array_clear(w_out);
    ks__array_clear(v_out);
    int rc = check_matrix(ctx, "eig", "a", a0, true);
    if (rc) return rc;
    const ptrdiff_t n = COLS(a0);
    if ((rc = lapack_dims(ctx, "eig", n, n))) return rc;
    const bool single = single_of(a0->dtype);
    const ks_dtype t = work_dtype(a0->dtype), rt = KS_FLOAT64, ct = KS_COMPLEX128;
    const size_t sz = ks__dtypes[t].size, rsz = ks__dtypes[rt].size, csz = 2 * rsz;
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    stack s;
    if ((rc = stack_init(ctx, &s, 1, &a)) || (rc = result(ctx, &s, ct, n, -1, w_out)) ||
        (compute_v && (rc = result(ctx, &s, ct, n, n, v_out))))
        goto done;
    /* a, vr, then w (complex) or wr and wi (real); rwork 2n for complex */
    char *buf = work_alloc(ctx, (size_t)(2 * n * n + 3 * n), csz), *work = NULL;
    if (!buf) {
        rc = KS_ENOMEM;
        goto free;
    }
    char *vr = buf + (size_t)(n * n) * sz, *w = vr + (size_t)(n * n) * sz, *wi = w + (size_t)n * sz;
    char *rwork = wi + (size_t)n * sz;
    const char jobvr = compute_v ? 'V' : 'N';
    double wq[4] = {0};
    size_t lwork = 1;
    if (n > 0) {
        geev(t, jobvr, (int)n, buf, w, wi, vr, wq, -1, rwork);
        lwork = lwork_of(wq);
    }
    if (!(work = work_alloc(ctx, lwork, sz))) {
        rc = KS_ENOMEM;
        goto free;
    }
    bool any_complex = is_cplx(t);
    for (ptrdiff_t q = 0; q < s.count && n > 0; q++) {
        to_f(sz, stack_at(&s, 0, a, q), RS(a), CS(a), n, n, buf, n);
        if (geev(t, jobvr, (int)n, buf, w, wi, vr, work, (int)lwork, rwork) != 0) {
            rc = ks__fail(ctx, KS_ENUMERIC, "Eigenvalues did not converge");
            break;
        }
        char *wo = w_out->data + (size_t)(q * n) * csz;
        char *vo = compute_v ? v_out->data + (size_t)(q * n * n) * csz : NULL;
        if (is_cplx(t)) {
            memcpy(wo, w, (size_t)n * csz);
            if (vo) from_f(sz, vr, n, n, n, vo);
            continue;
        }
        for (ptrdiff_t j = 0; j < n && !any_complex; j++) any_complex = ((double *)wi)[j] != 0;
        eig_pairs_d(n, (double *)w, (double *)wi, (double *)vr, (double *)wo, (double *)vo);
    }
    /* NumPy: a real matrix whose eigenvalues are all real gets real results (the real parts) */
    if (!rc && !any_complex) {
        ks_array *outs[2] = {w_out, v_out};
        for (int o = 0; o < (compute_v ? 2 : 1); o++) {
            ks_array re;
            if ((rc = ks_array_astype(ctx, outs[o], rt, KS_CASTING_UNSAFE, &re))) break;
            ks_array_release(outs[o]);
            *outs[o] = re;
        }
    }
free:
    ks__free(ctx, buf);
    ks__free(ctx, work);
done:
    ks_array_release(&ca);
    ks_array *outs[2] = {w_out, v_out};
    return narrow(ctx, rc, single, 2, outs);
}

/* ---- lstsq ---- */

static int gelsd(ks_dtype t, int m, int n, int nrhs, void *a, void *b, int ldb, void *s,
                 double rcond, int *rank, void *work, int lwork, void *rwork, int *iwork)
{
    int info = 0;
    const int lda = MAX1(m);
    switch (t) {
    case KS_FLOAT64:
        dgelsd_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, rank, work, &lwork, iwork, &info);
        break;
    default:
        zgelsd_(&m, &n, &nrhs, a, &lda, b, &ldb, s, &rcond, rank, work, &lwork, rwork, iwork,
                &info);
        break;
    }
    return info;
}

int ks_array_linalg_lstsq(ks_ctx *ctx, const ks_array *a0, const ks_array *b0, double rcond,
                          ks_array *x_out, ks_array *res_out, int64_t *rank_out, ks_array *s_out)
{
    ks__array_clear(x_out);
    ks__array_clear(res_out);
    ks__array_clear(s_out);
    *rank_out = 0;
    if (a0->ndim != 2)
        return ks__fail(ctx, KS_EINVAL, "lstsq: a is %d-dimensional; it must be 2-dimensional",
                        a0->ndim);
    if (b0->ndim != 1 && b0->ndim != 2)
        return ks__fail(ctx, KS_EINVAL, "lstsq: b is %d-dimensional; it must be 1- or 2-d",
                        b0->ndim);
    const bool vec = b0->ndim == 1;
    ks_array bv = *b0;
    if (vec) bv.ndim = 2, bv.shape[1] = 1, bv.strides[1] = 0;
    const ptrdiff_t m = a0->shape[0], n = a0->shape[1], k = bv.shape[1], mn = m < n ? m : n,
                    ldb = MAX1(m > n ? m : n);
    if (bv.shape[0] != m)
        return ks__fail(ctx, KS_EINVAL,
                        "lstsq: Incompatible dimensions: a has %td rows and b has %td", m,
                        bv.shape[0]);
    int rc = lapack_dims(ctx, "lstsq", ldb, k);
    if (rc) return rc;
    const ks_dtype t = work_dtype(ks_dtype_promote(a0->dtype, b0->dtype)), rt = KS_FLOAT64;
    const bool single = single_of(a0->dtype) && single_of(b0->dtype);
    const size_t sz = ks__dtypes[t].size, rsz = ks__dtypes[rt].size;
    /* NumPy's default: double's eps (the precision it computes in) times max(m, n) */
    if (rcond < 0) rcond = DBL_EPSILON * (double)(m > n ? m : n);
    /* no right-hand side: NumPy's one column of zeros, for the rank and singular values */
    const ptrdiff_t kb = k > 0 ? k : 1;
    ks_array ca, cb;
    ks__array_clear(&cb);
    const ks_array *a, *b;
    char *buf = NULL, *work = NULL, *rwork = NULL;
    int *iwork = NULL;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a)) || (rc = in_dtype(ctx, &bv, t, &cb, &b))) goto done;
    const ptrdiff_t xs[2] = {n, k}, ss[1] = {mn};
    if ((rc = ks__array_new(ctx, t, vec ? 1 : 2, xs, x_out)) ||
        (rc = ks__array_new(ctx, rt, 1, ss, s_out)))
        goto done;
    if (!(buf = work_alloc(ctx, (size_t)(MAX1(m) * n + ldb * kb), sz))) {
        rc = KS_ENOMEM;
        goto done;
    }
    char *bb = buf + (size_t)(MAX1(m) * n) * sz;
    memset(bb, 0, (size_t)(ldb * kb) * sz); /* rows past m (when n > m) read as zeros */
    to_f(sz, a->data, RS(a), CS(a), m, n, buf, MAX1(m));
    to_f(sz, b->data, RS(b), CS(b), m, k, bb, ldb);
    int rank = 0;
    size_t lwork = 1, lrwork = 1, liwork = 1;
    if (mn > 0) {
        double wq[4] = {0}, rq[2] = {0};
        int iq = 0;
        gelsd(t, (int)m, (int)n, (int)kb, buf, bb, (int)ldb, s_out->data, rcond, &rank, wq, -1, rq,
              &iq);
        lwork = lwork_of(wq);
        lrwork = lwork_of(rq);
        liwork = iq > 1 ? (size_t)iq : 1;
    }
    work = work_alloc(ctx, lwork, sz);
    rwork = work_alloc(ctx, lrwork, rsz);
    iwork = work_alloc(ctx, liwork, sizeof(int));
    if (!work || !rwork || !iwork) {
        rc = KS_ENOMEM;
        goto done;
    }
    if (mn > 0) {
        if (gelsd(t, (int)m, (int)n, (int)kb, buf, bb, (int)ldb, s_out->data, rcond, &rank, work,
                  (int)lwork, rwork, iwork) != 0) {
            rc = ks__fail(ctx, KS_ENUMERIC, "SVD did not converge in Linear Least Squares");
            goto done;
        }
    }
    *rank_out = rank;
    from_f(sz, bb, ldb, n, k, x_out->data);
    /* residuals: the squared norms of the rows past n, when a has full column rank and m > n */
    const bool resid = rank == n && m > n;
    const ptrdiff_t rs[1] = {resid ? (vec ? 1 : k) : 0};
    if ((rc = ks__array_new(ctx, rt, 1, rs, res_out))) goto done;
    for (ptrdiff_t j = 0; j < rs[0]; j++) {
        double acc = 0;
        for (ptrdiff_t i = n; i < m; i++) {
            const double *d = (const double *)(bb + (size_t)(i + j * ldb) * sz);
            acc += d[0] * d[0] + (is_cplx(t) ? d[1] * d[1] : 0.0);
        }
        ((double *)res_out->data)[j] = acc;
    }
done:
    ks__free(ctx, buf);
    ks__free(ctx, work);
    ks__free(ctx, rwork);
    ks__free(ctx, iwork);
    ks_array_release(&ca);
    ks_array_release(&cb);
    ks_array *outs[3] = {x_out, res_out, s_out};
    return narrow(ctx, rc, single, 3, outs);
}

/* ---- the 2-norm of vectors ---- */

/* sum |x_i|^2 of n elements with element stride inc, by BLAS's dot as NumPy's norm (a complex
 * vector's real parts dotted, then its imaginary parts). */
static double sumsq(ks_dtype t, const char *p, ptrdiff_t n, ptrdiff_t inc)
{
    if (inc < 0) { /* BLAS walks a negative stride from the lowest address */
        p += (n - 1) * inc * (ptrdiff_t)ks__dtypes[t].size;
        inc = -inc;
    }
    switch (t) {
    case KS_FLOAT32:
        return cblas_sdot((int)n, (const float *)p, (int)inc, (const float *)p, (int)inc);
    case KS_FLOAT64:
        return cblas_ddot((int)n, (const double *)p, (int)inc, (const double *)p, (int)inc);
    case KS_COMPLEX64: {
        const float *f = (const float *)p;
        return (double)(cblas_sdot((int)n, f, 2 * (int)inc, f, 2 * (int)inc) +
                        cblas_sdot((int)n, f + 1, 2 * (int)inc, f + 1, 2 * (int)inc));
    }
    default: {
        const double *d = (const double *)p;
        return cblas_ddot((int)n, d, 2 * (int)inc, d, 2 * (int)inc) +
               cblas_ddot((int)n, d + 1, 2 * (int)inc, d + 1, 2 * (int)inc);
    }
    }
}

int ks_array_linalg_norm2(ks_ctx *ctx, const ks_array *a0, int axis, bool keepdims, ks_array *out)
{
    ks__array_clear(out);
    /* norm keeps single precision (NumPy's norm is a dot in the array's own dtype) */
    const ks_dtype t = ks_dtype_kind(a0->dtype) == 'f' || ks_dtype_kind(a0->dtype) == 'c'
                           ? a0->dtype
                           : KS_FLOAT64,
                   rt = single_of(t) ? KS_FLOAT32 : KS_FLOAT64;
    const size_t sz = ks__dtypes[t].size;
    int rc, ax = 0;
    if (axis != KS_AXIS_NONE && (rc = ks__axis(ctx, axis, a0->ndim, &ax))) return rc;
    ks_array ca;
    const ks_array *a;
    if ((rc = in_dtype(ctx, a0, t, &ca, &a))) return rc;
    ks_array flat;
    ks__array_clear(&flat);
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    int nd = 0;
    if (axis == KS_AXIS_NONE) {
        /* the whole array: a view when it is contiguous (ravel copies otherwise, as NumPy) */
        if ((rc = ks_array_ravel(ctx, a, ks_array_is_c_contiguous(a) ? KS_ORDER_C : KS_ORDER_F,
                                 &flat)))
            goto done;
        for (int d = 0; d < a->ndim; d++) shape[d] = 1;
        nd = keepdims ? a->ndim : 0;
        if ((rc = ks__array_new(ctx, rt, nd, shape, out))) goto done;
        const ptrdiff_t len = flat.shape[0];
        if (len > INT_MAX) {
            rc = ks__fail(ctx, KS_EOVERFLOW, "norm: %td elements are too many for BLAS", len);
            goto done;
        }
        const double s = sqrt(sumsq(t, flat.data, len, flat.strides[0] / (ptrdiff_t)sz));
        if (rt == KS_FLOAT32)
            *(float *)out->data = (float)s;
        else
            *(double *)out->data = s;
        goto done;
    }
    /* one axis: a dot along it for every other position */
    for (int d = 0; d < a->ndim; d++)
        if (d != ax || keepdims) shape[nd++] = d == ax ? 1 : a->shape[d];
    if ((rc = ks__array_new(ctx, rt, nd, shape, out))) goto done;
    const ptrdiff_t len = a->shape[ax], inc = a->strides[ax] / (ptrdiff_t)sz,
                    total = ks_array_size(out);
    if (len > INT_MAX || a->strides[ax] % (ptrdiff_t)sz) {
        rc = ks__fail(ctx, KS_EOVERFLOW, "norm: an axis BLAS cannot read (%td elements)", len);
        goto done;
    }
    for (ptrdiff_t q = 0; q < total; q++) {
        const char *p = a->data;
        ptrdiff_t r = q;
        for (int d = a->ndim - 1; d >= 0; d--) {
            if (d == ax) continue;
            p += (r % a->shape[d]) * a->strides[d];
            r /= a->shape[d];
        }
        const double s = len ? sqrt(sumsq(t, p, len, inc)) : 0.0;
        if (rt == KS_FLOAT32)
            ((float *)out->data)[q] = (float)s;
        else
            ((double *)out->data)[q] = s;
    }
done:
    ks_array_release(&flat);
    ks_array_release(&ca);
    if (rc) ks_array_release(out);
    return rc;
}
