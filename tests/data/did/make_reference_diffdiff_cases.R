# R did's numbers for the cases where diff-diff 3.13 and R did 2.5.1 disagree, and for the
# rules by which R refuses or blanks an estimate (kestrel follows R; see README "Differences
# from diff-diff" and tests/python/test_did_numbers_r.py).
#
# Run by hand:  Rscript tests/data/did/make_reference_diffdiff_cases.R [outdir]
# Writes: did_numbers_sim.csv, mpdta_na.csv, reference_r_did_numbers.json
#
# Every number is written with "%.17g". The simulated panel is written with "%.17g" too and the
# estimates are computed on the CSV as read back, so R and kestrel see the same doubles.
# Common settings: yname, tname, idname, gname as named below, bstrap = FALSE, cband = FALSE,
# faster_mode left at its default (TRUE), alp = 0.05; aggte(bstrap = FALSE, cband = FALSE,
# na.rm = TRUE).

suppressPackageStartupMessages({
  library(did)
  library(jsonlite)
})

args <- commandArgs(trailingOnly = TRUE)
outdir <- if (length(args) >= 1) args[1] else {
  fa <- grep("^--file=", commandArgs(FALSE), value = TRUE)
  if (length(fa)) dirname(normalizePath(sub("^--file=", "", fa[1]))) else "tests/data/did"
}

fmt17 <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "NA")

# ---- the simulated panel ------------------------------------------------------------------
# 300 units x periods 1..5; treatment (cohorts 3 and 4, else never treated) is more likely for
# large x1, and the outcome's trend depends on x1, so the covariate matters; x2 is x1 up to
# 1e-6 (near-collinear: diff-diff truncates its inverse, R does not), x3 is x1 up to 1e-8
# (R's rcond guard refuses the outcome regression); y_flat has no noise at all (every
# influence function is zero up to rounding: R's SE floor).
set.seed(20260721)
N <- 300
TT <- 5
x1 <- rnorm(N)
e2 <- rnorm(N)
e3 <- rnorm(N)
treated <- runif(N) < plogis(-0.2 + 1.2 * x1)
first_treat <- ifelse(treated, ifelse(runif(N) < 0.5, 3, 4), 0)
fe <- rnorm(N)
sim <- do.call(rbind, lapply(seq_len(TT), function(t) {
  post <- first_treat > 0 & t >= first_treat
  eff <- ifelse(post, 1.5 + 0.25 * (t - first_treat), 0)
  data.frame(unit = seq_len(N), period = t, first_treat = first_treat,
             y = fe + 0.3 * t + 0.4 * x1 * t + eff + rnorm(N),
             y_flat = fe + 0.5 * t + 2 * post,
             x1 = x1, x2 = x1 + 1e-6 * e2, x3 = x1 + 1e-8 * e3)
}))
sim <- sim[order(sim$unit, sim$period), ]
simfile <- file.path(outdir, "did_numbers_sim.csv")
lines <- c(paste(names(sim), collapse = ","),
           apply(sapply(sim, fmt17), 1, paste, collapse = ","))
writeLines(lines, simfile)
sim <- read.csv(simfile)

# ---- mpdta with missing covariate values ----------------------------------------------------
# lpop is NA in the 2004 row of every county with countyreal %% 11 == 0: R drops those rows,
# then the counties no longer observed in every period.
# (mpdta.csv is did's mpdta as make_reference_did.R wrote it)
mpdta_csv <- read.csv(file.path(outdir, "mpdta.csv"))
mpdta_na <- mpdta_csv
mpdta_na$lpop[mpdta_na$countyreal %% 11 == 0 & mpdta_na$year == 2004] <- NA
write.csv(mpdta_na, file.path(outdir, "mpdta_na.csv"), row.names = FALSE, na = "")
mpdta_na <- read.csv(file.path(outdir, "mpdta_na.csv"))

# ---- runs ---------------------------------------------------------------------------------
agg_one <- function(mp, type) {
  a <- aggte(mp, type = type, bstrap = FALSE, cband = FALSE, na.rm = TRUE)
  out <- list(overall_att = a$overall.att, overall_se = a$overall.se)
  if (!is.null(a$egt)) {
    out$egt <- as.numeric(a$egt)
    out$att_egt <- as.numeric(a$att.egt)
    out$se_egt <- as.numeric(a$se.egt)
  }
  out
}
safe <- function(expr) tryCatch(expr, error = function(e) list(error = conditionMessage(e)))

run_cfg <- function(data, names, settings) {
  warns <- character(0)
  res <- withCallingHandlers(tryCatch({
    mp <- do.call(att_gt, c(names, settings,
                            list(data = data, bstrap = FALSE, cband = FALSE)))
    list(group = as.numeric(mp$group), t = as.numeric(mp$t),
         att = as.numeric(mp$att), se = as.numeric(mp$se), n = mp$n,
         aggte_simple = safe(agg_one(mp, "simple")),
         aggte_group = safe(agg_one(mp, "group")),
         aggte_dynamic = safe(agg_one(mp, "dynamic")))
  }, error = function(e) list(error = conditionMessage(e))),
  warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  res$settings <- lapply(settings, function(v) if (inherits(v, "formula")) deparse(v) else v)
  if (length(warns)) res$warnings <- I(unique(warns))  # always a JSON array
  res
}

S <- list(yname = "y", tname = "period", idname = "unit", gname = "first_treat")
M <- list(yname = "lemp", tname = "year", idname = "countyreal", gname = "first.treat")
out <- list()

# (a) anticipation: aggregations over the cells with t >= g
for (cg in c("nevertreated", "notyettreated"))
  out[[paste0("a_antic1_", cg)]] <- run_cfg(mpdta_csv, M,
    list(est_method = "dr", control_group = cg, xformla = ~1, anticipation = 1))
out[["a_antic1_sim_cov"]] <- run_cfg(sim, S,
  list(est_method = "dr", control_group = "nevertreated", xformla = ~x1, anticipation = 1))

# (b) NaN in a covariate
out[["b_na_cov"]] <- run_cfg(mpdta_na, M,
  list(est_method = "dr", control_group = "nevertreated", xformla = ~lpop))

# (c) doubly robust weights (DRDID's normalised weights)
for (cg in c("nevertreated", "notyettreated"))
  out[[paste0("c_dr_", cg)]] <- run_cfg(sim, S,
    list(est_method = "dr", control_group = cg, xformla = ~x1))

# (d) near-collinear covariates (x2 = x1 + 1e-6 e): R inverts the full Gram matrix
for (m in c("dr", "reg", "ipw"))
  out[[paste0("d_near_", m)]] <- run_cfg(sim, S,
    list(est_method = m, control_group = "nevertreated", xformla = ~x1 + x2))

# (iii) collinear at 1e-8 (x3 = x1 + 1e-8 e): R's rcond guard for dr and reg
for (m in c("dr", "reg", "ipw"))
  out[[paste0("iii_coll_", m)]] <- run_cfg(sim, S,
    list(est_method = m, control_group = "nevertreated", xformla = ~x1 + x3))

# (ii) standard errors at or below sqrt(.Machine$double.eps) * 10 are NA
out[["ii_flat"]] <- run_cfg(sim, modifyList(S, list(yname = "y_flat")),
  list(est_method = "dr", control_group = "nevertreated", xformla = ~1))
out[["ii_flat_cov"]] <- run_cfg(sim, modifyList(S, list(yname = "y_flat")),
  list(est_method = "reg", control_group = "nevertreated", xformla = ~x1))

# (i) small groups: the never treated cut to their first 5 units (5 < 1 covariate + 5), and
# cohort 4 to its first 4 units
nev <- sort(unique(sim$unit[sim$first_treat == 0]))
c4 <- sort(unique(sim$unit[sim$first_treat == 4]))
small_never <- sim[!(sim$unit %in% nev[-(1:5)]), ]
small_c4 <- sim[!(sim$unit %in% c4[-(1:4)]), ]
for (cg in c("nevertreated", "notyettreated")) {
  out[[paste0("i_small_never_cov_", cg)]] <- run_cfg(small_never, S,
    list(est_method = "dr", control_group = cg, xformla = ~x1))
  out[[paste0("i_small_c4_", cg)]] <- run_cfg(small_c4, S,
    list(est_method = "dr", control_group = cg, xformla = ~1))
}
out[["i_small_never_nocov"]] <- run_cfg(small_never, S,
  list(est_method = "dr", control_group = "nevertreated", xformla = ~1))

pv <- function(p) as.character(utils::packageVersion(p))
out <- c(list(meta = list(
  R = R.version.string,
  did = pv("did"), DRDID = pv("DRDID"), BMisc = pv("BMisc"),
  data.table = pv("data.table"), fastglm = pv("fastglm"), dreamerr = pv("dreamerr"),
  Rcpp = pv("Rcpp"), jsonlite = pv("jsonlite"),
  data = paste("did_numbers_sim.csv (set.seed(20260721), see the script);",
               "mpdta_na.csv: mpdta.csv with lpop NA where countyreal %% 11 == 0 & year == 2004;",
               "both read back from this directory"),
  small = paste("i_small_never_*: did_numbers_sim.csv less the never-treated units after the",
                "first 5 (by unit); i_small_c4_*: less the cohort-4 units after the first 4"),
  common = "bstrap=FALSE cband=FALSE faster_mode=TRUE(default) alp=0.05; aggte bstrap=FALSE cband=FALSE na.rm=TRUE"
)), out)

array_fields <- c("group", "t", "att", "se", "egt", "att_egt", "se_egt")
fmtj <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")
to_verbatim <- function(x, name = "") {
  if (is.list(x)) {
    nm <- names(x)
    if (is.null(nm)) nm <- rep("", length(x))
    return(setNames(lapply(seq_along(x), function(i) to_verbatim(x[[i]], nm[i])), names(x)))
  }
  if (is.numeric(x) || (is.logical(x) && all(is.na(x)))) {
    s <- fmtj(as.numeric(x))
    txt <- if (length(x) == 1 && !(name %in% array_fields)) s else paste0("[", paste(s, collapse = ", "), "]")
    return(structure(txt, class = "json"))
  }
  x
}
writeLines(toJSON(to_verbatim(out), auto_unbox = TRUE, json_verbatim = TRUE, null = "null",
                  na = "null", pretty = TRUE),
           file.path(outdir, "reference_r_did_numbers.json"))
cat("wrote", file.path(outdir, "reference_r_did_numbers.json"), "\n")
