# make_syntax_reference.R: lavaan's own parse of each model in syntax/*.lav, the reference for
# kestrel's model-syntax parser (tests/c/test_sem.c). Run from this folder:
#   Rscript make_syntax_reference.R
# Writes syntax_flat.tsv (lavParseModelString's flat table: one row per model element) and
# syntax_constraints.tsv (its "constraints" attribute: ==, <, >, := with their text).
suppressPackageStartupMessages(library(lavaan))
files <- sort(list.files("syntax", pattern = "\\.lav$"))
flat_all <- list()
con_all <- list()
for (f in files) {
  txt <- paste(readLines(file.path("syntax", f), warn = FALSE), collapse = "\n")
  flat <- lavParseModelString(txt, as.data.frame. = TRUE)
  model <- sub("\\.lav$", "", f)
  flat_all[[f]] <- data.frame(model = model, lhs = flat$lhs, op = flat$op, rhs = flat$rhs,
                              block = flat$block, fixed = flat$fixed, start = flat$start,
                              lower = flat$lower, upper = flat$upper, label = flat$label)
  con <- attr(flat, "constraints")
  if (length(con) > 0)
    con_all[[f]] <- data.frame(model = model, lhs = sapply(con, `[[`, "lhs"),
                               op = sapply(con, `[[`, "op"), rhs = sapply(con, `[[`, "rhs"))
}
w <- function(x, path) write.table(do.call(rbind, x), path, sep = "\t", quote = FALSE,
                                   row.names = FALSE, na = "NA")
w(flat_all, "syntax_flat.tsv")
w(con_all, "syntax_constraints.tsv")
cat(R.version.string, "lavaan", as.character(packageVersion("lavaan")), "\n")
