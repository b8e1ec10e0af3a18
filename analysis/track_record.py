"""The report's track record: its earlier editions' forecasts scored against what later
editions had published by December 2023 (the information cut-off).

Every pair the data allows is listed, including pairs across a definition change, which are
kept but marked ``comparable = False`` (and left out of the summary). Horizons count from the
edition's last data year: the latest year it reports as an actual, or, when it reports none,
the year before its publication.
"""
from __future__ import annotations

import math

import pandas as pd

from analysis import assembly, cleaning

COLUMNS = ["series", "edition", "base_year", "year", "horizon", "method", "forecast", "later_figure",
           "later_edition", "later_kind", "error_log", "error_pct", "comparable", "note"]


def _base_year(series_table: pd.DataFrame, vintages: pd.DataFrame, edition: str) -> int:
    actual = series_table[(series_table["vintage"] == edition) & (series_table["kind"] == "actual")]
    if len(actual):
        return int(actual["year"].max())
    return int(str(vintages.set_index("vintage").loc[edition, "published"])[:4]) - 1


def pairs(series_table: pd.DataFrame, figures: pd.DataFrame, implied: pd.DataFrame,
          vintages: pd.DataFrame) -> pd.DataFrame:
    v = cleaning.values(figures, implied)
    rows = []

    def later(indicator: str, year: int) -> pd.Series:
        a = assembly.assemble(series_table, indicator)
        return a[a["used"] & (a["year"] == year)].iloc[0]

    def add(series, edition, year, method, forecast, target_indicator, comparable, note):
        lat = later(target_indicator, year)
        base = _base_year(series_table, vintages, edition)
        rows.append(dict(series=series, edition=edition, base_year=base, year=year, horizon=year - base, method=method,
                         forecast=forecast, later_figure=float(lat["value"]), later_edition=lat["vintage"],
                         later_kind=lat["kind"], error_log=math.log(forecast / lat["value"]),
                         error_pct=(forecast / lat["value"] - 1) * 100, comparable=comparable, note=note))

    def path(base, base_year, end, end_year, year):
        return base * (end / base) ** ((year - base_year) / (end_year - base_year))

    add("intelligent_compute", "2022-23 ed", 2022, "stated estimate", v["pub_ic_2022_e2223"], "intelligent_compute",
        True, "the edition's own 2022 estimate")
    for year in (2022, 2023):
        fc = v["pub_ic_2021_e2223"] * (1 + v["pub_ic_cagr_e2223"] / 100) ** (year - 2021)
        add("intelligent_compute", "2022-23 ed", year, "CAGR path", fc, "intelligent_compute", True,
            f"2021 actual x (1 + {v['pub_ic_cagr_e2223']}%)^{year - 2021}")
    for year in (2022, 2023):
        fc = path(v["pub_server_2021_e2223"], 2021, v["pub_server_2026_e2223"], 2026, year)
        add("ai_server_market", "2022-23 ed", year, "path 2021 actual to 2026 forecast", fc, "ai_server_market", False,
            "the 2022-23 and 2023-24 editions define the AI-server market differently")
    for year in (2022, 2023):
        fc = path(v["pub_infra_2020_e2021"], 2020, v["pub_infra_2024_e2021"], 2024, year)
        add("ai_server_market", "2020-21 ed", year, "path 2020 actual to 2024 forecast", fc, "ai_server_market", False,
            "the 2020-21 edition's figures are labelled AI infrastructure, not AI servers")
    add("ai_server_market", "2019-20 ed", 2023, "stated forecast", v["pub_hw_2023_e1920"], "ai_server_market", False,
        "an AI-hardware forecast (servers over 85% of it) against the AI-server estimate")
    return pd.DataFrame(rows, columns=COLUMNS)


def summary(track: pd.DataFrame) -> pd.DataFrame:
    """Bias (mean log error) and mean absolute log error by horizon, comparable pairs and all pairs."""
    out = []
    for label, t in (("comparable pairs", track[track["comparable"]]), ("all pairs", track)):
        g = t.groupby("horizon")["error_log"]
        out.append(pd.DataFrame({"pairs": label, "n": g.size(), "bias_log": g.mean(),
                                 "mean_abs_log_error": g.apply(lambda e: e.abs().mean())}).reset_index())
    return pd.concat(out, ignore_index=True)
