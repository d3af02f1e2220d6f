/* stats.c — np.average, cov, corrcoef, diff, gradient, histogram, bincount and digitize on the
 * reductions and element-wise functions of the array core, in NumPy's formulas and order of
 * operations (so that results agree with NumPy's to the last bit where it does not call BLAS). */
#include <math.h>
#include <string.h>

#include "array/reduce_internal.h"

/* ---- helpers ---- */

static int uf2(ks_ctx *ctx, ks_ufunc f, const ks_array *a, const ks_array *b, const ks_array *into,
               ks_array *out)
{
    const ks_array *in[2] = {a, b};
    ks_ufunc_options o = KS_UFUNC_OPTIONS_INIT;
    o.out = into;
    return ks_ufunc_call(ctx, f, in, &o, out);
}

/* A Python float: its kind counts in promotion, not its size (NEP 50). */
static int weak_scalar(ks_ctx *ctx, double v, ks_array *out)
{
    const int rc = ks_array_scalar(ctx, KS_FLOAT64, v, 0, out);
    if (rc == KS_OK) out->flags |= KS_ARRAY_WEAK;
    return rc;
}

/* a[start : start + len] along axis (a view). */
static ks_array slice(const ks_array *a, int axis, ptrdiff_t start, ptrdiff_t len)
{
    ks_array v = *a;
    v.data += start * a->strides[axis];
    v.shape[axis] = len;
    return v;
}

/* A new C-ordered copy of a (broadcast to ndim, shape when shape is not NULL) cast to t. */
static int to_c(ks_ctx *ctx, const ks_array *a, ks_dtype t, int ndim, const ptrdiff_t *shape,
                ks_array *out)
{
    int rc = ks__array_new(ctx, t, shape ? ndim : a->ndim, shape ? shape : a->shape, out);
    if (rc == KS_OK) rc = ks_array_assign(ctx, out, a, KS_CASTING_UNSAFE);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}

static bool inexact(ks_dtype t) { return ks__dtypes[t].kind == 'f' || ks__dtypes[t].kind == 'c'; }

/* ---- average ---- */

int ks_array_average(ks_ctx *ctx, const ks_array *a, const ks_array *weights, uint64_t axes,
                     bool keepdims, ks_array *out)
{
    ks__array_clear(out);
    ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
    o.axes = axes;
    o.keepdims = keepdims;
    if (!weights) return ks_array_reduce(ctx, KS_REDUCE_MEAN, a, &o, out);
    /* NumPy: result_type(a, w) (with float64 for integer a); a * w summed, over w summed */
    ks_dtype rt = ks_dtype_promote(a->dtype, weights->dtype);
    if (!inexact(a->dtype)) rt = ks_dtype_promote(rt, KS_FLOAT64);
    ks_array w = *weights;
    bool same = weights->ndim == a->ndim;
    for (int d = 0; same && d < a->ndim; d++) same = weights->shape[d] == a->shape[d];
    if (!same) {
        /* 1-d weights along the one axis */
        if (axes == 0 || axes == KS_AXES_EMPTY)
            return ks__fail(ctx, KS_EINVAL,
                            "Axis must be specified when shapes of a and weights differ.");
        if (weights->ndim != 1)
            return ks__fail(ctx, KS_EINVAL,
                            "1D weights expected when shapes of a and weights differ.");
        if (axes & (axes - 1))
            return ks__fail(ctx, KS_EINVAL, "weights: 1-d weights go with one axis, not several");
        int ax = 0;
        while (!((axes >> ax) & 1)) ax++;
        if (ax >= a->ndim)
            return ks__fail(ctx, KS_EINVAL, "axis %d is out of bounds for array of dimension %d",
                            ax, a->ndim);
        if (weights->shape[0] != a->shape[ax])
            return ks__fail(ctx, KS_EINVAL,
                            "Length of weights not compatible with specified axis.");
        w.ndim = a->ndim;
        for (int d = 0; d < a->ndim; d++) w.shape[d] = 1, w.strides[d] = 0;
        w.shape[ax] = weights->shape[0], w.strides[ax] = weights->strides[0];
    }
    ks_array prod, num, scl;
    ks__array_clear(&num);
    ks__array_clear(&scl);
    int rc = ks__array_new(ctx, rt, a->ndim, a->shape, &prod);
    if (rc != KS_OK) return rc;
    {
        const ks_array *in[2] = {a, &w};
        ks_ufunc_options uo = KS_UFUNC_OPTIONS_INIT;
        uo.out = &prod;
        uo.dtype = (int)rt;
        ks_array r;
        rc = ks_ufunc_call(ctx, KS_UFUNC_MULTIPLY, in, &uo, &r);
        if (rc == KS_OK) ks_array_release(&r);
    }
    ks_reduce_options so = o;
    so.keepdims = true;
    if (rc == KS_OK) rc = ks_array_reduce(ctx, KS_REDUCE_SUM, &prod, &so, &num);
    so.dtype = (int)rt;
    if (rc == KS_OK) rc = ks_array_reduce(ctx, KS_REDUCE_SUM, &w, &so, &scl);
    ks_array_release(&prod);
    if (rc == KS_OK) {
        const ptrdiff_t n = ks_array_size(&scl);
        const size_t es = ks__dtypes[rt].size;
        for (ptrdiff_t i = 0; i < n && rc == KS_OK; i++) {
            const char *p = scl.data + i * (ptrdiff_t)es;
            const bool zero = rt == KS_FLOAT32   ? *(const float *)p == 0
                              : rt == KS_FLOAT64 ? *(const double *)p == 0
                              : rt == KS_COMPLEX64
                                  ? ((const float *)p)[0] == 0 && ((const float *)p)[1] == 0
                                  : ((const double *)p)[0] == 0 && ((const double *)p)[1] == 0;
            if (zero) rc = ks__fail(ctx, KS_EINVAL, "Weights sum to zero, can't be normalized");
        }
    }
    ks_array avg;
    if (rc == KS_OK) rc = uf2(ctx, KS_UFUNC_DIVIDE, &num, &scl, NULL, &avg);
    ks_array_release(&num);
    ks_array_release(&scl);
    if (rc != KS_OK) return rc;
    if (!keepdims) {
        const uint64_t rm = axes ? axes : ~(uint64_t)0;
        int m = 0;
        for (int d = 0; d < avg.ndim; d++)
            if (!((rm >> d) & 1)) avg.shape[m] = avg.shape[d], avg.strides[m] = avg.strides[d], m++;
        avg.ndim = m;
    }
    *out = avg;
    return KS_OK;
}

/* ---- cov, corrcoef ---- */

/* X as np.cov builds it: 2-d, one variable per row, in float64 (or complex). */
static int cov_matrix(ks_ctx *ctx, const ks_array *m, const ks_array *y, bool rowvar, ks_array *X)
{
    if (m->ndim > 2) return ks__fail(ctx, KS_EINVAL, "m has more than 2 dimensions");
    if (y && y->ndim > 2) return ks__fail(ctx, KS_EINVAL, "y has more than 2 dimensions");
    ks_dtype t = ks_dtype_promote(m->dtype, KS_FLOAT64);
    if (y) t = ks_dtype_promote(t, y->dtype);
    const ks_array *src[2] = {m, y};
    ks_array part[2];
    ptrdiff_t rows = 0, cols = -1;
    for (int k = 0; k < (y ? 2 : 1); k++) {
        ks_array v = *src[k];
        if (v.ndim < 2) { /* ndmin=2: a 1-d array is one row */
            v.shape[1] = v.ndim ? v.shape[0] : 1, v.strides[1] = v.ndim ? v.strides[0] : 0;
            v.shape[0] = 1, v.strides[0] = 0;
            v.ndim = 2;
        } else if (!rowvar) {
            const ptrdiff_t s = v.shape[0], st = v.strides[0];
            v.shape[0] = v.shape[1], v.strides[0] = v.strides[1];
            v.shape[1] = s, v.strides[1] = st;
        }
        if (!rowvar && src[k]->ndim < 2 && k == 1 && v.shape[0] != 1) {
            /* (a 1-d y stays one row) */
        }
        if (cols >= 0 && v.shape[1] != cols) {
            if (k == 1) ks_array_release(&part[0]);
            return ks__fail(
                ctx, KS_EINVAL,
                "all the input array dimensions except for the concatenation axis must "
                "match exactly, but along dimension 1, the array at index 0 has size %td "
                "and the array at index 1 has size %td",
                cols, v.shape[1]);
        }
        cols = v.shape[1];
        int rc = to_c(ctx, &v, t, 0, NULL, &part[k]);
        if (rc != KS_OK) {
            if (k == 1) ks_array_release(&part[0]);
            return rc;
        }
        rows += v.shape[0];
    }
    if (!y) {
        *X = part[0];
        return KS_OK;
    }
    const ptrdiff_t shape[2] = {rows, cols};
    int rc = ks__array_new(ctx, t, 2, shape, X);
    if (rc == KS_OK) {
        const size_t b0 = (size_t)ks_array_size(&part[0]) * ks__dtypes[t].size;
        memcpy(X->data, part[0].data, b0);
        memcpy(X->data + b0, part[1].data, (size_t)ks_array_size(&part[1]) * ks__dtypes[t].size);
    }
    ks_array_release(&part[0]);
    ks_array_release(&part[1]);
    return rc;
}

/* Drop the length-1 axes (np.squeeze). */
static void squeeze(ks_array *a)
{
    int m = 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != 1) a->shape[m] = a->shape[d], a->strides[m] = a->strides[d], m++;
    a->ndim = m;
}

int ks_array_cov(ks_ctx *ctx, const ks_array *m, const ks_array *y, bool rowvar, int ddof,
                 ks_array *out)
{
    ks__array_clear(out);
    ks_array X, avg, xt, c, f;
    int rc = cov_matrix(ctx, m, y, rowvar, &X);
    if (rc != KS_OK) return rc;
    if (X.shape[0] == 0) {
        const ptrdiff_t z[2] = {0, 0};
        ks_array_release(&X);
        return ks__array_new(ctx, KS_FLOAT64, 2, z, out);
    }
    if (ddof < 0) ddof = 1;
    double fact = (double)X.shape[1] - ddof;
    if (fact <= 0) fact = 0.0;
    /* X -= X.mean(axis=1)[:, None] */
    ks_reduce_options o = KS_REDUCE_OPTIONS_INIT;
    o.axes = 2;
    o.keepdims = true;
    rc = ks_array_reduce(ctx, KS_REDUCE_MEAN, &X, &o, &avg);
    if (rc == KS_OK) {
        ks_array r;
        rc = uf2(ctx, KS_UFUNC_SUBTRACT, &X, &avg, &X, &r);
        if (rc == KS_OK) ks_array_release(&r);
        ks_array_release(&avg);
    }
    /* c = X @ X.T.conj() * (1 / fact) */
    ks__array_clear(&xt);
    if (rc == KS_OK) {
        ks_array t = X;
        t.shape[0] = X.shape[1], t.strides[0] = X.strides[1];
        t.shape[1] = X.shape[0], t.strides[1] = X.strides[0];
        if (ks__dtypes[X.dtype].kind == 'c') {
            const ks_array *in[1] = {&t};
            rc = ks_ufunc_call(ctx, KS_UFUNC_CONJUGATE, in, NULL, &xt);
        } else {
            ks_array_ref(&t, &xt);
        }
    }
    if (rc == KS_OK) rc = ks_array_matmul(ctx, &X, &xt, &c);
    ks_array_release(&xt);
    ks_array_release(&X);
    if (rc != KS_OK) return rc;
    rc = weak_scalar(ctx, 1.0 / fact, &f);
    if (rc == KS_OK) {
        ks_array r;
        rc = uf2(ctx, KS_UFUNC_MULTIPLY, &c, &f, &c, &r);
        if (rc == KS_OK) ks_array_release(&r);
        ks_array_release(&f);
    }
    if (rc != KS_OK) {
        ks_array_release(&c);
        return rc;
    }
    squeeze(&c);
    *out = c;
    return KS_OK;
}

int ks_array_corrcoef(ks_ctx *ctx, const ks_array *m, const ks_array *y, bool rowvar, ks_array *out)
{
    ks__array_clear(out);
    ks_array c;
    int rc = ks_array_cov(ctx, m, y, rowvar, -1, &c);
    if (rc != KS_OK) return rc;
    if (c.ndim == 0) { /* c / c */
        ks_array r;
        rc = uf2(ctx, KS_UFUNC_DIVIDE, &c, &c, NULL, &r);
        ks_array_release(&c);
        if (rc == KS_OK) *out = r;
        return rc;
    }
    const ptrdiff_t n = c.shape[0];
    const bool cplx = ks__dtypes[c.dtype].kind == 'c';
    /* stddev = sqrt(diag(c).real); c /= stddev[:, None]; c /= stddev[None, :] */
    ks_array d = c, sd, col, row, r;
    d.ndim = 1;
    d.shape[0] = n;
    d.strides[0] = c.strides[0] + c.strides[1];
    if (cplx) {
        const ks_array *in[1] = {&d};
        rc = ks_ufunc_call(ctx, KS_UFUNC_REAL, in, NULL, &r);
        if (rc == KS_OK) {
            const ks_array *in2[1] = {&r};
            rc = ks_ufunc_call(ctx, KS_UFUNC_SQRT, in2, NULL, &sd);
            ks_array_release(&r);
        }
    } else {
        const ks_array *in[1] = {&d};
        rc = ks_ufunc_call(ctx, KS_UFUNC_SQRT, in, NULL, &sd);
    }
    if (rc == KS_OK) {
        col = sd, row = sd;
        col.ndim = 2, col.shape[1] = 1, col.strides[1] = 0;
        row.ndim = 2, row.shape[0] = 1, row.strides[0] = 0, row.shape[1] = n,
        row.strides[1] = sd.strides[0];
        rc = uf2(ctx, KS_UFUNC_DIVIDE, &c, &col, &c, &r);
        if (rc == KS_OK) ks_array_release(&r);
        if (rc == KS_OK) rc = uf2(ctx, KS_UFUNC_DIVIDE, &c, &row, &c, &r);
        if (rc == KS_OK) ks_array_release(&r);
        ks_array_release(&sd);
    }
    if (rc != KS_OK) {
        ks_array_release(&c);
        return rc;
    }
    /* clip the real (and imaginary) parts to [-1, 1]; NaN stays */
    const ptrdiff_t parts = n * n * (cplx ? 2 : 1);
    if (c.dtype == KS_FLOAT32 || c.dtype == KS_COMPLEX64) {
        float *p = (float *)c.data;
        for (ptrdiff_t i = 0; i < parts; i++) p[i] = p[i] > 1 ? 1 : p[i] < -1 ? -1 : p[i];
    } else {
        double *p = (double *)c.data;
        for (ptrdiff_t i = 0; i < parts; i++) p[i] = p[i] > 1 ? 1 : p[i] < -1 ? -1 : p[i];
    }
    *out = c;
    return KS_OK;
}

/* ---- diff, gradient ---- */

int ks_array_diff(ks_ctx *ctx, const ks_array *a, int n, int axis, ks_array *out)
{
    ks__array_clear(out);
    if (n < 0) return ks__fail(ctx, KS_EINVAL, "order must be non-negative but got %d", n);
    if (a->ndim == 0)
        return ks__fail(ctx, KS_EINVAL, "diff requires input that is at least one dimensional");
    int ax;
    int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc != KS_OK) return rc;
    ks_array cur;
    ks_array_ref(a, &cur);
    /* bool: a[1:] != a[:-1] (NumPy 2); others: a[1:] - a[:-1] in a's dtype */
    const ks_ufunc f = a->dtype == KS_BOOL ? KS_UFUNC_NOT_EQUAL : KS_UFUNC_SUBTRACT;
    for (int k = 0; k < n; k++) {
        const ptrdiff_t len = cur.shape[ax] > 0 ? cur.shape[ax] - 1 : 0;
        ks_array hi = slice(&cur, ax, cur.shape[ax] > 0 ? 1 : 0, len), lo = slice(&cur, ax, 0, len);
        ks_array next;
        rc = uf2(ctx, f, &hi, &lo, NULL, &next);
        ks_array_release(&cur);
        if (rc != KS_OK) return rc;
        cur = next;
    }
    if (n == 0) { /* a copy, as NumPy's (which returns a itself) */
        ks_array r;
        rc = ks_array_copy(ctx, &cur, KS_ORDER_C, &r);
        ks_array_release(&cur);
        if (rc != KS_OK) return rc;
        cur = r;
    }
    *out = cur;
    return KS_OK;
}

/* out[dst] = (x - y) / d, d a Python float */
static int diff_over(ks_ctx *ctx, const ks_array *x, const ks_array *y, double d, ks_array *dst)
{
    ks_array t, s, r;
    int rc = uf2(ctx, KS_UFUNC_SUBTRACT, x, y, NULL, &t);
    if (rc != KS_OK) return rc;
    rc = weak_scalar(ctx, d, &s);
    if (rc == KS_OK) {
        rc = uf2(ctx, KS_UFUNC_DIVIDE, &t, &s, dst, &r);
        if (rc == KS_OK) ks_array_release(&r);
        ks_array_release(&s);
    }
    ks_array_release(&t);
    return rc;
}

/* out[dst] = (a f0 + b f1) + c f2, the coefficients Python floats */
static int three_point(ks_ctx *ctx, const double *coef, const ks_array *const *f, ks_array *dst)
{
    ks_array acc, t, s, r;
    ks__array_clear(&acc);
    int rc = KS_OK;
    for (int k = 0; k < 3 && rc == KS_OK; k++) {
        rc = weak_scalar(ctx, coef[k], &s);
        if (rc != KS_OK) break;
        rc = uf2(ctx, KS_UFUNC_MULTIPLY, &s, f[k], NULL, &t);
        ks_array_release(&s);
        if (rc != KS_OK) break;
        if (k == 0) {
            acc = t;
            continue;
        }
        rc = uf2(ctx, KS_UFUNC_ADD, &acc, &t, k == 2 ? dst : NULL, &r);
        ks_array_release(&t);
        ks_array_release(&acc);
        if (rc == KS_OK) acc = r;
    }
    ks_array_release(&acc);
    return rc;
}

int ks_array_gradient(ks_ctx *ctx, const ks_array *a, double spacing, int axis, int edge_order,
                      ks_array *out)
{
    ks__array_clear(out);
    if (edge_order != 1 && edge_order != 2)
        return ks__fail(ctx, KS_EINVAL, "'edge_order' greater than 2 not supported");
    if (a->ndim == 0)
        return ks__fail(ctx, KS_EINVAL, "gradient: the array needs at least one dimension");
    int ax;
    int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = a->shape[ax];
    if (n < edge_order + 1)
        return ks__fail(ctx, KS_EINVAL,
                        "Shape of array too small to calculate a numerical gradient, at least "
                        "(edge_order + 1) elements are required.");
    /* integers are differenced in float64, as NumPy */
    const ks_dtype ot = inexact(a->dtype) || a->dtype == KS_BOOL ? a->dtype : KS_FLOAT64;
    ks_array f, g;
    rc = ot == a->dtype ? (ks_array_ref(a, &f), KS_OK) : to_c(ctx, a, ot, 0, NULL, &f);
    if (rc != KS_OK) return rc;
    rc = ks__array_new(ctx, ot, a->ndim, a->shape, &g);
    if (rc != KS_OK) {
        ks_array_release(&f);
        return rc;
    }
    ks_array g_in = slice(&g, ax, 1, n - 2);
    ks_array f2 = slice(&f, ax, 2, n - 2), f0 = slice(&f, ax, 0, n - 2);
    rc = diff_over(ctx, &f2, &f0, 2.0 * spacing, &g_in);
    ks_array g0 = slice(&g, ax, 0, 1), gl = slice(&g, ax, n - 1, 1);
    if (rc == KS_OK && edge_order == 1) {
        ks_array a1 = slice(&f, ax, 1, 1), a0 = slice(&f, ax, 0, 1);
        ks_array b1 = slice(&f, ax, n - 1, 1), b0 = slice(&f, ax, n - 2, 1);
        rc = diff_over(ctx, &a1, &a0, spacing, &g0);
        if (rc == KS_OK) rc = diff_over(ctx, &b1, &b0, spacing, &gl);
    } else if (rc == KS_OK) {
        const double c0[3] = {-1.5 / spacing, 2. / spacing, -0.5 / spacing};
        const double c1[3] = {0.5 / spacing, -2. / spacing, 1.5 / spacing};
        ks_array p0 = slice(&f, ax, 0, 1), p1 = slice(&f, ax, 1, 1), p2 = slice(&f, ax, 2, 1);
        ks_array q0 = slice(&f, ax, n - 3, 1), q1 = slice(&f, ax, n - 2, 1),
                 q2 = slice(&f, ax, n - 1, 1);
        const ks_array *fp[3] = {&p0, &p1, &p2}, *fq[3] = {&q0, &q1, &q2};
        rc = three_point(ctx, c0, fp, &g0);
        if (rc == KS_OK) rc = three_point(ctx, c1, fq, &gl);
    }
    ks_array_release(&f);
    if (rc != KS_OK) {
        ks_array_release(&g);
        return rc;
    }
    *out = g;
    return KS_OK;
}

/* ---- histogram, bincount, digitize ---- */

/* The elements of a as float64, raveled in C order (a new buffer owned by `keep`). */
static int ravel_f64(ks_ctx *ctx, const ks_array *a, ks_array *keep)
{
    const ptrdiff_t n = ks_array_size(a);
    int rc = to_c(ctx, a, KS_FLOAT64, 0, NULL, keep);
    if (rc == KS_OK) keep->ndim = 1, keep->shape[0] = n, keep->strides[0] = sizeof(double);
    return rc;
}

#define HIST_BLOCK 65536 /* NumPy's: weights are summed per block, then added */

int ks_array_histogram(ks_ctx *ctx, const ks_array *a, int bins, double lo, double hi,
                       const ks_array *edges, const ks_array *weights, bool density,
                       ks_array *counts, ks_array *edges_out)
{
    ks__array_clear(counts);
    ks__array_clear(edges_out);
    if (ks__dtypes[a->dtype].kind == 'c')
        return ks__fail(ctx, KS_ETYPE, "histogram: complex values have no order");
    if (weights && ks_array_size(weights) != ks_array_size(a))
        return ks__fail(ctx, KS_EINVAL, "weights should have the same shape as a.");
    ks_array x, w, e;
    ks__array_clear(&w);
    int rc = ravel_f64(ctx, a, &x);
    if (rc != KS_OK) return rc;
    if (weights && (rc = ravel_f64(ctx, weights, &w)) != KS_OK) {
        ks_array_release(&x);
        return rc;
    }
    const double *xv = (const double *)x.data, *wv = weights ? (const double *)w.data : NULL;
    const ptrdiff_t n = x.shape[0];
    double first = lo, last = hi;
    ptrdiff_t nb;
    if (edges) {
        rc = ravel_f64(ctx, edges, &e);
        nb = rc == KS_OK ? e.shape[0] - 1 : 0;
        for (ptrdiff_t i = 0; rc == KS_OK && i < nb; i++)
            if (((const double *)e.data)[i] > ((const double *)e.data)[i + 1])
                rc = ks__fail(ctx, KS_EINVAL, "`bins` must increase monotonically, when an array");
        if (rc == KS_OK && nb < 0)
            rc = ks__fail(ctx, KS_EINVAL, "`bins` must have at least one edge");
    } else {
        nb = bins;
        if (bins < 1) rc = ks__fail(ctx, KS_EINVAL, "`bins` must be positive, when an integer");
        if (rc == KS_OK && (lo != 0 || hi != 0)) {
            if (first > last)
                rc = ks__fail(ctx, KS_EINVAL, "max must be larger than min in range parameter.");
            else if (!isfinite(first) || !isfinite(last))
                rc = ks__fail(ctx, KS_EINVAL, "supplied range of [%g, %g] is not finite", first,
                              last);
        } else if (rc == KS_OK && n == 0) {
            first = 0, last = 1;
        } else if (rc == KS_OK) {
            first = INFINITY, last = -INFINITY;
            bool nan = false;
            for (ptrdiff_t i = 0; i < n; i++) {
                nan = nan || xv[i] != xv[i];
                first = xv[i] < first ? xv[i] : first;
                last = xv[i] > last ? xv[i] : last;
            }
            if (nan || !isfinite(first) || !isfinite(last))
                rc = ks__fail(ctx, KS_EINVAL, "autodetected range of [%s, %s] is not finite",
                              nan ? "nan" : "", nan ? "nan" : "");
        }
        if (rc == KS_OK && first == last) first -= 0.5, last += 0.5;
        /* np.linspace(first, last, bins + 1): i * step + first, the last edge exact */
        const ptrdiff_t ne = nb + 1;
        if (rc == KS_OK) rc = ks__array_new(ctx, KS_FLOAT64, 1, &ne, &e);
        if (rc == KS_OK) {
            const double step = (last - first) / (double)nb;
            double *ev = (double *)e.data;
            for (ptrdiff_t i = 0; i < ne; i++)
                ev[i] =
                    step == 0 ? (double)i / nb * (last - first) + first : (double)i * step + first;
            ev[nb] = last;
        }
    }
    if (rc != KS_OK) {
        ks_array_release(&x);
        ks_array_release(&w);
        return rc;
    }
    const double *ev = (const double *)e.data;
    ks_array cnt;
    /* counts: int64, or the weights' dtype (kept in float64 here, as NumPy's bincount sums
     * them); density: float64 */
    const ks_dtype ct = density ? KS_FLOAT64 : weights ? weights->dtype : KS_INT64;
    rc = ks__array_new(ctx, KS_FLOAT64, 1, &nb, &cnt);
    if (rc == KS_OK) {
        double *c = (double *)cnt.data, *blk = NULL;
        memset(c, 0, (size_t)nb * sizeof *c);
        if (wv && (blk = ks__malloc_array(ctx, (size_t)(nb ? nb : 1), sizeof *blk)) == NULL)
            rc = KS_ENOMEM;
        for (ptrdiff_t b0 = 0; rc == KS_OK && b0 < n; b0 += HIST_BLOCK) {
            const ptrdiff_t b1 = n - b0 < HIST_BLOCK ? n : b0 + HIST_BLOCK;
            if (blk) memset(blk, 0, (size_t)nb * sizeof *blk);
            for (ptrdiff_t i = b0; i < b1; i++) {
                const double v = xv[i];
                ptrdiff_t k;
                if (!edges) {
                    /* NumPy's rule: the bin from the scaled offset, corrected against the
                     * edges; the last edge closed */
                    if (!(v >= first && v <= last)) continue;
                    k = (ptrdiff_t)((v - first) / (last - first) * (double)nb);
                    if (k == nb) k--;
                    if (v < ev[k])
                        k--;
                    else if (k != nb - 1 && v >= ev[k + 1])
                        k++;
                } else {
                    if (!(v >= ev[0] && v <= ev[nb])) continue;
                    ptrdiff_t l = 0, h = nb; /* the last edge <= v */
                    while (h - l > 1) {
                        const ptrdiff_t m = l + (h - l) / 2;
                        if (ev[m] <= v)
                            l = m;
                        else
                            h = m;
                    }
                    k = l;
                }
                if (blk)
                    blk[k] += wv[i];
                else
                    c[k] += 1;
            }
            if (blk)
                for (ptrdiff_t k = 0; k < nb; k++) c[k] += blk[k];
        }
        ks__free(ctx, blk);
    }
    ks_array_release(&x);
    ks_array_release(&w);
    if (rc == KS_OK && density) {
        /* n / db / n.sum() */
        double *c = (double *)cnt.data, tot = 0;
        for (ptrdiff_t k = 0; k < nb; k++) tot += c[k];
        for (ptrdiff_t k = 0; k < nb; k++) c[k] = c[k] / (ev[k + 1] - ev[k]) / tot;
    }
    if (rc == KS_OK && ct != KS_FLOAT64) {
        ks_array r;
        rc = ks_array_astype(ctx, &cnt, ct, KS_CASTING_UNSAFE, &r);
        ks_array_release(&cnt);
        cnt = r;
    }
    if (rc != KS_OK) {
        ks_array_release(&cnt);
        ks_array_release(&e);
        return rc;
    }
    *counts = cnt;
    *edges_out = e;
    return KS_OK;
}

/* Counts of the values of v in tables `cap` wide: consecutive elements go to four interleaved
 * tables when they are narrow (an increment does not wait for the previous one to the same bin),
 * and a long input is cut into one piece per thread, each with its own tables; the counts are
 * integers, so the result is the same for any split. *top gets the largest value + 1; *fits is
 * false (nothing written to out) when a value is negative or not below cap. out gets `cap`
 * counts. */
static int count_values(ks_ctx *ctx, const int64_t *v, ptrdiff_t n, ptrdiff_t cap, int64_t *out,
                        int64_t *top, bool *fits)
{
    const int ways = cap <= 4096 ? 4 : 1;
    enum { MAXCHUNK = 64 };
    int nt = n >= ((ptrdiff_t)1 << 16) && cap <= 65536 ? ks__array_threads(ctx, (double)n) : 1;
    nt = nt < MAXCHUNK ? nt : MAXCHUNK;
    const ptrdiff_t nchunk = nt;
    int64_t *t = ks__calloc(ctx, (size_t)(nchunk * ways), (size_t)cap * sizeof *t);
    if (!t) return ks_errcode(ctx);
    uint64_t hi[MAXCHUNK] = {0}, bad[MAXCHUNK] = {0};
#pragma omp parallel for schedule(static) num_threads(nt) if (nt > 1)
    for (ptrdiff_t c = 0; c < nchunk; c++) {
        const ptrdiff_t lo = n * c / nchunk, end = n * (c + 1) / nchunk;
        int64_t *tc = t + c * ways * cap;
        uint64_t h = 0, out_of = 0;
        ptrdiff_t i = lo;
        if (ways == 4)
            for (; i + 4 <= end && !out_of; i += 4) {
                const uint64_t a0 = (uint64_t)v[i], a1 = (uint64_t)v[i + 1],
                               a2 = (uint64_t)v[i + 2], a3 = (uint64_t)v[i + 3];
                const uint64_t m = (a0 > a1 ? a0 : a1) > (a2 > a3 ? a2 : a3) ? (a0 > a1 ? a0 : a1)
                                                                             : (a2 > a3 ? a2 : a3);
                if (m >= (uint64_t)cap) { /* (a negative value is a huge unsigned one) */
                    out_of = 1;
                    break;
                }
                h = m > h ? m : h;
                tc[a0]++;
                tc[cap + a1]++;
                tc[2 * cap + a2]++;
                tc[3 * cap + a3]++;
            }
        for (; i < end && !out_of; i++) {
            const uint64_t a0 = (uint64_t)v[i];
            if (a0 >= (uint64_t)cap)
                out_of = 1;
            else
                tc[a0]++, h = a0 > h ? a0 : h;
        }
        hi[c] = end > lo ? h + 1 : 0;
        bad[c] = out_of;
    }
    *fits = true;
    *top = 0;
    for (ptrdiff_t c = 0; c < nchunk; c++) {
        *fits = *fits && !bad[c];
        if ((int64_t)hi[c] > *top) *top = (int64_t)hi[c];
    }
    if (*fits) { /* only the bins up to the largest value can be non-zero */
        for (ptrdiff_t j = 0; j < *top; j++) {
            int64_t sum = 0;
            for (ptrdiff_t k = 0; k < nchunk * ways; k++) sum += t[k * cap + j];
            out[j] = sum;
        }
        memset(out + *top, 0, (size_t)(cap - *top) * sizeof *out);
    }
    ks__free(ctx, t);
    return KS_OK;
}

int ks_array_bincount(ks_ctx *ctx, const ks_array *x, const ks_array *weights, ptrdiff_t minlength,
                      ks_array *out)
{
    ks__array_clear(out);
    if (x->ndim != 1) return ks__fail(ctx, KS_EINVAL, "object too deep for desired array");
    if (!ks_dtype_can_cast(x->dtype, KS_INT64, KS_CASTING_SAME_KIND))
        return ks__fail(ctx, KS_ETYPE,
                        "Cannot cast array data from dtype('%s') to dtype('int64') according to "
                        "the rule 'safe'",
                        ks_dtype_name(x->dtype));
    if (minlength < 0) return ks__fail(ctx, KS_EINVAL, "'minlength' must not be negative");
    if (weights && (weights->ndim != 1 || weights->shape[0] != x->shape[0]))
        return ks__fail(ctx, KS_EINVAL, "The weights and list don't have the same length.");
    ks_array xi, wf;
    ks__array_clear(&wf);
    int rc = KS_OK;
    if (x->dtype == KS_INT64 && ks_array_is_c_contiguous(x)) /* read in place */
        ks_array_ref(x, &xi);
    else if ((rc = to_c(ctx, x, KS_INT64, 0, NULL, &xi)) != KS_OK)
        return rc;
    if (weights && (rc = to_c(ctx, weights, KS_FLOAT64, 0, NULL, &wf)) != KS_OK) {
        ks_array_release(&xi);
        return rc;
    }
    const int64_t *v = (const int64_t *)xi.data;
    const ptrdiff_t n = xi.shape[0];
    /* the counts in one pass when the values are small (the usual case: counted into tables
       4096 wide, or minlength); otherwise a pass for the range first */
    int64_t top = 0;
    bool fits = false;
    ptrdiff_t len = minlength;
    int64_t *small = NULL;
    const ptrdiff_t cap = minlength > 4096 ? minlength : 4096;
    if (!weights && n > 0 && cap <= 65536) {
        small = ks__malloc_array(ctx, (size_t)cap, sizeof *small);
        if (!small) rc = ks_errcode(ctx);
        if (!rc) rc = count_values(ctx, v, n, cap, small, &top, &fits);
    }
    if (!rc && !fits) {
        int64_t mn = 0, mx = -1;
        for (ptrdiff_t i = 0; i < n; i++) { /* branch-free: vectorised */
            mn = v[i] < mn ? v[i] : mn;
            mx = v[i] > mx ? v[i] : mx;
        }
        if (mn < 0) rc = ks__fail(ctx, KS_EINVAL, "'list' argument must have no negative elements");
        top = mx + 1;
    }
    if ((ptrdiff_t)top > len) len = (ptrdiff_t)top;
    if (rc == KS_OK) rc = ks__array_new(ctx, weights ? KS_FLOAT64 : KS_INT64, 1, &len, out);
    if (rc == KS_OK && weights) {
        memset(out->data, 0, (size_t)len * 8);
        const double *w = (const double *)wf.data;
        for (ptrdiff_t i = 0; i < n; i++) ((double *)out->data)[v[i]] += w[i];
    } else if (rc == KS_OK && fits) {
        memcpy(out->data, small, (size_t)len * sizeof *small);
    } else if (rc == KS_OK) {
        if (n > 0)
            rc = count_values(ctx, v, n, len, (int64_t *)out->data, &top, &fits);
        else
            memset(out->data, 0, (size_t)len * 8);
        if (rc) ks_array_release(out);
    }
    ks__free(ctx, small);
    ks_array_release(&xi);
    ks_array_release(&wf);
    return rc;
}

int ks_array_digitize(ks_ctx *ctx, const ks_array *x, const ks_array *bins, bool right,
                      ks_array *out)
{
    ks__array_clear(out);
    if (ks__dtypes[x->dtype].kind == 'c') return ks__fail(ctx, KS_ETYPE, "x may not be complex");
    if (bins->ndim != 1) return ks__fail(ctx, KS_EINVAL, "object too deep for desired array");
    ks_array b, xv;
    int rc = ravel_f64(ctx, bins, &b);
    if (rc != KS_OK) return rc;
    const double *e = (const double *)b.data;
    const ptrdiff_t nb = b.shape[0];
    /* monotonic: increasing (1) or decreasing (-1) */
    int mono = 0;
    bool inc = true, dec = true;
    for (ptrdiff_t i = 0; i + 1 < nb; i++) {
        inc = inc && e[i] <= e[i + 1];
        dec = dec && e[i] >= e[i + 1];
    }
    mono = inc ? 1 : dec ? -1 : 0;
    if (mono == 0) {
        ks_array_release(&b);
        return ks__fail(ctx, KS_EINVAL, "bins must be monotonically increasing or decreasing");
    }
    rc = to_c(ctx, x, KS_FLOAT64, 0, NULL, &xv);
    if (rc == KS_OK) rc = ks__array_new(ctx, KS_INT64, x->ndim, x->shape, out);
    if (rc == KS_OK) {
        const ptrdiff_t n = ks_array_size(x);
        const double *v = (const double *)xv.data;
        int64_t *r = (int64_t *)out->data;
        for (ptrdiff_t i = 0; i < n; i++) {
            /* searchsorted (side 'right' when not right, else 'left'); NaN sorts last */
            const double t = v[i];
            ptrdiff_t l = 0, h = nb;
            while (l < h) {
                const ptrdiff_t m = l + (h - l) / 2;
                const double em = mono > 0 ? e[m] : e[nb - 1 - m];
                const bool go_right =
                    right ? (em < t || (t != t && em == em)) : (em <= t || t != t);
                if (go_right)
                    l = m + 1;
                else
                    h = m;
            }
            r[i] = mono > 0 ? l : nb - l;
        }
    }
    ks_array_release(&b);
    ks_array_release(&xv);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}
