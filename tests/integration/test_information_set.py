"""Drills for the date of knowledge: rows published after a build's date change none of its
outputs, and a later edition is added by appending dated rows.

At the article's date (the default build) the later rows are appended and the build reruns what
reads the raw tables: every step built as of the date writes the same bytes. At two earlier dates
the same holds, drilled on the as-of sweep's builds (test_as_of_sweep.py, with :data:`LATER` and
:func:`clean_as_of` from here; until issue 31 a drill of its own here, at 2022-12-31 and
2021-06-30). Only ``01_clean`` reads the raw tables; every later step reads the tables it wrote
(the registry says so, and the determinism drill's traced ``-j1`` build proves it, with
``test_build_graph.py``'s check of every notebook's reads), and a step whose inputs have the
same bytes is not rerun and writes the same bytes (``test_determinism.py``). So at an earlier
date the drill compares what ``01_clean`` writes with and without the later rows: byte-identical
tables there mean byte-identical inputs, hence outputs, everywhere downstream. The chain of the
steps that take a date (01-05) is built at a later date by the later-edition drill below, as a
named run; a whole default build at earlier dates by test_as_of_sweep.py."""
from __future__ import annotations

import csv
import io
import re

import pandas as pd
import pytest

pytestmark = pytest.mark.integration

#: Absurd rows dated after every date the drills build at (here; and test_as_of_sweep.py, whose
#: dates, the latest 2022-06-30, they must stay after): a later edition of every kind of raw row.
LATER = {
    "vintages.csv": [dict(vintage="2024-25 ed", publisher="synthetic", title="a later edition", published="2024-11-28",
                          order="7", note="synthetic")],
    "published_figures.csv": [
        dict(id="pub_later_ic_2023", indicator="intelligent_compute", geography="China", period="2023", qualifier="=",
             value="999999", unit="EFLOPS (FP16)", kind="actual", vintage="2024-25 ed", source="web (single)",
             location="https://example.org/later", published="2024-11-30", note="synthetic"),
        dict(id="pub_later_server_2024", indicator="ai_server_market", geography="China", period="2024", qualifier="=",
             value="0.001", unit="USD bn", kind="estimate", vintage="2024-25 ed", source="web (single)",
             location="https://example.org/later", published="2024-12", note="synthetic"),
        dict(id="pub_later_old_edition", indicator="general_compute", geography="China", period="2022", qualifier="=",
             value="12345", unit="EFLOPS (FP64)", kind="actual", vintage="2022-23 ed", source="web (single)",
             location="https://example.org/late-reprint", published="2024-01-15",
             note="an old edition's figure first found on a later page"),
    ],
    "rankings.csv": [dict(id="rk_later_1", ranking="industry_penetration", vintage="2024-25 ed", period="2024",
                          rank="1", entity="Telecom", entity_zh="电信", source="web (single)",
                          location="https://example.org/later", published="2024-11-30", note="synthetic")],
    "article_dates.csv": [dict(id="date_later", event="a later event", date="2024-06-01", precision="day",
                               source="web (single)", location="https://example.org/later", published="2024-06-02",
                               note="synthetic")],
}


def append(root, rows: dict[str, list[dict]]) -> None:
    for name, new in rows.items():
        path = root / "data" / "raw" / name
        header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))
        out = io.StringIO()
        csv.DictWriter(out, fieldnames=header, lineterminator="\n").writerows(new)
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(out.getvalue())


def _dated_steps(outputs: dict[str, str]) -> dict[str, str]:
    """The outputs of the steps built as of AS_OF (01-05): all but the unblinding's (06_unblinding
    builds on everything now known, so later rows are meant to change it) and the index page, whose
    lines for steps 01-05 :func:`_index_lines` compares."""
    return {k: v for k, v in outputs.items()
            if "unblinding" not in k and "registered_scores" not in k and k != "reports/index.html"}


def _index_lines(root) -> list[str]:
    """The index page's lines about steps 01-05: their rows (parameters, data read, inputs hash) and
    their figures' cards and hashes."""
    page = (root / "reports" / "index.html").read_text(encoding="utf-8")
    return [line for line in page.splitlines() if re.search(r"\b0[1-5]_\w+", line)]


def test_later_rows_leave_the_default_build_byte_identical(compendium):
    index_before = _index_lines(compendium.root)
    append(compendium.root, LATER)
    result = compendium.make("-j2", "all")
    assert result.returncode == 0, result.stderr[-3000:]
    assert "runner: wrote notebooks/01_clean.ipynb" in result.stdout  # the raw files changed: 01 reran ...
    # ... and wrote the same bytes, hashes and pages included (the unblinding, on everything now known, moves)
    assert _dated_steps(compendium.outputs()) == _dated_steps(compendium.reference)
    assert _index_lines(compendium.root) == index_before and len(index_before) >= 10
    assert compendium.outputs()["data/processed/registered_scores.csv"] != compendium.reference[
        "data/processed/registered_scores.csv"]  # the synthetic 2024 AI-server figure is the first outcome now


def clean_as_of(comp, as_of: str):
    """Run ``01_clean`` alone at ``as_of``, through the entry point make calls."""
    import subprocess
    import sys

    from tests.integration.conftest import clean_env

    python = comp.root / ".venv" / "bin" / "python"
    return subprocess.run([str(python) if python.exists() else sys.executable, "-m", "analysis.pipeline", "run",
                           "01_clean", f"AS_OF={as_of}"], cwd=comp.root, capture_output=True, text=True, timeout=600,
                          env=clean_env(PYTHONPATH=str(comp.root), PYTHONHASHSEED="0"))


def test_a_later_edition_is_added_by_appending_dated_rows(compendium):
    """A synthetic 2024-25 edition, as a later edition will be transcribed: built as of 2025-01-01
    it is the report, its 2024 figures are data, and the earlier editions' and the models'
    forecasts for 2024 are scored against them.

    Built as a named run (``make forecast RUN=later AS_OF=2025-01-01``), which rebuilds in its own
    folder every step that depends on the date (01-05) and leaves every default output as it was.
    Until issue 31 it was a default ``make -j2 all`` at that date, which also reran
    ``06_unblinding``: that step takes no date (it builds on every row now known, whatever AS_OF
    says), and its run on appended later rows is :func:`test_later_rows_leave_the_default_build_byte_identical`'s
    (with other rows: no intelligent-compute figure for 2024, no forecasts). A whole default build
    at an earlier date is test_as_of_sweep.py's; the default graph as a whole at a date after the
    article's is no longer built by any drill (its steps are the same code, run here in the run's
    folder)."""
    rows = {
        "vintages.csv": LATER["vintages.csv"],
        "published_figures.csv": [
            dict(id=f"pub_syn_{s}_{y}", indicator=s, geography="China", period=str(y), qualifier="=", value=v,
                 unit=u, kind=k, vintage="2024-25 ed", source="web (single)", location="https://example.org/syn",
                 published="2024-11-30", note="synthetic")
            for s, u, y, v, k in [("intelligent_compute", "EFLOPS (FP16)", 2023, "420", "actual"),
                                  ("intelligent_compute", "EFLOPS (FP16)", 2024, "700", "estimate"),
                                  ("intelligent_compute", "EFLOPS (FP16)", 2028, "2500", "forecast"),
                                  ("ai_server_market", "USD bn", 2024, "14.5", "estimate"),
                                  ("ai_server_market", "USD bn", 2028, "30", "forecast")]],
    }
    append(compendium.root, rows)
    result = compendium.make("forecast", "RUN=later", "AS_OF=2025-01-01", "HORIZON=2028")
    assert result.returncode == 0, result.stderr[-3000:]
    ran = re.findall(r"runner: wrote runs/later/notebooks/(\w+)\.ipynb", result.stdout)
    assert ran == ["01_clean", "02_evaluation", "03_forecast", "04_context_figures", "05_forecast_figures"]
    assert compendium.outputs() == compendium.reference  # no default output touched
    proc = compendium.root / "runs" / "later" / "processed"
    ev = pd.read_csv(proc / "evaluation.csv", keep_default_na=False, na_values=[""])
    scored = ev[(ev["outcome_vintage"] == "2024-25 ed") & ev["same_definition"]]
    assert {"2023-24 ed"} <= set(scored["forecaster"]) and (scored["forecaster_type"] == "model").any()
    f = pd.read_csv(proc / "forecasts.csv")
    fitted = f[f["model"] != "report_path"]
    assert fitted.groupby("series")["year"].min().to_dict()["intelligent_compute"] == 2025
    rep = f[(f["model"] == "report_path") & (f["series"] == "intelligent_compute")]
    assert rep["year"].max() == 2028 and "2024-25 ed" in rep["sigma_source"].iloc[0]
    index = compendium.root / "runs" / "later" / "reports" / "index.html"
    assert "Information set as of\n2025-01-01" in index.read_text(encoding="utf-8")
