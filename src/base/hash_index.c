/* hash_index.c — a hash index over names (borrowed strings), built for SNP identifiers but
 * good for any: open addressing with 8-byte slots (a probe run stays in one cache line), names
 * of the form rs<number> tagged by the number itself (no string compare), and a Bloom filter
 * that turns away most absent names from one cache line. */
#include <ctype.h>
#include <string.h>

#include "base/hash_index.h"

uint64_t ks__fnv1a(const char *s, int upper)
{
    uint64_t x = 1469598103934665603ULL;
    for (; *s; s++)
        x = (x ^ (unsigned char)(upper ? toupper((unsigned char)*s) : *s)) * 1099511628211ULL;
    return x;
}

/* A name's 32-bit tag: "rs" and a number below 2^32 (no leading zero) is the number itself,
 * flagged exact (one name to one tag, so no string compare is needed); any other name is its
 * FNV-1a hash, checked by strcmp. *h gets the name's 64-bit hash, for the slot. */
enum { EXACT = 1u << 31 };
static uint32_t name_tag(const char *s, int *exact, uint64_t *h)
{
    if (s[0] == 'r' && s[1] == 's' && s[2] >= '1' && s[2] <= '9') {
        uint64_t v = 0;
        int k = 2;
        for (; s[k] >= '0' && s[k] <= '9' && k < 12; k++) v = 10 * v + (uint64_t)(s[k] - '0');
        if (!s[k] && v <= UINT32_MAX) {
            *exact = 1;
            *h = v * 0x9E3779B97F4A7C15ULL;
            return (uint32_t)v;
        }
    }
    const uint64_t x = ks__fnv1a(s, 0);
    *exact = 0;
    *h = (x ^ (x >> 29)) * 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(x >> 32);
}

/* The filter's word and its two bits for a name's hash: a name whose bits are not both set is
 * not in the index, found without touching the (much larger) slot table. */
static uint64_t filter_bits(uint64_t hv, size_t fmask, size_t *word)
{
    const uint64_t g = (hv ^ (hv >> 29)) * 0xBF58476D1CE4E5B9ULL;
    *word = (size_t)(g >> 40) & fmask;
    return (1ULL << (g & 63)) | (1ULL << ((g >> 6) & 63));
}

int ks__index_build(ks_ctx *ctx, const char *const *names, size_t n, ks__index *ix)
{
    if (n >= EXACT - 1) return ks__fail(ctx, KS_EINVAL, "%zu names are too many to index", n);
    size_t words = 8;
    while (words * 8 < n) words *= 2; /* 8 to 16 bits per name: about 5% false positives */
    ix->fmask = words - 1;
    ix->filter = ks__calloc(ctx, words, sizeof *ix->filter);
    if (!ix->filter) return KS_ENOMEM;
    size_t size = 16;
    while (size < n + n / 2) size *= 2; /* load at most 2/3 */
    ix->names = names;
    ix->mask = size - 1;
    ix->slot = ks__malloc_array(ctx, size, sizeof *ix->slot);
    if (!ix->slot) {
        ks__free(ctx, ix->filter);
        ix->filter = NULL;
        return KS_ENOMEM;
    }
    /* huge pages before the slots are first touched: fewer page faults, and fewer TLB misses
     * in the random probes */
    ks__huge_pages(ix->slot, size * sizeof *ix->slot);
    memset(ix->slot, 0, size * sizeof *ix->slot);
    ks__index_key key[KS__INDEX_BATCH]; /* the slots of a batch of names prefetched together */
    for (size_t i = 0; i < n; i++) {
        if (i % KS__INDEX_BATCH == 0)
            for (size_t j = i; j < n && j < i + KS__INDEX_BATCH; j++)
                ks__index_prefetch(ix, names[j], 0, &key[j - i]);
        const ks__index_key *kk = &key[i % KS__INDEX_BATCH];
        const int exact = kk->exact;
        const uint64_t hv = kk->hv;
        const uint32_t t = kk->tag;
        const uint32_t want = (uint32_t)i + 1 + (exact ? EXACT : 0);
        ix->filter[kk->word] |= kk->bits;
        size_t h = (size_t)(hv >> 32) & ix->mask;
        for (; ix->slot[h].index; h = (h + 1) & ix->mask) {
            const ks__index_slot *sl = &ix->slot[h];
            if (sl->tag == t && (sl->index & EXACT) == (want & EXACT) &&
                (exact || !strcmp(names[(sl->index & ~EXACT) - 1], names[i])))
                break; /* a repeated name: the first stays */
        }
        if (!ix->slot[h].index) ix->slot[h] = (ks__index_slot){t, want};
    }
    return KS_OK;
}

void ks__index_prefetch(const ks__index *ix, const char *name, int filter, ks__index_key *k)
{
    k->tag = name_tag(name, &k->exact, &k->hv);
    k->word = 0;
    k->bits = filter_bits(k->hv, ix->fmask, &k->word);
    k->filter = filter;
    if (filter) __builtin_prefetch(&ix->filter[k->word]);
    __builtin_prefetch(&ix->slot[(size_t)(k->hv >> 32) & ix->mask]);
}

int64_t ks__index_find_key(const ks__index *ix, const char *name, const ks__index_key *k)
{
    if (k->filter && (ix->filter[k->word] & k->bits) != k->bits) return -1;
    const uint32_t flag = k->exact ? EXACT : 0;
    for (size_t h = (size_t)(k->hv >> 32) & ix->mask;; h = (h + 1) & ix->mask) {
        const ks__index_slot *sl = &ix->slot[h];
        if (!sl->index) return -1;
        if (sl->tag == k->tag && (sl->index & EXACT) == flag &&
            (k->exact || !strcmp(ix->names[(sl->index & ~EXACT) - 1], name)))
            return (int64_t)((sl->index & ~EXACT) - 1);
    }
}

int64_t ks__index_find(const ks__index *ix, const char *name)
{
    ks__index_key k;
    ks__index_prefetch(ix, name, 1, &k);
    return ks__index_find_key(ix, name, &k);
}

void ks__index_free(const ks_allocator *a, ks__index *ix)
{
    ks__release(a, ix->slot);
    ks__release(a, ix->filter);
    ix->slot = NULL;
    ix->filter = NULL;
}
