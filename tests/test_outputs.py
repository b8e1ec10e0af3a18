"""The built outputs: complete, honest, offline, and exactly what is committed."""
from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis import domain, forecasting

FIGURES = ("adoption_survey", "industry_ranking", "nvidia_revenue", "genai_share", "audit", "city_ranking",
           "compute_growth", "ai_server_market", "model_comparison", "track_record")


@pytest.fixture(scope="module")
def forecasts(repo):
    return pd.read_csv(repo / "data" / "processed" / "forecasts.csv")


def test_forecasts_cover_every_series_and_model(forecasts):
    got = set(map(tuple, forecasts[["series", "model"]].drop_duplicates().to_numpy()))
    want = {(s, m) for s in domain.FORECAST_SERIES for m in forecasting.FITTED_MODELS + ("combination", "report_path")}
    assert got == want


def test_fitted_intervals_are_finite_positive_and_widen(forecasts):
    fitted = forecasts[forecasts["model"] != "report_path"]
    assert np.isfinite(fitted[["median", "lower", "upper"]]).all().all()
    assert (fitted["lower"] < fitted["median"]).all() and (fitted["median"] < fitted["upper"]).all()
    for _, g in fitted.groupby(["series", "model", "level"]):
        width = np.log(g.sort_values("year")["upper"]) - np.log(g.sort_values("year")["lower"])
        assert (np.diff(width) > 0).all()
    assert set(fitted["level"]) == {0.5, 0.8, 0.95}
    assert fitted["distribution"].str.startswith(("t(", "mixture of t(")).all()
    rep = forecasts[forecasts["model"] == "report_path"]
    assert rep["year"].min() == 2022 and rep["year"].max() == domain.REPORT_HORIZON


def test_model_comparison_has_the_report_2027_value(repo):
    c = pd.read_csv(repo / "data" / "processed" / "model_comparison.csv")
    ai = c[c["series"] == "ai_server_market"]
    assert set(ai["model"]) == set(forecasting.FITTED_MODELS) | {"combination"}
    assert (ai["report"].round(1) == 13.4).all() and (ai["year"] == 2027).all()
    ic = c[c["series"] == "intelligent_compute"]
    assert ic[["interval_score_log", "crps_log"]].notna().all().all() and (ic["crps_log"] > 0).all()


def test_backtests_are_real_time_and_the_track_record_scores_the_report(repo):
    b = pd.read_csv(repo / "data" / "processed" / "backtests.csv")
    drift = b[(b["model"] == "drift")].iloc[0]
    assert drift["origin"] == "2022-23 ed" and drift["forecast"] == pytest.approx(268.0 ** 2 / 155.2, rel=1e-5)
    assert set(forecasting.FITTED_MODELS) | {"combination"} <= set(b["model"])
    t = pd.read_csv(repo / "data" / "processed" / "track_record.csv")
    est = t[(t["method"] == "stated estimate") & (t["series"] == "intelligent_compute")].iloc[0]
    assert est["forecast"] == 268.0 and est["later_figure"] == 260.0 and est["horizon"] == 1
    assert est["error_pct"] == pytest.approx((268.0 / 260.0 - 1) * 100, abs=1e-4)


@pytest.mark.parametrize("name", FIGURES)
def test_every_figure_in_every_format(repo, name):
    for ext in ("svg", "png", "vl.json", "html"):
        path = repo / "figures" / f"{name}.{ext}"
        assert path.exists() and path.stat().st_size > 1000, path
    svg = (repo / "figures" / f"{name}.svg").read_text(encoding="utf-8")
    assert "Source:" in svg  # the source line is drawn
    assert (repo / "figures" / f"{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


EXTERNAL = re.compile(r"<(script|link|img)\b[^>]*\b(src|href)\s*=\s*[\"']?(https?:)?//", re.I)


def test_no_produced_html_references_the_network(repo):
    pages = sorted((repo / "reports").glob("*.html")) + sorted((repo / "figures").glob("*.html"))
    assert len(pages) >= 14
    offenders = [p.name for p in pages if EXTERNAL.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_notebooks_have_no_volatile_metadata_or_random_ids(repo):
    for nb in sorted((repo / "notebooks").glob("*.ipynb")):
        text = nb.read_text(encoding="utf-8")
        for bad in ('"start_time"', '"end_time"', '"duration"', "altair-viz-", "vnd.vegalite.v6.json",
                    "/tmp/", str(repo)):
            assert bad not in text, (nb.name, bad)


def test_committed_outputs_are_exactly_what_the_build_produces(repo):
    """After `make all` (make test runs it first), no tracked file differs from the commit."""
    if not (repo / ".git").exists():
        pytest.skip("not a git checkout")
    out = subprocess.run(["git", "status", "--porcelain", "--", "notebooks", "figures", "reports", "data"],
                         capture_output=True, text=True, cwd=repo, check=True).stdout
    assert out == "", "rebuilt outputs differ from the committed ones (commit them, or find the nondeterminism):\n" + out


def test_index_traces_every_figure_to_the_cell_that_drew_it(repo):
    import json

    page = (repo / "reports" / "index.html").read_text(encoding="utf-8")
    links = re.findall(r'<figure id="(\w+)">.*?<a href="(\w+)\.html#cell-id=([\w-]+)"', page)
    assert sorted(f for f, _, _ in links) == sorted(FIGURES)
    for fig, notebook, cell_id in links:
        nb = json.loads((repo / "notebooks" / f"{notebook}.ipynb").read_text(encoding="utf-8"))
        cell = next(c for c in nb["cells"] if c.get("id") == cell_id)
        assert f'"{fig}"' in "".join(cell["source"]), (fig, notebook, cell_id)
    for name in ("01_clean", "02_forecast", "03_context_figures", "04_forecast_figures"):
        assert f'href="{name}.html"' in page
    assert "horizon_end = 2027" in page and "data/processed/forecasts.csv" in page
    assert re.search(r"Content hash of all inputs: <span class=\"hash\">[0-9a-f]{64}</span>", page)


def test_readme_forecast_bullet_matches_the_outputs(repo):
    text = (repo / "README.md").read_text(encoding="utf-8")
    bullet = text[text.index("* **Two or three points cannot say"):text.index("The audit table is")]
    f = pd.read_csv(repo / "data" / "processed" / "forecasts.csv")
    at = lambda s, m, y=2027: f[(f["series"] == s) & (f["model"] == m) & (f["year"] == y)]  # noqa: E731
    rep = at("ai_server_market", "report_path")["median"].iloc[0]
    assert f"{((rep / 9.1) ** 0.25 - 1) * 100:.1f}% a year from 2023" in bullet
    assert f"USD {at('ai_server_market', 'drift')['median'].iloc[0]:.0f} bn" in bullet
    assert f"about {at('ai_server_market', 'decay')['median'].iloc[0]:.0f} bn" in bullet
    assert f"median of {at('ai_server_market', 'combination')['median'].iloc[0]:.0f} bn" in bullet
    lower80 = f[(f["series"] == "ai_server_market") & (f["year"] == 2027) & (f["level"] == 0.8)]["lower"]
    assert f"{rep:.1f} bn lies below every model's 80% interval" in bullet and (lower80 > rep).all()
    assert f"({at('intelligent_compute', 'decay')['median'].iloc[0]:,.0f} EFLOPS)" in bullet
    assert f"({at('intelligent_compute', 'report_path')['median'].iloc[0]:,.1f})" in bullet
    t = pd.read_csv(repo / "data" / "processed" / "track_record.csv")
    miss = t[(t["series"] == "intelligent_compute") & (t["year"] == 2023) & (t["method"] == "CAGR path")]["error_pct"]
    assert f"by {-miss.iloc[0]:.1f}%" in bullet
