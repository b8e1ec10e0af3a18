"""The audit: interval arithmetic, derived tolerances, and checks that can fail.

The central test, :func:`test_every_check_can_fail`, perturbs the stated figure of every check
just beyond the tolerance the audit derived for it (keeping the figure's stated precision) and
asserts that the verdict changes; a figure moved just inside the tolerance keeps its verdict.
A check whose stated figure is also an input of its own recomputation cannot pass this test.
"""
from __future__ import annotations

import math
from decimal import Decimal

import pandas as pd
import pytest
from dataclasses import replace

from analysis import audit, cleaning
from analysis.sources import UNITS

KNOWN = {
    "growth_ratio_6_7x": "consistent", "nvidia_yoy_324": "inconsistent", "nvidia_yoy_324_article": "inconsistent",
    "nvidia_revenue_vs_filing": "consistent", "nvidia_prior_vs_filing": "consistent", "nvidia_beat": "consistent",
    "nvidia_china_share_low": "consistent", "nvidia_china_share_high": "consistent",
    "nvidia_china_share_record": "inconsistent", "nvidia_china_revenue_record": "consistent",
    "nvidia_trillion_date": "inconsistent",
    "ai_server_cagr_2027": "consistent", "intelligent_2023_from_2022": "consistent within rounding",
    "intelligent_cagr_2027": "consistent within rounding", "intelligent_cagr_2026_e2223": "consistent",
    "global_server_cagr": "inconsistent", "global_server_cagr_idc2023_base": "consistent",
    "global_server_cagr_idc2021_base": "consistent",
    "ai_market_cagr_2024": "inconsistent", "ai_market_cagr_2024_from_2019": "consistent", "headline_share": "consistent", "revision_ic_2022": "revised",
    "revision_ai_server_2021_2022": "inconsistent",
    "ai_server_2022_base": "implication", "ai_server_h2_2023": "implication", "general_compute_2022_base": "implication",
    "general_compute_2027": "implication", "genai_share_growth": "implication", "global_ai_2021_base": "implication",
}
TESTS = sorted(c.id for c in audit.CHECKS if c.rule != "implication")


def _run(raw, slack=0.0):
    figures = cleaning.figures(raw)
    return audit.audit(figures, cleaning.implied(figures), raw["article_dates"], slack).set_index("check_id")


@pytest.mark.parametrize("check, verdict", sorted(KNOWN.items()))
def test_verdicts(cleaned, check, verdict):
    assert cleaned["audit"].set_index("check_id").at[check, "verdict"] == verdict


def test_every_check_is_known_and_verdicts_are_the_five(cleaned):
    a = cleaned["audit"]
    assert set(a["check_id"]) == set(KNOWN) and a["check_id"].is_unique
    assert set(a["verdict"]) <= set(audit.VERDICTS) and set(a["rule"]) <= set(audit.RULES)


def test_table_states_inputs_formula_precision_and_tolerance(cleaned):
    a = cleaned["audit"].set_index("check_id")
    row = a.loc["nvidia_prior_vs_filing"]
    assert row["inputs"] == "pub_nvidia_fy23q3" and row["formula"] == "NVIDIA: 3.833 USD bn"
    assert "art_nvidia_dc_fy23q3 38 亿美元: 3.75 to 3.85 USD bn" in row["precision"]
    # 38亿 is ±0.5亿 = ±0.05 USD bn; 3.833 is ±0.0005: tolerance 0.05 + 0.0005 on the side of the difference
    assert row["tolerance"] == pytest.approx(0.0505)
    tests = a[a["rule"] != "implication"]
    assert tests[["stated_low", "stated_high", "recomputed_low", "recomputed_high", "tolerance"]].notna().all().all()
    assert ((tests["stated_low"] <= tests["stated"]) & (tests["stated"] <= tests["stated_high"])).all()
    assert ((tests["recomputed_low"] <= tests["recomputed"]) & (tests["recomputed"] <= tests["recomputed_high"])).all()


def test_no_flat_tolerance(cleaned):
    """Tolerances differ by check, following precision: no single percentage."""
    tol = cleaned["audit"].query("rule != 'implication'")["tolerance_pct"]
    assert tol.nunique() > 10
    a = cleaned["audit"].set_index("check_id")
    assert a.at["headline_share", "tolerance"] == pytest.approx(5.5)  # 七成 (65-75) and 67 (±0.5)


def test_the_former_flip_at_half_a_percent_is_gone(raw):
    """38亿 against 38.33亿 was 'inconsistent' at a flat 0.5% tolerance; at its precision it is consistent."""
    for slack in (0.0, 0.5, 5.0):
        assert _run(raw, slack).at["nvidia_prior_vs_filing", "verdict"] == "consistent"


def test_slack_widens_every_tolerance_by_its_share_of_the_stated_value(raw, cleaned):
    base = cleaned["audit"].set_index("check_id")
    loose = _run(raw, 5.0)
    tests = base["rule"] != "implication"
    extra = (loose.loc[tests, "tolerance"] - base.loc[tests, "tolerance"])
    assert extra.to_numpy() == pytest.approx((base.loc[tests, "stated"].abs() * 0.05).to_numpy(), abs=1e-3)
    assert loose.at["nvidia_yoy_324", "verdict"] == "inconsistent"  # 14% off: no slack of 5% hides it


def test_both_readings_of_a_record_are_audited(cleaned):
    """创下历史新高 fails as a record share and holds as a record in revenue: FY24 Q2's China part, at
    the bottom of 20-25%, against an earlier quarter's at the top, needs that quarter above 8.26 USD bn,
    and NVIDIA's record before FY24 Q2 was 4.28."""
    a = cleaned["audit"].set_index("check_id")
    assert a.at["nvidia_china_share_record", "claim"] == a.at["nvidia_china_revenue_record", "claim"]
    assert a.at["nvidia_china_revenue_record", "recomputed"] == pytest.approx(10.32 * 20 / 25)
    assert a.at["nvidia_china_revenue_record", "stated"] == 4.28
    # the 17.3% CAGR: 2022 = 18.3 over four years and 2021 = 15.6 over five both give it
    assert a.at["global_server_cagr_idc2021_base", "recomputed"] == pytest.approx(((34.7 / 15.6) ** 0.2 - 1) * 100, abs=1e-4)
    assert a.at["global_server_cagr_idc2023_base", "recomputed"] == pytest.approx(((34.7 / 18.3) ** 0.25 - 1) * 100, abs=1e-4)


def test_every_test_names_its_claim(cleaned):
    a = cleaned["audit"]
    tests = a[a["rule"] != "implication"]
    assert (tests["claim"].str.len() > 10).all() and not tests["claim"].str.contains("{", regex=False).any()
    assert (a.loc[a["rule"] == "implication", "claim"].fillna("") == "").all()
    # five claims are tested more than once: +324% (two sources), 20-25% (both bounds), the readings of 30.4%,
    # 17.3% and the record
    repeated = tests.groupby("claim")["check_id"].apply(sorted)
    assert sorted(v for v in repeated if len(v) > 1) == [
        ["ai_market_cagr_2024", "ai_market_cagr_2024_from_2019"],
        ["global_server_cagr", "global_server_cagr_idc2021_base", "global_server_cagr_idc2023_base"],
        ["nvidia_china_revenue_record", "nvidia_china_share_record"],
        ["nvidia_china_share_high", "nvidia_china_share_low"],
        ["nvidia_yoy_324", "nvidia_yoy_324_article"]]


def test_implications_are_not_tests(cleaned):
    a = cleaned["audit"].set_index("check_id")
    imp = a[a["rule"] == "implication"]
    assert (imp["verdict"] == "implication").all() and imp["tolerance"].isna().all() and imp["stated"].isna().all()
    # the three checks that could not fail are implications or gone
    assert "accel_supply_sum" not in a.index and "genai_share_path" not in a.index
    assert a.at["ai_server_2022_base", "rule"] == "implication"
    assert a.at["ai_server_h2_2023", "recomputed"] == pytest.approx(99.62, abs=0.01)


# ---------------------------------------------------------------------------- perturbation

def _locate(raw, fid):
    for table in ("article_figures", "published_figures"):
        hit = raw[table].index[raw[table]["id"] == fid]
        if len(hit):
            return table, hit[0]
    raise KeyError(fid)


def _with_value(raw, fid, clean_value, direction):
    """A copy of ``raw`` with figure ``fid`` restated at ``clean_value`` (rounded outward in ``direction``),
    keeping its stated precision (same last digit; for '~' a multiple of the same unit)."""
    table, idx = _locate(raw, fid)
    row = raw[table].loc[idx]
    factor = UNITS[row["unit"]][1]
    lo, hi = cleaning.stated_interval(row["value_text"], row["qualifier"])
    step = Decimal(repr(round(float(hi - lo), 12)))  # one unit of the stated last digit
    target = Decimal(repr(float(clean_value) / factor)) / step
    n = target.to_integral_value(rounding="ROUND_CEILING" if direction > 0 else "ROUND_FLOOR")
    new = n * step
    if row["qualifier"] == "=":
        new = new.quantize(Decimal(row["value_text"]))
    out = {k: v.copy() for k, v in raw.items()}
    out[table].loc[idx, "value"] = float(new)
    out[table].loc[idx, "value_text"] = str(new)
    assert cleaning.stated_interval(str(new), row["qualifier"])[1] - cleaning.stated_interval(str(new), row["qualifier"])[0] \
        == pytest.approx(hi - lo)
    return out


def _with_date(raw, did, day):
    out = {k: v.copy() for k, v in raw.items()}
    d = out["article_dates"]
    d.loc[d["id"] == did, "date"] = (pd.Timestamp("2023-01-01") + pd.Timedelta(days=day - 1)).strftime("%Y-%m-%d")
    return out


def _beyond(row):
    """Clean value for the stated figure just beyond the tolerance (or just inside, for a failed check)."""
    r, s, tol = row["recomputed"], row["stated"], row["tolerance"]
    if row["rule"] == "greater":
        return (r, +1) if row["verdict"] != "inconsistent" else (r - tol, -1)
    if row["verdict"] in ("inconsistent", "revised"):
        return r, (+1 if s < r else -1)  # restated at the recomputed value: consistent
    sign = 1 if s >= r else -1
    return r + sign * tol * 1.0000001, sign


@pytest.mark.parametrize("check", TESTS)
def test_every_check_can_fail(raw, cleaned, check):
    row = cleaned["audit"].set_index("check_id").loc[check].copy()
    row["rule"] = cleaned["audit"].set_index("check_id").at[check, "rule"]
    spec = next(c for c in audit.CHECKS if c.id == check)
    if spec.stated.startswith("date_"):  # the stated window (年初) is a reading; move the dated event instead
        day = 90 if row["verdict"] == "inconsistent" else 150  # 2023-03-31, the last day read as 年初
        after = _run(_with_date(raw, spec.inputs[0], day)).loc[check]
        assert after["verdict"] != row["verdict"]
        return
    value, direction = _beyond(row)
    after = _run(_with_value(raw, spec.stated, value, direction)).loc[check]
    assert after["verdict"] != row["verdict"], (check, row["verdict"], after["stated"], after["recomputed"])
    if row["verdict"] in ("consistent", "consistent within rounding"):
        assert after["verdict"] in ("inconsistent", "revised")
    # the recomputed side did not move: the stated figure is not an input of its own recomputation
    assert after["recomputed"] == pytest.approx(row["recomputed"])


@pytest.mark.parametrize("check", sorted(c for c in TESTS if KNOWN[c] in ("consistent", "consistent within rounding")
                                         and not c.startswith("nvidia_trillion")))
def test_a_figure_just_inside_the_tolerance_keeps_passing(raw, cleaned, check):
    a = cleaned["audit"].set_index("check_id")
    row = a.loc[check]
    spec = next(c for c in audit.CHECKS if c.id == check)
    if spec.rule == "greater":
        value, direction = row["recomputed"] - row["tolerance"] * 1.5, -1
    else:
        sign = 1 if row["stated"] >= row["recomputed"] else -1
        value, direction = row["recomputed"] + sign * row["tolerance"] * 0.99, -sign
    after = _run(_with_value(raw, spec.stated, value, direction)).loc[check]
    assert after["verdict"] in ("consistent", "consistent within rounding"), (check, after["stated"])


def test_a_recomputation_input_moves_a_verdict(raw):
    """Perturbing an input of the recomputation (not the stated figure) also flips a verdict."""
    assert _run(raw).at["nvidia_prior_vs_filing", "verdict"] == "consistent"
    moved = _with_value(raw, "pub_nvidia_fy23q3", 3.9, +1)  # NVIDIA at 3.900: 38亿 (3.75-3.85) no longer covers it
    assert _run(moved).at["nvidia_prior_vs_filing", "verdict"] == "inconsistent"
    grown = _with_value(raw, "pub_global_server_2026_e2324", 36.9, +1)  # (36.9 / 19.5)^(1/4) - 1 = 17.29%
    assert _run(grown).at["global_server_cagr", "verdict"] == "consistent"


# ---------------------------------------------------------------------------- the pieces

@pytest.mark.parametrize("text, qualifier, low, high", [
    ("38", "=", 37.5, 38.5), ("3.750", "=", 3.7495, 3.7505), ("268.0", "=", 267.95, 268.05),
    ("70", "~", 65, 75), ("50", "~", 45, 55), ("183", "~", 182.5, 183.5), ("18.3", "~", 18.25, 18.35),
    ("85", ">", 85, math.inf), ("1000", ">=", 1000, math.inf), ("25", "<=", 0, 25),
])
def test_stated_interval_convention(text, qualifier, low, high):
    assert cleaning.stated_interval(text, qualifier) == pytest.approx((low, high))


@pytest.mark.parametrize("rule, s, r, verdict", [
    ("equal", (10.0, 9.95, 10.05), (10.04, 10.0, 10.08), "consistent"),
    ("equal", (10.0, 9.95, 10.05), (10.07, 10.0, 10.1), "consistent within rounding"),
    ("equal", (10.0, 9.95, 10.05), (10.2, 10.1, 10.3), "inconsistent"),
    ("revision", (10.0, 9.95, 10.05), (10.2, 10.1, 10.3), "revised"),
    ("greater", (10.0, 9.95, 10.05), (10.2, 10.1, 10.3), "consistent"),
    ("greater", (10.0, 9.95, 10.05), (10.04, 10.0, 10.08), "consistent within rounding"),
    ("greater", (10.0, 9.95, 10.05), (10.0, 9.9, 10.1), "inconsistent"),
])
def test_verdict_rules(rule, s, r, verdict):
    assert audit.verdict(rule, *s, *r)[0] == verdict


def test_dates_become_days_with_their_reading(raw):
    d = audit.date_figures(raw["article_dates"]).set_index("id")
    assert (d.at["date_nvidia_trillion", "value_low"], d.at["date_nvidia_trillion", "value_high"]) == (1.0, 90.0)
    assert d.at["date_nvidia_trillion_first", "value_clean"] == 150.0  # 2023-05-30


def test_an_unknown_id_in_a_check_is_named(cleaned, raw):
    bad = (audit.Check("x", "equal", "x", "no_such_figure", ("art_ai_server_2023",), lambda a: a, "a"),)
    with pytest.raises(KeyError, match="no_such_figure"):
        audit.audit(cleaned["figures"], cleaned["implied"], raw["article_dates"], checks=bad)


def _shifted(figures, fid, factor):
    f = figures.copy()
    m = f["id"] == fid
    for col in ("value_clean", "value_low", "value_high"):
        f.loc[m, col] = f.loc[m, col] * factor
    return f


def _root(fn, values, j, target):
    """The factor on input ``j`` at which ``fn`` equals ``target`` (log-bisection on 1/5..5), or None."""
    def gap(k):
        v = list(values)
        v[j] *= k
        return fn(*v) - target
    lo, hi = math.log(0.2), math.log(5.0)
    if gap(math.exp(lo)) * gap(math.exp(hi)) > 0:
        return None
    for _ in range(80):
        mid = (lo + hi) / 2
        if gap(math.exp(lo)) * gap(math.exp(mid)) <= 0:
            hi = mid
        else:
            lo = mid
    return math.exp((lo + hi) / 2)


@pytest.mark.parametrize("check", sorted(c.id for c in audit.CHECKS if c.rule != "implication"
                                         and not c.stated.startswith("date_")))
def test_every_input_of_a_check_can_move_its_verdict(cleaned, raw, check):
    """No dead input: moving any one input of the recomputation (with its interval) to where the
    recomputed value meets the stated one, or past it, or far away, changes the verdict."""
    spec = next(c for c in audit.CHECKS if c.id == check)
    a = cleaned["audit"].set_index("check_id")
    before, stated = a.at[check, "verdict"], a.at[check, "stated"]
    f = cleaned["figures"].set_index("id")
    values = [float(f.at[i, "value_clean"]) for i in spec.inputs]
    for j, fid in enumerate(spec.inputs):
        k0 = _root(spec.fn, values, j, stated)
        factors = [0.2, 5.0] + ([k0 * (1 - 1e-3), k0, k0 * (1 + 1e-3)] if k0 else [])
        verdicts = {audit.audit(_shifted(cleaned["figures"], fid, k), cleaned["implied"], raw["article_dates"],
                                checks=(spec,)).at[0, "verdict"] for k in factors}
        assert verdicts - {before}, (check, fid, before)




def test_the_30_4_percent_cagr_fits_the_2019_24_window_its_dated_pages_give(raw):
    """Issue 27 H1: 62.7 / 1.373 = 45.67 in 2019, and (172.2 / 45.67)^(1/5) - 1 = 30.40% [30.37, 30.44]."""
    a = _run(raw)
    r = a.loc["ai_market_cagr_2024_from_2019"]
    assert r["recomputed"] == pytest.approx(((17.22 / (6.27 / 1.373)) ** 0.2 - 1) * 100, abs=1e-4)
    assert r["recomputed_low"] == pytest.approx(30.365, abs=0.01) and r["recomputed_high"] == pytest.approx(30.441, abs=0.01)
    assert r["claim"] == a.loc["ai_market_cagr_2024", "claim"]  # two readings of one claim
    pages = raw["published_figures"].set_index("id").loc["pub_aimarket_cagr_2019_e2021"]
    assert pages["published"] == "2020-12-19 | 2020-12-25" and "chinamoneynetwork" in pages["location"]


def test_the_2021_22_cagr_is_read_over_idcs_own_window(raw):
    """Issue 27 M1: IDC's release gives 2021-2025, so the implied base is 2021's, 204.5 / 1.245^4."""
    a = _run(raw)
    assert a.loc["global_ai_2021_base", "recomputed"] == pytest.approx(204.5 / 1.245 ** 4, abs=1e-4)
    assert raw["published_figures"].set_index("id").at["pub_global_ai_cagr_e2122", "period"] == "2021-2025"


def test_every_test_says_whose_claim_it_is(raw):
    a = _run(raw)
    tests = a[a["rule"] != "implication"]
    assert set(tests["whose"]) == set(audit.WHOSE) and (a.loc[a["rule"] == "implication", "whose"] == "").all()
    assert a.loc["revision_ai_server_2021_2022", "whose"] == audit.HYPOTHESIS
    assert set(a.loc[a.index.str.startswith("nvidia_"), "whose"]) == {audit.ARTICLE}
    bad = replace(audit.CHECKS[0], whose="")
    with pytest.raises(ValueError, match="whose claim"):
        audit.audit(cleaning.figures(raw), cleaning.implied(cleaning.figures(raw)), raw["article_dates"], 0.0, (bad,))


def test_an_audit_with_no_check_that_can_be_made_is_an_empty_table(raw):
    """An early as-of date holds none of the checks' inputs: the audit is empty, not a KeyError."""
    a = audit.audit(cleaning.figures(raw), cleaning.implied(cleaning.figures(raw)), raw["article_dates"], 0.0, ())
    assert len(a) == 0 and "verdict" in a.columns and "whose" in a.columns
