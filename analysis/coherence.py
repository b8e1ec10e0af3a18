"""Coherence with the world, and the bounds a forecast may not pass without a warning.

Why this module exists: a model fitted on two points can run anywhere, and nothing in its own
interval says when it has left the possible. So every forecast is set beside bounds that the
information set itself allows, each stated before any forecast is looked at:

* **China's AI-server market may not exceed the world's**: the world's path triangulated from
  IDC's world figures, NVIDIA's data-centre revenue and China's share (:mod:`analysis.world`),
  never below what NVIDIA alone already sold in that year or an earlier one, with an 80% band.
  (:func:`world_path` is IDC's own path, one of the triangulation's sources.)
* **Intelligent compute may not exceed what the world's AI-server spending could buy**
  (:func:`analysis.world.compute_bound`).
* **No series may grow, on average from its last data year, faster than the fastest yearly
  growth any series of the information set has shown** (China's AI servers in 2023, +82.5%;
  :func:`analysis.priors.growth_observations`).
* Parameters beyond plausible values stay allowed but warn (:func:`parameter_warnings`):
  ``GROWTH`` above 100% a year, ``LONG_RUN_GROWTH`` below 0 or above 50%, a ``HORIZON`` more than
  three years past the report's own.

Coherence acts on the predictive distribution (:mod:`analysis.choice`, rule point 2): the table
gives every model's **mass beyond** each bound (:func:`mass_beyond`: the probability that its
value exceeds the bound, the bound itself uncertain over its band), a median is flagged only when
it lies beyond the bound's band (or beyond the bound, where it has none), and a flag is a
one-line warning: no member is dropped for it.
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
           "mass_beyond", "implausible", "warning"]
#: Gauss-Hermite nodes (probabilists') for the expectation over a bound's log-normal band.
_NODES, _WEIGHTS = np.polynomial.hermite_e.hermegauss(24)
_WEIGHTS = _WEIGHTS / _WEIGHTS.sum()


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
           observations: pd.DataFrame, compute: dict[str, pd.DataFrame] | None = None,
           fits: dict | None = None) -> pd.DataFrame:
    """Every fitted median against its bounds: one row per series, model, year and bound kind,
    with the model's mass beyond the bound (``fits``: series → model → Forecast; NaN without);
    ``warning`` is set on the first year a series' model lies beyond a bound's band (one line each).
    ``compute``: series → a ceiling per year (:func:`analysis.world.compute_bound`)."""
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
        c = (compute or {}).get(r["series"])
        if c is not None and int(r["year"]) in set(c["year"]):
            b = c.set_index("year").loc[int(r["year"])]
            rows.append(dict(series=r["series"], model=r["model"], year=int(r["year"]), median=r["median"],
                             bound=b["bound"], bound_low=np.nan, bound_high=np.nan, bound_kind=b["kind"],
                             ratio=r["median"] / b["bound"]))
    out = pd.DataFrame(rows, columns=COLUMNS[:-3])
    out["mass_beyond"] = [mass_beyond(fits, r) for r in out.itertuples()] if fits else np.nan
    top = out["bound_high"].where(out["bound_high"].notna(), out["bound"]).astype(float)
    # beyond the band's upper end (or the bound, where it has none); a rounding-level excess
    # (82.50% against 82.5%) is no breach
    out["implausible"] = out["median"].astype(float) > top * 1.005
    out["warning"] = ""
    for (series, model, kind), g in out[out["implausible"]].groupby(["series", "model", "bound_kind"], sort=True):
        first = g.sort_values("year").index[0]
        r = out.loc[first]
        band = " (beyond its 80% band)" if r["bound_high"] == r["bound_high"] else ""
        mass = f", {r['mass_beyond']:.0%} of the distribution beyond it" if r["mass_beyond"] == r["mass_beyond"] else ""
        out.loc[first, "warning"] = (f"warning: {series}, {model}: the median passes {kind}{band} in {int(r['year'])} "
                                     f"(ratio {r['ratio']:.2f}{mass})")
    return out.sort_values(["series", "model", "year", "bound_kind"]).reset_index(drop=True)[COLUMNS]


def mass_beyond(fits: dict, row) -> float:
    """The probability that ``row``'s model exceeds its bound in its year: 1 − E[F(log W)], W the
    bound (log-normal over its 80% band where it has one, else fixed); NaN without a distribution."""
    f = fits.get(row.series, {}).get(row.model) if fits else None
    if f is None or int(row.year) not in set(int(y) for y in f.years):
        return math.nan
    i = int(np.flatnonzero(f.years.astype(int) == int(row.year))[0])
    if not f.has_distribution(i):
        return math.nan
    centre = math.log(float(row.bound))
    sd = math.log(float(row.bound_high) / float(row.bound)) / Z80 if row.bound_high == row.bound_high else 0.0
    if sd <= 0:
        return 1.0 - f.cdf(i, centre)
    return float(1.0 - _WEIGHTS @ f.cdfs(i, centre + sd * _NODES))


def below_at(table: pd.DataFrame, series: str, year: int, kind: str) -> dict[str, float]:
    """Each model's probability of lying below the bound ``kind`` for ``series`` in ``year``
    (rule point 2 of :mod:`analysis.choice`); empty when the bound is not there."""
    t = table[(table["series"] == series) & (table["year"] == year) & (table["bound_kind"] == kind)]
    return {str(r["model"]): float(1 - r["mass_beyond"]) for _, r in t.iterrows() if r["mass_beyond"] == r["mass_beyond"]}


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
