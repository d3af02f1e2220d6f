# make_fit_reference.R: lavaan 0.6-14's fit measures and standardized solutions, the reference for
# kestrel's src/sem/fit_measures.c and standardize.c (tests/c/test_sem_fit.c). Run from this folder:
#   Rscript make_fit_reference.R
# For each case it writes fit/<case>_in.tsv (what the fit measures are computed from: S, Sigma-hat,
# the DWLS weights, N, npar, the covariate indices; the total variances of every ov then lv and
# their Jacobian by the free parameters; the free parameters' vcov), fit/<case>_fm.tsv (every
# fitMeasures() value), fit/<case>_names.tsv (lavaan's ov then lv names) and fit/<case>_std.tsv
# (the parameter table with standardizedSolution()'s est.std and se for std.all, std.lv and
# std.nox). Numbers as %.17g.
suppressPackageStartupMessages(library(lavaan))
# nlminb stopped far past lavaan's default tolerance (it then reports a false convergence, so
# optim.force.converged keeps the fit; the largest gradient element is printed per case, pd_ml's
# is not small because its labels are equality constraints, whose optimum has a nonzero
# gradient). The fit measures are functions of lavaan's own S and Sigma-hat, so what matters is
# the baseline model lavaan fits by nlminb with the same options: tight, it agrees with the
# closed form to 1e-13.
tight <- list(rel.tol = 1e-14, eval.max = 1e5, iter.max = 1e5)
hs <- read.csv("HolzingerSwineford1939.csv")
pd <- read.csv("PoliticalDemocracy.csv")
g17 <- function(x) ifelse(is.na(x), "NA", sprintf("%.17g", x))
hs_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9"
hs_x_model <- "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9
visual ~ ageyr + sex
textual ~ ageyr"
pd_model <- "ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ab := a*b
tot := a + b*c"
hs_vars <- paste0("x", 1:9)
S_hs <- cov(hs[, hs_vars])
# DWLS weights as GenomicSEM passes them: a WLS.V whose diagonal lavaan uses (here the inverse
# asymptotic variances lavaan's raw-data DWLS computes)
wv <- lavInspect(cfa(hs_model, data = hs, estimator = "DWLS"), "wls.v")
fits <- list(
  hs_ml = cfa(hs_model, data = hs, control = tight, optim.force.converged = TRUE),
  pd_ml = sem(pd_model, data = pd, control = tight, optim.force.converged = TRUE),
  hs_x_ml = sem(hs_x_model, data = hs, control = tight, optim.force.converged = TRUE),
  hs_gls = cfa(hs_model, sample.cov = S_hs, sample.nobs = 301, estimator = "GLS",
               control = tight, optim.force.converged = TRUE),
  hs_uls = cfa(hs_model, sample.cov = S_hs, sample.nobs = 301, estimator = "ULS",
               control = tight, optim.force.converged = TRUE),
  hs_dwls = cfa(hs_model, sample.cov = S_hs, sample.nobs = 301, estimator = "DWLS",
                WLS.V = wv, control = tight,
                optim.force.converged = TRUE)
)
for (case in names(fits)) {
  fit <- fits[[case]]
  cat(case, "largest |gradient|", max(abs(lavInspect(fit, "gradient"))), "\n")
  ov <- lavNames(fit, "ov"); lv <- lavNames(fit, "lv")
  S <- lavInspect(fit, "sampstat")$cov[ov, ov]
  Sigma <- lavInspect(fit, "implied")$cov[ov, ov]
  est <- lavInspect(fit, "options")$estimator
  xi <- match(lavNames(fit, "ov.x"), ov)
  rows <- list()
  add <- function(what, i, j, v) rows[[length(rows) + 1]] <<-
    data.frame(what = what, i = i, j = j, value = g17(v))
  add("estimator", 0, 0, match(est, c("ML", "GLS", "ULS", "DWLS")) - 1)
  add("ntotal", 0, 0, lavInspect(fit, "ntotal"))
  add("npar", 0, 0, fitMeasures(fit, "npar"))
  add("fx", 0, 0, fit@optim$fx)
  add("nov", 0, 0, length(ov)); add("nlv", 0, 0, length(lv))
  for (k in seq_along(xi)) add("x", k - 1, 0, xi[k] - 1)
  for (i in seq_along(ov)) for (j in seq_along(ov)) {
    add("S", i - 1, j - 1, S[i, j]); add("Sigma", i - 1, j - 1, Sigma[i, j])
  }
  if (est %in% c("DWLS", "ULS")) {
    w <- fit@SampleStats@WLS.VD[[1]]
    for (k in seq_along(w)) add("w", k - 1, 0, w[k])
  }
  # total variances (ov then lv) and their Jacobian by the free parameters, by complex step
  m <- fit@Model
  x0 <- lav_model_get_parameters(m)
  # (with fixed.x covariates, lavaan's psi also holds them as dummy latent variables: the
  # latent variables proper are picked by name)
  psi_names <- m@dimNames[[which(names(m@GLIST) == "psi")[1]]][[1]]
  tv <- function(x) {
    mm <- lav_model_set_parameters(m, x)
    c(diag(lavaan:::computeVY(mm)[[1]]),
      if (length(lv)) diag(lavaan:::computeVETA(mm)[[1]])[match(lv, psi_names)])
  }
  v <- tv(x0)
  stopifnot(max(abs(v[seq_along(ov)] - diag(Sigma))) < 1e-12 * max(v))
  J <- lavaan:::lav_func_jacobian_complex(func = tv, x = x0)
  for (i in seq_along(v)) add("var", i - 1, 0, v[i])
  for (i in seq_along(v)) for (j in seq_along(x0)) add("dvar", i - 1, j - 1, J[i, j])
  V <- lavInspect(fit, "vcov")
  for (i in seq_len(nrow(V))) for (j in seq_len(ncol(V))) add("vcov", i - 1, j - 1, V[i, j])
  write.table(do.call(rbind, rows), file.path("fit", paste0(case, "_in.tsv")), sep = "\t",
              quote = FALSE, row.names = FALSE)
  write.table(data.frame(kind = c(rep("ov", length(ov)), rep("lv", length(lv))), name = c(ov, lv)),
              file.path("fit", paste0(case, "_names.tsv")), sep = "\t", quote = FALSE,
              row.names = FALSE)
  fm <- fitMeasures(fit)
  write.table(data.frame(name = names(fm), value = g17(unclass(fm))),
              file.path("fit", paste0(case, "_fm.tsv")), sep = "\t", quote = FALSE,
              row.names = FALSE)
  pt <- parTable(fit)
  pt <- pt[pt$op != "==", ]
  sa <- standardizedSolution(fit, type = "std.all", remove.eq = TRUE)
  sl <- standardizedSolution(fit, type = "std.lv", remove.eq = TRUE)
  sn <- standardizedSolution(fit, type = "std.nox", remove.eq = TRUE)
  stopifnot(nrow(sa) == nrow(pt), all(sa$lhs == pt$lhs & sa$op == pt$op & sa$rhs == pt$rhs))
  # lavaan's standardized SEs rest on a forward-difference Jacobian (its complex-step one fails
  # on the standardizing functions and falls back to steps of sqrt(eps)), good to about 1e-7
  # relative; the same delta method with numDeriv's Richardson-extrapolated Jacobian is the
  # exact reference (to about 1e-10)
  se_exact <- function(FUN) {
    J <- numDeriv::jacobian(function(x) FUN(x, lavobject = fit), x0)
    se <- sqrt(pmax(diag(J %*% V %*% t(J)), 0))
    se[se < .Machine$double.eps^(1/4)] <- 0
    se[parTable(fit)$op != "=="]
  }
  xa <- se_exact(lavaan:::lav_standardize_all_x)
  xl <- se_exact(lavaan:::lav_standardize_lv_x)
  xn <- se_exact(lavaan:::lav_standardize_all_nox_x)
  write.table(data.frame(lhs = pt$lhs, op = pt$op, rhs = pt$rhs, free = pt$free,
                         exo = pt$exo, label = ifelse(pt$label == "", ".", pt$label),
                         est = g17(pt$est), std_all = g17(sa$est.std), se_all = g17(sa$se),
                         std_lv = g17(sl$est.std), se_lv = g17(sl$se),
                         std_nox = g17(sn$est.std), se_nox = g17(sn$se),
                         z_all = g17(sa$z), p_all = g17(sa$pvalue),
                         lo_all = g17(sa$ci.lower), hi_all = g17(sa$ci.upper),
                         sex_all = g17(xa), sex_lv = g17(xl), sex_nox = g17(xn)),
              file.path("fit", paste0(case, "_std.tsv")), sep = "\t", quote = FALSE,
              row.names = FALSE)
}
# The noncentral chi-square: R's pchisq(x, df, ncp) over a grid
grid <- expand.grid(x = c(0.5, 3, 24, 85.3, 300, 918.85), df = c(1, 3.5, 24, 36),
                    ncp = c(0, 0.3, 12, 79, 81, 500, 2000))
grid$p <- pchisq(grid$x, grid$df, grid$ncp)
grid$q <- qchisq(0.95, grid$df)
write.table(data.frame(x = grid$x, df = grid$df, ncp = grid$ncp, p = g17(grid$p),
                       q95 = g17(grid$q)),
            file.path("fit", "pnchisq.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
cat(R.version.string, "lavaan", as.character(packageVersion("lavaan")), "\n")
