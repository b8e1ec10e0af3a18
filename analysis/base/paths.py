"""The one place where paths come from.

Every module, notebook and test asks this module for a location instead of spelling a path
itself, so the layout of the compendium can change in one place, and so a temporary copy of the
compendium (used by the integration tests) is as easy to address as the real one: set
``SUANLI_ROOT`` or pass ``root=``.

Both layers use it (the science reads ``data/raw/`` and writes its tables through it; the
pipeline keeps its state, runs and pages by it), so it sits below both, in ``analysis/base/``,
and imports nothing from ``analysis`` (``tests/test_layers.py``).
"""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(os.environ.get("SUANLI_ROOT", Path(__file__).resolve().parents[2]))

DATA = ROOT / "data"
RAW = DATA / "raw"
PROCESSED = DATA / "processed"
DATAPACKAGE = DATA / "datapackage.json"
NOTEBOOKS = ROOT / "notebooks"
NOTEBOOK_SOURCES = NOTEBOOKS / "src"
FIGURES = ROOT / "figures"
REPORTS = ROOT / "reports"
BUILD = ROOT / "build"
STATE = BUILD / "state"
CACHE = BUILD / "cache"  # derived from the environment only, never an input (analysis/vega_bundle.py)
RUNS = ROOT / "runs"

# A kernel that the runner starts for a named run which rebuilds the cleaned data (a parameter
# of 01_clean, say) must write, and read, every output in the run's folder, without a notebook
# knowing it: the runner sets SUANLI_OUTPUTS to the run's name for that kernel only, and the
# default output folders below then point into runs/<name>/. A restored output must be drawn
# afresh: the runner then points SUANLI_CACHE at an empty private folder. Both are set by the
# runner for its kernel and never read from anyone else (the Makefile unexports them).
_OUTPUTS = os.environ.get("SUANLI_OUTPUTS", "")
if _OUTPUTS:
    import re as _re

    if not _re.fullmatch(r"[a-z0-9][a-z0-9_-]{0,63}", _OUTPUTS):  # the run-name rule (analysis/pipeline/params.py)
        raise ValueError(f"SUANLI_OUTPUTS={_OUTPUTS!r} is not a run name")
    PROCESSED = RUNS / _OUTPUTS / "processed"
    DATAPACKAGE = RUNS / _OUTPUTS / "datapackage.json"
    FIGURES = RUNS / _OUTPUTS / "figures"
    REPORTS = RUNS / _OUTPUTS / "reports"
if os.environ.get("SUANLI_CACHE", ""):
    CACHE = Path(os.environ["SUANLI_CACHE"])


def rel(path: Path | str, root: Path | None = None) -> str:
    """Return ``path`` relative to the compendium root, with forward slashes.

    Outputs must never contain absolute paths (they would differ between machines), so every
    path that is printed or stored goes through here.
    """
    base = Path(root) if root is not None else ROOT
    p = Path(path)
    try:
        return p.resolve().relative_to(base.resolve()).as_posix()
    except ValueError:
        return p.as_posix()


def out_dirs(run: str | None = None) -> dict[str, Path]:
    """Where a build writes: the default outputs, or ``runs/<run>/`` for a parameterised rerun.

    A named run never writes to the default output folders; it gets a private copy of each.
    """
    if not run:
        return {"processed": PROCESSED, "figures": FIGURES, "reports": REPORTS, "notebooks": NOTEBOOKS}
    base = RUNS / run
    return {
        "processed": base / "processed",
        "figures": base / "figures",
        "reports": base / "reports",
        "notebooks": base / "notebooks",
    }
