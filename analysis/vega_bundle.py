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

Two copies are looked for, in order, and each is used only if it has the pinned hash:

* the environment's own, ``<prefix>/share/suanli/``, written by ``make env`` right after pip
  (:func:`install`): the bundle belongs to the environment that made it, like the packages
  beside it, so ``make clean`` leaves it and a clean build does not pay for it again;
* the build's, ``build/cache/``, written by the first kernel that needed the bundle and found
  neither copy (an environment made before this module kept one, or ``PYTHON=`` a conda
  environment that ``make env`` never touched). ``make clean`` deletes it with ``build/``.

Neither is an input of any step nor an output: the registry check ignores both, and they are
written at once (never staged).
"""
from __future__ import annotations

import functools
import hashlib
import os
import sys
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


def environment_copy(prefix: Path | str | None = None) -> Path:
    """Where ``make env`` keeps the bundle: in the environment (``sys.prefix`` unless given)."""
    return Path(sys.prefix if prefix is None else prefix) / "share" / "suanli" / f"vega-bundle-{version()}.js"


def _store(target: Path, data: bytes) -> bool:
    """Write ``data`` to ``target`` at once (a temporary, then a rename); False if the disk refuses."""
    from analysis.base.atomic import temporary

    tmp = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary(target)
        tmp.write_bytes(data)
        os.replace(tmp, target)
        return True
    except OSError:  # a read-only or full disk: the build goes on without a copy
        return False
    finally:
        if tmp is not None:
            tmp.unlink(missing_ok=True)


@functools.lru_cache(maxsize=None)
def javascript(cache: Path | None = None, prefix: Path | None = None) -> str:
    """``vl_convert.javascript_bundle()``: the environment's copy (under ``prefix``, default
    ``sys.prefix``) or else the one in ``cache`` (default ``build/cache/``), whichever first has
    the pinned hash; otherwise built, and stored in ``cache`` if it has the pinned hash."""
    import vl_convert as vlc

    v = version()
    digest = PINNED.get(v)
    target = (Path(cache) if cache is not None else paths.CACHE) / f"vega-bundle-{v}.js"
    if digest is not None:
        for copy in (environment_copy(prefix), target):
            text = _cached(copy, digest)
            if text is not None:
                return text
    text = vlc.javascript_bundle()
    data = text.encode("utf-8")
    if digest is None or hashlib.sha256(data).hexdigest() != digest:
        return text  # not the pinned bundle: use it, keep nothing
    _store(target, data)
    return text


def install(prefix: Path | None = None) -> str:
    """Build the bundle and keep it in the environment (``make env`` runs this with the
    environment's own Python); a line saying what was done. Nothing is kept for a vl-convert
    without a recorded hash, or whose bundle does not have it."""
    import vl_convert as vlc

    v = version()
    digest = PINNED.get(v)
    target = environment_copy(prefix)
    if digest is None:
        return f"vega bundle: vl-convert-python {v} has no recorded hash (analysis/vega_bundle.py): not kept"
    if _cached(target, digest) is not None:
        return f"vega bundle: kept in the environment already ({v})"
    data = vlc.javascript_bundle().encode("utf-8")
    if hashlib.sha256(data).hexdigest() != digest:
        return f"vega bundle: vl-convert-python {v} built a bundle without the recorded hash: not kept"
    if not _store(target, data):
        return f"vega bundle: could not write into the environment: not kept (each build makes its own)"
    return f"vega bundle: kept in the environment ({v})"


if __name__ == "__main__":
    print(install())
