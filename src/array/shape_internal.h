/* shape_internal.h — what the creation, shape, joining and indexing files (create.c, shape.c,
 * join.c, index.c) share: views, copies, single elements. */
#ifndef KS_SHAPE_INTERNAL_H
#define KS_SHAPE_INTERNAL_H

#include "array/array_internal.h"

/* A view of `a`: a new reference whose shape, strides and data the caller then edits. A view
 * is never a weak scalar. */
void ks__view(const ks_array *a, ks_array *out);
/* dst = src, src broadcast to dst's shape and cast unsafely, through the engine. dst and src
 * must not overlap (a caller that cannot rule it out uses ks_array_assign). */
int ks__copy_into(ks_ctx *ctx, const ks_array *dst, const ks_array *src);
/* One element of dtype t holding v (the unsafe cast of a float64). */
void ks__elem_from_double(ks_dtype t, double v, void *dst);
/* n contiguous elements of `size` bytes at dst, each a copy of the element at elem. */
void ks__fill_elem(char *dst, ptrdiff_t n, size_t size, const void *elem);
/* The element of a 0-d or one-element array cast to dtype t into dst (16 bytes at most). */
void ks__elem_cast(const ks_array *v, ks_dtype t, void *dst);
/* Whether a dtype is an integer one (not bool). */
static inline bool ks__is_int(ks_dtype t)
{
    const char k = ks__dtypes[t].kind;
    return k == 'i' || k == 'u';
}

#endif
