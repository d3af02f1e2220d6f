# did2s's pre-period event-study coefficients (Gardner's two-stage DiD, R did2s 1.2.0): the
# second stage ~ i(rel_year, ref = c(-1, Inf)) over every relative period, analytical standard
# errors clustered by unit, on didimputation_test_panel.csv; with anticipation 1 (treatment from
# first_treat - 1, reference -2) as kestrel's TwoStageDiD(anticipation=1). Writes
# reference_two_stage_pretrends_r.json. Run by hand from tests/data/did:
#   Rscript make_reference_two_stage_pretrends.R
# did2s (github kylebutts/did2s 8228c15) was installed from source with fixest 0.12.2 and without
# the packages only its other functions use (did, HonestDiD, staggered dropped from Imports;
# did2s() calls none of them), the fixest version requirement relaxed.
suppressMessages({library(fixest); library(did2s)})
d <- read.csv("didimputation_test_panel.csv")
num <- function(v) sprintf("%.15g", v)
out <- c()
for (ant in 0:1) {
  d$treat <- d$first_treat > 0 & d$time >= d$first_treat - ant
  d$rel_year <- ifelse(d$first_treat == 0, Inf, d$time - d$first_treat)
  f2 <- stats::as.formula(sprintf("~ i(rel_year, ref = c(%d, Inf))", -1 - ant))
  est <- suppressMessages(did2s(d, yname = "y", first_stage = ~ 0 | unit + time,
                                second_stage = f2, treatment = "treat", cluster_var = "unit",
                                verbose = FALSE))
  ct <- est$coeftable
  h <- as.numeric(sub("rel_year::", "", rownames(ct)))
  out <- c(out, sprintf('"anticipation_%d": {"horizons": [%s], "estimate": [%s], "se": [%s]}', ant,
                        paste(h, collapse = ", "), paste(num(ct[, 1]), collapse = ", "),
                        paste(num(ct[, 2]), collapse = ", ")))
}
meta <- sprintf('"meta": {"r": "%s", "did2s": "%s", "fixest": "%s"}', R.version.string,
                packageVersion("did2s"), packageVersion("fixest"))
writeLines(paste0("{", paste(c(meta, out), collapse = ",\n"), "}"),
           "reference_two_stage_pretrends_r.json")
