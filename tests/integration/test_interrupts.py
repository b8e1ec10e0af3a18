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
