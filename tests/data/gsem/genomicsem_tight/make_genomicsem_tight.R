# R GenomicSEM's outputs on the simulated fixture, converged tightly: the same calls as the
# script that made the loose outputs in ../genomicsem_ref/ (tests/data/PROVENANCE.md says which),
# run with a GenomicSEM whose lavaan fits use BFGS with reltol = 1e-16 (constrained models: nlminb
# with rel.tol = 1e-15; the patch tight_control.patch; GenomicSEM otherwise leaves lavaan's nlminb at
# rel.tol = 1e-10). Inputs are the
# committed ldsc matrices and the first SNPs of sumstats() (../ref/), read back exactly.
# Run from the repository root (make_genomicsem_tight.sh installs the patched copy first):
#   Rscript tests/data/gsem/genomicsem_tight/make_genomicsem_tight.R <patched R library>
args <- commandArgs(trailingOnly = TRUE)
.libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages({library(GenomicSEM); library(lavaan)})
stopifnot(exists(".gsem_tight_control", envir = asNamespace("GenomicSEM")))
here <- "tests/data/gsem/genomicsem_tight"
source(file.path(here, "load_inputs.R"))
LDSC <- load_covstruc("tests/data/gsem/ref")
SS <- load_snps("tests/data/gsem/ref/sumstats_merged_first2000.tsv.gz")

w17 <- function(x, f) {
  x <- as.data.frame(x)
  for (j in seq_along(x)) {
    v <- x[[j]]
    if (is.numeric(v)) x[[j]] <- ifelse(is.na(v), "NA", sprintf("%.17g", v))
  }
  write.table(x, file.path(here, f), sep = "\t", quote = FALSE, row.names = FALSE)
}
quiet <- function(expr) { r <- NULL; capture.output(r <- suppressWarnings(expr)); r }

one <- "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1"
for (est in c("DWLS", "ML")) {
  cf <- quiet(commonfactor(LDSC, estimation = est))
  w17(cf$modelfit, paste0("commonfactor_", est, "_modelfit.tsv"))
  w17(cf$results, paste0("commonfactor_", est, "_results.tsv"))
  um <- quiet(usermodel(LDSC, estimation = est, model = one))
  w17(um$modelfit, paste0("usermodel_1F_", est, "_modelfit.tsv"))
  w17(um$results, paste0("usermodel_1F_", est, "_results.tsv"))
}
m2 <- "F1 =~ NA*T1 + T2 + T3\nF2 =~ NA*T4 + T5\nF1 ~~ 1*F1\nF2 ~~ 1*F2\nF1 ~~ F2\nT1 ~~ a*T1\na > .001"
um <- quiet(usermodel(LDSC, estimation = "DWLS", model = m2))
w17(um$modelfit, "usermodel_2F_DWLS_modelfit.tsv"); w17(um$results, "usermodel_2F_DWLS_results.tsv")
m3 <- "F1 =~ NA*T1 + l2*T2 + l3*T3 + T4 + T5\nF1 ~~ 1*F1\nind := l2*l3"
um <- quiet(usermodel(LDSC, estimation = "DWLS", model = m3))
w17(um$modelfit, "usermodel_1F_defined_DWLS_modelfit.tsv"); w17(um$results, "usermodel_1F_defined_DWLS_results.tsv")

gm <- paste0(one, "\nF1 ~ SNP"); sub <- SS[1:200, ]
UG <- quiet(userGWAS(covstruc = LDSC, SNPs = sub, estimation = "DWLS", model = gm, parallel = FALSE,
                     sub = c("F1~SNP"), Q_SNP = TRUE))[[1]]
UG$warning <- NULL; w17(UG, "userGWAS_F1~SNP_first200.tsv")
UGf <- do.call(rbind, quiet(userGWAS(covstruc = LDSC, SNPs = sub[1:50, ], estimation = "DWLS", model = gm,
                                     parallel = FALSE, Q_SNP = TRUE, fix_measurement = FALSE)))
UGf$warning <- NULL; w17(UGf, "userGWAS_fixmeasFALSE_first50_allparams.tsv")
CG <- quiet(commonfactorGWAS(covstruc = LDSC, SNPs = sub, estimation = "DWLS", parallel = FALSE))
CG$warning <- NULL; w17(CG, "commonfactorGWAS_first200.tsv")
