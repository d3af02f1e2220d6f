/* reduce_kernels.c — the typed reduction kernels: sums in NumPy's pairwise order (8 accumulators
 * over blocks of at most 128, halves split at a multiple of 8), products, squared deviations
 * from a mean, NaN-propagating and NaN-skipping min / max, counts. One macro per operation
 * instantiated per C type; the float kernels are compiled for AVX-512 / AVX2 as well. */
#include <math.h>
#include <string.h>

#include "array/reduce_internal.h"
#include "base/simd.h"

typedef ks__parts64 c64; /* (array_internal.h) */
typedef ks__parts128 c128;

typedef uint8_t b8;

#define AT(T, x, i, s) (*(const T *)((x) + (i) * (s)))
#define ISNAN(v) ((v) != (v))

/* ---- pairwise sums of a transformed real element: TR(T value, aux) -> A ---- */

#define PAIRWISE(NAME, T, A, TR, AUXT)                                                             \
    KS_INLINE A NAME##_block(const char *x, ptrdiff_t n, ptrdiff_t s, AUXT m)                      \
    {                                                                                              \
        (void)m;                                                                                   \
        if (n < 8) {                                                                               \
            A res = -0.0f;                                                                         \
            for (ptrdiff_t i = 0; i < n; i++) res += TR(AT(T, x, i, s), m);                        \
            return res;                                                                            \
        }                                                                                          \
        A r[8];                                                                                    \
        for (int j = 0; j < 8; j++) r[j] = TR(AT(T, x, j, s), m);                                  \
        ptrdiff_t i;                                                                               \
        for (i = 8; i < n - n % 8; i += 8)                                                         \
            for (int j = 0; j < 8; j++) r[j] += TR(AT(T, x, i + j, s), m);                         \
        A res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));                 \
        for (; i < n; i++) res += TR(AT(T, x, i, s), m);                                           \
        return res;                                                                                \
    }                                                                                              \
    KS_KERNEL static A NAME(const char *x, ptrdiff_t n, ptrdiff_t s, AUXT m)                       \
    {                                                                                              \
        if (n <= 128)                                                                              \
            return s == (ptrdiff_t)sizeof(T) ? NAME##_block(x, n, sizeof(T), m)                    \
                                             : NAME##_block(x, n, s, m);                           \
        ptrdiff_t h = n / 2;                                                                       \
        h -= h % 8;                                                                                \
        return NAME(x, h, s, m) + NAME(x + h * s, n - h, s, m);                                    \
    }

#define TR_ID(v, m) (v)
#define TR_SQ(v, m) (((v) - (m)) * ((v) - (m)))

/* The contiguous float64 block in vector registers: lane l of a is NumPy's r[l], of b r[4 + l],
 * so the additions are NumPy's, in its order (loaded straight into the vectors, not through
 * eight scalars, which stalls on the stack). */
#define PW_BLOCK_V(NAME, VTR, TR)                                                                  \
    KS_INLINE double NAME(const double *x, ptrdiff_t n, double m)                                  \
    {                                                                                              \
        const v4d mv = v4_splat(m);                                                                \
        (void)mv;                                                                                  \
        v4d a = VTR(v4_load(x), mv), b = VTR(v4_load(x + 4), mv);                                  \
        ptrdiff_t i;                                                                               \
        for (i = 8; i < n - n % 8; i += 8) {                                                       \
            a += VTR(v4_load(x + i), mv);                                                          \
            b += VTR(v4_load(x + i + 4), mv);                                                      \
        }                                                                                          \
        double res = ((a[0] + a[1]) + (a[2] + a[3])) + ((b[0] + b[1]) + (b[2] + b[3]));            \
        for (; i < n; i++) res += TR(x[i], m);                                                     \
        return res;                                                                                \
    }
#define VTR_ID(v, m) (v)
#define VTR_SQ(v, m) (((v) - (m)) * ((v) - (m)))
PW_BLOCK_V(pw_f64_block_v, VTR_ID, TR_ID)
PW_BLOCK_V(sq_f64_block_v, VTR_SQ, TR_SQ)

#define TR_NAN0(v, m) (ISNAN(v) ? 0 : (v))
#define TR_NANSQ(v, m) (ISNAN(v) ? 0 : TR_SQ(v, m))
#define TR_CSQ(v, m) (((v).re - (m).re) * ((v).re - (m).re) + ((v).im - (m).im) * ((v).im - (m).im))
/* nanvar's |x - m|^2 is NumPy's complex multiply (x - m) * conj(x - m): its real part, fused */
#define TR_CFSQ(d)                                                                                 \
    (sizeof((d).re) == 4 ? fmaf((d).re, (d).re, (d).im * (d).im)                                   \
                         : fma((d).re, (d).re, (d).im * (d).im))
#define TR_NANCSQ(v, m)                                                                            \
    (ISNAN((v).re) || ISNAN((v).im)                                                                \
         ? 0                                                                                       \
         : TR_CFSQ(((__typeof__(v)){(v).re - (m).re, (v).im - (m).im})))

/* NumPy's pairwise sums of float64 (of x, and of (x - m)^2), the contiguous blocks in vectors */
#define PW_F64(NAME, TR, VBLOCK)                                                                   \
    KS_KERNEL static double NAME(const char *x, ptrdiff_t n, ptrdiff_t s, double m)                \
    {                                                                                              \
        (void)m;                                                                                   \
        if (n < 8) {                                                                               \
            double res = -0.0;                                                                     \
            for (ptrdiff_t i = 0; i < n; i++) res += TR(AT(double, x, i, s), m);                   \
            return res;                                                                            \
        }                                                                                          \
        if (n <= 128) {                                                                            \
            if (s == (ptrdiff_t)sizeof(double)) return VBLOCK((const double *)x, n, m);            \
            double r[8];                                                                           \
            for (int j = 0; j < 8; j++) r[j] = TR(AT(double, x, j, s), m);                         \
            ptrdiff_t i;                                                                           \
            for (i = 8; i < n - n % 8; i += 8)                                                     \
                for (int j = 0; j < 8; j++) r[j] += TR(AT(double, x, i + j, s), m);                \
            double res = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));        \
            for (; i < n; i++) res += TR(AT(double, x, i, s), m);                                  \
            return res;                                                                            \
        }                                                                                          \
        ptrdiff_t h = n / 2;                                                                       \
        h -= h % 8;                                                                                \
        return NAME(x, h, s, m) + NAME(x + h * s, n - h, s, m);                                    \
    }
PW_F64(pw_f64, TR_ID, pw_f64_block_v)
PW_F64(sq_f64, TR_SQ, sq_f64_block_v)
PAIRWISE(pw_f32, float, float, TR_ID, int)
PAIRWISE(pwn_f64, double, double, TR_NAN0, int)
PAIRWISE(pwn_f32, float, float, TR_NAN0, int)
PAIRWISE(sq_f32, float, float, TR_SQ, float)
PAIRWISE(sqn_f64, double, double, TR_NANSQ, double)
PAIRWISE(sqn_f32, float, float, TR_NANSQ, float)
PAIRWISE(sq_c128, c128, double, TR_CSQ, c128)
PAIRWISE(sq_c64, c64, float, TR_CSQ, c64)
PAIRWISE(sqn_c128, c128, double, TR_NANCSQ, c128)
PAIRWISE(sqn_c64, c64, float, TR_NANCSQ, c64)

/* Complex: NumPy sums the interleaved parts as 2n floats, so its blocks hold 64 elements with
 * four accumulators per part, and halves split at a multiple of 4 elements. */
#define CPAIRWISE(NAME, T, F, NANSKIP)                                                             \
    static T NAME(const char *x, ptrdiff_t n, ptrdiff_t s)                                         \
    {                                                                                              \
        T res;                                                                                     \
        if (n < 4) {                                                                               \
            res.re = -0.0f, res.im = -0.0f;                                                        \
            for (ptrdiff_t i = 0; i < n; i++) {                                                    \
                T v = AT(T, x, i, s);                                                              \
                if (NANSKIP && (ISNAN(v.re) || ISNAN(v.im))) v.re = v.im = 0;                      \
                res.re += v.re, res.im += v.im;                                                    \
            }                                                                                      \
            return res;                                                                            \
        }                                                                                          \
        if (n <= 64) {                                                                             \
            F r[4], q[4];                                                                          \
            ptrdiff_t i;                                                                           \
            for (int j = 0; j < 4; j++) {                                                          \
                T v = AT(T, x, j, s);                                                              \
                if (NANSKIP && (ISNAN(v.re) || ISNAN(v.im))) v.re = v.im = 0;                      \
                r[j] = v.re, q[j] = v.im;                                                          \
            }                                                                                      \
            for (i = 4; i < n - n % 4; i += 4)                                                     \
                for (int j = 0; j < 4; j++) {                                                      \
                    T v = AT(T, x, i + j, s);                                                      \
                    if (NANSKIP && (ISNAN(v.re) || ISNAN(v.im))) v.re = v.im = 0;                  \
                    r[j] += v.re, q[j] += v.im;                                                    \
                }                                                                                  \
            res.re = (r[0] + r[1]) + (r[2] + r[3]);                                                \
            res.im = (q[0] + q[1]) + (q[2] + q[3]);                                                \
            for (; i < n; i++) {                                                                   \
                T v = AT(T, x, i, s);                                                              \
                if (NANSKIP && (ISNAN(v.re) || ISNAN(v.im))) v.re = v.im = 0;                      \
                res.re += v.re, res.im += v.im;                                                    \
            }                                                                                      \
            return res;                                                                            \
        }                                                                                          \
        ptrdiff_t h = n;                                                                           \
        h -= h % 8;                                                                                \
        h /= 2;                                                                                    \
        T a = NAME(x, h, s), b = NAME(x + h * s, n - h, s);                                        \
        res.re = a.re + b.re, res.im = a.im + b.im;                                                \
        return res;                                                                                \
    }
CPAIRWISE(cpw_c128, c128, double, 0)
CPAIRWISE(cpw_c64, c64, float, 0)
CPAIRWISE(cpwn_c128, c128, double, 1)
CPAIRWISE(cpwn_c64, c64, float, 1)

/* ---- kernels: inner (one line into one accumulator), outer (a row into a row) ---- */

/* Pairwise float sums: inner adds the line's pairwise sum; outer streams, as NumPy. */
#define K_FSUM(NAME, T, A, PW, TR, AUXT, AUXLOAD)                                                  \
    static void NAME##_in(char *acc, const char *aux, const char *x, ptrdiff_t n, ptrdiff_t s)     \
    {                                                                                              \
        (void)aux;                                                                                 \
        *(A *)acc += PW(x, n, s, AUXLOAD(aux, 0));                                                 \
    }                                                                                              \
    KS_KERNEL static void NAME##_out(char *acc, ptrdiff_t ai, const char *aux, const char *x,      \
                                     ptrdiff_t n, ptrdiff_t s)                                     \
    {                                                                                              \
        A *a = (A *)acc;                                                                           \
        (void)aux;                                                                                 \
        for (ptrdiff_t j = 0; j < n; j++) a[j * ai] += TR(AT(T, x, j, s), AUXLOAD(aux, j * ai));   \
    }                                                                                              \
    static void NAME##_comb(char *d, const char *s) { *(A *)d += *(const A *)s; }

#define NOAUX(aux, i) 0
#define AUX_F64(aux, i) (((const double *)(aux))[i])
#define AUX_F32(aux, i) (((const float *)(aux))[i])
#define AUX_C128(aux, i) (((const c128 *)(aux))[i])
#define AUX_C64(aux, i) (((const c64 *)(aux))[i])

K_FSUM(sum_f64, double, double, pw_f64, TR_ID, double, NOAUX)
K_FSUM(sum_f32, float, float, pw_f32, TR_ID, int, NOAUX)
K_FSUM(nsum_f64, double, double, pwn_f64, TR_NAN0, int, NOAUX)
K_FSUM(nsum_f32, float, float, pwn_f32, TR_NAN0, int, NOAUX)
K_FSUM(sqd_f64, double, double, sq_f64, TR_SQ, double, AUX_F64)
K_FSUM(sqd_f32, float, float, sq_f32, TR_SQ, float, AUX_F32)
K_FSUM(nsqd_f64, double, double, sqn_f64, TR_NANSQ, double, AUX_F64)
K_FSUM(nsqd_f32, float, float, sqn_f32, TR_NANSQ, float, AUX_F32)
K_FSUM(sqd_c128, c128, double, sq_c128, TR_CSQ, c128, AUX_C128)
K_FSUM(sqd_c64, c64, float, sq_c64, TR_CSQ, c64, AUX_C64)
K_FSUM(nsqd_c128, c128, double, sqn_c128, TR_NANCSQ, c128, AUX_C128)
K_FSUM(nsqd_c64, c64, float, sqn_c64, TR_NANCSQ, c64, AUX_C64)

#define K_CSUM(NAME, T, PW, NANSKIP)                                                               \
    static void NAME##_in(char *acc, const char *aux, const char *x, ptrdiff_t n, ptrdiff_t s)     \
    {                                                                                              \
        (void)aux;                                                                                 \
        T *a = (T *)acc, v = PW(x, n, s);                                                          \
        a->re += v.re, a->im += v.im;                                                              \
    }                                                                                              \
    static void NAME##_out(char *acc, ptrdiff_t ai, const char *aux, const char *x, ptrdiff_t n,   \
                           ptrdiff_t s)                                                            \
    {                                                                                              \
        (void)aux;                                                                                 \
        T *a = (T *)acc;                                                                           \
        for (ptrdiff_t j = 0; j < n; j++) {                                                        \
            T v = AT(T, x, j, s);                                                                  \
            if (NANSKIP && (ISNAN(v.re) || ISNAN(v.im))) continue;                                 \
            a[j * ai].re += v.re, a[j * ai].im += v.im;                                            \
        }                                                                                          \
    }                                                                                              \
    static void NAME##_comb(char *d, const char *s)                                                \
    {                                                                                              \
        ((T *)d)->re += ((const T *)s)->re, ((T *)d)->im += ((const T *)s)->im;                    \
    }
K_CSUM(sum_c128, c128, cpw_c128, 0)
K_CSUM(sum_c64, c64, cpw_c64, 0)
K_CSUM(nsum_c128, c128, cpwn_c128, 1)
K_CSUM(nsum_c64, c64, cpwn_c64, 1)

/* A sequential fold acc = OP(acc, x) (integer sums wrap, as NumPy, through unsigned types). */
#define K_FOLD3(NAME, T, A, OP, ROWOP, COMB)                                                       \
    static void NAME##_in(char *acc, const char *aux, const char *x, ptrdiff_t n, ptrdiff_t s)     \
    {                                                                                              \
        (void)aux;                                                                                 \
        A r = *(A *)acc;                                                                           \
        for (ptrdiff_t i = 0; i < n; i++) r = OP(r, AT(T, x, i, s));                               \
        *(A *)acc = r;                                                                             \
    }                                                                                              \
    static void NAME##_out(char *acc, ptrdiff_t ai, const char *aux, const char *x, ptrdiff_t n,   \
                           ptrdiff_t s)                                                            \
    {                                                                                              \
        (void)aux;                                                                                 \
        A *a = (A *)acc;                                                                           \
        for (ptrdiff_t j = 0; j < n; j++) a[j * ai] = ROWOP(a[j * ai], AT(T, x, j, s));            \
    }                                                                                              \
    static void NAME##_comb(char *d, const char *s) { *(A *)d = COMB(*(A *)d, *(const A *)s); }
#define K_FOLD2(NAME, T, A, OP, COMB) K_FOLD3(NAME, T, A, OP, OP, COMB)
#define K_FOLD(NAME, T, A, OP) K_FOLD3(NAME, T, A, OP, OP, OP)

#define OP_IADD(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define OP_IMUL(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define OP_UADD(a, b) ((a) + (b))
#define OP_MUL(a, b) ((a) * (b))
#define OP_NMUL(a, b) (ISNAN(b) ? (a) : (a) * (b))
#define OP_CNT(a, b) ((a) + ((b) != 0))
#define OP_NOTNAN(a, b) ((a) + !ISNAN(b))
#define OP_CNOTNAN(a, b) ((a) + !(ISNAN((b).re) || ISNAN((b).im)))

K_FOLD(sum_i64, int64_t, int64_t, OP_IADD)
K_FOLD(sum_u64, uint64_t, uint64_t, OP_UADD)
K_FOLD(prod_i64, int64_t, int64_t, OP_IMUL)
K_FOLD(prod_u64, uint64_t, uint64_t, OP_MUL)
K_FOLD(prod_f64, double, double, OP_MUL)
K_FOLD(prod_f32, float, float, OP_MUL)
K_FOLD(nprod_f64, double, double, OP_NMUL)
K_FOLD(nprod_f32, float, float, OP_NMUL)
K_FOLD2(count_b8, b8, int64_t, OP_CNT, OP_IADD)
K_FOLD2(notnan_f64, double, int64_t, OP_NOTNAN, OP_IADD)
K_FOLD2(notnan_f32, float, int64_t, OP_NOTNAN, OP_IADD)
K_FOLD2(notnan_c128, c128, int64_t, OP_CNOTNAN, OP_IADD)
K_FOLD2(notnan_c64, c64, int64_t, OP_CNOTNAN, OP_IADD)

/* Complex products: (a + bi)(c + di) as NumPy's reduce loop writes it; rows streamed into
 * accumulators go through NumPy's element-wise loop, which its x86-64 builds (AVX2, AVX-512)
 * compute with FMA: re = fma(a, c, -(b d)), im = fma(a, d, b c). */
static inline c128 cmul128(c128 a, c128 b)
{
    return (c128){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
static inline c64 cmul64(c64 a, c64 b)
{
    return (c64){a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re};
}
static inline c128 fmul128(c128 a, c128 b)
{
    return (c128){fma(a.re, b.re, -(a.im * b.im)), fma(a.re, b.im, a.im * b.re)};
}
static inline c64 fmul64(c64 a, c64 b)
{
    return (c64){fmaf(a.re, b.re, -(a.im * b.im)), fmaf(a.re, b.im, a.im * b.re)};
}
#define OP_FCMUL128(a, b) fmul128(a, b)
#define OP_FCMUL64(a, b) fmul64(a, b)
#define OP_NFCMUL128(a, b) (ISNAN((b).re) || ISNAN((b).im) ? (a) : fmul128(a, b))
#define OP_NFCMUL64(a, b) (ISNAN((b).re) || ISNAN((b).im) ? (a) : fmul64(a, b))
#define OP_CMUL128(a, b) cmul128(a, b)
#define OP_CMUL64(a, b) cmul64(a, b)
#define OP_NCMUL128(a, b) (ISNAN((b).re) || ISNAN((b).im) ? (a) : cmul128(a, b))
#define OP_NCMUL64(a, b) (ISNAN((b).re) || ISNAN((b).im) ? (a) : cmul64(a, b))
K_FOLD3(prod_c128, c128, c128, OP_CMUL128, OP_FCMUL128, OP_CMUL128)
K_FOLD3(prod_c64, c64, c64, OP_CMUL64, OP_FCMUL64, OP_CMUL64)
K_FOLD3(nprod_c128, c128, c128, OP_NCMUL128, OP_NFCMUL128, OP_CMUL128)
K_FOLD3(nprod_c64, c64, c64, OP_NCMUL64, OP_NFCMUL64, OP_CMUL64)

/* min / max: NaN wins (the first NaN met stays); the nan variants are fmin / fmax. */
#define OP_MIN(a, b) ((b) < (a) ? (b) : (a))
#define OP_MAX(a, b) ((b) > (a) ? (b) : (a))
#define OP_FMIN(a, b) (ISNAN(a) || (b) < (a) ? (b) : (a))
#define OP_FMAX(a, b) (ISNAN(a) || (b) > (a) ? (b) : (a))
#define OP_PMIN(a, b) (ISNAN(a) ? (a) : ISNAN(b) || (b) < (a) ? (b) : (a))
#define OP_PMAX(a, b) (ISNAN(a) ? (a) : ISNAN(b) || (b) > (a) ? (b) : (a))

#define K_MINMAX_INT(T, SFX)                                                                       \
    K_FOLD(min_##SFX, T, T, OP_MIN)                                                                \
    K_FOLD(max_##SFX, T, T, OP_MAX)
K_MINMAX_INT(b8, b8)
K_MINMAX_INT(int8_t, i8)
K_MINMAX_INT(int16_t, i16)
K_MINMAX_INT(int32_t, i32)
K_MINMAX_INT(int64_t, i64)
K_MINMAX_INT(uint8_t, u8)
K_MINMAX_INT(uint16_t, u16)
K_MINMAX_INT(uint32_t, u32)
K_MINMAX_INT(uint64_t, u64)

/* The float ones in vectors of 32 bytes, two at a time: running extrema started at the identity
 * (NaNs never enter them: a NaN v fails `v CMP m`, so m stays) and per lane whether a NaN was
 * seen (then the result is NaN, as NumPy's; the nan variants skip it). Lanes that all stayed
 * at the identity may have seen only NaNs: checked before the identity is folded in. */
#define K_MINMAX_F(NAME, T, IT, CMP, IDENT, NANSKIP)                                               \
    KS_KERNEL static void NAME##_in(char *acc, const char *aux, const char *x, ptrdiff_t n,        \
                                    ptrdiff_t s)                                                   \
    {                                                                                              \
        typedef T V __attribute__((vector_size(32)));                                              \
        typedef IT M __attribute__((vector_size(32)));                                             \
        enum { L = 32 / sizeof(T) };                                                               \
        (void)aux;                                                                                 \
        T r = *(T *)acc;                                                                           \
        if (!NANSKIP && ISNAN(r)) return;                                                          \
        if (s == (ptrdiff_t)sizeof(T)) {                                                           \
            const T *p = (const T *)x;                                                             \
            ptrdiff_t i = 0;                                                                       \
            if (n >= 2 * L) {                                                                      \
                V ma = (V){0} + (T)(IDENT), mb = ma, mc = ma, md = ma, a, b, c, d;                 \
                M na = {0}, nb = {0};                                                              \
                /* four vectors an iteration (the compare-select chain is latency-bound), folded   \
                   in pairs (c into a, d into b) before the two-vector tail */                     \
                if (n >= 4 * L) {                                                                  \
                    for (; i + 4 * L <= n; i += 4 * L) {                                           \
                        memcpy(&a, p + i, sizeof a);                                               \
                        memcpy(&b, p + i + L, sizeof b);                                           \
                        memcpy(&c, p + i + 2 * L, sizeof c);                                       \
                        memcpy(&d, p + i + 3 * L, sizeof d);                                       \
                        na |= (a != a) | (c != c);                                                 \
                        nb |= (b != b) | (d != d);                                                 \
                        const M ca = a CMP ma, cb = b CMP mb, cc = c CMP mc, cd = d CMP md;        \
                        ma = (V)(((M)a & ca) | ((M)ma & ~ca));                                     \
                        mb = (V)(((M)b & cb) | ((M)mb & ~cb));                                     \
                        mc = (V)(((M)c & cc) | ((M)mc & ~cc));                                     \
                        md = (V)(((M)d & cd) | ((M)md & ~cd));                                     \
                    }                                                                              \
                    const M ca = mc CMP ma, cb = md CMP mb;                                        \
                    ma = (V)(((M)mc & ca) | ((M)ma & ~ca));                                        \
                    mb = (V)(((M)md & cb) | ((M)mb & ~cb));                                        \
                }                                                                                  \
                for (; i + 2 * L <= n; i += 2 * L) {                                               \
                    memcpy(&a, p + i, sizeof a);                                                   \
                    memcpy(&b, p + i + L, sizeof b);                                               \
                    na |= a != a;                                                                  \
                    nb |= b != b;                                                                  \
                    const M ca = a CMP ma, cb = b CMP mb;                                          \
                    ma = (V)(((M)a & ca) | ((M)ma & ~ca));                                         \
                    mb = (V)(((M)b & cb) | ((M)mb & ~cb));                                         \
                }                                                                                  \
                bool anynan = false, ident = true;                                                 \
                for (int j = 0; j < L; j++)                                                        \
                    anynan |= (na[j] | nb[j]) != 0, ident &= ma[j] == (IDENT) && mb[j] == (IDENT); \
                if (anynan && !NANSKIP) {                                                          \
                    *(T *)acc = NAN;                                                               \
                    return;                                                                        \
                }                                                                                  \
                bool number = !ident || !anynan;                                                   \
                for (ptrdiff_t k = 0; !number && k < i; k++) number = !ISNAN(p[k]);                \
                for (int j = 0; number && j < 2 * L; j++) {                                        \
                    const T v = j < L ? ma[j] : mb[j - L];                                         \
                    if (ISNAN(r) || v CMP r) r = v;                                                \
                }                                                                                  \
            }                                                                                      \
            for (; i < n; i++) {                                                                   \
                const T v = p[i];                                                                  \
                if (ISNAN(v)) {                                                                    \
                    if (NANSKIP) continue;                                                         \
                    r = v;                                                                         \
                    break;                                                                         \
                }                                                                                  \
                if (ISNAN(r) || v CMP r) r = v;                                                    \
            }                                                                                      \
        } else {                                                                                   \
            for (ptrdiff_t i = 0; i < n; i++) {                                                    \
                const T v = AT(T, x, i, s);                                                        \
                if (ISNAN(v)) {                                                                    \
                    if (NANSKIP) continue;                                                         \
                    r = v;                                                                         \
                    break;                                                                         \
                }                                                                                  \
                if (ISNAN(r) || v CMP r) r = v;                                                    \
            }                                                                                      \
        }                                                                                          \
        *(T *)acc = r;                                                                             \
    }                                                                                              \
    static void NAME##_out(char *acc, ptrdiff_t ai, const char *aux, const char *x, ptrdiff_t n,   \
                           ptrdiff_t s)                                                            \
    {                                                                                              \
        T *a = (T *)acc;                                                                           \
        (void)aux;                                                                                 \
        for (ptrdiff_t j = 0; j < n; j++) {                                                        \
            const T v = AT(T, x, j, s), r = a[j * ai];                                             \
            if (NANSKIP ? !ISNAN(v) && (ISNAN(r) || v CMP r) : !ISNAN(r) && (ISNAN(v) || v CMP r)) \
                a[j * ai] = v;                                                                     \
        }                                                                                          \
    }                                                                                              \
    static void NAME##_comb(char *d, const char *s) { NAME##_in(d, NULL, s, 1, sizeof(T)); }

K_MINMAX_F(min_f64, double, int64_t, <, INFINITY, 0)
K_MINMAX_F(max_f64, double, int64_t, >, -INFINITY, 0)
K_MINMAX_F(min_f32, float, int32_t, <, INFINITY, 0)
K_MINMAX_F(max_f32, float, int32_t, >, -INFINITY, 0)
K_MINMAX_F(nmin_f64, double, int64_t, <, INFINITY, 1)
K_MINMAX_F(nmax_f64, double, int64_t, >, -INFINITY, 1)
K_MINMAX_F(nmin_f32, float, int32_t, <, INFINITY, 1)
K_MINMAX_F(nmax_f32, float, int32_t, >, -INFINITY, 1)

/* Complex: lexicographic order; a NaN part propagates (nan variants skip it). */
#define CNAN(v) (ISNAN((v).re) || ISNAN((v).im))
#define CLT(a, b) ((a).re < (b).re || ((a).re == (b).re && (a).im < (b).im))
#define OP_CMIN(a, b) (CNAN(a) ? (a) : CNAN(b) || CLT(b, a) ? (b) : (a))
#define OP_CMAX(a, b) (CNAN(a) ? (a) : CNAN(b) || CLT(a, b) ? (b) : (a))
/* fmin: a NaN never replaces a number; an accumulator still at its start (NaN, NaN) takes the
 * first element even when it is NaN, so an all-NaN slice gives its first element, as NumPy's */
#define CEMPTY(a) (ISNAN((a).re) && ISNAN((a).im))
#define OP_CFMIN(a, b) (CNAN(b) ? (CEMPTY(a) ? (b) : (a)) : CNAN(a) || CLT(b, a) ? (b) : (a))
#define OP_CFMAX(a, b) (CNAN(b) ? (CEMPTY(a) ? (b) : (a)) : CNAN(a) || CLT(a, b) ? (b) : (a))
K_FOLD(min_c128, c128, c128, OP_CMIN)
K_FOLD(max_c128, c128, c128, OP_CMAX)
K_FOLD(min_c64, c64, c64, OP_CMIN)
K_FOLD(max_c64, c64, c64, OP_CMAX)
K_FOLD(nmin_c128, c128, c128, OP_CFMIN)
K_FOLD(nmax_c128, c128, c128, OP_CFMAX)
K_FOLD(nmin_c64, c64, c64, OP_CFMIN)
K_FOLD(nmax_c64, c64, c64, OP_CFMAX)

/* ---- the table ---- */

#define KD(NAME, IN, ACC, PW, OP, NAN)                                                             \
    {                                                                                              \
        NAME##_in, NAME##_out, NAME##_comb, IN, ACC, PW, OP, NAN                                   \
    }

static const ks__red_kernel k_sum[] = {
    KD(sum_i64, KS_INT64, KS_INT64, false, KS__K_SUM, false),
    KD(sum_u64, KS_UINT64, KS_UINT64, false, KS__K_SUM, false),
    KD(sum_f32, KS_FLOAT32, KS_FLOAT32, true, KS__K_SUM, false),
    KD(sum_f64, KS_FLOAT64, KS_FLOAT64, true, KS__K_SUM, false),
    KD(sum_c64, KS_COMPLEX64, KS_COMPLEX64, true, KS__K_SUM, false),
    KD(sum_c128, KS_COMPLEX128, KS_COMPLEX128, true, KS__K_SUM, false),
};
static const ks__red_kernel k_nsum[] = {
    KD(nsum_f32, KS_FLOAT32, KS_FLOAT32, true, KS__K_SUM, true),
    KD(nsum_f64, KS_FLOAT64, KS_FLOAT64, true, KS__K_SUM, true),
    KD(nsum_c64, KS_COMPLEX64, KS_COMPLEX64, true, KS__K_SUM, true),
    KD(nsum_c128, KS_COMPLEX128, KS_COMPLEX128, true, KS__K_SUM, true),
};
static const ks__red_kernel k_prod[] = {
    KD(prod_i64, KS_INT64, KS_INT64, false, KS__K_PROD, false),
    KD(prod_u64, KS_UINT64, KS_UINT64, false, KS__K_PROD, false),
    KD(prod_f32, KS_FLOAT32, KS_FLOAT32, false, KS__K_PROD, false),
    KD(prod_f64, KS_FLOAT64, KS_FLOAT64, false, KS__K_PROD, false),
    KD(prod_c64, KS_COMPLEX64, KS_COMPLEX64, false, KS__K_PROD, false),
    KD(prod_c128, KS_COMPLEX128, KS_COMPLEX128, false, KS__K_PROD, false),
};
static const ks__red_kernel k_nprod[] = {
    KD(nprod_f32, KS_FLOAT32, KS_FLOAT32, false, KS__K_PROD, true),
    KD(nprod_f64, KS_FLOAT64, KS_FLOAT64, false, KS__K_PROD, true),
    KD(nprod_c64, KS_COMPLEX64, KS_COMPLEX64, false, KS__K_PROD, true),
    KD(nprod_c128, KS_COMPLEX128, KS_COMPLEX128, false, KS__K_PROD, true),
};
static const ks__red_kernel k_sq[] = {
    KD(sqd_f32, KS_FLOAT32, KS_FLOAT32, true, KS__K_SQDEV, false),
    KD(sqd_f64, KS_FLOAT64, KS_FLOAT64, true, KS__K_SQDEV, false),
    KD(sqd_c64, KS_COMPLEX64, KS_FLOAT32, true, KS__K_SQDEV, false),
    KD(sqd_c128, KS_COMPLEX128, KS_FLOAT64, true, KS__K_SQDEV, false),
};
static const ks__red_kernel k_nsq[] = {
    KD(nsqd_f32, KS_FLOAT32, KS_FLOAT32, true, KS__K_SQDEV, true),
    KD(nsqd_f64, KS_FLOAT64, KS_FLOAT64, true, KS__K_SQDEV, true),
    KD(nsqd_c64, KS_COMPLEX64, KS_FLOAT32, true, KS__K_SQDEV, true),
    KD(nsqd_c128, KS_COMPLEX128, KS_FLOAT64, true, KS__K_SQDEV, true),
};
#define MM(OP, SFX, T, K, NAN) KD(OP##_##SFX, T, T, false, K, NAN)
static const ks__red_kernel k_min[] = {
    MM(min, b8, KS_BOOL, KS__K_MIN, false),         MM(min, i8, KS_INT8, KS__K_MIN, false),
    MM(min, i16, KS_INT16, KS__K_MIN, false),       MM(min, i32, KS_INT32, KS__K_MIN, false),
    MM(min, i64, KS_INT64, KS__K_MIN, false),       MM(min, u8, KS_UINT8, KS__K_MIN, false),
    MM(min, u16, KS_UINT16, KS__K_MIN, false),      MM(min, u32, KS_UINT32, KS__K_MIN, false),
    MM(min, u64, KS_UINT64, KS__K_MIN, false),      MM(min, f32, KS_FLOAT32, KS__K_MIN, false),
    MM(min, f64, KS_FLOAT64, KS__K_MIN, false),     MM(min, c64, KS_COMPLEX64, KS__K_MIN, false),
    MM(min, c128, KS_COMPLEX128, KS__K_MIN, false),
};
static const ks__red_kernel k_max[] = {
    MM(max, b8, KS_BOOL, KS__K_MAX, false),         MM(max, i8, KS_INT8, KS__K_MAX, false),
    MM(max, i16, KS_INT16, KS__K_MAX, false),       MM(max, i32, KS_INT32, KS__K_MAX, false),
    MM(max, i64, KS_INT64, KS__K_MAX, false),       MM(max, u8, KS_UINT8, KS__K_MAX, false),
    MM(max, u16, KS_UINT16, KS__K_MAX, false),      MM(max, u32, KS_UINT32, KS__K_MAX, false),
    MM(max, u64, KS_UINT64, KS__K_MAX, false),      MM(max, f32, KS_FLOAT32, KS__K_MAX, false),
    MM(max, f64, KS_FLOAT64, KS__K_MAX, false),     MM(max, c64, KS_COMPLEX64, KS__K_MAX, false),
    MM(max, c128, KS_COMPLEX128, KS__K_MAX, false),
};
static const ks__red_kernel k_nmin[] = {
    MM(nmin, f32, KS_FLOAT32, KS__K_MIN, true),
    MM(nmin, f64, KS_FLOAT64, KS__K_MIN, true),
    MM(nmin, c64, KS_COMPLEX64, KS__K_MIN, true),
    MM(nmin, c128, KS_COMPLEX128, KS__K_MIN, true),
};
static const ks__red_kernel k_nmax[] = {
    MM(nmax, f32, KS_FLOAT32, KS__K_MAX, true),
    MM(nmax, f64, KS_FLOAT64, KS__K_MAX, true),
    MM(nmax, c64, KS_COMPLEX64, KS__K_MAX, true),
    MM(nmax, c128, KS_COMPLEX128, KS__K_MAX, true),
};
static const ks__red_kernel k_count[] = {
    KD(count_b8, KS_BOOL, KS_INT64, false, KS__K_COUNT, false)};
static const ks__red_kernel k_notnan[] = {
    KD(notnan_f32, KS_FLOAT32, KS_INT64, false, KS__K_NOTNAN, false),
    KD(notnan_f64, KS_FLOAT64, KS_INT64, false, KS__K_NOTNAN, false),
    KD(notnan_c64, KS_COMPLEX64, KS_INT64, false, KS__K_NOTNAN, false),
    KD(notnan_c128, KS_COMPLEX128, KS_INT64, false, KS__K_NOTNAN, false),
};

static const ks__red_kernel *find(const ks__red_kernel *t, size_t n, ks_dtype in)
{
    for (size_t i = 0; i < n; i++)
        if (t[i].in == in) return &t[i];
    return NULL;
}
#define FIND(t) find(t, sizeof t / sizeof *t, in)

const ks__red_kernel *ks__red_kernel_get(ks__kop op, ks_dtype in, bool nan_skip)
{
    const bool fl = ks__dtypes[in].kind == 'f' || ks__dtypes[in].kind == 'c';
    nan_skip = nan_skip && fl;
    switch (op) {
    case KS__K_SUM: return nan_skip ? FIND(k_nsum) : FIND(k_sum);
    case KS__K_PROD: return nan_skip ? FIND(k_nprod) : FIND(k_prod);
    case KS__K_SQDEV: return nan_skip ? FIND(k_nsq) : FIND(k_sq);
    case KS__K_MIN: return nan_skip ? FIND(k_nmin) : FIND(k_min);
    case KS__K_MAX: return nan_skip ? FIND(k_nmax) : FIND(k_max);
    case KS__K_COUNT: return FIND(k_count);
    case KS__K_NOTNAN: return FIND(k_notnan);
    default: return NULL;
    }
}

/* ---- starting values ---- */

#define FILL(T, v)                                                                                 \
    do {                                                                                           \
        for (ptrdiff_t i = 0; i < n; i++) ((T *)p)[i] = (v);                                       \
    } while (0)

void ks__red_init(ks__kop op, bool nan_skip, ks_dtype acc, char *p, ptrdiff_t n)
{
    const size_t es = ks__dtypes[acc].size;
    if (op == KS__K_SUM || op == KS__K_SQDEV || op == KS__K_COUNT || op == KS__K_NOTNAN) {
        memset(p, 0, (size_t)n * es); /* +0.0: NumPy's sum of [-0.0] is 0.0 */
        return;
    }
    if (op == KS__K_PROD) {
        switch (acc) {
        case KS_INT64: FILL(int64_t, 1); break;
        case KS_UINT64: FILL(uint64_t, 1); break;
        case KS_FLOAT32: FILL(float, 1.0f); break;
        case KS_FLOAT64: FILL(double, 1.0); break;
        case KS_COMPLEX64: FILL(c64, ((c64){1.0f, 0.0f})); break;
        default: FILL(c128, ((c128){1.0, 0.0})); break;
        }
        return;
    }
    const bool mn = op == KS__K_MIN;
    switch (acc) {
    case KS_BOOL: FILL(b8, mn ? 1 : 0); break;
    case KS_INT8: FILL(int8_t, mn ? INT8_MAX : INT8_MIN); break;
    case KS_INT16: FILL(int16_t, mn ? INT16_MAX : INT16_MIN); break;
    case KS_INT32: FILL(int32_t, mn ? INT32_MAX : INT32_MIN); break;
    case KS_INT64: FILL(int64_t, mn ? INT64_MAX : INT64_MIN); break;
    case KS_UINT8: FILL(uint8_t, mn ? UINT8_MAX : 0); break;
    case KS_UINT16: FILL(uint16_t, mn ? UINT16_MAX : 0); break;
    case KS_UINT32: FILL(uint32_t, mn ? UINT32_MAX : 0); break;
    case KS_UINT64: FILL(uint64_t, mn ? UINT64_MAX : 0); break;
    case KS_FLOAT32: FILL(float, nan_skip ? NAN : mn ? INFINITY : -INFINITY); break;
    case KS_FLOAT64: FILL(double, nan_skip ? NAN : mn ? INFINITY : -INFINITY); break;
    case KS_COMPLEX64: {
        const float v = nan_skip ? NAN : mn ? INFINITY : -INFINITY;
        FILL(c64, ((c64){v, v}));
        break;
    }
    default: {
        const double v = nan_skip ? NAN : mn ? INFINITY : -INFINITY;
        FILL(c128, ((c128){v, v}));
        break;
    }
    }
}

ks_dtype ks__sum_dtype(ks_dtype t)
{
    switch (ks__dtypes[t].kind) {
    case 'b':
    case 'i': return KS_INT64;
    case 'u': return KS_UINT64;
    default: return t;
    }
}
