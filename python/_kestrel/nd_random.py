"""kestrel.nd.random: NumPy's default generator (PCG64 seeded by a SeedSequence), in C.

    >>> from kestrel import nd
    >>> rng = nd.random.default_rng(42)
    >>> rng.random(3)          # the same numbers as numpy.random.default_rng(42).random(3)

Seeds are shaped here into 32-bit words as NumPy's SeedSequence reads them; the hashing, the
seeding and every draw are calls into the library.
"""
import operator as _operator
import secrets as _secrets

from _kestrel._core import nd as _nd


def _words(seed):
    """The seed's 32-bit words, little-endian, as NumPy's SeedSequence assembles its entropy."""
    if isinstance(seed, str):  # NumPy's '0x...' and decimal strings
        if seed.startswith("0x"):
            seed = int(seed, 16)
        elif seed.isdigit():
            seed = int(seed)
        else:
            raise ValueError("unrecognized seed string")
    if isinstance(seed, float) or (hasattr(seed, "dtype") and getattr(seed, "ndim", 1) == 0
                                   and str(seed.dtype).startswith(("float", "complex"))):
        raise TypeError("seed must be integer")
    try:
        n = _operator.index(seed)
    except TypeError:
        try:
            items = list(seed)
        except TypeError:
            raise TypeError(f"SeedSequence expects int or sequence of ints for entropy not "
                            f"{seed!r}") from None
        return b"".join(_words(s) for s in items)
    if n < 0:
        raise ValueError(f"expected non-negative integer, got {n}")
    nwords = max(1, (n.bit_length() + 31) // 32)
    return n.to_bytes(4 * nwords, "little")


class SeedSequence:
    """NumPy's SeedSequence: entropy (an int, a sequence of ints, or None for 128 fresh bits from
    the OS) and a spawn key hashed into a pool, from which generate_state draws seed words and
    spawn makes independent children. The same arguments give NumPy's words."""

    def __init__(self, entropy=None, *, spawn_key=(), pool_size=4, n_children_spawned=0):
        if entropy is None:
            entropy = _secrets.randbits(pool_size * 32)
        elif not isinstance(entropy, (int, list, tuple, range)) and not hasattr(entropy, "shape"):
            try:
                entropy = _operator.index(entropy)
            except TypeError:
                raise TypeError(f"SeedSequence expects int or sequence of ints for entropy not "
                                f"{entropy}") from None
        self.entropy = entropy
        self.spawn_key = tuple(spawn_key)
        self.pool_size = pool_size
        self.n_children_spawned = n_children_spawned
        self._args = (_words(entropy), b"".join(_words(k) for k in self.spawn_key), pool_size)
        self.pool = _nd.seedseq_state(*self._args, None, "uint32")

    def __repr__(self):
        parts = [f"entropy={self.entropy!r}"]
        if self.spawn_key:
            parts.append(f"spawn_key={self.spawn_key!r}")
        if self.pool_size != 4:
            parts.append(f"pool_size={self.pool_size!r}")
        if self.n_children_spawned:
            parts.append(f"n_children_spawned={self.n_children_spawned!r}")
        return "SeedSequence(" + ", ".join(parts) + ")"

    @property
    def state(self):
        return {"entropy": self.entropy, "spawn_key": self.spawn_key, "pool_size": self.pool_size,
                "n_children_spawned": self.n_children_spawned}

    def generate_state(self, n_words, dtype="uint32"):
        """n_words words (uint32 or uint64, a uint64 word two uint32 ones, low first) for seeding
        a generator."""
        dtype = str(getattr(dtype, "__name__", dtype))
        if dtype not in ("uint32", "uint64"):
            raise ValueError("only support uint32 or uint64")
        return _nd.seedseq_state(*self._args, _operator.index(n_words), dtype)

    def spawn(self, n_children):
        """n_children SeedSequences, each with this one's spawn key and its own index after it."""
        first = self.n_children_spawned
        self.n_children_spawned += n_children
        return [SeedSequence(self.entropy, spawn_key=self.spawn_key + (i,),
                             pool_size=self.pool_size) for i in range(first, first + n_children)]


class PCG64:
    """NumPy's PCG64 bit generator, seeded by a SeedSequence (seed: anything SeedSequence takes,
    or a SeedSequence)."""

    def __init__(self, seed=None):
        self.seed_seq = self._seed_seq = seed if isinstance(seed, SeedSequence) else SeedSequence(seed)
        self._rng = _nd.rng_new(*self._seed_seq._args)

    def __repr__(self):
        return "PCG64"

    @property
    def state(self):
        """NumPy's state dict: the 128-bit state and increment and the buffered 32-bit half."""
        s, i, has, u = _nd.rng_state(self._rng)
        return {"bit_generator": "PCG64", "state": {"state": s, "inc": i}, "has_uint32": has,
                "uinteger": u}

    @state.setter
    def state(self, value):
        if not isinstance(value, dict) or value.get("bit_generator") != "PCG64":
            raise ValueError("state must be for a PCG64 PRNG")
        st = value["state"]
        _nd.rng_set_state(self._rng, st["state"], st["inc"], value["has_uint32"],
                          value["uinteger"])

    def advance(self, delta):
        """The state delta 64-bit draws on (delta modulo 2**128), in log2(delta) steps; a
        buffered 32-bit half is dropped, as NumPy does."""
        _nd.rng_advance(self._rng, _operator.index(delta) % (1 << 128))
        return self

    def jumped(self, jumps=1):
        """A new PCG64 whose state is this one's advanced by jumps * (the golden ratio's 128
        bits), NumPy's jumped: the same state as NumPy's for the same seed and jumps."""
        out = PCG64.__new__(PCG64)
        out.seed_seq = out._seed_seq = SeedSequence()
        out._rng = _nd.rng_jumped(self._rng, _operator.index(jumps) % (1 << 128))
        return out

    def spawn(self, n_children):
        """n_children new PCG64s from this one's SeedSequence's children."""
        return [PCG64(s) for s in self._seed_seq.spawn(n_children)]


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


def _fortran_strided(x):
    """Whether x's memory runs in Fortran order (its strides, over the axes longer than 1, grow
    from the first axis to the last) and not C order: where NumPy's copy(order='K') is
    Fortran-contiguous, which decides the order permuted(axis=None) shuffles in."""
    st = [abs(s) for s, n in zip(x.strides, x.shape) if n > 1]
    return len(st) > 1 and all(a < b for a, b in zip(st, st[1:]))


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
    """NumPy's Generator over PCG64: random, integers, uniform, shuffle, permutation, choice,
    standard_normal, normal, standard_exponential, exponential, standard_gamma, gamma, beta,
    poisson, binomial, laplace, logistic, lognormal, gumbel, wald, vonmises, f, chisquare,
    standard_t, weibull, pareto, power, rayleigh, geometric, standard_cauchy, multinomial,
    negative_binomial, hypergeometric, triangular, zipf, logseries, noncentral_chisquare,
    noncentral_f, dirichlet, multivariate_hypergeometric, multivariate_normal, permuted and bytes
    give NumPy's numbers for the same seed (multivariate_normal: to rounding, through
    kestrel.nd.linalg's factorisation)."""

    def __init__(self, bit_generator):
        if not isinstance(bit_generator, PCG64):
            raise TypeError("Generator: a kestrel.nd.random.PCG64 bit generator is needed")
        self._bit_generator = bit_generator
        self._rng = bit_generator._rng

    def __repr__(self):
        return "Generator(PCG64)"

    @property
    def bit_generator(self):
        """The PCG64 under this generator (state, advance, jumped, seed_seq)."""
        return self._bit_generator

    @property
    def state(self):
        """{'state': int, 'inc': int}: PCG64's 128-bit state and increment (NumPy's
        bit_generator.state['state'])."""
        return self._bit_generator.state["state"]

    def spawn(self, n_children):
        """n_children independent Generators, from the children of the seed's SeedSequence."""
        return [Generator(b) for b in self._bit_generator.spawn(n_children)]

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

    def _draw(self, dist, p0, p1=None, size=None, f32=False, p2=None):
        r = _nd.rng_draw(self._rng, dist, p0, p1, p2, None if size is None else _shape(size), f32)
        return _scalar_or(r, size, *(p for p in (p0, p1, p2) if p is not None))

    def _standard(self, dist, size, dtype, out, inv=False):
        if out is not None and size is None:
            size = tuple(out.shape)
        r = _nd.rng_standard(self._rng, dist, _shape(size), dtype, inv)
        return _into(r, out) if out is not None else (r.item() if size is None else r)

    def standard_normal(self, size=None, dtype="float64", out=None):
        """Normal draws of mean 0 and variance 1 (NumPy's 256-layer ziggurat), float64 or
        float32; a float when size and out are None."""
        return self._standard("normal", size, dtype, out)

    def normal(self, loc=0.0, scale=1.0, size=None):
        """loc + scale * standard_normal(), loc and scale broadcast (arrays or scalars)."""
        return self._draw("normal", loc, scale, size)

    def standard_exponential(self, size=None, dtype="float64", method="zig", out=None):
        """Exponential draws of mean 1: NumPy's 256-layer ziggurat (method 'zig') or -log(1 - U)
        (method 'inv'), float64 or float32."""
        if method not in ("zig", "inv"):
            raise ValueError(f"{method!r} is not a valid method (one of 'zig', 'inv')")
        return self._standard("exponential", size, dtype, out, method == "inv")

    def exponential(self, scale=1.0, size=None):
        """scale * standard_exponential(), scale broadcast."""
        return self._draw("exponential", scale, None, size)

    def standard_gamma(self, shape, size=None, dtype="float64", out=None):
        """Gamma draws of scale 1 (Marsaglia and Tsang), float64 or float32 (float32 arithmetic
        from float32 draws, as NumPy's)."""
        dt = str(_nd.asarray(0.0, dtype=dtype).dtype)
        if dt not in ("float64", "float32"):
            raise TypeError(f"Unsupported dtype {dt!r} for standard_gamma")
        if out is not None and size is None:
            size = tuple(out.shape)
        r = self._draw("gamma", shape, 1.0, size, f32=dt == "float32")
        return _into(r, out) if out is not None else r

    def gamma(self, shape, scale=1.0, size=None):
        """scale * standard_gamma(shape), shape and scale broadcast."""
        return self._draw("gamma", shape, scale, size)

    def beta(self, a, b, size=None):
        """Beta(a, b) draws (Johnk's method for a, b <= 1, else a ratio of gammas)."""
        return self._draw("beta", a, b, size)

    def poisson(self, lam=1.0, size=None):
        """Poisson(lam) counts, int64 (multiplication below lam 10, PTRS above)."""
        return self._draw("poisson", lam, None, size)

    def binomial(self, n, p, size=None):
        """Binomial(n, p) counts, int64 (inversion, or BTPE when min(p, 1 - p) n > 30)."""
        return self._draw("binomial", n, p, size)

    def laplace(self, loc=0.0, scale=1.0, size=None):
        """Laplace (double exponential) draws by inversion of a uniform."""
        return self._draw("laplace", loc, scale, size)

    def logistic(self, loc=0.0, scale=1.0, size=None):
        """Logistic draws, loc + scale * log(U / (1 - U))."""
        return self._draw("logistic", loc, scale, size)

    def lognormal(self, mean=0.0, sigma=1.0, size=None):
        """exp(normal(mean, sigma))."""
        return self._draw("lognormal", mean, sigma, size)

    def gumbel(self, loc=0.0, scale=1.0, size=None):
        """Gumbel draws, loc - scale * log(-log(1 - U))."""
        return self._draw("gumbel", loc, scale, size)

    def wald(self, mean, scale, size=None):
        """Inverse Gaussian draws (Michael, Schucany and Haas)."""
        return self._draw("wald", mean, scale, size)

    def vonmises(self, mu, kappa, size=None):
        """Von Mises draws on [-pi, pi] (Best and Fisher)."""
        return self._draw("vonmises", mu, kappa, size)

    def f(self, dfnum, dfden, size=None):
        """F draws, the ratio of two chi-squares over their degrees of freedom."""
        return self._draw("f", dfnum, dfden, size)

    def chisquare(self, df, size=None):
        """Chi-square draws, 2 standard_gamma(df / 2)."""
        return self._draw("chisquare", df, None, size)

    def standard_t(self, df, size=None):
        """Student's t draws, a normal over the root of a gamma."""
        return self._draw("standard_t", df, None, size)

    def weibull(self, a, size=None):
        """Weibull draws, standard_exponential() ** (1 / a)."""
        return self._draw("weibull", a, None, size)

    def pareto(self, a, size=None):
        """Pareto II (Lomax) draws, expm1(standard_exponential() / a)."""
        return self._draw("pareto", a, None, size)

    def power(self, a, size=None):
        """Power-function draws on [0, 1], (1 - exp(-E)) ** (1 / a)."""
        return self._draw("power", a, None, size)

    def rayleigh(self, scale=1.0, size=None):
        """Rayleigh draws, scale * sqrt(2 standard_exponential())."""
        return self._draw("rayleigh", scale, None, size)

    def geometric(self, p, size=None):
        """Geometric counts (trials to the first success), int64."""
        return self._draw("geometric", p, None, size)

    def standard_cauchy(self, size=None):
        """Cauchy draws, the ratio of two standard normals."""
        return self._standard("standard_cauchy", size, "float64", None)

    def negative_binomial(self, n, p, size=None):
        """Failures before the n-th success at success probability p, int64: a Poisson draw of a
        gamma(n, (1 - p) / p) rate (n > 0 and may be a non-integer; 0 < p <= 1)."""
        return self._draw("negative_binomial", n, p, size)

    def hypergeometric(self, ngood, nbad, nsample, size=None):
        """Good items among nsample drawn without replacement from ngood good and nbad bad ones,
        int64 (one at a time below a sample of 10, Stadlober's HRUA above)."""
        ps = (ngood, nbad, nsample)
        if any(isinstance(p, (str, bytes)) for p in ps):
            raise TypeError("an integer is required")
        if all(_nd.asarray(p).ndim == 0 for p in ps):  # NumPy's scalar path: C int64 casts
            ps = tuple(int(p) for p in ps)
        return self._draw("hypergeometric", ps[0], ps[1], size, p2=ps[2])

    def triangular(self, left, mode, right, size=None):
        """Triangular draws on [left, right] peaking at mode, by inversion of one uniform."""
        return self._draw("triangular", left, mode, size, p2=right)

    def zipf(self, a, size=None):
        """Zipf (zeta) counts of exponent a > 1, int64, by rejection from a Pareto."""
        return self._draw("zipf", a, None, size)

    def logseries(self, p, size=None):
        """Logarithmic-series counts of 0 <= p < 1, int64 (Kemp's LK)."""
        return self._draw("logseries", p, None, size)

    def noncentral_chisquare(self, df, nonc, size=None):
        """Non-central chi-square draws of df degrees of freedom and non-centrality nonc."""
        return self._draw("noncentral_chisquare", df, nonc, size)

    def noncentral_f(self, dfnum, dfden, nonc, size=None):
        """Non-central F draws: a non-central chi-square over a chi-square, each over its
        degrees of freedom."""
        return self._draw("noncentral_f", dfnum, dfden, size, p2=nonc)

    def dirichlet(self, alpha, size=None):
        """Dirichlet draws, float64 of shape size + (len(alpha),): normalised gammas, or
        stick-breaking with betas when every alpha is below 0.1 (alpha 1-d, not negative)."""
        if _nd.asarray(alpha).ndim == 0:
            raise TypeError(f"object of type '{type(alpha).__name__}' has no len()")
        return _nd.rng_dirichlet(self._rng, alpha, _shape(size))

    def multivariate_hypergeometric(self, colors, nsample, size=None, method="marginals"):
        """Counts of each colour among nsample items drawn without replacement from colors[i]
        items of colour i, int64 of shape size + (len(colors),): 'marginals' (a hypergeometric
        per colour) or 'count' (a shuffle of the whole population)."""
        if method not in ("count", "marginals"):
            raise ValueError('method must be "count" or "marginals".')
        try:
            nsample = _operator.index(nsample)
        except TypeError:
            raise ValueError("nsample must be an integer") from None
        if nsample < 0:
            raise ValueError("nsample must be nonnegative.")
        if nsample > 0x7fffffffffffffff:
            raise ValueError(f"nsample must not exceed {0x7fffffffffffffff}")
        from kestrel import nd
        return _nd.rng_mvhg(self._rng, nd.asarray(colors), nsample, _shape(size),
                            method == "count")

    def multivariate_normal(self, mean, cov, size=None, check_valid="warn", tol=1e-8, *,
                            method="svd"):
        """Draws of N(mean, cov), float64 of shape size + (len(mean),): standard normals times a
        factor of cov from kestrel.nd.linalg (svd: u sqrt(s), eigh: u sqrt(|s|), cholesky: L),
        NumPy's order of draws; check_valid 'warn', 'raise' or 'ignore' against tol."""
        import warnings
        from kestrel import nd
        if method not in ("eigh", "svd", "cholesky"):
            raise ValueError("method must be one of {'eigh', 'svd', 'cholesky'}")
        mean, cov = nd.asarray(mean), nd.asarray(cov)
        if mean.dtype.kind == "c" or cov.dtype.kind == "c":
            raise TypeError("mean and cov must not be complex")
        shape = list(_shape(size))
        if mean.ndim != 1:
            raise ValueError("mean must be 1 dimensional")
        if cov.ndim != 2 or cov.shape[0] != cov.shape[1]:
            raise ValueError("cov must be 2 dimensional and square")
        if mean.shape[0] != cov.shape[0]:
            raise ValueError("mean and cov must have same length")
        final = tuple(shape) + (mean.shape[0],)
        x = self.standard_normal(final).reshape(-1, mean.shape[0])
        cov = cov.astype("float64")
        if method == "svd":
            u, s, vh = nd.linalg.svd(cov)
        elif method == "eigh":
            s, u = nd.linalg.eigh(cov)
        else:
            factor = nd.linalg.cholesky(cov)
        if check_valid != "ignore" and method != "cholesky":
            if check_valid not in ("warn", "raise"):
                raise ValueError("check_valid must equal 'warn', 'raise', or 'ignore'")
            if method == "svd":
                # NumPy's allclose: |a - b| <= atol + rtol |b| everywhere
                back = nd.dot(vh.T * s, vh)
                psd = bool(nd.all(nd.abs(back - cov) <= tol + tol * nd.abs(cov)))
            else:
                psd = not bool(nd.any(s < -tol))
            if not psd:
                msg = "covariance is not symmetric positive-semidefinite."
                if check_valid == "warn":
                    warnings.warn(msg, RuntimeWarning, stacklevel=2)
                else:
                    raise ValueError(msg)
        if method == "eigh":
            factor = u * nd.sqrt(nd.abs(s))
        elif method == "svd":
            factor = u * nd.sqrt(s)
        return (mean + x @ factor.T).reshape(final)

    def permuted(self, x, *, axis=None, out=None):
        """x shuffled along axis, each lane on its own (axis None: the flattened array as one),
        into a copy or into out (a kestrel array of x's shape, x cast to it safely); NumPy's
        order of draws."""
        from kestrel import nd
        x = nd.asarray(x)
        if out is None:  # NumPy's copy(order='K'): Fortran order where x's strides run that way
            out = x.copy(order="F" if _fortran_strided(x) else "C")
        else:
            if not isinstance(out, nd.ndarray):
                raise TypeError("out must be a numpy array")
            if tuple(out.shape) != tuple(x.shape):
                raise ValueError("out must have the same shape as x")
            if not nd.can_cast(x.dtype, out.dtype, "safe"):
                raise TypeError(f"Cannot cast array data from {x.dtype} to {out.dtype} "
                                f"according to the rule 'safe'")
            out[...] = x
        _nd.rng_permuted(self._rng, out, axis)
        return out

    def bytes(self, length):
        """length random bytes: the little-endian bytes of uint32 draws, cut to length (NumPy's
        stream: bytes(0) draws one word too)."""
        import sys
        length = _operator.index(length)
        m = length - 1  # C's truncating division, as NumPy's: bytes(0) still takes a word
        n = (m // 4 if m >= 0 else -(-m // 4)) + 1
        w = self.integers(0, 4294967296, size=n, dtype="uint32")
        if sys.byteorder == "little":
            return w.tobytes()[:length]
        import struct
        return struct.pack(f"<{n}I", *w.tolist())[:length]

    def multinomial(self, n, pvals, size=None):
        """Counts of n draws over len(pvals) categories, int64 of shape size + (len(pvals),), as
        NumPy's: per row, binomial draws of the count left over each category's share of the
        probability left (n an int and pvals 1-d here)."""
        from kestrel import nd
        import math
        n = _operator.index(n)
        p = [float(v) for v in nd.asarray(pvals, dtype="float64").tolist()]
        if n < 0:
            raise ValueError("n < 0")
        if any(not (0.0 <= v <= 1.0) for v in p):
            raise ValueError("pvals < 0, pvals > 1 or pvals contains NaNs")
        if math.fsum(p[:-1]) > 1.0 + 1e-12:
            raise ValueError("sum(pvals[:-1]) > 1.0")
        shape = _shape(size)
        rows = 1
        for s in shape:
            rows *= s
        d = len(p)
        out = [0] * (rows * d)
        for r in range(rows):
            left, rest = n, 1.0
            for j in range(d - 1):
                k = _nd.rng_draw(self._rng, "binomial", left, p[j] / rest, None, (), False).item()
                out[r * d + j] = k
                left -= k
                if left <= 0:
                    break
                rest -= p[j]
            if left > 0:
                out[r * d + d - 1] = left
        return nd.asarray(out, dtype="int64").reshape(shape + (d,))

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
    fresh OS entropy, a SeedSequence, a PCG64, or a Generator, returned as it is)."""
    if isinstance(seed, Generator):
        return seed
    return Generator(seed if isinstance(seed, PCG64) else PCG64(seed))
