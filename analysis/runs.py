"""Parameterised reruns: list them, and compare each with the default forecasts.

``make forecast RUN=name …`` writes a complete, separate set of forecast outputs to
``runs/<name>/`` (git-ignored). ``make runs`` (this module) prints, for every run, its
parameters and a small table: each series' final-year forecast and interval, default against
the run.
"""
from __future__ import annotations

import sys

import pandas as pd

from analysis import params, paths


def list_runs() -> list[str]:
    if not paths.RUNS.exists():
        return []
    return sorted(p.name for p in paths.RUNS.iterdir() if (p / "params.yaml").exists())


def final_year(forecasts: pd.DataFrame) -> pd.DataFrame:
    f = forecasts[forecasts["model"].isin(["combination", "scenario"]) |
                  ~forecasts["model"].isin(["report_path"])]
    last = f.groupby("series")["year"].transform("max")
    return f[f["year"] == last].set_index(["series", "model"])[["year", "mean", "lower", "upper"]]


def compare(run: str) -> pd.DataFrame:
    default = final_year(pd.read_csv(paths.PROCESSED / "forecasts.csv"))
    other = final_year(pd.read_csv(paths.out_dirs(run)["processed"] / "forecasts.csv"))
    return default.join(other, how="outer", lsuffix="_default", rsuffix=f"_{run}").round(2)


def main() -> int:
    runs = list_runs()
    if not runs:
        print("No runs yet. Make one with: make forecast RUN=name [METHOD=… HORIZON=… LEVEL=…]")
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
