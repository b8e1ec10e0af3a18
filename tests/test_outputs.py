"""The built outputs: complete, honest, offline, and exactly what is committed."""
from __future__ import annotations

import re
import subprocess

import numpy as np
import pandas as pd
import pytest

from analysis import domain, forecasting

FIGURES = ("adoption_survey", "industry_ranking", "nvidia_revenue", "genai_share", "audit", "city_ranking",
           "compute_growth", "ai_server_market", "model_comparison", "track_record", "edition_paths",
           "world_triangulation", "unblinding")


@pytest.fixture(scope="module")
def forecasts(repo):
    return pd.read_csv(repo / "data" / "processed" / "forecasts.csv")


def test_forecasts_cover_every_series_and_model(forecasts):
    got = set(map(tuple, forecasts[["series", "model"]].drop_duplicates().to_numpy()))
    want = {(s, m) for s in domain.FORECAST_SERIES for m in forecasting.FITTED_MODELS + ("combination", "report_path")}
    # the nowcast needs a half-year figure: only the AI-server market has one (H1 and H2 2023)
    assert got == want - {("intelligent_compute", "nowcast"), ("general_compute", "nowcast")}


def test_fitted_intervals_are_finite_positive_and_widen(forecasts):
    fitted = forecasts[forecasts["model"] != "report_path"]
    assert np.isfinite(fitted[["median", "lower", "upper"]]).all().all()
    assert (fitted["lower"] < fitted["median"]).all() and (fitted["median"] < fitted["upper"]).all()
    for _, g in fitted.groupby(["series", "model", "level"]):
        width = np.log(g.sort_values("year")["upper"]) - np.log(g.sort_values("year")["lower"])
        assert (np.diff(width) > 0).all()
    assert set(fitted["level"]) == {0.5, 0.8, 0.95}
    assert fitted["distribution"].str.match(r"^(t\(|mixture of \d+ t \(df )").all()
    rep = forecasts[forecasts["model"] == "report_path"]
    assert rep["year"].min() == 2022 and rep["year"].max() == domain.REPORT_HORIZON


def test_model_comparison_has_the_report_2027_value(repo):
    c = pd.read_csv(repo / "data" / "processed" / "model_comparison.csv")
    ai = c[c["series"] == "ai_server_market"]
    assert set(ai["model"]) == set(forecasting.FITTED_MODELS) | {"combination"}
    assert (ai["report"].round(1) == 13.4).all() and (ai["year"] == 2027).all()
    # each series' row carries that series' own record, never the pooled one (issue 26)
    e = pd.read_csv(repo / "data" / "processed" / "evaluation.csv", keep_default_na=False, na_values=[""])
    for series, rows in c[c["model"] == "drift"].groupby("series"):
        own = e[(e["forecaster"] == "drift") & (e["series"] == series) & e["same_definition"]]
        assert (rows["evaluation_n"] == len(own)).all(), series
    assert c.loc[(c["model"] == "drift") & (c["series"] == "intelligent_compute"), "evaluation_n"].iloc[0] > 0


def test_the_real_time_record_scores_each_forecast_against_the_next_figure(repo):
    e = pd.read_csv(repo / "data" / "processed" / "evaluation.csv", keep_default_na=False, na_values=[""])
    ic = e[(e["forecaster"] == "2022-23 ed") & (e["series"] == "intelligent_compute")].set_index("target_year")
    assert ic.loc[2022, "forecast"] == 268.0 and ic.loc[2022, "outcome"] == 260.0 and ic.loc[2022, "read"] == "stated"
    assert ic.loc[2022, "error_pct"] == pytest.approx((268.0 / 260.0 - 1) * 100, abs=1e-4)
    # the edition's own path through its 2022 estimate and 2026 forecast, not a constant-CAGR path
    assert ic.loc[2023, "forecast"] == pytest.approx(268.0 * (1271.4 / 268.0) ** 0.25, rel=1e-6)
    assert round(ic.loc[2023, "error_pct"], 1) == -4.5 and ic.loc[2023, "outcome"] == 414.1
    assert (e["outcome_published"] > e["origin"]).all()
    assert (e["outcome_published"].str[:4].astype(int) >= e["target_year"]).all()
    comparable = e[e["same_definition"]]
    assert (comparable["forecaster_type"] == "vintage").sum() >= 15
    drift = e[(e["forecaster"] == "drift") & (e["series"] == "intelligent_compute") & (e["origin"] == "2023-11-29")]
    assert drift["forecast"].iloc[0] == pytest.approx(260.0 ** 2 / 155.2, rel=1e-5)  # fitted on what was public then


def test_readme_forecast_and_record_bullets_are_the_generated_ones(repo):
    from analysis import figure_notes

    read = lambda n: pd.read_csv(repo / "data" / "processed" / f"{n}.csv", keep_default_na=False, na_values=[""])  # noqa: E731
    text = (repo / "README.md").read_text(encoding="utf-8")
    blocks = figure_notes.readme_blocks(read)
    for start, end in (figure_notes.README_FORECASTS, figure_notes.README_RECORD):
        block = text[text.index(start) + len(start):text.index(end)]
        assert block == blocks[start], "run `python -m analysis.figure_notes` and paste its output into the README"
    assert "(n = " in blocks[figure_notes.README_RECORD[0]]
    forecast = blocks[figure_notes.README_FORECASTS[0]]
    # every median beyond the world bound's band is named as implausible in the same sentence, and
    # the headline's mass beyond the bound is quoted from the table
    w = read("plausibility")
    world = w[(w["bound_kind"] == figure_notes.WORLD_BOUND) & (w["year"] == 2027)]
    over = world[world["implausible"]]
    assert not len(over) or "implausible" in forecast
    for model in set(over["model"]) - {"combination"}:
        assert figure_notes.SHORT[model] in forecast, model
    mass = world.loc[world["model"] == "combination", "mass_beyond"].iloc[0]
    assert f"{mass:.0%} of its distribution lies beyond it" in forecast
    # a combination is named by its members (one member: by that member)
    members = read("model_comparison").query("model == 'combination'")["members"].iloc[0]
    assert (f"the combination ({members})" if "," in members else "only member") in forecast


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
    for name in ("01_clean", "03_forecast", "04_context_figures", "05_forecast_figures"):
        assert f'href="{name}.html"' in page
    assert "horizon_end = 2027" in page and "data/processed/forecasts.csv" in page
    assert re.search(r"Content hash of all inputs: <span class=\"hash\">[0-9a-f]{64}</span>", page)


def test_no_bound_lies_below_a_figure_the_information_set_already_holds(repo):
    """Issue 26: the world bound on China's AI servers is never below NVIDIA's data-centre revenue
    already reported for that year or an earlier one, nor below China's own market."""
    read = lambda n: pd.read_csv(repo / "data" / "processed" / f"{n}.csv", keep_default_na=False, na_values=[""])  # noqa: E731
    w = read("world_triangulation").set_index("year")
    p = read("plausibility")
    world = p[p["bound_kind"] == domain.WORLD_BOUND]
    assert len(world)
    held = w["nvidia_known"].dropna()
    for _, r in world.iterrows():
        floor = held[held.index <= r["year"]].max()
        assert r["bound_low"] >= floor - 1e-6 and r["bound"] >= floor - 1e-6, (r["model"], r["year"])
    assert w.at[2023, "nvidia_known"] > w.at[2023, "idc_world"]  # why IDC's own path cannot be the bound
    s = read("series")
    china = s[(s["indicator"] == "ai_server_market") & s["kind"].isin(["actual", "estimate", "derived"])]
    assert (world["bound_low"] > china["value"].max()).all()
