# Reference values for the Bell-McCaffrey variances of the regression DiD estimators
# (vcov_type = "hc2_bm"; "hc2" / "hc3" one-way on the full-dummy design): R clubSandwich's
# vcovCR(type = "CR2") with coef_test(test = "Satterthwaite") / linear_contrast(test =
# "Satterthwaite") on lm() with every fixed effect as dummies (unclustered HC2-BM: each row its
# own cluster), and sandwich::vcovHC(type = "HC2" / "HC3").
#
# Run from the repository root: Rscript tests/data/did/make_reference_cr2.R
# Writes tests/data/did/cr2_panel.csv and tests/data/did/reference_cr2.json.
suppressMessages({ library(clubSandwich); library(sandwich); library(jsonlite) })
set.seed(21)
G <- 14; Tn <- 5
unit <- rep(1:G, each = Tn); time <- rep(1:Tn, G)
state <- c(1, 1, 2, 2, 2, 3, 3, 4, 4, 4, 4, 5, 6, 6)[unit]
d <- as.numeric(unit %% 3 == 0 | unit == 2); post <- as.numeric(time >= 4)
x <- round(rnorm(G * Tn) + 0.3 * time, 6)
y <- round(1 + 0.5 * d + 0.3 * post + 1.2 * d * post + 0.4 * x + rnorm(G)[unit] +
           rnorm(G * Tn) * (1 + d), 6)
p <- data.frame(y, d, post, x, unit, time, state)
p <- p[-c(3, 17, 40), ] # unbalanced
write.csv(p, "tests/data/did/cr2_panel.csv", row.names = FALSE)
p <- read.csv("tests/data/did/cr2_panel.csv")
p$dp <- p$d * p$post
rows <- seq_len(nrow(p))

bm <- function(fit, cl, terms, contrast = NULL) {
  V <- vcovCR(fit, cluster = cl, type = "CR2")
  ct <- coef_test(fit, vcov = V, test = "Satterthwaite")
  i <- match(terms, ct$Coef)
  out <- list(coef = unname(coef(fit)[terms]), se = ct$SE[i], df = ct$df_Satt[i])
  if (!is.null(contrast)) {
    w <- matrix(0, 1, length(coef(fit)), dimnames = list(NULL, names(coef(fit))))
    w[1, names(contrast)] <- contrast
    lc <- linear_contrast(fit, vcov = V, contrasts = w, test = "Satterthwaite")
    out$avg <- list(est = lc$Est, se = lc$SE, df = lc$df)
  }
  out
}
hc <- function(fit, type, terms) {
  list(coef = unname(coef(fit)[terms]), se = unname(sqrt(diag(vcovHC(fit, type = type)))[
    match(terms, names(coef(fit)))]))
}

ref <- list()
f1 <- lm(y ~ d + post + d:post, p)
ref$did_hc2bm <- bm(f1, rows, "d:post")
ref$did_cr2_state <- bm(f1, p$state, "d:post")
f1x <- lm(y ~ d + post + d:post + x, p)
ref$did_x_cr2_state <- bm(f1x, p$state, "d:post")
# DifferenceInDifferences(absorb = "unit"): diff-diff's full-dummy route
f1a <- lm(y ~ d + post + d:post + factor(unit), p)
ref$did_absorb_unit_hc2bm <- bm(f1a, rows, "d:post")
ref$did_absorb_unit_cr2_state <- bm(f1a, p$state, "d:post")
# TwoWayFixedEffects(fit(post = "post", unit = "unit")): y ~ d x post + unit and post dummies
# (its period fixed effect is the post column, as diff-diff's)
f2 <- lm(y ~ dp + factor(unit) + factor(post), p)
ref$twfe_cr2_unit <- bm(f2, p$unit, "dp")
ref$twfe_cr2_state <- bm(f2, p$state, "dp")
ref$twfe_hc2 <- hc(f2, "HC2", "dp")
ref$twfe_hc3 <- hc(f2, "HC3", "dp")
f2x <- lm(y ~ dp + x + factor(unit) + factor(post), p)
ref$twfe_x_cr2_unit <- bm(f2x, p$unit, c("dp", "x"))
# MultiPeriodDiD: y ~ d + d x 1(time = t) (t != 3, the reference) + time dummies; the average
# of the post-period effects (times 4 and 5) as a contrast
for (t in c(1, 2, 4, 5)) p[[paste0("dt", t)]] <- p$d * (p$time == t)
f3 <- lm(y ~ d + dt1 + dt2 + dt4 + dt5 + factor(time), p)
terms3 <- c("dt1", "dt2", "dt4", "dt5")
ref$mp_cr2_unit <- bm(f3, p$unit, terms3, c(dt4 = 0.5, dt5 = 0.5))
ref$mp_hc2bm <- bm(f3, rows, terms3, c(dt4 = 0.5, dt5 = 0.5))
f3u <- lm(y ~ dt1 + dt2 + dt4 + dt5 + factor(time) + factor(unit), p)
ref$mp_unit_cr2_unit <- bm(f3u, p$unit, terms3, c(dt4 = 0.5, dt5 = 0.5))
write_json(ref, "tests/data/did/reference_cr2.json", digits = NA, auto_unbox = TRUE,
           pretty = TRUE)
