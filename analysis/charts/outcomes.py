"""What December 2023's forecasts said about 2024, and what happened, drawn.

Why this module exists: the unblinding (:mod:`analysis.unblinding`) is the first time a forecast of
the compendium meets its outcome, and a reader should see it in one figure: for each series, each
registered set's default combination for 2024 (median and its 50/80/95% fan), the report's path,
and the first figure published for 2024. One figure family, one module (the charts package); its
colours come from the one style (:mod:`analysis.charts.style`).
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts.style import OKABE_ITO, REPORT_COLOR, WIDTH, color_of, finish, tips
from analysis.domain import set_label

TITLE = "What December 2023's forecasts said about 2024, and what happened"
LEVEL_OPACITY = {0.95: 0.25, 0.8: 0.45, 0.5: 0.8}
OUTCOME_COLOR, FAN_COLOR = OKABE_ITO[3], color_of("combination")  # the fans are the combination's


def fans(sets, year: int, model: str = "combination") -> pd.DataFrame:
    """The registered sets' fans for ``year`` (set, series, level, lower, upper, median)."""
    rows = []
    for s in sets:
        f = s.forecasts
        g = f[(f["model"] == model) & (f["year"] == year)].dropna(subset=["level"])
        for _, r in g.iterrows():
            rows.append(dict(set=set_label(s.name), series=r["series"], level=float(r["level"]), lower=float(r["lower"]),
                             upper=float(r["upper"]), median=float(r["median"])))
    return pd.DataFrame(rows, columns=["set", "series", "level", "lower", "upper", "median"])


def unblinding(fan: pd.DataFrame, scores: pd.DataFrame, labels: dict[str, str], year: int):
    """One panel per series (log scale): each set's fan (95, 80, 50%) and median, the report's path
    (a black diamond) and the outcome (a vermillion rule, labelled with the figure's id)."""
    panels = []
    first = scores[(scores["target_year"] == year) & (scores["reading"] != "redefined")]
    for series in [s for s in labels if s in set(fan["series"])]:
        f = fan[fan["series"] == series]
        sc = first[first["series"] == series]
        out = sc.drop_duplicates("outcome_id")[["outcome", "outcome_id", "outcome_published", "reading"]]
        rep = sc[sc["model"] == "report_path"].drop_duplicates("set")[["set", "median"]]
        rep = rep.assign(set=rep["set"].map(set_label))
        values = pd.concat([f["lower"], f["upper"], out["outcome"], rep["median"]])
        scale = alt.Scale(type="log", domain=[float(values.min()) * 0.85, float(values.max()) * 1.15], nice=False)
        x = alt.X("set:N", title=None, axis=alt.Axis(labelAngle=0))
        y_title = labels[series]
        bars = alt.Chart(f).mark_bar(size=28, color=FAN_COLOR).encode(
            x=x, y=alt.Y("lower:Q", scale=scale, title=y_title), y2="upper:Q",
            opacity=alt.Opacity("level:O", scale=alt.Scale(domain=list(LEVEL_OPACITY),
                                                           range=list(LEVEL_OPACITY.values())),
                                legend=alt.Legend(title="Central interval", format=".0%")),
            tooltip=tips("set", alt.Tooltip("level:Q", format=".0%", title="interval"),
                         alt.Tooltip("lower:Q", format=".4g"), alt.Tooltip("upper:Q", format=".4g")))
        med = alt.Chart(f.drop_duplicates("set")).mark_tick(color="white", thickness=2, size=28).encode(
            x=x, y=alt.Y("median:Q", scale=scale, title=y_title),
            tooltip=tips("set", alt.Tooltip("median:Q", format=".4g", title="median")))
        path = alt.Chart(rep).mark_point(shape="diamond", size=80, filled=True, color=REPORT_COLOR).encode(
            x=x, y=alt.Y("median:Q", scale=scale, title=y_title),
            tooltip=tips("set", alt.Tooltip("median:Q", format=".4g", title="the report's path")))
        rule = alt.Chart(out).mark_rule(color=OUTCOME_COLOR, strokeWidth=2).encode(
            y=alt.Y("outcome:Q", scale=scale, title=y_title),
            tooltip=tips("outcome_id", "outcome_published", "reading", alt.Tooltip("outcome:Q", format=".4g")))
        title = y_title.split(" (")[0] + (" (if renamed)" if (out["reading"] == "renamed").any() else "")
        panels.append(alt.layer(bars, med, path, rule).properties(width=WIDTH // 3 - 30, height=280, title=title))
    chart = alt.hconcat(*panels).resolve_scale(y="independent")
    n = int(first["outcome_id"].nunique())
    subtitle = [f"Each registered set's default combination for {year}: its median (white tick) and 50/80/95% "
                "intervals; the report's path (black diamond); the first",
                f"figure published for {year} (vermillion line). {n} outcomes, one year: one shock per series, "
                "not a track record. Both sets were fitted before the outcome.",
                "AI-server market: scored against the 2025 edition's 人工智能算力市场, if it is the same market "
                "renamed (undecided: notebook 06 scores both readings)."]
    source = ["Source: IDC & Inspur, 2023–24 and 2025 editions; data/registered (sets 1 and 2); suanli."]
    return finish(chart, TITLE, subtitle, source,
                  f"{TITLE}: for each series, the registered sets' {year} fans and medians, the report's path and "
                  f"the outcome.")


