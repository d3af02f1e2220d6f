# Rebuilds the panels of diff-diff's didimputation / did2s golden files (igerber/diff-diff
# benchmarks/R/generate_didimputation_golden.R: same seed, draw order and DGP) at full precision:
# tests/data/did/didimputation_test_panel.csv and didimputation_covariate_panel.csv (the CSVs are
# then written with 17 significant digits). Run by hand: Rscript make_panel_imputation.R
set.seed(2024)
draw_panel <- function(with_x) {
  out <- list(); uid <- 0L
  for (g in c(0L, 3L, 5L)) for (j in 1:60) {
    ci <- rnorm(1)
    for (t in 1:8) {
      x <- if (with_x) 0.4 * ci + 0.2 * t + rnorm(1) else NA
      u <- 0.2 * rnorm(1)
      eff <- if (g > 0 && t >= g) 1 + 0.5 * (t - g) else 0
      y <- ci + 0.5 * t + eff + u + if (with_x) 0.7 * x else 0
      out[[length(out) + 1]] <- c(uid, t, g, y, x)
    }
    uid <- uid + 1L
  }
  do.call(rbind, out)
}
a <- draw_panel(FALSE); b <- draw_panel(TRUE)
w <- function(m, f, cols) {
  num <- function(v) sprintf("%.17g", v)
  body <- paste(m[, 1], m[, 2], m[, 3], num(m[, 4]), sep = ",")
  if (length(cols) == 5) body <- paste(body, num(m[, 5]), sep = ",")
  writeLines(c(paste(cols, collapse = ","), body), f)
}
w(a, "didimputation_test_panel.csv", c("unit", "time", "first_treat", "y"))
w(b, "didimputation_covariate_panel.csv", c("unit", "time", "first_treat", "y", "x"))
