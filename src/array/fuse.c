/* fuse.c — fused expressions: a program of element-wise functions and reductions evaluated
 * block by block, without a temporary array or a memory pass per operation.
 *
 * Each operation keeps the loop, the casts and the order of additions of its plain call, so a
 * fused result is the unfused one bit for bit:
 * - a pass evaluates a cone of element-wise nodes over one shape (its domain) in blocks of
 *   BLK elements, each node's loop writing a block buffer (a register) that the next reads;
 *   the leaves (inputs, constants, reduction results, anything materialised) are read in place
 *   through their broadcast strides;
 * - a reduction of such a cone takes the block as its line: a full sum splits the domain at the
 *   nodes of NumPy's pairwise tree (every leaf of at most BLK elements summed by the same kernel,
 *   partials combined as the tree adds them), a reduction over the inner axis of a 2-D domain
 *   does the same per row, and one over the outer axis streams rows into the accumulators;
 *   a float64 sum (or var's second pass) of a chain the machine code runs is summed by it
 *   (jit_reduce), block by block of the same tree, without writing the chain's values;
 * - a node the passes cannot take (an F-ordered domain for a reduction, a node broadcast into a
 *   larger one, a reduction over other axes, dtypes or kinds) is materialised by a fused pass of
 *   its own and handed to the plain function, so every program runs and every result is exact.
 * Threads share out blocks, tree leaves, rows or column blocks; no result depends on their count.
 */
#include <limits.h>
#include <math.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "array/fuse_jit.h"
#include "array/ufunc_loops.h"
#include "array/reduce_internal.h"

#define BLK 512     /* elements per block (a register: 16 KiB of float64) */
#define COLS 256    /* columns per task of an outer-axis reduction */
#define MAXLEAF 64  /* arrays read by one pass */
#define MAXREGS 256 /* blocks live at once in one pass */

typedef enum { N_INPUT, N_CONST, N_UFUNC, N_CAST, N_WHERE, N_REDUCE, N_PRODUCT } node_kind;

typedef struct {
    node_kind kind;
    ks_dtype dtype;
    bool weak;
    int ndim;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    int narg;
    int arg[3];  /* operands as the loop reads them (casts inserted) */
    int orig[3]; /* operands as given: the plain call's inputs */
    ks__loop fn;
    ks_ufunc uf;
    bool plain_only; /* N_UFUNC: a path of its own in ks_ufunc_call (signed / uint64 compare) */
    bool user;       /* N_CAST: asked for (astype), not inserted for a loop */
    size_t esize;    /* N_WHERE: element bytes, the loop's aux */
    double ns;       /* one thread's nanoseconds per element (threading) */
    int slot;        /* N_INPUT */
    ks_array value;  /* N_CONST */
    ks_reduce red;   /* N_REDUCE */
    uint64_t axes;   /* N_REDUCE: explicit mask */
    ks_reduce_options ro;
    ks_product prod; /* N_PRODUCT */
} node;

struct ks_fused {
    ks_allocator alloc;
    node *n;
    size_t nn, cap;
    int nslots;
    int *outs;
    size_t nouts, outcap;
};

int ks_fused_new(ks_ctx *ctx, ks_fused **out)
{
    *out = NULL;
    ks_fused *f = ks__calloc(ctx, 1, sizeof *f);
    if (!f) return ctx->errcode;
    f->alloc = ctx->alloc;
    *out = f;
    return KS_OK;
}

void ks_fused_free(ks_fused *f)
{
    if (!f) return;
    for (size_t i = 0; i < f->nn; i++)
        if (f->n[i].kind == N_CONST) ks_array_release(&f->n[i].value);
    ks__release(&f->alloc, f->n);
    ks__release(&f->alloc, f->outs);
    ks__release(&f->alloc, f);
}

static int bad_node(ks_ctx *ctx, const ks_fused *f, int id, const char *what)
{
    if (id >= 0 && (size_t)id < f->nn) return KS_OK;
    return ks__fail(ctx, KS_EINVAL, "%s: node %d does not exist (the program has %zu)", what, id,
                    f->nn);
}

static int add(ks_ctx *ctx, ks_fused *f, const node *proto, int *id)
{
    if (f->nn > (size_t)1 << 20)
        return ks__fail(ctx, KS_EINVAL, "fused: more than 2^20 operations in one program");
    if (f->nn == f->cap) { /* (ks__grow starts at 1024 items: a node is ~1 KiB) */
        const size_t cap = f->cap ? 2 * f->cap : 16;
        node *n = ks__realloc(ctx, f->n, cap * sizeof *n);
        if (!n) return KS_ENOMEM;
        f->n = n, f->cap = cap;
    }
    f->n[f->nn] = *proto;
    *id = (int)f->nn++;
    return KS_OK;
}

/* A prototype array of node i (dtype, shape, weakness; the value for a constant). */
static ks_array proto(const ks_fused *f, int i)
{
    const node *n = &f->n[i];
    if (n->kind == N_CONST) return n->value;
    ks_array a;
    memset(&a, 0, sizeof a);
    a.dtype = n->dtype;
    a.ndim = n->ndim;
    memcpy(a.shape, n->shape, sizeof a.shape);
    a.flags = n->weak ? KS_ARRAY_WEAK : 0;
    return a;
}

int ks_fused_input(ks_ctx *ctx, ks_fused *f, ks_dtype dtype, int ndim, const ptrdiff_t *shape,
                   bool weak, int *id)
{
    if ((unsigned)dtype >= KS_NDTYPES)
        return ks__fail(ctx, KS_EINVAL, "fused input: dtype %d is not a dtype", (int)dtype);
    if (ndim < 0 || ndim > KS_ARRAY_MAXDIMS || (weak && ndim != 0))
        return ks__fail(ctx, KS_EINVAL, "fused input: ndim %d (a weak scalar has 0)", ndim);
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_INPUT;
    n.dtype = dtype;
    n.weak = weak;
    n.ndim = ndim;
    for (int d = 0; d < ndim; d++) {
        if (shape[d] < 0) return ks__fail(ctx, KS_EINVAL, "fused input: shape[%d] < 0", d);
        n.shape[d] = shape[d];
    }
    n.slot = f->nslots;
    int rc = add(ctx, f, &n, id);
    if (!rc) f->nslots++;
    return rc;
}

int ks_fused_constant(ks_ctx *ctx, ks_fused *f, const ks_array *value, int *id)
{
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_CONST;
    int rc = ks_array_copy(ctx, value, KS_ORDER_C, &n.value);
    if (rc) return rc;
    n.value.flags = (n.value.flags & ~(unsigned)KS_ARRAY_WEAK) | (value->flags & KS_ARRAY_WEAK);
    n.dtype = value->dtype;
    n.weak = (value->flags & KS_ARRAY_WEAK) != 0;
    n.ndim = value->ndim;
    memcpy(n.shape, value->shape, sizeof n.shape);
    if ((rc = add(ctx, f, &n, id))) ks_array_release(&n.value);
    return rc;
}

/* Operand a as dtype t: itself, a constant converted now, or a cast node. */
static int as_dtype(ks_ctx *ctx, ks_fused *f, int a, ks_dtype t, bool user, int *id)
{
    const node *src = &f->n[a];
    if (src->dtype == t && !user) {
        *id = a;
        return KS_OK;
    }
    if (src->kind == N_CONST && !user) {
        /* the loop's operand, no longer weak: its type was resolved on the original (and a
           weak int of another width than int64 is not a Python int's storage) */
        ks_array c;
        int rc = ks_array_astype(ctx, &src->value, t, KS_CASTING_UNSAFE, &c);
        if (rc) return rc;
        c.flags &= ~(unsigned)KS_ARRAY_WEAK;
        rc = ks_fused_constant(ctx, f, &c, id);
        ks_array_release(&c);
        return rc;
    }
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_CAST;
    n.dtype = t;
    n.ndim = src->ndim;
    memcpy(n.shape, src->shape, sizeof n.shape);
    n.narg = 1;
    n.arg[0] = n.orig[0] = a;
    n.fn = ks__cast_loop(src->dtype, t);
    n.user = user;
    n.ns = 0.5;
    return add(ctx, f, &n, id);
}

static int broadcast(ks_ctx *ctx, const ks_fused *f, int nargs, const int *args, node *n)
{
    ks_array p[3];
    const ks_array *pp[3];
    for (int k = 0; k < nargs; k++) p[k] = proto(f, args[k]), pp[k] = &p[k];
    return ks_array_broadcast_shape(ctx, nargs, pp, &n->ndim, n->shape);
}

int ks_fused_ufunc(ks_ctx *ctx, ks_fused *f, ks_ufunc u, const int *args, int *id)
{
    const int nin = ks_ufunc_nin(u);
    if (nin == 0) return ks__fail(ctx, KS_EINVAL, "fused ufunc: %d is not a ufunc", (int)u);
    int rc;
    for (int k = 0; k < nin; k++)
        if ((rc = bad_node(ctx, f, args[k], ks_ufunc_name(u)))) return rc;
    ks_array p[2];
    const ks_array *pp[2];
    for (int k = 0; k < nin; k++) p[k] = proto(f, args[k]), pp[k] = &p[k];
    const ks__ufunc_loop *loop;
    int special;
    if ((rc = ks__ufunc_resolve(ctx, u, pp, -1, KS_CASTING_SAME_KIND, &loop, &special))) return rc;
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_UFUNC;
    n.uf = u;
    n.narg = nin;
    n.ns = ks__ufunc_defs[u].ns_per_elem;
    if ((rc = broadcast(ctx, f, nin, args, &n))) return rc;
    for (int k = 0; k < nin; k++) n.orig[k] = n.arg[k] = args[k];
    if (special == KS__UFUNC_PLAIN) {
        n.dtype = loop->out;
        n.fn = loop->fn;
        for (int k = 0; k < nin && !rc; k++)
            rc = as_dtype(ctx, f, args[k], loop->in, false, &n.arg[k]);
        if (rc) return rc;
    } else {
        /* the plain call's own path (its result is bool: every such path is a comparison) */
        n.dtype = KS_BOOL;
        n.plain_only = true;
    }
    return add(ctx, f, &n, id);
}

int ks_fused_where(ks_ctx *ctx, ks_fused *f, int cond, int x, int y, int *id)
{
    const int args[3] = {cond, x, y};
    int rc;
    for (int k = 0; k < 3; k++)
        if ((rc = bad_node(ctx, f, args[k], "where"))) return rc;
    ks_array p[2] = {proto(f, x), proto(f, y)};
    const ks_array *pp[2] = {&p[0], &p[1]};
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_WHERE;
    if ((rc = ks_array_result_type(ctx, 2, pp, &n.dtype)) || (rc = broadcast(ctx, f, 3, args, &n)))
        return rc;
    n.narg = 3;
    n.fn = ks__where_loop;
    n.esize = ks__dtypes[n.dtype].size;
    n.ns = 0.5;
    for (int k = 0; k < 3; k++) n.orig[k] = args[k];
    if ((rc = as_dtype(ctx, f, cond, KS_BOOL, false, &n.arg[0])) ||
        (rc = as_dtype(ctx, f, x, n.dtype, false, &n.arg[1])) ||
        (rc = as_dtype(ctx, f, y, n.dtype, false, &n.arg[2])))
        return rc;
    return add(ctx, f, &n, id);
}

int ks_fused_astype(ks_ctx *ctx, ks_fused *f, int a, ks_dtype dtype, int *id)
{
    int rc = bad_node(ctx, f, a, "astype");
    if (rc) return rc;
    if ((unsigned)dtype >= KS_NDTYPES)
        return ks__fail(ctx, KS_EINVAL, "astype: dtype %d is not a dtype", (int)dtype);
    return as_dtype(ctx, f, a, dtype, true, id);
}

int ks_fused_reduce(ks_ctx *ctx, ks_fused *f, ks_reduce r, int a, const ks_reduce_options *opt,
                    int *id)
{
    static const ks_reduce_options defaults = KS_REDUCE_OPTIONS_INIT;
    if (!opt) opt = &defaults;
    int rc = bad_node(ctx, f, a, ks_reduce_name(r) ? ks_reduce_name(r) : "reduce");
    if (rc) return rc;
    if (opt->out || opt->where || opt->initial)
        return ks__fail(ctx, KS_EINVAL,
                        "fused %s: out=, where= and initial= are not taken inside a program",
                        ks_reduce_name(r));
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_REDUCE;
    n.red = r;
    n.ro = *opt;
    n.narg = 1;
    n.arg[0] = n.orig[0] = a;
    const node *src = &f->n[a];
    if ((rc = ks__axes_mask(ctx, opt->axes, src->ndim, &n.axes))) return rc;
    /* the result's dtype: the plain function's, on a one-element array of the operand's dtype */
    ks_array one, res;
    ptrdiff_t ones[KS_ARRAY_MAXDIMS];
    for (int d = 0; d < src->ndim; d++) ones[d] = 1;
    if ((rc = ks__array_zeroed(ctx, src->dtype, src->ndim, ones, KS_ORDER_C, &one))) return rc;
    ks_reduce_options o = *opt;
    o.keepdims = true;
    rc = ks_array_reduce(ctx, r, &one, &o, &res);
    ks_array_release(&one);
    if (rc) return rc;
    n.dtype = res.dtype;
    ks_array_release(&res);
    n.ndim = 0;
    for (int d = 0; d < src->ndim; d++) {
        const bool red = (n.axes >> d) & 1;
        if (red && !opt->keepdims) continue;
        n.shape[n.ndim++] = red ? 1 : src->shape[d];
    }
    return add(ctx, f, &n, id);
}

/* The shape of product p of a and b by NumPy's rules into n; false where the plain call
 * refuses the operands (it then gives the error). */
static bool product_shape(ks_product p, const node *a, const node *b, node *n)
{
    const int na = a->ndim, nb = b->ndim;
    ptrdiff_t s[2 * KS_ARRAY_MAXDIMS];
    int m = 0;
    if (p == KS_PRODUCT_VDOT) {
        ptrdiff_t sa = 1, sb = 1;
        for (int d = 0; d < na; d++) sa *= a->shape[d];
        for (int d = 0; d < nb; d++) sb *= b->shape[d];
        n->ndim = 0;
        return sa == sb;
    }
    if (p != KS_PRODUCT_MATMUL && (na == 0 || nb == 0)) { /* a 0-d operand multiplies */
        const node *o = na == 0 ? b : a;
        n->ndim = o->ndim;
        memcpy(n->shape, o->shape, sizeof n->shape);
        return true;
    }
    if (na == 0 || nb == 0) return false;
    if (p == KS_PRODUCT_INNER) {
        if (a->shape[na - 1] != b->shape[nb - 1]) return false;
        for (int d = 0; d < na - 1; d++) s[m++] = a->shape[d];
        for (int d = 0; d < nb - 1; d++) s[m++] = b->shape[d];
    } else if (p == KS_PRODUCT_DOT) {
        const int kb = nb == 1 ? 0 : nb - 2;
        if (a->shape[na - 1] != b->shape[kb]) return false;
        for (int d = 0; d < na - 1; d++) s[m++] = a->shape[d];
        for (int d = 0; d < kb; d++) s[m++] = b->shape[d];
        if (nb > 1) s[m++] = b->shape[nb - 1];
    } else { /* matmul: the stacks broadcast, a 1-d operand's axis dropped */
        const int ka = na - 1, kb = nb == 1 ? 0 : nb - 2;
        if (a->shape[ka] != b->shape[kb]) return false;
        const int ba = na > 2 ? na - 2 : 0, bb = nb > 2 ? nb - 2 : 0, nbat = ba > bb ? ba : bb;
        for (int d = 0; d < nbat; d++) {
            const int ia = d - (nbat - ba), ib = d - (nbat - bb);
            const ptrdiff_t x = ia >= 0 ? a->shape[ia] : 1, y = ib >= 0 ? b->shape[ib] : 1;
            if (x != y && x != 1 && y != 1) return false;
            s[m++] = x == 1 ? y : x;
        }
        if (na > 1) s[m++] = a->shape[na - 2];
        if (nb > 1) s[m++] = b->shape[nb - 1];
    }
    if (m > KS_ARRAY_MAXDIMS) return false;
    n->ndim = m;
    memcpy(n->shape, s, (size_t)m * sizeof *s);
    return true;
}

/* A stand-in for node i: one zeroed element of its dtype seen with the node's shape (strides 0),
 * or with every axis of length 1 (ones). */
static int stand_in(ks_ctx *ctx, const node *n, bool ones, ks_array *out)
{
    const ptrdiff_t one = 1;
    int rc = ks__array_zeroed(ctx, n->dtype, 1, &one, KS_ORDER_C, out);
    if (rc) return rc;
    out->ndim = n->ndim;
    for (int d = 0; d < n->ndim; d++) out->shape[d] = ones ? 1 : n->shape[d], out->strides[d] = 0;
    return KS_OK;
}

int ks_fused_product(ks_ctx *ctx, ks_fused *f, ks_product p, int a, int b, int *id)
{
    const char *what = ks_product_name(p) ? ks_product_name(p) : "product";
    int rc = bad_node(ctx, f, a, what);
    if (!rc) rc = bad_node(ctx, f, b, what);
    if (rc) return rc;
    if (!ks_product_name(p))
        return ks__fail(ctx, KS_EINVAL, "product: %d is not a product", (int)p);
    node n;
    memset(&n, 0, sizeof n);
    n.kind = N_PRODUCT;
    n.prod = p;
    n.narg = 2;
    n.arg[0] = n.orig[0] = a;
    n.arg[1] = n.orig[1] = b;
    const bool fits = product_shape(p, &f->n[a], &f->n[b], &n);
    /* the dtype (and, for operands it refuses, the error) from the plain call on stand-ins */
    ks_array sa, sb, res;
    ks__array_clear(&sb);
    if (!(rc = stand_in(ctx, &f->n[a], fits, &sa)) && !(rc = stand_in(ctx, &f->n[b], fits, &sb)))
        rc = ks_array_product(ctx, p, &sa, &sb, &res);
    ks_array_release(&sa);
    ks_array_release(&sb);
    if (rc) return rc;
    n.dtype = res.dtype;
    if (!fits) { /* (the rules are NumPy's: not reached unless they and the call disagree) */
        n.ndim = res.ndim;
        memcpy(n.shape, res.shape, sizeof n.shape);
    }
    ks_array_release(&res);
    return add(ctx, f, &n, id);
}

int ks_fused_node(const ks_fused *f, int id, ks_dtype *dtype, int *ndim, ptrdiff_t *shape,
                  bool *weak)
{
    if (id < 0 || (size_t)id >= f->nn) return KS_EINVAL;
    const node *n = &f->n[id];
    if (dtype) *dtype = n->dtype;
    if (ndim) *ndim = n->ndim;
    if (shape) memcpy(shape, n->shape, (size_t)n->ndim * sizeof *shape);
    if (weak) *weak = n->weak;
    return KS_OK;
}

int ks_fused_output(ks_ctx *ctx, ks_fused *f, int id)
{
    int rc = bad_node(ctx, f, id, "output");
    if (!rc) rc = ks__grow(ctx, (void **)&f->outs, &f->outcap, f->nouts + 1, sizeof *f->outs);
    if (!rc) f->outs[f->nouts++] = id;
    return rc;
}

/* ==== running ==== */

typedef struct {
    const ks_fused *f;
    ks_array *val; /* per node: its array once computed (data NULL before) */
    int fault;     /* what the ufunc loops report (ks__loop_fault) */
} state;

static bool elementwise(const node *n)
{
    return (n->kind == N_UFUNC && !n->plain_only) || n->kind == N_CAST || n->kind == N_WHERE;
}

static bool same_shape(const node *a, const node *b)
{
    return a->ndim == b->ndim && !memcmp(a->shape, b->shape, (size_t)a->ndim * sizeof *a->shape);
}

/* ---- one pass: the cone of element-wise nodes under a root, over the root's domain ---- */

typedef struct {
    int node;
    int narg;
    int src[3]; /* >= 0: leaf index; < 0: -1 - instruction index */
    int reg;    /* register of its block (-1: the pass's destination) */
    ks__loop fn;
    const void *aux;
    size_t es;
    int jop;         /* its ks__jop where machine code can run it, else -1 */
    const void *jfn; /* KS__J_CALL's vector function */
} instr;

/* A run of instructions [j0, j1) compiled into one loop (fuse_jit.c): its inputs (leaves >= 0,
 * earlier instructions -1 - i) and the instructions it stores. */
typedef struct {
    int j0, j1, nin, nout;
    int in[KS__JIT_MAXINS], out[KS__JIT_MAXINS];
    ks__jit_code code;
} jrun;

typedef struct {
    int nd;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    int nleaf, nins, nregs;
    const char **lbase;
    ptrdiff_t *lstr; /* nleaf x KS_ARRAY_MAXDIMS */
    ks_dtype *ltype;
    instr *ins;
    double ns; /* per element, all instructions */
    jrun *runs;
    int nruns;
} pass;

static void pass_free(ks_ctx *ctx, pass *p)
{
    for (int r = 0; r < p->nruns; r++) ks__jit_free(&p->runs[r].code);
    ks__free(ctx, p->runs);
    ks__free(ctx, p->lbase);
    ks__free(ctx, p->lstr);
    ks__free(ctx, p->ltype);
    ks__free(ctx, p->ins);
}

/* The ufuncs the machine code runs: float64 -> float64, float64 -> bool (comparisons) and, for
 * `logic`, bool -> bool. */
static const struct {
    ks_ufunc u;
    ks__jop op;
    bool logic;
} jit_ufuncs[] = {
    {KS_UFUNC_ADD, KS__J_ADD, false},          {KS_UFUNC_SUBTRACT, KS__J_SUB, false},
    {KS_UFUNC_MULTIPLY, KS__J_MUL, false},     {KS_UFUNC_DIVIDE, KS__J_DIV, false},
    {KS_UFUNC_MAXIMUM, KS__J_MAX, false},      {KS_UFUNC_MINIMUM, KS__J_MIN, false},
    {KS_UFUNC_SQRT, KS__J_SQRT, false},        {KS_UFUNC_SQUARE, KS__J_SQUARE, false},
    {KS_UFUNC_NEGATIVE, KS__J_NEG, false},     {KS_UFUNC_ABSOLUTE, KS__J_ABS, false},
    {KS_UFUNC_POSITIVE, KS__J_COPY, false},    {KS_UFUNC_GREATER, KS__J_GT, false},
    {KS_UFUNC_GREATER_EQUAL, KS__J_GE, false}, {KS_UFUNC_LESS, KS__J_LT, false},
    {KS_UFUNC_LESS_EQUAL, KS__J_LE, false},    {KS_UFUNC_EQUAL, KS__J_EQ, false},
    {KS_UFUNC_NOT_EQUAL, KS__J_NE, false},     {KS_UFUNC_LOGICAL_AND, KS__J_AND, true},
    {KS_UFUNC_BITWISE_AND, KS__J_AND, true},   {KS_UFUNC_LOGICAL_OR, KS__J_OR, true},
    {KS_UFUNC_BITWISE_OR, KS__J_OR, true},     {KS_UFUNC_LOGICAL_XOR, KS__J_XOR, true},
    {KS_UFUNC_BITWISE_XOR, KS__J_XOR, true},   {KS_UFUNC_LOGICAL_NOT, KS__J_NOT, true},
    {KS_UFUNC_INVERT, KS__J_NOT, true},
};

/* The machine-code operation for node n (jit_ufuncs and where, with their dtypes; a float64
 * function whose loop is one vector function a call: *fn), or -1. */
static int jit_op(const ks_fused *f, const node *n, const void **fn)
{
    *fn = NULL;
    const ks_dtype in = n->kind == N_WHERE ? KS_FLOAT64 : f->n[n->arg[0]].dtype;
    for (int k = n->kind == N_WHERE; k < n->narg; k++)
        if (f->n[n->arg[k]].dtype != in) return -1;
    if (n->kind == N_WHERE)
        return n->dtype == KS_FLOAT64 && f->n[n->arg[0]].dtype == KS_BOOL ? KS__J_WHERE : -1;
    if (n->kind != N_UFUNC || n->plain_only) return -1;
    if (n->narg == 1 && in == KS_FLOAT64 && n->dtype == KS_FLOAT64 &&
        (*fn = ks__ufunc_vector_f64(n->uf)))
        return KS__J_CALL;
    for (size_t i = 0; i < sizeof jit_ufuncs / sizeof *jit_ufuncs; i++) {
        if (jit_ufuncs[i].u != n->uf) continue;
        const ks__jop op = jit_ufuncs[i].op;
        const bool ok =
            jit_ufuncs[i].logic
                ? in == KS_BOOL && n->dtype == KS_BOOL
                : in == KS_FLOAT64 && n->dtype == (op >= KS__J_GT ? KS_BOOL : KS_FLOAT64);
        return ok ? (int)op : -1;
    }
    return -1;
}

/* The pass computing node `root` over its shape, in C order, or in F order when `forder` (the
 * domain's axes reversed). Leaves must have their arrays in st->val. */
static int pass_build(ks_ctx *ctx, state *st, int root, bool forder, pass *p)
{
    const ks_fused *f = st->f;
    memset(p, 0, sizeof *p);
    const node *r = &f->n[root];
    /* the cone: nodes whose value is needed and not already an array */
    const size_t nn = (size_t)root + 1;
    int *idx = ks__malloc_array(ctx, nn * 2, sizeof *idx); /* node -> ins / leaf, last use */
    bool *in = ks__calloc(ctx, nn, sizeof *in);
    p->lbase = ks__malloc_array(ctx, nn, sizeof *p->lbase);
    p->lstr = ks__malloc_array(ctx, nn * KS_ARRAY_MAXDIMS, sizeof *p->lstr);
    p->ltype = ks__malloc_array(ctx, nn, sizeof *p->ltype);
    p->ins = ks__malloc_array(ctx, nn, sizeof *p->ins);
    if (!idx || !in || !p->lbase || !p->lstr || !p->ltype || !p->ins) {
        ks__free(ctx, idx);
        ks__free(ctx, in);
        pass_free(ctx, p);
        return KS_ENOMEM;
    }
    int *last = idx + nn;
    in[root] = true;
    for (size_t i = nn; i-- > 0;) {
        if (!in[i] || st->val[i].data || !elementwise(&f->n[i])) continue;
        for (int k = 0; k < f->n[i].narg; k++) in[f->n[i].arg[k]] = true;
    }
    p->nd = r->ndim;
    memcpy(p->shape, r->shape, sizeof p->shape);
    for (size_t i = 0; i < nn; i++) {
        if (!in[i]) continue;
        const node *n = &f->n[i];
        if (st->val[i].data || !elementwise(n)) {
            const ks_array *a = &st->val[i];
            idx[i] = p->nleaf;
            p->lbase[p->nleaf] = a->data;
            p->ltype[p->nleaf] = a->dtype;
            ks__broadcast_strides(a, p->nd, p->shape, p->lstr + p->nleaf * KS_ARRAY_MAXDIMS);
            p->nleaf++;
            continue;
        }
        instr *t = &p->ins[p->nins];
        t->node = (int)i;
        t->narg = n->narg;
        t->fn = n->fn;
        t->es = ks__dtypes[n->dtype].size;
        t->jop = jit_op(f, n, &t->jfn);
        t->aux = n->kind == N_WHERE   ? (const void *)&n->esize
                 : n->kind == N_UFUNC ? (const void *)&st->fault
                                      : NULL;
        p->ns += n->ns;
        for (int k = 0; k < n->narg; k++) {
            const int a = n->arg[k];
            const bool leaf = st->val[a].data || !elementwise(&f->n[a]);
            t->src[k] = leaf ? idx[a] : -1 - idx[a];
            if (!leaf) last[idx[a]] = p->nins;
        }
        last[p->nins] = p->nins;
        idx[i] = p->nins++;
    }
    /* registers: one per live block, reused after an instruction's last reader by one of the
       same element size. (run_jit reruns a compiled run's instructions on the row's last few
       elements after the machine code stored some of their values: a bool there, written over
       a register a later float64 of the run stores in, would land on the float64's elements.) */
    int nfree = 0, *pool = ks__malloc_array(ctx, 2 * ((size_t)p->nins + 1), sizeof *pool);
    if (!pool) {
        ks__free(ctx, idx);
        ks__free(ctx, in);
        pass_free(ctx, p);
        return KS_ENOMEM;
    }
    int *reg_es = pool + p->nins + 1; /* element size per register */
    for (int j = 0; j < p->nins; j++) {
        instr *t = &p->ins[j];
        int fr = nfree - 1; /* the last freed register of t's element size */
        while (fr >= 0 && reg_es[pool[fr]] != (int)t->es) fr--;
        if (fr >= 0) {
            t->reg = pool[fr];
            memmove(pool + fr, pool + fr + 1, (size_t)(--nfree - fr) * sizeof *pool);
        } else {
            t->reg = p->nregs++;
            reg_es[t->reg] = (int)t->es;
        }
        for (int k = 0; k < t->narg; k++)
            if (t->src[k] < 0 && last[-1 - t->src[k]] == j) {
                /* free the operand's register once, even when it is read twice */
                const int reg = p->ins[-1 - t->src[k]].reg;
                bool dup = false;
                for (int q = 0; q < nfree; q++) dup = dup || pool[q] == reg;
                if (!dup && reg != t->reg) pool[nfree++] = reg;
            }
    }
    ks__free(ctx, pool);
    ks__free(ctx, idx);
    ks__free(ctx, in);
    if (p->nleaf > MAXLEAF || p->nregs + 1 > MAXREGS) {
        pass_free(ctx, p);
        return ks__fail(ctx, KS_EINVAL,
                        "fused: one expression reads %d arrays and keeps %d blocks (at most %d "
                        "and %d)",
                        p->nleaf, p->nregs, MAXLEAF, MAXREGS - 1);
    }
    if (forder) {
        for (int d = 0; d < p->nd / 2; d++) {
            const int e = p->nd - 1 - d;
            ptrdiff_t t = p->shape[d];
            p->shape[d] = p->shape[e];
            p->shape[e] = t;
            for (int l = 0; l < p->nleaf; l++) {
                ptrdiff_t *s = p->lstr + l * KS_ARRAY_MAXDIMS;
                t = s[d];
                s[d] = s[e];
                s[e] = t;
            }
        }
    }
    return KS_OK;
}

/* Merge neighbouring axes that every leaf walks as one (for passes whose C-order flat index is
 * all that matters: element-wise results and full reductions). */
static void pass_coalesce(pass *p)
{
    int m = 0;
    for (int d = 0; d < p->nd; d++) {
        if (p->shape[d] == 1 && p->nd > 1) continue;
        bool ok = m > 0;
        for (int l = 0; l < p->nleaf && ok; l++) {
            const ptrdiff_t *s = p->lstr + l * KS_ARRAY_MAXDIMS;
            ok = s[m - 1] == s[d] * p->shape[d];
        }
        if (ok) {
            p->shape[m - 1] *= p->shape[d];
            for (int l = 0; l < p->nleaf; l++) {
                ptrdiff_t *s = p->lstr + l * KS_ARRAY_MAXDIMS;
                s[m - 1] = s[d];
            }
            continue;
        }
        p->shape[m] = p->shape[d];
        for (int l = 0; l < p->nleaf; l++) {
            ptrdiff_t *s = p->lstr + l * KS_ARRAY_MAXDIMS;
            s[m] = s[d];
        }
        m++;
    }
    if (m == 0) { /* every axis of length 1 */
        p->shape[0] = 1;
        for (int l = 0; l < p->nleaf; l++) p->lstr[l * KS_ARRAY_MAXDIMS] = 0;
        m = 1;
    }
    p->nd = m;
}

/* Instruction t over elements [a, m) of a row chunk starting at element `off` of the block
 * (lpp: the leaves' pointers at the chunk's start; the root writes dst). */
static void run_instr(const pass *p, const instr *t, char *const *regs, const char *const *lpp,
                      ptrdiff_t off, ptrdiff_t a, ptrdiff_t m, char *dst, bool root)
{
    const int in = p->nd - 1;
    char *args[4];
    ptrdiff_t steps[4];
    for (int k = 0; k < t->narg; k++) {
        const int sidx = t->src[k];
        if (sidx >= 0) {
            steps[k] = p->lstr[sidx * KS_ARRAY_MAXDIMS + in];
            args[k] = (char *)lpp[sidx] + a * steps[k];
        } else {
            const instr *u = &p->ins[-1 - sidx];
            args[k] = (u->reg < 0 ? dst : regs[u->reg]) + (off + a) * (ptrdiff_t)u->es;
            steps[k] = (ptrdiff_t)u->es;
        }
    }
    args[t->narg] = (root ? dst : regs[t->reg]) + (off + a) * (ptrdiff_t)t->es;
    steps[t->narg] = (ptrdiff_t)t->es;
    t->fn(args, steps, m - a, t->aux);
}

/* A compiled run over the m elements of a row chunk: the machine code on the multiple of 4,
 * the instructions' loops on the rest. */
static void run_jit(const pass *p, const jrun *r, char *const *regs, const char *const *lpp,
                    ptrdiff_t off, ptrdiff_t m, char *dst)
{
    const char *in[KS__JIT_MAXINS];
    char *out[KS__JIT_MAXINS];
    for (int k = 0; k < r->nin; k++) {
        const int s = r->in[k];
        if (s >= 0) {
            in[k] = lpp[s];
        } else {
            const instr *u = &p->ins[-1 - s];
            in[k] = (u->reg < 0 ? dst : regs[u->reg]) + off * (ptrdiff_t)u->es;
        }
    }
    for (int k = 0; k < r->nout; k++) {
        const int j = r->out[k];
        const instr *u = &p->ins[j];
        out[k] = (j == p->nins - 1 ? dst : regs[u->reg]) + off * (ptrdiff_t)u->es;
    }
    r->code.fn(in, out, m);
    const ptrdiff_t done = m & ~(ptrdiff_t)3;
    if (done < m)
        for (int j = r->j0; j < r->j1; j++)
            run_instr(p, &p->ins[j], regs, lpp, off, done, m, dst, j == p->nins - 1);
}

/* The root's values at C-order flat positions [f0, f0 + n) of the domain into dst (contiguous);
 * regs: the thread's registers (BLK elements of 16 bytes each); n <= BLK. */
/* The domain index of C-order flat position f0. */
static void unflatten(const pass *p, ptrdiff_t f0, ptrdiff_t *idx)
{
    for (int d = p->nd - 1; d >= 0; d--) {
        idx[d] = p->shape[d] ? f0 % p->shape[d] : 0;
        f0 = p->shape[d] ? f0 / p->shape[d] : 0;
    }
}

/* The leaves' pointers at domain index idx. */
static void leaf_ptrs(const pass *p, const ptrdiff_t *idx, const char **lpp)
{
    for (int l = 0; l < p->nleaf; l++) {
        const ptrdiff_t *s = p->lstr + l * KS_ARRAY_MAXDIMS;
        ptrdiff_t o = 0;
        for (int d = 0; d < p->nd; d++) o += idx[d] * s[d];
        lpp[l] = p->lbase[l] + o;
    }
}

static void eval_range(const pass *p, char *const *regs, ptrdiff_t f0, ptrdiff_t n, char *dst)
{
    const int in = p->nd - 1;
    ptrdiff_t idx[KS_ARRAY_MAXDIMS];
    unflatten(p, f0, idx);
    ptrdiff_t off = 0;
    while (off < n) {
        const ptrdiff_t left = p->shape[in] - idx[in];
        const ptrdiff_t m = n - off < left ? n - off : left;
        const char *lpp[MAXLEAF];
        leaf_ptrs(p, idx, lpp);
        int r = 0;
        for (int j = 0; j < p->nins;) {
            while (r < p->nruns && p->runs[r].j1 <= j) r++;
            if (r < p->nruns && p->runs[r].j0 == j) {
                run_jit(p, &p->runs[r], regs, lpp, off, m, dst);
                j = p->runs[r].j1;
                continue;
            }
            run_instr(p, &p->ins[j], regs, lpp, off, 0, m, dst, j == p->nins - 1);
            j++;
        }
        off += m;
        idx[in] += m;
        for (int d = in; d > 0 && idx[d] >= p->shape[d]; d--) {
            idx[d] = 0;
            idx[d - 1]++;
        }
    }
}

#define IN_MEAN INT_MIN /* jrun input: var's mean (run_build's sq) */

/* Whether instruction t can join a run: its operation, and leaves it reads contiguously (float64
 * or bool) or as one float64. */
static bool jit_takes(const pass *p, const instr *t)
{
    if (t->jop < 0) return false;
    for (int k = 0; k < t->narg; k++) {
        const int s = t->src[k];
        if (s < 0) continue;
        const ptrdiff_t st = p->lstr[s * KS_ARRAY_MAXDIMS + p->nd - 1];
        const ks_dtype lt = p->ltype[s];
        if (!((lt == KS_FLOAT64 && (st == 8 || st == 0)) || (lt == KS_BOOL && st == 1)))
            return false;
    }
    return true;
}

/* Compile instructions [j0, j1) (all jit_takes) as one run into *r. For KS__JIT_SUM the run is
 * the whole pass and `extra` (>= 0) a float64 scalar read as input -1 - extra (var's mean);
 * `sq` then appends (root - extra)^2, var's transform, as the summed value. 0, or -1. */
static int run_build(const pass *p, int j0, int j1, ks__jit_mode mode, bool sq, jrun *r)
{
    memset(r, 0, sizeof *r);
    r->j0 = j0, r->j1 = j1;
    ks__jit_instr ji[KS__JIT_MAXINS];
    ks__jit_input jin[KS__JIT_MAXINS];
    memset(ji, 0, sizeof ji);
    memset(jin, 0, sizeof jin);
    const int in = p->nd - 1, nj = j1 - j0 + (sq ? 2 : 0);
    if (nj > KS__JIT_MAXINS) return -1;
    for (int j = j0; j < j1; j++) {
        const instr *t = &p->ins[j];
        ks__jit_instr *x = &ji[j - j0];
        x->op = (ks__jop)t->jop;
        x->fn = t->jfn;
        x->narg = t->narg;
        for (int k = 0; k < t->narg; k++) {
            const int s = t->src[k];
            if (s < 0 && -1 - s >= j0) { /* an instruction of the run */
                x->src[k] = -1 - s - j0;
                continue;
            }
            int q = 0; /* an input: a leaf, or an instruction before the run */
            while (q < r->nin && r->in[q] != s) q++;
            if (q == r->nin) {
                if (r->nin == KS__JIT_MAXINS - 1) return -1;
                r->in[r->nin] = s;
                jin[r->nin].is_bool = s >= 0 ? p->ltype[s] == KS_BOOL : p->ins[-1 - s].es == 1;
                jin[r->nin].scalar = s >= 0 && p->lstr[s * KS_ARRAY_MAXDIMS + in] == 0;
                r->nin++;
            }
            x->src[k] = -1 - q;
        }
        if (mode == KS__JIT_SUM) continue;
        /* stored: the root, or read after the run */
        bool later = j == p->nins - 1;
        for (int u = j1; u < p->nins && !later; u++)
            for (int k = 0; k < p->ins[u].narg; k++) later = later || p->ins[u].src[k] == -1 - j;
        x->store = later;
        x->out = r->nout;
        if (later) r->out[r->nout++] = j;
    }
    if (sq) { /* d = root - mean; d * d, as TR_SQ in reduce_kernels.c */
        const int m = r->nin++, root = j1 - j0 - 1;
        r->in[m] = IN_MEAN;
        jin[m].scalar = true;
        ji[root + 1] = (ks__jit_instr){KS__J_SUB, 2, {root, -1 - m, 0}, false, 0, NULL};
        ji[root + 2] = (ks__jit_instr){KS__J_MUL, 2, {root + 1, root + 1, 0}, false, 0, NULL};
    }
    return ks__jit_compile(ji, nj, jin, r->nin, mode, &r->code);
}

/* Machine code for the pass's runs of at least two instructions that fuse_jit.c takes (after
 * pass_coalesce: the leaves' inner strides are final). Left uncompiled where it cannot. */
static void pass_jit(ks_ctx *ctx, pass *p)
{
    ptrdiff_t total = 1;
    for (int d = 0; d < p->nd; d++) total *= p->shape[d];
    if (total < 2 * BLK || !ks__jit_available()) return;
    for (int j0 = 0; j0 < p->nins;) {
        /* at most one call a run: a loop calling two large functions ran slower than their
           own block loops (tanh after a sigmoid: 12.0 ms against 10.2 at 1M) */
        int j1 = j0, calls = 0;
        while (j1 < p->nins && j1 - j0 < KS__JIT_MAXINS && jit_takes(p, &p->ins[j1]) &&
               (calls += p->ins[j1].jop == KS__J_CALL) <= 1)
            j1++;
        if (j1 - j0 < 2) {
            j0 = j1 > j0 ? j1 : j0 + 1;
            continue;
        }
        jrun r;
        if (run_build(p, j0, j1, KS__JIT_STORE, false, &r) == 0) {
            jrun *g = ks__realloc(ctx, p->runs, (size_t)(p->nruns + 1) * sizeof *g);
            if (!g) {
                ks__jit_free(&r.code);
                return;
            }
            p->runs = g;
            p->runs[p->nruns++] = r;
        }
        j0 = j1;
    }
}

/* Registers for nt threads: nregs blocks each. */
static char *regs_new(ks_ctx *ctx, const pass *p, int nt)
{
    const size_t per = (size_t)(p->nregs ? p->nregs : 1) * BLK * 16;
    return ks__malloc_array(ctx, (size_t)nt, per);
}

static void regs_of(const pass *p, char *mem, int tid, char **regs)
{
    const size_t per = (size_t)(p->nregs ? p->nregs : 1) * BLK * 16;
    for (int r = 0; r < p->nregs; r++) regs[r] = mem + (size_t)tid * per + (size_t)r * BLK * 16;
}

static int thread_id(void)
{
#ifdef _OPENMP
    return omp_get_thread_num();
#else
    return 0;
#endif
}

/* The pass's root written over `out` (contiguous in the pass's order, its size elements). */
static int run_elementwise(ks_ctx *ctx, const pass *p, char *out)
{
    ptrdiff_t total = 1;
    for (int d = 0; d < p->nd; d++) total *= p->shape[d];
    if (total == 0) return KS_OK;
    const ptrdiff_t nblk = (total + BLK - 1) / BLK;
    int nt = ks__array_threads(ctx, (double)total * (p->ns + 0.3));
    if (nt > nblk) nt = (int)nblk;
    char *mem = regs_new(ctx, p, nt);
    if (!mem) return KS_ENOMEM;
    const size_t es = p->ins[p->nins - 1].es;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (ptrdiff_t b = 0; b < nblk; b++) {
        char *regs[MAXREGS];
        regs_of(p, mem, thread_id(), regs);
        const ptrdiff_t f0 = b * BLK, n = total - f0 < BLK ? total - f0 : BLK;
        eval_range(p, regs, f0, n, out + f0 * (ptrdiff_t)es);
    }
    ks__free(ctx, mem);
    return KS_OK;
}

/* ---- fused reductions ---- */

typedef enum { R_NONE = 0, R_FULL, R_ROWS, R_COLS } red_shape;

/* How a reduction over `axes` of a C-contiguous temporary of this shape runs in reduce_run.c:
 * over one line (all reduced), lines of the inner axes (rows), or rows streamed into the
 * accumulators of the inner axes (cols); R_NONE for anything else. *nrow x *ncol. */
static red_shape red_layout(const node *a, uint64_t axes, ptrdiff_t *nrow, ptrdiff_t *ncol)
{
    int groups = 0;
    bool red[2] = {false, false};
    ptrdiff_t len[2] = {1, 1};
    for (int d = 0; d < a->ndim; d++) {
        if (a->shape[d] == 1) continue;
        const bool r = (axes >> d) & 1;
        if (groups > 0 && red[groups - 1] == r) {
            len[groups - 1] *= a->shape[d];
            continue;
        }
        if (groups == 2) return R_NONE;
        red[groups] = r;
        len[groups++] = a->shape[d];
    }
    if (groups == 1 && red[0]) {
        *nrow = 1, *ncol = len[0];
        return R_FULL;
    }
    if (groups != 2) return R_NONE;
    *nrow = len[0], *ncol = len[1];
    return red[1] ? R_ROWS : R_COLS;
}

static bool is_real_float(ks_dtype t) { return t == KS_FLOAT32 || t == KS_FLOAT64; }

/* Whether the fused path takes reduction node r (its operand a cone, not an array of its own). */
static bool red_fusable(const ks_fused *f, const node *r)
{
    const node *a = &f->n[r->arg[0]];
    if (!elementwise(a) || !is_real_float(a->dtype)) return false;
    if (r->ro.dtype >= 0 && r->ro.dtype != (int)a->dtype) return false;
    switch (r->red) {
    case KS_REDUCE_SUM:
    case KS_REDUCE_MEAN:
    case KS_REDUCE_VAR:
    case KS_REDUCE_STD:
    case KS_REDUCE_MIN:
    case KS_REDUCE_MAX: break;
    default: return false;
    }
    ptrdiff_t nr, nc, size = 1;
    for (int d = 0; d < a->ndim; d++) size *= a->shape[d];
    if (size == 0) return false; /* (empty: the plain function's results and errors) */
    return red_layout(a, r->axes, &nr, &nc) != R_NONE;
}

/* NumPy's pairwise sum of a line of n (PW_F64 in reduce_kernels.c) adds its blocks (at most
 * 128 values; halves split at a multiple of 8) in a tree. pw_blocks lists the blocks' lengths
 * (a subtree as long as one listed before is copied from it: each level has two or three
 * lengths), pw_tree adds the blocks' sums as the tree does. */
typedef struct {
    ptrdiff_t n, at, cnt;
} pw_seen;

static ptrdiff_t pw_blocks(ptrdiff_t n, ptrdiff_t *len, ptrdiff_t at, pw_seen *seen, int *nseen)
{
    for (int i = 0; i < *nseen; i++)
        if (seen[i].n == n) {
            if (len) memcpy(len + at, len + seen[i].at, (size_t)seen[i].cnt * sizeof *len);
            return seen[i].cnt;
        }
    ptrdiff_t cnt = 1;
    if (n <= 128) {
        if (len) len[at] = n;
    } else {
        const ptrdiff_t h = n / 2 - n / 2 % 8;
        cnt = pw_blocks(h, len, at, seen, nseen);
        cnt += pw_blocks(n - h, len, at + cnt, seen, nseen);
    }
    if (*nseen < 64) seen[(*nseen)++] = (pw_seen){n, at, cnt};
    return cnt;
}

/* A subtree of at most 256: one block or two. */
static double pw_pair(const double *v, ptrdiff_t n, ptrdiff_t *next)
{
    const ptrdiff_t i = *next;
    *next += n > 128 ? 2 : 1;
    return n > 128 ? v[i] + v[i + 1] : v[i];
}

static double pw_tree(const double *v, ptrdiff_t n, ptrdiff_t *next)
{
    if (n <= 256) return pw_pair(v, n, next);
    const ptrdiff_t h = n / 2 - n / 2 % 8;
    if (n <= 512) {
        const double a = pw_pair(v, h, next);
        return a + pw_pair(v, n - h, next);
    }
    const double a = pw_tree(v, h, next);
    return a + pw_tree(v, n - h, next);
}

/* The tree cut at depth d (a block above it stays whole): its subtrees' lengths, in order (sub
 * NULL: only counted), and the tree above them adding their sums. */
static ptrdiff_t pw_split(ptrdiff_t n, int d, ptrdiff_t *sub, ptrdiff_t k)
{
    if (d == 0 || n <= 128) {
        if (sub) sub[k] = n;
        return 1;
    }
    const ptrdiff_t h = n / 2 - n / 2 % 8;
    const ptrdiff_t a = pw_split(h, d - 1, sub, k);
    return a + pw_split(n - h, d - 1, sub, k + a);
}

static double pw_top(const double *part, ptrdiff_t n, int d, ptrdiff_t *next)
{
    if (d == 0 || n <= 128) return part[(*next)++];
    const ptrdiff_t h = n / 2 - n / 2 % 8;
    const double a = pw_top(part, h, d - 1, next);
    return a + pw_top(part, n - h, d - 1, next);
}

/* red_pass's float64 sums (of (root - mean)^2 for sq) in the machine code (jrun r). Each line's
 * tree is cut into subtrees, a task each (at least 4 a thread where the lines allow): a task
 * sums its subtree's blocks in one call (the line's last block then gets its last n mod 8
 * values) and adds them in the subtree's tree; the subtrees' sums are added by the tree above
 * them, and acc[row] += the line's sum (the kernel's inner). q: p with the tail's register. */
static int jit_reduce(ks_ctx *ctx, const pass *q, const jrun *r, bool sq, ptrdiff_t nrow,
                      ptrdiff_t n, char *acc, const char *aux, int nt)
{
    int d = 0;
    while ((nrow << d) < 4 * (ptrdiff_t)nt && (n >> d) >= 2048 && d < 16) d++;
    pw_seen seen[64];
    int nseen = 0;
    const ptrdiff_t nb = pw_blocks(n, NULL, 0, seen, &nseen), nsub = pw_split(n, d, NULL, 0);
    const ptrdiff_t tasks = nrow * nsub, rest = n % 8;
    if (nt > tasks) nt = (int)tasks;
    /* the blocks' lengths; per subtree its length, first element and first block (a few KiB
       beside the sums: under malloc's mmap threshold at 1M, so a repeated call reuses pages) */
    ptrdiff_t *len = ks__malloc_array(ctx, (size_t)(nb + 3 * nsub), sizeof *len);
    double *v = ks__malloc_array(ctx, (size_t)(nrow * (nb + nsub)), sizeof *v);
    char *mem = rest ? regs_new(ctx, q, nt) : NULL;
    if (!len || !v || (rest && !mem)) {
        ks__free(ctx, len);
        ks__free(ctx, v);
        ks__free(ctx, mem);
        return KS_ENOMEM;
    }
    ptrdiff_t *sub = len + nb, *e0 = sub + nsub, *b0 = e0 + nsub;
    double *part = v + nrow * nb;
    nseen = 0;
    pw_blocks(n, len, 0, seen, &nseen);
    len[nb - 1] -= rest;
    pw_split(n, d, sub, 0);
    for (ptrdiff_t k = 0, e = 0, b = 0; k < nsub;
         e += sub[k], b += pw_blocks(sub[k], NULL, 0, seen, &nseen), k++)
        e0[k] = e, b0[k] = b;
#pragma omp parallel for num_threads(nt) schedule(static)
    for (ptrdiff_t t = 0; t < tasks; t++) {
        const ptrdiff_t row = t / nsub, k = t % nsub;
        const ptrdiff_t bk = b0[k], nbk = (k + 1 < nsub ? b0[k + 1] : nb) - bk;
        const char *lpp[MAXLEAF], *ip[KS__JIT_MAXINS];
        const char *mean = sq ? aux + row * 8 : NULL;
        ptrdiff_t idx[KS_ARRAY_MAXDIMS];
        unflatten(q, row * n + e0[k], idx);
        leaf_ptrs(q, idx, lpp);
        for (int j = 0; j < r->nin; j++) ip[j] = r->in[j] == IN_MEAN ? mean : lpp[r->in[j]];
        double *vr = v + row * nb;
        char *op[2] = {(char *)(vr + bk), (char *)(len + bk)};
        r->code.fn(ip, op, nbk);
        if (k == nsub - 1 && rest) {
            char *regs[MAXREGS];
            regs_of(q, mem, thread_id(), regs);
            char *buf = regs[q->nregs - 1];
            eval_range(q, regs, row * n + n - rest, rest, buf);
            const double *x = (const double *)(void *)buf, mu = sq ? *(const double *)mean : 0;
            for (ptrdiff_t i = 0; i < rest; i++)
                vr[nb - 1] += sq ? (x[i] - mu) * (x[i] - mu) : x[i];
        }
        ptrdiff_t next = 0;
        part[t] = pw_tree(vr + bk, sub[k], &next);
    }
    for (ptrdiff_t row = 0; row < nrow; row++) {
        ptrdiff_t next = 0;
        ((double *)(void *)acc)[row] += pw_top(part + row * nsub, n, d, &next);
    }
    ks__free(ctx, len);
    ks__free(ctx, v);
    ks__free(ctx, mem);
    return KS_OK;
}

/* Whether red_pass sums the pass in machine code: float64 sums (or var's squared deviations)
 * along lines that are whole rows of the domain, every instruction one the code runs. */
static bool jit_sum_build(const pass *p, const ks__red_kernel *k, red_shape lay, ptrdiff_t ncol,
                          jrun *r)
{
    ptrdiff_t total = 1;
    for (int d = 0; d < p->nd; d++) total *= p->shape[d];
    if ((lay != R_FULL && lay != R_ROWS) || ncol < 8 || p->shape[p->nd - 1] != ncol ||
        total < 2 * BLK || p->nins < 1 || k->in != KS_FLOAT64 || k->acc != KS_FLOAT64 ||
        k->nan_skip || (k->op != KS__K_SUM && k->op != KS__K_SQDEV) || !ks__jit_available())
        return false;
    /* no call: a summed run calling exp ran 2.3 ms on 1 thread but 1.9 ms on 2 where the
       block loops' 3.1 ms halve to 1.5 ms (exp(x).sum() of 1M; why it does not scale is open) */
    for (int j = 0; j < p->nins; j++)
        if (!jit_takes(p, &p->ins[j]) || p->ins[j].jop == KS__J_CALL) return false;
    if (p->ins[p->nins - 1].jop >= KS__J_GT) return false;
    return run_build(p, 0, p->nins, KS__JIT_SUM, k->op == KS__K_SQDEV, r) == 0;
}

/* One kernel over the pass's root into acc (nacc accumulators, initialised), laid out as `lay`
 * with nrow x ncol elements; aux: the mean per accumulator (SQDEV) or NULL. */
static int red_pass(ks_ctx *ctx, const pass *p, const ks__red_kernel *k, red_shape lay,
                    ptrdiff_t nrow, ptrdiff_t ncol, char *acc, const char *aux)
{
    const size_t es = ks__dtypes[k->in].size, as = ks__dtypes[k->acc].size;
    const ptrdiff_t total = nrow * ncol;
    int nt = ks__array_threads(ctx, (double)total * (p->ns + 0.5));
    /* one extra register per thread: the block the kernel reads */
    pass q = *p;
    q.nregs = p->nregs + 1;
    jrun sr;
    if (jit_sum_build(p, k, lay, ncol, &sr)) {
        const int rc = jit_reduce(ctx, &q, &sr, k->op == KS__K_SQDEV, nrow, ncol, acc, aux, nt);
        ks__jit_free(&sr.code);
        return rc;
    }
    if (lay == R_FULL || lay == R_ROWS) {
        /* each line (the whole domain, or a row) cut at its pairwise tree's nodes */
        const ptrdiff_t n = ncol;
        ks__pieces pc = {NULL, NULL, 0};
        ks__tree_leaves(&pc, 0, n, BLK);
        const ptrdiff_t nleaf = pc.n;
        ptrdiff_t *ol = ks__malloc_array(ctx, (size_t)nleaf * 2, sizeof *ol);
        const ptrdiff_t tasks = nrow * nleaf;
        if (nt > tasks) nt = (int)tasks;
        char *parts = ks__malloc_array(ctx, (size_t)tasks, as);
        char *mem = regs_new(ctx, &q, nt);
        if (!ol || !parts || !mem) {
            ks__free(ctx, ol);
            ks__free(ctx, parts);
            ks__free(ctx, mem);
            return KS_ENOMEM;
        }
        pc.off = ol, pc.len = ol + nleaf, pc.n = 0;
        ks__tree_leaves(&pc, 0, n, BLK);
#pragma omp parallel for num_threads(nt) schedule(static)
        for (ptrdiff_t t = 0; t < tasks; t++) {
            char *regs[MAXREGS];
            regs_of(&q, mem, thread_id(), regs);
            const ptrdiff_t row = t / nleaf, l = t % nleaf;
            char *part = parts + t * (ptrdiff_t)as, *buf = regs[q.nregs - 1];
            ks__red_init(k->op, false, k->acc, part, 1);
            eval_range(p, regs, row * n + pc.off[l], pc.len[l], buf);
            k->inner(part, aux ? aux + row * (ptrdiff_t)es : NULL, buf, pc.len[l], (ptrdiff_t)es);
        }
        for (ptrdiff_t row = 0; row < nrow; row++) {
            char total_[16];
            ptrdiff_t next = 0;
            ks__tree_combine(k, parts + row * nleaf * (ptrdiff_t)as, n, BLK, &next, total_);
            k->combine(acc + row * (ptrdiff_t)as, total_);
        }
        ks__free(ctx, ol);
        ks__free(ctx, parts);
        ks__free(ctx, mem);
    } else {
        /* rows streamed into the accumulators of the inner axes, in column blocks */
        const ptrdiff_t nblk = (ncol + COLS - 1) / COLS;
        if (nt > nblk) nt = (int)nblk;
        char *mem = regs_new(ctx, &q, nt);
        if (!mem) return KS_ENOMEM;
#pragma omp parallel for num_threads(nt) schedule(static)
        for (ptrdiff_t b = 0; b < nblk; b++) {
            char *regs[MAXREGS];
            regs_of(&q, mem, thread_id(), regs);
            char *buf = regs[q.nregs - 1];
            const ptrdiff_t c0 = b * COLS, w = ncol - c0 < COLS ? ncol - c0 : COLS;
            for (ptrdiff_t row = 0; row < nrow; row++) {
                eval_range(p, regs, row * ncol + c0, w, buf);
                k->outer(acc + c0 * (ptrdiff_t)as, 1, aux ? aux + c0 * (ptrdiff_t)es : NULL, buf, w,
                         (ptrdiff_t)es);
            }
        }
        ks__free(ctx, mem);
    }
    return KS_OK;
}

/* Reduction node r over its operand's cone, as ks_array_reduce over the materialised operand. */
static int run_reduce(ks_ctx *ctx, state *st, int ri, ks_array *res)
{
    const ks_fused *f = st->f;
    const node *r = &f->n[ri], *a = &f->n[r->arg[0]];
    ptrdiff_t nrow, ncol;
    const red_shape lay = red_layout(a, r->axes, &nrow, &ncol);
    pass p;
    int rc = pass_build(ctx, st, r->arg[0], false, &p);
    if (rc) return rc;
    if (lay == R_FULL) pass_coalesce(&p);
    pass_jit(ctx, &p);
    /* the accumulators: the keepdims shape, C order */
    ptrdiff_t kshape[KS_ARRAY_MAXDIMS];
    for (int d = 0; d < a->ndim; d++) kshape[d] = (r->axes >> d) & 1 ? 1 : a->shape[d];
    const ptrdiff_t nred = lay == R_COLS ? nrow : ncol;
    const ks_dtype t = a->dtype;
    const bool sq = r->red == KS_REDUCE_VAR || r->red == KS_REDUCE_STD;
    const ks__kop op = r->red == KS_REDUCE_MIN   ? KS__K_MIN
                       : r->red == KS_REDUCE_MAX ? KS__K_MAX
                                                 : KS__K_SUM;
    const ks__red_kernel *k = ks__red_kernel_get(op, t, false);
    ks_array acc, mean;
    ks__array_clear(&mean);
    if ((rc = ks__array_new(ctx, t, a->ndim, kshape, &acc))) {
        pass_free(ctx, &p);
        return rc;
    }
    const ptrdiff_t nacc = ks_array_size(&acc);
    ks__red_init(op, false, t, acc.data, nacc);
    rc = red_pass(ctx, &p, k, lay, nrow, ncol, acc.data, NULL);
    if (!rc && (r->red == KS_REDUCE_MEAN || sq)) ks__red_divide(&acc, NULL, nred, 0.0, false);
    if (!rc && sq) {
        /* var: the squared deviations from that mean, summed in the same order */
        mean = acc;
        if (!(rc = ks__array_new(ctx, t, a->ndim, kshape, &acc))) {
            const ks__red_kernel *kq = ks__red_kernel_get(KS__K_SQDEV, t, false);
            ks__red_init(KS__K_SQDEV, false, t, acc.data, nacc);
            rc = red_pass(ctx, &p, kq, lay, nrow, ncol, acc.data, mean.data);
            if (!rc) ks__red_divide(&acc, NULL, nred, r->ro.ddof, true);
            if (!rc && r->red == KS_REDUCE_STD) {
                for (ptrdiff_t i = 0; i < nacc; i++) {
                    if (t == KS_FLOAT32)
                        ((float *)acc.data)[i] = sqrtf(((float *)acc.data)[i]);
                    else
                        ((double *)acc.data)[i] = sqrt(((double *)acc.data)[i]);
                }
            }
        }
        ks_array_release(&mean);
    }
    pass_free(ctx, &p);
    if (rc) {
        ks_array_release(&acc);
        return rc;
    }
    if (!r->ro.keepdims) {
        int m = 0;
        for (int d = 0; d < acc.ndim; d++)
            if (!((r->axes >> d) & 1)) {
                acc.shape[m] = acc.shape[d];
                acc.strides[m] = acc.strides[d];
                m++;
            }
        acc.ndim = m;
    }
    *res = acc;
    return KS_OK;
}

/* ---- the schedule ---- */

static bool f_contig_only(const ks_array *a)
{
    return a->ndim > 1 && ks_array_size(a) > 1 && ks_array_is_f_contiguous(a) &&
           !ks_array_is_c_contiguous(a);
}

/* Whether the plain call's result for node i is laid out in F order: ks_ufunc_call's order 'K'
 * (every full-size operand F-contiguous and not C-contiguous, a small one of another dtype
 * being converted to a C-ordered copy first), astype's, and C for everything else. */
static bool f_ordered(const ks_fused *f, const ks_array *val, const bool *ford, int i)
{
    const node *n = &f->n[i];
    if (n->kind == N_INPUT || n->kind == N_CONST) return f_contig_only(&val[i]);
    if (n->kind == N_CAST) return n->user && ford[n->orig[0]];
    if (n->kind != N_UFUNC || n->plain_only || n->ndim < 2) return false;
    for (int k = 0; k < n->narg; k++) {
        const node *a = &f->n[n->orig[k]];
        ptrdiff_t size = 1;
        for (int d = 0; d < a->ndim; d++) size *= a->shape[d];
        if (a->ndim != n->ndim || size <= 1) continue;
        const bool converted = n->arg[k] != n->orig[k] && size <= KS__CHUNK;
        if (converted || !ford[n->orig[k]]) return false;
    }
    return true;
}

/* A weak Python int input that a loop's integer dtype cannot hold: the plain calls then raise
 * NumPy's error, or answer a comparison from the value; the program runs them one by one. */
static bool weak_ints_fit(const ks_fused *f, const ks_array *const *inputs)
{
    for (size_t i = 0; i < f->nn; i++) {
        const node *n = &f->n[i];
        if (n->kind != N_UFUNC || n->plain_only) continue;
        for (int k = 0; k < n->narg; k++) {
            const node *a = &f->n[n->orig[k]];
            if (a->kind != N_INPUT || !a->weak) continue;
            int above;
            const ks_dtype in = f->n[n->arg[k]].dtype;
            if (ks__weak_int_fits(NULL, inputs[a->slot], in, &above) != KS_OK) return false;
        }
    }
    return true;
}

/* Node i by its plain call on its operands' arrays. */
static int plain(ks_ctx *ctx, const ks_fused *f, ks_array *val, int i)
{
    const node *n = &f->n[i];
    const ks_array *in[3];
    for (int k = 0; k < n->narg; k++) in[k] = &val[n->orig[k]];
    switch (n->kind) {
    case N_UFUNC: return ks_ufunc_call(ctx, n->uf, in, NULL, &val[i]);
    case N_WHERE: return ks_array_where(ctx, in[0], in[1], in[2], &val[i]);
    case N_CAST: return ks_array_astype(ctx, in[0], n->dtype, KS_CASTING_UNSAFE, &val[i]);
    case N_REDUCE: return ks_array_reduce(ctx, n->red, in[0], &n->ro, &val[i]);
    case N_PRODUCT: return ks_array_product(ctx, n->prod, in[0], in[1], &val[i]);
    default: return KS_OK;
    }
}

static int run_plain(ks_ctx *ctx, const ks_fused *f, ks_array *val)
{
    for (size_t i = 0; i < f->nn; i++) {
        const node *n = &f->n[i];
        if (n->kind == N_INPUT || n->kind == N_CONST || (n->kind == N_CAST && !n->user)) continue;
        const int rc = plain(ctx, f, val, (int)i);
        if (rc) return rc;
    }
    return KS_OK;
}

static int run_fused(ks_ctx *ctx, const ks_fused *f, ks_array *val, bool *flags)
{
    const size_t nn = f->nn;
    bool *mat = flags, *ford = flags + nn, *fred = flags + 2 * nn;
    for (size_t i = 0; i < nn; i++) ford[i] = f_ordered(f, val, ford, (int)i);
    /* what must be a whole array: results, operands of plain calls, element-wise nodes
       broadcast into a larger one, the operands of reductions the passes do not take */
    for (size_t k = 0; k < f->nouts; k++) mat[f->outs[k]] = true;
    for (size_t i = 0; i < nn; i++) {
        const node *n = &f->n[i];
        if ((n->kind == N_UFUNC && n->plain_only) || n->kind == N_PRODUCT)
            for (int k = 0; k < n->narg; k++) mat[n->orig[k]] = true;
        if (elementwise(n))
            for (int k = 0; k < n->narg; k++)
                if (!same_shape(&f->n[n->arg[k]], n)) mat[n->arg[k]] = true;
    }
    /* a reduction the passes take reads its operand's cone, unless the operand is an array
       anyway (then the plain function reads that array) */
    for (size_t i = 0; i < nn; i++) {
        const node *n = &f->n[i];
        if (n->kind == N_REDUCE) fred[i] = red_fusable(f, n) && !ford[n->arg[0]];
    }
    for (size_t i = 0; i < nn; i++)
        if (f->n[i].kind == N_REDUCE && !fred[i]) mat[f->n[i].arg[0]] = true;
    for (size_t i = 0; i < nn; i++)
        if (f->n[i].kind == N_REDUCE) fred[i] = fred[i] && !mat[f->n[i].arg[0]];

    state st = {f, val, KS__LOOP_FAULT_NONE};
    for (size_t i = 0; i < nn; i++) {
        const node *n = &f->n[i];
        int rc = KS_OK;
        if (n->kind == N_INPUT || n->kind == N_CONST) continue;
        if (elementwise(n)) {
            if (!mat[i]) continue;
            pass p;
            if ((rc = pass_build(ctx, &st, (int)i, ford[i], &p))) return rc;
            pass_coalesce(&p);
            pass_jit(ctx, &p);
            rc = ks_array_empty(ctx, n->dtype, n->ndim, n->shape, ford[i] ? KS_ORDER_F : KS_ORDER_C,
                                &val[i]);
            if (!rc) rc = run_elementwise(ctx, &p, val[i].data);
            pass_free(ctx, &p);
        } else if (n->kind == N_REDUCE && fred[i]) {
            rc = run_reduce(ctx, &st, (int)i, &val[i]);
        } else {
            rc = plain(ctx, f, val, (int)i);
        }
        if (rc) return rc;
        if (st.fault == KS__LOOP_FAULT_NEG_INT_POWER)
            return ks__fail(ctx, KS_EINVAL, "Integers to negative integer powers are not allowed.");
    }
    return KS_OK;
}

int ks_fused_run(ks_ctx *ctx, const ks_fused *f, const ks_array *const *inputs, bool fuse,
                 ks_array *outputs)
{
    for (size_t k = 0; k < f->nouts; k++) ks__array_clear(&outputs[k]);
    if (f->nouts == 0) return ks__fail(ctx, KS_EINVAL, "fused: the program has no output");
    for (size_t i = 0; i < f->nn; i++) {
        const node *n = &f->n[i];
        if (n->kind != N_INPUT) continue;
        const ks_array *a = inputs[n->slot];
        if (!a || a->dtype != n->dtype || a->ndim != n->ndim ||
            memcmp(a->shape, n->shape, (size_t)n->ndim * sizeof *n->shape)) {
            char b1[256], b2[256];
            return ks__fail(
                ctx, KS_EINVAL, "fused: input %d is %s %s, the program was built for %s %s",
                n->slot, a ? ks_dtype_name(a->dtype) : "missing",
                a ? ks__shape_str(a->ndim, a->shape, b1, sizeof b1) : "", ks_dtype_name(n->dtype),
                ks__shape_str(n->ndim, n->shape, b2, sizeof b2));
        }
    }
    ks_array *val = ks__calloc(ctx, f->nn, sizeof *val);
    bool *flags = ks__calloc(ctx, f->nn * 3, sizeof *flags);
    if (!val || !flags) {
        ks__free(ctx, val);
        ks__free(ctx, flags);
        return KS_ENOMEM;
    }
    for (size_t i = 0; i < f->nn; i++) {
        ks__array_clear(&val[i]);
        const node *n = &f->n[i];
        if (n->kind == N_INPUT) ks_array_ref(inputs[n->slot], &val[i]);
        if (n->kind == N_CONST) ks_array_ref(&n->value, &val[i]);
    }
    int rc =
        fuse && weak_ints_fit(f, inputs) ? run_fused(ctx, f, val, flags) : run_plain(ctx, f, val);
    for (size_t k = 0; k < f->nouts && !rc; k++) ks_array_ref(&val[f->outs[k]], &outputs[k]);
    for (size_t i = 0; i < f->nn; i++) ks_array_release(&val[i]);
    ks__free(ctx, val);
    ks__free(ctx, flags);
    return rc;
}
