/* random_multi.c — NumPy Generator's draws that fill a row at a time: dirichlet (normalised gammas,
 * or for alphas all below 0.1 stick-breaking with betas, which cannot make 0 / 0) and permuted
 * (each lane along an axis shuffled on its own, or the whole array as one). In NumPy's order of
 * draws, so the same seed gives NumPy's numbers. */
#include <string.h>

#include "array/random_internal.h"

int ks_generator_dirichlet(ks_ctx *ctx, ks_generator *rng, const ks_array *alpha, int ndim,
                           const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    if (alpha->ndim != 1)
        return ks__fail(ctx, KS_EINVAL, "dirichlet: alpha must be 1-dimensional, not %d-d",
                        alpha->ndim);
    if (ndim < 0 || ndim >= KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "dirichlet: %d dimensions", ndim);
    ks_array a;
    int rc = ks_array_astype(ctx, alpha, KS_FLOAT64, KS_CASTING_SAME_KIND, &a);
    if (rc == KS_OK && !ks_array_is_c_contiguous(&a)) {
        ks_array t;
        rc = ks_array_copy(ctx, &a, KS_ORDER_C, &t);
        ks_array_release(&a);
        a = t;
    }
    if (rc != KS_OK) return rc;
    const double *al = (const double *)(void *)a.data;
    const ptrdiff_t k = a.shape[0];
    double amax = k ? al[0] : 0.0;
    for (ptrdiff_t j = 0; j < k && rc == KS_OK; j++) {
        if (al[j] < 0) rc = ks__fail(ctx, KS_EINVAL, "alpha < 0");
        amax = amax > al[j] || amax != amax ? amax : al[j]; /* NaN wins, as NumPy's max */
    }
    ptrdiff_t oshape[KS_ARRAY_MAXDIMS];
    double *csum = NULL;
    if (rc == KS_OK) {
        memcpy(oshape, shape, (size_t)ndim * sizeof *shape);
        oshape[ndim] = k;
        rc = ks__array_new(ctx, KS_FLOAT64, ndim + 1, oshape, out);
    }
    const bool small = k > 0 && amax < 0.1;
    if (rc == KS_OK && small && !(csum = ks__malloc(ctx, (size_t)k * sizeof *csum))) {
        ks_array_release(out);
        rc = ks_errcode(ctx);
    }
    if (rc == KS_OK) {
        double *y = (double *)(void *)out->data;
        const ptrdiff_t total = ks_array_size(out);
        memset(y, 0, (size_t)total * sizeof *y);
        if (small) { /* stick-breaking: csum[j] is the sum of alpha[j:] */
            double s = 0.0;
            for (ptrdiff_t j = k - 1; j >= 0; j--) csum[j] = s += al[j];
            for (ptrdiff_t i = 0; s > 0 && i < total; i += k) {
                double acc = 1.0;
                for (ptrdiff_t j = 0; j < k - 1; j++) {
                    const double v = ks__beta(rng, al[j], csum[j + 1]);
                    y[i + j] = acc * v;
                    acc *= 1.0 - v;
                    if (csum[j + 1] == 0) break; /* v was 1: the rest stay 0 */
                }
                y[i + k - 1] = acc;
            }
        } else {
            for (ptrdiff_t i = 0; i < total; i += k) {
                double acc = 0.0;
                for (ptrdiff_t j = 0; j < k; j++)
                    acc = acc + (y[i + j] = ks__std_gamma(rng, al[j]));
                const double inv = 1.0 / acc;
                for (ptrdiff_t j = 0; j < k; j++) y[i + j] = y[i + j] * inv;
            }
        }
    }
    ks__release(&ctx->alloc, csum);
    ks_array_release(&a);
    return rc;
}

/* Where element i of a's elements in C order (or Fortran order) is. */
static char *elem_at(const ks_array *a, ptrdiff_t i, bool fortran)
{
    char *at = a->data;
    for (int t = 0; t < a->ndim; t++) {
        const int d = fortran ? t : a->ndim - 1 - t;
        at += (i % a->shape[d]) * a->strides[d];
        i /= a->shape[d];
    }
    return at;
}

/* Two elements exchanged, the common sizes by fixed-size copies (registers, not a call). */
static inline void swap(char *p, char *q, size_t es)
{
    char t[16];
    switch (es) {
    case 8: memcpy(t, p, 8), memcpy(p, q, 8), memcpy(q, t, 8); break;
    case 4: memcpy(t, p, 4), memcpy(p, q, 4), memcpy(q, t, 4); break;
    case 16: memcpy(t, p, 16), memcpy(p, q, 16), memcpy(q, t, 16); break;
    default: memcpy(t, p, es), memcpy(p, q, es), memcpy(q, t, es);
    }
}

int ks_generator_permuted(ks_ctx *ctx, ks_generator *rng, ks_array *a, int axis)
{
    if (!(a->flags & KS_ARRAY_WRITEABLE))
        return ks__fail(ctx, KS_EINVAL, "permuted: out is read-only");
    const size_t es = ks__dtypes[a->dtype].size;
    ks_generator g = *rng; /* a local copy: the element stores cannot alias it */
    if (axis == KS_AXIS_NONE) {
        /* NumPy shuffles the ravel in memory order when the array is contiguous (Fortran order
           for a Fortran-only one), else in C order, from the last element down to the second */
        const bool fortran =
            a->ndim > 1 && ks_array_is_f_contiguous(a) && !ks_array_is_c_contiguous(a);
        const bool flat = fortran || ks_array_is_c_contiguous(a); /* element i at i * es */
        for (ptrdiff_t i = ks_array_size(a) - 1; i >= 1; i--) {
            const ptrdiff_t j = (ptrdiff_t)ks__interval(&g, (uint64_t)i);
            if (flat)
                swap(a->data + i * (ptrdiff_t)es, a->data + j * (ptrdiff_t)es, es);
            else
                swap(elem_at(a, i, fortran), elem_at(a, j, fortran), es);
        }
        *rng = g;
        return KS_OK;
    }
    int ax;
    int rc = ks__axis(ctx, axis, a->ndim, &ax);
    if (rc != KS_OK) return rc;
    /* each lane along ax, the lanes in C order of the other axes, down to the first element */
    ks_array lanes = *a; /* a's shape with ax of length 1, for the lanes' starts (not owned) */
    const ptrdiff_t len = a->shape[ax], step = a->strides[ax];
    lanes.shape[ax] = 1;
    const ptrdiff_t nlanes = len ? ks_array_size(&lanes) : 0;
    for (ptrdiff_t l = 0; l < nlanes; l++) {
        char *base = elem_at(&lanes, l, false);
        for (ptrdiff_t i = len - 1; i >= 0; i--) {
            const ptrdiff_t j = (ptrdiff_t)ks__interval(&g, (uint64_t)i);
            swap(base + i * step, base + j * step, es);
        }
    }
    *rng = g;
    return KS_OK;
}
