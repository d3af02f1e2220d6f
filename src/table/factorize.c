/* factorize.c — dense codes for one or several key columns in O(n): an open-addressing hash
 * table of the first row of each distinct key; codes follow the order of first appearance. */
#include <math.h>
#include <string.h>

#include "table_internal.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return h;
}

static uint64_t hash_bytes(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* The key of `row` in column c as 64 bits for hashing; 0 when NA. */
static int key_bits(const ks_column *c, size_t row, uint64_t *bits)
{
    if (c->type == KS_COL_INT64) {
        *bits = (uint64_t)((const int64_t *)c->data)[row];
        return 1;
    }
    if (c->type == KS_COL_FLOAT64) {
        double v = ((const double *)c->data)[row];
        if (isnan(v)) return 0;
        if (v == 0.0) v = 0.0; /* -0.0 and 0.0 are one level */
        memcpy(bits, &v, sizeof v);
        return 1;
    }
    if (!c->valid[row]) return 0;
    *bits = hash_bytes(c->arena + c->offsets[row]);
    return 1;
}

static int same_key(const ks_table *t, const size_t *cols, size_t ncols, size_t a, size_t b)
{
    for (size_t k = 0; k < ncols; k++) {
        const ks_column *c = &t->cols[cols[k]];
        if (c->type == KS_COL_INT64) {
            if (((const int64_t *)c->data)[a] != ((const int64_t *)c->data)[b]) return 0;
        } else if (c->type == KS_COL_FLOAT64) {
            if (((const double *)c->data)[a] != ((const double *)c->data)[b]) return 0;
        } else if (strcmp(c->arena + c->offsets[a], c->arena + c->offsets[b])) {
            return 0;
        }
    }
    return 1;
}

/* One int64 key of small range (ids 0..n, years): a direct table instead of a hash. */
static int factorize_int_range(ks_ctx *ctx, const int64_t *v, size_t n, int64_t lo, uint64_t span,
                               int64_t *codes, size_t *nlevels)
{
    int64_t *map = ks__malloc_array(ctx, span + 1, sizeof *map);
    if (!map) return KS_ENOMEM;
    memset(map, 0xff, (span + 1) * sizeof *map);
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t *m = &map[(uint64_t)v[i] - (uint64_t)lo];
        if (*m < 0) *m = (int64_t)next++;
        codes[i] = *m;
    }
    ks__free(ctx, map);
    *nlevels = next;
    return KS_OK;
}

int ks_table_factorize(ks_ctx *ctx, const ks_table *t, const size_t *cols, size_t ncols,
                       int64_t *codes, size_t codes_len, size_t *nlevels)
{
    *nlevels = 0;
    if (ncols == 0) return ks__fail(ctx, KS_EINVAL, "factorize: no key columns");
    if (codes_len < t->nrow)
        return ks__fail(ctx, KS_EINVAL, "factorize: codes has room for %zu; %zu needed", codes_len,
                        t->nrow);
    for (size_t k = 0; k < ncols; k++)
        if (cols[k] >= t->ncol)
            return ks__fail(ctx, KS_EINVAL, "factorize: column index %zu out of range", cols[k]);
    const size_t n = t->nrow;
    if (ncols == 1 && t->cols[cols[0]].type == KS_COL_INT64 && n > 0) {
        const int64_t *v = t->cols[cols[0]].data;
        int64_t lo = v[0], hi = v[0];
        for (size_t i = 1; i < n; i++) {
            lo = v[i] < lo ? v[i] : lo;
            hi = v[i] > hi ? v[i] : hi;
        }
        const uint64_t span = (uint64_t)hi - (uint64_t)lo;
        if (span < 4 * (uint64_t)n + 1024)
            return factorize_int_range(ctx, v, n, lo, span, codes, nlevels);
    }
    size_t cap = 16;
    while (cap < 2 * n) cap *= 2;
    int64_t *slot_row = ks__malloc_array(ctx, cap, sizeof *slot_row);
    if (!slot_row) return KS_ENOMEM;
    memset(slot_row, 0xff, cap * sizeof *slot_row); /* -1: empty */
    size_t next = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t h = 0x12345678ull, bits;
        int na = 0;
        for (size_t k = 0; k < ncols && !na; k++) {
            if (!key_bits(&t->cols[cols[k]], i, &bits))
                na = 1;
            else
                h = mix(h, bits);
        }
        if (na) {
            codes[i] = -1;
            continue;
        }
        size_t s = h & (cap - 1);
        for (;;) {
            int64_t r = slot_row[s];
            if (r < 0) {
                slot_row[s] = (int64_t)i;
                codes[i] = (int64_t)next++;
                break;
            }
            if (same_key(t, cols, ncols, (size_t)r, i)) {
                codes[i] = codes[r];
                break;
            }
            s = (s + 1) & (cap - 1);
        }
    }
    ks__free(ctx, slot_row);
    *nlevels = next;
    return KS_OK;
}
