"""The Frictionless data package validates, and the cleaned outputs match it and the codebook."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from analysis import package


def _info_sha(repo) -> str:
    import hashlib

    return hashlib.sha256((repo / "data" / "processed" / "information_set.csv").read_bytes()).hexdigest()


def test_datapackage_is_current(repo):
    expected = package.datapackage_json("2023-12-07", _info_sha(repo))
    assert (repo / "data" / "datapackage.json").read_text(encoding="utf-8") == expected


def test_datapackage_validates_with_frictionless(repo):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(repo / "data" / "datapackage.json"))
    errors = [e for t in report.tasks for e in t.errors][:5]
    assert report.valid, errors
    assert len(report.tasks) == len(json.loads((repo / "data" / "datapackage.json").read_text())["resources"])


def test_datapackage_records_sources_licence_and_its_information_set(repo):
    dp = json.loads((repo / "data" / "datapackage.json").read_text(encoding="utf-8"))
    assert dp["custom"] == {"as_of": "2023-12-07", "information_set_sha256": _info_sha(repo)}
    assert dp["licenses"][0]["name"] == "CC-BY-4.0"
    assert any("IDC" in s["title"] for s in dp["sources"])


def test_processed_columns_match_the_codebook(repo):
    book = pd.read_csv(repo / "data" / "processed" / "codebook.csv")
    for table, cols in book.groupby("table", sort=False)["column"]:
        header = pd.read_csv(repo / "data" / "processed" / f"{table}.csv", nrows=0).columns.tolist()
        assert header == cols.tolist(), table


def test_the_audit_table_has_precision_and_tolerance_columns(repo):
    a = pd.read_csv(repo / "data" / "processed" / "audit.csv")
    for col in ("inputs", "formula", "precision", "stated_low", "stated_high", "recomputed_low", "recomputed_high",
                "tolerance", "tolerance_pct", "verdict"):
        assert col in a.columns, col
    tests = a[a["rule"] != "implication"]
    assert tests["precision"].str.contains(" to ").all() and (tests["tolerance"] > 0).all()
    assert set(a["verdict"]) <= {"consistent", "consistent within rounding", "inconsistent", "revised", "implication"}


def test_figures_carry_source_dates_and_intervals(repo):
    f = pd.read_csv(repo / "data" / "processed" / "figures.csv", dtype={"value_text": str})
    assert f["published"].notna().all() and (f.loc[f["table"] == "article_figures", "published"] == "2023-12-07").all()
    assert ((f["value_low"] <= f["value_clean"]) & (f["value_clean"] <= f["value_high"])).all()
    imp = pd.read_csv(repo / "data" / "processed" / "implied.csv")
    assert {"value_low", "value_high"} <= set(imp.columns)


def test_the_information_set_hashed_is_the_one_written(repo):
    info = pd.read_csv(repo / "data" / "processed" / "information_set.csv", keep_default_na=False)
    assert package.table_sha256("information_set", info) == _info_sha(repo)
    assert (info["known_from"] <= "2023-12-07").all() and len(info) > 200
    dp = json.loads((repo / "data" / "datapackage.json").read_text(encoding="utf-8"))
    raw = next(r for r in dp["resources"] if r["name"] == "raw-published-figures")
    assert "published" in [fld["name"] for fld in raw["schema"]["fields"]]
