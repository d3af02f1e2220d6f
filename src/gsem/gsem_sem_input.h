/* gsem_sem_input.h — what GenomicSEM's usermodel / commonfactor (and the GWAS) do to the ldsc
 * covstruc before lavaan sees it (notes/genomicsem.md sec. 1.7), private to src/: the traits the
 * model names kept, S and V smoothed to the nearest positive definite matrices when they are
 * not, V permuted to lavaan's order of the observed variables, and the standardized input of
 * the refit that gives STD_Genotype. Matrices are column-major; V's rows and columns are the
 * column-wise lower triangle of S (11, 21, ..., k1, 22, ...), kstar = k (k + 1) / 2. */
#ifndef KS_GSEM_SEM_INPUT_H
#define KS_GSEM_SEM_INPUT_H

#include <stddef.h>

#include "base/base_internal.h"
#include "linalg/linalg_internal.h"

/* The place of (i, j) (any order) of a k x k symmetric matrix in V's order. */
static inline size_t ks__gsem_vech_at(size_t k, size_t i, size_t j)
{
    if (i < j) {
        const size_t t = i;
        i = j;
        j = t;
    }
    return j * k - (j ? j * (j - 1) / 2 : 0) + (i - j);
}

/* idx[q]: the place of want[q] among the k trait names (names compared exactly, not by R's
 * \bname\b regular expression); KS_EINVAL naming an unknown or repeated name. */
int ks__gsem_trait_index(ks_ctx *ctx, size_t k, const char *const *traits, size_t n,
                         const char *const *want, size_t *idx) KS_RESULT_USED;

/* S (k x k) and V (kstar x kstar) of the n traits idx (0-based places, no repeats) in that
 * order: S_out (n x n) = S[idx, idx] and V_out (n(n+1)/2 square) the matching rows and columns
 * of V, in V's order for the new order. With idx ascending this is usermodel's dropping of the
 * traits the model does not name; with lavaan's order of the observed variables it is
 * GenomicSEM's .rearrange (V_Reorder = V[order, order]). Either output may be NULL. */
void ks__gsem_sv_select(size_t k, const double *S, const double *V, size_t n, const size_t *idx,
                        double *S_out, double *V_out);

/* usermodel's input to the standardized refit, from the (smoothed) S and V of its traits:
 * S_stand = D^-1 S D^-1 with D = sqrt(diag S) (R: solve(D) %*% S %*% solve(D)), and
 * V_stand = diag(SE scale) cov2cor(V) diag(SE scale), where SE = sqrt(diag V) and scale the
 * vech of S_stand / S (0 where that is 0 / 0). KS_EINVAL when a diagonal element of S is not
 * > 0 (R fails in solve()). */
int ks__gsem_stand_input(ks_ctx *ctx, size_t k, const double *S, const double *V, double *S_stand,
                         double *V_stand) KS_RESULT_USED;

/* The DWLS weights GenomicSEM passes as WLS.V, the diagonal of solve(diag(diag(V))): w[t] = 1 /
 * V[t, t], with zero_floor (the standardized refit) a zero variance taken as 2e-9 first. */
void ks__gsem_dwls_weights(size_t kstar, const double *V, int zero_floor, double *w);

/* What usermodel's smoothing did (its print and warnings report these). */
typedef struct {
    int S_smoothed, V_smoothed; /* the smallest eigenvalue was <= 0: nearPD applied */
    ks__near_pd_info S_info, V_info;
    double S_diff; /* LD_sdiff: the largest |change| of an element of S (0: not smoothed) */
    double V_diff; /* LD_sdiff2: the same for V */
    double Z_diff; /* Z_diff: the largest (not absolute) change of S / SE from before to after,
                      over the k x k matrix as R forms it (non-finite differences as 0) */
} ks__gsem_smooth_report;

/* GenomicSEM's smoothing of S (k x k) and V (kstar x kstar) in place, each by nearPD where its
 * smallest eigenvalue (R's eigen) is <= 0, and the report. */
int ks__gsem_smooth(ks_ctx *ctx, size_t k, double *S, double *V,
                    ks__gsem_smooth_report *rep) KS_RESULT_USED;
/* userGWAS' / commonfactorGWAS' smooth_check for one SNP (kstar_full = (k + 1)(k + 2) / 2,
 * the SNP first): the largest |S_full[p, 1] / sqrt(V_full[p, p]) - z_pre[p - 1]| over the k
 * traits p = 2..k+1, after smoothing (R's max: NaN when one is NaN). z_pre: the SNP's Z per
 * trait as GC made them (beta / (se sqrt(I_pp)) for "standard", se I_pp for "conserv", se for
 * "none"). The caller reports 0 when neither matrix was smoothed, as GenomicSEM does. */
double ks__gsem_z_smooth(size_t k, const double *S_full, const double *V_full, const double *z_pre);

/* The report as GenomicSEM gives it: its printed notes at info level, its warnings (a change
 * above 0.025 in S or in Z; nearPD not converged) at warning level. */
void ks__gsem_smooth_log(ks_ctx *ctx, const ks__gsem_smooth_report *rep);

#endif
