# R GenomicSEM's inputs rebuilt from the committed fixtures, so the R reference scripts and the
# R benchmark need neither munge/ldsc/sumstats nor the shared data:
# - load_covstruc(dir): ldsc()'s list(V, S, I, N, m, V_Stand, S_Stand) from dir/ldsc_*.tsv (%.17g,
#   so the doubles are exact); dimnames as ldsc() sets them (S and S_Stand: column names only).
# - load_snps(file): sumstats()'s data.frame from sumstats_merged_first2000.tsv.gz (17 digits).
load_covstruc <- function(dir) {
  rd <- function(f) unname(as.matrix(read.table(file.path(dir, f), header = TRUE, row.names = 1,
                                                sep = "\t", check.names = FALSE)))
  S <- rd("ldsc_S.tsv")
  traits <- colnames(read.table(file.path(dir, "ldsc_S.tsv"), header = TRUE, row.names = 1,
                                sep = "\t", check.names = FALSE))
  colnames(S) <- traits
  S_Stand <- rd("ldsc_S_Stand.tsv")
  colnames(S_Stand) <- traits
  N <- as.matrix(read.table(file.path(dir, "ldsc_N.tsv"), header = TRUE, sep = "\t"))
  dimnames(N) <- NULL
  list(V = rd("ldsc_V.tsv"), S = S, I = rd("ldsc_I.tsv"), N = N,
       m = as.numeric(readLines(file.path(dir, "ldsc_m.txt"))),
       V_Stand = rd("ldsc_V_Stand.tsv"), S_Stand = S_Stand)
}

load_snps <- function(file) {
  x <- read.table(gzfile(file), header = TRUE, sep = "\t", strip.white = TRUE,
                  stringsAsFactors = FALSE, colClasses = c(SNP = "character", A1 = "character",
                                                           A2 = "character"))
  x
}
