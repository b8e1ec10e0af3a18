"""Parameterised reruns: list them, and compare each with the default forecasts.

``make forecast RUN=name …`` writes a complete, separate set of forecast outputs to
``runs/<name>/`` (git-ignored). ``make runs`` (this module) prints, for every run, its
parameters and a small table: each series' final-year forecast and interval, default against
the run.
"""
from __future__ import annotations

import re
import sys

import pandas as pd

from analysis import params, paths, steps


def list_runs() -> list[str]:
    if not paths.RUNS.exists():
        return []
    return sorted(p.name for p in paths.RUNS.iterdir()
                  if (p / "params.yaml").exists() and re.fullmatch(params.RUN_NAME_PATTERN, p.name))


def headline(forecasts: pd.DataFrame, method: str) -> pd.DataFrame:
    """Each series' final-year forecast of the run's headline model (the combination for 'all')."""
    model = "combination" if method == "all" else method
    keep = forecasts["model"].isin([model, "scenario"])
    levels = sorted(set(forecasts.loc[keep, "level"].dropna()))
    mid = min(levels, key=lambda v: abs(v - 0.8)) if levels else None
    f = forecasts[keep & (forecasts["level"] == mid)]
    last = f.groupby("series")["year"].transform("max")
    return f[f["year"] == last][["series", "model", "year", "median", "lower", "upper"]]


def compare(run: str) -> pd.DataFrame:
    """Default against ``run``: one row per series and output, final year, mean and interval."""
    default_params = steps.load_state("02_forecast", None).get("parameters", {"method": "all"})
    run_params = params.read(paths.RUNS / run / "params.yaml")
    a = headline(pd.read_csv(steps.table_path("forecasts", None)), default_params.get("method", "all")).assign(output="default")
    b = headline(pd.read_csv(steps.table_path("forecasts", run)), run_params["method"]).assign(output=run)
    both = pd.concat([a, b], ignore_index=True)
    return both.sort_values(["series", "output"])[["series", "output", "model", "year", "median", "lower", "upper"]] \
        .round(2).reset_index(drop=True)


def main() -> int:
    runs = list_runs()
    if not runs:
        print("No runs yet. Make one with: make forecast RUN=name [METHOD=… HORIZON=… LEVELS=…]")
        return 0
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    for run in runs:
        p = params.read(paths.RUNS / run / "params.yaml")
        print(f"## {run}\n" + ", ".join(f"{k}={v}" for k, v in sorted(p.items())))
        try:
            print(compare(run).to_string(), "\n")
        except FileNotFoundError:
            print("(incomplete: no forecasts.csv; rerun make forecast)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
