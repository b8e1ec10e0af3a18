"""Issue 29 in-process: the entry point's internal option takes only make's folder, no option is
abbreviated, an internal variable in the environment is refused, `LAB_ARGS` takes an allowlist,
and every parameter's range edges and empty-like spellings are either refused by the check or
are values the science has been shown to take (the builds are in tests/integration/test_values.py)."""
from __future__ import annotations

import pytest

from analysis.base import paths
from analysis.pipeline import cli, lab, params as P


# ----------------------------------------------------------------------------- N1: --vars

@pytest.mark.parametrize("text", ["data", ".", "..", "/", "build", "build/vars", "build/vars/..", "build/vars/1/..",
                                  "build/vars/x", "data/raw", "/tmp", "./build/vars/1", "build/vars/1/", "build/vars/１"])
def test_check_vars_refuses_every_folder_but_make_s(text, capsys):
    assert cli.check_vars(text) == 2
    out = capsys.readouterr().out.strip().splitlines()
    assert len(out) == 1 and out[0].startswith("error: check --vars: ")


def test_check_vars_deletes_only_what_make_wrote(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CODE_ROOT", tmp_path)
    folder = tmp_path / "build" / "vars" / "123"
    folder.mkdir(parents=True)
    (folder / ".names").write_text("METHOD\n")
    (folder / ".goals").write_text("all\n")
    (folder / "METHOD").write_text("ets\n")
    (folder / "mine.txt").write_text("not make's\n")
    assert cli.read_vars(cli.vars_folder("build/vars/123"))["METHOD"] == "ets"
    cli.remove_vars(folder)
    assert sorted(p.name for p in folder.iterdir()) == ["mine.txt"]  # kept: not a file make writes
    (folder / "mine.txt").unlink()
    cli.remove_vars(folder)
    assert not (tmp_path / "build").exists()  # make -n after make clean leaves no build/ behind


def test_a_linked_vars_folder_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "CODE_ROOT", tmp_path)
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "build" / "vars").mkdir(parents=True)
    (tmp_path / "build" / "vars" / "7").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(P.ParameterError, match="symbolic link"):
        cli.vars_folder("build/vars/7")


@pytest.mark.parametrize("argv", [["check", "--v=build/vars/1"], ["check", "--va", "x"], ["distclean", "--ven=.venv"],
                                  ["plan", "--q"], ["readme-table", "--wr"]])
def test_no_option_is_abbreviated(argv, capsys):
    with pytest.raises(SystemExit) as stop:
        cli.parser().parse_args(argv)
    assert stop.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err


# ----------------------------------------------------------------------------- N2: the root

@pytest.mark.parametrize("name, value", [("SUANLI_ROOT", "/tmp"), ("SUANLI_ROOT", "."), ("SUANLI_OUTPUTS", "x"),
                                         ("SUANLI_CACHE", "/tmp"), ("SUANLI_STAGE", "/tmp/ledger"),
                                         ("SUANLI_STAGE_OWNER", "1")])
def test_an_internal_variable_in_the_environment_is_refused(name, value, monkeypatch):
    monkeypatch.chdir("/")
    why = paths.check_environment({name: value})
    assert why and why.startswith(name) and f"unset {name}" in why


def test_the_code_s_own_root_and_empty_values_are_accepted():
    assert paths.check_environment({"SUANLI_ROOT": str(paths.CODE_ROOT), "SUANLI_OUTPUTS": "", "HOME": "/"}) is None


# ----------------------------------------------------------------------------- N6: LAB_ARGS

@pytest.mark.parametrize("args", [["--no-browser"], ["--port", "8899"], ["--port=8899", "--no-browser"],
                                  ["--ip=127.0.0.1"], ["--ip", "localhost"], ["--ip=0.0.0.0", "--IdentityProvider.token=s3cret"],
                                  ["--notebook-dir=notebooks"], ["--ServerApp.open_browser=False"]])
def test_lab_args_on_the_allowlist_pass(args):
    assert lab.check_args(args, {}) == args


@pytest.mark.parametrize("args, says", [
    (["--config=x.py"], "'--config=x.py' is not allowed"),
    (["--config", "x.py"], "'--config' is not allowed"),
    (["--ServerApp.browser=touch /tmp/x %s"], "is not allowed"),
    (["--browser=firefox"], "is not allowed"),
    (["--ServerApp.jpserver_extensions={'x': True}"], "is not allowed"),
    (["--ip=0.0.0.0"], "needs a token"),
    (["--ip=0.0.0.0", "--IdentityProvider.token="], "needs a token"),
    (["--ip", "192.168.1.2", "--ServerApp.token", " "], "needs a token"),
    (["--port=80; rm"], "a port is a whole number"),
    (["--notebook-dir=/"], "is not a folder in the repository"),
    (["--notebook-dir=.."], "is not a folder in the repository"),
    (["--port"], "needs a value"),
    (["notebooks/x.ipynb"], "is not allowed"),
])
def test_lab_args_off_the_allowlist_are_refused_in_one_line(args, says):
    with pytest.raises(lab.LabArgsError) as err:
        lab.check_args(args, {})
    assert says in str(err.value) and "\n" not in str(err.value)


def test_lab_args_reach_the_check_before_anything_runs():
    with pytest.raises(P.ParameterError, match="LAB_ARGS: '--config=x.py' is not allowed"):
        P.check_build_variables({"LAB_ARGS": "--no-browser --config=x.py"})
    P.check_build_variables({"LAB_ARGS": "--no-browser --port 8899"})


# ----------------------------------------------------------------------------- N3: a value the check accepts runs

EMPTY_LIKE = ["none", "None", "null", " ", "\t", "NULL", "nil", "-"]


def _edges(p: P.Param) -> list[str]:
    """Values from the declared range: its edges, just past them, and empty-like spellings."""
    if p.choices:
        return [p.choices[0], p.choices[-1], p.choices[0].upper(), p.choices[0] + " x"] + EMPTY_LIKE
    if p.low is not None:
        step = 1 if p.type is int else 1e-9
        return [str(p.low), str(p.high), str(p.low - step), str(p.high + step), "1e-320", "1e308", "inf", "nan",
                "１", "1_0"] + EMPTY_LIKE
    return EMPTY_LIKE


@pytest.mark.parametrize("notebook, name", [(nb, n) for nb, spec in P.SPECS.items() for n in spec
                                            if n not in P.INTERNAL])
def test_empty_like_values_are_refused_unless_the_parameter_is_optional(notebook, name):
    p = P.SPECS[notebook][name]
    for value in EMPTY_LIKE:
        if p.optional and value.strip() in P.EMPTY_LIKE:
            assert P.check(notebook, {name: value})[name] is None
        else:
            with pytest.raises(P.ParameterError, match=name):
                P.check(notebook, {name: value})


@pytest.mark.parametrize("notebook, name", [(nb, n) for nb, spec in P.SPECS.items() for n in spec
                                            if n not in P.INTERNAL])
def test_every_edge_value_is_accepted_only_inside_the_declared_range(notebook, name):
    p = P.SPECS[notebook][name]
    for value in _edges(p):
        try:
            got = P.check(notebook, {name: value})[name]
        except P.ParameterError:
            continue
        if got is None:
            assert p.optional and value.strip() in P.EMPTY_LIKE
        elif p.choices:
            assert got in p.choices
        elif p.low is not None:
            assert p.low <= got <= p.high and value.strip().isascii()


def test_the_first_as_of_is_the_first_editions_release():
    """AS_OF's lower edge is the first edition's release (data/raw/vintages.csv; every date from it
    builds: tests/test_infoset.py, tests/integration/test_as_of_sweep.py); the day before is refused."""
    import datetime as dt

    from analysis import domain

    assert P.FIRST_AS_OF == domain.FIRST_EDITION_DATE == "2019-08-28"
    before = (dt.date.fromisoformat(P.FIRST_AS_OF) - dt.timedelta(days=1)).isoformat()
    with pytest.raises(P.ParameterError, match="before 2019-08-28"):
        P.check("01_clean", {"as_of": before})
    assert P.check("01_clean", {"as_of": P.FIRST_AS_OF})["as_of"] == P.FIRST_AS_OF


# ----------------------------------------------------------------------------- N5: what a failed build left

def test_a_failed_step_says_which_outputs_are_newer_than_the_rest(tmp_path, monkeypatch):
    import os

    from analysis.pipeline import engine

    monkeypatch.setattr(engine, "state_file", lambda n, run=None: tmp_path / f"{n}.json")
    for age, name in enumerate(["03_forecast", "05_forecast_figures", "04_context_figures", "01_clean", "02_evaluation"]):
        (tmp_path / f"{name}.json").write_text("{}")
        os.utime(tmp_path / f"{name}.json", (1000 + age, 1000 + age))  # 01 and 02 recorded after 03
    left = engine.left_behind("03_forecast")
    assert left.startswith("left: the outputs of 01_clean, 02_evaluation are from this build, those of "
                           "03_forecast, 05_forecast_figures and the index page from an earlier one"), left
    os.utime(tmp_path / "03_forecast.json", (2000, 2000))  # 03 recorded last: nothing is mixed
    assert engine.left_behind("03_forecast") == ""
    assert engine.left_behind("01_clean") == ""  # nothing upstream of the first step


# ----------------------------------------------------------------------------- N10: only repository paths

def test_an_os_error_names_a_repository_path_or_the_temporary_folder():
    import errno
    import tempfile

    full = errno.ENOSPC, "No space left on device"
    assert cli._os_error(OSError(*full, str(paths.ROOT / "data" / "processed" / "figures.csv"))) == \
        "data/processed/figures.csv: No space left on device"
    assert cli._os_error(OSError(*full, f"{tempfile.gettempdir()}/suanli-stage-1-x/a.csv")) == \
        "$TMPDIR/suanli-stage-1-x/a.csv: No space left on device"
    assert cli._os_error(OSError(*full, "/elsewhere/secret/a.csv")) == "a.csv (outside the repository): No space left on device"


# ----------------------------------------------------------------------------- N12: a restore evicts what it bypassed

def test_a_restore_evicts_the_cache_entries_it_drew_afresh(tmp_path, monkeypatch):
    from analysis import figure_cache
    from analysis.pipeline import runner

    real, drawn = tmp_path / "real", tmp_path / "drawn"
    poisoned, other, linked = "a" * 64, "b" * 64, "c" * 64
    for k in (poisoned, other):
        (real / k).mkdir(parents=True)
        (real / k / "manifest.json").write_text("{}")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "keep.txt").write_text("not the cache's\n")
    (real / linked).symlink_to(tmp_path / "elsewhere")
    for k in (poisoned, linked, "not-a-key"):
        (drawn / k).mkdir(parents=True)
    monkeypatch.setattr(figure_cache, "folder", lambda: real)
    assert sorted(runner.evict_bypassed(drawn)) == sorted([poisoned, linked])
    assert sorted(p.name for p in real.iterdir()) == [other]  # the entry it did not draw stays
    assert (tmp_path / "elsewhere" / "keep.txt").is_file()  # a link is unlinked, not followed


def test_make_s_channel_counts_only_in_a_recipe_of_make():
    """SUANLI_CLI_VARS and SUANLI_GOALS are how make's recipes pass the command line on; left in a
    program's environment they name nothing (the parameter in it stays ignored)."""
    leftover = {"SUANLI_CLI_VARS": "METHOD", "METHOD": "ets", "SUANLI_GOALS": "forecast"}
    assert "METHOD" not in cli.variables([], leftover) and cli._goals(leftover, "all") == ["all"]
    in_make = dict(leftover, MAKELEVEL="1")
    assert cli.variables([], in_make)["METHOD"] == "ets" and cli._goals(in_make, "all") == ["forecast"]


# ----------------------------------------------------------------------------- N9: clean beside a live build

def test_clean_is_refused_while_a_build_holds_the_lock(tmp_path, monkeypatch):
    import subprocess
    import sys

    from analysis.pipeline import housekeeping

    monkeypatch.setattr(paths, "BUILD", tmp_path / "build")
    cleaned = []
    monkeypatch.setattr(housekeeping, "_clean", lambda: cleaned.append(1) or [])
    (tmp_path / "build").mkdir()
    # another process builds: it holds the lock (shared) until its stdin closes
    holder = subprocess.Popen([sys.executable, "-c", "import fcntl, os, sys; fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT); "
                               "fcntl.flock(fd, fcntl.LOCK_SH); print('held', flush=True); sys.stdin.read()",
                               str(tmp_path / "build" / housekeeping.BUILD_LOCK)],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(housekeeping.RefusedError, match="a build is running in this compendium"):
            housekeeping.clean()
        assert cleaned == []
        with housekeeping.building():  # builds share the lock
            pass
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    housekeeping.clean()  # the build has ended
    assert cleaned == [1]


def test_a_failure_blaming_a_parameter_nobody_set_says_so():
    from analysis.pipeline.runner import RunnerError

    err = RunnerError("notebooks/src/03_forecast.py: cell 9 raised AssertionError: train_start 2021 leaves no data")
    said = cli._not_set("03_forecast", err, {"SUANLI_CLI_VARS": "METHOD"})
    assert said.startswith("train_start was not set (the default applies)") and "git diff data/raw" in said
    assert cli._not_set("03_forecast", err, {"SUANLI_CLI_VARS": "TRAIN_START"}) == ""  # the user set it
    assert cli._not_set("03_forecast", RunnerError("cell 3 raised KeyError: 'x'"), {}) == ""


# ----------------------------------------------------------------------------- N7: a killed lock holder's folders

def test_the_waiter_that_takes_over_a_killed_holder_sweeps_its_folders(tmp_path, monkeypatch):
    import os
    import signal
    import subprocess
    import sys
    import tempfile
    import threading

    from analysis.pipeline import runner, runs

    monkeypatch.setattr(paths, "RUNS", tmp_path / "runs")
    (tmp_path / "runs").mkdir()
    code = ("import os, sys, tempfile\nfrom analysis.pipeline import runs\nwith runs.lock('r'):\n"
            f"    d = tempfile.mkdtemp(prefix='{runner.STAGE_PREFIX}%d-' % os.getpid()); print(d, flush=True)\n"
            "    sys.stdin.read()\n")
    holder = subprocess.Popen([sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                              env=dict(os.environ, SUANLI_ROOT=str(tmp_path)))  # its runs/ is tmp_path/runs
    left = holder.stdout.readline().strip()
    assert os.path.isdir(left) and os.path.dirname(left) == tempfile.gettempdir()
    taken = threading.Event()

    def waiter():
        with runs.lock("r"):
            taken.set()

    thread = threading.Thread(target=waiter)
    thread.start()
    assert not taken.wait(0.5)  # it waits for the holder
    holder.send_signal(signal.SIGKILL)
    holder.wait(timeout=30)
    thread.join(timeout=60)
    assert taken.is_set() and not os.path.exists(left)  # swept when the waiter took over


def test_a_failed_ledger_write_names_the_ledger_not_the_output(tmp_path, monkeypatch):
    from analysis.base import atomic

    ledger = tmp_path / "gone" / "ledger.tsv"  # its folder is missing: the ledger cannot be written
    monkeypatch.setenv(atomic.STAGE_ENV, str(ledger))
    with pytest.raises(OSError) as err:
        atomic.write_text(tmp_path / "out" / "figures.csv", "x\n")
    assert err.value.filename == str(ledger)
    assert not list((tmp_path / "out").iterdir())  # and its temporary is gone


def test_a_kernel_s_message_shows_repository_paths_only():
    import tempfile

    text = (f"cell 3 raised OSError: [Errno 28] No space left on device: '{tempfile.gettempdir()}/suanli-stage-9-x/"
            f"ledger.tsv' (writing {paths.ROOT}/data/processed/figures.csv)")
    assert cli._repository_paths(text) == ("cell 3 raised OSError: [Errno 28] No space left on device: "
                                           "'$TMPDIR/suanli-stage-9-x/ledger.tsv' (writing data/processed/figures.csv)")


@pytest.mark.parametrize("word, writes", [("run\n", True), ("skip\n", False), ("", False)])
def test_the_index_process_started_ahead_writes_the_page_only_when_told_to_run(monkeypatch, word, writes):
    """`make all` starts `index --when-told` beside its steps: it imports first, then writes the page
    on "run" and nothing on "skip" (a step failed) or at the end of its input (the build stopped)."""
    import io
    import sys
    from types import SimpleNamespace

    from analysis.pipeline import report

    done = []
    monkeypatch.setattr(report, "ready", lambda: done.append("ready"))
    monkeypatch.setattr(report, "run_index", lambda run: done.append(("index", run)))
    monkeypatch.setattr(sys, "stdin", io.StringIO(word))
    assert cli._cmd_index(SimpleNamespace(when_told=True), {}) == 0
    assert done == (["ready", ("index", None)] if writes else ["ready"])


def test_a_failed_build_tells_the_index_process_to_skip(monkeypatch):
    """The build's step failed: the index process is told "skip" and the build's exit status is the step's.
    The process starts only when the build's first step does (``starting``): a build refused before
    it (its raw data, say) starts none, and one that ran no step here writes the page itself."""
    import subprocess
    from types import SimpleNamespace

    from analysis.pipeline import engine

    told, started = [], []

    class Index:
        def __init__(self, cmd, **kw):
            assert cmd[-2:] == ["index", "--when-told"]
            started.append(cmd[-2])
            self.stdin = SimpleNamespace(write=told.append, close=lambda: None)

        def wait(self):
            return 0

    def failing(environ, jobs, starting):
        starting()  # the first step started, then failed
        raise engine.StepFailed("04_context_figures", 3)
    monkeypatch.setattr(subprocess, "Popen", Index)
    monkeypatch.setattr(engine, "CORES", 2)
    monkeypatch.setattr(engine, "check_all", lambda environ, goals=None: None)
    monkeypatch.setattr(engine, "build", failing)
    assert cli._cmd_build(SimpleNamespace(jobs=2), {}) == 3
    assert told == ["skip\n"] and started == ["index"]
    monkeypatch.setattr(engine, "build", lambda environ, jobs, starting: starting())
    told.clear()
    assert cli._cmd_build(SimpleNamespace(jobs=2), {}) == 0
    assert told == ["run\n"]

    def refused(environ, jobs, starting):  # bad raw data: refused before any step
        raise engine.BuildError("bad raw data\ndata/raw/x.csv, line 2, column value: not a number")
    monkeypatch.setattr(engine, "build", refused)
    told.clear(), started.clear()
    with pytest.raises(engine.BuildError):
        cli._cmd_build(SimpleNamespace(jobs=2), {})
    assert started == [] and told == []
    written = []
    monkeypatch.setattr(cli, "_cmd_index", lambda args, environ: written.append("page") or 0)
    monkeypatch.setattr(engine, "build", lambda environ, jobs, starting: None)  # every step ran aside
    assert cli._cmd_build(SimpleNamespace(jobs=2), {}) == 0
    assert started == [] and written == ["page"]


def test_make_test_imports_the_package_before_nbval_so_jsonschema_skips_the_iri_grammar(monkeypatch, pytestconfig):
    """`make test` runs pytest with `-p analysis` (cli._cmd_test): the package, which marks
    jsonschema's optional ``rfc3987_syntax`` absent (analysis/__init__.py), is imported before
    nbval's plugin imports nbformat, and so jsonschema, in every pytest process (about 1.3 CPU-s
    each). Checked here in this process when it was started so (a bare `pytest` is not)."""
    import sys

    argv = []
    monkeypatch.setattr(cli, "_exec", lambda a, environ: argv.extend(a) or 0)
    cli._cmd_test(None, {})
    assert argv[1:5] == ["-m", "pytest", "-p", "analysis"]
    args = pytestconfig.invocation_params.args
    if not any(args[i:i + 2] == ("-p", "analysis") for i in range(len(args))):
        pytest.skip("this pytest was not started as make test starts it (-p analysis)")
    assert sys.modules.get("rfc3987_syntax", "absent") is None
    import jsonschema

    assert "iri" not in jsonschema.FormatChecker.checkers
