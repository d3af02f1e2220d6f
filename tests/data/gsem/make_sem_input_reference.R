# make_sem_input_reference.R -- what GenomicSEM's usermodel() does to the ldsc covstruc before
# lavaan sees it, computed here in plain R (with R Matrix's nearPD) following R/usermodel.R and
# .rearrange in R/utils.R of GenomicSEM commit 123ec96, for tests/c/test_gsem_io.c:
#   1. the traits the model names kept (T2 dropped), S and V in the covstruc's order;
#   2. S and V smoothed where their smallest eigenvalue is <= 0 (a covariance of the kept S and
#      two sampling covariances of V are changed first so that both need it), with the
#      largest change in S, in V and in Z = S / SE as usermodel forms them;
#   3. V permuted to a lavaan order of the observed variables (T4 T1 T5 T3);
#   4. the standardized refit's S_Stand, V_Stand and DWLS weights.
# Run from the repository root: Rscript tests/data/gsem/make_sem_input_reference.R
# Writes tests/data/gsem/sem_input/reference.txt: lines `NAME n v1 v2 ...` (%.17g, matrices
# column-major).
suppressMessages(library(Matrix))
rd <- function(f) as.matrix(read.table(f, header = TRUE, row.names = 1, sep = "\t",
                                       check.names = FALSE))
S <- rd("tests/data/gsem/ref/ldsc_S.tsv")
V <- rd("tests/data/gsem/ref/ldsc_V.tsv")
k <- ncol(S)
traits <- colnames(S)
# V's row names as pairs "a b" (GenomicSEM's expand.grid order: the column-wise lower triangle)
pairs <- unlist(lapply(1:k, function(j) paste(traits[j:k], traits[j])))
dimnames(V) <- list(pairs, pairs)
out <- file("tests/data/gsem/sem_input/reference.txt", "w")
put <- function(name, x) writeLines(paste(c(name, length(x), sprintf("%.17g", as.vector(x))),
                                          collapse = " "), out)
# 1. drop T2
keep <- c("T1", "T3", "T4", "T5")
S_sub <- S[keep, keep]
vkeep <- sapply(strsplit(pairs, " "), function(p) all(p %in% keep))
V_sub <- V[vkeep, vkeep]
put("S_sub", S_sub)
put("V_sub", V_sub)
# 2. smoothing, on versions made not positive definite
Sb <- S_sub; Sb["T1", "T4"] <- Sb["T4", "T1"] <- 0.3
Vb <- V_sub; Vb[1, 2] <- Vb[2, 1] <- 1.4e-4; Vb[5, 8] <- Vb[8, 5] <- -5e-5
put("S_np", Sb)
put("V_np", Vb)
ks <- nrow(Vb); kk <- ncol(Sb)
Ss <- if (eigen(Sb)$values[kk] <= 0) as.matrix(nearPD(Sb, corr = FALSE)$mat) else Sb
Vs <- if (eigen(Vb)$values[ks] <= 0) as.matrix(nearPD(Vb, corr = FALSE)$mat) else Vb
SE_pre <- matrix(0, kk, kk); SE_pre[lower.tri(SE_pre, diag = TRUE)] <- sqrt(diag(Vb))
SE_post <- matrix(0, kk, kk); SE_post[lower.tri(SE_post, diag = TRUE)] <- sqrt(diag(Vs))
Zd <- Sb / SE_pre - Ss / SE_post
Zd[!is.finite(Zd)] <- 0
put("S_smooth", Ss)
put("V_smooth", Vs)
put("diffs", c(max(abs(Ss - Sb)), max(abs(Vs - Vb)), max(Zd)))
# 3. V in lavaan's order T4 T1 T5 T3: each pair's place in the old order, read off a
# symmetric matrix of the old places
lav <- c("T4", "T1", "T5", "T3")
place <- matrix(0, kk, kk, dimnames = list(keep, keep))
place[lower.tri(place, diag = TRUE)] <- seq_len(ks)
place[upper.tri(place)] <- t(place)[upper.tri(place)]
p2 <- place[lav, lav]
ord <- p2[lower.tri(p2, diag = TRUE)]
put("order", ord)
put("S_lav", S_sub[lav, lav])
put("V_lav", V_sub[ord, ord])
# 4. the standardized refit's input, from the smoothed S and V
D <- sqrt(diag(diag(Ss)))
S_Stand <- solve(D) %*% Ss %*% solve(D)
scaleO <- as.vector((S_Stand / Ss)[lower.tri(Ss, diag = TRUE)])
scaleO[is.nan(scaleO)] <- 0
Dl <- sqrt(diag(Vs)) * scaleO
V_stand <- diag(Dl) %*% cov2cor(Vs) %*% diag(Dl)
w <- diag(V_stand); w[w == 0] <- 2e-9
put("S_Stand", S_Stand)
put("V_Stand", V_stand)
put("W_stand", diag(solve(diag(w))))
put("W", diag(solve(diag(diag(Vs)))))
close(out)
