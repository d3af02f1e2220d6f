/* reduce_internal.h — what the reduction files share: the typed kernels (reduce_kernels.c), the
 * driver that runs one of them over chosen axes (reduce.c), and NumPy's default dtypes.
 *
 * A kernel reduces into an accumulator of its own dtype. `inner` folds n elements of one line
 * into one accumulator (NumPy's pairwise order for float sums); `outer` streams one row into a
 * row of accumulators (acc[j * ai] op= x[j]), how NumPy reduces an outer axis of a C-contiguous
 * array, and cache friendly. `aux` is the mean for the squared deviations (indexed as acc). */
#ifndef KS_REDUCE_INTERNAL_H
#define KS_REDUCE_INTERNAL_H

#include "array/array_internal.h"

typedef enum {
    KS__K_SUM = 0,
    KS__K_PROD,
    KS__K_SQDEV, /* |x - mean|^2 summed pairwise (var's second pass) */
    KS__K_MIN,   /* NaN propagates; with nan_skip: fmin */
    KS__K_MAX,
    KS__K_COUNT,  /* true values of a bool input, into int64 */
    KS__K_NOTNAN, /* non-NaN values of a float input, into int64 */
    KS__NK
} ks__kop;

typedef void (*ks__red_inner)(char *acc, const char *aux, const char *x, ptrdiff_t n, ptrdiff_t s);
typedef void (*ks__red_outer)(char *acc, ptrdiff_t ai, const char *aux, const char *x, ptrdiff_t n,
                              ptrdiff_t s);
typedef void (*ks__red_combine)(char *dst, const char *src);

typedef struct {
    ks__red_inner inner;
    ks__red_outer outer;
    ks__red_combine combine; /* dst = dst op src (partials of one line) */
    ks_dtype in;             /* the dtype the kernel reads (other inputs are cast to it) */
    ks_dtype acc;            /* the accumulator's dtype */
    bool pairwise;           /* inner is NumPy's pairwise sum: partials combine as its tree */
    ks__kop op;
    bool nan_skip;
} ks__red_kernel;

/* The kernel of op reading dtype `in` (NULL: none; the caller casts to one that has it). */
const ks__red_kernel *ks__red_kernel_get(ks__kop op, ks_dtype in, bool nan_skip);
/* Write the op's starting value (sum 0, prod 1, min +inf / the type's largest, nanmin NaN) into
 * n accumulators. */
void ks__red_init(ks__kop op, bool nan_skip, ks_dtype acc, char *p, ptrdiff_t n);

/* One reduction over the axes in `rmask` of x into acc (an array of the kernel's accumulator
 * dtype and the kept axes' shape, C order, already initialised). aux: the mean for SQDEV (same
 * shape as acc, dtype k->in) or NULL. where: bool mask broadcast to x, or NULL; where it is
 * false the element counts as `neutral` (one element of dtype k->in; NULL: aux's). */
int ks__red_run(ks_ctx *ctx, const ks__red_kernel *k, const ks_array *x, uint64_t rmask,
                const ks_array *where, const void *neutral, const ks_array *acc,
                const ks_array *aux);

/* NumPy's pairwise tree over n elements cut where a subtree has at most `leaf` elements: the
 * leaves' offsets and lengths in order (off NULL: only counted). A leaf's partial (the kernel's
 * start, then inner over the leaf) and ks__tree_combine of the partials give the bits of one
 * inner call over all n, however the leaves were shared out. */
typedef struct {
    ptrdiff_t *off, *len;
    ptrdiff_t n;
} ks__pieces;
void ks__tree_leaves(ks__pieces *pc, ptrdiff_t off, ptrdiff_t n, ptrdiff_t leaf);
/* Combine the partials (accumulator dtype, from index *next on) as the tree adds them. */
void ks__tree_combine(const ks__red_kernel *k, const char *parts, ptrdiff_t n, ptrdiff_t leaf,
                      ptrdiff_t *next, char *out);

/* acc[i] / (count - ddof) as NumPy's mean and var divide (the division in float64, rounded to
 * acc's dtype; complex by NumPy's formula); cnt: int64 counts per accumulator, or NULL for nred
 * each; clip0: a negative divisor counts as 0 (var's max(n - ddof, 0)). */
void ks__red_divide(ks_array *acc, const ks_array *cnt, ptrdiff_t nred, double ddof, bool clip0);

/* argmin / argmax (and nan variants) over one axis (axes: one bit) or the whole array (axes 0),
 * into a new int64 array of the keepdims shape (reduce_arg.c). */
int ks__arg_reduce(ks_ctx *ctx, ks_reduce f, const ks_array *a, uint64_t axes, ks_array *res);

/* NumPy's accumulation dtype for sum / prod / cumsum / cumprod of t (small ints to int64,
 * unsigned to uint64, bool to int64). */
ks_dtype ks__sum_dtype(ks_dtype t);

#endif
