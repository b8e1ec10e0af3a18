"""Parameterised reruns: list them, and compare each with the default forecasts.

``make forecast RUN=name …`` writes a complete, separate set of forecast outputs to
``runs/<name>/`` (git-ignored). ``make runs`` (this module) prints, for every run, its
parameters and the run beside the default *like with like*: the same model, year and interval
level (see :func:`like_with_like`), and draws them all in ``runs/compare.{svg,png,vl.json,html}``.
"""
from __future__ import annotations

import math
import re
import sys

import pandas as pd

from analysis.build import params, paths, steps


def list_runs() -> list[str]:
    if not paths.RUNS.exists():
        return []
    return sorted(p.name for p in paths.RUNS.iterdir()
                  if (p / "params.yaml").exists() and re.fullmatch(params.RUN_NAME_PATTERN, p.name))


def at_level(rows: pd.DataFrame, level: float) -> pd.Series | None:
    """One forecast (a model, series and year) at ``level``: as stored, or recomputed from its
    t distribution on the log scale (median, dof and a stored interval fix its scale). A mixture
    (the combination) cannot be recomputed that way: None."""
    from scipy import stats

    stored = rows[rows["level"].round(6) == round(level, 6)]
    if len(stored):
        return stored.iloc[0]
    ref = rows.dropna(subset=["level"])
    if ref.empty or not str(ref["distribution"].iloc[0]).startswith("t(") or pd.isna(ref["dof"].iloc[0]):
        return None
    r = ref.iloc[0]
    scale = (math.log(r["upper"]) - math.log(r["median"])) / stats.t.ppf(0.5 + r["level"] / 2, r["dof"])
    half = stats.t.ppf(0.5 + level / 2, r["dof"]) * scale
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
    run_params = params.read(paths.RUNS / run / "params.yaml")
    default = pd.read_csv(steps.table_path("forecasts", None))
    mine = pd.read_csv(steps.table_path("forecasts", run))
    return like_with_like(default, mine, run, run_params)


def figure(table: pd.DataFrame):
    """Small multiples per series: each run's interval beside the default's, same model, year, level."""
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
    pd.set_option("display.width", 200)
    pd.set_option("display.max_columns", 20)
    tables = []
    for run in runs:
        p = params.read(paths.RUNS / run / "params.yaml")
        print(f"## {run}\n" + ", ".join(f"{k}={v}" for k, v in sorted(p.items())))
        try:
            table = compare(run)
        except FileNotFoundError:
            print("(incomplete: no forecasts.csv; rerun make forecast)\n")
            continue
        tables.append(table)
        print(table.drop(columns="run").round(2).to_string(index=False), "\n")
    if tables and any(len(t) for t in tables):
        from analysis import charts

        fig = charts.export(figure(pd.concat(tables, ignore_index=True)), "compare", paths.RUNS)
        print("figure: " + ", ".join(paths.rel(p) for p in fig.paths))
    return 0


if __name__ == "__main__":
    sys.exit(main())
