"""Drill 4: clean builds with -j2 and -j1 are byte-identical to each other and to the
committed outputs."""
from __future__ import annotations


import pytest



pytestmark = pytest.mark.integration


# ----------------------------------------------------------------------------- 4. determinism

def test_clean_builds_are_byte_identical_with_j2_and_j1(compendium):
    for jobs in ("-j2", "-j1"):
        assert compendium.make("clean").returncode == 0
        assert not (compendium.root / "figures").exists()
        result = compendium.make(jobs, "all")
        assert result.returncode == 0, result.stderr[-2000:]
        assert compendium.outputs() == compendium.reference, jobs
        assert "WARNING" not in result.stderr and "TCP" not in result.stderr, result.stderr[-1000:]  # no kernel warning
    noop = compendium.make("all")
    assert "runner:" not in noop.stdout and "everything is up to date" in noop.stdout
