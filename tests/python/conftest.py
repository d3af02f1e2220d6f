import os
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "data"
SAMPLE = ROOT / "data"
# The kestrel command under test: the meson build's, or another build's (KS_KESTREL_BIN, e.g. the
# sanitizer build's build-asan/kestrel, which `make test-sanitize` runs the hostile cases with).
KESTREL_BIN = ROOT / os.environ.get("KS_KESTREL_BIN", "build/kestrel")  # (relative: to ROOT)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "hostile: a malformed input or argument that must give a clear error, a counted "
                   "drop or exact handling (never a crash, never silent acceptance)")


@pytest.fixture
def kestrel_bin():
    """The kestrel command of the meson build tree (or KS_KESTREL_BIN)."""
    if not KESTREL_BIN.exists():
        pytest.fail(f"{KESTREL_BIN} not built (run make build)")
    return str(KESTREL_BIN)


@pytest.fixture
def all_threads(monkeypatch):
    """Every parallel loop on all the threads it is given, however small the data (by default
    small work stays on one thread), so that a test of thread invariance runs the threaded code.
    Each call into kestrel makes its context, which reads KESTREL_THREAD_MIN_WORK_NS."""
    monkeypatch.setenv("KESTREL_THREAD_MIN_WORK_NS", "0")
