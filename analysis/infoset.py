"""The information set: which raw rows were public on a given date, and since when.

Why this module exists: a forecast can only be judged by what its maker could have known. Every
raw row the chain uses carries the date it became public, and a build *as of* a date D (the
``AS_OF`` parameter; by default the article's date) uses only the rows public by D. Loading
(:mod:`analysis.sources`) refuses no date; this module filters, so a later edition is added by
appending dated rows, and a build as of an earlier date is the compendium as it could have
been written then.

**When a row became public** (``known_from``; the rule that set it is in ``date_rule``):

* ``earliest dated source``: the earliest date among the row's sources (``published``, one
  date per source). A date given to the month only counts from the month's last day, since the
  page may have appeared on any day of it.
* ``the article``: a figure of the article itself carries the article's date
  (``date_published`` in ``data/raw/article_dates.csv``).
* a row whose earliest dated source comes before its own edition's release date counts from the
  release (``dated source before the release: the edition's release``): a page cannot quote an
  edition that is not yet out, so an earlier date belongs to some other release of the same
  figure, which is then its own row;
* a row whose every source is undated takes its edition's date:
  ``undated: edition's release`` (the release date in ``data/raw/vintages.csv``), or, where that
  is not known, ``undated: edition's earliest dated row`` (the earliest known_from of any dated
  row of the same edition: the edition, and so each of its figures, was public by then). A row
  with no edition, or of an edition that nothing dates, has no date of its own
  (``undated: the article's date``): it is listed, but it enters no build (:func:`as_of`), not
  even one on the article's date, since nothing shows that it was public by then.

An edition (a vintage) is known from its release date, or else from the earliest date of any
row it published (``vintage_known_from``).
"""
from __future__ import annotations

import calendar

import pandas as pd

#: The raw tables whose rows are data (and so carry a date); vintages and indicators describe them.
DATED_TABLES = ("article_figures", "published_figures", "rankings", "article_dates")
#: The row of ``article_dates.csv`` that gives the article's own date.
ARTICLE_DATE_ID = "date_published"
#: The rule of a row with no date of its own: it is in no information set.
NO_DATE = "undated: the article's date"
RULES = ("earliest dated source", "the article", "dated source before the release: the edition's release",
         "undated: edition's release", "undated: edition's earliest dated row", NO_DATE)
#: The rule of an edition that nothing dates (it is in no information set either).
EDITION_NO_DATE = "nothing dates it: the article's date"


def source_date(text: str) -> str | None:
    """The day from which a source counts as public: YYYY-MM-DD as given, YYYY-MM as the month's
    last day, None for ``undated``."""
    text = text.strip()
    if text == "undated":
        return None
    if len(text) == 7:
        year, month = int(text[:4]), int(text[5:7])
        return f"{text}-{calendar.monthrange(year, month)[1]:02d}"
    return text


def article_date(raw: dict[str, pd.DataFrame]) -> str:
    """The article's publication date, as ``article_dates.csv`` states it."""
    dates = raw["article_dates"]
    row = dates[dates["id"] == ARTICLE_DATE_ID]
    if len(row) != 1:
        raise ValueError(f"data/raw/article_dates.csv: expected one row '{ARTICLE_DATE_ID}' (the article's date)")
    return str(row["date"].iloc[0])


def _earliest(published: str) -> str | None:
    days = [d for d in (source_date(x) for x in published.split(" | ")) if d]
    return min(days) if days else None


def _dated_rows(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """(table, id, vintage, earliest) for every row of the dated tables; earliest is None when every
    source of a row is undated."""
    art = article_date(raw)
    parts = []
    for table in DATED_TABLES:
        t = raw[table]
        earliest = [art] * len(t) if table == "article_figures" else [_earliest(p) for p in t["published"]]
        vintage = t["vintage"] if "vintage" in t.columns else pd.Series([""] * len(t), index=t.index)
        parts.append(pd.DataFrame({"table": table, "id": t["id"].to_numpy(), "vintage": vintage.to_numpy(),
                                   "earliest": earliest}))
    return pd.concat(parts, ignore_index=True)


def edition_dates(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """When each vintage became public: columns vintage, vintage_known_from, vintage_date_rule."""
    rows = _dated_rows(raw)
    earliest = rows.dropna(subset=["earliest"]).groupby("vintage")["earliest"].min()
    out = []
    for _, v in raw["vintages"].iterrows():
        if v["published"]:
            out.append((v["vintage"], v["published"], "release date"))
        elif v["vintage"] in earliest.index:
            out.append((v["vintage"], earliest[v["vintage"]], "earliest dated row"))
        else:
            out.append((v["vintage"], article_date(raw), EDITION_NO_DATE))
    return pd.DataFrame(out, columns=["vintage", "vintage_known_from", "vintage_date_rule"])


def known_from(raw: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """When each raw data row became public: columns table, id, vintage, known_from, date_rule."""
    art = article_date(raw)
    rows = _dated_rows(raw)
    release = raw["vintages"].set_index("vintage")["published"]
    dated = rows.dropna(subset=["earliest"]).groupby("vintage")["earliest"].min()
    known, rule = [], []
    for _, r in rows.iterrows():
        if r["table"] == "article_figures":
            known.append(art), rule.append("the article")
        elif isinstance(r["earliest"], str) and r["earliest"] < release.get(r["vintage"], ""):
            known.append(release[r["vintage"]]), rule.append("dated source before the release: the edition's release")
        elif isinstance(r["earliest"], str):
            known.append(r["earliest"]), rule.append("earliest dated source")
        elif r["vintage"] and release.get(r["vintage"], ""):
            known.append(release[r["vintage"]]), rule.append("undated: edition's release")
        elif r["vintage"] and r["vintage"] in dated.index:
            known.append(dated[r["vintage"]]), rule.append("undated: edition's earliest dated row")
        else:
            known.append(art), rule.append(NO_DATE)
    rows["known_from"], rows["date_rule"] = known, rule
    return rows[["table", "id", "vintage", "known_from", "date_rule"]]


def annotate(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copies of the raw tables with ``known_from`` and ``date_rule`` on every data row, the
    article's date as the ``published`` of its own figures, and each vintage's date."""
    dates = known_from(raw).set_index(["table", "id"])
    out = dict(raw)
    for table in DATED_TABLES:
        t = raw[table].copy()
        keys = pd.MultiIndex.from_arrays([[table] * len(t), t["id"]])
        t["known_from"] = dates["known_from"].reindex(keys).to_numpy()
        t["date_rule"] = dates["date_rule"].reindex(keys).to_numpy()
        if table == "article_figures":
            t["published"] = article_date(raw)
        out[table] = t
    out["vintages"] = raw["vintages"].merge(edition_dates(raw), on="vintage", how="left")
    out["vintages"].index = raw["vintages"].index
    return out


def as_of(raw: dict[str, pd.DataFrame], date: str) -> dict[str, pd.DataFrame]:
    """The information set as of ``date`` (YYYY-MM-DD): every data row public by then, and the
    vintages known by then; indicators (the vocabulary) are kept, less those that only rows outside
    the set use (a quantity first reported later, such as the 2025 edition's 人工智能算力市场, was not
    yet a word of it). A row or an edition with no date of its own (:data:`NO_DATE`,
    :data:`EDITION_NO_DATE`) is in no information set."""
    out = annotate(raw)
    used_by_all, used_here = set(), set()
    for table in DATED_TABLES:
        t = out[table]
        kept = t[(t["known_from"] <= date) & (t["date_rule"] != NO_DATE)]
        if "indicator" in t.columns:
            used_by_all |= set(t["indicator"])
            used_here |= set(kept["indicator"])
        out[table] = kept
    if "indicators" in out:
        ind = out["indicators"]
        out["indicators"] = ind[~ind["indicator"].isin(used_by_all - used_here)]
    v = out["vintages"]
    out["vintages"] = v[(v["vintage_known_from"] <= date) & (v["vintage_date_rule"] != EDITION_NO_DATE)]
    return out


def listing(info: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The information set as one table (table, id, vintage, known_from, date_rule), in a fixed
    order: what a build used, and since when each row was public. Its hash is the build's
    provenance (the raw files may hold later rows that it did not use)."""
    parts = []
    for table in DATED_TABLES:
        t = info[table]
        vintage = t["vintage"] if "vintage" in t.columns else ""
        parts.append(pd.DataFrame({"table": table, "id": t["id"], "vintage": vintage,
                                   "known_from": t["known_from"], "date_rule": t["date_rule"]}))
    return pd.concat(parts, ignore_index=True).sort_values(["table", "id"]).reset_index(drop=True)


def vintages_known(info: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """The vintages of an information set with their dates, in order of publication."""
    return info["vintages"].sort_values(["vintage_known_from", "order", "vintage"]).reset_index(drop=True)
