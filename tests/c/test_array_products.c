/* The array products (dot, vdot, inner, outer, tensordot, vecdot, kron, diagonal, trace, einsum)
 * against a brute-force einsum written here: every function is an einsum of its operands
 * (dot of (3,4) with (2,4,5) is "ij,kjm->ikm"), and the reference loops over every assignment of
 * the labels, summing products in double. Inputs are small integers, so every dtype's sums are
 * exact and must agree to the bit; each case runs on C-ordered operands and on flipped and
 * transposed views (negative and non-unit strides). Also: the BLAS paths against the plain
 * loop on real values (float64 / complex128 within rounding), NumPy's errors, empty operands.
 * tests/python/test_nd_products.py compares with NumPy itself. */
#include <complex.h>
#include <stdlib.h>

#include "ktest.h"

/* A C-ordered array of dtype t with small values 0..3 (bool: 0..1). */
static void random_array(ks_ctx *ctx, ks_dtype t, int nd, const ptrdiff_t *shape, ks_array *out)
{
    ks_array f;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, nd, shape, KS_ORDER_C, &f));
    double *v = (double *)(void *)f.data;
    for (ptrdiff_t i = 0; i < ks_array_size(&f); i++)
        v[i] = (double)(ktest_next() % (t == KS_BOOL ? 2 : 4));
    CHECK_OK(ctx, ks_array_astype(ctx, &f, t, KS_CASTING_UNSAFE, out));
    ks_array_release(&f);
}

/* a's values as doubles in C order (malloc'd; real parts). */
static double *values(ks_ctx *ctx, const ks_array *a)
{
    ks_array c, d;
    CHECK_OK(ctx, ks_array_astype(ctx, a, KS_FLOAT64, KS_CASTING_UNSAFE, &c));
    CHECK_OK(ctx, ks_array_copy(ctx, &c, KS_ORDER_C, &d));
    const size_t n = (size_t)ks_array_size(&d);
    double *v = malloc((n ? n : 1) * sizeof *v);
    if (n) memcpy(v, d.data, n * sizeof *v);
    ks_array_release(&c);
    ks_array_release(&d);
    return v;
}

/* The reference: explicit subscripts of letters only ("ij,jk->ik"), n operands. Returns the
 * result's values in C order (malloc'd), its ndim and shape in *ond, oshape. */
static double *ref_einsum(ks_ctx *ctx, const char *sub, int n, const ks_array *const *ops, int *ond,
                          ptrdiff_t *oshape)
{
    ptrdiff_t size[128] = {0};
    const char *terms[8];
    int tlen[8];
    const char *p = sub;
    for (int k = 0; k < n; k++) {
        terms[k] = p;
        while (*p != ',' && *p != '-') p++;
        tlen[k] = (int)(p - terms[k]);
        for (int d = 0; d < tlen[k]; d++) size[(int)terms[k][d]] = ops[k]->shape[d];
        p++;
    }
    const char *out = strstr(sub, "->") + 2;
    const int no = (int)strlen(out);
    char labels[64];
    int nl = 0;
    for (int c = 0; c < 128; c++)
        if (((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')) && strchr(sub, c))
            labels[nl++] = (char)c;
    ptrdiff_t ototal = 1;
    for (int d = 0; d < no; d++) oshape[d] = size[(int)out[d]], ototal *= oshape[d];
    *ond = no;
    double *res = calloc((size_t)(ototal ? ototal : 1), sizeof *res);
    double *v[8];
    for (int k = 0; k < n; k++) v[k] = values(ctx, ops[k]);
    ptrdiff_t idx[128] = {0}, total = 1;
    for (int i = 0; i < nl; i++) total *= size[(int)labels[i]];
    for (ptrdiff_t q = 0; q < total; q++) {
        ptrdiff_t r = q;
        for (int i = nl - 1; i >= 0; i--) {
            idx[(int)labels[i]] = r % size[(int)labels[i]];
            r /= size[(int)labels[i]];
        }
        double prod = 1;
        for (int k = 0; k < n; k++) {
            ptrdiff_t flat = 0;
            for (int d = 0; d < tlen[k]; d++)
                flat = flat * ops[k]->shape[d] + idx[(int)terms[k][d]];
            prod *= v[k][flat];
        }
        ptrdiff_t flat = 0;
        for (int d = 0; d < no; d++) flat = flat * oshape[d] + idx[(int)out[d]];
        res[flat] += prod;
    }
    for (int k = 0; k < n; k++) free(v[k]);
    return res;
}

/* got (an array) equals the reference of `sub` over ops: shape, and every value (bool: != 0). */
static void check_against(ks_ctx *ctx, const ks_array *got, const char *sub, int n,
                          const ks_array *const *ops, const char *what)
{
    int nd;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    double *want = ref_einsum(ctx, sub, n, ops, &nd, shape);
    bool ok = got->ndim == nd;
    for (int d = 0; ok && d < nd; d++) ok = got->shape[d] == shape[d];
    CHECK(ok);
    if (ok) {
        double *v = values(ctx, got);
        for (ptrdiff_t i = 0; i < ks_array_size(got); i++) {
            /* int8 and uint8 sums wrap, as NumPy's */
            double w = got->dtype == KS_BOOL ? (want[i] != 0) : want[i];
            if (got->dtype == KS_INT8) w = (double)(int8_t)(uint8_t)(int64_t)w;
            if (got->dtype == KS_UINT8) w = (double)(uint8_t)(int64_t)w;
            if (v[i] != w) {
                CHECK(v[i] == w);
                fprintf(stderr, "  %s (%s, dtype %s): element %td is %g, wanted %g\n", what, sub,
                        ks_dtype_name(got->dtype), i, v[i], w);
                break;
            }
        }
        free(v);
    } else {
        fprintf(stderr, "  %s (%s): ndim %d, wanted %d\n", what, sub, got->ndim, nd);
    }
    free(want);
}

static const ks_dtype dtypes[] = {KS_FLOAT64, KS_FLOAT32, KS_COMPLEX128, KS_COMPLEX64, KS_INT64,
                                  KS_INT32,   KS_INT8,    KS_UINT8,      KS_UINT64,    KS_BOOL};
#define NDT (int)(sizeof dtypes / sizeof *dtypes)

/* A strided view with x's values (x's shape): a copy of x flipped on every axis, viewed flipped
 * back (negative strides), or a transposed copy viewed transposed back (Fortran strides). */
static void strided(ks_ctx *ctx, const ks_array *x, int how, ks_array *out)
{
    ks_array t;
    if (how == 1) {
        ks_array f;
        CHECK_OK(ctx, ks_array_flip(ctx, x, 0, &f));
        CHECK_OK(ctx, ks_array_copy(ctx, &f, KS_ORDER_C, &t));
        CHECK_OK(ctx, ks_array_flip(ctx, &t, 0, out));
        ks_array_release(&f);
    } else {
        CHECK_OK(ctx, ks_array_copy(ctx, x, KS_ORDER_F, &t));
        ks_array_ref(&t, out);
    }
    ks_array_release(&t);
}

typedef int (*binop)(ks_ctx *, const ks_array *, const ks_array *, ks_array *);

/* One binary product on shapes sa, sb, every dtype pair (t, t) and one mixed pair, every stride
 * layout, against the reference subscripts. */
static void binary_case(ks_ctx *ctx, binop f, const char *name, int na, const ptrdiff_t *sa, int nb,
                        const ptrdiff_t *sb, const char *sub)
{
    for (int ti = 0; ti <= NDT; ti++) {
        const ks_dtype ta = ti < NDT ? dtypes[ti] : KS_INT16,
                       tb = ti < NDT ? dtypes[ti] : KS_FLOAT32;
        ks_array a, b;
        random_array(ctx, ta, na, sa, &a);
        random_array(ctx, tb, nb, sb, &b);
        for (int how = 0; how < 3; how++) {
            ks_array va, vb, r;
            if (how) {
                strided(ctx, &a, how, &va);
                strided(ctx, &b, how, &vb);
            } else {
                ks_array_ref(&a, &va);
                ks_array_ref(&b, &vb);
            }
            const ks_array *ops[2] = {&va, &vb};
            CHECK_OK(ctx, f(ctx, &va, &vb, &r));
            if (r.data || ks_array_size(&r) == 0) {
                CHECK(r.dtype == ks_dtype_promote(ta, tb));
                check_against(ctx, &r, sub, 2, ops, name);
            }
            ks_array_release(&r);
            ks_array_release(&va);
            ks_array_release(&vb);
        }
        ks_array_release(&a);
        ks_array_release(&b);
    }
}

static void test_dot(ks_ctx *ctx)
{
    const ptrdiff_t s4[] = {4}, s34[] = {3, 4}, s45[] = {4, 5}, s234[] = {2, 3, 4},
                    s245[] = {2, 4, 5}, s14[] = {1, 4}, s41[] = {4, 1}, s0[] = {0}, s30[] = {3, 0},
                    s05[] = {0, 5};
    binary_case(ctx, ks_array_dot, "dot", 1, s4, 1, s4, "i,i->");
    binary_case(ctx, ks_array_dot, "dot", 2, s34, 1, s4, "ij,j->i");
    binary_case(ctx, ks_array_dot, "dot", 1, s4, 2, s45, "j,jk->k");
    binary_case(ctx, ks_array_dot, "dot", 2, s34, 2, s45, "ij,jk->ik");
    binary_case(ctx, ks_array_dot, "dot", 2, s14, 2, s41, "ij,jk->ik");
    binary_case(ctx, ks_array_dot, "dot", 3, s234, 3, s245, "abj,cjd->abcd");
    binary_case(ctx, ks_array_dot, "dot", 3, s234, 1, s4, "abj,j->ab");
    binary_case(ctx, ks_array_dot, "dot", 1, s4, 3, s245, "j,cjd->cd");
    binary_case(ctx, ks_array_dot, "dot", 1, s0, 1, s0, "i,i->");
    binary_case(ctx, ks_array_dot, "dot", 2, s30, 2, s05, "ij,jk->ik");
    binary_case(ctx, ks_array_inner, "inner", 2, s34, 2, s34, "ij,kj->ik");
    binary_case(ctx, ks_array_inner, "inner", 3, s234, 1, s4, "abj,j->ab");
    binary_case(ctx, ks_array_outer, "outer", 1, s4, 1, s4, "i,j->ij");
    binary_case(ctx, ks_array_vdot, "vdot", 2, s34, 2, s34, "ij,ij->");
}

/* The BLAS paths (gemv, dot, gemm) against plain loops on real values, and vdot conjugating. */
static void test_blas_values(ks_ctx *ctx)
{
    const ptrdiff_t sa[] = {7, 5}, sv[] = {5};
    ks_array a, x, r, ref;
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 2, sa, KS_ORDER_C, &a));
    CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 1, sv, KS_ORDER_C, &x));
    for (int i = 0; i < 35; i++) ((double *)(void *)a.data)[i] = sin(i + 1.0);
    for (int i = 0; i < 5; i++) ((double *)(void *)x.data)[i] = cos(i + 0.5);
    CHECK_OK(ctx, ks_array_dot(ctx, &a, &x, &r));
    ks_array ai, xi;
    CHECK_OK(ctx, ks_array_astype(ctx, &a, KS_COMPLEX128, KS_CASTING_SAFE, &ai));
    CHECK_OK(ctx, ks_array_astype(ctx, &x, KS_COMPLEX128, KS_CASTING_SAFE, &xi));
    CHECK_OK(ctx, ks_array_dot(ctx, &ai, &xi, &ref));
    for (int i = 0; i < 7; i++) {
        double s = 0;
        for (int j = 0; j < 5; j++)
            s += ((double *)(void *)a.data)[i * 5 + j] * ((double *)(void *)x.data)[j];
        CHECK_NEAR(((double *)(void *)r.data)[i], s, 1e-14);
        CHECK_NEAR(creal(((double complex *)(void *)ref.data)[i]), s, 1e-14);
    }
    ks_array_release(&r);
    ks_array_release(&ref);
    /* vdot conjugates its first operand: vdot(1+2i, 3+4i) = (1-2i)(3+4i) = 11 - 2i */
    ks_array c1, c2;
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_COMPLEX128, 1, 2, &c1));
    CHECK_OK(ctx, ks_array_scalar(ctx, KS_COMPLEX128, 3, 4, &c2));
    CHECK_OK(ctx, ks_array_vdot(ctx, &c1, &c2, &r));
    CHECK(r.ndim == 0 && *(double complex *)(void *)r.data == 11 - 2 * I);
    ks_array_release(&r);
    /* vecdot too: along axis 0 of a (7,5) with x broadcast as (7,1)... the same numbers as dot */
    ks_array xr;
    const ptrdiff_t s15[] = {1, 5};
    CHECK_OK(ctx, ks_array_reshape(ctx, &xi, 2, s15, KS_ORDER_C, &xr));
    CHECK_OK(ctx, ks_array_vecdot(ctx, &ai, &xr, -1, &r));
    CHECK(r.ndim == 1 && r.shape[0] == 7);
    for (int i = 0; i < 7 && r.data; i++) {
        double s = 0;
        for (int j = 0; j < 5; j++)
            s += ((double *)(void *)a.data)[i * 5 + j] * ((double *)(void *)x.data)[j];
        CHECK_NEAR(creal(((double complex *)(void *)r.data)[i]), s, 1e-14);
    }
    ks_array_release(&r);
    ks_array_release(&xr);
    ks_array_release(&ai);
    ks_array_release(&xi);
    ks_array_release(&c1);
    ks_array_release(&c2);
    ks_array_release(&a);
    ks_array_release(&x);
}

static void test_tensordot_vecdot_trace(ks_ctx *ctx)
{
    const ptrdiff_t sa[] = {3, 4, 5}, sb[] = {4, 3, 2}, sv[] = {2, 1, 5}, sw[] = {3, 5},
                    sq[] = {4, 4, 3};
    for (int ti = 0; ti < NDT; ti++) {
        ks_array a, b, r;
        random_array(ctx, dtypes[ti], 3, sa, &a);
        random_array(ctx, dtypes[ti], 3, sb, &b);
        const ks_array *ops[2] = {&a, &b};
        const int xa[] = {1, 0}, xb[] = {0, 1}, xa2[] = {-2, 0}, xb2[] = {0, -2};
        CHECK_OK(ctx, ks_array_tensordot(ctx, &a, &b, 2, xa, xb, &r));
        check_against(ctx, &r, "ijk,jil->kl", 2, ops, "tensordot");
        ks_array_release(&r);
        CHECK_OK(ctx, ks_array_tensordot(ctx, &a, &b, 2, xa2, xb2, &r));
        check_against(ctx, &r, "ijk,jil->kl", 2, ops, "tensordot (negative axes)");
        ks_array_release(&r);
        CHECK_OK(ctx, ks_array_tensordot(ctx, &a, &b, 0, NULL, NULL, &r));
        check_against(ctx, &r, "ijk,lmn->ijklmn", 2, ops, "tensordot (axes 0)");
        ks_array_release(&r);
        ks_array_release(&b);
        /* vecdot: (2,1,5) with (3,5) along the last axis -> (2,3) */
        ks_array v, w;
        random_array(ctx, dtypes[ti], 3, sv, &v);
        random_array(ctx, dtypes[ti], 2, sw, &w);
        ks_array wb;
        const ptrdiff_t s135[] = {1, 3, 5};
        CHECK_OK(ctx, ks_array_reshape(ctx, &w, 3, s135, KS_ORDER_C, &wb));
        const ks_array *vw[2] = {&v, &wb};
        CHECK_OK(ctx, ks_array_vecdot(ctx, &v, &w, -1, &r));
        if (r.data) check_against(ctx, &r, "iak,ajk->ij", 2, vw, "vecdot");
        ks_array_release(&r);
        ks_array_release(&wb);
        ks_array_release(&v);
        ks_array_release(&w);
        /* diagonal and trace of axes 0, 1 (offsets), and of axes 2, 0 */
        ks_array q;
        random_array(ctx, dtypes[ti], 3, sq, &q);
        const ks_array *qs[1] = {&q};
        CHECK_OK(ctx, ks_array_diagonal(ctx, &q, 0, 0, 1, &r));
        check_against(ctx, &r, "iik->ki", 1, qs, "diagonal");
        CHECK(!(r.flags & KS_ARRAY_WRITEABLE));
        ks_array_release(&r);
        if (dtypes[ti] != KS_BOOL) {
            CHECK_OK(ctx, ks_array_trace(ctx, &q, 0, 0, 1, (int)dtypes[ti], &r));
            check_against(ctx, &r, "iik->k", 1, qs, "trace");
            ks_array_release(&r);
        }
        CHECK_OK(ctx, ks_array_diagonal(ctx, &q, 1, 0, 1, &r));
        CHECK(r.ndim == 2 && r.shape[0] == 3 && r.shape[1] == 3);
        ks_array_release(&r);
        CHECK_OK(ctx, ks_array_diagonal(ctx, &q, -5, 0, 1, &r));
        CHECK(r.ndim == 2 && r.shape[1] == 0);
        ks_array_release(&r);
        ks_array_release(&q);
        ks_array_release(&a);
    }
}

static void test_kron(ks_ctx *ctx)
{
    /* kron((2,3), (4,)) is (2,12): block [i, 4 j + l] = a[i, j] b[l] */
    const ptrdiff_t sa[] = {2, 3}, sb[] = {4};
    ks_array a, b, r;
    random_array(ctx, KS_INT32, 2, sa, &a);
    random_array(ctx, KS_INT32, 1, sb, &b);
    CHECK_OK(ctx, ks_array_kron(ctx, &a, &b, &r));
    CHECK(r.ndim == 2 && r.shape[0] == 2 && r.shape[1] == 12);
    if (r.data) {
        const int32_t *pa = (const int32_t *)(void *)a.data, *pb = (const int32_t *)(void *)b.data,
                      *pr = (const int32_t *)(void *)r.data;
        bool ok = true;
        for (int i = 0; i < 2; i++)
            for (int j = 0; j < 3; j++)
                for (int l = 0; l < 4; l++) ok &= pr[i * 12 + 4 * j + l] == pa[i * 3 + j] * pb[l];
        CHECK(ok);
    }
    ks_array_release(&r);
    ks_array_release(&a);
    ks_array_release(&b);
}

/* einsum over a broad set of subscripts against the reference, written explicitly for it. */
static void test_einsum(ks_ctx *ctx)
{
    static const struct {
        const char *sub, *ref;
        int n, nd[3];
        ptrdiff_t shape[3][4];
    } cases[] = {
        {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 4}, {4, 5}}},
        {"ij,jk", "ij,jk->ik", 2, {2, 2}, {{3, 4}, {4, 5}}},
        {"ij,kj", "ij,kj->ik", 2, {2, 2}, {{3, 4}, {5, 4}}},
        {"ba,cb", "ba,cb->ac", 2, {2, 2}, {{3, 4}, {5, 3}}},
        {"bij,bjk->bik", "bij,bjk->bik", 2, {3, 3}, {{2, 3, 4}, {2, 4, 5}}},
        {"bij,bjk->bik", "bij,bjk->bik", 2, {3, 3}, {{9, 2, 2}, {9, 2, 2}}},
        {"i,i->", "i,i->", 2, {1, 1}, {{6}, {6}}},
        {"i,i", "i,i->", 2, {1, 1}, {{6}, {6}}},
        {"i,i->i", "i,i->i", 2, {1, 1}, {{6}, {6}}},
        {"i,j->ij", "i,j->ij", 2, {1, 1}, {{3}, {4}}},
        {"i,j", "i,j->ij", 2, {1, 1}, {{3}, {4}}},
        {"ij->i", "ij->i", 1, {2}, {{3, 4}}},
        {"ij->j", "ij->j", 1, {2}, {{3, 4}}},
        {"ij->", "ij->", 1, {2}, {{3, 4}}},
        {"ij->ji", "ij->ji", 1, {2}, {{3, 4}}},
        {"ji", "ji->ij", 1, {2}, {{3, 4}}},
        {"ii->i", "ii->i", 1, {2}, {{4, 4}}},
        {"ii", "ii->", 1, {2}, {{4, 4}}},
        {"iij->ji", "iij->ji", 1, {3}, {{3, 3, 2}}},
        {"iji->j", "iji->j", 1, {3}, {{3, 2, 3}}},
        {"ij,ij->i", "ij,ij->i", 2, {2, 2}, {{3, 4}, {3, 4}}},
        {"ij,ij->", "ij,ij->", 2, {2, 2}, {{3, 4}, {3, 4}}},
        {"ijk,jil->kl", "ijk,jil->kl", 2, {3, 3}, {{3, 4, 5}, {4, 3, 2}}},
        {"ij,jk,kl->il", "ij,jk,kl->il", 3, {2, 2, 2}, {{2, 3}, {3, 4}, {4, 5}}},
        {"ij,jk,kl", "ij,jk,kl->il", 3, {2, 2, 2}, {{2, 3}, {3, 4}, {4, 5}}},
        {"i,i,i->", "i,i,i->", 3, {1, 1, 1}, {{5}, {5}, {5}}},
        {"i,i,i->i", "i,i,i->i", 3, {1, 1, 1}, {{5}, {5}, {5}}},
        {"ab,bc,ca->", "ab,bc,ca->", 3, {2, 2, 2}, {{3, 4}, {4, 5}, {5, 3}}},
        {"abc,cd,b->ad", "abc,cd,b->ad", 3, {3, 2, 1}, {{2, 3, 4}, {4, 2}, {3}}},
        {"ij,j->ij", "ij,j->ij", 2, {2, 1}, {{3, 4}, {4}}},
        {"ij,i->", "ij,i->", 2, {2, 1}, {{3, 4}, {3}}},
        {"ij,kl->ijkl", "ij,kl->ijkl", 2, {2, 2}, {{2, 3}, {2, 2}}},
        {"iij,jk->ik", "iij,jk->ik", 2, {3, 2}, {{3, 3, 4}, {4, 2}}},
        {"Ab,bC->AC", "Ab,bC->AC", 2, {2, 2}, {{3, 4}, {4, 2}}},
        {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{0, 4}, {4, 5}}},
        {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 0}, {0, 5}}},
        {"i->", "i->", 1, {1}, {{0}}},
        {",ij->ij", ",ij->ij", 2, {0, 2}, {{0}, {2, 3}}},
        {"ij,jk->ik", "ij,jk->ik", 2, {2, 2}, {{3, 1}, {4, 5}}}, /* j broadcast */
    };
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++)
        for (int ti = 0; ti < NDT; ti++) {
            ks_array ops[3], r;
            const ks_array *pp[3];
            for (int k = 0; k < cases[c].n; k++) {
                random_array(ctx, dtypes[ti], cases[c].nd[k], cases[c].shape[k], &ops[k]);
                pp[k] = &ops[k];
            }
            const int rc = ks_array_einsum(ctx, cases[c].sub, cases[c].n, pp, &r);
            CHECK_OK(ctx, rc);
            if (!rc && c == sizeof cases / sizeof *cases - 1) {
                /* the reference has no broadcasting: b's j given as a length-1 sum */
                CHECK(r.ndim == 2 && r.shape[0] == 3 && r.shape[1] == 5);
            } else if (!rc) {
                CHECK(r.dtype == dtypes[ti]);
                check_against(ctx, &r, cases[c].ref, cases[c].n, pp, "einsum");
                /* a view with other strides gives the same */
                ks_array v[3], r2;
                const ks_array *pv[3];
                for (int k = 0; k < cases[c].n; k++) strided(ctx, &ops[k], 1 + (int)(c % 2), &v[k]);
                for (int k = 0; k < cases[c].n; k++) pv[k] = &v[k];
                CHECK_OK(ctx, ks_array_einsum(ctx, cases[c].sub, cases[c].n, pv, &r2));
                check_against(ctx, &r2, cases[c].ref, cases[c].n, pv, "einsum (strided)");
                ks_array_release(&r2);
                for (int k = 0; k < cases[c].n; k++) ks_array_release(&v[k]);
            }
            ks_array_release(&r);
            for (int k = 0; k < cases[c].n; k++) ks_array_release(&ops[k]);
        }
}

/* '...' against the same subscripts spelled with letters. */
static void test_einsum_ellipsis(ks_ctx *ctx)
{
    const ptrdiff_t sa[] = {2, 3, 4, 5}, sb[] = {5, 6}, sc[] = {3, 1, 5};
    ks_array a, b, c, r1, r2;
    random_array(ctx, KS_FLOAT64, 4, sa, &a);
    random_array(ctx, KS_FLOAT64, 2, sb, &b);
    random_array(ctx, KS_FLOAT64, 3, sc, &c);
    const ks_array *ab[2] = {&a, &b}, *ac[2] = {&a, &c};
    CHECK_OK(ctx, ks_array_einsum(ctx, "...ij,jk->...ik", 2, ab, &r1));
    CHECK_OK(ctx, ks_array_einsum(ctx, "xyij,jk->xyik", 2, ab, &r2));
    check_against(ctx, &r1, "xyij,jk->xyik", 2, ab, "einsum ...");
    ks_array_release(&r1);
    ks_array_release(&r2);
    CHECK_OK(ctx, ks_array_einsum(ctx, "...j,...j->...", 2, ac, &r1)); /* (2,3,4) */
    CHECK(r1.ndim == 3 && r1.shape[0] == 2 && r1.shape[1] == 3 && r1.shape[2] == 4);
    ks_array_release(&r1);
    CHECK_OK(ctx, ks_array_einsum(ctx, "i...->...", 1, ab, &r1));
    check_against(ctx, &r1, "ijkl->jkl", 1, ab, "einsum i...");
    ks_array_release(&r1);
    CHECK_OK(ctx, ks_array_einsum(ctx, "...ij", 1, ab, &r1)); /* implicit: a transpose */
    CHECK(r1.ndim == 4 && r1.shape[2] == 4 && r1.shape[3] == 5);
    ks_array_release(&r1);
    ks_array_release(&a);
    ks_array_release(&b);
    ks_array_release(&c);
}

static void test_errors(ks_ctx *ctx)
{
    const ptrdiff_t s34[] = {3, 4}, s5[] = {5}, s44[] = {4, 4}, s3[] = {3};
    ks_array a, v, q, w, r;
    random_array(ctx, KS_FLOAT64, 2, s34, &a);
    random_array(ctx, KS_FLOAT64, 1, s5, &v);
    random_array(ctx, KS_FLOAT64, 2, s44, &q);
    random_array(ctx, KS_FLOAT64, 1, s3, &w);
    const ks_array *av[2] = {&a, &v}, *aa[2] = {&a, &a};
    CHECK_FAILS(ctx, ks_array_dot(ctx, &a, &v, &r), KS_EINVAL,
                "shapes (3,4) and (5,) not aligned: 4 (dim 1) != 5 (dim 0)");
    CHECK(!r.data);
    CHECK_FAILS(ctx, ks_array_inner(ctx, &a, &v, &r), KS_EINVAL, "not aligned");
    CHECK_FAILS(ctx, ks_array_vdot(ctx, &a, &v, &r), KS_EINVAL, "cannot reshape");
    const int x0[] = {1}, x1[] = {0}, x7[] = {7};
    CHECK_FAILS(ctx, ks_array_tensordot(ctx, &a, &v, 1, x0, x1, &r), KS_EINVAL,
                "shape-mismatch for sum");
    CHECK_FAILS(ctx, ks_array_tensordot(ctx, &a, &v, 1, x7, x1, &r), KS_EINVAL, "out of bounds");
    CHECK_FAILS(ctx, ks_array_vecdot(ctx, &a, &v, -1, &r), KS_EINVAL, "mismatch in its core");
    CHECK_FAILS(ctx, ks_array_diagonal(ctx, &v, 0, 0, 1, &r), KS_EINVAL, "at least two");
    CHECK_FAILS(ctx, ks_array_diagonal(ctx, &a, 0, 1, -1, &r), KS_EINVAL, "cannot be the same");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij,j->i", 2, av, &r), KS_EINVAL,
                "could not be broadcast");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij", 2, av, &r), KS_EINVAL, "fewer operands");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij,i,k", 2, av, &r), KS_EINVAL, "more operands");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ijk,i->", 2, av, &r), KS_EINVAL, "too many subscripts");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "i,i->", 2, av, &r), KS_EINVAL, "no '...'");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij,ij->ii", 2, aa, &r), KS_EINVAL, "multiple times");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij,ij->k", 2, aa, &r), KS_EINVAL, "never appeared");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "i1,ij", 2, aa, &r), KS_EINVAL, "invalid subscript");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij,ij>i", 2, aa, &r), KS_EINVAL, "invalid subscript");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ii", 1, av, &r), KS_EINVAL,
                "collapsing index 'i' don't match (3 != 4)");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "...i,...i->", 2, aa, &r), KS_EINVAL, "no '...'");
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "i.j", 1, av, &r), KS_EINVAL, "ellipsis");
    /* 52 letters seen once each (26 axes in each operand): an implicit output of 52 axes */
    {
        ks_array big;
        ptrdiff_t ones[26];
        for (int i = 0; i < 26; i++) ones[i] = 1;
        CHECK_OK(ctx, ks_array_empty(ctx, KS_FLOAT64, 26, ones, KS_ORDER_C, &big));
        const ks_array *bb[2] = {&big, &big};
        CHECK_FAILS(ctx,
                    ks_array_einsum(ctx, "ABCDEFGHIJKLMNOPQRSTUVWXYZ,abcdefghijklmnopqrstuvwxyz", 2,
                                    bb, &r),
                    KS_EINVAL, "more than 32");
        CHECK_FAILS(ctx,
                    ks_array_einsum(ctx,
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZ,abcdefghijklmnopqrstuvwxyz->"
                                    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
                                    2, bb, &r),
                    KS_EINVAL, "more than 32");
        ks_array_release(&big);
    }
    const ks_array *qw[2] = {&q, &w};
    CHECK_FAILS(ctx, ks_array_einsum(ctx, "ij,j", 2, qw, &r), KS_EINVAL, "could not be broadcast");
    ks_array_release(&a);
    ks_array_release(&v);
    ks_array_release(&q);
    ks_array_release(&w);
}

int main(void)
{
    ks_ctx *ctx;
    if (ks_ctx_new(&ctx) != KS_OK) return 1;
    test_dot(ctx);
    test_blas_values(ctx);
    test_tensordot_vecdot_trace(ctx);
    test_kron(ctx);
    test_einsum(ctx);
    test_einsum_ellipsis(ctx);
    test_errors(ctx);
    ks_ctx_free(ctx);
    printf("%d checks, %d failures\n", ktest_checks, ktest_failures);
    return ktest_failures != 0;
}
