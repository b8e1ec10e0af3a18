"""The build's graph, declared once: every step, what it reads, what it writes, its parameters.

Why this module exists: the Makefile, the index page, ``make runs``, the bench, the tests,
``make help`` and the README all need to know the pipeline's shape. They ask here
(``STEPS``), so adding a figure or a notebook is one entry below plus its code, and a test
(``tests/integration/test_build_graph.py``) runs every notebook and checks that what it actually
reads, writes and imports is exactly what is declared.

It also decides **staleness by content**, not by modification times: a step reruns when the
hash of any declared input changes (its source, the ``analysis`` modules it imports, the bytes
and the set of raw files, the tables it reads, its parameters), or when one of its outputs no
longer has the hash recorded when the step wrote it (edited by hand, deleted: restored, in one
line). State lives in ``build/state/`` (default outputs) and ``runs/<name>/.state/`` (a run).

Command line (called by the Makefile, which holds no value from the user: make exports the
variables to the environment as literals, and Python validates them before anything runs)::

    python -m analysis.build.steps check               # validate every variable; exit 2, one line
    python -m analysis.build.steps run STEP [--run]    # run STEP if stale (for RUN with --run)
    python -m analysis.build.steps index [--run]       # the index page (default or the run's)
    python -m analysis.build.steps plan                # what would run (make -n / make -q)
    python -m analysis.build.steps forecast-start|forecast-done
    python -m analysis.build.steps mk | help | readme-table
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from analysis.build import params as P
from analysis.build import paths

FORMATS = ("svg", "png", "vl.json", "html")


@dataclass(frozen=True)
class Step:
    """One notebook: what it reads and writes. Parameters come from ``params.SPECS[name]``."""

    name: str
    summary: str
    modules: tuple[str, ...]  # every `analysis` module the kernel imports (transitively), see module_name()
    reads_raw: bool = False  # every file in data/raw/
    reads: tuple[str, ...] = ()  # processed tables (data/processed/<t>.csv, or the run's copy)
    assets: tuple[str, ...] = ()  # other files read (repository paths or globs, e.g. "fonts/*.ttf")
    tables: tuple[str, ...] = ()  # processed tables written
    figures: tuple[str, ...] = ()  # figures written, each in every format of FORMATS
    files: tuple[str, ...] = ()  # other files written (repository paths)
    in_runs: bool = False  # part of a parameterised rerun (make forecast RUN=…)


# Modules are named relative to the package, so the layer shows: "cleaning" is analysis/cleaning.py
# (science), "build.atomic" is analysis/build/atomic.py (machinery), "build.__init__" the
# subpackage itself. Modules every notebook kernel imports (the packages, the domain constants,
# each notebook's parameter check, set-up and paths):
_BASE = ("__init__", "domain", "build.__init__", "build.params", "build.notebook", "build.paths")
# The shipped font: every figure is drawn with it and every page embeds it.
FONT_FILES = ("fonts/*.otf",)

STEPS: dict[str, Step] = {s.name: s for s in (
    Step("01_clean", "transcription → validated, cleaned tables, implied values, the audit, the data package",
         modules=_BASE + ("build.atomic", "audit", "cleaning", "findings", "package", "sources"),
         reads_raw=True,
         tables=("figures", "implied", "audit", "series", "rankings", "codebook"),
         files=("data/datapackage.json",)),
    Step("02_forecast", "the forecasts, backtests, track record and the comparison with the report",
         modules=_BASE + ("assembly", "build.atomic", "cleaning", "forecasting", "package", "scoring", "sources",
                          "track_record"),
         reads=("series", "figures", "implied"),
         assets=("data/raw/vintages.csv",),
         tables=("forecasts", "backtests", "model_comparison", "series_assembly", "track_record"),
         in_runs=True),
    Step("03_context_figures", "the figures drawn from the cleaned data",
         modules=_BASE + ("build.atomic", "charts", "figure_cache", "findings", "fonts", "vega_bundle"),
         reads=("figures", "audit", "rankings"),
         assets=FONT_FILES,
         figures=("adoption_survey", "industry_ranking", "nvidia_revenue", "genai_share", "audit", "city_ranking")),
    Step("04_forecast_figures", "the forecast figures, each with what it shows",
         modules=_BASE + ("build.atomic", "charts", "figure_cache", "figure_notes", "fonts", "vega_bundle"),
         reads=("forecasts", "backtests", "model_comparison", "series_assembly", "track_record", "series", "figures"),
         assets=FONT_FILES,
         figures=("compute_growth", "ai_server_market", "model_comparison", "track_record"),
         in_runs=True),
)}
# Machinery whose code shapes every executed notebook and page (the HTML template embeds the font).
RUNNER_FILES = ("analysis/build/runner.py", "analysis/build/templates/suanli/conf.json",
                "analysis/build/templates/suanli/index.html.j2", "analysis/fonts.py", "fonts/SuanliSans-Regular.otf",
                "fonts/SuanliSans-Bold.otf")
INDEX_FILES = ("analysis/build/report.py", "analysis/fonts.py", "fonts/SuanliSans-Regular.otf",
               "fonts/SuanliSans-Bold.otf", "requirements.txt")


class BuildError(RuntimeError):
    """A step cannot run (bad raw file, missing input); one line, repository paths only."""


# ----------------------------------------------------------------------------- the graph

def writer_of(table: str) -> str:
    for step in STEPS.values():
        if table in step.tables:
            return step.name
    raise KeyError(table)


def upstream(name: str) -> list[str]:
    return sorted({writer_of(t) for t in STEPS[name].reads} - {name})


def run_steps() -> list[str]:
    return [n for n, s in STEPS.items() if s.in_runs]


def run_folder(run: str) -> Path:
    """``runs/<run>/``, after checking the name's pattern and that it resolves under runs/."""
    P.check_run_name(run)
    folder = (paths.RUNS / run)
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


def table_path(table: str, run: str | None) -> Path:
    """Where ``table`` lives for a scope: a run's own copy if a run step writes it."""
    own = run and STEPS[writer_of(table)].in_runs
    return dirs(run if own else None)["processed"] / f"{table}.csv"


def outputs(name: str, run: str | None = None) -> list[Path]:
    """Every file step ``name`` writes (declared), for the default outputs or a run."""
    step, out = STEPS[name], dirs(run)
    files = [out["notebooks"] / f"{name}.ipynb", out["reports"] / f"{name}.html"]
    files += [out["processed"] / f"{t}.csv" for t in step.tables]
    files += [out["figures"] / f"{f}.{x}" for f in step.figures for x in FORMATS]
    files += [paths.ROOT / f for f in step.files]
    return files


def source(name: str) -> Path:
    return paths.NOTEBOOK_SOURCES / f"{name}.py"


def asset_files(name: str) -> list[Path]:
    """The step's other declared inputs; a glob that matches nothing is an error (a typo)."""
    found = []
    for pattern in STEPS[name].assets:
        matches = sorted(paths.ROOT.glob(pattern))
        if not matches:
            raise BuildError(f"{pattern}: declared as an input of {name} in analysis/build/steps.py, but no such file")
        found += [m for m in matches if m.is_file()]
    return found


def module_name(module: str) -> str:
    """The import name of a registry module: "build.atomic" → "analysis.build.atomic",
    "build.__init__" → "analysis.build", "__init__" → "analysis"."""
    return ".".join(["analysis", *module.split(".")][:-1 if module.endswith("__init__") else None])


def module_file(module: str) -> Path:
    """The source of a registry module: "build.atomic" → analysis/build/atomic.py."""
    return paths.ROOT / "analysis" / (module.replace(".", "/") + ".py")


def module_files(name: str) -> list[Path]:
    return [module_file(m) for m in STEPS[name].modules]


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
    from analysis.build.atomic import write_text

    outs = {paths.rel(f): sha256_file(f) for f in sorted(set(written))}
    record = {"step": name, "run": run or "", "inputs": inp, "outputs": outs}
    if name in STEPS:
        record["parameters"] = parameters(name, run)
    if timings:  # for `make bench` only; never read to decide anything
        record["timings"] = {k: round(v, 3) for k, v in timings.items()}
    write_text(state_file(name, run), json.dumps(record, indent=1, sort_keys=True) + "\n")


# ----------------------------------------------------------------------------- running

def run_step(name: str, run: str | None = None) -> bool:
    """Run step ``name`` if it is stale; return whether it ran."""
    changed, edited = why_stale(name, run)
    if not changed and not edited:
        return False
    if edited and not changed:
        print(f"suanli: restoring {', '.join(edited[:3])}{' …' if len(edited) > 3 else ''} "
              f"(changed since {name} wrote it): rerunning {name}")
    step = STEPS[name]
    if step.reads_raw:
        _check_raw()
    from analysis.build import runner

    out = dirs(run)
    inp = inputs(name, run)  # as of now: what this run is based on
    t0 = time.perf_counter()
    given = {k: v for k, v in parameters(name, run).items() if k not in P.INTERNAL}
    written = runner.execute(source(name), out["notebooks"] / f"{name}.ipynb", given,
                             html=out["reports"] / f"{name}.html", run=run)
    _record(name, run, inp, written, timings={"total": time.perf_counter() - t0, **runner.LAST_TIMINGS})
    print(f"runner: wrote {paths.rel(out['notebooks'] / f'{name}.ipynb')} and "
          f"{paths.rel(out['reports'] / f'{name}.html')} ({time.perf_counter() - t0:.1f} s)")
    return True


def _check_raw() -> None:
    from analysis import sources

    raw_files()
    try:
        sources.load_all()
    except sources.RawDataError as err:
        raise BuildError(f"bad raw data\n{err}") from None
    except FileNotFoundError as err:
        raise BuildError(f"bad raw data: {paths.rel(err.filename)} is missing") from None


def index_inputs(run: str | None) -> dict[str, str]:
    names = run_steps() if run else list(STEPS)
    out = {f: sha256_file(paths.ROOT / f) for f in INDEX_FILES}
    for n in names:
        out[f"state:{n}"] = sha256_file(state_file(n, run)) if state_file(n, run).exists() else ""
    return out


def run_index(run: str | None = None) -> bool:
    inp = index_inputs(run)
    state = load_state("index", run)
    page = dirs(run)["reports"] / "index.html"
    if state.get("inputs") == inp and page.is_file() and sha256_file(page) == state.get("outputs", {}).get(paths.rel(page)):
        return False
    from analysis.build import report

    report.write(run)
    _record("index", run, inp, [page])
    return True


# ----------------------------------------------------------------------------- named runs

def run_parameters(run: str, environ=None) -> dict:
    """The parameters of a named run (every run step's, merged): what params.yaml records."""
    merged = {}
    for n in run_steps():
        merged.update({k: v for k, v in parameters(n, run, environ).items() if k != "run_name"})
    return merged


def forecast_start(environ=None, write: bool = True) -> int:
    """Before a named run: check RUN, and refuse a reused name with other parameters."""
    environ = os.environ if environ is None else environ
    run = environ.get("RUN", "")
    if environ.get("REPLACE", "") not in ("", "0", "1"):
        raise P.ParameterError(f"REPLACE: got {P._short(environ['REPLACE'])}; REPLACE must be 1 (overwrite the run) "
                               "or 0/empty (refuse to)")
    if not run:
        raise P.ParameterError("give the run a name: make forecast RUN=name [METHOD=… HORIZON=… …]; "
                               f"a run name is {P.RUN_NAME_RULE}")
    folder = run_folder(run)
    wanted = run_parameters(run, environ)
    record = folder / "params.yaml"
    if record.exists():
        old = P.read(record)
        if old != wanted:
            if environ.get("REPLACE", "") == "1":
                if not write:
                    return 0
                import shutil

                shutil.rmtree(folder)
            else:
                diff = ", ".join(f"{k} {old.get(k)!r} → {wanted.get(k)!r}" for k in sorted(set(old) | set(wanted))
                                 if old.get(k) != wanted.get(k))
                raise P.ParameterError(f"run '{run}' already exists with other parameters ({diff}); "
                                       f"use a new name, or REPLACE=1 to overwrite it")
    if write:
        from analysis.build.atomic import write_text

        write_text(record, P.dump(wanted))
    return 0


def forecast_done(started: float | None = None, environ=None) -> None:
    environ = os.environ if environ is None else environ
    run = environ["RUN"]
    wanted = run_parameters(run, environ)
    took = f" in {time.time() - started:.0f} s" if started else ""
    print(f"suanli: run '{run}' done{took}. Parameters: "
          + ", ".join(f"{P.make_name(k)}={v if v is not None else ''}" for k, v in sorted(wanted.items())))
    print(f"suanli: look at runs/{run}/reports/index.html (figures in runs/{run}/figures/, tables in "
          f"runs/{run}/processed/); compare with the default: make runs")


# ----------------------------------------------------------------------------- make's view

def check_all(environ=None) -> None:
    """Validate the command line and every variable (before anything runs)."""
    environ = os.environ if environ is None else environ
    P.check_command_line(environ.get("SUANLI_CLI_VARS", "").split(), environ)
    for n in STEPS:
        parameters(n, None, environ)
    if environ.get("RUN", ""):
        P.check_run_name(environ["RUN"])


def read_vars(folder: Path) -> dict[str, str]:
    """The variables make wrote with $(file) (one file each, its value verbatim)."""
    out = {}
    for f in folder.iterdir():
        text = f.read_text(encoding="utf-8", errors="surrogateescape")
        out["SUANLI_CLI_VARS" if f.name == ".names" else f.name] = text[:-1] if text.endswith("\n") else text
    return out


def check_vars(folder: Path, forecast: bool) -> int:
    """``check --vars DIR``: validate at make's parse time; print one line on error (for $(error))."""
    import shutil

    try:
        environ = read_vars(folder)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        try:
            folder.parent.rmdir()
        except OSError:
            pass
    try:
        check_all(environ)
        if forecast:
            forecast_start(environ, write=False)
    except P.ParameterError as err:
        print(f"error: {err}")
    except BuildError as err:
        print(f"error: {err}")
    return 0


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


def makefile() -> str:
    """The rules derived from the registry (build/steps.mk, included by the Makefile)."""
    lines = ["# Generated by `python -m analysis.build.steps mk` from analysis/build/steps.py: do not edit.",
             f"STEP_NAMES := {' '.join(STEPS)}",
             f"PARAM_VARIABLES := {' '.join(P.make_variables())}", ""]
    for n in STEPS:
        deps = " ".join(f"step-{u}" for u in upstream(n)) or "check"
        lines += [f"step-{n}: {deps} | $(ENV)", f"\t@$(STEPS) run {n}", ""]
    lines += [f"step-index: {' '.join(f'step-{n}' for n in STEPS)}", "\t@$(STEPS) index", ""]
    for n in run_steps():
        deps = " ".join(f"run-{u}" if STEPS[u].in_runs else f"step-{u}" for u in upstream(n))
        lines += [f"run-{n}: forecast-start {deps}", f"\t@$(STEPS) run {n} --run", ""]
    lines += [f"run-index: {' '.join(f'run-{n}' for n in run_steps())}", "\t@$(STEPS) index --run", ""]
    lines += [".PHONY: " + " ".join([f"step-{n}" for n in STEPS] + ["step-index"]
                                    + [f"run-{n}" for n in run_steps()] + ["run-index"]), ""]
    return "\n".join(lines)


def help_text() -> str:
    rows = []
    for var, uses in P.make_variables().items():
        nb, name, p = uses[0]
        default = "" if p.default is None else p.default
        rows.append((f"{var}={default}", f"{p.help} ({p.allowed()}) [{', '.join(u[0] for u in uses)}]"))
    rows.append(("RUN=name", f"name of a parameterised rerun (make forecast): {P.RUN_NAME_RULE}"))
    rows.append(("REPLACE=1", "let make forecast overwrite an existing run that had other parameters"))
    width = max(len(k) for k, _ in rows) + 2
    return "\n".join(f"  {k:<{width}}{v}" for k, v in rows)


def readme_table() -> str:
    rows = ["| variable | notebook parameter | allowed | default | notebooks |", "|---|---|---|---|---|"]
    for var, uses in P.make_variables().items():
        nb, name, p = uses[0]
        default = "none" if p.default is None else p.default
        rows.append(f"| `{var}` | `{name}` | {p.allowed()} | {default} | {', '.join(u[0] for u in uses)} |")
    return "\n".join(rows)


README_MARKS = ("<!-- parameters:start -->\n", "<!-- parameters:end -->")


def write_readme_table() -> None:
    """Put the generated parameter table between the README's markers."""
    readme = paths.ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = text.index(README_MARKS[0]) + len(README_MARKS[0]), text.index(README_MARKS[1])
    readme.write_text(text[:start] + readme_table() + "\n" + text[end:], encoding="utf-8")


def main(argv: list[str]) -> int:
    cmd, rest = (argv[0] if argv else ""), argv[1:]
    run = os.environ.get("RUN", "") if "--run" in rest else None
    started = time.time()
    try:
        if cmd == "check":
            if "--vars" in rest:  # at make's parse time: print the error (make stops on it)
                return check_vars(Path(rest[rest.index("--vars") + 1]), "--forecast" in rest)
            check_all()
        elif cmd == "run" and rest and rest[0] in STEPS:
            run_step(rest[0], run)
        elif cmd == "index":
            run_index(run)
        elif cmd == "plan":
            check_all()
            lines = plan()
            if "-q" in rest:  # make -q: the exit status is the answer
                return 1 if lines else 0
            for line in lines:
                print(f"suanli would {line}")
            if not lines:
                print("suanli: everything is up to date.")
            return 0
        elif cmd == "forecast-start":
            forecast_start()
            stamp = paths.RUNS / os.environ["RUN"] / ".state" / "started"
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.write_text(f"{started}\n")
        elif cmd == "forecast-done":
            stamp = paths.RUNS / os.environ["RUN"] / ".state" / "started"
            t = float(stamp.read_text()) if stamp.exists() else None
            forecast_done(t)
        elif cmd == "mk":
            print(makefile())
        elif cmd == "help":
            print(help_text())
        elif cmd == "readme-table":
            if "--write" in rest:
                write_readme_table()
            else:
                print(readme_table())
        else:
            print(__doc__.split("Command line")[1], file=sys.stderr)
            return 2
    except P.ParameterError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except Exception as err:  # the runner's errors: one clear line, no traceback
        from analysis.build.runner import RunnerError

        if isinstance(err, RunnerError):
            print(f"error: {err}", file=sys.stderr)
            return 1
        raise
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
