"""The README stays true: every shell and Python block in it runs as written, in the README's
order, from a scratch directory that sees the repository's `data/` and `tests/` (so that its
relative paths resolve as they do from the repository root, and what the examples write lands in
the scratch directory). The shell blocks find `kestrel` on PATH as the README tells the reader to
arrange it (`build/` until `make install`). The opening block (`make demo`, `make test`) is the
set-up itself: `make test` runs this file, and `make demo` is `kestrel demo`, which runs here.
The C example is compiled against the built library and must print kestrel.feols's numbers."""
import os
import re
import subprocess
import sys

import pandas as pd
import pytest

import kestrel
from conftest import ROOT

README = (ROOT / "README.md").read_text()
FENCE = re.compile(r"^```(\w+)\n(.*?)^```", re.S | re.M)


def _gsem_block():
    return re.search(r"## Genomic SEM.*?```python\n(.*?)```", README, re.S).group(1)


def _blocks():
    """(id, language, code) of every sh and python block; the id names the section and line.
    The genomic SEM Python block runs in test_gsem_example, which also checks its numbers."""
    out = []
    for m in FENCE.finditer(README):
        lang, code = m.group(1), m.group(2)
        if lang not in ("sh", "python") or code == _gsem_block():
            continue
        line = README.count("\n", 0, m.start()) + 1
        heads = re.findall(r"^#+ (.*)$", README[:m.start()], re.M)
        section = re.sub(r"\W+", "_", heads[-1] if heads else "top").strip("_").lower()[:40]
        out.append(pytest.param(lang, code, id=f"{section}-line{line}"))
    return out


BLOCKS = _blocks()
SETUP = "make demo"  # the opening block: the set-up commands themselves


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    d = tmp_path_factory.mktemp("readme")
    for name in ("data", "tests"):
        (d / name).symlink_to(ROOT / name)
    return d


def _env():
    env = dict(os.environ)
    env["PATH"] = f"{ROOT / 'build'}{os.pathsep}{env.get('PATH', '')}"
    env["MPLBACKEND"] = "Agg"
    return env


def test_readme_has_blocks():
    assert len(BLOCKS) >= 15
    assert SETUP in BLOCKS[0].values[1], "the README opens with make demo / make test"


@pytest.mark.parametrize("lang,code", BLOCKS)
def test_readme_block(lang, code, scratch):
    if SETUP in code:
        code = "kestrel demo > /dev/null"
    if lang == "sh":
        cmd = ["bash", "-euo", "pipefail", "-c", code]
    else:
        cmd = [sys.executable, "-c", code]
    r = subprocess.run(cmd, cwd=scratch, env=_env(), capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, f"this README block failed:\n{code}\n--- stdout\n{r.stdout[-3000:]}" \
                              f"\n--- stderr\n{r.stderr[-3000:]}"


def test_c_example(tmp_path):
    """The README's C example, built as it says (pkg-config) against the library as `make install`
    installs it (here into a scratch DESTDIR), gives Python's numbers."""
    assert (ROOT / "build" / "libkestrel.so").exists(), "build/ not built (run make build)"
    dest = tmp_path / "dest"
    subprocess.run([sys.executable, "-m", "mesonbuild.mesonmain", "install", "-C", str(ROOT / "build"),
                    "--destdir", str(dest), "--quiet", "--no-rebuild"], check=True, capture_output=True)
    pc = next(dest.rglob("kestrel.pc"))
    text = pc.read_text()
    prefix = re.search(r"^prefix=(.*)$", text, re.M).group(1)
    pc.write_text(text.replace(f"prefix={prefix}", f"prefix={dest}{prefix}", 1))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "kestrel"], capture_output=True, text=True,
                           check=True, env={**os.environ, "PKG_CONFIG_PATH": str(pc.parent)}).stdout.split()
    code = re.search(r"```c\n(/\* example\.c.*?)```", README, re.S).group(1)
    assert "pkg-config --cflags --libs kestrel" in code
    src = tmp_path / "example.c"
    src.write_text(code)
    exe = tmp_path / "example"
    subprocess.run(["cc", str(src), *flags, "-o", str(exe)], check=True)
    libdir = next(p for p in flags if p.startswith("-L"))[2:]
    out = subprocess.run([str(exe), str(ROOT / "data" / "panel.csv")], capture_output=True, text=True,
                         check=True, env={**os.environ, "LD_LIBRARY_PATH": libdir}).stdout.split("\n")
    fit = kestrel.feols("log_wage ~ hours + union | worker + year", pd.read_csv(ROOT / "data" / "panel.csv"),
                        vcov={"CRV1": "worker"})
    for line in filter(None, out):
        name, est, se = line.split()
        assert abs(float(est) - fit.coef()[name]) < 1e-5
        assert abs(float(se.strip("()")) - fit.se()[name]) < 1e-5


def test_gsem_example(tmp_path, monkeypatch):
    """The README's genomic SEM example gives R's genetic correlation of T1 and T2
    (tests/data/gsem/ref/ldsc_S_Stand.tsv) and R's sumstats() row count."""
    code = _gsem_block()
    (tmp_path / "tests").symlink_to(ROOT / "tests")
    monkeypatch.chdir(tmp_path)
    env = {}
    exec(code, env)
    ref = pd.read_csv(ROOT / "tests" / "data" / "gsem" / "ref" / "ldsc_S_Stand.tsv", sep="\t",
                      index_col=0).values
    assert abs(env["fit"].rg[0, 1] - ref[0, 1]) < 1e-12
    assert env["reports"][0]["written"] == 59305
    assert len(env["snps"]) == 58382  # R's sumstats() row count
