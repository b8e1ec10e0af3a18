"""Issue 22's drills on named runs, through make: a run executes exactly the steps its parameters
call for, in its own folder, and reads the default outputs only when they are up to date; one
run folder has one writer; REPLACE never loses the old run; `make runs` marks incomplete runs and
survives a corrupt one.

The drills that need an existing run start from a copy of one built once per worker (``with_run``:
run ``x``, METHOD=ets HORIZON=2030, tests/integration/conftest.py) instead of each building it.

The run that sets a cleaning parameter (TOLERANCE) sets every make variable at its accepted high
edge: it is also test_values.py's high edges' run (issue 29, N3: every accepted value builds),
which until issue 31 built a run of its own in a scratch clone."""
from __future__ import annotations

import hashlib
import os
import re
import signal
import subprocess

import pandas as pd
import pytest

from analysis.base.atomic import process_alive

from .conftest import RUN_X, clean_env, wait_for

pytestmark = pytest.mark.integration


def _tree(folder) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _state(root) -> dict[str, str]:
    return _tree(root / "build" / "state")


def test_a_run_that_sets_a_cleaning_parameter_rebuilds_cleaning_in_its_own_folder_only(compendium):
    """TOLERANCE (a parameter of 01_clean) set in a named run: 01_clean and what reads it are rebuilt
    in the run's folder, no default output is touched. The run sets every make variable at its
    accepted high edge (TOLERANCE=25.0 among them, AS_OF today; test_values.py's N3 drill, until
    issue 31 a run of its own in a scratch clone), so that one build serves both drills. That
    TOLERANCE alone calls for 01_clean and what is downstream of it is asserted in-process
    (tests/pipeline/test_engine.py); here the audit shows the run's 01_clean used it."""
    from analysis import audit as checks

    from .test_values import edges

    root = compendium.root
    state = _state(root)
    values = edges(high=True)
    given = dict(v.split("=", 1) for v in values)
    tolerance, as_of = float(given["TOLERANCE"]), f"AS_OF={given['AS_OF']}"
    result = compendium.make("forecast", "RUN=edges-high", *values)
    assert result.returncode == 0, (values, result.stderr[-2000:])
    assert "done in" in result.stdout
    ran = [line.split()[2] for line in result.stdout.splitlines() if line.startswith("runner: wrote")]
    assert ran == [f"runs/edges-high/notebooks/{n}.ipynb" for n in
                   ("01_clean", "02_evaluation", "03_forecast", "04_context_figures", "05_forecast_figures")]
    assert (f"suanli: besides the forecasts, the run rebuilt 01_clean, 02_evaluation, 04_context_figures in its own "
            f"folder ({as_of}, TOLERANCE={tolerance} for 01_clean; {as_of} for 02_evaluation; {as_of} for "
            "04_context_figures; the others read what it writes)") in result.stdout.splitlines()
    # no default output, and no record of one, was touched
    assert compendium.outputs() == compendium.reference and _state(root) == state
    run = root / "runs" / "edges-high"
    audit, default = pd.read_csv(run / "processed" / "audit.csv"), pd.read_csv(root / "data" / "processed" / "audit.csv")
    assert len(audit) == len(default) and not audit.equals(default)
    # the wider tolerance changed verdicts: the run's are those its own rows' intervals give with
    # TOLERANCE (25% of the stated value) as slack, and some differ from those with none (the
    # default). Compared on the run's own rows: its AS_OF (today) could change the audited figures
    # too (rows published after the default's date are in data/raw), so a difference from
    # data/processed/audit.csv alone would not show that it was TOLERANCE.
    tests = audit[audit["rule"] != "implication"]

    def verdicts(slack_pct: float) -> list[str]:
        return [checks.verdict(r.rule, r.stated, r.stated_low, r.stated_high, r.recomputed, r.recomputed_low,
                               r.recomputed_high, abs(r.stated) * slack_pct / 100)[0] for r in tests.itertuples()]
    assert tests["verdict"].tolist() == verdicts(tolerance) != verdicts(0.0)
    for rel in ("notebooks/01_clean.ipynb", "reports/01_clean.html", "datapackage.json", "figures/audit.svg",
                "figures/ai_server_market.svg", "processed/series.csv", "processed/forecasts.csv"):
        assert (run / rel).is_file(), rel
    index = (run / "reports" / "index.html").read_text(encoding="utf-8")
    assert 'id="audit"' in index and "01_clean.html" in index and f"tolerance_pct = {tolerance}" in index
    assert f"tolerance_pct: {tolerance}" in (run / "params.yaml").read_text()
    again = compendium.make("forecast", "RUN=edges-high", *values)
    assert again.returncode == 0 and "runner:" not in again.stdout
    listing = compendium.make("runs")
    assert listing.returncode == 0 and "## edges-high\n" in listing.stdout and "rebuilt 01_clean" in listing.stdout
    assert compendium.outputs() == compendium.reference


def test_a_run_reads_the_default_outputs_only_when_they_are_up_to_date(compendium):
    """A raw edit not yet built: the run is refused in one line and nothing is written. After make
    all (which reruns the steps that read raw files, and only them) the run builds: it is the run
    test_plausibility.py drills (HORIZON=2035 GROWTH=2, past plausibility), so that one run serves
    both drills (until issue 31 each built a run of its own).

    The raw edit is a UTF-8 byte-order mark and CRLF line endings in every raw table: accepted, the
    bytes changed and the rows did not, so make all reruns the steps that read raw files and every
    output comes out the same bytes, the index page too (its provenance hashes the information set,
    the rows as read, not the files' bytes). That was test_bad_data.py's drill, a make all of its
    own, until issue 31; this drill's edit was a blank line in one table."""
    from analysis.pipeline import registry
    from analysis.sources import TABLES

    from .test_plausibility import SETTINGS, warns_past_plausibility

    edited = sorted(f"data/raw/{t.file}" for t in TABLES.values())
    for rel in edited:  # a raw edit, not yet built
        p = compendium.root / rel
        p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))
    result = compendium.make("forecast", "RUN=far", *SETTINGS)
    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == ["error: the default outputs of 01_clean, which this run reads, are not up to date (changed: "
                      f"{', '.join(edited[:3])}); run `make all` first"]
    assert compendium.outputs() == compendium.reference
    assert not (compendium.root / "runs" / "far").exists()
    built = compendium.make("all")
    assert built.returncode == 0, built.stderr[-2000:]
    readers = [n for n, s in registry.STEPS.items() if s.reads_raw]
    assert readers == ["01_clean", "06_unblinding"]
    assert re.findall(r"runner: wrote notebooks/(\w+)\.ipynb", built.stdout) == readers
    assert compendium.outputs() == compendium.reference  # same rows, so the same outputs
    warns_past_plausibility(compendium, compendium.make("forecast", "RUN=far", *SETTINGS), "far")


def _forecast(root, *args):
    return subprocess.Popen(["make", "--no-print-directory", "forecast", *args], cwd=root, env=clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _horizon(record) -> int:
    """The horizon a run's ``params.yaml`` records."""
    return int(record.read_text().split("horizon_end: ")[1].split()[0])


def test_two_runs_of_one_name_at_once_have_one_writer(compendium):
    """Two runs of one name with other parameters, started at once: one builds, the other is
    refused in one line. A third with the winner's parameters, started while the winner is still
    building, waits for its lock, then finds the run made and builds nothing: each step ran once.

    Until issue 31 the same parameters twice at once were a second run of their own (``same``,
    built once more); the third process here is that case, on the run being built."""
    root = compendium.root
    procs = [_forecast(root, "RUN=both", f"HORIZON={h}") for h in (2030, 2031)]
    record = root / "runs" / "both" / "params.yaml"
    assert wait_for(lambda: record.exists() or all(p.poll() is not None for p in procs), 300) and record.exists()
    horizon = _horizon(record)
    winner = procs[(2030, 2031).index(horizon)]
    assert winner.poll() is None  # still building: the third arrives while the run is being written
    procs.append(_forecast(root, "RUN=both", f"HORIZON={horizon}"))
    outs = [p.communicate(timeout=900) for p in procs]
    codes = [p.returncode for p in procs]
    assert sorted(codes[:2]) == [0, 2] and codes[2] == 0, outs
    refused = outs[codes.index(2)][1]
    said = [line for line in refused.splitlines() if line.strip() and not line.startswith("make")]
    assert len(said) == 1 and "already exists with other parameters" in said[0], refused
    assert not any("Error" in err or "Traceback" in err for _, err in outs if err != refused)
    assert "is being written by another process; waiting for it to finish" in outs[2][0]  # it waited ...
    assert "runner:" not in outs[2][0]  # ... then found the run made
    assert sum(out.count("runner: wrote") for out, _ in outs) == 2  # each step (03, 05) ran once
    assert _horizon(record) == horizon
    assert pd.read_csv(root / "runs" / "both" / "processed" / "forecasts.csv")["year"].max() == horizon
    assert (root / "runs" / "both" / ".state" / "run.json").is_file()
    assert compendium.outputs() == compendium.reference


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_an_interrupted_replace_never_loses_the_old_run(with_run, watch, sig):
    """Stopped once the new run's first step is writing its outputs (its kernel has staged one;
    until issue 31, two seconds after the new run's parameters appeared). After a SIGKILL the same
    REPLACE then succeeds (the run is 2028's); after a SIGTERM the state it starts from is the one
    the SIGKILL case has already shown that of (the old run back, complete, nothing aside), so that
    build is not repeated."""
    compendium = with_run
    root = compendium.root
    old = _tree(root / "runs" / "x")
    proc = subprocess.Popen(["make", "--no-print-directory", "forecast", "RUN=x", "METHOD=ets", "HORIZON=2028", "REPLACE=1"],
                            cwd=root, env=watch.env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True, preexec_fn=lambda: signal.signal(signal.SIGTERM, signal.SIG_DFL))
    assert wait_for(lambda: any(p.name.startswith(".x.") and p.name.endswith(".replaced")
                                for p in (root / "runs").iterdir()), 300)
    assert wait_for(lambda: (root / "runs" / "x" / "params.yaml").exists(), 300)
    assert watch.wait("writing", proc)  # the new run is being built
    runner = int(next(p for p in (root / "runs").iterdir() if p.name.endswith(".replaced")).name.split(".")[2])
    os.killpg(proc.pid, sig)
    proc.wait(timeout=120)
    assert proc.returncode != 0  # stopped, not finished
    assert wait_for(lambda: not process_alive(runner), 60)  # make does not wait for it
    if sig == signal.SIGTERM:  # stopped: it put the old run back itself
        assert _tree(root / "runs" / "x") == old
    else:  # killed outright: the old run is aside, the unfinished new one is marked incomplete
        listing = compendium.make("runs")
        assert listing.returncode == 0 and "## x  (INCOMPLETE" in listing.stdout
    again = compendium.make("forecast", *RUN_X)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "runner:" not in again.stdout  # the old run is back, complete: nothing to redo
    assert _tree(root / "runs" / "x") == old
    assert not [p for p in (root / "runs").iterdir() if p.name.endswith(".replaced")]
    if sig == signal.SIGKILL:
        replaced = compendium.make("forecast", "RUN=x", "METHOD=ets", "HORIZON=2028", "REPLACE=1")
        assert replaced.returncode == 0, replaced.stderr[-2000:]
        assert b"horizon_end: 2028" in (root / "runs" / "x" / "params.yaml").read_bytes()
        assert pd.read_csv(root / "runs" / "x" / "processed" / "forecasts.csv")["year"].max() == 2028
        assert not [p for p in (root / "runs").iterdir() if p.name.endswith(".replaced")]
    assert compendium.outputs() == compendium.reference


def test_make_runs_lists_every_run_when_one_is_corrupt_and_escapes_its_text(with_run):
    compendium = with_run
    root = compendium.root
    (root / "runs" / "broken").mkdir(parents=True)
    (root / "runs" / "broken" / "params.yaml").write_text("method: [\x1b[2J\n")
    result = compendium.make("runs")
    assert result.returncode == 0, result.stderr[-2000:]
    assert "## x\nas_of=" in result.stdout and "method=ets" in result.stdout and "ets  2030" in result.stdout
    assert "## broken\n(unreadable, not listed: runs/broken/params.yaml: not a readable parameter record" in result.stdout
    assert "\x1b" not in result.stdout and result.stderr == ""


def test_a_file_named_like_a_run_is_refused_in_one_line(compendium):
    (compendium.root / "runs").mkdir()
    (compendium.root / "runs" / "fx").write_text("mine\n")
    result = compendium.make("forecast", "RUN=fx")
    lines = result.stderr.strip().splitlines()
    assert result.returncode == 2 and len(lines) == 1, result.stderr
    assert "runs/fx exists and is not a run folder" in lines[0]
    assert (compendium.root / "runs" / "fx").read_text() == "mine\n"
