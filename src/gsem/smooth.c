/* smooth.c — GenomicSEM's smoothing of S and V before a model is fitted (R/usermodel.R,
 * R/commonfactor.R): where R's eigen() finds the smallest eigenvalue <= 0, Matrix::nearPD(corr =
 * FALSE); then the largest change in S, in V, and in the Z statistics S / SE, formed and
 * reported as R forms them. */
#include <math.h>
#include <string.h>

#include "base/format.h"
#include "gsem/gsem_sem_input.h"

/* x smoothed in place where its smallest eigenvalue is <= 0 (before: a copy); the largest
 * |change| into *diff. */
static int smooth_one(ks_ctx *ctx, size_t n, double *x, double *before, double *values,
                      int *smoothed, ks__near_pd_info *info, double *diff)
{
    ks__symeig *e = NULL;
    int rc = ks__symeig_new(ctx, n, &e);
    memcpy(before, x, n * n * sizeof *x);
    if (!rc) rc = ks__symeig_run(ctx, e, x, values, NULL);
    *smoothed = !rc && values[n - 1] <= 0.0;
    if (*smoothed) rc = ks__near_pd(ctx, e, x, info);
    ks__symeig_free(e);
    *diff = 0.0;
    for (size_t i = 0; !rc && i < n * n; i++) *diff = fmax(*diff, fabs(x[i] - before[i]));
    return rc;
}

static int smooth(ks_ctx *ctx, size_t k, double *S, double *V, ks__gsem_smooth_report *rep);

/* BLAS threads off: a trait-wide eigendecomposition gains nothing from them, and its last bits
 * would depend on how many there are. */
int ks__gsem_smooth(ks_ctx *ctx, size_t k, double *S, double *V, ks__gsem_smooth_report *rep)
{
    const int blas = ks__blas_threads();
    ks__blas_set_threads(1);
    const int rc = smooth(ctx, k, S, V, rep);
    ks__blas_set_threads(blas);
    return rc;
}

static int smooth(ks_ctx *ctx, size_t k, double *S, double *V, ks__gsem_smooth_report *rep)
{
    memset(rep, 0, sizeof *rep);
    const size_t ks = k * (k + 1) / 2;
    double *sb = ks__malloc_array(ctx, k * k + ks * ks + ks, sizeof *sb);
    if (!sb) return KS_ENOMEM;
    double *vb = sb + k * k, *values = vb + ks * ks;
    int rc = smooth_one(ctx, k, S, sb, values, &rep->S_smoothed, &rep->S_info, &rep->S_diff);
    if (!rc) rc = smooth_one(ctx, ks, V, vb, values, &rep->V_smoothed, &rep->V_info, &rep->V_diff);
    if (!rc) { /* Z = S / SE over the k x k matrix, SE in the lower triangle and 0 above */
        double z = -INFINITY;
        for (size_t j = 0; j < k; j++)
            for (size_t i = 0; i < k; i++) {
                const size_t t = ks__gsem_vech_at(k, i, j);
                const double se_pre = i >= j ? sqrt(vb[t + t * ks]) : 0.0,
                             se_post = i >= j ? sqrt(V[t + t * ks]) : 0.0;
                double d = sb[i + j * k] / se_pre - S[i + j * k] / se_post;
                if (!isfinite(d)) d = 0.0;
                z = fmax(z, d);
            }
        rep->Z_diff = z;
    }
    ks__free(ctx, sb);
    return rc;
}

double ks__gsem_z_smooth(size_t k, const double *S_full, const double *V_full, const double *z_pre)
{
    const size_t n = k + 1, kf = n * (n + 1) / 2; /* (S_full n x n; V_full kf x kf) */
    double m = -INFINITY;
    for (size_t p = 1; p < n; p++) { /* (vech place of (p, 1) is p) */
        const double d = fabs(S_full[p] / sqrt(V_full[p + p * kf]) - z_pre[p - 1]);
        if (isnan(d)) return NAN;
        m = fmax(m, d);
    }
    return m;
}

void ks__gsem_smooth_log(ks_ctx *ctx, const ks__gsem_smooth_report *rep)
{
    char sd[32], vd[32], zd[32];
    ks__format_r(rep->S_diff, sd);
    ks__format_r(rep->V_diff, vd);
    ks__format_r(rep->Z_diff, zd);
    const struct {
        int smoothed;
        ks__near_pd_info info;
        double diff;
        const char *what, *text;
    } m[2] = {{rep->S_smoothed, rep->S_info, rep->S_diff, "S", sd},
              {rep->V_smoothed, rep->V_info, rep->V_diff, "V", vd}};
    for (int q = 0; q < 2; q++) {
        if (m[q].smoothed && !m[q].info.converged)
            ks__log(ctx, KS_LOG_WARN, "nearPD did not converge in %d iterations (%s)",
                    m[q].info.iterations, m[q].what);
        if (m[q].diff > 0.0)
            ks__log(ctx, KS_LOG_INFO,
                    "%s was not positive definite and was smoothed (nearPD) before the fit: its "
                    "largest absolute change in a cell is %s; the largest change in the Z "
                    "statistics of S is %s (with a GWAS to follow, smooth_check=True checks the "
                    "smoothing per SNP)",
                    m[q].what, m[q].text, zd);
    }
    if (rep->S_diff > 0.025)
        ks__log(ctx, KS_LOG_WARN,
                "smoothing changed S by more than 0.025 (%s): interpret the results with "
                "caution; low-powered traits are a common cause",
                sd);
    if (rep->Z_diff > 0.025)
        ks__log(ctx, KS_LOG_WARN,
                "smoothing changed a Z statistic of S by more than 0.025 (%s): interpret the "
                "results with caution; low-powered traits are a common cause",
                zd);
}
