/* ufunc_defs.c — ks__ufunc_defs: each ufunc's typed loops in NumPy's `ufunc.types` order (over
 * the 13 dtypes here: no float16, longdouble or object; NumPy's duplicate entries once), from
 * the lists in ufunc_loops.h, and its cost for the threading decision.
 *
 * Where NumPy's first loop that an integer or bool input casts to safely is float16 (sqrt, exp,
 * ... of int8, uint8 or bool), the first here is float32, so those results are float32 where
 * NumPy's are float16. */
#include "array/ufunc_loops.h"

#define ENTRY(f, ti, to) {KS__DT_##ti, KS__DT_##to, KS__LOOP_NAME(f, ti)},
#define LOOPS(E, f, nin) static const ks__ufunc_loop loops_##f[] = {KS__LOOPS_##f(ENTRY)};
KS__UFUNCS(LOOPS)

/* ns per element, one thread, float64 contiguous at 1M elements (bench/array_loops.c, the minimum
 * of runs on the 2-core AMD EPYC (AVX2) this was written on, loaded by other work) */
#define COST_add 0.63
#define COST_subtract 0.55
#define COST_multiply 0.5
#define COST_divide 0.48
#define COST_floor_divide 47
#define COST_remainder 14
#define COST_fmod 10
#define COST_power 27
#define COST_maximum 0.47
#define COST_minimum 0.46
#define COST_fmax 0.55
#define COST_fmin 0.51
#define COST_hypot 3.9
#define COST_arctan2 9.9
#define COST_copysign 0.5
#define COST_nextafter 2
#define COST_logaddexp 19
#define COST_logaddexp2 17
#define COST_equal 0.29
#define COST_not_equal 0.36
#define COST_less 0.26
#define COST_less_equal 0.29
#define COST_greater 0.26
#define COST_greater_equal 0.34
#define COST_logical_and 0.3
#define COST_logical_or 0.32
#define COST_logical_xor 0.3
#define COST_bitwise_and 0.54
#define COST_bitwise_or 0.57
#define COST_bitwise_xor 0.52
#define COST_left_shift 0.48
#define COST_right_shift 0.5
#define COST_negative 0.27
#define COST_positive 0.24
#define COST_absolute 0.23
#define COST_sign 0.23
#define COST_logical_not 0.2
#define COST_invert 0.25
#define COST_floor 0.26
#define COST_ceil 0.25
#define COST_trunc 0.28
#define COST_rint 0.23
#define COST_sqrt 0.68
#define COST_cbrt 11
#define COST_square 0.24
#define COST_reciprocal 0.35
#define COST_exp 2
#define COST_exp2 1.5
#define COST_expm1 4.2
#define COST_log 3.5
#define COST_log2 3.7
#define COST_log10 3.6
#define COST_log1p 5.3
#define COST_sin 2.6
#define COST_cos 2.9
#define COST_tan 3.4
#define COST_arcsin 3.2
#define COST_arccos 3.7
#define COST_arctan 3.9
#define COST_sinh 9.6
#define COST_cosh 9.9
#define COST_tanh 9.8
#define COST_arcsinh 23
#define COST_arccosh 24
#define COST_arctanh 8.6
#define COST_deg2rad 0.23
#define COST_rad2deg 0.23
#define COST_isnan 0.2
#define COST_isinf 0.2
#define COST_isfinite 0.2
#define COST_signbit 0.2
#define COST_conjugate 0.24
#define COST_real 0.26
#define COST_imag 0.2

#define DEF(E, f, nin)                                                                             \
    [KS_UFUNC_##E] = {#f, nin, (int)(sizeof loops_##f / sizeof *loops_##f), loops_##f, COST_##f},
const ks__ufunc_def ks__ufunc_defs[KS_NUFUNCS] = {KS__UFUNCS(DEF)};
