"""The registry (analysis/pipeline/registry.py) and its engine (engine.py, cli.py): the graph is
consistent, everything derived from it says the same, and staleness is decided by content (raw bytes, the set of raw files, modules,
parameters, outputs edited by hand), never by modification times."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from analysis.base import paths
from analysis.pipeline import params as P
from analysis.pipeline import cli, engine, registry

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- the graph

def test_every_output_has_exactly_one_writer_and_every_read_a_writer():
    seen = {}
    for name in registry.STEPS:
        for f in engine.outputs(name):
            assert f not in seen, f"{f} written by {seen.get(f)} and {name}"
            seen[f] = name
    for name, step in registry.STEPS.items():
        for table in step.reads:
            assert registry.writer_of(table) != name
            assert list(registry.STEPS).index(registry.writer_of(table)) < list(registry.STEPS).index(name)


def test_every_step_has_a_source_and_its_parameters():
    for name in registry.STEPS:
        assert (REPO / "notebooks" / "src" / f"{name}.py").exists()
        assert name in P.SPECS
        for m in registry.STEPS[name].modules:
            assert (REPO / "analysis" / (m.replace(".", "/") + ".py")).exists(), m


def test_registry_modules_name_their_layer():
    assert registry.module_name("__init__") == "analysis"
    assert registry.module_name("pipeline.__init__") == "analysis.pipeline"
    assert registry.module_name("base.atomic") == "analysis.base.atomic"
    assert registry.module_name("cleaning") == "analysis.cleaning"
    assert registry.module_file("base.atomic") == paths.ROOT / "analysis" / "base" / "atomic.py"
    assert registry.module_file("pipeline.__init__") == paths.ROOT / "analysis" / "pipeline" / "__init__.py"
    assert "base.atomic" in registry.STEPS["01_clean"].modules and "atomic" not in registry.STEPS["01_clean"].modules


def test_a_run_reads_its_own_tables_and_the_default_cleaned_data():
    assert engine.table_path("forecasts", "ux1") == paths.RUNS / "ux1" / "processed" / "forecasts.csv"
    assert engine.table_path("series", "ux1") == paths.PROCESSED / "series.csv"
    assert registry.run_steps() == ["03_forecast", "05_forecast_figures"]
    assert all(str(f).startswith(str(paths.RUNS / "ux1")) for n in registry.run_steps() for f in engine.outputs(n, "ux1"))


def test_generated_make_rules_follow_the_registry():
    mk = cli.makefile()
    for name in registry.STEPS:
        assert f"\t@$(STEPS) run {name}\n" in mk
    assert "step-05_forecast_figures: step-01_clean step-02_evaluation step-03_forecast" in mk
    assert "run-" not in mk  # a named run is one process (analysis/pipeline/runs.py), under its lock
    # override: the Makefile's own variable, whatever the environment or command line holds
    assert re.search(r"^override PARAM_VARIABLES := .*\bHORIZON\b", mk, re.M)


def test_a_new_param_entry_is_a_new_make_variable(monkeypatch):
    spec = dict(P.SPECS["03_forecast"])
    spec["decay_half_life"] = P.Param(float, 2.0, "half-life of the growth decay, years", low=0.5, high=20.0)
    monkeypatch.setitem(P.SPECS, "03_forecast", spec)
    assert "DECAY_HALF_LIFE" in P.make_variables()
    assert "DECAY_HALF_LIFE" in cli.makefile().split("PARAM_VARIABLES :=")[1].splitlines()[0]
    assert "DECAY_HALF_LIFE=2.0" in cli.help_text()
    assert P.from_environ("03_forecast", {"DECAY_HALF_LIFE": "3"}) == {"decay_half_life": "3"}
    with pytest.raises(P.ParameterError, match="did you mean DECAY_HALF_LIFE"):
        P.check_command_line(["decay_half_life"])


def test_readme_parameter_table_is_the_generated_one():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert cli.readme_table() in readme


# ----------------------------------------------------------------------------- variables

@pytest.mark.parametrize("name, guess", [("method", "METHOD"), ("HORIZN", "HORIZON"), ("Level", "LEVELS"),
                                         ("run", "RUN"), ("TOLERENCE", "TOLERANCE")])
def test_misspelt_or_miscased_variables_are_refused(name, guess):
    with pytest.raises(P.ParameterError, match=f"did you mean {guess}\\?"):
        P.check_command_line([name])


def test_exact_variables_pass_and_every_other_name_is_refused():
    P.check_command_line(["METHOD", "HORIZON", "RUN", "PYTHON", "CELL_TIMEOUT", "AS_OF"])
    for name in ("MY_OWN_THING", "STEPS", "CHECK_PYTHON", "VARS_DIR", "SHELL", "PARAM_VARIABLES", "SUANLI_ROOT",
                 "SEED"):
        with pytest.raises(P.ParameterError, match=f"unknown variable '{name}'"):
            P.check_command_line([name])
    with pytest.raises(P.ParameterError, match="did you mean GROWTH"):  # the notebook parameter's name
        P.check_command_line(["GROWTH_OVERRIDE"])


@pytest.mark.parametrize("names, goals, message", [
    (["REPLACE"], ["all"], "REPLACE is not used by make all; it is for make forecast"),
    (["RUN"], ["all"], "RUN is not used by make all"),
    (["LAB_ARGS"], ["all"], "LAB_ARGS is not used by make all; it is for make lab"),
    (["METHOD"], ["lab"], "METHOD is not used by make lab"),
])
def test_a_known_variable_that_no_goal_uses_is_refused(names, goals, message):
    with pytest.raises(P.ParameterError, match=message):
        P.check_command_line(names, {}, goals)
    P.check_command_line(names, {}, ["forecast", "lab"])  # …and accepted by the goal that uses it


@pytest.mark.parametrize("env, message", [
    ({"CELL_TIMEOUT": "0"}, "CELL_TIMEOUT must be a whole number of seconds from 1 to 86400"),
    ({"CELL_TIMEOUT": "1e3"}, "CELL_TIMEOUT must be"), ({"CELL_TIMEOUT": "６０"}, "CELL_TIMEOUT must be"),
    ({"LAB_ARGS": '"'}, "LAB_ARGS: got '\"', which is not a list of options"),
    ({"REPLACE": "yes"}, "REPLACE must be 1"), ({"REPEAT": "0"}, "REPEAT must be an integer from 1 to 20"),
])
def test_build_variables_are_checked_in_one_line(env, message):
    with pytest.raises(P.ParameterError) as err:
        P.check_build_variables(env)
    assert message in str(err.value) and "\n" not in str(err.value)
    assert P.cell_timeout({"CELL_TIMEOUT": "30"}) == 30 and P.cell_timeout({}) is None


@pytest.mark.parametrize("run", ["a", "ux1", "slow-2030_b", "0", "a" * 64])
def test_good_run_names(run):
    assert P.check_run_name(run) == run


@pytest.mark.parametrize("run", ["", ".", "..", "../x", "a/b", "A", "-x", "_x", "a b", "x\n", "a" * 65, "ü",
                                 "x`touch y`", "$(id)", "a;b"])
def test_bad_run_names_are_refused_in_one_line(run):
    with pytest.raises(P.ParameterError) as err:
        P.check_run_name(run)
    assert "\n" not in str(err.value) and len(str(err.value)) < 300


def test_values_from_the_environment_are_checked_not_trusted():
    env = {"HORIZON": "2030", "METHOD": "ets", "LEVEL": "", "RUN": "x"}
    assert engine.parameters("03_forecast", "x", env)["horizon_end"] == 2030
    assert engine.parameters("03_forecast", "x", env)["run_name"] == "x"
    with pytest.raises(P.ParameterError, match="horizon_end must be"):
        engine.parameters("03_forecast", None, {"HORIZON": "2030; touch canary"})
    with pytest.raises(P.ParameterError):
        engine.parameters("03_forecast", None, {"METHOD": "!!python/object/apply:os.system ['id']"})


# ----------------------------------------------------------------------------- staleness by content

@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A minimal compendium: sources, modules, raw data and the processed tables, re-rooted."""
    root = tmp_path / "c"
    for sub in ("analysis", "notebooks/src", "data/raw", "data/registered", "fonts"):
        shutil.copytree(REPO / sub, root / sub, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "requirements.txt").write_text("x\n")
    old = paths.ROOT
    for name, value in list(vars(paths).items()):
        if isinstance(value, Path) and (value == old or old in value.parents):
            monkeypatch.setattr(paths, name, root / value.relative_to(old))
    monkeypatch.setattr(paths, "ROOT", root)
    for name in registry.STEPS:
        for t in registry.STEPS[name].tables:
            (root / "data" / "processed").mkdir(parents=True, exist_ok=True)
            (root / "data" / "processed" / f"{t}.csv").write_text(f"{t}\n1\n")
    return root


def _pretend_ran(name, run=None):
    written = []
    for f in engine.outputs(name, run):
        f.parent.mkdir(parents=True, exist_ok=True)
        if not f.exists():
            f.write_text(f"output {f.name}\n")
        written.append(f)
    engine._record(name, run, engine.inputs(name, run), written)


def test_a_recorded_step_is_up_to_date(tree):
    _pretend_ran("01_clean")
    assert engine.why_stale("01_clean") == ([], [])


def test_a_step_never_run_is_stale(tree):
    changed, edited = engine.why_stale("04_context_figures")
    assert changed


def test_raw_content_change_with_old_mtime_is_noticed(tree):
    _pretend_ran("01_clean")
    raw = tree / "data" / "raw" / "rankings.csv"
    st = raw.stat()
    raw.write_text(raw.read_text().replace(",1,", ",nan,", 1))
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns))  # `touch -r`: the old modification time
    assert engine.why_stale("01_clean")[0] == ["data/raw/rankings.csv"]


def test_deleted_raw_file_is_noticed(tree):
    _pretend_ran("01_clean")
    (tree / "data" / "raw" / "rankings.csv").unlink()
    changed, _ = engine.why_stale("01_clean")
    assert "data/raw/rankings.csv" in changed and "data/raw/ (the set of files)" in changed


def test_symlinked_raw_file_is_refused_by_its_repository_path(tree):
    raw = tree / "data" / "raw" / "rankings.csv"
    raw.unlink()
    raw.symlink_to("/etc/passwd")
    with pytest.raises(engine.BuildError) as err:
        engine.inputs("01_clean")
    assert str(err.value).startswith("data/raw/rankings.csv: is a symbolic link")
    assert str(tree) not in str(err.value) and "/etc/passwd" not in str(err.value)


def test_a_changed_module_or_parameter_makes_its_consumers_stale(tree):
    for name in registry.STEPS:
        _pretend_ran(name)
    charts = tree / "analysis" / "charts" / "style.py"
    charts.write_text(charts.read_text() + "\n# a comment\n")
    stale = [n for n in registry.STEPS if engine.why_stale(n)[0]]
    assert stale == ["04_context_figures", "05_forecast_figures", "06_unblinding"]
    assert engine.why_stale("03_forecast", None, {"HORIZON": "2030"})[0] == ["parameters"]
    assert engine.why_stale("03_forecast", None, {"HORIZON": "2027"}) == ([], [])  # the default, spelt out


def test_a_named_run_goes_stale_when_a_module_it_imports_changes(tree):
    _pretend_ran("01_clean")
    for name in registry.run_steps():
        _pretend_ran(name, "ux1")
    assert all(engine.why_stale(n, "ux1") == ([], []) for n in registry.run_steps())
    mod = tree / "analysis" / "forecasting.py"
    mod.write_text(mod.read_text() + "\n# changed\n")
    assert engine.why_stale("03_forecast", "ux1")[0] == ["analysis/forecasting.py"]
    cleaning = tree / "analysis" / "cleaning.py"
    cleaning.write_text(cleaning.read_text() + "\n# changed\n")
    assert "analysis/cleaning.py" in engine.why_stale("03_forecast", "ux1")[0]


def test_a_changed_pipeline_or_base_module_makes_its_importers_stale(tree):
    """Modules in analysis/pipeline/ and analysis/base/ are inputs like the science's: the registry
    names them by layer."""
    for name in registry.STEPS:
        _pretend_ran(name)
    notebook = tree / "analysis" / "pipeline" / "notebook.py"  # every notebook's set-up
    notebook.write_text(notebook.read_text() + "\n# changed\n")
    assert {n: engine.why_stale(n)[0] for n in registry.STEPS} == {n: ["analysis/pipeline/notebook.py"] for n in registry.STEPS}
    for name in registry.STEPS:
        _pretend_ran(name)
    package = tree / "analysis" / "pipeline" / "__init__.py"
    package.write_text(package.read_text() + "\n# changed\n")
    assert all(engine.why_stale(n)[0] == ["analysis/pipeline/__init__.py"] for n in registry.STEPS)
    for name in registry.STEPS:
        _pretend_ran(name)
    atomic = tree / "analysis" / "base" / "atomic.py"  # the writer every notebook uses
    atomic.write_text(atomic.read_text() + "\n# changed\n")
    assert all(engine.why_stale(n)[0] == ["analysis/base/atomic.py"] for n in registry.STEPS)


def test_hand_edited_or_deleted_outputs_are_detected(tree):
    _pretend_ran("01_clean")
    series = tree / "data" / "processed" / "series.csv"
    series.write_text("edited by hand\n")
    assert engine.why_stale("01_clean") == ([], ["data/processed/series.csv"])
    (tree / "notebooks" / "01_clean.ipynb").unlink()
    assert engine.why_stale("01_clean")[1] == ["data/processed/series.csv", "notebooks/01_clean.ipynb"]


def test_plan_lists_the_stale_step_and_what_may_follow(tree):
    for name in registry.STEPS:
        _pretend_ran(name)
    page = tree / "reports" / "index.html"
    page.write_text("index\n")
    engine._record("index", None, engine.index_inputs(None), [page])
    assert engine.plan({}) == []
    src = tree / "notebooks" / "src" / "03_forecast.py"
    src.write_text(src.read_text() + "\n")
    lines = engine.plan({})
    assert lines[0].startswith("run 03_forecast (changed: notebooks/src/03_forecast.py")
    assert lines[1].startswith("maybe run 05_forecast_figures")


def _record_run(env):
    """What runs.make writes first: the run's record (every step's parameters)."""
    from analysis.pipeline import runs

    run, wanted, steps = runs.plan(env)
    (paths.RUNS / run).mkdir(parents=True, exist_ok=True)
    (paths.RUNS / run / "params.yaml").write_text(P.dump(wanted))
    return steps


def test_reused_run_name_with_other_parameters_is_refused(tree):
    from analysis.pipeline import runs

    env = {"RUN": "ux1", "METHOD": "ets", "HORIZON": "2030", "LEVEL": "0.95"}
    _record_run(env)
    runs.preflight(dict(env))  # identical: fine
    with pytest.raises(P.ParameterError) as err:
        runs.preflight({"RUN": "ux1", "HORIZON": "2028"})
    msg = str(err.value)
    assert "horizon_end 2030 → 2028" in msg and "method 'ets' → 'all'" in msg
    assert "use a new name, or REPLACE=1" in msg
    runs.preflight({"RUN": "ux1", "HORIZON": "2028", "REPLACE": "1"})
    # a record written before a parameter existed reads as its default
    (paths.RUNS / "ux1" / "params.yaml").write_text("method: ets\nhorizon_end: 2030\nlevels: 0.5,0.8,0.95\n")
    runs.preflight({"RUN": "ux1", "METHOD": "ets", "HORIZON": "2030"})


def test_what_a_run_executes_follows_from_its_parameters(tree):
    defaults = engine.complete({})
    assert engine.run_plan(defaults) == ["03_forecast", "05_forecast_figures"]
    assert engine.run_plan({**defaults, "horizon_end": 2030}) == ["03_forecast", "05_forecast_figures"]
    # 01 and all downstream (not the unblinding, which reads no processed table)
    assert engine.run_plan({**defaults, "tolerance_pct": 5.0}) == registry.downstream(["01_clean"])
    assert "06_unblinding" not in registry.downstream(["01_clean"])
    assert engine.run_plan({**defaults, "tolerance_pct": 0.0}) == ["03_forecast", "05_forecast_figures"]  # the default
    assert _record_run({"RUN": "tol", "TOLERANCE": "5"}) == registry.downstream(["01_clean"])
    assert engine.executed("tol") == registry.downstream(["01_clean"])
    # everything the run reads and writes is in its own folder
    assert engine.table_path("series", "tol") == paths.RUNS / "tol" / "processed" / "series.csv"
    assert engine.table_path("audit", "tol") == paths.RUNS / "tol" / "processed" / "audit.csv"
    outs = [f for n in registry.STEPS for f in engine.outputs(n, "tol")]
    assert all(f.is_relative_to(paths.RUNS / "tol") for f in outs)
    assert paths.RUNS / "tol" / "datapackage.json" in outs
    # a forecast-only run reads the default cleaned data
    _record_run({"RUN": "fc", "METHOD": "ets"})
    assert engine.table_path("series", "fc") == paths.PROCESSED / "series.csv"


def test_every_parameter_belongs_to_a_step():
    assert set(P.SPECS) == set(registry.STEPS)
    for var, uses in P.make_variables().items():
        assert all(nb in registry.STEPS for nb, _, _ in uses), var


def test_a_run_reads_the_default_outputs_only_when_they_are_up_to_date(tree):
    for name in registry.STEPS:
        _pretend_ran(name)
    engine.check_upstream(["03_forecast", "05_forecast_figures"], {})
    raw = tree / "data" / "raw" / "rankings.csv"
    raw.write_text(raw.read_text() + "\n")  # an edit not yet built
    with pytest.raises(engine.BuildError) as err:
        engine.check_upstream(["03_forecast", "05_forecast_figures"], {})
    assert str(err.value).startswith("the default outputs of 01_clean, which this run reads, are not up to date "
                                     "(changed: data/raw/rankings.csv")
    assert str(err.value).endswith("run `make all` first")
    engine.check_upstream(list(registry.STEPS), {"TOLERANCE": "5"})  # a run that rebuilds 01 reads none of them


def test_declared_assets_are_inputs_and_a_missing_one_is_an_error(tree, monkeypatch):
    (tree / "fonts").mkdir(exist_ok=True)
    (tree / "fonts" / "a.ttf").write_bytes(b"font")
    step = registry.STEPS["04_context_figures"]
    monkeypatch.setitem(registry.STEPS, "04_context_figures", registry.Step(**{**step.__dict__, "assets": ("fonts/*.ttf",)}))
    assert "fonts/a.ttf" in engine.inputs("04_context_figures")
    monkeypatch.setitem(registry.STEPS, "04_context_figures", registry.Step(**{**step.__dict__, "assets": ("fontz/*.ttf",)}))
    with pytest.raises(engine.BuildError, match="fontz/\\*.ttf: declared as an input of 04_context_figures"):
        engine.inputs("04_context_figures")


@pytest.mark.parametrize("value", ["no", "yes", "2", "`id`", "1; rm", "!!python/object"])
def test_replace_takes_only_1_or_0(tree, value):
    from analysis.pipeline import runs

    with pytest.raises(P.ParameterError, match="REPLACE must be 1"):
        runs.preflight({"RUN": "ux1", "REPLACE": value})


def test_a_run_folder_holding_a_symlink_is_refused(tree, tmp_path):
    from analysis.pipeline import runs

    outside = tmp_path / "outside"
    outside.mkdir()
    (paths.RUNS / "ev2").mkdir(parents=True)
    (paths.RUNS / "ev2" / "processed").symlink_to(outside)
    with pytest.raises(P.ParameterError, match="runs/ev2/processed is a symbolic link"):
        runs.preflight({"RUN": "ev2"})
    assert not list(outside.iterdir())


@pytest.mark.parametrize("make_it, message", [
    (lambda f: f.write_text("not a folder"), "runs/x1 exists and is not a run folder"),
    (lambda f: f.symlink_to("/tmp"), "runs/x1 exists and is not a run folder"),
    (lambda f: (f.mkdir(), (f / "mine.txt").write_text("x")), "runs/x1: exists but is not a run"),
])
def test_a_file_or_foreign_folder_named_like_a_run_is_refused_in_one_line(tree, make_it, message):
    from analysis.pipeline import runs

    paths.RUNS.mkdir(exist_ok=True)
    make_it(paths.RUNS / "x1")
    with pytest.raises((P.ParameterError, engine.BuildError)) as err:
        runs.preflight({"RUN": "x1"})
    assert message in str(err.value) and "\n" not in str(err.value)


# ----------------------------------------------------------------------------- one process per build (issue 31)

class _Log:
    """What a build did, in order: kernels started ahead, steps run here, processes started aside."""

    def __init__(self, monkeypatch, stale: set[str]):
        from analysis.pipeline import runner

        self.events: list[tuple[str, str]] = []
        log = self

        class Kernel:
            def __init__(self, name, output, **kw):
                self.name = name

            def start(self):
                log.events.append(("kernel", self.name))
                return self

            def discard(self):
                log.events.append(("discard", self.name))

            def serve(self, name):
                log.events.append(("serve", f"{self.name} as {name}"))
                self.name = name
                return self

        def run_step(name, run=None, environ=None, kernel=None):
            log.events.append(("run", f"{name} on {kernel.name if kernel else 'its own'}"))
            return True

        def popen(cmd, **kw):
            log.events.append(("aside", cmd[-1]))
            raise AssertionError(f"no step should run aside here: {cmd}")

        monkeypatch.setattr(runner, "Kernel", Kernel)
        monkeypatch.setattr(runner, "discard_all", lambda: None)
        monkeypatch.setattr(engine, "run_step", run_step)
        monkeypatch.setattr(engine, "why_stale", lambda n, run=None, environ=None: (["x"], []) if n in stale else ([], []))
        monkeypatch.setattr("subprocess.Popen", popen)


def _processes(ran: list, ends):
    """A stand-in for subprocess.Popen in a build: a step started aside ("aside") or ahead
    ("ahead", ``run NAME --when-told``) is logged in ``ran``, so is each word it is told, and it
    has ended once ``ends(it)`` says so."""

    class Process:
        def __init__(self, cmd, **kw):
            self.name, self.returncode = cmd[cmd.index("run") + 1], None
            ran.append(("ahead" if "--when-told" in cmd else "aside", self.name))
            self.stdin = self.Stdin(self.name)

        class Stdin:
            def __init__(self, name):
                self.name, self.closed = name, False

            def write(self, text):
                ran.append((text.strip(), self.name))

            def close(self):
                self.closed = True

        def poll(self):
            if self.returncode is None and ends(self):
                self.returncode = 0
            return self.returncode

        def wait(self, timeout=None):
            return 0

    return Process


def _on_two_cores(monkeypatch, processes, stale: set, after_step=None) -> None:
    """A build on 2 cores with ``processes`` for subprocess.Popen, no raw check, and steps that are
    up to date once run here (``after_step(name)`` is called when one has run)."""
    import subprocess

    monkeypatch.setattr(subprocess, "Popen", processes)
    monkeypatch.setattr(engine, "CORES", 2)
    monkeypatch.setattr(engine, "_check_raw", lambda record=False: None)
    original = engine.run_step

    def run_step(name, run=None, environ=None, kernel=None):
        stale.discard(name)
        original(name, run, environ, kernel)
        if after_step is not None:
            after_step(name)
        return True
    monkeypatch.setattr(engine, "run_step", run_step)


def test_a_rerun_runs_its_stale_steps_here_on_kernels_started_ahead_and_spawns_nothing(monkeypatch):
    """The HORIZON rerun: 03 and 05 are stale. The steps that are up to date (01, 02, 04, 06) are
    done without a process; 05's kernel is started before 03 runs, and 05 runs here on it."""
    log = _Log(monkeypatch, {"03_forecast", "05_forecast_figures"})
    engine.build({}, jobs=2)
    assert log.events == [("kernel", "03_forecast"), ("kernel", "05_forecast_figures"),
                          ("run", "03_forecast on 03_forecast"), ("run", "05_forecast_figures on 05_forecast_figures")]


def test_a_build_with_nothing_stale_starts_no_kernel_and_no_process(monkeypatch):
    log = _Log(monkeypatch, set())
    engine.build({}, jobs=2)
    assert log.events == []


def test_a_kernel_started_for_a_step_that_proves_up_to_date_is_discarded(monkeypatch):
    """02 reran and 03's kernel was started meanwhile; 03 then proves up to date (02 wrote the same
    tables): its kernel is discarded, and nothing else is started."""
    stale = {"02_evaluation"}
    log = _Log(monkeypatch, stale)
    original = engine.run_step

    def run_step(name, run=None, environ=None, kernel=None):
        stale.discard(name)  # once run, up to date
        return original(name, run, environ, kernel)
    monkeypatch.setattr(engine, "run_step", run_step)
    engine.build({}, jobs=1)
    assert log.events == [("kernel", "02_evaluation"), ("kernel", "03_forecast"), ("run", "02_evaluation on 02_evaluation"),
                          ("discard", "03_forecast")]


def test_a_kernel_started_for_a_step_that_proves_up_to_date_serves_the_next_step_run_here(monkeypatch):
    """01 reran (its raw files' bytes changed, its tables did not: a BOM, a blank line) and 02's
    kernel was started meanwhile; 02 proves up to date, and 06 (which reads data/raw too) is the next
    step run here: it runs on 02's kernel instead of one more kernel start and the imports they
    share (until issue 31's last round: discarded, and 06's started)."""
    stale = {"01_clean", "06_unblinding"}
    log = _Log(monkeypatch, stale)
    monkeypatch.setattr(engine, "_check_raw", lambda record=False: None)
    monkeypatch.setattr(engine, "CORES", 2)  # a core free for a kernel started ahead; -j1: nothing aside
    original = engine.run_step

    def run_step(name, run=None, environ=None, kernel=None):
        stale.discard(name)
        return original(name, run, environ, kernel)
    monkeypatch.setattr(engine, "run_step", run_step)
    engine.build({}, jobs=1)
    assert log.events == [("kernel", "01_clean"), ("kernel", "02_evaluation"), ("run", "01_clean on 01_clean"),
                          ("serve", "02_evaluation as 06_unblinding"), ("run", "06_unblinding on 06_unblinding")]


def test_a_spare_kernel_is_discarded_when_traced_and_named_for_its_new_step_otherwise(monkeypatch, tmp_path):
    """Kernel.serve: the kernel is the new step's (its key, so execute() runs on it); a traced kernel
    (its trace is named after the step it was started for) is discarded instead, as is one that
    failed to start."""
    from analysis.pipeline import runner

    stopped = []
    monkeypatch.setattr(runner, "_stop", lambda km: stopped.append(km))
    monkeypatch.delenv("SUANLI_TRACE", raising=False)
    out = tmp_path / "notebooks" / "02_evaluation.ipynb"
    k = runner.Kernel("02_evaluation", out)
    k.km = "a started kernel"
    assert k.serve("06_unblinding") is k and k.name == "06_unblinding"
    assert k.key == runner.Kernel.key_for("06_unblinding", tmp_path / "notebooks" / "06_unblinding.ipynb")
    assert stopped == []
    traced = runner.Kernel("02_evaluation", out)
    traced.km = "a started kernel"
    monkeypatch.setenv("SUANLI_TRACE", str(tmp_path))
    assert traced.serve("06_unblinding") is None and stopped == ["a started kernel"]
    monkeypatch.delenv("SUANLI_TRACE")
    failed = runner.Kernel("02_evaluation", out)
    failed.error = OSError("no kernel")
    assert failed.serve("06_unblinding") is None
    for kernel in (k, failed):
        kernel.discard()


def test_a_named_run_starts_each_next_kernel_while_a_step_runs(monkeypatch):
    """``make forecast``: the run's steps run here in order; the kernel of the next starts while
    one runs, and none starts for a step of a run that is already up to date."""
    from analysis.pipeline import runner

    log = _Log(monkeypatch, {"03_forecast", "05_forecast_figures"})  # runner.Kernel is the log's from here
    monkeypatch.setattr(engine, "start_kernel", lambda name, run=None: runner.Kernel(name, None).start())
    assert engine.run_steps_warm(["03_forecast", "05_forecast_figures"], "x", {}) == ["03_forecast", "05_forecast_figures"]
    assert log.events == [("kernel", "03_forecast"), ("kernel", "05_forecast_figures"),
                          ("run", "03_forecast on 03_forecast"), ("run", "05_forecast_figures on 05_forecast_figures")]
    log.events.clear()
    monkeypatch.setattr(engine, "why_stale", lambda n, run=None, environ=None: ([], []))
    engine.run_steps_warm(["03_forecast", "05_forecast_figures"], "x", {})
    assert [e for e in log.events if e[0] == "kernel"] == []


def test_bad_raw_data_stops_the_build_before_any_kernel_starts(monkeypatch):
    """01 reads data/raw: its check fails before its kernel (or the next step's) is started."""
    log = _Log(monkeypatch, {"01_clean", "02_evaluation"})

    def bad(record=False):
        raise engine.BuildError("data/raw/x.csv, line 2, column value: not a number")
    monkeypatch.setattr(engine, "_check_raw", bad)
    starting = []
    with pytest.raises(engine.BuildError, match="not a number") as err:
        engine.build({}, jobs=1, starting=lambda: starting.append(1))
    assert err.value.suanli_step == "01_clean"
    assert log.events == [] and starting == []  # nor is the index page's process (analysis/pipeline/cli.py)


def test_the_build_says_once_when_its_first_step_starts(monkeypatch):
    """``starting`` (the command ``build`` starts the index page's process then) is called once,
    after the raw check passed and before the first step's kernel starts."""
    log = _Log(monkeypatch, {"01_clean", "02_evaluation"})
    monkeypatch.setattr(engine, "_check_raw", lambda record=False: log.events.append(("raw check", "")))
    engine.build({}, jobs=1, starting=lambda: log.events.append(("starting", "")))
    assert log.events[:3] == [("raw check", ""), ("starting", ""), ("kernel", "01_clean")]
    assert log.events.count(("starting", "")) == 1 and ("run", "02_evaluation on 02_evaluation") in log.events


def test_this_process_follows_its_own_chain_between_chains_of_one_length():
    """After 03_forecast, 05_forecast_figures (which reads 03's forecasts) runs here and
    04_context_figures goes aside; without a last step, the registry's order decides."""
    assert engine.schedule(["04_context_figures", "05_forecast_figures"], 1, "03_forecast") == \
        ("05_forecast_figures", ["04_context_figures"])
    assert engine.schedule(["04_context_figures", "05_forecast_figures"], 0, None) == ("04_context_figures", [])
    assert engine.schedule(["03_forecast", "04_context_figures"], 1, "02_evaluation") == \
        ("03_forecast", ["04_context_figures"])  # the longer chain first, whatever ran last


def test_no_kernel_is_started_ahead_while_every_core_is_busy(monkeypatch):
    """A clean make -j2 on 2 cores: 06 runs aside from the start, so 02's kernel is not started
    ahead while 01 runs here (it would take CPU from 01 and 06); each step's kernel starts as the
    step does. A step aside ends here after this process has run two more steps."""
    stale = set(registry.STEPS)
    log = _Log(monkeypatch, stale)
    ran = log.events

    def ends(proc):  # a step aside ends here after this process has run two more steps
        runs = [e[0] for e in ran]
        if runs.count("run") >= runs[:ran.index(("aside", proc.name))].count("run") + 2:
            stale.discard(proc.name)
            return True
        return False

    _on_two_cores(monkeypatch, _processes(ran, ends), stale)
    engine.build({}, jobs=2)
    assert ran == [("aside", "06_unblinding"), ("kernel", "01_clean"), ("run", "01_clean on 01_clean"),
                   ("kernel", "02_evaluation"), ("run", "02_evaluation on 02_evaluation"),
                   ("aside", "04_context_figures"), ("kernel", "03_forecast"), ("run", "03_forecast on 03_forecast"),
                   ("kernel", "05_forecast_figures"), ("run", "05_forecast_figures on 05_forecast_figures")]
    monkeypatch.setattr(engine, "CORES", 3)  # a free core: the next step's kernel starts while one runs
    stale.update(registry.STEPS)
    ran.clear()
    engine.build({}, jobs=2)
    assert ran[:4] == [("aside", "06_unblinding"), ("kernel", "01_clean"), ("kernel", "02_evaluation"),
                       ("run", "01_clean on 01_clean")]


def test_a_step_that_will_run_aside_starts_ahead_and_runs_when_told(monkeypatch):
    """An as-of rerun (every step but 06 stale) under make -j2 on 2 cores: while 02 runs here, 04's
    process starts (`run 04 --when-told`) and readies itself on the free core; once 02 has ended
    it is told "run". A step started ahead that proves up to date is told "skip"."""
    stale = set(registry.STEPS) - {"06_unblinding"}
    log = _Log(monkeypatch, stale)
    ran = log.events

    def ends(proc):  # a step aside ends once told to run (and is then up to date)
        if ("run", proc.name) in ran:
            stale.discard(proc.name)
            return True
        return False

    _on_two_cores(monkeypatch, _processes(ran, ends), stale)
    engine.build({}, jobs=2)
    assert ran[:8] == [("kernel", "01_clean"), ("kernel", "02_evaluation"), ("run", "01_clean on 01_clean"),
                       ("kernel", "03_forecast"), ("ahead", "04_context_figures"), ("run", "02_evaluation on 02_evaluation"),
                       ("run", "04_context_figures"), ("run", "03_forecast on 03_forecast")]
    assert ran[-1] == ("run", "05_forecast_figures on 05_forecast_figures")

    stale.update({"02_evaluation"})  # 02 reruns and writes the same tables: 04, started ahead, is told to skip
    ran.clear()
    engine.build({}, jobs=2)  # and 03's kernel, kept for a next step here, is discarded when none is left
    assert ran == [("kernel", "02_evaluation"), ("kernel", "03_forecast"), ("ahead", "04_context_figures"),
                   ("run", "02_evaluation on 02_evaluation"), ("skip", "04_context_figures"), ("discard", "03_forecast")]


def test_a_raw_check_that_passed_is_not_repeated_until_the_raw_data_or_the_code_changes(tree, monkeypatch):
    """``build/state/raw-check.json`` keeps the key of the last check that passed (the default
    build's); an AS_OF rerun on the same raw data skips the check, an edited raw file (even with
    its old modification time) or an edited module is checked again, and bad data still fails."""
    from analysis import sources

    real, calls = sources.load_all, []
    monkeypatch.setattr(sources, "load_all", lambda *a, **kw: calls.append(1) or real(paths.RAW))
    engine._check_raw(record=False)
    engine._check_raw(record=True)
    assert len(calls) == 2  # a check made without recording leaves no record
    engine._check_raw()
    assert len(calls) == 2 and (tree / "build" / "state" / "raw-check.json").is_file()
    module = tree / "analysis" / "domain.py"
    module.write_text(module.read_text() + "\n")
    engine._check_raw(record=True)
    assert len(calls) == 3
    raw = tree / "data" / "raw" / "rankings.csv"
    st = raw.stat()
    raw.write_text(raw.read_text().replace(",1,", ",x,", 1))
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns))
    with pytest.raises(engine.BuildError, match="bad raw data"):
        engine._check_raw(record=True)
    assert len(calls) == 4


def test_a_step_waiting_for_a_slot_is_told_to_run_as_soon_as_a_step_aside_ends(monkeypatch):
    """A clean make -j2: 06 runs aside; 04 is ready after 02 but has no slot, so it starts ahead
    and waits. 06 ends while 03 runs here: 04 is told to run then, not when 03 ends."""
    import time

    stale = set(registry.STEPS)
    log = _Log(monkeypatch, stale)
    ran = log.events

    def ends(proc):  # 06 ends while 03 runs here; 04 once 03 has ended
        return (proc.name == "06_unblinding" and ("run", "03_forecast on 03_forecast") in ran) or \
            (proc.name == "04_context_figures" and ("end", "03_forecast") in ran)

    def after_step(name):
        if name == "03_forecast":  # 06 ends meanwhile; the thread has a moment to see it
            deadline = time.monotonic() + 5
            while ("run", "04_context_figures") not in ran and time.monotonic() < deadline:
                time.sleep(0.01)
        ran.append(("end", name))

    _on_two_cores(monkeypatch, _processes(ran, ends), stale, after_step)
    engine.build({}, jobs=2)
    i = ran.index
    assert i(("ahead", "04_context_figures")) < i(("run", "03_forecast on 03_forecast")) \
        < i(("run", "04_context_figures")) < i(("end", "03_forecast"))
    assert ran.count(("aside", "04_context_figures")) == 0  # one process for 04: the one started ahead
    assert ran[-2:] == [("run", "05_forecast_figures on 05_forecast_figures"), ("end", "05_forecast_figures")]
