"""The world's AI-server market triangulated: never below what NVIDIA alone already sold, and the
compute ceiling that follows from it."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analysis import assembly, world


@pytest.fixture(scope="module")
def table(cleaned):
    china = assembly.assemble(cleaned["series"], "ai_server_market", 2021).query("used").set_index("year")["value"]
    return world.triangulate(cleaned["series"], cleaned["figures"], china.astype(float), np.arange(2024, 2036), 0.07)


def test_nvidia_quarters_map_to_the_calendar_year_they_lie_in(cleaned):
    q = world.nvidia_quarters(cleaned["figures"]).set_index("period")
    assert q.at["FY24 Q3", "calendar_year"] == 2023 and np.isnan(q.at["FY23 Q4", "calendar_year"])
    assert q.at["FY23 Q3", "value"] == pytest.approx(3.833)  # the more precise of 3.8 and 3.833


def test_no_bound_lies_below_a_figure_already_held(table):
    t = table.set_index("year")
    assert t.at[2023, "nvidia_known"] == pytest.approx(4.28 + 10.32 + 14.51)
    assert t.at[2023, "idc_world"] < t.at[2023, "nvidia_known"]  # the consensus contradicted
    held = t["nvidia_floor"].ffill()
    assert (t["world_low"] >= held - 1e-9).all() and (t.loc[2024:, "world_low"] >= 29.11 - 1e-9).all()
    assert t.at[2023, "world"] == pytest.approx((29.11 + 14.51) / 0.9)
    assert (t["world_low"] <= t["world"]).all() and (t["world"] <= t["world_high"]).all()
    assert t.at[2023, "china_share"] == pytest.approx(9.1 / t.at[2023, "world"])
    assert t.at[2023, "nvidia_china_low"] == pytest.approx(0.2 * (29.11 + 14.51))


def test_without_nvidia_the_path_is_idc_s(cleaned):
    figures = cleaned["figures"][cleaned["figures"]["indicator"] != world.NVIDIA]
    china = pd.Series({2023: 9.1})
    t = world.triangulate(cleaned["series"], figures, china, [2024, 2026], 0.07).set_index("year")
    assert t.at[2026, "world"] == pytest.approx(34.7) and t["nvidia_floor"].isna().all()


def test_the_compute_ceiling_buys_the_world_s_upper_spending_at_the_best_rate(table):
    ic = pd.Series({2021: 155.2, 2022: 260.0, 2023: 414.1})
    server = pd.Series({2022: 5.0, 2023: 9.1})
    eff = world.efficiency(ic, server)
    assert eff == (pytest.approx(104.8 / 5.0), 2022)
    c = world.compute_bound(table, (2023, 414.1), eff, [2035]).set_index("year")["bound"]
    hi = table.set_index("year")["world_high"]
    assert c[2024] == pytest.approx(414.1 + hi[2024] * eff[0])
    assert c[2035] < 149_412  # the drift path of issue 26 passes it
    assert world.compute_bound(table, (2023, 414.1), None, [2030]).empty


def test_the_world_rate_is_raised_by_the_vintages_bias(cleaned):
    china = pd.Series({2023: 9.1})
    plain = world.triangulate(cleaned["series"], cleaned["figures"], china, [2024, 2025], 0.07).set_index("year")
    raised = world.triangulate(cleaned["series"], cleaned["figures"], china, [2024, 2025], 0.07, -0.044).set_index("year")
    rate = (34.7 / 19.5) ** 0.25 - 1
    assert plain.at[2025, "world"] / plain.at[2023, "world"] == pytest.approx((1 + rate) ** 2)
    assert raised.at[2025, "world"] / raised.at[2023, "world"] == pytest.approx(((1 + rate) * np.exp(0.044)) ** 2)
    assert "raised by the vintages' bias" in raised.at[2024, "basis"]
