"""Unit tests for analysis.pipeline.notebook: the one table renderer every notebook uses."""
from __future__ import annotations

import numpy as np
import pandas as pd

from analysis.pipeline import notebook


def frame():
    return pd.DataFrame({
        "id": ["intelligent_cagr_2026_e2223", "<b>x</b>"],
        "year": [2023, 2024],
        "rank": [1.0, np.nan],
        "value": [2972.589, -0.5],
        "comment": ["a long comment " * 12, None],
    }, index=[7, 9])


def test_numbers_are_rounded_integers_stay_integers_and_missing_is_a_dash():
    cells = notebook.table(frame()).formatted()
    assert list(cells["year"]) == ["2023", "2024"]
    assert list(cells["rank"]) == ["1", "–"]
    assert list(cells["value"]) == ["2972.6", "−0.5"]
    assert cells["comment"][1] == "–"


def test_explicit_digits_override_the_automatic_precision():
    cells = notebook.table(frame(), digits={"value": 3}).formatted()
    assert list(cells["value"]) == ["2972.589", "−0.500"]


def test_decimals_follow_the_typical_magnitude():
    assert notebook.decimals([1234.5, 250.25]) == 1
    assert notebook.decimals([1.2345, 3.5]) == 2
    assert notebook.decimals([0.01234, 0.5]) == 3
    assert notebook.decimals([3.0, np.nan]) == 0


def test_html_has_no_index_never_truncates_escapes_and_aligns():
    t = notebook.table(frame())
    html = t.to_html()
    assert ("a long comment " * 12).strip() in html
    assert "…" not in html and "..." not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html and "<b>x</b>" not in html
    assert ">7<" not in html and ">9<" not in html  # the frame's index is not shown
    uid = html.split('<table id="T_')[1].split('"')[0]
    assert f"#T_{uid} td.col0 {{\n  text-align: left;" in html
    assert f"#T_{uid} td.col3 {{\n  text-align: right;" in html


def test_renderings_are_identical_across_calls_and_differ_between_tables():
    a, b = notebook.table(frame()), notebook.table(frame())
    assert a._repr_mimebundle_() == b._repr_mimebundle_()
    other = notebook.table(frame().head(1))
    assert other.to_html() != a.to_html()


def test_plain_text_aligns_text_left_and_numbers_right():
    lines = notebook.table(frame(), ["id", "value"]).to_text().splitlines()
    assert lines[0].startswith("id")
    assert lines[1].startswith("intelligent_cagr_2026_e2223")
    assert lines[1].endswith("2972.6")
    assert lines[2].endswith("−0.5")
    assert len(lines[1]) == len(lines[2])


def test_columns_selects_and_orders():
    t = notebook.table(frame(), ["value", "id"])
    assert list(t.formatted().columns) == ["value", "id"]


def test_number_headers_read_as_numbers():
    """A pivot on interval levels or years heads its columns 0.7 and 2027, not 0.700000."""
    wide = pd.DataFrame({"model": ["drift"], 0.7: [1.5], 0.95: [2.5], 2027: [3.0], np.float64(0.8): [1.0]})
    t = notebook.table(wide)
    assert list(t.formatted().columns) == ["model", "0.7", "0.95", "2027", "0.8"]
    assert ">0.7<" in t.to_html() and "0.700000" not in t.to_html()
    assert t.to_text().splitlines()[0].split() == ["model", "0.7", "0.95", "2027", "0.8"]
