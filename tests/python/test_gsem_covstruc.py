"""ldsc's covstruc saved and loaded (kestrel's covstruc file), made from R GenomicSEM's
matrices, and written by `kestrel ldsc`: every number comes back the same double."""
import pathlib
import subprocess

import numpy as np
import pandas as pd
import pytest

from kestrel import KestrelError, gsem

G = pathlib.Path(__file__).resolve().parents[1] / "data" / "gsem"
TRAITS = ["T1", "T2", "T3", "T4", "T5"]


def ref(name):
    return pd.read_csv(G / "ref" / name, sep="\t", index_col=0)


@pytest.fixture(scope="module")
def fit():
    return gsem.ldsc([G / "ref" / "munged" / f"{t}.sumstats.gz" for t in TRAITS],
                     [None] * 4 + [0.5], [None] * 4 + [0.1], ld=G / "sim" / "ld",
                     wld=G / "sim" / "ld", trait_names=TRAITS)


def same(a, b):
    """The same doubles (NaN as NaN), or the same value."""
    if isinstance(a, np.ndarray):
        return a.shape == b.shape and a.dtype == b.dtype and a.tobytes() == b.tobytes()
    return a == b or (a != a and b != b)


def test_save_load_round_trip_to_the_bit(fit, tmp_path):
    fit.save(tmp_path / "cov.txt")
    back = gsem.load_ldsc(tmp_path / "cov.txt")
    assert back.trait_names == TRAITS
    assert set(back.details) == set(fit.details)
    for k, v in fit.details.items():
        assert same(v, back.details[k]), k
    for a in ("S", "V", "I", "N", "S_Stand", "V_Stand"):
        assert same(getattr(fit, a), getattr(back, a)), a
    assert back.m == fit.m
    text = (tmp_path / "cov.txt").read_text()
    assert text.startswith("kestrel_covstruc\t1\n") and text.endswith("\nend\n")
    # and again from the loaded one: the same bytes
    back.save(tmp_path / "again.txt")
    assert (tmp_path / "again.txt").read_bytes() == (tmp_path / "cov.txt").read_bytes()


def test_covstruc_from_r_matrices(fit):
    """R GenomicSEM's ldsc() output written as text brought in: S, V, I, N, m as R gave them;
    S_Stand / V_Stand computed as ldsc computes them agree with R's to rounding."""
    N = pd.read_csv(G / "ref" / "ldsc_N.tsv", sep="\t").values.ravel()
    m = float((G / "ref" / "ldsc_m.txt").read_text())
    c = gsem.covstruc(S=ref("ldsc_S.tsv"), V=ref("ldsc_V.tsv"), I=ref("ldsc_I.tsv"), N=N, m=m)
    assert c.trait_names == TRAITS and c.m == m
    assert same(c.S, ref("ldsc_S.tsv").values) and same(c.V, ref("ldsc_V.tsv").values)
    assert same(c.N, N)
    assert np.allclose(c.S_Stand, ref("ldsc_S_Stand.tsv").values, rtol=1e-14, atol=0)
    assert np.allclose(c.V_Stand, ref("ldsc_V_Stand.tsv").values, rtol=1e-13, atol=0)
    assert np.isnan(c.details["estimate"]).all() and (c.details["snps_read"] == 0).all()
    assert np.allclose(c.S, fit.S, rtol=1e-10) and np.allclose(c.V, fit.V, rtol=1e-9)
    given = gsem.covstruc(S=ref("ldsc_S.tsv"), V=ref("ldsc_V.tsv"),
                          S_Stand=ref("ldsc_S_Stand.tsv"), V_Stand=ref("ldsc_V_Stand.tsv"))
    assert same(given.S_Stand, ref("ldsc_S_Stand.tsv").values)
    assert np.isnan(given.I).all() and np.isnan(given.m)
    assert np.array_equal(given.se(), np.sqrt(np.diag(given.V))[
        [[0, 1, 2, 3, 4], [1, 5, 6, 7, 8], [2, 6, 9, 10, 11], [3, 7, 10, 12, 13], [4, 8, 11, 13, 14]]])


def test_covstruc_names_that_break_r(tmp_path):
    """Trait names with SNP, '-', 'se.' (which break R) and spaces are kept as they are."""
    names = ["SNP1", "T-2", "se.T3", "T 4", "beta.5"]
    c = gsem.covstruc(S=ref("ldsc_S.tsv").values, V=ref("ldsc_V.tsv").values, names=names)
    c.save(tmp_path / "c.txt")
    assert gsem.load_ldsc(tmp_path / "c.txt").trait_names == names


def test_cli_ldsc_writes_the_covstruc(kestrel_bin, fit, tmp_path):
    traits = ",".join(str(G / "ref" / "munged" / f"{t}.sumstats.gz") for t in TRAITS)
    r = subprocess.run([kestrel_bin, "ldsc", "--traits", traits, "--ld", str(G / "sim" / "ld"),
                        "--sample-prev", "NA,NA,NA,NA,0.5", "--population-prev", "NA,NA,NA,NA,0.1",
                        "--out", str(tmp_path / "cov")], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    assert "_covstruc.txt" in r.stdout
    c = gsem.load_ldsc(tmp_path / "cov_covstruc.txt")
    assert c.trait_names == TRAITS
    S = pd.read_csv(tmp_path / "cov_S.tsv", sep="\t", index_col=0).values
    assert same(c.S, S) and same(c.S, fit.S) and same(c.V, fit.V) and same(c.I, fit.I)
    for k in ("mean_chisq", "snps_used", "pair_snps", "estimate_se", "liability_factor"):
        assert same(c.details[k], fit.details[k]), k


def test_make_errors():
    S, V = ref("ldsc_S.tsv").values, ref("ldsc_V.tsv").values
    Va = V.copy()
    Va[0, 1] *= 1 + 1e-12
    with pytest.raises(KestrelError, match=r"V is not symmetric: \[2, 1\]"):
        gsem.covstruc(S=S, V=Va, names=TRAITS)
    with pytest.raises(ValueError, match="V must be a matrix of 15 x 15"):
        gsem.covstruc(S=S, V=V[:10, :10], names=TRAITS)
    with pytest.raises(ValueError, match="names: the trait names are needed"):
        gsem.covstruc(S=S, V=V)
    with pytest.raises(KestrelError, match="traits 1 and 3 have the same name 'T1'"):
        gsem.covstruc(S=S, V=V, names=["T1", "T2", "T1", "T4", "T5"])
    Sn = S.copy()
    Sn[2, 2] = np.nan
    with pytest.raises(KestrelError, match=r"S\[3, 3\] = nan is not a finite number"):
        gsem.covstruc(S=Sn, V=V, names=TRAITS)
    with pytest.raises(ValueError, match="S_Stand and V_Stand go together"):
        gsem.covstruc(S=S, V=V, names=TRAITS, S_Stand=S)
