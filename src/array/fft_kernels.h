/* fft_kernels.h — the complex FFT's passes for one precision, included by fft.c once with
 * R = double (suffix _d) and once with R = float (_f), so float32 is computed in float32 as
 * NumPy 2 does.
 *
 * The transform is a Stockham autosort FFT, decimation in frequency: a length n = l1 * ip * ido
 * pass reads its input as [l1][ip][ido] and writes [ip][l1][ido], each of the l1 * ido
 * butterflies a length-ip DFT over elements ido apart whose outputs m > 0 are then multiplied by
 * w_n^(m * i * l1). Ping-ponging between two buffers gives the result in natural order with no
 * bit-reversal pass. Radix 2, 3, 4, 5 and 8 have their own butterflies; any other factor goes
 * through a generic odd pass of cost ip^2 / 2 per butterfly (the plan chooses Bluestein for
 * lengths whose factors make that too dear). `fwd` selects exp(-2 pi i / n) (forward) or its
 * conjugate; the passes are inlined into each direction so it is a constant there. */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#define C_T CAT(cplx, SFX)
#define FN(name) CAT(name, SFX)

typedef struct {
    R r, i;
} C_T;

#define KS_INLINE static inline __attribute__((always_inline))

/* a * w (forward) or a * conj(w) (backward). */
KS_INLINE C_T FN(twmul)(C_T a, C_T w, bool fwd)
{
    C_T o;
    if (fwd) {
        o.r = a.r * w.r - a.i * w.i;
        o.i = a.r * w.i + a.i * w.r;
    } else {
        o.r = a.r * w.r + a.i * w.i;
        o.i = a.i * w.r - a.r * w.i;
    }
    return o;
}

#define CC(i, m, k) cc[(i) + ido * ((m) + ip * (k))]
#define CH(i, k, m) ch[(i) + ido * ((k) + l1 * (m))]
#define WA(m, i) tw[((m)-1) * (ido - 1) + (i)-1]

KS_INLINE void FN(pass2)(size_t ido, size_t l1, const size_t *rg, const C_T *restrict cc,
                         C_T *restrict ch, const C_T *restrict tw, bool fwd)
{
    const size_t ip = 2;
    for (size_t k = rg[0]; k < rg[1]; k++) {
        if (rg[2] == 0) {
            const C_T a = CC(0, 0, k), b = CC(0, 1, k);
            CH(0, k, 0) = (C_T){a.r + b.r, a.i + b.i};
            CH(0, k, 1) = (C_T){a.r - b.r, a.i - b.i};
        }
        for (size_t i = rg[2] ? rg[2] : 1; i < rg[3]; i++) {
            const C_T a = CC(i, 0, k), b = CC(i, 1, k);
            CH(i, k, 0) = (C_T){a.r + b.r, a.i + b.i};
            CH(i, k, 1) = FN(twmul)((C_T){a.r - b.r, a.i - b.i}, WA(1, i), fwd);
        }
    }
}

/* The length-3 DFT: y1, y2 = x0 - (x1 + x2) / 2 -+ i s (x1 - x2), s = sin(2 pi / 3). */
#define DFT3(x0, x1, x2, y0, y1, y2)                                                               \
    do {                                                                                           \
        const R s_ = fwd ? (R)-0.86602540378443864676L : (R)0.86602540378443864676L;               \
        const C_T t_ = {x1.r + x2.r, x1.i + x2.i}, d_ = {x1.r - x2.r, x1.i - x2.i};                \
        y0 = (C_T){x0.r + t_.r, x0.i + t_.i};                                                      \
        const C_T c_ = {x0.r - (R)0.5 * t_.r, x0.i - (R)0.5 * t_.i};                               \
        const C_T e_ = {-s_ * d_.i, s_ * d_.r}; /* i s d */                                        \
        y1 = (C_T){c_.r + e_.r, c_.i + e_.i};                                                      \
        y2 = (C_T){c_.r - e_.r, c_.i - e_.i};                                                      \
    } while (0)

KS_INLINE void FN(pass3)(size_t ido, size_t l1, const size_t *rg, const C_T *restrict cc,
                         C_T *restrict ch, const C_T *restrict tw, bool fwd)
{
    const size_t ip = 3;
    for (size_t k = rg[0]; k < rg[1]; k++) {
        if (rg[2] == 0) {
            const C_T x0 = CC(0, 0, k), x1 = CC(0, 1, k), x2 = CC(0, 2, k);
            C_T y0, y1, y2;
            DFT3(x0, x1, x2, y0, y1, y2);
            CH(0, k, 0) = y0;
            CH(0, k, 1) = y1;
            CH(0, k, 2) = y2;
        }
        for (size_t i = rg[2] ? rg[2] : 1; i < rg[3]; i++) {
            const C_T x0 = CC(i, 0, k), x1 = CC(i, 1, k), x2 = CC(i, 2, k);
            C_T y0, y1, y2;
            DFT3(x0, x1, x2, y0, y1, y2);
            CH(i, k, 0) = y0;
            CH(i, k, 1) = FN(twmul)(y1, WA(1, i), fwd);
            CH(i, k, 2) = FN(twmul)(y2, WA(2, i), fwd);
        }
    }
}

/* The length-4 DFT: (x0 + x2) +- (x1 + x3) and (x0 - x2) -+ i (x1 - x3) (forward). */
#define DFT4(x0, x1, x2, x3, y0, y1, y2, y3)                                                       \
    do {                                                                                           \
        const C_T t1_ = {x0.r + x2.r, x0.i + x2.i}, t2_ = {x0.r - x2.r, x0.i - x2.i};              \
        const C_T t3_ = {x1.r + x3.r, x1.i + x3.i}, t4_ = {x1.r - x3.r, x1.i - x3.i};              \
        const C_T r_ = fwd ? (C_T){t4_.i, -t4_.r} : (C_T){-t4_.i, t4_.r}; /* -+ i t4 */            \
        y0 = (C_T){t1_.r + t3_.r, t1_.i + t3_.i};                                                  \
        y2 = (C_T){t1_.r - t3_.r, t1_.i - t3_.i};                                                  \
        y1 = (C_T){t2_.r + r_.r, t2_.i + r_.i};                                                    \
        y3 = (C_T){t2_.r - r_.r, t2_.i - r_.i};                                                    \
    } while (0)

KS_INLINE void FN(pass4)(size_t ido, size_t l1, const size_t *rg, const C_T *restrict cc,
                         C_T *restrict ch, const C_T *restrict tw, bool fwd)
{
    const size_t ip = 4;
    for (size_t k = rg[0]; k < rg[1]; k++) {
        if (rg[2] == 0) {
            const C_T x0 = CC(0, 0, k), x1 = CC(0, 1, k), x2 = CC(0, 2, k), x3 = CC(0, 3, k);
            C_T y0, y1, y2, y3;
            DFT4(x0, x1, x2, x3, y0, y1, y2, y3);
            CH(0, k, 0) = y0;
            CH(0, k, 1) = y1;
            CH(0, k, 2) = y2;
            CH(0, k, 3) = y3;
        }
        for (size_t i = rg[2] ? rg[2] : 1; i < rg[3]; i++) {
            const C_T x0 = CC(i, 0, k), x1 = CC(i, 1, k), x2 = CC(i, 2, k), x3 = CC(i, 3, k);
            C_T y0, y1, y2, y3;
            DFT4(x0, x1, x2, x3, y0, y1, y2, y3);
            CH(i, k, 0) = y0;
            CH(i, k, 1) = FN(twmul)(y1, WA(1, i), fwd);
            CH(i, k, 2) = FN(twmul)(y2, WA(2, i), fwd);
            CH(i, k, 3) = FN(twmul)(y3, WA(3, i), fwd);
        }
    }
}

/* The length-8 DFT from the length-4 DFTs of the even and odd elements: y_k, y_(k+4) = E_k +-
 * w^k O_k with w^k = 1, (1 -+ i) / sqrt 2, -+ i, (-1 -+ i) / sqrt 2 (forward's signs). */
KS_INLINE void FN(dft8)(const C_T *x, C_T *y, bool fwd)
{
    const R h = (R)0.70710678118654752440L;
    C_T e0, e1, e2, e3, o0, o1, o2, o3;
    DFT4(x[0], x[2], x[4], x[6], e0, e1, e2, e3);
    DFT4(x[1], x[3], x[5], x[7], o0, o1, o2, o3);
    const C_T t1 = fwd ? (C_T){(o1.r + o1.i) * h, (o1.i - o1.r) * h}
                       : (C_T){(o1.r - o1.i) * h, (o1.r + o1.i) * h};
    const C_T t2 = fwd ? (C_T){o2.i, -o2.r} : (C_T){-o2.i, o2.r};
    const C_T t3 = fwd ? (C_T){(o3.i - o3.r) * h, -(o3.r + o3.i) * h}
                       : (C_T){-(o3.r + o3.i) * h, (o3.r - o3.i) * h};
    y[0] = (C_T){e0.r + o0.r, e0.i + o0.i};
    y[4] = (C_T){e0.r - o0.r, e0.i - o0.i};
    y[1] = (C_T){e1.r + t1.r, e1.i + t1.i};
    y[5] = (C_T){e1.r - t1.r, e1.i - t1.i};
    y[2] = (C_T){e2.r + t2.r, e2.i + t2.i};
    y[6] = (C_T){e2.r - t2.r, e2.i - t2.i};
    y[3] = (C_T){e3.r + t3.r, e3.i + t3.i};
    y[7] = (C_T){e3.r - t3.r, e3.i - t3.i};
}

KS_INLINE void FN(pass8)(size_t ido, size_t l1, const size_t *rg, const C_T *restrict cc,
                         C_T *restrict ch, const C_T *restrict tw, bool fwd)
{
    const size_t ip = 8;
    for (size_t k = rg[0]; k < rg[1]; k++) {
        if (rg[2] == 0) {
            C_T x[8], y[8];
            for (size_t m = 0; m < 8; m++) x[m] = CC(0, m, k);
            FN(dft8)(x, y, fwd);
            for (size_t m = 0; m < 8; m++) CH(0, k, m) = y[m];
        }
        for (size_t i = rg[2] ? rg[2] : 1; i < rg[3]; i++) {
            C_T x[8], y[8];
            for (size_t m = 0; m < 8; m++) x[m] = CC(i, m, k);
            FN(dft8)(x, y, fwd);
            CH(i, k, 0) = y[0];
            for (size_t m = 1; m < 8; m++) CH(i, k, m) = FN(twmul)(y[m], WA(m, i), fwd);
        }
    }
}

/* The length-5 DFT by its symmetric pairs a = x1 + x4, x2 + x3 and b = x1 - x4, x2 - x3:
 * y1, y4 = x0 + c1 a1 + c2 a2 +- i (s1 b1 + s2 b2), y2, y3 = x0 + c2 a1 + c1 a2 +- i (s2 b1 -
 * s1 b2), with c_k, s_k = cos, sin(2 pi k / 5) (s negated forward). */
#define DFT5(x0, x1, x2, x3, x4, y0, y1, y2, y3, y4)                                               \
    do {                                                                                           \
        const R c1_ = (R)0.30901699437494742410L, c2_ = (R)-0.80901699437494742410L;               \
        const R s1_ = fwd ? (R)-0.95105651629515357212L : (R)0.95105651629515357212L;              \
        const R s2_ = fwd ? (R)-0.58778525229247312917L : (R)0.58778525229247312917L;              \
        const C_T a1_ = {x1.r + x4.r, x1.i + x4.i}, b1_ = {x1.r - x4.r, x1.i - x4.i};              \
        const C_T a2_ = {x2.r + x3.r, x2.i + x3.i}, b2_ = {x2.r - x3.r, x2.i - x3.i};              \
        y0 = (C_T){x0.r + a1_.r + a2_.r, x0.i + a1_.i + a2_.i};                                    \
        const C_T p1_ = {x0.r + c1_ * a1_.r + c2_ * a2_.r, x0.i + c1_ * a1_.i + c2_ * a2_.i};      \
        const C_T q1_ = {s1_ * b1_.r + s2_ * b2_.r, s1_ * b1_.i + s2_ * b2_.i};                    \
        y1 = (C_T){p1_.r - q1_.i, p1_.i + q1_.r};                                                  \
        y4 = (C_T){p1_.r + q1_.i, p1_.i - q1_.r};                                                  \
        const C_T p2_ = {x0.r + c2_ * a1_.r + c1_ * a2_.r, x0.i + c2_ * a1_.i + c1_ * a2_.i};      \
        const C_T q2_ = {s2_ * b1_.r - s1_ * b2_.r, s2_ * b1_.i - s1_ * b2_.i};                    \
        y2 = (C_T){p2_.r - q2_.i, p2_.i + q2_.r};                                                  \
        y3 = (C_T){p2_.r + q2_.i, p2_.i - q2_.r};                                                  \
    } while (0)

KS_INLINE void FN(pass5)(size_t ido, size_t l1, const size_t *rg, const C_T *restrict cc,
                         C_T *restrict ch, const C_T *restrict tw, bool fwd)
{
    const size_t ip = 5;
    for (size_t k = rg[0]; k < rg[1]; k++) {
        if (rg[2] == 0) {
            const C_T x0 = CC(0, 0, k), x1 = CC(0, 1, k), x2 = CC(0, 2, k), x3 = CC(0, 3, k),
                      x4 = CC(0, 4, k);
            C_T y0, y1, y2, y3, y4;
            DFT5(x0, x1, x2, x3, x4, y0, y1, y2, y3, y4);
            CH(0, k, 0) = y0;
            CH(0, k, 1) = y1;
            CH(0, k, 2) = y2;
            CH(0, k, 3) = y3;
            CH(0, k, 4) = y4;
        }
        for (size_t i = rg[2] ? rg[2] : 1; i < rg[3]; i++) {
            const C_T x0 = CC(i, 0, k), x1 = CC(i, 1, k), x2 = CC(i, 2, k), x3 = CC(i, 3, k),
                      x4 = CC(i, 4, k);
            C_T y0, y1, y2, y3, y4;
            DFT5(x0, x1, x2, x3, x4, y0, y1, y2, y3, y4);
            CH(i, k, 0) = y0;
            CH(i, k, 1) = FN(twmul)(y1, WA(1, i), fwd);
            CH(i, k, 2) = FN(twmul)(y2, WA(2, i), fwd);
            CH(i, k, 3) = FN(twmul)(y3, WA(3, i), fwd);
            CH(i, k, 4) = FN(twmul)(y4, WA(4, i), fwd);
        }
    }
}

/* Any odd ip: y_m, y_(ip-m) = x0 + sum_j c_jm (x_j + x_(ip-j)) +- i sum_j s_jm (x_j - x_(ip-j))
 * over j = 1 .. (ip-1)/2, with roots[k] = exp(-+2 pi i k / ip) (the plan's, forward's sign). */
KS_INLINE void FN(passg)(size_t ido, size_t l1, size_t ip, const size_t *rg, const C_T *restrict cc,
                         C_T *restrict ch, const C_T *restrict tw, const C_T *restrict roots,
                         bool fwd)
{
    const size_t half = (ip - 1) / 2;
    for (size_t k = rg[0]; k < rg[1]; k++)
        for (size_t i = rg[2]; i < rg[3]; i++) {
            C_T y0 = CC(i, 0, k);
            for (size_t j = 1; j <= half; j++) {
                y0.r += CC(i, j, k).r + CC(i, ip - j, k).r;
                y0.i += CC(i, j, k).i + CC(i, ip - j, k).i;
            }
            CH(i, k, 0) = y0;
            for (size_t m = 1; m <= half; m++) {
                const C_T x0 = CC(i, 0, k);
                C_T p = x0, q = {0, 0};
                size_t jm = 0;
                for (size_t j = 1; j <= half; j++) {
                    jm += m;
                    if (jm >= ip) jm -= ip;
                    const C_T xa = CC(i, j, k), xb = CC(i, ip - j, k);
                    const R c = roots[jm].r, s = fwd ? roots[jm].i : -roots[jm].i;
                    p.r += c * (xa.r + xb.r);
                    p.i += c * (xa.i + xb.i);
                    q.r += s * (xa.r - xb.r);
                    q.i += s * (xa.i - xb.i);
                }
                C_T ya = {p.r - q.i, p.i + q.r}, yb = {p.r + q.i, p.i - q.r}; /* p +- i q */
                if (i > 0) {
                    ya = FN(twmul)(ya, WA(m, i), fwd);
                    yb = FN(twmul)(yb, WA(ip - m, i), fwd);
                }
                CH(i, k, m) = ya;
                CH(i, k, ip - m) = yb;
            }
        }
}

#undef CC
#undef CH
#undef WA
#undef DFT3
#undef DFT4
#undef DFT5

/* One pass over the butterflies rg = [k0, k1) x [i0, i1) (direction a constant after
 * inlining). */
KS_INLINE void FN(pass_run)(size_t ip, size_t ido, size_t l1, const size_t *rg, const C_T *cc,
                            C_T *ch, const C_T *tw, const C_T *roots, bool fwd)
{
    switch (ip) {
    case 2: FN(pass2)(ido, l1, rg, cc, ch, tw, fwd); break;
    case 3: FN(pass3)(ido, l1, rg, cc, ch, tw, fwd); break;
    case 4: FN(pass4)(ido, l1, rg, cc, ch, tw, fwd); break;
    case 5: FN(pass5)(ido, l1, rg, cc, ch, tw, fwd); break;
    case 8: FN(pass8)(ido, l1, rg, cc, ch, tw, fwd); break;
    default: FN(passg)(ido, l1, ip, rg, cc, ch, tw, roots, fwd); break;
    }
}
static void FN(pass_fwd)(size_t ip, size_t ido, size_t l1, const size_t *rg, const C_T *cc, C_T *ch,
                         const C_T *tw, const C_T *roots)
{
    FN(pass_run)(ip, ido, l1, rg, cc, ch, tw, roots, true);
}
static void FN(pass_bwd)(size_t ip, size_t ido, size_t l1, const size_t *rg, const C_T *cc, C_T *ch,
                         const C_T *tw, const C_T *roots)
{
    FN(pass_run)(ip, ido, l1, rg, cc, ch, tw, roots, false);
}

/* ---- transforms of one line over a plan ---- */

/* The complex transform of c (the plan's n elements) with ws as the other buffer (the plan's
 * scratch); returns where the result is (c or ws). nt threads split each pass's butterflies
 * (each computed as with one thread, so the result does not depend on nt). */
static C_T *FN(cfft)(const fft_plan *p, C_T *c, C_T *ws, bool fwd, int nt);

static C_T *FN(passes)(const fft_plan *p, C_T *c, C_T *ws, bool fwd, int nt)
{
    C_T *p1 = c, *p2 = ws;
    size_t l1 = 1;
    for (int f = 0; f < p->nfct; f++) {
        const size_t ip = p->fct[f], ido = p->n / (l1 * ip);
        const C_T *tw = (const C_T *)p->tw[f], *roots = (const C_T *)p->roots[f];
        /* split the longer of the two loops into nt pieces */
        const int pieces = nt > 1 && (l1 >= (size_t)nt || ido >= (size_t)nt) ? nt : 1;
        if (pieces == 1) {
            const size_t rg[4] = {0, l1, 0, ido};
            if (fwd)
                FN(pass_fwd)(ip, ido, l1, rg, p1, p2, tw, roots);
            else
                FN(pass_bwd)(ip, ido, l1, rg, p1, p2, tw, roots);
        } else {
#pragma omp parallel for num_threads(pieces) schedule(static)
            for (int t = 0; t < pieces; t++) {
                const size_t q0 = (size_t)t, q1 = (size_t)t + 1, np = (size_t)pieces;
                size_t rg[4] = {0, l1, 0, ido};
                if (l1 >= ido)
                    rg[0] = l1 * q0 / np, rg[1] = l1 * q1 / np;
                else
                    rg[2] = ido * q0 / np, rg[3] = ido * q1 / np;
                if (fwd)
                    FN(pass_fwd)(ip, ido, l1, rg, p1, p2, tw, roots);
                else
                    FN(pass_bwd)(ip, ido, l1, rg, p1, p2, tw, roots);
            }
        }
        C_T *tmp = p1;
        p1 = p2;
        p2 = tmp;
        l1 *= ip;
    }
    return p1;
}

/* Bluestein: X_k = w_k sum_j (x_j w_j) conj(w_(k-j)), w_k = exp(-pi i k^2 / n), the sum a
 * cyclic convolution of length n2 >= 2n - 1 done by FFTs (bk is the transform of conj(w), scaled
 * by 1 / n2). Backward is the conjugate of forward on the conjugate. ws: 2 * n2 elements. */
static C_T *FN(bluestein)(const fft_plan *p, C_T *c, C_T *ws, bool fwd, int nt)
{
    const size_t n = p->n, n2 = p->sub->n;
    const C_T *w = (const C_T *)p->wk, *bk = (const C_T *)p->bk;
    C_T *a = ws, *s = ws + n2;
    const R sg = fwd ? (R)1 : (R)-1;
    for (size_t k = 0; k < n; k++) {
        const C_T x = {c[k].r, sg * c[k].i};
        a[k] = (C_T){x.r * w[k].r - x.i * w[k].i, x.r * w[k].i + x.i * w[k].r};
    }
    memset((void *)(a + n), 0, (n2 - n) * sizeof *a);
    C_T *r = FN(cfft)(p->sub, a, s, true, nt);
    for (size_t k = 0; k < n2; k++) {
        const C_T x = r[k];
        r[k] = (C_T){x.r * bk[k].r - x.i * bk[k].i, x.r * bk[k].i + x.i * bk[k].r};
    }
    r = FN(cfft)(p->sub, r, r == a ? s : a, false, nt);
    for (size_t k = 0; k < n; k++) {
        const C_T x = r[k];
        c[k] = (C_T){x.r * w[k].r - x.i * w[k].i, sg * (x.r * w[k].i + x.i * w[k].r)};
    }
    return c;
}

static C_T *FN(cfft)(const fft_plan *p, C_T *c, C_T *ws, bool fwd, int nt)
{
    return p->sub ? FN(bluestein)(p, c, ws, fwd, nt) : FN(passes)(p, c, ws, fwd, nt);
}

/* The real forward transform of even n: z_j = x_2j + i x_2j+1 transformed at length h = n / 2,
 * then X_k = E_k + w^k O_k with E, O the halves' transforms, E_k = (Z_k + conj Z_(h-k)) / 2,
 * O_k = (Z_k - conj Z_(h-k)) / 2i. x: n reals in a buffer of h + 1 complex; the h + 1 outputs
 * are left in `out` (x's buffer or ws, returned). */
static C_T *FN(rfft_even)(const fft_plan *p, C_T *x, C_T *ws, int nt)
{
    const size_t h = p->n / 2;
    const C_T *w = (const C_T *)p->wk;
    C_T *z = FN(cfft)(p->sub, x, ws, true, nt);
    const C_T z0 = z[0];
    z[0] = (C_T){z0.r + z0.i, 0};
    z[h] = (C_T){z0.r - z0.i, 0};
    for (size_t k = 1; k <= h / 2; k++) {
        const C_T a = z[k], b = z[h - k];
        /* k and h - k from the same two values */
        const C_T e1 = {(a.r + b.r) * (R)0.5, (a.i - b.i) * (R)0.5};
        const C_T o1 = {(a.i + b.i) * (R)0.5, (b.r - a.r) * (R)0.5};
        const C_T t1 = {o1.r * w[k].r - o1.i * w[k].i, o1.r * w[k].i + o1.i * w[k].r};
        const C_T e2 = {e1.r, -e1.i}, o2 = {o1.r, -o1.i};
        const C_T wk2 = {-w[k].r, w[k].i}; /* w^(h-k) = -conj(w^k) */
        const C_T t2 = {o2.r * wk2.r - o2.i * wk2.i, o2.r * wk2.i + o2.i * wk2.r};
        z[k] = (C_T){e1.r + t1.r, e1.i + t1.i};
        z[h - k] = (C_T){e2.r + t2.r, e2.i + t2.i};
    }
    return z;
}

/* Its inverse: X_0 .. X_h (imaginary parts of X_0 and X_h ignored, as NumPy) to n reals times n:
 * Z_k = (X_k + conj X_(h-k)) + i w^-k (X_k - conj X_(h-k)), transformed backward at length h,
 * holds x_2j + i x_2j+1. Returns where the n reals are. */
static C_T *FN(irfft_even)(const fft_plan *p, C_T *x, C_T *ws, int nt)
{
    const size_t h = p->n / 2;
    const C_T *w = (const C_T *)p->wk;
    const R x0 = x[0].r, xh = x[h].r;
    x[0] = (C_T){x0 + xh, x0 - xh};
    for (size_t k = 1; k <= h / 2; k++) {
        const C_T a = x[k], b = x[h - k];
        /* s = X_k + conj X_(h-k), d = X_k - conj X_(h-k); for h - k the conjugates of both */
        const C_T s1 = {a.r + b.r, a.i - b.i}, d1 = {a.r - b.r, a.i + b.i};
        const C_T s2 = {s1.r, -s1.i}, d2 = {-d1.r, d1.i};
        const C_T u1 = {d1.r * w[k].r + d1.i * w[k].i, d1.i * w[k].r - d1.r * w[k].i};
        const C_T wk2 = {-w[k].r, w[k].i};
        const C_T u2 = {d2.r * wk2.r + d2.i * wk2.i, d2.i * wk2.r - d2.r * wk2.i};
        x[k] = (C_T){s1.r - u1.i, s1.i + u1.r};
        x[h - k] = (C_T){s2.r - u2.i, s2.i + u2.r};
    }
    return FN(cfft)(p->sub, x, ws, false, nt);
}

#undef KS_INLINE
#undef FN
#undef C_T
#undef CAT
#undef CAT_
