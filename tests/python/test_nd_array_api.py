"""What the Array API standard's suite (tests/array_api/run.sh) found in kestrel.nd, kept here so
that `make test` sees it without the suite's checkout: every public function's signature is
inspectable (the suite skipped 15 signature tests on the C functions, and scikit-learn asks
inspect.signature whether xp.matmul takes dtype=), with the standard's parameter names."""
import inspect

import numpy as np
import pytest

import kestrel.nd as nd

P = inspect.Parameter


def _public(mod):
    return [(f"{mod.__name__}.{n}", getattr(mod, n)) for n in dir(mod)
            if not n.startswith("_") and callable(getattr(mod, n))
            and not isinstance(getattr(mod, n), type)]


@pytest.mark.parametrize("name,f", _public(nd) + _public(nd.linalg) + _public(nd.fft),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_signature_inspectable(name, f):
    inspect.signature(f)


def _params(f):
    return [(p.name, p.kind) for p in inspect.signature(f).parameters.values()]


def test_signatures_as_the_standard():
    assert _params(nd.matmul) == [("x1", P.POSITIONAL_OR_KEYWORD), ("x2", P.POSITIONAL_OR_KEYWORD)]
    assert _params(nd.add)[:3] == [("x1", P.POSITIONAL_ONLY), ("x2", P.POSITIONAL_ONLY),
                                   ("out", P.POSITIONAL_OR_KEYWORD)]
    assert ("dtype", P.KEYWORD_ONLY) in _params(nd.sqrt)
    assert _params(nd.zeros)[:2] == [("shape", P.POSITIONAL_OR_KEYWORD),
                                     ("dtype", P.POSITIONAL_OR_KEYWORD)]
    assert ("device", P.KEYWORD_ONLY) in _params(nd.zeros)
    assert _params(nd.ones(2).to_device) == [("device", P.POSITIONAL_ONLY),
                                             ("stream", P.KEYWORD_ONLY)]
    # clip(x, /, min=None, max=None): the standard's names, positional as NumPy's a_min, a_max
    assert _params(nd.clip)[:3] == [("a", P.POSITIONAL_ONLY), ("min", P.POSITIONAL_OR_KEYWORD),
                                    ("max", P.POSITIONAL_OR_KEYWORD)]


def test_ufunc_signature_calls():
    """The ufuncs take what their signature says (nd.add's out= positional, where=, dtype=)."""
    x = nd.arange(4.0)
    out = nd.zeros(4)
    assert nd.add(x, 1.0, out) is out
    np.testing.assert_array_equal(np.asarray(out), [1.0, 2.0, 3.0, 4.0])
    r = nd.sqrt(x, where=x > 1.0, out=nd.full(4, -1.0), casting="same_kind", dtype=nd.float64)
    np.testing.assert_array_equal(np.asarray(r), [-1.0, -1.0, np.sqrt(2.0), np.sqrt(3.0)])


def test_clip_names():
    a = nd.arange(6)
    want = np.clip(np.arange(6), 1, 4)
    for r in (nd.clip(a, 1, 4), nd.clip(a, min=1, max=4), nd.clip(a, a_min=1, a_max=4)):
        np.testing.assert_array_equal(np.asarray(r), want)
    np.testing.assert_array_equal(np.asarray(nd.clip(a, max=2)), np.minimum(np.arange(6), 2))
    np.testing.assert_array_equal(np.asarray(nd.clip(a, None, None)), np.arange(6))


def test_cumulative_prod():
    """The 2024.12 standard's cumulative_prod: NumPy's cumprod, with include_initial's ones."""
    x = np.arange(1.0, 13.0).reshape(3, 4)
    np.testing.assert_array_equal(np.asarray(nd.cumulative_prod(nd.asarray(x), axis=1)),
                                  np.cumprod(x, axis=1))
    r = nd.cumulative_prod(nd.asarray(x), axis=0, include_initial=True)
    np.testing.assert_array_equal(np.asarray(r), np.concatenate([np.ones((1, 4)), np.cumprod(x, 0)]))
    i8 = nd.cumulative_prod(nd.asarray([1, 2, 3], dtype=nd.int8))
    assert i8.dtype == nd.int64 and np.asarray(i8).tolist() == [1, 2, 6]
    np.testing.assert_array_equal(np.asarray(nd.cumulative_sum(nd.asarray([1.0, 2.0]),
                                                               include_initial=True)), [0, 1, 3])
    with pytest.raises(ValueError):
        nd.cumulative_prod(nd.asarray(x))


@pytest.mark.parametrize("kw", [dict(prepend=1), dict(append=[[1], [2], [3]]),
                                dict(prepend=0, append=5, n=2),
                                dict(axis=0, prepend=np.ones((2, 4)), append=-1)])
def test_diff_prepend_append(kw):
    a = np.arange(12.0).reshape(3, 4) ** 2
    np.testing.assert_array_equal(np.asarray(nd.diff(nd.asarray(a), **kw)), np.diff(a, **kw))
