/* The array library's decompositions and solvers by LAPACK's test ratios: each result put back
 * into the equation it solves (||A x - b|| / (||A|| ||x|| n eps), ||Q^H Q - I|| / (n eps),
 * ||A - U S Vh|| / (||A|| n eps), ||A V - V diag(w)|| / (||A|| n eps), ...) must stay under 30, on
 * stacks of random matrices in float64, complex128 and float32, on transposed (Fortran-order)
 * views, and on wide, tall and empty shapes; NumPy's errors (singular, not positive definite,
 * non-square, too few dimensions). tests/python/test_nd_linalg.py compares with NumPy itself. */
#include <complex.h>
#include <float.h>
#include <stdlib.h>

#include "ktest.h"

#define RATIO 30.0

/* A random array of dtype t, plus `diag` on the diagonal of every matrix (a square stack). */
static void random_array(ks_ctx *ctx, ks_dtype t, int nd, const ptrdiff_t *shape, double diag,
                         ks_array *out)
{
    ks_array f;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_COMPLEX128, nd, shape, KS_ORDER_C, &f));
    double complex *v = (double complex *)(void *)f.data;
    const ptrdiff_t r = shape[nd - 2], c = shape[nd - 1], n = ks_array_size(&f);
    for (ptrdiff_t i = 0; i < n; i++) {
        v[i] = (ktest_unif() - 0.5) + (ks_dtype_kind(t) == 'c' ? I * (ktest_unif() - 0.5) : 0);
        if ((i % (r * c)) / c == (i % (r * c)) % c) v[i] += diag;
    }
    CHECK_OK(ctx, ks_array_astype(ctx, &f, t, KS_CASTING_UNSAFE, out));
    ks_array_release(&f);
}

/* All of a as complex128 in C order (malloc'd). */
static double complex *vals(ks_ctx *ctx, const ks_array *a)
{
    ks_array c, cc;
    CHECK_OK(ctx, ks_array_astype(ctx, a, KS_COMPLEX128, KS_CASTING_UNSAFE, &c));
    CHECK_OK(ctx, ks_array_copy(ctx, &c, KS_ORDER_C, &cc));
    const size_t n = (size_t)ks_array_size(&cc);
    double complex *v = malloc((n ? n : 1) * sizeof *v);
    if (n) memcpy(v, cc.data, n * sizeof *v);
    ks_array_release(&c);
    ks_array_release(&cc);
    return v;
}

static double fro(const double complex *x, ptrdiff_t n)
{
    double s = 0;
    for (ptrdiff_t i = 0; i < n; i++) s += creal(x[i] * conj(x[i]));
    return sqrt(s);
}

/* ||X Y - Z|| for one m x k times k x n product (C order), scaled by ||Z|| or 1. */
static double prod_resid(const double complex *x, const double complex *y, const double complex *z,
                         ptrdiff_t m, ptrdiff_t k, ptrdiff_t n)
{
    double s = 0;
    for (ptrdiff_t i = 0; i < m; i++)
        for (ptrdiff_t j = 0; j < n; j++) {
            double complex acc = 0;
            for (ptrdiff_t q = 0; q < k; q++) acc += x[i * k + q] * y[q * n + j];
            const double complex d = acc - z[i * n + j];
            s += creal(d * conj(d));
        }
    return sqrt(s);
}

static double eps_of(ks_dtype t)
{
    return t == KS_FLOAT32 || t == KS_COMPLEX64 ? FLT_EPSILON : DBL_EPSILON;
}

static void test_solve_inv(ks_ctx *ctx, ks_dtype t, bool fortran)
{
    const ptrdiff_t n = 6, sa[3] = {3, 6, 6}, sb[3] = {3, 6, 2};
    ks_array a0, a, b, x, ai;
    random_array(ctx, t, 3, sa, 3.0, &a0);
    if (fortran) { /* the transposed view: each matrix in Fortran order */
        const int ax[3] = {0, 2, 1};
        CHECK_OK(ctx, ks_array_transpose(ctx, &a0, ax, &a));
    } else {
        ks_array_ref(&a0, &a);
    }
    random_array(ctx, t, 3, sb, 0.0, &b);
    CHECK_OK(ctx, ks_array_linalg_solve(ctx, &a, &b, &x));
    CHECK(x.dtype == t && x.ndim == 3 && x.shape[2] == 2);
    CHECK_OK(ctx, ks_array_linalg_inv(ctx, &a, &ai));
    double complex *va = vals(ctx, &a), *vb = vals(ctx, &b), *vx = vals(ctx, &x),
                   *vi = vals(ctx, &ai), eye[36] = {0};
    for (int i = 0; i < 6; i++) eye[i * 6 + i] = 1;
    for (int q = 0; q < 3; q++) {
        const double na = fro(va + q * 36, 36);
        const double r1 = prod_resid(va + q * 36, vx + q * 12, vb + q * 12, n, n, 2) /
                          (na * fro(vx + q * 12, 12) * (double)n * eps_of(t));
        const double r2 = prod_resid(va + q * 36, vi + q * 36, eye, n, n, n) /
                          (na * fro(vi + q * 36, 36) * (double)n * eps_of(t));
        CHECK(r1 < RATIO);
        CHECK(r2 < RATIO);
    }
    free(va), free(vb), free(vx), free(vi);
    ks_array_release(&a0), ks_array_release(&a), ks_array_release(&b), ks_array_release(&x),
        ks_array_release(&ai);
}

static void test_det(ks_ctx *ctx)
{
    /* rows swapped of diag(2, -3, 4): det = -(2 * -3 * 4) = 24 */
    const double m[9] = {0, -3, 0, 2, 0, 0, 0, 0, 4};
    const ptrdiff_t s[2] = {3, 3};
    ks_array a, d, sign, ld;
    CHECK_OK(ctx, ks_array_wrap(ctx, (void *)m, KS_FLOAT64, 2, s, NULL, false, NULL, NULL, &a));
    CHECK_OK(ctx, ks_array_linalg_det(ctx, &a, &d));
    CHECK(d.ndim == 0);
    CHECK_NEAR(*(double *)(void *)d.data, 24.0, 1e-14);
    CHECK_OK(ctx, ks_array_linalg_slogdet(ctx, &a, &sign, &ld));
    CHECK(*(double *)(void *)sign.data == 1.0);
    CHECK_NEAR(*(double *)(void *)ld.data, log(24.0), 1e-14);
    ks_array_release(&d), ks_array_release(&sign), ks_array_release(&ld);
    /* a singular matrix: det 0, sign 0, log -inf; solve and inv fail as NumPy */
    const double z[4] = {1, 2, 2, 4};
    const ptrdiff_t s2[2] = {2, 2};
    ks_array zs, r;
    CHECK_OK(ctx, ks_array_wrap(ctx, (void *)z, KS_FLOAT64, 2, s2, NULL, false, NULL, NULL, &zs));
    CHECK_OK(ctx, ks_array_linalg_det(ctx, &zs, &d));
    CHECK(*(double *)(void *)d.data == 0.0);
    CHECK_OK(ctx, ks_array_linalg_slogdet(ctx, &zs, &sign, &ld));
    CHECK(*(double *)(void *)sign.data == 0.0 && isinf(*(double *)(void *)ld.data));
    CHECK_FAILS(ctx, ks_array_linalg_inv(ctx, &zs, &r), KS_ENUMERIC, "Singular matrix");
    CHECK_FAILS(ctx, ks_array_linalg_solve(ctx, &zs, &zs, &r), KS_ENUMERIC, "Singular matrix");
    CHECK(r.data == NULL);
    CHECK_FAILS(ctx, ks_array_linalg_cholesky(ctx, &zs, false, &r), KS_ENUMERIC,
                "not positive definite");
    /* shapes: 1-d, non-square */
    CHECK_FAILS(ctx,
                ks_array_linalg_det(ctx,
                                    &(ks_array){.data = (char *)(void *)z,
                                                .ndim = 1,
                                                .dtype = KS_FLOAT64,
                                                .shape = {4},
                                                .strides = {8}},
                                    &r),
                KS_EINVAL, "two-dimensional");
    const ptrdiff_t s23[2] = {1, 4};
    ks_array w;
    CHECK_OK(ctx, ks_array_wrap(ctx, (void *)z, KS_FLOAT64, 2, s23, NULL, false, NULL, NULL, &w));
    CHECK_FAILS(ctx, ks_array_linalg_inv(ctx, &w, &r), KS_EINVAL, "square");
    CHECK_FAILS(ctx, ks_array_linalg_solve(ctx, &a, &w, &r), KS_EINVAL, "rows");
    ks_array_release(&d), ks_array_release(&sign), ks_array_release(&ld), ks_array_release(&a),
        ks_array_release(&zs), ks_array_release(&w);
}

static void test_cholesky(ks_ctx *ctx, ks_dtype t, bool upper)
{
    const ptrdiff_t n = 5, s[2] = {5, 5};
    ks_array r, rh, a, c;
    random_array(ctx, t, 2, s, 0.0, &r);
    double complex *vr = vals(ctx, &r), *va = malloc(25 * sizeof *va);
    for (int i = 0; i < 5; i++) /* a = r r^H + n I */
        for (int j = 0; j < 5; j++) {
            double complex acc = i == j ? 5.0 : 0.0;
            for (int q = 0; q < 5; q++) acc += vr[i * 5 + q] * conj(vr[j * 5 + q]);
            va[i * 5 + j] = acc;
        }
    CHECK_OK(ctx, ks_array_wrap(ctx, va, KS_COMPLEX128, 2, s, NULL, false, NULL, NULL, &rh));
    CHECK_OK(ctx, ks_array_astype(ctx, &rh, t, KS_CASTING_UNSAFE, &a));
    CHECK_OK(ctx, ks_array_linalg_cholesky(ctx, &a, upper, &c));
    double complex *vc = vals(ctx, &c), ch[25];
    for (int i = 0; i < 5; i++)
        for (int j = 0; j < 5; j++) {
            ch[i * 5 + j] = conj(vc[j * 5 + i]);
            CHECK(upper ? (i <= j || vc[i * 5 + j] == 0) : (i >= j || vc[i * 5 + j] == 0));
        }
    const double res = upper ? prod_resid(ch, vc, va, n, n, n) : prod_resid(vc, ch, va, n, n, n);
    CHECK(res / (fro(va, 25) * (double)n * eps_of(t)) < RATIO);
    free(vr), free(va), free(vc);
    ks_array_release(&r), ks_array_release(&rh), ks_array_release(&a), ks_array_release(&c);
}

static void test_qr(ks_ctx *ctx, ks_dtype t, ptrdiff_t m, ptrdiff_t n, ks_qr_mode mode)
{
    const ptrdiff_t s[3] = {2, m, n}, k = m < n ? m : n;
    ks_array a, q, r;
    random_array(ctx, t, 3, s, 0.0, &a);
    CHECK_OK(ctx, ks_array_linalg_qr(ctx, &a, mode, &q, &r));
    const ptrdiff_t qc = mode == KS_QR_COMPLETE ? m : k;
    CHECK(q.ndim == 3 && q.shape[1] == m && q.shape[2] == qc && r.shape[1] == qc &&
          r.shape[2] == n);
    double complex *va = vals(ctx, &a), *vq = vals(ctx, &q), *vr = vals(ctx, &r);
    for (int b = 0; b < 2; b++) {
        const double complex *qb = vq + b * m * qc;
        double complex *qh = malloc((size_t)(qc * m) * sizeof *qh),
                       *eye = calloc((size_t)(qc * qc), sizeof *eye);
        for (ptrdiff_t i = 0; i < m; i++)
            for (ptrdiff_t j = 0; j < qc; j++) qh[j * m + i] = conj(qb[i * qc + j]);
        for (ptrdiff_t i = 0; i < qc; i++) eye[i * qc + i] = 1;
        CHECK(prod_resid(qh, qb, eye, qc, m, qc) / ((double)m * eps_of(t)) < RATIO);
        CHECK(prod_resid(qb, vr + b * qc * n, va + b * m * n, m, qc, n) /
                  (fro(va + b * m * n, m * n) * (double)m * eps_of(t)) <
              RATIO);
        for (ptrdiff_t i = 0; i < qc; i++) /* R is upper triangular */
            for (ptrdiff_t j = 0; j < i && j < n; j++) CHECK(vr[b * qc * n + i * n + j] == 0);
        free(qh), free(eye);
    }
    free(va), free(vq), free(vr);
    ks_array_release(&a), ks_array_release(&q), ks_array_release(&r);
}

static void test_svd(ks_ctx *ctx, ks_dtype t, ptrdiff_t m, ptrdiff_t n, bool full)
{
    const ptrdiff_t s[2] = {m, n}, k = m < n ? m : n;
    ks_array a, u, sv, vh, s2, u2, vh2;
    random_array(ctx, t, 2, s, 0.0, &a);
    CHECK_OK(ctx, ks_array_linalg_svd(ctx, &a, full, true, &u, &sv, &vh));
    CHECK(sv.dtype == (t == KS_FLOAT32 || t == KS_COMPLEX64 ? KS_FLOAT32 : KS_FLOAT64));
    const ptrdiff_t uc = full ? m : k, vr = full ? n : k;
    CHECK(u.shape[0] == m && u.shape[1] == uc && vh.shape[0] == vr && vh.shape[1] == n);
    double complex *va = vals(ctx, &a), *vu = vals(ctx, &u), *vs = vals(ctx, &sv),
                   *vv = vals(ctx, &vh);
    double complex *us = calloc((size_t)(m * k), sizeof *us);
    for (ptrdiff_t i = 0; i < m; i++)
        for (ptrdiff_t j = 0; j < k; j++) us[i * k + j] = vu[i * uc + j] * vs[j];
    CHECK(prod_resid(us, vv, va, m, k, n) / (fro(va, m * n) * (double)(m > n ? m : n) * eps_of(t)) <
          RATIO);
    for (ptrdiff_t j = 1; j < k; j++) CHECK(creal(vs[j]) <= creal(vs[j - 1]));
    /* the singular values alone: the same numbers */
    CHECK_OK(ctx, ks_array_linalg_svd(ctx, &a, full, false, &u2, &s2, &vh2));
    CHECK(u2.data == NULL && vh2.data == NULL);
    double complex *vs2 = vals(ctx, &s2);
    for (ptrdiff_t j = 0; j < k; j++) CHECK_NEAR(creal(vs2[j]), creal(vs[j]), 100 * eps_of(t));
    free(va), free(vu), free(vs), free(vv), free(us), free(vs2);
    ks_array_release(&a), ks_array_release(&u), ks_array_release(&sv), ks_array_release(&vh),
        ks_array_release(&s2);
}

/* ||A V - V diag(w)|| / (||A|| n eps) for one n x n matrix. */
static double eig_ratio(const double complex *a, const double complex *v, const double complex *w,
                        ptrdiff_t n, double eps)
{
    double complex *vw = malloc((size_t)(n * n) * sizeof *vw);
    for (ptrdiff_t i = 0; i < n; i++)
        for (ptrdiff_t j = 0; j < n; j++) vw[i * n + j] = v[i * n + j] * w[j];
    const double r = prod_resid(a, v, vw, n, n, n) / (fro(a, n * n) * (double)n * eps);
    free(vw);
    return r;
}

static void test_eig(ks_ctx *ctx, ks_dtype t)
{
    const ptrdiff_t n = 6, s[3] = {2, 6, 6};
    ks_array r, a, w, v, w2, v2;
    random_array(ctx, t, 3, s, 0.0, &r);
    /* eigh of r + r^H reading the lower triangle */
    double complex *vr = vals(ctx, &r), *vh = malloc(72 * sizeof *vh);
    for (int b = 0; b < 2; b++)
        for (int i = 0; i < 6; i++)
            for (int j = 0; j < 6; j++)
                vh[b * 36 + i * 6 + j] = vr[b * 36 + i * 6 + j] + conj(vr[b * 36 + j * 6 + i]);
    ks_array hc;
    CHECK_OK(ctx, ks_array_wrap(ctx, vh, KS_COMPLEX128, 3, s, NULL, false, NULL, NULL, &hc));
    CHECK_OK(ctx, ks_array_astype(ctx, &hc, t, KS_CASTING_UNSAFE, &a));
    CHECK_OK(ctx, ks_array_linalg_eigh(ctx, &a, false, true, &w, &v));
    double complex *vw = vals(ctx, &w), *vv = vals(ctx, &v);
    for (int b = 0; b < 2; b++) {
        CHECK(eig_ratio(vh + b * 36, vv + b * 36, vw + b * 6, n, eps_of(t)) < RATIO);
        for (int j = 1; j < 6; j++) CHECK(creal(vw[b * 6 + j]) >= creal(vw[b * 6 + j - 1]));
    }
    free(vw), free(vv);
    ks_array_release(&w), ks_array_release(&v);
    /* eig of the general r: complex results (a random real matrix has complex pairs) */
    CHECK_OK(ctx, ks_array_linalg_eig(ctx, &r, true, &w, &v));
    CHECK(ks_dtype_kind(w.dtype) == 'c' && ks_dtype_kind(v.dtype) == 'c');
    vw = vals(ctx, &w), vv = vals(ctx, &v);
    for (int b = 0; b < 2; b++)
        CHECK(eig_ratio(vr + b * 36, vv + b * 36, vw + b * 6, n, eps_of(t)) < RATIO);
    CHECK_OK(ctx, ks_array_linalg_eig(ctx, &r, false, &w2, &v2));
    CHECK(v2.data == NULL && w2.shape[1] == 6);
    free(vw), free(vv), free(vr), free(vh);
    ks_array_release(&r), ks_array_release(&a), ks_array_release(&w), ks_array_release(&v),
        ks_array_release(&w2), ks_array_release(&hc);
}

static void test_lstsq(ks_ctx *ctx)
{
    const ptrdiff_t sa[2] = {9, 4}, sb[2] = {9, 2};
    ks_array a, b, x, res, s;
    int64_t rank;
    random_array(ctx, KS_FLOAT64, 2, sa, 0.0, &a);
    random_array(ctx, KS_FLOAT64, 2, sb, 0.0, &b);
    CHECK_OK(ctx, ks_array_linalg_lstsq(ctx, &a, &b, -1.0, &x, &res, &rank, &s));
    CHECK(rank == 4 && x.shape[0] == 4 && x.shape[1] == 2 && res.shape[0] == 2 && s.shape[0] == 4);
    /* the normal equations A^T (A x - b) = 0, and the residual is ||A x - b||^2 */
    double complex *va = vals(ctx, &a), *vb = vals(ctx, &b), *vx = vals(ctx, &x),
                   *vres = vals(ctx, &res);
    for (int c = 0; c < 2; c++) {
        double complex r[9];
        double rr = 0;
        for (int i = 0; i < 9; i++) {
            r[i] = -vb[i * 2 + c];
            for (int j = 0; j < 4; j++) r[i] += va[i * 4 + j] * vx[j * 2 + c];
            rr += creal(r[i] * conj(r[i]));
        }
        CHECK_NEAR(creal(vres[c]), rr, 1e-10);
        for (int j = 0; j < 4; j++) {
            double complex g = 0;
            for (int i = 0; i < 9; i++) g += va[i * 4 + j] * r[i];
            CHECK(cabs(g) / (fro(va, 36) * fro(va, 36) * fro(vx, 8) * 9 * DBL_EPSILON) < RATIO);
        }
    }
    free(va), free(vb), free(vx), free(vres);
    ks_array_release(&a), ks_array_release(&b), ks_array_release(&x), ks_array_release(&res),
        ks_array_release(&s);
}

static void test_norm2(ks_ctx *ctx)
{
    const ptrdiff_t s[2] = {7, 5};
    ks_array a, all, rows, cols, t;
    random_array(ctx, KS_COMPLEX128, 2, s, 0.0, &a);
    double complex *va = vals(ctx, &a);
    CHECK_OK(ctx, ks_array_linalg_norm2(ctx, &a, KS_AXIS_NONE, false, &all));
    CHECK(all.ndim == 0 && all.dtype == KS_FLOAT64);
    CHECK_NEAR(*(double *)(void *)all.data, fro(va, 35), 1e-14);
    CHECK_OK(ctx, ks_array_linalg_norm2(ctx, &a, 1, true, &rows));
    CHECK(rows.ndim == 2 && rows.shape[0] == 7 && rows.shape[1] == 1);
    for (int i = 0; i < 7; i++)
        CHECK_NEAR(((double *)(void *)rows.data)[i], fro(va + i * 5, 5), 1e-14);
    /* a reversed, strided view along the reduced axis */
    ks_index idx[2] = {{.kind = KS_INDEX_SLICE, .step = -2}, {.kind = KS_INDEX_SLICE, .step = 1}};
    CHECK_OK(ctx, ks_array_index_get(ctx, &a, 2, idx, &t));
    CHECK_OK(ctx, ks_array_linalg_norm2(ctx, &t, 0, false, &cols));
    CHECK(cols.ndim == 1 && cols.shape[0] == 5);
    for (int j = 0; j < 5; j++) {
        double ss = 0;
        for (int i = 6; i >= 0; i -= 2) ss += creal(va[i * 5 + j] * conj(va[i * 5 + j]));
        CHECK_NEAR(((double *)(void *)cols.data)[j], sqrt(ss), 1e-14);
    }
    free(va);
    ks_array_release(&a), ks_array_release(&all), ks_array_release(&rows), ks_array_release(&cols),
        ks_array_release(&t);
}

static void test_empty(ks_ctx *ctx)
{
    const ptrdiff_t s[3] = {2, 0, 0}, s03[2] = {0, 3};
    ks_array a, r, d, u, sv, vh, e;
    CHECK_OK(ctx, ks_array_zeros(ctx, KS_FLOAT64, 3, s, KS_ORDER_C, &a));
    CHECK_OK(ctx, ks_array_linalg_inv(ctx, &a, &r));
    CHECK(r.ndim == 3 && r.shape[0] == 2 && r.shape[1] == 0);
    CHECK_OK(ctx, ks_array_linalg_det(ctx, &a, &d));
    CHECK(d.ndim == 1 && ((double *)(void *)d.data)[1] == 1.0);
    ks_array_release(&a), ks_array_release(&r), ks_array_release(&d);
    /* svd of 0 x 3: Vh is the 3 x 3 identity, as NumPy */
    CHECK_OK(ctx, ks_array_zeros(ctx, KS_FLOAT64, 2, s03, KS_ORDER_C, &e));
    CHECK_OK(ctx, ks_array_linalg_svd(ctx, &e, true, true, &u, &sv, &vh));
    CHECK(u.shape[0] == 0 && sv.shape[0] == 0 && vh.shape[0] == 3 &&
          ((double *)(void *)vh.data)[4] == 1.0 && ((double *)(void *)vh.data)[1] == 0.0);
    ks_array_release(&e), ks_array_release(&u), ks_array_release(&sv), ks_array_release(&vh);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    const ks_dtype ts[3] = {KS_FLOAT64, KS_COMPLEX128, KS_FLOAT32};
    for (int i = 0; i < 3; i++) {
        test_solve_inv(ctx, ts[i], false);
        test_solve_inv(ctx, ts[i], true);
        test_cholesky(ctx, ts[i], false);
        test_cholesky(ctx, ts[i], true);
        test_qr(ctx, ts[i], 7, 4, KS_QR_REDUCED);
        test_qr(ctx, ts[i], 7, 4, KS_QR_COMPLETE);
        test_qr(ctx, ts[i], 3, 6, KS_QR_REDUCED);
        test_svd(ctx, ts[i], 7, 4, true);
        test_svd(ctx, ts[i], 4, 7, false);
        test_eig(ctx, ts[i]);
    }
    test_det(ctx);
    test_lstsq(ctx);
    test_norm2(ctx);
    test_empty(ctx);
    ks_qr_mode mode;
    CHECK_OK(ctx, ks_qr_mode_value(ctx, "complete", &mode));
    CHECK(mode == KS_QR_COMPLETE && strcmp(ks_qr_mode_name(KS_QR_RAW), "raw") == 0);
    CHECK_FAILS(ctx, ks_qr_mode_value(ctx, "full", &mode), KS_EINVAL, "full");
    ks_ctx_free(ctx);
    printf("test_array_linalg: %d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
