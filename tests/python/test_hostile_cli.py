"""The kestrel command under conditions a user meets by accident: results written to a full
device must fail the run (exit 1, the reason on stderr), never exit 0 with a truncated table."""
import subprocess

import pytest

from conftest import DATA, SAMPLE

pytestmark = pytest.mark.hostile

FULL_CASES = {
    "version": ["--version"],
    "help": ["--help"],
    "feols-help": ["feols", "--help"],
    "feols": ["feols", "--data", str(SAMPLE / "panel.csv"), "--formula", "log_wage ~ hours | worker"],
    "describe": ["describe", "--data", str(SAMPLE / "mpdta.csv")],
    "did-cs-json": ["did", "cs", "--data", str(SAMPLE / "mpdta.csv"), "--outcome", "lemp", "--unit",
                    "countyreal", "--time", "year", "--first-treat", "first.treat", "--json"],
    "demo": ["demo"],
}


@pytest.mark.parametrize("args", FULL_CASES.values(), ids=FULL_CASES.keys())
def test_stdout_to_full_device_fails(kestrel_bin, args):
    with open("/dev/full", "w") as full:
        r = subprocess.run([kestrel_bin, *args], stdout=full, stderr=subprocess.PIPE, text=True,
                           timeout=300)
    assert r.returncode == 1, r.stderr
    assert "cannot write to standard output: No space left on device" in r.stderr


# Every subcommand, with the arguments that make a valid run of it (file paths relative to the
# repository root).
COMMANDS = {
    "feols": ["--data", str(SAMPLE / "panel.csv"), "--formula", "log_wage ~ hours | worker"],
    "did cs": ["--data", str(SAMPLE / "mpdta.csv"), "--outcome", "lemp", "--unit", "countyreal",
               "--time", "year", "--first-treat", "first.treat"],
    "did sdid": ["--data", str(SAMPLE / "california_prop99.csv"), "--outcome", "PacksPerCapita",
                 "--unit", "State", "--time", "Year", "--treatment", "treated",
                 "--variance-method", "none"],
    "did basic": ["--data", str(SAMPLE / "basic_small.csv"), "--outcome", "outcome", "--treatment",
                  "treated", "--time", "post"],
    "did twfe": ["--data", str(SAMPLE / "basic_small.csv"), "--outcome", "outcome", "--treatment",
                 "treated", "--time", "post", "--unit", "unit"],
    "did sunab": ["--data", str(SAMPLE / "mpdta.csv"), "--outcome", "lemp", "--unit", "countyreal",
                  "--time", "year", "--first-treat", "first.treat"],
    "did bacon": ["--data", str(SAMPLE / "mpdta.csv"), "--outcome", "lemp", "--unit", "countyreal",
                  "--time", "year", "--first-treat", "first.treat"],
    "mars fit": ["--data", str(SAMPLE / "ozone1.csv"), "--target", "O3"],
    "describe": ["--data", str(SAMPLE / "mpdta.csv")],
    "munge": ["--files", str(DATA / "gsem/sim/raw/T1.txt.gz"), "--hm3",
              str(DATA / "gsem/sim/w_hm3.snplist.gz"), "--out-dir", "never-made"],
    "munge --mode ldsc": ["--sumstats", str(DATA / "gsem/ldsc_test/munge_test/sumstats"),
                          "--out", "never-written"],
    "ldsc": ["--traits", str(DATA / "gsem/ref/munged/T1.sumstats.gz"), "--ld",
             str(DATA / "gsem/sim/ld"), "--out", "never-written"],
    "ldsc --h2": ["--h2", str(DATA / "gsem/ldsc_test/simulate_test/sumstats/0"), "--ref-ld",
                  str(DATA / "gsem/ldsc_test/simulate_test/ldscore/oneld_onefile"), "--w-ld",
                  str(DATA / "gsem/ldsc_test/simulate_test/ldscore/w"), "--out", "never-written"],
    "sumstats": ["--files", str(DATA / "gsem/sim/raw/T1.txt.gz"), "--ref",
                 str(DATA / "gsem/sim/reference.snps.gz"), "--se-logit", "F",
                 "--out", "never-written.tsv"],
}
# The option that names the input file, where it is not --data; what the errors start with.
INPUT = {"munge": "--files", "munge --mode ldsc": "--sumstats", "ldsc": "--traits",
         "ldsc --h2": "--h2", "sumstats": "--files"}
PREFIX = {"munge --mode ldsc": "munge", "ldsc --h2": "ldsc"}
MODE = {"munge --mode ldsc": ["--mode", "ldsc"], "ldsc --h2": ["--h2", "x"]}


def words(cmd):
    """The command's words on the command line: a mode chosen by a flag (bulik's munge and ldsc)
    puts that flag after the subcommand."""
    return cmd.split()[:1] + MODE.get(cmd, cmd.split()[1:])


def prefix(cmd):
    return f"kestrel {PREFIX.get(cmd, cmd)}: "


def run(*args):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("cmd", COMMANDS)
def test_help_is_one_aligned_table_with_threads(kestrel_bin, cmd):
    r = run(kestrel_bin, *words(cmd), "--help")
    assert r.returncode == 0 and r.stderr == ""
    assert r.stdout.startswith(f"usage: kestrel {cmd.split(' --h2')[0]} ")
    opts = r.stdout.split("\noptions:\n")[1].split("\n\n")[0].splitlines()
    assert any(line.startswith("  --threads N") for line in opts), "every command takes --threads"
    cols = set()
    for line in opts:
        if line.startswith("  --"):
            label, _, rest = line[2:].partition("  ")
            if rest.strip():
                cols.add(len(line) - len(rest.lstrip()))
        else:  # a continuation line sits in the same column
            cols.add(len(line) - len(line.lstrip()))
    assert len(cols) == 1, f"help text of {cmd} not aligned: columns {sorted(cols)}"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_usage_errors_exit_2_with_the_command_prefix(kestrel_bin, cmd, tmp_path):
    for args, what in ([["--bogus"], "unknown option '--bogus'"],
                       [[], "required"],
                       [[*COMMANDS[cmd], "--threads", "many"], "--threads 'many' is not a count"],
                       [[*COMMANDS[cmd], "--threads"], "needs a value"]):
        r = subprocess.run([kestrel_bin, *words(cmd), *args], capture_output=True, text=True,
                           timeout=300, cwd=tmp_path)
        assert r.returncode == 2, (args, r.stderr)
        assert r.stderr.startswith(prefix(cmd)) and what in r.stderr, (args, r.stderr)
        assert r.stdout == ""
    assert list(tmp_path.iterdir()) == [], "a failed run leaves nothing behind"


@pytest.mark.parametrize("cmd", COMMANDS)
def test_data_errors_exit_1_with_the_reason(kestrel_bin, cmd, tmp_path):
    args = list(COMMANDS[cmd])
    i = args.index(INPUT.get(cmd, "--data")) + 1
    work = tmp_path / "work"
    work.mkdir()
    for path, reason in ((tmp_path / "missing.csv", "No such file or directory"),
                         (tmp_path, "Is a directory")):
        args[i] = str(path)
        r = subprocess.run([kestrel_bin, *words(cmd), *args], capture_output=True, text=True,
                           timeout=300, cwd=work)
        assert r.returncode == 1, r.stderr
        assert r.stderr.startswith(prefix(cmd)) and reason in r.stderr, r.stderr
    assert list(work.iterdir()) == [], "a failed run leaves nothing behind"


def test_python_names_and_their_aliases(kestrel_bin):
    """Options carry the Python API's argument names; the older spellings stay as aliases that
    give the same result, and a message names the option as it was typed."""
    base = COMMANDS["did cs"]
    new = run(kestrel_bin, "did", "cs", *base, "--json", "--control-group", "not_yet_treated",
              "--estimation-method", "reg")
    old = run(kestrel_bin, "did", "cs", *base, "--json", "--control", "not_yet_treated",
              "--method", "reg")
    assert new.returncode == 0 and new.stdout == old.stdout
    r = run(kestrel_bin, "did", "cs", *base, "--method", "ols")
    assert r.returncode == 2 and "--method 'ols'" in r.stderr
    assert "is not one of 'dr', 'ipw', 'reg'" in r.stderr
    r = run(kestrel_bin, "did", "cs", *base, "--estimation-method", "ols")
    assert r.returncode == 2 and "--estimation-method 'ols'" in r.stderr
    sdid = COMMANDS["did sdid"][:-2]
    a = run(kestrel_bin, "did", "sdid", *sdid, "--json", "--variance-method", "placebo",
            "--n-bootstrap", "20", "--seed", "3")
    b = run(kestrel_bin, "did", "sdid", *sdid, "--json", "--variance", "placebo",
            "--replications", "20", "--seed", "3")
    assert a.returncode == 0 and a.stdout == b.stdout
    a = run(kestrel_bin, "mars", "fit", *COMMANDS["mars fit"], "--max-degree", "2", "--json")
    b = run(kestrel_bin, "mars", "fit", *COMMANDS["mars fit"], "--degree", "2", "--json")
    assert a.returncode == 0 and a.stdout == b.stdout
    assert "(also --degree)" in run(kestrel_bin, "mars", "fit", "--help").stdout


def test_bootstrap_options_without_the_bootstrap_are_an_error(kestrel_bin):
    r = run(kestrel_bin, "did", "basic", *COMMANDS["did basic"], "--seed", "3")
    assert r.returncode == 2 and "need --inference wild_bootstrap" in r.stderr
    r = run(kestrel_bin, "did", "basic", *COMMANDS["did basic"], "--inference", "wild_bootstrap",
            "--cluster", "unit", "--n-bootstrap", "99", "--json")
    w = run(kestrel_bin, "did", "basic", *COMMANDS["did basic"], "--wild-bootstrap", "99",
            "--cluster", "unit", "--json")
    assert r.returncode == 0 and r.stdout == w.stdout


@pytest.mark.parametrize("cmd,opt", [
    ("did cs", "--covariates"), ("did cs", "--aggregate"), ("did sunab", "--covariates"),
    ("did basic", "--covariates"), ("did sdid", "--post-periods"), ("mars fit", "--predictors"),
    ("mars fit", "--linpreds"), ("munge", "--files"), ("munge", "--trait-names"),
    ("munge", "--column-names"), ("munge --mode ldsc", "--sumstats"),
    ("munge --mode ldsc", "--ignore"), ("ldsc", "--traits"), ("ldsc", "--select"),
    ("ldsc", "--sample-prev"), ("ldsc --h2", "--M"), ("ldsc --h2", "--rg"),
    ("sumstats", "--se-logit"), ("sumstats", "--N")])
@pytest.mark.parametrize("value", ["a,,b", "a,", ""])
def test_an_empty_item_in_a_list_is_a_usage_error(kestrel_bin, cmd, opt, value, tmp_path):
    line = [*words(cmd), *COMMANDS[cmd], opt, value]
    if opt == "--rg":  # --rg in place of --h2
        line = ["ldsc", *COMMANDS[cmd][2:], opt, value]
    r = subprocess.run([kestrel_bin, *line], capture_output=True, text=True,
                       timeout=300, cwd=tmp_path)
    assert r.returncode == 2 and f"{opt} '{value}' has an empty item" in r.stderr, r.stderr
    assert list(tmp_path.iterdir()) == []
