"""Seed corpora of the fuzz harnesses, a few KB each, cut from data/ and tests/data/ (the first
lines of the files, the harness's mode byte in front): python3 tests/fuzz/make_corpus.py
rewrites tests/fuzz/corpus/. Inputs that once crashed a harness live in tests/fuzz/regression/
and are never rewritten."""
import gzip
import json
import pathlib
import shutil

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fuzz" / "corpus"
DATA, TDATA, GSEM = ROOT / "data", ROOT / "tests" / "data", ROOT / "tests" / "data" / "gsem"


def head(path, lines=25):
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rb") as f:
        return b"".join(f.readline() for _ in range(lines))


def put(harness, name, mode, body):
    d = OUT / harness
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes((bytes([mode]) if mode is not None else b"") + body)


def csv():
    panel = head(DATA / "panel.csv")
    put("csv", "panel", 0, panel)
    put("csv", "panel_chunk5", 5 << 2, panel)
    put("csv", "panel_cr", 0, panel.replace(b"\n", b"\r"))
    put("csv", "panel_crlf_bom_chunk3", 3 << 2, b"\xef\xbb\xbf" + panel.replace(b"\n", b"\r\n"))
    put("csv", "mpdta_gzip", 0, gzip.compress(head(DATA / "mpdta.csv", 40), mtime=0))
    put("csv", "prop99_chunk9", 9 << 2, head(DATA / "california_prop99.csv"))
    put("csv", "quoted", 2 << 2, b'a,b,"c d"\n1,"x,y",NA\n"2",,"say ""hi"""\n0x10,1e5,-inf\n'
                                 b'9007199254740993,NA,1\n')
    put("csv", "ldsc_S_tsv", 1, head(GSEM / "ref" / "ldsc_S.tsv"))
    put("csv", "gwas_blanks", 2, head(GSEM / "ldsc_munge" / "inputs" / "synonyms.txt"))
    put("csv", "ldscore_tabs_batch", 3 | 1 << 2, head(GSEM / "sim" / "ld" / "1.l2.ldscore.gz"))


def formula():
    for i, f in enumerate(["log_wage ~ hours + union | worker + year", "y ~ x*z.1 - 1 | g^s_f",
                           "y ~ -1 + x:z.1 + x | 0", "y ~ x +", "y ~ x | g +", "y~x|g^s_f+g",
                           "y ~ 1", "y ~ x + log(z.1)", "y ~ x ++ z.1", "y ~ y"]):
        put("formula", f"f{i}", None, f.encode())


def mars_json():
    model = {"format": "kestrel.mars", "version": 1, "n": 31, "p": 2, "ny": 1, "nk": 21,
             "max_degree": 1, "termcond": 4, "forward_slots": 5, "family": 0, "penalty": 2,
             "terms": [[], [[0, 1, 14.2]], [[0, -1, 14.2]], [[1, 2, 0]], [[0, 1, 11.1]]],
             "parents": [-1, 0, 0, 0, 0], "selected": [0, 1, 2, 3],
             "coef": [29.0, 6.2, -3.0, 0.3], "glm_coef": None,
             "rss_rsq_gcv_grsq": [200.0, 0.97, 11.25, 0.96], "forward_rsq": [0, 0.8, 0.9, 0.95, 0.96],
             "evimp_nsubsets": [3, 1], "evimp_gcv": [100, 10.5], "evimp_rss": [100, 9],
             "predictors": ["Girth", "He\"ight"], "targets": ["Volume"]}
    put("mars_json", "compact", None, json.dumps(model, separators=(",", ":")).encode())
    put("mars_json", "pretty", None, json.dumps(model, indent=2).encode())
    glm = dict(model, family=1, glm_coef=[0.1, 0.2, -0.3, 0.4], glm_deviance=[3.5],
               glm_null_deviance=[9.0])
    del glm["predictors"], glm["targets"]
    put("mars_json", "glm_no_names", None, json.dumps(glm).encode())


def gwas():
    inputs = GSEM / "ldsc_munge" / "inputs"
    for mode, name in [(0, "synonyms.txt"), (1, "filters.txt"), (2, "merge.txt"),
                       (1, "daner_n.txt"), (0x80 | 0, "flags.txt"), (4, "synonyms.txt")]:
        put("gwas", f"m{mode & 0x7f}_{name}", mode, head(inputs / name))
    raw = GSEM / "sim" / "raw" / "T1.txt.gz"
    put("gwas", "m0_sim_raw", 0, head(raw))
    put("gwas", "m4_sim_raw", 4, head(raw))
    put("gwas", "m3_bulik_sumstats", 3, head(GSEM / "ldsc_test" / "simulate_test" / "sumstats" / "1"))
    put("gwas", "m3_munged", 0x80 | 3, head(GSEM / "ldsc_test" / "munge_test" / "correct.sumstats"))


def ldscore():
    sim, bulik = GSEM / "sim" / "ld", GSEM / "ldsc_test" / "simulate_test" / "ldscore"
    put("ldscore", "gsem_ldscore", 0, head(sim / "1.l2.ldscore.gz", 30))
    # the same rows under the names of the harness's fixed trait (rs1 .. rs24), so that the
    # regression runs on what was read
    lines = head(sim / "1.l2.ldscore.gz", 25).split(b"\n")
    rows = [b"\t".join([f[0], b"rs%d" % i] + f[2:]) for i, f in
            enumerate((ln.split(b"\t") for ln in lines[1:25]), 1)]
    put("ldscore", "gsem_ldscore_trait", 0, b"\n".join([lines[0]] + rows) + b"\n")
    put("ldscore", "gsem_ldscore_gzip", 0, gzip.compress(head(sim / "1.l2.ldscore.gz", 30), mtime=0))
    put("ldscore", "gsem_m", 1, (sim / "1.l2.M_5_50").read_bytes())
    put("ldscore", "bulik_ldscore", 2, head(bulik / "oneld_onefile.l2.ldscore", 30))
    put("ldscore", "bulik_ldscore_two", 2, head(bulik / "twold_onefile2.l2.ldscore", 30))
    put("ldscore", "bulik_m", 3, (bulik / "oneld_onefile.l2.M_5_50").read_bytes())


if __name__ == "__main__":
    shutil.rmtree(OUT, ignore_errors=True)
    for make in (csv, formula, mars_json, gwas, ldscore):
        make()
