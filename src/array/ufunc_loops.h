/* ufunc_loops.h — what the ufunc loop files (ufunc_loops_*.c) and their table (ufunc_defs.c)
 * share: the element types by short dtype code, every ufunc's loop list in NumPy's
 * `ufunc.types` order (as X-macros, so that one list makes both the prototypes and the table),
 * and the macros that write a loop's contiguous, scalar-broadcast and strided paths.
 *
 * Dtype codes: b (bool, stored as a byte 0/1, NumPy's npy_bool), i8 u8 i16 u16 i32 u32 i64 u64,
 * f32 f64, c64 c128. A loop is `ks__loop_<ufunc>_<input code>`. */
#ifndef KS_UFUNC_LOOPS_H
#define KS_UFUNC_LOOPS_H

#include <complex.h>
#include <math.h>
#include <stdint.h>

#include "array/array_internal.h"
#include "base/simd.h"

typedef float _Complex ks__c64;
typedef double _Complex ks__c128;

#define KS__T_b uint8_t
#define KS__T_i8 int8_t
#define KS__T_u8 uint8_t
#define KS__T_i16 int16_t
#define KS__T_u16 uint16_t
#define KS__T_i32 int32_t
#define KS__T_u32 uint32_t
#define KS__T_i64 int64_t
#define KS__T_u64 uint64_t
#define KS__T_f32 float
#define KS__T_f64 double
#define KS__T_c64 ks__c64
#define KS__T_c128 ks__c128

/* The unsigned type integer arithmetic wraps in (UI inside a loop; for the other dtypes their
 * own type) (C's int promotion would make uint16 * uint16
 * a signed int product that overflows). */
#define KS__U_i8 uint32_t
#define KS__U_u8 uint32_t
#define KS__U_i16 uint32_t
#define KS__U_u16 uint32_t
#define KS__U_i32 uint32_t
#define KS__U_u32 uint32_t
#define KS__U_i64 uint64_t
#define KS__U_u64 uint64_t
#define KS__U_b uint32_t
#define KS__U_f32 float
#define KS__U_f64 double
#define KS__U_c64 ks__c64
#define KS__U_c128 ks__c128

#define KS__DT_b KS_BOOL
#define KS__DT_i8 KS_INT8
#define KS__DT_u8 KS_UINT8
#define KS__DT_i16 KS_INT16
#define KS__DT_u16 KS_UINT16
#define KS__DT_i32 KS_INT32
#define KS__DT_u32 KS_UINT32
#define KS__DT_i64 KS_INT64
#define KS__DT_u64 KS_UINT64
#define KS__DT_f32 KS_FLOAT32
#define KS__DT_f64 KS_FLOAT64
#define KS__DT_c64 KS_COMPLEX64
#define KS__DT_c128 KS_COMPLEX128

/* ---- the loop lists: X(ufunc, input code, output code), NumPy's order ---- */

/* NumPy orders the integers b B h H i I l L q Q; l and q are both int64 here. */
#define KS__INTS(X, f)                                                                             \
    X(f, i8, i8)                                                                                   \
    X(f, u8, u8) X(f, i16, i16) X(f, u16, u16) X(f, i32, i32) X(f, u32, u32) X(f, i64, i64)        \
        X(f, u64, u64)
#define KS__FLOATS(X, f) X(f, f32, f32) X(f, f64, f64)
#define KS__CPLX(X, f) X(f, c64, c64) X(f, c128, c128)
#define KS__NUM(X, f) KS__INTS(X, f) KS__FLOATS(X, f) KS__CPLX(X, f)
#define KS__ALL(X, f) X(f, b, b) KS__NUM(X, f)
/* The same inputs to a bool output (comparisons, logical functions, isnan ...). */
#define KS__ALL_TO_B(X, f)                                                                         \
    X(f, b, b)                                                                                     \
    X(f, i8, b) X(f, u8, b) X(f, i16, b) X(f, u16, b) X(f, i32, b) X(f, u32, b) X(f, i64, b)       \
        X(f, u64, b) X(f, f32, b) X(f, f64, b) X(f, c64, b) X(f, c128, b)
#define KS__INT_IDENT(X, f) X(f, b, b) KS__INTS(X, f) KS__FLOATS(X, f) /* floor, ceil, trunc */
/* Float-only functions: no integer loop, so an integer input takes float32 (int8, uint8,
 * int16, uint16, bool; NumPy would take float16 for the 8-bit ones) or float64. */
#define KS__FC(X, f) KS__FLOATS(X, f) KS__CPLX(X, f)

#define KS__LOOPS_add(X) KS__ALL(X, add)
#define KS__LOOPS_subtract(X) KS__NUM(X, subtract)
#define KS__LOOPS_multiply(X) KS__ALL(X, multiply)
#define KS__LOOPS_divide(X) KS__FC(X, divide)
#define KS__LOOPS_floor_divide(X) KS__INTS(X, floor_divide) KS__FLOATS(X, floor_divide)
#define KS__LOOPS_remainder(X) KS__INTS(X, remainder) KS__FLOATS(X, remainder)
#define KS__LOOPS_fmod(X) KS__INTS(X, fmod) KS__FLOATS(X, fmod)
#define KS__LOOPS_power(X) KS__NUM(X, power)
#define KS__LOOPS_maximum(X) KS__ALL(X, maximum)
#define KS__LOOPS_minimum(X) KS__ALL(X, minimum)
#define KS__LOOPS_fmax(X) KS__ALL(X, fmax)
#define KS__LOOPS_fmin(X) KS__ALL(X, fmin)
#define KS__LOOPS_hypot(X) KS__FLOATS(X, hypot)
#define KS__LOOPS_arctan2(X) KS__FLOATS(X, arctan2)
#define KS__LOOPS_copysign(X) KS__FLOATS(X, copysign)
#define KS__LOOPS_nextafter(X) KS__FLOATS(X, nextafter)
#define KS__LOOPS_logaddexp(X) KS__FLOATS(X, logaddexp)
#define KS__LOOPS_logaddexp2(X) KS__FLOATS(X, logaddexp2)
#define KS__LOOPS_equal(X) KS__ALL_TO_B(X, equal)
#define KS__LOOPS_not_equal(X) KS__ALL_TO_B(X, not_equal)
#define KS__LOOPS_less(X) KS__ALL_TO_B(X, less)
#define KS__LOOPS_less_equal(X) KS__ALL_TO_B(X, less_equal)
#define KS__LOOPS_greater(X) KS__ALL_TO_B(X, greater)
#define KS__LOOPS_greater_equal(X) KS__ALL_TO_B(X, greater_equal)
#define KS__LOOPS_logical_and(X) KS__ALL_TO_B(X, logical_and)
#define KS__LOOPS_logical_or(X) KS__ALL_TO_B(X, logical_or)
#define KS__LOOPS_logical_xor(X) KS__ALL_TO_B(X, logical_xor)
#define KS__LOOPS_bitwise_and(X) X(bitwise_and, b, b) KS__INTS(X, bitwise_and)
#define KS__LOOPS_bitwise_or(X) X(bitwise_or, b, b) KS__INTS(X, bitwise_or)
#define KS__LOOPS_bitwise_xor(X) X(bitwise_xor, b, b) KS__INTS(X, bitwise_xor)
#define KS__LOOPS_left_shift(X) KS__INTS(X, left_shift)
#define KS__LOOPS_right_shift(X) KS__INTS(X, right_shift)
#define KS__LOOPS_negative(X) KS__NUM(X, negative)
#define KS__LOOPS_positive(X) KS__NUM(X, positive)
#define KS__LOOPS_absolute(X)                                                                      \
    X(absolute, b, b)                                                                              \
    KS__INTS(X, absolute) KS__FLOATS(X, absolute) X(absolute, c64, f32) X(absolute, c128, f64)
#define KS__LOOPS_sign(X) KS__NUM(X, sign)
#define KS__LOOPS_logical_not(X) KS__ALL_TO_B(X, logical_not)
#define KS__LOOPS_invert(X) X(invert, b, b) KS__INTS(X, invert)
#define KS__LOOPS_floor(X) KS__INT_IDENT(X, floor)
#define KS__LOOPS_ceil(X) KS__INT_IDENT(X, ceil)
#define KS__LOOPS_trunc(X) KS__INT_IDENT(X, trunc)
#define KS__LOOPS_rint(X) KS__FC(X, rint)
#define KS__LOOPS_sqrt(X) KS__FC(X, sqrt)
#define KS__LOOPS_cbrt(X) KS__FLOATS(X, cbrt)
#define KS__LOOPS_square(X) KS__NUM(X, square)
#define KS__LOOPS_reciprocal(X) KS__NUM(X, reciprocal)
#define KS__LOOPS_exp(X) KS__FC(X, exp)
#define KS__LOOPS_exp2(X) KS__FC(X, exp2)
#define KS__LOOPS_expm1(X) KS__FC(X, expm1)
#define KS__LOOPS_log(X) KS__FC(X, log)
#define KS__LOOPS_log2(X) KS__FC(X, log2)
#define KS__LOOPS_log10(X) KS__FC(X, log10)
#define KS__LOOPS_log1p(X) KS__FC(X, log1p)
#define KS__LOOPS_sin(X) KS__FC(X, sin)
#define KS__LOOPS_cos(X) KS__FC(X, cos)
#define KS__LOOPS_tan(X) KS__FC(X, tan)
#define KS__LOOPS_arcsin(X) KS__FC(X, arcsin)
#define KS__LOOPS_arccos(X) KS__FC(X, arccos)
#define KS__LOOPS_arctan(X) KS__FC(X, arctan)
#define KS__LOOPS_sinh(X) KS__FC(X, sinh)
#define KS__LOOPS_cosh(X) KS__FC(X, cosh)
#define KS__LOOPS_tanh(X) KS__FC(X, tanh)
#define KS__LOOPS_arcsinh(X) KS__FC(X, arcsinh)
#define KS__LOOPS_arccosh(X) KS__FC(X, arccosh)
#define KS__LOOPS_arctanh(X) KS__FC(X, arctanh)
#define KS__LOOPS_deg2rad(X) KS__FLOATS(X, deg2rad)
#define KS__LOOPS_rad2deg(X) KS__FLOATS(X, rad2deg)
#define KS__LOOPS_isnan(X) KS__ALL_TO_B(X, isnan)
#define KS__LOOPS_isinf(X) KS__ALL_TO_B(X, isinf)
#define KS__LOOPS_isfinite(X) KS__ALL_TO_B(X, isfinite)
#define KS__LOOPS_signbit(X) X(signbit, f32, b) X(signbit, f64, b)
/* conjugate, real, imag: conjugate has no bool loop in NumPy; real and imag (not NumPy ufuncs)
 * keep a real dtype and take a complex one to its float part. */
#define KS__LOOPS_conjugate(X) KS__NUM(X, conjugate)
#define KS__LOOPS_real(X)                                                                          \
    X(real, b, b) KS__INTS(X, real) KS__FLOATS(X, real) X(real, c64, f32) X(real, c128, f64)
#define KS__LOOPS_imag(X)                                                                          \
    X(imag, b, b) KS__INTS(X, imag) KS__FLOATS(X, imag) X(imag, c64, f32) X(imag, c128, f64)

/* Every ufunc: U(enum suffix, NumPy name, inputs), in ks_ufunc order. */
#define KS__UFUNCS(U)                                                                              \
    U(ADD, add, 2)                                                                                 \
    U(SUBTRACT, subtract, 2)                                                                       \
    U(MULTIPLY, multiply, 2)                                                                       \
    U(DIVIDE, divide, 2)                                                                           \
    U(FLOOR_DIVIDE, floor_divide, 2)                                                               \
    U(REMAINDER, remainder, 2)                                                                     \
    U(FMOD, fmod, 2)                                                                               \
    U(POWER, power, 2)                                                                             \
    U(MAXIMUM, maximum, 2)                                                                         \
    U(MINIMUM, minimum, 2)                                                                         \
    U(FMAX, fmax, 2)                                                                               \
    U(FMIN, fmin, 2)                                                                               \
    U(HYPOT, hypot, 2)                                                                             \
    U(ARCTAN2, arctan2, 2)                                                                         \
    U(COPYSIGN, copysign, 2)                                                                       \
    U(NEXTAFTER, nextafter, 2)                                                                     \
    U(LOGADDEXP, logaddexp, 2)                                                                     \
    U(LOGADDEXP2, logaddexp2, 2)                                                                   \
    U(EQUAL, equal, 2)                                                                             \
    U(NOT_EQUAL, not_equal, 2)                                                                     \
    U(LESS, less, 2)                                                                               \
    U(LESS_EQUAL, less_equal, 2)                                                                   \
    U(GREATER, greater, 2)                                                                         \
    U(GREATER_EQUAL, greater_equal, 2)                                                             \
    U(LOGICAL_AND, logical_and, 2)                                                                 \
    U(LOGICAL_OR, logical_or, 2)                                                                   \
    U(LOGICAL_XOR, logical_xor, 2)                                                                 \
    U(BITWISE_AND, bitwise_and, 2)                                                                 \
    U(BITWISE_OR, bitwise_or, 2)                                                                   \
    U(BITWISE_XOR, bitwise_xor, 2)                                                                 \
    U(LEFT_SHIFT, left_shift, 2)                                                                   \
    U(RIGHT_SHIFT, right_shift, 2)                                                                 \
    U(NEGATIVE, negative, 1)                                                                       \
    U(POSITIVE, positive, 1)                                                                       \
    U(ABSOLUTE, absolute, 1)                                                                       \
    U(SIGN, sign, 1)                                                                               \
    U(LOGICAL_NOT, logical_not, 1)                                                                 \
    U(INVERT, invert, 1)                                                                           \
    U(FLOOR, floor, 1)                                                                             \
    U(CEIL, ceil, 1)                                                                               \
    U(TRUNC, trunc, 1)                                                                             \
    U(RINT, rint, 1)                                                                               \
    U(SQRT, sqrt, 1)                                                                               \
    U(CBRT, cbrt, 1)                                                                               \
    U(SQUARE, square, 1)                                                                           \
    U(RECIPROCAL, reciprocal, 1)                                                                   \
    U(EXP, exp, 1)                                                                                 \
    U(EXP2, exp2, 1)                                                                               \
    U(EXPM1, expm1, 1)                                                                             \
    U(LOG, log, 1)                                                                                 \
    U(LOG2, log2, 1)                                                                               \
    U(LOG10, log10, 1)                                                                             \
    U(LOG1P, log1p, 1)                                                                             \
    U(SIN, sin, 1)                                                                                 \
    U(COS, cos, 1)                                                                                 \
    U(TAN, tan, 1)                                                                                 \
    U(ARCSIN, arcsin, 1)                                                                           \
    U(ARCCOS, arccos, 1)                                                                           \
    U(ARCTAN, arctan, 1)                                                                           \
    U(SINH, sinh, 1)                                                                               \
    U(COSH, cosh, 1)                                                                               \
    U(TANH, tanh, 1)                                                                               \
    U(ARCSINH, arcsinh, 1)                                                                         \
    U(ARCCOSH, arccosh, 1)                                                                         \
    U(ARCTANH, arctanh, 1)                                                                         \
    U(DEG2RAD, deg2rad, 1)                                                                         \
    U(RAD2DEG, rad2deg, 1)                                                                         \
    U(ISNAN, isnan, 1)                                                                             \
    U(ISINF, isinf, 1)                                                                             \
    U(ISFINITE, isfinite, 1)                                                                       \
    U(SIGNBIT, signbit, 1)                                                                         \
    U(CONJUGATE, conjugate, 1)                                                                     \
    U(REAL, real, 1)                                                                               \
    U(IMAG, imag, 1)

/* The AVX2 vector function u's float64 loop runs on every element, or NULL
 * (ufunc_loops_math.c; for fused chains' machine code). */
const void *ks__ufunc_vector_f64(ks_ufunc u);

/* y = exp(x) over n contiguous float64 values through the exp ufunc's kernel (SLEEF's vector exp
 * within 1 ULP where built with it): for C code elsewhere in kestrel (the did logits). */
void ks__exp_f64(const double *x, double *y, size_t n);

/* ---- writing loops ---- */

#define KS__LOOP_ARGS char **args, const ptrdiff_t *steps, ptrdiff_t n, const void *aux
#define KS__LOOP_NAME(f, ti) ks__loop_##f##_##ti
#define KS__LOOP_DECL(f, ti, to) void KS__LOOP_NAME(f, ti)(KS__LOOP_ARGS);
#define KS__UFUNC_DECL(E, f, nin) KS__LOOPS_##f(KS__LOOP_DECL)
KS__UFUNCS(KS__UFUNC_DECL)

/* out = OP(a, b), TI in and TO out: contiguous, either input a broadcast scalar, or strided.
 * ATTR is KS_KERNEL where the compiler vectorises OP (a clone per vector width) or empty. OP
 * may name TI (the input type) and UI (its wrapping unsigned type). */
#define KS__BINARY(ATTR, f, ti, TO, OP)                                                            \
    ATTR void KS__LOOP_NAME(f, ti)(KS__LOOP_ARGS)                                                  \
    {                                                                                              \
        typedef KS__T_##ti TI;                                                                     \
        typedef KS__U_##ti UI __attribute__((unused));                                             \
        (void)aux;                                                                                 \
        const char *pa = args[0], *pb = args[1];                                                   \
        char *po = args[2];                                                                        \
        const ptrdiff_t sa = steps[0], sb = steps[1], so = steps[2];                               \
        const ptrdiff_t si = (ptrdiff_t)sizeof(TI);                                                \
        if (so == (ptrdiff_t)sizeof(TO) && sa == si && sb == si) {                                 \
            const TI *a = (const TI *)pa, *b = (const TI *)pb;                                     \
            TO *o = (TO *)po;                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) o[i] = OP(a[i], b[i]);                               \
        } else if (so == (ptrdiff_t)sizeof(TO) && sa == 0 && sb == si) {                           \
            const TI x = *(const TI *)pa, *b = (const TI *)pb;                                     \
            TO *o = (TO *)po;                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) o[i] = OP(x, b[i]);                                  \
        } else if (so == (ptrdiff_t)sizeof(TO) && sb == 0 && sa == si) {                           \
            const TI y = *(const TI *)pb, *a = (const TI *)pa;                                     \
            TO *o = (TO *)po;                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) o[i] = OP(a[i], y);                                  \
        } else {                                                                                   \
            for (ptrdiff_t i = 0; i < n; i++)                                                      \
                *(TO *)(po + i * so) = OP(*(const TI *)(pa + i * sa), *(const TI *)(pb + i * sb)); \
        }                                                                                          \
    }

/* out = OP(a): contiguous or strided. */
#define KS__UNARY(ATTR, f, ti, TO, OP)                                                             \
    ATTR void KS__LOOP_NAME(f, ti)(KS__LOOP_ARGS)                                                  \
    {                                                                                              \
        typedef KS__T_##ti TI;                                                                     \
        typedef KS__U_##ti UI __attribute__((unused));                                             \
        (void)aux;                                                                                 \
        const char *pa = args[0];                                                                  \
        char *po = args[1];                                                                        \
        const ptrdiff_t sa = steps[0], so = steps[1];                                              \
        if (sa == (ptrdiff_t)sizeof(TI) && so == (ptrdiff_t)sizeof(TO)) {                          \
            const TI *a = (const TI *)pa;                                                          \
            TO *o = (TO *)po;                                                                      \
            for (ptrdiff_t i = 0; i < n; i++) o[i] = OP(a[i]);                                     \
        } else {                                                                                   \
            for (ptrdiff_t i = 0; i < n; i++)                                                      \
                *(TO *)(po + i * so) = OP(*(const TI *)(pa + i * sa));                             \
        }                                                                                          \
    }

/* M(f, ti, OP) for each integer dtype, each float dtype. */
#define KS__EACH_SINT(M, f, OP) M(f, i8, OP) M(f, i16, OP) M(f, i32, OP) M(f, i64, OP)
#define KS__EACH_UINT(M, f, OP) M(f, u8, OP) M(f, u16, OP) M(f, u32, OP) M(f, u64, OP)
#define KS__EACH_INT(M, f, OP) KS__EACH_SINT(M, f, OP) KS__EACH_UINT(M, f, OP)
#define KS__EACH_FLOAT(M, f, OP) M(f, f32, OP) M(f, f64, OP)

#endif
