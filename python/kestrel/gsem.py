"""kestrel.gsem — genomic SEM, part 1: GenomicSEM's munge() and ldsc(), computed in C.

    >>> from kestrel import gsem
    >>> reports = gsem.munge(["T1.txt.gz", "T2.txt.gz"], "w_hm3.snplist.gz", trait_names=["T1", "T2"])
    >>> fit = gsem.ldsc(["T1.sumstats.gz", "T2.sumstats.gz"], [None, 0.5], [None, 0.1],
    ...                 ld="eur_w_ld_chr", wld="eur_w_ld_chr", trait_names=["T1", "T2"])
    >>> fit.S, fit.V, fit.rg

munge writes `<out_dir>/<trait>.sumstats.gz` (`SNP N Z A1 A2`, the reference list's alleles) and
returns, per file, how many rows each rule removed; ldsc returns S, V, I, N and m as GenomicSEM
does (V in its order: column-wise lower triangle), S_Stand / V_Stand, and each regression's
details.
"""
import os
import pathlib

import numpy as np

from . import _core
from .gsem_bulik import ldsc_h2, ldsc_rg  # bulik/ldsc's --h2 and --rg (gsem_bulik.py)

__all__ = ["munge", "ldsc", "LdscResult", "ldsc_h2", "ldsc_rg"]


def _names(files, trait_names):
    if trait_names is None:
        out = []
        for f in files:
            base = pathlib.Path(f).name
            for suffix in (".gz", ".txt", ".tsv", ".sumstats"):
                if base.endswith(suffix):
                    base = base[: -len(suffix)]
            out.append(base)
        return out
    if len(trait_names) != len(files):
        raise ValueError(f"trait_names: {len(trait_names)} names for {len(files)} files")
    return [str(t).replace(" ", "") for t in trait_names]


def munge(files, hm3, trait_names=None, N=None, info_filter=0.9, maf_filter=0.01,
          column_names=None, out_dir=".", threads=0):
    """GenomicSEM's munge() on each raw GWAS file (plain or gzip, whitespace-delimited).

    files: paths; hm3: the reference list (`SNP A1 A2`, e.g. w_hm3.snplist); trait_names: output
    names (default: the file names); N: one number, or one per file (None: the N column);
    column_names: {"SNP": "MarkerName", "effect": "logOR", ...} for columns GenomicSEM's synonyms
    do not name. The files are read in parallel (threads: 0 = all cores). Returns one report
    dict per file: rows removed by each rule, the columns used, whether the effect was read as
    an odds ratio.
    """
    files = [os.fspath(f) for f in files]
    names = _names(files, trait_names)
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    outs = [os.path.join(os.fspath(out_dir), n + ".sumstats.gz") for n in names]
    cols = None
    if column_names:
        cols = [f"{k}={v}" for k, v in column_names.items()]
    Ns = N if isinstance(N, (list, tuple, np.ndarray)) else [N] * len(files)
    if len(Ns) != len(files):
        raise ValueError(f"N: {len(Ns)} values for {len(files)} files")
    if len(set(Ns)) <= 1:  # one call: the files in parallel
        n0 = 0.0 if Ns[0] is None or (isinstance(Ns[0], float) and np.isnan(Ns[0])) else float(Ns[0])
        reps = _core.gsem_munge(files, outs, os.fspath(hm3), N=n0, info_filter=info_filter,
                                maf_filter=maf_filter, columns=cols, threads=threads)
    else:
        reps = []
        for f, o, n in zip(files, outs, Ns):
            n0 = 0.0 if n is None or (isinstance(n, float) and np.isnan(n)) else float(n)
            reps += _core.gsem_munge([f], [o], os.fspath(hm3), N=n0, info_filter=info_filter,
                                     maf_filter=maf_filter, columns=cols, threads=threads)
    for r, name, o in zip(reps, names, outs):
        r["trait"] = name
        r["output"] = o
    return reps


class LdscResult:
    """GenomicSEM's covstruc: S, V, I, N, m (and S_Stand, V_Stand), with trait names; plus each
    trait's heritability details and each regression's estimate."""

    def __init__(self, d, names):
        self.trait_names = list(names)
        self.S, self.V, self.I, self.N, self.m = d["S"], d["V"], d["I"], d["N"], d["m"]
        self.S_Stand, self.V_Stand = d["S_stand"], d["V_stand"]
        self.details = d
        k = len(names)
        self.pairs = [(names[i], names[j]) for j in range(k) for i in range(j, k)]

    @property
    def rg(self):
        """Genetic correlations (S_Stand), or None when a heritability is not positive."""
        return self.S_Stand

    def se(self, standardized=False):
        """SEs of S (or S_Stand) as a k x k matrix, from the diagonal of V (or V_Stand)."""
        V = self.V_Stand if standardized else self.V
        k = len(self.trait_names)
        out = np.zeros((k, k))
        s = np.sqrt(np.diag(V))
        t = 0
        for j in range(k):
            for i in range(j, k):
                out[i, j] = out[j, i] = s[t]
                t += 1
        return out

    def as_dict(self):
        return {"S": self.S, "V": self.V, "I": self.I, "N": self.N, "m": self.m,
                "S_Stand": self.S_Stand, "V_Stand": self.V_Stand}

    def __repr__(self):
        with np.printoptions(precision=4, suppress=True):
            return (f"LdscResult({len(self.trait_names)} traits {self.trait_names}, m={self.m:g})\n"
                    f"S =\n{self.S}")


def ldsc(traits, sample_prev=None, population_prev=None, ld=None, wld=None, trait_names=None,
         sep_weights=False, chr=22, n_blocks=200, stand=False, select=False, chisq_max=None):
    """GenomicSEM's ldsc() on munged files (`SNP N Z A1 A2`).

    sample_prev / population_prev: one value per trait (None or NaN: no liability conversion);
    ld: the folder of `<chr>.l2.ldscore.gz` and `<chr>.l2.M_5_50`; wld: the weights' folder (used
    with sep_weights=True); select: False, "ODD", "EVEN" or a list of chromosomes; chisq_max:
    None for max(0.001 max N, 80). stand is accepted for GenomicSEM's signature: S_Stand and
    V_Stand are always returned (None when a heritability is not positive).
    """
    del stand
    traits = [os.fspath(t) for t in traits]
    k = len(traits)
    if ld is None:
        raise ValueError("ld: the LD score folder is required")
    wld = ld if wld is None else wld
    sp = [None] * k if sample_prev is None else list(sample_prev)
    pp = [None] * k if population_prev is None else list(population_prev)
    sel = None
    if select is not False and select is not None:
        if isinstance(select, str):
            if select.upper() not in ("ODD", "EVEN"):
                raise ValueError("select: False, 'ODD', 'EVEN' or a list of chromosome numbers")
            sel = list(range(1 if select.upper() == "ODD" else 2, chr + 1, 2))
        else:
            sel = [int(c) for c in select]
    d = _core.gsem_ldsc(traits, sp, pp, os.fspath(ld), os.fspath(wld),
                        sep_weights=bool(sep_weights), chr=int(chr), n_blocks=int(n_blocks),
                        select=sel, chisq_max=0.0 if chisq_max is None else float(chisq_max))
    return LdscResult(d, _names(traits, trait_names))
