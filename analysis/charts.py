"""Charts: every figure of the compendium as an Altair chart, and one exporter for all formats.

Conventions, applied by :func:`finish` to every chart:

* a title, a subtitle that says what to see, and a source line naming the report edition and
  the article (the last subtitle line);
* axis titles with units; the Okabe–Ito palette, which stays distinguishable under the common
  colour-vision deficiencies; tooltips on every mark in the interactive HTML;
* English first, with the report's own Chinese terms where they help a reader (智能算力 and
  通用算力 in the compute panels, 人工智能服务器 in the market chart, city and industry names in
  the rankings), all set in the project's font, Suanli Sans (see :mod:`analysis.fonts`): the
  only family any chart names, shipped in ``fonts/`` and registered with vl-convert, so no
  host font can change a byte of the SVG or PNG.

:func:`export` writes SVG (with its own subset of the font embedded, so it looks the same in
any browser, even through ``<img>``), PNG (2×), Vega-Lite JSON and standalone HTML with Vega
and the font inlined (no network request) through vl-convert, byte-deterministically, each
file atomically.
"""
from __future__ import annotations

import hashlib
import json
import math
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from analysis import fonts
from analysis.base.atomic import write_bytes, write_text
from analysis.domain import (DEFAULT_AS_OF, LAST_DATA_YEAR, MODEL_LABELS, REPORT_EDITION, REPORT_HORIZON,
                             SERIES_LABELS, enough, headline_level)

#: SHA-256 of this module's source as it was imported: the drawing code running in this process
#: (part of :mod:`analysis.figure_cache`'s key).
SOURCE_SHA256 = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()

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
SOURCE_NVIDIA = ["Source: NVIDIA quarterly results; Shuzhi Qianxian (2023-12-07); suanli audit."]
MODEL_ORDER = ["drift", "decay", "nowcast", "loglinear", "ets", "combination", "scenario"]
#: Line colours chosen to stay apart under protanopia and deuteranopia as well as in full colour
#: (Okabe–Ito's orange and vermillion merge for deuteranopes; tests/test_charts.py simulates both
#: with Machado et al.'s matrices and asserts a minimum CIELAB distance between every pair drawn).
MODEL_COLORS = {"drift": "#332288", "decay": "#E69F00", "nowcast": "#2200FF", "loglinear": "#56B4E9",
                "ets": "#8B4513", "combination": "#009E73", "scenario": "#AA44FF"}
#: Direct labels at the end of each model's line (with its final value); the legend is not needed.
END_NAMES = {"drift": "Drift", "decay": "Decay", "nowcast": "Nowcast", "loglinear": "Log-linear", "ets": "ETS",
             "combination": "Combination", "scenario": "Scenario"}
#: Five colours for categories (cities, verdicts) that stay apart under the same simulation.
DISTINCT = ["#332288", "#E69F00", "#009E73", "#8B4513", "#56B4E9"]
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


def _svg_png_renderer(spec, **meta):
    from altair.vegalite.v6.display import png_renderer, svg_renderer

    bundle = dict(svg_renderer(spec, **meta))
    png = png_renderer(spec, **meta)
    png_bundle, png_meta = png if isinstance(png, tuple) else (png, {})
    bundle.update(png_bundle)
    return bundle, png_meta


def enable_renderer() -> None:
    """For a chart displayed directly: SVG (nbval compares it; GitHub and HTML show it) plus PNG
    (untrusted JupyterLab), never Altair's html renderer (random div ids, CDN scripts) or its
    mimetype renderer (rejected by nbformat)."""
    alt.renderers.register("svg+png", _svg_png_renderer)
    alt.renderers.enable("svg+png")


fonts.register()
enable_renderer()


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


def placeholder(title: str, as_of: str, why: str):
    """A figure that says why it has nothing to draw: a build as of an earlier date may not yet hold
    the figures a chart needs (the GenAI share before the 2023-24 edition, say)."""
    text = alt.Chart(pd.DataFrame({"line": [f"Nothing to draw as of {as_of}.", why]}, index=[0, 1]).reset_index())
    chart = text.mark_text(align="left", baseline="top", fontSize=13, color=GREY).encode(
        x=alt.value(0), y=alt.Y("index:O", axis=None), text="line:N").properties(width=WIDTH, height=60)
    return finish(chart, title, [f"Information set as of {as_of}."], [], f"{title}: nothing to draw as of {as_of}.")


def as_of_or_placeholder(as_of: str, title: str, draw):
    """The chart ``draw()`` makes; in a build as of an earlier date whose information set lacks
    what the chart needs, a :func:`placeholder` naming what is missing. The default build never
    hides an error: there ``draw()`` is called as it is."""
    if as_of == DEFAULT_AS_OF:
        return draw()
    try:
        return draw()
    except (KeyError, IndexError, ValueError, TypeError) as err:
        missing = str(err).strip("'\"")[:80]
        return placeholder(title, as_of, f"The figures it needs were not yet published ({type(err).__name__}: {missing}).")


_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>{title}</title>
    <style>
      {font_css}
      body {{ margin: 1rem; font-family: {font_stack}; }}
      nav {{ margin-bottom: 0.75rem; }}
      .vega-embed {{ width: 100%; display: flex; }}
      .vega-embed svg {{ max-width: 100%; height: auto; }}
      .vega-embed details, .vega-embed details summary {{ position: relative; }}
    </style>
    <script type="text/javascript">{bundle}</script>
  </head>
  <body>
    <nav><a href="../reports/index.html">← suanli: every figure and finding (the index page)</a></nav>
    <div id="vega-chart"></div>
    <script type="text/javascript">
      // measure labels with the embedded font, not a fallback: wait until both weights are loaded
      Promise.all(["11px", "bold 11px"].map(f => document.fonts.load(f + ' "{family}"', "算力")))
        .then(() => vegaEmbed("#vega-chart", {spec}, {{"renderer": "svg", "actions": false}})).catch(console.error);
    </script>
  </body>
</html>
"""


def standalone_html(spec: dict) -> str:
    """A page with Vega, Vega-Lite and vega-embed inlined (vl-convert's prebuilt bundle): no
    network request. Built here rather than with ``vegalite_to_html(bundle=True)``, which
    re-bundles the same libraries for every chart (about 2 s each)."""
    import html as _html

    from analysis import vega_bundle

    title = spec.get("title", {})
    text = title.get("text", "Chart") if isinstance(title, dict) else str(title)
    payload = json.dumps(spec, sort_keys=True, ensure_ascii=False).replace("</", "<\\/")
    return _PAGE.format(title=_html.escape(text), bundle=vega_bundle.javascript(), spec=payload,
                        font_css=fonts.css(), font_stack=fonts.STACK, family=fonts.FAMILY)


class Figure:
    """An exported figure that displays itself in a notebook from the exported bytes.

    The notebook shows exactly the SVG written to ``figures/`` (compared by nbval, shown by
    GitHub and the HTML export) plus a 1× PNG (shown by JupyterLab in an untrusted notebook),
    without validating and rendering the chart a second time.
    """

    def __init__(self, name: str, paths: list[Path], svg: str, png: bytes):
        self.name, self.paths, self._svg, self._png = name, paths, svg, png

    def _repr_mimebundle_(self, include=None, exclude=None):
        import base64

        return {"image/svg+xml": self._svg, "image/png": base64.b64encode(self._png).decode("ascii"),
                "text/plain": f"<figure {self.name}>"}


def _draw(spec: dict) -> tuple[dict[str, str | bytes], str]:
    """Every file of a figure, and the SVG as vl-convert drew it (before the font is embedded)."""
    import vl_convert as vlc

    fonts.register()
    svg = vlc.vegalite_to_svg(spec)
    return {
        "vl.json": json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "svg": fonts.embed_in_svg(svg),
        # rasterised from the SVG vl-convert drew rather than drawn a second time: the same bytes
        # as vegalite_to_png (tests/test_charts.py checks every committed figure), in half the time
        "png": vlc.svg_to_png(svg, scale=2),
        "html": standalone_html(spec),
    }, svg


def render(spec: dict) -> dict[str, str | bytes]:
    """Every file of a figure from its Vega-Lite ``spec``, keyed by extension, drawn afresh (never
    from :mod:`analysis.figure_cache`: tests/test_fonts.py re-renders the committed specs with it,
    with and without the system fonts)."""
    return _draw(spec)[0]


def _validate(chart, spec: dict) -> None:
    """Check ``spec`` (the chart's ``to_dict(validate=False)``) against the Vega-Lite schema, with
    Altair's own error message."""
    import jsonschema
    from altair.utils.schemapi import SchemaValidationError

    try:
        type(chart).validate(spec)
    except jsonschema.ValidationError as err:
        raise SchemaValidationError(chart, err) from None


def export(chart, name: str, folder: Path) -> Figure:
    """Validate the chart, write ``name``.svg/.png (2×)/.vl.json/.html into ``folder``,
    and return a :class:`Figure` that displays it. A figure drawn before from the same spec in
    the same environment is taken from :mod:`analysis.figure_cache` instead of drawn again."""
    import vl_convert as vlc

    from analysis import figure_cache

    spec = chart.to_dict(validate=False)
    folder = Path(folder)
    key = figure_cache.key(spec, SOURCE_SHA256)
    drawn = figure_cache.load(key)
    if drawn is None:  # not drawn before in this environment: validate, draw, and keep the drawing
        _validate(chart, spec)  # a hit was validated when it was stored
        out, svg = _draw(spec)
        drawn = {"svg": out["svg"].encode("utf-8"), "png": out["png"], "png1": vlc.svg_to_png(svg, scale=1)}
        figure_cache.store(key, drawn)
    out = {"vl.json": json.dumps(spec, indent=2, sort_keys=True, ensure_ascii=False) + "\n",
           "svg": drawn["svg"].decode("utf-8"), "png": drawn["png"], "html": standalone_html(spec)}
    paths = []
    for ext, data in out.items():
        target = folder / f"{name}.{ext}"
        (write_bytes(target, data) if isinstance(data, bytes) else write_text(target, data))
        paths.append(target)
    return Figure(name, paths, out["svg"], drawn["png1"])


# ----------------------------------------------------------------------------- forecast figures

def _history(series_table: pd.DataFrame, assembly: pd.DataFrame, series: str) -> pd.DataFrame:
    """The points a forecast figure draws as data: up to the last data year (a derived 2027 value is
    the report's forecast, drawn as such), one row per year and value, each with what it is
    (``kind_label``) and whether it was used; a point not used is drawn a little to the left, so
    that it never hides under the one that was."""
    h = series_table[(series_table["indicator"] == series) & (series_table["kind"] != "forecast")
                     & (series_table["year"] <= LAST_DATA_YEAR)].copy()
    used = set(assembly.loc[assembly["used"] & (assembly["indicator"] == series), "id"])
    h["status"] = np.where(h["id"].isin(used), "used for fitting", "not used")
    h = h.sort_values(["status", "year"], ascending=[False, True]).drop_duplicates(["year", "value"])
    h["series_zh"] = SERIES_ZH[series]
    h["kind_label"] = h["kind"].map(KIND_LABELS).fillna(h["kind"])
    unused_rank = h[h["status"] == "not used"].groupby("year").cumcount() + 1
    h["x"] = h["year"] - 0.14 * unused_rank.reindex(h.index).fillna(0)
    return h.sort_values(["status", "year"], ascending=[True, True])  # 'used' points drawn last, on top


def _fan_levels(f: pd.DataFrame) -> list[float]:
    return sorted(set(f["level"].dropna()), reverse=True)


def report_marker(series_table: pd.DataFrame, series: str) -> pd.DataFrame:
    """The report's own value at its horizon (one row, or none): its stated forecast where it
    states one (a filled diamond), else the value its stated growth rate implies (hollow)."""
    t = series_table[(series_table["indicator"] == series) & (series_table["year"] == REPORT_HORIZON)
                     & (series_table["vintage"] == REPORT_EDITION) & series_table["kind"].isin(["forecast", "derived"])]
    t = t.assign(stated=t["kind"] == "forecast").sort_values("stated", ascending=False, kind="stable").head(1)
    return t.assign(what=np.where(t["stated"], "the report's forecast", "implied by the report's growth rate"))


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


def _y_domain(values, log: bool, margin: float = 0.04) -> list[float]:
    """The y domain, set explicitly so labels can be placed in pixels: the data's extent plus a margin
    (each end rounded by :func:`stable`)."""
    v = pd.Series(values, dtype=float).dropna()
    v = v[v > 0] if log else v
    lo, hi = float(v.min()), float(v.max())
    if log:
        span = np.log(hi) - np.log(lo)
        return stable([np.exp(np.log(lo) - margin * span), np.exp(np.log(hi) + margin * span)])
    span = hi - lo
    return stable([lo - margin * span, hi + margin * span])


def dodge(targets: list[float], gap: float, low: float, high: float) -> list[float]:
    """Positions (pixels, up from the bottom) as near ``targets`` as possible, at least ``gap`` apart and
    inside [low, high]: overlapping labels are spread around their mean, keeping their order."""
    order = np.argsort(targets, kind="stable")
    t = np.asarray(targets, dtype=float)[order]
    clusters = [[i] for i in range(len(t))]
    while True:
        pos = []
        for c in clusters:
            centre = float(np.mean(t[c]))
            first = centre - gap * (len(c) - 1) / 2
            first = min(max(first, low), high - gap * (len(c) - 1))
            pos.append([first + gap * k for k in range(len(c))])
        merged = False
        for k in range(len(clusters) - 1):
            if pos[k + 1][0] - pos[k][-1] < gap - 1e-9:
                clusters[k:k + 2] = [clusters[k] + clusters[k + 1]]
                merged = True
                break
        if not merged:
            break
    flat = [p for ps in pos for p in ps]
    out = [0.0] * len(t)
    for rank, i in enumerate(order):
        out[i] = flat[rank]
    return out


def end_labels(ends: pd.DataFrame, domain: list[float], log: bool, height: int, gap: float = 12) -> pd.DataFrame:
    """``ends`` (year, value, label, color) with ``label_y``: the value each label is drawn at, dodged
    so that no two labels at the same year overlap (``gap`` pixels apart on a ``height``-pixel axis);
    a label that had to move is placed at a value rounded by :func:`stable`."""
    if ends.empty:
        return ends.assign(label_y=[])
    f = (lambda v: np.log(v)) if log else (lambda v: v)
    lo, hi = f(domain[0]), f(domain[1])
    out = []
    for _, g in ends.groupby("year", sort=True):
        px = [(f(v) - lo) / (hi - lo) * height for v in g["value"]]
        placed = dodge(px, gap, gap / 2, height - gap / 2)
        moved = [lo + p / height * (hi - lo) for p in placed]
        moved = stable(np.exp(moved) if log else moved)
        # a label that did not move sits at its value, not at the value carried through log and exp
        out.append(g.assign(label_y=[v if p == q else m for v, p, q, m in zip(g["value"], px, placed, moved)]))
    return pd.concat(out)


#: The tint of a region no forecast may enter (above the whole world's market).
BEYOND = "#FBE3E3"


def forecast_panel(series: str, series_table, assembly, forecasts, band_model: str = "combination",
                   width: int = WIDTH, log: bool = True, height: int = 300, world=None):
    """One series' history, model lines, fan and the report's path; ``world`` (year, world): a
    ceiling the series cannot pass (the whole world's market), drawn as a line with the region
    above it tinted."""
    f = forecasts[forecasts["series"] == series]
    hist = _history(series_table, assembly, series)
    last = hist[hist["status"] == "used for fitting"].sort_values("year").tail(1)
    marker = report_marker(series_table, series)
    rep = f[f["model"] == "report_path"]
    models = [m for m in MODEL_ORDER if m in set(f["model"])]
    band_m = band_model if band_model in models else (models[0] if models else None)
    band = f[f["model"] == band_m] if band_m else f.iloc[:0]
    fitted = f[f["model"].isin(models)].drop_duplicates(["model", "year"])
    horizon = int(fitted["year"].max()) if models else 0
    # the labels at the end of each line: its name and final value; the report's at its 2027 value
    final = fitted[fitted["year"] == horizon]
    ends = pd.DataFrame({"year": final["year"], "value": final["median"],
                         "label": [f"{END_NAMES.get(m, m)} {_fmt(v)}" for m, v in zip(final["model"], final["median"])],
                         "color": [MODEL_COLORS[m] for m in final["model"]]})
    if len(marker):
        m0 = marker.iloc[0]
        ends = pd.concat([ends, pd.DataFrame({"year": [REPORT_HORIZON], "value": [m0["value"]], "color": [REPORT_COLOR],
                                              "label": [f"Report {_fmt(m0['value'])}" + ("" if m0["stated"] else " (implied)")]})])
    world = world if world is not None and len(world) else None
    domain = _y_domain(pd.concat([hist["value"], band["lower"], band["upper"], fitted["median"], rep["median"],
                                  marker["value"]] + ([world["world"]] if world is not None else [])
                     + ([world["world_high"]] if world is not None and "world_high" in world.columns else [])), log)
    ends = end_labels(ends, domain, log, height)
    yscale = alt.Scale(type="log", domain=domain, nice=False) if log else alt.Scale(domain=domain, nice=False, zero=False)
    xscale = alt.Scale(zero=False, nice=False, padding=16)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=xscale)
    y_title = SERIES_LABELS[series] + (", log scale" if log else "")
    layers = []
    if horizon > REPORT_HORIZON:
        ext = pd.DataFrame({"start": [REPORT_HORIZON + 0.5], "end": [horizon + 0.5],
                            "label": [f"after {REPORT_HORIZON}: extrapolation"]})
        layers.append(alt.Chart(ext).mark_rect(color="#eeeeee").encode(
            x=alt.X("start:Q", scale=xscale), x2="end:Q", tooltip=tips("label")))
        layers.append(alt.Chart(ext).mark_text(align="right", baseline="top", dx=-4, dy=4, fontSize=10, color=GREY)
                      .encode(x=alt.X("end:Q", scale=xscale), y=alt.value(0), text="label"))
    if world is not None:
        # tinted above the bound's upper 80% end where it has a band, else above the bound itself
        edge = "world_high" if "world_high" in world.columns else "world"
        w = world.assign(top=domain[1], label="above the whole world's AI-server market (its 80% band's upper end)"
                         if edge == "world_high" else "above the whole world's AI-server market (same sources)")
        layers.append(alt.Chart(w).mark_area(color=BEYOND, opacity=1).encode(
            x=x, y=alt.Y(f"{edge}:Q", scale=yscale, title=y_title), y2="top:Q", tooltip=tips("label", "year")))
        layers.append(alt.Chart(w).mark_line(color=GREY, strokeDash=[6, 2], strokeWidth=1.2).encode(
            x=x, y=alt.Y("world:Q", scale=yscale, title=y_title),
            tooltip=[alt.Tooltip("year:Q", title="year"), alt.Tooltip("world:Q", format=".1f", title="world market"),
                     alt.Tooltip("vintage:N", title="as forecast by")]))
        first = w.iloc[[0]]
        layers.append(alt.Chart(first).mark_text(align="left", baseline="top", dx=4, dy=4, fontSize=10, color=GREY)
                      .encode(x=x, y=alt.Y("top:Q", scale=yscale, title=y_title),
                              text=alt.value("Tinted: above the whole world's market" + (
                                  " (upper end of its band)" if edge == "world_high" else ""))))
    for i, level in enumerate(_fan_levels(band)):
        layers.append(alt.Chart(band[band["level"] == level]).mark_area(opacity=0.14 + 0.08 * i, color=MODEL_COLORS[band_m])
                      .encode(x=x, y=alt.Y("lower:Q", scale=yscale, title=y_title), y2="upper:Q",
                              tooltip=tips("model", "year", "level", alt.Tooltip("lower:Q", format=".1f"),
                                       alt.Tooltip("upper:Q", format=".1f"), "distribution")))
    # the report's path is drawn under the model lines, so where they run together the model shows
    if len(rep):
        layers.append(alt.Chart(rep).mark_line(strokeDash=[2, 3], color=REPORT_COLOR, strokeWidth=1.4).encode(
            x=x, y=alt.Y("median:Q", scale=yscale, title=y_title),
            tooltip=tips(alt.Tooltip("model", title="line"), "year", alt.Tooltip("median:Q", format=".1f"),
                     alt.Tooltip("sigma_source", title="report"))))
    anchor = pd.concat([last.assign(model=m, median=last["value"]) for m in models]) if len(last) and models else last
    lines = pd.concat([anchor[["model", "year", "median"]], fitted[["model", "year", "median"]]]) if models else fitted
    if len(lines):
        labels = model_labels(f)
        lines = lines.assign(model_label=lines["model"].map(labels))
        # the log-linear line is drawn dashed and last, so where it coincides with drift both show
        lines = lines.assign(order=np.where(lines["model"] == "loglinear", 1, 0)).sort_values("order", kind="stable")
        domain_m = [labels[m] for m in models]
        layers.append(alt.Chart(lines).mark_line(strokeWidth=1.8).encode(
            x=x, y=alt.Y("median:Q", scale=yscale, title=y_title),
            color=alt.Color("model_label:N", legend=None,
                            scale=alt.Scale(domain=domain_m, range=[MODEL_COLORS[m] for m in models])),
            strokeDash=alt.StrokeDash("model_label:N", legend=None, scale=alt.Scale(
                domain=domain_m, range=[[5, 3] if m == "loglinear" else [1, 0] for m in models])),
            detail="model:N",
            tooltip=tips(alt.Tooltip("model_label:N", title="model"), "model", "year", alt.Tooltip("median:Q", format=".1f"))))
    kinds = [k for k in KIND_SHAPES if k in set(hist["kind"])]
    layers.append(alt.Chart(hist).mark_point(filled=True, size=70, strokeWidth=1.5).encode(
        x=alt.X("x:Q", scale=xscale), y=alt.Y("value:Q", scale=yscale, title=y_title),
        shape=alt.Shape("kind_label:N", title="Data (filled: used for fitting)", legend=alt.Legend(direction="vertical"), scale=alt.Scale(
            domain=[KIND_LABELS[k] for k in kinds], range=[KIND_SHAPES[k] for k in kinds])),
        fill=alt.condition("datum.status == 'used for fitting'", alt.value(REPORT_COLOR), alt.value("#ffffff")),
        stroke=alt.value(REPORT_COLOR),
        tooltip=tips("series_zh", "year", alt.Tooltip("value:Q", format=".2f"), "unit", "kind", "vintage", "id", "status")))
    if len(marker):
        layers.append(alt.Chart(marker).mark_point(shape="diamond", size=150, strokeWidth=1.5, color=REPORT_COLOR).encode(
            x=alt.X("year:Q", scale=xscale), y=alt.Y("value:Q", scale=yscale, title=y_title),
            fill=alt.condition("datum.stated", alt.value(REPORT_COLOR), alt.value("#ffffff")),
            tooltip=tips("what", "year", alt.Tooltip("value:Q", format=".1f"), "unit", "vintage", "id")))
    if len(ends):
        layers.append(alt.Chart(ends).mark_text(align="left", baseline="middle", dx=9, fontSize=10).encode(
            x=alt.X("year:Q", scale=xscale), y=alt.Y("label_y:Q", scale=yscale, title=y_title), text="label:N",
            color=alt.Color("color:N", scale=None)))
    return alt.layer(*layers).properties(width=width, height=height)


def model_labels(forecasts: pd.DataFrame) -> dict[str, str]:
    """Legend labels; where the log-linear trend and drift coincide (two points), the label says so."""
    labels = dict(MODEL_LABELS)
    rates = scenario_rates(forecasts)
    if len(rates) == 1:
        labels["scenario"] = f"Scenario ({next(iter(rates.values())):.0%} a year)"
    f = forecasts[forecasts["model"].isin(["loglinear", "drift"])]
    if len(f) and set(f["model"]) == {"loglinear", "drift"}:
        wide = f.drop_duplicates(["series", "model", "year"]).pivot_table(index=["series", "year"], columns="model",
                                                                         values="median")
        gap = (np.log(wide["loglinear"]) - np.log(wide["drift"])).abs().max()
        if gap < np.log(1.01):
            labels["loglinear"] = "Log-linear trend (dashed: within 1% of drift)"
    return labels


def _band_model(forecasts) -> str | None:
    """The model whose intervals a figure draws as its fan: the combination, else the first shown."""
    models = [m for m in MODEL_ORDER if m in set(forecasts["model"])]
    return "combination" if "combination" in models else (models[0] if models else None)


def _extrapolation_text(forecasts) -> str:
    fitted = forecasts[forecasts["model"] != "report_path"]
    return f"; grey: after {REPORT_HORIZON}, extrapolation" if len(fitted) and fitted["year"].max() > REPORT_HORIZON else ""


def _fan_text(forecasts) -> str:
    """'the combination's 50%/80%/95% intervals' — following the model and levels a run chose."""
    levels = "/".join(f"{lv:.0%}" for lv in sorted(_fan_levels(forecasts)))
    band = _band_model(forecasts)
    name = END_NAMES.get(band, str(band))
    return f"the {name if name.isupper() else name.lower()}'s {levels} intervals" if band else "no intervals"


def scenario_rates(forecasts) -> dict[str, float]:
    """A scenario's yearly growth rate per series, read back from its medians."""
    out = {}
    sc = forecasts[forecasts["model"] == "scenario"].drop_duplicates(["series", "year"]).sort_values("year")
    for series, g in sc.groupby("series"):
        if len(g) >= 2:
            (y0, m0), (y1, m1) = g[["year", "median"]].iloc[0], g[["year", "median"]].iloc[-1]
            out[series] = (m1 / m0) ** (1 / (y1 - y0)) - 1
    return out


def run_lines(run: str, forecasts, as_of: str = DEFAULT_AS_OF) -> list[str]:
    """For a named run: a subtitle line saying which run this is and what it was asked for (and, for
    a build as of another date than the article's, that date)."""
    dated = [f"Information set as of {as_of}: only what was public by then."] if as_of != DEFAULT_AS_OF else []
    if not run:
        return dated
    models = [MODEL_LABELS[m] for m in MODEL_ORDER if m in set(forecasts["model"])]
    fitted = forecasts[forecasts["model"] != "report_path"]
    parts = [f"Run '{run}' (make forecast RUN={run})" + (f": to {int(fitted['year'].max())}" if len(fitted) else
                                                          ": no series to forecast"),
             "levels " + "/".join(f"{lv:.0%}" for lv in sorted(_fan_levels(forecasts)))]
    rates = scenario_rates(forecasts)
    if rates:
        parts.append("scenario growth " + ", ".join(f"{SERIES_LABELS[s].split(' (')[0].split(',')[0]} {r:.0%}"
                                                    for s, r in sorted(rates.items())))
    return dated + ["; ".join(parts) + ".", "Models: " + ", ".join(models) + f". All parameters: runs/{run}/params.yaml."]


#: What each model is, for the key under a forecast figure (its lines are labelled at their ends).
MODEL_KEYS = {"drift": "drift (growth persists)", "decay": "decay (growth reverts toward a long-run rate)",
              "nowcast": "nowcast (the latest half-year's growth, then decay)",
              "loglinear": "log-linear trend (dashed)", "ets": "damped trend (ETS)",
              "combination": "combination (the default, by a rule fixed before the scores)",
              "scenario": "scenario (a growth rate you set)"}


def model_key(forecasts) -> str:
    """The key to the labelled lines, for the models a run drew."""
    models = [MODEL_KEYS[m] for m in MODEL_ORDER if m in set(forecasts["model"])]
    if not models:
        return ""
    listed = ", ".join(models[:-1]) + (" and " if len(models) > 1 else "") + models[-1]
    return f"Each line is a model's median, labelled at its end with its last value: {listed}."


def _wrap(*sentences: str, width: int = 118) -> list[str]:
    """Subtitle sentences as lines of at most ``width`` characters."""
    import textwrap

    return textwrap.wrap(" ".join(s for s in sentences if s), width=width, break_on_hyphens=False)


def compute_growth(series_table, assembly, forecasts, run_note: list[str] = (), title: str | None = None):
    """Intelligent and general compute side by side; ``title`` states the message (see
    :func:`analysis.figure_notes.compute_growth_title`), else a neutral one."""
    panels = [forecast_panel(s, series_table, assembly, forecasts, width=300).properties(
        title=alt.TitleParams("Intelligent compute 智能算力 (FP16)" if s == "intelligent_compute"
                              else "General compute 通用算力 (FP64)",
                              fontSize=12, anchor="start"))
        for s in ("intelligent_compute", "general_compute") if s in set(forecasts["series"])]
    chart = alt.hconcat(*panels, spacing=24).resolve_scale(y="independent", color="independent", shape="shared")
    return finish(chart, title or "China's AI compute: data by edition, forecasts and the report's path",
                  list(run_note) + _wrap(
                      model_key(forecasts), "Fan: " + _fan_text(forecasts) + ".",
                      "Black: the report (dotted: its path; diamond: its 2027 value, hollow where only its growth rate is "
                      "stated)" + _extrapolation_text(forecasts) + ".",
                      "Filled points: used for fitting; hollow: superseded or excluded.",
                      "FP16 (intelligent) and FP64 (general) EFLOPS count different operations at different precisions: "
                      "the panels are not comparable and are not added.", width=124),
                  SOURCE_EDITIONS, "China intelligent compute 智能算力 (FP16) and general compute 通用算力 (FP64): "
                  "actuals by edition, statsmodels forecasts with intervals, and the report's projection.")


def ai_server_market(series_table, assembly, forecasts, run_note: list[str] = (), world=None):
    """China's AI-server market, with the whole world's (``world``: year, world, vintage) as its ceiling."""
    chart = forecast_panel("ai_server_market", series_table, assembly, forecasts, world=world)
    return finish(chart, "China's AI server market 人工智能服务器市场: two points, many futures",
                  list(run_note) + _wrap(
                      model_key(forecasts), "Fan: " + _fan_text(forecasts) + ".",
                      "Black: the report's own figures (dotted: its path; diamond: its 2027 forecast)"
                      + _extrapolation_text(forecasts) + ".",
                      "Hollow points are not used: the 2022–23 edition's 2021 value is on a different definition.",
                      (("Grey dashed: the whole world's AI-server market, triangulated from IDC, NVIDIA's revenue and "
                        "China's share; tinted above its 80% band's upper end." if "world_high" in world.columns else
                        "Grey dashed: the whole world's AI-server market as the same sources forecast it; tinted above "
                        "it, where China's market cannot be.") if world is not None and len(world) else ""),
                      width=100),
                  SOURCE_EDITIONS, "China AI server market 中国人工智能服务器市场 (USD bn): history, forecasts per "
                  "model and the report's 2027 projection.")


def model_comparison(comparison, evaluation, run_note: list[str] = ()):
    """Top: each model's median and interval at the report's horizon against the report's path.
    Bottom: each model's real-time record, every comparable pair as a point (no ranking below
    :data:`analysis.domain.MIN_PAIRS` pairs against as many outcomes, :func:`analysis.domain.enough`)."""
    mid = headline_level(comparison["level"])
    c = comparison[comparison["level"] == mid].copy()
    c["series_label"] = c["series"].map(SERIES_LABELS)
    c["model_label"] = c["model"].map(MODEL_LABELS)
    base = alt.Chart(c)
    y = alt.Y("model_label:N", title=None, sort=[MODEL_LABELS[m] for m in MODEL_ORDER])
    color = alt.Color("model_label:N", legend=None, scale=alt.Scale(domain=[MODEL_LABELS[m] for m in MODEL_ORDER],
                                                                   range=[MODEL_COLORS[m] for m in MODEL_ORDER]))
    bars = base.mark_rule(strokeWidth=2).encode(
        x=alt.X("lower:Q", title=f"Value in {int(c['year'].max())} (series unit), log scale; {mid:.0%} interval",
                scale=alt.Scale(type="log")), x2="upper:Q", y=y, color=color)
    pts = base.mark_point(filled=True, size=60).encode(
        x="median:Q", y=y, color=color,
        tooltip=[alt.Tooltip("series_label:N", title="Series"), alt.Tooltip("model_label:N", title="Model"),
                 alt.Tooltip("year:Q", title="Year"), alt.Tooltip("median:Q", format=".1f", title="Median"),
                 alt.Tooltip("lower:Q", format=".1f", title="Lower"), alt.Tooltip("upper:Q", format=".1f", title="Upper"),
                 alt.Tooltip("report:Q", format=".1f", title="Report's path"),
                 alt.Tooltip("vs_report_pct:Q", format=".0f", title="Median vs report (%)"),
                 alt.Tooltip("distribution:N", title="Distribution")])
    rep = base.mark_tick(color=REPORT_COLOR, thickness=2, size=18).encode(
        x="report:Q", y=y, tooltip=[alt.Tooltip("report:Q", format=".1f", title="report's path")])
    top = alt.layer(bars, pts, rep).properties(width=420, height=120).facet(
        row=alt.Row("series_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=11)))
    top = top.resolve_scale(x="independent")
    ev = evaluation.loc[(evaluation["forecaster_type"] == "model") & evaluation["same_definition"],
                        EVALUATION_FIELDS].copy()
    if len(ev):
        n = ev.groupby("forecaster").size()
        ev["model_label"] = ev["forecaster"].map(MODEL_LABELS) + " (n = " + ev["forecaster"].map(n).astype(str) + ")"
        order = [f"{MODEL_LABELS[m]} (n = {n[m]})" for m in MODEL_ORDER if m in n.index]
        err = alt.Chart(ev).mark_point(filled=True, size=60, opacity=0.8).encode(
            x=alt.X("error_pct:Q", title="Error of the median (% of the next figure published)"),
            y=alt.Y("model_label:N", title=None, sort=order, axis=alt.Axis(labelLimit=400)),
            color=alt.Color("model_label:N", legend=None,
                            scale=alt.Scale(domain=order, range=[MODEL_COLORS[m] for m in MODEL_ORDER if m in n.index])),
            tooltip=[alt.Tooltip("model_label:N", title="Model"), alt.Tooltip("origin:N", title="Fitted on"),
                     alt.Tooltip("target_year:Q", title="Year forecast"), alt.Tooltip("horizon:Q", title="Horizon (years)"),
                     alt.Tooltip("fit_points:N", title="Points fitted"),
                     alt.Tooltip("forecast:Q", format=".1f", title="Median"),
                     alt.Tooltip("outcome:Q", format=".1f", title="Next figure published"),
                     alt.Tooltip("outcome_vintage:N", title="Published by"),
                     alt.Tooltip("error_pct:Q", format=".1f", title="Error (%)"),
                     alt.Tooltip("pit:Q", format=".2f", title="PIT")])
        zero = alt.Chart(pd.DataFrame({"x": [0]})).mark_rule(color=GREY).encode(x="x:Q")
        few = not any(enough(g) for _, g in evaluation.loc[ev.index].groupby("forecaster"))
        bottom = alt.layer(zero, err).properties(width=420, title=alt.TitleParams(
            "Real-time record: each model fitted on what was public at the time"
            + (" (too few pairs to rank)" if few else ""), fontSize=12, anchor="start"))
        chart = alt.vconcat(top, bottom)
    else:
        chart = top
    return finish(chart, "Models against the report's path, and their real-time record",
                  list(run_note) + [f"Top: medians and {mid:.0%} intervals per model; black tick: the report's path.",
                                    "Bottom: every comparable real-time pair of each model, its error against the next "
                                    "figure published; n per model."],
                  SOURCE_EDITIONS, "Model comparison: forecasts against the report, and each model's real-time errors.")


EVALUATION_FIELDS = ["forecaster_type", "forecaster", "series", "origin", "target_year", "horizon", "read",
                     "forecast", "fit_points", "outcome", "outcome_vintage", "outcome_published", "same_definition",
                     "error_pct", "pit"]


def track_record(evaluation, labels: dict[str, str], run_note: list[str] = ()):
    """Every forecast the editions and releases published, and every model's, against the next
    figure published for the same year, by horizon (``labels``: what a reader sees for each series)."""
    t = evaluation[EVALUATION_FIELDS].copy()
    t["who"] = np.where(t["forecaster_type"] == "vintage", "Editions and releases (their own figures)",
                        "This compendium's models")
    t["pairs"] = np.where(t["same_definition"], "same definition", "definition differs")
    t["series_label"] = t["series"].map(labels)
    t["label"] = t["forecaster"] + ": " + t["series_label"] + ", " + t["target_year"].astype(str)
    # pairs at the same horizon are spread a little, so no point hides another
    t["x"] = t["horizon"] + np.where(t["forecaster_type"] == "vintage", -0.12, 0.12)
    n_same = int(t["same_definition"].sum())
    n_vintage = int((t["same_definition"] & (t["forecaster_type"] == "vintage")).sum())
    who = ["Editions and releases (their own figures)", "This compendium's models"]
    ink = dict(zip(who, [REPORT_COLOR, OKABE_ITO[0]]))
    t["fill"] = np.where(t["same_definition"], t["who"].map(ink), "#ffffff")
    lo, hi = min(0, int(t["horizon"].min())), int(t["horizon"].max())
    chart = alt.Chart(t).mark_point(size=80, strokeWidth=1.6, opacity=1).encode(
        x=alt.X("x:Q", title="Horizon (years after the last complete year at the forecast's date)",
                axis=alt.Axis(values=list(range(lo, hi + 1)), format="d"), scale=alt.Scale(domain=[lo - 0.5, hi + 0.5])),
        y=alt.Y("error_pct:Q", title="Error (% of the next figure published)"),
        stroke=alt.Stroke("who:N", title=None, scale=alt.Scale(domain=who, range=[ink[w] for w in who])),
        fill=alt.Fill("fill:N", scale=None, legend=None),
        shape=alt.Shape("series_label:N", title="Series", legend=alt.Legend(symbolFillColor=GREY, symbolStrokeColor=GREY)),
        tooltip=[alt.Tooltip("label:N", title="Forecast"), alt.Tooltip("origin:N", title="Public from"),
                 alt.Tooltip("horizon:Q", title="Horizon (years)"), alt.Tooltip("read:N", title="Read as"),
                 alt.Tooltip("forecast:Q", format=".2f", title="Forecast value"),
                 alt.Tooltip("outcome:Q", format=".2f", title="Next figure published"),
                 alt.Tooltip("outcome_vintage:N", title="Published by"),
                 alt.Tooltip("outcome_published:N", title="Published on"), alt.Tooltip("pairs:N", title="Definitions"),
                 alt.Tooltip("error_pct:Q", format=".1f", title="Error (%)")])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=GREY).encode(y="y:Q")
    return finish(alt.layer(zero, chart).properties(width=WIDTH, height=300),
                  f"The real-time record: {n_same} comparable pairs, {n_vintage} of them the editions' own",
                  list(run_note) + ["Each point: a forecast made with what was public on its day, against the first figure "
                                    "for that year published after it.",
                                    "Black: the editions' and releases' own figures; blue: this compendium's models. "
                                    "Hollow: the definitions differ (not comparable)."],
                  SOURCE_EDITIONS, "Real-time record: forecast errors of the editions and of the models, by horizon.")


def edition_paths(vintage_table, series: tuple[str, ...], run_note: list[str] = ()):
    """What each edition said: for each series, every vintage's path through its stated points as
    its own line, so revisions show where the lines part."""
    v = vintage_table[vintage_table["indicator"].isin(series)].copy()
    v["vintage_label"] = v["vintage"] + " (" + v["edition_known_from"].str[:7] + ")"
    order = (v.drop_duplicates("vintage_label").sort_values(["edition_known_from", "vintage"])["vintage_label"].tolist())
    palette = [OKABE_ITO[i % 7] for i in range(len(order))]
    base = alt.Chart(v)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False, padding=12))
    y = alt.Y("value:Q", title="Level (series unit), log scale", scale=alt.Scale(type="log", nice=False, padding=8))
    color = alt.Color("vintage_label:N", title="Edition or release (public from)", sort=order,
                      scale=alt.Scale(domain=order, range=palette), legend=alt.Legend(columns=2))
    lines = base.mark_line(strokeWidth=1.6).encode(x=x, y=y, color=color, detail="vintage:N")
    pts = base.mark_point(filled=True, size=55).encode(
        x=x, y=y, color=color,
        shape=alt.Shape("kind:N", title="As the edition gave it", scale=alt.Scale(
            domain=["actual", "estimate", "derived", "forecast"], range=["circle", "triangle-up", "square", "diamond"])),
        tooltip=[alt.Tooltip("series_label:N", title="Series"), alt.Tooltip("year:Q", title="Year"),
                 alt.Tooltip("vintage:N", title="Edition or release"),
                 alt.Tooltip("edition_known_from:N", title="Edition public from"),
                 alt.Tooltip("kind:N", title="Given as"), alt.Tooltip("value:Q", format=".2f", title="Value"),
                 alt.Tooltip("known_from:N", title="Figure public from"),
                 alt.Tooltip("previous_vintage:N", title="Revises"),
                 alt.Tooltip("change_pct:Q", format=".1f", title="Revision (%)")])
    chart = alt.layer(lines, pts).properties(width=280, height=220).facet(
        facet=alt.Facet("series_label:N", title=None, header=alt.Header(labelFontSize=11, labelAlign="left",
                                                                        labelAnchor="start")),
        columns=2).resolve_scale(y="independent")
    return finish(chart, "What each edition said: one line per edition, revisions where they part",
                  list(run_note) + ["Each line joins one edition's or release's stated levels for a series; its shapes "
                                    "say whether it gave an actual, an estimate or a forecast."],
                  SOURCE_EDITIONS, "Vintage table: every edition's levels for each series, as stated.")


# ----------------------------------------------------------------------------- context figures

def adoption_survey(figures):
    f = figures.set_index("id")
    shares = pd.DataFrame([
        dict(label="Exploring or investing in GenAI", value=f.at["art_genai_exploring", "value_clean"], qualifier="=",
             zh="开始探索生成式AI", where=f.at["art_genai_exploring", "location"]),
        dict(label="Plan a 20–40% higher GenAI budget (2024–26)", value=f.at["art_genai_raisers", "value_clean"],
             qualifier="more than", zh="超过七成企业增幅达到20%-40%", where=f.at["art_genai_raisers", "location"]),
    ])
    shares["shown"] = [("more than " if q == "more than" else "") + f"{v:.0f}%" for v, q in zip(shares["value"], shares["qualifier"])]
    shares.loc[shares["qualifier"] == "more than", "shown"] += " of firms (which firms: not stated)"
    explore, raise_ = shares["value"]
    bars = alt.Chart(shares).mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X("value:Q", title="Share of firms (%)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("label:N", title=None, sort=None),
        tooltip=tips("label", "zh", "qualifier", "value", "where"))
    text = bars.mark_text(align="left", dx=4).encode(text="shown:N")
    rng = pd.DataFrame([dict(label="Planned increase in GenAI investment", low=f.at["art_genai_increase_low", "value_clean"],
                             high=f.at["art_genai_increase_high", "value_clean"], zh="投入增幅 20%-40%",
                             where=f.at["art_genai_increase_low", "location"])])
    band = alt.Chart(rng).mark_bar(color=OKABE_ITO[1], height=18).encode(
        x=alt.X("low:Q", title="Planned increase over three years (%)", scale=alt.Scale(domain=[0, 100])), x2="high:Q",
        y=alt.Y("label:N", title=None), tooltip=tips("label", "zh", "low", "high", "where"))
    chart = alt.vconcat((bars + text).properties(width=WIDTH, height=80), band.properties(width=WIDTH, height=40))
    return finish(chart, "Two in three Chinese firms are already exploring generative AI",
                  _wrap(f"IDC survey: {explore:.0f}% of Chinese firms explore GenAI or invest in it; over {raise_:.0f}% "
                        "plan to raise that investment by 20–40%.",
                        f"The article does not say what the 'over {raise_:.0f}%' is a share of: of all firms surveyed, or "
                        f"of the {explore:.0f}% already exploring (then more than {math.floor(explore * raise_ / 100)}% "
                        "of all).",
                        f"The article's headline ('seven in ten') rounds the {explore:.0f}% up.", width=105),
                  SOURCE_2324, "Adoption survey: share of enterprises exploring GenAI and planned investment increase.")


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
    x = alt.X("year:O", title="Year of the ranking (edition's year)", scale=alt.Scale(padding=0.9, domain=years),
              axis=alt.Axis(labelAngle=0))
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
    labels = alt.Chart(r[r["year"] == years[-1]]).mark_text(align="left", dx=8).encode(x=x, y=y, text="name:N", color=color)
    left = alt.Chart(r[r["year"] == years[0]]).mark_text(align="right", dx=-8).encode(x=x, y=y, text="name:N", color=color)
    middle = r[~r["year"].isin([years[0], years[-1]]) & (r["entity"] != "Telecom")]  # telecom is followed by colour
    mid = alt.Chart(middle).mark_text(align="left", dx=7, dy=-9, fontSize=10).encode(x=x, y=y, text="entity:N", color=color)
    chart = alt.layer(lines, dots, labels, left, mid).properties(width=WIDTH, height=300)
    tel = r[r["entity"] == "Telecom"].sort_values("year")
    ordinal = lambda n: f"{n}{'th' if 10 <= n % 100 <= 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')}"  # noqa: E731
    steps = " to ".join(f"{ordinal(int(k))} ({int(y)})" for y, k in zip(tel["year"], tel["rank"]))
    title = f"Telecom's rise: {steps} in AI penetration" if len(tel) > 1 else "Industry AI penetration"
    return finish(chart, title,
                  ["Industry AI-penetration ranking of the IDC–Inspur reports; 2022 is known for telecom only, so the",
                   "other industries' lines are dashed across it. Ranks 6–8 of 2023 (transport, services, education) are",
                   "not corroborated elsewhere."],
                  SOURCE_EDITIONS, "Industry AI penetration ranking 人工智能行业渗透度排名, 2019 to 2023.")


def nvidia_revenue(figures, audit):
    q = figures[(figures["indicator"] == "nvidia_dc_revenue") & (figures["measure"] == "level")
                & (figures["table"] == "published_figures")].copy()
    q = q.sort_values("year_end").sort_values("period", key=lambda s: s.str.slice(2, 4) + s.str.slice(-1))
    order = list(q["period"])
    bars = alt.Chart(q).mark_bar(color=OKABE_ITO[2]).encode(
        x=alt.X("period:N", title="NVIDIA fiscal quarter", sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value_clean:Q", title="Data-centre revenue (USD bn)"),
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
        alt.Chart(rng).mark_bar(color=OKABE_ITO[3], width=34).encode(x=alt.X("period:N", sort=order), y="zero:Q",
                                                                     y2="low:Q", tooltip=tip),
        alt.Chart(rng).mark_bar(color=LIGHT_VERMILLION, width=34).encode(x=alt.X("period:N", sort=order),
                                                                                    y="low:Q", y2="high:Q", tooltip=tip))
    a = audit.set_index("check_id")
    note = pd.DataFrame([dict(period="FY24 Q3", y=15.6,
                              text=f"stated +{a.at['nvidia_yoy_324', 'stated']:.0f}% YoY; filings give "
                                   f"+{a.at['nvidia_yoy_324', 'recomputed']:.0f}%")])
    txt = alt.Chart(note).mark_text(align="right", dx=10, fontSize=11).encode(
        x=alt.X("period:N", sort=order), y="y:Q", text="text:N")
    chart = alt.layer(bars, china, txt).properties(width=WIDTH, height=300)
    return finish(chart, "NVIDIA's data-centre revenue nearly quadrupled in a year",
                  ["Green: data-centre revenue by quarter. Vermillion: China's part at a 20% share; light vermillion: up to 25% (FY24 Q2–Q3).",
                   f"The article's '+{a.at['nvidia_yoy_324', 'stated']:.0f}%' cannot be derived from the revenue figures: "
                   f"{a.at['nvidia_yoy_324', 'formula']} = +{a.at['nvidia_yoy_324', 'recomputed']:.0f}%."],
                  SOURCE_NVIDIA, "NVIDIA data-centre revenue 英伟达数据中心收入 by fiscal quarter with China's share range.")


def genai_share(figures):
    f = figures.set_index("id")
    a, b = f.at["art_genai_share_2023", "value_clean"], f.at["art_genai_share_2026", "value_clean"]
    years = np.arange(2023, 2027)
    path = pd.DataFrame({"year": years, "share": stable(a * (b / a) ** ((years - 2023) / 3)),
                         "kind": [{2023: "estimate (stated)", 2026: "forecast (stated)"}.get(y, "interpolated (constant growth)")
                                  for y in years]})
    line = alt.Chart(path).mark_line(strokeDash=[4, 3], color=OKABE_ITO[4]).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="GenAI servers' share of the AI server market (%)",
                                                 scale=alt.Scale(domain=[0, 40])))
    # the stated points are the large, filled, labelled ones; the interpolated years are small and hollow
    path["stated"] = path["kind"].str.endswith("(stated)")
    pts = alt.Chart(path).mark_point(strokeWidth=1.5, opacity=1).encode(
        x="year:O", y="share:Q", color=alt.value(OKABE_ITO[4]),
        shape=alt.Shape("kind:N", title=None, scale=alt.Scale(
            domain=["estimate (stated)", "forecast (stated)", "interpolated (constant growth)"],
            range=["triangle-up", "diamond", "circle"])),
        size=alt.Size("stated:N", legend=None, scale=alt.Scale(domain=[True, False], range=[220, 36])),
        fill=alt.condition("datum.stated", alt.value(OKABE_ITO[4]), alt.value("#ffffff")),
        tooltip=tips("year", alt.Tooltip("share:Q", format=".1f"), "kind"))
    text = alt.Chart(path[path["stated"]]).mark_text(dy=-16, fontSize=13, fontWeight="bold").encode(
        x="year:O", y="share:Q", text=alt.Text("share:Q", format=".1f"))
    chart = alt.layer(line, pts, text).properties(width=WIDTH, height=260)
    return finish(chart, "Generative AI's share of global AI-server spending, 2023→2026",
                  [f"Stated: {a:.1f}% (2023) and {b:.1f}% (2026). Between them, a constant-growth interpolation",
                   f"(about {((b / a) ** (1 / 3) - 1) * 100:.0f}% a year), drawn dashed because the report gives no yearly path."],
                  SOURCE_2324, "Global GenAI server share 生成式AI服务器占比, 2023 to 2026.")


AUDIT_RULES = {"equal": "equal within tolerance (two-sided)",
               "greater": "'more than' claim: one-sided, fails only below",
               "revision": "revision between editions"}


def short_description(text: str, limit: int = 120) -> str:
    """A check's description, short enough for an axis label: cut at a word, never mid-word."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + " …"


def audit_chart(audit, title: str | None = None):
    """Each check against its tolerance; ``title`` states the message (see
    :func:`analysis.findings.audit_title`, which counts claims), else a neutral one."""
    a = audit[audit["verdict"] != "implication"].copy()
    a["label"] = a["description"].map(short_description)
    a["rule_label"] = a["rule"].map(AUDIT_RULES).fillna(a["rule"])
    order = list(a.sort_values("rel_difference_pct")["label"])
    verdicts = ["consistent", "consistent within rounding", "revised", "inconsistent"]
    color = alt.Color("verdict:N", title="Verdict", legend=alt.Legend(direction="vertical"), scale=alt.Scale(
        domain=verdicts, range=["#009E73", "#56B4E9", "#332288", "#D55E00"]))
    x = alt.X("rel_difference_pct:Q", title="|recomputed − stated| / stated (%), symlog scale",
              scale=alt.Scale(type="symlog", padding=12), axis=alt.Axis(values=[0, 1, 2, 5, 10, 20, 40, 100, 200]))
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=720))
    tol = alt.Chart(a).mark_tick(color=GREY, thickness=2, size=14).encode(
        x=alt.X("tolerance_pct:Q"), y=y, tooltip=tips("check_id", alt.Tooltip("tolerance_pct:Q", title="tolerance (%)"),
                                                   "precision"))
    pts = alt.Chart(a).mark_point(filled=True, size=70).encode(
        x=x, y=y, color=color,
        shape=alt.Shape("rule_label:N", title="Rule", legend=alt.Legend(direction="vertical"), scale=alt.Scale(domain=list(AUDIT_RULES.values()),
                                                                        range=["circle", "triangle-right", "square"])),
        tooltip=tips("check_id", "description", "stated", "recomputed", "formula", "precision", "rule",
                 alt.Tooltip("tolerance_pct:Q", title="tolerance (%)"), "verdict", "comment"))
    chart = alt.layer(tol, pts).properties(width=WIDTH - 180, height=22 * len(a))
    n_impl = int((audit["verdict"] == "implication").sum())
    return finish(chart, title or "Auditing the report's arithmetic at the precision it was stated with",
                  [f"Each row is one check: {len(a)} checks of {a['claim'].nunique()} claims (a claim can be checked against two "
                   "sources, at both bounds of a range, or",
                   "under two readings). Each check recomputes a stated figure from other stated figures. Grey tick: its tolerance, derived from",
                   "the digits and qualifiers of its inputs (38 stated means 37.5 to 38.5), not a flat percentage. 'greater' checks",
                   f"(a beat, a growing market, a record) are shown at their relative gap. {n_impl} implications are not tests."],
                  SOURCE_EDITIONS, "Consistency audit of the report's figures: stated against recomputed, with tolerances.")


def city_ranking(rankings):
    """Yearly editions as a slopegraph (the composite's top five coloured and named at both ends,
    every other city named where it first and last appears), and the 2018–2022 composite as its own
    panel: a five-year composite is not a next year. A city missing from an edition's list is
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
    x = alt.X("period:O", title="Yearly ranking (edition's year)", sort=years, scale=alt.Scale(padding=1.2, domain=years),
              axis=alt.Axis(labelAngle=0))
    yearly = yearly.assign(highlight=yearly["entity"].isin(top).astype(int))  # highlighted lines drawn on top
    segs = rank_segments(yearly, years).sort_values("highlight", kind="stable")
    lines = alt.Chart(segs).mark_line(strokeWidth=2).encode(x=x, y=y, color=color, detail="segment:N",
                                                           strokeDash=GAP_DASH, order=alt.Order("highlight:Q"))
    dots = alt.Chart(yearly).mark_point(filled=True, size=36, opacity=1).encode(x=x, y=y, color=color, tooltip=tip)
    first, last = yearly[yearly["period"] == years[0]], yearly[yearly["period"] == years[-1]]
    left = alt.Chart(first).mark_text(align="right", dx=-8, fontSize=10).encode(x=x, y=y, text="name:N", color=color)
    right = alt.Chart(last).mark_text(align="left", dx=8, fontSize=10).encode(x=x, y=y, text="name:N", color=color)
    # a grey city in a middle edition is named beside its dot (the coloured ones are followed by colour)
    middle = yearly[~yearly["period"].isin([years[0], years[-1]]) & ~yearly["entity"].isin(top)]
    mid = alt.Chart(middle).mark_text(align="left", dx=7, dy=-8, fontSize=9).encode(x=x, y=y, text="entity:N", color=color)
    comp = r[r["period"] == composite].assign(panel="2018–2022 composite")
    cx = alt.X("panel:N", title="Five-year composite", axis=alt.Axis(labelAngle=0))
    comp_pts = alt.Chart(comp).mark_point(filled=True, size=80, opacity=1).encode(x=cx, y=y, color=color, tooltip=tip)
    comp_txt = alt.Chart(comp).mark_text(align="left", dx=9, fontSize=10).encode(x=cx, y=y, text="name:N", color=color)
    chart = alt.hconcat(alt.layer(lines, dots, left, right, mid).properties(width=400, height=300),
                        alt.layer(comp_pts, comp_txt).properties(width=110, height=300)).resolve_scale(x="independent")
    return finish(chart, "Beijing leads China's city AI-compute rankings in every edition",
                  ["Left: the top-10 city rankings of the 2019–2021 editions; right: the 2018–2022 five-year composite,",
                   "whose top five are coloured. Dashed: a city absent from the list between (Nanjing, 9th in 2019 and",
                   "4th in 2021, is not in the 2020 list). The 2020 list's 10th city and the composite's ranks 6–10 are",
                   "not published."],
                  SOURCE_EDITIONS, "City AI computing power ranking 城市人工智能算力排名 across editions.")
