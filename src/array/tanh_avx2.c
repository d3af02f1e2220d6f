/* tanh_avx2.c — float64 tanh, 4 lanes in AVX2 with FMA, within 1 ULP (measured 0.51 ULP).
 *
 * SLEEF's tanh (u10) divides in double-double arithmetic and took 6.2 ns an element here, three
 * quarters of a fused GELU's time. This one needs one division:
 *
 *   a = |x|, y = 2a = k ln2 + r (|r| <= ln2/2), A = e^r - 1 as a sum of two doubles, and
 *   tanh a = (e^y - 1) / (e^y + 1) = ((1 - 2^-k) + A) / ((1 + 2^-k) + A).
 *
 * ln2 is split so that k * ln2_hi is exact (k <= 58), so r is exact; ln2_lo's part enters A's
 * low half. e^r - 1 = r + r^2/2 + r^3 Q(r) with Q Taylor's series to r^15 (the first term left
 * out is below 2^-67 |r|): r^2 is split exactly by an FMA, and r + r^2/2 added without error,
 * so A carries about 2^-57 relative error. Numerator and denominator are then sums of two
 * doubles (1 +- 2^-k is exact for k <= 52, and |A| < 1/2 <= 1 - 2^-k for k >= 1 makes each
 * Fast2Sum exact), and the quotient is the rounded quotient of their high parts corrected by the
 * exact remainder. From k >= 27 (a > 9.2) tanh a = 1 - 2^(1-k) / denominator, the subtracted
 * part below 2^-26, is used instead, which also covers k > 52. |x| >= 20 gives 1, as tanh
 * rounds to 1 from 19.07; a NaN passes through; the sign is x's. */
#include "array/tanh_avx2.h"

#ifdef KS_HAVE_TANH_AVX2
#include <string.h>

/* no contraction of a * b + c beyond the FMAs written: the exact steps rely on it */
#define AVX2 __attribute__((target("avx2,fma"), optimize("fp-contract=off")))

static inline AVX2 __m256d tanh_d4(__m256d x)
{
    const __m256d sign = _mm256_set1_pd(-0.0), one = _mm256_set1_pd(1.0);
    const __m256d a = _mm256_min_pd(_mm256_set1_pd(20.0), _mm256_andnot_pd(sign, x)); /* NaN: a */
    const __m256d y = _mm256_add_pd(a, a);

    /* k = round(y / ln2) through the 2^52 + 2^51 shifter, whose low bits are k as an integer */
    const __m256d shifter = _mm256_set1_pd(0x1.8p52);
    const __m256d ks = _mm256_fmadd_pd(y, _mm256_set1_pd(0x1.71547652b82fep+0), shifter);
    const __m256d k = _mm256_sub_pd(ks, shifter);
    const __m256d r = _mm256_fnmadd_pd(k, _mm256_set1_pd(0x1.62e42fefa39c0p-1), y); /* exact */
    const __m256d rl = _mm256_mul_pd(k, _mm256_set1_pd(-0x1.79abc9e3b3980p-48));

    /* 2^-k from k's integer bits: exponent field 1023 - k */
    const __m256i kbits = _mm256_sub_epi64(_mm256_castpd_si256(ks), _mm256_castpd_si256(shifter));
    const __m256d pk = _mm256_castsi256_pd(
        _mm256_slli_epi64(_mm256_sub_epi64(_mm256_set1_epi64x(1023), kbits), 52));

    /* Q(r) = sum r^(n-3) / n!, n = 3..15, in Estrin's scheme (Horner's chain of 12 dependent
     * FMAs made the function latency-bound) */
#define C(v) _mm256_set1_pd(v)
    const __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    const __m256d p0 = _mm256_fmadd_pd(C(0x1.5555555555555p-5), r, C(0x1.5555555555555p-3));
    const __m256d p1 = _mm256_fmadd_pd(C(0x1.6c16c16c16c17p-10), r, C(0x1.1111111111111p-7));
    const __m256d p2 = _mm256_fmadd_pd(C(0x1.a01a01a01a01ap-16), r, C(0x1.a01a01a01a01ap-13));
    const __m256d p3 = _mm256_fmadd_pd(C(0x1.27e4fb7789f5cp-22), r, C(0x1.71de3a556c734p-19));
    const __m256d p4 = _mm256_fmadd_pd(C(0x1.1eed8eff8d898p-29), r, C(0x1.ae64567f544e4p-26));
    const __m256d p5 = _mm256_fmadd_pd(C(0x1.93974a8c07c9dp-37), r, C(0x1.6124613a86d09p-33));
    const __m256d p6 = C(0x1.ae7f3e733b81fp-41);
#undef C
    const __m256d u0 =
        _mm256_fmadd_pd(_mm256_fmadd_pd(p3, r2, p2), r4, _mm256_fmadd_pd(p1, r2, p0));
    const __m256d u1 = _mm256_fmadd_pd(p6, r4, _mm256_fmadd_pd(p5, r2, p4));
    const __m256d q = _mm256_fmadd_pd(u1, r8, u0);

    /* A = e^(r + rl) - 1 = ah + al */
    const __m256d half = _mm256_set1_pd(0.5);
    const __m256d r2l = _mm256_fmsub_pd(r, r, r2);
    const __m256d h = _mm256_mul_pd(half, r2);
    const __m256d s = _mm256_add_pd(r, h);
    __m256d t = _mm256_add_pd(_mm256_sub_pd(r, s), h); /* r + h - s, exactly */
    t = _mm256_fmadd_pd(half, r2l, t);
    t = _mm256_fmadd_pd(_mm256_mul_pd(r2, r), q, t);
    /* e^(r + rl) = e^r (1 + rl), e^r = 1 + s + t */
    t = _mm256_fmadd_pd(rl, _mm256_add_pd(one, _mm256_add_pd(s, t)), t);
    const __m256d ah = _mm256_add_pd(s, t), al = _mm256_sub_pd(t, _mm256_sub_pd(ah, s));

    /* numerator and denominator, each a Fast2Sum of 1 -+ 2^-k and A */
    const __m256d c = _mm256_sub_pd(one, pk), d = _mm256_add_pd(one, pk);
    const __m256d nh = _mm256_add_pd(c, ah);
    const __m256d nl = _mm256_add_pd(_mm256_sub_pd(ah, _mm256_sub_pd(nh, c)), al);
    const __m256d dh = _mm256_add_pd(d, ah);
    const __m256d dl = _mm256_add_pd(_mm256_sub_pd(ah, _mm256_sub_pd(dh, d)), al);

    const __m256d inv = _mm256_div_pd(one, dh);
    const __m256d q0 = _mm256_mul_pd(nh, inv);
    __m256d rem = _mm256_fnmadd_pd(q0, dh, nh); /* nh - q0 dh, exactly */
    rem = _mm256_fnmadd_pd(q0, dl, _mm256_add_pd(rem, nl));
    const __m256d small = _mm256_fmadd_pd(rem, inv, q0);
    const __m256d large = _mm256_fnmadd_pd(_mm256_add_pd(pk, pk), inv, one);

    const __m256d big_k = _mm256_cmp_pd(k, _mm256_set1_pd(26.5), _CMP_GT_OQ);
    const __m256d res = _mm256_blendv_pd(small, large, big_k);
    return _mm256_or_pd(res, _mm256_and_pd(sign, x));
}

/* the function alone, for the machine code of fused chains (fuse_jit.c calls it as SLEEF's) */
AVX2 __m256d ks__tanh_d4(__m256d x) { return tanh_d4(x); }

/* y = tanh(x) over n contiguous elements; the tail padded with zeros */
AVX2 void ks__tanh_f64_avx2(const double *x, double *y, ptrdiff_t n)
{
    ptrdiff_t i = 0;
    for (; i + 4 <= n; i += 4) _mm256_storeu_pd(y + i, tanh_d4(_mm256_loadu_pd(x + i)));
    if (i < n) {
        double t[4] = {0};
        memcpy(t, x + i, (size_t)(n - i) * sizeof *t);
        _mm256_storeu_pd(t, tanh_d4(_mm256_loadu_pd(t)));
        memcpy(y + i, t, (size_t)(n - i) * sizeof *t);
    }
}
#endif
