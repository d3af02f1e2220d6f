"""NumPy's answers for kestrel's reductions, scans and statistics (tests/c/test_array_reduce.c).

Run from anywhere: python3 tests/data/array/make_reduce_cases.py  (writes reduce_cases.txt.gz
beside this file). Deterministic: inputs come from numpy's PCG64 with fixed seeds, and the gzip
header carries no time, so a re-run gives the same bytes.

Each case is a block of lines:
  X v ...                     the base array, C order (complex: re im pairs; floats in
                              their shortest round-trip text),
                              for this and the following cases
  G a m d o                   or a base made by formula (long arrays): element i is
                              ((i * a) % m) / d - o, computed in float64 and cast to dt
                              (integers: ((i * a) % m) - o)
  C <op> key=value ...        the call: op is a ks_reduce name, a ks_scan name, or quantile,
                              average, cov, corrcoef, diff, gradient, histogram, bincount,
                              digitize; keys: dt (input dtype), base (the base array's shape),
                              step (per-axis slice step of the view, negative = reversed), perm
                              (the view's axis order), then the op's own arguments
  W / Q v ...                 the where mask (the view's shape), q (float64)
  Y / B dtype shape v ...     a second operand (weights, y) / bins or edges
  A dtype shape v ...         NumPy's result under OpenBLAS's AVX-512 kernels, where it differs
                              from the R line that follows (made under its AVX2 kernels)
  R dtype shape v ...         NumPy's result (shape as d0,d1 or - for 0-d)
  E text                      or NumPy's error message (a part of it to find in kestrel's)
A tolerance in units in the last place may follow as ulp=N on the C line (0: bit-identical).

cov and corrcoef multiply through BLAS, whose bits depend on the kernels OpenBLAS picks for the
CPU (the AVX-512 zgemm's X @ X.conj().T has diagonals with imaginary parts of 1e-16 and cancelling
parts 4-14 ulp from the AVX2 one's): the cases are made twice, each in a child process under
OPENBLAS_CORETYPE (read as OpenBLAS loads), Haswell (AVX2; AMD Zen picks the same kernels) and
SkylakeX (AVX-512; Cooperlake and SapphireRapids share its BLAS 1-3 kernels), which needs a CPU
with AVX-512.
"""
import gzip
import os
import subprocess
import sys
import warnings

import numpy as np

warnings.simplefilter("ignore")
HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(19)

DTYPES = ["bool", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "float32", "float64", "complex64", "complex128"]
out_lines = []
last_base = [None]


def fmt_vals(a):
    a = np.asarray(a)
    flat = a.reshape(-1)
    toks = []
    # the shortest text that reads back to the same value (float32 ones with strtof)
    if a.dtype.kind in "fc":
        single = a.dtype in (np.float32, np.complex64)
        num = (lambda v: str(np.float32(v))) if single else (lambda v: repr(float(v)))
        for v in flat:
            toks += [num(v.real), num(v.imag)] if a.dtype.kind == "c" else [num(v)]
    elif a.dtype.kind == "b":
        toks = ["1" if v else "0" for v in flat]
    else:
        toks = [str(int(v)) for v in flat]
    return " ".join(toks)


def shape_str(s):
    return ",".join(str(d) for d in s) if len(s) else "-"


def data(dt, n, nan=False, small=False):
    if dt == "bool":
        return rng.integers(0, 2, n).astype(bool)
    k = np.dtype(dt).kind
    if k in "iu":
        info = np.iinfo(dt)
        lo, hi = (0, 4) if small else (max(info.min, -100), min(info.max, 200))
        if not small and dt in ("int64", "uint64") and rng.random() < 0.5:
            lo, hi = info.min // 4, info.max // 4
        return rng.integers(lo, hi, n, dtype=dt, endpoint=True)
    x = rng.standard_normal(n) * (1.5 if small else 10.0)
    if k == "c":
        x = x + 1j * rng.standard_normal(n)
    x = x.astype(dt)
    if nan and n:
        idx = rng.integers(0, n, max(1, n // 5))
        x[idx] = np.nan
    return x


class Gen(np.ndarray):
    """A base array made by formula, written as its G line."""

    def __array_finalize__(self, obj):
        self.gen = getattr(obj, "gen", None)


def gen(dt, n, a=7919, m=10007, d=1009.0, o=5):
    i = np.arange(n, dtype=np.int64)
    k = (i * a) % m
    if np.dtype(dt).kind in "iub":
        x = (k - o).astype(dt)
        g = f"{a} {m} int {o}"
    else:
        x = (k.astype(np.float64) / d - o).astype(dt)
        if np.dtype(dt).kind == "c":
            x = x + 1j * (k % 13).astype(dt)
        g = f"{a} {m} {float(d)!r} {o}"
    r = x.view(Gen)
    r.gen = g
    return r


def view(base, step, perm):
    sl = tuple(slice(None, None, s) for s in step)
    return base[sl].transpose(perm)


def emit(op, args, base, step, perm, fn, extra=(), ulp=0):
    v = view(base, step, perm)
    kv = " ".join(f"{k}={val}" for k, val in args.items())
    head = (f"C {op} dt={base.dtype.name} base={shape_str(base.shape)} "
            f"step={shape_str(step)} perm={shape_str(perm)} ulp={ulp} {kv}").rstrip()
    if last_base[0] is not base:  # an X line holds until the next one
        gen = getattr(base, "gen", None) if isinstance(base, Gen) else None
        out_lines.append(f"G {gen}" if gen else "X " + fmt_vals(base))
        last_base[0] = base
    out_lines.append(head)
    for tag, arr in extra:
        if tag in ("Y", "B"):  # typed operands: dtype, shape, values
            arr = np.asarray(arr)
            out_lines.append(f"{tag} {arr.dtype.name} {shape_str(arr.shape)} {fmt_vals(arr)}".rstrip())
        else:
            out_lines.append(f"{tag} " + fmt_vals(arr))
    try:
        r = fn(v)
        r = np.asarray(r)
        out_lines.append(f"R {r.dtype.name} {shape_str(r.shape)} {fmt_vals(r)}".rstrip())
    except Exception as e:  # noqa: BLE001 — NumPy's message is the expectation
        msg = str(e).splitlines()[0]
        if op == "quantile" and v.size == 0 and "boolean" not in msg:  # words vary by method
            msg = "out of bounds for axis 0 with size 0"
        out_lines.append("E " + msg)


def axes_tuple(mask, ndim):
    return None if mask == 0 else tuple(d for d in range(ndim) if (mask >> d) & 1)


REDUCE = {
    "sum": np.sum, "prod": np.prod, "mean": np.mean, "var": np.var, "std": np.std,
    "min": np.min, "max": np.max, "all": np.all, "any": np.any, "ptp": np.ptp,
    "nansum": np.nansum, "nanprod": np.nanprod, "nanmean": np.nanmean, "nanvar": np.nanvar,
    "nanstd": np.nanstd, "nanmin": np.nanmin, "nanmax": np.nanmax,
}
ARGS = {"argmin": np.argmin, "argmax": np.argmax, "nanargmin": np.nanargmin,
        "nanargmax": np.nanargmax}

# (base shape, step, perm, axes masks)
LAYOUTS = [
    ((), (), (), [0]),
    ((0,), (1,), (0,), [0]),
    ((7,), (1,), (0,), [0]),
    ((7,), (-2,), (0,), [0]),
    ((3, 4), (1, 1), (0, 1), [0, 1, 2, 3]),
    ((3, 0), (1, 1), (0, 1), [0, 1, 2]),
    ((4, 6, 5), (1, -1, 2), (0, 1, 2), [0, 1, 2, 4, 5, 6]),
    ((4, 6, 5), (1, 1, 1), (2, 0, 1), [0, 1, 2, 5]),
    ((300,), (1,), (0,), [0]),
]


LONG_DTYPES = ("bool", "int32", "uint64", "float32", "float64", "complex64", "complex128")


def reduce_cases():
    for dt in DTYPES:
        for shape, step, perm, masks in LAYOUTS:
            if shape == (300,) and dt not in LONG_DTYPES:
                continue
            n = int(np.prod(shape)) if shape else 1
            isfloat = dt.startswith(("float", "complex"))
            plain = np.asarray(data(dt, n)).reshape(shape)
            bases = {"plain": plain,
                     "nan": np.asarray(data(dt, n, nan=True)).reshape(shape) if isfloat else plain,
                     "small": np.asarray(data(dt, n, small=True)).reshape(shape)}
            for kind, base in bases.items():
                for op, fn in {**REDUCE, **ARGS}.items():
                    want = ("small" if op in ("prod", "nanprod") else
                            "nan" if op.startswith("nan") else "plain")
                    if kind != want:
                        continue
                    for mask in masks:
                        v = view(base, step, perm)
                        if op in ARGS:
                            if mask & (mask - 1):
                                continue
                            ax = None if mask == 0 else mask.bit_length() - 1
                            for keep in (False, True):
                                emit(op, {"axes": mask, "keepdims": int(keep)}, base, step, perm,
                                     lambda v, fn=fn, ax=ax, keep=keep: fn(v, axis=ax, keepdims=keep))
                            continue
                        ax = axes_tuple(mask, v.ndim)
                        emit(op, {"axes": mask, "keepdims": 0}, base, step, perm,
                             lambda v, fn=fn, ax=ax: fn(v, axis=ax))
                        if mask and v.ndim > 1:
                            emit(op, {"axes": mask, "keepdims": 1}, base, step, perm,
                                 lambda v, fn=fn, ax=ax: fn(v, axis=ax, keepdims=True))
                        if op in ("var", "std", "nanvar", "nanstd"):
                            emit(op, {"axes": mask, "keepdims": 0, "ddof": 1}, base, step, perm,
                                 lambda v, fn=fn, ax=ax: fn(v, axis=ax, ddof=1))
                if kind == "plain":
                    for mask in masks:
                        ax = axes_tuple(mask, len(shape))
                        emit("count_nonzero", {"axes": mask, "keepdims": 0}, base, step, perm,
                             lambda v, ax=ax: np.asarray(np.count_nonzero(v, axis=ax), dtype=np.int64))


def long_cases():
    """Pairwise summation beyond one block, casts in NumPy's 8192 buffers, dtype=, where=."""
    for dt, n in (("float64", 1000), ("float64", 30011), ("float32", 5000), ("complex128", 999),
                  ("complex64", 777), ("int32", 20000), ("float32", 20000)):
        base = gen(dt, n)
        for op in ("sum", "mean", "var", "std", "nansum", "min", "max", "argmax"):
            emit(op, {"axes": 0, "keepdims": 0}, base, (1,), (0,), lambda v, op=op: getattr(np, op)(v))
        emit("sum", {"axes": 0, "keepdims": 0}, base, (-3,), (0,), np.sum)
    base = gen("float64", 200 * 150).reshape(200, 150)
    for op in ("sum", "mean", "var", "std", "min", "max", "nanmean"):
        for mask in (1, 2, 3):
            ax = axes_tuple(mask, 2)
            emit(op, {"axes": mask, "keepdims": 0}, base, (1, 1), (0, 1),
                 lambda v, op=op, ax=ax: getattr(np, op)(v, axis=ax))
            emit(op, {"axes": mask, "keepdims": 0}, base, (-1, 2), (1, 0),
                 lambda v, op=op, ax=ax: getattr(np, op)(v, axis=ax))
    # rows streamed into more than one block of columns (threads share the columns out)
    for dt in ("float64", "int16", "complex64"):
        base = gen(dt, 40 * 600).reshape(40, 600)
        for op in ("sum", "var", "min", "argmax", "nanmean", "prod"):
            emit(op, {"axes": 1, "keepdims": 0}, base, (1, 1), (0, 1),
                 lambda v, op=op: getattr(np, op)(v, axis=0))
    # dtype=
    for dt, to in (("int32", "float32"), ("float32", "float64"), ("int8", "int8"),
                   ("uint8", "int16"), ("float64", "complex128"), ("bool", "uint8")):
        base = gen(dt, 9000).reshape(90, 100)
        for op in ("sum", "prod", "mean"):
            for mask in (0, 1, 2):
                emit(op, {"axes": mask, "keepdims": 0, "dtype": to}, base, (1, 1), (0, 1),
                     lambda v, op=op, mask=mask: getattr(np, op)(v, axis=axes_tuple(mask, 2), dtype=to))
    # where=
    for dt in ("float64", "int16", "float32", "complex128", "bool"):
        base = data(dt, 60, nan=False).reshape(6, 10)
        w = rng.integers(0, 2, (6, 10)).astype(bool)
        w[2] = False
        for op in ("sum", "prod", "mean", "var", "std", "all", "any", "nansum", "nanmean", "nanvar",
                   "min"):
            for mask in (0, 1, 2):
                emit(op, {"axes": mask, "keepdims": 0, "where": 1}, base, (1, 1), (0, 1),
                     lambda v, op=op, mask=mask: getattr(np, op)(v, axis=axes_tuple(mask, 2), where=w),
                     extra=[("W", w)])
    # all-NaN slices
    base = np.full((3, 4), np.nan)
    base[1, 2] = 5.0
    for op in ("nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmin", "nanmax",
               "nanargmin", "nanargmax", "min", "argmax", "sum"):
        for mask in (0, 1, 2):
            if op.startswith("nanarg") or op == "argmax":
                emit(op, {"axes": mask, "keepdims": 0}, base, (1, 1), (0, 1),
                     lambda v, op=op, mask=mask: getattr(np, op)(v, axis=None if mask == 0 else mask - 1))
            else:
                emit(op, {"axes": mask, "keepdims": 0}, base, (1, 1), (0, 1),
                     lambda v, op=op, mask=mask: getattr(np, op)(v, axis=axes_tuple(mask, 2)))


def short_inner_cases():
    """A short reduced inner axis under a long kept one: rows stream into the kept axis's
    accumulators (each still adds its line in order); signed zeros, NaN and casts included."""
    for dt in ("float64", "float32", "int16", "complex128", "bool"):
        base = gen(dt, 300 * 3).reshape(300, 3)
        if dt.startswith("float"):
            base = base.copy()
            base[::7, 0] = -0.0
            base[::11, 1] = -0.0
            base[5, 2] = np.nan
            base = base.view(Gen)
            base.gen = None
        for op in ("sum", "prod", "mean", "var", "min", "max", "nansum", "nanmean", "all", "any"):
            if dt == "complex128" and op in ("min", "max"):
                continue
            emit(op, {"axes": 2, "keepdims": 0}, base, (1, 1), (0, 1),
                 lambda v, op=op: getattr(np, op)(v, axis=1))
        emit("sum", {"axes": 2, "keepdims": 0, "dtype": "float64"}, base, (1, -1), (0, 1),
             lambda v: np.sum(v, axis=1, dtype=np.float64))
    base = gen("float64", 70 * 5 * 2).reshape(70, 5, 2)
    for mask in (4, 6):
        emit("sum", {"axes": mask, "keepdims": 0}, base, (1, 1, 1), (0, 1, 2),
             lambda v, mask=mask: np.sum(v, axis=axes_tuple(mask, 3)))
    w = (np.arange(600) % 5 != 0).reshape(300, 2)
    base = gen("float64", 600).reshape(300, 2)
    emit("sum", {"axes": 2, "keepdims": 0, "where": 1}, base, (1, 1), (0, 1),
         lambda v: np.sum(v, axis=1, where=w), extra=[("W", w)])


# axis=(): each element reduced alone (the C mask KS_AXES_EMPTY, bit 63)
AXES_EMPTY = 1 << 63


def no_axis_cases():
    for dt in ("float64", "int8", "uint16", "complex64", "bool"):
        base = gen(dt, 24).reshape(4, 6)
        for op in ("sum", "prod", "mean", "var", "std", "min", "max", "all", "any", "ptp",
                   "nansum", "nanmean", "nanstd", "nanmax"):
            if op == "ptp" and dt == "bool":
                continue
            for keep in (0, 1):
                emit(op, {"axes": AXES_EMPTY, "keepdims": keep}, base, (1, -2), (1, 0),
                     lambda v, op=op, keep=keep: getattr(np, op)(v, axis=(), keepdims=bool(keep)))
        emit("count_nonzero", {"axes": AXES_EMPTY, "keepdims": 0}, base, (1, 1), (0, 1),
             lambda v: np.asarray(np.count_nonzero(v, axis=()), dtype=np.int64))
        emit("var", {"axes": AXES_EMPTY, "keepdims": 0, "ddof": 1}, base, (1, 1), (0, 1),
             lambda v: np.var(v, axis=(), ddof=1))
    base = gen("float64", 24).reshape(4, 6)
    w = (np.arange(24) % 3 == 0).reshape(4, 6)
    for op in ("sum", "mean", "any"):
        emit(op, {"axes": AXES_EMPTY, "keepdims": 0, "where": 1}, base, (1, 1), (0, 1),
             lambda v, op=op: getattr(np, op)(v, axis=(), where=w), extra=[("W", w)])
    emit("sum", {"axes": AXES_EMPTY, "keepdims": 0}, gen("float64", 1).reshape(()), (), (),
         lambda v: np.sum(v, axis=()))
    for op in ("argmin", "nanargmax"):  # NumPy's take one int; the C call refuses the mask
        emit(op, {"axes": AXES_EMPTY, "keepdims": 0}, base, (1, 1), (0, 1),
             lambda v: (_ for _ in ()).throw(TypeError("takes one axis or none, not axis=()")))


SCANS = {"cumsum": np.cumsum, "cumprod": np.cumprod, "nancumsum": np.nancumsum,
         "nancumprod": np.nancumprod}


def scan_cases():
    for dt in DTYPES:
        for shape, step, perm, _ in LAYOUTS:
            if shape == (300,) and dt not in LONG_DTYPES:
                continue
            n = int(np.prod(shape)) if shape else 1
            for op, fn in SCANS.items():
                base = np.asarray(data(dt, n, nan=op.startswith("nan"), small=True)).reshape(shape)
                v = view(base, step, perm)
                axes = [None] if v.ndim == 0 else [None] + list(range(-1, v.ndim))
                for ax in axes:
                    emit(op, {"axis": "none" if ax is None else ax}, base, step, perm,
                         lambda v, fn=fn, ax=ax: fn(v, axis=ax))
        base = data(dt, 12).reshape(3, 4)
        for to in ("float64", "int32", "complex64"):
            emit("cumsum", {"axis": 1, "dtype": to}, base, (1, 1), (0, 1),
                 lambda v, to=to: np.cumsum(v, axis=1, dtype=to))


METHODS = ["linear", "lower", "higher", "nearest", "midpoint", "inverted_cdf",
           "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf", "hazen",
           "weibull", "median_unbiased", "normal_unbiased"]


def quantile_cases():
    """q weak (a Python float: 0-d) or an array; every method; nanquantile."""
    qsets = [("weak", 0.5), ("weak", 0.3), ("arr", np.array([0.0, 0.25, 0.5, 0.75, 1.0])),
             ("arr", np.array(0.37)), ("arr", np.array([1.0, 0.1, 0.9, 0.5]))]
    for dt in ("bool", "int8", "int64", "uint16", "float32", "float64"):
        for shape, step, perm, masks in LAYOUTS:
            full = (dt == "float64" and shape in ((7,), (3, 4), (4, 6, 5))) or (
                dt == "int64" and shape == (7,))
            n = int(np.prod(shape)) if shape else 1
            bases = [np.asarray(data(dt, n)).reshape(shape)]
            if dt.startswith("float"):
                bases.append(np.asarray(data(dt, n, nan=True)).reshape(shape))
            for base in bases:
                for method in METHODS if full else ["linear", "nearest", "hazen"]:
                    for kind, qv in qsets if full else qsets[1:3]:
                        for nan in (0, 1) if dt.startswith("float") else (0,):
                            fn = np.nanquantile if nan else np.quantile
                            for mask in masks[:3] if full else masks[:2]:
                                ax = axes_tuple(mask, len(shape))
                                q = float(qv) if kind == "weak" else qv
                                # NumPy's nanquantile gives an all-NaN float32 line float32,
                                # whatever q (np.full(q.shape, nan, dtype=a.dtype)): skipped
                                if nan and dt == "float32" and kind != "weak":
                                    continue
                                # and an empty array's nanquantile along an axis loses q's axis
                                if nan and n == 0 and kind != "weak":
                                    continue
                                emit("quantile", {"axes": mask, "method": method, "nan": nan,
                                                  "weak": int(kind == "weak"),
                                                  "qnd": np.ndim(qv)},
                                     base, step, perm,
                                     lambda v, fn=fn, q=q, ax=ax, method=method:
                                         fn(v, q, axis=ax, method=method),
                                     extra=[("Q", np.asarray(qv, dtype=np.float64))])
    # long lines: the bracketing pass (one and several q), duplicates, NaN
    for base in (gen("float64", 200003), gen("float64", 262144, a=48271, m=2147483647, d=1e6, o=1000),
                 gen("float64", 150001, a=3, m=7, d=1.0, o=0), gen("float32", 50001),
                 gen("int32", 40000)):
        for kind, qv in (("weak", 0.5), ("arr", np.array([0.25, 0.5, 0.75])),
                         ("arr", np.array([0.0, 0.001, 0.999, 1.0]))):
            for method in ("linear", "lower", "midpoint", "median_unbiased"):
                q = float(qv) if kind == "weak" else qv
                emit("quantile", {"axes": 0, "method": method, "nan": 0, "weak": int(kind == "weak"),
                                  "qnd": np.ndim(qv)},
                     base, (1,), (0,), lambda v, q=q, method=method: np.quantile(v, q, method=method),
                     extra=[("Q", np.asarray(qv, dtype=np.float64))])
    base = gen("float64", 300 * 200).reshape(300, 200)
    for mask in (1, 2):
        emit("quantile", {"axes": mask, "method": "linear", "nan": 0, "weak": 0, "qnd": 1}, base,
             (1, 1), (0, 1),
             lambda v, mask=mask: np.quantile(v, np.array([0.1, 0.5]), axis=mask - 1),
             extra=[("Q", np.array([0.1, 0.5]))])
    # errors
    base = data("float64", 6)
    emit("quantile", {"axes": 0, "method": "linear", "nan": 0, "weak": 0, "qnd": 1}, base, (1,), (0,),
         lambda v: np.quantile(v, np.array([0.5, 1.5])), extra=[("Q", np.array([0.5, 1.5]))])


# cov and corrcoef multiply through BLAS (NumPy's bundled OpenBLAS, kestrel's system one), whose
# dot products may add in another order: 1 ulp seen
COV_ULP = 2


def stats_cases():
    """average, cov, corrcoef, diff, gradient, histogram, bincount, digitize."""
    for dt in ("int32", "float32", "float64", "complex128"):
        a = np.asarray(data(dt, 12)).reshape(3, 4)
        w = rng.random(12).reshape(3, 4)
        w1, w0 = rng.random(4), rng.random(3)
        emit("average", {"axes": 0, "keepdims": 0}, a, (1, 1), (0, 1), lambda v: np.average(v))
        emit("average", {"axes": 2, "keepdims": 1}, a, (1, 1), (0, 1),
             lambda v: np.average(v, axis=1, keepdims=True))
        emit("average", {"axes": 0, "keepdims": 0, "w": 1}, a, (1, 1), (0, 1),
             lambda v: np.average(v, weights=w), extra=[("Y", w)])
        emit("average", {"axes": 1, "keepdims": 0, "w": 1}, a, (1, -1), (0, 1),
             lambda v: np.average(v, axis=0, weights=w), extra=[("Y", w)])
        emit("average", {"axes": 2, "keepdims": 0, "w": 1}, a, (1, 1), (0, 1),
             lambda v: np.average(v, axis=1, weights=w1), extra=[("Y", w1)])
        emit("average", {"axes": 1, "keepdims": 1, "w": 1}, a, (1, 1), (0, 1),
             lambda v: np.average(v, axis=0, weights=w0, keepdims=True), extra=[("Y", w0)])
        emit("average", {"axes": 1, "keepdims": 0, "w": 1}, a, (1, 1), (0, 1),
             lambda v: np.average(v, axis=0, weights=np.zeros(3)), extra=[("Y", np.zeros(3))])
        m = np.asarray(data(dt, 15)).reshape(3, 5)
        y = np.asarray(data(dt, 5))
        for rowvar in (1, 0):
            for ddof in (-1, 0, 2):
                emit("cov", {"rowvar": rowvar, "ddof": ddof}, m, (1, 1), (0, 1),
                     lambda v, r=rowvar, d=ddof: np.cov(v, rowvar=bool(r), ddof=None if d < 0 else d),
                     ulp=COV_ULP)
            emit("corrcoef", {"rowvar": rowvar}, m, (1, 1), (0, 1),
                 lambda v, r=rowvar: np.corrcoef(v, rowvar=bool(r)), ulp=COV_ULP)
        emit("cov", {"rowvar": 1, "ddof": -1, "y": 1}, m, (1, 1), (0, 1),
             lambda v: np.cov(v, y), extra=[("Y", y)], ulp=COV_ULP)
        emit("corrcoef", {"rowvar": 1, "y": 1}, m, (1, 1), (0, 1),
             lambda v: np.corrcoef(v, y), extra=[("Y", y)], ulp=COV_ULP)
        m1 = np.asarray(data(dt, 7))
        emit("cov", {"rowvar": 1, "ddof": -1}, m1, (1,), (0,), lambda v: np.cov(v), ulp=COV_ULP)
        emit("corrcoef", {"rowvar": 1}, m1, (1,), (0,), lambda v: np.corrcoef(v), ulp=COV_ULP)
        g = np.asarray(data(dt, 120)).reshape(4, 6, 5)
        for spacing in (1.0, 0.5, 3.0):
            for edge in (1, 2):
                for ax in (0, 1, 2, -1):
                    emit("gradient", {"spacing": spacing, "axis": ax, "edge": edge}, g, (1, -1, 2),
                         (0, 1, 2), lambda v, s=spacing, e=edge, a=ax: np.gradient(v, s, axis=a, edge_order=e))
        g2 = np.asarray(data(dt, 2))
        emit("gradient", {"spacing": 1.0, "axis": 0, "edge": 2}, g2, (1,), (0,),
             lambda v: np.gradient(v, edge_order=2))
    for dt in DTYPES:
        for shape, step, perm, _ in LAYOUTS:
            if len(shape) == 0 or shape == (300,):
                continue
            base = np.asarray(data(dt, int(np.prod(shape)))).reshape(shape)
            for n in (0, 1, 2, 5):
                for ax in range(-1, len(shape)):
                    emit("diff", {"n": n, "axis": ax}, base, step, perm,
                         lambda v, n=n, ax=ax: np.diff(v, n=n, axis=ax))
    # (float32 data: NumPy bins in float32 with float32 edges; kestrel in float64: not compared)
    for dt in ("float64", "int32"):
        x = np.asarray(data(dt, 1000))
        if dt == "float64":
            x[::97] = np.linspace(-3, 3, 11)
        w = rng.random(1000)
        for bins in (1, 7, 10):
            for rng_ in ((0.0, 0.0), (-5.0, 5.0), (-20.0, 3.0)):
                for dens in (0, 1):
                    kw = {} if rng_ == (0.0, 0.0) else {"range": rng_}
                    for op, k in (("histogram", 0), ("histogram_edges", 1)):
                        emit(op, {"bins": bins, "lo": rng_[0], "hi": rng_[1], "density": dens}, x,
                             (1,), (0,), lambda v, b=bins, kw=kw, d=dens, k=k:
                             np.histogram(v, b, density=bool(d), **kw)[k])
                        emit(op, {"bins": bins, "lo": rng_[0], "hi": rng_[1], "density": dens, "w": 1},
                             x, (1,), (0,), lambda v, b=bins, kw=kw, d=dens, k=k:
                             np.histogram(v, b, weights=w, density=bool(d), **kw)[k],
                             extra=[("Y", w)], ulp=4)
        edges = np.array([-10.0, -1.0, 0.0, 0.5, 2.0, 30.0])
        emit("histogram", {"bins": 0, "lo": 0.0, "hi": 0.0, "density": 0, "e": 1}, x, (1,), (0,),
             lambda v: np.histogram(v, edges)[0], extra=[("B", edges)])
        emit("histogram", {"bins": 0, "lo": 0.0, "hi": 0.0, "density": 1, "e": 1}, x, (1,), (0,),
             lambda v: np.histogram(v, edges, density=True)[0], extra=[("B", edges)])
        emit("histogram", {"bins": 0, "lo": 0.0, "hi": 0.0, "density": 0, "e": 1, "w": 1}, x, (1,),
             (0,), lambda v: np.histogram(v, edges, weights=w)[0], extra=[("Y", w), ("B", edges)],
             ulp=1024)  # NumPy differences cumulative sums of the sorted weights; kestrel adds them
    for dt in ("int64", "uint8", "int16", "bool", "float64", "uint64"):
        x = np.asarray(data(dt, 50, small=True))
        w = rng.random(50)
        for minlength in (0, 3, 9):
            emit("bincount", {"minlength": minlength}, x, (1,), (0,),
                 lambda v, m=minlength: np.bincount(v, minlength=m))
            emit("bincount", {"minlength": minlength, "w": 1}, x, (1,), (0,),
                 lambda v, m=minlength: np.bincount(v, weights=w, minlength=m), extra=[("Y", w)])
    neg = np.array([3, -1, 2], dtype=np.int64)
    emit("bincount", {"minlength": 0}, neg, (1,), (0,), lambda v: np.bincount(v))
    for dt in ("float64", "int32", "float32", "uint8"):
        x = np.asarray(data(dt, 24)).reshape(4, 6)
        if dt == "float64":
            x[0, 0] = np.nan
        for bins in (np.array([-10.0, -1.0, 0.0, 0.0, 4.0, 50.0]), np.array([50.0, 4.0, 0.0, -3.0]),
                     np.array([0.0, 5.0, 1.0]), np.array([2.0]), np.array([], dtype=np.float64)):
            for right in (0, 1):
                emit("digitize", {"right": right}, x, (1, -1), (1, 0),
                     lambda v, b=bins, r=right: np.digitize(v, b, right=bool(r)), extra=[("B", bins)])


KERNELS = ("Haswell", "SkylakeX")  # the R lines' OpenBLAS kernels, then the A lines'


def generate():
    """The lines of every case, under the OpenBLAS kernels this process loaded."""
    reduce_cases()
    long_cases()
    no_axis_cases()
    short_inner_cases()
    scan_cases()
    quantile_cases()
    stats_cases()
    return out_lines


def run_child(core):
    env = dict(os.environ, OPENBLAS_CORETYPE=core, MAKE_REDUCE_CASES_CORE=core)
    r = subprocess.run([sys.executable, os.path.abspath(__file__)], env=env, check=True,
                       capture_output=True, text=True)
    return r.stdout.split("\n")


def merge(avx2, avx512):
    """avx2's lines, each R line that avx512 has otherwise preceded by avx512's as an A line."""
    assert len(avx2) == len(avx512)
    lines, call = [], ""
    for a, b in zip(avx2, avx512):
        if a.startswith("C "):
            call = a.split()[1]
        if a != b:
            assert a.startswith("R ") and b.startswith("R ") and call in ("cov", "corrcoef"), a
            lines.append("A " + b[2:])
        lines.append(a)
    return lines


def main():
    core = os.environ.get("MAKE_REDUCE_CASES_CORE")
    if core:  # a child: the lines on stdout
        try:
            from threadpoolctl import threadpool_info
            archs = {i.get("architecture") for i in threadpool_info() if i["internal_api"] == "openblas"}
            assert archs == {core}, (archs, core)
        except ImportError:
            pass
        sys.stdout.write("\n".join(generate()))
        return
    lines = merge(*(run_child(c) for c in KERNELS))
    path = os.path.join(HERE, "reduce_cases.txt.gz")
    text = (f"# made by make_reduce_cases.py with numpy {np.__version__}; R: OpenBLAS's "
            f"{KERNELS[0]} kernels, A: its {KERNELS[1]} ones\n" + "\n".join(lines) + "\n")
    with open(path, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as f:
        f.write(text.encode())
    print(path, len(lines), "lines")


if __name__ == "__main__":
    main()
