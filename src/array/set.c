/* set.c — np.searchsorted, np.unique and np.isin over the ordered keys of sort_internal.h.
 *
 * Operands of searchsorted and isin are brought to their common dtype first (NumPy compares in
 * the promoted type), then compared by key: -0.0 equals 0.0 and NaN sorts last, as NumPy's sort.
 * unique sorts (key, position) pairs stably, so the first of each run is the first occurrence
 * (return_index) and every NaN falls into one run (NumPy 2's equal_nan=True). */
#include <string.h>

#include "array/sort_internal.h"

static const ks__enum_entry side_names[] = {{"left", KS_SIDE_LEFT}, {"right", KS_SIDE_RIGHT}};
KS__ENUM_FUNCS(ks_side, ks_side, "searchsorted side", side_names)

/* x converted to dtype t and raveled, as a new reference (a copy only when needed). */
static int flat_as(ks_ctx *ctx, const ks_array *x, ks_dtype t, ks_array *out)
{
    if (x->dtype == t) return ks_array_ravel(ctx, x, KS_ORDER_C, out);
    return ks__array_copy_order(ctx, x, t, KS_ORDER_C, out);
}

/* The keys of the n elements of a flat array, as pairs (one of kp / cp, by dtype). */
static int keys_of(ks_ctx *ctx, const ks_array *flat, ks__kpair **kp, ks__cpair **cp,
                   ptrdiff_t extra)
{
    const ptrdiff_t n = ks_array_size(flat);
    const bool c = ks__dtypes[flat->dtype].kind == 'c';
    const ptrdiff_t s = flat->ndim ? flat->strides[0] : 0;
    void *p = ks__scratch(ctx, (size_t)(n + extra) + 1, c ? sizeof **cp : sizeof **kp);
    if (!p) return KS_ENOMEM;
    if (c) {
        *cp = p;
        ks__sort_ckeys(flat->dtype, flat->data, s, n, NULL, *cp);
    } else {
        *kp = p;
        ks__sort_keys(flat->dtype, flat->data, s, n, NULL, *kp);
    }
    return KS_OK;
}

/* ---- searchsorted ---- */

/* searchsorted by keys: the keys of a made dense in place (8 bytes each rather than a pair's 16:
 * half the cache lines a search touches) and searched without branches. */
static void dense_search(ks__kpair *ka, ptrdiff_t n, const ks__kpair *kv, ptrdiff_t m, bool right,
                         int64_t *o)
{
    uint64_t *u = (uint64_t *)(void *)ka; /* key i is read before u[i] is written */
    for (ptrdiff_t i = 0; i < n; i++) u[i] = ka[i].k;
    for (ptrdiff_t j = 0; j < m; j++) {
        const uint64_t k = kv[j].k;
        ptrdiff_t base = 0; /* the count of keys < k (<= k for right) */
        for (ptrdiff_t len = n; len > 0;) {
            const ptrdiff_t half = len / 2;
            const bool below = right ? u[base + half] <= k : u[base + half] < k;
            base = below ? base + half + 1 : base;
            len = below ? len - half - 1 : half;
        }
        o[j] = base;
    }
}

int ks_array_searchsorted(ks_ctx *ctx, const ks_array *a, const ks_array *v, ks_side side,
                          const ks_array *sorter, ks_array *out)
{
    ks__array_clear(out);
    if (a->ndim != 1)
        return ks__fail(ctx, KS_EINVAL, "object %s for desired array",
                        a->ndim ? "too deep" : "of too small depth");
    const ks_array *both[2] = {a, v};
    ks_dtype t;
    int rc = ks_array_result_type(ctx, 2, both, &t);
    if (rc != KS_OK) return rc;
    ks_array sa = {0}, fa = {0}, fv = {0};
    ks__kpair *ka = NULL, *kv = NULL;
    ks__cpair *ca = NULL, *cv = NULL;
    if (sorter) {
        if (sorter->ndim != 1 || sorter->shape[0] != a->shape[0])
            return ks__fail(ctx, KS_EINVAL, "sorter.size must equal a.size");
        rc = ks_array_take(ctx, a, sorter, 0, 0, &sa);
        if (rc != KS_OK)
            return rc == KS_EINVAL ? ks__fail(ctx, KS_EINVAL, "Sorter index out of range.") : rc;
        a = &sa;
    }
    if (rc == KS_OK) rc = flat_as(ctx, a, t, &fa);
    if (rc == KS_OK) rc = flat_as(ctx, v, t, &fv);
    if (rc == KS_OK) rc = keys_of(ctx, &fa, &ka, &ca, 0);
    if (rc == KS_OK) rc = keys_of(ctx, &fv, &kv, &cv, 0);
    if (rc == KS_OK) rc = ks__array_new(ctx, KS_INT64, v->ndim, v->shape, out);
    if (rc == KS_OK) {
        const ptrdiff_t n = a->shape[0];
        ptrdiff_t m = ks_array_size(&fv);
        int64_t *o = (int64_t *)(void *)out->data;
        const bool right = side == KS_SIDE_RIGHT;
        if (ka) {
            dense_search(ka, n, kv, m, right, o);
            m = 0; /* done */
        }
        for (ptrdiff_t j = 0; j < m; j++) {
            ptrdiff_t lo = 0, hi = n; /* first position whose key is >= (> for right) v's */
            while (lo < hi) {
                const ptrdiff_t mid = lo + (hi - lo) / 2;
                const int c = ca ? ks__cmp_complex(ca[mid].re, ca[mid].im, cv[j].re, cv[j].im)
                                 : (ka[mid].k > kv[j].k) - (ka[mid].k < kv[j].k);
                if (c < 0 || (right && c == 0))
                    lo = mid + 1;
                else
                    hi = mid;
            }
            o[j] = lo;
        }
    }
    ks__release(&ctx->alloc, ka ? (void *)ka : (void *)ca);
    ks__release(&ctx->alloc, kv ? (void *)kv : (void *)cv);
    ks_array_release(&sa);
    ks_array_release(&fa);
    ks_array_release(&fv);
    return rc;
}

/* ---- unique ---- */

static bool any_nan(const ks__cpair *p) { return p->re != p->re || p->im != p->im; }
/* Whether sorted elements i and j are one value: NaNs are one value unless `nan_key` (the NaN
 * key of a real float dtype, 1 for complex; 0: NaNs are one) makes each NaN its own. */
static bool same(const ks__kpair *kp, const ks__cpair *cp, uint64_t nan_key, ptrdiff_t i,
                 ptrdiff_t j)
{
    if (kp) return kp[i].k == kp[j].k && !(nan_key && kp[i].k == nan_key);
    if (any_nan(&cp[i]) || any_nan(&cp[j])) return !nan_key && any_nan(&cp[i]) && any_nan(&cp[j]);
    return ks__cmp_complex(cp[i].re, cp[i].im, cp[j].re, cp[j].im) == 0;
}

/* Whether sorted real values x and y (dtype t) are one value: -0.0 is 0.0, NaNs are one value
 * unless nan_distinct. */
static bool same_value(ks_dtype t, const char *x, const char *y, bool nan_distinct)
{
    if (t == KS_FLOAT64 || t == KS_FLOAT32) {
        double u, v;
        if (t == KS_FLOAT64) {
            memcpy(&u, x, sizeof u);
            memcpy(&v, y, sizeof v);
        } else {
            float f, g;
            memcpy(&f, x, sizeof f);
            memcpy(&g, y, sizeof g);
            u = f;
            v = g;
        }
        return u == v || (!nan_distinct && u != u && v != v);
    }
    return !memcmp(x, y, ks__dtypes[t].size);
}

/* unique without first indices or inverse, on a real dtype: the values sorted by themselves
 * (sort_quick.c's quicksort where it applies; half the bytes of (key, position) pairs to move)
 * and their runs; a run stands for its value by its first member in that order, which for -0.0
 * and 0.0 or NaNs of several payloads may be any of them (as over NumPy's unstable sort). */
static int unique_values(ks_ctx *ctx, const ks_array *a, unsigned flags, ks_array *values,
                         ks_array *counts)
{
    ks_array c;
    int rc = ks__array_copy_order(ctx, a, a->dtype, KS_ORDER_C, &c);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = ks_array_size(&c);
    const size_t es = ks__dtypes[a->dtype].size;
    char *tmp = ks__scratch(ctx, (size_t)n + 1, es);
    if (!tmp) rc = KS_ENOMEM;
    ptrdiff_t g = 0;
    const bool distinct = (flags & KS_UNIQUE_NAN_DISTINCT) != 0;
    if (rc == KS_OK) {
        if (!ks__quicksort(a->dtype, c.data, tmp, n)) ks__sort_values(a->dtype, c.data, tmp, n);
        for (ptrdiff_t j = 0; j < n; j++)
            if (j == 0 || !same_value(a->dtype, c.data + (size_t)(j - 1) * es,
                                      c.data + (size_t)j * es, distinct))
                memcpy(tmp + (size_t)g++ * es, c.data + (size_t)j * es, es);
        rc = ks__array_new(ctx, a->dtype, 1, &g, values);
    }
    if (rc == KS_OK && (flags & KS_UNIQUE_COUNTS)) rc = ks__array_new(ctx, KS_INT64, 1, &g, counts);
    if (rc == KS_OK) {
        memcpy(values->data, tmp, (size_t)g * es);
        if (flags & KS_UNIQUE_COUNTS) {
            int64_t *ct = (int64_t *)(void *)counts->data;
            ptrdiff_t grp = -1;
            for (ptrdiff_t j = 0; j < n; j++) {
                if (j == 0 || !same_value(a->dtype, c.data + (size_t)(j - 1) * es,
                                          c.data + (size_t)j * es, distinct))
                    ct[++grp] = 0;
                ct[grp]++;
            }
        }
    } else if (values->data) {
        ks_array_release(values);
    }
    ks__release(&ctx->alloc, tmp);
    ks_array_release(&c);
    return rc;
}

int ks_array_unique(ks_ctx *ctx, const ks_array *a, unsigned flags, ks_array *values,
                    ks_array *index, ks_array *inverse, ks_array *counts)
{
    ks_array *outs[4] = {values, index, inverse, counts};
    for (int k = 0; k < 4; k++)
        if (outs[k]) ks__array_clear(outs[k]);
    if (!(flags & (KS_UNIQUE_INDEX | KS_UNIQUE_INVERSE)) && ks__dtypes[a->dtype].kind != 'c')
        return unique_values(ctx, a, flags, values, counts);
    ks_array flat;
    ks__kpair *kp = NULL;
    ks__cpair *cp = NULL;
    int rc = ks_array_ravel(ctx, a, KS_ORDER_C, &flat);
    if (rc == KS_OK) rc = keys_of(ctx, &flat, &kp, &cp, ks_array_size(&flat));
    const ptrdiff_t n = ks_array_size(a);
    const char kind = ks__dtypes[a->dtype].kind;
    const uint64_t nan_key = !(flags & KS_UNIQUE_NAN_DISTINCT) ? 0
                             : kind == 'c'                     ? 1
                             : a->dtype == KS_FLOAT32          ? UINT32_MAX
                             : kind == 'f'                     ? UINT64_MAX
                                                               : 0;
    ptrdiff_t g = 0;
    if (rc == KS_OK) {
        if (kp)
            ks__sort_kpairs(kp, kp + n, n);
        else
            ks__sort_cpairs(cp, cp + n, n);
        for (ptrdiff_t j = 0; j < n; j++) g += j == 0 || !same(kp, cp, nan_key, j - 1, j);
        rc = ks__array_new(ctx, a->dtype, 1, &g, values);
    }
    if (rc == KS_OK && (flags & KS_UNIQUE_INDEX)) rc = ks__array_new(ctx, KS_INT64, 1, &g, index);
    if (rc == KS_OK && (flags & KS_UNIQUE_INVERSE))
        rc = ks__array_new(ctx, KS_INT64, a->ndim, a->shape, inverse);
    if (rc == KS_OK && (flags & KS_UNIQUE_COUNTS)) rc = ks__array_new(ctx, KS_INT64, 1, &g, counts);
    if (rc == KS_OK) {
        const size_t es = ks__dtypes[a->dtype].size;
        const ptrdiff_t s = flat.ndim ? flat.strides[0] : 0;
        int64_t *ix = flags & KS_UNIQUE_INDEX ? (int64_t *)(void *)index->data : NULL;
        int64_t *inv = flags & KS_UNIQUE_INVERSE ? (int64_t *)(void *)inverse->data : NULL;
        int64_t *ct = flags & KS_UNIQUE_COUNTS ? (int64_t *)(void *)counts->data : NULL;
        ptrdiff_t grp = -1, start = 0;
        for (ptrdiff_t j = 0; j <= n; j++) {
            if (j < n && j > 0 && same(kp, cp, nan_key, j - 1, j)) {
                if (inv) inv[kp ? kp[j].i : cp[j].i] = grp;
                continue;
            }
            if (grp >= 0 && ct) ct[grp] = j - start;
            if (j == n) break;
            const int64_t at = kp ? kp[j].i : cp[j].i;
            grp++;
            start = j;
            memcpy(values->data + (size_t)grp * es, flat.data + at * s, es);
            if (ix) ix[grp] = at;
            if (inv) inv[at] = grp;
        }
    }
    ks__release(&ctx->alloc, kp ? (void *)kp : (void *)cp);
    ks_array_release(&flat);
    if (rc != KS_OK)
        for (int k = 0; k < 4; k++)
            if (outs[k]) ks_array_release(outs[k]);
    return rc;
}

/* ---- isin ---- */

/* isin by keys: the m element keys ke against the n sorted test keys kt (nan_key: the key no
 * element matches, 0 for none; kt has n more pairs of scratch). A table of booleans over the test
 * keys' range when that is at most 6 (n + m) entries (NumPy's rule for its table kind: integers
 * in a narrow range; no sort), else the test keys sorted, made distinct and dense (8 bytes a key,
 * not 16) and a branch-free binary search. */
static int isin_keys(ks_ctx *ctx, const ks__kpair *ke, ptrdiff_t m, ks__kpair *kt, ptrdiff_t n,
                     uint64_t nan_key, bool invert, bool *o)
{
    uint64_t lo = UINT64_MAX, hi = 0;
    ptrdiff_t real = 0; /* NaN matches nothing */
    for (ptrdiff_t i = 0; i < n; i++) {
        const uint64_t k = kt[i].k;
        if (nan_key && k == nan_key) continue;
        real++;
        lo = k < lo ? k : lo;
        hi = k > hi ? k : hi;
    }
    if (real == 0) {
        for (ptrdiff_t j = 0; j < m; j++) o[j] = invert;
        return KS_OK;
    }
    const uint64_t range = hi - lo;
    if (range <= 6 * (uint64_t)(n + m)) {
        bool *table = ks__malloc_array(ctx, (size_t)range + 1, 1);
        if (!table) return KS_ENOMEM;
        memset(table, 0, (size_t)range + 1);
        for (ptrdiff_t i = 0; i < n; i++)
            if (!(nan_key && kt[i].k == nan_key)) table[kt[i].k - lo] = true;
        for (ptrdiff_t j = 0; j < m; j++) {
            const uint64_t d = ke[j].k - lo; /* wraps above range when below lo */
            o[j] = (d <= range && table[d]) != invert;
        }
        ks__release(&ctx->alloc, table);
        return KS_OK;
    }
    ks__sort_kpairs(kt, kt + n, n); /* NaNs last: the first `real` keys */
    n = real;
    uint64_t *u = (uint64_t *)(void *)kt; /* in place: key i is read before u[i] is written */
    ptrdiff_t nu = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const uint64_t k = kt[i].k;
        if (nu == 0 || u[nu - 1] != k) u[nu++] = k;
    }
    for (ptrdiff_t j = 0; j < m; j++) {
        const uint64_t k = ke[j].k;
        const uint64_t *b = u;
        for (ptrdiff_t len = nu; len > 1;) { /* b: the last key <= k (or the first) */
            const ptrdiff_t half = len / 2;
            b = b[half] <= k ? b + half : b;
            len -= half;
        }
        o[j] = (*b == k && !(nan_key && k == nan_key)) != invert;
    }
    return KS_OK;
}

int ks_array_isin(ks_ctx *ctx, const ks_array *element, const ks_array *test, bool invert,
                  ks_array *out)
{
    ks__array_clear(out);
    const ks_array *both[2] = {element, test};
    ks_dtype t;
    int rc = ks_array_result_type(ctx, 2, both, &t);
    if (rc != KS_OK) return rc;
    ks_array fe = {0}, ft = {0};
    ks__kpair *ke = NULL, *kt = NULL;
    ks__cpair *ce = NULL, *ct = NULL;
    rc = flat_as(ctx, element, t, &fe);
    if (rc == KS_OK) rc = flat_as(ctx, test, t, &ft);
    if (rc == KS_OK) rc = keys_of(ctx, &fe, &ke, &ce, 0);
    if (rc == KS_OK) rc = keys_of(ctx, &ft, &kt, &ct, ks_array_size(&ft));
    if (rc == KS_OK) rc = ks__array_new(ctx, KS_BOOL, element->ndim, element->shape, out);
    if (rc == KS_OK) {
        const ptrdiff_t n = ks_array_size(&ft);
        ptrdiff_t m = ks_array_size(&fe);
        if (!kt) ks__sort_cpairs(ct, ct + n, n);
        const bool fl = ks__dtypes[t].kind == 'f';
        /* every float NaN's key (never equal to anything) */
        const uint64_t nan_key = t == KS_FLOAT32 ? UINT32_MAX : UINT64_MAX;
        bool *o = (bool *)out->data;
        if (kt) {
            rc = isin_keys(ctx, ke, m, kt, n, fl ? nan_key : 0, invert, o);
            m = 0; /* done */
        }
        for (ptrdiff_t j = 0; j < m; j++) {
            bool found = false;
            if (ce ? !any_nan(&ce[j]) : !(fl && ke[j].k == nan_key)) {
                ptrdiff_t lo = 0, hi = n;
                while (lo < hi) {
                    const ptrdiff_t mid = lo + (hi - lo) / 2;
                    const int c = ce ? ks__cmp_complex(ct[mid].re, ct[mid].im, ce[j].re, ce[j].im)
                                     : (kt[mid].k > ke[j].k) - (kt[mid].k < ke[j].k);
                    if (c < 0)
                        lo = mid + 1;
                    else
                        hi = mid;
                }
                found =
                    lo < n && (ce ? ks__cmp_complex(ct[lo].re, ct[lo].im, ce[j].re, ce[j].im) == 0
                                  : kt[lo].k == ke[j].k);
            }
            o[j] = found != invert;
        }
    }
    ks__release(&ctx->alloc, ke ? (void *)ke : (void *)ce);
    ks__release(&ctx->alloc, kt ? (void *)kt : (void *)ct);
    ks_array_release(&fe);
    ks_array_release(&ft);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}
