"""The world AI-server market's triangulation, drawn: the world path with its band, IDC's own
path, NVIDIA's floor, and China's share of the world.

Why this module exists: the bound on China's AI-server market is the compendium's own
triangulation (:mod:`analysis.world`), not a consensus figure, and a reader should see why: IDC's
world path lies below what NVIDIA alone sold in 2023. Its colours follow the other figures (see
:data:`analysis.charts.style.WORLD_COLORS`): black is the report's sources (IDC), green is
NVIDIA's data-centre revenue, vermillion is China, as in the NVIDIA figure.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts.machinery import end_labels
from analysis.charts.style import (SOURCE_SHORT, WORLD_COLORS, _fmt, _wrap, color_scale, finish, stable, tint,
                                   tips)

WORLD, IDC, FLOOR = "World, triangulated", "IDC's own world path", "NVIDIA's data-centre revenue (floor)"
SHARE_WORLD, SHARE_IDC = "China, of the triangulated world", "China, of IDC's world"
#: The plot's width: with its axis and end labels, a panel fits a 390-px phone.
PLOT = 200


def world_triangulation(table: pd.DataFrame, run_note: list[str] = ()):
    """Two panels, one above the other: the world path (band, centre), IDC's path and NVIDIA's
    floor and yearly estimate (USD bn, log scale), each line named at its end; and China's share
    of the world, triangulated and IDC's."""
    t = table.sort_values("year")
    years = [int(v) for v in t["year"]]
    xs = alt.Scale(domain=[min(years) - 0.2, max(years) + 0.2], zero=False, nice=False)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", values=years), scale=xs)
    values = pd.concat([t["world_low"], t["world_high"], t["idc_world"], t["nvidia_floor"]]).dropna()
    domain = stable([float(values.min()) * 0.85, float(values.max()) * 1.15])
    ys = alt.Scale(type="log", domain=domain, nice=False)
    y_title = "World AI-server market (USD bn), log"
    lines = pd.concat([
        t[["year", "world"]].rename(columns={"world": "value"}).assign(what=WORLD),
        t[["year", "idc_world"]].rename(columns={"idc_world": "value"}).assign(what=IDC),
        t[["year", "nvidia_floor"]].rename(columns={"nvidia_floor": "value"}).assign(what=FLOOR),
    ]).dropna(subset=["value"])
    colour = alt.Color("what:N", legend=None, scale=color_scale([WORLD, IDC, FLOOR]))
    band = alt.Chart(t).mark_area(color=tint(WORLD_COLORS[WORLD], 0.2), opacity=1).encode(
        x=x, y=alt.Y("world_low:Q", scale=ys, title=y_title), y2="world_high:Q",
        tooltip=tips("year", alt.Tooltip("world_low:Q", format=".1f", title="80% low"),
                     alt.Tooltip("world_high:Q", format=".1f", title="80% high"), "basis"))
    line = alt.Chart(lines).mark_line(point=True).encode(
        x=x, y=alt.Y("value:Q", scale=ys, title=y_title), color=colour,
        strokeDash=alt.StrokeDash("what:N", legend=None, scale=alt.Scale(domain=[WORLD, IDC, FLOOR],
                                                                         range=[[1, 0], [1, 0], [5, 3]])),
        tooltip=tips("what", "year", alt.Tooltip("value:Q", format=".2f", title="USD bn")))
    nv = t.dropna(subset=["nvidia_estimate"])
    est = alt.Chart(nv).mark_point(shape="diamond", size=70, color=WORLD_COLORS[FLOOR], filled=True).encode(
        x=x, y=alt.Y("nvidia_estimate:Q", scale=ys, title=y_title),
        tooltip=tips("year", alt.Tooltip("nvidia_estimate:Q", format=".2f", title="NVIDIA's year, estimated")))
    # each line named where it ends, with its last value
    last = lines.sort_values("year").groupby("what", sort=False).tail(1)
    short = {WORLD: "World", IDC: "IDC", FLOOR: "NVIDIA floor"}
    ends = end_labels(pd.DataFrame({"year": last["year"], "value": last["value"],
                                    "label": [f"{short[w]} {_fmt(v)}" for w, v in zip(last["what"], last["value"])],
                                    "what": last["what"]}), domain, True, 230)
    names = alt.Chart(ends).mark_text(align="left", baseline="middle", dx=7, fontSize=10).encode(
        x=alt.X("year:Q", scale=xs), y=alt.Y("label_y:Q", scale=ys), text="label:N", color=colour)
    top = alt.layer(band, line, est, names).properties(width=PLOT, height=230, title=alt.TitleParams(
        _wrap("The world's market, USD bn (band: 80%; diamond: NVIDIA's year estimated)", width=44),
        fontSize=12, anchor="start"))
    shares = pd.concat([
        t[["year", "china_share"]].rename(columns={"china_share": "share"}).assign(what=SHARE_WORLD),
        t[["year", "china_share_idc"]].rename(columns={"china_share_idc": "share"}).assign(what=SHARE_IDC),
    ]).dropna(subset=["share"])
    top_share = max(0.5, float(shares["share"].max()) * 1.1) if len(shares) else 0.5
    share_colour = alt.Color("what:N", legend=None, scale=color_scale([SHARE_WORLD, SHARE_IDC]))
    share_years = sorted(int(v) for v in set(shares["year"])) or years
    share_x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", values=share_years), scale=alt.Scale(
        domain=[share_years[0] - 0.2, share_years[-1] + 0.2], zero=False, nice=False))
    share_line = alt.Chart(shares).mark_line(point=True).encode(
        x=share_x, y=alt.Y("share:Q", title="China's share", axis=alt.Axis(format="%"),
                           scale=alt.Scale(domain=[0, stable(top_share)])),
        color=share_colour, tooltip=tips("what", "year", alt.Tooltip("share:Q", format=".1%")))
    share_last = shares.sort_values("year").groupby("what", sort=False).tail(1)
    of = {SHARE_WORLD: "of the world", SHARE_IDC: "of IDC's world"}
    share_names = alt.Chart(share_last.assign(label=[f"{of[w]} {v:.0%}" for w, v in zip(share_last["what"],
                                                                                        share_last["share"])]))\
        .mark_text(align="left", baseline="middle", dx=7, fontSize=10).encode(
            x=share_x, y=alt.Y("share:Q", scale=alt.Scale(domain=[0, stable(top_share)])), text="label:N",
            color=share_colour)
    bottom = alt.layer(share_line, share_names).properties(width=PLOT, height=120, title=alt.TitleParams(
        "China's AI-server market as a share of the world", fontSize=12, anchor="start"))
    chart = alt.vconcat(top, bottom, spacing=18).resolve_scale(color="independent", x="independent")
    return finish(chart, _wrap("The world's AI-server market cannot be smaller than what NVIDIA alone sold",
                               width=40),
                  _wrap(*run_note, width=60) + _wrap(
                      "Blue: the world triangulated from NVIDIA's data-centre revenue and share and IDC's growth, with "
                      "its 80% band, never below the floor. Black: IDC's own world path. Green dashed: NVIDIA's "
                      "data-centre revenue in whole quarters already reported; diamond: its year estimated. Below: "
                      "China's AI-server market as a share of each world figure.", width=60),
                  SOURCE_SHORT + ["NVIDIA quarterly results."],
                  "World AI-server market (USD bn): triangulated path with band, IDC's path, NVIDIA's floor; "
                  "China's share.")
