"""Drill 4: clean builds with -j2 and -j1 are byte-identical to each other and to the
committed outputs.

Each clean build also prints the default build's plausibility warnings, exactly those of the table
it wrote (issue 19; until issue 31 test_plausibility.py rebuilt 03_forecast to see them), and
draws every figure with the system's fonts visible, byte-identical to this checkout's figures
(test_fonts.py re-rendered them so until issue 31; it still does with the fonts hidden).

The ``-j1`` build also carries the registry check: it runs with ``SUANLI_TRACE`` set to a folder,
each step's kernel traces what it opens and imports into ``<folder>/<step>.trace``
(analysis/__init__.py, analysis/pipeline/runner.py), and every step must read, write and import
exactly what analysis/pipeline/registry.py declares
(:func:`tests.integration.test_build_graph.steps_do_what_the_registry_declares`). Until issue 31
that was a drill of its own in test_build_graph.py, which ran the six steps again, one by one:
one build instead of six step runs. A traced kernel starts cold (no warm-up imports of the
declared modules, which would put every declared module in the trace, used or not), so the ``-j1``
build is cold and the ``-j2`` build, untraced, warm: both are byte-identical to the reference."""
from __future__ import annotations

import hashlib

import pytest

from analysis.pipeline import registry

from .conftest import REPO, clean_env
from .test_build_graph import steps_do_what_the_registry_declares
from .test_plausibility import default_warnings_are_the_table_s

pytestmark = pytest.mark.integration


# ----------------------------------------------------------------------------- 4. determinism

def test_clean_builds_are_byte_identical_with_j2_and_j1(compendium, tmp_path):
    traces = tmp_path / "traces"
    traces.mkdir()
    for jobs in ("-j2", "-j1"):
        assert compendium.make("clean").returncode == 0
        assert not (compendium.root / "figures").exists()
        traced = jobs == "-j1"  # the registry check rides on this build (cold kernels), -j2 stays warm
        result = compendium.make(jobs, "all", env=clean_env(SUANLI_TRACE=str(traces)) if traced else None)
        assert result.returncode == 0, result.stderr[-2000:]
        assert compendium.outputs() == compendium.reference, jobs
        assert "WARNING" not in result.stderr and "TCP" not in result.stderr, result.stderr[-1000:]  # no kernel warning
        default_warnings_are_the_table_s(compendium, result)
        if traced:
            assert sorted(t.name for t in traces.iterdir()) == sorted(f"{n}.trace" for n in registry.STEPS)
            steps_do_what_the_registry_declares(traces, compendium.root)
    drawn = {k: v for k, v in compendium.outputs().items() if k.startswith("figures/")}
    assert len(drawn) > 20 and drawn == {k: hashlib.sha256((REPO / k).read_bytes()).hexdigest() for k in drawn}
    noop = compendium.make("all")
    assert "runner:" not in noop.stdout and "everything is up to date" in noop.stdout
