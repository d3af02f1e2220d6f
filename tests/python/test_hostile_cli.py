"""The kestrel command under conditions a user meets by accident: results written to a full
device must fail the run (exit 1, the reason on stderr), never exit 0 with a truncated table."""
import subprocess

import pytest

from conftest import SAMPLE

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
