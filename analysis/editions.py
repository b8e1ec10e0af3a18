"""What each edition said: the vintage table, each edition's own path, and the vantage point of a
build (which edition is "the report", which year is the last with data).

Why this module exists: the editions revise each other (2022 intelligent compute was 268.0 in
the 2022-23 edition and 260 in the 2023-24 edition), and a forecast can be judged only against
what was published after it. So every level an edition stated is kept with its kind and the
edition's date (:func:`vintage_table`), an edition's forecast for a year it did not state is
read off its own path, joined at constant growth through its stated points as the report's
path always was (:func:`edition_path`), and "the report" of a build is the latest edition of the
IDC–Inspur series known at its ``as_of`` date (:func:`vantage`), not a constant.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: The kinds of level that are data about a year (an edition's statement of what happened); a
#: forecast is not.
DATA_KINDS = ("actual", "estimate", "derived")
#: Qualifiers of a figure that is a value (exact or "about"); a bound ("more than 85") is not a point
#: and is never joined into a path nor scored.
POINT_QUALIFIERS = ("=", "~")
#: The IDC–Inspur assessment reports are named like "2023-24 ed"; trackers and other releases are not.
EDITION_SUFFIX = " ed"

COLUMNS = ["indicator", "series_label", "geography", "unit", "year", "qualifier", "vintage", "edition_published",
           "edition_known_from", "kind", "value", "id",
           "known_from", "previous_vintage", "previous_value", "change_pct"]


def is_edition(vintage: str) -> bool:
    """Whether a vintage is an edition of the IDC–Inspur report (not a tracker, NVIDIA or the article)."""
    return vintage.endswith(EDITION_SUFFIX)


def single_vintage(series: pd.DataFrame) -> pd.DataFrame:
    """The levels that belong to one vintage: stated figures, and values derived from one edition's
    own figures (a value derived across editions, ``a + b``, is the compendium's, not an edition's)."""
    return series[~series["vintage"].str.contains(" + ", regex=False)]


def series_labels(indicators: pd.DataFrame, series: pd.DataFrame) -> dict[str, str]:
    """What a reader sees for each indicator: its English label and its unit."""
    units = series.drop_duplicates("indicator").set_index("indicator")["unit"]
    return {r["indicator"]: f"{r['label_en']} ({units[r['indicator']]})" for _, r in indicators.iterrows()
            if r["indicator"] in units.index}


def vintage_table(series: pd.DataFrame, editions: pd.DataFrame, indicators: pd.DataFrame,
                  undated: frozenset[str] | set[str] = frozenset()) -> pd.DataFrame:
    """For each indicator and year, every vintage's level: its kind, the vintage's release date, the
    day the figure became public, and its change from the figure published before it for that year.

    Where one vintage gives the same year twice (a stated figure and a value derived here from its
    other figures), the stated one is kept. ``edition_published`` is a release date only: an edition
    that is dated only by its earliest figure, or not at all, leaves it empty (its ``known_from`` is
    a bound, not a publication day). ``change_pct`` is a revision only between two values: it is
    left empty where either figure is a bound ("more than 300") or either is in ``undated`` (ids
    whose day of publication is a fallback, so the order of the two is not known)."""
    s = single_vintage(series).copy()
    s["series_label"] = s["indicator"].map(series_labels(indicators, series))
    s["derived_rank"] = (s["kind"] == "derived").astype(int)
    s = s.sort_values(["indicator", "year", "vintage", "derived_rank", "known_from", "id"])
    s = s.drop_duplicates(["indicator", "year", "vintage"], keep="first")
    e = editions.set_index("vintage")
    s["edition_known_from"] = s["vintage"].map(e["vintage_known_from"])
    released = e["published"].where(e["vintage_date_rule"] == "release date") if "vintage_date_rule" in e.columns \
        else e["published"]
    s["edition_published"] = s["vintage"].map(released.replace("", np.nan))
    s = s.sort_values(["indicator", "year", "known_from", "edition_known_from", "vintage"]).reset_index(drop=True)
    grouped = s.groupby(["indicator", "year"])
    s["previous_vintage"] = grouped["vintage"].shift(1)
    s["previous_value"] = grouped["value"].shift(1)
    comparable = s["qualifier"].isin(POINT_QUALIFIERS) & ~s["id"].isin(undated)
    previous_comparable = grouped["qualifier"].shift(1).isin(POINT_QUALIFIERS) & ~grouped["id"].shift(1).isin(undated)
    s["change_pct"] = ((s["value"] / s["previous_value"] - 1) * 100).where(comparable & previous_comparable)
    if "geography" not in s.columns:
        s["geography"] = ""
    return s[COLUMNS]


#: A figure for year Y is data about Y only from this day of Y (month-day) on: one published in the
#: first half of its year is itself mostly a forecast (most of the year is still to come).
DATA_FROM = "07-01"


def points(series: pd.DataFrame) -> pd.DataFrame:
    """The levels that are values, not bounds (:data:`POINT_QUALIFIERS`)."""
    return series[series["qualifier"].isin(POINT_QUALIFIERS)]


def is_data(frame: pd.DataFrame) -> pd.Series:
    """Which levels are data about their year: a data kind (:data:`DATA_KINDS`), a value rather
    than a bound, and public no earlier than :data:`DATA_FROM` of that year."""
    mask = frame["kind"].isin(DATA_KINDS) & (frame["known_from"] >= frame["year"].astype(str) + "-" + DATA_FROM)
    if "qualifier" in frame.columns:
        mask &= frame["qualifier"].isin(POINT_QUALIFIERS)
    return mask


def edition_points(series: pd.DataFrame, indicator: str, vintage: str) -> pd.DataFrame:
    """One vintage's own levels for an indicator, one per year (a stated figure before a value
    derived from it), with the day each became public; bounds ("more than") are left out."""
    s = points(single_vintage(series))
    return _one_per_year(s[(s["indicator"] == indicator) & (s["vintage"] == vintage)])


def _one_per_year(s: pd.DataFrame) -> pd.DataFrame:
    s = s.assign(derived_rank=(s["kind"] == "derived").astype(int))
    s = s.sort_values(["year", "derived_rank", "known_from", "id"]).drop_duplicates("year")
    return s[["year", "value", "kind", "id", "known_from"]].reset_index(drop=True)


def edition_paths(series: pd.DataFrame):
    """Every (indicator, vintage) and its path (:func:`edition_path`), grouping the series once."""
    s = points(single_vintage(series))
    for (indicator, vintage), g in s.groupby(["indicator", "vintage"], sort=True):
        yield indicator, vintage, _path(_one_per_year(g))


def edition_path(series: pd.DataFrame, indicator: str, vintage: str) -> pd.DataFrame:
    """A vintage's path for an indicator over the years it spans: its stated points, and between
    them constant growth from one stated point to the next (log-linear interpolation), as the
    report's path is drawn. Each year says how it was read (``stated`` or ``path``) and when it
    became public (an interpolated year: when its later end point did)."""
    return _path(edition_points(series, indicator, vintage))


def _path(pts: pd.DataFrame) -> pd.DataFrame:
    if pts.empty:
        return pd.DataFrame(columns=["year", "value", "kind", "read", "known_from", "ids"])
    years = np.arange(int(pts["year"].min()), int(pts["year"].max()) + 1)
    logv = np.interp(years, pts["year"].to_numpy(dtype=float), np.log(pts["value"].to_numpy(dtype=float)))
    rows = []
    recs = pts.to_dict("records")
    by_year = {int(r["year"]): r for r in recs}
    for y, lv in zip(years, logv):
        y = int(y)
        if y in by_year:
            r = by_year[y]
            rows.append(dict(year=y, value=float(r["value"]), kind=r["kind"], read="stated",
                             known_from=r["known_from"], ids=r["id"]))
        else:
            before = [r for r in recs if r["year"] < y][-1]
            after = [r for r in recs if r["year"] > y][0]
            rows.append(dict(year=y, value=float(np.exp(lv)), kind="forecast", read="path",
                             known_from=max(before["known_from"], after["known_from"]),
                             ids=f"{before['id']} {after['id']}"))
    return pd.DataFrame(rows, columns=["year", "value", "kind", "read", "known_from", "ids"])


@dataclass(frozen=True)
class Vantage:
    """Where a build stands: its date, the latest report edition it knows, and the years around it."""
    as_of: str
    report_edition: str  # the latest IDC–Inspur edition known at as_of
    last_data_year: int  # the latest year with data (actual, estimate or derived) in the forecast series
    report_horizon: int  # the latest year the report edition forecasts for a forecast series


def vantage(series: pd.DataFrame, editions: pd.DataFrame, forecast_series: tuple[str, ...], as_of: str) -> Vantage:
    """The vantage point of a build as of ``as_of`` (``series`` and ``editions`` are its information set)."""
    eds = editions[editions["vintage"].map(is_edition)].sort_values(["vintage_known_from", "order"])
    if eds.empty:
        raise ValueError(f"as of {as_of} no edition of the report is known")
    report = str(eds["vintage"].iloc[-1])
    s = single_vintage(series)
    fs = s[s["indicator"].isin(forecast_series)]
    data = fs[is_data(fs)]
    ahead = fs[(fs["vintage"] == report) & (fs["kind"] == "forecast")]
    last = int(data["year"].max()) if len(data) else int(as_of[:4]) - 1
    horizon = int(ahead["year"].max()) if len(ahead) else last
    return Vantage(as_of, report, last, horizon)
