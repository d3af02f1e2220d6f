# Reference values for the wild cluster restricted (WCR) bootstrap, by brute force in base R.
#
# Every one of the 2^G Rademacher sign vectors (G = 10 clusters) is a draw; each draw refits the
# regression by QR (explicit dummy variables for fixed effects, except the TWFE case, which uses
# the two-way within transformation as diff-diff does) and computes the CRV1 t statistic from the
# bootstrap residuals. Nothing of kestrel's per-cluster algebra is used. The p-value counts
# |t*| > |t| (boottest's strict inequality, with a 1e-9 relative guard against rounding ties),
# floored at 1 / (B + 1) as diff-diff does; the interval inverts the test by doubling steps out
# from the estimate, then bisection to 1e-10.
#
# Run from the repository root: Rscript tests/data/did/make_reference_wild.R [basic_small.csv]
# Writes tests/data/did/wild_small.csv and tests/data/did/reference_wild.json.
args <- commandArgs(trailingOnly = TRUE)
src <- if (length(args)) args[1] else "data/basic_small.csv"
d <- read.csv(src)
# 10 clusters ("states") of 10 units; the effect is removed so that the p-value is not at its
# floor; x1 a deterministic covariate.
d$state <- d$unit %% 10
d$y <- d$outcome - 5 * d$treated * d$post + 0.15 * d$treated * d$post
d$x1 <- sin(1.7 * d$unit) + 0.3 * d$time + cos(d$unit * d$time)
d <- d[, c("unit", "time", "treated", "post", "state", "y", "x1")]
write.csv(d, "tests/data/did/wild_small.csv", row.names = FALSE)
d <- read.csv("tests/data/did/wild_small.csv")

G <- length(unique(d$state))
B <- 2^G
V <- sapply(0:(G - 1), function(g) ifelse(bitwAnd(0:(B - 1), 2^g) > 0, 1, -1)) # B x G
cl <- match(d$state, sort(unique(d$state)))

# The WCR test of H0: b_j = r. X: the design, j: the tested column.
wcr <- function(X, y, j, alpha = 0.05) {
  n <- nrow(X)
  qx <- qr(X)
  b <- qr.coef(qx, y)
  keep <- !is.na(b)
  X <- X[, keep, drop = FALSE]
  j <- which(which(keep) == j)
  qx <- qr(X)
  b <- qr.coef(qx, y)
  k <- ncol(X)
  A <- solve(crossprod(X))[j, ] %*% t(X) # row j of (X'X)^-1 X'
  cr1 <- function(E) { # CRV1 variance of b_j for each column of residuals E
    S <- rowsum(as.vector(A) * E, cl) # G x ncol
    G / (G - 1) * (n - 1) / (n - k) * colSums(S^2)
  }
  se <- sqrt(cr1(matrix(qr.resid(qx, y))))
  Xr <- X[, -j, drop = FALSE]
  qr_r <- qr(Xr)
  Vobs <- t(V[, cl]) # n x B weights
  reject <- function(r) {
    u <- qr.resid(qr_r, y - r * X[, j]) # restricted residuals
    ystar <- (y - u) + Vobs * u # n x B
    bstar <- qr.coef(qx, ystar)[j, ]
    tstar <- (bstar - r) / sqrt(cr1(qr.resid(qx, ystar)))
    t0 <- (b[j] - r) / se
    mean(abs(tstar) > abs(t0) + 1e-9 * max(1, abs(t0)))
  }
  bisect <- function(dir) {
    step <- se
    hi <- b[j] + dir * step
    while (reject(hi) >= alpha) {
      step <- 2 * step
      hi <- b[j] + dir * step
    }
    lo <- b[j]
    for (i in 1:100) {
      mid <- (lo + hi) / 2
      if (reject(mid) >= alpha) lo <- mid else hi <- mid
      if (abs(hi - lo) <= 1e-10 * max(1, abs(b[j]))) break
    }
    (lo + hi) / 2
  }
  p <- max(reject(0), 1 / (B + 1))
  list(coef = unname(b[j]), se = se, p_value = p, ci_lower = unname(bisect(-1)),
       ci_upper = unname(bisect(1)), n_bootstrap = B, n_clusters = G)
}

one <- rep(1, nrow(d))
dp <- d$treated * d$post
within2 <- function(v) resid(lm(v ~ factor(d$unit) + factor(d$time)))
cases <- list(
  basic = wcr(cbind(one, d$treated, d$post, dp), d$y, 4),
  covariate = wcr(cbind(one, d$treated, d$post, dp, d$x1), d$y, 4),
  unit_dummies = wcr(cbind(one, d$treated, d$post, dp, model.matrix(~ factor(d$unit))[, -1]),
                     d$y, 4),
  twfe_within = wcr(cbind(one, within2(dp)), within2(d$y), 2)
)
cases$twfe_within$coef_note <- "two-way within design with an intercept column (diff-diff's)"
out <- list(
  generated_by = "tests/data/did/make_reference_wild.R",
  r_version = R.version.string,
  data = "tests/data/did/wild_small.csv (from basic_small.csv; state = unit %% 10)",
  cluster = "state", alpha = 0.05, weights = "rademacher, all 2^10 sign vectors",
  cases = cases
)
# every double with 17 significant digits, so the values round-trip exactly
exact <- function(x) if (is.list(x)) lapply(x, exact) else if (is.double(x))
  structure(sprintf("%.17g", x), class = "json") else x
writeLines(jsonlite::toJSON(exact(out), auto_unbox = TRUE, json_verbatim = TRUE, pretty = TRUE),
           "tests/data/did/reference_wild.json")
