"""Drill 3: `make all` interrupted (SIGINT, SIGKILL) at several points; the next `make all`
completes with outputs byte-identical to a clean build's and no temporary file left.

Four trials: each signal under `make -j1` and under `make -j2`, each in a different step (the
cleaning, the forecasts, each figure step), at a different moment. Two trials that repeated a
signal, step and -j already covered (01_clean with SIGINT at 3 s, 04_context_figures with SIGKILL
at 5 s) were dropped; a stop with SIGTERM, SIGINT and SIGKILL while a kernel runs is also drilled,
with the private folders it leaves, in test_one_line.py."""
from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest


from .conftest import clean_env

pytestmark = pytest.mark.integration


# ----------------------------------------------------------------------------- 3. interruptions

TRIALS = [  # (notebook source to touch, signal, seconds before it, make -j)
    ("01_clean", signal.SIGKILL, 7.0, 1),
    ("05_forecast_figures", signal.SIGINT, 6.0, 1),
    ("03_forecast", signal.SIGKILL, 4.0, 2),
    ("04_context_figures", signal.SIGINT, 8.0, 2),
]


@pytest.mark.parametrize("source, sig, delay, jobs", TRIALS,
                         ids=[f"{s}-{g.name}-{d}s-j{j}" for s, g, d, j in TRIALS])
def test_interrupted_build_recovers_byte_identically(compendium, source, sig, delay, jobs):
    (compendium.root / "build" / "state" / f"{source}.json").unlink()  # forget it ran: it reruns
    # As from a terminal: SIGINT is taken (a pytest-xdist worker may ignore it, and children inherit that)
    proc = subprocess.Popen(["make", "--no-print-directory", f"-j{jobs}", "all"], cwd=compendium.root, env=clean_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(delay)
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
    proc.wait(timeout=120)
    time.sleep(0.5)
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []
    again = compendium.make("all")
    assert "runner:" not in again.stdout and "everything is up to date" in again.stdout


@pytest.mark.parametrize("sig", [signal.SIGTERM])
def test_a_stopped_build_stops_the_step_running_aside(compendium, sig):
    """Under make -j2 the build process runs 03_forecast itself and 04_context_figures in a process
    of its own (analysis/pipeline/engine.py, build): stopped together, both remove their
    temporaries, no step process is left running, and the next make all recovers byte-identically.
    (SIGINT and SIGKILL of a build are the trials above.)"""
    for name in ("03_forecast", "04_context_figures"):
        (compendium.root / "build" / "state" / f"{name}.json").unlink()
    proc = subprocess.Popen(["make", "--no-print-directory", "-j2", "all"], cwd=compendium.root, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(3)  # both steps running (a cached figure makes 04 quick on a quiet machine)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "suanli: stopped (SIGTERM); its temporaries are removed" in err, err[-2000:]
    time.sleep(1)
    left = subprocess.run(["pgrep", "-f", "analysis.pipeline (run|build)"], capture_output=True, text=True).stdout.split()
    mine = [pid for pid in left if os.path.realpath(f"/proc/{pid}/cwd") == os.path.realpath(compendium.root)]
    assert mine == []  # neither the build process nor the step it ran aside
    result = compendium.make("all")
    assert result.returncode == 0, result.stderr[-2000:]
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []
