/* gsem_fit.h — GenomicSEM's fit recipe around a lavaan fit, shared by usermodel, commonfactor
 * and the GWAS (R/usermodel.R, R/userGWAS_main.R): the model chi-square Q by R's eigen route,
 * the sandwich with the full V (constraints ignored, as R does), and the delta method for `:=`
 * with GenomicSEM's positive semi-definite repair. Matrices are column-major; vech order is the
 * column-wise lower triangle. */
#ifndef KS_GSEM_FIT_H
#define KS_GSEM_FIT_H

#include <stddef.h>

#include "base/base_internal.h"
#include "kestrel/gsem.h"
#include "linalg/linalg_internal.h"

/* Q = eta' P diag(1 / l) P' eta with V = P diag(l) P' from R's eigen (e: a workspace of size n,
 * V n x n, eta n); no eigenvalue is clipped, as R. values (n) and vectors (n x n) receive the
 * decomposition. No allocation. */
int ks__gsem_q(ks_ctx *ctx, ks__symeig *e, const double *V, const double *eta, double *values,
               double *vectors, double *q) KS_RESULT_USED;

/* GenomicSEM's sandwich over all n free parameters: bread = (D' W D)^-1 (R's solve), Omega =
 * bread (W D)' V (W D) bread (n x n). D = d vech(Sigma) / d theta (pstar x n), W the estimator's
 * weights (w_full 0: the pstar diagonal; 1: pstar x pstar), V (pstar x pstar) all in the same
 * vech order. toler > 0: KS_ENUMERIC when the bread's reciprocal 1-norm condition number is
 * below it (R's solve(tol = toler)); a bread that is singular (a Cholesky pivot not above 1e-13
 * of the largest) is KS_ENUMERIC naming the parameter (names[j], or its number). work: 2 n n +
 * 2 n pstar doubles. No allocation. */
int ks__gsem_sandwich(ks_ctx *ctx, size_t pstar, size_t n, const double *D, const double *W,
                      int w_full, const double *V, double toler, const char *const *names,
                      double *omega, double *work) KS_RESULT_USED;

/* GenomicSEM's SEs of `:=` parameters: J (ndef x n, column-major) d def / d theta, Omega (n x
 * n). The columns of J with a nonzero entry are kept, their block of Omega symmetrised; a
 * non-finite entry is set to 0 and the block repaired, as is one whose smallest eigenvalue is
 * below -1e-10: Q diag(max(l, 0)) Q' (symmetrised). se[i] = sqrt of (J V J')_ii: NaN where
 * that is not finite, 0 where negative. */
int ks__gsem_defined_se(ks_ctx *ctx, size_t ndef, size_t n, const double *J, const double *omega,
                        double *se) KS_RESULT_USED;

/* usermodel's fit (usermodel.c) over the k traits `names` (as the model names them; `shown`:
 * the names the tables show, commonfactor's given ones), S (k x k) and V: commonfactor.c calls
 * it with cf = 1 (its fallback always on, its rows and columns). */
int ks__gsem_usermodel_run(ks_ctx *ctx, size_t k, const char *const *names,
                           const char *const *shown, const double *S, const double *V,
                           const char *model, const ks_gsem_usermodel_options *o, int cf,
                           ks_gsem_usermodel **out);

#endif
