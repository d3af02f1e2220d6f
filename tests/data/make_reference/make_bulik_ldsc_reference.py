"""Reference values of bulik/ldsc's --h2 and --rg for tests/python/test_gsem_h2rg.py.

Run with the ldscore package of bulik/ldsc (commit aa33296) ported to Python 3 (see
tests/data/PROVENANCE.md: the port is mechanical and is not part of this repository):

    python3 make_bulik_ldsc_reference.py /path/to/ported/ldsc

It writes, under tests/data/gsem/ldsc_test/,
  derived/*      summary statistics made from the fixture's replicates to exercise the readers and
                 the allele rules (deterministic: no random numbers),
  bulik_reference.json   upstream's estimates for each case, as Python's repr of the doubles.
Only upstream's own functions compute: estimate_h2 / estimate_rg (ldscore/sumstats.py) with an
args object holding ldsc.py's defaults, and for the cases upstream's command line cannot express
(h2 with the two-step estimator off) its Hsq class on the data its _read_ld_sumstats returns.
"""
import gzip
import json
import pathlib
import sys

import numpy as np

HERE = pathlib.Path(__file__).resolve().parent
FIX = HERE.parent / "gsem" / "ldsc_test"
SIM = FIX / "simulate_test"
DER = FIX / "derived"


class Log:
    """Keeps the log lines that count SNPs, and errors."""

    KEEP = ("Read ", "After merging", "Removed ", "Dropped ", "ERROR")

    def __init__(self):
        self.lines = []

    def log(self, x):
        x = str(x)
        if x.startswith(self.KEEP) or x.endswith("SNPs with valid alleles."):
            self.lines.append(x.split("\n")[0])


class Args:
    pass


def args(**kw):
    """ldsc.py's parser defaults for the options --h2 / --rg read, then kw."""
    a = Args()
    d = dict(out="/tmp/bulik_ref", h2=None, rg=None, ref_ld=None, ref_ld_chr=None, w_ld=None,
             w_ld_chr=None, overlap_annot=False, print_coefficients=False, frqfile=None,
             frqfile_chr=None, no_intercept=False, intercept_h2=None, intercept_gencov=None, M=None,
             two_step=None, chisq_max=None, print_cov=False, print_delete_vals=False,
             invert_anyway=False, n_blocks=200, not_M_5_50=False, return_silly_things=False,
             no_check_alleles=False, samp_prev=None, pop_prev=None)
    d.update(kw)
    a.__dict__.update(d)
    return a


def f(x):
    if x is None or (isinstance(x, str) and x == "NA"):
        return None
    a = np.asarray(x, dtype=float).ravel()
    return float(a[0]) if a.size == 1 else [float(v) for v in a]


def fit(h, hsq=True):
    d = dict(tot=f(h.tot), tot_se=f(h.tot_se), intercept=f(h.intercept),
             intercept_se=f(getattr(h, "intercept_se", None)), coef=f(h.coef), coef_se=f(h.coef_se),
             cat=f(h.cat), cat_se=f(h.cat_se), prop=f(h.prop), prop_se=f(h.prop_se),
             enrichment=f(h.enrichment), M=f(h.M), n_blocks=int(h.jknife.delete_values.shape[0]))
    if hsq:
        d.update(mean_chisq=f(h.mean_chisq), lambda_gc=f(h.lambda_gc),
                 ratio=f(getattr(h, "ratio", None)), ratio_se=f(getattr(h, "ratio_se", None)))
    else:
        d.update(mean_z1z2=f(h.mean_z1z2), z=f(h.z), p=f(h.p))
    return d


def rel(p):
    return str(pathlib.Path(p).relative_to(FIX))


def make_derived():
    """flip: replicate 1 with A1/A2 swapped (Z negated), strand-flipped, both, strand-ambiguous,
    equal alleles and lower-case rows; messy.sumstats.gz: replicate 2 with missing cells, repeated
    SNPs (a missing first copy among them), empty merge-allele rows and SNPs not in the LD scores."""
    DER.mkdir(exist_ok=True)
    comp = {"A": "T", "T": "A", "C": "G", "G": "C"}
    lines = (SIM / "sumstats" / "1").read_text().splitlines()
    head, rows = lines[0].split("\t"), [l.split("\t") for l in lines[1:]]
    ia1, ia2, iz = head.index("A1"), head.index("A2"), head.index("Z")
    out = ["\t".join(head)]
    for i, r in enumerate(rows):
        r = list(r)
        neg = lambda z: z[1:] if z.startswith("-") else "-" + z
        if i % 5 == 0:
            r[ia1], r[ia2], r[iz] = r[ia2], r[ia1], neg(r[iz])
        elif i % 5 == 1:
            r[ia1], r[ia2] = comp[r[ia1]], comp[r[ia2]]
        elif i % 5 == 2:
            r[ia1], r[ia2], r[iz] = comp[r[ia2]], comp[r[ia1]], neg(r[iz])
        elif i % 7 == 3:
            r[ia1], r[ia2] = "A", "T"
        elif i % 11 == 4:
            r[ia1], r[ia2] = "A", "A"
        elif i % 13 == 8:
            r[ia1], r[ia2] = r[ia1].lower(), r[ia2].lower()
        out.append("\t".join(r))
    (DER / "flip.sumstats").write_text("\n".join(out) + "\n")

    lines = (SIM / "sumstats" / "2").read_text().splitlines()
    head, rows = lines[0].split("\t"), [l.split("\t") for l in lines[1:]]
    isnp, iN, iz = head.index("SNP"), head.index("N"), head.index("Z")
    order = ["SNP", "A1", "A2", "Z", "N"]  # munge_sumstats.py's column order
    out = ["\t".join(order)]
    for i, r in enumerate(rows):
        d = dict(zip(head, r))
        if i % 37 == 5:
            d["Z"] = "NA"
        if i % 41 == 7:
            d["N"] = "."
        if i % 53 == 11:  # a merge-allele row: the name, empty cells
            out.append(d["SNP"] + "\t\t\t\t")
            continue
        out.append("\t".join(d[c] for c in order))
        if i % 29 == 3:  # a repeated SNP: the second copy is dropped
            out.append("\t".join(d[c] if c != "Z" else "9.999" for c in order))
        if i % 31 == 9:  # a repeated SNP whose first copy is missing
            out[-1] = "\t".join(d[c] if c != "Z" else "nan" for c in order)
            out.append("\t".join(d[c] for c in order))
    out.append("rs99999\tA\tG\t1.234\t10000.000")  # not in the LD scores
    with gzip.GzipFile(DER / "messy.sumstats.gz", "wb", mtime=0) as fh:  # (byte-identical reruns)
        fh.write(("\n".join(out) + "\n").encode())


def make_flip_valid(s):
    """flip_valid: the rows of flip whose alleles, against replicate 0's, are in upstream's
    MATCH_ALLELES (upstream stops a pair with a KeyError on any other row: its issue #24)."""
    ref = {}
    for l in (SIM / "sumstats" / "0").read_text().splitlines()[1:]:
        d = dict(zip(["A1", "A2", "N", "SNP", "Z"], l.split("\t")))
        ref[d["SNP"]] = d["A1"] + d["A2"]
    lines = (DER / "flip.sumstats").read_text().splitlines()
    head = lines[0].split("\t")
    keep = [lines[0]]
    for l in lines[1:]:
        d = dict(zip(head, l.split("\t")))
        if ref[d["SNP"]] + d["A1"] + d["A2"] in s.MATCH_ALLELES:
            keep.append(l)
    (DER / "flip_valid.sumstats").write_text("\n".join(keep) + "\n")


def main(port):
    sys.path.insert(0, str(port))
    from ldscore import regressions as reg
    from ldscore import sumstats as s

    np.seterr(divide="raise", invalid="raise")
    make_derived()
    make_flip_valid(s)
    L = lambda name: str(SIM / "ldscore" / name)
    ss = lambda i: str(SIM / "sumstats" / str(i))
    W = L("w")
    cases = []

    def h2(name, **kw):
        a = args(**kw)
        log = Log()
        h = s.estimate_h2(a, log)
        d = fit(h)
        if a.samp_prev is not None:
            c = reg.h2_obs_to_liab(1, float(a.samp_prev), float(a.pop_prev))
            d.update(h2_liab=f(c * h.tot), h2_liab_se=f(c * h.tot_se))
        cases.append(dict(kind="h2", name=name, opts=kw, fit=d,
                          log=log.lines))

    def h2_no_twostep(name, **kw):
        """estimate_h2 with one annotation, two_step None: upstream's Hsq on its merged data."""
        a = args(**kw)
        M_annot, w_cname, ref_cnames, st, _ = s._read_ld_sumstats(a, Log(), a.h2)
        n = len(st)
        col = lambda x: np.array(x).reshape((n, 1))
        h = reg.Hsq(col(st.Z ** 2), np.array(st[ref_cnames]), col(st[w_cname]), col(st.N), M_annot,
                    n_blocks=min(n, a.n_blocks), intercept=a.intercept_h2, twostep=None)
        cases.append(dict(kind="h2", name=name, opts=dict(kw, two_step=False), fit=fit(h), log=[]))

    def rg(name, files, **kw):
        a = args(rg=",".join(files), **kw)
        log = Log()
        res = s.estimate_rg(a, log)
        pairs = []
        for r in res:
            if r is None:
                pairs.append(None)
                continue
            p = dict(hsq1=fit(r.hsq1), hsq2=fit(r.hsq2), gencov=fit(r.gencov, hsq=False))
            if r._negative_hsq:
                p.update(rg=None, rg_se=None, z=None, p=None)
            else:
                p.update(rg=r.rg_ratio, rg_se=r.rg_se, rg_jknife=r.rg_jknife, z=f(r.z), p=f(r.p))
            pairs.append(p)
        cases.append(dict(kind="rg", name=name, files=[rel(x) for x in files], opts=kw,
                          pairs=pairs, log=log.lines))

    for i in range(3):
        h2(f"h2 one annotation, replicate {i} (two-step 30)", h2=ss(i), ref_ld=L("oneld_onefile"), w_ld=W)
        h2(f"h2 two annotations, replicate {i} (old weights, chi2 < 80)", h2=ss(i),
           ref_ld=L("twold_onefile"), w_ld=W)
        h2_no_twostep(f"h2 one annotation, replicate {i}, two-step off", h2=ss(i),
                      ref_ld=L("oneld_onefile"), w_ld=W)
    h2("h2 constrained intercept 1", h2=ss(3), ref_ld=L("oneld_onefile"), w_ld=W, intercept_h2=1.0)
    h2("h2 constrained intercept 1.2, two annotations", h2=ss(3), ref_ld=L("twold_onefile"), w_ld=W,
       intercept_h2=1.2)
    h2("h2 no intercept", h2=ss(4), ref_ld=L("oneld_onefile"), w_ld=W, no_intercept=True)
    h2("h2 two-step 10", h2=ss(4), ref_ld=L("oneld_onefile"), w_ld=W, two_step=10.0)
    h2("h2 chi2 < 50", h2=ss(5), ref_ld=L("oneld_onefile"), w_ld=W, chisq_max=50.0)
    h2("h2 two annotations, chi2 < 99999", h2=ss(5), ref_ld=L("twold_onefile"), w_ld=W,
       chisq_max=99999.0)
    h2("h2 liability scale", h2=ss(6), ref_ld=L("oneld_onefile"), w_ld=W, samp_prev="0.5",
       pop_prev="0.1")
    h2("h2 split by chromosome", h2=ss(7), ref_ld_chr=L("oneld_onefile"), w_ld=W)
    h2("h2 split by chromosome, two annotations in two files", h2=ss(7),
       ref_ld_chr=L("twold_firstfile") + "," + L("twold_secondfile"), w_ld=W)
    h2("h2 two annotations in two files", h2=ss(7),
       ref_ld=L("twold_firstfile") + "," + L("twold_secondfile"), w_ld=W)
    h2("h2 --M", h2=ss(8), ref_ld=L("oneld_onefile"), w_ld=W, M="100000")
    h2("h2 n_blocks 50", h2=ss(8), ref_ld=L("oneld_onefile"), w_ld=W, n_blocks=50)
    h2("h2 messy gzip file", h2=str(DER / "messy.sumstats.gz"), ref_ld=L("oneld_onefile"), w_ld=W)

    rg("rg one annotation", [ss(0), ss(1), ss(2), ss(3)], ref_ld=L("oneld_onefile"), w_ld=W)
    rg("rg two-step 30", [ss(0), ss(1), ss(2)], ref_ld=L("oneld_onefile"), w_ld=W, two_step=30.0)
    rg("rg no intercept", [ss(4), ss(5), ss(6)], ref_ld=L("oneld_onefile"), w_ld=W, no_intercept=True)
    rg("rg constrained intercepts", [ss(4), ss(5), ss(6)], ref_ld=L("oneld_onefile"), w_ld=W,
       intercept_h2="1,1.1,0.9", intercept_gencov="0,0.05,-0.05")
    rg("rg liability scale", [ss(7), ss(8)], ref_ld=L("oneld_onefile"), w_ld=W,
       samp_prev="nan,0.5", pop_prev="nan,0.1")
    rg("rg two annotations", [ss(9), ss(10), ss(11)], ref_ld=L("twold_onefile"), w_ld=W)
    rg("rg chi2 max 40", [ss(12), ss(13)], ref_ld=L("oneld_onefile"), w_ld=W, chisq_max=40.0)
    rg("rg allele flips", [ss(0), str(DER / "flip.sumstats")], ref_ld=L("oneld_onefile"), w_ld=W)
    rg("rg allele flips, valid rows", [ss(0), str(DER / "flip_valid.sumstats")],
       ref_ld=L("oneld_onefile"), w_ld=W)
    rg("rg messy second", [ss(0), str(DER / "messy.sumstats.gz")], ref_ld=L("oneld_onefile"), w_ld=W)
    rg("rg messy first", [str(DER / "messy.sumstats.gz"), ss(0)], ref_ld=L("oneld_onefile"), w_ld=W)
    rg("rg split by chromosome", [ss(14), ss(15)], ref_ld_chr=L("oneld_onefile"), w_ld=W)

    import pandas, scipy
    out = dict(source="bulik/ldsc aa33296 ldscore/, ported to Python 3 (tests/data/PROVENANCE.md)",
               versions=dict(python=sys.version.split()[0], numpy=np.__version__,
                             pandas=pandas.__version__, scipy=scipy.__version__),
               cases=cases)
    # paths relative to the repository's root, so that any checkout can run the cases
    text = json.dumps(out, indent=1).replace(str(HERE.parents[2]) + "/", "")
    (FIX / "bulik_reference.json").write_text(text + "\n")
    print(f"{len(cases)} cases written to {FIX / 'bulik_reference.json'}")


if __name__ == "__main__":
    main(pathlib.Path(sys.argv[1]))
