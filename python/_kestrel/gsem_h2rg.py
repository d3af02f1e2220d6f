"""bulik/ldsc's own estimators (``ldsc.py --h2`` and ``--rg``), computed in C.

    >>> from kestrel import gsem
    >>> h = gsem.ldsc_h2("T1.sumstats.gz", ref_ld_chr="eur_w_ld_chr/", w_ld_chr="eur_w_ld_chr/")
    >>> h.h2, h.h2_se, h.intercept, h.intercept_se, h.ratio, h.mean_chisq, h.lambda_gc
    >>> r = gsem.ldsc_rg(["T1.sumstats.gz", "T2.sumstats.gz", "T3.sumstats.gz"],
    ...                  ref_ld_chr="eur_w_ld_chr/", w_ld_chr="eur_w_ld_chr/")
    >>> r.table            # upstream's "Summary of Genetic Correlation Results"
    >>> r.pairs[0].rg, r.pairs[0].se, r.pairs[0].gencov.intercept

The options have upstream's names and defaults (``two_step=None`` is upstream's rule: 30 for h2
with one annotation and a free intercept, none for rg; ``two_step=False`` turns it off).
"""
import math
import os

from . import _core
from . import validate
from .results import Results
from .summary import Summary

__all__ = ["ldsc_h2", "ldsc_rg", "LdscFit", "H2Result", "RgPair", "RgResult"]


def _nan(v):
    return v is None or (isinstance(v, float) and math.isnan(v))


class LdscFit:
    """One LD score regression (an h2 or a genetic covariance), observed scale: ``tot``,
    ``tot_se``, ``intercept``, ``intercept_se`` (NaN when constrained), and per annotation
    ``coef``, ``coef_se``, ``cat``, ``cat_se``, ``prop``, ``prop_se``, ``enrichment``, ``M``,
    ``M_prop``; ``tot_delete`` holds the jackknife delete values of ``tot``. On the liability
    scale: ``liab`` (the factor; 1: observed scale), ``tot_liab``, ``tot_se_liab``, ``cat_liab``,
    ``cat_se_liab`` (computed in C)."""

    def __init__(self, d):
        self.__dict__.update(d)

    def to_dict(self):
        """Every field as a dict."""
        return dict(self.__dict__)

    as_dict = to_dict  # its first name

    def __repr__(self):
        return (f"LdscFit(tot={self.tot:.6g} ({self.tot_se:.6g}), intercept={self.intercept:.6g}"
                f" ({self.intercept_se:.6g}), {self.n_snp} SNPs, {self.n_annot} annotation(s))")


class H2Result(Results):
    """``ldsc.py --h2``: ``h2``/``h2_se`` on the observed scale, ``h2_liab``/``h2_liab_se`` on the
    liability scale (None without prevalences), ``intercept``, ``intercept_se``, ``ratio``,
    ``ratio_se``, ``mean_chisq``, ``lambda_gc``, ``annotations`` and the per-annotation arrays of
    ``fit`` (an LdscFit), and the counts upstream logs (``snps_read``, ``merged_ld``, ...)."""

    def __init__(self, d):
        fit = d.pop("fit")
        self.__dict__.update(d)
        self.fit = LdscFit(fit)
        f = self.fit
        self.h2, self.h2_se = f.tot, f.tot_se
        liab = d["liab"] != 1.0
        self.h2_liab = f.tot_liab if liab else None
        self.h2_liab_se = f.tot_se_liab if liab else None
        self.intercept, self.intercept_se = f.intercept, f.intercept_se
        self.ratio, self.ratio_se = f.ratio, f.ratio_se
        self.mean_chisq, self.lambda_gc = f.mean_chisq, f.lambda_gc
        self.n_snp = f.n_snp

    def to_dict(self):
        """Every field as a dict (``fit`` as a dict too)."""
        d = {k: v for k, v in self.__dict__.items() if k != "fit"}
        d["fit"] = self.fit.to_dict()
        return d

    as_dict = to_dict  # its first name

    def to_dataframe(self):
        """One row per annotation: its coefficient, h2 (cat), proportion of h2, enrichment and
        SNP count, with standard errors (a pandas DataFrame indexed by annotation)."""
        import pandas as pd

        f = self.fit
        cols = ("coef", "coef_se", "cat", "cat_se", "prop", "prop_se", "enrichment", "M")
        return pd.DataFrame({c: getattr(f, c) for c in cols},
                            index=pd.Index(self.annotations, name="annotation"))

    def summary(self):
        """The heritability as ldsc.py --h2 logs it. Returned; ``print_summary()`` prints it."""
        lines = [f"Total Observed scale h2: {self.h2:.4f} ({self.h2_se:.4f})"]
        if self.h2_liab is not None:
            lines.append(f"Total Liability scale h2: {self.h2_liab:.4f} ({self.h2_liab_se:.4f})")
        lines += [f"Lambda GC: {self.lambda_gc:.4f}", f"Mean Chi^2: {self.mean_chisq:.4f}",
                  f"Intercept: constrained to {self.intercept:.4f}"
                  if math.isnan(self.intercept_se) else
                  f"Intercept: {self.intercept:.4f} ({self.intercept_se:.4f})",
                  f"Ratio: {self.ratio:.4f} ({self.ratio_se:.4f})",
                  f"SNPs: {self.n_snp}"]
        return Summary("\n".join(lines))

    def __repr__(self):
        return (f"H2Result(h2={self.h2:.4f} ({self.h2_se:.4f}), intercept={self.intercept:.4f}"
                f" ({self.intercept_se:.4f}), mean chi2={self.mean_chisq:.4f}, "
                f"lambda GC={self.lambda_gc:.4f}, {self.n_snp} SNPs)")


class RgPair:
    """The first file against one other: ``rg``, ``se``, ``z``, ``p`` (NaN when an h2 is not
    positive; ``out_of_bounds`` when |rg| > 1.2), ``hsq1``, ``hsq2``, ``gencov`` (LdscFit), or
    ``error`` (why this pair has no result)."""

    def __init__(self, p1, p2, d):
        self.p1, self.p2 = p1, p2
        self.error = d.get("error")
        for k in ("hsq1", "hsq2", "gencov"):
            if k in d:
                d[k] = LdscFit(d[k])
        self.__dict__.update({k: v for k, v in d.items() if k != "error"})
        if self.error is None:
            self.se = d["rg_se"]

    def __repr__(self):
        if self.error:
            return f"RgPair({self.p1}, {self.p2}: error {self.error})"
        return f"RgPair({self.p1}, {self.p2}: rg={self.rg:.4f} ({self.se:.4f}))"


class RgResult(Results):
    """``ldsc.py --rg``: ``pairs`` (RgPair per other file) and ``table``, upstream's summary
    table (p1 p2 rg se z p h2_obs h2_obs_se h2_int h2_int_se gcov_int gcov_int_se, h2 on the
    liability scale when prevalences are given) as a pandas DataFrame."""

    def __init__(self, files, d, liab):
        self.files = list(files)
        pairs = d.pop("pairs")
        self.__dict__.update(d)
        self.pairs = [RgPair(files[0], f, p) for f, p in zip(files[1:], pairs)]
        self._liab = liab

    def to_dict(self):
        """``files`` and, per pair, its fields (``gencov``, ``hsq1``, ``hsq2`` as dicts)."""
        def pair(p):
            return {k: v.to_dict() if isinstance(v, LdscFit) else v for k, v in vars(p).items()}

        return {"files": list(self.files), "pairs": [pair(p) for p in self.pairs]}

    def to_dataframe(self):
        """``table``: upstream's summary table, one row per pair (a pandas DataFrame)."""
        return self.table

    @property
    def table(self):
        import pandas as pd

        nan = float("nan")
        rows = []
        for p in self.pairs:
            ok = p.error is None
            h = p.hsq2 if ok else None
            row = {"p1": p.p1, "p2": p.p2}
            row["rg"] = p.rg if ok else nan
            row["se"] = p.se if ok else nan
            row["z"] = p.z if ok else nan
            row["p"] = p.p if ok else nan
            k = "h2_liab" if self._liab else "h2_obs"
            row[k] = h.tot_liab if ok else nan
            row[k + "_se"] = h.tot_se_liab if ok else nan
            row["h2_int"] = h.intercept if ok else nan
            row["h2_int_se"] = h.intercept_se if ok else nan
            row["gcov_int"] = p.gencov.intercept if ok else nan
            row["gcov_int_se"] = p.gencov.intercept_se if ok else nan
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self):
        """Upstream's "Summary of Genetic Correlation Results" table (and each failed pair's
        error). Returned; ``print_summary()`` prints it."""
        lines = ["Summary of Genetic Correlation Results", self.table.to_string(index=False)]
        lines += [f"{p.p1} / {p.p2}: {p.error}" for p in self.pairs if p.error]
        return Summary("\n".join(lines))

    def __repr__(self):
        return "RgResult(\n" + "\n".join("  " + repr(p) for p in self.pairs) + "\n)"


def _opts(k, ref_ld, ref_ld_chr, w_ld, w_ld_chr, M, not_M_5_50, n_blocks, two_step, chisq_max,
          no_intercept, intercept_h2, intercept_gencov, samp_prev, pop_prev, threads, **extra):
    def seq(v, what):
        if v is None:
            return None
        return [float("nan") if x is None else x for x in validate.per_file(v, k, what, False)]

    def m_list(M):  # one per annotation; (continuous annotations may be < 0, not their sum)
        if M is None:
            return None
        if validate.ndim(M) > 1:
            raise ValueError(f"M: one number per annotation (1-D), not a {validate.ndim(M)}-D array")
        vals = list(M) if validate.ndim(M) else [M]
        v = validate.per_file(vals, len(vals), "M", False)
        if any(x is None for x in v) or not (math.isfinite(sum(v)) and sum(v) > 0):
            raise ValueError(f"M: {M!r}: " + ("not a number > 0" if len(v) == 1 else
                                              "finite numbers with a sum > 0"))
        return v

    if two_step is False:
        ts = -1.0
    elif two_step is None:
        ts = 0.0
    else:
        ts = float(two_step)
        if not ts > 0:
            raise ValueError("two_step: a cutoff > 0, None (upstream's default) or False (off)")
    if chisq_max is not None and not float(chisq_max) > 0:
        raise ValueError("chisq_max: a number > 0, or None")
    p = lambda v: None if v is None else os.fspath(v)
    return dict(ref_ld=p(ref_ld), ref_ld_chr=p(ref_ld_chr), w_ld=p(w_ld), w_ld_chr=p(w_ld_chr),
                M=m_list(M), not_M_5_50=bool(not_M_5_50),
                n_blocks=validate.integer("n_blocks", n_blocks, minimum=2), two_step=ts,
                chisq_max=0.0 if chisq_max is None else float(chisq_max),
                no_intercept=bool(no_intercept), intercept_h2=seq(intercept_h2, "intercept_h2"),
                intercept_gencov=seq(intercept_gencov, "intercept_gencov"),
                samp_prev=seq(samp_prev, "samp_prev"), pop_prev=seq(pop_prev, "pop_prev"),
                threads=validate.threads(threads), **extra)


def ldsc_h2(sumstats, ref_ld=None, ref_ld_chr=None, w_ld=None, w_ld_chr=None, M=None,
            not_M_5_50=False, n_blocks=200, two_step=None, chisq_max=None, intercept_h2=None,
            no_intercept=False, samp_prev=None, pop_prev=None):
    """``ldsc.py --h2 sumstats``: the SNP heritability of one file (``SNP A1 A2 N Z``).
    Returns an H2Result.

    ref_ld / ref_ld_chr: LD score file-set prefixes (comma-separated or a list; ``_chr``: split
    over chromosomes, '@' standing for the number); w_ld / w_ld_chr: the weights (one file set);
    M: SNPs per annotation instead of the .l2.M_5_50 files (not_M_5_50: the .l2.M files);
    intercept_h2: a constrained intercept; no_intercept: constrain it to 1; samp_prev /
    pop_prev: the liability scale; n_blocks: jackknife blocks (200); two_step: the two-step
    estimator's chi^2 cutoff (None: upstream's rule, 30; False: off); chisq_max: drop SNPs
    with a larger chi^2 (None: upstream's default)."""
    if intercept_h2 is not None:
        intercept_h2 = [intercept_h2]
    if samp_prev is not None or pop_prev is not None:
        if samp_prev is None or pop_prev is None:
            raise ValueError("samp_prev and pop_prev: both or neither")
        samp_prev, pop_prev = [samp_prev], [pop_prev]
    ref_ld, ref_ld_chr = (",".join(map(os.fspath, x)) if isinstance(x, (list, tuple)) else x
                          for x in (ref_ld, ref_ld_chr))
    o = _opts(1, ref_ld, ref_ld_chr, w_ld, w_ld_chr, M, not_M_5_50, n_blocks, two_step, chisq_max,
              no_intercept, intercept_h2, None, samp_prev, pop_prev, 0)
    return H2Result(_core.ldsc_h2(os.fspath(sumstats), **o))


def ldsc_rg(sumstats, ref_ld=None, ref_ld_chr=None, w_ld=None, w_ld_chr=None, M=None,
            not_M_5_50=False, n_blocks=200, two_step=None, chisq_max=None, intercept_h2=None,
            intercept_gencov=None, no_intercept=False, samp_prev=None, pop_prev=None,
            no_check_alleles=False, invert_anyway=False, threads=0):
    """``ldsc.py --rg A,B,C,...``: the first file's genetic correlation with each other one.

    sumstats: the files (``SNP A1 A2 N Z``), the first against each other one; ref_ld,
    ref_ld_chr, w_ld, w_ld_chr, M, not_M_5_50, n_blocks, two_step, chisq_max, no_intercept: as
    in :func:`ldsc_h2`; no_check_alleles: do not match alleles across files; invert_anyway:
    invert the LD score matrix even when it is ill-conditioned (upstream's flags). Returns an
    RgResult.

    intercept_h2, intercept_gencov, samp_prev, pop_prev: one value per file (None or NaN: free /
    observed scale; the first gencov intercept is unused). A pair that fails (no SNPs in common,
    no valid alleles, ...) carries its ``error``, as upstream goes on with the next file; the call
    fails only when every pair does. The pairs run in parallel (threads: 0 = all cores)."""
    files = validate.paths(sumstats, "sumstats")
    if len(files) < 2:
        raise ValueError("ldsc_rg: at least two files")
    if (samp_prev is None) != (pop_prev is None):
        raise ValueError("samp_prev and pop_prev: both or neither")
    ref_ld, ref_ld_chr = (",".join(map(os.fspath, x)) if isinstance(x, (list, tuple)) else x
                          for x in (ref_ld, ref_ld_chr))
    o = _opts(len(files), ref_ld, ref_ld_chr, w_ld, w_ld_chr, M, not_M_5_50, n_blocks, two_step,
              chisq_max, no_intercept, intercept_h2, intercept_gencov, samp_prev, pop_prev, threads,
              no_check_alleles=bool(no_check_alleles), invert_anyway=bool(invert_anyway))
    d = _core.ldsc_rg(files, **o)
    return RgResult(files, d, samp_prev is not None)
