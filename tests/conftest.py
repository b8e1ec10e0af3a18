"""Shared test set-up.

nbval re-executes every notebook, and the notebooks write their outputs. Tests must never
modify the working tree, so before anything is collected the notebooks' root
(``SUANLI_ROOT``, read by :mod:`analysis.base.paths`) is pointed at a temporary copy of the data
and figures: nbval's kernels inherit the variable, read the same inputs and write into the
copy. The notebooks themselves, and what they print, are unchanged (paths print relative).
"""
from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
_TMP: Path | None = None


def pytest_configure(config):
    global _TMP
    # nbval's kernels inherit this process's environment: they must import `analysis` from this
    # checkout and hash strings as the build does (make exports the same two variables).
    path = os.environ.get("PYTHONPATH", "")
    if str(REPO) not in path.split(os.pathsep):
        os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(REPO), path) if p)
    os.environ.setdefault("PYTHONHASHSEED", "0")
    # pytest-xdist registers its group mark only when it is loaded (not under -p no:xdist)
    config.addinivalue_line("markers", "xdist_group(name): run these tests on one worker, in order (tests/conftest.py)")
    if os.environ.get("SUANLI_ROOT"):
        return
    _TMP = Path(tempfile.mkdtemp(prefix="suanli-tests-"))
    for sub in ("data", "figures"):
        if (REPO / sub).exists():
            shutil.copytree(REPO / sub, _TMP / sub)
    os.environ["SUANLI_ROOT"] = str(_TMP)


def pytest_collection_modifyitems(session, config, items):
    """How ``make test`` shares its two workers (``pytest -n 2 --dist loadgroup``): a test is a unit
    of work on its own, so one long file no longer holds a worker while the other idles, except
    that each notebook's cells stay together (nbval runs them in order in one kernel) and so do
    the drills that start from the shared built run (``with_run``: built once, on one worker).
    The drills come first, so that the long ones start early and the short tests fill the end."""
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(item.path.name))
        elif "with_run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("built_run"))
    drills = REPO / "tests" / "integration"
    items.sort(key=lambda item: 0 if item.path.is_relative_to(drills) else 1)  # stable: order kept within each


def pytest_unconfigure(config):
    if _TMP is not None:
        shutil.rmtree(_TMP, ignore_errors=True)
        os.environ.pop("SUANLI_ROOT", None)


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
