"""The raw layer: every article figure is transcribed where the article says it, every published
figure's sources are dated before the cut-off, and bad raw files are rejected with messages that
name the file, line and column."""
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
        "vintages": 13, "indicators": 31, "article_figures": 37, "published_figures": 61,
        "rankings": 48, "article_dates": 11}


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


# ---------------------------------------------------------------------------- the cut-off

def _sources(raw):
    for _, row in raw["published_figures"].iterrows():
        yield row, sources.source_dates(row["location"], row["published"])


def test_every_source_has_a_date_and_none_is_after_the_cutoff(raw):
    n = 0
    for row, pairs in _sources(raw):
        assert len(pairs) == len(row["location"].split(" | ")) == len(row["published"].split(" | ")), row["id"]
        for src, date in pairs:
            n += 1
            assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?|undated", date), (row["id"], date)
            if date != "undated":
                last_day = date if len(date) == 10 else f"{date}-31"
                assert last_day <= sources.CUTOFF, (row["id"], src, date)
    assert n >= 100


def test_no_source_is_a_later_compilation(raw):
    for row, pairs in _sources(raw):
        assert not any(c in src for src, _ in pairs for c in sources.LATER_COMPILATIONS), row["id"]


def test_rows_without_a_dated_source_are_exactly_the_documented_ones(raw, repo):
    """A row whose only sources show no date is allowed only if data/raw/README.md lists it (and says why)."""
    undated = {row["id"] for row, pairs in _sources(raw) if all(d == "undated" for _, d in pairs)}
    readme = (repo / "data" / "raw" / "README.md").read_text(encoding="utf-8")
    section = readme.split("**Undated sources.**", 1)[1].split("\n\n", 1)[0]
    assert undated == set(re.findall(r"`(pub_[a-z0-9_]+)`", section))
    assert all(row["source"] == "web (undated)" for row, pairs in _sources(raw) if row["id"] in undated)


def test_the_findings_of_the_provenance_review_are_fixed(raw):
    p = raw["published_figures"].set_index("id")
    # 1. the post-cut-off compilation's 54.5, 117.3, 259.9 and 1117.4 are gone; the pre-cut-off values are rounded
    assert not {"pub_gc_2022_e2324", "pub_gc_2027_e2324"} & set(p.index)
    assert (p.at["pub_ic_2022_e2324", "value_text"], p.at["pub_ic_2027_e2324", "value_text"]) == ("260", "1117")
    # 2. the global AI-server CAGR's period is the one its page states; 15.6 and 18.3 come from askci (2023-06-21)
    assert p.at["pub_global_server_cagr_e2324", "period"] == "2022-2026"
    for fid in ("pub_global_server_2021_idc2023", "pub_global_server_2022_idc2023"):
        assert p.at[fid, "location"].startswith("https://askci.com/") and p.at[fid, "published"] == "2023-06-21"
    # 8. the 2020-21 ed's 7.8 is AI infrastructure, like its 3.93 base; the five-year CAGR's period is 2020-2025
    assert p.at["pub_infra_2024_e2021", "indicator"] == p.at["pub_infra_2020_e2021", "indicator"] == "ai_infrastructure_market"
    assert p.at["pub_global_ai_cagr_e2122", "period"] == "2020-2025"
    # 9. NVIDIA's FY23 Q4 comes from NVIDIA's own results of February 2023, not a later compilation
    assert p.at["pub_nvidia_fy23q4", "published"].startswith("2023-02-22")
    d = raw["article_dates"].set_index("id")
    assert d.at["date_nvidia_trillion_first", "date"] == "2023-05-30"


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


PUBLISHED_MUTATIONS = {
    "source after the cut-off": (lambda p: _replace(p, "http://peoplezzs.com/keji/2023/1130/63884.html,2023-11-30,+82.5%",
                                                    "http://peoplezzs.com/keji/2023/1130/63884.html,2024-07-02,+82.5%"),
                                 r"id 'pub_server_2023_e2324'\), column 'published': source \S+ is dated "
                                 r"2024-07-02, after the information cut-off 2023-12-07"),
    "month of the cut-off": (lambda p: _replace(p, ",2023-10-10,GPU servers USD 3.0 bn.", ",2023-12,GPU servers USD 3.0 bn."),
                             r"id 'pub_tracker_h1_2023'\), column 'published': .* dated 2023-12, after"),
    "a date short": (lambda p: _replace(p, ",2023-11-30 | 2023-11-29 | 2023-09-11,", ",2023-11-30 | 2023-11-29,"),
                     r"id 'pub_global_server_2022_e2324'\), column 'published': 2 date\(s\) for 3 source\(s\)"),
    "later compilation": (lambda p: _replace(p, "https://jw.ijiwei.com/n/862462,2023-05-23,GPU servers USD 6.0 bn.",
                                             "https://www.wanwend.com/info/2410143477436470,2023-05-23,GPU servers USD 6.0 bn."),
                          r"id 'pub_tracker_2022'\), column 'location': \S+wanwend\S+ is a later compilation"),
    "not a date": (lambda p: _replace(p, ",2022-03-11,Five-year CAGR 20.3%.", ",March 2022,Five-year CAGR 20.3%."),
                   r"id 'pub_global_tracker_2025'\), column 'published': must be one date per source"),
}


@pytest.mark.parametrize("name", sorted(PUBLISHED_MUTATIONS))
def test_bad_source_dates_are_rejected_with_file_line_column(tmp_path, repo, name):
    raw_dir = _copy(tmp_path, repo)
    mutate, expected = PUBLISHED_MUTATIONS[name]
    mutate(raw_dir / "published_figures.csv")
    with pytest.raises(sources.RawDataError) as err:
        sources.load_all(raw_dir)
    assert re.search(r"published_figures.csv: line \d+ \(" + expected, str(err.value)), str(err.value)


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
