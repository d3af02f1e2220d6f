# R synthdid 0.0.9 (github synth-inference/synthdid, R CMD INSTALL; dependency mvtnorm from
# Debian) on Prop 99: the three estimates, the weights, and the placebo standard error for
# set.seed(1..20) and 12345, to compare kestrel's placebo SE with R's in distribution (R's RNG
# cannot be reproduced). Run: Rscript tests/data/did/make_reference_synthdid.R
library(synthdid)
df <- read.csv("data/california_prop99.csv")
setup <- panel.matrices(df, unit = "State", time = "Year", outcome = "PacksPerCapita",
                        treatment = "treated")
tau <- synthdid_estimate(setup$Y, setup$N0, setup$T0)
sc <- sc_estimate(setup$Y, setup$N0, setup$T0)
did <- did_estimate(setup$Y, setup$N0, setup$T0)
ses <- sapply(1:20, function(s) { set.seed(s); sqrt(vcov(tau, method = "placebo"))[1, 1] })
set.seed(12345)
se12345 <- sqrt(vcov(tau, method = "placebo"))[1, 1]
w <- attr(tau, "weights")
f <- function(x) sprintf("%.17g", x)
cat(sprintf('{"synthdid": %s, "sc": %s, "did": %s, "zeta_omega": %s,\n',
            f(c(tau)), f(c(sc)), f(c(did)), f(attr(tau, "opts")$zeta.omega)))
cat(sprintf(' "omega": {%s},\n', paste(sprintf('"%s": %s', rownames(setup$Y)[1:setup$N0],
                                                  f(w$omega)), collapse = ", ")))
cat(sprintf(' "lambda": {%s},\n', paste(sprintf('"%s": %s', colnames(setup$Y)[1:setup$T0],
                                                   f(w$lambda)), collapse = ", ")))
cat(sprintf(' "placebo_se_seeds_1_20": [%s], "placebo_se_seed_12345": %s,\n',
            paste(f(ses), collapse = ", "), f(se12345)))
cat(sprintf(' "R": "%s", "synthdid_version": "%s"}\n', R.version.string,
            as.character(packageVersion("synthdid"))))
