import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SHARED = pathlib.Path(os.environ.get("KS_SHARED_DATA", ROOT.parent / "shared" / "data"))


@pytest.fixture
def kestrel_bin():
    """The kestrel command of the meson build tree."""
    exe = ROOT / "build" / "kestrel"
    if not exe.exists():
        pytest.skip("build/kestrel not built (run make build)")
    return str(exe)
