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
#define POOL_MIN 4

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

/* Word i of the assembled entropy: the entropy, zeros to the pool's size when a spawn key
 * follows (so that no entropy can pass for a spawned child's), the spawn key. */
static uint32_t assembled(const ks_seed_seq *s, size_t run, size_t i)
{
    if (i < s->n_entropy) return s->entropy[i];
    return i < run ? 0 : s->spawn_key[i - run];
}

int ks_seed_seq_pool(ks_ctx *ctx, const ks_seed_seq *s, uint32_t *pool)
{
    const size_t np = s->pool_size;
    if (np < POOL_MIN)
        return ks__fail(ctx, KS_EINVAL, "The size of the entropy pool should be at least %d",
                        POOL_MIN);
    if ((s->n_entropy && !s->entropy) || (s->n_spawn_key && !s->spawn_key))
        return ks__fail(ctx, KS_EINVAL, "SeedSequence: words counted but not given");
    size_t run = s->n_entropy;
    if (s->n_spawn_key && run < np) run = np;
    const size_t n = run + s->n_spawn_key;
    uint32_t hc = INIT_A;
    for (size_t i = 0; i < np; i++) pool[i] = hashmix(i < n ? assembled(s, run, i) : 0, &hc);
    for (size_t a = 0; a < np; a++)
        for (size_t d = 0; d < np; d++)
            if (a != d) pool[d] = mix(pool[d], hashmix(pool[a], &hc));
    for (size_t a = np; a < n; a++)
        for (size_t d = 0; d < np; d++) pool[d] = mix(pool[d], hashmix(assembled(s, run, a), &hc));
    return KS_OK;
}

/* n 32-bit words of generate_state from the pool, cycled through. */
static void pool_words(const uint32_t *pool, size_t np, size_t n, uint32_t *out)
{
    uint32_t hc = INIT_B;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = pool[i % np] ^ hc;
        hc *= MULT_B;
        v *= hc;
        out[i] = v ^ (v >> 16);
    }
}

/* The first n words of generate_state into out. */
static int seq_words(ks_ctx *ctx, const ks_seed_seq *s, size_t n, uint32_t *out)
{
    if (s->pool_size > SIZE_MAX / sizeof(uint32_t))
        return ks__fail(ctx, KS_EOVERFLOW, "SeedSequence: a pool of %zu words", s->pool_size);
    uint32_t small[16], *pool = small;
    if (s->pool_size > 16 && !(pool = ks__malloc(ctx, s->pool_size * sizeof *pool)))
        return ks_errcode(ctx);
    int rc = ks_seed_seq_pool(ctx, s, pool);
    if (rc == KS_OK) pool_words(pool, s->pool_size, n, out);
    if (pool != small) ks__release(&ctx->alloc, pool);
    return rc;
}

int ks_seed_seq_generate_state(ks_ctx *ctx, const ks_seed_seq *seq, size_t n_words, ks_dtype dtype,
                               ks_array *out)
{
    ks__array_clear(out);
    if (dtype != KS_UINT32 && dtype != KS_UINT64)
        return ks__fail(ctx, KS_ETYPE, "only support uint32 or uint64");
    if (n_words > (size_t)PTRDIFF_MAX / 8)
        return ks__fail(ctx, KS_EOVERFLOW, "generate_state: %zu words", n_words);
    const ptrdiff_t len = (ptrdiff_t)n_words;
    int rc = ks__array_new(ctx, dtype, 1, &len, out);
    if (rc != KS_OK) return rc;
    const size_t n32 = dtype == KS_UINT64 ? 2 * n_words : n_words;
    rc = seq_words(ctx, seq, n32, (uint32_t *)(void *)out->data);
    if (rc == KS_OK &&
        dtype == KS_UINT64) { /* pairs little-endian, whatever this machine's order */
        for (size_t i = 0; i < n_words; i++) {
            uint32_t pair[2];
            memcpy(pair, out->data + 8 * i, 8);
            const uint64_t v = (uint64_t)pair[1] << 32 | pair[0];
            memcpy(out->data + 8 * i, &v, 8);
        }
    }
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}

int ks_generator_new_seq(ks_ctx *ctx, const ks_seed_seq *seq, ks_generator **out)
{
    *out = NULL;
    uint32_t w32[8];
    int rc = seq_words(ctx, seq, 8, w32);
    if (rc != KS_OK) return rc;
    ks_generator *r = ks__calloc(ctx, 1, sizeof *r);
    if (!r) return ks_errcode(ctx);
    r->alloc = ctx->alloc;
    uint64_t w[4];
    for (int i = 0; i < 4; i++) w[i] = (uint64_t)w32[2 * i + 1] << 32 | w32[2 * i];
    /* PCG's srandom: state 0, inc = 2 seq + 1, step, add the initial state, step */
    const ks__u128 init = ((ks__u128)w[0] << 64) | w[1], s = ((ks__u128)w[2] << 64) | w[3];
    r->inc = (s << 1) | 1u;
    ks__pcg_step(r);
    r->state += init;
    ks__pcg_step(r);
    *out = r;
    return KS_OK;
}

int ks_generator_new(ks_ctx *ctx, const uint32_t *entropy, size_t n, ks_generator **out)
{
    const ks_seed_seq seq = {entropy, n, NULL, 0, POOL_MIN};
    return ks_generator_new_seq(ctx, &seq, out);
}

int ks_generator_copy(ks_ctx *ctx, const ks_generator *rng, ks_generator **out)
{
    *out = ks__malloc(ctx, sizeof **out);
    if (!*out) return ks_errcode(ctx);
    **out = *rng;
    (*out)->alloc = ctx->alloc;
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

bool ks_generator_pending32(const ks_generator *rng, uint32_t *value)
{
    *value = rng->u32;
    return rng->has_u32;
}

void ks_generator_set_state(ks_generator *rng, const uint64_t state[2], const uint64_t inc[2],
                            bool has32, uint32_t value)
{
    rng->state = (ks__u128)state[0] << 64 | state[1];
    rng->inc = (ks__u128)inc[0] << 64 | inc[1];
    rng->has_u32 = has32;
    rng->u32 = value;
}

/* The LCG's state `delta` steps on: x -> m x + c applied delta times is x -> M x + C, built from
 * the maps of 1, 2, 4, ... steps by squaring (Brown's jump-ahead). */
void ks__pcg_advance(ks_generator *r, ks__u128 delta)
{
    ks__u128 mul = 1, add = 0, m = KS__PCG_MULT, c = r->inc;
    for (; delta; delta >>= 1) {
        if (delta & 1) mul *= m, add = add * m + c;
        c *= m + 1;
        m *= m;
    }
    r->state = mul * r->state + add;
}

void ks_generator_advance(ks_generator *rng, const uint64_t delta[2])
{
    ks__pcg_advance(rng, (ks__u128)delta[0] << 64 | delta[1]);
    rng->has_u32 = false, rng->u32 = 0;
}

void ks_generator_jump(ks_generator *rng, const uint64_t jumps[2])
{
    const ks__u128 step = (ks__u128)0x9e3779b97f4a7c15ULL << 64 | 0xf39cc0605cedc835ULL;
    const ks__u128 d = step * ((ks__u128)jumps[0] << 64 | jumps[1]);
    const uint64_t delta[2] = {(uint64_t)(d >> 64), (uint64_t)d};
    ks_generator_advance(rng, delta);
}

/* ---- fills ---- */

/* One fill of outputs [i0, i1) from g (which it leaves where the draws end); arg its constants. */
typedef void (*fill_fn)(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1, const void *arg);

/* n outputs that each take one 64-bit draw (w64) or one 32-bit half, filled by fn: with
 * `parallel` and enough of them, in one block per thread, each block from its own copy of the
 * state advanced to its first draw (pairs of 32-bit outputs share a draw, so blocks of those
 * start at even outputs), the last block's copy then being the state the sequential fill ends
 * in. A half waiting from an earlier 32-bit request goes to the first output, as it would. */
static void fill(ks_ctx *ctx, ks_generator *rng, bool w64, bool parallel, ptrdiff_t n, fill_fn fn,
                 char *out, const void *arg)
{
    ptrdiff_t first = 0;
    if (!w64 && rng->has_u32 && n > 0) fn(rng, out, 0, 1, arg), first = 1;
    const ptrdiff_t unit = w64 ? 1 : 2, units = (n - first + unit - 1) / unit;
    const int nt = parallel && units >= 32768 ? ks__array_threads(ctx, (double)units) : 1;
    ks_generator end = *rng;
#pragma omp parallel for num_threads(nt) schedule(static) if (nt > 1)
    for (int t = 0; t < nt; t++) {
        const ptrdiff_t u0 = units * t / nt, u1 = units * (t + 1) / nt;
        ks_generator g = *rng;
        if (u0) ks__pcg_advance(&g, (ks__u128)u0);
        const ptrdiff_t o1 = first + unit * u1;
        fn(&g, out, first + unit * u0, o1 < n ? o1 : n, arg);
        if (t == nt - 1) end = g;
    }
    *rng = end;
}

static void fill_f64(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1, const void *arg)
{
    (void)arg;
    ks_generator l = *g; /* a local copy: the stores cannot alias it */
    double *y = (double *)(void *)out;
    for (ptrdiff_t i = i0; i < i1; i++) y[i] = ks__next_double(&l);
    *g = l;
}

static void fill_f32(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1, const void *arg)
{
    (void)arg;
    ks_generator l = *g;
    float *y = (float *)(void *)out;
    for (ptrdiff_t i = i0; i < i1; i++) y[i] = ks__next_float(&l);
    *g = l;
}

/* low and high - low of uniform */
typedef struct {
    double low, range;
} span;

static void fill_uniform(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1, const void *arg)
{
    const span s = *(const span *)arg;
    ks_generator l = *g;
    double *y = (double *)(void *)out;
    for (ptrdiff_t i = i0; i < i1; i++) y[i] = s.low + s.range * ks__next_double(&l);
    *g = l;
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
    const bool f64 = dtype == KS_FLOAT64;
    fill(ctx, rng, f64, true, ks_array_size(out), f64 ? fill_f64 : fill_f32, out->data, NULL);
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

/* integers' offset (low) and inclusive width */
typedef struct {
    uint64_t off, width;
} bounds;

/* widths below 2^32 - 1 from 32-bit halves, into 32- or 64-bit integers (the draw inlined, on
 * a local copy of the state), and wider ones from 64-bit draws */
static void fill_ints32_to32(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1,
                             const void *arg)
{
    const bounds b = *(const bounds *)arg;
    ks_generator l = *g;
    uint32_t *y = (uint32_t *)(void *)out;
    if (b.width == UINT32_MAX)
        for (ptrdiff_t i = i0; i < i1; i++) y[i] = (uint32_t)(ks__next32(&l) + b.off);
    else
        for (ptrdiff_t i = i0; i < i1; i++)
            y[i] = (uint32_t)(bounded32(&l, (uint32_t)b.width) + b.off);
    *g = l;
}

static void fill_ints32(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1, const void *arg)
{
    const bounds b = *(const bounds *)arg;
    ks_generator l = *g;
    uint64_t *y = (uint64_t *)(void *)out;
    if (b.width == UINT32_MAX)
        for (ptrdiff_t i = i0; i < i1; i++) y[i] = ks__next32(&l) + b.off;
    else
        for (ptrdiff_t i = i0; i < i1; i++) y[i] = bounded32(&l, (uint32_t)b.width) + b.off;
    *g = l;
}

static void fill_ints64(ks_generator *g, char *out, ptrdiff_t i0, ptrdiff_t i1, const void *arg)
{
    const bounds b = *(const bounds *)arg;
    ks_generator l = *g;
    uint64_t *y = (uint64_t *)(void *)out;
    for (ptrdiff_t i = i0; i < i1; i++) y[i] = ks__bounded64(&l, b.width) + b.off;
    *g = l;
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
    const bounds b = {(uint64_t)low, (uint64_t)high - (uint64_t)low - 1}; /* inclusive width */
    if (b.width == 0) { /* one value: no draws (NumPy takes none) */
        for (ptrdiff_t i = 0; i < n; i++)
            if (is32)
                ((uint32_t *)(void *)out->data)[i] = (uint32_t)b.off;
            else
                ((uint64_t *)(void *)out->data)[i] = b.off;
        return KS_OK;
    }
    /* a range of a power of two takes one draw per number (nothing is rejected), so the fill can
       be split into blocks; 32-bit words below 2^32 */
    const bool w64 = b.width > UINT32_MAX, fixed = (b.width & (b.width + 1)) == 0;
    const fill_fn fn = w64 ? fill_ints64 : is32 ? fill_ints32_to32 : fill_ints32;
    fill(ctx, rng, w64, fixed, n, fn, out->data, &b);
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
    const span sp = {low, range};
    fill(ctx, rng, true, true, ks_array_size(out), fill_uniform, out->data, &sp);
    return KS_OK;
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
