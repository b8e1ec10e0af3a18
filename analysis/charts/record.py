"""The real-time record's figures: every published forecast and every model's against the next
figure published (``track_record``), and what each edition said, series by series
(``edition_paths``)."""
from __future__ import annotations

import textwrap

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts.machinery import _y_domain, end_labels
from analysis.charts.style import (FORECASTER_COLORS, GREY, SOURCE_SHORT, color_of, color_scale, finish, stable,
                                   vintage_scale)

EVALUATION_FIELDS = ["forecaster_type", "forecaster", "series", "origin", "target_year", "horizon", "read",
                     "forecast", "fit_points", "outcome", "outcome_vintage", "outcome_published", "same_definition",
                     "error_pct", "pit"]


#: The width of one small multiple: with its axes and labels, a panel fits a 390-px phone at its
#: natural size (text is never shrunk to fit).
PANEL_WIDTH = 250


def _panel_title(text: str, width: int = 40):
    return alt.TitleParams(textwrap.wrap(text, width), fontSize=12, anchor="start", offset=6)


def track_record(evaluation, labels: dict[str, str], run_note: list[str] = ()):
    """Every forecast the editions and releases published, and every model's, against the next
    figure published for the same year, by horizon (``labels``: what a reader sees for each series):
    one small panel per series, stacked, so that a phone reads it at its natural size."""
    t = evaluation[EVALUATION_FIELDS].copy()
    who = list(FORECASTER_COLORS)
    t["who"] = np.where(t["forecaster_type"] == "vintage", who[0], who[1])
    t["pairs"] = np.where(t["same_definition"], "same definition", "definition differs")
    t["series_label"] = t["series"].map(labels).fillna(t["series"].str.replace("_", " "))
    t["label"] = t["forecaster"] + ": " + t["series_label"] + ", " + t["target_year"].astype(str)
    # pairs at the same horizon are spread a little, so no point hides another
    t["x"] = t["horizon"] + np.where(t["forecaster_type"] == "vintage", -0.12, 0.12)
    t["fill"] = np.where(t["same_definition"], t["who"].map(color_of), "#ffffff")
    n_same = int(t["same_definition"].sum())
    n_vintage = int((t["same_definition"] & (t["forecaster_type"] == "vintage")).sum())
    lo, hi = min(0, int(t["horizon"].min())), int(t["horizon"].max())
    span = max(abs(float(t["error_pct"].min())), abs(float(t["error_pct"].max())), 10.0)
    xs, ys = alt.Scale(domain=[lo - 0.5, hi + 0.5]), alt.Scale(domain=stable([-span * 1.08, span * 1.08]), nice=False)
    x = alt.X("x:Q", title="Horizon (years)", axis=alt.Axis(values=list(range(lo, hi + 1)), format="d"), scale=xs)
    y = alt.Y("error_pct:Q", title="Error (%)", scale=ys)
    panels = []
    order = t.groupby("series_label")["same_definition"].sum().sort_values(ascending=False, kind="stable").index
    for k, series in enumerate(order):
        g = t[t["series_label"] == series]
        n = int(g["same_definition"].sum())
        pts = alt.Chart(g).mark_point(size=60, strokeWidth=1.6, opacity=1).encode(
            x=x, y=y, stroke=alt.Stroke("who:N", legend=None, scale=color_scale(who)),
            fill=alt.Fill("fill:N", scale=None, legend=None),
            tooltip=[alt.Tooltip("label:N", title="Forecast"), alt.Tooltip("origin:N", title="Public from"),
                     alt.Tooltip("horizon:Q", title="Horizon (years)"), alt.Tooltip("read:N", title="Read as"),
                     alt.Tooltip("forecast:Q", format=".2f", title="Forecast value"),
                     alt.Tooltip("outcome:Q", format=".2f", title="Next figure published"),
                     alt.Tooltip("outcome_vintage:N", title="Published by"),
                     alt.Tooltip("outcome_published:N", title="Published on"), alt.Tooltip("pairs:N", title="Definitions"),
                     alt.Tooltip("error_pct:Q", format=".1f", title="Error (%)")])
        zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=GREY).encode(y="y:Q")
        layers = [zero, pts]
        if k == 0:  # the sign convention, once, where a reader starts
            note = pd.DataFrame({"x": [hi + 0.45, hi + 0.45], "y": [span, -span],
                                 "text": ["too high ↑", "too low ↓"], "baseline": ["top", "bottom"]})
            for base in ("top", "bottom"):
                layers.append(alt.Chart(note[note["baseline"] == base]).mark_text(
                    align="right", baseline=base, fontSize=10, color=GREY).encode(
                    x=alt.X("x:Q", scale=xs), y=alt.Y("y:Q", scale=ys), text="text:N"))
        panels.append(alt.layer(*layers).properties(
            width=PANEL_WIDTH, height=110, title=_panel_title(f"{series}: {n} comparable pair{'s' * (n != 1)}")))
    chart = alt.vconcat(*panels, spacing=14).resolve_scale(x="shared", y="shared")
    return finish(chart, [f"The real-time record: {n_same} comparable pairs,", f"{n_vintage} of them the editions' own"],
                  list(run_note) + textwrap.wrap(
                      "Each point: a forecast made with what was public on its day, against the first figure for that "
                      "year published after it. Error = forecast ÷ that figure − 1: above zero, the forecast was too "
                      "high. Black: the editions' and releases' own figures; blue: this compendium's models. Hollow: "
                      "the definitions differ (not comparable).", 52),
                  SOURCE_SHORT, "Real-time record: forecast errors of the editions and of the models, by horizon.")


def _short_vintage(v: str) -> str:
    """An edition's name as a line label: "2023-24 ed" → "2023–24 edition"."""
    v = str(v)
    return v.replace(" ed", " edition").replace("-", "–", 1) if v.endswith(" ed") else v


def edition_paths(vintage_table, series: tuple[str, ...], run_note: list[str] = ()):
    """What each edition said: one small panel per series, each edition's or release's stated levels
    as its own line, labelled at its end, so revisions show where the lines part. A line joins two
    years only if the edition stated both (a year it skipped is dashed across); the colour of an
    edition, darker the later it was published, is the same in every panel."""
    v = vintage_table[vintage_table["indicator"].isin(series)].copy()
    v["vintage_label"] = v["vintage"].map(_short_vintage)
    panels = []
    for s in [s for s in series if s in set(v["indicator"])]:
        g = v[v["indicator"] == s].sort_values(["edition_known_from", "vintage", "year"])
        label = str(g["series_label"].iloc[0])
        years = list(range(int(g["year"].min()), int(g["year"].max()) + 1))
        order = g.drop_duplicates("vintage_label")["vintage_label"].tolist()
        colour = alt.Color("vintage_label:N", legend=None, scale=vintage_scale(
            order, [g.loc[g["vintage_label"] == o, "edition_known_from"].iloc[0] for o in order]))
        segs = rank_like_segments(g, "vintage_label", years)
        log = bool((g["value"] > 0).all()) and g["value"].max() / g["value"].min() > 3
        domain = _y_domain(g["value"], log, margin=0.08)
        yscale = alt.Scale(type="log", domain=domain, nice=False) if log else alt.Scale(domain=domain, nice=False, zero=False)
        xs = alt.Scale(domain=[years[0] - 0.3, years[-1] + 0.3], nice=False)
        x = alt.X("year:Q", title=None, axis=alt.Axis(format="d", values=years if len(years) <= 8 else alt.Undefined,
                                                      tickMinStep=1), scale=xs)
        y = alt.Y("value:Q", title=str(g["unit"].iloc[0]) + (", log" if log else ""), scale=yscale)
        height = max(120, 13 * len(order) + 20)
        lines = alt.Chart(segs).mark_line(strokeWidth=1.6).encode(
            x=x, y=y, color=colour, detail="segment:N", strokeDash=GAP_DASH_YEARS)
        pts = alt.Chart(g).mark_point(filled=True, size=40, opacity=1).encode(
            x=x, y=y, color=colour,
            shape=alt.Shape("kind:N", legend=None, scale=alt.Scale(
                domain=["actual", "estimate", "derived", "forecast"], range=["circle", "triangle-up", "square", "diamond"])),
            tooltip=[alt.Tooltip("series_label:N", title="Series"), alt.Tooltip("year:Q", title="Year"),
                     alt.Tooltip("vintage:N", title="Edition or release"),
                     alt.Tooltip("edition_known_from:N", title="Edition public from"),
                     alt.Tooltip("kind:N", title="Given as"), alt.Tooltip("value:Q", format=".2f", title="Value"),
                     alt.Tooltip("known_from:N", title="Figure public from"),
                     alt.Tooltip("previous_vintage:N", title="Revises"),
                     alt.Tooltip("change_pct:Q", format=".1f", title="Revision (%)")])
        last = g.sort_values("year").groupby("vintage_label", sort=False).tail(1)
        ends = end_labels(pd.DataFrame({"year": [years[-1]] * len(last), "value": last["value"].tolist(),
                                        "label": last["vintage_label"].tolist(),
                                        "color": last["vintage_label"].tolist()}), domain, log, height, gap=12)
        ends = ends.assign(x=[float(y0) for y0 in last["year"]], vintage_label=ends["label"])
        text = alt.Chart(ends).mark_text(align="left", baseline="middle", dx=6, fontSize=10).encode(
            x=alt.X("x:Q", scale=xs), y=alt.Y("label_y:Q", scale=yscale), text="label:N", color=colour)
        panels.append(alt.layer(lines, pts, text).properties(width=PANEL_WIDTH - 72, height=height,
                                                            title=_panel_title(label, 44)))
    chart = alt.vconcat(*panels, spacing=16).resolve_scale(y="independent", x="independent", color="independent",
                                                           shape="independent")
    n = v["vintage"].nunique()
    return finish(chart, ["What each edition said: revisions", "show where the lines part"],
                  list(run_note) + textwrap.wrap(
                      f"{n} editions and releases, one line each, labelled at its last year; the later it was published, "
                      "the darker. Circle: an actual; triangle: an estimate; square: derived; diamond: a forecast. "
                      "Dashed: across a year the edition did not state.", 52),
                  SOURCE_SHORT, "Vintage table: every edition's levels for each series, as stated.")


#: The stroke of a segment that skips a year the edition did not state: dashed.
GAP_DASH_YEARS = alt.StrokeDash("gap:N", legend=None, scale=alt.Scale(domain=["adjacent", "no figure between"],
                                                                      range=[[1, 0], [3, 3]]))


def rank_like_segments(frame: pd.DataFrame, key: str, years: list[int]) -> pd.DataFrame:
    """Each ``key``'s line as segments between consecutive stated years, one row per end, with
    ``gap`` saying whether the segment skips a year (drawn dashed) and ``segment`` naming it."""
    rows = []
    for name, g in frame.groupby(key, sort=True):
        pts = g.drop_duplicates("year").sort_values("year").to_dict("records")
        for k, (a, b) in enumerate(zip(pts, pts[1:])):
            gap = years.index(int(b["year"])) - years.index(int(a["year"])) > 1
            for p in (a, b):
                rows.append({**p, "segment": f"{name} {k}", "gap": "no figure between" if gap else "adjacent"})
    return pd.DataFrame(rows, columns=list(frame.columns) + ["segment", "gap"])
