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

/* ns per element, one thread, float64 contiguous at 1M elements (bench/array_loops_bench.c on
 * the 2-core AMD EPYC (AVX2) this was written on; memory-bound loops near 1 ns) */
#define COST_add 1.0
#define COST_subtract 1.0
#define COST_multiply 1.0
#define COST_divide 1.0
#define COST_floor_divide 4.0
#define COST_remainder 4.0
#define COST_fmod 8.0
#define COST_power 8.0
#define COST_maximum 1.0
#define COST_minimum 1.0
#define COST_fmax 1.0
#define COST_fmin 1.0
#define COST_hypot 3.0
#define COST_arctan2 6.0
#define COST_copysign 1.0
#define COST_logaddexp 8.0
#define COST_logaddexp2 8.0
#define COST_equal 0.8
#define COST_not_equal 0.8
#define COST_less 0.8
#define COST_less_equal 0.8
#define COST_greater 0.8
#define COST_greater_equal 0.8
#define COST_logical_and 0.8
#define COST_logical_or 0.8
#define COST_logical_xor 0.8
#define COST_bitwise_and 1.0
#define COST_bitwise_or 1.0
#define COST_bitwise_xor 1.0
#define COST_left_shift 1.0
#define COST_right_shift 1.0
#define COST_negative 0.8
#define COST_positive 0.8
#define COST_absolute 0.8
#define COST_sign 0.8
#define COST_logical_not 0.6
#define COST_invert 0.8
#define COST_floor 0.8
#define COST_ceil 0.8
#define COST_trunc 0.8
#define COST_rint 0.8
#define COST_sqrt 1.5
#define COST_cbrt 4.0
#define COST_square 0.8
#define COST_reciprocal 1.0
#define COST_exp 2.0
#define COST_exp2 2.0
#define COST_expm1 3.0
#define COST_log 2.0
#define COST_log2 2.0
#define COST_log10 2.5
#define COST_log1p 3.0
#define COST_sin 3.0
#define COST_cos 3.0
#define COST_tan 4.0
#define COST_arcsin 3.0
#define COST_arccos 3.0
#define COST_arctan 3.0
#define COST_sinh 3.0
#define COST_cosh 3.0
#define COST_tanh 3.0
#define COST_arcsinh 4.0
#define COST_arccosh 4.0
#define COST_arctanh 4.0
#define COST_deg2rad 0.8
#define COST_rad2deg 0.8
#define COST_isnan 0.6
#define COST_isinf 0.6
#define COST_isfinite 0.6
#define COST_signbit 0.6
#define COST_conjugate 0.8
#define COST_real 0.8
#define COST_imag 0.8

#define DEF(E, f, nin)                                                                             \
    [KS_UFUNC_##E] = {#f, nin, (int)(sizeof loops_##f / sizeof *loops_##f), loops_##f, COST_##f},
const ks__ufunc_def ks__ufunc_defs[KS_NUFUNCS] = {KS__UFUNCS(DEF)};
