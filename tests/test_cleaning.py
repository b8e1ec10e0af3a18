"""Cleaning: units, stated precision, implied values (metadata from their inputs) and how series are assembled.

The audit's verdicts are tested in tests/test_audit.py.
"""
from __future__ import annotations

import pytest

from analysis import cleaning


def _fig(cleaned, fid, col="value_clean"):
    return float(cleaned["figures"].set_index("id").at[fid, col])


def test_units_are_converted(cleaned):
    assert _fig(cleaned, "art_ai_server_2023") == pytest.approx(9.1)          # 91亿美元
    assert _fig(cleaned, "art_nvidia_dc_fy24q3") == pytest.approx(14.51)      # 145.1亿美元
    assert _fig(cleaned, "art_nvidia_market_cap") == pytest.approx(1000.0)    # 1万亿美元
    assert _fig(cleaned, "art_param_scale_max") == pytest.approx(130.0)       # 1300亿 parameters
    f = cleaned["figures"].set_index("id")
    assert f.at["art_intelligent_compute_2023", "unit_clean"] == "EFLOPS FP16"
    assert f.at["art_general_compute_2023", "unit_clean"] == "EFLOPS FP64"
    assert f.at["art_ai_server_cagr", "measure"] == "cagr"
    assert f.at["art_genai_exploring", "measure"] == "share"


def test_planned_increase_is_a_growth_rate_not_a_share(cleaned):
    """增幅达到20%-40%: an increase of investment, not a share of enterprises."""
    f = cleaned["figures"].set_index("id")
    for fid in ("art_genai_increase_low", "art_genai_increase_high"):
        assert f.at[fid, "measure"] == "growth" and f.at[fid, "unit"] == "% increase"
    assert f.at["art_genai_raisers", "measure"] == "share"  # 超过七成企业 is a share


def test_every_figure_carries_the_interval_its_statement_allows(cleaned):
    f = cleaned["figures"].set_index("id")
    assert (f.at["art_nvidia_dc_fy23q3", "value_low"], f.at["art_nvidia_dc_fy23q3", "value_high"]) == (3.75, 3.85)
    assert (f.at["art_headline_share", "value_low"], f.at["art_headline_share", "value_high"]) == (65, 75)
    assert f.at["pub_global_ai_2021_e2122", "value_high"] == float("inf")  # 超过850亿: a lower bound
    assert f.at["pub_ic_2022_e2324", "value_text"] == "260" and f.at["pub_nvidia_fy23q1", "value_text"] == "3.750"
    assert ((f["value_low"] <= f["value_clean"]) & (f["value_clean"] <= f["value_high"])).all()


def test_periods_are_parsed(cleaned):
    f = cleaned["figures"].set_index("id")
    assert (f.at["art_ai_server_cagr", "year"], f.at["art_ai_server_cagr", "year_end"]) == (2022, 2027)
    assert f.at["art_ai_server_h1_2023", "period_type"] == "half"
    # NVIDIA FY24 Q3 ended in October 2023.
    assert (f.at["pub_nvidia_fy24q3", "year"], f.at["pub_nvidia_fy24q3", "year_end"]) == (2023, 2024)


def test_implied_values_follow_their_formulas(cleaned):
    imp = cleaned["implied"].set_index("id")["value"]
    assert imp["imp_ai_server_2022"] == pytest.approx(9.1 / 1.825)
    assert imp["imp_ai_server_h1_2022"] == pytest.approx(3.0 / 1.554)
    assert imp["imp_ai_server_2027"] == pytest.approx(9.1 / 1.825 * 1.218 ** 5)
    assert round(imp["imp_ai_server_2027"], 1) == 13.4
    assert imp["imp_intelligent_compute_2022"] == pytest.approx(414.1 / 1.593)
    assert imp["imp_general_compute_2022"] == pytest.approx(59.3 / 1.088)
    assert imp["imp_general_compute_2027"] == pytest.approx(59.3 / 1.088 * 1.166 ** 5)
    assert imp["imp_nvidia_yoy_fy24q3"] == pytest.approx((14.51 / 3.833 - 1) * 100)
    assert imp["imp_ic_cagr_2022_2027"] == pytest.approx(((1117 / 260) ** 0.2 - 1) * 100)
    assert imp["imp_global_server_cagr_2022_2026_idc2023"] == pytest.approx(((34.7 / 18.3) ** 0.25 - 1) * 100)
    assert imp["imp_global_ai_2021_e2122"] == pytest.approx(204.5 / 1.245 ** 4)
    assert imp["imp_ai_server_h2_2023_yoy"] == pytest.approx(((9.1 - 3.0) / (9.1 / 1.825 - 3.0 / 1.554) - 1) * 100)


def test_implied_intervals_come_from_the_inputs_precision(cleaned):
    i = cleaned["implied"].set_index("id")
    lo, hi = i.at["imp_ai_server_2022", "value_low"], i.at["imp_ai_server_2022", "value_high"]
    assert (lo, hi) == pytest.approx((9.05 / 1.8255, 9.15 / 1.8245), abs=1e-6)
    assert ((i["value_low"] <= i["value"]) & (i["value"] <= i["value_high"])).all()


def test_implied_metadata_come_from_the_inputs(cleaned):
    """No typed-in vintage, period or indicator: each follows from the figures a value is computed from."""
    i = cleaned["implied"].set_index("id")
    f = cleaned["figures"].set_index("id")
    for iid, row in i.iterrows():
        inputs = row["inputs"].split()
        order = {v: int(o) for v, o in zip(f.loc[inputs, "vintage"], f.loc[inputs, "vintage_order"])}
        assert row["vintage"] == " + ".join(sorted(order, key=lambda v: (order[v], v))), iid
    assert i.at["imp_ai_market_cagr_2020_2024", "vintage"] == "2020-21 ed"
    assert i.at["imp_global_server_cagr_2022_2026_idc2023", "vintage"] == "2023-24 ed + IDC 2023 (askci)"
    assert i.at["imp_nvidia_yoy_fy24q3", "vintage"] == "NVIDIA results"
    assert i.at["imp_ic_cagr_2021_2026_e2223", "vintage"] == "2022-23 ed"
    assert i.at["imp_ai_server_2022", "period"] == "2022" and i.at["imp_ai_server_h1_2022", "period"] == "2022 H1"
    assert i.at["imp_ai_server_h2_2023", "period"] == "2023 H2" and i.at["imp_global_ai_2021_e2122", "period"] == "2021"
    assert i.at["imp_ic_cagr_2022_2027", "period"] == "2022-2027" and i.at["imp_general_compute_2027", "period"] == "2027"
    assert i.at["imp_growth_ratio_2023", "indicator"] == "compute_growth_ratio"  # like= the stated 6.7x


def test_implied_metadata_follow_a_changed_input(raw):
    """Restate an input's vintage and period: the implied value's metadata change with it."""
    changed = {k: v.copy() for k, v in raw.items()}
    p = changed["published_figures"]
    p.loc[p["id"] == "pub_aimarket_2020_e2021", ["vintage", "period"]] = ["2021-22 ed", "2019"]
    imp = cleaning.implied(cleaning.figures(changed)).set_index("id")
    assert imp.at["imp_ai_market_cagr_2020_2024", "vintage"] == "2020-21 ed + 2021-22 ed"
    assert imp.at["imp_ai_market_cagr_2020_2024", "period"] == "2019-2024"


def test_mixed_inputs_need_the_figure_they_recompute(cleaned):
    bad = (cleaning.Derived("imp_x", "ratio", ("art_ai_server_2023", "art_general_compute_2023"), lambda a, b: a / b, "a/b"),)
    with pytest.raises(ValueError, match="like="):
        cleaning.implied(cleaned["figures"], bad)


def test_the_stated_figures_are_kept_as_stated(cleaned):
    """The audit reports; it never repairs a figure."""
    assert _fig(cleaned, "art_nvidia_dc_yoy_fy24q3") == 324
    assert cleaned["audit"].set_index("check_id").at["nvidia_yoy_324", "stated"] == 324
