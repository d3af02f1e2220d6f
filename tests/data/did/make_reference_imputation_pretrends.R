# BJS's pre-trend test (Test 1, eq. 9) in R: didimputation 0.5.0's `pretrends` (the lead
# coefficients and fixest's clustered standard errors) and fixest's Wald test of the same lead
# regression (feols on the untreated observations, lead dummies, unit and period effects,
# clustered; fixest::wald's F, whose p-value fixest 0.12.2 takes from F(q, residual df); "p_g1"
# is pf() of the same F against F(q, G - 1), G the clusters of the untreated observations, the
# reference Stata's `test` after a clustered regression and diff-diff use).
# Writes reference_imputation_pretrends_r.json.
# Run by hand from tests/data/did: Rscript make_reference_imputation_pretrends.R
# (fixest 0.12.2, dreamerr 1.5.0, stringmagic 1.2.0 and didimputation 0.5.0 built from source;
# didimputation's DESCRIPTION asks fixest >= 0.13.2 and was relaxed to build on 0.12.2).
suppressMessages({library(fixest); library(didimputation); library(data.table)})
d <- read.csv("didimputation_test_panel.csv")
d$grp <- d$unit %% 30
dx <- read.csv("didimputation_covariate_panel.csv")
cases <- list(
  all = list(data = d, leads = c(-4, -3, -2), fs = NULL, cl = "unit", x = ""),
  n_leads_2 = list(data = d, leads = c(-3, -2), fs = NULL, cl = "unit", x = ""),
  covariate = list(data = dx, leads = c(-4, -3, -2), fs = "0 + x | unit + time", cl = "unit",
                   x = " + x"),
  grp = list(data = d, leads = c(-4, -3, -2), fs = NULL, cl = "grp", x = ""))
num <- function(v) sprintf("%.15g", v)
out <- c()
for (nm in names(cases)) {
  cs <- cases[[nm]]
  args <- list(data = cs$data, yname = "y", gname = "first_treat", tname = "time",
               idname = "unit", pretrends = cs$leads, cluster_var = cs$cl)
  if (!is.null(cs$fs)) args$first_stage <- stats::as.formula(paste("~", cs$fs))
  r <- do.call(did_imputation, args)
  pre <- r[r$term %in% as.character(cs$leads), ]
  u <- cs$data[!(cs$data$first_treat > 0 & cs$data$time >= cs$data$first_treat), ]
  u$ev <- ifelse(u$first_treat == 0, -Inf, u$time - u$first_treat)
  f <- stats::as.formula(paste0("y ~ i(ev, keep = c(", paste(cs$leads, collapse = ", "), "))",
                                cs$x, " | unit + time"))
  est <- feols(f, u, cluster = stats::as.formula(paste("~", cs$cl)))
  w <- wald(est, keep = "ev::", print = FALSE)
  G <- length(unique(u[[cs$cl]]))
  out <- c(out, sprintf(paste0(
    '"%s": {"leads": [%s], "estimate": [%s], "std_error": [%s], "fixest_estimate": [%s], ',
    '"fixest_se": [%s], "wald_stat": %s, "wald_p": %s, "wald_df1": %s, "wald_df2": %s, ',
    '"p_g1": %s, "G": %s}'),
    nm, paste(pre$term, collapse = ", "), paste(num(pre$estimate), collapse = ", "),
    paste(num(pre$std.error), collapse = ", "), paste(num(coef(est)[1:length(cs$leads)]),
    collapse = ", "), paste(num(se(est)[1:length(cs$leads)]), collapse = ", "), num(w$stat),
    num(w$p), num(w$df1), num(w$df2),
    num(pf(w$stat, w$df1, G - 1, lower.tail = FALSE)), G))
}
meta <- sprintf('"meta": {"r": "%s", "fixest": "%s", "didimputation": "%s"}', R.version.string,
                packageVersion("fixest"), packageVersion("didimputation"))
writeLines(paste0("{", paste(c(meta, out), collapse = ",\n"), "}"),
           "reference_imputation_pretrends_r.json")
