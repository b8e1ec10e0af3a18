"""Coherence with the world, and the bounds a forecast may not pass without a warning.

Why this module exists: a model fitted on two points can run anywhere, and nothing in its own
interval says when it has left the possible. The same sources say how large the whole world's
AI-server market is expected to be (the 2023-24 edition: USD 19.5 bn in 2022, 34.7 bn in 2026),
so China's forecast is set beside it, with China's share of the world; and every series has a
growth it has never exceeded. A median that passes a bound is kept (a run may ask for anything)
but marked, warned about in one line, and left out of the default combination
(:mod:`analysis.choice`).

The bounds, stated before any forecast is looked at:

* **China's AI-server market may not exceed the world's**: the world's path as the latest
  vintage that forecasts it states it (its stated points joined at constant growth), extended
  past its last stated year at its own rate, with an 80% band from the vintages' real-time
  error per year ahead (:func:`analysis.evaluation.error_scale`).
* **No series may grow, on average from its last data year, faster than the fastest yearly
  growth any series of the information set has shown** (China's AI servers in 2023, +82.5%;
  :func:`analysis.priors.growth_observations`).
* Parameters beyond plausible values stay allowed but warn (:func:`parameter_warnings`):
  ``GROWTH`` above 100% a year, ``LONG_RUN_GROWTH`` below 0 or above 50%, a ``HORIZON`` more than
  three years past the report's own.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analysis import editions
from analysis.domain import WORLD_BOUND

WORLD = "global_ai_server_market"
CHINA = "ai_server_market"
Z80 = 1.2815515655446004  # the normal quantile of 0.9
PARAMETER_BOUNDS = {"growth": 1.0, "long_run_low": 0.0, "long_run_high": 0.5, "years_past_report": 3}
COLUMNS = ["series", "model", "year", "median", "bound", "bound_low", "bound_high", "bound_kind", "ratio",
           "implausible", "warning"]


def world_path(series: pd.DataFrame, years: np.ndarray, per_year_error: float | None) -> pd.DataFrame:
    """The world AI-server market for ``years``: the path of the latest vintage that forecasts it,
    extended at its own rate, with an 80% band (``per_year_error``: the vintages' real-time log
    error per year ahead; none: no band). Empty when no vintage forecasts the world market."""
    s = editions.single_vintage(series)
    ahead = s[(s["indicator"] == WORLD) & (s["kind"] == "forecast")].sort_values(["known_from", "vintage"])
    if ahead.empty:
        return pd.DataFrame(columns=["year", "world", "world_low", "world_high", "vintage"])
    vintage = str(ahead["vintage"].iloc[-1])
    path = editions.edition_path(series, WORLD, vintage).set_index("year")["value"]
    first, last = int(path.index.min()), int(path.index.max())
    rate = (path[last] / path[first]) ** (1 / (last - first)) - 1 if last > first else 0.0
    origin_year = int(str(ahead["known_from"].iloc[-1])[:4])
    rows = []
    for y in years:
        y = int(y)
        value = float(path[y]) if y in path.index else float(path[last] * (1 + rate) ** (y - last))
        h = max(y - (origin_year - 1), 1)
        spread = Z80 * per_year_error * h if per_year_error else 0.0
        rows.append(dict(year=y, world=value, world_low=value * math.exp(-spread), world_high=value * math.exp(spread),
                         vintage=vintage))
    return pd.DataFrame(rows)


def fastest_growth(observations: pd.DataFrame) -> tuple[float, str] | None:
    """The fastest yearly growth any series of the information set has shown, and which."""
    if observations.empty:
        return None
    r = observations.sort_values(["growth", "indicator", "year"]).iloc[-1]
    return float(r["growth"]), f"{r['indicator']} {int(r['year'])}"


def checks(forecasts: pd.DataFrame, world: pd.DataFrame, last_levels: dict[str, tuple[int, float]],
           observations: pd.DataFrame) -> pd.DataFrame:
    """Every fitted median against its bounds: one row per series, model, year and bound kind;
    ``warning`` is set on the first year a series' model passes a bound (one line each)."""
    f = forecasts[(forecasts["model"] != "report_path")].drop_duplicates(["series", "model", "year"])
    rows = []
    w = world.set_index("year") if len(world) else None
    fastest = fastest_growth(observations)
    for _, r in f.iterrows():
        if r["series"] == CHINA and w is not None and int(r["year"]) in w.index:
            b = w.loc[int(r["year"])]
            rows.append(dict(series=r["series"], model=r["model"], year=int(r["year"]), median=r["median"],
                             bound=b["world"], bound_low=b["world_low"], bound_high=b["world_high"],
                             bound_kind=WORLD_BOUND, ratio=r["median"] / b["world"]))
        if fastest is not None and r["series"] in last_levels:
            g, where = fastest
            y0, v0 = last_levels[r["series"]]
            bound = v0 * (1 + g) ** (int(r["year"]) - y0)
            rows.append(dict(series=r["series"], model=r["model"], year=int(r["year"]), median=r["median"],
                             bound=bound, bound_low=np.nan, bound_high=np.nan,
                             bound_kind=f"the fastest yearly growth any series has shown ({g:.1%}, {where}) "
                                        f"every year from {y0}", ratio=r["median"] / bound))
    out = pd.DataFrame(rows, columns=COLUMNS[:-2])
    out["implausible"] = out["ratio"] > 1.005  # a rounding-level excess (82.50% against 82.5%) is no breach
    out["warning"] = ""
    for (series, model, kind), g in out[out["implausible"]].groupby(["series", "model", "bound_kind"], sort=True):
        first = g.sort_values("year").index[0]
        r = out.loc[first]
        out.loc[first, "warning"] = (f"warning: {series}, {model}: the median passes {kind} in {int(r['year'])} "
                                     f"(ratio {r['ratio']:.2f})")
    return out.sort_values(["series", "model", "year", "bound_kind"]).reset_index(drop=True)[COLUMNS]


def implausible_at(table: pd.DataFrame, series: str, year: int) -> frozenset[str]:
    """The models whose median breaks a bound for ``series`` in ``year``."""
    t = table[(table["series"] == series) & (table["year"] == year) & table["implausible"]]
    return frozenset(t["model"])


def parameter_warnings(growth: dict[str, float], long_run_growth: float | None, horizon_end: int,
                       report_horizon: int) -> list[str]:
    """One line per parameter beyond a plausible value (allowed: a run may ask for anything)."""
    out = []
    for series, g in sorted(growth.items()):
        if g > PARAMETER_BOUNDS["growth"]:
            out.append(f"warning: GROWTH {g:g} for {series} is above 100% a year, every year to {horizon_end}")
    if long_run_growth is not None and not (PARAMETER_BOUNDS["long_run_low"] <= long_run_growth
                                            <= PARAMETER_BOUNDS["long_run_high"]):
        out.append(f"warning: LONG_RUN_GROWTH {long_run_growth:g} is outside 0 to 0.5, a long-run rate no market "
                   "in the evidence has shown")
    if horizon_end > report_horizon + PARAMETER_BOUNDS["years_past_report"]:
        out.append(f"warning: HORIZON {horizon_end} is {horizon_end - report_horizon} years past the report's own "
                   f"({report_horizon}): those years are extrapolation")
    return out
