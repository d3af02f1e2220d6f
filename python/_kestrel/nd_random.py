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


def _scalar_or(r, size, *params):
    """A Python scalar when size is None and every parameter is a scalar (NumPy's rule)."""
    if size is None and all(_nd.asarray(p).ndim == 0 if not isinstance(p, (int, float)) else True
                            for p in params):
        return r.item()
    return r


def _into(r, out):
    """The draws r written into out (NumPy's out=) and out returned."""
    if out is None:
        return r
    if tuple(out.shape) != tuple(r.shape) or out.dtype != r.dtype:
        raise ValueError(f"out has shape {tuple(out.shape)} and dtype {out.dtype}; the draws "
                         f"need shape {tuple(r.shape)} and dtype {r.dtype}")
    out[...] = r
    return out


class Generator:
    """NumPy's Generator over PCG64: random, integers, uniform, shuffle, permutation,
    standard_normal, normal, standard_exponential, exponential, standard_gamma, gamma, beta,
    poisson, binomial and choice give NumPy's numbers for the same seed."""

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

    def standard_normal(self, size=None, dtype="float64", out=None):
        """Normal draws of mean 0 and variance 1 (NumPy's 256-layer ziggurat), float64 or
        float32; a float when size and out are None."""
        if out is not None and size is None:
            size = tuple(out.shape)
        r = _nd.rng_standard(self._rng, "normal", _shape(size), dtype)
        return _into(r, out) if out is not None else (r.item() if size is None else r)

    def normal(self, loc=0.0, scale=1.0, size=None):
        """loc + scale * standard_normal(), loc and scale broadcast (arrays or scalars)."""
        r = _nd.rng_draw(self._rng, "normal", loc, scale, None if size is None else _shape(size))
        return _scalar_or(r, size, loc, scale)

    def standard_exponential(self, size=None, dtype="float64", method="zig", out=None):
        """Exponential draws of mean 1 (NumPy's 256-layer ziggurat; method "zig" only)."""
        if method != "zig":
            raise NotImplementedError("standard_exponential: only method='zig' is implemented")
        if out is not None and size is None:
            size = tuple(out.shape)
        r = _nd.rng_standard(self._rng, "exponential", _shape(size), dtype)
        return _into(r, out) if out is not None else (r.item() if size is None else r)

    def exponential(self, scale=1.0, size=None):
        """scale * standard_exponential(), scale broadcast."""
        r = _nd.rng_draw(self._rng, "exponential", scale, None,
                         None if size is None else _shape(size))
        return _scalar_or(r, size, scale)

    def standard_gamma(self, shape, size=None, dtype="float64", out=None):
        """Gamma draws of scale 1 (Marsaglia and Tsang; float64)."""
        if str(_nd.asarray(0.0, dtype=dtype).dtype) != "float64":
            raise NotImplementedError("standard_gamma: only float64 is implemented")
        if out is not None and size is None:
            size = tuple(out.shape)
        r = self.gamma(shape, 1.0, size)
        return _into(r, out) if out is not None else r

    def gamma(self, shape, scale=1.0, size=None):
        """scale * standard_gamma(shape), shape and scale broadcast."""
        r = _nd.rng_draw(self._rng, "gamma", shape, scale, None if size is None else _shape(size))
        return _scalar_or(r, size, shape, scale)

    def beta(self, a, b, size=None):
        """Beta(a, b) draws (Johnk's method for a, b <= 1, else a ratio of gammas)."""
        r = _nd.rng_draw(self._rng, "beta", a, b, None if size is None else _shape(size))
        return _scalar_or(r, size, a, b)

    def poisson(self, lam=1.0, size=None):
        """Poisson(lam) counts, int64 (multiplication below lam 10, PTRS above)."""
        r = _nd.rng_draw(self._rng, "poisson", lam, None, None if size is None else _shape(size))
        return _scalar_or(r, size, lam)

    def binomial(self, n, p, size=None):
        """Binomial(n, p) counts, int64 (inversion, or BTPE when min(p, 1 - p) n > 30)."""
        r = _nd.rng_draw(self._rng, "binomial", n, p, None if size is None else _shape(size))
        return _scalar_or(r, size, n, p)

    def choice(self, a, size=None, replace=True, p=None, axis=0, shuffle=True):
        """Draws from a (an int n: from range(n)) along axis, as NumPy's Generator.choice: with
        replacement uniform integers, or p's cdf searched with uniforms; without replacement
        Floyd's method or a partial shuffle, or with p repeated cdf draws skipping the taken."""
        from kestrel import nd
        arr = nd.asarray(a)
        if arr.ndim == 0:
            try:
                pop = _operator.index(arr.item())
            except TypeError as exc:
                raise ValueError(f"a must be a sequence or an integer, not {type(a)}") from exc
            arr = None
        else:
            pop = arr.shape[axis]
        shape = () if size is None else _shape(size)
        n = 1
        for d in shape:
            n *= d
        if arr is None and pop <= 0 and n != 0:
            raise ValueError("a must be a positive integer unless no samples are taken")
        if arr is not None and pop == 0 and n != 0:
            raise ValueError("a cannot be empty unless no samples are taken")
        if p is not None:
            p = nd.asarray(p, dtype="float64")
            if p.ndim != 1:
                raise ValueError("p must be 1-dimensional")
            if p.size != pop:
                raise ValueError("a and p must have same size")
            total = float(nd.sum(p))
            if total != total:
                raise ValueError("Probabilities contain NaN")
            if bool(nd.any(p < 0)):
                raise ValueError("Probabilities are not non-negative")
            if abs(total - 1.0) > 1.4901161193847656e-08:  # sqrt(float64 eps), NumPy's atol
                raise ValueError("Probabilities do not sum to 1. See Notes section of "
                                 "docstring for more information.")
        if replace:
            if p is not None:
                cdf = nd.cumsum(p)
                cdf /= cdf[-1]
                idx = nd.searchsorted(cdf, self.random(shape), side="right").astype("int64")
            else:
                idx = self.integers(0, pop, size=shape)
        elif n > pop:
            raise ValueError("Cannot take a larger sample than population when replace is False")
        elif p is not None:
            idx = self._choice_p_unique(p, n, shape)
        else:
            idx = _nd.rng_sample(self._rng, pop, n, shuffle).reshape(shape)
        if size is None:
            idx = int(idx.item())
        if arr is None:
            return idx
        return nd.take(arr, idx, axis=axis)

    def _choice_p_unique(self, p, n, shape):
        """NumPy's draws without replacement by p: uniforms searched in the cdf of the
        probabilities not yet taken, the first of each index kept, until n are found."""
        from kestrel import nd
        if int(nd.count_nonzero(p > 0)) < n:
            raise ValueError("Fewer non-zero entries in p than size")
        p = p.copy()
        found = nd.zeros(n, dtype="int64")
        got = 0
        while got < n:
            x = self.random((n - got,))
            if got > 0:
                p[found[:got]] = 0
            cdf = nd.cumsum(p)
            cdf /= cdf[-1]
            new = nd.searchsorted(cdf, x, side="right")
            _, first = nd.unique(new, return_index=True)
            first = nd.sort(first)
            new = nd.take(new, first)
            found[got:got + new.size] = new
            got += new.size
        return found.reshape(shape)

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
