"""What a reader sees: no figure draws a raw id, no table cell of a rendered page is cut off,
titles state what the tables say, no line crosses a year with no data, tooltips use people's
words, colours stay apart for colour-blind readers, and every page fits a phone.

Ids (underscore-joined tokens such as ``intelligent_compute`` or ``nvidia_yoy_324``) stay in the
data; every text drawn in a figure, and every tooltip's name, is for people. Tables in the
rendered notebooks wrap their text (analysis.pipeline.notebook.table), so no cell ends in an
ellipsis. The width checks open each page in headless Chromium at 390 and 1280 CSS pixels.
"""
from __future__ import annotations

import html
import itertools
import json
import os
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import numpy as np
import pandas as pd
import pytest

from tests.browser import Chromium, find_chromium

REPO = Path(__file__).resolve().parents[1]
RAW_ID = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
SVGS = sorted((REPO / "figures").glob("*.svg"))
PAGES = sorted((REPO / "reports").glob("*.html"))


def drawn_text(svg: Path) -> list[str]:
    return ["".join(el.itertext()) for el in ET.parse(svg).iter() if el.tag.endswith("}text") or el.tag == "text"]


@pytest.mark.parametrize("svg", SVGS, ids=lambda p: p.stem)
def test_no_figure_draws_a_raw_id(svg):
    texts = drawn_text(svg)
    assert texts, "no text found: the check would pass vacuously"
    assert not [t for t in texts if RAW_ID.search(t)]


def test_the_raw_id_check_can_fail(tmp_path):
    bad = tmp_path / "bad.svg"
    bad.write_text('<svg xmlns="http://www.w3.org/2000/svg"><text>intelligent_compute</text></svg>')
    assert [t for t in drawn_text(bad) if RAW_ID.search(t)] == ["intelligent_compute"]


def cells(page: Path) -> list[str]:
    text = page.read_text(encoding="utf-8")
    return [html.unescape(re.sub(r"<[^>]+>", "", m)).strip() for m in re.findall(r"<td[^>]*>(.*?)</td>", text, re.S)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_no_table_cell_is_truncated(page):
    assert not [c for c in cells(page) if c.endswith(("...", "…"))]


def test_pages_with_tables_have_cells():
    assert sum(len(cells(p)) for p in PAGES) > 100  # the check above reads real tables


# ---------------------------------------------------------------------------- titles state the tables


def _title(fig: str) -> str:
    spec = json.loads((REPO / "figures" / f"{fig}.vl.json").read_text(encoding="utf-8"))
    text = spec["title"]["text"]
    return " ".join(text) if isinstance(text, list) else text


def test_the_audit_title_counts_the_claims_in_the_table():
    """Recounted here from audit.csv, independently of analysis.findings: a claim's rows agree, or it
    depends on the reading."""
    a = pd.read_csv(REPO / "data" / "processed" / "audit.csv")
    tests = a[a["verdict"] != "implication"]
    per_claim = tests.groupby("claim")["verdict"].agg(lambda v: v.iloc[0] if v.nunique() == 1 else "depends")
    bad, depends = int((per_claim == "inconsistent").sum()), int((per_claim == "depends").sum())
    assert _title("audit") == (f"{bad} of the {len(per_claim)} claims audited do not follow from the figures they rest "
                               f"on; {depends} more depend on the reading")


def _compute_title(f: pd.DataFrame) -> str:
    ic = f[f["series"] == "intelligent_compute"].drop_duplicates(["model", "year"])
    year = int(ic.loc[ic["model"] == "report_path", "year"].max())
    at = ic[ic["year"] == year]
    report = float(at.loc[at["model"] == "report_path", "median"].iloc[0])
    medians = at.loc[at["model"] != "report_path", "median"]
    above, n = int((medians > report).sum()), len(medians)
    where = {n: "below every model's median", 0: "above every model's median"}.get(above, f"below {above} of {n} models' medians")
    return (f"Intelligent compute in {year}: the report's {report:,.0f} EFLOPS is {where} "
            f"({medians.min():,.0f} to {medians.max():,.0f})")


def test_the_compute_title_states_where_the_report_lies_among_the_models():
    f = pd.read_csv(REPO / "data" / "processed" / "forecasts.csv")
    assert _title("compute_growth") == _compute_title(f)


def test_the_title_checks_can_fail():
    """A title computed from other numbers is not the committed one: a stale title is caught."""
    from analysis import figure_notes

    f = pd.read_csv(REPO / "data" / "processed" / "forecasts.csv")
    moved = f.copy()
    moved.loc[(moved["series"] == "intelligent_compute") & (moved["model"] == "report_path"), "median"] *= 3
    assert figure_notes.compute_growth_title(moved) == _compute_title(moved) != _title("compute_growth")


# ---------------------------------------------------------------------------- no line through a gap

RANKINGS = ("city_ranking", "industry_ranking")


def _layers(spec: dict, data: dict | None = None):
    """Every single-mark view of a spec, with the data it inherits."""
    data = spec.get("data", data)
    for key in ("layer", "hconcat", "vconcat", "concat"):
        for sub in spec.get(key, []):
            yield from _layers(sub, data)
    if "mark" in spec:
        yield {**spec, "data": data} if data is not None else spec


def lines_through_gaps(spec: dict, by_year: bool = False) -> list[str]:
    """Every solid line segment that joins two points with an edition between them (a year on the
    x axis for which that line has no point); ``by_year``: with a calendar year between them (what
    each edition said: a year the edition did not state)."""
    bad = []
    for layer in _layers(spec):
        mark = layer["mark"]["type"] if isinstance(layer["mark"], dict) else layer["mark"]
        enc = layer.get("encoding", {})
        if mark != "line" or "x" not in enc:
            continue
        domain = [str(d) for d in enc["x"].get("scale", {}).get("domain", [])]
        rows = spec["datasets"][layer["data"]["name"]] if "data" in layer else []
        xf = enc["x"]["field"]
        if by_year and rows:
            domain = [str(v) for v in range(int(min(r[xf] for r in rows)), int(max(r[xf] for r in rows)) + 1)]
        elif not {str(r[xf]) for r in rows} <= set(domain):  # a year axis: the editions are the years with data
            domain = [str(v) for v in sorted({r[xf] for r in rows})]
        group = enc.get("detail", {}).get("field")
        dash = enc.get("strokeDash", {})
        dashed = dict(zip(dash.get("scale", {}).get("domain", []), dash.get("scale", {}).get("range", [])))
        key = lambda r: r.get(group)  # noqa: E731
        for g, pts in itertools.groupby(sorted(rows, key=lambda r: (str(key(r)), domain.index(str(r[xf])))), key=key):
            pts = list(pts)
            for a, b in zip(pts, pts[1:]):
                skipped = domain.index(str(b[xf])) - domain.index(str(a[xf])) > 1
                solid = dashed.get(a.get(dash.get("field")), [1, 0]) in ([1, 0], None)
                if skipped and solid:
                    bad.append(f"{g}: {a[xf]} to {b[xf]}")
    return bad


@pytest.mark.parametrize("fig", RANKINGS)
def test_no_solid_line_crosses_a_year_with_no_data(fig):
    spec = json.loads((REPO / "figures" / f"{fig}.vl.json").read_text(encoding="utf-8"))
    assert any(layer.get("encoding", {}).get("strokeDash", {}).get("field") == "gap" for layer in _layers(spec))
    assert lines_through_gaps(spec) == []


def test_no_edition_s_line_crosses_a_year_it_did_not_state_solid():
    spec = json.loads((REPO / "figures" / "edition_paths.vl.json").read_text(encoding="utf-8"))
    lines = [layer for layer in _layers(spec) if layer["mark"] == "line" or layer["mark"].get("type") == "line"]
    assert len(lines) >= 5 and all(layer["encoding"].get("strokeDash", {}).get("field") == "gap" for layer in lines)
    assert lines_through_gaps(spec, by_year=True) == []
    # the check reads real segments: with the dashes taken away, the forecasts' jumps (2023 to 2027) are solid
    for layer in lines:
        layer["encoding"].pop("strokeDash")
    assert len(lines_through_gaps(spec, by_year=True)) >= 5


def test_the_gap_check_catches_a_line_through_a_missing_year():
    """The old drawing, one line per city, crossed 2020 for Nanjing (9th in 2019, 4th in 2021)."""
    import altair as alt

    r = pd.DataFrame({"entity": ["Nanjing", "Nanjing", "Beijing", "Beijing", "Beijing"],
                      "period": ["2019", "2021", "2019", "2020", "2021"], "rank": [9, 4, 1, 1, 1]})
    old = alt.Chart(r).mark_line().encode(x=alt.X("period:O", scale=alt.Scale(domain=["2019", "2020", "2021"])),
                                          y="rank:Q", detail="entity:N")
    assert lines_through_gaps(alt.layer(old).to_dict()) == ["Nanjing: 2019 to 2021"]


# ---------------------------------------------------------------------------- the README's drawing promises


def _forecast_specs():
    return {f: json.loads((REPO / "figures" / f"{f}.vl.json").read_text(encoding="utf-8"))
            for f in ("compute_growth", "ai_server_market")}


def test_the_report_is_black_dotted_and_a_diamond():
    """README: "black is the report (dotted: its path; diamond: its 2027 value)"."""
    for fig, spec in _forecast_specs().items():
        marks = [layer for layer in _layers(spec) if isinstance(layer["mark"], dict)]
        path = [m for m in marks if m["mark"]["type"] == "line" and m["mark"].get("strokeDash") == [2, 3]]
        diamond = [m for m in marks if m["mark"].get("shape") == "diamond"]
        assert path and all(m["mark"]["color"] == "#000000" for m in path), fig
        assert diamond and all(m["mark"]["color"] == "#000000" for m in diamond), fig
        for m in path:
            assert {r["model"] for r in spec["datasets"][m["data"]["name"]]} == {"report_path"}, fig


def test_filled_points_are_the_points_used_for_fitting():
    """README: "filled points were used for fitting and hollow ones were not"."""
    assembly = pd.read_csv(REPO / "data" / "processed" / "series_assembly.csv")
    used = set(assembly.loc[assembly["used"].astype(str) == "True", "id"])
    seen = 0
    for fig, spec in _forecast_specs().items():
        for layer in _layers(spec):
            fill = layer.get("encoding", {}).get("fill", {})
            if fill.get("condition", {}).get("test") != "datum.status == 'used for fitting'":
                continue
            assert fill["condition"]["value"] == "#000000" and fill["value"] == "#ffffff"
            for r in spec["datasets"][layer["data"]["name"]]:
                assert (r["status"] == "used for fitting") == (r["id"] in used), (fig, r["id"])
                seen += 1
    assert seen >= 8


# ---------------------------------------------------------------------------- tooltips and colours

READABLE_TOOLTIPS = sorted(p.name.removesuffix(".vl.json") for p in (REPO / "figures").glob("*.vl.json"))


def _tooltips(node):
    if isinstance(node, dict):
        for k, v in node.items():
            if k == "tooltip" and isinstance(v, list):
                yield from v
            else:
                yield from _tooltips(v)
    elif isinstance(node, list):
        for v in node:
            yield from _tooltips(v)


@pytest.mark.parametrize("fig", READABLE_TOOLTIPS)
def test_tooltips_name_fields_in_words(fig):
    spec = json.loads((REPO / "figures" / f"{fig}.vl.json").read_text(encoding="utf-8"))
    tips = list(_tooltips(spec))
    assert tips, "no tooltips: the check would pass vacuously"
    assert not [t for t in tips if not t.get("title") or RAW_ID.search(t["title"])], tips


# Machado, Oliveira & Fernandes (2009): simulation of protanopia and deuteranopia (severity 1) on linear RGB.
CVD = {"protanopia": np.array([[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
                               [-0.003882, -0.048116, 1.051998]]),
       "deuteranopia": np.array([[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
                                 [-0.011820, 0.042940, 0.968881]])}
MIN_DELTA_E = 30  # CIELAB distance two thin lines need to be told apart


def _lab(rgb_linear):
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ np.clip(rgb_linear, 0, 1)
    t = xyz / np.array([0.95047, 1.0, 1.08883])
    f = np.where(t > 0.008856, np.cbrt(t), 7.787 * t + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


def delta_e(a: str, b: str, vision: str | None = None) -> float:
    def linear(h):
        c = np.array([int(h[i:i + 2], 16) for i in (1, 3, 5)]) / 255
        c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
        return CVD[vision] @ c if vision else c
    return float(np.linalg.norm(_lab(linear(a)) - _lab(linear(b))))


def closest_pair(colours) -> tuple[float, str, str, str]:
    return min((delta_e(a, b, v), a, b, str(v)) for a, b in itertools.combinations(sorted(set(colours)), 2)
               for v in (None, *CVD))


def _model_colours(fig: str) -> list[str]:
    spec = json.loads((REPO / "figures" / f"{fig}.vl.json").read_text(encoding="utf-8"))
    grey = lambda c: c[1:3] == c[3:5] == c[5:7]  # noqa: E731  (grey is "the others", named by their labels)
    return [c for layer in _layers(spec) for c in (layer.get("encoding", {}).get("color", {}).get("scale", {}) or {})
            .get("range", []) if isinstance(c, str) and c.startswith("#") and not grey(c.lower())]


@pytest.mark.parametrize("fig", ["compute_growth", "ai_server_market", "city_ranking", "audit"])
def test_colours_stay_apart_for_colour_blind_readers(fig):
    colours = _model_colours(fig)
    assert len(set(colours)) >= 4, colours
    assert closest_pair(colours)[0] >= MIN_DELTA_E, closest_pair(colours)


def test_the_palette_check_catches_orange_against_vermillion():
    """Okabe–Ito's orange and vermillion, the old decay and ETS lines, merge for a deuteranope."""
    assert delta_e("#E69F00", "#D55E00") > MIN_DELTA_E > delta_e("#E69F00", "#D55E00", "deuteranopia")
    from analysis import charts

    every = [charts.MODEL_COLORS[m] for m in ("drift", "decay", "loglinear", "ets", "combination")]
    assert closest_pair(every)[0] >= MIN_DELTA_E




# ---------------------------------------------------------------------------- widths (headless Chromium)

#: What overflows the page horizontally: the document wider than the window, or any element whose
#: box reaches past the window's right edge (or left of 0) without a horizontally scrolling box
#: around it (a wide table that scrolls inside its own box is allowed; one that is cut off is not).
OVERFLOW = """(() => {
  const vw = document.documentElement.clientWidth;
  const scrolls = e => { for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o === 'auto' || o === 'scroll') return true; } return false; };
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') +
      (e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
  const out = [];
  for (const e of document.body.querySelectorAll('*')) {
    const r = e.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || getComputedStyle(e).visibility === 'hidden') continue;
    if ((r.right > vw + 1 || r.left < -1) && !scrolls(e)) out.push(name(e) + ' ' + Math.round(r.left) + '..' + Math.round(r.right));
  }
  return {vw: vw, window: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, bodyWidth: document.body.scrollWidth,
          count: out.length, first: out.slice(0, 8)};
})()"""
WIDTHS = (390, 1280)
WIDTH_PAGES = [f"reports/{p}" for p in ("index.html", "01_clean.html", "03_forecast.html", "04_context_figures.html",
                                  "05_forecast_figures.html")] + ["figures/compute_growth.html", "figures/audit.html"]


@pytest.fixture(scope="module")
def browser():
    binary = find_chromium()
    if binary is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed (.ci/run installs it with apt-get)")
        pytest.skip("chromium is not installed: apt-get install chromium")
    b = Chromium(binary)
    yield b
    b.close()


def overflow(browser, url: str, width: int, settle: float = 1.0) -> dict:
    return browser.visit(url, OVERFLOW, settle=settle, width=width).result


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", WIDTH_PAGES)
def test_pages_fit_the_width_without_horizontal_overflow(browser, repo, page, width):
    """A phone (390 px) and a laptop (1280 px): nothing is wider than the window or cut off at its edge."""
    got = overflow(browser, (repo / page).as_uri(), width, settle=3.0 if page.startswith("figures/") else 1.0)
    assert got["window"] == width, got  # the layout really is that wide (less a desktop scroll bar)
    assert got["scrollWidth"] <= got["vw"] and got["bodyWidth"] <= got["vw"] and got["count"] == 0, got


@pytest.mark.browser
def test_the_overflow_check_fails_on_a_page_that_overflows(browser, tmp_path):
    """The old index's grid (minmax(480px, 1fr)) and an unbreakable hash: cut off at 390 px."""
    page = tmp_path / "wide.html"
    page.write_text('<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">'
                    '</head><body><div style="display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr))">'
                    f'<figure>{"0123456789abcdef" * 4}</figure></div></body></html>', encoding="utf-8")
    got = overflow(browser, page.as_uri(), 390)
    assert got["count"] > 0 and got["scrollWidth"] > 390, got
    assert overflow(browser, page.as_uri(), 1280)["count"] == 0


# ---------------------------------------------------------------------------- text a phone can read

#: The smallest chart text allowed on the index and figure pages, in CSS pixels as rendered.
MIN_TEXT_PX = 9
#: How big each chart's text renders: an inline SVG's texts (font size times the SVG's screen
#: scale), and for an <img> of an SVG the scale at which it is drawn (rendered ÷ natural width).
TEXT_SIZES = """(async () => {
  await document.fonts.ready;
  const texts = [...document.querySelectorAll('svg text')].filter(t => t.textContent.trim() && t.getScreenCTM())
    .map(t => parseFloat(getComputedStyle(t).fontSize) * Math.hypot(t.getScreenCTM().a, t.getScreenCTM().b));
  const imgs = [...document.querySelectorAll('img')].filter(i => i.naturalWidth > 0)
    .map(i => ({src: i.getAttribute('src'), scale: i.getBoundingClientRect().width / i.naturalWidth}));
  return {texts: texts.length, smallest: texts.length ? Math.min(...texts) : null, imgs: imgs};
})()"""
FIGURE_PAGES = sorted((REPO / "figures").glob("*.html"))


def smallest_font(svg: Path) -> float:
    """The smallest font size an SVG file sets (px)."""
    sizes = [float(m) for m in re.findall(r'font-size="([0-9.]+)(?:px)?"', svg.read_text(encoding="utf-8"))]
    return min(sizes)


def rendered_text(browser, page: Path, width: int) -> list[str]:
    """Every chart text on ``page`` at ``width`` CSS px that renders below MIN_TEXT_PX, as messages."""
    got = browser.visit(page.as_uri(), TEXT_SIZES, settle=3.0 if page.parent.name == "figures" else 1.0,
                        width=width).result
    bad = []
    if got["smallest"] is not None and got["smallest"] < MIN_TEXT_PX - 0.05:
        bad.append(f"inline SVG text at {got['smallest']:.1f} px")
    for img in got["imgs"]:
        if img["src"].endswith(".svg"):
            px = smallest_font((page.parent / img["src"]).resolve()) * img["scale"]
            if px < MIN_TEXT_PX - 0.05:
                bad.append(f"{img['src']}: text at {px:.1f} px (drawn at {img['scale']:.2f}×)")
    assert got["texts"] or got["imgs"], "no chart found: the check would pass vacuously"
    return bad


@pytest.mark.browser
@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("page", [REPO / "reports" / "index.html"] + FIGURE_PAGES,
                         ids=lambda p: f"{p.parent.name}/{p.name}" if isinstance(p, Path) else str(p))
def test_chart_text_renders_at_9_css_px_or_more(browser, page, width):
    assert rendered_text(browser, page, width) == []


@pytest.mark.browser
def test_the_text_size_check_fails_on_a_shrunk_chart(browser, tmp_path):
    """The old figure page: a 1,000-px chart with 11-px labels scaled to a 390-px phone (max-width: 100%)."""
    page = tmp_path / "shrunk.html"
    page.write_text('<!DOCTYPE html><html><head><meta name="viewport" content="width=device-width, initial-scale=1">'
                    '<style>svg{max-width:100%;height:auto}</style></head><body><svg width="1000" height="200" '
                    'viewBox="0 0 1000 200" xmlns="http://www.w3.org/2000/svg"><text x="10" y="50" font-size="11px">'
                    'label</text></svg></body></html>', encoding="utf-8")
    bad = rendered_text(browser, page, 390)
    assert len(bad) == 1 and bad[0].startswith("inline SVG text at 4."), bad
    assert rendered_text(browser, page, 1280) == []


def test_no_figure_draws_text_below_10_px():
    """Drawn at 10 px or more, a figure can be shown at 0.9× and still meet the 9-px floor."""
    assert {p.stem: smallest_font(p) for p in SVGS if smallest_font(p) < 10} == {}


# ---------------------------------------------------------------------------- the audit's title and its marks

def audit_title_and_marks(spec: dict) -> tuple[int, int]:
    """The number the audit figure's title states, and the marks drawn in the inconsistent
    verdict's colour (vermillion), read from the spec itself."""
    from analysis.charts import style

    title = spec["title"]["text"]
    title = " ".join(title) if isinstance(title, list) else title
    stated = int(re.match(r"([0-9]+) of the ", title).group(1))
    vermillion = style.VERDICT_COLORS["inconsistent"]
    marks = 0
    for layer in _layers(spec):
        colour = layer.get("encoding", {}).get("color", {})
        scale = colour.get("scale") or {}
        if "field" not in colour or vermillion not in scale.get("range", []):
            continue
        label = scale["domain"][scale["range"].index(vermillion)]
        rows = spec["datasets"][layer["data"]["name"]]
        marks += sum(1 for r in rows if r[colour["field"]] == label)
    return stated, marks


def test_the_audit_title_number_is_the_number_of_vermillion_marks():
    spec = json.loads((REPO / "figures" / "audit.vl.json").read_text(encoding="utf-8"))
    stated, marks = audit_title_and_marks(spec)
    assert stated == marks >= 1


def test_the_audit_mark_check_fails_on_one_mark_per_check():
    """The old drawing: one mark per check, so a claim checked twice drew two vermillion marks."""
    spec = json.loads((REPO / "figures" / "audit.vl.json").read_text(encoding="utf-8"))
    for layer in _layers(spec):
        if layer.get("encoding", {}).get("color", {}).get("field") == "claim_verdict":
            rows = spec["datasets"][layer["data"]["name"]]
            rows.append(next(r for r in rows if r["claim_verdict"] == "inconsistent"))
    stated, marks = audit_title_and_marks(spec)
    assert marks == stated + 1


def test_each_compute_panel_states_where_the_report_lies():
    """compute_growth's message covers both panels: each panel's title, recomputed here."""
    f = pd.read_csv(REPO / "data" / "processed" / "forecasts.csv")
    spec = json.loads((REPO / "figures" / "compute_growth.vl.json").read_text(encoding="utf-8"))
    titles = [" ".join(p["title"]["text"]) for p in spec["vconcat"]]
    for series, title in zip(("intelligent_compute", "general_compute"), titles):
        g = f[f["series"] == series].drop_duplicates(["model", "year"])
        year = int(g.loc[g["model"] == "report_path", "year"].max())
        at = g[g["year"] == year]
        report = float(at.loc[at["model"] == "report_path", "median"].iloc[0])
        medians = at.loc[at["model"] != "report_path", "median"]
        above = int((medians > report).sum())
        where = {len(medians): "below every model's median", 0: "above every model's median"}.get(
            above, f"below {above} of {len(medians)} models' medians")
        assert f"{year}: the report's" in title and where in title, (series, title)


FIRST_SCREEN = """(() => { const h = document.querySelector('.headline'), f = document.querySelector('figure img');
  return {headline: h ? h.getBoundingClientRect().top : null, figure: f ? f.getBoundingClientRect().top : null,
          figureBottom: f ? f.getBoundingClientRect().bottom : null, screen: window.innerHeight}; })()"""


@pytest.mark.browser
def test_the_headline_and_the_first_figure_come_in_the_first_phone_screen(browser, repo):
    """At 390 × 900 CSS px, the headline finding and the top of the first figure (its title and more)
    are on the first screen, before any scrolling."""
    got = browser.visit((repo / "reports" / "index.html").as_uri(), FIRST_SCREEN, width=390).result
    assert got["headline"] is not None and got["headline"] < got["figure"], got
    assert got["figure"] + 200 < got["screen"] == 900, got


# ---------------------------------------------------------------------------- a README a newcomer finishes

def test_the_readme_is_short_and_links_every_document_it_moved():
    """At most 160 lines; the guarantees, how it is built, data and provenance, runs, commands and
    adding a figure are one click away, in docs/, and each document links back."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 160
    docs = sorted(p.name for p in (REPO / "docs").glob("*.md"))
    assert {"guarantees.md", "how-it-is-built.md", "data.md", "adding-a-figure.md", "runs.md", "commands.md"} <= set(docs)
    for name in docs:
        assert f"](docs/{name})" in text, name
        assert "](../README.md)" in (REPO / "docs" / name).read_text(encoding="utf-8"), name
    for target in re.findall(r"\]\(((?!https?:|#)[^)]+)\)", text):  # every relative link of the README resolves
        assert (REPO / target).exists(), target
