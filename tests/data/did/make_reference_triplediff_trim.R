# make_reference_triplediff_trim.R — R triplediff's ddd(panel = FALSE) on tests/data/did/ddd_trim.csv
# (made by make_ddd_trim.py: controls with propensity scores in [0.995, 0.999), which triplediff
# trims), for dr and ipw with the covariate x. Run by hand from the repo root:
#   Rscript tests/data/did/make_reference_triplediff_trim.R
suppressPackageStartupMessages({
  library(triplediff)
  library(data.table)
})
d <- fread("tests/data/did/ddd_trim.csv")
d[, id := .I]
d[, time := post + 1L]
d[, state := group]
num <- function(x) sprintf("%.17g", x)
fit <- function(method) {
  r <- ddd(yname = "y", tname = "time", idname = NULL, gname = "state", pname = "partition",
           xformla = ~ x, data = as.data.frame(d), est_method = method, panel = FALSE)
  sprintf('{"att": %s, "se": %s}', num(r$ATT), num(r$se))
}
entries <- sprintf('"%s": %s', c("dr", "ipw"), c(fit("dr"), fit("ipw")))
meta <- sprintf('"meta": {"triplediff": "%s", "fastglm": "%s", "R": "%s", "n": %d}',
                as.character(packageVersion("triplediff")), as.character(packageVersion("fastglm")),
                R.version.string, nrow(d))
writeLines(paste0("{\n  ", paste(c(meta, entries), collapse = ",\n  "), "\n}"),
           "tests/data/did/reference_r_triplediff_trim.json")
