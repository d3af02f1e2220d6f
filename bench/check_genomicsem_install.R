# Checks an R GenomicSEM install (bench/install_genomicsem.sh) against the committed references:
# reruns usermodel (1F, DWLS) and commonfactor (DWLS) on the committed ldsc matrices and prints the
# largest differences from tests/data/gsem/genomicsem_ref/. Run from the repository root:
#   Rscript bench/check_genomicsem_install.R [R library]
args <- commandArgs(trailingOnly = TRUE)
if (length(args) > 0) .libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages(library(GenomicSEM))
source("tests/data/gsem/genomicsem_tight/load_inputs.R")
LDSC <- load_covstruc("tests/data/gsem/ref")
ref <- "tests/data/gsem/genomicsem_ref"
rd <- function(f) read.table(file.path(ref, f), header = TRUE, sep = "\t", strip.white = TRUE,
                             stringsAsFactors = FALSE)
num <- function(x) suppressWarnings(as.numeric(as.character(x)))
cmp <- function(what, got, want) {
  d <- c()
  for (j in names(want)) {
    a <- num(got[[j]]); b <- num(want[[j]])
    if (all(is.na(b))) next
    stopifnot(identical(is.na(a), is.na(b)))
    d[j] <- max(abs(a - b), na.rm = TRUE)
  }
  cat(sprintf("%-28s max abs diff %-10.3g (%s)\n", what, max(d), names(which.max(d))))
  invisible(max(d))
}
one <- "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1"
r <- capture.output(um <- usermodel(LDSC, estimation = "DWLS", model = one))
cmp("usermodel 1F DWLS results", um$results, rd("usermodel_1F_DWLS_results.tsv"))
cmp("usermodel 1F DWLS modelfit", um$modelfit, rd("usermodel_1F_DWLS_modelfit.tsv"))
r <- capture.output(cf <- commonfactor(LDSC, estimation = "DWLS"))
cmp("commonfactor DWLS results", cf$results, rd("commonfactor_DWLS_results.tsv"))
cmp("commonfactor DWLS modelfit", cf$modelfit, rd("commonfactor_DWLS_modelfit.tsv"))
