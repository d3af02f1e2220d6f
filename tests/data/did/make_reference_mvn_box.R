# Reference box probabilities P(lower <= X <= upper), X ~ N(0, Sigma), for kestrel's
# ks_did_mvn_box on covariances that are not equicorrelated (the R-made pre-trends fixtures all
# are). Run by hand from the repository root:
#   Rscript tests/data/did/make_reference_mvn_box.R > tests/data/did/reference_mvn_box.json
# mvtnorm::pmvnorm with GenzBretz at abseps 1e-9 (its randomised lattice; the "error" field is
# its own error estimate) and, as a second deterministic method, Miwa's algorithm.
library(mvtnorm)
set.seed(1)
ar1 <- function(k, rho, sd) outer(1:k, 1:k, function(i, j) rho^abs(i - j)) * outer(sd, sd)
cases <- list()
# an AR(1) event study with growing standard errors, a linear violation of slope 0.05
S1 <- ar1(5, 0.6, seq(0.1, 0.3, length.out = 5))
t1 <- 5:1
cases[[1]] <- list(name = "ar1_k5", sigma = S1, lower = -1.96 * sqrt(diag(S1)) - 0.05 * t1,
                   upper = 1.96 * sqrt(diag(S1)) - 0.05 * t1)
# a random covariance (Wishart-like), K = 6, one infinite bound
A <- matrix(rnorm(36), 6, 6)
S2 <- crossprod(A) / 6 + diag(6) * 0.2
cases[[2]] <- list(name = "random_k6", sigma = S2,
                   lower = c(-1, -Inf, -0.5, -2, -1.5, -1), upper = c(1.2, 0.7, 2, 1, 0.3, 1.1))
# negative correlations, K = 4
S3 <- ar1(4, -0.4, c(1, 0.5, 2, 1))
cases[[3]] <- list(name = "negative_k4", sigma = S3, lower = c(-1, -0.5, -3, -1),
                   upper = c(2, 0.4, 1, 1.5))
out <- lapply(cases, function(c) {
  set.seed(42)
  g <- pmvnorm(lower = c$lower, upper = c$upper, sigma = c$sigma,
               algorithm = GenzBretz(maxpts = 5e7, abseps = 1e-9, releps = 0))
  m <- pmvnorm(lower = c$lower, upper = c$upper, sigma = c$sigma,
               algorithm = Miwa(steps = 4096))
  list(name = c$name, sigma = unname(split(c$sigma, row(c$sigma))),
       lower = ifelse(is.finite(c$lower), c$lower, NA), upper = c$upper,
       genz_bretz = as.numeric(g), genz_bretz_error = attr(g, "error"),
       miwa = as.numeric(m))
})
cat(jsonlite::toJSON(list(meta = list(r_version = R.version.string,
                                      mvtnorm = as.character(packageVersion("mvtnorm"))),
                          cases = out), digits = NA, auto_unbox = TRUE, pretty = TRUE,
                     na = "null"))
cat("\n")
