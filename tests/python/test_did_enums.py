"""The did and regress enumerations reach Python through the library's name functions
(_core.enum_value / enum_name): the words, their aliases, and a clear error naming the
argument in the estimators."""
import pytest

import kestrel
from _kestrel import _core
from kestrel.did import CallawaySantAnna

ENUMS = {"vcov_kind": ["iid", "HC1", "HC2", "HC3", "CRV1", "HC2-BM", "CR2"],
         "did_control": ["never_treated", "not_yet_treated"],
         "did_method": ["dr", "ipw", "reg"], "did_base": ["varying", "universal"],
         "did_boot_weights": ["rademacher", "mammen", "webb"],
         "did_agg_type": ["simple", "event_study", "group", "calendar"],
         "did_sdid_estimator": ["synthdid", "sc", "did"],
         "did_sdid_variance": ["placebo", "bootstrap", "jackknife", "none"],
         "did_bacon_type": ["treated_vs_never", "earlier_vs_later", "later_vs_earlier"]}


@pytest.mark.parametrize("enum", sorted(ENUMS))
def test_names_round_trip(enum):
    for value, name in enumerate(ENUMS[enum]):
        assert _core.enum_value(enum, name) == value
        assert _core.enum_name(enum, value) == name
    assert _core.enum_name(enum, len(ENUMS[enum])) is None


def test_aliases():
    assert _core.enum_value("vcov_kind", "hetero") == _core.enum_value("vcov_kind", "HC1")
    assert _core.enum_value("did_control", "notyettreated") == 1
    assert _core.enum_value("did_agg_type", "dynamic") == 1
    with pytest.raises(kestrel.KestrelError, match="'ols' is not one of 'dr', 'ipw', 'reg'"):
        _core.enum_value("did_method", "ols")


def test_estimator_names_the_argument():
    with pytest.raises(ValueError, match="control_group='never'"):
        CallawaySantAnna(control_group="never").fit(
            {"y": [1.0], "t": [1], "i": [1], "g": [0]}, "y", "i", "t", "g")
