"""The library's outside: the names it exports and the headers it installs.

- libkestrel.a and libkestrel.so define no global symbol outside `ks_` (a user's program may
  define `mars_forward` or `gsem_median` without a clash), and the shared library no `ks__` one
  (the library's private names, which have hidden visibility);
- every public header compiles alone, as C11 and as C++, with warnings as errors.
"""
import shutil
import subprocess

import pytest

from conftest import ROOT

BUILD = ROOT / "build"
HEADERS = sorted((ROOT / "include" / "kestrel").glob("*.h"))


def _defined_globals(args):
    out = subprocess.run(["nm", *args], capture_output=True, text=True, check=True).stdout
    names = set()
    for line in out.splitlines():
        f = line.split()
        # "<address> <type> <name>": upper-case types are global; U (undefined) is not ours.
        if len(f) == 3 and f[1].isupper() and f[1] not in "UVW":
            names.add(f[2])
    return names


@pytest.mark.parametrize("lib,args", [("libkestrel.a", ["-g", "--defined-only"]),
                                      ("libkestrel.so", ["-D", "--defined-only"])])
def test_exports_only_ks_names(lib, args):
    path = BUILD / lib
    if not path.exists():
        pytest.fail(f"{path} not built (run make build)")
    names = _defined_globals([*args, str(path)])
    assert names, f"nm found no symbols in {lib}"
    foreign = sorted(n for n in names if not n.startswith("ks_"))
    assert not foreign, f"{lib} exports names outside ks_: {foreign}"
    if lib.endswith(".so"):
        private = sorted(n for n in names if n.startswith("ks__"))
        assert not private, f"{lib} exports private ks__ names: {private}"


@pytest.mark.parametrize("header", HEADERS, ids=lambda p: p.name)
@pytest.mark.parametrize("lang,compiler,flags", [
    ("c", "cc", ["-std=c11", "-pedantic"]),
    ("c++", "c++", ["-std=c++11", "-pedantic"]),
])
def test_header_compiles_alone(tmp_path, header, lang, compiler, flags):
    if not shutil.which(compiler):
        pytest.fail(f"no {compiler} on PATH")
    src = tmp_path / ("t.c" if lang == "c" else "t.cpp")
    src.write_text(f'#include "kestrel/{header.name}"\nint main(void) {{ return 0; }}\n')
    r = subprocess.run([compiler, *flags, "-Wall", "-Wextra", "-Werror", "-fsyntax-only",
                        "-I", str(ROOT / "include"), str(src)], capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
