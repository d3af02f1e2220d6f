/* random_hyper.c — NumPy's hypergeometric draws: sampling one draw at a time for small samples,
 * Stadlober's ratio of uniforms (HRUA) otherwise; and the multivariate hypergeometric, by a
 * hypergeometric draw per colour of the colours left ('marginals') or a partial shuffle of the
 * whole population counted ('count'). In NumPy's order of draws, so the same seed gives NumPy's
 * numbers. Written from the papers and NumPy's documented behaviour. */
#include <math.h>
#include <string.h>

#include "array/random_internal.h"

/* log(k!): the table below 126, Stirling's series to the 1/k^3 term above */
static double logfactorial(int64_t k)
{
    if (k < 126) return ks__logfact[k];
    const double kd = (double)k;
    return (kd + 0.5) * log(kd) - kd +
           (0.9189385332046728 + (1.0 / kd) * (1 / 12.0 - 1 / (360.0 * kd * kd)));
}

/* one item at a time from the smaller of the sample and what is left out of it */
static int64_t hyper_sample(ks_generator *g, int64_t good, int64_t bad, int64_t sample)
{
    const int64_t total = good + bad;
    const bool flip = sample > total / 2;
    int64_t left = flip ? total - sample : sample, rem_total = total, rem_good = good;
    while (left > 0 && rem_good > 0 && rem_total > rem_good) {
        --rem_total;
        if ((int64_t)ks__interval(g, (uint64_t)rem_total) < rem_good) --rem_good;
        --left;
    }
    if (rem_total == rem_good) rem_good -= left; /* only good ones are left */
    return flip ? rem_good : good - rem_good;
}

#define D1 1.7155277699214135 /* 2 sqrt(2 / e) */
#define D2 0.8989161620588988 /* 3 - 2 sqrt(3 / e) */

/* Stadlober's HRUA: a ratio of uniforms under a table mountain hat, accepted by the log-mass
 * difference from the mode */
static int64_t hyper_hrua(ks_generator *g, int64_t good, int64_t bad, int64_t sample)
{
    const int64_t popsize = good + bad;
    const int64_t cs = sample < popsize - sample ? sample : popsize - sample;
    const int64_t mingb = good < bad ? good : bad, maxgb = good < bad ? bad : good;
    const double p = (double)mingb / (double)popsize, q = (double)maxgb / (double)popsize;
    const double mu = (double)cs * p, a = mu + 0.5;
    const double var = (double)(popsize - cs) * (double)cs * p * q / (double)(popsize - 1);
    const double c = sqrt(var + 0.5), h = D1 * c + D2;
    const int64_t m =
        (int64_t)floor((double)(cs + 1) * (double)(mingb + 1) / (double)(popsize + 2));
    const double gm = logfactorial(m) + logfactorial(mingb - m) + logfactorial(cs - m) +
                      logfactorial(maxgb - cs + m);
    const double lim = (double)((cs < mingb ? cs : mingb) + 1), cap = floor(a + 16 * c);
    const double b = lim < cap ? lim : cap;
    int64_t k;
    for (;;) {
        const double u = ks__next_double(g), v = ks__next_double(g);
        const double x = a + h * (v - 0.5) / u;
        if (x < 0.0 || x >= b) continue;
        k = (int64_t)floor(x);
        const double t = gm - (logfactorial(k) + logfactorial(mingb - k) + logfactorial(cs - k) +
                               logfactorial(maxgb - cs + k));
        if (u * (4.0 - u) - 3.0 <= t) break;
        if (u * (u - t) >= 1) continue;
        if (2.0 * log(u) <= t) break;
    }
    if (good > bad) k = cs - k;
    if (cs < sample) k = good - k;
    return k;
}

int64_t ks__hypergeometric(ks_generator *g, int64_t good, int64_t bad, int64_t sample)
{
    if (sample >= 10 && sample <= good + bad - 10) return hyper_hrua(g, good, bad, sample);
    return hyper_sample(g, good, bad, sample);
}

/* 'count': a partial Fisher-Yates shuffle of the population's colour labels per variate */
static int mvhg_count(ks_ctx *ctx, ks_generator *g, int64_t total, size_t ncol,
                      const int64_t *colors, int64_t nsample, size_t nvar, int64_t *out)
{
    if (total == 0 || nsample == 0 || nvar == 0) return KS_OK;
    size_t *choices = ks__malloc(ctx, (size_t)total * sizeof *choices);
    if (!choices) return ks_errcode(ctx);
    for (size_t i = 0, k = 0; i < ncol; i++)
        for (int64_t j = 0; j < colors[i]; j++) choices[k++] = i;
    const bool flip = nsample > total / 2;
    if (flip) nsample = total - nsample;
    for (size_t v = 0; v < nvar; v++) {
        int64_t *row = out + v * ncol;
        for (size_t j = 0; j < (size_t)nsample; j++) {
            const size_t k = j + (size_t)ks__interval(g, (uint64_t)total - j - 1), t = choices[k];
            choices[k] = choices[j], choices[j] = t;
        }
        for (size_t j = 0; j < (size_t)nsample; j++) row[choices[j]]++;
        if (flip)
            for (size_t k = 0; k < ncol; k++) row[k] = colors[k] - row[k];
    }
    ks__release(&ctx->alloc, choices);
    return KS_OK;
}

/* 'marginals': per colour a hypergeometric draw of the sample left among the colours left */
static void mvhg_marginals(ks_generator *g, int64_t total, size_t ncol, const int64_t *colors,
                           int64_t nsample, size_t nvar, int64_t *out)
{
    if (total == 0 || nsample == 0 || nvar == 0) return;
    const bool flip = nsample > total / 2;
    if (flip) nsample = total - nsample;
    for (size_t v = 0; v < nvar; v++) {
        int64_t *row = out + v * ncol, left = nsample, remaining = total;
        for (size_t j = 0; left > 0 && j + 1 < ncol; j++) {
            remaining -= colors[j];
            row[j] = ks__hypergeometric(g, colors[j], remaining, left);
            left -= row[j];
        }
        if (left > 0) row[ncol - 1] = left;
        if (flip)
            for (size_t k = 0; k < ncol; k++) row[k] = colors[k] - row[k];
    }
}

int ks_generator_multivariate_hypergeometric(ks_ctx *ctx, ks_generator *rng, const ks_array *colors,
                                             int64_t nsample, bool count, int ndim,
                                             const ptrdiff_t *shape, ks_array *out)
{
    ks__array_clear(out);
    const char *bad_colors = "multivariate_hypergeometric: colors must be a one-dimensional "
                             "sequence of nonnegative integers not exceeding 9223372036854775807.";
    if (colors->ndim != 1 || (colors->shape[0] > 0 && ks__dtypes[colors->dtype].kind != 'i' &&
                              ks__dtypes[colors->dtype].kind != 'u'))
        return ks__fail(ctx, KS_EINVAL, "%s", bad_colors);
    if (nsample < 0) return ks__fail(ctx, KS_EINVAL, "nsample must be nonnegative.");
    if (ndim < 0 || ndim >= KS_ARRAY_MAXDIMS)
        return ks__fail(ctx, KS_EINVAL, "multivariate_hypergeometric: %d dimensions", ndim);
    ks_array c;
    int rc = ks_array_astype(ctx, colors, KS_INT64, KS_CASTING_UNSAFE, &c);
    if (rc == KS_OK && !ks_array_is_c_contiguous(&c)) {
        ks_array t;
        rc = ks_array_copy(ctx, &c, KS_ORDER_C, &t);
        ks_array_release(&c);
        c = t;
    }
    if (rc != KS_OK) return rc;
    const int64_t *col = (const int64_t *)(void *)c.data;
    const size_t ncol = (size_t)c.shape[0];
    int64_t total = 0;
    for (size_t i = 0; i < ncol && rc == KS_OK; i++) {
        if (col[i] < 0)
            rc = ks__fail(ctx, KS_EINVAL, "%s", bad_colors);
        else if (col[i] > INT64_MAX - total)
            rc = ks__fail(ctx, KS_EOVERFLOW,
                          "sum(colors) must not exceed the maximum value of a 64 bit signed "
                          "integer (9223372036854775807)");
        else
            total += col[i];
    }
    const int64_t max_index = INT64_MAX / (int64_t)sizeof(size_t);
    if (rc == KS_OK && !count && total >= 1000000000)
        rc = ks__fail(ctx, KS_EINVAL,
                      "When method is \"marginals\", sum(colors) must be less than 1000000000.");
    if (rc == KS_OK && count && total > max_index)
        rc = ks__fail(ctx, KS_EINVAL, "When method is 'count', sum(colors) must not exceed %lld",
                      (long long)max_index);
    if (rc == KS_OK && nsample > total) rc = ks__fail(ctx, KS_EINVAL, "nsample > sum(colors)");
    ptrdiff_t oshape[KS_ARRAY_MAXDIMS];
    if (rc == KS_OK) {
        memcpy(oshape, shape, (size_t)ndim * sizeof *shape);
        oshape[ndim] = (ptrdiff_t)ncol;
        rc = ks__array_new(ctx, KS_INT64, ndim + 1, oshape, out);
    }
    if (rc == KS_OK) {
        const size_t nvar = ncol ? (size_t)ks_array_size(out) / ncol : 0;
        int64_t *o = (int64_t *)(void *)out->data;
        memset(o, 0, (size_t)ks_array_size(out) * sizeof *o);
        if (count)
            rc = mvhg_count(ctx, rng, total, ncol, col, nsample, nvar, o);
        else
            mvhg_marginals(rng, total, ncol, col, nsample, nvar, o);
    }
    ks_array_release(&c);
    if (rc != KS_OK) ks_array_release(out);
    return rc;
}
