"""Writes src/array/random_ziggurat_tables.c: the ziggurat tables of NumPy's Generator
(standard_normal and standard_exponential, float64 and float32), rebuilt from their construction
so that kestrel's draws are NumPy's, bit for bit.

A 256-layer ziggurat for a density f (normal: exp(-x^2/2); exponential: exp(-x)) with tail start r
and layer area v: x[255] = r, x[i] = f^-1(v / x[i+1] + f(x[i+1])) for i = 254 .. 1. Per layer i
the tables hold w[i] = x[i] / 2^b (b the bits of the uniform draw), f[i] = f(x[i]) and
k[i] = (x[i-1] / x[i]) 2^b, the acceptance bound; layer 0 is the base strip (the tail folded in):
w[0] = v / f(r) / 2^b, k[0] = r f(r) / v 2^b, f[0] = 1, k[1] = 0.

NumPy's tables were made in different ways per table; these rules reproduce every entry (checked
against NumPy 2.4.6's draws by tests/python/test_nd_random.py):
- normal float64: the recursion in float64 arithmetic from r and v = 0.0049286732339746519,
  k rounded to nearest from the float64 product; NumPy's chain went on from one ulp below x[38]
  while its table keeps x[38] itself.
- exponential float64: the recursion exact (v = r f(r) + the tail's area), each entry rounded once,
  k = 2 floor(ratio 2^52).
- float32 (both): the recursion exact, k rounded to nearest; the normal's w and f rounded once to
  float32, the exponential's printed with 9 digits and read back as float32.

Run: python tools/gen_ziggurat_tables.py > src/array/random_ziggurat_tables.c (needs mpmath).
"""
import math

import mpmath as mp

mp.mp.prec = 256
N = 256
NOR_R = "3.6541528853610087963519472518"
EXP_R = "7.6971174701310497140446280481"


def nor(x):
    return mp.exp(-x * x / 2)


def nor_inv(y):
    return mp.sqrt(-2 * mp.log(y))


def expo(x):
    return mp.exp(-x)


def expo_inv(y):
    return -mp.log(y)


def exact_chain(f, finv, r, v):
    x = [None] * N
    x[N - 1] = r
    for i in range(N - 2, 0, -1):
        x[i] = finv(v / x[i + 1] + f(x[i + 1]))
    return x


def exact_tables(f, finv, r, v, bits):
    """x's ratios, w and f exact (mpf), layer 0 the base strip."""
    x = exact_chain(f, finv, r, v)
    m = mp.mpf(2) ** bits
    ratio = [r * f(r) / v, mp.mpf(0)] + [x[i - 1] / x[i] for i in range(2, N)]
    w = [v / f(r) / m] + [x[i] / m for i in range(1, N)]
    fx = [mp.mpf(1)] + [f(x[i]) for i in range(1, N)]
    return [q * m for q in ratio], w, fx


def normal_double():
    """The float64 normal tables: the recursion in float64 arithmetic (see the module's text)."""
    r, v, m = float(NOR_R), 0.0049286732339746519, 2.0**52
    x = [0.0] * N
    x[N - 1] = r
    for i in range(N - 2, 0, -1):
        d = x[i + 1]
        if i + 1 == 38:
            d = math.nextafter(d, 0.0)
        x[i] = math.sqrt(-2.0 * math.log(v / d + math.exp(-0.5 * d * d)))
    chain = list(x)
    chain[38] = math.nextafter(x[38], 0.0)  # what the later layers and f[38] were made from
    q = v / math.exp(-0.5 * r * r)
    k = [round((r / q) * m), 0] + [round((x[i - 1] / x[i]) * m) for i in range(2, N)]
    w = [q / m] + [x[i] / m for i in range(1, N)]
    f = [1.0] + [math.exp(-0.5 * chain[i] * chain[i]) for i in range(1, N)]
    return k, w, f


def exponential_double():
    r = mp.mpf(EXP_R)
    v = r * mp.exp(-r) + mp.exp(-r)  # the last layer's box plus the tail's area
    k, w, f = exact_tables(expo, expo_inv, r, v, 53)
    return [2 * int(mp.floor(q / 2)) for q in k], [float(z) for z in w], [float(z) for z in f]


def to_f32(z):
    with mp.workprec(24):
        return float(+z)


def printed_f32(z):
    """z as NumPy's exponential float32 table has it: printed with 9 digits, then read as a
    float32 (twice rounded: a few entries are one ulp from z rounded once)."""
    return to_f32(mp.mpf("%.8e" % float(z)))


def float_tables(f, finv, r, v, rnd):
    k, w, fx = exact_tables(f, finv, r, v, 23)
    return [int(mp.nint(q)) for q in k], [rnd(z) for z in w], [rnd(z) for z in fx]


def normal_float():
    r = mp.mpf(NOR_R)
    v = r * nor(r) + mp.sqrt(mp.pi / 2) * mp.erfc(r / mp.sqrt(2))
    return float_tables(nor, nor_inv, r, v, to_f32)


def exponential_float():
    r = mp.mpf(EXP_R)
    return float_tables(expo, expo_inv, r, r * mp.exp(-r) + mp.exp(-r), printed_f32)


def tables():
    out = {}
    for name, (k, w, f) in (("nor64", normal_double()), ("exp64", exponential_double()),
                            ("nor32", normal_float()), ("exp32", exponential_float())):
        out[name] = ([int(q) for q in k], w, f)
    return out


def emit(name, ctype, values, fmt, per_line):
    lines = [f"const {ctype} ks__zig_{name}[256] = {{"]
    for i in range(0, N, per_line):
        lines.append("    " + ", ".join(fmt(v) for v in values[i:i + per_line]) + ",")
    lines.append("};")
    return "\n".join(lines)


def main():
    t = tables()
    parts = ["/* random_ziggurat_tables.c — the ziggurat tables of NumPy's Generator (normal and "
             "exponential,\n * float64 and float32). Written by tools/gen_ziggurat_tables.py: do "
             "not edit. */",
             '#include "array/random_internal.h"', ""]
    for name in ("nor64", "exp64", "nor32", "exp32"):
        k, w, f = t[name]
        is64 = name.endswith("64")
        ktype = "uint64_t" if is64 else "uint32_t"
        ftype = "double" if is64 else "float"
        kfmt = (lambda v: f"0x{v:x}u") if not is64 else (lambda v: f"0x{v:x}ull")
        ffmt = (lambda v: v.hex()) if is64 else (lambda v: v.hex() + "f")
        parts.append(emit("k" + name, ktype, k, kfmt, 4))
        parts.append(emit("w" + name, ftype, w, ffmt, 3))
        parts.append(emit("f" + name, ftype, f, ffmt, 3))
        parts.append("")
    print("\n".join(parts).rstrip())


if __name__ == "__main__":
    main()
