/* ufunc_loops_math.c — the transcendental ufuncs on float32 and float64: exp, exp2, expm1, log,
 * log2, log10, log1p, the trigonometric, inverse and hyperbolic functions, cbrt, power, arctan2,
 * hypot, logaddexp, logaddexp2, deg2rad, rad2deg.
 *
 * With SLEEF (KS_HAVE_SLEEF) each function runs SLEEF's vector version within 1 ULP (hypot
 * 0.5 ULP) at the widest width the CPU has, chosen once: AVX-512F, AVX2 with FMA, or SSE2. Every
 * element goes through the same vector function (a short tail is padded to a full vector, a
 * strided operand gathered into a chunk), so a value never depends on its position in the call
 * or on how the engine splits the work between threads. Without SLEEF, libm one at a time. */
#include <float.h>
#include <stdatomic.h>
#include <string.h>

#include "array/tanh_avx2.h"
#include "array/ufunc_loops.h"
#include "base/simd.h"

#ifdef KS_HAVE_SLEEF
#include <immintrin.h>
/* sleef.h declares its AVX and AVX-512 functions only where the compiler targets them: declared
 * here for every width, called only from functions compiled for it. */
#pragma GCC push_options
#pragma GCC target("avx512f,avx2,fma")
#include <sleef.h>
#pragma GCC pop_options
#endif

#define CHUNK 256 /* elements gathered from strided operands at a time */

#ifdef KS_HAVE_SLEEF
/* 2: AVX-512F, 1: AVX2 and FMA, 0: SSE2; looked up once. */
static int vector_isa(void)
{
    static atomic_int isa = -1;
    int v = atomic_load_explicit(&isa, memory_order_relaxed);
    if (v < 0) {
        __builtin_cpu_init();
        v = __builtin_cpu_supports("avx512f")                                 ? 2
            : __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") ? 1
                                                                              : 0;
        atomic_store_explicit(&isa, v, memory_order_relaxed);
    }
    return v;
}

/* y = FN(x) (z = FN(x, y)) over n elements W at a time; the tail padded with zeros. */
#define VEC1_BODY(T, W, LOAD, STORE, FN)                                                           \
    ptrdiff_t i = 0;                                                                               \
    for (; i + W <= n; i += W) STORE(y + i, FN(LOAD(x + i)));                                      \
    if (i < n) {                                                                                   \
        T t[W] = {0};                                                                              \
        memcpy(t, x + i, (size_t)(n - i) * sizeof(T));                                             \
        STORE(t, FN(LOAD(t)));                                                                     \
        memcpy(y + i, t, (size_t)(n - i) * sizeof(T));                                             \
    }
#define VEC2_BODY(T, W, LOAD, STORE, FN)                                                           \
    ptrdiff_t i = 0;                                                                               \
    for (; i + W <= n; i += W) STORE(z + i, FN(LOAD(x + i), LOAD(y + i)));                         \
    if (i < n) {                                                                                   \
        T t[W] = {0}, u[W] = {0};                                                                  \
        memcpy(t, x + i, (size_t)(n - i) * sizeof(T));                                             \
        memcpy(u, y + i, (size_t)(n - i) * sizeof(T));                                             \
        STORE(t, FN(LOAD(t), LOAD(u)));                                                            \
        memcpy(z + i, t, (size_t)(n - i) * sizeof(T));                                             \
    }
#define AVX512 __attribute__((target("avx512f")))
#define AVX2 __attribute__((target("avx2,fma")))

/* kernels name_f64(x, y, n) and name_f32 from SLEEF's `sl` at accuracy `acc` (u10, u05); the
 * AVX2 float64 kernel `d4` (KERNEL1: SLEEF's) */
#define KERNEL1(name, sl, acc)                                                                     \
    AVX2 static void name##_sleef4(const double *x, double *y, ptrdiff_t n){                       \
        VEC1_BODY(double, 4, _mm256_loadu_pd, _mm256_storeu_pd,                                    \
                  Sleef_##sl##d4_##acc##avx2)} KERNEL1_D4(name, sl, acc, name##_sleef4)
#define KERNEL1_D4(name, sl, acc, d4)                                                              \
    AVX512 static void name##_d8(const double *x, double *y, ptrdiff_t n){VEC1_BODY(               \
        double, 8, _mm512_loadu_pd, _mm512_storeu_pd,                                              \
        Sleef_##sl##d8_##acc##avx512f)} AVX2 static void name##_d4(const double *x, double *y,     \
                                                                   ptrdiff_t n)                    \
    {                                                                                              \
        d4(x, y, n);                                                                               \
    }                                                                                              \
    static void name##_d2(const double *x, double *y, ptrdiff_t n){VEC1_BODY(                      \
        double, 2, _mm_loadu_pd, _mm_storeu_pd,                                                    \
        Sleef_##sl##d2_##acc##sse2)} AVX512 static void name##_s16(const float *x, float *y,       \
                                                                   ptrdiff_t n){VEC1_BODY(         \
        float, 16, _mm512_loadu_ps, _mm512_storeu_ps,                                              \
        Sleef_##sl##f16_##acc##avx512f)} AVX2 static void name##_s8(const float *x, float *y,      \
                                                                    ptrdiff_t n)                   \
    {                                                                                              \
        VEC1_BODY(float, 8, _mm256_loadu_ps, _mm256_storeu_ps, Sleef_##sl##f8_##acc##avx2)         \
    }                                                                                              \
    static void name##_s4(const float *x, float *y, ptrdiff_t n)                                   \
    {                                                                                              \
        VEC1_BODY(float, 4, _mm_loadu_ps, _mm_storeu_ps, Sleef_##sl##f4_##acc##sse2)               \
    }                                                                                              \
    static void name##_f64(const double *x, double *y, ptrdiff_t n)                                \
    {                                                                                              \
        switch (vector_isa()) {                                                                    \
        case 2: name##_d8(x, y, n); break;                                                         \
        case 1: name##_d4(x, y, n); break;                                                         \
        default: name##_d2(x, y, n);                                                               \
        }                                                                                          \
    }                                                                                              \
    static void name##_f32(const float *x, float *y, ptrdiff_t n)                                  \
    {                                                                                              \
        switch (vector_isa()) {                                                                    \
        case 2: name##_s16(x, y, n); break;                                                        \
        case 1: name##_s8(x, y, n); break;                                                         \
        default: name##_s4(x, y, n);                                                               \
        }                                                                                          \
    }
#define KERNEL2(name, sl, acc)                                                                     \
    AVX512 static void name##_d8(const double *x, const double *y, double *z, ptrdiff_t n){        \
        VEC2_BODY(double, 8, _mm512_loadu_pd, _mm512_storeu_pd,                                    \
                  Sleef_##sl##d8_##acc##avx512f)} AVX2 static void name##_d4(const double *x,      \
                                                                             const double *y,      \
                                                                             double *z,            \
                                                                             ptrdiff_t n)          \
    {                                                                                              \
        VEC2_BODY(double, 4, _mm256_loadu_pd, _mm256_storeu_pd, Sleef_##sl##d4_##acc##avx2)        \
    }                                                                                              \
    static void name##_d2(const double *x, const double *y, double *z, ptrdiff_t n){VEC2_BODY(     \
        double, 2, _mm_loadu_pd, _mm_storeu_pd,                                                    \
        Sleef_##sl##d2_##acc##sse2)} AVX512 static void name##_s16(const float *x, const float *y, \
                                                                   float *z, ptrdiff_t n){         \
        VEC2_BODY(float, 16, _mm512_loadu_ps, _mm512_storeu_ps,                                    \
                  Sleef_##sl##f16_##acc##avx512f)} AVX2 static void name##_s8(const float *x,      \
                                                                              const float *y,      \
                                                                              float *z,            \
                                                                              ptrdiff_t n)         \
    {                                                                                              \
        VEC2_BODY(float, 8, _mm256_loadu_ps, _mm256_storeu_ps, Sleef_##sl##f8_##acc##avx2)         \
    }                                                                                              \
    static void name##_s4(const float *x, const float *y, float *z, ptrdiff_t n)                   \
    {                                                                                              \
        VEC2_BODY(float, 4, _mm_loadu_ps, _mm_storeu_ps, Sleef_##sl##f4_##acc##sse2)               \
    }                                                                                              \
    static void name##_f64(const double *x, const double *y, double *z, ptrdiff_t n)               \
    {                                                                                              \
        switch (vector_isa()) {                                                                    \
        case 2: name##_d8(x, y, z, n); break;                                                      \
        case 1: name##_d4(x, y, z, n); break;                                                      \
        default: name##_d2(x, y, z, n);                                                            \
        }                                                                                          \
    }                                                                                              \
    static void name##_f32(const float *x, const float *y, float *z, ptrdiff_t n)                  \
    {                                                                                              \
        switch (vector_isa()) {                                                                    \
        case 2: name##_s16(x, y, z, n); break;                                                     \
        case 1: name##_s8(x, y, z, n); break;                                                      \
        default: name##_s4(x, y, z, n);                                                            \
        }                                                                                          \
    }
#else
#define KERNEL1_D4(name, sl, acc, d4) KERNEL1(name, sl, acc)
#define KERNEL1(name, sl, acc)                                                                     \
    static void name##_f64(const double *x, double *y, ptrdiff_t n)                                \
    {                                                                                              \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = sl(x[i]);                                         \
    }                                                                                              \
    static void name##_f32(const float *x, float *y, ptrdiff_t n)                                  \
    {                                                                                              \
        for (ptrdiff_t i = 0; i < n; i++) y[i] = sl##f(x[i]);                                      \
    }
#define KERNEL2(name, sl, acc)                                                                     \
    static void name##_f64(const double *x, const double *y, double *z, ptrdiff_t n)               \
    {                                                                                              \
        for (ptrdiff_t i = 0; i < n; i++) z[i] = sl(x[i], y[i]);                                   \
    }                                                                                              \
    static void name##_f32(const float *x, const float *y, float *z, ptrdiff_t n)                  \
    {                                                                                              \
        for (ptrdiff_t i = 0; i < n; i++) z[i] = sl##f(x[i], y[i]);                                \
    }
#endif

KERNEL1(k_exp, exp, u10)
void ks__exp_f64(const double *x, double *y, size_t n) { k_exp_f64(x, y, (ptrdiff_t)n); }
KERNEL1(k_exp2, exp2, u10)
KERNEL1(k_expm1, expm1, u10)
KERNEL1(k_log, log, u10)
KERNEL1(k_log2, log2, u10)
KERNEL1(k_log10, log10, u10)
KERNEL1(k_log1p_raw, log1p, u10)
KERNEL1(k_sin, sin, u10)
KERNEL1(k_cos, cos, u10)
KERNEL1(k_tan, tan, u10)
KERNEL1(k_arcsin, asin, u10)
KERNEL1(k_arccos, acos, u10)
KERNEL1(k_arctan, atan, u10)
KERNEL1(k_sinh_raw, sinh, u10)
KERNEL1(k_cosh_raw, cosh, u10)
KERNEL1_D4(k_tanh, tanh, u10, ks__tanh_f64_avx2) /* tanh_avx2.c: 1.9x faster than SLEEF's */
KERNEL1(k_arcsinh_raw, asinh, u10)
KERNEL1(k_arccosh_raw, acosh, u10)
KERNEL1(k_arctanh, atanh, u10)
KERNEL1(k_cbrt, cbrt, u10)
KERNEL2(k_power_raw, pow, u10)

/* SLEEF's log1p, sinh, cosh, asinh and acosh overflow to inf short of the type's range (log1p of
 * x > ~1e307, sinh and cosh of 709.78 < |x| < 710.48, asinh and acosh of |x| > ~1e154: an
 * intermediate overflows); there libm gives the value. The input is copied first, as y may be
 * x. */
#define WITH_LIBM_BEYOND(name, sfx, T, ABS, fn, LIMIT)                                             \
    static void name##_##sfx(const T *x, T *y, ptrdiff_t n)                                        \
    {                                                                                              \
        T t[CHUNK];                                                                                \
        for (ptrdiff_t i0 = 0; i0 < n; i0 += CHUNK) {                                              \
            const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;                                   \
            memcpy(t, x + i0, (size_t)m * sizeof(T));                                              \
            name##_raw_##sfx(t, y + i0, m);                                                        \
            for (ptrdiff_t i = 0; i < m; i++)                                                      \
                if (ABS(t[i]) > (T)(LIMIT) && isfinite(t[i])) y[i0 + i] = fn(t[i]);                \
        }                                                                                          \
    }
WITH_LIBM_BEYOND(k_log1p, f64, double, fabs, log1p, 1e300)
WITH_LIBM_BEYOND(k_log1p, f32, float, fabsf, log1pf, 1e30)
WITH_LIBM_BEYOND(k_sinh, f64, double, fabs, sinh, 709)
WITH_LIBM_BEYOND(k_sinh, f32, float, fabsf, sinhf, 88)
WITH_LIBM_BEYOND(k_cosh, f64, double, fabs, cosh, 709)
WITH_LIBM_BEYOND(k_cosh, f32, float, fabsf, coshf, 88)
WITH_LIBM_BEYOND(k_arcsinh, f64, double, fabs, asinh, 1e150)
WITH_LIBM_BEYOND(k_arcsinh, f32, float, fabsf, asinhf, 1e18)
WITH_LIBM_BEYOND(k_arccosh, f64, double, fabs, acosh, 1e150)
WITH_LIBM_BEYOND(k_arccosh, f32, float, fabsf, acoshf, 1e18)

/* SLEEF's pow overflows near the top of the range (pow(DBL_MAX, 1) is inf): a result that is
 * infinite, zero or subnormal from finite nonzero operands comes from libm instead, unless
 * y * log2|x| puts it far beyond the range (0.9 ** arange(n): libm's underflow path costs ~80 ns
 * an element, and its answer there is SLEEF's, 0 or inf). */
#define POW_FAR(r, x, y, EMIN, EMAX)                                                               \
    (((r) == 0 && log2(fabs((double)(x))) * (y) < (EMIN)) ||                                       \
     (isinf(r) && log2(fabs((double)(x))) * (y) > (EMAX)))
#define POW_CHECKED(sfx, T, fn, TMIN, EMIN, EMAX)                                                  \
    static void k_power_##sfx(const T *x, const T *y, T *z, ptrdiff_t n)                           \
    {                                                                                              \
        T t[CHUNK], u[CHUNK];                                                                      \
        for (ptrdiff_t i0 = 0; i0 < n; i0 += CHUNK) {                                              \
            const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;                                   \
            memcpy(t, x + i0, (size_t)m * sizeof(T));                                              \
            memcpy(u, y + i0, (size_t)m * sizeof(T));                                              \
            k_power_raw_##sfx(t, u, z + i0, m);                                                    \
            for (ptrdiff_t i = 0; i < m; i++) {                                                    \
                const T r = z[i0 + i];                                                             \
                if ((isinf(r) || (r > -TMIN && r < TMIN)) && t[i] != 0 && isfinite(t[i]) &&        \
                    isfinite(u[i]) && !POW_FAR(r, t[i], u[i], EMIN, EMAX))                         \
                    z[i0 + i] = fn(t[i], u[i]);                                                    \
            }                                                                                      \
        }                                                                                          \
    }
POW_CHECKED(f64, double, pow, DBL_MIN, -1080, 1030) /* 2^-1075 rounds to 0; 2^1024 is inf */
POW_CHECKED(f32, float, powf, FLT_MIN, -155, 134)   /* 2^-150; 2^128 */
KERNEL2(k_arctan2, atan2, u10)
KERNEL2(k_hypot, hypot, u05)

/* ---- the loops: contiguous operands straight to the kernel, others through chunks ---- */

static inline void gather(void *dst, const char *src, ptrdiff_t step, ptrdiff_t m, size_t size)
{
    char *d = dst;
    for (ptrdiff_t i = 0; i < m; i++) memcpy(d + (size_t)i * size, src + i * step, size);
}

static inline void scatter(char *dst, ptrdiff_t step, const void *src, ptrdiff_t m, size_t size)
{
    const char *s = src;
    for (ptrdiff_t i = 0; i < m; i++) memcpy(dst + i * step, s + (size_t)i * size, size);
}

#define VLOOP1(fname, T, kern)                                                                     \
    static void fname(char **args, const ptrdiff_t *steps, ptrdiff_t n)                            \
    {                                                                                              \
        if (steps[0] == (ptrdiff_t)sizeof(T) && steps[1] == (ptrdiff_t)sizeof(T)) {                \
            kern((const T *)args[0], (T *)args[1], n);                                             \
            return;                                                                                \
        }                                                                                          \
        T buf[CHUNK];                                                                              \
        for (ptrdiff_t i0 = 0; i0 < n; i0 += CHUNK) {                                              \
            const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;                                   \
            gather(buf, args[0] + i0 * steps[0], steps[0], m, sizeof(T));                          \
            kern(buf, buf, m);                                                                     \
            scatter(args[1] + i0 * steps[1], steps[1], buf, m, sizeof(T));                         \
        }                                                                                          \
    }
#define VLOOP2(fname, T, kern)                                                                     \
    static void fname(char **args, const ptrdiff_t *steps, ptrdiff_t n)                            \
    {                                                                                              \
        const ptrdiff_t w = (ptrdiff_t)sizeof(T);                                                  \
        if (steps[0] == w && steps[1] == w && steps[2] == w) {                                     \
            kern((const T *)args[0], (const T *)args[1], (T *)args[2], n);                         \
            return;                                                                                \
        }                                                                                          \
        T ba[CHUNK], bb[CHUNK], bo[CHUNK];                                                         \
        for (ptrdiff_t i0 = 0; i0 < n; i0 += CHUNK) {                                              \
            const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;                                   \
            const T *pa = (const T *)(args[0] + i0 * steps[0]);                                    \
            const T *pb = (const T *)(args[1] + i0 * steps[1]);                                    \
            T *po = steps[2] == w ? (T *)(args[2] + i0 * w) : bo;                                  \
            if (steps[0] != w) pa = (gather(ba, (const char *)pa, steps[0], m, sizeof(T)), ba);    \
            if (steps[1] != w) pb = (gather(bb, (const char *)pb, steps[1], m, sizeof(T)), bb);    \
            kern(pa, pb, po, m);                                                                   \
            if (po == bo) scatter(args[2] + i0 * steps[2], steps[2], bo, m, sizeof(T));            \
        }                                                                                          \
    }

/* The public loops of a unary (binary) kernel for float32 and float64. */
#define UNARY_LOOPS(f)                                                                             \
    VLOOP1(run_##f##_f32, float, k_##f##_f32)                                                      \
    VLOOP1(run_##f##_f64, double, k_##f##_f64)                                                     \
    void KS__LOOP_NAME(f, f32)(KS__LOOP_ARGS)                                                      \
    {                                                                                              \
        (void)aux;                                                                                 \
        run_##f##_f32(args, steps, n);                                                             \
    }                                                                                              \
    void KS__LOOP_NAME(f, f64)(KS__LOOP_ARGS)                                                      \
    {                                                                                              \
        (void)aux;                                                                                 \
        run_##f##_f64(args, steps, n);                                                             \
    }
#define BINARY_LOOPS(f)                                                                            \
    VLOOP2(run_##f##_f32, float, k_##f##_f32)                                                      \
    VLOOP2(run_##f##_f64, double, k_##f##_f64)                                                     \
    void KS__LOOP_NAME(f, f32)(KS__LOOP_ARGS)                                                      \
    {                                                                                              \
        (void)aux;                                                                                 \
        run_##f##_f32(args, steps, n);                                                             \
    }                                                                                              \
    void KS__LOOP_NAME(f, f64)(KS__LOOP_ARGS)                                                      \
    {                                                                                              \
        (void)aux;                                                                                 \
        run_##f##_f64(args, steps, n);                                                             \
    }

UNARY_LOOPS(exp)
UNARY_LOOPS(exp2)
UNARY_LOOPS(expm1)
UNARY_LOOPS(log)
UNARY_LOOPS(log2)
UNARY_LOOPS(log10)
UNARY_LOOPS(log1p)
UNARY_LOOPS(sin)
UNARY_LOOPS(cos)
UNARY_LOOPS(tan)
UNARY_LOOPS(arcsin)
UNARY_LOOPS(arccos)
UNARY_LOOPS(arctan)
UNARY_LOOPS(sinh)
UNARY_LOOPS(cosh)
UNARY_LOOPS(tanh)
UNARY_LOOPS(arcsinh)
UNARY_LOOPS(arccosh)
UNARY_LOOPS(arctanh)
UNARY_LOOPS(cbrt)
BINARY_LOOPS(arctan2)
BINARY_LOOPS(hypot)

/* The AVX2 function (SLEEF's d4: 4 float64 lanes in ymm0, the result in ymm0) that u's float64
 * loop runs on every element, for the machine code of fused chains (fuse_jit.c), or NULL: u's
 * loop is not one such function alone (fix-ups, libm), or this CPU's loops run another width
 * (AVX-512) whose bits the d4 function need not give. */
const void *ks__ufunc_vector_f64(ks_ufunc u)
{
#ifdef KS_HAVE_SLEEF
    if (vector_isa() != 1) return NULL;
    switch (u) {
    case KS_UFUNC_EXP: return (const void *)Sleef_expd4_u10avx2;
    case KS_UFUNC_EXP2: return (const void *)Sleef_exp2d4_u10avx2;
    case KS_UFUNC_EXPM1: return (const void *)Sleef_expm1d4_u10avx2;
    case KS_UFUNC_LOG: return (const void *)Sleef_logd4_u10avx2;
    case KS_UFUNC_LOG2: return (const void *)Sleef_log2d4_u10avx2;
    case KS_UFUNC_LOG10: return (const void *)Sleef_log10d4_u10avx2;
    case KS_UFUNC_SIN: return (const void *)Sleef_sind4_u10avx2;
    case KS_UFUNC_COS: return (const void *)Sleef_cosd4_u10avx2;
    case KS_UFUNC_TAN: return (const void *)Sleef_tand4_u10avx2;
    case KS_UFUNC_ARCSIN: return (const void *)Sleef_asind4_u10avx2;
    case KS_UFUNC_ARCCOS: return (const void *)Sleef_acosd4_u10avx2;
    case KS_UFUNC_ARCTAN: return (const void *)Sleef_atand4_u10avx2;
    case KS_UFUNC_TANH: return (const void *)ks__tanh_d4;
    case KS_UFUNC_ARCTANH: return (const void *)Sleef_atanhd4_u10avx2;
    case KS_UFUNC_CBRT: return (const void *)Sleef_cbrtd4_u10avx2;
    default: return NULL;
    }
#else
    (void)u;
    return NULL;
#endif
}

/* ---- logaddexp, logaddexp2: NumPy's formulas, the exp and log1p through the kernels ---- */

/* log(e^x + e^y) = max + log1p(e^-|x - y|); equal arguments (infinities too) give x + log 2.
 * For base 2, log2 of 1 + 2^-|x - y| and x + 1. */
#define LOGADDEXP(T, name, expk, ONE_UP, SCALE)                                                    \
    static void name(const T *x, const T *y, T *z, ptrdiff_t n)                                    \
    {                                                                                              \
        T d[CHUNK];                                                                                \
        for (ptrdiff_t i0 = 0; i0 < n; i0 += CHUNK) {                                              \
            const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;                                   \
            for (ptrdiff_t i = 0; i < m; i++) d[i] = -fabs(x[i0 + i] - y[i0 + i]);                 \
            expk(d, d, m);                                                                         \
            k_log1p_##T(d, d, m);                                                                  \
            for (ptrdiff_t i = 0; i < m; i++) {                                                    \
                const T a = x[i0 + i], b = y[i0 + i], t = a - b, l = (T)(SCALE)*d[i];              \
                z[i0 + i] = a == b ? a + (T)(ONE_UP) : t > 0 ? a + l : t <= 0 ? b + l : t;         \
            }                                                                                      \
        }                                                                                          \
    }
#define k_log1p_float k_log1p_f32
#define k_log1p_double k_log1p_f64
LOGADDEXP(double, k_logaddexp_f64, k_exp_f64, M_LN2, 1)
LOGADDEXP(float, k_logaddexp_f32, k_exp_f32, M_LN2, 1)
LOGADDEXP(double, k_logaddexp2_f64, k_exp2_f64, 1, M_LOG2E)
LOGADDEXP(float, k_logaddexp2_f32, k_exp2_f32, 1, M_LOG2E)
BINARY_LOOPS(logaddexp)
BINARY_LOOPS(logaddexp2)

/* ---- power: NumPy's exact shortcuts for a broadcast exponent, else pow ---- */

/* Exponent -1, 0, 0.5, 1, 2 broadcast over the call: 1/x, 1, sqrt(x), x, x*x (so that
 * power(-0.0, 0.5) is -0.0 and power(-inf, 0.5) NaN there, as in NumPy, unlike pow). */
#define POW_SHORTCUT(T, name, SQRT)                                                                \
    static bool name(char **args, const ptrdiff_t *steps, ptrdiff_t n)                             \
    {                                                                                              \
        const T e = *(const T *)args[1];                                                           \
        if (steps[1] != 0 || !(e == -1 || e == 0 || e == (T)0.5 || e == 1 || e == 2))              \
            return false;                                                                          \
        const char *pa = args[0];                                                                  \
        char *po = args[2];                                                                        \
        for (ptrdiff_t i = 0; i < n; i++) {                                                        \
            const T a = *(const T *)(pa + i * steps[0]);                                           \
            *(T *)(po + i * steps[2]) = e == -1  ? 1 / a                                           \
                                        : e == 0 ? (T)1                                            \
                                        : e == 1 ? a                                               \
                                        : e == 2 ? a * a                                           \
                                                 : SQRT(a);                                        \
        }                                                                                          \
        return true;                                                                               \
    }
POW_SHORTCUT(float, pow_shortcut_f32, sqrtf)
POW_SHORTCUT(double, pow_shortcut_f64, sqrt)
VLOOP2(run_power_f32, float, k_power_f32)
VLOOP2(run_power_f64, double, k_power_f64)

/* x**3 (GELU's, and any cube) without pow: the exact cube as a sum of three doubles from
 * Dekker's products (Veltkamp's split; no FMA, so every clone rounds alike), rounded once: the
 * correctly rounded cube but in cases closer to a tie than 2^-100 relative, where pow is
 * correctly rounded too (glibc) or within 1 ULP (SLEEF). Outside 2^-300 .. 2^300, or for zeros
 * and non-finite x, libm's pow. float32: the cube in double, rounded to float. */
KS_INLINE void split(double a, double *hi, double *lo)
{
    const double c = 134217729.0 * a; /* 2^27 + 1 */
    *hi = c - (c - a);
    *lo = a - *hi;
}
KS_INLINE double two_prod(double a, double b, double *err)
{
    double ah, al, bh, bl;
    const double p = a * b;
    split(a, &ah, &al);
    split(b, &bh, &bl);
    *err = ((ah * bh - p) + ah * bl + al * bh) + al * bl;
    return p;
}
/* The cubes of x[0..n) into z (which may be x); the count of x outside 2^-300 .. 2^300. */
KS_KERNEL static ptrdiff_t cube_dd(const double *x, double *z, ptrdiff_t n)
{
    ptrdiff_t out = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const double a = x[i], m = fabs(a);
        double l, e;
        const double h = two_prod(a, a, &l), p = two_prod(h, a, &e);
        out += !(m > 0x1p-300 && m < 0x1p300);
        z[i] = p + (e + l * a);
    }
    return out;
}
static void k_cube_f64(const double *x, double *z, ptrdiff_t n)
{
    if (x != z && cube_dd(x, z, n) == 0) return;
    double t[CHUNK];
    for (ptrdiff_t i0 = 0; i0 < n; i0 += CHUNK) { /* x is z, or a value is out of range */
        const ptrdiff_t m = n - i0 < CHUNK ? n - i0 : CHUNK;
        memcpy(t, x + i0, (size_t)m * sizeof *t);
        if (cube_dd(t, z + i0, m) == 0) continue;
        for (ptrdiff_t i = 0; i < m; i++) {
            const double a = fabs(t[i]);
            if (!(a > 0x1p-300 && a < 0x1p300)) z[i0 + i] = pow(t[i], 3.0);
        }
    }
}
KS_KERNEL static void k_cube_f32(const float *x, float *z, ptrdiff_t n)
{
    for (ptrdiff_t i = 0; i < n; i++) {
        const double a = x[i];
        z[i] = (float)(a * a * a);
    }
}
VLOOP1(run_cube_f32, float, k_cube_f32)
VLOOP1(run_cube_f64, double, k_cube_f64)

void KS__LOOP_NAME(power, f32)(KS__LOOP_ARGS)
{
    (void)aux;
    if (steps[1] == 0 && *(const float *)args[1] == 3.0f) {
        char *io[2] = {args[0], args[2]};
        const ptrdiff_t st[2] = {steps[0], steps[2]};
        run_cube_f32(io, st, n);
    } else if (!pow_shortcut_f32(args, steps, n)) {
        run_power_f32(args, steps, n);
    }
}

void KS__LOOP_NAME(power, f64)(KS__LOOP_ARGS)
{
    (void)aux;
    if (steps[1] == 0 && *(const double *)args[1] == 3.0) {
        char *io[2] = {args[0], args[2]};
        const ptrdiff_t st[2] = {steps[0], steps[2]};
        run_cube_f64(io, st, n);
    } else if (!pow_shortcut_f64(args, steps, n)) {
        run_power_f64(args, steps, n);
    }
}

/* ---- deg2rad, rad2deg: one multiplication, by the constant computed in the type ---- */

#define DEG2RAD(a) ((a) * ((TI)M_PI / (TI)180))
#define RAD2DEG(a) ((a) * ((TI)180 / (TI)M_PI))
KS__UNARY(KS_KERNEL, deg2rad, f32, float, DEG2RAD)
KS__UNARY(KS_KERNEL, deg2rad, f64, double, DEG2RAD)
KS__UNARY(KS_KERNEL, rad2deg, f32, float, RAD2DEG)
KS__UNARY(KS_KERNEL, rad2deg, f64, double, RAD2DEG)
