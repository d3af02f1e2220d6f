#!/usr/bin/env python3
"""How much of diff-diff's public API kestrel.did lacks (issue 21's "before and after" count).

    /work/venvs/did/bin/python tools/did_api_gap.py [--all] [--json PATH] [--allow FILE] [-q]

Needs diff_diff and kestrel importable in one interpreter. It compares, by name:

- parameters: each estimator's constructor, ``fit`` and other public methods, and the module
  functions (placebo tests, bacon_decompose, plot_event_study), through ``inspect.signature``;
  a ``**kwargs`` on both sides counts as the same parameter; a kestrel function that takes
  ``**kw`` and forwards it to a same-named function in ``_kestrel.did_*`` is read through it;
- attributes: the public names of the fitted estimator and of its results. kestrel sets its
  results' attributes at fit time, so both packages FIT each estimator on the same small data
  (diff-diff's generators) and the public ``dir()`` of the objects are compared (for diff-diff
  also the dataclass fields). Nested objects are compared the same way: dict entries by their
  keys (``event_study_effects[e]``), objects by their names (``bootstrap_results``).

Each fit first runs diff-diff's own call on kestrel; when that raises, the error is reported
and kestrel's spelling of the same fit is used. A name kestrel lacks entirely counts every
parameter and attribute diff-diff has under it. ``--all`` adds every other name in
``diff_diff.__all__``, compared statically (classes: constructor, public methods with their
parameters, dataclass fields; functions: parameters; aliases and constants: the name).

Counts are per object: a name shared by several estimators (DifferenceInDifferences,
TwoWayFixedEffects and MultiPeriodDiD share a constructor) counts once for each, as a user of
each meets it. Results of CallawaySantAnnaResults.aggregate() are compared once per return type.

The allowlist (tools/did_api_gap_allow.txt) names gaps left on purpose, one a line:
``name reason`` or ``Object:name reason``; totals are printed without and with it.
"""
from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import os
import sys
import time
import types
import warnings

import diff_diff as dd
import kestrel.did as kd

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_ALLOW = os.path.join(HERE, "did_api_gap_allow.txt")

# Issue 21 section 1: the estimators and functions kestrel has, with the classes their results
# are made of. Anything else in diff_diff.__all__ is compared only with --all.
CORE_ESTIMATORS = ["DifferenceInDifferences", "TwoWayFixedEffects", "MultiPeriodDiD",
                   "CallawaySantAnna", "SunAbraham", "SyntheticDiD", "BaconDecomposition"]
CORE_FUNCTIONS = ["run_placebo_test", "placebo_timing_test", "placebo_group_test",
                  "permutation_test", "leave_one_out_test", "run_all_placebo_tests",
                  "bacon_decompose", "plot_event_study"]
CORE_RESULTS = ["DiDResults", "MultiPeriodDiDResults", "CallawaySantAnnaResults",
                "SunAbrahamResults", "SyntheticDiDResults", "BaconDecompositionResults",
                "PlaceboTestResults", "EventStudyResults", "PeriodEffect", "Comparison2x2",
                "CSBootstrapResults", "SABootstrapResults", "GroupTimeEffect"]
# Issue 21 section 3: the further estimators and functions kestrel added, fitted the same way.
SECTION3_ESTIMATORS = ["ImputationDiD", "TwoStageDiD", "StackedDiD", "TripleDifference",
                       "HonestDiD", "PreTrendsPower", "PowerAnalysis"]
SECTION3_FUNCTIONS = ["imputation_did", "two_stage_did", "stacked_did", "triple_difference",
                      "compute_honest_did", "compute_pretrends_power", "compute_mde",
                      "compute_power", "compute_sample_size", "compute_mdv", "simulate_power",
                      "simulate_mde", "simulate_sample_size", "plot_power_curve",
                      "plot_pretrends_power", "sensitivity_plot"]
SECTION3_RESULTS = ["ImputationDiDResults", "TwoStageDiDResults", "StackedDiDResults",
                    "TripleDifferenceResults", "HonestDiDResults", "SensitivityResults",
                    "PreTrendsPowerResults", "PreTrendsPowerCurve", "PowerResults",
                    "SimulationPowerResults", "SimulationMDEResults",
                    "SimulationSampleSizeResults", "ImputationBootstrapResults",
                    "TwoStageBootstrapResults", "AggregationResult", "DeltaSD", "DeltaRM",
                    "DeltaSDRM"]


# ---------------------------------------------------------------------------------------------
# Reading names


def public(names):
    return sorted(n for n in names if not n.startswith("_"))


def object_names(obj, fields=True):
    """The public names a user reaches on obj: dict keys for a dict, the union over the entries
    for a list of dicts, else dir() plus dataclass fields."""
    if isinstance(obj, dict):
        return sorted(str(k) for k in obj)
    if isinstance(obj, (list, tuple)) and obj and all(isinstance(x, dict) for x in obj):
        return sorted({str(k) for x in obj for k in x})
    names = set(dir(obj))
    if fields and dataclasses.is_dataclass(obj):
        names |= {f.name for f in dataclasses.fields(obj)}
    return public(names)


def entry_names(container):
    """The union of the names of a container's entries (dict values or list items)."""
    if container is None:
        return None
    items = list(container.values()) if isinstance(container, dict) else list(container)
    if not items:
        return None
    names = set()
    for x in items:
        names |= set(object_names(x))
    return sorted(names)


def is_method(obj, name):
    """True when name on obj is a method (looked up without running properties)."""
    try:
        raw = inspect.getattr_static(obj, name)
    except AttributeError:
        return False
    return isinstance(raw, (types.FunctionType, classmethod, staticmethod,
                            types.BuiltinFunctionType, types.MethodType))


def signature(fn):
    """{name: Parameter} of fn without self/cls; *args and **kwargs keyed '*' and '**'."""
    try:
        sig = inspect.signature(fn)
    except (TypeError, ValueError):
        return {}
    out = {}
    for name, p in sig.parameters.items():
        if name in ("self", "cls"):
            continue
        key = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, name)
        out[key] = p
    return out


def kestrel_signature(fn):
    """As signature(), reading through a kestrel wrapper that forwards **kw to a same-named
    function in one of _kestrel's did_* modules."""
    sig = signature(inspect.unwrap(fn))
    if "**" not in sig:
        return sig
    import _kestrel
    for mod_name in sorted(os.listdir(os.path.dirname(_kestrel.__file__))):
        if not (mod_name.startswith("did_") and mod_name.endswith(".py")):
            continue
        mod = __import__("_kestrel." + mod_name[:-3], fromlist=["_"])
        target = getattr(mod, getattr(fn, "__name__", ""), None)
        if callable(target) and target is not fn:
            inner = signature(target)
            if "**" not in inner:
                merged = {k: v for k, v in sig.items() if k != "**"}
                merged.update(inner)
                return merged
    return sig


def param_label(key, p):
    return {"*": "*" + p.name, "**": "**" + p.name}.get(key, key)


# ---------------------------------------------------------------------------------------------
# Comparisons


class Report:
    def __init__(self):
        self.rows = []  # one per compared object
        self.notes = []  # behaviour differences seen while fitting

    def add(self, obj, kind, dd_names, ks_names, note="", defaults=()):
        """One object's comparison; ks_names None: kestrel has no such object."""
        dd_names = list(dd_names)
        ks = set(ks_names or ())
        self.rows.append({
            "object": obj, "kind": kind, "diff_diff": dd_names,
            "kestrel": None if ks_names is None else sorted(ks),
            "missing": [n for n in dd_names if n not in ks],
            "extra": sorted(ks - set(dd_names)), "note": note, "defaults": list(defaults)})

    def params(self, obj, dd_fn, ks_fn, note=""):
        """Compare two callables' parameters (ks_fn None: kestrel lacks it)."""
        dsig = signature(dd_fn)
        labels = [param_label(k, p) for k, p in dsig.items()]
        if ks_fn is None:
            self.add(obj, "param", labels, None, note or "kestrel lacks it")
            return
        ksig = kestrel_signature(ks_fn)
        have, defaults = [], []
        for k, p in dsig.items():
            if k in ksig:
                have.append(param_label(k, p))
                q = ksig[k]
                if (p.default is not p.empty and q.default is not q.empty
                        and not repr(p.default).startswith("<")
                        and repr(p.default) != repr(q.default)):
                    defaults.append(f"{k}: diff-diff {p.default!r}, kestrel {q.default!r}")
        extra = [param_label(k, q) for k, q in ksig.items() if k not in dsig]
        self.add(obj, "param", labels, have + extra, note, defaults)

    def methods(self, prefix, dd_obj, ks_obj, dd_names, skip=()):
        """The parameters of every public method of dd_obj named in dd_names."""
        for name in dd_names:
            if name in skip or not is_method(dd_obj, name):
                continue
            ks_fn = getattr(ks_obj, name, None) if ks_obj is not None else None
            if ks_fn is not None and not callable(ks_fn):
                ks_fn = None
            self.params(f"{prefix}.{name}()", getattr(dd_obj, name), ks_fn)

    def attrs(self, obj, dd_obj, ks_obj, note="", exclude=()):
        """Compare the public names of two live objects (ks_obj None: kestrel has none)."""
        dd_names = [n for n in object_names(dd_obj) if n not in exclude]
        ks_names = None if ks_obj is None else object_names(ks_obj, fields=False)
        self.add(obj, "attr", dd_names, ks_names, note or ("" if ks_obj is not None
                                                            else "kestrel has none"))
        return dd_names

    def nested(self, obj, dd_names, ks_names, note=""):
        if dd_names is None:
            self.notes.append(f"{obj}: diff-diff's fit gave none to compare")
            return
        self.add(obj, "attr", dd_names, ks_names,
                 note or ("" if ks_names is not None else "kestrel has none"))


def quiet_call(fn):
    """fn() with its warnings caught: (value or None, error or None, [warning texts], secs)."""
    t0 = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            value, err = fn(), None
        except Exception as exc:  # noqa: BLE001 - reported, not hidden
            value, err = None, f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
    msgs = sorted({f"{w.category.__name__}: {str(w.message).splitlines()[0][:140]}"
                   for w in caught})
    return value, err, msgs, time.perf_counter() - t0


# ---------------------------------------------------------------------------------------------
# The fits: each a function of the module (diff_diff or kestrel.did) and the data, returning
# (fitted estimator, results); `ks` is kestrel's own spelling when diff-diff's call fails there.


def make_data():
    return {
        "did": dd.generate_did_data(n_units=40, n_periods=6, treatment_period=3,
                                    seed=1).assign(group=lambda d: d.unit % 3),
        "stag": dd.generate_staggered_data(n_units=60, n_periods=6, seed=1),
        "factor": dd.generate_factor_data(n_units=20, n_pre=5, n_post=2, n_treated=4, seed=1),
        "ddd": dd.generate_ddd_data(n_per_cell=25, seed=1),
    }


def event_study(m, D):
    """diff-diff's docs' input to HonestDiD / PreTrendsPower: a TWFE event study."""
    return m.TwoWayFixedEffects().fit(D["did"], outcome="outcome", treatment="treated",
                                      unit="unit", event_study=True, time="period",
                                      post_periods=[3, 4, 5])


def fitted(est, *args, **kw):
    return est, est.fit(*args, **kw)


FITS = [
    dict(name="DifferenceInDifferences", results="DiDResults",
         dd=lambda m, D: fitted(m.DifferenceInDifferences(), D["did"], outcome="outcome",
                                treatment="treated", post="post"),
         ks=lambda m, D: fitted(m.DifferenceInDifferences(), D["did"], outcome="outcome",
                                treatment="treated", time="post")),
    dict(name="DifferenceInDifferences(fixed_effects=)", results="DiDResults",
         only=["DiDResults.coefficients"],
         dd=lambda m, D: fitted(m.DifferenceInDifferences(), D["did"], outcome="outcome",
                                treatment="treated", post="post", fixed_effects=["group"]),
         ks=lambda m, D: fitted(m.DifferenceInDifferences(), D["did"], outcome="outcome",
                                treatment="treated", time="post", fixed_effects=["group"])),
    dict(name="TwoWayFixedEffects", results="DiDResults",
         dd=lambda m, D: fitted(m.TwoWayFixedEffects(), D["did"], outcome="outcome",
                                treatment="treated", post="post", unit="unit"),
         ks=lambda m, D: fitted(m.TwoWayFixedEffects(), D["did"], outcome="outcome",
                                treatment="treated", time="post", unit="unit")),
    dict(name="TwoWayFixedEffects(event_study=True)", results="EventStudyResults",
         dd=lambda m, D: fitted(m.TwoWayFixedEffects(), D["did"], outcome="outcome",
                                treatment="treated", unit="unit", time="period",
                                event_study=True, post_periods=[3, 4, 5])),
    dict(name="MultiPeriodDiD", results="MultiPeriodDiDResults",
         dd=lambda m, D: fitted(m.MultiPeriodDiD(), D["did"], outcome="outcome",
                                treatment="treated", time="period", post_periods=[3, 4, 5],
                                unit="unit")),
    dict(name="CallawaySantAnna", results="CallawaySantAnnaResults",
         dd=lambda m, D: fitted(m.CallawaySantAnna(n_bootstrap=99, seed=1), D["stag"],
                                outcome="outcome", unit="unit", time="period",
                                first_treat="first_treat", aggregate="all")),
    dict(name="SunAbraham", results="SunAbrahamResults",
         dd=lambda m, D: fitted(m.SunAbraham(), D["stag"], outcome="outcome", unit="unit",
                                time="period", first_treat="first_treat")),
    dict(name="SunAbraham(n_bootstrap=19)", results="SunAbrahamResults",
         only=["SunAbrahamResults.bootstrap_results"],
         dd=lambda m, D: fitted(m.SunAbraham(n_bootstrap=19, seed=1), D["stag"],
                                outcome="outcome", unit="unit", time="period",
                                first_treat="first_treat")),
    dict(name="SyntheticDiD", results="SyntheticDiDResults",
         dd=lambda m, D: fitted(m.SyntheticDiD(n_bootstrap=50, seed=1), D["factor"],
                                outcome="outcome", treatment="treat", unit="unit",
                                time="period", post_periods=[5, 6])),
    dict(name="BaconDecomposition", results="BaconDecompositionResults",
         dd=lambda m, D: fitted(m.BaconDecomposition(), D["stag"], outcome="outcome",
                                unit="unit", time="period", first_treat="first_treat")),
    # Section 3 (labels with "(" are functions or second fits: no fitted-estimator row).
    dict(name="ImputationDiD", results="ImputationDiDResults",
         dd=lambda m, D: fitted(m.ImputationDiD(), D["stag"], outcome="outcome", unit="unit",
                                time="period", first_treat="first_treat")),
    dict(name="ImputationDiD(n_bootstrap=19)", results="ImputationDiDResults",
         only=["ImputationDiDResults.bootstrap_results"],
         dd=lambda m, D: fitted(m.ImputationDiD(n_bootstrap=19, seed=1), D["stag"],
                                outcome="outcome", unit="unit", time="period",
                                first_treat="first_treat")),
    dict(name="TwoStageDiD", results="TwoStageDiDResults",
         dd=lambda m, D: fitted(m.TwoStageDiD(), D["stag"], outcome="outcome", unit="unit",
                                time="period", first_treat="first_treat")),
    dict(name="TwoStageDiD(n_bootstrap=19)", results="TwoStageDiDResults",
         only=["TwoStageDiDResults.bootstrap_results"],
         dd=lambda m, D: fitted(m.TwoStageDiD(n_bootstrap=19, seed=1), D["stag"],
                                outcome="outcome", unit="unit", time="period",
                                first_treat="first_treat")),
    dict(name="StackedDiD", results="StackedDiDResults",
         dd=lambda m, D: fitted(m.StackedDiD(kappa_pre=2, kappa_post=2), D["stag"],
                                outcome="outcome", unit="unit", time="period",
                                first_treat="first_treat")),
    dict(name="TripleDifference", results="TripleDifferenceResults",
         dd=lambda m, D: fitted(m.TripleDifference(estimation_method="dr"), D["ddd"],
                                outcome="outcome", group="group", partition="partition",
                                post="time")),
    dict(name="HonestDiD", results="HonestDiDResults",
         dd=lambda m, D: fitted(m.HonestDiD(method="relative_magnitude", M=1.0),
                                event_study(m, D))),
    dict(name="HonestDiD.sensitivity_analysis()", results="SensitivityResults",
         dd=lambda m, D: (None, m.HonestDiD(method="relative_magnitude").sensitivity_analysis(
             event_study(m, D), M_grid=[0, 0.5, 1, 1.5, 2]))),
    dict(name="PreTrendsPower", results="PreTrendsPowerResults",
         dd=lambda m, D: fitted(m.PreTrendsPower(alpha=0.05, power=0.80), event_study(m, D))),
    dict(name="PreTrendsPower.power_curve()", results="PreTrendsPowerCurve",
         dd=lambda m, D: (None, m.PreTrendsPower().power_curve(event_study(m, D)))),
    dict(name="PowerAnalysis", results="PowerResults",
         dd=lambda m, D: (lambda pa: (pa, pa.mde(n_treated=50, n_control=50, sigma=1.0)))(
             m.PowerAnalysis(alpha=0.05, power=0.80))),
    dict(name="simulate_power()", results="SimulationPowerResults",
         dd=lambda m, D: (None, m.simulate_power(
             m.DifferenceInDifferences(), n_units=60, treatment_effect=5.0, sigma=5.0,
             n_simulations=40, seed=42, progress=False))),
    dict(name="simulate_mde()", results="SimulationMDEResults",
         dd=lambda m, D: (None, m.simulate_mde(m.DifferenceInDifferences(), n_units=60,
                                               n_simulations=20, seed=42, progress=False))),
    dict(name="simulate_sample_size()", results="SimulationSampleSizeResults",
         dd=lambda m, D: (None, m.simulate_sample_size(
             m.DifferenceInDifferences(), treatment_effect=5.0, sigma=5.0, n_simulations=20,
             seed=42, progress=False))),
]

# Placebo tests: all give PlaceboTestResults; kestrel's attributes are the union over them.
PLACEBO_CALLS = [
    ("placebo_timing_test", lambda m, D: m.placebo_timing_test(
        D["did"], outcome="outcome", treatment="treated", time="period",
        fake_treatment_period=1, post_periods=[3, 4, 5])),
    ("placebo_group_test", lambda m, D: m.placebo_group_test(
        D["did"], outcome="outcome", time="period", unit="unit",
        fake_treated_units=list(range(20, 28)), post_periods=[3, 4, 5], treatment="treated")),
    ("permutation_test", lambda m, D: m.permutation_test(
        D["did"], outcome="outcome", treatment="treated", post="post", unit="unit",
        n_permutations=49, seed=1)),
    ("leave_one_out_test", lambda m, D: m.leave_one_out_test(
        D["did"][D["did"].unit % 4 == 0], outcome="outcome", treatment="treated", post="post",
        unit="unit")),
    ("run_placebo_test", lambda m, D: m.run_placebo_test(
        D["did"], outcome="outcome", treatment="treated", time="period", unit="unit",
        test_type="fake_timing", fake_treatment_period=1, post_periods=[3, 4, 5])),
]
RUN_ALL = lambda m, D: m.run_all_placebo_tests(  # noqa: E731
    D["did"][D["did"].unit % 4 == 0], outcome="outcome", treatment="treated", time="period",
    unit="unit", pre_periods=[0, 1, 2], post_periods=[3, 4, 5], n_permutations=19, seed=1)


# Calls on a fitted results object whose return value users read by attribute: diff-diff 3.x's
# results.aggregate(type) returns an EventStudyResults / AggregationResult object.
POST_CALLS = {
    "CallawaySantAnnaResults": [
        ("aggregate('event_study')", lambda r: r.aggregate("event_study")),
        ("aggregate('group')", lambda r: r.aggregate("group")),
        ("aggregate('simple')", lambda r: r.aggregate("simple")),
        ("aggregate('total')", lambda r: r.aggregate("total")),
    ],
    **{name: [("aggregate('event_study')", lambda r: r.aggregate("event_study")),
              ("aggregate('group')", lambda r: r.aggregate("group")),
              ("aggregate('simple')", lambda r: r.aggregate("simple"))]
       for name in ("ImputationDiDResults", "TwoStageDiDResults")},
    "StackedDiDResults": [("aggregate('event_study')", lambda r: r.aggregate("event_study")),
                          ("aggregate('simple')", lambda r: r.aggregate("simple"))],
}


def compare_post_calls(rep, rname, label, d_res, k_res):
    """Each call's return value, by its public names; a return type already compared counts
    only the call itself (missing when kestrel raises)."""
    seen = set()
    for call, fn in POST_CALLS.get(rname, ()):
        obj = f"{rname}.{call} return [{label}]"
        d_val, d_err, _, _ = quiet_call(lambda: fn(d_res))
        if d_err:
            rep.notes.append(f"{obj}: diff-diff raises: {d_err}")
            continue
        k_val, k_err, _, _ = quiet_call(lambda: fn(k_res)) if k_res is not None else (
            None, "no results", [], 0)
        if k_err:
            rep.notes.append(f"{rname}.{call}: raises on kestrel: {k_err}")
        kind = type(d_val).__name__
        if kind in seen:
            rep.add(f"{rname}.{call} [{label}]", "attr", [call], [] if k_err else [call],
                    f"returns {kind} again: the call alone is counted")
            continue
        seen.add(kind)
        if k_err:
            rep.add(obj, "attr", object_names(d_val), None, f"{kind}; kestrel raises")
        elif isinstance(k_val, dict) and not isinstance(d_val, dict):
            rep.add(obj, "attr", object_names(d_val), [],
                    f"{kind}; kestrel returns a dict (keys {', '.join(map(str, k_val))})")
        else:
            rep.add(obj, "attr", object_names(d_val), object_names(k_val), kind)


def nested_objects(results_name, res):
    """{label: names} of the objects inside a results object that users index into."""
    if res is None:
        return {}
    get = lambda a: getattr(res, a, None)  # noqa: E731
    out = {}
    if results_name == "DiDResults":
        out["DiDResults.coefficients"] = object_names(get("coefficients") or {})
    elif results_name == "CallawaySantAnnaResults":
        b = get("bootstrap_results")
        out["CallawaySantAnnaResults.bootstrap_results"] = None if b is None else object_names(b)
        out["CallawaySantAnnaResults.group_time_effects[(g,t)]"] = entry_names(
            get("group_time_effects"))
        out["CallawaySantAnnaResults.event_study_effects[e]"] = entry_names(
            get("event_study_effects"))
        out["CallawaySantAnnaResults.group_effects[g]"] = entry_names(get("group_effects"))
    elif results_name == "SunAbrahamResults":
        b = get("bootstrap_results")
        out["SunAbrahamResults.bootstrap_results"] = None if b is None else object_names(b)
        out["SunAbrahamResults.event_study_effects[e]"] = entry_names(get("event_study_effects"))
        out["SunAbrahamResults.cohort_effects[(g,e)]"] = entry_names(get("cohort_effects"))
    elif results_name in ("ImputationDiDResults", "TwoStageDiDResults"):
        b = get("bootstrap_results")
        out[f"{results_name}.bootstrap_results"] = None if b is None else object_names(b)
        out[f"{results_name}.event_study_effects[e]"] = entry_names(get("event_study_effects"))
        out[f"{results_name}.group_effects[g]"] = entry_names(get("group_effects"))
    elif results_name == "StackedDiDResults":
        out["StackedDiDResults.event_study_effects[e]"] = entry_names(get("event_study_effects"))
    elif results_name == "MultiPeriodDiDResults":
        out["MultiPeriodDiDResults.period_effects[p] (PeriodEffect)"] = entry_names(
            get("period_effects"))
    elif results_name == "BaconDecompositionResults":
        out["BaconDecompositionResults.comparisons[i] (Comparison2x2)"] = entry_names(
            get("comparisons"))
    return out


def compare_fits(rep, data):
    """Fit each estimator in both packages and compare the estimator, results and nested
    objects. Returns the module names the fits covered."""
    for spec in FITS:
        label = spec["name"]
        (d_est, d_res), d_err, d_warn, d_t = _unpack(quiet_call(lambda: spec["dd"](dd, data)))
        if d_err:
            rep.notes.append(f"{label}: diff-diff's fit failed ({d_err}); skipped")
            continue
        (k_est, k_res), k_err, k_warn, k_t = _unpack(quiet_call(lambda: spec["dd"](kd, data)))
        how = "diff-diff's call"
        if k_err:
            rep.notes.append(f"{label}: diff-diff's call raises on kestrel: {k_err}")
            if "ks" in spec:
                (k_est, k_res), k_err2, k_warn, k_t = _unpack(
                    quiet_call(lambda: spec["ks"](kd, data)))
                how = "kestrel's spelling"
                if k_err2:
                    rep.notes.append(f"{label}: kestrel's own spelling raises too: {k_err2}")
        _warn_notes(rep, label, d_warn, k_warn, d_t, k_t, how if k_res is not None else None)
        rname, only = spec["results"], spec.get("only")
        if only is None and "(" not in label:  # the estimator itself, once
            settings = init_params(type(d_est)) | init_params(type(k_est))
            dd_names = rep.attrs(f"{label} (fitted estimator)", d_est, k_est, exclude=settings)
            rep.rows[-1]["extra"] = [n for n in rep.rows[-1]["extra"] if n not in settings]
            rep.methods(label, d_est, k_est, dd_names, skip=("fit",))
        if only is None:
            note = "" if k_res is not None else "kestrel's fit failed"
            if k_res is not None and type(k_res).__name__ != rname:
                note = f"kestrel returns {type(k_res).__name__}"
            dd_names = rep.attrs(f"{rname} [{label}]", d_res, k_res, note=note)
            rep.methods(f"{rname} [{label}]", d_res, k_res, dd_names)
        k_nested = nested_objects(rname, k_res)
        for obj, names in nested_objects(rname, d_res).items():
            if only is None and obj.endswith(".bootstrap_results") and names is None:
                continue  # compared on the fit that asks for the bootstrap
            if only is None and obj == "DiDResults.coefficients":
                continue  # compared on the fit with fixed_effects=
            if only is None or obj in only:
                rep.nested(f"{obj} [{label}]", names, k_nested.get(obj))
        if only is None:  # last: these calls may change the results objects
            compare_post_calls(rep, rname, label, d_res, k_res)

    # The placebo tests' PlaceboTestResults, kestrel's names the union over its tests.
    d_any, k_union, k_any = None, set(), False
    for name, call in PLACEBO_CALLS:
        d_res, d_err, d_warn, d_t = quiet_call(lambda: call(dd, data))
        k_res, k_err, k_warn, k_t = quiet_call(lambda: call(kd, data))
        if d_err:
            rep.notes.append(f"{name}: diff-diff raises: {d_err}")
        if k_err:
            rep.notes.append(f"{name}: diff-diff's call raises on kestrel: {k_err}")
        _warn_notes(rep, name, d_warn, k_warn, d_t, k_t, "diff-diff's call")
        d_any = d_any or d_res
        if k_res is not None:
            k_union |= set(object_names(k_res)); k_any = True  # noqa: E702
    if d_any is not None:
        dd_names = object_names(d_any)
        rep.add("PlaceboTestResults [placebo tests]", "attr", dd_names,
                sorted(k_union) if k_any else None)
    d_all, d_err, d_warn, d_t = quiet_call(lambda: RUN_ALL(dd, data))
    k_all, k_err, k_warn, k_t = quiet_call(lambda: RUN_ALL(kd, data))
    if k_err:
        rep.notes.append(f"run_all_placebo_tests: diff-diff's call raises on kestrel: {k_err}")
    _warn_notes(rep, "run_all_placebo_tests", d_warn, k_warn, d_t, k_t, "diff-diff's call")
    if isinstance(d_all, dict):
        rep.nested("run_all_placebo_tests() keys", object_names(d_all),
                   object_names(k_all) if isinstance(k_all, dict) else None)


def init_params(cls):
    """The constructor parameters of cls and its bases: an estimator's settings, stored as
    attributes of the same names (compared as parameters, so left out of its attributes)."""
    names = set()
    for base in inspect.getmro(cls)[:-1]:
        if "__init__" in vars(base):
            names |= set(signature(base.__init__))
    return names


def _unpack(result):
    value, err, msgs, secs = result
    return (value if value is not None else (None, None)), err, msgs, secs


def _warn_notes(rep, label, d_warn, k_warn, d_t, k_t, how):
    only_d = [w for w in d_warn if w not in k_warn]
    only_k = [w for w in k_warn if w not in d_warn]
    if only_d:
        rep.notes.append(f"{label}: diff-diff warns: " + " | ".join(only_d))
    if only_k and how:
        rep.notes.append(f"{label}: kestrel warns ({how}): " + " | ".join(only_k))
    if d_t > 1.0 or k_t > 1.0:
        rep.notes.append(f"{label}: fit took diff-diff {d_t:.2f}s, kestrel {k_t:.2f}s")


# ---------------------------------------------------------------------------------------------
# Signatures of the estimators and functions


def compare_signatures(rep):
    for name in CORE_ESTIMATORS + SECTION3_ESTIMATORS:
        d_cls, k_cls = getattr(dd, name), getattr(kd, name, None)
        rep.params(f"{name}()", d_cls.__init__, None if k_cls is None else k_cls.__init__)
        if hasattr(d_cls, "fit"):
            rep.params(f"{name}.fit()", d_cls.fit, None if k_cls is None else k_cls.fit)
    for name in CORE_FUNCTIONS + SECTION3_FUNCTIONS:
        rep.params(f"{name}()", getattr(dd, name), getattr(kd, name, None))


def compare_module_names(rep, names, label):
    rep.add(label, "attr", names, [n for n in names if hasattr(kd, n)])


def compare_everything_else(rep, covered):
    """--all: every other public name of diff_diff, compared statically."""
    seen = {id(getattr(dd, n)) for n in covered}
    names = [n for n in dd.__all__ if n not in covered]
    compare_module_names(rep, names, "kestrel.did module names [--all]")
    for name in names:
        obj, k_obj = getattr(dd, name), getattr(kd, name, None)
        if id(obj) in seen:  # an alias (CS, DiD, ...) or a constant already compared
            continue
        seen.add(id(obj))
        if inspect.isclass(obj):
            note = "" if k_obj is not None else "kestrel lacks it"
            if not dataclasses.is_dataclass(obj) and "__init__" in _own_dict(obj):
                rep.params(f"{name}() [--all]", obj.__init__,
                           None if k_obj is None else k_obj.__init__, note)
            dd_names = public(set(dir(obj)) | {f.name for f in dataclasses.fields(obj)}
                              if dataclasses.is_dataclass(obj) else dir(obj))
            rep.add(f"{name} [--all, static]", "attr", dd_names,
                    None if k_obj is None else object_names(k_obj), note)
            rep.methods(f"{name} [--all]", obj, k_obj, dd_names)
        elif callable(obj):
            rep.params(f"{name}() [--all]", obj, k_obj)


def _own_dict(cls):
    d = {}
    for base in reversed(cls.__mro__[:-1]):
        d.update(vars(base))
    return d


# ---------------------------------------------------------------------------------------------
# Allowlist and output


def load_allow(path):
    allow = {}
    if path and os.path.exists(path):
        with open(path) as fh:
            for line in fh:
                line = line.split("#", 1)[0].strip()
                if line:
                    name, _, reason = line.partition(" ")
                    allow[name] = reason.strip()
    return allow


def allowed(allow, obj, name):
    base = obj.split(" [")[0].rstrip("()")
    for key in (f"{base}:{name}", name):
        if key in allow:
            return key
    return None


def totals(rows, allow=None):
    p = a = n = 0
    for r in rows:
        miss = [m for m in r["missing"]
                if allow is None or not allowed(allow, r["object"], m)]
        n += len(r["diff_diff"])
        if r["kind"] == "param":
            p += len(miss)
        else:
            a += len(miss)
    return p + a, p, a, n


def print_report(rep, allow, quiet):
    out = []
    for r in rep.rows:
        if (quiet or not r["extra"]) and not r["missing"] and (quiet or not r["diff_diff"]):
            continue  # nothing to say (a method without parameters, say)
        head = (f"== {r['object']}  [{r['kind']}s: diff-diff {len(r['diff_diff'])}, "
                f"kestrel {'-' if r['kestrel'] is None else len(r['kestrel'])}, "
                f"missing {len(r['missing'])}]")
        out.append(head + (f"  ({r['note']})" if r["note"] else ""))
        if r["missing"]:
            marked = [m + (" (allowed)" if allowed(allow, r["object"], m) else "")
                      for m in r["missing"]]
            out.append("   missing: " + ", ".join(marked))
        if r["extra"] and not quiet:
            out.append("   kestrel only: " + ", ".join(r["extra"]))
        for d in r["defaults"] if not quiet else ():
            out.append("   default differs: " + d)
    if rep.notes:
        out += ["", "Behaviour seen while fitting:"] + ["  - " + n for n in rep.notes]
    print("\n".join(out))
    counts = {}
    for r in rep.rows:
        for m in r["missing"]:
            key = allowed(allow, r["object"], m)
            if key:
                counts[key] = counts.get(key, 0) + 1
    t, p, a, n = totals(rep.rows)
    ta, pa, aa, _ = totals(rep.rows, allow)
    print()
    if counts:
        print("allowlisted: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
              + f" (total {sum(counts.values())})")
    print(f"MISSING: {t} (params {p}, attributes {a}) of {n} diff-diff names")
    print(f"MISSING (allowlist applied): {ta} (params {pa}, attributes {aa}) of {n} "
          "diff-diff names")
    return {"missing": t, "params": p, "attributes": a, "names": n,
            "missing_allowed": ta, "params_allowed": pa, "attributes_allowed": aa,
            "allowlisted": counts}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--all", action="store_true", help="every name in diff_diff.__all__")
    ap.add_argument("--json", metavar="PATH", help="write the comparison as JSON")
    ap.add_argument("--allow", default=DEFAULT_ALLOW, help="allowlist file")
    ap.add_argument("-q", "--quiet", action="store_true",
                    help="only objects with gaps; no kestrel-only names or defaults")
    args = ap.parse_args(argv)
    print(f"diff-diff {dd.__version__} vs kestrel.did ({os.path.dirname(kd.__file__)})")
    allow = load_allow(args.allow)
    rep = Report()
    covered = (CORE_ESTIMATORS + CORE_FUNCTIONS + CORE_RESULTS + SECTION3_ESTIMATORS
               + SECTION3_FUNCTIONS + SECTION3_RESULTS)
    compare_module_names(rep, covered, "kestrel.did module names")
    compare_signatures(rep)
    compare_fits(rep, make_data())
    if args.all:
        with warnings.catch_warnings():  # diff-diff warns on its deprecated aliases
            warnings.simplefilter("ignore", FutureWarning)
            compare_everything_else(rep, covered)
    summary = print_report(rep, allow, args.quiet)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"diff_diff_version": dd.__version__, "all": args.all,
                       "totals": summary, "allowlist": allow, "objects": rep.rows,
                       "behaviour": rep.notes}, fh, indent=1, default=str)
    return 0


if __name__ == "__main__":
    sys.exit(main())
