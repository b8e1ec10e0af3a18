"""Drills 5 and 6, and parameterised runs: exactly the right steps rerun when the environment,
a notebook or a raw file changes; a kernel that cannot start is retried once, then reported;
`make forecast` writes a separate, idempotent run."""
from __future__ import annotations

import os
import re

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
    assert stamp.stat().st_mtime_ns >= req.stat().st_mtime_ns
    assert "runner:" not in result.stdout
    # Nothing is rerun; only the index's input hash, which covers requirements.txt, changes.
    out, ref = compendium.outputs(), dict(compendium.reference)
    assert out.pop("reports/index.html") != ref.pop("reports/index.html")
    assert out == ref


def test_only_the_notebook_whose_code_changed_reruns(compendium):
    src = compendium.root / "notebooks" / "src" / "03_context_figures.py"
    src.write_text(src.read_text().replace("# ## The consistency audit", "# ## The consistency audit (every check)"))
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    ran = re.findall(r"runner: wrote notebooks/(\w+)\.ipynb", result.stdout)
    assert ran == ["03_context_figures"]


def test_touching_one_raw_file_reruns_only_its_consumer(compendium):
    os.utime(compendium.root / "data" / "raw" / "rankings.csv")
    result = compendium.make("all")
    assert re.findall(r"runner: wrote notebooks/(\w+)\.ipynb", result.stdout) == ["01_clean"]
    assert compendium.outputs() == compendium.reference


# ----------------------------------------------------------------------------- 6. kernel failure

def test_kernel_start_failure_retries_once_then_fails_clearly(compendium):
    os.utime(compendium.root / "notebooks" / "src" / "04_forecast_figures.py")
    result = compendium.make("all", env=clean_env(SUANLI_KERNEL="no-such-kernel"))
    assert result.returncode != 0
    assert "retrying once" in result.stderr
    assert "kernel 'no-such-kernel' could not be started after 2 attempts" in result.stderr
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []


# ----------------------------------------------------------------------------- parameterised runs

def test_forecast_run_is_separate_and_idempotent(compendium):
    result = compendium.make("forecast", "RUN=x", "METHOD=ets", "HORIZON=2030")
    assert result.returncode == 0, result.stderr[-2000:]
    run = compendium.root / "runs" / "x"
    assert (run / "params.yaml").read_text().count("horizon_end: 2030") == 1
    for rel in ("notebooks/02_forecast.ipynb", "notebooks/04_forecast_figures.ipynb", "processed/forecasts.csv",
                "reports/02_forecast.html", "figures/ai_server_market.svg"):
        assert (run / rel).exists(), rel
    import pandas as pd

    fc = pd.read_csv(run / "processed" / "forecasts.csv")
    assert set(fc["model"]) == {"ets", "report_path"} and fc["year"].max() == 2030
    assert compendium.outputs() == compendium.reference  # the default outputs are untouched
    again = compendium.make("forecast", "RUN=x", "METHOD=ets", "HORIZON=2030")
    assert "runner:" not in again.stdout and "is up to date" in again.stdout
    listing = compendium.make("runs")
    assert "## x" in listing.stdout and "ets  2030" in listing.stdout
