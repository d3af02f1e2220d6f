/* einsum.c — np.einsum(subscripts, *operands): NumPy's subscript language (letters, one '...'
 * per operand, implicit or explicit output, a repeated letter in one operand for its diagonal,
 * length-1 axes broadcast) evaluated as a chain of pairwise contractions, left to right.
 *
 * Each operand becomes a view with one axis per distinct label (a repeated label's axes merged
 * into one whose stride is their sum: the diagonal, no copy). A label no later operand and not
 * the output needs is summed as soon as possible. A pair is then either a broadcast product (no
 * label contracted) or a matrix product: the batch labels (kept, in both) as the stack, the
 * labels of one operand as rows or columns, the contracted labels as k — ks_array_matmul, so
 * float and complex go to BLAS's gemm. NumPy's own einsum (optimize=False) sums in a nested loop
 * instead, so the last bits of a contraction may differ; kestrel.nd chooses the pair order for
 * optimize= (contraction paths) and calls this once per pair. */
#include <string.h>

#include "array/array_internal.h"

#define NLETTERS 52
#define NLABELS (NLETTERS + KS_ARRAY_MAXDIMS) /* letters, then the broadcast (...) axes */

/* 'A'..'Z' 0..25, 'a'..'z' 26..51 (ASCII order: the implicit output's order); -1 otherwise. */
static int letter(char c)
{
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    return -1;
}

static char label_char(int l) { return (char)(l < 26 ? 'A' + l : 'a' + l - 26); }

/* NumPy's message for a subscript that is not a letter (a byte outside printable ASCII by its
 * code, so that the message stays text). */
static int bad_subscript(ks_ctx *ctx, char c)
{
    const unsigned char u = (unsigned char)c;
    if (u >= 0x20 && u < 0x7f)
        return ks__fail(ctx, KS_EINVAL,
                        "invalid subscript '%c' in einstein sum subscripts string, subscripts "
                        "must be letters",
                        c);
    return ks__fail(ctx, KS_EINVAL,
                    "invalid subscript (byte 0x%02x) in einstein sum subscripts string, "
                    "subscripts must be letters",
                    u);
}

/* An operand on the way: a view (owned reference) whose axis d carries label lab[d]. */
typedef struct {
    ks_array a;
    int lab[KS_ARRAY_MAXDIMS];
} term;

/* The parsed subscripts: each operand's labels per axis, the output's labels. */
typedef struct {
    int n;
    int nlab[64];
    int lab[64][KS_ARRAY_MAXDIMS];
    int nout, out[NLABELS]; /* (room for every label: the count is checked at the end) */
    ptrdiff_t size[NLABELS];
} spec;

/* One operand's term "ab...c" (up to ',' or '-' or the end) into labels; *s advanced. */
static int parse_term(ks_ctx *ctx, const char **s, int k, const ks_array *a, int *nlab, int *lab,
                      int *nell)
{
    int before[KS_ARRAY_MAXDIMS + 1], nb = 0, na = 0, after[KS_ARRAY_MAXDIMS + 1];
    bool ell = false;
    const char *p = *s;
    for (; *p && *p != ',' && *p != '-'; p++) {
        if (*p == ' ') continue;
        if (*p == '.') {
            if (ell || strncmp(p, "...", 3) != 0)
                return ks__fail(ctx, KS_EINVAL,
                                "einstein sum subscripts string contains a '.' that is not part "
                                "of an ellipsis ('...') in operand %d",
                                k);
            ell = true;
            p += 2;
            continue;
        }
        const int l = letter(*p);
        if (l < 0) return bad_subscript(ctx, *p);
        if (nb + na >= a->ndim)
            return ks__fail(ctx, KS_EINVAL,
                            "einstein sum subscripts string contains too many subscripts for "
                            "operand %d",
                            k);
        if (ell)
            after[na++] = l;
        else
            before[nb++] = l;
    }
    *s = p;
    const int e = a->ndim - nb - na;
    if (!ell && e != 0)
        return ks__fail(ctx, KS_EINVAL,
                        "operand has more dimensions than subscripts given in einstein sum, but "
                        "no '...' ellipsis provided to broadcast the extra dimensions.");
    *nell = e;
    int m = 0;
    for (int i = 0; i < nb; i++) lab[m++] = before[i];
    for (int i = 0; i < e; i++) lab[m++] = -1 - i - 1; /* placeholder: the ellipsis' i-th axis */
    for (int i = 0; i < na; i++) lab[m++] = after[i];
    *nlab = m;
    return KS_OK;
}

static int out_size(ks_ctx *ctx, const spec *sp)
{
    if (sp->nout <= KS_ARRAY_MAXDIMS) return KS_OK;
    return ks__fail(ctx, KS_EINVAL, "einsum: the output has %d axes, more than %d", sp->nout,
                    KS_ARRAY_MAXDIMS);
}

static int parse(ks_ctx *ctx, const char *sub, int n, const ks_array *const *ops, spec *sp)
{
    if (n < 1 || n > 64)
        return ks__fail(ctx, KS_EINVAL, "einsum: between 1 and 64 operands, not %d", n);
    sp->n = n;
    const char *p = sub;
    int nell[64], maxell = 0, count[NLETTERS] = {0};
    for (int k = 0; k < n; k++) {
        int rc = parse_term(ctx, &p, k, ops[k], &sp->nlab[k], sp->lab[k], &nell[k]);
        if (rc) return rc;
        if (nell[k] > maxell) maxell = nell[k];
        if (k < n - 1) { /* (NumPy's words for a string short of terms, and for one too long) */
            if (*p != ',')
                return ks__fail(ctx, KS_EINVAL,
                                "fewer operands provided to einstein sum function than specified "
                                "in the subscripts string");
            p++;
        }
    }
    if (*p == ',')
        return ks__fail(ctx, KS_EINVAL,
                        "more operands provided to einstein sum function than specified in the "
                        "subscripts string");
    if (*p && strncmp(p, "->", 2) != 0)
        return ks__fail(ctx, KS_EINVAL,
                        "einstein sum subscript string does not contain proper "
                        "'->' output specified");
    /* the ellipsis axes right-aligned onto labels NLETTERS .. NLETTERS + maxell - 1 */
    for (int k = 0; k < n; k++)
        for (int d = 0; d < sp->nlab[k]; d++) {
            int *l = &sp->lab[k][d];
            if (*l < 0)
                *l = NLETTERS + (maxell - nell[k]) + (-*l - 2);
            else
                count[*l]++;
        }
    /* the implicit output: the broadcast axes, then the letters seen exactly once (a letter
     * repeated within one operand is summed), in ASCII order, as NumPy */
    sp->nout = 0;
    if (!*p) {
        for (int i = 0; i < maxell; i++) sp->out[sp->nout++] = NLETTERS + i;
        for (int l = 0; l < NLETTERS; l++)
            if (count[l] == 1) sp->out[sp->nout++] = l;
        return out_size(ctx, sp);
    }
    bool ell = false, seen[NLETTERS] = {false};
    for (p += 2; *p; p++) {
        if (*p == ' ') continue;
        if (*p == '.') {
            if (ell || strncmp(p, "...", 3) != 0)
                return ks__fail(ctx, KS_EINVAL,
                                "einstein sum subscripts string contains a '.' "
                                "that is not part of an ellipsis ('...') in the "
                                "output");
            ell = true;
            p += 2;
            for (int i = 0; i < maxell; i++) sp->out[sp->nout++] = NLETTERS + i;
            continue;
        }
        const int l = letter(*p);
        if (l < 0) return bad_subscript(ctx, *p);
        if (seen[l])
            return ks__fail(ctx, KS_EINVAL,
                            "einstein sum subscripts string includes output subscript '%c' "
                            "multiple times",
                            *p);
        if (!count[l])
            return ks__fail(ctx, KS_EINVAL,
                            "einstein sum subscripts string included output subscript '%c' which "
                            "never appeared in an input",
                            *p);
        seen[l] = true;
        sp->out[sp->nout++] = l;
    }
    if (!ell && maxell > 0)
        return ks__fail(ctx, KS_EINVAL,
                        "output has more dimensions than subscripts given in einstein sum, but no "
                        "'...' ellipsis provided to broadcast the extra dimensions.");
    return out_size(ctx, sp);
}

/* Operand k as a term: repeated labels merged (the diagonal), a length-1 axis broadcast to its
 * label's length (stride 0). */
static void make_term(const spec *sp, int k, const ks_array *a, term *t)
{
    ks_array_ref(a, &t->a);
    int nd = 0;
    for (int d = 0; d < sp->nlab[k]; d++) {
        const int l = sp->lab[k][d];
        int q = 0;
        while (q < nd && t->lab[q] != l) q++;
        if (q < nd) { /* lengths checked equal by the caller */
            t->a.strides[q] += a->strides[d];
            continue;
        }
        t->lab[nd] = l;
        t->a.shape[nd] = a->shape[d];
        t->a.strides[nd] = a->strides[d];
        nd++;
    }
    t->a.ndim = nd;
    for (int d = 0; d < nd; d++)
        if (t->a.shape[d] != sp->size[t->lab[d]])
            t->a.shape[d] = sp->size[t->lab[d]], t->a.strides[d] = 0;
}

/* Sum t over every label not in `keep`, in the result's dtype rt (bool: any, as NumPy's einsum
 * sums bools with or). */
static int reduce_term(ks_ctx *ctx, term *t, const bool *keep, ks_dtype rt)
{
    uint64_t axes = 0;
    int nd = 0, lab[KS_ARRAY_MAXDIMS];
    for (int d = 0; d < t->a.ndim; d++)
        if (keep[t->lab[d]])
            lab[nd++] = t->lab[d];
        else
            axes |= (uint64_t)1 << d;
    if (!axes) return KS_OK;
    ks_reduce_options opt = KS_REDUCE_OPTIONS_INIT;
    opt.axes = axes;
    ks_array r;
    if (rt != KS_BOOL) opt.dtype = (int)rt;
    const int rc =
        ks_array_reduce(ctx, rt == KS_BOOL ? KS_REDUCE_ANY : KS_REDUCE_SUM, &t->a, &opt, &r);
    if (rc) return rc;
    ks_array_release(&t->a);
    t->a = r;
    memcpy(t->lab, lab, sizeof(int) * (size_t)nd);
    return KS_OK;
}

/* A view of t with its axes in the order of labels `order` (n of them; a label t lacks gets a
 * length-1 axis). */
static void arrange(const term *t, int n, const int *order, ks_array *v)
{
    *v = t->a;
    for (int i = 0; i < n; i++) {
        v->shape[i] = 1, v->strides[i] = 0;
        for (int d = 0; d < t->a.ndim; d++)
            if (t->lab[d] == order[i]) v->shape[i] = t->a.shape[d], v->strides[i] = t->a.strides[d];
    }
    v->ndim = n;
}

static bool has(const term *t, int l)
{
    for (int d = 0; d < t->a.ndim; d++)
        if (t->lab[d] == l) return true;
    return false;
}

/* x (its axes ordered as `order`) reshaped by grouping: the first nb axes kept, then the next
 * g1 axes as one, then g2 as one. A view where the strides allow, else a copy. */
static int group(ks_ctx *ctx, const ks_array *x, int nb, int g1, int g2, ks_array *out)
{
    ptrdiff_t shape[KS_ARRAY_MAXDIMS + 2], p1 = 1, p2 = 1;
    for (int d = 0; d < nb; d++) shape[d] = x->shape[d];
    for (int d = 0; d < g1; d++) p1 *= x->shape[nb + d];
    for (int d = 0; d < g2; d++) p2 *= x->shape[nb + g1 + d];
    shape[nb] = p1, shape[nb + 1] = p2;
    return ks_array_reshape(ctx, x, nb + 2, shape, KS_ORDER_C, out);
}

/* *a = contraction of a and b over their shared labels not in keep. */
static int pair(ks_ctx *ctx, term *a, term *b, const bool *keep, const spec *sp, ks_dtype rt)
{
    int batch[KS_ARRAY_MAXDIMS], af[KS_ARRAY_MAXDIMS], bf[KS_ARRAY_MAXDIMS], con[KS_ARRAY_MAXDIMS];
    int nb = 0, na = 0, nbf = 0, nc = 0;
    ptrdiff_t ma = 1, mb = 1, kk = 1, nbatch = 1;
    for (int d = 0; d < a->a.ndim; d++) {
        const int l = a->lab[d];
        const ptrdiff_t s = sp->size[l];
        if (!has(b, l))
            af[na++] = l, ma *= s;
        else if (keep[l])
            batch[nb++] = l, nbatch *= s;
        else
            con[nc++] = l, kk *= s;
    }
    for (int d = 0; d < b->a.ndim; d++)
        if (!has(a, b->lab[d])) bf[nbf++] = b->lab[d], mb *= sp->size[b->lab[d]];
    int res[KS_ARRAY_MAXDIMS * 2], nr = 0;
    for (int i = 0; i < nb; i++) res[nr++] = batch[i];
    for (int i = 0; i < na; i++) res[nr++] = af[i];
    for (int i = 0; i < nbf; i++) res[nr++] = bf[i];
    if (nr > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "einsum: an intermediate with more than %d axes",
                        KS_ARRAY_MAXDIMS);
    ks_array r;
    int rc;
    /* a matrix product pays when it is one, or when its matrices are not tiny */
    const bool mm = nc > 0 && (nbatch == 1 || ma * mb * kk >= 64);
    if (!mm) {
        /* the broadcast product over result ++ contracted labels, then the contracted summed */
        int order[KS_ARRAY_MAXDIMS * 2];
        memcpy(order, res, sizeof(int) * (size_t)nr);
        memcpy(order + nr, con, sizeof(int) * (size_t)nc);
        if (nr + nc > KS_ARRAY_MAXDIMS)
            return ks__fail(ctx, KS_EINVAL, "einsum: a product with more than %d axes",
                            KS_ARRAY_MAXDIMS);
        ks_array va, vb;
        arrange(a, nr + nc, order, &va);
        arrange(b, nr + nc, order, &vb);
        const ks_array *in[2] = {&va, &vb};
        if ((rc = ks_ufunc_call(ctx, KS_UFUNC_MULTIPLY, in, NULL, &r))) return rc;
        ks_array_release(&a->a);
        a->a = r;
        for (int i = 0; i < nr + nc; i++) a->lab[i] = order[i];
        return reduce_term(ctx, a, keep, rt);
    }
    int oa[KS_ARRAY_MAXDIMS * 2], ob[KS_ARRAY_MAXDIMS * 2];
    memcpy(oa, batch, sizeof(int) * (size_t)nb);
    memcpy(oa + nb, af, sizeof(int) * (size_t)na);
    memcpy(oa + nb + na, con, sizeof(int) * (size_t)nc);
    memcpy(ob, batch, sizeof(int) * (size_t)nb);
    memcpy(ob + nb, con, sizeof(int) * (size_t)nc);
    memcpy(ob + nb + nc, bf, sizeof(int) * (size_t)nbf);
    ks_array va, vb, ga, gb, m;
    arrange(a, nb + na + nc, oa, &va);
    arrange(b, nb + nc + nbf, ob, &vb);
    if ((rc = group(ctx, &va, nb, na, nc, &ga))) return rc;
    if ((rc = group(ctx, &vb, nb, nc, nbf, &gb))) {
        ks_array_release(&ga);
        return rc;
    }
    /* (no stack: dot's choice of BLAS call, so a vector product is BLAS's dot, not a gemm) */
    rc = nb ? ks_array_matmul(ctx, &ga, &gb, &m) : ks_array_dot(ctx, &ga, &gb, &m);
    ks_array_release(&ga);
    ks_array_release(&gb);
    if (rc) return rc;
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    for (int i = 0; i < nr; i++) shape[i] = sp->size[res[i]];
    rc = ks_array_reshape(ctx, &m, nr, shape, KS_ORDER_C, &r);
    ks_array_release(&m);
    if (rc) return rc;
    ks_array_release(&a->a);
    a->a = r;
    memcpy(a->lab, res, sizeof(int) * (size_t)nr);
    return KS_OK;
}

/* Whether the first output label that only one of x, y has is x's. */
static bool own_first(const spec *sp, const term *x, const term *y)
{
    for (int i = 0; i < sp->nout; i++) {
        const bool hx = has(x, sp->out[i]), hy = has(y, sp->out[i]);
        if (hx != hy) return hx;
    }
    return false;
}

/* keep[l]: label l is in the output or in an operand from `from` on. */
static void kept(const spec *sp, int from, const term *also, bool *keep)
{
    memset(keep, 0, sizeof(bool) * NLABELS);
    for (int i = 0; i < sp->nout; i++) keep[sp->out[i]] = true;
    for (int k = from; k < sp->n; k++)
        for (int d = 0; d < sp->nlab[k]; d++) keep[sp->lab[k][d]] = true;
    if (also)
        for (int d = 0; d < also->a.ndim; d++) keep[also->lab[d]] = true;
}

int ks_array_einsum(ks_ctx *ctx, const char *subscripts, int n, const ks_array *const *ops,
                    ks_array *out)
{
    ks__array_clear(out);
    spec *sp = ks__malloc(ctx, sizeof *sp);
    if (!sp) return KS_ENOMEM;
    int rc = parse(ctx, subscripts, n, ops, sp);
    if (rc) goto done;
    /* each label's length: equal within an operand (a diagonal), and across operands equal or 1
     * (broadcast) */
    for (int l = 0; l < NLABELS; l++) sp->size[l] = 1;
    for (int k = 0; k < n && !rc; k++) {
        for (int d = 0; d < sp->nlab[k]; d++) {
            const int l = sp->lab[k][d];
            const ptrdiff_t s = ops[k]->shape[d];
            for (int e = 0; e < d && !rc; e++)
                if (sp->lab[k][e] == l && ops[k]->shape[e] != s)
                    rc = ks__fail(ctx, KS_EINVAL,
                                  "dimensions in single operand for collapsing index '%c' don't "
                                  "match (%td != %td)",
                                  l < NLETTERS ? label_char(l) : '.', ops[k]->shape[e], s);
            if (rc) break;
            if (s != 1 && sp->size[l] != 1 && s != sp->size[l]) {
                char b1[64];
                rc = ks__fail(ctx, KS_EINVAL,
                              "operands could not be broadcast together with remapped shapes: "
                              "operand %d %s has %td along '%c' where another has %td",
                              k, ks__shape_str(ops[k]->ndim, ops[k]->shape, b1, sizeof b1), s,
                              l < NLETTERS ? label_char(l) : '.', sp->size[l]);
                break;
            }
            if (s != 1) sp->size[l] = s;
        }
    }
    if (rc) goto done;
    ks_dtype t;
    if ((rc = ks_array_result_type(ctx, n, ops, &t))) goto done;
    bool keep[NLABELS];
    term cur, next;
    make_term(sp, 0, ops[0], &cur);
    kept(sp, 1, NULL, keep);
    rc = reduce_term(ctx, &cur, keep, t);
    for (int k = 1; k < n && !rc; k++) {
        make_term(sp, k, ops[k], &next);
        kept(sp, k + 1, &cur, keep);
        rc = reduce_term(ctx, &next, keep, t);
        kept(sp, k + 1, NULL, keep);
        if (!rc && k == n - 1 && own_first(sp, &next, &cur)) {
            /* the output lists next's own labels first: next as the left operand, so the
             * product comes out in the output's order (no transposing copy at the end) */
            rc = pair(ctx, &next, &cur, keep, sp, t);
            const term tmp = cur;
            cur = next, next = tmp;
        } else if (!rc) {
            rc = pair(ctx, &cur, &next, keep, sp, t);
        }
        ks_array_release(&next.a);
    }
    if (!rc) {
        /* the output's axis order, in the promoted dtype, as a new C-ordered array */
        ks_array v;
        arrange(&cur, sp->nout, sp->out, &v);
        bool fresh = v.dtype == t && ks_array_is_c_contiguous(&v);
        for (int k = 0; k < n && fresh; k++) fresh = !ops[k]->base || v.base != ops[k]->base;
        if (fresh)
            ks_array_ref(&v, out);
        else
            rc = ks__array_copy_order(ctx, &v, t, KS_ORDER_C, out);
    }
    ks_array_release(&cur.a);
done:
    ks__free(ctx, sp);
    return rc;
}
