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
    assert "2027" in text and "median of USD 50.0 bn" in text and "22.0 to 130 as its 80% interval" in text
    assert "the report's 13.4 lies below it" in text
    inside = figure_notes.series_note(comparison(), "intelligent_compute")
    assert "the report's 1,117 lies inside it" in inside


def test_spread_note_gives_the_factor_between_persisting_and_decaying_growth():
    text = figure_notes.spread_note(comparison(), "ai_server_market")
    assert "reaches USD 100 bn" in text and "30.0" in text and "factor of 3.3" in text


def summary(n_model: int, vintage_rows=()):
    """An evaluation summary: every model with n_model comparable pairs; vintages pooled by horizon."""
    rows = [dict(forecaster_type="model", forecaster=m, horizon="all", n=n_model, bias_log=0.0, mae_log=mae,
                 enough=n_model >= 5) for m, mae in (("drift", 0.2), ("decay", 0.05), ("combination", 0.1))]
    rows += [dict(forecaster_type="vintage", forecaster="all", horizon=str(h), n=n, bias_log=b, mae_log=abs(b),
                  enough=n >= 5) for h, n, b in vintage_rows]
    return pd.DataFrame(rows)


def test_comparison_note_counts_intervals_holding_the_report_and_will_not_rank_few_pairs():
    text = figure_notes.comparison_note(comparison(), summary(4))
    assert text.startswith("1 of 5 model forecasts hold the report's path inside their 80% interval in 2027.")
    assert "at most 4 comparable real-time pairs: too few to rank" in text
    ranked = figure_notes.comparison_note(comparison(), summary(6))
    assert "the growth decay has the lowest mean absolute log error, 0.050" in ranked and "(n = 6" in ranked
    one_event = summary(6).assign(enough=False)  # six pairs each, but against fewer than five outcomes
    text = figure_notes.comparison_note(comparison(), one_event)
    assert "at most 6 comparable real-time pairs, against fewer than 5 distinct outcomes: too few to rank" in text


def test_record_note_counts_pairs_and_claims_a_bias_only_with_five_pairs():
    ev = pd.DataFrame(dict(same_definition=[True, True, False, True, True], error_pct=[3.1, -13.1, 37.5, -20.0, -30.0],
                           forecaster_type=["vintage", "model", "vintage", "vintage", "vintage"],
                           horizon=[0, 1, 1, 3, 3], outcome_id=["a", "b", "c", "d", "d"]))
    few = figure_notes.record_note(ev, summary(1, [(0, 1, 0.03)]))
    assert few.startswith("4 of the 5 forecast-outcome pairs are comparable; 3 of them are the editions'")
    assert "missed the next figure published by -30.0% to +3.1%" in few and "too few to tell" in few
    enough = figure_notes.record_note(ev, summary(1, [(1, 11, -0.0545), (3, 2, -0.29)]))
    assert "below the next figure by 5% on average at horizon 1 (n = 11)" in enough
    assert "At horizon 3 (2 pairs, against 1 distinct outcome) there are too few to tell (it takes 5 of each)." in enough


def test_a_run_without_a_series_gets_no_sentence_for_it():
    c = comparison()
    empty = pd.DataFrame(columns=["same_definition", "forecaster_type", "error_pct", "horizon"])
    notes = figure_notes.notes(c[c["series"] == "intelligent_compute"], empty, summary(0))
    assert notes["ai_server_market"] == [] and notes["track_record"] == ["No forecast has an outcome published after it yet."]
    assert len(notes["compute_growth"]) == 1


@pytest.mark.parametrize("level", [0.5, 0.8])
def test_level_nearest_80_percent_is_used(level):
    c = comparison()
    assert figure_notes._level(c[c["level"] <= level]) == level
