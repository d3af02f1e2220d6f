# bench_did_honest.R — R HonestDiD 0.2.8's side of bench_did_honest.py: the same event study
# (bench/out/honest_es_20000.json, written by the Python bench from kestrel's CS fit) through
# createSensitivityResults_relativeMagnitudes (rm: C-LF, l = the post periods' average, grid
# [0, 6], R's 1000 points) or createSensitivityResults (sd_flci / sd_clf / sd_cond: FLCI, C-LF,
# Conditional, R's default grid), each of <reps> runs timed by system.time; one JSON line: the
# elapsed times, their median, the median CPU time (user + system) and the intervals' ends (lb
# for each M, then ub).
#   Rscript bench_did_honest.R <HonestDiD source tree> <event-study json> <case> <M,M,...> <reps>
# The package's R files are sourced (not installed) as tests/data/did/make_reference_honest.R
# explains: CVXR 1.0-15's solve stands in for the psolve 0.2.8 wants (the same ECOS solver) and,
# where TruncatedNormal is absent, norminvp is R's pnorm/qnorm truncated-normal quantile.
a <- commandArgs(TRUE)
src <- a[1]; es <- jsonlite::fromJSON(a[2]); case <- a[3]
M <- as.numeric(strsplit(a[4], ",")[[1]]); reps <- as.integer(a[5])
suppressMessages({
  library(Rglpk); library(lpSolveAPI); library(mvtnorm); library(pracma); library(purrr)
  library(tibble); library(dplyr); library(matrixStats); library(Matrix); library(foreach)
})
env <- new.env()
env$library <- function(...) invisible(NULL) # HonestDiD-Temp.R calls library() on import
for (f in list.files(file.path(src, "R"), pattern = "[.]R$", full.names = TRUE)) sys.source(f, envir = env)
if (!requireNamespace("TruncatedNormal", quietly = TRUE)) {
  norminvp <- function(p, l, u) {
    if (l > 0) return(-norminvp(1 - p, -u, -l))
    mass <- pnorm(u) - pnorm(l)
    q <- if (p > 0.5) -qnorm((1 - p) * mass + pnorm(-u)) else qnorm(pnorm(l) + p * mass)
    min(max(q, l), u)
  }
  env$.norminvp_generalized <- function(p, l, u, mu = 0, sd = 1)
    mu + norminvp(p, (l - mu) / sd, (u - mu) / sd) * sd
}
env$.psolve <- function(problem, ...) {
  r <- CVXR::solve(problem, ...)
  list(value = r$value, status = r$status, getValue = r$getValue)
}
b <- es$betahat; S <- es$sigma; npre <- es$num_pre; npost <- es$num_post
l <- rep(1 / npost, npost)
run <- function() {
  if (case == "rm")
    env$createSensitivityResults_relativeMagnitudes(b, S, npre, npost, method = "C-LF",
      Mbarvec = M, l_vec = l, grid.lb = 0, grid.ub = 6)
  else
    env$createSensitivityResults(b, S, npre, npost, Mvec = M, l_vec = l,
      method = c(sd_flci = "FLCI", sd_clf = "C-LF", sd_cond = "Conditional")[[case]])
}
r <- NULL
tm <- sapply(seq_len(reps), function(i) {
  t <- system.time(r <<- run())
  c(t[["elapsed"]], t[["user.self"]] + t[["sys.self"]])
})
num <- function(x) # JSON as Python's json reads it (R's empty set is Inf, -Inf)
  paste0("[", paste(ifelse(is.na(x), "NaN", ifelse(is.infinite(x), ifelse(x > 0, "Infinity",
         "-Infinity"), sprintf("%.17g", x))), collapse = ", "), "]")
cat(sprintf('{"median_s": %.17g, "times": %s, "cpu_median_s": %.17g, "estimates": %s}\n',
            median(tm[1, ]), num(tm[1, ]), median(tm[2, ]), num(c(r$lb, r$ub))))
