# make_reference_triplediff_collinear.R — R triplediff's ddd(panel = FALSE) with collinear
# covariates on tests/data/did/ddd_rcs.csv, for dr, reg and ipw. Two cases, each built from the
# file's columns without arithmetic but one exact sum:
#   global:    cov1 .. cov4 and cov5 = cov1 + cov2 (collinear over all rows: triplediff's
#              global qr(tol = 1e-6) drops cov5 with a warning);
#   partition: cov1 .. cov4 and cov6 = cov1 in subgroups 4 and 1 (group = partition), cov3 in
#              the others (collinear only on the rows of the comparison 4 vs 1: its
#              partition-specific check drops cov6 for every comparison, with a warning);
#   near_drop / near_keep (dr): cov1 .. cov4 and cov7 = cov1 + f sin(id), f = 1.40e-6 /
#              1.45e-6: cov7's norm left after [1, cov1 .. cov4] is 0.70 f of its own, 2% under /
#              over qr's 1e-6 (so near that kestrel's Gram screening leaves them to its QR).
# Run by hand from the repo root:  Rscript tests/data/did/make_reference_triplediff_collinear.R
suppressPackageStartupMessages({
  library(triplediff)
  library(data.table)
})
d <- fread("tests/data/did/ddd_rcs.csv")
d[, cov5 := cov1 + cov2]
d[, cov6 := ifelse(group == partition, cov1, cov3)]
d[, cov7a := cov1 + 1.40e-6 * sin(id)]
d[, cov7b := cov1 + 1.45e-6 * sin(id)]
num <- function(x) sprintf("%.17g", x)
fit <- function(method, covs) {
  msgs <- character()
  r <- withCallingHandlers(
    ddd(yname = "y", tname = "time", idname = NULL, gname = "state", pname = "partition",
        xformla = as.formula(paste("~", paste(covs, collapse = " + "))),
        data = as.data.frame(d), est_method = method, panel = FALSE),
    warning = function(w) {
      msgs <<- c(msgs, conditionMessage(w))
      invokeRestart("muffleWarning")
    })
  w <- paste(sprintf('"%s"', gsub('"', "'", gsub("\n", " ", msgs))), collapse = ", ")
  sprintf('{"att": %s, "se": %s, "warnings": [%s]}', num(r$ATT), num(r$se), w)
}
cases <- list(global = c("cov1", "cov2", "cov3", "cov4", "cov5"),
              partition = c("cov1", "cov2", "cov3", "cov4", "cov6"))
entries <- c()
for (cs in names(cases))
  for (m in c("dr", "reg", "ipw"))
    entries <- c(entries, sprintf('"%s_%s": %s', cs, m, fit(m, cases[[cs]])))
near <- list(near_drop = "cov7a", near_keep = "cov7b")
for (cs in names(near))
  entries <- c(entries, sprintf('"%s_dr": %s', cs,
                                fit("dr", c("cov1", "cov2", "cov3", "cov4", near[[cs]]))))
meta <- sprintf('"meta": {"triplediff": "%s", "fastglm": "%s", "R": "%s", "n": %d}',
                as.character(packageVersion("triplediff")), as.character(packageVersion("fastglm")),
                R.version.string, nrow(d))
writeLines(paste0("{\n  ", paste(c(meta, entries), collapse = ",\n  "), "\n}"),
           "tests/data/did/reference_r_triplediff_collinear.json")
