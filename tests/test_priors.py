"""The decay prior: a stated grid, updated only by a series' own consecutive growth rates."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import assembly, priors


def test_the_grid_is_the_stated_prior_and_a_parameter_collapses_it():
    g = priors.grid("intelligent_compute")
    assert len(g) == len(priors.HALF_LIVES) * 3 and g["prior"].sum() == pytest.approx(1)
    assert sorted(set(g["g_inf"])) == list(priors.LONG_RUN["intelligent_compute"])
    assert len(priors.grid("intelligent_compute", half_life=2.0)) == 3
    assert len(priors.grid("x", half_life=2.0, long_run_growth=0.1)) == 1
    assert sorted(set(priors.grid("some_reference_series")["g_inf"])) == list(priors.DEFAULT_LONG_RUN)


def test_no_pair_of_growth_rates_leaves_the_prior():
    logs = pd.Series(np.log([5.0, 9.1]), index=[2022, 2023])
    w = priors.posterior(priors.grid("ai_server_market"), logs, 0.09)
    assert w["weight"].to_numpy() == pytest.approx(w["prior"].to_numpy())


def test_the_posterior_favours_the_half_life_that_predicts_the_series():
    gi = math.log(1.15)
    g1 = 0.6
    for true_h in (0.5, 8.0):
        g2 = gi + priors.phi(true_h) * (g1 - gi)
        logs = pd.Series(np.cumsum([4.0, g1, g2]), index=[2021, 2022, 2023])
        w = priors.posterior(priors.grid("x", long_run_growth=0.15), logs, 0.05)
        assert w.sort_values("weight").iloc[-1]["half_life"] == true_h


def test_the_evidence_is_every_pair_of_growth_rates(cleaned):
    obs = priors.growth_observations(cleaned["figures"], cleaned["series"], assembly.assemble)
    ev = priors.evidence(obs)
    per_series = obs.groupby("indicator").size()
    assert len(ev) == int((per_series - 1).clip(lower=0).sum())
    ic = ev[(ev["indicator"] == "intelligent_compute") & (ev["to_year"] == 2023)].iloc[0]
    assert round(ic["growth_from"], 3) == 0.675 and round(ic["growth_to"], 3) == 0.593  # the slow deceleration
    assert ic["half_life"] > 2


def test_direction():
    assert priors.direction(0.088, priors.LONG_RUN["general_compute"]) == "reverting"
    assert priors.direction(0.825, priors.LONG_RUN["ai_server_market"]) == "decaying"
    assert priors.direction(0.12, (0.1, 0.15)) == "either"


def test_the_long_run_rates_say_whose_view_they_are_and_only_views_are_bias_adjusted():
    import math
    for s, rates in priors.LONG_RUN.items():
        assert len(priors.VIEWS[s]) == len(rates)
    assert priors.adjusted("general_compute", None) == priors.LONG_RUN["general_compute"]
    adj = priors.adjusted("general_compute", -0.044)
    assert adj[0] == 0.09  # the series' own last growth: data, not a view
    assert adj[1] == pytest.approx(math.expm1(math.log(1.14) + 0.044), abs=1e-6)
    assert adj[2] > priors.LONG_RUN["general_compute"][2]
    assert sorted(set(priors.grid("general_compute", per_year_bias=-0.044)["g_inf"])) == sorted(adj)
    assert set(priors.grid("general_compute", long_run_growth=0.1, per_year_bias=-0.044)["g_inf"]) == {0.1}
