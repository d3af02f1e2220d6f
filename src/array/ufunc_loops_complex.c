/* ufunc_loops_complex.c — the complex64 and complex128 loops of the arithmetic and
 * transcendental ufuncs, as NumPy computes them: multiply by the textbook formula (no C99
 * Annex G rescue of infinities), divide by Smith's algorithm, power by repeated multiplication
 * for integer exponents below 100 in magnitude, absolute = hypot, sign = z / |z| (NumPy 2),
 * maximum / minimum in lexicographic order with NaN propagating, the elementary functions from
 * C99 <complex.h> (NumPy's branch cuts) and exp2, log2, log10, expm1, log1p from them. Where
 * NumPy's x86 vector loops round differently from its scalar code (multiply and square with
 * fused multiply-adds, absolute by a scaled square root), the vector loops' values are taken, on
 * every path. */
#include "array/ufunc_loops.h"

#define RE(z) __real__(z)
#define IM(z) __imag__(z)

/* The loops built on fma: a clone with the FMA instruction (elsewhere libm's fma, the same
 * values, slower). */
#define FMA_KERNEL                                                                                 \
    __attribute__((target_clones("arch=x86-64-v3", "default"), optimize("fp-contract=off")))
#define BIN_S(f, ti, OP) KS__BINARY(, f, ti, KS__T_##ti, OP)
#define BIN_F(f, ti, OP) KS__BINARY(FMA_KERNEL, f, ti, KS__T_##ti, OP)
#define UN_F(f, ti, OP) KS__UNARY(FMA_KERNEL, f, ti, KS__T_##ti, OP)
#define UN_S(f, ti, OP) KS__UNARY(, f, ti, KS__T_##ti, OP)
#define EACH(M, f, OP) M(f, c64, OP##_c64) M(f, c128, OP##_c128)

/* The helpers for one complex type C with parts T; S is libm's suffix (f or none), MK builds a
 * value from its parts. */
#define COMPLEX_HELPERS(C, T, S, MK, sfx)                                                          \
    static inline C add_##sfx(C a, C b) { return MK(RE(a) + RE(b), IM(a) + IM(b)); }               \
    static inline C sub_##sfx(C a, C b) { return MK(RE(a) - RE(b), IM(a) - IM(b)); }               \
    /* NumPy's vector loops (AVX2, AVX-512) form both parts with one fused multiply-add */         \
    KS_INLINE C mul_##sfx(C a, C b)                                                                \
    {                                                                                              \
        return MK(fma##S(RE(a), RE(b), -(IM(a) * IM(b))), fma##S(RE(a), IM(b), IM(a) * RE(b)));    \
    }                                                                                              \
    /* Smith: scale by the larger part of b; b == 0 gives a / |0| part by part (inf or NaN) */     \
    static inline C div_##sfx(C a, C b)                                                            \
    {                                                                                              \
        const T br = RE(b), bi = IM(b), abr = fabs##S(br), abi = fabs##S(bi);                      \
        if (abr >= abi) {                                                                          \
            if (abr == 0 && abi == 0) return MK(RE(a) / abr, IM(a) / abr);                         \
            const T rat = bi / br, scl = (T)1.0 / (br + bi * rat);                                 \
            return MK((RE(a) + IM(a) * rat) * scl, (IM(a) - RE(a) * rat) * scl);                   \
        }                                                                                          \
        const T rat = br / bi, scl = (T)1.0 / (bi + br * rat);                                     \
        return MK((RE(a) * rat + IM(a)) * scl, (IM(a) * rat - RE(a)) * scl);                       \
    }                                                                                              \
    /* the textbook product, as NumPy's scalar code (power) forms it */                            \
    static inline C mul_plain_##sfx(C a, C b)                                                      \
    {                                                                                              \
        return MK(RE(a) * RE(b) - IM(a) * IM(b), RE(a) * IM(b) + IM(a) * RE(b));                   \
    }                                                                                              \
    /* integer exponents |n| < 100 by squaring (n = 1, 2, 3 by plain products); 0 ** z is 0 when   \
     * z's real part is positive, NaN otherwise */                                                 \
    static inline C pow_##sfx(C a, C b)                                                            \
    {                                                                                              \
        const T br = RE(b), bi = IM(b);                                                            \
        if (br == 0 && bi == 0) return MK(1, 0);                                                   \
        if (RE(a) == 0 && IM(a) == 0) return br > 0 ? MK(0, 0) : MK((T)NAN, (T)NAN);               \
        if (bi == 0 && br == nearbyint##S(br) && fabs##S(br) < 100) {                              \
            const int n = (int)br;                                                                 \
            if (n == 1) return a;                                                                  \
            if (n == 2) return mul_plain_##sfx(a, a);                                              \
            if (n == 3) return mul_plain_##sfx(mul_plain_##sfx(a, a), a);                          \
            C r = MK(1, 0), p = a;                                                                 \
            for (int e = n < 0 ? -n : n;;) {                                                       \
                if (e & 1) r = mul_plain_##sfx(r, p);                                              \
                e >>= 1;                                                                           \
                if (!e) break;                                                                     \
                p = mul_plain_##sfx(p, p);                                                         \
            }                                                                                      \
            return n < 0 ? div_##sfx(MK(1, 0), r) : r;                                             \
        }                                                                                          \
        return cpow##S(a, b);                                                                      \
    }                                                                                              \
    /* lexicographic, a strict order on the real parts counting only without NaN imaginaries */    \
    static inline bool ge_##sfx(C a, C b)                                                          \
    {                                                                                              \
        return (RE(a) > RE(b) && !isnan(IM(a)) && !isnan(IM(b))) ||                                \
               (RE(a) == RE(b) && IM(a) >= IM(b));                                                 \
    }                                                                                              \
    static inline bool le_##sfx(C a, C b)                                                          \
    {                                                                                              \
        return (RE(a) < RE(b) && !isnan(IM(a)) && !isnan(IM(b))) ||                                \
               (RE(a) == RE(b) && IM(a) <= IM(b));                                                 \
    }                                                                                              \
    static inline bool hasnan_##sfx(C a) { return isnan(RE(a)) || isnan(IM(a)); }                  \
    static inline C max_##sfx(C a, C b) { return hasnan_##sfx(a) || ge_##sfx(a, b) ? a : b; }      \
    static inline C min_##sfx(C a, C b) { return hasnan_##sfx(a) || le_##sfx(a, b) ? a : b; }      \
    static inline C fmax_##sfx(C a, C b) { return hasnan_##sfx(b) || ge_##sfx(a, b) ? a : b; }     \
    static inline C fmin_##sfx(C a, C b) { return hasnan_##sfx(b) || le_##sfx(a, b) ? a : b; }     \
    static inline C neg_##sfx(C a) { return MK(-RE(a), -IM(a)); }                                  \
    static inline C conj_##sfx(C a) { return MK(RE(a), -IM(a)); }                                  \
    /* |z| as NumPy's vector loop: an infinite part gives inf, then NaN gives NaN, else the larger \
     * part times sqrt(1 + ratio^2) */                                                             \
    KS_INLINE T abs_##sfx(C a)                                                                     \
    {                                                                                              \
        const T r = fabs##S(RE(a)), i = fabs##S(IM(a));                                            \
        if (isinf(r) || isinf(i)) return (T)INFINITY;                                              \
        if (isnan(r) || isnan(i)) return (T)NAN;                                                   \
        const T big = r > i ? r : i, small = r > i ? i : r;                                        \
        if (big == 0) return 0;                                                                    \
        const T q = small / big;                                                                   \
        return sqrt##S(fma##S(q, q, 1)) * big;                                                     \
    }                                                                                              \
    static inline T real_##sfx(C a) { return RE(a); }                                              \
    static inline T imag_##sfx(C a) { return IM(a); }                                              \
    /* z / |z|; an infinite part gives its sign, two infinite parts or a NaN give NaN */           \
    static inline C sign_##sfx(C a)                                                                \
    {                                                                                              \
        const T r = RE(a), i = IM(a), m = hypot##S(r, i);                                          \
        if (isnan(m)) return MK((T)NAN, (T)NAN);                                                   \
        if (isinf(m)) {                                                                            \
            if (isinf(r) && isinf(i)) return MK((T)NAN, (T)NAN);                                   \
            if (isinf(r)) return MK(r > 0 ? 1 : -1, 0);                                            \
            return MK(0, i > 0 ? 1 : -1);                                                          \
        }                                                                                          \
        if (m == 0) return MK(0, 0);                                                               \
        return MK(r / m, i / m);                                                                   \
    }                                                                                              \
    KS_INLINE C square_##sfx(C a) { return mul_##sfx(a, a); }                                      \
    /* 1 / z scaled by the larger part, as NumPy */                                                \
    static inline C recip_##sfx(C a)                                                               \
    {                                                                                              \
        const T r = RE(a), i = IM(a);                                                              \
        if (fabs##S(i) <= fabs##S(r)) {                                                            \
            const T q = i / r, d = r + i * q;                                                      \
            return MK(1 / d, -q / d);                                                              \
        }                                                                                          \
        const T q = r / i, d = r * q + i;                                                          \
        return MK(q / d, -1 / d);                                                                  \
    }                                                                                              \
    static inline C rint_##sfx(C a) { return MK(rint##S(RE(a)), rint##S(IM(a))); }                 \
    /* 2^z = e^(z log 2); log2 z = log z / log 2; log10 likewise */                                \
    static inline C exp2_##sfx(C a) { return cexp##S(MK(RE(a) * (T)M_LN2, IM(a) * (T)M_LN2)); }    \
    static inline C log2_##sfx(C a)                                                                \
    {                                                                                              \
        const C l = clog##S(a);                                                                    \
        return MK(RE(l) * (T)M_LOG2E, IM(l) * (T)M_LOG2E);                                         \
    }                                                                                              \
    static inline C log10_##sfx(C a)                                                               \
    {                                                                                              \
        const C l = clog##S(a);                                                                    \
        return MK(RE(l) * (T)M_LOG10E, IM(l) * (T)M_LOG10E);                                       \
    }                                                                                              \
    /* e^z - 1 without cancellation in the real part: expm1(x) cos y - 2 sin^2(y / 2) */           \
    static inline C expm1_##sfx(C a)                                                               \
    {                                                                                              \
        const T x = RE(a), y = IM(a), h = sin##S(y / 2);                                           \
        return MK(expm1##S(x) * cos##S(y) - 2 * h * h, exp##S(x) * sin##S(y));                     \
    }                                                                                              \
    static inline C log1p_##sfx(C a)                                                               \
    {                                                                                              \
        const T x = RE(a) + 1, y = IM(a);                                                          \
        return MK(log##S(hypot##S(x, y)), atan2##S(y, x));                                         \
    }

COMPLEX_HELPERS(ks__c64, float, f, CMPLXF, c64)
COMPLEX_HELPERS(ks__c128, double, , CMPLX, c128)

EACH(BIN_S, add, add)
EACH(BIN_S, subtract, sub)
EACH(BIN_F, multiply, mul)
EACH(BIN_S, divide, div)
EACH(BIN_S, power, pow)
EACH(BIN_S, maximum, max)
EACH(BIN_S, minimum, min)
EACH(BIN_S, fmax, fmax)
EACH(BIN_S, fmin, fmin)

#define IDENT(a) (a)
UN_S(positive, c64, IDENT)
UN_S(positive, c128, IDENT)
EACH(UN_S, negative, neg)
EACH(UN_S, conjugate, conj)
EACH(UN_S, sign, sign)
EACH(UN_F, square, square)
EACH(UN_S, reciprocal, recip)
EACH(UN_S, rint, rint)
EACH(UN_S, exp2, exp2)
EACH(UN_S, log2, log2)
EACH(UN_S, log10, log10)
EACH(UN_S, expm1, expm1)
EACH(UN_S, log1p, log1p)
KS__UNARY(FMA_KERNEL, absolute, c64, float, abs_c64)
KS__UNARY(FMA_KERNEL, absolute, c128, double, abs_c128)
KS__UNARY(, real, c64, float, real_c64)
KS__UNARY(, real, c128, double, real_c128)
KS__UNARY(, imag, c64, float, imag_c64)
KS__UNARY(, imag, c128, double, imag_c128)

/* C99's functions, float and double */
#define C99(uf, cf)                                                                                \
    UN_S(uf, c64, cf##f)                                                                           \
    UN_S(uf, c128, cf)
C99(sqrt, csqrt)
C99(exp, cexp)
C99(log, clog)
C99(sin, csin)
C99(cos, ccos)
C99(tan, ctan)
C99(arcsin, casin)
C99(arccos, cacos)
C99(arctan, catan)
C99(sinh, csinh)
C99(cosh, ccosh)
C99(tanh, ctanh)
C99(arcsinh, casinh)
C99(arccosh, cacosh)
C99(arctanh, catanh)
