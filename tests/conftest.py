"""Shared test set-up.

nbval re-executes every notebook, and the notebooks write their outputs. Tests must never
modify the working tree, so before anything is collected the notebooks' root
(``SUANLI_ROOT``, read by :mod:`analysis.base.paths`) is pointed at a temporary copy of the data
and figures: nbval's kernels inherit the variable, read the same inputs and write into the
copy. The notebooks themselves, and what they print, are unchanged (paths print relative).
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
    for sub in ("data", "figures"):
        if (REPO / sub).exists():
            shutil.copytree(REPO / sub, _TMP / sub)
    os.environ["SUANLI_ROOT"] = str(_TMP)


def pytest_collection_modifyitems(session, config, items):
    """The order ``make test`` hands whole files to its two workers (``pytest -n 2 --dist loadfile
    --no-loadscope-reorder``): the integration drills first, then the notebooks (nbval), then the
    unit tests, so that the long files start early and the short ones fill the end, instead of
    xdist's default order (most tests first), which left the one-test determinism drill for last.
    The sort is stable: within a file (a notebook's cells above all) the order is kept."""
    drills = REPO / "tests" / "integration"
    items.sort(key=lambda item: 0 if item.path.is_relative_to(drills) else 1 if item.path.suffix == ".ipynb" else 2)


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
