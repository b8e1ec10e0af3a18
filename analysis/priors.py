"""Where the decay and nowcast models' two parameters come from: a prior over the half-life of
excess growth and over the long-run growth rate, stated before any score is computed, and its
update on a series' own growth path.

Why this module exists: with two or three points a series cannot estimate how fast its growth
fades, and the answer moves the 2027 AI-server median by a factor of three or more. So the
parameters are not fixed by taste: they are integrated over a grid (a mixture, one component
per grid point), with prior weights argued here from the evidence, and, where a series has two
consecutive growth rates of its own, weighted by how well each grid point predicts the second
from the first.

**The prior (fixed before the real-time scores; notebook 02 prints it first).**

* Half-life of growth above (or below) the long-run rate: 0.5, 1, 2, 4 or 8 years, equal
  weights (log-uniform). The evidence (:func:`evidence`: every pair of yearly growth rates the
  compendium holds, not a selection) spans a third of a year (global AI servers, +39.1% in 2021
  to +17.3% in 2022) to several years (intelligent compute, +67.5% then +59.3%; IDC's AI
  spending guide's steady +20-30%), and some series accelerated (NVIDIA's data-centre revenue in
  2023): no narrower prior is defensible.
* Long-run growth per series (:data:`LONG_RUN`), three equally weighted rates each: for China's
  AI-server market 10%, 15% and 20% (the report's own 10.2% a year for 2023-27, IDC's China
  tracker 2022-27 forecast of 19.6%, IDC's global AI-server 2022-26 rate of 15.5-17.3%); for
  intelligent compute 20%, 28% and 36% (the report's 28.1% a year for 2023-27, its 33.9% CAGR for
  2022-27, and a slower 20% for a maturing build-out); for general compute 9%, 14% and 19% (its
  last growth, 8.8%, and the report's 16.6% CAGR and 18.6% a year for 2023-27). Any other series
  (the reference class, in the real-time evaluation) takes 10%, 15% and 20%.

**Whose view each long-run rate is** (:data:`VIEWS`): most are forecasters' views, chiefly the
2023-24 edition's, and notebook 02's bias test finds the vintages' comparable forecasts running
low (:func:`analysis.evaluation.bias_test`). Where that bias is measured (at least
:data:`analysis.domain.MIN_PAIRS` pairs and a 90% interval that excludes zero), notebook 03
raises every rate that is a forecaster's view by the bias per year ahead, (1 + g)·exp(−b) − 1
(:func:`adjusted`); a rate that is a series' own data or a judgement stays as it is. The
real-time record itself fits the models with the rates as stated: the bias is measured on that
record, and using it there would score the record with its own answer.

A series whose last growth lies below its long-run rate is **reverting** upward, not decaying
(general compute: 8.8% against 9-19%); :func:`direction` says which.
"""
from __future__ import annotations

import math

import numpy as np
import pandas as pd

HALF_LIVES = (0.5, 1.0, 2.0, 4.0, 8.0)
LONG_RUN: dict[str, tuple[float, ...]] = {
    "ai_server_market": (0.10, 0.15, 0.20),
    "intelligent_compute": (0.20, 0.28, 0.36),
    "general_compute": (0.09, 0.14, 0.19),
}
DEFAULT_LONG_RUN = (0.10, 0.15, 0.20)
#: Why each series' long-run rates are what they are (printed with the prior).
ARGUMENT = {
    "ai_server_market": "the report's 10.2% a year 2023-27; IDC's China tracker 2022-27, 19.6%; "
                        "IDC's global AI servers 2022-26, 15.5-17.3%",
    "intelligent_compute": "the report's 28.1% a year 2023-27 and 33.9% CAGR 2022-27; 20% for a maturing build-out",
    "general_compute": "its last growth 8.8%; the report's 16.6% CAGR 2022-27 and 18.6% a year 2023-27",
}

#: Whose view each long-run rate of :data:`LONG_RUN` is, in the same order: a vintage (a
#: forecaster's view, which the bias adjustment applies to), or None with why (data, judgement).
VIEWS: dict[str, tuple[tuple[str | None, str], ...]] = {
    "ai_server_market": (("2023-24 ed", "the report's 10.2% a year 2023-27"),
                         ("2023-24 ed", "IDC's global AI servers 2022-26, 15.5-17.3%"),
                         ("IDC China tracker", "IDC's China tracker 2022-27, 19.6% (quoted in the prior's argument)")),
    "intelligent_compute": ((None, "a judgement: a maturing build-out"),
                            ("2023-24 ed", "the report's 28.1% a year 2023-27"),
                            ("2023-24 ed", "the report's 33.9% CAGR 2022-27")),
    "general_compute": ((None, "the series' own last growth, 8.8% (data)"),
                        ("2023-24 ed", "the report's 16.6% CAGR 2022-27"),
                        ("2023-24 ed", "the report's 18.6% a year 2023-27")),
}


def adjusted(series: str, per_year_bias: float | None) -> tuple[float, ...]:
    """The long-run rates of ``series`` with every forecaster's view raised by the record's bias
    per year ahead ``b`` (a mean log error; negative: the vintages ran low): (1 + g)·exp(−b) − 1."""
    rates = LONG_RUN.get(series, DEFAULT_LONG_RUN)
    if per_year_bias is None:
        return rates
    views = VIEWS.get(series, tuple(("reference", "") for _ in rates))
    return tuple(round(math.expm1(math.log1p(g) - per_year_bias), 6) if who is not None else g
                 for g, (who, _) in zip(rates, views))


def phi(half_life: float) -> float:
    """Yearly persistence of excess growth with the given half-life in years."""
    return 0.5 ** (1 / half_life)


def grid(series: str, half_life: float | None = None, long_run_growth: float | None = None,
         per_year_bias: float | None = None) -> pd.DataFrame:
    """The prior grid of one series: half_life, g_inf (as a rate), prior weight. A parameter given
    by the user (``DECAY_HALF_LIFE``, ``LONG_RUN_GROWTH``) collapses its dimension to that value;
    ``per_year_bias`` raises the forecasters' long-run rates (:func:`adjusted`)."""
    hs = (half_life,) if half_life is not None else HALF_LIVES
    gs = (long_run_growth,) if long_run_growth is not None else adjusted(series, per_year_bias)
    rows = [dict(half_life=h, g_inf=g) for h in hs for g in gs]
    out = pd.DataFrame(rows)
    out["prior"] = 1.0 / len(out)
    return out


def posterior(g: pd.DataFrame, logs: pd.Series, noise_sd: float | None) -> pd.DataFrame:
    """The grid weighted by the series' own growth path: each consecutive pair of yearly log growth
    rates (g_t, g_t+1) is predicted by g_inf + φ(g_t − g_inf) with normal noise of sd
    ``noise_sd``; with fewer than two consecutive growth rates, or no noise estimate, the weights
    stay the prior's. Adds columns ``loglik`` and ``weight``."""
    out = g.copy()
    y = logs.sort_index()
    growth = y.diff()[pd.Series(y.index, index=y.index).diff() == 1]
    pairs = [(growth[t], growth[t + 1]) for t in growth.index if t + 1 in growth.index]
    loglik = np.zeros(len(out))
    if pairs and noise_sd is not None and np.isfinite(noise_sd) and noise_sd > 0:
        for i, r in enumerate(out.itertuples()):
            gi, p = math.log1p(r.g_inf), phi(r.half_life)
            loglik[i] = sum(-0.5 * ((b - (gi + p * (a - gi))) / noise_sd) ** 2 for a, b in pairs)
    out["loglik"] = loglik
    w = out["prior"].to_numpy() * np.exp(loglik - loglik.max())
    out["weight"] = w / w.sum()
    return out


def direction(last_growth: float, long_run: tuple[float, ...]) -> str:
    """'decaying' when the last growth is above every long-run rate, 'reverting' when below every
    one, 'either' between."""
    if last_growth > max(long_run):
        return "decaying"
    if last_growth < min(long_run):
        return "reverting"
    return "either"


def growth_observations(figures: pd.DataFrame, series: pd.DataFrame, assemble) -> pd.DataFrame:
    """Every yearly growth rate the information set holds, per indicator: stated year-on-year rates
    of a calendar year, and the growth between consecutive assembled yearly levels where no rate
    is stated. Columns: indicator, year, growth (a rate), source."""
    rows = []
    yoy = figures[(figures["measure"] == "yoy_growth") & (figures["period_type"] == "year")]
    for _, r in yoy.sort_values(["indicator", "year", "known_from", "id"]).iterrows():
        rows.append(dict(indicator=r["indicator"], year=int(r["year"]), growth=r["value_clean"] / 100,
                         source=f"{r['id']} (stated)"))
    stated = {(r["indicator"], r["year"]) for r in rows}
    for indicator in sorted(series["indicator"].unique()):
        a = assemble(series, indicator)
        pts = a[a["used"]].set_index("year")["value"].sort_index()
        for year in pts.index:
            if year - 1 in pts.index and (indicator, int(year)) not in stated:
                rows.append(dict(indicator=indicator, year=int(year), growth=pts[year] / pts[year - 1] - 1,
                                 source=f"assembled levels {int(year) - 1}-{int(year)}"))
    out = pd.DataFrame(rows, columns=["indicator", "year", "growth", "source"])
    return out.drop_duplicates(["indicator", "year"]).sort_values(["indicator", "year"]).reset_index(drop=True)


def evidence(observations: pd.DataFrame) -> pd.DataFrame:
    """Every pair of growth rates of one series, the earlier and a later one, with the half-life
    each implies at the series' middle long-run rate: the complete table the half-life prior is
    argued from. A series whose excess growth did not shrink (it accelerated, or crossed the
    long-run rate) implies no half-life, and says so."""
    rows = []
    for indicator, g in observations.groupby("indicator"):
        g = g.sort_values("year")
        mid = LONG_RUN.get(indicator, DEFAULT_LONG_RUN)[1]
        recs = list(g.itertuples())
        for a, b in zip(recs, recs[1:]):
            years = b.year - a.year
            ea, eb = math.log1p(a.growth) - math.log1p(mid), math.log1p(b.growth) - math.log1p(mid)
            if ea * eb > 0 and abs(eb) < abs(ea):
                half = years * math.log(2) / math.log(ea / eb)
                reading = "excess growth shrank"
            else:
                half = math.nan
                reading = "accelerated" if abs(eb) >= abs(ea) and ea * eb > 0 else "crossed the long-run rate"
            rows.append(dict(indicator=indicator, from_year=a.year, to_year=b.year, growth_from=a.growth,
                             growth_to=b.growth, long_run=mid, half_life=half, reading=reading,
                             sources=f"{a.source}; {b.source}"))
    return pd.DataFrame(rows, columns=["indicator", "from_year", "to_year", "growth_from", "growth_to", "long_run",
                                       "half_life", "reading", "sources"])
