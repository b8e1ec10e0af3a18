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
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from analysis import fonts
from analysis.build.atomic import write_bytes, write_text
from analysis.domain import LAST_DATA_YEAR, MODEL_LABELS, REPORT_HORIZON, SERIES_LABELS, headline_level

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
MODEL_ORDER = ["drift", "decay", "loglinear", "ets", "combination", "scenario"]
MODEL_COLORS = dict(zip(MODEL_ORDER, OKABE_ITO))
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


_PAGE = """<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="UTF-8">
    <title>{title}</title>
    <style>
      {font_css}
      body {{ margin: 1rem; font-family: {font_stack}; }}
      .vega-embed {{ width: 100%; display: flex; }}
      .vega-embed details, .vega-embed details summary {{ position: relative; }}
    </style>
    <script type="text/javascript">{bundle}</script>
  </head>
  <body>
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
    key = figure_cache.key(spec)
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


def forecast_panel(series: str, series_table, assembly, forecasts, band_model: str = "combination",
                   width: int = WIDTH, log: bool = True):
    f = forecasts[forecasts["series"] == series]
    hist = _history(series_table, assembly, series)
    last = hist[hist["status"] == "used for fitting"].sort_values("year").tail(1)
    yscale = alt.Scale(type="log", nice=False, padding=8) if log else alt.Scale(zero=False)
    x = alt.X("year:Q", title="Year", axis=alt.Axis(format="d", tickMinStep=1), scale=alt.Scale(zero=False, nice=False, padding=16))
    y_title = SERIES_LABELS[series] + (", log scale" if log else "")
    models = [m for m in MODEL_ORDER if m in set(f["model"])]
    band_m = band_model if band_model in models else (models[0] if models else None)
    layers = []
    horizon = int(f.loc[f["model"] != "report_path", "year"].max()) if models else 0
    if horizon > REPORT_HORIZON:
        ext = pd.DataFrame({"start": [REPORT_HORIZON + 0.5], "end": [horizon + 0.5],
                            "label": [f"after {REPORT_HORIZON}: extrapolation"]})
        layers.append(alt.Chart(ext).mark_rect(color="#eeeeee").encode(
            x=alt.X("start:Q", scale=alt.Scale(zero=False, nice=False, padding=16)), x2="end:Q", tooltip=["label"]))
        layers.append(alt.Chart(ext).mark_text(align="right", baseline="top", dx=-4, dy=4, fontSize=10, color=GREY)
                      .encode(x=alt.X("end:Q", scale=alt.Scale(zero=False, nice=False, padding=16)), y=alt.value(0), text="label"))
    if band_m:
        b = f[f["model"] == band_m]
        for i, level in enumerate(_fan_levels(b)):
            layers.append(alt.Chart(b[b["level"] == level]).mark_area(opacity=0.14 + 0.08 * i, color=MODEL_COLORS[band_m])
                          .encode(x=x, y=alt.Y("lower:Q", scale=yscale, title=y_title), y2="upper:Q",
                                  tooltip=["model", "year", "level", alt.Tooltip("lower:Q", format=".1f"),
                                           alt.Tooltip("upper:Q", format=".1f"), "distribution"]))
    fitted = f[f["model"].isin(models)].drop_duplicates(["model", "year"])
    anchor = pd.concat([last.assign(model=m, median=last["value"]) for m in models]) if len(last) else last
    lines = pd.concat([anchor[["model", "year", "median"]], fitted[["model", "year", "median"]]]) if models else fitted
    if len(lines):
        labels = model_labels(f)
        lines = lines.assign(model_label=lines["model"].map(labels))
        # the log-linear line is drawn dashed and last, so where it coincides with drift both show
        lines = lines.assign(order=np.where(lines["model"] == "loglinear", 1, 0)).sort_values("order", kind="stable")
        domain = [labels[m] for m in models]
        layers.append(alt.Chart(lines).mark_line(strokeWidth=1.8).encode(
            x=x, y=alt.Y("median:Q", scale=yscale, title=y_title),
            color=alt.Color("model_label:N", title="Model (median)",
                            scale=alt.Scale(domain=domain, range=[MODEL_COLORS[m] for m in models]),
                            legend=alt.Legend(columns=2, symbolType="stroke")),
            strokeDash=alt.StrokeDash("model_label:N", legend=None, scale=alt.Scale(
                domain=domain, range=[[5, 3] if m == "loglinear" else [1, 0] for m in models])),
            detail="model:N",
            tooltip=[alt.Tooltip("model_label:N", title="model"), "model", "year", alt.Tooltip("median:Q", format=".1f")]))
    rep = f[f["model"] == "report_path"]
    if len(rep):
        layers.append(alt.Chart(rep).mark_line(strokeDash=[2, 3], color=REPORT_COLOR, strokeWidth=1.4).encode(
            x=x, y=alt.Y("median:Q", scale=yscale, title=y_title),
            tooltip=[alt.Tooltip("model", title="line"), "year", alt.Tooltip("median:Q", format=".1f"),
                     alt.Tooltip("sigma_source", title="report")]))
    kinds = [k for k in KIND_SHAPES if k in set(hist["kind"])]
    layers.append(alt.Chart(hist).mark_point(filled=True, size=70, strokeWidth=1.5).encode(
        x=alt.X("x:Q", scale=alt.Scale(zero=False, nice=False, padding=16)), y=alt.Y("value:Q", scale=yscale, title=y_title),
        shape=alt.Shape("kind_label:N", title="Data (filled: used for fitting)", legend=alt.Legend(direction="vertical"), scale=alt.Scale(
            domain=[KIND_LABELS[k] for k in kinds], range=[KIND_SHAPES[k] for k in kinds])),
        fill=alt.condition("datum.status == 'used for fitting'", alt.value(REPORT_COLOR), alt.value("#ffffff")),
        stroke=alt.value(REPORT_COLOR),
        tooltip=["series_zh", "year", alt.Tooltip("value:Q", format=".2f"), "unit", "kind", "vintage", "id", "status"]))
    return alt.layer(*layers).properties(width=width, height=300)


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


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _fan_text(forecasts) -> str:
    """'the combination's 50%/80%/95% intervals' — following the model and levels a run chose."""
    levels = "/".join(f"{lv:.0%}" for lv in sorted(_fan_levels(forecasts)))
    band = _band_model(forecasts)
    return f"the {_lower_first(MODEL_LABELS.get(band, band))}'s {levels} intervals" if band else "no intervals"


def scenario_rates(forecasts) -> dict[str, float]:
    """A scenario's yearly growth rate per series, read back from its medians."""
    out = {}
    sc = forecasts[forecasts["model"] == "scenario"].drop_duplicates(["series", "year"]).sort_values("year")
    for series, g in sc.groupby("series"):
        if len(g) >= 2:
            (y0, m0), (y1, m1) = g[["year", "median"]].iloc[0], g[["year", "median"]].iloc[-1]
            out[series] = (m1 / m0) ** (1 / (y1 - y0)) - 1
    return out


def run_lines(run: str, forecasts) -> list[str]:
    """For a named run: a subtitle line saying which run this is and what it was asked for."""
    if not run:
        return []
    models = [MODEL_LABELS[m] for m in MODEL_ORDER if m in set(forecasts["model"])]
    fitted = forecasts[forecasts["model"] != "report_path"]
    parts = [f"Run '{run}' (make forecast RUN={run}): to {int(fitted['year'].max())}",
             "levels " + "/".join(f"{lv:.0%}" for lv in sorted(_fan_levels(forecasts)))]
    rates = scenario_rates(forecasts)
    if rates:
        parts.append("scenario growth " + ", ".join(f"{SERIES_LABELS[s].split(' (')[0].split(',')[0]} {r:.0%}"
                                                    for s, r in sorted(rates.items())))
    return ["; ".join(parts) + ".", "Models: " + ", ".join(models) + f". All parameters: runs/{run}/params.yaml."]


def compute_growth(series_table, assembly, forecasts, run_note: list[str] = ()):
    panels = [forecast_panel(s, series_table, assembly, forecasts, width=300).properties(
        title=alt.TitleParams("Intelligent compute 智能算力 (FP16)" if s == "intelligent_compute"
                              else "General compute 通用算力 (FP64)",
                              fontSize=12, anchor="start"))
        for s in ("intelligent_compute", "general_compute") if s in set(forecasts["series"])]
    chart = alt.hconcat(*panels).resolve_scale(y="independent", color="shared", shape="shared")
    return finish(chart, "China's AI compute: data by edition, forecasts and the report's path",
                  list(run_note) +
                  ["Filled points: used for fitting; hollow: superseded or excluded. Fan: " + _fan_text(forecasts) + ".",
                   "Black dotted: the report's path through its stated points" + _extrapolation_text(forecasts)
                   + ". FP16 (intelligent) and FP64 (general) EFLOPS count different",
                   "operations at different precisions: the two panels are not comparable and are not added."],
                  SOURCE_EDITIONS, "China intelligent compute 智能算力 (FP16) and general compute 通用算力 (FP64): "
                  "actuals by edition, statsmodels forecasts with intervals, and the report's projection.")


def ai_server_market(series_table, assembly, forecasts, figures, run_note: list[str] = ()):
    panel = forecast_panel("ai_server_market", series_table, assembly, forecasts)
    stated = figures[figures["id"] == "pub_server_2027_e2324"]
    stated = stated.assign(label=[f"report: {v:g} bn in {int(y)}" for v, y in zip(stated["value_clean"], stated["year_end"])],
                           year=stated["year_end"])
    star = alt.Chart(stated).mark_point(shape="diamond", size=150, filled=True, color=REPORT_COLOR).encode(
        x="year:Q", y="value_clean:Q",
        tooltip=["label", "year", alt.Tooltip("value_clean:Q", title="USD bn"), "vintage", "location"])
    chart = alt.layer(panel, star)
    return finish(chart, "China's AI server market 人工智能服务器市场: two points, many futures",
                  list(run_note) +
                  ["Lines: each model's median; fan: " + _fan_text(forecasts)
                   + ". Black: the report's own figures (dotted: its path; diamond: its 2027 forecast).",
                   "Hollow points are not used: the 2022–23 edition's 2021 value is on a different definition."],
                  SOURCE_EDITIONS, "China AI server market 中国人工智能服务器市场 (USD bn): history, forecasts per "
                  "model and the report's 2027 projection.")


def model_comparison(comparison, backtests, run_note: list[str] = ()):
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
        tooltip=["series", "model", "year", alt.Tooltip("median:Q", format=".1f"), alt.Tooltip("lower:Q", format=".1f"),
                 alt.Tooltip("upper:Q", format=".1f"), alt.Tooltip("report:Q", format=".1f"),
                 alt.Tooltip("vs_report_pct:Q", format=".0f", title="vs report %"),
                 alt.Tooltip("crps_log:Q", format=".3f", title="backtest CRPS (log)"), "distribution"])
    rep = base.mark_tick(color=REPORT_COLOR, thickness=2, size=18).encode(
        x="report:Q", y=y, tooltip=[alt.Tooltip("report:Q", format=".1f", title="report's path")])
    top = alt.layer(bars, pts, rep).properties(width=420, height=120).facet(
        row=alt.Row("series_label:N", title=None, header=alt.Header(labelAngle=0, labelAlign="left", labelFontSize=11)))
    top = top.resolve_scale(x="independent")
    bt = backtests[backtests["level"] == mid].copy() if len(backtests) else backtests
    if len(bt):
        bt["label"] = bt["model"].map(MODEL_LABELS) + ", " + bt["year"].astype(str) + " (fit on " + bt["origin"] + ")"
        err = alt.Chart(bt).mark_bar(color=OKABE_ITO[5]).encode(
            x=alt.X("crps_log:Q", title="CRPS on the log scale (lower is better)"),
            y=alt.Y("label:N", title=None, sort=None, axis=alt.Axis(labelLimit=400)),
            tooltip=["series", "model", "origin", "year", alt.Tooltip("forecast:Q", format=".1f"),
                     alt.Tooltip("actual:Q", format=".1f"), alt.Tooltip("error_pct:Q", format=".1f"),
                     alt.Tooltip("interval_score_log:Q", format=".3f"), alt.Tooltip("crps_log:Q", format=".3f")],
        ).properties(width=420, title=alt.TitleParams("Real-time backtest: intelligent compute, fitted on the 2022-23 edition",
                                                      fontSize=12, anchor="start"))
        chart = alt.vconcat(top, err)
    else:
        chart = top
    return finish(chart, "Models against the report's path, and how they scored",
                  list(run_note) + [f"Top: medians and {mid:.0%} intervals per model; black tick: the report's path.",
                   "Bottom: each model's CRPS in the one real-time backtest the editions allow."],
                  SOURCE_EDITIONS, "Model comparison: forecasts against the report and proper scores of the backtest.")


def track_record(track, run_note: list[str] = ()):
    t = track.copy()
    t["label"] = t["edition"] + ": " + t["series"].map({k: v.split(" (")[0] for k, v in SERIES_LABELS.items()}) \
        + ", " + t["year"].astype(str) + " (" + t["method"] + ")"
    t["pairs"] = np.where(t["comparable"], "same definition", "definition differs")
    t["series_label"] = t["series"].map(SERIES_LABELS).fillna(t["series"])
    # pairs at the same horizon are spread a little by series, so no point hides another
    t["x"] = t["horizon"] + t["series"].map({"ai_server_market": -0.1, "intelligent_compute": 0.1}).fillna(0)
    chart = alt.Chart(t).mark_point(filled=True, size=90).encode(
        x=alt.X("x:Q", title="Horizon (years after the edition's last data year)",
                axis=alt.Axis(tickMinStep=1, format="d"), scale=alt.Scale(domain=[0, int(t["horizon"].max()) + 1])),
        y=alt.Y("error_pct:Q", title="Forecast error (% of the later figure)"),
        color=alt.Color("pairs:N", title="Pair", scale=alt.Scale(domain=["same definition", "definition differs"],
                                                                  range=[OKABE_ITO[0], OKABE_ITO[1]])),
        shape=alt.Shape("series_label:N", title="Series"),
        tooltip=["label", "edition", "year", "horizon", alt.Tooltip("forecast:Q", format=".2f"),
                 alt.Tooltip("later_figure:Q", format=".2f"), "later_edition", alt.Tooltip("error_pct:Q", format=".1f"),
                 "note"])
    zero = alt.Chart(pd.DataFrame({"y": [0]})).mark_rule(color=GREY).encode(y="y:Q")
    return finish(alt.layer(zero, chart).properties(width=WIDTH, height=300),
                  "The report's track record: earlier editions against later figures",
                  list(run_note) + ["Each point: an earlier edition's forecast for a year, against what a later edition published by 2023-12.",
                   "Orange pairs compare different definitions (AI infrastructure or hardware vs AI servers)."],
                  SOURCE_EDITIONS, "Track record of the IDC–Inspur report's earlier editions: forecast errors by horizon.")


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
    bars = alt.Chart(shares).mark_bar(color=OKABE_ITO[0]).encode(
        x=alt.X("value:Q", title="Share of Chinese enterprises (%)", scale=alt.Scale(domain=[0, 100])),
        y=alt.Y("label:N", title=None, sort=None),
        tooltip=["label", "zh", "qualifier", "value", "where"])
    text = bars.mark_text(align="left", dx=4).encode(text="shown:N")
    rng = pd.DataFrame([dict(label="Planned increase in GenAI investment", low=f.at["art_genai_increase_low", "value_clean"],
                             high=f.at["art_genai_increase_high", "value_clean"], zh="投入增幅 20%-40%",
                             where=f.at["art_genai_increase_low", "location"])])
    band = alt.Chart(rng).mark_bar(color=OKABE_ITO[1], height=18).encode(
        x=alt.X("low:Q", title="Planned increase over three years (%)", scale=alt.Scale(domain=[0, 100])), x2="high:Q",
        y=alt.Y("label:N", title=None), tooltip=["label", "zh", "low", "high", "where"])
    chart = alt.vconcat((bars + text).properties(width=WIDTH, height=80), band.properties(width=WIDTH, height=40))
    return finish(chart, "Two in three Chinese firms are already exploring generative AI",
                  ["IDC survey: 67% explore GenAI or invest in it; over 70% plan to raise that investment by 20–40%.",
                   "The article's headline ('seven in ten') rounds the 67% up."],
                  SOURCE_2324, "Adoption survey: share of enterprises exploring GenAI and planned investment increase.")


def industry_ranking(rankings):
    r = rankings[rankings["ranking"] == "industry_penetration"].copy()
    r["year"] = r["period"].astype(int)
    r["highlight"] = np.where(r["entity"] == "Telecom", "Telecom", "Other industries")
    r["name"] = r["entity"] + " " + r["entity_zh"].fillna("")
    sel = r[r["year"].isin([2019, 2023]) | (r["entity"] == "Telecom")]
    x = alt.X("year:O", title="Year of the ranking (edition's year)", scale=alt.Scale(padding=0.9),
              axis=alt.Axis(labelAngle=0))
    y = alt.Y("rank:Q", title="Rank in AI penetration (1 = highest)", scale=alt.Scale(reverse=True, domain=[0.5, 8.5], nice=False),
              axis=alt.Axis(tickMinStep=1))
    color = alt.Color("highlight:N", title=None, scale=alt.Scale(domain=["Telecom", "Other industries"],
                                                                 range=[OKABE_ITO[3], "#9a9a9a"]))
    color = color.legend(None)
    lines = alt.Chart(sel).mark_line(point=True).encode(x=x, y=y, color=color, detail="entity:N",
                                                        tooltip=["entity", "entity_zh", "year", "rank", "vintage", "location"])
    labels = alt.Chart(r[r["year"] == 2023]).mark_text(align="left", dx=8).encode(x=x, y=y, text="name:N", color=color)
    left = alt.Chart(r[r["year"] == 2019]).mark_text(align="right", dx=-8).encode(x=x, y=y, text="name:N", color=color)
    chart = alt.layer(lines, labels, left).properties(width=WIDTH, height=300)
    return finish(chart, "Telecom's rise: 5th (2019) to 4th (2022) to 2nd (2023) in AI penetration",
                  ["Industry AI-penetration ranking of the IDC–Inspur reports; 2022 is known for telecom only.",
                   "Ranks 6–8 of 2023 (transport, services, education) are not corroborated elsewhere."],
                  SOURCE_EDITIONS, "Industry AI penetration ranking 人工智能行业渗透度排名, 2019 to 2023.")


def nvidia_revenue(figures, audit):
    q = figures[(figures["indicator"] == "nvidia_dc_revenue") & (figures["measure"] == "level")
                & (figures["table"] == "published_figures")].copy()
    q = q.sort_values("year_end").sort_values("period", key=lambda s: s.str.slice(2, 4) + s.str.slice(-1))
    order = list(q["period"])
    bars = alt.Chart(q).mark_bar(color=OKABE_ITO[2]).encode(
        x=alt.X("period:N", title="NVIDIA fiscal quarter", sort=order, axis=alt.Axis(labelAngle=0)),
        y=alt.Y("value_clean:Q", title="Data-centre revenue (USD bn)"),
        tooltip=["period", alt.Tooltip("value_clean:Q", title="USD bn"), "note"])
    share = figures[figures["indicator"] == "nvidia_china_share"]
    rng = []
    for period in ("FY24 Q2", "FY24 Q3"):
        rev = float(q.loc[q["period"] == period, "value_clean"].iloc[0])
        lo = float(share["value_clean"].min()) / 100 * rev
        hi = float(share["value_clean"].max()) / 100 * rev
        rng.append(dict(period=period, zero=0.0, low=lo, high=hi, label="China: 20–25% of DC revenue"))
    rng = pd.DataFrame(rng)
    tip = ["label", "period", alt.Tooltip("low:Q", format=".2f", title="20% (USD bn)"),
           alt.Tooltip("high:Q", format=".2f", title="25% (USD bn)")]
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
    path = pd.DataFrame({"year": years, "share": a * (b / a) ** ((years - 2023) / 3),
                         "kind": [{2023: "estimate (stated)", 2026: "forecast (stated)"}.get(y, "interpolated (constant growth)")
                                  for y in years]})
    line = alt.Chart(path).mark_line(strokeDash=[4, 3], color=OKABE_ITO[4]).encode(
        x=alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0)),
        y=alt.Y("share:Q", title="GenAI servers' share of the AI server market (%)",
                                                 scale=alt.Scale(domain=[0, 40])))
    pts = alt.Chart(path).mark_point(filled=True, size=80).encode(
        x="year:O", y="share:Q", color=alt.value(OKABE_ITO[4]),
        shape=alt.Shape("kind:N", title=None, scale=alt.Scale(
            domain=["estimate (stated)", "forecast (stated)", "interpolated (constant growth)"],
            range=["triangle-up", "diamond", "circle"])),
        tooltip=["year", alt.Tooltip("share:Q", format=".1f"), "kind"])
    text = alt.Chart(path[path["kind"].str.endswith("(stated)")]).mark_text(dy=-12).encode(
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


def audit_chart(audit):
    a = audit[audit["verdict"] != "implication"].copy()
    a["label"] = a["description"].map(short_description)
    a["rule_label"] = a["rule"].map(AUDIT_RULES).fillna(a["rule"])
    order = list(a.sort_values("rel_difference_pct")["label"])
    verdicts = ["consistent", "consistent within rounding", "revised", "inconsistent"]
    color = alt.Color("verdict:N", title="Verdict", legend=alt.Legend(direction="vertical"), scale=alt.Scale(
        domain=verdicts, range=[OKABE_ITO[2], OKABE_ITO[4], OKABE_ITO[1], OKABE_ITO[3]]))
    x = alt.X("rel_difference_pct:Q", title="|recomputed − stated| / stated (%), symlog scale",
              scale=alt.Scale(type="symlog", padding=12), axis=alt.Axis(values=[0, 1, 2, 5, 10, 20, 40, 100, 200]))
    y = alt.Y("label:N", title=None, sort=order, axis=alt.Axis(labelLimit=720))
    tol = alt.Chart(a).mark_tick(color=GREY, thickness=2, size=14).encode(
        x=alt.X("tolerance_pct:Q"), y=y, tooltip=["check_id", alt.Tooltip("tolerance_pct:Q", title="tolerance (%)"),
                                                   "precision"])
    pts = alt.Chart(a).mark_point(filled=True, size=70).encode(
        x=x, y=y, color=color,
        shape=alt.Shape("rule_label:N", title="Rule", legend=alt.Legend(direction="vertical"), scale=alt.Scale(domain=list(AUDIT_RULES.values()),
                                                                        range=["circle", "triangle-right", "square"])),
        tooltip=["check_id", "description", "stated", "recomputed", "formula", "precision", "rule",
                 alt.Tooltip("tolerance_pct:Q", title="tolerance (%)"), "verdict", "comment"])
    chart = alt.layer(tol, pts).properties(width=WIDTH - 180, height=22 * len(a))
    n_impl = int((audit["verdict"] == "implication").sum())
    return finish(chart, "Auditing the report's arithmetic at the precision it was stated with",
                  ["Each check recomputes a stated figure from other stated figures. Grey tick: its tolerance, derived from",
                   "the digits and qualifiers of its inputs (38 stated means 37.5 to 38.5), not a flat percentage. 'greater' checks",
                   f"(a beat, a growing market, a record) are shown at their relative gap. {n_impl} implications are not tests."],
                  SOURCE_EDITIONS, "Consistency audit of the report's figures: stated against recomputed, with tolerances.")


def city_ranking(rankings):
    """Yearly editions as a slopegraph (the composite's top five coloured and named at both ends),
    and the 2018–2022 composite as its own panel: a five-year composite is not a next year."""
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
                      scale=alt.Scale(domain=names + ["other cities"], range=OKABE_ITO[:len(names)] + ["#c4c4c4"]),
                      legend=None)
    tip = ["entity", "period", "rank", "vintage", "location"]
    yearly = r[r["period"] != composite]
    x = alt.X("period:O", title="Yearly ranking (edition's year)", sort=years, scale=alt.Scale(padding=1.2),
              axis=alt.Axis(labelAngle=0))
    order = alt.Order("highlight:Q")
    yearly = yearly.assign(highlight=yearly["entity"].isin(top).astype(int))  # highlighted lines drawn on top
    lines = alt.Chart(yearly).mark_line(point=True, strokeWidth=2).encode(
        x=x, y=y, color=color, detail="entity:N", order=order, tooltip=tip)
    first, last = yearly[yearly["period"] == years[0]], yearly[yearly["period"] == years[-1]]
    left = alt.Chart(first).mark_text(align="right", dx=-8, fontSize=10).encode(x=x, y=y, text="name:N", color=color)
    right = alt.Chart(last).mark_text(align="left", dx=8, fontSize=10).encode(x=x, y=y, text="name:N", color=color)
    comp = r[r["period"] == composite].assign(panel="2018–2022 composite")
    cx = alt.X("panel:N", title="Five-year composite", axis=alt.Axis(labelAngle=0))
    comp_pts = alt.Chart(comp).mark_point(filled=True, size=80).encode(x=cx, y=y, color=color, tooltip=tip)
    comp_txt = alt.Chart(comp).mark_text(align="left", dx=9, fontSize=10).encode(x=cx, y=y, text="name:N", color=color)
    chart = alt.hconcat(alt.layer(lines, left, right).properties(width=400, height=300),
                        alt.layer(comp_pts, comp_txt).properties(width=110, height=300)).resolve_scale(x="independent")
    return finish(chart, "Beijing leads China's city AI-compute rankings in every edition",
                  ["Left: the top-10 city rankings of the 2019–2021 editions; right: the 2018–2022 five-year composite,",
                   "whose top five are coloured. The 2020 list's 10th city and the composite's ranks 6–10 are not published."],
                  SOURCE_EDITIONS, "City AI computing power ranking 城市人工智能算力排名 across editions.")
