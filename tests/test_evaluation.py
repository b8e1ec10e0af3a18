"""The real-time record: forecasts scored against the next figure published, with honest n."""
from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from analysis import assembly, editions, evaluation


def _series(rows):
    return pd.DataFrame([dict(indicator="x", geography="China", unit="USD bn", vintage_order=1, source_table="published",
                              **r) for r in rows])


def test_the_outcome_is_the_next_data_figure_from_another_vintage():
    s = _series([
        dict(year=2022, value=10.0, qualifier="=", kind="forecast", vintage="A", id="a", known_from="2021-05-01"),
        dict(year=2022, value=11.0, qualifier="=", kind="estimate", vintage="B", id="b1", known_from="2022-03-01"),
        dict(year=2022, value=12.0, qualifier=">", kind="estimate", vintage="C", id="c", known_from="2022-08-01"),
        dict(year=2022, value=12.5, qualifier="=", kind="estimate", vintage="D", id="d", known_from="2022-09-01"),
        dict(year=2022, value=13.0, qualifier="=", kind="actual", vintage="E", id="e", known_from="2023-05-01"),
    ])
    o = evaluation.Outcomes(s)
    # b1 is in the year's first half (a forecast), c a bound: the first outcome is d, not the latest e
    assert o.first("x", 2022, "2021-05-01", not_vintage="A")["id"] == "d"
    assert o.first("x", 2022, "2022-09-01")["id"] == "e"
    assert o.first("x", 2022, "2023-05-01") is None
    assert evaluation.horizon(2023, "2023-11-29") == 1 and evaluation.horizon(2022, "2023-01-11") == 0


def test_summary_says_too_few_below_five_pairs():
    ev = pd.DataFrame(dict(forecaster_type=["vintage"] * 6 + ["model"] * 2, forecaster=["A"] * 6 + ["m"] * 2,
                           horizon=[1] * 6 + [1, 2], same_definition=[True] * 7 + [False],
                           outcome_id=["o1", "o2", "o3", "o4", "o5", "o6", "o1", "o2"],
                           error_log=[0.1, -0.1, 0.2, 0.0, 0.1, -0.2, 0.3, 9.0], pit=[np.nan] * 6 + [0.95, 0.5],
                           interval_score_80=[np.nan] * 6 + [0.4, 0.1], crps_log=[np.nan] * 6 + [0.2, 0.1]))
    s = evaluation.summary(ev).set_index(["forecaster", "horizon"])
    assert s.loc[("A", "all"), "n"] == 6 and s.loc[("A", "all"), "enough"]
    assert s.loc[("m", "all"), "n"] == 1 and not s.loc[("m", "all"), "enough"]  # the other definition is not counted
    assert s.loc[("m", "all"), "coverage_80"] == 0.0 and s.loc[("m", "all"), "coverage_95"] == 1.0  # |2·0.95 − 1| = 0.9
    assert s.loc[("A", "all"), "rmse_log"] == pytest.approx(math.sqrt(np.mean(np.square([0.1, -0.1, 0.2, 0, 0.1, -0.2]))))


def test_five_pairs_against_one_outcome_are_one_event_and_carry_no_claim():
    """Five models scored against one figure are five pairs but one event: not enough."""
    one = pd.DataFrame(dict(forecaster_type="model", forecaster=["a", "b", "c", "d", "e"], horizon=1,
                            same_definition=True, outcome_id="x2023", error_log=[0.1, 0.2, 0.1, 0.0, 0.3],
                            pit=np.nan, interval_score_80=np.nan, crps_log=np.nan))
    s = evaluation.summary(one).set_index(["forecaster", "horizon"])
    assert s.loc[("all", "all"), "n"] == 5 and not s.loc[("all", "all"), "enough"]
    five = one.assign(outcome_id=["p1", "p2", "p3", "p4", "p5"])
    assert evaluation.summary(five).set_index(["forecaster", "horizon"]).loc[("all", "all"), "enough"]
    vint = one.assign(forecaster_type="vintage")
    assert not evaluation.error_scale(vint).set_index("horizon").loc["1", "enough"]
    assert evaluation.error_scale(vint.assign(outcome_id=five["outcome_id"])).set_index("horizon").loc["1", "enough"]


def test_a_figure_dated_only_by_the_article_is_never_an_outcome():
    """Two undated releases, both dated by the article: neither 'after the origin' nor 'in the
    year's second half' can be checked, so neither is the next word on the year."""
    s = _series([
        dict(year=2018, value=19.1, qualifier="=", kind="estimate", vintage="2018-03", id="march", known_from="2023-12-07"),
        dict(year=2018, value=24.0, qualifier="=", kind="estimate", vintage="2018-09", id="sept", known_from="2023-12-07"),
        dict(year=2018, value=25.0, qualifier="=", kind="actual", vintage="2019-09", id="dated", known_from="2019-09-04"),
    ])
    assert evaluation.Outcomes(s).first("x", 2018, "2017-04-03")["id"] == "dated"
    assert evaluation.Outcomes(s).first("x", 2018, "2019-09-04")["id"] == "march"  # what the rule alone would take
    assert evaluation.Outcomes(s, frozenset({"march", "sept"})).first("x", 2018, "2019-09-04") is None
    figures = pd.DataFrame(dict(id=["march", "sept", "dated"], date_rule=[evaluation.UNDATED, evaluation.UNDATED,
                                                                          "earliest dated source"]))
    implied = pd.DataFrame(dict(id=["imp_a", "imp_b"], inputs=["march dated", "dated"]))
    assert evaluation.undated_ids(figures, implied) == {"march", "sept", "imp_a"}


def test_the_default_record_takes_no_outcome_dated_only_by_the_article(cleaned):
    # the rows that nothing dates (the 2018 spending-guide releases) are in no information set at all
    # (analysis.infoset.as_of, issue 26), so they can be no outcome; the record's own rule stays as a guard
    assert not {"pub_h2_global_ai_2018_sg2018", "pub_h2_global_ai_2018_sg2018b"} & set(cleaned["figures"]["id"])
    undated = evaluation.undated_ids(cleaned["figures"], cleaned["implied"])
    vp = evaluation.vintage_pairs(cleaned["series"], undated)
    assert not vp["outcome_id"].isin(undated).any()


def test_the_error_scale_interval_holds_its_estimate():
    ev = pd.DataFrame(dict(forecaster_type="vintage", same_definition=True, horizon=[1, 1, 1, 2, 2],
                           error_log=[0.05, -0.1, 0.08, 0.2, -0.1], outcome_id=["a", "b", "c", "d", "e"]))
    sc = evaluation.error_scale(ev).set_index("horizon")
    assert sc.loc["1", "rms_log"] == pytest.approx(math.sqrt((0.05 ** 2 + 0.1 ** 2 + 0.08 ** 2) / 3))
    assert sc.loc["1", "low"] < sc.loc["1", "rms_log"] < sc.loc["1", "high"] and not sc.loc["1", "enough"]
    per_year = [0.05, -0.1, 0.08, 0.1, -0.05]
    assert sc.loc["all (per year ahead)", "rms_log"] == pytest.approx(math.sqrt(np.mean(np.square(per_year))))


def test_the_default_record(cleaned):
    vp = evaluation.vintage_pairs(cleaned["series"])
    assert (vp["outcome_published"] > vp["origin"]).all() and (vp["outcome_vintage"] != vp["forecaster"]).all()
    comparable = vp[vp["same_definition"]]
    assert len(comparable) >= 15
    m = evaluation.measurement_pairs(vp)
    assert len(m) >= 3 and (m["origin"] >= m["target_year"].astype(str) + "-07-01").all()


def test_a_model_fitted_at_an_origin_sees_nothing_published_after_it(cleaned):
    """Every row public after the origin (figures, implied values, revisions) is multiplied by ten:
    the forecasts made at that origin do not move by a bit."""
    series, figures, implied = cleaned["series"], cleaned["figures"], cleaned["implied"]
    revisions = evaluation.measurement_pairs(evaluation.vintage_pairs(series))
    fit = evaluation.realtime_models(figures, implied, revisions)
    checked = 0
    for indicator in ("ai_server_market", "intelligent_compute"):
        own = series[(series["indicator"] == indicator) & editions.is_data(series)]
        for origin in evaluation.origins(series, indicator)[1:]:
            known = series[series["known_from"] <= origin]
            pts = assembly.assemble(own[own["known_from"] <= origin], indicator).query("used")
            if len(pts) < 2:
                continue
            years = np.arange(int(pts["year"].max()) + 1, 2028)
            def later(d, cols):
                return d.assign(**{c: np.where(d["known_from"] > origin, d[c] * 10, d[c]) for c in cols})
            fit_late = evaluation.realtime_models(
                later(figures, ["value_clean", "value_low", "value_high"]), later(implied, ["value", "value_low", "value_high"]),
                revisions.assign(error_log=np.where(revisions["outcome_published"] > origin, revisions["error_log"] * 10,
                                                    revisions["error_log"])))
            plain, moved = fit(indicator, pts, years, known), fit_late(indicator, pts, years, known)
            assert [f.model for f in plain] == [f.model for f in moved]
            for a, b in zip(plain, moved):
                assert np.array_equal(a.log_quantile(0.9), b.log_quantile(0.9)), (indicator, origin, a.model)
            checked += 1
    assert checked >= 2
    assert (figures["known_from"] > evaluation.origins(series, "intelligent_compute")[1]).any()  # something moved


def test_the_bias_test_counts_signs_and_gives_an_interval():
    from scipy import stats
    e = [-0.1, -0.2, -0.05, -0.08, 0.02, -0.12]
    rec = pd.DataFrame(dict(forecaster_type="vintage", forecaster="v", series="s", origin=[f"2020-0{i + 1}-01" for i in range(6)],
                            target_year=2019, horizon=[1, 1, 2, 2, 1, 4], read="path", same_definition=True,
                            outcome_id=[f"o{i}" for i in range(6)], outcome_published="2021-01-01", error_log=e))
    b = evaluation.bias_test(rec).set_index("errors")
    r = b.loc["vintages' errors, log(forecast / outcome)"]
    assert (r["n"], r["negative"], r["positive"]) == (6, 5, 1)
    assert r["sign_test_p"] == pytest.approx(stats.binomtest(1, 6).pvalue)
    m, se = np.mean(e), np.std(e, ddof=1) / np.sqrt(6)
    assert r["low"] == pytest.approx(m - stats.t.ppf(0.95, 5) * se) and r["high"] == pytest.approx(m + stats.t.ppf(0.95, 5) * se)
    per = b.loc["vintages' errors per year ahead, log error / max(h, 1)"]
    assert per["mean_log"] == pytest.approx(np.mean([-0.1, -0.2, -0.025, -0.04, 0.02, -0.03]))
    use, why = evaluation.long_run_bias(b.reset_index())
    assert "5 of 6 negative" in why
    assert (use is None) == (per["high"] >= 0)


def test_a_requoted_forecast_is_counted_once():
    pairs = pd.DataFrame(dict(forecaster=["IDC AI spending guide 2021 V2", "2021-22 ed", "2021-22 ed"],
                              series="global_ai_spending", target_year=[2021, 2021, 2023]))
    kept, dropped = evaluation.count_once(pairs)
    assert dropped == 1 and list(kept["target_year"]) == [2021, 2023]


def test_the_2022_v2_definition_change_makes_its_pairs_not_comparable(cleaned):
    undated = evaluation.undated_ids(cleaned["figures"], cleaned["implied"])
    v = evaluation.vintage_pairs(cleaned["series"], undated)
    guide = v[v["forecaster"] == "IDC AI spending guide 2021 V2"]
    assert len(guide) == 2 and not guide["same_definition"].any()
    assert v[v["forecaster"] == "2021-22 ed"].empty  # re-quotes 2021 V2: counted once, under 2021 V2
