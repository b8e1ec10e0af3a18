"""Series assembly: choose, for each forecast series and year, the one published value the
forecasts use, and say why every other candidate was not used.

It lives beside forecasting (not in cleaning) because it is a forecasting decision: which
editions may be spliced, which definitions differ, and — for a real-time backtest — what was
known at a given edition's publication (``as_of``).
"""
from __future__ import annotations

import pandas as pd

from analysis import domain

#: Points that the automatic vintage rule would pick but that must not be spliced into a series.
EXCLUDE: dict[tuple[str, int], str] = {
    ("ai_server_market", 2021): (
        "2022-23 ed's 5.92 (actual) is above the 2022 base the 2023-24 ed implies (9.1/1.825 = 4.99); "
        "a market that grew 82.5% in 2023 did not shrink 16% in 2022, so the editions' definitions "
        "differ. Not spliced."),
}

_KIND_RANK = {"actual": 0, "derived": 1, "estimate": 2}
COLUMNS = ["indicator", "year", "value", "unit", "kind", "vintage", "id", "used", "reason"]


def assemble(series_table: pd.DataFrame, indicator: str, train_start: int | None = None,
             as_of: str | None = None) -> pd.DataFrame:
    """Choose one value per year for a forecast series, and say why each candidate was or wasn't used.

    Rule: forecasts are never data; for each year take the latest vintage; within it prefer an
    actual, then a value derived here from stated figures, then a transcribed derived value,
    then an estimate. Points in :data:`EXCLUDE` and years before ``train_start`` (``None``: no
    limit) are not used. ``as_of`` (a vintage name) keeps only what was published up to that
    vintage, for real-time backtests.
    """
    c = series_table[(series_table["indicator"] == indicator)
                     & (series_table["year"] <= domain.LAST_DATA_YEAR)].copy()
    c = c[c["kind"] != "forecast"]
    if as_of is not None:
        order = series_table.loc[series_table["vintage"] == as_of, "vintage_order"]
        if order.empty:
            raise ValueError(f"unknown vintage {as_of!r}")
        c = c[c["vintage_order"] <= order.iloc[0]]
    c["kind_rank"] = c["kind"].map(_KIND_RANK).fillna(3) - (c["source_table"] == "implied") * 0.5
    c = c.sort_values(["year", "vintage_order", "kind_rank"], ascending=[True, False, True])
    c["used"] = False
    c["reason"] = ""
    for year, grp in c.groupby("year"):
        first = grp.index[0]
        for idx in grp.index:
            if idx != first:
                c.loc[idx, "reason"] = f"superseded by {c.loc[first, 'id']} ({c.loc[first, 'vintage']}, {c.loc[first, 'kind']})"
        if (indicator, year) in EXCLUDE:
            c.loc[first, "reason"] = "excluded: " + EXCLUDE[(indicator, year)]
        elif train_start is not None and year < train_start:
            c.loc[first, "reason"] = f"before train_start ({train_start})"
        else:
            c.loc[first, "used"] = True
            c.loc[first, "reason"] = "latest vintage; " + (
                "value derived here from stated figures" if c.loc[first, "source_table"] == "implied" else c.loc[first, "kind"])
    return c[COLUMNS].reset_index(drop=True)


def used_logs(series_table: pd.DataFrame, indicator: str, **kw) -> pd.Series:
    """The used points of :func:`assemble` as a log series indexed by year."""
    import numpy as np

    a = assemble(series_table, indicator, **kw)
    return np.log(a[a["used"]].set_index("year")["value"].astype(float))


def report_points(series_table: pd.DataFrame, indicator: str) -> pd.DataFrame:
    """The report edition's own stated points for a series: its data years (as assembled) and its
    forecast for the report's horizon (:data:`domain.REPORT_HORIZON`), preferring a stated
    figure over one derived here."""
    a = assemble(series_table, indicator)
    data = a[a["used"] & (a["vintage"] == domain.REPORT_EDITION)][["year", "value", "kind", "id"]]
    f = series_table[(series_table["indicator"] == indicator) & (series_table["vintage"] == domain.REPORT_EDITION)
                     & (series_table["year"] == domain.REPORT_HORIZON)].copy()
    f["rank"] = (f["source_table"] == "implied").astype(int)
    f = f.sort_values(["rank", "id"]).head(1)[["year", "value", "kind", "id"]]
    return pd.concat([data, f], ignore_index=True).sort_values("year").reset_index(drop=True)
