# GenomicSEM's per-SNP GWAS matrices for the first 5 SNPs, taken from inside its own code: a trace
# on .userGWAS_main / .commonfactorGWAS_main records, for each SNP, the matrices it built (the
# function's own locals, at its exit). Written to gwas_intermediates/ (see PROVENANCE.md).
# Run from the repository root (make_genomicsem_tight.sh does):
#   Rscript tests/data/gsem/genomicsem_tight/make_gwas_intermediates.R <patched R library>
args <- commandArgs(trailingOnly = TRUE)
.libPaths(c(args[1], .libPaths()))
suppressPackageStartupMessages(library(GenomicSEM))
here <- "tests/data/gsem/genomicsem_tight"
out <- file.path(here, "gwas_intermediates")
dir.create(out, showWarnings = FALSE)
source(file.path(here, "load_inputs.R"))
LDSC <- load_covstruc("tests/data/gsem/ref")
snps <- load_snps("tests/data/gsem/ref/sumstats_merged_first2000.tsv.gz")[1:5, ]
ns <- asNamespace("GenomicSEM")
quiet <- function(expr) { r <- NULL; capture.output(r <- suppressWarnings(expr)); r }

rec <- new.env()
rec$rows <- list(); rec$order <- list(); rec$case <- ""
# Called at the exit of the per-SNP function (not for the base-model call that returns the lavaan
# object). e is the function's frame.
grab <- function(e, userGWAS) {
  if (isTRUE(get("returnlavmodel", e))) return()
  k <- get("k", e); i <- get("i", e)
  Vn <- if (userGWAS) "V_full" else "V_Full"
  Vr <- if (userGWAS) "V_full_Reorder" else "V_Full_Reorder"
  VS <- get("V_SNP", e)
  raw_V <- ns$.get_V_full(k, get("V_LD", e), get("varSNPSE2", e), VS)
  raw_S <- ns$.get_S_Full(k, get("S_LD", e), get("varSNP", e), get("beta_SNP", e), FALSE, i)
  mats <- list(V_SNP = VS, V_Full = raw_V, V_Full_smoothed = get(Vn, e), V_Full_Reorder = get(Vr, e),
               W = diag(get("W", e)), S_Full = raw_S, S_Full_smoothed = get("S_Fullrun", e))
  if (identical(mats$V_Full_smoothed, raw_V)) mats$V_Full_smoothed <- NULL
  if (isTRUE(all.equal(unname(mats$S_Full_smoothed), unname(raw_S), tolerance = 0))) mats$S_Full_smoothed <- NULL
  for (m in names(mats)) {
    x <- as.matrix(mats[[m]])
    if (m == "W") {
      d <- data.frame(row = seq_along(x), col = seq_along(x), value = as.vector(x))
    } else {
      idx <- which(lower.tri(x, diag = TRUE), arr.ind = TRUE)
      d <- data.frame(row = idx[, 1], col = idx[, 2], value = x[idx])
      d <- d[d$value != 0, ]
    }
    rec$rows[[length(rec$rows) + 1]] <- data.frame(case = rec$case, i = i, matrix = m, d)
  }
  rec$order[[rec$case]] <- get("order", e)
}
trace(".userGWAS_main", where = ns, print = FALSE,
      exit = bquote(.(grab)(environment(), TRUE)))
trace(".commonfactorGWAS_main", where = ns, print = FALSE,
      exit = bquote(.(grab)(environment(), FALSE)))

gm <- "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1\nF1 ~ SNP"
w17 <- function(x, f) {
  x <- as.data.frame(x)
  for (j in seq_along(x)) if (is.numeric(x[[j]])) x[[j]] <- ifelse(is.na(x[[j]]), "NA", sprintf("%.17g", x[[j]]))
  write.table(x, file.path(out, f), sep = "\t", quote = FALSE, row.names = FALSE)
}
ug <- function(case, covstruc, s, ...) {
  rec$case <- case
  r <- do.call(rbind, quiet(userGWAS(covstruc = covstruc, SNPs = s, estimation = "DWLS", model = gm,
                                     parallel = FALSE, Q_SNP = TRUE, ...)))
  r$warning <- NULL
  w17(r, paste0("userGWAS_", case, ".tsv"))
}
for (gc in c("standard", "conserv", "none")) ug(paste0("GC_", gc), LDSC, snps, GC = gc)
ug("fixmeasFALSE", LDSC, snps, fix_measurement = FALSE)

# Forced smoothing. S: SNP 3's betas times 60 make S_Full indefinite (its SNP row implies
# genetic correlations above 1). V: a cross-trait intercept of 1.6 between T1 and T2 makes V_SNP,
# so V_Full, indefinite. Both with smooth_check, so the Z_smooth column is filled.
big <- snps; bc <- grep("beta.", colnames(big), fixed = TRUE); big[3, bc] <- big[3, bc] * 60
ug("smoothS", LDSC, big, smooth_check = TRUE)
badI <- LDSC; badI$I[1, 2] <- badI$I[2, 1] <- 1.6
ug("smoothV", badI, snps, smooth_check = TRUE)
rec$case <- "commonfactorGWAS_smoothS"
cg <- quiet(commonfactorGWAS(covstruc = LDSC, SNPs = big, estimation = "DWLS", parallel = FALSE,
                             smooth_check = TRUE))
cg$warning <- NULL; w17(cg, "commonfactorGWAS_smoothS.tsv")

all <- do.call(rbind, rec$rows)
all$value <- sprintf("%.17g", all$value)
g <- gzfile(file.path(out, "matrices.tsv.gz"), "w")
write.table(all, g, sep = "\t", quote = FALSE, row.names = FALSE); close(g)
ord <- do.call(rbind, lapply(names(rec$order), function(n)
  data.frame(case = n, position = seq_along(rec$order[[n]]), vech_index = rec$order[[n]])))
write.table(ord, file.path(out, "order.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
w17(data.frame(SNP = snps$SNP, varSNP = 2 * snps$MAF * (1 - snps$MAF)), "varSNP.tsv")
print(table(all$case, all$matrix))
