"""Series assembly: later actuals win, a definition break is never spliced in, and an earlier
information set sees only what was public then."""
from __future__ import annotations

from analysis import assembly, domain


def test_series_assembly_prefers_later_actuals_and_excludes_the_definition_break(cleaned):
    ic = assembly.assemble(cleaned["series"], "intelligent_compute", 2021)
    used = ic[ic["used"]].set_index("year")["value"]
    assert used.to_dict() == {2021: 155.2, 2022: 260.0, 2023: 414.1}  # 260.0 (later actual) beats 268.0 (estimate)
    ai = assembly.assemble(cleaned["series"], "ai_server_market")
    old = ai[ai["year"].isin([2020, 2021])]
    assert len(old) == 2 and not old["used"].any()  # the 2020-21 and 2022-23 eds' definition
    assert old["reason"].str.startswith("another definition").all()
    assert ai[ai["used"]].set_index("year")["value"].round(4).to_dict() == {2022: 4.9863, 2023: 9.1}
    gc = assembly.assemble(cleaned["series"], "general_compute", 2023)
    assert gc[gc["used"]]["year"].tolist() == [2023]


def test_no_train_start_means_every_year_and_train_start_2022_drops_2021(cleaned):
    every = assembly.assemble(cleaned["series"], "intelligent_compute")
    assert every[every["used"]]["year"].min() == domain.FIRST_DATA_YEAR
    late = assembly.assemble(cleaned["series"], "intelligent_compute", 2022)
    assert late[late["used"]]["year"].tolist() == [2022, 2023]


def test_an_earlier_information_set_sees_only_what_was_public_then(cleaned):
    s = cleaned["series"]
    before = assembly.assemble(s[s["known_from"] <= "2023-11-28"], "intelligent_compute")
    assert before[before["used"]].set_index("year")["value"].to_dict() == {2021: 155.2, 2022: 268.0}
    ai = assembly.assemble(s[s["known_from"] <= "2023-06-30"], "ai_server_market")
    # before the 2023-24 edition the 2022-23 ed's definition is the series' own: its point is used
    assert ai[ai["used"]].set_index("year")["value"].to_dict() == {2020: 3.41, 2021: 5.92}


def test_definitions_follow_the_latest_vintage():
    assert assembly.definition("ai_server_market", "2023-24 ed") == ""
    assert assembly.definition("ai_server_market", "2022-23 ed") != ""
    assert assembly.definition("ai_server_market", "2022-23 ed") == assembly.definition("ai_server_market", "2020-21 ed")


def test_report_points_are_the_report_editions_own(cleaned):
    pts = assembly.report_points(cleaned["series"], "ai_server_market", cleaned["vantage"]).set_index("year")["value"]
    assert list(pts.index) == [2022, 2023, domain.REPORT_HORIZON]
    assert pts[2023] == 9.1 and pts[2027] == 13.4  # the stated 13.4, not the derived 13.37
