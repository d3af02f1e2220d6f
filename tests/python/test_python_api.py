"""The Python package as a newcomer meets it: what help(kestrel) lists, docstrings that name every
argument, one base of every result (summary shown once at a REPL, to_dict, to_dataframe, plot),
one meaning of seed=None, the kestrel command's vcov spelling, read_csv's views, scikit-learn's
check_estimator, and the thread count."""
import code
import contextlib
import inspect
import io
import pathlib
import pydoc
import re
import subprocess
import sys
import tempfile
import warnings

import numpy as np
import pandas as pd
import pytest

import kestrel
import kestrel.did as kd
from kestrel import gsem, sem
from kestrel.mars import Earth, EarthClassifier

from conftest import DATA, ROOT, SAMPLE

# -- package shape ----------------------------------------------------------------------------


def test_help_lists_only_the_public_modules():
    text = pydoc.render_doc(kestrel, renderer=pydoc.plaintext)
    contents = text.split("PACKAGE CONTENTS\n")[1].split("\n\n")[0].split()
    assert contents == ["did", "gsem", "mars", "nd", "sem"]
    assert "SUBMODULES" not in text and "_kestrel" not in text and "_core" not in text
    for name in ("feols", "ols", "read_csv", "Feols", "KestrelError"):
        assert name in text


def test_submodules_load_on_first_use():
    code_ = ("import sys, kestrel\n"
             "assert 'kestrel.did' not in sys.modules and 'kestrel.mars' not in sys.modules\n"
             "assert {'did', 'gsem', 'mars'} <= set(dir(kestrel))\n"
             "kestrel.did.CallawaySantAnna, kestrel.mars.Earth, kestrel.gsem.munge\n"
             "from kestrel import _core\n"
             "assert _core.enum_name('col_type', 2) == 'float64'\n")
    subprocess.run([sys.executable, "-c", code_], check=True)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        kestrel.nope


def _public():
    """Every public callable of kestrel, kestrel.did, kestrel.mars and kestrel.gsem."""
    for mod in (kestrel, kd, kestrel.mars, gsem):
        for name in mod.__all__:
            obj = getattr(mod, name)
            if callable(obj) and not (inspect.isclass(obj) and issubclass(obj, BaseException)):
                yield f"{mod.__name__}.{name}", obj


def _documented(qualname, func, doc):
    """The parameters of func missing from doc (self, *args and **kwargs aside)."""
    sig = inspect.signature(func)
    skip = (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    return [p for p, v in sig.parameters.items() if p not in ("self", "cls") and v.kind not in skip
            and not re.search(rf"\b{re.escape(p)}\b", doc)]


def test_docstrings_name_every_argument_and_the_result():
    missing = []
    for qualname, obj in _public():
        if inspect.isclass(obj):
            # a result's constructor is internal (the library builds it); an estimator's
            # parameters are documented on the class
            if not re.search(r"(Results?|Feols|Comparison2x2)$", qualname):
                missing += [(qualname, p) for p in _documented(qualname, obj.__init__,
                                                               obj.__doc__ or "")]
            for meth in ("fit", "predict", "predict_proba", "transform", "summary",
                         "aggregate", "to_dataframe"):
                f = getattr(obj, meth, None)
                if f is None:
                    continue
                doc = f.__doc__ or ""
                if not doc.strip():
                    missing.append((f"{qualname}.{meth}", "no docstring"))
                missing += [(f"{qualname}.{meth}", p) for p in _documented(qualname, f, doc)]
        else:
            doc = obj.__doc__ or ""
            missing += [(qualname, p) for p in _documented(qualname, obj, doc)]
            if not re.search(r"\bReturns?\b", doc):
                missing.append((qualname, "the result"))
    assert not missing, missing
    feols_doc = kestrel.feols.__doc__
    for arg in ("fixef_tol", "fixef_maxiter", "drop_singletons", "collin_tol", "threads", "ssc",
                "weights", "vcov", "Feols"):
        assert arg in feols_doc


# -- one summary convention ----------------------------------------------------------------------


def _results():
    """One fitted instance of every result class with a summary."""
    rng = np.random.default_rng(5)
    panel = pd.read_csv(SAMPLE / "panel.csv")
    basic = pd.read_csv(SAMPLE / "basic_small.csv")
    mpdta = pd.read_csv(SAMPLE / "mpdta.csv")
    prop99 = pd.read_csv(SAMPLE / "california_prop99.csv")
    ozone = pd.read_csv(SAMPLE / "ozone1.csv")
    X, y = ozone.drop(columns="O3"), ozone["O3"]
    g = DATA / "gsem"
    ld = g / "ldsc_test" / "simulate_test"
    ss = [str(ld / "sumstats" / str(i)) for i in range(2)]
    ldkw = dict(ref_ld=str(ld / "ldscore" / "oneld_onefile"), w_ld=str(ld / "ldscore" / "w"))
    return {
        "Feols": lambda: kestrel.feols("log_wage ~ hours + union | worker + year", panel),
        "ols": lambda: kestrel.ols(rng.normal(size=(30, 2)), rng.normal(size=30)),
        "DiDResults": lambda: kd.DifferenceInDifferences(cluster="unit").fit(
            basic, formula="outcome ~ treated * post"),
        "DiDResults (TWFE)": lambda: kd.TwoWayFixedEffects().fit(
            basic, outcome="outcome", treatment="treated", time="post", unit="unit"),
        "MultiPeriodDiDResults": lambda: kd.MultiPeriodDiD().fit(
            basic, outcome="outcome", treatment="treated", time="time", post_periods=[3, 4]),
        "CallawaySantAnnaResults": lambda: kd.CallawaySantAnna().fit(
            mpdta, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat",
            aggregate="event_study"),
        "SyntheticDiDResults": lambda: kd.SyntheticDiD(n_bootstrap=5, seed=1).fit(
            prop99, "PacksPerCapita", "treated", "State", "Year"),
        "StackedDiDResults": lambda: kd.StackedDiD().fit(mpdta, "lemp", "countyreal", "year",
                                                         "first.treat"),
        "TripleDifferenceResults": lambda: kd.TripleDifference().fit(
            pd.read_csv(ROOT / "tests" / "data" / "did" / "ddd_rcs.csv"), "y", "group",
            "partition", "post"),
        "SunAbrahamResults": lambda: kd.SunAbraham().fit(mpdta, "lemp", "countyreal", "year",
                                                         "first.treat"),
        "ImputationDiDResults": lambda: kd.ImputationDiD().fit(
            mpdta, "lemp", "countyreal", "year", "first.treat", aggregate="all"),
        "ImputationDiDResults (TwoStageDiD)": lambda: kd.TwoStageDiD().fit(
            mpdta, "lemp", "countyreal", "year", "first.treat", aggregate="event_study"),
        "BaconDecompositionResults": lambda: kd.BaconDecomposition().fit(
            mpdta, "lemp", "countyreal", "year", "first.treat"),
        "HonestDiDResults": lambda: kd.HonestDiD("relative_magnitude").fit(kd.MultiPeriodDiD().fit(
            basic, outcome="outcome", treatment="treated", time="time", post_periods=[3, 4])),
        "SensitivityResults": lambda: kd.HonestDiD("smoothness").sensitivity_analysis(
            kd.MultiPeriodDiD().fit(basic, outcome="outcome", treatment="treated", time="time",
                                    post_periods=[3, 4]), M_grid=[0, 0.1]),
        "EventStudyResults": lambda: kd.CallawaySantAnna().fit(
            mpdta, outcome="lemp", unit="countyreal", time="year",
            first_treat="first.treat").aggregate("event_study"),
        "AggregationResult": lambda: kd.CallawaySantAnna().fit(
            mpdta, outcome="lemp", unit="countyreal", time="year",
            first_treat="first.treat").aggregate("group"),
        "PreTrendsPowerResults": lambda: kd.PreTrendsPower().fit(_event_study(mpdta)),
        "PreTrendsPowerCurve": lambda: kd.PreTrendsPower().power_curve(_event_study(mpdta),
                                                                       n_points=5),
        "PowerResults": lambda: kd.PowerAnalysis().power(0.5, 50, 50, sigma=1.0),
        "SimulationPowerResults": lambda: kd.simulate_power(
            kd.DifferenceInDifferences(), n_units=40, n_simulations=20, seed=1, progress=False),
        "SimulationMDEResults": lambda: kd.simulate_mde(
            kd.DifferenceInDifferences(), n_units=40, n_simulations=20, max_steps=3, seed=1,
            progress=False),
        "SimulationSampleSizeResults": lambda: kd.simulate_sample_size(
            kd.DifferenceInDifferences(), treatment_effect=2.0, n_simulations=20, max_steps=3,
            seed=1, progress=False),
        "PlaceboTestResults": lambda: kd.placebo_timing_test(
            basic, "outcome", "treated", "time", fake_treatment_period=2, post_periods=[3, 4]),
        "Earth": lambda: Earth().fit(X, y),
        "EarthClassifier": lambda: EarthClassifier().fit(X, y > y.median()),
        "LdscResult": lambda: gsem.ldsc(
            [g / "ref" / "munged" / f"{t}.sumstats.gz" for t in ("T1", "T2")],
            ld=g / "sim" / "ld", wld=g / "sim" / "ld", trait_names=["T1", "T2"]),
        "H2Result": lambda: gsem.ldsc_h2(ss[0], **ldkw),
        "RgResult": lambda: gsem.ldsc_rg(ss, **ldkw),
        "SemFit": lambda: sem.cfa("f =~ x1 + x2 + x3",
                                  data=pd.read_csv(DATA / "sem" / "HolzingerSwineford1939.csv")),
        "UsermodelResult": lambda: gsem.commonfactor(gsem.covstruc(
            S=pd.read_csv(g / "ref" / "ldsc_S.tsv", sep="\t", index_col=0),
            V=pd.read_csv(g / "ref" / "ldsc_V.tsv", sep="\t", index_col=0))),
        "GwasResult": lambda: gsem.commonfactorGWAS(
            gsem.covstruc(*(pd.read_csv(g / "ref" / f"ldsc_{m}.tsv", sep="\t", index_col=0)
                            for m in ("S", "V", "I"))),
            g / "ref" / "sumstats_merged_first2000.tsv.gz", method="gls",
            out=pathlib.Path(tempfile.mkdtemp()) / "cf.tsv"),
    }


def _event_study(mpdta):
    """A CallawaySantAnna event study with pre-periods (PreTrendsPower's input)."""
    return kd.CallawaySantAnna(base_period="universal").fit(
        mpdta, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat",
        aggregate="event_study")


def _repl(namespace, line):
    """What an interactive interpreter prints for one line typed at its prompt."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert code.InteractiveInterpreter(namespace).runsource(line) is False
    return out.getvalue()


@pytest.mark.parametrize("kind", list(_results()))
def test_summary_shows_once(kind):
    """summary() returns the table (a str, nothing printed); typed at a REPL it shows once, laid
    out as print shows it; print_summary() prints it once and returns None."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = _results()[kind]()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        text = res.summary()
    assert out.getvalue() == "" and isinstance(text, str) and "\n" in text
    assert repr(text) == str(text)
    ns = {"res": res}
    for line in ("res.summary()", "print(res.summary())", "res.print_summary()"):
        shown = _repl(ns, line)
        assert shown == text + "\n", (line, shown)
    with contextlib.redirect_stdout(io.StringIO()):
        assert res.print_summary() is None


# -- one results base ----------------------------------------------------------------------------

# The results that draw something; plot() of every other one is refused (NotImplementedError).
_PLOTS = {"CallawaySantAnnaResults": {}, "SunAbrahamResults": {}, "StackedDiDResults": {},
          "ImputationDiDResults": {}, "TwoStageDiDResults": {},
          "BaconDecompositionResults": {}, "Earth": "X", "EarthClassifier": "X"}
_PLOTS["SensitivityResults"] = {}
_PLOTS["EventStudyResults"] = _PLOTS["PreTrendsPowerCurve"] = {}
_PLOTS["_ImputationFamilyResults"] = {}  # the imputation family's shared base draws both


def _all_result_classes():
    """Every subclass of kestrel.Results, kestrel's own modules loaded."""
    out, todo = set(), [kestrel.Results]
    while todo:
        for sub in todo.pop().__subclasses__():
            if sub.__module__.split(".")[0] in ("kestrel", "_kestrel"):
                out.add(sub)
            todo.append(sub)
    return out


def test_every_result_class_is_walked():
    """Each result class of regress, did, mars and gsem derives from kestrel.Results and
    defines summary, to_dict and to_dataframe itself (the test below fits one of each; a
    subclass that only renames one, as EarthRegressor, is covered by it)."""
    # kestrel.did's shared base (did_base.Results: summary(alpha), is_significant, ...) is not
    # a result anyone receives, and its summary() only refuses, as kestrel.Results's does
    bases = (kestrel.Results, kd.Results)
    results = _all_result_classes() - {kd.Results}
    own = {c for c in results
           if any(m in vars(c) for m in ("summary", "to_dict", "to_dataframe"))}
    assert all(any(issubclass(c, o) for o in own) for c in results)
    # a private shared base (did_imputation's _ImputationFamilyResults, whose summary and
    # to_dataframe ImputationDiDResults and TwoStageDiDResults inherit) is not received either
    classes = {c.__name__ for c in own if not c.__name__.startswith("_")}
    fitted = {k.split(" ")[0] for k in _results()} - {"ols"}
    assert classes == fitted, classes ^ fitted
    for cls in own:
        for meth in ("summary", "to_dict", "to_dataframe"):
            assert all(getattr(cls, meth) is not getattr(b, meth) for b in bases), (cls, meth)
        assert (cls.plot is kestrel.Results.plot) == (cls.__name__ not in _PLOTS), cls


@pytest.mark.parametrize("kind", list(_results()))
def test_results_have_the_four_methods(kind):
    """summary() -> str, to_dict() -> dict, to_dataframe() -> DataFrame, plot() -> what it drew
    (matplotlib) or NotImplementedError naming the class."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = _results()[kind]()
    assert isinstance(res, kestrel.Results)
    assert isinstance(res.summary(), str)
    d = res.to_dict()
    assert isinstance(d, dict) and d
    df = res.to_dataframe()
    assert isinstance(df, pd.DataFrame) and len(df) > 0
    name = type(res).__name__
    if name in _PLOTS:
        args = (pd.read_csv(SAMPLE / "ozone1.csv").drop(columns="O3"),) if _PLOTS[name] else ()
        assert res.plot(*args) is not None
        plt.close("all")
    else:
        with pytest.raises(NotImplementedError, match=name):
            res.plot()


def test_old_dict_names_still_work():
    g = DATA / "gsem"
    ld = g / "ldsc_test" / "simulate_test"
    kw = dict(ref_ld=str(ld / "ldscore" / "oneld_onefile"), w_ld=str(ld / "ldscore" / "w"))
    h = gsem.ldsc_h2(str(ld / "sumstats" / "0"), **kw)
    assert h.as_dict().keys() == h.to_dict().keys() and h.fit.as_dict() == h.fit.to_dict()


# -- one meaning of seed=None ---------------------------------------------------------------------


def _seeded():
    """Estimators that draw random numbers: (make(seed) -> result, the drawn numbers)."""
    basic = pd.read_csv(SAMPLE / "basic_small.csv")
    mpdta = pd.read_csv(SAMPLE / "mpdta.csv")
    prop99 = pd.read_csv(SAMPLE / "california_prop99.csv")
    return {
        "CallawaySantAnna": (lambda s: kd.CallawaySantAnna(n_bootstrap=50, seed=s).fit(
            mpdta, outcome="lemp", unit="countyreal", time="year", first_treat="first.treat"),
            lambda r: r.overall_se),
        "DifferenceInDifferences wild": (lambda s: kd.DifferenceInDifferences(
            inference="wild_bootstrap", cluster="unit", n_bootstrap=99, seed=s).fit(
            basic, outcome="outcome", treatment="treated", time="post"),
            lambda r: r.conf_int),
        "SyntheticDiD": (lambda s: kd.SyntheticDiD(n_bootstrap=5, seed=s).fit(
            prop99, "PacksPerCapita", "treated", "State", "Year"), lambda r: r.se),
        "permutation_test": (lambda s: kd.permutation_test(
            basic, "outcome", "treated", post="post", unit="unit", n_permutations=50, seed=s),
            lambda r: tuple(r.permutation_distribution)),
    }


@pytest.mark.parametrize("kind", list(_seeded()))
def test_seed_none_draws_a_fresh_seed_that_is_recorded(kind):
    """seed=None draws a fresh seed (two runs differ), recorded as .seed (it repeats the run); an
    int is used as given (it repeats too)."""
    make, drawn = _seeded()[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a, b = make(None), make(None)
        assert isinstance(a.seed, int) and a.seed != b.seed and drawn(a) != drawn(b)
        again = make(a.seed)
        assert again.seed == a.seed and drawn(again) == drawn(a)
        c, d = make(7), make(7)
        assert c.seed == d.seed == 7 and drawn(c) == drawn(d)
        assert c.to_dict()["seed"] == 7


def test_mars_random_state_is_scikit_learns():
    """random_state=None draws from NumPy's global random state (np.random.seed repeats it), an
    int is used as given; the folds' seed is recorded as seed_."""
    ozone = pd.read_csv(SAMPLE / "ozone1.csv")
    X, y = ozone.drop(columns="O3"), ozone["O3"]

    def fit(rs=None):
        return Earth(max_degree=2, pmethod="cv", nfold=3, random_state=rs).fit(X, y)

    np.random.seed(11)
    a = fit()
    np.random.seed(11)
    b = fit()
    assert a.seed_ == b.seed_ and np.array_equal(a.cv_rsq_, b.cv_rsq_)
    assert fit().seed_ != a.seed_
    c = fit(a.seed_)
    assert c.seed_ == a.seed_ and np.array_equal(c.cv_rsq_, a.cv_rsq_)
    assert fit(3).seed_ == 3 and Earth.from_json(c.to_json()).seed_ == c.seed_


# -- the C side: log notes, string lists, the GIL ------------------------------------------------


def test_log_notes_become_warnings_at_the_callers_line():
    """A note the C core logs at warning level reaches Python as a warning pointed at the line
    that called kestrel (notes.py), in regress and mars as in did."""
    panel = pd.read_csv(SAMPLE / "panel.csv")
    with pytest.warns(RuntimeWarning, match="projections stopped at 1 iterations") as rec:
        fit = kestrel.feols("log_wage ~ hours | worker + year", panel, fixef_maxiter=1)
    assert rec[0].filename == __file__ and any("projections stopped" in m for m in fit.notes)
    ozone = pd.read_csv(SAMPLE / "ozone1.csv")
    X, Y = ozone.drop(columns="O3"), np.column_stack([ozone["O3"], ozone["O3"] ** 2])
    with pytest.warns(UserWarning, match="exhaustive needs one response") as rec:
        Earth(pmethod="exhaustive", max_terms=5).fit(X, Y)
    assert rec[0].filename == __file__


def test_string_lists_name_the_argument():
    """One ks_py_str_list for every binding that takes a list of names."""
    with pytest.raises(TypeError, match=r"paths: expected a sequence of str, not one with int"):
        kestrel._core.gsem_munge([1], ["out"], "ref")
    with pytest.raises(TypeError, match=r"covariates: expected a sequence of str, not int"):
        kestrel._core.sunab({"y": np.zeros(2)}, "y", "u", "t", "g", covariates=3)


def test_the_gil_is_released_around_the_c_call_alone():
    """Every binding releases the GIL with the macro pair, each alone on its line, the call
    between them indented (as .clang-format's MacroBlockBegin / MacroBlockEnd keep it)."""
    bindings = sorted((ROOT / "python" / "_kestrel").glob("_core*.c"))
    assert len(bindings) >= 8
    for path in bindings:
        lines = path.read_text().splitlines()
        opened = None
        for i, line in enumerate(lines):
            if "ALLOW_THREADS" not in line:
                continue
            word = line.strip()
            assert word in ("Py_BEGIN_ALLOW_THREADS", "Py_END_ALLOW_THREADS"), (path, i + 1)
            indent = len(line) - len(line.lstrip())
            if word == "Py_BEGIN_ALLOW_THREADS":
                assert opened is None, (path, i + 1)
                opened = indent
                nxt = lines[i + 1]
                assert len(nxt) - len(nxt.lstrip()) == indent + 4, (path, i + 2)
            else:
                assert opened == indent, (path, i + 1)
                opened = None
        assert opened is None, path


def test_feols_summary_is_the_commands_table(kestrel_bin):
    """Stars, their legend and every number as `kestrel feols` prints them."""
    fml = "log_wage ~ hours + union + married | worker + year"
    cli = subprocess.run([kestrel_bin, "feols", "--data", str(SAMPLE / "panel.csv"), "--formula",
                          fml, "--vcov", "CRV1:worker"], capture_output=True, text=True,
                         check=True).stdout
    fit = kestrel.feols(fml, pd.read_csv(SAMPLE / "panel.csv"), vcov="CRV1:worker")
    assert fit.summary() + "\n" == cli
    assert "16.176   1.02e-42 ***" in cli and "0.0146 *" in cli
    assert "Signif. codes: 0 '***' 0.001 '**' 0.01 '*' 0.05 '.' 0.1 ' ' 1" in cli


def test_ols_shows_the_callers_names():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(60, 3))
    X[:, 2] = 2 * X[:, 0]
    y = X[:, 0] + rng.normal(size=60)
    fit = kestrel.ols(X, y, intercept=True, names=["a b", "log(c)", "d"],
                      weights=np.ones(60), vcov="CRV1", cluster=np.arange(60) % 6)
    text = fit.summary()
    assert "_ks" not in text and "__" not in text and "_ks" not in " ".join(fit.notes)
    assert fit.formula == "y ~ a b + log(c) + d" and fit.vcov_type == "CRV1: cluster"
    assert list(fit.coef().index) == ["Intercept", "a b", "log(c)", "d"]
    assert fit.collinear == ["d"] and fit.notes == ["'d' removed because of collinearity"]
    plain = kestrel.ols(X[:, :2], y)
    assert plain.formula == "y ~ x0 + x1 - 1" and "y ~ x0 + x1 - 1" in plain.summary()


# -- arguments ------------------------------------------------------------------------------------


def test_vcov_in_the_commands_spelling():
    df = pd.read_csv(SAMPLE / "panel.csv")
    fml = "log_wage ~ hours + union | worker + year"
    for cli, py in (("CRV1:worker", {"CRV1": "worker"}), ("CRV1:worker+year", {"CRV1": "worker+year"}),
                    ("CRV1: worker + year", {"CRV1": "worker+year"})):
        a, b = kestrel.feols(fml, df, vcov=cli), kestrel.feols(fml, df, vcov=py)
        assert a.vcov_type == b.vcov_type and a.vcov_type.startswith("CRV1")
        assert np.array_equal(a.se(), b.se()) and np.array_equal(a.coef(), b.coef())


def test_read_csv_columns_are_views(monkeypatch):
    """Numeric columns of read_csv's DataFrame are kestrel's arrays (pandas >= 3 builds the frame
    without a copy), writable through the frame, their only owner."""
    if int(pd.__version__.split(".")[0]) < 3:
        pytest.skip("pandas < 3 copies a dict of arrays into blocks (the docstring says so)")
    read = {}

    def spy(path):
        read.update(kestrel._read_csv.__wrapped__(path))
        return read

    spy.__wrapped__ = kestrel._read_csv
    monkeypatch.setattr(kestrel, "_read_csv", spy)
    df = kestrel.read_csv(SAMPLE / "panel.csv")
    for col in ("worker", "hours", "log_wage"):
        assert np.shares_memory(df[col].to_numpy(), read[col])
    df.loc[0, "hours"] = -1.0
    assert df["hours"][0] == -1.0 and read["hours"][0] == -1.0


# -- scikit-learn ---------------------------------------------------------------------------------

# MARS counts cases when it spaces knots (earth's minspan / endspan), so a case of weight 2 is
# not two cases: this check cannot pass without leaving earth's algorithm (README).
EXPECTED_FAIL = {"check_sample_weight_equivalence_on_dense_data":
                 "knot spacing counts cases (earth's minspan / endspan), not weight"}


@pytest.mark.parametrize("est", [Earth(), EarthClassifier()], ids=["Earth", "EarthClassifier"])
def test_check_estimator_fails_exactly_the_named_check(est, monkeypatch):
    """Every check runs (the array-API one too) and passes but the one the README names, which
    does fail."""
    sk = pytest.importorskip("sklearn.utils.estimator_checks")
    monkeypatch.setenv("SCIPY_ARRAY_API", "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        results = sk.check_estimator(est, on_fail=None, expected_failed_checks=EXPECTED_FAIL)
    status = {}
    for r in results:
        status.setdefault(r["status"], []).append(r["check_name"])
    assert set(status) == {"passed", "xfail"}, status
    assert status["xfail"] == list(EXPECTED_FAIL) and len(status["passed"]) > 50


# -- threads ---------------------------------------------------------------------------------------


def test_default_threads_give_the_same_numbers():
    """The default (every core, fewer for small work), one thread and two give the same fit."""
    ozone = pd.read_csv(SAMPLE / "ozone1.csv")
    X, y = ozone.drop(columns="O3"), ozone["O3"]
    fits = [Earth(max_degree=2, threads=t).fit(X, y) for t in (None, 1, 2)]
    assert all(f.basis_ == fits[0].basis_ and np.array_equal(f.coef_, fits[0].coef_)
               for f in fits)
    df = pd.read_csv(SAMPLE / "panel.csv")
    fe = [kestrel.feols("log_wage ~ hours + union | worker + year", df, vcov="CRV1:worker",
                        threads=t) for t in (None, 1, 2)]
    assert all(np.array_equal(f.coef(), fe[0].coef()) and np.array_equal(f.se(), fe[0].se())
               for f in fe)


def test_columns_converts_only_what_the_fit_reads():
    """_columns(df, only): a DataFrame's columns the fit names (strings, lists of them, None
    left out), not the rest; without only every column; a dict as it is."""
    import pandas as pd
    from _kestrel.regress import _columns
    df = pd.DataFrame({"a": [1.0, 2.0], "b": ["x", "y"], "c": [3, 4], "d": [[1], [2]]})
    assert set(_columns(df, ("a", ["c", None], None))) == {"a", "c"}
    assert set(_columns(df)) == {"a", "b", "c", "d"}
    cols = {"a": df["a"].to_numpy()}
    assert _columns(cols, ("z",)) is cols

