/* gsem_util.c — the pieces munge, ldsc and sumstats share: allele codes, numeric cells, P to Z
 * (Wichura's AS 241 normal quantile, entered by log p in the tails so that no P is too small),
 * and R's way of writing numbers. */
#include <ctype.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "gsem_internal.h"
#include "kestrel/linalg.h"

#ifdef _OPENMP
#include <omp.h>
#endif

int ks__gsem_allele(const char *s, int upper)
{
    if (!s || !s[0] || s[1]) return upper ? GSEM_NA : GSEM_OTHER;
    const char c = upper ? (char)toupper((unsigned char)s[0]) : s[0];
    switch (c) {
    case 'A': return 0;
    case 'C': return 1;
    case 'G': return 2;
    case 'T': return 3;
    default: return upper ? GSEM_NA : GSEM_OTHER;
    }
}

/* FNV-1a over the bytes of s (upper-cased with upper). */
static uint64_t fnv1a(const char *s, int upper)
{
    uint64_t x = 1469598103934665603ULL;
    for (; *s; s++)
        x = (x ^ (unsigned char)(upper ? toupper((unsigned char)*s) : *s)) * 1099511628211ULL;
    return x;
}

int64_t ks__gsem_allele_key(const char *s, int upper)
{
    if (!s || !s[0]) return GSEM_NA;
    const size_t l = strlen(s);
    if (l > 7) return (int64_t)((fnv1a(s, upper) & ~(3ULL << 62)) | (1ULL << 62));
    uint64_t v = 0;
    for (size_t i = 0; i < l; i++)
        v |= (uint64_t)(unsigned char)(upper ? toupper((unsigned char)s[i]) : s[i]) << (8 * i);
    return (int64_t)v;
}

/* A name's 32-bit tag: "rs" and a number below 2^32 (no leading zero) is the number itself,
 * flagged exact (one name to one tag, so no string compare is needed); any other name is its
 * FNV-1a hash, checked by strcmp. *h gets the name's 64-bit hash, for the slot. */
enum { EXACT = 1u << 31 };
static uint32_t name_tag(const char *s, int *exact, uint64_t *h)
{
    if (s[0] == 'r' && s[1] == 's' && s[2] >= '1' && s[2] <= '9') {
        uint64_t v = 0;
        int k = 2;
        for (; s[k] >= '0' && s[k] <= '9' && k < 12; k++) v = 10 * v + (uint64_t)(s[k] - '0');
        if (!s[k] && v <= UINT32_MAX) {
            *exact = 1;
            *h = v * 0x9E3779B97F4A7C15ULL;
            return (uint32_t)v;
        }
    }
    const uint64_t x = fnv1a(s, 0);
    *exact = 0;
    *h = (x ^ (x >> 29)) * 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(x >> 32);
}

/* The filter's word and its two bits for a name's hash: a name whose bits are not both set is
 * not in the index, found without touching the (much larger) slot table. */
static uint64_t filter_bits(uint64_t hv, size_t fmask, size_t *word)
{
    const uint64_t g = (hv ^ (hv >> 29)) * 0xBF58476D1CE4E5B9ULL;
    *word = (size_t)(g >> 40) & fmask;
    return (1ULL << (g & 63)) | (1ULL << ((g >> 6) & 63));
}

int ks__gsem_index_build(ks_ctx *ctx, const char *const *names, size_t n, ks__gsem_index *ix)
{
    if (n >= EXACT - 1) return ks__fail(ctx, KS_EINVAL, "%zu names are too many to index", n);
    size_t words = 8;
    while (words * 8 < n) words *= 2; /* 8 to 16 bits per name: about 5% false positives */
    ix->fmask = words - 1;
    ix->filter = ks__calloc(ctx, words, sizeof *ix->filter);
    if (!ix->filter) return KS_ENOMEM;
    size_t size = 16;
    while (size < n + n / 2) size *= 2; /* load at most 2/3 */
    ix->names = names;
    ix->mask = size - 1;
    ix->slot = ks__malloc_array(ctx, size, sizeof *ix->slot);
    if (!ix->slot) {
        ks__free(ctx, ix->filter);
        ix->filter = NULL;
        return KS_ENOMEM;
    }
    /* huge pages before the slots are first touched: fewer page faults, and fewer TLB misses
     * in the random probes */
    ks__huge_pages(ix->slot, size * sizeof *ix->slot);
    memset(ix->slot, 0, size * sizeof *ix->slot);
    ks__gsem_key key[GSEM_BATCH]; /* the slots of a batch of names prefetched together */
    for (size_t i = 0; i < n; i++) {
        if (i % GSEM_BATCH == 0)
            for (size_t j = i; j < n && j < i + GSEM_BATCH; j++)
                ks__gsem_index_key(ix, names[j], 0, &key[j - i]);
        const ks__gsem_key *kk = &key[i % GSEM_BATCH];
        const int exact = kk->exact;
        const uint64_t hv = kk->hv;
        const uint32_t t = kk->tag;
        const uint32_t want = (uint32_t)i + 1 + (exact ? EXACT : 0);
        ix->filter[kk->word] |= kk->bits;
        size_t h = (size_t)(hv >> 32) & ix->mask;
        for (; ix->slot[h].index; h = (h + 1) & ix->mask) {
            const ks__gsem_slot *sl = &ix->slot[h];
            if (sl->tag == t && (sl->index & EXACT) == (want & EXACT) &&
                (exact || !strcmp(names[(sl->index & ~EXACT) - 1], names[i])))
                break; /* a repeated name: the first stays */
        }
        if (!ix->slot[h].index) ix->slot[h] = (ks__gsem_slot){t, want};
    }
    return KS_OK;
}

void ks__gsem_index_key(const ks__gsem_index *ix, const char *name, int filter, ks__gsem_key *k)
{
    k->tag = name_tag(name, &k->exact, &k->hv);
    k->word = 0;
    k->bits = filter_bits(k->hv, ix->fmask, &k->word);
    k->filter = filter;
    if (filter) __builtin_prefetch(&ix->filter[k->word]);
    __builtin_prefetch(&ix->slot[(size_t)(k->hv >> 32) & ix->mask]);
}

int64_t ks__gsem_index_find_key(const ks__gsem_index *ix, const char *name, const ks__gsem_key *k)
{
    if (k->filter && (ix->filter[k->word] & k->bits) != k->bits) return -1;
    const uint32_t flag = k->exact ? EXACT : 0;
    for (size_t h = (size_t)(k->hv >> 32) & ix->mask;; h = (h + 1) & ix->mask) {
        const ks__gsem_slot *sl = &ix->slot[h];
        if (!sl->index) return -1;
        if (sl->tag == k->tag && (sl->index & EXACT) == flag &&
            (k->exact || !strcmp(ix->names[(sl->index & ~EXACT) - 1], name)))
            return (int64_t)((sl->index & ~EXACT) - 1);
    }
}

int64_t ks__gsem_index_find(const ks__gsem_index *ix, const char *name)
{
    ks__gsem_key k;
    ks__gsem_index_key(ix, name, 1, &k);
    return ks__gsem_index_find_key(ix, name, &k);
}

int ks__gsem_scan_rows(ks_text_reader *r, const ks__gsem_index *ix, int snp, const ks__gsem_tally *t,
                   ks__gsem_row_fn fn, void *arg)
{
    ks_text_record b[GSEM_BATCH];
    ks__gsem_key key[GSEM_BATCH];
    size_t nb, seen = 0, missed = 0;
    int got, filter = 1; /* the filter only pays where many names miss: decided every 4096 */
    while ((got = ks_text_batch(r, GSEM_BATCH, b, &nb)) == 1) {
        for (size_t i = 0; i < nb; i++)
            if ((size_t)snp < b[i].nfields)
                ks__gsem_index_key(ix, b[i].fields[snp], filter, &key[i]);
        if ((seen += nb) >= 4096) {
            filter = 8 * missed > seen; /* more than 1 in 8 */
            seen = missed = 0;
        }
        for (size_t i = 0; i < nb; i++) {
            const int64_t k = (size_t)snp < b[i].nfields
                                  ? ks__gsem_index_find_key(ix, b[i].fields[snp], &key[i])
                                  : -1;
            missed += k < 0;
            int rc;
            if (t) { /* the row counted, its width checked, and a row not in ix counted only */
                const size_t rows = ++*t->rows;
                if ((rc = ks__gsem_row_width(t->ctx, t->path, b[i].line, b[i].nfields, t->nhead,
                                         t->short_rows)))
                    return rc;
                if ((rows & 65535) == 0) ks__gsem_progress_report(t->pr, r);
                if (k < 0) {
                    ++*t->not_in_ref;
                    continue;
                }
            }
            if ((rc = fn(arg, b[i].fields, b[i].nfields, b[i].line, k))) return rc;
        }
    }
    return got < 0 ? got : KS_OK;
}

void ks__gsem_index_free(ks_ctx *ctx, ks__gsem_index *ix)
{
    ks__free(ctx, ix->slot);
    ks__free(ctx, ix->filter);
    ix->slot = NULL;
    ix->filter = NULL;
}

/* Clinger's fast path: a decimal with at most 15 digits and a power of ten up to 22 is one
 * exact integer times or over one exact power, so one rounding gives the correctly rounded
 * double (as strtod's). Returns 0 when the text is not of that form. */
static int fast_decimal(const char *s, double *out)
{
    static const double P10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                   1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    const char *p = s;
    const int neg = *p == '-';
    p += *p == '-' || *p == '+';
    const char *d0 = p; /* leading zeros skipped, then every digit counts */
    while (*p == '0') p++;
    uint64_t m = 0;
    const char *ib = p;
    while ((unsigned)(*p - '0') < 10) m = 10 * m + (uint64_t)(*p++ - '0');
    long nd = p - ib, e = 0;
    int any = p > d0;
    if (*p == '.') {
        const char *fb = ++p;
        if (!m)
            while (*p == '0') p++;
        const char *fs = p;
        while ((unsigned)(*p - '0') < 10) m = 10 * m + (uint64_t)(*p++ - '0');
        nd += p - fs;
        e = -(long)(p - fb);
        any |= p > fb;
    }
    if (!any || nd > 15) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        const int en = *p == '-';
        p += *p == '-' || *p == '+';
        if ((unsigned)(*p - '0') >= 10) return 0;
        int x = 0;
        for (; (unsigned)(*p - '0') < 10; p++)
            if ((x = 10 * x + (*p - '0')) > 400) return 0;
        e += en ? -x : x;
    }
    if (*p || e < -22 || e > 22) return 0;
    double v = (double)m;
    v = e < 0 ? v / P10[-e] : v * P10[e];
    *out = neg ? -v : v;
    return 1;
}
int ks__gsem_header(ks_ctx *ctx, const char *path, char *const *f, size_t nf,
                const char *const *want, int n, int *col)
{
    for (int k = 0; k < n; k++) {
        col[k] = -1;
        for (size_t j = 0; j < nf; j++)
            if (strcmp(f[j], want[k]))
                continue;
            else if (col[k] < 0)
                col[k] = (int)j;
            else /* (which one is meant is anyone's guess) */
                return ks__fail(ctx, KS_EPARSE, "%s:1: columns %d and %zu are both named '%s'",
                               path, col[k] + 1, j + 1, want[k]);
        if (col[k] < 0) return ks__fail(ctx, KS_EPARSE, "%s:1: no column '%s'", path, want[k]);
    }
    return KS_OK;
}

int ks__gsem_fields(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead)
{
    if (nf == nhead) return KS_OK;
    return ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, the header has %zu", path, line, nf, nhead);
}

int ks__gsem_cell(ks_ctx *ctx, const char *path, size_t line, const int *col, int k, char *const *f,
              size_t nf, double *v, double *logv)
{
    if (logv) *logv = NAN;
    if (col[k] < 0 || (size_t)col[k] >= nf) {
        *v = NAN;
        return KS_OK;
    }
    const int r = ks__gsem_parse_num(f[col[k]], v, logv);
    if (r < 0)
        return ks__fail(ctx, KS_EPARSE, "%s:%zu:%d: '%s' is not a number in column %s", path, line,
                       col[k] + 1, f[col[k]], ks__gsem_col_name[k]);
    if (r == 0) *v = NAN;
    return KS_OK;
}

int ks__gsem_row_width(ks_ctx *ctx, const char *path, size_t line, size_t nf, size_t nhead,
                   size_t *short_rows)
{
    if (nf > nhead)
        return ks__fail(ctx, KS_EPARSE, "%s:%zu: %zu fields, more than the header's %zu", path,
                       line, nf, nhead);
    *short_rows += nf < nhead;
    return KS_OK;
}

int ks__gsem_grow(ks_ctx *ctx, void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return KS_OK;
    size_t nc = *cap ? *cap : 1024;
    while (nc < need) nc *= 2;
    void *q = ks__realloc(ctx, *p, nc * size);
    if (!q) return KS_ENOMEM;
    *p = q;
    *cap = nc;
    return KS_OK;
}

int ks__gsem_parse_num(const char *s, double *v, double *logv)
{
    if (logv) *logv = NAN;
    char *end;
    double x;
    if (!fast_decimal(s, &x)) { /* (which turns "", "NA" and "." away) */
        if (!s[0] || !strcmp(s, "NA") || !strcmp(s, ".")) return 0;
        x = strtod(s, &end);
        if (end == s || *end) return -1;
    }
    *v = x;
    if (logv && x >= 0.0 && x < 1e-300) { /* log from the text: mantissa, decimal exponent */
        const char *e = strpbrk(s, "eE");
        char mant[64];
        const size_t k = e ? (size_t)(e - s) : strlen(s);
        if (k >= sizeof mant) return -1;
        memcpy(mant, s, k);
        mant[k] = '\0';
        const double m = strtod(mant, NULL);
        *logv = m > 0.0 ? log(m) + (e ? strtod(e + 1, NULL) : 0.0) * M_LN10 : -INFINITY;
    }
    return 1;
}

/* AS 241's rational functions (Wichura 1988, Applied Statistics 37, 477-484): the central
 * region |p - 1/2| <= 0.425, and the tails by r = sqrt(-log p) below and above 5. */
static double poly(const double *c, int n, double x)
{
    double v = c[n - 1];
    for (int i = n - 2; i >= 0; i--) v = v * x + c[i];
    return v;
}

static const double A[8] = {3.3871328727963666080e0, 1.3314166789178437745e+2,
                            1.9715909503065514427e+3, 1.3731693765509461125e+4,
                            4.5921953931549871457e+4, 6.7265770927008700853e+4,
                            3.3430575583588128105e+4, 2.5090809287301226727e+3};
static const double B[8] = {1.0, 4.2313330701600911252e+1, 6.8718700749205790830e+2,
                            5.3941960214247511077e+3, 2.1213794301586595867e+4,
                            3.9307895800092710610e+4, 2.8729085735721942674e+4,
                            5.2264952788528545610e+3};
static const double C[8] = {1.42343711074968357734e0, 4.63033784615654529590e0,
                            5.76949722146069140550e0, 3.64784832476320460504e0,
                            1.27045825245236838258e0, 2.41780725177450611770e-1,
                            2.27238449892691845833e-2, 7.74545014278341407640e-4};
static const double D[8] = {1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
                            6.89767334985100004550e-1, 1.48103976427480074590e-1,
                            1.51986665636164571966e-2, 5.47593808499534494600e-4,
                            1.05075007164441684324e-9};
static const double E[8] = {6.65790464350110377720e0, 5.46378491116411436990e0,
                            1.78482653991729133580e0, 2.96560571828504891230e-1,
                            2.65321895265761230930e-2, 1.24266094738807843860e-3,
                            2.71155556874348757815e-5, 2.01033439929228813265e-7};
static const double F[8] = {1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
                            1.48753612908506148525e-2, 7.86869131145613259100e-4,
                            1.84631831751005468180e-5, 1.42151175831644588870e-7,
                            2.04426310338993978564e-15};

double ks__gsem_z_from_p(double P, double logP)
{
    if (isnan(logP)) {
        if (!(P >= 0.0 && P <= 1.0)) return NAN;
        if (P == 0.0) return INFINITY;
        logP = log(P);
    }
    if (logP == -INFINITY) return INFINITY;
    /* the upper tail p = P / 2 <= 1/2, so z = -Phi^-1(p) >= 0 */
    const double q = isnan(P) || P < 1e-300 ? 0.5 : 0.5 - 0.5 * P; /* 1/2 - p, exact */
    if (q <= 0.425) {
        const double r = 0.180625 - q * q;
        return q * poly(A, 8, r) / poly(B, 8, r);
    }
    double r = sqrt(-(logP - M_LN2));
    if (r <= 5.0) {
        r -= 1.6;
        return poly(C, 8, r) / poly(D, 8, r);
    }
    r -= 5.0;
    return poly(E, 8, r) / poly(F, 8, r);
}

double ks__gsem_qnorm(double p)
{
    if (!(p > 0.0 && p < 1.0)) return p == 0.0 ? -INFINITY : p == 1.0 ? INFINITY : NAN;
    const double q = p - 0.5;
    if (fabs(q) <= 0.425) {
        const double r = 0.180625 - q * q;
        return q * poly(A, 8, r) / poly(B, 8, r);
    }
    double r = sqrt(-log(q < 0 ? p : 1.0 - p)), v;
    if (r <= 5.0) {
        r -= 1.6;
        v = poly(C, 8, r) / poly(D, 8, r);
    } else {
        r -= 5.0;
        v = poly(E, 8, r) / poly(F, 8, r);
    }
    return q < 0 ? -v : v;
}

double ks__gsem_median(double *v, size_t n)
{
    if (n == 0) return NAN;
    const double hi = ks_select_kth(v, n, n / 2);
    if (n % 2) return hi;
    double lo = v[0]; /* v[0..n/2) holds the n/2 smallest */
    for (size_t i = 1; i < n / 2; i++) lo = v[i] > lo ? v[i] : lo;
    return (double)(((long double)lo + hi) / 2);
}

/* The P (<= 17) significant digits of ax > 0, rounded to nearest as printf rounds them, and the
 * decimal exponent of the first: ax x 10^k is one rounding in long double (10^k exact for
 * |k| <= 27), off by at most 2^-64 relative, so its digits are printf's unless the value lies
 * near a halfway point; then (and out of range) 0, and the caller asks printf. */
static int fast_digits(double ax, int P, char *dig, int *e10)
{
#if LDBL_MANT_DIG >= 64
    static const long double P10[28] = {
        1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,  1e7L,  1e8L,  1e9L,
        1e10L, 1e11L, 1e12L, 1e13L, 1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L,
        1e20L, 1e21L, 1e22L, 1e23L, 1e24L, 1e25L, 1e26L, 1e27L};
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

int ks__gsem_format_g17(double x, char *buf)
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

int ks__gsem_format_r(double x, char *buf)
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

int ks__gsem_threads(const ks_ctx *ctx, size_t n, uint64_t bytes)
{
    /* a byte of input counted as 1/8 ns: a thread per 8 MB at the ctx's default share (1 ms) */
    int nt = bytes ? ks__threads_for(ctx, (double)bytes / 8.0)
                   : (ctx->nthreads < 1 ? 1 : ctx->nthreads);
    if ((size_t)nt > n) nt = (int)(n ? n : 1);
    return nt;
}

uint64_t ks__gsem_file_bytes(const char *const *paths, size_t n)
{
    uint64_t b = 0;
    struct stat st;
    for (size_t i = 0; i < n; i++)
        if (stat(paths[i], &st) == 0 && st.st_size > 0) b += (uint64_t)st.st_size;
    return b;
}

int ks__gsem_each(ks_ctx *ctx, size_t n, uint64_t bytes, ks__gsem_task fn, void *arg, int *st)
{
    int *own = st ? NULL : ks__calloc(ctx, n ? n : 1, sizeof *own);
    ks_ctx *sub = ks__malloc_array(ctx, n ? n : 1, sizeof *sub);
    if ((!st && !own) || !sub) {
        ks__free(ctx, own);
        ks__free(ctx, sub);
        return KS_ENOMEM;
    }
    if (!st) st = own;
    const int nt = ks__gsem_threads(ctx, n, bytes);
#pragma omp parallel for num_threads(nt) schedule(dynamic, 1)
    for (size_t i = 0; i < n; i++) {
        int tid = 0;
#ifdef _OPENMP
        tid = omp_get_thread_num();
#endif
        sub[i] = *ctx;
        sub[i].errcode = 0;
        sub[i].errmsg[0] = '\0';
        st[i] = fn(&sub[i], i, tid, arg);
    }
    int rc = KS_OK;
    for (size_t i = 0; i < n && !rc; i++)
        if (st[i]) {
            rc = st[i];
            ctx->errcode = sub[i].errcode;
            memcpy(ctx->errmsg, sub[i].errmsg, sizeof ctx->errmsg);
        }
    ks__free(ctx, own);
    ks__free(ctx, sub);
    return rc;
}

void ks__gsem_progress_report(const ks__gsem_progress *pr, ks_text_reader *r)
{
    /* (unnamed: a named critical section is a global symbol of the shared library) */
#pragma omp critical
    {
        ks_text_progress(r, &pr->done[2 * pr->me], &pr->done[2 * pr->me + 1]);
        uint64_t d = 0, t = 0;
        for (size_t j = 0; j < pr->n; j++) {
            d += pr->done[2 * j];
            t += pr->done[2 * j + 1];
        }
        ks__progress(pr->ctx, pr->what, d, t);
    }
}
