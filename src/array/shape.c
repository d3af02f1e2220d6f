/* shape.c — reshaping and reordering axes: reshape, ravel, transpose, swapaxes, moveaxis,
 * squeeze, expand_dims, broadcast_to, flip. Each gives a view where NumPy gives one, with
 * NumPy's strides, so code that inspects strides sees the same layout as under NumPy. */
#include <stdio.h>
#include <string.h>

#include "array/shape_internal.h"

/* The strides of a contiguous array in C or F order (a zero-length axis counts as length 1, as
 * NumPy's, so strides never collapse to 0). */
/* Strides that read `a` (size > 0) in `order` under a new shape without copying, or false. The
 * rule is NumPy's (_attempt_nocopy_reshape): length-1 axes are dropped, then the old and new
 * axes are matched in groups of equal product; each old group must be contiguous within itself
 * in `order`, and its new axes get strides laid out from the group's last (C) or first (F)
 * stride. New trailing length-1 axes take the stride after the last group. */
static bool nocopy_strides(const ks_array *a, int nd, const ptrdiff_t *shape, ks_order order,
                           ptrdiff_t *st)
{
    ptrdiff_t od[KS_ARRAY_MAXDIMS], os[KS_ARRAY_MAXDIMS];
    int on = 0;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != 1) {
            od[on] = a->shape[d];
            os[on++] = a->strides[d];
        }
    const bool f = order == KS_ORDER_F;
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < nd && oi < on) {
        ptrdiff_t np = shape[ni], op = od[oi];
        while (np != op) {
            if (np < op)
                np *= shape[nj++];
            else
                op *= od[oj++];
        }
        for (int k = oi; k < oj - 1; k++)
            if (f ? os[k + 1] != od[k] * os[k] : os[k] != od[k + 1] * os[k + 1]) return false;
        if (f) {
            st[ni] = os[oi];
            for (int k = ni + 1; k < nj; k++) st[k] = st[k - 1] * shape[k - 1];
        } else {
            st[nj - 1] = os[oj - 1];
            for (int k = nj - 1; k > ni; k--) st[k - 1] = st[k] * shape[k];
        }
        ni = nj++;
        oi = oj++;
    }
    ptrdiff_t last = ni >= 1 ? st[ni - 1] : (ptrdiff_t)ks__dtypes[a->dtype].size;
    if (f && ni >= 1) last *= shape[ni - 1];
    for (int k = ni; k < nd; k++) st[k] = last;
    return true;
}

/* The new shape with its -1 filled in, checked against the array's size. */
static int fix_shape(ks_ctx *ctx, ptrdiff_t size, int nd, const ptrdiff_t *in, ptrdiff_t *shape)
{
    int unknown = -1;
    ptrdiff_t known = 1;
    bool overflow = false;
    for (int d = 0; d < nd; d++) {
        shape[d] = in[d];
        if (in[d] < 0) { /* NumPy takes any negative length as the unknown one */
            if (unknown >= 0)
                return ks__fail(ctx, KS_EINVAL, "can only specify one unknown dimension");
            unknown = d;
        } else {
            size_t p;
            if (!ks__size_mul((size_t)known, (size_t)in[d], &p) || p > (size_t)PTRDIFF_MAX)
                overflow = true;
            else
                known = (ptrdiff_t)p;
        }
    }
    if (unknown >= 0 && !overflow && known != 0 && size % known == 0) shape[unknown] = size / known;
    if (overflow || (unknown >= 0 && shape[unknown] < 0) || (unknown < 0 && known != size)) {
        char buf[400];
        size_t n = 0;
        buf[n++] = '(';
        for (int d = 0; d < nd && n < sizeof buf - 40; d++) {
            if (in[d] < 0)
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%snewaxis", d ? "," : "");
            else
                n += (size_t)snprintf(buf + n, sizeof buf - n, "%s%td", d ? "," : "", in[d]);
        }
        snprintf(buf + n, sizeof buf - n, "%s)", nd == 1 ? "," : "");
        return ks__fail(ctx, KS_EINVAL, "cannot reshape array of size %td into shape %s", size,
                        buf);
    }
    return KS_OK;
}

int ks_array_reshape(ks_ctx *ctx, const ks_array *a, int ndim, const ptrdiff_t *shape,
                     ks_order order, ks_array *out)
{
    ks__array_clear(out);
    if (ndim < 0 || ndim > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL,
                        "maximum supported dimension for an ndarray is %d, found %d",
                        KS_ARRAY_MAXDIMS, ndim);
    ptrdiff_t ns[KS_ARRAY_MAXDIMS], st[KS_ARRAY_MAXDIMS];
    const ptrdiff_t size = ks_array_size(a);
    int rc = fix_shape(ctx, size, ndim, shape, ns);
    if (rc) return rc;
    bool same = ndim == a->ndim;
    for (int d = 0; same && d < ndim; d++) same = ns[d] == a->shape[d];
    const size_t sz = ks__dtypes[a->dtype].size;
    ks_array src;
    if (same) {
        memcpy(st, a->strides, (size_t)ndim * sizeof *st);
        ks__view(a, &src);
    } else if (order == KS_ORDER_C ? ks_array_is_c_contiguous(a) : ks_array_is_f_contiguous(a)) {
        ks__contiguous_strides(sz, ndim, ns, order, st);
        ks__view(a, &src);
    } else if (nocopy_strides(a, ndim, ns, order, st)) {
        ks__view(a, &src);
    } else {
        rc = ks_array_copy(ctx, a, order, &src);
        if (rc) return rc;
        ks__contiguous_strides(sz, ndim, ns, order, st);
    }
    *out = src;
    out->ndim = ndim;
    memcpy(out->shape, ns, (size_t)ndim * sizeof *ns);
    memcpy(out->strides, st, (size_t)ndim * sizeof *st);
    return KS_OK;
}

int ks_array_ravel(ks_ctx *ctx, const ks_array *a, ks_order order, ks_array *out)
{
    const ptrdiff_t n = -1;
    ks__array_clear(out);
    if (order == KS_ORDER_C ? ks_array_is_c_contiguous(a) : ks_array_is_f_contiguous(a))
        return ks_array_reshape(ctx, a, 1, &n, order, out);
    /* NumPy's ravel copies whatever is not contiguous in the order asked for */
    ks_array c;
    int rc = ks_array_copy(ctx, a, order, &c);
    if (rc) return rc;
    rc = ks_array_reshape(ctx, &c, 1, &n, order, out);
    ks_array_release(&c);
    return rc;
}

int ks_array_transpose(ks_ctx *ctx, const ks_array *a, const int *axes, ks_array *out)
{
    ks__array_clear(out);
    int perm[KS_ARRAY_MAXDIMS];
    bool seen[KS_ARRAY_MAXDIMS] = {false};
    for (int d = 0; d < a->ndim; d++) {
        if (!axes) {
            perm[d] = a->ndim - 1 - d;
            continue;
        }
        const int rc = ks__axis(ctx, axes[d], a->ndim, &perm[d]);
        if (rc) return rc;
        if (seen[perm[d]]) return ks__fail(ctx, KS_EINVAL, "repeated axis in transpose");
        seen[perm[d]] = true;
    }
    ks__view(a, out);
    for (int d = 0; d < a->ndim; d++) {
        out->shape[d] = a->shape[perm[d]];
        out->strides[d] = a->strides[perm[d]];
    }
    return KS_OK;
}

/* NumPy's AxisError with the argument's name in front ("axis2: axis 3 is out of bounds ..."). */
static int named_axis_error(ks_ctx *ctx, int rc, const char *name)
{
    char msg[KS_ERRMSG_MAX];
    snprintf(msg, sizeof msg, "%s", ks_errmsg(ctx));
    return ks__fail(ctx, rc, "%s: %s", name, msg);
}

int ks_array_swapaxes(ks_ctx *ctx, const ks_array *a, int axis1, int axis2, ks_array *out)
{
    ks__array_clear(out);
    int i, j;
    int rc = ks__axis(ctx, axis1, a->ndim, &i);
    if (rc) return named_axis_error(ctx, rc, "axis1");
    rc = ks__axis(ctx, axis2, a->ndim, &j);
    if (rc) return named_axis_error(ctx, rc, "axis2");
    ks__view(a, out);
    out->shape[i] = a->shape[j];
    out->strides[i] = a->strides[j];
    out->shape[j] = a->shape[i];
    out->strides[j] = a->strides[i];
    return KS_OK;
}

/* n axes normalised against ndim, each at most once (`name` names the argument in messages:
 * NULL for none). */
static int axis_list(ks_ctx *ctx, int n, const int *axes, int ndim, const char *name, int *norm)
{
    bool seen[KS_ARRAY_MAXDIMS] = {false};
    if (n < 0 || n > ndim) return ks__fail(ctx, KS_EINVAL, "%d axes for %d dimensions", n, ndim);
    for (int k = 0; k < n; k++) {
        const int rc = ks__axis(ctx, axes[k], ndim, &norm[k]);
        if (rc) return name ? named_axis_error(ctx, rc, name) : rc;
        if (seen[norm[k]])
            return name ? ks__fail(ctx, KS_EINVAL, "repeated axis in `%s` argument", name)
                        : ks__fail(ctx, KS_EINVAL, "repeated axis");
        seen[norm[k]] = true;
    }
    return KS_OK;
}

int ks_array_moveaxis(ks_ctx *ctx, const ks_array *a, int n, const int *source,
                      const int *destination, ks_array *out)
{
    ks__array_clear(out);
    int src[KS_ARRAY_MAXDIMS], dst[KS_ARRAY_MAXDIMS], order[KS_ARRAY_MAXDIMS];
    int rc = axis_list(ctx, n, source, a->ndim, "source", src);
    if (!rc) rc = axis_list(ctx, n, destination, a->ndim, "destination", dst);
    if (rc) return rc;
    /* NumPy's rule: the axes not moved keep their order; each moved one lands at its
     * destination */
    bool moved[KS_ARRAY_MAXDIMS] = {false};
    int placed[KS_ARRAY_MAXDIMS];
    for (int d = 0; d < a->ndim; d++) placed[d] = -1;
    for (int k = 0; k < n; k++) {
        moved[src[k]] = true;
        placed[dst[k]] = src[k];
    }
    int next = 0;
    for (int d = 0; d < a->ndim; d++) {
        if (placed[d] >= 0) {
            order[d] = placed[d];
            continue;
        }
        while (moved[next]) next++;
        order[d] = next++;
    }
    return ks_array_transpose(ctx, a, order, out);
}

int ks_array_squeeze(ks_ctx *ctx, const ks_array *a, uint64_t axes, ks_array *out)
{
    ks__array_clear(out);
    uint64_t mask = 0; /* (axes 0 here: every length-1 axis) */
    const int rc = axes ? ks__axes_mask(ctx, axes, a->ndim, &mask) : KS_OK;
    if (rc != KS_OK) return rc;
    for (int d = 0; d < a->ndim; d++)
        if ((mask >> d & 1) && a->shape[d] != 1)
            return ks__fail(ctx, KS_EINVAL,
                            "cannot select an axis to squeeze out which has size not equal to one");
    ks__view(a, out);
    int nd = 0;
    for (int d = 0; d < a->ndim; d++) {
        const bool drop = axes ? (mask >> d & 1) : a->shape[d] == 1;
        if (drop) continue;
        out->shape[nd] = a->shape[d];
        out->strides[nd++] = a->strides[d];
    }
    out->ndim = nd;
    return KS_OK;
}

int ks_array_expand_dims(ks_ctx *ctx, const ks_array *a, int n, const int *axes, ks_array *out)
{
    ks__array_clear(out);
    const int nd = a->ndim + n;
    if (n < 0 || nd > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL,
                        "maximum supported dimension for an ndarray is %d, found %d",
                        KS_ARRAY_MAXDIMS, nd);
    int pos[KS_ARRAY_MAXDIMS];
    int rc = axis_list(ctx, n, axes, nd, NULL, pos);
    if (rc) return rc;
    bool isnew[KS_ARRAY_MAXDIMS] = {false};
    for (int k = 0; k < n; k++) isnew[pos[k]] = true;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    for (int d = 0, j = 0; d < nd; d++) shape[d] = isnew[d] ? 1 : a->shape[j++];
    /* NumPy's expand_dims is a reshape: the new axes get reshape's strides */
    return ks_array_reshape(ctx, a, nd, shape, KS_ORDER_C, out);
}

int ks_array_broadcast_to(ks_ctx *ctx, const ks_array *a, int ndim, const ptrdiff_t *shape,
                          ks_array *out)
{
    ks__array_clear(out);
    if (ndim < 0 || ndim > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL,
                        "maximum supported dimension for an ndarray is %d, found %d",
                        KS_ARRAY_MAXDIMS, ndim);
    for (int d = 0; d < ndim; d++)
        if (shape[d] < 0)
            return ks__fail(ctx, KS_EINVAL, "all elements of broadcast shape must be non-negative");
    if (a->ndim > ndim)
        return ks__fail(ctx, KS_EINVAL,
                        "input operand has more dimensions than allowed by the axis remapping");
    const int off = ndim - a->ndim;
    for (int d = 0; d < a->ndim; d++)
        if (a->shape[d] != 1 && a->shape[d] != shape[off + d]) {
            char s1[200], s2[200];
            return ks__fail(ctx, KS_EINVAL,
                            "operands could not be broadcast together with remapped shapes "
                            "[original->remapped]: %s  and requested shape %s",
                            ks__shape_str(a->ndim, a->shape, s1, sizeof s1),
                            ks__shape_str(ndim, shape, s2, sizeof s2));
        }
    ks__view(a, out);
    out->flags &= ~KS_ARRAY_WRITEABLE; /* many elements share one place: read-only, as NumPy */
    out->ndim = ndim;
    for (int d = ndim - 1; d >= 0; d--) {
        const bool own = d >= off && a->shape[d - off] != 1;
        out->strides[d] = own ? a->strides[d - off] : 0;
        out->shape[d] = shape[d];
    }
    return KS_OK;
}

int ks_array_flip(ks_ctx *ctx, const ks_array *a, uint64_t axes, ks_array *out)
{
    ks__array_clear(out);
    uint64_t mask;
    const int rc = ks__axes_mask(ctx, axes, a->ndim, &mask);
    if (rc != KS_OK) return rc;
    ks__view(a, out);
    for (int d = 0; d < a->ndim; d++) {
        if (!(mask >> d & 1)) continue;
        /* NumPy's a[::-1]; an empty axis keeps its stride (NumPy's empty slice) */
        if (a->shape[d] == 0) continue;
        out->data += (a->shape[d] - 1) * a->strides[d];
        out->strides[d] = -a->strides[d];
    }
    return KS_OK;
}
