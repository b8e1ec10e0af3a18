"""The information set: every raw row dated by a stated rule, a build as of a date sees only the
rows public by then, and a later edition is added by appending dated rows."""
from __future__ import annotations

import pandas as pd
import pytest

from analysis import cleaning, domain, editions, evaluation, infoset


def _raw(published_rows, vintages, article="2023-12-07"):
    """A minimal raw layer: published figures (id, vintage, published), the vintages, one article date."""
    pub = pd.DataFrame([dict(id=i, vintage=v, published=p) for i, v, p in published_rows])
    return {"article_figures": pd.DataFrame({"id": ["art_x"], "vintage": ["article"]}),
            "published_figures": pub,
            "rankings": pd.DataFrame(columns=["id", "vintage", "published"]),
            "article_dates": pd.DataFrame([dict(id="date_published", date=article, published=article)]),
            "vintages": pd.DataFrame([dict(vintage=v, published=p, order=i) for i, (v, p) in enumerate(vintages)])}


def test_a_month_counts_from_its_last_day_and_undated_is_none():
    assert infoset.source_date("2023-02") == "2023-02-28" and infoset.source_date("2024-02") == "2024-02-29"
    assert infoset.source_date("2023-11-29") == "2023-11-29" and infoset.source_date("undated") is None


def test_each_dating_rule():
    raw = _raw([("a", "E1", "2021-05 | 2021-03-02"), ("b", "E1", "undated"), ("c", "E2", "undated"),
                ("d", "E2", "2022-06-01"), ("e", "E3", "undated | undated")],
               [("E1", "2021-01-10"), ("E2", ""), ("E3", ""), ("article", "2023-12-07")])
    k = infoset.known_from(raw).set_index("id")
    assert k.loc["a", "known_from"] == "2021-03-02" and k.loc["a", "date_rule"] == "earliest dated source"
    assert k.loc["b", "known_from"] == "2021-01-10" and k.loc["b", "date_rule"] == "undated: edition's release"
    assert k.loc["c", "known_from"] == "2022-06-01" and k.loc["c", "date_rule"] == "undated: edition's earliest dated row"
    assert k.loc["e", "known_from"] == "2023-12-07" and k.loc["e", "date_rule"] == "undated: the article's date"
    assert k.loc["art_x", "date_rule"] == "the article" and k.loc["art_x", "known_from"] == "2023-12-07"
    e = infoset.edition_dates(raw).set_index("vintage")
    assert e.loc["E2", "vintage_known_from"] == "2022-06-01" and e.loc["E3", "vintage_date_rule"].startswith("nothing")


def test_as_of_keeps_only_what_was_public_and_the_editions_known():
    raw = _raw([("a", "E1", "2021-03-02"), ("d", "E2", "2022-06-01")], [("E1", "2021-01-10"), ("E2", "")])
    info = infoset.as_of(raw, "2021-12-31")
    assert list(info["published_figures"]["id"]) == ["a"] and list(info["vintages"]["vintage"]) == ["E1"]
    assert len(infoset.as_of(raw, "2022-06-01")["published_figures"]) == 2  # on the day counts


def test_the_real_raw_layer(raw):
    k = infoset.known_from(raw)
    assert set(k["date_rule"]) <= set(infoset.RULES)
    # the rows published after the article (issue 28) are dated by the newest of them at most
    assert (k.loc[k["date_rule"] != infoset.NO_DATE, "known_from"] <= domain.LATEST_AS_OF).all()
    assert infoset.article_date(raw) == domain.DEFAULT_AS_OF
    eds = raw["vintages"][raw["vintages"]["vintage"].map(editions.is_edition)]
    assert min(d for d in eds["published"] if d) == domain.FIRST_EDITION_DATE
    ic = k.set_index("id").loc["pub_ic_2022_e2223"]
    assert ic["known_from"] == "2023-01-11"  # 268 was public from 经济日报's page of that day
    assert (k["date_rule"] == "the article").sum() == len(raw["article_figures"])


def _later(raw):
    """Copies of the raw tables with rows dated after the article, absurd values included."""
    out = {k: v.copy() for k, v in raw.items()}
    pub = raw["published_figures"]
    row = pub[pub["id"] == "pub_ic_2027_e2324"].iloc[0].copy()
    later = []
    for i, (date, value) in enumerate([("2024-03-01", "999999"), ("2025-02", "0.001")]):
        r = row.copy()
        r["id"], r["published"], r["value"], r["value_text"], r["period"] = f"pub_later_{i}", date, float(value), value, "2024"
        later.append(r)
    out["published_figures"] = pd.concat([pub, pd.DataFrame(later)], ignore_index=True)
    return out


@pytest.mark.parametrize("as_of", ["2023-12-07", "2022-12-31", "2021-06-30"])
def test_rows_published_later_change_nothing_as_of_an_earlier_date(raw, as_of):
    clean, leaked = infoset.as_of(raw, as_of), infoset.as_of(_later(raw), as_of)
    for table in infoset.DATED_TABLES + ("vintages",):
        pd.testing.assert_frame_equal(clean[table].reset_index(drop=True), leaked[table].reset_index(drop=True))
    assert infoset.listing(clean).equals(infoset.listing(leaked))


def test_a_later_edition_is_a_matter_of_appending_dated_rows(raw):
    """A synthetic 2024-25 edition: as of 2025-01-01 it is the report, and the 2023-24 edition's own
    path is scored against its 2024 estimate."""
    out = {k: v.copy() for k, v in raw.items()}
    v = raw["vintages"].iloc[[-1]].copy()
    out["vintages"] = pd.concat([raw["vintages"], v.assign(vintage="2024-25 ed", published="2024-11-28", order=7,
                                                           title="synthetic")], ignore_index=True)
    base = raw["published_figures"][raw["published_figures"]["id"] == "pub_ic_2027_e2324"].iloc[0]
    rows = []
    for rid, period, value, kind in [("pub_syn_ic_2024", "2024", "700", "estimate"),
                                     ("pub_syn_ic_2028", "2028", "2000", "forecast")]:
        r = base.copy()
        r["id"], r["period"], r["value"], r["value_text"], r["kind"] = rid, period, float(value), value, kind
        r["vintage"], r["published"], r["location"] = "2024-25 ed", "2024-11-30", "https://example.org/synthetic"
        rows.append(r)
    out["published_figures"] = pd.concat([raw["published_figures"], pd.DataFrame(rows)], ignore_index=True)
    info = infoset.as_of(out, "2025-01-01")
    figures = cleaning.figures(info)
    series = cleaning.series(figures, cleaning.implied(figures))
    known = infoset.vintages_known(info)
    v = editions.vantage(series, known, domain.FORECAST_SERIES, "2025-01-01")
    assert v.report_edition == "2024-25 ed" and v.last_data_year == 2024 and v.report_horizon == 2028
    pairs = evaluation.vintage_pairs(series)
    hit = pairs[(pairs["forecaster"] == "2023-24 ed") & (pairs["series"] == "intelligent_compute")
                & (pairs["target_year"] == 2024)].iloc[0]
    assert hit["outcome"] == 700 and hit["outcome_vintage"] == "2024-25 ed" and hit["horizon"] == 2  # from 2023-12-07
    assert not (infoset.as_of(out, "2023-12-07")["published_figures"]["vintage"] == "2024-25 ed").any()


def test_a_row_dated_before_its_editions_release_counts_from_the_release():
    """Issue 26: no row is known before its own edition's release (a page cannot quote an edition
    that is not out: its earlier date belongs to another release of the same figure)."""
    raw = _raw([("early", "E1", "2021-01-01 | 2021-02-01"), ("late", "E1", "2021-03-01")],
               [("E1", "2021-02-15"), ("article", "2023-12-07")])
    k = infoset.known_from(raw).set_index("id")
    assert k.loc["early", "known_from"] == "2021-02-15"
    assert k.loc["early", "date_rule"] == "dated source before the release: the edition's release"
    assert k.loc["late", "known_from"] == "2021-03-01" and k.loc["late", "date_rule"] == "earliest dated source"
    assert "early" not in set(infoset.as_of(raw, "2021-02-14")["published_figures"]["id"])


def test_a_row_with_no_date_of_its_own_enters_no_build():
    """Issue 26: an undated row of an undated edition never enters a build, not even on the article's
    date; the article's own figures do."""
    raw = _raw([("dated", "E1", "2021-01-01"), ("nodate", "E2", "undated")],
               [("E1", ""), ("E2", ""), ("article", "2023-12-07")])
    k = infoset.known_from(raw).set_index("id")
    assert k.loc["nodate", "date_rule"] == infoset.NO_DATE  # listed, with the rule that says why
    for day in ("2023-12-07", "2030-01-01"):
        info = infoset.as_of(raw, day)
        assert set(info["published_figures"]["id"]) == {"dated"} and set(info["article_figures"]["id"]) == {"art_x"}
        assert "E2" not in set(info["vintages"]["vintage"]) and "E1" in set(info["vintages"]["vintage"])


def test_the_real_raw_layer_holds_no_row_known_before_its_edition(raw):
    k = infoset.known_from(raw)
    release = raw["vintages"].set_index("vintage")["published"]
    rel = k["vintage"].map(release).fillna("")
    early = k[(rel != "") & (k["known_from"] < rel)]
    assert early.empty, early
    e = k.set_index("id")
    # pub_global_server_2022_e2324: 19.5 was printed on 2023-09-11 as the July 2023 GCI report's figure (its own
    # row), so the 2023-24 edition's figure is known from that edition's release
    assert e.at["pub_global_server_2022_e2324", "known_from"] == "2023-11-29"
    assert e.at["pub_global_server_2022_gci2223", "known_from"] <= "2023-09-11"
    info = infoset.as_of(raw, domain.DEFAULT_AS_OF)
    used = infoset.listing(info)
    assert not (used["date_rule"] == infoset.NO_DATE).any()
    assert not used["id"].str.contains("_sg2018").any()  # the 2018 spending-guide rows: nothing dates them


def _months(first: str, last: str) -> list[str]:
    days = [d.date().isoformat() for d in pd.date_range(first, last, freq="MS")]
    return [first, *[d for d in days if d > first], last]


def test_every_allowed_as_of_builds_the_cleaning_notebooks_tables(raw):
    """Issue 26 item 5, in-process: month by month from the first edition's date to the default, the
    chain of notebook 01 (information set, figures, implied values, the audit that can be made, the
    tallies, the series and vintage tables) builds. The full pipeline is driven at a few dates by
    tests/integration/test_as_of_sweep.py."""
    from analysis import audit, findings

    dates = _months(domain.FIRST_EDITION_DATE, domain.DEFAULT_AS_OF)
    assert len(dates) >= 52 and dates[0] == "2019-08-28" and dates[-1] == "2023-12-07"
    n_checks = []
    for day in dates:
        info = infoset.as_of(raw, day)
        fig = cleaning.figures(info)
        imp = cleaning.implied(fig, cleaning.possible(fig))
        known = set(fig["id"]) | set(imp["id"]) | set(info["article_dates"]["id"])
        possible = tuple(c for c in audit.CHECKS if set(c.inputs) | ({c.stated} if c.stated else set()) <= known)
        checks = audit.audit(fig, imp, info["article_dates"], 0.0, possible)
        counts = findings.whose_counts(checks)
        assert counts["claims"].sum() == len(findings.claim_verdicts(checks)), day
        series = cleaning.series(fig, imp)
        vt = editions.vintage_table(series, infoset.vintages_known(info), info["indicators"])
        assert (vt["known_from"] <= day).all() and (info["published_figures"]["known_from"] <= day).all(), day
        n_checks.append(len(checks))
    assert n_checks[0] == 0 and n_checks[-1] == len(audit.CHECKS)  # from nothing to every check
    assert n_checks == sorted(n_checks)  # knowledge only grows
