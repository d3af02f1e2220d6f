/* cast.c — the 13 x 13 cast loops: C's conversions, which are NumPy's unsafe casts (a complex
 * value loses its imaginary part, a float is truncated toward zero), except that anything cast
 * to bool is `value != 0` (so 0.5 is True and a bool stored as 2 reads as True). */
#include <complex.h>
#include <stdint.h>

#include "array/array_internal.h"
#include "base/simd.h"

#define CONV_b(x, to_t) ((uint8_t)((x) != 0))
#define CONV_n(x, to_t) ((to_t)(x))

/* Float to integer out of range is undefined in C; these give what x86's scalar conversion
 * (and so NumPy's casts there) gives, defined: the 32-bit conversion for types up to 32 bits
 * signed and 16 bits unsigned, the 64-bit one above, INT_MIN ("integer indefinite") for NaN and
 * anything out of range. NumPy warns "invalid value encountered in cast" for those values. */
static inline int32_t f2i32(double x)
{
    return x > -2147483649.0 && x < 2147483648.0 ? (int32_t)x : INT32_MIN;
}
static inline int64_t f2i64(double x)
{
    return x >= -9223372036854775808.0 && x < 9223372036854775808.0 ? (int64_t)x : INT64_MIN;
}
static inline uint64_t f2u64(double x)
{
    return x >= 0 && x < 18446744073709551616.0 ? (uint64_t)x : (uint64_t)f2i64(x);
}
#define F2I(d, tt)                                                                                 \
    _Generic((tt)0, int8_t                                                                         \
             : (tt)(uint32_t)f2i32(d), int16_t                                                     \
             : (tt)(uint32_t)f2i32(d), uint8_t                                                     \
             : (tt)(uint32_t)f2i32(d), uint16_t                                                    \
             : (tt)(uint32_t)f2i32(d), int32_t                                                     \
             : (tt)f2i32(d), uint32_t                                                              \
             : (tt)(uint64_t)f2i64(d), int64_t                                                     \
             : (tt)f2i64(d), default                                                               \
             : (tt)f2u64(d))
#define CONV_i(x, tt)                                                                              \
    _Generic((x), float                                                                            \
             : F2I((double)(x), tt), double                                                        \
             : F2I((double)(x), tt), float complex                                                 \
             : F2I((double)crealf(x), tt), double complex                                          \
             : F2I(creal(x), tt), default                                                          \
             : (tt)(x))

/* One loop: a contiguous path GCC vectorises, and a strided one. */
#define CAST_FN(fn, ft, tn, tt, conv)                                                              \
    KS_KERNEL static void cast_##fn##_##tn(char **args, const ptrdiff_t *steps, ptrdiff_t n,       \
                                           const void *aux)                                        \
    {                                                                                              \
        (void)aux;                                                                                 \
        const char *in = args[0];                                                                  \
        char *out = args[1];                                                                       \
        if (steps[0] == (ptrdiff_t)sizeof(ft) && steps[1] == (ptrdiff_t)sizeof(tt)) {              \
            const ft *restrict x = (const ft *)in;                                                 \
            tt *restrict y = (tt *)out;                                                            \
            for (ptrdiff_t i = 0; i < n; i++) y[i] = conv(x[i], tt);                               \
            return;                                                                                \
        }                                                                                          \
        for (ptrdiff_t i = 0; i < n; i++, in += steps[0], out += steps[1]) {                       \
            ft v;                                                                                  \
            memcpy(&v, in, sizeof v);                                                              \
            const tt w = conv(v, tt);                                                              \
            memcpy(out, &w, sizeof w);                                                             \
        }                                                                                          \
    }

/* Every target dtype for one source dtype (M gets the source's short name and C type). */
#define FOR_TO(M, fn, ft)                                                                          \
    M(fn, ft, b, uint8_t, CONV_b)                                                                  \
    M(fn, ft, i8, int8_t, CONV_i)                                                                  \
    M(fn, ft, i16, int16_t, CONV_i)                                                                \
    M(fn, ft, i32, int32_t, CONV_i)                                                                \
    M(fn, ft, i64, int64_t, CONV_i)                                                                \
    M(fn, ft, u8, uint8_t, CONV_i)                                                                 \
    M(fn, ft, u16, uint16_t, CONV_i)                                                               \
    M(fn, ft, u32, uint32_t, CONV_i)                                                               \
    M(fn, ft, u64, uint64_t, CONV_i)                                                               \
    M(fn, ft, f32, float, CONV_n)                                                                  \
    M(fn, ft, f64, double, CONV_n)                                                                 \
    M(fn, ft, c64, float complex, CONV_n)                                                          \
    M(fn, ft, c128, double complex, CONV_n)

#define FOR_FROM(M)                                                                                \
    FOR_TO(M, b, uint8_t)                                                                          \
    FOR_TO(M, i8, int8_t)                                                                          \
    FOR_TO(M, i16, int16_t)                                                                        \
    FOR_TO(M, i32, int32_t)                                                                        \
    FOR_TO(M, i64, int64_t)                                                                        \
    FOR_TO(M, u8, uint8_t)                                                                         \
    FOR_TO(M, u16, uint16_t)                                                                       \
    FOR_TO(M, u32, uint32_t)                                                                       \
    FOR_TO(M, u64, uint64_t)                                                                       \
    FOR_TO(M, f32, float)                                                                          \
    FOR_TO(M, f64, double)                                                                         \
    FOR_TO(M, c64, float complex)                                                                  \
    FOR_TO(M, c128, double complex)

FOR_FROM(CAST_FN)

#define CAST_ENTRY(fn, ft, tn, tt, conv) cast_##fn##_##tn,
static const ks__loop cast_table[KS_NDTYPES * KS_NDTYPES] = {FOR_FROM(CAST_ENTRY)};

/* A dtype to itself: memcpy when contiguous (glibc's streams large blocks past the cache, about
 * 1.6x a vectorised loop at 10M doubles), else element by element. */
#define COPY_FN(sz, T)                                                                             \
    static void copy_##sz(char **args, const ptrdiff_t *steps, ptrdiff_t n, const void *aux)      \
    {                                                                                              \
        (void)aux;                                                                                 \
        if (steps[0] == sz && steps[1] == sz) {                                                    \
            memcpy(args[1], args[0], (size_t)n * sz);                                              \
            return;                                                                                \
        }                                                                                          \
        const char *in = args[0];                                                                  \
        char *out = args[1];                                                                       \
        for (ptrdiff_t i = 0; i < n; i++, in += steps[0], out += steps[1]) memcpy(out, in, sz);    \
    }
COPY_FN(1, uint8_t)
COPY_FN(2, uint16_t)
COPY_FN(4, uint32_t)
COPY_FN(8, uint64_t)
COPY_FN(16, double complex)

ks__loop ks__cast_loop(ks_dtype from, ks_dtype to)
{
    if (from != to) return cast_table[from * KS_NDTYPES + to];
    switch (ks__dtypes[from].size) {
    case 1: return copy_1;
    case 2: return copy_2;
    case 4: return copy_4;
    case 8: return copy_8;
    default: return copy_16;
    }
}
