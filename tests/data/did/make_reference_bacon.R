# R bacondecomp (github evanjflack/bacondecomp, commit ec99dd0, 2021-09-14) on castle, mpdta and
# bench_small/staggered_small.csv: every 2x2 comparison's estimate and weight, printed as JSON.
# bacondecomp depends on fixest only for the 2x2 fits, feols(outcome ~ treated | time + id);
# fixest is not installable here, so its source file is read and that one call is replaced by
# base R's lm(outcome ~ treated + factor(time) + factor(id)) (the same coefficient, FWL).
# Run: Rscript tests/data/did/make_reference_bacon.R /path/to/bacondecomp-source > reference_r_bacon.json
args <- commandArgs(trailingOnly = TRUE)
src <- readLines(file.path(args[1], "R", "bacon.R"))
i <- grep("fixest::feols(outcome ~ treated | time + id,", src, fixed = TRUE)
stopifnot(length(i) == 1)
src[i] <- sub("fixest::feols(outcome ~ treated | time + id,",
              "stats::lm(outcome ~ treated + factor(time) + factor(id),", src[i], fixed = TRUE)
src[i + 2] <- sub("$coefficients[1]", "$coefficients[[\"treated\"]]", src[i + 2], fixed = TRUE)
eval(parse(text = src))
load(file.path(args[1], "data", "castle.rda"))
# the first year with post == 1 (as bacondecomp times treatment; Alaska and Arizona have
# treatment_date 2005 but post 0 in 2005)
first <- tapply(ifelse(castle$post == 1, castle$year, Inf), castle$state, min)
castle$first_treat <- ifelse(is.finite(first[castle$state]), first[castle$state], 0)
write.csv(castle[, c("state", "year", "l_homicide", "post", "first_treat")],
          "tests/data/did/castle.csv", row.names = FALSE)
mpdta <- read.csv("tests/data/did/mpdta.csv")
mpdta$D <- as.integer(mpdta$first.treat > 0 & mpdta$year >= mpdta$first.treat)
mpdta <- mpdta[, c("countyreal", "year", "lemp", "D")]
st <- read.csv("tests/data/did/staggered_small.csv")
st$D <- as.integer(st$first_treat > 0 & st$time >= st$first_treat)
st <- st[, c("unit", "time", "outcome", "D")]
f <- function(x) ifelse(is.finite(x), sprintf("%.17g", x), "null")  # null: never treated
one <- function(name, r) {
  rows <- sprintf('{"treated": %s, "untreated": %s, "type": "%s", "estimate": %s, "weight": %s}',
                  f(as.numeric(r$treated)), f(as.numeric(r$untreated)), r$type, f(r$estimate),
                  f(r$weight))
  sprintf('"%s": [%s]', name, paste(rows, collapse = ",\n  "))
}
out <- c(
  one("castle", bacon(l_homicide ~ post, castle, "state", "year", quietly = TRUE)),
  one("mpdta", bacon(lemp ~ D, mpdta, "countyreal", "year", quietly = TRUE)),
  one("staggered_small", bacon(outcome ~ D, st, "unit", "time", quietly = TRUE)))
cat("{", paste(out, collapse = ",\n"), sprintf(',\n"R": "%s"}\n', R.version.string))
