"""The kestrel command: help, version, feols table and JSON (same numbers as Python), demo,
exit statuses."""
import json
import subprocess

import pandas as pd

import kestrel
from conftest import DATA


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True)


def test_version_and_help(kestrel_bin):
    r = run(kestrel_bin, "--version")
    assert r.returncode == 0 and r.stdout.split("\n")[0] == f"kestrel {kestrel.__version__}"
    assert r.stdout.split("\n")[1] == kestrel.build_info
    assert run(kestrel_bin, "--help").returncode == 0
    r = run(kestrel_bin, "feols", "--help")
    assert r.returncode == 0 and "--formula" in r.stdout
    assert run(kestrel_bin, "nonsense").returncode == 2
    assert run(kestrel_bin, "feols", "--bogus").returncode == 2


def test_feols_json_matches_python(kestrel_bin):
    path = DATA / "regress_fe.csv"
    r = run(kestrel_bin, "feols", "--data", str(path), "--formula", "y ~ x1 + x2 | unit + time",
            "--vcov", "CRV1:unit+time", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    fit = kestrel.feols("y ~ x1 + x2 | unit + time", pd.read_csv(path), vcov={"CRV1": "unit+time"})
    for c in out["coefficients"]:
        assert abs(c["estimate"] - fit.coef()[c["term"]]) <= 1e-12 * abs(c["estimate"])
        assert abs(c["std_error"] - fit.se()[c["term"]]) <= 1e-12 * c["std_error"]
    assert out["nobs"] == fit.nobs


def test_feols_errors(kestrel_bin, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("y,x\n1,2\n3,abc\n")
    r = run(kestrel_bin, "feols", "--data", str(bad), "--formula", "y ~ x")
    assert r.returncode == 1 and "'x' is text: data row 2 is 'abc'" in r.stderr
    missing = run(kestrel_bin, "feols", "--data", str(tmp_path / "nope.csv"), "--formula", "y ~ x")
    assert missing.returncode == 1 and "nope.csv" in missing.stderr
    assert run(kestrel_bin, "feols", "--data", str(bad)).returncode == 2


def test_demo(kestrel_bin):
    r = run(kestrel_bin, "demo")
    assert r.returncode == 0, r.stderr
    assert "hours" in r.stdout and "worker (300)" in r.stdout


def test_describe(kestrel_bin, tmp_path):
    p = tmp_path / "d.csv"
    p.write_text("g,x\na,1\nb,3\n,NA\n")
    r = run(kestrel_bin, "describe", "--data", str(p))
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0].endswith("3 rows, 2 columns")
    g = next(l for l in lines if l.startswith("g "))
    x = next(l for l in lines if l.startswith("x "))
    assert g.split()[1:3] == ["string", "1"]
    assert x.split()[1:4] == ["float64", "1", "2"]  # type, NA count, mean
