"""The sentences under the forecast figures say what the tables say."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import figure_notes


def comparison():
    rows = []
    for model, med, lo, hi in (("drift", 100.0, 70.0, 140.0), ("decay", 30.0, 20.0, 45.0),
                               ("combination", 50.0, 22.0, 130.0)):
        rows.append(dict(series="ai_server_market", model=model, year=2027, level=0.8, median=med, lower=lo,
                         upper=hi, report=13.4, crps_log=float("nan")))
        rows.append(dict(series="ai_server_market", model=model, year=2027, level=0.5, median=med, lower=med * 0.9,
                         upper=med * 1.1, report=13.4, crps_log=float("nan")))
    rows.append(dict(series="intelligent_compute", model="combination", year=2027, level=0.8, median=1500.0,
                     lower=800.0, upper=3000.0, report=1117.0, crps_log=0.04))
    rows.append(dict(series="intelligent_compute", model="drift", year=2027, level=0.8, median=2900.0,
                     lower=1500.0, upper=5000.0, report=1117.0, crps_log=0.07))
    return pd.DataFrame(rows)


def test_series_note_reads_the_80_percent_row_and_places_the_report():
    text = figure_notes.series_note(comparison(), "ai_server_market")
    assert "2027" in text and "median of 50.0 USD bn" in text and "22.0 to 130 as its 80% interval" in text
    assert "the report's 13.4 lies below it" in text
    inside = figure_notes.series_note(comparison(), "intelligent_compute")
    assert "the report's 1,117 lies inside it" in inside


def test_spread_note_gives_the_factor_between_persisting_and_decaying_growth():
    text = figure_notes.spread_note(comparison(), "ai_server_market")
    assert "reaches 100 USD bn" in text and "30.0" in text and "factor of 3.3" in text


def test_comparison_note_counts_intervals_holding_the_report_and_names_the_lowest_crps():
    text = figure_notes.comparison_note(comparison())
    assert text.startswith("1 of 5 model forecasts hold the report's path inside their 80% interval in 2027.")
    assert "combination (drift + decay)'s (0.040)" in text


def test_track_note_separates_comparable_pairs():
    track = pd.DataFrame(dict(error_pct=[3.1, -13.1, 37.5], comparable=[True, True, False]))
    text = figure_notes.track_note(track)
    assert "2 forecasts missed by -13.1% to +3.1%" in text
    assert "The 1 pairs across a change of definition" in text and "+37.5% to +37.5%" in text


def test_a_run_without_a_series_gets_no_sentence_for_it():
    c = comparison()
    notes = figure_notes.notes(c[c["series"] == "intelligent_compute"], pd.DataFrame(columns=["error_pct", "comparable"]))
    assert notes["ai_server_market"] == [] and notes["track_record"] == []
    assert len(notes["compute_growth"]) == 1


@pytest.mark.parametrize("level", [0.5, 0.8])
def test_level_nearest_80_percent_is_used(level):
    c = comparison()
    assert figure_notes._level(c[c["level"] <= level]) == level
