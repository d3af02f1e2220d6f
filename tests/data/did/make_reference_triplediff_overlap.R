# make_reference_triplediff_overlap.R — R triplediff's ddd(panel = FALSE) on
# tests/data/did/ddd_overlap.csv (made by make_ddd_overlap.py: in the comparison with the
# treated-ineligible subgroup some propensity scores are >= 0.999, which R did would refuse and
# triplediff caps and trims, warning that many scores are < 0.001), for dr and ipw with the
# covariate x; its warnings are kept. Run by hand from the repo root:
#   Rscript tests/data/did/make_reference_triplediff_overlap.R
suppressPackageStartupMessages({
  library(triplediff)
  library(data.table)
})
d <- fread("tests/data/did/ddd_overlap.csv")
d[, id := .I]
d[, time := post + 1L]
d[, state := group]
num <- function(x) sprintf("%.17g", x)
fit <- function(method) {
  warns <- character(0)
  r <- withCallingHandlers(
    ddd(yname = "y", tname = "time", idname = NULL, gname = "state", pname = "partition",
        xformla = ~ x, data = as.data.frame(d), est_method = method, panel = FALSE),
    warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  warns <- gsub("\n", " ", warns, fixed = TRUE)
  sprintf('{"att": %s, "se": %s, "warnings": [%s]}', num(r$ATT), num(r$se),
          paste0('"', gsub('"', "'", warns), '"', collapse = ", "))
}
entries <- sprintf('"%s": %s', c("dr", "ipw"), c(fit("dr"), fit("ipw")))
meta <- sprintf('"meta": {"triplediff": "%s", "fastglm": "%s", "R": "%s", "n": %d}',
                as.character(packageVersion("triplediff")), as.character(packageVersion("fastglm")),
                R.version.string, nrow(d))
writeLines(paste0("{\n  ", paste(c(meta, entries), collapse = ",\n  "), "\n}"),
           "tests/data/did/reference_r_triplediff_overlap.json")
