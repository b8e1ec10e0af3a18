"""The combination rule, fixed before the scores: members, plausibility, weights."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import assembly, choice, forecasting

VAR = forecasting.Variance(0.06, 2, 0.09, 2)


@pytest.fixture(scope="module")
def fits(cleaned):
    pts = assembly.assemble(cleaned["series"], "ai_server_market").query("used")
    halves = forecasting.half_years(cleaned["figures"], cleaned["implied"], "ai_server_market", 2023)
    return forecasting.forecast_series("ai_server_market", pts, 2027, VAR, halves=halves)


def _scores(n, crps):
    return pd.DataFrame([dict(forecaster_type="model", forecaster=m, horizon="all", n_distribution=n, crps_log=c)
                         for m, c in crps.items()])


def test_equal_weights_with_few_pairs(fits):
    comb = choice.default_combination(fits, _scores(4, {"drift": 0.1, "decay": 0.2, "nowcast": 0.3}))
    assert comb.weights.sum() == pytest.approx(1)
    assert len(comb.members) == 1 + 2 * len(fits["decay"].members)
    assert "equal weights: too few scored pairs" in comb.notes[0]


def test_crps_weights_with_enough_pairs():
    w, why = choice.weights(["drift", "decay"], _scores(5, {"drift": 0.1, "decay": 0.3}))
    assert w == pytest.approx([0.75, 0.25]) and "1 / mean CRPS" in why


def test_no_member_is_dropped_and_weights_follow_the_mass_below(fits):
    comb = choice.default_combination(fits, None, {"drift": 0.2, "decay": 0.9, "nowcast": 0.6})
    k = len(fits["decay"].members)
    assert len(comb.members) == 1 + 2 * k  # every member kept
    assert comb.weights[0] == pytest.approx(0.2 / (0.2 + 0.9 + 0.6))  # drift's one component
    assert "drift 0.20, decay 0.90, nowcast 0.60" in comb.notes[0]
    none_below = choice.default_combination(fits, None, {"drift": 0.0, "decay": 0.0, "nowcast": 0.0})
    assert none_below.weights[0] == pytest.approx(1 / 3) and "the weights stand" in none_below.notes[0]


def test_a_one_member_combination_is_named_by_its_member(fits):
    comb = choice.default_combination(fits, None, {"drift": 0.0, "decay": 0.7, "nowcast": 0.0})
    assert comb.member_names == ["decay"] and choice.name_of(comb) == "decay"
    assert comb.notes[0].startswith("decay alone (a combination of one member)")
    assert choice.name_of(choice.default_combination(fits)) == "combination"


def test_the_rule_is_stated_in_words():
    for word in ("drift", "decay", "nowcast", "plausibility", "CRPS", "probability", "band", str(choice.MIN_PAIRS)):
        assert word in choice.RULE
