"""The exporter: every format of a figure from one drawing."""
from __future__ import annotations

import json

import pytest
import vl_convert as vlc

from analysis import charts, fonts
from analysis.base import paths

SPECS = sorted(paths.FIGURES.glob("*.vl.json"))


def test_there_are_committed_figures_to_check():
    assert len(SPECS) >= 10


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.name.removesuffix(".vl.json"))
def test_rasterising_the_drawn_svg_gives_vl_converts_own_png(spec_path):
    """export() rasterises the SVG it drew instead of drawing the chart again for the PNG: that
    shortcut is only allowed because the bytes are the same."""
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    fonts.register()
    svg = vlc.vegalite_to_svg(spec)
    assert vlc.svg_to_png(svg, scale=2) == vlc.vegalite_to_png(spec, scale=2)
    assert vlc.svg_to_png(svg, scale=1) == vlc.vegalite_to_png(spec, scale=1)


def test_export_writes_every_format_and_displays_the_exported_svg(tmp_path):
    import altair as alt
    import pandas as pd

    chart = alt.Chart(pd.DataFrame({"x": [1, 2], "y": [3, 4]})).mark_line().encode(x="x:Q", y="y:Q")
    figure = charts.export(chart.properties(title="A test"), "t", tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["t.html", "t.png", "t.svg", "t.vl.json"]
    bundle = figure._repr_mimebundle_()
    assert bundle["image/svg+xml"] == (tmp_path / "t.svg").read_text(encoding="utf-8")
    assert bundle["image/png"]  # the 1× PNG JupyterLab shows in an untrusted notebook
    page = (tmp_path / "t.html").read_text(encoding="utf-8")
    assert "<title>A test</title>" in page and "http://" not in page.replace("http://www.w3.org", "")
