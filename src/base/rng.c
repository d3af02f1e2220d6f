/* rng.c — counter-based random numbers: Philox4x32-10 (Salmon, Moraes, Dror & Shaw, "Parallel
 * random numbers: as easy as 1, 2, 3", SC 2011). The 128-bit counter is (index, stream) and the
 * 64-bit key is the seed, so every draw is a pure function of (seed, stream, index). */
#include <math.h>

#include "base_internal.h"

static void philox_round(uint32_t c[4], const uint32_t k[2])
{
    const uint64_t p0 = (uint64_t)0xD2511F53u * c[0];
    const uint64_t p1 = (uint64_t)0xCD9E8D57u * c[2];
    const uint32_t hi0 = (uint32_t)(p0 >> 32), lo0 = (uint32_t)p0;
    const uint32_t hi1 = (uint32_t)(p1 >> 32), lo1 = (uint32_t)p1;
    const uint32_t n0 = hi1 ^ c[1] ^ k[0], n2 = hi0 ^ c[3] ^ k[1];
    c[0] = n0;
    c[1] = lo1;
    c[2] = n2;
    c[3] = lo0;
}

static void philox4x32_10(uint64_t seed, uint64_t stream, uint64_t index, uint32_t out[4])
{
    uint32_t c[4] = {(uint32_t)index, (uint32_t)(index >> 32), (uint32_t)stream,
                     (uint32_t)(stream >> 32)};
    uint32_t k[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
    for (int r = 0; r < 10; r++) {
        philox_round(c, k);
        k[0] += 0x9E3779B9u;
        k[1] += 0xBB67AE85u;
    }
    for (int i = 0; i < 4; i++) out[i] = c[i];
}

uint64_t ks_rng_u64(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint32_t o[4];
    philox4x32_10(seed, stream, index, o);
    return ((uint64_t)o[1] << 32) | o[0];
}

static double open_unit(uint64_t bits)
{
    /* 53 bits mapped to the centres of 2^53 equal cells: never 0, never 1. */
    return ((double)(bits >> 11) + 0.5) * 0x1.0p-53;
}

double ks_rng_uniform(uint64_t seed, uint64_t stream, uint64_t index)
{
    return open_unit(ks_rng_u64(seed, stream, index));
}

double ks_rng_normal(uint64_t seed, uint64_t stream, uint64_t index)
{
    uint32_t o[4];
    philox4x32_10(seed, stream, index, o);
    const double u1 = open_unit(((uint64_t)o[1] << 32) | o[0]);
    const double u2 = open_unit(((uint64_t)o[3] << 32) | o[2]);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586476925 * u2);
}
