"""kestrel.nd.fft and kestrel.nd.convolve / correlate against NumPy itself: every transform
(fft, ifft, rfft, irfft, hfft, ihfft and their 2-d and n-d forms) on random inputs of every
float, complex, integer and bool dtype, at lengths with every kind of factor (powers of 2, 3, 5,
primes small and large, products), along every axis of strided and reversed views, with n / s
truncating and padding, the three norms and out=; errors as NumPy's; fftfreq, rfftfreq,
fftshift, ifftshift; convolve and correlate in every mode with both orders of lengths.
Tolerance: 1e-13 of the transform's largest magnitude (float32: 1e-5)."""
import numpy as np
import pytest

from kestrel import nd

RNG = np.random.default_rng(2020)
NORMS = [None, "backward", "ortho", "forward"]


def rand(dtype, shape):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        return RNG.integers(0, 2, shape).astype(bool)
    if dt.kind in "iu":
        return RNG.integers(0, 50, shape).astype(dt)
    if dt.kind == "c":
        return (RNG.standard_normal(shape) + 1j * RNG.standard_normal(shape)).astype(dt)
    return RNG.standard_normal(shape).astype(dt)


def close(got, want, f32=False):
    got = np.asarray(got)
    assert got.shape == want.shape, (got.shape, want.shape)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    if want.size == 0:
        return
    scale = max(np.max(np.abs(want)), 1e-300)
    err = np.max(np.abs(got - want)) / scale
    assert err <= (1e-5 if f32 else 1e-13), err


LENGTHS = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 16, 17, 30, 49, 64, 97, 100, 121, 128, 210, 243,
           256, 625, 1000, 1009, 1024, 2003, 2310, 4096, 6561, 65537]


@pytest.mark.parametrize("n", LENGTHS)
def test_lengths_complex_and_real(n):
    x = rand("complex128", n)
    close(nd.fft.fft(x), np.fft.fft(x))
    close(nd.fft.ifft(x), np.fft.ifft(x))
    r = rand("float64", n)
    close(nd.fft.fft(r), np.fft.fft(r))
    close(nd.fft.ifft(r), np.fft.ifft(r))
    close(nd.fft.rfft(r), np.fft.rfft(r))
    h = np.fft.rfft(r)
    close(nd.fft.irfft(h, n), np.fft.irfft(h, n))
    if n > 1:  # (one input: 2 * (1 - 1) = 0 points, an error in both)
        close(nd.fft.irfft(h), np.fft.irfft(h))
    close(nd.fft.hfft(h, n), np.fft.hfft(h, n))
    close(nd.fft.ihfft(r), np.fft.ihfft(r))


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
@pytest.mark.parametrize("n", [1, 5, 16, 30, 97, 1000, 1009])
def test_float32_in_float32(dtype, n):
    x = rand(dtype, n)
    close(nd.fft.fft(x), np.fft.fft(x), f32=True)
    close(nd.fft.ifft(x), np.fft.ifft(x), f32=True)
    if dtype == "float32":
        close(nd.fft.rfft(x), np.fft.rfft(x), f32=True)
        h = np.fft.rfft(x)
        close(nd.fft.irfft(h, n), np.fft.irfft(h, n), f32=True)


@pytest.mark.parametrize("dtype", ["bool", "int8", "int32", "uint64", "int64"])
def test_integer_and_bool_input_as_float64(dtype):
    x = rand(dtype, 24)
    close(nd.fft.fft(x), np.fft.fft(x))
    close(nd.fft.rfft(x), np.fft.rfft(x))
    close(nd.fft.ifft(x), np.fft.ifft(x))


def views(x):
    yield x
    yield x[..., ::2]
    yield x[..., ::-1]
    yield np.swapaxes(x, 0, -1)


@pytest.mark.parametrize("dtype", ["float64", "complex128"])
@pytest.mark.parametrize("n", [None, 3, 8, 13])
def test_axes_views_and_n(dtype, n):
    base = rand(dtype, (5, 6, 12))
    for x in views(base):
        for axis in range(-3, 3):
            close(nd.fft.fft(x, n, axis), np.fft.fft(x, n, axis))
            close(nd.fft.ifft(x, n, axis), np.fft.ifft(x, n, axis))
            if dtype == "float64":
                close(nd.fft.rfft(x, n, axis), np.fft.rfft(x, n, axis))
            else:
                close(nd.fft.irfft(x, n, axis), np.fft.irfft(x, n, axis))
                close(nd.fft.hfft(x, n, axis), np.fft.hfft(x, n, axis))


@pytest.mark.parametrize("norm", NORMS)
def test_norms(norm):
    x = rand("complex128", (4, 10))
    r = rand("float64", (4, 10))
    close(nd.fft.fft(x, norm=norm), np.fft.fft(x, norm=norm))
    close(nd.fft.ifft(x, norm=norm), np.fft.ifft(x, norm=norm))
    close(nd.fft.rfft(r, norm=norm), np.fft.rfft(r, norm=norm))
    close(nd.fft.irfft(x, norm=norm), np.fft.irfft(x, norm=norm))
    close(nd.fft.hfft(x, norm=norm), np.fft.hfft(x, norm=norm))
    close(nd.fft.ihfft(r, norm=norm), np.fft.ihfft(r, norm=norm))
    close(nd.fft.fftn(x, norm=norm), np.fft.fftn(x, norm=norm))
    close(nd.fft.irfftn(x, norm=norm), np.fft.irfftn(x, norm=norm))


@pytest.mark.parametrize("name", ["fft2", "ifft2", "fftn", "ifftn", "rfft2", "rfftn", "irfft2",
                                  "irfftn"])
def test_nd_forms(name):
    real_in = name.startswith("rfft")
    x = rand("float64" if real_in else "complex128", (4, 6, 10))
    ours, theirs = getattr(nd.fft, name), getattr(np.fft, name)
    close(ours(x), theirs(x))
    close(ours(x, axes=(0, 2)), theirs(x, axes=(0, 2)))
    close(ours(x, s=(3, 8), axes=(1, 2)), theirs(x, s=(3, 8), axes=(1, 2)))
    close(ours(x, s=(5, -1), axes=(0, 1)), theirs(x, s=(5, -1), axes=(0, 1)))
    close(ours(x[::-1, ::2]), theirs(x[::-1, ::2]))


def test_out():
    x = rand("complex128", (3, 8))
    out = nd.empty((3, 8), dtype="complex128")
    r = nd.fft.fft(x, out=out)
    assert r is out
    close(out, np.fft.fft(x))
    out2 = nd.empty((3, 5), dtype="complex128")
    r = nd.fft.rfft(x.real, out=out2)
    close(out2, np.fft.rfft(x.real))
    with pytest.raises(ValueError, match="wrong shape"):
        nd.fft.fft(x, out=nd.empty((3, 7), dtype="complex128"))


def test_errors():
    x = np.arange(8.0)
    for f in ("fft", "ifft", "rfft", "irfft", "hfft", "ihfft"):
        with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(0\)"):
            getattr(nd.fft, f)(x, 0)
        with pytest.raises(ValueError, match=r"Invalid number of FFT data points \(-2\)"):
            getattr(nd.fft, f)(x, -2)
        with pytest.raises(IndexError):  # NumPy: IndexError (or its AxisError, one too)
            getattr(np.fft, f)(x, axis=1)
        with pytest.raises(IndexError):  # fft ... irfft: AxisError, an IndexError too
            getattr(nd.fft, f)(x, axis=1)
    with pytest.raises(nd.AxisError, match="axis 1 is out of bounds for array of dimension 1"):
        nd.fft.fft(x, axis=1)
    with pytest.raises(ValueError, match="Invalid norm value"):
        nd.fft.fft(x, norm="bogus")
    with pytest.raises(ValueError, match="Invalid norm value"):
        np.fft.fft(x, norm="bogus")
    with pytest.raises(TypeError):
        nd.fft.rfft(x + 1j)
    with pytest.raises(ValueError, match="Invalid number of FFT data points"):
        nd.fft.irfft(np.ones(1, complex))
    with pytest.raises(ValueError, match="different lengths"):
        nd.fft.fftn(np.ones((2, 2)), s=(2,), axes=(0, 1))


def test_zero_length_padding():
    close(nd.fft.fft(np.zeros(0), 4), np.fft.fft(np.zeros(0), 4))
    close(nd.fft.fft(np.ones((0, 5)), axis=1), np.fft.fft(np.ones((0, 5)), axis=1))


@pytest.mark.parametrize("n", [1, 2, 7, 8, 9])
@pytest.mark.parametrize("d", [1.0, 0.25, 3])
def test_frequencies(n, d):
    np.testing.assert_array_equal(np.asarray(nd.fft.fftfreq(n, d)), np.fft.fftfreq(n, d))
    np.testing.assert_array_equal(np.asarray(nd.fft.rfftfreq(n, d)), np.fft.rfftfreq(n, d))
    assert nd.fft.fftfreq(n, d, dtype="float32").dtype == nd.float32
    with pytest.raises(ValueError, match="integer"):
        nd.fft.fftfreq(2.5)


def test_shifts():
    x = np.arange(30.0).reshape(5, 6)
    for axes in (None, 0, 1, (0, 1), (1,)):
        np.testing.assert_array_equal(np.asarray(nd.fft.fftshift(x, axes)),
                                      np.fft.fftshift(x, axes))
        np.testing.assert_array_equal(np.asarray(nd.fft.ifftshift(x, axes)),
                                      np.fft.ifftshift(x, axes))


def test_threads_do_not_change_results():
    x = rand("complex128", (64, 1000))
    with nd.threads(1):
        a = np.asarray(nd.fft.fft(x, axis=0))
        b = np.asarray(nd.fft.fft(x[0]))
    with nd.threads(2):
        np.testing.assert_array_equal(np.asarray(nd.fft.fft(x, axis=0)), a)
        np.testing.assert_array_equal(np.asarray(nd.fft.fft(x[0])), b)


@pytest.mark.parametrize("fname", ["convolve", "correlate"])
@pytest.mark.parametrize("mode", ["full", "same", "valid"])
@pytest.mark.parametrize("lens", [(7, 3), (3, 7), (5, 5), (1, 4), (4, 1), (10000, 3), (6, 6000)])
@pytest.mark.parametrize("dtype", ["float64", "complex128", "int32", "float32"])
def test_convolve_correlate(fname, mode, lens, dtype):
    a, v = rand(dtype, lens[0]), rand(dtype, lens[1])
    got, want = getattr(nd, fname)(a, v, mode), getattr(np, fname)(a, v, mode)
    close(got, want, f32=dtype == "float32")


def test_convolve_dtypes_and_errors():
    a, v = np.arange(5, dtype=np.int8) * 60, np.array([1, 2, 1], np.int8)
    np.testing.assert_array_equal(np.asarray(nd.convolve(a, v)), np.convolve(a, v))
    b = np.array([True, False, True])
    np.testing.assert_array_equal(np.asarray(nd.convolve(b, b)), np.convolve(b, b))
    np.testing.assert_array_equal(np.asarray(nd.convolve(a, 2.0)), np.convolve(a, 2.0))
    np.testing.assert_array_equal(np.asarray(nd.convolve([1, 2, 3], [0, 1, 0.5])),
                                  np.convolve([1, 2, 3], [0, 1, 0.5]))
    np.testing.assert_array_equal(np.asarray(nd.correlate(a[::-2], v)), np.correlate(a[::-2], v))
    for f in ("convolve", "correlate"):
        with pytest.raises(ValueError):
            getattr(nd, f)(np.zeros(0), v)
        with pytest.raises(ValueError):
            getattr(np, f)(np.zeros(0), v)
        with pytest.raises(ValueError, match="mode"):
            getattr(nd, f)(a, v, "bogus")
        with pytest.raises(ValueError, match="too deep"):
            getattr(nd, f)(np.ones((2, 2)), v)


def test_array_api_namespace():
    x = nd.asarray(rand("complex64", 16))
    assert nd.fft.fft(x).dtype == nd.complex64
    assert nd.fft.fftfreq(4, dtype=nd.float32).dtype == nd.float32
