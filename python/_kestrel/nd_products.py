"""kestrel.nd's array products: dot, vdot, inner, outer, tensordot, kron, vecdot, matvec, vecmat,
trace, diagonal, cross (and einsum, in nd_einsum.py). Each is one call into the C library
(src/array/products.c) but cross, matvec and vecmat, which NumPy too composes of other calls.
"""
import operator as _operator

from _kestrel._core import nd as _nd
from _kestrel.nd_einsum import einsum, einsum_path  # noqa: F401 (kestrel.nd's names)


def _out(res, out):
    """out= as NumPy's dot and outer take it: the result's shape and dtype exactly."""
    if out is None:
        return res
    if tuple(out.shape) != tuple(res.shape) or out.dtype != res.dtype:
        raise ValueError("output array is not acceptable (must have the right datatype, number "
                         "of dimensions, and be a C-Array)")
    out[...] = res
    return out


def dot(a, b, out=None):
    """NumPy's dot: 1-d with 1-d the inner product, 2-d the matrix product, N-d the sum over a's
    last axis and b's second-to-last; a 0-d operand multiplies."""
    return _out(_nd.dot(a, b), out)


def vdot(a, b, /):
    """The dot product of the flattened arrays, the first conjugated."""
    return _nd.vdot(a, b)


def inner(a, b, /):
    """The sum over the last axes of a and b (a.shape[:-1] + b.shape[:-1])."""
    return _nd.inner(a, b)


def outer(a, b, out=None):
    """ravel(a)[:, None] * ravel(b)[None, :]."""
    return _out(_nd.outer(a, b), out)


def kron(a, b):
    """The Kronecker product: blocks a[i, j] * b."""
    return _nd.kron(a, b)


def tensordot(a, b, axes=2):
    """The sum over the given axes: axes an int N (a's last N with b's first N) or a pair of
    sequences (a's axes, b's axes)."""
    try:
        iter(axes)
    except TypeError:
        n = _operator.index(axes)
        if n < 0:
            raise ValueError("axes must be a non-negative integer") from None
        nda, ndb = _nd.asarray(a).ndim, _nd.asarray(b).ndim
        if n > nda or n > ndb:
            raise ValueError("shape-mismatch for sum")
        axes_a, axes_b = list(range(nda - n, nda)), list(range(n))
    else:
        axes_a, axes_b = axes
        axes_a = [axes_a] if isinstance(axes_a, int) else list(axes_a)
        axes_b = [axes_b] if isinstance(axes_b, int) else list(axes_b)
    return _nd.tensordot(a, b, axes_a, axes_b)


def vecdot(x1, x2, /, out=None, *, axis=-1):
    """sum(conj(x1) * x2, axis): the vector dot product along axis, the other axes broadcast."""
    return _out(_nd.vecdot(x1, x2, axis), out)


def matvec(x1, x2, /, out=None):
    """The matrix-vector product of x1's last two axes with x2's last (stacks broadcast)."""
    from kestrel import nd
    x1, x2 = nd.asarray(x1), nd.asarray(x2)
    if x1.ndim < 2 or x2.ndim < 1:
        raise ValueError("matvec: Input operand %d does not have enough dimensions"
                         % (0 if x1.ndim < 2 else 1))
    return _out(nd.matmul(x1, x2[..., None])[..., 0], out)


def vecmat(x1, x2, /, out=None):
    """The vector-matrix product conj(x1) @ x2 over x1's last axis and x2's last two."""
    from kestrel import nd
    x1, x2 = nd.asarray(x1), nd.asarray(x2)
    if x1.ndim < 1 or x2.ndim < 2:
        raise ValueError("vecmat: Input operand %d does not have enough dimensions"
                         % (0 if x1.ndim < 1 else 1))
    if x1.dtype.kind == "c":
        x1 = nd.conjugate(x1)
    return _out(nd.matmul(x1[..., None, :], x2)[..., 0, :], out)


def diagonal(a, offset=0, axis1=0, axis2=1):
    """The diagonal of axes axis1 and axis2 (moved last): a read-only view."""
    return _nd.diagonal(a, offset, axis1, axis2)


def trace(a, offset=0, axis1=0, axis2=1, dtype=None, out=None):
    """The sum of the diagonal of axes axis1 and axis2."""
    res = _nd.trace(a, offset, axis1, axis2, dtype)
    if out is not None:
        out[...] = res
        return out
    return res


def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or 2-vectors: the z component) along the given axes, the
    other axes broadcast; the result's vector axis at axisc."""
    from kestrel import nd
    if axis is not None:
        axisa = axisb = axisc = axis
    a, b = nd.moveaxis(nd.asarray(a), axisa, -1), nd.moveaxis(nd.asarray(b), axisb, -1)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    a0, a1, b0, b1 = a[..., 0], a[..., 1], b[..., 0], b[..., 1]
    z = a0 * b1 - a1 * b0
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return z
    # a missing third component is 0: its products are left out, as NumPy does
    a2 = a[..., 2] if a.shape[-1] == 3 else None
    b2 = b[..., 2] if b.shape[-1] == 3 else None
    if a2 is None:
        x, y = a1 * b2, -(a0 * b2)
    elif b2 is None:
        x, y = -(a2 * b1), a2 * b0
    else:
        x, y = a1 * b2 - a2 * b1, a2 * b0 - a0 * b2
    shape = nd.broadcast_shapes(x.shape, y.shape, z.shape)
    res = nd.stack([nd.broadcast_to(v, shape) for v in (x, y, z)], axis=-1)
    return nd.moveaxis(res, -1, axisc)
