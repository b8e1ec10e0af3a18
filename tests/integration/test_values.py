"""Issue 29, N3: a value the check accepts runs. Every parameter's accepted edges are built, all
low edges in one named run, here (in a hard-linked scratch clone of this checkout: only the run's
own steps execute, in runs/<name>/, and no file of the clone, each a hard link to this
checkout's, is replaced or written), and all high edges in another; the values just past the
edges and the empty-like spellings are refused by `check` before anything runs
(tests/pipeline/test_entry_point.py checks those for every parameter in-process; here a few go
through the entry point, as the review ran them).

The high edges' run (TOLERANCE=25.0, AS_OF today among them) is test_runs.py's drill of a run that
sets a cleaning parameter (until issue 31 each built its own run; this one in a scratch clone):
in a private copy of the built compendium, it also asserts exactly which steps ran, that no
default output nor build record was touched, the audit verdicts TOLERANCE changed, the run's
index page and parameter record, a second make doing nothing and `make runs` listing it.

The low edges' run is at AS_OF=2019-08-28, the first edition's release, with nothing but its own
figures known: it also carries what test_as_of_sweep.py asserted of a build at that date (until
issue 31 a default build of its own there): only rows known by then, the date on the index page,
only the audit checks whose inputs were public."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from analysis.pipeline import params as P

from .conftest import REPO
from .test_entry_point_drill import make, python, scratch, snapshot

pytestmark = pytest.mark.integration


def _edge(var: str, high: bool) -> str:
    """The accepted edge of each make variable's declared range (for a list of choices, its first
    or last choice other than the default 'all')."""
    nb, name, p = P.make_variables()[var][0]
    if name == "as_of":
        return dt.date.today().isoformat() if high else P.FIRST_AS_OF
    if name == "levels":
        return str(P.LEVEL_HIGH if high else P.LEVEL_LOW)
    if name == "growth_override":
        return "2" if high else "-0.5"
    if p.choices:
        return p.choices[-1] if high else p.choices[1]
    value = p.high if high else p.low
    return str(int(value)) if p.type is int else repr(float(value))


def test_every_parameter_has_an_edge():
    assert {v: (_edge(v, False), _edge(v, True)) for v in P.make_variables()}["HORIZON"] == ("2024", "2035")


def edges(high: bool) -> list[str]:
    """Every make variable at its accepted low or high edge (:func:`_edge`), as make's arguments."""
    return [f"{v}={_edge(v, high)}" for v in P.make_variables()]


def _files(root: Path, *skip: str) -> dict[str, tuple[int, int, int]]:
    """Every file and link under ``root`` but those under ``skip``: its inode, size and mtime."""
    return {k: (ino, size, (root / k).lstat().st_mtime_ns) for k, (ino, size) in snapshot(root).items()
            if not k.startswith(skip)}


def test_every_accepted_low_edge_builds(tmp_path):
    """All low edges in one named run, in a hard-linked scratch clone: the run writes only its own
    folder, its lock and build/, so no file of the clone, each a hard link to this checkout's, is replaced
    or written. The high edges' run is test_runs.py's TOLERANCE drill (until issue 31 a run of its
    own here)."""
    if not (REPO / ".venv" / "bin" / "python").exists() or not (REPO / "build" / "state").is_dir():
        pytest.skip("needs this checkout's .venv and build state (make all)")
    from .test_as_of_sweep import built_as_of

    clone = scratch(tmp_path / "suanli", state=True)
    before = _files(clone, "build/")
    values = edges(high=False)
    result = make(clone, "forecast", "RUN=edges-low", *values)
    assert result.returncode == 0, (values, result.stderr[-2000:])
    assert "done in" in result.stdout
    assert _files(clone, "build/", "runs/edges-low/", "runs/.edges-low.lock") == before  # its folder and its lock
    run = clone / "runs" / "edges-low"
    built_as_of(run / "processed", run / "reports" / "index.html", P.FIRST_AS_OF)


@pytest.mark.parametrize("value", ["none", "None", "null", " ", "2019-08-27", "2019-02-30", "２０２３-１２-０７",
                                   "2099-01-01"])
def test_as_of_values_that_cannot_build_are_refused_by_check(tmp_path, value):
    clone = scratch(tmp_path / "suanli")
    result = python(clone, "check", f"AS_OF={value}")
    assert result.returncode == 2 and "parameter 'as_of'" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
