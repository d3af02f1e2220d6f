# Reference models from R earth for kestrel's MARS parity tests.
# Usage (from the repository root): Rscript tests/data/mars/make_reference_earth.R
# Writes tests/data/mars/reference_earth.json: for each configuration the call, the forward-pass
# terms (dirs, cuts, names), the selected terms, coefficients, rss / rsq / gcv / grsq (also per
# response), the pruning path (rss and gcv per subset size), termcond and evimp.
suppressMessages({library(earth); library(jsonlite)})
dir <- "tests/data/mars"
fr <- read.csv(file.path(dir, "friedman1_n1000.csv"))
tr <- read.csv(file.path(dir, "trees.csv"))
oz <- read.csv(file.path(dir, "ozone1.csv"))
w_oz <- 1 + (seq_len(nrow(oz)) %% 5) / 4        # deterministic case weights: 1, 1.25, ..., 2
ozb <- cbind(oz, high = as.numeric(oz$O3 >= 15))  # a 0/1 response for the binomial GLM
w_fr <- 0.5 + (seq_len(nrow(fr)) %% 7) / 6

one <- function(label, data, x, y, ..., weights = NULL, family = NULL) {
  yy <- data[, y, drop = FALSE]
  m <- if (is.null(family)) {
         if (is.null(weights)) earth(x = data[, x, drop = FALSE], y = yy, ...)
         else earth(x = data[, x, drop = FALSE], y = yy, weights = weights, ...)
       } else earth(x = data[, x, drop = FALSE], y = yy, glm = list(family = family), ...)
  ev <- evimp(m, trim = FALSE)
  glm <- if (is.null(family)) NULL else
    list(family = family, coefficients = unname(m$glm.coefficients),
         deviance = m$glm.list[[1]]$deviance, null_deviance = m$glm.list[[1]]$null.deviance,
         iterations = m$glm.list[[1]]$iter)
  list(label = label, x = x, y = y, args = list(...), weights = weights,
       nk = m$nk, penalty = m$penalty, thresh = m$thresh, termcond = m$termcond,
       pmethod = m$pmethod,
       term_names = rownames(m$dirs), dirs = unname(m$dirs), cuts = unname(m$cuts),
       selected = m$selected.terms, coefficients = unname(m$coefficients),
       rss = m$rss, rsq = m$rsq, gcv = m$gcv, grsq = m$grsq,
       rss_per_response = m$rss.per.response, rsq_per_response = m$rsq.per.response,
       gcv_per_response = m$gcv.per.response, grsq_per_response = m$grsq.per.response,
       rss_per_subset = m$rss.per.subset, gcv_per_subset = m$gcv.per.subset,
       prune_terms = unname(m$prune.terms),
       glm = glm,
       evimp = list(names = rownames(ev), col = unname(ev[, "col"]), used = unname(ev[, "used"]),
                    nsubsets = unname(ev[, "nsubsets"]), gcv = unname(ev[, "gcv"]),
                    rss = unname(ev[, "rss"])))
}

# every double as its shortest round-trip decimal (jsonlite alone keeps 15 digits)
g17 <- function(v) {
  out <- sprintf("%.15g", v)
  for (d in c(16, 17)) { bad <- as.numeric(out) != v; out[bad] <- sprintf(paste0("%.", d, "g"), v[bad]) }
  out[is.na(v)] <- "null"
  out
}
verbatim <- function(x) {
  if (is.list(x)) return(lapply(x, verbatim))
  if (!is.numeric(x)) return(x)
  if (is.matrix(x))
    return(structure(paste0("[", paste(apply(x, 1, function(r) paste0("[", paste(g17(r), collapse = ","), "]")),
                                       collapse = ","), "]"), class = "json"))
  if (length(x) == 1 && is.null(dim(x))) return(structure(g17(x), class = "json"))
  structure(paste0("[", paste(g17(x), collapse = ","), "]"), class = "json")
}

xf <- paste0("x", 1:10); xo <- setdiff(names(oz), "O3")
refs <- list(
  one("friedman1 degree=1", fr, xf, "y", degree = 1),
  one("friedman1 degree=2", fr, xf, "y", degree = 2),
  one("friedman1 degree=3 nk=31", fr, xf, "y", degree = 3, nk = 31),
  one("friedman1 degree=2 weights", fr, xf, "y", degree = 2, weights = w_fr),
  one("trees degree=1", tr, c("Girth", "Height"), "Volume"),
  one("trees degree=2", tr, c("Girth", "Height"), "Volume", degree = 2),
  one("ozone1 degree=1", oz, xo, "O3"),
  one("ozone1 degree=2", oz, xo, "O3", degree = 2),
  one("ozone1 degree=2 fast.k=0", oz, xo, "O3", degree = 2, fast.k = 0),
  one("ozone1 degree=2 fast.k=5 fast.beta=0", oz, xo, "O3", degree = 2, fast.k = 5, fast.beta = 0),
  one("ozone1 degree=1 pmethod=none", oz, xo, "O3", pmethod = "none"),
  one("ozone1 degree=2 pmethod=exhaustive", oz, xo, "O3", degree = 2, pmethod = "exhaustive"),
  one("ozone1 degree=1 weights", oz, xo, "O3", weights = w_oz),
  one("ozone1 degree=2 weights", oz, xo, "O3", degree = 2, weights = w_oz),
  one("ozone1 degree=2 minspan=5 endspan=10", oz, xo, "O3", degree = 2, minspan = 5, endspan = 10),
  one("ozone1 degree=2 newvar.penalty=0.2", oz, xo, "O3", degree = 2, newvar.penalty = 0.2),
  one("ozone1 degree=2 linpreds=temp,ibt", oz, xo, "O3", degree = 2, linpreds = c("temp", "ibt")),
  one("ozone1 degree=1 Auto.linpreds=FALSE", oz, xo, "O3", Auto.linpreds = FALSE),
  one("ozone1 degree=2 nprune=8", oz, xo, "O3", degree = 2, nprune = 8),
  one("ozone1 degree=2 nk=41 thresh=0.0001 penalty=4", oz, xo, "O3", degree = 2, nk = 41,
      thresh = 0.0001, penalty = 4),
  one("ozone1 multi-response O3,wind degree=2", oz, setdiff(xo, "wind"), c("O3", "wind"),
      degree = 2),
  one("ozone1 binomial O3>=15 degree=1", ozb, xo, "high", family = "binomial"),
  one("ozone1 poisson O3 degree=1", oz, xo, "O3", family = "poisson")
)
writeLines(toJSON(list(
  generator = "tests/data/mars/make_reference_earth.R",
  r_version = R.version.string, earth_version = as.character(packageVersion("earth")),
  models = verbatim(refs)), auto_unbox = TRUE, json_verbatim = TRUE, null = "null", na = "null"),
  file.path(dir, "reference_earth.json"))
