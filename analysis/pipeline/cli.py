"""The pipeline's command line: what every make target calls, and what a program calls instead of make.

Why this module exists: make is a language; a value typed on its command line is safe only
because the Makefile hands it over as a literal. A program that passes text it did not write
(a web form, a job queue) should not go through make at all, so this is the interface for
programs: ``python -m analysis.pipeline <command> [NAME=VALUE …]``, with argparse and argument
lists, no shell anywhere. Each ``NAME=VALUE`` is one argument, taken literally; the names are
exactly the variables make accepts (``make help``), checked the same way. Called by make, the
same commands read the variables given on make's command line from the environment (make
exports them as literals, and names them in ``SUANLI_CLI_VARS``); a variable merely left in the
environment is never read.

Nothing a program passes here deletes what the project did not make (issue 29): the one internal
option, ``check --vars DIR`` (make's parse-time check), takes only ``build/vars/<number>`` and
deletes only the files make wrote there, by name; no option may be abbreviated (``--v=…`` is not
``--vars=…``); and the pipeline's internal variables in the environment (``SUANLI_ROOT`` naming
another folder, ``SUANLI_OUTPUTS``, …) are refused: the root is where this code is
(:func:`analysis.base.paths.check_environment`).

Every error is one line on stderr (``error: …``, repository paths only) and an exit status:
2 for a bad name or value (before anything runs), 1 for a build that failed, 130 or 143 when
stopped by SIGINT or SIGTERM (after removing the step's temporaries). ``SUANLI_DEBUG=1`` shows
the traceback of an unexpected error.

Commands (``python -m analysis.pipeline --help``)::

    build [-j N] [NAME=VALUE …]    run every stale step in the graph's order, then the index (make all)
    run STEP [NAME=VALUE …]        run one step of the default outputs if it is stale
    index                          the default index page
    plan [-q]                      what `make all` would run (make -n, make -q)
    forecast RUN=name [NAME=VALUE …] [REPLACE=1]
                                   make or complete a named run (analysis/pipeline/runs.py)
    runs                           list the named runs beside the default forecasts
    check [NAME=VALUE …]           validate the variables (make does it while reading the Makefile)
    clean | distclean | env        delete what the project made / build the environment
    lab | font | bench | test      JupyterLab, the font, the benchmark, the tests
    mk | help | readme-table       what derives from the registry
"""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from analysis.base import paths

# Imports of the rest of the pipeline are inside the commands: `clean` and `env` run with the
# Python that builds the environment (the standard library only), and the parameter check that
# make runs while reading the Makefile must start fast.


class Terminated(KeyboardInterrupt):
    """SIGTERM, raised like SIGINT's KeyboardInterrupt so that every cleanup runs."""


def _on_sigterm(signum, frame):
    raise Terminated()


# ----------------------------------------------------------------------------- variables

def variables(pairs: list[str], environ=None) -> dict[str, str]:
    """The environment the pipeline reads for this call: the process's own without any parameter,
    RUN or REPLACE (only the command line counts for those), plus the variables given on make's
    command line (named in ``SUANLI_CLI_VARS``) and those given as ``NAME=VALUE`` arguments.
    ``SUANLI_CLI_VARS`` then names them all, so their names are checked as make's are."""
    from analysis.pipeline import params as P

    environ = os.environ if environ is None else environ
    known = set(P.make_variables()) | {"RUN", "REPLACE"}
    # Only a recipe of make (which sets MAKELEVEL) passes variables this way: a SUANLI_CLI_VARS
    # left in a program's environment names nothing (issue 29, N2: internal names are ignored).
    from_make = environ.get("SUANLI_CLI_VARS", "").split() if environ.get("MAKELEVEL") else []
    out = {k: v for k, v in environ.items() if k not in known and k != "SUANLI_CLI_VARS"}
    names = []
    for name in from_make:
        if name in environ:
            out[name] = environ[name]
        names.append(name)
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise P.ParameterError(f"expected NAME=VALUE, got {P._short(pair)}")
        out[name] = value
        names.append(name)
    out["SUANLI_CLI_VARS"] = " ".join(dict.fromkeys(names))
    return out


#: The only folder ``check --vars`` reads and empties: the one make writes for its parse-time check
#: (``build/vars/<its process id>``, relative to the root). Any other value is refused before
#: anything is read or deleted: the option is make's, never a program's (N1 of issue 29).
VARS_FOLDER = re.compile(r"build/vars/[0-9]{1,10}")
#: The files make writes there: one per variable given on its command line, and its own two.
VARS_OWN = {".names": "SUANLI_CLI_VARS", ".goals": ".goals"}


def vars_folder(text: str) -> Path:
    """The folder ``check --vars`` was given, if it is make's: ``build/vars/<number>`` in this
    compendium, a real folder (no link on the way). Raise :class:`ParameterError` otherwise."""
    from analysis.pipeline import params as P

    if not VARS_FOLDER.fullmatch(text):
        raise P.ParameterError(f"check --vars: got {P._short(text)}; it takes only the folder make writes "
                               "(build/vars/<number>), and is not for programs (give NAME=VALUE arguments)")
    root = paths.CODE_ROOT  # where the Makefile is, whatever the environment says
    folder = root / text
    for step in (root / "build", root / "build" / "vars", folder):
        if step.is_symlink() or not step.is_dir():
            raise P.ParameterError(f"check --vars: {paths.rel(step, root)} is not a folder make wrote "
                                   "(missing, or a symbolic link); nothing read or deleted")
    return folder


def read_vars(folder: Path) -> dict[str, str]:
    """The variables make wrote with $(file) (one file each, its value verbatim): ``.names``
    (the command line's variable names) and ``.goals`` (make's goals) are make's own."""
    out = {}
    for f in folder.iterdir():
        text = f.read_text(encoding="utf-8", errors="surrogateescape")
        out[VARS_OWN.get(f.name, f.name)] = text[:-1] if text.endswith("\n") else text
    return out


def remove_vars(folder: Path) -> None:
    """Delete what make wrote in ``folder``, by name (its two files and one per name in ``.names``),
    then the folder and ``build/vars`` if that left them empty. Nothing else, whatever it holds."""
    try:
        names = (folder / ".names").read_text(encoding="utf-8", errors="surrogateescape").split()
    except OSError:
        names = []
    for name in list(VARS_OWN) + [n for n in names if re.fullmatch(r"[A-Za-z0-9_]+", n)]:
        f = folder / name
        if f.is_file() and not f.is_symlink():
            f.unlink()
    for empty in (folder, folder.parent, folder.parent.parent):  # build/ too, if make made it for this alone
        try:
            empty.rmdir()
        except OSError:
            break


def check_vars(text: str) -> int:
    """``check --vars DIR``: validate at make's parse time; print one line on error (for $(error)).
    A ``DIR`` that is not make's folder is refused (exit 2) before anything is read or deleted."""
    from analysis.pipeline import params as P

    try:
        folder = vars_folder(text)
    except P.ParameterError as err:
        print(f"error: {_one_line(err)}")
        return 2
    try:
        environ = read_vars(folder)
    finally:
        remove_vars(folder)
    return check_make_variables(environ)


def check_make_variables(environ: dict[str, str]) -> int:
    """The check of what make handed over (:func:`read_vars`' result): print one line on error, or
    :data:`UP_TO_DATE` when `make all` has nothing to run. The hostile corpora call it in process
    (tests/integration/conftest.py), with the files make would write."""
    from analysis.pipeline import engine
    from analysis.pipeline import params as P

    environ = dict(environ)
    goals = environ.pop(".goals", "").split() or ["all"]
    try:
        engine.check_all(environ, goals)
        if "forecast" in goals:
            from analysis.pipeline import runs

            runs.preflight(environ)
    except (P.ParameterError, engine.BuildError) as err:
        print(f"error: {_one_line(err)}")
        return 0
    except OSError as err:
        print(f"error: {_os_error(err)}")
        return 0
    if set(goals) == {"all"} and _nothing_to_do(environ):
        print(UP_TO_DATE)
    return 0


#: What ``check --vars`` prints when ``make all`` has nothing to run (the Makefile's `all` then
#: runs no step process: one Python process for a no-op instead of one per step).
UP_TO_DATE = "suanli:up-to-date"


def _nothing_to_do(environ) -> bool:
    """Whether `make all` with these variables would run nothing (the plan of `make -n`). Any
    doubt (an unreadable record, a missing output) is "something to do": the steps then decide."""
    from analysis.pipeline import engine

    try:
        return not engine.plan(environ)
    except Exception:  # noqa: BLE001 — never an error here; the step processes report it
        return False


# ----------------------------------------------------------------------------- derived text

def makefile() -> str:
    """The rules derived from the registry (build/steps.mk, included by the Makefile)."""
    from analysis.pipeline import params as P
    from analysis.pipeline.registry import STEPS, upstream

    lines = ["# Generated by `python -m analysis.pipeline mk` from analysis/pipeline/registry.py: do not edit.",
             f"override STEP_NAMES := {' '.join(STEPS)}",
             f"override PARAM_VARIABLES := {' '.join(P.make_variables())}", ""]
    for n in STEPS:
        deps = " ".join(f"step-{u}" for u in upstream(n)) or "check"
        lines += [f"step-{n}: {deps} | $(ENV)", f"\t@$(STEPS) run {n}", ""]
    lines += [f"step-index: {' '.join(f'step-{n}' for n in STEPS)}", "\t@$(STEPS) index", ""]
    lines += [".PHONY: " + " ".join([f"step-{n}" for n in STEPS] + ["step-index"]), ""]
    return "\n".join(lines)


def help_text() -> str:
    from analysis.pipeline import params as P

    rows = []
    for var, uses in P.make_variables().items():
        nb, name, p = uses[0]
        default = "" if p.default is None else p.default
        rows.append((f"{var}={default}", f"{p.help} ({p.allowed()}) [{', '.join(u[0] for u in uses)}]"))
    rows.append(("RUN=name", f"name of a parameterised rerun (make forecast): {P.RUN_NAME_RULE}"))
    rows.append(("REPLACE=1", "let make forecast replace an existing run that had other parameters"))
    rows.append(("CELL_TIMEOUT=600", "seconds a notebook cell may run before the step stops (make all, forecast)"))
    width = max(len(k) for k, _ in rows) + 2
    return "\n".join(f"  {k:<{width}}{v}" for k, v in rows)


def readme_table() -> str:
    from analysis.pipeline import params as P

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


# ----------------------------------------------------------------------------- commands

def _goals(environ, command: str) -> list[str]:
    """make's goals when make called (``SUANLI_GOALS``: ``make test`` runs the steps too), else the command's."""
    return (environ.get("SUANLI_GOALS", "").split() if environ.get("MAKELEVEL") else []) or [command]


def _cmd_check(args, environ) -> int:
    from analysis.pipeline import engine

    if args.vars is not None:  # at make's parse time: print the error (make stops on it)
        return check_vars(args.vars)
    engine.check_all(environ)
    return 0


def _cmd_run(args, environ) -> int:
    from analysis.pipeline import engine, housekeeping

    engine.check_all(environ, _goals(environ, "all"))
    try:
        with housekeeping.building():  # `make clean` waits for no one: it is refused meanwhile
            kernel = None
            try:
                if args.when_told:  # started ahead by the build: get ready, then wait for its word
                    kernel = engine.ready_ahead(args.step)
                    if sys.stdin.readline().strip() != "run":  # "skip", or the build ended (end of file)
                        return 0
                engine.run_step(args.step, None, environ, kernel=kernel)
            finally:  # stopped while getting ready or waiting, or told to skip: its kernel and folders go
                if args.when_told:
                    from analysis.pipeline import runner

                    runner.discard_all()
    except Exception as err:  # a failed step says what the build left (earlier steps may have published)
        _raise_with_what_was_left(args.step, err, environ)
    return 0


def _cmd_build(args, environ) -> int:
    """make all: every stale step in one process (:func:`analysis.pipeline.engine.build`), under the
    build lock for the whole build; a failed step says what the build left, as `run` does."""
    import subprocess

    from analysis.pipeline import engine, housekeeping

    engine.check_all(environ, _goals(environ, "all"))
    # The index page's process starts as the first step does (after the raw check), on a second
    # core: its imports (about half a second: pandas and the science modules that write the page's
    # sentences) are paid while the steps run, and it writes the page when told. In a process of its
    # own, never a thread beside a step's. A build refused by its raw data never starts it, and one
    # that ran no step here writes the page in this process.
    index = None

    def start_index() -> None:
        nonlocal index
        if engine.CORES > 1:
            sys.stdout.flush()
            index = subprocess.Popen([sys.executable, "-m", "analysis.pipeline", "index", "--when-told"],
                                     cwd=paths.ROOT, env=dict(environ), stdin=subprocess.PIPE, text=True)

    word = "skip"
    try:
        with housekeeping.building():
            engine.build(environ, engine.jobs_from(environ.get("MAKEFLAGS")) if args.jobs is None else args.jobs,
                         starting=start_index)
        word = "run"
    except engine.StepFailed as err:  # the step's own process has printed its error (and what was left)
        return err.code
    except Exception as err:
        _raise_with_what_was_left(getattr(err, "suanli_step", None), err, environ)
    finally:
        if index is not None:
            sys.stdout.flush()
            try:
                index.stdin.write(word + "\n")
                index.stdin.close()
            except (BrokenPipeError, OSError):
                pass
            code = index.wait()
    if index is None:
        return _cmd_index(args, environ)
    return code


def _raise_with_what_was_left(step: str | None, err: BaseException, environ):
    """Re-raise a failed step's error, with what the build left (the steps that published in this
    build, the outputs now older) and whether it blames a parameter nobody set."""
    from analysis.pipeline import engine
    from analysis.pipeline.runner import RunnerError

    if step is None or not isinstance(err, (engine.BuildError, RunnerError)):
        raise err
    left = "; ".join(x for x in (_not_set(step, err, environ), engine.left_behind(step)) if x)
    if not left:
        raise err
    if isinstance(err, engine.BuildError):  # bad raw data: one line per cell, then what was left
        raise engine.BuildError(f"{str(err).rstrip()}\n{left}") from None
    raise RunnerError(f"{_one_line(err)}; {left}") from None


def _not_set(step: str, err: BaseException, environ) -> str:
    """When a failed step's message blames a parameter the user did not set (its default no longer
    fits the data: the review's date typo blamed ``train_start``), say so: the cause is elsewhere."""
    from analysis.pipeline import params as P

    given = set(environ.get("SUANLI_CLI_VARS", "").split())
    text = str(err)
    blamed = [n for n in P.known(step) if n not in P.INTERNAL and P.make_name(n) not in given
              and re.search(rf"(?<![A-Za-z0-9_]){re.escape(n)}(?![A-Za-z0-9_])", text)]
    if not blamed:
        return ""
    return (f"{', '.join(blamed)} {'was' if len(blamed) == 1 else 'were'} not set (the default applies): the cause is "
            "more likely in the data than in a parameter (`git diff data/raw` shows what changed)")


def _cmd_index(args, environ) -> int:
    from analysis.pipeline import housekeeping, report

    if getattr(args, "when_told", False):  # started ahead by `build`: ready the imports, then wait for its word
        report.ready()
        if sys.stdin.readline().strip() != "run":  # "skip" (a step failed), or the build was stopped
            return 0
    with housekeeping.building():
        report.run_index(None)
    return 0


def _cmd_plan(args, environ) -> int:
    from analysis.pipeline import engine

    engine.check_all(environ, _goals(environ, "all"))
    lines = engine.plan(environ)
    if args.q:  # make -q: the exit status is the answer
        return 1 if lines else 0
    for line in lines:
        print(f"suanli would {line}")
    if not lines:
        print("suanli: everything is up to date.")
    return 0


def _cmd_forecast(args, environ) -> int:
    from analysis.pipeline import engine, housekeeping, runs

    engine.check_all(environ, _goals(environ, "forecast"))
    with housekeeping.building():
        runs.make(environ)
    return 0


def _cmd_runs(args, environ) -> int:
    from analysis.pipeline import runs

    return runs.main()


def _cmd_clean(args, environ) -> int:
    from analysis.pipeline import housekeeping

    housekeeping.clean()
    return 0


def _cmd_distclean(args, environ) -> int:
    from analysis.pipeline import housekeeping

    housekeeping.distclean(args.venv)
    return 0


def _cmd_env(args, environ) -> int:
    from analysis.pipeline import housekeeping

    housekeeping.build_env(args.venv)
    return 0


def _exec(argv: list[str], environ) -> int:
    """Replace this process with ``argv`` (an argument list: no shell)."""
    sys.stdout.flush()
    os.execve(argv[0], argv, {k: v for k, v in environ.items() if k not in ("SUANLI_CLI_VARS", "SUANLI_GOALS")})
    return 0  # not reached


def _cmd_lab(args, environ) -> int:
    from analysis.pipeline import engine, lab

    engine.check_all(environ, _goals(environ, "lab"))
    os.environ["LAB_ARGS"] = environ.get("LAB_ARGS", "")
    return lab.main([])


def _cmd_font(args, environ) -> int:
    return _exec([sys.executable, str(paths.ROOT / "scripts" / "build_font.py")], environ)


def _cmd_bench(args, environ) -> int:
    from analysis.pipeline import engine

    engine.check_all(environ, _goals(environ, "bench"))
    return _exec([sys.executable, str(paths.ROOT / "scripts" / "bench.py")], environ)


def _cmd_test(args, environ) -> int:
    # units (a drill, a file) to each free worker, in the order tests/conftest.py sorts them (the long
    # drills first); three workers on two cores fill the time a worker waits (a browser settling, a
    # drill waiting for a build to reach a moment, Lab's autosave). `-p analysis` imports the package
    # before nbval's plugin imports nbformat, so that jsonschema skips its `iri` grammar in each of the
    # four pytest processes as it does in the build's (analysis/__init__.py; about 1.3 CPU-s each).
    # Given here, not in pyproject.toml's addopts: a bare `pytest` (the console script, whose path
    # holds no checkout) could not import it.
    return _exec([sys.executable, "-m", "pytest", "-p", "analysis", "-n", "3", "--dist", "loadgroup",
                  "--no-loadscope-reorder"], environ)


def _cmd_mk(args, environ) -> int:
    print(makefile())
    return 0


def _cmd_help(args, environ) -> int:
    print(help_text())
    return 0


def _cmd_readme_table(args, environ) -> int:
    if args.write:
        write_readme_table()
    else:
        print(readme_table())
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error in one line like every other error (exit status 2)."""

    def error(self, message):
        self.exit(2, f"error: {self.prog}: {_one_line(message)} (`python -m analysis.pipeline --help` lists "
                     "the commands)\n")


def parser() -> argparse.ArgumentParser:
    ap = _Parser(prog="python -m analysis.pipeline", allow_abbrev=False,
                                 description="The suanli pipeline's command line (what make calls).")
    sub = ap.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, func, doc, variables=False, before=()):
        p = sub.add_parser(name, help=doc, description=doc, allow_abbrev=False)  # `--v=x` is not `--vars=x`
        p.set_defaults(func=func)
        for args, kw in before:
            p.add_argument(*args, **kw)
        if variables:
            p.add_argument("variables", nargs="*", metavar="NAME=VALUE",
                           help="a variable, as on make's command line (one argument each, taken literally)")
        return p

    from analysis.pipeline.registry import STEPS

    p = command("check", _cmd_check, "validate the variables, before anything runs", variables=True)
    p.add_argument("--vars", metavar="DIR", help=argparse.SUPPRESS)  # make's parse-time check: build/vars/N only
    p = command("run", _cmd_run, "run one step of the default outputs if it is stale", variables=True,
                before=[(("step",), {"choices": list(STEPS)})])
    p.add_argument("--when-told", action="store_true", help=argparse.SUPPRESS)  # the build's: start, then wait for "run"
    p = command("build", _cmd_build, "run every stale step in the graph's order, then the index (make all)",
                variables=True)
    p.add_argument("-j", "--jobs", type=int, help="steps at once (default: make's -jN, else 1)")
    p = command("index", _cmd_index, "write the default index page if its inputs changed")
    p.add_argument("--when-told", action="store_true", help=argparse.SUPPRESS)  # the build's: ready, then wait for "run"
    p = command("plan", _cmd_plan, "what `make all` would run, and why", variables=True)
    p.add_argument("-q", action="store_true", help="print nothing; exit 1 if anything would run")
    command("forecast", _cmd_forecast, "make or complete a named run: RUN=name [NAME=VALUE …]", variables=True)
    command("runs", _cmd_runs, "list the named runs beside the default forecasts")
    command("clean", _cmd_clean, "delete the default outputs, the build state and the project's temporaries")
    p = command("distclean", _cmd_distclean, "clean, and delete the named runs and the environment")
    p.add_argument("--venv", default=".venv", help="the environment's folder (default .venv)")
    p = command("env", _cmd_env, "build (or refresh) the environment from requirements.txt")
    p.add_argument("--venv", default=".venv", help="the environment's folder (default .venv)")
    command("lab", _cmd_lab, "JupyterLab on the project's kernel (LAB_ARGS=…)", variables=True)
    command("font", _cmd_font, "rebuild the shipped font")
    command("bench", _cmd_bench, "time the build (REPEAT=n)", variables=True)
    command("test", _cmd_test, "run the tests")
    command("mk", _cmd_mk, "print make's step rules (build/steps.mk)")
    command("help", _cmd_help, "list the variables")
    p = command("readme-table", _cmd_readme_table, "print the README's parameter table")
    p.add_argument("--write", action="store_true", help="write it into README.md")
    return ap


# ----------------------------------------------------------------------------- errors in one line

def _one_line(err: BaseException) -> str:
    return " ".join(str(err).split())


def _os_error(err: OSError) -> str:
    """An operating-system error as one line: the repository path and what went wrong (a file in
    the temporary folder as ``$TMPDIR/…``, any other outside the repository by its name alone)."""
    import tempfile

    what = err.strerror or _one_line(err) or type(err).__name__
    if not getattr(err, "filename", None):
        return what
    where = paths.rel(err.filename)
    if Path(where).is_absolute():
        tmp = Path(tempfile.gettempdir()).resolve()
        try:
            where = "$TMPDIR/" + Path(err.filename).resolve().relative_to(tmp).as_posix()
        except (ValueError, OSError):
            where = f"{Path(str(err.filename)).name} (outside the repository)"
    return f"{where}: {what}"


def _repository_paths(text: str) -> str:
    """A kernel's message with the repository's absolute path dropped and the temporary folder
    written as ``$TMPDIR`` (an error names only repository paths: issue 29, N10)."""
    import tempfile

    for folder, shown in ((paths.ROOT.resolve(), ""), (paths.ROOT, ""), (Path(tempfile.gettempdir()).resolve(), "$TMPDIR/"),
                          (Path(tempfile.gettempdir()), "$TMPDIR/")):
        text = text.replace(f"{folder}/", shown)
    return text


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if threading_is_main():
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        args = parser().parse_args(argv)
    except SystemExit as exit_:  # argparse: usage errors exit 2 with its message
        return int(exit_.code or 0)
    from analysis.pipeline import params as P
    from analysis.pipeline.engine import BuildError

    refused = paths.check_environment()
    if refused:  # the root is where the code is (issue 29, N2): nothing runs, nothing is read
        at_parse_time = getattr(args, "vars", None) is not None
        if at_parse_time:
            try:
                remove_vars(vars_folder(args.vars))
            except P.ParameterError:
                pass
        print(f"error: {refused}", file=sys.stdout if at_parse_time else sys.stderr)
        return 2
    try:
        environ = variables(getattr(args, "variables", []) or [])
        # This process's environment is this call's variables from now on, so that every module that
        # reads it (the engine, the index page, the runner) sees the same values.
        os.environ.clear()
        os.environ.update(environ)
        return args.func(args, environ)
    except P.ParameterError as err:
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return 2
    except BuildError as err:  # one line; bad raw data names each bad cell on a line of its own
        print("error: " + str(err).strip().replace("\n", ": ", 1), file=sys.stderr)
        return 1
    except Terminated:
        _quiet_exit()
        print("suanli: stopped (SIGTERM); its temporaries are removed", file=sys.stderr)
        return 143
    except KeyboardInterrupt:
        _quiet_exit()
        print("suanli: stopped (SIGINT); its temporaries are removed", file=sys.stderr)
        return 130
    except OSError as err:
        print(f"error: {_os_error(err)}", file=sys.stderr)
        return 1
    except Exception as err:
        from analysis.pipeline.runner import RunnerError

        if isinstance(err, RunnerError):
            print(f"error: {_repository_paths(_one_line(err))}", file=sys.stderr)
            return 1
        if os.environ.get("SUANLI_DEBUG"):
            raise
        print(f"error: unexpected {type(err).__name__}: {_one_line(err)[:300]} (SUANLI_DEBUG=1 shows where)",
              file=sys.stderr)
        return 1


def _quiet_exit() -> None:
    """After a stop, the kernel client's event loop may still hold tasks that the interpreter
    reports at exit (asyncio's "Task was destroyed but it is pending!", an unraisable exception in
    a coroutine): the stop is already said in one line, so they are not printed (issue 29, N8)."""
    import logging

    logging.getLogger("asyncio").disabled = True
    sys.unraisablehook = lambda unraisable: None
    if threading_is_main():  # a second SIGTERM while the cleanup ends: no traceback either
        signal.signal(signal.SIGTERM, signal.SIG_IGN)


def threading_is_main() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()
