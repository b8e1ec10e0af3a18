"""The world AI-server market's triangulation, drawn: the world path with its band, IDC's own
path, NVIDIA's floor, and China's share of the world.

Why this module exists: the bound on China's AI-server market is the compendium's own
triangulation (:mod:`analysis.world`), not a consensus figure, and a reader should see why: IDC's
world path lies below what NVIDIA alone sold in 2023. It is a module of its own (the drawing
helpers come from :mod:`analysis.charts`) so that the triangulation's figure moves with it.
"""
from __future__ import annotations

import altair as alt
import pandas as pd

from analysis.charts import GREY, OKABE_ITO, SOURCE_EDITIONS, SOURCE_NVIDIA, WIDTH, finish, tips

WORLD_COLOR, IDC_COLOR, NVIDIA_COLOR, CHINA_COLOR = OKABE_ITO[0], OKABE_ITO[1], OKABE_ITO[2], OKABE_ITO[3]


def world_triangulation(table: pd.DataFrame, run_note: list[str] = ()):
    """Two panels: the world path (band, centre), IDC's path and NVIDIA's floor and yearly
    estimate (USD bn, log scale); and China's share of the world, triangulated and IDC's."""
    t = table.sort_values("year")
    years = [int(v) for v in t["year"]]
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", values=years),
              scale=alt.Scale(domain=[min(years), max(years)], zero=False, nice=False))
    values = pd.concat([t["world_low"], t["world_high"], t["idc_world"], t["nvidia_floor"]]).dropna()
    y_scale = alt.Scale(type="log", domain=[float(values.min()) * 0.9, float(values.max()) * 1.1], nice=False)
    y_title = "World AI-server market (USD bn), log scale"
    y = alt.Y("value:Q", title=y_title, scale=y_scale)
    lines = pd.concat([
        t[["year", "world"]].rename(columns={"world": "value"}).assign(what="World, triangulated (80% band)"),
        t[["year", "idc_world"]].rename(columns={"idc_world": "value"}).assign(what="IDC's own world path"),
        t[["year", "nvidia_floor"]].rename(columns={"nvidia_floor": "value"}).assign(
            what="Floor: NVIDIA's data-centre revenue already sold"),
    ]).dropna(subset=["value"])
    colors = alt.Scale(domain=["World, triangulated (80% band)", "IDC's own world path",
                               "Floor: NVIDIA's data-centre revenue already sold"],
                       range=[WORLD_COLOR, IDC_COLOR, NVIDIA_COLOR])
    band = alt.Chart(t).mark_area(color=WORLD_COLOR, opacity=0.18).encode(
        x=x, y=alt.Y("world_low:Q", scale=y_scale, title=y_title), y2="world_high:Q",
        tooltip=tips("year", alt.Tooltip("world_low:Q", format=".1f", title="80% low"),
                     alt.Tooltip("world_high:Q", format=".1f", title="80% high"), "basis"))
    line = alt.Chart(lines).mark_line(point=True).encode(
        x=x, y=y, color=alt.Color("what:N", scale=colors, title=None),
        strokeDash=alt.condition(alt.datum.what == "Floor: NVIDIA's data-centre revenue already sold",
                                 alt.value([5, 3]), alt.value([1, 0])),
        tooltip=tips("what", "year", alt.Tooltip("value:Q", format=".2f", title="USD bn")))
    nv = t.dropna(subset=["nvidia_estimate"])
    est = alt.Chart(nv).mark_point(shape="diamond", size=70, color=NVIDIA_COLOR, filled=True).encode(
        x=x, y=alt.Y("nvidia_estimate:Q", scale=y_scale, title=y_title),
        tooltip=tips("year", alt.Tooltip("nvidia_estimate:Q", format=".2f", title="NVIDIA's year, estimated")))
    top = alt.layer(band, line, est).properties(width=WIDTH, height=260)
    shares = pd.concat([
        t[["year", "china_share"]].rename(columns={"china_share": "share"}).assign(what="of the triangulated world"),
        t[["year", "china_share_idc"]].rename(columns={"china_share_idc": "share"}).assign(what="of IDC's world"),
    ]).dropna(subset=["share"])
    bottom = alt.Chart(shares).mark_line(point=True).encode(
        x=x, y=alt.Y("share:Q", title="China's share of the world", axis=alt.Axis(format="%"),
                     scale=alt.Scale(domain=[0, max(0.5, float(shares["share"].max()) * 1.1) if len(shares) else 0.5])),
        color=alt.Color("what:N", scale=alt.Scale(domain=["of the triangulated world", "of IDC's world"],
                                                  range=[CHINA_COLOR, GREY]), title="China's AI-server market"),
        tooltip=tips("what", "year", alt.Tooltip("share:Q", format=".1%"))).properties(width=WIDTH, height=140)
    chart = alt.vconcat(top, bottom).resolve_scale(color="independent")
    return finish(chart, "The world's AI-server market cannot be smaller than what NVIDIA alone sold",
                  list(run_note) + [
                      "Blue: the world triangulated from NVIDIA's data-centre revenue and share and IDC's growth, with "
                      "its 80% band, never below the floor.",
                      "Orange: IDC's own world path. Green dashed: NVIDIA's data-centre revenue in whole quarters "
                      "already reported; diamond: its year estimated.",
                      "Below: China's AI-server market as a share of each world figure."],
                  SOURCE_EDITIONS + SOURCE_NVIDIA,
                  "World AI-server market (USD bn): triangulated path with band, IDC's path, NVIDIA's floor; "
                  "China's share.")
