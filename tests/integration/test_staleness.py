"""Drills 5 and 6, and parameterised runs: exactly the right steps rerun when the environment,
a notebook or a raw file changes; a kernel that cannot start is retried once, then reported;
`make forecast` writes a separate, idempotent run. Staleness is by content: touching changes
nothing, editing does.

Since issue 31 two of these drills ride on builds other drills make anyway: an edit to one
notebook's code reruns only that notebook (test_build_graph.py,
``test_make_n_lists_exactly_what_would_run_and_writes_nothing``, the same edit), and raw files
whose bytes change but not their rows rerun only the steps that read raw files, with every output
byte-identical (test_runs.py, ``test_a_run_reads_the_default_outputs_only_when_they_are_up_to_date``:
a BOM and CRLF endings in every raw file, test_bad_data.py's drill until issue 31). A stale output restored by the build process is
test_build_graph.py's ``test_hand_edited_outputs_are_restored_in_one_line_each``."""
from __future__ import annotations

import os

import pytest

from .conftest import clean_env

pytestmark = pytest.mark.integration


# ----------------------------------------------------------------------------- 5. staleness

def test_changed_requirements_refresh_the_env_stamp_but_rerun_no_notebook(compendium):
    if not (compendium.root / ".venv" / "bin" / "python").exists():
        pytest.skip("needs the project's .venv (this run uses another environment)")
    req = compendium.root / "requirements.txt"
    req.write_text(req.read_text() + "# a comment line\n")
    stamp = compendium.root / ".venv" / ".stamp"
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "building the environment" in result.stdout
    assert "vega bundle: kept in the environment" in result.stdout  # the figure pages' JavaScript, with it
    assert stamp.stat().st_mtime_ns >= req.stat().st_mtime_ns
    assert "runner:" not in result.stdout
    # Nothing is rerun; only the index's input hash, which covers requirements.txt, changes.
    out, ref = compendium.outputs(), dict(compendium.reference)
    assert out.pop("reports/index.html") != ref.pop("reports/index.html")
    assert out == ref


def test_touching_every_input_reruns_nothing(compendium):
    for sub in ("data/raw", "notebooks/src", "analysis", "data/processed"):
        for f in (compendium.root / sub).glob("*.*"):
            os.utime(f)
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "runner:" not in result.stdout and "everything is up to date" in result.stdout


def test_a_no_op_starts_no_step_process_and_a_stale_step_still_runs(compendium):
    """The parse-time check answers a no-op (one Python process, not one per step); anything it
    would run (make -n's plan) sends make to the build process, which runs that step: an edited
    table of 01_clean, with a notebook and a figure, in test_build_graph.py's
    ``test_hand_edited_outputs_are_restored_in_one_line_each`` (the same make --trace, one build
    for the three; until issue 31 this drill rebuilt 01_clean for it)."""
    quiet = compendium.make("--trace", "all")
    assert quiet.returncode == 0 and "analysis.pipeline build" not in quiet.stdout + quiet.stderr
    assert "analysis.pipeline run" not in quiet.stdout + quiet.stderr
    assert quiet.stdout.strip().splitlines()[-1] == "suanli: everything is up to date."
    param = compendium.make("-n", "all", "HORIZON=2028")
    assert "would run 03_forecast" in param.stdout


# ----------------------------------------------------------------------------- 6. kernel failure

def test_kernel_start_failure_retries_once_then_fails_clearly(compendium):
    (compendium.root / "build" / "state" / "05_forecast_figures.json").unlink()  # forget it ran
    result = compendium.make("all", env=clean_env(SUANLI_KERNEL="no-such-kernel"))
    assert result.returncode != 0
    assert "retrying once" in result.stderr
    assert "kernel 'no-such-kernel' could not be started after 2 attempts" in result.stderr
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []


# ----------------------------------------------------------------------------- parameterised runs

def test_forecast_run_is_separate_and_idempotent(with_run):
    """Run x is made once per worker (``built_run``: the make below, whose output this reads)."""
    compendium = with_run
    result = compendium.run_result
    assert result.args[-3:] == ["RUN=x", "METHOD=ets", "HORIZON=2030"]
    run = compendium.root / "runs" / "x"
    assert (run / "params.yaml").read_text().count("horizon_end: 2030") == 1
    for rel in ("notebooks/03_forecast.ipynb", "notebooks/05_forecast_figures.ipynb", "processed/forecasts.csv",
                "reports/03_forecast.html", "figures/ai_server_market.svg"):
        assert (run / rel).exists(), rel
    import pandas as pd

    fc = pd.read_csv(run / "processed" / "forecasts.csv")
    assert set(fc["model"]) == {"ets", "report_path"} and fc["year"].max() == 2030
    assert compendium.outputs() == compendium.reference  # the default outputs are untouched
    assert "Parameters: AS_OF=2023-12-07, DECAY_HALF_LIFE=, GROWTH=, HORIZON=2030, LEVELS=0.5,0.8,0.95, LONG_RUN_GROWTH=, METHOD=ets" in result.stdout
    assert "look at runs/x/reports/index.html" in result.stdout
    index = (run / "reports" / "index.html").read_text()
    assert "run x" in index and 'src="../figures/ai_server_market.svg"' in index
    again = compendium.make("forecast", "RUN=x", "METHOD=ets", "HORIZON=2030")
    assert again.returncode == 0 and "runner:" not in again.stdout and "run 'x' done" in again.stdout
    listing = compendium.make("runs")
    assert "## x" in listing.stdout and "ets  2030" in listing.stdout
    assert (compendium.root / "runs" / "compare.svg").exists()  # the comparison figure
