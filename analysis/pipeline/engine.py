"""The engine: decides by content which steps are stale, runs them, and records what they wrote.

Why this module exists: a step must rerun exactly when something it depends on changed, and
never otherwise. So staleness is decided **by content**, not by modification times: a step
reruns when the hash of any declared input changes (its source, the ``analysis`` modules it
imports, the bytes and the set of raw files, the tables it reads, its parameters), or when one
of its outputs no longer has the hash recorded when the step wrote it (edited by hand,
deleted: restored, in one line). State lives in ``build/state/`` (default outputs) and
``runs/<name>/.state/`` (a named run). What the steps are is declared in
:mod:`analysis.pipeline.registry`; this module only reads that declaration.

**Which steps a named run executes** is a function of its parameters (:func:`run_plan`): the
forecasts and their figures always, plus every step whose parameters the run sets to other
than their defaults, plus every step downstream of those, all in ``runs/<name>/``. Everything
else the run reads comes from the default outputs, and only when those are up to date
(:func:`check_upstream`). Making a run (its lock, its record) is :mod:`analysis.pipeline.runs`.
"""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from analysis.base import paths
from analysis.base.terminal import printable
from analysis.pipeline import params as P
from analysis.pipeline.registry import (FORMATS, INDEX_FILES, RUNNER_FILES, STEPS, downstream, module_files,
                                        run_steps, source, upstream, writer_of)


class BuildError(RuntimeError):
    """A step cannot run (bad raw file, missing input); one line, repository paths only."""


# ----------------------------------------------------------------------------- where a scope writes

def runs_folder() -> Path:
    """``runs/``: a real folder of the repository (not a symbolic link, not a file), if it exists."""
    where = paths.rel(paths.RUNS)
    if paths.RUNS.is_symlink():
        raise BuildError(f"{where}: is a symbolic link; runs must be written inside the repository "
                         f"(delete the link: a new {where}/ is made)")
    if paths.RUNS.exists() and not paths.RUNS.is_dir():
        raise BuildError(f"{where}: exists and is not a folder (move it away: a new {where}/ is made)")
    return paths.RUNS


def run_folder(run: str) -> Path:
    """``runs/<run>/``, after checking the name's pattern and that it resolves under runs/."""
    P.check_run_name(run)
    folder = (runs_folder() / run)
    if (folder.exists() or folder.is_symlink()) and (folder.is_symlink() or not folder.is_dir()):
        raise P.ParameterError(f"run '{run}': runs/{run} exists and is not a run folder (a file or a link); "
                               "move it away, or use another run name")
    resolved = folder.resolve()
    if resolved.parent != paths.RUNS.resolve():
        raise P.ParameterError(f"run '{run}': runs/{run} does not resolve to a folder directly under runs/")
    if folder.is_dir():  # nothing inside a run may lead elsewhere: a symlinked subfolder would be written through
        for top, subdirs, files in os.walk(folder, followlinks=False):
            for entry in subdirs + files:
                if (Path(top) / entry).is_symlink():
                    where = (Path(top) / entry).relative_to(paths.ROOT).as_posix()
                    raise P.ParameterError(f"run '{run}': {where} is a symbolic link; a run folder may hold only "
                                           "regular files and folders (delete it, or use a new run name)")
    return folder


def dirs(run: str | None) -> dict[str, Path]:
    if run:
        run_folder(run)
    return paths.out_dirs(run)


# ----------------------------------------------------------------------------- what a run executes

def non_default(name: str, values: dict) -> list[str]:
    """The parameters of step ``name`` that ``values`` (checked values) set to other than their default."""
    return sorted(k for k, p in P.known(name).items()
                  if k not in P.INTERNAL and k in values and values[k] != p.default)


def run_plan(values: dict) -> list[str]:
    """The steps a named run with parameters ``values`` executes, in order: the forecasts and their
    figures (:func:`registry.run_steps`), every step whose parameters it sets to other than their
    defaults, and every step downstream of those."""
    return downstream(set(run_steps()) | {n for n in STEPS if non_default(n, values)})


def complete(values: dict) -> dict:
    """A run's record with every parameter of every step, defaults filled in (a record written
    before a parameter existed reads as its default)."""
    out = {}
    for n in STEPS:
        out.update({k: p.default for k, p in P.known(n).items() if k not in P.INTERNAL})
    out.update(values)
    return out


_EXECUTED: dict[tuple, list[str]] = {}


def executed(run: str) -> list[str]:
    """The steps named run ``run`` executes, from its record (``runs/<run>/params.yaml``); a run
    without a readable record executes the forecasts only."""
    record = paths.RUNS / run / "params.yaml"
    try:
        st = record.stat()
    except OSError:
        return run_steps()
    cache_key = (str(record), st.st_mtime_ns, st.st_size)
    if cache_key not in _EXECUTED:
        try:
            values = complete(P.read(record))
        except Exception:  # unreadable (not YAML, not a mapping): runs.read_record says so, in one line
            return run_steps()
        _EXECUTED[cache_key] = run_plan(values)
    return list(_EXECUTED[cache_key])


def table_path(table: str, run: str | None) -> Path:
    """Where ``table`` lives for a scope: a run's own copy if the run executes its writer."""
    own = run and writer_of(table) in executed(run)
    return dirs(run if own else None)["processed"] / f"{table}.csv"


def _file(rel: str, run: str | None) -> Path:
    """A declared repository file written by a step (``data/datapackage.json``), for a scope: a
    run keeps its own copy in ``runs/<name>/`` (``runs/<name>/datapackage.json``)."""
    if not run:
        return paths.ROOT / rel
    parts = Path(rel).parts
    return dirs(run)["processed"].parent.joinpath(*(parts[1:] if parts[0] == "data" else parts))


def outputs(name: str, run: str | None = None) -> list[Path]:
    """Every file step ``name`` writes (declared), for the default outputs or a run."""
    step, out = STEPS[name], dirs(run)
    files = [out["notebooks"] / f"{name}.ipynb", out["reports"] / f"{name}.html"]
    files += [out["processed"] / f"{t}.csv" for t in step.tables]
    files += [out["figures"] / f"{f}.{x}" for f in step.figures for x in FORMATS]
    files += [_file(f, run) for f in step.files]
    return files


def asset_files(name: str) -> list[Path]:
    """The step's other declared inputs; a glob that matches nothing is an error (a typo)."""
    found = []
    for pattern in STEPS[name].assets:
        matches = sorted(paths.ROOT.glob(pattern))
        if not matches:
            raise BuildError(f"{pattern}: declared as an input of {name} in analysis/pipeline/registry.py, but no such file")
        found += [m for m in matches if m.is_file()]
    return found


# ----------------------------------------------------------------------------- content hashes

def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def raw_files() -> list[Path]:
    """The raw tables; a symlink, or a file resolving outside data/raw/, is refused."""
    raw_dir = paths.RAW
    if raw_dir.is_symlink() or not raw_dir.resolve().is_relative_to(paths.ROOT.resolve()):
        raise BuildError(f"{raw_dir.relative_to(paths.ROOT).as_posix()}: a symbolic link or outside the repository; "
                         "raw data must be regular files in data/raw/")
    files = sorted(raw_dir.glob("*.csv"))
    for f in files:
        name = f"data/raw/{f.name}"
        if f.is_symlink():
            raise BuildError(f"{name}: is a symbolic link; raw data must be a regular file in the repository")
        if not f.resolve().is_relative_to(raw_dir.resolve()) or not f.is_file():
            raise BuildError(f"{name}: is not a regular file inside data/raw/")
    return files


def parameters(name: str, run: str | None = None, environ=None) -> dict:
    """The checked parameters of a step: the make variables (environment), plus run_name."""
    values = P.from_environ(name, environ)
    if "run_name" in P.known(name):
        values["run_name"] = run or ""
    return P.check(name, values)


def inputs(name: str, run: str | None = None, environ=None) -> dict[str, str]:
    """Every declared input of a step, as repository path → content hash (parameters included)."""
    step = STEPS[name]
    files = [source(name), *module_files(name), *(paths.ROOT / f for f in RUNNER_FILES)]
    if step.reads_raw:
        files += raw_files()
    files += [table_path(t, run) for t in step.reads]
    files += asset_files(name)
    out = {}
    for f in files:
        rel = paths.rel(f)
        if not f.exists():
            raise BuildError(f"{rel}: missing (an input of {name}); run `make all` first")
        out[rel] = sha256_file(f)
    if step.reads_raw:
        out["data/raw/ (the set of files)"] = hashlib.sha256(
            "\n".join(f.name for f in raw_files()).encode()).hexdigest()
    out["parameters"] = hashlib.sha256(json.dumps(parameters(name, run, environ), sort_keys=True).encode()).hexdigest()
    return out


def key(inp: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(inp, sort_keys=True).encode()).hexdigest()


def state_file(name: str, run: str | None) -> Path:
    base = (dirs(run)["notebooks"].parent / ".state") if run else paths.STATE
    return base / f"{name}.json"


def load_state(name: str, run: str | None) -> dict:
    f = state_file(name, run)
    try:
        return json.loads(f.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def why_stale(name: str, run: str | None = None, environ=None) -> tuple[list[str], list[str]]:
    """(changed inputs, outputs edited or missing): both empty means up to date."""
    state = load_state(name, run)
    now = inputs(name, run, environ)
    before = state.get("inputs", {})
    changed = sorted(k for k in set(now) | set(before) if now.get(k) != before.get(k))
    edited = []
    recorded = state.get("outputs", {})
    if not recorded:
        edited = [paths.rel(f) for f in outputs(name, run)][:1] if not changed else []
    for rel, digest in sorted(recorded.items()):
        f = paths.ROOT / rel
        if not f.is_file() or f.is_symlink() or sha256_file(f) != digest:
            edited.append(rel)
    return changed, edited


def _record(name: str, run: str | None, inp: dict[str, str], written: list[Path], timings: dict | None = None) -> None:
    from analysis.base.atomic import write_text

    outs = {paths.rel(f): sha256_file(f) for f in sorted(set(written))}
    record = {"step": name, "run": run or "", "inputs": inp, "outputs": outs}
    if name in STEPS:
        record["parameters"] = parameters(name, run)
    if timings:  # for `make bench` only; never read to decide anything
        record["timings"] = {k: round(v, 3) for k, v in timings.items()}
    write_text(state_file(name, run), json.dumps(record, indent=1, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------- running

def run_step(name: str, run: str | None = None, environ=None, kernel=None) -> bool:
    """Run step ``name`` if it is stale; return whether it ran. A step rerun only to restore an
    output edited by hand draws its figures afresh (never from the figure cache). ``kernel``: one
    started ahead for it (:class:`analysis.pipeline.runner.Kernel`), used if it fits, else discarded."""
    environ = os.environ if environ is None else environ
    if run and name not in executed(run):
        raise BuildError(f"run '{run}' does not execute {name} (it reads the default outputs of it)")
    changed, edited = why_stale(name, run, environ)
    if not changed and not edited:
        if kernel is not None:
            kernel.discard()
        return False
    fresh = bool(edited) and not changed
    if fresh:
        print(f"suanli: restoring {', '.join(edited[:3])}{' …' if len(edited) > 3 else ''} "
              f"(changed since {name} wrote it): rerunning {name}, drawing afresh")
    step = STEPS[name]
    if step.reads_raw:
        try:
            _check_raw(record=run is None)
        except BaseException:
            if kernel is not None:
                kernel.discard()
            raise
    from analysis.pipeline import runner

    out = dirs(run)
    inp = inputs(name, run, environ)  # as of now: what this run is based on
    t0 = time.perf_counter()
    given = {k: v for k, v in parameters(name, run, environ).items() if k not in P.INTERNAL}
    # A run that rebuilds the cleaned data keeps every output of its kernels in its own folder.
    in_run = bool(run) and any(not STEPS[n].in_runs for n in executed(run))
    written = runner.execute(source(name), out["notebooks"] / f"{name}.ipynb", given,
                             html=out["reports"] / f"{name}.html", run=run, timeout=P.cell_timeout(environ),
                             outputs_in_run=in_run, fresh=fresh, kernel=kernel)
    _record(name, run, inp, written, timings={"total": time.perf_counter() - t0, **runner.LAST_TIMINGS})
    print(f"runner: wrote {paths.rel(out['notebooks'] / f'{name}.ipynb')} and "
          f"{paths.rel(out['reports'] / f'{name}.html')} ({time.perf_counter() - t0:.1f} s)")
    for line in runner.LAST_WARNINGS:  # allowed, but never silent (issue 19)
        print(f"suanli: {name}{' (run ' + run + ')' if run else ''}: {printable(line)}")
    return True


def start_kernel(name: str, run: str | None = None):
    """A kernel for step ``name`` of ``run`` started now, for what :func:`run_step` will ask of it
    (its folders, its outputs' folder), to be handed to it (:class:`analysis.pipeline.runner.Kernel`)."""
    from analysis.pipeline import runner

    in_run = bool(run) and any(not STEPS[n].in_runs for n in executed(run))
    return runner.Kernel(name, dirs(run)["notebooks"] / f"{name}.ipynb", run=run, outputs_in_run=in_run).start()


def ready_ahead(name: str):
    """Get a process started ahead for step ``name`` (``run NAME --when-told``) ready while the steps
    upstream of it still run: the runner's imports, and the step's kernel (not for a step that
    reads data/raw: bad raw data stops a step before any kernel starts). Returns the kernel, or None."""
    from analysis.pipeline import runner

    kernel = None if STEPS[name].reads_raw else start_kernel(name)  # it boots while the runner imports
    runner.ready()
    return kernel


def run_steps_warm(steps: list[str], run: str | None, environ=None) -> list[str]:
    """Run ``steps`` (in order, each if stale) in this process; return those that ran. While a step
    runs, the next one's kernel starts (:class:`analysis.pipeline.runner.Kernel`): a named run
    (``make forecast``) pays one kernel start, not one per step."""
    from analysis.pipeline import runner

    ran, kernel = [], None
    try:
        for i, name in enumerate(steps):
            stale = any(why_stale(name, run, environ))
            if stale and kernel is None:
                kernel = start_kernel(name, run)
            after = start_kernel(steps[i + 1], run) if stale and i + 1 < len(steps) and CORES > 1 else None
            if run_step(name, run, environ, kernel=kernel):
                ran.append(name)
            kernel = after
    finally:
        runner.discard_all()
    return ran


def left_behind(name: str, run: str | None = None) -> str:
    """After step ``name`` failed, what the build left, in one sentence (empty if nothing is mixed):
    the steps upstream of it whose records are newer than its own (they published in this build),
    and the outputs that are now older than theirs (``name``'s and everything downstream of it,
    the index page included), which the next successful ``make all`` redoes. Issue 29, N5."""
    def recorded(n: str) -> float:
        f = state_file(n, run)
        return f.stat().st_mtime if f.is_file() else 0.0

    mine = recorded(name)
    ahead, todo = set(), list(upstream(name))
    while todo:
        u = todo.pop()
        if u not in ahead:
            ahead.add(u)
            todo += upstream(u)
    newer = [n for n in STEPS if n in ahead and recorded(n) > mine]
    if not newer:
        return ""
    behind = downstream([name])
    return (f"left: the outputs of {', '.join(newer)} are from this build, those of {', '.join(behind)} and the "
            f"index page from an earlier one (`git status` lists them; `make all` redoes them once this is fixed)")


def raw_check_key() -> str:
    """What a check of data/raw depends on: the raw files (names and bytes), the code of ``analysis``
    (the schemas, the derived-value formulas and everything they import) and the pinned environment."""
    h = hashlib.sha256()
    code = sorted((paths.ROOT / "analysis").rglob("*.py"))
    for f in raw_files() + code + [paths.ROOT / "requirements.txt"]:
        h.update(paths.rel(f).encode("utf-8") + b"\0" + (sha256_file(f).encode() if f.is_file() else b"-") + b"\n")
    return h.hexdigest()


def _check_raw(record: bool = False) -> None:
    """Check data/raw (every table against its schema, the derived values' formulas) before a step
    reads it: bad data fails in one line per cell, before any kernel starts. A check that passed is
    not repeated while what it depends on (:func:`raw_check_key`) is unchanged: the default build
    records it (``record``) in ``build/state/raw-check.json`` (about 0.8 s saved, e.g. on an
    ``AS_OF`` rerun, which reruns 01_clean on the same raw data)."""
    from analysis.base.atomic import write_text

    key = raw_check_key()
    done = state_file("raw-check", None)
    try:
        if json.loads(done.read_text(encoding="utf-8")).get("passed") == key:
            return
    except (OSError, ValueError, AttributeError):
        pass
    from analysis import cleaning, sources

    try:
        sources.check_formulas(sources.load_all(), cleaning.DERIVED)
    except sources.RawDataError as err:
        raise BuildError(f"bad raw data\n{err}") from None
    except FileNotFoundError as err:
        raise BuildError(f"bad raw data: {paths.rel(err.filename)} is missing") from None
    if record:
        write_text(done, json.dumps({"passed": key}, indent=1) + "\n")


def index_inputs(run: str | None) -> dict[str, str]:
    names = executed(run) if run else list(STEPS)
    out = {f: sha256_file(paths.ROOT / f) for f in INDEX_FILES}
    for n in names:
        out[f"state:{n}"] = sha256_file(state_file(n, run)) if state_file(n, run).exists() else ""
    return out


# ----------------------------------------------------------------------------- named runs

def run_parameters(run: str, environ=None) -> dict:
    """The parameters of a named run: every step's (a run executes the steps whose parameters it
    changes, and reads the others' default outputs, built with the defaults): what params.yaml
    records."""
    merged = {}
    for n in STEPS:
        merged.update({k: v for k, v in parameters(n, run, environ).items() if k not in P.INTERNAL})
    return merged


def check_upstream(steps: list[str], environ=None) -> None:
    """Every step the run does not execute but reads from (directly or not) must have up-to-date
    default outputs; otherwise one line: run `make all` first."""
    needed, todo = set(), [u for n in steps for u in upstream(n)]
    while todo:
        u = todo.pop()
        if u not in steps and u not in needed:
            needed.add(u)
            todo += upstream(u)
    for n in [n for n in STEPS if n in needed]:
        try:
            changed, edited = why_stale(n, None, environ)
        except BuildError as err:
            changed, edited = [str(err)], []
        if changed or edited:
            why = f"changed: {', '.join(changed[:3])}" if changed else f"edited: {', '.join(edited[:3])}"
            raise BuildError(f"the default outputs of {n}, which this run reads, are not up to date ({why}); "
                             "run `make all` first")


# ----------------------------------------------------------------------------- checks and plans

def check_all(environ=None, goals=None) -> None:
    """Validate the command line and every variable (before anything runs). ``goals``: make's
    goals, when known (RUN and REPLACE are for ``make forecast`` only)."""
    environ = os.environ if environ is None else environ
    P.check_command_line(environ.get("SUANLI_CLI_VARS", "").split(), environ, goals)
    for n in STEPS:
        parameters(n, None, environ)
    if environ.get("RUN", ""):
        P.check_run_name(environ["RUN"])
    P.check_build_variables(environ)


def plan(environ=None) -> list[str]:
    """What `make all` would run now, with the reason (for `make -n` and `make -q`)."""
    lines, ran = [], set()
    for n in STEPS:
        try:
            changed, edited = why_stale(n, None, environ)
        except BuildError as err:
            changed, edited = [str(err)], []
        after = [u for u in upstream(n) if u in ran]
        if changed or edited:
            ran.add(n)
            why = (f"changed: {', '.join(changed[:4])}" if changed else f"restore: {', '.join(edited[:4])}")
            lines.append(f"run {n} ({why})")
        elif after:
            lines.append(f"maybe run {n} (if {', '.join(after)} changes what it reads)")
    page = dirs(None)["reports"] / "index.html"
    state = load_state("index", None)
    if ran or state.get("inputs") != index_inputs(None):
        lines.append("run index (its notebooks' records changed)" if ran or state else "run index (never built)")
    elif not page.is_file() or sha256_file(page) != state.get("outputs", {}).get(paths.rel(page)):
        lines.append(f"run index (restore: {paths.rel(page)})")
    return lines


# ----------------------------------------------------------------------------- one process per build

class StepFailed(RuntimeError):
    """A step run aside (in its own process) failed; that process has said why, on stderr."""

    def __init__(self, name: str, code: int):
        super().__init__(f"{name} failed (exit status {code})")
        self.code = code


def jobs_from(makeflags: str | None) -> int:
    """How many steps make allows at once: ``-jN`` in MAKEFLAGS (``-j`` alone: every step), else 1."""
    for word in (makeflags or "").split():
        if word.startswith("-j"):
            n = word[2:]
            return int(n) if n.isdigit() and int(n) > 0 else len(STEPS)
    return 1


def chain_length(name: str) -> int:
    """Steps on the longest chain from ``name`` to the end of the graph (``name`` included)."""
    readers = [n for n in STEPS if name in upstream(n)]
    return 1 + max((chain_length(n) for n in readers), default=0)


#: Cores this process may use (its affinity): a kernel is started ahead only while one is free.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def schedule(ready: list[str], aside: int, last: str | None = None) -> tuple[str | None, list[str]]:
    """Of the steps ``ready`` to run (in the registry's order), the one this process runs next (the
    head of the longest remaining chain: the critical path) and those started aside in their own
    processes (at most ``aside`` of them, the rest wait). Between chains of the same length, this
    process follows its own: a step that reads what ``last`` (the step it ran last) wrote comes
    first, so that after 03_forecast it runs 05_forecast_figures, which waits for 03, and leaves
    04_context_figures, which could have started long before, to a process aside."""
    if not ready:
        return None, []
    here = max(ready, key=lambda n: (chain_length(n), last in upstream(n), -list(STEPS).index(n)))
    return here, [n for n in ready if n != here][:max(0, aside)]


def build(environ=None, jobs: int = 1, starting=None) -> None:
    """``make all``: run every stale step of the default outputs in the graph's order (the command
    ``build`` then writes the index page, :mod:`analysis.pipeline.cli`).

    ``starting``: called once, when this process is about to run its first step, after the raw
    check (the command ``build`` starts the index page's process then: a build refused by its raw
    data, or with nothing to run here, never pays for that process's imports).

    Why one process: a step run by its own process pays a Python start and the runner's imports
    (papermill, nbformat, nbconvert: about half a second) before its kernel starts, and a fresh
    step pays them only to find it has nothing to do. Here a step whose inputs are final (every
    step upstream of it has ended) and that is up to date is done without any process; the stale
    steps of the critical path (the longest chain of the registry's graph) run one after another
    in this process, which pays that start once; with ``jobs`` > 1 (``make -j2``) a stale step off
    that path whose inputs are ready runs beside them in its own process (``python -m
    analysis.pipeline run NAME``), as make ran it.

    Warm steps (issue 31): while a step runs here and a core is free (no step runs aside on it),
    the kernel of the step this process will run next is started, with that step's imports done
    (:class:`analysis.pipeline.runner.Kernel`), so the next step's first cell does not wait for a
    kernel. With every core busy (a clean ``make -j2``: a step aside the whole time), a kernel
    started ahead would only slow the steps running, so none is. A kernel started for a step
    that proves up to date (the step before it wrote the same bytes) serves the next step run
    here (:meth:`analysis.pipeline.runner.Kernel.serve`), or is discarded if none is left; one
    started for a step that runs aside is discarded.

    What each step does, decides and writes is :func:`run_step`'s, unchanged: the outputs are the
    same bytes whichever process ran them, on a kernel started ahead or not
    (``tests/integration/test_determinism.py``).

    A step that fails stops the build once the steps already running have ended (as make does);
    a stop (SIGINT, SIGTERM) stops the steps running aside too."""
    import subprocess
    import sys
    import threading

    from analysis.pipeline import runner

    environ = os.environ if environ is None else environ
    base_env = dict(environ)  # as the build started: a step here changes the process's own while it runs
    order = list(STEPS)
    done: set[str] = set()
    aside: dict[str, subprocess.Popen] = {}
    failed: list[tuple[str, int]] = []
    warm: dict[str, runner.Kernel] = {}
    spare: list[runner.Kernel] = []  # started ahead for a step that proved up to date: the next step run here takes it
    waiting: dict[str, subprocess.Popen] = {}  # started ahead (`run NAME --when-told`), told to run once ready
    told: list[subprocess.Popen] = []  # started ahead, then told to skip (their step proved up to date)
    triggered: set[str] = set()  # started ahead for want of a slot, and told to run when one freed
    raw_checked = False  # data/raw passed its checks in this build (run_step checks again before a step reads it)
    last = None  # the step this process ran last

    def reap(block: bool) -> None:
        while aside:
            for n, proc in list(aside.items()):
                if proc.poll() is not None:
                    del aside[n]
                    done.add(n)
                    if proc.returncode:
                        failed.append((n, proc.returncode))
                    return
            if not block:
                return
            time.sleep(0.05)

    def ready_after(finished: set[str]) -> list[str]:
        started = set(aside) | done
        return [n for n in order if n not in started and n not in finished
                and all(u in done or u in finished for u in upstream(n))]

    def spare_or_new(name: str):
        """The spare kernel (started ahead for a step that proved up to date:
        :meth:`analysis.pipeline.runner.Kernel.serve`) made ``name``'s, or one started now."""
        served = spare.pop().serve(name) if spare else None
        return served if served is not None else start_kernel(name)

    def kernel_for(name: str):
        """The kernel started ahead for ``name``, or :func:`spare_or_new`'s (a new one boots while
        this process prepares the step)."""
        kernel = warm.pop(name, None)
        return kernel if kernel is not None else spare_or_new(name)

    telling = threading.Lock()

    def tell(proc, word: str) -> None:
        """Say "run" or "skip" to a process started ahead (once: later words are not read); one that
        has already ended (it failed, and said why) is reaped as a step that ran aside."""
        with telling:
            try:
                proc.stdin.write(word + "\n")
                proc.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass

    def run_when_a_slot_frees(name: str, proc, following: list) -> None:
        """A thread: once one of the steps running aside has ended, tell ``proc`` (``name``, started
        ahead for want of a slot) to run, while this process may still be in the middle of a step.
        It only waits and writes one word: no process is started and no environment is read here."""
        while not any(p.poll() is not None for p in following):
            if proc.poll() is not None or proc.stdin.closed:
                return
            time.sleep(0.05)
        triggered.add(name)
        tell(proc, "run")

    def process(name: str, ahead: bool = False):
        """Run ``name`` in its own process (``run NAME``); ``ahead``: started before its turn
        (``run NAME --when-told``), it gets ready and waits for "run" or "skip" on its input."""
        sys.stdout.flush()
        return subprocess.Popen([sys.executable, "-m", "analysis.pipeline", "run", name] + ["--when-told"] * ahead,
                                cwd=paths.ROOT, env=dict(base_env), stdin=subprocess.PIPE if ahead else None,
                                text=True)

    def end_waiting() -> None:
        for proc in waiting.values():
            tell(proc, "skip")
        for proc in list(waiting.values()) + told:
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        waiting.clear()
        told.clear()

    try:
        while len(done) < len(order):
            reap(block=False)
            if failed:
                break
            ready = ready_after(set())
            # Its inputs are final: a step that is up to date is done here, without a process.
            stale = {n: why_stale(n, None, environ) for n in ready}
            up_to_date = [n for n in ready if not any(stale[n])]
            if up_to_date:
                done.update(up_to_date)
                for n in up_to_date:
                    if n in warm:  # kept for the next step run here (one spare at most)
                        if spare:
                            spare.pop().discard()
                        spare.append(warm.pop(n))
                    if n in waiting:
                        told.append(waiting.pop(n))
                        tell(told[-1], "skip")
                continue
            # Started ahead, and ready now: it runs aside if it has a slot (or was given one by its
            # thread, or this process has nothing else to run); else it keeps waiting for a slot.
            for n in [n for n in ready if n in waiting]:
                if n in triggered or len(aside) < jobs - 1 or not [m for m in ready if m not in waiting]:
                    aside[n] = waiting.pop(n)
                    tell(aside[n], "run")
                ready.remove(n)
            here, others = schedule(ready, jobs - 1 - len(aside) - len(waiting), last)
            for n in others:
                aside[n] = process(n)
                if n in warm:
                    warm.pop(n).discard()
            if here is None:
                reap(block=True)
                continue
            try:
                if STEPS[here].reads_raw and not raw_checked:  # bad raw data fails before any kernel starts
                    _check_raw(record=True)
                    raw_checked = True
                if starting is not None:
                    starting()
                    starting = None
                changed, edited = stale[here]
                kernel = kernel_for(here) if changed or not edited else None  # a restore starts its own
                # The step this process runs after this one, as far as can be told now: its kernel boots
                # meanwhile, if a core is free for it (with every core busy, it would only slow the others).
                after, _ = schedule([n for n in ready_after({here} | set(others)) if n not in waiting], 0, here)
                if after is not None and after not in warm and (raw_checked or not STEPS[after].reads_raw) \
                        and 1 + len(aside) < CORES:
                    warm[after] = spare_or_new(after)
                # A step that will run aside once this one ends: its process starts now, on a free core
                # and within make's -jN, and gets ready (imports, kernel) while this one runs.
                coming = [n for n in ready_after({here} | set(others)) if n != after and n not in waiting]
                if coming and len(aside) + len(waiting) < jobs - 1 and 1 + len(aside) + len(waiting) < CORES:
                    n = schedule(coming, 0, None)[0]
                    waiting[n] = process(n, ahead=True)
                # A stale step ready now but without a slot (make's -jN): it starts ahead, and a thread
                # tells it to run as soon as a step aside ends, rather than when this step does.
                queued = [n for n in ready if n != here and n not in others and n not in waiting]
                if queued and aside and not waiting and 0 < jobs - 1 and \
                        (raw_checked or not STEPS[queued[0]].reads_raw):
                    n = queued[0]
                    waiting[n] = process(n, ahead=True)
                    threading.Thread(target=run_when_a_slot_frees, args=(n, waiting[n], list(aside.values())),
                                     name=f"suanli-slot-{n}", daemon=True).start()
                run_step(here, None, environ, kernel=kernel)
            except Exception as err:  # the command line says what the build left (analysis/pipeline/cli.py)
                err.suanli_step = here
                raise
            sys.stdout.flush()
            done.add(here)
            last = here
        while aside:
            reap(block=True)
        if spare:  # no step was left to take it
            spare.pop().discard()
    except Exception:  # this process's step failed: the steps running aside end first, as under make
        runner.discard_all()
        end_waiting()
        while aside:
            reap(block=True)
        raise
    except BaseException:  # stopped: so are the steps running aside (each removes its temporaries)
        runner.discard_all()
        end_waiting()
        # A stop from the terminal (or a signal to the process group) reached them too: give them
        # time to clean up undisturbed (a second signal would interrupt that), then stop them.
        deadline = time.monotonic() + 10
        for proc in aside.values():
            while proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            if proc.poll() is None:
                proc.terminate()
        for proc in aside.values():
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
        raise
    finally:
        runner.discard_all()
        end_waiting()  # a step started ahead that the build never reached (a failure upstream of it)
    if failed:
        raise StepFailed(*failed[0])
