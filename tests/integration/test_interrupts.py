"""Drill 3: `make all` interrupted (SIGINT, SIGKILL, SIGTERM) at several points; the next `make
all` completes with outputs byte-identical to a clean build's, no temporary file left and no
runner's private folder (stage or socket) left behind.

Four trials: each signal under `make -j1` and under `make -j2`, each in a different step (the
cleaning, the forecasts, each figure step), each at a different moment of the step: its runner's
stage folder made (before the kernel), its kernel started, its first output staged. The drill
waits for that moment (:class:`tests.integration.conftest.Watch`), not a fixed delay, and asserts
the build was still running when the signal came. SIGTERM is drilled with two steps running at
once (:func:`test_a_stopped_build_stops_the_step_running_aside`): since issue 31 its two situations
(a step running aside; a step's process started ahead, waiting) are stopped one after the other in
one copy, with ``make step-02_evaluation`` between them and one make all recovering from both.

Since issue 31 these trials also carry the private-folder drill that test_one_line.py ran on its
own (a third build per signal, on 03_forecast under `make -j1`): a runner stopped by SIGINT or
SIGTERM removes its own stage and socket folders; one killed outright cannot, and the next
runner sweeps them."""
from __future__ import annotations

import os
import signal
import subprocess

import pytest

from analysis.base import atomic

from .conftest import wait_for

pytestmark = pytest.mark.integration


# ----------------------------------------------------------------------------- 3. interruptions

TRIALS = [  # (notebook made stale, signal, the moment it is sent, make -j)
    ("01_clean", signal.SIGKILL, "writing", 1),
    ("05_forecast_figures", signal.SIGINT, "kernel", 1),
    ("03_forecast", signal.SIGKILL, "stage", 2),
    ("04_context_figures", signal.SIGINT, "writing", 2),
]


def _as_at_a_terminal():
    """A build started from a terminal takes SIGINT (a pytest-xdist worker may ignore it, and a
    child inherits an ignored signal: the drill would then stop nothing)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _stopped_and_recovered(compendium, watch, proc, sig) -> None:
    """After ``proc`` (make) got ``sig``: its runners end, their private folders are gone (removed by
    themselves, or, killed outright, swept by the next runner), and the next make all restores
    every output byte-identically, leaving no temporary."""
    runners = watch.runners()
    assert runners  # a runner was running
    os.killpg(proc.pid, sig)
    proc.wait(timeout=120)
    assert proc.returncode != 0  # it was stopped, not finished
    assert wait_for(lambda: not any(atomic.process_alive(pid) for pid in runners))  # make does not wait for them
    if sig != signal.SIGKILL:
        assert watch.folders() == []
    else:
        assert watch.folders()  # killed outright: nothing could remove them…
    result = compendium.make("all", env=watch.env())
    assert result.returncode == 0, result.stderr[-2000:]
    assert watch.folders() == []  # …so the next runner swept them
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []


@pytest.mark.parametrize("source, sig, moment, jobs", TRIALS,
                         ids=[f"{s}-{g.name}-{m}-j{j}" for s, g, m, j in TRIALS])
def test_interrupted_build_recovers_byte_identically(compendium, watch, source, sig, moment, jobs):
    (compendium.root / "build" / "state" / f"{source}.json").unlink()  # forget it ran: it reruns
    # As from a terminal: SIGINT is taken (a pytest-xdist worker may ignore it, and children inherit that)
    proc = subprocess.Popen(["make", "--no-print-directory", f"-j{jobs}", "all"], cwd=compendium.root,
                            env=watch.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=_as_at_a_terminal)
    assert watch.wait(moment, proc), f"{source} ended before the moment '{moment}'"
    _stopped_and_recovered(compendium, watch, proc, sig)
    again = compendium.make("all")
    assert "runner:" not in again.stdout and "everything is up to date" in again.stdout


#: The steps the SIGTERM drill makes stale.
STOPPED = ("02_evaluation", "03_forecast", "04_context_figures")


def _stop_two_kernels_in(compendium, watch) -> str:
    """Start ``make -j2 all`` in ``compendium``; once two processes have a kernel started (the build
    process's and that of a step in a process of its own), stop it with SIGTERM: it says so in one
    line, its runners end, no pipeline process of this copy is left running (neither the build
    process nor the step it ran aside), each removed its own stage and socket folders, and no
    temporary is left. Returns what the build printed."""
    proc = subprocess.Popen(["make", "--no-print-directory", "-j2", "all"], cwd=compendium.root, env=watch.env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)
    kernels = lambda: {n.split("-")[2] for n in watch.folders() if n.startswith("suanli-sk-")}  # noqa: E731
    assert wait_for(lambda: len(kernels()) == 2 or proc.poll() is not None, 300) and len(kernels()) == 2
    runners = watch.runners()
    os.killpg(proc.pid, signal.SIGTERM)
    out, err = proc.communicate(timeout=120)
    assert proc.returncode != 0
    assert "suanli: stopped (SIGTERM); its temporaries are removed" in err, err[-2000:]
    assert wait_for(lambda: not any(atomic.process_alive(pid) for pid in runners))
    left = subprocess.run(["pgrep", "-f", "analysis.pipeline (run|build)"], capture_output=True, text=True).stdout.split()
    mine = [pid for pid in left if os.path.realpath(f"/proc/{pid}/cwd") == os.path.realpath(compendium.root)]
    assert mine == []  # neither the build process nor the step it ran aside
    assert watch.folders() == []  # each removed its own stage and socket folders
    assert compendium.temporaries() == []
    return out


def _recorded(compendium, out: str, names) -> list[str]:
    """The steps of ``names`` a stopped build recorded as built: each must have said that it wrote
    its notebook (a stop never records a step it interrupted)."""
    state = compendium.root / "build" / "state"
    recorded = [n for n in names if (state / f"{n}.json").exists()]
    assert all(f"runner: wrote notebooks/{n}.ipynb" in out for n in recorded), (recorded, out[-2000:])
    return recorded


def test_a_stopped_build_stops_the_step_running_aside(compendium, watch):
    """Under make -j2 the build process runs 03_forecast itself and 04_context_figures in a process
    of its own (analysis/pipeline/engine.py, build): stopped together by SIGTERM once both have
    started, both remove their temporaries and private folders, no step process is left running,
    and the next make all recovers byte-identically. (SIGINT and SIGKILL of a build are the trials
    above.)

    Two situations, one after the other in one copy, with one recovery (since issue 31 one test;
    they were two, each on a copy of its own with a make all of its own to recover):

    1. "started-ahead": 02, 03 and 04 are stale, so while 02 runs here, 03's kernel is started
       ahead in the build process and 04's process starts ahead (``run 04 --when-told``) and waits
       to be told to run: the stop comes while it gets ready or waits (about 1 s into the build,
       with 02 taking about 2.4 s). A step is recorded only if it said it wrote its notebook. On
       a loaded machine 02 may have ended before the stop, and the stop then found 03 running:
       whatever was recorded is forgotten, so that the steps below rerun it.
    2. ``make step-02_evaluation`` builds 02 alone. It is the next make after that stop: it
       succeeds, and leaves no private folder and no temporary, its own or the stop's.
    3. "running-aside": 01, 02 and 06 are up to date now (found so without a process) and 03 and
       04 still stale, so 03 runs here and 04 aside at once, and the stop comes while both run.
    4. One make all (03 and 04, each stopped twice) restores every output byte-identically (02's
       too, rebuilt in 2) and leaves no temporary.

    What the started-ahead situation no longer has is a make all of its own recovering 02, 03
    and 04 at once. Each stop is asserted to leave nothing behind (no folder, no process, no
    temporary, no state recorded for a step it stopped), so that recovery is a build of three stale steps with
    kernels and a process started ahead, which the clean ``make -j2 all`` of
    tests/integration/test_determinism.py holds byte-identical; the trials above each recover
    from a stop with a make all of their own.

    The drill waits for two processes' kernels, not for stage folders."""
    state = compendium.root / "build" / "state"
    for name in STOPPED:
        (state / f"{name}.json").unlink()
    out = _stop_two_kernels_in(compendium, watch)  # 1. started ahead
    for name in _recorded(compendium, out, STOPPED):  # none, as a rule (see 1 above)
        (state / f"{name}.json").unlink()

    only_02 = compendium.make("step-02_evaluation", env=watch.env())  # 2. the next make, on one step
    assert only_02.returncode == 0, only_02.stderr[-2000:]
    assert "runner: wrote notebooks/02_evaluation.ipynb" in only_02.stdout, only_02.stdout[-2000:]
    assert (state / "02_evaluation.json").exists()
    assert not (state / "03_forecast.json").exists() and not (state / "04_context_figures.json").exists()
    assert watch.folders() == []
    assert compendium.temporaries() == []

    out = _stop_two_kernels_in(compendium, watch)  # 3. running aside
    _recorded(compendium, out, STOPPED[1:])

    result = compendium.make("all", env=watch.env())  # 4. one recovery from both stops
    assert result.returncode == 0, result.stderr[-2000:]
    assert compendium.outputs() == compendium.reference
    assert compendium.temporaries() == []
    assert watch.folders() == []
