/* ufunc_loops_arith.c — the arithmetic ufuncs' loops on bool, integer and float dtypes: add,
 * subtract, multiply, divide, floor_divide, remainder, fmod, integer power, maximum, minimum,
 * fmax, fmin, copysign, nextafter, negative, positive, absolute, sign, square, reciprocal,
 * floor, ceil, trunc, rint, sqrt, conjugate, real, imag. Values are NumPy 2's: integers wrap
 * (absolute of INT_MIN is INT_MIN), integer division by zero gives 0 (NumPy also warns; a loop
 * cannot), floor_divide and remainder round and sign as Python, INT_MIN // -1 is INT_MIN. */
#include "array/ufunc_loops.h"

#define BIN_K(f, ti, OP) KS__BINARY(KS_KERNEL, f, ti, KS__T_##ti, OP)
#define BIN_S(f, ti, OP) KS__BINARY(, f, ti, KS__T_##ti, OP)
#define UN_K(f, ti, OP) KS__UNARY(KS_KERNEL, f, ti, KS__T_##ti, OP)

/* bool: a byte read as true when nonzero, written 0 or 1 */
#define B_OR(a, b) ((uint8_t)(((a) != 0) | ((b) != 0)))
#define B_AND(a, b) ((uint8_t)(((a) != 0) & ((b) != 0)))
#define B_ID(a) ((uint8_t)((a) != 0))
#define IDENT(a) (a)
#define ZERO(a) ((void)(a), (TI)0)

/* ---- add, subtract, multiply, divide ---- */

#define I_ADD(a, b) ((TI)((UI)(a) + (UI)(b)))
#define I_SUB(a, b) ((TI)((UI)(a) - (UI)(b)))
#define I_MUL(a, b) ((TI)((UI)(a) * (UI)(b)))
#define F_ADD(a, b) ((a) + (b))
#define F_SUB(a, b) ((a) - (b))
#define F_MUL(a, b) ((a) * (b))
#define F_DIV(a, b) ((a) / (b))

BIN_K(add, b, B_OR)
KS__EACH_INT(BIN_K, add, I_ADD)
KS__EACH_FLOAT(BIN_K, add, F_ADD)
KS__EACH_INT(BIN_K, subtract, I_SUB)
KS__EACH_FLOAT(BIN_K, subtract, F_SUB)
BIN_K(multiply, b, B_AND)
KS__EACH_INT(BIN_K, multiply, I_MUL)
KS__EACH_FLOAT(BIN_K, multiply, F_MUL)
KS__EACH_FLOAT(BIN_K, divide, F_DIV)

/* ---- floor_divide, remainder, fmod ---- */

/* Up to 32 bits, the quotient through float64, which the compiler vectorises (integer division
 * it cannot): floor(a / b) of the doubles is exact, since a quotient that is not an integer is
 * at least 1/|b| from one while the division errs by less than 2^-53 |a / b| < 1/|b|. b == -1
 * apart (INT_MIN // -1 is INT_MIN, as NumPy), 0 for b == 0 (NumPy warns). */
#define S_FLOORDIV32(a, b)                                                                         \
    ((b) == 0    ? (TI)0                                                                           \
     : (b) == -1 ? (TI)(0u - (UI)(a))                                                              \
                 : (TI)(int32_t)floor((double)(a) / (double)(b)))
#define U_FLOORDIV32(a, b) ((b) == 0 ? (TI)0 : (TI)(int64_t)((double)(a) / (double)(b)))
#define S_REM32(a, b) ((b) == 0 ? (TI)0 : (TI)((UI)(a) - (UI)S_FLOORDIV32(a, b) * (UI)(b)))
#define U_REM32(a, b) ((b) == 0 ? (TI)0 : (TI)((a)-U_FLOORDIV32(a, b) * (b)))
/* 64 bits: integer division (on this CPU about as fast as the float64 route), b == -1 apart
 * (INT64_MIN / -1 traps) */
#define S_FLOORDIV(a, b)                                                                           \
    ((b) == 0    ? (TI)0                                                                           \
     : (b) == -1 ? (TI)(0u - (UI)(a))                                                              \
                 : (TI)((a) / (b) - (((a) % (b) != 0) & (((a) < 0) != ((b) < 0)))))
#define U_FLOORDIV(a, b) ((b) == 0 ? (TI)0 : (TI)((a) / (b)))
#define S_REM(a, b) ((b) == 0 ? (TI)0 : (TI)((UI)(a) - (UI)S_FLOORDIV(a, b) * (UI)(b)))
#define U_REM(a, b) ((b) == 0 ? (TI)0 : (TI)((a)-U_FLOORDIV(a, b) * (b)))
#define S_FMOD(a, b) ((b) == 0 || (b) == -1 ? (TI)0 : (TI)((a) % (b)))

BIN_K(floor_divide, i8, S_FLOORDIV32)
BIN_K(floor_divide, i16, S_FLOORDIV32)
BIN_K(floor_divide, i32, S_FLOORDIV32)
BIN_S(floor_divide, i64, S_FLOORDIV)
BIN_K(floor_divide, u8, U_FLOORDIV32)
BIN_K(floor_divide, u16, U_FLOORDIV32)
BIN_K(floor_divide, u32, U_FLOORDIV32)
BIN_S(floor_divide, u64, U_FLOORDIV)
BIN_K(remainder, i8, S_REM32)
BIN_K(remainder, i16, S_REM32)
BIN_K(remainder, i32, S_REM32)
BIN_S(remainder, i64, S_REM)
BIN_K(remainder, u8, U_REM32)
BIN_K(remainder, u16, U_REM32)
BIN_K(remainder, u32, U_REM32)
BIN_S(remainder, u64, U_REM)
KS__EACH_SINT(BIN_S, fmod, S_FMOD)
#define U_MOD(a, b) ((b) == 0 ? (TI)0 : (TI)((a) % (b)))
KS__EACH_UINT(BIN_S, fmod, U_MOD)

/* fmod is exact, so any correct way gives the same bits: on x86 the FPU's partial remainder,
 * about twice as fast as glibc's fmod (and what NumPy's wheels run). */
#if defined(__x86_64__) && defined(__GNUC__)
static inline double fmod_exact(double a, double b)
{
    long double r = a;
    const long double d = b;
    __asm__("1: fprem\n\tfnstsw %%ax\n\ttestb $4, %%ah\n\tjnz 1b" : "+t"(r) : "u"(d) : "ax", "cc");
    return (double)r;
}
#define fmod_f(a, b) ((float)fmod_exact(a, b))
#define fmod_d fmod_exact
#else
#define fmod_f fmodf
#define fmod_d fmod
#endif

/* Python's divmod on floats, as NumPy computes it: the quotient from fmod's exact remainder,
 * moved to the divisor's sign, then snapped to the nearest integer; zeros signed as the true
 * quotient and the divisor. b == 0 is the caller's (a / b and fmod(a, b)). */
#define KS_DIVMOD(T, S, FMOD)                                                                      \
    KS_INLINE T divmod_##T(T a, T b, T *mod)                                                       \
    {                                                                                              \
        T m = FMOD(a, b);                                                                          \
        T div = (a - m) / b;                                                                       \
        if (m != 0) {                                                                              \
            if ((b < 0) != (m < 0)) {                                                              \
                m += b;                                                                            \
                div -= 1;                                                                          \
            }                                                                                      \
        } else {                                                                                   \
            m = copysign##S(0, b);                                                                 \
        }                                                                                          \
        T q;                                                                                       \
        if (div != 0) {                                                                            \
            q = floor##S(div);                                                                     \
            if (div - q > (T)0.5) q += 1;                                                          \
        } else {                                                                                   \
            q = copysign##S(0, a / b);                                                             \
        }                                                                                          \
        *mod = m;                                                                                  \
        return q;                                                                                  \
    }                                                                                              \
    KS_INLINE T floordiv_##T(T a, T b)                                                             \
    {                                                                                              \
        T m;                                                                                       \
        return b == 0 ? a / b : divmod_##T(a, b, &m);                                              \
    }                                                                                              \
    KS_INLINE T remainder_##T(T a, T b)                                                            \
    {                                                                                              \
        T m = 0;                                                                                   \
        if (b == 0) return FMOD(a, b);                                                             \
        divmod_##T(a, b, &m);                                                                      \
        return m;                                                                                  \
    }
KS_DIVMOD(float, f, fmod_f)
KS_DIVMOD(double, , fmod_d)

BIN_S(floor_divide, f32, floordiv_float)
BIN_S(floor_divide, f64, floordiv_double)
BIN_S(remainder, f32, remainder_float)
BIN_S(remainder, f64, remainder_double)
BIN_S(fmod, f32, fmod_f)
BIN_S(fmod, f64, fmod_d)

/* ---- integer power: by squaring, wrapping; a negative exponent is NumPy's ValueError ---- */

#define KS_IPOW(ti)                                                                                \
    static inline KS__T_##ti ipow_##ti(KS__T_##ti a, KS__T_##ti b, const void *aux)                \
    {                                                                                              \
        if (b < 0) {                                                                               \
            ks__loop_fault(aux, KS__LOOP_FAULT_NEG_INT_POWER);                                     \
            return 0;                                                                              \
        }                                                                                          \
        KS__U_##ti r = 1, x = (KS__U_##ti)a;                                                       \
        for (KS__U_##ti e = (KS__U_##ti)b; e; e >>= 1) {                                           \
            if (e & 1) r *= x;                                                                     \
            x *= x;                                                                                \
        }                                                                                          \
        return (KS__T_##ti)r;                                                                      \
    }
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wtype-limits" /* b < 0 of an unsigned b */
KS_IPOW(i8)
KS_IPOW(u8)
KS_IPOW(i16)
KS_IPOW(u16)
KS_IPOW(i32)
KS_IPOW(u32)
KS_IPOW(i64)
KS_IPOW(u64)
#pragma GCC diagnostic pop
#define I_POW(a, b)                                                                                \
    _Generic((a), int8_t                                                                           \
             : ipow_i8, uint8_t                                                                    \
             : ipow_u8, int16_t                                                                    \
             : ipow_i16, uint16_t                                                                  \
             : ipow_u16, int32_t                                                                   \
             : ipow_i32, uint32_t                                                                  \
             : ipow_u32, int64_t                                                                   \
             : ipow_i64, uint64_t                                                                  \
             : ipow_u64)(a, b, aux)
KS__EACH_INT(BIN_S, power, I_POW)

/* ---- maximum, minimum (NaN propagates), fmax, fmin (NaN ignored) ---- */

/* Equal values give the second operand (maximum(0.0, -0.0) is -0.0), as NumPy's vector loops. */
#define MAX_(a, b) ((a) > (b) ? (a) : (b))
#define MIN_(a, b) ((a) < (b) ? (a) : (b))
#define F_MAX(a, b) ((a) > (b) || (a) != (a) ? (a) : (b))
#define F_MIN(a, b) ((a) < (b) || (a) != (a) ? (a) : (b))
#define F_FMAX(a, b) ((a) > (b) || (b) != (b) ? (a) : (b))
#define F_FMIN(a, b) ((a) < (b) || (b) != (b) ? (a) : (b))

BIN_K(maximum, b, B_OR)
BIN_K(minimum, b, B_AND)
BIN_K(fmax, b, B_OR)
BIN_K(fmin, b, B_AND)
KS__EACH_INT(BIN_K, maximum, MAX_)
KS__EACH_INT(BIN_K, minimum, MIN_)
KS__EACH_INT(BIN_K, fmax, MAX_)
KS__EACH_INT(BIN_K, fmin, MIN_)
KS__EACH_FLOAT(BIN_K, maximum, F_MAX)
KS__EACH_FLOAT(BIN_K, minimum, F_MIN)
KS__EACH_FLOAT(BIN_K, fmax, F_FMAX)
KS__EACH_FLOAT(BIN_K, fmin, F_FMIN)
BIN_K(copysign, f32, copysignf)
BIN_K(copysign, f64, copysign)
BIN_S(nextafter, f32, nextafterf)
BIN_S(nextafter, f64, nextafter)

/* ---- unary ---- */

#define I_NEG(a) ((TI)(0u - (UI)(a)))
#define F_NEG(a) (-(a))
#define S_ABS(a) ((TI)((a) < 0 ? 0u - (UI)(a) : (UI)(a)))
#define S_SIGN(a) ((TI)(((a) > 0) - ((a) < 0)))
#define U_SIGN(a) ((TI)((a) > 0))
/* NaN gives NaN, both zeros +0 */
#define F_SIGN(a) ((a) > 0 ? (TI)1 : (a) < 0 ? (TI)-1 : (a) == 0 ? (TI)0 : (a))
#define I_SQUARE(a) ((TI)((UI)(a) * (UI)(a)))
#define F_SQUARE(a) ((a) * (a))
#define F_RECIP(a) ((TI)1 / (a))

KS__EACH_INT(UN_K, negative, I_NEG)
KS__EACH_FLOAT(UN_K, negative, F_NEG)
KS__EACH_INT(UN_K, positive, IDENT)
KS__EACH_FLOAT(UN_K, positive, IDENT)
UN_K(absolute, b, B_ID)
KS__EACH_SINT(UN_K, absolute, S_ABS)
KS__EACH_UINT(UN_K, absolute, IDENT)
UN_K(absolute, f32, fabsf)
UN_K(absolute, f64, fabs)
KS__EACH_SINT(UN_K, sign, S_SIGN)
KS__EACH_UINT(UN_K, sign, U_SIGN)
KS__EACH_FLOAT(UN_K, sign, F_SIGN)
KS__EACH_INT(UN_K, square, I_SQUARE)
KS__EACH_FLOAT(UN_K, square, F_SQUARE)
KS__EACH_FLOAT(UN_K, reciprocal, F_RECIP)

/* Integer reciprocal: 1 and -1 are their own, other nonzero values give 0; 0 gives what NumPy's
 * 1.0 / 0 converted to the type gives on x86 (INT_MIN for int32 and int64, 0 for the rest). */
#define S_RECIP(a, zero) ((a) == 1 ? (TI)1 : (a) == -1 ? (TI)-1 : (a) == 0 ? (TI)(zero) : (TI)0)
#define S_RECIP0(a) S_RECIP(a, 0)
#define S_RECIPMIN(a) S_RECIP(a, (UI)1 << (sizeof(UI) * 8 - 1))
#define U_RECIP(a) ((TI)((a) == 1))
UN_K(reciprocal, i8, S_RECIP0)
UN_K(reciprocal, i16, S_RECIP0)
UN_K(reciprocal, i32, S_RECIPMIN)
UN_K(reciprocal, i64, S_RECIPMIN)
KS__EACH_UINT(UN_K, reciprocal, U_RECIP)

/* floor, ceil, trunc of bool and integers: the value (NumPy 2.1 keeps the dtype) */
UN_K(floor, b, B_ID)
UN_K(ceil, b, B_ID)
UN_K(trunc, b, B_ID)
KS__EACH_INT(UN_K, floor, IDENT)
KS__EACH_INT(UN_K, ceil, IDENT)
KS__EACH_INT(UN_K, trunc, IDENT)
UN_K(floor, f32, floorf)
UN_K(floor, f64, floor)
UN_K(ceil, f32, ceilf)
UN_K(ceil, f64, ceil)
UN_K(trunc, f32, truncf)
UN_K(trunc, f64, trunc)
UN_K(rint, f32, rintf) /* the default rounding mode: half to even */
UN_K(rint, f64, rint)
UN_K(sqrt, f32, sqrtf)
UN_K(sqrt, f64, sqrt)

/* conjugate, real: the value; imag of a real dtype: 0 */
KS__EACH_INT(UN_K, conjugate, IDENT)
KS__EACH_FLOAT(UN_K, conjugate, IDENT)
UN_K(real, b, B_ID)
KS__EACH_INT(UN_K, real, IDENT)
KS__EACH_FLOAT(UN_K, real, IDENT)
UN_K(imag, b, ZERO)
KS__EACH_INT(UN_K, imag, ZERO)
KS__EACH_FLOAT(UN_K, imag, ZERO)
