/* ufunc_loops_cmp.c — the loops whose output is bool or whose operands are bits: comparisons
 * (complex ones lexicographic, as NumPy), logical_and/or/xor/not on every dtype (a value is true
 * when nonzero; NaN is true), isnan, isinf, isfinite, signbit, and the bitwise functions and
 * shifts on bool and integers (a shift by the width or more, or by a negative count, gives 0, or
 * -1 for a negative value shifted right, as NumPy). */
#include <string.h>

#include "array/ufunc_loops.h"

#define CMP(f, ti, OP) KS__BINARY(KS_KERNEL, f, ti, uint8_t, OP)
#define TEST(f, ti, OP) KS__UNARY(KS_KERNEL, f, ti, uint8_t, OP)
#define BIN_K(f, ti, OP) KS__BINARY(KS_KERNEL, f, ti, KS__T_##ti, OP)
#define UN_K(f, ti, OP) KS__UNARY(KS_KERNEL, f, ti, KS__T_##ti, OP)

/* The real dtypes (bool read as 0 or 1). */
#define EACH_REAL(M, f, OP) M(f, b, OP) KS__EACH_INT(M, f, OP) KS__EACH_FLOAT(M, f, OP)
#define EACH_CPLX(M, f, OP) M(f, c64, OP) M(f, c128, OP)
#define EACH(M, f, OP) EACH_REAL(M, f, OP) EACH_CPLX(M, f, OP)

/* ---- comparisons ---- */

/* A bool operand is compared as 0 or 1 whatever its byte holds. */
#define EQ(a, b) ((uint8_t)((a) == (b)))
#define NE(a, b) ((uint8_t)((a) != (b)))
#define LT(a, b) ((uint8_t)((a) < (b)))
#define LE(a, b) ((uint8_t)((a) <= (b)))
#define GT(a, b) ((uint8_t)((a) > (b)))
#define GE(a, b) ((uint8_t)((a) >= (b)))
#define B_EQ(a, b) ((uint8_t)(((a) != 0) == ((b) != 0)))
#define B_NE(a, b) ((uint8_t)(((a) != 0) != ((b) != 0)))
#define B_LT(a, b) ((uint8_t)(((a) != 0) < ((b) != 0)))
#define B_LE(a, b) ((uint8_t)(((a) != 0) <= ((b) != 0)))
#define B_GT(a, b) ((uint8_t)(((a) != 0) > ((b) != 0)))
#define B_GE(a, b) ((uint8_t)(((a) != 0) >= ((b) != 0)))

/* float64 against float64, either one a scalar or both contiguous: 16 elements at a time in
 * AVX2, the four vectors of masks packed into 16 bool bytes (NumPy's loops pack too; the
 * compiler's loop took 1.5x NumPy's time). The predicates are C's: ordered, != unordered. */
#if defined(__GNUC__) && defined(__x86_64__) && !defined(__clang__)
#include <immintrin.h>
#define CMP_AVX2 __attribute__((target("avx2")))
CMP_AVX2 static inline __m128i pack16(__m256d m0, __m256d m1, __m256d m2, __m256d m3)
{
    /* 64-bit masks -> 16-bit words (each twice) -> bytes (each twice); per 128-bit lane the
       low bytes of every pair: lane 0 holds elements 0 1 4 5 8 9 12 13, lane 1 2 3 6 7 10 11
       14 15, interleaved by pairs */
    const __m256i a = _mm256_packs_epi32(_mm256_castpd_si256(m0), _mm256_castpd_si256(m1));
    const __m256i b = _mm256_packs_epi32(_mm256_castpd_si256(m2), _mm256_castpd_si256(m3));
    const __m256i c = _mm256_shuffle_epi8(_mm256_packs_epi16(a, b),
                                          _mm256_setr_epi8(0, 2, 4, 6, 8, 10, 12, 14, -1, -1, -1,
                                                           -1, -1, -1, -1, -1, 0, 2, 4, 6, 8, 10,
                                                           12, 14, -1, -1, -1, -1, -1, -1, -1, -1));
    const __m128i r = _mm_unpacklo_epi16(_mm256_castsi256_si128(c), _mm256_extracti128_si256(c, 1));
    return _mm_and_si128(r, _mm_set1_epi8(1));
}
/* o[i] = a[i] PRED b[i] for i < n rounded down to 16 (SA, SB: 1 contiguous, 0 a scalar; one
 * function per case, so that the loop has no test) */
#define CMP16_CASE(name, PRED, SA, SB)                                                             \
    CMP_AVX2 static ptrdiff_t name(const double *a, const double *b, uint8_t *o, ptrdiff_t n)      \
    {                                                                                              \
        ptrdiff_t i = 0;                                                                           \
        double a0, b0; /* (the operands may sit at any byte offset) */                             \
        memcpy(&a0, a, sizeof a0);                                                                 \
        memcpy(&b0, b, sizeof b0);                                                                 \
        const __m256d xa = _mm256_set1_pd(a0), xb = _mm256_set1_pd(b0);                            \
        for (; i + 16 <= n; i += 16) {                                                             \
            __m256d m[4];                                                                          \
            for (int k = 0; k < 4; k++)                                                            \
                m[k] = _mm256_cmp_pd(SA ? _mm256_loadu_pd(a + i + 4 * k) : xa,                     \
                                     SB ? _mm256_loadu_pd(b + i + 4 * k) : xb, PRED);              \
            _mm_storeu_si128((__m128i *)(void *)(o + i), pack16(m[0], m[1], m[2], m[3]));          \
        }                                                                                          \
        return i;                                                                                  \
    }
#define CMP16(name, PRED)                                                                          \
    CMP16_CASE(name##_vv, PRED, 1, 1)                                                              \
    CMP16_CASE(name##_vs, PRED, 1, 0)                                                              \
    CMP16_CASE(name##_sv, PRED, 0, 1)                                                              \
    static ptrdiff_t name(const char *a, ptrdiff_t sa, const char *b, ptrdiff_t sb, uint8_t *o,    \
                          ptrdiff_t n)                                                             \
    {                                                                                              \
        const double *x = (const double *)(const void *)a, *y = (const double *)(const void *)b;   \
        return sa && sb ? name##_vv(x, y, o, n)                                                    \
               : sa     ? name##_vs(x, y, o, n)                                                    \
                        : name##_sv(x, y, o, n);                                                       \
    }
CMP16(eq16, _CMP_EQ_OQ)
CMP16(ne16, _CMP_NEQ_UQ)
CMP16(lt16, _CMP_LT_OQ)
CMP16(le16, _CMP_LE_OQ)
CMP16(gt16, _CMP_GT_OQ)
CMP16(ge16, _CMP_GE_OQ)
#define CMP16_RUN(fast)                                                                            \
    if (n >= 16 && so == 1 && (sa == 8 || sa == 0) && (sb == 8 || sb == 0) && (sa || sb) &&        \
        __builtin_cpu_supports("avx2"))                                                            \
        done = fast(pa, sa, pb, sb, (uint8_t *)po, n);
#else
#define CMP16_RUN(fast)
#endif
/* the fast loop, then the rest element by element */
#define CMP_F64(f, fast, OP)                                                                       \
    void KS__LOOP_NAME(f, f64)(KS__LOOP_ARGS)                                                      \
    {                                                                                              \
        (void)aux;                                                                                 \
        const char *pa = args[0], *pb = args[1];                                                   \
        char *po = args[2];                                                                        \
        const ptrdiff_t sa = steps[0], sb = steps[1], so = steps[2];                               \
        ptrdiff_t done = 0;                                                                        \
        CMP16_RUN(fast)                                                                            \
        if (sa == 8 && sb == 8 && so == 1) { /* (without AVX2: a loop the compiler vectorises) */  \
            const double *a = (const double *)(const void *)pa,                                    \
                         *b = (const double *)(const void *)pb;                                    \
            for (ptrdiff_t i = done; i < n; i++) ((uint8_t *)po)[i] = OP(a[i], b[i]);              \
            return;                                                                                \
        }                                                                                          \
        for (ptrdiff_t i = done; i < n; i++)                                                       \
            *(uint8_t *)(po + i * so) = OP(*(const double *)(const void *)(pa + i * sa),           \
                                           *(const double *)(const void *)(pb + i * sb));          \
    }
CMP_F64(equal, eq16, EQ)
CMP_F64(not_equal, ne16, NE)
CMP_F64(less, lt16, LT)
CMP_F64(less_equal, le16, LE)
CMP_F64(greater, gt16, GT)
CMP_F64(greater_equal, ge16, GE)

#define EACH_NUM(M, f, OP) KS__EACH_INT(M, f, OP) M(f, f32, OP)
CMP(equal, b, B_EQ)
CMP(not_equal, b, B_NE)
CMP(less, b, B_LT)
CMP(less_equal, b, B_LE)
CMP(greater, b, B_GT)
CMP(greater_equal, b, B_GE)
EACH_NUM(CMP, equal, EQ)
EACH_NUM(CMP, not_equal, NE)
EACH_NUM(CMP, less, LT)
EACH_NUM(CMP, less_equal, LE)
EACH_NUM(CMP, greater, GT)
EACH_NUM(CMP, greater_equal, GE)

/* Complex: by the real parts, then the imaginary parts; a strict order on the real parts counts
 * only when neither imaginary part is NaN (NumPy's rule). */
#define RE(z) __real__(z)
#define IM(z) __imag__(z)
#define C_ORD(a, b, strict, weak)                                                                  \
    ((uint8_t)((RE(a) strict RE(b) && IM(a) == IM(a) && IM(b) == IM(b)) ||                         \
               (RE(a) == RE(b) && IM(a) weak IM(b))))
#define C_EQ(a, b) ((uint8_t)(RE(a) == RE(b) && IM(a) == IM(b)))
#define C_NE(a, b) ((uint8_t)(RE(a) != RE(b) || IM(a) != IM(b)))
#define C_LT(a, b) C_ORD(a, b, <, <)
#define C_GT(a, b) C_ORD(a, b, >, >)
#define C_LE(a, b) C_ORD(a, b, <, <=)
#define C_GE(a, b) C_ORD(a, b, >, >=)
EACH_CPLX(CMP, equal, C_EQ)
EACH_CPLX(CMP, not_equal, C_NE)
EACH_CPLX(CMP, less, C_LT)
EACH_CPLX(CMP, less_equal, C_LE)
EACH_CPLX(CMP, greater, C_GT)
EACH_CPLX(CMP, greater_equal, C_GE)

/* ---- logical functions: any dtype to bool ---- */

#define L_AND(a, b) ((uint8_t)(((a) != 0) & ((b) != 0)))
#define L_OR(a, b) ((uint8_t)(((a) != 0) | ((b) != 0)))
#define L_XOR(a, b) ((uint8_t)(((a) != 0) ^ ((b) != 0)))
#define L_NOT(a) ((uint8_t)((a) == 0))
EACH(CMP, logical_and, L_AND)
EACH(CMP, logical_or, L_OR)
EACH(CMP, logical_xor, L_XOR)
EACH(TEST, logical_not, L_NOT)

/* ---- isnan, isinf, isfinite, signbit ---- */

#define FALSE_(a) ((void)(a), (uint8_t)0)
#define TRUE_(a) ((void)(a), (uint8_t)1)
#define F_ISNAN(a) ((uint8_t)((a) != (a)))
#define F_ISINF(a) ((uint8_t)(isinf(a) != 0))
#define F_ISFINITE(a) ((uint8_t)(isfinite(a) != 0))
#define C_ISNAN(a) ((uint8_t)(RE(a) != RE(a) || IM(a) != IM(a)))
#define C_ISINF(a) ((uint8_t)(isinf(RE(a)) || isinf(IM(a))))
#define C_ISFINITE(a) ((uint8_t)(isfinite(RE(a)) && isfinite(IM(a))))
/* the sign bit read directly, so that the compiler vectorises it */
KS_INLINE uint8_t signbit_f32(float a)
{
    uint32_t u;
    memcpy(&u, &a, sizeof u);
    return (uint8_t)(u >> 31);
}
KS_INLINE uint8_t signbit_f64(double a)
{
    uint64_t u;
    memcpy(&u, &a, sizeof u);
    return (uint8_t)(u >> 63);
}

TEST(isnan, b, FALSE_)
TEST(isinf, b, FALSE_)
TEST(isfinite, b, TRUE_)
KS__EACH_INT(TEST, isnan, FALSE_)
KS__EACH_INT(TEST, isinf, FALSE_)
KS__EACH_INT(TEST, isfinite, TRUE_)
KS__EACH_FLOAT(TEST, isnan, F_ISNAN)
KS__EACH_FLOAT(TEST, isinf, F_ISINF)
KS__EACH_FLOAT(TEST, isfinite, F_ISFINITE)
EACH_CPLX(TEST, isnan, C_ISNAN)
EACH_CPLX(TEST, isinf, C_ISINF)
EACH_CPLX(TEST, isfinite, C_ISFINITE)
TEST(signbit, f32, signbit_f32)
TEST(signbit, f64, signbit_f64)

/* ---- bitwise functions and shifts ---- */

#define I_AND(a, b) ((TI)((a) & (b)))
#define I_OR(a, b) ((TI)((a) | (b)))
#define I_XOR(a, b) ((TI)((a) ^ (b)))
#define I_INV(a) ((TI) ~(UI)(a))
#define BITS ((UI)(sizeof(TI) * 8))
/* The count as unsigned: a negative one is then as large as NumPy's size_t cast makes it. Written
 * without branches (a mask; a right shift clamped to width - 1, which fills with the sign) so
 * that the compiler vectorises them. */
#define I_LSHIFT(a, b) ((TI)(((UI)(a) << ((UI)(b) & (BITS - 1))) & (0u - (UI)((UI)(b) < BITS))))
#define S_RSHIFT(a, b) ((TI)((a) >> ((UI)(b) < BITS ? (UI)(b) : BITS - 1)))
#define U_RSHIFT(a, b) ((TI)(((a) >> ((UI)(b) & (BITS - 1))) & (0u - (UI)((UI)(b) < BITS))))

BIN_K(bitwise_and, b, L_AND)
BIN_K(bitwise_or, b, L_OR)
BIN_K(bitwise_xor, b, L_XOR)
UN_K(invert, b, L_NOT)
KS__EACH_INT(BIN_K, bitwise_and, I_AND)
KS__EACH_INT(BIN_K, bitwise_or, I_OR)
KS__EACH_INT(BIN_K, bitwise_xor, I_XOR)
KS__EACH_INT(UN_K, invert, I_INV)
KS__EACH_INT(BIN_K, left_shift, I_LSHIFT)
KS__EACH_SINT(BIN_K, right_shift, S_RSHIFT)
KS__EACH_UINT(BIN_K, right_shift, U_RSHIFT)
