# R GenomicSEM as the benchmark peer of kestrel's usermodel / commonfactor / userGWAS /
# commonfactorGWAS: times each on a SNP subset and prints one TSV line per call on stdout
# (function, options, n_snps, seconds, cpu_seconds, seconds_per_snp, marginal_seconds_per_snp);
# GenomicSEM's own chatter is suppressed. seconds is wall time, cpu_seconds user+system of this R
# process (steadier on a shared machine; parallel workers are not counted). A GWAS call also has a
# fixed setup (measurement-model and base fits): marginal_seconds_per_snp = (t(n) - t(1)) / (n - 1)
# from a second, 1-SNP run, which is the per-SNP cost to compare. Needs R GenomicSEM (bench/install_genomicsem.sh). Run from the repository root:
#   Rscript bench/gsem_sem_peer.R [key=value ...]
# keys (defaults):
#   ldsc=tests/data/gsem/ref            folder with ldsc_{S,V,I,N,S_Stand,V_Stand}.tsv, ldsc_m.txt
#   snps=tests/data/gsem/ref/sumstats_merged_first2000.tsv.gz   sumstats() output as TSV(.gz)
#   n=200                               first n SNPs of snps
#   what=usermodel,commonfactor,userGWAS,userGWAS_free,commonfactorGWAS
#                                       userGWAS: fix_measurement=TRUE, Q_SNP=TRUE, sub=F1~SNP;
#                                       userGWAS_free: fix_measurement=FALSE
#   model=                              lavaan syntax for userGWAS/usermodel ("\n" allowed); default
#                                       the one-factor model on every trait (+ F1 ~ SNP for GWAS)
#   estimation=DWLS  GC=standard  cores=1 (1: parallel=FALSE, serial as in the references)
#   repeat=3                            usermodel/commonfactor: the median of this many runs
#   lib=                                R library to load GenomicSEM from first
args <- commandArgs(trailingOnly = TRUE)
opt <- list(ldsc = "tests/data/gsem/ref", snps = "tests/data/gsem/ref/sumstats_merged_first2000.tsv.gz",
            n = "200", what = "usermodel,commonfactor,userGWAS,userGWAS_free,commonfactorGWAS",
            model = "", estimation = "DWLS", GC = "standard", cores = "1", `repeat` = "3", lib = "")
for (a in args) {
  kv <- regmatches(a, regexpr("=", a), invert = TRUE)[[1]]
  if (length(kv) != 2 || !(kv[1] %in% names(opt))) stop("unknown argument: ", a)
  opt[[kv[1]]] <- kv[2]
}
if (nzchar(opt$lib)) .libPaths(c(opt$lib, .libPaths()))
suppressPackageStartupMessages(library(GenomicSEM))
script_dir <- dirname(sub("^--file=", "", grep("^--file=", commandArgs(FALSE), value = TRUE)[1]))
source(file.path(script_dir, "..", "tests", "data", "gsem", "genomicsem_tight", "load_inputs.R"))
LDSC <- load_covstruc(opt$ldsc)
n <- as.integer(opt$n)
snps <- load_snps(opt$snps)
if (n > nrow(snps)) stop("n=", n, " but ", opt$snps, " has ", nrow(snps), " SNPs")
snps <- snps[seq_len(n), ]
traits <- colnames(LDSC$S)
model <- gsub("\\n", "\n", opt$model, fixed = TRUE)
if (!nzchar(model)) model <- paste0("F1 =~ NA*", paste(traits, collapse = " + "), "\nF1 ~~ 1*F1")
gwas_model <- if (grepl("SNP", model)) model else paste0(model, "\nF1 ~ SNP")
cores <- as.integer(opt$cores)
par <- list(parallel = cores > 1, cores = if (cores > 1) cores else NULL)

quiet <- function(expr) { capture.output(r <- suppressWarnings(expr)); r }
cpu <- function(p) p[["user.self"]] + p[["sys.self"]]
timed <- function(f) {
  t0 <- proc.time(); f(); t1 <- proc.time()
  c(wall = t1[["elapsed"]] - t0[["elapsed"]], cpu = cpu(t1) - cpu(t0))
}
# a GWAS call timed on the n SNPs and on the first one
timed_gwas <- function(f) {
  t <- timed(function() f(snps))
  t1 <- if (n > 1) timed(function() f(snps[1, , drop = FALSE]))[["wall"]] else NA
  c(t, marginal = if (n > 1) (t[["wall"]] - t1) / (n - 1) else NA)
}
report <- function(fun, options, n_snps, t) {
  f <- function(x) if (is.na(x)) "NA" else sprintf("%.6f", x)
  cat(sprintf("%s\t%s\t%d\t%.4f\t%.4f\t%s\t%s\n", fun, options, n_snps, t[["wall"]], t[["cpu"]],
              if (n_snps > 0) f(t[["wall"]] / n_snps) else "NA",
              if ("marginal" %in% names(t)) f(t[["marginal"]]) else "NA"))
}
cat("function\toptions\tn_snps\tseconds\tcpu_seconds\tseconds_per_snp\tmarginal_seconds_per_snp\n")
est <- opt$estimation
for (w in strsplit(opt$what, ",")[[1]]) {
  if (w == "usermodel" || w == "commonfactor") {
    f <- if (w == "usermodel") function() quiet(usermodel(LDSC, estimation = est, model = model))
         else function() quiet(commonfactor(LDSC, estimation = est))
    t <- vapply(seq_len(as.integer(opt$`repeat`)), function(r) timed(f), c(wall = 0, cpu = 0))
    report(w, paste0("estimation=", est), 0, apply(t, 1, median))
  } else if (w == "userGWAS" || w == "userGWAS_free") {
    fm <- w == "userGWAS"
    t <- timed_gwas(function(x) quiet(do.call(userGWAS, c(list(
      covstruc = LDSC, SNPs = x, estimation = est, model = gwas_model, GC = opt$GC,
      Q_SNP = TRUE, fix_measurement = fm, sub = if (fm) c("F1~SNP") else FALSE), par))))
    report("userGWAS", sprintf("estimation=%s,fix_measurement=%s,GC=%s,cores=%d", est, fm, opt$GC, cores), n, t)
  } else if (w == "commonfactorGWAS") {
    t <- timed_gwas(function(x) quiet(do.call(commonfactorGWAS, c(list(
      covstruc = LDSC, SNPs = x, estimation = est, GC = opt$GC), par))))
    report(w, sprintf("estimation=%s,GC=%s,cores=%d", est, opt$GC, cores), n, t)
  } else {
    stop("unknown function in what=: ", w)
  }
}
