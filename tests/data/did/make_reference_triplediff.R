# make_reference_triplediff.R — reference numbers for kestrel's TripleDifference (2-period DDD,
# repeated cross-sections) from R triplediff's ddd(panel = FALSE). Run by hand from the repo
# root (never by the tests):  Rscript tests/data/did/make_reference_triplediff.R
# Writes tests/data/did/ddd_rcs.csv (the data) and tests/data/did/reference_r_triplediff.json.
# Data: triplediff's own simulator gen_dgp_2periods (size 1000, dgp_type 1, seed 20260521),
# made a repeated cross-section by keeping one of the two periods of each id at random.
suppressPackageStartupMessages({
  library(triplediff)
  library(data.table)
})
set.seed(20260521)
panel <- gen_dgp_2periods(size = 1000, dgp_type = 1)$data
keep <- data.table(id = unique(panel$id))
keep[, time := sample(1:2, .N, replace = TRUE)]
rcs <- merge(panel, keep, by = c("id", "time"))
setorder(rcs, id)
rcs[, post := as.integer(time == 2)]
rcs[, group := as.integer(state != 0)]
fwrite(rcs[, .(id, time, post, state, group, partition, y, cov1, cov2, cov3, cov4, cluster)],
       "tests/data/did/ddd_rcs.csv")

num <- function(x) sprintf("%.17g", x)
fit <- function(method, xf) {
  r <- ddd(yname = "y", tname = "time", idname = NULL, gname = "state", pname = "partition",
           xformla = xf, data = as.data.frame(rcs), est_method = method, panel = FALSE)
  sprintf('{"att": %s, "se": %s, "lci": %s, "uci": %s}', num(r$ATT), num(r$se), num(r$lci),
          num(r$uci))
}
entries <- c()
for (m in c("dr", "reg", "ipw")) {
  entries <- c(entries, sprintf('"%s_cov": %s', m, fit(m, ~ cov1 + cov2 + cov3 + cov4)))
  entries <- c(entries, sprintf('"%s_nocov": %s', m, fit(m, ~ 1)))
}
meta <- sprintf('"meta": {"triplediff": "%s", "BMisc": "%s", "fastglm": "%s", "R": "%s", "n": %d}',
                as.character(packageVersion("triplediff")), as.character(packageVersion("BMisc")),
                as.character(packageVersion("fastglm")), R.version.string, nrow(rcs))
writeLines(paste0("{\n  ", paste(c(meta, entries), collapse = ",\n  "), "\n}"),
           "tests/data/did/reference_r_triplediff.json")
