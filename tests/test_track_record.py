"""Track record: every pair the editions allow, horizons from each edition's last data year,
definition changes marked and kept out of the comparable summary."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from analysis import track_record
from analysis.build import paths


@pytest.fixture(scope="module")
def track(cleaned):
    vintages = pd.read_csv(paths.RAW / "vintages.csv")
    return track_record.pairs(cleaned["series"], cleaned["figures"], cleaned["implied"], vintages)


def test_pairs_and_horizons(track):
    ic = track[track["series"] == "intelligent_compute"].set_index(["method", "year"])
    assert ic.loc[("stated estimate", 2022), "horizon"] == 1  # the 2022-23 ed's last actual is 2021
    assert ic.loc[("CAGR path", 2023), "forecast"] == pytest.approx(155.2 * 1.523 ** 2)
    assert ic.loc[("CAGR path", 2023), "later_figure"] == 414.1
    hw = track[track["edition"] == "2019-20 ed"].iloc[0]
    assert hw["base_year"] == 2018 and hw["horizon"] == 5  # published 2019-08 with no actual: year before
    assert track["comparable"].sum() == 3 and not track[track["series"] == "ai_server_market"]["comparable"].any()


def test_summary_bias_by_horizon(track):
    s = track_record.summary(track)
    c = s[(s["pairs"] == "comparable pairs") & (s["horizon"] == 1)].iloc[0]
    want = [math.log(268.0 / 260.0), math.log(155.2 * 1.523 / 260.0)]
    assert c["n"] == 2 and c["bias_log"] == pytest.approx(sum(want) / 2)
    assert c["mean_abs_log_error"] == pytest.approx(sum(abs(w) for w in want) / 2)
    assert set(s["pairs"]) == {"comparable pairs", "all pairs"}
