"""What a reader sees: no figure draws a raw id, and no table cell of a rendered page is cut off.

Ids (underscore-joined tokens such as ``intelligent_compute`` or ``nvidia_yoy_324``) stay in the
data and the tooltips; every text drawn in a figure is for people. Tables in the rendered
notebooks wrap their text (analysis.build.notebook.table), so no cell ends in an ellipsis.
"""
from __future__ import annotations

import html
import re
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest

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
