"""Writes src/array/random_logfact_table.c: log(k!) for k = 0 .. 125, each the float64 nearest
the exact value (the table NumPy's hypergeometric sampler reads below k = 126, so that kestrel's
HRUA rejections are NumPy's).

Run: python tools/gen_logfact_table.py > src/array/random_logfact_table.c
"""
from decimal import Decimal, getcontext

getcontext().prec = 60
N = 126

print("/* random_logfact_table.c — log(k!) for k = 0 .. 125, each rounded once to float64.")
print(" * Written by tools/gen_logfact_table.py: do not edit. */")
print('#include "array/random_internal.h"')
print()
print(f"const double ks__logfact[{N}] = {{")
f = Decimal(1)
vals = []
for k in range(N):
    if k > 1:
        f *= k
    vals.append(float(f.ln()) if k > 1 else 0.0)
for v in vals:
    print(f"    {v!r},")
print("};")
