/* sem_input.c — the traits of a model taken out of the ldsc covstruc and put in lavaan's order,
 * and usermodel's standardized input, each element computed as R computes it (see
 * gsem_sem_input.h; GenomicSEM's R/usermodel.R and .rearrange in R/utils.R). */
#include <math.h>
#include <string.h>

#include "gsem/gsem_sem_input.h"

int ks__gsem_trait_index(ks_ctx *ctx, size_t k, const char *const *traits, size_t n,
                         const char *const *want, size_t *idx)
{
    for (size_t q = 0; q < n; q++) {
        idx[q] = k;
        for (size_t j = 0; j < k && idx[q] == k; j++)
            if (!strcmp(traits[j], want[q])) idx[q] = j;
        if (idx[q] == k)
            return ks__fail(ctx, KS_EINVAL, "'%s' is not one of the %zu traits of the covstruc",
                            want[q], k);
        for (size_t p = 0; p < q; p++)
            if (idx[p] == idx[q])
                return ks__fail(ctx, KS_EINVAL, "trait '%s' is named twice", want[q]);
    }
    return KS_OK;
}

void ks__gsem_sv_select(size_t k, const double *S, const double *V, size_t n, const size_t *idx,
                        double *S_out, double *V_out)
{
    const size_t ks = k * (k + 1) / 2, ns = n * (n + 1) / 2;
    if (S_out)
        for (size_t b = 0; b < n; b++)
            for (size_t a = 0; a < n; a++) S_out[a + b * n] = S[idx[a] + idx[b] * k];
    if (!V_out) return;
    for (size_t d = 0, q = 0; d < n; d++) /* (q: the place of (c, d) in the new order) */
        for (size_t c = d; c < n; c++, q++) {
            const size_t oq = ks__gsem_vech_at(k, idx[c], idx[d]);
            for (size_t b = 0, p = 0; b < n; b++)
                for (size_t a = b; a < n; a++, p++)
                    V_out[p + q * ns] = V[ks__gsem_vech_at(k, idx[a], idx[b]) + oq * ks];
        }
}

/* 1 / D_ii with D = sqrt(diag(diag(S))): solve(D) of a diagonal D is its reciprocals. */
static double inv_d(const double *S, size_t k, size_t i) { return 1.0 / sqrt(S[i + i * k]); }

int ks__gsem_stand_input(ks_ctx *ctx, size_t k, const double *S, const double *V, double *S_stand,
                         double *V_stand)
{
    const size_t ks = k * (k + 1) / 2;
    for (size_t i = 0; i < k; i++)
        if (!(S[i + i * k] > 0.0 && isfinite(S[i + i * k])))
            return ks__fail(ctx, KS_EINVAL,
                            "standardized input: S[%zu, %zu] = %g, a variance not > 0", i + 1,
                            i + 1, S[i + i * k]);
    /* (solve(D) %*% S) %*% solve(D): each element one product, then the other */
    for (size_t j = 0; j < k; j++)
        for (size_t i = 0; i < k; i++)
            S_stand[i + j * k] = (inv_d(S, k, i) * S[i + j * k]) * inv_d(S, k, j);
    /* scaleO (vech of S_stand / S, NaN as 0) times sqrt(diag V): the SEs on the new scale */
    for (size_t u = 0; u < ks; u++) {
        size_t cu = 0, ru = u; /* (u's pair) */
        while (ru >= k - cu) ru -= k - cu, cu++;
        ru += cu;
        double su = S_stand[ru + cu * k] / S[ru + cu * k];
        if (isnan(su)) su = 0.0;
        const double dlu = sqrt(V[u + u * ks]) * su, isu = sqrt(1.0 / V[u + u * ks]);
        for (size_t t = 0, ct = 0, rt = 0; t < ks; t++) {
            double st = S_stand[rt + ct * k] / S[rt + ct * k];
            if (isnan(st)) st = 0.0;
            const double dlt = sqrt(V[t + t * ks]) * st, ist = sqrt(1.0 / V[t + t * ks]);
            const double cor = t == u ? 1.0 : ist * V[t + u * ks] * isu; /* cov2cor(V) */
            V_stand[t + u * ks] = dlt * cor * dlu;
            if (++rt == k) rt = ++ct;
        }
    }
    return KS_OK;
}

void ks__gsem_dwls_weights(size_t kstar, const double *V, int zero_floor, double *w)
{
    for (size_t t = 0; t < kstar; t++) {
        const double v = V[t + t * kstar];
        w[t] = 1.0 / (zero_floor && v == 0.0 ? 2e-9 : v);
    }
}
