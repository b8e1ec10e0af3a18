"""Every test file is collected: a folder rule (pytest skips any folder named ``build`` unless
told otherwise) once dropped tests/build/ from the suite without a single failure."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent


def test_every_test_file_in_tests_is_collected():
    done = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-o", "addopts=",
                           "tests"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    collected = {line.split("::", 1)[0] for line in done.stdout.splitlines() if "::" in line}
    expected = {p.relative_to(REPO).as_posix() for p in TESTS.rglob("test_*.py")}
    assert "tests/build/test_steps.py" in expected
    assert sorted(expected - collected) == []
