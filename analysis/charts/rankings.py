"""The rankings of the editions: cities by AI compute and industries by AI penetration, as
slopegraphs that dash a segment across an edition with no ranking for that entity."""
from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts.style import CITY_ZH, DISTINCT, OKABE_ITO, SOURCE_SHORT, _wrap, finish, halo, tips

def rank_segments(frame: pd.DataFrame, periods: list, period: str = "period") -> pd.DataFrame:
    """Each entity's line as segments between the editions it appears in, one row per end, with
    ``gap`` true where the segment skips an edition that does not rank the entity (drawn dashed,
    so no line claims a rank in a year with no data) and ``segment`` naming the segment."""
    rows = []
    for entity, g in frame.groupby("entity", sort=True):
        g = g.assign(edition_index=g[period].map(periods.index)).sort_values("edition_index")
        pts = g.to_dict("records")
        for k, (a, b) in enumerate(zip(pts, pts[1:])):
            gap = b["edition_index"] - a["edition_index"] > 1
            for p in (a, b):
                rows.append({**p, "segment": f"{entity} {k}", "gap": "no ranking between" if gap else "adjacent"})
    cols = list(frame.columns) + ["segment", "gap"]
    return pd.DataFrame(rows, columns=cols + ["edition_index"]).drop(columns="edition_index")


#: The stroke of a segment that skips an edition: dashed.
GAP_DASH = alt.StrokeDash("gap:N", legend=None, scale=alt.Scale(domain=["adjacent", "no ranking between"],
                                                                range=[[1, 0], [3, 3]]))


def industry_ranking(rankings):
    r = rankings[rankings["ranking"] == "industry_penetration"].copy()
    r["year"] = r["period"].astype(int)
    r["highlight"] = np.where(r["entity"] == "Telecom", "Telecom", "Other industries")
    r["name"] = r["entity"] + " " + r["entity_zh"].fillna("")
    years = sorted(set(r["year"]))
    # a year axis, so that 2019 to 2022 is three years wide and 2022 to 2023 one
    xs = alt.Scale(domain=[years[0] - 0.4, years[-1] + 0.4], nice=False, zero=False)
    x = alt.X("year:Q", title="Year of the ranking", scale=xs, axis=alt.Axis(values=years, format="d", labelAngle=0))
    y = alt.Y("rank:Q", title="Rank in AI penetration (1 = highest)", scale=alt.Scale(reverse=True, domain=[0.5, 8.5], nice=False),
              axis=alt.Axis(tickMinStep=1))
    color = alt.Color("highlight:N", title=None, scale=alt.Scale(domain=["Telecom", "Other industries"],
                                                                 range=[OKABE_ITO[3], "#9a9a9a"]))
    color = color.legend(None)
    tip = tips("entity", "entity_zh", "year", "rank", "vintage", "location")
    segs = rank_segments(r, years, "year")
    lines = alt.Chart(segs).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, detail="segment:N",
                                                           strokeDash=GAP_DASH)
    dots = alt.Chart(r).mark_point(filled=True, size=40, opacity=1).encode(x=x, y=y, color=color, tooltip=tip)
    # each industry named once, where its line ends (a slopegraph read from the right)
    ends = r.sort_values("year").groupby("entity").tail(1)
    labels = alt.Chart(ends).mark_text(align="left", dx=8).encode(x=x, y=y, text="name:N", color=color)
    middle = r[~r["year"].isin([years[0], years[-1]]) & (r["entity"] != "Telecom")]  # telecom is followed by colour
    mid = halo(alt.Chart(middle).mark_text(align="left", dx=7, dy=-9, fontSize=10).encode(x=x, y=y, text="entity:N",
                                                                                          color=color))
    chart = alt.layer(lines, dots, labels, mid).properties(width=190, height=280)
    tel = r[r["entity"] == "Telecom"].sort_values("year")
    ordinal = lambda n: f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"  # noqa: E731
    steps = " to ".join(f"{ordinal(int(k))} ({int(y)})" for y, k in zip(tel["year"], tel["rank"]))
    title = f"Telecom's rise: {steps} in AI penetration" if len(tel) > 1 else "Industry AI penetration"
    return finish(chart, _wrap(title, width=40),
                  _wrap("Industry AI-penetration ranking of the IDC–Inspur reports; 2022 is known for telecom only, so the "
                        "other industries' lines are dashed across it. Ranks 6–8 of 2023 (transport, services, education) "
                        "are not corroborated elsewhere.", width=62),
                  SOURCE_SHORT, "Industry AI penetration ranking 人工智能行业渗透度排名, 2019 to 2023.")



def city_ranking(rankings):
    """Yearly editions as a slopegraph (the composite's top five coloured, every city named once,
    where its line ends), and below it the 2018–2022 composite as its own panel: a five-year
    composite is not a next year. A city missing from an edition's list is
    joined across it by a dashed segment, never a line through an invented rank."""
    r = rankings[rankings["ranking"] == "city_ai_compute"].copy()
    composite = "2018-2022"
    years = sorted(p for p in set(r["period"]) if p != composite)
    top = list(r[r["period"] == composite].sort_values("rank")["entity"])
    r["name"] = r["entity"] + " " + r["entity"].map(CITY_ZH).fillna("")
    names = [r.loc[r["entity"] == c, "name"].iloc[0] for c in top]
    r["group"] = np.where(r["entity"].isin(top), r["name"], "other cities")
    y = alt.Y("rank:Q", title="Rank (1 = highest)", scale=alt.Scale(reverse=True, domain=[0.5, 10.5], nice=False),
              axis=alt.Axis(tickMinStep=1, values=list(range(1, 11))))
    color = alt.Color("group:N", title="City (composite's top five)",
                      scale=alt.Scale(domain=names + ["other cities"], range=DISTINCT[:len(names)] + ["#a9a9a9"]),
                      legend=None)
    tip = tips("entity", "period", "rank", "vintage", "location")
    yearly = r[r["period"] != composite]
    x = alt.X("period:O", title="Yearly ranking (edition's year)", sort=years, scale=alt.Scale(padding=0.3, domain=years),
              axis=alt.Axis(labelAngle=0))
    yearly = yearly.assign(highlight=yearly["entity"].isin(top).astype(int))  # highlighted lines drawn on top
    segs = rank_segments(yearly, years).sort_values("highlight", kind="stable")
    lines = alt.Chart(segs).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, detail="segment:N",
                                                           strokeDash=GAP_DASH, order=alt.Order("highlight:Q"))
    dots = alt.Chart(yearly).mark_point(filled=True, size=36, opacity=1).encode(x=x, y=y, color=color, tooltip=tip)
    # each city named once, where its line ends: right of the last edition, or beside its last dot
    ends = yearly.assign(order=yearly["period"].map(years.index)).sort_values("order").groupby("entity").tail(1)
    right = alt.Chart(ends[ends["period"] == years[-1]]).mark_text(align="left", dx=8, fontSize=10).encode(
        x=x, y=y, text="name:N", color=color)
    mid = halo(alt.Chart(ends[ends["period"] != years[-1]]).mark_text(align="left", dx=7, dy=-8, fontSize=10).encode(
        x=x, y=y, text="name:N", color=color))
    comp = r[r["period"] == composite].assign(panel="2018–2022 composite")
    cy = alt.Y("rank:Q", title="Rank", scale=alt.Scale(reverse=True, domain=[0.5, len(comp) + 0.5], nice=False),
               axis=alt.Axis(values=list(range(1, len(comp) + 1))))
    cx = alt.X("panel:N", title=None, axis=None)
    comp_pts = alt.Chart(comp).mark_point(filled=True, size=80, opacity=1).encode(x=cx, y=cy, color=color, tooltip=tip)
    comp_txt = alt.Chart(comp).mark_text(align="left", dx=9, fontSize=10).encode(x=cx, y=cy, text="name:N", color=color)
    chart = alt.vconcat(alt.layer(lines, dots, right, mid).properties(width=190, height=300),
                        alt.layer(comp_pts, comp_txt).properties(width=60, height=22 * len(comp), title=alt.TitleParams(
                            "The 2018–2022 five-year composite (its top five)", fontSize=12, anchor="start")),
                        spacing=24).resolve_scale(x="independent", y="independent")
    return finish(chart, _wrap("Beijing leads China's city AI-compute rankings in every edition", width=40),
                  _wrap("Top: the top-10 city rankings of the 2019–2021 editions, each city named where its line ends; "
                        "below: the 2018–2022 five-year composite, whose top five are coloured. Dashed: a city absent "
                        "from the list between (Nanjing, 9th in 2019 and 4th in 2021, is not in the 2020 list). The "
                        "2020 list's 10th city and the composite's ranks 6–10 are not published.", width=62),
                  SOURCE_SHORT, "City AI computing power ranking 城市人工智能算力排名 across editions.")
