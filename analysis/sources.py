"""Raw tables: what each file in ``data/raw/`` must look like, and a loader that says exactly
where a file is wrong.

The raw layer is a hand transcription of the article and of earlier published figures. Code
never writes it; code only reads it through :func:`load`, which checks it against a pandera
schema and turns every failure into a message that names the file, the line (and row id) and
the column, and says what was expected. A bad raw file stops the build before anything is
written.

The raw layer also carries the information cut-off: each published figure gives one
publication date per source, and :func:`load` refuses a source dated after :data:`CUTOFF` or a
later compilation (:data:`LATER_COMPILATIONS`), so nothing published later can enter.

Reading is deliberately strict about structure (missing or extra columns, short rows, bytes
that are not UTF-8, empty files) and tolerant of harmless encodings of the same content (a
UTF-8 byte-order mark, CRLF line endings).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pandera.pandas as pa

from analysis.build import paths  # the one source of paths, in the build layer (allowed: tests/test_layers.py)

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
PERIOD_RE = r"^(\d{4}( H[12])?|\d{4}-\d{4}|FY\d{2} Q[1-4])$"
#: Information cut-off: the article's publication date. No source published later may be used.
CUTOFF = "2023-12-07"
#: A published figure's ``published`` column: one publication date per source in ``location``
#: (same order, " | "-separated): YYYY-MM-DD or YYYY-MM as the page shows it, or ``undated``.
PUBLISHED_RE = r"^(\d{4}-\d{2}(-\d{2})?|undated)( \| (\d{4}-\d{2}(-\d{2})?|undated))*$"
#: Pages that compile figures after the fact (and were found to be updated after the cut-off):
#: never a source, not even beside another one.
LATER_COMPILATIONS = ("wanwend.com", "huggingface.co")
DATE_RE = r"^\d{4}(-\d{2}(-\d{2})?)?$"
SHARE_ERROR = "a share ('%') must be at most 100"


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
               "location", "note"),
              "Industry-penetration and city rankings, one ranked entity per row."),
        Table("article_dates", "article_dates.csv",
              ("id", "event", "date", "precision", "source", "location", "note"),
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
    rows = list(csv.reader(io.StringIO(text, newline="")))
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


def _nonempty(name: str) -> pa.Check:
    return pa.Check(lambda s: s.str.strip().str.len() > 0, element_wise=False,
                    error="must not be empty", name=f"{name}_nonempty")


def _in(values, what: str) -> pa.Check:
    allowed = sorted(values)
    return pa.Check.isin(allowed, error=f"must be one of the known {what}: {', '.join(map(str, allowed))}")


def _schema(table: Table, known: dict[str, set[str]]) -> pa.DataFrameSchema:
    s = lambda *checks, unique=False: pa.Column(str, checks=list(checks), unique=unique)  # noqa: E731
    number = pa.Column(float, coerce=True, checks=[
        pa.Check(lambda v: v.notna() & (v != float("inf")), error="must be a finite number"),
        pa.Check.ge(0, error="must not be negative"),
    ])
    if table.name == "vintages":
        cols = {"vintage": s(_nonempty("vintage"), unique=True), "publisher": s(_nonempty("publisher")),
                "title": s(_nonempty("title")),
                "published": s(pa.Check.str_matches(r"^(\d{4}-\d{2}-\d{2})?$", error="must be YYYY-MM-DD or empty")),
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
            cols["published"] = s(pa.Check.str_matches(
                PUBLISHED_RE, error="must be one date per source (YYYY-MM-DD, YYYY-MM or undated), ' | '-separated"))
        checks = [pa.Check(lambda df: ~((df["unit"] == "%") & (pd.to_numeric(df["value"], errors="coerce") > 100)),
                           error=SHARE_ERROR, name="share_at_most_100")]
        return pa.DataFrameSchema(cols, checks=checks, strict=True)
    if table.name == "rankings":
        cols = {"id": s(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="must be snake_case"), unique=True),
                "ranking": s(_in({"industry_penetration", "city_ai_compute"}, "rankings")),
                "vintage": s(_in(known["vintages"], "vintages (data/raw/vintages.csv)")),
                "period": s(pa.Check.str_matches(PERIOD_RE, error="must be YYYY or YYYY-YYYY")),
                "rank": pa.Column(int, coerce=True, checks=pa.Check.ge(1, error="must be 1 or more")),
                "entity": s(_nonempty("entity")), "entity_zh": s(), "source": s(_nonempty("source")),
                "location": s(_nonempty("location")), "note": s()}
        return pa.DataFrameSchema(cols, strict=True, unique=["ranking", "vintage", "period", "rank"])
    if table.name == "article_dates":
        cols = {"id": s(pa.Check.str_matches(r"^[a-z][a-z0-9_]*$", error="must be snake_case"), unique=True),
                "event": s(_nonempty("event")),
                "date": s(pa.Check.str_matches(DATE_RE, error="must be YYYY, YYYY-MM or YYYY-MM-DD")),
                "precision": s(_in({"day", "month", "year"}, "precisions")),
                "source": s(_nonempty("source")), "location": s(_nonempty("location")), "note": s()}
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
        if check == SHARE_ERROR:  # a whole-row check; the offending cell is the value
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
    table = TABLES[name]
    path = Path(raw_dir or paths.RAW) / table.file
    frame = _frame(table, path)
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
    if name in ("article_figures", "published_figures"):
        # The digits as written set a figure's precision (38 is +-0.5, 3.833 is +-0.0005); a float
        # forgets trailing zeros, so the stated text is kept beside the value.
        validated["value_text"] = frame["value"].str.strip()
    if name == "published_figures":
        _check_published(table, path, validated)
    return validated


def source_dates(location: str, published: str) -> list[tuple[str, str]]:
    """Pair each source of a published figure with its publication date ('undated' if none shown)."""
    return list(zip([s.strip() for s in location.split(" | ")], [d.strip() for d in published.split(" | ")]))


def _after_cutoff(date: str) -> bool:
    """True when a YYYY-MM-DD or YYYY-MM date may lie after :data:`CUTOFF` (a month counts whole)."""
    return date != "undated" and (date > CUTOFF if len(date) == 10 else date > CUTOFF[:7] or date == CUTOFF[:7])


def _check_published(table: Table, path: Path, frame: pd.DataFrame) -> None:
    """Every source has a date; none is dated after the cut-off; none is a later compilation."""
    where = paths.rel(path)
    for line, row in frame.iterrows():
        at = f"{where}: line {line} (id '{row['id']}'), column"
        sources = [s.strip() for s in row["location"].split(" | ")]
        dates = [d.strip() for d in row["published"].split(" | ")]
        if len(sources) != len(dates):
            raise RawDataError(f"{at} 'published': {len(dates)} date(s) for {len(sources)} source(s) in 'location' "
                               "(give one date per source, in the same order, or 'undated')")
        for src, date in zip(sources, dates):
            if _after_cutoff(date):
                raise RawDataError(f"{at} 'published': source {src} is dated {date}, after the information "
                                   f"cut-off {CUTOFF}; only sources published by then may be used")
            if any(c in src for c in LATER_COMPILATIONS):
                raise RawDataError(f"{at} 'location': {src} is a later compilation ({', '.join(LATER_COMPILATIONS)}); "
                                   "cite the original, dated source instead")


def load_all(raw_dir: Path | None = None) -> dict[str, pd.DataFrame]:
    """Load every raw table, validating cross-references (indicators, vintages)."""
    out = {"vintages": load("vintages", raw_dir), "indicators": load("indicators", raw_dir)}
    known = {"vintages": set(out["vintages"]["vintage"]), "indicators": set(out["indicators"]["indicator"])}
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
        from analysis.build.atomic import write_text  # atomic, staged writes (allowed: tests/test_layers.py)

        write_text(argv[1], "".join(f"{n}: {len(t)} rows\n" for n, t in tables.items()), touch=True)
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(_main(sys.argv[1:]))
