"""Figures already drawn, kept so that a rerun draws only the figures whose spec changed.

Why this module exists: drawing is most of a figure step's time (vl-convert lays the chart out
and rasterises it; fontTools subsets the font for the SVG), yet a parameter rerun changes only
some figures: a new HORIZON redraws the two forecast fans, not the model comparison or the
track record. So :func:`analysis.charts.export` keeps the drawn files (SVG with its font,
PNG 2×, PNG 1×) in ``build/cache/figures/<key>/``, where the key is the SHA-256 of everything
that decides their bytes:

* the Vega-Lite spec, serialised canonically;
* the installed vl-convert, fontTools and Altair (versions with post-releases, and the hashes
  of their compiled modules from the wheels' records; a spec is validated against the
  Vega-Lite schema only when it is drawn, so a hit stands for a spec this Altair accepted),
  zlib's version and Python's minor version;
* every file in ``fonts/``, as registered with vl-convert and as it is on disk;
* the source of the drawing package ``analysis/charts/`` and of ``analysis/fonts.py`` as imported in the process
  that draws (so an edit reloaded in JupyterLab gets its own key).

An entry lists each file's SHA-256 and is used only if every file still matches, and neither the
entry nor a file in it is a symbolic link: an accidentally damaged entry is drawn again. The
list sits in the entry itself, so it guards against accidents, not against someone who rewrites
both: ``build/`` is trusted like ``build/state/`` and ``.venv``. An entry is written into a
private folder (named as :func:`analysis.base.atomic.temporary` names a writer's temporary) and
renamed into place, so two builds at once never see half an entry. ``make clean`` deletes the cache with
``build/``; a clean build therefore draws everything. The cache is never an input of a step (a
hit and a miss give the same bytes, ``tests/test_figure_cache.py``), so the registry ignores it.
"""
from __future__ import annotations

import functools
import hashlib
import json
import os
import shutil
from pathlib import Path

from analysis.base import paths

FILES = ("svg", "png", "png1")
KEEP = 256  # entries; the oldest beyond this are removed when a new one is stored


def folder() -> Path:
    return paths.CACHE / "figures"


@functools.lru_cache(maxsize=None)
def _packages() -> bytes:
    """What decides the bytes among the installed software: distribution versions (post-releases
    included), vl-convert's binary as recorded in its wheel, zlib (the WOFF in every SVG) and
    Python's minor version."""
    import sys
    import zlib
    from importlib.metadata import distribution

    parts = []
    for name in ("vl-convert-python", "fonttools", "altair"):
        dist = distribution(name)
        binaries = sorted(f"{f}={f.hash.value}" for f in dist.files or () if f.hash and str(f).endswith(".so"))
        parts.append(f"{name} {dist.version} {' '.join(binaries)}")
    parts.append(f"zlib {zlib.ZLIB_RUNTIME_VERSION}; python {sys.version_info[0]}.{sys.version_info[1]}")
    return "\0".join(parts).encode("utf-8")


def _environment(drawing_code: str) -> bytes:
    """Everything but the spec that decides a drawing's bytes. The code is taken as it was imported
    (a saved but unreloaded edit does not count): the caller's (``drawing_code``, the SHA-256 of
    :mod:`analysis.charts` as its process imported it, passed in so that this module never imports
    the charts that call it) and the font module's; the fonts as registered with vl-convert and as
    they are on disk now (the SVG embeds them from disk)."""
    from analysis import fonts

    h = hashlib.sha256(_packages())
    for part in (drawing_code, fonts.SOURCE_SHA256, fonts.register(), fonts.folder_sha256()):
        h.update(part.encode("ascii") + b"\0")
    return h.digest()


def key(spec: dict, drawing_code: str) -> str:
    """The cache key of the figure drawn from ``spec`` by code whose source hashes to
    ``drawing_code`` (``charts.SOURCE_SHA256``), in this environment."""
    text = json.dumps(spec, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(_environment(drawing_code) + text.encode("utf-8")).hexdigest()


def load(k: str, root: Path | None = None) -> dict[str, bytes] | None:
    """The files stored under ``k``, or None if there are none or any fails its hash."""
    entry = (root or folder()) / k
    try:
        if entry.is_symlink():
            return None
        manifest = json.loads((entry / "manifest.json").read_text(encoding="utf-8"))
        out = {}
        for name in FILES:
            f = entry / name
            if f.is_symlink():
                return None
            data = f.read_bytes()
            if hashlib.sha256(data).hexdigest() != manifest[name]:
                return None
            out[name] = data
        return out
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(k: str, files: dict[str, bytes], root: Path | None = None) -> None:
    """Keep ``files`` under ``k``; never fails a build (a full or read-only disk only means no cache)."""
    from analysis.base.atomic import temporary

    base = root or folder()
    tmp = temporary(base / k)
    try:
        tmp.mkdir(parents=True)
        for name in FILES:
            (tmp / name).write_bytes(files[name])
        manifest = {name: hashlib.sha256(files[name]).hexdigest() for name in FILES}
        (tmp / "manifest.json").write_text(json.dumps(manifest, sort_keys=True), encoding="utf-8")
        target = base / k
        if target.is_symlink():  # never used, never followed: replaced
            target.unlink()
        elif target.exists():  # a damaged entry, or one another build stored meanwhile
            shutil.rmtree(target, ignore_errors=True)
        os.replace(tmp, target)
        _prune(base)
    except OSError:
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _prune(base: Path) -> None:
    """Keep the newest :data:`KEEP` entries, and drop the private folders of killed writers."""
    from analysis.base.atomic import process_alive

    for part in base.glob(".*.part"):
        pid = part.name.split(".")[2]
        if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
            shutil.rmtree(part, ignore_errors=True)
    entries = sorted((p for p in base.iterdir() if p.is_dir() and not p.name.startswith(".")),
                     key=lambda p: p.stat().st_mtime_ns, reverse=True)
    for old in entries[KEEP:]:
        shutil.rmtree(old, ignore_errors=True)
