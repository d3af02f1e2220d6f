"""kestrel.gsem — genomic SEM, part 1: GenomicSEM's munge() and ldsc(), computed in C.

    >>> from kestrel import gsem
    >>> reports = gsem.munge(["T1.txt.gz", "T2.txt.gz"], "w_hm3.snplist.gz", trait_names=["T1", "T2"])
    >>> fit = gsem.ldsc(["T1.sumstats.gz", "T2.sumstats.gz"], [None, 0.5], [None, 0.1],
    ...                 ld="eur_w_ld_chr", wld="eur_w_ld_chr", trait_names=["T1", "T2"])
    >>> fit.S, fit.V, fit.rg
    >>> snps = gsem.sumstats(["T1.txt.gz", "T2.txt.gz"], "reference.1000G.maf.0.005.txt",
    ...                      trait_names=["T1", "T2"], se_logit=[False, False], OLS=[True, True])

munge writes `<out_dir>/<trait>.sumstats.gz` (`SNP N Z A1 A2`, the reference list's alleles) and
returns, per file, how many rows each rule removed; ldsc returns S, V, I, N and m as GenomicSEM
does (V in its order: column-wise lower triangle), S_Stand / V_Stand, and each regression's
details; sumstats returns the SNP-level table (the reference's columns, then beta.<trait> and
se.<trait>) that the multivariate GWAS reads.
"""
import os
import pathlib

import numpy as np

from _kestrel import _core
from _kestrel import validate
from _kestrel.results import Results
from _kestrel.summary import Summary
from _kestrel.gsem_h2rg import ldsc_h2, ldsc_rg  # bulik/ldsc's --h2 and --rg (gsem_h2rg.py)
from _kestrel.gsem_usermodel import usermodel, commonfactor, UsermodelResult
from _kestrel.gsem_gwas import GwasResult, SumstatsHandle, commonfactorGWAS, userGWAS  # gsem_gwas.py

__all__ = ["munge", "ldsc", "LdscResult", "load_ldsc", "covstruc", "sumstats", "ldsc_h2",
           "ldsc_rg", "usermodel", "commonfactor", "UsermodelResult", "userGWAS",
           "commonfactorGWAS", "GwasResult"]


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


_LDSC_DEFAULTS = {"merge_alleles": None, "N_cas": None, "N_con": None, "n_min": None,
                  "nstudy_min": None, "signed_sumstats": None, "a1_inc": False, "daner": False,
                  "daner_n": False, "keep_maf": False, "no_alleles": False, "ignore": None,
                  "decimals": 3}


def _munge_ldsc(files, outs, merge, Ns, info_filter, maf_filter, cols, threads, kw):
    """munge_sumstats.py's rules (mode="ldsc"): one C call per distinct N."""
    num = {k: 0.0 if kw[k] is None else float(kw[k])
           for k in ("N_cas", "N_con", "n_min", "nstudy_min")}
    ignore = kw["ignore"]
    if isinstance(ignore, str):
        ignore = ignore.split(",")
    opts = dict(info_min=info_filter, maf_min=maf_filter, columns=cols,
                signed_sumstats=kw["signed_sumstats"], a1_inc=bool(kw["a1_inc"]),
                daner=bool(kw["daner"]), daner_n=bool(kw["daner_n"]),
                keep_maf=bool(kw["keep_maf"]), no_alleles=bool(kw["no_alleles"]),
                ignore=None if ignore is None else [str(i) for i in ignore],
                decimals=int(kw["decimals"]), threads=threads, **num)
    if len(set(Ns)) <= 1:
        return _core.gsem_munge_ldsc(files, outs, merge, N=Ns[0], **opts)
    reps = []
    for f, o, n in zip(files, outs, Ns):
        reps += _core.gsem_munge_ldsc([f], [o], merge, N=n, **opts)
    return reps


def munge(files, hm3=None, trait_names=None, N=None, info_filter=0.9, maf_filter=0.01,
          column_names=None, out_dir=".", threads=0, mode="genomicsem", **ldsc_options):
    """GenomicSEM's munge() on each raw GWAS file (plain or gzip, whitespace-delimited), or with
    mode="ldsc" bulik ldsc's munge_sumstats.py.

    files: paths (or one path); hm3: the reference list (`SNP A1 A2`, e.g. w_hm3.snplist);
    trait_names: output names (default: the file names); N: one number > 0, or one per file
    (None: the N column); column_names: {"SNP": "MarkerName", "effect": "logOR", ...} for columns
    GenomicSEM's synonyms do not name (and to choose between two that both could be one). The
    files are read in parallel (threads: 0 = one per 8 MB of input, at most all cores) and
    written together (a failed call leaves earlier files as they were). Returns one report dict
    per file: rows removed by each rule (p_zero, n_missing, n_invalid too, and duplicated: rows
    kept that repeat a SNP), the columns used, whether the effect was read as an odds ratio.

    mode="ldsc": munge_sumstats.py's flags as keyword arguments: merge_alleles (or hm3; None:
    no list), N (--N, used where the file has no N column), info_filter / maf_filter (--info-min
    / --maf-min), N_cas, N_con, n_min, nstudy_min, signed_sumstats ("BETA,0"), a1_inc, daner,
    daner_n, keep_maf, no_alleles, ignore (a list or "a,b"), decimals (3, its '%.3f'); and
    column_names with its names: {"SNP": ..., "A1", "A2", "P", "N", "N_CAS", "N_CON", "FRQ",
    "INFO", "NSTUDY"} as --snp, --a1, ... (INFO: a list for --info-list). Writes <out_dir>/<trait>.sumstats.gz (`SNP A1 A2 Z N`
    as munge_sumstats writes it) and returns per file the rows each filter removed, the
    columns read, the N and median checks and the chi^2 summary of its log.
    """
    files = validate.paths(files, "files")
    _core.enum_value("gsem_munge_mode", mode)  # the library's names ('genomicsem', 'ldsc')
    unknown = set(ldsc_options) - set(_LDSC_DEFAULTS)
    if unknown:
        raise TypeError(f"munge: unexpected keyword arguments {sorted(unknown)}")
    if mode == "genomicsem" and ldsc_options:
        raise ValueError(f"{sorted(ldsc_options)}: only with mode='ldsc'")
    if mode == "genomicsem" and hm3 is None:
        raise ValueError("hm3: the reference list is required (GenomicSEM's munge)")
    names = _names(files, trait_names)
    os.makedirs(os.fspath(out_dir), exist_ok=True)
    outs = [os.path.join(os.fspath(out_dir), n + ".sumstats.gz") for n in names]
    cols = None
    if column_names:  # (a list of names: --info-list)
        cols = [f"{k}={x}" for k, v in column_names.items()
                for x in (v if isinstance(v, (list, tuple)) else [v])]
    Ns = validate.per_file(N, len(files), "N", expected="a number > 0 (None: the N column)",
                           ok=lambda x: x > 0)
    Ns = [0.0 if n is None else n for n in Ns]
    threads = validate.threads(threads)
    if mode == "ldsc":
        kw = dict(_LDSC_DEFAULTS, **ldsc_options)
        merge = kw["merge_alleles"]
        if merge is not None and hm3 is not None and os.fspath(merge) != os.fspath(hm3):
            raise ValueError("hm3 and merge_alleles name different lists (give one)")
        merge = hm3 if merge is None else merge
        if merge is not None and kw["no_alleles"]:
            raise ValueError("no_alleles and merge_alleles are not compatible")
        reps = _munge_ldsc(files, outs, None if merge is None else os.fspath(merge), Ns,
                           info_filter, maf_filter, cols, threads, kw)
        for r, name, o in zip(reps, names, outs):
            r["trait"] = name
            r["output"] = o
        return reps
    if len(set(Ns)) <= 1:  # one call: the files in parallel
        reps = _core.gsem_munge(files, outs, os.fspath(hm3), N=Ns[0], info_filter=info_filter,
                                maf_filter=maf_filter, columns=cols, threads=threads)
    else:
        reps = []
        for f, o, n in zip(files, outs, Ns):
            reps += _core.gsem_munge([f], [o], os.fspath(hm3), N=n, info_filter=info_filter,
                                     maf_filter=maf_filter, columns=cols, threads=threads)
    for r, name, o in zip(reps, names, outs):
        r["trait"] = name
        r["output"] = o
    return reps


class LdscResult(Results):
    """GenomicSEM's covstruc: S, V, I, N, m (and S_Stand, V_Stand), with trait names; plus each
    trait's heritability details and each regression's estimate. ``save(path)`` writes it to one
    text file that ``load_ldsc(path)`` (and `kestrel gwas --ldsc`) read back, every number the
    same double."""

    def __init__(self, d, names=None):
        names = d["names"] if names is None else names
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
        """SEs of S (or S_Stand; None without it) as a k x k matrix: the square roots of V's (or
        V_Stand's) diagonal, computed in C."""
        return self.details["S_stand_se" if standardized else "S_se"]

    def to_dict(self):
        """GenomicSEM's covstruc as a dict: S, V, I, N, m, S_Stand, V_Stand (NumPy arrays)."""
        return {"S": self.S, "V": self.V, "I": self.I, "N": self.N, "m": self.m,
                "S_Stand": self.S_Stand, "V_Stand": self.V_Stand}

    as_dict = to_dict  # its first name

    def save(self, path):
        """Write the covstruc to `path` (kestrel's covstruc file, version 1: tab-separated text,
        numbers as %.17g; written whole or not at all); ``load_ldsc(path)`` reads it back."""
        d = dict(self.details, names=self.trait_names, S=self.S, V=self.V, I=self.I, N=self.N,
                 m=self.m, S_stand=self.S_Stand, V_stand=self.V_Stand)
        _core.gsem_ldsc_save(os.fspath(path), d)

    def to_dataframe(self):
        """One row per pair of traits (V's order: column-wise lower triangle): S with its
        standard error, S_Stand with its (NaN without them) and the intercept I."""
        import pandas as pd

        se, k = self.se(), len(self.trait_names)
        std = self.S_Stand is not None
        sse = self.se(standardized=True) if std else None
        nan = float("nan")
        rows = [{"trait1": self.trait_names[i], "trait2": self.trait_names[j],
                 "S": self.S[i, j], "S_se": se[i, j],
                 "S_Stand": self.S_Stand[i, j] if std else nan,
                 "S_Stand_se": sse[i, j] if std else nan, "I": self.I[i, j]}
                for j in range(k) for i in range(j, k)]
        return pd.DataFrame(rows)

    def summary(self):
        """S with its standard errors and the genetic correlations, by trait. Returned;
        ``print_summary()`` prints it."""
        se = self.se()
        k = len(self.trait_names)
        w = max(12, max(len(t) for t in self.trait_names) + 2)
        lines = [f"LD score regression (GenomicSEM's ldsc): {k} traits, m = {self.m:g}", "",
                 "Genetic covariance S (standard error)",
                 " " * w + "".join(f"{t:>24}" for t in self.trait_names)]
        lines += [f"{a:<{w}}" + "".join(f"{self.S[i, j]:>12.6f} ({se[i, j]:8.6f})"
                                        for j in range(k))
                  for i, a in enumerate(self.trait_names)]
        if self.S_Stand is not None:
            sse = self.se(standardized=True)
            lines += ["", "Genetic correlations S_Stand (standard error)",
                      " " * w + "".join(f"{t:>24}" for t in self.trait_names)]
            lines += [f"{a:<{w}}" + "".join(f"{self.S_Stand[i, j]:>12.6f} ({sse[i, j]:8.6f})"
                                            for j in range(k))
                      for i, a in enumerate(self.trait_names)]
        lines += ["", "Intercepts I", " " * w + "".join(f"{t:>12}" for t in self.trait_names)]
        lines += [f"{a:<{w}}" + "".join(f"{self.I[i, j]:>12.6f}" for j in range(k))
                  for i, a in enumerate(self.trait_names)]
        return Summary("\n".join(lines))

    def __repr__(self):
        with np.printoptions(precision=4, suppress=True):
            return (f"LdscResult({len(self.trait_names)} traits {self.trait_names}, m={self.m:g})\n"
                    f"S =\n{self.S}")


def ldsc(traits, sample_prev=None, population_prev=None, ld=None, wld=None, trait_names=None,
         sep_weights=False, chr=22, n_blocks=200, stand=False, select=False, chisq_max=None):
    """GenomicSEM's ldsc() on munged files (`SNP N Z A1 A2`): traits, their paths; trait_names:
    the names (default: the file names); n_blocks: jackknife blocks (200).

    sample_prev / population_prev: one value per trait (None or NaN: no liability conversion);
    ld: the folder of `<chr>.l2.ldscore.gz` and `<chr>.l2.M_5_50`; wld: the weights' folder (used
    with sep_weights=True); select: False, "ODD", "EVEN" or a list of chromosomes; chisq_max:
    None for max(0.001 max N, 80). stand is accepted for GenomicSEM's signature: S_Stand and
    V_Stand are always returned (None when a heritability is not positive). Returns an
    LdscResult.
    """
    del stand
    traits = validate.paths(traits, "traits")
    k = len(traits)
    if ld is None:
        raise ValueError("ld: the LD score folder is required")
    wld = ld if wld is None else wld
    sp = validate.per_file(sample_prev, k, "sample_prev", scalar=k == 1)
    pp = validate.per_file(population_prev, k, "population_prev", scalar=k == 1)
    for what, v in (("sample_prev", sp), ("population_prev", pp)):
        for x in v:
            if x is not None and not 0 < x < 1:
                raise ValueError(f"{what}: {x!r} is not in (0, 1) (None: no liability scale)")
    chr = validate.integer("chr", chr, minimum=1, maximum=100000)
    sel = None
    if select is not False and select is not None:
        if isinstance(select, str):
            if select.upper() not in ("ODD", "EVEN"):
                raise ValueError("select: False, 'ODD', 'EVEN' or a list of chromosome numbers")
            sel = list(range(1 if select.upper() == "ODD" else 2, chr + 1, 2))
        else:
            if validate.ndim(select) != 1:
                raise ValueError("select: False, 'ODD', 'EVEN' or a list of chromosome numbers")
            sel = [validate.integer("select", c, minimum=1, maximum=100000) for c in select]
    cmax = validate.real("chisq_max", chisq_max, "a number > 0 (None: max(0.001 max N, 80))",
                         lambda x: x > 0, none=True)
    d = _core.gsem_ldsc(traits, sp, pp, os.fspath(ld), os.fspath(wld),
                        sep_weights=bool(sep_weights), chr=chr,
                        n_blocks=validate.integer("n_blocks", n_blocks, minimum=2),
                        select=sel, chisq_max=0.0 if cmax is None else cmax,
                        trait_names=_names(traits, trait_names))
    return LdscResult(d)


def load_ldsc(path):
    """The covstruc that ``LdscResult.save`` (or `kestrel ldsc`, as PREFIX_covstruc.txt) wrote to
    `path` (plain or gzip), read and checked in C: a truncated, edited or foreign file is a KestrelError naming the file
    and the line. Returns an LdscResult."""
    return LdscResult(_core.gsem_ldsc_load(os.fspath(path)))


def _matrix(x, what):
    """A matrix (or DataFrame) as float64, with its column names when it has them."""
    cols = list(map(str, x.columns)) if hasattr(x, "columns") else None
    a = np.asarray(x, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"{what}: a square matrix is needed, not shape {a.shape}")
    return a, cols


def covstruc(S, V, I=None, N=None, m=None, names=None, S_Stand=None, V_Stand=None):
    """A covstruc from its matrices, e.g. R GenomicSEM's ldsc() output written as text:

        >>> import pandas as pd
        >>> read = lambda f: pd.read_csv(f, sep="\t", index_col=0)
        >>> cov = gsem.covstruc(S=read("ldsc_S.tsv"), V=read("ldsc_V.tsv"), I=read("ldsc_I.tsv"))

    S: k x k; V: k(k+1)/2 square, in GenomicSEM's order (the column-wise lower triangle of S);
    I (k x k) and N (k(k+1)/2) as ldsc returns them, m its number of SNPs (None: unknown);
    names: the traits (default: S's column names when S is a DataFrame). S_Stand and V_Stand
    together, or None to compute them as ldsc does (when every heritability is > 0). Checked in
    C (S and V finite and symmetric, sizes, names). Returns an LdscResult."""
    S, cols = _matrix(S, "S")
    V, _ = _matrix(V, "V")
    names = cols if names is None else [str(t) for t in names]
    if names is None:
        raise ValueError("names: the trait names are needed (or S as a DataFrame with them)")
    d = {"names": names, "S": S, "V": V, "m": None if m is None else float(m)}
    if I is not None:
        d["I"] = _matrix(I, "I")[0]
    if N is not None:
        d["N"] = np.asarray(N, dtype=np.float64).ravel()
    if (S_Stand is None) != (V_Stand is None):
        raise ValueError("S_Stand and V_Stand go together (or neither: computed)")
    if S_Stand is not None:
        d["S_stand"], d["V_stand"] = _matrix(S_Stand, "S_Stand")[0], _matrix(V_Stand, "V_Stand")[0]
    return LdscResult(_core.gsem_ldsc_make(d))


def sumstats(files, ref, trait_names=None, se_logit=None, OLS=None, linprob=None, N=None,
             betas=None, info_filter=0.6, maf_filter=0.01, keep_indel=False, ambig=False,
             direct_filter=False, column_names=None, out=None, threads=0):
    """GenomicSEM's sumstats(): the raw GWAS files aligned to `ref` (`SNP A1 A2 MAF ...`, e.g.
    reference.1000G.maf.0.005.txt) and standardized, the SNPs present in every file kept.
    trait_names: the traits' names (default: the file names). info_filter (0.6), maf_filter
    (0.01): the INFO and MAF below which a SNP is dropped; keep_indel: keep insertions and
    deletions; ambig: keep strand-ambiguous SNPs; direct_filter: filter on the file's own MAF
    (else the reference's); column_names: {"SNP": ..., "effect": ...} for columns GenomicSEM's
    synonyms do not name; threads: files read in parallel (None or 0: every core, fewer for small inputs).

    se_logit, OLS, linprob, betas: one flag per file (or one for all), as in GenomicSEM: OLS for
    continuous traits (beta = Z / sqrt(N varSNP)), linprob for binary traits from Z, else the
    effect is an OR or logistic beta with the SE of the OR, or a logistic SE with se_logit. N:
    one value per file (None: the N column). out: also write the table there (TSV, gzip for
    .gz). Returns a pandas DataFrame (a dict of arrays without pandas) with `SNP CHR BP MAF A1 A2
    beta.<t> se.<t> ...`; the per-file reports (rows removed by each rule, the columns used) are
    in `.attrs["reports"]` (the dict's "reports").
    """
    files = validate.paths(files, "files")
    k = len(files)
    names = _names(files, trait_names)
    if se_logit is None:
        raise ValueError("se_logit: one flag per file is required (True: the SE column is on "
                         "the logistic scale), as in GenomicSEM")
    Ns = validate.per_file(N, k, "N", expected="a number > 0 (None: the N column)",
                           ok=lambda x: x > 0)
    cols = [f"{a}={b}" for a, b in column_names.items()] if column_names else None
    d = _core.gsem_sumstats(files, os.fspath(ref), N=Ns, se_logit=validate.flags(se_logit, k, "se_logit"),
                            OLS=validate.flags(OLS, k, "OLS"), linprob=validate.flags(linprob, k, "linprob"),
                            betas=validate.flags(betas, k, "betas"), info_filter=float(info_filter),
                            maf_filter=float(maf_filter), keep_indel=bool(keep_indel),
                            ambig=bool(ambig), direct_filter=bool(direct_filter), columns=cols,
                            out=None if out is None else os.fspath(out), names=names,
                            threads=validate.threads(threads))
    table = dict(zip(d["columns"], d["ref"]))
    for t, name in enumerate(names):
        table["beta." + name] = d["beta"][:, t]
        table["se." + name] = d["se"][:, t]
    for r, name in zip(d["reports"], names):
        r["trait"] = name
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        table["reports"] = d["reports"]
        return table
    df = pd.DataFrame(table)
    df.attrs["reports"] = d["reports"]
    # the C result, read by userGWAS / commonfactorGWAS while df is unchanged
    df.attrs["kestrel_sumstats"] = SumstatsHandle(d["handle"], names, np.asarray(table.get("SNP", []), dtype=object),
                                                  d["beta"], d["se"])
    df.attrs["ref_rows"], df.attrs["ref_kept"] = d["ref_rows"], d["ref_kept"]
    return df
