"""NumPy's answers for kestrel's array creation, shape, joining and indexing functions.

Writes shape_cases.tsv next to this file: one case a line, tab-separated,

    op  sources  args  expected...

read by tests/c/test_array_shape.c, which builds the same sources, calls the C function and
compares. Run with `python3 tests/data/array/make_shape_reference.py` (NumPy 2.4.6 made the
committed file; the random cases come from a fixed seed, so reruns are byte-identical).

Sources: `L:shape[:dtype]` (several joined by `;`), shape as `2x3` (`.` for 0-d), the i-th
source holding arange(n) + 100 i cast to dtype (float64 when omitted), laid out by L:
C (C order), F (Fortran order), N (every axis reversed: negative strides) or S (every other
element of the last axis of an array twice as long: arange(2n) + 100 i).
Array literals in args: `a<shape>:<values>` int64, `b<shape>:<0/1 values>` bool,
`v<shape>:<dtype>:<values>`. Index tokens: `i<int>`, `s<start>,<stop>,<step>` (`_` omitted),
`n` newaxis, `e` ellipsis, and the array literals.
Expected: `ok  dtype  view|copy  shape  strides|-  values` (values in C order, %.17g; strides
only for views), or `err  text` (the start of NumPy's message, up to its first parenthesis).
"""
import os
import random

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "shape_cases.tsv")
rows = []


def shp(s):
    return "." if len(s) == 0 else "x".join(str(d) for d in s)


def fmt(v):
    v = float(v)
    if np.isnan(v):
        return "nan"
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return "%.17g" % v


def vals(a):
    a = np.asarray(a)
    if a.dtype.kind == "c":  # each element as its two parts
        return ",".join(fmt(p) for x in a.ravel(order="C") for p in (x.real, x.imag))
    return ",".join(fmt(x) for x in a.ravel(order="C"))


def make_src(spec, i=0):
    parts = spec.split(":")
    lay, shape = parts[0], () if parts[1] == "." else tuple(int(x) for x in parts[1].split("x"))
    dt = np.dtype(parts[2]) if len(parts) > 2 else np.dtype("float64")
    n = int(np.prod(shape))
    if lay == "S":
        big = (np.arange(2 * n, dtype=np.float64) + 100 * i).astype(dt)
        return big.reshape(shape[:-1] + (2 * shape[-1],))[..., ::2]
    c = (np.arange(n, dtype=np.float64) + 100 * i).astype(dt).reshape(shape)
    if lay == "F":
        return np.asfortranarray(c)
    if lay == "N":
        return c[tuple(slice(None, None, -1) for _ in shape)]
    return c


def lit(a):
    a = np.asarray(a)
    if a.dtype == bool:
        return "b%s:%s" % (shp(a.shape), ",".join(str(int(x)) for x in a.ravel()))
    if a.dtype.kind in "iu":
        return "a%s:%s" % (shp(a.shape), ",".join(str(int(x)) for x in a.ravel()))
    return "v%s:%s:%s" % (shp(a.shape), a.dtype.name, vals(a))


def err_text(e):
    # NumPy's message for a sequence assigned to one element is the general broadcast one here
    msg = str(e).replace("setting an array element with a sequence.",
                         "could not broadcast input array from shape")
    return msg.split("(")[0].strip()


def case(op, srcs, args, fn, views=()):
    try:
        r = fn()
    except (ValueError, IndexError, TypeError, ZeroDivisionError) as e:
        rows.append("\t".join([op, srcs, args, "err", err_text(e)]))
        return
    r = np.asarray(r)
    view = any(np.shares_memory(r, s) for s in views)
    strides = (",".join(str(s) for s in r.strides) or ".") if view else "-"
    rows.append("\t".join([op, srcs, args, "ok", r.dtype.name, "view" if view else "copy",
                           shp(r.shape), strides, vals(r)]))


def one(op, spec, args, fn, view_ok=True):
    s = make_src(spec)
    case(op, spec, args, lambda: fn(s), views=(s,) if view_ok else ())


# ---- creation ----
for start, stop, step, dt in [(0, 10, 1, "int64"), (0.5, 5, 1.5, "int64"), (1, -7, -2, "int32"),
                              (0, 1, 0.1, "float64"), (0.1, 1.3, 0.1, "float64"), (-3, 3, 0.7, "float32"),
                              (0, 2, 1, "bool"), (0, 3, 1, "bool"), (5, 1, 1, "float64"), (0, 1, 0, "float64"),
                              (250, 260, 1, "uint8"), (0, 5, 1, "complex128"), (2.5, 7, 0.5, "float64"),
                              (1e10, 1e10 + 50, 7, "float64"), (-5, 5, 3, "int8")]:
    case("arange", "-", "%r %r %r %s" % (start, stop, step, dt),
         lambda: np.arange(start, stop, step, dtype=dt))
for start, stop, num, ep, dt in [(0, 1, 5, 1, "float64"), (0, 1, 5, 0, "float64"), (2, 3, 100, 1, "float64"),
                                 (-1.5, 7.25, 33, 0, "float64"), (0, 10, 7, 1, "int64"), (-3, 3, 8, 1, "int32"),
                                 (1, 1, 4, 1, "float64"), (0, 1, 1, 1, "float64"), (0, 1, 0, 1, "float64"),
                                 (0, 1, 1, 0, "float64"), (0.1, 0.7, 1000, 1, "float64"), (0, 1, 10, 1, "float32"),
                                 (0, 1e-320, 5, 1, "float64"), (0, 1, -1, 1, "float64"), (0, 3, 4, 1, "bool"),
                                 (1e300, -1e300, 9, 1, "float64")]:
    case("linspace", "-", "%r %r %d %d %s" % (start, stop, num, ep, dt),
         lambda: np.linspace(start, stop, num, endpoint=bool(ep), dtype=dt))
    if num >= 0:
        case("linspace_step", "-", "%r %r %d %d %s" % (start, stop, num, ep, dt),
             lambda: np.float64(np.linspace(start, stop, num, endpoint=bool(ep), retstep=True)[1]))
for start, stop, num, ep, base, dt in [(0, 3, 4, 1, 10, "float64"), (0, 3, 4, 0, 2, "float64"),
                                       (-2, 2, 9, 1, 10, "float64"), (0, 10, 11, 1, 2, "int64"),
                                       (1, 2, 50, 1, 3.5, "float64"), (0, 1, 0, 1, 10, "float64")]:
    case("logspace", "-", "%r %r %d %d %r %s" % (start, stop, num, ep, base, dt),
         lambda: np.logspace(start, stop, num, endpoint=bool(ep), base=base, dtype=dt))
for start, stop, num, ep, dt in [(1, 1000, 4, 1, "float64"), (1, 256, 9, 1, "float64"),
                                 (-1, -1000, 4, 1, "float64"), (1000, 1, 4, 0, "float64"),
                                 (2, 3, 50, 1, "float64"), (1, 1000, 4, 1, "int64"), (0, 5, 3, 1, "float64"),
                                 (-1, 100, 3, 1, "float64"), (0.5, 8, 1, 1, "float64"), (3, 3, 0, 1, "float64")]:
    case("geomspace", "-", "%r %r %d %d %s" % (start, stop, num, ep, dt),
         lambda: np.geomspace(start, stop, num, endpoint=bool(ep), dtype=dt))
for n, m, k, dt in [(3, 3, 0, "float64"), (3, 5, 1, "int32"), (4, 2, -1, "float64"), (3, 3, 5, "bool"),
                    (0, 3, 0, "float64"), (2, 4, -3, "complex64")]:
    case("eye", "-", "%d %d %d %s" % (n, m, k, dt), lambda: np.eye(n, m, k, dtype=dt))
    case("tri", "-", "%d %d %d %s" % (n, m, k, dt), lambda: np.tri(n, m, k, dtype=dt))
for spec in ["C:3x4", "F:4x3", "N:3x3", "C:2x3x4:int16", "S:3x5", "C:5", "C:0x3"]:
    for k in (-1, 0, 2):
        one("tril", spec, "%d" % k, lambda s: np.tril(s, k), view_ok=False)
        one("triu", spec, "%d" % k, lambda s: np.triu(s, k), view_ok=False)
for spec in ["C:4", "N:3", "C:3x4", "F:4x3", "S:3x3", "C:2x2x2"]:
    for k in (-2, 0, 1, 5):
        one("diag", spec, "%d" % k, lambda s: np.diag(s, k), view_ok=False)
for shape, dt, v in [((2, 3), "float64", 7.5), ((4,), "int32", -3), ((), "float64", 2.0),
                     ((3, 0), "int8", 1), ((2, 2), "complex128", 1.5), ((5,), "bool", 2.0),
                     ((3,), "uint16", 65535.0)]:
    case("full", "-", "%s %s %s" % (shp(shape), dt, lit(np.float64(v))),
         lambda: np.full(shape, np.float64(v), dtype=dt))
case("full", "-", "2x3 int64 %s" % lit(np.array([1.0, 2.0, 3.0])),
     lambda: np.full((2, 3), np.array([1.0, 2.0, 3.0]), dtype="int64"))
for srcs, ij in [("C:3;C:2", 0), ("C:3;C:2", 1), ("C:4;N:2;C:3", 0), ("C:2x2;C:3", 1), ("C:5", 0)]:
    arrs = [make_src(s, i) for i, s in enumerate(srcs.split(";"))]
    outs = np.meshgrid(*arrs, indexing="ij" if ij else "xy")
    for w in range(len(outs)):
        case("meshgrid", srcs, "%d %d" % (ij, w), lambda: outs[w])

# ---- shape ----
for spec, order, shape in [("C:2x3x4", "C", (6, 4)), ("C:2x3x4", "C", (4, -1)), ("C:2x3x4", "F", (4, 6)),
                           ("F:2x3x4", "F", (6, 4)), ("F:2x3x4", "C", (6, 4)), ("N:3x4", "C", (12,)),
                           ("S:3x4", "C", (3, 2, 2)), ("S:3x4", "C", (12,)), ("S:3x4", "C", (1, 3, 1, 4, 1)),
                           ("C:6", "C", (4,)), ("C:6", "C", (4, -1)), ("C:6", "C", (-1, -1)),
                           ("C:0x3", "C", (0, -1)), ("C:0x3", "C", (3, 0, 5)), ("C:.", "C", (1, 1)),
                           ("C:1", "C", ()), ("C:2x3", "C", (2, 3)), ("S:2x3", "C", (2, 3)),
                           ("C:4x1x3", "C", (2, 2, 3)), ("F:4x3", "C", (4, 3, 1)), ("F:4x3", "F", (2, 2, 3)),
                           ("C:3x4", "C", (-1,)), ("S:2x3x4", "C", (6, 4)), ("S:2x3x4", "C", (2, 12)),
                           ("C:6", "C", (-3, 2))]:
    one("reshape", spec, "%s %s" % (order, shp(shape) if shape else "."),
        lambda s: s.reshape(shape, order=order))
for spec in ["C:2x3", "F:2x3", "N:2x3", "S:2x3", "C:.", "C:5", "S:5"]:
    for order in "CF":
        one("ravel", spec, order, lambda s: np.ravel(s, order=order))
for spec, axes in [("C:2x3x4", None), ("F:2x3x4", (1, 0, 2)), ("N:2x3", (-1, 0)), ("C:2x3", (0, 0)),
                   ("C:2x3", (0,)), ("C:2x3", (0, 2)), ("C:.", None)]:
    one("transpose", spec, "none" if axes is None else ",".join(map(str, axes)),
        lambda s: np.transpose(s, axes))
for spec, a, b in [("C:2x3x4", 0, 2), ("S:2x3", -1, 0), ("C:2", 0, 3)]:
    one("swapaxes", spec, "%d %d" % (a, b), lambda s: np.swapaxes(s, a, b))
for spec, src, dst in [("C:2x3x4", (0,), (-1,)), ("C:2x3x4x5", (0, 1), (3, 0)), ("N:2x3x4", (2, 0), (0, 1)),
                       ("C:2x3", (0, 0), (1, 0)), ("C:2x3", (0,), (2,))]:
    one("moveaxis", spec, "%s %s" % (",".join(map(str, src)), ",".join(map(str, dst))),
        lambda s: np.moveaxis(s, src, dst))
for spec, axes in [("C:1x3x1", None), ("C:1x3x1", (0,)), ("C:1x3x1", (0, 2)), ("C:1x3x1", (1,)),
                   ("S:1x3", None), ("C:2x3", (5,)), ("C:1x1", None)]:
    one("squeeze", spec, "none" if axes is None else ",".join(map(str, axes)),
        lambda s: np.squeeze(s, axes))
for spec, axes in [("C:3x4", (0,)), ("C:3x4", (-1,)), ("S:3x4", (0, 2)), ("F:3x4", (1,)), ("C:.", (0, 1)),
                   ("C:3", (0, 0)), ("C:3", (3,)), ("N:2x2", (1, 3))]:
    one("expand_dims", spec, ",".join(map(str, axes)), lambda s: np.expand_dims(s, axes))
for spec, shape in [("C:3", (2, 3)), ("C:1x3", (1, 3)), ("C:1x3", (2, 1, 3)), ("S:2x1", (2, 4)),
                    ("C:3", (4,)), ("C:2x3", (3,)), ("C:.", (2, 2)), ("C:3", (0, 3))]:
    one("broadcast_to", spec, shp(shape), lambda s: np.broadcast_to(s, shape))
for spec, axes in [("C:2x3", None), ("C:2x3", (0,)), ("F:2x3x4", (1, 2)), ("N:3", None), ("C:0x3", None),
                   ("S:2x3", (1,))]:
    one("flip", spec, "none" if axes is None else ",".join(map(str, axes)), lambda s: np.flip(s, axes))

# ---- joining ----
def multi(op, srcs, args, fn):
    arrs = [make_src(s, i) for i, s in enumerate(srcs.split(";"))]
    case(op, srcs, args, lambda: fn(arrs))


for srcs, axis in [("C:2x3;C:4x3", 0), ("C:2x3;F:2x2;N:2x1", 1), ("C:2x3:int32;C:1x3:float32", 0),
                   ("C:2x3;C:2x3", None), ("C:2x2;C:2", 0), ("C:2x2;C:2x3", 0), ("C:.;C:.", 0),
                   ("C:2x3;C:2x3", 2), ("C:0x3;C:2x3", 0), ("S:2x3;C:2x3:int8", -1), ("C:3:uint8;C:2:int8", 0),
                   ("C:2x3x2;C:2x3x2", 1)]:
    multi("concatenate", srcs, "none" if axis is None else str(axis),
          lambda a: np.concatenate(a, axis=axis))
for srcs, axis in [("C:2x3;C:2x3", 0), ("C:2x3;F:2x3;N:2x3", 2), ("C:2x3;C:2x3", -1), ("C:2;C:3", 0),
                   ("C:.;C:.", 0), ("C:2:int16;C:2:float32", 1)]:
    multi("stack", srcs, str(axis), lambda a: np.stack(a, axis=axis))
for spec, axis, idx in [("C:10", 0, (3, 7)), ("C:4x6", 1, (2, 2, 5)), ("N:6x2", 0, (-2, 10)), ("C:5", 0, (4, 1)),
                        ("S:3x6", 1, (1,))]:
    s0 = make_src(spec)
    pieces = np.split(s0, list(idx), axis=axis)
    for w in range(len(pieces)):
        case("split", spec, "%d %s %d" % (axis, ",".join(map(str, idx)), w), lambda: pieces[w], views=(s0,))
for spec, reps in [("C:3", (2,)), ("C:2x3", (2, 2)), ("N:2x3", (3,)), ("C:3", (2, 1, 2)), ("S:2x2", (1, 1)),
                   ("C:.", (3,)), ("C:2x3", (0, 2)), ("C:2x3", (-1,)), ("F:2x1x3", (2, 1, 1, 2))]:
    one("tile", spec, ",".join(map(str, reps)), lambda s: np.tile(s, reps), view_ok=False)
for spec, rep, axis in [("C:3", (2,), 0), ("C:2x3", (1, 0, 2), 1), ("N:2x3", (3,), None), ("F:2x3", (2, 1), 0),
                        ("C:3", (1, 2), 0), ("C:3", (-1,), 0), ("C:2x3", (2,), -1), ("S:2x2", (0,), 0)]:
    one("repeat", spec, "%s %s" % (",".join(map(str, rep)), "none" if axis is None else axis),
        lambda s: np.repeat(s, rep if len(rep) > 1 else rep[0], axis=axis), view_ok=False)
for spec, shifts, axes in [("C:5", (2,), None), ("C:5", (-7,), None), ("C:2x3", (1,), None), ("C:3x4", (1, -1), (0, 1)),
                           ("F:3x4", (5,), (1,)), ("N:3x4", (1, 1), (0, 0)), ("S:2x3", (2,), (-1,)),
                           ("C:0x3", (1,), (0,)), ("C:3x4x2", (1, 2, 1), (0, 1, 2))]:
    one("roll", spec, "%s %s" % (",".join(map(str, shifts)), "none" if axes is None else ",".join(map(str, axes))),
        lambda s: np.roll(s, shifts if len(shifts) > 1 else shifts[0], axis=axes), view_ok=False)
for spec, width, mode, cval in [("C:3", ((2, 1),), "constant", 0), ("C:2x3", ((1, 0), (2, 2)), "constant", 9.5),
                                ("N:2x3", ((1, 2), (0, 1)), "edge", 0), ("F:2x2x2", ((1, 1), (1, 1), (1, 1)), "edge", 0),
                                ("C:3:int32", ((1, 1),), "constant", 7.9), ("C:0x3", ((1, 1), (0, 0)), "edge", 0),
                                ("C:0x3", ((1, 1), (0, 0)), "constant", 0), ("C:3", ((-1, 1),), "constant", 0),
                                ("S:2x3", ((0, 3), (3, 0)), "edge", 0)]:
    flat = ",".join("%d,%d" % w for w in width)
    kw = {"constant_values": cval} if mode == "constant" else {}
    one("pad", spec, "%s %s %s" % (mode, flat, fmt(cval)), lambda s: np.pad(s, width, mode=mode, **kw),
        view_ok=False)

# ---- indexing ----
rng = random.Random(19)


def rand_index(shape):
    idx, toks = [], []
    dims = list(shape)
    k = 0
    nitems = rng.randint(0, min(4, len(shape) + 1))
    used_ell = False
    while len(idx) < nitems:
        r = rng.random()
        n = dims[k] if k < len(dims) else 0
        if r < 0.12:
            idx.append(None)
            toks.append("n")
        elif r < 0.2 and not used_ell:
            used_ell = True
            idx.append(Ellipsis)
            toks.append("e")
            k = len(dims) - (nitems - len(idx))
            k = max(k, 0)
        elif r < 0.4:
            v = rng.randint(-n - 1, n) if n else rng.randint(-1, 1)
            idx.append(v)
            toks.append("i%d" % v)
            k += 1
        elif r < 0.62:
            st = rng.choice([None, None, rng.randint(-n - 2, n + 2)])
            sp = rng.choice([None, None, rng.randint(-n - 2, n + 2)])
            step = rng.choice([None, 1, 2, -1, -2, 3])
            idx.append(slice(st, sp, step))
            toks.append("s%s,%s,%s" % tuple("_" if x is None else str(x) for x in (st, sp, step)))
            k += 1
        elif r < 0.85:
            ishape = rng.choice([(2,), (3,), (1,), (2, 2), (0,), (2, 1), (1, 3), ()])
            hi = max(n, 1)
            arr = np.array([rng.randint(-hi, hi - 1) if rng.random() > 0.05 else hi + 2
                            for _ in range(int(np.prod(ishape)))], dtype=np.int64).reshape(ishape)
            idx.append(arr)
            toks.append(lit(arr))
            k += 1
        else:
            nd = rng.choice([1, 1, 2])
            mshape = tuple(dims[k:k + nd]) if k + nd <= len(dims) else (2,)
            if rng.random() < 0.05:
                mshape = tuple(d + 1 for d in mshape)
            m = np.array([rng.random() < 0.5 for _ in range(int(np.prod(mshape)))], dtype=bool).reshape(mshape)
            idx.append(m)
            toks.append(lit(m))
            k += len(mshape)
    return tuple(idx), " ".join(toks)


for spec in ["C:5", "C:3x4", "F:3x4", "N:3x4", "S:3x4", "C:2x3x4", "F:2x3x4", "C:4x1x3", "C:0x3", "C:.",
             "S:2x3x2"]:
    src = make_src(spec)
    for _ in range(40):
        ix, toks = rand_index(src.shape)
        case("index", spec, toks, lambda: src[ix], views=(src,))
        # assignment: a value of the result's shape (or a broadcast part of it)
        try:
            res = src[ix]
            shape = np.shape(res)
        except Exception:
            shape = (2,)
        vshape = rng.choice([(), shape[-1:] if shape else (), shape, (7,)])
        val = np.round(np.arange(int(np.prod(vshape)), dtype=np.float64) * -1.5 - 1, 1).reshape(vshape)

        def do_set(ix=ix, val=val):
            d = src.copy(order="K")
            d[ix] = val
            return d
        case("set", spec, lit(val) + " " + toks, do_set)
# fixed cases the random ones may miss
for spec, ix, toks in [
        ("C:2x3x4", (0, slice(None), [0, 1]), "i0 s_,_,_ a2:0,1"),
        ("C:2x3x4", (slice(None), 0, [0, 1]), "s_,_,_ i0 a2:0,1"),
        ("C:2x3x4", ([0, 1], slice(None), [0, 1]), "a2:0,1 s_,_,_ a2:0,1"),
        ("C:2x3x4", (slice(None), [[0], [1]], slice(None)), "s_,_,_ a2x1:0,1 s_,_,_"),
        ("F:2x3x4", (slice(None), [[0], [2]], slice(1, 3)), "s_,_,_ a2x1:0,2 s1,3,_"),
        ("C:2x3", (True,), "b.:1"), ("C:2x3", (False,), "b.:0"), ("C:2x3", (slice(None), True), "s_,_,_ b.:1"),
        ("C:2x3", (np.array(1),), "a.:1"), ("C:2x3", (np.array(1), [0, 2]), "a.:1 a2:0,2"),
        ("C:2x3", (np.array([[True, False, True], [False, True, True]]),), "b2x3:1,0,1,0,1,1"),
        ("N:2x3", (np.array([[True, False, True], [False, True, True]]),), "b2x3:1,0,1,0,1,1"),
        ("C:3x4", ([5],), "a1:5"), ("C:3x4", (slice(None), [5]), "s_,_,_ a1:5"),
        ("C:3x4", (None, slice(None), [5]), "n s_,_,_ a1:5"), ("C:3x4", (1, 2, 3), "i1 i2 i3"),
        ("C:3x4", ([1, 2], [1, 2, 3]), "a2:1,2 a3:1,2,3"), ("C:3x4", (np.ones(4, bool),), "b4:1,1,1,1"),
        ("C:3x4", (Ellipsis, Ellipsis), "e e"), ("C:3x4", (slice(None, None, 0),), "s_,_,0"),
        ("C:3", (5,), "i5"), ("C:3x4", (-4,), "i-4"), ("C:3x4", (Ellipsis, 1), "e i1"),
        ("C:3x4", (slice(None, None, -1), slice(10, 0, -2)), "s_,_,-1 s10,0,-2"),
        ("C:3x4", (slice(2, 0), ), "s2,0,_"), ("N:3x4", (slice(2, 0),), "s2,0,_"),
        ("C:2x3x4", ([0], Ellipsis, [0]), "a1:0 e a1:0"), ("C:2x3x4", ([0, 1], None, [0, 1]), "a2:0,1 n a2:0,1"),
        ("C:2x3x4", (True, [0, 1]), "b.:1 a2:0,1")]:
    src = make_src(spec)
    case("index", spec, toks, lambda: src[ix], views=(src,))
for spec, ix, toks, val in [
        ("C:3x4", ([0, 1],), "a2:0,1", np.ones(3)), ("C:3x4", (slice(0, 2),), "s0,2,_", np.ones(3)),
        ("C:3x4", (0,), "i0", np.ones((1, 1, 4))), ("C:3x4", ([0],), "a1:0", np.ones((1, 1, 4))),
        ("C:5", ([0, 0, 1],), "a3:0,0,1", np.array([1.0, 2.0, 3.0])),
        ("C:5:int32", (slice(None),), "s_,_,_", np.array([1.7, -2.7, 3, 4, 5])),
        ("C:2x3", (np.array([[True, False, True], [False, True, True]]),), "b2x3:1,0,1,0,1,1", np.float64(-1)),
        ("C:2x3", (np.array([[True, False, True], [False, True, True]]),), "b2x3:1,0,1,0,1,1",
         np.array([9.0, 8, 7, 6])),
        ("C:6", (slice(1, None),), "s1,_,_", None)]:
    src = make_src(spec)
    if val is None:  # overlapping: a[1:] = a[:-1]

        def do_set_overlap():
            d = src.copy()
            d[1:] = d[:-1]
            return d
        case("set_overlap", spec, toks, do_set_overlap)
        continue

    def do_set(ix=ix, val=val):
        d = src.copy()
        d[ix] = val
        return d
    case("set", spec, lit(val) + " " + toks, do_set)
for spec, ind, axis, mode in [("C:5", [0, -1, 3], None, "raise"), ("C:3x4", [[0, 2], [1, 1]], 1, "raise"),
                              ("F:3x4", [2, 0], 0, "raise"), ("N:3x4", [5, -7], 1, "wrap"), ("S:3x4", [5, -7], 1, "clip"),
                              ("C:3x4", [5], 0, "raise"), ("C:2x0", [1], 1, "clip"), ("C:2x0", [], 1, "raise"),
                              ("C:2x3x4", [1], 1, "raise"), ("C:4", np.array(2), None, "raise")]:
    src = make_src(spec)
    ind = np.asarray(ind, dtype=np.int64)
    case("take", spec, "%s %s %s" % (lit(ind), "none" if axis is None else axis, mode),
         lambda: np.take(src, ind, axis=axis, mode=mode))
for spec, ind, v, mode in [("C:5", [0, 2], [9.0, 8.0], "raise"), ("C:2x3", [0, 5, 1], [7.0], "raise"),
                           ("N:2x3", [7, -8], [1.0, 2.0], "wrap"), ("F:2x3", [7, -8, 1], [1.0, 2.0], "clip"),
                           ("C:5", [5], [1.0], "raise"), ("C:5:int16", [1], [2.9], "raise"), ("C:3", [1], [], "raise")]:
    src = make_src(spec)
    ind = np.asarray(ind, dtype=np.int64)

    def do_put(ind=ind, v=v, mode=mode):
        d = src.copy(order="K")
        np.put(d, ind, v, mode=mode)
        return d
    case("put", spec, "%s %s %s" % (lit(ind), lit(np.asarray(v, dtype=np.float64)), mode), do_put)
for arr in [np.array([0.0, 1.5, 0.0, -0.0, np.nan]), np.array([[1, 0, 2], [0, 0, 3]]),
            np.array([[[True, False], [False, True]]]), np.zeros((0, 3)), np.array(2.5)]:
    case("nonzero", "-", lit(arr), lambda arr=arr: np.array(np.nonzero(arr)))

with open(OUT, "w") as f:
    f.write("# made by make_shape_reference.py with NumPy %s; see its docstring\n" % np.__version__)
    for r in rows:
        f.write(r + "\n")
print("%d cases -> %s" % (len(rows), OUT))
