"""Issue 29 (N4, N5): raw values that used to pass validation and then left the information set
silently, or failed in a later kernel blaming something else, are refused when the raw tables
are loaded, naming the file, line and column. In-process (no kernel): each case is one mutated
copy of ``data/raw/`` and one call of :func:`analysis.sources.load_all`."""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
from pathlib import Path

import pytest

from analysis import sources

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
TOMORROW = (dt.date.today() + dt.timedelta(days=1)).isoformat()


def _cell(path: Path, row_id: str, column: str, change) -> int:
    """Replace one cell (by the row's first field and the column name) with ``change(old)``; return
    the cell's line number in the file."""
    rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))
    col = rows[0].index(column)
    index = [i for i, r in enumerate(rows) if r and r[0] == row_id]
    assert len(index) == 1, row_id
    rows[index[0]][col] = change(rows[index[0]][col])
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return index[0] + 1


#: (table, row, column, change, what the message must say after "line N (… 'row'), column 'col': ")
CASES = {
    "full-width published date": ("published_figures", "pub_ic_2021_e2223", "published",
                                  lambda v: v.translate(FULL_WIDTH), "must be one date per source"),
    "Arabic-Indic published date": ("published_figures", "pub_ic_2021_e2223", "published",
                                    lambda v: v.translate(ARABIC_INDIC), "must be one date per source"),
    "full-width period (published figure)": ("published_figures", "pub_ic_2021_e2223", "period",
                                             lambda v: v.translate(FULL_WIDTH), "must be YYYY"),
    "full-width period (article figure)": ("article_figures", "art_headline_share", "period",
                                           lambda v: v.translate(FULL_WIDTH), "must be YYYY"),
    "Arabic-Indic period (ranking)": ("rankings", "rk_ind_2023_1", "period",
                                      lambda v: v.translate(ARABIC_INDIC), "must be YYYY"),
    "full-width ranking date": ("rankings", "rk_ind_2023_1", "published",
                                lambda v: v.translate(FULL_WIDTH), "must be one date per source"),
    "full-width edition date": ("vintages", "2019-20 ed", "published",
                                lambda v: v.translate(FULL_WIDTH), "must be YYYY-MM-DD or empty"),
    "full-width stated date": ("article_dates", "date_conference", "date",
                               lambda v: v.translate(FULL_WIDTH), "must be YYYY, YYYY-MM or YYYY-MM-DD"),
    "Arabic-Indic stated date's source date": ("article_dates", "date_conference", "published",
                                               lambda v: v.translate(ARABIC_INDIC), "must be one date per source"),
    "full-width year in an edition's name": ("vintages", "2019-20 ed", "vintage",
                                             lambda v: v.translate(FULL_WIDTH), "must write its digits in ASCII"),
    "published after today (figure)": ("published_figures", "pub_ic_2021_e2223", "published",
                                       lambda v: "2099-01-01", "2099-01-01 is after today"),
    "published tomorrow (figure)": ("published_figures", "pub_ic_2021_e2223", "published",
                                    lambda v: TOMORROW, f"{TOMORROW} is after today"),
    "published after today, by month (ranking)": ("rankings", "rk_ind_2023_1", "published",
                                                  lambda v: "2099-01", "2099-01 is after today"),
    "published after today (edition)": ("vintages", "2019-20 ed", "published",
                                        lambda v: "2099-01-01", "2099-01-01 is after today"),
    "published after today (stated date)": ("article_dates", "date_conference", "published",
                                            lambda v: "2099-01-01", "2099-01-01 is after today"),
    "the article's date mistyped": ("article_dates", "date_published", "date",
                                    lambda v: "2024-01-01", "'2024-01-01' is not the date the row's source was published"),
    "a 300-digit value": ("published_figures", "pub_ic_2021_e2223", "value",
                          lambda v: "9" * 300, "is above what the cleaning and the forecasts can take"),
    "a level that rounds to nothing": ("published_figures", "pub_ic_2021_e2223", "value",
                                       lambda v: "0.000000000001", "is below what the cleaning and the forecasts can take"),
}


@pytest.fixture
def raw_copy(tmp_path, repo) -> Path:
    shutil.copytree(repo / "data" / "raw", tmp_path / "raw")
    return tmp_path / "raw"


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_bad_date_period_or_value_is_refused_with_file_line_and_column(raw_copy, name):
    table, row, column, change, says = CASES[name]
    line = _cell(raw_copy / f"{table}.csv", row, column, change)
    with pytest.raises(sources.RawDataError) as err:
        sources.load_all(raw_copy)
    message = str(err.value)
    assert re.search(rf"{table}\.csv: line {line} \([^)]*\), column '{column}': ", message), message
    assert says in message, message


def test_the_unmutated_tables_load(raw_copy):
    """The cases above fail because of their mutation, not because the copy is refused anyway."""
    assert len(sources.load_all(raw_copy)["article_dates"]) > 0


def test_a_stated_event_after_today_is_not_a_publication_date(raw_copy):
    """An article may state a later event (the end of a forecast path): only publication dates
    are held to today."""
    _cell(raw_copy / "article_dates.csv", "date_genai_share_end", "date", lambda v: "2099")
    assert sources.load_all(raw_copy)["article_dates"]["date"].eq("2099").sum() == 1
