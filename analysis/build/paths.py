"""The one place where paths come from.

Every module, notebook and test asks this module for a location instead of spelling a path
itself, so the layout of the compendium can change in one place, and so a temporary copy of the
compendium (used by the integration tests) is as easy to address as the real one: set
``SUANLI_ROOT`` or pass ``root=``.

It lives in the build layer (it knows the output folders, named runs and the build state) but
both layers use it: the science reads ``data/raw/`` and writes the data package through it. It
is one of the two build modules the science may import (``tests/test_layers.py``), so it must
stay a leaf: it imports nothing from ``analysis``.
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
