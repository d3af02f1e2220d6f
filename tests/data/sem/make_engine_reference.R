# make_engine_reference.R: lavaan 0.6-14's answers for tests/c/test_sem_engine.c (the SEM
# engine: implied covariance, Delta, objectives, starting values, estimates, SEs, sandwich).
# Run from tests/data/sem:  Rscript make_engine_reference.R
# Writes engine/<case>.txt, one `key value value ...` line each (matrices column-major; NA, Inf
# as R writes them; an empty label as "-"); `par` lines are parTable() rows with the start
# values lavaan would use (do.fit = FALSE) and the tightly converged est and se.
suppressPackageStartupMessages(library(lavaan))
options(digits = 17)

hs <- read.csv("HolzingerSwineford1939.csv")
pd <- PoliticalDemocracy
write.csv(pd, "PoliticalDemocracy.csv", row.names = FALSE)
pd <- read.csv("PoliticalDemocracy.csv")

# far tighter than lavaan's default: nlminb stops with a gradient of 3e-7 on HS whatever its
# tolerances (false convergence below rel.tol 1e-10), optim's BFGS reaches 1e-9 (each case's
# `gradient` line records it); nlminb only where a constraint needs it
tight <- list(optim.method = "BFGS", control = list(reltol = 1e-16, maxit = 1e5))

num <- function(x) {
    s <- formatC(as.numeric(x), digits = 17, format = "g")
    s[is.na(x)] <- "NA"
    s[is.infinite(x) & x > 0] <- "Inf"
    s[is.infinite(x) & x < 0] <- "-Inf"
    gsub(" ", "", s)
}
line <- function(con, key, x) writeLines(paste(c(key, x), collapse = " "), con)

write_case <- function(name, fit, start_fit, W = NULL, extra = list(), est_fit = NULL) {
    con <- file(file.path("engine", paste0(name, ".txt")), "w")
    on.exit(close(con))
    pt <- parTable(fit)
    st <- parTable(start_fit)$start
    line(con, "ov", lavNames(fit, "ov"))
    line(con, "lv", if (length(lavNames(fit, "lv"))) lavNames(fit, "lv") else character(0))
    line(con, "nobs", num(lavInspect(fit, "nobs")))
    line(con, "estimator", lavInspect(fit, "options")$estimator)
    line(con, "fmin", num(unclass(fitMeasures(fit, "fmin"))))
    line(con, "iterations", lavInspect(fit, "iterations"))
    line(con, "S", num(lavInspect(fit, "sampstat")$cov))
    line(con, "sigma", num(lavInspect(fit, "implied")$cov))
    line(con, "delta", num(lavInspect(fit, "delta")))
    line(con, "gradient", num(grad_at(fit, lavaan:::lav_model_get_parameters(fit@Model))))
    if (!is.null(W)) line(con, "W", num(W))
    for (k in names(extra)) line(con, k, num(extra[[k]]))
    se <- if (is.null(pt$se)) rep(NA, nrow(pt)) else pt$se
    if (!is.null(est_fit)) { # estimates from another fit of the same rows, no SEs
        pe <- parTable(est_fit)
        pt$est[seq_len(nrow(pe))] <- pe$est
        se[] <- NA
    }
    for (i in seq_len(nrow(pt))) {
        lab <- if (pt$label[i] == "") "-" else pt$label[i]
        plab <- if (pt$plabel[i] == "") "-" else pt$plabel[i]
        lo <- if (is.null(pt$lower)) -Inf else pt$lower[i]
        up <- if (is.null(pt$upper)) Inf else pt$upper[i]
        line(con, "par", c(pt$lhs[i], pt$op[i], pt$rhs[i], pt$user[i], pt$block[i], pt$free[i],
                           num(pt$ustart[i]), pt$exo[i], lab, plab, num(lo), num(up), num(st[i]),
                           num(pt$est[i]), num(se[i])))
    }
}

source("lavaan_polish.R")

run <- function(name, f, model, ..., W = NULL, extra = NULL, opt = tight, est_fit = NULL) {
    fit <- do.call(f, c(list(model, ...), opt))
    stopifnot(lavInspect(fit, "converged"))
    if (is.null(opt$control$rel.tol)) fit <- polish(fit, f, model, ...)
    start_fit <- do.call(f, c(list(model, ...), do.fit = FALSE))
    write_case(name, fit, start_fit, W = W, extra = if (is.null(extra)) list() else extra(fit),
               est_fit = est_fit)
    invisible(fit)
}

hs_model <- " visual =~ x1 + x2 + x3
              textual =~ x4 + x5 + x6
              speed =~ x7 + x8 + x9 "
pd_model <- "
  ind60 =~ x1 + x2 + x3
  dem60 =~ y1 + a*y2 + b*y3 + c*y4
  dem65 =~ y5 + a*y6 + b*y7 + c*y8
  dem65 ~ ind60 + dem60
  dem60 ~ ind60
  y1 ~~ y5
  y2 ~~ y4 + y6
  y3 ~~ y7
  y4 ~~ y8
  y6 ~~ y8 "

run("hs_ml", "cfa", hs_model, data = hs)
run("hs_stdlv", "cfa", hs_model, data = hs, std.lv = TRUE)
run("pd_ml", "sem", pd_model, data = pd)
for (e in c("GLS", "ULS", "DWLS")) {
    fit <- do.call("cfa", c(list(hs_model, data = hs, estimator = e), tight))
    W <- lavInspect(fit, "WLS.V")
    if (e != "GLS") W <- diag(W) # ULS and DWLS: the diagonal
    run(paste0("hs_", tolower(e)), "cfa", hs_model, data = hs, estimator = e, W = W)
}
# an observed-variable regression with fixed.x covariates (exo rows fixed at the sample values,
# regression starts from OLS) and a one-indicator latent
run("pd_reg", "sem", "y1 ~ x1 + x2\n y2 ~ y1 + x1", data = pd)
run("pd_single", "sem", "f =~ y1\n g =~ y2 + y3 + y4\n g ~ f", data = pd)
# a feedback loop (y1 and y2 cause each other; x1, x2 identify it): I - A has no triangular order
run("pd_cycle", "sem", "y1 ~ y2 + x1\n y2 ~ y1 + x2", data = pd)
# an upper bound that binds: lavaan's constrained optimizer (nlminb.constr) stops 5e-8 short of
# it, so the estimates are those of the model with a fixed at the bound
bound_model <- sub("x1 + x2", "x1 + a*x2", paste(hs_model, "\n a < 0.5"), fixed = TRUE)
at_bound <- run("hs_at_bound", "cfa", sub("x1 + x2", "x1 + 0.5*x2", hs_model, fixed = TRUE),
                data = hs)
run("hs_bound", "cfa", bound_model, data = hs, est_fit = at_bound,
    opt = list(control = list(rel.tol = 1e-14, x.tol = 1e-14, eval.max = 1e5, iter.max = 1e5)))

# GenomicSEM's use: sample.cov with its own WLS.V (DWLS: the inverse of V's diagonal) and
# sample.nobs = 2, then the sandwich with the full V; and ML on the same S.
set.seed(18)
S <- cov(hs[, paste0("x", 1:5)])
p <- 5
ps <- p * (p + 1) / 2
Z <- matrix(rnorm(ps * ps), ps) * 0.002
V <- crossprod(Z) + diag(seq(0.001, 0.003, length.out = ps))
one <- " F1 =~ NA*x1 + x2 + x3 + x4 + x5\n F1 ~~ 1*F1 "
Wd <- diag(1 / diag(V))
sandwich <- function(fit) {
    D <- lavInspect(fit, "delta")
    W <- lavInspect(fit, "WLS.V")
    bread <- solve(t(D) %*% W %*% D)
    L <- W %*% D
    list(V = V, sandwich_se = sqrt(diag(bread %*% t(L) %*% V %*% L %*% bread)), WLSV = W)
}
run("gsem_dwls", "lavaan", one, sample.cov = S, sample.nobs = 2, estimator = "DWLS", WLS.V = Wd,
    auto.var = TRUE, W = diag(Wd), extra = sandwich)
run("gsem_ml", "lavaan", one, sample.cov = S, sample.nobs = 200, estimator = "ML",
    auto.var = TRUE, extra = sandwich)
