"""Passed / failed / skipped per test module, then the failed tests, from the Array API
suite's JUnit XML (run.sh):
  python summary.py junit.xml MODULE VERSION"""
import collections
import sys
import xml.etree.ElementTree as ET


def main(path, module, version):
    counts = collections.defaultdict(collections.Counter)
    failed = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("classname", "").split(".")
        mod = next((p for p in name if p.startswith("test_")), ".".join(name))
        kinds = {child.tag for child in case}
        kind = ("failed" if kinds & {"failure", "error"} else "skipped" if "skipped" in kinds
                else "passed")
        counts[mod][kind] += 1
        if kind == "failed":
            failed.append(f"{mod}::{case.get('name')}")
    print(f"\nArray API {version} suite over {module}: per test module\n")
    print(f"| {'module':<42} | passed | failed | skipped |")
    print(f"|{'-' * 44}|--------|--------|---------|")
    total = collections.Counter()
    for mod in sorted(counts):
        c = counts[mod]
        total.update(c)
        print(f"| {mod:<42} | {c['passed']:>6} | {c['failed']:>6} | {c['skipped']:>7} |")
    t = total
    print(f"| {'total':<42} | {t['passed']:>6} | {t['failed']:>6} | {t['skipped']:>7} |")
    if failed:
        print("\nfailed:\n  " + "\n  ".join(failed))


if __name__ == "__main__":
    main(*sys.argv[1:4])
