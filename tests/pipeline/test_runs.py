"""make runs: which folders count as runs, and each run's headline forecast."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis.base import paths
from analysis.pipeline import runs


def _fc(model, year, median, level, dof=4.0, dist=None, series="s"):
    from scipy import stats

    half = stats.t.ppf(0.5 + level / 2, dof) * 0.2
    return dict(series=series, model=model, year=year, median=median, level=level, dof=dof,
                distribution=dist or f"t({dof})", lower=median * math.exp(-half), upper=median * math.exp(half))


def test_a_t_interval_is_recomputed_at_another_level_and_a_mixture_is_not():
    rows = pd.DataFrame([_fc("ets", 2027, 10.0, 0.8)])
    r = runs.at_level(rows, 0.95)
    want = pd.Series(_fc("ets", 2027, 10.0, 0.95))
    assert r["lower"] == pytest.approx(want["lower"]) and r["upper"] == pytest.approx(want["upper"])
    mixture = pd.DataFrame([_fc("combination", 2027, 10.0, 0.8, dist="mixture of t(4.0) and t(2.4)")])
    assert runs.at_level(mixture, 0.95) is None
    assert runs.at_level(mixture, 0.8)["median"] == 10.0


def test_a_run_is_compared_with_the_same_model_year_and_level():
    default = pd.DataFrame([_fc(m, y, 10.0 + y - 2027, lv) for m in ("ets", "drift", "combination")
                            for y in (2026, 2027) for lv in (0.5, 0.8, 0.95)])
    run = pd.DataFrame([_fc("ets", y, 10.0 + y - 2027, 0.95) for y in (2026, 2027, 2028, 2029, 2030)])
    t = runs.like_with_like(default, run, "r", {"method": "ets"})
    assert t[["model", "year", "level"]].values.tolist() == [["ets", 2027, 0.95], ["ets", 2030, 0.95]]
    same = t.iloc[0]
    assert same["default_lower"] == pytest.approx(same["run_lower"]) and same["note"] == ""
    assert pd.isna(t.iloc[1]["default_lower"]) and t.iloc[1]["note"] == "the default stops at 2027"


def test_a_scenario_is_set_beside_the_default_drift():
    default = pd.DataFrame([_fc("drift", 2027, 100.0, 0.8)])
    run = pd.DataFrame([_fc("scenario", 2027, 26.0, 0.9), _fc("combination", 2027, 50.0, 0.9)])
    t = runs.like_with_like(default, run, "scen", {"method": "all"})
    row = t.iloc[0]
    assert (row["model"], row["default_median"], row["run_median"]) == ("scenario", 100.0, 26.0)
    assert "the model it replaces" in row["note"] and "recomputed at 90%" in row["note"]


def test_only_well_named_folders_with_parameters_are_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(paths, "RUNS", tmp_path)
    for name in ("good-1", "Bad", ".hidden", "noparams"):
        (tmp_path / name).mkdir()
        if name != "noparams":
            (tmp_path / name / "params.yaml").write_text("method: all\n")
    assert runs.list_runs() == ["good-1"]


# ----------------------------------------------------------------------------- make runs (issue 22)

def _a_run(root, name, record: str, complete: bool, forecasts=True):
    import json
    import hashlib
    import shutil

    folder = root / name
    (folder / "processed").mkdir(parents=True)
    (folder / "params.yaml").write_text(record, encoding="utf-8")
    if forecasts:
        shutil.copy(paths.PROCESSED / "forecasts.csv", folder / "processed" / "forecasts.csv")
    if complete:
        (folder / ".state").mkdir()
        digest = hashlib.sha256((folder / "params.yaml").read_bytes()).hexdigest()
        (folder / ".state" / "run.json").write_text(json.dumps({"parameters_sha256": digest, "steps": []}))
        outputs = {paths.rel(f): hashlib.sha256(f.read_bytes()).hexdigest() for f in folder.rglob("*.csv")}
        (folder / ".state" / "index.json").write_text(json.dumps({"outputs": outputs}))  # what the run recorded
    return folder


def test_make_runs_marks_incomplete_runs_escapes_control_characters_and_survives_a_corrupt_one(tmp_path, monkeypatch,
                                                                                              capsys):
    from types import SimpleNamespace

    from analysis import charts

    monkeypatch.setattr(paths, "RUNS", tmp_path)
    monkeypatch.setattr(runs, "figure", lambda table: table)  # the comparison figure is not what is tested
    monkeypatch.setattr(charts, "export", lambda chart, name, folder: SimpleNamespace(paths=[]))
    _a_run(tmp_path, "a-done", "method: all\n", complete=True)
    _a_run(tmp_path, "b-half", "method: all\nhorizon_end: 2027\n", complete=False)
    _a_run(tmp_path, "c-broken", "method: [unclosed\n\x1b[31m", complete=True)
    _a_run(tmp_path, "d-escape", 'method: all\nnote: "\\e]0;pwned\\a\\e[2J"\n', complete=True)
    _a_run(tmp_path, "e-tol", "tolerance_pct: 5.0\n", complete=True)
    # a record edited after the run finished does not describe its outputs: incomplete
    done = _a_run(tmp_path, "f-edited", "method: all\n", complete=True)
    (done / "params.yaml").write_text("method: ets\n")
    # an output truncated (or emptied) after the run finished: incomplete (issue 29, N11)
    truncated = _a_run(tmp_path, "g-truncated", "method: all\n", complete=True)
    (truncated / "processed" / "forecasts.csv").write_text("")
    assert runs.main() == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07\\x1b[2J" in out  # shown, escaped
    sections = {block.split()[0]: block for block in out.split("## ")[1:]}
    assert sections["a-done"].startswith("a-done\n") and "INCOMPLETE" not in sections["a-done"]
    assert "INCOMPLETE" in sections["b-half"] and "INCOMPLETE" in sections["f-edited"]
    assert "INCOMPLETE" in sections["g-truncated"]
    assert "unreadable, not listed: " in sections["c-broken"] and "c-broken/params.yaml" in sections["c-broken"]
    assert len([line for line in sections["c-broken"].splitlines() if line.strip()]) == 2
    assert "the run rebuilt 01_clean, 02_evaluation, 04_context_figures" in sections["e-tol"] and "TOLERANCE=5.0 for 01_clean" in sections["e-tol"]
    assert "combination" in sections["a-done"]  # its comparison is listed, the corrupt run notwithstanding
