"""kestrel.nd.linalg against numpy.linalg itself, and residual tests in the manner of LAPACK's test
ratios: random inputs in float32/float64/complex64/complex128 (and integers, promoted to float64),
single matrices, stacks (broadcast between two operands), empty shapes and non-contiguous views;
NumPy's errors (LinAlgError, a ValueError) for singular and non-positive-definite matrices."""
import numpy as np
import pytest

from kestrel import nd

LA = nd.linalg
RNG = np.random.default_rng(2020)
FLOATS = ["float32", "float64", "complex64", "complex128"]
# a residual ratio below this many units of eps * n is LAPACK's "passes" (its threshold is 30)
RATIO = 30.0


def eps(dtype):
    return np.finfo(np.dtype(dtype)).eps


def rand(dtype, shape):
    dt = np.dtype(dtype)
    if dt.kind in "iu":
        return RNG.integers(-5, 6, shape).astype(dt)
    x = RNG.standard_normal(shape)
    if dt.kind == "c":
        x = x + 1j * RNG.standard_normal(shape)
    return x.astype(dt)


def spd(dtype, n, stack=()):
    """A well-conditioned Hermitian positive definite matrix (stack)."""
    a = rand(dtype, stack + (n, n))
    return (a @ np.conj(np.swapaxes(a, -1, -2)) + n * np.eye(n)).astype(dtype)


def np_(x):
    return np.asarray(x)


def tol(dtype):
    return 1e-4 if np.dtype(dtype) in (np.float32, np.complex64) else 1e-10


def views(x):
    """x as given, transposed (Fortran layout) and as a strided view of a larger array."""
    big = np.zeros(x.shape[:-1] + (2 * x.shape[-1],), x.dtype)
    big[..., ::2] = x
    return [x, np.swapaxes(np.ascontiguousarray(np.swapaxes(x, -1, -2)), -1, -2), big[..., ::2]]


def nrm(x):
    return np.linalg.norm(np.asarray(x, dtype=np.complex128).reshape(-1))


@pytest.mark.parametrize("dtype", FLOATS + ["int64"])
@pytest.mark.parametrize("stack", [(), (3,), (2, 2)])
def test_solve_inv_det(dtype, stack):
    n = 5
    a = rand(dtype, stack + (n, n)) + (n * np.eye(n)).astype(dtype if dtype != "int64" else "int64")
    b = rand(dtype, stack + (n, 2))
    t = np.linalg.inv(a).dtype
    for av in views(a):
        x = LA.solve(nd.asarray(av), nd.asarray(b))
        assert np_(x).dtype == t
        np.testing.assert_allclose(np_(x), np.linalg.solve(av, b), rtol=tol(t) * 10, atol=tol(t))
        # LAPACK's ratio: ||A x - b|| / (||A|| ||x|| eps n)
        r = nrm(av.astype(t) @ np_(x) - b) / (nrm(av) * nrm(np_(x)) * eps(t) * n)
        assert r < RATIO
        ai = np_(LA.inv(nd.asarray(av)))
        np.testing.assert_allclose(ai, np.linalg.inv(av), rtol=tol(t) * 10, atol=tol(t))
        assert nrm(av @ ai - np.eye(n)) / (nrm(av) * nrm(ai) * eps(t) * n) < RATIO
        np.testing.assert_allclose(np_(LA.det(nd.asarray(av))), np.linalg.det(av), rtol=tol(t))
        s, ld = LA.slogdet(nd.asarray(av))
        es, eld = np.linalg.slogdet(av)
        assert np_(s).dtype == es.dtype and np_(ld).dtype == eld.dtype
        np.testing.assert_allclose(np_(s), es, rtol=tol(t), atol=tol(t))
        np.testing.assert_allclose(np_(ld), eld, rtol=tol(t))


def test_solve_vector_and_broadcast():
    a = rand("float64", (4, 3, 3)) + 3 * np.eye(3)
    b = rand("float64", (3,))
    np.testing.assert_allclose(np_(LA.solve(nd.asarray(a), nd.asarray(b))), np.linalg.solve(a, b))
    b2 = rand("float64", (2, 1, 3, 2))
    np.testing.assert_allclose(np_(LA.solve(nd.asarray(a), nd.asarray(b2))), np.linalg.solve(a, b2))
    with pytest.raises(ValueError):
        LA.solve(nd.asarray(a), nd.asarray(rand("float64", (4,))))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("side", ["lower", "upper", "diagonal", "almost"])
def test_solve_inv_triangular(dtype, side):
    """A triangular a is solved by substitution (trtrs), not LU: the same solutions to rounding,
    LAPACK's residual ratio, a zero on the diagonal still "Singular matrix"; one nonzero on the
    other side ("almost") takes the general path."""
    n = 40
    a = rand(dtype, (3, n, n)) + (n * np.eye(n)).astype(dtype)
    a = {"lower": np.tril(a), "upper": np.triu(a), "diagonal": a * np.eye(n, dtype=dtype),
         "almost": np.tril(a)}[side]
    if side == "almost":
        a[1, 0, n - 1] = 1
    b = rand(dtype, (3, n, 3))
    for av in views(a):
        x = np_(LA.solve(nd.asarray(av), nd.asarray(b)))
        np.testing.assert_allclose(x, np.linalg.solve(av, b), rtol=tol(dtype) * 10, atol=tol(dtype))
        assert nrm(av @ x - b) / (nrm(av) * nrm(x) * eps(dtype) * n) < RATIO
        ai = np_(LA.inv(nd.asarray(av)))
        np.testing.assert_allclose(ai, np.linalg.inv(av), rtol=tol(dtype) * 10, atol=tol(dtype))
    a[2, 7, 7] = 0
    if side != "almost":
        with pytest.raises(LA.LinAlgError, match="Singular matrix"):
            LA.solve(nd.asarray(a), nd.asarray(b))
        with pytest.raises(LA.LinAlgError, match="Singular matrix"):
            LA.inv(nd.asarray(a))


def test_singular_and_errors():
    s = np.array([[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(LA.LinAlgError, match="Singular matrix"):
        LA.inv(nd.asarray(s))
    with pytest.raises(LA.LinAlgError, match="Singular matrix"):
        LA.solve(nd.asarray(s), nd.asarray([1.0, 2.0]))
    assert issubclass(LA.LinAlgError, ValueError)
    assert float(np_(LA.det(nd.asarray(s)))) == 0.0
    sign, ld = LA.slogdet(nd.asarray(s))
    assert float(np_(sign)) == 0.0 and np_(ld) == -np.inf
    with pytest.raises(LA.LinAlgError, match="not positive definite"):
        LA.cholesky(nd.asarray(-np.eye(3)))
    with pytest.raises(LA.LinAlgError, match="square"):  # NumPy's class for these too
        LA.inv(nd.asarray(np.ones((2, 3))))
    with pytest.raises(LA.LinAlgError, match="two-dimensional"):
        LA.det(nd.asarray(np.ones(3)))
    with pytest.raises(ValueError, match="mode"):
        LA.qr(nd.asarray(np.eye(2)), mode="bogus")


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky(dtype, upper):
    a = spd(dtype, 6, (2,))
    for av in views(a):
        c = np_(LA.cholesky(nd.asarray(av), upper=upper))
        np.testing.assert_allclose(c, np.linalg.cholesky(av, upper=upper), rtol=tol(dtype) * 10,
                                   atol=tol(dtype) * 10)
        rec = np.conj(np.swapaxes(c, -1, -2)) @ c if upper else c @ np.conj(np.swapaxes(c, -1, -2))
        assert nrm(rec - av) / (nrm(av) * eps(dtype) * 6) < RATIO


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (2, 7, 3), (3, 0), (0, 3)])
def test_qr(dtype, shape):
    a = rand(dtype, shape)
    for mode in ("reduced", "complete"):
        q, r = LA.qr(nd.asarray(a), mode=mode)
        eq, er = np.linalg.qr(a, mode=mode)
        q, r = np_(q), np_(r)
        assert q.shape == eq.shape and r.shape == er.shape and q.dtype == eq.dtype
        np.testing.assert_allclose(q, eq, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
        np.testing.assert_allclose(r, er, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
        k = q.shape[-1]
        if a.size:
            assert nrm(np.conj(np.swapaxes(q, -1, -2)) @ q - np.eye(k)) / (k * eps(dtype)) < RATIO
            assert nrm(q @ r - a) / (nrm(a) * max(shape[-2:]) * eps(dtype)) < RATIO
    np.testing.assert_allclose(np_(LA.qr(nd.asarray(a), mode="r")), np.linalg.qr(a, mode="r"),
                               rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
    h, tau = LA.qr(nd.asarray(a), mode="raw")
    eh, etau = np.linalg.qr(a, mode="raw")
    np.testing.assert_allclose(np_(h), eh, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
    np.testing.assert_allclose(np_(tau), etau, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape", [(6, 4), (4, 6), (5, 5), (3, 4, 2), (0, 3), (3, 0)])
def test_svd(dtype, shape):
    a = rand(dtype, shape)
    for full in (True, False):
        u, s, vh = LA.svd(nd.asarray(a), full_matrices=full)
        eu, es, evh = np.linalg.svd(a, full_matrices=full)
        u, s, vh = np_(u), np_(s), np_(vh)
        assert u.shape == eu.shape and s.shape == es.shape and vh.shape == evh.shape
        assert s.dtype == es.dtype and u.dtype == eu.dtype
        np.testing.assert_allclose(s, es, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
        k = s.shape[-1]
        if a.size:
            us = u[..., :, :k] * s[..., None, :]
            rec = us @ vh[..., :k, :]
            assert nrm(rec - a) / (nrm(a) * max(shape[-2:]) * eps(dtype)) < RATIO
            assert nrm(np.conj(np.swapaxes(u, -1, -2)) @ u - np.eye(u.shape[-1])) / (
                max(shape) * eps(dtype)) < RATIO
        else:
            np.testing.assert_array_equal(u, eu)
            np.testing.assert_array_equal(vh, evh)
    np.testing.assert_allclose(np_(LA.svd(nd.asarray(a), compute_uv=False)),
                               np.linalg.svd(a, compute_uv=False), rtol=tol(dtype) * 10,
                               atol=tol(dtype) * 10)
    np.testing.assert_allclose(np_(LA.svdvals(nd.asarray(a))), np.linalg.svdvals(a),
                               rtol=tol(dtype) * 10, atol=tol(dtype) * 10)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("UPLO", ["L", "U"])
def test_eigh(dtype, UPLO):
    a = rand(dtype, (3, 5, 5))
    a = a + np.conj(np.swapaxes(a, -1, -2))
    junk = a.copy()  # the unread triangle must not matter
    tri = np.triu_indices(5, 1) if UPLO == "L" else np.tril_indices(5, -1)
    junk[..., tri[0], tri[1]] = 99
    w, v = LA.eigh(nd.asarray(junk), UPLO=UPLO)
    ew, ev = np.linalg.eigh(a)
    w, v = np_(w), np_(v)
    assert w.dtype == ew.dtype and v.dtype == ev.dtype
    np.testing.assert_allclose(w, ew, rtol=tol(dtype) * 10, atol=tol(dtype) * 10)
    # ||A V - V diag(w)|| / (||A|| n eps)
    assert nrm(a @ v - v * w[..., None, :]) / (nrm(a) * 5 * eps(dtype)) < RATIO
    np.testing.assert_allclose(np_(LA.eigvalsh(nd.asarray(a))), ew, rtol=tol(dtype) * 10,
                               atol=tol(dtype) * 10)


@pytest.mark.parametrize("dtype", FLOATS)
def test_eig(dtype):
    a = rand(dtype, (2, 6, 6))
    w, v = LA.eig(nd.asarray(a))
    ew, ev = np.linalg.eig(a)
    w, v = np_(w), np_(v)
    assert w.dtype == ew.dtype and v.dtype == ev.dtype
    np.testing.assert_allclose(np.sort_complex(w.reshape(-1)), np.sort_complex(ew.reshape(-1)),
                               rtol=tol(dtype) * 100, atol=tol(dtype) * 100)
    assert nrm(a @ v - v * w[..., None, :]) / (nrm(a) * 6 * eps(dtype)) < RATIO
    # the order of eigenvalues is the LAPACK build's (NumPy's wheel carries its own OpenBLAS)
    np.testing.assert_allclose(np.sort_complex(np_(LA.eigvals(nd.asarray(a))).reshape(-1)),
                               np.sort_complex(np.linalg.eigvals(a).reshape(-1)),
                               rtol=tol(dtype) * 100, atol=tol(dtype) * 100)


def test_eig_real_results_and_nonfinite():
    a = np.diag([1.0, 2.0, 3.0]) + np.triu(np.ones((3, 3)), 1)
    w, v = LA.eig(nd.asarray(a))
    assert np_(w).dtype == np.float64 and np_(v).dtype == np.float64
    np.testing.assert_allclose(np_(w), np.linalg.eig(a)[0])
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    w = np_(LA.eigvals(nd.asarray(rot)))
    assert w.dtype == np.complex128
    np.testing.assert_allclose(np.sort_complex(w), [-1j, 1j], atol=1e-15)
    with pytest.raises(LA.LinAlgError, match="infs or NaNs"):
        LA.eig(nd.asarray(np.array([[np.nan, 0.0], [0.0, 1.0]])))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,bshape", [((8, 3), (8,)), ((8, 3), (8, 2)), ((3, 8), (3, 2)),
                                          ((5, 5), (5, 1))])
def test_lstsq(dtype, shape, bshape):
    a, b = rand(dtype, shape), rand(dtype, bshape)
    x, res, rank, s = LA.lstsq(nd.asarray(a), nd.asarray(b))
    ex, eres, erank, es = np.linalg.lstsq(a, b)
    np.testing.assert_allclose(np_(x), ex, rtol=tol(dtype) * 100, atol=tol(dtype) * 100)
    assert np_(res).shape == eres.shape and np_(res).dtype == eres.dtype
    np.testing.assert_allclose(np_(res), eres, rtol=tol(dtype) * 100)
    assert rank == erank
    np.testing.assert_allclose(np_(s), es, rtol=tol(dtype) * 10)


def test_lstsq_rank_deficient():
    a = rand("float64", (6, 3))
    a[:, 2] = a[:, 0] + a[:, 1]
    b = rand("float64", (6,))
    x, res, rank, s = LA.lstsq(nd.asarray(a), nd.asarray(b))
    ex, eres, erank, es = np.linalg.lstsq(a, b)
    assert rank == erank == 2 and np_(res).shape == (0,)
    np.testing.assert_allclose(np_(x), ex, rtol=1e-9)


@pytest.mark.parametrize("dtype", FLOATS + ["int32"])
def test_norms(dtype):
    x = rand(dtype, (4, 5))
    v = rand(dtype, (7,))
    xk, vk = nd.asarray(x), nd.asarray(v)
    r = tol(dtype) * 10
    np.testing.assert_allclose(np_(LA.norm(xk)), np.linalg.norm(x), rtol=r)
    np.testing.assert_allclose(np_(LA.norm(vk)), np.linalg.norm(v), rtol=r)
    for o in (None, 2, 1, -1, np.inf, -np.inf, 0, 3, 0.5):
        np.testing.assert_allclose(np_(LA.norm(vk, o)), np.linalg.norm(v, o), rtol=r)
        for ax in (0, 1, -1):
            np.testing.assert_allclose(np_(LA.norm(xk, o, axis=ax)), np.linalg.norm(x, o, axis=ax),
                                       rtol=r)
    for o in ("fro", "nuc", 1, -1, 2, -2, np.inf, -np.inf):
        got = np_(LA.norm(xk, o))
        np.testing.assert_allclose(got, np.linalg.norm(x, o), rtol=r)
        np.testing.assert_allclose(np_(LA.norm(xk, o, axis=(1, 0), keepdims=True)),
                                   np.linalg.norm(x, o, axis=(1, 0), keepdims=True), rtol=r)
    np.testing.assert_allclose(np_(LA.norm(xk, keepdims=True)), np.linalg.norm(x, keepdims=True),
                               rtol=r)
    assert np_(LA.norm(xk)).dtype == np.linalg.norm(x).dtype
    # strided and reversed views
    np.testing.assert_allclose(np_(LA.norm(xk[::-1, ::2], axis=1)),
                               np.linalg.norm(x[::-1, ::2], axis=1), rtol=r)
    np.testing.assert_allclose(np_(LA.norm(xk.T)), np.linalg.norm(x.T), rtol=r)
    x3 = rand(dtype, (2, 3, 4))
    np.testing.assert_allclose(np_(LA.vector_norm(nd.asarray(x3), axis=(0, 2), keepdims=True)),
                               np.linalg.vector_norm(x3, axis=(0, 2), keepdims=True), rtol=r)
    np.testing.assert_allclose(np_(LA.vector_norm(nd.asarray(x3), ord=np.inf)),
                               np.linalg.vector_norm(x3, ord=np.inf), rtol=r)
    np.testing.assert_allclose(np_(LA.matrix_norm(nd.asarray(x3), ord="nuc")),
                               np.linalg.matrix_norm(x3, ord="nuc"), rtol=r)
    np.testing.assert_allclose(np_(LA.matrix_norm(nd.asarray(x3))),
                               np.linalg.matrix_norm(x3), rtol=r)
    with pytest.raises(ValueError):
        LA.norm(xk, "bogus")


def test_pinv_rank_cond_power():
    a = rand("float64", (2, 5, 3))
    np.testing.assert_allclose(np_(LA.pinv(nd.asarray(a))), np.linalg.pinv(a), rtol=1e-9,
                               atol=1e-12)
    h = a[0].T @ a[0]
    np.testing.assert_allclose(np_(LA.pinv(nd.asarray(h), hermitian=True)),
                               np.linalg.pinv(h, hermitian=True), rtol=1e-8)
    u, s, vh = LA.svd(nd.asarray(h), hermitian=True)
    eu, es, evh = np.linalg.svd(h, hermitian=True)
    np.testing.assert_allclose(np_(s), es, rtol=1e-10)
    np.testing.assert_allclose(np_(u) * np_(s)[None, :] @ np_(vh), h, rtol=1e-9, atol=1e-12)
    d = a.copy()
    d[1, :, 2] = d[1, :, 0]
    np.testing.assert_array_equal(np_(LA.matrix_rank(nd.asarray(d))), np.linalg.matrix_rank(d))
    assert LA.matrix_rank(nd.asarray(np.zeros(3))) == 0
    np.testing.assert_array_equal(np_(LA.matrix_rank(nd.asarray(d), rtol=0.5)),
                                  np.linalg.matrix_rank(d, rtol=0.5))
    m = rand("float64", (3, 4, 4)) + 4 * np.eye(4)
    for p in (None, 2, -2, 1, -1, np.inf, -np.inf, "fro", "nuc"):
        np.testing.assert_allclose(np_(LA.cond(nd.asarray(m), p)), np.linalg.cond(m, p), rtol=1e-9)
    for n in (0, 1, 2, 3, 5, -1, -3):
        np.testing.assert_allclose(np_(LA.matrix_power(nd.asarray(m), n)),
                                   np.linalg.matrix_power(m, n), rtol=1e-9, atol=1e-12)
    with pytest.raises(TypeError):
        LA.matrix_power(nd.asarray(m), 1.5)


def test_namedtuples_and_empty():
    a = spd("float64", 3)
    r = LA.eigh(nd.asarray(a))
    assert r.eigenvalues is r[0] and r.eigenvectors is r[1]
    r = LA.slogdet(nd.asarray(a))
    assert r.sign is r[0] and r.logabsdet is r[1]
    r = LA.svd(nd.asarray(a))
    assert r.U is r[0] and r.S is r[1] and r.Vh is r[2]
    r = LA.qr(nd.asarray(a))
    assert r.Q is r[0] and r.R is r[1]
    e = np.zeros((2, 0, 0))
    assert np_(LA.inv(nd.asarray(e))).shape == (2, 0, 0)
    np.testing.assert_array_equal(np_(LA.det(nd.asarray(e))), np.linalg.det(e))
    assert np_(LA.cholesky(nd.asarray(e))).shape == (2, 0, 0)
    assert np_(LA.eigvalsh(nd.asarray(e))).shape == (2, 0)
    assert np_(LA.solve(nd.asarray(np.zeros((0, 3, 3))), nd.asarray(np.zeros((0, 3, 1))))).shape \
        == (0, 3, 1)


def test_array_api_namespace():
    x = nd.asarray(spd("float64", 4))
    assert x.__array_namespace__().linalg is LA


@pytest.mark.parametrize("dtype", ["float32", "complex64"])
def test_single_precision_computed_in_double(dtype):
    """NumPy computes single-precision input in double and rounds the results: so do we, so the
    results agree to float32's last bit or so, not just to float32's accuracy."""
    a = rand(dtype, (3, 5, 5)) + (5 * np.eye(5)).astype(dtype)
    b = rand(dtype, (3, 5, 2))
    one_ulp = 2 * np.finfo(np.float32).eps
    for got, want in [(LA.solve(nd.asarray(a), nd.asarray(b)), np.linalg.solve(a, b)),
                      (LA.inv(nd.asarray(a)), np.linalg.inv(a)),
                      (LA.det(nd.asarray(a)), np.linalg.det(a)),
                      (LA.svd(nd.asarray(a), compute_uv=False), np.linalg.svd(a, compute_uv=False)),
                      (LA.lstsq(nd.asarray(a[0]), nd.asarray(b[0]))[0],
                       np.linalg.lstsq(a[0], b[0])[0])]:
        got = np_(got)
        assert got.dtype == want.dtype
        np.testing.assert_allclose(got, want, rtol=one_ulp, atol=one_ulp * np.abs(want).max())
