"""kestrel — one statistics engine in C: regression with fixed effects, difference-in-differences,
MARS and genomic SEM. This package shapes arguments and results; the computation is in C.

    >>> import kestrel
    >>> fit = kestrel.feols("y ~ x1 + x2 | unit + year", df, vcov={"CRV1": "unit"})
    >>> fit.summary()

Submodules (loaded on first use): kestrel.did (difference-in-differences), kestrel.mars (MARS as
scikit-learn estimators), kestrel.gsem (GenomicSEM), kestrel.sem (structural equation models as
lavaan fits them), kestrel.nd (n-d arrays with NumPy's names, on kestrel's C array core).
"""
import importlib
import os

# NumPy's wheel brings its own OpenBLAS, so a process with both holds two BLAS thread pools, and
# an OpenBLAS pool spins for 2**28 cycles (~0.1 s) after each call: the other library's next
# matrix product then shares a core with it (kestrel.nd's 1000x1000 matmul just after NumPy's ran
# at its one-thread speed, and NumPy's after ours). 2**24 cycles (a few ms) keeps a pool warm
# between back-to-back calls and lets the other run. It applies to each OpenBLAS loaded after
# this line (ours; NumPy's too when kestrel is imported first); a value the user set wins.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "24")
# libgomp's idle threads spin 300,000 rounds (~10 ms here) before they sleep. On a machine whose
# other cores are busy (a shared server), a spinning thread holds a core the thread it waits for
# needs, and each short parallel call waits for a time slice: a fused chain over 1M elements took
# 12 ms on 2 threads against 1.1 ms on one (10,000 rounds: 1.9 ms; 1,000: 0.7 ms). On an idle
# machine 1,000 rounds let the second thread fall asleep between back-to-back calls (a fused 1M
# sum lost a third of its 2-thread gain); 10,000 cost nothing measurable (bench/bench_nd_busy.py).
# Read when libgomp loads (with our extension); a value the user set, or OMP_WAIT_POLICY, wins.
if "OMP_WAIT_POLICY" not in os.environ:
    os.environ.setdefault("GOMP_SPINCOUNT", "10000")

from _kestrel._core import KestrelError, __version__, build_info  # noqa: E402
from _kestrel._core import read_csv as _read_csv  # noqa: E402
from _kestrel.regress import Feols, feols, ols  # noqa: E402
from _kestrel.results import Results  # noqa: E402

__all__ = ["Feols", "KestrelError", "Results", "build_info", "feols", "ols", "read_csv",
           "__version__"]
for _obj in (Feols, Results, feols, ols):  # help() and reprs name them where users find them
    _obj.__module__ = __name__

_SUBMODULES = ("did", "gsem", "mars", "nd", "sem")


def __getattr__(name):
    """kestrel.did, kestrel.gsem, kestrel.mars and kestrel.sem are imported on first use (PEP 562)."""
    if name in _SUBMODULES:
        return importlib.import_module(f"{__name__}.{name}")
    if name == "_core":  # the C extension, for tests that call it directly
        return importlib.import_module("_kestrel._core")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(_SUBMODULES))


def read_csv(path):
    """Read a CSV or TSV file (by its name: .tsv / .tab) with kestrel's reader, plain or gzip.

    path: the file (str or path-like). Column types (int64, float64, text) are inferred; the
    NA tokens are "" NA NaN nan N/A NULL null and "."; a bad cell is an error naming the file,
    line and column. Returns a pandas DataFrame whose int64 and float64 columns are the
    memory kestrel read into, not copies (pandas >= 3 builds the frame around them; older
    pandas copies them into its blocks); the frame is their only owner. Without pandas: a dict
    of NumPy arrays (text columns: object arrays with None for NA).
    """
    try:
        path = os.fspath(path)
    except TypeError:
        raise TypeError(f"path={path!r}: expected a file name (str or path-like)") from None
    cols = _read_csv(path)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return cols
    return pd.DataFrame(cols, copy=False)
