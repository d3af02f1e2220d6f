"""kestrel.gsem.usermodel / commonfactor against R GenomicSEM (tests/data/gsem/genomicsem_ref: R's
loose outputs, estimates within 1e-5 and SEs within 1e-4 relative; genomicsem_tight: converged,
at 1e-8), from an LdscResult and from a covstruc file; R's columns; bad input."""
import math
import pathlib
import warnings

import numpy as np
import pandas as pd
import pytest

from kestrel import KestrelError, gsem

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem"
ONE = "F1 =~ NA*T1 + T2 + T3 + T4 + T5\nF1 ~~ 1*F1"
TWO = ("F1 =~ NA*T1 + T2 + T3\nF2 =~ NA*T4 + T5\nF1 ~~ 1*F1\nF2 ~~ 1*F2\nF1 ~~ F2\n"
       "T1 ~~ a*T1\na > .001")
DEF = "F1 =~ NA*T1 + l2*T2 + l3*T3 + T4 + T5\nF1 ~~ 1*F1\nind := l2*l3"


def _read(f):
    return pd.read_csv(G / "ref" / f, sep="\t", index_col=0)


@pytest.fixture(scope="module")
def cov():
    return gsem.covstruc(S=_read("ldsc_S.tsv"), V=_read("ldsc_V.tsv"))


def _ref(folder, stem):
    res = pd.read_csv(G / folder / f"{stem}_results.tsv", sep="\t", skipinitialspace=True)
    fit = pd.read_csv(G / folder / f"{stem}_modelfit.tsv", sep="\t")
    for c in res.columns[3:]:
        res[c] = pd.to_numeric(res[c].astype(str).str.strip().replace({"": "NaN", "nan": "NaN"}))
    return res, fit


def _compare(f, folder, stem, est_tol, se_tol, fit_tol):
    res, fit = _ref(folder, stem)
    assert list(f.results.columns) == list(res.columns)
    assert list(f.modelfit.columns) == ["chisq", "df", "p_chisq", "AIC", "CFI", "SRMR"]
    for c in ("lhs", "op", "rhs"):
        assert list(f.results[c]) == [s.strip() for s in res[c]]
    for c in res.columns[3:]:
        a, b = f.results[c].to_numpy(float), res[c].to_numpy(float)
        assert np.array_equal(np.isnan(a), np.isnan(b)), c
        ok = ~np.isnan(b)
        if c.endswith("SE") or c == "p_value":
            tol = se_tol * (100 if c == "p_value" else 1)
            assert np.all(np.abs(a[ok] / b[ok] - 1) <= tol), c
        else:
            assert np.all(np.abs(a[ok] - b[ok]) <= est_tol), c
    m = f.modelfit.iloc[0]
    assert m["df"] == fit["df"][0]
    for c in ("chisq", "AIC"):
        assert abs(m[c] / fit[c][0] - 1) <= fit_tol, c
    for c in ("CFI", "SRMR"):
        assert abs(m[c] - fit[c][0]) <= fit_tol, c


@pytest.mark.parametrize("stem, model, est", [("usermodel_1F_DWLS", ONE, "DWLS"),
                                              ("usermodel_1F_ML", ONE, "ML"),
                                              ("usermodel_2F_DWLS", TWO, "DWLS"),
                                              ("usermodel_1F_defined_DWLS", DEF, "DWLS")])
def test_usermodel_against_r(cov, stem, model, est):
    f = gsem.usermodel(cov, model, estimation=est)
    _compare(f, "genomicsem_ref", stem, 1e-5, 1e-4, 1e-5)
    # (2F: R's tight fit stopped short of the optimum, see tests/c/test_gsem_usermodel.c)
    _compare(f, "genomicsem_tight", stem, 1e-8, 1e-7, 3e-8 if "2F" in stem else 1e-8)
    assert f.smoothing == {"LD_sdiff": 0.0, "LD_sdiff2": 0.0, "Z_diff": 0.0}
    assert "usermodel" in f.summary() and "Unstand_Est" in f.summary()


@pytest.mark.parametrize("est", ["DWLS", "ML"])
def test_commonfactor_against_r(cov, est, tmp_path):
    f = gsem.commonfactor(cov, estimation=est)
    _compare(f, "genomicsem_ref", f"commonfactor_{est}", 1e-5, 1e-4, 1e-5)
    _compare(f, "genomicsem_tight", f"commonfactor_{est}", 1e-8, 1e-7, 1e-8)
    path = tmp_path / "cov.txt"
    cov.save(path)  # the same from a covstruc file
    g = gsem.commonfactor(str(path), estimation=est)
    pd.testing.assert_frame_equal(f.results, g.results)


def test_imp_cov_and_subset(cov):
    f = gsem.usermodel(cov, "F1 =~ NA*T4 + T2 + T5\nF1 ~~ 1*F1", imp_cov=True)
    imp = f.resid_cov["Model Implied Covariance Matrix"]
    assert list(imp.columns) == ["T2", "T4", "T5"]
    res = list(f.resid_cov.values())[1]
    S = _read("ldsc_S.tsv").loc[["T2", "T4", "T5"], ["T2", "T4", "T5"]].to_numpy()
    assert np.allclose(imp.to_numpy() + res.to_numpy(), S, atol=1e-15)
    assert math.isnan(f.modelfit["chisq"].iloc[0]) and f.modelfit["df"].iloc[0] == 0


def test_ml_defined_warns(cov):
    with pytest.warns(UserWarning, match="ghost parameter"):
        f = gsem.usermodel(cov, DEF, estimation="ML")
    row = f.results[f.results.op == ":="].iloc[0]
    assert math.isnan(row["Unstand_SE"]) and not math.isnan(row["Unstand_Est"])


def test_bad_input(cov):
    with pytest.raises(KestrelError, match="T9"):
        gsem.usermodel(cov, "F1 =~ NA*T1 + T2 + T9\nF1 ~~ 1*F1")
    with pytest.raises(KestrelError, match="identified"):
        gsem.usermodel(cov, "F1 =~ NA*T1 + T2 + T3 + T4")
    with pytest.raises(ValueError, match="DWLS"):
        gsem.usermodel(cov, ONE, estimation="GLS")
    two = gsem.covstruc(S=_read("ldsc_S.tsv").iloc[:2, :2], V=_read("ldsc_V.tsv").iloc[:3, :3])
    with pytest.raises(KestrelError, match="2 traits"):
        gsem.commonfactor(two)


def test_odd_trait_names():
    names = ["T1", "T2", "se.T3", "T-4", "SNP5"]
    S, V = _read("ldsc_S.tsv").to_numpy(), _read("ldsc_V.tsv").to_numpy()
    odd = gsem.covstruc(S=S, V=V, names=names)
    plain = gsem.covstruc(S=S, V=V, names=["T1", "T2", "T3", "T4", "T5"])
    a = gsem.commonfactor(odd)
    b = gsem.commonfactor(plain)
    assert list(a.results.rhs[:5]) == names
    assert np.array_equal(a.results.iloc[:, 3:].to_numpy(), b.results.iloc[:, 3:].to_numpy())
    u = gsem.usermodel(odd, "F1 =~ NA*T1 + T2 + se.T3 + SNP5\nF1 ~~ 1*F1")
    assert list(u.results.rhs[:4]) == ["T1", "T2", "se.T3", "SNP5"]


def test_smoothing_reported(cov):
    S, V = _read("ldsc_S.tsv").to_numpy().copy(), _read("ldsc_V.tsv").to_numpy()
    S[0, 1] = S[1, 0] = 0.26  # T1 and T2 correlated above 1: not positive definite
    bad = gsem.covstruc(S=S, V=V, names=["T1", "T2", "T3", "T4", "T5"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        f = gsem.usermodel(bad, ONE)
    assert f.smoothing["LD_sdiff"] > 0.005 and f.smoothing["LD_sdiff2"] == 0
    assert any("smoothed" in n for n in f.notes)


def test_cli(cov, kestrel_bin, tmp_path):
    """`kestrel usermodel` / `commonfactor` on a covstruc file: R's tables, the same numbers."""
    import subprocess
    path = tmp_path / "cov.txt"
    cov.save(path)
    model = tmp_path / "m.lav"
    model.write_text(DEF)
    p = subprocess.run([kestrel_bin, "usermodel", "--ldsc", str(path), "--model", str(model),
                        "--out", str(tmp_path / "um")], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "results:" in p.stdout and "Unstand_Est" in p.stdout
    got = pd.read_csv(tmp_path / "um_results.tsv", sep="\t")
    f = gsem.usermodel(cov, DEF)
    assert list(got.columns) == list(f.results.columns)
    assert np.allclose(got["Unstand_Est"], f.results["Unstand_Est"], rtol=1e-14, atol=0)
    assert got["Unstand_SE"].isna().sum() == 1  # (the fixed row: empty, as R writes it)
    fit = pd.read_csv(tmp_path / "um_modelfit.tsv", sep="\t")
    assert abs(fit["chisq"][0] - f.modelfit["chisq"].iloc[0]) < 1e-12
    p = subprocess.run([kestrel_bin, "commonfactor", "--ldsc", str(path), "--estimation", "ML"],
                       capture_output=True, text=True)
    assert p.returncode == 0 and "Unstandardized_Estimate" in p.stdout
    p = subprocess.run([kestrel_bin, "commonfactor", "--ldsc", str(path), "--estimation", "GLS"],
                       capture_output=True, text=True)
    assert p.returncode == 2 and "DWLS or ML" in p.stderr
    p = subprocess.run([kestrel_bin, "usermodel", "--ldsc", str(path), "--model",
                        "F1 =~ NA*T1 + T9; F1 ~~ 1*F1"], capture_output=True, text=True)
    assert p.returncode == 1 and "T9" in p.stderr


def test_q_factor(cov):
    m = "F1 =~ NA*T1 + T2 + T3\nF2 =~ NA*T4 + T5\nF1 ~~ 1*F1\nF2 ~~ 1*F2\nF1 ~~ F2"
    f = gsem.usermodel(cov, m, Q_Factor=True)
    ref = pd.read_csv(G / "qfactor" / "usermodel_2F_DWLS_Q_Factor.tsv", sep="\t")
    assert list(f.Q_Factor.columns) == list(ref.columns)
    assert list(f.Q_Factor.Factor1) == ["F2"] and list(f.Q_Factor.Factor2) == ["F1"]
    assert f.Q_Factor.QFactor_df[0] == ref.QFactor_df[0] == 5
    assert abs(f.Q_Factor.QFactor_chisq[0] / ref.QFactor_chisq[0] - 1) < 1e-5
    assert gsem.usermodel(cov, m).Q_Factor is None
