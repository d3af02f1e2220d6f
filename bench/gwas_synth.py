"""Synthetic SNP table for the GWAS machinery's benchmark (bench/gwas_machinery.c): the columns
ks_gsem_sumstats_write writes (SNP CHR BP MAF A1 A2, then beta.T<i> se.T<i>, numbers as %.17g),
n SNPs x k traits from a one-factor model. Not committed: written where asked.

    python3 bench/gwas_synth.py OUT.tsv[.gz] [--snps 1000000] [--traits 5] [--seed 1]
"""
import argparse
import gzip

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--snps", type=int, default=1_000_000)
    ap.add_argument("--traits", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    rng = np.random.default_rng(a.seed)
    n, k = a.snps, a.traits
    maf = rng.uniform(0.01, 0.5, n)
    N = rng.uniform(5e4, 2e5, k)
    se = 1.0 / np.sqrt(N[None, :] * (2 * maf * (1 - maf))[:, None])
    lam = rng.uniform(0.3, 0.8, k)
    b = rng.normal(0, 0.002, n)
    beta = b[:, None] * lam[None, :] + rng.normal(0, 1, (n, k)) * se
    chrom = np.sort(rng.integers(1, 23, n))
    bp = np.arange(1, n + 1) * 1000
    alleles = np.array(list("ACGT"))
    a1 = alleles[rng.integers(0, 4, n)]
    a2 = alleles[(np.searchsorted(alleles, a1) + rng.integers(1, 4, n)) % 4]
    cols = ["SNP", "CHR", "BP", "MAF", "A1", "A2"]
    for t in range(k):
        cols += [f"beta.T{t + 1}", f"se.T{t + 1}"]
    opener = gzip.open if a.out.endswith(".gz") else open
    step = 100_000
    with opener(a.out, "wt") as f:
        f.write("\t".join(cols) + "\n")
        for s in range(0, n, step):
            e = min(n, s + step)
            parts = [np.char.add("rs", np.arange(s + 1, e + 1).astype(str)), chrom[s:e].astype(str),
                     bp[s:e].astype(str), np.char.mod("%.17g", maf[s:e]), a1[s:e], a2[s:e]]
            for t in range(k):
                parts += [np.char.mod("%.17g", beta[s:e, t]), np.char.mod("%.17g", se[s:e, t])]
            rows = parts[0]
            for p in parts[1:]:
                rows = np.char.add(np.char.add(rows, "\t"), p)
            f.write("\n".join(rows.tolist()) + "\n")


if __name__ == "__main__":
    main()
