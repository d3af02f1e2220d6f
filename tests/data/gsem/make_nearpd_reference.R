# make_nearpd_reference.R -- reference outputs of R Matrix's nearPD() as GenomicSEM calls it
# (as.matrix(nearPD(x, corr = FALSE)$mat), every other argument at its default), for
# tests/c/test_gsem_io.c. Run from the repository root:
#   Rscript tests/data/gsem/make_nearpd_reference.R
# It reads tests/data/gsem/ref/ldsc_S.tsv and ldsc_V.tsv (GenomicSEM's ldsc() on the simulated
# set) and writes tests/data/gsem/nearpd/reference.txt: per case a line
#   case NAME n ITERATIONS CONVERGED
# then `in` and `out` lines of n*n numbers (column-major, %.17g).
suppressMessages(library(Matrix))
S <- as.matrix(read.table("tests/data/gsem/ref/ldsc_S.tsv", header = TRUE, row.names = 1,
                          sep = "\t", check.names = FALSE))
V <- as.matrix(read.table("tests/data/gsem/ref/ldsc_V.tsv", header = TRUE, row.names = 1,
                          sep = "\t", check.names = FALSE))
cases <- list()
# small: a 3 x 3 correlation-like matrix with a negative eigenvalue
cases$small <- matrix(c(1, 0.9, 0.7, 0.9, 1, -0.6, 0.7, -0.6, 1), 3)
# S-like: the 5 x 5 genetic covariance with one covariance pushed past what S allows
s <- S; s[1, 2] <- s[2, 1] <- 0.3; s[3, 4] <- s[4, 3] <- -0.12
cases$S5 <- s
# V-like: V (15 x 15) with two sampling covariances made too large
v <- V; v[1, 2] <- v[2, 1] <- 1.5e-4; v[6, 10] <- v[10, 6] <- -6e-5
cases$V15 <- v
# With corr = FALSE and keepDiag = FALSE the alternating projections have one set to project on,
# so R's loop always stops at its second iteration (the first when x is already positive
# semi-definite): no input needs more. The harder cases for the arithmetic are these two:
# a symmetric 8 x 8 matrix with several large negative eigenvalues,
set.seed(18)
a <- matrix(runif(64, -1, 1), 8); a <- (a + t(a)) / 2; diag(a) <- 1
cases$random8 <- a
# and one with a positive eigenvalue below eig.tol * the largest (dropped like the negative one)
q <- qr.Q(qr(matrix(runif(16, -1, 1), 4)))
cases$tiny <- q %*% diag(c(2, 0.5, 1e-7, -0.3)) %*% t(q)
cases$tiny <- (cases$tiny + t(cases$tiny)) / 2
# do2eigen: positive semi-definite and singular, converged at once, the zero eigenvalue raised
cases$singular <- matrix(c(1, 1, 0.5, 1, 1, 0.5, 0.5, 0.5, 0.25), 3)
# not symmetric within isSymmetric's tolerance: symmpart first (ensureSymmetry)
u <- cases$small; u[1, 2] <- 0.9 + 1e-9
cases$asym <- u
out <- file("tests/data/gsem/nearpd/reference.txt", "w")
writeLines(sprintf("# Matrix %s, R %s", packageVersion("Matrix"), getRversion()), out)
for (nm in names(cases)) {
  x <- cases[[nm]]
  r <- nearPD(x, corr = FALSE)
  writeLines(sprintf("case %s %d %d %d", nm, nrow(x), r$iterations, as.integer(r$converged)), out)
  writeLines(paste(c("in", sprintf("%.17g", as.vector(x))), collapse = " "), out)
  writeLines(paste(c("out", sprintf("%.17g", as.vector(as.matrix(r$mat)))), collapse = " "), out)
  cat(nm, ": iterations", r$iterations, "min eigen before", min(eigen(x, symmetric = TRUE)$values),
      "after", min(eigen(as.matrix(r$mat))$values), "\n")
}
close(out)
