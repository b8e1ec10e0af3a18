"""Raw tables: what each file in ``data/raw/`` must look like, and a loader that says exactly
where a file is wrong.

The raw layer is a hand transcription of the article and of earlier published figures. Code
never writes it; code only reads it through :func:`load`, which checks it against a pandera
schema and turns every failure into a message that names the file, the line (and row id) and
the column, and says what was expected. A bad raw file stops the build before anything is
written.

The raw layer also carries the dates that decide what a build may use: each published figure,
ranking and stated date gives one publication date per source (the article's own figures carry
the article's date), and :mod:`analysis.infoset` keeps only the rows public by the build's
``as_of`` date. Loading refuses no date (a later edition is appended as dated rows); it refuses
a later compilation (:data:`LATER_COMPILATIONS`), which is never a source at any date.

Reading is deliberately strict about structure (missing or extra columns, short rows, bytes
that are not UTF-8, empty files) and tolerant of harmless encodings of the same content (a
UTF-8 byte-order mark, CRLF line endings). It is as strict about content (:func:`_check_cells`,
:func:`_check_dates`, :func:`_check_values`, :func:`check_formulas`):

* **Every cell is plain text**: no control or invisible formatting characters (a NUL, an
  escape sequence, a bidirectional override), at most :data:`MAX_CELL` characters, and no text
  that a spreadsheet would run as a formula (:func:`formula_like`): the processed tables copy
  these cells verbatim, and are opened in spreadsheets. Such a cell is refused, not rewritten,
  because the transcription must keep the source's words.
* **Numbers are plain ASCII decimals** (``38``, ``3.833``): no exponent, no digit separators,
  no other digits (``1e308``, ``3_8`` and ``３８`` all parse in Python, and are refused), and
  finite after unit conversion. A level, count or ratio must be above 0 (the cleaning divides by
  them and the forecasts take their logarithms), and every implied value must be computable
  from its inputs: a divisor of 0 names the row it comes from.
* **Every date is a real calendar date** (``2023-02-30`` and ``0000-00-00`` are refused), at the
  precision its row states; the editions' publication dates follow their order; a figure
  attributed to a dated edition cites at least one source dated on or after that edition's
  publication (an edition cannot be cited before it exists; an earlier source can only
  corroborate the value).
* **Periods are years the pipeline can place**: from :data:`FIRST_PERIOD_YEAR` to
  :data:`analysis.domain.MAX_HORIZON`, a range running forwards.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from analysis.base import paths  # the one source of paths (a shared leaf)
from analysis.domain import MAX_HORIZON

GEOGRAPHIES = ("China", "World")
QUALIFIERS = ("=", "~", ">", ">=", "<", "<=")
KINDS = ("actual", "estimate", "forecast", "survey", "derived", "statement")
#: Units as stated in the sources, and how cleaning converts each: (clean unit, factor, measure).
UNITS: dict[str, tuple[str, float, str]] = {
    "亿美元": ("USD bn", 0.1, "level"),
    "万亿美元": ("USD bn", 1000.0, "level"),
    "USD bn": ("USD bn", 1.0, "level"),
    "EFLOPS (FP16)": ("EFLOPS FP16", 1.0, "level"),
    "EFLOPS (FP64)": ("EFLOPS FP64", 1.0, "level"),
    "EFLOPS (mixed)": ("EFLOPS mixed", 1.0, "level"),
    "%": ("percent", 1.0, "share"),
    "% YoY": ("percent", 1.0, "yoy_growth"),
    "% CAGR": ("percent", 1.0, "cagr"),
    "% increase": ("percent", 1.0, "growth"),
    "times": ("ratio", 1.0, "ratio"),
    "count": ("count", 1.0, "count"),
    "亿 parameters": ("bn parameters", 0.1, "count"),
}
PERIOD_RE = r"^([0-9]{4}( H[12])?|[0-9]{4}-[0-9]{4}|FY[0-9]{2} Q[1-4])$"  # ASCII digits: \d is Unicode
#: The ``published`` column of a published figure, a ranking or a stated date: one publication date per source in ``location``
#: (same order, " | "-separated): YYYY-MM-DD or YYYY-MM as the page shows it, or ``undated``.
PUBLISHED_RE = r"^([0-9]{4}-[0-9]{2}(-[0-9]{2})?|undated)( \| ([0-9]{4}-[0-9]{2}(-[0-9]{2})?|undated))*$"
#: Pages that compile figures after the fact (and were found to be updated after the article):
#: never a source, not even beside another one.
LATER_COMPILATIONS = ("wanwend.com", "huggingface.co")
DATE_RE = r"^[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?$"
SHARE_ERROR = "a share ('%') must be at most 100"
ZERO_ERROR = "must not be 0 for a level, count or ratio (the cleaning divides by it, the forecasts take its logarithm)"
#: The longest cell a raw table may hold (the longest transcribed note is a few hundred characters).
MAX_CELL = 2000
#: A plain decimal as the sources state it: ASCII digits, an optional '.' part, an optional sign.
DECIMAL_RE = re.compile(r"-?[0-9]+(\.[0-9]+)?")
INTEGER_RE = re.compile(r"-?[0-9]+")
#: The first year a period may name (the earliest figure here is for 2018).
FIRST_PERIOD_YEAR = 2000
#: Columns whose cells are numbers, and the columns (per table) whose cells are checked for
#: formulas: every text column except those held to a fixed vocabulary or pattern.
NUMERIC_COLUMNS = {"value": DECIMAL_RE, "order": INTEGER_RE, "rank": INTEGER_RE}
NOT_FREE_TEXT = {"qualifier", "value", "order", "rank", "published", "date", "period"}


class RawDataError(ValueError):
    """A raw file does not match its schema. The message names file, line and column."""


@dataclass(frozen=True)
class Table:
    name: str
    file: str
    columns: tuple[str, ...]
    description: str
    key: str = "id"


TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table("vintages", "vintages.csv",
              ("vintage", "publisher", "title", "published", "order", "note"),
              "Editions and releases that published figures, in order of publication.",
              key="vintage"),
        Table("indicators", "indicators.csv",
              ("indicator", "label_en", "label_zh", "geography", "note"),
              "The controlled vocabulary of quantities.", key="indicator"),
        Table("article_figures", "article_figures.csv",
              ("id", "indicator", "geography", "period", "qualifier", "value", "unit", "kind",
               "vintage", "source", "location", "note"),
              "Every quantitative figure in the 2023-12-07 article, one per row."),
        Table("published_figures", "published_figures.csv",
              ("id", "indicator", "geography", "period", "qualifier", "value", "unit", "kind",
               "vintage", "source", "location", "published", "note"),
              "Figures published up to December 2023 by earlier editions and related sources."),
        Table("rankings", "rankings.csv",
              ("id", "ranking", "vintage", "period", "rank", "entity", "entity_zh", "source",
               "location", "published", "note"),
              "Industry-penetration and city rankings, one ranked entity per row."),
        Table("article_dates", "article_dates.csv",
              ("id", "event", "date", "precision", "source", "location", "published", "note"),
              "Dates stated in the article (and the report's release date)."),
    )
}


def _text(path: Path) -> str:
    where = paths.rel(path)
    if not path.exists():
        raise RawDataError(f"{where}: file is missing (expected a CSV with a header row)")
    data = path.read_bytes()
    if not data.strip():
        raise RawDataError(f"{where}: file is empty (expected a CSV with a header row)")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        col = err.start - (data.rfind(b"\n", 0, err.start) + 1) + 1
        raise RawDataError(
            f"{where}: line {line}, byte {col}: not valid UTF-8 (byte 0x{data[err.start]:02x}); "
            "save the file as UTF-8"
        ) from None


def _frame(table: Table, path: Path) -> pd.DataFrame:
    """Parse a raw file into strings, checking the header and every row's field count."""
    where = paths.rel(path)
    text = _text(path)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        rows = list(reader)
    except csv.Error as err:
        raise RawDataError(f"{where}: line {reader.line_num}: not a readable CSV row ({err}); a cell may hold at "
                           f"most {MAX_CELL} characters") from None
    header = [h.strip() for h in rows[0]]
    missing = [c for c in table.columns if c not in header]
    extra = [c for c in header if c not in table.columns]
    if missing:
        raise RawDataError(f"{where}: line 1, column '{missing[0]}': required column is missing "
                           f"(expected columns: {', '.join(table.columns)})")
    if extra:
        raise RawDataError(f"{where}: line 1, column '{extra[0]}': unexpected column "
                           f"(expected columns: {', '.join(table.columns)})")
    records, lines = [], []
    for lineno, row in enumerate(rows[1:], start=2):
        if not row:  # blank line
            continue
        if len(row) != len(header):
            ident = row[0] if row else ""
            col = header[min(len(row), len(header) - 1)]
            raise RawDataError(
                f"{where}: line {lineno} ({table.key} '{ident}'), column '{col}': expected {len(header)} "
                f"fields, found {len(row)} (a truncated or malformed row)"
            )
        records.append(row)
        lines.append(lineno)
    if not records:
        raise RawDataError(f"{where}: line 2: no data rows (expected at least one)")
    if not text.endswith(("\n", "\r")):
        raise RawDataError(
            f"{where}: line {lines[-1]} ({table.key} '{records[-1][0]}'), column '{header[-1]}': the last line does not end "
            "with a newline, so the file looks truncated; restore the line (and its final newline)")
    frame = pd.DataFrame(records, columns=header)[list(table.columns)]
    frame.index = pd.Index(lines, name="line")
    return frame


def _pandera():
    """pandera, imported when a raw table is validated rather than with this module: the
    notebooks that only read the processed tables import this module for its constants and
    would otherwise pay pandera's import (about 0.3 s) for nothing."""
    import pandera.pandas as pa

    return pa


def _nonempty(name: str) -> pa.Check:
    pa = _pandera()
    return pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False,
                    error="must not be empty", name=f"{name}_nonempty")


def _in(values, what: str) -> pa.Check:
    pa = _pandera()
    allowed = sorted(values)
    return pa.Check.isin(allowed, error=f"must be one of the known {what}: {', '.join(map(str, allowed))}")


def _published() -> pa.Column:
    pa = _pandera()
    return pa.Column(str, checks=[pa.Check.str_matches(
        PUBLISHED_RE, error="must be one date per source (YYYY-MM-DD, YYYY-MM or undated), ' | '-separated")])


def _schema(table: Table, known: dict[str, set[str]]) -> pa.DataFrameSchema:
    pa = _pandera()
    s = lambda *checks, unique=False: pa.Column(str, checks=list(checks), unique=unique)  # noqa: E731
    number = pa.Column(float, coerce=True, checks=[
        pa.Check(lambda v: v.notna() & (v != float("inf")), error="must be a finite number"),
        pa.Check.ge(0, error="must not be negative"),
    ])
    if table.name == "vintages":
        cols = {"vintage": s(_nonempty("vintage"), pa.Check(lambda v: ~v.str.contains(r"(?![0-9])\d"),
                                                            error="must write its digits in ASCII (0-9)"),
                             unique=True), "publisher": s(_nonempty("publisher")),
                "title": s(_nonempty("title")),
                "published": s(pa.Check.str_matches(r"^([0-9]{4}-[0-9]{2}-[0-9]{2})?$", error="must be YYYY-MM-DD or empty")),
                "order": pa.Column(int, coerce=True, checks=pa.Check.ge(1, error="must be 1 or more")), "note": s()}
        return pa.DataFrameSchema(cols, strict=True)
    if table.name == "indicators":
        cols = {"indicator": s(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="must be snake_case"), unique=True),
                "label_en": s(_nonempty("label_en")), "label_zh": s(), "geography": s(_in(GEOGRAPHIES, "geographies")),
                "note": s()}
        return pa.DataFrameSchema(cols, strict=True)
    if table.name in ("article_figures", "published_figures"):
        cols = {
            "id": s(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="must be snake_case"), unique=True),
            "indicator": s(_in(known["indicators"], "indicators (data/raw/indicators.csv)")),
            "geography": s(_in(GEOGRAPHIES, "geographies")),
            "period": s(pa.Check.str_matches(PERIOD_RE, error="must be YYYY, 'YYYY H1', YYYY-YYYY or 'FYyy Qn'")),
            "qualifier": s(_in(QUALIFIERS, "qualifiers")),
            "value": number,
            "unit": s(_in(UNITS, "units")),
            "kind": s(_in(KINDS, "kinds")),
            "vintage": s(_in(known["vintages"], "vintages (data/raw/vintages.csv)")),
            "source": s(_nonempty("source")),
            "location": s(_nonempty("location")),
            "note": s(),
        }
        if table.name == "published_figures":
            cols["published"] = _published()
        positive = [u for u, (_, _, measure) in UNITS.items() if measure in ("level", "count", "ratio")]
        checks = [pa.Check(lambda df: ~((df["unit"] == "%") & (pd.to_numeric(df["value"], errors="coerce") > 100)),
                           error=SHARE_ERROR, name="share_at_most_100"),
                  pa.Check(lambda df: ~(df["unit"].isin(positive) & (pd.to_numeric(df["value"], errors="coerce") == 0)),
                           error=ZERO_ERROR, name="level_not_zero")]
        return pa.DataFrameSchema(cols, checks=checks, strict=True)
    if table.name == "rankings":
        cols = {"id": s(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="must be snake_case"), unique=True),
                "ranking": s(_in({"industry_penetration", "city_ai_compute"}, "rankings")),
                "vintage": s(_in(known["vintages"], "vintages (data/raw/vintages.csv)")),
                "period": s(pa.Check.str_matches(PERIOD_RE, error="must be YYYY or YYYY-YYYY")),
                "rank": pa.Column(int, coerce=True, checks=pa.Check.ge(1, error="must be 1 or more")),
                "entity": s(_nonempty("entity")), "entity_zh": s(), "source": s(_nonempty("source")),
                "location": s(_nonempty("location")), "published": _published(), "note": s()}
        return pa.DataFrameSchema(cols, strict=True, unique=["ranking", "vintage", "period", "rank"])
    if table.name == "article_dates":
        cols = {"id": s(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="must be snake_case"), unique=True),
                "event": s(_nonempty("event")),
                "date": s(pa.Check.str_matches(DATE_RE, error="must be YYYY, YYYY-MM or YYYY-MM-DD")),
                "precision": s(_in({"day", "month", "year"}, "precisions")),
                "source": s(_nonempty("source")), "location": s(_nonempty("location")), "published": _published(),
                "note": s()}
        return pa.DataFrameSchema(cols, strict=True)
    raise KeyError(table.name)


def _explain(table: Table, path: Path, frame: pd.DataFrame, err: pa.errors.SchemaErrors) -> str:
    where = paths.rel(path)
    cases = err.failure_cases
    lines: list[str] = []
    for _, case in cases.iterrows():
        line = case.get("index")
        column = case.get("column")
        check = str(case.get("check"))
        if check in (SHARE_ERROR, ZERO_ERROR):  # a whole-row check; the offending cell is the value
            column = "value"
        if check.startswith("coerce_dtype") or "dtype" in check:
            want = "an integer" if "int" in check else "a number"
            what = f"expected {want}"
        elif check.startswith("field_uniqueness") or "unique" in check:
            what = "duplicate value (must be unique)"
        else:
            what = check
        got = case.get("failure_case")
        ident = ""
        if line is not None and not (isinstance(line, float) and pd.isna(line)) and line in frame.index:
            key = table.key if table.key in frame.columns else frame.columns[0]
            ident = f" ({key} '{frame.at[line, key]}')"
            if column in frame.columns:
                got = frame.at[line, column]
            loc = f"line {int(line)}{ident}"
        else:
            continue  # a whole-column failure that follows from a row failure reported above
        lines.append(f"{where}: {loc}, column '{column}': {what}, got {got!r}")
    if not lines:  # nothing row-specific: report the checks themselves
        lines = [f"{where}: column '{c}': {k}" for c, k in zip(cases["column"], cases["check"])]
    lines = sorted(dict.fromkeys(lines), key=_line_of)
    more = f"\n  ... and {len(lines) - 10} more" if len(lines) > 10 else ""
    return "\n".join(lines[:10]) + more


def _line_of(message: str) -> int:
    try:
        return int(message.split("line ")[1].split()[0].rstrip(","))
    except (IndexError, ValueError):
        return 0


def load(name: str, raw_dir: Path | None = None, known: dict[str, set[str]] | None = None) -> pd.DataFrame:
    """Load and validate one raw table; raise :class:`RawDataError` naming file, line, column."""
    pa = _pandera()
    table = TABLES[name]
    path = Path(raw_dir or paths.RAW) / table.file
    frame = _frame(table, path)
    _check_cells(table, path, frame)
    if known is None:
        known = {}
        if name in ("article_figures", "published_figures", "rankings"):
            known["vintages"] = set(load("vintages", raw_dir)["vintage"])
            known["indicators"] = set(load("indicators", raw_dir)["indicator"])
    try:
        validated = _schema(table, known).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as err:
        raise RawDataError(_explain(table, path, frame, err)) from None
    validated.index = frame.index
    _check_dates(table, path, validated)
    if name in ("article_figures", "published_figures", "rankings"):
        _check_periods(table, path, validated)
    if name in ("article_figures", "published_figures"):
        # The digits as written set a figure's precision (38 is +-0.5, 3.833 is +-0.0005); a float
        # forgets trailing zeros, so the stated text is kept beside the value.
        validated["value_text"] = frame["value"].str.strip()
        _check_values(table, path, validated)
    if "location" in table.columns and "published" in table.columns:  # dated data rows (not vintages.csv)
        _check_published(table, path, validated)
        if "vintage" in table.columns:
            editions = known.get("editions") if "editions" in known else _editions(load("vintages", raw_dir))
            _check_editions(table, path, validated, editions)
    return validated


# ----------------------------------------------------------------------------- content checks

def _at(table: Table, path: Path, frame: pd.DataFrame, line: int, column: str) -> str:
    key = table.key if table.key in frame.columns else frame.columns[0]
    return f"{paths.rel(path)}: line {line} ({key} '{_shown(frame.at[line, key])}'), column '{column}'"


def _shown(text, limit: int = 40) -> str:
    """A cell as it may appear in a one-line message: control characters escaped, cut if long."""
    out = "".join(ch if unicodedata.category(ch) not in ("Cc", "Cf", "Zl", "Zp") else
                  ch.encode("unicode_escape").decode("ascii") for ch in str(text)[:limit])
    return out + (f"… ({len(str(text))} characters)" if len(str(text)) > limit else "")


def formula_like(text: str) -> bool:
    """Whether a spreadsheet would run ``text`` as a formula: it begins (after spaces) with '=' or
    '@', with '+' or '-' not followed by a digit (``+HYPERLINK(…)``, ``-cmd|…``), or with a
    signed number followed by an operator and a name or a parenthesis, or holding '|' or '!'
    (``+1+cmd|' /C calc'!A0``). A note such as "+82.5% YoY (2023-11-30)" reads as text."""
    t = text.lstrip(" ")
    if not t:
        return False
    if t[0] in "=@":
        return True
    if t[0] in "+-":
        if not t[1:2].isdigit():
            return True
        return bool(re.search(r"[|!]|[-+*/^&=<>]\s*[A-Za-z_(]", t[1:]))
    return False


def _check_cells(table: Table, path: Path, frame: pd.DataFrame) -> None:
    """Every cell: no control or invisible formatting characters, not too long, no formula text,
    and plain ASCII decimals in the numeric columns (a number Python would parse another way)."""
    problems = []
    for column in frame.columns:
        for line, cell in frame[column].items():
            bad = next((ch for ch in cell if unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp")), None)
            if bad is not None:
                what = (f"holds the control or invisible character {bad.encode('unicode_escape').decode('ascii')} "
                        "(a cell must be plain text)")
            elif len(cell) > MAX_CELL:
                what = f"is {len(cell)} characters long (a cell may hold at most {MAX_CELL})"
            elif column in NUMERIC_COLUMNS:
                text = cell.strip()
                if text and not NUMERIC_COLUMNS[column].fullmatch(text) and _parses(text):
                    what = ("must be a plain decimal number in ASCII digits (no exponent, no '_' or ',', no other "
                            f"digits), e.g. 38 or 3.833; got '{_shown(text)}'")
                else:
                    continue
            elif column not in NOT_FREE_TEXT and formula_like(cell):
                what = ("begins like a spreadsheet formula ('=', '@', or '+'/'-' and a name): the processed tables "
                        "copy it verbatim and a spreadsheet would run it; refused, not rewritten (put a word first)")
            else:
                continue
            problems.append((line, f"{_at(table, path, frame, line, column)}: {what}"))
    if problems:
        problems.sort(key=lambda p: p[0])
        more = f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else ""
        raise RawDataError("\n".join(m for _, m in problems[:10]) + more)


def _parses(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return False


def calendar_date(text: str) -> bool:
    """Whether a YYYY, YYYY-MM or YYYY-MM-DD text is a real date (month 1-12, the day in its month)."""
    parts = [int(x) for x in text.split("-")]
    try:
        dt.date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except ValueError:
        return False
    return True


PRECISION_LENGTH = {"day": 10, "month": 7, "year": 4}


def _check_dates(table: Table, path: Path, frame: pd.DataFrame) -> None:
    """Every date is a real calendar date (ASCII digits: the patterns above say [0-9], as ``\\d``
    would take '２０２３'); no publication date is after today; the article's own date is the date
    of its source; an article date has the precision its row states; the editions' publication
    dates follow their order."""
    dated = [c for c in ("date", "published") if c in frame.columns]
    if not dated:
        return
    today = dt.date.today().isoformat()
    for col in dated:
        for line, cell in frame[col].items():
            for part in (d.strip() for d in cell.split(" | ")):
                if part and part != "undated" and not calendar_date(part):
                    raise RawDataError(f"{_at(table, path, frame, line, col)}: {part!r} is not a real calendar date "
                                       "(month 01-12, a day its month has)")
    # A publication date after today is a typo (the row would silently leave every build); an
    # article date may name a later event (the end of a forecast path), so only its 'published'.
    for col in ("published",) if "published" in frame.columns else ():
        for line, cell in frame[col].items():
            for part in (d.strip() for d in cell.split(" | ")):
                if part and part != "undated" and part > today[:len(part)]:
                    raise RawDataError(f"{_at(table, path, frame, line, col)}: {part} is after today ({today}); "
                                       "a source cannot have been published yet")
    if table.name == "article_dates":  # the article's own date (analysis/infoset.py ARTICLE_DATE_ID) dates its rows
        own = frame[frame["id"] == "date_published"]
        for line, row in own.iterrows():
            if row["date"] != row["published"]:
                raise RawDataError(f"{_at(table, path, frame, line, 'date')}: {row['date']!r} is not the date the "
                                   f"row's source was published ({row['published']!r} in 'published'); "
                                   "'date_published' is the article's own date, and dates every figure of the article")
        for line, cell in frame["date"].items():
            if len(cell) != PRECISION_LENGTH[frame.at[line, "precision"]]:
                raise RawDataError(f"{_at(table, path, frame, line, 'date')}: {cell!r} is not a date at the precision "
                                   f"'{frame.at[line, 'precision']}' its row states (day: YYYY-MM-DD, month: YYYY-MM, "
                                   "year: YYYY)")
    if table.name == "vintages":
        dated = [(int(o), d, line) for line, (o, d) in frame[["order", "published"]].iterrows() if d]
        for order, date, line in dated:
            earlier = [(o2, d2) for o2, d2, _ in dated if o2 < order and d2 > date]
            if earlier:
                raise RawDataError(f"{_at(table, path, frame, line, 'published')}: {date} is earlier than "
                                   f"{earlier[0][1]}, the date of an edition of lower order ({earlier[0][0]}); "
                                   "'order' must follow the publication dates")


def _check_periods(table: Table, path: Path, frame: pd.DataFrame) -> None:
    """A period's years lie from FIRST_PERIOD_YEAR to MAX_HORIZON, and a range runs forwards."""
    for line, period in frame["period"].items():
        if period.startswith("FY"):
            years = [2000 + int(period[2:4])]
        else:
            years = [int(y) for y in re.findall(r"[0-9]{4}", period)]
        if any(not FIRST_PERIOD_YEAR <= y <= MAX_HORIZON for y in years):
            raise RawDataError(f"{_at(table, path, frame, line, 'period')}: {period!r} lies outside "
                               f"{FIRST_PERIOD_YEAR}-{MAX_HORIZON}, the years the pipeline can place "
                               "(analysis/domain.py MAX_HORIZON)")
        if len(years) == 2 and years[0] >= years[1]:
            raise RawDataError(f"{_at(table, path, frame, line, 'period')}: the range {period!r} must run forwards")


#: The magnitudes the science can take, in a value's clean unit: above LARGEST a square or an
#: exponential overflows (a 300-digit value failed in 02 with "math domain error"); below
#: SMALLEST a level, count or ratio rounds to 0 and divides (``0.000000000001`` failed with a
#: ZeroDivisionError). The data span 2.09 to 4328 (USD bn, EFLOPS, 亿 …): both are far outside.
LARGEST, SMALLEST = 1e9, 1e-6


def _check_values(table: Table, path: Path, frame: pd.DataFrame) -> None:
    """Every value is finite in its clean unit (1000 × a huge 万亿 number is not), at most LARGEST,
    and a level, count or ratio at least SMALLEST."""
    for line, row in frame.iterrows():
        clean, factor, measure = UNITS[row["unit"]]
        value = float(row["value"]) * factor
        if not math.isfinite(value):
            raise RawDataError(f"{_at(table, path, frame, line, 'value')}: {_shown(row['value_text'])} {row['unit']} "
                               f"is not a finite number once converted to {clean} (× {factor:g})")
        small = measure in ("level", "count", "ratio") and abs(value) < SMALLEST
        if abs(value) > LARGEST or small:
            raise RawDataError(f"{_at(table, path, frame, line, 'value')}: {_shown(row['value_text'])} {row['unit']} "
                               f"is {'below' if small else 'above'} what the cleaning and the forecasts can take "
                               f"({SMALLEST:g} to {LARGEST:g} {clean}" + (" for a level, count or ratio)" if small else ")"))


def _editions(vintages: pd.DataFrame) -> dict[str, str]:
    """Each edition's publication date (editions without one are left out)."""
    return {v: d for v, d in zip(vintages["vintage"], vintages["published"]) if d}


def _check_editions(table: Table, path: Path, frame: pd.DataFrame, editions: dict[str, str]) -> None:
    """A figure attributed to a dated edition cites at least one source dated on or after it."""
    for line, row in frame.iterrows():
        published = editions.get(row["vintage"])
        dates = [d.strip() for d in row["published"].split(" | ") if d.strip() != "undated"]
        if not published or not dates:
            continue
        if not any(d >= (published if len(d) == 10 else published[:7]) for d in dates):
            raise RawDataError(f"{_at(table, path, frame, line, 'published')}: every source is dated before "
                               f"{published}, when its edition '{row['vintage']}' was published "
                               "(data/raw/vintages.csv); an edition cannot be cited before it exists")


def check_formulas(tables: dict[str, pd.DataFrame], derived, raw_dir: Path | None = None) -> None:
    """Every implied value (``derived``: :data:`analysis.cleaning.DERIVED`) can be computed from its
    inputs' values: a division by zero, or a result that is not finite, names the input row."""
    found = {}
    for name in ("article_figures", "published_figures"):
        for line, row in tables[name].iterrows():
            found[row["id"]] = (name, line, float(row["value"]) * UNITS[row["unit"]][1])
    for d in derived:
        if any(i not in found for i in d.inputs):
            continue  # the cleaning names a missing input itself
        values = [found[i][2] for i in d.inputs]
        try:  # an input of 0 is refused outright: its stated interval reaches below 0 (a root of a negative)
            ok = 0 not in values and math.isfinite(float(d.fn(*values)))
        except (ZeroDivisionError, OverflowError, ValueError, TypeError):
            ok = False
        if not ok:
            culprit = next((i for i, v in zip(d.inputs, values) if v == 0), d.inputs[-1])
            name, line, _ = found[culprit]
            table = TABLES[name]
            where = Path(raw_dir or paths.RAW) / table.file
            raise RawDataError(f"{_at(table, where, tables[name], line, 'value')}: the implied value '{d.id}' "
                               f"({d.formula}) cannot be computed with this value (0, a divisor of 0, or an "
                               "overflow); an input of an implied value must not be 0")


def source_dates(location: str, published: str) -> list[tuple[str, str]]:
    """Pair each source of a published figure with its publication date ('undated' if none shown)."""
    return list(zip([s.strip() for s in location.split(" | ")], [d.strip() for d in published.split(" | ")]))


def _check_published(table: Table, path: Path, frame: pd.DataFrame) -> None:
    """Every source has a date (or 'undated'); none is a later compilation. No date is refused:
    which rows a build uses is decided by its ``as_of`` date (:mod:`analysis.infoset`)."""
    where = paths.rel(path)
    for line, row in frame.iterrows():
        at = f"{where}: line {line} ({table.key} '{row[table.key]}'), column"
        sources = [s.strip() for s in row["location"].split(" | ")]
        dates = [d.strip() for d in row["published"].split(" | ")]
        if len(sources) != len(dates):
            raise RawDataError(f"{at} 'published': {len(dates)} date(s) for {len(sources)} source(s) in 'location' "
                               "(give one date per source, in the same order, or 'undated')")
        for src in sources:
            if any(c in src for c in LATER_COMPILATIONS):
                raise RawDataError(f"{at} 'location': {src} is a later compilation ({', '.join(LATER_COMPILATIONS)}); "
                                   "cite the original, dated source instead")


def load_all(raw_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Load every raw table, validating cross-references (indicators, vintages)."""
    out = {"vintages": load("vintages", raw_dir), "indicators": load("indicators", raw_dir)}
    known = {"vintages": set(out["vintages"]["vintage"]), "indicators": set(out["indicators"]["indicator"]),
             "editions": _editions(out["vintages"])}
    for name in ("article_figures", "published_figures", "rankings", "article_dates"):
        out[name] = load(name, raw_dir, known)
    ids = pd.concat([out[n]["id"] for n in ("article_figures", "published_figures", "rankings", "article_dates")])
    dup = ids[ids.duplicated()]
    if len(dup):
        raise RawDataError(f"data/raw: id '{dup.iloc[0]}' is used in more than one raw table (ids must be unique across tables)")
    return out


def _main(argv: list[str]) -> int:
    """``python -m analysis.sources check [STAMP]``: validate every raw table, before any kernel starts."""
    import sys

    if not argv or argv[0] != "check":
        print("usage: python -m analysis.sources check [STAMP]", file=sys.stderr)
        return 2
    try:
        tables = load_all()
    except RawDataError as err:
        print(f"error: bad raw data\n{err}", file=sys.stderr)
        return 1
    if len(argv) > 1:
        from analysis.base.atomic import write_text  # atomic, staged writes (a shared leaf)

        write_text(argv[1], "".join(f"{n}: {len(t)} rows\n" for n, t in tables.items()), touch=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
