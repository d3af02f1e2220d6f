# make_api_reference.R: lavaan 0.6-14's parameterEstimates(), standardizedSolution() and
# fitMeasures() for the public SEM API's parity test (tests/python/test_sem.py): the
# Holzinger-Swineford CFA (ML, std.lv, GLS, ULS) and lavaan's PoliticalDemocracy SEM (labels, correlated residuals, :=,
# an inequality), ML on raw data, converged tightly (BFGS to reltol 1e-16, then Newton steps:
# lavaan_polish.R; the largest gradient element is printed; with equality constraints it is
# the projected one that vanishes). Run from this folder: Rscript make_api_reference.R
suppressPackageStartupMessages(library(lavaan))
hs <- read.csv("HolzingerSwineford1939.csv")
pd <- read.csv("PoliticalDemocracy.csv")
source("lavaan_polish.R")
tight <- list(optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 1e5))
cases <- list(
  hs = list(f = "cfa", data = hs, model = "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9", std.lv = FALSE),
  hs_stdlv = list(f = "cfa", data = hs, model = "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9", std.lv = TRUE),
  hs_gls = list(f = "cfa", data = hs, model = "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9", std.lv = FALSE, estimator = "GLS"),
  hs_uls = list(f = "cfa", data = hs, model = "visual =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed =~ x7 + x8 + x9", std.lv = FALSE, estimator = "ULS"),
  pd = list(f = "sem", data = pd, model = "ind60 =~ x1 + x2 + x3
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
tot := a + b*c", std.lv = FALSE))
for (name in names(cases)) {
  cs <- cases[[name]]
  est <- if (is.null(cs$estimator)) "ML" else cs$estimator
  fit <- do.call(cs$f, c(list(cs$model, data = cs$data, std.lv = cs$std.lv, estimator = est), tight))
  fit <- polish(fit, cs$f, cs$model, data = cs$data, std.lv = cs$std.lv, estimator = est)
  g <- max(abs(grad_at(fit, lavaan:::lav_model_get_parameters(fit@Model))))
  cat(name, "largest gradient element", g, "\n")
  writeLines(cs$model, file.path("api", paste0(name, ".lav")))
  pe <- parameterEstimates(fit)
  if (is.null(pe$label)) pe$label <- ""
  st <- standardizedSolution(fit, type = "std.all")
  sl <- standardizedSolution(fit, type = "std.lv")
  out <- data.frame(lhs = pe$lhs, op = pe$op, rhs = pe$rhs, label = pe$label,
                    est = sprintf("%.17g", pe$est), se = sprintf("%.17g", pe$se),
                    z = sprintf("%.17g", pe$z), pvalue = sprintf("%.17g", pe$pvalue),
                    ci_lower = sprintf("%.17g", pe$ci.lower), ci_upper = sprintf("%.17g", pe$ci.upper),
                    std_all = sprintf("%.17g", st$est.std), std_lv = sprintf("%.17g", sl$est.std))
  write.table(out, file.path("api", paste0(name, "_pe.tsv")), sep = "\t", quote = FALSE, row.names = FALSE)
  writeLines(capture.output(summary(fit, fit.measures = TRUE, standardized = TRUE)),
             file.path("api", paste0(name, "_summary.txt")))
  fm <- fitMeasures(fit)
  write.table(data.frame(name = names(fm), value = sprintf("%.17g", as.numeric(fm))),
              file.path("api", paste0(name, "_fm.tsv")), sep = "\t", quote = FALSE, row.names = FALSE)
}
cat(R.version.string, "lavaan", as.character(packageVersion("lavaan")), "\n")
