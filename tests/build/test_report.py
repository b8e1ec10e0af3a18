"""The index page: built from the registry, every figure traced to its cell, input hashes equal
to the build's own, relative links only (no absolute path, no network)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from analysis.build import paths, report, steps

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def at_repo(monkeypatch):
    """Read the built outputs of this checkout (the page is built in memory, nothing written)."""
    old = paths.ROOT
    for name, value in list(vars(paths).items()):
        if isinstance(value, Path) and (value == old or old in value.parents):
            monkeypatch.setattr(paths, name, REPO / value.relative_to(old))
    monkeypatch.setattr(paths, "ROOT", REPO)
    if not all((REPO / "notebooks" / f"{n}.ipynb").exists() for n in steps.STEPS):
        pytest.skip("needs the built notebooks (make all)")


def test_every_registry_figure_is_on_the_page_with_the_cell_that_drew_it(at_repo):
    page = report.build()
    for name, step in steps.STEPS.items():
        for fig in step.figures:
            assert f'<figure id="{fig}">' in page
            assert re.search(rf'<figure id="{fig}">.*?href="{name}\.html#cell-id=cell-\d\d"', page)


def test_input_hashes_are_the_builds_own(at_repo):
    page = report.build()
    for name in steps.STEPS:
        info = report.notebook_info(name)
        assert info["hash"] == steps.key(steps.inputs(name))
        assert info["hash"][:16] in page
    info = report.notebook_info("01_clean")
    assert "analysis/build/atomic.py" in info["inputs"] and "data/raw/rankings.csv" in info["reads"]


def test_links_are_relative_and_offline(at_repo):
    page = report.build()
    assert str(REPO) not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)


def test_the_page_opens_with_the_findings_read_from_the_tables(at_repo):
    import pandas as pd

    from analysis import findings

    page = report.build()
    assert page.index("<h2>What it finds</h2>") < page.index("<h2>Figures</h2>")
    audit = pd.read_csv(paths.PROCESSED / "audit.csv")
    figures = pd.read_csv(paths.PROCESSED / "figures.csv", dtype={"value_text": str})
    for sentence in findings.audit_findings(audit, figures):  # the README's own sentences
        assert f"<li>{report._inline_markdown(sentence)}</li>" in page
    comparison = pd.read_csv(paths.PROCESSED / "model_comparison.csv")
    row = comparison[(comparison["series"] == "ai_server_market") & (comparison["model"] == "combination")
                     & (comparison["level"] == 0.8)].iloc[0]
    assert f"median of {row['median']:.1f} USD bn" in page


def test_captions_name_the_figure_by_its_title_not_its_id(at_repo):
    page = report.build()
    for step in steps.STEPS.values():
        for fig in step.figures:
            title = report.figure_title(paths.FIGURES, fig)
            caption = re.search(rf'<figure id="{fig}">.*?<figcaption><b>(.*?)</b>', page).group(1)
            assert caption == report.html.escape(title) and "_" not in caption


def test_inline_markdown_escapes_and_formats():
    assert report._inline_markdown("**A.** *b* `c` <x> 5 * 3") == "<b>A.</b> <i>b</i> <code>c</code> &lt;x&gt; 5 * 3"
