"""kestrel.nd.linalg: numpy.linalg's names and semantics (and the Array API's linalg extension).

    >>> from kestrel import nd
    >>> a = nd.asarray([[3.0, 1.0], [1.0, 2.0]])
    >>> nd.linalg.solve(a, nd.asarray([9.0, 8.0]))
    array([2., 3.])

The decompositions and solvers (solve, inv, det, slogdet, cholesky, qr, svd, eigh, eig, lstsq)
are one call each into the C library, which runs the LAPACK drivers NumPy runs on every matrix of
a stack (the leading axes; two operands' stacks broadcast). The rest (pinv, matrix_rank, cond,
norm, matrix_power) are built on them here as NumPy builds them, so the numbers are NumPy's.
Integers and bool are computed in float64. A singular matrix or a decomposition that does not
converge raises LinAlgError, a ValueError as NumPy's.
"""
import collections as _collections
import operator as _operator

from _kestrel._core import nd as _nd


class LinAlgError(ValueError):
    """A linear-algebra failure: a singular matrix, one not positive definite, no convergence."""


_nd.linalg_set_error(LinAlgError)

SlogdetResult = _collections.namedtuple("SlogdetResult", ["sign", "logabsdet"])
EighResult = _collections.namedtuple("EighResult", ["eigenvalues", "eigenvectors"])
EigResult = _collections.namedtuple("EigResult", ["eigenvalues", "eigenvectors"])
QRResult = _collections.namedtuple("QRResult", ["Q", "R"])
SVDResult = _collections.namedtuple("SVDResult", ["U", "S", "Vh"])
_NOVALUE = object()


def _knp():
    from kestrel import nd  # kestrel.nd imports this module at its end
    return nd


def _inexact(x):
    """x as an array of float or complex dtype (integers and bool as float64, as NumPy)."""
    nd = _knp()
    x = nd.asarray(x)
    return x if x.dtype.kind in "fc" else x.astype(nd.float64)


def _real(t):
    nd = _knp()
    return {nd.complex64: nd.float32, nd.complex128: nd.float64}.get(t, t)


def _stacked_2d(a, fname):
    if a.ndim < 2:
        raise LinAlgError(f"{a.ndim}-dimensional array given. Array must be at least "
                          f"two-dimensional ({fname})")


def _stacked_square(a):
    if a.shape[-1] != a.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")


def matmul(x1, x2, /):
    """x1 @ x2 (the Array API's linalg.matmul)."""
    return _knp().matmul(x1, x2)


# ---- the decompositions and solvers ------------------------------------------------------------

def solve(a, b):
    """The solution x of a @ x = b (b a vector only when it is 1-d, as NumPy 2)."""
    return _nd.linalg_solve(a, b)


def inv(a):
    """The inverse of each square matrix of a."""
    return _nd.linalg_inv(a)


def det(a):
    """The determinant of each square matrix of a (sign * exp(logabsdet), as NumPy)."""
    return _nd.linalg_det(a)


def slogdet(a):
    """SlogdetResult(sign, logabsdet) of each square matrix of a."""
    return SlogdetResult(*_nd.linalg_slogdet(a))


def cholesky(a, /, *, upper=False):
    """L with a = L @ L.conj().T (or U with a = U.conj().T @ U when upper)."""
    return _nd.linalg_cholesky(a, upper)


def qr(a, mode="reduced"):
    """QRResult(Q, R) (mode 'reduced' or 'complete'), R alone ('r'), or (h, tau) ('raw')."""
    res = _nd.linalg_qr(a, mode)  # the library checks the mode's name (ks_qr_mode_value)
    return res if mode == "raw" or not isinstance(res, tuple) else QRResult(*res)


def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    """SVDResult(U, S, Vh) with a = U @ diag(S) @ Vh (S descending), or S alone."""
    if not hermitian:
        res = _nd.linalg_svd(a, full_matrices, compute_uv)
        return SVDResult(*res) if compute_uv else res
    nd = _knp()
    if not compute_uv:  # NumPy's: |eigenvalues| sorted descending
        s = nd.abs(eigvalsh(a))
        return nd.flip(nd.sort(s, axis=-1), axis=-1)
    s, u = eigh(a)
    sgn = nd.sign(s)
    s = nd.abs(s)
    # the eigenpairs reordered by |eigenvalue|, descending (NumPy's take_along_axis)
    n = s.shape[-1]
    stack = s.shape[:-1]
    b = 1
    for d in stack:
        b *= d
    sidx = nd.reshape(nd.flip(nd.argsort(s, axis=-1), axis=-1), (b, 1, n))
    rows = nd.reshape(nd.arange(b), (b, 1, 1))
    s = nd.reshape(nd.reshape(s, (b, 1, n))[rows, 0, sidx], stack + (n,))
    sgn = nd.reshape(nd.reshape(sgn, (b, 1, n))[rows, 0, sidx], stack + (n,))
    u = nd.reshape(nd.reshape(u, (b, n, n))[rows, nd.reshape(nd.arange(n), (1, n, 1)), sidx],
                   stack + (n, n))
    vt = nd.conj(nd.swapaxes(u * sgn[..., None, :], -1, -2))
    return SVDResult(u, s, vt)


def svdvals(x, /):
    """The singular values of each matrix of x, descending (the Array API's svdvals)."""
    return _nd.linalg_svd(x, False, False)


def eigh(a, UPLO="L"):
    """EighResult(eigenvalues ascending, eigenvectors as columns) of Hermitian a; only the UPLO
    ('L' or 'U') triangle is read."""
    return EighResult(*_nd.linalg_eigh(a, _uplo(UPLO), True))


def eigvalsh(a, UPLO="L"):
    """The eigenvalues of Hermitian a, ascending."""
    return _nd.linalg_eigh(a, _uplo(UPLO), False)


def _uplo(UPLO):
    u = str(UPLO).upper()
    if u not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return u == "U"


def _assert_finite(a):
    nd = _knp()
    a = nd.asarray(a)
    if not bool(nd.isfinite(a).all()):
        raise LinAlgError("Array must not contain infs or NaNs")
    return a


def eig(a):
    """EigResult(eigenvalues, right eigenvectors as columns): complex unless a is real and every
    eigenvalue is real."""
    return EigResult(*_nd.linalg_eig(_assert_finite(a), True))


def eigvals(a):
    """The eigenvalues of each square matrix of a (complex unless all are real)."""
    return _nd.linalg_eig(_assert_finite(a), False)


def lstsq(a, b, rcond=None):
    """(x, residuals, rank, s): the least-squares solution of a @ x = b (gelsd). rcond None:
    machine precision times max(M, N), NumPy 2's default."""
    return _nd.linalg_lstsq(a, b, rcond)


# ---- built on them, as NumPy ---------------------------------------------------------------------

def pinv(a, rcond=None, hermitian=False, *, rtol=_NOVALUE):
    """The Moore-Penrose pseudo-inverse: singular values below rcond (or rtol) times the largest
    are dropped."""
    nd = _knp()
    a = _inexact(a)
    if rcond is None:
        if rtol is _NOVALUE:
            rcond = 1e-15
        elif rtol is None:
            rcond = max(a.shape[-2:]) * nd.finfo(a.dtype).eps
        else:
            rcond = rtol
    elif rtol is not _NOVALUE:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    _stacked_2d(a, "pinv")
    m, n = a.shape[-2:]
    if m == 0 or n == 0:
        return nd.empty(a.shape[:-2] + (n, m), dtype=a.dtype)
    a = nd.conj(a)
    u, s, vt = svd(a, full_matrices=False, hermitian=hermitian)
    cutoff = nd.asarray(rcond)[..., None] * nd.max(s, axis=-1, keepdims=True)
    large = s > cutoff
    s = nd.where(large, 1 / nd.where(large, s, 1), 0).astype(s.dtype)
    return nd.matmul(nd.swapaxes(vt, -1, -2), s[..., None] * nd.swapaxes(u, -1, -2))


def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    """The number of singular values above tol (default: max(M, N) * eps * the largest)."""
    nd = _knp()
    if rtol is not None and tol is not None:
        raise ValueError("`tol` and `rtol` can't be both set.")
    A = nd.asarray(A)
    if A.ndim < 2:
        return int(not bool(nd.all(A == 0)))
    S = svd(A, compute_uv=False, hermitian=hermitian)
    if tol is None:
        if rtol is None:
            rtol = max(A.shape[-2:]) * nd.finfo(S.dtype).eps
        else:
            rtol = nd.asarray(rtol)[..., None]
        tol = nd.max(S, axis=-1, keepdims=True) * rtol
    else:
        tol = nd.asarray(tol)[..., None]
    return nd.count_nonzero(S > tol, axis=-1)


def cond(x, p=None):
    """The condition number of each matrix of x in norm p (None, 2, -2 through the singular
    values; 'fro', 'nuc', 1, -1, inf, -inf through the inverse)."""
    nd = _knp()
    x = nd.asarray(x)
    if x.ndim >= 2 and (x.shape[-1] == 0 or x.shape[-2] == 0):
        raise LinAlgError("cond is not defined on empty arrays")
    if p is None or p == 2 or p == -2:
        s = svd(x, compute_uv=False)
        r = s[..., -1] / s[..., 0] if p == -2 else s[..., 0] / s[..., -1]
    else:
        _stacked_2d(x, "cond")
        _stacked_square(x)
        x = _inexact(x)
        try:
            invx = inv(x)
        except LinAlgError:  # NumPy's inverse is NaN there, so the result is inf
            invx = nd.full(x.shape, nd.nan, dtype=x.dtype)
        r = norm(x, p, axis=(-2, -1)) * norm(invx, p, axis=(-2, -1))
    r = nd.asarray(r)
    nan_mask = nd.isnan(r)
    if bool(nan_mask.any()):
        nan_mask = nan_mask & ~nd.any(nd.isnan(x), axis=(-2, -1))
        r = nd.where(nan_mask, nd.inf, r).astype(r.dtype)
    return r[()] if r.ndim == 0 else r


def matrix_power(a, n):
    """a raised to the integer power n by repeated squaring (n < 0: of inv(a); n 0: identity)."""
    nd = _knp()
    a = nd.asarray(a)
    _stacked_2d(a, "matrix_power")
    _stacked_square(a)
    try:
        n = _operator.index(n)
    except TypeError as e:
        raise TypeError("exponent must be an integer") from e
    if n == 0:
        return nd.broadcast_to(nd.eye(a.shape[-2], dtype=a.dtype), a.shape).copy()
    if n < 0:
        a, n = inv(a), -n
    if n == 1:
        return a
    if n == 2:
        return nd.matmul(a, a)
    if n == 3:
        return nd.matmul(nd.matmul(a, a), a)
    z = result = None
    while n > 0:
        z = a if z is None else nd.matmul(z, z)
        n, bit = divmod(n, 2)
        if bit:
            result = z if result is None else nd.matmul(result, z)
    return result


# ---- norms ---------------------------------------------------------------------------------------

def _multi_svd_norm(x, row_axis, col_axis, op):
    nd = _knp()
    y = nd.moveaxis(x, (row_axis, col_axis), (-2, -1))
    return op(svd(y, compute_uv=False), axis=-1)


def norm(x, ord=None, axis=None, keepdims=False):
    """np.linalg.norm: vector norms (ord None/2, inf, -inf, 0, 1, any p) over one axis, matrix
    norms ('fro', 'nuc', 1, -1, 2, -2, inf, -inf) over two. The 2-norm and the Frobenius norm
    are one pass of BLAS's dot, with no temporary of |x|^2."""
    nd = _knp()
    x = _inexact(x)
    nd_ = x.ndim
    if axis is None:
        if ord is None or (ord in ("f", "fro") and nd_ == 2) or (ord == 2 and nd_ == 1):
            return _nd.linalg_norm2(x, None, keepdims)
        axis = tuple(range(nd_))
    elif not isinstance(axis, tuple):
        try:
            axis = int(axis)
        except Exception as e:
            raise TypeError("'axis' must be None, an integer or a tuple of integers") from e
        axis = (axis,)
    if len(axis) == 1:
        ax = axis[0]
        if ord is None or ord == 2:
            return _nd.linalg_norm2(x, ax, keepdims)
        if isinstance(ord, str):
            raise ValueError(f"Invalid norm order '{ord}' for vectors")
        if ord == nd.inf:
            return nd.max(nd.abs(x), axis=ax, keepdims=keepdims)
        if ord == -nd.inf:
            return nd.min(nd.abs(x), axis=ax, keepdims=keepdims)
        if ord == 0:
            return nd.sum((x != 0).astype(_real(x.dtype)), axis=ax, keepdims=keepdims)
        if ord == 1:
            return nd.sum(nd.abs(x), axis=ax, keepdims=keepdims)
        absx = nd.abs(x) ** ord
        ret = nd.sum(absx, axis=ax, keepdims=keepdims)
        return ret ** nd.asarray(1.0 / ord, dtype=ret.dtype)
    if len(axis) == 2:
        row_axis, col_axis = (a + nd_ if a < 0 else a for a in axis)
        if not (0 <= row_axis < nd_ and 0 <= col_axis < nd_):
            raise nd.AxisError(f"axis {axis} is out of bounds for array of dimension {nd_}")
        if row_axis == col_axis:
            raise ValueError("Duplicate axes given.")
        if ord == 2:
            ret = _multi_svd_norm(x, row_axis, col_axis, nd.max)
        elif ord == -2:
            ret = _multi_svd_norm(x, row_axis, col_axis, nd.min)
        elif ord == 1 or ord == -1:
            red = nd.max if ord == 1 else nd.min
            ret = red(nd.sum(nd.abs(x), axis=row_axis),
                      axis=col_axis - 1 if col_axis > row_axis else col_axis)
        elif ord == nd.inf or ord == -nd.inf:
            red = nd.max if ord == nd.inf else nd.min
            ret = red(nd.sum(nd.abs(x), axis=col_axis),
                      axis=row_axis - 1 if row_axis > col_axis else row_axis)
        elif ord in (None, "fro", "f"):
            if nd_ == 2:
                ret = _nd.linalg_norm2(x, None, False)
            else:
                ret = nd.sqrt(nd.sum(nd.real(nd.conj(x) * x), axis=axis))
        elif ord == "nuc":
            ret = _multi_svd_norm(x, row_axis, col_axis, nd.sum)
        else:
            raise ValueError("Invalid norm order for matrices.")
        if keepdims:
            shape = list(x.shape)
            shape[row_axis] = shape[col_axis] = 1
            ret = nd.reshape(ret, tuple(shape))
        return ret
    raise ValueError("Improper number of dimensions to norm.")


def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    """The Array API's vector_norm: the ord-norm over axis (None: every element; a tuple: those
    axes as one)."""
    nd = _knp()
    x = nd.asarray(x)
    shape = list(x.shape)
    if axis is None:
        y, ax = nd.reshape(x, (-1,)), 0
    elif isinstance(axis, tuple):
        axes = tuple(a + x.ndim if a < 0 else a for a in axis)
        rest = tuple(i for i in range(x.ndim) if i not in axes)
        n = 1
        for i in axes:
            n *= x.shape[i]
        y = nd.reshape(nd.transpose(x, axes + rest), (n,) + tuple(x.shape[i] for i in rest))
        ax = 0
    else:
        y, ax = x, axis
    res = norm(y, axis=ax, ord=ord)
    if keepdims:
        axes = range(len(shape)) if axis is None else (axis if isinstance(axis, tuple) else (axis,))
        for i in axes:
            shape[i] = 1
        res = nd.reshape(res, tuple(shape))
    return res


def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    """The Array API's matrix_norm over the last two axes."""
    return norm(x, axis=(-2, -1), keepdims=keepdims, ord=ord)


from _kestrel.nd_linalg_products import *  # noqa: F401,F403 (the products: tensordot, vecdot, ...)
