# How far R GenomicSEM's loose outputs (../genomicsem_ref/, lavaan's default nlminb stop) are from
# the tightly converged ones (this folder): per file, the largest absolute difference of the
# estimates and fit statistics and the largest relative difference of the standard errors.
# Writes loose_vs_tight.tsv here. Run from the repository root.
here <- "tests/data/gsem/genomicsem_tight"
loose <- "tests/data/gsem/genomicsem_ref"
rd <- function(d, f) read.table(file.path(d, f), header = TRUE, sep = "\t", strip.white = TRUE,
                                stringsAsFactors = FALSE, check.names = FALSE)
num <- function(x) suppressWarnings(as.numeric(as.character(x)))
se_cols <- c("Unstand_SE", "STD_Genotype_SE", "Unstandardized_SE", "Standardized_SE", "SE", "se_c")
skip <- c("CHR", "BP", "MAF", "free", "i", "df", "chisq_df", "Q_SNP_df", "Q_df")
files <- setdiff(list.files(here, pattern = "\\.tsv$"), "loose_vs_tight.tsv")
out <- data.frame()
for (f in files) {
  a <- rd(loose, f); b <- rd(here, f)
  stopifnot(identical(dim(a), dim(b)), identical(names(a), names(b)))
  for (j in names(a)) {
    x <- num(a[[j]]); y <- num(b[[j]])
    if (j %in% skip || all(is.na(y))) {
      if (!identical(as.character(a[[j]]), as.character(b[[j]]))) stop(f, ": column ", j, " differs")
      next
    }
    if (!identical(is.na(x), is.na(y))) stop(f, ": NA pattern differs in ", j)
    if (j %in% se_cols) {
      d <- max(abs(x - y) / abs(y), na.rm = TRUE); kind <- "max_rel_diff"
    } else {
      d <- max(abs(x - y), na.rm = TRUE); kind <- "max_abs_diff"
    }
    out <- rbind(out, data.frame(file = f, column = j, measure = kind, value = sprintf("%.3g", d)))
  }
}
write.table(out, file.path(here, "loose_vs_tight.tsv"), sep = "\t", quote = FALSE, row.names = FALSE)
print(out, right = FALSE)
