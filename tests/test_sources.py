"""The raw layer: every article figure is transcribed where the article says it, and bad raw
files are rejected with messages that name the file, line and column."""
from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from analysis import sources

# id -> value as stated, checked against the article by hand (section, paragraph in the id's row).
ARTICLE = {
    "art_conference_attendees": 1000, "art_phone_models": 10, "art_param_scale_low": 10,
    "art_param_scale_mid": 100, "art_param_scale_max": 1300, "art_chip_products": 1000,
    "art_medical_models": 50, "art_genai_exploring": 67, "art_genai_raisers": 70,
    "art_genai_increase_low": 20, "art_genai_increase_high": 40, "art_telecom_carriers": 3,
    "art_general_compute_2023": 59.3, "art_general_compute_yoy_2023": 8.8,
    "art_intelligent_compute_2023": 414.1, "art_intelligent_compute_yoy_2023": 59.3,
    "art_growth_ratio_2023": 6.7, "art_nvidia_market_cap": 1, "art_nvidia_dc_fy24q3": 145.1,
    "art_nvidia_dc_fy23q3": 38, "art_nvidia_expectation_fy24q3": 127, "art_nvidia_dc_yoy_fy24q3": 324,
    "art_nvidia_china_share_low": 20, "art_nvidia_china_share_high": 25, "art_ai_server_h1_2023": 30,
    "art_ai_server_h1_2023_yoy": 55.4, "art_ai_server_2023": 91, "art_ai_server_2023_yoy": 82.5,
    "art_genai_share_2023": 11.9, "art_genai_share_2026": 31.7, "art_ai_server_cagr": 21.8,
    "art_accel_nvidia": 90, "art_accel_domestic": 10, "art_infra_aspects": 4, "art_ogai_layers": 5,
    "art_cluster_speedup": 90, "art_headline_share": 70,
}
ARTICLE_FILE = Path(__file__).resolve().parents[2] / "shared" / "sources" / "000_860740933e46a2ff.txt"


def test_every_table_loads_with_expected_rows(raw):
    assert {k: len(v) for k, v in raw.items()} == {
        "vintages": 13, "indicators": 32, "article_figures": 37, "published_figures": 64,
        "rankings": 48, "article_dates": 10}


@pytest.mark.parametrize("fid, value", sorted(ARTICLE.items()))
def test_article_figure_transcribed(raw, fid, value):
    row = raw["article_figures"].set_index("id").loc[fid]
    assert float(row["value"]) == pytest.approx(value)
    assert re.fullmatch(r"§0[0-3] ¶\d+", row["location"])


def test_every_article_figure_is_checked_here(raw):
    assert set(raw["article_figures"]["id"]) == set(ARTICLE)


def _paragraphs(text: str) -> dict[str, str]:
    """Paragraphs keyed '§SS ¶N' (the lead is §00 with the headline as ¶1; ¶0 is a section title)."""
    out, sec, n = {}, "00", 0
    for line in (s.strip() for s in text.splitlines()):
        if not line:
            continue
        if line in ("01", "02", "03"):
            sec, n = line, -1
            continue
        n += 1
        out[f"§{sec} ¶{n}"] = line
    return out


@pytest.mark.skipif(not ARTICLE_FILE.exists(), reason="the shared article is not beside this checkout")
def test_each_article_figure_appears_in_its_paragraph(raw):
    paras = _paragraphs(ARTICLE_FILE.read_text(encoding="utf-8"))
    missing = []
    for _, row in raw["article_figures"].iterrows():
        para = paras[row["location"]]
        number = f"{float(row['value']):g}"
        quoted = re.findall(r"[\u4e00-\u9fff][\u4e00-\u9fff0-9%\-、]+", row["note"])
        if number not in para and not any(q in para for q in quoted):
            missing.append((row["id"], row["location"]))
    assert not missing


@pytest.mark.skipif(not ARTICLE_FILE.exists(), reason="the shared article is not beside this checkout")
def test_every_number_in_the_article_is_transcribed(raw):
    """Each arabic number in the article's body is the value of some transcribed row or date."""
    text = ARTICLE_FILE.read_text(encoding="utf-8")
    numbers = {float(n) for n in re.findall(r"(?<![A-Za-z\d.])(\d+(?:\.\d+)?)", text)}
    covered = {float(v) for v in raw["article_figures"]["value"]}
    for d in raw["article_dates"]["date"]:
        covered |= {float(p) for p in d.split("-")}
    covered |= {7.0, 16.0, 25.0, 2024.0, 2026.0, 2022.0, 2027.0}  # times of day; report-title and span years
    covered |= {0.0, 1.0, 2.0, 3.0, 4.0, 7.0}  # L0-L4 layer names; OGAI and G7 product names
    assert numbers - covered == set()


# ---------------------------------------------------------------------------- bad input

def _copy(tmp_path: Path, repo: Path) -> Path:
    shutil.copytree(repo / "data" / "raw", tmp_path / "raw")
    return tmp_path / "raw"


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


MUTATIONS = {
    "missing column": (lambda p: _replace(p, ",qualifier,", ","), r"line 1, column 'qualifier': required column is missing"),
    "non-numeric": (lambda p: _replace(p, ",59.3,EFLOPS (FP64)", ",abc,EFLOPS (FP64)"),
                    r"line 15 \(id 'art_general_compute_2023'\), column 'value': expected a number, got 'abc'"),
    "unknown unit": (lambda p: _replace(p, ",EFLOPS (FP64),", ",EFLOP,"),
                     r"line 15 \(id 'art_general_compute_2023'\), column 'unit': must be one of the known units"),
    "duplicate id": (lambda p: _replace(p, "art_accel_domestic,", "art_accel_nvidia,"),
                     r"line 35 \(id 'art_accel_nvidia'\), column 'id': duplicate value"),
    "share above 100": (lambda p: _replace(p, ",=,67,%,", ",=,167,%,"),
                        r"line 10 \(id 'art_genai_exploring'\), column 'value': a share \('%'\) must be at most 100"),
    "empty file": (lambda p: p.write_text(""), r"article_figures.csv: file is empty"),
    "non-UTF-8": (lambda p: p.write_bytes(p.read_bytes().replace("数千".encode(), "数千".encode("gbk"))),
                  r"article_figures.csv: line 3, byte \d+: not valid UTF-8"),
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_bad_raw_data_is_rejected_with_file_line_column(tmp_path, repo, name):
    raw_dir = _copy(tmp_path, repo)
    mutate, expected = MUTATIONS[name]
    mutate(raw_dir / "article_figures.csv")
    with pytest.raises(sources.RawDataError) as err:
        sources.load_all(raw_dir)
    assert re.search(expected, str(err.value)), str(err.value)


def test_bom_and_crlf_are_accepted(tmp_path, repo, raw):
    raw_dir = _copy(tmp_path, repo)
    p = raw_dir / "published_figures.csv"
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes().replace(b"\n", b"\r\n"))
    loaded = sources.load_all(raw_dir)
    assert loaded["published_figures"].reset_index(drop=True).equals(raw["published_figures"].reset_index(drop=True))


def test_every_indicator_and_vintage_is_used(raw):
    import pandas as pd

    figures = pd.concat([raw["article_figures"], raw["published_figures"]])
    assert set(raw["indicators"]["indicator"]) == set(figures["indicator"])
    assert set(raw["vintages"]["vintage"]) == set(figures["vintage"]) | set(raw["rankings"]["vintage"])
