/* honest_rng.c — R's default generator, so that R HonestDiD's simulated least-favourable
 * critical values (set.seed(0); rmvnorm) are reproduced draw for draw: the Mersenne twister
 * (Matsumoto & Nishimura 1998) seeded as R's set.seed scrambles its seed with the LCG
 * 69069 s + 1, uniforms as R's MT_genrand + fixup, normals by R's "Inversion" (two uniforms
 * combined at 2^-27 resolution, then the normal quantile). */
#include "honest_internal.h"
#include "kestrel/linalg.h"

void ks__rrng_seed(ks__rrng *r, uint32_t seed)
{
    for (int j = 0; j < 50; j++) seed = 69069u * seed + 1u;
    /* R fills 625 words: the first is the position (overwritten by 624), then the state */
    seed = 69069u * seed + 1u;
    for (int j = 0; j < 624; j++) {
        seed = 69069u * seed + 1u;
        r->mt[j] = seed;
    }
    r->mti = 624;
}

static uint32_t next32(ks__rrng *r)
{
    static const uint32_t mag01[2] = {0x0u, 0x9908b0dfu};
    uint32_t y;
    if (r->mti >= 624) {
        int k = 0;
        for (; k < 624 - 397; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
            r->mt[k] = r->mt[k + 397] ^ (y >> 1) ^ mag01[y & 1u];
        }
        for (; k < 623; k++) {
            y = (r->mt[k] & 0x80000000u) | (r->mt[k + 1] & 0x7fffffffu);
            r->mt[k] = r->mt[k + (397 - 624)] ^ (y >> 1) ^ mag01[y & 1u];
        }
        y = (r->mt[623] & 0x80000000u) | (r->mt[0] & 0x7fffffffu);
        r->mt[623] = r->mt[396] ^ (y >> 1) ^ mag01[y & 1u];
        r->mti = 0;
    }
    y = r->mt[r->mti++];
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c5680u;
    y ^= (y << 15) & 0xefc60000u;
    y ^= y >> 18;
    return y;
}

double ks__rrng_unif(ks__rrng *r)
{
    const double i2_32m1 = 2.328306437080797e-10; /* 1 / (2^32 - 1) */
    const double u = (double)next32(r) * 2.3283064365386963e-10;
    if (u <= 0.0) return 0.5 * i2_32m1;
    if (1.0 - u <= 0.0) return 1.0 - 0.5 * i2_32m1;
    return u;
}

double ks__rrng_norm(ks__rrng *r)
{
    const double big = 134217728.0; /* 2^27 */
    double u = ks__rrng_unif(r);
    u = (double)(int)(big * u) + ks__rrng_unif(r);
    return ks_normal_quantile(u / big);
}
