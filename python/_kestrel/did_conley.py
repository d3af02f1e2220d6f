"""diff-diff's vcov_type='conley' for the regression DiD estimators: the arguments checked as
diff-diff checks them, and a regression fit whose variance is replaced by the Conley (1999)
spatial-HAC sandwich computed in C (ks_did_conley_fit: conleyreg's within-period spatial sum plus
the within-unit Bartlett serial sum, no small-sample factor, t tests at n - K)."""
from __future__ import annotations

import math

import numpy as np

from . import _core
from . import validate

_METRICS = ("haversine", "euclidean")
_KERNELS = ("bartlett", "uniform")


def check(est, where):
    """The Conley settings of estimator `est` (named `where` in messages) when its vcov_type is
    'conley' (None otherwise: diff-diff ignores conley_* then)."""
    if est.vcov_type != "conley":
        return None
    coords, cutoff = est.conley_coords, est.conley_cutoff_km
    if coords is None or cutoff is None:
        raise ValueError(f"{where}(vcov_type='conley') requires conley_coords=(lat_col, lon_col) "
                         "and conley_cutoff_km on the constructor")
    if (not isinstance(coords, (tuple, list)) or len(coords) != 2
            or not all(isinstance(c, str) for c in coords)):
        raise ValueError(f"conley_coords must be a 2-element tuple/list of column names "
                         f"(lat_col, lon_col); got {coords!r}")
    if isinstance(cutoff, bool) or not isinstance(cutoff, (int, float, np.integer, np.floating)) \
            or not math.isfinite(cutoff) or cutoff <= 0:
        raise ValueError(f"conley_cutoff_km must be a positive finite number; got {cutoff!r}")
    lag = est.conley_lag_cutoff
    if lag is None:
        raise ValueError(f"{where}(vcov_type='conley') requires conley_lag_cutoff (an integer "
                         ">= 0; 0: no serial part), R conleyreg's lag_cutoff")
    if isinstance(lag, bool) or not isinstance(lag, (int, np.integer)) or lag < 0:
        raise ValueError(f"conley_lag_cutoff must be a non-negative integer; got {lag!r}")
    if callable(est.conley_metric):
        raise NotImplementedError("conley_metric: a callable distance is not supported by "
                                  "kestrel (the pairs are found in C); use 'haversine' or "
                                  "'euclidean'")
    if est.conley_metric not in _METRICS:
        raise ValueError(f"conley_metric must be 'haversine', 'euclidean'; got "
                         f"{est.conley_metric!r}")
    if est.conley_kernel not in _KERNELS:
        raise ValueError(f"conley_kernel must be 'bartlett' or 'uniform'; got "
                         f"{est.conley_kernel!r}")
    if getattr(est, "inference", "analytical") == "wild_bootstrap":
        raise NotImplementedError(f"{where}(vcov_type='conley', inference='wild_bootstrap') is "
                                  "not supported: use inference='analytical' for Conley errors")
    return {"lat": coords[0], "lon": coords[1], "cutoff": float(cutoff),
            "metric": est.conley_metric, "kernel": est.conley_kernel, "lag_cutoff": int(lag)}


def need_unit(unit, where):
    if unit is None:
        raise ValueError(f"{where}(vcov_type='conley') requires unit=<column> (the within-unit "
                         "serial part of the panel Conley sandwich)")


def apply(fit, cols, spec, *, time, unit, cluster, alpha, threads=0):
    """Replace the variance of the kestrel.Feols `fit` (of fit.formula on cols) by the Conley
    sandwich, with t tests and intervals at n - K degrees of freedom."""
    c = _core.did_conley(fit.formula, cols, spec["lat"], spec["lon"], spec["cutoff"],
                         time=time, unit=unit, cluster=cluster, metric=spec["metric"],
                         kernel=spec["kernel"], lag_cutoff=spec["lag_cutoff"],
                         threads=validate.threads(threads))
    t, p, lo, hi = _core.did_infer(c["coef"], c["se"], c["df"], alpha)
    label = f"Conley ({spec['kernel']}, {spec['cutoff']:g} {_unit(spec)}, lag {spec['lag_cutoff']})"
    fit._res.update(se=c["se"], tstat=t, pvalue=p, ci_lower=lo, ci_upper=hi, vcov=c["vcov"],
                    df_t=c["df"], vcov_label=label, conley=True)
    fit._vcov = c["vcov"]
    fit.df_t = c["df"]
    fit.vcov_type = label
    fit.conley_pairs = c["npairs"]
    return fit


def _unit(spec):
    return "km" if spec["metric"] == "haversine" else "units"


def lincom(fit, w, alpha):
    """w'b with se sqrt(w'Vw) from the fit's (Conley) variance and its t test at fit.df_t; NaN
    when a weighted coefficient was dropped as collinear (as ks_feols_lincom)."""
    b = np.asarray(fit._res["coef"], dtype=np.float64)
    V = np.asarray(fit._vcov, dtype=np.float64)
    on = np.flatnonzero(np.asarray(w) != 0)
    wv = np.asarray(w, dtype=np.float64)[on]
    est = float(wv @ b[on])
    var = float(wv @ V[np.ix_(on, on)] @ wv)
    se = math.sqrt(var) if var >= 0 else float("nan")
    t, p, lo, hi = _core.did_infer([est], [se], float(fit.df_t), alpha)
    return {"estimate": est, "se": se, "tstat": float(t[0]), "pvalue": float(p[0]),
            "ci_lower": float(lo[0]), "ci_upper": float(hi[0])}
