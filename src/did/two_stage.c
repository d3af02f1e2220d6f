/* two_stage.c — Gardner's (2022) two-stage DiD (R did2s; diff-diff TwoStageDiD): stage 1 the
 * unit + period (+ covariate) regression on the untreated observations, stage 2 the regression
 * of the residualized outcome on target indicators (the treated observations, each horizon or
 * cohort). Its point estimates equal the imputation estimator's; its variance is the GMM
 * sandwich that accounts for the estimated first stage. For a target with row weights w
 * (1/n on its rows), the stage-2 score of cluster c is
 *   sum_{i in c} w_i (ytilde_i - beta) - d'X1 (X10'X10)^-1 sum_{i in c, untreated} x1_i e1_i,
 * and -X10 (X10'X10)^-1 X1'w are exactly BJS's weights v on the untreated rows, so the
 * imputation machinery (imputation.c) computes it with the treated rows centred on the
 * target's own estimate rather than on BJS's auxiliary means; no small-sample factor, as
 * did2s's analytical standard errors. */
#include "did/did_imputation_internal.h"

int ks_did_two_stage_fit(ks_ctx *ctx, const ks_table *t, const char *outcome, const char *unit,
                         const char *time, const char *first_treat,
                         const ks_did_imputation_options *opt, ks_did_imputation **out)
{
    return ks__did_imp_run(ctx, t, outcome, unit, time, first_treat, opt, 1, out);
}
