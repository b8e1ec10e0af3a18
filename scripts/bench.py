#!/usr/bin/env python3
"""Benchmark the build (``make bench``): median wall-clock times and the ratios that matter.

Everything runs in a temporary copy of the compendium, with this checkout's environment, so
the working tree is never touched. Measured:

* a clean build with ``make -j2`` (environment present);
* a no-op rebuild;
* a rerun after one forecast parameter changes (HORIZON);
* an as-of rerun: the whole chain rebuilt from the information set of an earlier date
  (``AS_OF=2022-12-31``, every step's parameter), compared with the HORIZON rerun;
* ``make test``;
* the naive baseline: ``jupyter nbconvert --execute`` of each notebook in turn.

Speed is reported, never asserted: the targets (issue 31) are a clean build at most 0.5× the
naive baseline, a no-op under 0.3 s, a parameter rerun at most 0.5× a clean build, and an as-of
rerun at most 1.5× the parameter rerun.

Then, where the time goes: for the last clean build and the last rerun, each step's phases
(runner start, kernel start, imports, work, exports, HTML, publish), as recorded by the runner
in ``build/state/<step>.json``, with the critical path (the longest chain of steps in the
registry's graph) marked; and how far the rerun is from its floor, the science and the drawing
on its critical path (the phases "work" and "exports"), which no warm process can remove. The
steps of one build run in one process (``make all`` → ``python -m analysis.pipeline build``), so
"runner start" is paid by the first step of a build and is near zero for the others; and each
step's kernel is started ahead, with its imports done, while the step before it runs
(:class:`analysis.pipeline.runner.Kernel`), so "kernel start" is only what a step still waits
for its kernel (near zero when it was started ahead in time).

Usage: ``python scripts/bench.py [--repeat N] [--skip-test]`` (``make bench REPEAT=1``).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
_ANYWHERE = shutil.ignore_patterns("__pycache__", ".pytest_cache", "*.part")


def IGNORE(folder: str, names: list[str]) -> set[str]:
    """What the timed copy leaves out: the environment and build state at the top only
    (``analysis/pipeline/`` is code), caches and temporaries anywhere."""
    top = {".git", ".venv", "build", "runs", ".bench"} if Path(folder) == REPO else set()
    return (top & set(names)) | _ANYWHERE(folder, names)


sys.path.insert(0, str(REPO))
from analysis.pipeline import registry  # noqa: E402  (the registry: which steps, in which order)

NOTEBOOKS = tuple(registry.STEPS)
#: The last commit before the information set and the real-time record: its clean build is timed
#: in the same run, interleaved with this one's (the machine's speed drifts; a number from another
#: day is no baseline). This round's target: a clean build at most 1.2× it.
BEFORE = "7f7a283"
PHASES = ("runner start", "kernel start", "imports", "work", "exports", "HTML", "publish")


def breakdown(work: Path, names=NOTEBOOKS) -> dict[str, dict[str, float]]:
    """Each step's recorded phases (seconds) in a built copy."""
    out = {}
    for name in names:
        f = work / "build" / "state" / f"{name}.json"
        if f.exists():
            t = json.loads(f.read_text()).get("timings", {})
            if t:
                t = dict(t)
                t["runner start"] = max(0.0, t.get("total", 0) - sum(t.get(p, 0) for p in PHASES if p != "runner start"))
                out[name] = t
    return out


def critical_path(times: dict[str, dict[str, float]]) -> list[str]:
    """The longest chain of steps that ran, by the registry's graph."""
    best: dict[str, tuple[float, list[str]]] = {}
    for name in NOTEBOOKS:
        if name not in times:
            continue
        prev = max((best[u] for u in registry.upstream(name) if u in best), default=(0.0, []), key=lambda b: b[0])
        best[name] = (prev[0] + times[name].get("total", 0), prev[1] + [name])
    return max(best.values(), key=lambda b: b[0])[1] if best else []


def print_breakdown(label: str, times: dict[str, dict[str, float]]) -> None:
    path = critical_path(times)
    print(f"\n{label}: per step (s); * = on the critical path ({' → '.join(path)})\n")
    print("| step | " + " | ".join(PHASES) + " | total |\n|---|" + "---:|" * (len(PHASES) + 1))
    for name, t in times.items():
        mark = "*" if name in path else ""
        print(f"| {name}{mark} | " + " | ".join(f"{t.get(p, 0):.2f}" for p in PHASES) + f" | {t.get('total', 0):.2f} |")
    total = {p: sum(times[n].get(p, 0) for n in path) for p in PHASES}
    print("| critical path | " + " | ".join(f"{total[p]:.2f}" for p in PHASES)
          + f" | {sum(times[n].get('total', 0) for n in path):.2f} |")


def floor(times: dict[str, dict[str, float]]) -> float:
    """The science and the drawing on the critical path (phases "work" and "exports"), seconds."""
    return sum(times[n].get("work", 0) + times[n].get("exports", 0) for n in critical_path(times))


def run(cmd: list[str], cwd: Path, env: dict) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} failed:\n{proc.stdout[-3000:]}")
    return elapsed


def extract(commit: str, dest: Path) -> bool:
    """Commit ``commit``'s tree into ``dest`` (git archive: nothing of this checkout is touched);
    False, with a note, if this checkout does not hold it (a shallow clone)."""
    archive = subprocess.run(["git", "-C", str(REPO), "archive", "--format=tar", commit], stdout=subprocess.PIPE,
                             stderr=subprocess.DEVNULL)
    if archive.returncode != 0:
        print(f"bench: commit {commit} is not in this checkout; no baseline timed")
        return False
    dest.mkdir(parents=True)
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive.stdout, check=True)
    return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0], allow_abbrev=False)
    repeat = os.environ.get("REPEAT", "") or "3"
    if not repeat.isdigit() or not 1 <= int(repeat) <= 20:
        sys.exit(f"error: REPEAT={repeat[:20]!r} must be an integer from 1 to 20")
    ap.add_argument("--repeat", type=int, default=int(repeat))
    ap.add_argument("--skip-test", action="store_true", help="do not time make test (the slowest item)")
    ap.add_argument("--no-baseline", action="store_true", help=f"do not time commit {BEFORE}'s clean build")
    args = ap.parse_args()
    python = Path(sys.executable)
    tmp = Path(tempfile.mkdtemp(prefix="suanli-bench-"))
    work = tmp / "suanli"
    shutil.copytree(REPO, work, ignore=IGNORE, symlinks=True)
    env = {k: v for k, v in os.environ.items() if k not in ("SUANLI_ROOT", "MAKEFLAGS", "MAKELEVEL", "REPEAT",
                                                            "SUANLI_CLI_VARS", "HORIZON")}
    env.update(PYTHONHASHSEED="0", PYTHONPATH=str(work))
    make = ["make", "--no-print-directory", f"PYTHON={python}"]
    times: dict[str, list[float]] = {k: [] for k in ("naive", "before", "clean", "noop", "rerun", "asof", "test")}
    before_work, before_steps = None, {}
    try:
        if not args.no_baseline and extract(BEFORE, tmp / "before"):
            before_work = tmp / "before"
            run(make + ["-j2", "all"], before_work, dict(env, PYTHONPATH=str(before_work)))
        run(make + ["all"], work, env)
        for i in range(args.repeat):
            out = tmp / "naive"
            out.mkdir(exist_ok=True)
            shutil.rmtree(work / "build" / "cache", ignore_errors=True)  # the baseline starts cold, like a clean build
            t = 0.0
            for nb in NOTEBOOKS:
                t += run([str(python), "-m", "jupyter", "nbconvert", "--execute", "--to", "notebook",
                          "--ExecutePreprocessor.kernel_name=python3", "--output-dir", str(out),
                          str(work / "notebooks" / f"{nb}.ipynb")], work, env)
            times["naive"].append(t)
            if before_work:
                before_env = dict(env, PYTHONPATH=str(before_work))
                run(make + ["clean"], before_work, before_env)
                times["before"].append(run(make + ["-j2", "all"], before_work, before_env))
                before_steps = breakdown(before_work, [f.stem for f in sorted((before_work / "build" / "state").glob("*.json"))])
            run(make + ["clean"], work, env)
            times["clean"].append(run(make + ["-j2", "all"], work, env))
            clean_steps = breakdown(work)
            for _ in range(2):
                times["noop"].append(run(make + ["all"], work, env))
            before = breakdown(work)
            times["rerun"].append(run(make + ["-j2", "all", f"HORIZON={2028 + i % 2}"], work, env))
            rerun_steps = {n: t for n, t in breakdown(work).items() if before.get(n) != t}  # the steps that ran
            run(make + ["-j2", "all"], work, env)  # back to the defaults
            times["asof"].append(run(make + ["-j2", "all", "AS_OF=2022-12-31"], work, env))
            run(make + ["-j2", "all"], work, env)
        if not args.skip_test:
            times["test"].append(run(make + ["test"], work, env))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = {k: statistics.median(v) for k, v in times.items() if v}
    rows = [("naive baseline: nbconvert --execute, each notebook in turn", "naive", ""),
            (f"clean build before the information set (commit {BEFORE}), make -j2", "before", ""),
            ("clean build, make -j2 (environment present)", "clean",
             f"{med['clean'] / med['naive']:.2f}× naive (target ≤ 0.5)"
             + (f"; {med['clean'] / med['before']:.2f}× before" if "before" in med else "")),
            ("no-op rebuild, make", "noop", f"{'under' if med['noop'] < 0.3 else 'OVER'} 0.3 s (target < 0.3 s)"),
            ("rerun after HORIZON changes, make -j2", "rerun", f"{med['rerun'] / med['clean']:.2f}× clean (target ≤ 0.5)"),
            ("as-of rerun, make -j2 AS_OF=2022-12-31 (every step)", "asof",
             f"{med['asof'] / med['rerun']:.2f}× the HORIZON rerun (target ≤ 1.5)"),
            ("make test", "test", "")]
    print("| measurement | median (s) | runs | ratio |\n|---|---:|---:|---|")
    for label, key, ratio in rows:
        if key in med:
            print(f"| {label} | {med[key]:.2f} | {len(times[key])} | {ratio} |")
    print(f"\n{os.cpu_count()} cores; Python {sys.version.split()[0]}; repeat={args.repeat}")
    if before_work:
        old_forecast = next((n for n in before_steps if n.endswith("_forecast")), None)
        if old_forecast and "03_forecast" in clean_steps:
            was, now = before_steps[old_forecast]["total"], clean_steps["03_forecast"]["total"]
            print(f"\nThe forecasts' notebook in the clean builds (last repeat): {old_forecast} {was:.2f} s before, "
                  f"03_forecast {now:.2f} s now ({now - was:+.2f} s; target: within 2 s)")
    print_breakdown("Clean build (last repeat)", clean_steps)
    print_breakdown("Rerun after HORIZON changes (last repeat)", rerun_steps)
    if rerun_steps:
        low = floor(rerun_steps)
        print(f"\nThe HORIZON rerun (last repeat) took {times['rerun'][-1]:.2f} s; its floor, the science and drawing "
              f"on its critical path, is {low:.2f} s ({times['rerun'][-1] / low:.2f}× the floor; the rest is make, "
              "Python and kernel starts, imports, pages and publishing).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
