"""The shared style of every figure: ONE colour map (model, edition, verdict, city → colour), the
palettes, the font, the source lines, human tooltip titles, and :func:`finish`, which gives every
chart its title, subtitle, source and configuration.

Why one module: a colour chosen in one chart and another in the next is how log-linear came to wear
the nowcast's blue in ``model_comparison``. Every chart takes its colours from :func:`color_of` or
:func:`color_scale` here, and ``tests/test_colours.py`` compiles every committed spec to Vega and
checks that each label has one colour across all scales and all figures.
"""
from __future__ import annotations

import re

import altair as alt
import numpy as np

from analysis import fonts
from analysis.domain import MODEL_LABELS

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
GREY = "#6b6b6b"
LIGHT_VERMILLION = "#F2B48F"  # Okabe–Ito vermillion mixed with white: a solid tint, never blended with what lies under it
# The family alone, no fallback list: vl-convert measures and draws every label with the shipped
# font, and browsers get the same font from the data: URIs, so labels fit where they were measured.
FONT = fonts.FAMILY
WIDTH = 600
SOURCE_2324 = ["Source: IDC & Inspur, 2023–2024 China AI Computing Power Development Assessment Report,",
               "as reported by Shuzhi Qianxian (2023-12-07); transcription and analysis: suanli."]
SOURCE_EDITIONS = ["Source: IDC & Inspur, China AI Computing Power Development Assessment Reports, 2019–20 to",
                   "2023–24 editions; Shuzhi Qianxian (2023-12-07); transcription and analysis: suanli."]
#: The source line of a narrow (phone-width) figure.
SOURCE_SHORT = ["Source: IDC & Inspur, China AI Computing Power Development",
                "Assessment Reports, 2019–20 to 2023–24; IDC releases;",
                "Shuzhi Qianxian (2023-12-07); analysis: suanli."]
SOURCE_2324_SHORT = ["Source: IDC & Inspur, 2023–2024 China AI Computing Power",
                     "Development Assessment Report, as reported by Shuzhi",
                     "Qianxian (2023-12-07); transcription and analysis: suanli."]
SOURCE_NVIDIA = ["Source: NVIDIA quarterly results; Shuzhi Qianxian (2023-12-07); suanli audit."]
MODEL_ORDER = ["drift", "decay", "nowcast", "loglinear", "ets", "combination", "scenario"]
#: Line colours chosen to stay apart under protanopia and deuteranopia as well as in full colour
#: (Okabe–Ito's orange and vermillion merge for deuteranopes; tests/test_reading.py simulates both
#: with Machado et al.'s matrices and asserts a minimum CIELAB distance between every pair drawn).
MODEL_COLORS = {"drift": "#332288", "decay": "#E69F00", "nowcast": "#2200FF", "loglinear": "#56B4E9",
                "ets": "#8B4513", "combination": "#009E73", "scenario": "#AA44FF"}
#: Direct labels at the end of each model's line (with its final value); the legend is not needed.
END_NAMES = {"drift": "Drift", "decay": "Decay", "nowcast": "Nowcast", "loglinear": "Log-linear", "ets": "ETS",
             "combination": "Combination", "scenario": "Scenario"}
#: Five colours for categories (cities, verdicts) that stay apart under the same simulation.
DISTINCT = ["#332288", "#E69F00", "#009E73", "#8B4513", "#56B4E9"]
#: Verdicts of the audit, each with its colour (the inconsistent one vermillion, the only warm colour).
VERDICT_COLORS = {"consistent": "#009E73", "consistent within rounding": "#56B4E9", "revised": "#332288",
                  "depends on the reading": "#AA44FF", "inconsistent": "#D55E00"}
#: The two kinds of forecaster of the real-time record.
FORECASTER_COLORS = {"Editions and releases": "#000000", "This compendium's models": "#0072B2"}
#: The world market's triangulation: the world blue, IDC (the report's source) black, NVIDIA's
#: data-centre revenue green and China vermillion, as in the NVIDIA figure.
WORLD_COLORS = {"World, triangulated": "#0072B2", "IDC's own world path": "#000000",
                "NVIDIA's data-centre revenue (floor)": "#009E73", "China, of the triangulated world": "#D55E00",
                "China, of IDC's world": "#6b6b6b"}
#: Decorations a legend may add to a label without changing what it names: " (n = 3)", and the
#: scenario's rate or log-linear's "dashed" note, both in a trailing parenthesis after a model name.
DECORATION = re.compile(r"\s*\((?:n = [0-9]+|[0-9]+% a year|dashed[^)]*)\)$")


def _colour_map() -> dict[str, str]:
    """THE colour map: every label any chart colours by, to its one colour. A model is known by its
    id, its legend label and its end label; verdicts and forecasters by their labels."""
    out = {}
    for m, c in MODEL_COLORS.items():
        out[m] = out[MODEL_LABELS[m]] = out[END_NAMES[m]] = c
    out["report_path"] = out[MODEL_LABELS["report_path"]] = out["Report"] = REPORT_COLOR
    out.update(VERDICT_COLORS)
    out.update(FORECASTER_COLORS)
    out.update(WORLD_COLORS)
    return out


def wrapped_labels(labels, width: int) -> str:
    """A Vega ``labelExpr`` that draws each of ``labels`` on lines of at most ``width`` characters
    (an axis label longer than a phone allows, kept whole rather than cut off)."""
    import json
    import textwrap

    table = {str(label): textwrap.wrap(str(label), width) for label in labels}
    return json.dumps(table, ensure_ascii=False, sort_keys=True) + "[datum.value] || datum.label"


def halo(text):
    """A text layer drawn over a white outline of itself, so that a line passing under a label
    never strikes through it."""
    props = {k: v for k, v in text.mark.to_dict().items() if k != "type"}
    outline = text.mark_text(**{**props, "stroke": "#ffffff", "strokeWidth": 3, "strokeJoin": "round"})
    return alt.layer(outline, text)


def tint(colour: str, strength: float) -> str:
    """``colour`` mixed with white (``strength`` 1: the colour itself): a solid, opaque tint."""
    rgb = [int(colour[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(255 + (c - 255) * strength):02X}" for c in rgb)


def bare(label: str) -> str:
    """A label without its decorations ("Drift (n = 3)" → "Drift")."""
    return DECORATION.sub("", str(label))


def color_of(label: str) -> str:
    """The one colour of ``label`` (a model id or label, a verdict, a kind of forecaster), whatever
    decoration it carries; an unknown label is an error, never a colour picked from a cycle."""
    return COLORS[bare(label)]


def color_scale(labels) -> alt.Scale:
    """An ordinal colour scale over ``labels`` that gives each its colour from :data:`COLORS`,
    listed in full: Vega never has to cycle a range."""
    labels = list(labels)
    return alt.Scale(domain=labels, range=[color_of(label) for label in labels])


# One visual grammar for what a number is, in every forecast figure: the shape says what the number
# is, the fill whether it was used for fitting; the report's own figures are black (its path dashed,
# its stated forecast a diamond); this compendium's models are coloured lines.
KIND_SHAPES = {"actual": "circle", "estimate": "triangle-up", "derived": "square"}
KIND_LABELS = {"actual": "Actual", "estimate": "Estimate (report)", "derived": "Derived from stated figures"}
REPORT_COLOR = "#000000"
SERIES_ZH = {"ai_server_market": "人工智能服务器市场", "intelligent_compute": "智能算力", "general_compute": "通用算力"}
CITY_ZH = {"Beijing": "北京", "Hangzhou": "杭州", "Shenzhen": "深圳", "Shanghai": "上海", "Guangzhou": "广州",
           "Hefei": "合肥", "Suzhou": "苏州", "Chongqing": "重庆", "Nanjing": "南京", "Xi'an": "西安", "Jinan": "济南",
           "Chengdu": "成都", "Wuhan": "武汉", "Tianjin": "天津"}


#: What a tooltip calls each field: people's words, never a column name (the data keep the ids).
FIELD_TITLES = {
    "model": "model id", "model_label": "model", "year": "year", "level": "interval level", "lower": "lower bound",
    "upper": "upper bound", "median": "median", "distribution": "distribution", "label": "what", "line": "line",
    "series_zh": "series (Chinese)", "value": "value", "unit": "unit", "kind": "kind of figure", "vintage": "edition",
    "id": "figure id", "status": "used for fitting?", "what": "what", "zh": "in the article (Chinese)",
    "qualifier": "qualifier", "where": "where in the article", "low": "from (%)", "high": "to (%)", "entity": "name",
    "entity_zh": "name (Chinese)", "rank": "rank", "location": "where published", "period": "period", "note": "note",
    "share": "share (%)", "check_id": "check id", "description": "check", "stated": "stated", "recomputed": "recomputed",
    "formula": "formula", "precision": "precision of the figures", "rule": "rule", "verdict": "verdict",
    "comment": "comment", "sigma_source": "the report's figures", "value_clean": "value", "tolerance_pct": "tolerance (%)",
}



def tips(*fields) -> list:
    """Tooltips with human titles: a field name (optionally ``name:T``) is titled from
    :data:`FIELD_TITLES`; an ``alt.Tooltip`` without a title gets one the same way."""
    out = []
    for f in fields:
        if isinstance(f, str):
            name = f.split(":")[0]
            out.append(alt.Tooltip(f, title=FIELD_TITLES.get(name, name.replace("_", " "))))
        else:
            if f._get("title") is alt.Undefined:
                name = str(f._get("shorthand") if f._get("field") is alt.Undefined else f._get("field")).split(":")[0]
                f = f.copy()
                f.title = FIELD_TITLES.get(name, name.replace("_", " "))
            out.append(f)
    return out


def finish(chart, title: str, subtitle: str | list[str], source: list[str], description: str):
    lines = [subtitle] if isinstance(subtitle, str) else list(subtitle)
    return (chart.properties(title=alt.TitleParams(title, subtitle=lines + list(source), anchor="start",
                                                   subtitleColor=GREY, fontSize=15, subtitleFontSize=11),
                             description=description)
            .configure(font=FONT)
            .configure_range(category=OKABE_ITO)
            .configure_view(stroke=None)
            .configure_axis(labelFontSize=11, titleFontSize=11, gridColor="#e6e6e6", labelLimit=320)
            .configure_legend(labelFontSize=11, titleFontSize=11, orient="bottom", labelLimit=320))



def _wrap(*sentences: str, width: int = 118) -> list[str]:
    """Subtitle sentences as lines of at most ``width`` characters."""
    import textwrap

    return textwrap.wrap(" ".join(s for s in sentences if s), width=width, break_on_hyphens=False)



def _fmt(value: float) -> str:
    """A value as a label shows it: whole numbers from 20 up, one decimal below (no false precision)."""
    return f"{value:,.0f}" if abs(value) >= 20 else f"{value:.1f}"


SPEC_DIGITS = 9  # significant digits of a position the drawing code computes (see stable())


def stable(values):
    """``values`` (a number or a sequence) rounded to :data:`SPEC_DIGITS` significant digits.

    A position computed with a logarithm or an exponential (a log axis's domain, a dodged label)
    can differ in its last bit between machines: numpy's vectorised ``exp`` and ``log`` take
    another code path on a CPU with AVX-512 than on one without. Written into a spec unrounded,
    that bit changed the committed ``compute_growth.vl.json`` on another machine. Rounded, the
    position moves by under a billionth of the axis (nothing drawn changes), and a last-bit
    difference reaches the spec only if it straddles a rounding boundary (odds of about 1 in 10⁷)."""
    if np.ndim(values) == 0:
        return float(f"{float(values):.{SPEC_DIGITS}g}")
    return [float(f"{float(v):.{SPEC_DIGITS}g}") for v in values]



#: The editions' and releases' colour ramp: the later an edition was published, the darker its line
#: (from the first transcribed release, 2017, to the article, 2023-12-07).
VINTAGE_RAMP = ("#9DB9D8", "#08306B")
VINTAGE_SPAN = ("2017-01-01", "2023-12-31")


def vintage_color(published: str) -> str:
    """An edition's or release's one colour, from the day it was published (the same in every chart)."""
    import datetime as dt

    lo, hi = (dt.date.fromisoformat(d).toordinal() for d in VINTAGE_SPAN)
    t = min(max((dt.date.fromisoformat(str(published)[:10]).toordinal() - lo) / (hi - lo), 0.0), 1.0)
    a, b = ([int(c[i:i + 2], 16) for i in (1, 3, 5)] for c in VINTAGE_RAMP)
    return "#" + "".join(f"{round(x + (y - x) * t):02X}" for x, y in zip(a, b))


def vintage_scale(labels, published) -> alt.Scale:
    """An ordinal colour scale over editions' ``labels``, each coloured by its publication date."""
    return alt.Scale(domain=list(labels), range=[vintage_color(p) for p in published])


#: label → colour, for every chart (see :func:`color_of`).
COLORS = _colour_map()
