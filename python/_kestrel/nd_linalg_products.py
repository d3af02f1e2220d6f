"""The Array API linalg extension's products (kestrel.nd.linalg imports them from here):
matmul, tensordot, vecdot, outer (1-d), trace and diagonal (of the last two axes), cross
(3-vectors), matrix_transpose, and multi_dot (NumPy's, with the cheapest multiplication order).
"""
from _kestrel import nd_products as _p
from _kestrel._core import nd as _nd

__all__ = ["matmul", "tensordot", "vecdot", "outer", "trace", "diagonal", "cross",
           "matrix_transpose", "multi_dot"]

matmul = _nd.matmul


def tensordot(x1, x2, /, *, axes=2):
    """Array API tensordot."""
    return _p.tensordot(x1, x2, axes)


def vecdot(x1, x2, /, *, axis=-1):
    """Array API vecdot: sum(conj(x1) * x2, axis)."""
    return _nd.vecdot(x1, x2, axis)


def outer(x1, x2, /):
    """The outer product of two 1-d arrays."""
    x1, x2 = _nd.asarray(x1), _nd.asarray(x2)
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError("Input arrays must be one-dimensional, but they are "
                         f"x1.ndim={x1.ndim} and x2.ndim={x2.ndim}.")
    return _nd.outer(x1, x2)


def trace(x, /, *, offset=0, dtype=None):
    """The sums of the diagonals of the last two axes."""
    return _nd.trace(x, offset, -2, -1, dtype)


def diagonal(x, /, *, offset=0):
    """The diagonals of the last two axes (a read-only view)."""
    return _nd.diagonal(x, offset, -2, -1)


def cross(x1, x2, /, *, axis=-1):
    """The cross product of 3-vectors along axis."""
    x1, x2 = _nd.asarray(x1), _nd.asarray(x2)
    if x1.ndim == 0 or x2.ndim == 0 or x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors, but they "
                         f"are {x1.shape[axis] if x1.ndim else 0} and "
                         f"{x2.shape[axis] if x2.ndim else 0} dimensional instead.")
    return _p.cross(x1, x2, axis=axis)


def matrix_transpose(x, /):
    """The last two axes swapped (a view)."""
    x = _nd.asarray(x)
    if x.ndim < 2:
        raise ValueError("Input array must be at least 2-dimensional, but it is "
                         f"{x.ndim}-dimensional.")
    return x.mT


def _chain_order(dims):
    """The cheapest parenthesisation of matrices of dims[i] x dims[i + 1]: split[i][j] is where
    the product of i..j is cut (the classic O(n^3) dynamic programme)."""
    n = len(dims) - 1
    cost = [[0] * n for _ in range(n)]
    split = [[0] * n for _ in range(n)]
    for length in range(1, n):
        for i in range(n - length):
            j = i + length
            cost[i][j] = None
            for k in range(i, j):
                c = cost[i][k] + cost[k + 1][j] + dims[i] * dims[k + 1] * dims[j + 1]
                if cost[i][j] is None or c < cost[i][j]:
                    cost[i][j], split[i][j] = c, k
    return split


def multi_dot(arrays, *, out=None):
    """dot of two or more arrays in the cheapest order (the first may be 1-d: a row; the last
    1-d: a column; the rest 2-d)."""
    arrays = [_nd.asarray(a) for a in arrays]
    n = len(arrays)
    if n < 2:
        raise ValueError("Expecting at least two arrays.")
    if n == 2:
        return _p.dot(arrays[0], arrays[1], out=out)
    first, last = arrays[0].ndim, arrays[-1].ndim
    if first == 1:
        arrays[0] = arrays[0][None, :]
    if last == 1:
        arrays[-1] = arrays[-1][:, None]
    for a in arrays:
        if a.ndim != 2:
            raise ValueError(f"{a.ndim}-dimensional array given. Array must be two-dimensional")
    split = _chain_order([a.shape[0] for a in arrays] + [arrays[-1].shape[1]])

    def product(i, j):
        if i == j:
            return arrays[i]
        return _nd.dot(product(i, split[i][j]), product(split[i][j] + 1, j))
    res = product(0, n - 1)
    if first == 1 and last == 1:
        res = res[0, 0]
    elif first == 1:
        res = res[0]
    elif last == 1:
        res = res[:, 0]
    return _p._out(res, out) if out is not None else res
