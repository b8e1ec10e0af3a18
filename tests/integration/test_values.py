"""Issue 29, N3: a value the check accepts runs. Every parameter's accepted edges are built, all
low edges in one named run and all high edges in another (in a hard-linked scratch clone of this
checkout: only the run's own steps execute, in runs/<name>/); the values just past the edges and
the empty-like spellings are refused by `check` before anything runs
(tests/pipeline/test_entry_point.py checks those for every parameter in-process; here a few go
through the entry point, as the review ran them).

The low edges' run is at AS_OF=2019-08-28, the first edition's release, with nothing but its own
figures known: it also carries what test_as_of_sweep.py asserted of a build at that date (until
issue 31 a default build of its own there): only rows known by then, the date on the index page,
only the audit checks whose inputs were public."""
from __future__ import annotations

import datetime as dt

import pytest

from analysis.pipeline import params as P

from .conftest import REPO
from .test_entry_point_drill import make, python, scratch

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


@pytest.mark.parametrize("high", [False, True], ids=["low edges", "high edges"])
def test_every_accepted_edge_builds(tmp_path, high):
    if not (REPO / ".venv" / "bin" / "python").exists() or not (REPO / "build" / "state").is_dir():
        pytest.skip("needs this checkout's .venv and build state (make all)")
    clone = scratch(tmp_path / "suanli", state=True)
    values = [f"{v}={_edge(v, high)}" for v in P.make_variables()]
    result = make(clone, "forecast", f"RUN=edges-{'high' if high else 'low'}", *values)
    assert result.returncode == 0, (values, result.stderr[-2000:])
    assert "done in" in result.stdout
    if not high:
        from .test_as_of_sweep import built_as_of

        run = clone / "runs" / "edges-low"
        built_as_of(run / "processed", run / "reports" / "index.html", P.FIRST_AS_OF)


@pytest.mark.parametrize("value", ["none", "None", "null", " ", "2019-08-27", "2019-02-30", "２０２３-１２-０７",
                                   "2099-01-01"])
def test_as_of_values_that_cannot_build_are_refused_by_check(tmp_path, value):
    clone = scratch(tmp_path / "suanli")
    result = python(clone, "check", f"AS_OF={value}")
    assert result.returncode == 2 and "parameter 'as_of'" in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
