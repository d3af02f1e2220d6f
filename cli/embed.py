#!/usr/bin/env python3
"""Turn a data file into a C array, so `kestrel demo` carries its sample data (build step)."""
import sys

src, dst, name = sys.argv[1], sys.argv[2], sys.argv[3]
data = open(src, "rb").read()
with open(dst, "w") as f:
    f.write("/* generated from %s by cli/embed.py; do not edit */\n#include <stddef.h>\n" % src.split("/")[-1])
    f.write("const unsigned char %s[] = {\n" % name)
    for i in range(0, len(data), 16):
        f.write("  " + ", ".join(str(b) for b in data[i:i + 16]) + ",\n")
    f.write("};\nconst size_t %s_len = %d;\n" % (name, len(data)))
