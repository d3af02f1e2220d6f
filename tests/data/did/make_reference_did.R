# Reference numbers from R's `did` package (Callaway & Sant'Anna att_gt + aggte)
# on mpdta, for the kestrel DiD tests.
#
# Run from anywhere:  Rscript tests/data/did/make_reference_did.R [outdir]
# (outdir defaults to the directory holding this script / tests/data/did)
#
# Writes: mpdta.csv, mpdta_w.csv, mpdta_unbal.csv, reference_r_did_extra.json
#
# All estimates are computed on the in-memory `mpdta` shipped with did
# (did/data/mpdta.rda, full double precision). The CSVs are written with
# write.csv's default 15 significant digits, so estimates recomputed from the
# CSVs can differ from the JSON at the ~1e-14 level.
#
# Settings common to every configuration: yname="lemp", tname="year",
# idname="countyreal", gname="first.treat", bstrap=FALSE, cband=FALSE,
# faster_mode left at its default (TRUE), alp=0.05.
# aggte(..., bstrap=FALSE, cband=FALSE, na.rm=TRUE).

suppressPackageStartupMessages({
  library(did)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else {
  fa <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(fa)) dirname(normalizePath(sub("^--file=", "", fa[1]))) else "tests/data/did"
}
dir.create(outdir, showWarnings = FALSE, recursive = TRUE)

data(mpdta, package = "did")
mpdta <- as.data.frame(mpdta)
write.csv(mpdta, file.path(outdir, "mpdta.csv"), row.names = FALSE)

# weights: constant within unit
mpdta_w <- mpdta
mpdta_w$w <- 1 + (mpdta_w$countyreal %% 7) / 10
write.csv(mpdta_w, file.path(outdir, "mpdta_w.csv"), row.names = FALSE)

# unbalanced: drop year-2005 rows of counties with countyreal %% 13 == 0
mpdta_unbal <- mpdta[!(mpdta$countyreal %% 13 == 0 & mpdta$year == 2005), ]
rownames(mpdta_unbal) <- NULL
write.csv(mpdta_unbal, file.path(outdir, "mpdta_unbal.csv"), row.names = FALSE)

common <- list(yname = "lemp", tname = "year", idname = "countyreal",
               gname = "first.treat", bstrap = FALSE, cband = FALSE)

null_to_na <- function(x) if (is.null(x)) NA else x

agg_one <- function(mp, type, ...) {
  a <- aggte(mp, type = type, bstrap = FALSE, cband = FALSE, na.rm = TRUE, ...)
  out <- list(overall_att = a$overall.att, overall_se = a$overall.se)
  if (!is.null(a$egt)) {
    out$egt <- as.numeric(a$egt)
    out$att_egt <- as.numeric(a$att.egt)
    out$se_egt <- as.numeric(a$se.egt)
  }
  out
}

safe <- function(expr) tryCatch(expr, error = function(e) list(error = conditionMessage(e)))

run_cfg <- function(settings, data, extra_dyn = FALSE) {
  warns <- character(0)
  res <- withCallingHandlers(tryCatch({
    mp <- do.call(att_gt, c(common, settings, list(data = data)))
    # number of restrictions in the Wald pre-test: pre-treatment cells (group > t)
    # with non-missing se (did drops NA-se cells before the test)
    q <- sum(mp$group > mp$t & !is.na(mp$se))
    W <- if (is.null(mp$W)) NA else as.numeric(mp$W)
    out <- list(
      group = as.numeric(mp$group), t = as.numeric(mp$t),
      att = as.numeric(mp$att), se = as.numeric(mp$se),
      n = mp$n,
      W = W, W_q = q,
      Wpval = if (is.null(mp$Wpval)) NA else as.numeric(mp$Wpval),  # did rounds to 5 digits
      Wpval_unrounded = if (is.na(W)) NA else 1 - pchisq(W, q),
      aggte_simple = safe(agg_one(mp, "simple")),
      aggte_dynamic = safe(agg_one(mp, "dynamic")),
      aggte_group = safe(agg_one(mp, "group")),
      aggte_calendar = safe(agg_one(mp, "calendar"))
    )
    if (extra_dyn) {
      out$aggte_dynamic_balance1 <- safe(agg_one(mp, "dynamic", balance_e = 1))
      out$aggte_dynamic_window <- safe(agg_one(mp, "dynamic", min_e = -2, max_e = 2))
    }
    out
  }, error = function(e) list(error = conditionMessage(e))),
  warning = function(w) { warns <<- c(warns, conditionMessage(w)); invokeRestart("muffleWarning") })
  res$settings <- lapply(settings, function(v) if (inherits(v, "formula")) deparse(v) else v)
  if (length(warns)) res$warnings <- unique(warns)
  res
}

out <- list()
methods <- c("dr", "reg", "ipw")
cgs <- c("nevertreated", "notyettreated")

for (m in methods) for (cg in cgs) {
  out[[paste0(m, "_", cg, "_nocov")]] <- run_cfg(
    list(est_method = m, control_group = cg, xformla = ~1, base_period = "varying"), mpdta,
    extra_dyn = (m == "dr" && cg == "nevertreated"))
  out[[paste0(m, "_", cg, "_cov")]] <- run_cfg(
    list(est_method = m, control_group = cg, xformla = ~lpop, base_period = "varying"), mpdta)
  out[[paste0(m, "_", cg, "_universal")]] <- run_cfg(
    list(est_method = m, control_group = cg, xformla = ~1, base_period = "universal"), mpdta)
}
for (cg in cgs) {
  out[[paste0("dr_", cg, "_cov_universal")]] <- run_cfg(
    list(est_method = "dr", control_group = cg, xformla = ~lpop, base_period = "universal"), mpdta)
  out[[paste0("dr_", cg, "_antic1")]] <- run_cfg(
    list(est_method = "dr", control_group = cg, xformla = ~1, anticipation = 1), mpdta)
}

# convenience aliases for the extra dynamic aggregations requested
base <- out[["dr_nevertreated_nocov"]]
out[["dr_nevertreated_nocov_dyn_balance1"]] <- null_to_na(base$aggte_dynamic_balance1)
out[["dr_nevertreated_nocov_dyn_window"]] <- null_to_na(base$aggte_dynamic_window)

out[["dr_nevertreated_weights"]] <- run_cfg(
  list(est_method = "dr", control_group = "nevertreated", xformla = ~1, weightsname = "w"), mpdta_w)
out[["dr_nevertreated_unbalanced"]] <- run_cfg(
  list(est_method = "dr", control_group = "nevertreated", xformla = ~1,
       allow_unbalanced_panel = TRUE), mpdta_unbal)
out[["dr_nevertreated_unbalanced_dropped"]] <- run_cfg(
  list(est_method = "dr", control_group = "nevertreated", xformla = ~1,
       allow_unbalanced_panel = FALSE), mpdta_unbal)
for (m in methods) {
  out[[paste0(m, "_nevertreated_rcs")]] <- run_cfg(
    list(est_method = m, control_group = "nevertreated", xformla = ~1, panel = FALSE), mpdta)
  # repeated cross-sections and unbalanced panels with a covariate, not-yet-treated controls
  out[[paste0(m, "_notyettreated_rcscov")]] <- run_cfg(
    list(est_method = m, control_group = "notyettreated", xformla = ~lpop, panel = FALSE), mpdta)
  out[[paste0(m, "_notyettreated_unbalancedcov")]] <- run_cfg(
    list(est_method = m, control_group = "notyettreated", xformla = ~lpop,
         allow_unbalanced_panel = TRUE), mpdta_unbal)
}

pv <- function(p) as.character(utils::packageVersion(p))
out <- c(list(meta = list(
  R = R.version.string,
  did = pv("did"), DRDID = pv("DRDID"), BMisc = pv("BMisc"),
  data.table = pv("data.table"), fastglm = pv("fastglm"), dreamerr = pv("dreamerr"),
  Rcpp = pv("Rcpp"), jsonlite = pv("jsonlite"),
  data = "did::mpdta (did/data/mpdta.rda); CSVs in this directory are write.csv (15 significant digits)",
  common = "yname=lemp tname=year idname=countyreal gname=first.treat bstrap=FALSE cband=FALSE faster_mode=TRUE(default) alp=0.05; aggte bstrap=FALSE cband=FALSE na.rm=TRUE",
  weights = "mpdta_w.csv: w = 1 + (countyreal %% 7)/10",
  unbalanced = "mpdta_unbal.csv: mpdta minus rows with countyreal %% 13 == 0 & year == 2005",
  rcs = "panel=FALSE on mpdta as is (each row its own unit)",
  W = "W = n * preatt' solve(preV) preatt; W_q = # pre-treatment cells (group > t, non-NA se); Wpval is did's value rounded to 5 digits",
  install_notes = c(
    "did 2.5.1 from GitHub (bcallaway11/did @71ba8a5); DESCRIPTION DRDID (>= 1.3.0) relaxed to (>= 1.2.3): 1.2.3 is the newest DRDID available (pedrohcgs/DRDID @654531e); did only calls drdid_panel/drdid_rc/reg_did_panel/reg_did_rc/std_ipw_did_panel/std_ipw_did_rc, whose signatures match",
    "DRDID 1.2.3: DESCRIPTION Rcpp (>= 1.0.12) relaxed to (>= 1.0.10) (Debian bookworm Rcpp)",
    "fastglm 0.0.5 (jaredhuling/fastglm @c24276e); HEAD 0.1.0 does not compile with Rcpp 1.0.10",
    "data.table 1.18.4 (tag) from GitHub; BMisc 1.4.8, dreamerr 1.5.0, stringmagic 1.2.0, trust 0.1-8 from GitHub; others Debian r-cran-*"
  )
)), out)

# jsonlite (1.8.4) prints at most 15 significant digits even with digits = NA or
# I(17); to keep full double precision every numeric is pre-formatted with
# "%.17g" and inserted verbatim. Fields named in `array_fields` are always JSON
# arrays; other length-1 numerics are scalars.
array_fields <- c("group", "t", "att", "se", "egt", "att_egt", "se_egt")
fmt17 <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
to_verbatim <- function(x, name = "") {
  if (is.list(x)) {
    nm <- names(x)
    if (is.null(nm)) nm <- rep("", length(x))
    return(setNames(lapply(seq_along(x), function(i) to_verbatim(x[[i]], nm[i])), names(x)))
  }
  if (is.numeric(x)) {
    s <- fmt17(as.numeric(x))
    txt <- if (length(x) == 1 && !(name %in% array_fields)) s else paste0("[", paste(s, collapse = ", "), "]")
    return(structure(txt, class = "json"))
  }
  x
}
writeLines(toJSON(to_verbatim(out), auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null", pretty = TRUE),
           file.path(outdir, "reference_r_did_extra.json"))
cat("wrote", file.path(outdir, "reference_r_did_extra.json"), "\n")
