"""The Vega, Vega-Lite and vega-embed JavaScript that every standalone figure page inlines,
cached on disk so that a kernel does not rebuild it.

Why this module exists: vl-convert builds the bundle on first use in each process, and that one
call was the largest single cost of a parameter rerun (about 1.2 s alone, 2.8 s with another
kernel beside it, in every kernel that draws). The bundle is a pure function of the installed
vl-convert, so it is kept in ``build/cache/`` under a name carrying vl-convert's version and the
bundle's own SHA-256. A cached file is used only if its bytes still hash to its name: an edited,
truncated or foreign file is ignored and rebuilt, so the cache can make a build faster but can
never change a byte of its outputs (``tests/test_vega_bundle.py`` edits it to prove that).
``make clean`` deletes it with the rest of ``build/``, so a clean build pays for it once.

The cache is not an input of any step and not an output: the registry drill ignores it, and it
is written at once (never staged), since a failed step may still leave a correct cache entry.
"""
from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

from analysis.build import paths


def _name(version: str, digest: str) -> str:
    return f"vega-bundle-{version}-{digest}.js"


def _valid(path: Path, version: str) -> str | None:
    match = re.fullmatch(rf"vega-bundle-{re.escape(version)}-([0-9a-f]{{64}})\.js", path.name)
    if not match or path.is_symlink() or not path.is_file():
        return None
    data = path.read_bytes()
    if hashlib.sha256(data).hexdigest() != match.group(1):
        return None
    return data.decode("utf-8")


@functools.lru_cache(maxsize=None)
def javascript(cache: Path | None = None) -> str:
    """``vl_convert.javascript_bundle()``, from ``cache`` (default ``build/cache/``) when a valid
    copy for this vl-convert version is there; otherwise built and stored there."""
    import vl_convert as vlc

    from analysis.build.atomic import temporary

    folder = Path(cache) if cache is not None else paths.CACHE
    version = vlc.__version__
    for candidate in sorted(folder.glob(f"vega-bundle-{version}-*.js")) if folder.is_dir() else []:
        text = _valid(candidate, version)
        if text is not None:
            return text
    text = vlc.javascript_bundle()
    data = text.encode("utf-8")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / _name(version, hashlib.sha256(data).hexdigest())
        tmp = temporary(target)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:  # a read-only or full disk: the build goes on without a cache
        pass
    return text
