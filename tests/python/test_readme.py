"""The README stays true: its C example compiles against the built library and prints the
numbers kestrel.feols gives for the same model."""
import re
import subprocess

import pandas as pd
import pytest

import kestrel
from conftest import ROOT


def test_c_example(tmp_path):
    lib = ROOT / "build" / "libkestrel.a"
    assert lib.exists(), "build/libkestrel.a not built (run make build)"
    code = re.search(r"```c\n(/\* example\.c.*?)```", (ROOT / "README.md").read_text(), re.S).group(1)
    src = tmp_path / "example.c"
    src.write_text(code)
    exe = tmp_path / "example"
    subprocess.run(["cc", str(src), "-I", str(ROOT / "include"), str(lib), "-lopenblas", "-lz", "-lisal",
                    "-lm", "-fopenmp", "-o", str(exe)], check=True)
    out = subprocess.run([str(exe), str(ROOT / "data" / "panel.csv")], capture_output=True,
                         text=True, check=True).stdout.split("\n")
    fit = kestrel.feols("log_wage ~ hours + union | worker + year", pd.read_csv(ROOT / "data" / "panel.csv"),
                        vcov={"CRV1": "worker"})
    for line in filter(None, out):
        name, est, se = line.split()
        assert abs(float(est) - fit.coef()[name]) < 1e-5
        assert abs(float(se.strip("()")) - fit.se()[name]) < 1e-5


def test_gsem_example(tmp_path, monkeypatch):
    """The README's genomic SEM example runs as written (from the repository root) and gives R's
    genetic correlation of T1 and T2 (tests/data/gsem/ref/ldsc_S_Stand.tsv) and R's sumstats() row
    count."""
    code = re.search(r"## Genomic SEM.*?```python\n(.*?)```", (ROOT / "README.md").read_text(),
                     re.S).group(1)
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    env = {}
    exec(code, env)
    ref = pd.read_csv(ROOT / "tests" / "data" / "gsem" / "ref" / "ldsc_S_Stand.tsv", sep="\t",
                      index_col=0).values
    assert abs(env["fit"].rg[0, 1] - ref[0, 1]) < 1e-12
    assert env["reports"][0]["written"] == 59305
    assert len(env["snps"]) == 58382  # R's sumstats() row count
