/* fft.c — discrete Fourier transforms of n-d arrays along one axis (numpy.fft's fft / ifft,
 * rfft, irfft): plans, their cache, and the driver that runs a plan over every line.
 *
 * A plan holds what a length and precision need: the factors (4s first, then 2, 3, 5 and the
 * other primes) with each pass's twiddles in the order the pass reads them, computed from
 * exact fractions of a turn in long double (never by recurrence, whose error grows with n); or,
 * when a large prime factor would make the generic pass dear, Bluestein's chirps over a 2-3-5
 * length; or, for a real transform of even n, the half-length complex plan and the post-pass
 * twiddles. Plans are cached (by length, kind and precision) and shared by calls and threads,
 * with a reference count, so the last user of an evicted plan frees it. Only plans made with
 * the system allocator are cached; a user's allocator gets its blocks back after each call.
 *
 * Lines (every position of the other axes) are copied into a contiguous buffer in the compute
 * dtype (truncated or zero-padded to n, as NumPy), transformed and written back scaled; many
 * lines are split across threads, a single long one splits each pass instead. A real input of
 * the complex transform goes through the real transform and the Hermitian half is filled in. */
#include <math.h>
#include <string.h>

#include "array/array_internal.h"

#define MAXFCT 64

typedef struct fft_plan fft_plan;
struct fft_plan {
    atomic_long refs;
    ks_allocator alloc;
    size_t n;
    int kind; /* PLAN_COMPLEX or PLAN_REAL */
    bool f32;
    int nfct;
    size_t fct[MAXFCT];
    void *tw[MAXFCT];    /* each pass's twiddles: (ip - 1) x (ido - 1) */
    void *roots[MAXFCT]; /* a generic pass's ip roots of unity, else NULL */
    fft_plan *sub;       /* Bluestein's 2-3-5 plan, or the real plan's complex one */
    void *bk, *wk;       /* Bluestein: transform of the chirp, the chirp; real: w^k, k < n/2 */
    size_t scratch;      /* complex elements of scratch a line needs */
    void *mem;
};
enum { PLAN_COMPLEX = 0, PLAN_REAL = 1 };

#define R double
#define SFX _d
#include "array/fft_kernels.h"
#undef R
#undef SFX
#define R float
#define SFX _f
#include "array/fft_kernels.h"
#undef R
#undef SFX

/* ---- roots of unity ---- */

/* exp(-2 pi i k / n) for any k < n from two tables of about sqrt(n) long double values each,
 * computed by sincosl: one product, so the error stays near long double's 1e-19. */
typedef struct {
    size_t n, l;
    long double *hi, *lo; /* hi[q] = root(q l), lo[r] = root(r) */
} roots_ld;

static void sincos_turn(size_t k, size_t n, long double *c, long double *s)
{
    const long double pi2 = 6.283185307179586476925286766559005768L;
    /* reflect into the first half turn so the argument is at most pi */
    const bool neg = 2 * k > n;
    const long double a = pi2 * (long double)(neg ? n - k : k) / (long double)n;
    *c = cosl(a);
    *s = neg ? sinl(a) : -sinl(a); /* the forward sign, exp(-i a) */
}

static int roots_make(ks_ctx *ctx, size_t n, roots_ld *r)
{
    size_t l = (size_t)sqrt((double)n) + 1;
    r->n = n;
    r->l = l;
    const size_t nh = n / l + 1;
    r->hi = ks__malloc_array(ctx, 2 * (nh + l), sizeof(long double));
    if (!r->hi) return ks_errcode(ctx);
    r->lo = r->hi + 2 * nh;
    for (size_t q = 0; q < nh; q++) sincos_turn((q * l) % n, n, &r->hi[2 * q], &r->hi[2 * q + 1]);
    for (size_t k = 0; k < l; k++) sincos_turn(k % n, n, &r->lo[2 * k], &r->lo[2 * k + 1]);
    return KS_OK;
}

static void root(const roots_ld *r, size_t k, long double *c, long double *s)
{
    const long double *h = r->hi + 2 * (k / r->l), *o = r->lo + 2 * (k % r->l);
    *c = h[0] * o[0] - h[1] * o[1];
    *s = h[0] * o[1] + h[1] * o[0];
}

static void put(const fft_plan *p, void *base, size_t idx, long double c, long double s)
{
    if (p->f32) {
        float *v = (float *)base + 2 * idx;
        v[0] = (float)c, v[1] = (float)s;
    } else {
        double *v = (double *)base + 2 * idx;
        v[0] = (double)c, v[1] = (double)s;
    }
}

/* ---- plans ---- */

static size_t largest_factor(size_t n)
{
    size_t big = 1;
    for (size_t f = 2; f * f <= n; f++)
        while (n % f == 0) n /= f, big = f;
    return n > big ? n : big;
}

/* Operations of the direct passes, about: n times the sum of the factors (radix 4 counted as
 * 2 + 2 minus its savings); a generic pass costs about ip per element. */
static double pass_cost(size_t n)
{
    double c = 0;
    size_t m = n;
    while (m % 4 == 0) c += 3.0, m /= 4;
    for (size_t f = 2; f * f <= m; f++)
        while (m % f == 0) c += f <= 5 ? (double)f : 1.2 * (double)f, m /= f;
    if (m > 1) c += m <= 5 ? (double)m : 1.2 * (double)m;
    return c * (double)n;
}

/* The smallest 2^a 3^b 5^c at least n. */
static size_t good_size(size_t n)
{
    size_t best = (size_t)1 << 62;
    for (size_t f5 = 1; f5 < best; f5 *= 5)
        for (size_t f35 = f5; f35 < best; f35 *= 3) {
            size_t x = f35;
            while (x < n) x *= 2;
            if (x < best) best = x;
        }
    return best;
}

static int plan_get(ks_ctx *ctx, size_t n, int kind, bool f32, fft_plan **out);
static void plan_decref(fft_plan *p);

static void plan_free(fft_plan *p)
{
    if (!p) return;
    plan_decref(p->sub);
    ks__release(&p->alloc, p->mem);
    ks__release(&p->alloc, p);
}

static void plan_decref(fft_plan *p)
{
    if (p && atomic_fetch_sub_explicit(&p->refs, 1, memory_order_acq_rel) == 1) plan_free(p);
}

/* Factors 8 and 4 first (the fewest passes over memory), then 2, 3, 5 and the rest. */
static int factorize(size_t n, size_t *fct)
{
    int nf = 0;
    while (n % 8 == 0 && n != 16) fct[nf++] = 8, n /= 8; /* (16: two 4s are cheaper than 8, 2) */
    while (n % 4 == 0) fct[nf++] = 4, n /= 4;
    if (n % 2 == 0) fct[nf++] = 2, n /= 2;
    for (size_t f = 3; f * f <= n; f += 2)
        while (n % f == 0) fct[nf++] = f, n /= f;
    if (n > 1) fct[nf++] = n;
    return nf;
}

static int plan_twiddles(ks_ctx *ctx, fft_plan *p)
{
    const size_t n = p->n, esz = p->f32 ? 2 * sizeof(float) : 2 * sizeof(double);
    p->nfct = factorize(n, p->fct);
    size_t count = 0, l1 = 1;
    for (int f = 0; f < p->nfct; f++) {
        const size_t ip = p->fct[f], ido = n / (l1 * ip);
        count += (ip - 1) * (ido - 1) + (ip > 5 && ip != 8 ? ip : 0);
        l1 *= ip;
    }
    p->mem = ks__malloc_array(ctx, count + 1, esz);
    if (!p->mem) return ks_errcode(ctx);
    roots_ld r;
    int rc = roots_make(ctx, n, &r);
    if (rc != KS_OK) return rc;
    char *at = p->mem;
    l1 = 1;
    for (int f = 0; f < p->nfct; f++) {
        const size_t ip = p->fct[f], ido = n / (l1 * ip);
        p->tw[f] = at;
        for (size_t m = 1; m < ip; m++)
            for (size_t i = 1; i < ido; i++) {
                long double c, s;
                root(&r, m * i * l1, &c, &s);
                put(p, at, (m - 1) * (ido - 1) + i - 1, c, s);
            }
        at += (ip - 1) * (ido - 1) * esz;
        p->roots[f] = NULL;
        if (ip > 5 && ip != 8) {
            p->roots[f] = at;
            for (size_t k = 0; k < ip; k++) {
                long double c, s;
                root(&r, k * (n / ip), &c, &s);
                put(p, at, k, c, s);
            }
            at += ip * esz;
        }
        l1 *= ip;
    }
    ks__free(ctx, r.hi);
    p->scratch = n;
    return KS_OK;
}

/* Bluestein over n2 = good_size(2n - 1): the chirp w_k = exp(-pi i k^2 / n) (k^2 taken mod 2n,
 * exactly) and the forward transform of conj(w) laid out cyclically, divided by n2. */
static int plan_bluestein(ks_ctx *ctx, fft_plan *p)
{
    const size_t n = p->n, n2 = good_size(2 * n - 1), esz = p->f32 ? 8 : 16;
    int rc = plan_get(ctx, n2, PLAN_COMPLEX, p->f32, &p->sub);
    if (rc != KS_OK) return rc;
    p->mem = ks__malloc_array(ctx, n + 3 * n2, esz);
    if (!p->mem) return ks_errcode(ctx);
    p->wk = p->mem;
    p->bk = (char *)p->mem + n * esz;
    roots_ld r;
    if ((rc = roots_make(ctx, 2 * n, &r)) != KS_OK) return rc;
    for (size_t k = 0; k < n; k++) {
        long double c, s;
        root(&r, (size_t)((unsigned __int128)k * k % (2 * n)), &c, &s);
        put(p, p->wk, k, c, s);
    }
    ks__free(ctx, r.hi);
    /* b = conj(w) at 0 .. n-1 and n2-(n-1) .. n2-1 */
    char *b = p->bk, *ws = (char *)p->bk + n2 * esz;
    memset(b, 0, n2 * esz);
    if (p->f32) {
        const cplx_f *w = p->wk;
        cplx_f *bb = (cplx_f *)(void *)b, *t;
        for (size_t k = 0; k < n; k++) {
            bb[k] = (cplx_f){w[k].r, -w[k].i};
            if (k) bb[n2 - k] = bb[k];
        }
        t = cfft_f(p->sub, bb, (cplx_f *)(void *)ws, true, 1);
        for (size_t k = 0; k < n2; k++) bb[k] = (cplx_f){t[k].r / (float)n2, t[k].i / (float)n2};
    } else {
        const cplx_d *w = p->wk;
        cplx_d *bb = (cplx_d *)(void *)b, *t;
        for (size_t k = 0; k < n; k++) {
            bb[k] = (cplx_d){w[k].r, -w[k].i};
            if (k) bb[n2 - k] = bb[k];
        }
        t = cfft_d(p->sub, bb, (cplx_d *)(void *)ws, true, 1);
        for (size_t k = 0; k < n2; k++) bb[k] = (cplx_d){t[k].r / (double)n2, t[k].i / (double)n2};
    }
    p->scratch = 2 * n2;
    return KS_OK;
}

/* A real plan: even n, the complex plan of n / 2 and w^k (k < n / 2); odd n, the complex plan
 * of n. */
static int plan_real(ks_ctx *ctx, fft_plan *p)
{
    const size_t n = p->n, h = n / 2, esz = p->f32 ? 8 : 16;
    int rc = plan_get(ctx, n % 2 ? n : h, PLAN_COMPLEX, p->f32, &p->sub);
    if (rc != KS_OK) return rc;
    p->scratch = p->sub->scratch;
    if (n % 2) return KS_OK;
    p->mem = ks__malloc_array(ctx, h, esz);
    if (!p->mem) return ks_errcode(ctx);
    p->wk = p->mem;
    roots_ld r;
    if ((rc = roots_make(ctx, n, &r)) != KS_OK) return rc;
    for (size_t k = 0; k < h; k++) {
        long double c, s;
        root(&r, k, &c, &s);
        put(p, p->wk, k, c, s);
    }
    ks__free(ctx, r.hi);
    return KS_OK;
}

static int plan_make(ks_ctx *ctx, size_t n, int kind, bool f32, fft_plan **out)
{
    fft_plan *p = ks__calloc(ctx, 1, sizeof *p);
    if (!p) return ks_errcode(ctx);
    atomic_init(&p->refs, 1);
    p->alloc = ctx->alloc;
    p->n = n;
    p->kind = kind;
    p->f32 = f32;
    int rc;
    if (kind == PLAN_REAL)
        rc = plan_real(ctx, p);
    else if (n > 64 && largest_factor(n) > 5 &&
             3.0 * pass_cost(good_size(2 * n - 1)) < pass_cost(n))
        rc = plan_bluestein(ctx, p);
    else
        rc = plan_twiddles(ctx, p);
    if (rc != KS_OK) {
        plan_free(p);
        return rc;
    }
    *out = p;
    return KS_OK;
}

/* ---- the cache ---- */

#define CACHE_SLOTS 32

static struct {
    atomic_flag lock;
    fft_plan *slot[CACHE_SLOTS];
    uint64_t used[CACHE_SLOTS];
    uint64_t clock;
} cache = {ATOMIC_FLAG_INIT, {0}, {0}, 0};

static void cache_lock(void)
{
    while (atomic_flag_test_and_set_explicit(&cache.lock, memory_order_acquire)) {
    }
}
static void cache_unlock(void) { atomic_flag_clear_explicit(&cache.lock, memory_order_release); }

static fft_plan *cache_find(size_t n, int kind, bool f32)
{
    for (int i = 0; i < CACHE_SLOTS; i++) {
        fft_plan *p = cache.slot[i];
        if (p && p->n == n && p->kind == kind && p->f32 == f32) {
            cache.used[i] = ++cache.clock;
            atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed);
            return p;
        }
    }
    return NULL;
}

/* A reference to the plan for (n, kind, precision): from the cache, or made (and cached when
 * the ctx allocates from the system). Drop it with plan_decref. */
static int plan_get(ks_ctx *ctx, size_t n, int kind, bool f32, fft_plan **out)
{
    const bool cacheable = ks__alloc_is_system(&ctx->alloc);
    if (cacheable) {
        cache_lock();
        *out = cache_find(n, kind, f32);
        cache_unlock();
        if (*out) return KS_OK;
    }
    fft_plan *p = NULL;
    const int rc = plan_make(ctx, n, kind, f32, &p);
    if (rc != KS_OK) return rc;
    if (cacheable) {
        fft_plan *old = NULL;
        cache_lock();
        fft_plan *other = cache_find(n, kind, f32); /* made by another thread meanwhile */
        if (!other) {
            int victim = 0;
            for (int i = 1; i < CACHE_SLOTS; i++)
                if (cache.used[i] < cache.used[victim]) victim = i;
            old = cache.slot[victim];
            atomic_fetch_add_explicit(&p->refs, 1, memory_order_relaxed); /* the cache's */
            cache.slot[victim] = p;
            cache.used[victim] = ++cache.clock;
        }
        cache_unlock();
        plan_decref(old);
        if (other) {
            plan_decref(p);
            p = other;
        }
    }
    *out = p;
    return KS_OK;
}

/* ---- the line driver ---- */

typedef enum {
    MODE_C2C = 0, /* complex in, complex out (n) */
    MODE_R2C,     /* real in, n/2 + 1 complex out (rfft) */
    MODE_R2FULL,  /* real in, n complex out (fft of real input: the Hermitian half filled) */
    MODE_C2R      /* n/2 + 1 complex in, n real out (irfft) */
} fft_mode;

typedef struct {
    const fft_plan *plan;
    fft_mode mode;
    bool fwd;
    size_t n;            /* the transform's length */
    ptrdiff_t nin;       /* the input line's length */
    ptrdiff_t nout;      /* the output line's length */
    ptrdiff_t sin, sout; /* byte strides along the axis */
    double fct;
    bool in_place; /* C2C: `in` is a contiguous copy of n elements the transform may overwrite */
} line_job;

/* A real line's spectrum X_0 .. X_(n/2) written out: those (rfft), or all n with
 * X_(n-k) = conj X_k (fft of real input; its inverse is conj(X)), scaled. */
#define EMIT_REAL(R, C, SFX)                                                                       \
    static void emit_real##SFX(const line_job *j, const C *x, char *out)                           \
    {                                                                                              \
        const size_t n = j->n, h = n / 2;                                                          \
        const R fct = (R)j->fct, sg = j->mode == MODE_R2FULL && !j->fwd ? (R)-1 : (R)1;            \
        for (size_t k = 0; k <= h; k++) {                                                          \
            C *o = (C *)(void *)(out + (ptrdiff_t)k * j->sout);                                    \
            *o = (C){x[k].r * fct, sg * x[k].i * fct};                                             \
        }                                                                                          \
        if (j->mode == MODE_R2FULL)                                                                \
            for (size_t k = h + 1; k < n; k++) {                                                   \
                C *o = (C *)(void *)(out + (ptrdiff_t)k * j->sout);                                \
                *o = (C){x[n - k].r * fct, -sg * x[n - k].i * fct};                                \
            }                                                                                      \
    }                                                                                              \
    /* Two real lines of odd n in one complex transform: z = x1 + i x2, then                       \
     * X1_k = (Z_k + conj Z_(n-k)) / 2, X2_k = (Z_k - conj Z_(n-k)) / 2i. */                       \
    static void pair##SFX(const line_job *j, const char *in1, const char *in2, char *out1,         \
                          char *out2, C *buf, C *ws, int nt)                                       \
    {                                                                                              \
        const size_t n = j->n, h = n / 2;                                                          \
        const size_t take = (size_t)j->nin < n ? (size_t)j->nin : n;                               \
        for (size_t k = 0; k < take; k++)                                                          \
            buf[k] = (C){*(const R *)(const void *)(in1 + (ptrdiff_t)k * j->sin),                  \
                         *(const R *)(const void *)(in2 + (ptrdiff_t)k * j->sin)};                 \
        for (size_t k = take; k < n; k++) buf[k] = (C){0, 0};                                      \
        const C *z = cfft##SFX(j->plan->sub, buf, ws, true, nt);                                   \
        C *x1 = z == buf ? ws : buf, *x2 = x1 + h + 1;                                             \
        for (size_t k = 0; k <= h; k++) {                                                          \
            const C a = z[k], b = z[k ? n - k : 0];                                                \
            x1[k] = (C){(a.r + b.r) * (R)0.5, (a.i - b.i) * (R)0.5};                               \
            x2[k] = (C){(a.i + b.i) * (R)0.5, (b.r - a.r) * (R)0.5};                               \
        }                                                                                          \
        emit_real##SFX(j, x1, out1);                                                               \
        emit_real##SFX(j, x2, out2);                                                               \
    }
EMIT_REAL(double, cplx_d, _d)
EMIT_REAL(float, cplx_f, _f)
#undef EMIT_REAL

/* The transform of one line at `in` into `out`; buf holds nbuf complex, ws the plan's scratch.
 * nt: threads for the passes of this line. */
#define LINE_BODY(R, C, SFX)                                                                       \
    static void line_##SFX(const line_job *j, const char *in, char *out, C *buf, C *ws, int nt)    \
    {                                                                                              \
        const size_t n = j->n;                                                                     \
        const size_t take = (size_t)j->nin < n ? (size_t)j->nin : n;                               \
        const R fct = (R)j->fct;                                                                   \
        C *res;                                                                                    \
        if (j->mode == MODE_C2C && j->in_place) {                                                  \
            res = cfft##SFX(j->plan, (C *)(void *)(uintptr_t)in, ws, j->fwd, nt);                  \
        } else if (j->mode == MODE_C2C) {                                                          \
            for (size_t k = 0; k < take; k++)                                                      \
                buf[k] = *(const C *)(const void *)(in + (ptrdiff_t)k * j->sin);                   \
            for (size_t k = take; k < n; k++) buf[k] = (C){0, 0};                                  \
            res = cfft##SFX(j->plan, buf, ws, j->fwd, nt);                                         \
        } else if (j->mode == MODE_C2R) {                                                          \
            const size_t h = n / 2, cnt = (size_t)j->nin < h + 1 ? (size_t)j->nin : h + 1;         \
            if (n % 2 == 0) {                                                                      \
                for (size_t k = 0; k < cnt; k++)                                                   \
                    buf[k] = *(const C *)(const void *)(in + (ptrdiff_t)k * j->sin);               \
                for (size_t k = cnt; k <= h; k++) buf[k] = (C){0, 0};                              \
                res = irfft_even##SFX(j->plan, buf, ws, nt);                                       \
            } else { /* the Hermitian spectrum, transformed whole */                               \
                for (size_t k = 0; k < cnt; k++)                                                   \
                    buf[k] = *(const C *)(const void *)(in + (ptrdiff_t)k * j->sin);               \
                for (size_t k = cnt; k <= h; k++) buf[k] = (C){0, 0};                              \
                buf[0].i = 0;                                                                      \
                for (size_t k = 1; k <= h; k++) buf[n - k] = (C){buf[k].r, -buf[k].i};             \
                C *r = cfft##SFX(j->plan->sub, buf, ws, false, nt);                                \
                for (size_t k = 0; k < n; k++) ((R *)(void *)r)[k] = r[k].r;                       \
                res = r;                                                                           \
            }                                                                                      \
            const R *x = (const R *)(const void *)res;                                             \
            for (size_t k = 0; k < n; k++)                                                         \
                *(R *)(void *)(out + (ptrdiff_t)k * j->sout) = x[k] * fct;                         \
            return;                                                                                \
        } else {                                                                                   \
            const bool even = n % 2 == 0;                                                          \
            if (even) {                                                                            \
                R *x = (R *)(void *)buf;                                                           \
                for (size_t k = 0; k < take; k++)                                                  \
                    x[k] = *(const R *)(const void *)(in + (ptrdiff_t)k * j->sin);                 \
                for (size_t k = take; k < n; k++) x[k] = 0;                                        \
                res = rfft_even##SFX(j->plan, buf, ws, nt);                                        \
            } else {                                                                               \
                for (size_t k = 0; k < take; k++)                                                  \
                    buf[k] = (C){*(const R *)(const void *)(in + (ptrdiff_t)k * j->sin), 0};       \
                for (size_t k = take; k < n; k++) buf[k] = (C){0, 0};                              \
                res = cfft##SFX(j->plan->sub, buf, ws, true, nt);                                  \
            }                                                                                      \
            emit_real##SFX(j, res, out);                                                           \
            return;                                                                                \
        }                                                                                          \
        if (j->fct == 1.0)                                                                         \
            for (ptrdiff_t k = 0; k < j->nout; k++) *(C *)(void *)(out + k * j->sout) = res[k];    \
        else                                                                                       \
            for (ptrdiff_t k = 0; k < j->nout; k++) {                                              \
                C *o = (C *)(void *)(out + k * j->sout);                                           \
                *o = (C){res[k].r * fct, res[k].i * fct};                                          \
            }                                                                                      \
    }
LINE_BODY(double, cplx_d, _d)
LINE_BODY(float, cplx_f, _f)
#undef LINE_BODY

/* ---- the public functions ---- */

static const ks__enum_entry norm_names[] = {
    {"backward", KS_FFT_NORM_BACKWARD},
    {"ortho", KS_FFT_NORM_ORTHO},
    {"forward", KS_FFT_NORM_FORWARD},
};
KS__ENUM_FUNCS(ks_fft_norm, ks_fft_norm, "norm", norm_names)

/* NumPy's factor: 1, 1 / sqrt(n) or 1 / n in the real dtype, by the direction's side of norm. */
static double scale(ks_fft_norm norm, bool fwd, size_t n, bool f32)
{
    if (!fwd)
        norm = norm == KS_FFT_NORM_BACKWARD  ? KS_FFT_NORM_FORWARD
               : norm == KS_FFT_NORM_FORWARD ? KS_FFT_NORM_BACKWARD
                                             : norm;
    if (norm == KS_FFT_NORM_BACKWARD) return 1.0;
    if (f32) {
        const float r = norm == KS_FFT_NORM_ORTHO ? 1.0f / sqrtf((float)n) : 1.0f / (float)n;
        return (double)r;
    }
    return norm == KS_FFT_NORM_ORTHO ? 1.0 / sqrt((double)n) : 1.0 / (double)n;
}

#define TILE 16
#define PREFETCH 8 /* rows ahead */

/* One element of 4, 8 or 16 bytes. */
static inline void copy_elem(char *dst, const char *src, size_t size)
{
    switch (size) {
    case 16: memcpy(dst, src, 16); break;
    case 8: memcpy(dst, src, 8); break;
    default: memcpy(dst, src, 4); break;
    }
}

/* Byte offsets of line l (a C-order position over the other axes od[0 .. no), innermost
 * first) in a and out. */
static void line_offsets(const ks_array *a, const ks_array *out, const int *od, int no, ptrdiff_t l,
                         ptrdiff_t *oi, ptrdiff_t *oo)
{
    *oi = *oo = 0;
    for (int q = 0; q < no; q++) {
        const int d = od[q];
        const ptrdiff_t i = l % a->shape[d];
        l /= a->shape[d];
        *oi += i * a->strides[d];
        *oo += i * out->strides[d];
    }
}

static int run(ks_ctx *ctx, const ks_array *a0, ptrdiff_t n_arg, int axis_arg, fft_mode mode,
               bool fwd, ks_fft_norm norm, ks_array *out)
{
    ks__array_clear(out);
    if ((unsigned)norm > KS_FFT_NORM_FORWARD)
        return ks__fail(ctx, KS_EINVAL,
                        "Invalid norm value %d; should be \"backward\", "
                        "\"ortho\" or \"forward\".",
                        (int)norm);
    int axis;
    int rc = ks__axis(ctx, axis_arg, a0->ndim, &axis);
    if (rc != KS_OK) return rc;
    const char kind = ks_dtype_kind(a0->dtype);
    const bool f32 = a0->dtype == KS_FLOAT32 || a0->dtype == KS_COMPLEX64;
    if (mode == MODE_R2C && kind == 'c')
        return ks__fail(ctx, KS_ETYPE,
                        "rfft takes real input, not %s (take its real part or "
                        "use fft)",
                        ks_dtype_name(a0->dtype));
    if (mode == MODE_C2C && kind != 'c') mode = MODE_R2FULL;
    const bool real_in = mode == MODE_R2C || mode == MODE_R2FULL;
    const ks_dtype rt = f32 ? KS_FLOAT32 : KS_FLOAT64, ct = f32 ? KS_COMPLEX64 : KS_COMPLEX128;
    const ptrdiff_t len = a0->shape[axis];
    const ptrdiff_t n = n_arg == -1 ? (mode == MODE_C2R ? 2 * (len - 1) : len) : n_arg;
    if (n < 1)
        return ks__fail(ctx, KS_EINVAL, "Invalid number of FFT data points (%td) specified.", n);
    /* the input in the compute dtype */
    ks_array conv;
    ks__array_clear(&conv);
    const ks_array *a = a0;
    const ks_dtype in_t = real_in ? rt : ct;
    if (a0->dtype != in_t) {
        rc = ks_array_astype(ctx, a0, in_t, KS_CASTING_UNSAFE, &conv);
        if (rc != KS_OK) return rc;
        a = &conv;
    }
    ptrdiff_t shape[KS_ARRAY_MAXDIMS];
    memcpy(shape, a->shape, (size_t)a->ndim * sizeof *shape);
    shape[axis] = mode == MODE_R2C ? n / 2 + 1 : n;
    fft_plan *plan = NULL;
    rc = ks__array_new(ctx, mode == MODE_C2R ? rt : ct, a->ndim, shape, out);
    if (rc == KS_OK)
        rc = plan_get(ctx, (size_t)n, mode == MODE_C2C ? PLAN_COMPLEX : PLAN_REAL, f32, &plan);
    ptrdiff_t lines = 1;
    for (int d = 0; d < a->ndim; d++)
        if (d != axis) lines *= a->shape[d];
    if (rc != KS_OK || lines == 0) goto done;
    line_job job = {plan,
                    mode,
                    fwd,
                    (size_t)n,
                    len,
                    shape[axis],
                    a->strides[axis],
                    out->strides[axis],
                    scale(norm, fwd, (size_t)n, f32),
                    false};
    const size_t nbuf = (size_t)n + 2, nws = plan->scratch + 2;
    const double ns = (double)lines * (double)n * (log2((double)n) + 1.0) * 1.5;
    int nt = ks__array_threads(ctx, ns);
    const int line_nt = lines >= nt ? nt : 1, pass_nt = lines >= nt ? 1 : nt;
    const size_t esz = f32 ? 8 : 16, isz = ks_dtype_size(a->dtype), osz = ks_dtype_size(out->dtype);
    /* lines along a strided axis go through a tile of TILE of them (transformed there in place),
     * copied a row of TILE neighbouring elements at a time (whole cache lines) rather than one
     * element per line */
    const bool tiled =
        lines > 1 && (a->strides[axis] != (ptrdiff_t)isz || out->strides[axis] != (ptrdiff_t)osz);
    const size_t tin = (size_t)(len < n ? len : n), tout = (size_t)shape[axis];
    const size_t per = (nbuf + nws) * esz + (tiled ? TILE * (tin * isz + tout * osz) : 0);
    char *mem = ks__malloc_array(ctx, (size_t)line_nt, per);
    if (!mem) {
        rc = ks_errcode(ctx);
        goto done;
    }
    line_job tjob = job;
    tjob.nin = (ptrdiff_t)tin;
    tjob.sin = (ptrdiff_t)isz;
    tjob.sout = (ptrdiff_t)osz;
    tjob.in_place = mode == MODE_C2C && tin == (size_t)n;
    /* the other axes, for the lines' offsets */
    int od[KS_ARRAY_MAXDIMS], no = 0;
    for (int d = a->ndim - 1; d >= 0; d--)
        if (d != axis) od[no++] = d;
    const bool pairs = real_in && n % 2 == 1;
#pragma omp parallel for num_threads(line_nt) schedule(static) if (line_nt > 1)
    for (int t = 0; t < line_nt; t++) {
        char *buf = mem + (size_t)t * per, *ws = buf + nbuf * esz, *ti = ws + nws * esz;
        char *to = ti + TILE * tin * isz;
        const ptrdiff_t l0 = lines * t / line_nt, l1 = lines * (t + 1) / line_nt;
        for (ptrdiff_t l = l0; l < l1;) {
            const int g = (int)(l1 - l < TILE ? l1 - l : TILE);
            ptrdiff_t oi[TILE], oo[TILE];
            const char *ins[TILE];
            char *outs[TILE];
            for (int b = 0; b < g; b++) {
                line_offsets(a, out, od, no, l + b, &oi[b], &oo[b]);
                ins[b] = tiled ? ti + (size_t)b * tin * isz : a->data + oi[b];
                outs[b] = tiled ? to + (size_t)b * tout * osz : out->data + oo[b];
            }
            if (tiled)
                for (size_t k = 0; k < tin; k++) {
                    /* rows a page or more apart defeat the hardware's prefetch: ask ahead */
                    if (k + PREFETCH < tin)
                        for (int b = 0; b < g; b += (int)(64 / isz))
                            __builtin_prefetch(a->data + oi[b] +
                                               (ptrdiff_t)(k + PREFETCH) * a->strides[axis]);
                    for (int b = 0; b < g; b++)
                        copy_elem(ti + ((size_t)b * tin + k) * isz,
                                  a->data + oi[b] + (ptrdiff_t)k * a->strides[axis], isz);
                }
            const line_job *jb = tiled ? &tjob : &job;
            for (int b = 0; b < g; b++) {
                if (pairs && b + 1 < g) { /* odd real lines two at a time */
                    if (f32)
                        pair_f(jb, ins[b], ins[b + 1], outs[b], outs[b + 1], (cplx_f *)(void *)buf,
                               (cplx_f *)(void *)ws, pass_nt);
                    else
                        pair_d(jb, ins[b], ins[b + 1], outs[b], outs[b + 1], (cplx_d *)(void *)buf,
                               (cplx_d *)(void *)ws, pass_nt);
                    b++;
                } else if (f32) {
                    line__f(jb, ins[b], outs[b], (cplx_f *)(void *)buf, (cplx_f *)(void *)ws,
                            pass_nt);
                } else {
                    line__d(jb, ins[b], outs[b], (cplx_d *)(void *)buf, (cplx_d *)(void *)ws,
                            pass_nt);
                }
            }
            if (tiled)
                for (size_t k = 0; k < tout; k++) {
                    if (k + PREFETCH < tout)
                        for (int b = 0; b < g; b += (int)(64 / osz))
                            __builtin_prefetch(out->data + oo[b] +
                                                   (ptrdiff_t)(k + PREFETCH) * out->strides[axis],
                                               1);
                    for (int b = 0; b < g; b++)
                        copy_elem(out->data + oo[b] + (ptrdiff_t)k * out->strides[axis],
                                  to + ((size_t)b * tout + k) * osz, osz);
                }
            l += g;
        }
    }
    ks__free(ctx, mem);
done:
    plan_decref(plan);
    ks_array_release(&conv);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}

int ks_array_fft(ks_ctx *ctx, const ks_array *a, ptrdiff_t n, int axis, bool inverse,
                 ks_fft_norm norm, ks_array *out)
{
    return run(ctx, a, n, axis, MODE_C2C, !inverse, norm, out);
}

int ks_array_rfft(ks_ctx *ctx, const ks_array *a, ptrdiff_t n, int axis, ks_fft_norm norm,
                  ks_array *out)
{
    return run(ctx, a, n, axis, MODE_R2C, true, norm, out);
}

int ks_array_irfft(ks_ctx *ctx, const ks_array *a, ptrdiff_t n, int axis, ks_fft_norm norm,
                   ks_array *out)
{
    return run(ctx, a, n, axis, MODE_C2R, false, norm, out);
}
