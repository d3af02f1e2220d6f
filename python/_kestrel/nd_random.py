"""kestrel.nd.random: NumPy's default generator (PCG64 seeded by a SeedSequence), in C.

    >>> from kestrel import nd
    >>> rng = nd.random.default_rng(42)
    >>> rng.random(3)          # the same numbers as numpy.random.default_rng(42).random(3)

Seeds are shaped here into 32-bit words as NumPy's SeedSequence reads them; every draw is one
call into the library.
"""
import operator as _operator
import os as _os

from _kestrel._core import nd as _nd


def _words(seed):
    """The seed's 32-bit words, little-endian, as NumPy's SeedSequence assembles its entropy."""
    if seed is None:  # NumPy: 128 bits from the OS
        return _os.urandom(16)
    if isinstance(seed, (list, tuple)):
        return b"".join(_words(s) for s in seed)
    try:
        n = _operator.index(seed)
    except TypeError:
        raise TypeError(f"SeedSequence expects int or sequence of ints for entropy not {seed!r}")
    if n < 0:
        raise ValueError(f"expected non-negative integer, got {n}")
    nwords = max(1, (n.bit_length() + 31) // 32)
    return n.to_bytes(4 * nwords, "little")


def _shape(size):
    if size is None:
        return ()
    try:
        return (_operator.index(size),)
    except TypeError:
        return tuple(size)


class Generator:
    """NumPy's Generator over PCG64: random, integers, uniform, shuffle and permutation give
    NumPy's numbers for the same seed."""

    def __init__(self, seed=None):
        self._rng = _nd.rng_new(_words(seed))

    def __repr__(self):
        return "Generator(PCG64)"

    @property
    def state(self):
        """{'state': int, 'inc': int}: PCG64's 128-bit state and increment (NumPy's
        bit_generator.state['state'])."""
        s, i = _nd.rng_state(self._rng)
        return {"state": s, "inc": i}

    def random(self, size=None, dtype="float64"):
        """Uniform floats on [0, 1) (float64 or float32); a float when size is None."""
        r = _nd.rng_random(self._rng, _shape(size), dtype)
        return r.item() if size is None else r

    def integers(self, low, high=None, size=None, dtype="int64", endpoint=False):
        """Integers in [low, high) ([low, high] with endpoint=True; high None: [0, low)); an int
        when size is None."""
        if high is None:
            low, high = 0, low
        low, high = _operator.index(low), _operator.index(high)
        if endpoint:
            high += 1
        r = _nd.rng_integers(self._rng, low, high, _shape(size), dtype)
        return r.item() if size is None else r

    def uniform(self, low=0.0, high=1.0, size=None):
        """Floats low + (high - low) * random(); a float when size is None."""
        r = _nd.rng_uniform(self._rng, float(low), float(high), _shape(size))
        return r.item() if size is None else r

    def shuffle(self, x):
        """x's rows (its first axis) shuffled in place, in NumPy's order (x a kestrel array)."""
        _nd.rng_shuffle(self._rng, x)

    def permutation(self, x):
        """A shuffled copy of x (an int n: of arange(n)), in NumPy's order."""
        from kestrel import nd
        a = nd.arange(x) if isinstance(x, int) else nd.asarray(x).copy()
        self.shuffle(a)
        return a


def default_rng(seed=None):
    """A Generator seeded as numpy.random.default_rng(seed) (an int, a sequence of ints, None for
    fresh OS entropy, or a Generator, returned as it is)."""
    return seed if isinstance(seed, Generator) else Generator(seed)
