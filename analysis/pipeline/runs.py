"""Named runs: making one, listing them, and comparing each with the default forecasts.

``make forecast RUN=name …`` (:func:`make`) writes a complete, separate set of outputs to
``runs/<name>/`` (git-ignored): the steps the run's parameters call for
(:func:`analysis.pipeline.engine.run_plan`: the forecasts and their figures, and, when it sets a
parameter of an earlier step, that step and everything downstream of it), its own index page,
and ``params.yaml``. Making a run is safe against everything that happens to it:

* **One writer.** A run is written only under an exclusive lock (``fcntl.flock`` on
  ``runs/.<name>.lock``): a second ``make forecast`` with the same name waits for the first,
  then finds its parameters (does nothing, or completes what is missing) or refuses other ones.
  So ``params.yaml`` always describes the outputs beside it.
* **A record of completion.** ``.state/run.json`` is removed before anything is written and
  written last, with the hash of ``params.yaml``; a run without it is incomplete (interrupted,
  or failed), and ``make runs`` says so.
* **Replacing never loses the old run.** ``REPLACE=1`` moves the old run aside
  (``runs/.<name>.<pid>.replaced``), builds the new one, and deletes the old one only when the
  new one is complete; if the build fails or is stopped, the old run is put back, at once, or by
  the next ``make forecast RUN=<name>`` when the process was killed outright.

``make runs`` (:func:`main`) prints, for every run, its parameters, whether it is complete,
and the run beside the default *like with like*: the same model, year and interval level (see
:func:`like_with_like`), and draws them all in ``runs/compare.{svg,png,vl.json,html}``. A run
whose record cannot be read is named as such and the others are listed; text from a run's files
is printed with control characters escaped.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from analysis.base import paths
from analysis.base.terminal import printable
from analysis.pipeline import engine, params
from analysis.pipeline.engine import BuildError
from analysis.pipeline.registry import run_steps

RECORD = "params.yaml"
DONE = Path(".state") / "run.json"
ASIDE = re.compile(r"\.(?P<run>[a-z0-9][a-z0-9_-]{0,63})\.(?P<pid>\d+)\.replaced")


# ----------------------------------------------------------------------------- making a run

def _record_sha256(folder: Path) -> str:
    return hashlib.sha256((folder / RECORD).read_bytes()).hexdigest()


def read_record(folder: Path) -> dict | None:
    """A run's parameters, every step's (None: no record); a record that cannot be read is an error."""
    record = folder / RECORD
    if not record.exists():
        return None
    import yaml

    try:
        values = params.read(record)
    except (params.ParameterError, ValueError, UnicodeDecodeError, yaml.YAMLError) as err:
        raise BuildError(f"{paths.rel(record)}: not a readable parameter record "
                         f"({params._short(' '.join(str(err).split()), 80)})") from None
    return engine.complete(values)


def is_complete(folder: Path) -> bool:
    """Whether the run in ``folder`` finished: its completion record matches its parameters, and
    every output its steps and its index page recorded is there with the hash recorded (a
    truncated or emptied output makes it incomplete: issue 29, N11)."""
    try:
        done = json.loads((folder / DONE).read_text(encoding="utf-8"))
        if done.get("parameters_sha256") != _record_sha256(folder):
            return False
        for n in list(done.get("steps", [])) + ["index"]:
            recorded = engine.load_state(n, folder.name).get("outputs") or {}
            if not recorded:
                return False
            for rel, digest in recorded.items():
                f = paths.ROOT / rel
                if not f.is_file() or f.is_symlink() or engine.sha256_file(f) != digest:
                    return False
        return True
    except (OSError, ValueError, AttributeError, TypeError, BuildError):
        return False


def plan(environ=None) -> tuple[str, dict, list[str]]:
    """Check a named run's variables; return its name, parameters and the steps it executes."""
    environ = os.environ if environ is None else environ
    run = environ.get("RUN", "")
    params.check_build_variables(environ)
    if not run:
        raise params.ParameterError("give the run a name: make forecast RUN=name [METHOD=… HORIZON=… …]; "
                                    f"a run name is {params.RUN_NAME_RULE}")
    engine.run_folder(run)
    wanted = engine.run_parameters(run, environ)
    return run, wanted, engine.run_plan(wanted)


def _differs(run: str, old: dict, wanted: dict) -> str:
    diff = ", ".join(f"{k} {old.get(k)!r} → {wanted.get(k)!r}" for k in sorted(set(old) | set(wanted))
                     if old.get(k) != wanted.get(k))
    return (f"run '{run}' already exists with other parameters ({diff}); use a new name, or REPLACE=1 "
            "to replace it")


def preflight(environ=None) -> None:
    """What make checks when it reads the Makefile (no lock, writes nothing): the variables, and a
    reused name with other parameters."""
    environ = os.environ if environ is None else environ
    run, wanted, _ = plan(environ)
    folder = paths.RUNS / run
    if environ.get("REPLACE", "") == "1" or not folder.is_dir() or asides(run):
        return  # (a REPLACE that was interrupted is undone first, under the lock: see recover())
    _check_is_run(folder)
    old = read_record(folder)
    if old is not None and old != wanted:
        raise params.ParameterError(_differs(run, old, wanted))


def _check_is_run(folder: Path) -> None:
    """An existing ``runs/<name>/`` must be a run the project made (a record or build state)."""
    if not (folder / RECORD).is_file() and not (folder / ".state").is_dir():
        raise BuildError(f"{paths.rel(folder)}: exists but is not a run (no {RECORD}); move it away, "
                         "or use another run name")


@contextmanager
def lock(run: str):
    """Hold the run's lock (``runs/.<name>.lock``), waiting for another writer to finish."""
    import fcntl

    folder = engine.runs_folder()
    folder.mkdir(exist_ok=True)
    fd = os.open(folder / f".{run}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(f"suanli: run '{run}' is being written by another process; waiting for it to finish", flush=True)
            fcntl.flock(fd, fcntl.LOCK_EX)
            # The holder may have been killed (SIGKILL) rather than have finished: its stage and
            # socket folders are swept now, not when some later step happens to run (issue 29, N7).
            # Its lock goes as its files close, a moment before the process is gone: wait for that.
            from analysis.pipeline.runner import sweep_private_folders

            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            if holder.isdigit():
                _wait_gone(int(holder))
            sweep_private_folders()
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)  # who holds it, for the next waiter
        yield
    finally:
        os.close(fd)  # releases the lock


def _wait_gone(pid: int, seconds: float = 5.0) -> None:
    """Wait (at most ``seconds``) until process ``pid`` has exited (a zombie counts as exited)."""
    from analysis.base.atomic import process_alive
    from analysis.pipeline.runner import _zombie

    end = time.monotonic() + seconds
    while pid != os.getpid() and process_alive(pid) and not _zombie(pid) and time.monotonic() < end:
        time.sleep(0.02)


def asides(run: str) -> list[Path]:
    """Old runs of this name moved aside by a REPLACE (``runs/.<name>.<pid>.replaced``)."""
    if not paths.RUNS.is_dir():
        return []
    return sorted(p for p in paths.RUNS.iterdir() if (m := ASIDE.fullmatch(p.name)) and m["run"] == run
                  and p.is_dir() and not p.is_symlink())


def recover(run: str) -> None:
    """Finish what a killed REPLACE left (call under the run's lock): if the new run completed,
    drop the old one; otherwise put the old one back."""
    from analysis.base.atomic import process_alive

    folder = paths.RUNS / run
    for old in asides(run):
        pid = int(ASIDE.fullmatch(old.name)["pid"])
        if pid == os.getpid() or process_alive(pid):
            continue
        if folder.is_dir() and is_complete(folder):
            shutil.rmtree(old)
            continue
        if folder.exists():
            _check_is_run(folder)
            shutil.rmtree(folder)  # the unfinished replacement, made by the killed process
        os.rename(old, folder)
        print(f"suanli: run '{run}': an interrupted REPLACE was undone (the previous run is back)")


def rebuilt_because(values: dict) -> str:
    """Why a run executes more than the forecasts, in one line."""
    steps = engine.run_plan(values)
    set_ = [(n, engine.non_default(n, values)) for n in steps if n not in run_steps() and engine.non_default(n, values)]
    names = "; ".join(f"{', '.join(params.make_name(k) + '=' + str(values[k]) for k in ks)} for {n}" for n, ks in set_)
    return (f"besides the forecasts, the run rebuilt {', '.join(n for n in steps if n not in run_steps())} in its "
            f"own folder ({names}; the others read what it writes)")


def make(environ=None) -> list[str]:
    """``make forecast``: make or complete the named run; return the steps it ran."""
    environ = os.environ if environ is None else environ
    started = time.time()
    run, wanted, steps = plan(environ)
    from analysis.base.atomic import write_text
    from analysis.pipeline import report

    ran = []
    with lock(run):
        recover(run)
        folder = engine.run_folder(run)
        replace = False
        if folder.exists():
            _check_is_run(folder)
            try:
                old = read_record(folder)
            except BuildError:
                if environ.get("REPLACE", "") != "1":
                    raise
                old = {}  # unreadable: replaced as a whole
            if old is not None and old != wanted:
                if environ.get("REPLACE", "") != "1":
                    raise params.ParameterError(_differs(run, old, wanted))
                replace = True
        engine.check_upstream(steps, environ)  # before anything is written
        aside = None
        if replace:
            aside = paths.RUNS / f".{run}.{os.getpid()}.replaced"
            os.rename(folder, aside)
        try:
            (folder / DONE).unlink(missing_ok=True)
            write_text(folder / RECORD, params.dump(wanted))
            ran = engine.run_steps_warm(steps, run, environ)
            report.run_index(run)
            write_text(folder / DONE, json.dumps({"parameters_sha256": _record_sha256(folder), "steps": steps},
                                                 indent=1, sort_keys=True) + "\n")
        except BaseException:
            if aside is not None:
                shutil.rmtree(folder, ignore_errors=True)
                os.rename(aside, folder)
                print(f"suanli: run '{run}': the replacement failed; the previous run is kept")
            raise
        if aside is not None:
            shutil.rmtree(aside)
    took = time.time() - started
    print(f"suanli: run '{run}' done in {took:.0f} s. Parameters: "
          + ", ".join(f"{params.make_name(k)}={v if v is not None else ''}" for k, v in sorted(wanted.items())))
    if any(n not in run_steps() for n in steps):
        print(f"suanli: {rebuilt_because(wanted)}")
    print(f"suanli: look at runs/{run}/reports/index.html (figures in runs/{run}/figures/, tables in "
          f"runs/{run}/processed/); compare with the default: make runs")
    return ran


# ----------------------------------------------------------------------------- listing runs

def list_runs() -> list[str]:
    """Folders of runs/ named like runs that hold a run (a record, or the build state of one)."""
    if not paths.RUNS.is_dir():
        return []
    return sorted(p.name for p in paths.RUNS.iterdir()
                  if re.fullmatch(params.RUN_NAME_PATTERN, p.name) and p.is_dir() and not p.is_symlink()
                  and ((p / RECORD).is_file() or (p / ".state").is_dir()))


def at_level(rows: pd.DataFrame, level: float) -> pd.Series | None:
    """One forecast (a model, series and year) at ``level``: as stored, or recomputed from its
    t distribution on the log scale (median, dof and a stored interval fix its scale). A mixture
    (the combination) cannot be recomputed that way: None."""
    import pandas as pd

    from scipy.special import stdtrit  # t's quantile, as stats.t.ppf computes it, without importing
    # scipy.stats (about 0.6 s of every `make runs`); tests/pipeline/test_runs.py checks it against stats.t.ppf

    stored = rows[rows["level"].round(6) == round(level, 6)]
    if len(stored):
        return stored.iloc[0]
    ref = rows.dropna(subset=["level"])
    if ref.empty or not str(ref["distribution"].iloc[0]).startswith("t(") or pd.isna(ref["dof"].iloc[0]):
        return None
    r = ref.iloc[0]
    scale = (math.log(r["upper"]) - math.log(r["median"])) / stdtrit(r["dof"], 0.5 + r["level"] / 2)
    half = stdtrit(r["dof"], 0.5 + level / 2) * scale
    return pd.Series({**r.to_dict(), "level": level, "lower": r["median"] * math.exp(-half),
                      "upper": r["median"] * math.exp(half), "recomputed": True})


COLUMNS = ["run", "series", "model", "year", "level", "default_median", "default_lower", "default_upper",
           "run_median", "run_lower", "run_upper", "note"]


def like_with_like(default: pd.DataFrame, run: pd.DataFrame, run_name: str, run_params: dict) -> pd.DataFrame:
    """The run beside the default for the same model, year and interval level.

    The model is the run's headline model (a scenario is set beside the default's drift, the
    model it replaces). Years: the last year both cover, and the run's final year when the
    default stops earlier. Levels: each of the run's; the default's interval is recomputed from
    its t distribution when it was not stored at that level.
    """
    import pandas as pd

    method = run_params.get("method", "all")
    rows = []
    for series in sorted(set(run["series"])):
        r_s = run[(run["series"] == series) & (run["model"] != "report_path")]
        scenario = "scenario" in set(r_s["model"])
        model = "scenario" if scenario else ("combination" if method == "all" else method)
        base_model = "drift" if scenario else model
        r_m = r_s[r_s["model"] == model]
        d_m = default[(default["series"] == series) & (default["model"] == base_model)]
        if r_m.empty:
            continue
        run_end, default_end = int(r_m["year"].max()), int(d_m["year"].max()) if len(d_m) else None
        years = sorted({y for y in (run_end, min(run_end, default_end or run_end)) if y})
        for year in years:
            for level in sorted(set(r_m["level"].dropna())):
                rv = at_level(r_m[r_m["year"] == year], level)
                dv = at_level(d_m[d_m["year"] == year], level) if len(d_m) else None
                notes = []
                if scenario:
                    notes.append("scenario beside the default's drift, the model it replaces")
                if default_end is not None and year > default_end:
                    notes.append(f"the default stops at {default_end}")
                elif dv is None:
                    notes.append(f"the default's {base_model} has no interval at {level:.0%} (a mixture)")
                elif bool(dv.get("recomputed", False)):
                    notes.append(f"default interval recomputed at {level:.0%} from its t distribution")
                d_year = d_m[d_m["year"] == year]
                d_median = dv["median"] if dv is not None else (d_year["median"].iloc[0] if len(d_year) else None)
                rows.append(dict(run=run_name, series=series, model=model, year=year, level=level,
                                 default_median=d_median,
                                 default_lower=None if dv is None else dv["lower"],
                                 default_upper=None if dv is None else dv["upper"],
                                 run_median=rv["median"] if rv is not None else None,
                                 run_lower=rv["lower"] if rv is not None else None,
                                 run_upper=rv["upper"] if rv is not None else None, note="; ".join(notes)))
    return pd.DataFrame(rows, columns=COLUMNS)


def compare(run: str) -> pd.DataFrame:
    """Default against ``run``, like with like (see :func:`like_with_like`)."""
    import pandas as pd

    run_params = params.read(paths.RUNS / run / "params.yaml")
    default = pd.read_csv(engine.table_path("forecasts", None))
    mine = pd.read_csv(engine.table_path("forecasts", run))
    return like_with_like(default, mine, run, run_params)


def figure(table: pd.DataFrame):
    """Small multiples per series: each run's interval beside the default's, same model, year, level."""
    import pandas as pd

    import altair as alt

    from analysis import charts

    long = []
    for _, r in table.iterrows():
        label = f"{r['run']}: {charts.MODEL_LABELS.get(r['model'], r['model'])}, {r['year']}, {r['level']:.0%}"
        for who, prefix in (("default", "default_"), (r["run"], "run_")):
            if pd.notna(r[prefix + "median"]):
                long.append(dict(series=charts.SERIES_LABELS.get(r["series"], r["series"]), row=label,
                                 output="default" if who == "default" else "run", median=r[prefix + "median"],
                                 lower=r[prefix + "lower"], upper=r[prefix + "upper"], note=r["note"]))
    data = pd.DataFrame(long)
    y = alt.Y("row:N", title=None, axis=alt.Axis(labelLimit=360))
    color = alt.Color("output:N", title=None, scale=alt.Scale(domain=["default", "run"],
                                                               range=[charts.GREY, charts.OKABE_ITO[0]]))
    off = alt.YOffset("output:N", scale=alt.Scale(domain=["default", "run"]))
    base = alt.Chart(data)
    rules = base.mark_rule(strokeWidth=2).encode(x=alt.X("lower:Q", scale=alt.Scale(type="log"), title="Value (log scale)"),
                                                 x2="upper:Q", y=y, yOffset=off, color=color)
    pts = base.mark_point(filled=True, size=50).encode(x="median:Q", y=y, yOffset=off, color=color,
                                                      tooltip=["series", "row", "output", alt.Tooltip("median:Q", format=".1f"),
                                                               alt.Tooltip("lower:Q", format=".1f"),
                                                               alt.Tooltip("upper:Q", format=".1f"), "note"])
    chart = alt.layer(rules, pts).properties(width=360).facet(
        row=alt.Row("series:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=11))
    ).resolve_scale(x="independent", y="independent")
    return charts.finish(chart, "Named runs beside the default forecasts",
                         ["Each run's median and interval (blue) beside the default's (grey) for the same model, year",
                          "and level; the default's interval is recomputed at a run's level when it was not stored."],
                         ["Source: this compendium's forecasts (make forecast RUN=…); see make runs."],
                         "Comparison of named forecast runs with the default forecasts.")


def main() -> int:
    runs = list_runs()
    if not runs:
        print("No runs yet. Make one with: make forecast RUN=name [METHOD=… HORIZON=… LEVELS=…]")
        return 0
    import pandas as pd

    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    tables = []
    for run in runs:
        folder = paths.RUNS / run
        try:
            p = read_record(folder)
        except BuildError as err:
            print(printable(f"## {run}\n(unreadable, not listed: {err}; replace it with make forecast RUN={run} "
                            "REPLACE=1 …)\n"))
            continue
        if p is None:
            print(f"## {run}\n(incomplete: no {RECORD}; rerun make forecast RUN={run} …)\n")
            continue
        extra = [n for n in engine.run_plan(p) if n not in run_steps()]
        print(printable(f"## {run}" + ("" if is_complete(folder) else "  (INCOMPLETE: interrupted or failed; "
                                       "rerun make forecast with these parameters to complete it)")))
        print(printable(", ".join(f"{k}={v}" for k, v in sorted(p.items()))))
        if extra:
            print(printable(rebuilt_because(p)))
        try:
            table = compare(run)
        except (OSError, ValueError, KeyError) as err:
            print(printable(f"(no comparison: {getattr(err, 'filename', None) and paths.rel(err.filename) or err})\n"))
            continue
        tables.append(table)
        if table.empty:
            print("(no forecast to compare: the run forecast no series, e.g. as of a date when none had two points)\n")
        else:
            print(printable(table.drop(columns="run").round(2).to_string(index=False)), "\n")
    if tables and any(len(t) for t in tables):
        from analysis import charts

        fig = charts.export(figure(pd.concat(tables, ignore_index=True)), "compare", paths.RUNS)
        print("figure: " + ", ".join(paths.rel(p) for p in fig.paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
