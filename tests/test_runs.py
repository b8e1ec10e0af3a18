"""make runs: which folders count as runs, and each run's headline forecast."""
from __future__ import annotations

import pandas as pd

from analysis import paths, runs


def test_headline_is_the_final_year_of_the_runs_model():
    f = pd.DataFrame({"series": ["s"] * 4, "model": ["ets", "ets", "combination", "report_path"],
                      "year": [2029, 2030, 2030, 2030], "mean": [1.0, 2.0, 3.0, 4.0],
                      "lower": [0.5, 1.0, 2.0, 4.0], "upper": [2.0, 3.0, 4.0, 4.0]})
    assert runs.headline(f, "ets")[["model", "year", "mean"]].values.tolist() == [["ets", 2030, 2.0]]
    assert runs.headline(f, "all")["model"].tolist() == ["combination"]


def test_only_well_named_folders_with_parameters_are_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RUNS", tmp_path)
    for name in ("good-1", "Bad", ".hidden", "noparams"):
        (tmp_path / name).mkdir()
        if name != "noparams":
            (tmp_path / name / "params.yaml").write_text("method: all\n")
    assert runs.list_runs() == ["good-1"]
