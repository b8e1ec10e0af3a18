"""The context figures drawn from the article's own figures: the GenAI adoption survey, NVIDIA's
data-centre revenue with China's share, and the GenAI share of AI-server spending."""
from __future__ import annotations

import json
import math

import altair as alt
import numpy as np
import pandas as pd

from analysis.charts.style import (LIGHT_VERMILLION, OKABE_ITO, SOURCE_2324_SHORT, SOURCE_NVIDIA, _wrap, finish,
                                   stable, tips, wrapped_labels)

def adoption_survey(figures):
    f = figures.set_index("id")
    shares = pd.DataFrame([
        dict(label="Exploring or investing in GenAI", value=f.at["art_genai_exploring", "value_clean"], qualifier="=",
             zh="开始探索生成式AI", where=f.at["art_genai_exploring", "location"]),
        dict(label="Plan a 20–40% higher GenAI budget (2024–26)", value=f.at["art_genai_raisers", "value_clean"],
             qualifier="more than", zh="超过七成企业增幅达到20%-40%", where=f.at["art_genai_raisers", "location"]),
    ])
    shares["shown"] = [("more than " if q == "more than" else "") + f"{v:.0f}%" for v, q in zip(shares["value"], shares["qualifier"])]
    explore, raise_ = shares["value"]
    bars = alt.Chart(shares).mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X("value:Q", title="Share of firms (%)", scale=alt.Scale(domain=[0, 100]),
                  axis=alt.Axis(values=[0, 20, 40, 60, 80, 100])),
        y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelExpr=wrapped_labels(shares["label"], 22))),
        tooltip=tips("label", "zh", "qualifier", "value", "where"))
    text = bars.mark_text(align="left", dx=4).encode(text="shown:N")
    rng = pd.DataFrame([dict(label="Planned increase in GenAI investment", low=f.at["art_genai_increase_low", "value_clean"],
                             high=f.at["art_genai_increase_high", "value_clean"], zh="投入增幅 20%-40%",
                             where=f.at["art_genai_increase_low", "location"])])
    band = alt.Chart(rng).mark_bar(color=OKABE_ITO[1], height=18).encode(
        x=alt.X("low:Q", title="Planned increase over three years (%)", scale=alt.Scale(domain=[0, 100]),
                  axis=alt.Axis(values=[0, 20, 40, 60, 80, 100])), x2="high:Q",
        y=alt.Y("label:N", title=None, axis=alt.Axis(labelExpr=wrapped_labels(rng["label"], 22))),
        tooltip=tips("label", "zh", "low", "high", "where"))
    chart = alt.vconcat((bars + text).properties(width=210, height=90), band.properties(width=210, height=44))
    return finish(chart, _wrap("Two in three Chinese firms are already exploring generative AI", width=40),
                  _wrap(f"IDC survey: {explore:.0f}% of Chinese firms explore GenAI or invest in it; over {raise_:.0f}% "
                        "plan to raise that investment by 20–40%.",
                        f"The article does not say what the 'over {raise_:.0f}%' is a share of: of all firms surveyed, or "
                        f"of the {explore:.0f}% already exploring (then more than {math.floor(explore * raise_ / 100)}% "
                        "of all).",
                        f"The article's headline ('seven in ten') rounds the {explore:.0f}% up.", width=62),
                  SOURCE_2324_SHORT, "Adoption survey: share of enterprises exploring GenAI and planned investment increase.")



def nvidia_revenue(figures, audit):
    q = figures[(figures["indicator"] == "nvidia_dc_revenue") & (figures["measure"] == "level")
                & (figures["table"] == "published_figures")].copy()
    q = q.sort_values("year_end").sort_values("period", key=lambda s: s.str.slice(2, 4) + s.str.slice(-1))
    order = list(q["period"])
    # each fiscal quarter with its calendar months (NVIDIA's fiscal year FYnn runs February 20nn-1 to January 20nn)
    label = {p: [p, *_calendar_months(p).split(" ", 1)] for p in order}
    lookup = "{" + ", ".join(f"{json.dumps(p)}: {json.dumps(v, ensure_ascii=False)}" for p, v in label.items()) + "}"
    top = float(q["value_clean"].max())
    ys = alt.Scale(domain=[0, math.ceil(top * 1.3)], nice=False)
    bars = alt.Chart(q).mark_bar(color=OKABE_ITO[2]).encode(
        x=alt.X("period:N", title="NVIDIA fiscal quarter (calendar months)", sort=order,
                axis=alt.Axis(labelAngle=0, labelExpr=f"{lookup}[datum.value]", labelPadding=4, labelFontSize=10)),
        y=alt.Y("value_clean:Q", title="Data-centre revenue (USD bn)", scale=ys),
        tooltip=tips("period", alt.Tooltip("value_clean:Q", title="USD bn"), "note"))
    share = figures[figures["indicator"] == "nvidia_china_share"]
    rng = []
    for period in ("FY24 Q2", "FY24 Q3"):
        rev = float(q.loc[q["period"] == period, "value_clean"].iloc[0])
        lo = float(share["value_clean"].min()) / 100 * rev
        hi = float(share["value_clean"].max()) / 100 * rev
        rng.append(dict(period=period, zero=0.0, low=lo, high=hi, label="China: 20–25% of DC revenue"))
    rng = pd.DataFrame(rng)
    tip = tips("label", "period", alt.Tooltip("low:Q", format=".2f", title="20% (USD bn)"),
               alt.Tooltip("high:Q", format=".2f", title="25% (USD bn)"))
    china = alt.layer(
        alt.Chart(rng).mark_bar(color=OKABE_ITO[3]).encode(x=alt.X("period:N", sort=order), y="zero:Q",
                                                                     y2="low:Q", tooltip=tip),
        alt.Chart(rng).mark_bar(color=LIGHT_VERMILLION).encode(x=alt.X("period:N", sort=order),
                                                                                    y="low:Q", y2="high:Q", tooltip=tip))
    a = audit.set_index("check_id")
    last = q.iloc[-1]
    # the article's claim, attached to the bar it is about
    note = pd.DataFrame([dict(period=last["period"], y=float(last["value_clean"]),
                              text=f"stated +{a.at['nvidia_yoy_324', 'stated']:.0f}% YoY;\nfilings give "
                                   f"+{a.at['nvidia_yoy_324', 'recomputed']:.0f}%")])
    txt = alt.Chart(note).mark_text(align="right", baseline="bottom", dx=12, dy=-19, fontSize=11, lineBreak="\n").encode(
        x=alt.X("period:N", sort=order), y=alt.Y("y:Q", scale=ys), text="text:N")
    chart = alt.layer(bars, china, txt).properties(width=320, height=260)
    return finish(chart, _wrap("NVIDIA's data-centre revenue nearly quadrupled in a year", width=40),
                  _wrap("Green: data-centre revenue by quarter. Vermillion: China's part at a 20% share; light "
                        "vermillion: up to 25% (FY24 Q2–Q3).",
                        f"The article's '+{a.at['nvidia_yoy_324', 'stated']:.0f}%' cannot be derived from the revenue "
                        f"figures: {a.at['nvidia_yoy_324', 'formula']} = +{a.at['nvidia_yoy_324', 'recomputed']:.0f}%.",
                        width=62),
                  _wrap(*SOURCE_NVIDIA, width=62), "NVIDIA data-centre revenue 英伟达数据中心收入 by fiscal quarter with China's share range.")


MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _calendar_months(period: str) -> str:
    """NVIDIA's "FY24 Q3" as its calendar months, "Aug–Oct 2023" (FY24 runs from February 2023)."""
    fy, q = int(period[2:4]), int(period[-1])
    first = 1 + 3 * (q - 1)  # months after January of the calendar year before the fiscal year's
    start_year, start = 2000 + fy - 1 + first // 12, first % 12
    end_year, end = 2000 + fy - 1 + (first + 2) // 12, (first + 2) % 12
    years = f"{start_year}" if start_year == end_year else f"{start_year}–{end_year % 100:02d}"
    return f"{MONTHS[start]}–{MONTHS[end]} {years}"


def genai_share(figures):
    f = figures.set_index("id")
    a, b = f.at["art_genai_share_2023", "value_clean"], f.at["art_genai_share_2026", "value_clean"]
    years = np.arange(2023, 2027)
    path = pd.DataFrame({"year": years, "share": stable(a * (b / a) ** ((years - 2023) / 3)),
                         "kind": [{2023: "estimate (stated)", 2026: "forecast (stated)"}.get(y, "interpolated (constant growth)")
                                  for y in years]})
    line = alt.Chart(path).mark_line(strokeDash=[4, 3], color=OKABE_ITO[4]).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="GenAI servers' share (%)",
                                                 scale=alt.Scale(domain=[0, 40])))
    # the stated points are the large, filled, labelled ones; the interpolated years are small and hollow
    path["stated"] = path["kind"].str.endswith("(stated)")
    pts = alt.Chart(path).mark_point(strokeWidth=1.5, opacity=1).encode(
        x="year:O", y="share:Q", color=alt.value(OKABE_ITO[4]),
        shape=alt.Shape("kind:N", title=None, legend=alt.Legend(direction="vertical"), scale=alt.Scale(
            domain=["estimate (stated)", "forecast (stated)", "interpolated (constant growth)"],
            range=["triangle-up", "diamond", "circle"])),
        size=alt.Size("stated:N", legend=None, scale=alt.Scale(domain=[True, False], range=[220, 36])),
        fill=alt.condition("datum.stated", alt.value(OKABE_ITO[4]), alt.value("#ffffff")),
        tooltip=tips("year", alt.Tooltip("share:Q", format=".1f"), "kind"))
    text = alt.Chart(path[path["stated"]]).mark_text(dy=-16, fontSize=13, fontWeight="bold").encode(
        x="year:O", y="share:Q", text=alt.Text("share:Q", format=".1f"))
    chart = alt.layer(line, pts, text).properties(width=280, height=240)
    return finish(chart, _wrap(f"Generative AI's share of global AI-server spending: {a:.1f}% in 2023, {b:.1f}% "
                               "stated for 2026", width=40),
                  _wrap(f"Stated: {a:.1f}% (2023) and {b:.1f}% (2026). Between them, a constant-growth interpolation "
                        f"(about {((b / a) ** (1 / 3) - 1) * 100:.0f}% a year), drawn dashed because the report gives no "
                        "yearly path.", width=62),
                  SOURCE_2324_SHORT, "Global GenAI server share 生成式AI服务器占比, 2023 to 2026.")


