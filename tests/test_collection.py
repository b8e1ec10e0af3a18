"""Every test file is collected: a folder rule (pytest skips any folder named ``build`` by default)
once dropped 122 tests of the pipeline, then in tests/build/, without a single failure. No
folder has that name now (tests/test_layers.py), and this test keeps any other rule from doing
the same.

In a session that collects the whole of tests/ (``make test``, a bare ``pytest``), the files that
session collected are compared (tests/conftest.py records them); otherwise a collection of its
own is run (until issue 31 always, a second collection of the whole suite in every ``make test``)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def test_every_test_file_in_tests_is_collected(request):
    from tests.conftest import collected_whole_suite

    here = collected_whole_suite(request.config)
    if here is not None:
        collected = {p.relative_to(REPO).as_posix() for p in here if p.is_relative_to(TESTS)}
    else:
        done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=",
                               "tests"], cwd=REPO, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        collected = {line.split("::", 1)[0] for line in done.stdout.splitlines() if "::" in line}
    expected = {p.relative_to(REPO).as_posix() for p in TESTS.rglob("test_*.py")}
    assert {"tests/pipeline/test_engine.py", "tests/base/test_atomic.py"} <= expected
    assert sorted(expected - collected) == []
