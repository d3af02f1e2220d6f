/* quantile.c — np.quantile / np.nanquantile (and so median and percentile) by selection, with
 * NumPy's 13 methods: the order statistics each q needs, found without sorting, then NumPy's
 * interpolation (_lerp) in NumPy's precision.
 *
 * Selection: a long line is read once. A sample of it brackets each wanted rank between two
 * sample values; one pass counts the elements below each bracket and copies those inside it
 * (a few percent of the line); the ranks are then selected inside the small copies. When a
 * bracket misses its rank (a rare, unlucky sample) the line is copied and selected in full by
 * quickselect with a median-of-three pivot (introselect: a depth limit hands over to a sort). Many
 * q cost one pass. Short lines go straight to the quickselect. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

#include "array/reduce_internal.h"
#include "base/simd.h"

static const ks__enum_entry method_names[] = {
    {"linear", KS_QUANTILE_LINEAR},
    {"lower", KS_QUANTILE_LOWER},
    {"higher", KS_QUANTILE_HIGHER},
    {"nearest", KS_QUANTILE_NEAREST},
    {"midpoint", KS_QUANTILE_MIDPOINT},
    {"inverted_cdf", KS_QUANTILE_INVERTED_CDF},
    {"averaged_inverted_cdf", KS_QUANTILE_AVERAGED_INVERTED_CDF},
    {"closest_observation", KS_QUANTILE_CLOSEST_OBSERVATION},
    {"interpolated_inverted_cdf", KS_QUANTILE_INTERPOLATED_INVERTED_CDF},
    {"hazen", KS_QUANTILE_HAZEN},
    {"weibull", KS_QUANTILE_WEIBULL},
    {"median_unbiased", KS_QUANTILE_MEDIAN_UNBIASED},
    {"normal_unbiased", KS_QUANTILE_NORMAL_UNBIASED},
};
KS__ENUM_FUNCS(ks_quantile_method, ks_quantile_method, "quantile method", method_names)

#define SMALL 131072 /* lines up to this long: quickselect on a copy */
#define SAMPLE 32768 /* sample of a long line */
#define SPREAD 320   /* sample ranks on each side of a wanted rank (3.5 standard deviations) */
#define MAXQ_FAST 16 /* brackets in one pass; more q: quickselect */

/* ---- selection ---- */

static int cmp_f64(const void *a, const void *b)
{
    const double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}
static int cmp_i64(const void *a, const void *b)
{
    const int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}
static int cmp_u64(const void *a, const void *b)
{
    const uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* Put the elements of ranks ks[0 .. nk) (sorted, within [lo, hi)) of v in place: after it each
 * v[ks[i]] is the ks[i]-th smallest, none bigger before it, none smaller after. No NaN. */
#define MSELECT(NAME, T, CMP)                                                                      \
    static void NAME(T *v, ptrdiff_t lo, ptrdiff_t hi, const ptrdiff_t *ks, int nk, int depth)     \
    {                                                                                              \
        while (nk > 0) {                                                                           \
            if (hi - lo <= 24) {                                                                   \
                for (ptrdiff_t i = lo + 1; i < hi; i++) {                                          \
                    const T x = v[i];                                                              \
                    ptrdiff_t j = i;                                                               \
                    for (; j > lo && v[j - 1] > x; j--) v[j] = v[j - 1];                           \
                    v[j] = x;                                                                      \
                }                                                                                  \
                return;                                                                            \
            }                                                                                      \
            if (depth-- <= 0) {                                                                    \
                qsort(v + lo, (size_t)(hi - lo), sizeof *v, CMP);                                  \
                return;                                                                            \
            }                                                                                      \
            const ptrdiff_t mid = lo + (hi - lo) / 2;                                              \
            T t;                                                                                   \
            if (v[mid] < v[lo]) t = v[mid], v[mid] = v[lo], v[lo] = t;                             \
            if (v[hi - 1] < v[lo]) t = v[hi - 1], v[hi - 1] = v[lo], v[lo] = t;                    \
            if (v[hi - 1] < v[mid]) t = v[hi - 1], v[hi - 1] = v[mid], v[mid] = t;                 \
            const T p = v[mid];                                                                    \
            ptrdiff_t i = lo - 1, j = hi;                                                          \
            for (;;) {                                                                             \
                do i++;                                                                            \
                while (v[i] < p);                                                                  \
                do j--;                                                                            \
                while (v[j] > p);                                                                  \
                if (i >= j) break;                                                                 \
                t = v[i], v[i] = v[j], v[j] = t;                                                   \
            }                                                                                      \
            /* v[lo .. j] <= p <= v[j + 1 .. hi) */                                                \
            int nl = 0;                                                                            \
            while (nl < nk && ks[nl] <= j) nl++;                                                   \
            if (nl > 0 && nl < nk) NAME(v, lo, j + 1, ks, nl, depth);                              \
            if (nl == nk) {                                                                        \
                hi = j + 1;                                                                        \
            } else {                                                                               \
                ks += nl, nk -= nl;                                                                \
                lo = j + 1;                                                                        \
            }                                                                                      \
        }                                                                                          \
    }
MSELECT(mselect, double, cmp_f64)
MSELECT(mselect_i64, int64_t, cmp_i64)
MSELECT(mselect_u64, uint64_t, cmp_u64)

static int depth_for(ptrdiff_t n)
{
    int d = 0;
    while (n > 1) n >>= 1, d++;
    return 2 * d + 4;
}

/* Scratch of one thread. */
typedef struct {
    double *work;    /* a line's copy: n elements (doubles, or int64 / uint64 for integers) */
    double *sample;  /* SAMPLE */
    double *bracket; /* the elements inside the brackets */
    size_t bracket_cap;
} scratch;

/* The bracketing pass over n doubles x[i * s]: lt[b] = how many are below bracket b, and the
 * ones inside any bracket copied to out (at most cap; the count returned may exceed it, the
 * extra writes going to out[cap]). Inlined with nb and s constants, its counters stay in
 * registers. */
static inline __attribute__((always_inline)) ptrdiff_t pass(const char *x, ptrdiff_t s, ptrdiff_t n,
                                                            const int nb, const double *lo,
                                                            const double *hi, double *out,
                                                            ptrdiff_t cap, ptrdiff_t *lt)
{
    double l[MAXQ_FAST], h[MAXQ_FAST];
    ptrdiff_t below[MAXQ_FAST], c = 0;
    for (int b = 0; b < nb; b++) l[b] = lo[b], h[b] = hi[b], below[b] = 0;
    for (ptrdiff_t i = 0; i < n; i++) {
        const double v = *(const double *)(x + i * s);
        int inside = 0;
        for (int b = 0; b < nb; b++) {
            below[b] += v < l[b];
            inside |= (v >= l[b]) & (v <= h[b]);
        }
        out[c < cap ? c : cap] = v;
        c += inside;
    }
    for (int b = 0; b < nb; b++) lt[b] = below[b];
    return c;
}

/* The same pass over contiguous doubles, four at a time (compiled for AVX2 / AVX-512 too): the
 * counts are vector compares, the copy one branch-free store per element. */
static inline __attribute__((always_inline)) ptrdiff_t pass_v4(const double *x, ptrdiff_t n,
                                                               const int nb, const double *lo,
                                                               const double *hi, double *out,
                                                               ptrdiff_t cap, ptrdiff_t *lt)
{
    v4d l[MAXQ_FAST], h[MAXQ_FAST];
    v4i below[MAXQ_FAST];
    for (int b = 0; b < nb; b++)
        l[b] = v4_splat(lo[b]), h[b] = v4_splat(hi[b]), below[b] = (v4i){0};
    ptrdiff_t c = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        const v4d v = v4_load(x + i);
        v4i inside = (v4i){0};
        for (int b = 0; b < nb; b++) {
            below[b] -= (v4i)(v < l[b]); /* a true lane is -1 */
            inside |= (v4i)(v >= l[b]) & (v4i)(v <= h[b]);
        }
        for (int j = 0; j < 4; j++) { /* branch-free: a lane outside is overwritten */
            out[c < cap ? c : cap] = v[j];
            c -= inside[j];
        }
    }
    for (int b = 0; b < nb; b++) lt[b] = below[b][0] + below[b][1] + below[b][2] + below[b][3];
    for (; i < n; i++)
        for (int b = 0; b < nb; b++) {
            lt[b] += x[i] < lo[b];
            if (x[i] >= lo[b] && x[i] <= hi[b]) out[c < cap ? c : cap] = x[i], c++;
        }
    return c;
}

KS_KERNEL static ptrdiff_t pass_contig(const double *x, ptrdiff_t n, int nb, const double *lo,
                                       const double *hi, double *out, ptrdiff_t cap, ptrdiff_t *lt)
{
    switch (nb) {
    case 1: return pass_v4(x, n, 1, lo, hi, out, cap, lt);
    case 2: return pass_v4(x, n, 2, lo, hi, out, cap, lt);
    case 3: return pass_v4(x, n, 3, lo, hi, out, cap, lt);
    case 4: return pass_v4(x, n, 4, lo, hi, out, cap, lt);
    default: return pass_v4(x, n, nb, lo, hi, out, cap, lt);
    }
}

/* NaNs among n contiguous doubles. */
KS_KERNEL static ptrdiff_t count_nan(const double *x, ptrdiff_t n)
{
    ptrdiff_t c = 0;
    for (ptrdiff_t i = 0; i < n; i++) c += x[i] != x[i];
    return c;
}

/* The values of ranks ks (sorted, unique) of the n doubles x[i * s] (no NaN) into vals, the
 * line read once through brackets; false when a bracket missed (then nothing is written). */
static bool bracket_select(const char *x, ptrdiff_t s, ptrdiff_t n, const ptrdiff_t *ks, int nk,
                           double *vals, scratch *w)
{
    /* group the ranks into brackets of sample ranks [rlo, rhi] */
    ptrdiff_t rlo[MAXQ_FAST], rhi[MAXQ_FAST], first[MAXQ_FAST + 1];
    int nb = 0;
    for (int i = 0; i < nk; i++) {
        const double r = (double)ks[i] * SAMPLE / (double)n;
        ptrdiff_t a = (ptrdiff_t)floor(r) - SPREAD, b = (ptrdiff_t)ceil(r) + SPREAD;
        if (a < 0) a = 0;
        if (b > SAMPLE - 1) b = SAMPLE - 1;
        if (nb > 0 && a <= rhi[nb - 1]) {
            rhi[nb - 1] = b;
        } else {
            if (nb == MAXQ_FAST) return false;
            rlo[nb] = a, rhi[nb] = b, first[nb] = i;
            nb++;
        }
    }
    first[nb] = nk;
    for (ptrdiff_t i = 0; i < SAMPLE; i++)
        w->sample[i] = *(const double *)(x + (ptrdiff_t)((double)i * (double)n / SAMPLE) * s);
    ptrdiff_t sks[2 * MAXQ_FAST];
    int ns = 0;
    for (int b = 0; b < nb; b++) {
        if (ns == 0 || sks[ns - 1] != rlo[b]) sks[ns++] = rlo[b];
        sks[ns++] = rhi[b];
    }
    mselect(w->sample, 0, SAMPLE, sks, ns, depth_for(SAMPLE));
    double lo[MAXQ_FAST], hi[MAXQ_FAST];
    ptrdiff_t lt[MAXQ_FAST] = {0}, cnt[MAXQ_FAST] = {0};
    double expect = 0;
    for (int b = 0; b < nb; b++) {
        /* the ends of the sample are no bound on the line */
        lo[b] = rlo[b] == 0 ? -INFINITY : w->sample[rlo[b]];
        hi[b] = rhi[b] == SAMPLE - 1 ? INFINITY : w->sample[rhi[b]];
        expect += (double)(rhi[b] - rlo[b] + 1) / SAMPLE * (double)n;
    }
    /* one pass: the elements below each bracket counted, those inside any copied */
    const ptrdiff_t cap = (ptrdiff_t)(2.0 * expect) + 1024;
    if ((size_t)(2 * cap + 2) > w->bracket_cap) return false;
    double *in = w->bracket, *sorted = w->bracket + cap + 1;
    ptrdiff_t c;
    if (s == (ptrdiff_t)sizeof(double))
        c = pass_contig((const double *)x, n, nb, lo, hi, in, cap, lt);
    else
        c = pass(x, s, n, nb, lo, hi, in, cap, lt);
    if (c > cap) return false;
    /* split the copy by bracket (they are disjoint and in order) */
    double *buf[MAXQ_FAST];
    ptrdiff_t at = 0;
    for (int b = 0; b < nb; b++) {
        buf[b] = sorted + at;
        for (ptrdiff_t i = 0; i < c; i++) cnt[b] += in[i] >= lo[b] && in[i] <= hi[b];
        at += cnt[b];
    }
    ptrdiff_t fill[MAXQ_FAST] = {0};
    for (ptrdiff_t i = 0; i < c; i++) {
        int b = 0;
        while (!(in[i] >= lo[b] && in[i] <= hi[b])) b++;
        buf[b][fill[b]++] = in[i];
    }
    for (int b = 0; b < nb; b++)
        for (int i = first[b]; i < first[b + 1]; i++)
            if (ks[i] < lt[b] || ks[i] >= lt[b] + cnt[b]) return false;
    for (int b = 0; b < nb; b++) {
        ptrdiff_t rel[MAXQ_FAST];
        const int m = first[b + 1] - first[b];
        for (int i = 0; i < m; i++) rel[i] = ks[first[b] + i] - lt[b];
        mselect(buf[b], 0, cnt[b], rel, m, depth_for(cnt[b]));
        for (int i = 0; i < m; i++) vals[first[b] + i] = buf[b][rel[i]];
    }
    return true;
}

/* ---- NumPy's methods ---- */

typedef struct {
    ptrdiff_t i0, i1; /* the two order statistics (equal for the methods that take one) */
    double gamma;
    bool take; /* the value at i0 itself (NumPy's discrete methods: the input's dtype) */
} qpos;

static bool discrete(ks_quantile_method m)
{
    return m == KS_QUANTILE_LOWER || m == KS_QUANTILE_HIGHER || m == KS_QUANTILE_NEAREST ||
           m == KS_QUANTILE_INVERTED_CDF || m == KS_QUANTILE_CLOSEST_OBSERVATION;
}

/* NumPy's floor-mod by 2 of an integral double. */
static bool odd(double f) { return fmod(fabs(f), 2.0) == 1.0; }

static qpos position(ks_quantile_method m, ptrdiff_t n, double q)
{
    const double nd = (double)n;
    qpos p = {0, 0, 0.0, true};
    double v, alpha = 0, beta = 0;
    switch (m) {
    case KS_QUANTILE_LOWER: p.i0 = (ptrdiff_t)floor((nd - 1) * q); return p;
    case KS_QUANTILE_HIGHER: p.i0 = (ptrdiff_t)ceil((nd - 1) * q); return p;
    case KS_QUANTILE_NEAREST: p.i0 = (ptrdiff_t)rint((nd - 1) * q); return p;
    case KS_QUANTILE_INVERTED_CDF:
    case KS_QUANTILE_CLOSEST_OBSERVATION: {
        const double idx = m == KS_QUANTILE_INVERTED_CDF ? nd * q - 1 : nd * q - 1 - 0.5;
        const double prev = floor(idx), g = idx - prev;
        const bool at_prev = m == KS_QUANTILE_INVERTED_CDF ? g == 0 : g == 0 && odd(prev);
        p.i0 = (ptrdiff_t)(at_prev ? prev : prev + 1);
        if (p.i0 < 0) p.i0 = 0;
        return p;
    }
    case KS_QUANTILE_LINEAR: v = (nd - 1) * q; break;
    case KS_QUANTILE_MIDPOINT: v = 0.5 * (floor((nd - 1) * q) + ceil((nd - 1) * q)); break;
    case KS_QUANTILE_AVERAGED_INVERTED_CDF: v = nd * q - 1; break;
    default:
        if (m == KS_QUANTILE_HAZEN)
            alpha = beta = 0.5;
        else if (m == KS_QUANTILE_MEDIAN_UNBIASED)
            alpha = beta = 1 / 3.0;
        else if (m == KS_QUANTILE_NORMAL_UNBIASED)
            alpha = beta = 3 / 8.0;
        else if (m == KS_QUANTILE_INTERPOLATED_INVERTED_CDF)
            alpha = 0, beta = 1;
        v = nd * q + (alpha + q * (1 - alpha - beta)) - 1;
        break;
    }
    /* NumPy's _get_indexes and _get_gamma: out of range, both ends the last (or first) value */
    double prev = floor(v);
    ptrdiff_t i0 = (ptrdiff_t)prev, i1 = i0 + 1;
    if (v >= nd - 1)
        prev = -1, i0 = i1 = n - 1;
    else if (v < 0)
        prev = 0, i0 = i1 = 0;
    double g = v - prev;
    if (m == KS_QUANTILE_AVERAGED_INVERTED_CDF)
        g = g == 0 ? 0.5 : 1.0;
    else if (m == KS_QUANTILE_MIDPOINT)
        g = fmod(v, 1.0) == 0 ? 0.0 : 0.5;
    p.i0 = i0, p.i1 = i1, p.gamma = g, p.take = false;
    return p;
}

/* ---- the call ---- */

typedef struct {
    ks_quantile_method method;
    bool nan_skip, single, weak; /* single: float32 input; weak: q a Python scalar */
    ks_dtype dtype;              /* the input's */
    int nq;
    const double *q;
} qcall;

/* NumPy's _lerp in its precision: float64, or float32 throughout for a float32 input and a
 * scalar q; a float32 difference scaled in float64 otherwise. */
static double lerp(const qcall *c, double a, double b, double t)
{
    if (c->single && c->weak) {
        const float fa = (float)a, fb = (float)b, d = fb - fa;
        return t >= 0.5 ? (double)(fb - d * (float)(1 - t)) : (double)(fa + d * (float)t);
    }
    const double d = c->single ? (double)((float)b - (float)a) : b - a;
    return t >= 0.5 ? b - d * (1 - t) : a + d * t;
}

/* NumPy's b - a for integers: in the input's own width, wrapping (as NumPy's subtract). */
static double int_diff(ks_dtype t, uint64_t a, uint64_t b)
{
    const uint64_t d = b - a;
    switch (t) {
    case KS_INT8: return (double)(int8_t)d;
    case KS_INT16: return (double)(int16_t)d;
    case KS_INT32: return (double)(int32_t)d;
    case KS_UINT8: return (double)(uint8_t)d;
    case KS_UINT16: return (double)(uint16_t)d;
    case KS_UINT32: return (double)(uint32_t)d;
    case KS_UINT64: return (double)d;
    default: return (double)(int64_t)d;
    }
}

/* The positions of every q in a line of n and the sorted distinct ranks they need. */
static int ranks(const qcall *c, ptrdiff_t n, qpos *pos, ptrdiff_t *ks)
{
    int nk = 0;
    for (int i = 0; i < c->nq; i++) {
        pos[i] = position(c->method, n, c->q[i]);
        ks[nk++] = pos[i].i0;
        if (!pos[i].take) ks[nk++] = pos[i].i1;
    }
    for (int i = 1; i < nk; i++)
        for (int j = i; j > 0 && ks[j - 1] > ks[j]; j--) {
            const ptrdiff_t t = ks[j];
            ks[j] = ks[j - 1];
            ks[j - 1] = t;
        }
    int u = 0;
    for (int i = 0; i < nk; i++)
        if (u == 0 || ks[u - 1] != ks[i]) ks[u++] = ks[i];
    return u;
}

static int rank_at(const ptrdiff_t *ks, ptrdiff_t k)
{
    int a = 0;
    while (ks[a] != k) a++;
    return a;
}

/* The quantiles of one float line (n doubles at x with byte stride s, or already in w->work
 * when x is NULL) into res[i * rs] for each q. */
static void line_float(const qcall *c, const char *x, ptrdiff_t s, ptrdiff_t n, scratch *w,
                       double *res, ptrdiff_t rs)
{
    double *v = w->work;
    /* NaN: the result is NaN (NumPy sorts it last), or it is dropped (nanquantile) */
    ptrdiff_t nn = 0;
    if (x && s == (ptrdiff_t)sizeof(double))
        nn = count_nan((const double *)x, n);
    else if (x)
        for (ptrdiff_t i = 0; i < n; i++) nn += isnan(*(const double *)(x + i * s));
    else
        nn = count_nan(v, n);
    if (nn && (!c->nan_skip || nn == n)) {
        for (int i = 0; i < c->nq; i++) res[i * rs] = NAN;
        return;
    }
    if (nn) {
        ptrdiff_t m = 0;
        for (ptrdiff_t i = 0; i < n; i++) {
            const double t = x ? *(const double *)(x + i * s) : v[i];
            if (!isnan(t)) v[m++] = t;
        }
        n = m, x = NULL;
    }
    if (n == 0) {
        for (int i = 0; i < c->nq; i++) res[i * rs] = NAN;
        return;
    }
    qpos pos[64];
    ptrdiff_t ks[128];
    double vals[128];
    const int nk = ranks(c, n, pos, ks);
    if (!(x && n > SMALL && bracket_select(x, s, n, ks, nk, vals, w))) {
        if (x)
            for (ptrdiff_t i = 0; i < n; i++) v[i] = *(const double *)(x + i * s);
        mselect(v, 0, n, ks, nk, depth_for(n));
        for (int i = 0; i < nk; i++) vals[i] = v[ks[i]];
    }
    for (int i = 0; i < c->nq; i++) {
        const double a = vals[rank_at(ks, pos[i].i0)];
        res[i * rs] = pos[i].take ? a : lerp(c, a, vals[rank_at(ks, pos[i].i1)], pos[i].gamma);
    }
}

/* The same for an integer line already in w->work as int64 (or uint64 for unsigned types): a
 * value taken stays exact (its bits into res), an interpolated one is a float64. */
static void line_int(const qcall *c, ptrdiff_t n, scratch *w, char *res, ptrdiff_t rs)
{
    qpos pos[64];
    ptrdiff_t ks[128];
    const int nk = ranks(c, n, pos, ks);
    const bool u = ks__dtypes[c->dtype].kind == 'u';
    if (u)
        mselect_u64((uint64_t *)w->work, 0, n, ks, nk, depth_for(n));
    else
        mselect_i64((int64_t *)w->work, 0, n, ks, nk, depth_for(n));
    const uint64_t *v = (const uint64_t *)w->work;
    for (int i = 0; i < c->nq; i++) {
        const uint64_t a = v[ks[rank_at(ks, pos[i].i0)]];
        char *r = res + i * rs * 8;
        if (pos[i].take) {
            memcpy(r, &a, 8);
            continue;
        }
        const uint64_t b = v[ks[rank_at(ks, pos[i].i1)]];
        const double d = int_diff(c->dtype, a, b), t = pos[i].gamma;
        const double fa = u ? (double)a : (double)(int64_t)a,
                     fb = u ? (double)b : (double)(int64_t)b;
        const double y = t >= 0.5 ? fb - d * (1 - t) : fa + d * t;
        memcpy(r, &y, 8);
    }
}

int ks_array_quantile(ks_ctx *ctx, const ks_array *a, const ks_array *q, uint64_t axes,
                      ks_quantile_method method, bool keepdims, bool nan_skip, ks_array *out)
{
    ks__array_clear(out);
    if (!a || !a->data || !q || !q->data) return ks__fail(ctx, KS_EINVAL, "quantile: no array");
    if ((unsigned)method > KS_QUANTILE_NORMAL_UNBIASED)
        return ks__fail(ctx, KS_EINVAL, "quantile: method %d is no method", (int)method);
    if (ks__dtypes[a->dtype].kind == 'c')
        return ks__fail(ctx, KS_ETYPE, "a must be an array of real numbers");
    if (q->ndim > 1) return ks__fail(ctx, KS_EINVAL, "q must be a scalar or 1d");
    const int nd = a->ndim;
    uint64_t rmask;
    int rc = ks__axes_mask(ctx, axes, nd, &rmask);
    if (rc != KS_OK) return rc;
    const int nq = q->ndim ? (int)q->shape[0] : 1;
    if (nq > 64) return ks__fail(ctx, KS_EINVAL, "quantile: at most 64 q at a time, not %d", nq);
    double qv[64];
    {
        char *args[2] = {q->data, (char *)qv};
        const ptrdiff_t steps[2] = {q->ndim ? q->strides[0] : 0, sizeof(double)};
        ks__cast_loop(q->dtype, KS_FLOAT64)(args, steps, nq, NULL);
    }
    for (int i = 0; i < nq; i++)
        if (!(qv[i] >= 0 && qv[i] <= 1))
            return ks__fail(ctx, KS_EINVAL, "Quantiles must be in the range [0, 1]");
    /* shapes: q's axis first, then the kept axes (keepdims: reduced ones of length 1) */
    ptrdiff_t rshape[KS_ARRAY_MAXDIMS + 1], n = 1, nout = 1;
    int rnd = 0;
    if (q->ndim) rshape[rnd++] = nq;
    int kept[KS_ARRAY_MAXDIMS], red[KS_ARRAY_MAXDIMS], nk = 0, nr = 0;
    for (int d = 0; d < nd; d++) {
        if ((rmask >> d) & 1) {
            red[nr++] = d, n *= a->shape[d];
            if (keepdims) rshape[rnd++] = 1;
        } else {
            kept[nk++] = d, nout *= a->shape[d];
            rshape[rnd++] = a->shape[d];
        }
    }
    if (rnd > KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "quantile: the result would have %d dimensions", rnd);
    if (n == 0 && nout > 0 && !nan_skip) /* (nanquantile: NaN) */
        return ks__fail(ctx, KS_EINVAL,
                        "index -1 is out of bounds for axis 0 with size 0 (the quantile of an "
                        "empty array)");
    if (a->dtype == KS_BOOL && !discrete(method))
        return ks__fail(ctx, KS_ETYPE,
                        "numpy boolean subtract, the `-` operator, is not supported, use the "
                        "bitwise_xor, the `^` operator, or the logical_xor function instead.");
    const bool disc = discrete(method);
    const bool fl = ks__dtypes[a->dtype].kind == 'f';
    const bool weak = q->ndim == 0 && (q->flags & KS_ARRAY_WEAK);
    ks_dtype rt = disc   ? a->dtype
                  : !fl  ? KS_FLOAT64
                  : weak ? a->dtype
                         : ks_dtype_promote(a->dtype, q->dtype == KS_BOOL ? KS_FLOAT64 : q->dtype);
    if (ks__dtypes[rt].kind != 'f' && !disc) rt = KS_FLOAT64;
    const qcall c = {method, nan_skip, a->dtype == KS_FLOAT32, weak, a->dtype, nq, qv};
    /* integers are selected as int64 (uint64) so that a value taken stays exact */
    const char kind = ks__dtypes[a->dtype].kind;
    const ks_dtype wt = fl ? KS_FLOAT64 : kind == 'u' ? KS_UINT64 : KS_INT64;
    /* the results in 8 bytes first (float64, or the integer taken), q by q for each line */
    ks_array tmp;
    ptrdiff_t tshape[2] = {nq, nout};
    rc = ks__array_new(ctx, disc ? wt : KS_FLOAT64, 2, tshape, &tmp);
    if (rc != KS_OK) return rc;
    /* one line: a single reduced axis of a float64 array is read in place */
    const bool inplace = nr == 1 && a->dtype == KS_FLOAT64;
    const ptrdiff_t last = nr ? a->shape[red[nr - 1]] : 1;
    const double ns = (double)n * (double)nout * 8.0;
    int nt = nout > 1 ? ks__threads_for(ctx, ns) : 1;
    if (nt > nout) nt = (int)nout;
    /* room for the brackets of a long line (each about 2 (2 SPREAD + 2) / SAMPLE of it, twice:
     * the copy and its split) */
    const int nbmax = 2 * nq < MAXQ_FAST ? 2 * nq : MAXQ_FAST;
    const size_t bcap =
        n > SMALL ? 2 * ((size_t)nbmax * (size_t)(4.0 * (SPREAD + 1) / SAMPLE * (double)n) + 1026)
                  : 0;
    const size_t per = (size_t)n + SAMPLE + bcap;
    double *mem = ks__malloc_array(ctx, (size_t)nt, per * sizeof(double));
    if (!mem) {
        ks_array_release(&tmp);
        return KS_ENOMEM;
    }
    const ks__loop cast = ks__cast_loop(a->dtype, wt);
    char *res = tmp.data;
#ifndef _OPENMP
    (void)nt;
#endif
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (ptrdiff_t o = 0; o < nout; o++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        scratch w = {mem + (size_t)tid * per, mem + (size_t)tid * per + n,
                     mem + (size_t)tid * per + n + SAMPLE, bcap};
        /* the line's start: the kept axes' index o in C order */
        ptrdiff_t off = 0, rem = o;
        for (int i = nk - 1; i >= 0; i--) {
            off += (rem % a->shape[kept[i]]) * a->strides[kept[i]];
            rem /= a->shape[kept[i]];
        }
        const char *base = a->data + off;
        if (inplace) {
            line_float(&c, base, a->strides[red[0]], n, &w, (double *)res + o, nout);
            continue;
        }
        /* gather the reduced axes in C order, cast to float64 */
        ptrdiff_t idx[KS_ARRAY_MAXDIMS] = {0};
        for (ptrdiff_t l = 0, pos = 0; pos < n; l++, pos += last) {
            ptrdiff_t lo = 0;
            for (int i = 0; i < nr - 1; i++) lo += idx[i] * a->strides[red[i]];
            char *args[2] = {(char *)base + lo, (char *)(w.work + pos)};
            const ptrdiff_t steps[2] = {nr ? a->strides[red[nr - 1]] : 0, sizeof(double)};
            cast(args, steps, last, NULL);
            for (int i = nr - 2; i >= 0; i--) {
                if (++idx[i] < a->shape[red[i]]) break;
                idx[i] = 0;
            }
        }
        if (fl)
            line_float(&c, NULL, 0, n, &w, (double *)res + o, nout);
        else
            line_int(&c, n, &w, res + o * 8, nout);
    }
    ks__free(ctx, mem);
    rc = ks__array_new(ctx, rt, rnd, rshape, out);
    if (rc == KS_OK) {
        char *args[2] = {tmp.data, out->data};
        const ptrdiff_t steps[2] = {8, (ptrdiff_t)ks__dtypes[rt].size};
        ks__cast_loop(tmp.dtype, rt)(args, steps, (ptrdiff_t)nq * nout, NULL);
    }
    ks_array_release(&tmp);
    return rc;
}
