"""Integration fixtures: a private copy of the compendium per test, and a make that runs in it.

Drills never run against the working tree. The copy holds the tracked files and the build
state (``build/``, with mtimes preserved, so a copy of an up-to-date tree is up to date), and
links this checkout's ``.venv``, so no environment is rebuilt.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OUTPUT_DIRS = ("notebooks", "figures", "reports", "data/processed")
IGNORE = shutil.ignore_patterns(".git", ".venv", "runs", "__pycache__", ".pytest_cache", ".bench")


def clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("SUANLI_ROOT", "PYTHONPATH", "MAKEFLAGS", "MAKELEVEL", "MFLAGS", "SUANLI_KERNEL", "SUANLI_CLI_VARS", "SUANLI_GOALS")}
    env.update(extra)
    return env


@dataclass
class Compendium:
    root: Path

    def make(self, *args: str, env: dict | None = None, timeout: int = 600) -> subprocess.CompletedProcess:
        # Without a project .venv (e.g. a conda user's `make test PYTHON=python`), build the copy
        # with the Python running the tests.
        python = [] if (self.root / ".venv" / "bin" / "python").exists() else [f"PYTHON={sys.executable}"]
        return subprocess.run(["make", "--no-print-directory", *python, *args], cwd=self.root,
                              env=env or clean_env(), capture_output=True, text=True, timeout=timeout)

    def outputs(self) -> dict[str, str]:
        """sha256 of every output file the build writes (tracked outputs)."""
        files = [p for d in OUTPUT_DIRS for p in (self.root / d).rglob("*")
                 if p.is_file() and "src" not in p.parts and not p.name.endswith(".part")]
        files.append(self.root / "data" / "datapackage.json")
        return {str(p.relative_to(self.root)): hashlib.sha256(p.read_bytes()).hexdigest()
                for p in sorted(files) if p.exists()}

    def temporaries(self) -> list[str]:
        return sorted(str(p.relative_to(self.root)) for p in self.root.rglob("*.part")
                      if ".venv" not in p.parts)


def _copy(src: Path, dst: Path) -> Compendium:
    shutil.copytree(src, dst, ignore=IGNORE, symlinks=True)
    venv = REPO / ".venv"
    if venv.exists() and not (dst / ".venv").exists():
        (dst / ".venv").symlink_to(venv, target_is_directory=True)
    return Compendium(dst)


@pytest.fixture(scope="session")
def base(tmp_path_factory) -> Compendium:
    """An up-to-date copy of the compendium; its outputs are the reference (a clean build's)."""
    comp = _copy(REPO, tmp_path_factory.mktemp("base") / "suanli")
    done = comp.make("all")
    assert done.returncode == 0, done.stderr[-3000:]
    comp.reference = comp.outputs()
    return comp


@pytest.fixture
def compendium(base, tmp_path) -> Compendium:
    comp = _copy(base.root, tmp_path / "suanli")
    comp.reference = base.reference
    return comp
