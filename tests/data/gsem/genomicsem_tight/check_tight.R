# Convergence checks of the tight references (printed; quoted in tests/data/PROVENANCE.md): plain
# lavaan fits of two of the problems from lavaan's default starting values with the patch's optimizer
# settings (BFGS, reltol 1e-16), their largest gradient element, their distance from the files, and
# the length of one Gauss-Newton step from there (the distance to the DWLS optimum, to first order).
# Run from the repository root: Rscript tests/data/gsem/genomicsem_tight/check_tight.R <patched lib>
args <- commandArgs(trailingOnly = TRUE)
.libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages({library(GenomicSEM); library(lavaan)})
here <- "tests/data/gsem/genomicsem_tight"
source(file.path(here, "load_inputs.R"))
LDSC <- load_covstruc("tests/data/gsem/ref")
sub <- load_snps("tests/data/gsem/ref/sumstats_merged_first2000.tsv.gz")[1:50, ]
one <- "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1"
gm <- paste0(one, "\nF1 ~ SNP")
UGf <- read.table(file.path(here, "userGWAS_fixmeasFALSE_first50_allparams.tsv"), header = TRUE, sep = "\t")
gn_step <- function(fit, S, W) {
  ov <- lavNames(fit); d <- lavInspect(fit, "delta")
  r <- lav_matrix_vech(S[ov, ov]) - lav_matrix_vech(fitted(fit)$cov)
  max(abs(solve(t(d) %*% W %*% d, t(d) %*% W %*% r)))
}
ctl <- get(".gsem_tight_control", envir = asNamespace("GenomicSEM"))
S <- LDSC$S; rownames(S) <- colnames(S)
W <- diag(1 / diag(LDSC$V))  # the 1F model keeps GenomicSEM's trait order (.rearrange is identity)
fit <- sem(one, sample.cov = S, estimator = "DWLS", WLS.V = W, sample.nobs = 2, se = "standard",
           control = ctl, optim.method = "BFGS")
pe <- parTable(fit); pe <- pe[pe$free > 0, ]
um1 <- read.table(file.path(here, "usermodel_1F_DWLS_results.tsv"), header = TRUE, sep = "\t")
cat(sprintf("check usermodel 1F DWLS: max|gradient| %.3g, Gauss-Newton step %.3g, max|est - usermodel| %.3g\n",
            max(abs(lavInspect(fit, "optim.gradient"))), gn_step(fit, S, W),
            max(abs(pe$est - um1$Unstand_Est[seq_len(nrow(pe))]))))
ns <- asNamespace("GenomicSEM")
I <- LDSC$I; diag(I) <- pmax(diag(I), 1)
be <- sub[1, grep("beta.", colnames(sub), fixed = TRUE)]; se <- sub[1, grep("se.", colnames(sub), fixed = TRUE)]
vs <- 2 * sub$MAF[1] * (1 - sub$MAF[1])
VS <- ns$.get_V_SNP(se, I, vs, "standard", which(I != "NA", arr.ind = TRUE), 5, 1)
VF <- ns$.get_V_full(5, LDSC$V, .0005^2, VS)
SF <- ns$.get_S_Full(5, LDSC$S, vs, be, FALSE, 1)
dummy <- sem(gm, sample.cov = SF, estimator = "DWLS", WLS.V = diag(21), sample.nobs = 2,
             control = list(iter.max = 1), optim.force.converged = TRUE, warn = FALSE)
o <- ns$.rearrange(6, dummy, rownames(SF))
WF <- diag(1 / diag(VF[o, o]))
fit <- sem(gm, sample.cov = SF, estimator = "DWLS", WLS.V = WF, sample.nobs = 2,
           se = "standard", control = ctl, optim.method = "BFGS")
pe <- parTable(fit); pe <- pe[pe$free > 0, ]
f1 <- UGf[UGf$SNP == sub$SNP[1] & UGf$free > 0, ]
cat(sprintf("check userGWAS fix_measurement=FALSE SNP 1: max|gradient| %.3g, Gauss-Newton step %.3g, max|est - userGWAS| %.3g\n",
            max(abs(lavInspect(fit, "optim.gradient"))), gn_step(fit, SF, WF),
            max(abs(pe$est[order(pe$free)] - f1$est[order(f1$free)]))))
