# The SNP list of R GenomicSEM's sumstats() on sim/ (the shared fixture's call), written here as
# sumstats_snps_R.txt.gz. Run from tests/data/gsem: Rscript ref/make_sumstats_snps_R.R
suppressMessages(library(GenomicSEM))
traits <- paste0("T", 1:5)
SS <- sumstats(files = file.path("sim", "raw", paste0(traits, ".txt.gz")),
               ref = file.path("sim", "reference.snps.gz"), trait.names = traits,
               se.logit = c(F, F, F, F, T), OLS = c(T, T, T, T, F), info.filter = .6,
               maf.filter = .01)
g <- gzfile(file.path("ref", "sumstats_snps_R.txt.gz"), "w")
writeLines(c("SNP", SS$SNP), g)
close(g)
