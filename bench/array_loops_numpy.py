"""NumPy's ns per element for the cases of bench/array_loops.c: each ufunc's float64 (or float32)
loop (int64 where it has none) on 1M contiguous elements, out= a buffer already touched, one
thread, the minimum of 20 runs. Run: OMP_NUM_THREADS=1 python3 bench/array_loops_numpy.py [N] [float32]"""
import sys
import timeit

import numpy as np

N = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
FT = np.float32 if len(sys.argv) > 2 and sys.argv[2] == "float32" else np.float64
FC = np.dtype(FT).char
RANGES = {"arcsin": (-0.9, 0.9), "arccos": (-0.9, 0.9), "arctanh": (-0.9, 0.9), "arccosh": (1.0, 5.0),
          "sin": (-10, 10), "cos": (-10, 10), "tan": (-10, 10), "exp": (-20, 20), "sinh": (-20, 20),
          "cosh": (-20, 20)}
NAMES = ("add subtract multiply divide floor_divide remainder fmod power maximum minimum fmax fmin "
         "hypot arctan2 copysign logaddexp logaddexp2 equal not_equal less less_equal greater "
         "greater_equal logical_and logical_or logical_xor bitwise_and bitwise_or bitwise_xor "
         "left_shift right_shift negative positive absolute sign logical_not invert floor ceil "
         "trunc rint sqrt cbrt square reciprocal exp exp2 expm1 log log2 log10 log1p sin cos tan "
         "arcsin arccos arctan sinh cosh tanh arcsinh arccosh arctanh deg2rad rad2deg isnan isinf "
         "isfinite signbit conjugate").split()

rng = np.random.default_rng(42)
print("ufunc\tdtype\tns_per_elem")
for name in NAMES:
    uf = getattr(np, name)
    lo, hi = RANGES.get(name, (0.5, 5.0))
    a = rng.uniform(lo, hi, N)
    b = rng.uniform(0.5, 3.0, N)
    dt = np.dtype(FT).name if any(t.startswith(FC * uf.nin + "->") for t in uf.types) else "int64"
    if dt != "int64":
        a, b = a.astype(FT), b.astype(FT)
    else:
        a = (a * 1000).astype(np.int64)
        b = 1 + (b * 10).astype(np.int64)
    args = (a, b) if uf.nin == 2 else (a,)
    out = np.empty(N, dtype=uf(*[x[:1] for x in args]).dtype)
    best = min(timeit.repeat(lambda: uf(*args, out=out), number=1, repeat=22)[2:])
    print(f"{name}\t{dt}\t{best / N * 1e9:.3f}")
