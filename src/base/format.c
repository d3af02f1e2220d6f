/* format.c — numbers as text, fast: printf's "%.17g" (round-trip exact) and R's as.character /
 * write.table (15 significant digits), most values without printf's slow float path. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/format.h"

/* The P (<= 17) significant digits of ax > 0, rounded to nearest as printf rounds them, and the
 * decimal exponent of the first: ax x 10^k is one rounding in long double (10^k exact for
 * |k| <= 27), off by at most 2^-64 relative, so its digits are printf's unless the value lies
 * near a halfway point; then (and out of range) 0, and the caller asks printf. */
static int fast_digits(double ax, int P, char *dig, int *e10)
{
#if LDBL_MANT_DIG >= 64
    static const long double P10[28] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                        1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                        1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L, 1e20L,
                                        1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
    int e = (int)floor(log10(ax));
    for (int it = 0; it < 3; it++) {
        const int k = P - 1 - e;
        if (k < -27 || k > 27) return 0;
        const long double v = k >= 0 ? (long double)ax * P10[k] : (long double)ax / P10[-k];
        if (v < P10[P - 1]) {
            e--;
            continue;
        }
        if (v >= P10[P]) {
            e++;
            continue;
        }
        const long double fl = floorl(v), fr = v - fl;
        if (fabsl(fr - 0.5L) < (P > 15 ? 0.05L : 0.001L)) return 0; /* (error: 5e-3 at P 17) */
        uint64_t n = (uint64_t)fl + (fr > 0.5L);
        if ((long double)n >= P10[P]) {
            n /= 10;
            e++;
        }
        for (int i = P - 1; i >= 0; i--, n /= 10) dig[i] = (char)('0' + n % 10);
        *e10 = e;
        return 1;
    }
#else
    (void)ax, (void)P, (void)dig, (void)e10;
#endif
    return 0;
}

/* printf's "%.{P-1}e" digits of x != 0 finite, by fast_digits or printf itself. */
static void digits_of(double x, int P, char *dig, int *e10)
{
    if (fast_digits(fabs(x), P, dig, e10)) return;
    char s[48];
    snprintf(s, sizeof s, "%.*e", P - 1, fabs(x));
    dig[0] = s[0];
    memcpy(dig + 1, s + 2, (size_t)P - 1);
    *e10 = atoi(strchr(s, 'e') + 1);
}

/* printf's exponent "e+XX" (at least two digits) at o, NUL-terminated: its length. */
static int exponent_text(char *o, int e10)
{
    char *p = o;
    *p++ = 'e';
    *p++ = e10 < 0 ? '-' : '+';
    const int a = abs(e10);
    if (a >= 100) *p++ = (char)('0' + a / 100);
    *p++ = (char)('0' + a / 10 % 10);
    *p++ = (char)('0' + a % 10);
    *p = '\0';
    return (int)(p - o);
}

int ks__format_g17(double x, char *buf)
{
    if (!isfinite(x) || x == 0.0) return sprintf(buf, "%.17g", x);
    char dig[17];
    int e10, n = 17;
    digits_of(x, 17, dig, &e10);
    while (n > 1 && dig[n - 1] == '0') n--;
    char *o = buf;
    if (x < 0) *o++ = '-';
    if (e10 < -4 || e10 >= 17) { /* d.ddde+XX */
        *o++ = dig[0];
        if (n > 1) {
            *o++ = '.';
            memcpy(o, dig + 1, (size_t)n - 1);
            o += n - 1;
        }
        return (int)(o - buf) + exponent_text(o, e10);
    }
    if (e10 < 0) {
        *o++ = '0';
        *o++ = '.';
        for (int k = 0; k < -e10 - 1; k++) *o++ = '0';
        memcpy(o, dig, (size_t)n);
        o += n;
    } else {
        for (int k = 0; k <= e10; k++) *o++ = k < n ? dig[k] : '0';
        if (n > e10 + 1) {
            *o++ = '.';
            memcpy(o, dig + e10 + 1, (size_t)(n - e10 - 1));
            o += n - e10 - 1;
        }
    }
    *o = '\0';
    return (int)(o - buf);
}

int ks__format_r(double x, char *buf)
{
    if (isnan(x)) return sprintf(buf, "NA");
    if (isinf(x)) return sprintf(buf, x > 0 ? "Inf" : "-Inf");
    if (x == 0.0) return sprintf(buf, "0");
    const int neg = x < 0;
    int e10;
    char dig[16]; /* the significant digits, the fewest that keep these 15 */
    if (x == floor(x) && fabs(x) < 1e15) { /* an integer: its digits without printf's float path */
        uint64_t u = (uint64_t)fabs(x);
        char d[20];
        int nd = 0;
        for (; u; u /= 10) d[nd++] = (char)('0' + u % 10);
        for (int i = 0; i < 15; i++) dig[i] = i < nd ? d[nd - 1 - i] : '0';
        e10 = nd - 1;
    } else {
        digits_of(x, 15, dig, &e10);
    }
    int nsig = 15;
    while (nsig > 1 && dig[nsig - 1] == '0') nsig--;
    /* widths: fixed with the digits it needs, scientific with mantissa and e+XX */
    const int rgt = nsig - 1 - e10 > 0 ? nsig - 1 - e10 : 0;
    const int left = e10 >= 0 ? e10 + 1 : 1;
    const int wf = neg + left + (rgt ? rgt + 1 : 0);
    const int ws = neg + (nsig > 1 ? nsig + 1 : 1) + (abs(e10) >= 100 ? 5 : 4);
    char *o = buf;
    if (neg) *o++ = '-';
    if (wf <= ws) { /* fixed: the digits around the point (zeros where they run out) */
        if (e10 < 0) {
            *o++ = '0';
            *o++ = '.';
            for (int k = 0; k < -e10 - 1; k++) *o++ = '0';
            for (int k = 0; k < nsig; k++) *o++ = dig[k];
        } else {
            for (int k = 0; k <= e10; k++) *o++ = k < nsig ? dig[k] : '0';
            if (rgt) {
                *o++ = '.';
                for (int k = e10 + 1; k < nsig; k++) *o++ = dig[k];
            }
        }
        *o = '\0';
        return (int)(o - buf);
    }
    *o++ = dig[0];
    if (nsig > 1) {
        *o++ = '.';
        for (int k = 1; k < nsig; k++) *o++ = dig[k];
    }
    return (int)(o - buf) + exponent_text(o, e10);
}
