"""The exporter: every format of a figure from one drawing."""
from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import vl_convert as vlc

from analysis import charts, fonts
from analysis.base import paths

SPECS = sorted(paths.FIGURES.glob("*.vl.json"))


def test_there_are_committed_figures_to_check():
    assert len(SPECS) >= 10


@pytest.fixture(scope="module")
def displayed() -> dict[str, bytes]:
    """The 1× PNG each figure notebook displays, by figure name (``Figure._repr_mimebundle_``:
    ``<figure NAME>`` beside its ``image/png``), read once."""
    import base64

    out = {}
    for notebook in sorted((paths.CODE_ROOT / "notebooks").glob("0*.ipynb")):  # the committed notebooks
        for cell in json.loads(notebook.read_text(encoding="utf-8"))["cells"]:
            for output in cell.get("outputs", []):
                data = output.get("data", {})
                text = "".join(data.get("text/plain", ""))
                if "image/png" in data and text.startswith("<figure "):
                    out[text.removeprefix("<figure ").removesuffix(">")] = base64.b64decode(data["image/png"])
    return out


@pytest.mark.parametrize("spec_path", SPECS, ids=lambda p: p.name.removesuffix(".vl.json"))
def test_rasterising_the_drawn_svg_gives_vl_converts_own_png(spec_path, displayed):
    """export() rasterises the SVG it drew instead of drawing the chart again for the PNGs: that
    shortcut is only allowed because the bytes are the same. The committed 2× PNG and the 1× PNG
    its notebook displays were made by that shortcut (and the determinism drill's clean builds
    make them again, byte-identical); vl-convert drawing the chart itself gives the same bytes.
    (Until issue 31 this drew each chart's SVG and rasterised it again here as well: the same
    comparison, at five conversions per figure instead of two.)"""
    name = spec_path.name.removesuffix(".vl.json")
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    fonts.register()
    assert vlc.vegalite_to_png(spec, scale=2) == (paths.FIGURES / f"{name}.png").read_bytes()
    assert vlc.vegalite_to_png(spec, scale=1) == displayed[name]


def test_every_committed_figure_is_displayed_by_a_notebook(displayed):
    assert sorted(displayed) == sorted(p.name.removesuffix(".vl.json") for p in SPECS)


def test_a_figure_drawn_after_the_warm_up_is_the_committed_figure():
    """machinery.warm() (run by a figure step's kernel as it starts, analysis/pipeline/runner.py)
    draws a throw-away chart first; a figure drawn after it has the committed bytes."""
    from analysis.charts import machinery

    machinery.warm()
    drawn = machinery.render(json.loads((paths.FIGURES / "compute_growth.vl.json").read_text(encoding="utf-8")))
    assert drawn["svg"] == (paths.FIGURES / "compute_growth.svg").read_text(encoding="utf-8")
    assert drawn["png"] == (paths.FIGURES / "compute_growth.png").read_bytes()


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


class _OffByOneBit:
    """numpy, except that exp and log answer one bit high: what a CPU with another vectorised
    code path (AVX-512 or not) can return."""

    def __getattr__(self, name):
        return getattr(np, name)

    @staticmethod
    def exp(x):
        return np.nextafter(np.exp(x), np.inf)

    @staticmethod
    def log(x):
        return np.nextafter(np.log(x), np.inf)


@pytest.mark.parametrize("log", [True, False])
def test_a_last_bit_of_exp_or_log_never_reaches_a_spec(monkeypatch, log):
    values = [20.3, 57.1, 351.9, 1117.0, 2948.032437]
    ends = pd.DataFrame({"year": [2027] * 4, "value": [2948.032437, 2972.970153, 1759.900205, 1163.594255],
                         "label": list("abcd"), "color": list("wxyz")})
    here = charts._y_domain(values, log), charts.end_labels(ends, charts._y_domain(values, log), log, 300)
    assert here[0][1] == pytest.approx(2948.032437 * (2948.032437 / 20.3) ** 0.04 if log else 2948.032437 + 0.04 * 2927.732437)
    assert all(len(repr(v).replace(".", "").lstrip("0").rstrip("0")) <= charts.SPEC_DIGITS + 1 for v in here[0])
    monkeypatch.setattr(charts.machinery, "np", _OffByOneBit())
    there = charts._y_domain(values, log), charts.end_labels(ends, charts._y_domain(values, log), log, 300)
    assert there[0] == here[0]
    assert there[1]["label_y"].tolist() == here[1]["label_y"].tolist()
    assert 1759.900205 in here[1]["label_y"].tolist()  # a label that did not move sits at its value
    assert charts.stable(368.178872758237) == charts.stable(368.17887275823693) == 368.178873
