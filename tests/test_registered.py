"""Registered forecast sets (data/registered/): frozen byte for byte, append-only, and scored with
the real-time record's rules from their seven quantiles (analysis/registered.py)."""
from __future__ import annotations

import json
import math
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis import registered, scoring

SETS = registered.load()


def test_every_set_matches_its_manifest():
    assert [s.name for s in SETS][:1] == ["set-1"]
    for s in SETS:
        f = registered.FOLDER / s.name / s.manifest["file"]
        assert registered.file_hash(f) == s.manifest["sha256"]
        assert f.stat().st_size == s.manifest["bytes"]
        assert s.manifest["information_set"] <= "2023-12-07" or s.name != "set-1"


def test_a_changed_byte_is_refused(tmp_path):
    shutil.copytree(registered.FOLDER, tmp_path / "registered")
    f = tmp_path / "registered" / "set-1" / "forecasts.csv"
    data = bytearray(f.read_bytes())
    data[-2] = ord("9") if data[-2] != ord("9") else ord("8")
    f.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="set-1/forecasts.csv: its bytes are not those registered"):
        registered.load(tmp_path / "registered")


def test_a_manifest_with_other_fields_is_refused(tmp_path):
    shutil.copytree(registered.FOLDER, tmp_path / "registered")
    m = tmp_path / "registered" / "set-1" / "manifest.json"
    d = json.loads(m.read_text())
    d["methods_after"] = "x"
    m.write_text(json.dumps(d))
    with pytest.raises(ValueError, match="fields"):
        registered.load(tmp_path / "registered")


def _git(repo, *args) -> bytes:
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout (a source archive has no history)")
    return subprocess.run(["git", "-C", str(repo), *args], capture_output=True, check=True).stdout


def test_set_1_is_the_committed_file_of_e6b1754(repo):
    old = _git(repo, "show", "e6b1754:data/processed/forecasts.csv")
    assert (repo / "data" / "registered" / "set-1" / "forecasts.csv").read_bytes() == old
    assert SETS[0].manifest["commit"].startswith("e6b1754")


def test_registration_is_append_only_in_history(repo):
    """No commit ever modified, deleted or renamed a file under data/registered/."""
    assert _git(repo, "log", "--diff-filter=MDR", "--name-status", "--format=%h", "--", "data/registered") == b""
    assert _git(repo, "log", "--diff-filter=A", "--format=%h", "--", "data/registered/set-1")  # it was added


# ----------------------------------------------------------------------------- distributions

def _rows(model):
    f = SETS[0].forecasts
    return f[(f["series"] == "ai_server_market") & (f["model"] == model) & (f["year"] == 2024)]


def test_a_t_row_is_recovered_exactly():
    p = registered.Predictive(_rows("drift"))
    assert p.kind == "t" and p.dof == pytest.approx(6.889542)
    assert p.scale_spread < 1e-5  # the three levels give one scale, to the file's rounding
    # every registered quantile comes back from the recovered t
    for lv, (lo, hi) in p.intervals.items():
        assert math.exp(p.loc + p.scale * stats.t.ppf(0.5 + lv / 2, p.dof)) == pytest.approx(hi, rel=1e-6)
        assert math.exp(p.loc - p.scale * stats.t.ppf(0.5 + lv / 2, p.dof)) == pytest.approx(lo, rel=1e-6)
    assert p.pit(math.log(16.607501)) == pytest.approx(0.5, abs=1e-6)


@pytest.mark.parametrize("y", [8.0, 13.0, 16.6, 20.0, 30.0])
def test_the_quantile_crps_is_close_to_the_closed_form_on_t_rows(y):
    p = registered.Predictive(_rows("drift"))
    exact = float(scoring.crps_t(math.log(y), p.loc, p.scale, p.dof))
    approx = p.crps_quantiles(math.log(y))
    assert approx == pytest.approx(exact, rel=0.06, abs=0.004)


def test_a_mixture_row_interpolates_through_its_quantiles():
    p = registered.Predictive(_rows("decay"))
    assert p.kind == "quantiles" and len(p.taus) == 7
    assert np.allclose(p.log_quantile(p.taus), p.log_q)
    assert p.pit(math.log(14.193457)) == pytest.approx(0.5, abs=1e-6)
    lo, hi = p.intervals[0.8]
    assert p.pit(math.log(hi)) == pytest.approx(0.9, abs=1e-6)
    assert p.pit(math.log(lo)) == pytest.approx(0.1, abs=1e-6)
    assert p.pit(math.log(1000.0)) > 0.9999


def test_scores_follow_the_record_rules():
    out = pd.Series(dict(value=12.0, id="x_2024", vintage="2025 ed", known_from="2025-02-14"))
    got = registered.score(SETS[:1], lambda series, year, after: out if (series, year) == ("ai_server_market", 2024)
                           and after == "2023-12-07" else None, lambda series, vintage: "")
    assert set(got["series"]) == {"ai_server_market"} and set(got["target_year"]) == {2024}
    d = got.set_index("model")
    assert d.at["drift", "error_log"] == pytest.approx(math.log(16.607501 / 12.0))
    assert bool(d.at["drift", "covered_95"]) and not bool(d.at["drift", "covered_80"])  # 13.41 to 20.56 at 80%
    assert bool(d.at["decay", "covered_80"]) and not bool(d.at["decay", "covered_50"])
    assert math.isnan(d.at["report_path", "pit"]) and d.at["report_path", "error_pct"] == pytest.approx(
        (10.024374 / 12 - 1) * 100)
    assert d.at["drift", "crps_method"] == "t closed form"
    assert d.at["decay", "crps_method"] == "from the 7 registered quantiles"
    assert d.at["drift", "horizon"] == 2  # 2024 from 2023-12-07: the last complete year is 2022
    assert (got["methods_fitted"] == "before the outcome").all()


def test_set_2_is_the_committed_file_of_53497b4(repo):
    """Set 2: the forecasts of issue 26 as merged on main, registered before any later row entered data/raw."""
    old = _git(repo, "show", "53497b4:data/processed/forecasts.csv")
    assert (repo / "data" / "registered" / "set-2" / "forecasts.csv").read_bytes() == old
    s2 = {s.name: s for s in SETS}["set-2"]
    assert s2.manifest["commit"].startswith("53497b4") and s2.manifest["information_set"] == "2023-12-07"
    assert s2.manifest["report_edition"] == "2023-24 ed"
    # registered before any row published after 2023-12-07 was committed to data/raw
    first_later = _git(repo, "log", "--diff-filter=A", "--reverse", "--format=%H", "--", "data/registered/set-2").split()
    assert first_later
    raw_at = _git(repo, "show", f"{first_later[0].decode()}:data/raw/published_figures.csv").decode()
    assert "2025 ed" not in raw_at
