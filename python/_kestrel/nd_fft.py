"""kestrel.nd.fft: numpy.fft's discrete Fourier transforms, in C.

    >>> from kestrel import nd
    >>> x = nd.arange(8.0)
    >>> nd.fft.irfft(nd.fft.rfft(x), 8)     # x again, to rounding

The one-axis transforms (fft, ifft, rfft, irfft) are one call into the library each: an own
mixed-radix FFT (radix 2, 3, 4, 5, 8 and a generic odd pass, Bluestein for large prime
factors) with plans cached across calls and threads, real transforms computed as real
transforms, float32 in float32. The 2-d and n-d forms, hfft / ihfft, the frequencies and the shifts are composed
here as numpy.fft composes them, so they take the same arguments and give the same shapes.
"""
import operator as _operator

from _kestrel._core import nd as _nd

__all__ = ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft", "fft2", "ifft2", "fftn", "ifftn",
           "rfft2", "irfft2", "rfftn", "irfftn", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]


def _out(res, out):
    """The result written into out= (NumPy's check of its shape), or the result."""
    if out is None:
        return res
    if tuple(out.shape) != tuple(res.shape):
        raise ValueError("output array has wrong shape.")
    out[...] = res
    return out


def fft(a, n=None, axis=-1, norm=None, out=None):
    """The 1-d discrete Fourier transform along axis, with n points (truncated or zero-padded);
    norm 'backward' (default), 'ortho' or 'forward'."""
    return _out(_nd.fft(a, n, axis, norm, False), out)


def ifft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of fft (scaled by 1/n with norm 'backward')."""
    return _out(_nd.fft(a, n, axis, norm, True), out)


def rfft(a, n=None, axis=-1, norm=None, out=None):
    """The transform of real input: the n // 2 + 1 non-negative frequencies."""
    return _out(_nd.rfft(a, n, axis, norm), out)


def irfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of rfft: n real points (default 2 * (m - 1) from m inputs)."""
    return _out(_nd.irfft(a, n, axis, norm), out)


def _swap_direction(norm):
    swap = {None: "forward", "backward": "forward", "ortho": "ortho", "forward": "backward"}
    try:
        return swap[norm]
    except (KeyError, TypeError):
        raise ValueError(f'Invalid norm value {norm}; should be "backward", "ortho" or '
                         '"forward".') from None


def hfft(a, n=None, axis=-1, norm=None, out=None):
    """The transform of a Hermitian-symmetric signal given by its first half: n real points."""
    from kestrel import nd
    a = nd.asarray(a)
    if n is None:
        n = (a.shape[axis] - 1) * 2
    return irfft(nd.conjugate(a), n, axis, norm=_swap_direction(norm), out=out)


def ihfft(a, n=None, axis=-1, norm=None, out=None):
    """The inverse of hfft: n // 2 + 1 complex points of a real signal."""
    from kestrel import nd
    a = nd.asarray(a)
    if n is None:
        n = a.shape[axis]
    return _out(nd.conjugate(_nd.rfft(a, n, axis, _swap_direction(norm))), out)


def _cook_nd_args(a, s, axes, invreal=False):
    """numpy.fft's rules for s and axes: every axis (or the last len(s)) by default, -1 in s for
    the axis' own length, the last output length 2 * (m - 1) for the inverse real transform."""
    shapeless = s is None
    if s is None:
        s = list(a.shape) if axes is None else [a.shape[_operator.index(ax)] for ax in axes]
    s = list(s)
    if axes is None:
        axes = list(range(-len(s), 0))
    axes = [_operator.index(ax) for ax in axes]
    if len(s) != len(axes):
        raise ValueError("Shape and axes have different lengths.")
    if invreal and shapeless:
        s[-1] = (a.shape[axes[-1]] - 1) * 2
    s = [a.shape[ax] if n is None or n == -1 else n for n, ax in zip(s, axes)]
    return s, axes


def _raw_fftnd(a, s, axes, inverse, norm, out):
    from kestrel import nd
    a = nd.asarray(a)
    s, axes = _cook_nd_args(a, s, axes)
    for ii in reversed(range(len(axes))):
        a = _nd.fft(a, s[ii], axes[ii], norm, inverse)
    return _out(a, out)


def fftn(a, s=None, axes=None, norm=None, out=None):
    """The n-d transform over axes (every axis by default), s points on each."""
    return _raw_fftnd(a, s, axes, False, norm, out)


def ifftn(a, s=None, axes=None, norm=None, out=None):
    """The inverse of fftn."""
    return _raw_fftnd(a, s, axes, True, norm, out)


def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The 2-d transform over the last two axes."""
    return _raw_fftnd(a, s, axes, False, norm, out)


def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """The inverse of fft2."""
    return _raw_fftnd(a, s, axes, True, norm, out)


def rfftn(a, s=None, axes=None, norm=None, out=None):
    """The n-d transform of real input: rfft on the last axis, fft on the others."""
    from kestrel import nd
    a = nd.asarray(a)
    s, axes = _cook_nd_args(a, s, axes)
    a = _nd.rfft(a, s[-1], axes[-1], norm)
    for ii in range(len(axes) - 2, -1, -1):
        a = _nd.fft(a, s[ii], axes[ii], norm, False)
    return _out(a, out)


def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """rfftn over the last two axes."""
    return rfftn(a, s, axes, norm, out)


def irfftn(a, s=None, axes=None, norm=None, out=None):
    """The inverse of rfftn: ifft on every axis but the last, irfft on the last."""
    from kestrel import nd
    a = nd.asarray(a)
    s, axes = _cook_nd_args(a, s, axes, invreal=True)
    for ii in range(len(axes) - 1):
        a = _nd.fft(a, s[ii], axes[ii], norm, True)
    return _out(_nd.irfft(a, s[-1], axes[-1], norm), out)


def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    """irfftn over the last two axes."""
    return irfftn(a, s, axes, norm, out)


def _index(n):
    try:
        return _operator.index(n)
    except TypeError:
        raise ValueError("n should be an integer") from None


def fftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of an n-point fft: [0, 1, ..., -(n // 2), ..., -1] / (d n)."""
    from kestrel import nd
    n = _index(n)
    val = 1.0 / (n * d)
    N = (n - 1) // 2 + 1
    results = nd.concatenate([nd.arange(0, N, dtype=nd.int64),
                              nd.arange(-(n // 2), 0, dtype=nd.int64)])
    r = results * val
    return r if dtype is None else r.astype(dtype)


def rfftfreq(n, d=1.0, *, dtype=None, device=None):
    """The sample frequencies of an n-point rfft: [0, 1, ..., n // 2] / (d n)."""
    from kestrel import nd
    n = _index(n)
    val = 1.0 / (n * d)
    r = nd.arange(0, n // 2 + 1, dtype=nd.int64) * val
    return r if dtype is None else r.astype(dtype)


def _shift(x, axes, sign):
    from kestrel import nd
    x = nd.asarray(x)
    if axes is None:
        axes = tuple(range(x.ndim))
        shift = [sign * (dim // 2) for dim in x.shape]
    elif isinstance(axes, int):
        shift = sign * (x.shape[axes] // 2)
    else:
        shift = [sign * (x.shape[ax] // 2) for ax in axes]
    return nd.roll(x, shift, axes)


def fftshift(x, axes=None):
    """The zero frequency moved to the centre (a roll by n // 2 on each axis)."""
    return _shift(x, axes, 1)


def ifftshift(x, axes=None):
    """The inverse of fftshift."""
    return _shift(x, axes, -1)
