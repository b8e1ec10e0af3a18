"""Unblinding (issue 28): the later rows stay out of the default build, the registered scores are
reproduced from the raw rows and the registered files alone, and the README's sentences are the
table's (analysis/unblinding.py)."""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pandas as pd
import pytest

from analysis import charts, domain, infoset, registered, sources, unblinding

REPO = Path(__file__).resolve().parents[1]
RAW = REPO / "data" / "raw"
PROCESSED = REPO / "data" / "processed"
#: The vintages issue 28 added (data/raw/vintages.csv): every row of them is a later row.
LATER_VINTAGES = {"2025 ed", "IDC tracker 2023H2", "IDC tracker 2024H1", "IDC tracker 2024H2",
                  "NVIDIA results FY24 Q4", "NVIDIA results FY26 Q3", "NVIDIA results FY27 Q1"}
#: NVIDIA's quarters reported after the article (its earlier quarters are under the same vintage).
LATER_QUARTERS = {"FY24 Q4", "FY25 Q1", "FY25 Q2", "FY25 Q3", "FY25 Q4", "FY26 Q1", "FY26 Q2", "FY26 Q3", "FY26 Q4",
                  "FY27 Q1"}


def _raw_rows() -> pd.DataFrame:
    return pd.read_csv(RAW / "published_figures.csv", dtype=str, keep_default_na=False)


def later_ids() -> set[str]:
    r = _raw_rows()
    later = r["vintage"].isin(LATER_VINTAGES) | ((r["vintage"] == "NVIDIA results") & r["period"].isin(LATER_QUARTERS))
    return set(r.loc[later, "id"])


def test_the_later_rows_are_there():
    ids = later_ids()
    assert len(ids) == 48  # 49 staged, less the 'FY25' China share (a period the loader does not read)
    assert {"pub_ic_2024_e2025", "pub_gc_2024_e2025", "pub_aicm_2024_e2025", "pub_nvidia_fy27q1"} <= ids


def test_no_later_row_is_in_the_default_information_set():
    used = pd.read_csv(PROCESSED / "information_set.csv", dtype=str)
    assert not (set(used["id"]) & later_ids())
    assert (used["known_from"] <= domain.DEFAULT_AS_OF).all()


def test_every_later_row_is_dated_after_the_article_or_in_no_information_set():
    raw = sources.load_all()
    k = infoset.known_from(raw).set_index("id")
    for i in sorted(later_ids()):
        assert k.at[i, "known_from"] > domain.DEFAULT_AS_OF or k.at[i, "date_rule"] == infoset.NO_DATE, i
    # the IDC tracker's 2024 release: nothing dates it, so it is in no set, not even the latest
    assert k.at["pub_tracker_2024_t2024h2", "date_rule"] == infoset.NO_DATE
    assert "pub_tracker_2024_t2024h2" not in set(infoset.listing(infoset.as_of(raw, domain.LATEST_AS_OF))["id"])


def test_the_default_build_is_the_same_without_the_later_rows():
    """The leak test in process: the series table as of 2023-12-07 from data/raw equals the one built
    from data/raw without the later rows, vintages and indicators (make all checks the bytes)."""
    raw = sources.load_all()
    ids = later_ids()
    cut = {k: v.copy() for k, v in raw.items()}
    cut["published_figures"] = cut["published_figures"][~cut["published_figures"]["id"].isin(ids)]
    cut["vintages"] = cut["vintages"][~cut["vintages"]["vintage"].isin(LATER_VINTAGES)]
    cut["indicators"] = cut["indicators"][~cut["indicators"]["indicator"].isin(
        {"ai_compute_market", "nvidia_china_revenue", "nvidia_china_revenue_share_total"})]
    a, b = (unblinding.information_set(r, domain.DEFAULT_AS_OF) for r in (raw, cut))
    pd.testing.assert_frame_equal(a["listing"], b["listing"])
    pd.testing.assert_frame_equal(a["series"].reset_index(drop=True), b["series"].reset_index(drop=True))
    assert len(a["info"]["indicators"]) == len(b["info"]["indicators"])


def test_latest_as_of_is_the_newest_date_of_a_raw_row():
    k = infoset.known_from(sources.load_all())
    dated = k[k["date_rule"] != infoset.NO_DATE]
    assert domain.LATEST_AS_OF == dated["known_from"].max()


# ----------------------------------------------------------------------------- an independent recount

def _day(text: str) -> str | None:
    text = text.strip()
    if text == "undated":
        return None
    if len(text) == 7:  # a month counts from its last day
        return str((pd.Period(text, "M").end_time).date())
    return text


def _released() -> dict[str, str]:
    with open(RAW / "vintages.csv", encoding="utf-8", newline="") as f:
        return {r["vintage"]: r["published"] for r in csv.DictReader(f) if r["published"]}


def _outcome(indicators: list[str], year: int, after: str) -> dict | None:
    """The first figure for the year (an actual or estimate stated with '=') published after ``after``:
    its earliest dated source, or its edition's release if every source is undated."""
    r = _raw_rows()
    r = r[r["indicator"].isin(indicators) & (r["period"] == str(year)) & r["kind"].isin(["actual", "estimate"])
          & (r["qualifier"] == "=") & ~r["unit"].str.contains("%")]
    rel = _released()
    best = None
    for _, row in r.iterrows():
        days = [d for d in map(_day, row["published"].split("|")) if d]
        day = max(min(days), rel.get(row["vintage"], "")) if days else rel.get(row["vintage"])
        if day is None or day <= after:
            continue
        value = float(row["value"]) / (10 if row["unit"] == "亿美元" else 1)
        if best is None or (day, row["id"]) < (best["day"], best["id"]):
            best = dict(id=row["id"], day=day, value=value, vintage=row["vintage"])
    return best


def test_registered_scores_are_reproduced_from_raw_rows_and_registered_files():
    table = pd.read_csv(PROCESSED / "registered_scores.csv")
    n = 0
    for folder in sorted((REPO / "data" / "registered").iterdir()):
        m = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        f = pd.read_csv(folder / m["file"])
        for (series, model, year), g in f.groupby(["series", "model", "year"]):
            alt = ["ai_server_market", "ai_compute_market"] if series == "ai_server_market" else [series]
            out = _outcome(alt, int(year), m["information_set"])
            mine = table[(table["set"] == m["set"]) & (table["series"] == series) & (table["model"] == model)
                         & (table["target_year"] == year)]
            if out is None:
                assert mine.empty
                continue
            readings = {"renamed", "redefined"} if out["id"].startswith("pub_aicm") else {"single"}
            assert set(mine["reading"]) == readings, (m["set"], series, model)
            for _, row in mine.iterrows():
                n += 1
                assert row["outcome_id"] == out["id"] and row["outcome"] == pytest.approx(out["value"])
                assert row["outcome_published"] == out["day"]
                assert bool(row["same_definition"]) == (row["reading"] != "redefined")
                med = float(g["median"].iloc[0])
                assert row["error_log"] == pytest.approx(math.log(med / out["value"]), abs=2e-6)
                for _, q in g.dropna(subset=["level"]).iterrows():
                    inside = q["lower"] <= out["value"] <= q["upper"]
                    assert bool(row[f"covered_{int(round(q['level'] * 100))}"]) == inside
                    if q["level"] == 0.8:
                        lo, hi, y = math.log(q["lower"]), math.log(q["upper"]), math.log(out["value"])
                        score = (hi - lo) + 10 * max(lo - y, 0) + 10 * max(y - hi, 0)
                        assert row["interval_score_80"] == pytest.approx(score, abs=2e-6)
                assert row["methods_fitted"] == "before the outcome"
    assert n == len(table) and n > 0
    assert set(table["target_year"]) == {2024}
    assert set(table["set"]) == {"set-1", "set-2"}
    assert {"combination", "report_path", "drift", "decay"} <= set(table["model"])


def test_the_readme_block_is_the_tables():
    text = (REPO / "README.md").read_text(encoding="utf-8")
    start, end = unblinding.README_BLOCK
    body = text.split(start, 1)[1].split(end, 1)[0]
    table = pd.read_csv(PROCESSED / "registered_scores.csv")
    assert body == unblinding.readme_block(table, pd.read_csv(PROCESSED / "unblinding_record.csv"))
    for line in unblinding.sentences(table):
        assert "n = " in line and "one shock" in line
    # the block opens the forecast findings
    assert text.index(start) < text.index("<!-- findings:forecasts")


def test_the_ai_server_readings_differ_only_in_comparability():
    t = pd.read_csv(PROCESSED / "registered_scores.csv")
    a = t[t["reading"] == "renamed"].drop(columns=["reading", "same_definition"]).reset_index(drop=True)
    b = t[t["reading"] == "redefined"].drop(columns=["reading", "same_definition"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(a, b)
    assert len(a) == 14  # 2 sets x 7 forecasters (5 models, the combination and the report's path)


def test_the_default_record_is_part_of_the_record_on_everything_now_known():
    """Every pair of the record as of 2023-12-07 (evaluation.csv) is in the record rebuilt on the
    latest information set, with the same outcome and error: later rows add pairs, never change one."""
    keys = ["forecaster_type", "forecaster", "series", "origin", "target_year"]
    old = pd.read_csv(PROCESSED / "evaluation.csv")
    new = pd.read_csv(PROCESSED / "unblinding_record.csv")
    m = old.merge(new, on=keys, how="left", suffixes=("", "_new"), validate="one_to_one")
    assert m["outcome_id_new"].notna().all()
    assert (m["outcome_id"] == m["outcome_id_new"]).all()
    assert (m["error_log"] - m["error_log_new"]).abs().max() < 1e-6
    assert len(new) > len(old) and (new["outcome_published"] > domain.DEFAULT_AS_OF).any()


def test_the_forecasts_from_everything_now_known_stand_beside_the_2025_edition():
    f = pd.read_csv(PROCESSED / "unblinding_forecasts.csv")
    combo = f[f["model"] == "combination"].set_index(["series", "year"])
    assert set(combo.index.get_level_values("series")) == set(unblinding.LATEST_SERIES)
    assert (combo["train_end"] == 2024).all()
    assert combo.loc[("intelligent_compute", 2025), "fit_points"].endswith("2024 = 725.3")
    assert combo.loc[("intelligent_compute", 2025), "edition_2025"] == 1037.3
    assert combo.loc[("intelligent_compute", 2028), "edition_2025"] == 2781.9
    assert combo.loc[("general_compute", 2025), "edition_2025"] == 85.8
    assert (combo["lower_80"] < combo["median"]).all() and (combo["median"] < combo["upper_80"]).all()


def test_the_figure_draws_each_series_fan_path_and_outcome():
    spec = json.loads((REPO / "figures" / "unblinding.vl.json").read_text(encoding="utf-8"))
    assert spec["title"]["text"] == "What December 2023's forecasts said about 2024, and what happened"
    assert len(spec["hconcat"]) == 3
    text = json.dumps(spec, ensure_ascii=False)
    for outcome in ("pub_ic_2024_e2025", "pub_gc_2024_e2025", "pub_aicm_2024_e2025"):
        assert outcome in text
    assert any("3 outcomes" in line for line in spec["title"]["subtitle"])
    fan = charts.unblinding_fans(registered.load(), 2024)
    assert len(fan) == 2 * 3 * 3  # two sets x three series x three levels


def test_every_registered_set_is_named_for_a_reader():
    """The figure and the sentences name a set "Set N" with what it is (the manifest, never
    rewritten, says it in full); no set id is drawn."""
    names = [s.name for s in registered.load()]
    assert sorted(domain.SET_SUMMARIES) == sorted(names)
    assert [domain.set_label(n) for n in names] == [f"Set {i}" for i in range(1, len(names) + 1)]
    assert domain.set_label("other") == "other"
    fan = charts.unblinding_fans(registered.load(), 2024)
    assert set(fan["set"]) == {"Set 1", "Set 2"}
    spec = json.loads((REPO / "figures" / "unblinding.vl.json").read_text(encoding="utf-8"))
    assert "set-1" not in json.dumps(spec) and "Set 1" in json.dumps(spec)
    lines = unblinding.sentences(pd.read_csv(PROCESSED / "registered_scores.csv"))
    assert lines[0].startswith("Set 1 (the methods of 2026-12-03") and lines[1].startswith("Set 2 (evidence over")
