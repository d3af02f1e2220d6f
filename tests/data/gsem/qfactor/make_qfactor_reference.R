# R GenomicSEM's usermodel(..., Q_Factor = TRUE) on the simulated covstruc: the Q_Factor table of
# the two-factor model (lavaan's default tolerance, as GenomicSEM runs it), for
# tests/c/test_gsem_usermodel.c and tests/python/test_gsem_usermodel.py. Needs R GenomicSEM
# (bench/install_genomicsem.sh). Run from the repository root:
#   Rscript tests/data/gsem/qfactor/make_qfactor_reference.R
suppressPackageStartupMessages({library(GenomicSEM)})
source("tests/data/gsem/genomicsem_tight/load_inputs.R")
LDSC <- load_covstruc("tests/data/gsem/ref")
m2 <- "F1 =~ NA*T1 + T2 + T3\nF2 =~ NA*T4 + T5\nF1 ~~ 1*F1\nF2 ~~ 1*F2\nF1 ~~ F2"
r <- NULL
capture.output(r <- suppressWarnings(usermodel(LDSC, estimation = "DWLS", model = m2,
                                               Q_Factor = TRUE)))
q <- r$Q_Factor
for (j in seq_along(q)) if (is.numeric(q[[j]])) q[[j]] <- sprintf("%.17g", q[[j]])
write.table(q, "tests/data/gsem/qfactor/usermodel_2F_DWLS_Q_Factor.tsv", sep = "\t",
            quote = FALSE, row.names = FALSE)
