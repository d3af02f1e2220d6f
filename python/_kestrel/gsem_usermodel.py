"""GenomicSEM's usermodel() and commonfactor(), computed in C (src/gsem/usermodel.c): a lavaan
model fitted to an ldsc covstruc, with R's two tables, ``modelfit`` and ``results``, column for
column. Re-exported by kestrel.gsem.

    >>> from kestrel import gsem
    >>> cov = gsem.load_ldsc("run_covstruc.txt")          # or gsem.ldsc(...)'s result
    >>> fit = gsem.usermodel(cov, "F1 =~ NA*T1 + T2 + T3\\nF1 ~~ 1*F1")
    >>> fit.modelfit, fit.results

Where kestrel decides what R leaves open (notes in include/kestrel/gsem.h): the traits a model
uses are its observed variables (R matches names as words anywhere in the text); R's NULL
returns (a model not identified, a latent correlation outside [-1, 1], the standardized refit
failing) are KestrelErrors saying why; fix_resid's bounds carry fixed labels (R's are random);
ML with ``:=`` gives NaN SEs and a warning (R crashes); a p-value R prints as "< 5e-300" is 0.0
here; ``CFIcalc`` is accepted and ignored, as R ignores it.
"""
from __future__ import annotations

import os

import numpy as np
import pandas as pd

from . import _core
from .notes import messages, warn_notes
from .results import Results
from .summary import Summary

__all__ = ["usermodel", "commonfactor", "UsermodelResult"]

_FIT_COLS = ["chisq", "df", "p_chisq", "AIC", "CFI", "SRMR"]


def _cov_arg(covstruc):
    """An LdscResult (or a dict of its arrays) as it is; a path as a str for C to read."""
    if isinstance(covstruc, (str, os.PathLike)):
        return os.fspath(covstruc)
    return covstruc


class UsermodelResult(Results):
    """What usermodel() / commonfactor() return: ``modelfit`` (one row: chisq df p_chisq AIC
    CFI SRMR, NaN as R's NA), ``results`` (R's columns), ``resid_cov`` (with imp_cov: R's two
    matrices, else None), ``Q_Factor`` (with Q_Factor=True: R's table, Factor1 Factor2
    QFactor_chisq QFactor_df QFactor_p; else None), ``smoothing`` (R's LD_sdiff, LD_sdiff2, Z_diff: the largest changes
    smoothing made; 0 when S and V were positive definite) and the library's ``notes``."""

    __slots__ = ("function", "modelfit", "results", "resid_cov", "smoothing", "Q_Factor", "notes",
                 "details")

    def __init__(self, function, d):
        self.function = function
        self.details = d
        self.notes = messages(d["notes"])
        self.modelfit = pd.DataFrame({c: [d[c]] for c in _FIT_COLS}, index=["df"])
        cols = d["colnames"]
        data = [d["lhs"], d["op"], d["rhs"], d["est"], d["se"], d["std_genotype"],
                d["std_genotype_se"]]
        if d["std_all"] is not None:
            data.append(d["std_all"])
        data.append(d["pvalue"])
        self.results = pd.DataFrame(dict(zip(cols, data)))
        self.resid_cov = None
        if d["implied_cov"] is not None:
            t = d["traits"]
            imp = pd.DataFrame(d["implied_cov"], index=t, columns=t)
            res = pd.DataFrame(d["resid_cov"], index=t, columns=t)
            self.resid_cov = {"Model Implied Covariance Matrix": imp,
                              "Residual Covariance Matrix: Calculated as Observed Cov - Model "
                              "Implied Cov": res}
        self.Q_Factor = None
        if d.get("qf_chisq") is not None and len(d["qf_chisq"]):
            self.Q_Factor = pd.DataFrame({"Factor1": d["qf_factor1"], "Factor2": d["qf_factor2"],
                                          "QFactor_chisq": d["qf_chisq"],
                                          "QFactor_df": d["qf_df"], "QFactor_p": d["qf_p"]})
        self.smoothing = {"LD_sdiff": d["LD_sdiff"], "LD_sdiff2": d["LD_sdiff2"],
                          "Z_diff": d["Z_diff"]}

    def to_dataframe(self):
        """``results`` (R's columns)."""
        return self.results.copy()

    def to_dict(self):
        """modelfit, results (as records), resid_cov, smoothing."""
        return {"modelfit": self.modelfit.iloc[0].to_dict(),
                "results": self.results.to_dict("records"), "resid_cov": self.resid_cov,
                "smoothing": dict(self.smoothing)}

    def summary(self):
        """Both tables as GenomicSEM prints them."""
        with pd.option_context("display.width", 200, "display.max_columns", 20):
            lines = [f"GenomicSEM {self.function} (kestrel)", "", "modelfit:",
                     self.modelfit.to_string(index=False), "", "results:",
                     self.results.to_string(index=False)]
        for k, v in self.smoothing.items():
            if v > 0:
                lines.append(f"smoothing: {k} = {v:.6g}")
        return Summary("\n".join(lines))


def usermodel(covstruc, model, estimation="DWLS", std_lv=False, CFIcalc=True, imp_cov=False,
              fix_resid=True, toler=None, Q_Factor=False):
    """GenomicSEM's usermodel(): `model` (lavaan syntax) fitted to `covstruc` (an LdscResult
    from gsem.ldsc / gsem.load_ldsc / gsem.covstruc, or the path of a covstruc file).
    estimation "DWLS" (R's default) or "ML"; std_lv: lavaan's std.lv; imp_cov: also the
    model-implied and residual covariance matrices; fix_resid: refit a failed model with the
    residual variances bounded below by .0001; CFIcalc: ignored, as R ignores it (CFI is always
    computed); toler: the sandwich's solve() tolerance (None:
    no check, as R's NULL); Q_Factor: also R's Q_Factor table (``.Q_Factor``). Returns a
    UsermodelResult."""
    del CFIcalc  # (R ignores it too: CFI is always computed)
    d = _core.gsem_usermodel(_cov_arg(covstruc), str(model), str(estimation), bool(std_lv),
                             bool(imp_cov), bool(fix_resid), 0.0 if toler is None else float(toler),
                             bool(Q_Factor))
    warn_notes(d["notes"])
    return UsermodelResult("usermodel", d)


def commonfactor(covstruc, estimation="DWLS"):
    """GenomicSEM's commonfactor(): one factor over every trait of `covstruc` (an LdscResult or
    the path of a covstruc file), F1 =~ NA*T1 + ... + Tk with F1 ~~ 1*F1; estimation "DWLS" or
    "ML". Returns a UsermodelResult with commonfactor's column names."""
    d = _core.gsem_commonfactor(_cov_arg(covstruc), str(estimation))
    warn_notes(d["notes"])
    return UsermodelResult("commonfactor", d)
