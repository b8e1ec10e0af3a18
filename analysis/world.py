"""The world's AI-server market, triangulated from every source the information set holds on it,
and the bounds that follow from it for China's AI servers and intelligent compute.

Why this module exists: the bound of issue 19 was IDC's own world forecast (the 2023-24
edition: USD 19.5 bn in 2022, 34.7 bn in 2026, so about 22.5 bn in 2023), a consensus figure
used as a wall. The information set contradicts it: NVIDIA alone reported USD 29.1 bn of
data-centre revenue in February-October 2023. A bound may not sit below what one supplier
already sold, so the world's path is triangulated here, each source with its uncertainty:

* **IDC's world figures** (:func:`analysis.coherence.world_path`): the latest vintage's path and
  growth rate; its data years as stated.
* **NVIDIA's data-centre revenue** (``nvidia_dc_revenue``, NVIDIA fiscal quarters; fiscal year
  N runs from February of N−1 to January of N). A calendar year's **floor** is the sum of the
  quarters that lie wholly inside it (Q1-Q3 of the next fiscal year), and a year's floor holds
  for every later year too: no bound may lie below a figure held for that year or an earlier
  one. A year with known quarters is **estimated** with its missing quarter at the latest
  quarter's level (no further growth, though the last quarter grew +279% year on year).
* **NVIDIA's share**: the world market is NVIDIA's estimated revenue over NVIDIA's share of it,
  the article's "almost nine tenths" of accelerated compute (``accel_supply_share_nvidia``, an
  insider's estimate for China, applied to the world). Data-centre revenue includes networking
  and excludes the rest of a server's value (processors, memory); the two are taken to offset,
  and the band carries the doubt: its lower 80% end is the floor, its upper end as far above
  the centre on the log scale.
* **China's share**: China's AI-server market over the world's, and China's 20-25% of NVIDIA's
  data-centre revenue (``nvidia_china_share``) in USD, shown beside China's market.

After the last year NVIDIA informs, the path grows at IDC's own world rate (the consensus is
evidence of growth, with its real-time error: the band widens by the vintages' per-year error,
:func:`analysis.evaluation.error_scale`), raised by the vintages' bias per year ahead where
notebook 02 measures one (:func:`analysis.evaluation.long_run_bias`), as the prior's rates are. Where the information set holds no NVIDIA quarter
wholly inside a year (a build as of an earlier date), the path is IDC's, as before.

**Intelligent compute's bound** (:func:`compute_bound`): what the spending could buy. China
cannot buy more AI servers than the whole world sells (the world path's upper 80% end), nor buy
more FP16 EFLOPS per USD bn than its own build-out has shown (the most EFLOPS added per USD bn
of China's AI-server market in any year of the information set); its stock in year y is at most
its last level plus what that spending would add every year. No price-performance gain beyond
the best year is assumed, which is why this bound is stated as a warning, not a wall. General
compute (FP64) has no spending series in the information set: its bound stays the fastest
growth any series has shown (:mod:`analysis.coherence`).
"""
from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from analysis import coherence

Z80 = coherence.Z80
NVIDIA = "nvidia_dc_revenue"
COLUMNS = ["year", "idc_world", "idc_vintage", "nvidia_known", "nvidia_quarters", "nvidia_floor",
           "nvidia_estimate", "world", "world_low", "world_high", "basis", "china", "china_share_idc",
           "china_share", "nvidia_china_low", "nvidia_china_high"]
_FQ = re.compile(r"^FY(\d\d) Q([1-4])$")


def nvidia_quarters(figures: pd.DataFrame) -> pd.DataFrame:
    """NVIDIA's data-centre revenue per fiscal quarter (USD bn), one row per quarter (the highest
    figure held where two sources give one), with the calendar year it lies wholly inside (none
    for a fourth quarter, which spans November to January)."""
    f = figures[(figures["indicator"] == NVIDIA) & (figures["measure"] == "level")]
    rows = []
    for period, g in f.groupby("period", sort=True):
        m = _FQ.match(str(period))
        if not m:
            continue
        fy, q = 2000 + int(m.group(1)), int(m.group(2))
        rows.append(dict(period=period, fiscal_year=fy, quarter=q, value=float(g["value_clean"].max()),
                         calendar_year=fy - 1 if q < 4 else np.nan))
    out = pd.DataFrame(rows, columns=["period", "fiscal_year", "quarter", "value", "calendar_year"])
    return out.sort_values(["fiscal_year", "quarter"]).reset_index(drop=True)


def _share(figures: pd.DataFrame, indicator: str) -> tuple[float, float] | None:
    f = figures[(figures["indicator"] == indicator) & (figures["measure"] == "share")]
    if f.empty:
        return None
    latest = f[f["year"] == f["year"].max()]
    return float(latest["value_clean"].min()) / 100, float(latest["value_clean"].max()) / 100


def triangulate(series_table: pd.DataFrame, figures: pd.DataFrame, china: pd.Series, years,
                per_year_error: float | None, per_year_bias: float | None = None) -> pd.DataFrame:
    """The world path for ``years`` (and the data years of ``china``, China's assembled AI-server
    market by year), one row per year with every source beside it (:data:`COLUMNS`).
    ``per_year_bias``: the vintages' measured bias per year ahead (notebook 02's bias test), which
    raises IDC's world rate as it raises the prior's long-run rates: (1 + g)·exp(−b) − 1."""
    years = sorted({int(y) for y in years} | {int(y) for y in china.index})
    idc = coherence.world_path(series_table, np.asarray(years), per_year_error).set_index("year") \
        if len(years) else pd.DataFrame()
    world_rows = series_table[(series_table["indicator"] == coherence.WORLD)
                              & series_table["kind"].isin(["actual", "estimate"])]
    stated = world_rows.sort_values(["known_from", "vintage_order", "id"]).groupby("year")["value"].last()
    q = nvidia_quarters(figures)
    whole = q.dropna(subset=["calendar_year"]).groupby("calendar_year")
    known = whole["value"].sum()
    count = whole["value"].count()
    accel = _share(figures, "accel_supply_share_nvidia")
    nv_share = accel[1] if accel else 1.0
    cn = _share(figures, "nvidia_china_share")
    err = per_year_error or 0.0

    rows, anchor = [], None
    for y in years:
        r = dict(year=y, idc_world=np.nan, idc_vintage="", nvidia_known=np.nan, nvidia_quarters=0,
                 nvidia_floor=np.nan, nvidia_estimate=np.nan)
        if y in stated.index:
            r["idc_world"], r["idc_vintage"] = float(stated[y]), "stated"
        elif len(idc) and y in idc.index:
            r["idc_world"], r["idc_vintage"] = float(idc.at[y, "world"]), str(idc.at[y, "vintage"])
        if y in known.index:
            r["nvidia_known"], r["nvidia_quarters"] = float(known[y]), int(count[y])
            latest = float(q[q["calendar_year"] == y]["value"].iloc[-1])
            r["nvidia_estimate"] = float(known[y]) + (4 - int(count[y])) * latest
        held = known[known.index <= y]
        if len(held):
            r["nvidia_floor"] = float(held.max())
        rows.append(r)
    t = pd.DataFrame(rows)
    last_nv = int(known.index.max()) if len(known) else None
    for i, r in t.iterrows():
        y = int(r["year"])
        if last_nv is not None and y == last_nv and math.isfinite(r["nvidia_estimate"]):
            centre = max(r["nvidia_estimate"] / nv_share, r["idc_world"] if math.isfinite(r["idc_world"]) else 0)
            sd = math.log(centre / r["nvidia_floor"]) / Z80 if centre > r["nvidia_floor"] else 0.0
            anchor = (y, centre, sd)
            share = f"over NVIDIA's share ({nv_share:.0%})" if accel else "NVIDIA's share not yet known: taken as the whole"
            basis = (f"NVIDIA's {int(r['nvidia_quarters'])} whole quarters ({r['nvidia_known']:.2f}) and one more at "
                     f"the latest quarter's level, {share}; 80% band from the floor")
        elif anchor is not None and y > anchor[0]:
            idc_rate = _idc_rate(idc)
            rate = math.expm1(math.log1p(idc_rate) - per_year_bias) if per_year_bias is not None else idc_rate
            centre = anchor[1] * (1 + rate) ** (y - anchor[0])
            sd = math.sqrt(anchor[2] ** 2 + (err * (y - anchor[0])) ** 2)
            basis = f"from {anchor[0]} at IDC's world rate ({idc_rate:.1%} a year" + (
                f", raised by the vintages' bias to {rate:.1%}" if per_year_bias is not None else "") + \
                "), band widened by its per-year error"
        else:
            centre = r["idc_world"]
            sd = 0.0
            if y not in stated.index and len(idc) and y in idc.index and float(idc.at[y, "world_high"]) > centre:
                sd = math.log(float(idc.at[y, "world_high"]) / centre) / Z80
            basis = ("IDC's world figure" if y in stated.index else
                     "IDC's world path" if centre == centre else "no world figure known")
        floor = r["nvidia_floor"]
        if math.isfinite(floor) and centre < floor:  # never below a figure held for this year or an earlier one
            centre, basis = floor, basis + "; raised to NVIDIA's floor"
        low = centre * math.exp(-Z80 * sd)
        if math.isfinite(floor):
            low = max(low, floor)
        t.loc[i, ["world", "world_low", "world_high"]] = [centre, low, centre * math.exp(Z80 * sd)]
        t.loc[i, "basis"] = basis
    t["china"] = [float(china[y]) if y in china.index else np.nan for y in t["year"]]
    t["china_share_idc"] = t["china"] / t["idc_world"]
    t["china_share"] = t["china"] / t["world"]
    best = t["nvidia_estimate"]
    t["nvidia_china_low"] = best * (cn[0] if cn else np.nan)
    t["nvidia_china_high"] = best * (cn[1] if cn else np.nan)
    return t[COLUMNS]


def _idc_rate(idc: pd.DataFrame) -> float:
    """IDC's own world growth rate, from its path's first and last stated-or-extended years."""
    if len(idc) < 2:
        return 0.0
    w = idc["world"].astype(float)
    span = int(w.index.max()) - int(w.index.min())
    return float((w.iloc[-1] / w.iloc[0]) ** (1 / span) - 1) if span else 0.0


def bound_path(table: pd.DataFrame, years) -> pd.DataFrame:
    """The world bound for ``years`` in the shape :func:`analysis.coherence.checks` reads."""
    t = table[table["year"].isin([int(y) for y in years])]
    return t[["year", "world", "world_low", "world_high"]].assign(vintage="triangulated").reset_index(drop=True)


def efficiency(points_ic: pd.Series, points_server: pd.Series) -> tuple[float, int] | None:
    """The most FP16 EFLOPS China added per USD bn of its AI-server market in any year the
    information set holds both for (and the year), or None."""
    best = None
    for y in points_ic.index:
        if y - 1 in points_ic.index and y in points_server.index:
            e = (float(points_ic[y]) - float(points_ic[y - 1])) / float(points_server[y])
            if best is None or e > best[0]:
                best = (e, int(y))
    return best


def compute_bound(table: pd.DataFrame, last: tuple[int, float], eff: tuple[float, int] | None, years) -> pd.DataFrame:
    """Intelligent compute's ceiling for ``years``: its last level plus, every year, the whole
    world's AI-server market (upper 80% end) bought at the best EFLOPS per USD bn shown."""
    cols = ["year", "bound", "kind"]
    if eff is None or table.empty:
        return pd.DataFrame(columns=cols)
    y0, v0 = last
    hi = table.set_index("year")["world_high"]
    rows, stock = [], v0
    for y in range(y0 + 1, int(max(years)) + 1):
        if y not in hi.index:
            return pd.DataFrame(rows, columns=cols)
        stock += float(hi[y]) * eff[0]
        rows.append(dict(year=y, bound=stock, kind=(
            f"what the whole world's AI-server spending could buy ({eff[0]:.1f} EFLOPS per USD bn, {eff[1]}) "
            f"from {y0}")))
    return pd.DataFrame(rows, columns=cols)
