# make_reference_honest.R — reference numbers for kestrel's HonestDiD from R's HonestDiD 0.2.8
# (github:asheshrambachan/HonestDiD, commit 6813f02ed38f0b63bdca6915604b2eac90491303), on the
# event study the package ships (BCdata_EventStudy: Benzarti & Carloni, 4 pre and 4 post periods).
# Run by hand, never by the tests (one process per piece: each C-LF/Conditional column is ~40 s
# of CPU per Mbar, R's LP per grid point; each piece writes its lines as they are computed):
#   Rscript make_reference_honest.R <HonestDiD source tree> <piece> > /tmp/hd/<piece>.json
# with <piece> one of: base, rm_CLF_first, rm_Conditional_first, rm_CLF_avg, rm_Conditional_avg,
# flci_first, flci_avg, flci_exact_first, flci_exact_avg, lw, sd_cond, one_post, sd_cf, sdrm,
# lvec_mid (the last five for issue 21, below); then merge the objects (keys are
# disjoint) with
#   python3 -c 'import json,sys; d={}; [d.update(json.load(open(f))) for f in sys.argv[1:]];
#               print(json.dumps(d, indent=1))' /tmp/hd/*.json > tests/data/did/honest_reference.json
# The package's R files are sourced (not installed): 0.2.8 wants CVXR >= 1.8 (the psolve API);
# with CVXR 1.0-15 its .psolve is shimmed onto CVXR::solve, the same ECOS solver. (CVXR 1.0-15
# from github:cran/CVXR tag 1.0-15 installs on Debian's R 4.2 / Matrix 1.5-3 with osqp 0.6.0.8,
# github:cran/osqp tag 0.6.0.8, the last osqp before Matrix >= 1.6.1 was required; with a pyenv
# cmake shim on PATH, osqp's configure needs PATH=/usr/bin:$PATH.)
# Two FLCI columns: "flci" is the package as it is (critical value from 10^6 simulated draws,
# .qfoldednormal); "flci_exact" replaces that one function by the exact folded-normal quantile
# (uniroot to 1e-15), which is what kestrel computes.
# Where CVXR (FLCI) is not installable, the FLCI entries are left out. Where TruncatedNormal is
# not (its spacefillr dependency would not build here), norminvp is replaced by the truncated
# normal quantile from R's own pnorm/qnorm, taken in the upper tail above the median.
have_cvxr <- requireNamespace("CVXR", quietly = TRUE)
if (!requireNamespace("TruncatedNormal", quietly = TRUE)) {
  TruncatedNormal <- new.env()
  assign("norminvp", function(p, l, u) {
    if (l > 0) return(-get("norminvp", TruncatedNormal)(1 - p, -u, -l))
    mass <- pnorm(u) - pnorm(l)
    q <- if (p > 0.5) -qnorm((1 - p) * mass + pnorm(-u)) else qnorm(pnorm(l) + p * mass)
    min(max(q, l), u)
  }, envir = TruncatedNormal)
  norminvp_shim <- TRUE
} else norminvp_shim <- FALSE
suppressMessages({
  library(Rglpk); library(lpSolveAPI)
  library(mvtnorm); library(pracma); library(purrr); library(tibble); library(dplyr)
  library(matrixStats); library(Matrix); library(foreach)
})
src <- commandArgs(TRUE)[1]
piece <- commandArgs(TRUE)[2]
env <- new.env()
# HonestDiD-Temp.R calls library() on every import; the namespaces are reached through :: here
env$library <- function(...) invisible(NULL)
for (f in list.files(file.path(src, "R"), pattern = "[.]R$", full.names = TRUE)) sys.source(f, envir = env)
if (norminvp_shim) env$.norminvp_generalized <- function(p, l, u, mu = 0, sd = 1)
  mu + get("norminvp", TruncatedNormal)(p, (l - mu) / sd, (u - mu) / sd) * sd
env$.psolve <- function(problem, ...) {
  r <- CVXR::solve(problem, ...)
  list(value = r$value, status = r$status, getValue = r$getValue)
}
load(file.path(src, "data", "BCdata_EventStudy.rda"))
b <- BCdata_EventStudy$betahat; S <- BCdata_EventStudy$sigma
npre <- length(BCdata_EventStudy$prePeriodIndices); npost <- length(BCdata_EventStudy$postPeriodIndices)
num <- function(x) paste0("[", paste(sprintf("%.17g", x), collapse = ", "), "]")
lvecs <- list(first = c(1, 0, 0, 0), avg = rep(0.25, 4))
Mvec <- c(0, 0.01, 0.02, 0.03, 0.05)
Mbarvec <- c(0, 1, 2)
Mid <- c(0, 0.05, 0.2, 0.3, 0.5) # BCdata's pre-period curvature needs M >= 0.17 for a non-empty set
first <- TRUE
cat("{\n")
add <- function(key, val) {
  cat(if (first) "" else ",\n", sprintf('  "%s": %s', key, val), sep = "")
  first <<- FALSE
  flush(stdout())
  message(format(Sys.time()), " ", key)
}
want <- function(key) identical(piece, key)
if (want("base")) {
add("betahat", num(b)); add("sigma", num(c(S))); add("num_pre", npre); add("num_post", npost)
add("Mvec", num(Mvec)); add("Mbarvec", num(Mbarvec)); add("Mvec_idset_sd", num(Mid))
}
qexact <- function(p, mu = 0, sd = 1, numSims = 10^6, seed = 0)
  sapply(mu, function(m) uniroot(function(x) pnorm(m - x) + pnorm(-m - x) - (1 - p),
                                 c(0, abs(m) + qnorm(1 - (1 - p) / 2) + 1), tol = 1e-15)$root)
for (ln in names(lvecs)) {
  l <- lvecs[[ln]]
  if (want("base")) {
  oc <- env$constructOriginalCS(b, S, npre, npost, l_vec = l)
  add(paste0("original_", ln), num(c(oc$lb, oc$ub)))
  # identified sets (Rglpk LPs, delta_pre pinned at betahat_pre): lb for each M, then ub
  ids <- sapply(Mid, function(M) unlist(env$.compute_IDset_DeltaSD(M, b, l, npre, npost)[c("id.lb", "id.ub")]))
  add(paste0("idset_sd_", ln), num(c(ids[1, ], ids[2, ])))
  ids <- sapply(Mbarvec, function(M) unlist(env$.compute_IDset_DeltaRM(M, b, l, npre, npost)[c("id.lb", "id.ub")]))
  add(paste0("idset_rm_", ln), num(c(ids[1, ], ids[2, ])))
  }
  if (have_cvxr && want(paste0("flci_", ln))) {
  r <- env$createSensitivityResults(b, S, npre, npost, method = "FLCI", Mvec = Mvec, l_vec = l)
  add(paste0("flci_", ln), num(c(r$lb, r$ub)))
  }
  if (have_cvxr && want(paste0("flci_exact_", ln))) {
  qsim <- env$.qfoldednormal
  env$.qfoldednormal <- qexact
  r <- env$createSensitivityResults(b, S, npre, npost, method = "FLCI", Mvec = Mvec, l_vec = l)
  add(paste0("flci_exact_", ln), num(c(r$lb, r$ub)))
  env$.qfoldednormal <- qsim
  }
  for (m in c("C-LF", "Conditional")) {
    if (!want(paste0("rm_", sub("-", "", m), "_", ln))) next
    r <- env$createSensitivityResults_relativeMagnitudes(b, S, npre, npost, method = m,
                                                         Mbarvec = Mbarvec, l_vec = l)
    add(paste0("rm_", sub("-", "", m), "_", ln), num(c(r$lb, r$ub)))
  }
}
# Issue 21 pieces (keys that do not start with "rm_"): l = first post period unless named.
#   sd_cond: createSensitivityResults(method = "Conditional" / "C-LF") over Mvec_cond;
#   one_post: BCdata cut to its 4 pre periods and first post period: RM and SDRM ("deviation
#     from linear trend") C-LF / Conditional over Mbarvec, SD Conditional / C-LF over
#     Mvec_cond, the identified sets;
#   sd_cf: method = "C-F" (needs CVXR) for both, with the exact folded-normal quantile (as
#     flci_exact: the C-F grid's ends are the FLCI at size alpha / 10);
#   sdrm: createSensitivityResults_relativeMagnitudes(bound = "deviation from linear trend"),
#     C-LF / Conditional over Mbar = 0, 1, l first, and .compute_IDset_DeltaSDRM over Mbarvec;
#   lvec_mid: relative magnitudes C-LF, Mbar = 0, 1, with l = (0, 1/2, 1/2, 0).
Mcond <- c(0, 0.02, 0.05)
sd_methods <- function(b, S, npre, npost, l, prefix, methods = c("Conditional", "C-LF")) {
  for (m in methods) {
    r <- env$createSensitivityResults(b, S, npre, npost, method = m, Mvec = Mcond, l_vec = l)
    add(paste0(prefix, sub("-", "", m)), num(c(r$lb, r$ub)))
  }
}
rel_methods <- function(b, S, npre, npost, l, bound, Mb, prefix) {
  for (m in c("C-LF", "Conditional")) {
    r <- env$createSensitivityResults_relativeMagnitudes(b, S, npre, npost, bound = bound, method = m,
                                                         Mbarvec = Mb, l_vec = l)
    add(paste0(prefix, sub("-", "", m)), num(c(r$lb, r$ub)))
  }
}
if (want("sd_cond")) {
  add("Mvec_cond", num(Mcond))
  sd_methods(b, S, npre, npost, lvecs$first, "sd_cond_")
}
if (want("one_post")) {
  b1 <- b[1:(npre + 1)]; S1 <- S[1:(npre + 1), 1:(npre + 1)]
  rel_methods(b1, S1, npre, 1, 1, "deviation from parallel trends", Mbarvec, "one_post_rm_")
  rel_methods(b1, S1, npre, 1, 1, "deviation from linear trend", Mbarvec, "one_post_sdrm_")
  sd_methods(b1, S1, npre, 1, 1, "one_post_sd_")
  ids <- sapply(Mbarvec, function(M) unlist(env$.compute_IDset_DeltaRM(M, b1, 1, npre, 1)[c("id.lb", "id.ub")]))
  add("one_post_idset_rm", num(c(ids[1, ], ids[2, ])))
  ids <- sapply(Mbarvec, function(M) unlist(env$.compute_IDset_DeltaSDRM(M, b1, 1, npre, 1)[c("id.lb", "id.ub")]))
  add("one_post_idset_sdrm", num(c(ids[1, ], ids[2, ])))
}
if (have_cvxr && want("sd_cf")) {
  env$.qfoldednormal <- qexact
  sd_methods(b, S, npre, npost, lvecs$first, "sd_cond_", "C-F")
  sd_methods(b[1:(npre + 1)], S[1:(npre + 1), 1:(npre + 1)], npre, 1, 1, "one_post_sd_", "C-F")
}
if (want("sdrm")) {
  rel_methods(b, S, npre, npost, lvecs$first, "deviation from linear trend", c(0, 1), "sdrm_first_")
  ids <- sapply(Mbarvec, function(M) unlist(env$.compute_IDset_DeltaSDRM(M, b, lvecs$first, npre, npost)[c("id.lb", "id.ub")]))
  add("sdrm_idset_first", num(c(ids[1, ], ids[2, ])))
}
if (want("lvec_mid")) {
  r <- env$createSensitivityResults_relativeMagnitudes(b, S, npre, npost, method = "C-LF",
                                                       Mbarvec = c(0, 1), l_vec = c(0, 0.5, 0.5, 0))
  add("lvec_mid_CLF", num(c(r$lb, r$ub)))
}
# LWdata_EventStudy (Lovenheim & Willen; 9 pre, 23 post periods), l = first post period: the
# original interval, the identified sets and the FLCI (exact quantile). Its relative-magnitudes
# sets are left out (23 post periods: many times BCdata's hours in R).
if (want("lw")) {
  load(file.path(src, "data", "LWdata_EventStudy.rda"))
  b <- LWdata_EventStudy$betahat; S <- LWdata_EventStudy$sigma
  npre <- length(LWdata_EventStudy$prePeriodIndices); npost <- length(LWdata_EventStudy$postPeriodIndices)
  l <- c(1, rep(0, npost - 1)); Mlw <- c(0, 0.01, 0.02, 0.04)
  add("lw_betahat", num(b)); add("lw_sigma", num(c(S))); add("lw_num_pre", npre)
  add("lw_Mvec", num(Mlw))
  oc <- env$constructOriginalCS(b, S, npre, npost, l_vec = l)
  add("lw_original_first", num(c(oc$lb, oc$ub)))
  ids <- sapply(Mlw, function(M) unlist(env$.compute_IDset_DeltaSD(M, b, l, npre, npost)[c("id.lb", "id.ub")]))
  add("lw_idset_sd_first", num(c(ids[1, ], ids[2, ])))
  ids <- sapply(c(0, 1, 2), function(M) unlist(env$.compute_IDset_DeltaRM(M, b, l, npre, npost)[c("id.lb", "id.ub")]))
  add("lw_idset_rm_first", num(c(ids[1, ], ids[2, ])))
  if (have_cvxr) {
    env$.qfoldednormal <- qexact
    r <- env$createSensitivityResults(b, S, npre, npost, method = "FLCI", Mvec = Mlw, l_vec = l)
    add("lw_flci_exact_first", num(c(r$lb, r$ub)))
  }
}
if (want("base")) add("versions", sprintf('"R %s; HonestDiD 0.2.8 (6813f02e); CVXR %s; ECOSolveR %s; Rglpk %s; lpSolveAPI %s; TruncatedNormal %s; mvtnorm %s"',
    paste(R.version$major, R.version$minor, sep = "."), if (have_cvxr) packageVersion("CVXR") else "absent", packageVersion("ECOSolveR"),
    packageVersion("Rglpk"), packageVersion("lpSolveAPI"), if (norminvp_shim) "absent (norminvp shim)" else packageVersion("TruncatedNormal"), packageVersion("mvtnorm")))
cat("\n}\n")
