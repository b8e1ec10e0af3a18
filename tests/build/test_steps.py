"""The registry of steps (analysis/build/steps.py): the graph is consistent, everything derived from it
says the same, and staleness is decided by content (raw bytes, the set of raw files, modules,
parameters, outputs edited by hand), never by modification times."""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from analysis.build import params as P
from analysis.build import paths, steps

REPO = Path(__file__).resolve().parents[2]


# ----------------------------------------------------------------------------- the graph

def test_every_output_has_exactly_one_writer_and_every_read_a_writer():
    seen = {}
    for name in steps.STEPS:
        for f in steps.outputs(name):
            assert f not in seen, f"{f} written by {seen.get(f)} and {name}"
            seen[f] = name
    for name, step in steps.STEPS.items():
        for table in step.reads:
            assert steps.writer_of(table) != name
            assert list(steps.STEPS).index(steps.writer_of(table)) < list(steps.STEPS).index(name)


def test_every_step_has_a_source_and_its_parameters():
    for name in steps.STEPS:
        assert (REPO / "notebooks" / "src" / f"{name}.py").exists()
        assert name in P.SPECS
        for m in steps.STEPS[name].modules:
            assert (REPO / "analysis" / (m.replace(".", "/") + ".py")).exists(), m


def test_registry_modules_name_their_layer():
    assert steps.module_name("__init__") == "analysis"
    assert steps.module_name("build.__init__") == "analysis.build"
    assert steps.module_name("build.atomic") == "analysis.build.atomic"
    assert steps.module_name("cleaning") == "analysis.cleaning"
    assert steps.module_file("build.atomic") == paths.ROOT / "analysis" / "build" / "atomic.py"
    assert steps.module_file("build.__init__") == paths.ROOT / "analysis" / "build" / "__init__.py"
    assert "build.atomic" in steps.STEPS["01_clean"].modules and "atomic" not in steps.STEPS["01_clean"].modules


def test_a_run_reads_its_own_tables_and_the_default_cleaned_data():
    assert steps.table_path("forecasts", "ux1") == paths.RUNS / "ux1" / "processed" / "forecasts.csv"
    assert steps.table_path("series", "ux1") == paths.PROCESSED / "series.csv"
    assert steps.run_steps() == ["02_forecast", "04_forecast_figures"]
    assert all(str(f).startswith(str(paths.RUNS / "ux1")) for n in steps.run_steps() for f in steps.outputs(n, "ux1"))


def test_generated_make_rules_follow_the_registry():
    mk = steps.makefile()
    for name in steps.STEPS:
        assert f"\t@$(STEPS) run {name}\n" in mk
    assert "step-04_forecast_figures: step-01_clean step-02_forecast" in mk
    assert "run-04_forecast_figures: forecast-start step-01_clean run-02_forecast" in mk
    assert re.search(r"^PARAM_VARIABLES := .*\bHORIZON\b", mk, re.M)


def test_a_new_param_entry_is_a_new_make_variable(monkeypatch):
    spec = dict(P.SPECS["02_forecast"])
    spec["decay_half_life"] = P.Param(float, 2.0, "half-life of the growth decay, years", low=0.5, high=20.0)
    monkeypatch.setitem(P.SPECS, "02_forecast", spec)
    assert "DECAY_HALF_LIFE" in P.make_variables()
    assert "DECAY_HALF_LIFE" in steps.makefile().split("PARAM_VARIABLES :=")[1].splitlines()[0]
    assert "DECAY_HALF_LIFE=2.0" in steps.help_text()
    assert P.from_environ("02_forecast", {"DECAY_HALF_LIFE": "3"}) == {"decay_half_life": "3"}
    with pytest.raises(P.ParameterError, match="did you mean DECAY_HALF_LIFE"):
        P.check_command_line(["decay_half_life"])


def test_readme_parameter_table_is_the_generated_one():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert steps.readme_table() in readme


# ----------------------------------------------------------------------------- variables

@pytest.mark.parametrize("name, guess", [("method", "METHOD"), ("HORIZN", "HORIZON"), ("Level", "LEVELS"),
                                         ("run", "RUN"), ("TOLERENCE", "TOLERANCE")])
def test_misspelt_or_miscased_variables_are_refused(name, guess):
    with pytest.raises(P.ParameterError, match=f"did you mean {guess}\\?"):
        P.check_command_line([name])


def test_unrelated_and_exact_variables_pass():
    P.check_command_line(["METHOD", "HORIZON", "RUN", "PYTHON", "MY_OWN_THING"])


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
    assert steps.parameters("02_forecast", "x", env)["horizon_end"] == 2030
    assert steps.parameters("02_forecast", "x", env)["run_name"] == "x"
    with pytest.raises(P.ParameterError, match="horizon_end must be"):
        steps.parameters("02_forecast", None, {"HORIZON": "2030; touch canary"})
    with pytest.raises(P.ParameterError):
        steps.parameters("02_forecast", None, {"METHOD": "!!python/object/apply:os.system ['id']"})


# ----------------------------------------------------------------------------- staleness by content

@pytest.fixture
def tree(tmp_path, monkeypatch):
    """A minimal compendium: sources, modules, raw data and the processed tables, re-rooted."""
    root = tmp_path / "c"
    for sub in ("analysis", "notebooks/src", "data/raw", "fonts"):
        shutil.copytree(REPO / sub, root / sub, ignore=shutil.ignore_patterns("__pycache__"))
    (root / "requirements.txt").write_text("x\n")
    old = paths.ROOT
    for name, value in list(vars(paths).items()):
        if isinstance(value, Path) and (value == old or old in value.parents):
            monkeypatch.setattr(paths, name, root / value.relative_to(old))
    monkeypatch.setattr(paths, "ROOT", root)
    for name in steps.STEPS:
        for t in steps.STEPS[name].tables:
            (root / "data" / "processed").mkdir(parents=True, exist_ok=True)
            (root / "data" / "processed" / f"{t}.csv").write_text(f"{t}\n1\n")
    return root


def _pretend_ran(name, run=None):
    written = []
    for f in steps.outputs(name, run):
        f.parent.mkdir(parents=True, exist_ok=True)
        if not f.exists():
            f.write_text(f"output {f.name}\n")
        written.append(f)
    steps._record(name, run, steps.inputs(name, run), written)


def test_a_recorded_step_is_up_to_date(tree):
    _pretend_ran("01_clean")
    assert steps.why_stale("01_clean") == ([], [])


def test_a_step_never_run_is_stale(tree):
    changed, edited = steps.why_stale("03_context_figures")
    assert changed


def test_raw_content_change_with_old_mtime_is_noticed(tree):
    _pretend_ran("01_clean")
    raw = tree / "data" / "raw" / "rankings.csv"
    st = raw.stat()
    raw.write_text(raw.read_text().replace(",1,", ",nan,", 1))
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns))  # `touch -r`: the old modification time
    assert steps.why_stale("01_clean")[0] == ["data/raw/rankings.csv"]


def test_deleted_raw_file_is_noticed(tree):
    _pretend_ran("01_clean")
    (tree / "data" / "raw" / "rankings.csv").unlink()
    changed, _ = steps.why_stale("01_clean")
    assert "data/raw/rankings.csv" in changed and "data/raw/ (the set of files)" in changed


def test_symlinked_raw_file_is_refused_by_its_repository_path(tree):
    raw = tree / "data" / "raw" / "rankings.csv"
    raw.unlink()
    raw.symlink_to("/etc/passwd")
    with pytest.raises(steps.BuildError) as err:
        steps.inputs("01_clean")
    assert str(err.value).startswith("data/raw/rankings.csv: is a symbolic link")
    assert str(tree) not in str(err.value) and "/etc/passwd" not in str(err.value)


def test_a_changed_module_or_parameter_makes_its_consumers_stale(tree):
    for name in steps.STEPS:
        _pretend_ran(name)
    charts = tree / "analysis" / "charts.py"
    charts.write_text(charts.read_text() + "\n# a comment\n")
    stale = [n for n in steps.STEPS if steps.why_stale(n)[0]]
    assert stale == ["03_context_figures", "04_forecast_figures"]
    assert steps.why_stale("02_forecast", None, {"HORIZON": "2030"})[0] == ["parameters"]
    assert steps.why_stale("02_forecast", None, {"HORIZON": "2027"}) == ([], [])  # the default, spelt out


def test_a_named_run_goes_stale_when_a_module_it_imports_changes(tree):
    _pretend_ran("01_clean")
    for name in steps.run_steps():
        _pretend_ran(name, "ux1")
    assert all(steps.why_stale(n, "ux1") == ([], []) for n in steps.run_steps())
    mod = tree / "analysis" / "forecasting.py"
    mod.write_text(mod.read_text() + "\n# changed\n")
    assert steps.why_stale("02_forecast", "ux1")[0] == ["analysis/forecasting.py"]
    cleaning = tree / "analysis" / "cleaning.py"
    cleaning.write_text(cleaning.read_text() + "\n# changed\n")
    assert "analysis/cleaning.py" in steps.why_stale("02_forecast", "ux1")[0]


def test_a_changed_build_module_makes_its_importers_stale(tree):
    """Modules in analysis/build/ are inputs like the science's: the registry names them by layer."""
    for name in steps.STEPS:
        _pretend_ran(name)
    notebook = tree / "analysis" / "build" / "notebook.py"  # every notebook's set-up
    notebook.write_text(notebook.read_text() + "\n# changed\n")
    assert {n: steps.why_stale(n)[0] for n in steps.STEPS} == {n: ["analysis/build/notebook.py"] for n in steps.STEPS}
    for name in steps.STEPS:
        _pretend_ran(name)
    package = tree / "analysis" / "build" / "__init__.py"
    package.write_text(package.read_text() + "\n# changed\n")
    assert all(steps.why_stale(n)[0] == ["analysis/build/__init__.py"] for n in steps.STEPS)


def test_hand_edited_or_deleted_outputs_are_detected(tree):
    _pretend_ran("01_clean")
    series = tree / "data" / "processed" / "series.csv"
    series.write_text("edited by hand\n")
    assert steps.why_stale("01_clean") == ([], ["data/processed/series.csv"])
    (tree / "notebooks" / "01_clean.ipynb").unlink()
    assert steps.why_stale("01_clean")[1] == ["data/processed/series.csv", "notebooks/01_clean.ipynb"]


def test_plan_lists_the_stale_step_and_what_may_follow(tree):
    for name in steps.STEPS:
        _pretend_ran(name)
    page = tree / "reports" / "index.html"
    page.write_text("index\n")
    steps._record("index", None, steps.index_inputs(None), [page])
    assert steps.plan({}) == []
    src = tree / "notebooks" / "src" / "02_forecast.py"
    src.write_text(src.read_text() + "\n")
    lines = steps.plan({})
    assert lines[0].startswith("run 02_forecast (changed: notebooks/src/02_forecast.py")
    assert lines[1].startswith("maybe run 04_forecast_figures")


def test_reused_run_name_with_other_parameters_is_refused(tree):
    env = {"RUN": "ux1", "METHOD": "ets", "HORIZON": "2030", "LEVEL": "0.95"}
    steps.forecast_start(env)
    assert steps.forecast_start(dict(env)) == 0  # identical: fine
    with pytest.raises(P.ParameterError) as err:
        steps.forecast_start({"RUN": "ux1", "HORIZON": "2028"})
    msg = str(err.value)
    assert "horizon_end 2030 → 2028" in msg and "method 'ets' → 'all'" in msg
    assert "use a new name, or REPLACE=1" in msg
    steps.forecast_start({"RUN": "ux1", "HORIZON": "2028", "REPLACE": "1"})
    assert P.read(tree / "runs" / "ux1" / "params.yaml")["horizon_end"] == 2028


def test_declared_assets_are_inputs_and_a_missing_one_is_an_error(tree, monkeypatch):
    (tree / "fonts").mkdir(exist_ok=True)
    (tree / "fonts" / "a.ttf").write_bytes(b"font")
    step = steps.STEPS["03_context_figures"]
    monkeypatch.setitem(steps.STEPS, "03_context_figures", steps.Step(**{**step.__dict__, "assets": ("fonts/*.ttf",)}))
    assert "fonts/a.ttf" in steps.inputs("03_context_figures")
    monkeypatch.setitem(steps.STEPS, "03_context_figures", steps.Step(**{**step.__dict__, "assets": ("fontz/*.ttf",)}))
    with pytest.raises(steps.BuildError, match="fontz/\\*.ttf: declared as an input of 03_context_figures"):
        steps.inputs("03_context_figures")


@pytest.mark.parametrize("value", ["no", "yes", "2", "`id`", "1; rm", "!!python/object"])
def test_replace_takes_only_1_or_0(tree, value):
    with pytest.raises(P.ParameterError, match="REPLACE must be 1"):
        steps.forecast_start({"RUN": "ux1", "REPLACE": value}, write=False)


def test_a_run_folder_holding_a_symlink_is_refused(tree, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (paths.RUNS / "ev2").mkdir(parents=True)
    (paths.RUNS / "ev2" / "processed").symlink_to(outside)
    with pytest.raises(P.ParameterError, match="runs/ev2/processed is a symbolic link"):
        steps.forecast_start({"RUN": "ev2"})
    assert not list(outside.iterdir())
