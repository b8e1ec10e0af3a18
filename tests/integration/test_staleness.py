"""Drills 5 and 6, and parameterised runs: exactly the right steps rerun when the environment,
a notebook or a raw file changes; a kernel that cannot start is retried once, then reported;
`make forecast` writes a separate, idempotent run. Staleness is by content: touching changes
nothing, editing does."""
from __future__ import annotations

import os
import re

import pytest

from analysis.pipeline import registry


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


def test_only_the_notebook_whose_code_changed_reruns(compendium):
    src = compendium.root / "notebooks" / "src" / "04_context_figures.py"
    src.write_text(src.read_text().replace("# ## The consistency audit", "# ## The consistency audit (every check)"))
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    ran = re.findall(r"runner: wrote notebooks/(\w+)\.ipynb", result.stdout)
    assert ran == ["04_context_figures"]


def test_touching_every_input_reruns_nothing(compendium):
    for sub in ("data/raw", "notebooks/src", "analysis", "data/processed"):
        for f in (compendium.root / sub).glob("*.*"):
            os.utime(f)
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "runner:" not in result.stdout and "everything is up to date" in result.stdout


def test_a_no_op_starts_no_step_process_and_a_stale_step_still_runs(compendium):
    """The parse-time check answers a no-op (one Python process, not one per step); anything it
    would run (make -n's plan) sends make to the build process, which runs that step. (The edited
    output is a table of 01_clean, the cheapest step to rerun; restoring each kind of output, a
    figure included, is test_build_graph.py's drill.)"""
    quiet = compendium.make("--trace", "all")
    assert quiet.returncode == 0 and "analysis.pipeline build" not in quiet.stdout + quiet.stderr
    assert "analysis.pipeline run" not in quiet.stdout + quiet.stderr
    assert quiet.stdout.strip().splitlines()[-1] == "suanli: everything is up to date."
    table = compendium.root / "data" / "processed" / "rankings.csv"
    table.write_text(table.read_text(encoding="utf-8") + "edited,by,hand\n", encoding="utf-8")
    restored = compendium.make("--trace", "all")
    assert restored.returncode == 0 and "analysis.pipeline build" in restored.stdout + restored.stderr
    assert re.findall(r"runner: wrote notebooks/(\w+)\.ipynb", restored.stdout) == ["01_clean"]
    assert compendium.outputs() == compendium.reference
    param = compendium.make("-n", "all", "HORIZON=2028")
    assert "would run 03_forecast" in param.stdout


def test_editing_one_raw_file_reruns_only_its_consumer(compendium):
    raw = compendium.root / "data" / "raw" / "rankings.csv"
    raw.write_text(raw.read_text() + "\n")  # a blank last line: same data, other bytes
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    # its consumers are the steps that read the raw files: the cleaning (as of AS_OF) and the
    # unblinding (as of the newest row); nothing downstream of them reruns
    readers = [n for n, s in registry.STEPS.items() if s.reads_raw]
    assert readers == ["01_clean", "06_unblinding"]
    assert re.findall(r"runner: wrote notebooks/(\w+)\.ipynb", result.stdout) == readers
    # Every output is identical, the index page too: its provenance hashes the information set
    # (the rows, as read), not the raw files' bytes.
    assert compendium.outputs() == compendium.reference


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
