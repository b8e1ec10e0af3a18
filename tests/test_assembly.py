"""Series assembly: later actuals win, the definition break is excluded, and `as_of` sees only
what an edition had published."""
from __future__ import annotations

import pytest

from analysis import assembly, domain


def test_series_assembly_prefers_later_actuals_and_excludes_the_definition_break(cleaned):
    ic = assembly.assemble(cleaned["series"], "intelligent_compute", 2021)
    used = ic[ic["used"]].set_index("year")["value"]
    assert used.to_dict() == {2021: 155.2, 2022: 260.0, 2023: 414.1}  # 260.0 (later actual) beats 268.0 (estimate)
    ai = assembly.assemble(cleaned["series"], "ai_server_market", 2021)
    assert not ai[(ai["year"] == 2021)]["used"].any()
    assert ai[ai["used"]].set_index("year")["value"].round(4).to_dict() == {2022: 4.9863, 2023: 9.1}
    gc = assembly.assemble(cleaned["series"], "general_compute", 2023)
    assert gc[gc["used"]]["year"].tolist() == [2023]


def test_no_train_start_means_every_year_and_train_start_2022_drops_2021(cleaned):
    every = assembly.assemble(cleaned["series"], "intelligent_compute")
    assert every[every["used"]]["year"].min() == domain.FIRST_DATA_YEAR
    late = assembly.assemble(cleaned["series"], "intelligent_compute", 2022)
    assert late[late["used"]]["year"].tolist() == [2022, 2023]


def test_as_of_sees_only_what_the_edition_published(cleaned):
    old = assembly.assemble(cleaned["series"], "intelligent_compute", as_of="2022-23 ed")
    assert old[old["used"]].set_index("year")["value"].to_dict() == {2021: 155.2, 2022: 268.0}
    with pytest.raises(ValueError, match="unknown vintage"):
        assembly.assemble(cleaned["series"], "intelligent_compute", as_of="2099 ed")


def test_report_points_are_the_report_editions_own(cleaned):
    pts = assembly.report_points(cleaned["series"], "ai_server_market").set_index("year")["value"]
    assert list(pts.index) == [2022, 2023, domain.REPORT_HORIZON]
    assert pts[2023] == 9.1 and pts[2027] == 13.4  # the stated 13.4, not the derived 13.37
