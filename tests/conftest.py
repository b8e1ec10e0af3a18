"""Shared test set-up.

nbval re-executes every notebook, and the notebooks write their outputs. Tests must never
modify the working tree, so before anything is collected the notebooks' root
(``SUANLI_ROOT``, read by :mod:`analysis.base.paths`) is pointed at a temporary copy of the data
and figures: nbval's kernels inherit the variable, read the same inputs and write into the
copy. The notebooks themselves, and what they print, are unchanged (paths print relative).
The copy holds this checkout's figure cache too (``build/cache/figures``, as a build leaves it),
so nbval's figure notebooks take an unchanged figure from it as ``make all`` would, instead of
drawing every figure again (about 11 CPU-seconds a run). Drawing afresh is drilled elsewhere: the
determinism drill's two clean builds draw every figure with no cache, tests/test_fonts.py and
tests/test_charts.py re-render the committed specs, and a cache entry is used only if its files
match their hashes (tests/test_figure_cache.py).
"""
from __future__ import annotations

import csv
import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_TMP: Path | None = None
_CSV_FIELD_LIMIT = csv.field_size_limit()  # the standard library's, before any test ran


def pytest_configure(config):
    global _TMP
    # nbval's kernels inherit this process's environment: they must import `analysis` from this
    # checkout and hash strings as the build does (make exports the same two variables).
    path = os.environ.get("PYTHONPATH", "")
    if str(REPO) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), path) if p)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    if os.environ.get("SUANLI_ROOT"):
        return
    _TMP = Path(tempfile.mkdtemp(prefix="suanli-tests-"))
    for sub in ("data", "figures", "build/cache/figures"):
        if (REPO / sub).exists():
            shutil.copytree(REPO / sub, _TMP / sub, symlinks=True)
    os.environ["SUANLI_ROOT"] = str(_TMP)


#: The drill that runs longest (two clean builds, one after the other, the second traced for the
#: registry check, which until issue 31 was a drill of its own): it starts first.
LONGEST = "tests/integration/test_determinism.py"
#: The drills that start from run x, built once per worker (fixture ``built_run``,
#: tests/integration/conftest.py): one unit, so that one worker builds it.
RUN_X = {
    "tests/integration/test_runs.py::test_an_interrupted_replace_never_loses_the_old_run",
    "tests/integration/test_runs.py::test_make_runs_lists_every_run_when_one_is_corrupt_and_escapes_its_text",
    "tests/integration/test_staleness.py::test_forecast_run_is_separate_and_idempotent",
    "tests/integration/test_hostile.py::test_reused_run_name_and_mistyped_variables_fail_in_one_line",
}
DRILLS = "tests/integration/"
#: Files that are one unit each and take a minute or so of waiting rather than computing (a
#: headless browser settling, JupyterLab saving): they start right after the longest drill, beside
#: the drills, instead of last, where one of them alone kept a worker busy for about a minute after
#: the others had finished (measured: 348, 347 and 404 s of tests on the three workers).
WAITING = ("tests/test_reading.py", "tests/pipeline/test_lab.py")


def unit(nodeid: str) -> str:
    """The unit of work a test belongs to: the test itself for an integration drill (each starts
    from its own copy of the built tree, so any worker can take any drill), ``run-x`` for the
    drills of :data:`RUN_X`, else its file (a notebook's cells run in order in one kernel; a
    module's fixtures, a browser or a Lab server, start once)."""
    path, _, name = nodeid.partition("::")
    if not path.startswith(DRILLS):
        return path
    return "run-x" if f"{path}::{name.split('[')[0]}" in RUN_X else nodeid


@pytest.hookimpl(optionalhook=True)  # pytest-xdist's hook: unknown without it (-p no:xdist)
def pytest_xdist_make_scheduler(config, log):
    """``make test`` runs ``pytest -p analysis -n 3 --dist loadgroup --no-loadscope-reorder``
    (analysis/pipeline/cli.py): units of work (:func:`unit`) handed out in the order
    :func:`pytest_collection_modifyitems` sorts them, each to the next free worker. pytest-xdist's
    own loadgroup groups by marks it appends to each test's id, which pytest 9 no longer reads (it
    sets ``item._nodeid``; pytest 9 keeps the id in ``item._id``), so every test became a unit of
    its own and a notebook's cells were split among workers: the units are said here instead."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class Units(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return unit(nodeid)

    return Units(config, log)


def pytest_collection_modifyitems(session, config, items):
    """The order units are handed to the workers: the longest drill first, then the files that
    mostly wait (:data:`WAITING`), the unit of run x, the other drills, the notebooks (nbval), then
    the unit tests, so that the long units start early
    and the short ones fill the end. The sort is stable: within a file (a notebook's cells above
    all) the order is kept."""
    uses_run_x = {f"{i.nodeid.split('[')[0]}" for i in items if "built_run" in getattr(i, "fixturenames", ())}
    if not uses_run_x <= RUN_X:
        raise pytest.UsageError(f"tests/conftest.py: add {sorted(uses_run_x - RUN_X)} to RUN_X (they use built_run)")

    def rank(item) -> int:
        if item.nodeid.startswith(LONGEST):
            return 0
        if item.nodeid.startswith(WAITING):
            return 1
        if item.nodeid.startswith(DRILLS):
            return 2 if unit(item.nodeid) == "run-x" else 3
        return 4 if item.path.suffix == ".ipynb" else 5

    items.sort(key=rank)


#: The test files this session collected (every item, before any -k or --deselect), and whether
#: it collected the whole of tests/: tests/test_collection.py reads them.
COLLECTED = pytest.StashKey[set]()


def pytest_itemcollected(item):
    item.config.stash.setdefault(COLLECTED, set()).add(item.path)


def collected_whole_suite(config) -> set[Path] | None:
    """The test files this session collected, if it was asked for the whole of tests/ (as ``make
    test`` and a bare ``pytest`` are); else None."""
    asked = set()
    for arg in config.args:
        path = Path(arg.split("::")[0])
        asked.add((path if path.is_absolute() else Path(config.invocation_params.dir) / path).resolve())
    if not asked & {REPO, REPO / "tests"}:
        return None
    return config.stash.get(COLLECTED, set())


def pytest_unconfigure(config):
    if _TMP is not None:
        shutil.rmtree(_TMP, ignore_errors=True)
        os.environ.pop("SUANLI_ROOT", None)


@pytest.fixture(autouse=True)
def _csv_field_limit():
    """Each test starts with the csv module's own field size limit: importing frictionless (its CSV
    parser) raises it for the whole process, so a test that validated a data package would change
    what a later test in the same worker sees (a 2 MB cell is then read, not refused as unreadable)."""
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    yield


@pytest.fixture(scope="session")
def repo() -> Path:
    """The real working tree (read-only for tests)."""
    return REPO


@pytest.fixture(scope="session")
def raw():
    from analysis import sources

    return sources.load_all(REPO / "data" / "raw")


@pytest.fixture(scope="session")
def cleaned(raw):
    """The cleaned tables of the default build (as of the article's date)."""
    from analysis import audit, cleaning, domain, editions, infoset

    info = infoset.as_of(raw, domain.DEFAULT_AS_OF)
    figures = cleaning.figures(info)
    implied = cleaning.implied(figures)
    series = cleaning.series(figures, implied)
    known = infoset.vintages_known(info)
    return {"figures": figures, "implied": implied, "audit": audit.audit(figures, implied, info["article_dates"]),
            "series": series, "editions": known,
            "vantage": editions.vantage(series, known, domain.FORECAST_SERIES, domain.DEFAULT_AS_OF)}

