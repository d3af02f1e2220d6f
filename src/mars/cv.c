/* cv.c — pmethod cv: the number of terms by nfold cross-validation, as earth's pmethod = "cv"
 * chooses it. Each fold's complement gets its own forward and backward pass; each subset size's
 * best subset there is refitted and scored on the held-out fold (RSq against the in-fold mean);
 * the size with the largest mean out-of-fold RSq wins. Folds come from the counter-based stream
 * keyed by the seed (a permutation of the cases, dealt in turn), so they depend on nothing else. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mars/mars_internal.h"

int ks__mars_cv_rsq(ks_ctx *ctx, size_t n, size_t p, const double *X, size_t ny, const double *Y,
                const double *w, const ks_mars_options *o, size_t M, double *rsq)
{
    const size_t K = (size_t)o->nfold;
    if (n < 2 * K)
        return ks__fail(ctx, KS_EINVAL, "nfold: %zu folds need at least %zu cases (got %zu)", K,
                       2 * K, n);
    size_t *perm = ks__malloc_array(ctx, n, 2 * sizeof *perm);
    double *buf = ks__malloc_array(ctx, n, (p + ny + 1) * sizeof *buf);
    double *cnt = ks__calloc(ctx, M ? M : 1, sizeof *cnt);
    if (!perm || !buf || !cnt) {
        ks__free(ctx, perm);
        ks__free(ctx, buf);
        ks__free(ctx, cnt);
        return KS_ENOMEM;
    }
    size_t *fold = perm + n;
    for (size_t i = 0; i < n; i++) perm[i] = i;
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates with (seed, 0, i) */
        const size_t j = (size_t)(((unsigned __int128)ks_rng_u64(o->seed, 0, i) * i) >> 64);
        const size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
    for (size_t a = 0; a < n; a++) fold[perm[a]] = a % K;
    for (size_t s = 0; s < M; s++) rsq[s] = 0.0;
    ks_mars_options fo = *o;
    fo.pmethod = KS_MARS_PRUNE_BACKWARD;
    fo.nprune = 0;
    fo.family = KS_MARS_GAUSSIAN;
    int rc = KS_OK;
    for (size_t k = 0; k < K && rc == KS_OK; k++) {
        size_t nin = 0, nout = 0;
        for (size_t i = 0; i < n; i++) nin += fold[i] != k;
        double *Xi = buf, *Yi = Xi + nin * p, *wi = Yi + nin * ny;
        for (size_t i = 0; i < n; i++) {
            if (fold[i] == k) continue;
            for (size_t j = 0; j < p; j++) Xi[j * nin + nout] = X[j * n + i];
            for (size_t r = 0; r < ny; r++) Yi[r * nin + nout] = Y[r * n + i];
            if (w) wi[nout] = w[i];
            nout++;
        }
        ks_mars *m = NULL;
        if ((rc = ks_mars_fit(ctx, nin, p, Xi, ny, Yi, w ? wi : NULL, &fo, &m))) break;
        ks_mars_view v;
        ks_mars_get(m, &v);
        const size_t Mk = v.nterms < M ? v.nterms : M, nho = n - nin;
        double *B = ks__malloc_array(ctx, nin > nho ? nin : nho, M * sizeof *B);
        double *Bh = ks__malloc_array(ctx, nho ? nho : 1, (p + M) * sizeof *Bh);
        double *coef = ks__malloc_array(ctx, M, ny * sizeof *coef);
        double *res = ks__malloc_array(ctx, ny, sizeof *res);
        if (!B || !Bh || !coef || !res) rc = KS_ENOMEM;
        /* the in-fold mean of each response, and the held-out cases' X */
        double *Xh = Bh + nho * M;
        for (size_t i = 0, a = 0; rc == KS_OK && i < n; i++)
            if (fold[i] == k) {
                for (size_t j = 0; j < p; j++) Xh[j * nho + a] = X[j * n + i];
                a++;
            }
        for (size_t s = 1; rc == KS_OK && s <= Mk; s++) {
            const size_t *row = v.prune_terms + (s - 1) * v.nterms;
            ks__mars_terms t = {v.nterms, (size_t *)v.term_start, (ks_mars_factor *)v.factor, NULL,
                            NULL, 0, 0};
            ks__mars_eval_terms(&t, nin, Xi, row, s, B);
            if ((rc = ks__mars_lstsq(ctx, nin, s, B, ny, Yi, w ? wi : NULL, coef, res))) break;
            ks__mars_eval_terms(&t, nho, Xh, row, s, Bh);
            double r2 = 0.0;
            for (size_t r = 0; r < ny; r++) {
                double mean = 0.0, sw = 0.0, rss = 0.0, tss = 0.0;
                for (size_t i = 0; i < nin; i++) {
                    mean += (w ? wi[i] : 1.0) * Yi[r * nin + i];
                    sw += w ? wi[i] : 1.0;
                }
                mean /= sw;
                for (size_t i = 0, a = 0; i < n; i++) {
                    if (fold[i] != k) continue;
                    double f = 0.0;
                    for (size_t j = 0; j < s; j++) f += Bh[j * nho + a] * coef[r * s + j];
                    const double wt = w ? w[i] : 1.0, e = Y[r * n + i] - f, d = Y[r * n + i] - mean;
                    rss += wt * e * e;
                    tss += wt * d * d;
                    a++;
                }
                r2 += tss > 0.0 ? 1.0 - rss / tss : 0.0;
            }
            rsq[s - 1] += r2 / (double)ny;
            cnt[s - 1] += 1.0;
        }
        ks__free(ctx, B);
        ks__free(ctx, Bh);
        ks__free(ctx, coef);
        ks__free(ctx, res);
        ks_mars_free(m);
    }
    for (size_t s = 0; s < M; s++) rsq[s] = cnt[s] > 0 ? rsq[s] / cnt[s] : NAN;
    ks__free(ctx, perm);
    ks__free(ctx, buf);
    ks__free(ctx, cnt);
    return rc;
}
