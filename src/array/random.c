/* random.c — NumPy's default generator: a SeedSequence spreading the seed's words into PCG64's
 * 128-bit state and increment, then PCG64 (XSL-RR output over a 128-bit LCG), and the
 * transforms of NumPy's Generator that give the same numbers for the same seed: random() from the
 * top 53 bits (float32: the top 24 bits of a 32-bit half), integers() by Lemire's bounded
 * multiply with rejection (ranges below 2^32 from 32-bit halves of the draws). Written from the
 * PCG paper and NumPy's documented algorithms. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "array/random_internal.h"
#include "array/shape_internal.h"

/* ---- SeedSequence ---- */

#define INIT_A 0x43b0d7e5u
#define MULT_A 0x931e8875u
#define INIT_B 0x8b51f9ddu
#define MULT_B 0x58f38dedu
#define MIX_MULT_L 0xca01f9ddu
#define MIX_MULT_R 0x4973f715u
#define POOL 4

static uint32_t hashmix(uint32_t v, uint32_t *hc)
{
    v ^= *hc;
    *hc *= MULT_A;
    v *= *hc;
    return v ^ (v >> 16);
}

static uint32_t mix(uint32_t x, uint32_t y)
{
    uint32_t r = MIX_MULT_L * x - MIX_MULT_R * y;
    return r ^ (r >> 16);
}

/* The pool NumPy's SeedSequence(entropy) makes from the entropy's 32-bit words. */
static void seed_pool(const uint32_t *e, size_t n, uint32_t *pool)
{
    uint32_t hc = INIT_A;
    for (size_t i = 0; i < POOL; i++) pool[i] = hashmix(i < n ? e[i] : 0, &hc);
    for (size_t s = 0; s < POOL; s++)
        for (size_t d = 0; d < POOL; d++)
            if (s != d) pool[d] = mix(pool[d], hashmix(pool[s], &hc));
    for (size_t s = POOL; s < n; s++)
        for (size_t d = 0; d < POOL; d++) pool[d] = mix(pool[d], hashmix(e[s], &hc));
}

/* generate_state(n64, uint64): 2 * n64 words from the pool, paired little-endian. */
static void generate_state(const uint32_t *pool, size_t n64, uint64_t *out)
{
    uint32_t hc = INIT_B;
    for (size_t i = 0; i < 2 * n64; i++) {
        uint32_t v = pool[i % POOL];
        v ^= hc;
        hc *= MULT_B;
        v *= hc;
        v ^= v >> 16;
        if (i % 2 == 0)
            out[i / 2] = v;
        else
            out[i / 2] |= (uint64_t)v << 32;
    }
}

int ks_generator_new(ks_ctx *ctx, const uint32_t *entropy, size_t n, ks_generator **out)
{
    *out = NULL;
    if (n && !entropy) return ks__fail(ctx, KS_EINVAL, "seed: %zu words but no data", n);
    static const uint32_t zero = 0;
    if (n == 0) entropy = &zero, n = 1; /* NumPy's seed 0 is the one word 0 */
    ks_generator *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return ks_errcode(ctx);
    r->alloc = ctx->alloc;
    uint32_t pool[POOL];
    uint64_t w[4];
    seed_pool(entropy, n, pool);
    generate_state(pool, 4, w);
    /* PCG's srandom: state 0, inc = 2 seq + 1, step, add the initial state, step */
    const ks__u128 init = ((ks__u128)w[0] << 64) | w[1], seq = ((ks__u128)w[2] << 64) | w[3];
    r->inc = (seq << 1) | 1u;
    ks__pcg_step(r);
    r->state += init;
    ks__pcg_step(r);
    *out = r;
    return KS_OK;
}

void ks_generator_free(ks_generator *rng)
{
    if (rng) ks__release(&rng->alloc, rng);
}

void ks_generator_state(const ks_generator *rng, uint64_t state[2], uint64_t inc[2])
{
    state[0] = (uint64_t)(rng->state >> 64), state[1] = (uint64_t)rng->state;
    inc[0] = (uint64_t)(rng->inc >> 64), inc[1] = (uint64_t)rng->inc;
}

int ks_generator_random(ks_ctx *ctx, ks_generator *rng, ks_dtype dtype, int ndim,
                        const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    if (dtype != KS_FLOAT64 && dtype != KS_FLOAT32)
        return ks__fail(ctx, KS_ETYPE, "random: dtype %s is not float32 or float64",
                        ks_dtype_name(dtype));
    int rc = ks__array_new(ctx, dtype, ndim, shape, out);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = ks_array_size(out);
    if (dtype == KS_FLOAT64) {
        double *y = (double *)out->data;
        for (ptrdiff_t i = 0; i < n; i++) y[i] = ks__next_double(rng);
    } else {
        float *y = (float *)out->data;
        for (ptrdiff_t i = 0; i < n; i++) y[i] = ks__next_float(rng);
    }
    return KS_OK;
}

/* Lemire's bounded draws in [0, rng]: a word times the range's width, the high part kept,
 * redrawn while the low part falls in the short first stretch. 32-bit words are the halves of a
 * draw, low first, the high one kept in the state for the next request (NumPy's next_uint32). */
static inline uint32_t bounded32(ks_generator *r, uint32_t rng)
{
    const uint32_t excl = rng + 1;
    uint64_t m = (uint64_t)ks__next32(r) * excl;
    uint32_t left = (uint32_t)m;
    if (left < excl) {
        const uint32_t threshold = (UINT32_MAX - rng) % excl;
        while (left < threshold) {
            m = (uint64_t)ks__next32(r) * excl;
            left = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

static inline uint64_t bounded64(ks_generator *r, uint64_t rng)
{
    const uint64_t excl = rng + 1;
    ks__u128 m = (ks__u128)ks__next64(r) * excl;
    uint64_t left = (uint64_t)m;
    if (left < excl) {
        const uint64_t threshold = (UINT64_MAX - rng) % excl;
        while (left < threshold) {
            m = (ks__u128)ks__next64(r) * excl;
            left = (uint64_t)m;
        }
    }
    return (uint64_t)(m >> 64);
}

/* A draw in [0, rng] as NumPy's random_bounded_uint64 (Lemire): 32-bit words below 2^32 - 1. */
uint64_t ks__bounded64(ks_generator *r, uint64_t rng)
{
    if (rng == 0) return 0;
    if (rng < UINT32_MAX) return bounded32(r, (uint32_t)rng);
    if (rng == UINT32_MAX) return ks__next32(r);
    if (rng == UINT64_MAX) return ks__next64(r);
    return bounded64(r, rng);
}

int ks_generator_integers(ks_ctx *ctx, ks_generator *rng, int64_t low, int64_t high, ks_dtype dtype,
                          int ndim, const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    if (dtype != KS_INT64 && dtype != KS_INT32 && dtype != KS_UINT64 && dtype != KS_UINT32)
        return ks__fail(ctx, KS_ETYPE,
                        "integers: dtype %s is not one of int64, int32, uint64, uint32",
                        ks_dtype_name(dtype));
    if (high <= low) return ks__fail(ctx, KS_EINVAL, "low >= high");
    const bool is32 = dtype == KS_INT32 || dtype == KS_UINT32;
    const int64_t lo_min = dtype == KS_INT32 ? INT32_MIN : dtype == KS_INT64 ? INT64_MIN : 0;
    const int64_t hi_max = dtype == KS_INT32    ? (int64_t)INT32_MAX + 1
                           : dtype == KS_UINT32 ? (int64_t)UINT32_MAX + 1
                                                : INT64_MAX;
    if (low < lo_min)
        return ks__fail(ctx, KS_EINVAL, "low is out of bounds for %s", ks_dtype_name(dtype));
    if (high > hi_max)
        return ks__fail(ctx, KS_EINVAL, "high is out of bounds for %s", ks_dtype_name(dtype));
    int rc = ks__array_new(ctx, dtype, ndim, shape, out);
    if (rc != KS_OK) return rc;
    const ptrdiff_t n = ks_array_size(out);
    const uint64_t off = (uint64_t)low, width = (uint64_t)high - (uint64_t)low - 1; /* inclusive */
    /* a local copy of the state, so that the stores cannot alias it, and the common case (a range
       below 2^32 - 1: 32-bit words) in loops of its own, the draw inlined */
    ks_generator g = *rng;
    uint32_t *o32 = (uint32_t *)(void *)out->data;
    uint64_t *o64 = (uint64_t *)(void *)out->data;
    if (width > 0 && width < UINT32_MAX) {
        const uint32_t w = (uint32_t)width;
        if (is32)
            for (ptrdiff_t i = 0; i < n; i++) o32[i] = (uint32_t)(bounded32(&g, w) + off);
        else
            for (ptrdiff_t i = 0; i < n; i++) o64[i] = bounded32(&g, w) + off;
    } else {
        for (ptrdiff_t i = 0; i < n; i++) {
            const uint64_t v = ks__bounded64(&g, width) + off;
            if (is32)
                o32[i] = (uint32_t)v;
            else
                o64[i] = v;
        }
    }
    *rng = g;
    return KS_OK;
}

int ks_generator_uniform(ks_ctx *ctx, ks_generator *rng, double low, double high, int ndim,
                         const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    const double range = high - low;
    if (!isfinite(range)) return ks__fail(ctx, KS_EOVERFLOW, "Range exceeds valid bounds");
    int rc = ks__array_new(ctx, KS_FLOAT64, ndim, shape, out);
    if (rc != KS_OK) return rc;
    double *y = (double *)out->data;
    const ptrdiff_t n = ks_array_size(out);
    for (ptrdiff_t i = 0; i < n; i++)
        y[i] = low + range * ks__next_double(rng);
    return KS_OK;
}

/* A draw in [0, max] by masked rejection (NumPy's random_interval, which shuffling uses). */
uint64_t ks__interval(ks_generator *r, uint64_t max)
{
    if (max == 0) return 0;
    uint64_t mask = max;
    for (int s = 1; s < 64; s *= 2) mask |= mask >> s;
    uint64_t v;
    if (max <= UINT32_MAX)
        while ((v = ks__next32(r) & mask) > max) {
        }
    else
        while ((v = ks__next64(r) & mask) > max) {
        }
    return v;
}

int ks_generator_shuffle(ks_ctx *ctx, ks_generator *rng, ks_array *a)
{
    if (a->ndim < 1) return ks__fail(ctx, KS_EINVAL, "shuffle: a 0-d array cannot be shuffled");
    if (!(a->flags & KS_ARRAY_WRITEABLE))
        return ks__fail(ctx, KS_EINVAL, "shuffle: the array is read-only");
    /* Fisher-Yates from the end along the first axis; a row is swapped whole */
    const ptrdiff_t n = a->shape[0], row = ks_array_size(a) / (n ? n : 1);
    ks_array r0, r1;
    for (ptrdiff_t i = n - 1; i >= 1; i--) {
        const ptrdiff_t j = (ptrdiff_t)ks__interval(rng, (uint64_t)i);
        if (i == j || row == 0) continue;
        if (a->ndim == 1) {
            char t[16], *pi = a->data + i * a->strides[0], *pj = a->data + j * a->strides[0];
            const size_t es = ks__dtypes[a->dtype].size;
            memcpy(t, pi, es), memcpy(pi, pj, es), memcpy(pj, t, es);
            continue;
        }
        /* rows: through a copy of one (views of rows i and j) */
        ks__view(a, &r0), ks__view(a, &r1);
        r0.ndim = r1.ndim = a->ndim - 1;
        memmove(r0.shape, a->shape + 1, (size_t)r0.ndim * sizeof *r0.shape);
        memmove(r0.strides, a->strides + 1, (size_t)r0.ndim * sizeof *r0.strides);
        memcpy(r1.shape, r0.shape, sizeof r0.shape);
        memcpy(r1.strides, r0.strides, sizeof r0.strides);
        r0.data = a->data + i * a->strides[0], r1.data = a->data + j * a->strides[0];
        ks_array t;
        int rc = ks_array_copy(ctx, &r0, KS_ORDER_C, &t);
        if (rc == KS_OK) rc = ks_array_assign(ctx, &r0, &r1, KS_CASTING_UNSAFE);
        if (rc == KS_OK) rc = ks_array_assign(ctx, &r1, &t, KS_CASTING_UNSAFE);
        ks_array_release(&t);
        ks_array_release(&r0), ks_array_release(&r1);
        if (rc != KS_OK) return rc;
    }
    return KS_OK;
}
