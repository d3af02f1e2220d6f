"""Hostile input to genomic SEM's munge, ldsc and sumstats (GenomicSEM's rules and bulik ldsc's
munge --mode ldsc, ldsc --h2 / --rg), from the shell and from Python: each case a value that R
(or upstream) would carry on with and that would poison what comes after, which kestrel now
refuses (exit 1 for bad data, 2 for a bad option, the message naming file, line and column or
the option) or removes and counts; and the output files' safety: a failed run leaves an earlier
run's files as they were and no temporary, a killed run's temporaries go with the next run.
The data are made here: 600 SNPs on one chromosome, two traits with h2 0.3 and 0.2."""
import gzip
import math
import os
import pathlib
import re
import resource
import signal
import socket
import subprocess
import time

import numpy as np
import pandas as pd
import pytest

from kestrel import KestrelError, gsem

pytestmark = pytest.mark.hostile

NSNP = 600
COMPLEMENT = {"A": "G", "C": "T", "G": "A", "T": "C"}  # (no strand-ambiguous pairs)


def write(path, text, gz=False):
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if gz:
        with gzip.open(path, "wt") as f:
            f.write(text)
    else:
        path.write_text(text)
    return path


@pytest.fixture(scope="module")
def D(tmp_path_factory):
    """hm3 list, raw files A and B, one chromosome of LD scores (GenomicSEM's layout and bulik's
    file set), their munged files and a sumstats reference."""
    d = tmp_path_factory.mktemp("gsem_hostile")
    rng = np.random.default_rng(7)
    snps = [f"rs{i + 1}" for i in range(NSNP)]
    a1 = rng.choice(list("ACGT"), NSNP)
    a2 = [COMPLEMENT[x] for x in a1]
    l2 = rng.uniform(1, 50, NSNP)
    write(d / "hm3.snplist", "SNP A1 A2\n" + "".join(f"{s} {x} {y}\n" for s, x, y in zip(snps, a1, a2)))
    write(d / "ref.txt", "SNP CHR BP MAF A1 A2\n" + "".join(
        f"{s} 1 {100 * i + 1} 0.3 {x} {y}\n" for i, (s, x, y) in enumerate(zip(snps, a1, a2))))
    ld = "CHR\tSNP\tBP\tCM\tMAF\tL2\n" + "".join(
        f"1\t{s}\t{100 * i + 1}\t0\t0.3\t{v:.3f}\n" for i, (s, v) in enumerate(zip(snps, l2)))
    write(d / "ld" / "1.l2.ldscore.gz", ld, gz=True)
    write(d / "ld" / "1.l2.M_5_50", "5000\n")
    write(d / "bld" / "one.l2.ldscore.gz", "CHR\tSNP\tBP\tL2\n" + "".join(
        f"1\t{s}\t{100 * i + 1}\t{v:.3f}\n" for i, (s, v) in enumerate(zip(snps, l2))), gz=True)
    write(d / "bld" / "one.l2.M_5_50", "5000\n")
    rows = {}
    for t, h in (("A", 0.3), ("B", 0.2)):
        z = rng.normal(size=NSNP) * np.sqrt(1 + 1e4 * h * l2 / 5000)
        p = [math.erfc(abs(v) / math.sqrt(2)) for v in z]
        rows[t] = [f"{s} {x} {y} {zz:.5f} {pp:.6g} 10000" for s, x, y, zz, pp in zip(snps, a1, a2, z, p)]
        write(d / f"{t}.txt", "SNP A1 A2 BETA P N\n" + "\n".join(rows[t]) + "\n")
    gsem.munge([d / "A.txt", d / "B.txt"], d / "hm3.snplist", out_dir=d / "m")
    D = type("D", (), {})()
    D.dir, D.rows, D.snps = d, rows, snps
    return D


def raw(D, tmp, name, edit=None, header="SNP A1 A2 BETA P N", extra=""):
    """Trait A's raw file with row i replaced by edit[i] (a function of the row's fields), extra
    appended to every row (and header)."""
    out = []
    for i, line in enumerate(D.rows["A"]):
        f = line.split()
        if edit and i in edit:
            f = edit[i](f)
        out.append(" ".join(f) + extra)
    return write(tmp / name, header + "\n" + "\n".join(out) + "\n")


def munged(D, tmp, name, edit=None, header="SNP\tN\tZ\tA1\tA2", extra=""):
    """Trait A's munged file (SNP N Z A1 A2) with rows edited as in raw(), extra appended."""
    lines = gzip.open(D.dir / "m" / "A.sumstats.gz", "rt").read().splitlines()[1:]
    out = []
    for i, line in enumerate(lines):
        f = line.split("\t")
        if edit and i in edit:
            f = edit[i](f)
        out.append("\t".join(f) + extra)
    return write(tmp / name, header + "\n" + "\n".join(out) + "\n", gz=True)


def run(kbin, *args, **kw):
    return subprocess.run([kbin, *map(str, args)], capture_output=True, text=True, **kw)


def munge_cli(kbin, D, files, out, *more):
    return run(kbin, "munge", "--files", ",".join(map(str, files)), "--hm3", D.dir / "hm3.snplist",
               "--out-dir", out, *more)


def ldsc_cli(kbin, D, traits, out, *more, ld=None):
    return run(kbin, "ldsc", "--traits", ",".join(map(str, traits)), "--ld", ld or D.dir / "ld",
               "--chr", "1", "--n-blocks", "20", "--out", out, *more)


def set_col(k, v):
    def f(fields):
        fields[k] = v
        return fields
    return f


def temporaries(d):
    return sorted(p.name for p in pathlib.Path(d).iterdir() if ".kestrel-" in p.name)


def snapshot(d):
    return {p.name: p.read_bytes() for p in sorted(pathlib.Path(d).iterdir()) if p.is_file()}


# ---- munge (GenomicSEM) ---------------------------------------------------------------------

def test_munge_p_zero_removed_and_counted(kestrel_bin, D, tmp_path):
    """P = 0: R writes Z = -Inf (or Inf); removed and counted. P = 1e-400 keeps its meaning."""
    f = raw(D, tmp_path, "p0.txt", {0: set_col(4, "0"), 1: set_col(4, "0.0e0"), 2: set_col(4, "1e-400")})
    p = munge_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 0, p.stderr
    log = (tmp_path / "o" / "p0_munge.log").read_text()
    assert "2 rows were removed from the" in log and "due to P-values of 0" in log
    (r,) = gsem.munge([f], D.dir / "hm3.snplist", out_dir=tmp_path / "py")
    assert r["p_zero"] == 2 and r["written"] == NSNP - 2
    z = pd.read_csv(tmp_path / "py" / "p0.sumstats.gz", sep="\t")
    assert np.isfinite(z.Z).all() and "rs1" not in set(z.SNP) and "rs3" in set(z.SNP)
    assert abs(z.Z[z.SNP == "rs3"].iloc[0]) > 42  # (|Z| for P = 1e-400: 42.7)


def test_munge_n_missing_or_not_positive(kestrel_bin, D, tmp_path):
    """N of 0, -5, inf or NA in the N column: R writes them (ldsc divides by them); removed,
    counted by reason."""
    f = raw(D, tmp_path, "n.txt", {0: set_col(5, "0"), 1: set_col(5, "-5"), 2: set_col(5, "inf"),
                                   3: set_col(5, "NA")})
    p = munge_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 0, p.stderr
    log = (tmp_path / "o" / "n_munge.log").read_text()
    assert "1 rows were removed from the" in log and "due to missing values in the N column" in log
    assert "3 rows were removed" in log and "due to N values that are not a number > 0" in log
    (r,) = gsem.munge([f], D.dir / "hm3.snplist", out_dir=tmp_path / "py")
    assert (r["n_missing"], r["n_invalid"], r["written"]) == (1, 3, NSNP - 4)
    n = pd.read_csv(tmp_path / "py" / "n.sumstats.gz", sep="\t").N
    assert (n == 10000).all()


@pytest.mark.parametrize("value", ["0", "-3", "inf", "nan", "x"])
def test_munge_option_n_not_positive(kestrel_bin, D, tmp_path, value):
    p = munge_cli(kestrel_bin, D, [D.dir / "A.txt"], tmp_path / "o", "--N", value)
    assert p.returncode == 2 and f"--N '{value}'" in p.stderr
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


@pytest.mark.parametrize("value", [0, -1, float("inf")])
def test_munge_python_n_not_positive(D, tmp_path, value):
    with pytest.raises(ValueError, match=r"^N=.*: expected a number > 0 \(None: the N column\)"):
        gsem.munge([D.dir / "A.txt"], D.dir / "hm3.snplist", N=value, out_dir=tmp_path)


@pytest.mark.parametrize("header,first,second,field", [
    ("SNP A1 A2 BETA P N PVAL", "P", "PVAL", "P"),
    ("SNP A1 A2 OR P N BETA", "OR", "BETA", "effect"),
    ("SNP REF A2 BETA P N A1", "REF", "A1", "A1"),  # PLINK 2 style: R reads REF as A1
    ("SNP A1 A2 BETA P N NEFF", "N", "NEFF", "N"),
    ("RSID A1 A2 BETA P N SNP", "RSID", "SNP", "SNP"),
])
def test_munge_two_candidate_columns(kestrel_bin, D, tmp_path, header, first, second, field):
    f = raw(D, tmp_path, "two.txt", header=header, extra=" 0.5")
    p = munge_cli(kestrel_bin, D, [f], tmp_path / "o")
    cols = header.split()
    i, j = sorted((cols.index(first) + 1, cols.index(second) + 1))
    assert p.returncode == 1, p.stderr
    assert re.search(rf"two.txt:1: columns {i} \('\w+'\) and {j} \('\w+'\) can both be the "
                     rf"{field} column", p.stderr), p.stderr
    with pytest.raises(KestrelError, match=f"can both be the {field} column"):
        gsem.munge([f], D.dir / "hm3.snplist", out_dir=tmp_path / "py")
    # naming the column settles it
    (r,) = gsem.munge([f], D.dir / "hm3.snplist", out_dir=tmp_path / "py",
                      column_names={field: second})
    assert r["columns"][field] == second


def test_munge_duplicated_snps_kept_and_counted(kestrel_bin, D, tmp_path):
    """R keeps a repeated SNP's rows; so does kestrel, counting them."""
    f = write(tmp_path / "dup.txt", "SNP A1 A2 BETA P N\n" + "\n".join(D.rows["A"] + D.rows["A"][:3]) + "\n")
    p = munge_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 0, p.stderr
    assert "3 rows repeat the rs-id of an earlier row; they are kept" in (
        tmp_path / "o" / "dup_munge.log").read_text()
    (r,) = gsem.munge([f], D.dir / "hm3.snplist", out_dir=tmp_path / "py")
    assert r["duplicated"] == 3 and r["written"] == NSNP + 3


def test_munge_reference_naming_a_column_twice(kestrel_bin, D, tmp_path):
    ref = write(tmp_path / "hm3.txt", "SNP A1 A2 SNP\nrs1 A G rs2\n")
    p = run(kestrel_bin, "munge", "--files", D.dir / "A.txt", "--hm3", ref, "--out-dir", tmp_path / "o")
    assert p.returncode == 1 and "hm3.txt:1: columns 1 and 4 are both named 'SNP'" in p.stderr


def test_munge_python_shapes(D, tmp_path):
    with pytest.raises(ValueError, match="^files: expected at least one file, not an empty list$"):
        gsem.munge([], D.dir / "hm3.snplist", out_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^files: expected a list of paths \(1-D\), not a 2-D array$"):
        gsem.munge(np.array([[str(D.dir / "A.txt")]]), D.dir / "hm3.snplist", out_dir=tmp_path)
    with pytest.raises(ValueError, match=r"^N: expected one value per file \(a 1-D list of 2\), not a 2-D"):
        gsem.munge([D.dir / "A.txt", D.dir / "B.txt"], D.dir / "hm3.snplist",
                   N=np.array([[1e4, 1e4]]), out_dir=tmp_path)
    with pytest.raises(TypeError, match=r"^N='many': expected a number"):
        gsem.munge([D.dir / "A.txt"], D.dir / "hm3.snplist", N=["many"], out_dir=tmp_path)
    # uint64 numbers are numbers: the same files as with floats
    gsem.munge([D.dir / "A.txt"], D.dir / "hm3.snplist", N=np.array([5000], dtype=np.uint64),
               out_dir=tmp_path / "u")
    gsem.munge([D.dir / "A.txt"], D.dir / "hm3.snplist", N=5000.0, out_dir=tmp_path / "f")
    assert (gzip.open(tmp_path / "u" / "A.sumstats.gz").read()
            == gzip.open(tmp_path / "f" / "A.sumstats.gz").read())
    # one path is a list of one
    (r,) = gsem.munge(D.dir / "A.txt", D.dir / "hm3.snplist", out_dir=tmp_path / "one")
    assert r["written"] == NSNP


# ---- munge --mode ldsc (munge_sumstats.py's rules) ---------------------------------------------

def test_munge_ldsc_n_not_positive_counted(kestrel_bin, D, tmp_path):
    """N <= 0 passes upstream's N filter with --n-min -10 (and N = inf any filter); upstream
    writes them; removed and counted."""
    f = raw(D, tmp_path, "n.txt", {0: set_col(5, "0"), 1: set_col(5, "-5"), 2: set_col(5, "inf")})
    p = run(kestrel_bin, "munge", "--mode", "ldsc", "--sumstats", f, "--out", tmp_path / "x",
            "--n-min", "-10", "--signed-sumstats", "BETA,0")
    assert p.returncode == 0, p.stderr
    assert "Removed 3 SNPs with N not a number > 0 (597 SNPs remain)." in (tmp_path / "x.log").read_text()
    (r,) = gsem.munge([f], mode="ldsc", n_min=-10, signed_sumstats="BETA,0", out_dir=tmp_path / "py")
    assert r["n_invalid"] == 3 and r["written"] == NSNP - 3
    (r,) = gsem.munge([f], mode="ldsc", signed_sumstats="BETA,0", out_dir=tmp_path / "py2")
    assert r["n_low"] == 2 and r["n_invalid"] == 1  # (upstream's filter takes 0 and -5)


@pytest.mark.parametrize("opt,value", [("--N", "0"), ("--N", "-1"), ("--N-cas", "-5"),
                                       ("--N-con", "inf")])
def test_munge_ldsc_n_options(kestrel_bin, D, tmp_path, opt, value):
    p = run(kestrel_bin, "munge", "--mode", "ldsc", "--sumstats", D.dir / "A.txt", "--out",
            tmp_path / "x", opt, value)
    assert p.returncode == 2 and f"{opt} '{value}' is not a positive number" in p.stderr


def test_munge_ldsc_p_zero_counted(kestrel_bin, D, tmp_path):
    """(upstream's rule, kept: P outside (0, 1] is removed and counted)"""
    f = raw(D, tmp_path, "p.txt", {0: set_col(4, "0")})
    (r,) = gsem.munge([f], mode="ldsc", signed_sumstats="BETA,0", out_dir=tmp_path)
    assert r["p_bad"] == 1 and r["written"] == NSNP - 1


def test_munge_ldsc_out_never_doubles_an_ending(kestrel_bin, D, tmp_path):
    for given in ("x.sumstats.gz", "x.sumstats", "x.log", "x"):
        p = run(kestrel_bin, "munge", "--mode", "ldsc", "--sumstats", D.dir / "A.txt", "--out",
                tmp_path / given, "--signed-sumstats", "BETA,0")
        assert p.returncode == 0, p.stderr
        assert sorted(os.listdir(tmp_path)) == ["x.log", "x.sumstats.gz"], given
    p = run(kestrel_bin, "munge", "--mode", "ldsc", "--sumstats", D.dir / "A.txt", "--out",
            str(tmp_path) + "/", "--signed-sumstats", "BETA,0")
    assert p.returncode == 2 and "a prefix for the file names is needed, not a directory" in p.stderr


# ---- ldsc (GenomicSEM) ----------------------------------------------------------------------

def ld_copy(D, tmp, col=5, row=3, value=None, header=None, m=None, extra=None):
    """The LD folder with one cell (1-based row after the header) replaced, or another header,
    or another M_5_50 text, or a column added."""
    lines = gzip.open(D.dir / "ld" / "1.l2.ldscore.gz", "rt").read().splitlines()
    if value is not None:
        f = lines[row].split("\t")
        f[col] = value
        lines[row] = "\t".join(f)
    if extra:
        lines = [l + "\t" + (extra[0] if i == 0 else extra[1]) for i, l in enumerate(lines)]
    if header:
        lines[0] = header
    d = tmp / "ld"
    write(d / "1.l2.ldscore.gz", "\n".join(lines) + "\n", gz=True)
    write(d / "1.l2.M_5_50", m if m is not None else "5000\n")
    return d


@pytest.mark.parametrize("value", ["nan", "inf", "-1", "0", "NA", ""])
def test_ldsc_l2_not_positive(kestrel_bin, D, tmp_path, value):
    """R would carry the row into every mean and weight: NaN or nonsense S and V."""
    ld = ld_copy(D, tmp_path, value=value)
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", ld=ld)
    assert p.returncode == 1
    assert f"1.l2.ldscore.gz:4:6: '{value}' in column L2 is not an LD score > 0" in p.stderr
    with pytest.raises(KestrelError, match=r"1.l2.ldscore.gz:4:6: .* is not an LD score > 0"):
        gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=ld, chr=1, n_blocks=20)


def test_ldsc_weight_not_positive(kestrel_bin, D, tmp_path):
    ld = ld_copy(D, tmp_path, value="0")
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", "--sep-weights",
                 "--wld", ld)
    assert p.returncode == 1 and "1.l2.ldscore.gz:4:6: '0' in column wLD is not an LD score > 0" in p.stderr


@pytest.mark.parametrize("col,value", [(0, "NA"), (2, "x"), (2, "1e300")])
def test_ldsc_position_not_a_number(kestrel_bin, D, tmp_path, col, value):
    """(a missing CHR was cast to an integer: undefined behaviour)"""
    ld = ld_copy(D, tmp_path, col=col, value=value)
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", ld=ld)
    name = "CHR" if col == 0 else "BP"
    assert p.returncode == 1 and f"1.l2.ldscore.gz:4:{col + 1}: '{value}'" in p.stderr
    assert f"column {name}" in p.stderr


@pytest.mark.parametrize("text,where", [
    ("nan\n", ":1:1: 'nan' is not a number of SNPs > 0"),
    ("inf\n", ":1:1: 'inf' is not a number of SNPs > 0"),
    ("-5000\n", ":1:1: '-5000' is not a number of SNPs > 0"),
    ("0\n", ":1:1: '0' is not a number of SNPs > 0"),
    ("5000 abc\n", ":1:2: 'abc' is not a number of SNPs > 0"),
    ("\n", ": no number")])
def test_ldsc_m_5_50_not_positive(kestrel_bin, D, tmp_path, text, where):
    """R sums whatever the files hold into m, which divides every h2 and V."""
    ld = ld_copy(D, tmp_path, m=text)
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", ld=ld)
    assert p.returncode == 1 and f"1.l2.M_5_50{where}" in p.stderr, p.stderr
    with pytest.raises(KestrelError, match=re.escape(f"1.l2.M_5_50{where}")):
        gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=ld, chr=1, n_blocks=20)


def test_ldsc_header_naming_l2_twice(kestrel_bin, D, tmp_path):
    ld = ld_copy(D, tmp_path, extra=("L2", "7"))
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", ld=ld)
    assert p.returncode == 1 and "1.l2.ldscore.gz:1: columns 6 and 7 are both named 'L2'" in p.stderr


def test_ldsc_munged_header_naming_z_twice(kestrel_bin, D, tmp_path):
    f = munged(D, tmp_path, "zz.sumstats.gz", header="SNP\tN\tZ\tA1\tA2\tZ", extra="\t0")
    p = ldsc_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 1 and "zz.sumstats.gz:1: columns 3 and 6 are both named 'Z'" in p.stderr


@pytest.mark.parametrize("opt,values", [("--sample-prev", "1.5"), ("--sample-prev", "0"),
                                        ("--population-prev", "1"), ("--population-prev", "-0.1")])
def test_ldsc_prevalence_outside_0_1(kestrel_bin, D, tmp_path, opt, values):
    other = "--population-prev" if opt == "--sample-prev" else "--sample-prev"
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", opt, values,
                 other, "0.5")
    assert p.returncode == 2 and f"{opt}: {values} (trait 1, A) is not in (0, 1)" in p.stderr
    what = opt[2:].replace("-", "_")
    kw = {what: [float(values)], ("population_prev" if what == "sample_prev" else "sample_prev"): [0.5]}
    with pytest.raises(ValueError, match=rf"^{what}: .* is not in \(0, 1\)"):
        gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=D.dir / "ld", chr=1, n_blocks=20, **kw)


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan"])
def test_ldsc_chisq_max_not_positive(kestrel_bin, D, tmp_path, value):
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], tmp_path / "o", "--chisq-max", value)
    assert p.returncode == 2 and "--chisq-max" in p.stderr
    with pytest.raises(ValueError, match=r"^chisq_max=.*: expected a number > 0"):
        gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=D.dir / "ld", chr=1, n_blocks=20,
                  chisq_max=float(value))


@pytest.mark.parametrize("more", [0, 1, 5000])
def test_ldsc_more_blocks_than_snps(kestrel_bin, D, tmp_path, more):
    """As many blocks as SNPs or more: R's blocks would be empty or overlap (1:0 deletes row
    1), the jackknife meaningless."""
    d = gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=D.dir / "ld", chr=1, n_blocks=20).details
    snps = d["snps_used"][0]
    assert snps == d["snps_merged"][0] - d["snps_bad_n"][0] - d["snps_removed"][0]
    blocks = snps + more
    p = run(kestrel_bin, "ldsc", "--traits", D.dir / "m" / "A.sumstats.gz", "--ld", D.dir / "ld",
            "--chr", "1", "--n-blocks", blocks, "--out", tmp_path / "o")
    assert p.returncode == 1
    assert re.search(rf"A.sumstats.gz: \d+ SNPs are too few for {blocks} jackknife blocks "
                     r"\(n_blocks, --n-blocks", p.stderr), p.stderr
    with pytest.raises(KestrelError, match=f"too few for {blocks} jackknife blocks"):
        gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=D.dir / "ld", chr=1, n_blocks=blocks)


def test_ldsc_munged_n_not_positive_counted(kestrel_bin, D, tmp_path):
    """A munged N of 0, -4 or inf (R: the weights and N-bar become NaN or Inf, and chisq_max =
    0.001 max N is Inf): removed after the merge, counted."""
    f = munged(D, tmp_path, "n.sumstats.gz", {0: set_col(1, "0"), 1: set_col(1, "-4"), 2: set_col(1, "inf")})
    p = ldsc_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 0, p.stderr
    log = (tmp_path / "o.log").read_text()
    assert "Out of 600 SNPs, 600 remain after merging with LD-score files\n" \
           "Removing 3 SNPs with N not a number > 0; 597 remain\nRemoving" in log
    assert "Chi^2 > 80;" in log
    fit = gsem.ldsc([f], ld=D.dir / "ld", chr=1, n_blocks=20)
    assert fit.details["snps_bad_n"][0] == 3 and fit.details["chisq_max"][0] == 80
    assert fit.details["snps_after_n"][0] == 597  # the log's count, from C
    assert np.isfinite(fit.S).all()


def test_ldsc_no_snp_left(kestrel_bin, D, tmp_path):
    """Every N 0: nothing to regress, an error naming the file (not "shares no SNPs" with
    itself)."""
    f = munged(D, tmp_path, "n0.sumstats.gz", {i: set_col(1, "0") for i in range(NSNP)})
    p = ldsc_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 1 and "n0.sumstats.gz: no SNP left after the merge" in p.stderr
    assert not any(tmp_path.glob("o*"))


def test_ldsc_munged_infinite_z_removed_by_the_chisq_filter(D, tmp_path):
    """Z = Inf (R's munge of P = 0): R's chi-square filter removes it; so does kestrel's."""
    f = munged(D, tmp_path, "z.sumstats.gz", {0: set_col(2, "Inf"), 1: set_col(2, "-Inf")})
    a = gsem.ldsc([D.dir / "m" / "A.sumstats.gz"], ld=D.dir / "ld", chr=1, n_blocks=20)
    b = gsem.ldsc([f], ld=D.dir / "ld", chr=1, n_blocks=20)
    assert b.details["snps_removed"][0] == a.details["snps_removed"][0] + 2
    assert np.isfinite(b.S).all()


def test_ldsc_duplicated_snps_kept_and_counted(kestrel_bin, D, tmp_path):
    lines = gzip.open(D.dir / "m" / "A.sumstats.gz", "rt").read().splitlines()
    f = write(tmp_path / "d.sumstats.gz", "\n".join(lines + lines[1:3]) + "\n", gz=True)
    p = ldsc_cli(kestrel_bin, D, [f], tmp_path / "o")
    assert p.returncode == 0, p.stderr
    assert "2 of them repeat a SNP of the file (kept, as GenomicSEM keeps them)" in (
        tmp_path / "o.log").read_text()
    fit = gsem.ldsc([f], ld=D.dir / "ld", chr=1, n_blocks=20)
    assert fit.details["snps_dup"][0] == 2


def test_ldsc_python_shapes(D):
    A = D.dir / "m" / "A.sumstats.gz"
    with pytest.raises(ValueError, match="^traits: expected at least one file, not an empty list$"):
        gsem.ldsc([], ld=D.dir / "ld", chr=1)
    with pytest.raises(ValueError, match=r"^traits: expected a list of paths \(1-D\), not a 2-D array$"):
        gsem.ldsc(np.array([[str(A)]]), ld=D.dir / "ld", chr=1)
    with pytest.raises(ValueError, match=r"^sample_prev: expected one value per file \(a 1-D list of 1\), not a 2-D"):
        gsem.ldsc([A], np.array([[0.5]]), np.array([[0.1]]), ld=D.dir / "ld", chr=1, n_blocks=20)
    with pytest.raises(ValueError, match=r"^sample_prev: expected one value per file \(a 1-D list of 2\), not one"):
        gsem.ldsc([A, A], 0.5, 0.1, ld=D.dir / "ld", chr=1, n_blocks=20)
    with pytest.raises(ValueError, match="^select: False, 'ODD', 'EVEN' or a list"):
        gsem.ldsc([A], ld=D.dir / "ld", chr=1, n_blocks=20, select=np.array([[1]]))
    with pytest.raises(ValueError, match=r"^n_blocks=.*: expected an integer >= 2 \(at most"):
        gsem.ldsc([A], ld=D.dir / "ld", chr=1, n_blocks=np.uint64(2 ** 63))
    with pytest.raises(TypeError, match=r"^n_blocks=20.5: expected an integer >= 2$"):
        gsem.ldsc([A], ld=D.dir / "ld", chr=1, n_blocks=20.5)
    a = gsem.ldsc([A], ld=D.dir / "ld", chr=np.uint64(1), n_blocks=np.uint64(20),
                  select=np.array([1], dtype=np.uint64))
    b = gsem.ldsc([A], ld=D.dir / "ld", chr=1, n_blocks=20)
    assert (a.S == b.S).all() and (a.V == b.V).all()


def test_ldsc_out_never_doubles_an_ending(kestrel_bin, D, tmp_path):
    """`--out x/ldsc` wrote x/ldsc_ldsc.log; the log is PREFIX.log, and an ending given in
    --out is not repeated."""
    files = ["ldsc.log", "ldsc_I.tsv", "ldsc_N.tsv", "ldsc_S.tsv", "ldsc_S_Stand.tsv",
             "ldsc_V.tsv", "ldsc_V_Stand.tsv", "ldsc_covstruc.txt", "ldsc_m.txt"]
    for given in ("ldsc", "ldsc.log", "ldsc_S.tsv"):
        p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz", D.dir / "m" / "B.sumstats.gz"],
                     tmp_path / given)
        assert p.returncode == 0, p.stderr
        assert sorted(os.listdir(tmp_path)) == files, given
    p = ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], str(tmp_path) + "/")
    assert p.returncode == 2 and "not a directory" in p.stderr


# ---- sumstats -------------------------------------------------------------------------------

def sumstats_cli(kbin, D, files, out, *more):
    return run(kbin, "sumstats", "--files", ",".join(map(str, files)), "--ref", D.dir / "ref.txt",
               "--se-logit", ",".join("F" * len(files)), "--out", out, *more)


def test_sumstats_ols_n_not_positive_counted(kestrel_bin, D, tmp_path):
    """OLS divides by sqrt(N): N = 0 gave beta = Inf, which R's na.omit keeps; removed and
    counted with the other bad N."""
    f = raw(D, tmp_path, "n.txt", {0: set_col(5, "0"), 1: set_col(5, "-5"), 2: set_col(5, "NA")})
    p = sumstats_cli(kestrel_bin, D, [f], tmp_path / "s.tsv", "--ols", "T")
    assert p.returncode == 0, p.stderr
    assert "3 rows were removed from the" in (tmp_path / "n_sumstats.log").read_text()
    s = gsem.sumstats([f], D.dir / "ref.txt", se_logit=[False], OLS=[True])
    r = s.attrs["reports"][0]
    assert r["n_invalid"] == 3 and r["not_finite"] == 0 and len(s) == NSNP - 3
    assert np.isfinite(s["beta.n"]).all() and (s["se.n"] > 0).all()


def test_sumstats_p_zero(D, tmp_path):
    """P = 0 under OLS: Z = Inf, beta = Inf (or SE 0 with betas): removed, counted; with a
    logistic effect and SE, P is not used and the row stays (R's output means something)."""
    f = raw(D, tmp_path, "p.txt", {0: set_col(4, "0")}, header="SNP A1 A2 BETA P N SE",
            extra=" 0.01")
    s = gsem.sumstats([f], D.dir / "ref.txt", se_logit=[False], OLS=[True])
    assert s.attrs["reports"][0]["p_zero"] == 1 and len(s) == NSNP - 1
    s = gsem.sumstats([f], D.dir / "ref.txt", se_logit=[False], OLS=[True], betas=[True])
    assert s.attrs["reports"][0]["p_zero"] == 1 and (s["se.p"] > 0).all()
    s = gsem.sumstats([f], D.dir / "ref.txt", se_logit=[True])
    assert s.attrs["reports"][0]["p_zero"] == 0 and len(s) == NSNP


@pytest.mark.parametrize("value", ["0", "-1", "inf"])
def test_sumstats_option_n_not_positive(kestrel_bin, D, tmp_path, value):
    p = sumstats_cli(kestrel_bin, D, [D.dir / "A.txt"], tmp_path / "s.tsv", "--ols", "T", "--N", value)
    assert p.returncode == 2 and "--N:" in p.stderr and "is not a number > 0" in p.stderr
    with pytest.raises(ValueError, match=r"^N=.*: expected a number > 0"):
        gsem.sumstats([D.dir / "A.txt"], D.dir / "ref.txt", se_logit=[False], OLS=[True],
                      N=[float(value)])


def test_sumstats_two_se_columns(kestrel_bin, D, tmp_path):
    f = raw(D, tmp_path, "se.txt", header="SNP A1 A2 BETA P N SE STDERR", extra=" 0.01 0.02")
    p = sumstats_cli(kestrel_bin, D, [f], tmp_path / "s.tsv")
    assert p.returncode == 1 and "se.txt:1: columns 7 ('SE') and 8 ('STDERR') can both be the SE" in p.stderr


def test_sumstats_python_shapes(D):
    with pytest.raises(ValueError, match="^files: expected at least one file, not an empty list$"):
        gsem.sumstats([], D.dir / "ref.txt", se_logit=[])
    with pytest.raises(ValueError, match=r"^N: expected one value per file \(a 1-D list of 1\), not a 2-D"):
        gsem.sumstats([D.dir / "A.txt"], D.dir / "ref.txt", se_logit=[False], OLS=True,
                      N=np.array([[1e4]]))
    with pytest.raises(ValueError, match=r"^OLS: expected one flag per file \(a 1-D list of 1\), not a 2-D"):
        gsem.sumstats([D.dir / "A.txt"], D.dir / "ref.txt", se_logit=[False], OLS=np.array([[True]]))
    a = gsem.sumstats([D.dir / "A.txt"], D.dir / "ref.txt", se_logit=[False], OLS=True,
                      N=np.array([10000], dtype=np.uint64))
    b = gsem.sumstats([D.dir / "A.txt"], D.dir / "ref.txt", se_logit=[False], OLS=True, N=[1e4])
    assert (a["beta.A"] == b["beta.A"]).all()


# ---- bulik ldsc (--h2 / --rg) ---------------------------------------------------------------

def h2_cli(kbin, D, out, *more, ref=None):
    return run(kbin, "ldsc", "--h2", D.dir / "m" / "A.sumstats.gz", "--ref-ld", ref or D.dir / "bld" / "one",
               "--w-ld", D.dir / "bld" / "one", "--out", out, *more)


@pytest.mark.parametrize("value", ["0", "-5000", "nan", "inf", "1,-2"])
def test_bulik_option_m_not_positive(kestrel_bin, D, tmp_path, value):
    p = h2_cli(kestrel_bin, D, tmp_path / "h", "--M", value)
    assert p.returncode == 2 and f"--M '{value}'" in p.stderr


def test_bulik_python_m(D):
    kw = dict(ref_ld=D.dir / "bld" / "one", w_ld=D.dir / "bld" / "one")
    A = D.dir / "m" / "A.sumstats.gz"
    with pytest.raises(ValueError, match="^M: 0: not a number > 0$"):
        gsem.ldsc_h2(A, M=0, **kw)
    with pytest.raises(ValueError, match=r"^M: one number per annotation \(1-D\), not a 2-D"):
        gsem.ldsc_h2(A, M=np.array([[5000]]), **kw)
    a = gsem.ldsc_h2(A, M=np.array([5000], dtype=np.uint64), **kw)
    b = gsem.ldsc_h2(A, **kw)
    assert a.h2 == b.h2 and a.h2_se == b.h2_se
    with pytest.raises(ValueError, match="^sumstats: expected at least one file, not an empty list$"):
        gsem.ldsc_rg([], **kw)


@pytest.mark.parametrize("text", ["0\n", "nan\n", "-5000\n"])
def test_bulik_m_file_not_positive(kestrel_bin, D, tmp_path, text):
    write(tmp_path / "b" / "one.l2.ldscore.gz", gzip.open(D.dir / "bld" / "one.l2.ldscore.gz", "rt").read(), gz=True)
    write(tmp_path / "b" / "one.l2.M_5_50", text)
    p = h2_cli(kestrel_bin, D, tmp_path / "h", ref=tmp_path / "b" / "one")
    assert p.returncode == 1 and "M (.l2.M_5_50 for" in p.stderr and "is not a number of SNPs > 0" in p.stderr


def test_bulik_ld_header_naming_l2_twice(kestrel_bin, D, tmp_path):
    lines = gzip.open(D.dir / "bld" / "one.l2.ldscore.gz", "rt").read().splitlines()
    lines = [lines[0] + "\tL2"] + [l + "\t3.0" for l in lines[1:]]
    write(tmp_path / "b" / "two.l2.ldscore.gz", "\n".join(lines) + "\n", gz=True)
    write(tmp_path / "b" / "two.l2.M_5_50", "5000\t5000\n")
    p = h2_cli(kestrel_bin, D, tmp_path / "h", ref=tmp_path / "b" / "two")
    assert p.returncode == 1 and "two.l2.ldscore.gz:1: columns 4 and 5 are both named 'L2'" in p.stderr


def test_bulik_n_not_positive_is_an_error(kestrel_bin, D, tmp_path):
    """(already so: an error naming the cell)"""
    f = munged(D, tmp_path, "n.sumstats.gz", {4: set_col(1, "0")})
    p = run(kestrel_bin, "ldsc", "--h2", f, "--ref-ld", D.dir / "bld" / "one", "--w-ld",
            D.dir / "bld" / "one", "--out", tmp_path / "h")
    assert p.returncode == 1 and "n.sumstats.gz:6:2: N '0' is not positive" in p.stderr


def test_bulik_out_never_doubles_an_ending(kestrel_bin, D, tmp_path):
    for given in ("h", "h.log", "h.h2.tsv"):
        p = h2_cli(kestrel_bin, D, tmp_path / given)
        assert p.returncode == 0, p.stderr
        assert sorted(os.listdir(tmp_path)) == ["h.h2.tsv", "h.log"], given


# ---- output safety --------------------------------------------------------------------------

def file_limit(nbytes):
    """preexec_fn: writes past nbytes fail (EFBIG) instead of killing the process."""
    def f():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return f


def test_ldsc_failed_write_keeps_the_earlier_set(kestrel_bin, D, tmp_path):
    """A write failing in the middle (the log, past a file size limit, after S, I, V, ...): no
    file of the new run appears, the earlier run's complete set stays as it was."""
    traits = [D.dir / "m" / "A.sumstats.gz", D.dir / "m" / "B.sumstats.gz"]
    out = tmp_path / "o"
    out.mkdir()
    assert ldsc_cli(kestrel_bin, D, traits, out / "cov").returncode == 0
    before = snapshot(out)
    assert len(before) == 9
    p = subprocess.run([kestrel_bin, "ldsc", "--traits", ",".join(map(str, traits)), "--ld",
                        str(D.dir / "ld"), "--chr", "1", "--n-blocks", "50", "--out", str(out / "cov")],
                       capture_output=True, text=True, preexec_fn=file_limit(900))
    assert p.returncode == 1 and "write failed" in p.stderr, p.stderr
    assert snapshot(out) == before and temporaries(out) == []
    # and without the limit the new set replaces the old one whole
    assert ldsc_cli(kestrel_bin, D, traits, out / "cov", "--n-blocks", "50").returncode == 0
    after = snapshot(out)
    assert after.keys() == before.keys() and after["cov_V.tsv"] != before["cov_V.tsv"]


def test_ldsc_stale_standardized_files_removed(kestrel_bin, D, tmp_path):
    """A run with a heritability <= 0 has no S_Stand / V_Stand: an earlier run's are removed
    with the commit, not left beside the new S and V."""
    out = tmp_path / "o"
    out.mkdir()
    A = D.dir / "m" / "A.sumstats.gz"
    null = munged(D, tmp_path, "C.sumstats.gz", {i: set_col(2, "0.001") for i in range(NSNP)})
    assert ldsc_cli(kestrel_bin, D, [A, D.dir / "m" / "B.sumstats.gz"], out / "cov").returncode == 0
    assert (out / "cov_S_Stand.tsv").exists()
    p = ldsc_cli(kestrel_bin, D, [A, null], out / "cov")
    assert p.returncode == 0 and "no genetic correlations" in p.stdout, p.stderr
    assert sorted(os.listdir(out)) == ["cov.log", "cov_I.tsv", "cov_N.tsv", "cov_S.tsv",
                                       "cov_V.tsv", "cov_covstruc.txt", "cov_m.txt"]


def test_munge_failed_file_keeps_the_earlier_files(kestrel_bin, D, tmp_path):
    """munge of A and B fails on B (a truncated gzip): A's new file does not replace the
    earlier run's, and nothing is removed."""
    out = tmp_path / "o"
    good_b = write(tmp_path / "B.txt.gz", (D.dir / "B.txt").read_text(), gz=True)
    assert munge_cli(kestrel_bin, D, [D.dir / "A.txt", good_b], out).returncode == 0
    before = snapshot(out)
    assert sorted(before) == ["A.sumstats.gz", "A_B_munge.log", "B.sumstats.gz"]
    raw_bytes = good_b.read_bytes()
    good_b.write_bytes(raw_bytes[: len(raw_bytes) // 2])
    p = munge_cli(kestrel_bin, D, [D.dir / "A.txt", good_b], out, "--N", "777")
    assert p.returncode == 1 and "B.txt.gz" in p.stderr
    assert snapshot(out) == before and temporaries(out) == []


def test_sumstats_failed_write_keeps_the_earlier_files(kestrel_bin, D, tmp_path):
    out = tmp_path / "s.tsv"
    assert sumstats_cli(kestrel_bin, D, [D.dir / "A.txt"], out, "--ols", "T").returncode == 0
    before = snapshot(tmp_path)
    assert sorted(before) == ["A_sumstats.log", "s.tsv"]
    p = subprocess.run([kestrel_bin, "sumstats", "--files", str(D.dir / "A.txt"), "--ref",
                        str(D.dir / "ref.txt"), "--se-logit", "F", "--ols", "T", "--N", "5000",
                        "--out", str(out)], capture_output=True, text=True,
                       preexec_fn=file_limit(4000))
    assert p.returncode == 1 and "write failed" in p.stderr, p.stderr
    assert snapshot(tmp_path) == before and temporaries(tmp_path) == []


def test_bulik_failed_results_keep_the_earlier_log(kestrel_bin, D, tmp_path):
    """The log and the results are one set: a results file that cannot be put in place (a
    directory there) leaves the earlier log, not a new log without its results."""
    assert h2_cli(kestrel_bin, D, tmp_path / "h").returncode == 0
    log = (tmp_path / "h.log").read_bytes()
    (tmp_path / "h.h2.tsv").unlink()
    (tmp_path / "h.h2.tsv").mkdir()
    p = h2_cli(kestrel_bin, D, tmp_path / "h", "--n-blocks", "50")
    assert p.returncode == 1 and "h.h2.tsv: cannot replace: it is a directory" in p.stderr
    assert (tmp_path / "h.log").read_bytes() == log and temporaries(tmp_path) == []


def host():
    return re.sub(r"[^A-Za-z0-9]", "_", socket.gethostname()[:63]) or "host"


def test_leftover_temporary_of_a_dead_run_is_removed(kestrel_bin, D, tmp_path):
    """Temporaries named for the target, this host and a process that no longer runs go when
    the target is next written; a live process's, another host's and another target's stay."""
    out = tmp_path / "o"
    out.mkdir()
    dead = out / f".cov_S.tsv.kestrel-{host()}-999999999-Ab12Cd.tmp"
    live = out / f".cov_S.tsv.kestrel-{host()}-{os.getpid()}-Ab12Cd.tmp"
    other_host = out / ".cov_S.tsv.kestrel-elsewhere-999999999-Ab12Cd.tmp"
    other_target = out / f".x.tsv.kestrel-{host()}-999999999-Ab12Cd.tmp"
    for p in (dead, live, other_host, other_target):
        p.write_text("partial")
    assert ldsc_cli(kestrel_bin, D, [D.dir / "m" / "A.sumstats.gz"], out / "cov").returncode == 0
    assert not dead.exists() and live.exists() and other_host.exists() and other_target.exists()


def test_sigkilled_run_temporaries_cleaned_by_the_next(kestrel_bin, D, tmp_path):
    """A real run killed with SIGKILL while its first file waits for the second (read from a
    FIFO that never delivers) leaves that file's temporary; the next run writing it removes it."""
    out = tmp_path / "o"
    fifo = tmp_path / "slow.txt"
    os.mkfifo(fifo)
    p = subprocess.Popen([kestrel_bin, "munge", "--files", f"{D.dir / 'A.txt'},{fifo}", "--hm3",
                          str(D.dir / "hm3.snplist"), "--out-dir", str(out), "--threads", "1"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        while time.time() - t0 < 60 and not (out.exists() and temporaries(out)):
            time.sleep(0.01)
        left = temporaries(out)
    finally:
        p.kill()
        p.wait()
    assert p.returncode == -signal.SIGKILL
    assert len(left) == 1 and left[0].startswith(f".A.sumstats.gz.kestrel-{host()}-{p.pid}-")
    assert temporaries(out) == left and not (out / "A.sumstats.gz").exists()
    q = munge_cli(kestrel_bin, D, [D.dir / "A.txt"], out)
    assert q.returncode == 0, q.stderr
    assert temporaries(out) == [] and sorted(os.listdir(out)) == ["A.sumstats.gz", "A_munge.log"]
