"""The Vega, Vega-Lite and vega-embed JavaScript that every standalone figure page inlines,
cached on disk so that a kernel does not rebuild it.

Why this module exists: vl-convert builds the bundle on first use in each process, and that one
call was the largest single cost of a parameter rerun (about 1.2 s alone, 2.8 s with another
kernel beside it, in every kernel that draws). The bundle is a pure function of the installed
vl-convert, and its SHA-256 for the pinned vl-convert is recorded here (:data:`PINNED`;
``tests/test_vega_bundle.py`` checks it against a fresh bundle, so ``make lock`` to a new
vl-convert fails that test until the new hash is recorded). The copy in ``build/cache/`` is
used only if its bytes have exactly that hash: a damaged, stale or planted file is never inlined
into a page, only replaced. For a vl-convert with no recorded hash the bundle is built in every
process, as before, and nothing is cached.

The cache is not an input of any step and not an output: the registry drill ignores it, and it
is written at once (never staged). ``make clean`` deletes it with the rest of ``build/``.
"""
from __future__ import annotations

import functools
import hashlib
import os
from pathlib import Path

from analysis.base import paths

#: vl-convert-python version → SHA-256 of ``vl_convert.javascript_bundle()``.
PINNED = {"1.9.0.post1": "3425bd951a44d478d0505c6b5d1e8d57656b6e9a4da7bfe88a718ce61d76e572"}


def version() -> str:
    """The installed vl-convert-python's version, post-release included (``vl_convert.__version__``
    drops it)."""
    from importlib.metadata import version as dist_version

    return dist_version("vl-convert-python")


def _cached(target: Path, digest: str) -> str | None:
    try:
        if target.is_symlink() or not target.is_file():
            return None
        data = target.read_bytes()
        if hashlib.sha256(data).hexdigest() != digest:
            return None
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


@functools.lru_cache(maxsize=None)
def javascript(cache: Path | None = None) -> str:
    """``vl_convert.javascript_bundle()``, from ``cache`` (default ``build/cache/``) when the copy
    there has the pinned hash; otherwise built, and stored there if it has the pinned hash."""
    import vl_convert as vlc

    from analysis.base.atomic import temporary

    v = version()
    digest = PINNED.get(v)
    folder = Path(cache) if cache is not None else paths.CACHE
    target = folder / f"vega-bundle-{v}.js"
    if digest is not None:
        text = _cached(target, digest)
        if text is not None:
            return text
    text = vlc.javascript_bundle()
    data = text.encode("utf-8")
    if digest is None or hashlib.sha256(data).hexdigest() != digest:
        return text  # not the pinned bundle: use it, keep nothing
    tmp = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = temporary(target)
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError:  # a read-only or full disk: the build goes on without a cache
        pass
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)
    return text
