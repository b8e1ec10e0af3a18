"""Housekeeping: build the environment, and delete only what the project made.

Why this module exists: ``make clean`` used to be ``rm -rf`` over whole folders and a ``find``
for ``*.part`` over the whole tree (``.git/objects`` included), and ``make distclean VENV=.git``
deleted the repository. Deleting is decided here instead, from what the project declares:

* ``clean``: ``build/`` (state, caches), every output the registry declares for the default
  build (and the index page), and the project's own temporaries (named as
  :mod:`analysis.base.atomic` names them) directly in the output folders, then those folders if
  that left them empty; the stage and socket folders of runners that no longer exist. Nothing
  else, however it is named.
* ``distclean``: ``clean``, the named runs (folders named like runs that hold a run, the
  comparison figure, the runs' locks and replaced runs), and the environment, only if it is a
  virtual environment: a folder (not a link) directly in the repository, with ``pyvenv.cfg``,
  nothing at its top that a virtual environment does not hold, and no file git tracks.
  Everything is checked before anything is deleted.
* ``env``: the same checks before building into an existing folder, so ``VENV=analysis``
  cannot turn the package into an environment.

It runs with the Python that builds the environment, so it uses the standard library only.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from analysis.base import paths
from analysis.base.atomic import is_temporary
from analysis.pipeline.params import ParameterError

#: What a virtual environment holds at its top (venv, virtualenv, uv), and the build's stamp.
VENV_ENTRIES = {"bin", "include", "lib", "lib64", "share", "etc", "pyvenv.cfg", "Scripts", "Lib", "Include",
                ".gitignore", "CACHEDIR.TAG", ".lock", ".stamp"}


class RefusedError(ParameterError):
    """A folder is not the project's to delete or to build into (exit status 2, like a bad value)."""


def _say(text: str) -> None:
    print(f"suanli: {text}", flush=True)


def tracked(rel: str) -> list[str]:
    """Files git tracks under ``rel`` (nothing when this is not a git work tree or git is missing)."""
    if not (paths.ROOT / ".git").exists() or shutil.which("git") is None:
        return []
    done = subprocess.run(["git", "-C", str(paths.ROOT), "ls-files", "-z", "--", rel],
                          capture_output=True, text=True)
    return [f for f in done.stdout.split("\0") if f] if done.returncode == 0 else []


def check_venv(name: str) -> Path | None:
    """The environment's folder if it may be built into or deleted; None if it does not exist. A
    symbolic link to a virtual environment may be built into (its target is checked), never deleted."""
    if not name or "/" in name or name in (".", "..") or name.startswith("-"):
        raise RefusedError(f"VENV={name!r}: must be one folder name inside the repository, e.g. VENV=.venv")
    folder = paths.ROOT / name
    if folder.is_symlink() and not folder.exists():
        raise RefusedError(f"{name}: is a dangling symbolic link, not a virtual environment; not touched")
    if not folder.exists():
        if tracked(name):
            raise RefusedError(f"{name}: git tracks files under this name; it cannot be an environment")
        return None
    if not folder.is_dir() or not (folder / "pyvenv.cfg").is_file():
        raise RefusedError(f"{name}: is not a virtual environment (no {name}/pyvenv.cfg); "
                           "not touched (choose another VENV)")
    foreign = sorted(e.name for e in folder.iterdir() if e.name not in VENV_ENTRIES)
    if foreign:
        raise RefusedError(f"{name}: holds {name}/{foreign[0]}, which a virtual environment does not; not touched")
    files = [] if folder.is_symlink() else tracked(name)
    if files:
        raise RefusedError(f"{name}: holds {files[0]}, which git tracks; not touched")
    return folder


def declared_outputs() -> list[Path]:
    """Every file the default build writes, as the registry declares them, and the index page."""
    from analysis.pipeline import engine
    from analysis.pipeline.registry import STEPS

    files = [f for n in STEPS for f in engine.outputs(n)]
    return files + [paths.REPORTS / "index.html"]


def output_folders() -> list[Path]:
    """The folders the default build writes into (where its temporaries can be)."""
    return sorted({f.parent for f in declared_outputs()})


#: Held (shared) by every process that builds (``run``, ``index``, ``forecast``), and taken
#: exclusively by ``clean``: a clean beside a live build deleted its temporaries (issue 29, N9).
BUILD_LOCK = ".build.lock"


@contextmanager
def building(exclusive: bool = False):
    """Hold the build lock (``build/.build.lock``): shared while building; exclusive (never waiting)
    for ``clean``, which is refused while a build runs. Without build/, clean has nothing to wait for."""
    import fcntl

    if exclusive and not paths.BUILD.is_dir():
        yield
        return
    if paths.BUILD.is_symlink():
        raise RefusedError(f"{paths.rel(paths.BUILD)}: is a symbolic link; the build writes only inside the repository")
    paths.BUILD.mkdir(parents=True, exist_ok=True)
    fd = os.open(paths.BUILD / BUILD_LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_EX | fcntl.LOCK_NB) if exclusive else fcntl.LOCK_SH)
        except BlockingIOError:
            raise RefusedError("a build is running in this compendium (make all, make forecast); clean would delete "
                               "what it is writing: run make clean when it has finished") from None
        yield
    finally:
        os.close(fd)


def clean() -> list[str]:
    """Delete the default outputs, ``build/`` and the project's temporaries; return what went.
    Refused while a build runs here (:func:`building`)."""
    with building(exclusive=True):
        return _clean()


def _clean() -> list[str]:
    from analysis.pipeline.runner import sweep_private_folders

    gone = []
    if paths.BUILD.is_symlink():
        raise RefusedError(f"{paths.rel(paths.BUILD)}: is a symbolic link; not deleted")
    if paths.BUILD.is_dir():
        shutil.rmtree(paths.BUILD)
        gone.append(paths.rel(paths.BUILD) + "/")
    for f in declared_outputs():
        if f.is_file() and not f.is_symlink():
            f.unlink()
            gone.append(paths.rel(f))
    for folder in output_folders():
        if folder.is_dir() and not folder.is_symlink():
            for entry in folder.iterdir():
                if is_temporary(entry) and entry.is_file() and not entry.is_symlink():
                    entry.unlink()
                    gone.append(paths.rel(entry))
    # an output folder left empty goes too (rmdir: never a folder that still holds anything)
    for folder in sorted(output_folders(), key=lambda f: len(f.parts), reverse=True):
        if folder not in (paths.ROOT, paths.DATA, paths.NOTEBOOKS) and folder.is_dir() and not folder.is_symlink():
            try:
                folder.rmdir()
                gone.append(paths.rel(folder) + "/")
            except OSError:
                pass
    sweep_private_folders()
    _say(f"clean: deleted {len(gone)} built files and folders (build/, the declared outputs, temporaries)")
    return gone


def _runs_to_delete() -> list[Path]:
    from analysis.pipeline import runs

    folder = paths.RUNS
    if folder.is_symlink():
        raise RefusedError(f"{paths.rel(folder)}: is a symbolic link; not deleted")
    if not folder.is_dir():
        return []
    out = [folder / r for r in runs.list_runs()]
    for entry in folder.iterdir():
        name = entry.name
        if entry.is_symlink():
            continue
        if runs.ASIDE.fullmatch(name) and entry.is_dir():
            out.append(entry)
        elif entry.is_file() and (name.startswith("compare.") or (name.startswith(".") and name.endswith(".lock"))
                                  or is_temporary(entry)):
            out.append(entry)
    return sorted(set(out))


def distclean(venv: str) -> None:
    """``clean``, then the named runs and the environment (each checked before anything goes)."""
    folder = check_venv(venv)
    doomed = _runs_to_delete()
    clean()
    for entry in doomed:
        if entry.is_dir():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    if paths.RUNS.is_dir() and not paths.RUNS.is_symlink():
        try:
            paths.RUNS.rmdir()
        except OSError:
            _say(f"distclean: kept {paths.rel(paths.RUNS)}/: it holds files the project did not make")
    if folder is not None and folder.is_symlink():
        _say(f"distclean: kept {venv}: a symbolic link to an environment the project did not make there")
        folder = None
    elif folder is not None:
        shutil.rmtree(folder)
    _say(f"distclean: deleted {len(doomed)} run entries" + (f" and the environment {venv}/" if folder else ""))


def build_env(venv: str) -> None:
    """Create the environment if needed and install requirements.txt into it (argument lists, no shell)."""
    folder = check_venv(venv)
    target = paths.ROOT / venv
    _say(f"building the environment in {venv} from requirements.txt")
    python = target / "bin" / "python"
    if folder is None or not os.access(python, os.X_OK):
        subprocess.run([sys.executable, "-m", "venv", str(target)], check=True)
    pip = subprocess.Popen([str(python), "-m", "pip", "install", "--quiet", "--requirement",
                            str(paths.ROOT / "requirements.txt")], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True)
    for line in pip.stdout:
        if not line.startswith("WARNING: Location"):
            sys.stdout.write(line)
    if pip.wait() != 0:
        raise RefusedError(f"pip could not install requirements.txt into {venv} (exit status {pip.returncode})")
    # The figure pages' JavaScript is a pure function of the installed vl-convert: kept with the
    # environment, so that a clean build does not rebuild it (analysis/vega_bundle.py).
    kept = subprocess.run([str(python), "-m", "analysis.vega_bundle"], cwd=paths.ROOT, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True)
    sys.stdout.write(kept.stdout if kept.returncode == 0 else "vega bundle: not kept (each build makes its own)\n")
    (target / ".stamp").touch()
