/* random_internal.h — the PCG64 generator's state and its draws, shared by random.c (seeding,
 * uniform and integer draws), random_dist.c (the distributions) and the ziggurat tables. */
#ifndef KS_ARRAY_RANDOM_INTERNAL_H
#define KS_ARRAY_RANDOM_INTERNAL_H

#include <stdint.h>

#include "array/array_internal.h"

typedef unsigned __int128 ks__u128;

struct ks_generator {
    ks_allocator alloc;
    ks__u128 state, inc;
    bool has_u32; /* the high half of the last draw, kept for the next 32-bit request */
    uint32_t u32;
};

#define KS__PCG_MULT (((ks__u128)2549297995355413924ULL << 64) | 4865540595714422341ULL)

static inline void ks__pcg_step(ks_generator *r) { r->state = r->state * KS__PCG_MULT + r->inc; }

/* PCG64's XSL-RR output of the next state. */
static inline uint64_t ks__next64(ks_generator *r)
{
    ks__pcg_step(r);
    const uint64_t v = (uint64_t)(r->state >> 64) ^ (uint64_t)r->state;
    const unsigned rot = (unsigned)(r->state >> 122);
    return (v >> rot) | (v << ((64 - rot) & 63));
}

/* 32-bit draws are the halves of a 64-bit one, low first (NumPy's next_uint32). */
static inline uint32_t ks__next32(ks_generator *r)
{
    if (r->has_u32) {
        r->has_u32 = false;
        return r->u32;
    }
    const uint64_t v = ks__next64(r);
    r->has_u32 = true;
    r->u32 = (uint32_t)(v >> 32);
    return (uint32_t)v;
}

/* Uniform [0, 1): the top 53 bits of a draw (float32: 24 bits of a 32-bit one). */
static inline double ks__next_double(ks_generator *r) { return (double)(ks__next64(r) >> 11) * 0x1.0p-53; }
static inline float ks__next_float(ks_generator *r) { return (float)(ks__next32(r) >> 8) * 0x1.0p-24f; }

/* The state delta 64-bit draws on (PCG64's advance), the buffered 32-bit half left as it is. */
void ks__pcg_advance(ks_generator *r, ks__u128 delta);

/* A draw in [0, rng] by Lemire's bounded multiply (32-bit words below 2^32 - 1). */
uint64_t ks__bounded64(ks_generator *r, uint64_t rng);
/* A draw in [0, max] by masked rejection (NumPy's random_interval, which its shuffles and the
 * hypergeometric use): 32-bit words below 2^32, inline for those loops. */
static inline uint64_t ks__interval(ks_generator *r, uint64_t max)
{
    if (max == 0) return 0;
    uint64_t mask = max, v;
    for (int s = 1; s < 64; s *= 2) mask |= mask >> s;
    if (max <= UINT32_MAX)
        while ((v = ks__next32(r) & mask) > max) {
        }
    else
        while ((v = ks__next64(r) & mask) > max) {
        }
    return v;
}

/* Gamma(shape, 1) and Beta(a, b) draws (random_dist.c), hypergeometric(good, bad, sample) draws
 * (random_hyper.c), for the multivariate draws. */
double ks__std_gamma(ks_generator *g, double shape);
double ks__beta(ks_generator *g, double a, double b);
int64_t ks__hypergeometric(ks_generator *g, int64_t good, int64_t bad, int64_t sample);

/* log(k!) for k < 126, each the float64 nearest (random_logfact_table.c, written by
 * tools/gen_logfact_table.py). */
extern const double ks__logfact[126];

/* The ziggurat tables (random_ziggurat_tables.c, written by tools/gen_ziggurat_tables.py): per
 * layer the acceptance bound k, the width w and the density f, for the normal (nor) and the
 * exponential (exp), float64 and float32. */
extern const uint64_t ks__zig_knor64[256], ks__zig_kexp64[256];
extern const double ks__zig_wnor64[256], ks__zig_fnor64[256], ks__zig_wexp64[256],
    ks__zig_fexp64[256];
extern const uint32_t ks__zig_knor32[256], ks__zig_kexp32[256];
extern const float ks__zig_wnor32[256], ks__zig_fnor32[256], ks__zig_wexp32[256],
    ks__zig_fexp32[256];

#endif
