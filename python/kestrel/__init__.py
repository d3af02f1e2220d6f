"""kestrel — one statistics engine in C: regression with fixed effects, difference-in-differences,
MARS and genomic SEM. This package shapes arguments and results; the computation is in C
(kestrel._core).

    >>> import kestrel
    >>> fit = kestrel.feols("y ~ x1 + x2 | unit + year", df, vcov={"CRV1": "unit"})
    >>> fit.summary()
"""
from ._core import KestrelError, __version__, build_info
from ._core import read_csv as _read_csv
from .regress import Feols, feols, ols

__all__ = ["Feols", "KestrelError", "build_info", "feols", "ols", "read_csv", "__version__"]


def read_csv(path):
    """Read a CSV/TSV file (plain or gzip) with kestrel's reader into a dict of NumPy arrays
    (or a pandas DataFrame when pandas is installed)."""
    cols = _read_csv(str(path))
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is optional
        return cols
    return pd.DataFrame(cols)
