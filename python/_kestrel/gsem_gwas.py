"""GenomicSEM's multivariate GWAS, userGWAS() and commonfactorGWAS(), computed in C (re-exported
by kestrel.gsem).

The rows and columns are R's. userGWAS returns, by default, ONE long DataFrame (every SNP's rows
in order, R's columns): R's serial shape, a list with one DataFrame per SNP, is ``as_list=True``,
but a million SNPs make a million DataFrames (minutes and gigabytes for pandas alone), and R's
own parallel path builds the long table first too. With ``sub`` the result is R's list of
DataFrames, one per entry of sub, each one row per SNP. commonfactorGWAS returns one DataFrame.
With ``out=`` the rows go to that file (TSV, gzip for .gz; memory does not grow with the SNPs)
and a GwasResult with the counts comes back.
"""
import os
import tempfile

import numpy as np

from _kestrel import _core
from _kestrel import notes as _notes
from _kestrel import validate
from _kestrel.results import Results
from _kestrel.summary import Summary

__all__ = ["userGWAS", "commonfactorGWAS", "GwasResult"]

_USER = ["SNP", "CHR", "BP", "MAF", "A1", "A2", "lhs", "op", "rhs", "free", "label", "est", "SE",
         "Z_Estimate", "Pval_Estimate", "chisq", "chisq_df", "chisq_pval", "AIC", "Q_SNP",
         "Q_SNP_df", "Q_SNP_pval", "error", "warning", "Z_smooth"]
_CF = ["SNP", "CHR", "BP", "MAF", "A1", "A2", "i", "lhs", "op", "rhs", "est", "se_c",
       "Z_Estimate", "Pval_Estimate", "Q", "Q_df", "Q_pval", "fail", "warning", "Z_smooth"]


class SumstatsHandle:
    """The C result kestrel.gsem.sumstats made, kept with its DataFrame (``.attrs``) so that the
    GWAS reads the SNPs without copying them; used only while the DataFrame still holds exactly
    those SNPs and values (else the DataFrame itself is read)."""

    def __init__(self, capsule, names, snp, beta, se):
        self.capsule, self.names, self.snp, self.beta, self.se = capsule, list(names), snp, beta, se

    def __deepcopy__(self, memo):  # pandas copies attrs; the handle is immutable
        return self

    def matches(self, df, names):
        if list(names) != self.names or len(df) != len(self.snp):
            return False
        try:
            if not np.array_equal(df["SNP"].to_numpy(dtype=object), self.snp):
                return False
            return all(np.array_equal(df["beta." + t].to_numpy(dtype=np.float64), self.beta[:, j],
                                      equal_nan=True)
                       and np.array_equal(df["se." + t].to_numpy(dtype=np.float64),
                                          self.se[:, j], equal_nan=True)
                       for j, t in enumerate(self.names))
        except (KeyError, ValueError, TypeError):
            return False


class GwasResult(Results):
    """A GWAS whose rows went to a file (``out=``): the counts, ``snps`` (fitted: this part's),
    ``failed`` (flagged in their rows), ``smoothed`` (S_Full or V_Full smoothed), ``first``
    (this part's first SNP, 0-based in the whole list), and ``path``."""

    def __init__(self, d, path, function):
        self.snps, self.first, self.failed, self.smoothed = (d["snps"], d["first"], d["failed"],
                                                             d["smoothed"])
        self.path, self.function = path, function

    def to_dict(self):
        """The counts and the path as a dict."""
        return {"function": self.function, "snps": self.snps, "first": self.first,
                "failed": self.failed, "smoothed": self.smoothed, "path": self.path}

    def to_dataframe(self):
        """The counts as a one-row DataFrame (read the rows themselves from ``path``)."""
        import pandas as pd

        return pd.DataFrame([self.to_dict()])

    def summary(self):
        """The counts and where the rows are, as text."""
        return Summary(f"{self.function}: {self.snps} SNPs fitted (SNPs {self.first + 1} to "
                       f"{self.first + self.snps} of the list)\n"
                       f"failed (flagged in their rows): {self.failed}; smoothed: "
                       f"{self.smoothed}\nrows: {self.path}")

    def __repr__(self):
        return (f"GwasResult({self.function}, snps={self.snps}, failed={self.failed}, "
                f"path={self.path!r})")


def _trait_names(covstruc):
    return list(covstruc["names"] if isinstance(covstruc, dict) else covstruc.trait_names)


def _covstruc(covstruc):
    if isinstance(covstruc, (str, os.PathLike)):
        return _core.gsem_ldsc_load(os.fspath(covstruc))
    if hasattr(covstruc, "details"):
        return covstruc
    raise TypeError("covstruc: an LdscResult (kestrel.gsem.ldsc, load_ldsc, covstruc) or the path "
                    "of a saved covstruc")


def _snps(SNPs, names, keep):
    """The SNP argument for C: a path, or a sumstats handle; a DataFrame without a usable handle
    is written to a temporary TSV (kept alive in `keep`)."""
    if isinstance(SNPs, (str, os.PathLike)):
        return os.fspath(SNPs)
    attrs = getattr(SNPs, "attrs", None)
    h = attrs.get("kestrel_sumstats") if attrs else None
    if isinstance(h, SumstatsHandle) and h.matches(SNPs, names):
        return h.capsule
    if not hasattr(SNPs, "to_csv"):
        raise TypeError("SNPs: the DataFrame kestrel.gsem.sumstats returns, or the path of the "
                        "SNP table (SNP CHR BP MAF A1 A2 beta.<trait> se.<trait>)")
    tmp = tempfile.NamedTemporaryFile(suffix=".tsv", delete=False)
    tmp.close()
    keep.append(tmp.name)
    SNPs.to_csv(tmp.name, sep="\t", index=False, na_rep="NA", float_format="%.17g")
    return tmp.name


def _chunk(chunk):
    if chunk is None:
        return 0, 0
    if isinstance(chunk, str):
        parts = chunk.split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"chunk: '{chunk}' is not i/n (e.g. '3/10')")
        chunk = (int(parts[0]), int(parts[1]))
    i, n = chunk
    if not 1 <= i <= n:
        raise ValueError(f"chunk: part {i} of {n}: i must be 1 to n")
    return i, n


def _frame(cols, order):
    import pandas as pd

    df = pd.DataFrame({c: cols[c] for c in order if c in cols})
    for c in ("CHR", "BP"):
        num = pd.to_numeric(df[c], errors="coerce")
        if not num.isna().any() and (num == num.round()).all():
            df[c] = num.astype(np.int64)
    for c in ("free", "i"):
        if c in df:
            df[c] = df[c].astype(np.int64)
    return df


def _run(covstruc, SNPs, model, estimation, GC, SNPSE, smooth_check, threads, toler, out, method,
         chunk, **kw):
    cov = _covstruc(covstruc)
    names = _trait_names(cov)
    ci, cn = _chunk(chunk)
    snpse = validate.real("SNPSE", None if SNPSE is False else SNPSE,
                          "a standard error > 0 (False: 0.0005)", lambda x: x > 0, none=True)
    tol = validate.real("toler", None if toler is False else toler, "a number > 0 (None: "
                        "machine precision)", lambda x: x > 0, none=True)
    tmp = []
    try:
        d = _core.gsem_gwas(cov, _snps(SNPs, names, tmp), model=model, estimation=str(estimation),
                            gc=str(GC), snpse=0.0 if snpse is None else snpse,
                            smooth_check=bool(smooth_check), toler=0.0 if tol is None else tol,
                            chunk_i=ci, chunk_n=cn, method=str(method),
                            out=None if out is None else os.fspath(out),
                            threads=validate.threads(threads), **kw)
    finally:
        for f in tmp:
            os.unlink(f)
    _notes.warn_notes(d["notes"])
    return d


def userGWAS(covstruc, SNPs, model, estimation="DWLS", sub=None, Q_SNP=False,
             fix_measurement=True, GC="standard", SNPSE=False, smooth_check=False, std_lv=False,
             threads=None, toler=None, out=None, method="sem", chunk=None, as_list=False):
    """GenomicSEM's userGWAS(): `model` (lavaan's syntax, the SNP named `SNP`) fitted per SNP.

    covstruc: an LdscResult or the path of a saved covstruc; SNPs: kestrel.gsem.sumstats' result
    (its C handle is used when the DataFrame is unchanged), another DataFrame with its columns,
    or the path of the SNP table. estimation: "DWLS" or "ML". sub: the rows to keep ("F1~SNP",
    ...). Q_SNP, fix_measurement, GC ("standard", "conserv", "none"), SNPSE (False: 0.0005),
    smooth_check, std_lv, toler (None: machine precision) as GenomicSEM's. threads: None for
    every core (GenomicSEM's cores); the rows are the same for any count. method: "sem"
    (GenomicSEM's lavaan fit per SNP) or "gls" (upstream's analytic path: the no-SNP model
    fitted once, each SNP's factor effects in closed form). chunk: "i/n" or (i, n), this job's
    part of the SNPs (the parts' rows concatenated are the whole run's). out: write the rows
    there (TSV, .gz: gzip). as_list: R's serial shape, one DataFrame per SNP.

    Returns one long DataFrame with R's columns (SNP CHR BP MAF A1 A2 lhs op rhs free label est
    SE Z_Estimate Pval_Estimate chisq chisq_df chisq_pval AIC [Q_SNP Q_SNP_df Q_SNP_pval] error
    warning [Z_smooth]); with sub, a list of such DataFrames, one per entry, one row per SNP;
    with as_list, one per SNP; with out, a GwasResult with the counts."""
    if not isinstance(model, str) or not model.strip():
        raise ValueError("model: lavaan's syntax naming the SNP `SNP` is needed")
    subs = None
    if sub is not None and sub is not False:
        subs = [sub] if isinstance(sub, str) else [str(s) for s in sub]
        if not subs:
            raise ValueError("sub: a list of rows such as 'F1~SNP' (None: every row)")
    d = _run(covstruc, SNPs, model, estimation, GC, SNPSE, smooth_check, threads, toler, out,
             method, chunk, sub=subs, q_snp=bool(Q_SNP), fix_measurement=bool(fix_measurement),
             std_lv=bool(std_lv))
    if out is not None:
        return GwasResult(d, os.fspath(out), "userGWAS")
    df = _frame(d["columns"], _USER)
    if subs is not None:
        key = (df["lhs"] + df["op"] + df["rhs"]).str.replace(r"\s", "", regex=True)
        return [df[key == s.replace(" ", "")].reset_index(drop=True) for s in subs]
    if as_list:
        return [g.reset_index(drop=True) for _, g in df.groupby(
            np.repeat(np.arange(d["snps"]), len(df) // max(d["snps"], 1)), sort=False)]
    return df


def commonfactorGWAS(covstruc, SNPs, estimation="DWLS", GC="standard", SNPSE=False,
                     smooth_check=False, threads=None, toler=None, out=None, method="sem",
                     chunk=None):
    """GenomicSEM's commonfactorGWAS(): one factor of every trait, its regression on each SNP
    and the heterogeneity Q. covstruc, SNPs, estimation, GC, SNPSE, smooth_check, threads,
    toler, out, method and chunk as userGWAS'.

    Returns one DataFrame with R's columns (SNP CHR BP MAF A1 A2 i lhs op rhs est se_c
    Z_Estimate Pval_Estimate Q Q_df Q_pval fail warning [Z_smooth]), or a GwasResult with
    out."""
    d = _run(covstruc, SNPs, None, estimation, GC, SNPSE, smooth_check, threads, toler, out,
             method, chunk)
    if out is not None:
        return GwasResult(d, os.fspath(out), "commonfactorGWAS")
    return _frame(d["columns"], _CF)
