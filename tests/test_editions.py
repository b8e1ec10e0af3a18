"""What each edition said: revisions show in the vintage table, an edition's path runs through its
stated points, and the vantage follows the information set."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import domain, editions


def test_the_vintage_table_shows_the_revision(cleaned, raw):
    vt = editions.vintage_table(cleaned["series"], cleaned["editions"], raw["indicators"])
    ic = vt[(vt["indicator"] == "intelligent_compute") & (vt["year"] == 2022)].set_index("vintage")
    assert ic.loc["2022-23 ed", "value"] == 268.0 and ic.loc["2023-24 ed", "value"] == 260.0
    assert ic.loc["2023-24 ed", "previous_vintage"] == "2022-23 ed"
    assert ic.loc["2023-24 ed", "change_pct"] == pytest.approx((260 / 268 - 1) * 100)
    assert ic.loc["2023-24 ed", "edition_published"] == "2023-11-29"
    assert not vt.duplicated(["indicator", "year", "vintage"]).any()  # a stated figure beats one derived from it
    assert vt["series_label"].notna().all()


def test_an_edition_path_runs_through_its_points(cleaned):
    p = editions.edition_path(cleaned["series"], "intelligent_compute", "2022-23 ed").set_index("year")
    assert list(p.index) == [2021, 2022, 2023, 2024, 2025, 2026]
    assert p.loc[2022, "read"] == "stated" and p.loc[2023, "read"] == "path"
    assert p.loc[2023, "value"] == pytest.approx(268.0 * (1271.4 / 268.0) ** 0.25)
    assert p.loc[2023, "known_from"] == max(p.loc[2022, "known_from"], p.loc[2026, "known_from"])


def test_a_bound_is_never_a_point(cleaned):
    s = cleaned["series"]
    bounds = s[~s["qualifier"].isin(editions.POINT_QUALIFIERS)]
    assert len(bounds) and not editions.is_data(bounds).any()
    early = pd.DataFrame({"kind": ["estimate", "estimate", "actual"], "year": [2023, 2023, 2022],
                          "known_from": ["2023-03-14", "2023-07-01", "2023-01-02"], "qualifier": ["=", "=", "="]})
    assert editions.is_data(early).tolist() == [False, True, True]  # a first-half figure for its own year is a forecast


def test_the_vantage_follows_the_date(cleaned):
    v = cleaned["vantage"]
    assert (v.report_edition, v.last_data_year, v.report_horizon) == (domain.REPORT_EDITION, domain.LAST_DATA_YEAR,
                                                                      domain.REPORT_HORIZON)
    s, e = cleaned["series"], cleaned["editions"]
    early = editions.vantage(s[s["known_from"] <= "2023-06-30"], e[e["vintage_known_from"] <= "2023-06-30"],
                             domain.FORECAST_SERIES, "2023-06-30")
    assert early.report_edition == "2022-23 ed" and early.report_horizon == 2026 and early.last_data_year == 2022


def test_no_revision_is_computed_against_a_bound_or_an_undated_figure(cleaned, raw):
    """Issue 27 M4: change_pct only between two values, each with a date of its own."""
    vt = editions.vintage_table(cleaned["series"], cleaned["editions"], raw["indicators"])
    prev_q = vt.groupby(["indicator", "year"])["qualifier"].shift(1)
    with_change = vt[vt["change_pct"].notna()]
    assert len(with_change) > 5  # revisions are still shown where they exist
    assert with_change["qualifier"].isin(editions.POINT_QUALIFIERS).all()
    assert prev_q[vt["change_pct"].notna()].isin(editions.POINT_QUALIFIERS).all()
    bounds = vt[~vt["qualifier"].isin(editions.POINT_QUALIFIERS)]
    assert len(bounds) and bounds["change_pct"].isna().all()
    # an id given as undated (no date of its own) is never one end of a revision
    ic = vt[(vt["indicator"] == "intelligent_compute") & (vt["year"] == 2022)]
    later = ic[ic["vintage"] == "2023-24 ed"]["id"].iloc[0]
    vt2 = editions.vintage_table(cleaned["series"], cleaned["editions"], raw["indicators"], undated={later})
    assert vt2.set_index("id").at[later, "change_pct"] != vt2.set_index("id").at[later, "change_pct"]  # NaN


def test_edition_published_is_a_release_date_never_a_fallback(cleaned, raw):
    """Issue 27 M4: an edition dated only by its earliest figure shows no publication day; its
    known-from date (a bound) is a column of its own."""
    vt = editions.vintage_table(cleaned["series"], cleaned["editions"], raw["indicators"])
    e = cleaned["editions"].set_index("vintage")
    for vintage, g in vt.groupby("vintage"):
        if e.at[vintage, "vintage_date_rule"] == "release date":
            assert (g["edition_published"] == e.at[vintage, "published"]).all(), vintage
        else:
            assert g["edition_published"].isna().all(), vintage
        assert (g["edition_known_from"] == e.at[vintage, "vintage_known_from"]).all()
    assert vt.set_index("vintage").loc["2022-23 ed", "edition_published"].isna().all()  # no release date is known
