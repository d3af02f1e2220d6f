# make_partable_reference.R: lavaan's parameter table of each model in partable/*.lav under the
# calls and options below, the reference for kestrel's ks__sem_partable_build
# (tests/c/test_sem_partable.c). Run from this folder:
#   Rscript make_partable_reference.R
# Each case is fitted as a user would fit it (sem(), cfa() or lavaan(), on raw data or on a
# sample covariance matrix), and parTable() of the fit is written:
#   partable_cases.tsv  case, model, call, std_lv, orthogonal, fixed_x (lavaan's resolved value,
#                       what the C side is given), input, fitted (0: lavaan could not estimate
#                       it, the table is lavaan's with do.fit = FALSE, the same table)
#   partable_ref.tsv    case and parTable()'s columns lhs op rhs user block free ustart exo label
#                       plabel lower upper; lower / upper are -Inf / Inf where lavaan has no such
#                       column; the "da" rows (lavaan's data order, added when WLS.V is given)
#                       are left out, as kestrel does not keep them
#   partable_names.tsv  case, type (ov, lv), lavNames(fit, type) joined by spaces
suppressPackageStartupMessages(library(lavaan))

data(HolzingerSwineford1939, package = "lavaan")
data(PoliticalDemocracy, package = "lavaan")
# A simulated data set with the names the GenomicSEM-style models use (values do not matter
# here: only the table, which lavaan builds before it estimates).
set.seed(20261206)
n <- 500
g <- rnorm(n)
snp <- rbinom(n, 2, 0.3)
sim <- data.frame(SNP = snp)
for (k in 1:8) sim[[paste0("T", k)]] <- 0.6 * g + 0.1 * snp + rnorm(n)
sim$Z <- 0.5 * g + rnorm(n)

cases <- list(
  list("hs3_cfa", "01_hs3", "cfa", FALSE, "default", "hs", "ML", FALSE),
  list("hs3_cfa_stdlv", "01_hs3", "cfa", TRUE, "default", "hs", "ML", FALSE),
  list("hs3_sem", "01_hs3", "sem", FALSE, "default", "hs", "ML", FALSE),
  list("hs3_orthogonal", "01_hs3", "cfa", FALSE, "default", "hs", "ML", TRUE),
  list("hs_labels", "02_hs_labels", "cfa", FALSE, "default", "hs", "ML", FALSE),
  list("hs_labels_stdlv", "02_hs_labels", "cfa", TRUE, "default", "hs", "ML", FALSE),
  list("poldem", "03_poldem", "sem", FALSE, "default", "poldem", "ML", FALSE),
  list("poldem_stdlv", "03_poldem", "sem", TRUE, "default", "poldem", "ML", FALSE),
  list("gwas_snp_dwls", "04_gwas_snp", "sem", FALSE, "default", "simcov", "DWLS", FALSE),
  list("gwas_snp_ml", "04_gwas_snp", "sem", FALSE, "default", "simcov", "ML", FALSE),
  list("gwas_snp_data_fixedx0", "04_gwas_snp", "sem", FALSE, FALSE, "sim", "ML", FALSE),
  list("gwas_snp_stdlv", "04_gwas_snp", "sem", TRUE, "default", "sim", "ML", FALSE),
  list("cfgwas_dwls", "05_commonfactor_gwas", "sem", FALSE, "default", "simcov", "DWLS", FALSE),
  list("cfgwas_ml", "05_commonfactor_gwas", "sem", FALSE, "default", "simcov", "ML", FALSE),
  list("cfgwas_dwls_fixedx1", "05_commonfactor_gwas", "sem", FALSE, TRUE, "simcov", "DWLS",
       FALSE),
  list("usermodel_resid", "06_usermodel_resid", "sem", FALSE, "default", "simcov", "DWLS", FALSE),
  list("regress_ml", "07_regress", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("regress_fixedx0", "07_regress", "sem", FALSE, FALSE, "sim", "ML", FALSE),
  list("regress_dwls", "07_regress", "sem", FALSE, "default", "simcov", "DWLS", FALSE),
  list("ovx_var", "08_ovx_var", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("modifiers", "09_modifiers", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("modifiers_stdlv", "09_modifiers", "cfa", TRUE, "default", "sim", "ML", FALSE),
  list("shared_fixed", "10_shared_fixed", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("second_order", "11_second_order", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("second_order_stdlv", "11_second_order", "sem", TRUE, "default", "sim", "ML", FALSE),
  list("lv_structural", "12_lv_structural", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("lv_structural_orth", "12_lv_structural", "sem", FALSE, "default", "sim", "ML", TRUE),
  list("orphans", "13_orphans", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("lv_ov_cov", "14_lv_ov_cov", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("phantom", "15_phantom", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("user_var_fixed", "16_user_var_fixed", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("user_var_fixed_stdlv", "16_user_var_fixed", "cfa", TRUE, "default", "sim", "ML", FALSE),
  list("hs3_lavaan", "17_hs3_lavaan", "lavaan", FALSE, "default", "hs", "ML", FALSE),
  list("hs3_lavaan_stdlv", "17_hs3_lavaan", "lavaan", TRUE, "default", "hs", "ML", FALSE),
  list("regress_lavaan", "18_regress_lavaan", "lavaan", FALSE, "default", "sim", "ML", FALSE),
  list("regress_lavaan_fixedx0", "18_regress_lavaan", "lavaan", FALSE, FALSE, "sim", "ML",
       FALSE),
  list("lv_structural_lavaan", "12_lv_structural", "lavaan", TRUE, "default", "sim", "ML",
       FALSE),
  list("no_indicators", "19_no_indicators", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("no_indicators_stdlv", "19_no_indicators", "sem", TRUE, "default", "sim", "ML", FALSE),
  list("covariates_cov", "20_covariates_cov", "sem", FALSE, "default", "sim", "ML", FALSE),
  list("quoted_label", "21_quoted_label", "sem", FALSE, "default", "sim", "ML", FALSE)
)

fit_case <- function(model, call, std.lv, fixed.x, input, estimator, orthogonal) {
  args <- list(model = model, std.lv = std.lv, orthogonal = orthogonal, estimator = estimator)
  if (!identical(fixed.x, "default")) args$fixed.x <- fixed.x
  d <- switch(input, hs = HolzingerSwineford1939, poldem = PoliticalDemocracy, sim = sim,
              simcov = sim)
  if (input == "simcov") {
    # the model's observed variables in the data's order (SNP first, as GenomicSEM's S_Full)
    ov <- lavNames(lavaanify(model, auto = TRUE), "ov")
    S <- cov(d[, names(d)[names(d) %in% ov]])
    args$sample.cov <- S
    if (estimator == "DWLS") {
      args$sample.nobs <- 2
      args$WLS.V <- diag(nrow(S) * (nrow(S) + 1) / 2) # as GenomicSEM: a DWLS weight matrix
    } else {
      args$sample.nobs <- 200
    }
  } else {
    args$data <- d
  }
  # Fitted, as the user would; a model lavaan cannot estimate (lavaan() fixes the variances it
  # adds at 0) gets the table lavaan builds before estimating (do.fit = FALSE), which is the
  # same table: checked below on every case lavaan does estimate.
  fit <- NULL
  junk <- capture.output(fit <- tryCatch(suppressWarnings(do.call(call, args)),
                                         error = function(e) NULL))
  unfitted <- suppressWarnings(do.call(call, c(args, do.fit = FALSE)))
  if (is.null(fit)) return(list(fit = unfitted, fitted = 0L))
  cols <- c("lhs", "op", "rhs", "user", "block", "free", "ustart", "exo", "label", "plabel")
  stopifnot(identical(parTable(fit)[, cols], parTable(unfitted)[, cols]))
  list(fit = fit, fitted = 1L)
}

ref <- list()
info <- list()
nm <- list()
for (cs in cases) {
  names(cs) <- c("case", "model", "call", "std.lv", "fixed.x", "input", "estimator",
                 "orthogonal")
  txt <- paste(readLines(file.path("partable", paste0(cs$model, ".lav")), warn = FALSE),
               collapse = "\n")
  f <- fit_case(txt, cs$call, cs$std.lv, cs$fixed.x, cs$input, cs$estimator, cs$orthogonal)
  fit <- f$fit
  p <- parTable(fit)
  p <- p[p$op != "da", ]
  if (is.null(p$lower)) p$lower <- -Inf
  if (is.null(p$upper)) p$upper <- Inf
  ref[[cs$case]] <- data.frame(case = cs$case, lhs = p$lhs, op = p$op, rhs = p$rhs,
                               user = p$user, block = p$block, free = p$free,
                               ustart = p$ustart, exo = p$exo, label = p$label,
                               plabel = p$plabel, lower = p$lower, upper = p$upper)
  info[[cs$case]] <- data.frame(case = cs$case, model = cs$model, call = cs$call,
                                std_lv = as.integer(cs$std.lv),
                                orthogonal = as.integer(cs$orthogonal),
                                fixed_x = as.integer(lavInspect(fit, "options")$fixed.x),
                                input = cs$input, fitted = f$fitted)
  nm[[cs$case]] <- data.frame(case = cs$case, type = c("ov", "lv"),
                              names = c(paste(lavNames(fit, "ov"), collapse = " "),
                                        paste(lavNames(fit, "lv"), collapse = " ")))
}
w <- function(x, path) write.table(do.call(rbind, x), path, sep = "\t", quote = FALSE,
                                   row.names = FALSE, na = "NA")
w(info, "partable_cases.tsv")
w(ref, "partable_ref.tsv")
w(nm, "partable_names.tsv")
cat(R.version.string, "lavaan", as.character(packageVersion("lavaan")), "\n")
