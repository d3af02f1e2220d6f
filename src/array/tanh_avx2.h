/* tanh_avx2.h — kestrel's own float64 tanh for AVX2 with FMA (tanh_avx2.c), on x86-64 only. */
#ifndef KS_TANH_AVX2_H
#define KS_TANH_AVX2_H

#if defined(__GNUC__) && defined(__x86_64__)
#define KS_HAVE_TANH_AVX2 1
#include <immintrin.h>
#include <stddef.h>

#pragma GCC push_options
#pragma GCC target("avx2,fma")
/* tanh of 4 lanes (ymm0 in, ymm0 out, as SLEEF's d4 functions: fused chains call it) */
__m256d ks__tanh_d4(__m256d x);
#pragma GCC pop_options
/* y = tanh(x), n contiguous elements; call only where the CPU has AVX2 and FMA */
void ks__tanh_f64_avx2(const double *x, double *y, ptrdiff_t n);
#endif

#endif
