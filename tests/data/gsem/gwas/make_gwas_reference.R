## The GWAS machinery's references (tests/c/test_gwas.c), computed here from the formulas of
## GenomicSEM's R/utils.R (.get_S_Full, .get_V_SNP, .get_V_full; notes sec. 1.8) written anew in
## matrix form, on R GenomicSEM's own ldsc() and sumstats() outputs in ../ref/.
## Usage (R 4.2.2, base R only):  cd tests/data/gsem/gwas && Rscript make_gwas_reference.R
rd <- function(f) as.matrix(read.table(file.path("..", "ref", f), header = TRUE, sep = "\t",
                                       row.names = 1, check.names = FALSE))
S <- rd("ldsc_S.tsv"); I <- rd("ldsc_I.tsv"); V <- rd("ldsc_V.tsv")
ss <- read.table(gzfile("../ref/sumstats_merged_first2000.tsv.gz"), header = TRUE, sep = "\t",
                 check.names = FALSE, colClasses = c(SNP = "character", A1 = "character", A2 = "character"))
k <- ncol(S); traits <- colnames(S)
B <- as.matrix(ss[, paste0("beta.", traits)]); SE <- as.matrix(ss[, paste0("se.", traits)])
diag(I) <- pmax(diag(I), 1)  # intercepts below 1 count as 1
snpse2 <- 0.0005^2
assemble <- function(i, gc) {
  v <- 2 * ss$MAF[i] * (1 - ss$MAF[i])
  f <- switch(gc, standard = sqrt(diag(I)), conserv = diag(I), none = rep(1, k))
  d <- SE[i, ] * f * v                       # V_SNP = diag(d) R diag(d), R = I with a unit diagonal
  R <- I; diag(R) <- 1
  VS <- outer(d, d) * R
  SF <- rbind(c(v, v * B[i, ]), cbind(v * B[i, ], S))
  kf <- (k + 1) * (k + 2) / 2
  VF <- matrix(0, kf, kf); VF[1, 1] <- snpse2
  VF[2:(k + 1), 2:(k + 1)] <- VS; VF[(k + 2):kf, (k + 2):kf] <- V
  list(SF = SF, VF = VF, VS = VS, v = v)
}
g17 <- function(x) sprintf("%.17g", x)
snps <- c(1, 2, 777, 2000)
out <- NULL
for (gc in c("standard", "conserv", "none")) for (i in snps) {
  a <- assemble(i, gc)
  for (m in c("S_Full", "V_Full")) {
    M <- if (m == "S_Full") a$SF else a$VF
    idx <- which(lower.tri(M, diag = TRUE) | upper.tri(M), arr.ind = TRUE)
    out <- rbind(out, data.frame(gc = gc, snp = i, matrix = m, row = idx[, 1], col = idx[, 2],
                                 value = g17(M[idx])))
  }
}
g <- gzfile("assembly_reference.tsv.gz", "w")
write.table(out, g, sep = "\t", quote = FALSE, row.names = FALSE); close(g)

## The closed-form GLS (notes sec. 1.8 "Measured equivalences") of the first 200 SNPs with the
## loadings of R's usermodel(F1 =~ NA*T1 + ... + T5; F1 ~~ 1*F1, DWLS), GC standard:
## b = (X' D^-1 X)^-1 X' D^-1 s, X = varSNP lambda, D = diag(V_SNP), s = the SNP-trait
## covariances, SE from the sandwich with V_SNP, Q_SNP = eta' V_SNP^-1 eta, eta = s - X b.
um <- read.table("../ref/usermodel_1F_DWLS_results.tsv", header = TRUE, sep = "\t")
lam <- um$Unstand_Est[um$op == "=~"]
gls <- NULL
for (i in 1:200) {
  a <- assemble(i, "standard"); s <- a$SF[-1, 1]; X <- a$v * lam; Dinv <- 1 / diag(a$VS)
  A <- sum(X * Dinv * X); b <- sum(X * Dinv * s) / A
  G <- X * Dinv / A; se <- sqrt(drop(t(G) %*% a$VS %*% G))
  eta <- s - X * b; q <- drop(t(eta) %*% solve(a$VS, eta))
  gls <- rbind(gls, data.frame(SNP = ss$SNP[i], est = g17(b), se = g17(se), Q_SNP = g17(q)))
}
write.table(gls, "gls_reference.tsv", sep = "\t", quote = FALSE, row.names = FALSE)
