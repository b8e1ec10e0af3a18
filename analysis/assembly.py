"""Series assembly: choose, for each forecast series and year, the one published value the
forecasts use, and say why every other candidate was not used.

It lives beside forecasting (not in cleaning) because it is a forecasting decision: which
editions may be spliced, which definitions differ, and — for a real-time backtest — what was
known at a given edition's publication (``as_of``).
"""
from __future__ import annotations

import pandas as pd

from analysis import editions


#: Vintages whose figures for an indicator measure something other than the other vintages'
#: (a definition break found in the data), with the evidence. A series is assembled, and a
#: forecast scored, only within one definition: the definition of the latest vintage known.
_SERVERS_BEFORE_2023 = (
    "the AI-server market of the 2020-21 and 2022-23 eds: the 2022-23 ed's 2021 value, 5.92, is above the 2022 base "
    "the 2023-24 ed implies (9.1/1.825 = 4.99), and a market that grew 82.5% in 2023 did not shrink 16% in 2022; "
    "the 2020-21 ed's 2020 value, 3.41, is 3% below the 2022-23 ed's implied 2020 base (5.92/1.682 = 3.52), near "
    "it but not equal, so those two editions may share a definition")
_SPENDING_BEFORE_2021 = (
    "IDC's AI spending guide before its 2021 V2 release: its 2020 is 50.1 (2020-08 release, growing 20.1% a year to "
    "more than 110 in 2024), against 85.3 for 2021 in 2021 V2 (from which its 24.5% a year over 2021-2025 reaches "
    "204.5): +70% in one year for a market both releases grow by 20-25% a year, a restatement of the whole series")
_SPENDING_BEFORE_2022_V2 = (
    "IDC's AI spending guide 2021 V2 ('AI systems'), and the 2021-22 ed that re-quotes it, before the 2022 V2 "
    "release counts 'AI-centric systems' (data/raw/vintages.csv): 2022 V2 restates the finished 2021 from 85.3 to "
    "92.95, a change of definition, not a revision (issue 26)")
DEFINITIONS: dict[tuple[str, str], str] = {
    ("ai_server_market", "2020-21 ed"): _SERVERS_BEFORE_2023,
    ("ai_server_market", "2022-23 ed"): _SERVERS_BEFORE_2023,
    **{("global_ai_spending", f"IDC AI spending guide {r}"): _SPENDING_BEFORE_2021
       for r in ("2017-04", "2017-09", "2018-03", "2018-09", "2019-03", "2019-09", "2020-08")},
    ("global_ai_spending", "IDC AI spending guide 2021 V2"): _SPENDING_BEFORE_2022_V2,
    ("global_ai_spending", "2021-22 ed"): _SPENDING_BEFORE_2022_V2,
    ("global_ai_market_tracker", "IDC WW AI tracker 2020-08"): (
        "IDC's worldwide AI tracker of August 2020: its 2020 total, 156.5, is about half the 2020 base its "
        "February 2021 release implies (327.5/1.164 = 281): a change of scope, not a revision"),
}

#: Series a later vintage may carry under another name, where the sources cannot decide whether it is
#: the same series renamed (and revised) or a new definition (issue 28): (later indicator, vintage) →
#: (the earlier indicator it may continue, the evidence). Such a series is never spliced into the
#: earlier one; forecasts of the earlier one are scored against it under both readings, "renamed"
#: (comparable) and "redefined" (not comparable), and the readings are reported side by side.
UNDECIDED: dict[tuple[str, str], tuple[str, str]] = {
    ("ai_compute_market", "2025 ed"): ("ai_server_market", (
        "the 2025 ed's 人工智能算力市场 (2024: 190亿美元, +86.9%) against the 2023-24 ed's 人工智能服务器市场 "
        "(2023: 91亿美元). For one series renamed: IDC and Inspur already called the AI-server market an 'AI computing' "
        "market (the GCI 2022-23's 全球AI计算市场 gives the same 2022 world value, 195亿美元, as the 2023-24 ed's "
        "全球人工智能硬件市场(服务器)); press on the 2023-24 ed wrote 人工智能算力市场 for it (科技金融时报); and 190 "
        "stays below IDC's accelerated-server tracker for 2024 (22.1 USD bn), as 91 was below its 9.4 for 2023. "
        "For a redefinition: no page calls the 2025 figure a server market, while the same 科技日报 article still writes "
        "全球人工智能服务器市场 for the world; its implied 2023 base (190/1.869 = 101.7亿) is 11.7% above the 2023-24 "
        "ed's 91 and above the tracker's 9.4 USD bn, where 91 was below it; and no page defines the new market. "
        "Undecided (staged notes of 2026-12-06, section 2): both readings are scored")),
}


def definition(indicator: str, vintage: str) -> str:
    """The definition a vintage's figures for an indicator follow: "" for the indicator's own (see
    ``data/raw/indicators.csv``), else the break :data:`DEFINITIONS` records."""
    return DEFINITIONS.get((indicator, vintage), "")


_KIND_RANK = {"actual": 0, "derived": 1, "estimate": 2}
COLUMNS = ["indicator", "year", "value", "unit", "kind", "vintage", "id", "used", "reason"]


def assemble(series_table: pd.DataFrame, indicator: str, train_start: int | None = None,
             last_year: int | None = None) -> pd.DataFrame:
    """Choose one value per year for a series, and say why each candidate was or wasn't used.

    Rule: only data are used (:func:`analysis.editions.is_data`: no forecast, no bound such as
    "more than 85", no figure published in the first half of its own year); for each year take the latest vintage (by order of
    publication, then by the day its first figure in the information set became public); within it prefer an actual, then a value
    derived here from stated figures, then a transcribed derived value, then an estimate. A
    point whose vintage follows another definition than the latest vintage holding data for the series (:data:`DEFINITIONS`) is not spliced in, nor are years before
    ``train_start`` (``None``: no limit) or after ``last_year`` (``None``: the last year with data).
    ``series_table`` is an information set: a build, or a real-time backtest, as of its date.
    """
    c = series_table[series_table["indicator"] == indicator]
    c = c[editions.is_data(c)]  # forecasts, bounds and figures published in their year's first half are not data
    if last_year is not None:
        c = c[c["year"] <= last_year]
    rows = c.to_dict("records")
    if not rows:  # typed, so that a[a["used"]] selects rows (an object column would select columns)
        return pd.DataFrame({c: pd.Series(dtype=bool if c == "used" else object) for c in COLUMNS})
    # a vintage counts from the first day any of its figures in this information set was public
    first: dict[str, str] = {}
    for r in rows:
        key = r.get("known_from", r["vintage_order"])
        first[r["vintage"]] = min(first.get(r["vintage"], key), key)
    for r in rows:
        r["_order"] = first[r["vintage"]]
        r["_rank"] = _KIND_RANK.get(r["kind"], 3) - (0.5 if r["source_table"] == "implied" else 0.0)
    # the latest vintage: by order of publication (data/raw/vintages.csv), then by the day it was first
    # public here (an undated release counts from the article's date, but its place in the order stands)
    latest = max(rows, key=lambda r: (r["vintage_order"], r["_order"]))["vintage"]
    current = definition(indicator, latest)
    # within a year: the latest vintage first, then the preferred kind, then the id
    rows.sort(key=lambda r: (r["year"], -r["vintage_order"], _neg(r["_order"]), r["_rank"], r["id"]))
    out = []
    by_year: dict[int, list[dict]] = {}
    for r in rows:
        by_year.setdefault(r["year"], []).append(r)
    for year, grp in by_year.items():
        same = [r for r in grp if definition(indicator, r["vintage"]) == current]
        chosen = same[0] if same else grp[0]
        for r in grp:
            r["used"], r["reason"] = False, (
                f"superseded by {chosen['id']} ({chosen['vintage']}, {chosen['kind']})" if r is not chosen else "")
        if not same:
            chosen["reason"] = (f"another definition: {definition(indicator, chosen['vintage'])}; "
                                f"the series follows {latest}'s")
        elif train_start is not None and year < train_start:
            chosen["reason"] = f"before train_start ({train_start})"
        else:
            chosen["used"] = True
            chosen["reason"] = "latest vintage; " + (
                "value derived here from stated figures" if chosen["source_table"] == "implied" else chosen["kind"])
        out += grp
    return pd.DataFrame(out)[COLUMNS].reset_index(drop=True)


def _neg(value):
    """A sort key that orders dates (or numbers) from the latest down."""
    if isinstance(value, str):
        return tuple(-ord(ch) for ch in value)
    return -value


def used_logs(series_table: pd.DataFrame, indicator: str, **kw) -> pd.Series:
    """The used points of :func:`assemble` as a log series indexed by year."""
    import numpy as np

    a = assemble(series_table, indicator, **kw)
    return np.log(a[a["used"]].set_index("year")["value"].astype(float))


def report_points(series_table: pd.DataFrame, indicator: str, vantage) -> pd.DataFrame:
    """The report edition's own stated points for a series: its data years (as assembled) and its
    forecast for its horizon (``vantage``: :func:`analysis.editions.vantage`), preferring a stated
    figure over one derived here."""
    a = assemble(series_table, indicator)
    data = a[a["used"] & (a["vintage"] == vantage.report_edition)][["year", "value", "kind", "id"]]
    f = series_table[(series_table["indicator"] == indicator) & (series_table["vintage"] == vantage.report_edition)
                     & (series_table["year"] == vantage.report_horizon)].copy()
    f["rank"] = (f["source_table"] == "implied").astype(int)
    f = f.sort_values(["rank", "id"]).head(1)[["year", "value", "kind", "id"]]
    return pd.concat([data, f], ignore_index=True).sort_values("year").reset_index(drop=True)
