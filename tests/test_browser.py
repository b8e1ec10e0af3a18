"""The index page, a rendered notebook and an interactive figure, opened in headless Chromium with
the network closed: figures are drawn, no request leaves file:// (or data:), no console error."""
from __future__ import annotations

import os

import pytest

from tests.browser import Chromium, find_chromium

pytestmark = pytest.mark.browser

SIZES = """(() => {
  const els = [...document.querySelectorAll('img, svg, canvas')];
  return els.map(e => { const r = e.getBoundingClientRect();
    return {tag: e.tagName.toLowerCase(), w: r.width, h: r.height,
            complete: e.tagName !== 'IMG' || (e.complete && e.naturalWidth > 0)}; });
})()"""


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


def _assert_offline(report):
    outside = [u for u in report.requests if not u.startswith(("file://", "data:", "about:", "blob:"))]
    assert outside == [], outside
    assert report.errors == [], report.errors


def _drawn(report, tag: str, minimum: int):
    drawn = [e for e in report.result if e["tag"] == tag and e["w"] > 50 and e["h"] > 50 and e["complete"]]
    assert len(drawn) >= minimum, report.result


def test_index_page_draws_every_figure_offline(browser, repo):
    report = browser.visit((repo / "reports" / "index.html").as_uri(), SIZES)
    _assert_offline(report)
    _drawn(report, "img", 9)
    assert any(u.endswith("figures/compute_growth.svg") for u in report.requests)


def test_rendered_notebook_draws_its_charts_offline(browser, repo):
    report = browser.visit((repo / "reports" / "04_context_figures.html").as_uri(), SIZES)
    _assert_offline(report)
    _drawn(report, "img", 6)


def test_interactive_figure_renders_offline(browser, repo):
    report = browser.visit((repo / "figures" / "nvidia_revenue.html").as_uri(), SIZES, settle=3.0)
    _assert_offline(report)
    assert any(e["tag"] in ("svg", "canvas") and e["w"] > 200 and e["h"] > 200 for e in report.result), report.result
