"""Integration fixtures: a private copy of the compendium per test, and a make that runs in it.

Drills never run against the working tree. Each worker builds (or finds up to date) one copy per
session, :func:`base`; every drill then starts from a copy of that built tree, never from a fresh
build. The copy holds the tracked files and the build state (``build/``, with mtimes preserved,
so a copy of an up-to-date tree is up to date), and links this checkout's ``.venv``, so no
environment is rebuilt. Files are copied, not hard-linked: drills edit files in place (a raw
table, a cache entry, a figure) and a hard link would carry the edit into every other copy; a
copy of the built tree (about 40 MB) takes under a tenth of a second.

Also shared: :func:`built_run`, a copy with one named run already built, for the drills that
start from an existing run; :func:`validate`, the pipeline's check of a command line, called
in this process, for the hostile corpora (every value through the validator, a sample of them
through make and the entry point); and :class:`Watch`, which tells a drill that stops a build
when the build has reached a given moment (a runner's stage folder made, its kernel started, its
first output staged), instead of sleeping a fixed delay.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
OUTPUT_DIRS = ("notebooks", "figures", "reports", "data/processed")
IGNORE = shutil.ignore_patterns(".git", ".venv", "runs", "__pycache__", ".pytest_cache", ".bench")
COPY_IGNORE = shutil.ignore_patterns(".git", ".venv", "runs", ".pytest_cache", ".bench")  # a test's copy: its bytecode too


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


def _copy(src: Path, dst: Path, runs: bool = False) -> Compendium:
    """A copy of the compendium at ``src`` (with its named runs if ``runs``); the bytecode of a
    copy made by the tests (:func:`base`) is kept, never this checkout's."""
    ignore = IGNORE if Path(src) == REPO else COPY_IGNORE
    if runs:
        top, skip = Path(src), ignore
        ignore = lambda folder, names: {n for n in skip(folder, names)  # noqa: E731
                                        if not (n == "runs" and Path(folder) == top)}
    shutil.copytree(src, dst, ignore=ignore, symlinks=True)
    venv = REPO / ".venv"
    if venv.exists() and not (dst / ".venv").exists():
        (dst / ".venv").symlink_to(venv, target_is_directory=True)
    return Compendium(dst)


def compile_code(root: Path) -> None:
    """Write the bytecode of ``root``'s ``analysis`` package into its ``__pycache__`` folders.
    The build never writes bytecode (the Makefile sets PYTHONDONTWRITEBYTECODE, so a checkout
    stays as git has it), so without this every process of every drill (about 120 kernels and as
    many pipeline processes a run of the suite) compiled each module it imports from source again:
    about 18 CPU-seconds a run. Python reads bytecode only while its source's size and mtime match
    (a copy keeps mtimes), so a drill that edits a module still runs its edit."""
    import compileall

    compileall.compile_dir(root / "analysis", quiet=1, workers=1)


@pytest.fixture(scope="session")
def base(tmp_path_factory) -> Compendium:
    """An up-to-date copy of the compendium; its outputs are the reference (a clean build's). Its
    code is compiled (:func:`compile_code`) and every copy of it keeps that bytecode."""
    comp = _copy(REPO, tmp_path_factory.mktemp("base") / "suanli")
    compile_code(comp.root)
    done = comp.make("all")
    assert done.returncode == 0, done.stderr[-3000:]
    comp.reference = comp.outputs()
    return comp


@pytest.fixture
def compendium(base, tmp_path) -> Compendium:
    comp = _copy(base.root, tmp_path / "suanli")
    comp.reference = base.reference
    return comp


#: The named run :func:`built_run` holds (make forecast …): a method and horizon other than the
#: defaults, so that it is a real run of its own.
RUN_X = ("RUN=x", "METHOD=ets", "HORIZON=2030")


@pytest.fixture(scope="session")
def built_run(base, tmp_path_factory) -> Compendium:
    """A built copy with run ``x`` made (``make forecast`` with :data:`RUN_X`), once per worker;
    ``run_result`` is that make's output. Use :func:`with_run` for a private copy of it."""
    comp = _copy(base.root, tmp_path_factory.mktemp("run") / "suanli")
    comp.reference = base.reference
    comp.run_result = comp.make("forecast", *RUN_X)
    assert comp.run_result.returncode == 0, comp.run_result.stderr[-3000:]
    return comp


@pytest.fixture
def with_run(built_run, tmp_path) -> Compendium:
    """A private copy of :func:`built_run` (its default outputs and run ``x``)."""
    comp = _copy(built_run.root, tmp_path / "suanli", runs=True)
    comp.reference, comp.run_result = built_run.reference, built_run.run_result
    return comp


# ----------------------------------------------------------------------------- the validator, in process

def validate(goal: str | None, assignments: list[str], via: str = "entry", environ: dict | None = None) -> str:
    """What the pipeline says of a command line, checked in this process: "" if it accepts it, else
    its one error line (``error: …``). ``goal``: make's goal, or the entry point's command
    (``"all"``, ``"forecast"``; None for ``check``).

    This is the check both doors run before anything else. ``via="make"``: the variables are
    handed over as make hands them, one file each written by ``$(file …)`` (value and newline),
    with ``.names`` and ``.goals``, to :func:`analysis.pipeline.cli.check_vars`, which make runs
    while it reads the Makefile. ``via="entry"``: they are read as ``python -m analysis.pipeline
    <command> NAME=VALUE …`` reads its arguments (:func:`analysis.pipeline.cli.variables`), then
    checked by :func:`analysis.pipeline.engine.check_all` (and the run's preflight for
    ``forecast``), as the command does before it acts. A corpus of values so costs microseconds
    each instead of a make and a Python start. What only make refuses (a name make expands
    itself, ``:=``, the Makefile's own variables) is not checked here, nor is what a shell would
    do with a value: the drills send a sample holding every class of value (each shell
    metacharacter, each variable, each goal) through make and the entry point as well."""
    import contextlib
    import io
    import tempfile

    from analysis.pipeline import cli, engine
    from analysis.pipeline import params as P
    from analysis.pipeline import runs

    env = dict(environ if environ is not None else clean_env())
    if via == "make":
        names = [a.partition("=")[0] for a in assignments]
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "vars" / "1"
            folder.mkdir(parents=True)
            for a in assignments:
                name, _, value = a.partition("=")
                (folder / name).write_text(value + "\n", encoding="utf-8", errors="surrogateescape")
            (folder / ".names").write_text(" ".join(names) + "\n")
            (folder / ".goals").write_text((goal or "all") + "\n")
            out = io.StringIO()
            with contextlib.redirect_stdout(out):  # check --vars takes only make's build/vars/<n>: the same files
                cli.check_make_variables(cli.read_vars(folder))  # are read and checked as it reads and checks them
        lines = out.getvalue().splitlines()
        return "\n".join(line for line in lines if line != cli.UP_TO_DATE)
    try:
        variables = cli.variables(assignments, env)
        engine.check_all(variables, [goal] if goal else None)
        if goal == "forecast":
            runs.preflight(variables)
    except (P.ParameterError, engine.BuildError) as err:
        return f"error: {cli._one_line(err)}"
    return ""


# ----------------------------------------------------------------------------- the moments of a build

class Watch:
    """A build's own temporary folder (``TMPDIR``), where each runner makes its private folders
    (analysis/pipeline/runner.py): ``suanli-stage-<pid>-…`` when a step starts (its ledger,
    ``ledger.tsv``, lists each output the kernel has staged) and ``suanli-sk-<pid>-…`` for the
    kernel's sockets. A drill waits for one of these moments, not for a fixed delay that a quiet
    machine overshoots (the step already finished) and a busy one undershoots."""

    MOMENTS = ("stage", "kernel", "writing")

    def __init__(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="sl", dir="/tmp"))  # short: the sockets live here too

    def env(self, **extra: str) -> dict[str, str]:
        return clean_env(TMPDIR=str(self.tmp), **extra)

    def folders(self) -> list[str]:
        """The runners' private folders now present (stage and socket)."""
        return sorted(p.name for p in self.tmp.iterdir() if p.name.startswith(("suanli-stage-", "suanli-sk-")))

    def runners(self) -> set[int]:
        """The process ids the private folders are named after."""
        return {int(name.split("-")[2]) for name in self.folders()}

    def reached(self, moment: str) -> bool:
        names = self.folders()
        if moment == "stage":
            return any(n.startswith("suanli-stage-") for n in names)
        if moment == "kernel":
            return any(n.startswith("suanli-sk-") for n in names)
        if moment == "writing":
            for n in names:
                try:
                    if n.startswith("suanli-stage-") and (self.tmp / n / "ledger.tsv").stat().st_size > 0:
                        return True
                except OSError:  # the step ended and removed its folder meanwhile
                    pass
            return False
        raise ValueError(moment)

    def wait(self, moment: str, proc=None, timeout: float = 300) -> bool:
        """Wait until ``moment`` (one of :data:`MOMENTS`); False if ``proc`` ended first or time ran out."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.reached(moment):
                return True
            if proc is not None and proc.poll() is not None:
                return False
            time.sleep(0.02)
        return False

    def close(self) -> None:
        shutil.rmtree(self.tmp, ignore_errors=True)


@pytest.fixture
def watch():
    w = Watch()
    yield w
    w.close()


def wait_for(predicate, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return False
