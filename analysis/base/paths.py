"""The one place where paths come from.

Every module, notebook and test asks this module for a location instead of spelling a path
itself, so the layout of the compendium can change in one place.

The root is where the code is (:data:`CODE_ROOT`, the folder holding ``analysis/`` and the
Makefile). ``SUANLI_ROOT`` moves the data and outputs of *science* code only: the tests point
nbval's kernels at a temporary copy of ``data/`` and ``figures/`` with it. The pipeline's entry
point (``python -m analysis.pipeline``, what make calls) refuses it, and every other internal
variable below, unless it names this very root (:func:`check_environment`), and the Makefile
refuses it in the environment: a ``SUANLI_ROOT`` left in a shell must never make ``make clean``
in one clone delete another clone's files.

Both layers use it (the science reads ``data/raw/`` and writes its tables through it; the
pipeline keeps its state, runs and pages by it), so it sits below both, in ``analysis/base/``,
and imports nothing from ``analysis`` (``tests/test_layers.py``).
"""
from __future__ import annotations

import os
from pathlib import Path

#: The compendium this code belongs to: the folder holding ``analysis/`` and the Makefile.
CODE_ROOT = Path(__file__).resolve().parents[2]
ROOT = Path(os.environ.get("SUANLI_ROOT") or CODE_ROOT)

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


#: Variables the runner sets for the kernels it starts, and the tests for theirs; never read by the
#: pipeline's entry point from its own environment (:func:`check_environment`).
INTERNAL_ENVIRONMENT = ("SUANLI_ROOT", "SUANLI_OUTPUTS", "SUANLI_CACHE", "SUANLI_STAGE", "SUANLI_STAGE_OWNER")


def check_environment(environ=None) -> str | None:
    """Why the pipeline's entry point must not run with this environment, or None: an internal
    variable is set (a ``SUANLI_ROOT`` that names this very root excepted). The root is where the
    code is, never where a variable left in a shell points."""
    environ = os.environ if environ is None else environ
    for name in INTERNAL_ENVIRONMENT:
        value = environ.get(name, "")
        if not value:
            continue
        if name == "SUANLI_ROOT":
            try:
                same = Path(value).resolve() == CODE_ROOT
            except (OSError, RuntimeError, ValueError):
                same = False
            if same:
                continue
            return (f"SUANLI_ROOT is set in the environment to another folder than this compendium's root "
                    f"(the folder of its Makefile); the pipeline works only in its own folder: unset SUANLI_ROOT")
        return f"{name} is set in the environment; it is internal (set by the runner for its kernels only): unset {name}"
    return None


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
