/* hash_index.h — a hash index over n names (borrowed strings): the first of equal names wins.
 * Built for millions of SNP identifiers (rs<number> names need no string compare), with a
 * batched lookup that prefetches a batch's slots before it probes them. */
#ifndef KS_BASE_HASH_INDEX_H
#define KS_BASE_HASH_INDEX_H

#include <stdint.h>

#include "base/base_internal.h"

typedef struct {
    uint32_t tag, index; /* the name's tag (see hash_index.c); index + 1 (top bit: the tag is
                            the rs number itself), 0: empty */
} ks__index_slot;
typedef struct {
    const char *const *names;
    ks__index_slot *slot; /* mask + 1 entries, 8 bytes each: a probe run stays in one cache line */
    size_t mask;
    uint64_t *filter; /* fmask + 1 words: a Bloom filter (two bits in one word per name) that
                         turns away most names not in the index from one cache line */
    size_t fmask;
} ks__index;

/* The names a batched lookup keeps in flight: 16 names keep 32 cache lines in flight, about
 * what a core can track (the index is far larger than the caches). */
enum { KS__INDEX_BATCH = 16 };

int ks__index_build(ks_ctx *ctx, const char *const *names, size_t n, ks__index *ix);
void ks__index_free(const ks_allocator *a, ks__index *ix);     /* the index's memory; names stay */
int64_t ks__index_find(const ks__index *ix, const char *name); /* the index, or -1 */
/* The same in two steps, for a batch of names: the key (its memory prefetched), then the
 * lookup, by when the prefetch has arrived. With filter, the lookup asks the Bloom filter
 * first (which saves the slot's cache miss for a name not there, and costs one for a name
 * there). */
typedef struct {
    uint64_t hv, bits;
    size_t word;
    uint32_t tag;
    int exact, filter;
} ks__index_key;
void ks__index_prefetch(const ks__index *ix, const char *name, int filter, ks__index_key *k);
int64_t ks__index_find_key(const ks__index *ix, const char *name, const ks__index_key *k);

/* FNV-1a over the bytes of s (upper-cased first with upper), the index's hash of a name. */
uint64_t ks__fnv1a(const char *s, int upper);

#endif
