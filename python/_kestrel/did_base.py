"""What every kestrel.did estimator and result shares: scikit-learn style parameters
(``get_params`` / ``set_params`` over the constructor arguments named in ``_params``), and
Results, the base of every kestrel result (results.py)."""
from .results import Results  # noqa: F401  (kestrel.did's results derive from it)


class Estimator:
    _params: tuple = ()

    def get_params(self, deep=True):
        return {k: getattr(self, k) for k in self._params}

    def set_params(self, **params):
        for k, v in params.items():
            if k not in self._params:
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self
