#!/usr/bin/env python3
"""Make data/gsem_sample.txt, the genomic SEM sample `kestrel demo` carries: every 6th SNP of
the simulation in tests/data/gsem (GenomicSEM's fixture, see tests/data/PROVENANCE.md; about
10,000 SNPs) for traits T1, T2, T3 and T5 (binary), as raw GWAS files, the HapMap3-style
reference list, sumstats()'s reference (`reference.snps`) and the LD scores of the 22
chromosomes (with their full M_5_50, so that S estimates the simulation's S). One text file;
each part starts with a line `=== <name>`."""
import gzip
import pathlib

here = pathlib.Path(__file__).resolve().parent
g = here.parent / "tests" / "data" / "gsem" / "sim"
keep = set()
parts = []
for c in range(1, 23):
    lines = gzip.open(g / "ld" / f"{c}.l2.ldscore.gz", "rt").read().splitlines()
    lines = [lines[0]] + lines[1::6]
    keep |= {l.split("\t")[1] for l in lines[1:]}
    parts.append((f"ld/{c}.l2.ldscore.gz", "\n".join(lines) + "\n"))
    parts.append((f"ld/{c}.l2.M_5_50", (g / "ld" / f"{c}.l2.M_5_50").read_text()))
ref = gzip.open(g / "w_hm3.snplist.gz", "rt").read().splitlines()
parts.append(("w_hm3.snplist", "\n".join([ref[0]] + [l for l in ref[1:] if l.split()[0] in keep]) + "\n"))
snps = gzip.open(g / "reference.snps.gz", "rt").read().splitlines()
parts.append(("reference.snps", "\n".join([snps[0]] + [l for l in snps[1:] if l.split()[0] in keep]) + "\n"))
for t in ("T1", "T2", "T3", "T5"):
    raw = gzip.open(g / "raw" / f"{t}.txt.gz", "rt").read().splitlines()
    parts.append((f"{t}.txt", "\n".join([raw[0]] + [l for l in raw[1:] if l.split()[0] in keep]) + "\n"))
with open(here / "gsem_sample.txt", "w") as f:
    for name, text in parts:
        f.write(f"=== {name}\n{text}")
