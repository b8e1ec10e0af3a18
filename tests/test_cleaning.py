"""Cleaning: units, implied values and the audit's verdicts (series assembly: tests/test_assembly.py)."""
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
    assert imp["imp_nvidia_yoy_fy24q3"] == pytest.approx((14.514 / 3.833 - 1) * 100)
    assert imp["imp_ic_cagr_2022_2027"] == pytest.approx(((1117.4 / 259.9) ** 0.2 - 1) * 100)
    assert imp["imp_ai_server_h2_2023_yoy"] == pytest.approx(((9.1 - 3.0) / (9.1 / 1.825 - 3.0 / 1.554) - 1) * 100)


def test_audit_has_enough_checks_with_verdicts(cleaned):
    audit = cleaned["audit"]
    assert len(audit) >= 8
    assert set(audit["verdict"]) <= {"consistent", "inconsistent", "revised"}
    assert audit["check_id"].is_unique


KNOWN = {
    # the report's (and the article's) known inconsistencies
    "nvidia_yoy_324": "inconsistent", "global_server_cagr": "inconsistent", "ai_market_cagr_2024": "inconsistent",
    "ai_server_h1_vs_fy": "inconsistent", "revision_ai_server_2021_2022": "inconsistent",
    "headline_share": "inconsistent", "revision_ic_2022": "revised",
    # and the known consistent ones
    "growth_ratio_6_7x": "consistent", "nvidia_beat": "consistent", "ai_server_cagr_2027": "consistent",
    "intelligent_2023_from_2022": "consistent", "general_2023_from_2022": "consistent",
    "intelligent_cagr_2027": "consistent", "general_cagr_2027": "consistent",
    "intelligent_cagr_2026_e2223": "consistent", "nvidia_revenue_vs_filing": "consistent",
    "genai_share_path": "consistent", "accel_supply_sum": "consistent",
}


@pytest.mark.parametrize("check, verdict", sorted(KNOWN.items()))
def test_audit_verdicts(cleaned, check, verdict):
    assert cleaned["audit"].set_index("check_id").at[check, "verdict"] == verdict


def test_audit_reports_and_does_not_fix(cleaned):
    a = cleaned["audit"].set_index("check_id")
    assert a.at["nvidia_yoy_324", "stated"] == 324
    assert a.at["nvidia_yoy_324", "recomputed"] == pytest.approx(278.659, abs=1e-3)
    assert _fig(cleaned, "art_nvidia_dc_yoy_fy24q3") == 324  # the stated figure is kept as stated


def test_tolerance_changes_verdicts(cleaned):
    loose = cleaning.audit(cleaned["figures"], cleaned["implied"], 5.0).set_index("check_id")
    assert loose.at["headline_share", "verdict"] == "consistent"  # 4.3% off: rounding at a 5% tolerance
    assert loose.at["nvidia_yoy_324", "verdict"] == "inconsistent"  # 14% off at any sensible tolerance
