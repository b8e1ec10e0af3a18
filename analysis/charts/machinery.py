"""The drawing machinery: the notebook renderer, placeholders for a build as of an earlier date,
the exporter (SVG with its font, PNG, Vega-Lite JSON and a standalone HTML page, byte-deterministic,
through vl-convert and :mod:`analysis.figure_cache`), and the geometry helpers that place labels in
pixels (an explicit y domain, dodged end labels), every computed position rounded by
:func:`analysis.charts.style.stable`.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

import altair as alt
import numpy as np
import pandas as pd

from analysis import fonts
from analysis.base.atomic import write_bytes, write_text
from analysis.charts.style import GREY, WIDTH, finish, stable
from analysis.domain import DEFAULT_AS_OF

_PACKAGE = Path(__file__).resolve().parent
#: SHA-256 of the drawing code as this process imported it (every module of this package, by name
#: and bytes): part of :mod:`analysis.figure_cache`'s key.
SOURCE_SHA256 = hashlib.sha256(b"".join(p.name.encode() + b"\0" + p.read_bytes() + b"\0"
                                        for p in sorted(_PACKAGE.glob("*.py")))).hexdigest()

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
      body {{ margin: 1rem auto; padding: 0 1rem; max-width: 44rem; font-family: {font_stack}; }}
      @media (max-width: 420px) {{ body {{ padding: 0 0.5rem; }} }}
      nav {{ margin-bottom: 0.75rem; }}
      /* drawn at its natural size, never shrunk: a figure wider than a phone scrolls in its box */
      #vega-chart {{ overflow-x: auto; max-width: 100%; }}
      .vega-embed {{ display: inline-block; }}
      .vega-embed svg {{ max-width: none; }}
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
    text = " ".join(text) if isinstance(text, list) else text
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


#: The smallest chart: what :func:`warm` draws (and throws away) to start vl-convert's engine.
_WARM_SPEC = {"data": {"values": [{"x": 0}]}, "mark": "point", "encoding": {"x": {"field": "x", "type": "quantitative"}}}


def warm() -> None:
    """Start vl-convert's JavaScript engine and import the font subsetter, once per process, before
    the first figure: about 0.5 s that a process's first drawing pays otherwise. The pipeline calls
    it in a figure step's kernel as that kernel starts (:class:`analysis.pipeline.runner.Kernel`),
    so that a kernel started ahead has paid it before the step runs. Nothing drawn is kept: a
    drawing depends on its spec alone, not on what the process drew before (``tests/test_charts.py``)."""
    import vl_convert as vlc
    from fontTools import subset  # noqa: F401

    fonts.register()
    vlc.vegalite_to_svg(_WARM_SPEC)


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



def _y_domain(values, log: bool, margin: float = 0.04) -> list[float]:
    """The y domain, set explicitly so labels can be placed in pixels: the data's extent plus a margin
    (each end rounded by :func:`stable`)."""
    v = pd.Series(values, dtype=float).dropna()
    v = v[v > 0] if log else v
    lo, hi = float(v.min()), float(v.max())
    if hi == lo:  # one value (an edition that stated one year): a domain around it, never an empty one
        return stable([lo / 1.25, hi * 1.25]) if log else stable([lo - max(abs(lo) * 0.1, 1.0), hi + max(abs(hi) * 0.1, 1.0)])
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
